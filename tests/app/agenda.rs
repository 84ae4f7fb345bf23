//! The programme: organisers build it (rooms, tracks, sessions), visitors read it (grid, list,
//! session pages), attendees build a personal agenda within session capacities, calendar and
//! conference apps read the exports (checked with real parsers and the frab schemas), and
//! people who chose a session hear about its changes once.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDateTime, TimeZone};
use diesel::prelude::*;
use futures_util::future::join_all;
use icalendar::{Component, EventLike};
use liaison::db::schema::{agenda_sessions as s, rooms, session_signups as su, session_speakers, tracks};

use crate::support::*;

const TZ: &str = "Europe/Brussels";

/// The event takes place next June, so it is always in the future (and in summer time, CEST).
pub(crate) fn year() -> i32 {
    chrono::Utc::now().year() + 1
}

/// "YYYY-06-DDTHH:MM": a local time in the event's zone, as typed into the forms.
pub(crate) fn at(day: u32, hm: &str) -> String {
    format!("{}-06-{day:02}T{hm}", year())
}

/// "Wed 10 Jun": a day of the event as notices and the activity log name it.
pub(crate) fn day_label(day: u32) -> String {
    chrono::NaiveDate::from_ymd_opt(year(), 6, day).expect("date").format("%a %-d %b").to_string()
}

/// The instant of a local time typed in the event's zone.
pub(crate) fn utc_of(local: &str) -> chrono::DateTime<chrono::Utc> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").expect("local time");
    chrono_tz::Europe::Brussels.from_local_datetime(&naive).single().expect("unambiguous").with_timezone(&chrono::Utc)
}

/// Text as the HTML templates write it.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The flash messages (one-time notices) of a page.
pub(crate) fn flashes(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("<div class=\"flash flash-") {
        let after = &rest[i..];
        let start = after.find('>').map(|j| j + 1).unwrap_or(0);
        let end = after.find("</div>").unwrap_or(after.len());
        out.push(after[start..end].to_string());
        rest = &after[end..];
    }
    out
}

// ---------------------------------------------------------------- building a programme

pub(crate) struct Ev {
    pub(crate) id: i64,
    pub(crate) slug: String,
    pub(crate) title: String,
}

impl Ev {
    pub(crate) fn org(&self, rest: &str) -> String {
        format!("/organise/events/{}{rest}", self.id)
    }
    pub(crate) fn public(&self, rest: &str) -> String {
        format!("/events/{}{rest}", self.slug)
    }
}

