//! The meeting schedule participants see, as a published version, and the notices that tell
//! each person what changed for them.
//!
//! `meetings` is the organisers' working copy (the draft: the scheduler, moves, cancellations
//! and locks change only it). `published_meetings` is what participants see, one row per pair
//! for good: an ended meeting stays as an inactive row, so its calendar UID and SEQUENCE live
//! on for the cancellation and for a comeback. "Publish" makes the draft the new version;
//! what a participant does themselves (accept, cancel, leave) changes both at once.
//!
//! Every row also holds what both people were last told (`told_*`). After each change the
//! caller runs [`notify`], which mails each person whose rows differ from what they were
//! told one notice with the net change and iTIP invitations (REQUEST for new and moved
//! meetings, CANCEL for ended ones), then records what they were told. So moving a meeting
//! twice in the draft and publishing sends one "moved from 9:00 to 10:30"; moving it back
//! sends nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{ordered, Meeting, Slot};
use super::service::{Person, ScheduleEntry};
use crate::db::schema::{
    match_settings as ms, meetings as m, published_meetings as pm, schedule_versions as sv, users,
};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::events::model::Event;
use crate::ical::{Entry, Method};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pm)]
pub struct PublishedMeeting {
    pub id: i64,
    pub event_id: i64,
    pub a_user: i64,
    pub b_user: i64,
    pub active: bool,
    pub slot_id: Option<i64>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub table_no: i32,
    pub origin: String,
    pub sequence: i32,
    pub change_kind: String,
    pub changed_by: Option<i64>,
    pub changed_at: NaiveDateTime,
    pub told_active: bool,
    pub told_starts_at: Option<NaiveDateTime>,
    pub told_ends_at: Option<NaiveDateTime>,
    pub told_table_no: Option<i32>,
    pub told_sequence: i32,
}

/// Why a published meeting last changed; the notice words follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The organisers published a version that adds, moves or removes it.
    Published,
    /// `by` accepted the request.
    Accepted,
    /// A waiting accepted request got a table when one became free.
    Placed,
    /// `by` cancelled it.
    Cancelled,
    /// `by` left matchmaking.
    Left,
    /// `by` is no longer registered.
    Unregistered,
    /// `by` deleted their account.
    Deleted,
}

impl Change {
    pub fn code(self) -> &'static str {
        match self {
            Change::Published => "published",
            Change::Accepted => "accepted",
            Change::Placed => "placed",
            Change::Cancelled => "cancelled",
            Change::Left => "left",
            Change::Unregistered => "unregistered",
            Change::Deleted => "deleted",
        }
    }
    fn from_code(code: &str) -> Change {
        match code {
            "accepted" => Change::Accepted,
            "placed" => Change::Placed,
            "cancelled" => Change::Cancelled,
            "left" => Change::Left,
            "unregistered" => Change::Unregistered,
            "deleted" => Change::Deleted,
            _ => Change::Published,
        }
    }
}

impl PublishedMeeting {
    /// The calendar UID: one per pair and event, for good.
    pub fn uid(&self) -> String {
        format!("meeting-{}@liaison", self.id)
    }
    pub fn partner_of(&self, user_id: i64) -> i64 {
        if self.a_user == user_id {
            self.b_user
        } else {
            self.a_user
        }
    }
    /// What the people were told differs from what is true now.
    pub fn is_dirty(&self) -> bool {
        self.active != self.told_active
            || (self.active
                && (Some(self.starts_at) != self.told_starts_at || Some(self.table_no) != self.told_table_no))
    }
    pub fn origin_label(&self) -> &'static str {
        match self.origin.as_str() {
            "request" => "Requested",
            "suggested" => "Suggested",
            _ => "Set by the organisers",
        }
    }
    /// The slot as the pages show it (times are kept on the row, so a notice can still name the
    /// time of a meeting whose slot is gone).
    pub fn slot(&self) -> Slot {
        Slot {
            id: self.slot_id.unwrap_or(0),
            event_id: self.event_id,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        }
    }
}

