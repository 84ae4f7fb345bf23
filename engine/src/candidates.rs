//! Candidate generation through inverted indexes (topic → profiles offering / seeking /
//! interested), never over all N² pairs.
//!
//! For a viewer we walk the posting lists of the viewer's own topics (seek → offer index,
//! offer → seek index, interest → interest index) and accumulate the topic score of every profile
//! met on the way in a dense scratch array. Only profiles met this way can have a positive score,
//! so the result equals the brute-force top-k exactly (same summation order, same tie-break:
//! score descending, then profile id ascending).
//!
//! Over-common interests: an interest listed by more than
//! `max(INTEREST_CAP_MIN, N / INTEREST_CAP_DIV)` profiles (see `scoring`) is ignored both for
//! candidate generation and for the score (its idf is tiny anyway); this keeps the work per viewer
//! bounded by the posting lengths of informative topics. Offer/seek topics are never capped.

use super::scoring::{better, Model, Profile, ScoredPair, ScoringParams, Suggestion};
use std::collections::BinaryHeap;

/// Inverted indexes over a scoring model.
pub(super) struct Index {
    pub offer: Vec<Vec<u32>>,
    pub seek: Vec<Vec<u32>>,
    pub interest: Vec<Vec<u32>>,
}

impl Index {
    pub fn new(m: &Model) -> Index {
        let nt = m.idf.len();
        let mut offer = vec![Vec::new(); nt];
        let mut seek = vec![Vec::new(); nt];
        let mut interest = vec![Vec::new(); nt];
        for (i, p) in m.prepared.iter().enumerate() {
            for &(t, _) in &p.offers {
                offer[t as usize].push(i as u32);
            }
            for &(t, _) in &p.seeks {
                seek[t as usize].push(i as u32);
            }
            for &t in &p.interests {
                if !m.ignored_interest[t as usize] {
                    interest[t as usize].push(i as u32);
                }
            }
        }
        Index { offer, seek, interest }
    }
}

/// Candidate ordered best first (score descending, then id ascending).
#[derive(PartialEq)]
struct Cand(f64, i64, u32);
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cand {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        better((self.0, self.1), (o.0, o.1))
    }
}

/// Bounded best-`want` selection; `thr` is the worst kept score once full.
struct Top {
    heap: BinaryHeap<Cand>,
    thr: f64,
    thr_id: i64,
    want: usize,
}

impl Top {
    #[inline(never)]
    fn offer(&mut self, c: Cand) {
        if self.heap.len() < self.want {
            self.heap.push(c);
        } else if self.heap.peek().is_some_and(|w| c < *w) {
            self.heap.pop();
            self.heap.push(c);
        } else {
            return;
        }
        if self.heap.len() == self.want {
            if let Some(w) = self.heap.peek() {
                self.thr = w.0;
                self.thr_id = w.1;
            }
        }
    }
}

/// Reusable scratch space for one viewer's accumulation.
pub(super) struct Scratch {
    acc: Vec<f64>,
    touched: Vec<u32>,
    cand: Vec<(f64, i64, u32)>,
}

impl Scratch {
    pub fn new(n: usize) -> Scratch {
        Scratch { acc: vec![0.0; n], touched: Vec::new(), cand: Vec::new() }
    }
}