pub(crate) async fn create_event(org: &Client, title: &str, status: &str) -> Ev {
    let slug = format!("agenda-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let (starts, ends) = (at(10, "08:30"), at(11, "18:00"));
    let r = org
        .post(
            "/organise/events/new",
            &[
                ("title", title),
                ("slug", &slug),
                ("description", "Two days of talks and workshops."),
                ("venue", "Palais des Congrès"),
                ("address", "Place Charles-Quint 1, Brussels"),
                ("timezone", TZ),
                ("starts_at", &starts),
                ("ends_at", &ends),
                ("registration_opens_at", ""),
                ("registration_closes_at", ""),
                ("capacity", ""),
                ("status", status),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "create event: {}", r.body);
    let id = r
        .location()
        .strip_prefix("/organise/events/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("event id in {}", r.location()));
    Ev { id, slug, title: title.to_string() }
}

pub(crate) async fn add_room(app: &TestApp, org: &Client, ev: &Ev, name: &str, capacity: &str) -> i64 {
    let r = org.post(&ev.org("/rooms"), &[("name", name), ("capacity", capacity)]).await;
    assert_eq!(r.status, 303, "add room {name}: {}", r.body);
    let (eid, name) = (ev.id, name.to_string());
    app.with_conn(|c| {
        rooms::table
            .filter(rooms::event_id.eq(eid).and(rooms::name.eq(&name)))
            .select(rooms::id)
            .first(c)
            .expect("room")
    })
}

async fn add_track(app: &TestApp, org: &Client, ev: &Ev, name: &str, colour: &str) -> i64 {
    let r = org.post(&ev.org("/tracks"), &[("name", name), ("colour", colour)]).await;
    assert_eq!(r.status, 303, "add track {name}: {}", r.body);
    let (eid, name) = (ev.id, name.to_string());
    app.with_conn(|c| {
        tracks::table
            .filter(tracks::event_id.eq(eid).and(tracks::name.eq(&name)))
            .select(tracks::id)
            .first(c)
            .expect("track")
    })
}

/// The session form as an organiser fills it in.
#[derive(Clone, Debug)]
pub(crate) struct SessionFields {
    pub(crate) title: String,
    pub(crate) kind: String,
    pub(crate) starts_at: String,
    pub(crate) ends_at: String,
    pub(crate) room_id: String,
    pub(crate) track_id: String,
    pub(crate) capacity: String,
    pub(crate) signup_required: bool,
    pub(crate) speakers: String,
    pub(crate) abstract_text: String,
}

impl SessionFields {
    fn new(kind: &str, title: &str, starts_at: String, ends_at: String) -> Self {
        SessionFields {
            title: title.to_string(),
            kind: kind.to_string(),
            starts_at,
            ends_at,
            room_id: String::new(),
            track_id: String::new(),
            capacity: String::new(),
            signup_required: false,
            speakers: String::new(),
            abstract_text: String::new(),
        }
    }
    pub(crate) fn talk(title: &str, starts_at: String, ends_at: String, room: i64) -> Self {
        let mut f = Self::new("talk", title, starts_at, ends_at);
        f.room_id = room.to_string();
        f.speakers = "Ada Lovelace | KU Leuven".into();
        f
    }
    fn room(mut self, id: i64) -> Self {
        self.room_id = id.to_string();
        self
    }
    fn track(mut self, id: i64) -> Self {
        self.track_id = id.to_string();
        self
    }
    fn capacity(mut self, c: &str) -> Self {
        self.capacity = c.to_string();
        self
    }
    pub(crate) fn speakers(mut self, s: &str) -> Self {
        self.speakers = s.to_string();
        self
    }
    fn abstract_text(mut self, a: &str) -> Self {
        self.abstract_text = a.to_string();
        self
    }
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("title", self.title.clone()),
            ("kind", self.kind.clone()),
            ("starts_at", self.starts_at.clone()),
            ("ends_at", self.ends_at.clone()),
            ("room_id", self.room_id.clone()),
            ("track_id", self.track_id.clone()),
            ("capacity", self.capacity.clone()),
            ("speakers", self.speakers.clone()),
            ("abstract_text", self.abstract_text.clone()),
        ];
        if self.signup_required {
            f.push(("signup_required", "on".into()));
        }
        f
    }
}

pub(crate) async fn post_fields(c: &Client, path: &str, fields: &[(&'static str, String)]) -> Page {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &refs).await
}

pub(crate) fn session_id(app: &TestApp, event_id: i64, title: &str) -> i64 {
    let title = title.to_string();
    app.with_conn(|c| {
        s::table
            .filter(s::event_id.eq(event_id).and(s::title.eq(&title)))
            .order(s::id.desc())
            .select(s::id)
            .first(c)
            .expect("session")
    })
}

pub(crate) async fn create_session(app: &TestApp, org: &Client, ev: &Ev, f: &SessionFields) -> i64 {
    let r = post_fields(org, &ev.org("/sessions/new"), &f.fields()).await;
    assert_eq!(r.status, 303, "create session {}: {}", f.title, r.body);
    assert_eq!(r.location(), ev.org("/agenda"));
    session_id(app, ev.id, f.title.trim())
}

pub(crate) async fn edit_session(org: &Client, ev: &Ev, sid: i64, f: &SessionFields) {
    let r = post_fields(org, &ev.org(&format!("/sessions/{sid}/edit")), &f.fields()).await;
    assert_eq!(r.status, 303, "edit session {}: {}", f.title, r.body);
}

pub(crate) async fn cancel_session(org: &Client, ev: &Ev, sid: i64, cancelled: &str) {
    let r = org.post(&ev.org(&format!("/sessions/{sid}/cancel")), &[("cancelled", cancelled)]).await;
    assert_eq!(r.status, 303, "cancel session: {}", r.body);
}

fn session_count(app: &TestApp, event_id: i64) -> i64 {
    app.with_conn(|c| s::table.filter(s::event_id.eq(event_id)).count().get_result(c).expect("count"))
}

fn signups(app: &TestApp, session: i64) -> i64 {
    app.with_conn(|c| su::table.filter(su::session_id.eq(session)).count().get_result(c).expect("count"))
}

pub(crate) fn guid_of(app: &TestApp, session: i64) -> String {
    app.with_conn(|c| s::table.find(session).select(s::guid).first(c).expect("guid"))
}

/// Registers the logged-in person for the event over HTTP (confirmed: no approval, no limit).
pub(crate) async fn register(c: &Client, ev: &Ev) {
    let r = c
        .post(&ev.public("/register"), &[("organisation", "KU Leuven"), ("sector", "academia"), ("country", "DE")])
        .await;
    assert_eq!(r.status, 303, "registration: {}", r.body);
}

/// A confirmed registration written straight to the database.
fn insert_registration(app: &TestApp, event_id: i64, user_id: i64) {
    app.insert_registration(event_id, user_id, false, false);
}

/// Adds (or removes) a session to the person's agenda; returns the notices on the next page.
pub(crate) async fn choose(c: &Client, ev: &Ev, sid: i64, action: &str) -> Vec<String> {
    let r = c.post(&ev.public(&format!("/sessions/{sid}/{action}")), &[]).await;
    assert_eq!(r.status, 303, "{action}: {}", r.body);
    assert_eq!(r.location(), ev.public("/my-agenda"));
    flashes(&c.get(&r.location()).await.body)
}

/// A comparable picture of an event's programme, to show that nothing changed.
fn snapshot(app: &TestApp, event_id: i64) -> String {
    app.with_conn(|c| {
        let r: Vec<(i64, String, Option<i32>)> = rooms::table
            .filter(rooms::event_id.eq(event_id))
            .order(rooms::id)
            .select((rooms::id, rooms::name, rooms::capacity))
            .load(c)
            .expect("rooms");
        let t: Vec<(i64, String, String)> = tracks::table
            .filter(tracks::event_id.eq(event_id))
            .order(tracks::id)
            .select((tracks::id, tracks::name, tracks::colour))
            .load(c)
            .expect("tracks");
        #[allow(clippy::type_complexity)]
        let ss: Vec<(i64, String, String, i32, NaiveDateTime, Option<i64>, Option<i64>, Option<i32>)> = s::table
            .filter(s::event_id.eq(event_id))
            .order(s::id)
            .select((s::id, s::title, s::status, s::sequence, s::starts_at, s::room_id, s::track_id, s::capacity))
            .load(c)
            .expect("sessions");
        let sp: Vec<(i64, String)> = session_speakers::table
            .inner_join(s::table)
            .filter(s::event_id.eq(event_id))
            .order(session_speakers::id)
            .select((session_speakers::session_id, session_speakers::name))
            .load(c)
            .expect("speakers");
        format!("{r:?}\n{t:?}\n{ss:?}\n{sp:?}")
    })
}

// ---------------------------------------------------------------- 1. building and public pages

#[actix_web::test]
async fn the_programme_shows_as_a_grid_and_a_list_in_the_event_time_zone() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Health Data Forum", "published").await;
    let room_a = add_room(&app, &org, &ev, "Room A", "80").await;
    let room_b = add_room(&app, &org, &ev, "Room B", "").await;
    let onco = add_track(&app, &org, &ev, "Oncology", "#1f4e8c").await;
    let data = add_track(&app, &org, &ev, "Data and Ethics", "#A1B2C3").await;

    let abstract_md = "Why **trust** comes first.\n\n- consent\n- governance\n\n<script>alert('pwned')</script>\n\n[more](javascript:alert(1))";
    let keynote = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::new("keynote", "Opening keynote", at(10, "09:00"), at(10, "10:00"))
            .speakers("Zoë Müller | Université de Genève\nGrace Hopper")
            .abstract_text(abstract_md),
    )
    .await;
    let talk_a = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Federated learning in oncology", at(10, "10:00"), at(10, "10:45"), room_a).track(onco),
    )
    .await;
    let talk_b = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Secondary use of health data", at(10, "10:00"), at(10, "10:45"), room_b).track(data),
    )
    .await;
    let coffee =
        create_session(&app, &org, &ev, &SessionFields::new("break", "Coffee break", at(10, "10:45"), at(10, "11:15")))
            .await;
    let workshop = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::new("workshop", "Hands-on FAIR data", at(11, "09:30"), at(11, "11:00"))
            .room(room_a)
            .track(data),
    )
    .await;

    // The grid of the first day, for anyone.
    let anon = app.client();
    let grid = anon.get(&ev.public("/agenda")).await;
    assert_eq!(grid.status, 200, "{}", grid.body);
    assert!(grid.has("All times are in Europe/Brussels (CEST)."), "zone labelled: {}", grid.body);
    assert!(grid.has("id=\"grid\""), "a time grid");
    assert!(grid.has("<th scope=\"col\">Room A</th><th scope=\"col\">Room B</th>"), "one column per room");
    for t in ["09:00", "10:00", "10:45"] {
        assert!(grid.has(&format!("<th scope=\"row\" class=\"grid-time\">{t}</th>")), "row at {t} local time");
    }
    assert!(!grid.has(">07:00<") && !grid.has("07:00–"), "no UTC times on the page");
    assert!(
        grid.has(&format!("colspan=\"2\" class=\"grid-session kind-keynote\" id=\"session-{keynote}\"")),
        "the keynote without a room spans every room: {}",
        grid.body
    );
    assert!(grid.has(&format!("colspan=\"2\" class=\"grid-session kind-break\" id=\"session-{coffee}\"")));
    assert!(grid.has(&format!("colspan=\"1\" class=\"grid-session kind-talk track-{onco}\" id=\"session-{talk_a}\"")));
    assert!(grid.has(&format!("colspan=\"1\" class=\"grid-session kind-talk track-{data}\" id=\"session-{talk_b}\"")));
    assert!(grid.has("09:00–10:00 · Zoë Müller (Université de Genève), Grace Hopper"), "speakers in the grid");
    assert!(!grid.has("Hands-on FAIR data"), "the second day's session is on its own tab");

    // The second day, by its tab.
    let day2 = format!("{}-06-11", year());
    let page = anon.get(&ev.public(&format!("/agenda?day={day2}"))).await;
    assert_eq!(page.status, 200);
    assert!(page.has(&format!("id=\"session-{workshop}\"")) && page.has("09:30–11:00"));
    assert!(!page.has("Opening keynote"));
    assert_eq!(anon.get(&ev.public("/agenda?day=1999-01-01")).await.status, 404, "a day outside the event");

    // The list view.
    let list = anon.get(&ev.public("/agenda?view=list")).await;
    assert_eq!(list.status, 200);
    assert!(list.has("id=\"sessions\"") && !list.has("id=\"grid\""));
    assert!(list.has("All times are in Europe/Brussels (CEST)."));
    assert!(list.has("<p class=\"session-time\">09:00–10:00</p>"), "{}", list.body);
    assert!(list.has("<p class=\"session-time\">10:00–10:45 · Room A</p>"));
    assert!(list.has("<p class=\"session-time\">10:00–10:45 · Room B</p>"));
    assert!(list.has("<p class=\"session-time\">10:45–11:15</p>"));
    assert!(list.has("Talk · Oncology · Ada Lovelace (KU Leuven)"));

    // The track filter keeps that track's sessions and drops the other track's.
    for view in ["", "&view=list"] {
        let only = anon.get(&ev.public(&format!("/agenda?track={onco}{view}"))).await;
        assert_eq!(only.status, 200);
        assert!(only.has("Federated learning in oncology"), "the track's session stays");
        assert!(!only.has("Secondary use of health data"), "another track's session goes: {}", only.body);
        assert!(!only.has(&format!("id=\"session-{talk_b}\"")));
        // Plenary sessions (no room, no track) belong to every track.
        assert!(only.has(&format!("id=\"session-{keynote}\"")));
    }
    let only_data = anon.get(&ev.public(&format!("/agenda?track={data}&view=list"))).await;
    assert!(only_data.has("Secondary use of health data") && !only_data.has("Federated learning in oncology"));
    assert_eq!(anon.get(&ev.public("/agenda?track=999999")).await.status, 404, "an unknown track");

    // Track colours come as a stylesheet.
    let css = anon.get(&ev.public("/tracks.css")).await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.has(&format!(".track-{onco} {{ border-left-color: #1f4e8c; }}")), "{}", css.body);
    assert!(css.has(&format!(".track-{data} {{ border-left-color: #a1b2c3; }}")), "colours saved in lower case");

    // The session page: speakers, abstract as Markdown, no script.
    let page = anon.get(&ev.public(&format!("/sessions/{keynote}"))).await;
    assert_eq!(page.status, 200);
    assert!(page.has("<h1>Opening keynote"));
    assert!(page.has("09:00–10:00 CEST"), "local time with the zone: {}", page.body);
    assert!(page.has("<dd>Europe/Brussels</dd>"));
    assert!(page.has("<strong>Zoë Müller</strong>, Université de Genève"), "speaker with affiliation");
    assert!(page.has("<strong>Grace Hopper</strong></li>"), "speaker without affiliation");
    assert!(page.has("<strong>trust</strong>") && page.has("<li>consent</li>"), "Markdown rendered: {}", page.body);
    assert!(!page.has("alert("), "script and javascript: links removed");
    assert!(page.has("Log in</a> to build your agenda"));
    let page = anon.get(&ev.public(&format!("/sessions/{talk_a}"))).await;
    assert!(page.has("<dt>Room</dt><dd>Room A</dd>") && page.has("<dt>Track</dt><dd>Oncology</dd>"));
    assert_eq!(anon.get(&ev.public("/sessions/999999")).await.status, 404);
    assert_eq!(anon.get(&ev.public("/sessions/abc")).await.status, 404);

    // The organisers' overview lists every session, with times in the event's zone.
    let overview = org.get(&ev.org("/agenda")).await;
    assert_eq!(overview.status, 200);
    assert!(overview.has("When (Europe/Brussels)"));
    for id in [keynote, talk_a, talk_b, coffee, workshop] {
        assert!(overview.has(&format!("<tr id=\"session-{id}\"")), "session {id} listed");
    }
    assert!(!overview.has("id=\"clash-warning\""), "parallel rooms are no clash");
}

