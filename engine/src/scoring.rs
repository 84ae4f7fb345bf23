//! Pair scoring: complementarity (seek ↔ offer), shared interests, cross-sector bonus.
//!
//! Score of a pair (a, b), with `idf(t) = ln(1 + N / (1 + df(t)))` where `df(t)` is the number
//! of profiles that mention topic `t` anywhere (interests or opportunities):
//!
//! * `W_COMPLEMENT × idf(t)` for every topic `t` that `a` seeks and `b` offers, and again for
//!   every topic that `b` seeks and `a` offers (a topic sought and offered both ways counts twice);
//! * `W_INTEREST × idf(t)` for every shared interest `t` (unless `t` is an "over-common" interest,
//!   see [`super::candidates`]);
//! * `cross_sector_bonus` once, if the topic part is positive and the sectors differ.
//!
//! The score is symmetric; the reasons are given from the viewer's perspective.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

pub type TopicId = u32;

/// Weight of one complementary topic (someone seeks what the other offers).
pub const W_COMPLEMENT: f64 = 3.0;
/// Weight of one shared interest.
pub const W_INTEREST: f64 = 1.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityKind {
    Offer,
    Seek,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: i64,
    pub kind: OpportunityKind,
    pub topics: Vec<TopicId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: i64,
    /// "pharma", "biotech_sme", "academia", "hospital", "patient_org", "regulator", "funder", "other".
    pub sector: String,
    pub organisation: String,
    /// ISO 3166-1 alpha-2, upper case; empty when unknown (eligibility of teams, see [`crate::team`]).
    #[serde(default)]
    pub country: String,
    pub interests: Vec<TopicId>,
    pub opportunities: Vec<Opportunity>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoringParams {
    /// Added when the pair already has a positive topic score and the sectors differ; 0 disables.
    pub cross_sector_bonus: f64,
    /// Default false: people of the same organisation (case-insensitive, trimmed) are never matched.
    pub allow_same_organisation: bool,
    /// Pairs (profile ids) never suggested, e.g. already declined; order-insensitive.
    pub excluded: Vec<(i64, i64)>,
}

impl Default for ScoringParams {
    fn default() -> Self {
        ScoringParams { cross_sector_bonus: 1.0, allow_same_organisation: false, excluded: Vec::new() }
    }
}

/// Why a pair is suggested, from the viewer's perspective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The viewer seeks `topic` (opportunity `seek` of the viewer), the other offers it (`offer`).
    YouSeekTheyOffer {
        topic: TopicId,
        seek: i64,
        offer: i64,
    },
    /// The other seeks `topic` (opportunity `seek` of the other), the viewer offers it (`offer`).
    TheySeekYouOffer {
        topic: TopicId,
        seek: i64,
        offer: i64,
    },
    SharedInterest {
        topic: TopicId,
    },
    CrossSector,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Profile id of the suggested person.
    pub other: i64,
    pub score: f64,
    /// Sorted by contribution (largest first), at most one reason per (kind, topic).
    pub reasons: Vec<Reason>,
}

/// An unordered scored pair, `a < b` (profile ids).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredPair {
    pub a: i64,
    pub b: i64,
    pub score: f64,
}

