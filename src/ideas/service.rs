//! Storage and rules of project ideas: who may see an idea, posting and editing it with its
//! roles, applying, the coordinator's decisions, leaving, closing, hiding, the event's
//! eligibility rules, and what happens when a person leaves the event or deletes their account.
//! Every change to an idea's consortium first touches the idea's row (an UPDATE as the
//! transaction's first statement), so two decisions about one idea never race.

use std::collections::HashMap;

use diesel::prelude::*;

use super::emails;
use super::model::*;
use crate::db::schema::{
    eligibility_rules as er, idea_applications as ia, idea_members as im, idea_role_topics as irt, idea_roles as ir,
    ideas, registrations as r, users,
};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::events::model::Event;
use crate::matchmaking::engine::eligibility::{Partner, Rules};

/// A person as an idea's pages show them. The e-mail is only shown to members.
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub organisation: String,
    pub sector: String,
    pub country: String,
    pub email: String,
    /// The role they hold; None for the coordinator.
    pub role_id: Option<i64>,
}

impl Member {
    pub fn sector_label(&self) -> &'static str {
        crate::accounts::model::sector_label(&self.sector)
    }
    pub fn country_name(&self) -> &'static str {
        crate::accounts::model::country_name(&self.country)
    }
    pub fn partner(&self) -> Partner {
        Partner { organisation: self.organisation.clone(), country: self.country.clone(), sector: self.sector.clone() }
    }
}

type UserRow = (i64, String, String, String, String, String);

fn users_by_id(c: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, UserRow>, AppError> {
    let rows: Vec<UserRow> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name, users::organisation, users::sector, users::country, users::email))
        .load(c)?;
    Ok(rows.into_iter().map(|u| (u.0, u)).collect())
}

fn member_of(u: &UserRow, role_id: Option<i64>) -> Member {
    Member {
        user_id: u.0,
        name: u.1.clone(),
        organisation: u.2.clone(),
        sector: u.3.clone(),
        country: u.4.clone(),
        email: u.5.clone(),
        role_id,
    }
}

/// An idea with everything its page shows.
#[derive(Debug, Clone)]
pub struct Detail {
    pub idea: Idea,
    pub roles: Vec<Role>,
    pub role_topics: HashMap<i64, Vec<i64>>,
    /// The coordinator first, then the members by role order.
    pub members: Vec<Member>,
    /// Every application, newest first, with the applicant.
    pub applications: Vec<(Application, Member)>,
}

impl Detail {
    pub fn holder(&self, role_id: i64) -> Option<&Member> {
        self.members.iter().find(|m| m.role_id == Some(role_id))
    }
    pub fn is_member(&self, user_id: i64) -> bool {
        self.members.iter().any(|m| m.user_id == user_id)
    }
    pub fn has_applied(&self, user_id: i64) -> bool {
        self.applications.iter().any(|(a, _)| a.user_id == user_id)
    }
    pub fn partners(&self) -> Vec<Partner> {
        self.members.iter().map(Member::partner).collect()
    }
    pub fn filled_ids(&self) -> Vec<i64> {
        self.members.iter().filter_map(|m| m.role_id).collect()
    }
    /// Whether `viewer` may see the idea: listed and not hidden, or theirs (coordinator,
    /// member, applicant), or they organise the event.
    pub fn visible_to(&self, viewer: i64, organiser: bool) -> bool {
        organiser || self.is_member(viewer) || self.has_applied(viewer) || (self.idea.listed && !self.idea.hidden)
    }
}

pub fn find_idea(c: &mut DbConn, event_id: i64, idea_id: i64) -> Result<Option<Idea>, AppError> {
    Ok(ideas::table
        .filter(ideas::id.eq(idea_id).and(ideas::event_id.eq(event_id)))
        .select(Idea::as_select())
        .first(c)
        .optional()?)
}