// ---------------------------------------------------------------- 2. validation

#[actix_web::test]
async fn bad_session_room_and_track_forms_are_refused_with_the_input_kept() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Validation Forum", "published").await;
    let room = add_room(&app, &org, &ev, "Auditorium", "").await;
    let track = add_track(&app, &org, &ev, "Oncology", "#1f4e8c").await;
    let good = SessionFields::talk("Kept title", at(10, "10:00"), at(10, "10:45"), room).track(track);
    let new = ev.org("/sessions/new");

    let unknown_speaker = email("nobody");
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Box<dyn Fn(&mut SessionFields)>, String, Vec<String>)> = vec![
        (
            "missing title",
            Box::new(|f| f.title = "   ".into()),
            "Please give the session a title.".into(),
            vec![esc("Ada Lovelace | KU Leuven")],
        ),
        (
            "end before start",
            Box::new(|f| f.ends_at = at(10, "09:00")),
            "The end must be after the start.".into(),
            vec![format!("value=\"{}\"", at(10, "09:00")), "value=\"Kept title\"".into()],
        ),
        (
            "outside the event",
            Box::new(|f| {
                f.starts_at = at(12, "10:00");
                f.ends_at = at(12, "11:00");
            }),
            "Sessions must take place during the event".into(),
            vec![format!("value=\"{}\"", at(12, "10:00")), "value=\"Kept title\"".into()],
        ),
        (
            "unknown room",
            Box::new(|f| f.room_id = "999999".into()),
            "Please choose a room from the list.".into(),
            vec!["value=\"Kept title\"".into()],
        ),
        (
            "unknown kind",
            Box::new(|f| f.kind = "lecture".into()),
            "Please choose a kind of session.".into(),
            vec!["value=\"Kept title\"".into()],
        ),
        (
            "speaker without a name",
            Box::new(|f| f.speakers = "Ada Lovelace | KU Leuven\n | Sorbonne".into()),
            "Line 2: every speaker needs a name.".into(),
            vec![esc(" | Sorbonne")],
        ),
        (
            "unknown participant e-mail",
            {
                let addr = unknown_speaker.clone();
                Box::new(move |f| f.speakers = format!("Ada Lovelace | KU Leuven | {addr}"))
            },
            format!("No participant has the e-mail address {unknown_speaker}"),
            vec![esc(&format!("Ada Lovelace | KU Leuven | {unknown_speaker}"))],
        ),
        (
            "capacity 0",
            Box::new(|f| f.capacity = "0".into()),
            "Give a number from 1 to 100000".into(),
            vec!["value=\"0\"".into()],
        ),
        (
            "negative capacity",
            Box::new(|f| f.capacity = "-5".into()),
            "Give a number from 1 to 100000".into(),
            vec!["value=\"-5\"".into()],
        ),
        (
            "capacity as text",
            Box::new(|f| f.capacity = "ten".into()),
            "Please give a whole number".into(),
            vec!["value=\"ten\"".into()],
        ),
        (
            "keynote without speakers",
            Box::new(|f| {
                f.kind = "keynote".into();
                f.speakers = String::new();
            }),
            "Please name at least one speaker for a keynote, talk or panel.".into(),
            vec!["value=\"Kept title\"".into(), "<option value=\"keynote\" selected>".into()],
        ),
    ];
    for (what, change, message, kept) in &cases {
        let mut f = good.clone();
        change(&mut f);
        let r = post_fields(&org, &new, &f.fields()).await;
        assert_eq!(r.status, 422, "{what}: {}", r.body);
        assert!(r.has(&esc(message)), "{what}: message {message:?} in {}", r.body);
        assert!(r.has("id=\"form-errors\""), "{what}: nothing was saved");
        for k in kept {
            assert!(r.has(k), "{what}: input {k:?} kept in {}", r.body);
        }
        assert_eq!(session_count(&app, ev.id), 0, "{what}: nothing stored");
    }

    // The edit form refuses the same way and keeps the stored session as it was.
    let sid = create_session(&app, &org, &ev, &good).await;
    let before = snapshot(&app, ev.id);
    let mut bad = good.clone();
    bad.title = "Changed title".into();
    bad.ends_at = at(10, "08:00");
    let r = post_fields(&org, &ev.org(&format!("/sessions/{sid}/edit")), &bad.fields()).await;
    assert_eq!(r.status, 422);
    assert!(r.has("The end must be after the start.") && r.has("value=\"Changed title\""));
    assert_eq!(snapshot(&app, ev.id), before, "a refused edit changes nothing");

    // Rooms and tracks.
    let before = snapshot(&app, ev.id);
    let room_cases: [(&str, &str, &str, &str); 3] = [
        ("", "10", "Please give the room a name.", "value=\"10\""),
        ("Auditorium", "", "This event already has one with this name.", "value=\"Auditorium\""),
        ("Side room", "many", "Please give a whole number", "value=\"many\""),
    ];
    for (name, capacity, message, kept) in room_cases {
        let r = org.post(&ev.org("/rooms"), &[("name", name), ("capacity", capacity)]).await;
        assert_eq!(r.status, 422, "room {name:?}/{capacity:?}: {}", r.body);
        assert!(r.has(message), "room: {message}");
        assert!(r.has(kept), "room: input kept");
    }
    let track_cases: [(&str, &str, &str, &str); 4] = [
        ("", "#123456", "Please give the track a name.", "value=\"#123456\""),
        ("Oncology", "#654321", "This event already has one with this name.", "value=\"#654321\""),
        ("Genomics", "blue", "Give the colour as # and six hexadecimal digits", "value=\"blue\""),
        ("Genomics", "#12345g", "Give the colour as # and six hexadecimal digits", "value=\"#12345g\""),
    ];
    for (name, colour, message, kept) in track_cases {
        let r = org.post(&ev.org("/tracks"), &[("name", name), ("colour", colour)]).await;
        assert_eq!(r.status, 422, "track {name:?}/{colour:?}: {}", r.body);
        assert!(r.has(message), "track: {message}");
        assert!(r.has(kept), "track: input kept");
    }
    assert_eq!(snapshot(&app, ev.id), before, "refused rooms and tracks store nothing");
    // Renaming a room or track to a name already taken.
    let other_room = add_room(&app, &org, &ev, "Foyer", "").await;
    let other_track = add_track(&app, &org, &ev, "Genomics", "#00aa00").await;
    let before_renames = snapshot(&app, ev.id);
    let r = org.post(&ev.org(&format!("/rooms/{other_room}")), &[("name", "Auditorium"), ("capacity", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("This event already has one with this name."));
    let r = org.post(&ev.org(&format!("/tracks/{other_track}")), &[("name", "Oncology"), ("colour", "#00aa00")]).await;
    assert_eq!(r.status, 422);
    assert_eq!(snapshot(&app, ev.id), before_renames, "refused renames change nothing");

    // A double-booked room is saved, with a warning and a mark, not refused.
    let clash = SessionFields::talk("Double-booked talk", at(10, "10:15"), at(10, "11:00"), room);
    let r = post_fields(&org, &new, &clash.fields()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let next = org.get(&r.location()).await;
    let notes = flashes(&next.body);
    assert!(
        notes.iter().any(|n| n.contains(&esc(
            "Saved, but note: \"Double-booked talk\" shares its room at the same time with \"Kept title\"."
        ))),
        "warning flash: {notes:?}"
    );
    let clash_id = session_id(&app, ev.id, "Double-booked talk");
    assert!(next.has("id=\"clash-warning\""), "clash summary: {}", next.body);
    assert!(next.has("1 pair of sessions share a room at the same time"));
    assert!(next.has("Same room at the same time as Double-booked talk"), "mark on the first session");
    assert!(next.has("Same room at the same time as Kept title"), "mark on the second session");
    assert!(next.body.find(&format!("id=\"session-{clash_id}\"")).is_some());
    assert_eq!(session_count(&app, ev.id), 2);
    let _ = sid;
}

// ---------------------------------------------------------------- 3. personal agenda

#[actix_web::test]
async fn confirmed_participants_build_a_personal_agenda_within_capacity() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Agenda Forum", "published").await;
    let room_a = add_room(&app, &org, &ev, "Room A", "").await;
    let room_b = add_room(&app, &org, &ev, "Room B", "").await;
    let talk_a = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Parallel talk A", at(10, "10:00"), at(10, "10:45"), room_a),
    )
    .await;
    let talk_b = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Parallel talk B", at(10, "10:30"), at(10, "11:15"), room_b),
    )
    .await;
    let mut ws =
        SessionFields::new("workshop", "Small workshop", at(11, "14:00"), at(11, "15:00")).room(room_a).capacity("1");
    ws.signup_required = true;
    let workshop = create_session(&app, &org, &ev, &ws).await;
    let coffee =
        create_session(&app, &org, &ev, &SessionFields::new("break", "Coffee", at(10, "11:15"), at(10, "11:45"))).await;

    // Anonymous: to the login page, nothing stored.
    let anon = app.client();
    let r = anon.post(&ev.public(&format!("/sessions/{talk_a}/add")), &[]).await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login?next="), "{}", r.location());
    assert_eq!(anon.get(&ev.public("/my-agenda")).await.status, 303);

    // Logged in but not registered: refused with a message.
    let stranger = app.quick_user("Sam Stranger", &email("sam"), "attendee").await;
    let notes = choose(&stranger, &ev, talk_a, "add").await;
    assert_eq!(notes, vec!["Only confirmed participants of the event can build a personal agenda.".to_string()]);
    assert_eq!(signups(&app, talk_a), 0);
    let page = stranger.get(&ev.public(&format!("/sessions/{talk_a}"))).await;
    assert!(page.has("Confirmed participants of the event can add sessions to their agenda."));
    assert!(!page.has(&format!("id=\"add-{talk_a}\"")));
    let mine = stranger.get(&ev.public("/my-agenda")).await;
    assert_eq!(mine.status, 200);
    assert!(mine.has("Your agenda is for confirmed participants") && !mine.has("id=\"feed-url\""));

    // Confirmed: overlapping choices are allowed and flagged.
    let ann = app.quick_user("Ann Attendee", &email("ann"), "attendee").await;
    register(&ann, &ev).await;
    let page = ann.get(&ev.public(&format!("/sessions/{talk_a}"))).await;
    assert!(page.has(&format!("id=\"add-{talk_a}\"")), "an add button: {}", page.body);
    assert_eq!(choose(&ann, &ev, talk_a, "add").await, vec!["Added to your agenda.".to_string()]);
    assert_eq!(choose(&ann, &ev, talk_b, "add").await, vec!["Added to your agenda.".to_string()]);
    assert_eq!(choose(&ann, &ev, talk_a, "add").await, vec!["Added to your agenda.".to_string()], "twice is once");
    assert_eq!(signups(&app, talk_a), 1);
    let notes = choose(&ann, &ev, coffee, "add").await;
    assert_eq!(notes, vec!["This session cannot be added (it is cancelled or a break).".to_string()]);
    assert_eq!(signups(&app, coffee), 0);
    assert_eq!(choose(&ann, &ev, workshop, "add").await, vec!["Added to your agenda.".to_string()]);
    let mine = ann.get(&ev.public("/my-agenda")).await;
    assert_eq!(mine.status, 200);
    assert!(mine.has("id=\"overlap-warning\""), "overlaps flagged: {}", mine.body);
    assert!(mine.has(&format!("<tr id=\"mine-{talk_a}\" class=\"overlap\">")));
    assert!(mine.has(&format!("<tr id=\"mine-{talk_b}\" class=\"overlap\">")));
    assert!(mine.has(&format!("<tr id=\"mine-{workshop}\">")), "the workshop overlaps nothing");
    assert!(mine.has("10:00–10:45") && mine.has("10:30–11:15"), "local times");
    assert!(!mine.has("Coffee"));

    // The workshop's one place is taken: "Full" for the next person, who is refused.
    let bob = app.quick_user("Bob Attendee", &email("bob"), "attendee").await;
    register(&bob, &ev).await;
    let page = bob.get(&ev.public(&format!("/sessions/{workshop}"))).await;
    assert!(page.has("Full (1 places)"), "{}", page.body);
    assert!(page.has(&format!("<span class=\"badge badge-reg-cancelled\" id=\"full-{workshop}\">Full</span>")));
    assert!(!page.has(&format!("id=\"add-{workshop}\"")));
    let day2 = format!("{}-06-11", year());
    let list = bob.get(&ev.public(&format!("/agenda?day={day2}&view=list"))).await;
    assert!(list.has(&format!("id=\"full-{workshop}\">Full</span>")), "Full in the list too");
    assert_eq!(choose(&bob, &ev, workshop, "add").await, vec!["This session is full.".to_string()]);
    assert_eq!(signups(&app, workshop), 1);
    let page = ann.get(&ev.public(&format!("/sessions/{workshop}"))).await;
    assert!(page.has(&format!("id=\"remove-{workshop}\"")), "the holder can remove it");

    // Removing frees the place.
    assert_eq!(choose(&ann, &ev, workshop, "remove").await, vec!["Removed from your agenda.".to_string()]);
    assert_eq!(signups(&app, workshop), 0);
    let mine = ann.get(&ev.public("/my-agenda")).await;
    assert!(!mine.has(&format!("id=\"mine-{workshop}\"")));
    assert!(mine.has(&format!("id=\"mine-{talk_a}\"")));
    let page = bob.get(&ev.public(&format!("/sessions/{workshop}"))).await;
    assert!(page.has("1 of 1 left"), "{}", page.body);
    assert_eq!(choose(&bob, &ev, workshop, "add").await, vec!["Added to your agenda.".to_string()]);
    assert_eq!(signups(&app, workshop), 1);
}

