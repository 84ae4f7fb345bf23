//! Deterministic generators: realistic brokerage events and small random instances (tests).

use super::candidates::scored_pairs;
use super::interchange::{GroupIn, Instance, LockedGroup, LockedMeeting, PairIn, Participant, Room};
use super::scoring::{Opportunity, OpportunityKind, Profile, ScoredPair, ScoringParams};

/// SplitMix64 PRNG.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    /// Index drawn from cumulative weights.
    pub fn pick(&mut self, cum: &[f64]) -> usize {
        let x = self.f64() * cum[cum.len() - 1];
        cum.partition_point(|&c| c <= x).min(cum.len() - 1)
    }
}

fn cumulative(w: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x;
            acc
        })
        .collect()
}

pub const NUM_TOPICS: u32 = 50;

/// (sector, share, probability that an opportunity is an offer)
const SECTORS: [(&str, f64, f64); 7] = [
    ("pharma", 0.20, 0.35),
    ("biotech_sme", 0.22, 0.55),
    ("academia", 0.30, 0.70),
    ("hospital", 0.12, 0.55),
    ("patient_org", 0.06, 0.40),
    ("regulator", 0.04, 0.60),
    ("funder", 0.06, 0.75),
];

/// (country, share) of the organisations: mostly EU member states, some associated countries
/// and a few from elsewhere (whose entities do not count under the default eligibility rules).
const COUNTRIES: [(&str, f64); 20] = [
    ("DE", 0.16),
    ("FR", 0.12),
    ("NL", 0.08),
    ("IT", 0.08),
    ("ES", 0.07),
    ("BE", 0.06),
    ("SE", 0.05),
    ("DK", 0.04),
    ("AT", 0.03),
    ("PL", 0.03),
    ("FI", 0.02),
    ("IE", 0.02),
    ("PT", 0.02),
    ("CZ", 0.02),
    ("CH", 0.06),
    ("GB", 0.06),
    ("NO", 0.02),
    ("IL", 0.02),
    ("US", 0.03),
    ("JP", 0.01),
];

/// The country of an organisation, drawn from [`COUNTRIES`] by a hash of its name, so people of
/// one organisation share it and the main random stream (topics, sectors) is left as it was.
fn organisation_country(org: &str) -> &'static str {
    let h = org.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let cum = cumulative(&COUNTRIES.map(|c| c.1));
    COUNTRIES[Rng::new(h).pick(&cum)].0
}

