//! Organiser pages. Every route under `/organise/events/{id}` takes an [`OrganiserCtx`], which
//! lets through only the event's organisers and admins: others get the same 404 as for an
//! event that does not exist, so nothing of the event leaks.

use std::future::Future;
use std::pin::Pin;

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;

use super::csv::{self as event_csv, LineError};
use super::model::{self, Event, EventForm, ZoneGroup, STATUSES};
use super::questions::{self, Question, QuestionForm, KINDS, QUESTIONS_MAX};
use super::registrants::{self, Filter, Row, Stats};
use super::registration::{self, Action};
use super::service;
use crate::accounts::model::{check_email, countries, SECTORS};
use crate::app::AppState;
use crate::audit::AuditEntry;
use crate::error::{AppError, AppResult};
use crate::web::form::FormData;
use crate::web::{redirect, render, render_status, text, url_encode, Authed, FormErrors, PageCtx, SessionUser};

type State = web::Data<AppState>;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// Largest CSV a person may import (the import route's own body limit).
pub const IMPORT_LIMIT: usize = 2 * 1024 * 1024;

/// An organiser (or admin) on one of their events.
pub struct OrganiserCtx {
    pub ctx: PageCtx,
    pub user: SessionUser,
    pub event: Event,
}

impl FromRequest for OrganiserCtx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authed = Authed::from_request(req, payload);
        let id = req.match_info().get("id").and_then(|s| s.parse::<i64>().ok());
        let state = req.app_data::<State>().cloned();
        Box::pin(async move {
            let Authed(ctx, user) = authed.await?;
            let (Some(id), Some(state)) = (id, state) else { return Err(AppError::NotFound) };
            let (uid, admin) = (user.id, user.is_admin());
            let event = state
                .db
                .run(move |c| {
                    let Some(event) = model::find(c, id)? else { return Ok(None) };
                    Ok((admin || model::is_organiser(c, id, uid)?).then_some(event))
                })
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(OrganiserCtx { ctx, user, event })
        })
    }
}

// ---------- my events ----------

#[derive(Template)]
#[template(path = "pages/organise/index.html")]
struct IndexPage {
    ctx: PageCtx,
    events: Vec<Event>,
    can_create: bool,
}

pub async fn index(Authed(ctx, user): Authed, state: State) -> AppResult<HttpResponse> {
    let (uid, admin) = (user.id, user.is_admin());
    let events = state.db.run(move |c| service::organised_by(c, uid, admin)).await?;
    if events.is_empty() && !user.is_organiser() {
        return Err(AppError::Forbidden);
    }
    render(&IndexPage { ctx, events, can_create: user.is_organiser() })
}

// ---------- create and edit ----------

#[derive(Template)]
#[template(path = "pages/organise/event_form.html")]
struct EventFormPage {
    ctx: PageCtx,
    event: Option<Event>,
    form: EventForm,
    errors: FormErrors,
    statuses: &'static [(&'static str, &'static str)],
    zones: &'static [ZoneGroup],
}

impl EventFormPage {
    /// The typed zone when the picker does not offer it (an old alias the event keeps, or a
    /// refused name shown again), with the group it is listed under.
    fn zone_extra(&self) -> Option<(&'static str, &str)> {
        let tz = self.form.timezone.trim();
        match (model::zone_offered(tz), tz.parse::<chrono_tz::Tz>().is_ok()) {
            (true, _) => None,
            (false, true) => Some(("Current time zone", tz)),
            (false, false) => Some(("Not a known time zone", tz)),
        }
    }
}

fn event_form_page(ctx: PageCtx, event: Option<Event>, form: EventForm, errors: FormErrors) -> EventFormPage {
    EventFormPage { ctx, event, form, errors, statuses: STATUSES, zones: model::zone_groups() }
}

