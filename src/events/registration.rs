//! Registrations and seats. Every change that can take or free a seat first locks the event
//! row (an UPDATE of `registration_version`): PostgreSQL queues concurrent transactions on that
//! row lock, SQLite on its single writer lock (a transaction whose first statement writes waits
//! in the busy handler instead of failing). Inside the lock, counting confirmed rows is exact,
//! so seats are never overbooked and waitlist numbers are handed out once each, in order, on
//! one server or on several sharing one database.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::emails::{self, Outcome};
use super::model::{self, Event, EventStatus};
use super::questions::Answers;
use super::ticket::{self, TicketKey};
use crate::db::schema::{events, registration_answers, registrations as r, users};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::mail;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = r)]
pub struct Registration {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub status: String,
    pub waitlist_number: Option<i32>,
    pub ical_uid: String,
    pub ical_sequence: i32,
    pub directory_consent: bool,
    pub matchmaking_consent: bool,
    pub attended_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    #[serde(skip)]
    pub calendar_epoch: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegStatus {
    Pending,
    Confirmed,
    Waitlisted,
    Cancelled,
    Rejected,
}

pub const STATUSES: &[(&str, &str)] = &[
    ("confirmed", "Confirmed"),
    ("pending", "Awaiting approval"),
    ("waitlisted", "Waitlisted"),
    ("cancelled", "Cancelled"),
    ("rejected", "Rejected"),
];

/// Statuses that hold (or wait for) a place.
pub const ACTIVE: [&str; 3] = ["pending", "confirmed", "waitlisted"];

impl RegStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "confirmed" => Some(Self::Confirmed),
            "waitlisted" => Some(Self::Waitlisted),
            "cancelled" => Some(Self::Cancelled),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Waitlisted => "waitlisted",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
        }
    }
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Confirmed | Self::Waitlisted)
    }
}

pub fn status_label(s: &str) -> &'static str {
    STATUSES.iter().find(|(c, _)| *c == s).map(|(_, l)| *l).unwrap_or("")
}

impl Registration {
    pub fn status(&self) -> RegStatus {
        RegStatus::parse(&self.status).unwrap_or(RegStatus::Cancelled)
    }
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }

    /// Whether the registration still stands but the event was cancelled: it ended with the
    /// event, so the person is shown that, never "Confirmed". The stored status is kept so that
    /// an event put back on restores every registration as it was.
    pub fn ended_by_event(&self, event: &Event) -> bool {
        self.status().is_active() && event.status() == EventStatus::Cancelled
    }

    /// The status as the person sees it (CSS code, words): the event's cancellation included.
    pub fn shown_status(&self, event: &Event) -> (&'static str, &'static str) {
        if self.ended_by_event(event) {
            ("cancelled", "Event cancelled")
        } else {
            (self.status().as_str(), self.status_label())
        }
    }

    /// Whether the person holds a calendar entry for the event: a seat at an event that takes
    /// place. Waitlisted and pending people get none until they have a seat.
    pub fn holds_entry(&self, event: &Event) -> bool {
        self.status() == RegStatus::Confirmed && event.status() != EventStatus::Cancelled
    }
}

/// Why registrations of `event` can no longer change (cancelled, approved, moved from the
/// waitlist, refused), or None. A cancelled event ended them all; once an event is over its
/// registrations are its attendance record, and an e-mail about a seat would come too late.
/// While the event runs they can still change: someone who must leave frees the seat for the
/// waitlist, which matters on a day of meetings and on events of several days.
pub fn frozen(event: &Event, now: NaiveDateTime) -> Option<Frozen> {
    if event.status() == EventStatus::Cancelled {
        Some(Frozen::EventCancelled)
    } else if now >= event.ends_at {
        Some(Frozen::EventOver)
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frozen {
    EventCancelled,
    EventOver,
}

impl Frozen {
    /// To the person who tried to cancel.
    pub fn message(self) -> &'static str {
        match self {
            Frozen::EventCancelled => {
                "This event has been cancelled, so your registration has already ended with it; there is nothing to cancel."
            }
            Frozen::EventOver => {
                "This event is over, so its registrations can no longer be cancelled: they are its attendance record."
            }
        }
    }
    /// To organisers, after a person's name.
    pub fn reason(self) -> &'static str {
        match self {
            Frozen::EventCancelled => "the event is cancelled",
            Frozen::EventOver => "the event is over",
        }
    }
}

