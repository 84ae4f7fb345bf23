//! The programme for visitors and attendees: agenda by day (grid or list, filtered by track),
//! session pages, the personal agenda, and the calendar and schedule exports.

use std::borrow::Borrow;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::grid::{self, Cell, Grid};
// `Cell` is matched in the agenda template.
use super::model::{meeting_clashes, overlapping, Programme, Session};
use super::{exports, service};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::events::model::Event;
use crate::events::public::visible_event;
use crate::events::registration;
use crate::web::{cache, redirect, render, Authed, PageCtx};
#[allow(unused_imports)]
use Cell as _;

type State = web::Data<AppState>;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AgendaQuery {
    pub day: String,
    pub track: String,
    pub view: String,
}

/// One day's tab on the agenda page.
pub struct DayTab {
    pub date: NaiveDate,
    pub label: String,
}

#[derive(Template)]
#[template(path = "pages/agenda/agenda.html")]
struct AgendaPage {
    ctx: PageCtx,
    event: Event,
    programme: Programme,
    days: Vec<DayTab>,
    day: NaiveDate,
    track: Option<i64>,
    list: bool,
    sessions: Vec<Session>,
    grid: Grid,
    grid_rooms: Vec<(i64, String)>,
    chosen: Vec<i64>,
    counts: Vec<(i64, i64)>,
}

impl AgendaPage {
    fn time(&self, t: &chrono::NaiveDateTime) -> String {
        self.event.local(t).format("%H:%M").to_string()
    }
    fn session(&self, id: &i64) -> Option<&Session> {
        self.programme.session(*id)
    }
    fn is_chosen(&self, id: &i64) -> bool {
        self.chosen.contains(id)
    }
    fn taken(&self, id: &i64) -> i64 {
        self.counts.iter().find(|(s, _)| s == id).map(|(_, n)| *n).unwrap_or(0)
    }
    fn cancelled_count(&self) -> usize {
        self.sessions.iter().filter(|s| s.is_cancelled()).count()
    }
    fn is_full(&self, s: &Session) -> bool {
        s.capacity.is_some_and(|c| self.taken(&s.id) >= i64::from(c))
    }
    fn is_track(&self, id: &i64) -> bool {
        self.track == Some(*id)
    }
    /// Whether the page draws the time grid (for wide screens; a list by time stands in for
    /// it on narrow ones).
    fn shows_grid(&self) -> bool {
        !self.list && !self.grid.rows.is_empty()
    }
    /// The id prefix of the list's sessions: the grid's cells are `session-…` when both are
    /// on the page, so ids stay unique.
    fn item_prefix(&self) -> &'static str {
        if self.shows_grid() {
            "item"
        } else {
            "session"
        }
    }
    /// The day's sessions grouped by start time (local "HH:MM"), in time order.
    fn by_start(&self) -> Vec<(String, Vec<&Session>)> {
        let mut out: Vec<(String, Vec<&Session>)> = Vec::new();
        for s in &self.sessions {
            let t = self.time(&s.starts_at);
            match out.last_mut() {
                Some((at, group)) if *at == t => group.push(s),
                _ => out.push((t, vec![s])),
            }
        }
        out
    }
    /// 0 for a visitor, 1 for a signed-in person: which links the event navigation shows.
    fn nav_level(&self) -> u8 {
        u8::from(self.ctx.user.is_some())
    }
    fn query(&self, day: impl Borrow<NaiveDate>, track: impl Borrow<Option<i64>>, list: impl Borrow<bool>) -> String {
        let mut q = format!("?day={}", day.borrow());
        if let Some(t) = track.borrow() {
            q.push_str(&format!("&track={t}"));
        }
        if *list.borrow() {
            q.push_str("&view=list");
        }
        q
    }
}

fn event_days(event: &Event) -> Vec<DayTab> {
    let (first, last) = (event.local(event.starts_at).date_naive(), event.local(event.ends_at).date_naive());
    let mut out = Vec::new();
    let mut d = first;
    loop {
        out.push(DayTab { date: d, label: d.format("%A %-d %B").to_string() });
        match d.succ_opt() {
            Some(n) if n <= last && out.len() < 31 => d = n,
            _ => break,
        }
    }
    out
}