fn require_organiser_role(user: &SessionUser) -> AppResult<()> {
    if user.is_organiser() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn new_page(Authed(ctx, user): Authed) -> AppResult<HttpResponse> {
    require_organiser_role(&user)?;
    render(&event_form_page(ctx, None, EventForm::new_event(), FormErrors::default()))
}

pub async fn create(Authed(ctx, user): Authed, state: State, form: web::Form<EventForm>) -> AppResult<HttpResponse> {
    require_organiser_role(&user)?;
    let form = form.into_inner();
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => return render_status(UNPROCESSABLE, &event_form_page(ctx, None, form, errors)),
    };
    let uid = user.id;
    match state.db.run(move |c| service::create(c, uid, &input)).await? {
        Ok(event) => {
            ctx.flash(
                "success",
                format!("{} is created. Add registration questions or invite co-organisers next.", event.title),
            );
            Ok(redirect(&format!("/organise/events/{}", event.id)))
        }
        Err(errors) => render_status(UNPROCESSABLE, &event_form_page(ctx, None, form, errors)),
    }
}

pub async fn edit_page(o: OrganiserCtx) -> AppResult<HttpResponse> {
    let form = EventForm::from_event(&o.event);
    render(&event_form_page(o.ctx, Some(o.event), form, FormErrors::default()))
}

pub async fn update(o: OrganiserCtx, state: State, form: web::Form<EventForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => return render_status(UNPROCESSABLE, &event_form_page(o.ctx, Some(o.event), form, errors)),
    };
    let (uid, id, base, tickets) = (o.user.id, o.event.id, state.base_url.clone(), state.tickets.clone());
    match state.db.run(move |c| service::update(c, &base, &tickets, uid, id, &input)).await? {
        Ok(event) => {
            state.wake_mailer();
            o.ctx.flash("success", "The event is saved.");
            Ok(redirect(&format!("/organise/events/{}", event.id)))
        }
        Err(errors) => render_status(UNPROCESSABLE, &event_form_page(o.ctx, Some(o.event), form, errors)),
    }
}

// ---------- overview ----------

#[derive(Template)]
#[template(path = "pages/organise/event.html")]
struct OverviewPage {
    ctx: PageCtx,
    event: Event,
    counts: Vec<(&'static str, &'static str, i64)>,
    attended: i64,
    questions: usize,
    audit: Vec<AuditEntry>,
}

pub async fn overview(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let (counts, attended, questions, audit) = state
        .db
        .run(move |c| {
            Ok((
                registrants::status_counts(c, id)?,
                registrants::attended_count(c, id)?,
                questions::count(c, id)? as usize,
                crate::audit::for_event(c, id, 100)?,
            ))
        })
        .await?;
    render(&OverviewPage { ctx: o.ctx, event: o.event, counts, attended, questions, audit })
}

// ---------- co-organisers ----------

#[derive(Template)]
#[template(path = "pages/organise/organisers.html")]
struct OrganisersPage {
    ctx: PageCtx,
    event: Event,
    organisers: Vec<service::OrganiserRow>,
    pending: Vec<service::PendingInvitation>,
    email: String,
    errors: FormErrors,
}

async fn organisers_page(o: OrganiserCtx, state: &State, email: String, errors: FormErrors) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let (organisers, pending) = state
        .db
        .run(move |c| Ok((service::organisers(c, id)?, service::pending_organiser_invitations(c, id)?)))
        .await?;
    let status = if errors.is_empty() { StatusCode::OK } else { UNPROCESSABLE };
    render_status(status, &OrganisersPage { ctx: o.ctx, event: o.event, organisers, pending, email, errors })
}

pub async fn organisers(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    organisers_page(o, &state, String::new(), FormErrors::default()).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
}

pub async fn invite_organiser(o: OrganiserCtx, state: State, form: web::Form<EmailForm>) -> AppResult<HttpResponse> {
    let email = form.into_inner().email;
    let mut errors = FormErrors::default();
    check_email(&mut errors, "email", &email);
    if !errors.is_empty() {
        return organisers_page(o, &state, email, errors).await;
    }
    let (id, uid, base, e2) = (o.event.id, o.user.id, state.base_url.clone(), email.clone());
    state.db.run(move |c| service::invite_organiser(c, &base, id, uid, &e2)).await?;
    state.wake_mailer();
    o.ctx.flash("success", format!("An invitation is on its way to {}.", email.trim()));
    Ok(redirect(&format!("/organise/events/{id}/organisers")))
}

