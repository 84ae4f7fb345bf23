//! Participants' matchmaking pages: their profile and opportunities, their matches with the
//! reasons, the participant directory, meeting requests and their meetings.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::model::{
    check_message, group_topics, topic_by_name, MeetingRequest, OpportunityForm, PairState, Settings, Slot, Strength,
    Topic,
};
use super::service::{
    self, Answer, DirectoryEntry, DirectoryQuery, Person, ProfileData, ScheduleEntry, SuggestionView,
};
use crate::accounts::model::{countries, ProfileForm, SECTORS};
use crate::app::AppState;
use crate::db::schema::registrations as r;
use crate::error::{AppError, AppResult};
use crate::events::model::Event;
use crate::events::public::visible_event;
use crate::web::form::FormData;
use crate::web::limits::Action;
use crate::web::{redirect, render, render_status, Authed, FormErrors, PageCtx};

type State = web::Data<AppState>;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// A confirmed participant on one of their event's matchmaking pages.
struct Participant {
    ctx: PageCtx,
    event: Event,
    me: Person,
    settings: Settings,
}

#[derive(Template)]
#[template(path = "pages/matchmaking/not_participant.html")]
struct NotParticipantPage {
    ctx: PageCtx,
    event: Event,
}

/// Loads the event and the logged-in person's participation; people without a confirmed
/// registration get a page that says how to take part.
async fn participant(
    state: &State,
    Authed(ctx, user): Authed,
    slug: String,
) -> AppResult<Result<Participant, HttpResponse>> {
    let (event, _) = visible_event(state, &ctx, slug).await?;
    let (id, uid) = (event.id, user.id);
    let (me, settings) =
        state.db.run(move |c| Ok((service::find_person(c, id, uid)?, service::settings(c, id)?))).await?;
    match me {
        Some(me) => Ok(Ok(Participant { ctx, event, me, settings })),
        None => Ok(Err(render_status(StatusCode::FORBIDDEN, &NotParticipantPage { ctx, event })?)),
    }
}

macro_rules! participant_or_return {
    ($state:expr, $authed:expr, $slug:expr) => {
        match participant(&$state, $authed, $slug).await? {
            Ok(p) => p,
            Err(page) => return Ok(page),
        }
    };
}

/// The event's matchmaking snapshot; asks the database only when it may have changed.
async fn snapshot(state: &State, event_id: i64) -> AppResult<std::sync::Arc<service::Pool>> {
    let generation = state.pages.writes();
    if let Some(pool) = state.pools.current(event_id, generation) {
        return Ok(pool);
    }
    let pools = state.pools.clone();
    state.db.run(move |c| pools.get(c, event_id, generation)).await
}

fn base(event: &Event) -> String {
    format!("/events/{}", event.slug)
}

// ---------- profile ----------

/// The one profile page: what others see (name, organisation, sector, country, role, about,
/// topics), taking part (consents, availability, meetings), and what one offers and seeks.
#[derive(Template)]
#[template(path = "pages/matchmaking/profile.html")]
struct ProfilePage {
    ctx: PageCtx,
    event: Event,
    me: Person,
    settings: Settings,
    topics: Vec<Topic>,
    slots: Vec<Slot>,
    profile: ProfileData,
    person: ProfileForm,
    directory: bool,
    matchmaking: bool,
    sectors: &'static [(&'static str, &'static str)],
    countries: &'static [(&'static str, &'static str)],
    errors: FormErrors,
    opportunity: OpportunityForm,
    opportunity_errors: FormErrors,
    max_meetings: String,
    add_topic: String,
}

