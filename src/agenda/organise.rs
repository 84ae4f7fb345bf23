//! Organiser pages of the programme: rooms, tracks and sessions, with clash warnings and the
//! CSV export. Every route takes `OrganiserCtx`, so only the event's organisers get in.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{self, Programme, RoomForm, Session, SessionForm, TrackForm, KINDS};
use super::{exports, service};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::events::model::Event;
use crate::events::organise::OrganiserCtx;
use crate::web::{redirect, render_status, FormErrors, PageCtx};

type State = web::Data<AppState>;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[derive(Template)]
#[template(path = "pages/organise/agenda.html")]
struct AgendaPage {
    ctx: PageCtx,
    event: Event,
    programme: Programme,
    clashes: Vec<(i64, i64)>,
    counts: Vec<(i64, i64)>,
    /// The refused rooms or tracks form: ("room" | "track", id being edited, input, messages).
    refused: Option<(&'static str, Option<i64>, RoomForm, TrackForm, FormErrors)>,
}

impl AgendaPage {
    fn time(&self, s: &Session) -> String {
        format!(
            "{}–{}",
            self.event.local(s.starts_at).format("%a %-d %b %H:%M"),
            self.event.local(s.ends_at).format("%H:%M")
        )
    }
    fn clash_of(&self, id: &i64) -> Vec<String> {
        self.clashes
            .iter()
            .filter_map(|(a, b)| {
                if a == id {
                    Some(*b)
                } else if b == id {
                    Some(*a)
                } else {
                    None
                }
            })
            .filter_map(|o| self.programme.session(o).map(|s| s.title.clone()))
            .collect()
    }
    fn taken(&self, id: &i64) -> i64 {
        self.counts.iter().find(|(s, _)| s == id).map(|(_, n)| *n).unwrap_or(0)
    }
    fn room_errors_for(&self, id: &i64) -> FormErrors {
        self.room_errors(Some(*id))
    }
    fn room_form_for(&self, id: &i64) -> RoomForm {
        self.room_form(Some(*id))
    }
    fn room_errors(&self, id: Option<i64>) -> FormErrors {
        match &self.refused {
            Some(("room", rid, _, _, e)) if *rid == id => e.clone(),
            _ => FormErrors::default(),
        }
    }
    fn room_form(&self, id: Option<i64>) -> RoomForm {
        match &self.refused {
            Some(("room", rid, f, _, _)) if *rid == id => f.clone(),
            _ => match id.and_then(|i| self.programme.room(Some(i))) {
                Some(r) => {
                    RoomForm { name: r.name.clone(), capacity: r.capacity.map(|c| c.to_string()).unwrap_or_default() }
                }
                None => RoomForm::default(),
            },
        }
    }
    fn track_errors_for(&self, id: &i64) -> FormErrors {
        self.track_errors(Some(*id))
    }
    fn track_form_for(&self, id: &i64) -> TrackForm {
        self.track_form(Some(*id))
    }
    fn track_errors(&self, id: Option<i64>) -> FormErrors {
        match &self.refused {
            Some(("track", tid, _, _, e)) if *tid == id => e.clone(),
            _ => FormErrors::default(),
        }
    }
    fn track_form(&self, id: Option<i64>) -> TrackForm {
        match &self.refused {
            Some(("track", tid, _, f, _)) if *tid == id => f.clone(),
            _ => match id.and_then(|i| self.programme.track(Some(i))) {
                Some(t) => TrackForm { name: t.name.clone(), colour: t.colour.clone() },
                None => TrackForm { name: String::new(), colour: "#1f4e8c".into() },
            },
        }
    }
}

async fn agenda_page(
    o: OrganiserCtx,
    state: &State,
    refused: Option<(&'static str, Option<i64>, RoomForm, TrackForm, FormErrors)>,
) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let (programme, counts) =
        state.db.run(move |c| Ok((Programme::load(c, id)?, service::signup_counts(c, id)?))).await?;
    let clashes = model::room_clashes(&programme.sessions);
    let status = if refused.is_some() { UNPROCESSABLE } else { StatusCode::OK };
    render_status(status, &AgendaPage { ctx: o.ctx, event: o.event, programme, clashes, counts, refused })
}

pub async fn agenda(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    agenda_page(o, &state, None).await
}

fn agenda_url(event_id: i64) -> String {
    format!("/organise/events/{event_id}/agenda")
}

async fn save_room(o: OrganiserCtx, state: State, rid: Option<i64>, form: RoomForm) -> AppResult<HttpResponse> {
    let input = match form.validate() {
        Ok(i) => i,
        Err(e) => return agenda_page(o, &state, Some(("room", rid, form, TrackForm::default(), e))).await,
    };
    let (id, uid) = (o.event.id, o.user.id);
    match state.db.run(move |c| service::save_room(c, id, uid, rid, &input)).await? {
        Ok(()) => {
            o.ctx.flash("success", "The room is saved.");
            Ok(redirect(&agenda_url(id)))
        }
        Err(e) => agenda_page(o, &state, Some(("room", rid, form, TrackForm::default(), e))).await,
    }
}

pub async fn add_room(o: OrganiserCtx, state: State, form: web::Form<RoomForm>) -> AppResult<HttpResponse> {
    save_room(o, state, None, form.into_inner()).await
}

pub async fn update_room(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: web::Form<RoomForm>,
) -> AppResult<HttpResponse> {
    save_room(o, state, Some(path.into_inner().1), form.into_inner()).await
}

pub async fn delete_room(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, rid) = path.into_inner();
    let uid = o.user.id;
    state.db.run(move |c| service::delete_room(c, id, uid, rid)).await?;
    o.ctx.flash("success", "The room is deleted; its sessions have no room now.");
    Ok(redirect(&agenda_url(id)))
}