// ---------------------------------------------------------------- 4. exports

fn require_validators() -> bool {
    std::env::var_os("REQUIRE_VALIDATORS").is_some()
}

/// A validator is missing: fail when CI requires them, else say so and skip that step.
fn missing_validator(what: &str) {
    assert!(!require_validators(), "REQUIRE_VALIDATORS is set but {what} is not available");
    eprintln!("SKIP: {what} is not installed; the schema validation step is skipped");
}

fn schema(name: &str) -> String {
    format!("{}/{name}", concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/schemas"))
}

fn have_xmllint() -> bool {
    Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Debian's python3 (what .ci/run installs python3-jsonschema for), else the one on PATH.
fn python_with_jsonschema() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| Command::new(p).args(["-c", "import jsonschema"]).output().is_ok_and(|o| o.status.success()))
}

fn validate_xml(dir: &std::path::Path, xml: &str) {
    let xsd = schema("frab-schedule.xml.xsd");
    assert!(std::path::Path::new(&xsd).exists(), "schema {xsd} missing");
    if !have_xmllint() {
        return missing_validator("xmllint (libxml2-utils)");
    }
    let file = dir.join("schedule.xml");
    std::fs::write(&file, xml).expect("write xml");
    let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(&file).output().expect("xmllint");
    assert!(out.status.success(), "schedule.xml does not validate:\n{}\n{xml}", String::from_utf8_lossy(&out.stderr));
}

