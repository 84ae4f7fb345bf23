//! Liaison matchmaking engine: pure (no I/O) scoring, candidate generation and scheduling.
//!
//! * [`scoring`] / [`candidates`]: who should meet whom, with machine-readable reasons.
//! * [`interchange`]: the JSON instance/timetable format and the index-based [`Problem`].
//! * [`schedule`]: the timetable solver (and the plain greedy baseline).
//! * [`groups`]: the group-meeting phase of the scheduler (rooms, placement before the pairs).
//! * [`bound`]: a provable upper bound (LP dual) for the "quality" figure.
//! * [`check`]: an independent feasibility checker and objective evaluation.
//! * [`generate`]: deterministic generators of realistic events (benchmarks, tests).
//! * [`eligibility`]: a consortium's eligibility rules for a call and their evaluation.
//! * [`team`]: who fits an idea's open roles, a suggested team, the roles a person fits.

pub mod bound;
pub mod candidates;
pub mod check;
pub mod eligibility;
pub mod generate;
pub mod groups;
pub mod interchange;
pub mod schedule;
pub mod scoring;
pub mod team;

pub use self::candidates::{pairs_from_suggestions, scored_pairs, suggest_all, suggest_for, Matcher};
pub use self::check::{check_feasible, objective, objective_with_groups};
pub use self::interchange::{
    GroupIdx, GroupIn, GroupMeeting, Instance, InstanceError, LockedGroup, LockedGroupIdx, LockedIdx, LockedMeeting,
    Meeting, PairIdx, PairIn, Participant, Problem, Room, Solution, Timetable,
};
pub use self::schedule::{schedule, schedule_greedy, schedule_with, solve, solve_greedy_baseline, SolveOptions};
pub use self::scoring::{
    Opportunity, OpportunityKind, Profile, Reason, ScoredPair, ScoringParams, Suggestion, TopicId,
};
pub use self::team::{FitReason, Method as TeamMethod, RoleFit, RoleSpec, TeamBuilder, TeamSpec, TeamSuggestion};

#[cfg(test)]
mod tests {
    use super::generate::{generate_instance, random_instance, Regime};
    use super::interchange::harmonic;
    use super::*;

    /// Exhaustive optimum over all timetables (tables are interchangeable, so slots suffice):
    /// returns (max requested, best objective among those).
    fn brute_force(inst: &Instance) -> (usize, f64) {
        let p = Problem::from_instance(inst).expect("test instance");
        let n = p.n();
        let s = p.slots as usize;
        let mut locked_slot = vec![None; p.pairs.len()];
        for l in &p.locked {
            locked_slot[l.pair as usize] = Some(l.slot as usize);
        }
        let mut busy = vec![0u64; n];
        let mut deg = vec![0u32; n];
        let mut used = vec![0u32; s];
        let mut best = (0usize, f64::NEG_INFINITY);
        let mut w0 = 0.0;
        let mut r0 = 0;
        for l in &p.locked {
            let pr = p.pairs[l.pair as usize];
            for x in [pr.a as usize, pr.b as usize] {
                busy[x] |= 1 << l.slot;
                deg[x] += 1;
            }
            used[l.slot as usize] += 1;
            w0 += pr.weight;
            r0 += usize::from(pr.requested);
        }
        #[allow(clippy::too_many_arguments)]
        fn go(
            p: &Problem,
            e: usize,
            locked_slot: &[Option<usize>],
            busy: &mut [u64],
            deg: &mut [u32],
            used: &mut [u32],
            req: usize,
            w: f64,
            best: &mut (usize, f64),
        ) {
            if e == p.pairs.len() {
                let obj = w + p.fairness_bonus * deg.iter().map(|&k| harmonic(k)).sum::<f64>();
                if req > best.0 || (req == best.0 && obj > best.1) {
                    *best = (req, obj);
                }
                return;
            }
            let pr = p.pairs[e];
            let (a, b) = (pr.a as usize, pr.b as usize);
            let r = usize::from(pr.requested);
            if locked_slot[e].is_some() {
                return go(p, e + 1, locked_slot, busy, deg, used, req, w, best);
            }
            let options: Vec<usize> = (0..p.slots as usize)
                .filter(|&sl| {
                    p.avail[a] & p.avail[b] & (1 << sl) != 0
                        && (busy[a] | busy[b]) & (1 << sl) == 0
                        && deg[a] < p.cap[a]
                        && deg[b] < p.cap[b]
                        && used[sl] < p.tables
                })
                .collect();
            for sl in options {
                busy[a] |= 1 << sl;
                busy[b] |= 1 << sl;
                deg[a] += 1;
                deg[b] += 1;
                used[sl] += 1;
                go(p, e + 1, locked_slot, busy, deg, used, req + r, w + pr.weight, best);
                busy[a] &= !(1 << sl);
                busy[b] &= !(1 << sl);
                deg[a] -= 1;
                deg[b] -= 1;
                used[sl] -= 1;
            }
            go(p, e + 1, locked_slot, busy, deg, used, req, w, best);
        }
        go(&p, 0, &locked_slot, &mut busy, &mut deg, &mut used, r0, w0, &mut best);
        best
    }

