//! Participants' pages of project ideas: the list with search and filters, posting and editing
//! an idea with its roles, the idea page (roles, consortium, eligibility checklist, the
//! coordinator's applications), applying, the coordinator's decisions, withdrawing, leaving,
//! closing and reopening; organisers hide and show ideas.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::*;
use super::service::{self, Decided, Detail, Entry, ListQuery, Member};
use crate::accounts::model::SECTORS;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::events::model::Event;
use crate::events::public::visible_event;
use crate::matchmaking::model::Topic;
use crate::web::form::FormData;
use crate::web::{redirect, render, render_status, Authed, FormErrors, PageCtx, SessionUser};

type State = web::Data<AppState>;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// Someone on an event's idea pages: a confirmed participant, or an organiser of the event.
struct Viewer {
    ctx: PageCtx,
    user: SessionUser,
    event: Event,
    organiser: bool,
    participant: bool,
}

#[derive(Template)]
#[template(path = "pages/ideas/not_participant.html")]
struct NotParticipantPage {
    ctx: PageCtx,
    event: Event,
}

async fn viewer(state: &State, Authed(ctx, user): Authed, slug: String) -> AppResult<Result<Viewer, HttpResponse>> {
    let (event, organiser) = visible_event(state, &ctx, slug).await?;
    let (id, uid) = (event.id, user.id);
    let participant = state.db.run(move |c| service::is_participant(c, id, uid)).await?;
    if !participant && !organiser {
        return Ok(Err(render_status(StatusCode::FORBIDDEN, &NotParticipantPage { ctx, event })?));
    }
    Ok(Ok(Viewer { ctx, user, event, organiser, participant }))
}

macro_rules! viewer_or_return {
    ($state:expr, $authed:expr, $slug:expr) => {
        match viewer(&$state, $authed, $slug).await? {
            Ok(v) => v,
            Err(page) => return Ok(page),
        }
    };
}

fn base(event: &Event) -> String {
    format!("/events/{}/ideas", event.slug)
}

async fn topics(state: &State, event_id: i64) -> AppResult<Vec<Topic>> {
    state
        .db
        .run(move |c| {
            crate::matchmaking::service::ensure_topics(c, event_id)?;
            crate::matchmaking::service::topics(c, event_id)
        })
        .await
}