/// The idea `idea_id` of the event with its roles, members and applications; 404 when the id
/// is another event's.
pub fn detail(c: &mut DbConn, event_id: i64, idea_id: i64) -> Result<Detail, AppError> {
    let idea = find_idea(c, event_id, idea_id)?.ok_or(AppError::NotFound)?;
    let roles: Vec<Role> =
        ir::table.filter(ir::idea_id.eq(idea.id)).order((ir::position, ir::id)).select(Role::as_select()).load(c)?;
    let role_ids: Vec<i64> = roles.iter().map(|r| r.id).collect();
    let mut role_topics: HashMap<i64, Vec<i64>> = HashMap::new();
    let rows: Vec<(i64, i64)> =
        irt::table.filter(irt::role_id.eq_any(&role_ids)).select((irt::role_id, irt::topic_id)).load(c)?;
    for (role, topic) in rows {
        role_topics.entry(role).or_default().push(topic);
    }
    let member_rows: Vec<(i64, Option<i64>)> =
        im::table.filter(im::idea_id.eq(idea.id)).select((im::user_id, im::role_id)).load(c)?;
    let apps: Vec<Application> =
        ia::table.filter(ia::idea_id.eq(idea.id)).order(ia::id.desc()).select(Application::as_select()).load(c)?;
    let mut ids: Vec<i64> = member_rows.iter().map(|m| m.0).collect();
    ids.extend(apps.iter().map(|a| a.user_id));
    let people = users_by_id(c, &ids)?;
    let position = |role: Option<i64>| match role {
        None => -1,
        Some(id) => roles.iter().position(|r| r.id == id).map_or(i64::MAX, |p| p as i64),
    };
    let mut members: Vec<Member> =
        member_rows.iter().filter_map(|(u, role)| people.get(u).map(|row| member_of(row, *role))).collect();
    members.sort_by_key(|m| (m.user_id != idea.author_id, position(m.role_id), m.user_id));
    let applications = apps
        .into_iter()
        .filter_map(|a| {
            let who = people.get(&a.user_id).map(|row| member_of(row, None))?;
            Some((a, who))
        })
        .collect();
    Ok(Detail { idea, roles, role_topics, members, applications })
}

/// An idea in the list: the idea, its open roles' descriptions, and the consortium's size.
#[derive(Debug, Clone)]
pub struct Entry {
    pub idea: Idea,
    pub coordinator: String,
    pub open_roles: Vec<String>,
    pub members: usize,
    pub mine: bool,
}

/// What the list asks for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub call: String,
}

impl ListQuery {
    pub fn is_filtered(&self) -> bool {
        !(self.q.trim().is_empty() && self.topic.is_empty() && self.sector.is_empty() && self.call.is_empty())
    }
}

/// The ideas `viewer` sees at the event, filtered by `q`; and the calls they answer (the call
/// filter's choices).
pub fn list(
    c: &mut DbConn,
    event_id: i64,
    viewer: i64,
    organiser: bool,
    q: &ListQuery,
) -> Result<(Vec<Entry>, Vec<String>), AppError> {
    let all: Vec<Idea> = ideas::table
        .filter(ideas::event_id.eq(event_id))
        .order(ideas::id.desc())
        .limit(2000)
        .select(Idea::as_select())
        .load(c)?;
    let idea_ids: Vec<i64> = all.iter().map(|i| i.id).collect();
    let roles: Vec<Role> = ir::table
        .filter(ir::idea_id.eq_any(&idea_ids))
        .order((ir::position, ir::id))
        .select(Role::as_select())
        .load(c)?;
    let role_ids: Vec<i64> = roles.iter().map(|r| r.id).collect();
    let topics: Vec<(i64, i64)> =
        irt::table.filter(irt::role_id.eq_any(&role_ids)).select((irt::role_id, irt::topic_id)).load(c)?;
    let members: Vec<(i64, i64, Option<i64>)> =
        im::table.filter(im::idea_id.eq_any(&idea_ids)).select((im::idea_id, im::user_id, im::role_id)).load(c)?;
    let applied: Vec<i64> =
        ia::table.filter(ia::idea_id.eq_any(&idea_ids).and(ia::user_id.eq(viewer))).select(ia::idea_id).load(c)?;
    let authors: Vec<i64> = all.iter().map(|i| i.author_id).collect();
    let names = users_by_id(c, &authors)?;
    let needle = q.q.trim().to_lowercase();
    let topic: Option<i64> = q.topic.parse().ok();
    let mut calls: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for idea in all {
        let member = members.iter().any(|(i, u, _)| *i == idea.id && *u == viewer);
        let visible = organiser || member || applied.contains(&idea.id) || (idea.listed && !idea.hidden);
        if !visible {
            continue;
        }
        if !idea.call_id.is_empty() && !calls.contains(&idea.call_id) {
            calls.push(idea.call_id.clone());
        }
        let filled: Vec<i64> = members.iter().filter(|(i, _, _)| *i == idea.id).filter_map(|m| m.2).collect();
        let open: Vec<&Role> = roles.iter().filter(|r| r.idea_id == idea.id && !filled.contains(&r.id)).collect();
        if !needle.is_empty() {
            let hay = format!("{} {} {} {}", idea.title, idea.summary, idea.call_text, idea.call_id).to_lowercase();
            if !hay.contains(&needle) {
                continue;
            }
        }
        if let Some(t) = topic {
            if !open.iter().any(|r| topics.iter().any(|(role, tid)| *role == r.id && *tid == t)) {
                continue;
            }
        }
        if !q.sector.is_empty() && !open.iter().any(|r| r.sector_list().contains(&q.sector)) {
            continue;
        }
        if !q.call.is_empty() && idea.call_id != q.call {
            continue;
        }
        out.push(Entry {
            coordinator: names.get(&idea.author_id).map(|u| u.1.clone()).unwrap_or_default(),
            open_roles: open.iter().map(|r| r.description.clone()).collect(),
            members: members.iter().filter(|(i, _, _)| *i == idea.id).count(),
            mine: member,
            idea,
        });
    }
    calls.sort();
    Ok((out, calls))
}

