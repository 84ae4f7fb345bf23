//! Suggestions with reasons in words, the participant directory and the per-event pool
//! snapshot both read.

use super::*;

// ---------- suggestions ----------

/// Everything the engine and the pages need about the matchmaking participants of an event.
pub struct Pool {
    pub people: Vec<Person>,
    pub profiles: Vec<engine::Profile>,
    pub topic_names: HashMap<i64, String>,
    /// DB topic id by engine topic id (the position in this list).
    pub topic_ids: Vec<i64>,
    pub opportunity_titles: HashMap<i64, String>,
    pub params: engine::ScoringParams,
    pub opportunities: OpportunitiesByUser,
    pub interests: HashMap<i64, Vec<i64>>,
    /// Every confirmed participant (the directory's source), matchmaking or not.
    pub everyone: Vec<Person>,
    /// The event's topics in their order, for the pages that show them.
    pub topics: Vec<Topic>,
    /// The countries somebody in the directory comes from (the directory's country filter).
    pub countries: std::collections::BTreeSet<String>,
    /// The engine's model and indexes over `profiles`, built once per snapshot.
    pub matcher: engine::Matcher,
}

impl Pool {
    pub fn person(&self, user_id: i64) -> Option<&Person> {
        self.people.iter().find(|p| p.user_id == user_id)
    }
    pub fn topic_name(&self, engine_topic: engine::TopicId) -> &str {
        self.topic_ids.get(engine_topic as usize).and_then(|id| self.topic_names.get(id)).map_or("", String::as_str)
    }
}