/// "Tuesday 3 March, 10:00–10:20 (Europe/Brussels), table 4".
pub fn when_label(event: &Event, starts: NaiveDateTime, ends: NaiveDateTime, table: i32) -> String {
    format!(
        "{}–{} ({}), table {table}",
        event.local(starts).format("%A %-d %B, %H:%M"),
        event.local(ends).format("%H:%M"),
        event.timezone
    )
}

// ---------- reading ----------

pub fn active(c: &mut DbConn, event_id: i64) -> Result<Vec<PublishedMeeting>, AppError> {
    Ok(pm::table
        .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)))
        .order((pm::starts_at, pm::table_no))
        .select(PublishedMeeting::as_select())
        .load(c)?)
}

/// How many meetings participants hold (a count, not the rows).
pub fn active_count(c: &mut DbConn, event_id: i64) -> Result<i64, AppError> {
    Ok(pm::table.filter(pm::event_id.eq(event_id).and(pm::active.eq(true))).count().get_result(c)?)
}

/// A person's published rows, active or not (one query per side, each on its index).
pub fn rows_of(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Vec<PublishedMeeting>, AppError> {
    let mut mine: Vec<PublishedMeeting> = pm::table
        .filter(pm::event_id.eq(event_id).and(pm::a_user.eq(user_id)))
        .select(PublishedMeeting::as_select())
        .load(c)?;
    mine.extend(
        pm::table
            .filter(pm::event_id.eq(event_id).and(pm::b_user.eq(user_id)))
            .select(PublishedMeeting::as_select())
            .load::<PublishedMeeting>(c)?,
    );
    mine.sort_by_key(|r| (r.starts_at, r.id));
    Ok(mine)
}

pub fn find(c: &mut DbConn, event_id: i64, id: i64) -> Result<Option<PublishedMeeting>, AppError> {
    Ok(pm::table
        .filter(pm::id.eq(id).and(pm::event_id.eq(event_id)))
        .select(PublishedMeeting::as_select())
        .first(c)
        .optional()?)
}

pub fn find_pair(c: &mut DbConn, event_id: i64, a: i64, b: i64) -> Result<Option<PublishedMeeting>, AppError> {
    let (a, b) = ordered(a, b);
    Ok(pm::table
        .filter(pm::event_id.eq(event_id).and(pm::a_user.eq(a)).and(pm::b_user.eq(b)))
        .select(PublishedMeeting::as_select())
        .first(c)
        .optional()?)
}

fn people(c: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, (Person, String)>, AppError> {
    type Row = (i64, String, String, String, String, String, String, String);
    let rows: Vec<Row> = users::table
        .filter(users::id.eq_any(ids))
        .select((
            users::id,
            users::name,
            users::organisation,
            users::sector,
            users::country,
            users::job_title,
            users::bio,
            users::email,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, organisation, sector, country, job_title, bio, email)| {
            let p = Person {
                user_id: id,
                name,
                organisation,
                sector,
                country,
                job_title,
                bio,
                directory: false,
                matchmaking: false,
            };
            (id, (p, email))
        })
        .collect())
}

/// A person's meetings as participants see them: the published version, in time order.
pub fn entries_of(c: &mut DbConn, event: &Event, user_id: i64) -> Result<Vec<ScheduleEntry>, AppError> {
    let mine: Vec<PublishedMeeting> = rows_of(c, event.id, user_id)?.into_iter().filter(|r| r.active).collect();
    let ids: Vec<i64> = mine.iter().map(|r| r.partner_of(user_id)).collect();
    let partners = people(c, &ids)?;
    Ok(entries_from(event, user_id, &mine, &partners))
}

/// `user_id`'s active meetings among `rows` (in time order), with their partners.
fn entries_from(
    event: &Event,
    user_id: i64,
    rows: &[PublishedMeeting],
    partners: &HashMap<i64, (Person, String)>,
) -> Vec<ScheduleEntry> {
    rows.iter()
        .filter(|r| r.active && (r.a_user == user_id || r.b_user == user_id))
        .filter_map(|r| {
            let partner = partners.get(&r.partner_of(user_id))?.0.clone();
            let when = when_label(event, r.starts_at, r.ends_at, r.table_no);
            Some(ScheduleEntry { slot: r.slot(), meeting: r.clone(), partner, when })
        })
        .collect()
}

// ---------- changing ----------

/// Makes the pair's published meeting active at `slot`/`table`. SEQUENCE grows when what the
/// people were told changes; changes nobody was told about yet share one step.
#[allow(clippy::too_many_arguments)]
pub fn put(
    c: &mut DbConn,
    event_id: i64,
    a: i64,
    b: i64,
    slot: &Slot,
    table: i32,
    origin: &str,
    change: Change,
    by: Option<i64>,
) -> Result<(), AppError> {
    let (a, b) = ordered(a, b);
    let t = now();
    match find_pair(c, event_id, a, b)? {
        Some(row) => {
            let same = row.active && row.slot_id == Some(slot.id) && row.table_no == table;
            if same {
                return Ok(());
            }
            let sequence = if row.sequence <= row.told_sequence { row.told_sequence + 1 } else { row.sequence };
            diesel::update(pm::table.find(row.id))
                .set((
                    pm::active.eq(true),
                    pm::slot_id.eq(Some(slot.id)),
                    pm::starts_at.eq(slot.starts_at),
                    pm::ends_at.eq(slot.ends_at),
                    pm::table_no.eq(table),
                    pm::origin.eq(origin),
                    pm::sequence.eq(sequence),
                    pm::change_kind.eq(change.code()),
                    pm::changed_by.eq(by),
                    pm::changed_at.eq(t),
                ))
                .execute(c)?;
        }
        None => {
            diesel::insert_into(pm::table)
                .values((
                    pm::event_id.eq(event_id),
                    pm::a_user.eq(a),
                    pm::b_user.eq(b),
                    pm::active.eq(true),
                    pm::slot_id.eq(Some(slot.id)),
                    pm::starts_at.eq(slot.starts_at),
                    pm::ends_at.eq(slot.ends_at),
                    pm::table_no.eq(table),
                    pm::origin.eq(origin),
                    pm::sequence.eq(0),
                    pm::change_kind.eq(change.code()),
                    pm::changed_by.eq(by),
                    pm::changed_at.eq(t),
                ))
                .execute(c)?;
        }
    }
    Ok(())
}

/// Ends a published meeting (it stays as an inactive row).
pub fn end(c: &mut DbConn, row: &PublishedMeeting, change: Change, by: Option<i64>) -> Result<(), AppError> {
    if !row.active {
        return Ok(());
    }
    let sequence = if row.sequence <= row.told_sequence { row.told_sequence + 1 } else { row.sequence };
    diesel::update(pm::table.find(row.id))
        .set((
            pm::active.eq(false),
            pm::sequence.eq(sequence),
            pm::change_kind.eq(change.code()),
            pm::changed_by.eq(by),
            pm::changed_at.eq(now()),
        ))
        .execute(c)?;
    Ok(())
}

/// Removes the pair's meeting from the draft too (a participant's own change holds for both).
pub fn drop_from_draft(c: &mut DbConn, event_id: i64, a: i64, b: i64) -> Result<Option<Meeting>, AppError> {
    let (a, b) = ordered(a, b);
    let found: Option<Meeting> = m::table
        .filter(m::event_id.eq(event_id).and(m::a_user.eq(a)).and(m::b_user.eq(b)))
        .select(Meeting::as_select())
        .first(c)
        .optional()?;
    if let Some(mt) = &found {
        diesel::delete(
            crate::db::schema::meeting_seats::table.filter(crate::db::schema::meeting_seats::meeting_id.eq(mt.id)),
        )
        .execute(c)?;
        diesel::delete(m::table.find(mt.id)).execute(c)?;
    }
    Ok(found)
}

// ---------- the draft compared with the published version ----------

/// Where a pair meets: slot and table.
pub type Place = (i64, i32);

/// How the draft differs from the published version, by pair.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Diff {
    pub added: Vec<((i64, i64), Place)>,
    pub moved: Vec<((i64, i64), Place, Place)>,
    pub removed: Vec<((i64, i64), Place)>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.moved.is_empty() && self.removed.is_empty()
    }
    /// Everyone a publish would notify.
    pub fn people(&self) -> BTreeSet<i64> {
        let pairs = self
            .added
            .iter()
            .map(|x| x.0)
            .chain(self.moved.iter().map(|x| x.0))
            .chain(self.removed.iter().map(|x| x.0));
        pairs.flat_map(|(a, b)| [a, b]).collect()
    }
}

