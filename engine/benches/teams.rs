//! Criterion benchmarks of team suggestions (engine::team) at 1,000 participants.
//!
//! nice -n 10 cargo bench -p liaison-engine --bench teams
//!
//! Before measuring, prints how each idea's team was found (assignment, branch and bound,
//! heuristic), how many answers are exact and the gap of the others to their upper bound,
//! for 100 ideas × 5 roles and 100 ideas × 8 roles.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use liaison_engine::eligibility::SectorNeed;
use liaison_engine::generate::generate_profiles;
use liaison_engine::team::{generate_ideas, Method, TeamBuilder, TeamSpec};
use liaison_engine::ScoringParams;
use std::time::{Duration, Instant};

const PEOPLE: usize = 1000;
const IDEAS: usize = 100;

fn report(b: &TeamBuilder, ideas: &[TeamSpec], label: &str) {
    let start = Instant::now();
    let all: Vec<_> = ideas.iter().map(|t| b.suggest_team(t)).collect();
    let took = start.elapsed();
    let count = |m: Method| all.iter().filter(|s| s.method == m).count();
    let exact = all.iter().filter(|s| s.exact).count();
    let gaps: Vec<f64> = all
        .iter()
        .filter(|s| !s.exact && s.upper_bound > 0.0)
        .map(|s| (s.upper_bound - s.total) / s.upper_bound)
        .collect();
    let eligible = all.iter().filter(|s| s.checks.iter().all(|c| c.holds())).count();
    let filled: usize = all.iter().map(|s| s.picks.iter().filter(|p| p.1.is_some()).count()).sum();
    let roles: usize = ideas.iter().map(|t| t.open_roles.len()).sum();
    let total: f64 = all.iter().map(|s| s.total).sum();
    let bound: f64 = all.iter().map(|s| s.upper_bound).sum();
    println!(
        "{label}: {} ideas in {took:.2?}; assignment {}, branch and bound {}, heuristic {}; exact {exact}; \
         eligible {eligible}; roles filled {filled}/{roles}; total fit {total:.1} of bound {bound:.1} ({:.3} %)",
        all.len(),
        count(Method::Assignment),
        count(Method::BranchAndBound),
        count(Method::Heuristic),
        100.0 * total / bound.max(f64::MIN_POSITIVE),
    );
    if !gaps.is_empty() {
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let max = gaps.iter().copied().fold(0.0, f64::max);
        println!("{label}: {} inexact, gap to bound mean {:.2} %, max {:.2} %", gaps.len(), 100.0 * mean, 100.0 * max);
    }
}

/// Stricter rules than the EU default, to exercise the search: at least five countries and
/// two academic or clinical, two industry partners and a patient organisation.
fn strict(ideas: &[TeamSpec]) -> Vec<TeamSpec> {
    ideas
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.rules.min_entities = 5;
            t.rules.min_countries = 5;
            t.rules.sector_mix[0].min = 2;
            t.rules.sector_mix[1].min = 2;
            t.rules.sector_mix.push(SectorNeed {
                label: "patient organisation".into(),
                sectors: vec!["patient_org".into()],
                min: 1,
            });
            t
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let params = ScoringParams::default();
    let profiles = generate_profiles(PEOPLE, 1);
    let b = TeamBuilder::new(&profiles, &params);
    let five = generate_ideas(&profiles, IDEAS, (5, 5), 1);
    let eight = generate_ideas(&profiles, IDEAS, (8, 8), 1);
    report(&b, &five, "100 ideas x 5 roles");
    report(&b, &eight, "100 ideas x 8 roles");
    report(&b, &strict(&five), "100 ideas x 5 roles, strict rules");
    report(&b, &strict(&eight), "100 ideas x 8 roles, strict rules");
    let seven: Vec<TeamSpec> = eight
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.rules.min_countries = 7;
            t
        })
        .collect();
    report(&b, &seven, "100 ideas x 8 roles, seven countries");
    c.bench_function("teams/builder/1000", |x| x.iter(|| TeamBuilder::new(black_box(&profiles), &params)));
    c.bench_function("teams/suggest_team/100x5/1000", |x| {
        x.iter(|| five.iter().map(|t| b.suggest_team(black_box(t)).total).sum::<f64>())
    });
    c.bench_function("teams/suggest_team/100x8/1000", |x| {
        x.iter(|| eight.iter().map(|t| b.suggest_team(black_box(t)).total).sum::<f64>())
    });
    c.bench_function("teams/fits_top10/500_roles/1000", |x| {
        x.iter(|| {
            five.iter()
                .map(|t| t.open_roles.iter().map(|r| b.fits(black_box(t), r.id, 10).len()).sum::<usize>())
                .sum::<usize>()
        })
    });
    c.bench_function("teams/roles_for_top10/1000_people/100x5", |x| {
        x.iter(|| profiles.iter().map(|p| b.roles_for(p.id, black_box(&five), 10).len()).sum::<usize>())
    });
}

criterion_group! {
    name = teams;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(teams);
