//! Pages for visitors and attendees: the event list, event pages, the registration form,
//! "my registrations", and the links in invitation e-mails.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use super::emails::Outcome;
use super::hub;
use super::model::{self, Event};
use super::questions::{self, Question};
use super::registrants;
use super::registration::{self, CancelOwn, RegisterInput, Registration};
use super::service;
use crate::accounts::model::{countries, find_user, ProfileForm, SECTORS};
use crate::app::AppState;
use crate::db::now;
use crate::db::schema::events;
use crate::error::{AppError, AppResult};
use crate::web::form::FormData;
use crate::web::{cache, redirect, render, render_status, url_encode, Authed, FormErrors, PageCtx};

type State = web::Data<AppState>;

// ---------- list and event page ----------

#[derive(Template)]
#[template(path = "pages/events/list.html")]
struct ListPage {
    ctx: PageCtx,
    upcoming: Vec<Event>,
    past: Vec<Event>,
}

pub async fn list(ctx: PageCtx, state: State) -> AppResult<HttpResponse> {
    let (upcoming, past) = state
        .db
        .run(|c| {
            let t = now();
            let visible = events::status.ne("draft");
            let upcoming = events::table
                .filter(visible.and(events::ends_at.ge(t)))
                .order(events::starts_at)
                .limit(100)
                .select(Event::as_select())
                .load(c)?;
            let past = events::table
                .filter(visible.and(events::ends_at.lt(t)))
                .order(events::starts_at.desc())
                .limit(50)
                .select(Event::as_select())
                .load(c)?;
            Ok((upcoming, past))
        })
        .await?;
    render(&ListPage { ctx, upcoming, past })
}

/// The event with this slug, if the person may see it (drafts only for organisers and admins).
/// Pages that only read take the event and the organiser check from a moment ago when nothing
/// was changed on this server since (organisers' edits start a new page generation).
pub(crate) async fn visible_event(state: &State, ctx: &PageCtx, slug: String) -> AppResult<(Event, bool)> {
    let user = ctx.user.as_ref().map(|u| (u.id, u.is_admin()));
    let generation = state.pages.generation();
    if ctx.read_only {
        if let Some(event) = state.events.peek_or_claim(&slug, generation) {
            let organiser = match user {
                Some((_, true)) => Some(true),
                Some((uid, false)) => state.organisers.peek_or_claim(&(event.id, uid), generation).map(|o| *o),
                None => Some(false),
            };
            if let Some(organiser) = organiser {
                return shown((*event).clone(), organiser);
            }
        }
    }
    let (event, organiser) = state
        .db
        .run(move |c| {
            let event = model::find_by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
            let organiser = match user {
                Some((_, true)) => true,
                Some((uid, false)) => model::is_organiser(c, event.id, uid)?,
                None => false,
            };
            Ok((event, organiser))
        })
        .await?;
    if let Some((uid, false)) = user {
        state.organisers.put((event.id, uid), generation, organiser);
    }
    state.events.put(event.slug.clone(), generation, event.clone());
    shown(event, organiser)
}

fn shown(event: Event, organiser: bool) -> AppResult<(Event, bool)> {
    if !event.is_public() && !organiser {
        return Err(AppError::NotFound);
    }
    Ok((event, organiser))
}

#[derive(Template)]
#[template(path = "pages/events/event.html")]
struct EventPage {
    ctx: PageCtx,
    event: Event,
    organiser: bool,
    description_html: String,
    seats_left: Option<i64>,
    closed_message: Option<String>,
    mine: Option<(Registration, Option<i64>)>,
    refusal: Option<String>,
    /// The signed-in person's next steps, most urgent first (empty for visitors).
    steps: Vec<hub::Step>,
    /// What waits for the organisers (only for them).
    organiser_steps: Vec<hub::Step>,
    /// A confirmed participant: the personal links are shown.
    participant: bool,
    /// Requests waiting for this participant's answer (shown beside "My meetings").
    to_answer: i64,
    /// The programme calendar as a `webcal://` address (calendar apps subscribe to it).
    webcal: String,
}

impl EventPage {
    /// 0 for a visitor, 1 for a signed-in person, 2 for a confirmed participant: which links
    /// the event navigation shows.
    fn nav_level(&self) -> u8 {
        if self.participant {
            2
        } else {
            u8::from(self.ctx.user.is_some())
        }
    }
}

