//! The organiser side of events through the real server: who may use the organiser pages,
//! what bad input gets back, the CSV export and import, registrant filters and bulk actions,
//! announcements, statistics and the audit log, co-organiser invitations, and the public pages.

use chrono::{NaiveDateTime, TimeZone};
use diesel::prelude::*;
use liaison::db::schema::{
    audit_log, event_invitations as inv, event_organisers as eo, events, outbox, registration_answers as ra,
    registration_questions as rq, registrations, users,
};

use crate::support::*;

// ---------------------------------------------------------------- helpers

type Fields = Vec<(&'static str, String)>;
/// Form fields as sent.
type Pairs<'a> = Vec<(&'a str, &'a str)>;
/// A form that must be refused: its fields, the field with the message, the message.
type Refused<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

/// "YYYY-MM-DDTHH:MM", `days` from today (UTC date) at the wall-clock time `hm`.
fn day_at(days: i64, hm: &str) -> String {
    let d = chrono::Utc::now().date_naive() + chrono::TimeDelta::days(days);
    format!("{}T{hm}", d.format("%Y-%m-%d"))
}

/// A valid, published event in Brussels, a month from now, unlimited seats.
fn event_fields(title: &str, slug: &str) -> Fields {
    vec![
        ("title", title.to_string()),
        ("slug", slug.to_string()),
        ("description", "A day of partnering between industry and academia.".into()),
        ("venue", "Square Meeting Centre".into()),
        ("address", "Mont des Arts, 1000 Brussels".into()),
        ("timezone", "Europe/Brussels".into()),
        ("starts_at", day_at(30, "09:00")),
        ("ends_at", day_at(31, "17:30")),
        ("registration_opens_at", String::new()),
        ("registration_closes_at", String::new()),
        ("capacity", String::new()),
        ("status", "published".into()),
    ]
}

fn set(mut f: Fields, key: &'static str, value: &str) -> Fields {
    match f.iter_mut().find(|(k, _)| *k == key) {
        Some(e) => e.1 = value.to_string(),
        None => f.push((key, value.to_string())),
    }
    f
}

fn form<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// HTML-escapes like the templates (askama) do, to look for typed input in a page.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

async fn create_event(org: &Client, f: &Fields) -> i64 {
    let r = org.post("/organise/events/new", &form(f)).await;
    assert_eq!(r.status, 303, "create event: {}", r.body);
    let loc = r.location();
    loc.strip_prefix("/organise/events/").and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("location {loc}"))
}

async fn add_question(
    app: &TestApp,
    org: &Client,
    event: i64,
    kind: &str,
    label: &str,
    options: &str,
    required: bool,
) -> i64 {
    let mut f = vec![("kind", kind), ("label", label), ("options", options)];
    if required {
        f.push(("required", "on"));
    }
    let r = org.post(&format!("/organise/events/{event}/questions"), &f).await;
    assert_eq!(r.status, 303, "add question {label}: {}", r.body);
    app.with_conn(|c| {
        rq::table
            .filter(rq::event_id.eq(event).and(rq::label.eq(label)))
            .select(rq::id)
            .first(c)
            .expect("question stored")
    })
}

fn user_id(app: &TestApp, addr: &str) -> i64 {
    app.with_conn(|c| users::table.filter(users::email.eq(addr)).select(users::id).first(c).expect("user"))
}

/// (registration id, status, attended_at) of a person for an event.
fn reg_of(app: &TestApp, event: i64, user: i64) -> Option<(i64, String, Option<NaiveDateTime>)> {
    app.with_conn(|c| {
        registrations::table
            .filter(registrations::event_id.eq(event).and(registrations::user_id.eq(user)))
            .select((registrations::id, registrations::status, registrations::attended_at))
            .first(c)
            .optional()
            .expect("registration")
    })
}

fn status_of(app: &TestApp, reg: i64) -> String {
    app.with_conn(|c| registrations::table.find(reg).select(registrations::status).first(c).expect("registration"))
}

fn count_events(app: &TestApp) -> i64 {
    app.with_conn(|c| events::table.count().get_result(c).expect("count"))
}

fn count_registrations(app: &TestApp, event: i64) -> i64 {
    app.with_conn(|c| {
        registrations::table.filter(registrations::event_id.eq(event)).count().get_result(c).expect("count")
    })
}

fn count_outbox(app: &TestApp) -> i64 {
    app.with_conn(|c| outbox::table.count().get_result(c).expect("count"))
}

fn count_invitations(app: &TestApp, event: i64) -> i64 {
    app.with_conn(|c| inv::table.filter(inv::event_id.eq(event)).count().get_result(c).expect("count"))
}

fn is_organiser(app: &TestApp, event: i64, user: i64) -> bool {
    let n: i64 = app.with_conn(|c| {
        eo::table.filter(eo::event_id.eq(event).and(eo::user_id.eq(user))).count().get_result(c).expect("count")
    });
    n > 0
}

/// Everything organiser routes could change about an event, and the global counters.
fn snapshot(app: &TestApp, id: i64) -> String {
    app.with_conn(|c| {
        let event: (String, String, String, Option<i32>, bool, NaiveDateTime) = events::table
            .find(id)
            .select((
                events::title,
                events::slug,
                events::status,
                events::capacity,
                events::requires_approval,
                events::updated_at,
            ))
            .first(c)
            .expect("event");
        let organisers: Vec<i64> =
            eo::table.filter(eo::event_id.eq(id)).order(eo::user_id).select(eo::user_id).load(c).expect("organisers");
        let questions: Vec<(i64, String, String, i32, bool)> = rq::table
            .filter(rq::event_id.eq(id))
            .order(rq::id)
            .select((rq::id, rq::kind, rq::label, rq::position, rq::required))
            .load(c)
            .expect("questions");
        let regs: Vec<(i64, String, Option<i32>, Option<NaiveDateTime>)> = registrations::table
            .filter(registrations::event_id.eq(id))
            .order(registrations::id)
            .select((
                registrations::id,
                registrations::status,
                registrations::waitlist_number,
                registrations::attended_at,
            ))
            .load(c)
            .expect("registrations");
        let answers: Vec<(i64, i64, String)> = ra::table
            .order((ra::registration_id, ra::question_id))
            .select((ra::registration_id, ra::question_id, ra::value))
            .load(c)
            .expect("answers");
        let invitations: i64 = inv::table.count().get_result(c).expect("invitations");
        let mails: i64 = outbox::table.count().get_result(c).expect("outbox");
        let audit: i64 = audit_log::table.count().get_result(c).expect("audit");
        let all_events: i64 = events::table.count().get_result(c).expect("events");
        format!("{event:?}\n{organisers:?}\n{questions:?}\n{regs:?}\n{answers:?}\n{invitations} {mails} {audit} {all_events}")
    })
}

/// A registered attendee.
struct Reg {
    client: Client,
    addr: String,
    user: i64,
    reg: i64,
}

/// Creates an attendee account and registers it through the form; `profile` is
/// [organisation, sector, country].
async fn registrant(
    app: &TestApp,
    event: i64,
    slug: &str,
    name: &str,
    profile: [&str; 3],
    answers: &[(String, &str)],
) -> Reg {
    let addr = email("reg");
    let client = app.quick_user(name, &addr, "attendee").await;
    let mut f: Vec<(&str, &str)> = vec![("organisation", profile[0]), ("sector", profile[1]), ("country", profile[2])];
    for (k, v) in answers {
        f.push((k.as_str(), v));
    }
    let r = client.post(&format!("/events/{slug}/register"), &f).await;
    assert_eq!(r.status, 303, "registration of {name}: {}", r.body);
    let user = user_id(app, &addr);
    let reg = reg_of(app, event, user).expect("registered").0;
    Reg { client, addr, user, reg }
}

/// Alice and Bruno get the two seats; Chloé and Dmitri wait, in that order.
async fn four_registrants(app: &TestApp, event: i64, slug: &str) -> [Reg; 4] {
    [
        registrant(app, event, slug, "Alice Apfel", ["Acme Pharma SA", "pharma", "BE"], &[]).await,
        registrant(app, event, slug, "Bruno Brandt", ["University of Leuven", "academia", "BE"], &[]).await,
        registrant(app, event, slug, "Chloé Chevalier", ["Biotech Start", "biotech_sme", "FR"], &[]).await,
        registrant(app, event, slug, "Dmitri Dvorak", ["ACME Pharma GmbH", "pharma", "DE"], &[]).await,
    ]
}

/// The organiser and a published event with two seats.
async fn two_seat_event(app: &TestApp, title: &str, slug: &str) -> (Client, i64) {
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let id = create_event(&owner, &set(event_fields(title, slug), "capacity", "2")).await;
    (owner, id)
}

/// POSTs, expects a redirect, and returns the page it leads to (with its flash messages).
async fn post_and_follow(c: &Client, path: &str, fields: &[(&str, &str)]) -> Page {
    let r = c.post(path, fields).await;
    assert_eq!(r.status, 303, "POST {path}: {}", r.body);
    c.get(&r.location()).await
}

/// The HTML of one table row of the registrant list.
fn row_html(page: &Page, reg: i64) -> Option<String> {
    extract(&page.body, &format!("<tr id=\"registrant-{reg}\">"), "</tr>")
}

/// The "Checked in" cell (the last one) of a registrant's row.
fn checked_in_cell(page: &Page, reg: i64) -> String {
    let row = row_html(page, reg).unwrap_or_else(|| panic!("no row for registration {reg}"));
    let last = row.rsplit("<td>").next().unwrap_or_default();
    last.split("</td>").next().unwrap_or_default().trim().to_string()
}