/// Takes the event's registration lock for the rest of the transaction and returns the event
/// as it is now.
pub fn lock_event(c: &mut DbConn, event_id: i64) -> Result<Event, AppError> {
    let n = diesel::update(events::table.find(event_id))
        .set(events::registration_version.eq(events::registration_version + 1))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    model::find(c, event_id)?.ok_or(AppError::NotFound)
}

pub fn count_with_status(c: &mut DbConn, event_id: i64, status: RegStatus) -> Result<i64, AppError> {
    Ok(r::table.filter(r::event_id.eq(event_id).and(r::status.eq(status.as_str()))).count().get_result(c)?)
}

fn seat_free(c: &mut DbConn, event: &Event) -> Result<bool, AppError> {
    match event.capacity {
        None => Ok(true),
        Some(cap) => Ok(count_with_status(c, event.id, RegStatus::Confirmed)? < i64::from(cap)),
    }
}

fn next_waitlist_number(c: &mut DbConn, event_id: i64) -> Result<i32, AppError> {
    Ok(diesel::update(events::table.find(event_id))
        .set(events::waitlist_seq.eq(events::waitlist_seq + 1))
        .returning(events::waitlist_seq)
        .get_result(c)?)
}

/// 1 for the first person waiting, without gaps: the rank among those still waiting.
pub fn waitlist_position(c: &mut DbConn, reg: &Registration) -> Result<Option<i64>, AppError> {
    let Some(n) = reg.waitlist_number.filter(|_| reg.status() == RegStatus::Waitlisted) else { return Ok(None) };
    let ahead: i64 = r::table
        .filter(r::event_id.eq(reg.event_id))
        .filter(r::status.eq("waitlisted"))
        .filter(r::waitlist_number.le(n))
        .count()
        .get_result(c)?;
    Ok(Some(ahead))
}

/// The position a person is shown: live while they wait for a seat that can still come, none
/// once the event is over or cancelled.
pub fn shown_position(c: &mut DbConn, event: &Event, reg: &Registration) -> Result<Option<i64>, AppError> {
    if frozen(event, now()).is_some() {
        return Ok(None);
    }
    waitlist_position(c, reg)
}

pub fn find(c: &mut DbConn, id: i64) -> Result<Option<Registration>, AppError> {
    Ok(r::table.find(id).select(Registration::as_select()).first(c).optional()?)
}

pub fn find_for(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Option<Registration>, AppError> {
    Ok(r::table
        .filter(r::event_id.eq(event_id).and(r::user_id.eq(user_id)))
        .select(Registration::as_select())
        .first(c)
        .optional()?)
}

pub fn answers_of(c: &mut DbConn, registration_id: i64) -> Result<Vec<(i64, String)>, AppError> {
    Ok(registration_answers::table
        .filter(registration_answers::registration_id.eq(registration_id))
        .select((registration_answers::question_id, registration_answers::value))
        .load(c)?)
}

/// What a person sends with the registration form.
#[derive(Debug, Clone, Default)]
pub struct RegisterInput {
    pub answers: Answers,
    pub directory_consent: bool,
    pub matchmaking_consent: bool,
    pub organisation: String,
    pub sector: String,
    pub country: String,
    /// The role or job title, when the form had the field (None keeps the stored one).
    pub job_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Outside the registration window, a draft, closed or cancelled event: the message says which.
    Closed(String),
    AlreadyRegistered(&'static str),
    Rejected,
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::Closed(m) => m.clone(),
            Refusal::AlreadyRegistered(status) => {
                format!("You are already registered for this event (status: {}).", status.to_lowercase())
            }
            Refusal::Rejected => "The organisers could not accept your registration for this event.".into(),
        }
    }
}

/// The result of a successful registration.
#[derive(Debug, Clone)]
pub struct Registered {
    pub registration: Registration,
    pub outcome: Outcome,
    pub waitlist_position: Option<i64>,
}

use crate::matchmaking::published::Change::Unregistered;

