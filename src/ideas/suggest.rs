//! Team suggestions in words: the engine's team search (`engine::team`) over the event's
//! matchmaking snapshot, for an idea's open roles (best fits and a suggested team with its
//! eligibility) and for a person ("ideas that need you").

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::web;

use super::model::{checklist, CheckLine, Role};
use super::service::{Detail, Member};
use crate::app::AppState;
use crate::error::AppError;
use crate::matchmaking::engine::eligibility::Rules;
use crate::matchmaking::engine::{self, FitReason, RoleFit, RoleSpec, TeamBuilder, TeamSpec};
use crate::matchmaking::service::Pool;

/// People shown per open role.
pub const FITS_PER_ROLE: usize = 5;

/// The event's matchmaking snapshot; asks the database only when it may have changed.
pub async fn snapshot(state: &web::Data<AppState>, event_id: i64) -> Result<Arc<Pool>, AppError> {
    let generation = state.pages.writes();
    if let Some(pool) = state.pools.current(event_id, generation) {
        return Ok(pool);
    }
    let pools = state.pools.clone();
    state.db.run(move |c| pools.get(c, event_id, generation)).await
}

/// The builder over the matchmaking participants; members outside matchmaking are known so
/// that the rules count them, but never suggested.
pub fn builder(pool: &Pool, members: &[&Member]) -> TeamBuilder {
    let mut b = TeamBuilder::new(&pool.profiles, &pool.params);
    let known: Vec<engine::Profile> = members
        .iter()
        .map(|m| engine::Profile {
            id: m.user_id,
            sector: m.sector.clone(),
            organisation: m.organisation.clone(),
            country: m.country.clone(),
            interests: Vec::new(),
            opportunities: Vec::new(),
        })
        .collect();
    b.add_known(&known);
    b
}

/// The idea as the team search sees it: its members and its open roles.
pub fn spec(pool: &Pool, d: &Detail, rules: &Rules) -> TeamSpec {
    let engine_topic: HashMap<i64, engine::TopicId> =
        pool.topic_ids.iter().enumerate().map(|(i, id)| (*id, i as engine::TopicId)).collect();
    TeamSpec {
        idea: d.idea.id,
        members: d.members.iter().map(|m| m.user_id).collect(),
        open_roles: d
            .roles
            .iter()
            .filter(|r| d.holder(r.id).is_none())
            .map(|r| RoleSpec {
                id: r.id,
                topics: d
                    .role_topics
                    .get(&r.id)
                    .map(|ts| ts.iter().filter_map(|t| engine_topic.get(t).copied()).collect())
                    .unwrap_or_default(),
                sectors: r.sector_list(),
                countries: r.country_list(),
            })
            .collect(),
        allow_same_organisation: pool.params.allow_same_organisation,
        rules: rules.clone(),
    }
}

/// A person who fits a role, as a page shows them.
#[derive(Debug, Clone)]
pub struct FitView {
    pub user_id: i64,
    pub name: String,
    pub organisation: String,
    pub country: String,
    pub reasons: Vec<String>,
}

/// The engine's reasons as words.
pub fn words(pool: &Pool, fit: &RoleFit) -> FitView {
    let person = pool.person(fit.person);
    let country = person.map(|p| p.country_name().to_string()).unwrap_or_default();
    let reasons = fit
        .reasons
        .iter()
        .map(|r| match r {
            FitReason::OffersTopic { topic, offer } => {
                let title =
                    pool.opportunity_titles.get(offer).map(|t| format!(" (\u{201c}{t}\u{201d})")).unwrap_or_default();
                format!("offers {}{title}", pool.topic_name(*topic))
            }
            FitReason::SharedInterest { topic } => format!("works on {}", pool.topic_name(*topic)),
            FitReason::Sector => {
                format!("a {} partner, as the role asks", person.map(|p| p.sector_label()).unwrap_or_default())
            }
            FitReason::Country { adds_country: true } => {
                format!("adds a country the consortium needs ({country})")
            }
            FitReason::Country { adds_country: false } => format!("based in {country}, as the role asks"),
        })
        .collect();
    FitView {
        user_id: fit.person,
        name: person.map(|p| p.name.clone()).unwrap_or_default(),
        organisation: person.map(|p| p.organisation.clone()).unwrap_or_default(),
        country,
        reasons,
    }
}

/// What the coordinator sees: per open role its best fits, and a suggested team.
#[derive(Debug, Clone, Default)]
pub struct Suggestions {
    pub fits: Vec<(Role, Vec<FitView>)>,
    pub team: Vec<(Role, Option<FitView>)>,
    pub team_checklist: Vec<CheckLine>,
    pub team_eligible: bool,
    pub exact: bool,
}

pub fn for_idea(pool: &Pool, d: &Detail, rules: &Rules) -> Suggestions {
    let members: Vec<&Member> = d.members.iter().collect();
    let b = builder(pool, &members);
    let spec = spec(pool, d, rules);
    let role = |id: i64| d.roles.iter().find(|r| r.id == id).cloned();
    let fits = spec
        .open_roles
        .iter()
        .filter_map(|r| {
            let list = b.fits(&spec, r.id, FITS_PER_ROLE).iter().map(|f| words(pool, f)).collect();
            Some((role(r.id)?, list))
        })
        .collect();
    if spec.open_roles.is_empty() {
        return Suggestions { fits, ..Default::default() };
    }
    let t = b.suggest_team(&spec);
    Suggestions {
        fits,
        team: t.picks.iter().filter_map(|(id, f)| Some((role(*id)?, f.as_ref().map(|f| words(pool, f))))).collect(),
        team_eligible: t.checks.iter().all(|c| c.holds()),
        team_checklist: checklist(rules, &t.checks),
        exact: t.exact,
    }
}

/// An open role that fits the viewer, with the reasons.
#[derive(Debug, Clone)]
pub struct ForYou {
    pub idea_id: i64,
    pub idea_title: String,
    pub role: Role,
    pub reasons: Vec<String>,
}

/// The open roles of `ideas` that fit `viewer` best (ideas they are in are skipped).
pub fn for_person(pool: &Pool, ideas: &[Detail], rules: &Rules, viewer: i64, limit: usize) -> Vec<ForYou> {
    let members: Vec<&Member> = ideas.iter().flat_map(|d| d.members.iter()).collect();
    let b = builder(pool, &members);
    let specs: Vec<TeamSpec> = ideas.iter().map(|d| spec(pool, d, rules)).collect();
    b.roles_for(viewer, &specs, limit)
        .into_iter()
        .filter_map(|(idea, role, fit)| {
            let d = ideas.iter().find(|d| d.idea.id == idea)?;
            let role = d.roles.iter().find(|r| r.id == role)?.clone();
            Some(ForYou { idea_id: idea, idea_title: d.idea.title.clone(), reasons: words(pool, &fit).reasons, role })
        })
        .collect()
}
