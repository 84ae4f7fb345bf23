//! Organisers' matchmaking pages: settings, meeting slots and the topic taxonomy; the meeting
//! grid with lock, move and cancel; "schedule all", publishing and the dashboard.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{parse_window, Meeting, Settings, SettingsForm, Slot, Topic};
use super::published;
use super::service::{self, Dashboard};
use crate::app::AppState;
use crate::error::AppResult;
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

/// One cell of the grid.
pub struct Cell {
    pub meeting: Meeting,
    pub a: String,
    pub b: String,
}

#[derive(Template)]
#[template(path = "pages/organise/meetings.html")]
struct MeetingsPage {
    ctx: PageCtx,
    event: Event,
    settings: Settings,
    slots: Vec<Slot>,
    tables: Vec<i32>,
    cells: HashMap<(i64, i32), Cell>,
    dashboard: Dashboard,
    move_error: Option<(i64, String)>,
    /// How the draft differs from what participants see.
    pending: published::Diff,
    /// Pairs whose draft place participants do not see yet.
    unpublished: std::collections::BTreeSet<(i64, i64)>,
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
    fn cell(&self, slot: &i64, table: &i32) -> Option<&Cell> {
        self.cells.get(&(*slot, *table))
    }
    fn used_in(&self, slot: &i64) -> usize {
        self.cells.keys().filter(|(s, _)| s == slot).count()
    }
    fn is_unpublished(&self, m: &Meeting) -> bool {
        self.unpublished.contains(&(m.a_user, m.b_user))
    }
    fn move_error_for(&self, id: &i64) -> Option<&str> {
        self.move_error.as_ref().filter(|(m, _)| m == id).map(|(_, e)| e.as_str())
    }
}

async fn meetings_page(o: OrganiserCtx, state: &State, move_error: Option<(i64, String)>) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let (settings, slots, meetings, dashboard, names, pending, version) = state
        .db
        .run(move |c| {
            let people = service::people(c, id)?;
            let names: HashMap<i64, String> = people
                .into_iter()
                .map(|p| {
                    let label =
                        if p.organisation.is_empty() { p.name } else { format!("{} ({})", p.name, p.organisation) };
                    (p.user_id, label)
                })
                .collect();
            Ok((
                service::settings(c, id)?,
                service::slots(c, id)?,
                service::meetings(c, id)?,
                service::dashboard(c, id)?,
                names,
                published::pending_diff(c, id)?,
                published::versions(c, id)?.into_iter().next(),
            ))
        })
        .await?;
    let name = |u: i64| names.get(&u).cloned().unwrap_or_else(|| "A former participant".into());
    let max_table = meetings.iter().map(|m| m.table_no).max().unwrap_or(0).max(settings.tables_count);
    let unpublished = pending.added.iter().map(|x| x.0).chain(pending.moved.iter().map(|x| x.0)).collect();
    let cells = meetings
        .into_iter()
        .map(|m| ((m.slot_id, m.table_no), Cell { a: name(m.a_user), b: name(m.b_user), meeting: m }))
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
            cells,
            dashboard,
            move_error,
            pending,
            unpublished,
            version,
        },
    )
}

pub async fn meetings(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    meetings_page(o, &state, None).await
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
    Ok(redirect(&format!("{}#meeting-{mid}", meetings_url(id))))
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
    let (Some(slot), Some(table)) = (slot, table) else {
        return meetings_page(o, &state, Some((mid, "Choose a slot and a table number.".into()))).await;
    };
    let (event, uid) = (o.event.clone(), o.user.id);
    match state.db.run(move |c| service::move_meeting(c, &event, uid, mid, slot, table)).await? {
        Ok(()) => {
            o.ctx.flash(
                "success",
                "The meeting is moved in the draft (and locked, so the scheduler keeps it there). Participants see it when you publish.",
            );
            Ok(redirect(&format!("{}#meeting-{mid}", meetings_url(id))))
        }
        Err(msg) => meetings_page(o, &state, Some((mid, msg))).await,
    }
}

pub async fn cancel(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, mid) = path.into_inner();
    let (event, uid) = (o.event.clone(), o.user.id);
    state.db.run(move |c| service::cancel_meeting_by_organiser(c, &event, uid, mid)).await?;
    o.ctx.flash("success", "The meeting is removed from the draft. Participants are told when you publish.");
    Ok(redirect(&meetings_url(id)))
}