fn validate_json(dir: &std::path::Path, json: &str) {
    let schema = schema("frab-schedule.schema.json");
    assert!(std::path::Path::new(&schema).exists(), "schema {schema} missing");
    let Some(python) = python_with_jsonschema() else {
        return missing_validator("python3 with jsonschema (python3-jsonschema)");
    };
    let file = dir.join("schedule.json");
    std::fs::write(&file, json).expect("write json");
    let out = Command::new(python)
        .args(["-c", "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))"])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("python3");
    assert!(out.status.success(), "schedule.json does not validate:\n{}\n{json}", String::from_utf8_lossy(&out.stderr));
}

/// RFC 5545 §3.1: CRLF line ends, lines of at most 75 octets.
fn assert_ics_lines(text: &str) {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"), "{text}");
    for (i, line) in text.strip_suffix("\r\n").unwrap_or(text).split("\r\n").enumerate() {
        assert!(!line.contains(['\r', '\n']), "line {i} has a bare line end: {line:?}");
        assert!(line.len() <= 75, "line {i} has {} octets: {line:?}", line.len());
    }
}

/// The VEVENTs of a feed, by UID.
fn ics_events(text: &str) -> BTreeMap<String, icalendar::Event> {
    let cal: icalendar::Calendar = text.parse().unwrap_or_else(|e| panic!("iCalendar parses: {e}\n{text}"));
    let mut out = BTreeMap::new();
    for e in cal.events() {
        let uid = e.get_uid().expect("UID").to_string();
        assert!(out.insert(uid.clone(), e.clone()).is_none(), "UID {uid} twice");
    }
    out
}

fn utc_start(e: &icalendar::Event) -> chrono::DateTime<chrono::Utc> {
    match e.get_start() {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => t,
        other => panic!("DTSTART in UTC expected, got {other:?}"),
    }
}