pub async fn remove_organiser(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, target) = path.into_inner();
    let uid = o.user.id;
    match state.db.run(move |c| service::remove_organiser(c, id, uid, target)).await? {
        Ok(()) => o.ctx.flash("success", "The co-organiser is removed."),
        Err(msg) => o.ctx.flash("error", msg),
    }
    if target == uid && !o.user.is_admin() {
        return Ok(redirect("/organise"));
    }
    Ok(redirect(&format!("/organise/events/{id}/organisers")))
}

// ---------- questions ----------

#[derive(Template)]
#[template(path = "pages/organise/questions.html")]
struct QuestionsPage {
    ctx: PageCtx,
    event: Event,
    questions: Vec<Question>,
    /// The question whose form was refused (None: the "add" form), with the input and messages.
    editing: Option<i64>,
    form: QuestionForm,
    errors: FormErrors,
    kinds: &'static [(&'static str, &'static str)],
}

impl QuestionsPage {
    fn is_editing(&self, q: &Question) -> bool {
        self.editing == Some(q.id)
    }
    fn form_for(&self, q: &Question) -> QuestionForm {
        if self.editing == Some(q.id) {
            self.form.clone()
        } else {
            QuestionForm::from_question(q)
        }
    }
    fn errors_for(&self, q: &Question) -> FormErrors {
        if self.editing == Some(q.id) {
            self.errors.clone()
        } else {
            FormErrors::default()
        }
    }
    fn add_form(&self) -> QuestionForm {
        if self.editing.is_none() {
            self.form.clone()
        } else {
            QuestionForm { kind: "short_text".into(), ..Default::default() }
        }
    }
    fn add_errors(&self) -> FormErrors {
        if self.editing.is_none() {
            self.errors.clone()
        } else {
            FormErrors::default()
        }
    }
}

async fn questions_page(
    o: OrganiserCtx,
    state: &State,
    editing: Option<i64>,
    form: QuestionForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let questions = state.db.run(move |c| questions::for_event(c, id)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { UNPROCESSABLE };
    render_status(status, &QuestionsPage { ctx: o.ctx, event: o.event, questions, editing, form, errors, kinds: KINDS })
}

pub async fn questions(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let form = QuestionForm { kind: "short_text".into(), ..Default::default() };
    questions_page(o, &state, None, form, FormErrors::default()).await
}

pub async fn add_question(o: OrganiserCtx, state: State, form: web::Form<QuestionForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => return questions_page(o, &state, None, form, errors).await,
    };
    let (id, uid) = (o.event.id, o.user.id);
    let added = state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                if questions::count(c, id)? >= QUESTIONS_MAX {
                    return Ok(false);
                }
                questions::add(c, id, &input)?;
                crate::audit::record_event(c, Some(uid), id, "question.added", &input.label)?;
                Ok(true)
            })
        })
        .await?;
    if !added {
        let mut errors = FormErrors::default();
        errors.add("label", format!("An event can have at most {QUESTIONS_MAX} questions."));
        return questions_page(o, &state, None, form, errors).await;
    }
    o.ctx.flash("success", "The question is added.");
    Ok(redirect(&format!("/organise/events/{id}/questions")))
}

pub async fn update_question(
    o: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: web::Form<QuestionForm>,
) -> AppResult<HttpResponse> {
    let (id, qid) = path.into_inner();
    let form = form.into_inner();
    let input = match form.validate() {
        Ok(i) => i,
        Err(errors) => return questions_page(o, &state, Some(qid), form, errors).await,
    };
    let uid = o.user.id;
    state.db.run(move |c| questions::update(c, id, qid, uid, &input)).await?;
    o.ctx.flash("success", "The question is saved.");
    Ok(redirect(&format!("/organise/events/{id}/questions")))
}

