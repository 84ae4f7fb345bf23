//! `liaison demo-data`: one large published event for load tests and benchmarks: thousands of
//! confirmed participants, a programme of many sessions with personal agendas, matchmaking
//! profiles and a published meeting schedule. Rows are written directly (no e-mails): it is a
//! fixture, made in seconds, not a simulation of sign-ups.

use chrono::{Datelike, TimeDelta, TimeZone, Weekday};
use diesel::prelude::*;

use super::people::{self, Rng, AREAS};
use crate::accounts::model::Role;
use crate::db::schema::{
    agenda_sessions, outbox, registrations, rooms, session_signups, session_speakers, tracks, users,
};
use crate::db::{now, Db};
use crate::events::model::{to_utc, EventInput, EventStatus};

pub struct Scaled {
    pub slug: String,
    pub participants: usize,
    pub sessions: usize,
    pub meetings: usize,
    pub attendee_email: String,
    pub password: String,
}

const ROOMS: &[&str] = &["Auditorium", "Room Alpha", "Room Beta", "Room Gamma", "Room Delta", "Room Epsilon"];
const TRACKS: &[(&str, &str)] = &[
    ("Oncology", "#b42318"),
    ("Neurodegeneration", "#6941c6"),
    ("Antimicrobial resistance", "#0f7b6c"),
    ("Vaccines", "#1f4e8c"),
    ("Real-world data", "#b54708"),
    ("Digital health and AI", "#344054"),
];

