//! The organisers' view of registrants: filtered lists, counts, the CSV export, announcement
//! recipients and statistics.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::Event;
use super::questions::Question;
use super::registration::{self, Registration};
use crate::accounts::model::{country_name, sector_label};
use crate::db::schema::{registration_answers, registrations as r, users};
use crate::db::{lower, DbBackend, DbConn};
use crate::error::AppError;

/// Filters from the registrant list's query string; empty means "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Filter {
    pub status: String,
    pub sector: String,
    pub country: String,
    pub organisation: String,
    pub q: String,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
            && self.sector.is_empty()
            && self.country.is_empty()
            && self.organisation.is_empty()
            && self.q.is_empty()
    }

    /// The same filter as a query string, for links and the export.
    pub fn query(&self) -> String {
        serde_urlencoded::to_string([
            ("status", &self.status),
            ("sector", &self.sector),
            ("country", &self.country),
            ("organisation", &self.organisation),
            ("q", &self.q),
        ])
        .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub reg: Registration,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub sector: String,
    pub country: String,
    pub job_title: String,
}

impl Row {
    pub fn sector_label(&self) -> &'static str {
        sector_label(&self.sector)
    }
    pub fn country_name(&self) -> &'static str {
        country_name(&self.country)
    }
}

type RowTuple = (Registration, String, String, String, String, String, String);

fn like_pattern(s: &str) -> String {
    format!("%{}%", s.trim().to_lowercase().replace(['\\', '%', '_'], ""))
}

/// Registrants of the event matching `f`, in registration order.
pub fn list(c: &mut DbConn, event_id: i64, f: &Filter) -> Result<Vec<Row>, AppError> {
    // Typed into a query string: no value of these columns has a control character, and a NUL
    // would fail the query on PostgreSQL.
    let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    let f = &Filter {
        status: clean(&f.status),
        sector: clean(&f.sector),
        country: clean(&f.country),
        organisation: clean(&f.organisation),
        q: clean(&f.q),
    };
    let mut q = r::table
        .inner_join(users::table)
        .filter(r::event_id.eq(event_id))
        .select((
            Registration::as_select(),
            users::name,
            users::email,
            users::organisation,
            users::sector,
            users::country,
            users::job_title,
        ))
        .order(r::id)
        .into_boxed::<DbBackend>();
    if !f.status.is_empty() {
        q = q.filter(r::status.eq(f.status.clone()));
    }
    if !f.sector.is_empty() {
        q = q.filter(users::sector.eq(f.sector.clone()));
    }
    if !f.country.is_empty() {
        q = q.filter(users::country.eq(f.country.trim().to_uppercase()));
    }
    if !f.organisation.trim().is_empty() {
        q = q.filter(lower(users::organisation).like(like_pattern(&f.organisation)));
    }
    if !f.q.trim().is_empty() {
        let p = like_pattern(&f.q);
        q = q.filter(
            lower(users::name).like(p.clone()).or(lower(users::organisation).like(p.clone())).or(users::email.like(p)),
        );
    }
    let rows: Vec<RowTuple> = q.load(c)?;
    Ok(rows
        .into_iter()
        .map(|(reg, name, email, organisation, sector, country, job_title)| Row {
            reg,
            name,
            email,
            organisation,
            sector,
            country,
            job_title,
        })
        .collect())
}

/// Registrations per status, every status present (0 when none).
pub fn status_counts(c: &mut DbConn, event_id: i64) -> Result<Vec<(&'static str, &'static str, i64)>, AppError> {
    let rows: Vec<(String, i64)> = r::table
        .filter(r::event_id.eq(event_id))
        .group_by(r::status)
        .select((r::status, diesel::dsl::count_star()))
        .load(c)?;
    Ok(registration::STATUSES
        .iter()
        .map(|(code, label)| (*code, *label, rows.iter().find(|(s, _)| s == code).map(|(_, n)| *n).unwrap_or(0)))
        .collect())
}

/// Waitlist position (1, 2, …) of every waiting registration of the event, by registration id:
/// the one numbering every page, file and e-mail shows (the stored number only orders the
/// queue; those ahead who got a seat or left leave no gap).
pub fn waitlist_ranks(c: &mut DbConn, event_id: i64) -> Result<std::collections::HashMap<i64, i64>, AppError> {
    let ids: Vec<i64> = r::table
        .filter(r::event_id.eq(event_id).and(r::status.eq("waitlisted")))
        .order(r::waitlist_number)
        .select(r::id)
        .load(c)?;
    Ok(ids.into_iter().enumerate().map(|(i, id)| (id, i as i64 + 1)).collect())
}

pub fn attended_count(c: &mut DbConn, event_id: i64) -> Result<i64, AppError> {
    Ok(r::table.filter(r::event_id.eq(event_id).and(r::attended_at.is_not_null())).count().get_result(c)?)
}