/// The idea with everything on its page, if the viewer may see it (404 otherwise).
async fn visible_detail(state: &State, v: &Viewer, idea_id: i64) -> AppResult<Detail> {
    let event_id = v.event.id;
    let d = state.db.run(move |c| service::detail(c, event_id, idea_id)).await?;
    if !d.visible_to(v.user.id, v.organiser) {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

// ---------- the list ----------

#[derive(Template)]
#[template(path = "pages/ideas/list.html")]
struct ListPage {
    ctx: PageCtx,
    event: Event,
    entries: Vec<Entry>,
    calls: Vec<String>,
    topics: Vec<Topic>,
    sectors: &'static [(&'static str, &'static str)],
    q: ListQuery,
    participant: bool,
}

pub async fn list(
    authed: Authed,
    state: State,
    slug: web::Path<String>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let v = viewer_or_return!(state, authed, slug.into_inner());
    let mut q = q.into_inner();
    // A query is only read, never stored; it is cut to a sensible length.
    q.q = q.q.chars().take(200).collect();
    let topics = topics(&state, v.event.id).await?;
    let (id, uid, organiser, query) = (v.event.id, v.user.id, v.organiser, q.clone());
    let (entries, calls) = state.db.run(move |c| service::list(c, id, uid, organiser, &query)).await?;
    render(&ListPage {
        ctx: v.ctx,
        event: v.event,
        entries,
        calls,
        topics,
        sectors: SECTORS,
        q,
        participant: v.participant,
    })
}

// ---------- posting and editing ----------

#[derive(Template)]
#[template(path = "pages/ideas/form.html")]
struct FormPage {
    ctx: PageCtx,
    event: Event,
    /// The idea being edited; None for a new one.
    idea_id: Option<i64>,
    form: IdeaForm,
    errors: FormErrors,
    topics: Vec<Topic>,
    sectors: &'static [(&'static str, &'static str)],
    max_roles: usize,
}

impl FormPage {
    fn action(&self) -> String {
        match self.idea_id {
            Some(id) => format!("{}/{id}/edit", base(&self.event)),
            None => format!("{}/new", base(&self.event)),
        }
    }
    fn field(&self, i: &usize, part: &str) -> String {
        role_field(*i, part)
    }
    fn error(&self, i: &usize, part: &str) -> Option<&str> {
        self.errors.get(&role_field(*i, part))
    }
}

fn form_page(v: Viewer, idea_id: Option<i64>, form: IdeaForm, errors: FormErrors, topics: Vec<Topic>) -> FormPage {
    FormPage { ctx: v.ctx, event: v.event, idea_id, form, errors, topics, sectors: SECTORS, max_roles: MAX_ROLES }
}

pub async fn new_form(authed: Authed, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let v = viewer_or_return!(state, authed, slug.into_inner());
    if !v.participant {
        return Err(AppError::Forbidden);
    }
    let topics = topics(&state, v.event.id).await?;
    let form = IdeaForm { listed: true, roles: vec![RoleRow::default(); NEW_ROLE_ROWS], ..Default::default() };
    render(&form_page(v, None, form, FormErrors::default(), topics))
}

/// "Add a role": the form again with one more empty row, nothing saved.
fn with_one_more_row(mut form: IdeaForm) -> IdeaForm {
    if form.roles.len() < MAX_ROLES {
        form.roles.push(RoleRow::default());
    }
    form
}

pub async fn create(authed: Authed, state: State, slug: web::Path<String>, f: FormData) -> AppResult<HttpResponse> {
    let v = viewer_or_return!(state, authed, slug.into_inner());
    if !v.participant {
        return Err(AppError::Forbidden);
    }
    let topics = topics(&state, v.event.id).await?;
    let form = IdeaForm::from_form(&f);
    if f.has("add_role") {
        return render(&form_page(v, None, with_one_more_row(form), FormErrors::default(), topics));
    }
    let input = match form.validate(&topics, &[], &[]) {
        Ok(i) => i,
        Err(e) => return render_status(UNPROCESSABLE, &form_page(v, None, form, e, topics)),
    };
    let (id, uid) = (v.event.id, v.user.id);
    match state.db.run(move |c| service::create(c, id, uid, &input)).await? {
        Ok(idea) => {
            v.ctx.flash("success", "Your idea is posted. Participants can now apply for its roles.");
            Ok(redirect(&format!("{}/{idea}", base(&v.event))))
        }
        Err(msg) => {
            let mut e = FormErrors::default();
            e.add("title", msg);
            render_status(UNPROCESSABLE, &form_page(v, None, form, e, topics))
        }
    }
}

/// The idea for its coordinator's edit (404 for anyone else).
async fn own_detail(state: &State, v: &Viewer, idea_id: i64) -> AppResult<Detail> {
    let d = visible_detail(state, v, idea_id).await?;
    if d.idea.author_id != v.user.id {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

pub async fn edit_form(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (slug, idea_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let d = own_detail(&state, &v, idea_id).await?;
    let topics = topics(&state, v.event.id).await?;
    let filled = d.filled_ids();
    let mut roles: Vec<RoleRow> = d
        .roles
        .iter()
        .map(|r| {
            let ids = d.role_topics.get(&r.id).cloned().unwrap_or_default();
            row_of(r, &topics, &ids, filled.contains(&r.id))
        })
        .collect();
    if roles.len() < MAX_ROLES {
        roles.push(RoleRow::default());
    }
    let form = IdeaForm {
        title: d.idea.title.clone(),
        summary: d.idea.summary.clone(),
        call_text: d.idea.call_text.clone(),
        call_id: d.idea.call_id.clone(),
        listed: d.idea.listed,
        roles,
    };
    render(&form_page(v, Some(idea_id), form, FormErrors::default(), topics))
}

pub async fn update(
    authed: Authed,
    state: State,
    path: web::Path<(String, i64)>,
    f: FormData,
) -> AppResult<HttpResponse> {
    let (slug, idea_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let d = own_detail(&state, &v, idea_id).await?;
    let topics = topics(&state, v.event.id).await?;
    let filled = d.filled_ids();
    let mut form = IdeaForm::from_form(&f);
    for row in &mut form.roles {
        row.filled = row.id.parse::<i64>().is_ok_and(|id| filled.contains(&id));
    }
    if f.has("add_role") {
        return render(&form_page(v, Some(idea_id), with_one_more_row(form), FormErrors::default(), topics));
    }
    let stored: Vec<i64> = d.roles.iter().map(|r| r.id).collect();
    let input = match form.validate(&topics, &stored, &filled) {
        Ok(i) => i,
        Err(e) => return render_status(UNPROCESSABLE, &form_page(v, Some(idea_id), form, e, topics)),
    };
    let (id, uid) = (v.event.id, v.user.id);
    state.db.run(move |c| service::update(c, id, idea_id, uid, &input)).await?;
    v.ctx.flash("success", "Your idea is saved.");
    Ok(redirect(&format!("{}/{idea_id}", base(&v.event))))
}

// ---------- the idea page ----------

/// A role as the page shows it.
struct RoleLine {
    role: Role,
    topics: Vec<String>,
    holder: Option<Member>,
    /// The viewer's pending application for it, if any.
    my_application: Option<i64>,
}

#[derive(Template)]
#[template(path = "pages/ideas/idea.html")]
struct IdeaPage {
    ctx: PageCtx,
    event: Event,
    d: Detail,
    roles: Vec<RoleLine>,
    checklist: Vec<CheckLine>,
    eligible: bool,
    coordinator: bool,
    member: bool,
    organiser: bool,
    participant: bool,
    viewer: i64,
    /// For the coordinator of an open idea: who fits the open roles, and a suggested team.
    suggestions: Option<super::suggest::Suggestions>,
}

impl IdeaPage {
    fn role_name(&self, id: &i64) -> &str {
        self.d.roles.iter().find(|r| r.id == *id).map_or("", |r| r.description.as_str())
    }
    fn member_role(&self, m: &Member) -> String {
        match m.role_id {
            None => "Coordinator".into(),
            Some(id) => self.role_name(&id).to_string(),
        }
    }
    fn pending(&self) -> Vec<&(Application, Member)> {
        self.d.applications.iter().filter(|(a, _)| a.is_pending()).collect()
    }
    fn decided(&self) -> Vec<&(Application, Member)> {
        self.d.applications.iter().filter(|(a, _)| !a.is_pending()).collect()
    }
    fn my_applications(&self) -> Vec<&Application> {
        self.d.applications.iter().map(|(a, _)| a).filter(|a| a.user_id == self.viewer).collect()
    }
}

pub async fn show(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (slug, idea_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let d = visible_detail(&state, &v, idea_id).await?;
    let topics = topics(&state, v.event.id).await?;
    let event_id = v.event.id;
    let (rules, _) = state.db.run(move |c| service::rules(c, event_id)).await?;
    let checks = rules.check(&d.partners());
    let eligible = checks.iter().all(|c| c.holds());
    let checklist = checklist(&rules, &checks);
    let viewer = v.user.id;
    let suggestions = if d.idea.author_id == viewer && d.idea.is_open() {
        let pool = super::suggest::snapshot(&state, v.event.id).await?;
        Some(super::suggest::for_idea(&pool, &d, &rules))
    } else {
        None
    };
    let roles = d
        .roles
        .iter()
        .map(|r| RoleLine {
            role: r.clone(),
            topics: d
                .role_topics
                .get(&r.id)
                .map(|ids| {
                    ids.iter().filter_map(|id| topics.iter().find(|t| t.id == *id)).map(|t| t.name.clone()).collect()
                })
                .unwrap_or_default(),
            holder: d.holder(r.id).cloned(),
            my_application: d
                .applications
                .iter()
                .find(|(a, _)| a.role_id == r.id && a.user_id == viewer && a.is_pending())
                .map(|(a, _)| a.id),
        })
        .collect();
    render(&IdeaPage {
        coordinator: d.idea.author_id == viewer,
        member: d.is_member(viewer),
        organiser: v.organiser,
        participant: v.participant,
        viewer,
        suggestions,
        ctx: v.ctx,
        event: v.event,
        roles,
        checklist,
        eligible,
        d,
    })
}

// ---------- applying ----------

#[derive(Template)]
#[template(path = "pages/ideas/apply.html")]
struct ApplyPage {
    ctx: PageCtx,
    event: Event,
    idea: Idea,
    role: Role,
    message: String,
    errors: FormErrors,
}

async fn role_of(state: &State, v: &Viewer, idea_id: i64, role_id: i64) -> AppResult<(Detail, Role)> {
    let d = visible_detail(state, v, idea_id).await?;
    let role = d.roles.iter().find(|r| r.id == role_id).cloned().ok_or(AppError::NotFound)?;
    Ok((d, role))
}

pub async fn apply_form(authed: Authed, state: State, path: web::Path<(String, i64, i64)>) -> AppResult<HttpResponse> {
    let (slug, idea_id, role_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let (d, role) = role_of(&state, &v, idea_id, role_id).await?;
    render(&ApplyPage {
        ctx: v.ctx,
        event: v.event,
        idea: d.idea,
        role,
        message: String::new(),
        errors: FormErrors::default(),
    })
}

pub async fn apply(
    authed: Authed,
    state: State,
    path: web::Path<(String, i64, i64)>,
    f: FormData,
) -> AppResult<HttpResponse> {
    let (slug, idea_id, role_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let (d, role) = role_of(&state, &v, idea_id, role_id).await?;
    let mut errors = FormErrors::default();
    let message = check_message(&mut errors, f.get("message"));
    if errors.is_empty() {
        let (base_url, event, uid, text) = (state.base_url.clone(), v.event.clone(), v.user.id, message.clone());
        match state.db.run(move |c| service::apply(c, &base_url, &event, idea_id, role_id, uid, &text)).await? {
            Ok(_) => {
                state.wake_mailer();
                v.ctx.flash("success", "Your application is sent. The coordinator will e-mail you their answer.");
                return Ok(redirect(&format!("{}/{idea_id}", base(&v.event))));
            }
            Err(msg) => errors.add("message", msg),
        }
    }
    let typed = if message.is_empty() { f.get("message").to_string() } else { message };
    render_status(UNPROCESSABLE, &ApplyPage { ctx: v.ctx, event: v.event, idea: d.idea, role, message: typed, errors })
}

async fn decide(
    authed: Authed,
    state: State,
    path: web::Path<(String, i64, i64)>,
    accept: bool,
) -> AppResult<HttpResponse> {
    let (slug, idea_id, app_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let (base_url, event, uid) = (state.base_url.clone(), v.event.clone(), v.user.id);
    let done = state.db.run(move |c| service::decide(c, &base_url, &event, idea_id, app_id, uid, accept)).await?;
    match done {
        Decided::Accepted => {
            state.wake_mailer();
            v.ctx.flash("success", "Accepted: they are in the consortium, and everyone concerned is told.");
        }
        Decided::Declined => {
            state.wake_mailer();
            v.ctx.flash("success", "Declined: we have told them.");
        }
        Decided::Stale(msg) => v.ctx.flash("error", msg),
    }
    Ok(redirect(&format!("{}/{idea_id}#applications", base(&v.event))))
}

pub async fn accept(authed: Authed, state: State, path: web::Path<(String, i64, i64)>) -> AppResult<HttpResponse> {
    decide(authed, state, path, true).await
}

pub async fn decline(authed: Authed, state: State, path: web::Path<(String, i64, i64)>) -> AppResult<HttpResponse> {
    decide(authed, state, path, false).await
}

pub async fn withdraw(authed: Authed, state: State, path: web::Path<(String, i64, i64)>) -> AppResult<HttpResponse> {
    let (slug, idea_id, app_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let (id, uid) = (v.event.id, v.user.id);
    if state.db.run(move |c| service::withdraw(c, id, idea_id, app_id, uid)).await? {
        v.ctx.flash("success", "Your application is withdrawn.");
    } else {
        v.ctx.flash("error", "This application was already answered or withdrawn.");
    }
    Ok(redirect(&format!("{}/{idea_id}", base(&v.event))))
}

pub async fn leave(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (slug, idea_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let (base_url, event, uid) = (state.base_url.clone(), v.event.clone(), v.user.id);
    if !state.db.run(move |c| service::leave(c, &base_url, &event, idea_id, uid)).await? {
        return Err(AppError::NotFound);
    }
    state.wake_mailer();
    v.ctx.flash("success", "You have left the consortium; the coordinator is told.");
    Ok(redirect(&base(&v.event)))
}

async fn set_open(authed: Authed, state: State, path: web::Path<(String, i64)>, open: bool) -> AppResult<HttpResponse> {
    let (slug, idea_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let (base_url, event, uid) = (state.base_url.clone(), v.event.clone(), v.user.id);
    state.db.run(move |c| service::set_open(c, &base_url, &event, idea_id, uid, open)).await?;
    state.wake_mailer();
    v.ctx.flash(
        "success",
        if open {
            "The idea is open again: participants can apply."
        } else {
            "The idea is closed; its members and waiting applicants are told."
        },
    );
    Ok(redirect(&format!("{}/{idea_id}", base(&v.event))))
}

pub async fn close(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    set_open(authed, state, path, false).await
}

pub async fn reopen(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    set_open(authed, state, path, true).await
}

async fn set_hidden(
    authed: Authed,
    state: State,
    path: web::Path<(String, i64)>,
    hidden: bool,
) -> AppResult<HttpResponse> {
    let (slug, idea_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    if !v.organiser {
        return Err(AppError::NotFound);
    }
    let (id, uid) = (v.event.id, v.user.id);
    state.db.run(move |c| service::set_hidden(c, id, idea_id, uid, hidden)).await?;
    v.ctx.flash(
        "success",
        if hidden {
            "The idea is hidden: only its coordinator, members and the organisers see it."
        } else {
            "The idea is shown again."
        },
    );
    Ok(redirect(&format!("{}/{idea_id}", base(&v.event))))
}

pub async fn hide(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    set_hidden(authed, state, path, true).await
}

pub async fn unhide(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    set_hidden(authed, state, path, false).await
}

// ---------- suggestions ----------

/// The coordinator invites a participant who fits an open role to apply.
pub async fn invite(
    authed: Authed,
    state: State,
    path: web::Path<(String, i64, i64)>,
    f: FormData,
) -> AppResult<HttpResponse> {
    let (slug, idea_id, role_id) = path.into_inner();
    let v = viewer_or_return!(state, authed, slug);
    let person: i64 = f.get("person").trim().parse().map_err(|_| AppError::NotFound)?;
    let (base_url, event, uid) = (state.base_url.clone(), v.event.clone(), v.user.id);
    match state.db.run(move |c| service::invite(c, &base_url, &event, idea_id, role_id, uid, person)).await? {
        Ok(name) => {
            state.wake_mailer();
            v.ctx.flash("success", format!("We have invited {name} to apply."));
        }
        Err(msg) => v.ctx.flash("error", msg),
    }
    Ok(redirect(&format!("{}/{idea_id}#suggestions", base(&v.event))))
}

#[derive(Template)]
#[template(path = "pages/ideas/for_you.html")]
struct ForYouPage {
    ctx: PageCtx,
    event: Event,
    roles: Vec<super::suggest::ForYou>,
    in_matchmaking: bool,
}

/// Open roles that fit one's profile, across the event's listed ideas.
pub async fn for_you(authed: Authed, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let v = viewer_or_return!(state, authed, slug.into_inner());
    if !v.participant {
        return Err(AppError::Forbidden);
    }
    let (roles, in_matchmaking) = fitting_roles(&state, &v.event, v.user.id, 30).await?;
    render(&ForYouPage { ctx: v.ctx, event: v.event, roles, in_matchmaking })
}

/// The open roles that fit `user` at `event`, and whether they take part in matchmaking (the
/// suggestions come from the matchmaking profile).
async fn fitting_roles(
    state: &State,
    event: &Event,
    user: i64,
    limit: usize,
) -> AppResult<(Vec<super::suggest::ForYou>, bool)> {
    let id = event.id;
    let (ideas, rules) = state.db.run(move |c| Ok((service::open_ideas(c, id)?, service::rules(c, id)?.0))).await?;
    if ideas.is_empty() {
        // Nothing to suggest: the snapshot is not needed (the event hub asks on every visit).
        return Ok((Vec::new(), true));
    }
    let pool = super::suggest::snapshot(state, id).await?;
    let in_matchmaking = pool.person(user).is_some();
    if !in_matchmaking {
        return Ok((Vec::new(), in_matchmaking));
    }
    Ok((super::suggest::for_person(&pool, &ideas, &rules, user, limit), in_matchmaking))
}

/// The event hub's line "3 open roles fit you", if any do.
pub async fn hub_step(state: &State, event: &Event, user: i64) -> AppResult<Option<crate::events::hub::Step>> {
    let (roles, _) = fitting_roles(state, event, user, 100).await?;
    let n = roles.len();
    Ok((n > 0).then(|| crate::events::hub::Step {
        text: format!(
            "{n} open role{} in project ideas fit{} you.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" }
        ),
        href: Some(format!("/events/{}/ideas-for-you", event.slug)),
        kind: "info",
    }))
}
