//! Organisers' matchmaking pages: settings, meeting slots and the topic taxonomy; the meeting
//! grid with lock, move and cancel; "schedule all", publishing and the dashboard.

use std::collections::{HashMap, HashSet};

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use super::grid::{self, Filter, Publication, Who};
use super::model::{parse_window, Meeting, Settings, SettingsForm, Slot, Topic};
use super::published;
use super::service::{self, Dashboard};
use crate::app::AppState;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::events::model::Event;
use crate::events::organise::OrganiserCtx;
use crate::web::form::FormData;
use crate::web::{redirect, render_status, FormErrors, PageCtx};

type State = web::Data<AppState>;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

fn settings_url(id: i64) -> String {
    format!("/organise/events/{id}/matchmaking")
}

fn meetings_url(id: i64) -> String {
    format!("/organise/events/{id}/meetings")
}

#[derive(Template)]
#[template(path = "pages/organise/matchmaking.html")]
struct SettingsPage {
    ctx: PageCtx,
    event: Event,
    form: SettingsForm,
    errors: FormErrors,
    slots: Vec<Slot>,
    topics: Vec<Topic>,
    window_start: String,
    window_end: String,
    window_errors: FormErrors,
    topic_errors: FormErrors,
    topic_name: String,
    participants: usize,
}

impl SettingsPage {
    fn slot_label(&self, s: &Slot) -> String {
        format!(
            "{}–{}",
            self.event.local(s.starts_at).format("%a %-d %b, %H:%M"),
            self.event.local(s.ends_at).format("%H:%M")
        )
    }
}

#[derive(Default)]
struct Refused {
    form: Option<(SettingsForm, FormErrors)>,
    window: Option<(String, String, FormErrors)>,
    topic: Option<(String, FormErrors)>,
}

async fn settings_page(o: OrganiserCtx, state: &State, refused: Refused) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let (settings, slots, topics, participants) = state
        .db
        .run(move |c| {
            service::ensure_topics(c, id)?;
            let people = service::people(c, id)?.into_iter().filter(|p| p.matchmaking).count();
            Ok((service::settings(c, id)?, service::slots(c, id)?, service::topics(c, id)?, people))
        })
        .await?;
    let status = if refused.form.is_some() || refused.window.is_some() || refused.topic.is_some() {
        UNPROCESSABLE
    } else {
        StatusCode::OK
    };
    let (form, errors) =
        refused.form.unwrap_or_else(|| (SettingsForm::from_settings(&settings, &o.event), FormErrors::default()));
    let (window_start, window_end, window_errors) = refused.window.unwrap_or_default();
    let (topic_name, topic_errors) = refused.topic.unwrap_or_default();
    render_status(
        status,
        &SettingsPage {
            ctx: o.ctx,
            event: o.event,
            form,
            errors,
            slots,
            topics,
            window_start,
            window_end,
            window_errors,
            topic_errors,
            topic_name,
            participants,
        },
    )
}

pub async fn settings(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    settings_page(o, &state, Refused::default()).await
}

pub async fn save_settings(o: OrganiserCtx, state: State, form: FormData) -> AppResult<HttpResponse> {
    let typed = SettingsForm::from_form(&form);
    let input = match typed.validate(&o.event) {
        Ok(i) => i,
        Err(e) => return settings_page(o, &state, Refused { form: Some((typed, e)), ..Default::default() }).await,
    };
    let (id, uid) = (o.event.id, o.user.id);
    let (base_url, event) = (state.base_url.clone(), o.event.clone());
    let placed = state
        .db
        .run(move |c| {
            service::save_settings(c, id, uid, &input)?;
            // More tables may give waiting requests a table.
            service::place_waiting_now(c, &base_url, &event)
        })
        .await?;
    if placed > 0 {
        state.wake_mailer();
    }
    o.ctx.flash("success", "The matchmaking settings are saved.");
    Ok(redirect(&settings_url(id)))
}