pub async fn agenda(
    mut ctx: PageCtx,
    state: State,
    slug: web::Path<String>,
    q: web::Query<AgendaQuery>,
) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let shared = ctx.is_shared_view();
    let key = format!("page:{}", ctx.path);
    if shared {
        if let Some(r) = cache::serve(&state.pages, &key, &ctx.csrf) {
            return Ok(r);
        }
    }
    let generation = state.pages.generation();
    let q = q.into_inner();
    let days = event_days(&event);
    let day = match q.day.as_str() {
        "" => days[0].date,
        d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) if days.iter().any(|t| t.date == d) => d,
            _ => return Err(AppError::NotFound),
        },
    };
    let (id, uid) = (event.id, ctx.user.as_ref().map(|u| u.id));
    let (programme, chosen, counts) = state
        .db
        .run(move |c| {
            let chosen = match uid {
                Some(u) => service::chosen(c, id, u)?,
                None => Vec::new(),
            };
            Ok((Programme::load(c, id)?, chosen, service::signup_counts(c, id)?))
        })
        .await?;
    let track = match q.track.as_str() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(t) if programme.tracks.iter().any(|x| x.id == t) => Some(t),
            _ => return Err(AppError::NotFound),
        },
    };
    let sessions: Vec<Session> = programme
        .sessions
        .iter()
        .filter(|s| event.local(s.starts_at).date_naive() == day)
        .filter(|s| track.is_none() || s.track_id == track || s.track_id.is_none() && s.room_id.is_none())
        .cloned()
        .collect();
    let live: Vec<&Session> = sessions.iter().filter(|s| !s.is_cancelled()).collect();
    let used: Vec<i64> =
        programme.rooms.iter().map(|r| r.id).filter(|r| live.iter().any(|s| s.room_id == Some(*r))).collect();
    let grid = grid::layout(&live, &used);
    let grid_rooms = used.iter().map(|r| (*r, programme.room_name(Some(*r)).to_string())).collect();
    let csrf = if shared { std::mem::replace(&mut ctx.csrf, cache::TOKEN_SLOT.into()) } else { String::new() };
    let page = AgendaPage {
        ctx,
        event,
        programme,
        days,
        day,
        track,
        list: q.view == "list",
        sessions,
        grid,
        grid_rooms,
        chosen,
        counts,
    };
    if shared {
        return cache::render_shared(&state.pages, key, generation, &csrf, &page);
    }
    render(&page)
}

