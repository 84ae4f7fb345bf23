//! Matchmaking for the demo event: settings and slots on day 2, realistic profiles and
//! cooperation opportunities by sector, a few hundred meeting requests in every state, and a
//! published schedule. Runs inside the demo's transaction, through the same service functions
//! as real use, so the demo shows exactly what the product does.

use std::collections::HashMap;

use chrono::{NaiveTime, TimeDelta};
use diesel::prelude::*;

use super::model::{OpportunityInput, SettingsInput};
use super::service::{self, Answer, ProfileInput};
use crate::db::schema::{meeting_requests as mr, topics as t};
use crate::db::{now, DbConn};
use crate::demo::people::Rng;
use crate::error::AppError;
use crate::events::model::Event;

/// What the demo's matchmaking holds, for the start-up message.
pub struct Summary {
    pub profiles: usize,
    pub requests: usize,
    pub meetings: usize,
    pub quality: f64,
}

/// The demo questionnaire's areas, as topics of the default taxonomy.
fn area_topics(area: &str) -> &'static [&'static str] {
    match area {
        "Oncology" => &["Oncology"],
        "Infectious diseases and AMR" => &["Infectious diseases", "Antimicrobial resistance"],
        "Neuroscience" => &["Neurodegeneration"],
        "Immunology and inflammation" => &["Immunology and inflammation"],
        "Rare diseases" => &["Rare diseases"],
        "Cardiometabolic diseases" => &["Cardiovascular diseases", "Metabolic diseases"],
        "Respiratory diseases" => &["Respiratory diseases"],
        "Vaccines" => &["Vaccines"],
        "Digital health and AI" => &["Digital health and AI"],
        "Regulatory science and HTA" => &["Regulatory science"],
        _ => &[],
    }
}

type Template = (&'static str, &'static str, &'static [&'static str]);

/// (kind, title with {area}, capability topics) per sector.
fn templates(sector: &str) -> &'static [Template] {
    match sector {
        "pharma" => &[
            (
                "offer",
                "Compound library and screening capacity for {area}",
                &["Compound libraries", "Medicinal chemistry"],
            ),
            ("request", "Academic partner with {area} disease models", &["Preclinical models", "Organoids"]),
            ("request", "Real-world data on {area} patients", &["Real-world data", "Hospital cohorts"]),
            ("request", "Clinical trial sites for a {area} study", &["Clinical trial sites", "Clinical trial design"]),
            ("offer", "Manufacturing know-how for {area} candidates", &["Manufacturing", "Sustainability"]),
        ],
        "biotech_sme" => &[
            ("offer", "AI platform for {area} biomarker discovery", &["Machine learning", "Biomarkers"]),
            ("offer", "Organoid models of {area}", &["Organoids", "Preclinical models"]),
            (
                "request",
                "Pharma partner to validate our {area} platform",
                &["Drug safety and toxicology", "Compound libraries"],
            ),
            ("request", "Access to a hospital cohort in {area}", &["Hospital cohorts", "Biobanks"]),
        ],
        "academia" => &[
            ("offer", "Patient-derived {area} models", &["Preclinical models", "Organoids"]),
            ("offer", "Multi-omics expertise in {area}", &["Multi-omics", "Genomics", "Proteomics"]),
            ("request", "Compounds to test in our {area} models", &["Compound libraries", "Medicinal chemistry"]),
            ("request", "Industry partner for an IHI proposal in {area}", &["Clinical trial design", "Manufacturing"]),
            ("offer", "Biomarker validation lab for {area}", &["Biomarkers", "Biobanks"]),
        ],
        "hospital" => &[
            (
                "offer",
                "Hospital cohort of {area} patients with follow-up data",
                &["Hospital cohorts", "Real-world data"],
            ),
            (
                "offer",
                "Clinical trial sites with a {area} recruitment record",
                &["Clinical trial sites", "Decentralised trials"],
            ),
            ("request", "AI tools for {area} imaging", &["Medical imaging", "Machine learning"]),
            ("offer", "Biobank of {area} samples", &["Biobanks", "Biomarkers"]),
        ],
        "patient_org" => &[
            ("offer", "Patient panel for {area} study design", &["Patient engagement", "Patient-reported outcomes"]),
            ("offer", "Disease registry in {area}", &["Disease registries", "Real-world data"]),
            (
                "request",
                "Partners who involve patients early in {area}",
                &["Patient engagement", "Clinical trial design"],
            ),
        ],
        "regulator" => &[
            (
                "offer",
                "Regulatory science advice on {area} trial endpoints",
                &["Regulatory science", "Clinical trial design"],
            ),
            ("request", "Real-world evidence methods for {area}", &["Real-world data", "Health technology assessment"]),
        ],
        "funder" => &[
            ("offer", "Funding for {area} public–private partnerships", &["Health economics", "Sustainability"]),
            (
                "request",
                "Consortia with patient involvement in {area}",
                &["Patient engagement", "Patient-reported outcomes"],
            ),
        ],
        _ => &[
            ("offer", "Data standards and FAIR data support for {area} projects", &["Data standards and FAIR data"]),
            (
                "request",
                "Projects in {area} that need data stewardship",
                &["Data standards and FAIR data", "Real-world data"],
            ),
        ],
    }
}

