//! Event operations for organisers: create and edit (telling registrants about changes),
//! co-organiser invitations, and invitee invitations.

use diesel::prelude::*;

use super::csv::Invitee;
use super::emails;
use super::model::{self, Event, EventInput, EventStatus};
use super::notices;
use super::registration::{self, RegStatus, ACTIVE};
use crate::accounts::model::normalise_email;
use crate::accounts::tokens::{hash_token, random_token};
use crate::db::schema::{event_invitations as inv, event_organisers as eo, events, registrations, users};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::ical::Method;
use crate::mail;
use crate::web::FormErrors;

fn slug_taken(c: &mut DbConn, slug: &str, except: Option<i64>) -> Result<bool, AppError> {
    let mut q = events::table.filter(events::slug.eq(slug)).select(events::id).into_boxed();
    if let Some(id) = except {
        q = q.filter(events::id.ne(id));
    }
    Ok(q.first::<i64>(c).optional()?.is_some())
}

fn slug_error() -> FormErrors {
    let mut e = FormErrors::default();
    e.add("slug", "Another event already uses this web address; please choose another.");
    e
}

/// Creates an event with `actor` as its first organiser.
pub fn create(c: &mut DbConn, actor: i64, input: &EventInput) -> Result<Result<Event, FormErrors>, AppError> {
    crate::db::write_transaction(c, |c| {
        if slug_taken(c, &input.slug, None)? {
            return Ok(Err(slug_error()));
        }
        let t = now();
        let id: i64 = diesel::insert_into(events::table)
            .values((
                events::slug.eq(&input.slug),
                events::title.eq(&input.title),
                events::description.eq(&input.description),
                events::venue.eq(&input.venue),
                events::address.eq(&input.address),
                events::timezone.eq(&input.timezone),
                events::starts_at.eq(input.starts_at),
                events::ends_at.eq(input.ends_at),
                events::registration_opens_at.eq(input.registration_opens_at),
                events::registration_closes_at.eq(input.registration_closes_at),
                events::capacity.eq(input.capacity),
                events::requires_approval.eq(input.requires_approval),
                events::status.eq(input.status.as_str()),
                events::created_by.eq(Some(actor)),
                events::created_at.eq(t),
                events::updated_at.eq(t),
            ))
            .returning(events::id)
            .get_result(c)?;
        diesel::insert_into(eo::table)
            .values((eo::event_id.eq(id), eo::user_id.eq(actor), eo::created_at.eq(t)))
            .execute(c)?;
        crate::audit::record_event(
            c,
            Some(actor),
            id,
            "event.created",
            &format!("{} ({})", input.title, input.status.as_str()),
        )?;
        Ok(Ok(model::find(c, id)?.ok_or(AppError::NotFound)?))
    })
}