async fn get_bytes(c: &Client, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = c.http.get(format!("{}{path}", c.base)).send().await.expect("GET");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.expect("body").to_vec())
}

fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("UTF-8 byte-order mark first");
    let mut r = csv::ReaderBuilder::new().from_reader(body);
    let header = r.headers().expect("header row").iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.expect("RFC 4180 record").iter().map(str::to_string).collect()).collect();
    (header, rows)
}

// ---------------------------------------------------------------- 1. authorisation

const TITLE: &str = "Quantum Harbour Summit";
const REGISTRANT: &str = "Zebulon Registrant";
const LABEL: &str = "Favourite enzyme nickname";

struct Guarded {
    id: i64,
    other_event: i64,
    q1: i64,
    q2: i64,
    reg: i64,
    owner_id: i64,
    cora_id: i64,
    owner: Client,
    other: Client,
    attendee: Client,
}

/// An event with a co-organiser, two questions and a registrant who answered; another
/// organiser with an event of their own; an attendee who is not registered.
async fn guarded_event(app: &TestApp) -> Guarded {
    let owner_addr = email("owner");
    let owner = app.quick_user("Orla Owner", &owner_addr, "organiser").await;
    let slug = "quantum-harbour-summit";
    let id = create_event(&owner, &set(event_fields(TITLE, slug), "capacity", "10")).await;
    let q1 = add_question(app, &owner, id, "short_text", LABEL, "", false).await;
    let q2 = add_question(app, &owner, id, "checkbox", "Second secret question", "", false).await;
    let cora_id = app.insert_user("Cora Cohost", &email("cora"), "organiser", "", "", "");
    app.insert_co_organiser(id, cora_id);
    let answers = [(format!("q_{q1}"), "Lysozyme Larry")];
    let reg = registrant(app, id, slug, REGISTRANT, ["Lab of Secrets", "academia", "BE"], &answers).await.reg;
    let other = app.quick_user("Otto Other", &email("otto"), "organiser").await;
    let other_event = create_event(&other, &event_fields("Otto Own Meetup", "otto-own-meetup")).await;
    let attendee = app.quick_user("Atti Attendee", &email("atti"), "attendee").await;
    Guarded { id, other_event, q1, q2, reg, owner_id: user_id(app, &owner_addr), cora_id, owner, other, attendee }
}

enum Req {
    Get(String),
    Post(String, Fields),
    Upload(String, Vec<u8>),
}

impl Req {
    fn path(&self) -> &str {
        match self {
            Req::Get(p) | Req::Post(p, _) | Req::Upload(p, _) => p,
        }
    }
    fn is_get(&self) -> bool {
        matches!(self, Req::Get(_))
    }
}

async fn send(c: &Client, r: &Req) -> Page {
    match r {
        Req::Get(p) => c.get(p).await,
        Req::Post(p, f) => c.post(p, &form(f)).await,
        Req::Upload(p, data) => c.post_file(p, "invitees.csv", data.clone()).await,
    }
}

