//! Programme changes and personal agendas. Adding a session with a capacity locks the session
//! row first (as registration locks the event row), so places are never overbooked.
//!
//! Programme notices are net changes: each choice (`session_signups`) remembers what the person
//! last received about the session (`told_*`: its time, room and status, first as they were
//! when the person added it). A change of time, room or status marks the session in
//! `session_changes`; once the event's programme has been quiet for a while, each person who
//! chose a marked session gets one e-mail with the difference between what they hold and what
//! is true now, and iTIP invitations that update their calendar (same UID and SEQUENCE as their
//! subscribed feed). Intermediate saves, and a move undone before the notice, reach nobody.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::model::{Programme, RoomInput, Session, SessionInput, TrackInput, ROOMS_MAX, SESSIONS_MAX, TRACKS_MAX};
use super::notices::{self, Held};
use crate::db::schema::{
    agenda_sessions as s, registrations, rooms, session_changes as sc, session_signups as su, session_speakers as sp,
    tracks, users,
};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::events::model::Event;
use crate::mail;
use crate::web::FormErrors;

// ---------- rooms and tracks ----------

fn name_taken_error() -> FormErrors {
    let mut e = FormErrors::default();
    e.add("name", "This event already has one with this name.");
    e
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

pub fn save_room(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    id: Option<i64>,
    input: &RoomInput,
) -> Result<Result<(), FormErrors>, AppError> {
    crate::db::write_transaction(c, |c| {
        let taken: Option<i64> = rooms::table
            .filter(rooms::event_id.eq(event_id).and(rooms::name.eq(&input.name)))
            .select(rooms::id)
            .first(c)
            .optional()?;
        if taken.is_some_and(|t| Some(t) != id) {
            return Ok(Err(name_taken_error()));
        }
        let words = match id {
            Some(id) => {
                let old: String = rooms::table
                    .find(id)
                    .filter(rooms::event_id.eq(event_id))
                    .select(rooms::name)
                    .first(c)
                    .optional()?
                    .ok_or(AppError::NotFound)?;
                diesel::update(rooms::table.find(id))
                    .set((rooms::name.eq(&input.name), rooms::capacity.eq(input.capacity)))
                    .execute(c)?;
                if old == input.name {
                    format!("saved room \"{old}\"")
                } else {
                    // People were told the old name: for them the session moves.
                    let words = format!("renamed room \"{old}\" to \"{}\"", input.name);
                    room_sessions_changed(c, id, &words)?;
                    words
                }
            }
            None => {
                let n: i64 = rooms::table.filter(rooms::event_id.eq(event_id)).count().get_result(c)?;
                if n >= ROOMS_MAX {
                    let mut e = FormErrors::default();
                    e.add("name", format!("An event can have at most {ROOMS_MAX} rooms."));
                    return Ok(Err(e));
                }
                let pos: Option<i32> = rooms::table
                    .filter(rooms::event_id.eq(event_id))
                    .select(diesel::dsl::max(rooms::position))
                    .first(c)?;
                let r = diesel::insert_into(rooms::table)
                    .values((
                        rooms::event_id.eq(event_id),
                        rooms::name.eq(&input.name),
                        rooms::capacity.eq(input.capacity),
                        rooms::position.eq(pos.unwrap_or(0) + 1),
                    ))
                    .execute(c);
                match r {
                    Err(e) if is_unique_violation(&e) => return Ok(Err(name_taken_error())),
                    r => r?,
                };
                format!("added room \"{}\"", input.name)
            }
        };
        crate::audit::record_event(c, Some(actor), event_id, "room.saved", &words)?;
        Ok(Ok(()))
    })
}

pub fn save_track(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    id: Option<i64>,
    input: &TrackInput,
) -> Result<Result<(), FormErrors>, AppError> {
    crate::db::write_transaction(c, |c| {
        let taken: Option<i64> = tracks::table
            .filter(tracks::event_id.eq(event_id).and(tracks::name.eq(&input.name)))
            .select(tracks::id)
            .first(c)
            .optional()?;
        if taken.is_some_and(|t| Some(t) != id) {
            return Ok(Err(name_taken_error()));
        }
        let words = match id {
            Some(id) => {
                let n = diesel::update(tracks::table.find(id).filter(tracks::event_id.eq(event_id)))
                    .set((tracks::name.eq(&input.name), tracks::colour.eq(&input.colour)))
                    .execute(c)?;
                if n == 0 {
                    return Err(AppError::NotFound);
                }
                format!("saved track \"{}\"", input.name)
            }
            None => {
                let n: i64 = tracks::table.filter(tracks::event_id.eq(event_id)).count().get_result(c)?;
                if n >= TRACKS_MAX {
                    let mut e = FormErrors::default();
                    e.add("name", format!("An event can have at most {TRACKS_MAX} tracks."));
                    return Ok(Err(e));
                }
                let pos: Option<i32> = tracks::table
                    .filter(tracks::event_id.eq(event_id))
                    .select(diesel::dsl::max(tracks::position))
                    .first(c)?;
                let r = diesel::insert_into(tracks::table)
                    .values((
                        tracks::event_id.eq(event_id),
                        tracks::name.eq(&input.name),
                        tracks::colour.eq(&input.colour),
                        tracks::position.eq(pos.unwrap_or(0) + 1),
                    ))
                    .execute(c);
                match r {
                    Err(e) if is_unique_violation(&e) => return Ok(Err(name_taken_error())),
                    r => r?,
                };
                format!("added track \"{}\"", input.name)
            }
        };
        crate::audit::record_event(c, Some(actor), event_id, "track.saved", &words)?;
        Ok(Ok(()))
    })
}

/// Deletes a room or track; its sessions keep their times and lose the room or track.
pub fn delete_room(c: &mut DbConn, event_id: i64, actor: i64, id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let name: String = rooms::table
            .find(id)
            .filter(rooms::event_id.eq(event_id))
            .select(rooms::name)
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound)?;
        let words = format!("deleted room \"{name}\"");
        room_sessions_changed(c, id, &words)?;
        diesel::update(s::table.filter(s::room_id.eq(Some(id)))).set(s::room_id.eq(None::<i64>)).execute(c)?;
        diesel::delete(rooms::table.find(id)).execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "room.deleted", &words)
    })
}

