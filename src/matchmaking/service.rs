//! Matchmaking storage and rules: settings, taxonomy, profiles, slots, suggestions, the
//! directory, meeting requests, placing meetings and running the scheduler. Every change to
//! meetings first takes the event's schedule lock (an UPDATE of its settings row as the
//! transaction's first statement), so two placements never race on one slot or table, on
//! one server or several; unique indexes on seats and tables are the last line of defence.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use super::{engine, published};
use crate::db::schema::{
    agenda_sessions as ags, match_profiles as mp, match_settings as ms, meeting_requests as mr, meeting_seats as seats,
    meeting_slots as sl, meetings as m, opportunities as op, opportunity_topics as ot, profile_interests as pi,
    published_meetings as pm, registrations as r, session_signups as su, topics as t, unavailability as un, users,
};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::events::model::Event;
use crate::web::FormErrors;

/// Most slots an event may have (the engine keeps availability in a 64-bit mask).
pub const MAX_SLOTS: usize = 64;
/// How many suggestions each person's candidate list holds for the scheduler.
const PAIRS_PER_PERSON: usize = 20;

// ---------- settings ----------

pub fn settings(c: &mut DbConn, event_id: i64) -> Result<Settings, AppError> {
    Ok(ms::table
        .find(event_id)
        .select(Settings::as_select())
        .first(c)
        .optional()?
        .unwrap_or(Settings::defaults(event_id)))
}

/// Takes the event's schedule lock (creating the settings row on first use) and returns the
/// settings. Must be the first statement of its transaction (see events::registration::lock_event).
pub fn lock_schedule(c: &mut DbConn, event_id: i64) -> Result<Settings, AppError> {
    let n =
        diesel::update(ms::table.find(event_id)).set(ms::schedule_version.eq(ms::schedule_version + 1)).execute(c)?;
    if n == 0 {
        diesel::insert_into(ms::table).values((ms::event_id.eq(event_id), ms::updated_at.eq(now()))).execute(c)?;
    }
    Ok(ms::table.find(event_id).select(Settings::as_select()).first(c)?)
}

pub fn save_settings(c: &mut DbConn, event_id: i64, actor: i64, s: &SettingsInput) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event_id)?;
        diesel::update(ms::table.find(event_id))
            .set((
                ms::enabled.eq(s.enabled),
                ms::meeting_minutes.eq(s.meeting_minutes),
                ms::tables_count.eq(s.tables_count),
                ms::max_meetings.eq(s.max_meetings),
                ms::cross_sector_bonus.eq(s.cross_sector_bonus),
                ms::allow_same_organisation.eq(s.allow_same_organisation),
                ms::request_ttl_hours.eq(s.request_ttl_hours),
                ms::booking_opens_at.eq(s.booking_opens_at),
                ms::booking_closes_at.eq(s.booking_closes_at),
                ms::allow_suggested.eq(s.allow_suggested),
                ms::updated_at.eq(now()),
            ))
            .execute(c)?;
        ensure_topics(c, event_id)?;
        let detail = format!(
            "{}; {} min meetings, {} tables, at most {} per person",
            if s.enabled { "open" } else { "closed" },
            s.meeting_minutes,
            s.tables_count,
            s.max_meetings
        );
        crate::audit::record_event(c, Some(actor), event_id, "matchmaking.settings", &detail)?;
        Ok(())
    })
}

// ---------- taxonomy ----------

/// Gives an event the default taxonomy when it has no topics yet.
pub fn ensure_topics(c: &mut DbConn, event_id: i64) -> Result<(), AppError> {
    let n: i64 = t::table.filter(t::event_id.eq(event_id)).count().get_result(c)?;
    if n > 0 {
        return Ok(());
    }
    let mut pos = 0;
    for (category, names) in DEFAULT_TOPICS {
        for name in *names {
            pos += 1;
            diesel::insert_into(t::table)
                .values((t::event_id.eq(event_id), t::name.eq(*name), t::category.eq(*category), t::position.eq(pos)))
                .execute(c)?;
        }
    }
    Ok(())
}

pub fn topics(c: &mut DbConn, event_id: i64) -> Result<Vec<Topic>, AppError> {
    Ok(t::table.filter(t::event_id.eq(event_id)).order((t::position, t::id)).select(Topic::as_select()).load(c)?)
}

fn topic_taken(c: &mut DbConn, event_id: i64, name: &str, except: Option<i64>) -> Result<bool, AppError> {
    let names: Vec<(i64, String)> = t::table.filter(t::event_id.eq(event_id)).select((t::id, t::name)).load(c)?;
    Ok(names.iter().any(|(id, n)| Some(*id) != except && n.to_lowercase() == name.to_lowercase()))
}

pub fn add_topic(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    name: &str,
    category: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let mut e = FormErrors::default();
    let name = &check_topic_name(&mut e, "name", name);
    let cat = topic_category(category);
    if cat.is_none() {
        e.add("category", "Choose whether this is a therapeutic area or a capability.");
    }
    if e.is_empty() && topic_taken(c, event_id, name, None)? {
        e.add("name", "This event already has a topic of that name.");
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    crate::db::write_transaction(c, |c| {
        let pos: Option<i32> =
            t::table.filter(t::event_id.eq(event_id)).select(diesel::dsl::max(t::position)).first(c)?;
        diesel::insert_into(t::table)
            .values((
                t::event_id.eq(event_id),
                t::name.eq(name),
                t::category.eq(cat.unwrap_or("area")),
                t::position.eq(pos.unwrap_or(0) + 1),
            ))
            .execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "matchmaking.topic_added", name)?;
        Ok(Ok(()))
    })
}

pub fn rename_topic(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    topic_id: i64,
    name: &str,
) -> Result<Result<(), FormErrors>, AppError> {
    let mut e = FormErrors::default();
    let name = &check_topic_name(&mut e, "name", name);
    if e.is_empty() && topic_taken(c, event_id, name, Some(topic_id))? {
        e.add("name", "This event already has a topic of that name.");
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    let n = diesel::update(t::table.filter(t::id.eq(topic_id).and(t::event_id.eq(event_id))))
        .set(t::name.eq(name))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    crate::audit::record_event(c, Some(actor), event_id, "matchmaking.topic_renamed", name)?;
    Ok(Ok(()))
}

pub fn delete_topic(c: &mut DbConn, event_id: i64, actor: i64, topic_id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let name: String = t::table
            .filter(t::id.eq(topic_id).and(t::event_id.eq(event_id)))
            .select(t::name)
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound)?;
        diesel::delete(pi::table.filter(pi::topic_id.eq(topic_id))).execute(c)?;
        diesel::delete(ot::table.filter(ot::topic_id.eq(topic_id))).execute(c)?;
        diesel::delete(t::table.find(topic_id)).execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "matchmaking.topic_deleted", &name)?;
        Ok(())
    })
}

// ---------- slots ----------

pub fn slots(c: &mut DbConn, event_id: i64) -> Result<Vec<Slot>, AppError> {
    Ok(sl::table.filter(sl::event_id.eq(event_id)).order(sl::starts_at).select(Slot::as_select()).load(c)?)
}

/// Adds the slots of a window; slots overlapping existing ones are skipped. Returns how many
/// were added, or a message when the event would exceed [`MAX_SLOTS`].
pub fn add_window(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    start: NaiveDateTime,
    end: NaiveDateTime,
    minutes: i32,
) -> Result<Result<usize, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event_id)?;
        let existing = slots(c, event_id)?;
        let new: Vec<_> = slots_in_window(start, end, minutes)
            .into_iter()
            .filter(|(s, e)| !existing.iter().any(|x| x.starts_at < *e && *s < x.ends_at))
            .collect();
        if new.is_empty() {
            return Ok(Err(format!(
                "No new slot fits: the window is shorter than one {minutes}-minute meeting or overlaps existing slots."
            )));
        }
        if existing.len() + new.len() > MAX_SLOTS {
            return Ok(Err(format!(
                "An event can have at most {MAX_SLOTS} meeting slots; this window would make {}.",
                existing.len() + new.len()
            )));
        }
        for (s, e) in &new {
            diesel::insert_into(sl::table)
                .values((sl::event_id.eq(event_id), sl::starts_at.eq(s), sl::ends_at.eq(e)))
                .execute(c)?;
        }
        crate::audit::record_event(
            c,
            Some(actor),
            event_id,
            "matchmaking.slots_added",
            &format!("{} slots", new.len()),
        )?;
        Ok(Ok(new.len()))
    })
}

/// Deletes a slot and the draft meetings in it. A slot that holds published meetings is
/// refused: participants hold those, so the organisers move or cancel them and publish first.
pub fn delete_slot(c: &mut DbConn, event: &Event, actor: i64, slot_id: i64) -> Result<Result<(), String>, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let slot = find_slot(c, event.id, slot_id)?.ok_or(AppError::NotFound)?;
        let held = published::meetings_in_slot(c, slot.id)?;
        if held > 0 {
            return Ok(Err(format!(
                "{held} published meeting{} take{} place in this slot. Move or cancel {} in the meeting grid and publish the schedule first; then delete the slot.",
                if held == 1 { "" } else { "s" },
                if held == 1 { "s" } else { "" },
                if held == 1 { "it" } else { "them" },
            )));
        }
        let ids: Vec<i64> = m::table.filter(m::slot_id.eq(slot.id)).select(m::id).load(c)?;
        diesel::delete(seats::table.filter(seats::meeting_id.eq_any(&ids))).execute(c)?;
        diesel::delete(m::table.filter(m::id.eq_any(&ids))).execute(c)?;
        diesel::delete(sl::table.find(slot.id)).execute(c)?;
        let when = event.local_datetime_label(slot.starts_at);
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.slot_deleted", &when)?;
        Ok(Ok(()))
    })
}