async fn event_page(
    mut ctx: PageCtx,
    state: &State,
    slug: String,
    refusal: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (event, organiser) = visible_event(state, &ctx, slug).await?;
    // Visitors all see the same page: it is kept briefly and served to the next one. Anything
    // personal (a signed-in person's steps and links, a flash, a refusal) is never kept.
    let shared = ctx.is_shared_view() && refusal.is_none() && status == StatusCode::OK;
    let key = format!("page:/events/{}", event.slug);
    if shared {
        if let Some(r) = cache::serve(&state.pages, &key, &ctx.csrf) {
            return Ok(r);
        }
    }
    let generation = state.pages.generation();
    let (id, cap, uid, ev) = (event.id, event.capacity, ctx.user.as_ref().map(|u| u.id), event.clone());
    let admin = ctx.user.as_ref().is_some_and(|u| u.is_admin());
    let (seats_left, mine, facts, org_facts) = state
        .db
        .run(move |c| {
            let seats_left = match cap {
                Some(cap) => Some(
                    (i64::from(cap) - registration::count_with_status(c, id, registration::RegStatus::Confirmed)?)
                        .max(0),
                ),
                None => None,
            };
            let (mine, facts) = match uid {
                Some(uid) => {
                    let reg = registration::find_for(c, id, uid)?;
                    let facts = hub::facts(c, &ev, uid, reg.as_ref())?;
                    let mine = reg.map(|r| {
                        let p = facts.waitlist_position;
                        (r, p)
                    });
                    (mine, Some(facts))
                }
                None => (None, None),
            };
            let org_facts = if organiser { Some(hub::organiser_facts(c, id, admin)?) } else { None };
            Ok((seats_left, mine, facts, org_facts))
        })
        .await?;
    let closed_message = event.window_message(now());
    let description_html = event.description_html();
    let base = format!("/events/{}", event.slug);
    let mut steps = facts.as_ref().map(|f| hub::next_steps(f, &base)).unwrap_or_default();
    let organiser_steps = org_facts.map(|f| hub::organiser_steps(&f, event.id)).unwrap_or_default();
    let participant = mine
        .as_ref()
        .is_some_and(|(r, _)| r.status() == registration::RegStatus::Confirmed && !r.ended_by_event(&event));
    if let (true, Some(uid)) = (participant, uid) {
        // Open roles of project ideas that fit the person: news, before "Registration confirmed".
        if let Some(step) = crate::ideas::public::hub_step(state, &event, uid).await? {
            steps.insert(steps.len().saturating_sub(1), step);
        }
    }
    let to_answer = facts.map_or(0, |f| f.requests_to_answer);
    let webcal = webcal_url(&state.base_url, &format!("{base}/agenda.ics"));
    let csrf = if shared { std::mem::replace(&mut ctx.csrf, cache::TOKEN_SLOT.into()) } else { String::new() };
    let page = EventPage {
        ctx,
        event,
        organiser,
        description_html,
        seats_left,
        closed_message,
        mine,
        refusal,
        steps,
        organiser_steps,
        participant,
        to_answer,
        webcal,
    };
    if shared {
        return cache::render_shared(&state.pages, key, generation, &csrf, &page);
    }
    render_status(status, &page)
}

/// `path` on this server as a `webcal://` address: calendar apps open it as a subscription.
fn webcal_url(base_url: &str, path: &str) -> String {
    let host = base_url.split_once("://").map_or(base_url, |(_, rest)| rest).trim_end_matches('/');
    format!("webcal://{host}{path}")
}

pub async fn show(ctx: PageCtx, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    event_page(ctx, &state, slug.into_inner(), None, StatusCode::OK).await
}

// ---------- registration ----------

#[derive(Template)]
#[template(path = "pages/events/register.html")]
struct RegisterPage {
    ctx: PageCtx,
    event: Event,
    questions: Vec<Question>,
    form: FormData,
    profile: ProfileForm,
    errors: FormErrors,
    invitation: String,
    sectors: &'static [(&'static str, &'static str)],
    countries: &'static [(&'static str, &'static str)],
}