/// Whether the person holds a confirmed registration for the event.
pub fn is_participant(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<bool, AppError> {
    let n: i64 = r::table
        .filter(r::event_id.eq(event_id).and(r::user_id.eq(user_id)).and(r::status.eq("confirmed")))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// Takes the idea's row lock and returns the idea as it is now.
fn lock_idea(c: &mut DbConn, event_id: i64, idea_id: i64) -> Result<Idea, AppError> {
    let n = diesel::update(ideas::table.filter(ideas::id.eq(idea_id).and(ideas::event_id.eq(event_id))))
        .set(ideas::updated_at.eq(now()))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    find_idea(c, event_id, idea_id)?.ok_or(AppError::NotFound)
}

fn write_roles(c: &mut DbConn, idea_id: i64, roles: &[RoleInput]) -> Result<(), AppError> {
    let keep: Vec<i64> = roles.iter().filter_map(|r| r.id).collect();
    // Removed roles: their pending applications go with them (cascade).
    diesel::delete(ir::table.filter(ir::idea_id.eq(idea_id).and(ir::id.ne_all(&keep)))).execute(c)?;
    for (pos, role) in roles.iter().enumerate() {
        let values = (
            ir::position.eq(pos as i32),
            ir::description.eq(&role.description),
            ir::sectors.eq(role.sectors.join(" ")),
            ir::countries.eq(role.countries.join(" ")),
        );
        let id = match role.id {
            Some(id) => {
                diesel::update(ir::table.filter(ir::id.eq(id).and(ir::idea_id.eq(idea_id)))).set(values).execute(c)?;
                diesel::delete(irt::table.filter(irt::role_id.eq(id))).execute(c)?;
                id
            }
            None => diesel::insert_into(ir::table)
                .values((ir::idea_id.eq(idea_id), values))
                .returning(ir::id)
                .get_result(c)?,
        };
        for t in &role.topics {
            diesel::insert_into(irt::table).values((irt::role_id.eq(id), irt::topic_id.eq(t))).execute(c)?;
        }
    }
    Ok(())
}

/// Posts an idea; the author becomes its coordinator. Refusals come back as a sentence.
pub fn create(c: &mut DbConn, event_id: i64, author: i64, input: &IdeaInput) -> Result<Result<i64, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        if !is_participant(c, event_id, author)? {
            return Ok(Err("Only confirmed participants of the event post project ideas.".into()));
        }
        let mine: i64 =
            ideas::table.filter(ideas::event_id.eq(event_id).and(ideas::author_id.eq(author))).count().get_result(c)?;
        if mine >= MAX_IDEAS_PER_PERSON {
            return Ok(Err(format!(
                "You have posted {MAX_IDEAS_PER_PERSON} ideas at this event, the most one person may."
            )));
        }
        let t = now();
        let id: i64 = diesel::insert_into(ideas::table)
            .values((
                ideas::event_id.eq(event_id),
                ideas::author_id.eq(author),
                ideas::title.eq(&input.title),
                ideas::summary.eq(&input.summary),
                ideas::call_text.eq(&input.call_text),
                ideas::call_id.eq(&input.call_id),
                ideas::listed.eq(input.listed),
                ideas::status.eq("open"),
                ideas::hidden.eq(false),
                ideas::created_at.eq(t),
                ideas::updated_at.eq(t),
            ))
            .returning(ideas::id)
            .get_result(c)?;
        diesel::insert_into(im::table)
            .values((im::idea_id.eq(id), im::user_id.eq(author), im::role_id.eq(None::<i64>), im::joined_at.eq(t)))
            .execute(c)?;
        write_roles(c, id, &input.roles)?;
        Ok(Ok(id))
    })
}