pub async fn delete_question(o: OrganiserCtx, state: State, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (id, qid) = path.into_inner();
    let uid = o.user.id;
    state.db.run(move |c| questions::delete(c, id, qid, uid)).await?;
    o.ctx.flash("success", "The question and its answers are deleted.");
    Ok(redirect(&format!("/organise/events/{id}/questions")))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    pub direction: String,
}

pub async fn move_question(
    _organiser: OrganiserCtx,
    state: State,
    path: web::Path<(i64, i64)>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let (id, qid) = path.into_inner();
    let up = match form.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("Move a question up or down.".into())),
    };
    state.db.run(move |c| questions::shift(c, id, qid, up)).await?;
    Ok(redirect(&format!("/organise/events/{id}/questions")))
}

// ---------- registrants ----------

#[derive(Template)]
#[template(path = "pages/organise/registrants.html")]
struct RegistrantsPage {
    ctx: PageCtx,
    event: Event,
    rows: Vec<(Row, Option<i64>)>,
    filter: Filter,
    counts: Vec<(&'static str, &'static str, i64)>,
    total: i64,
    sectors: &'static [(&'static str, &'static str)],
    countries: &'static [(&'static str, &'static str)],
    statuses: &'static [(&'static str, &'static str)],
    /// Why approvals, cancellations and promotions are no longer offered.
    frozen: Option<&'static str>,
}

pub async fn registrants(o: OrganiserCtx, state: State, q: web::Query<Filter>) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let (id, f) = (o.event.id, filter.clone());
    let (rows, counts) = state
        .db
        .run(move |c| {
            let ranks = registrants::waitlist_ranks(c, id)?;
            let rows = registrants::list(c, id, &f)?
                .into_iter()
                .map(|r| {
                    let p = ranks.get(&r.reg.id).copied();
                    (r, p)
                })
                .collect();
            Ok((rows, registrants::status_counts(c, id)?))
        })
        .await?;
    let total = counts.iter().map(|(_, _, n)| n).sum();
    let frozen = registration::frozen(&o.event, crate::db::now()).map(|f| f.reason());
    render(&RegistrantsPage {
        ctx: o.ctx,
        event: o.event,
        rows,
        filter,
        counts,
        total,
        sectors: SECTORS,
        countries: countries(),
        statuses: registration::STATUSES,
        frozen,
    })
}

pub async fn registrant_action(o: OrganiserCtx, state: State, form: FormData) -> AppResult<HttpResponse> {
    let id = o.event.id;
    let back = {
        let b = form.get("back");
        if b.starts_with(&format!("/organise/events/{id}/registrants")) && crate::web::safe_next(b) == b {
            b.to_string()
        } else {
            format!("/organise/events/{id}/registrants")
        }
    };
    let Some(action) = Action::parse(form.get("action")) else {
        o.ctx.flash("error", "Please choose what to do with the selected people.");
        return Ok(redirect(&back));
    };
    let ids = form.ids("ids");
    if ids.is_empty() {
        o.ctx.flash("error", "Please select at least one person.");
        return Ok(redirect(&back));
    }
    let (uid, base, tickets) = (o.user.id, state.base_url.clone(), state.tickets.clone());
    let report = state.db.run(move |c| registration::apply(c, &base, &tickets, id, uid, action, &ids)).await?;
    state.wake_mailer();
    if !report.done.is_empty() {
        o.ctx.flash("success", format!("{}: {}.", capitalise(action.past_tense()), report.done.join(", ")));
    }
    if !report.skipped.is_empty() {
        o.ctx.flash("error", format!("Not changed — {}.", report.skipped.join("; ")));
    }
    Ok(redirect(&back))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

pub async fn export_csv(o: OrganiserCtx, state: State, q: web::Query<Filter>) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let event = o.event.clone();
    let (uid, id) = (o.user.id, o.event.id);
    let body = state
        .db
        .run(move |c| {
            let questions = questions::for_event(c, event.id)?;
            let body = registrants::export_csv(c, &event, &questions, &f)?;
            crate::audit::record_event(c, Some(uid), id, "registrants.exported", "CSV export")?;
            Ok(body)
        })
        .await?;
    let filename = format!("{}-registrants.csv", o.event.slug);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

// ---------- invitee import ----------

#[derive(Template)]
#[template(path = "pages/organise/import.html")]
struct ImportPage {
    ctx: PageCtx,
    event: Event,
    error: Option<String>,
    invited: usize,
    bad: Vec<LineError>,
}

pub async fn import_page(o: OrganiserCtx) -> AppResult<HttpResponse> {
    render(&ImportPage { ctx: o.ctx, event: o.event, error: None, invited: 0, bad: Vec::new() })
}

/// Reads the uploaded file (field `file`) from a multipart body.
async fn read_upload(mut mp: Multipart) -> Result<Option<Vec<u8>>, String> {
    let mut file = None;
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(|e| format!("The upload could not be read: {e}"))?;
        let is_file = field.name() == Some("file");
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| format!("The upload could not be read: {e}"))?;
            if data.len() + chunk.len() > IMPORT_LIMIT {
                return Err("The file is larger than 2 MiB; split it into smaller files.".into());
            }
            data.extend_from_slice(&chunk);
        }
        if is_file {
            file = Some(data);
        }
    }
    Ok(file)
}

