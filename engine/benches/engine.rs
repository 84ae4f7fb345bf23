//! Criterion benchmarks of the matchmaking engine.
//!
//! nice -n 10 cargo bench --bench engine
//! nice -n 10 cargo bench --bench engine -- 'full/10000'
//! nice -n 10 cargo bench --bench engine -- 'groups/'
//! nice -n 10 cargo bench --bench engine -- 'pairs/20000'
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use liaison_engine::generate::{add_groups, generate_profiles, instance_from_pairs, Regime, SUGGESTIONS_PER_PERSON};
use liaison_engine::{pairs_from_suggestions, schedule, schedule_greedy, scored_pairs, suggest_all, ScoringParams};
use std::time::Duration;

const REGIMES: [(Regime, &str); 2] = [(Regime::ScarceTables, "scarce_tables"), (Regime::ScarceTime, "scarce_time")];

fn benches(c: &mut Criterion) {
    let params = ScoringParams::default();
    for n in [1000usize, 10_000] {
        let g = &mut *c;
        let profiles = generate_profiles(n, 1);
        g.bench_function(&format!("suggest_all/{n}"), |b| {
            b.iter(|| suggest_all(black_box(&profiles), &params, SUGGESTIONS_PER_PERSON))
        });
        let pairs = scored_pairs(&profiles, &params, SUGGESTIONS_PER_PERSON);
        for (regime, name) in REGIMES {
            let inst = instance_from_pairs(&profiles, &pairs, regime, 1);
            g.bench_function(&format!("schedule/{n}/{name}"), |b| {
                b.iter(|| schedule(black_box(&inst)).expect("valid"))
            });
            g.bench_function(&format!("greedy/{n}/{name}"), |b| {
                b.iter(|| schedule_greedy(black_box(&inst)).expect("valid"))
            });
            // Everything the server does for an event: suggestions (with reasons) for every
            // participant, the pair list, the instance and the schedule.
            g.bench_function(&format!("full/{n}/{name}"), |b| {
                b.iter(|| {
                    let all = suggest_all(black_box(&profiles), &params, SUGGESTIONS_PER_PERSON);
                    let pairs = pairs_from_suggestions(&all);
                    let inst = instance_from_pairs(&profiles, &pairs, regime, 1);
                    schedule(&inst).expect("valid")
                })
            });
            // The combined scheduler: N/10 group meetings and N/100 rooms, then the pairs.
            let mut with_groups = inst.clone();
            add_groups(&mut with_groups, &profiles, n / 10, n / 100, 1);
            g.bench_function(&format!("groups/{n}/{name}"), |b| {
                b.iter(|| schedule(black_box(&with_groups)).expect("valid"))
            });
        }
    }
}

/// Pairs alone at the scale of the largest partnering events: 20,000 participants, ~245,000
/// candidate pairs, ~65,000 meetings when time is scarce. Timed from the instance to the
/// timetable with its bound (the suggestions are computed once, outside the loop).
fn pairs_20000(c: &mut Criterion) {
    let n = 20_000;
    let profiles = generate_profiles(n, 1);
    let pairs = scored_pairs(&profiles, &ScoringParams::default(), SUGGESTIONS_PER_PERSON);
    for (regime, name) in REGIMES {
        let inst = instance_from_pairs(&profiles, &pairs, regime, 1);
        c.bench_function(&format!("pairs/{n}/{name}"), |b| b.iter(|| schedule(black_box(&inst)).expect("valid")));
    }
}

criterion_group! {
    name = large;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    targets = pairs_20000
}

criterion_group! {
    name = engine;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(engine, large);