fn find_slot(c: &mut DbConn, event_id: i64, slot_id: i64) -> Result<Option<Slot>, AppError> {
    Ok(sl::table
        .filter(sl::id.eq(slot_id).and(sl::event_id.eq(event_id)))
        .select(Slot::as_select())
        .first(c)
        .optional()?)
}

// ---------- participants and profiles ----------

/// A confirmed participant of the event, as others may see them (never their e-mail).
#[derive(Debug, Clone)]
pub struct Person {
    pub user_id: i64,
    pub name: String,
    pub organisation: String,
    pub sector: String,
    pub country: String,
    pub job_title: String,
    pub bio: String,
    pub directory: bool,
    pub matchmaking: bool,
}

impl Person {
    /// Someone whose account is gone: named as others' copies name them.
    pub fn former(user_id: i64) -> Person {
        Person {
            user_id,
            name: "A former participant".into(),
            organisation: String::new(),
            sector: String::new(),
            country: String::new(),
            job_title: String::new(),
            bio: String::new(),
            directory: false,
            matchmaking: false,
        }
    }
    pub fn sector_label(&self) -> &'static str {
        crate::accounts::model::sector_label(&self.sector)
    }
    pub fn country_name(&self) -> &'static str {
        crate::accounts::model::country_name(&self.country)
    }
}

type PersonRow = (i64, String, String, String, String, String, String, bool, bool);

fn person(row: PersonRow) -> Person {
    let (user_id, name, organisation, sector, country, job_title, bio, directory, matchmaking) = row;
    Person { user_id, name, organisation, sector, country, job_title, bio, directory, matchmaking }
}

/// Every confirmed participant of the event, by name.
pub fn people(c: &mut DbConn, event_id: i64) -> Result<Vec<Person>, AppError> {
    confirmed(c, event_id, None)
}

pub fn find_person(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Option<Person>, AppError> {
    Ok(confirmed(c, event_id, Some(user_id))?.pop())
}

/// The event's confirmed participants (or just `only`), by name.
fn confirmed(c: &mut DbConn, event_id: i64, only: Option<i64>) -> Result<Vec<Person>, AppError> {
    let mut q =
        r::table.inner_join(users::table).filter(r::event_id.eq(event_id).and(r::status.eq("confirmed"))).into_boxed();
    if let Some(u) = only {
        q = q.filter(r::user_id.eq(u));
    }
    let rows: Vec<PersonRow> = q
        .order((users::name, users::id))
        .select((
            users::id,
            users::name,
            users::organisation,
            users::sector,
            users::country,
            users::job_title,
            users::bio,
            r::directory_consent,
            r::matchmaking_consent,
        ))
        .load(c)?;
    Ok(rows.into_iter().map(person).collect())
}

/// A person's matchmaking profile for one event.
#[derive(Debug, Clone, Default)]
pub struct ProfileData {
    pub max_meetings: Option<i32>,
    pub meet_during_sessions: bool,
    pub interests: Vec<i64>,
    pub opportunities: Vec<(Opportunity, Vec<i64>)>,
    pub unavailable: Vec<i64>,
}

pub fn profile(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<ProfileData, AppError> {
    let row: Option<(Option<i32>, bool)> =
        mp::table.find((event_id, user_id)).select((mp::max_meetings, mp::meet_during_sessions)).first(c).optional()?;
    let (max_meetings, meet_during_sessions) = row.unwrap_or_default();
    let interests =
        pi::table.filter(pi::event_id.eq(event_id).and(pi::user_id.eq(user_id))).select(pi::topic_id).load(c)?;
    let unavailable = un::table
        .inner_join(sl::table)
        .filter(sl::event_id.eq(event_id).and(un::user_id.eq(user_id)))
        .select(un::slot_id)
        .load(c)?;
    let opportunities = opportunities_of(c, event_id, &[user_id])?.remove(&user_id).unwrap_or_default();
    Ok(ProfileData { max_meetings, meet_during_sessions, interests, opportunities, unavailable })
}

/// Each person's opportunities with their topic ids.
pub type OpportunitiesByUser = HashMap<i64, Vec<(Opportunity, Vec<i64>)>>;

/// Opportunities (with their topics) of the given people, or of everyone when `users` is empty.
fn opportunities_of(c: &mut DbConn, event_id: i64, user_ids: &[i64]) -> Result<OpportunitiesByUser, AppError> {
    let mut q = op::table.filter(op::event_id.eq(event_id)).into_boxed();
    if !user_ids.is_empty() {
        q = q.filter(op::user_id.eq_any(user_ids.to_vec()));
    }
    let rows: Vec<Opportunity> = q.order(op::id).select(Opportunity::as_select()).load(c)?;
    let ids: Vec<i64> = rows.iter().map(|o| o.id).collect();
    let mut topics: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let links: Vec<(i64, i64)> = ot::table
            .filter(ot::opportunity_id.eq_any(chunk.to_vec()))
            .select((ot::opportunity_id, ot::topic_id))
            .load(c)?;
        for (o, tid) in links {
            topics.entry(o).or_default().push(tid);
        }
    }
    let mut out = OpportunitiesByUser::new();
    for o in rows {
        let ts = topics.remove(&o.id).unwrap_or_default();
        out.entry(o.user_id).or_default().push((o, ts));
    }
    Ok(out)
}

pub struct ProfileInput {
    pub max_meetings: Option<i32>,
    /// The scheduler may place meetings during the sessions in the person's agenda.
    pub meet_during_sessions: bool,
    pub interests: Vec<i64>,
    pub unavailable: Vec<i64>,
}

pub fn save_profile(c: &mut DbConn, event_id: i64, user_id: i64, p: &ProfileInput) -> Result<(), AppError> {
    let known: BTreeSet<i64> = topics(c, event_id)?.into_iter().map(|t| t.id).collect();
    let slot_ids: BTreeSet<i64> = slots(c, event_id)?.into_iter().map(|s| s.id).collect();
    crate::db::write_transaction(c, |c| {
        let exists: i64 = mp::table.find((event_id, user_id)).count().get_result(c)?;
        if exists == 0 {
            diesel::insert_into(mp::table)
                .values((
                    mp::event_id.eq(event_id),
                    mp::user_id.eq(user_id),
                    mp::max_meetings.eq(p.max_meetings),
                    mp::meet_during_sessions.eq(p.meet_during_sessions),
                    mp::updated_at.eq(now()),
                ))
                .execute(c)?;
        } else {
            diesel::update(mp::table.find((event_id, user_id)))
                .set((
                    mp::max_meetings.eq(p.max_meetings),
                    mp::meet_during_sessions.eq(p.meet_during_sessions),
                    mp::updated_at.eq(now()),
                ))
                .execute(c)?;
        }
        diesel::delete(pi::table.filter(pi::event_id.eq(event_id).and(pi::user_id.eq(user_id)))).execute(c)?;
        for tid in p.interests.iter().filter(|t| known.contains(t)).collect::<BTreeSet<_>>() {
            diesel::insert_into(pi::table)
                .values((pi::event_id.eq(event_id), pi::user_id.eq(user_id), pi::topic_id.eq(tid)))
                .execute(c)?;
        }
        let all: Vec<i64> = slot_ids.iter().copied().collect();
        diesel::delete(un::table.filter(un::user_id.eq(user_id).and(un::slot_id.eq_any(all)))).execute(c)?;
        for sid in p.unavailable.iter().filter(|s| slot_ids.contains(s)).collect::<BTreeSet<_>>() {
            diesel::insert_into(un::table).values((un::slot_id.eq(sid), un::user_id.eq(user_id))).execute(c)?;
        }
        Ok(())
    })
}

pub fn add_opportunity(
    c: &mut DbConn,
    event_id: i64,
    user_id: i64,
    o: &OpportunityInput,
) -> Result<Result<(), String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let n: i64 = op::table.filter(op::event_id.eq(event_id).and(op::user_id.eq(user_id))).count().get_result(c)?;
        if n as usize >= OPPORTUNITIES_MAX {
            return Ok(Err(format!("You can describe at most {OPPORTUNITIES_MAX} opportunities; remove one first.")));
        }
        let t0 = now();
        let id: i64 = diesel::insert_into(op::table)
            .values((
                op::event_id.eq(event_id),
                op::user_id.eq(user_id),
                op::kind.eq(o.kind),
                op::title.eq(&o.title),
                op::description.eq(&o.description),
                op::created_at.eq(t0),
                op::updated_at.eq(t0),
            ))
            .returning(op::id)
            .get_result(c)?;
        for tid in &o.topics {
            diesel::insert_into(ot::table).values((ot::opportunity_id.eq(id), ot::topic_id.eq(tid))).execute(c)?;
        }
        Ok(Ok(()))
    })
}