pub async fn add_window(o: OrganiserCtx, state: State, form: FormData) -> AppResult<HttpResponse> {
    let (start, end) = (form.get("window_start").to_string(), form.get("window_end").to_string());
    let (s, e) = match parse_window(&o.event, &start, &end) {
        Ok(w) => w,
        Err(errors) => {
            return settings_page(o, &state, Refused { window: Some((start, end, errors)), ..Default::default() }).await
        }
    };
    let (id, uid) = (o.event.id, o.user.id);
    let (base_url, event) = (state.base_url.clone(), o.event.clone());
    let result = state
        .db
        .run(move |c| {
            let minutes = service::settings(c, id)?.meeting_minutes;
            let added = service::add_window(c, id, uid, s, e, minutes)?;
            // New time may give waiting requests a table.
            if added.is_ok() {
                service::place_waiting_now(c, &base_url, &event)?;
            }
            Ok(added)
        })
        .await?;
    match result {
        Ok(n) => {
            state.wake_mailer();
            o.ctx.flash("success", format!("{n} meeting slot{} added.", if n == 1 { "" } else { "s" }));
            Ok(redirect(&format!("{}#slots", settings_url(id))))
        }
        Err(msg) => {
            let mut errors = FormErrors::default();
            errors.add("window_start", msg);
            settings_page(o, &state, Refused { window: Some((start, end, errors)), ..Default::default() }).await
        }
    }
}

pub async fn delete_slot(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, sid) = path.into_inner();
    let (event, uid) = (o.event.clone(), o.user.id);
    match state.db.run(move |c| service::delete_slot(c, &event, uid, sid)).await? {
        Ok(()) => o.ctx.flash("success", "The slot is deleted, with the draft meetings it held."),
        Err(msg) => o.ctx.flash("error", msg),
    }
    Ok(redirect(&format!("{}#slots", settings_url(id))))
}

pub async fn add_topic(o: OrganiserCtx, state: State, form: FormData) -> AppResult<HttpResponse> {
    let (name, category) = (form.get("name").trim().to_string(), form.get("category").to_string());
    let (id, uid, n) = (o.event.id, o.user.id, name.clone());
    match state.db.run(move |c| service::add_topic(c, id, uid, &n, &category)).await? {
        Ok(()) => {
            o.ctx.flash("success", format!("The topic \u{201c}{name}\u{201d} is added."));
            Ok(redirect(&format!("{}#topics", settings_url(id))))
        }
        Err(e) => settings_page(o, &state, Refused { topic: Some((name, e)), ..Default::default() }).await,
    }
}

pub async fn rename_topic(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let name = form.get("name").trim().to_string();
    let (uid, n) = (o.user.id, name.clone());
    match state.db.run(move |c| service::rename_topic(c, id, uid, tid, &n)).await? {
        Ok(()) => {
            o.ctx.flash("success", "The topic is renamed.");
            Ok(redirect(&format!("{}#topics", settings_url(id))))
        }
        Err(e) => settings_page(o, &state, Refused { topic: Some((name, e)), ..Default::default() }).await,
    }
}

pub async fn delete_topic(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let uid = o.user.id;
    state.db.run(move |c| service::delete_topic(c, id, uid, tid)).await?;
    o.ctx.flash("success", "The topic is deleted and removed from every profile.");
    Ok(redirect(&format!("{}#topics", settings_url(id))))
}

// ---------- the meeting grid ----------

/// One meeting as the grid shows it.
pub struct Cell {
    pub meeting: Meeting,
    pub a: String,
    pub b: String,
    pub publication: Publication,
}

/// A slot and its meetings on this page.
pub struct SlotGroup {
    pub slot: Slot,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "pages/organise/meetings.html")]
struct MeetingsPage {
    ctx: PageCtx,
    event: Event,
    settings: Settings,
    slots: Vec<Slot>,
    tables: Vec<i32>,
    /// Meetings per slot in the whole draft.
    used: HashMap<i64, usize>,
    filter: Filter,
    states: &'static [(&'static str, &'static str)],
    /// How many meetings the filter selects, on all pages; and in the whole draft.
    total: usize,
    all: usize,
    page: usize,
    pages: usize,
    groups: Vec<SlotGroup>,
    dashboard: Dashboard,
    move_error: Option<(i64, String)>,
    /// Whether the meeting the move error is about is on this page (else it shows at the top).
    move_error_inline: bool,
    /// How the draft differs from what participants see.
    pending: published::Diff,
    version: Option<published::Version>,
}