/// `people` are (user id, sector, the questionnaire areas) of the demo event's confirmed
/// participants, the featured one first.
pub fn seed(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    organiser: i64,
    people: &[(i64, String, Vec<&str>)],
) -> Result<Summary, AppError> {
    let mut rng = Rng::new(0x3A7C_2027);
    let settings = SettingsInput {
        enabled: true,
        meeting_minutes: 20,
        tables_count: 25,
        max_meetings: 8,
        cross_sector_bonus: 1.5,
        allow_same_organisation: false,
        request_ttl_hours: 120,
        booking_opens_at: None,
        booking_closes_at: Some(event.starts_at),
        allow_suggested: true,
    };
    service::save_settings(c, event.id, organiser, &settings)?;
    let day2 = event.local(event.starts_at).date_naive() + TimeDelta::days(1);
    let at = |h: u32, m: u32| {
        crate::events::model::to_utc(event.tz(), day2.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()))
            .ok_or_else(|| AppError::internal("demo: slot time"))
    };
    service::add_window(c, event.id, organiser, at(9, 30)?, at(12, 30)?, 20)?.map_err(AppError::internal)?;
    service::add_window(c, event.id, organiser, at(14, 0)?, at(16, 20)?, 20)?.map_err(AppError::internal)?;
    let profiles = seed_profiles(c, event, people, &mut rng)?;
    let in_matchmaking: Vec<i64> = people.iter().map(|(u, _, _)| *u).collect();

    // Requests: people ask their best matches; the answers spread over every state.
    let s = service::settings(c, event.id)?;
    let pool = service::pool(c, event.id, &s)?;
    let mut requests = 0;
    let featured = in_matchmaking.first().copied();
    for (i, &from) in in_matchmaking.iter().enumerate() {
        if i > 0 && !rng.chance(0.6) {
            continue;
        }
        let mut wanted: Vec<i64> =
            service::suggestions_for(&pool, from, 6).into_iter().map(|x| x.person.user_id).collect();
        // Others ask the featured participant, so their login shows requests to answer.
        if Some(from) != featured && i % 23 == 1 {
            if let Some(f) = featured {
                wanted.insert(0, f);
            }
        }
        for to in wanted.into_iter().take(1 + rng.below(3)) {
            let msg =
                if rng.chance(0.6) { "Would be great to discuss a joint proposal for the next call." } else { "" };
            let Ok(id) = service::request_meeting(c, base_url, event, from, to, msg)? else { continue };
            requests += 1;
            let incoming_featured = Some(to) == featured;
            let roll = rng.unit();
            if incoming_featured && roll < 0.6 {
                continue; // left pending for the featured login to answer
            }
            if roll < 0.3 {
                continue; // pending
            }
            let answer = service::answer_request(c, base_url, event, id, to, roll < 0.85, Some(&pool))?;
            if let Answer::Gone(msg) = answer {
                return Err(AppError::internal(format!("demo: {msg}")));
            }
        }
    }
    // A few withdrawn and expired ones.
    let pending: Vec<(i64, i64)> = mr::table
        .filter(mr::event_id.eq(event.id).and(mr::status.eq("pending")))
        .order(mr::id)
        .select((mr::id, mr::from_user))
        .load(c)?;
    for (k, (id, from)) in pending.iter().enumerate() {
        if Some(*from) == featured {
            continue;
        }
        match k % 9 {
            0 => {
                service::cancel_request(c, event.id, *id, *from)?;
            }
            4 => {
                diesel::update(mr::table.find(*id))
                    .set((mr::status.eq("expired"), mr::responded_at.eq(Some(now()))))
                    .execute(c)?;
            }
            _ => {}
        }
    }
    let run = service::schedule_all(c, event, organiser)?.map_err(AppError::internal)?;
    super::published::publish(c, base_url, event, organiser)?;
    // One cancellation in the draft (the grid is full, so nothing can move), so "Review and
    // publish" shows what a pending change looks like.
    if let Some(mt) = service::meetings(c, event.id)?.iter().rev().find(|m| m.origin == "suggested") {
        service::cancel_meeting_by_organiser(c, event, organiser, mt.id)?;
    }
    let meetings = super::published::active(c, event.id)?.len();
    Ok(Summary { profiles, requests, meetings, quality: run.quality })
}