pub fn delete_opportunity(c: &mut DbConn, event_id: i64, user_id: i64, id: i64) -> Result<(), AppError> {
    let n = diesel::delete(op::table.filter(op::id.eq(id).and(op::event_id.eq(event_id)).and(op::user_id.eq(user_id))))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

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

fn nonempty<'a>(s: &'a str, or: &'a str) -> &'a str {
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

// ---------- requests ----------

pub fn find_request(c: &mut DbConn, event_id: i64, id: i64) -> Result<Option<MeetingRequest>, AppError> {
    Ok(mr::table
        .filter(mr::id.eq(id).and(mr::event_id.eq(event_id)))
        .select(MeetingRequest::as_select())
        .first(c)
        .optional()?)
}

/// Requests a person sent or received at an event, newest first.
pub fn requests_of(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Vec<MeetingRequest>, AppError> {
    // Two index searches: `from OR to` makes SQLite read every request of the event.
    let mut all: Vec<MeetingRequest> = mr::table
        .filter(mr::event_id.eq(event_id).and(mr::from_user.eq(user_id)))
        .select(MeetingRequest::as_select())
        .load(c)?;
    all.extend(
        mr::table
            .filter(mr::event_id.eq(event_id).and(mr::to_user.eq(user_id)).and(mr::from_user.ne(user_id)))
            .select(MeetingRequest::as_select())
            .load::<MeetingRequest>(c)?,
    );
    all.sort_by_key(|q| std::cmp::Reverse(q.id));
    Ok(all)
}

/// Sends a meeting request; refusals come back as a message for the person.
pub fn request_meeting(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    from: i64,
    to: i64,
    message: &str,
) -> Result<Result<i64, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let t0 = now();
        if let Some(msg) = s.booking_problem(event, t0) {
            return Ok(Err(msg));
        }
        if from == to {
            return Ok(Err("You cannot request a meeting with yourself.".into()));
        }
        let me = find_person(c, event.id, from)?.filter(|p| p.matchmaking);
        let Some(me) = me else {
            return Ok(Err(
                "Only confirmed participants who take part in matchmaking can request meetings. Turn it on in your registration."
                    .into(),
            ));
        };
        let Some(other) = find_person(c, event.id, to)?.filter(|p| p.matchmaking) else {
            return Err(AppError::NotFound);
        };
        if !s.allow_same_organisation && same_org(&me, &other) {
            return Ok(Err("Meetings within your own organisation are not part of this event's matchmaking.".into()));
        }
        let open: Vec<MeetingRequest> = mr::table
            .filter(mr::event_id.eq(event.id).and(mr::status.eq_any(["pending", "accepted"])))
            .filter(mr::from_user.eq(from).and(mr::to_user.eq(to)).or(mr::from_user.eq(to).and(mr::to_user.eq(from))))
            .select(MeetingRequest::as_select())
            .load(c)?;
        if let Some(rq) = open.first() {
            return Ok(Err(match (rq.status.as_str(), rq.from_user == from) {
                ("pending", true) => {
                    format!("You have already asked {} for a meeting; they have not answered yet.", other.name)
                }
                ("pending", false) => {
                    format!("{} has already asked you for a meeting: accept their request below.", other.name)
                }
                _ => format!("You and {} already have a meeting.", other.name),
            }));
        }
        let (a, b) = ordered(from, to);
        let met: i64 = m::table
            .filter(m::event_id.eq(event.id).and(m::a_user.eq(a)).and(m::b_user.eq(b)))
            .count()
            .get_result(c)?;
        if met > 0 || published::find_pair(c, event.id, a, b)?.is_some_and(|r| r.active) {
            return Ok(Err(format!("You and {} already have a meeting.", other.name)));
        }
        let occ = occupancy(c, event.id)?;
        if occ.at_cap(&s, from) {
            return Ok(Err(format!(
                "You already have {} meetings, the most you take. Raise your limit on your matchmaking profile{} or cancel a meeting first.",
                occ.cap(&s, from),
                if occ.cap(&s, from) < s.max_meetings { format!(" (up to {})", s.max_meetings) } else { String::new() }
            )));
        }
        if occ.at_cap(&s, to) {
            return Ok(Err(format!("{} already has as many meetings as they take.", other.name)));
        }
        let id: i64 = diesel::insert_into(mr::table)
            .values((
                mr::event_id.eq(event.id),
                mr::from_user.eq(from),
                mr::to_user.eq(to),
                mr::message.eq(message),
                mr::status.eq("pending"),
                mr::created_at.eq(t0),
                mr::expires_at.eq(t0 + s.request_ttl()),
            ))
            .returning(mr::id)
            .get_result(c)?;
        let (email, name) = contact(c, to)?;
        let mail = super::emails::request_received(base_url, event, &name, &me, message, id, t0 + s.request_ttl());
        crate::mail::enqueue(c, &email, &name, &mail)?;
        Ok(Ok(id))
    })
}

/// Where `me` stands with each of `others`, by user id: a meeting, a request either way, or
/// whether a request may be sent, with the rules of `request_meeting` in its order, so that the
/// pages offer the button only when sending would succeed. A fixed number of queries however
/// many people are listed.
pub fn pair_states(
    c: &mut DbConn,
    event: &Event,
    s: &Settings,
    me: &Person,
    others: &[&Person],
) -> Result<HashMap<i64, PairState>, AppError> {
    let uid = me.user_id;
    let short = |t: NaiveDateTime| event.local(t).format("%a %-d %b, %H:%M").to_string();
    // Newest first, so the first request of a pair is its latest.
    let requests = requests_of(c, event.id, uid)?;
    let mut ids: Vec<i64> = others.iter().map(|p| p.user_id).collect();
    ids.push(uid);
    // The draft's and the published pairs of everyone listed (the viewer too): what the caps
    // count, one index search per side and copy for the whole page.
    let draft = draft_pairs_of(c, event.id, &ids)?;
    let drafted: BTreeSet<(i64, i64)> = draft.iter().filter(|(a, b)| *a == uid || *b == uid).copied().collect();
    let published: HashMap<i64, published::PublishedMeeting> = published::rows_of(c, event.id, uid)?
        .into_iter()
        .filter(|row| row.active)
        .map(|row| (row.partner_of(uid), row))
        .collect();
    // Only the pairs for the others (whole rows for 50 people cost more than the searches).
    let held = pm::table.filter(pm::event_id.eq(event.id).and(pm::active.eq(true)).and(pm::slot_id.is_not_null()));
    let mut pairs = draft;
    pairs.extend(held.filter(pm::a_user.eq_any(&ids)).select((pm::a_user, pm::b_user)).load::<(i64, i64)>(c)?);
    pairs.extend(held.filter(pm::b_user.eq_any(&ids)).select((pm::a_user, pm::b_user)).load::<(i64, i64)>(c)?);
    let mut counts: HashMap<i64, i32> = HashMap::new();
    for (a, b) in pairs {
        *counts.entry(a).or_default() += 1;
        *counts.entry(b).or_default() += 1;
    }
    let caps: HashMap<i64, Option<i32>> = mp::table
        .filter(mp::event_id.eq(event.id).and(mp::user_id.eq_any(&ids)))
        .select((mp::user_id, mp::max_meetings))
        .load::<(i64, Option<i32>)>(c)?
        .into_iter()
        .collect();
    let cap = |u: i64| caps.get(&u).copied().flatten().map_or(s.max_meetings, |n| n.min(s.max_meetings));
    let at_cap = |u: i64| counts.get(&u).copied().unwrap_or(0) >= cap(u);
    let booking = s.booking_problem(event, now());
    let mut out = HashMap::new();
    for other in others {
        let o = other.user_id;
        let between: Vec<&MeetingRequest> = requests
            .iter()
            .filter(|q| (q.from_user == o && q.to_user == uid) || (q.from_user == uid && q.to_user == o))
            .collect();
        let open = between.iter().find(|q| q.status == "pending" || q.status == "accepted");
        let state = if let Some(row) = published.get(&o) {
            PairState::Meet { when: published::when_label(event, row.starts_at, row.ends_at, row.table_no) }
        } else if let Some(q) = open {
            match (q.status.as_str(), q.from_user == uid) {
                ("pending", true) => PairState::Asked { request_id: q.id, on: short(q.created_at) },
                ("pending", false) => PairState::AskedBy { request_id: q.id },
                _ if drafted.contains(&ordered(uid, o)) => PairState::Planned,
                _ => PairState::Waiting { request_id: q.id },
            }
        } else if drafted.contains(&ordered(uid, o)) {
            PairState::Planned
        } else if let Some(why) = booking.clone() {
            PairState::Cannot(why)
        } else if o == uid {
            PairState::Cannot("This is you.".into())
        } else if !me.matchmaking {
            PairState::Cannot("Turn on matchmaking in your profile to request meetings.".into())
        } else if !other.matchmaking {
            PairState::Cannot(format!("{} does not take part in matchmaking.", other.name))
        } else if !s.allow_same_organisation && same_org(me, other) {
            PairState::Cannot("Meetings within your own organisation are not part of this event's matchmaking.".into())
        } else if at_cap(uid) {
            PairState::AtMyLimit(format!(
                "You are at your limit of {} meeting{}: raise it on your profile{} or cancel a meeting to ask for another.",
                cap(uid),
                if cap(uid) == 1 { "" } else { "s" },
                if cap(uid) < s.max_meetings { format!(" (up to {})", s.max_meetings) } else { String::new() }
            ))
        } else if at_cap(o) {
            PairState::Cannot(format!("{} already has as many meetings as they take.", other.name))
        } else {
            let mine = between.iter().find(|q| q.from_user == uid);
            let declined_on =
                mine.filter(|q| q.status == "declined").map(|q| short(q.responded_at.unwrap_or(q.created_at)));
            PairState::CanAsk { declined_on }
        };
        out.insert(o, state);
    }
    Ok(out)
}