/// Saves the coordinator's edit (roles included).
pub fn update(c: &mut DbConn, event_id: i64, idea_id: i64, actor: i64, input: &IdeaInput) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let idea = lock_idea(c, event_id, idea_id)?;
        if idea.author_id != actor {
            return Err(AppError::NotFound);
        }
        diesel::update(ideas::table.find(idea.id))
            .set((
                ideas::title.eq(&input.title),
                ideas::summary.eq(&input.summary),
                ideas::call_text.eq(&input.call_text),
                ideas::call_id.eq(&input.call_id),
                ideas::listed.eq(input.listed),
            ))
            .execute(c)?;
        write_roles(c, idea.id, &input.roles)
    })
}

/// Applies for a role. Refusals come back as a sentence for the form.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    idea_id: i64,
    role_id: i64,
    user_id: i64,
    message: &str,
) -> Result<Result<i64, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_idea(c, event.id, idea_id)?;
        let d = detail(c, event.id, idea_id)?;
        let role = d.roles.iter().find(|r| r.id == role_id).ok_or(AppError::NotFound)?;
        if !d.visible_to(user_id, false) {
            return Err(AppError::NotFound);
        }
        if !is_participant(c, event.id, user_id)? {
            return Ok(Err("Only confirmed participants of the event apply for roles.".into()));
        }
        if !d.idea.is_open() {
            return Ok(Err("This idea is closed: it takes no applications.".into()));
        }
        if d.is_member(user_id) {
            return Ok(Err("You are already in this consortium.".into()));
        }
        if d.holder(role.id).is_some() {
            return Ok(Err("Somebody holds this role already.".into()));
        }
        if d.applications.iter().any(|(a, _)| a.user_id == user_id && a.role_id == role.id && a.is_pending()) {
            return Ok(Err("You have applied for this role already; the coordinator has not answered yet.".into()));
        }
        let (name, organisation, sector, country): (String, String, String, String) = users::table
            .find(user_id)
            .select((users::name, users::organisation, users::sector, users::country))
            .first(c)?;
        if let Some(why) = role.refusal(&sector, &country) {
            return Ok(Err(why));
        }
        let id: i64 = diesel::insert_into(ia::table)
            .values((
                ia::idea_id.eq(d.idea.id),
                ia::role_id.eq(role.id),
                ia::user_id.eq(user_id),
                ia::message.eq(message),
                ia::status.eq("pending"),
                ia::created_at.eq(now()),
            ))
            .returning(ia::id)
            .get_result(c)?;
        if let Some(coord) = d.members.first() {
            let mail = emails::application_received(
                base_url,
                event,
                &coord.name,
                &d.idea,
                role,
                (&name, &organisation),
                message,
            );
            crate::mail::enqueue(c, &coord.email, &coord.name, &mail)?;
        }
        Ok(Ok(id))
    })
}

/// What a decision led to.
#[derive(Debug, PartialEq, Eq)]
pub enum Decided {
    Accepted,
    Declined,
    /// Already answered, withdrawn, or the role is taken: nothing changed.
    Stale(String),
}