/// Saves the organiser's changes. Registrants are told at once when the event is cancelled or
/// back on, and of a new date, time or place once the organisers pause (`notices`); a raised
/// capacity gives seats to the waitlist.
pub fn update(
    c: &mut DbConn,
    base_url: &str,
    tickets: &super::ticket::TicketKey,
    actor: i64,
    event_id: i64,
    input: &EventInput,
) -> Result<Result<Event, FormErrors>, AppError> {
    crate::db::write_transaction(c, |c| {
        let before = registration::lock_event(c, event_id)?;
        if slug_taken(c, &input.slug, Some(event_id))? {
            return Ok(Err(slug_error()));
        }
        if let Some(cap) = input.capacity {
            let confirmed = registration::count_with_status(c, event_id, RegStatus::Confirmed)?;
            if i64::from(cap) < confirmed {
                let mut e = FormErrors::default();
                e.add(
                    "capacity",
                    format!("{confirmed} people are already confirmed; the capacity cannot be lower. Cancel registrations first."),
                );
                return Ok(Err(e));
            }
        }
        let changes = describe_changes(&before, input);
        // What registrants hold: the snapshot kept while a notice waits (or the event is
        // cancelled), else the event as it was.
        let held = notices::told(c, event_id)?.unwrap_or_else(|| notices::Held::of(&before));
        let relevant = notices::Held::of(&before) != notices::Held::of_input(input);
        let newly_cancelled = input.status == EventStatus::Cancelled && before.status() != EventStatus::Cancelled;
        // Back on after a cancellation: the registrations stand again and calendars get them back.
        let reinstated = before.status() == EventStatus::Cancelled
            && matches!(input.status, EventStatus::Published | EventStatus::Closed);
        // A cancellation and its undoing are told at once; a new date or place waits for the
        // quiet period (`notices::send_due`) and goes as the net change. A change waiting when
        // the event is cancelled is not sent (the event is off); what people held before it is
        // kept, so "back on" tells the net change from that.
        let (change, snapshot) = if newly_cancelled {
            (Some(emails::EventChange::Cancelled), Some((Some(&held), None)))
        } else if reinstated {
            (Some(emails::EventChange::Reinstated), Some((None, None)))
        } else if relevant && input.status == EventStatus::Cancelled {
            (None, Some((Some(&held), None)))
        } else if relevant {
            (None, Some((Some(&held), Some(now()))))
        } else {
            (None, None)
        };
        // Every change to a calendar entry raises its SEQUENCE, so the feed shows the new
        // details under a new SEQUENCE at once.
        let bump = change.is_some() || (relevant && input.status != EventStatus::Cancelled);
        diesel::update(events::table.find(event_id))
            .set((
                events::slug.eq(&input.slug),
                events::title.eq(&input.title),
                events::description.eq(&input.description),
                events::venue.eq(&input.venue),
                events::address.eq(&input.address),
                events::timezone.eq(&input.timezone),
                events::starts_at.eq(input.starts_at),
                events::ends_at.eq(input.ends_at),
                events::registration_opens_at.eq(input.registration_opens_at),
                events::registration_closes_at.eq(input.registration_closes_at),
                events::capacity.eq(input.capacity),
                events::requires_approval.eq(input.requires_approval),
                events::status.eq(input.status.as_str()),
                events::sequence.eq(events::sequence + i32::from(bump)),
                events::updated_at.eq(now()),
            ))
            .execute(c)?;
        if let Some((told, pending)) = snapshot {
            notices::store(c, event_id, told, pending)?;
        }
        let event = model::find(c, event_id)?.ok_or(AppError::NotFound)?;
        match change {
            Some(change @ emails::EventChange::Reinstated) => {
                notify_registrants(c, base_url, &event, change, &notices::net_change(&held, &event))?;
            }
            Some(change) => {
                notify_registrants(c, base_url, &event, change, &[])?;
            }
            None => {}
        }
        if input.status == EventStatus::Published {
            registration::fill_seats(c, base_url, tickets, &event)?;
        }
        let detail = if changes.is_empty() { "details edited".to_string() } else { changes.join(" ") };
        crate::audit::record_event(c, Some(actor), event_id, "event.updated", &detail)?;
        Ok(Ok(event))
    })
}

/// Sentences describing what changed, for the audit log and the registrants' e-mail.
pub fn describe_changes(before: &Event, after: &EventInput) -> Vec<String> {
    let mut out = Vec::new();
    if before.title != after.title {
        out.push(format!("Title: now \"{}\".", after.title));
    }
    if before.starts_at != after.starts_at || before.ends_at != after.ends_at || before.timezone != after.timezone {
        let moved = Event {
            starts_at: after.starts_at,
            ends_at: after.ends_at,
            timezone: after.timezone.clone(),
            ..before.clone()
        };
        out.push(format!("New dates: {} (before: {}).", moved.when_label(), before.when_label()));
    }
    if before.venue != after.venue || before.address != after.address {
        let moved = Event { venue: after.venue.clone(), address: after.address.clone(), ..before.clone() };
        out.push(format!("New place: {} (before: {}).", moved.place_label(), before.place_label()));
    }
    if before.capacity != after.capacity {
        let cap = |c: Option<i32>| c.map(|n| n.to_string()).unwrap_or_else(|| "unlimited".into());
        out.push(format!("Capacity: {} (before: {}).", cap(after.capacity), cap(before.capacity)));
    }
    if before.status != after.status.as_str() {
        out.push(format!("Status: {} (before: {}).", after.status.as_str(), before.status));
    }
    if before.requires_approval != after.requires_approval {
        out.push(format!("Approval needed: {}.", if after.requires_approval { "yes" } else { "no" }));
    }
    out
}