fn post(path: String, f: &[(&'static str, &str)]) -> Req {
    Req::Post(path, f.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// Every route of src/events/mod.rs under /organise/events/{id}, with bodies that would
/// change the event if they were accepted.
fn organiser_routes(g: &Guarded) -> Vec<Req> {
    let e = format!("/organise/events/{}", g.id);
    let (q1, q2, reg) = (g.q1, g.q2, g.reg.to_string());
    vec![
        Req::Get(e.clone()),
        Req::Get(format!("{e}/edit")),
        Req::Get(format!("{e}/organisers")),
        Req::Get(format!("{e}/questions")),
        Req::Get(format!("{e}/registrants")),
        Req::Get(format!("{e}/registrants?status=confirmed&q=zebulon")),
        Req::Get(format!("{e}/registrants.csv")),
        Req::Get(format!("{e}/registrants.csv?status=confirmed")),
        Req::Get(format!("{e}/import")),
        Req::Get(format!("{e}/announce")),
        Req::Get(format!("{e}/stats")),
        Req::Post(format!("{e}/edit"), set(event_fields("Hijacked Title", "hijacked-title"), "status", "cancelled")),
        post(format!("{e}/organisers"), &[("email", "intruder@example.org")]),
        post(format!("{e}/organisers/{}/remove", g.cora_id), &[]),
        post(format!("{e}/organisers/{}/remove", g.owner_id), &[]),
        post(format!("{e}/questions"), &[("kind", "short_text"), ("label", "Injected question")]),
        post(format!("{e}/questions/{q1}"), &[("kind", "long_text"), ("label", "Hijacked label")]),
        post(format!("{e}/questions/{q1}/move"), &[("direction", "down")]),
        post(format!("{e}/questions/{q2}/move"), &[("direction", "up")]),
        post(format!("{e}/questions/{q2}/delete"), &[]),
        post(format!("{e}/registrants"), &[("action", "check_in"), ("ids", &reg)]),
        post(format!("{e}/registrants"), &[("action", "cancel"), ("ids", &reg)]),
        Req::Upload(
            format!("{e}/import"),
            b"name,email,organisation\nIvy Intruder,ivy@example.org,Intruders\n".to_vec(),
        ),
        post(format!("{e}/announce"), &[("subject", "Hijacked"), ("body", "Hijacked body"), ("status", "confirmed")]),
        post(
            format!("{e}/announce"),
            &[("subject", "Hijacked"), ("body", "Hijacked body"), ("status", "confirmed"), ("step", "send")],
        ),
    ]
}

fn assert_nothing_leaks(who: &str, r: &Req, page: &Page) {
    for secret in [TITLE, REGISTRANT, LABEL, "Lysozyme Larry"] {
        assert!(!page.has(secret), "{who} {}: {secret:?} leaked:\n{}", r.path(), page.body);
    }
}

#[actix_web::test]
async fn anonymous_visitors_are_sent_to_log_in_from_every_organiser_route_and_change_nothing() {
    let (app, _sink) = TestApp::start().await;
    let g = guarded_event(&app).await;
    let before = snapshot(&app, g.id);
    let anon = app.client();
    for r in organiser_routes(&g) {
        let page = send(&anon, &r).await;
        assert_eq!(page.status, 303, "anonymous {}: {}", r.path(), page.body);
        let expected = format!("/login?next={}", liaison::web::url_encode(r.path()));
        match r {
            // The upload carries its CSRF token in the query, which `next` keeps.
            Req::Upload(..) => assert!(page.location().starts_with(&expected), "{}", page.location()),
            _ => assert_eq!(page.location(), expected, "anonymous {}", r.path()),
        }
        assert_nothing_leaks("anonymous", &r, &page);
    }
    for p in ["/organise", "/organise/events/new"] {
        let r = anon.get(p).await;
        assert_eq!((r.status, r.location()), (303, format!("/login?next={}", liaison::web::url_encode(p))));
    }
    let r = anon.post("/organise/events/new", &form(&event_fields("Anonymous Event", "anonymous-event"))).await;
    assert_eq!(r.status, 303);
    assert_eq!(snapshot(&app, g.id), before, "anonymous requests changed nothing");
}

#[actix_web::test]
async fn attendees_and_organisers_of_other_events_get_no_organiser_route_and_change_nothing() {
    let (app, _sink) = TestApp::start().await;
    let g = guarded_event(&app).await;
    let before = snapshot(&app, g.id);
    for (who, client) in [("attendee", &g.attendee), ("other organiser", &g.other)] {
        for r in organiser_routes(&g) {
            let page = send(client, &r).await;
            assert!(page.status == 403 || page.status == 404, "{who} {}: {} {}", r.path(), page.status, page.body);
            assert_nothing_leaks(who, &r, &page);
        }
        // Their own lists do not show the event either.
        let list = client.get("/organise").await;
        assert!(!list.has(TITLE), "{who}: /organise lists the event");
        assert!(!client.get("/my/registrations").await.has(TITLE));
    }
    assert_eq!(snapshot(&app, g.id), before, "refused requests changed nothing");

    // The same requests from the event's organiser do change it: the snapshot can tell.
    let check_in = organiser_routes(&g)
        .into_iter()
        .find(|r| matches!(r, Req::Post(p, f) if p.ends_with("/registrants") && f[0].1 == "check_in"))
        .expect("check-in request");
    assert_eq!(send(&g.owner, &check_in).await.status, 303);
    assert_ne!(snapshot(&app, g.id), before);
    for r in organiser_routes(&g).iter().filter(|r| r.is_get()) {
        let page = send(&g.owner, r).await;
        assert_eq!(page.status, 200, "organiser {}", r.path());
        assert!(page.has(TITLE) || page.has(REGISTRANT), "organiser {}", r.path());
    }
}

#[actix_web::test]
async fn organisers_cannot_reach_another_events_data_through_their_own_events_routes() {
    let (app, _sink) = TestApp::start().await;
    let g = guarded_event(&app).await;
    let before = snapshot(&app, g.id);
    let mine = format!("/organise/events/{}", g.other_event);
    let (q1, reg) = (g.q1, g.reg.to_string());
    let attempts = [
        post(format!("{mine}/questions/{q1}"), &[("kind", "short_text"), ("label", "Hijacked label")]),
        post(format!("{mine}/questions/{q1}/move"), &[("direction", "down")]),
        post(format!("{mine}/questions/{q1}/delete"), &[]),
        post(format!("{mine}/registrants"), &[("action", "cancel"), ("ids", &reg)]),
        post(format!("{mine}/registrants"), &[("action", "check_in"), ("ids", &reg)]),
        post(format!("{mine}/organisers/{}/remove", g.cora_id), &[]),
        post(format!("{mine}/organisers/{}/remove", g.owner_id), &[]),
    ];
    for r in &attempts {
        let page = send(&g.other, r).await;
        assert!([303, 404].contains(&page.status), "{}: {} {}", r.path(), page.status, page.body);
        assert_nothing_leaks("other organiser", r, &page);
    }
    let list = g.other.get(&format!("{mine}/registrants?q=zebulon")).await;
    assert_eq!(list.status, 200);
    assert!(list.has("0 shown") && !list.has(REGISTRANT));
    assert_eq!(snapshot(&app, g.id), before, "the other event is unchanged");
    // Their own export (which is audited, so it comes last) holds nobody from the other event.
    let (status, _, csv) = get_bytes(&g.other, &format!("{mine}/registrants.csv")).await;
    assert_eq!(status, 200);
    assert!(!String::from_utf8_lossy(&csv).contains(REGISTRANT));
}

#[actix_web::test]
async fn only_organisers_create_events_and_admins_see_every_events_organiser_pages() {
    let (app, _sink) = TestApp::start().await;
    let g = guarded_event(&app).await;
    let n = count_events(&app);
    for p in ["/organise/events/new", "/organise"] {
        let r = g.attendee.get(p).await;
        assert_eq!(r.status, 403, "attendee GET {p}");
        assert!(r.has("You do not have permission"));
    }
    let r = g.attendee.post("/organise/events/new", &form(&event_fields("Attendee Event", "attendee-event"))).await;
    assert_eq!(r.status, 403);
    assert_eq!(count_events(&app), n, "no event created by an attendee");

    let admin = app.quick_user("Ann Admin", &email("admin"), "admin").await;
    assert!(admin.get("/organise").await.has(TITLE), "admins see every event in /organise");
    for r in organiser_routes(&g).iter().filter(|r| r.is_get()) {
        let page = send(&admin, r).await;
        assert_eq!(page.status, 200, "admin {}", r.path());
        if r.path().contains(".csv") {
            assert!(page.has(REGISTRANT), "admin {}", r.path());
        } else {
            assert!(page.has(TITLE), "admin {}", r.path());
        }
    }
    let r = admin.get(&format!("/organise/events/{}/registrants", g.id)).await;
    assert!(r.has(REGISTRANT));
    let q = admin.get(&format!("/organise/events/{}/questions", g.id)).await;
    assert!(q.has(LABEL));
}

// ---------------------------------------------------------------- 2. bad input

#[actix_web::test]
async fn event_form_refuses_bad_input_with_the_fields_message_keeps_the_input_and_stores_nothing() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    create_event(&owner, &event_fields("Base Event", "base-event")).await;
    let cases: Vec<(&'static str, String, &str)> = vec![
        ("title", String::new(), "Please give the event a title."),
        ("title", "T".repeat(201), "Please keep this under 200 characters."),
        ("starts_at", "31/12/2030 9am".into(), "Please give the date and time as YYYY-MM-DD HH:MM."),
        ("ends_at", "2030-13-45T25:00".into(), "Please give the date and time as YYYY-MM-DD HH:MM."),
        ("ends_at", day_at(29, "09:00"), "The end must be after the start."),
        ("timezone", "Mars/Olympus_Mons".into(), "Please give a time zone by its IANA name, e.g. Europe/Brussels."),
        ("capacity", "-5".into(), "The capacity cannot be below zero. Leave it empty for no limit."),
        ("capacity", "ten".into(), "Please give a whole number of seats, or leave it empty for no limit."),
        ("slug", "Bad Slug!".into(), "Use lowercase letters, digits and hyphens only"),
        ("slug", "base-event".into(), "Another event already uses this web address; please choose another."),
        ("registration_closes_at", day_at(32, "09:00"), "Registration cannot close after the event has ended."),
    ];
    let n = count_events(&app);
    for (field, value, message) in &cases {
        let f = set(set(event_fields("Fresh Event", "fresh-event"), "venue", "Typed Venue Kept"), field, value);
        let r = owner.post("/organise/events/new", &form(&f)).await;
        assert_eq!(r.status, 422, "{field}={value:?}: {}", r.status);
        assert!(r.has("id=\"form-errors\""), "{field}: summary");
        assert!(
            r.has(&format!("id=\"{field}-error\">{}", esc(message))),
            "{field}={value:?}: no {message:?} in\n{}",
            r.body
        );
        // The time zone is a picker (issue 13); the others are inputs.
        let shown = r.has(&format!("id=\"{field}\" name=\"{field}\" type="))
            || r.has(&format!("<select id=\"{field}\" name=\"{field}\""));
        assert!(shown, "{field}: the field is shown");
        assert!(r.has(&format!("value=\"{}\"", esc(value))), "{field}: typed value {value:?} kept");
        assert!(r.has("value=\"Typed Venue Kept\""), "{field}: the other fields are kept");
        assert_eq!(count_events(&app), n, "{field}={value:?}: no event stored");
    }
    let stored: i64 =
        app.with_conn(|c| events::table.filter(events::slug.eq("fresh-event")).count().get_result(c).expect("count"));
    assert_eq!(stored, 0);
    // The same form, corrected, is accepted.
    create_event(&owner, &event_fields("Fresh Event", "fresh-event")).await;
    assert_eq!(count_events(&app), n + 1);
}

#[actix_web::test]
async fn editing_an_event_with_bad_input_a_taken_slug_or_too_few_seats_changes_nothing() {
    let (app, _sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Capacity Congress", "capacity-congress").await;
    create_event(&owner, &event_fields("Neighbour Event", "neighbour-event")).await;
    let cap = |n: &str| set(event_fields("Capacity Congress", "capacity-congress"), "capacity", n);
    let r = owner.post(&format!("/organise/events/{id}/edit"), &form(&cap("5"))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    registrant(&app, id, "capacity-congress", "Alice Apfel", ["Acme Pharma SA", "pharma", "BE"], &[]).await;
    registrant(&app, id, "capacity-congress", "Bruno Brandt", ["KU Leuven", "academia", "BE"], &[]).await;
    let before = snapshot(&app, id);

    let edit = format!("/organise/events/{id}/edit");
    let r = owner.post(&edit, &form(&cap("1"))).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"capacity-error\">2 people are already confirmed; the capacity cannot be lower."), "{}", r.body);
    assert!(r.has("value=\"1\""), "typed capacity kept");
    let r = owner.post(&edit, &form(&set(cap("5"), "slug", "neighbour-event"))).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"slug-error\">Another event already uses this web address"));
    assert!(r.has("value=\"neighbour-event\""));
    let r = owner.post(&edit, &form(&set(set(cap("5"), "title", ""), "venue", "New Venue Typed"))).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"title-error\">Please give the event a title.") && r.has("value=\"New Venue Typed\""));
    let r = owner.post(&edit, &form(&set(cap("5"), "timezone", "Europe/Atlantis"))).await;
    assert_eq!(r.status, 422);
    assert!(r.has("value=\"Europe/Atlantis\""));
    assert_eq!(snapshot(&app, id), before, "nothing changed");

    // Exactly the confirmed count is allowed.
    assert_eq!(owner.post(&edit, &form(&cap("2"))).await.status, 303);
    let capacity: Option<i32> =
        app.with_conn(|c| events::table.find(id).select(events::capacity).first(c).expect("event"));
    assert_eq!(capacity, Some(2));
}

#[actix_web::test]
async fn question_form_refuses_missing_label_too_few_choices_and_unknown_kinds() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let id = create_event(&owner, &event_fields("Question Quarter", "question-quarter")).await;
    let q = add_question(&app, &owner, id, "short_text", "Dietary needs", "", true).await;
    let before = snapshot(&app, id);
    let cases: [(Refused, &str); 4] = [
        (
            (
                &[("kind", "short_text"), ("label", ""), ("help", "Typed help kept")],
                "label",
                "Please write the question.",
            ),
            "Typed help kept",
        ),
        (
            (
                &[("kind", "single_choice"), ("label", "Lunch choice"), ("options", "Only one\n\n")],
                "options",
                "Give at least two choices, one per line.",
            ),
            "Lunch choice",
        ),
        (
            (
                &[("kind", "multiple_choice"), ("label", "Topics"), ("options", "")],
                "options",
                "Give at least two choices, one per line.",
            ),
            "Topics",
        ),
        (
            (&[("kind", "essay"), ("label", "Tell us everything")], "kind", "Please choose a kind of question."),
            "Tell us everything",
        ),
    ];
    for ((fields, field, message), kept) in cases {
        // A question's own form names its fields after it (one page holds many such forms).
        for (path, scope) in [
            (format!("/organise/events/{id}/questions"), String::new()),
            (format!("/organise/events/{id}/questions/{q}"), format!("question-{q}-")),
        ] {
            let r = owner.post(&path, fields).await;
            assert_eq!(r.status, 422, "{path} {fields:?}");
            assert!(r.has("id=\"form-errors\""));
            assert!(r.has(&format!("id=\"{scope}{field}-error\">{message}")), "{path} {fields:?}:\n{}", r.body);
            assert!(r.has(&format!("value=\"{kept}\"")), "{path}: typed input kept");
        }
    }
    assert_eq!(snapshot(&app, id), before, "no question added or changed");
    add_question(&app, &owner, id, "single_choice", "Lunch choice", "Vegetarian\nFish", false).await;
}