/// The coordinator accepts or declines an application. Anyone else: 404.
pub fn decide(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    idea_id: i64,
    app_id: i64,
    actor: i64,
    accept: bool,
) -> Result<Decided, AppError> {
    crate::db::write_transaction(c, |c| {
        let idea = lock_idea(c, event.id, idea_id)?;
        if idea.author_id != actor {
            return Err(AppError::NotFound);
        }
        let d = detail(c, event.id, idea_id)?;
        let (app, who) = d.applications.iter().find(|(a, _)| a.id == app_id).ok_or(AppError::NotFound)?;
        if !app.is_pending() {
            return Ok(Decided::Stale(format!("This application is already {}.", app.status)));
        }
        let role = d.roles.iter().find(|r| r.id == app.role_id).ok_or(AppError::NotFound)?;
        let t = now();
        if !accept {
            diesel::update(ia::table.find(app.id))
                .set((ia::status.eq("declined"), ia::decided_at.eq(Some(t))))
                .execute(c)?;
            let mail = emails::application_declined(base_url, event, &who.name, &d.idea, role, false);
            crate::mail::enqueue(c, &who.email, &who.name, &mail)?;
            return Ok(Decided::Declined);
        }
        if d.holder(role.id).is_some() {
            return Ok(Decided::Stale("Somebody holds this role already.".into()));
        }
        if d.is_member(app.user_id) {
            return Ok(Decided::Stale(format!("{} is already in the consortium.", who.name)));
        }
        if !is_participant(c, event.id, app.user_id)? {
            return Ok(Decided::Stale(format!("{} no longer takes part in the event.", who.name)));
        }
        diesel::update(ia::table.find(app.id))
            .set((ia::status.eq("accepted"), ia::decided_at.eq(Some(t))))
            .execute(c)?;
        diesel::insert_into(im::table)
            .values((
                im::idea_id.eq(d.idea.id),
                im::user_id.eq(app.user_id),
                im::role_id.eq(Some(role.id)),
                im::joined_at.eq(t),
            ))
            .execute(c)?;
        crate::mail::enqueue(
            c,
            &who.email,
            &who.name,
            &emails::application_accepted(base_url, event, &who.name, &d.idea, role),
        )?;
        // The others are told once each: the rest of the consortium that someone joined.
        for m in d.members.iter().filter(|m| m.user_id != actor) {
            let mail = emails::member_joined(base_url, event, &m.name, &d.idea, role, (&who.name, &who.organisation));
            crate::mail::enqueue(c, &m.email, &m.name, &mail)?;
        }
        // The newcomer's other applications to this idea end quietly (one role a person);
        // other people's applications for the filled role end with a word to each.
        diesel::update(
            ia::table.filter(ia::idea_id.eq(d.idea.id).and(ia::user_id.eq(app.user_id)).and(ia::status.eq("pending"))),
        )
        .set((ia::status.eq("withdrawn"), ia::decided_at.eq(Some(t))))
        .execute(c)?;
        for (other, person) in
            d.applications.iter().filter(|(a, _)| a.role_id == role.id && a.is_pending() && a.user_id != app.user_id)
        {
            diesel::update(ia::table.find(other.id))
                .set((ia::status.eq("declined"), ia::decided_at.eq(Some(t))))
                .execute(c)?;
            let mail = emails::application_declined(base_url, event, &person.name, &d.idea, role, true);
            crate::mail::enqueue(c, &person.email, &person.name, &mail)?;
        }
        Ok(Decided::Accepted)
    })
}

/// The applicant withdraws their pending application. Someone else's: 404.
pub fn withdraw(c: &mut DbConn, event_id: i64, idea_id: i64, app_id: i64, user_id: i64) -> Result<bool, AppError> {
    crate::db::write_transaction(c, |c| {
        lock_idea(c, event_id, idea_id)?;
        let app: Application = ia::table
            .filter(ia::id.eq(app_id).and(ia::idea_id.eq(idea_id)).and(ia::user_id.eq(user_id)))
            .select(Application::as_select())
            .first(c)
            .optional()?
            .ok_or(AppError::NotFound)?;
        if !app.is_pending() {
            return Ok(false);
        }
        diesel::update(ia::table.find(app.id))
            .set((ia::status.eq("withdrawn"), ia::decided_at.eq(Some(now()))))
            .execute(c)?;
        Ok(true)
    })
}

/// A member leaves the consortium (the coordinator cannot: they close the idea instead); the
/// coordinator is told. Returns false when they were not a member.
pub fn leave(c: &mut DbConn, base_url: &str, event: &Event, idea_id: i64, user_id: i64) -> Result<bool, AppError> {
    crate::db::write_transaction(c, |c| {
        let idea = lock_idea(c, event.id, idea_id)?;
        if idea.author_id == user_id {
            return Ok(false);
        }
        let d = detail(c, event.id, idea_id)?;
        let Some(me) = d.members.iter().find(|m| m.user_id == user_id) else { return Ok(false) };
        remove_member(c, base_url, event, &d, me, &format!("{} has left", me.name))?;
        Ok(true)
    })
}

fn remove_member(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    d: &Detail,
    me: &Member,
    why: &str,
) -> Result<(), AppError> {
    diesel::delete(im::table.filter(im::idea_id.eq(d.idea.id).and(im::user_id.eq(me.user_id)))).execute(c)?;
    let role = me.role_id.and_then(|id| d.roles.iter().find(|r| r.id == id)).map(|r| r.description.as_str());
    if let Some(coord) = d.members.first().filter(|c| c.user_id != me.user_id) {
        let mail = emails::member_left(base_url, event, &coord.name, &d.idea, role, why);
        crate::mail::enqueue(c, &coord.email, &coord.name, &mail)?;
    }
    Ok(())
}