/// Pure: the draft (pair → place) against the published active meetings (pair → place).
pub fn diff(draft: &BTreeMap<(i64, i64), Place>, published: &BTreeMap<(i64, i64), Place>) -> Diff {
    let mut d = Diff::default();
    for (pair, place) in draft {
        match published.get(pair) {
            None => d.added.push((*pair, *place)),
            Some(old) if old != place => d.moved.push((*pair, *old, *place)),
            Some(_) => {}
        }
    }
    for (pair, place) in published {
        if !draft.contains_key(pair) {
            d.removed.push((*pair, *place));
        }
    }
    d
}

fn draft_places(c: &mut DbConn, event_id: i64) -> Result<BTreeMap<(i64, i64), Place>, AppError> {
    let rows: Vec<(i64, i64, i64, i32)> =
        m::table.filter(m::event_id.eq(event_id)).select((m::a_user, m::b_user, m::slot_id, m::table_no)).load(c)?;
    Ok(rows.into_iter().map(|(a, b, s, t)| ((a, b), (s, t))).collect())
}

fn published_places(c: &mut DbConn, event_id: i64) -> Result<BTreeMap<(i64, i64), Place>, AppError> {
    Ok(active(c, event_id)?.into_iter().map(|r| ((r.a_user, r.b_user), (r.slot_id.unwrap_or(0), r.table_no))).collect())
}