pub fn delete_track(c: &mut DbConn, event_id: i64, actor: i64, id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let name: String = tracks::table
            .find(id)
            .filter(tracks::event_id.eq(event_id))
            .select(tracks::name)
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound)?;
        diesel::update(s::table.filter(s::track_id.eq(Some(id)))).set(s::track_id.eq(None::<i64>)).execute(c)?;
        diesel::delete(tracks::table.find(id)).execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "track.deleted", &format!("deleted track \"{name}\""))
    })
}

// ---------- sessions ----------

pub fn find_session(c: &mut DbConn, event_id: i64, id: i64) -> Result<Option<Session>, AppError> {
    Ok(s::table.find(id).filter(s::event_id.eq(event_id)).select(Session::as_select()).first(c).optional()?)
}

/// Looks up the accounts named by speaker e-mails; an unknown address is a form error.
fn speaker_accounts(c: &mut DbConn, input: &SessionInput) -> Result<Result<Vec<Option<i64>>, FormErrors>, AppError> {
    let mut out = Vec::new();
    let mut e = FormErrors::default();
    for sp in &input.speakers {
        if sp.email.is_empty() {
            out.push(None);
            continue;
        }
        let id: Option<i64> = users::table.filter(users::email.eq(&sp.email)).select(users::id).first(c).optional()?;
        if id.is_none() {
            e.add("speakers", format!("No participant has the e-mail address {}; leave it out or check it.", sp.email));
        }
        out.push(id);
    }
    Ok(e.into_result(out))
}

fn write_speakers(
    c: &mut DbConn,
    session_id: i64,
    input: &SessionInput,
    accounts: &[Option<i64>],
) -> Result<(), AppError> {
    diesel::delete(sp::table.filter(sp::session_id.eq(session_id))).execute(c)?;
    for (i, (speaker, user)) in input.speakers.iter().zip(accounts).enumerate() {
        diesel::insert_into(sp::table)
            .values((
                sp::session_id.eq(session_id),
                sp::position.eq(i as i32 + 1),
                sp::name.eq(&speaker.name),
                sp::affiliation.eq(&speaker.affiliation),
                sp::user_id.eq(*user),
            ))
            .execute(c)?;
    }
    Ok(())
}