/// Registers `user_id` for the event: confirmed while seats remain, waitlisted in arrival order
/// when full, pending when the organisers approve each registration. Sends the matching e-mail.
pub fn register(
    c: &mut DbConn,
    base_url: &str,
    tickets: &TicketKey,
    event_id: i64,
    user_id: i64,
    input: &RegisterInput,
) -> Result<Result<Registered, Refusal>, AppError> {
    crate::db::write_transaction(c, |c| {
        let event = lock_event(c, event_id)?;
        let t = now();
        if let Some(msg) = event.window_message(t) {
            return Ok(Err(Refusal::Closed(msg)));
        }
        let existing = find_for(c, event_id, user_id)?;
        if let Some(e) = &existing {
            match e.status() {
                RegStatus::Rejected => return Ok(Err(Refusal::Rejected)),
                s if s.is_active() => return Ok(Err(Refusal::AlreadyRegistered(e.status_label()))),
                _ => {}
            }
        }
        let (status, outcome) = if event.requires_approval {
            (RegStatus::Pending, Outcome::Received)
        } else if seat_free(c, &event)? {
            (RegStatus::Confirmed, Outcome::Confirmed)
        } else {
            (RegStatus::Waitlisted, Outcome::Waitlisted)
        };
        let number = if status == RegStatus::Waitlisted { Some(next_waitlist_number(c, event_id)?) } else { None };
        let id = match &existing {
            Some(prev) => {
                diesel::update(r::table.find(prev.id))
                    .set((
                        r::status.eq(status.as_str()),
                        r::waitlist_number.eq(number),
                        r::ical_sequence.eq(r::ical_sequence + 1),
                        r::directory_consent.eq(input.directory_consent),
                        r::matchmaking_consent.eq(input.matchmaking_consent),
                        r::attended_at.eq(None::<NaiveDateTime>),
                        r::created_at.eq(t),
                        r::updated_at.eq(t),
                    ))
                    .execute(c)?;
                prev.id
            }
            None => diesel::insert_into(r::table)
                .values((
                    r::event_id.eq(event_id),
                    r::user_id.eq(user_id),
                    r::status.eq(status.as_str()),
                    r::waitlist_number.eq(number),
                    r::ical_uid.eq(format!("registration-{}@liaison", uuid::Uuid::new_v4().simple())),
                    r::directory_consent.eq(input.directory_consent),
                    r::matchmaking_consent.eq(input.matchmaking_consent),
                    r::created_at.eq(t),
                    r::updated_at.eq(t),
                ))
                .returning(r::id)
                .get_result(c)?,
        };
        diesel::delete(registration_answers::table.filter(registration_answers::registration_id.eq(id))).execute(c)?;
        for (question_id, value) in &input.answers {
            diesel::insert_into(registration_answers::table)
                .values((
                    registration_answers::registration_id.eq(id),
                    registration_answers::question_id.eq(question_id),
                    registration_answers::value.eq(value),
                ))
                .execute(c)?;
        }
        diesel::update(users::table.find(user_id))
            .set((
                users::organisation.eq(&input.organisation),
                users::sector.eq(&input.sector),
                users::country.eq(&input.country),
                users::updated_at.eq(t),
            ))
            .execute(c)?;
        if let Some(job_title) = &input.job_title {
            diesel::update(users::table.find(user_id)).set(users::job_title.eq(job_title)).execute(c)?;
        }
        let reg = find(c, id)?.ok_or(AppError::NotFound)?;
        let position = waitlist_position(c, &reg)?;
        send_outcome(c, base_url, tickets, &event, &reg, outcome, position, false)?;
        Ok(Ok(Registered { registration: reg, outcome, waitlist_position: position }))
    })
}

/// Writes the e-mail of `outcome`. `had_seat`: the person held a calendar entry before this
/// change (a cancellation then carries the iTIP CANCEL that removes it). An outcome that gives
/// a seat carries the person's ticket.
#[allow(clippy::too_many_arguments)]
fn send_outcome(
    c: &mut DbConn,
    base_url: &str,
    tickets: &TicketKey,
    event: &Event,
    reg: &Registration,
    outcome: Outcome,
    position: Option<i64>,
    had_seat: bool,
) -> Result<(), AppError> {
    let (email, name): (String, String) =
        users::table.find(reg.user_id).select((users::email, users::name)).first(c)?;
    let to = emails::To { name: &name, email: &email };
    let code = (outcome.calendar() == Some(crate::ical::Method::Request)).then(|| ticket::code(tickets, reg.id));
    let (mail, files) = emails::outcome_mail(base_url, event, reg, to, outcome, position, had_seat, code.as_deref());
    mail::enqueue_with_all(c, &email, &name, &mail, files)?;
    Ok(())
}

