//! Team suggestions for project ideas: who fits an open role, a suggested consortium for an
//! idea, and the open roles a person fits ("ideas that need you").
//!
//! # Role fit
//!
//! A person fits an open role when they have something to give on the role's topics. With the
//! idf of [`crate::scoring`] (`ln(1 + N / (1 + df))`, rarer topics weigh more):
//!
//! * `W_COMPLEMENT × idf(t)` for every role topic `t` the person *offers* (an opportunity of kind
//!   Offer; the reason names the offer), the role's "seek" against the person's "offer";
//! * else `W_INTEREST × idf(t)` when `t` is one of the person's interests (over-common interests
//!   are ignored, as for pairs);
//! * [`W_COUNTRY`] when the person's organisation would bring a country the consortium lacks and
//!   that counts under the rules while the country rule does not hold yet (it helps eligibility).
//!
//! People with no topic overlap do not fit. Hard constraints: the role's sectors and countries
//! when it sets them; never a current member; never somebody of an organisation already in the
//! consortium unless the idea allows it. Candidates come from the inverted topic indexes of
//! [`crate::candidates`] (the people offering or interested in a role topic), never from a scan
//! of everyone. A fit depends on the role and the current members only, not on other picks, so
//! a team's total fit is a sum over its roles.
//!
//! # Suggested team
//!
//! One person (or nobody) per open role; two picks never share a person, nor an organisation
//! unless allowed. Among those, the best team satisfies as many eligibility rules (for members +
//! picks, [`Rules::check`]) as any choice can, and then has the highest total fit. Method:
//!
//! 1. **Assignment.** Ignoring the rules the problem is an assignment of roles to "units" (an
//!    organisation, or a person when organisations may repeat or the person has none), a unit's
//!    value for a role being its best member's fit; the Hungarian method solves it exactly. Its
//!    value is an upper bound on the total fit of *every* team. If its team satisfies all
//!    rules it is optimal (`exact`, for any number of roles).
//! 2. **Candidate reduction.** Two candidates of a role with the same eligibility signature
//!    (has an organisation; counted country, if the country rule is still open; open sector
//!    needs they serve) change the rules in the same way, so per signature only the best of
//!    each organisation and the best `R` organisations (`R` = open roles) can be needed: at most
//!    `R − 1` other picks can block them. With repeated organisations allowed, per signature and
//!    organisation the best `R` people. The reduced lists also keep each role's top 30 by fit.
//!    No optimum is lost.
//! 3. **Local search** from the assignment's team (the heuristic): best improving move among
//!    replacing one pick (or leaving a role empty), exchanging the people of two roles, and,
//!    while a rule fails, replacing two picks at once (each role's top 20 and the best two
//!    organisations of every eligibility signature); moves compare
//!    (rules holding, total fit) lexicographically.
//! 4. **Branch and bound**, the method when there are at most [`EXACT_MAX_ROLES`] open roles,
//!    and above that a check on the local search with a third of the node budget: depth-first
//!    over the reduced lists (roles with fewest candidates first, candidates best first, then
//!    "nobody"), starting from the local search's team, pruning a node when even optimistic
//!    counts (every remaining role adds an entity, a new country and a partner for every sector
//!    need one of its candidates serves) and the sum of each remaining role's best free
//!    candidate cannot beat the incumbent. It is exact unless it visits more than
//!    [`NODE_BUDGET`] nodes (a third of it above [`EXACT_MAX_ROLES`] roles); then the best team
//!    found is returned with `exact = false`. (On 150 hard 8-role ideas the local search alone
//!    missed a rule that could hold in 10; the search found and proved those in milliseconds.)
//!
//! `upper_bound` is the assignment value of step 1 (no team has more fit, whatever the rules),
//! or the total itself when the answer is exact. Limits: the bound ignores the rules, so when
//! they force lower-fit picks the reported gap of a non-exact answer overstates the real one.
//!
//! # Decisions
//!
//! * A role topic the person both offers and is interested in counts once, as an offer.
//! * Fits, reasons and the country bonus are relative to the current members, not to the other
//!   picks, so a team's fit is a sum (two picks from one missing country both say "adds").
//! * Rules first means the *number* of rules that hold, as the issue asks; getting closer to a
//!   rule that still fails (2 of 3 countries) earns only the per-person country bonus.
//! * Members the builder does not know (outside the profiles and [`TeamBuilder::add_known`])
//!   count for nothing. People without an organisation are suggested but count for no rule.
//! * Of [`ScoringParams`] only the model matters (idf, over-common interests); the idea's own
//!   `allow_same_organisation` decides about organisations, and declined pairs do not apply.
//!
//! # Ideas that need you
//!
//! [`TeamBuilder::roles_for`] looks at the open roles of the ideas the person is not a member
//! of, scores only those sharing a topic with them (binary searches in their sorted topic
//! lists; an index over role topics built per call would cost as much as this pass) and
//! explains only the roles that make the list.

use super::candidates::Index;
use super::eligibility::{Check, Partner, Rules};
use super::generate::Rng;
use super::scoring::{Model, Profile, ScoringParams, TopicId, W_COMPLEMENT, W_INTEREST};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Added to a fit when the person brings a country the consortium still needs.
pub const W_COUNTRY: f64 = 1.0;
/// Open roles up to which the suggested team is searched exactly (branch and bound).
pub const EXACT_MAX_ROLES: usize = 6;
/// Nodes the branch and bound may visit before it gives up exactness.
pub const NODE_BUDGET: usize = 300_000;
/// Candidates per role kept for the search besides the signature representatives.
const TOP_PER_ROLE: usize = 30;
/// Candidates per role tried in the local search's two-pick moves.
const PAIR_MOVE_TOP: usize = 20;
const EPS: f64 = 1e-9;
const NONE: u32 = u32::MAX;

/// An open role of an idea. `sectors` / `countries` empty = any; when set they are hard
/// constraints (sector codes, ISO alpha-2 countries).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleSpec {
    pub id: i64,
    pub topics: Vec<TopicId>,
    pub sectors: Vec<String>,
    pub countries: Vec<String>,
}

/// An idea as the team search sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamSpec {
    pub idea: i64,
    /// Profile ids already in the consortium (coordinator first).
    pub members: Vec<i64>,
    pub open_roles: Vec<RoleSpec>,
    pub allow_same_organisation: bool,
    pub rules: Rules,
}

/// Why a person fits a role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FitReason {
    /// The person offers a topic the role wants (opportunity `offer`).
    OffersTopic { topic: TopicId, offer: i64 },
    /// The person is interested in a topic the role wants (and does not offer it).
    SharedInterest { topic: TopicId },
    /// The role wants certain sectors and the person's is one of them.
    Sector,
    /// `adds_country`: the person's country is one the consortium lacks and counts under the
    /// rules (it helps eligibility); false: the role restricts countries and theirs is allowed.
    Country { adds_country: bool },
}

/// A person's fit for a role, reasons largest contribution first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleFit {
    pub person: i64,
    pub score: f64,
    pub reasons: Vec<FitReason>,
}

/// How a team suggestion was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The assignment without rules already satisfied them (or there was nothing to choose).
    Assignment,
    BranchAndBound,
    /// Local search: exact when it reached the assignment bound with every rule holding, else
    /// (more than [`EXACT_MAX_ROLES`] roles) the branch and bound ran out of budget.
    Heuristic,
}

/// A suggested team: `picks` follow the idea's open roles, `None` when nobody fits (or nobody
/// can be added under the constraints). `checks` are the rules for members + picks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamSuggestion {
    pub picks: Vec<(i64, Option<RoleFit>)>,
    pub total: f64,
    pub upper_bound: f64,
    pub exact: bool,
    pub checks: Vec<Check>,
    /// Addition to the shared API: which method answered (benchmarks, diagnostics).
    pub method: Method,
}

/// What the rules need to know about a person.
#[derive(Clone, Debug)]
struct Person {
    id: i64,
    organisation: String,
    /// Interned trimmed lower-case organisation, [`NONE`] when empty.
    org: u32,
    /// Trimmed, lower case.
    sector: String,
    /// Trimmed, upper case.
    country: String,
    /// Interned `sector` and `country` (so a query compares numbers, not strings).
    sector_id: u32,
    country_id: u32,
}

/// The event's people, scoring model and topic indexes, built once per event.
pub struct TeamBuilder {
    model: Model,
    index: Index,
    /// The profiles first (same positions as in the model), then people added by `add_known`.
    people: Vec<Person>,
    candidates: usize,
    position: HashMap<i64, usize>,
    orgs: HashMap<String, u32>,
    sectors: Interner,
    countries: Interner,
}

/// Strings to dense ids.
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), self.names.len() as u32 - 1);
        self.names.len() as u32 - 1
    }
}

/// A role with normalised, deduplicated lists (topics nobody mentions dropped).
struct Role {
    topics: Vec<TopicId>,
    /// None: any; else the allowed ids (names nobody has are left out, so may be empty).
    sectors: Option<Vec<u32>>,
    countries: Option<Vec<u32>>,
}

