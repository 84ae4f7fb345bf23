//! Independent feasibility checker and objective evaluation on the interchange types.

use super::interchange::{harmonic, GroupMeeting, Instance, Meeting, Problem, Timetable};
use std::collections::{HashMap, HashSet};

/// Objective part (2) of a list of pair meetings alone (no group meetings): Σ pair weights (from
/// the instance; meetings of pairs not in the instance count 0) + fairness_bonus × Σ_p H(k_p).
pub fn objective(inst: &Instance, meetings: &[Meeting]) -> f64 {
    objective_with_groups(inst, meetings, &[])
}

/// Objective part (2) of a timetable: Σ pair weights + Σ group weights + fairness_bonus ×
/// Σ_p H(k_p), where k_p counts p's pair and group meetings.
pub fn objective_with_groups(inst: &Instance, meetings: &[Meeting], group_meetings: &[GroupMeeting]) -> f64 {
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
    let groups: HashMap<&str, (f64, &[String])> =
        inst.groups.iter().map(|g| (g.id.as_str(), (g.weight, g.members.as_slice()))).collect();
    for gm in group_meetings {
        if let Some((w, members)) = groups.get(gm.group.as_str()) {
            total += w;
            for x in members.iter() {
                *deg.entry(x.as_str()).or_default() += 1;
            }
        }
    }
    let h: f64 = deg.values().map(|&k| harmonic(k)).sum();
    total + inst.fairness_bonus * h
}

/// Checks a timetable against an instance: every rule of the interchange format (pairs and group
/// meetings: nobody in two places at once, tables and rooms not double-booked, room capacities,
/// availability, caps counting both kinds), that all locked meetings are kept exactly, and the
/// reported statistics (objective, requested and group counts, bound).
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
    let groups: HashMap<&str, usize> = inst.groups.iter().enumerate().map(|(i, g)| (g.id.as_str(), i)).collect();
    let rooms: HashMap<&str, u32> = inst.rooms.iter().map(|r| (r.id.as_str(), r.capacity)).collect();
    let locked_groups: HashMap<&str, (u32, &str)> =
        inst.locked_groups.iter().map(|l| (l.group.as_str(), (l.slot, l.room.as_str()))).collect();
    let mut room_slot = HashSet::new();
    let mut group_seen = HashSet::new();
    for gm in &tt.group_meetings {
        let gi = *groups.get(gm.group.as_str()).ok_or_else(|| format!("unknown group meeting {:?}", gm.group))?;
        let g = &inst.groups[gi];
        let cap =
            *rooms.get(gm.room.as_str()).ok_or_else(|| format!("group {:?} in unknown room {:?}", g.id, gm.room))?;
        if gm.slot >= inst.slots {
            return Err(format!("group meeting {:?} in slot {} out of range", g.id, gm.slot));
        }
        if (cap as usize) < g.members.len() {
            return Err(format!(
                "group meeting {:?} ({} members) in room {:?} of capacity {cap}",
                g.id,
                g.members.len(),
                gm.room
            ));
        }
        if !group_seen.insert(gi) {
            return Err(format!("group meeting {:?} takes place twice", g.id));
        }
        if !room_slot.insert((gm.slot, gm.room.as_str())) {
            return Err(format!("room {:?} used twice in slot {}", gm.room, gm.slot));
        }
        let is_locked = locked_groups.get(g.id.as_str()) == Some(&(gm.slot, gm.room.as_str()));
        for m in &g.members {
            let x = ids[m.as_str()];
            if !is_locked && prob.avail[x] & (1 << gm.slot) == 0 {
                return Err(format!("{m:?} is not available in slot {} (group meeting {:?})", gm.slot, g.id));
            }
            if !person_slot.insert((x, gm.slot)) {
                return Err(format!("{m:?} has two meetings in slot {} (one is group meeting {:?})", gm.slot, g.id));
            }
            deg[x] += 1;
        }
    }
    for l in &inst.locked_groups {
        let kept = tt.group_meetings.iter().any(|gm| gm.group == l.group && gm.slot == l.slot && gm.room == l.room);
        if !kept {
            return Err(format!("locked group meeting {:?} not kept", l.group));
        }
    }
    if tt.groups_scheduled != tt.group_meetings.len() {
        return Err(format!("groups_scheduled is {}, counted {}", tt.groups_scheduled, tt.group_meetings.len()));
    }
    if tt.groups_total != inst.groups.len() {
        return Err(format!("groups_total is {}, counted {}", tt.groups_total, inst.groups.len()));
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
    let obj = objective_with_groups(inst, &tt.meetings, &tt.group_meetings);
    if (obj - tt.objective).abs() > 1e-6 * obj.abs().max(1.0) {
        return Err(format!("objective is {}, recomputed {}", tt.objective, obj));
    }
    if tt.upper_bound < obj - 1e-6 * obj.abs().max(1.0) {
        return Err(format!("upper bound {} below objective {}", tt.upper_bound, obj));
    }
    Ok(())
}