/// Top-`k` other profiles (index, score) for viewer `i`, best first.
pub(super) fn top_k(m: &Model, ix: &Index, i: usize, k: usize, s: &mut Scratch) -> Vec<(u32, f64)> {
    if k == 0 {
        return Vec::new();
    }
    let p = &m.prepared[i];
    let n = m.prepared.len();
    // Nobody has more candidates than there are profiles ("all of them" may come as usize::MAX).
    let k = k.min(n);
    // Total posting length: when it is a large share of N, scanning the dense array is cheaper
    // than tracking touched entries.
    let mut total = 0usize;
    for &(t, _) in &p.seeks {
        total += ix.offer[t as usize].len();
    }
    for &(t, _) in &p.offers {
        total += ix.seek[t as usize].len();
    }
    for &t in &p.interests {
        total += ix.interest[t as usize].len();
    }
    let dense = total * 4 > n;
    let acc = &mut s.acc;
    let touched = &mut s.touched;
    let mut add = |list: &[u32], w: f64| {
        if dense {
            for &j in list {
                acc[j as usize] += w;
            }
        } else {
            for &j in list {
                let a = &mut acc[j as usize];
                if *a == 0.0 {
                    touched.push(j);
                }
                *a += w;
            }
        }
    };
    // Same order as Model::topic_score: seeks, offers, interests, each sorted by topic.
    for &(t, _) in &p.seeks {
        add(&ix.offer[t as usize], super::scoring::W_COMPLEMENT * m.idf[t as usize]);
    }
    for &(t, _) in &p.offers {
        add(&ix.seek[t as usize], super::scoring::W_COMPLEMENT * m.idf[t as usize]);
    }
    for &t in &p.interests {
        if !m.ignored_interest[t as usize] {
            add(&ix.interest[t as usize], super::scoring::W_INTEREST * m.idf[t as usize]);
        }
    }
    // Bounded selection of the best `want` candidates (worst on top of the heap), then drop
    // disallowed ones (same organisation, excluded); if too many were dropped, redo with the
    // filter applied first.
    let want = k + 8;
    for pass in 0..2 {
        let filter_first = pass == 1;
        let bonus = m.cross_sector_bonus.max(0.0);
        let mut top = Top { heap: BinaryHeap::with_capacity(want + 1), thr: f64::NEG_INFINITY, thr_id: i64::MAX, want };
        let offer = |j: u32, topic: f64, top: &mut Top| {
            let score = m.finish(i, j as usize, topic);
            let id = m.prepared[j as usize].id;
            if top.heap.len() == top.want && (score < top.thr || (score == top.thr && id >= top.thr_id)) {
                return;
            }
            if filter_first && !m.allowed(i, j as usize) {
                return;
            }
            top.offer(Cand(score, id, j));
        };
        if dense {
            // Chunked scan: skip 16 entries at once when none can reach the threshold.
            const CH: usize = 16;
            let chunks = s.acc.chunks_exact(CH);
            let rest_start = s.acc.len() - chunks.remainder().len();
            for (c, chunk) in chunks.enumerate() {
                let lim = (top.thr - bonus).max(f64::MIN_POSITIVE);
                if !chunk.iter().fold(false, |any, &t| any | (t >= lim)) {
                    continue;
                }
                for (k, &topic) in chunk.iter().enumerate() {
                    if topic > 0.0 && topic + bonus >= top.thr {
                        offer((c * CH + k) as u32, topic, &mut top);
                    }
                }
            }
            for (k, &topic) in s.acc[rest_start..].iter().enumerate() {
                if topic > 0.0 && topic + bonus >= top.thr {
                    offer((rest_start + k) as u32, topic, &mut top);
                }
            }
        } else {
            for &j in &s.touched {
                let topic = s.acc[j as usize];
                if topic > 0.0 && topic + bonus >= top.thr {
                    offer(j, topic, &mut top);
                }
            }
        }
        let heap = top.heap;
        let mut v = heap.into_vec();
        v.sort_unstable();
        let before = v.len();
        v.retain(|c| m.allowed(i, c.2 as usize));
        if v.len() >= k || before < want || filter_first {
            v.truncate(k);
            s.cand.clear();
            s.cand.extend(v.iter().map(|c| (c.0, c.1, c.2)));
            break;
        }
    }
    if dense {
        s.acc.fill(0.0);
    } else {
        for &j in &s.touched {
            s.acc[j as usize] = 0.0;
        }
    }
    s.touched.clear();
    s.cand.iter().map(|c| (c.2, c.0)).collect()
}

/// Top `per_person` suggestions for every profile (in input order), with reasons.
pub fn suggest_all(profiles: &[Profile], params: &ScoringParams, per_person: usize) -> Vec<(i64, Vec<Suggestion>)> {
    let m = Model::new(profiles, params);
    let ix = Index::new(&m);
    let mut s = Scratch::new(profiles.len());
    (0..profiles.len())
        .map(|i| {
            let top = top_k(&m, &ix, i, per_person, &mut s);
            (m.prepared[i].id, top.into_iter().map(|(j, _)| m.explain(i, j as usize)).collect())
        })
        .collect()
}

/// The scoring model and its inverted indexes, built once and queried many times (a web
/// server answers every "your matches" page from one of these until the profiles change).
pub struct Matcher {
    model: Model,
    index: Index,
    position: std::collections::HashMap<i64, usize>,
}

