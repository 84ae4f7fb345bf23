//! The demonstration programme: two days of plenaries and parallel tracks for the demo
//! networking day, with speakers and some attendees' personal agendas.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::{agenda_sessions as s, rooms, session_signups as su, session_speakers as sp, tracks};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::events::model::{to_utc, Event};

const ROOMS: &[(&str, Option<i32>)] = &[
    ("Auditorium Horta", Some(400)),
    ("Room Magritte", Some(80)),
    ("Room Hergé", Some(60)),
    ("Room Delvaux", Some(40)),
];

const TRACKS: &[(&str, &str)] = &[
    ("Oncology", "#c2410c"),
    ("Neurodegeneration", "#7c3aed"),
    ("Antimicrobial resistance", "#0f766e"),
    ("Vaccines", "#2563eb"),
    ("Real-world data", "#a16207"),
    ("Digital health", "#be185d"),
];

/// (day 0|1, start, minutes, room index or None for all rooms, track index, kind, title, speakers, capacity)
type Row = (
    u8,
    &'static str,
    i64,
    Option<usize>,
    Option<usize>,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    Option<i32>,
);

const PROGRAMME: &[Row] = &[
    (0, "08:30", 60, None, None, "networking", "Registration and welcome coffee", &[], None),
    (
        0,
        "09:30",
        45,
        Some(0),
        None,
        "keynote",
        "Opening keynote: building consortia that deliver for patients",
        &[("Prof. Elena Marchetti", "Karolinska Institutet")],
        None,
    ),
    (
        0,
        "10:15",
        45,
        Some(0),
        None,
        "panel",
        "Panel: what industry seeks from academic partners in 2027",
        &[
            ("Dr. Jonas Weber", "Novaris Pharma"),
            ("Prof. Aoife Byrne", "Trinity College Dublin"),
            ("Marta Kowalska", "European Patients' Forum"),
            ("Dr. Pieter de Vries", "Dutch Medicines Evaluation Board"),
        ],
        None,
    ),
    (0, "11:00", 30, None, None, "break", "Coffee break and poster walk", &[], None),
    (
        0,
        "11:30",
        60,
        Some(1),
        Some(0),
        "talk",
        "Liquid biopsy biomarkers for early detection: what it takes to validate them",
        &[("Dr. Sofia Lindqvist", "Karolinska Institutet"), ("Dr. Marc Dubois", "Gustave Roussy")],
        None,
    ),
    (
        0,
        "11:30",
        60,
        Some(2),
        Some(2),
        "talk",
        "New incentives for antibiotics: pull mechanisms and what they mean for SMEs",
        &[("Dr. Henrik Larsen", "Statens Serum Institut")],
        None,
    ),
    (
        0,
        "11:30",
        60,
        Some(3),
        Some(4),
        "workshop",
        "Workshop: federated analysis of hospital data under the EHDS",
        &[("Dr. Laura Gómez", "Hospital Clínic de Barcelona"), ("Tom Verhoeven", "Datacura BV")],
        Some(30),
    ),
    (0, "12:30", 90, None, None, "networking", "Lunch and one-to-one partnering meetings", &[], None),
    (
        0,
        "14:00",
        60,
        Some(1),
        Some(1),
        "talk",
        "Alzheimer's disease: from amyloid to multi-target strategies",
        &[("Prof. Bart Janssens", "KU Leuven"), ("Dr. Claire Martin", "Institut du Cerveau")],
        None,
    ),
    (
        0,
        "14:00",
        60,
        Some(2),
        Some(3),
        "talk",
        "mRNA beyond COVID-19: platform partnerships for the next pandemic",
        &[("Dr. Katrin Hoffmann", "Paul-Ehrlich-Institut"), ("Dr. Luca Bianchi", "Vaxelia Biotech")],
        None,
    ),
    (
        0,
        "14:00",
        60,
        Some(3),
        Some(5),
        "workshop",
        "Workshop: designing AI tools clinicians will actually use",
        &[("Dr. Nadia Haddad", "Charité – Universitätsmedizin Berlin")],
        Some(30),
    ),
    (0, "15:00", 30, None, None, "break", "Coffee break", &[], None),
    (
        0,
        "15:30",
        60,
        Some(1),
        Some(0),
        "panel",
        "Paediatric cancers: closing the gap between discovery and trials",
        &[
            ("Prof. Ingrid Solberg", "Oslo University Hospital"),
            ("Dr. Ahmed Benali", "Princess Máxima Center"),
            ("Sarah O'Neill", "Childhood Cancer International Europe"),
        ],
        None,
    ),
    (
        0,
        "15:30",
        60,
        Some(2),
        Some(2),
        "talk",
        "Phage therapy and diagnostics: a roadmap for clinical evidence",
        &[("Dr. Paulina Nowak", "Medical University of Warsaw")],
        None,
    ),
    (
        0,
        "15:30",
        60,
        Some(3),
        Some(4),
        "talk",
        "Real-world evidence in regulatory decisions: lessons from DARWIN EU",
        &[("Dr. Francesca Romano", "Erasmus MC")],
        None,
    ),
    (
        0,
        "16:30",
        60,
        Some(0),
        None,
        "networking",
        "Pitch session: ten consortium ideas in three minutes each",
        &[("Dr. Jonas Weber", "Novaris Pharma")],
        None,
    ),
    (0, "17:30", 60, None, None, "networking", "Networking reception", &[], None),
    (1, "08:30", 30, None, None, "networking", "Morning coffee", &[], None),
    (
        1,
        "09:00",
        45,
        Some(0),
        None,
        "keynote",
        "Keynote: the Innovative Health Initiative's next calls",
        &[("Dr. Anne-Marie Lefèvre", "IHI Programme Office")],
        None,
    ),
    (
        1,
        "09:45",
        45,
        Some(0),
        None,
        "panel",
        "Panel: patients as partners from day one",
        &[
            ("Marta Kowalska", "European Patients' Forum"),
            ("Dr. Rui Santos", "Champalimaud Foundation"),
            ("Dr. Eva Schuster", "Rhenova Therapeutics"),
        ],
        None,
    ),
    (1, "10:30", 30, None, None, "break", "Coffee break", &[], None),
    (
        1,
        "11:00",
        60,
        Some(1),
        Some(1),
        "talk",
        "Parkinson's disease cohorts: sharing data across borders",
        &[("Prof. Matteo Ricci", "Università di Milano"), ("Dr. Hanna Virtanen", "University of Helsinki")],
        None,
    ),
    (
        1,
        "11:00",
        60,
        Some(2),
        Some(3),
        "talk",
        "Vaccine hesitancy and trial recruitment: evidence from 12 countries",
        &[("Dr. Chloé Bernard", "Institut Pasteur")],
        None,
    ),
    (
        1,
        "11:00",
        60,
        Some(3),
        Some(5),
        "workshop",
        "Workshop: digital endpoints and wearables in clinical trials",
        &[("Dr. Oskar Nilsson", "Mediverse Analytics AB")],
        Some(25),
    ),
    (1, "12:00", 90, None, None, "networking", "Lunch and one-to-one partnering meetings", &[], None),
    (
        1,
        "13:30",
        60,
        Some(1),
        Some(0),
        "talk",
        "Immuno-oncology combinations: where academic insight meets industry pipelines",
        &[("Prof. Thomas Müller", "German Cancer Research Center (DKFZ)"), ("Dr. Isabel Ferreira", "Lusomed Pharma")],
        None,
    ),
    (
        1,
        "13:30",
        60,
        Some(2),
        Some(2),
        "talk",
        "One Health surveillance of resistant bacteria",
        &[("Dr. Jan Novák", "Charles University")],
        None,
    ),
    (
        1,
        "13:30",
        60,
        Some(3),
        Some(4),
        "workshop",
        "Workshop: writing a convincing data management plan",
        &[("Dr. Laura Gómez", "Hospital Clínic de Barcelona")],
        Some(30),
    ),
    (1, "14:30", 30, None, None, "break", "Coffee break", &[], None),
    (
        1,
        "15:00",
        60,
        Some(1),
        Some(1),
        "panel",
        "Neuroinflammation: shared targets across ALS, MS and Alzheimer's",
        &[
            ("Dr. Claire Martin", "Institut du Cerveau"),
            ("Prof. Bart Janssens", "KU Leuven"),
            ("Dr. Sven Andersson", "NeuroNordic AB"),
        ],
        None,
    ),
    (
        1,
        "15:00",
        60,
        Some(2),
        Some(3),
        "talk",
        "Thermostable vaccine formulations for low-resource settings",
        &[("Dr. Luca Bianchi", "Vaxelia Biotech")],
        None,
    ),
    (
        1,
        "15:00",
        60,
        Some(3),
        Some(5),
        "talk",
        "Regulating AI as a medical device: what notified bodies look for",
        &[("Dr. Pieter de Vries", "Dutch Medicines Evaluation Board")],
        None,
    ),
    (
        1,
        "16:00",
        45,
        Some(0),
        None,
        "keynote",
        "Closing keynote: from a handshake to a funded consortium",
        &[("Prof. Aoife Byrne", "Trinity College Dublin")],
        None,
    ),
    (1, "16:45", 45, None, None, "networking", "Farewell drinks", &[], None),
    (
        0,
        "11:30",
        60,
        Some(0),
        Some(3),
        "talk",
        "Next-generation influenza vaccines: from antigen design to correlates of protection",
        &[("Dr. Katrin Hoffmann", "Paul-Ehrlich-Institut")],
        None,
    ),
    (
        0,
        "14:00",
        60,
        Some(0),
        Some(4),
        "panel",
        "Registries, biobanks and health records: which real-world data answers which question?",
        &[
            ("Dr. Francesca Romano", "Erasmus MC"),
            ("Dr. Hanna Virtanen", "University of Helsinki"),
            ("Tom Verhoeven", "Datacura BV"),
        ],
        None,
    ),
    (
        0,
        "15:30",
        60,
        Some(0),
        Some(5),
        "talk",
        "Digital twins in oncology care pathways",
        &[("Dr. Nadia Haddad", "Charité – Universitätsmedizin Berlin")],
        None,
    ),
    (
        1,
        "11:00",
        60,
        Some(0),
        Some(0),
        "talk",
        "Radioligand therapy: manufacturing and logistics at scale",
        &[("Dr. Isabel Ferreira", "Lusomed Pharma")],
        None,
    ),
    (
        1,
        "13:30",
        60,
        Some(0),
        Some(1),
        "talk",
        "Blood biomarkers for dementia in primary care",
        &[("Dr. Hanna Virtanen", "University of Helsinki")],
        None,
    ),
    (
        1,
        "15:00",
        60,
        Some(0),
        Some(2),
        "panel",
        "AMR public–private partnerships: lessons from ten years of collaboration",
        &[("Dr. Henrik Larsen", "Statens Serum Institut"), ("Dr. Eva Schuster", "Rhenova Therapeutics")],
        None,
    ),
];
const ABSTRACT: &str = "Speakers present the state of the art and the open questions where partners are sought. \
The second half is an open discussion: come with your project ideas, the data or models you can bring, and what you need.";

