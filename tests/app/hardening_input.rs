//! Issue 11, the input side: one validated type for one-line and multi-line text everywhere
//! text enters (defect 1: an invitee name with CR LF stopped all mail), bounded event dates and
//! exports (defect 4: an event from year 1 made an 89 MiB schedule.json), escaped and folded
//! iCalendar and neutralised CSV (defect 7), and table-driven fuzzing of every form, import and
//! query string with control characters: no 5xx, and nothing stored that breaks a mail header,
//! a calendar or a CSV.

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use icalendar::{Component, EventLike};
use liaison::db::schema::{
    agenda_sessions as sess, event_invitations as inv, event_organisers, events, outbox, rooms, topics, tracks, users,
};

use crate::support::{email, extract, Client, Page, TestApp, PASSWORD};

/// The control characters every text field and query parameter is sent.
const NASTY: &[char] = &['\0', '\t', '\r', '\n', '\u{0b}', '\u{0c}', '\u{1b}', '\u{85}', '\u{2028}', '\u{202e}'];

fn year() -> i32 {
    chrono::Utc::now().year() + 1
}

/// A local time in Brussels on day `day` of next June, as typed into the forms.
fn at(day: u32, hm: &str) -> String {
    format!("{}-06-{day:02}T{hm}", year())
}

fn utc(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("time")
}

fn uniq() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}

fn event_fields(title: &str, slug: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.into()),
        ("slug", slug.into()),
        ("description", "Talks and one-to-one meetings.".into()),
        ("venue", "Square".into()),
        ("address", "Mont des Arts\nBrussels".into()),
        ("timezone", "Europe/Brussels".into()),
        ("starts_at", at(10, "08:00")),
        ("ends_at", at(11, "18:00")),
        ("registration_opens_at", String::new()),
        ("registration_closes_at", String::new()),
        ("capacity", String::new()),
        ("status", "published".into()),
    ]
}

fn set(mut f: Vec<(&'static str, String)>, key: &str, value: &str) -> Vec<(&'static str, String)> {
    for (k, v) in f.iter_mut() {
        if *k == key {
            *v = value.to_string();
        }
    }
    f
}

async fn post_fields(c: &Client, path: &str, fields: &[(&str, String)]) -> Page {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &f).await
}

/// Creates a published event over HTTP; returns (id, slug).
async fn create_event(org: &Client, title: &str) -> (i64, String) {
    let slug = format!("hard-{}", uniq());
    let r = post_fields(org, "/organise/events/new", &event_fields(title, &slug)).await;
    assert_eq!(r.status, 303, "create event: {}", r.body);
    let id = r.location().strip_prefix("/organise/events/").and_then(|s| s.parse().ok()).expect("event id");
    (id, slug)
}

fn count_events(app: &TestApp, slug: &str) -> i64 {
    app.with_conn(|c| events::table.filter(events::slug.eq(slug)).count().get_result(c).expect("count"))
}

fn invitations(app: &TestApp, event_id: i64) -> i64 {
    app.with_conn(|c| inv::table.filter(inv::event_id.eq(event_id)).count().get_result(c).expect("count"))
}

fn outbox_to(app: &TestApp, addr: &str) -> i64 {
    app.with_conn(|c| outbox::table.filter(outbox::to_addr.eq(addr)).count().get_result(c).expect("count"))
}

/// A user id by address.
fn user_id(app: &TestApp, addr: &str) -> i64 {
    app.with_conn(|c| users::table.filter(users::email.eq(addr)).select(users::id).first(c).expect("user"))
}

/// An event written straight into the database, as rows stored before the rules were.
fn insert_event(
    app: &TestApp,
    organiser: i64,
    title: &str,
    starts: NaiveDateTime,
    ends: NaiveDateTime,
) -> (i64, String) {
    let slug = format!("stored-{}", uniq());
    let t = liaison::db::now();
    let id: i64 = app.with_conn(|c| {
        let id = diesel::insert_into(events::table)
            .values((
                events::slug.eq(&slug),
                events::title.eq(title),
                events::description.eq(""),
                events::venue.eq("Square"),
                events::address.eq(""),
                events::timezone.eq("Europe/Brussels"),
                events::starts_at.eq(starts),
                events::ends_at.eq(ends),
                events::requires_approval.eq(false),
                events::status.eq("published"),
                events::created_by.eq(Some(organiser)),
                events::created_at.eq(t),
                events::updated_at.eq(t),
            ))
            .returning(events::id)
            .get_result(c)
            .expect("event");
        diesel::insert_into(event_organisers::table)
            .values((
                event_organisers::event_id.eq(id),
                event_organisers::user_id.eq(organiser),
                event_organisers::created_at.eq(t),
            ))
            .execute(c)
            .expect("organiser");
        id
    });
    (id, slug)
}

fn insert_session(
    app: &TestApp,
    event_id: i64,
    title: &str,
    starts: NaiveDateTime,
    room: Option<i64>,
    track: Option<i64>,
) -> i64 {
    let t = liaison::db::now();
    app.with_conn(|c| {
        diesel::insert_into(sess::table)
            .values((
                sess::event_id.eq(event_id),
                sess::guid.eq(uuid::Uuid::new_v4().to_string()),
                sess::title.eq(title),
                sess::abstract_text.eq(""),
                sess::kind.eq("workshop"),
                sess::starts_at.eq(starts),
                sess::ends_at.eq(starts + chrono::TimeDelta::minutes(45)),
                sess::room_id.eq(room),
                sess::track_id.eq(track),
                sess::signup_required.eq(false),
                sess::created_at.eq(t),
                sess::updated_at.eq(t),
            ))
            .returning(sess::id)
            .get_result(c)
            .expect("session")
    })
}