async fn save_track(o: OrganiserCtx, state: State, tid: Option<i64>, form: TrackForm) -> AppResult<HttpResponse> {
    let input = match form.validate() {
        Ok(i) => i,
        Err(e) => return agenda_page(o, &state, Some(("track", tid, RoomForm::default(), form, e))).await,
    };
    let (id, uid) = (o.event.id, o.user.id);
    match state.db.run(move |c| service::save_track(c, id, uid, tid, &input)).await? {
        Ok(()) => {
            o.ctx.flash("success", "The track is saved.");
            Ok(redirect(&agenda_url(id)))
        }
        Err(e) => agenda_page(o, &state, Some(("track", tid, RoomForm::default(), form, e))).await,
    }
}

pub async fn add_track(o: OrganiserCtx, state: State, form: web::Form<TrackForm>) -> AppResult<HttpResponse> {
    save_track(o, state, None, form.into_inner()).await
}

pub async fn update_track(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: web::Form<TrackForm>,
) -> AppResult<HttpResponse> {
    save_track(o, state, Some(path.into_inner().1), form.into_inner()).await
}

pub async fn delete_track(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, tid) = path.into_inner();
    let uid = o.user.id;
    state.db.run(move |c| service::delete_track(c, id, uid, tid)).await?;
    o.ctx.flash("success", "The track is deleted; its sessions have no track now.");
    Ok(redirect(&agenda_url(id)))
}

// ---------- sessions ----------

#[derive(Template)]
#[template(path = "pages/organise/session_form.html")]
struct SessionFormPage {
    ctx: PageCtx,
    event: Event,
    session: Option<Session>,
    form: SessionForm,
    errors: FormErrors,
    kinds: &'static [(&'static str, &'static str)],
    rooms: Vec<(String, String)>,
    tracks: Vec<(String, String)>,
}