/// Sessions sharing a room with `session` at the same time (for the organisers' warning).
pub fn clashes_with(c: &mut DbConn, session: &Session) -> Result<Vec<Session>, AppError> {
    let Some(room) = session.room_id else { return Ok(Vec::new()) };
    Ok(s::table
        .filter(s::event_id.eq(session.event_id))
        .filter(s::room_id.eq(Some(room)))
        .filter(s::status.eq("scheduled"))
        .filter(s::id.ne(session.id))
        .filter(s::starts_at.lt(session.ends_at).and(s::ends_at.gt(session.starts_at)))
        .select(Session::as_select())
        .load(c)?)
}

/// The e-mail addresses of speakers linked to participants, for the edit form.
pub fn speaker_emails(c: &mut DbConn, speakers: &[&super::model::Speaker]) -> Result<Vec<(i64, String)>, AppError> {
    let ids: Vec<i64> = speakers.iter().filter_map(|s| s.user_id).collect();
    Ok(users::table.filter(users::id.eq_any(ids)).select((users::id, users::email)).load(c)?)
}

pub fn create_session(
    c: &mut DbConn,
    event: &Event,
    actor: i64,
    input: &SessionInput,
) -> Result<Result<Session, FormErrors>, AppError> {
    crate::db::write_transaction(c, |c| {
        let n: i64 = s::table.filter(s::event_id.eq(event.id)).count().get_result(c)?;
        if n >= SESSIONS_MAX {
            let mut e = FormErrors::default();
            e.add("title", format!("An event can have at most {SESSIONS_MAX} sessions, cancelled ones included."));
            return Ok(Err(e));
        }
        let accounts = match speaker_accounts(c, input)? {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        let t = now();
        let id: i64 = diesel::insert_into(s::table)
            .values((
                s::event_id.eq(event.id),
                s::guid.eq(uuid::Uuid::new_v4().to_string()),
                s::title.eq(&input.title),
                s::abstract_text.eq(&input.abstract_text),
                s::kind.eq(&input.kind),
                s::starts_at.eq(input.starts_at),
                s::ends_at.eq(input.ends_at),
                s::room_id.eq(input.room_id),
                s::track_id.eq(input.track_id),
                s::capacity.eq(input.capacity),
                s::signup_required.eq(input.signup_required),
                s::created_at.eq(t),
                s::updated_at.eq(t),
            ))
            .returning(s::id)
            .get_result(c)?;
        write_speakers(c, id, input, &accounts)?;
        let session = find_session(c, event.id, id)?.ok_or(AppError::NotFound)?;
        let words = format!("added \"{}\" on {}", session.title, notices::place_and_time(event, &held(c, &session)?));
        crate::audit::record_event(c, Some(actor), event.id, "session.created", &words)?;
        Ok(Ok(session))
    })
}

/// Saves a session's changes. A change of time or room marks it for the people who chose it.
pub fn update_session(
    c: &mut DbConn,
    event: &Event,
    actor: i64,
    id: i64,
    input: &SessionInput,
) -> Result<Result<Session, FormErrors>, AppError> {
    crate::db::write_transaction(c, |c| {
        let before = find_session(c, event.id, id)?.ok_or(AppError::NotFound)?;
        let accounts = match speaker_accounts(c, input)? {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(cap) = input.capacity {
            let taken = signup_count(c, id)?;
            if i64::from(cap) < taken {
                let mut e = FormErrors::default();
                e.add(
                    "capacity",
                    format!("{taken} people have already chosen this session; the capacity cannot be lower."),
                );
                return Ok(Err(e));
            }
        }
        let held_before = held(c, &before)?;
        let held_after = Held {
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            room: room_name(c, input.room_id)?,
            cancelled: before.is_cancelled(),
        };
        diesel::update(s::table.find(id))
            .set((
                s::title.eq(&input.title),
                s::abstract_text.eq(&input.abstract_text),
                s::kind.eq(&input.kind),
                s::starts_at.eq(input.starts_at),
                s::ends_at.eq(input.ends_at),
                s::room_id.eq(input.room_id),
                s::track_id.eq(input.track_id),
                s::capacity.eq(input.capacity),
                s::signup_required.eq(input.signup_required),
                s::sequence.eq(s::sequence + 1),
                s::updated_at.eq(now()),
            ))
            .execute(c)?;
        write_speakers(c, id, input, &accounts)?;
        let words = notices::edit_words(event, &before.title, &input.title, &held_before, &held_after);
        if held_before != held_after {
            mark_changed(c, id, &words)?;
        }
        crate::audit::record_event(c, Some(actor), event.id, "session.updated", &words)?;
        Ok(Ok(find_session(c, event.id, id)?.ok_or(AppError::NotFound)?))
    })
}

/// Cancels (or restores) a session; the people who chose it are told.
pub fn set_cancelled(c: &mut DbConn, event: &Event, actor: i64, id: i64, cancelled: bool) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let before = find_session(c, event.id, id)?.ok_or(AppError::NotFound)?;
        if before.is_cancelled() == cancelled {
            return Ok(());
        }
        diesel::update(s::table.find(id))
            .set((
                s::status.eq(if cancelled { "cancelled" } else { "scheduled" }),
                s::sequence.eq(s::sequence + 1),
                s::updated_at.eq(now()),
            ))
            .execute(c)?;
        let (verb, action) =
            if cancelled { ("cancelled", "session.cancelled") } else { ("restored", "session.restored") };
        let words = format!("{verb} \"{}\" ({})", before.title, notices::place_and_time(event, &held(c, &before)?));
        mark_changed(c, id, &words)?;
        crate::audit::record_event(c, Some(actor), event.id, action, &words)
    })
}