/// The draft's pairs that include any of `users`, one index search per side: `a_user IN … OR
/// b_user IN …` makes SQLite read every meeting of the event (measured: 20× slower pages on the
/// 5,000-person event).
fn draft_pairs_of(c: &mut DbConn, event_id: i64, users: &[i64]) -> Result<BTreeSet<(i64, i64)>, AppError> {
    let draft = m::table.filter(m::event_id.eq(event_id));
    let mut pairs: BTreeSet<(i64, i64)> = draft
        .filter(m::a_user.eq_any(users))
        .select((m::a_user, m::b_user))
        .load::<(i64, i64)>(c)?
        .into_iter()
        .collect();
    pairs.extend(draft.filter(m::b_user.eq_any(users)).select((m::a_user, m::b_user)).load::<(i64, i64)>(c)?);
    Ok(pairs)
}

fn same_org(a: &Person, b: &Person) -> bool {
    let (x, y) = (a.organisation.trim().to_lowercase(), b.organisation.trim().to_lowercase());
    !x.is_empty() && x == y
}

fn contact(c: &mut DbConn, user_id: i64) -> Result<(String, String), AppError> {
    Ok(users::table.find(user_id).select((users::email, users::name)).first(c)?)
}

fn name_of(c: &mut DbConn, user_id: i64) -> Result<String, AppError> {
    Ok(users::table.find(user_id).select(users::name).first(c)?)
}

/// What answering a request led to.
#[derive(Debug)]
pub enum Answer {
    /// Accepted and placed: both have the meeting now.
    Accepted,
    /// Accepted, but no table is free at a time both are free: it waits (the message says why).
    Waiting(String),
    Declined,
    /// Not accepted, the request stays open: the message says why (a cap is reached).
    Refused(String),
    /// Not pending any more (answered, cancelled or expired): the message says which.
    Gone(String),
}

fn cap_refusal(c: &mut DbConn, s: &Settings, occ: &Occupancy, me: i64, other: i64) -> Result<Option<String>, AppError> {
    if occ.at_cap(s, me) {
        let cap = occ.cap(s, me);
        let raise = if cap < s.max_meetings {
            format!(
                "raise your limit on your matchmaking profile (the event allows up to {}) or cancel a meeting",
                s.max_meetings
            )
        } else {
            "cancel one of your meetings first (that is the event's limit)".to_string()
        };
        return Ok(Some(format!("You already have {cap} meetings, the most you take. To accept, {raise}.")));
    }
    if occ.at_cap(s, other) {
        return Ok(Some(format!(
            "{} already has as many meetings as they take. The request stays open: you can accept it if they make room.",
            name_of(c, other)?
        )));
    }
    Ok(None)
}

/// The recipient accepts or declines. An accepted request is placed at once in the best slot
/// where both are free and a table is free, in the draft and the published version; both get
/// the meeting as a calendar invitation. Without a free table it waits and gets one the
/// moment one frees.
pub fn answer_request(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    request_id: i64,
    user_id: i64,
    accept: bool,
    pool: Option<&Pool>,
) -> Result<Answer, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let rq = find_request(c, event.id, request_id)?.filter(|q| q.to_user == user_id).ok_or(AppError::NotFound)?;
        let t0 = now();
        if rq.is_pending() && rq.expires_at <= t0 {
            expire_one(c, base_url, event, &rq)?;
            return Ok(Answer::Gone("This request has expired.".into()));
        }
        if !rq.is_pending() {
            return Ok(Answer::Gone(format!("This request is no longer open ({}).", rq.status_label().to_lowercase())));
        }
        let (email, name) = contact(c, rq.from_user)?;
        let other = name_of(c, rq.to_user)?;
        if !accept {
            diesel::update(mr::table.find(rq.id))
                .set((mr::status.eq("declined"), mr::responded_at.eq(Some(t0))))
                .execute(c)?;
            let mail = super::emails::request_declined(base_url, event, &name, &other);
            crate::mail::enqueue(c, &email, &name, &mail)?;
            return Ok(Answer::Declined);
        }
        let (a, b) = ordered(rq.from_user, rq.to_user);
        if published::find_pair(c, event.id, a, b)?.is_some_and(|r| r.active) {
            // They already meet (a published suggestion made while the request waited).
            diesel::update(mr::table.find(rq.id))
                .set((mr::status.eq("accepted"), mr::responded_at.eq(Some(t0))))
                .execute(c)?;
            return Ok(Answer::Accepted);
        }
        // A suggestion for the pair that is still only in the draft gives way to the request.
        published::drop_from_draft(c, event.id, a, b)?;
        let occ = occupancy(c, event.id)?;
        if let Some(msg) = cap_refusal(c, &s, &occ, rq.to_user, rq.from_user)? {
            return Ok(Answer::Refused(msg));
        }
        diesel::update(mr::table.find(rq.id))
            .set((mr::status.eq("accepted"), mr::responded_at.eq(Some(t0))))
            .execute(c)?;
        // The pair's match score, from the shared snapshot when the caller has one.
        let score = match pool {
            Some(p) => p.matcher.explain(rq.from_user, rq.to_user).map_or(0.0, |x| x.score),
            None => self::pool(c, event.id, &s)?.matcher.explain(rq.from_user, rq.to_user).map_or(0.0, |x| x.score),
        };
        let why = match find_place(c, event.id, &s, &occ, rq.from_user, rq.to_user)? {
            Placement::At(slot, table) => {
                place_request(c, event.id, &rq, &slot, table, score, published::Change::Accepted, Some(user_id))?;
                published::notify(c, base_url, event, None)?;
                return Ok(Answer::Accepted);
            }
            Placement::NoTable => "Every table is taken at the times you are both free.",
            Placement::NoCommonTime => {
                "You have no free time in common yet (meetings, sessions in your agendas or times marked unavailable)."
            }
        };
        let (my_email, my_name) = contact(c, user_id)?;
        for (to, to_name, line) in [
            (&email, &name, format!("{other} accepted your meeting request. {why}")),
            (&my_email, &my_name, format!("You accepted {name}'s meeting request. {why}")),
        ] {
            crate::mail::enqueue(c, to, to_name, &super::emails::request_waiting(base_url, event, to_name, &line))?;
        }
        Ok(Answer::Waiting(format!(
            "Accepted. {why} The meeting is waiting for a table: it gets one automatically as soon as one frees up, and you will both get an e-mail."
        )))
    })
}

/// The sender withdraws a pending request.
pub fn cancel_request(c: &mut DbConn, event_id: i64, request_id: i64, user_id: i64) -> Result<bool, AppError> {
    let n = diesel::update(
        mr::table.filter(
            mr::id
                .eq(request_id)
                .and(mr::event_id.eq(event_id))
                .and(mr::from_user.eq(user_id))
                .and(mr::status.eq("pending")),
        ),
    )
    .set((mr::status.eq("cancelled"), mr::responded_at.eq(Some(now()))))
    .execute(c)?;
    if n == 0 {
        find_request(c, event_id, request_id)?.filter(|q| q.from_user == user_id).ok_or(AppError::NotFound)?;
    }
    Ok(n == 1)
}

fn expire_one(c: &mut DbConn, base_url: &str, event: &Event, rq: &MeetingRequest) -> Result<(), AppError> {
    let n = diesel::update(mr::table.find(rq.id).filter(mr::status.eq("pending")))
        .set((mr::status.eq("expired"), mr::responded_at.eq(Some(now()))))
        .execute(c)?;
    if n == 1 {
        let (email, name) = contact(c, rq.from_user)?;
        let other = name_of(c, rq.to_user)?;
        crate::mail::enqueue(c, &email, &name, &super::emails::request_expired(base_url, event, &name, &other))?;
    }
    Ok(())
}

/// Expires unanswered requests whose time is up and tells their senders. Returns how many.
pub fn expire_due(c: &mut DbConn, base_url: &str, at: NaiveDateTime) -> Result<usize, AppError> {
    let due: Vec<MeetingRequest> = mr::table
        .filter(mr::status.eq("pending").and(mr::expires_at.le(at)))
        .order(mr::id)
        .limit(500)
        .select(MeetingRequest::as_select())
        .load(c)?;
    let mut events: HashMap<i64, Option<Event>> = HashMap::new();
    let mut n = 0;
    for rq in due {
        if let std::collections::hash_map::Entry::Vacant(slot) = events.entry(rq.event_id) {
            slot.insert(crate::events::model::find(c, rq.event_id)?);
        }
        let Some(Some(event)) = events.get(&rq.event_id) else { continue };
        crate::db::write_transaction(c, |c| expire_one(c, base_url, event, &rq))?;
        n += 1;
    }
    Ok(n)
}

/// Sends each person one digest of the requests waiting for their answer that arrived before
/// `older_than` and were in no digest yet. Returns how many e-mails.
pub fn send_digests(c: &mut DbConn, base_url: &str, older_than: NaiveDateTime) -> Result<usize, AppError> {
    let due: Vec<MeetingRequest> = mr::table
        .filter(mr::status.eq("pending").and(mr::digest_sent_at.is_null()).and(mr::created_at.le(older_than)))
        .order(mr::id)
        .select(MeetingRequest::as_select())
        .load(c)?;
    let mut per: BTreeMap<(i64, i64), Vec<MeetingRequest>> = BTreeMap::new();
    for rq in due {
        per.entry((rq.to_user, rq.event_id)).or_default().push(rq);
    }
    let mut sent = 0;
    for ((to, event_id), list) in per {
        let Some(event) = crate::events::model::find(c, event_id)? else { continue };
        crate::db::write_transaction(c, |c| {
            let mut claimed = Vec::new();
            for rq in &list {
                let n = diesel::update(mr::table.find(rq.id).filter(mr::digest_sent_at.is_null()))
                    .set(mr::digest_sent_at.eq(Some(now())))
                    .execute(c)?;
                if n == 1 {
                    claimed.push(name_of(c, rq.from_user)?);
                }
            }
            if !claimed.is_empty() {
                let (email, name) = contact(c, to)?;
                crate::mail::enqueue(c, &email, &name, &super::emails::digest(base_url, &event, &name, &claimed))?;
                sent += 1;
            }
            Ok::<_, AppError>(())
        })?;
    }
    Ok(sent)
}