/// Preprocessed profile: sorted, deduplicated topic lists with the first opportunity id per topic.
#[derive(Clone, Debug)]
pub(super) struct Prepared {
    pub id: i64,
    pub sector: String,
    pub org: String,
    /// (topic, opportunity id), sorted by topic, unique topics.
    pub seeks: Vec<(TopicId, i64)>,
    pub offers: Vec<(TopicId, i64)>,
    /// Sorted unique interests.
    pub interests: Vec<TopicId>,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

fn topic_list(p: &Profile, kind: OpportunityKind) -> Vec<(TopicId, i64)> {
    let mut v: Vec<(TopicId, i64)> = p
        .opportunities
        .iter()
        .filter(|o| o.kind == kind)
        .flat_map(|o| o.topics.iter().map(move |&t| (t, o.id)))
        .collect();
    // Smallest opportunity id per topic, for determinism.
    v.sort_unstable();
    v.dedup_by_key(|x| x.0);
    v
}

/// Scoring model shared by the indexed candidate generation and the brute-force reference.
#[derive(Clone, Debug)]
pub(super) struct Model {
    pub prepared: Vec<Prepared>,
    /// idf per topic id (dense up to max topic id).
    pub idf: Vec<f64>,
    /// Interests that are too common to generate candidates or add to scores.
    pub ignored_interest: Vec<bool>,
    pub excluded: HashSet<(i64, i64)>,
    /// Interned organisation (u32::MAX = none) and sector per profile.
    pub org_id: Vec<u32>,
    pub sector_id: Vec<u32>,
    pub cross_sector_bonus: f64,
    pub allow_same_organisation: bool,
}

/// An interest listed by more than `max(INTEREST_CAP_MIN, N / INTEREST_CAP_DIV)` profiles is ignored
/// (it carries almost no information and would make candidate generation quadratic).
pub const INTEREST_CAP_MIN: usize = 1000;
pub const INTEREST_CAP_DIV: usize = 4;

impl Model {
    pub fn new(profiles: &[Profile], params: &ScoringParams) -> Model {
        let prepared: Vec<Prepared> = profiles
            .iter()
            .map(|p| {
                let mut interests = p.interests.clone();
                interests.sort_unstable();
                interests.dedup();
                Prepared {
                    id: p.id,
                    sector: norm(&p.sector),
                    org: norm(&p.organisation),
                    seeks: topic_list(p, OpportunityKind::Seek),
                    offers: topic_list(p, OpportunityKind::Offer),
                    interests,
                }
            })
            .collect();
        let max_topic = prepared
            .iter()
            .flat_map(|p| {
                p.seeks.iter().map(|x| x.0).chain(p.offers.iter().map(|x| x.0)).chain(p.interests.iter().copied())
            })
            .max()
            .map_or(0, |t| t as usize + 1);
        let mut df = vec![0usize; max_topic];
        let mut idf_count = vec![0usize; max_topic];
        let mut mark = vec![usize::MAX; max_topic];
        for (i, p) in prepared.iter().enumerate() {
            for t in p.seeks.iter().map(|x| x.0).chain(p.offers.iter().map(|x| x.0)).chain(p.interests.iter().copied())
            {
                if mark[t as usize] != i {
                    mark[t as usize] = i;
                    df[t as usize] += 1;
                }
            }
            for &t in &p.interests {
                idf_count[t as usize] += 1;
            }
        }
        let n = prepared.len() as f64;
        let idf = df.iter().map(|&d| (1.0 + n / (1.0 + d as f64)).ln()).collect();
        let cap = INTEREST_CAP_MIN.max(prepared.len() / INTEREST_CAP_DIV);
        let ignored_interest = idf_count.iter().map(|&c| c > cap).collect();
        let excluded = params.excluded.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
        let mut names: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let mut intern = |s: &str| {
            let k = names.len() as u32;
            *names.entry(s.to_string()).or_insert(k)
        };
        let org_id = prepared
            .iter()
            .map(|p| if p.org.is_empty() { u32::MAX } else { intern(&format!("o:{}", p.org)) })
            .collect();
        let sector_id = prepared.iter().map(|p| intern(&format!("s:{}", p.sector))).collect();
        Model {
            prepared,
            idf,
            ignored_interest,
            excluded,
            org_id,
            sector_id,
            cross_sector_bonus: params.cross_sector_bonus,
            allow_same_organisation: params.allow_same_organisation,
        }
    }

    /// May profiles `i` and `j` (indexes) be suggested to each other at all?
    pub fn allowed(&self, i: usize, j: usize) -> bool {
        if i == j {
            return false;
        }
        let (a, b) = (&self.prepared[i], &self.prepared[j]);
        if a.id == b.id {
            return false;
        }
        if !self.allow_same_organisation && self.org_id[i] != u32::MAX && self.org_id[i] == self.org_id[j] {
            return false;
        }
        self.excluded.is_empty() || !self.excluded.contains(&(a.id.min(b.id), a.id.max(b.id)))
    }

    pub fn cross_sector(&self, i: usize, j: usize) -> bool {
        self.cross_sector_bonus != 0.0 && self.sector_id[i] != self.sector_id[j]
    }