pub async fn import(o: OrganiserCtx, state: State, mp: Multipart) -> AppResult<HttpResponse> {
    let page = |o: OrganiserCtx, error: Option<String>, invited, bad| ImportPage {
        ctx: o.ctx,
        event: o.event,
        error,
        invited,
        bad,
    };
    // The invitation links point at public pages: a draft has none yet.
    if !o.event.is_public() {
        let msg = "Publish the event before inviting people: until then their invitation links would lead nowhere.";
        return render_status(UNPROCESSABLE, &page(o, Some(msg.into()), 0, vec![]));
    }
    let data = match read_upload(mp).await {
        Ok(Some(d)) if !d.is_empty() => d,
        Ok(_) => {
            return render_status(
                UNPROCESSABLE,
                &page(o, Some("Please choose a CSV file to import.".into()), 0, vec![]),
            )
        }
        Err(e) => return render_status(UNPROCESSABLE, &page(o, Some(e), 0, vec![])),
    };
    let parsed = match event_csv::parse_invitees(&data) {
        Ok(p) => p,
        Err(e) => return render_status(UNPROCESSABLE, &page(o, Some(e), 0, vec![])),
    };
    // One bad row refuses the file: the organiser corrects it and sends it again, without
    // wondering who of the others was already invited.
    if !parsed.bad.is_empty() {
        return render_status(UNPROCESSABLE, &page(o, None, 0, parsed.bad));
    }
    let invited = parsed.good.len();
    if invited > 0 {
        let (id, uid, base, good) = (o.event.id, o.user.id, state.base_url.clone(), parsed.good);
        state.db.run(move |c| service::invite_attendees(c, &base, id, uid, &good)).await?;
        state.wake_mailer();
    }
    render(&page(o, None, invited, Vec::new()))
}

// ---------- announcements ----------

#[derive(Template)]
#[template(path = "pages/organise/announce.html")]
struct AnnouncePage {
    ctx: PageCtx,
    event: Event,
    subject: String,
    body: String,
    statuses: Vec<String>,
    all_statuses: &'static [(&'static str, &'static str)],
    errors: FormErrors,
    preview: Option<(String, String, usize)>,
}

impl AnnouncePage {
    fn status_checked(&self, s: &str) -> bool {
        self.statuses.iter().any(|x| x == s)
    }
}

pub async fn announce_page(o: OrganiserCtx) -> AppResult<HttpResponse> {
    render(&AnnouncePage {
        ctx: o.ctx,
        event: o.event,
        subject: String::new(),
        body: String::new(),
        statuses: vec!["confirmed".into()],
        all_statuses: registration::STATUSES,
        errors: FormErrors::default(),
        preview: None,
    })
}

