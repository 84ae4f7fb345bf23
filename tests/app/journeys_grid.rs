//! Issue 13, the organisers' meeting grid: filters by person, organisation, slot, table and
//! state; pages of 50 meetings with the filters kept; move, lock and cancel back to the filtered
//! page; the meetings CSV (filters, published state, formula escaping, who may download it);
//! the time-zone picker of the event form; and the grid at 390 px in real Chromium.

use diesel::prelude::*;
use liaison::db::schema::{events, meeting_seats, meeting_slots, meetings};

use crate::matchmaking::{at, create_event, open_matchmaking, Ev};
use crate::support::*;

/// An event with matchmaking open, `slots` half-hour slots on 10 June and `tables` tables.
async fn event_with_slots(app: &TestApp, slots: u32, tables: &str) -> (Client, Ev, Vec<i64>) {
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Grid Partnering").await;
    let end = format!("{:02}:{:02}", 9 + slots / 2, (slots % 2) * 30);
    open_matchmaking(&org, &ev, tables, "8", &[(at(10, "09:00"), at(10, &end))]).await;
    let ids: Vec<i64> = app.with_conn(|c| {
        meeting_slots::table
            .filter(meeting_slots::event_id.eq(ev.id))
            .order(meeting_slots::starts_at)
            .select(meeting_slots::id)
            .load(c)
            .expect("slots")
    });
    assert_eq!(ids.len(), slots as usize);
    (org, ev, ids)
}

/// A confirmed participant (not logged in); returns the id.
fn person(app: &TestApp, ev: &Ev, name: &str, addr: &str, org: &str) -> i64 {
    let id = app.insert_user(name, addr, "attendee", org, "academia", "BE");
    app.insert_registration(ev.id, id, true, true);
    id
}

/// A draft meeting placed by the organisers, with the seats that keep people single-booked.
fn meeting(app: &TestApp, ev: &Ev, slot: i64, table: i32, a: i64, b: i64) -> i64 {
    let (a, b) = (a.min(b), a.max(b));
    let t = liaison::db::now();
    app.with_conn(|c| {
        let id: i64 = diesel::insert_into(meetings::table)
            .values((
                meetings::event_id.eq(ev.id),
                meetings::slot_id.eq(slot),
                meetings::table_no.eq(table),
                meetings::a_user.eq(a),
                meetings::b_user.eq(b),
                meetings::origin.eq("organiser"),
                meetings::locked.eq(false),
                meetings::score.eq(0.0),
                meetings::created_at.eq(t),
                meetings::updated_at.eq(t),
            ))
            .returning(meetings::id)
            .get_result(c)
            .expect("meeting");
        for u in [a, b] {
            diesel::insert_into(meeting_seats::table)
                .values((
                    meeting_seats::slot_id.eq(slot),
                    meeting_seats::user_id.eq(u),
                    meeting_seats::meeting_id.eq(id),
                ))
                .execute(c)
                .expect("seat");
        }
        id
    })
}

/// The ids of the meetings a grid page shows, in order.
fn shown(page: &Page) -> Vec<i64> {
    page.body
        .split("id=\"meeting-")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().and_then(|n| n.parse().ok()))
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&").replace("&#38;", "&").replace("&#x3d;", "=").replace("&#61;", "=")
}

/// Four people, two slots, four meetings: Ada–Bob and Carla–Dan in slot 1 at tables 1 and 2,
/// Ada–Carla and Bob–Dan in slot 2 at tables 1 and 2.
struct Small {
    org: Client,
    ev: Ev,
    slots: Vec<i64>,
    m: [i64; 4],
    dan: String,
}

async fn small(app: &TestApp) -> Small {
    let (org, ev, slots) = event_with_slots(app, 2, "5").await;
    let ada = person(app, &ev, "Ada Lovelace", &email("ada"), "KU Leuven");
    let bob = person(app, &ev, "Bob Stone", &email("bob"), "Pharma SA");
    let carla = person(app, &ev, "Carla Diaz", &email("carla"), "Hospital Clinic");
    let dan_addr = email("dan.evans");
    let dan = person(app, &ev, "Dan Evans", &dan_addr, "BioTech BV");
    let m = [
        meeting(app, &ev, slots[0], 1, ada, bob),
        meeting(app, &ev, slots[0], 2, carla, dan),
        meeting(app, &ev, slots[1], 1, ada, carla),
        meeting(app, &ev, slots[1], 2, bob, dan),
    ];
    Small { org, ev, slots, m, dan: dan_addr }
}