impl MeetingsPage {
    fn slot_label(&self, s: &Slot) -> String {
        format!(
            "{}–{}",
            self.event.local(s.starts_at).format("%a %-d %b, %H:%M"),
            self.event.local(s.ends_at).format("%H:%M")
        )
    }
    fn used_in(&self, slot: &i64) -> usize {
        self.used.get(slot).copied().unwrap_or(0)
    }
    fn move_error_for(&self, id: &i64) -> Option<&str> {
        self.move_error.as_ref().filter(|(m, _)| m == id).map(|(_, e)| e.as_str())
    }
    /// This page of the grid, filters kept: where its forms send the organiser back to.
    fn here(&self) -> String {
        grid_url(self.event.id, &self.filter.query_for_page(self.page))
    }
    fn page_url(&self, page: usize) -> String {
        grid_url(self.event.id, &self.filter.query_for_page(page))
    }
}

fn grid_url(id: i64, query: &str) -> String {
    if query.is_empty() {
        meetings_url(id)
    } else {
        format!("{}?{query}", meetings_url(id))
    }
}

/// The grid address a form came from (`back`), if it is one: a path-only grid address of this
/// event, with its query; the plain grid otherwise.
fn back_to(id: i64, form: &FormData) -> String {
    let base = meetings_url(id);
    let back = form.get("back").split('#').next().unwrap_or("");
    let is_grid = back == base || back.strip_prefix(&base).is_some_and(|rest| rest.starts_with('?'));
    if is_grid && crate::web::safe_next(back) == back {
        back.to_string()
    } else {
        base
    }
}

/// The draft's meetings the filter selects, in grid order (slot, table), with their people
/// and their state against the published version; the number of meetings per slot, in all,
/// and the highest table in use.
type Selected = (Vec<(Meeting, Who, Who, Publication)>, HashMap<i64, usize>, usize, i32);

fn select(c: &mut DbConn, event_id: i64, f: &Filter, pending: &published::Diff) -> Result<Selected, AppError> {
    use crate::db::schema::{registrations as r, users};
    let rows: Vec<(i64, String, String, String)> = r::table
        .inner_join(users::table)
        .filter(r::event_id.eq(event_id).and(r::status.eq("confirmed")))
        .select((users::id, users::name, users::email, users::organisation))
        .load(c)?;
    let who: HashMap<i64, Who> =
        rows.into_iter().map(|(id, name, email, organisation)| (id, Who { name, email, organisation })).collect();
    let added: HashSet<(i64, i64)> = pending.added.iter().map(|x| x.0).collect();
    let moved: HashSet<(i64, i64)> = pending.moved.iter().map(|x| x.0).collect();
    let former = Who::former();
    let meetings = service::meetings(c, event_id)?;
    let all = meetings.len();
    let max_table = meetings.iter().map(|m| m.table_no).max().unwrap_or(0);
    let mut used: HashMap<i64, usize> = HashMap::new();
    let mut out = Vec::new();
    for m in meetings {
        *used.entry(m.slot_id).or_default() += 1;
        let pair = (m.a_user, m.b_user);
        let publication = if added.contains(&pair) {
            Publication::NotPublished
        } else if moved.contains(&pair) {
            Publication::Changed
        } else {
            Publication::Published
        };
        let (a, b) = (who.get(&m.a_user).unwrap_or(&former), who.get(&m.b_user).unwrap_or(&former));
        if f.keeps(&m, a, b, publication) {
            let (a, b) = (a.clone(), b.clone());
            out.push((m, a, b, publication));
        }
    }
    Ok((out, used, all, max_table))
}