/// The coordinator closes (`open` false) or reopens the idea. Closing ends the pending
/// applications and tells each member and pending applicant once.
pub fn set_open(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    idea_id: i64,
    actor: i64,
    open: bool,
) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let idea = lock_idea(c, event.id, idea_id)?;
        if idea.author_id != actor {
            return Err(AppError::NotFound);
        }
        if idea.is_open() == open {
            return Ok(());
        }
        diesel::update(ideas::table.find(idea.id))
            .set(ideas::status.eq(if open { "open" } else { "closed" }))
            .execute(c)?;
        if !open {
            let d = detail(c, event.id, idea_id)?;
            close_applications(c, base_url, event, &d, actor)?;
        }
        Ok(())
    })
}

/// Ends the idea's pending applications and tells members (but `skip`) and applicants.
fn close_applications(c: &mut DbConn, base_url: &str, event: &Event, d: &Detail, skip: i64) -> Result<(), AppError> {
    diesel::update(ia::table.filter(ia::idea_id.eq(d.idea.id).and(ia::status.eq("pending"))))
        .set((ia::status.eq("declined"), ia::decided_at.eq(Some(now()))))
        .execute(c)?;
    for m in d.members.iter().filter(|m| m.user_id != skip) {
        crate::mail::enqueue(c, &m.email, &m.name, &emails::idea_closed(base_url, event, &m.name, &d.idea, true))?;
    }
    let mut told: Vec<i64> = Vec::new();
    for (a, who) in d.applications.iter().filter(|(a, _)| a.is_pending()) {
        if a.user_id == skip || told.contains(&a.user_id) {
            continue;
        }
        told.push(a.user_id);
        crate::mail::enqueue(
            c,
            &who.email,
            &who.name,
            &emails::idea_closed(base_url, event, &who.name, &d.idea, false),
        )?;
    }
    Ok(())
}

/// An organiser hides or shows an idea.
pub fn set_hidden(c: &mut DbConn, event_id: i64, idea_id: i64, actor: i64, hidden: bool) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        let idea = lock_idea(c, event_id, idea_id)?;
        diesel::update(ideas::table.find(idea.id)).set(ideas::hidden.eq(hidden)).execute(c)?;
        let what = if hidden { "idea.hide" } else { "idea.show" };
        crate::audit::record_event(c, Some(actor), event_id, what, &idea.title)?;
        Ok(())
    })
}

/// The person leaves the event's ideas (their registration ended): their applications end,
/// they leave consortia (coordinators are told), and their own ideas close (members and
/// applicants are told).
pub fn leave_event(c: &mut DbConn, base_url: &str, event: &Event, user_id: i64) -> Result<(), AppError> {
    leave_ideas(c, base_url, event, user_id, false)
}

/// The same for every event, before the account is deleted: their own ideas are withdrawn
/// (the rows go with the account) and everyone concerned is told.
pub fn leave_everywhere(c: &mut DbConn, base_url: &str, user_id: i64) -> Result<(), AppError> {
    let mut event_ids: Vec<i64> = im::table
        .inner_join(ideas::table.on(ideas::id.eq(im::idea_id)))
        .filter(im::user_id.eq(user_id))
        .select(ideas::event_id)
        .load(c)?;
    event_ids.extend(
        ia::table
            .inner_join(ideas::table.on(ideas::id.eq(ia::idea_id)))
            .filter(ia::user_id.eq(user_id).and(ia::status.eq("pending")))
            .select(ideas::event_id)
            .load::<i64>(c)?,
    );
    event_ids.sort_unstable();
    event_ids.dedup();
    for id in event_ids {
        let event = crate::events::model::find(c, id)?.ok_or(AppError::NotFound)?;
        leave_ideas(c, base_url, &event, user_id, true)?;
    }
    Ok(())
}