impl ProfilePage {
    fn topic_name(&self, id: &i64) -> &str {
        self.topics.iter().find(|t| t.id == *id).map_or("", |t| t.name.as_str())
    }
    fn available(&self, id: &i64) -> bool {
        !self.profile.unavailable.contains(id)
    }
    fn slot_label(&self, s: &Slot) -> String {
        format!(
            "{}–{}",
            self.event.local(s.starts_at).format("%a %-d %b, %H:%M"),
            self.event.local(s.ends_at).format("%H:%M")
        )
    }
    /// The chosen topics, shown first and always visible.
    fn chosen(&self) -> Vec<&Topic> {
        self.topics.iter().filter(|t| self.profile.interests.contains(&t.id)).collect()
    }
    /// Per category: its heading, how many of its topics are chosen, how many it has, and the
    /// ones not chosen yet (the chosen ones are listed above).
    fn groups(&self) -> Vec<(String, usize, usize, Vec<&Topic>)> {
        group_topics(&self.topics)
            .into_iter()
            .map(|(label, ts)| {
                let total = ts.len();
                let (chosen, rest): (Vec<&Topic>, Vec<&Topic>) =
                    ts.into_iter().partition(|t| self.profile.interests.contains(&t.id));
                (label, chosen.len(), total, rest)
            })
            .collect()
    }
    /// The opportunity form's topics by category; a category with a ticked topic is open.
    fn opportunity_groups(&self) -> Vec<(String, bool, Vec<&Topic>)> {
        group_topics(&self.topics)
            .into_iter()
            .map(|(label, ts)| {
                let open = ts.iter().any(|t| self.opportunity.topics.contains(&t.id));
                (label, open, ts)
            })
            .collect()
    }
    fn opportunity_topic(&self, id: &i64) -> bool {
        self.opportunity.topics.contains(id)
    }
}

/// What a refused profile form sends back to the page: everything as typed.
#[derive(Default)]
struct ProfileRefusal {
    errors: FormErrors,
    opportunity: Option<(OpportunityForm, FormErrors)>,
    typed: Option<ProfileData>,
    person: Option<ProfileForm>,
    consents: Option<(bool, bool)>,
    max_meetings: Option<String>,
    add_topic: String,
}

async fn profile_page(
    p: Participant,
    state: &State,
    status: StatusCode,
    refused: ProfileRefusal,
) -> AppResult<HttpResponse> {
    let (id, uid) = (p.event.id, p.me.user_id);
    let (topics, slots, stored, user) = state
        .db
        .run(move |c| {
            service::ensure_topics(c, id)?;
            let user = crate::accounts::model::find_user(c, uid)?.ok_or(AppError::NotFound)?;
            Ok((service::topics(c, id)?, service::slots(c, id)?, service::profile(c, id, uid)?, user))
        })
        .await?;
    let profile = match refused.typed {
        Some(mut t) => {
            t.opportunities = stored.opportunities;
            t
        }
        None => stored,
    };
    let max_meetings =
        refused.max_meetings.unwrap_or_else(|| profile.max_meetings.map(|n| n.to_string()).unwrap_or_default());
    let (opportunity, opportunity_errors) = refused
        .opportunity
        .unwrap_or_else(|| (OpportunityForm { kind: "offer".into(), ..Default::default() }, FormErrors::default()));
    let person = refused.person.unwrap_or_else(|| ProfileForm::from_user(&user));
    let (directory, matchmaking) = refused.consents.unwrap_or((p.me.directory, p.me.matchmaking));
    render_status(
        status,
        &ProfilePage {
            ctx: p.ctx,
            event: p.event,
            me: p.me,
            settings: p.settings,
            topics,
            slots,
            profile,
            person,
            directory,
            matchmaking,
            sectors: SECTORS,
            countries: countries(),
            errors: refused.errors,
            opportunity,
            opportunity_errors,
            max_meetings,
            add_topic: refused.add_topic,
        },
    )
}

pub async fn profile(authed: Authed, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let p = participant_or_return!(state, authed, slug.into_inner());
    profile_page(p, &state, StatusCode::OK, ProfileRefusal::default()).await
}

/// The old address of the matchmaking profile: the one profile page now.
pub async fn old_profile(slug: web::Path<String>) -> HttpResponse {
    redirect(&format!("/events/{}/profile", slug.into_inner()))
}

/// The person's fields as posted; a field the form did not send keeps its stored value (an
/// older form that sent only the matchmaking part changes nothing else).
fn typed_person(form: &FormData, stored: &ProfileForm) -> ProfileForm {
    let field = |name: &str, keep: &str| if form.has(name) { form.get(name).to_string() } else { keep.to_string() };
    ProfileForm {
        name: field("name", &stored.name),
        organisation: field("organisation", &stored.organisation),
        sector: field("sector", &stored.sector),
        country: field("country", &stored.country),
        job_title: field("job_title", &stored.job_title),
        // "about" is what the matchmaking profile called it.
        bio: if form.has("bio") { form.get("bio").to_string() } else { field("about", &stored.bio) },
    }
}

