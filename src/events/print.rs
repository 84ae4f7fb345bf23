//! Print-outs for the day, each one document for the whole event: badges (with the ticket's QR
//! code), a personal meeting plan per participant and a list per meeting table. They are HTML
//! pages styled for A4 (`static/css/print.css`), which also read fine on screen. Meetings are
//! the *published* ones, as the participants have them, never the organisers' draft.

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::Event;
use super::organise::OrganiserCtx;
use super::registration::RegStatus;
use super::ticket::{self, TicketKey};
use crate::app::AppState;
use crate::db::schema::{registrations as r, users};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::matchmaking::published;
use crate::web::{render, PageCtx};

type State = web::Data<AppState>;

/// Badges on one A4 sheet: two columns, four rows.
const BADGES_PER_SHEET: usize = 8;

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub organisation: String,
}

#[derive(Debug, Clone)]
pub struct Badge {
    pub person: Person,
    pub code: String,
    pub qr: String,
}

/// Badges of everyone confirmed, by name, in sheets of eight.
pub fn badges(c: &mut DbConn, key: &TicketKey, event_id: i64) -> Result<Vec<Vec<Badge>>, AppError> {
    let mut rows: Vec<(i64, String, String)> = r::table
        .inner_join(users::table)
        .filter(r::event_id.eq(event_id).and(r::status.eq(RegStatus::Confirmed.as_str())))
        .select((r::id, users::name, users::organisation))
        .load(c)?;
    rows.sort_by_cached_key(|(id, name, _)| (name.to_lowercase(), *id));
    let badges: Vec<Badge> = rows
        .into_iter()
        .map(|(id, name, organisation)| {
            let code = ticket::code(key, id);
            let qr = ticket::qr_svg(&code);
            Badge { person: Person { name, organisation }, code, qr }
        })
        .collect();
    Ok(badges.chunks(BADGES_PER_SHEET).map(<[Badge]>::to_vec).collect())
}

/// One line of a plan or a table list.
#[derive(Debug, Clone)]
pub struct Line {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub table: i32,
    pub a: Person,
    pub b: Person,
}

/// The event's active published meetings with both people, in time and table order.
fn published_lines(c: &mut DbConn, event_id: i64) -> Result<Vec<(i64, i64, Line)>, AppError> {
    let rows = published::active(c, event_id)?;
    let mut ids: Vec<i64> = rows.iter().flat_map(|m| [m.a_user, m.b_user]).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut people: HashMap<i64, Person> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(i64, String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::name, users::organisation))
            .load(c)?;
        people.extend(found.into_iter().map(|(id, name, organisation)| (id, Person { name, organisation })));
    }
    let person = |id: i64| {
        people
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Person { name: "(deleted account)".into(), organisation: String::new() })
    };
    Ok(rows
        .into_iter()
        .map(|m| {
            let line = Line {
                starts_at: m.starts_at,
                ends_at: m.ends_at,
                table: m.table_no,
                a: person(m.a_user),
                b: person(m.b_user),
            };
            (m.a_user, m.b_user, line)
        })
        .collect())
}

/// A participant's plan: their meetings in time order, each with the partner.
#[derive(Debug, Clone)]
pub struct Plan {
    pub person: Person,
    /// (start, end, table, partner)
    pub meetings: Vec<(NaiveDateTime, NaiveDateTime, i32, Person)>,
}

/// A plan for everyone with a published meeting, by name.
pub fn plans(c: &mut DbConn, event_id: i64) -> Result<Vec<Plan>, AppError> {
    let mut by_person: HashMap<i64, Plan> = HashMap::new();
    for (a, b, line) in published_lines(c, event_id)? {
        for (me, mine, partner) in [(a, &line.a, &line.b), (b, &line.b, &line.a)] {
            by_person.entry(me).or_insert_with(|| Plan { person: mine.clone(), meetings: Vec::new() }).meetings.push((
                line.starts_at,
                line.ends_at,
                line.table,
                partner.clone(),
            ));
        }
    }
    let mut plans: Vec<(i64, Plan)> = by_person.into_iter().collect();
    plans.sort_by_cached_key(|(id, p)| (p.person.name.to_lowercase(), *id));
    Ok(plans
        .into_iter()
        .map(|(_, mut p)| {
            p.meetings.sort_by_key(|m| (m.0, m.2));
            p
        })
        .collect())
}

/// Each table's meetings in time order, by table number.
pub fn tables(c: &mut DbConn, event_id: i64) -> Result<Vec<(i32, Vec<Line>)>, AppError> {
    let mut by_table: BTreeMap<i32, Vec<Line>> = BTreeMap::new();
    for (_, _, line) in published_lines(c, event_id)? {
        by_table.entry(line.table).or_default().push(line);
    }
    Ok(by_table.into_iter().collect())
}

// ---------- pages ----------

#[derive(Template)]
#[template(path = "pages/organise/print_index.html")]
struct IndexPage {
    ctx: PageCtx,
    event: Event,
    confirmed: i64,
    meetings: i64,
}

pub async fn index(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let (confirmed, meetings) =
        state.db.run(move |c| Ok((super::desk::counts(c, id)?.1, published::active_count(c, id)?))).await?;
    render(&IndexPage { ctx: o.ctx, event: o.event, confirmed, meetings })
}

#[derive(Template)]
#[template(path = "pages/organise/print_badges.html")]
struct BadgesPage {
    ctx: PageCtx,
    event: Event,
    sheets: Vec<Vec<Badge>>,
}

pub async fn badges_page(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let (id, key) = (o.event.id, state.tickets.clone());
    let sheets = state.db.run(move |c| badges(c, &key, id)).await?;
    render(&BadgesPage { ctx: o.ctx, event: o.event, sheets })
}

#[derive(Template)]
#[template(path = "pages/organise/print_plans.html")]
struct PlansPage {
    ctx: PageCtx,
    event: Event,
    plans: Vec<Plan>,
}

pub async fn plans_page(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let plans = state.db.run(move |c| plans(c, id)).await?;
    render(&PlansPage { ctx: o.ctx, event: o.event, plans })
}

#[derive(Template)]
#[template(path = "pages/organise/print_tables.html")]
struct TablesPage {
    ctx: PageCtx,
    event: Event,
    tables: Vec<(i32, Vec<Line>)>,
}

pub async fn tables_page(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let tables = state.db.run(move |c| tables(c, id)).await?;
    render(&TablesPage { ctx: o.ctx, event: o.event, tables })
}