#[actix_web::test]
async fn calendar_and_schedule_exports_are_read_by_real_parsers() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Zoë's \"Data & <AI>\" Forum", "published").await;
    let room_a = add_room(&app, &org, &ev, "Salle Zoë & <Müller>", "120").await;
    let room_b = add_room(&app, &org, &ev, "Room \"B\"; annex", "").await;
    let track_data = "Data, Ethics & \"Society\"";
    let data = add_track(&app, &org, &ev, track_data, "#1f4e8c").await;
    let onco = add_track(&app, &org, &ev, "Oncology <rare>", "#aa0000").await;
    let _empty = add_track(&app, &org, &ev, "Empty track Ω", "#00aa00").await;

    let keynote_title =
        "Keynote: \"Trust\" & <Data>; why Zoë Müller's consortium, and others, share — a long title to fold";
    let keynote_abstract =
        "Line one, with a comma; and a semicolon.\n\nÉvaluation des données & <b>bold</b> \\ backslash";
    let keynote = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::new("keynote", keynote_title, at(10, "09:00"), at(10, "10:00"))
            .speakers("Zoë Müller | Université de Genève & CHUV\nJean-Luc Ørsted")
            .abstract_text(keynote_abstract)
            .track(data),
    )
    .await;
    let talk = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Rare <tumours> & \"RWE\"", at(10, "10:00"), at(10, "10:45"), room_a).track(onco),
    )
    .await;
    let panel = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::new("panel", "Panel: données de santé", at(10, "10:00"), at(10, "11:00"))
            .room(room_b)
            .speakers("Ana Şerban | UMF Iași"),
    )
    .await;
    let workshop = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::new("workshop", "Hands-on: FAIR data", at(11, "13:30"), at(11, "15:00")).room(room_a),
    )
    .await;
    let dropped = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::new("networking", "Networking drinks", at(11, "17:00"), at(11, "18:00")),
    )
    .await;
    let titles: BTreeMap<i64, &str> = [
        (keynote, keynote_title),
        (talk, "Rare <tumours> & \"RWE\""),
        (panel, "Panel: données de santé"),
        (workshop, "Hands-on: FAIR data"),
        (dropped, "Networking drinks"),
    ]
    .into_iter()
    .collect();
    let uid = |sid: i64| format!("{}@liaison", guid_of(&app, sid));

    // The public calendar.
    let anon = app.client();
    let r = anon.get(&ev.public("/agenda.ics")).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("text/calendar"), "{}", r.header("content-type"));
    assert_ics_lines(&r.body);
    let first = ics_events(&r.body);
    assert_eq!(first.len(), titles.len(), "one VEVENT per session");
    for (sid, title) in &titles {
        let e = first.get(&uid(*sid)).unwrap_or_else(|| panic!("UID of session {sid} in {}", r.body));
        assert_eq!(e.get_summary(), Some(*title), "SUMMARY escaped and read back");
        assert!(e.get_timestamp().is_some(), "DTSTAMP");
        assert_eq!(e.get_status(), Some(icalendar::EventStatus::Confirmed));
    }
    let k = &first[&uid(keynote)];
    assert_eq!(utc_start(k), utc_of(&at(10, "09:00")), "DTSTART is the local time entered, in UTC");
    assert_eq!(utc_start(&first[&uid(workshop)]), utc_of(&at(11, "13:30")));
    assert_eq!(
        k.get_end(),
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(utc_of(&at(10, "10:00")))))
    );
    let description = k.get_description().expect("DESCRIPTION");
    assert!(description.contains("Zoë Müller (Université de Genève & CHUV), Jean-Luc Ørsted"), "{description}");
    assert!(description.contains(keynote_abstract), "{description}");
    assert_eq!(first[&uid(talk)].get_location(), Some("Salle Zoë & <Müller>, Palais des Congrès"));
    // Checked at the end, after everything else.
    let categories = k.get_categories();
    let seq0 = k.get_sequence().expect("SEQUENCE");

    // Stable across requests.
    let again = anon.get(&ev.public("/agenda.ics")).await;
    assert_eq!(ics_events(&again.body).keys().collect::<Vec<_>>(), first.keys().collect::<Vec<_>>());

    // An edit raises SEQUENCE, keeps the UID; cancelling sets STATUS:CANCELLED.
    let mut edited = SessionFields::new("keynote", keynote_title, at(10, "09:15"), at(10, "10:00"))
        .speakers("Zoë Müller | Université de Genève & CHUV")
        .abstract_text(keynote_abstract)
        .track(data);
    edited.capacity = "300".into();
    edit_session(&org, &ev, keynote, &edited).await;
    cancel_session(&org, &ev, dropped, "yes").await;
    let after = ics_events(&anon.get(&ev.public("/agenda.ics")).await.body);
    assert_eq!(after.len(), titles.len(), "cancelled sessions stay in the feed, marked");
    let k2 = &after[&uid(keynote)];
    assert!(k2.get_sequence().expect("SEQUENCE") > seq0, "SEQUENCE increases after an edit");
    assert_eq!(utc_start(k2), utc_of(&at(10, "09:15")));
    let d = &after[&uid(dropped)];
    assert_eq!(d.get_status(), Some(icalendar::EventStatus::Cancelled), "STATUS:CANCELLED");
    assert!(d.get_sequence() > first[&uid(dropped)].get_sequence(), "cancelling raises SEQUENCE");
    assert_eq!(after[&uid(talk)].get_sequence(), first[&uid(talk)].get_sequence(), "others unchanged");

    // The personal feed: exactly the person's sessions, no login, secret address.
    let ann = app.quick_user("Ann Attendee", &email("ann"), "attendee").await;
    register(&ann, &ev).await;
    choose(&ann, &ev, talk, "add").await;
    choose(&ann, &ev, workshop, "add").await;
    let bob = app.quick_user("Bob Attendee", &email("bob"), "attendee").await;
    register(&bob, &ev).await;
    choose(&bob, &ev, panel, "add").await;
    let mine = ann.get(&ev.public("/my-agenda")).await;
    let feed = extract(&mine.body, "readonly value=\"", "\"").expect("feed address on my agenda");
    let path = feed.strip_prefix(&app.base).unwrap_or_else(|| panic!("absolute feed URL: {feed}")).to_string();
    assert!(path.starts_with(&ev.public("/calendar/")) && path.ends_with(".ics"), "{path}");
    let r = anon.get(&path).await;
    assert_eq!(r.status, 200, "the feed needs no login");
    assert_ics_lines(&r.body);
    let personal = ics_events(&r.body);
    assert_eq!(
        personal.keys().filter(|k| !k.starts_with("registration-")).cloned().collect::<BTreeSet<_>>(),
        [uid(talk), uid(workshop)].into_iter().collect::<BTreeSet<_>>(),
        "exactly Ann's sessions"
    );
    assert_eq!(personal.len(), 3, "and the event day of her registration");
    assert_eq!(personal[&uid(talk)].get_sequence(), after[&uid(talk)].get_sequence(), "same entries as public");
    let (prefix, token) = path.strip_suffix(".ics").and_then(|p| p.rsplit_once('/')).expect("token");
    let flipped: String = token
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == '0' {
                    '1'
                } else {
                    '0'
                }
            } else {
                c
            }
        })
        .collect();
    assert_eq!(anon.get(&format!("{prefix}/{flipped}.ics")).await.status, 404, "a wrong token");
    assert_eq!(anon.get(&format!("{prefix}/{token}")).await.status, 404, "no .ics");
    let bob_reg: i64 = {
        let mine = bob.get(&ev.public("/my-agenda")).await;
        let url = extract(&mine.body, "readonly value=\"", "\"").expect("bob's feed");
        url.split('/').rev().nth(1).and_then(|s| s.parse().ok()).expect("registration id")
    };
    assert_eq!(
        anon.get(&ev.public(&format!("/calendar/{bob_reg}/{token}.ics"))).await.status,
        404,
        "Ann's token does not open Bob's feed"
    );

    // Renewing the address revokes the old one.
    let r = ann.post(&ev.public("/my-agenda/feed/reset"), &[]).await;
    assert_eq!(r.status, 303);
    let mine = ann.get(&r.location()).await;
    assert!(mine.has("Your calendar address is renewed"));
    let renewed = extract(&mine.body, "readonly value=\"", "\"").expect("new feed address");
    assert_ne!(renewed, feed);
    assert_eq!(anon.get(&path).await.status, 404, "the old address no longer works");
    let r = anon.get(renewed.strip_prefix(&app.base).expect("absolute")).await;
    assert_eq!(r.status, 200);
    assert_eq!(ics_events(&r.body).len(), 3, "two sessions and the registration");

    // frab schedule.xml and schedule.json, validated against the schemas.
    let dir = tempfile::tempdir().expect("tempdir");
    let xml = anon.get(&ev.public("/schedule.xml")).await;
    assert_eq!(xml.status, 200);
    assert!(xml.header("content-type").starts_with("application/xml"));
    assert!(xml.has("<title>Zoë&apos;s &quot;Data &amp; &lt;AI&gt;&quot; Forum</title>"), "{}", xml.body);
    assert!(xml.has("<person id=") && xml.has(">Zoë Müller</person>"));
    assert!(xml.has("<title>Rare &lt;tumours&gt; &amp; &quot;RWE&quot;</title>"));
    assert!(xml.has("name=\"Empty track Ω\""), "the empty track is listed");
    assert!(!xml.has("Networking drinks"), "cancelled sessions are left out of the schedule");
    validate_xml(dir.path(), &xml.body);

    let json = anon.get(&ev.public("/schedule.json")).await;
    assert_eq!(json.status, 200);
    let v: serde_json::Value = serde_json::from_str(&json.body).expect("schedule.json parses");
    let conf = &v["schedule"]["conference"];
    assert_eq!(conf["title"], ev.title.as_str());
    assert_eq!(conf["time_zone_name"], TZ);
    assert_eq!(conf["daysCount"], 2);
    let day1 = &conf["days"][0]["rooms"];
    let in_room_a = day1["Salle Zoë & <Müller>"].as_array().expect("room A on day 1");
    assert_eq!(in_room_a[0]["title"], "Rare <tumours> & \"RWE\"");
    assert_eq!(in_room_a[0]["date"], format!("{}-06-10T10:00:00+02:00", year()), "local time with offset");
    assert_eq!(in_room_a[0]["duration"], "00:45");
    validate_json(dir.path(), &json.body);

    // The organisers' CSV: one row per session, parsed by a CSV reader.
    let csv_page = org.get(&ev.org("/agenda.csv")).await;
    assert_eq!(csv_page.status, 200);
    assert!(csv_page.header("content-type").starts_with("text/csv"));
    let text = csv_page.body.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    assert_eq!(header[..4], ["Day", "Start", "End", "Title"]);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("CSV rows parse");
    assert_eq!(rows.len(), titles.len(), "one row per session");
    let csv_titles: BTreeSet<&str> = rows.iter().map(|r| &r[3]).collect();
    assert_eq!(csv_titles, titles.values().copied().collect::<BTreeSet<_>>());
    let k_row = rows.iter().find(|r| &r[3] == keynote_title).expect("keynote row");
    assert_eq!(&k_row[1], "09:15", "local time");
    assert_eq!(&k_row[7], "Zoë Müller (Université de Genève & CHUV)");
    assert_eq!(&k_row[12], keynote_abstract, "multi-line text survives");
    let d_row = rows.iter().find(|r| &r[3] == "Networking drinks").expect("cancelled row");
    assert_eq!(&d_row[11], "cancelled");
    let t_row = rows.iter().find(|r| &r[3] == "Rare <tumours> & \"RWE\"").expect("talk row");
    assert_eq!(&t_row[10], "1", "chosen by one person");

    assert_eq!(categories, Some(vec![track_data.to_string()]), "CATEGORIES is the track's name");
}