/// The name of a room ("" for none), as people are told it.
fn room_name(c: &mut DbConn, room_id: Option<i64>) -> Result<String, AppError> {
    let Some(id) = room_id else { return Ok(String::new()) };
    Ok(rooms::table.find(id).select(rooms::name).first(c).optional()?.unwrap_or_default())
}

/// A session as people hold it now.
fn held(c: &mut DbConn, session: &Session) -> Result<Held, AppError> {
    Ok(Held::of(session, &room_name(c, session.room_id)?))
}

/// Marks a session whose time, room or status changed for the next programme notice, when
/// anyone chose it. The mark says nothing about what changed: the notifier compares what each
/// person holds with the session as it is then.
fn mark_changed(c: &mut DbConn, session_id: i64, words: &str) -> Result<(), AppError> {
    if signup_count(c, session_id)? == 0 {
        return Ok(());
    }
    diesel::insert_into(sc::table)
        .values((sc::session_id.eq(session_id), sc::description.eq(words), sc::created_at.eq(now())))
        .execute(c)?;
    Ok(())
}

/// A room was renamed or deleted: its sessions' place changed, for calendars (a new
/// SEQUENCE) and for the people who chose them.
fn room_sessions_changed(c: &mut DbConn, room_id: i64, words: &str) -> Result<(), AppError> {
    let ids: Vec<i64> = s::table.filter(s::room_id.eq(Some(room_id))).select(s::id).load(c)?;
    diesel::update(s::table.filter(s::id.eq_any(&ids)))
        .set((s::sequence.eq(s::sequence + 1), s::updated_at.eq(now())))
        .execute(c)?;
    for id in ids {
        mark_changed(c, id, words)?;
    }
    Ok(())
}

// ---------- personal agendas ----------

pub fn signup_count(c: &mut DbConn, session_id: i64) -> Result<i64, AppError> {
    Ok(su::table.filter(su::session_id.eq(session_id)).count().get_result(c)?)
}

/// Places taken per session of the event.
pub fn signup_counts(c: &mut DbConn, event_id: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(su::table
        .inner_join(s::table)
        .filter(s::event_id.eq(event_id))
        .group_by(su::session_id)
        .select((su::session_id, diesel::dsl::count_star()))
        .load(c)?)
}

/// Ids of the sessions of `event_id` that `user_id` chose.
pub fn chosen(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(su::table
        .inner_join(s::table)
        .filter(s::event_id.eq(event_id).and(su::user_id.eq(user_id)))
        .select(su::session_id)
        .load(c)?)
}