    #[test]
    fn random_instances_feasible_and_bounded() {
        let mut exact_hits = 0;
        let mut exact_total = 0;
        for seed in 0..200u64 {
            let inst = random_instance(seed, if seed.is_multiple_of(4) { 12 } else { 6 });
            let tt = schedule(&inst).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            check_feasible(&inst, &tt).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(tt.upper_bound + 1e-9 >= tt.objective, "seed {seed}");
            let g = schedule_greedy(&inst).expect("test instance");
            check_feasible(&inst, &g).unwrap_or_else(|e| panic!("greedy seed {seed}: {e}"));
            assert!(tt.upper_bound + 1e-9 >= g.objective, "seed {seed}");
            // Exhaustive comparison on tiny instances.
            let fits = ((inst.slots + 1) as f64).powi(inst.pairs.len() as i32) <= 100_000.0;
            if fits {
                let (req, obj) = brute_force(&inst);
                assert_eq!(tt.requested_scheduled, req, "seed {seed}: requested-first rule");
                assert!(tt.objective <= obj + 1e-9, "seed {seed}: beat the optimum?");
                assert!(obj <= tt.upper_bound + 1e-9, "seed {seed}: bound below optimum");
                exact_total += 1;
                if tt.objective >= obj - 1e-9 {
                    exact_hits += 1;
                }
            }
        }
        assert!(exact_total > 50, "too few exhaustive comparisons: {exact_total}");
        assert!(exact_hits * 100 >= exact_total * 90, "optimal on only {exact_hits}/{exact_total} tiny instances");
    }

    #[test]
    fn locked_meetings_kept_and_counted() {
        let mut inst = random_instance(3, 6);
        inst.slots = 3;
        inst.tables_per_slot = 1;
        inst.participants =
            (0..4).map(|i| Participant { id: format!("x{i}"), max_meetings: 2, available_slots: vec![1, 2] }).collect();
        inst.pairs = vec![
            PairIn { a: "x0".into(), b: "x1".into(), weight: 5.0, requested: false },
            PairIn { a: "x2".into(), b: "x3".into(), weight: 5.0, requested: true },
            PairIn { a: "x0".into(), b: "x2".into(), weight: 1.0, requested: false },
        ];
        // Locked in slot 0 although nobody is available there (trusted), and a pair not in pairs.
        inst.locked = vec![
            LockedMeeting { a: "x1".into(), b: "x3".into(), slot: 0, table: 1 },
            LockedMeeting { a: "x0".into(), b: "x1".into(), slot: 1, table: 1 },
        ];
        let tt = schedule(&inst).expect("test instance");
        check_feasible(&inst, &tt).expect("test instance");
        assert_eq!(tt.requested_scheduled, 1);
        assert_eq!(tt.meetings.len(), 3);
    }