/// The CSV export: one row per registrant, one column per question.
pub fn export_csv(c: &mut DbConn, event: &Event, questions: &[Question], f: &Filter) -> Result<Vec<u8>, AppError> {
    let rows = list(c, event.id, f)?;
    let ranks = waitlist_ranks(c, event.id)?;
    let ids: Vec<i64> = rows.iter().map(|row| row.reg.id).collect();
    let mut answers: BTreeMap<(i64, i64), String> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(i64, i64, String)> = registration_answers::table
            .filter(registration_answers::registration_id.eq_any(chunk))
            .select((
                registration_answers::registration_id,
                registration_answers::question_id,
                registration_answers::value,
            ))
            .load(c)?;
        answers.extend(found.into_iter().map(|(rid, qid, v)| ((rid, qid), v)));
    }
    let local = |t: NaiveDateTime| event.local(t).format("%Y-%m-%d %H:%M").to_string();
    let mut header: Vec<String> = [
        "Name",
        "E-mail",
        "Organisation",
        "Sector",
        "Country",
        "Job title",
        "Status",
        "Waitlist position",
        "Registered at",
        "Checked in at",
        "Directory consent",
        "Matchmaking consent",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header[8] = format!("Registered at ({})", event.timezone);
    header[9] = format!("Checked in at ({})", event.timezone);
    header.extend(questions.iter().map(|q| q.label.clone()));
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.name.clone(),
                row.email.clone(),
                row.organisation.clone(),
                row.sector_label().to_string(),
                row.country_name().to_string(),
                row.job_title.clone(),
                row.reg.status_label().to_string(),
                ranks.get(&row.reg.id).map(|n| n.to_string()).unwrap_or_default(),
                local(row.reg.created_at),
                row.reg.attended_at.map(local).unwrap_or_default(),
                yes_no(row.reg.directory_consent),
                yes_no(row.reg.matchmaking_consent),
            ];
            // Multiple-choice answers are stored one per line; a spreadsheet cell reads better with "; ".
            cells.extend(
                questions
                    .iter()
                    .map(|q| answers.get(&(row.reg.id, q.id)).map(|v| v.replace('\n', "; ")).unwrap_or_default()),
            );
            cells
        })
        .collect();
    super::csv::write(&header, &body).map_err(AppError::internal)
}

/// Registrations per day (in the event's time zone) and the running total.
#[derive(Debug, Clone)]
pub struct Stats {
    pub by_status: Vec<(&'static str, &'static str, i64)>,
    pub by_sector: Vec<(String, i64)>,
    pub by_country: Vec<(String, i64)>,
    pub over_time: Vec<(String, i64, i64)>,
    pub attended: i64,
    pub total: i64,
}

impl Stats {
    pub fn max_sector(&self) -> i64 {
        self.by_sector.iter().map(|(_, n)| *n).max().unwrap_or(0)
    }
    pub fn max_country(&self) -> i64 {
        self.by_country.iter().map(|(_, n)| *n).max().unwrap_or(0)
    }
    pub fn max_day(&self) -> i64 {
        self.over_time.iter().map(|(_, n, _)| *n).max().unwrap_or(0)
    }
}

/// Statistics over registrations that are not cancelled or rejected.
pub fn stats(c: &mut DbConn, event: &Event) -> Result<Stats, AppError> {
    let by_status = status_counts(c, event.id)?;
    let active: Vec<(String, String, NaiveDateTime)> = r::table
        .inner_join(users::table)
        .filter(r::event_id.eq(event.id).and(r::status.eq_any(registration::ACTIVE)))
        .select((users::sector, users::country, r::created_at))
        .load(c)?;
    let mut sectors: BTreeMap<String, i64> = BTreeMap::new();
    let mut countries: BTreeMap<String, i64> = BTreeMap::new();
    let mut days: BTreeMap<chrono::NaiveDate, i64> = BTreeMap::new();
    for (sector, country, at) in &active {
        let s = if sector.is_empty() { "Not given" } else { sector_label(sector) };
        *sectors.entry(s.to_string()).or_default() += 1;
        let k = if country.is_empty() { "Not given" } else { country_name(country) };
        *countries.entry(k.to_string()).or_default() += 1;
        *days.entry(event.local(*at).date_naive()).or_default() += 1;
    }
    let mut by_sector: Vec<(String, i64)> = sectors.into_iter().collect();
    by_sector.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut by_country: Vec<(String, i64)> = countries.into_iter().collect();
    by_country.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut running = 0;
    let over_time = days
        .into_iter()
        .map(|(d, n)| {
            running += n;
            (d.format("%a %-d %b %Y").to_string(), n, running)
        })
        .collect();
    Ok(Stats {
        by_status,
        by_sector,
        by_country,
        over_time,
        attended: attended_count(c, event.id)?,
        total: active.len() as i64,
    })
}

/// A person's registrations with their events, newest event first (for "my registrations").
pub fn of_user(c: &mut DbConn, user_id: i64) -> Result<Vec<(Registration, Event)>, AppError> {
    use crate::db::schema::events;
    let rows: Vec<(Registration, Event)> = r::table
        .inner_join(events::table)
        .filter(r::user_id.eq(user_id))
        .order(events::starts_at.desc())
        .select((Registration::as_select(), Event::as_select()))
        .load(c)?;
    Ok(rows)
}

/// Everything about a person's registrations, for their data export.
pub fn export_for_user(c: &mut DbConn, user_id: i64) -> Result<serde_json::Value, AppError> {
    use crate::db::schema::registration_questions as rq;
    let mut out = Vec::new();
    for (reg, event) in of_user(c, user_id)? {
        let position = registration::shown_position(c, &event, &reg)?;
        let answers: Vec<(String, String)> = registration_answers::table
            .inner_join(rq::table)
            .filter(registration_answers::registration_id.eq(reg.id))
            .order(rq::position)
            .select((rq::label, registration_answers::value))
            .load(c)?;
        out.push(serde_json::json!({
            "event": {
                "title": event.title, "slug": event.slug, "starts_at": event.starts_at, "ends_at": event.ends_at,
                "status": event.status,
            },
            "status": reg.status,
            "status_shown": reg.shown_status(&event).1,
            "waitlist_position": position,
            "directory_consent": reg.directory_consent,
            "matchmaking_consent": reg.matchmaking_consent,
            "attended_at": reg.attended_at,
            "registered_at": reg.created_at,
            "updated_at": reg.updated_at,
            "answers": answers.into_iter().map(|(q, a)| serde_json::json!({"question": q, "answer": a})).collect::<Vec<_>>(),
        }));
    }
    Ok(serde_json::Value::Array(out))
}