#[actix_web::test]
async fn co_organiser_invitation_to_a_malformed_address_is_refused_and_sends_nothing() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let id = create_event(&owner, &event_fields("Invite Institute", "invite-institute")).await;
    let mails = count_outbox(&app);
    for (value, message) in [
        ("not-an-address", "This does not look like an e-mail address (name@example.org)."),
        ("someone@localhost", "This does not look like an e-mail address (name@example.org)."),
        ("", "Please enter your e-mail address."),
    ] {
        let r = owner.post(&format!("/organise/events/{id}/organisers"), &[("email", value)]).await;
        assert_eq!(r.status, 422, "{value:?}");
        assert!(r.has(&format!("id=\"email-error\">{message}")), "{value:?}:\n{}", r.body);
        assert!(r.has(&format!("value=\"{value}\"")), "typed address kept");
    }
    assert_eq!(count_invitations(&app, id), 0);
    assert_eq!(count_outbox(&app), mails, "no mail");
}

#[actix_web::test]
async fn announcement_without_subject_body_or_group_is_refused_and_sends_nothing() {
    let (app, sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Announce Arena", "announce-arena").await;
    let alice = registrant(&app, id, "announce-arena", "Alice Apfel", ["Acme Pharma SA", "pharma", "BE"], &[]).await;
    sink.wait_for(&alice.addr, "You are registered").await;
    let mails = count_outbox(&app);
    let path = format!("/organise/events/{id}/announce");
    for step in ["preview", "send"] {
        let cases: [Refused; 4] = [
            (
                &[("subject", "  "), ("body", "Typed body kept"), ("status", "confirmed")],
                "subject",
                "Please write a subject.",
            ),
            (
                &[("subject", "Typed subject kept"), ("body", ""), ("status", "confirmed")],
                "body",
                "Please write the message.",
            ),
            (
                &[("subject", "Typed subject kept"), ("body", "Typed body kept")],
                "status",
                "Choose at least one group of registrants.",
            ),
            (
                &[("subject", "Typed subject kept"), ("body", "Typed body kept"), ("status", "everyone")],
                "status",
                "Choose at least one group of registrants.",
            ),
        ];
        for (fields, field, message) in cases {
            let mut f = fields.to_vec();
            f.push(("step", step));
            let r = owner.post(&path, &f).await;
            assert_eq!(r.status, 422, "{step} {fields:?}");
            assert!(r.has("Nothing was sent"));
            assert!(r.has(&format!("id=\"{field}-error\">{message}")), "{step} {fields:?}:\n{}", r.body);
            assert!(r.has("Typed subject kept") || r.has("Typed body kept"), "typed input kept");
            assert!(!r.has("id=\"preview\""), "no preview with errors");
        }
    }
    // Sending to a group nobody is in.
    let r = owner.post(&path, &[("subject", "Hello"), ("body", "Hi"), ("status", "rejected"), ("step", "send")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("Nobody is registered with the chosen status; nothing was sent."));
    assert_eq!(count_outbox(&app), mails, "nothing queued");
    let audit: i64 = app.with_conn(|c| {
        audit_log::table.filter(audit_log::action.eq("announcement.sent")).count().get_result(c).expect("count")
    });
    assert_eq!(audit, 0);
    assert!(sink.to(&alice.addr).iter().all(|m| !m.subject.contains("Typed subject kept")));
}

#[actix_web::test]
async fn registrant_action_without_selection_or_with_an_unknown_action_changes_nothing() {
    let (app, _sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Action Academy", "action-academy").await;
    let alice = registrant(&app, id, "action-academy", "Alice Apfel", ["Acme Pharma SA", "pharma", "BE"], &[]).await;
    let before = snapshot(&app, id);
    let path = format!("/organise/events/{id}/registrants");
    let reg = alice.reg.to_string();
    for (fields, message) in [
        (vec![("action", "check_in")], "Please select at least one person."),
        (vec![("action", "cancel"), ("ids", "abc")], "Please select at least one person."),
        (vec![("action", "explode"), ("ids", reg.as_str())], "Please choose what to do with the selected people."),
        (vec![("action", ""), ("ids", reg.as_str())], "Please choose what to do with the selected people."),
    ] {
        let r = owner.post(&path, &fields).await;
        assert_eq!(r.status, 303, "{fields:?}");
        assert_eq!(r.location(), path);
        let page = owner.get(&r.location()).await;
        assert!(page.has("flash-error") && page.has(message), "{fields:?}: {message}\n{}", page.body);
    }
    // A back address elsewhere is not followed.
    let r = owner.post(&path, &[("action", "check_in"), ("back", "https://evil.example/")]).await;
    assert_eq!(r.location(), path);
    assert_eq!(snapshot(&app, id), before, "nothing changed");
    assert_eq!(status_of(&app, alice.reg), "confirmed");
}

#[actix_web::test]
async fn registration_form_refuses_bad_input_keeps_it_and_stores_nothing() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let slug = "register-retreat";
    let id = create_event(&owner, &event_fields("Register Retreat", slug)).await;
    let badge = add_question(&app, &owner, id, "short_text", "Name on your badge", "", true).await;
    let lunch = add_question(&app, &owner, id, "single_choice", "Lunch", "Vegetarian lunch\nNo lunch", false).await;
    let topics = add_question(&app, &owner, id, "multiple_choice", "Topics", "Oncology\nVaccines", false).await;
    let addr = email("ria");
    let ria = app.quick_user("Ria Registrant", &addr, "attendee").await;
    let (qb, ql, qt) = (format!("q_{badge}"), format!("q_{lunch}"), format!("q_{topics}"));
    let long = "x".repeat(301);
    let good: Vec<(&str, &str)> = vec![
        ("organisation", "Typed Org Kept"),
        ("sector", "pharma"),
        ("country", "BE"),
        (&qb, "Ria R."),
        (&ql, "No lunch"),
        (&qt, "Vaccines"),
    ];
    let with = |key: &str, value: &'static str| -> Vec<(&str, &str)> {
        good.iter().map(|(k, v)| if *k == key { (*k, value) } else { (*k, *v) }).collect()
    };
    let long_answer: Vec<(&str, &str)> =
        good.iter().map(|(k, v)| if *k == qb { (*k, long.as_str()) } else { (*k, *v) }).collect();
    let cases: Vec<(Pairs, &str, &str)> = vec![
        (with(&qb, ""), &qb, "Please answer this question."),
        (with(&ql, "Dinner"), &ql, "Please choose one of the options."),
        (with(&qt, "Mining"), &qt, "Please choose among the options shown."),
        (with("organisation", ""), "organisation", "Please give your organisation."),
        (with("sector", ""), "sector", "Please give your sector."),
        (with("sector", "mining"), "sector", "Please choose a sector from the list."),
        (with("country", ""), "country", "Please give your country."),
        (with("country", "XX"), "country", "Please choose a country from the list."),
        (long_answer, &qb, "Please keep this under 300 characters."),
    ];
    let path = format!("/events/{slug}/register");
    for (fields, field, message) in &cases {
        let r = ria.post(&path, fields).await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        assert!(r.has("id=\"form-errors\""));
        assert!(r.has(&format!("id=\"{field}-error\">{message}")), "{field}: {message}\n{}", r.body);
        // What was typed comes back.
        for (k, v) in fields.iter().filter(|(k, v)| *k != *field && !v.is_empty()) {
            let kept = match *k {
                "sector" | "country" => format!("<option value=\"{v}\" selected>"),
                k if k == ql || k == qt => format!("value=\"{v}\" checked>"),
                _ => format!("value=\"{}\"", esc(v)),
            };
            assert!(r.has(&kept), "{field}: {k}={v} not kept ({kept})");
        }
        assert_eq!(count_registrations(&app, id), 0, "{field}: nothing stored");
    }
    let org: String =
        app.with_conn(|c| users::table.filter(users::email.eq(&addr)).select(users::organisation).first(c).expect("u"));
    assert_eq!(org, "", "the profile is not changed by a refused form");
    let r = ria.post(&path, &good).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(count_registrations(&app, id), 1);
}

// ---------------------------------------------------------------- 3. CSV export

#[actix_web::test]
async fn csv_export_is_utf8_bom_crlf_rfc4180_with_one_column_per_question_and_neutralised_formulas() {
    let (app, _sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Export Expo", "export-expo").await;
    let topics =
        add_question(&app, &owner, id, "multiple_choice", "Topics of interest", "Oncology\nVaccines\nAMR", false).await;
    let diet = add_question(&app, &owner, id, "short_text", "Dietary needs", "", false).await;
    let (qt, qd) = (format!("q_{topics}"), format!("q_{diet}"));
    let zoe_answers = [(qt.clone(), "AMR"), (qt.clone(), "Oncology"), (qd.clone(), "Végétarien, \"sans\" gluten")];
    let zoe = registrant(
        &app,
        id,
        "export-expo",
        "Zoë Çelik-Ångström",
        ["Université Libre de Bruxelles", "academia", "BE"],
        &zoe_answers,
    )
    .await;
    let mallory = registrant(
        &app,
        id,
        "export-expo",
        "=SUM(A1:A2) Mallory",
        ["@Evil Corp", "other", "DE"],
        &[(qt.clone(), "Vaccines")],
    )
    .await;
    let walt = registrant(&app, id, "export-expo", "Walt Waiting", ["Wait Ltd", "pharma", "FR"], &[]).await;
    assert_eq!(status_of(&app, walt.reg), "waitlisted");

    let (status, headers, bytes) = get_bytes(&owner, &format!("/organise/events/{id}/registrants.csv")).await;
    assert_eq!(status, 200);
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert!(header("content-type").starts_with("text/csv"), "{}", header("content-type"));
    assert!(header("content-disposition").contains("attachment; filename=\"export-expo-registrants.csv\""));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM first");
    assert!(bytes.ends_with(b"\r\n"));
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF at byte {i}");
        }
    }
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(text.contains("\"Végétarien, \"\"sans\"\" gluten\""), "quotes doubled, cell quoted: {text}");

    let (head, rows) = parse_csv(&bytes);
    assert_eq!(head[0], "Name");
    assert!(head.contains(&"Registered at (Europe/Brussels)".to_string()), "{head:?}");
    assert_eq!(&head[head.len() - 2..], ["Topics of interest", "Dietary needs"], "one column per question, in order");
    assert_eq!(rows.len(), 3, "one row per registrant");
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let row = |addr: &str| -> Vec<String> {
        rows.iter().find(|r| r[col("E-mail")] == addr).unwrap_or_else(|| panic!("no row for {addr}")).clone()
    };
    for r in &rows {
        assert_eq!(r.len(), head.len());
    }
    let z = row(&zoe.addr);
    assert_eq!(z[col("Name")], "Zoë Çelik-Ångström", "non-ASCII intact");
    assert_eq!(z[col("Organisation")], "Université Libre de Bruxelles");
    assert_eq!(z[col("Sector")], "Academia / research institute");
    assert_eq!(z[col("Country")], "Belgium");
    assert_eq!(z[col("Status")], "Confirmed");
    assert_eq!(z[col("Topics of interest")], "Oncology; AMR", "multiple choice joined, in option order");
    assert_eq!(z[col("Dietary needs")], "Végétarien, \"sans\" gluten");
    let m = row(&mallory.addr);
    assert_eq!(m[col("Name")], "'=SUM(A1:A2) Mallory", "formula neutralised");
    assert_eq!(m[col("Organisation")], "'@Evil Corp", "formula neutralised");
    assert_eq!(m[col("Topics of interest")], "Vaccines");
    assert_eq!(m[col("Dietary needs")], "");
    let w = row(&walt.addr);
    assert_eq!((w[col("Status")].as_str(), w[col("Waitlist position")].as_str()), ("Waitlisted", "1"));

    // Filters from the registrant list apply.
    let (_, _, bytes) = get_bytes(&owner, &format!("/organise/events/{id}/registrants.csv?status=waitlisted")).await;
    let (_, rows) = parse_csv(&bytes);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][col("E-mail")], walt.addr);
    let (_, _, bytes) =
        get_bytes(&owner, &format!("/organise/events/{id}/registrants.csv?country=be&sector=academia")).await;
    let (_, rows) = parse_csv(&bytes);
    assert_eq!(rows.iter().map(|r| r[col("E-mail")].clone()).collect::<Vec<_>>(), vec![zoe.addr.clone()]);
    // The list links its export with the same filters.
    let list = owner.get(&format!("/organise/events/{id}/registrants?status=waitlisted")).await;
    assert!(
        list.has(&format!("/organise/events/{id}/registrants.csv?status=waitlisted&#38;")),
        "export link keeps filters"
    );
}

