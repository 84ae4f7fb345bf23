//! Project ideas for the demo event: one consortium that meets the default EU rules (filled and
//! open roles, a waiting application), one that does not yet (no industry partner), and an idea
//! that has only just been posted. Runs inside the demo's transaction, through the same service
//! functions as real use.

use diesel::prelude::*;

use super::model::{IdeaInput, RoleInput};
use super::service::{self, Decided};
use crate::db::schema::users;
use crate::db::DbConn;
use crate::error::AppError;
use crate::events::model::Event;
use crate::matchmaking::engine::eligibility::Rules;
use crate::matchmaking::model::topic_by_name;

/// A confirmed participant as the demo picks them.
struct Someone {
    id: i64,
    organisation: String,
    sector: String,
    country: String,
}

/// What the demo's ideas hold, for the start-up message.
pub struct Summary {
    pub ideas: usize,
    pub members: usize,
    pub pending: usize,
}

/// `attendees`: the confirmed participants, the featured one first.
pub fn seed(c: &mut DbConn, base_url: &str, event: &Event, attendees: &[i64]) -> Result<Summary, AppError> {
    let rows: Vec<(i64, String, String, String)> = users::table
        .filter(users::id.eq_any(attendees))
        .select((users::id, users::organisation, users::sector, users::country))
        .load(c)?;
    let people: Vec<Someone> = attendees
        .iter()
        .filter_map(|id| rows.iter().find(|r| r.0 == *id))
        .map(|r| Someone { id: r.0, organisation: r.1.clone(), sector: r.2.clone(), country: r.3.clone() })
        .collect();
    let Some(featured) = people.first() else { return Ok(Summary { ideas: 0, members: 0, pending: 0 }) };
    let topics = crate::matchmaking::service::topics(c, event.id)?;
    let topic =
        |names: &[&str]| -> Vec<i64> { names.iter().filter_map(|n| topic_by_name(&topics, n)).map(|t| t.id).collect() };
    let rules = Rules::default();
    let mut used: Vec<i64> = vec![featured.id];
    // Somebody of `sectors`, from a country that counts and none of `avoid`, not used yet.
    let mut pick = |sectors: &[&str], avoid: &[String]| -> Option<(i64, String)> {
        let p = people.iter().find(|p| {
            !used.contains(&p.id)
                && sectors.contains(&p.sector.as_str())
                && rules.counts(&p.country)
                && !avoid.contains(&p.country)
                && !p.organisation.is_empty()
        })?;
        used.push(p.id);
        Some((p.id, p.country.clone()))
    };
    let role = |description: &str, topics: Vec<i64>, sectors: &[&str], countries: &[&str]| RoleInput {
        id: None,
        description: description.into(),
        topics,
        sectors: sectors.iter().map(|s| s.to_string()).collect(),
        countries: countries.iter().map(|s| s.to_string()).collect(),
    };
    let mut summary = Summary { ideas: 0, members: 0, pending: 0 };

    // 1. The featured participant's consortium: eligible, with open roles and an application.
    let input = IdeaInput {
        title: "Paediatric brain tumour models for precision oncology".into(),
        summary: "Patient-derived models of paediatric brain tumours, validated against clinical outcomes, to \
                  select combinations for early trials.\n\nWe have the academic lead and a first industry partner; \
                  we look for an SME with a biomarker assay and a patient organisation."
            .into(),
        call_text: "IHI call 10: paediatric oncology models".into(),
        call_id: "HORIZON-JU-IHI-2027-10-01".into(),
        listed: true,
        roles: vec![
            role(
                "Industry partner with in-vivo oncology models",
                topic(&["Oncology", "Preclinical models"]),
                &["pharma"],
                &[],
            ),
            role(
                "Clinical site with a paediatric cohort",
                topic(&["Paediatric cancers", "Hospital cohorts"]),
                &["hospital"],
                &[],
            ),
            role("SME with a validated biomarker assay", topic(&["Biomarkers"]), &["biotech_sme"], &[]),
            role("Patient organisation for paediatric cancers", topic(&["Patient engagement"]), &["patient_org"], &[]),
        ],
    };
    let first = create(c, event.id, featured.id, &input)?;
    let d = service::detail(c, event.id, first)?;
    let mut countries = vec![featured.country.clone()];
    if let Some((pharma, country)) = pick(&["pharma"], &countries) {
        countries.push(country);
        summary.members += join(c, base_url, event, &d, 0, pharma, featured.id)?;
    }
    if let Some((clinic, _)) = pick(&["hospital"], &countries) {
        summary.members += join(c, base_url, event, &d, 1, clinic, featured.id)?;
    }
    if let Some((sme, _)) = pick(&["biotech_sme"], &[]) {
        summary.pending +=
            apply(c, base_url, event, &d, 2, sme, "Our multiplex assay is CE-marked for paediatric CNS tumours.")?;
    }
    summary.ideas += 1;

    // 2. An academic data consortium that has no industry partner yet: not eligible.
    if let Some((lead, _)) = pick(&["academia", "hospital"], &[]) {
        let input = IdeaInput {
            title: "Real-world data for antimicrobial stewardship".into(),
            summary: "Linking hospital prescribing records across countries to evaluate stewardship programmes.".into(),
            call_text: "Cluster 1 Health: antimicrobial resistance".into(),
            call_id: "HORIZON-HLTH-2027-DISEASE-04".into(),
            listed: true,
            roles: vec![
                role(
                    "Hospital network with prescribing data",
                    topic(&["Real-world data", "Antimicrobial resistance"]),
                    &["hospital", "academia"],
                    &[],
                ),
                role(
                    "Industry partner developing new antibiotics",
                    topic(&["Antimicrobial resistance"]),
                    &["pharma", "biotech_sme"],
                    &[],
                ),
            ],
        };
        let id = create(c, event.id, lead, &input)?;
        let d = service::detail(c, event.id, id)?;
        if let Some((data, _)) = pick(&["hospital", "academia"], &[]) {
            summary.members += join(c, base_url, event, &d, 0, data, lead)?;
        }
        if let Some((pharma, _)) = pick(&["pharma", "biotech_sme"], &[]) {
            summary.pending += apply(c, base_url, event, &d, 1, pharma, "We would bring our Gram-negative pipeline.")?;
        }
        summary.ideas += 1;
    }

    // 3. Just posted: every role open.
    if let Some((author, _)) = pick(&["pharma", "biotech_sme"], &[]) {
        let input = IdeaInput {
            title: "Digital biomarkers for early Parkinson's disease".into(),
            summary: "Wearable and smartphone measures validated against clinical scales in a prodromal cohort.".into(),
            call_text: "IHI call 11: digital endpoints".into(),
            call_id: String::new(),
            listed: true,
            roles: vec![
                role(
                    "Academic partner with a prodromal Parkinson's cohort",
                    topic(&["Parkinson's disease", "Hospital cohorts"]),
                    &["academia", "hospital"],
                    &[],
                ),
                role(
                    "Partner for machine learning on sensor data",
                    topic(&["Machine learning", "Digital health and AI"]),
                    &[],
                    &[],
                ),
            ],
        };
        create(c, event.id, author, &input)?;
        summary.ideas += 1;
    }
    Ok(summary)
}

fn create(c: &mut DbConn, event_id: i64, author: i64, input: &IdeaInput) -> Result<i64, AppError> {
    service::create(c, event_id, author, input)?.map_err(AppError::Internal)
}

fn apply(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    d: &service::Detail,
    role: usize,
    who: i64,
    message: &str,
) -> Result<usize, AppError> {
    let Some(r) = d.roles.get(role) else { return Ok(0) };
    Ok(usize::from(service::apply(c, base_url, event, d.idea.id, r.id, who, message)?.is_ok()))
}

/// `who` applies for role `role` and the coordinator accepts.
fn join(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    d: &service::Detail,
    role: usize,
    who: i64,
    coordinator: i64,
) -> Result<usize, AppError> {
    let Some(r) = d.roles.get(role) else { return Ok(0) };
    let Ok(app) = service::apply(c, base_url, event, d.idea.id, r.id, who, "")? else { return Ok(0) };
    let done = service::decide(c, base_url, event, d.idea.id, app, coordinator, true)?;
    Ok(usize::from(done == Decided::Accepted))
}