/// Sets the status. Only a waiting registration keeps a waitlist number (its place in the
/// queue); everyone else has none, so no page or file can show a stale one. Leaving the
/// registration (cancelled, refused) raises its calendar SEQUENCE: the person is told.
fn set_status(c: &mut DbConn, id: i64, status: RegStatus, number: Option<i32>) -> Result<Registration, AppError> {
    let bump = matches!(status, RegStatus::Cancelled | RegStatus::Rejected);
    let number = number.filter(|_| status == RegStatus::Waitlisted);
    diesel::update(r::table.find(id))
        .set((
            r::status.eq(status.as_str()),
            r::waitlist_number.eq(number),
            r::ical_sequence.eq(r::ical_sequence + i32::from(bump)),
            r::updated_at.eq(now()),
        ))
        .execute(c)?;
    find(c, id)?.ok_or(AppError::NotFound)
}

/// Gives free seats to the waitlist in arrival order, telling each person. Call with the
/// event locked. Returns how many were promoted. Nobody is moved up at an event that is over or
/// cancelled.
pub fn fill_seats(c: &mut DbConn, base_url: &str, tickets: &TicketKey, event: &Event) -> Result<usize, AppError> {
    let mut promoted = 0;
    if frozen(event, now()).is_some() {
        return Ok(0);
    }
    while seat_free(c, event)? {
        let next: Option<Registration> = r::table
            .filter(r::event_id.eq(event.id).and(r::status.eq("waitlisted")))
            .order(r::waitlist_number)
            .select(Registration::as_select())
            .first(c)
            .optional()?;
        let Some(next) = next else { break };
        let reg = set_status(c, next.id, RegStatus::Confirmed, None)?;
        send_outcome(c, base_url, tickets, event, &reg, Outcome::Promoted, None, false)?;
        promoted += 1;
    }
    Ok(promoted)
}

/// How a person's own cancellation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOwn {
    Cancelled,
    /// It was no longer active (cancelled twice, or refused meanwhile).
    NotActive,
    Refused(Frozen),
}

/// The person cancels their own registration: allowed until the event ends (see [`frozen`]).
pub fn cancel_own(
    c: &mut DbConn,
    base_url: &str,
    tickets: &TicketKey,
    registration_id: i64,
    user_id: i64,
) -> Result<CancelOwn, AppError> {
    // A write transaction: on SQLite it holds the write lock before the first read.
    crate::db::write_transaction(c, |c| {
        let event_id = find(c, registration_id)?.filter(|r| r.user_id == user_id).ok_or(AppError::NotFound)?.event_id;
        let event = lock_event(c, event_id)?;
        // Re-read inside the lock: a concurrent cancellation may have won.
        let reg = find(c, registration_id)?.filter(|r| r.user_id == user_id).ok_or(AppError::NotFound)?;
        if !reg.status().is_active() {
            return Ok(CancelOwn::NotActive);
        }
        if let Some(why) = frozen(&event, now()) {
            return Ok(CancelOwn::Refused(why));
        }
        let had_seat = reg.holds_entry(&event);
        let reg = set_status(c, reg.id, RegStatus::Cancelled, None)?;
        send_outcome(c, base_url, tickets, &event, &reg, Outcome::CancelledByAttendee, None, had_seat)?;
        // Their meetings end with the registration, and partners are told.
        crate::matchmaking::service::withdraw(c, base_url, &event, user_id, Unregistered)?;
        crate::ideas::service::leave_event(c, base_url, &event, user_id)?;
        let mut detail = "cancelled their registration".to_string();
        if had_seat {
            let moved = fill_seats(c, base_url, tickets, &event)?;
            if moved > 0 {
                detail.push_str(&format!("; {moved} moved up from the waitlist"));
            }
        }
        crate::audit::record_event(c, Some(user_id), event.id, "registration.cancel_own", &detail)?;
        Ok(CancelOwn::Cancelled)
    })
}