pub fn pending_diff(c: &mut DbConn, event_id: i64) -> Result<Diff, AppError> {
    Ok(diff(&draft_places(c, event_id)?, &published_places(c, event_id)?))
}

/// One person's part of a diff, in words, for the organisers' review.
#[derive(Debug, Clone)]
pub struct PersonChanges {
    pub name: String,
    pub lines: Vec<String>,
}

/// The diff per person, by name, for the review page.
pub fn review(c: &mut DbConn, event: &Event, d: &Diff) -> Result<Vec<PersonChanges>, AppError> {
    let slots: HashMap<i64, Slot> = super::service::slots(c, event.id)?.into_iter().map(|s| (s.id, s)).collect();
    let ids: Vec<i64> = d.people().into_iter().collect();
    let names = people(c, &ids)?;
    let name = |u: i64| names.get(&u).map_or_else(|| "a former participant".to_string(), |p| p.0.name.clone());
    let at = |(slot, table): Place| match slots.get(&slot) {
        Some(s) => format!("{}, table {table}", event.local(s.starts_at).format("%a %H:%M")),
        None => format!("table {table}"),
    };
    let mut per: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for &((a, b), p) in &d.added {
        for (me, other) in [(a, b), (b, a)] {
            per.entry(me).or_default().push(format!("new meeting with {} on {}", name(other), at(p)));
        }
    }
    for &((a, b), old, new) in &d.moved {
        for (me, other) in [(a, b), (b, a)] {
            per.entry(me).or_default().push(format!(
                "meeting with {} moves from {} to {}",
                name(other),
                at(old),
                at(new)
            ));
        }
    }
    for &((a, b), p) in &d.removed {
        for (me, other) in [(a, b), (b, a)] {
            per.entry(me).or_default().push(format!("meeting with {} on {} is cancelled", name(other), at(p)));
        }
    }
    let mut out: Vec<PersonChanges> =
        per.into_iter().map(|(u, lines)| PersonChanges { name: name(u), lines }).collect();
    out.sort_by_key(|x| x.name.to_lowercase());
    Ok(out)
}