impl Matcher {
    pub fn new(profiles: &[Profile], params: &ScoringParams) -> Matcher {
        let model = Model::new(profiles, params);
        let index = Index::new(&model);
        let position = profiles.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        Matcher { model, index, position }
    }

    /// Score and reasons of one pair from `viewer`'s side; None when they may not be suggested
    /// to each other or have nothing in common.
    pub fn explain(&self, viewer: i64, other: i64) -> Option<Suggestion> {
        let (&i, &j) = (self.position.get(&viewer)?, self.position.get(&other)?);
        if !self.model.allowed(i, j) {
            return None;
        }
        let s = self.model.explain(i, j);
        (s.score > 0.0).then_some(s)
    }

    /// Top `limit` suggestions for `viewer`, as [`suggest_for`] gives them.
    pub fn suggest_for(&self, viewer: i64, limit: usize) -> Vec<Suggestion> {
        let Some(&i) = self.position.get(&viewer) else { return Vec::new() };
        let mut s = Scratch::new(self.model.prepared.len());
        top_k(&self.model, &self.index, i, limit, &mut s)
            .into_iter()
            .map(|(j, _)| self.model.explain(i, j as usize))
            .collect()
    }
}

/// Top `limit` suggestions for one viewer (profile id); empty if the viewer is unknown.
pub fn suggest_for(profiles: &[Profile], params: &ScoringParams, viewer: i64, limit: usize) -> Vec<Suggestion> {
    let Some(i) = profiles.iter().position(|p| p.id == viewer) else {
        return Vec::new();
    };
    let m = Model::new(profiles, params);
    let ix = Index::new(&m);
    let mut s = Scratch::new(profiles.len());
    top_k(&m, &ix, i, limit, &mut s).into_iter().map(|(j, _)| m.explain(i, j as usize)).collect()
}

/// Union of everyone's top-`per_person` candidates as unordered pairs (`a < b` by profile id),
/// deduplicated, sorted by (a, b). The score is computed from the perspective of the profile
/// with the smaller id (scores are symmetric up to floating-point summation order).
pub fn scored_pairs(profiles: &[Profile], params: &ScoringParams, per_person: usize) -> Vec<ScoredPair> {
    let m = Model::new(profiles, params);
    let ix = Index::new(&m);
    let mut s = Scratch::new(profiles.len());
    let mut idx_pairs: Vec<(u32, u32)> = Vec::with_capacity(profiles.len() * per_person);
    for i in 0..profiles.len() {
        for (j, _) in top_k(&m, &ix, i, per_person, &mut s) {
            let (x, y) = (i as u32, j);
            let (pi, pj) = (m.prepared[x as usize].id, m.prepared[y as usize].id);
            idx_pairs.push(if pi < pj { (x, y) } else { (y, x) });
        }
    }
    idx_pairs.sort_unstable_by_key(|&(x, y)| (m.prepared[x as usize].id, m.prepared[y as usize].id));
    idx_pairs.dedup();
    idx_pairs
        .into_iter()
        .map(|(x, y)| ScoredPair {
            a: m.prepared[x as usize].id,
            b: m.prepared[y as usize].id,
            score: m.finish(x as usize, y as usize, m.topic_score(x as usize, y as usize)),
        })
        .collect()
}

/// The scheduler's pair list from already computed suggestions (e.g. `suggest_all` output shown
/// to the participants), without recomputing scores: union of all lists as unordered pairs
/// (`a < b`), sorted by (a, b); the score is the one seen by the lower id if that viewer lists
/// the pair, else the other's (equal up to floating-point summation order).
pub fn pairs_from_suggestions(all: &[(i64, Vec<Suggestion>)]) -> Vec<ScoredPair> {
    let mut v: Vec<(i64, i64, bool, f64)> = all
        .iter()
        .flat_map(|(viewer, list)| {
            list.iter().map(move |s| {
                let (a, b) = ((*viewer).min(s.other), (*viewer).max(s.other));
                (a, b, *viewer != a, s.score)
            })
        })
        .collect();
    v.sort_by_key(|x| (x.0, x.1, x.2));
    v.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
    v.into_iter().map(|(a, b, _, score)| ScoredPair { a, b, score }).collect()
}

