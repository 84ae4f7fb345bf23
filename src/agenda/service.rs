//! Programme changes and personal agendas. Adding a session with a capacity locks the session
//! row first (as registration locks the event row), so places are never overbooked. Changes to
//! sessions people chose are queued and mailed together once the organisers pause editing.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::model::{Programme, RoomInput, Session, SessionInput, TrackInput, ROOMS_MAX, SESSIONS_MAX, TRACKS_MAX};
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
        match id {
            Some(id) => {
                let n = diesel::update(rooms::table.find(id).filter(rooms::event_id.eq(event_id)))
                    .set((rooms::name.eq(&input.name), rooms::capacity.eq(input.capacity)))
                    .execute(c)?;
                if n == 0 {
                    return Err(AppError::NotFound);
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
            }
        }
        crate::audit::record_event(c, Some(actor), event_id, "room.saved", &input.name)?;
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
        match id {
            Some(id) => {
                let n = diesel::update(tracks::table.find(id).filter(tracks::event_id.eq(event_id)))
                    .set((tracks::name.eq(&input.name), tracks::colour.eq(&input.colour)))
                    .execute(c)?;
                if n == 0 {
                    return Err(AppError::NotFound);
                }
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
            }
        }
        crate::audit::record_event(c, Some(actor), event_id, "track.saved", &input.name)?;
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
        diesel::update(s::table.filter(s::room_id.eq(Some(id)))).set(s::room_id.eq(None::<i64>)).execute(c)?;
        diesel::delete(rooms::table.find(id)).execute(c)?;
        crate::audit::record_event(c, Some(actor), event_id, "room.deleted", &name)
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
        crate::audit::record_event(c, Some(actor), event_id, "track.deleted", &name)
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
        crate::audit::record_event(c, Some(actor), event.id, "session.created", &input.title)?;
        Ok(Ok(find_session(c, event.id, id)?.ok_or(AppError::NotFound)?))
    })
}

/// Saves a session's changes. A change of time or room is queued for the people who chose it.
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
        let programme_rooms: Vec<(i64, String)> =
            rooms::table.filter(rooms::event_id.eq(event.id)).select((rooms::id, rooms::name)).load(c)?;
        let room_name = |id: Option<i64>| {
            id.and_then(|id| programme_rooms.iter().find(|(r, _)| *r == id))
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| "no room".into())
        };
        let mut changes = Vec::new();
        if before.starts_at != input.starts_at || before.ends_at != input.ends_at {
            let when = |st: NaiveDateTime, en: NaiveDateTime| {
                format!("{}–{}", event.local(st).format("%a %-d %B, %H:%M"), event.local(en).format("%H:%M %Z"))
            };
            changes.push(format!(
                "\"{}\" moves to {} (was {}).",
                input.title,
                when(input.starts_at, input.ends_at),
                when(before.starts_at, before.ends_at)
            ));
        }
        if before.room_id != input.room_id {
            changes.push(format!(
                "\"{}\" is now in {} (was {}).",
                input.title,
                room_name(input.room_id),
                room_name(before.room_id)
            ));
        }
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
        for change in &changes {
            queue_change(c, id, change)?;
        }
        let detail = if changes.is_empty() { input.title.clone() } else { changes.join(" ") };
        crate::audit::record_event(c, Some(actor), event.id, "session.updated", &detail)?;
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
        let what = if cancelled { "is cancelled" } else { "takes place after all" };
        queue_change(c, id, &format!("\"{}\" {what}.", before.title))?;
        let action = if cancelled { "session.cancelled" } else { "session.restored" };
        crate::audit::record_event(c, Some(actor), event.id, action, &before.title)
    })
}