    #[test]
    fn invalid_instances_give_errors() {
        let base = random_instance(11, 6);
        let good = Instance {
            slots: 2,
            tables_per_slot: 1,
            fairness_bonus: 0.0,
            participants: vec![
                Participant { id: "a".into(), max_meetings: 1, available_slots: vec![0, 1] },
                Participant { id: "b".into(), max_meetings: 1, available_slots: vec![0] },
            ],
            pairs: vec![PairIn { a: "a".into(), b: "b".into(), weight: 1.0, requested: false }],
            locked: vec![],
            rooms: vec![],
            groups: vec![],
            locked_groups: vec![],
        };
        assert!(schedule(&good).is_ok());
        let _ = schedule(&base);
        let mut bad = Vec::new();
        let mut x = good.clone();
        x.slots = 0;
        bad.push(x);
        let mut x = good.clone();
        x.slots = 65;
        bad.push(x);
        let mut x = good.clone();
        x.tables_per_slot = 0;
        bad.push(x);
        let mut x = good.clone();
        x.participants[1].id = "a".into();
        bad.push(x);
        let mut x = good.clone();
        x.participants[1].available_slots = vec![2];
        bad.push(x);
        let mut x = good.clone();
        x.pairs[0].b = "zz".into();
        bad.push(x);
        let mut x = good.clone();
        x.pairs[0].weight = f64::NAN;
        bad.push(x);
        let mut x = good.clone();
        x.pairs[0].weight = -1.0;
        bad.push(x);
        let mut x = good.clone();
        x.pairs.push(PairIn { a: "b".into(), b: "a".into(), weight: 1.0, requested: false });
        bad.push(x);
        let mut x = good.clone();
        x.pairs[0].b = "a".into();
        bad.push(x);
        let mut x = good.clone();
        x.fairness_bonus = f64::INFINITY;
        bad.push(x);
        let mut x = good.clone();
        x.locked = vec![LockedMeeting { a: "a".into(), b: "b".into(), slot: 0, table: 2 }];
        bad.push(x);
        let mut x = good.clone();
        x.locked = vec![LockedMeeting { a: "a".into(), b: "b".into(), slot: 5, table: 1 }];
        bad.push(x);
        let mut x = good.clone();
        x.participants.push(Participant { id: "c".into(), max_meetings: 3, available_slots: vec![] });
        x.locked = vec![
            LockedMeeting { a: "a".into(), b: "b".into(), slot: 0, table: 1 },
            LockedMeeting { a: "a".into(), b: "c".into(), slot: 0, table: 2 },
        ];
        bad.push(x);
        let mut x = good.clone();
        x.tables_per_slot = 3;
        x.participants.push(Participant { id: "c".into(), max_meetings: 3, available_slots: vec![] });
        x.locked = vec![
            LockedMeeting { a: "a".into(), b: "b".into(), slot: 0, table: 1 },
            LockedMeeting { a: "a".into(), b: "c".into(), slot: 1, table: 1 },
        ];
        bad.push(x); // a over cap (max 1)
        for (i, x) in bad.iter().enumerate() {
            let e = schedule(x).expect_err(&format!("case {i} should fail"));
            assert!(!e.to_string().is_empty());
            assert!(check_feasible(x, &schedule(&good).expect("test instance")).is_err());
        }
    }