#[cfg(test)]
mod tests {
    use super::super::generate::generate_profiles;
    use super::super::scoring::*;
    use super::*;

    fn prof(id: i64, sector: &str, org: &str, interests: &[u32], opps: &[(i64, bool, &[u32])]) -> Profile {
        Profile {
            id,
            sector: sector.into(),
            organisation: org.into(),
            country: String::new(),
            interests: interests.to_vec(),
            opportunities: opps
                .iter()
                .map(|&(oid, offer, t)| Opportunity {
                    id: oid,
                    kind: if offer { OpportunityKind::Offer } else { OpportunityKind::Seek },
                    topics: t.to_vec(),
                })
                .collect(),
        }
    }

    fn filler(n: usize) -> Vec<Profile> {
        // Profiles that make topics 1..=3 common and topic 9 rare.
        (0..n).map(|k| prof(1000 + k as i64, "other", &format!("f{k}"), &[1, 2, 3], &[])).collect()
    }

    #[test]
    fn complementarity_outranks_shared_interests() {
        let mut ps = filler(10);
        ps.push(prof(1, "pharma", "A", &[5], &[(11, false, &[7])]));
        ps.push(prof(2, "academia", "B", &[], &[(21, true, &[7])])); // they offer what 1 seeks
        ps.push(prof(3, "pharma", "C", &[5], &[])); // shared interest only
        ps.push(prof(4, "academia", "D", &[], &[(41, false, &[8])]));
        ps.push(prof(5, "biotech_sme", "E", &[], &[(51, true, &[8])]));
        let p = ScoringParams { cross_sector_bonus: 0.0, ..Default::default() };
        let s = suggest_for(&ps, &p, 1, 10);
        assert_eq!(s[0].other, 2);
        assert_eq!(s[1].other, 3);
        assert!(s[0].score > s[1].score);
        assert!(matches!(s[0].reasons[0], Reason::YouSeekTheyOffer { topic: 7, seek: 11, offer: 21 }));
        // The other direction: 5 offers what 4 seeks, seen from 5.
        let s5 = suggest_for(&ps, &p, 5, 10);
        assert_eq!(s5[0].other, 4);
        assert!(matches!(s5[0].reasons[0], Reason::TheySeekYouOffer { topic: 8, seek: 41, offer: 51 }));
    }

    #[test]
    fn rare_topics_weigh_more() {
        let mut ps = filler(20);
        ps.push(prof(1, "x", "A", &[1, 9], &[]));
        ps.push(prof(2, "x", "B", &[1], &[])); // shares common topic 1
        ps.push(prof(3, "x", "C", &[9], &[])); // shares rare topic 9
        let s = suggest_for(&ps, &ScoringParams::default(), 1, 30);
        assert_eq!(s[0].other, 3);
        let s2 = s.iter().find(|x| x.other == 2).expect("expected suggestion");
        assert!(s[0].score > s2.score);
    }

    #[test]
    fn cross_sector_bonus_and_reason() {
        let ps = vec![
            prof(1, "pharma", "A", &[4], &[]),
            prof(2, "academia", "B", &[4], &[]),
            prof(3, "pharma", "C", &[4], &[]),
            prof(4, "academia", "D", &[], &[]),
        ];
        let p = ScoringParams { cross_sector_bonus: 2.0, ..Default::default() };
        let s = suggest_for(&ps, &p, 1, 10);
        assert_eq!(s.len(), 2, "no bonus without a topic score: {s:?}");
        assert_eq!(s[0].other, 2);
        assert!((s[0].score - s[1].score - 2.0).abs() < 1e-9);
        assert!(s[0].reasons.contains(&Reason::CrossSector));
        assert!(!s[1].reasons.contains(&Reason::CrossSector));
    }