/// RFC 5545 as a calendar client reads it: CRLF line ends, at most 75 octets a line, no line
/// that starts a property a stored value tried to add; and the icalendar crate parses it.
fn assert_calendar(text: &str, what: &str) -> icalendar::Calendar {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"), "{what}:\n{text}");
    for (i, line) in text.strip_suffix("\r\n").unwrap_or(text).split("\r\n").enumerate() {
        assert!(!line.contains(['\r', '\n']), "{what}: line {i} has a bare line end: {line:?}");
        assert!(line.len() <= 75, "{what}: line {i} has {} octets: {line:?}", line.len());
        assert!(!line.chars().any(|c| c.is_control()), "{what}: line {i} has a control character: {line:?}");
        for injected in ["X-INJECTED", "ATTACH", "X-ROOM", "X-TRACK", "X-VENUE", "X-SPEAKER"] {
            assert!(!line.starts_with(injected), "{what}: injected property on line {i}: {line:?}\n{text}");
        }
    }
    text.parse().unwrap_or_else(|e| panic!("{what} does not parse: {e}\n{text}"))
}

// ---------------------------------------------------------------- defect 1: the import

#[actix_web::test]
async fn an_invitee_name_with_a_line_break_refuses_the_whole_import_by_line_and_mail_keeps_flowing() {
    let (app, sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let (id, _) = create_event(&owner, "Inbox Forum").await;
    let path = format!("/organise/events/{id}/import");
    let (good, inv2) = (email("good"), email("inv2"));
    let file =
        format!("name,email,organisation\r\nGood Person,{good},Uni\r\n\"Evil\r\nBcc: victim@x.org\",{inv2},Org\r\n");
    let r = owner.post_file(&path, "list.csv", file.into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let bad = extract(&r.body, "id=\"import-bad\">", "</div>").expect("bad rows listed");
    assert!(bad.contains("Nobody was invited"), "{bad}");
    assert!(bad.contains("<li>Line 3: The name: Please keep this on one line"), "{bad}");
    assert!(!r.has("import-done"));
    assert_eq!(invitations(&app, id), 0, "nothing half imported");
    assert_eq!(outbox_to(&app, &good) + outbox_to(&app, &inv2) + outbox_to(&app, "victim@x.org"), 0);

    // Every control character, in the name and in the organisation cell.
    for &c in NASTY {
        for cells in [format!("\"Ev{c}il\",{inv2},Org"), format!("Eve,{inv2},\"Or{c}g\"")] {
            let file = format!("name,email,organisation\nGood Person,{good},Uni\n{cells}\n");
            let r = owner.post_file(&path, "list.csv", file.into_bytes()).await;
            assert_eq!(r.status, 422, "{c:?} in {cells:?}: {}", r.body);
            assert!(r.has("<li>Line 3: The "), "{c:?}: the line is named\n{}", r.body);
            assert_eq!(invitations(&app, id), 0, "{c:?}");
        }
    }

    // The corrected file goes through, and its mail is delivered.
    let file = format!("name,email,organisation\nGood Person,{good},Uni\nEve Evil,{inv2},Org\n");
    let r = owner.post_file(&path, "list.csv", file.into_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has("id=\"import-done\">2 invitations sent."), "{}", r.body);
    sink.wait_for(&good, "Invitation: Inbox Forum").await;
    let m = sink.wait_for(&inv2, "Invitation: Inbox Forum").await;
    assert!(m.text.contains("Hello Eve Evil,"), "{}", m.text);
    assert!(sink.to("victim@x.org").is_empty());
}

// ---------------------------------------------------------------- defect 4: dates and sizes

#[actix_web::test]
async fn an_event_from_year_one_or_longer_than_a_month_is_refused_with_its_message() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let y = year();
    let cases: Vec<(&str, String, &str)> = vec![
        ("starts_at", "0001-01-01T09:00".into(), "Please give a date between the years 2000 and 2100."),
        ("ends_at", "9999-12-31T17:00".into(), "Please give a date between the years 2000 and 2100."),
        ("ends_at", format!("{y}-07-21T17:00"), "An event can last at most 31 days"),
        ("registration_opens_at", "1999-12-31T00:00".into(), "Please give a date between the years 2000 and 2100."),
    ];
    for (field, value, message) in cases {
        let slug = format!("bounded-{}", uniq());
        let mut f = set(event_fields("Forever Forum", &slug), field, &value);
        if field == "starts_at" {
            f = set(f, "ends_at", &format!("{y}-06-11T17:00"));
        }
        let r = post_fields(&org, "/organise/events/new", &f).await;
        assert_eq!(r.status, 422, "{field}={value}: {}", r.body);
        assert!(r.has(message), "{field}={value}: {message}\n{}", r.body);
        assert!(r.has(&format!("value=\"{value}\"")), "input kept");
        assert_eq!(count_events(&app, &slug), 0, "{field}={value} stored");
    }
    // Exactly 31 days is an event.
    let slug = format!("bounded-{}", uniq());
    let f = set(
        set(event_fields("Month Forum", &slug), "starts_at", &at(1, "08:00")),
        "ends_at",
        &format!("{y}-07-02T08:00"),
    );
    assert_eq!(post_fields(&org, "/organise/events/new", &f).await.status, 303);
    // Booking windows of matchmaking are bounded the same way.
    let (id, _) = create_event(&org, "Booking Forum").await;
    let r = post_fields(
        &org,
        &format!("/organise/events/{id}/matchmaking"),
        &[
            ("enabled", "on".into()),
            ("meeting_minutes", "30".into()),
            ("tables_count", "10".into()),
            ("max_meetings", "8".into()),
            ("cross_sector_bonus", "1".into()),
            ("request_ttl_hours", "48".into()),
            ("booking_opens_at", "0001-01-01T00:00".into()),
            ("booking_closes_at", String::new()),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has("Please give a date between the years 2000 and 2100."), "{}", r.body);
}

/// What one session, room, track and day may add to an export at most (titles and names at
/// their longest, in 2-byte characters, escaped), and what the rest of the file may take.
fn export_bound(days: usize, rooms: usize, tracks: usize, sessions: usize) -> usize {
    use liaison::agenda::model::{NAME_MAX, TITLE_MAX};
    let per_session = 2048 + 4 * TITLE_MAX + 4 * NAME_MAX * 2;
    64 * 1024 + days * 2048 + rooms * (1024 + 4 * NAME_MAX) + tracks * (512 + 4 * NAME_MAX) + sessions * per_session
}

#[actix_web::test]
async fn exports_of_a_stored_unbounded_event_and_of_a_maximal_event_stay_within_a_bound_from_the_caps() {
    use liaison::agenda::model::{NAME_MAX, ROOMS_MAX, SESSIONS_MAX, TITLE_MAX, TRACKS_MAX};
    use liaison::events::model::EVENT_DAYS_MAX;
    let (app, _sink) = TestApp::start().await;
    let addr = email("olga");
    let org = app.quick_user("Olga Organiser", &addr, "organiser").await;
    let uid = user_id(&app, &addr);
    let anon = app.client();

    // Old data: an event from year 1 to next year, with three sessions.
    let (old, old_slug) =
        insert_event(&app, uid, "Forever Forum", utc("0001-01-01T09:00"), utc(&format!("{}-06-11T17:00", year())));
    for i in 0..3 {
        insert_session(&app, old, &format!("Talk {i}"), utc(&at(10, &format!("1{i}:00"))), None, None);
    }
    let bound = export_bound(EVENT_DAYS_MAX as usize + 1, 1, 0, 3);
    for export in ["schedule.json", "schedule.xml", "agenda.ics", "agenda"] {
        let r = anon.get(&format!("/events/{old_slug}/{export}")).await;
        assert_eq!(r.status, 200, "{export}");
        assert!(r.body.len() <= bound, "{export} of a year-1 event: {} bytes > {bound}", r.body.len());
    }

    // A maximal event: 31 days, every room, track and session the caps allow, longest names.
    let y = year();
    let long = |n: usize, tag: &str| format!("{tag}{}", "é".repeat(n - tag.len()));
    let (id, slug) =
        insert_event(&app, uid, &long(TITLE_MAX, "E"), utc(&at(1, "08:00")), utc(&format!("{y}-07-02T08:00")));
    let (room_ids, track_ids): (Vec<i64>, Vec<i64>) = app.with_conn(|c| {
        let r = (0..ROOMS_MAX)
            .map(|i| {
                diesel::insert_into(rooms::table)
                    .values((
                        rooms::event_id.eq(id),
                        rooms::name.eq(long(NAME_MAX, &format!("R{i}"))),
                        rooms::position.eq(i as i32),
                    ))
                    .returning(rooms::id)
                    .get_result(c)
                    .expect("room")
            })
            .collect();
        let t = (0..TRACKS_MAX)
            .map(|i| {
                diesel::insert_into(tracks::table)
                    .values((
                        tracks::event_id.eq(id),
                        tracks::name.eq(long(NAME_MAX, &format!("T{i}"))),
                        tracks::colour.eq("#123456"),
                        tracks::position.eq(i as i32),
                    ))
                    .returning(tracks::id)
                    .get_result(c)
                    .expect("track")
            })
            .collect();
        (r, t)
    });
    app.with_conn(|c| {
        liaison::db::write_transaction::<_, diesel::result::Error, _>(c, |c| {
            let t = liaison::db::now();
            for i in 0..SESSIONS_MAX as usize {
                let start = utc(&at(1 + (i % 30) as u32, "09:00")) + chrono::TimeDelta::minutes((i / 30) as i64 * 10);
                diesel::insert_into(sess::table)
                    .values((
                        sess::event_id.eq(id),
                        sess::guid.eq(uuid::Uuid::new_v4().to_string()),
                        sess::title.eq(long(TITLE_MAX, &format!("S{i}"))),
                        sess::abstract_text.eq(""),
                        sess::kind.eq("workshop"),
                        sess::starts_at.eq(start),
                        sess::ends_at.eq(start + chrono::TimeDelta::minutes(10)),
                        sess::room_id.eq(Some(room_ids[i % room_ids.len()])),
                        sess::track_id.eq(Some(track_ids[i % track_ids.len()])),
                        sess::signup_required.eq(false),
                        sess::created_at.eq(t),
                        sess::updated_at.eq(t),
                    ))
                    .execute(c)?;
            }
            Ok(())
        })
        .expect("sessions")
    });
    let bound =
        export_bound(EVENT_DAYS_MAX as usize + 1, ROOMS_MAX as usize, TRACKS_MAX as usize, SESSIONS_MAX as usize);
    for export in ["schedule.json", "schedule.xml", "agenda.ics"] {
        let r = anon.get(&format!("/events/{slug}/{export}")).await;
        assert_eq!(r.status, 200, "{export}");
        assert!(r.body.len() <= bound, "{export} of a maximal event: {} bytes > {bound}", r.body.len());
    }
    let csv = org.get(&format!("/organise/events/{id}/agenda.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.len() <= bound, "agenda.csv: {} bytes > {bound}", csv.body.len());

    // The caps are refused with a message, not stored.
    let r = org.post(&format!("/organise/events/{id}/rooms"), &[("name", "One room too many"), ("capacity", "")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has(&format!("An event can have at most {ROOMS_MAX} rooms.")), "{}", r.body);
    let r = org
        .post(&format!("/organise/events/{id}/tracks"), &[("name", "One track too many"), ("colour", "#000000")])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has(&format!("An event can have at most {TRACKS_MAX} tracks.")), "{}", r.body);
    let r = org
        .post(
            &format!("/organise/events/{id}/sessions/new"),
            &[
                ("title", "One session too many"),
                ("kind", "workshop"),
                ("starts_at", &at(2, "10:00")),
                ("ends_at", &at(2, "11:00")),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has(&format!("An event can have at most {SESSIONS_MAX} sessions")), "{}", r.body);
    let n: i64 = app.with_conn(|c| sess::table.filter(sess::event_id.eq(id)).count().get_result(c).expect("count"));
    assert_eq!(n, SESSIONS_MAX);
}

// ---------------------------------------------------------------- defect 7: calendars and CSV

#[actix_web::test]
async fn stored_line_feeds_add_no_calendar_property_and_the_longest_non_ascii_title_folds_on_characters() {
    let sink = crate::support::SmtpSink::start().await;
    // The worker is off: the registration's calendar attachment stays in the outbox to be read.
    let app = TestApp::start_with(crate::support::Options {
        smtp_url: Some(sink.url()),
        mail_worker: false,
        ..Default::default()
    })
    .await;
    let addr = email("olga");
    let org = app.quick_user("Olga Organiser", &addr, "organiser").await;
    let uid = user_id(&app, &addr);
    let title = "Evil\nX-INJECTED:1\r\nATTACH:http://evil.example/x; a,b\\c";
    let (id, slug) = insert_event(&app, uid, title, utc(&at(10, "08:00")), utc(&at(11, "18:00")));
    let (room, track) = app.with_conn(|c| {
        diesel::update(events::table.find(id)).set(events::venue.eq("Venue\nX-VENUE:1")).execute(c).expect("venue");
        let room: i64 = diesel::insert_into(rooms::table)
            .values((rooms::event_id.eq(id), rooms::name.eq("Room\nX-ROOM:1")))
            .returning(rooms::id)
            .get_result(c)
            .expect("room");
        let track: i64 = diesel::insert_into(tracks::table)
            .values((tracks::event_id.eq(id), tracks::name.eq("Track\r\nX-TRACK:1"), tracks::colour.eq("#123456")))
            .returning(tracks::id)
            .get_result(c)
            .expect("track");
        (room, track)
    });
    let sid = insert_session(&app, id, "Session\nX-INJECTED:2", utc(&at(10, "09:00")), Some(room), Some(track));

    // The programme feed.
    let anon = app.client();
    let r = anon.get(&format!("/events/{slug}/agenda.ics")).await;
    assert_eq!(r.status, 200);
    let cal = assert_calendar(&r.body, "agenda.ics");
    // The parser leaves NAME escaped (it reads it as an unknown property): unescape it here.
    let name = unescape(cal.get_name().expect("NAME"));
    assert_eq!(name, title.replace("\r\n", " ").replace('\n', " "));
    let e = cal.events().next().expect("the session");
    assert_eq!(e.get_summary(), Some("Session X-INJECTED:2"));
    assert!(e.get_location().is_some_and(|l| l.starts_with("Room X-ROOM:1")), "{:?}", e.get_location());

    // The registration's mailed attachment.
    let attendee = email("ada");
    let ada = app.quick_user("Ada Attendee", &attendee, "attendee").await;
    let r = ada
        .post(
            &format!("/events/{slug}/register"),
            &[("organisation", "Uni"), ("sector", "academia"), ("country", "BE")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let attachments: Vec<Option<String>> = app.with_conn(|c| {
        outbox::table.filter(outbox::to_addr.eq(&attendee)).select(outbox::attachment_body).load(c).expect("outbox")
    });
    let ics = attachments.into_iter().flatten().next().expect("a calendar attachment");
    let cal = assert_calendar(&ics, "registration attachment");
    let e = cal.events().next().expect("the event");
    assert!(e.get_summary().is_some_and(|s| s.starts_with("Evil X-INJECTED:1 ATTACH:")), "{:?}", e.get_summary());

    // The personal feed, with the chosen session.
    assert_eq!(ada.post(&format!("/events/{slug}/sessions/{sid}/add"), &[]).await.status, 303);
    let mine = ada.get(&format!("/events/{slug}/my-agenda")).await;
    let url = extract(&mine.body, "<input type=\"text\" readonly value=\"", "\"").expect("feed address");
    let r = anon.get(&url[app.base.len()..]).await;
    assert_eq!(r.status, 200, "{url}");
    let cal = assert_calendar(&r.body, "personal feed");
    assert_eq!(cal.events().count(), 2, "the session and the event day of the registration");

    // The longest title the form allows, in three-byte characters, read back intact.
    let long_title: String = "日本語とÉvénement ".chars().cycle().take(liaison::events::model::TITLE_MAX).collect();
    let long_title = long_title.trim().to_string();
    let (lid, lslug) = create_event(&org, &long_title).await;
    let r = org
        .post(
            &format!("/organise/events/{lid}/sessions/new"),
            &[
                ("title", &long_title),
                ("kind", "workshop"),
                ("starts_at", &at(10, "10:00")),
                ("ends_at", &at(10, "11:00")),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = anon.get(&format!("/events/{lslug}/agenda.ics")).await;
    let cal = assert_calendar(&r.body, "long title");
    assert_eq!(unescape(cal.get_name().expect("NAME")), long_title);
    assert_eq!(cal.events().next().and_then(|e| e.get_summary().map(str::to_string)), Some(long_title.clone()));
}

/// RFC 5545 TEXT unescaping, left to right.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(x) => out.push(x),
            None => out.push('\\'),
        }
    }
    out
}

fn parse_csv(bytes: &str) -> Vec<Vec<String>> {
    let text = bytes.strip_prefix('\u{feff}').unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv record").iter().map(str::to_string).collect())
        .collect()
}

fn assert_no_formula(rows: &[Vec<String>], what: &str) {
    for row in rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{what}: a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
}

#[actix_web::test]
async fn csv_exports_neutralise_formula_cells_and_keep_one_row_per_record() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let (id, slug) = create_event(&org, "Sheet Forum").await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    for (name, organisation) in [("Ada", formula), ("Bob", "+1+1"), ("Cy", "@SUM(1)"), ("Di", "-2")] {
        let addr = email(&name.to_lowercase());
        let c = app.quick_user(name, &addr, "attendee").await;
        let r = c
            .post(
                &format!("/events/{slug}/register"),
                &[("organisation", organisation), ("sector", "academia"), ("country", "BE")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    // Old rows: a name with a line break, an organisation starting with a tab.
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::name.eq("Ada"))).set(users::name.eq("Ada\nLovelace")).execute(c)?;
        diesel::update(users::table.filter(users::name.eq("Bob"))).set(users::job_title.eq("\tTab Org")).execute(c)
    })
    .expect("old rows");
    let r = org.get(&format!("/organise/events/{id}/registrants.csv")).await;
    assert_eq!(r.status, 200);
    let rows = parse_csv(&r.body);
    assert_eq!(rows.len(), 5, "a header and one row per registrant: {rows:?}");
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{rows:?}");
    assert_no_formula(&rows, "registrants.csv");
    let cells: Vec<&String> = rows.iter().flatten().collect();
    for kept in [format!("'{formula}"), "'+1+1".into(), "'@SUM(1)".into(), "'-2".into(), "'\tTab Org".into()] {
        assert!(cells.contains(&&kept), "{kept:?} in {rows:?}");
    }

    let r = org
        .post(
            &format!("/organise/events/{id}/sessions/new"),
            &[
                ("title", "=cmd|' /C calc'!A0"),
                ("kind", "workshop"),
                ("starts_at", &at(10, "10:00")),
                ("ends_at", &at(10, "11:00")),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = org.get(&format!("/organise/events/{id}/agenda.csv")).await;
    let rows = parse_csv(&r.body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_no_formula(&rows, "agenda.csv");
    assert!(rows[1].contains(&"'=cmd|' /C calc'!A0".to_string()), "{rows:?}");
}

// ---------------------------------------------------------------- fuzzing

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    /// A fresh anonymous visitor per request.
    Anon,
    Organiser,
    Admin,
    /// A participant of the event (registered, in matchmaking).
    Participant,
    /// A fresh confirmed account per request (registration can be sent once per person).
    FreshAttendee,
}

struct Case {
    who: Who,
    path: String,
    /// Valid values; `{u}` becomes a unique string per request.
    fields: Vec<(String, String)>,
    /// The fields that get the control characters.
    fuzz: Vec<String>,
}

fn case(who: Who, path: impl Into<String>, fields: &[(&str, &str)], fuzz: &[&str]) -> Case {
    Case {
        who,
        path: path.into(),
        fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        fuzz: fuzz.iter().map(|f| f.to_string()).collect(),
    }
}

/// A value with `c` inside it (and at its end), so trimming cannot remove it.
fn poisoned(valid: &str, c: char) -> String {
    if valid.is_empty() {
        format!("a{c}b")
    } else {
        let mid = valid.char_indices().nth(valid.chars().count() / 2).map_or(valid.len(), |(i, _)| i);
        format!("{}{c}{}{c}", &valid[..mid], &valid[mid..])
    }
}

fn none_control(what: &str, values: Vec<String>, multi_line: bool) {
    for v in values {
        let bad = v.chars().find(|c| {
            (c.is_control() && !(multi_line && matches!(c, '\n' | '\t')))
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        });
        assert!(bad.is_none(), "{what} stored with {bad:?}: {v:?}");
    }
}

/// Fails unless the text of every stored one-line field is one clean line and every multi-line
/// field has only LF and TAB as control characters.
fn assert_nothing_broken_stored(app: &TestApp) {
    use liaison::db::schema::{
        meeting_requests as mr, opportunities as op, registration_questions as rq, session_speakers as sp,
    };
    app.with_conn(|c| {
        let one = |v: diesel::QueryResult<Vec<String>>| v.expect("column");
        none_control("users.name", one(users::table.select(users::name).load(c)), false);
        none_control("users.organisation", one(users::table.select(users::organisation).load(c)), false);
        none_control("users.job_title", one(users::table.select(users::job_title).load(c)), false);
        none_control("users.bio", one(users::table.select(users::bio).load(c)), true);
        none_control("events.title", one(events::table.select(events::title).load(c)), false);
        none_control("events.venue", one(events::table.select(events::venue).load(c)), false);
        none_control("events.slug", one(events::table.select(events::slug).load(c)), false);
        none_control("events.timezone", one(events::table.select(events::timezone).load(c)), false);
        none_control("events.description", one(events::table.select(events::description).load(c)), true);
        none_control("events.address", one(events::table.select(events::address).load(c)), true);
        none_control("rooms.name", one(rooms::table.select(rooms::name).load(c)), false);
        none_control("tracks.name", one(tracks::table.select(tracks::name).load(c)), false);
        none_control("tracks.colour", one(tracks::table.select(tracks::colour).load(c)), false);
        none_control("sessions.title", one(sess::table.select(sess::title).load(c)), false);
        none_control("sessions.abstract", one(sess::table.select(sess::abstract_text).load(c)), true);
        none_control("speakers.name", one(sp::table.select(sp::name).load(c)), false);
        none_control("speakers.affiliation", one(sp::table.select(sp::affiliation).load(c)), false);
        none_control("topics.name", one(topics::table.select(topics::name).load(c)), false);
        none_control("questions.label", one(rq::table.select(rq::label).load(c)), false);
        none_control("questions.help", one(rq::table.select(rq::help).load(c)), false);
        none_control("questions.options", one(rq::table.select(rq::options).load(c)), true);
        none_control("opportunities.title", one(op::table.select(op::title).load(c)), false);
        none_control("opportunities.description", one(op::table.select(op::description).load(c)), true);
        none_control("meeting_requests.message", one(mr::table.select(mr::message).load(c)), true);
        none_control("invitations.email", one(inv::table.select(inv::email).load(c)), false);
        none_control("outbox.subject", one(outbox::table.select(outbox::subject).load(c)), false);
        none_control("outbox.to_name", one(outbox::table.select(outbox::to_name).load(c)), false);
        none_control("outbox.to_addr", one(outbox::table.select(outbox::to_addr).load(c)), false);
    });
}

async fn insert_participant(app: &TestApp, event_id: i64, name: &str) -> (i64, Client) {
    let addr = email(&name.to_lowercase());
    let uid = app.insert_user(name, &addr, "attendee", "Org", "academia", "BE");
    app.insert_registration(event_id, uid, true, true);
    let c = app.client();
    assert_eq!(c.login(&addr, PASSWORD).await.status, 303);
    (uid, c)
}

#[actix_web::test]
async fn control_characters_in_every_form_field_give_no_5xx_and_store_nothing_that_breaks_an_output() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let admin_addr = email("adam");
    let admin = app.quick_user("Adam Admin", &admin_addr, "admin").await;
    let (id, slug) = create_event(&org, "Fuzz Forum").await;
    let e = |rest: &str| format!("/organise/events/{id}{rest}");
    let p = |rest: &str| format!("/events/{slug}{rest}");
    for (kind, label) in [("short_text", "Badge name"), ("long_text", "Dietary needs")] {
        let r = org.post(&e("/questions"), &[("kind", kind), ("label", label), ("help", ""), ("options", "")]).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let qs: Vec<(String, i64)> = app.with_conn(|c| {
        use liaison::db::schema::registration_questions as rq;
        rq::table.filter(rq::event_id.eq(id)).order(rq::id).select((rq::kind, rq::id)).load(c).expect("questions")
    });
    let (q_short, q_long) = (format!("q_{}", qs[0].1), format!("q_{}", qs[1].1));
    let settings: Vec<(&'static str, &str)> = vec![
        ("enabled", "on"),
        ("allow_suggested", "on"),
        ("meeting_minutes", "30"),
        ("tables_count", "10"),
        ("max_meetings", "8"),
        ("cross_sector_bonus", "1"),
        ("request_ttl_hours", "48"),
        ("booking_opens_at", ""),
        ("booking_closes_at", ""),
    ];
    assert_eq!(org.post(&e("/matchmaking"), &settings).await.status, 303);
    let (w1, w2) = (at(11, "09:00"), at(11, "10:00"));
    assert_eq!(org.post(&e("/matchmaking/slots"), &[("window_start", &w1), ("window_end", &w2)]).await.status, 303);
    assert_eq!(org.post(&e("/matchmaking/topics"), &[("name", "Fuzzology"), ("category", "area")]).await.status, 303);
    let topic: i64 = app.with_conn(|c| {
        topics::table
            .filter(topics::event_id.eq(id).and(topics::name.eq("Fuzzology")))
            .select(topics::id)
            .first(c)
            .expect("topic")
    });
    let room = {
        assert_eq!(org.post(&e("/rooms"), &[("name", "Hall"), ("capacity", "")]).await.status, 303);
        app.with_conn(|c| rooms::table.filter(rooms::event_id.eq(id)).select(rooms::id).first::<i64>(c).expect("room"))
    };
    let (_, ada) = insert_participant(&app, id, "Ada").await;
    let (bob_id, _bob) = insert_participant(&app, id, "Bob").await;
    let attendee_id = user_id(&app, &admin_addr);
    let (s1, s2, w) = (at(10, "10:00"), at(10, "11:00"), at(11, "12:00"));
    let topic_s = topic.to_string();
    let room_s = room.to_string();

    let cases = vec![
        case(
            Who::Anon,
            "/signup",
            &[("name", "Sam Signup"), ("email", "sam-{u}@example.org"), ("password", PASSWORD), ("next", "/events")],
            &["name", "email", "password", "next"],
        ),
        case(
            Who::Anon,
            "/login",
            &[("email", "nobody@example.org"), ("password", "wrong password!"), ("next", "/events")],
            &["email", "password", "next"],
        ),
        case(Who::Anon, "/password/forgot", &[("email", "nobody@example.org")], &["email"]),
        case(Who::Anon, "/confirm/resend", &[("email", "nobody@example.org")], &["email"]),
        case(
            Who::Admin,
            "/account",
            &[
                ("name", "Adam Admin"),
                ("organisation", "Uni"),
                ("sector", "academia"),
                ("country", "BE"),
                ("job_title", "Lead"),
                ("bio", "Line one\nLine two"),
            ],
            &["name", "organisation", "sector", "country", "job_title", "bio"],
        ),
        case(
            Who::Organiser,
            "/organise/events/new",
            &[
                ("title", "New Forum"),
                ("slug", "fuzz-{u}"),
                ("description", "About\nit"),
                ("venue", "Hall"),
                ("address", "Street 1\nCity"),
                ("timezone", "Europe/Brussels"),
                ("starts_at", &s1),
                ("ends_at", &s2),
                ("registration_opens_at", ""),
                ("registration_closes_at", ""),
                ("capacity", "10"),
                ("status", "draft"),
            ],
            &[
                "title",
                "slug",
                "description",
                "venue",
                "address",
                "timezone",
                "starts_at",
                "ends_at",
                "registration_opens_at",
                "capacity",
                "status",
            ],
        ),
        case(
            Who::Organiser,
            e("/edit"),
            &[
                ("title", "Fuzz Forum"),
                ("slug", &slug),
                ("description", "Talks"),
                ("venue", "Square"),
                ("address", ""),
                ("timezone", "Europe/Brussels"),
                ("starts_at", &at(10, "08:00")),
                ("ends_at", &at(11, "18:00")),
                ("registration_opens_at", ""),
                ("registration_closes_at", ""),
                ("capacity", ""),
                ("status", "published"),
            ],
            &["title", "venue", "description", "address"],
        ),
        case(
            Who::Organiser,
            e("/questions"),
            &[("kind", "single_choice"), ("label", "Lunch?"), ("help", "Pick one"), ("options", "Yes\nNo")],
            &["kind", "label", "help", "options"],
        ),
        case(Who::Organiser, e("/rooms"), &[("name", "Room {u}"), ("capacity", "20")], &["name", "capacity"]),
        case(Who::Organiser, e("/tracks"), &[("name", "Track {u}"), ("colour", "#123456")], &["name", "colour"]),
        case(
            Who::Organiser,
            e("/sessions/new"),
            &[
                ("title", "Session {u}"),
                ("abstract_text", "What\nand why"),
                ("kind", "talk"),
                ("starts_at", &s1),
                ("ends_at", &s2),
                ("room_id", &room_s),
                ("track_id", ""),
                ("capacity", ""),
                ("speakers", "Ada Lovelace | KU Leuven | ada@example.org\nGrace Hopper"),
            ],
            &["title", "abstract_text", "kind", "starts_at", "room_id", "capacity", "speakers"],
        ),
        case(Who::Organiser, e("/organisers"), &[("email", "co-{u}@example.org")], &["email"]),
        case(
            Who::Organiser,
            e("/announce"),
            &[("subject", "News"), ("body", "Hello\nall"), ("status", "confirmed"), ("step", "preview")],
            &["subject", "body", "status"],
        ),
        case(
            Who::Organiser,
            e("/matchmaking"),
            &settings,
            &["meeting_minutes", "tables_count", "cross_sector_bonus", "request_ttl_hours", "booking_opens_at"],
        ),
        case(
            Who::Organiser,
            e("/matchmaking/slots"),
            &[("window_start", &w), ("window_end", &at(11, "13:00"))],
            &["window_start", "window_end"],
        ),
        case(
            Who::Organiser,
            e("/matchmaking/topics"),
            &[("name", "Topic {u}"), ("category", "capability")],
            &["name", "category"],
        ),
        case(Who::Organiser, e(&format!("/matchmaking/topics/{topic}")), &[("name", "Fuzzology")], &["name"]),
        case(
            Who::FreshAttendee,
            p("/register"),
            &[
                ("organisation", "Uni"),
                ("sector", "academia"),
                ("country", "BE"),
                (&q_short, "Ada"),
                (&q_long, "No nuts\nNo fish"),
                ("invitation", ""),
            ],
            &["organisation", "sector", "country", &q_short, &q_long, "invitation"],
        ),
        case(
            Who::Participant,
            p("/profile"),
            &[
                ("matchmaking_consent", "on"),
                ("directory_consent", "on"),
                ("bio", "Tumour lab\nin Ghent"),
                ("interests", &topic_s),
                ("max_meetings", ""),
            ],
            &["bio", "max_meetings", "interests"],
        ),
        case(
            Who::Participant,
            p("/matchmaking/opportunities"),
            &[
                ("kind", "offer"),
                ("title", "Organoids {u}"),
                ("description", "Patient-derived\norganoids"),
                ("topics", &topic_s),
            ],
            &["kind", "title", "description", "topics"],
        ),
        case(
            Who::Participant,
            p(&format!("/people/{bob_id}/request")),
            &[("message", "Let us talk\nsoon")],
            &["message"],
        ),
        case(
            Who::Admin,
            format!("/admin/users/{attendee_id}/role"),
            &[("role", "admin"), ("back", "/admin/users")],
            &["role", "back"],
        ),
    ];

    let mut failures = Vec::new();
    let mut requests = 0;
    for c in &cases {
        for field in &c.fuzz {
            for &ch in NASTY {
                let fields: Vec<(&str, String)> = c
                    .fields
                    .iter()
                    .map(|(k, v)| {
                        let v = v.replace("{u}", &uniq());
                        (k.as_str(), if k == field { poisoned(&v, ch) } else { v })
                    })
                    .collect();
                let fresh;
                let client = match c.who {
                    Who::Anon => {
                        fresh = app.client();
                        &fresh
                    }
                    Who::FreshAttendee => {
                        fresh = app.quick_user("Fred Fresh", &email("fred"), "attendee").await;
                        &fresh
                    }
                    Who::Organiser => &org,
                    Who::Admin => &admin,
                    Who::Participant => &ada,
                };
                let r = post_fields(client, &c.path, &fields).await;
                requests += 1;
                if r.status >= 500 {
                    failures.push(format!("{} {field}={ch:?}: {}", c.path, r.status));
                }
                let loc = r.location();
                if loc.chars().any(char::is_control) {
                    failures.push(format!("{} {field}={ch:?}: Location {loc:?}", c.path));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {requests} requests failed:\n{}", failures.len(), failures.join("\n"));
    assert!(requests > 500, "{requests}");

    assert_nothing_broken_stored(&app);
    // What was accepted still makes good calendars, CSV files and JSON.
    let anon = app.client();
    let ics = anon.get(&p("/agenda.ics")).await;
    assert_calendar(&ics.body, "agenda.ics after fuzzing");
    let json = anon.get(&p("/schedule.json")).await;
    assert_eq!(json.status, 200);
    serde_json::from_str::<serde_json::Value>(&json.body).expect("schedule.json parses");
    let csv = org.get(&e("/registrants.csv")).await;
    let rows = parse_csv(&csv.body);
    assert!(rows.len() > 1 && rows.iter().all(|r| r.len() == rows[0].len()), "{rows:?}");
    assert_no_formula(&rows, "registrants.csv");
    let rows = parse_csv(&org.get(&e("/agenda.csv")).await.body);
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{rows:?}");
    // And mail still flows: a new sign-up's confirmation arrives, and no mail went astray.
    let late = email("late");
    let r = app.client().post("/signup", &[("name", "Late Comer"), ("email", &late), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    sink.wait_for(&late, "Confirm your e-mail").await;
    for m in sink.all() {
        assert!(!m.subject.chars().any(char::is_control), "subject {:?}", m.subject);
        assert!(m.to.iter().all(|t| !t.contains("victim") && !t.chars().any(char::is_control)), "{:?}", m.to);
    }
}

#[actix_web::test]
async fn control_characters_in_query_strings_and_paths_give_no_5xx() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let admin = app.quick_user("Adam Admin", &email("adam"), "admin").await;
    let (id, slug) = create_event(&org, "Query Forum").await;
    let (_, ada) = insert_participant(&app, id, "Ada").await;
    let anon = app.client();
    let enc = |c: char| liaison::web::url_encode(&format!("x{c}y"));
    let next_enc = |c: char| liaison::web::url_encode(&format!("/{c}/evil.example"));
    let mut failures = Vec::new();
    let mut n = 0;
    for &c in NASTY {
        let (v, nx) = (enc(c), next_enc(c));
        let gets: Vec<(&Client, String)> = vec![
            (&anon, format!("/events?q={v}&page={v}")),
            (&anon, format!("/events/{slug}/agenda?day={v}&track={v}&view={v}")),
            (&anon, format!("/events/{v}")),
            (&anon, format!("/events/{slug}/invitation/{v}")),
            (&anon, format!("/events/{slug}/calendar/1/{v}.ics")),
            (&anon, format!("/events/{slug}/sessions/{v}")),
            (&anon, format!("/organiser-invitations/{v}")),
            (&anon, format!("/password/reset/{v}")),
            (&anon, format!("/confirm/{v}")),
            (&anon, format!("/signup?name={v}&email={v}&next={nx}")),
            (&anon, format!("/login?next={nx}")),
            (&ada, format!("/login?next={nx}")),
            (&ada, format!("/signup?next={nx}")),
            (&ada, format!("/events/{slug}/directory?q={v}&sector={v}&country={v}&topic={v}&kind={v}&page={v}")),
            (&ada, format!("/events/{slug}/register?invitation={v}")),
            (&ada, format!("/events/{slug}/matches?page={v}")),
            (
                &org,
                format!("/organise/events/{id}/registrants?status={v}&sector={v}&country={v}&organisation={v}&q={v}"),
            ),
            (
                &org,
                format!(
                    "/organise/events/{id}/registrants.csv?status={v}&sector={v}&country={v}&organisation={v}&q={v}"
                ),
            ),
            (&org, format!("/organise/events/{id}/meetings?slot={v}")),
            (&admin, format!("/admin/users?q={v}&role={v}&page={v}")),
        ];
        for (client, path) in gets {
            let r = client.get(&path).await;
            n += 1;
            if r.status >= 500 {
                failures.push(format!("GET {path}: {}", r.status));
            }
            if r.location().chars().any(|c| c.is_control()) || r.location().starts_with("//") {
                failures.push(format!("GET {path}: Location {:?}", r.location()));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {n} requests failed:\n{}", failures.len(), failures.join("\n"));
}