    #[test]
    fn checker_rejects_broken_timetables() {
        let inst = generate_instance(60, Regime::ScarceTables, 9);
        let tt = schedule(&inst).expect("test instance");
        check_feasible(&inst, &tt).expect("test instance");
        assert!(tt.meetings.len() >= 3);
        let mut bad = Vec::new();
        let mut x = tt.clone();
        x.meetings[1].slot = x.meetings[0].slot;
        x.meetings[1].table = x.meetings[0].table;
        bad.push(x); // table used twice (or person clash)
        let mut x = tt.clone();
        x.meetings[0].table = inst.tables_per_slot + 1;
        bad.push(x);
        let mut x = tt.clone();
        x.meetings[0].slot = inst.slots;
        bad.push(x);
        let mut x = tt.clone();
        x.meetings.push(x.meetings[0].clone());
        bad.push(x);
        let mut x = tt.clone();
        x.meetings[0].b = x.meetings[0].a.clone();
        bad.push(x);
        let mut x = tt.clone();
        x.objective += 1.0;
        bad.push(x);
        let mut x = tt.clone();
        x.upper_bound = x.objective - 1.0;
        bad.push(x);
        let mut x = tt.clone();
        x.requested_scheduled += 1;
        bad.push(x);
        for (i, x) in bad.iter().enumerate() {
            assert!(check_feasible(&inst, x).is_err(), "case {i} accepted");
        }
        // A pair that is not a candidate pair.
        let mut x = tt.clone();
        let ids: Vec<&str> = inst.participants.iter().map(|p| p.id.as_str()).collect();
        'outer: for a in &ids {
            for b in &ids {
                if a != b && !inst.pairs.iter().any(|p| (p.a == *a && p.b == *b) || (p.a == *b && p.b == *a)) {
                    x.meetings[0].a = a.to_string();
                    x.meetings[0].b = b.to_string();
                    break 'outer;
                }
            }
        }
        assert!(check_feasible(&inst, &x).is_err());
    }

    #[test]
    fn empty_and_degenerate_instances() {
        let inst = Instance {
            slots: 3,
            tables_per_slot: 1,
            fairness_bonus: 1.0,
            participants: vec![],
            pairs: vec![],
            locked: vec![],
            rooms: vec![],
            groups: vec![],
            locked_groups: vec![],
        };
        let tt = schedule(&inst).expect("test instance");
        assert!(tt.meetings.is_empty());
        assert_eq!(tt.quality, 1.0);
        check_feasible(&inst, &tt).expect("test instance");
        let j = r#"{ "slots": 64, "tables_per_slot": 1, "fairness_bonus": 2.0,
            "participants": [ { "id": "a", "max_meetings": 100, "available_slots": [63] },
                              { "id": "b", "max_meetings": 100, "available_slots": [63] } ],
            "pairs": [ { "a": "a", "b": "b", "weight": 0.0, "requested": true } ] }"#;
        let inst: Instance = serde_json::from_str(j).expect("test instance");
        let tt = schedule(&inst).expect("test instance");
        check_feasible(&inst, &tt).expect("test instance");
        assert_eq!((tt.meetings[0].slot, tt.requested_scheduled), (63, 1));
    }

    #[test]
    fn json_roundtrip_and_defaults() {
        let j = r#"{ "slots": 2, "tables_per_slot": 1,
            "participants": [ { "id": "p1", "max_meetings": 1, "available_slots": [0,1] },
                              { "id": "p2", "max_meetings": 1, "available_slots": [1] } ],
            "pairs": [ { "a": "p1", "b": "p2", "weight": 3.5 } ] }"#;
        let inst: Instance = serde_json::from_str(j).expect("test instance");
        assert_eq!(inst.fairness_bonus, 0.0);
        assert!(inst.locked.is_empty());
        let tt = schedule(&inst).expect("test instance");
        assert_eq!(tt.meetings.len(), 1);
        assert_eq!((tt.meetings[0].slot, tt.meetings[0].table), (1, 1));
        let s = serde_json::to_string(&tt).expect("test instance");
        let back: Timetable = serde_json::from_str(&s).expect("test instance");
        check_feasible(&inst, &back).expect("test instance");
        assert!((objective(&inst, &back.meetings) - 3.5).abs() < 1e-12);
    }

    #[test]
    fn generated_event_quality_smoke() {
        for regime in [Regime::ScarceTables, Regime::ScarceTime] {
            let inst = generate_instance(120, regime, 5);
            let tt = schedule(&inst).expect("test instance");
            check_feasible(&inst, &tt).expect("test instance");
            let g = schedule_greedy(&inst).expect("test instance");
            assert!(tt.objective >= g.objective - 1e-9, "{regime:?}");
            assert!(tt.requested_scheduled >= g.requested_scheduled);
            assert!(tt.quality > 0.9, "{regime:?}: quality {}", tt.quality);
        }
    }
}