pub async fn save_profile(
    authed: Authed,
    state: State,
    slug: web::Path<String>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let p = participant_or_return!(state, authed, slug.into_inner());
    let (id, uid) = (p.event.id, p.me.user_id);
    let (user, topics) = state
        .db
        .run(move |c| {
            let user = crate::accounts::model::find_user(c, uid)?.ok_or(AppError::NotFound)?;
            Ok((user, service::topics(c, id)?))
        })
        .await?;
    let typed = typed_person(&form, &ProfileForm::from_user(&user));
    let (clean, mut errors) = match typed.validate() {
        Ok(clean) => (clean, FormErrors::default()),
        Err(e) => (typed.clone(), e),
    };
    let typed_cap = form.get("max_meetings").trim().to_string();
    let max_meetings = if typed_cap.is_empty() {
        None
    } else {
        match typed_cap.parse::<i32>() {
            Ok(n) if (0..=p.settings.max_meetings).contains(&n) => Some(n),
            _ => {
                errors.add(
                    "max_meetings",
                    format!(
                        "Give a whole number from 0 to {} (the event's limit), or leave it empty.",
                        p.settings.max_meetings
                    ),
                );
                None
            }
        }
    };
    let directory = form.get("directory_consent") == "on";
    let matchmaking = form.get("matchmaking_consent") == "on";
    let mut interests = form.ids("interests");
    // The topic typed into "Add a topic" (the browser offers every name as you type).
    let add_topic = form.get("add_topic").trim().to_string();
    if !add_topic.is_empty() {
        match topic_by_name(&topics, &add_topic) {
            Some(t) => interests.push(t.id),
            None => errors.add(
                "add_topic",
                format!("No topic of this event is called \u{201c}{add_topic}\u{201d}: pick a name from the list as you type, or tick the topics below."),
            ),
        }
    }
    // Only the slots the form showed change: one added since the page was loaded keeps its
    // earlier state (available) instead of turning unavailable because it had no tick box.
    let shown = form.ids("slot_shown");
    let available = form.ids("available");
    let stored = state.db.run(move |c| Ok(service::profile(c, id, uid)?.unavailable)).await?;
    let mut unavailable: Vec<i64> = stored.into_iter().filter(|s| !shown.contains(s)).collect();
    unavailable.extend(shown.iter().filter(|s| !available.contains(s)));
    let input = service::ProfileInput {
        max_meetings,
        meet_during_sessions: form.get("meet_during_sessions") == "on",
        interests,
        unavailable,
    };
    if !errors.is_empty() {
        let typed_profile = ProfileData {
            max_meetings,
            meet_during_sessions: input.meet_during_sessions,
            interests: input.interests.clone(),
            opportunities: Vec::new(),
            unavailable: input.unavailable.clone(),
        };
        let refused = ProfileRefusal {
            errors,
            typed: Some(typed_profile),
            person: Some(typed),
            consents: Some((directory, matchmaking)),
            max_meetings: Some(typed_cap),
            add_topic,
            ..Default::default()
        };
        return profile_page(p, &state, UNPROCESSABLE, refused).await;
    }
    let (base_url, event, was_in) = (state.base_url.clone(), p.event.clone(), p.me.matchmaking);
    let ended = state
        .db
        .run(move |c| {
            use diesel::prelude::*;
            crate::db::write_transaction(c, |c| {
                crate::accounts::service::update_profile(c, uid, &clean)?;
                service::save_profile(c, id, uid, &input)?;
                diesel::update(r::table.filter(r::event_id.eq(id).and(r::user_id.eq(uid))))
                    .set((r::directory_consent.eq(directory), r::matchmaking_consent.eq(matchmaking)))
                    .execute(c)?;
                // Leaving matchmaking ends one's meetings and requests at once, and says so.
                if was_in && !matchmaking {
                    return service::withdraw(c, &base_url, &event, uid, super::published::Change::Left).map(Some);
                }
                Ok(None)
            })
        })
        .await?;
    match ended {
        Some(n) => {
            state.wake_mailer();
            p.ctx.flash(
                "success",
                format!(
                    "You have left matchmaking. {n} meeting{} cancelled; we have told your partners and sent your calendar the cancellations.",
                    if n == 1 { " is" } else { "s are" }
                ),
            );
        }
        None => p.ctx.flash("success", "Your profile is saved."),
    }
    Ok(redirect(&format!("{}/profile", base(&p.event))))
}