async fn session_form(
    o: OrganiserCtx,
    state: &State,
    session: Option<Session>,
    form: SessionForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let programme = state.db.run(move |c| Programme::load(c, id)).await?;
    let rooms = programme
        .rooms
        .iter()
        .map(|r| {
            let label = match r.capacity {
                Some(c) => format!("{} ({c} seats)", r.name),
                None => r.name.clone(),
            };
            (r.id.to_string(), label)
        })
        .collect();
    let tracks = programme.tracks.iter().map(|t| (t.id.to_string(), t.name.clone())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { UNPROCESSABLE };
    render_status(
        status,
        &SessionFormPage { ctx: o.ctx, event: o.event, session, form, errors, kinds: KINDS, rooms, tracks },
    )
}

pub async fn new_session(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let start = o.event.input_value(Some(o.event.starts_at));
    let form = SessionForm { kind: "talk".into(), starts_at: start.clone(), ends_at: start, ..Default::default() };
    session_form(o, &state, None, form, FormErrors::default()).await
}

async fn ids(state: &State, event_id: i64) -> AppResult<(Vec<i64>, Vec<i64>)> {
    let p = state.db.run(move |c| Programme::load(c, event_id)).await?;
    Ok((p.rooms.iter().map(|r| r.id).collect(), p.tracks.iter().map(|t| t.id).collect()))
}

/// After saving: a warning (not a refusal) when the room is double-booked.
async fn warn_about_clashes(o: &OrganiserCtx, state: &State, session: Session) -> AppResult<()> {
    let title = session.title.clone();
    let clashes = state.db.run(move |c| service::clashes_with(c, &session)).await?;
    if !clashes.is_empty() {
        let names: Vec<String> = clashes.iter().map(|s| format!("\"{}\"", s.title)).collect();
        o.ctx.flash(
            "error",
            format!("Saved, but note: \"{title}\" shares its room at the same time with {}.", names.join(", ")),
        );
    }
    Ok(())
}

pub async fn create_session(o: OrganiserCtx, state: State, form: web::Form<SessionForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (rooms, tracks) = ids(&state, o.event.id).await?;
    let input = match form.validate(&o.event, &rooms, &tracks) {
        Ok(i) => i,
        Err(e) => return session_form(o, &state, None, form, e).await,
    };
    let (event, uid) = (o.event.clone(), o.user.id);
    match state.db.run(move |c| service::create_session(c, &event, uid, &input)).await? {
        Ok(session) => {
            o.ctx.flash("success", format!("\"{}\" is added to the programme.", session.title));
            warn_about_clashes(&o, &state, session).await?;
            Ok(redirect(&agenda_url(o.event.id)))
        }
        Err(e) => session_form(o, &state, None, form, e).await,
    }
}

pub async fn edit_session(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, sid) = path.into_inner();
    let (session, form) = state
        .db
        .run(move |c| {
            let p = Programme::load(c, id)?;
            let session = p.session(sid).cloned().ok_or(AppError::NotFound)?;
            let speakers = p.speakers_of(sid);
            let emails = service::speaker_emails(c, &speakers)?;
            let event = crate::events::model::find(c, id)?.ok_or(AppError::NotFound)?;
            let form = SessionForm::from_session(&event, &session, &speakers, &emails);
            Ok((session, form))
        })
        .await?;
    session_form(o, &state, Some(session), form, FormErrors::default()).await
}

pub async fn update_session(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: web::Form<SessionForm>,
) -> AppResult<HttpResponse> {
    let (id, sid) = path.into_inner();
    let form = form.into_inner();
    let existing = state.db.run(move |c| service::find_session(c, id, sid)).await?.ok_or(AppError::NotFound)?;
    let (rooms, tracks) = ids(&state, id).await?;
    let input = match form.validate(&o.event, &rooms, &tracks) {
        Ok(i) => i,
        Err(e) => return session_form(o, &state, Some(existing), form, e).await,
    };
    let (event, uid) = (o.event.clone(), o.user.id);
    match state.db.run(move |c| service::update_session(c, &event, uid, sid, &input)).await? {
        Ok(session) => {
            o.ctx.flash("success", format!("\"{}\" is saved.", session.title));
            warn_about_clashes(&o, &state, session).await?;
            Ok(redirect(&agenda_url(id)))
        }
        Err(e) => session_form(o, &state, Some(existing), form, e).await,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    pub cancelled: String,
}

pub async fn cancel_session(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: web::Form<CancelForm>,
) -> AppResult<HttpResponse> {
    let (id, sid) = path.into_inner();
    let cancelled = match form.cancelled.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::BadRequest("Say whether the session is cancelled (yes or no).".into())),
    };
    let (event, uid) = (o.event.clone(), o.user.id);
    state.db.run(move |c| service::set_cancelled(c, &event, uid, sid, cancelled)).await?;
    o.ctx.flash(
        "success",
        if cancelled {
            "The session is cancelled; people who chose it will be told."
        } else {
            "The session is back in the programme."
        },
    );
    Ok(redirect(&agenda_url(id)))
}

pub async fn programme_csv(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let event = o.event.clone();
    let body = state
        .db
        .run(move |c| {
            let p = Programme::load(c, event.id)?;
            let counts = service::signup_counts(c, event.id)?;
            exports::programme_csv(&event, &p, &counts).map_err(AppError::internal)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}-programme.csv\"", o.event.slug),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