/// A published version, for the organisers' history.
#[derive(Debug, Clone, Queryable)]
pub struct Version {
    pub event_id: i64,
    pub version: i32,
    pub published_at: NaiveDateTime,
    pub published_by: Option<i64>,
    pub added: i32,
    pub moved: i32,
    pub removed: i32,
    pub notified: i32,
}

pub fn versions(c: &mut DbConn, event_id: i64) -> Result<Vec<Version>, AppError> {
    Ok(sv::table.filter(sv::event_id.eq(event_id)).order(sv::version.desc()).load(c)?)
}

/// What "Publish" did.
#[derive(Debug, Clone)]
pub struct Published {
    pub version: i32,
    pub diff: Diff,
    pub notified: usize,
}

/// Makes the draft the published version: participants see it, and everyone it changes
/// anything for gets one notice with the net change. Publishing an unchanged draft is a no-op.
pub fn publish(c: &mut DbConn, base_url: &str, event: &Event, actor: i64) -> Result<Published, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = super::service::lock_schedule(c, event.id)?;
        let d = pending_diff(c, event.id)?;
        let last: Option<i32> =
            sv::table.filter(sv::event_id.eq(event.id)).select(diesel::dsl::max(sv::version)).first(c)?;
        if d.is_empty() && last.is_some() {
            return Ok(Published { version: last.unwrap_or(0), diff: d, notified: 0 });
        }
        // Only the pairs the diff names are written: an unchanged meeting costs nothing.
        let slots: HashMap<i64, Slot> = super::service::slots(c, event.id)?.into_iter().map(|s| (s.id, s)).collect();
        let origin: HashMap<(i64, i64), String> =
            super::service::meetings(c, event.id)?.into_iter().map(|mt| ((mt.a_user, mt.b_user), mt.origin)).collect();
        let placed = d.added.iter().map(|(pair, at)| (pair, at)).chain(d.moved.iter().map(|(pair, _, at)| (pair, at)));
        for (&(a, b), &(slot_id, table)) in placed {
            if let (Some(slot), Some(origin)) = (slots.get(&slot_id), origin.get(&(a, b))) {
                put(c, event.id, a, b, slot, table, origin, Change::Published, Some(actor))?;
            }
        }
        for &((a, b), _) in &d.removed {
            if let Some(row) = find_pair(c, event.id, a, b)? {
                end(c, &row, Change::Published, Some(actor))?;
            }
        }
        // Tables the new version frees go to accepted requests waiting for one.
        super::service::place_waiting(c, event.id, &s)?;
        let version = last.unwrap_or(0) + 1;
        if s.published_at.is_none() {
            diesel::update(ms::table.find(event.id)).set(ms::published_at.eq(Some(now()))).execute(c)?;
        }
        let many = last.is_none().then(|| format!("Your meeting schedule: {}", event.title));
        let notified = notify_as(c, base_url, event, None, many)?;
        diesel::insert_into(sv::table)
            .values((
                sv::event_id.eq(event.id),
                sv::version.eq(version),
                sv::published_at.eq(now()),
                sv::published_by.eq(Some(actor)),
                sv::added.eq(d.added.len() as i32),
                sv::moved.eq(d.moved.len() as i32),
                sv::removed.eq(d.removed.len() as i32),
                sv::notified.eq(notified as i32),
            ))
            .execute(c)?;
        crate::audit::record_event(
            c,
            Some(actor),
            event.id,
            "matchmaking.published",
            &format!(
                "version {version}: {} added, {} moved, {} removed; {notified} people notified",
                d.added.len(),
                d.moved.len(),
                d.removed.len()
            ),
        )?;
        Ok(Published { version, diff: d, notified })
    })
}

// ---------- notices ----------