fn queue_change(c: &mut DbConn, session_id: i64, description: &str) -> Result<(), AppError> {
    if signup_count(c, session_id)? == 0 {
        return Ok(());
    }
    diesel::insert_into(sc::table)
        .values((sc::session_id.eq(session_id), sc::description.eq(description), sc::created_at.eq(now())))
        .execute(c)?;
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

/// Adds a session to the person's agenda; for sessions with a capacity, within the lock.
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
        diesel::insert_into(su::table)
            .values((su::session_id.eq(session_id), su::user_id.eq(user_id), su::created_at.eq(now())))
            .execute(c)?;
        Ok(Ok(()))
    })
}

pub fn remove(c: &mut DbConn, event_id: i64, session_id: i64, user_id: i64) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        find_session(c, event_id, session_id)?.ok_or(AppError::NotFound)?;
        diesel::delete(su::table.filter(su::session_id.eq(session_id).and(su::user_id.eq(user_id)))).execute(c)?;
        Ok(())
    })
}

// ---------- change notices ----------

/// Mails queued changes once an event's programme has had no new change for `quiet`: one
/// e-mail per person listing every change to the sessions they chose. The quiet period is per
/// event, so a burst of edits across several sessions goes out as one e-mail. Rows are claimed
/// with a conditional update, so two servers never send the same notice.
pub fn send_due_changes(c: &mut DbConn, base_url: &str, quiet: TimeDelta) -> Result<usize, AppError> {
    let cutoff = now() - quiet;
    let pending: Vec<(i64, i64, NaiveDateTime)> = sc::table
        .inner_join(s::table)
        .filter(sc::sent_at.is_null())
        .select((s::event_id, sc::session_id, sc::created_at))
        .load(c)?;
    let mut newest: std::collections::BTreeMap<i64, NaiveDateTime> = Default::default();
    for (event_id, _, at) in &pending {
        let t = newest.entry(*event_id).or_insert(*at);
        *t = (*t).max(*at);
    }
    let mut due: Vec<i64> = pending
        .iter()
        .filter(|(event_id, _, _)| newest[event_id] <= cutoff)
        .map(|(_, session_id, _)| *session_id)
        .collect();
    due.sort_unstable();
    due.dedup();
    if due.is_empty() {
        return Ok(0);
    }
    crate::db::write_transaction(c, |c| {
        let t = now();
        // One e-mail per person and event.
        let mut per_person: std::collections::BTreeMap<(i64, i64), Vec<String>> = Default::default();
        for session_id in due {
            let changes: Vec<(i64, String)> = sc::table
                .filter(sc::session_id.eq(session_id).and(sc::sent_at.is_null()))
                .order(sc::id)
                .select((sc::id, sc::description))
                .load(c)?;
            let mut claimed = Vec::new();
            for (id, description) in changes {
                let n = diesel::update(sc::table.find(id).filter(sc::sent_at.is_null()))
                    .set(sc::sent_at.eq(Some(t)))
                    .execute(c)?;
                if n == 1 {
                    claimed.push(description);
                }
            }
            if claimed.is_empty() {
                continue;
            }
            let event_id: i64 = s::table.find(session_id).select(s::event_id).first(c)?;
            let people: Vec<i64> = su::table.filter(su::session_id.eq(session_id)).select(su::user_id).load(c)?;
            for p in people {
                per_person.entry((p, event_id)).or_default().extend(claimed.iter().cloned());
            }
        }
        let mut sent = 0;
        for ((user_id, event_id), lines) in per_person {
            let event = crate::events::model::find(c, event_id)?.ok_or(AppError::NotFound)?;
            let (email, name): (String, String) =
                users::table.find(user_id).select((users::email, users::name)).first(c)?;
            let mail = super::emails::programme_changed(base_url, &event, &name, &lines);
            mail::enqueue(c, &email, &name, &mail)?;
            sent += 1;
        }
        Ok(sent)
    })
}

/// The programme with the sessions `user_id` chose, for "my agenda".
pub fn my_sessions(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<(Programme, Vec<i64>), AppError> {
    let programme = Programme::load(c, event_id)?;
    let chosen = chosen(c, event_id, user_id)?;
    Ok((programme, chosen))
}