// ---------- meetings ----------

/// The organisers' working copy (the draft), in grid order.
pub fn meetings(c: &mut DbConn, event_id: i64) -> Result<Vec<Meeting>, AppError> {
    Ok(m::table
        .filter(m::event_id.eq(event_id))
        .order((m::slot_id, m::table_no))
        .select(Meeting::as_select())
        .load(c)?)
}

/// Why a person cannot have a meeting in a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Busy {
    Meeting,
    Unavailable,
    Session,
}

/// The state of the meeting grid that placement needs, over the draft and the published
/// version together (a participant's own change lands in both, so it must fit both): busy
/// slots per person, meetings per person, used tables per slot, unavailability (marked, and
/// the sessions in people's agendas unless they meet during sessions), and caps.
struct Occupancy {
    busy: BTreeSet<(i64, i64)>,
    count: HashMap<i64, i32>,
    tables: HashMap<i64, BTreeSet<i32>>,
    unavailable: BTreeSet<(i64, i64)>,
    in_session: BTreeSet<(i64, i64)>,
    caps: HashMap<i64, Option<i32>>,
}

fn occupancy(c: &mut DbConn, event_id: i64) -> Result<Occupancy, AppError> {
    let draft: Vec<(i64, i32, i64, i64)> =
        m::table.filter(m::event_id.eq(event_id)).select((m::slot_id, m::table_no, m::a_user, m::b_user)).load(c)?;
    let shown: Vec<(Option<i64>, i32, i64, i64)> = pm::table
        .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)))
        .select((pm::slot_id, pm::table_no, pm::a_user, pm::b_user))
        .load(c)?;
    let mut o = Occupancy {
        busy: BTreeSet::new(),
        count: HashMap::new(),
        tables: HashMap::new(),
        unavailable: BTreeSet::new(),
        in_session: BTreeSet::new(),
        caps: HashMap::new(),
    };
    let mut pairs: BTreeSet<(i64, i64)> = BTreeSet::new();
    let rows = draft.into_iter().chain(shown.into_iter().filter_map(|(s, t, a, b)| Some((s?, t, a, b))));
    for (slot, table, a, b) in rows {
        o.busy.insert((slot, a));
        o.busy.insert((slot, b));
        o.tables.entry(slot).or_default().insert(table);
        if pairs.insert((a, b)) {
            *o.count.entry(a).or_default() += 1;
            *o.count.entry(b).or_default() += 1;
        }
    }
    let un_rows: Vec<(i64, i64)> =
        un::table.inner_join(sl::table).filter(sl::event_id.eq(event_id)).select((un::slot_id, un::user_id)).load(c)?;
    o.unavailable = un_rows.into_iter().collect();
    let caps: Vec<(i64, Option<i32>, bool)> = mp::table
        .filter(mp::event_id.eq(event_id))
        .select((mp::user_id, mp::max_meetings, mp::meet_during_sessions))
        .load(c)?;
    let free_in_sessions: BTreeSet<i64> = caps.iter().filter(|x| x.2).map(|x| x.0).collect();
    o.caps = caps.into_iter().map(|(u, cap, _)| (u, cap)).collect();
    // Sessions people chose, against the slots they overlap.
    let chosen: Vec<(i64, NaiveDateTime, NaiveDateTime)> = su::table
        .inner_join(ags::table)
        .filter(ags::event_id.eq(event_id).and(ags::status.ne("cancelled")))
        .select((su::user_id, ags::starts_at, ags::ends_at))
        .load(c)?;
    if !chosen.is_empty() {
        let slot_rows: Vec<(i64, NaiveDateTime, NaiveDateTime)> =
            sl::table.filter(sl::event_id.eq(event_id)).select((sl::id, sl::starts_at, sl::ends_at)).load(c)?;
        for (u, s0, s1) in chosen {
            if free_in_sessions.contains(&u) {
                continue;
            }
            for (slot, m0, m1) in &slot_rows {
                if *m0 < s1 && s0 < *m1 {
                    o.in_session.insert((*slot, u));
                }
            }
        }
    }
    Ok(o)
}

impl Occupancy {
    fn cap(&self, s: &Settings, user: i64) -> i32 {
        self.caps.get(&user).copied().flatten().map_or(s.max_meetings, |c| c.min(s.max_meetings))
    }
    fn at_cap(&self, s: &Settings, user: i64) -> bool {
        self.count.get(&user).copied().unwrap_or(0) >= self.cap(s, user)
    }
    fn free_table(&self, s: &Settings, slot: i64) -> Option<i32> {
        let used = self.tables.get(&slot);
        (1..=s.tables_count).find(|t| used.is_none_or(|u| !u.contains(t)))
    }
    fn free_tables(&self, s: &Settings, slot: i64) -> usize {
        (s.tables_count as usize).saturating_sub(self.tables.get(&slot).map_or(0, BTreeSet::len))
    }
    fn busy(&self, slot: i64, user: i64) -> Option<Busy> {
        if self.busy.contains(&(slot, user)) {
            Some(Busy::Meeting)
        } else if self.unavailable.contains(&(slot, user)) {
            Some(Busy::Unavailable)
        } else if self.in_session.contains(&(slot, user)) {
            Some(Busy::Session)
        } else {
            None
        }
    }
    fn free(&self, slot: i64, user: i64) -> bool {
        self.busy(slot, user).is_none()
    }
}

/// Where an accepted request could go, or why it cannot go yet.
enum Placement {
    At(Slot, i32),
    /// Both are free at some time, but every table is taken then.
    NoTable,
    /// They have no free time in common.
    NoCommonTime,
}

/// The slot where both are free and most tables are free (keeping busy slots open for
/// others), earliest on a tie. Call it under the schedule lock.
fn find_place(
    c: &mut DbConn,
    event_id: i64,
    s: &Settings,
    occ: &Occupancy,
    a: i64,
    b: i64,
) -> Result<Placement, AppError> {
    let common: Vec<Slot> =
        slots(c, event_id)?.into_iter().filter(|sl| occ.free(sl.id, a) && occ.free(sl.id, b)).collect();
    if common.is_empty() {
        return Ok(Placement::NoCommonTime);
    }
    let best = common
        .into_iter()
        .filter(|sl| occ.free_table(s, sl.id).is_some())
        .max_by_key(|sl| (occ.free_tables(s, sl.id), std::cmp::Reverse(sl.starts_at)));
    Ok(match best {
        Some(slot) => {
            let table = occ.free_table(s, slot.id).unwrap_or(1);
            Placement::At(slot, table)
        }
        None => Placement::NoTable,
    })
}

#[allow(clippy::too_many_arguments)]
fn insert_meeting(
    c: &mut DbConn,
    event_id: i64,
    slot_id: i64,
    table: i32,
    a: i64,
    b: i64,
    origin: &str,
    request_id: Option<i64>,
    score: f64,
    locked: bool,
) -> Result<Meeting, AppError> {
    let (a, b) = ordered(a, b);
    let t0 = now();
    let id: i64 = diesel::insert_into(m::table)
        .values((
            m::event_id.eq(event_id),
            m::slot_id.eq(slot_id),
            m::table_no.eq(table),
            m::a_user.eq(a),
            m::b_user.eq(b),
            m::request_id.eq(request_id),
            m::origin.eq(origin),
            m::locked.eq(locked),
            m::score.eq(score),
            m::created_at.eq(t0),
            m::updated_at.eq(t0),
        ))
        .returning(m::id)
        .get_result(c)?;
    for u in [a, b] {
        diesel::insert_into(seats::table)
            .values((seats::slot_id.eq(slot_id), seats::user_id.eq(u), seats::meeting_id.eq(id)))
            .execute(c)?;
    }
    Ok(m::table.find(id).select(Meeting::as_select()).first(c)?)
}

/// Places an accepted request's meeting in the draft and the published version at once.
#[allow(clippy::too_many_arguments)]
fn place_request(
    c: &mut DbConn,
    event_id: i64,
    rq: &MeetingRequest,
    slot: &Slot,
    table: i32,
    score: f64,
    change: published::Change,
    by: Option<i64>,
) -> Result<(), AppError> {
    insert_meeting(c, event_id, slot.id, table, rq.from_user, rq.to_user, "request", Some(rq.id), score, false)?;
    published::put(c, event_id, rq.from_user, rq.to_user, slot, table, "request", change, by)
}

/// Accepted requests that have no meeting: they wait for a table (oldest answer first).
fn waiting_requests(c: &mut DbConn, event_id: i64) -> Result<Vec<MeetingRequest>, AppError> {
    let accepted: Vec<MeetingRequest> = mr::table
        .filter(mr::event_id.eq(event_id).and(mr::status.eq("accepted")))
        .order((mr::responded_at, mr::id))
        .select(MeetingRequest::as_select())
        .load(c)?;
    without_meeting(c, event_id, accepted)
}