/// One change to one person's schedule, in words.
fn line(event: &Event, row: &PublishedMeeting, me: i64, partner: &str, by_name: &str) -> Option<String> {
    let change = Change::from_code(&row.change_kind);
    let by_me = row.changed_by == Some(me);
    let now_at = when_label(event, row.starts_at, row.ends_at, row.table_no);
    let was_at = match (row.told_starts_at, row.told_ends_at, row.told_table_no) {
        (Some(s), Some(e), Some(t)) => when_label(event, s, e, t),
        _ => now_at.clone(),
    };
    Some(match (row.told_active, row.active) {
        (false, true) => match change {
            Change::Accepted if by_me => format!("You accepted {partner}'s meeting request: you meet on {now_at}."),
            Change::Accepted => format!("{partner} accepted your meeting request: you meet on {now_at}."),
            Change::Placed => format!("A table became free: your meeting with {partner} is on {now_at}."),
            _ => format!("New meeting with {partner} on {now_at}."),
        },
        (true, true) => format!("Your meeting with {partner} moves to {now_at} (it was on {was_at})."),
        (true, false) => match change {
            Change::Cancelled if by_me => format!("You cancelled your meeting with {partner} on {was_at}."),
            Change::Cancelled => format!("{by_name} cancelled your meeting on {was_at}."),
            Change::Left if by_me => {
                format!("You left matchmaking, so your meeting with {partner} on {was_at} is cancelled.")
            }
            Change::Left => format!("{by_name} left matchmaking, so your meeting on {was_at} is cancelled."),
            Change::Unregistered if by_me => {
                format!("Your registration ended, so your meeting with {partner} on {was_at} is cancelled.")
            }
            Change::Unregistered => {
                format!("{by_name} is no longer registered, so your meeting on {was_at} is cancelled.")
            }
            // Their name is erased from what others keep, so the sentence does without it.
            Change::Deleted => {
                format!("Your meeting on {was_at} is cancelled: the other person deleted their account.")
            }
            _ => format!("The organisers cancelled your meeting with {partner} on {was_at}."),
        },
        (false, false) => return None,
    })
}

/// The subject of a notice about one meeting.
fn subject_for(event: &Event, row: &PublishedMeeting, me: i64, partner: &str) -> String {
    let t = &event.title;
    match (row.told_active, row.active, Change::from_code(&row.change_kind)) {
        (false, true, Change::Accepted) if row.changed_by == Some(me) => {
            format!("Meeting confirmed with {partner}: {t}")
        }
        (false, true, Change::Accepted) => format!("{partner} accepted your meeting request: {t}"),
        (false, true, _) => format!("New meeting with {partner}: {t}"),
        (true, true, _) => format!("Meeting moved: {partner}, {t}"),
        _ => format!("Meeting cancelled: {partner}, {t}"),
    }
}

/// The calendar entry of a published meeting for `me`, as feeds and invitations carry it.
pub fn calendar_entry(base_url: &str, event: &Event, row: &PublishedMeeting, partner: &Person) -> Entry {
    let who = if partner.organisation.is_empty() {
        partner.name.clone()
    } else {
        format!("{} ({})", partner.name, partner.organisation)
    };
    let (starts, ends, table) = if row.active || row.told_starts_at.is_none() {
        (row.starts_at, row.ends_at, row.table_no)
    } else {
        (
            row.told_starts_at.unwrap_or(row.starts_at),
            row.told_ends_at.unwrap_or(row.ends_at),
            row.told_table_no.unwrap_or(row.table_no),
        )
    };
    Entry::new(&row.uid(), i64::from(row.sequence), now())
        .summary(&format!("Meeting: {who}"))
        .times(starts, ends)
        .location(&format!(
            "Table {table}{}",
            if event.venue.is_empty() { String::new() } else { format!(", {}", event.venue) }
        ))
        .description(&format!(
            "One-to-one meeting with {who} at {}.\n{}",
            event.title,
            super::emails::meetings_link(base_url, event)
        ))
}

/// Mails every person whose published meetings differ from what they were told one notice
/// with the net change and the invitations, and records what they were told. `skip` is a
/// person who must get nothing (an account being deleted). Returns how many people.
pub fn notify(c: &mut DbConn, base_url: &str, event: &Event, skip: Option<i64>) -> Result<usize, AppError> {
    notify_as(c, base_url, event, skip, None)
}

