//! Pair scheduling on generators we did not tune for: varies unavailability, caps, sector mix,
//! topic skew, the length of the day and the requested share, each in both regimes (tables
//! scarce, time scarce), and prints one row per run plus the worst case.
//!
//! cargo build --release -p liaison-engine --examples
//! nice target/release/examples/sweep --participants 20000 [--seeds 1,2] [--only NAME] [--phases]
//!     [--out DIR]   (writes each instance and its timetable as interchange JSON into DIR,
//!                    for bench/lp_bound.py and bench/cover_bound.py)
//!
//! Columns: people with a possible partner (a pair with a common available slot, both caps ≥ 1),
//! how many of them got no meeting, how many of those the rules leave out (every partner's cap
//! or common slots are taken by requested meetings, which come first), the others, the timetable's objective over the engine's own upper bound,
//! and the scheduler's time from the instance to the timetable with its bound (no suggestions),
//! as wall time and as time on a CPU (the figure to trust while other jobs share the cores).
use liaison_engine::generate::{
    generate_profiles_with, instance_from_pairs_with, Caps, InstanceOptions, ProfileOptions, Regime, TopicSkew,
    SUGGESTIONS_PER_PERSON,
};
use liaison_engine::interchange::Problem;
use liaison_engine::schedule::solve_profiled;
use liaison_engine::{check_feasible, schedule_with, scored_pairs, Instance, ScoringParams, SolveOptions, Timetable};
use std::collections::HashMap;
use std::time::Instant;

struct Setting {
    name: &'static str,
    profiles: ProfileOptions,
    instance: InstanceOptions,
}

fn settings() -> Vec<Setting> {
    let p = ProfileOptions::default;
    let i = InstanceOptions::default;
    let s = |name, profiles, instance| Setting { name, profiles, instance };
    let mixed = Caps::Mixed(vec![(0.3, 1, 2), (0.4, 3, 6), (0.3, 8, 12)]);
    let mostly_one = Caps::Mixed(vec![(0.6, 1, 1), (0.4, 6, 12)]);
    vec![
        s("default (20 % away, caps 4–12, Zipf topics)", p(), i()),
        s("away 0 %", p(), InstanceOptions { unavailable: 0.0, ..i() }),
        s("away 10 %", p(), InstanceOptions { unavailable: 0.1, ..i() }),
        s("away 30 %", p(), InstanceOptions { unavailable: 0.3, ..i() }),
        s("away 40 %", p(), InstanceOptions { unavailable: 0.4, ..i() }),
        s("caps 1–12 uniform", p(), InstanceOptions { caps: Some(Caps::Uniform(1, 12)), ..i() }),
        s("caps 1–3", p(), InstanceOptions { caps: Some(Caps::Uniform(1, 3)), ..i() }),
        s("caps 12 (all slots)", p(), InstanceOptions { caps: Some(Caps::Uniform(12, 12)), ..i() }),
        s("caps mixed 1–2 / 3–6 / 8–12", p(), InstanceOptions { caps: Some(mixed.clone()), ..i() }),
        s("caps 60 % one, 40 % 6–12", p(), InstanceOptions { caps: Some(mostly_one), ..i() }),
        s("70 % academia", p().with_sector_share("academia", 0.7), i()),
        s("pharma scarce (2 %)", p().with_sector_share("pharma", 0.02), i()),
        s("many patient orgs (30 %)", p().with_sector_share("patient_org", 0.3), i()),
        s("topics uniform", ProfileOptions { topics: TopicSkew::Zipf(0.0), ..p() }, i()),
        s("topics steep (Zipf 2)", ProfileOptions { topics: TopicSkew::Zipf(2.0), ..p() }, i()),
        s("5 hot topics (80 %)", ProfileOptions { topics: TopicSkew::Hot { hot: 5, share: 0.8 }, ..p() }, i()),
        s("short day (6 slots)", p(), InstanceOptions { slots: 6, ..i() }),
        s("requested 20 %", p(), InstanceOptions { requested: 0.2, ..i() }),
        s("short day, no requests", p(), InstanceOptions { slots: 6, requested: 0.0, ..i() }),
        s(
            "topics steep, no requests",
            ProfileOptions { topics: TopicSkew::Zipf(2.0), ..p() },
            InstanceOptions { requested: 0.0, ..i() },
        ),
        s(
            "hard: away 40 %, caps mixed, 70 % academia, hot topics",
            ProfileOptions { topics: TopicSkew::Hot { hot: 5, share: 0.8 }, ..p().with_sector_share("academia", 0.7) },
            InstanceOptions { unavailable: 0.4, caps: Some(mixed.clone()), ..i() },
        ),
        s(
            "hard, no requests",
            ProfileOptions { topics: TopicSkew::Hot { hot: 5, share: 0.8 }, ..p().with_sector_share("academia", 0.7) },
            InstanceOptions { unavailable: 0.4, caps: Some(mixed), requested: 0.0, ..i() },
        ),
    ]
}