/// One idea's consortium as the fit needs it.
struct Ctx<'a> {
    team: &'a TeamSpec,
    members: Vec<usize>,
    member_ids: Vec<i64>,
    member_orgs: Vec<u32>,
    /// Per country id: whether it counts under the rules (0 = not asked yet, 1 = no, 2 = yes;
    /// asked on demand, as a page asks about a few countries only); brought by a member.
    counted: Vec<std::cell::Cell<u8>>,
    present: Vec<bool>,
    /// The country rule does not hold for the members yet.
    country_open: bool,
}

impl TeamBuilder {
    /// `profiles` are the people who may be suggested (the matchmaking pool).
    pub fn new(profiles: &[Profile], params: &ScoringParams) -> TeamBuilder {
        let model = Model::new(profiles, params);
        let index = Index::new(&model);
        let mut b = TeamBuilder {
            model,
            index,
            people: Vec::new(),
            candidates: profiles.len(),
            position: HashMap::new(),
            orgs: HashMap::new(),
            sectors: Interner::default(),
            countries: Interner::default(),
        };
        b.push_people(profiles);
        b
    }

    /// Adds people who may be members of a consortium but are never suggested (e.g. confirmed
    /// participants outside matchmaking), so the rules count them. Known ids are skipped.
    /// Addition to the shared API. Members the builder does not know are not counted.
    pub fn add_known(&mut self, people: &[Profile]) {
        let fresh: Vec<Profile> = people.iter().filter(|p| !self.position.contains_key(&p.id)).cloned().collect();
        self.push_people(&fresh);
    }

    fn push_people(&mut self, profiles: &[Profile]) {
        for p in profiles {
            let key = p.organisation.trim().to_lowercase();
            let org = if key.is_empty() {
                NONE
            } else {
                let k = self.orgs.len() as u32;
                *self.orgs.entry(key).or_insert(k)
            };
            self.position.entry(p.id).or_insert(self.people.len());
            let (sector, country) = (p.sector.trim().to_lowercase(), p.country.trim().to_uppercase());
            self.people.push(Person {
                id: p.id,
                organisation: p.organisation.clone(),
                org,
                sector_id: self.sectors.intern(&sector),
                country_id: self.countries.intern(&country),
                sector,
                country,
            });
        }
    }

    /// The person as a partner for [`Rules::check`].
    fn partner(&self, k: usize) -> Partner {
        let p = &self.people[k];
        Partner { organisation: p.organisation.clone(), country: p.country.clone(), sector: p.sector.clone() }
    }

    fn role(&self, r: &RoleSpec) -> Role {
        let mut topics: Vec<TopicId> =
            r.topics.iter().copied().filter(|&t| (t as usize) < self.model.idf.len()).collect();
        topics.sort_unstable();
        topics.dedup();
        let ids = |v: &[String], upper: bool, names: &Interner| -> Option<Vec<u32>> {
            let v: Vec<String> = v
                .iter()
                .map(|s| if upper { s.trim().to_uppercase() } else { s.trim().to_lowercase() })
                .filter(|s| !s.is_empty())
                .collect();
            (!v.is_empty()).then(|| v.iter().filter_map(|s| names.ids.get(s).copied()).collect())
        };
        Role {
            topics,
            sectors: ids(&r.sectors, false, &self.sectors),
            countries: ids(&r.countries, true, &self.countries),
        }
    }

    fn ctx<'a>(&self, team: &'a TeamSpec) -> Ctx<'a> {
        let mut members: Vec<usize> = team.members.iter().filter_map(|id| self.position.get(id).copied()).collect();
        members.sort_unstable();
        members.dedup();
        let mut member_ids = team.members.clone();
        member_ids.sort_unstable();
        let mut member_orgs: Vec<u32> = members.iter().map(|&k| self.people[k].org).filter(|&o| o != NONE).collect();
        member_orgs.sort_unstable();
        member_orgs.dedup();
        let n = self.countries.names.len();
        let mut ctx = Ctx {
            team,
            members,
            member_ids,
            member_orgs,
            counted: vec![std::cell::Cell::new(0); n],
            present: vec![false; n],
            country_open: false,
        };
        for &k in &ctx.members {
            let p = &self.people[k];
            if p.org != NONE && self.counted(&ctx, p.country_id) {
                ctx.present[p.country_id as usize] = true;
            }
        }
        let have = ctx.present.iter().filter(|&&x| x).count();
        ctx.country_open = team.rules.min_countries as usize > have;
        ctx
    }

    /// Whether country `c` (an id) counts under the consortium's rules.
    fn counted(&self, ctx: &Ctx, c: u32) -> bool {
        let cell = &ctx.counted[c as usize];
        if cell.get() == 0 {
            cell.set(if ctx.team.rules.counts(&self.countries.names[c as usize]) { 2 } else { 1 });
        }
        cell.get() == 2
    }

    /// Whether person `k` brings a country the consortium needs.
    fn adds_country(&self, ctx: &Ctx, k: usize) -> bool {
        let p = &self.people[k];
        ctx.country_open && p.org != NONE && !ctx.present[p.country_id as usize] && self.counted(ctx, p.country_id)
    }

    /// Hard constraints of person `k` for a role of this consortium.
    fn admissible(&self, ctx: &Ctx, role: &Role, k: usize) -> bool {
        let p = &self.people[k];
        k < self.candidates
            && ctx.member_ids.binary_search(&p.id).is_err()
            && (ctx.team.allow_same_organisation || p.org == NONE || ctx.member_orgs.binary_search(&p.org).is_err())
            && role.sectors.as_ref().is_none_or(|v| v.contains(&p.sector_id))
            && role.countries.as_ref().is_none_or(|v| v.contains(&p.country_id))
    }

    fn topic_score(&self, role: &Role, k: usize) -> f64 {
        let p = &self.model.prepared[k];
        let mut s = 0.0;
        for &t in &role.topics {
            if p.offers.binary_search_by_key(&t, |x| x.0).is_ok() {
                s += W_COMPLEMENT * self.model.idf[t as usize];
            } else if !self.model.ignored_interest[t as usize] && p.interests.binary_search(&t).is_ok() {
                s += W_INTEREST * self.model.idf[t as usize];
            }
        }
        s
    }

    /// Fit of person `k` (a candidate position) for the role; None when they do not fit.
    fn score(&self, ctx: &Ctx, role: &Role, k: usize) -> Option<f64> {
        if !self.admissible(ctx, role, k) {
            return None;
        }
        let s = self.topic_score(role, k);
        (s > 0.0).then(|| if self.adds_country(ctx, k) { s + W_COUNTRY } else { s })
    }

    fn explain(&self, ctx: &Ctx, role: &Role, k: usize, score: f64) -> RoleFit {
        let p = &self.model.prepared[k];
        let mut contrib: Vec<(f64, u8, TopicId, FitReason)> = Vec::new();
        for &t in &role.topics {
            let idf = self.model.idf[t as usize];
            if let Ok(i) = p.offers.binary_search_by_key(&t, |x| x.0) {
                contrib.push((W_COMPLEMENT * idf, 0, t, FitReason::OffersTopic { topic: t, offer: p.offers[i].1 }));
            } else if !self.model.ignored_interest[t as usize] && p.interests.binary_search(&t).is_ok() {
                contrib.push((W_INTEREST * idf, 1, t, FitReason::SharedInterest { topic: t }));
            }
        }
        let adds = self.adds_country(ctx, k);
        if adds {
            contrib.push((W_COUNTRY, 2, 0, FitReason::Country { adds_country: true }));
        }
        if role.sectors.is_some() {
            contrib.push((0.0, 3, 0, FitReason::Sector));
        }
        if role.countries.is_some() && !adds {
            contrib.push((0.0, 4, 0, FitReason::Country { adds_country: false }));
        }
        contrib.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        RoleFit { person: self.people[k].id, score, reasons: contrib.into_iter().map(|c| c.3).collect() }
    }

    /// Everyone who fits the role, best first (score descending, then id ascending), from the
    /// posting lists of the role's topics.
    fn candidates(&self, ctx: &Ctx, role: &Role) -> Vec<(usize, f64)> {
        let mut touched: Vec<u32> = Vec::new();
        for &t in &role.topics {
            touched.extend_from_slice(&self.index.offer[t as usize]);
            touched.extend_from_slice(&self.index.interest[t as usize]);
        }
        touched.sort_unstable();
        touched.dedup();
        let mut out: Vec<(usize, f64)> =
            touched.into_iter().filter_map(|j| self.score(ctx, role, j as usize).map(|s| (j as usize, s))).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(self.people[a.0].id.cmp(&self.people[b.0].id)));
        out
    }

    /// The `limit` people who fit open role `role` (its id) best, with reasons; empty for an
    /// unknown role.
    pub fn fits(&self, team: &TeamSpec, role: i64, limit: usize) -> Vec<RoleFit> {
        let Some(spec) = team.open_roles.iter().find(|r| r.id == role) else { return Vec::new() };
        let ctx = self.ctx(team);
        let role = self.role(spec);
        let mut c = self.candidates(&ctx, &role);
        c.truncate(limit);
        c.into_iter().map(|(k, s)| self.explain(&ctx, &role, k, s)).collect()
    }

    /// The open roles `person` fits across `teams`, best first (score, then idea and role id),
    /// skipping ideas they are a member of.
    pub fn roles_for(&self, person: i64, teams: &[TeamSpec], limit: usize) -> Vec<(i64, i64, RoleFit)> {
        let Some(&k) = self.position.get(&person) else { return Vec::new() };
        if k >= self.candidates {
            return Vec::new();
        }
        let p = &self.model.prepared[k];
        let knows =
            |t: TopicId| p.offers.binary_search_by_key(&t, |x| x.0).is_ok() || p.interests.binary_search(&t).is_ok();
        // Scores first; reasons only for the roles that make the list.
        let mut found: Vec<(f64, i64, i64, usize, usize)> = Vec::new();
        for (ti, team) in teams.iter().enumerate() {
            if team.members.contains(&person) {
                continue;
            }
            let mut ctx = None;
            for (ri, spec) in team.open_roles.iter().enumerate() {
                if spec.topics.iter().any(|&t| knows(t)) {
                    let ctx = ctx.get_or_insert_with(|| self.ctx(team));
                    if let Some(s) = self.score(ctx, &self.role(spec), k) {
                        found.push((s, team.idea, spec.id, ti, ri));
                    }
                }
            }
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        found.truncate(limit);
        found
            .into_iter()
            .map(|(s, idea, rid, ti, ri)| {
                let ctx = self.ctx(&teams[ti]);
                (idea, rid, self.explain(&ctx, &self.role(&teams[ti].open_roles[ri]), k, s))
            })
            .collect()
    }

    /// The suggested team for an idea (see the module documentation for the method).
    pub fn suggest_team(&self, team: &TeamSpec) -> TeamSuggestion {
        let ctx = self.ctx(team);
        let roles: Vec<Role> = team.open_roles.iter().map(|r| self.role(r)).collect();
        let lists: Vec<Vec<(usize, f64)>> = roles.iter().map(|r| self.candidates(&ctx, r)).collect();
        let solver = Solver::new(self, &ctx, &lists);
        let out = solver.solve(NODE_BUDGET);
        let mut partners: Vec<Partner> = ctx.members.iter().map(|&k| self.partner(k)).collect();
        let mut total = 0.0;
        let picks = team
            .open_roles
            .iter()
            .zip(&roles)
            .enumerate()
            .map(|(r, (spec, role))| {
                let fit = out.picks[r].map(|ci| {
                    let c = &solver.lists[r][ci];
                    total += c.fit;
                    partners.push(self.partner(c.person));
                    self.explain(&ctx, role, c.person, c.fit)
                });
                (spec.id, fit)
            })
            .collect();
        let upper_bound = if out.exact { total } else { out.upper_bound.max(total) };
        TeamSuggestion {
            picks,
            total,
            upper_bound,
            exact: out.exact,
            checks: team.rules.check(&partners),
            method: out.method,
        }
    }
}