// ---------------------------------------------------------------- 4. CSV import

#[actix_web::test]
async fn csv_import_invites_each_person_and_their_link_opens_the_invitation_page() {
    let (app, sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let slug = "import-gala";
    let id = create_event(&owner, &event_fields("Import Gala", slug)).await;
    let (ada, grace) = (email("ada"), email("grace"));
    let file = format!(
        "\u{feff}name,email,organisation\r\nAda Lovelace,{ada},University of Example\r\n\"Hopper, Grace\",{},\"Example Pharma, Inc.\"\r\n",
        grace.to_uppercase()
    );
    let r = owner.post_file(&format!("/organise/events/{id}/import"), "list.csv", file.into_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has("id=\"import-done\">2 invitations sent."), "{}", r.body);
    assert!(!r.has("import-bad") && !r.has("import-error"));
    assert_eq!(count_invitations(&app, id), 2);

    let prefix = format!("{}/events/{slug}/invitation/", app.base);
    for (addr, name) in [(&ada, "Ada Lovelace"), (&grace, "Hopper, Grace")] {
        let mail = sink.wait_for(addr, "Invitation: Import Gala").await;
        assert!(mail.text.contains(&format!("Hello {name},")), "{}", mail.text);
        assert!(mail.text.contains("Orla Owner invites you to Import Gala"));
        let link = mail.link(&prefix);
        let page = app.client().get(&link[app.base.len()..]).await;
        assert_eq!(page.status, 200, "{link}");
        assert!(page.has("You are invited to Import Gala"));
        assert!(page.has(&format!("/signup?email={}", liaison::web::url_encode(addr))), "sign-up prefilled");
    }
    // The invitee registers through the link; the invitation is marked used.
    let mail = sink.wait_for(&ada, "Invitation: Import Gala").await;
    let token = mail.link(&prefix)[prefix.len()..].to_string();
    let ada_client = app.quick_user("Ada Lovelace", &ada, "attendee").await;
    let page = ada_client.get(&format!("/events/{slug}/invitation/{token}")).await;
    let register = format!("/events/{slug}/register?invitation={token}");
    assert!(page.has(&register), "register link");
    assert!(ada_client.get(&register).await.has(&format!("name=\"invitation\" value=\"{token}\"")));
    let r = ada_client
        .post(
            &format!("/events/{slug}/register"),
            &[
                ("organisation", "University of Example"),
                ("sector", "academia"),
                ("country", "GB"),
                ("invitation", &token),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let accepted: Option<NaiveDateTime> = app
        .with_conn(|c| inv::table.filter(inv::email.eq(&ada)).select(inv::accepted_at).first(c).expect("invitation"));
    assert!(accepted.is_some());
    assert!(app.client().get(&format!("/events/{slug}/invitation/not-a-token")).await.status == 404);
}

#[actix_web::test]
async fn csv_import_lists_bad_rows_by_line_number_and_invites_nobody_until_they_are_corrected() {
    let (app, sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let id = create_event(&owner, &event_fields("Rows Rally", "rows-rally")).await;
    let (one, two, nameless) = (email("one"), email("two"), email("nameless"));
    let file = format!(
        "email,name,organisation\n{one},Good One,Org\nnot-an-email,Bad Email,Org\n{nameless},,Org\n,,\n{two},Good Two,\"Org, Ltd\"\n{},Duplicate,Org\n",
        one.to_uppercase()
    );
    let r = owner.post_file(&format!("/organise/events/{id}/import"), "list.csv", file.into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!r.has("import-done"), "{}", r.body);
    let bad = extract(&r.body, "id=\"import-bad\">", "</div>").expect("bad rows listed");
    assert!(bad.contains("Nobody was invited: 3 rows need correcting first."), "{bad}");
    assert!(
        bad.contains("<li>Line 3: E-mail &#34;not-an-email&#34;: This does not look like an e-mail address"),
        "{bad}"
    );
    assert!(bad.contains("<li>Line 4: The name is missing.</li>"), "{bad}");
    assert!(bad.contains(&format!("<li>Line 7: {one} appears more than once in the file.</li>")), "{bad}");
    assert!(!bad.contains("Line 5") && !bad.contains("Line 6") && !bad.contains("Line 2"), "{bad}");
    // Nothing half imported: the good rows wait for the corrected file.
    assert_eq!(count_invitations(&app, id), 0);
    let file = format!("email,name,organisation\n{one},Good One,Org\n{two},Good Two,\"Org, Ltd\"\n");
    let r = owner.post_file(&format!("/organise/events/{id}/import"), "list.csv", file.into_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has("id=\"import-done\">2 invitations sent."), "{}", r.body);
    let invited: Vec<String> = app.with_conn(|c| {
        inv::table.filter(inv::event_id.eq(id)).order(inv::email).select(inv::email).load(c).expect("invitations")
    });
    let mut expected = vec![one.clone(), two.clone()];
    expected.sort();
    assert_eq!(invited, expected);
    sink.wait_for(&one, "Invitation: Rows Rally").await;
    sink.wait_for(&two, "Invitation: Rows Rally").await;
    assert!(sink.to(&nameless).is_empty() && sink.to("not-an-email").is_empty());
}

#[actix_web::test]
async fn csv_import_refuses_broken_quoting_wrong_columns_empty_and_non_utf8_files_and_invites_nobody() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let id = create_event(&owner, &event_fields("Broken Bazaar", "broken-bazaar")).await;
    let mails = count_outbox(&app);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"name,email,organisation\n\"Bob Broken,bob@broken.example.org,Y\nCarl,carl@broken.example.org,Z\n"
                .to_vec(),
            "Line 2: This row has 1 cells; the header has 3. Check its commas and quotation marks",
        ),
        (
            b"first,last\nAda,Lovelace\n".to_vec(),
            "The first row must name the columns name, email and organisation; it has: first, last.",
        ),
        (
            b"name,organisation\nAda Lovelace,Uni\n".to_vec(),
            "The first row must name the columns name, email and organisation; it has: name, organisation.",
        ),
        (b"name,email,organisation\nZo\xeb,zoe@latin1.example.org,Uni\n".to_vec(), "The file is not UTF-8 text."),
        (b"\n\n".to_vec(), "The file is empty."),
        (Vec::new(), "Please choose a CSV file to import."),
    ];
    for (data, message) in cases {
        let r = owner.post_file(&format!("/organise/events/{id}/import"), "list.csv", data.clone()).await;
        assert_eq!(r.status, 422, "{message}: {}", r.body);
        assert!(r.has(message), "{message}\n{}", r.body);
        assert!(!r.has("import-done"), "{message}: nobody invited");
        assert!(r.has("Import Gala") || r.has("Broken Bazaar"), "the import page, not an error page");
        assert_eq!(count_invitations(&app, id), 0, "{message}");
    }
    assert_eq!(count_outbox(&app), mails, "no mail");
}

#[actix_web::test]
async fn oversized_csv_upload_is_refused_with_413_and_invites_nobody() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let id = create_event(&owner, &event_fields("Big File Fair", "big-file-fair")).await;
    let mails = count_outbox(&app);
    let mut file = b"name,email,organisation\n".to_vec();
    let mut n = 0;
    while file.len() <= 2 * 1024 * 1024 {
        file.extend_from_slice(format!("Person {n},person{n}@bulk.example.org,Bulk Org\n").as_bytes());
        n += 1;
    }
    for data in [file.clone(), [file.clone(), vec![b'x'; 1024 * 1024]].concat()] {
        let r = owner.post_file(&format!("/organise/events/{id}/import"), "big.csv", data).await;
        assert_ne!(r.status, 500);
        assert_eq!(r.status, 413, "{}", r.body);
        assert!(r.has("larger than this form accepts"), "{}", r.body);
    }
    assert_eq!(count_invitations(&app, id), 0);
    assert_eq!(count_outbox(&app), mails);
    // The organiser's session still works afterwards.
    assert_eq!(owner.get(&format!("/organise/events/{id}/import")).await.status, 200);
}