/// Those of `accepted` whose pair has no meeting in the draft or the published version. Only
/// the meetings of these pairs are read (by the lower id of each pair, which leads the index).
fn without_meeting(
    c: &mut DbConn,
    event_id: i64,
    accepted: Vec<MeetingRequest>,
) -> Result<Vec<MeetingRequest>, AppError> {
    if accepted.is_empty() {
        return Ok(accepted);
    }
    let firsts: BTreeSet<i64> = accepted.iter().map(|q| ordered(q.from_user, q.to_user).0).collect();
    let firsts: Vec<i64> = firsts.into_iter().collect();
    let mut placed: BTreeSet<(i64, i64)> = BTreeSet::new();
    for chunk in firsts.chunks(500) {
        placed.extend(
            m::table
                .filter(m::event_id.eq(event_id).and(m::a_user.eq_any(chunk)))
                .select((m::a_user, m::b_user))
                .load::<(i64, i64)>(c)?,
        );
        placed.extend(
            pm::table
                .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)).and(pm::a_user.eq_any(chunk)))
                .select((pm::a_user, pm::b_user))
                .load::<(i64, i64)>(c)?,
        );
    }
    Ok(accepted.into_iter().filter(|q| !placed.contains(&ordered(q.from_user, q.to_user))).collect())
}

/// The ids of a person's accepted requests that wait for a table.
pub fn waiting_requests_of(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Vec<i64>, AppError> {
    let mine: Vec<MeetingRequest> = mr::table
        .filter(mr::event_id.eq(event_id).and(mr::status.eq("accepted")))
        .filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id)))
        .select(MeetingRequest::as_select())
        .load(c)?;
    Ok(without_meeting(c, event_id, mine)?.into_iter().map(|q| q.id).collect())
}

/// Whether an accepted request of these two people is still waiting for a table.
pub fn is_waiting(c: &mut DbConn, event_id: i64, rq: &MeetingRequest) -> Result<bool, AppError> {
    Ok(rq.status == "accepted" && !without_meeting(c, event_id, vec![rq.clone()])?.is_empty())
}

/// Gives every waiting accepted request a table where one is free now (after a cancellation,
/// someone leaving, more tables). Call under the schedule lock; the caller notifies.
/// Returns how many were placed.
pub(super) fn place_waiting(c: &mut DbConn, event_id: i64, s: &Settings) -> Result<usize, AppError> {
    let mut n = 0;
    for rq in waiting_requests(c, event_id)? {
        let occ = occupancy(c, event_id)?;
        if occ.at_cap(s, rq.from_user) || occ.at_cap(s, rq.to_user) {
            continue;
        }
        if let Placement::At(slot, table) = find_place(c, event_id, s, &occ, rq.from_user, rq.to_user)? {
            place_request(c, event_id, &rq, &slot, table, 0.0, published::Change::Placed, None)?;
            let detail = format!(
                "the meeting of {} and {} on {}, table {table} (waiting for a table until now)",
                name_of(c, rq.from_user)?,
                name_of(c, rq.to_user)?,
                event_local(c, event_id, slot.starts_at)?
            );
            crate::audit::record_event(c, None, event_id, "matchmaking.meeting_placed", &detail)?;
            n += 1;
        }
    }
    Ok(n)
}

fn event_local(c: &mut DbConn, event_id: i64, t: NaiveDateTime) -> Result<String, AppError> {
    Ok(match crate::events::model::find(c, event_id)? {
        Some(ev) => ev.local(t).format("%a %-d %b %H:%M").to_string(),
        None => t.format("%a %-d %b %H:%M UTC").to_string(),
    })
}

/// Places what waits and tells everyone concerned: call at the end of any change that may
/// have freed a table.
pub fn settle(c: &mut DbConn, base_url: &str, event: &Event, skip: Option<i64>) -> Result<usize, AppError> {
    let s = settings(c, event.id)?;
    place_waiting(c, event.id, &s)?;
    published::notify(c, base_url, event, skip)
}

/// After the organisers change tables or slots: waiting requests that now fit get a table.
pub fn place_waiting_now(c: &mut DbConn, base_url: &str, event: &Event) -> Result<usize, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        settle(c, base_url, event, None)
    })
}

fn draft_meeting(c: &mut DbConn, event_id: i64, id: i64) -> Result<Option<Meeting>, AppError> {
    Ok(m::table.filter(m::id.eq(id).and(m::event_id.eq(event_id))).select(Meeting::as_select()).first(c).optional()?)
}

/// Either participant cancels their published meeting: it ends at once in both versions, both
/// are told (the partner that it was cancelled, the canceller with the calendar cancellation),
/// and the freed table goes to a waiting request.
pub fn cancel_own_meeting(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    id: i64,
    user_id: i64,
) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let row = published::find(c, event.id, id)?
            .filter(|r| r.active && (r.a_user == user_id || r.b_user == user_id))
            .ok_or(AppError::NotFound)?;
        if let Some(mt) = published::drop_from_draft(c, event.id, row.a_user, row.b_user)? {
            if let Some(rid) = mt.request_id {
                diesel::update(mr::table.find(rid)).set(mr::status.eq("cancelled")).execute(c)?;
            }
        }
        end_requests_of_pair(c, event.id, row.a_user, row.b_user)?;
        published::end(c, &row, published::Change::Cancelled, Some(user_id))?;
        let (who, other) = (name_of(c, user_id)?, name_of(c, row.partner_of(user_id))?);
        crate::audit::record_event(
            c,
            Some(user_id),
            event.id,
            "matchmaking.meeting_cancelled",
            &format!(
                "the meeting of {who} and {other} on {}",
                published::when_label(event, row.starts_at, row.ends_at, row.table_no)
            ),
        )?;
        settle(c, base_url, event, None)?;
        Ok(())
    })
}

/// The accepted request behind a pair's meeting ends with it.
fn end_requests_of_pair(c: &mut DbConn, event_id: i64, a: i64, b: i64) -> Result<(), AppError> {
    diesel::update(
        mr::table
            .filter(mr::event_id.eq(event_id).and(mr::status.eq("accepted")))
            .filter(mr::from_user.eq(a).and(mr::to_user.eq(b)).or(mr::from_user.eq(b).and(mr::to_user.eq(a)))),
    )
    .set(mr::status.eq("cancelled"))
    .execute(c)?;
    Ok(())
}

fn pair_names(c: &mut DbConn, mt: &Meeting) -> Result<String, AppError> {
    Ok(format!("{} and {}", name_of(c, mt.a_user)?, name_of(c, mt.b_user)?))
}

fn slot_label(event: &Event, slot: &Slot, table: i32) -> String {
    format!("{}, table {table}", event.local(slot.starts_at).format("%a %-d %b %H:%M"))
}

/// The organisers remove a meeting from the draft; participants see it go when the draft is
/// published. Its request ends as cancelled then too.
pub fn cancel_meeting_by_organiser(c: &mut DbConn, event: &Event, actor: i64, id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let mt = draft_meeting(c, event.id, id)?.ok_or(AppError::NotFound)?;
        let slot = find_slot(c, event.id, mt.slot_id)?.ok_or(AppError::NotFound)?;
        diesel::delete(seats::table.filter(seats::meeting_id.eq(mt.id))).execute(c)?;
        diesel::delete(m::table.find(mt.id)).execute(c)?;
        if let Some(rid) = mt.request_id {
            diesel::update(mr::table.find(rid)).set(mr::status.eq("cancelled")).execute(c)?;
        }
        let detail =
            format!("the meeting of {} on {} (draft)", pair_names(c, &mt)?, slot_label(event, &slot, mt.table_no));
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.meeting_cancelled", &detail)?;
        Ok(())
    })
}

pub fn set_locked(c: &mut DbConn, event_id: i64, actor: i64, id: i64, locked: bool) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event_id)?;
        let mt = draft_meeting(c, event_id, id)?.ok_or(AppError::NotFound)?;
        diesel::update(m::table.find(mt.id)).set((m::locked.eq(locked), m::updated_at.eq(now()))).execute(c)?;
        let action = if locked { "matchmaking.meeting_locked" } else { "matchmaking.meeting_unlocked" };
        let detail = format!("the meeting of {}", pair_names(c, &mt)?);
        crate::audit::record_event(c, Some(actor), event_id, action, &detail)?;
        Ok(())
    })
}