#[actix_web::test]
async fn grid_filters_narrow_by_person_organisation_slot_table_and_state() {
    let (app, _sink) = TestApp::start().await;
    let s = small(&app).await;
    let [m1, m2, m3, m4] = s.m;
    let grid = |q: String| {
        let (org, path) = (&s.org, s.ev.org(&format!("/meetings?{q}")));
        async move {
            let p = org.get(&path).await;
            assert_eq!(p.status, 200, "{path}: {}", p.body);
            p
        }
    };
    let all = grid(String::new()).await;
    assert_eq!(shown(&all), vec![m1, m2, m3, m4]);
    assert!(all.has("4 meetings match"), "{}", all.body);
    assert!(all.has("id=\"f-person\"") && all.has("<label for=\"f-person\">"), "a labelled search box");
    let mut ids: Vec<&str> = all.body.split(" id=\"").skip(1).filter_map(|x| x.split('"').next()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no id twice on the page (slot sections and move forms once shared `slot-N`)");

    let p = grid("person=LOVELACE".into()).await;
    assert_eq!(shown(&p), vec![m1, m3], "by name, any case");
    assert!(p.has("2 meetings match") && p.has("value=\"LOVELACE\""), "the count, and the filter kept in the form");
    let dan_part = s.dan.split('@').next().expect("local part").to_uppercase();
    assert_eq!(shown(&grid(format!("person={dan_part}")).await), vec![m2, m4], "by e-mail");
    assert_eq!(shown(&grid("organisation=pharma".into()).await), vec![m1, m4]);
    assert_eq!(shown(&grid(format!("slot={}", s.slots[1])).await), vec![m3, m4]);
    let p = grid(format!("slot={}", s.slots[1])).await;
    assert!(p.has(&format!("<option value=\"{}\" selected>", s.slots[1])), "the chosen slot stays selected");
    assert_eq!(shown(&grid("table=2".into()).await), vec![m2, m4]);
    assert_eq!(shown(&grid(format!("person=ada&slot={}", s.slots[1])).await), vec![m3], "filters combine");

    let none = grid("person=nobody-by-this-name".into()).await;
    assert!(shown(&none).is_empty());
    assert!(none.has("0 meetings match") && none.has("id=\"no-match\""), "{}", none.body);
    assert!(!none.has("id=\"meetings-csv\""), "nothing to download");

    // State: locked; and against the published version.
    let r = s.org.post(&s.ev.org(&format!("/meetings/{m2}/lock")), &[("locked", "yes")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(shown(&grid("state=locked".into()).await), vec![m2]);
    assert_eq!(shown(&grid("state=unpublished".into()).await), vec![m1, m2, m3, m4], "nothing is published yet");
    assert_eq!(s.org.post(&s.ev.org("/meetings/publish"), &[]).await.status, 303);
    assert!(shown(&grid("state=unpublished".into()).await).is_empty());
    let r = s
        .org
        .post(&s.ev.org(&format!("/meetings/{m1}/move")), &[("slot", &s.slots[0].to_string()), ("table", "4")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = grid("state=unpublished".into()).await;
    assert_eq!(shown(&p), vec![m1], "the moved meeting");
    assert!(p.has("not published"), "its badge stays");
    assert_eq!(shown(&grid("state=published".into()).await), vec![m2, m3, m4]);
}

#[actix_web::test]
async fn grid_pages_hold_fifty_meetings_keep_the_filters_and_the_default_page_stays_small() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev, slots) = event_with_slots(&app, 3, "40").await;
    // 80 people; in each slot everyone meets once: person t with person 40 + (t + k) % 40.
    let people: Vec<i64> = (0..80usize)
        .map(|i| {
            let org = if i.is_multiple_of(2) { "Even Institute" } else { "Odd Company" };
            person(&app, &ev, &format!("Person {i:03}"), &email(&format!("p{i}")), org)
        })
        .collect();
    let mut ids = Vec::new();
    for (k, slot) in slots.iter().enumerate() {
        for t in 0..40usize {
            ids.push(meeting(&app, &ev, *slot, t as i32 + 1, people[t], people[40 + (t + k) % 40]));
        }
    }
    let first = org.get(&ev.org("/meetings")).await;
    assert_eq!(first.status, 200);
    assert!(first.has("120 meetings match"), "{}", first.body);
    assert_eq!(shown(&first), ids[..50].to_vec(), "the first 50, by slot and table");
    // Three forms per meeting on the page, a few for the page itself: not one set per meeting
    // of the event (the old grid had 360 here).
    let forms = first.body.matches("<form").count();
    assert!(forms <= 3 * 50 + 10, "{forms} forms on the default page");
    assert!(first.has("Page 1 of 3") && !first.has("id=\"prev-page\""));
    let href = |p: &Page, id: &str| {
        let tag = p.body.split(&format!("id=\"{id}\"")).next().expect("before").rsplit("<a ").next().expect("tag");
        unescape(&extract(tag, "href=\"", "\"").expect("href"))
    };
    assert_eq!(href(&first, "next-page"), format!("{}?page=2#grid", ev.org("/meetings")));
    let third = org.get(&ev.org("/meetings?page=3")).await;
    assert_eq!(shown(&third), ids[100..].to_vec());
    assert!(third.has("Page 3 of 3") && !third.has("id=\"next-page\"") && third.has("id=\"prev-page\""));
    assert_eq!(shown(&org.get(&ev.org("/meetings?page=99")).await), ids[100..].to_vec(), "past the end: the last");

    // A filter with 80 matches: two pages, and the links keep it.
    let even = |i: usize| i.is_multiple_of(2);
    let expected: Vec<i64> = (0..3)
        .flat_map(|k| (0..40usize).map(move |t| (k, t)))
        .filter(|(k, t)| even(*t) || even(40 + (t + k) % 40))
        .map(|(k, t)| ids[k * 40 + t])
        .collect();
    assert_eq!(expected.len(), 80);
    let p1 = org.get(&ev.org("/meetings?organisation=even")).await;
    assert!(p1.has("80 meetings match</strong> of 120 in the draft"), "{}", p1.body);
    assert_eq!(shown(&p1), expected[..50].to_vec());
    let next = href(&p1, "next-page");
    assert_eq!(next, format!("{}?organisation=even&page=2#grid", ev.org("/meetings")));
    let p2 = org.get(next.split('#').next().expect("path")).await;
    assert_eq!(shown(&p2), expected[50..].to_vec(), "page 2 has the rest");
    assert_eq!(href(&p2, "prev-page"), format!("{}?organisation=even#grid", ev.org("/meetings")));
    assert!(p2.has("value=\"even\""), "the filter form keeps it");
    assert_eq!(href(&p2, "meetings-csv"), format!("{}?organisation=even", ev.org("/meetings.csv")));
}

#[actix_web::test]
async fn move_lock_and_cancel_return_to_the_filtered_page_and_a_refused_move_keeps_the_filter() {
    let (app, _sink) = TestApp::start().await;
    let s = small(&app).await;
    let [m1, _m2, m3, m4] = s.m;
    let page = s.org.get(&s.ev.org("/meetings?person=ada&organisation=leuven")).await;
    assert_eq!(shown(&page), vec![m1, m3]);
    let back = unescape(&extract(&page.body, "name=\"back\" value=\"", "\"").expect("back field"));
    assert_eq!(back, s.ev.org("/meetings?person=ada&organisation=leuven"));

    let (slot1, slot2) = (s.slots[0].to_string(), s.slots[1].to_string());
    let r = s.org.post(&s.ev.org(&format!("/meetings/{m1}/lock")), &[("locked", "yes"), ("back", &back)]).await;
    assert_eq!((r.status, r.location()), (303, format!("{back}#meeting-{m1}")));
    let r = s
        .org
        .post(&s.ev.org(&format!("/meetings/{m1}/move")), &[("slot", &slot1), ("table", "3"), ("back", &back)])
        .await;
    assert_eq!((r.status, r.location()), (303, format!("{back}#meeting-{m1}")), "{}", r.body);

    // Ada already meets Carla in slot 2: refused, the filtered page comes back with the message
    // beside the meeting.
    let r = s
        .org
        .post(&s.ev.org(&format!("/meetings/{m1}/move")), &[("slot", &slot2), ("table", "3"), ("back", &back)])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has("already has a meeting at that time") && r.has("id=\"move-error\""), "{}", r.body);
    assert!(r.has("id=\"f-person\" name=\"person\" type=\"search\" value=\"ada\""), "the filter is kept");
    assert_eq!(shown(&r), vec![m1, m3], "the page is still the filtered one");
    // A meeting not on the page (a stale form): the message shows above the grid.
    let r = s
        .org
        .post(&s.ev.org(&format!("/meetings/{m4}/move")), &[("slot", &slot2), ("table", "x"), ("back", &back)])
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has("id=\"move-error\"") && r.has("Choose a slot and a table number."), "{}", r.body);
    assert_eq!(r.body.matches("id=\"move-error\"").count(), 1);

    let r = s.org.post(&s.ev.org(&format!("/meetings/{m3}/cancel")), &[("back", &back)]).await;
    assert_eq!((r.status, r.location()), (303, back.clone()));

    // Only a grid address of this event is a way back.
    let base = s.ev.org("/meetings");
    for evil in [
        "https://evil.example/organise".to_string(),
        format!("//evil.example{base}"),
        s.ev.org("/meetings.csv"),
        s.ev.org("/meetings/review"),
        format!("/organise/events/{}/meetings", s.ev.id + 1),
        format!("{base}?x=\r\nSet-Cookie: a=b"),
    ] {
        let r = s.org.post(&s.ev.org(&format!("/meetings/{m1}/lock")), &[("locked", "no"), ("back", &evil)]).await;
        assert_eq!((r.status, r.location()), (303, format!("{base}#meeting-{m1}")), "{evil:?}");
    }
}

fn csv_rows(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("BOM");
    let mut rd = csv::ReaderBuilder::new().has_headers(false).from_reader(body.as_bytes());
    rd.records().map(|r| r.expect("row").iter().map(str::to_string).collect()).collect()
}

#[actix_web::test]
async fn meetings_csv_lists_the_filtered_draft_escapes_formulas_and_is_for_the_events_organisers_only() {
    let (app, _sink) = TestApp::start().await;
    let s = small(&app).await;
    let [m1, _, _, _] = s.m;
    let evil_addr = email("eve");
    let eve = person(&app, &s.ev, "=HYPERLINK(\"http://evil.example\")", &evil_addr, "@Evil Org");
    let fay = person(&app, &s.ev, "Fay Free", &email("fay"), "Free Lab");
    meeting(&app, &s.ev, s.slots[0], 3, eve, fay);
    let grid = s.org.get(&s.ev.org("/meetings?organisation=leuven")).await;
    assert!(grid.has("Download CSV of these meetings"));

    let r = s.org.get(&s.ev.org("/meetings.csv")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").starts_with("text/csv"));
    assert!(r.header("content-disposition").contains(&format!("{}-meetings.csv", s.ev.slug)));
    let rows = csv_rows(&r.body);
    assert_eq!(
        rows[0],
        [
            "Slot start (Europe/Brussels)",
            "Slot end (Europe/Brussels)",
            "Table",
            "Person A",
            "Organisation A",
            "E-mail A",
            "Person B",
            "Organisation B",
            "E-mail B",
            "Locked",
            "Published state"
        ]
    );
    assert_eq!(rows.len(), 6, "header and five meetings: {rows:?}");
    let day = at(10, "09:00").replace('T', " ");
    let ada_row = &rows[1];
    assert_eq!(ada_row[..4], [day.clone(), day.replace("09:00", "09:30"), "1".into(), "Ada Lovelace".into()]);
    assert_eq!(
        (ada_row[4].as_str(), ada_row[6].as_str(), ada_row[7].as_str()),
        ("KU Leuven", "Bob Stone", "Pharma SA")
    );
    assert!(ada_row[5].starts_with("ada-") && ada_row[8].starts_with("bob-"), "{ada_row:?}");
    assert_eq!((ada_row[9].as_str(), ada_row[10].as_str()), ("no", "not published"));
    // A name that a spreadsheet would run as a formula is kept as text.
    assert!(r.body.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""), "{}", r.body);
    assert!(r.body.contains(",'@Evil Org,"), "{}", r.body);
    assert!(!r.body.contains(",=HYPERLINK") && !r.body.contains(",@Evil"));

    // Filters apply; the published state follows the schedule.
    assert_eq!(s.org.post(&s.ev.org("/meetings/publish"), &[]).await.status, 303);
    let r = s
        .org
        .post(&s.ev.org(&format!("/meetings/{m1}/move")), &[("slot", &s.slots[0].to_string()), ("table", "5")])
        .await;
    assert_eq!(r.status, 303);
    let rows = csv_rows(&s.org.get(&s.ev.org("/meetings.csv?person=lovelace")).await.body);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (rows[1][2].as_str(), rows[1][9].as_str(), rows[1][10].as_str()),
        ("5", "yes", "changed since publishing")
    );
    assert_eq!(rows[2][10], "published");
    let rows = csv_rows(&s.org.get(&s.ev.org(&format!("/meetings.csv?slot={}&table=2", s.slots[1]))).await.body);
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[1][3].as_str(), rows[1][6].as_str()), ("Bob Stone", "Dan Evans"));

    // Nobody else reads it: a participant of the event, another event's organiser, a visitor.
    let participant = app.client();
    assert_eq!(participant.login(&s.dan, PASSWORD).await.status, 303);
    let other = app.quick_user("Otto Other", &email("otto"), "organiser").await;
    let _theirs = create_event(&other, "Other Event").await;
    for (who, c) in [("participant", &participant), ("other organiser", &other)] {
        let r = c.get(&s.ev.org("/meetings.csv")).await;
        assert!(matches!(r.status, 403 | 404), "{who}: {}", r.status);
        assert!(!r.body.contains("Lovelace"), "{who}");
    }
    let r = app.client().get(&s.ev.org("/meetings.csv")).await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"), "{}", r.location());
}

