//! Matchmaking through the real server: profiles and opportunities, explained suggestions,
//! the directory and its privacy, meeting requests answered from the e-mailed links, meetings
//! placed at once and never double-booked under concurrency, the organisers' scheduler, grid
//! and publishing, request expiry and digests, authorisation, bad input, and the scheduler CLI.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use diesel::prelude::*;
use futures_util::future::join_all;
use icalendar::{Component, EventLike};
use liaison::db::schema::{
    match_settings, meeting_requests as mr, meeting_seats, meeting_slots, meetings, opportunities, outbox, topics,
    unavailability,
};

use crate::support::*;

fn year() -> i32 {
    chrono::Utc::now().year() + 1
}

/// A local time in Brussels on day `day` of next June, as typed into the forms.
pub(crate) fn at(day: u32, hm: &str) -> String {
    format!("{}-06-{day:02}T{hm}", year())
}

pub(crate) struct Ev {
    pub id: i64,
    pub slug: String,
}

impl Ev {
    pub fn org(&self, rest: &str) -> String {
        format!("/organise/events/{}{rest}", self.id)
    }
    pub fn public(&self, rest: &str) -> String {
        format!("/events/{}{rest}", self.slug)
    }
}

pub(crate) async fn create_event(org: &Client, title: &str) -> Ev {
    let slug = format!("mm-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let (starts, ends) = (at(10, "08:30"), at(11, "18:00"));
    let r = org
        .post(
            "/organise/events/new",
            &[
                ("title", title),
                ("slug", &slug),
                ("description", "Partnering day."),
                ("venue", "Palais"),
                ("address", "Brussels"),
                ("timezone", "Europe/Brussels"),
                ("starts_at", &starts),
                ("ends_at", &ends),
                ("registration_opens_at", ""),
                ("registration_closes_at", ""),
                ("capacity", ""),
                ("status", "published"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "create event: {}", r.body);
    let id = r.location().strip_prefix("/organise/events/").and_then(|s| s.parse().ok()).expect("event id");
    Ev { id, slug }
}

/// Opens matchmaking with `tables` tables and the slots of `windows` (local times).
pub(crate) async fn open_matchmaking(org: &Client, ev: &Ev, tables: &str, max: &str, windows: &[(String, String)]) {
    let r = org
        .post(
            &ev.org("/matchmaking"),
            &[
                ("enabled", "on"),
                ("allow_suggested", "on"),
                ("meeting_minutes", "30"),
                ("tables_count", tables),
                ("max_meetings", max),
                ("cross_sector_bonus", "1"),
                ("request_ttl_hours", "48"),
                ("booking_opens_at", ""),
                ("booking_closes_at", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "settings: {}", r.body);
    for (s, e) in windows {
        let r = org.post(&ev.org("/matchmaking/slots"), &[("window_start", s), ("window_end", e)]).await;
        assert_eq!(r.status, 303, "window: {}", r.body);
    }
}

/// A confirmed participant with the given consents, logged in.
pub(crate) async fn participant(
    app: &TestApp,
    ev: &Ev,
    name: &str,
    org: &str,
    sector: &str,
    directory: bool,
    matchmaking: bool,
) -> (i64, String, Client) {
    let addr = email(&name.to_lowercase().replace(' ', "."));
    let uid = app.insert_user(name, &addr, "attendee", org, sector, "BE");
    app.insert_registration(ev.id, uid, directory, matchmaking);
    let c = app.client();
    assert_eq!(c.login(&addr, PASSWORD).await.status, 303);
    (uid, addr, c)
}

pub(crate) fn topic(app: &TestApp, ev: &Ev, name: &str) -> String {
    app.with_conn(|c| {
        topics::table
            .filter(topics::event_id.eq(ev.id).and(topics::name.eq(name)))
            .select(topics::id)
            .first::<i64>(c)
            .expect(name)
            .to_string()
    })
}

pub(crate) async fn add_opportunity(c: &Client, ev: &Ev, kind: &str, title: &str, topic_ids: &[&str]) {
    let mut f = vec![("kind", kind), ("title", title), ("description", "")];
    f.extend(topic_ids.iter().map(|t| ("topics", *t)));
    let r = c.post(&ev.public("/matchmaking/opportunities"), &f).await;
    assert_eq!(r.status, 303, "opportunity: {}", r.body);
}

pub(crate) fn meetings_of(app: &TestApp, ev: &Ev) -> Vec<(i64, i64, i32, i64, i64, String, bool)> {
    app.with_conn(|c| {
        meetings::table
            .filter(meetings::event_id.eq(ev.id))
            .order(meetings::id)
            .select((
                meetings::id,
                meetings::slot_id,
                meetings::table_no,
                meetings::a_user,
                meetings::b_user,
                meetings::origin,
                meetings::locked,
            ))
            .load(c)
            .expect("meetings")
    })
}

/// Nobody twice in a slot, no table twice in a slot, no pair twice, nobody over `cap`,
/// nobody in a slot they marked unavailable, and a seat row for each person of each meeting.
fn assert_feasible(app: &TestApp, ev: &Ev, tables: i32, cap: usize) {
    let ms = meetings_of(app, ev);
    let mut seat = BTreeSet::new();
    let mut table = BTreeSet::new();
    let mut pairs = BTreeSet::new();
    let mut count: BTreeMap<i64, usize> = BTreeMap::new();
    let unavailable: BTreeSet<(i64, i64)> = app.with_conn(|c| {
        unavailability::table
            .select((unavailability::slot_id, unavailability::user_id))
            .load::<(i64, i64)>(c)
            .expect("un")
            .into_iter()
            .collect()
    });
    for (_, slot, t, a, b, _, _) in &ms {
        assert!(a < b);
        assert!(*t >= 1 && *t <= tables, "table {t} of {tables}");
        assert!(seat.insert((*slot, *a)) && seat.insert((*slot, *b)), "someone twice in slot {slot}");
        assert!(table.insert((*slot, *t)), "table {t} twice in slot {slot}");
        assert!(pairs.insert((*a, *b)), "pair twice");
        assert!(!unavailable.contains(&(*slot, *a)) && !unavailable.contains(&(*slot, *b)), "outside availability");
        *count.entry(*a).or_default() += 1;
        *count.entry(*b).or_default() += 1;
    }
    assert!(count.values().all(|n| *n <= cap), "over the cap: {count:?}");
    let seats: i64 = app.with_conn(|c| meeting_seats::table.count().get_result(c).expect("seats"));
    assert_eq!(seats as usize, 2 * ms.len());
}

// ---------------------------------------------------------------- the whole flow

#[actix_web::test]
async fn profiles_give_explained_matches_and_an_accepted_request_is_placed_at_once() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Oncology Partnering").await;
    open_matchmaking(&org, &ev, "5", "6", &[(at(11, "09:00"), at(11, "11:00"))]).await;
    assert_eq!(app.with_conn(|c| meeting_slots::table.count().get_result::<i64>(c).expect("slots")), 4);

    let (ana_id, ana_addr, ana) = participant(&app, &ev, "Ana Academic", "KU Leuven", "academia", true, true).await;
    let (pia_id, pia_addr, pia) = participant(&app, &ev, "Pia Pharma", "Acme Pharma", "pharma", true, true).await;
    let (_, _, hugo) = participant(&app, &ev, "Hugo Hospital", "UZ Gent", "hospital", true, true).await;
    let (onc, rwe, cpd, models) = (
        topic(&app, &ev, "Oncology"),
        topic(&app, &ev, "Real-world data"),
        topic(&app, &ev, "Compound libraries"),
        topic(&app, &ev, "Preclinical models"),
    );
    // Ana seeks compounds and offers models; Pia offers compounds and seeks models.
    let r = ana
        .post(
            &ev.public("/matchmaking"),
            &[
                ("matchmaking_consent", "on"),
                ("directory_consent", "on"),
                ("about", "Paediatric tumour lab"),
                ("interests", &onc),
                ("max_meetings", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    add_opportunity(&ana, &ev, "request", "Compounds for paediatric glioma screens", &[&cpd, &onc]).await;
    add_opportunity(&ana, &ev, "offer", "Patient-derived glioma organoids", &[&models, &onc]).await;
    add_opportunity(&pia, &ev, "offer", "Kinase inhibitor library", &[&cpd, &onc]).await;
    add_opportunity(&pia, &ev, "request", "Tumour models for target validation", &[&models]).await;
    add_opportunity(&hugo, &ev, "offer", "Oncology registry", &[&rwe]).await;

    let page = ana.get(&ev.public("/matches")).await;
    assert_eq!(page.status, 200);
    let first_id = extract(&page.body, "<li class=\"card match\" id=\"match-", "\"").expect("a match");
    assert_eq!(first_id, pia_id.to_string(), "Pia is the best match");
    let first = extract(&page.body, &format!("id=\"match-{pia_id}\""), "</ul>").expect("her reasons");
    assert!(first.contains("You seek ") && first.contains("compound libraries"), "{first}");
    assert!(first.contains("Kinase inhibitor library"), "the reason names her offer: {first}");
    assert!(first.contains("Cross-sector partnership"), "{first}");
    assert!(!page.body.contains(&pia_addr) && !page.body.contains("@example.org"), "no e-mail addresses");

    // Ana asks; Pia receives the e-mail and answers through its link (after logging in).
    let r =
        ana.post(&format!("/events/{}/people/{pia_id}/request", ev.slug), &[("message", "Let us talk glioma.")]).await;
    assert_eq!((r.status, r.location()), (303, ev.public("/meetings")), "{}", r.body);
    let again = ana.post(&format!("/events/{}/people/{pia_id}/request", ev.slug), &[("message", "")]).await;
    assert_eq!(again.status, 422, "a second request is refused");
    assert!(again.has("already asked"), "{}", again.body);
    let mail = sink.wait_for(&pia_addr, "Meeting request from Ana Academic").await;
    assert!(mail.text.contains("Let us talk glioma."), "{}", mail.text);
    let accept = mail.link(&format!("{}/events/{}/requests/", app.base, ev.slug));
    assert!(accept.ends_with("?answer=accept"), "{accept}");
    let path = &accept[app.base.len()..];
    let anon = app.client().get(path).await;
    assert_eq!(anon.status, 303);
    assert!(anon.location().starts_with("/login?next="), "login first, then back: {}", anon.location());
    let answer_page = pia.get(path).await;
    assert_eq!(answer_page.status, 200);
    assert!(answer_page.has("id=\"accept\""));
    let rid = path.split('/').nth(4).and_then(|s| s.split('?').next()).expect("request id");
    // Ana cannot answer her own request; a stranger cannot see it.
    assert_eq!(ana.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await.status, 404);
    assert_eq!(hugo.get(&ev.public(&format!("/requests/{rid}"))).await.status, 404);
    let r = pia.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await;
    assert_eq!(r.status, 303);
    let ms = meetings_of(&app, &ev);
    assert_eq!(ms.len(), 1, "placed at once");
    assert_eq!((ms[0].3, ms[0].4), (ana_id.min(pia_id), ana_id.max(pia_id)));
    assert_eq!(ms[0].5, "request");
    let accepted = sink.wait_for(&ana_addr, "Pia Pharma accepted your meeting request").await;
    assert!(accepted.text.contains("table 1"), "{}", accepted.text);

    // Both see it in their meetings and their agenda; the personal feed carries it.
    for c in [&ana, &pia] {
        let m = c.get(&ev.public("/meetings")).await;
        assert!(m.has("Table 1"), "{}", m.body);
        let agenda = c.get(&ev.public("/my-agenda")).await;
        assert!(agenda.has("One-to-one meetings") && agenda.has("Table 1"), "{}", agenda.body);
    }
    let agenda = ana.get(&ev.public("/my-agenda")).await;
    let feed = extract(&agenda.body, "readonly value=\"", "\"").expect("feed url");
    let ics = app.client().get(&feed[app.base.len()..]).await;
    let cal: icalendar::Calendar = ics.body.parse().expect("feed parses");
    let meeting = cal
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .find(|e| e.get_summary().is_some_and(|s| s.contains("Pia Pharma")))
        .expect("the meeting is in the feed");
    assert!(meeting.get_location().is_some_and(|l| l.starts_with("Table 1")));
    assert!(meeting.get_uid().is_some_and(|u| u.starts_with("meeting-")));

    // Either side cancels; the other hears of it and the seats are free again.
    let mid = ms[0].0;
    assert_eq!(hugo.post(&ev.public(&format!("/meetings/{mid}/cancel")), &[]).await.status, 404, "not Hugo's");
    assert_eq!(pia.post(&ev.public(&format!("/meetings/{mid}/cancel")), &[]).await.status, 303);
    sink.wait_for(&ana_addr, "Meeting cancelled: Pia Pharma").await;
    assert!(meetings_of(&app, &ev).is_empty());
    assert_eq!(app.with_conn(|c| meeting_seats::table.count().get_result::<i64>(c).expect("seats")), 0);

    // The data export carries the matchmaking profile.
    let export = ana.get("/account/export").await;
    assert_eq!(export.status, 200);
    assert!(export.body.contains("Patient-derived glioma organoids"), "{}", export.body);
}

// ---------------------------------------------------------------- privacy

#[actix_web::test]
async fn only_consenting_people_appear_in_the_directory_and_suggestions_and_no_addresses_are_shown() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Privacy Forum").await;
    open_matchmaking(&org, &ev, "5", "6", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let onc = topic(&app, &ev, "Oncology");
    let (me_id, _, me) = participant(&app, &ev, "Mia Me", "Org A", "academia", true, true).await;
    let (both_id, _, both) = participant(&app, &ev, "Bo Both", "Org B", "pharma", true, true).await;
    let (dir_id, _, dir_only) = participant(&app, &ev, "Dee Directory", "Org C", "pharma", true, false).await;
    let (mm_id, _, mm_only) = participant(&app, &ev, "Max Matchmaking", "Org D", "pharma", false, true).await;
    let (none_id, _, nobody) = participant(&app, &ev, "Nina Nobody", "Org E", "pharma", false, false).await;
    let (same_id, _, same_org) = participant(&app, &ev, "Sam Sameorg", "org a ", "pharma", true, true).await;
    add_opportunity(&me, &ev, "request", "Compounds", &[&onc]).await;
    for c in [&both, &dir_only, &mm_only, &nobody, &same_org] {
        add_opportunity(c, &ev, "offer", "Oncology compounds", &[&onc]).await;
    }
    let dir = me.get(&ev.public("/directory")).await;
    assert_eq!(dir.status, 200);
    for (id, shown) in [(both_id, true), (dir_id, true), (mm_id, false), (none_id, false), (same_id, true)] {
        assert_eq!(dir.has(&format!("id=\"person-{id}\"")), shown, "directory, person {id}");
    }
    let matches = me.get(&ev.public("/matches")).await;
    for (id, shown) in [(both_id, true), (dir_id, false), (mm_id, true), (none_id, false), (same_id, false)] {
        assert_eq!(matches.has(&format!("id=\"match-{id}\"")), shown, "matches, person {id}: {}", matches.body);
    }
    assert!(!dir.body.contains("@example.org") && !matches.body.contains("@example.org"), "no addresses");
    // Nobody's page is reachable for someone who consented to neither.
    assert_eq!(me.get(&ev.public(&format!("/people/{none_id}"))).await.status, 404);
    // Requests only to people in matchmaking, never within one's own organisation.
    let r = me.post(&ev.public(&format!("/people/{dir_id}/request")), &[("message", "")]).await;
    assert_ne!(r.status, 303);
    let r = me.post(&ev.public(&format!("/people/{same_id}/request")), &[("message", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("own organisation"), "{}", r.body);
    let n: i64 = app.with_conn(|c| mr::table.count().get_result(c).expect("requests"));
    assert_eq!(n, 0);
    // Filters: by kind and topic, by search text.
    // (Mia is the one who seeks, but the directory never lists the viewer.)
    let offers = me.get(&ev.public(&format!("/directory?kind=request&topic={onc}"))).await;
    assert!(offers.has("0 participants") && !offers.has(&format!("id=\"person-{both_id}\"")));
    assert!(!offers.has(&format!("id=\"person-{me_id}\"")) && !dir.has(&format!("id=\"person-{me_id}\"")));
    let seekers = both.get(&ev.public(&format!("/directory?kind=request&topic={onc}"))).await;
    assert!(seekers.has(&format!("id=\"person-{me_id}\"")) && !seekers.has(&format!("id=\"person-{both_id}\"")));
    let search = me.get(&ev.public("/directory?q=org+c")).await;
    assert!(search.has(&format!("id=\"person-{dir_id}\"")) && !search.has(&format!("id=\"person-{both_id}\"")));
    // People without a confirmed registration get no matchmaking page.
    let outsider = app.quick_user("Otto Outsider", &email("otto"), "attendee").await;
    for p in ["/matches", "/directory", "/meetings", "/profile"] {
        let r = outsider.get(&ev.public(p)).await;
        assert_eq!(r.status, 403, "{p}");
        assert!(!r.has("Bo Both"));
    }
}

// ---------------------------------------------------------------- concurrency

#[actix_web::test]
async fn accepting_many_requests_at_once_never_double_books_a_person_or_a_table() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Race Forum").await;
    // Two slots with two tables each: room for four meetings in all.
    open_matchmaking(&org, &ev, "2", "8", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let (busy_id, _, busy) = participant(&app, &ev, "Bea Busy", "Org B", "pharma", true, true).await;
    let mut senders = Vec::new();
    for i in 0..6 {
        senders.push(participant(&app, &ev, &format!("Sender {i}"), &format!("Org {i}"), "academia", true, true).await);
    }
    let mut others = Vec::new();
    for i in 0..6 {
        others.push(
            participant(&app, &ev, &format!("Other {i}"), &format!("Other org {i}"), "hospital", true, true).await,
        );
    }
    // Six people ask Bea; six pairs of others ask each other; all answers go at once.
    for (_, _, c) in &senders {
        let r = c.post(&ev.public(&format!("/people/{busy_id}/request")), &[("message", "")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    for (i, (_, _, c)) in others.iter().enumerate().take(3) {
        let to = others[i + 3].0;
        assert_eq!(c.post(&ev.public(&format!("/people/{to}/request")), &[("message", "")]).await.status, 303);
    }
    let reqs: Vec<(i64, i64)> = app.with_conn(|c| mr::table.select((mr::id, mr::to_user)).load(c).expect("requests"));
    let answerers: Vec<(&Client, i64, String)> = {
        let mut v = Vec::new();
        for (rid, to) in &reqs {
            let c = if *to == busy_id { &busy } else { &others.iter().find(|o| o.0 == *to).expect("to").2 };
            v.push((c, *rid, c.csrf().await));
        }
        v
    };
    let pages = join_all(answerers.iter().map(|(c, rid, token)| {
        let path = ev.public(&format!("/requests/{rid}/accept"));
        async move { c.post_raw(&path, &[("csrf_token", token.as_str())]).await }
    }))
    .await;
    assert!(pages.iter().all(|p| p.status == 303), "{:?}", pages.iter().map(|p| p.status).collect::<Vec<_>>());
    let ms = meetings_of(&app, &ev);
    assert_eq!(ms.len(), 4, "every table of both slots is used, and no more");
    // Bea has two slots, but whether both still have a table left depends on who answered first.
    let bea = ms.iter().filter(|m| m.3 == busy_id || m.4 == busy_id).count();
    assert!((1..=2).contains(&bea), "Bea meets at most one person per slot: {bea}");
    assert_feasible(&app, &ev, 2, 8);
    let accepted: i64 =
        app.with_conn(|c| mr::table.filter(mr::status.eq("accepted")).count().get_result(c).expect("n"));
    assert_eq!(accepted, 9, "every request is accepted; the scheduler places the rest later");
}

// ---------------------------------------------------------------- the organisers' scheduler

#[actix_web::test]
async fn schedule_all_keeps_locked_meetings_places_requests_first_and_publishes_with_calendars() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Scheduler Forum").await;
    open_matchmaking(&org, &ev, "3", "3", &[(at(11, "09:00"), at(11, "11:00"))]).await;
    let (onc, cpd, models) =
        (topic(&app, &ev, "Oncology"), topic(&app, &ev, "Compound libraries"), topic(&app, &ev, "Preclinical models"));
    let sectors = ["pharma", "academia", "hospital", "biotech_sme"];
    let mut people = Vec::new();
    for i in 0..12 {
        let p =
            participant(&app, &ev, &format!("Person {i:02}"), &format!("Org {i}"), sectors[i % 4], true, true).await;
        if i % 2 == 0 {
            add_opportunity(&p.2, &ev, "offer", "Compounds", &[&cpd, &onc]).await;
            add_opportunity(&p.2, &ev, "request", "Models", &[&models]).await;
        } else {
            add_opportunity(&p.2, &ev, "offer", "Models", &[&models, &onc]).await;
            add_opportunity(&p.2, &ev, "request", "Compounds", &[&cpd]).await;
        }
        people.push(p);
    }
    // One person is busy in the first slot.
    let first_slot: i64 = app.with_conn(|c| {
        meeting_slots::table.order(meeting_slots::starts_at).select(meeting_slots::id).first(c).expect("slot")
    });
    let all: Vec<String> = app
        .with_conn(|c| meeting_slots::table.select(meeting_slots::id).load::<i64>(c).expect("s"))
        .iter()
        .map(i64::to_string)
        .collect();
    let first = first_slot.to_string();
    let mut f = vec![("matchmaking_consent", "on"), ("directory_consent", "on"), ("about", ""), ("max_meetings", "")];
    f.extend(all.iter().map(|s| ("slot_shown", s.as_str())));
    f.extend(all.iter().filter(|s| **s != first).map(|s| ("available", s.as_str())));
    assert_eq!(people[0].2.post(&ev.public("/matchmaking"), &f).await.status, 303);

    // Two accepted requests with no slot yet: fill the grid by hand first.
    let r = org.post(&ev.org("/meetings/schedule"), &[]).await;
    assert_eq!(r.status, 303);
    let flash = org.get(&ev.org("/meetings")).await;
    assert!(flash.has("of the best possible"), "{}", flash.body);
    assert_feasible(&app, &ev, 3, 3);
    let before = meetings_of(&app, &ev);
    assert!(before.len() >= 8, "the grid is filled: {}", before.len());
    assert!(before.iter().all(|m| m.5 == "suggested"));
    assert!(!before.iter().any(|m| m.1 == first_slot && (m.3 == people[0].0 || m.4 == people[0].0)), "availability");
    // Suggested meetings are invisible to participants until published.
    let p0 = people[0].2.get(&ev.public("/meetings")).await;
    assert!(p0.has("id=\"no-meetings\""), "{}", p0.body);

    // Lock one meeting, move another (which locks it), then run again: both stay.
    let (lock_id, move_id) = (before[0].0, before[1].0);
    assert_eq!(org.post(&ev.org(&format!("/meetings/{lock_id}/lock")), &[("locked", "yes")]).await.status, 303);
    let moved_to = before.iter().find(|m| m.0 == move_id).expect("m").1;
    let free_table = (1..=3).find(|t| !before.iter().any(|m| m.1 == moved_to && m.2 == *t));
    let bad = org
        .post(&ev.org(&format!("/meetings/{move_id}/move")), &[("slot", &moved_to.to_string()), ("table", "9")])
        .await;
    assert_eq!(bad.status, 422, "table out of range");
    assert!(bad.has("Tables are numbered 1 to 3"));
    if let Some(t) = free_table {
        let r = org
            .post(
                &ev.org(&format!("/meetings/{move_id}/move")),
                &[("slot", &moved_to.to_string()), ("table", &t.to_string())],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    // A request accepted after the grid is full waits for the scheduler, which places it first.
    let (a, b) = (&people[2], &people[5]);
    let already = before.iter().any(|m| (m.3, m.4) == (a.0.min(b.0), a.0.max(b.0)));
    if !already {
        assert_eq!(a.2.post(&ev.public(&format!("/people/{}/request", b.0)), &[("message", "")]).await.status, 303);
        let rid: i64 = app.with_conn(|c| mr::table.select(mr::id).first(c).expect("rid"));
        assert_eq!(b.2.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await.status, 303);
    }
    assert_eq!(org.post(&ev.org("/meetings/schedule"), &[]).await.status, 303);
    let after = meetings_of(&app, &ev);
    assert_feasible(&app, &ev, 3, 3);
    assert!(after.iter().any(|m| m.0 == lock_id && m.6), "the locked meeting is kept");
    let kept = before.iter().find(|m| m.0 == lock_id).expect("locked");
    let now_locked = after.iter().find(|m| m.0 == lock_id).expect("locked after");
    assert_eq!((kept.1, kept.2), (now_locked.1, now_locked.2), "in its slot and table");
    assert!(after.iter().any(|m| (m.3, m.4) == (a.0.min(b.0), a.0.max(b.0))), "the accepted request is placed");

    // Publishing mails each person their schedule with one calendar entry per meeting.
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    let with: BTreeSet<i64> = after.iter().flat_map(|m| [m.3, m.4]).collect();
    let p = people.iter().find(|p| with.contains(&p.0)).expect("someone with a meeting");
    let mail = sink.wait_for(&p.1, "Your meeting schedule").await;
    let n = after.iter().filter(|m| m.3 == p.0 || m.4 == p.0).count();
    // Each meeting is listed as new, then in the schedule as it is now.
    assert_eq!(mail.text.matches("• ").count(), if n == 1 { 1 } else { 2 * n }, "{}", mail.text);
    let ics = mail.attachment(".ics").unwrap_or_else(|| panic!("no calendar attached:\n{}", mail.raw));
    let cal: icalendar::Calendar = ics.parse().expect("ics parses");
    assert_eq!(cal.components.iter().filter_map(|c| c.as_event()).count(), n);
    let visible = p.2.get(&ev.public("/meetings")).await;
    assert_eq!(visible.body.matches("id=\"meeting-").count(), n, "published meetings are visible");
    // The dashboard counts them.
    let dash = org.get(&ev.org("/meetings")).await;
    assert!(dash.has(&format!("id=\"meetings-total\">{}<", after.len())), "{}", dash.body);
}

// ---------------------------------------------------------------- expiry and digests

#[actix_web::test]
async fn unanswered_requests_go_into_one_digest_and_expire_with_a_notice() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Expiry Forum").await;
    open_matchmaking(&org, &ev, "2", "4", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let (to_id, to_addr, _) = participant(&app, &ev, "Tara Target", "Org T", "pharma", true, true).await;
    let mut senders = Vec::new();
    for i in 0..2 {
        let p = participant(&app, &ev, &format!("Sender {i}"), &format!("Org {i}"), "academia", true, true).await;
        assert_eq!(p.2.post(&ev.public(&format!("/people/{to_id}/request")), &[("message", "")]).await.status, 303);
        senders.push(p);
    }
    let base = app.base.clone();
    let later = liaison::db::now() + chrono::TimeDelta::hours(1);
    let sent = app.with_conn(|c| liaison::matchmaking::service::send_digests(c, &base, later).expect("digests"));
    assert_eq!(sent, 1, "one digest for both requests");
    let again = app.with_conn(|c| liaison::matchmaking::service::send_digests(c, &base, later).expect("digests"));
    assert_eq!(again, 0, "never twice");
    let digest = sink.wait_for(&to_addr, "Meeting requests waiting for you").await;
    assert!(digest.text.contains("Sender 0") && digest.text.contains("Sender 1"), "{}", digest.text);

    let expired = app.with_conn(|c| {
        liaison::matchmaking::service::expire_due(c, &base, later + chrono::TimeDelta::days(3)).expect("e")
    });
    assert_eq!(expired, 2);
    sink.wait_for(&senders[0].1, "Meeting request expired").await;
    let rid: i64 = app.with_conn(|c| mr::table.select(mr::id).first(c).expect("rid"));
    let tara = app.client();
    assert_eq!(tara.login(&to_addr, PASSWORD).await.status, 303);
    let r = tara.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await;
    assert_eq!(r.status, 303);
    assert!(tara.get(&r.location()).await.has("no longer open"));
    assert!(meetings_of(&app, &ev).is_empty());
}

// ---------------------------------------------------------------- authorisation

#[actix_web::test]
async fn organiser_matchmaking_routes_refuse_everyone_but_the_events_organisers() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("orla"), "organiser").await;
    let ev = create_event(&owner, "Guarded Forum").await;
    open_matchmaking(&owner, &ev, "2", "4", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let (_, _, ac) = participant(&app, &ev, "Al Alpha", "Org A", "pharma", true, true).await;
    let (b, _, bc) = participant(&app, &ev, "Bo Beta", "Org B", "academia", true, true).await;
    assert_eq!(ac.post(&ev.public(&format!("/people/{b}/request")), &[("message", "")]).await.status, 303);
    let rid: i64 = app.with_conn(|c| mr::table.select(mr::id).first(c).expect("rid"));
    assert_eq!(bc.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await.status, 303);
    let mid = meetings_of(&app, &ev)[0].0;
    let slot: i64 = app.with_conn(|c| meeting_slots::table.select(meeting_slots::id).first(c).expect("slot"));
    let tid = topic(&app, &ev, "Oncology");
    let other_org = app.quick_user("Oscar Other", &email("oscar"), "organiser").await;
    let _other_ev = create_event(&other_org, "Other Forum").await;
    let gets = ["/matchmaking", "/meetings"];
    let posts: Vec<(String, Vec<(&str, String)>)> = vec![
        ("/matchmaking".into(), vec![("enabled", "".into()), ("tables_count", "1".into())]),
        ("/matchmaking/slots".into(), vec![("window_start", at(11, "12:00")), ("window_end", at(11, "13:00"))]),
        (format!("/matchmaking/slots/{slot}/delete"), vec![]),
        ("/matchmaking/topics".into(), vec![("name", "Hacked".into()), ("category", "area".into())]),
        (format!("/matchmaking/topics/{tid}"), vec![("name", "Hacked".into())]),
        (format!("/matchmaking/topics/{tid}/delete"), vec![]),
        ("/meetings/schedule".into(), vec![]),
        ("/meetings/publish".into(), vec![]),
        ("/meetings/top-matches".into(), vec![]),
        (format!("/meetings/{mid}/lock"), vec![("locked", "yes".into())]),
        (format!("/meetings/{mid}/move"), vec![("slot", slot.to_string()), ("table", "2".into())]),
        (format!("/meetings/{mid}/cancel"), vec![]),
    ];
    // Everything those routes could change: settings, topics, slots, mail, and each meeting's
    // slot, table and lock.
    let snapshot = |app: &TestApp| {
        let rest = app.with_conn(|c| {
            let s: Vec<(bool, i32)> = match_settings::table
                .select((match_settings::enabled, match_settings::tables_count))
                .load(c)
                .expect("s");
            let t: Vec<(i64, String)> =
                topics::table.select((topics::id, topics::name)).order(topics::id).load(c).expect("t");
            let sl: i64 = meeting_slots::table.count().get_result(c).expect("sl");
            let o: i64 = outbox::table.count().get_result(c).expect("o");
            (s, t, sl, o)
        });
        (rest, meetings_of(app, &ev))
    };
    let before = snapshot(&app);
    let anon = app.client();
    for who in [("anonymous", &anon), ("attendee", &ac), ("other organiser", &other_org)] {
        for g in gets {
            let r = who.1.get(&ev.org(g)).await;
            if who.0 == "anonymous" {
                assert_eq!(r.status, 303, "{g}");
                assert!(r.location().starts_with("/login"));
            } else {
                assert!(r.status == 403 || r.status == 404, "{} GET {g}: {}", who.0, r.status);
                assert!(!r.has("Al Alpha") && !r.has("Bo Beta"));
            }
        }
        for (p, fields) in &posts {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = who.1.post(&ev.org(p), &f).await;
            if who.0 == "anonymous" {
                assert!(r.status == 303 || r.status == 403, "{p}: {}", r.status);
            } else {
                assert!(r.status == 403 || r.status == 404, "{} POST {p}: {}", who.0, r.status);
            }
        }
    }
    assert_eq!(snapshot(&app), before, "nothing changed");
    assert_eq!(before.1.len(), 1, "the meeting is still there");
    // The owner's own pages work.
    assert_eq!(owner.get(&ev.org("/meetings")).await.status, 200);
    assert_eq!(owner.get(&ev.org("/matchmaking")).await.status, 200);
}

// ---------------------------------------------------------------- bad input

#[actix_web::test]
async fn bad_input_on_every_matchmaking_form_is_refused_with_a_message_and_stores_nothing() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Checks Forum").await;
    open_matchmaking(&org, &ev, "2", "4", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let bad_settings: &[(&str, &str, &str)] = &[
        ("tables_count", "0", "between 1 and 5000"),
        ("tables_count", "many", "whole number"),
        ("meeting_minutes", "1", "between 5 and 240"),
        ("max_meetings", "", "whole number"),
        ("cross_sector_bonus", "-2", "between 0 and 100"),
        ("cross_sector_bonus", "NaN", "between 0 and 100"),
        ("request_ttl_hours", "99999999999", "whole number"),
        ("booking_opens_at", "tomorrow", ""),
    ];
    for (field, value, msg) in bad_settings {
        let mut f = vec![
            ("enabled", "on"),
            ("meeting_minutes", "30"),
            ("tables_count", "2"),
            ("max_meetings", "4"),
            ("cross_sector_bonus", "1"),
            ("request_ttl_hours", "48"),
            ("booking_opens_at", ""),
            ("booking_closes_at", ""),
        ];
        for x in f.iter_mut() {
            if x.0 == *field {
                x.1 = value;
            }
        }
        let r = org.post(&ev.org("/matchmaking"), &f).await;
        assert_eq!(r.status, 422, "{field}={value}");
        assert!(r.has(&format!("id=\"{field}-error\"")), "{field}: message beside the field");
        assert!(r.has(msg), "{field}: {msg}");
        assert!(r.has(&format!("value=\"{}\"", value.replace('"', "&#34;"))), "{field}: input kept");
    }
    let tables: i32 =
        app.with_conn(|c| match_settings::table.select(match_settings::tables_count).first(c).expect("t"));
    assert_eq!(tables, 2, "nothing stored");
    let closes_first = [("window_start", at(11, "12:00")), ("window_end", at(11, "11:00"))];
    let outside = [("window_start", at(20, "09:00")), ("window_end", at(20, "10:00"))];
    let garbled = [("window_start", "soon".to_string()), ("window_end", at(11, "10:00"))];
    let overlapping = [("window_start", at(11, "09:00")), ("window_end", at(11, "10:00"))];
    for w in [&closes_first, &outside, &garbled, &overlapping] {
        let f: Vec<(&str, &str)> = w.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = org.post(&ev.org("/matchmaking/slots"), &f).await;
        assert_eq!(r.status, 422, "{w:?}: {}", r.status);
        assert!(r.has("class=\"error-text\""));
    }
    assert_eq!(app.with_conn(|c| meeting_slots::table.count().get_result::<i64>(c).expect("n")), 2);
    for (name, msg) in [
        ("", "give the topic a name"),
        ("Oncology", "already has a topic"),
        (&"x".repeat(200)[..], "under 80 characters"),
    ] {
        let r = org.post(&ev.org("/matchmaking/topics"), &[("name", name), ("category", "area")]).await;
        assert_eq!(r.status, 422, "topic {name:?}");
        assert!(r.body.to_lowercase().contains(&msg.to_lowercase()), "{msg}: {}", r.body);
    }
    let r = org.post(&ev.org("/matchmaking/topics"), &[("name", "Ok"), ("category", "weird")]).await;
    assert_eq!(r.status, 422);

    let (_, _, p) = participant(&app, &ev, "Pat Person", "Org P", "academia", true, true).await;
    let (q_id, _, _) = participant(&app, &ev, "Quinn Q", "Org Q", "pharma", true, true).await;
    let onc = topic(&app, &ev, "Oncology");
    let long = "y".repeat(3000);
    let bad_opps: Vec<Vec<(&str, &str)>> = vec![
        vec![("kind", "offer"), ("title", ""), ("topics", &onc)],
        vec![("kind", "sell"), ("title", "Thing"), ("topics", &onc)],
        vec![("kind", "offer"), ("title", "Thing")],
        vec![("kind", "offer"), ("title", "Thing"), ("topics", "999999")],
        vec![("kind", "offer"), ("title", "Thing"), ("description", &long), ("topics", &onc)],
    ];
    for f in &bad_opps {
        let r = p.post(&ev.public("/matchmaking/opportunities"), f).await;
        assert_eq!(r.status, 422, "{f:?}");
        assert!(r.has("id=\"opportunity-errors\""));
    }
    assert_eq!(app.with_conn(|c| opportunities::table.count().get_result::<i64>(c).expect("n")), 0);
    let r = p.post(&ev.public("/matchmaking"), &[("max_meetings", "99"), ("about", "Kept text")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"max_meetings-error\"") && r.has("Kept text"));
    let r = p.post(&ev.public(&format!("/people/{q_id}/request")), &[("message", &long)]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"message-error\""));
    assert_eq!(app.with_conn(|c| mr::table.count().get_result::<i64>(c).expect("n")), 0);
    for path in ["/requests/abc", "/requests/999999", "/people/999999", "/people/x"] {
        assert_eq!(p.get(&ev.public(path)).await.status, 404, "{path}");
    }
    assert_eq!(p.post(&ev.public("/requests/999999/accept"), &[]).await.status, 404);
    assert_eq!(p.post(&ev.public("/meetings/999999/cancel"), &[]).await.status, 404);
    assert_eq!(org.post(&ev.org("/meetings/999999/lock"), &[("locked", "yes")]).await.status, 404);
    let r = p.get(&ev.public(&format!("/directory?q={}", "z".repeat(300)))).await;
    assert_eq!(r.status, 400);
}

// ---------------------------------------------------------------- the scheduler alone

#[actix_web::test]
async fn the_schedule_command_writes_a_feasible_timetable_and_refuses_bad_instances() {
    use liaison::matchmaking::engine;
    const BIN: &str = env!("CARGO_BIN_EXE_liaison");
    let dir = tempfile::tempdir().expect("dir");
    let input = dir.path().join("instance.json");
    let output = dir.path().join("timetable.json");
    let inst = engine::generate::generate_instance(120, engine::generate::Regime::ScarceTables, 7);
    std::fs::write(&input, serde_json::to_string(&inst).expect("json")).expect("write");
    let out = std::process::Command::new(BIN)
        .args(["schedule", "--input", input.to_str().expect("p"), "--output", output.to_str().expect("p")])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tt: engine::Timetable =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("read")).expect("timetable");
    engine::check_feasible(&inst, &tt).expect("feasible");
    assert!(!tt.meetings.is_empty());
    assert!(tt.quality > 0.9 && tt.quality <= 1.0 + 1e-9, "{}", tt.quality);
    assert!(String::from_utf8_lossy(&out.stderr).contains("of the best possible"));

    std::fs::write(&input, r#"{"slots": 2, "tables_per_slot": 1, "participants": [{"id": "a", "max_meetings": 1, "available_slots": [0]}], "pairs": [{"a": "a", "b": "ghost", "weight": 1}]}"#).expect("w");
    let bad = std::process::Command::new(BIN)
        .args(["schedule", "--input", input.to_str().expect("p")])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    let msg = String::from_utf8_lossy(&bad.stderr);
    assert!(msg.contains("ghost"), "names the unknown participant: {msg}");
    std::fs::write(&input, "{ not json").expect("w");
    let bad = std::process::Command::new(BIN)
        .args(["schedule", "--input", input.to_str().expect("p")])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid instance"));
}

#[actix_web::test]
async fn the_schedule_command_reads_and_writes_group_meetings() {
    use liaison::matchmaking::engine;
    const BIN: &str = env!("CARGO_BIN_EXE_liaison");
    let dir = tempfile::tempdir().expect("dir");
    let input = dir.path().join("instance.json");
    let output = dir.path().join("timetable.json");
    let inst = engine::generate::generate_instance_with_groups(200, engine::generate::Regime::ScarceTime, 3);
    assert!(inst.groups.len() == 20 && inst.rooms.len() == 2);
    std::fs::write(&input, serde_json::to_string(&inst).expect("json")).expect("write");
    let out = std::process::Command::new(BIN)
        .args(["schedule", "--input", input.to_str().expect("p"), "--output", output.to_str().expect("p")])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let tt: engine::Timetable =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("read")).expect("timetable");
    engine::check_feasible(&inst, &tt).expect("feasible");
    assert_eq!(tt.groups_total, 20);
    assert_eq!(tt.groups_scheduled, engine::groups::schedulable_groups(&inst), "every schedulable group placed");
    assert!(tt.group_meetings.iter().all(|g| inst.rooms.iter().any(|r| r.id == g.room)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{} of 20 group meetings", tt.groups_scheduled)), "{stderr}");

    // A group larger than every room is refused with its name.
    let mut bad = inst.clone();
    bad.groups[0].members = inst.participants.iter().take(11).map(|p| p.id.clone()).collect();
    std::fs::write(&input, serde_json::to_string(&bad).expect("json")).expect("w");
    let out = std::process::Command::new(BIN)
        .args(["schedule", "--input", input.to_str().expect("p")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("group meeting \"group1\" has 11 members but the largest room holds"), "{msg}");
}
