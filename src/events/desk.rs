//! The check-in desk: one search box that finds a person by name, organisation, e-mail or
//! ticket code (a USB scanner or a phone types the code and Enter into it), and one button per
//! person that checks them in. Check-in goes through `registration::apply`, the registrant
//! list's bulk action, so the rules and the activity log stay one path.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::Event;
use super::organise::OrganiserCtx;
use super::registrants::{self, Filter};
use super::registration::{self, Action, RegStatus};
use super::ticket::{self, TicketKey};
use crate::app::AppState;
use crate::db::schema::{registrations as r, users};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::web::form::FormData;
use crate::web::{redirect, render, url_encode, PageCtx};

type State = web::Data<AppState>;

/// Results shown for a name search at most (a desk search names one person; a short word
/// that matches hundreds is refined by typing more).
const RESULTS_MAX: usize = 30;
/// Longer input is no name, organisation or code: it is cut before searching.
const QUERY_MAX: usize = 200;

/// One person found at the desk.
#[derive(Debug, Clone)]
pub struct Found {
    pub registration_id: i64,
    pub name: String,
    pub organisation: String,
    pub email: String,
    pub status: RegStatus,
    pub attended_at: Option<NaiveDateTime>,
}

impl Found {
    pub fn can_check_in(&self) -> bool {
        self.status == RegStatus::Confirmed
    }
    /// Why the person cannot be checked in, in words for the desk.
    pub fn refusal(&self) -> &'static str {
        match self.status {
            RegStatus::Confirmed => "",
            RegStatus::Pending => "Not confirmed: the registration awaits approval.",
            RegStatus::Waitlisted => "Not confirmed: on the waitlist, without a seat.",
            RegStatus::Cancelled => "Not confirmed: the registration is cancelled.",
            RegStatus::Rejected => "Not confirmed: the registration was not accepted.",
        }
    }
}

/// What the search text was taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Nothing typed yet.
    Empty,
    /// A genuine ticket of this event: its holder is the one result.
    Ticket,
    /// Typed as a ticket code, but no ticket of this event has it (mistyped, forged, or of
    /// another event).
    NoTicket,
    /// A name, organisation or e-mail.
    Words,
}

fn found(c: &mut DbConn, event_id: i64, registration_id: i64) -> Result<Option<Found>, AppError> {
    let row: Option<(i64, String, Option<NaiveDateTime>, String, String, String)> = r::table
        .inner_join(users::table)
        .filter(r::id.eq(registration_id).and(r::event_id.eq(event_id)))
        .select((r::id, r::status, r::attended_at, users::name, users::organisation, users::email))
        .first(c)
        .optional()?;
    Ok(row.map(|(id, status, attended_at, name, organisation, email)| Found {
        registration_id: id,
        name,
        organisation,
        email,
        status: RegStatus::parse(&status).unwrap_or(RegStatus::Cancelled),
        attended_at,
    }))
}

/// Finds the people `q` names at the event: a valid ticket code finds its holder alone, text
/// that looks like a code but is none finds nobody, anything else searches names,
/// organisations and e-mail addresses.
pub fn search(c: &mut DbConn, key: &TicketKey, event_id: i64, q: &str) -> Result<(Lookup, Vec<Found>), AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok((Lookup::Empty, Vec::new()));
    }
    if let Some(id) = ticket::verify(key, q) {
        return Ok(match found(c, event_id, id)? {
            Some(f) => (Lookup::Ticket, vec![f]),
            None => (Lookup::NoTicket, Vec::new()),
        });
    }
    if ticket::looks_like_code(q) {
        return Ok((Lookup::NoTicket, Vec::new()));
    }
    // Punctuation alone names nobody (and must not become a pattern that matches everyone).
    if !q.chars().any(char::is_alphanumeric) {
        return Ok((Lookup::Words, Vec::new()));
    }
    let filter = Filter { q: q.to_string(), ..Default::default() };
    let mut rows: Vec<Found> = registrants::list(c, event_id, &filter)?
        .into_iter()
        .map(|row| Found {
            registration_id: row.reg.id,
            status: row.reg.status(),
            attended_at: row.reg.attended_at,
            name: row.name,
            organisation: row.organisation,
            email: row.email,
        })
        .collect();
    // Those who can be checked in first, then by name.
    rows.sort_by_cached_key(|f| (!f.can_check_in(), f.name.to_lowercase()));
    Ok((Lookup::Words, rows))
}

/// (checked in, confirmed) at the event.
pub fn counts(c: &mut DbConn, event_id: i64) -> Result<(i64, i64), AppError> {
    let confirmed = r::table.filter(r::event_id.eq(event_id).and(r::status.eq(RegStatus::Confirmed.as_str())));
    let all: i64 = confirmed.count().get_result(c)?;
    let attended: i64 = confirmed.filter(r::attended_at.is_not_null()).count().get_result(c)?;
    Ok((attended, all))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DeskQuery {
    pub q: String,
}

fn clip(q: &str) -> String {
    q.trim().chars().take(QUERY_MAX).collect()
}

#[derive(Template)]
#[template(path = "pages/organise/desk.html")]
struct DeskPage {
    ctx: PageCtx,
    event: Event,
    q: String,
    lookup: Lookup,
    results: Vec<Found>,
    /// How many more matched than are shown.
    more: usize,
    checked_in: i64,
    confirmed: i64,
}

pub async fn desk(o: OrganiserCtx, state: State, query: web::Query<DeskQuery>) -> AppResult<HttpResponse> {
    let q = clip(&query.q);
    let (id, key, q2) = (o.event.id, state.tickets.clone(), q.clone());
    let ((lookup, mut results), (checked_in, confirmed)) =
        state.db.run(move |c| Ok((search(c, &key, id, &q2)?, counts(c, id)?))).await?;
    let more = results.len().saturating_sub(RESULTS_MAX);
    results.truncate(RESULTS_MAX);
    render(&DeskPage { ctx: o.ctx, event: o.event, q, lookup, results, more, checked_in, confirmed })
}

/// One press: checks a person in (or undoes it) and returns to the desk with the search kept.
pub async fn check_in(o: OrganiserCtx, state: State, form: FormData) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let q = clip(form.get("q"));
    let back = if q.is_empty() {
        format!("/organise/events/{id}/desk")
    } else {
        format!("/organise/events/{id}/desk?q={}", url_encode(&q))
    };
    let action = match form.get("action") {
        "undo_check_in" => Action::UndoCheckIn,
        _ => Action::CheckIn,
    };
    let reg_id: i64 = form.get("registration").trim().parse().map_err(|_| AppError::NotFound)?;
    let person = state.db.run(move |c| found(c, id, reg_id)).await?.ok_or(AppError::NotFound)?;
    if action == Action::CheckIn {
        if let Some(at) = person.attended_at {
            let at = o.event.local(at).format("%H:%M");
            o.ctx.flash("info", format!("{} was already checked in at {at}.", person.name));
            return Ok(redirect(&back));
        }
    }
    let (uid, base, tickets) = (o.user.id, state.base_url.clone(), state.tickets.clone());
    let report = state.db.run(move |c| registration::apply(c, &base, &tickets, id, uid, action, &[reg_id])).await?;
    if report.done.is_empty() {
        o.ctx.flash("error", format!("{} cannot be checked in. {}", person.name, person.refusal()));
    } else if action == Action::CheckIn {
        o.ctx.flash("success", format!("{} is checked in.", person.name));
    } else {
        o.ctx.flash("success", format!("{} is no longer checked in.", person.name));
    }
    Ok(redirect(&back))
}
