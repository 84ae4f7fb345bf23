//! The demo's events and their registrations: an upcoming two-day "Pharma meets Academia" with
//! 200 registrations (some waitlisted, a few cancelled), a smaller AMR partnering day that took
//! place last month, and a draft. Registrations go through `registration::register` and
//! `registration::cancel_own`, so seats, waitlist numbers and promotions are exactly those of
//! real use; their times are then moved back to a simulated history.

use anyhow::{anyhow, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::people::{self, Participant, Rng, AREAS, INFECTIOUS};
use crate::accounts::model::Role;
use crate::db::schema::{audit_log, event_organisers, events, outbox, registrations, users};
use crate::db::{now, DbConn};
use crate::events::model::{to_utc, Event, EventInput, EventStatus};
use crate::events::questions::{self, QuestionForm};
use crate::events::registration::{self, RegStatus, RegisterInput};
use crate::events::service;

/// Base of the links in the e-mails written while seeding; those e-mails are deleted again.
const MAIL_BASE: &str = "http://demo.invalid";

/// Signs the tickets in those e-mails (tickets are derived from the server's key whenever
/// they are shown, so nothing signed with this one is kept).
fn mail_tickets() -> crate::events::ticket::TicketKey {
    crate::events::ticket::TicketKey::derive(MAIL_BASE.as_bytes())
}

/// Participants of the upcoming event.
pub const MAIN_PARTICIPANTS: usize = 200;
/// People who only came to the past event.
const PAST_ONLY: usize = 15;
/// Everyone the demo creates, in the order of `people::participants`.
pub const PARTICIPANTS: usize = MAIN_PARTICIPANTS + PAST_ONLY;
/// Of them, this many also came to the past event.
const PAST_RETURNING: usize = 17;

const MAIN_CAPACITY: i32 = 180;
const PAST_CAPACITY: i32 = 40;

/// What was made, for the line printed at start-up.
pub struct Summary {
    pub main_title: String,
    pub confirmed: i64,
    pub waitlisted: i64,
    pub cancelled: i64,
    pub past_title: String,
    pub past_registrations: usize,
    pub draft_title: String,
    pub participants: usize,
    pub sessions: usize,
    pub matchmaking: crate::matchmaking::demo::Summary,
}

/// One registration or cancellation at a simulated moment.
struct Step {
    at: NaiveDateTime,
    person: usize,
    cancel: bool,
}

/// Fills an empty database. Call inside one transaction, after the organiser account exists.
pub fn seed(c: &mut DbConn, organiser_id: i64, password_hash: &str) -> anyhow::Result<Summary> {
    let t0 = now();
    // Simulated times are derived from this one, in whole seconds like a person's clicks.
    let now_s = t0.with_nanosecond(0).unwrap_or(t0);
    // Every e-mail the seeding writes has an id above this; they are deleted at the end.
    let outbox_mark: i64 = outbox::table.select(diesel::dsl::max(outbox::id)).first::<Option<i64>>(c)?.unwrap_or(0);
    let people = people::participants(PARTICIPANTS);
    let mut rng = Rng::new(0xDE30_2027);

    // ---- plans: who registers (or cancels) when ----
    let brussels = chrono_tz::Europe::Brussels;
    let today = brussels.from_utc_datetime(&t0).date_naive();
    let main_day1 = next_weekday(today + TimeDelta::days(105), Weekday::Tue);
    let main_opens = local(brussels, today - TimeDelta::days(40), 10, 0)?;
    let main_times = spread(&mut rng, brussels, main_opens, now_s - TimeDelta::hours(1), MAIN_PARTICIPANTS, 0.55);
    let mut main_steps: Vec<Step> =
        (0..MAIN_PARTICIPANTS).map(|i| Step { at: main_times[i], person: i, cancel: false }).collect();
    // Two cancel before the event fills up, two after, which gives their seats to the waitlist.
    for (person, at) in [
        (12, (main_times[12] + TimeDelta::days(4)).min(main_times[150])),
        (47, (main_times[47] + TimeDelta::days(6)).min(main_times[160])),
        (31, main_times[191] + TimeDelta::hours(2)),
        (88, main_times[197] + TimeDelta::hours(5)),
    ] {
        main_steps.push(Step { at: at.min(now_s - TimeDelta::minutes(10)), person, cancel: true });
    }
    main_steps.sort_by_key(|s| s.at);

    let stockholm = chrono_tz::Europe::Stockholm;
    let past_day = prev_weekday(stockholm.from_utc_datetime(&t0).date_naive() - TimeDelta::days(35), Weekday::Thu);
    let (past_starts, past_ends) = (local(stockholm, past_day, 9, 30)?, local(stockholm, past_day, 17, 0)?);
    let past_opens = local(stockholm, past_day - TimeDelta::days(70), 10, 0)?;
    let past_closes = local(stockholm, past_day - TimeDelta::days(2), 23, 59)?;
    // The featured participant, others interested in infections, and people who came only to this one.
    let mut past_people: Vec<usize> = std::iter::once(0)
        .chain((1..MAIN_PARTICIPANTS).filter(|i| people[*i].areas.contains(&INFECTIOUS)))
        .chain(1..MAIN_PARTICIPANTS)
        .fold(Vec::new(), |mut v, i| {
            if v.len() < PAST_RETURNING && !v.contains(&i) {
                v.push(i);
            }
            v
        });
    past_people.extend(MAIN_PARTICIPANTS..PARTICIPANTS);
    shuffle(&mut rng, &mut past_people);
    let past_times = spread(&mut rng, stockholm, past_opens, past_closes - TimeDelta::hours(1), past_people.len(), 0.6);
    let mut past_steps: Vec<Step> =
        past_people.iter().zip(&past_times).map(|(p, at)| Step { at: *at, person: *p, cancel: false }).collect();
    for k in [5, 17] {
        let (person, at) = (past_people[k], past_times[k] + TimeDelta::days(9));
        past_steps.push(Step { at: at.min(past_closes - TimeDelta::hours(2)), person, cancel: true });
    }
    past_steps.sort_by_key(|s| s.at);

    // ---- accounts, each created shortly before its first registration ----
    let mut first_seen = vec![now_s; people.len()];
    for s in main_steps.iter().chain(&past_steps) {
        first_seen[s.person] = first_seen[s.person].min(s.at);
    }
    let mut user_ids = Vec::with_capacity(people.len());
    for (p, seen) in people.iter().zip(&first_seen) {
        let created = *seen - TimeDelta::minutes(3 + rng.below(40) as i64);
        let id: i64 = diesel::insert_into(users::table)
            .values((
                users::email.eq(&p.email),
                users::name.eq(&p.name),
                users::password_hash.eq(password_hash),
                users::role.eq(Role::Attendee.as_str()),
                users::email_confirmed_at.eq(Some(created + TimeDelta::minutes(2))),
                users::organisation.eq(p.organisation),
                users::sector.eq(p.sector),
                users::country.eq(p.country),
                users::job_title.eq(p.job_title),
                users::bio.eq(&p.bio),
                users::created_at.eq(created),
                users::updated_at.eq(created),
            ))
            .returning(users::id)
            .get_result(c)?;
        user_ids.push(id);
    }

    // ---- the upcoming event ----
    let main_day2 = main_day1 + TimeDelta::days(1);
    let main_closes = local(brussels, main_day1 - TimeDelta::days(4), 23, 59)?;
    let main_title = format!("Pharma meets Academia {}", main_day1.year());
    let main = create_event(
        c,
        organiser_id,
        EventInput {
            title: main_title.clone(),
            slug: "pharma-meets-academia".into(),
            description: main_description(brussels.from_utc_datetime(&main_closes)),
            venue: "The Square – Brussels Meeting Centre".into(),
            address: "Mont des Arts, 1000 Brussels, Belgium".into(),
            timezone: "Europe/Brussels".into(),
            starts_at: local(brussels, main_day1, 9, 0)?,
            ends_at: local(brussels, main_day2, 17, 30)?,
            registration_opens_at: Some(main_opens),
            registration_closes_at: Some(main_closes),
            capacity: Some(MAIN_CAPACITY),
            requires_approval: false,
            status: EventStatus::Published,
        },
    )?;
    let q_days = question(
        c,
        main.id,
        "single_choice",
        "Which day(s) will you attend?",
        "Day 1 has the plenaries and pitch sessions; day 2 the one-to-one partnering meetings.",
        &["Both days", "Day 1 only", "Day 2 only"],
        true,
    )?;
    let q_areas = question(
        c,
        main.id,
        "multiple_choice",
        "Which therapeutic areas interest you?",
        "Choose all that apply: we use this to suggest partnering meetings.",
        AREAS,
        true,
    )?;
    let q_looking = question(
        c,
        main.id,
        "short_text",
        "What are you looking for at this event?",
        "One line, e.g. \"an SME partner with organoid models for an IHI proposal\".",
        &[],
        false,
    )?;
    let q_photo = question(c, main.id, "checkbox", "I agree to be photographed during the event", "", &[], false)?;
    // ---- the past event: people register while it is open, then it moves to last month ----
    let past_title = format!("AMR Partnering Day {}", past_day.year());
    let past = create_event(
        c,
        organiser_id,
        EventInput {
            title: past_title.clone(),
            slug: format!("amr-partnering-day-{}", past_day.year()),
            description: PAST_DESCRIPTION.into(),
            venue: "Aula Medica, Karolinska Institutet".into(),
            address: "Nobels väg 6, Solna, Sweden".into(),
            timezone: "Europe/Stockholm".into(),
            starts_at: t0 + TimeDelta::days(30),
            ends_at: t0 + TimeDelta::days(30) + TimeDelta::hours(8),
            registration_opens_at: None,
            registration_closes_at: None,
            capacity: Some(PAST_CAPACITY),
            requires_approval: false,
            status: EventStatus::Published,
        },
    )?;
    let workshops = [
        "Pull incentives and market access for new antibiotics",
        "Diagnostics-guided prescribing",
        "Phage therapy and other alternatives to antibiotics",
        "One Health surveillance",
    ];
    let q_workshop =
        question(c, past.id, "single_choice", "Which afternoon workshop will you join?", "", &workshops, true)?;
    run_steps(c, t0, past.id, &past_steps, &people, &user_ids, |_, _| {
        let directory = rng.chance(0.9);
        (vec![(q_workshop, rng.pick(&workshops).to_string())], directory, directory && rng.chance(0.9))
    })?;
    diesel::update(events::table.find(past.id))
        .set((
            events::starts_at.eq(past_starts),
            events::ends_at.eq(past_ends),
            events::registration_opens_at.eq(Some(past_opens)),
            events::registration_closes_at.eq(Some(past_closes)),
            events::status.eq(EventStatus::Closed.as_str()),
        ))
        .execute(c)?;
    backdate_event(c, past.id, past_opens - TimeDelta::days(5), past_ends + TimeDelta::days(2))?;
    // Most of those confirmed were checked in at the door.
    let confirmed: Vec<i64> = registrations::table
        .filter(registrations::event_id.eq(past.id).and(registrations::status.eq(RegStatus::Confirmed.as_str())))
        .order(registrations::id)
        .select(registrations::id)
        .load(c)?;
    for id in confirmed {
        if rng.chance(0.87) {
            let at = past_starts - TimeDelta::minutes(45) + TimeDelta::minutes(rng.below(100) as i64);
            diesel::update(registrations::table.find(id))
                .set((registrations::attended_at.eq(Some(at)), registrations::updated_at.eq(at)))
                .execute(c)?;
        }
    }

    // ---- registrations for the upcoming event, after the past event's (history runs in order) ----
    let mut answers_rng = Rng::new(0xA115_2027);
    run_steps(c, t0, main.id, &main_steps, &people, &user_ids, |p, person| {
        let r = &mut answers_rng;
        let featured = person == 0;
        let mut answers = vec![
            (q_days, ["Both days", "Day 1 only", "Day 2 only"][r.weighted(&[70, 15, 15])].to_string()),
            (q_areas, p.areas.iter().map(|a| AREAS[*a]).collect::<Vec<_>>().join("\n")),
        ];
        if featured || r.chance(0.65) {
            answers.push((q_looking, p.looking_for.clone()));
        }
        if featured || r.chance(0.8) {
            answers.push((q_photo, "yes".into()));
        }
        let directory = featured || r.chance(0.9);
        (answers, directory, directory && (featured || r.chance(0.92)))
    })?;
    backdate_event(c, main.id, main_opens - TimeDelta::days(2), main_opens - TimeDelta::days(1))?;

    // ---- the programme and the matchmaking of the upcoming event ----
    let confirmed: Vec<(i64, bool)> = registrations::table
        .filter(registrations::event_id.eq(main.id).and(registrations::status.eq(RegStatus::Confirmed.as_str())))
        .order(registrations::id)
        .select((registrations::user_id, registrations::matchmaking_consent))
        .load(c)?;
    let attendee_ids: Vec<i64> = confirmed.iter().map(|(u, _)| *u).collect();
    let sessions = crate::agenda::demo::seed(c, &main, &attendee_ids)?;
    let index_of: std::collections::HashMap<i64, usize> = user_ids.iter().enumerate().map(|(i, u)| (*u, i)).collect();
    let mut matchmakers: Vec<(i64, String, Vec<&str>)> = confirmed
        .iter()
        .filter(|(_, consent)| *consent)
        .filter_map(|(u, _)| {
            let p = &people[*index_of.get(u)?];
            Some((*u, p.sector.to_string(), p.areas.iter().map(|a| AREAS[*a]).collect()))
        })
        .collect();
    // The featured participant first: the demo gives their login requests to answer.
    matchmakers.sort_by_key(|(u, _, _)| *u != user_ids[0]);
    let matchmaking = crate::matchmaking::demo::seed(c, MAIL_BASE, &main, organiser_id, &matchmakers)?;
    // Project ideas: the featured participant coordinates an eligible consortium.
    let mut idea_people = attendee_ids.clone();
    idea_people.sort_by_key(|u| *u != user_ids[0]);
    crate::ideas::demo::seed(c, MAIL_BASE, &main, &idea_people)?;

    // ---- a draft the organiser is still preparing ----
    let amsterdam = chrono_tz::Europe::Amsterdam;
    let draft_day = next_weekday(amsterdam.from_utc_datetime(&t0).date_naive() + TimeDelta::days(230), Weekday::Thu);
    let draft_title = format!("Digital Health & AI Partnering Forum {}", draft_day.year());
    let draft = create_event(
        c,
        organiser_id,
        EventInput {
            title: draft_title.clone(),
            slug: format!("digital-health-ai-forum-{}", draft_day.year()),
            description: DRAFT_DESCRIPTION.into(),
            venue: "Jaarbeurs Utrecht".into(),
            address: "Jaarbeursplein 6, 3521 AL Utrecht, Netherlands".into(),
            timezone: "Europe/Amsterdam".into(),
            starts_at: local(amsterdam, draft_day, 9, 0)?,
            ends_at: local(amsterdam, draft_day, 17, 0)?,
            registration_opens_at: Some(local(amsterdam, draft_day - TimeDelta::days(90), 10, 0)?),
            registration_closes_at: Some(local(amsterdam, draft_day - TimeDelta::days(7), 23, 59)?),
            capacity: Some(150),
            requires_approval: true,
            status: EventStatus::Draft,
        },
    )?;
    backdate_event(c, draft.id, now_s - TimeDelta::days(3), now_s - TimeDelta::days(1))?;

    // The registrations above wrote confirmation, waitlist, cancellation and promotion e-mails
    // to the outbox exactly as real ones do. They must not go out: the addresses are invented
    // (under .example, which cannot receive mail), so delivering them would only fill the logs
    // with failures. Delete them before the mail worker starts.
    diesel::delete(outbox::table.filter(outbox::id.gt(outbox_mark))).execute(c)?;

    let count = |c: &mut DbConn, s: RegStatus| registration::count_with_status(c, main.id, s);
    Ok(Summary {
        confirmed: count(c, RegStatus::Confirmed)?,
        waitlisted: count(c, RegStatus::Waitlisted)?,
        cancelled: count(c, RegStatus::Cancelled)?,
        main_title,
        past_title,
        past_registrations: past_people.len(),
        draft_title,
        participants: people.len(),
        sessions,
        matchmaking,
    })
}

/// Registers and cancels in the order of `steps`, then gives each row the step's time.
/// `answer` gives a person's answers and their directory and matchmaking consents.
fn run_steps(
    c: &mut DbConn,
    t0: NaiveDateTime,
    event_id: i64,
    steps: &[Step],
    people: &[Participant],
    user_ids: &[i64],
    mut answer: impl FnMut(&Participant, usize) -> (questions::Answers, bool, bool),
) -> anyhow::Result<()> {
    let mut reg_ids = std::collections::HashMap::new();
    for step in steps {
        let (p, user_id) = (&people[step.person], user_ids[step.person]);
        if step.cancel {
            let id = *reg_ids.get(&step.person).ok_or_else(|| anyhow!("demo: cancelling before registering"))?;
            registration::cancel_own(c, MAIL_BASE, &mail_tickets(), id, user_id)?;
        } else {
            let (answers, directory_consent, matchmaking_consent) = answer(p, step.person);
            let input = RegisterInput {
                answers,
                directory_consent,
                matchmaking_consent,
                organisation: p.organisation.into(),
                sector: p.sector.into(),
                country: p.country.into(),
                job_title: None,
            };
            match registration::register(c, MAIL_BASE, &mail_tickets(), event_id, user_id, &input)? {
                Ok(done) => {
                    reg_ids.insert(step.person, done.registration.id);
                    diesel::update(registrations::table.find(done.registration.id))
                        .set(registrations::created_at.eq(step.at))
                        .execute(c)?;
                }
                Err(refusal) => bail!("demo registration of {} refused: {}", p.email, refusal.message()),
            }
            diesel::update(users::table.find(user_id)).set(users::updated_at.eq(step.at)).execute(c)?;
        }
        // Every row this step touched (the registration, and on a cancellation the person moved
        // up from the waitlist) carries the real time, later than any simulated one.
        diesel::update(registrations::table.filter(registrations::event_id.eq(event_id)))
            .filter(registrations::updated_at.ge(t0))
            .set(registrations::updated_at.eq(step.at))
            .execute(c)?;
    }
    Ok(())
}

fn create_event(c: &mut DbConn, organiser_id: i64, input: EventInput) -> anyhow::Result<Event> {
    service::create(c, organiser_id, &input)?
        .map_err(|_| anyhow!("demo event {}: the web address is taken", input.slug))
}

/// Moves the event's creation (and its audit entries) back in time.
fn backdate_event(c: &mut DbConn, id: i64, created: NaiveDateTime, updated: NaiveDateTime) -> anyhow::Result<()> {
    diesel::update(events::table.find(id))
        .set((events::created_at.eq(created), events::updated_at.eq(updated)))
        .execute(c)?;
    diesel::update(event_organisers::table.filter(event_organisers::event_id.eq(id)))
        .set(event_organisers::created_at.eq(created))
        .execute(c)?;
    diesel::update(audit_log::table.filter(audit_log::event_id.eq(id)))
        .set(audit_log::created_at.eq(created))
        .execute(c)?;
    Ok(())
}

/// Adds a registration question the way the organiser's form does.
fn question(
    c: &mut DbConn,
    event_id: i64,
    kind: &str,
    label: &str,
    help: &str,
    options: &[&str],
    required: bool,
) -> anyhow::Result<i64> {
    let form = QuestionForm {
        kind: kind.into(),
        label: label.into(),
        help: help.into(),
        options: options.join("\n"),
        required: if required { "on".into() } else { String::new() },
    };
    let input = form.validate().map_err(|e| anyhow!("demo question {label:?}: {e:?}"))?;
    Ok(questions::add(c, event_id, &input)?)
}

/// Wall-clock time in `tz` to UTC.
fn local(tz: Tz, date: NaiveDate, hour: u32, minute: u32) -> anyhow::Result<NaiveDateTime> {
    date.and_hms_opt(hour, minute, 0)
        .and_then(|t| to_utc(tz, t))
        .ok_or_else(|| anyhow!("demo: {date} {hour}:{minute:02} does not exist in {tz}"))
}

fn next_weekday(mut d: NaiveDate, day: Weekday) -> NaiveDate {
    while d.weekday() != day {
        d += TimeDelta::days(1);
    }
    d
}

fn prev_weekday(mut d: NaiveDate, day: Weekday) -> NaiveDate {
    while d.weekday() != day {
        d -= TimeDelta::days(1);
    }
    d
}

fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

/// `n` sorted moments between `from` and `to` as registrations come in: a rush when
/// registration opens, a second wave after the reminder (at `reminder`, a fraction of the
/// window), a steady trickle otherwise; mostly in office hours of `tz`.
fn spread(
    rng: &mut Rng,
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
    n: usize,
    reminder: f64,
) -> Vec<NaiveDateTime> {
    let span = (to - from).num_seconds().max(1) as f64;
    let margin = TimeDelta::minutes(5);
    let mut out: Vec<NaiveDateTime> = (0..n)
        .map(|_| {
            let (r, u) = (rng.unit(), rng.unit());
            let exp = |mean: f64| -mean * (1.0 - u).ln();
            let frac = if r < 0.3 {
                exp(0.04)
            } else if r < 0.5 {
                reminder + exp(0.04)
            } else {
                u
            };
            let instant = from + TimeDelta::seconds((frac.clamp(0.0, 0.999) * span) as i64);
            // Keep the day (mostly a working day), choose a time: 08:00 to 21:00, most around
            // early afternoon.
            let mut day = tz.from_utc_datetime(&instant).date_naive();
            if day.weekday().number_from_monday() > 5 && rng.chance(0.75) {
                day = if rng.chance(0.5) { prev_weekday(day, Weekday::Fri) } else { next_weekday(day, Weekday::Mon) };
            }
            let minutes = 8 * 60 + ((rng.unit() + rng.unit()) * 6.5 * 60.0) as u32;
            let at = day
                .and_hms_opt(minutes / 60, minutes % 60, rng.below(60) as u32)
                .and_then(|t| to_utc(tz, t))
                .unwrap_or(instant);
            at.clamp(from + margin, to - margin)
        })
        .collect();
    out.sort();
    out
}

fn main_description(closes: chrono::DateTime<Tz>) -> String {
    format!(
        "**Pharma meets Academia** is a two-day brokerage event where universities, research institutes, \
hospitals, pharmaceutical companies, SMEs, patient organisations, regulators and funders meet to build \
consortia for the coming public-private calls, such as those of the Innovative Health Initiative (IHI) \
and the health cluster of Horizon Europe.

It is not a conference: most of the time is kept for meeting people. Short pitches on the first day \
show you whom to talk to; one-to-one partnering meetings on the second day turn first contacts into \
project ideas.

## Programme

**Day 1 – Calls, challenges and pitches**

- Plenary: the upcoming call topics, explained by the programme officers
- Panel: what makes a public-private consortium work – lessons from running projects
- Pitch sessions in parallel rooms (three minutes and two slides each): oncology and immunology, \
infectious diseases and AMR, neuroscience and rare diseases, digital health and regulatory science
- Meet the patient organisations: involving patients from the proposal stage
- Networking reception

**Day 2 – Partnering**

- One-to-one partnering meetings of 25 minutes, booked in advance, morning and afternoon
- Clinics over lunch: consortium agreements and IP, budgets, ethics and data protection
- Closing remarks at 17:00

The detailed programme with rooms and speakers is on the [programme page](/events/pharma-meets-academia/agenda).

## Who should attend?

- Academic group leaders and research managers preparing a proposal, or looking to join one
- Pharmaceutical companies looking for academic and SME partners
- Biotech SMEs offering platforms, assays, data or disease models
- Clinicians and clinical research units with patient cohorts or trial networks
- Patient organisations, regulators and HTA bodies who want to be involved early
- Research support staff: grant offices, technology transfer, legal and finance

## How to prepare

1. **Complete your profile** – organisation, sector, country and a short bio. It is what other \
participants see in the directory and when you ask them for a meeting.
2. **Prepare a pitch** if you would like to present a project idea or your expertise: three minutes, \
at most two slides. Pitch slots are given out after registration closes.
3. **Book your meetings** when the partnering platform opens, two weeks before the event. Six to ten \
meetings is a good day.
4. **Bring** a one-page summary of your idea or expertise.

## Practical information

- Taking part is free of charge; lunches, coffee breaks and the reception are included.
- There are {MAIN_CAPACITY} seats. When they are taken you can join the waitlist: a seat that becomes \
free goes to the first person waiting, who is told by e-mail.
- Registration closes on {}. If you can no longer come, please cancel your registration so that \
someone on the waitlist can take your place.
- The venue is a five-minute walk from Brussels Central station.
- Photographs are taken during the plenaries; the registration form asks whether you agree.

*Organised by the European Translational Research Partnership.*",
        closes.format("%A %-d %B %Y at %H:%M")
    )
}

const PAST_DESCRIPTION: &str = "A one-day partnering event on **antimicrobial resistance**: new \
antibiotics and their economics, rapid diagnostics, stewardship, phage therapy and One Health \
surveillance.

- Morning: state of the field and the open call topics, with short pitches by academic groups and SMEs
- Afternoon: four parallel workshops, then one-to-one partnering meetings
- Closing drinks in the atrium

Slides and the list of project ideas presented are available to participants on request.";

const DRAFT_DESCRIPTION: &str = "*Draft – programme and speakers to be confirmed.*

A one-day forum on **digital health and artificial intelligence** in medicines development: \
federated data, digital endpoints, AI in trial design, and what regulators expect.

To do before publishing:

- confirm the keynote speakers
- decide on the number of partnering slots
- add the registration questions";