fn event_fields(tz: &str, venue: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", "Zone Forum".into()),
        ("slug", format!("zone-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])),
        ("description", "A day.".into()),
        ("venue", venue.into()),
        ("address", "Somewhere".into()),
        ("timezone", tz.into()),
        ("starts_at", at(10, "09:00")),
        ("ends_at", at(10, "17:00")),
        ("registration_opens_at", String::new()),
        ("registration_closes_at", String::new()),
        ("capacity", String::new()),
        ("status", "published".into()),
    ]
}

fn pairs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[actix_web::test]
async fn event_form_picks_the_time_zone_from_iana_names_by_region_keeps_the_current_one_and_refuses_unknown_names() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Zora Zone", &email("zora"), "organiser").await;
    let new = org.get("/organise/events/new").await;
    assert_eq!(new.status, 200);
    assert!(new.has("<label for=\"timezone\">Time zone</label>"));
    assert!(new.has("<select id=\"timezone\" name=\"timezone\""), "a picker, not a text field");
    assert!(!new.has("list=\"timezones\""));
    for group in ["Europe", "America", "Asia", "Africa", "Australia", "Pacific", "UTC"] {
        assert!(new.has(&format!("<optgroup label=\"{group}\">")), "{group}");
    }
    assert!(new.has("<option value=\"Europe/Brussels\" selected>Europe/Brussels</option>"), "the default");
    assert!(new.has("<option value=\"America/New_York\">America/New York</option>"));
    assert!(new.has("<option value=\"Asia/Kolkata\">") && new.has("<option value=\"Pacific/Auckland\">"));
    assert_eq!(new.body.matches(" selected>").count(), 2, "one zone and one status selected");

    let r = org.post("/organise/events/new", &pairs(&event_fields("America/New_York", "Hall"))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let id: i64 = r.location().strip_prefix("/organise/events/").and_then(|s| s.parse().ok()).expect("id");
    let edit = format!("/organise/events/{id}/edit");
    let page = org.get(&edit).await;
    assert!(page.has("<option value=\"America/New_York\" selected>"), "the event's zone is selected");
    assert!(!page.has("<option value=\"Europe/Brussels\" selected>"));

    // An unknown name: refused beside the field, the typed value and the other input kept.
    let r = org.post(&edit, &pairs(&event_fields("Europe/Atlantis", "Typed Venue Kept"))).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"timezone-error\">Please give a time zone by its IANA name"), "{}", r.body);
    assert!(r.has("<option value=\"Europe/Atlantis\" selected>Europe/Atlantis</option>"));
    assert!(r.has("value=\"Typed Venue Kept\""));
    let r = org.post(&edit, &pairs(&event_fields("", "Hall"))).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"timezone-error\""));
    let stored = |app: &TestApp| -> String {
        app.with_conn(|c| events::table.find(id).select(events::timezone).first(c).expect("event"))
    };
    assert_eq!(stored(&app), "America/New_York");

    // An older event in a valid zone the picker does not list keeps it through an edit.
    app.with_conn(|c| {
        diesel::update(events::table.find(id)).set(events::timezone.eq("US/Eastern")).execute(c).expect("set")
    });
    let page = org.get(&edit).await;
    assert!(page.has("<optgroup label=\"Current time zone\"><option value=\"US/Eastern\" selected>"), "{}", page.body);
    let mut f = event_fields("US/Eastern", "Hall");
    f[1].1 =
        extract(&page.body, "id=\"slug\" name=\"slug\" type=\"text\" value=\"", "\"").unwrap_or_else(|| f[1].1.clone());
    let r = org.post(&edit, &pairs(&f)).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(stored(&app), "US/Eastern");
}

