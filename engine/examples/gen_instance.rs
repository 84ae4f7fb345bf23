//! Writes a generated realistic instance (interchange JSON).
//!
//! cargo run --release --example gen_instance -- --participants 1000 --regime scarce-tables \
//!     --seed 1 [--groups 100 --rooms 10] [--out inst.json] [--schedule tt.json] [--greedy greedy.json]
//!
//! `--groups G --rooms R` add R meeting rooms (capacity 4–10) and G group meetings of 3–8 people
//! who share a topic (`generate::add_groups`); the figures use N/10 groups, N/100 rooms.
//! `--schedule` / `--greedy` also solve the instance and write the timetable (timings on stderr).
use liaison_engine::generate::{add_groups, generate_profiles, instance_from_pairs, Regime, SUGGESTIONS_PER_PERSON};
use liaison_engine::{check_feasible, schedule, schedule_greedy, scored_pairs, ScoringParams};
use std::time::Instant;

fn main() {
    let mut n = 1000usize;
    let mut regime = Regime::ScarceTables;
    let mut seed = 1u64;
    let mut out: Option<String> = None;
    let mut sched: Option<String> = None;
    let mut greedy: Option<String> = None;
    let mut groups = 0usize;
    let mut rooms = 0usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--participants" => n = v.parse().expect("--participants N"),
            "--regime" => regime = v.parse().expect("--regime scarce-tables|scarce-time"),
            "--seed" => seed = v.parse().expect("--seed S"),
            "--out" => out = Some(v),
            "--schedule" => sched = Some(v),
            "--greedy" => greedy = Some(v),
            "--groups" => groups = v.parse().expect("--groups G"),
            "--rooms" => rooms = v.parse().expect("--rooms R"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    let t0 = Instant::now();
    let profiles = generate_profiles(n, seed);
    let t1 = Instant::now();
    let pairs = scored_pairs(&profiles, &ScoringParams::default(), SUGGESTIONS_PER_PERSON);
    let t2 = Instant::now();
    let mut inst = instance_from_pairs(&profiles, &pairs, regime, seed);
    if groups > 0 || rooms > 0 {
        add_groups(&mut inst, &profiles, groups, rooms, seed);
    }
    let t3 = Instant::now();
    eprintln!(
        "participants {n} pairs {} requested {} tables {} groups {} rooms {}: profiles {:.1} ms, suggestions {:.1} ms, instance {:.1} ms",
        inst.pairs.len(),
        inst.pairs.iter().filter(|p| p.requested).count(),
        inst.tables_per_slot,
        inst.groups.len(),
        inst.rooms.len(),
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3,
        (t3 - t2).as_secs_f64() * 1e3
    );
    let json = serde_json::to_string(&inst).expect("serialise");
    match &out {
        Some(f) => std::fs::write(f, json).expect("write instance"),
        None if sched.is_none() && greedy.is_none() => println!("{json}"),
        None => {}
    }
    let schedulable = liaison_engine::groups::schedulable_groups(&inst);
    for (file, is_greedy) in [(sched, false), (greedy, true)] {
        let Some(file) = file else { continue };
        let t = Instant::now();
        let tt = if is_greedy { schedule_greedy(&inst) } else { schedule(&inst) }.expect("valid instance");
        let ms = t.elapsed().as_secs_f64() * 1e3;
        check_feasible(&inst, &tt).expect("feasible");
        let total_ms = (t.elapsed() + (t2 - t1)).as_secs_f64() * 1e3;
        eprintln!(
            "{}: {ms:.1} ms (suggestions+schedule {total_ms:.1} ms) meetings {} objective {:.3} bound {:.3} quality {:.5} requested {}/{} without meeting {} groups {}/{} (schedulable alone {})",
            if is_greedy { "greedy" } else { "schedule" },
            tt.meetings.len(),
            tt.objective,
            tt.upper_bound,
            tt.quality,
            tt.requested_scheduled,
            tt.requested_total,
            tt.participants_without_meeting,
            tt.groups_scheduled,
            tt.groups_total,
            schedulable
        );
        std::fs::write(&file, serde_json::to_string(&tt).expect("serialise")).expect("write timetable");
    }
}