// ---------- generator ----------

/// Sector sets a generated role may ask for.
const ROLE_SECTORS: [&[&str]; 5] =
    [&["academia", "hospital"], &["pharma"], &["biotech_sme"], &["hospital"], &["patient_org"]];
/// Countries a generated role may be restricted to (three of them).
const ROLE_COUNTRIES: [&str; 6] = ["DE", "FR", "NL", "BE", "IT", "ES"];

/// Deterministic ideas (benchmarks, tests): `ideas` ideas with `roles.0..=roles.1` open roles of
/// 1–2 topics drawn from the profiles' own topic distribution (every mention counts); 40 % of
/// roles want a sector, 10 % are restricted to three countries; coordinators are distinct
/// participants while there are enough, and 30 % of ideas have a second member of another
/// organisation. Default rules, organisations may not repeat. Role ids are `idea × 100 + k`.
pub fn generate_ideas(profiles: &[Profile], ideas: usize, roles: (usize, usize), seed: u64) -> Vec<TeamSpec> {
    let mut rng = Rng::new(seed ^ 0x1DEA_5EED);
    let mut mentions: HashMap<TopicId, f64> = HashMap::new();
    for p in profiles {
        for &t in p.interests.iter().chain(p.opportunities.iter().flat_map(|o| o.topics.iter())) {
            *mentions.entry(t).or_default() += 1.0;
        }
    }
    let mut topics: Vec<(TopicId, f64)> = mentions.into_iter().collect();
    topics.sort_unstable_by_key(|t| t.0);
    let mut acc = 0.0;
    let cum: Vec<f64> = topics
        .iter()
        .map(|t| {
            acc += t.1;
            acc
        })
        .collect();
    let mut order: Vec<usize> = (0..profiles.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.range(0, i as u64) as usize);
    }
    (0..ideas)
        .map(|i| {
            let idea = i as i64 + 1;
            let mut members = Vec::new();
            if !profiles.is_empty() {
                let coordinator = &profiles[order[i % order.len()]];
                members.push(coordinator.id);
                if rng.chance(0.3) {
                    let other = &profiles[rng.range(0, profiles.len() as u64 - 1) as usize];
                    if other.id != coordinator.id && other.organisation != coordinator.organisation {
                        members.push(other.id);
                    }
                }
            }
            let n_roles = rng.range(roles.0 as u64, roles.1.max(roles.0) as u64) as usize;
            let open_roles = (0..n_roles)
                .map(|k| {
                    let mut role_topics = Vec::new();
                    if !topics.is_empty() {
                        for _ in 0..rng.range(1, 2) {
                            let t = topics[rng.pick(&cum)].0;
                            if !role_topics.contains(&t) {
                                role_topics.push(t);
                            }
                        }
                    }
                    let sectors = if rng.chance(0.4) {
                        ROLE_SECTORS[rng.range(0, ROLE_SECTORS.len() as u64 - 1) as usize]
                            .iter()
                            .map(|s| s.to_string())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let countries = if rng.chance(0.1) {
                        let skip = rng.range(0, ROLE_COUNTRIES.len() as u64 - 1) as usize;
                        ROLE_COUNTRIES.iter().cycle().skip(skip).take(3).map(|c| c.to_string()).collect()
                    } else {
                        Vec::new()
                    };
                    RoleSpec { id: idea * 100 + k as i64, topics: role_topics, sectors, countries }
                })
                .collect();
            TeamSpec { idea, members, open_roles, allow_same_organisation: false, rules: Rules::default() }
        })
        .collect()
}

// ---------- the search ----------

/// Eligibility facts of a person under one idea's rules.
#[derive(Clone, Copy, Debug)]
struct Facts {
    /// Organisation (builder-wide id); [`NONE`]: not an entity, counts for no rule.
    org: u32,
    /// Counted country (id local to the idea); [`NONE`]: does not count.
    country: u32,
    /// Bit k: serves the k-th sector need (with a minimum above 0).
    needs: u64,
}

#[derive(Clone, Debug)]
struct Cand {
    person: usize,
    /// Two picks may not share a unit: the organisation, or the person when organisations may
    /// repeat or they have none.
    unit: usize,
    fit: f64,
    facts: Facts,
}

/// Counts of the rules for a set of partners, updated one partner at a time.
#[derive(Clone, Debug)]
struct Tally {
    org: Vec<u32>,
    country: Vec<u32>,
    /// need k × organisations.
    need: Vec<u32>,
    n_orgs: usize,
    entities: u32,
    countries: u32,
    need_have: Vec<u32>,
}

impl Tally {
    fn add(&mut self, f: Facts) {
        if f.org == NONE {
            return;
        }
        let o = f.org as usize;
        self.entities += u32::from(self.org[o] == 0);
        self.org[o] += 1;
        if f.country != NONE {
            let c = f.country as usize;
            self.countries += u32::from(self.country[c] == 0);
            self.country[c] += 1;
        }
        for (k, have) in self.need_have.iter_mut().enumerate() {
            if f.needs >> k & 1 == 1 {
                let i = k * self.n_orgs + o;
                *have += u32::from(self.need[i] == 0);
                self.need[i] += 1;
            }
        }
    }

    fn remove(&mut self, f: Facts) {
        if f.org == NONE {
            return;
        }
        let o = f.org as usize;
        self.org[o] -= 1;
        self.entities -= u32::from(self.org[o] == 0);
        if f.country != NONE {
            let c = f.country as usize;
            self.country[c] -= 1;
            self.countries -= u32::from(self.country[c] == 0);
        }
        for (k, have) in self.need_have.iter_mut().enumerate() {
            if f.needs >> k & 1 == 1 {
                let i = k * self.n_orgs + o;
                self.need[i] -= 1;
                *have -= u32::from(self.need[i] == 0);
            }
        }
    }
}

type Picks = Vec<Option<usize>>;

/// Has an organisation, counted country, sector needs: see [`Solver::signature`].
type Signature = (bool, u32, u64);

#[derive(Clone, Debug)]
struct Best {
    rules: u32,
    fit: f64,
    picks: Picks,
}

/// (rules holding, fit) lexicographically better.
fn better(a: (u32, f64), b: (u32, f64)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 > b.1 + EPS)
}

struct Outcome {
    picks: Picks,
    upper_bound: f64,
    exact: bool,
    method: Method,
}