pub async fn add_opportunity(
    authed: Authed,
    state: State,
    slug: web::Path<String>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let p = participant_or_return!(state, authed, slug.into_inner());
    let typed = OpportunityForm::from_form(&form);
    let id = p.event.id;
    let known: Vec<i64> =
        state.db.run(move |c| Ok(service::topics(c, id)?.into_iter().map(|t| t.id).collect())).await?;
    let input = match typed.validate(&known) {
        Ok(i) => i,
        Err(e) => {
            let refused = ProfileRefusal { opportunity: Some((typed, e)), ..Default::default() };
            return profile_page(p, &state, UNPROCESSABLE, refused).await;
        }
    };
    let uid = p.me.user_id;
    match state.db.run(move |c| service::add_opportunity(c, id, uid, &input)).await? {
        Ok(()) => {
            p.ctx.flash("success", "The opportunity is added to your profile.");
            Ok(redirect(&format!("{}/profile#opportunities", base(&p.event))))
        }
        Err(msg) => {
            let mut e = FormErrors::default();
            e.add("title", msg);
            let refused = ProfileRefusal { opportunity: Some((typed, e)), ..Default::default() };
            profile_page(p, &state, UNPROCESSABLE, refused).await
        }
    }
}

pub async fn delete_opportunity(
    authed: Authed,
    state: State,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (slug, oid) = path.into_inner();
    let p = participant_or_return!(state, authed, slug);
    let (id, uid) = (p.event.id, p.me.user_id);
    state.db.run(move |c| service::delete_opportunity(c, id, uid, oid)).await?;
    p.ctx.flash("success", "The opportunity is removed.");
    Ok(redirect(&format!("{}/profile#opportunities", base(&p.event))))
}

// ---------- matches ----------

#[derive(Template)]
#[template(path = "pages/matchmaking/matches.html")]
struct MatchesPage {
    ctx: PageCtx,
    event: Event,
    me: Person,
    booking_problem: Option<String>,
    suggestions: Vec<SuggestionView>,
    has_profile: bool,
    states: HashMap<i64, PairState>,
}

impl MatchesPage {
    fn state(&self, uid: &i64) -> Option<&PairState> {
        self.states.get(uid)
    }
    fn my_limit(&self) -> Option<String> {
        my_limit(&self.states)
    }
}

/// The viewer's own meeting limit, when it stops every request: a list says it once, on top.
fn my_limit(states: &HashMap<i64, PairState>) -> Option<String> {
    states.values().find_map(|s| match s {
        PairState::AtMyLimit(why) => Some(why.clone()),
        _ => None,
    })
}

/// The viewer's state with each of `others` (see `service::pair_states`).
async fn states_with(state: &State, p: &Participant, others: Vec<Person>) -> AppResult<HashMap<i64, PairState>> {
    let (event, settings, me) = (p.event.clone(), p.settings.clone(), p.me.clone());
    let (loads, generation) = (state.loads.clone(), state.pages.writes());
    state
        .db
        .run(move |c| {
            let refs: Vec<&Person> = others.iter().collect();
            let loads = loads.get(c, event.id, generation)?;
            service::pair_states(c, &event, &settings, &me, &refs, &loads)
        })
        .await
}

pub async fn matches(authed: Authed, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let p = participant_or_return!(state, authed, slug.into_inner());
    let uid = p.me.user_id;
    let pool = snapshot(&state, p.event.id).await?;
    let has_profile =
        pool.profiles.iter().any(|pr| pr.id == uid && (!pr.interests.is_empty() || !pr.opportunities.is_empty()));
    let suggestions = service::suggestions_for(&pool, uid, 25);
    let booking_problem = p.settings.booking_problem(&p.event, crate::db::now());
    let states = states_with(&state, &p, suggestions.iter().map(|s| s.person.clone()).collect()).await?;
    render(&MatchesPage { ctx: p.ctx, event: p.event, me: p.me, booking_problem, suggestions, has_profile, states })
}

// ---------- directory and person pages ----------