/// Moves a meeting of the draft to another slot and table; refusals come back as a message.
/// A moved meeting is locked, so the scheduler keeps the organiser's choice. Participants see
/// the move when the draft is published.
pub fn move_meeting(
    c: &mut DbConn,
    event: &Event,
    actor: i64,
    id: i64,
    slot_id: i64,
    table: i32,
) -> Result<Result<(), String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let mt = draft_meeting(c, event.id, id)?.ok_or(AppError::NotFound)?;
        let Some(slot) = find_slot(c, event.id, slot_id)? else {
            return Ok(Err("Choose one of the event's slots.".into()));
        };
        if table < 1 || table > s.tables_count {
            return Ok(Err(format!("Tables are numbered 1 to {}.", s.tables_count)));
        }
        // The draft alone decides here: the published version changes only when published.
        let draft: Vec<Meeting> = meetings(c, event.id)?.into_iter().filter(|x| x.id != mt.id).collect();
        let mut occ = occupancy(c, event.id)?;
        occ.busy = draft.iter().flat_map(|x| [(x.slot_id, x.a_user), (x.slot_id, x.b_user)]).collect();
        occ.tables = HashMap::new();
        for x in &draft {
            occ.tables.entry(x.slot_id).or_default().insert(x.table_no);
        }
        for u in [mt.a_user, mt.b_user] {
            let why = match occ.busy(slot.id, u) {
                Some(Busy::Meeting) => "already has a meeting at that time",
                Some(Busy::Unavailable) => "is not available at that time",
                Some(Busy::Session) => "has a session in their agenda at that time",
                None => continue,
            };
            return Ok(Err(format!("{} {why}.", name_of(c, u)?)));
        }
        if occ.tables.get(&slot.id).is_some_and(|t| t.contains(&table)) {
            return Ok(Err(format!("Table {table} is taken at that time.")));
        }
        let from = find_slot(c, event.id, mt.slot_id)?.map(|f| slot_label(event, &f, mt.table_no)).unwrap_or_default();
        diesel::delete(seats::table.filter(seats::meeting_id.eq(mt.id))).execute(c)?;
        diesel::update(m::table.find(mt.id))
            .set((m::slot_id.eq(slot.id), m::table_no.eq(table), m::locked.eq(true), m::updated_at.eq(now())))
            .execute(c)?;
        for u in [mt.a_user, mt.b_user] {
            diesel::insert_into(seats::table)
                .values((seats::slot_id.eq(slot.id), seats::user_id.eq(u), seats::meeting_id.eq(mt.id)))
                .execute(c)?;
        }
        let detail = format!(
            "the meeting of {} from {from} to {} (draft)",
            pair_names(c, &mt)?,
            slot_label(event, &slot, table)
        );
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.meeting_moved", &detail)?;
        Ok(Ok(()))
    })
}

/// Someone stops taking part: they left matchmaking, their registration ended, or their
/// account is being deleted. Their meetings end at once in both versions, their open requests
/// end, partners are told (and the person, unless deleted), and freed tables go to waiting
/// requests. Returns how many meetings ended.
pub fn withdraw(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    user_id: i64,
    why: published::Change,
) -> Result<usize, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_schedule(c, event.id)?;
        let ids: Vec<i64> = m::table
            .filter(m::event_id.eq(event.id).and(m::a_user.eq(user_id).or(m::b_user.eq(user_id))))
            .select(m::id)
            .load(c)?;
        for chunk in ids.chunks(500) {
            diesel::delete(seats::table.filter(seats::meeting_id.eq_any(chunk.to_vec()))).execute(c)?;
            diesel::delete(m::table.filter(m::id.eq_any(chunk.to_vec()))).execute(c)?;
        }
        let mut ended = 0;
        for row in published::rows_of(c, event.id, user_id)?.into_iter().filter(|r| r.active) {
            published::end(c, &row, why, Some(user_id))?;
            ended += 1;
        }
        diesel::update(
            mr::table
                .filter(mr::event_id.eq(event.id).and(mr::status.eq_any(["pending", "accepted"])))
                .filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id))),
        )
        .set((mr::status.eq("cancelled"), mr::responded_at.eq(Some(now()))))
        .execute(c)?;
        if ended > 0 || !ids.is_empty() {
            let detail = format!("{}; {ended} meetings cancelled", name_of(c, user_id)?);
            let action = match why {
                published::Change::Deleted => "matchmaking.deleted",
                published::Change::Unregistered => "matchmaking.unregistered",
                _ => "matchmaking.left",
            };
            crate::audit::record_event(c, Some(user_id), event.id, action, &detail)?;
        }
        let skip = (why == published::Change::Deleted).then_some(user_id);
        settle(c, base_url, event, skip)?;
        Ok(ended)
    })
}

/// [`withdraw`] from every event where the person has meetings or open requests (an account
/// about to be deleted).
pub fn withdraw_everywhere(c: &mut DbConn, base_url: &str, user_id: i64) -> Result<usize, AppError> {
    let mut events: BTreeSet<i64> = pm::table
        .filter(pm::a_user.eq(user_id).or(pm::b_user.eq(user_id)))
        .filter(pm::active.eq(true))
        .select(pm::event_id)
        .load::<i64>(c)?
        .into_iter()
        .collect();
    events.extend(m::table.filter(m::a_user.eq(user_id).or(m::b_user.eq(user_id))).select(m::event_id).load::<i64>(c)?);
    events.extend(
        mr::table
            .filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id)))
            .filter(mr::status.eq_any(["pending", "accepted"]))
            .select(mr::event_id)
            .load::<i64>(c)?,
    );
    let mut n = 0;
    for event_id in events {
        if let Some(event) = crate::events::model::find(c, event_id)? {
            n += withdraw(c, base_url, &event, user_id, published::Change::Deleted)?;
        }
    }
    Ok(n)
}

/// What "schedule all" did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub kept: usize,
    pub requested_placed: usize,
    pub requested_total: usize,
    pub suggested: usize,
    pub quality: f64,
    pub without_meeting: usize,
}

impl RunSummary {
    pub fn sentence(&self) -> String {
        format!(
            "Kept {} meetings; placed {} of {} accepted requests waiting for a slot; added {} suggested meetings. \
             The schedule is at least {:.1} % of the best possible. {} participants with a possible partner have no meeting.",
            self.kept,
            self.requested_placed,
            self.requested_total,
            self.suggested,
            (self.quality * 1000.0).floor() / 10.0,
            self.without_meeting
        )
    }
}

/// Runs the scheduler: keeps locked meetings and the meetings of accepted requests (people
/// already know their times), places every accepted request still waiting for a slot, and,
/// when the organisers allow it, fills free time with the best suggestions. Earlier suggested
/// meetings that are not locked are replaced.
pub fn schedule_all(c: &mut DbConn, event: &Event, actor: i64) -> Result<Result<RunSummary, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let slot_list = slots(c, event.id)?;
        if slot_list.is_empty() {
            return Ok(Err("Add meeting slots first: the scheduler has no time to fill.".into()));
        }
        // Suggested meetings participants already hold stay; unlocked ones only in the draft
        // are the scheduler's to replace.
        let shown: BTreeSet<(i64, i64)> =
            published::active(c, event.id)?.into_iter().map(|r| (r.a_user, r.b_user)).collect();
        let stale: Vec<i64> = m::table
            .filter(m::event_id.eq(event.id).and(m::origin.eq("suggested")).and(m::locked.eq(false)))
            .select((m::id, m::a_user, m::b_user))
            .load::<(i64, i64, i64)>(c)?
            .into_iter()
            .filter(|(_, a, b)| !shown.contains(&(*a, *b)))
            .map(|(id, _, _)| id)
            .collect();
        for chunk in stale.chunks(500) {
            diesel::delete(seats::table.filter(seats::meeting_id.eq_any(chunk.to_vec()))).execute(c)?;
            diesel::delete(m::table.filter(m::id.eq_any(chunk.to_vec()))).execute(c)?;
        }
        let kept = meetings(c, event.id)?;
        let pool = pool(c, event.id, &s)?;
        let occ = occupancy(c, event.id)?;
        let slot_index: HashMap<i64, u32> = slot_list.iter().enumerate().map(|(i, sl)| (sl.id, i as u32)).collect();
        let key = |u: i64| u.to_string();
        let in_pool: BTreeSet<i64> = pool.people.iter().map(|p| p.user_id).collect();
        let mut ids: BTreeSet<i64> = in_pool.clone();
        for mt in &kept {
            ids.insert(mt.a_user);
            ids.insert(mt.b_user);
        }
        let participants: Vec<engine::Participant> = ids
            .iter()
            .map(|&u| engine::Participant {
                id: key(u),
                max_meetings: occ.cap(&s, u).max(0) as u32,
                available_slots: slot_list
                    .iter()
                    .enumerate()
                    .filter(|(_, sl)| !occ.unavailable.contains(&(sl.id, u)) && !occ.in_session.contains(&(sl.id, u)))
                    .map(|(i, _)| i as u32)
                    .collect(),
            })
            .collect();
        let met: BTreeSet<(i64, i64)> = kept.iter().map(|mt| (mt.a_user, mt.b_user)).collect();
        let waiting: Vec<MeetingRequest> = mr::table
            .filter(mr::event_id.eq(event.id).and(mr::status.eq("accepted")))
            .select(MeetingRequest::as_select())
            .load(c)?
            .into_iter()
            .filter(|q| !met.contains(&ordered(q.from_user, q.to_user)))
            .filter(|q| ids.contains(&q.from_user) && ids.contains(&q.to_user))
            .collect();
        let mut pairs: BTreeMap<(i64, i64), (f64, bool)> = BTreeMap::new();
        if s.allow_suggested {
            for sp in engine::scored_pairs(&pool.profiles, &pool.params, PAIRS_PER_PERSON) {
                let k = ordered(sp.a, sp.b);
                if !met.contains(&k) {
                    pairs.insert(k, (sp.score, false));
                }
            }
        }
        let mut request_of: HashMap<(i64, i64), i64> = HashMap::new();
        for q in &waiting {
            let k = ordered(q.from_user, q.to_user);
            let w = pairs.get(&k).map_or(0.0, |p| p.0);
            pairs.insert(k, (w, true));
            request_of.insert(k, q.id);
        }
        let typical = {
            let mut w: Vec<f64> = pairs.values().map(|p| p.0).filter(|w| *w > 0.0).collect();
            w.sort_by(f64::total_cmp);
            w.get(w.len() / 2).copied().unwrap_or(1.0)
        };
        let inst = engine::Instance {
            slots: slot_list.len() as u32,
            tables_per_slot: s.tables_count as u32,
            fairness_bonus: typical,
            participants,
            pairs: pairs
                .iter()
                .map(|((a, b), (w, req))| engine::PairIn { a: key(*a), b: key(*b), weight: *w, requested: *req })
                .collect(),
            locked: kept
                .iter()
                .filter_map(|mt| {
                    Some(engine::LockedMeeting {
                        a: key(mt.a_user),
                        b: key(mt.b_user),
                        slot: *slot_index.get(&mt.slot_id)?,
                        table: mt.table_no as u32,
                    })
                })
                .collect(),
        };
        let tt = engine::schedule(&inst).map_err(|e| AppError::internal(format!("scheduler: {e}")))?;
        let kept_pairs: BTreeSet<(String, String)> = inst.locked.iter().map(|l| (l.a.clone(), l.b.clone())).collect();
        let mut suggested = 0;
        let mut requested_placed = 0;
        for mtg in &tt.meetings {
            if kept_pairs.contains(&(mtg.a.clone(), mtg.b.clone()))
                || kept_pairs.contains(&(mtg.b.clone(), mtg.a.clone()))
            {
                continue;
            }
            let (Ok(a), Ok(b)) = (mtg.a.parse::<i64>(), mtg.b.parse::<i64>()) else { continue };
            let slot = &slot_list[mtg.slot as usize];
            let k = ordered(a, b);
            let (origin, rid) = match request_of.get(&k) {
                Some(rid) => {
                    requested_placed += 1;
                    ("request", Some(*rid))
                }
                None => {
                    suggested += 1;
                    ("suggested", None)
                }
            };
            insert_meeting(c, event.id, slot.id, mtg.table as i32, a, b, origin, rid, mtg.weight, false)?;
        }
        let summary = RunSummary {
            kept: kept.len(),
            requested_placed,
            requested_total: waiting.len(),
            suggested,
            quality: tt.quality,
            without_meeting: tt.participants_without_meeting,
        };
        diesel::update(ms::table.find(event.id))
            .set((ms::last_run_at.eq(Some(now())), ms::last_run_summary.eq(summary.sentence())))
            .execute(c)?;
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.scheduled", &summary.sentence())?;
        Ok(Ok(summary))
    })
}