/// A lower bound on the people without a meeting whom the rules themselves leave out (covering
/// them would cost a requested meeting, and requested meetings come first): the larger of
/// (1) those for whom every possible partner's cap is taken by requested or locked meetings, or
/// every common slot is (the partner sits in one, or they take all the slot's tables), and
/// (2) the people in no requested meeting minus two per table the requested meetings leave.
fn blocked_by_requested(inst: &Instance, tt: &Timetable) -> usize {
    let p = Problem::from_instance(inst).expect("valid instance");
    let ids: HashMap<&str, usize> = inst.participants.iter().enumerate().map(|(i, x)| (x.id.as_str(), i)).collect();
    let key = |a: usize, b: usize| (a.min(b), a.max(b));
    let mut fixed: HashMap<(usize, usize), bool> = HashMap::new();
    for pr in &inst.pairs {
        fixed.insert(key(ids[pr.a.as_str()], ids[pr.b.as_str()]), pr.requested);
    }
    for l in &inst.locked {
        fixed.insert(key(ids[l.a.as_str()], ids[l.b.as_str()]), true);
    }
    let n = p.n();
    let s = p.slots as usize;
    let mut deg = vec![0u32; n];
    let mut fixed_deg = vec![0u32; n];
    let mut fixed_busy = vec![0u64; n];
    let mut fixed_tables = vec![0u32; s];
    for m in &tt.meetings {
        let (a, b) = (ids[m.a.as_str()], ids[m.b.as_str()]);
        deg[a] += 1;
        deg[b] += 1;
        if fixed.get(&key(a, b)) == Some(&true) {
            for x in [a, b] {
                fixed_deg[x] += 1;
                fixed_busy[x] |= 1 << m.slot;
            }
            fixed_tables[m.slot as usize] += 1;
        }
    }
    let full: u64 = (0..s).filter(|&sl| fixed_tables[sl] >= p.tables).map(|sl| 1u64 << sl).sum();
    let mut partners = vec![Vec::new(); n];
    for pr in &p.pairs {
        partners[pr.a as usize].push(pr.b as usize);
        partners[pr.b as usize].push(pr.a as usize);
    }
    let has_partner =
        |x: usize| partners[x].iter().any(|&y| p.avail[x] & p.avail[y] != 0 && p.cap[x] > 0 && p.cap[y] > 0);
    // In aggregate: the tables left after the requested meetings seat two people each, so of the
    // people in no requested meeting at most twice that many can meet someone.
    let fixed_meetings: u32 = fixed_tables.iter().sum();
    let free_tables = (p.tables * p.slots).saturating_sub(fixed_meetings) as usize;
    let outside = (0..n).filter(|&x| fixed_deg[x] == 0 && has_partner(x)).count();
    let floor = outside.saturating_sub(2 * free_tables);
    let each = (0..n)
        .filter(|&x| {
            let possible: Vec<usize> = partners[x]
                .iter()
                .copied()
                .filter(|&y| p.avail[x] & p.avail[y] != 0 && p.cap[x] > 0 && p.cap[y] > 0)
                .collect();
            deg[x] == 0
                && !possible.is_empty()
                && possible
                    .iter()
                    .all(|&y| fixed_deg[y] >= p.cap[y] || (p.avail[x] & p.avail[y]) & !(fixed_busy[y] | full) == 0)
        })
        .count();
    each.max(floor)
}

/// People with a possible partner, as the timetable's `participants_without_meeting` counts them.
fn with_possible_partner(inst: &Instance) -> usize {
    let p = Problem::from_instance(inst).expect("valid instance");
    let mut possible = vec![false; p.n()];
    for pr in &p.pairs {
        let (a, b) = (pr.a as usize, pr.b as usize);
        if p.avail[a] & p.avail[b] != 0 && p.cap[a] > 0 && p.cap[b] > 0 {
            possible[a] = true;
            possible[b] = true;
        }
    }
    possible.iter().filter(|&&x| x).count()
}

/// Time this thread has run on a CPU (Linux; 0 elsewhere): wall time is unreliable while other
/// jobs share the cores.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse::<f64>().ok()))
        .map_or(0.0, |ns| ns / 1e6)
}