#[derive(Template)]
#[template(path = "pages/matchmaking/directory.html")]
struct DirectoryPage {
    ctx: PageCtx,
    event: Event,
    q: DirectoryQuery,
    entries: Vec<DirectoryEntry>,
    total: usize,
    page: usize,
    pages: usize,
    topics: Vec<Topic>,
    sectors: &'static [(&'static str, &'static str)],
    countries: Vec<(&'static str, &'static str)>,
    states: HashMap<i64, PairState>,
}

impl DirectoryPage {
    fn state(&self, uid: &i64) -> Option<&PairState> {
        self.states.get(uid)
    }
    fn my_limit(&self) -> Option<String> {
        my_limit(&self.states)
    }
    fn topic_name(&self, id: &i64) -> &str {
        self.topics.iter().find(|t| t.id == *id).map_or("", |t| t.name.as_str())
    }
    fn topic_selected(&self, id: &i64) -> bool {
        self.q.topic == id.to_string()
    }
}

pub async fn directory(
    authed: Authed,
    state: State,
    slug: web::Path<String>,
    q: web::Query<DirectoryQuery>,
) -> AppResult<HttpResponse> {
    let p = participant_or_return!(state, authed, slug.into_inner());
    let q = q.into_inner();
    if q.q.len() > 200 {
        return Err(AppError::BadRequest("The search text is too long (at most 200 characters).".into()));
    }
    let pool = snapshot(&state, p.event.id).await?;
    let found = service::directory(&pool, &q, p.me.user_id);
    let total = found.len();
    let pages = total.div_ceil(DIRECTORY_PAGE).max(1);
    let page = q.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let shown: Vec<usize> = found.into_iter().skip((page - 1) * DIRECTORY_PAGE).take(DIRECTORY_PAGE).collect();
    let entries = service::entries(&pool, &shown);
    let states = states_with(&state, &p, entries.iter().map(|e| e.person.clone()).collect()).await?;
    // Only the countries somebody in the directory comes from.
    let countries =
        countries().iter().copied().filter(|(code, _)| pool.countries.contains(*code) || q.country == *code).collect();
    render(&DirectoryPage {
        ctx: p.ctx,
        event: p.event,
        q,
        entries,
        total,
        page,
        pages,
        topics: pool.topics.clone(),
        sectors: SECTORS,
        countries,
        states,
    })
}

/// People per directory page.
const DIRECTORY_PAGE: usize = 50;

#[derive(Template)]
#[template(path = "pages/matchmaking/person.html")]
struct PersonPage {
    ctx: PageCtx,
    event: Event,
    person: Person,
    opportunities: Vec<(super::model::Opportunity, Vec<i64>)>,
    interests: Vec<i64>,
    topics: Vec<Topic>,
    is_me: bool,
    pair: PairState,
    strength: Option<Strength>,
    reasons: Vec<String>,
    message: String,
    errors: FormErrors,
}

impl PersonPage {
    fn topic_name(&self, id: &i64) -> &str {
        self.topics.iter().find(|t| t.id == *id).map_or("", |t| t.name.as_str())
    }
}

async fn person_page(
    p: Participant,
    state: &State,
    other: i64,
    status: StatusCode,
    message: String,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let (id, uid, pools, generation) = (p.event.id, p.me.user_id, state.pools.clone(), state.pages.writes());
    let (event, settings, me, loads) = (p.event.clone(), p.settings.clone(), p.me.clone(), state.loads.clone());
    let (person, data, topics, matched, pair) = state
        .db
        .run(move |c| {
            let person = service::find_person(c, id, other)?;
            // Only people who agreed to be seen: in the directory or in matchmaking.
            let person =
                person.filter(|x| x.directory || x.matchmaking || x.user_id == uid).ok_or(AppError::NotFound)?;
            let data = service::profile(c, id, other)?;
            let topics = service::topics(c, id)?;
            let matched = if me.matchmaking && person.matchmaking && other != uid {
                service::reasons_for(&*pools.get(c, id, generation)?, uid, other)
            } else {
                None
            };
            let loads = loads.get(c, id, generation)?;
            let mut states = service::pair_states(c, &event, &settings, &me, &[&person], &loads)?;
            let pair = states.remove(&other).unwrap_or(PairState::Cannot(String::new()));
            Ok((person, data, topics, matched, pair))
        })
        .await?;
    let (strength, reasons) = match matched {
        Some((st, r)) => (Some(st), r),
        None => (None, Vec::new()),
    };
    render_status(
        status,
        &PersonPage {
            ctx: p.ctx,
            event: p.event,
            person,
            opportunities: data.opportunities,
            interests: data.interests,
            topics,
            is_me: other == p.me.user_id,
            pair,
            strength,
            reasons,
            message,
            errors,
        },
    )
}