async fn meetings_page(
    o: OrganiserCtx,
    state: &State,
    filter: Filter,
    move_error: Option<(i64, String)>,
) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let f = filter.clone();
    let (settings, slots, (selected, used, all, max_table), dashboard, pending, version) = state
        .db
        .run(move |c| {
            let pending = published::pending_diff(c, id)?;
            Ok((
                service::settings(c, id)?,
                service::slots(c, id)?,
                select(c, id, &f, &pending)?,
                service::dashboard(c, id)?,
                pending,
                published::versions(c, id)?.into_iter().next(),
            ))
        })
        .await?;
    let max_table = max_table.max(settings.tables_count);
    let total = selected.len();
    let (page, pages, on_page) = grid::page_of(selected, filter.page, grid::PER_PAGE);
    let move_error_inline = move_error.as_ref().is_some_and(|(mid, _)| on_page.iter().any(|x| x.0.id == *mid));
    let cells = on_page.into_iter().map(|(meeting, a, b, publication)| Cell {
        a: a.label(),
        b: b.label(),
        meeting,
        publication,
    });
    let groups = grid::group_by(cells.collect(), |c| c.meeting.slot_id)
        .into_iter()
        .filter_map(|(sid, cells)| Some(SlotGroup { slot: slots.iter().find(|s| s.id == sid)?.clone(), cells }))
        .collect();
    let status = if move_error.is_some() { UNPROCESSABLE } else { StatusCode::OK };
    render_status(
        status,
        &MeetingsPage {
            ctx: o.ctx,
            event: o.event,
            settings,
            slots,
            tables: (1..=max_table).collect(),
            used,
            filter: Filter { page, ..filter },
            states: grid::STATES,
            total,
            all,
            page,
            pages,
            groups,
            dashboard,
            move_error,
            move_error_inline,
            pending,
            version,
        },
    )
}

pub async fn meetings(o: OrganiserCtx, state: State, req: HttpRequest) -> AppResult<HttpResponse> {
    meetings_page(o, &state, Filter::from_query_string(req.query_string()), None).await
}

