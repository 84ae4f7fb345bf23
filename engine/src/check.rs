//! Independent feasibility checker and objective evaluation on the interchange types.

use super::interchange::{harmonic, Instance, Meeting, Problem, Timetable};
use std::collections::{HashMap, HashSet};

/// Objective part (2) of a list of meetings: Σ pair weights (from the instance; meetings of pairs
/// not in the instance count 0) + fairness_bonus × Σ_p H(k_p).
pub fn objective(inst: &Instance, meetings: &[Meeting]) -> f64 {
    let mut w: HashMap<(&str, &str), f64> = HashMap::with_capacity(inst.pairs.len());
    for p in &inst.pairs {
        let k = if p.a <= p.b { (p.a.as_str(), p.b.as_str()) } else { (p.b.as_str(), p.a.as_str()) };
        w.insert(k, p.weight);
    }
    let mut deg: HashMap<&str, u32> = HashMap::new();
    let mut total = 0.0;
    for m in meetings {
        let k = if m.a <= m.b { (m.a.as_str(), m.b.as_str()) } else { (m.b.as_str(), m.a.as_str()) };
        total += w.get(&k).copied().unwrap_or(0.0);
        *deg.entry(m.a.as_str()).or_default() += 1;
        *deg.entry(m.b.as_str()).or_default() += 1;
    }
    let h: f64 = deg.values().map(|&k| harmonic(k)).sum();
    total + inst.fairness_bonus * h
}

/// Checks a timetable against an instance: every rule of the interchange format, that all locked
/// meetings are kept exactly, and the reported statistics (objective, requested counts, bound).
pub fn check_feasible(inst: &Instance, tt: &Timetable) -> Result<(), String> {
    let prob = Problem::from_instance(inst).map_err(|e| format!("invalid instance: {e}"))?;
    let ids: HashMap<&str, usize> = inst.participants.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let key = |a: usize, b: usize| (a.min(b), a.max(b));
    let pairs: HashMap<(usize, usize), bool> =
        inst.pairs.iter().map(|p| (key(ids[p.a.as_str()], ids[p.b.as_str()]), p.requested)).collect();
    let locked: HashMap<(usize, usize), (u32, u32)> =
        inst.locked.iter().map(|l| (key(ids[l.a.as_str()], ids[l.b.as_str()]), (l.slot, l.table))).collect();
    let mut person_slot = HashSet::new();
    let mut table_slot = HashSet::new();
    let mut pair_seen = HashSet::new();
    let mut deg = vec![0u32; inst.participants.len()];
    let mut requested = 0;
    for m in &tt.meetings {
        let a = *ids.get(m.a.as_str()).ok_or_else(|| format!("meeting with unknown participant {:?}", m.a))?;
        let b = *ids.get(m.b.as_str()).ok_or_else(|| format!("meeting with unknown participant {:?}", m.b))?;
        if a == b {
            return Err(format!("{:?} meets themself", m.a));
        }
        let k = key(a, b);
        let is_locked = locked.get(&k) == Some(&(m.slot, m.table));
        if !pairs.contains_key(&k) && !is_locked {
            return Err(format!("pair ({:?}, {:?}) is not a candidate pair", m.a, m.b));
        }
        if m.slot >= inst.slots {
            return Err(format!("meeting ({:?}, {:?}) in slot {} out of range", m.a, m.b, m.slot));
        }
        if m.table == 0 || m.table > inst.tables_per_slot {
            return Err(format!("meeting ({:?}, {:?}) at table {} out of range", m.a, m.b, m.table));
        }
        if !is_locked {
            for x in [a, b] {
                if prob.avail[x] & (1 << m.slot) == 0 {
                    return Err(format!("{:?} is not available in slot {}", inst.participants[x].id, m.slot));
                }
            }
        }
        for x in [a, b] {
            if !person_slot.insert((x, m.slot)) {
                return Err(format!("{:?} has two meetings in slot {}", inst.participants[x].id, m.slot));
            }
            deg[x] += 1;
        }
        if !table_slot.insert((m.slot, m.table)) {
            return Err(format!("table {} used twice in slot {}", m.table, m.slot));
        }
        if !pair_seen.insert(k) {
            return Err(format!("pair ({:?}, {:?}) meets twice", m.a, m.b));
        }
        if pairs.get(&k) == Some(&true) {
            requested += 1;
        }
    }
    for (x, p) in inst.participants.iter().enumerate() {
        if deg[x] > p.max_meetings {
            return Err(format!("{:?} has {} meetings, max {}", p.id, deg[x], p.max_meetings));
        }
    }
    for l in &inst.locked {
        let found = tt.meetings.iter().any(|m| {
            ((m.a == l.a && m.b == l.b) || (m.a == l.b && m.b == l.a)) && m.slot == l.slot && m.table == l.table
        });
        if !found {
            return Err(format!("locked meeting ({:?}, {:?}) not kept", l.a, l.b));
        }
    }
    if requested != tt.requested_scheduled {
        return Err(format!("requested_scheduled is {}, counted {}", tt.requested_scheduled, requested));
    }
    let total = inst.pairs.iter().filter(|p| p.requested).count();
    if total != tt.requested_total {
        return Err(format!("requested_total is {}, counted {}", tt.requested_total, total));
    }
    let obj = objective(inst, &tt.meetings);
    if (obj - tt.objective).abs() > 1e-6 * obj.abs().max(1.0) {
        return Err(format!("objective is {}, recomputed {}", tt.objective, obj));
    }
    if tt.upper_bound < obj - 1e-6 * obj.abs().max(1.0) {
        return Err(format!("upper bound {} below objective {}", tt.upper_bound, obj));
    }
    Ok(())
}