pub fn is_confirmed(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<bool, AppError> {
    let n: i64 = registrations::table
        .filter(registrations::event_id.eq(event_id))
        .filter(registrations::user_id.eq(user_id))
        .filter(registrations::status.eq("confirmed"))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddRefusal {
    NotConfirmed,
    Full,
    NotAvailable,
}

impl AddRefusal {
    pub fn message(self) -> &'static str {
        match self {
            AddRefusal::NotConfirmed => "Only confirmed participants of the event can build a personal agenda.",
            AddRefusal::Full => "This session is full.",
            AddRefusal::NotAvailable => "This session cannot be added (it is cancelled or a break).",
        }
    }
}

/// Adds a session to the person's agenda; for sessions with a capacity, within the lock. The
/// person holds the session as it is now: later notices tell them what differs from this.
pub fn add(c: &mut DbConn, event_id: i64, session_id: i64, user_id: i64) -> Result<Result<(), AddRefusal>, AppError> {
    crate::db::write_transaction(c, |c| {
        let n = diesel::update(s::table.find(session_id).filter(s::event_id.eq(event_id)))
            .set(s::signups_version.eq(s::signups_version + 1))
            .execute(c)?;
        if n == 0 {
            return Err(AppError::NotFound);
        }
        let session = find_session(c, event_id, session_id)?.ok_or(AppError::NotFound)?;
        if !is_confirmed(c, event_id, user_id)? {
            return Ok(Err(AddRefusal::NotConfirmed));
        }
        if !session.can_be_added() {
            return Ok(Err(AddRefusal::NotAvailable));
        }
        let already: i64 =
            su::table.filter(su::session_id.eq(session_id).and(su::user_id.eq(user_id))).count().get_result(c)?;
        if already > 0 {
            return Ok(Ok(()));
        }
        if let Some(cap) = session.capacity {
            if signup_count(c, session_id)? >= i64::from(cap) {
                return Ok(Err(AddRefusal::Full));
            }
        }
        let h = held(c, &session)?;
        diesel::insert_into(su::table)
            .values((
                su::session_id.eq(session_id),
                su::user_id.eq(user_id),
                su::created_at.eq(now()),
                su::told_starts_at.eq(Some(h.starts_at)),
                su::told_ends_at.eq(Some(h.ends_at)),
                su::told_room.eq(&h.room),
                su::told_cancelled.eq(h.cancelled),
            ))
            .execute(c)?;
        Ok(Ok(()))
    })
}

/// Takes a session off the person's agenda. If a programme notice had put it into their
/// calendar, a cancellation takes it out again (their feed drops it at once).
pub fn remove(c: &mut DbConn, base_url: &str, event: &Event, session_id: i64, user_id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        find_session(c, event.id, session_id)?.ok_or(AppError::NotFound)?;
        let mailed: Option<Option<i32>> =
            su::table.find((session_id, user_id)).select(su::told_sequence).first(c).optional()?;
        diesel::delete(su::table.find((session_id, user_id))).execute(c)?;
        let Some(Some(_)) = mailed else { return Ok(()) };
        let programme = Programme::load(c, event.id)?;
        let Some(session) = programme.session(session_id) else { return Ok(()) };
        let (email, name): (String, String) =
            users::table.find(user_id).select((users::email, users::name)).first(c)?;
        let now = Held::of(session, programme.room_name(session.room_id));
        let mail = super::emails::removed_from_agenda(
            base_url,
            event,
            &name,
            &format!("\"{}\" ({})", session.title, notices::place_and_time(event, &now)),
        );
        let entry = super::exports::session_entry(base_url, event, &programme, session).attendee(&name, &email);
        let cancel = crate::ical::invitation(
            crate::ical::Method::Cancel,
            &super::exports::personal_calendar_name(event),
            "programme-cancelled.ics",
            vec![entry],
        );
        mail::enqueue_with_all(c, &email, &name, &mail, vec![cancel])?;
        Ok(())
    })
}