/// Adds the programme to `event` and, for the first attendees in `attendees`, a few sessions
/// to their personal agendas. Call inside the demo's transaction.
pub fn seed(c: &mut DbConn, event: &Event, attendees: &[i64]) -> Result<usize, AppError> {
    let tz = event.tz();
    let first_day: NaiveDate = event.local(event.starts_at).date_naive();
    let mut room_ids = Vec::new();
    for (i, (name, cap)) in ROOMS.iter().enumerate() {
        let id: i64 = diesel::insert_into(rooms::table)
            .values((
                rooms::event_id.eq(event.id),
                rooms::name.eq(name),
                rooms::capacity.eq(cap),
                rooms::position.eq(i as i32 + 1),
            ))
            .returning(rooms::id)
            .get_result(c)?;
        room_ids.push(id);
    }
    let mut track_ids = Vec::new();
    for (i, (name, colour)) in TRACKS.iter().enumerate() {
        let id: i64 = diesel::insert_into(tracks::table)
            .values((
                tracks::event_id.eq(event.id),
                tracks::name.eq(name),
                tracks::colour.eq(colour),
                tracks::position.eq(i as i32 + 1),
            ))
            .returning(tracks::id)
            .get_result(c)?;
        track_ids.push(id);
    }
    let t = now();
    let mut talks = Vec::new();
    for (day, start, minutes, room, track, kind, title, speakers, capacity) in PROGRAMME {
        let date = first_day + TimeDelta::days(i64::from(*day));
        let local = date.and_time(NaiveTime::parse_from_str(start, "%H:%M").map_err(AppError::internal)?);
        let starts_at = to_utc(tz, local).ok_or_else(|| AppError::internal("demo time does not exist"))?;
        let abstract_text = if speakers.is_empty() { String::new() } else { ABSTRACT.to_string() };
        let id: i64 = diesel::insert_into(s::table)
            .values((
                s::event_id.eq(event.id),
                s::guid.eq(uuid::Uuid::new_v4().to_string()),
                s::title.eq(title),
                s::abstract_text.eq(abstract_text),
                s::kind.eq(kind),
                s::starts_at.eq(starts_at),
                s::ends_at.eq(starts_at + TimeDelta::minutes(*minutes)),
                s::room_id.eq(room.map(|r| room_ids[r])),
                s::track_id.eq(track.map(|k| track_ids[k])),
                s::capacity.eq(capacity),
                s::signup_required.eq(capacity.is_some()),
                s::created_at.eq(t),
                s::updated_at.eq(t),
            ))
            .returning(s::id)
            .get_result(c)?;
        for (i, (name, affiliation)) in speakers.iter().enumerate() {
            diesel::insert_into(sp::table)
                .values((
                    sp::session_id.eq(id),
                    sp::position.eq(i as i32 + 1),
                    sp::name.eq(name),
                    sp::affiliation.eq(affiliation),
                ))
                .execute(c)?;
        }
        if *kind != "break" && track.is_some() {
            talks.push((id, *capacity));
        }
    }
    // Personal agendas: each of the first 60 attendees picks every third parallel session,
    // workshops up to their capacity.
    let mut taken: std::collections::HashMap<i64, i32> = Default::default();
    for (n, user) in attendees.iter().take(60).enumerate() {
        for (k, (session, cap)) in talks.iter().enumerate() {
            if (k + n) % 3 != 0 {
                continue;
            }
            let used = taken.entry(*session).or_default();
            if cap.is_some_and(|cap| *used >= cap) {
                continue;
            }
            *used += 1;
            diesel::insert_into(su::table)
                .values((su::session_id.eq(session), su::user_id.eq(user), su::created_at.eq(t)))
                .execute(c)?;
        }
    }
    super::service::hold_as_now(c, event.id)?;
    Ok(PROGRAMME.len())
}