/// Loads the people who take part in matchmaking (confirmed, consented) with their profiles.
pub fn pool(c: &mut DbConn, event_id: i64, settings: &Settings) -> Result<Pool, AppError> {
    let everyone = people(c, event_id)?;
    let people: Vec<Person> = everyone.iter().filter(|p| p.matchmaking).cloned().collect();
    let topics = topics(c, event_id)?;
    let topic_ids: Vec<i64> = topics.iter().map(|t| t.id).collect();
    let engine_topic: HashMap<i64, engine::TopicId> =
        topic_ids.iter().enumerate().map(|(i, id)| (*id, i as engine::TopicId)).collect();
    let topic_names: HashMap<i64, String> = topics.iter().map(|t| (t.id, t.name.clone())).collect();
    let mut interests: HashMap<i64, Vec<i64>> = HashMap::new();
    let rows: Vec<(i64, i64)> =
        pi::table.filter(pi::event_id.eq(event_id)).select((pi::user_id, pi::topic_id)).load(c)?;
    for (u, tid) in rows {
        interests.entry(u).or_default().push(tid);
    }
    let opportunities = opportunities_of(c, event_id, &[])?;
    let mut opportunity_titles = HashMap::new();
    let profiles: Vec<engine::Profile> = people
        .iter()
        .map(|p| engine::Profile {
            id: p.user_id,
            sector: p.sector.clone(),
            organisation: p.organisation.clone(),
            country: p.country.clone(),
            interests: interests
                .get(&p.user_id)
                .map(|v| v.iter().filter_map(|t| engine_topic.get(t).copied()).collect())
                .unwrap_or_default(),
            opportunities: opportunities
                .get(&p.user_id)
                .map(|v| {
                    v.iter()
                        .map(|(o, ts)| {
                            opportunity_titles.insert(o.id, o.title.clone());
                            engine::Opportunity {
                                id: o.id,
                                kind: if o.is_offer() {
                                    engine::OpportunityKind::Offer
                                } else {
                                    engine::OpportunityKind::Seek
                                },
                                topics: ts.iter().filter_map(|t| engine_topic.get(t).copied()).collect(),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    let declined: Vec<(i64, i64)> = mr::table
        .filter(mr::event_id.eq(event_id).and(mr::status.eq("declined")))
        .select((mr::from_user, mr::to_user))
        .load(c)?;
    let params = engine::ScoringParams {
        cross_sector_bonus: settings.cross_sector_bonus,
        allow_same_organisation: settings.allow_same_organisation,
        excluded: declined,
    };
    let matcher = engine::Matcher::new(&profiles, &params);
    let countries =
        everyone.iter().filter(|p| p.directory && !p.country.is_empty()).map(|p| p.country.clone()).collect();
    Ok(Pool {
        people,
        profiles,
        topic_names,
        topic_ids,
        opportunity_titles,
        params,
        opportunities,
        interests,
        everyone,
        topics,
        countries,
        matcher,
    })
}

/// A suggestion as a person reads it.
#[derive(Debug, Clone)]
pub struct SuggestionView {
    pub person: Person,
    pub score: f64,
    pub reasons: Vec<String>,
}

impl SuggestionView {
    /// The score as people read it: "Strong match", "Good match", "Possible match".
    pub fn strength(&self) -> Strength {
        Strength::of(self.score)
    }
}

/// Puts the engine's reasons into words, from the viewer's side. Topics that link the same
/// two opportunities read as one sentence ("You seek A and B (…); they offer …").
pub fn reason_words(pool: &Pool, viewer: &Person, other: &Person, reasons: &[engine::Reason]) -> Vec<String> {
    let title = |id: &i64| pool.opportunity_titles.get(id).map_or("", String::as_str).to_string();
    let topic = |t: &engine::TopicId| pool.topic_name(*t).to_lowercase();
    // (kind, seek, offer) in order of first appearance, with their topics.
    let mut links: Vec<((u8, i64, i64), Vec<String>)> = Vec::new();
    let mut shared = Vec::new();
    let mut cross = false;
    for reason in reasons {
        let (key, t) = match reason {
            engine::Reason::YouSeekTheyOffer { topic: t, seek, offer } => ((0, *seek, *offer), t),
            engine::Reason::TheySeekYouOffer { topic: t, seek, offer } => ((1, *seek, *offer), t),
            engine::Reason::SharedInterest { topic: t } => {
                shared.push(topic(t));
                continue;
            }
            engine::Reason::CrossSector => {
                cross = true;
                continue;
            }
        };
        match links.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ts)) => ts.push(topic(t)),
            None => links.push((key, vec![topic(t)])),
        }
    }
    let mut out: Vec<String> = links
        .into_iter()
        .map(|((kind, seek, offer), ts)| {
            let (who, whom) = if kind == 0 { ("You seek", "they offer") } else { ("They seek", "you offer") };
            format!(
                "{who} {} (\u{201c}{}\u{201d}); {whom} \u{201c}{}\u{201d}.",
                and_list(&ts),
                title(&seek),
                title(&offer)
            )
        })
        .collect();
    if !shared.is_empty() {
        out.push(format!("You are both interested in {}.", and_list(&shared)));
    }
    if cross {
        out.push(format!(
            "Cross-sector partnership: {} meets {}.",
            nonempty(viewer.sector_label(), "your sector").to_lowercase(),
            nonempty(other.sector_label(), "another sector").to_lowercase()
        ));
    }
    out
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

pub(super) fn nonempty<'a>(s: &'a str, or: &'a str) -> &'a str {
    if s.is_empty() {
        or
    } else {
        s
    }
}

/// How well and why `viewer` and `other` match, in words (None when they do not).
pub fn reasons_for(pool: &Pool, viewer: i64, other: i64) -> Option<(Strength, Vec<String>)> {
    let (me, them) = (pool.person(viewer)?, pool.person(other)?);
    let s = pool.matcher.explain(viewer, other)?;
    let words = reason_words(pool, me, them, &s.reasons);
    (!words.is_empty()).then(|| (Strength::of(s.score), words))
}

pub fn suggestions_for(pool: &Pool, viewer: i64, limit: usize) -> Vec<SuggestionView> {
    let Some(me) = pool.person(viewer) else { return Vec::new() };
    pool.matcher
        .suggest_for(viewer, limit)
        .into_iter()
        .filter_map(|s| {
            let other = pool.person(s.other)?.clone();
            // The strongest few sentences: a wall of them reads as noise.
            let mut reasons = reason_words(pool, me, &other, &s.reasons);
            reasons.truncate(4);
            Some(SuggestionView { person: other, score: s.score, reasons })
        })
        .collect()
}

// ---------- directory ----------

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DirectoryQuery {
    pub q: String,
    pub sector: String,
    pub country: String,
    pub topic: String,
    pub kind: String,
    pub page: String,
}

impl DirectoryQuery {
    /// The filters as a query string (without the page), for the pager's links.
    pub fn filters(&self) -> String {
        serde_urlencoded::to_string([
            ("q", self.q.as_str()),
            ("sector", self.sector.as_str()),
            ("country", self.country.as_str()),
            ("topic", self.topic.as_str()),
            ("kind", self.kind.as_str()),
        ])
        .unwrap_or_default()
    }
}

pub struct DirectoryEntry {
    pub person: Person,
    pub opportunities: Vec<(Opportunity, Vec<i64>)>,
    pub interests: Vec<i64>,
}

/// The people who agreed to appear in the directory, filtered (from a snapshot: no queries),
/// as positions in `pool.everyone`; `entries` makes the page's entries from them.
pub fn directory(pool: &Pool, q: &DirectoryQuery, viewer: i64) -> Vec<usize> {
    let needle = q.q.trim().to_lowercase();
    let topic: Option<i64> = q.topic.trim().parse().ok();
    let kind = match q.kind.as_str() {
        "offer" | "request" => Some(q.kind.as_str()),
        _ => None,
    };
    let none_opps = Vec::new();
    let none_ints = Vec::new();
    let mut out = Vec::new();
    // The viewer is not among the people they look for.
    for (i, p) in pool.everyone.iter().enumerate().filter(|(_, p)| p.directory && p.user_id != viewer) {
        if (!q.sector.is_empty() && p.sector != q.sector) || (!q.country.is_empty() && p.country != q.country) {
            continue;
        }
        let opps = pool.opportunities.get(&p.user_id).unwrap_or(&none_opps);
        let ints = pool.interests.get(&p.user_id).unwrap_or(&none_ints);
        if let Some(k) = kind {
            if !opps.iter().any(|(o, ts)| o.kind == k && topic.is_none_or(|t| ts.contains(&t))) {
                continue;
            }
        } else if let Some(tid) = topic {
            if !ints.contains(&tid) && !opps.iter().any(|(_, ts)| ts.contains(&tid)) {
                continue;
            }
        }
        if !needle.is_empty() {
            let mut hay = format!("{} {} {} {}", p.name, p.organisation, p.job_title, p.bio);
            for (o, _) in opps {
                hay.push(' ');
                hay.push_str(&o.title);
                hay.push(' ');
                hay.push_str(&o.description);
            }
            if !hay.to_lowercase().contains(&needle) {
                continue;
            }
        }
        out.push(i);
    }
    out
}

pub fn entries(pool: &Pool, positions: &[usize]) -> Vec<DirectoryEntry> {
    positions
        .iter()
        .filter_map(|&i| pool.everyone.get(i))
        .map(|p| DirectoryEntry {
            person: p.clone(),
            opportunities: pool.opportunities.get(&p.user_id).cloned().unwrap_or_default(),
            interests: pool.interests.get(&p.user_id).cloned().unwrap_or_default(),
        })
        .collect()
}

/// What a snapshot of an event's matchmaking data was built from: when any of it changes, the
/// snapshot is rebuilt (on this server or any other sharing the database).
fn fingerprint(c: &mut DbConn, event_id: i64) -> Result<String, AppError> {
    use diesel::dsl::{count_star, max};
    let regs: (i64, Option<NaiveDateTime>) =
        r::table.filter(r::event_id.eq(event_id)).select((count_star(), max(r::updated_at))).first(c)?;
    let profiles: (i64, Option<NaiveDateTime>) =
        mp::table.filter(mp::event_id.eq(event_id)).select((count_star(), max(mp::updated_at))).first(c)?;
    let opps: (i64, Option<NaiveDateTime>) =
        op::table.filter(op::event_id.eq(event_id)).select((count_star(), max(op::updated_at))).first(c)?;
    // Topics are few; all of them, so that renaming or reordering one shows too.
    let topics = topics(c, event_id)?;
    let declined: i64 =
        mr::table.filter(mr::event_id.eq(event_id).and(mr::status.eq("declined"))).count().get_result(c)?;
    let settings: Option<NaiveDateTime> = ms::table.find(event_id).select(ms::updated_at).first(c).optional()?;
    Ok(format!("{regs:?}{profiles:?}{opps:?}{topics:?}{declined}{settings:?}"))
}

/// Snapshots of events' matchmaking data, shared by the requests of one server. A snapshot
/// also expires after a minute, so that changes the fingerprint cannot see (a participant
/// editing their organisation) show up by then.
pub struct PoolCache(crate::web::cache::Snapshots<Pool>);

impl Default for PoolCache {
    fn default() -> Self {
        // Rechecked after the same two seconds as the page cache.
        PoolCache(crate::web::cache::Snapshots::new(
            std::time::Duration::from_secs(2),
            std::time::Duration::from_secs(60),
        ))
    }
}

impl PoolCache {
    /// The event's snapshot if it is known to be current without asking the database.
    pub fn current(&self, event_id: i64, generation: u64) -> Option<std::sync::Arc<Pool>> {
        self.0.current(event_id, generation)
    }

    /// The current snapshot of the event; `generation` is this server's page-cache generation
    /// (it moves on every write handled here).
    pub fn get(&self, c: &mut DbConn, event_id: i64, generation: u64) -> Result<std::sync::Arc<Pool>, AppError> {
        // Both steps use the one connection, one after the other.
        let c = std::cell::RefCell::new(c);
        self.0.get(
            event_id,
            generation,
            || fingerprint(&mut c.borrow_mut(), event_id),
            || {
                let mut c = c.borrow_mut();
                let settings = settings(&mut c, event_id)?;
                pool(&mut c, event_id, &settings)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(and_list(&v(&["a"])), "a");
        assert_eq!(and_list(&v(&["a", "b"])), "a and b");
        assert_eq!(and_list(&v(&["a", "b", "c"])), "a, b and c");
    }
}