/// One idea's team problem over index-based candidate lists (best first per role).
struct Solver {
    lists: Vec<Vec<Cand>>,
    /// The members' tally.
    base: Tally,
    min_entities: u32,
    min_countries: u32,
    needs: Vec<u32>,
    n_rules: u32,
    country_open: bool,
    open_needs: u64,
    allow_same: bool,
    /// Candidates per role kept besides the signature representatives ([`TOP_PER_ROLE`]).
    top: usize,
}

impl Solver {
    fn new(b: &TeamBuilder, ctx: &Ctx, lists: &[Vec<(usize, f64)>]) -> Solver {
        let rules = &ctx.team.rules;
        // More than 64 sector needs (the pages allow a few) would not fit the masks.
        let active: Vec<_> = rules.sector_mix.iter().filter(|n| n.min > 0).take(64).collect();
        let n_orgs = b.orgs.len();
        let sector_needs: Vec<u64> = b
            .sectors
            .names
            .iter()
            .map(|s| active.iter().enumerate().filter(|(_, n)| n.sectors.contains(s)).fold(0, |m, (i, _)| m | 1 << i))
            .collect();
        let facts = |k: usize| {
            let p = &b.people[k];
            if p.org == NONE {
                return Facts { org: NONE, country: NONE, needs: 0 };
            }
            let country = if b.counted(ctx, p.country_id) { p.country_id } else { NONE };
            Facts { org: p.org, country, needs: sector_needs[p.sector_id as usize] }
        };
        let allow_same = ctx.team.allow_same_organisation;
        let member_facts: Vec<Facts> = ctx.members.iter().map(|&k| facts(k)).collect();
        let lists: Vec<Vec<Cand>> = lists
            .iter()
            .map(|l| {
                l.iter()
                    .map(|&(k, fit)| {
                        let f = facts(k);
                        let unit = if !allow_same && f.org != NONE { f.org as usize } else { n_orgs + k };
                        Cand { person: k, unit, fit, facts: f }
                    })
                    .collect()
            })
            .collect();
        let mut base = Tally {
            org: vec![0; n_orgs],
            country: vec![0; ctx.counted.len()],
            need: vec![0; active.len() * n_orgs],
            n_orgs,
            entities: 0,
            countries: 0,
            need_have: vec![0; active.len()],
        };
        for f in member_facts {
            base.add(f);
        }
        let needs: Vec<u32> = active.iter().map(|n| n.min).collect();
        let open_needs =
            needs.iter().enumerate().filter(|&(k, &m)| base.need_have[k] < m).fold(0, |m, (k, _)| m | 1 << k);
        Solver {
            country_open: rules.min_countries > 0 && base.countries < rules.min_countries,
            n_rules: u32::from(rules.min_entities > 0) + u32::from(rules.min_countries > 0) + needs.len() as u32,
            lists,
            base,
            min_entities: rules.min_entities,
            min_countries: rules.min_countries,
            needs,
            open_needs,
            allow_same,
            top: TOP_PER_ROLE,
        }
    }

    fn holding(&self, t: &Tally) -> u32 {
        u32::from(self.min_entities > 0 && t.entities >= self.min_entities)
            + u32::from(self.min_countries > 0 && t.countries >= self.min_countries)
            + self.needs.iter().zip(&t.need_have).filter(|(m, h)| h >= m).count() as u32
    }

    fn evaluate(&self, picks: &[Option<usize>]) -> Best {
        let mut t = self.base.clone();
        let mut fit = 0.0;
        for (r, p) in picks.iter().enumerate() {
            if let Some(ci) = *p {
                t.add(self.lists[r][ci].facts);
                fit += self.lists[r][ci].fit;
            }
        }
        Best { rules: self.holding(&t), fit, picks: picks.to_vec() }
    }

    fn solve(&self, budget: usize) -> Outcome {
        let (start, ub) = self.assignment();
        let first = self.evaluate(&start);
        if first.rules == self.n_rules {
            return Outcome { picks: start, upper_bound: ub, exact: true, method: Method::Assignment };
        }
        let reduced = self.reduced(&start);
        let ls = self.local_search(&reduced, start);
        if ls.rules == self.n_rules && ls.fit >= ub - EPS {
            return Outcome { picks: ls.picks, upper_bound: ub, exact: true, method: Method::Heuristic };
        }
        // Above EXACT_MAX_ROLES a smaller budget: the search then checks (and may improve) the
        // heuristic's team rather than being the method.
        let small = self.lists.len() <= EXACT_MAX_ROLES;
        let (best, complete) = self.branch_and_bound(&reduced, ls, if small { budget } else { budget / 3 });
        let method = if small || complete { Method::BranchAndBound } else { Method::Heuristic };
        Outcome { picks: best.picks, upper_bound: ub, exact: complete, method }
    }

    /// The best team without the rules (Hungarian method over roles × units, with one
    /// "nobody" column per role) and its value.
    fn assignment(&self) -> (Picks, f64) {
        let r = self.lists.len();
        let mut col: HashMap<usize, usize> = HashMap::new();
        for c in self.lists.iter().flatten() {
            let n = col.len();
            col.entry(c.unit).or_insert(n);
        }
        let units = col.len();
        let mut cost = vec![vec![0.0; units + r]; r];
        let mut who = vec![vec![usize::MAX; units]; r];
        for (ri, list) in self.lists.iter().enumerate() {
            for (ci, c) in list.iter().enumerate() {
                let j = col[&c.unit];
                if who[ri][j] == usize::MAX {
                    who[ri][j] = ci;
                    cost[ri][j] = -c.fit;
                }
            }
        }
        let a = hungarian(&cost);
        let picks: Picks =
            (0..r).map(|ri| (a[ri] < units && who[ri][a[ri]] != usize::MAX).then(|| who[ri][a[ri]])).collect();
        let value = picks.iter().enumerate().filter_map(|(ri, p)| p.map(|ci| self.lists[ri][ci].fit)).sum();
        (picks, value)
    }

    /// Per role, the candidates an optimum may need (see the module documentation), plus the
    /// top [`TOP_PER_ROLE`] and `extra`'s pick; positions in the role's list, best first.
    fn reduced(&self, extra: &[Option<usize>]) -> Vec<Vec<usize>> {
        let r = self.lists.len();
        self.lists
            .iter()
            .enumerate()
            .map(|(ri, list)| {
                let mut keep = vec![false; list.len()];
                keep.iter_mut().take(self.top).for_each(|k| *k = true);
                if let Some(ci) = extra[ri] {
                    keep[ci] = true;
                }
                let mut groups: HashMap<(Signature, u32), Vec<usize>> = HashMap::new();
                for (ci, c) in list.iter().enumerate() {
                    let key = (self.signature(c.facts), if self.allow_same { c.facts.org } else { NONE });
                    let g = groups.entry(key).or_default();
                    if g.len() < r && !g.contains(&c.unit) {
                        g.push(c.unit);
                        keep[ci] = true;
                    }
                }
                (0..list.len()).filter(|&ci| keep[ci]).collect()
            })
            .collect()
    }

    /// What of a candidate the rules still care about: has an organisation, the counted
    /// country (while the country rule is open), the open sector needs served.
    fn signature(&self, f: Facts) -> Signature {
        (f.org != NONE, if self.country_open { f.country } else { NONE }, f.needs & self.open_needs)
    }

    /// Whether `c` shares a unit with a pick outside the roles `skip`.
    fn blocked(&self, picks: &[Option<usize>], skip: &[usize], c: &Cand) -> bool {
        picks
            .iter()
            .enumerate()
            .any(|(ri, p)| !skip.contains(&ri) && p.is_some_and(|x| self.lists[ri][x].unit == c.unit))
    }