/// The draft's meetings as CSV, the grid's filters applied (the page aside).
pub async fn meetings_csv(o: OrganiserCtx, state: State, req: HttpRequest) -> AppResult<HttpResponse> {
    let filter = Filter::from_query_string(req.query_string());
    let (event, uid) = (o.event.clone(), o.user.id);
    let body = state
        .db
        .run(move |c| {
            let pending = published::pending_diff(c, event.id)?;
            let (selected, ..) = select(c, event.id, &filter, &pending)?;
            let slots: HashMap<i64, Slot> = service::slots(c, event.id)?.into_iter().map(|s| (s.id, s)).collect();
            let local = |t| event.local(t).format("%Y-%m-%d %H:%M").to_string();
            let header: Vec<String> = [
                format!("Slot start ({})", event.timezone),
                format!("Slot end ({})", event.timezone),
                "Table".into(),
                "Person A".into(),
                "Organisation A".into(),
                "E-mail A".into(),
                "Person B".into(),
                "Organisation B".into(),
                "E-mail B".into(),
                "Locked".into(),
                "Published state".into(),
            ]
            .into();
            let rows: Vec<Vec<String>> = selected
                .into_iter()
                .map(|(m, a, b, publication)| {
                    let (start, end) =
                        slots.get(&m.slot_id).map(|s| (local(s.starts_at), local(s.ends_at))).unwrap_or_default();
                    vec![
                        start,
                        end,
                        m.table_no.to_string(),
                        a.name,
                        a.organisation,
                        a.email,
                        b.name,
                        b.organisation,
                        b.email,
                        if m.locked { "yes" } else { "no" }.into(),
                        publication.label().into(),
                    ]
                })
                .collect();
            let body = crate::events::csv::write(&header, &rows).map_err(AppError::internal)?;
            crate::audit::record_event(c, Some(uid), event.id, "matchmaking.meetings_exported", "CSV export")?;
            Ok(body)
        })
        .await?;
    let filename = format!("{}-meetings.csv", o.event.slug);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

pub async fn schedule_all(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let (event, uid) = (o.event.clone(), o.user.id);
    match state.db.run(move |c| service::schedule_all(c, &event, uid)).await? {
        Ok(summary) => o.ctx.flash("success", summary.sentence()),
        Err(msg) => o.ctx.flash("error", msg),
    }
    Ok(redirect(&meetings_url(o.event.id)))
}

#[derive(Template)]
#[template(path = "pages/organise/meetings_review.html")]
struct ReviewPage {
    ctx: PageCtx,
    event: Event,
    diff: published::Diff,
    people: Vec<published::PersonChanges>,
    version: Option<published::Version>,
    versions: Vec<published::Version>,
}

/// The draft compared with what participants see, per person, before publishing.
pub async fn review(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let event = o.event.clone();
    let (diff, people, versions) = state
        .db
        .run(move |c| {
            let d = published::pending_diff(c, event.id)?;
            let people = published::review(c, &event, &d)?;
            Ok((d, people, published::versions(c, event.id)?))
        })
        .await?;
    let version = versions.first().cloned();
    render_status(StatusCode::OK, &ReviewPage { ctx: o.ctx, event: o.event, diff, people, version, versions })
}

pub async fn publish(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let (base_url, event, uid) = (state.base_url.clone(), o.event.clone(), o.user.id);
    let done = state.db.run(move |c| published::publish(c, &base_url, &event, uid)).await?;
    state.wake_mailer();
    if done.diff.is_empty() && done.notified == 0 {
        o.ctx.flash("info", format!("Nothing to publish: the draft equals version {}.", done.version));
    } else {
        o.ctx.flash(
            "success",
            format!(
                "Version {} is published: {} added, {} moved, {} cancelled. {} people get one e-mail each with what changed for them.",
                done.version,
                done.diff.added.len(),
                done.diff.moved.len(),
                done.diff.removed.len(),
                done.notified
            ),
        );
    }
    Ok(redirect(&meetings_url(o.event.id)))
}

pub async fn top_matches(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let (base_url, event, uid) = (state.base_url.clone(), o.event.clone(), o.user.id);
    let n = state.db.run(move |c| service::send_top_matches(c, &base_url, &event, uid)).await?;
    state.wake_mailer();
    o.ctx.flash("success", format!("{n} participants get their top matches by e-mail."));
    Ok(redirect(&meetings_url(o.event.id)))
}

pub async fn lock(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let locked = form.get("locked") == "yes";
    let uid = o.user.id;
    state.db.run(move |c| service::set_locked(c, id, uid, mid, locked)).await?;
    o.ctx.flash(
        "success",
        if locked { "The meeting is locked: the scheduler keeps it." } else { "The meeting is unlocked." },
    );
    Ok(redirect(&format!("{}#meeting-{mid}", back_to(id, &form))))
}

pub async fn move_meeting(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let slot: Option<i64> = form.get("slot").trim().parse().ok();
    let table: Option<i32> = form.get("table").trim().parse().ok();
    let back = back_to(id, &form);
    let filter = Filter::from_query_string(back.split_once('?').map_or("", |x| x.1));
    let (Some(slot), Some(table)) = (slot, table) else {
        return meetings_page(o, &state, filter, Some((mid, "Choose a slot and a table number.".into()))).await;
    };
    let (event, uid) = (o.event.clone(), o.user.id);
    match state.db.run(move |c| service::move_meeting(c, &event, uid, mid, slot, table)).await? {
        Ok(()) => {
            o.ctx.flash(
                "success",
                "The meeting is moved in the draft (and locked, so the scheduler keeps it there). Participants see it when you publish.",
            );
            Ok(redirect(&format!("{back}#meeting-{mid}")))
        }
        Err(msg) => meetings_page(o, &state, filter, Some((mid, msg))).await,
    }
}

pub async fn cancel(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let (event, uid) = (o.event.clone(), o.user.id);
    state.db.run(move |c| service::cancel_meeting_by_organiser(c, &event, uid, mid)).await?;
    o.ctx.flash("success", "The meeting is removed from the draft. Participants are told when you publish.");
    Ok(redirect(&back_to(id, &form)))
}