/// The filtered grid and the event form at 390 px in real Chromium: nothing wider than the
/// screen, long names included. Skipped (as the other browser tests are) without chromedriver.
#[actix_web::test]
async fn browser_the_filtered_grid_and_the_event_form_fit_a_phone() {
    let Some(path) = crate::browser::chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the phone-width check");
        return;
    };
    let (app, _sink) = TestApp::start().await;
    let s = small(&app).await;
    let long = person(
        &app,
        &s.ev,
        "Maximiliana-Konstantina Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewaren",
        &email("max"),
        "Rijksinstituut voor Volksgezondheid en Milieuhygiënebeleidsondersteuningsdienst",
    );
    let gus = person(&app, &s.ev, "Gus Green", &email("gus"), "Green Labs");
    meeting(&app, &s.ev, s.slots[0], 3, long, gus);
    let org_addr: String = app.with_conn(|c| {
        liaison::db::schema::users::table
            .filter(liaison::db::schema::users::name.eq("Olga Organiser"))
            .select(liaison::db::schema::users::email)
            .first(c)
            .expect("olga")
    });
    let driver = crate::browser::start_driver(&path).await;
    let b = crate::browser::browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone width");
    crate::browser::log_in(&b, &app.base, &org_addr).await;
    for (page, shot) in [
        (s.ev.org(&format!("/meetings?slot={}#grid", s.slots[0])), "grid-390.png"),
        (s.ev.org("/edit"), "event-form-390.png"),
    ] {
        b.goto(&format!("{}{page}", app.base)).await.expect("page");
        let widths = b
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .expect("widths");
        let (w, screen) = (widths[0].as_i64().expect("page"), widths[1].as_i64().expect("screen"));
        assert!(w <= screen, "{page} is {w} px wide on a {screen} px screen");
        let png = b.screenshot().await.expect("screenshot");
        std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(shot), &png).expect("save");
    }
    b.close().await.expect("close");
}