pub async fn person(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (slug, other) = path.into_inner();
    let p = participant_or_return!(state, authed, slug);
    person_page(p, &state, other, StatusCode::OK, String::new(), FormErrors::default()).await
}

pub async fn request(
    authed: Authed,
    state: State,
    req: actix_web::HttpRequest,
    path: web::Path<(String, i64)>,
    form: FormData,
) -> AppResult<HttpResponse> {
    let (slug, other) = path.into_inner();
    let p = participant_or_return!(state, authed, slug);
    let account = p.me.user_id.to_string();
    state.limits.check(Action::MeetingRequest, &crate::web::client_ip(&req), Some(&account))?;
    let mut errors = FormErrors::default();
    let message = check_message(&mut errors, form.get("message"));
    if !errors.is_empty() {
        return person_page(p, &state, other, UNPROCESSABLE, message, errors).await;
    }
    let (base_url, event, uid, msg) = (state.base_url.clone(), p.event.clone(), p.me.user_id, message.clone());
    match state.db.run(move |c| service::request_meeting(c, &base_url, &event, uid, other, &msg)).await? {
        Ok(_) => {
            state.wake_mailer();
            p.ctx.flash("success", "Your meeting request is sent. You will get an e-mail when they answer.");
            Ok(redirect(&format!("{}/meetings", base(&p.event))))
        }
        Err(refusal) => {
            let mut e = FormErrors::default();
            e.add("message", refusal);
            person_page(p, &state, other, UNPROCESSABLE, message, e).await
        }
    }
}

// ---------- my meetings and requests ----------

/// A request with the other person's name, as the list shows it.
pub struct RequestRow {
    pub request: MeetingRequest,
    pub other: Person,
    pub incoming: bool,
}

#[derive(Template)]
#[template(path = "pages/matchmaking/meetings.html")]
struct MeetingsPage {
    ctx: PageCtx,
    event: Event,
    me: Person,
    entries: Vec<ScheduleEntry>,
    incoming: Vec<RequestRow>,
    outgoing: Vec<RequestRow>,
    past: Vec<RequestRow>,
    published: bool,
    /// Accepted requests without a table yet, by the other person.
    waiting: Vec<RequestRow>,
}

async fn request_rows(state: &State, event_id: i64, uid: i64) -> AppResult<Vec<RequestRow>> {
    state
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for q in service::requests_of(c, event_id, uid)? {
                let incoming = q.to_user == uid;
                let other_id = if incoming { q.from_user } else { q.to_user };
                let other = match service::find_person(c, event_id, other_id)? {
                    Some(o) => o,
                    None => continue,
                };
                out.push(RequestRow { request: q, other, incoming });
            }
            Ok(out)
        })
        .await
}

pub async fn my_meetings(authed: Authed, state: State, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let p = participant_or_return!(state, authed, slug.into_inner());
    let published = p.settings.published_at.is_some();
    let (event, uid) = (p.event.clone(), p.me.user_id);
    let event_id = p.event.id;
    let (entries, waiting_ids) = state
        .db
        .run(move |c| {
            let entries = service::visible_entries(c, &event, uid)?;
            let waiting: Vec<i64> = service::waiting_requests_of(c, event_id, uid)?;
            Ok((entries, waiting))
        })
        .await?;
    let rows = request_rows(&state, p.event.id, uid).await?;
    let (mut incoming, mut outgoing, mut past, mut waiting) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        match (row.request.is_pending(), row.incoming) {
            _ if waiting_ids.contains(&row.request.id) => waiting.push(row),
            (true, true) => incoming.push(row),
            (true, false) => outgoing.push(row),
            _ => past.push(row),
        }
    }
    render(&MeetingsPage {
        ctx: p.ctx,
        event: p.event,
        me: p.me,
        entries,
        incoming,
        outgoing,
        past,
        published,
        waiting,
    })
}