/// Track colours as a stylesheet (the CSP allows no inline styles).
pub async fn track_css(ctx: PageCtx, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let id = event.id;
    let programme = state.db.run(move |c| Programme::load(c, id)).await?;
    let mut css = String::new();
    for t in &programme.tracks {
        // Colours are validated as #rrggbb when saved.
        css.push_str(&format!(
            ".track-{} {{ border-left-color: {}; }}\n.track-dot-{} {{ background: {}; }}\n",
            t.id, t.colour, t.id, t.colour
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .body(css))
}

#[derive(Template)]
#[template(path = "pages/agenda/session.html")]
struct SessionPage {
    ctx: PageCtx,
    event: Event,
    programme: Programme,
    session: Session,
    abstract_html: String,
    taken: i64,
    full: bool,
    chosen: bool,
    confirmed: bool,
}

impl SessionPage {
    fn places_left(&self) -> i64 {
        self.session.capacity.map(|c| (i64::from(c) - self.taken).max(0)).unwrap_or(0)
    }
}

pub async fn session_page(mut ctx: PageCtx, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (slug, sid) = path.into_inner();
    let (event, _) = visible_event(&state, &ctx, slug).await?;
    let shared = ctx.is_shared_view();
    let key = format!("page:{}", ctx.path);
    if shared {
        if let Some(r) = cache::serve(&state.pages, &key, &ctx.csrf) {
            return Ok(r);
        }
    }
    let generation = state.pages.generation();
    let (id, uid) = (event.id, ctx.user.as_ref().map(|u| u.id));
    let (programme, taken, chosen, confirmed) = state
        .db
        .run(move |c| {
            let (chosen, confirmed) = match uid {
                Some(u) => (service::chosen(c, id, u)?.contains(&sid), service::is_confirmed(c, id, u)?),
                None => (false, false),
            };
            Ok((Programme::load(c, id)?, service::signup_count(c, sid)?, chosen, confirmed))
        })
        .await?;
    let session = programme.session(sid).cloned().ok_or(AppError::NotFound)?;
    let abstract_html = crate::web::markdown::to_safe_html(&session.abstract_text);
    let full = session.capacity.is_some_and(|c| taken >= i64::from(c));
    let csrf = if shared { std::mem::replace(&mut ctx.csrf, cache::TOKEN_SLOT.into()) } else { String::new() };
    let page = SessionPage { ctx, event, programme, session, abstract_html, taken, full, chosen, confirmed };
    if shared {
        return cache::render_shared(&state.pages, key, generation, &csrf, &page);
    }
    render(&page)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BackForm {
    pub back: String,
}

fn back_to(event: &Event, back: &str) -> String {
    let prefix = format!("/events/{}/", event.slug);
    if back.starts_with(&prefix) && crate::web::safe_next(back) == back {
        back.to_string()
    } else {
        format!("/events/{}/my-agenda", event.slug)
    }
}

pub async fn add(
    Authed(ctx, user): Authed,
    state: State,
    path: web::Path<(String, i64)>,
    f: web::Form<BackForm>,
) -> AppResult<HttpResponse> {
    let (slug, sid) = path.into_inner();
    let (event, _) = visible_event(&state, &ctx, slug).await?;
    let (id, uid) = (event.id, user.id);
    match state.db.run(move |c| service::add(c, id, sid, uid)).await? {
        Ok(()) => ctx.flash("success", "Added to your agenda."),
        Err(refusal) => ctx.flash("error", refusal.message()),
    }
    Ok(redirect(&back_to(&event, &f.back)))
}

pub async fn remove(
    Authed(ctx, user): Authed,
    state: State,
    path: web::Path<(String, i64)>,
    f: web::Form<BackForm>,
) -> AppResult<HttpResponse> {
    let (slug, sid) = path.into_inner();
    let (event, _) = visible_event(&state, &ctx, slug).await?;
    let (ev, uid, base) = (event.clone(), user.id, state.base_url.clone());
    state.db.run(move |c| service::remove(c, &base, &ev, sid, uid)).await?;
    ctx.flash("success", "Removed from your agenda.");
    Ok(redirect(&back_to(&event, &f.back)))
}

// ---------- my agenda ----------

#[derive(Template)]
#[template(path = "pages/agenda/mine.html")]
struct MyAgendaPage {
    ctx: PageCtx,
    event: Event,
    programme: std::sync::Arc<Programme>,
    mine: Vec<Session>,
    overlaps: Vec<i64>,
    confirmed: bool,
    feed_url: Option<String>,
    meetings: Vec<crate::matchmaking::service::ScheduleEntry>,
    /// Chosen sessions that clash with meetings: (session id, note beside the session).
    session_clashes: Vec<(i64, String)>,
    /// Beside each meeting (same order as `meetings`), the sessions it clashes with.
    meeting_clashes: Vec<Vec<String>>,
}

impl MyAgendaPage {
    fn clash_notes(&self, id: impl Borrow<i64>) -> Vec<&str> {
        let id = *id.borrow();
        self.session_clashes.iter().filter(|(s, _)| *s == id).map(|(_, n)| n.as_str()).collect()
    }
    fn meeting_notes(&self, i: &usize) -> &[String] {
        self.meeting_clashes.get(*i).map(|v| v.as_slice()).unwrap_or(&[])
    }
    fn day_changes(&self, i: &usize) -> bool {
        *i == 0
            || self.event.local(self.mine[*i].starts_at).date_naive()
                != self.event.local(self.mine[*i - 1].starts_at).date_naive()
    }
}

type HmacSha256 = Hmac<Sha256>;

/// The secret of a personal feed: an HMAC of the registration and its calendar epoch, so
/// nothing secret is stored and bumping the epoch revokes the old address.
pub fn feed_token(key: &[u8], registration_id: i64, epoch: i32) -> String {
    let mut mac =
        HmacSha256::new_from_slice(key).unwrap_or_else(|_| HmacSha256::new_from_slice(b"liaison").expect("hmac key"));
    mac.update(format!("calendar-feed:{registration_id}:{epoch}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..20])
}

pub async fn my_agenda(Authed(ctx, user): Authed, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let (id, uid) = (event.id, user.id);
    let (ev, programmes, generation) = (event.clone(), state.programmes.clone(), state.pages.generation());
    let (programme, chosen, reg, meetings) = state
        .db
        .run(move |c| {
            let p = programmes.get_or(id, generation, || Programme::load(c, id))?;
            let chosen = service::chosen(c, id, uid)?;
            let meetings = crate::matchmaking::service::visible_entries(c, &ev, uid)?;
            Ok((p, chosen, registration::find_for(c, id, uid)?, meetings))
        })
        .await?;
    let confirmed = reg.as_ref().is_some_and(|r| r.status() == registration::RegStatus::Confirmed);
    let mine: Vec<Session> = programme.sessions.iter().filter(|s| chosen.contains(&s.id)).cloned().collect();
    let overlaps = overlapping(&mine.iter().filter(|s| !s.is_cancelled()).collect::<Vec<_>>());
    let times: Vec<_> = meetings.iter().map(|e| (e.slot.starts_at, e.slot.ends_at)).collect();
    let mut session_clashes = Vec::new();
    let mut notes_by_meeting = vec![Vec::new(); meetings.len()];
    for (sid, i) in meeting_clashes(&mine.iter().collect::<Vec<_>>(), &times) {
        let (meeting, session) = (&meetings[i], mine.iter().find(|s| s.id == sid));
        let at = event.local(meeting.slot.starts_at).format("%H:%M");
        session_clashes.push((sid, format!("Clashes with your meeting with {} at {at}", meeting.partner.name)));
        if let Some(s) = session {
            notes_by_meeting[i].push(format!("Clashes with \"{}\"", s.title));
        }
    }
    let feed_url = reg.filter(|_| confirmed).map(|r| {
        format!(
            "{}/events/{}/calendar/{}/{}.ics",
            state.base_url,
            event.slug,
            r.id,
            feed_token(&state.feed_key, r.id, r.calendar_epoch)
        )
    });
    render(&MyAgendaPage {
        ctx,
        event,
        programme,
        mine,
        overlaps,
        confirmed,
        feed_url,
        meetings,
        session_clashes,
        meeting_clashes: notes_by_meeting,
    })
}

pub async fn reset_feed(Authed(ctx, user): Authed, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let (id, uid) = (event.id, user.id);
    state.db.run(move |c| registration::bump_calendar_epoch(c, id, uid)).await?;
    ctx.flash(
        "success",
        "Your calendar address is renewed; the old one no longer works. Subscribe again with the new one.",
    );
    Ok(redirect(&format!("/events/{}/my-agenda", event.slug)))
}

// ---------- exports ----------

fn calendar_response(body: String, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// An export that is the same for everyone who may see the event, from the page cache.
async fn shared_export(
    state: &State,
    event: &Event,
    kind: &str,
    content_type: &'static str,
    disposition: Option<String>,
    build: impl FnOnce(&Programme) -> String,
) -> AppResult<HttpResponse> {
    let key = format!("{kind}:{}", event.slug);
    if let Some(page) = state.pages.get(&key) {
        return Ok(page.response());
    }
    let generation = state.pages.generation();
    let id = event.id;
    let programme = state.db.run(move |c| Programme::load(c, id)).await?;
    let body = web::Bytes::from(build(&programme));
    Ok(state.pages.put(key, generation, cache::CachedPage { content_type, disposition, body }).response())
}

pub async fn programme_ics(ctx: PageCtx, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let disposition = Some(format!("inline; filename=\"{}.ics\"", event.slug));
    let base = state.base_url.clone();
    shared_export(&state, &event, "ics", "text/calendar; charset=utf-8", disposition, |p| {
        exports::calendar(&base, &event, p, &event.title, None, Vec::new())
    })
    .await
}

/// The personal feed: no login (calendar apps cannot log in); the secret address is the key.
pub async fn personal_ics(state: State, path: web::Path<(String, i64, String)>) -> AppResult<HttpResponse> {
    let (slug, reg_id, file) = path.into_inner();
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?.to_string();
    let key = state.feed_key.clone();
    let found = state
        .db
        .run(move |c| {
            let Some(reg) = registration::find(c, reg_id)? else { return Ok(None) };
            let expected = feed_token(&key, reg.id, reg.calendar_epoch);
            if !crate::web::csrf::constant_time_eq(expected.as_bytes(), token.as_bytes()) {
                return Ok(None);
            }
            let Some(event) = crate::events::model::find(c, reg.event_id)? else { return Ok(None) };
            if event.slug != slug {
                return Ok(None);
            }
            let (programme, chosen) = service::my_sessions(c, event.id, reg.user_id)?;
            let meetings = crate::matchmaking::service::visible_entries(c, &event, reg.user_id)?;
            Ok(Some((event, programme, chosen, meetings, reg)))
        })
        .await?;
    let (event, programme, chosen, meetings, reg) = found.ok_or(AppError::NotFound)?;
    let name = exports::personal_calendar_name(&event);
    // The registration's own entry (the event day), as its e-mails last described it.
    let own = crate::events::ics::feed_entry(&state.base_url, &event, &reg);
    let extra = meetings
        .iter()
        .map(|e| crate::matchmaking::published::calendar_entry(&state.base_url, &event, &e.meeting, &e.partner))
        .chain(own)
        .collect();
    let body = exports::calendar(&state.base_url, &event, &programme, &name, Some(&chosen), extra);
    Ok(calendar_response(body, &format!("{}-my-agenda.ics", event.slug)))
}

pub async fn schedule_xml(ctx: PageCtx, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let base = state.base_url.clone();
    shared_export(&state, &event, "xml", "application/xml; charset=utf-8", None, |p| {
        exports::schedule_xml(&base, &event, p)
    })
    .await
}

pub async fn schedule_json(ctx: PageCtx, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let base = state.base_url.clone();
    shared_export(&state, &event, "json", "application/json", None, |p| {
        exports::schedule_json(&base, &event, p).to_string()
    })
    .await
}