fn leave_ideas(c: &mut DbConn, base_url: &str, event: &Event, user_id: i64, deleted: bool) -> Result<(), AppError> {
    let why = |name: &str| {
        if deleted {
            format!("{name} has deleted their account and so left")
        } else {
            format!("{name} no longer takes part in {} and so has left", event.title)
        }
    };
    let ids: Vec<i64> = ideas::table
        .filter(ideas::event_id.eq(event.id))
        .filter(
            ideas::id
                .eq_any(im::table.filter(im::user_id.eq(user_id)).select(im::idea_id))
                .or(ideas::id.eq_any(ia::table.filter(ia::user_id.eq(user_id)).select(ia::idea_id))),
        )
        .select(ideas::id)
        .load(c)?;
    for idea_id in ids {
        lock_idea(c, event.id, idea_id)?;
        let d = detail(c, event.id, idea_id)?;
        if d.idea.author_id == user_id {
            if deleted {
                let others = d.members.iter().filter(|m| m.user_id != user_id).map(|m| (&m.email, &m.name));
                let applicants =
                    d.applications.iter().filter(|(a, _)| a.is_pending()).map(|(_, w)| (&w.email, &w.name));
                let mut told: Vec<&String> = Vec::new();
                for (email, name) in others.chain(applicants) {
                    if !told.contains(&email) {
                        told.push(email);
                        crate::mail::enqueue(
                            c,
                            email,
                            name,
                            &emails::idea_removed(base_url, event, name, &d.idea.title),
                        )?;
                    }
                }
            } else if d.idea.is_open() {
                diesel::update(ideas::table.find(d.idea.id)).set(ideas::status.eq("closed")).execute(c)?;
                close_applications(c, base_url, event, &d, user_id)?;
            }
            continue;
        }
        let pending: Vec<&Application> =
            d.applications.iter().map(|(a, _)| a).filter(|a| a.user_id == user_id && a.is_pending()).collect();
        if !pending.is_empty() {
            diesel::update(ia::table.filter(ia::idea_id.eq(d.idea.id).and(ia::user_id.eq(user_id))))
                .set((ia::status.eq("withdrawn"), ia::decided_at.eq(Some(now()))))
                .execute(c)?;
            if let Some(coord) = d.members.first() {
                let name = d.applications.iter().find(|(a, _)| a.user_id == user_id).map(|(_, w)| w.name.clone());
                let text = format!("{}'s application for", name.unwrap_or_default());
                let text = if deleted {
                    format!("{text} a role in (they deleted their account)")
                } else {
                    format!("{text} a role in (they no longer take part in the event)")
                };
                crate::mail::enqueue(
                    c,
                    &coord.email,
                    &coord.name,
                    &emails::application_ended(base_url, event, &coord.name, &d.idea, &text),
                )?;
            }
        }
        if let Some(me) = d.members.iter().find(|m| m.user_id == user_id) {
            let text = why(&me.name);
            remove_member(c, base_url, event, &d, me, &text)?;
        }
    }
    Ok(())
}

// ---------- eligibility rules ----------

/// The event's rules: the stored ones, or the default for EU public-private calls.
pub fn rules(c: &mut DbConn, event_id: i64) -> Result<(Rules, bool), AppError> {
    let stored: Option<String> = er::table.find(event_id).select(er::rules).first(c).optional()?;
    match stored.and_then(|s| serde_json::from_str::<Rules>(&s).ok()) {
        Some(r) => Ok((r, true)),
        None => Ok((Rules::default(), false)),
    }
}

/// Stores the event's rules; `None` goes back to the default.
pub fn save_rules(c: &mut DbConn, event_id: i64, actor: i64, rules: Option<&Rules>) -> Result<(), AppError> {
    crate::db::write_transaction(c, |c| {
        diesel::delete(er::table.find(event_id)).execute(c)?;
        if let Some(rules) = rules {
            diesel::insert_into(er::table)
                .values((
                    er::event_id.eq(event_id),
                    er::rules.eq(serde_json::to_string(rules).map_err(AppError::internal)?),
                    er::updated_at.eq(now()),
                ))
                .execute(c)?;
        }
        let what = if rules.is_some() { "eligibility.save" } else { "eligibility.reset" };
        crate::audit::record_event(c, Some(actor), event_id, what, "")?;
        Ok(())
    })
}

// ---------- export ----------