#[derive(Template)]
#[template(path = "pages/matchmaking/request.html")]
struct RequestPage {
    ctx: PageCtx,
    event: Event,
    row: RequestRow,
    answer: String,
    meeting: Option<String>,
    waiting: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AnswerQuery {
    pub answer: String,
}

/// The page behind the e-mail's accept and decline links (a GET never changes anything: the
/// page has the buttons).
pub async fn request_page(
    authed: Authed,
    state: State,
    path: web::Path<(String, i64)>,
    q: web::Query<AnswerQuery>,
) -> AppResult<HttpResponse> {
    let (slug, rid) = path.into_inner();
    let p = participant_or_return!(state, authed, slug);
    let (id, uid, event) = (p.event.id, p.me.user_id, p.event.clone());
    let (request, other, meeting, waiting) = state
        .db
        .run(move |c| {
            let q = service::find_request(c, id, rid)?
                .filter(|q| q.to_user == uid || q.from_user == uid)
                .ok_or(AppError::NotFound)?;
            let other_id = if q.to_user == uid { q.from_user } else { q.to_user };
            let other = service::find_person(c, id, other_id)?.ok_or(AppError::NotFound)?;
            let meeting = (q.status == "accepted")
                .then(|| service::visible_entries(c, &event, uid))
                .transpose()?
                .and_then(|list| list.into_iter().find(|e| e.partner.user_id == other_id))
                .map(|e| e.when);
            let waiting = service::is_waiting(c, id, &q)?;
            Ok((q, other, meeting, waiting))
        })
        .await?;
    let incoming = request.to_user == p.me.user_id;
    let answer = match q.answer.as_str() {
        "accept" | "decline" => q.answer.clone(),
        _ => String::new(),
    };
    render(&RequestPage {
        ctx: p.ctx,
        event: p.event,
        row: RequestRow { request, other, incoming },
        answer,
        meeting,
        waiting,
    })
}

async fn answer(authed: Authed, state: State, path: web::Path<(String, i64)>, accept: bool) -> AppResult<HttpResponse> {
    let (slug, rid) = path.into_inner();
    let p = participant_or_return!(state, authed, slug);
    let (base_url, event, uid) = (state.base_url.clone(), p.event.clone(), p.me.user_id);
    let (pools, writes) = (state.pools.clone(), state.pages.writes());
    let outcome = state
        .db
        .run(move |c| {
            let pool = pools.get(c, event.id, writes)?;
            service::answer_request(c, &base_url, &event, rid, uid, accept, Some(&pool))
        })
        .await?;
    state.wake_mailer();
    match outcome {
        Answer::Accepted => p.ctx.flash(
            "success",
            "Accepted: the meeting is in your schedule below, and we have e-mailed you both the calendar invitation.",
        ),
        Answer::Waiting(msg) => p.ctx.flash("info", msg),
        Answer::Refused(msg) => p.ctx.flash("error", msg),
        Answer::Declined => p.ctx.flash("success", "Declined. We have let them know."),
        Answer::Gone(msg) => p.ctx.flash("error", msg),
    }
    Ok(redirect(&format!("{}/meetings", base(&p.event))))
}

pub async fn accept(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    answer(authed, state, path, true).await
}

pub async fn decline(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    answer(authed, state, path, false).await
}

pub async fn withdraw(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (slug, rid) = path.into_inner();
    let p = participant_or_return!(state, authed, slug);
    let (id, uid) = (p.event.id, p.me.user_id);
    if state.db.run(move |c| service::cancel_request(c, id, rid, uid)).await? {
        p.ctx.flash("success", "Your request is withdrawn.");
    } else {
        p.ctx.flash("error", "This request was already answered, withdrawn or expired.");
    }
    Ok(redirect(&format!("{}/meetings", base(&p.event))))
}

pub async fn cancel_meeting(authed: Authed, state: State, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (slug, mid) = path.into_inner();
    let p = participant_or_return!(state, authed, slug);
    let (base_url, event, uid) = (state.base_url.clone(), p.event.clone(), p.me.user_id);
    state.db.run(move |c| service::cancel_own_meeting(c, &base_url, &event, mid, uid)).await?;
    state.wake_mailer();
    p.ctx.flash(
        "success",
        "The meeting is cancelled; we have told the other person, and your calendar invitation is cancelled by e-mail.",
    );
    Ok(redirect(&format!("{}/meetings", base(&p.event))))
}