#[actix_web::test]
async fn one_letter_track_names_still_give_valid_frab_schedules() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Short Names Forum", "published").await;
    let room = add_room(&app, &org, &ev, "Hall", "").await;
    let a = add_track(&app, &org, &ev, "A", "#1f4e8c").await;
    let _b = add_track(&app, &org, &ev, "B", "#aa0000").await;
    create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Stream A opening", at(10, "10:00"), at(10, "11:00"), room).track(a),
    )
    .await;
    let anon = app.client();
    let dir = tempfile::tempdir().expect("tempdir");
    let xml = anon.get(&ev.public("/schedule.xml")).await;
    assert_eq!(xml.status, 200);
    let json = anon.get(&ev.public("/schedule.json")).await;
    assert_eq!(json.status, 200);
    validate_xml(dir.path(), &xml.body);
    validate_json(dir.path(), &json.body);
}

// ---------------------------------------------------------------- 5. capacity under concurrency

#[actix_web::test]
async fn sixty_people_racing_for_ten_places_get_exactly_ten() {
    const PEOPLE: usize = 60;
    const PLACES: i64 = 10;
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Race Forum", "published").await;
    let room = add_room(&app, &org, &ev, "Lab", "").await;
    let mut f = SessionFields::new("workshop", "Popular workshop", at(10, "14:00"), at(10, "16:00"))
        .room(room)
        .capacity(&PLACES.to_string());
    f.signup_required = true;
    let sid = create_session(&app, &org, &ev, &f).await;

    let addrs: Vec<String> = (0..PEOPLE).map(|i| email(&format!("racer{i}"))).collect();
    for (i, a) in addrs.iter().enumerate() {
        let uid = app.insert_user(&format!("Racer {i}"), a, "attendee", "Uni", "academia", "DE");
        insert_registration(&app, ev.id, uid);
    }
    let clients: Vec<Client> = (0..PEOPLE).map(|_| app.client()).collect();
    let logins = join_all(clients.iter().zip(&addrs).map(|(c, a)| c.login(a, PASSWORD))).await;
    assert!(logins.iter().all(|r| r.status == 303), "every racer logged in");
    let tokens = join_all(clients.iter().map(|c| c.csrf())).await;

    let path = ev.public(&format!("/sessions/{sid}/add"));
    let answers = join_all(clients.iter().zip(&tokens).map(|(c, t)| {
        let path = &path;
        async move { c.post_raw(path, &[("csrf_token", t.as_str())]).await }
    }))
    .await;
    for r in &answers {
        assert_eq!(r.status, 303, "every request is answered: {}", r.body);
    }
    let my_agenda = ev.public("/my-agenda");
    let notes = join_all(clients.iter().map(|c| c.get(&my_agenda))).await;
    let added = notes.iter().filter(|p| flashes(&p.body).contains(&"Added to your agenda.".to_string())).count();
    let full = notes.iter().filter(|p| flashes(&p.body).contains(&"This session is full.".to_string())).count();
    assert_eq!(signups(&app, sid), PLACES, "exactly the capacity is taken");
    assert_eq!(added as i64, PLACES, "ten people were told they are in");
    assert_eq!(full, PEOPLE - PLACES as usize, "everyone else was told it is full");
    let with_it = notes.iter().filter(|p| p.has(&format!("id=\"mine-{sid}\""))).count();
    assert_eq!(with_it as i64, PLACES, "ten agendas show the workshop");
    let page = org.get(&ev.org("/agenda")).await;
    assert!(page.has(&format!("<td>{PLACES} / {PLACES}</td>")), "the organisers see it full");
}

// ---------------------------------------------------------------- 6. change notices

/// A second server on the test's database that runs the background work (mail worker and
/// change notices) with a short quiet period; the test's own server runs none.
fn start_background(app: &TestApp, sink: &SmtpSink, quiet_ms: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut config = liaison::config::Config::defaults();
    config.db.database_url = app.db_url.clone();
    config.db.db_pool_size = Some(4);
    config.addr = addr.to_string();
    config.base_url = Some(app.base.clone());
    config.smtp_url = Some(sink.url());
    config.mail_dir = dir.path().join("mail");
    config.data_dir = dir.path().to_path_buf();
    config.secret_key = Some("test-secret-key-that-is-long-enough-0123456789".into());
    config.workers = Some(1);
    config.hash_concurrency = Some(1);
    config.mail_retry_ms = 200;
    config.mail_poll_ms = 50;
    config.change_quiet_ms = quiet_ms;
    let settings = config.resolve().expect("settings");
    let url = liaison::db::DatabaseUrl::parse(&app.db_url).expect("url");
    let db = liaison::db::Db::connect(&url, 4).expect("connect");
    let running = liaison::app::start(&settings, db, listener, true).expect("start background server");
    actix_web::rt::spawn(running.server);
    dir
}