/// [`notify`], with the subject of a notice that lists several changes (the first published
/// schedule is "Your meeting schedule", not a change).
fn notify_as(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    skip: Option<i64>,
    many: Option<String>,
) -> Result<usize, AppError> {
    // The rows whose people were told something else (the database narrows, `is_dirty` decides).
    let dirty: Vec<PublishedMeeting> = pm::table
        .filter(pm::event_id.eq(event.id))
        .filter(
            pm::active.ne(pm::told_active).or(pm::active.eq(true).and(
                pm::told_starts_at
                    .is_null()
                    .or(pm::told_starts_at.ne(pm::starts_at.nullable()))
                    .or(pm::told_table_no.ne(pm::table_no.nullable())),
            )),
        )
        .order(pm::id)
        .select(PublishedMeeting::as_select())
        .load::<PublishedMeeting>(c)?
        .into_iter()
        .filter(PublishedMeeting::is_dirty)
        .collect();
    if dirty.is_empty() {
        return Ok(0);
    }
    let mut per: BTreeMap<i64, Vec<&PublishedMeeting>> = BTreeMap::new();
    for row in &dirty {
        for u in [row.a_user, row.b_user] {
            if Some(u) != skip {
                per.entry(u).or_default().push(row);
            }
        }
    }
    // Everyone told now, their meetings as they stand (for "your meetings now"), and every name
    // these mention: two queries for the whole notice round, not per person.
    let told: Vec<i64> = per.keys().copied().collect();
    let mut held: Vec<PublishedMeeting> = pm::table
        .filter(pm::event_id.eq(event.id).and(pm::active.eq(true)))
        .filter(pm::a_user.eq_any(&told).or(pm::b_user.eq_any(&told)))
        .select(PublishedMeeting::as_select())
        .load(c)?;
    held.sort_by_key(|r| (r.starts_at, r.id));
    let mut ids: BTreeSet<i64> = told.iter().copied().collect();
    ids.extend(dirty.iter().chain(&held).flat_map(|r| [r.a_user, r.b_user]));
    ids.extend(dirty.iter().filter_map(|r| r.changed_by));
    let ids: Vec<i64> = ids.into_iter().collect();
    let who = people(c, &ids)?;
    let name = |u: i64| who.get(&u).map_or_else(|| "A former participant".to_string(), |p| p.0.name.clone());
    let mut sent = 0;
    for (me, list) in per {
        let Some((person, email)) = who.get(&me).cloned() else { continue };
        let mut lines = Vec::new();
        let mut subject = None;
        let (mut requests, mut cancels) = (Vec::new(), Vec::new());
        for row in list {
            let partner_id = row.partner_of(me);
            let partner = who.get(&partner_id).map_or_else(|| Person::former(partner_id), |p| p.0.clone());
            let by = row.changed_by.map(name).unwrap_or_else(|| partner.name.clone());
            let Some(l) = line(event, row, me, &partner.name, &by) else { continue };
            lines.push(l);
            subject = Some(subject_for(event, row, me, &partner.name));
            let entry = calendar_entry(base_url, event, row, &partner).attendee(&person.name, &email);
            if row.active {
                requests.push(entry);
            } else {
                cancels.push(entry);
            }
        }
        if lines.is_empty() {
            continue;
        }
        let now_list: Vec<String> = entries_from(event, me, &held, &who).iter().map(ScheduleEntry::line).collect();
        let mut files = Vec::new();
        let cal_name = format!("Meetings · {}", event.title);
        if !requests.is_empty() {
            files.push(crate::ical::invitation(
                Method::Request,
                &cal_name,
                &format!("{}-meetings.ics", event.slug),
                requests,
            ));
        }
        if !cancels.is_empty() {
            files.push(crate::ical::invitation(
                Method::Cancel,
                &cal_name,
                &format!("{}-cancelled.ics", event.slug),
                cancels,
            ));
        }
        let subject = match subject {
            Some(one) if lines.len() == 1 => one,
            _ => many.clone().unwrap_or_else(|| format!("Your meetings changed: {}", event.title)),
        };
        let mail = super::emails::meetings_changed(base_url, event, &person.name, subject, &lines, &now_list);
        crate::mail::enqueue_with_all(c, &email, &person.name, &mail, files)?;
        sent += 1;
    }
    for row in &dirty {
        diesel::update(pm::table.find(row.id))
            .set((
                pm::told_active.eq(row.active),
                pm::told_starts_at.eq(Some(row.starts_at)),
                pm::told_ends_at.eq(Some(row.ends_at)),
                pm::told_table_no.eq(Some(row.table_no)),
                pm::told_sequence.eq(row.sequence),
            ))
            .execute(c)?;
    }
    Ok(sent)
}