    /// Best-improvement local search over one-pick, exchange and (while a rule fails) two-pick moves.
    fn local_search(&self, reduced: &[Vec<usize>], start: Picks) -> Best {
        let r = self.lists.len();
        let pos: Vec<HashMap<usize, usize>> =
            self.lists.iter().map(|l| l.iter().enumerate().map(|(ci, c)| (c.person, ci)).collect()).collect();
        let mut cur = self.evaluate(&start);
        let mut tally = self.base.clone();
        for (ri, p) in cur.picks.iter().enumerate() {
            if let Some(ci) = *p {
                tally.add(self.lists[ri][ci].facts);
            }
        }
        let fit_of = |ri: usize, p: Option<usize>| p.map_or(0.0, |ci| self.lists[ri][ci].fit);
        // Two-pick moves try each role's best by fit and the best two units of every signature
        // (what a failing rule may need is rarely among the best by fit).
        let pair_options: Vec<Vec<usize>> = reduced
            .iter()
            .enumerate()
            .map(|(ri, l)| {
                let mut seen: HashMap<Signature, Vec<usize>> = HashMap::new();
                l.iter()
                    .enumerate()
                    .filter(|&(i, &ci)| {
                        let c = &self.lists[ri][ci];
                        let g = seen.entry(self.signature(c.facts)).or_default();
                        let new = g.len() < 2 && !g.contains(&c.unit);
                        if new {
                            g.push(c.unit);
                        }
                        i < PAIR_MOVE_TOP || new
                    })
                    .map(|(_, &ci)| ci)
                    .collect()
            })
            .collect();
        for _ in 0..500 {
            let mut best_val = (cur.rules, cur.fit);
            let mut best_move: Vec<(usize, Option<usize>)> = Vec::new();
            // One pick replaced (or dropped).
            for (ri, options) in reduced.iter().enumerate() {
                let old = cur.picks[ri];
                if let Some(o) = old {
                    tally.remove(self.lists[ri][o].facts);
                }
                for opt in options.iter().map(|&c| Some(c)).chain([None]) {
                    if opt == old || opt.is_some_and(|c| self.blocked(&cur.picks, &[ri], &self.lists[ri][c])) {
                        continue;
                    }
                    if let Some(c) = opt {
                        tally.add(self.lists[ri][c].facts);
                    }
                    let val = (self.holding(&tally), cur.fit - fit_of(ri, old) + fit_of(ri, opt));
                    if let Some(c) = opt {
                        tally.remove(self.lists[ri][c].facts);
                    }
                    if better(val, best_val) {
                        best_val = val;
                        best_move = vec![(ri, opt)];
                    }
                }
                if let Some(o) = old {
                    tally.add(self.lists[ri][o].facts);
                }
            }
            // The people of two roles exchanged (same people, same rules).
            for r1 in 0..r {
                for r2 in r1 + 1..r {
                    let (p1, p2) = (cur.picks[r1], cur.picks[r2]);
                    if p1.is_none() && p2.is_none() {
                        continue;
                    }
                    let moved = |from: usize, p: Option<usize>, to: usize| match p {
                        None => Some(None),
                        Some(ci) => pos[to].get(&self.lists[from][ci].person).map(|&x| Some(x)),
                    };
                    let (Some(n1), Some(n2)) = (moved(r2, p2, r1), moved(r1, p1, r2)) else { continue };
                    let val = (cur.rules, cur.fit - fit_of(r1, p1) - fit_of(r2, p2) + fit_of(r1, n1) + fit_of(r2, n2));
                    if better(val, best_val) {
                        best_val = val;
                        best_move = vec![(r1, n1), (r2, n2)];
                    }
                }
            }
            // Two picks replaced at once, while a rule fails.
            if cur.rules < self.n_rules {
                for r1 in 0..r {
                    for r2 in r1 + 1..r {
                        let (o1, o2) = (cur.picks[r1], cur.picks[r2]);
                        for (ri, o) in [(r1, o1), (r2, o2)] {
                            if let Some(o) = o {
                                tally.remove(self.lists[ri][o].facts);
                            }
                        }
                        let picks = &cur.picks;
                        let opts = |ri: usize| -> Vec<Option<usize>> {
                            pair_options[ri]
                                .iter()
                                .map(|&c| Some(c))
                                .chain([None])
                                .filter(|opt| !opt.is_some_and(|c| self.blocked(picks, &[r1, r2], &self.lists[ri][c])))
                                .collect()
                        };
                        let opts2 = opts(r2);
                        for n1 in opts(r1) {
                            if let Some(c) = n1 {
                                tally.add(self.lists[r1][c].facts);
                            }
                            for &n2 in &opts2 {
                                if let (Some(a), Some(b)) = (n1, n2) {
                                    if self.lists[r1][a].unit == self.lists[r2][b].unit {
                                        continue;
                                    }
                                }
                                if let Some(c) = n2 {
                                    tally.add(self.lists[r2][c].facts);
                                }
                                let val = (
                                    self.holding(&tally),
                                    cur.fit - fit_of(r1, o1) - fit_of(r2, o2) + fit_of(r1, n1) + fit_of(r2, n2),
                                );
                                if let Some(c) = n2 {
                                    tally.remove(self.lists[r2][c].facts);
                                }
                                if better(val, best_val) {
                                    best_val = val;
                                    best_move = vec![(r1, n1), (r2, n2)];
                                }
                            }
                            if let Some(c) = n1 {
                                tally.remove(self.lists[r1][c].facts);
                            }
                        }
                        for (ri, o) in [(r1, o1), (r2, o2)] {
                            if let Some(o) = o {
                                tally.add(self.lists[ri][o].facts);
                            }
                        }
                    }
                }
            }
            if best_move.is_empty() {
                break;
            }
            for &(ri, _) in &best_move {
                if let Some(o) = cur.picks[ri] {
                    tally.remove(self.lists[ri][o].facts);
                }
            }
            for &(ri, n) in &best_move {
                cur.picks[ri] = n;
                if let Some(c) = n {
                    tally.add(self.lists[ri][c].facts);
                }
            }
            cur = self.evaluate(&cur.picks);
        }
        cur
    }

    /// Depth-first branch and bound from `incumbent`; false when the node budget ran out.
    fn branch_and_bound(&self, reduced: &[Vec<usize>], incumbent: Best, budget: usize) -> (Best, bool) {
        let mut order: Vec<usize> = (0..self.lists.len()).collect();
        order.sort_by_key(|&ri| (reduced[ri].len(), ri));
        let info = reduced
            .iter()
            .enumerate()
            .map(|(ri, l)| {
                let mut countries: Vec<u32> =
                    l.iter().map(|&ci| self.lists[ri][ci].facts.country).filter(|&c| c != NONE).collect();
                countries.sort_unstable();
                countries.dedup();
                RoleInfo {
                    has_org: l.iter().any(|&ci| self.lists[ri][ci].facts.org != NONE),
                    countries,
                    needs: l.iter().fold(0, |m, &ci| m | self.lists[ri][ci].facts.needs),
                }
            })
            .collect();
        let mut b = Bnb {
            s: self,
            reduced,
            order,
            info,
            tally: self.base.clone(),
            picks: vec![None; self.lists.len()],
            units: Vec::new(),
            best: incumbent,
            nodes: 0,
            budget,
            aborted: false,
        };
        b.dfs(0, 0.0);
        (b.best, !b.aborted)
    }
}

struct RoleInfo {
    has_org: bool,
    countries: Vec<u32>,
    needs: u64,
}

struct Bnb<'a> {
    s: &'a Solver,
    reduced: &'a [Vec<usize>],
    order: Vec<usize>,
    info: Vec<RoleInfo>,
    tally: Tally,
    picks: Picks,
    /// Units of the picks made so far.
    units: Vec<usize>,
    best: Best,
    nodes: usize,
    budget: usize,
    aborted: bool,
}

impl Bnb<'_> {
    /// Fit of the role's best candidate whose unit is still free.
    fn free_best(&self, ri: usize) -> f64 {
        self.reduced[ri]
            .iter()
            .map(|&ci| &self.s.lists[ri][ci])
            .find(|c| !self.units.contains(&c.unit))
            .map_or(0.0, |c| c.fit)
    }

    /// Rules that could still hold if every role from depth `d` on added what it best can.
    fn rules_bound(&self, d: usize) -> u32 {
        let (s, t) = (self.s, &self.tally);
        let rest = &self.order[d..];
        let entities = t.entities + rest.iter().filter(|&&ri| self.info[ri].has_org).count() as u32;
        let countries = t.countries
            + rest.iter().filter(|&&ri| self.info[ri].countries.iter().any(|&c| t.country[c as usize] == 0)).count()
                as u32;
        let mut n = u32::from(s.min_entities > 0 && entities >= s.min_entities)
            + u32::from(s.min_countries > 0 && countries >= s.min_countries);
        for (k, &m) in s.needs.iter().enumerate() {
            let add = rest.iter().filter(|&&ri| self.info[ri].needs >> k & 1 == 1).count() as u32;
            n += u32::from(t.need_have[k] + add >= m);
        }
        n
    }

    fn could_beat(&self, rules: u32, fit: f64) -> bool {
        rules > self.best.rules || (rules == self.best.rules && fit > self.best.fit + EPS)
    }

    fn dfs(&mut self, d: usize, fit: f64) {
        self.nodes += 1;
        if self.nodes > self.budget {
            self.aborted = true;
            return;
        }
        if d == self.order.len() {
            let rules = self.s.holding(&self.tally);
            if better((rules, fit), (self.best.rules, self.best.fit)) {
                self.best = Best { rules, fit, picks: self.picks.clone() };
            }
            return;
        }
        let rules = self.rules_bound(d);
        let after: f64 = self.order[d + 1..].iter().map(|&ri| self.free_best(ri)).sum();
        let ri = self.order[d];
        if !self.could_beat(rules, fit + self.free_best(ri) + after) {
            return;
        }
        let reduced = self.reduced;
        for &ci in &reduced[ri] {
            let c = &self.s.lists[ri][ci];
            if !self.could_beat(rules, fit + c.fit + after) {
                break; // candidates come best first
            }
            if self.units.contains(&c.unit) {
                continue;
            }
            self.tally.add(c.facts);
            self.units.push(c.unit);
            self.picks[ri] = Some(ci);
            self.dfs(d + 1, fit + c.fit);
            self.picks[ri] = None;
            self.units.pop();
            self.tally.remove(c.facts);
            if self.aborted {
                return;
            }
        }
        self.dfs(d + 1, fit);
    }
}