pub const SUBJECT_MAX: usize = 150;
pub const BODY_MAX: usize = 10_000;

pub async fn announce(o: OrganiserCtx, state: State, form: FormData) -> AppResult<HttpResponse> {
    let mut errors = FormErrors::default();
    let subject =
        text::required_line(&mut errors, "subject", form.get("subject"), SUBJECT_MAX, "Please write a subject.");
    let body = text::required_lines(&mut errors, "body", form.get("body"), BODY_MAX, "Please write the message.");
    // In the order of the status list, each once: a repeated value must not mail anyone twice.
    let chosen = form.all("status");
    let statuses: Vec<String> = registration::STATUSES
        .iter()
        .filter(|(code, _)| chosen.contains(code))
        .map(|(code, _)| code.to_string())
        .collect();
    if statuses.is_empty() {
        errors.add("status", "Choose at least one group of registrants.");
    }
    let (id, st) = (o.event.id, statuses.clone());
    let recipients: Vec<(String, String)> = state
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for s in &st {
                let f = Filter { status: s.clone(), ..Default::default() };
                out.extend(registrants::list(c, id, &f)?.into_iter().map(|r| (r.email, r.name)));
            }
            Ok(out)
        })
        .await?;
    let page = |o: OrganiserCtx, errors, preview| AnnouncePage {
        ctx: o.ctx,
        event: o.event,
        subject: subject.clone(),
        body: body.clone(),
        statuses: statuses.clone(),
        all_statuses: registration::STATUSES,
        errors,
        preview,
    };
    if !errors.is_empty() {
        return render_status(UNPROCESSABLE, &page(o, errors, None));
    }
    if form.get("step") != "send" {
        use crate::mail::Mail;
        let sample_name = recipients.first().map(|(_, n)| n.clone()).unwrap_or_else(|| "Ada Lovelace".into());
        let mail = super::emails::announcement_mail(&state.base_url, &o.event, &sample_name, &subject, &body);
        let preview = (mail.subject(), mail.text().map_err(AppError::from)?, recipients.len());
        return render(&page(o, FormErrors::default(), Some(preview)));
    }
    if recipients.is_empty() {
        errors.add("status", "Nobody is registered with the chosen status; nothing was sent.");
        return render_status(UNPROCESSABLE, &page(o, errors, None));
    }
    let n = recipients.len();
    let (uid, base, event, s2, b2) =
        (o.user.id, state.base_url.clone(), o.event.clone(), subject.clone(), body.clone());
    state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                for (email, name) in &recipients {
                    let mail = super::emails::announcement_mail(&base, &event, name, &s2, &b2);
                    crate::mail::enqueue(c, email, name, &mail)?;
                }
                crate::audit::record_event(
                    c,
                    Some(uid),
                    event.id,
                    "announcement.sent",
                    &format!("“{s2}” to {n} {}", if n == 1 { "person" } else { "people" }),
                )
            })
        })
        .await?;
    state.wake_mailer();
    o.ctx.flash(
        "success",
        format!("The announcement is on its way to {n} {}.", if n == 1 { "person" } else { "people" }),
    );
    Ok(redirect(&format!("/organise/events/{id}")))
}

// ---------- statistics ----------

#[derive(Template)]
#[template(path = "pages/organise/stats.html")]
struct StatsPage {
    ctx: PageCtx,
    event: Event,
    stats: Stats,
}

pub async fn stats(o: OrganiserCtx, state: State) -> AppResult<HttpResponse> {
    let event = o.event.clone();
    let stats = state.db.run(move |c| registrants::stats(c, &event)).await?;
    render(&StatsPage { ctx: o.ctx, event: o.event, stats })
}

/// Link to the registrant list with one filter set (for the statistics and overview pages).
pub fn filter_link(event_id: i64, key: &str, value: &str) -> String {
    format!("/organise/events/{event_id}/registrants?{key}={}", url_encode(value))
}