/// Adds the event (slug `scale-<participants>`) unless it exists; returns what it holds.
pub fn seed(db: &Db, participants: usize, sessions: usize) -> anyhow::Result<Scaled> {
    let slug = format!("scale-{participants}");
    let mut c = db.get()?;
    let password = super::readable_password();
    let hash = crate::accounts::password::hash_blocking(&password)?;
    let organiser = super::ensure_organiser(&mut c)?;
    let mut rng = Rng::new(0x5CA1_E000 + participants as u64);
    let people = people::participants(participants);
    let brussels = chrono_tz::Europe::Brussels;
    let t0 = now();
    let mut day1 = brussels.from_utc_datetime(&t0).date_naive() + TimeDelta::days(60);
    while day1.weekday() != Weekday::Tue {
        day1 += TimeDelta::days(1);
    }
    let at = |d: chrono::NaiveDate, h: u32, m: u32| {
        d.and_hms_opt(h, m, 0).and_then(|t| to_utc(brussels, t)).ok_or_else(|| anyhow::anyhow!("scaled demo: time"))
    };
    let day2 = day1 + TimeDelta::days(1);
    let summary = crate::db::write_transaction(&mut c, |c| {
        if crate::events::model::find_by_slug(c, &slug)?.is_some() {
            anyhow::bail!("the event {slug} exists already: this database has this scaled demo");
        }
        let mark: i64 = outbox::table.select(diesel::dsl::max(outbox::id)).first::<Option<i64>>(c)?.unwrap_or(0);
        let event = crate::events::service::create(
            c,
            organiser,
            &EventInput {
                title: format!("Scaled Partnering Forum ({participants} participants)"),
                slug: slug.clone(),
                description: "A large generated event for load tests and benchmarks.".into(),
                venue: "Brussels Expo".into(),
                address: "Place de Belgique 1, 1020 Brussels".into(),
                timezone: "Europe/Brussels".into(),
                starts_at: at(day1, 9, 0)?,
                ends_at: at(day2, 18, 0)?,
                registration_opens_at: None,
                registration_closes_at: None,
                capacity: None,
                requires_approval: false,
                status: EventStatus::Published,
            },
        )?
        .map_err(|_| anyhow::anyhow!("the address {slug} is taken"))?;
        let mut ids = Vec::with_capacity(people.len());
        for (i, p) in people.iter().enumerate() {
            let email = format!("scale{i}.{}", p.email);
            let id: i64 = diesel::insert_into(users::table)
                .values((
                    users::email.eq(&email),
                    users::name.eq(&p.name),
                    users::password_hash.eq(&hash),
                    users::role.eq(Role::Attendee.as_str()),
                    users::email_confirmed_at.eq(Some(t0)),
                    users::organisation.eq(p.organisation),
                    users::sector.eq(p.sector),
                    users::country.eq(p.country),
                    users::job_title.eq(p.job_title),
                    users::bio.eq(&p.bio),
                    users::created_at.eq(t0),
                    users::updated_at.eq(t0),
                ))
                .returning(users::id)
                .get_result(c)?;
            diesel::insert_into(registrations::table)
                .values((
                    registrations::event_id.eq(event.id),
                    registrations::user_id.eq(id),
                    registrations::status.eq("confirmed"),
                    registrations::ical_uid.eq(format!("registration-{}@liaison", uuid::Uuid::new_v4().simple())),
                    registrations::directory_consent.eq(i == 0 || rng.chance(0.9)),
                    registrations::matchmaking_consent.eq(i == 0 || rng.chance(0.9)),
                    registrations::created_at.eq(t0),
                    registrations::updated_at.eq(t0),
                ))
                .execute(c)?;
            ids.push(id);
        }
        // The programme: sessions spread over both days, rooms and tracks.
        let mut room_ids = Vec::new();
        for (i, name) in ROOMS.iter().enumerate() {
            room_ids.push(
                diesel::insert_into(rooms::table)
                    .values((rooms::event_id.eq(event.id), rooms::name.eq(name), rooms::position.eq(i as i32)))
                    .returning(rooms::id)
                    .get_result::<i64>(c)?,
            );
        }
        let mut track_ids = Vec::new();
        for (i, (name, colour)) in TRACKS.iter().enumerate() {
            track_ids.push(
                diesel::insert_into(tracks::table)
                    .values((
                        tracks::event_id.eq(event.id),
                        tracks::name.eq(name),
                        tracks::colour.eq(colour),
                        tracks::position.eq(i as i32),
                    ))
                    .returning(tracks::id)
                    .get_result::<i64>(c)?,
            );
        }
        let per_day_slots = 8; // 45-minute sessions from 09:00 to 17:00
        let mut session_ids = Vec::new();
        for k in 0..sessions {
            let room = k % ROOMS.len();
            let slot = (k / ROOMS.len()) % (2 * per_day_slots);
            let (day, n) = if slot < per_day_slots { (day1, slot) } else { (day2, slot - per_day_slots) };
            let start = at(day, 9, 0)? + TimeDelta::minutes(60 * n as i64);
            let track = k % TRACKS.len();
            let id: i64 = diesel::insert_into(agenda_sessions::table)
                .values((
                    agenda_sessions::event_id.eq(event.id),
                    agenda_sessions::guid.eq(uuid::Uuid::new_v4().to_string()),
                    agenda_sessions::title.eq(format!("{}: session {}", TRACKS[track].0, k + 1)),
                    agenda_sessions::abstract_text.eq("Presentations and discussion on open partnering questions."),
                    agenda_sessions::kind.eq(if k % 7 == 0 { "workshop" } else { "talk" }),
                    agenda_sessions::starts_at.eq(start),
                    agenda_sessions::ends_at.eq(start + TimeDelta::minutes(45)),
                    agenda_sessions::room_id.eq(Some(room_ids[room])),
                    agenda_sessions::track_id.eq(Some(track_ids[track])),
                    agenda_sessions::created_at.eq(t0),
                    agenda_sessions::updated_at.eq(t0),
                ))
                .returning(agenda_sessions::id)
                .get_result(c)?;
            diesel::insert_into(session_speakers::table)
                .values((
                    session_speakers::session_id.eq(id),
                    session_speakers::position.eq(0),
                    session_speakers::name.eq(&people[k % people.len()].name),
                    session_speakers::affiliation.eq(people[k % people.len()].organisation),
                ))
                .execute(c)?;
            session_ids.push(id);
        }
        if !session_ids.is_empty() {
            for &u in &ids {
                let mut chosen: Vec<i64> = (0..4).map(|_| session_ids[rng.below(session_ids.len())]).collect();
                chosen.sort_unstable();
                chosen.dedup();
                for s in chosen {
                    diesel::insert_into(session_signups::table)
                        .values((
                            session_signups::session_id.eq(s),
                            session_signups::user_id.eq(u),
                            session_signups::created_at.eq(t0),
                        ))
                        .execute(c)?;
                }
            }
            // The choices hold the programme as it is now, so later notices say the net change.
            crate::agenda::service::hold_as_now(c, event.id)?;
        }
        // Matchmaking: open, slots on day 2, profiles for the consenting, a published schedule.
        use crate::matchmaking::{demo as mdemo, model::SettingsInput, service as ms};
        let settings = SettingsInput {
            enabled: true,
            meeting_minutes: 20,
            tables_count: (participants / 10).max(5) as i32,
            max_meetings: 8,
            cross_sector_bonus: 1.5,
            allow_same_organisation: false,
            request_ttl_hours: 72,
            booking_opens_at: None,
            booking_closes_at: None,
            allow_suggested: true,
        };
        ms::save_settings(c, event.id, organiser, &settings)?;
        ms::add_window(c, event.id, organiser, at(day2, 9, 0)?, at(day2, 13, 0)?, 20)?.map_err(anyhow::Error::msg)?;
        let consenting: Vec<(i64, bool)> = registrations::table
            .filter(registrations::event_id.eq(event.id))
            .select((registrations::user_id, registrations::matchmaking_consent))
            .load(c)?;
        let mm: Vec<(i64, String, Vec<&str>)> = consenting
            .iter()
            .zip(&people)
            .filter(|((_, ok), _)| *ok)
            .map(|((u, _), p)| (*u, p.sector.to_string(), p.areas.iter().map(|a| AREAS[*a]).collect()))
            .collect();
        mdemo::seed_profiles(c, &event, &mm, &mut rng)?;
        ms::schedule_all(c, &event, organiser)?.map_err(anyhow::Error::msg)?;
        crate::matchmaking::published::publish(c, super::MAIL_BASE, &event, organiser)?;
        let meetings = ms::meetings(c, event.id)?.len();
        // The addresses are invented: none of the queued e-mails may go out.
        diesel::delete(outbox::table.filter(outbox::id.gt(mark))).execute(c)?;
        Ok(Scaled {
            slug: slug.clone(),
            participants: ids.len(),
            sessions: session_ids.len(),
            meetings,
            attendee_email: format!("scale0.{}", people[0].email),
            password: password.clone(),
        })
    })?;
    Ok(summary)
}