/// Gives each of `people` (user id, sector, questionnaire areas; the featured one first) a
/// matchmaking profile: interests, availability with some busy slots, and one to three
/// cooperation opportunities from their sector's templates. Returns how many.
pub fn seed_profiles(
    c: &mut DbConn,
    event: &Event,
    people: &[(i64, String, Vec<&str>)],
    rng: &mut Rng,
) -> Result<usize, AppError> {
    let slots = service::slots(c, event.id)?;
    let topic_id: HashMap<String, i64> = t::table
        .filter(t::event_id.eq(event.id))
        .select((t::name, t::id))
        .load::<(String, i64)>(c)?
        .into_iter()
        .collect();
    let id_of = |name: &str| topic_id.get(name).copied();

    let mut profiles = 0;
    for (i, (uid, sector, areas)) in people.iter().enumerate() {
        let featured = i == 0;
        let area_ids: Vec<i64> = areas.iter().flat_map(|a| area_topics(a).iter()).filter_map(|n| id_of(n)).collect();
        let area_names: Vec<&str> = areas.iter().flat_map(|a| area_topics(a).iter().copied()).collect();
        let tpl = templates(sector);
        let mut interests = area_ids.clone();
        // A capability or two from their sector's templates.
        for _ in 0..2 {
            let (_, _, caps) = *rng.pick(tpl);
            let cap: &str = caps[rng.below(caps.len())];
            if let Some(id) = id_of(cap) {
                interests.push(id);
            }
        }
        let unavailable: Vec<i64> = slots.iter().filter(|_| !featured && rng.chance(0.15)).map(|s| s.id).collect();
        let cap = if rng.chance(0.3) { Some(4 + rng.below(4) as i32) } else { None };
        service::save_profile(
            c,
            event.id,
            *uid,
            &ProfileInput { max_meetings: cap, meet_during_sessions: false, interests, unavailable },
        )?;
        let n = if featured { 3 } else { 1 + rng.below(3) };
        let mut used = Vec::new();
        for k in 0..n {
            let pick = if featured { k % tpl.len() } else { rng.below(tpl.len()) };
            if used.contains(&pick) {
                continue;
            }
            used.push(pick);
            let (kind, title, caps) = tpl[pick];
            let area = if area_names.is_empty() { "Rare diseases" } else { area_names[rng.below(area_names.len())] };
            let mut topics: Vec<i64> = caps.iter().filter_map(|n| id_of(n)).collect();
            topics.extend(id_of(area));
            topics.sort_unstable();
            topics.dedup();
            let input = OpportunityInput {
                kind: if kind == "offer" { "offer" } else { "request" },
                title: title.replace("{area}", &area.to_lowercase()),
                description: String::new(),
                topics,
            };
            service::add_opportunity(c, event.id, *uid, &input)?.map_err(AppError::internal)?;
        }
        profiles += 1;
    }

    Ok(profiles)
}