#[actix_web::test]
async fn invitations_imported_for_a_draft_event_never_carry_a_dead_link() {
    let (app, sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let slug = "draft-dinner";
    let id = create_event(&owner, &set(event_fields("Draft Dinner", slug), "status", "draft")).await;
    let ada = email("ada");
    let file = format!("name,email,organisation\nAda Lovelace,{ada},University of Example\n");
    let r = owner.post_file(&format!("/organise/events/{id}/import"), "list.csv", file.into_bytes()).await;
    assert_ne!(r.status, 500);
    // Either the import is refused while the event is a draft, or the invitation link works.
    let ids: Vec<String> = app.with_conn(|c| {
        outbox::table.filter(outbox::to_addr.eq(&ada)).select(outbox::message_id).load(c).expect("outbox")
    });
    let prefix = format!("{}/events/{slug}/invitation/", app.base);
    for id in ids {
        // What was delivered: the outbox keeps no body once a message is sent.
        let body = sink.wait_for_id(&id).await.text;
        let start = body.find(&prefix).expect("invitation link");
        let link = body[start..].split_whitespace().next().expect("link");
        let page = app.client().get(&link[app.base.len()..]).await;
        assert_eq!(page.status, 200, "the e-mailed invitation link of a draft event is dead");
    }
}

// ---------------------------------------------------------------- 5. registrant list

#[actix_web::test]
async fn registrant_list_filters_and_search_return_the_right_people_and_counts() {
    let (app, _sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Filter Forum", "filter-forum").await;
    let people = four_registrants(&app, id, "filter-forum").await;
    let names = ["Alice Apfel", "Bruno Brandt", "Chloé Chevalier", "Dmitri Dvorak"];
    let shown = |page: &Page| -> Vec<&str> {
        people.iter().zip(names).filter(|(p, _)| row_html(page, p.reg).is_some()).map(|(_, n)| n).collect()
    };
    let base = format!("/organise/events/{id}/registrants");
    let all = owner.get(&base).await;
    assert_eq!(all.status, 200);
    assert_eq!(shown(&all), names);
    assert!(all.has("id=\"shown\">4 shown"));
    assert!(all.has("id=\"counts\">4 in all:"));
    assert!(all.has(">Confirmed 2</a>") && all.has(">Waitlisted 2</a>") && all.has(">Awaiting approval 0</a>"));
    let chloe = row_html(&all, people[2].reg).expect("row");
    assert!(chloe.contains("Waitlisted</span> #1") && chloe.contains("Biotech / SME") && chloe.contains("France"));
    assert!(row_html(&all, people[3].reg).expect("row").contains("Waitlisted</span> #2"));

    for (query, expected) in [
        ("status=confirmed", vec!["Alice Apfel", "Bruno Brandt"]),
        ("status=waitlisted", vec!["Chloé Chevalier", "Dmitri Dvorak"]),
        ("status=cancelled", vec![]),
        ("sector=pharma", vec!["Alice Apfel", "Dmitri Dvorak"]),
        ("country=FR", vec!["Chloé Chevalier"]),
        ("country=be", vec!["Alice Apfel", "Bruno Brandt"]),
        ("organisation=acme", vec!["Alice Apfel", "Dmitri Dvorak"]),
        ("organisation=LEUVEN", vec!["Bruno Brandt"]),
        ("q=bruno", vec!["Bruno Brandt"]),
        ("q=BRANDT", vec!["Bruno Brandt"]),
        ("q=chlo%C3%A9", vec!["Chloé Chevalier"]),
        ("q=leuven", vec!["Bruno Brandt"]),
        ("q=nobody-here", vec![]),
        ("sector=pharma&status=waitlisted", vec!["Dmitri Dvorak"]),
        ("sector=pharma&country=BE&q=alice", vec!["Alice Apfel"]),
    ] {
        let page = owner.get(&format!("{base}?{query}")).await;
        assert_eq!(page.status, 200, "{query}");
        assert_eq!(shown(&page), expected, "{query}");
        assert!(page.has(&format!("id=\"shown\">{} shown", expected.len())), "{query}");
        assert!(page.has("id=\"counts\">4 in all:"), "{query}: totals are for the whole event");
    }
    let page = owner.get(&format!("{base}?status=waitlisted&sector=pharma")).await;
    assert!(page.has("<option value=\"waitlisted\" selected>") && page.has("<option value=\"pharma\" selected>"));
}

#[actix_web::test]
async fn bulk_check_in_marks_attendance_and_bulk_cancel_frees_seats_for_the_waitlist() {
    let (app, sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Bulk Bonanza", "bulk-bonanza").await;
    let [alice, bruno, chloe, dmitri] = four_registrants(&app, id, "bulk-bonanza").await;
    let path = format!("/organise/events/{id}/registrants");
    let back = format!("{path}?status=confirmed");

    // Check-in of Alice, with Chloé (waitlisted, cannot be checked in) in the same selection.
    let (a, c) = (alice.reg.to_string(), chloe.reg.to_string());
    let r = owner.post(&path, &[("action", "check_in"), ("ids", &a), ("ids", &c), ("back", &back)]).await;
    assert_eq!((r.status, r.location()), (303, back.clone()));
    let page = owner.get(&back).await;
    assert!(page.has("Checked in: Alice Apfel."), "{}", page.body);
    assert!(page.has("Not changed — Chloé Chevalier: only confirmed registrants can be checked in."));
    assert!(reg_of(&app, id, alice.user).expect("alice").2.is_some(), "attended_at set");
    assert!(reg_of(&app, id, chloe.user).expect("chloe").2.is_none());
    let list = owner.get(&path).await;
    let attended = reg_of(&app, id, alice.user).and_then(|r| r.2).expect("attended_at");
    let local = chrono_tz::Europe::Brussels.from_utc_datetime(&attended).format("%-d %b %H:%M").to_string();
    assert_eq!(checked_in_cell(&list, alice.reg), local, "check-in time shown in the event's zone");
    assert_eq!(checked_in_cell(&list, bruno.reg), "", "Bruno not checked in");
    let overview = owner.get(&format!("/organise/events/{id}")).await;
    assert!(overview.has("<span class=\"stat-number\">1</span> Checked in"));

    // Cancelling Bruno gives his seat to Chloé, the first on the waitlist.
    let page = post_and_follow(&owner, &path, &[("action", "cancel"), ("ids", &bruno.reg.to_string())]).await;
    assert!(page.has("Cancelled: Bruno Brandt, 1 moved up from the waitlist."), "{}", page.body);
    assert_eq!(status_of(&app, bruno.reg), "cancelled");
    assert_eq!(status_of(&app, chloe.reg), "confirmed");
    assert_eq!(status_of(&app, dmitri.reg), "waitlisted");
    sink.wait_for(&bruno.addr, "Registration cancelled: Bulk Bonanza").await;
    sink.wait_for(&chloe.addr, "A seat is yours: Bulk Bonanza").await;
    let list = owner.get(&format!("{path}?status=waitlisted")).await;
    assert!(row_html(&list, dmitri.reg).expect("dmitri").contains("Waitlisted</span> #1"), "Dmitri moves up");
    let list = owner.get(&format!("{path}?status=confirmed")).await;
    assert!(row_html(&list, chloe.reg).is_some() && row_html(&list, bruno.reg).is_none());
    assert!(chloe.client.get("/my/registrations").await.has("Confirmed"));
    // Cancelling again is reported, not repeated.
    let page = post_and_follow(&owner, &path, &[("action", "cancel"), ("ids", &bruno.reg.to_string())]).await;
    assert!(page.has("Not changed — Bruno Brandt: already cancelled or rejected."));
}

// ---------------------------------------------------------------- 6. announcements

#[actix_web::test]
async fn announcement_preview_sends_nothing_and_send_mails_exactly_the_chosen_statuses() {
    let (app, sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Herald Hall", "herald-hall").await;
    let [alice, bruno, chloe, dmitri] = four_registrants(&app, id, "herald-hall").await;
    let page = post_and_follow(
        &owner,
        &format!("/organise/events/{id}/registrants"),
        &[("action", "cancel"), ("ids", &dmitri.reg.to_string())],
    )
    .await;
    assert!(page.has("Cancelled: Dmitri Dvorak."));
    let mails = count_outbox(&app);
    let path = format!("/organise/events/{id}/announce");
    let fields = [
        ("subject", "Doors open at 8"),
        ("body", "Bring your badge.\r\n\r\nCoffee is <served> from 7:30."),
        ("status", "confirmed"),
    ];

    let r = owner.post(&path, &fields).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let preview = extract(&r.body, "id=\"preview\">", "</section>").expect("preview");
    assert!(preview.contains("<strong>To:</strong> 2 people"), "{preview}");
    assert!(preview.contains("Doors open at 8 · Herald Hall"));
    assert!(preview.contains("Hello Alice Apfel,"), "greets the first recipient");
    assert!(preview.contains("Bring your badge.") && preview.contains(&esc("Coffee is <served> from 7:30.")));
    assert!(preview.contains("Send to 2 people"));
    assert_eq!(count_outbox(&app), mails, "a preview queues nothing");

    let r = owner.post(&path, &[fields[0], fields[1], fields[2], ("step", "send")]).await;
    assert_eq!((r.status, r.location()), (303, format!("/organise/events/{id}")));
    assert!(owner.get(&r.location()).await.has("The announcement is on its way to 2 people."));
    for (who, name) in [(&alice, "Alice Apfel"), (&bruno, "Bruno Brandt")] {
        let m = sink.wait_for(&who.addr, "Doors open at 8 · Herald Hall").await;
        assert!(m.text.contains(&format!("Hello {name},")) && m.text.contains("Coffee is <served> from 7:30."));
    }
    let queued: Vec<String> = app.with_conn(|c| {
        outbox::table
            .filter(outbox::subject.eq("Doors open at 8 · Herald Hall"))
            .order(outbox::to_addr)
            .select(outbox::to_addr)
            .load(c)
            .expect("outbox")
    });
    let mut expected = vec![alice.addr.clone(), bruno.addr.clone()];
    expected.sort();
    assert_eq!(queued, expected, "one mail per confirmed registrant, none to others");
    for other in [&chloe, &dmitri] {
        assert!(sink.to(&other.addr).iter().all(|m| !m.subject.contains("Doors open")), "{}", other.addr);
    }

    // Two groups at once: the waitlisted and the cancelled.
    let r = owner
        .post(
            &path,
            &[
                ("subject", "Second note"),
                ("body", "Hello."),
                ("status", "waitlisted"),
                ("status", "cancelled"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    sink.wait_for(&chloe.addr, "Second note").await;
    sink.wait_for(&dmitri.addr, "Second note").await;
    let n: i64 = app.with_conn(|c| {
        outbox::table.filter(outbox::subject.like("Second note%")).count().get_result(c).expect("count")
    });
    assert_eq!(n, 2);
}

#[actix_web::test]
async fn announcement_with_a_repeated_status_mails_each_person_once() {
    let (app, sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Echo Expo", "echo-expo").await;
    let alice = registrant(&app, id, "echo-expo", "Alice Apfel", ["Acme Pharma SA", "pharma", "BE"], &[]).await;
    let fields = [("subject", "Only once"), ("body", "Hello."), ("status", "confirmed"), ("status", "confirmed")];
    let r = owner.post(&format!("/organise/events/{id}/announce"), &fields).await;
    assert!(
        r.has("<strong>To:</strong> 1 person"),
        "{}",
        extract(&r.body, "id=\"preview\">", "</p>").unwrap_or_default()
    );
    let mut send = fields.to_vec();
    send.push(("step", "send"));
    assert_eq!(owner.post(&format!("/organise/events/{id}/announce"), &send).await.status, 303);
    sink.wait_for(&alice.addr, "Only once").await;
    let n: i64 = app.with_conn(|c| {
        outbox::table
            .filter(outbox::subject.like("Only once%").and(outbox::to_addr.eq(&alice.addr)))
            .count()
            .get_result(c)
            .expect("count")
    });
    assert_eq!(n, 1, "one mail per person");
}

// ---------------------------------------------------------------- 7. statistics and audit

#[actix_web::test]
async fn statistics_count_active_registrations_by_status_sector_country_and_day() {
    let (app, _sink) = TestApp::start().await;
    let (owner, id) = two_seat_event(&app, "Stats Symposium", "stats-symposium").await;
    let people = four_registrants(&app, id, "stats-symposium").await;
    let path = format!("/organise/events/{id}/registrants");
    // Dmitri (pharma, Germany) cancelled: left out of the sector and country counts.
    post_and_follow(&owner, &path, &[("action", "cancel"), ("ids", &people[3].reg.to_string())]).await;
    post_and_follow(&owner, &path, &[("action", "check_in"), ("ids", &people[0].reg.to_string())]).await;

    let page = owner.get(&format!("/organise/events/{id}/stats")).await;
    assert_eq!(page.status, 200);
    assert!(page.has("3 active registrations (confirmed, waitlisted or awaiting approval); 1 checked in."));
    let by_status = extract(&page.body, "id=\"by-status\">", "</table>").expect("by status");
    for (code, label, n) in [
        ("confirmed", "Confirmed", 2),
        ("pending", "Awaiting approval", 0),
        ("waitlisted", "Waitlisted", 1),
        ("cancelled", "Cancelled", 1),
        ("rejected", "Rejected", 0),
    ] {
        let cell = format!("?status={code}\">{label}</a></th><td class=\"num\">{n}</td>");
        assert!(by_status.contains(&cell), "{cell} in {by_status}");
    }
    let by_sector = extract(&page.body, "id=\"by-sector\">", "</table>").expect("by sector");
    for label in ["Pharmaceutical company", "Academia / research institute", "Biotech / SME"] {
        assert!(by_sector.contains(&format!("<th scope=\"row\">{label}</th><td class=\"num\">1</td>")), "{by_sector}");
    }
    let by_country = extract(&page.body, "id=\"by-country\">", "</table>").expect("by country");
    assert!(by_country.contains("<th scope=\"row\">Belgium</th><td class=\"num\">2</td>"), "{by_country}");
    assert!(by_country.contains("<th scope=\"row\">France</th><td class=\"num\">1</td>"));
    assert!(!by_country.contains("Germany"), "cancelled registrations are not counted");
    assert!(by_country.find("Belgium") < by_country.find("France"), "largest first");

    let over_time = extract(&page.body, "id=\"over-time\">", "</table>").expect("over time");
    assert!(over_time.contains("Day (Europe/Brussels)"));
    let created: Vec<NaiveDateTime> = app.with_conn(|c| {
        registrations::table
            .filter(registrations::event_id.eq(id).and(registrations::status.ne("cancelled")))
            .select(registrations::created_at)
            .load(c)
            .expect("registrations")
    });
    let mut days = std::collections::BTreeMap::new();
    for t in created {
        *days.entry(chrono_tz::Europe::Brussels.from_utc_datetime(&t).date_naive()).or_insert(0) += 1;
    }
    let mut total = 0;
    for (day, n) in days {
        total += n;
        let cell = format!(
            "<th scope=\"row\">{}</th><td class=\"num\">{n}</td><td class=\"num\">{total}</td>",
            day.format("%a %-d %b %Y")
        );
        assert!(over_time.contains(&cell), "{cell} in {over_time}");
    }
    assert_eq!(total, 3);
}

#[actix_web::test]
async fn overview_shows_the_audit_log_of_organiser_actions_with_the_actors_name() {
    let (app, sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let slug = "audit-assembly";
    let f = set(event_fields("Audit Assembly", slug), "requires_approval", "on");
    let id = create_event(&owner, &f).await;
    let r = owner.post(&format!("/organise/events/{id}/edit"), &form(&set(f, "venue", "The Other Hall"))).await;
    assert_eq!(r.status, 303);
    add_question(&app, &owner, id, "short_text", "Dietary needs", "", false).await;
    let alice = registrant(&app, id, slug, "Alice Apfel", ["Acme Pharma SA", "pharma", "BE"], &[]).await;
    let bruno = registrant(&app, id, slug, "Bruno Brandt", ["KU Leuven", "academia", "BE"], &[]).await;
    assert_eq!(status_of(&app, alice.reg), "pending");
    // A co-organiser approves; the log names them.
    let cora_addr = email("cora");
    let cora_id = app.insert_user("Cora Cohost", &cora_addr, "organiser", "", "", "");
    app.insert_co_organiser(id, cora_id);
    let cora = app.client();
    assert_eq!(cora.login(&cora_addr, PASSWORD).await.status, 303);
    let regs = format!("/organise/events/{id}/registrants");
    post_and_follow(&cora, &regs, &[("action", "approve"), ("ids", &alice.reg.to_string())]).await;
    post_and_follow(&owner, &regs, &[("action", "reject"), ("ids", &bruno.reg.to_string())]).await;
    sink.wait_for(&alice.addr, "Registration approved: Audit Assembly").await;
    let r = owner
        .post(
            &format!("/organise/events/{id}/announce"),
            &[("subject", "Agenda"), ("body", "See you."), ("status", "confirmed"), ("step", "send")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(get_bytes(&owner, &format!("/organise/events/{id}/registrants.csv")).await.0, 200);

    let page = owner.get(&format!("/organise/events/{id}")).await;
    let audit = extract(&page.body, "id=\"audit\">", "</ol>").expect("audit log");
    for line in [
        "Orla Owner created the event “Audit Assembly” (published).",
        "Orla Owner edited the event. New place:",
        "Orla Owner added the registration question “Dietary needs”.",
        "Cora Cohost approved the registration of Alice Apfel.",
        "Orla Owner rejected the registration of Bruno Brandt.",
        "Orla Owner sent the announcement “Agenda” to 1 person.",
        "Orla Owner downloaded the list of registrants (CSV).",
    ] {
        assert!(audit.contains(line), "{line} in {audit}");
    }
    let pos = |s: &str| audit.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("downloaded the list") < pos("sent the announcement"), "newest first");
    assert!(pos("sent the announcement") < pos("created the event"));
    assert!(page.has("<span class=\"stat-number\">1</span> Confirmed"));
    assert!(page.has("<span class=\"stat-number\">1</span> Rejected"));
}

// ---------------------------------------------------------------- 8. co-organisers

#[actix_web::test]
async fn co_organiser_invitation_is_accepted_only_by_the_invited_address_and_the_last_organiser_stays() {
    let (app, sink) = TestApp::start().await;
    let owner_addr = email("owner");
    let owner = app.quick_user("Orla Owner", &owner_addr, "organiser").await;
    let owner_id = user_id(&app, &owner_addr);
    let id = create_event(&owner, &event_fields("Helix Forum", "helix-forum")).await;
    let b_addr = email("bea");
    let page =
        post_and_follow(&owner, &format!("/organise/events/{id}/organisers"), &[("email", &b_addr.to_uppercase())])
            .await;
    assert!(page.has(&format!("An invitation is on its way to {}.", b_addr.to_uppercase())), "{}", page.body);
    let pending = extract(&page.body, "id=\"pending\">", "</ul>").expect("pending invitations");
    assert!(pending.contains(&b_addr), "stored lowercased: {pending}");

    let mail = sink.wait_for(&b_addr, "Help organise Helix Forum").await;
    assert!(mail.text.contains("Orla Owner invites you to organise Helix Forum"));
    let link = mail.link(&format!("{}/organiser-invitations/", app.base));
    let path = link[app.base.len()..].to_string();

    // Visitors must log in first.
    let r = app.client().get(&path).await;
    assert_eq!((r.status, r.location()), (303, format!("/login?next={}", liaison::web::url_encode(&path))));
    // Someone logged in with another address sees whom it is for, and cannot accept it.
    let carol_addr = email("carol");
    let carol = app.quick_user("Carol Crasher", &carol_addr, "organiser").await;
    let carol_id = user_id(&app, &carol_addr);
    let r = carol.get(&path).await;
    assert_eq!(r.status, 200);
    assert!(r.has(&format!("sent to <strong>{b_addr}</strong>")));
    let r = carol.post(&path, &[]).await;
    assert_eq!((r.status, r.location()), (303, "/".to_string()));
    let home = carol.get("/").await;
    assert!(home.has(&format!("This invitation was sent to {b_addr}. Log in with that address to accept it.")));
    assert!(!is_organiser(&app, id, carol_id));
    assert_eq!(carol.get(&format!("/organise/events/{id}")).await.status, 404);

    // The invited person accepts and can now open the organiser pages.
    let bea = app.quick_user("Bea Builder", &b_addr, "attendee").await;
    let bea_id = user_id(&app, &b_addr);
    assert_eq!(bea.get(&format!("/organise/events/{id}")).await.status, 404, "not before accepting");
    let r = bea.post(&path, &[]).await;
    assert_eq!((r.status, r.location()), (303, format!("/organise/events/{id}")));
    let page = bea.get(&r.location()).await;
    assert_eq!(page.status, 200);
    assert!(
        page.has("You are now an organiser of Helix Forum.")
            && page.has("Bea Builder joined the event&#39;s organisers.")
    );
    assert!(is_organiser(&app, id, bea_id));
    let organisers = owner.get(&format!("/organise/events/{id}/organisers")).await;
    assert!(organisers.has("Bea Builder") && !organisers.has("id=\"pending\""));
    // Their list shows the event, without the right to create others.
    let list = bea.get("/organise").await;
    assert_eq!(list.status, 200);
    assert!(list.has("Helix Forum") && !list.has("id=\"new-event\""));

    // Removing the co-organiser works; removing the last organiser does not.
    let page = post_and_follow(&owner, &format!("/organise/events/{id}/organisers/{bea_id}/remove"), &[]).await;
    assert!(page.has("The co-organiser is removed."));
    assert!(!is_organiser(&app, id, bea_id));
    assert_eq!(bea.get(&format!("/organise/events/{id}")).await.status, 404);
    let organisers = owner.get(&format!("/organise/events/{id}/organisers")).await;
    assert!(!organisers.has("/remove"), "no remove button for the only organiser");
    let r = owner.post(&format!("/organise/events/{id}/organisers/{owner_id}/remove"), &[]).await;
    assert_eq!(r.status, 303);
    assert!(owner.get(&r.location()).await.has("An event needs at least one organiser."));
    assert!(is_organiser(&app, id, owner_id));
    assert_eq!(owner.get(&format!("/organise/events/{id}")).await.status, 200);
}

#[actix_web::test]
async fn a_removed_co_organiser_cannot_rejoin_with_the_used_invitation_link() {
    let (app, sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let id = create_event(&owner, &event_fields("Revocation Retreat", "revocation-retreat")).await;
    let b_addr = email("bea");
    assert_eq!(owner.post(&format!("/organise/events/{id}/organisers"), &[("email", &b_addr)]).await.status, 303);
    let link = sink.wait_for(&b_addr, "Help organise").await.link(&format!("{}/organiser-invitations/", app.base));
    let path = link[app.base.len()..].to_string();
    let bea = app.quick_user("Bea Builder", &b_addr, "attendee").await;
    let bea_id = user_id(&app, &b_addr);
    assert_eq!(bea.post(&path, &[]).await.status, 303);
    assert!(is_organiser(&app, id, bea_id));
    post_and_follow(&owner, &format!("/organise/events/{id}/organisers/{bea_id}/remove"), &[]).await;
    assert!(!is_organiser(&app, id, bea_id));

    let r = bea.post(&path, &[]).await;
    assert!(r.status != 500, "{}", r.body);
    assert!(!is_organiser(&app, id, bea_id), "a used invitation link restored a removed co-organiser");
    assert_eq!(bea.get(&format!("/organise/events/{id}")).await.status, 404);
}

// ---------------------------------------------------------------- 9. public pages

#[actix_web::test]
async fn event_list_shows_published_events_with_dates_in_their_time_zone_and_hides_drafts() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let day = chrono::Utc::now().date_naive() + chrono::TimeDelta::days(40);
    let at = |hm: &str| format!("{}T{hm}", day.format("%Y-%m-%d"));
    let ny = set(
        set(
            set(event_fields("Harbour Lights Forum", "harbour-lights-forum"), "timezone", "America/New_York"),
            "starts_at",
            &at("09:00"),
        ),
        "ends_at",
        &at("17:00"),
    );
    create_event(&owner, &ny).await;
    create_event(&owner, &set(event_fields("Hidden Draft Gathering", "hidden-draft-gathering"), "status", "draft"))
        .await;
    create_event(&owner, &set(event_fields("Closed Door Colloquium", "closed-door-colloquium"), "status", "closed"))
        .await;

    let anon = app.client();
    let list = anon.get("/events").await;
    assert_eq!(list.status, 200);
    assert!(list.has("Harbour Lights Forum") && list.has("/events/harbour-lights-forum"));
    assert!(!list.has("Hidden Draft Gathering"), "drafts are not listed");
    assert!(list.has("Closed Door Colloquium") && list.has("badge-status-closed"));
    let nine = chrono_tz::America::New_York
        .from_local_datetime(&day.and_hms_opt(9, 0, 0).expect("time"))
        .earliest()
        .expect("09:00 exists");
    let label = format!("{}, 09:00–17:00 (America/New_York, {})", day.format("%A %-d %B %Y"), nine.format("%Z"));
    assert!(list.has(&label), "{label} in\n{}", list.body);
    assert!(list.has("(Europe/Brussels, "), "each event in its own zone");

    assert_eq!(anon.get("/events/hidden-draft-gathering").await.status, 404);
    let draft = owner.get("/events/hidden-draft-gathering").await;
    assert_eq!(draft.status, 200);
    assert!(draft.has("It is a draft: only organisers can see this page."));
    let page = anon.get("/events/harbour-lights-forum").await;
    assert!(page.has(&label) && page.has("Times are in America/New_York."));
    assert!(page.has("id=\"register\""));
}

#[actix_web::test]
async fn event_page_renders_markdown_and_never_the_descriptions_scripts() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let description = "Join us for **bold** ideas.\r\n\r\n<script>alert('pwned')</script>\r\n\r\n\
        <img src=x onerror=\"alert(1)\">\r\n\r\n[click](javascript:alert(2)) and [the programme](https://example.org/p)";
    create_event(&owner, &set(event_fields("Markdown Meetup", "markdown-meetup"), "description", description)).await;
    let page = app.client().get("/events/markdown-meetup").await;
    assert_eq!(page.status, 200);
    let html = extract(&page.body, "id=\"description\">", "</article>").expect("description");
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(
        html.contains("<a href=\"https://example.org/p\" rel=\"noopener noreferrer nofollow\">the programme</a>"),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains("onerror") && !html.contains("javascript:"), "{html}");
    assert!(!page.has("<script>alert") && !page.has("alert('pwned')"), "no script anywhere on the page");
    // The organiser's form shows the Markdown as typed (escaped), not rendered.
    let id: i64 = app.with_conn(|c| {
        events::table.filter(events::slug.eq("markdown-meetup")).select(events::id).first(c).expect("event")
    });
    let edit = owner.get(&format!("/organise/events/{id}/edit")).await;
    assert!(edit.has(&esc("<script>alert('pwned')</script>")) && !edit.has("<script>alert"));
}