/// Choices written in bulk (demo data) hold their sessions as they are now, as choices made
/// through `add` do.
pub fn hold_as_now(c: &mut DbConn, event_id: i64) -> Result<(), AppError> {
    let unknown: Vec<(i64, i64)> = su::table
        .inner_join(s::table)
        .filter(s::event_id.eq(event_id).and(su::told_starts_at.is_null()))
        .select((su::session_id, su::user_id))
        .load(c)?;
    let programme = Programme::load(c, event_id)?;
    for (session_id, user_id) in unknown {
        let Some(session) = programme.session(session_id) else { continue };
        let h = Held::of(session, programme.room_name(session.room_id));
        diesel::update(su::table.find((session_id, user_id)))
            .set((
                su::told_starts_at.eq(Some(h.starts_at)),
                su::told_ends_at.eq(Some(h.ends_at)),
                su::told_room.eq(&h.room),
                su::told_cancelled.eq(h.cancelled),
            ))
            .execute(c)?;
    }
    Ok(())
}

// ---------- change notices ----------

/// Sends programme notices for every event whose programme has had no new change for `quiet`
/// (per event, so a burst of edits across several sessions goes out as one e-mail per person).
/// Marks are claimed with a conditional update, so two servers never send the same notice; an
/// event whose notices fail is retried on the next round without holding up the others.
pub fn send_due_changes(c: &mut DbConn, base_url: &str, quiet: TimeDelta) -> Result<usize, AppError> {
    let cutoff = now() - quiet;
    let pending: Vec<(i64, i64, i64, NaiveDateTime)> = sc::table
        .inner_join(s::table)
        .filter(sc::sent_at.is_null())
        .select((sc::id, s::event_id, sc::session_id, sc::created_at))
        .load(c)?;
    let mut events: BTreeMap<i64, (NaiveDateTime, Vec<(i64, i64)>)> = BTreeMap::new();
    for (id, event_id, session_id, at) in pending {
        let e = events.entry(event_id).or_insert((at, Vec::new()));
        e.0 = e.0.max(at);
        e.1.push((id, session_id));
    }
    let mut sent = 0;
    for (event_id, (newest, marks)) in events {
        if newest > cutoff {
            continue;
        }
        match notify_event(c, base_url, event_id, &marks) {
            Ok(n) => sent += n,
            Err(e) => tracing::warn!(event_id, error = %e, "programme notices failed; retrying later"),
        }
    }
    Ok(sent)
}

/// One choice of a marked session, with what its person holds.
#[derive(Queryable)]
struct Choice {
    session_id: i64,
    user_id: i64,
    starts_at: Option<NaiveDateTime>,
    ends_at: Option<NaiveDateTime>,
    room: String,
    cancelled: bool,
    sequence: Option<i32>,
}

impl Choice {
    fn held(&self) -> Option<Held> {
        Some(Held {
            starts_at: self.starts_at?,
            ends_at: self.ends_at?,
            room: self.room.clone(),
            cancelled: self.cancelled,
        })
    }
}