/// Realistic profiles: sector mix, Zipf-like topics over 50 topics, 2–4 interests,
/// 1–3 opportunities (1–2 topics each), organisations shared by a few people, each
/// organisation in one country.
pub fn generate_profiles(n: usize, seed: u64) -> Vec<Profile> {
    let mut rng = Rng::new(seed);
    let sector_cum = cumulative(&SECTORS.map(|s| s.1));
    let zipf: Vec<f64> = (1..=NUM_TOPICS).map(|r| 1.0 / (r as f64).powf(1.0)).collect();
    // Shuffle which topic id is popular so that ids are not ordered by popularity.
    let mut perm: Vec<u32> = (0..NUM_TOPICS).collect();
    for i in (1..perm.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        perm.swap(i, j);
    }
    let topic_cum = cumulative(&zipf);
    let orgs_per_sector = (n / 6).max(1) as u64;
    let mut opp_id = 1i64;
    (0..n)
        .map(|i| {
            let sec = rng.pick(&sector_cum);
            let (sector, _, offer_p) = SECTORS[sec];
            let org = format!("{sector}-org-{}", rng.range(0, orgs_per_sector));
            let draw_topics = |k: usize, rng: &mut Rng| {
                let mut v: Vec<u32> = Vec::new();
                let mut guard = 0;
                while v.len() < k && guard < 100 {
                    guard += 1;
                    let t = perm[rng.pick(&topic_cum)];
                    if !v.contains(&t) {
                        v.push(t);
                    }
                }
                v
            };
            let ni = rng.range(2, 4) as usize;
            let interests = draw_topics(ni, &mut rng);
            let no = rng.range(1, 3) as usize;
            let mut opportunities = Vec::with_capacity(no);
            for _ in 0..no {
                let kind = if rng.chance(offer_p) { OpportunityKind::Offer } else { OpportunityKind::Seek };
                let nt = rng.range(1, 2) as usize;
                opportunities.push(Opportunity { id: opp_id, kind, topics: draw_topics(nt, &mut rng) });
                opp_id += 1;
            }
            let country = organisation_country(&org).to_string();
            Profile {
                id: i as i64 + 1,
                sector: sector.to_string(),
                organisation: org,
                country,
                interests,
                opportunities,
            }
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// tables_per_slot = participants / 10
    ScarceTables,
    /// tables_per_slot = participants / 2
    ScarceTime,
}

impl std::str::FromStr for Regime {
    type Err = String;
    fn from_str(s: &str) -> Result<Regime, String> {
        match s {
            "scarce-tables" | "scarce_tables" => Ok(Regime::ScarceTables),
            "scarce-time" | "scarce_time" => Ok(Regime::ScarceTime),
            _ => Err(format!("unknown regime {s:?} (scarce-tables | scarce-time)")),
        }
    }
}

pub const EVENT_SLOTS: u32 = 12;
pub const SUGGESTIONS_PER_PERSON: usize = 15;

/// Builds the scheduling instance of an event from profiles and their scored pairs:
/// 12 slots, 20 % of slots unavailable per person, caps uniform in [slots/3, slots], 5 % of
/// pairs requested, fairness bonus = mean pair weight.
pub fn instance_from_pairs(profiles: &[Profile], pairs: &[ScoredPair], regime: Regime, seed: u64) -> Instance {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let n = profiles.len();
    let slots = EVENT_SLOTS;
    let participants = profiles
        .iter()
        .map(|p| Participant {
            id: format!("p{}", p.id),
            max_meetings: rng.range(slots as u64 / 3, slots as u64) as u32,
            available_slots: (0..slots).filter(|_| !rng.chance(0.2)).collect(),
        })
        .collect();
    let mean = if pairs.is_empty() { 1.0 } else { pairs.iter().map(|p| p.score).sum::<f64>() / pairs.len() as f64 };
    let pairs = pairs
        .iter()
        .map(|p| PairIn {
            a: format!("p{}", p.a),
            b: format!("p{}", p.b),
            weight: p.score,
            requested: rng.chance(0.05),
        })
        .collect();
    let tables = match regime {
        Regime::ScarceTables => n / 10,
        Regime::ScarceTime => n / 2,
    }
    .max(1) as u32;
    Instance {
        slots,
        tables_per_slot: tables,
        fairness_bonus: mean,
        participants,
        pairs,
        locked: Vec::new(),
        rooms: Vec::new(),
        groups: Vec::new(),
        locked_groups: Vec::new(),
    }
}

/// A realistic event instance with `n` participants.
pub fn generate_instance(n: usize, regime: Regime, seed: u64) -> Instance {
    let profiles = generate_profiles(n, seed);
    let pairs = scored_pairs(&profiles, &ScoringParams::default(), SUGGESTIONS_PER_PERSON);
    instance_from_pairs(&profiles, &pairs, regime, seed)
}

/// Small random instance of varied shape (tests): few people, tiny tables, sparse availability,
/// caps 0..=slots, random requested flags and a few consistent locked meetings.
pub fn random_instance(seed: u64, max_people: usize) -> Instance {
    let mut rng = Rng::new(seed);
    let n = rng.range(1, max_people.max(1) as u64) as usize;
    let slots = rng.range(1, 5) as u32;
    let tables = rng.range(1, 4) as u32;
    let avail_p = [0.0, 0.3, 0.6, 0.9, 1.0][rng.range(0, 4) as usize];
    let participants: Vec<Participant> = (0..n)
        .map(|i| Participant {
            id: format!("u{i}"),
            max_meetings: rng.range(0, slots as u64 + 1) as u32,
            available_slots: (0..slots).filter(|_| rng.chance(avail_p)).collect(),
        })
        .collect();
    let density = rng.f64();
    let req_p = [0.0, 0.2, 0.5, 1.0][rng.range(0, 3) as usize];
    let mut pairs = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            if rng.chance(density) {
                pairs.push(PairIn {
                    a: participants[a].id.clone(),
                    b: participants[b].id.clone(),
                    weight: (rng.range(0, 40) as f64) / 4.0,
                    requested: rng.chance(req_p),
                });
            }
        }
    }
    // Locked meetings, kept consistent (distinct people per slot, tables, caps).
    let mut locked = Vec::new();
    if rng.chance(0.4) && !pairs.is_empty() {
        let want = rng.range(1, 3);
        let mut used_ps = std::collections::HashSet::new();
        let mut used_ts = std::collections::HashSet::new();
        let mut deg = vec![0u32; n];
        let idx = |id: &str| participants.iter().position(|p| p.id == id).expect("known id");
        for _ in 0..want * 3 {
            if locked.len() as u64 >= want {
                break;
            }
            let pr = &pairs[rng.range(0, pairs.len() as u64 - 1) as usize];
            let (a, b) = (idx(&pr.a), idx(&pr.b));
            let slot = rng.range(0, slots as u64 - 1) as u32;
            let table = rng.range(1, tables as u64) as u32;
            if used_ps.contains(&(a, slot))
                || used_ps.contains(&(b, slot))
                || used_ts.contains(&(slot, table))
                || deg[a] >= participants[a].max_meetings
                || deg[b] >= participants[b].max_meetings
                || locked.iter().any(|l: &LockedMeeting| l.a == pr.a && l.b == pr.b)
            {
                continue;
            }
            used_ps.insert((a, slot));
            used_ps.insert((b, slot));
            used_ts.insert((slot, table));
            deg[a] += 1;
            deg[b] += 1;
            locked.push(LockedMeeting { a: pr.a.clone(), b: pr.b.clone(), slot, table });
        }
    }
    Instance {
        slots,
        tables_per_slot: tables,
        fairness_bonus: [0.0, 1.0, 3.0][rng.range(0, 2) as usize],
        participants,
        pairs,
        locked,
        rooms: Vec::new(),
        groups: Vec::new(),
        locked_groups: Vec::new(),
    }
}