fn main() {
    let mut n = 20_000usize;
    let mut seeds = vec![1u64];
    let mut only: Option<String> = None;
    let mut phases = false;
    let mut out: Option<String> = None;
    let mut only_regime: Option<String> = None;
    let mut opts = SolveOptions::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut k = 0;
    while k < args.len() {
        let v = args.get(k + 1).cloned().unwrap_or_default();
        match args[k].as_str() {
            "--participants" => n = v.parse().expect("--participants N"),
            "--seeds" => seeds = v.split(',').map(|x| x.parse().expect("--seeds 1,2,3")).collect(),
            "--only" => only = Some(v),
            "--out" => out = Some(v),
            "--regime" => only_regime = Some(v),
            "--chain-nodes-per-person" => opts.chain_nodes_per_person = v.parse().expect("--chain-nodes-per-person N"),
            "--phases" => {
                phases = true;
                k += 1;
                continue;
            }
            other => panic!("unknown argument {other}"),
        }
        k += 2;
    }
    let params = ScoringParams::default();
    println!("participants {n}, seeds {seeds:?}");
    println!();
    println!("| setting | regime | seed | pairs | meetings | with a possible partner | without a meeting | % | blocked by requested | others without (% of the rest) | quality (own bound) | schedule ms | on-CPU ms |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut worst: Option<(f64, String)> = None;
    let mut worst_open: Option<(f64, String)> = None;
    let mut worst_quality: Option<(f64, String)> = None;
    let mut slowest: Option<(f64, String)> = None;
    for st in settings() {
        if only.as_deref().is_some_and(|o| !st.name.contains(o)) {
            continue;
        }
        for &seed in &seeds {
            let profiles = generate_profiles_with(n, seed, &st.profiles);
            let pairs = scored_pairs(&profiles, &params, SUGGESTIONS_PER_PERSON);
            for (regime, rname) in [(Regime::ScarceTables, "tables scarce"), (Regime::ScarceTime, "time scarce")] {
                if only_regime.as_deref().is_some_and(|r| !rname.contains(r)) {
                    continue;
                }
                let inst = instance_from_pairs_with(&profiles, &pairs, regime, seed, &st.instance);
                if let Some(dir) = &out {
                    let slug: String = format!("{}-{rname}-{seed}", st.name)
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    let json = serde_json::to_string(&inst).expect("serialise");
                    std::fs::write(format!("{dir}/{slug}.json"), json).expect("write instance");
                }
                let slug_out = out.as_ref().map(|dir| {
                    let slug: String = format!("{}-{rname}-{seed}", st.name)
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    format!("{dir}/{slug}.timetable.json")
                });
                let (t, cpu) = (Instant::now(), cpu_ms());
                let tt = schedule_with(&inst, &opts).expect("valid instance");
                let ms = t.elapsed().as_secs_f64() * 1e3;
                let cpu = cpu_ms() - cpu;
                check_feasible(&inst, &tt).expect("feasible timetable");
                if let Some(file) = &slug_out {
                    std::fs::write(file, serde_json::to_string(&tt).expect("serialise")).expect("write timetable");
                }
                let possible = with_possible_partner(&inst);
                let pct = 100.0 * tt.participants_without_meeting as f64 / possible.max(1) as f64;
                let blocked = blocked_by_requested(&inst, &tt);
                let open = tt.participants_without_meeting - blocked;
                let pct_open = 100.0 * open as f64 / (possible - blocked).max(1) as f64;
                println!(
                    "| {} | {rname} | {seed} | {} | {} | {possible} | {} | {pct:.2} % | {blocked} | {open} ({pct_open:.2} %) | {:.2} % | {ms:.0} | {cpu:.0} |",
                    st.name,
                    inst.pairs.len(),
                    tt.meetings.len(),
                    tt.participants_without_meeting,
                    100.0 * tt.quality
                );
                let row = format!("{} / {rname} / seed {seed}", st.name);
                if worst.as_ref().is_none_or(|w| pct > w.0) {
                    worst = Some((pct, row.clone()));
                }
                if worst_open.as_ref().is_none_or(|w| pct_open > w.0) {
                    worst_open = Some((pct_open, row.clone()));
                }
                if worst_quality.as_ref().is_none_or(|w| tt.quality < w.0) {
                    worst_quality = Some((tt.quality, row.clone()));
                }
                if slowest.as_ref().is_none_or(|w| ms > w.0) {
                    slowest = Some((ms, row.clone()));
                }
                if phases {
                    let t = Instant::now();
                    let p = Problem::from_instance(&inst).expect("valid instance");
                    let parse = t.elapsed();
                    let (_, ph) = solve_profiled(&p, &opts);
                    let list: Vec<String> = std::iter::once(("instance → problem", parse))
                        .chain(ph)
                        .map(|(name, d)| format!("{name} {:.0} ms", d.as_secs_f64() * 1e3))
                        .collect();
                    eprintln!("  phases: {}", list.join(", "));
                }
            }
        }
    }
    println!();
    if let Some((pct, row)) = worst {
        println!("worst share without a meeting: {pct:.2} % ({row})");
    }
    if let Some((pct, row)) = worst_open {
        println!("worst share without a meeting, not counting those blocked by requested meetings: {pct:.2} % ({row})");
    }
    if let Some((q, row)) = worst_quality {
        println!("lowest quality: {:.2} % ({row})", 100.0 * q);
    }
    if let Some((ms, row)) = slowest {
        println!("slowest schedule: {ms:.0} ms ({row})");
    }
}