#[actix_web::test]
async fn changes_to_chosen_sessions_are_mailed_once_together() {
    const QUIET_MS: u64 = 300;
    let sink = SmtpSink::start().await;
    let app =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), mail_worker: false, ..Default::default() }).await;
    let _background = start_background(&app, &sink, QUIET_MS);
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Change Forum", "published").await;
    let room_a = add_room(&app, &org, &ev, "Room A", "").await;
    let room_b = add_room(&app, &org, &ev, "Room B", "").await;
    let moved = SessionFields::talk("Moving talk", at(10, "10:00"), at(10, "10:45"), room_a);
    let moving = create_session(&app, &org, &ev, &moved).await;
    let doomed =
        create_session(&app, &org, &ev, &SessionFields::talk("Doomed talk", at(10, "11:00"), at(10, "11:45"), room_b))
            .await;
    let other = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Untouched talk", at(11, "11:00"), at(11, "11:45"), room_b),
    )
    .await;

    let ann_addr = email("ann");
    let ann = app.quick_user("Ann Attendee", &ann_addr, "attendee").await;
    register(&ann, &ev).await;
    choose(&ann, &ev, moving, "add").await;
    choose(&ann, &ev, doomed, "add").await;
    let carl_addr = email("carl");
    let carl = app.quick_user("Carl Bystander", &carl_addr, "attendee").await;
    register(&carl, &ev).await;
    choose(&carl, &ev, other, "add").await;
    // Registration confirmations went out: the mail path works.
    sink.wait_for(&ann_addr, "").await;

    // A burst of edits, each well within the quiet period of the previous one: the time, then
    // the room of one session, then the other session is cancelled.
    let pause = Duration::from_millis(QUIET_MS * 2 / 5);
    let mut f = moved.clone();
    f.starts_at = at(10, "14:00");
    f.ends_at = at(10, "14:45");
    edit_session(&org, &ev, moving, &f).await;
    tokio::time::sleep(pause).await;
    f.room_id = room_b.to_string();
    edit_session(&org, &ev, moving, &f).await;
    tokio::time::sleep(pause).await;
    cancel_session(&org, &ev, doomed, "yes").await;

    let subject = format!("Programme change: {}", ev.title);
    let mail = sink.wait_for(&ann_addr, &subject).await;
    // Wait well beyond the quiet period and the notifier's polling for any second notice.
    let settle = Instant::now() + Duration::from_millis(QUIET_MS * 6);
    while Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notices: Vec<Mail> =
        sink.to(&ann_addr).into_iter().filter(|m| m.subject.contains("Programme change")).collect();
    assert_eq!(
        notices.len(),
        1,
        "one e-mail for the whole burst; got {:?}",
        notices.iter().map(|m| m.text.clone()).collect::<Vec<_>>()
    );
    assert_eq!(mail.subject, subject);
    let text = &mail.text;
    let d10 = day_label(10);
    assert!(
        text.contains(&format!(
            "\"Moving talk\" moves from {d10} 10:00–10:45 in Room A to {d10} 14:00–14:45 in Room B."
        )),
        "the net change of time and room, in one line: {text}"
    );
    assert!(text.contains(&format!("\"Doomed talk\" ({d10} 11:00–11:45 in Room B) is cancelled.")), "{text}");
    assert!(text.contains(&ev.public("/my-agenda")), "a link to the agenda: {text}");
    assert!(
        sink.to(&carl_addr).iter().all(|m| !m.subject.contains("Programme change")),
        "someone who chose none of them hears nothing: {:?}",
        sink.subjects()
    );
}

// ---------------------------------------------------------------- 7. authorisation

#[actix_web::test]
async fn only_the_event_organisers_reach_the_programme_pages() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Guarded Forum", "published").await;
    let rid = add_room(&app, &org, &ev, "Secret room", "").await;
    let tid = add_track(&app, &org, &ev, "Secret track", "#123456").await;
    let good = SessionFields::talk("Secret session", at(10, "10:00"), at(10, "10:45"), rid).track(tid);
    let sid = create_session(&app, &org, &ev, &good).await;

    let other_org = app.quick_user("Otto Otherorg", &email("otto"), "organiser").await;
    let _theirs = create_event(&other_org, "Other Forum", "published").await;
    let attendee = app.quick_user("Ann Attendee", &email("ann"), "attendee").await;
    register(&attendee, &ev).await;
    let anon = app.client();

    let gets =
        [ev.org("/agenda"), ev.org("/agenda.csv"), ev.org("/sessions/new"), ev.org(&format!("/sessions/{sid}/edit"))];
    let mut renamed = good.clone();
    renamed.title = "Hijacked session".into();
    let posts: Vec<(String, Vec<(&'static str, String)>)> = vec![
        (ev.org("/rooms"), vec![("name", "Intruder room".into()), ("capacity", "5".into())]),
        (ev.org(&format!("/rooms/{rid}")), vec![("name", "Hijacked room".into()), ("capacity", "1".into())]),
        (ev.org(&format!("/rooms/{rid}/delete")), vec![]),
        (ev.org("/tracks"), vec![("name", "Intruder track".into()), ("colour", "#ff0000".into())]),
        (ev.org(&format!("/tracks/{tid}")), vec![("name", "Hijacked track".into()), ("colour", "#000000".into())]),
        (ev.org(&format!("/tracks/{tid}/delete")), vec![]),
        (ev.org("/sessions/new"), SessionFields { title: "Intruder session".into(), ..good.clone() }.fields()),
        (ev.org(&format!("/sessions/{sid}/edit")), renamed.fields()),
        (ev.org(&format!("/sessions/{sid}/cancel")), vec![("cancelled", "yes".into())]),
    ];
    let before = snapshot(&app, ev.id);
    let secrets = [ev.title.as_str(), "Secret room", "Secret track", "Secret session"];

    for path in &gets {
        let r = anon.get(path).await;
        assert_eq!(r.status, 303, "anonymous GET {path}");
        assert!(r.location().starts_with("/login?next="), "anonymous GET {path} → {}", r.location());
    }
    for (path, fields) in &posts {
        let r = post_fields(&anon, path, fields).await;
        assert_eq!(r.status, 303, "anonymous POST {path}: {}", r.body);
        assert!(r.location().starts_with("/login?next="), "anonymous POST {path} → {}", r.location());
    }
    for (who, c) in [("attendee", &attendee), ("organiser of another event", &other_org)] {
        for path in &gets {
            let r = c.get(path).await;
            assert!(matches!(r.status, 403 | 404), "{who} GET {path}: {}", r.status);
            for secret in secrets {
                assert!(!r.has(secret), "{who} GET {path} shows {secret:?}");
            }
        }
        for (path, fields) in &posts {
            let r = post_fields(c, path, fields).await;
            assert!(matches!(r.status, 403 | 404), "{who} POST {path}: {} {}", r.status, r.body);
            for secret in secrets {
                assert!(!r.has(secret), "{who} POST {path} shows {secret:?}");
            }
        }
    }
    assert_eq!(snapshot(&app, ev.id), before, "nothing changed");

    // The organiser does get in (so the refusals above are about who asks).
    for path in &gets {
        let r = org.get(path).await;
        assert_eq!(r.status, 200, "organiser GET {path}");
    }
    assert!(org.get(&ev.org("/agenda")).await.has("Secret session"));
}

#[actix_web::test]
async fn a_draft_event_has_no_public_programme() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, "Draft Forum", "draft").await;
    let rid = add_room(&app, &org, &ev, "Draft room", "").await;
    let tid = add_track(&app, &org, &ev, "Draft track", "#123456").await;
    let sid = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Draft session", at(10, "10:00"), at(10, "10:45"), rid).track(tid),
    )
    .await;
    let attendee = app.quick_user("Ann Attendee", &email("ann"), "attendee").await;
    let anon = app.client();
    let paths = [
        ev.public("/agenda"),
        ev.public("/agenda?view=list"),
        ev.public(&format!("/sessions/{sid}")),
        ev.public("/agenda.ics"),
        ev.public("/schedule.xml"),
        ev.public("/schedule.json"),
        ev.public("/tracks.css"),
    ];
    for path in &paths {
        for (who, c) in [("anonymous", &anon), ("attendee", &attendee)] {
            let r = c.get(path).await;
            assert_eq!(r.status, 404, "{who} GET {path}");
            assert!(!r.has("Draft session") && !r.has(&ev.title), "{who} GET {path} leaks the programme");
        }
        // Its organisers preview it.
        assert_eq!(org.get(path).await.status, 200, "organiser GET {path}");
    }
    let r = attendee.post(&ev.public(&format!("/sessions/{sid}/add")), &[]).await;
    assert_eq!(r.status, 404, "no choosing sessions of a draft");
    assert_eq!(signups(&app, sid), 0);
    assert_eq!(attendee.get(&ev.public("/my-agenda")).await.status, 404);
}