/// Ends every active registration of a person whose account is being deleted (no e-mail of
/// its own), giving freed seats to the waitlist. Runs inside the deletion's transaction.
/// Returns the event titles and the iTIP CANCEL of each calendar entry the person held (a
/// seat at an event that has not ended), for their goodbye e-mail.
pub fn release_all(
    c: &mut DbConn,
    base_url: &str,
    tickets: &TicketKey,
    user_id: i64,
    to: emails::To,
) -> Result<Vec<(String, mail::Attachment)>, AppError> {
    let active: Vec<(i64, i64)> = r::table
        .filter(r::user_id.eq(user_id).and(r::status.eq_any(ACTIVE)))
        .order(r::id)
        .select((r::id, r::event_id))
        .load(c)?;
    let mut cancels = Vec::new();
    for (id, event_id) in active {
        let event = lock_event(c, event_id)?;
        let reg = find(c, id)?.ok_or(AppError::NotFound)?;
        let was_confirmed = reg.status() == RegStatus::Confirmed;
        let held_entry = reg.holds_entry(&event) && frozen(&event, now()).is_none();
        let reg = set_status(c, id, RegStatus::Cancelled, None)?;
        if held_entry {
            // The cancelled registration's SEQUENCE is above the one last mailed.
            let file = super::ics::invitation(base_url, &event, &reg, crate::ical::Method::Cancel, to);
            cancels.push((event.title.clone(), file));
        }
        if was_confirmed {
            fill_seats(c, base_url, tickets, &event)?;
        }
    }
    Ok(cancels)
}

/// Revokes a person's personal calendar address for the event (a new one replaces it).
pub fn bump_calendar_epoch(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<(), AppError> {
    let n = diesel::update(r::table.filter(r::event_id.eq(event_id).and(r::user_id.eq(user_id))))
        .set(r::calendar_epoch.eq(r::calendar_epoch + 1))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// What organisers can do to one registrant or a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Reject,
    Promote,
    Cancel,
    CheckIn,
    UndoCheckIn,
}

impl Action {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Self::Approve),
            "reject" => Some(Self::Reject),
            "promote" => Some(Self::Promote),
            "cancel" => Some(Self::Cancel),
            "check_in" => Some(Self::CheckIn),
            "undo_check_in" => Some(Self::UndoCheckIn),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Promote => "promote",
            Self::Cancel => "cancel",
            Self::CheckIn => "check_in",
            Self::UndoCheckIn => "undo_check_in",
        }
    }
    pub fn past_tense(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Promote => "moved from the waitlist",
            Self::Cancel => "cancelled",
            Self::CheckIn => "checked in",
            Self::UndoCheckIn => "no longer checked in",
        }
    }
}

/// How an organiser action went: how many changed, and why the others did not.
#[derive(Debug, Default, Clone)]
pub struct ActionReport {
    pub done: Vec<String>,
    pub skipped: Vec<String>,
}