/// Slots that still hold published meetings (the organisers must move or cancel and publish
/// before such a slot can go).
pub fn meetings_in_slot(c: &mut DbConn, slot_id: i64) -> Result<i64, AppError> {
    Ok(pm::table.filter(pm::slot_id.eq(slot_id).and(pm::active.eq(true))).count().get_result(c)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_added_moved_and_removed_pairs() {
        let draft: BTreeMap<(i64, i64), Place> = [((1, 2), (10, 1)), ((3, 4), (11, 2)), ((5, 6), (12, 3))].into();
        let published: BTreeMap<(i64, i64), Place> = [((1, 2), (10, 1)), ((3, 4), (10, 2)), ((7, 8), (10, 4))].into();
        let d = diff(&draft, &published);
        assert_eq!(d.added, vec![((5, 6), (12, 3))]);
        assert_eq!(d.moved, vec![((3, 4), (10, 2), (11, 2))]);
        assert_eq!(d.removed, vec![((7, 8), (10, 4))]);
        assert_eq!(d.people(), [3, 4, 5, 6, 7, 8].into());
        assert!(diff(&draft, &draft).is_empty());
    }

    fn row() -> PublishedMeeting {
        let t = |h| chrono::NaiveDate::from_ymd_opt(2030, 3, 5).and_then(|d| d.and_hms_opt(h, 0, 0)).expect("time");
        PublishedMeeting {
            id: 7,
            event_id: 1,
            a_user: 1,
            b_user: 2,
            active: true,
            slot_id: Some(3),
            starts_at: t(10),
            ends_at: t(11),
            table_no: 4,
            origin: "request".into(),
            sequence: 0,
            change_kind: "accepted".into(),
            changed_by: Some(2),
            changed_at: t(8),
            told_active: false,
            told_starts_at: None,
            told_ends_at: None,
            told_table_no: None,
            told_sequence: -1,
        }
    }

    #[test]
    fn lines_name_each_person_once_and_say_the_net_change() {
        let ev = crate::events::model::tests_support::event();
        let r = row();
        assert!(r.is_dirty());
        assert!(line(&ev, &r, 1, "Bea", "Bea").unwrap_or_default().starts_with("Bea accepted your meeting request"));
        assert!(line(&ev, &r, 2, "Al", "Bea").unwrap_or_default().starts_with("You accepted Al's meeting request"));
        let told = PublishedMeeting {
            told_active: true,
            told_starts_at: Some(r.starts_at),
            told_ends_at: Some(r.ends_at),
            told_table_no: Some(4),
            told_sequence: 0,
            ..r.clone()
        };
        assert!(!told.is_dirty());
        let cancelled = PublishedMeeting { active: false, change_kind: "cancelled".into(), ..told.clone() };
        let to_partner = line(&ev, &cancelled, 1, "Bea", "Bea").unwrap_or_default();
        assert!(to_partner.starts_with("Bea cancelled your meeting on "), "{to_partner}");
        assert_eq!(to_partner.matches("Bea").count(), 1, "{to_partner}");
        let to_canceller = line(&ev, &cancelled, 2, "Al", "Bea").unwrap_or_default();
        assert!(to_canceller.starts_with("You cancelled your meeting with Al"), "{to_canceller}");
        let moved = PublishedMeeting { table_no: 9, change_kind: "published".into(), ..told };
        assert!(moved.is_dirty());
        let l = line(&ev, &moved, 1, "Bea", "Ana").unwrap_or_default();
        assert!(l.contains("table 9") && l.contains("it was on") && l.contains("table 4"), "{l}");
    }
}