/// One meeting in a person's schedule.
#[derive(Debug, Clone)]
pub struct ScheduleEntry {
    pub meeting: published::PublishedMeeting,
    pub slot: Slot,
    pub partner: Person,
    pub when: String,
}

impl ScheduleEntry {
    pub fn line(&self) -> String {
        let org = if self.partner.organisation.is_empty() {
            String::new()
        } else {
            format!(", {}", self.partner.organisation)
        };
        format!("{}: {}{}", self.when, self.partner.name, org)
    }
}

/// The meetings a person sees now: the published version.
pub fn visible_entries(c: &mut DbConn, event: &Event, user_id: i64) -> Result<Vec<ScheduleEntry>, AppError> {
    published::entries_of(c, event, user_id)
}

/// Mails every matchmaking participant their top five matches. Returns how many e-mails.
pub fn send_top_matches(c: &mut DbConn, base_url: &str, event: &Event, actor: i64) -> Result<usize, AppError> {
    let s = settings(c, event.id)?;
    let pool = pool(c, event.id, &s)?;
    // Nobody is recommended someone they already meet or have a request with (either way).
    let mut params = pool.params.clone();
    params.excluded.extend(
        mr::table
            .filter(mr::event_id.eq(event.id).and(mr::status.eq_any(["pending", "accepted"])))
            .select((mr::from_user, mr::to_user))
            .load::<(i64, i64)>(c)?,
    );
    params
        .excluded
        .extend(m::table.filter(m::event_id.eq(event.id)).select((m::a_user, m::b_user)).load::<(i64, i64)>(c)?);
    params.excluded.extend(
        pm::table.filter(pm::event_id.eq(event.id).and(pm::active.eq(true))).select((pm::a_user, pm::b_user)).load::<(
            i64,
            i64,
        )>(
            c
        )?,
    );
    crate::db::write_transaction(c, |c| {
        let mut sent = 0;
        for (uid, list) in engine::suggest_all(&pool.profiles, &params, 5) {
            let Some(me) = pool.person(uid) else { continue };
            if list.is_empty() {
                continue;
            }
            let lines: Vec<String> = list
                .iter()
                .filter_map(|sg| {
                    let other = pool.person(sg.other)?;
                    let why = reason_words(&pool, me, other, &sg.reasons).into_iter().next().unwrap_or_default();
                    let org = if other.organisation.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", other.organisation)
                    };
                    let strength = Strength::of(sg.score).label().to_lowercase();
                    Some(format!("{}{org}, {strength}: {why}", other.name))
                })
                .collect();
            let (email, name) = contact(c, uid)?;
            crate::mail::enqueue(c, &email, &name, &super::emails::top_matches(base_url, event, &name, &lines))?;
            sent += 1;
        }
        crate::audit::record_event(
            c,
            Some(actor),
            event.id,
            "matchmaking.top_matches_sent",
            &format!("{sent} people"),
        )?;
        Ok(sent)
    })
}

/// Figures for the organisers' dashboard.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub participants: usize,
    pub requests: Vec<(&'static str, i64)>,
    pub meetings_total: usize,
    pub meetings_by_origin: Vec<(&'static str, usize)>,
    pub sector_pairs: Vec<(String, usize)>,
    pub without_meetings: Vec<Person>,
}

pub fn dashboard(c: &mut DbConn, event_id: i64) -> Result<Dashboard, AppError> {
    let people: Vec<Person> = people(c, event_id)?.into_iter().filter(|p| p.matchmaking).collect();
    let counts: Vec<(String, i64)> = mr::table
        .filter(mr::event_id.eq(event_id))
        .group_by(mr::status)
        .select((mr::status, diesel::dsl::count_star()))
        .load(c)?;
    let count_of = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let requests = vec![
        ("Sent", counts.iter().map(|(_, n)| n).sum()),
        ("Waiting for an answer", count_of("pending")),
        ("Accepted", count_of("accepted")),
        ("Accepted, waiting for a table", waiting_requests(c, event_id)?.len() as i64),
        ("Declined", count_of("declined")),
        ("Expired", count_of("expired")),
        ("Cancelled", count_of("cancelled")),
    ];
    let all = meetings(c, event_id)?;
    let sector: HashMap<i64, &str> = people.iter().map(|p| (p.user_id, p.sector_label())).collect();
    let mut pairs: BTreeMap<String, usize> = BTreeMap::new();
    let mut with: BTreeSet<i64> = BTreeSet::new();
    for mt in &all {
        with.insert(mt.a_user);
        with.insert(mt.b_user);
        let mut two = [
            nonempty(sector.get(&mt.a_user).copied().unwrap_or(""), "Unknown"),
            nonempty(sector.get(&mt.b_user).copied().unwrap_or(""), "Unknown"),
        ];
        two.sort_unstable();
        *pairs.entry(format!("{} ↔ {}", two[0], two[1])).or_default() += 1;
    }
    let mut sector_pairs: Vec<(String, usize)> = pairs.into_iter().collect();
    sector_pairs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let by = |o: &str| all.iter().filter(|mt| mt.origin == o).count();
    Ok(Dashboard {
        participants: people.len(),
        requests,
        meetings_total: all.len(),
        meetings_by_origin: vec![
            ("From requests", by("request")),
            ("Suggested", by("suggested")),
            ("Set by organisers", by("organiser")),
        ],
        sector_pairs,
        without_meetings: people.into_iter().filter(|p| !with.contains(&p.user_id)).collect(),
    })
}

/// A person's matchmaking data for the data export.
pub fn export_for_user(c: &mut DbConn, user_id: i64) -> Result<serde_json::Value, AppError> {
    use serde_json::json;
    let event_ids: Vec<i64> = mp::table.filter(mp::user_id.eq(user_id)).select(mp::event_id).load(c)?;
    let mut events: BTreeSet<i64> = event_ids.into_iter().collect();
    let more: Vec<i64> =
        mr::table.filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id))).select(mr::event_id).load(c)?;
    events.extend(more);
    let mut out = Vec::new();
    for event_id in events {
        let Some(event) = crate::events::model::find(c, event_id)? else { continue };
        let p = profile(c, event_id, user_id)?;
        let names: HashMap<i64, String> = topics(c, event_id)?.into_iter().map(|t| (t.id, t.name)).collect();
        let topic_names = |ids: &[i64]| ids.iter().filter_map(|i| names.get(i).cloned()).collect::<Vec<_>>();
        let requests: Vec<serde_json::Value> = requests_of(c, event_id, user_id)?
            .into_iter()
            .map(|q| {
                json!({ "direction": if q.from_user == user_id { "sent" } else { "received" }, "message": q.message,
                        "status": q.status, "created_at": q.created_at, "responded_at": q.responded_at })
            })
            .collect();
        let meetings: Vec<serde_json::Value> = visible_entries(c, &event, user_id)?
            .into_iter()
            .map(|e| json!({ "when": e.when, "partner": e.partner.name, "origin": e.meeting.origin }))
            .collect();
        out.push(json!({
            "event": event.title,
            "max_meetings": p.max_meetings,
            "interests": topic_names(&p.interests),
            "opportunities": p.opportunities.iter().map(|(o, ts)| json!({ "kind": o.kind, "title": o.title, "description": o.description, "topics": topic_names(ts) })).collect::<Vec<_>>(),
            "unavailable_slots": p.unavailable.len(),
            "requests": requests,
            "meetings": meetings,
        }));
    }
    Ok(serde_json::Value::Array(out))
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