    #[test]
    fn same_organisation_excluded_unless_allowed() {
        let ps = vec![
            prof(1, "pharma", "  Acme ", &[4], &[]),
            prof(2, "academia", "acme", &[4], &[]),
            prof(3, "academia", "Other", &[4], &[]),
        ];
        let s = suggest_for(&ps, &ScoringParams::default(), 1, 10);
        assert_eq!(s.iter().map(|x| x.other).collect::<Vec<_>>(), vec![3]);
        let p = ScoringParams { allow_same_organisation: true, ..Default::default() };
        let s = suggest_for(&ps, &p, 1, 10);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn excluded_pairs_never_appear() {
        let ps = generate_profiles(300, 7);
        let base = suggest_all(&ps, &ScoringParams::default(), 10);
        let excluded: Vec<(i64, i64)> =
            base.iter().take(100).flat_map(|(v, s)| s.iter().take(3).map(move |x| (x.other, *v))).collect();
        let p = ScoringParams { excluded: excluded.clone(), ..Default::default() };
        let all = suggest_all(&ps, &p, 10);
        for (v, s) in &all {
            for x in s {
                assert!(!excluded.contains(&(*v, x.other)) && !excluded.contains(&(x.other, *v)));
            }
        }
        for sp in scored_pairs(&ps, &p, 10) {
            assert!(!excluded.contains(&(sp.a, sp.b)) && !excluded.contains(&(sp.b, sp.a)));
        }
    }

    #[test]
    fn indexed_equals_bruteforce_and_reasons_present() {
        for seed in 0..6 {
            let n = 40 + 37 * seed as usize;
            let ps = generate_profiles(n, seed);
            let p = ScoringParams {
                cross_sector_bonus: if seed.is_multiple_of(2) { 1.5 } else { 0.0 },
                ..Default::default()
            };
            let a = suggest_all(&ps, &p, 8);
            let b = suggest_all_bruteforce(&ps, &p, 8);
            assert_eq!(a, b, "seed {seed}");
            for (v, s) in &a {
                for x in s {
                    assert!(!x.reasons.is_empty());
                    assert!(x.score > 0.0);
                    assert_ne!(*v, x.other);
                }
                for w in s.windows(2) {
                    assert!(w[0].score > w[1].score || (w[0].score == w[1].score && w[0].other < w[1].other));
                }
            }
            let pairs = scored_pairs(&ps, &p, 8);
            let from = pairs_from_suggestions(&a);
            assert_eq!(from.len(), pairs.len());
            for (x, y) in from.iter().zip(&pairs) {
                assert_eq!((x.a, x.b), (y.a, y.b));
                assert!((x.score - y.score).abs() < 1e-9);
            }
            for w in pairs.windows(2) {
                assert!((w[0].a, w[0].b) < (w[1].a, w[1].b));
            }
            assert!(pairs.iter().all(|x| x.a < x.b && x.score > 0.0));
        }
    }

    #[test]
    fn reasons_dedupe_and_sorted() {
        let ps = vec![
            prof(1, "pharma", "A", &[4, 5], &[(11, false, &[7, 8]), (12, false, &[7])]),
            prof(2, "academia", "B", &[4, 5], &[(21, true, &[7, 8]), (22, true, &[7])]),
        ];
        let s = suggest_for(&ps, &ScoringParams::default(), 1, 10);
        let r = &s[0].reasons;
        let n7 = r.iter().filter(|x| matches!(x, Reason::YouSeekTheyOffer { topic: 7, .. })).count();
        assert_eq!(n7, 1);
        assert!(matches!(r[0], Reason::YouSeekTheyOffer { .. }));
        assert!(matches!(r.last().expect("expected suggestion"), Reason::SharedInterest { .. } | Reason::CrossSector));
    }
}

#[cfg(test)]
mod matcher_tests {
    use super::super::generate::generate_profiles;
    use super::*;

    #[test]
    fn a_prebuilt_matcher_answers_like_suggest_for() {
        let profiles = generate_profiles(300, 11);
        let params = ScoringParams::default();
        let m = Matcher::new(&profiles, &params);
        for p in profiles.iter().step_by(37) {
            assert_eq!(m.suggest_for(p.id, 10), suggest_for(&profiles, &params, p.id, 10));
        }
        assert!(m.suggest_for(-1, 10).is_empty());
        let best = &m.suggest_for(profiles[0].id, 1)[0];
        assert_eq!(m.explain(profiles[0].id, best.other).as_ref(), Some(best), "one pair, as in the list");
        assert!(m.explain(profiles[0].id, profiles[0].id).is_none());
        // "Everyone" as the limit neither overflows nor allocates for usize::MAX entries.
        let all = m.suggest_for(profiles[0].id, usize::MAX);
        assert_eq!(all, suggest_for(&profiles, &params, profiles[0].id, profiles.len()));
    }
}