/// Claims the marks of one event and mails each confirmed participant who chose a marked
/// session, and holds something else than what is true now, one notice.
fn notify_event(c: &mut DbConn, base_url: &str, event_id: i64, marks: &[(i64, i64)]) -> Result<usize, AppError> {
    crate::db::write_transaction(c, |c| {
        let t = now();
        let mut marked = BTreeSet::new();
        for (id, session_id) in marks {
            let n = diesel::update(sc::table.find(id).filter(sc::sent_at.is_null()))
                .set(sc::sent_at.eq(Some(t)))
                .execute(c)?;
            if n == 1 {
                marked.insert(*session_id);
            }
        }
        if marked.is_empty() {
            return Ok(0);
        }
        let event = crate::events::model::find(c, event_id)?.ok_or(AppError::NotFound)?;
        let mut programme = Programme::load(c, event_id)?;
        // Speakers and anyone else who did not choose a session are not told: the notice is
        // about their own agenda and the calendar entries it put there. People whose
        // registration is not confirmed keep what they hold, and hear the difference later
        // if they are confirmed again.
        let confirmed = registrations::table
            .filter(registrations::event_id.eq(event_id).and(registrations::status.eq("confirmed")))
            .select(registrations::user_id);
        let choices: Vec<Choice> = su::table
            .filter(su::session_id.eq_any(marked.iter().copied().collect::<Vec<_>>()))
            .filter(su::user_id.eq_any(confirmed))
            .order((su::user_id, su::session_id))
            .select((
                su::session_id,
                su::user_id,
                su::told_starts_at,
                su::told_ends_at,
                su::told_room,
                su::told_cancelled,
                su::told_sequence,
            ))
            .load(c)?;
        // Each mailed SEQUENCE must exceed what the person got before and equal the feed's.
        // The session's counter only grows, so this holds; should a stored value ever say
        // otherwise, the session's counter moves past it (and the feed with it).
        for session in programme.sessions.iter_mut().filter(|s| marked.contains(&s.id)) {
            let highest = choices.iter().filter(|ch| ch.session_id == session.id).filter_map(|ch| ch.sequence).max();
            if let Some(h) = highest.filter(|h| *h >= session.sequence) {
                diesel::update(s::table.find(session.id)).set(s::sequence.eq(h + 1)).execute(c)?;
                session.sequence = h + 1;
            }
        }
        let mut per_person: BTreeMap<i64, Vec<(&Session, notices::News)>> = BTreeMap::new();
        for ch in &choices {
            let Some(session) = programme.session(ch.session_id) else { continue };
            let now = Held::of(session, programme.room_name(session.room_id));
            if let Some(news) = notices::news(ch.held().as_ref(), &now) {
                per_person.entry(ch.user_id).or_default().push((session, news));
            }
        }
        let calendar_name = super::exports::personal_calendar_name(&event);
        let mut titles = BTreeSet::new();
        let people = per_person.len();
        // Everyone's address in one query; what each session's people now hold in one update.
        let ids: Vec<i64> = per_person.keys().copied().collect();
        let contacts: BTreeMap<i64, (String, String)> = users::table
            .filter(users::id.eq_any(&ids))
            .select((users::id, users::email, users::name))
            .load::<(i64, String, String)>(c)?
            .into_iter()
            .map(|(id, email, name)| (id, (email, name)))
            .collect();
        let mut told: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (user_id, items) in per_person {
            let Some((email, name)) = contacts.get(&user_id).cloned() else { continue };
            let (mut lines, mut requests, mut cancels) = (Vec::new(), Vec::new(), Vec::new());
            for (session, news) in items {
                lines.push(news.line(&event, &session.title));
                titles.insert(session.title.clone());
                let entry =
                    super::exports::session_entry(base_url, &event, &programme, session).attendee(&name, &email);
                if news.is_cancellation() {
                    cancels.push(entry);
                } else {
                    requests.push(entry.cancelled(false));
                }
                told.entry(session.id).or_default().push(user_id);
            }
            let mut files = Vec::new();
            if !requests.is_empty() {
                let m = crate::ical::Method::Request;
                files.push(crate::ical::invitation(m, &calendar_name, "programme-update.ics", requests));
            }
            if !cancels.is_empty() {
                let m = crate::ical::Method::Cancel;
                files.push(crate::ical::invitation(m, &calendar_name, "programme-cancelled.ics", cancels));
            }
            let mail = super::emails::programme_changed(base_url, &event, &name, &lines);
            mail::enqueue_with_all(c, &email, &name, &mail, files)?;
        }
        for (session_id, users_told) in told {
            let Some(session) = programme.session(session_id) else { continue };
            let now = Held::of(session, programme.room_name(session.room_id));
            for chunk in users_told.chunks(500) {
                diesel::update(su::table.filter(su::session_id.eq(session_id).and(su::user_id.eq_any(chunk))))
                    .set((
                        su::told_starts_at.eq(Some(now.starts_at)),
                        su::told_ends_at.eq(Some(now.ends_at)),
                        su::told_room.eq(&now.room),
                        su::told_cancelled.eq(now.cancelled),
                        su::told_sequence.eq(Some(session.sequence)),
                    ))
                    .execute(c)?;
            }
        }
        if people > 0 {
            let about = titles.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ");
            let whom = if people == 1 { "1 person".to_string() } else { format!("{people} people") };
            let words = format!("sent programme notices to {whom} about {about}");
            crate::audit::record_event(c, None, event_id, "session.notified", &words)?;
        }
        Ok(people)
    })
}

/// The programme with the sessions `user_id` chose, for "my agenda".
pub fn my_sessions(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<(Programme, Vec<i64>), AppError> {
    let programme = Programme::load(c, event_id)?;
    let chosen = chosen(c, event_id, user_id)?;
    Ok((programme, chosen))
}