/// A small random instance (as [`random_instance`]) with 1–3 rooms of capacity 2–5, up to four
/// group meetings of 2..=largest room members, and sometimes a locked group meeting (tests).
pub fn random_group_instance(seed: u64, max_people: usize) -> Instance {
    let mut inst = random_instance(seed, max_people);
    let mut rng = Rng::new(seed ^ 0xA5A5_0F0F);
    let n = inst.participants.len();
    let nrooms = rng.range(1, 3);
    inst.rooms = (0..nrooms).map(|r| Room { id: format!("r{r}"), capacity: rng.range(2, 5) as u32 }).collect();
    let largest = inst.rooms.iter().map(|r| r.capacity as usize).max().unwrap_or(2);
    if n < 2 {
        return inst;
    }
    for g in 0..rng.range(0, 4) {
        let size = rng.range(2, largest.min(n) as u64) as usize;
        let mut ids: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            ids.swap(i, rng.range(0, i as u64) as usize);
        }
        inst.groups.push(GroupIn {
            id: format!("g{g}"),
            members: ids[..size].iter().map(|&i| inst.participants[i].id.clone()).collect(),
            weight: rng.range(0, 20) as f64 / 4.0,
        });
    }
    if !inst.groups.is_empty() && rng.chance(0.3) {
        let g = rng.range(0, inst.groups.len() as u64 - 1) as usize;
        let slot = rng.range(0, inst.slots as u64 - 1) as u32;
        let room = rng.range(0, inst.rooms.len() as u64 - 1) as usize;
        let members = &inst.groups[g].members;
        let clash = inst.locked.iter().any(|l| l.slot == slot && (members.contains(&l.a) || members.contains(&l.b)));
        let over = members.iter().any(|m| {
            let locked = inst.locked.iter().filter(|l| &l.a == m || &l.b == m).count() as u32;
            let p = inst.participants.iter().find(|p| &p.id == m).expect("member");
            locked + 1 > p.max_meetings
        });
        if !clash && !over && inst.rooms[room].capacity as usize >= members.len() {
            inst.locked_groups.push(LockedGroup {
                group: inst.groups[g].id.clone(),
                slot,
                room: inst.rooms[room].id.clone(),
            });
        }
    }
    inst
}