/// Tells every active registrant, with `lines` saying what changed; those with a seat get the
/// iTIP update of their calendar entry (a REQUEST with the new details, or a CANCEL), the
/// others none (they never had an entry). Returns how many were told.
pub(super) fn notify_registrants(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    change: emails::EventChange,
    lines: &[String],
) -> Result<usize, AppError> {
    let rows: Vec<(registration::Registration, String, String)> = registrations::table
        .inner_join(users::table)
        .filter(registrations::event_id.eq(event.id).and(registrations::status.eq_any(ACTIVE)))
        .select((registration::Registration::as_select(), users::email, users::name))
        .load(c)?;
    let method = if change == emails::EventChange::Cancelled { Method::Cancel } else { Method::Request };
    let told = rows.len();
    for (reg, email, name) in rows {
        let seat = reg.status() == RegStatus::Confirmed;
        let mail = emails::event_changed_mail(base_url, event, &name, change, lines, seat);
        let to = emails::To { name: &name, email: &email };
        let attachment = seat.then(|| super::ics::invitation(base_url, event, &reg, method, to));
        mail::enqueue_with(c, &email, &name, &mail, attachment)?;
    }
    Ok(told)
}

// ---------- organisers ----------

#[derive(Debug, Clone)]
pub struct OrganiserRow {
    pub user_id: i64,
    pub name: String,
    pub email: String,
}

pub fn organisers(c: &mut DbConn, event_id: i64) -> Result<Vec<OrganiserRow>, AppError> {
    let rows: Vec<(i64, String, String)> = eo::table
        .inner_join(users::table)
        .filter(eo::event_id.eq(event_id))
        .order(eo::created_at)
        .select((users::id, users::name, users::email))
        .load(c)?;
    Ok(rows.into_iter().map(|(user_id, name, email)| OrganiserRow { user_id, name, email }).collect())
}

#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub id: i64,
    pub email: String,
    pub created_at: chrono::NaiveDateTime,
}

pub fn pending_organiser_invitations(c: &mut DbConn, event_id: i64) -> Result<Vec<PendingInvitation>, AppError> {
    let rows: Vec<(i64, String, chrono::NaiveDateTime)> = inv::table
        .filter(inv::event_id.eq(event_id).and(inv::kind.eq("organiser")).and(inv::accepted_at.is_null()))
        .order(inv::id)
        .select((inv::id, inv::email, inv::created_at))
        .load(c)?;
    Ok(rows.into_iter().map(|(id, email, created_at)| PendingInvitation { id, email, created_at }).collect())
}

/// Creates (or renews) an invitation and writes its e-mail. `kind` is "organiser" or "attendee".
fn invite(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    actor: i64,
    kind: &str,
    who: &Invitee,
) -> Result<(), AppError> {
    let (name, organisation) = (who.name.as_str(), who.organisation.as_str());
    let email = normalise_email(&who.email);
    let token = random_token();
    let inviter: String = users::table.find(actor).select(users::name).first(c)?;
    let existing: Option<i64> = inv::table
        .filter(inv::event_id.eq(event.id).and(inv::kind.eq(kind)).and(inv::email.eq(&email)))
        .select(inv::id)
        .first(c)
        .optional()?;
    let t = now();
    match existing {
        Some(id) => {
            diesel::update(inv::table.find(id))
                .set((
                    inv::token_hash.eq(hash_token(&token)),
                    inv::name.eq(name),
                    inv::organisation.eq(organisation),
                    inv::invited_by.eq(Some(actor)),
                    inv::created_at.eq(t),
                ))
                .execute(c)?;
        }
        None => {
            diesel::insert_into(inv::table)
                .values((
                    inv::event_id.eq(event.id),
                    inv::kind.eq(kind),
                    inv::email.eq(&email),
                    inv::name.eq(name),
                    inv::organisation.eq(organisation),
                    inv::token_hash.eq(hash_token(&token)),
                    inv::invited_by.eq(Some(actor)),
                    inv::created_at.eq(t),
                ))
                .execute(c)?;
        }
    }
    let mail = if kind == "organiser" {
        emails::organiser_invitation_mail(base_url, event, &inviter, &token)
    } else {
        emails::invitation_mail(base_url, event, name, &inviter, &token)
    };
    mail::enqueue(c, &email, name, &mail)?;
    Ok(())
}

pub fn invite_organiser(
    c: &mut DbConn,
    base_url: &str,
    event_id: i64,
    actor: i64,
    email: &str,
) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let event = model::find(c, event_id)?.ok_or(AppError::NotFound)?;
        let who = Invitee { name: String::new(), email: email.to_string(), organisation: String::new() };
        invite(c, base_url, &event, actor, "organiser", &who)?;
        crate::audit::record_event(c, Some(actor), event_id, "organiser.invited", &normalise_email(email))
    })
}