    /// Topic part of the score of (viewer `i`, other `j`), summed in the same order as the
    /// indexed accumulation in `candidates` (viewer seeks, viewer offers, interests; each by topic),
    /// so both give bit-identical results.
    pub fn topic_score(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (&self.prepared[i], &self.prepared[j]);
        let mut s = 0.0;
        for &(t, _) in &a.seeks {
            if b.offers.binary_search_by_key(&t, |x| x.0).is_ok() {
                s += W_COMPLEMENT * self.idf[t as usize];
            }
        }
        for &(t, _) in &a.offers {
            if b.seeks.binary_search_by_key(&t, |x| x.0).is_ok() {
                s += W_COMPLEMENT * self.idf[t as usize];
            }
        }
        for &t in &a.interests {
            if !self.ignored_interest[t as usize] && b.interests.binary_search(&t).is_ok() {
                s += W_INTEREST * self.idf[t as usize];
            }
        }
        s
    }

    /// Full score from a topic score (adds the cross-sector bonus when applicable).
    pub fn finish(&self, i: usize, j: usize, topic: f64) -> f64 {
        if topic > 0.0 && self.cross_sector(i, j) {
            topic + self.cross_sector_bonus
        } else {
            topic
        }
    }

    /// Score and reasons for viewer `i` and other `j` (indexes).
    pub fn explain(&self, i: usize, j: usize) -> Suggestion {
        let (a, b) = (&self.prepared[i], &self.prepared[j]);
        let mut contrib: Vec<(f64, u8, Reason)> = Vec::new();
        for &(t, seek) in &a.seeks {
            if let Ok(k) = b.offers.binary_search_by_key(&t, |x| x.0) {
                let r = Reason::YouSeekTheyOffer { topic: t, seek, offer: b.offers[k].1 };
                contrib.push((W_COMPLEMENT * self.idf[t as usize], 0, r));
            }
        }
        for &(t, offer) in &a.offers {
            if let Ok(k) = b.seeks.binary_search_by_key(&t, |x| x.0) {
                let r = Reason::TheySeekYouOffer { topic: t, seek: b.seeks[k].1, offer };
                contrib.push((W_COMPLEMENT * self.idf[t as usize], 1, r));
            }
        }
        for &t in &a.interests {
            if !self.ignored_interest[t as usize] && b.interests.binary_search(&t).is_ok() {
                let r = Reason::SharedInterest { topic: t };
                contrib.push((W_INTEREST * self.idf[t as usize], 2, r));
            }
        }
        let topic = self.topic_score(i, j);
        let score = self.finish(i, j, topic);
        if topic > 0.0 && self.cross_sector(i, j) {
            contrib.push((self.cross_sector_bonus, 3, Reason::CrossSector));
        }
        contrib.sort_by(|x, y| {
            y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then_with(|| reason_topic(&x.2).cmp(&reason_topic(&y.2)))
        });
        Suggestion { other: b.id, score, reasons: contrib.into_iter().map(|c| c.2).collect() }
    }
}

fn reason_topic(r: &Reason) -> TopicId {
    match r {
        Reason::YouSeekTheyOffer { topic, .. }
        | Reason::TheySeekYouOffer { topic, .. }
        | Reason::SharedInterest { topic } => *topic,
        Reason::CrossSector => TopicId::MAX,
    }
}

/// Order of suggestions: score descending, then profile id ascending.
pub(super) fn better(a: (f64, i64), b: (f64, i64)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Brute-force O(N²) reference of `suggest_all` (tests only, but public for benchmarks/tools).
pub fn suggest_all_bruteforce(
    profiles: &[Profile],
    params: &ScoringParams,
    per_person: usize,
) -> Vec<(i64, Vec<Suggestion>)> {
    let m = Model::new(profiles, params);
    (0..profiles.len())
        .map(|i| {
            let mut c: Vec<(f64, i64, usize)> = (0..profiles.len())
                .filter(|&j| m.allowed(i, j))
                .map(|j| (m.finish(i, j, m.topic_score(i, j)), m.prepared[j].id, j))
                .filter(|x| x.0 > 0.0)
                .collect();
            c.sort_by(|x, y| better((x.0, x.1), (y.0, y.1)));
            c.truncate(per_person);
            (m.prepared[i].id, c.into_iter().map(|x| m.explain(i, x.2)).collect())
        })
        .collect()
}