/// Adds `rooms` meeting rooms (capacity uniform in 4..=10) and `groups` group meetings to a
/// generated event: each group has 3–8 members (at most the largest room), drawn from the
/// people who mention one topic (interest, offer or seek) of a random person, so that members
/// share a topic; its weight is the mean pair weight (one meeting's worth).
pub fn add_groups(inst: &mut Instance, profiles: &[Profile], groups: usize, rooms: usize, seed: u64) {
    let mut rng = Rng::new(seed.wrapping_mul(77).wrapping_add(13));
    inst.rooms = (0..rooms).map(|r| Room { id: format!("room{}", r + 1), capacity: rng.range(4, 10) as u32 }).collect();
    let largest = inst.rooms.iter().map(|r| r.capacity).max().unwrap_or(0) as u64;
    if largest < 3 || profiles.len() < 3 {
        return;
    }
    let topics_of = |p: &Profile| -> Vec<u32> {
        let mut t: Vec<u32> = p.interests.clone();
        for o in &p.opportunities {
            t.extend(&o.topics);
        }
        t.sort_unstable();
        t.dedup();
        t
    };
    let mut by_topic: Vec<Vec<usize>> = vec![Vec::new(); NUM_TOPICS as usize];
    for (i, p) in profiles.iter().enumerate() {
        for t in topics_of(p) {
            if let Some(list) = by_topic.get_mut(t as usize) {
                list.push(i);
            }
        }
    }
    let mean = if inst.pairs.is_empty() {
        1.0
    } else {
        inst.pairs.iter().map(|p| p.weight).sum::<f64>() / inst.pairs.len() as f64
    };
    for g in 0..groups {
        let size = rng.range(3, 8.min(largest).min(profiles.len() as u64)) as usize;
        let lead = rng.range(0, profiles.len() as u64 - 1) as usize;
        let ts = topics_of(&profiles[lead]);
        let pool: &[usize] =
            if ts.is_empty() { &[] } else { &by_topic[ts[rng.range(0, ts.len() as u64 - 1) as usize] as usize] };
        let mut members = vec![lead];
        let mut guard = 0;
        while members.len() < size && guard < 200 {
            guard += 1;
            let x = if pool.len() > size && guard < 100 {
                pool[rng.range(0, pool.len() as u64 - 1) as usize]
            } else {
                rng.range(0, profiles.len() as u64 - 1) as usize
            };
            if !members.contains(&x) {
                members.push(x);
            }
        }
        inst.groups.push(GroupIn {
            id: format!("group{}", g + 1),
            members: members.iter().map(|&i| format!("p{}", profiles[i].id)).collect(),
            weight: mean,
        });
    }
}

/// A realistic event instance with `n` participants, `n / 10` group meetings and `n / 100`
/// rooms (at least one of each).
pub fn generate_instance_with_groups(n: usize, regime: Regime, seed: u64) -> Instance {
    let profiles = generate_profiles(n, seed);
    let pairs = scored_pairs(&profiles, &ScoringParams::default(), SUGGESTIONS_PER_PERSON);
    let mut inst = instance_from_pairs(&profiles, &pairs, regime, seed);
    add_groups(&mut inst, &profiles, (n / 10).max(1), (n / 100).max(1), seed);
    inst
}