impl RegisterPage {
    fn answer(&self, q: &Question) -> String {
        self.form.get(&q.field()).to_string()
    }
    fn chosen(&self, q: &Question, option: &str) -> bool {
        self.form.all(&q.field()).contains(&option)
    }
    fn ticked(&self, field: &str) -> bool {
        self.form.has(field)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RegisterQuery {
    pub invitation: String,
}

pub async fn register_page(
    Authed(ctx, user): Authed,
    state: State,
    slug: web::Path<String>,
    q: web::Query<RegisterQuery>,
) -> AppResult<HttpResponse> {
    let (event, _) = visible_event(&state, &ctx, slug.into_inner()).await?;
    let (id, uid) = (event.id, user.id);
    let (existing, questions, me) = state
        .db
        .run(move |c| Ok((registration::find_for(c, id, uid)?, questions::for_event(c, id)?, find_user(c, uid)?)))
        .await?;
    if let Some(msg) = event.window_message(now()) {
        ctx.flash("error", msg);
        return Ok(redirect(&format!("/events/{}", event.slug)));
    }
    if existing.as_ref().is_some_and(|r| r.status() != registration::RegStatus::Cancelled) {
        return Ok(redirect(&format!("/events/{}", event.slug)));
    }
    let me = me.ok_or(AppError::NotFound)?;
    render(&RegisterPage {
        ctx,
        event,
        questions,
        form: FormData::default(),
        profile: ProfileForm::from_user(&me),
        errors: FormErrors::default(),
        invitation: q.into_inner().invitation,
        sectors: SECTORS,
        countries: countries(),
    })
}

pub async fn register_submit(
    Authed(ctx, user): Authed,
    state: State,
    slug: web::Path<String>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let (event, _) = visible_event(&state, &ctx, slug.clone()).await?;
    let id = event.id;
    let questions = state.db.run(move |c| questions::for_event(c, id)).await?;
    let profile = ProfileForm {
        // Not changed here: a name stored before the current rules must not block the form
        // with a message it does not show.
        name: "-".into(),
        organisation: form.get("organisation").to_string(),
        sector: form.get("sector").to_string(),
        country: form.get("country").to_string(),
        job_title: form.get("job_title").to_string(),
        ..Default::default()
    };
    let mut errors = FormErrors::default();
    let checked_profile = profile.validate().map_err(|e| {
        for f in ["organisation", "sector", "country", "job_title"] {
            if let Some(m) = e.get(f) {
                errors.add(f, m);
            }
        }
    });
    for (field, label) in
        [("organisation", "your organisation"), ("sector", "your sector"), ("country", "your country")]
    {
        if form.get(field).trim().is_empty() {
            errors.add(field, format!("Please give {label}."));
        }
    }
    let answers = questions::read_answers(&questions, &form).map_err(|e| {
        for q in &questions {
            if let Some(m) = e.get(&q.field()) {
                errors.add(&q.field(), m);
            }
        }
    });
    let (Ok(p), Ok(answers), true) = (checked_profile, answers, errors.is_empty()) else {
        let invitation = form.get("invitation").to_string();
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage {
                ctx,
                event,
                questions,
                form,
                profile,
                errors,
                invitation,
                sectors: SECTORS,
                countries: countries(),
            },
        );
    };
    let input = RegisterInput {
        answers,
        directory_consent: form.has("directory_consent"),
        matchmaking_consent: form.has("matchmaking_consent"),
        organisation: p.organisation,
        sector: p.sector,
        country: p.country,
        job_title: form.has("job_title").then_some(p.job_title),
    };
    let (uid, base, invitation) = (user.id, state.base_url.clone(), form.get("invitation").to_string());
    let tickets = state.tickets.clone();
    let result = state
        .db
        .run(move |c| {
            let r = registration::register(c, &base, &tickets, id, uid, &input)?;
            if r.is_ok() && !invitation.is_empty() {
                if let Some((inv_id, _, _, ev)) = service::find_invitation(c, &invitation, "attendee")? {
                    if ev.id == id {
                        service::mark_invitation_accepted(c, inv_id)?;
                    }
                }
            }
            Ok(r)
        })
        .await?;
    match result {
        Ok(done) => {
            state.wake_mailer();
            let msg = match done.outcome {
                Outcome::Confirmed => format!("You are registered for {}. A confirmation is on its way by e-mail.", event.title),
                Outcome::Waitlisted => format!(
                    "All seats are taken: you are on the waitlist at position {}. We will e-mail you when a seat becomes free.",
                    done.waitlist_position.unwrap_or(1)
                ),
                _ => "Thank you: your registration is received and awaits the organisers' approval. We will e-mail you their decision.".to_string(),
            };
            ctx.flash("success", msg);
            Ok(redirect("/my/registrations"))
        }
        Err(refusal) => event_page(ctx, &state, slug, Some(refusal.message()), StatusCode::CONFLICT).await,
    }
}

// ---------- my registrations ----------

/// One row of "my registrations": the registration, its event, the live waitlist position and
/// whether it can still be cancelled (the button is offered only then).
struct MineRow {
    reg: Registration,
    event: Event,
    position: Option<i64>,
    can_cancel: bool,
    /// The person's own ticket (code, QR code as SVG) while they hold a seat at an event that
    /// has not ended.
    ticket: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "pages/events/mine.html")]