/// Minimum-cost assignment of every row to a distinct column (rows ≤ columns), Hungarian
/// method with potentials, O(rows² × columns). Returns each row's column.
fn hungarian(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    if n == 0 {
        return Vec::new();
    }
    let m = cost[0].len();
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut row = vec![0; n];
    for j in 1..=m {
        if p[j] != 0 {
            row[p[j] - 1] = j - 1;
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::super::eligibility::{Rule, SectorNeed};
    use super::super::generate::generate_profiles;
    use super::super::scoring::{Opportunity, OpportunityKind};
    use super::*;

    fn prof(id: i64, sector: &str, org: &str, country: &str, interests: &[u32], offers: &[(i64, &[u32])]) -> Profile {
        Profile {
            id,
            sector: sector.into(),
            organisation: org.into(),
            country: country.into(),
            interests: interests.to_vec(),
            opportunities: offers
                .iter()
                .map(|&(oid, t)| Opportunity { id: oid, kind: OpportunityKind::Offer, topics: t.to_vec() })
                .collect(),
        }
    }

    fn role(id: i64, topics: &[u32], sectors: &[&str], countries: &[&str]) -> RoleSpec {
        RoleSpec {
            id,
            topics: topics.to_vec(),
            sectors: sectors.iter().map(|s| s.to_string()).collect(),
            countries: countries.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn team(members: &[i64], roles: Vec<RoleSpec>) -> TeamSpec {
        TeamSpec {
            idea: 1,
            members: members.to_vec(),
            open_roles: roles,
            allow_same_organisation: false,
            rules: Rules::default(),
        }
    }

    fn org_key(p: &Profile) -> String {
        p.organisation.trim().to_lowercase()
    }

    fn partner(p: &Profile) -> Partner {
        Partner {
            organisation: p.organisation.clone(),
            country: p.country.trim().to_uppercase(),
            sector: p.sector.trim().to_lowercase(),
        }
    }

    /// Exhaustive optimum over every role's full candidate list: (rules holding, total fit).
    fn brute_force(b: &TeamBuilder, profiles: &[Profile], t: &TeamSpec) -> (u32, f64) {
        let by_id: HashMap<i64, &Profile> = profiles.iter().map(|p| (p.id, p)).collect();
        let lists: Vec<Vec<RoleFit>> = t.open_roles.iter().map(|r| b.fits(t, r.id, usize::MAX)).collect();
        let members: Vec<Partner> = t.members.iter().filter_map(|id| by_id.get(id)).map(|p| partner(p)).collect();
        #[allow(clippy::too_many_arguments)]
        fn go<'p>(
            r: usize,
            lists: &[Vec<RoleFit>],
            by_id: &HashMap<i64, &'p Profile>,
            t: &TeamSpec,
            chosen: &mut Vec<&'p Profile>,
            fit: f64,
            members: &[Partner],
            best: &mut (u32, f64),
        ) {
            if r == lists.len() {
                let mut ps = members.to_vec();
                ps.extend(chosen.iter().map(|p| partner(p)));
                let holding = t.rules.check(&ps).iter().filter(|c| c.holds()).count() as u32;
                if holding > best.0 || (holding == best.0 && fit > best.1) {
                    *best = (holding, fit);
                }
                return;
            }
            for f in &lists[r] {
                let p = by_id[&f.person];
                let clash = chosen.iter().any(|q| {
                    q.id == p.id || (!t.allow_same_organisation && !org_key(p).is_empty() && org_key(p) == org_key(q))
                });
                if clash {
                    continue;
                }
                chosen.push(p);
                go(r + 1, lists, by_id, t, chosen, fit + f.score, members, best);
                chosen.pop();
            }
            go(r + 1, lists, by_id, t, chosen, fit, members, best);
        }
        let mut best = (0, f64::NEG_INFINITY);
        go(0, &lists, &by_id, t, &mut Vec::new(), 0.0, &members, &mut best);
        best
    }

    /// Everything a suggestion must satisfy whatever the method.
    fn assert_valid(b: &TeamBuilder, profiles: &[Profile], t: &TeamSpec, s: &TeamSuggestion, what: &str) {
        let by_id: HashMap<i64, &Profile> = profiles.iter().map(|p| (p.id, p)).collect();
        assert_eq!(s.picks.len(), t.open_roles.len(), "{what}");
        let mut chosen: Vec<&Profile> = Vec::new();
        let mut total = 0.0;
        for ((rid, pick), spec) in s.picks.iter().zip(&t.open_roles) {
            assert_eq!(*rid, spec.id, "{what}");
            let Some(f) = pick else { continue };
            let fits = b.fits(t, spec.id, usize::MAX);
            let listed =
                fits.iter().find(|x| x.person == f.person).unwrap_or_else(|| panic!("{what}: pick does not fit"));
            assert_eq!(listed, f, "{what}");
            let p = by_id[&f.person];
            assert!(!t.members.contains(&p.id), "{what}: a member suggested");
            for q in &chosen {
                assert_ne!(q.id, p.id, "{what}: one person for two roles");
                if !t.allow_same_organisation && !org_key(p).is_empty() {
                    assert_ne!(org_key(p), org_key(q), "{what}: two picks of one organisation");
                }
            }
            chosen.push(p);
            total += f.score;
        }
        assert!((total - s.total).abs() < 1e-9, "{what}: total {} vs {}", s.total, total);
        assert!(s.total <= s.upper_bound + 1e-9, "{what}: above its bound");
        let mut ps: Vec<Partner> = t.members.iter().filter_map(|id| by_id.get(id)).map(|p| partner(p)).collect();
        ps.extend(chosen.iter().map(|p| partner(p)));
        assert_eq!(s.checks, t.rules.check(&ps), "{what}: checks");
    }

    fn filler(n: usize) -> Vec<Profile> {
        // Topics 1..=3 common, so the rare topics of the cases weigh more.
        (0..n).map(|k| prof(1000 + k as i64, "other", &format!("f{k}"), "US", &[1, 2, 3], &[])).collect()
    }

    #[test]
    fn role_fit_reasons_and_hard_constraints() {
        let mut ps = filler(20);
        ps.extend([
            prof(1, "academia", "Coord Uni", "DE", &[7], &[]),
            prof(2, "hospital", "Clinic", "FR", &[], &[(21, &[7]), (22, &[8])]), // offers both
            prof(3, "pharma", "Pharma", "FR", &[7, 8], &[]),                     // interests only
            prof(4, "hospital", "Coord Uni", "NL", &[], &[(41, &[7])]),          // the coordinator's organisation
            prof(5, "hospital", "Far Clinic", "US", &[], &[(51, &[7])]),         // a country that does not count
            prof(6, "hospital", "Other", "DE", &[9], &[]),                       // no overlap
        ]);
        let b = TeamBuilder::new(&ps, &ScoringParams::default());
        let t = team(
            &[1],
            vec![role(10, &[7, 8], &[], &[]), role(11, &[7], &["Hospital"], &[]), role(12, &[7], &[], &["fr"])],
        );
        let any = b.fits(&t, 10, 10);
        let ids = |v: &[RoleFit]| v.iter().map(|f| f.person).collect::<Vec<_>>();
        assert_eq!(ids(&any), vec![2, 5, 3], "not the member, not Coord Uni, not 6; offering weighs most");
        assert_eq!(
            any[0].reasons,
            vec![
                FitReason::OffersTopic { topic: 8, offer: 22 },
                FitReason::OffersTopic { topic: 7, offer: 21 },
                FitReason::Country { adds_country: true }
            ],
            "the rarer topic 8 first, then the country"
        );
        assert_eq!(any[1].reasons, vec![FitReason::OffersTopic { topic: 7, offer: 51 }], "US does not count");
        assert_eq!(
            any[2].reasons,
            vec![
                FitReason::SharedInterest { topic: 8 },
                FitReason::SharedInterest { topic: 7 },
                FitReason::Country { adds_country: true }
            ]
        );
        assert!(any[0].score > any[1].score && any[1].score > any[2].score && any[2].score > 0.0);
        // A hospital role is never filled by pharma, and says so.
        let hosp = b.fits(&t, 11, 10);
        assert_eq!(ids(&hosp), vec![2, 5]);
        assert!(hosp[0].reasons.contains(&FitReason::Sector));
        let fr = b.fits(&t, 12, 10);
        assert_eq!(ids(&fr), vec![2, 3]);
        assert!(fr.iter().all(|f| f.reasons.contains(&FitReason::Country { adds_country: true })));
        // Same organisation when allowed; a country already present adds nothing.
        let mut t2 = t.clone();
        t2.allow_same_organisation = true;
        t2.members = vec![1, 3];
        let any = b.fits(&t2, 10, 10);
        assert_eq!(ids(&any), vec![2, 4, 5]);
        assert!(!any[0].reasons.contains(&FitReason::Country { adds_country: true }), "France is there");
        assert!(any[1].reasons.contains(&FitReason::Country { adds_country: true }), "the Netherlands are not");
        assert!(b.fits(&t, 99, 10).is_empty(), "unknown role");
        // Once the country rule holds, nobody "adds" a country.
        let mut t3 = t.clone();
        t3.rules.min_countries = 1;
        assert!(b.fits(&t3, 10, 10).iter().all(|f| !f.reasons.contains(&FitReason::Country { adds_country: true })));
    }

    #[test]
    fn fits_from_the_index_equal_a_scan_of_everyone() {
        let profiles = generate_profiles(400, 3);
        let b = TeamBuilder::new(&profiles, &ScoringParams::default());
        for t in generate_ideas(&profiles, 30, (3, 6), 3) {
            let ctx = b.ctx(&t);
            for spec in &t.open_roles {
                let r = b.role(spec);
                let mut scan: Vec<(i64, f64)> =
                    (0..profiles.len()).filter_map(|k| b.score(&ctx, &r, k).map(|s| (profiles[k].id, s))).collect();
                scan.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let got: Vec<(i64, f64)> =
                    b.fits(&t, spec.id, usize::MAX).iter().map(|f| (f.person, f.score)).collect();
                assert_eq!(got, scan);
                let top = b.fits(&t, spec.id, 5);
                assert_eq!(top.len(), scan.len().min(5));
                assert!(top.iter().all(|f| !f.reasons.is_empty()));
            }
        }
    }

    /// Small random cases of varied shape: few people, organisations and countries (some not
    /// counting, some empty), random rules, sometimes repeated organisations allowed.
    fn small_case(seed: u64) -> (Vec<Profile>, TeamSpec) {
        let mut rng = Rng::new(seed);
        let orgs = ["A", "B", "C", "D", "E", "F", "a ", ""];
        let n_orgs = rng.range(2, orgs.len() as u64 - 1) as usize;
        let countries = ["DE", "FR", "NL", "CH", "US", ""];
        let sectors = ["pharma", "biotech_sme", "academia", "hospital", "patient_org", "other"];
        let n = rng.range(4, 11) as usize;
        let pick = |rng: &mut Rng, k: usize| rng.range(0, k as u64 - 1) as usize;
        let topics =
            |rng: &mut Rng, max: u64| -> Vec<u32> { (0..rng.range(0, max)).map(|_| rng.range(0, 5) as u32).collect() };
        let profiles: Vec<Profile> = (0..n)
            .map(|i| {
                let interests = topics(&mut rng, 3);
                let offers: Vec<Opportunity> = (0..rng.range(0, 2))
                    .map(|k| Opportunity {
                        id: (i * 10 + k as usize) as i64,
                        kind: OpportunityKind::Offer,
                        topics: topics(&mut rng, 2),
                    })
                    .collect();
                Profile {
                    id: i as i64 + 1,
                    sector: sectors[pick(&mut rng, sectors.len())].into(),
                    organisation: orgs[pick(&mut rng, n_orgs + 1)].into(),
                    country: countries[pick(&mut rng, countries.len())].into(),
                    interests,
                    opportunities: offers,
                }
            })
            .collect();
        let members: Vec<i64> = (0..rng.range(0, 2)).map(|_| rng.range(1, n as u64) as i64).collect();
        let open_roles = (0..rng.range(1, 4))
            .map(|k| RoleSpec {
                id: 10 + k as i64,
                topics: (0..rng.range(1, 2)).map(|_| rng.range(0, 5) as u32).collect(),
                sectors: if rng.chance(0.25) {
                    vec![sectors[pick(&mut rng, 3)].into(), "hospital".into()]
                } else {
                    vec![]
                },
                countries: if rng.chance(0.15) { vec!["DE".into(), "FR".into()] } else { vec![] },
            })
            .collect();
        let rules = if rng.chance(0.3) {
            Rules::default()
        } else {
            Rules {
                min_entities: rng.range(0, 4) as u32,
                min_countries: rng.range(0, 3) as u32,
                eligible_countries: if rng.chance(0.5) {
                    vec![]
                } else {
                    vec!["DE".into(), "FR".into(), "NL".into(), "CH".into()]
                },
                sector_mix: (0..rng.range(0, 2))
                    .map(|k| SectorNeed {
                        label: format!("need {k}"),
                        sectors: vec![
                            sectors[pick(&mut rng, sectors.len())].into(),
                            sectors[pick(&mut rng, sectors.len())].into(),
                        ],
                        min: rng.range(0, 2) as u32,
                    })
                    .collect(),
            }
        };
        let t = TeamSpec { idea: 1, members, open_roles, allow_same_organisation: rng.chance(0.3), rules };
        (profiles, t)
    }

    #[test]
    fn suggested_team_equals_brute_force_on_small_cases() {
        let mut methods: HashMap<String, usize> = HashMap::new();
        let mut rules_failing = 0;
        for seed in 0..1500u64 {
            let (profiles, t) = small_case(seed);
            let b = TeamBuilder::new(&profiles, &ScoringParams::default());
            let s = b.suggest_team(&t);
            let what = format!("seed {seed}");
            assert_valid(&b, &profiles, &t, &s, &what);
            assert!(s.exact, "{what}: small cases are exact");
            let (rules, fit) = brute_force(&b, &profiles, &t);
            let holding = s.checks.iter().filter(|c| c.holds()).count() as u32;
            assert_eq!(holding, rules, "{what}: rules holding ({:?})", s.method);
            assert!((s.total - fit).abs() < 1e-9, "{what}: total {} vs optimum {fit} ({:?})", s.total, s.method);
            assert!((s.upper_bound - s.total).abs() < 1e-9, "{what}: exact means bound = total");
            *methods.entry(format!("{:?}", s.method)).or_default() += 1;
            // The signature representatives alone keep the optimum (no top-by-fit help).
            let mut solver = solver_for(&b, &t);
            solver.top = 0;
            let out = solver.solve(NODE_BUDGET);
            let best = solver.evaluate(&out.picks);
            assert!(out.exact, "{what}");
            assert_eq!((best.rules, (best.fit - fit).abs() < 1e-9), (rules, true), "{what}: representatives only");
            rules_failing += usize::from(holding < s.checks.len() as u32);
        }
        // The cases exercise every path, including rules no team can satisfy.
        assert!(methods.get("BranchAndBound").copied().unwrap_or(0) > 100, "{methods:?}");
        assert!(methods.get("Assignment").copied().unwrap_or(0) > 100, "{methods:?}");
        assert!(rules_failing > 50, "{rules_failing}");
    }

    #[test]
    fn the_local_search_alone_is_valid_and_mostly_optimal() {
        let (mut hits, mut total) = (0, 0);
        for seed in 0..600u64 {
            let (profiles, t) = small_case(seed);
            let b = TeamBuilder::new(&profiles, &ScoringParams::default());
            let solver = solver_for(&b, &t);
            let (start, ub) = solver.assignment();
            let ls = solver.local_search(&solver.reduced(&start), start);
            assert!(ls.fit <= ub + 1e-9, "seed {seed}");
            let (rules, fit) = brute_force(&b, &profiles, &t);
            assert!(ls.rules < rules || (ls.rules == rules && ls.fit <= fit + 1e-9), "seed {seed}: beat the optimum?");
            total += 1;
            hits += usize::from(ls.rules == rules && ls.fit >= fit - 1e-9);
        }
        assert!(hits * 100 >= total * 90, "optimal on only {hits}/{total}");
    }

    fn solver_for(b: &TeamBuilder, t: &TeamSpec) -> Solver {
        let ctx = b.ctx(t);
        let lists: Vec<Vec<(usize, f64)>> = t.open_roles.iter().map(|r| b.candidates(&ctx, &b.role(r))).collect();
        Solver::new(b, &ctx, &lists)
    }

    #[test]
    fn eligibility_forces_a_lower_fit_pick() {
        let mut ps = filler(20);
        ps.extend([
            prof(1, "academia", "Uni", "DE", &[], &[]),
            prof(2, "pharma", "Big DE", "DE", &[], &[(21, &[7, 8])]), // best for both roles, but German
            prof(3, "biotech_sme", "SME DE", "DE", &[], &[(31, &[8])]),
            prof(4, "pharma", "Pharma FR", "FR", &[8], &[]), // weaker, but from France
            prof(5, "academia", "Inst NL", "NL", &[7], &[]), // weaker, from the Netherlands
        ]);
        let b = TeamBuilder::new(&ps, &ScoringParams { cross_sector_bonus: 0.0, ..Default::default() });
        let t = team(&[1], vec![role(10, &[7], &[], &[]), role(11, &[8], &[], &[])]);
        let s = b.suggest_team(&t);
        assert_valid(&b, &ps, &t, &s, "forced");
        let picks: Vec<i64> = s.picks.iter().map(|p| p.1.as_ref().map_or(0, |f| f.person)).collect();
        // Three countries are only reached with the NL institute and the French company.
        assert_eq!(picks, vec![5, 4]);
        assert!(s.checks.iter().all(Check::holds), "{:?}", s.checks);
        assert!(s.exact);
        let best_alone = b.fits(&t, 10, 1)[0].score + b.fits(&t, 11, 1)[0].score;
        assert!(s.total < best_alone, "the rules cost fit");
        // Without the country rule the best people are picked (one per organisation).
        let mut loose = t.clone();
        loose.rules.min_countries = 0;
        let s = b.suggest_team(&loose);
        assert_eq!(s.picks[0].1.as_ref().map(|f| f.person), Some(2));
        assert_eq!(s.picks[1].1.as_ref().map(|f| f.person), Some(3), "not Big DE twice");
        assert_eq!(s.method, Method::Assignment);
    }

    #[test]
    fn unreachable_rules_are_maximised_and_reported() {
        let mut ps = filler(10);
        ps.extend([
            prof(1, "academia", "Uni", "DE", &[], &[]),
            prof(2, "academia", "Uni2", "DE", &[], &[(21, &[7])]),
            prof(3, "hospital", "Clinic", "FR", &[7], &[]),
        ]);
        let b = TeamBuilder::new(&ps, &ScoringParams::default());
        let t = team(&[1], vec![role(10, &[7], &[], &[]), role(11, &[42], &[], &[])]);
        let s = b.suggest_team(&t);
        assert_valid(&b, &ps, &t, &s, "unreachable");
        assert_eq!(s.picks[1], (11, None), "nobody fits a topic nobody has");
        // No choice reaches three entities, three countries or an industry partner; both
        // candidates keep the academic rule, so fit decides (the French clinic's country alone
        // does not make a rule hold).
        assert_eq!(s.picks[0].1.as_ref().map(|f| f.person), Some(2));
        assert_eq!(s.checks.iter().filter(|c| c.holds()).count(), 1);
        let industry =
            s.checks.iter().find(|c| matches!(&c.rule, Rule::Sector { label, .. } if label == "industry partner"));
        assert!(!industry.expect("rule").holds());
        assert!(s.exact);
    }

    #[test]
    fn larger_teams_stay_valid_and_within_their_bound() {
        let profiles = generate_profiles(300, 5);
        let b = TeamBuilder::new(&profiles, &ScoringParams::default());
        let mut ideas = generate_ideas(&profiles, 40, (7, 10), 5);
        for (i, t) in ideas.iter_mut().enumerate() {
            // Vary the rules: stricter countries, an eligible list, repeated organisations.
            if i % 3 == 1 {
                t.rules.min_countries = 6;
            }
            if i % 4 == 2 {
                t.rules.eligible_countries = vec!["DE".into(), "FR".into()];
            }
            t.allow_same_organisation = i % 5 == 0;
        }
        let mut heuristic_only = 0;
        for t in &ideas {
            let s = b.suggest_team(t);
            let holding = s.checks.iter().filter(|c| c.holds()).count() as u32;
            assert_valid(&b, &profiles, t, &s, &format!("idea {}", t.idea));
            // The local search alone (the search given no budget): valid, bounded, never better.
            let solver = solver_for(&b, t);
            let out = solver.solve(0);
            let ls = solver.evaluate(&out.picks);
            let mut units: Vec<usize> =
                out.picks.iter().enumerate().filter_map(|(ri, p)| p.map(|ci| solver.lists[ri][ci].unit)).collect();
            let n = units.len();
            units.sort_unstable();
            units.dedup();
            assert_eq!(units.len(), n, "idea {}: a unit twice", t.idea);
            assert!(ls.fit <= out.upper_bound + 1e-9);
            assert!(ls.rules < holding || (ls.rules == holding && ls.fit <= s.total + 1e-9));
            if out.method == Method::Heuristic && !out.exact {
                heuristic_only += 1;
            }
        }
        assert!(heuristic_only > 0, "the heuristic alone answered some ideas");
        // The branch and bound out of budget still answers validly and says it is not exact.
        let small: Vec<TeamSpec> =
            ideas.iter().map(|t| TeamSpec { open_roles: t.open_roles[..5].to_vec(), ..t.clone() }).collect();
        let mut inexact = 0;
        for t in &small {
            let solver = solver_for(&b, t);
            let out = solver.solve(3);
            if out.method == Method::BranchAndBound {
                inexact += usize::from(!out.exact);
                let best = solver.evaluate(&out.picks);
                let full = b.suggest_team(t);
                let holding = full.checks.iter().filter(|c| c.holds()).count() as u32;
                assert!(best.rules < holding || best.fit <= full.total + 1e-9);
            }
        }
        assert!(inexact > 0);
    }

    #[test]
    fn roles_for_skips_own_ideas_and_agrees_with_fits() {
        let profiles = generate_profiles(300, 8);
        let b = TeamBuilder::new(&profiles, &ScoringParams::default());
        let mut ideas = generate_ideas(&profiles, 40, (3, 6), 8);
        let me = profiles[17].id;
        ideas[0].members.push(me);
        let mine = ideas[0].idea;
        let all = b.roles_for(me, &ideas, usize::MAX);
        assert!(!all.is_empty());
        assert!(all.iter().all(|(idea, _, _)| *idea != mine), "own idea skipped");
        for w in all.windows(2) {
            assert!(w[0].2.score >= w[1].2.score);
        }
        for (idea, rid, fit) in &all {
            let t = ideas.iter().find(|t| t.idea == *idea).expect("idea");
            let f = b.fits(t, *rid, usize::MAX);
            assert_eq!(f.iter().find(|x| x.person == me), Some(fit));
        }
        // Every role that lists me is in my list (except my own idea).
        for t in ideas.iter().filter(|t| t.idea != mine) {
            for r in &t.open_roles {
                if b.fits(t, r.id, usize::MAX).iter().any(|f| f.person == me) {
                    assert!(all.iter().any(|(i, x, _)| *i == t.idea && *x == r.id));
                }
            }
        }
        assert_eq!(b.roles_for(me, &ideas, 3), all[..3.min(all.len())].to_vec());
        assert!(b.roles_for(-5, &ideas, 10).is_empty());
    }

    #[test]
    fn members_outside_the_pool_count_once_known() {
        let mut ps = filler(10);
        ps.extend([
            prof(2, "pharma", "P", "FR", &[], &[(21, &[7])]),
            prof(3, "biotech_sme", "S", "NL", &[], &[(31, &[8])]),
        ]);
        let outside = prof(1, "academia", "Uni", "DE", &[], &[]);
        let mut b = TeamBuilder::new(&ps, &ScoringParams::default());
        let t = team(&[1], vec![role(10, &[7], &[], &[]), role(11, &[8], &[], &[])]);
        let before = b.suggest_team(&t);
        assert!(!before.checks.iter().all(Check::holds), "the coordinator is unknown");
        b.add_known(std::slice::from_ref(&outside));
        let after = b.suggest_team(&t);
        assert!(after.checks.iter().all(Check::holds), "{:?}", after.checks);
        assert!(b.roles_for(1, &[], 5).is_empty());
        let t2 = team(&[2], vec![role(10, &[8], &[], &[])]);
        assert!(b.fits(&t2, 10, 10).iter().all(|f| f.person != 1), "known people are never suggested");
    }

    #[test]
    fn a_builder_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<TeamBuilder>();
    }

    #[test]
    fn hungarian_matches_brute_force() {
        let mut rng = Rng::new(4);
        for _ in 0..300 {
            let n = rng.range(1, 4) as usize;
            let m = rng.range(n as u64, 6) as usize;
            let cost: Vec<Vec<f64>> =
                (0..n).map(|_| (0..m).map(|_| rng.range(0, 20) as f64 - 10.0).collect()).collect();
            let a = hungarian(&cost);
            let mut seen = a.clone();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), n);
            let got: f64 = (0..n).map(|i| cost[i][a[i]]).sum();
            fn best(cost: &[Vec<f64>], i: usize, used: &mut Vec<bool>) -> f64 {
                if i == cost.len() {
                    return 0.0;
                }
                let mut b = f64::INFINITY;
                for j in 0..used.len() {
                    if !used[j] {
                        used[j] = true;
                        b = b.min(cost[i][j] + best(cost, i + 1, used));
                        used[j] = false;
                    }
                }
                b
            }
            assert_eq!(got, best(&cost, 0, &mut vec![false; m]));
        }
    }

    #[test]
    fn generated_ideas_have_the_promised_shape() {
        let profiles = generate_profiles(500, 2);
        let ideas = generate_ideas(&profiles, 60, (3, 6), 2);
        assert_eq!(ideas.len(), 60);
        let mut coordinators: Vec<i64> = ideas.iter().map(|t| t.members[0]).collect();
        coordinators.sort_unstable();
        coordinators.dedup();
        assert_eq!(coordinators.len(), 60);
        for t in &ideas {
            assert!((3..=6).contains(&t.open_roles.len()));
            assert!(t.members.iter().all(|m| profiles.iter().any(|p| p.id == *m)));
            assert!(t.open_roles.iter().all(|r| (1..=2).contains(&r.topics.len())));
        }
        assert!(ideas.iter().flat_map(|t| &t.open_roles).any(|r| !r.sectors.is_empty()));
        assert_eq!(ideas, generate_ideas(&profiles, 60, (3, 6), 2), "deterministic");
        assert!(profiles.iter().all(|p| p.country.len() == 2));
        let json = serde_json::to_string(&ideas[0]).expect("serialise");
        assert_eq!(serde_json::from_str::<TeamSpec>(&json).expect("parse"), ideas[0]);
    }
}