/// An invitation found by its token, with its event.
pub fn find_invitation(
    c: &mut DbConn,
    token: &str,
    kind: &str,
) -> Result<Option<(i64, String, String, Event)>, AppError> {
    let row: Option<(i64, i64, String, String)> = inv::table
        .filter(inv::token_hash.eq(hash_token(token)).and(inv::kind.eq(kind)))
        .select((inv::id, inv::event_id, inv::email, inv::name))
        .first(c)
        .optional()?;
    let Some((id, event_id, email, name)) = row else { return Ok(None) };
    let event = model::find(c, event_id)?.ok_or(AppError::NotFound)?;
    Ok(Some((id, email, name, event)))
}

#[derive(Debug, PartialEq, Eq)]
pub enum AcceptProblem {
    WrongAccount(String),
    /// Organiser invitations are single use: removal from the team must not be undone by the old link.
    AlreadyUsed,
}

/// The logged-in person accepts a co-organiser invitation sent to their address.
pub fn accept_organiser_invitation(
    c: &mut DbConn,
    token: &str,
    user_id: i64,
    user_email: &str,
) -> Result<Result<Event, AcceptProblem>, AppError> {
    crate::db::write_transaction(c, |c| {
        let (id, email, _, event) = find_invitation(c, token, "organiser")?.ok_or(AppError::NotFound)?;
        let used: Option<chrono::NaiveDateTime> = inv::table.find(id).select(inv::accepted_at).first(c)?;
        if used.is_some() {
            return Ok(Err(AcceptProblem::AlreadyUsed));
        }
        if email != user_email {
            return Ok(Err(AcceptProblem::WrongAccount(email)));
        }
        if !model::is_organiser(c, event.id, user_id)? {
            diesel::insert_into(eo::table)
                .values((eo::event_id.eq(event.id), eo::user_id.eq(user_id), eo::created_at.eq(now())))
                .execute(c)?;
        }
        diesel::update(inv::table.find(id)).set(inv::accepted_at.eq(Some(now()))).execute(c)?;
        crate::audit::record_event(c, Some(user_id), event.id, "organiser.joined", user_email)?;
        Ok(Ok(event))
    })
}

/// Removes a co-organiser; the last one stays.
pub fn remove_organiser(
    c: &mut DbConn,
    event_id: i64,
    actor: i64,
    user_id: i64,
) -> Result<Result<(), &'static str>, AppError> {
    crate::db::write_transaction(c, |c| {
        let count: i64 = eo::table.filter(eo::event_id.eq(event_id)).count().get_result(c)?;
        if count <= 1 {
            return Ok(Err("An event needs at least one organiser."));
        }
        let name: Option<String> = users::table.find(user_id).select(users::name).first(c).optional()?;
        let n = diesel::delete(eo::table.filter(eo::event_id.eq(event_id).and(eo::user_id.eq(user_id)))).execute(c)?;
        if n == 0 {
            return Err(AppError::NotFound);
        }
        crate::audit::record_event(c, Some(actor), event_id, "organiser.removed", &name.unwrap_or_default())?;
        Ok(Ok(()))
    })
}

/// Invites each good row of an import (name, e-mail, organisation).
pub fn invite_attendees(
    c: &mut DbConn,
    base_url: &str,
    event_id: i64,
    actor: i64,
    rows: &[Invitee],
) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let event = model::find(c, event_id)?.ok_or(AppError::NotFound)?;
        for row in rows {
            invite(c, base_url, &event, actor, "attendee", row)?;
        }
        crate::audit::record_event(
            c,
            Some(actor),
            event_id,
            "invitees.imported",
            &format!("{} invitation{} sent", rows.len(), if rows.len() == 1 { "" } else { "s" }),
        )
    })
}

/// Marks an attendee invitation used once its holder has registered.
pub fn mark_invitation_accepted(c: &mut DbConn, invitation_id: i64) -> Result<(), AppError> {
    diesel::update(inv::table.find(invitation_id).filter(inv::accepted_at.is_null()))
        .set(inv::accepted_at.eq(Some(now())))
        .execute(c)?;
    Ok(())
}

/// Events `user_id` organises (all events for admins), newest first.
pub fn organised_by(c: &mut DbConn, user_id: i64, all: bool) -> Result<Vec<Event>, AppError> {
    let mut q = events::table.select(Event::as_select()).order(events::starts_at.desc()).into_boxed();
    if !all {
        q = q.filter(events::id.eq_any(eo::table.filter(eo::user_id.eq(user_id)).select(eo::event_id)));
    }
    Ok(q.load(c)?)
}