struct MinePage {
    ctx: PageCtx,
    rows: Vec<MineRow>,
    refusal: Option<String>,
}

async fn mine_page(ctx: PageCtx, state: &State, uid: i64, refusal: Option<String>) -> AppResult<HttpResponse> {
    let tickets = state.tickets.clone();
    let rows = state
        .db
        .run(move |c| {
            let t = now();
            let mut out = Vec::new();
            for (reg, event) in registrants::of_user(c, uid)? {
                let position = registration::shown_position(c, &event, &reg)?;
                let can_cancel = reg.status().is_active() && registration::frozen(&event, t).is_none();
                let ticket = (reg.holds_entry(&event) && t < event.ends_at).then(|| {
                    let code = super::ticket::code(&tickets, reg.id);
                    let svg = super::ticket::qr_svg(&code);
                    (code, svg)
                });
                out.push(MineRow { reg, event, position, can_cancel, ticket });
            }
            Ok(out)
        })
        .await?;
    let status = if refusal.is_some() { StatusCode::CONFLICT } else { StatusCode::OK };
    render_status(status, &MinePage { ctx, rows, refusal })
}

pub async fn mine(Authed(ctx, user): Authed, state: State) -> AppResult<HttpResponse> {
    mine_page(ctx, &state, user.id, None).await
}

pub async fn cancel(Authed(ctx, user): Authed, state: State, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (id, uid, base, tickets) = (id.into_inner(), user.id, state.base_url.clone(), state.tickets.clone());
    match state.db.run(move |c| registration::cancel_own(c, &base, &tickets, id, uid)).await? {
        CancelOwn::Cancelled => {
            state.wake_mailer();
            ctx.flash("success", "Your registration is cancelled. A confirmation is on its way by e-mail.");
        }
        CancelOwn::NotActive => ctx.flash("info", "This registration was already cancelled."),
        CancelOwn::Refused(why) => return mine_page(ctx, &state, uid, Some(why.message().to_string())).await,
    }
    Ok(redirect("/my/registrations"))
}

// ---------- invitations ----------

#[derive(Template)]
#[template(path = "pages/events/invitation.html")]
struct InvitationPage {
    ctx: PageCtx,
    event: Event,
    name: String,
    email: String,
    register_link: String,
}

pub async fn invitation(ctx: PageCtx, state: State, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    let (slug, token) = path.into_inner();
    let t = token.clone();
    let (_, email, name, event) =
        state.db.run(move |c| service::find_invitation(c, &t, "attendee")).await?.ok_or(AppError::NotFound)?;
    if event.slug != slug || !event.is_public() {
        return Err(AppError::NotFound);
    }
    let register_link = format!("/events/{}/register?invitation={}", event.slug, url_encode(&token));
    render(&InvitationPage { ctx, event, name, email, register_link })
}

#[derive(Template)]
#[template(path = "pages/events/organiser_invitation.html")]
struct OrganiserInvitationPage {
    ctx: PageCtx,
    event: Event,
    invited_email: String,
    token: String,
}

pub async fn organiser_invitation(
    Authed(ctx, _): Authed,
    state: State,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    let (_, invited_email, _, event) =
        state.db.run(move |c| service::find_invitation(c, &t, "organiser")).await?.ok_or(AppError::NotFound)?;
    render(&OrganiserInvitationPage { ctx, event, invited_email, token })
}

pub async fn accept_organiser_invitation(
    Authed(ctx, user): Authed,
    state: State,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (token, uid, email) = (token.into_inner(), user.id, user.email.clone());
    match state.db.run(move |c| service::accept_organiser_invitation(c, &token, uid, &email)).await? {
        Ok(event) => {
            ctx.flash("success", format!("You are now an organiser of {}.", event.title));
            Ok(redirect(&format!("/organise/events/{}", event.id)))
        }
        Err(service::AcceptProblem::WrongAccount(invited)) => {
            ctx.flash(
                "error",
                format!("This invitation was sent to {invited}. Log in with that address to accept it."),
            );
            Ok(redirect("/"))
        }
        Err(service::AcceptProblem::AlreadyUsed) => {
            ctx.flash(
                "error",
                "This invitation has already been used. Ask an organiser of the event for a new one if you need access.",
            );
            Ok(redirect("/"))
        }
    }
}