/// Applies `action` to the registrations `ids` of `event_id` (ids of other events are ignored),
/// with the audit entry and the e-mails, in one transaction.
pub fn apply(
    c: &mut DbConn,
    base_url: &str,
    tickets: &TicketKey,
    event_id: i64,
    actor: i64,
    action: Action,
    ids: &[i64],
) -> Result<ActionReport, AppError> {
    crate::db::write_transaction(c, |c| {
        let event = lock_event(c, event_id)?;
        let rows: Vec<(Registration, String)> = r::table
            .inner_join(users::table)
            .filter(r::event_id.eq(event_id).and(r::id.eq_any(ids)))
            .order(r::id)
            .select((Registration::as_select(), users::name))
            .load(c)?;
        let mut report = ActionReport::default();
        let mut freed = false;
        // Check-in stays open after the event (organisers complete the attendance record);
        // seats no longer change then, nor at a cancelled event.
        let closed = frozen(&event, now()).filter(|_| !matches!(action, Action::CheckIn | Action::UndoCheckIn));
        for (reg, name) in rows {
            let status = reg.status();
            let skip = |why: &str| format!("{name}: {why}");
            if let Some(why) = closed {
                report.skipped.push(skip(why.reason()));
                continue;
            }
            match action {
                Action::Approve => {
                    if status != RegStatus::Pending {
                        report.skipped.push(skip("not awaiting approval"));
                        continue;
                    }
                    if seat_free(c, &event)? {
                        let reg = set_status(c, reg.id, RegStatus::Confirmed, None)?;
                        send_outcome(c, base_url, tickets, &event, &reg, Outcome::Approved, None, false)?;
                    } else {
                        let n = next_waitlist_number(c, event_id)?;
                        let reg = set_status(c, reg.id, RegStatus::Waitlisted, Some(n))?;
                        let pos = waitlist_position(c, &reg)?;
                        send_outcome(c, base_url, tickets, &event, &reg, Outcome::ApprovedWaitlisted, pos, false)?;
                    }
                }
                Action::Reject => {
                    if !matches!(status, RegStatus::Pending | RegStatus::Waitlisted) {
                        report.skipped.push(skip("only pending or waitlisted registrations can be rejected"));
                        continue;
                    }
                    let reg = set_status(c, reg.id, RegStatus::Rejected, None)?;
                    send_outcome(c, base_url, tickets, &event, &reg, Outcome::Rejected, None, false)?;
                }
                Action::Promote => {
                    if status != RegStatus::Waitlisted {
                        report.skipped.push(skip("not on the waitlist"));
                        continue;
                    }
                    if !seat_free(c, &event)? {
                        report.skipped.push(skip("no seat is free (raise the capacity first)"));
                        continue;
                    }
                    let reg = set_status(c, reg.id, RegStatus::Confirmed, None)?;
                    send_outcome(c, base_url, tickets, &event, &reg, Outcome::Promoted, None, false)?;
                }
                Action::Cancel => {
                    if !status.is_active() {
                        report.skipped.push(skip("already cancelled or rejected"));
                        continue;
                    }
                    freed |= status == RegStatus::Confirmed;
                    let had_seat = reg.holds_entry(&event);
                    let reg = set_status(c, reg.id, RegStatus::Cancelled, None)?;
                    send_outcome(c, base_url, tickets, &event, &reg, Outcome::CancelledByOrganiser, None, had_seat)?;
                    crate::matchmaking::service::withdraw(c, base_url, &event, reg.user_id, Unregistered)?;
                    crate::ideas::service::leave_event(c, base_url, &event, reg.user_id)?;
                }
                Action::CheckIn | Action::UndoCheckIn => {
                    if status != RegStatus::Confirmed {
                        report.skipped.push(skip("only confirmed registrants can be checked in"));
                        continue;
                    }
                    let at = if action == Action::CheckIn { Some(reg.attended_at.unwrap_or_else(now)) } else { None };
                    diesel::update(r::table.find(reg.id))
                        .set((r::attended_at.eq(at), r::updated_at.eq(now())))
                        .execute(c)?;
                }
            }
            report.done.push(name);
        }
        // The log names the people ("Alice and Bruno"); the phrase says what was done to them.
        let mut detail = crate::audit::and_list(&report.done);
        if freed {
            let n = fill_seats(c, base_url, tickets, &event)?;
            if n > 0 {
                report.done.push(format!("{n} moved up from the waitlist"));
                detail.push_str(&format!("; {n} moved up from the waitlist"));
            }
        }
        if !report.done.is_empty() {
            crate::audit::record_event(
                c,
                Some(actor),
                event_id,
                &format!("registration.{}", action.as_str()),
                &detail,
            )?;
        }
        Ok(report)
    })
}

#[cfg(test)]
pub mod tests_support {
    use super::*;

    pub fn registration(uid: &str) -> Registration {
        Registration {
            id: 1,
            event_id: 1,
            user_id: 1,
            status: "confirmed".into(),
            waitlist_number: None,
            ical_uid: uid.into(),
            ical_sequence: 1,
            directory_consent: false,
            matchmaking_consent: false,
            attended_at: None,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            calendar_epoch: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_change_until_the_event_ends_unless_it_is_cancelled() {
        let mut ev = crate::events::model::tests_support::event();
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        assert_eq!(frozen(&ev, t("2026-03-01 00:00")), None, "before the event");
        assert_eq!(frozen(&ev, t("2026-03-10 12:00")), None, "while it runs");
        assert_eq!(frozen(&ev, ev.ends_at), Some(Frozen::EventOver), "from its end");
        ev.status = "cancelled".into();
        assert_eq!(frozen(&ev, t("2026-03-01 00:00")), Some(Frozen::EventCancelled));
    }

    #[test]
    fn a_cancelled_event_shows_active_registrations_as_ended_and_holds_no_entry() {
        let mut ev = crate::events::model::tests_support::event();
        let mut reg = tests_support::registration("r@liaison");
        assert_eq!(reg.shown_status(&ev), ("confirmed", "Confirmed"));
        assert!(reg.holds_entry(&ev));
        ev.status = "cancelled".into();
        assert_eq!(reg.shown_status(&ev), ("cancelled", "Event cancelled"));
        assert!(!reg.holds_entry(&ev));
        reg.status = "rejected".into();
        assert_eq!(reg.shown_status(&ev), ("rejected", "Rejected"), "an ended registration keeps its own status");
        ev.status = "published".into();
        reg.status = "waitlisted".into();
        assert!(!reg.holds_entry(&ev), "no calendar entry while waiting");
    }
}