/// A person's ideas, applications and memberships, for their data export.
pub fn export_for_user(c: &mut DbConn, user_id: i64) -> Result<serde_json::Value, AppError> {
    use serde_json::json;
    let own: Vec<Idea> = ideas::table.filter(ideas::author_id.eq(user_id)).select(Idea::as_select()).load(c)?;
    let apps: Vec<(Application, String, String)> = ia::table
        .inner_join(ideas::table.on(ideas::id.eq(ia::idea_id)))
        .inner_join(ir::table.on(ir::id.eq(ia::role_id)))
        .filter(ia::user_id.eq(user_id))
        .select((Application::as_select(), ideas::title, ir::description))
        .load(c)?;
    let member: Vec<(String, Option<String>, chrono::NaiveDateTime)> = im::table
        .inner_join(ideas::table.on(ideas::id.eq(im::idea_id)))
        .left_join(ir::table.on(ir::id.nullable().eq(im::role_id)))
        .filter(im::user_id.eq(user_id))
        .select((ideas::title, ir::description.nullable(), im::joined_at))
        .load(c)?;
    Ok(json!({
        "ideas": own.iter().map(|i| json!({
            "event_id": i.event_id, "title": i.title, "summary": i.summary, "call": i.call_text,
            "call_id": i.call_id, "listed": i.listed, "status": i.status, "created_at": i.created_at,
        })).collect::<Vec<_>>(),
        "applications": apps.iter().map(|(a, title, role)| json!({
            "idea": title, "role": role, "message": a.message, "status": a.status,
            "created_at": a.created_at, "decided_at": a.decided_at,
        })).collect::<Vec<_>>(),
        "memberships": member.iter().map(|(title, role, at)| json!({
            "idea": title, "role": role, "joined_at": at,
        })).collect::<Vec<_>>(),
    }))
}

// ---------- suggestions ----------

/// Every open, listed and visible idea of the event with its details ("ideas that need you").
pub fn open_ideas(c: &mut DbConn, event_id: i64) -> Result<Vec<Detail>, AppError> {
    let ids: Vec<i64> = ideas::table
        .filter(ideas::event_id.eq(event_id).and(ideas::status.eq("open")))
        .filter(ideas::listed.eq(true).and(ideas::hidden.eq(false)))
        .order(ideas::id)
        .limit(500)
        .select(ideas::id)
        .load(c)?;
    ids.into_iter().map(|id| detail(c, event_id, id)).collect()
}

/// Most "invite to apply" mails one idea sends in a day.
pub const INVITES_PER_DAY: i64 = 30;

/// The coordinator invites a participant to apply for an open role: once per person and role,
/// at most `INVITES_PER_DAY` a day per idea. Refusals come back as a sentence.
#[allow(clippy::too_many_arguments)]
pub fn invite(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    idea_id: i64,
    role_id: i64,
    actor: i64,
    person: i64,
) -> Result<Result<String, String>, AppError> {
    use crate::db::schema::idea_invitations as inv;
    crate::db::write_transaction(c, |c| {
        let idea = lock_idea(c, event.id, idea_id)?;
        if idea.author_id != actor {
            return Err(AppError::NotFound);
        }
        let d = detail(c, event.id, idea_id)?;
        let role = d.roles.iter().find(|r| r.id == role_id).ok_or(AppError::NotFound)?;
        if !d.idea.is_open() || d.holder(role.id).is_some() {
            return Ok(Err("Only open roles of an open idea take invitations.".into()));
        }
        let Some(who) = crate::matchmaking::service::find_person(c, event.id, person)?.filter(|p| p.matchmaking) else {
            return Err(AppError::NotFound);
        };
        if d.is_member(person) {
            return Ok(Err(format!("{} is already in the consortium.", who.name)));
        }
        if d.applications.iter().any(|(a, _)| a.user_id == person && a.role_id == role.id && a.is_pending()) {
            return Ok(Err(format!("{} has applied for this role already.", who.name)));
        }
        let asked: i64 =
            inv::table.filter(inv::role_id.eq(role.id).and(inv::user_id.eq(person))).count().get_result(c)?;
        if asked > 0 {
            return Ok(Err(format!("You have invited {} to this role already.", who.name)));
        }
        let t = now();
        let today: i64 = inv::table
            .filter(inv::idea_id.eq(idea.id).and(inv::created_at.gt(t - chrono::TimeDelta::hours(24))))
            .count()
            .get_result(c)?;
        if today >= INVITES_PER_DAY {
            return Ok(Err(format!(
                "This idea has sent {INVITES_PER_DAY} invitations in the last 24 hours, the most it may; please wait a little."
            )));
        }
        diesel::insert_into(inv::table)
            .values((
                inv::idea_id.eq(idea.id),
                inv::role_id.eq(role.id),
                inv::user_id.eq(person),
                inv::created_at.eq(t),
            ))
            .execute(c)?;
        let coord = d.members.first().ok_or(AppError::NotFound)?;
        let (email, name): (String, String) = users::table.find(person).select((users::email, users::name)).first(c)?;
        let mail = emails::invited_to_apply(base_url, event, &name, &d.idea, role, (&coord.name, &coord.organisation));
        crate::mail::enqueue(c, &email, &name, &mail)?;
        Ok(Ok(name))
    })
}
