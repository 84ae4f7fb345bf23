//! Registration through the real server, database and SMTP: capacity and waitlist, approval,
//! refusals, sign-up on the way, calendar attachments, event changes, data export and account
//! deletion, and the seat guarantees under concurrency (one server, and two servers sharing one
//! PostgreSQL database).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use futures_util::future::join_all;
use futures_util::StreamExt;
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventStatus};
use liaison::db::schema::{outbox, registration_answers, registration_questions, registrations, users};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::*;

// ---------------------------------------------------------------- events and forms

/// The organiser's event form, as typed (local times in the event's zone).
#[derive(Clone)]
struct EventSpec {
    title: String,
    slug: String,
    description: String,
    venue: String,
    timezone: String,
    starts_at: String,
    ends_at: String,
    opens: String,
    closes: String,
    capacity: String,
    approval: bool,
    status: String,
}

fn next_year() -> i32 {
    Utc::now().year() + 1
}

impl EventSpec {
    /// A published one-day event in Brussels next June.
    fn new(tag: &str, capacity: Option<u32>) -> EventSpec {
        let y = next_year();
        EventSpec {
            title: format!("Consortium day {tag}"),
            slug: format!("{tag}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            description: "A day of partnering between industry and academia.".into(),
            venue: "Square Meeting Centre".into(),
            timezone: "Europe/Brussels".into(),
            starts_at: format!("{y}-06-10T09:00"),
            ends_at: format!("{y}-06-10T17:30"),
            opens: String::new(),
            closes: String::new(),
            capacity: capacity.map(|c| c.to_string()).unwrap_or_default(),
            approval: false,
            status: "published".into(),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = vec![
            ("title", self.title.clone()),
            ("slug", self.slug.clone()),
            ("description", self.description.clone()),
            ("venue", self.venue.clone()),
            ("address", "Mont des Arts, 1000 Brussels".to_string()),
            ("timezone", self.timezone.clone()),
            ("starts_at", self.starts_at.clone()),
            ("ends_at", self.ends_at.clone()),
            ("registration_opens_at", self.opens.clone()),
            ("registration_closes_at", self.closes.clone()),
            ("capacity", self.capacity.clone()),
            ("status", self.status.clone()),
        ];
        if self.approval {
            f.push(("requires_approval", "on".into()));
        }
        f
    }

    fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().expect("time zone")
    }

    /// A local form time of this event in UTC, computed here, independently of the server.
    fn utc(&self, local: &str) -> DateTime<Utc> {
        let t = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M").expect("local time");
        self.tz().from_local_datetime(&t).single().expect("unambiguous").with_timezone(&Utc)
    }

    /// `t` as the form's local time in this event's zone.
    fn local(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz()).format("%Y-%m-%dT%H:%M").to_string()
    }
}

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn create_event(org: &Client, spec: &EventSpec) -> i64 {
    let r = org.post("/organise/events/new", &pairs(&spec.fields())).await;
    assert_eq!(r.status, 303, "create event: {}", r.body);
    r.location()
        .strip_prefix("/organise/events/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("event id in {}", r.location()))
}

async fn edit_event(org: &Client, id: i64, spec: &EventSpec) {
    let r = org.post(&format!("/organise/events/{id}/edit"), &pairs(&spec.fields())).await;
    assert_eq!(r.status, 303, "edit event: {}", r.body);
    assert_eq!(r.location(), format!("/organise/events/{id}"));
}

/// Adds a short-text question through the organiser page; returns its id.
async fn add_question(app: &TestApp, org: &Client, event_id: i64, label: &str, required: bool) -> i64 {
    let mut f = vec![("kind", "short_text"), ("label", label), ("help", ""), ("options", "")];
    if required {
        f.push(("required", "on"));
    }
    let r = org.post(&format!("/organise/events/{event_id}/questions"), &f).await;
    assert_eq!(r.status, 303, "add question: {}", r.body);
    app.with_conn(|c| {
        registration_questions::table
            .filter(registration_questions::event_id.eq(event_id))
            .filter(registration_questions::label.eq(label))
            .select(registration_questions::id)
            .first(c)
            .expect("question stored")
    })
}

async fn registrant_action(org: &Client, event_id: i64, action: &str, ids: &[i64]) -> Page {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut f = vec![("action", action)];
    f.extend(ids.iter().map(|i| ("ids", i.as_str())));
    let r = org.post(&format!("/organise/events/{event_id}/registrants"), &f).await;
    assert_eq!(r.status, 303, "registrant action {action}: {}", r.body);
    r
}

/// The registration form's fields for a person.
fn registration_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![("organisation", "Institut Pasteur"), ("sector", "academia"), ("country", "FR")];
    f.extend_from_slice(extra);
    f
}

async fn register(c: &Client, slug: &str, extra: &[(&str, &str)]) -> Page {
    c.post(&format!("/events/{slug}/register"), &registration_fields(extra)).await
}

async fn register_ok(c: &Client, slug: &str, extra: &[(&str, &str)]) {
    let r = register(c, slug, extra).await;
    assert_eq!(r.status, 303, "registration: {}", r.body);
    assert_eq!(r.location(), "/my/registrations");
}

/// A client that opens a new connection for every request, so that no request of a burst can
/// meet a keep-alive connection the server is closing at that moment.
fn fresh_client(base: &str) -> Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(90))
        .build()
        .expect("client");
    Client { http, base: base.to_string() }
}

/// A confirmed account written to the database, logged in with a [`fresh_client`].
async fn person(app: &TestApp, name: &str, addr: &str, role: &str) -> Client {
    app.insert_user(name, addr, role, "", "", "");
    let c = fresh_client(&app.base);
    let r = c.login(addr, PASSWORD).await;
    assert_eq!(r.status, 303, "login of {addr}: {}", r.body);
    c
}

/// `n` confirmed attendees written to the database, then logged in over HTTP (eight logins at a
/// time), each on the server `bases[i % bases.len()]`.
async fn crowd(app: &TestApp, bases: &[String], tag: &str, n: usize) -> Vec<(String, Client)> {
    let people: Vec<String> = (0..n).map(|i| email(&format!("{tag}{i}"))).collect();
    for (i, e) in people.iter().enumerate() {
        app.insert_user(&format!("Person {tag} {i}"), e, "attendee", "", "", "");
    }
    futures_util::stream::iter(people.into_iter().enumerate().map(|(i, e)| {
        let c = fresh_client(&bases[i % bases.len()]);
        async move {
            let r = c.login(&e, PASSWORD).await;
            assert_eq!(r.status, 303, "login of {e}: {}", r.body);
            (e, c)
        }
    }))
    .buffered(8)
    .collect()
    .await
}

// ---------------------------------------------------------------- the database's view

#[derive(Debug, Clone, PartialEq)]
struct Reg {
    id: i64,
    email: String,
    status: String,
    waitlist_number: Option<i32>,
    ical_uid: String,
}

fn regs(app: &TestApp, event_id: i64) -> Vec<Reg> {
    let rows: Vec<(i64, String, String, Option<i32>, String)> = app.with_conn(|c| {
        registrations::table
            .inner_join(users::table)
            .filter(registrations::event_id.eq(event_id))
            .order(registrations::id)
            .select((
                registrations::id,
                users::email,
                registrations::status,
                registrations::waitlist_number,
                registrations::ical_uid,
            ))
            .load(c)
            .expect("registrations")
    });
    rows.into_iter()
        .map(|(id, email, status, waitlist_number, ical_uid)| Reg { id, email, status, waitlist_number, ical_uid })
        .collect()
}

fn reg_of(app: &TestApp, event_id: i64, addr: &str) -> Reg {
    let mut mine: Vec<Reg> = regs(app, event_id).into_iter().filter(|r| r.email == addr).collect();
    assert_eq!(mine.len(), 1, "one registration row for {addr}: {mine:?}");
    mine.remove(0)
}

fn count_status(app: &TestApp, event_id: i64, status: &str) -> usize {
    regs(app, event_id).iter().filter(|r| r.status == status).count()
}

/// A message as written to the outbox. Its bodies are blanked once sent: what it said is read
/// from the SMTP sink (`delivered_copy`).
#[derive(Debug, Clone)]
struct Out {
    subject: String,
    message_id: String,
    attachment_type: Option<String>,
}

fn outbox_to(app: &TestApp, addr: &str) -> Vec<Out> {
    let rows: Vec<(String, String, Option<String>)> = app.with_conn(|c| {
        outbox::table
            .filter(outbox::to_addr.eq(addr))
            .order(outbox::id)
            .select((outbox::subject, outbox::message_id, outbox::attachment_type))
            .load(c)
            .expect("outbox")
    });
    rows.into_iter()
        .map(|(subject, message_id, attachment_type)| Out { subject, message_id, attachment_type })
        .collect()
}

/// The message as the SMTP sink received it (waits for the worker to send it).
async fn delivered_copy(sink: &SmtpSink, m: &Out) -> Mail {
    sink.wait_for_id(&m.message_id).await
}

fn outbox_with(app: &TestApp, addr: &str, subject: &str) -> Vec<Out> {
    outbox_to(app, addr).into_iter().filter(|m| m.subject == subject).collect()
}

fn outbox_subject_counts(app: &TestApp) -> BTreeMap<String, usize> {
    let subjects: Vec<String> =
        app.with_conn(|c| outbox::table.select(outbox::subject).load(c).expect("outbox subjects"));
    let mut out = BTreeMap::new();
    for s in subjects {
        *out.entry(s).or_default() += 1;
    }
    out
}

/// The one calendar attachment of the message to `addr` with exactly this subject, as delivered.
async fn ics_of(app: &TestApp, sink: &SmtpSink, addr: &str, subject: &str) -> Ics {
    let mails = outbox_with(app, addr, subject);
    assert_eq!(mails.len(), 1, "one {subject:?} to {addr}; all to them: {:?}", subjects(&outbox_to(app, addr)));
    let m = &mails[0];
    let ct = m.attachment_type.as_deref().unwrap_or_else(|| panic!("{subject:?} to {addr} has no attachment"));
    assert!(ct.starts_with("text/calendar"), "attachment type {ct}");
    let mail = delivered_copy(sink, m).await;
    parse_ics(&mail.attachment(".ics").unwrap_or_else(|| panic!("no .ics attached to {subject:?}:\n{}", mail.raw)))
}

fn subjects(mails: &[Out]) -> Vec<String> {
    mails.iter().map(|m| m.subject.clone()).collect()
}

// ---------------------------------------------------------------- calendar entries

#[derive(Debug, Clone)]
struct Ics {
    uid: String,
    sequence: u32,
    start: DateTime<Utc>,
    status: Option<EventStatus>,
    method: String,
}

/// Parses with the icalendar crate's parser (not by matching strings).
fn parse_ics(text: &str) -> Ics {
    let cal: icalendar::Calendar = text.parse().unwrap_or_else(|e| panic!("calendar does not parse: {e}\n{text}"));
    let events: Vec<&icalendar::Event> = cal.events().collect();
    assert_eq!(events.len(), 1, "one VEVENT in\n{text}");
    let e = events[0];
    let start = match e.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t,
        other => panic!("DTSTART is not a UTC date-time: {other:?}\n{text}"),
    };
    Ics {
        uid: e.get_uid().expect("UID").to_string(),
        sequence: e.get_sequence().expect("SEQUENCE"),
        start,
        status: e.get_status(),
        method: cal.property_value("METHOD").unwrap_or_default().to_string(),
    }
}

// ---------------------------------------------------------------- "my registrations"

#[derive(Debug, Clone, PartialEq)]
struct MyRow {
    id: i64,
    status: String,
    position: Option<i64>,
}

async fn my_registrations(c: &Client) -> (Vec<MyRow>, String) {
    let p = c.get("/my/registrations").await;
    assert_eq!(p.status, 200, "my registrations: {}", p.body);
    let rows = p
        .body
        .split("<tr id=\"registration-")
        .skip(1)
        .map(|chunk| {
            let chunk = chunk.split("</tr>").next().unwrap_or(chunk);
            let id = chunk[..chunk.find('"').expect("id")].parse().expect("numeric id");
            let status = extract(chunk, "badge badge-reg-", "\"").expect("status badge");
            let position =
                extract(chunk, "<span class=\"position\">position ", "<").map(|p| p.trim().parse().expect("position"));
            MyRow { id, status, position }
        })
        .collect();
    (rows, p.body)
}

async fn my_only_row(c: &Client) -> MyRow {
    let (rows, body) = my_registrations(c).await;
    assert_eq!(rows.len(), 1, "one registration listed in:\n{body}");
    rows[0].clone()
}

// ---------------------------------------------------------------- an SMTP sink that keeps raw messages

/// Each delivered message: its recipients and the raw message.
type RawStore = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// Like `SmtpSink`, but keeps each message whole so the delivered attachments can be read.
#[derive(Clone)]
struct RawSink {
    port: u16,
    mails: RawStore,
}

#[derive(Debug, Clone)]
struct Delivered {
    subject: String,
    text: String,
    calendars: Vec<Attached>,
}

#[derive(Debug, Clone)]
struct Attached {
    method: Option<String>,
    filename: String,
    body: String,
}

impl RawSink {
    async fn start() -> RawSink {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind raw sink");
        let port = listener.local_addr().expect("addr").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = raw_session(sock, store).await;
                });
            }
        });
        RawSink { port, mails }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn to(&self, addr: &str) -> Vec<Delivered> {
        let all = self.mails.lock().expect("lock").clone();
        all.into_iter()
            .filter(|(to, _)| to.iter().any(|t| t.eq_ignore_ascii_case(addr)))
            .map(|(_, raw)| delivered(&raw))
            .collect()
    }

    async fn wait_for(&self, addr: &str, subject: &str) -> Delivered {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self.to(addr).into_iter().rev().find(|m| m.subject.contains(subject)) {
                return m;
            }
            let got: Vec<String> = self.to(addr).into_iter().map(|m| m.subject).collect();
            assert!(Instant::now() < deadline, "no mail to {addr} with subject {subject:?}; got {got:?}");
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }
}

fn delivered(raw: &str) -> Delivered {
    use mailparse::MailHeaderMap;
    let parsed = mailparse::parse_mail(raw.as_bytes()).expect("delivered mail parses");
    let mut d = Delivered {
        subject: parsed.headers.get_first_value("Subject").unwrap_or_default(),
        text: String::new(),
        calendars: Vec::new(),
    };
    fn walk(p: &mailparse::ParsedMail, d: &mut Delivered) {
        if p.subparts.is_empty() {
            match p.ctype.mimetype.as_str() {
                "text/plain" => d.text.push_str(&p.get_body().unwrap_or_default()),
                "text/calendar" => d.calendars.push(Attached {
                    method: p.ctype.params.get("method").cloned(),
                    filename: p.get_content_disposition().params.get("filename").cloned().unwrap_or_default(),
                    body: p.get_body().expect("calendar body"),
                }),
                _ => {}
            }
        }
        for s in &p.subparts {
            walk(s, d);
        }
    }
    walk(&parsed, &mut d);
    d
}

impl Delivered {
    fn ics(&self) -> (Attached, Ics) {
        assert_eq!(self.calendars.len(), 1, "one text/calendar attachment in {:?}", self.subject);
        let a = self.calendars[0].clone();
        let ics = parse_ics(&a.body);
        (a, ics)
    }
}

async fn raw_session(sock: tokio::net::TcpStream, store: RawStore) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 raw.test ESMTP ready\r\n").await?;
    let mut rcpt = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            w.write_all(b"250-raw.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n").await?;
        } else if cmd.starts_with("RCPT TO:") {
            let addr = line.trim_end()[8..].trim().trim_start_matches('<').split('>').next().unwrap_or("").to_string();
            rcpt.push(addr);
            w.write_all(b"250 OK\r\n").await?;
        } else if cmd == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            store.lock().expect("lock").push((std::mem::take(&mut rcpt), data));
            w.write_all(b"250 OK queued\r\n").await?;
        } else if cmd == "QUIT" {
            w.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"250 OK\r\n").await?;
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&#x2F;", "/").replace("&#47;", "/").replace("&amp;", "&")
}

// ---------------------------------------------------------------- 1. the attendee journey

#[actix_web::test]
async fn attendee_journey_confirms_waitlists_and_promotes_with_stable_calendar_entries() {
    let sink = RawSink::start().await;
    let app = TestApp::start_with(Options { smtp_url: Some(sink.url()), ..Default::default() }).await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let spec = EventSpec::new("journey", Some(2));
    let event_id = create_event(&org, &spec).await;
    let q = add_question(&app, &org, event_id, "Dietary requirements", true).await;
    let field = format!("q_{q}");
    let path = format!("/events/{}", spec.slug);

    let (ann, bob, cyd) = (email("ann"), email("bob"), email("cyd"));
    let a = person(&app, "Ann Attendee", &ann, "attendee").await;
    let b = person(&app, "Bob Attendee", &bob, "attendee").await;
    let c = person(&app, "Cyd Attendee", &cyd, "attendee").await;

    let page = a.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.has("2 of 2 left"), "seats shown: {}", page.body);
    let form = a.get(&format!("{path}/register")).await;
    assert_eq!(form.status, 200);
    assert!(form.has("Dietary requirements") && form.has(&format!("name=\"{field}\"")));

    // The required question must be answered: 422, nothing stored.
    let r = register(&a, &spec.slug, &[]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has("Please answer this question."));
    assert!(regs(&app, event_id).is_empty(), "a refused form stores nothing");

    register_ok(&a, &spec.slug, &[(&field, "Vegetarian")]).await;
    let (rows, body) = my_registrations(&a).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "confirmed");
    assert_eq!(rows[0].position, None);
    assert!(body.contains("You are registered for Consortium day journey"), "flash: {body}");
    let ann_reg = reg_of(&app, event_id, &ann);
    assert_eq!(rows[0].id, ann_reg.id);
    let answers: Vec<String> = app.with_conn(|c| {
        registration_answers::table
            .filter(registration_answers::registration_id.eq(ann_reg.id))
            .select(registration_answers::value)
            .load(c)
            .expect("answers")
    });
    assert_eq!(answers, vec!["Vegetarian".to_string()]);

    // The confirmation carries a calendar entry: the registration's UID, the start in UTC.
    let mail = sink.wait_for(&ann, "You are registered: Consortium day journey").await;
    assert!(mail.text.contains("Ann Attendee"));
    let (att, confirmed) = mail.ics();
    assert!(att.filename.ends_with(".ics"), "filename {:?}", att.filename);
    assert_eq!(att.method.as_deref(), Some("REQUEST"));
    assert_eq!(confirmed.uid, ann_reg.ical_uid);
    assert_eq!(confirmed.start, spec.utc(&spec.starts_at));
    assert_eq!(confirmed.start.to_rfc3339(), format!("{}-06-10T07:00:00+00:00", next_year()), "09:00 CEST is 07:00Z");
    assert_eq!(confirmed.status, Some(EventStatus::Confirmed));
    assert_eq!(confirmed.method, "REQUEST");

    register_ok(&b, &spec.slug, &[(&field, "None")]).await;
    assert_eq!(my_only_row(&b).await.status, "confirmed");
    let bob_mail = sink.wait_for(&bob, "You are registered: Consortium day journey").await;
    let bob_uid = bob_mail.ics().1.uid;
    assert_ne!(bob_uid, confirmed.uid, "each registration has its own UID");
    assert!(a.get(&path).await.has("Full — new registrations join the waitlist"));

    // Full: the third person joins the waitlist and is told their position.
    register_ok(&c, &spec.slug, &[(&field, "Vegan")]).await;
    let (rows, body) = my_registrations(&c).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].status.as_str(), rows[0].position), ("waitlisted", Some(1)));
    assert!(body.contains("you are on the waitlist at position 1."), "flash: {body}");
    assert!(c.get(&path).await.has("(position 1 on the waitlist)"));
    let waiting = sink.wait_for(&cyd, "On the waitlist: Consortium day journey").await;
    assert!(waiting.text.contains("position 1"), "{}", waiting.text);
    assert!(waiting.calendars.is_empty(), "no calendar entry without a seat");
    assert_eq!(reg_of(&app, event_id, &cyd).waitlist_number, Some(1));

    // Ann cancels: Cyd gets the seat automatically, Ann's calendar entry is withdrawn.
    let r = a.post(&format!("/my/registrations/{}/cancel", ann_reg.id), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/my/registrations");
    assert_eq!(my_only_row(&a).await.status, "cancelled");
    assert_eq!(reg_of(&app, event_id, &cyd).status, "confirmed");
    assert_eq!(
        my_only_row(&c).await,
        MyRow { id: reg_of(&app, event_id, &cyd).id, status: "confirmed".into(), position: None }
    );

    let seat = sink.wait_for(&cyd, "A seat is yours: Consortium day journey").await;
    let (_, promoted) = seat.ics();
    assert_eq!(promoted.uid, reg_of(&app, event_id, &cyd).ical_uid);
    assert_eq!(promoted.status, Some(EventStatus::Confirmed));
    assert_eq!(promoted.start, spec.utc(&spec.starts_at));

    let bye = sink.wait_for(&ann, "Registration cancelled: Consortium day journey").await;
    let (att, cancelled) = bye.ics();
    assert_eq!(att.method.as_deref(), Some("CANCEL"));
    assert_eq!(cancelled.status, Some(EventStatus::Cancelled));
    assert_eq!(cancelled.method, "CANCEL");
    assert_eq!(cancelled.uid, confirmed.uid, "the cancellation replaces the same calendar entry");
    assert!(cancelled.sequence > confirmed.sequence, "{} > {}", cancelled.sequence, confirmed.sequence);

    // Ann registers again (now full: waitlisted on the same row); when Bob cancels she gets the
    // seat, and her calendar entry still has the UID of her first confirmation.
    register_ok(&a, &spec.slug, &[(&field, "Vegetarian")]).await;
    let again = my_only_row(&a).await;
    assert_eq!((again.id, again.status.as_str(), again.position), (ann_reg.id, "waitlisted", Some(1)));
    let bob_id = reg_of(&app, event_id, &bob).id;
    assert_eq!(b.post(&format!("/my/registrations/{bob_id}/cancel"), &[]).await.status, 303);
    let back = sink.wait_for(&ann, "A seat is yours: Consortium day journey").await;
    let (_, reissued) = back.ics();
    assert_eq!(reissued.uid, confirmed.uid, "the UID is stable for the registration");
    assert!(reissued.sequence > cancelled.sequence, "{} > {}", reissued.sequence, cancelled.sequence);
    assert_eq!(reissued.status, Some(EventStatus::Confirmed));
    assert_eq!(count_status(&app, event_id, "confirmed"), 2);
    assert_eq!(sink.to(&cyd).iter().filter(|m| m.subject.starts_with("A seat is yours")).count(), 1);
}

// ---------------------------------------------------------------- 2. approval

#[actix_web::test]
async fn approval_events_hold_registrations_until_the_organisers_decide() {
    let (app, sink) = TestApp::start().await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let mut spec = EventSpec::new("approval", Some(1));
    spec.approval = true;
    let event_id = create_event(&org, &spec).await;
    let title = &spec.title;

    let (ann, bob, cyd) = (email("ann"), email("bob"), email("cyd"));
    let a = person(&app, "Ann Attendee", &ann, "attendee").await;
    let b = person(&app, "Bob Attendee", &bob, "attendee").await;
    let c = person(&app, "Cyd Attendee", &cyd, "attendee").await;
    for (client, addr) in [(&a, &ann), (&b, &bob), (&c, &cyd)] {
        register_ok(client, &spec.slug, &[]).await;
        let (rows, body) = my_registrations(client).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].status, "pending");
        assert!(body.contains("awaits the organisers"), "flash: {body}");
        let m = sink.wait_for(addr, &format!("Registration received: {title}")).await;
        assert!(m.text.contains("review each registration"), "{}", m.text);
    }
    assert!(a.get(&format!("/events/{}", spec.slug)).await.has("Awaiting approval"));
    assert_eq!(count_status(&app, event_id, "pending"), 3, "pending registrations hold no seat");
    for addr in [&ann, &bob, &cyd] {
        assert!(outbox_to(&app, addr).iter().all(|m| m.attachment_type.is_none()), "no calendar entry while pending");
    }

    // Approving Ann gives her the seat.
    let ann_reg = reg_of(&app, event_id, &ann);
    registrant_action(&org, event_id, "approve", &[ann_reg.id]).await;
    assert_eq!(reg_of(&app, event_id, &ann).status, "confirmed");
    assert_eq!(my_only_row(&a).await.status, "confirmed");
    sink.wait_for(&ann, &format!("Registration approved: {title}")).await;
    let ics = ics_of(&app, &sink, &ann, &format!("Registration approved: {title}")).await;
    assert_eq!(ics.uid, ann_reg.ical_uid);
    assert_eq!(ics.status, Some(EventStatus::Confirmed));
    assert_eq!(ics.start, spec.utc(&spec.starts_at));

    // The event is full: approving Bob puts him on the waitlist.
    let bob_reg = reg_of(&app, event_id, &bob);
    registrant_action(&org, event_id, "approve", &[bob_reg.id]).await;
    let bob_now = reg_of(&app, event_id, &bob);
    assert_eq!((bob_now.status.as_str(), bob_now.waitlist_number), ("waitlisted", Some(1)));
    assert_eq!(my_only_row(&b).await.position, Some(1));
    let m = sink.wait_for(&bob, &format!("Approved, on the waitlist: {title}")).await;
    assert!(m.text.contains("position 1"), "{}", m.text);

    // Rejecting Cyd tells her, and she cannot register again.
    let cyd_reg = reg_of(&app, event_id, &cyd);
    registrant_action(&org, event_id, "reject", &[cyd_reg.id]).await;
    assert_eq!(reg_of(&app, event_id, &cyd).status, "rejected");
    sink.wait_for(&cyd, &format!("Registration not accepted: {title}")).await;
    let r = register(&c, &spec.slug, &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("The organisers could not accept your registration for this event."), "{}", r.body);
    assert_eq!(reg_of(&app, event_id, &cyd).status, "rejected");

    // Approving Ann a second time changes nothing and sends nothing.
    let r = registrant_action(&org, event_id, "approve", &[ann_reg.id]).await;
    assert!(org.get(&r.location()).await.has("not awaiting approval"));
    assert_eq!(outbox_with(&app, &ann, &format!("Registration approved: {title}")).len(), 1);

    // When Ann cancels, Bob (approved, waiting) gets the seat.
    assert_eq!(a.post(&format!("/my/registrations/{}/cancel", ann_reg.id), &[]).await.status, 303);
    assert_eq!(reg_of(&app, event_id, &bob).status, "confirmed");
    sink.wait_for(&bob, &format!("A seat is yours: {title}")).await;
    assert_eq!(count_status(&app, event_id, "confirmed"), 1);
}

// ---------------------------------------------------------------- 3. refusals

#[actix_web::test]
async fn registrations_outside_the_window_or_twice_are_refused_with_a_clear_message() {
    let (app, _sink) = TestApp::start().await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let eve = email("eve");
    let attendee = person(&app, "Eve Early", &eve, "attendee").await;
    let anonymous = app.client();
    let y = next_year();

    // A draft does not exist for others; its organiser is told it is not open.
    let mut draft = EventSpec::new("draft", Some(10));
    draft.status = "draft".into();
    let draft_id = create_event(&org, &draft).await;
    assert_eq!(attendee.get(&format!("/events/{}", draft.slug)).await.status, 404);
    assert_eq!(anonymous.get(&format!("/events/{}", draft.slug)).await.status, 404);
    assert_eq!(attendee.get(&format!("/events/{}/register", draft.slug)).await.status, 404);
    assert!(!attendee.get("/events").await.has(&draft.slug), "drafts are not listed");
    let r = register(&attendee, &draft.slug, &[]).await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = register(&org, &draft.slug, &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("This event is not open for registration yet."), "{}", r.body);
    assert!(regs(&app, draft_id).is_empty());

    // Before registration opens: the page and the refusal say when it opens.
    let mut early = EventSpec::new("early", Some(10));
    early.opens = format!("{y}-01-15T10:00");
    let early_id = create_event(&org, &early).await;
    let opens_label = early.utc(&early.opens).with_timezone(&early.tz()).format("%A %-d %B %Y, %H:%M %Z").to_string();
    let expected = format!("Registration opens on {opens_label}.");
    assert!(opens_label.ends_with("10:00 CET"), "{opens_label}");
    assert!(attendee.get(&format!("/events/{}", early.slug)).await.has(&expected));
    let r = attendee.get(&format!("/events/{}/register", early.slug)).await;
    assert_eq!((r.status, r.location()), (303, format!("/events/{}", early.slug)), "no form before it opens");
    let r = register(&attendee, &early.slug, &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has(&expected), "{}", r.body);
    assert!(regs(&app, early_id).is_empty());

    // After registration has closed (the event itself is still ahead).
    let mut late = EventSpec::new("late", Some(10));
    late.closes = late.local(Utc::now() - chrono::TimeDelta::days(1));
    let late_id = create_event(&org, &late).await;
    let r = register(&attendee, &late.slug, &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("Registration for this event is closed."), "{}", r.body);
    assert!(regs(&app, late_id).is_empty());

    // A closed event.
    let mut closed = EventSpec::new("closed", Some(10));
    closed.status = "closed".into();
    let closed_id = create_event(&org, &closed).await;
    let r = register(&attendee, &closed.slug, &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("Registration for this event is closed."), "{}", r.body);
    assert!(regs(&app, closed_id).is_empty());

    // A cancelled event.
    let mut cancelled = EventSpec::new("cancelled", Some(10));
    cancelled.status = "cancelled".into();
    let cancelled_id = create_event(&org, &cancelled).await;
    let page = attendee.get(&format!("/events/{}", cancelled.slug)).await;
    assert_eq!(page.status, 200);
    assert!(page.has("This event has been cancelled."));
    let r = register(&attendee, &cancelled.slug, &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("This event has been cancelled."), "{}", r.body);
    assert!(regs(&app, cancelled_id).is_empty());

    assert!(
        outbox_to(&app, &eve).is_empty(),
        "no mail for refused registrations: {:?}",
        subjects(&outbox_to(&app, &eve))
    );

    // Registering twice: the second attempt is refused and changes nothing.
    let open = EventSpec::new("twice", Some(10));
    let open_id = create_event(&org, &open).await;
    let q = add_question(&app, &org, open_id, "Your research topic", false).await;
    let field = format!("q_{q}");
    register_ok(&attendee, &open.slug, &[(&field, "Antimicrobial resistance")]).await;
    let first = reg_of(&app, open_id, &eve);
    let r = register(&attendee, &open.slug, &[(&field, "Something else")]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("You are already registered for this event (status: confirmed)."), "{}", r.body);
    assert_eq!(reg_of(&app, open_id, &eve), first, "the registration is unchanged");
    let answers: Vec<String> = app.with_conn(|c| {
        registration_answers::table
            .filter(registration_answers::registration_id.eq(first.id))
            .select(registration_answers::value)
            .load(c)
            .expect("answers")
    });
    assert_eq!(answers, vec!["Antimicrobial resistance".to_string()]);
    let r = attendee.get(&format!("/events/{}/register", open.slug)).await;
    assert_eq!((r.status, r.location()), (303, format!("/events/{}", open.slug)), "no second form");
    assert_eq!(outbox_with(&app, &eve, "You are registered: Consortium day twice").len(), 1, "one confirmation");
    assert_eq!(outbox_to(&app, &eve).len(), 1);

    // A double click: the same form sent twice at once gives one registration and one mail.
    let dee = email("dee");
    let clicker = person(&app, "Dee Double", &dee, "attendee").await;
    let token = clicker.csrf().await;
    let path = format!("/events/{}/register", open.slug);
    let f = registration_fields(&[(&field, "Biobanks"), ("csrf_token", &token)]);
    let (one, two) = tokio::join!(clicker.post_raw(&path, &f), clicker.post_raw(&path, &f));
    let mut codes = [one.status, two.status];
    codes.sort_unstable();
    assert_eq!(codes, [303, 409], "{} / {}", one.body, two.body);
    assert_eq!(reg_of(&app, open_id, &dee).status, "confirmed");
    assert_eq!(outbox_to(&app, &dee).len(), 1, "{:?}", subjects(&outbox_to(&app, &dee)));
}

// ---------------------------------------------------------------- 4. sign-up on the way

#[actix_web::test]
async fn signing_up_on_the_way_returns_to_the_registration_form() {
    let (app, sink) = TestApp::start().await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let spec = EventSpec::new("signup", Some(5));
    let event_id = create_event(&org, &spec).await;
    let form_path = format!("/events/{}/register", spec.slug);
    let encoded = format!("%2Fevents%2F{}%2Fregister", spec.slug);

    let visitor = app.client();
    assert!(visitor.get(&format!("/events/{}", spec.slug)).await.has(&format!("href=\"{form_path}\"")));
    let r = visitor.get(&form_path).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), format!("/login?next={encoded}"));

    // The login page offers sign-up, carrying the place to return to.
    let login = visitor.get(&r.location()).await;
    assert_eq!(login.status, 200);
    let href = extract(&login.body, "<a href=\"/signup", "\" id=\"signup-link\"").expect("sign-up link");
    let signup_path = format!("/signup{}", unescape(&href));
    assert!(signup_path.starts_with("/signup?next="), "{signup_path}");
    let signup = visitor.get(&signup_path).await;
    assert_eq!(signup.status, 200);
    let next = unescape(&extract(&signup.body, "name=\"next\" value=\"", "\"").expect("hidden next field"));
    assert_eq!(next, form_path);

    let addr = email("newcomer");
    let r = visitor
        .post("/signup", &[("name", "Nia Newcomer"), ("email", &addr), ("password", PASSWORD), ("next", &next)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/signup/check-email");

    // The confirmation link keeps the place; confirming leads to the login with it.
    let mail = sink.wait_for(&addr, "Confirm your e-mail").await;
    let link = mail.link(&app.base);
    assert!(link.ends_with(&format!("?next={encoded}")), "{link}");
    let path = link.strip_prefix(&app.base).expect("path").to_string();
    let page = visitor.get(&path).await;
    assert_eq!(page.status, 200);
    let r = visitor.post(&path, &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let login_path = r.location();
    assert!(login_path.starts_with("/login?"), "{login_path}");
    assert!(login_path.contains(&format!("next={encoded}")), "{login_path}");
    let login = visitor.get(&login_path).await;
    assert_eq!(login.status, 200);
    let next = unescape(&extract(&login.body, "name=\"next\" value=\"", "\"").expect("hidden next field"));
    assert_eq!(next, form_path);

    let r = visitor.post("/login", &[("email", &addr), ("password", PASSWORD), ("next", &next)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), form_path, "back to the registration form");
    let form = visitor.get(&form_path).await;
    assert_eq!(form.status, 200);
    assert!(form.has(&format!("Register for {}", spec.title)));
    assert!(form.has(&format!("action=\"{form_path}\"")));
    register_ok(&visitor, &spec.slug, &[]).await;
    assert_eq!(reg_of(&app, event_id, &addr).status, "confirmed");
}

// ---------------------------------------------------------------- 5 and 6. the seat guarantee

/// Fires `people.len()` registrations at once for an event of `seats` seats and checks that
/// exactly `seats` are confirmed and everyone else is waitlisted 1..=n without gaps or repeats,
/// and that each person is shown their position.
async fn registration_race(
    app: &TestApp,
    sink: &SmtpSink,
    org: &Client,
    people: &[(String, Client)],
    seats: usize,
    tag: &str,
) {
    let spec = EventSpec::new(tag, Some(seats as u32));
    let event_id = create_event(org, &spec).await;
    let path = format!("/events/{}/register", spec.slug);
    let waiting = people.len() - seats;

    // Every form is ready (with its token) before the first one is sent.
    let tokens = join_all(people.iter().map(|(_, c)| c.csrf())).await;
    let started = Instant::now();
    let pages = join_all(people.iter().zip(&tokens).map(|((_, c), token)| {
        let path = path.clone();
        async move {
            let f = registration_fields(&[("csrf_token", token.as_str())]);
            c.post_raw(&path, &f).await
        }
    }))
    .await;
    eprintln!("{tag}: {} simultaneous registrations answered in {:?}", people.len(), started.elapsed());
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for p in &pages {
        *statuses.entry(p.status).or_default() += 1;
    }
    assert_eq!(statuses, BTreeMap::from([(303, people.len())]), "every registration is accepted");
    assert!(pages.iter().all(|p| p.location() == "/my/registrations"));

    let all = regs(app, event_id);
    assert_eq!(all.len(), people.len(), "one row per person");
    let confirmed: Vec<&Reg> = all.iter().filter(|r| r.status == "confirmed").collect();
    let waitlisted: Vec<&Reg> = all.iter().filter(|r| r.status == "waitlisted").collect();
    assert_eq!(confirmed.len(), seats, "exactly the seats are confirmed");
    assert_eq!(waitlisted.len(), waiting);
    assert!(confirmed.iter().all(|r| r.waitlist_number.is_none()));
    let mut numbers: Vec<i32> = waitlisted.iter().map(|r| r.waitlist_number.expect("number")).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=waiting as i32).collect::<Vec<_>>(), "waitlist numbers without gaps or repeats");
    let uids: BTreeSet<&str> = all.iter().map(|r| r.ical_uid.as_str()).collect();
    assert_eq!(uids.len(), all.len(), "calendar UIDs are unique");

    let counts = outbox_subject_counts(app);
    assert_eq!(counts.get(&format!("You are registered: {}", spec.title)), Some(&seats));
    assert_eq!(counts.get(&format!("On the waitlist: {}", spec.title)), Some(&waiting));

    // Each person is shown their own position (the flash and the list agree with the number).
    let number_of: BTreeMap<&str, Option<i32>> = all.iter().map(|r| (r.email.as_str(), r.waitlist_number)).collect();
    let shown = futures_util::stream::iter(people.iter().map(|(e, c)| async move {
        let (rows, body) = my_registrations(c).await;
        (e.clone(), rows, body)
    }))
    .buffered(32)
    .collect::<Vec<_>>()
    .await;
    let mut positions = Vec::new();
    for (e, rows, body) in shown {
        assert_eq!(rows.len(), 1, "{e}: {body}");
        match number_of[e.as_str()] {
            Some(n) => {
                assert_eq!(rows[0].status, "waitlisted");
                assert_eq!(rows[0].position, Some(i64::from(n)), "{e}");
                assert!(body.contains(&format!("you are on the waitlist at position {n}.")), "{e}: {body}");
                let mails = outbox_with(app, &e, &format!("On the waitlist: {}", spec.title));
                assert_eq!(mails.len(), 1, "{e}");
                let text = delivered_copy(sink, &mails[0]).await.text;
                assert!(text.contains(&format!("on the waitlist at position {n}.")), "{e}: {text}");
                positions.push(n);
            }
            None => {
                assert_eq!((rows[0].status.as_str(), rows[0].position), ("confirmed", None));
                assert!(body.contains("You are registered for"), "{e}: {body}");
            }
        }
    }
    positions.sort_unstable();
    assert_eq!(positions, (1..=waiting as i32).collect::<Vec<_>>(), "positions shown are 1..={waiting}");
    assert!(org.get(&format!("/events/{}", spec.slug)).await.has("Full — new registrations join the waitlist"));
}

#[actix_web::test]
async fn five_hundred_simultaneous_registrations_fill_fifty_seats_exactly() {
    let (app, sink) = TestApp::start().await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let people = crowd(&app, std::slice::from_ref(&app.base), "race", 500).await;
    registration_race(&app, &sink, &org, &people, 50, "race").await;
}

#[actix_web::test]
async fn two_servers_on_one_postgres_database_share_the_seats_exactly() {
    if !on_postgres() {
        eprintln!("skipped: needs TEST_DATABASE_URL=postgres://…");
        return;
    }
    let sink = SmtpSink::start().await;
    let a = TestApp::start_with(Options { smtp_url: Some(sink.url()), ..Default::default() }).await;
    let b =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), db_url: a.shared_db(), ..Default::default() }).await;
    let org = person(&a, "Olga Organiser", &email("olga"), "organiser").await;
    let people = crowd(&a, &[a.base.clone(), b.base.clone()], "two", 500).await;
    assert_eq!(people.iter().filter(|(_, c)| c.base == b.base).count(), 250, "half go through the second server");
    registration_race(&a, &sink, &org, &people, 50, "two-servers").await;
}

// ---------------------------------------------------------------- 7. concurrent cancellations

#[actix_web::test]
async fn concurrent_cancellations_promote_each_waitlisted_person_once() {
    let (app, _sink) = TestApp::start().await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let spec = EventSpec::new("cancels", Some(50));
    let event_id = create_event(&org, &spec).await;
    let people = crowd(&app, std::slice::from_ref(&app.base), "cx", 90).await;
    for (_, c) in &people {
        register_ok(c, &spec.slug, &[]).await;
    }
    let before = regs(&app, event_id);
    let confirmed: Vec<Reg> = before.iter().filter(|r| r.status == "confirmed").cloned().collect();
    let mut waiting: Vec<Reg> = before.iter().filter(|r| r.status == "waitlisted").cloned().collect();
    waiting.sort_by_key(|r| r.waitlist_number);
    assert_eq!((confirmed.len(), waiting.len()), (50, 40));
    let client_of = |addr: &str| &people.iter().find(|(e, _)| e == addr).expect("client").1;

    // 30 seats are freed at once: 20 people cancel themselves (the first five press twice), and
    // two organiser bulk cancellations overlap them and each other.
    let cancelled: Vec<&Reg> = confirmed.iter().take(30).collect();
    let own: Vec<&Reg> = cancelled[..20].iter().copied().chain(cancelled[..5].iter().copied()).collect();
    let bulk1: Vec<i64> = cancelled[15..25].iter().map(|r| r.id).collect();
    let bulk2: Vec<i64> = cancelled[20..30].iter().map(|r| r.id).collect();
    let own_tokens = join_all(own.iter().map(|r| client_of(&r.email).csrf())).await;
    let org_token = org.csrf().await;
    let bulk = |ids: Vec<i64>| {
        let org = &org;
        let token = org_token.clone();
        async move {
            let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
            let mut f = vec![("action", "cancel"), ("csrf_token", token.as_str())];
            f.extend(ids.iter().map(|i| ("ids", i.as_str())));
            org.post_raw(&format!("/organise/events/{event_id}/registrants"), &f).await
        }
    };
    let own_requests =
        join_all(
            own.iter().zip(&own_tokens).map(|(r, token)| {
                let c = client_of(&r.email);
                async move {
                    c.post_raw(&format!("/my/registrations/{}/cancel", r.id), &[("csrf_token", token.as_str())]).await
                }
            }),
        );
    let (own_pages, org1, org2) = tokio::join!(own_requests, bulk(bulk1), bulk(bulk2));
    for (p, r) in own_pages.iter().zip(&own) {
        assert_eq!(
            (p.status, p.location()),
            (303, "/my/registrations".to_string()),
            "cancel by {}: {}",
            r.email,
            p.body
        );
    }
    for p in [&org1, &org2] {
        assert_eq!(p.status, 303, "bulk cancel: {}", p.body);
    }

    let after = regs(&app, event_id);
    let status_of: BTreeMap<i64, &str> = after.iter().map(|r| (r.id, r.status.as_str())).collect();
    assert_eq!(after.iter().filter(|r| r.status == "confirmed").count(), 50, "every freed seat is taken again");
    for r in &cancelled {
        assert_eq!(status_of[&r.id], "cancelled", "{}", r.email);
        let n = outbox_with(&app, &r.email, &format!("Registration cancelled: {}", spec.title)).len();
        assert_eq!(n, 1, "{} is told once about the cancellation", r.email);
    }
    for r in &confirmed[30..] {
        assert_eq!(status_of[&r.id], "confirmed");
    }
    let seat_mail = format!("A seat is yours: {}", spec.title);
    for (i, r) in waiting.iter().enumerate() {
        let n = outbox_with(&app, &r.email, &seat_mail).len();
        if i < 30 {
            assert_eq!(status_of[&r.id], "confirmed", "waitlist #{:?} promoted", r.waitlist_number);
            assert_eq!(n, 1, "waitlist #{:?} gets exactly one seat mail", r.waitlist_number);
        } else {
            assert_eq!(status_of[&r.id], "waitlisted", "waitlist #{:?} still waiting", r.waitlist_number);
            assert_eq!(n, 0);
        }
    }
    assert_eq!(outbox_subject_counts(&app).get(&seat_mail), Some(&30), "30 promotions in all");
    // Those still waiting are shown positions 1..=10.
    let mut shown = Vec::new();
    for r in &waiting[30..] {
        shown.push(my_only_row(client_of(&r.email)).await.position.expect("position"));
    }
    assert_eq!(shown, (1..=10).collect::<Vec<i64>>());
}

// ---------------------------------------------------------------- 8. event changes

#[actix_web::test]
async fn changing_or_cancelling_the_event_tells_every_active_registrant() {
    // A new date goes out after a quiet period, kept short here; a cancellation at once.
    let (app, sink) = crate::changes_events::start(300).await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let mut spec = EventSpec::new("changes", Some(3));
    let event_id = create_event(&org, &spec).await;
    let title = spec.title.clone();

    // Ann, Dan and Cyd get the seats, Bob waits; Dan cancels and Bob gets his seat. Then Eve
    // joins the waitlist.
    let (ann, bob, cyd, dan) = (email("ann"), email("bob"), email("cyd"), email("dan"));
    let mut clients = Vec::new();
    for (name, addr) in [("Ann", &ann), ("Dan", &dan), ("Cyd", &cyd), ("Bob", &bob)] {
        let c = person(&app, name, addr, "attendee").await;
        register_ok(&c, &spec.slug, &[]).await;
        clients.push(c);
    }
    assert_eq!(reg_of(&app, event_id, &bob).status, "waitlisted");
    let dan_reg = reg_of(&app, event_id, &dan);
    assert_eq!(clients[1].post(&format!("/my/registrations/{}/cancel", dan_reg.id), &[]).await.status, 303);
    assert_eq!(reg_of(&app, event_id, &bob).status, "confirmed");
    let eve = email("eve");
    let e = person(&app, "Eve", &eve, "attendee").await;
    register_ok(&e, &spec.slug, &[]).await;
    assert_eq!(reg_of(&app, event_id, &eve).status, "waitlisted");

    let first = [
        (ann.clone(), ics_of(&app, &sink, &ann, &format!("You are registered: {title}")).await),
        (cyd.clone(), ics_of(&app, &sink, &cyd, &format!("You are registered: {title}")).await),
        (bob.clone(), ics_of(&app, &sink, &bob, &format!("A seat is yours: {title}")).await),
    ];

    // The start moves by an hour.
    let y = next_year();
    spec.starts_at = format!("{y}-06-10T10:00");
    edit_event(&org, event_id, &spec).await;
    let changed = format!("Event changed: {title}");
    let mut moved = Vec::new();
    for (addr, before) in &first {
        let m = sink.wait_for(addr, &changed).await;
        assert!(m.text.contains("New dates:"), "{}", m.text);
        let ics = ics_of(&app, &sink, addr, &changed).await;
        assert_eq!(ics.uid, before.uid, "same calendar entry for {addr}");
        assert!(ics.sequence > before.sequence, "{addr}: SEQUENCE {} > {}", ics.sequence, before.sequence);
        assert_eq!(ics.start, spec.utc(&spec.starts_at));
        assert_eq!(ics.start.to_rfc3339(), format!("{y}-06-10T08:00:00+00:00"));
        assert_eq!(ics.status, Some(EventStatus::Confirmed));
        moved.push((addr.clone(), ics));
    }
    sink.wait_for(&eve, &changed).await;
    let eve_changed = outbox_with(&app, &eve, &changed);
    assert_eq!(eve_changed.len(), 1);
    assert!(eve_changed[0].attachment_type.is_none(), "no calendar entry without a seat");
    assert!(outbox_with(&app, &dan, &changed).is_empty(), "cancelled registrants are not told");

    // A new description is not a change registrants are told about.
    spec.description = "Now with a poster session.".into();
    edit_event(&org, event_id, &spec).await;
    for addr in [&ann, &bob, &cyd, &eve] {
        assert_eq!(outbox_with(&app, addr, &changed).len(), 1, "{addr} told once");
    }

    // Cancelling the event withdraws the calendar entries.
    spec.status = "cancelled".into();
    edit_event(&org, event_id, &spec).await;
    let cancelled = format!("Event cancelled: {title}");
    for (addr, before) in &moved {
        sink.wait_for(addr, &cancelled).await;
        let ics = ics_of(&app, &sink, addr, &cancelled).await;
        assert_eq!(ics.uid, before.uid);
        assert!(ics.sequence > before.sequence, "{addr}: SEQUENCE {} > {}", ics.sequence, before.sequence);
        assert_eq!(ics.status, Some(EventStatus::Cancelled));
        assert_eq!(ics.method, "CANCEL");
    }
    sink.wait_for(&eve, &cancelled).await;
    assert_eq!(outbox_with(&app, &eve, &cancelled).len(), 1);
    assert!(outbox_with(&app, &dan, &cancelled).is_empty());
    for addr in [&ann, &bob, &cyd, &eve] {
        assert_eq!(outbox_with(&app, addr, &changed).len(), 1, "{addr}: no extra change mail");
    }
    let r = register(&person(&app, "Fay", &email("fay"), "attendee").await, &spec.slug, &[]).await;
    assert_eq!(r.status, 409);
    assert!(r.has("This event has been cancelled."));
}

// ---------------------------------------------------------------- 9. export and deletion

#[actix_web::test]
async fn export_includes_registrations_and_deleting_the_account_frees_the_seat() {
    let (app, sink) = TestApp::start().await;
    let org = person(&app, "Olga Organiser", &email("olga"), "organiser").await;
    let spec = EventSpec::new("privacy", Some(1));
    let event_id = create_event(&org, &spec).await;
    let q = add_question(&app, &org, event_id, "What would you like to discuss?", true).await;
    let field = format!("q_{q}");

    let (ann, bob) = (email("ann"), email("bob"));
    let a = person(&app, "Ann Attendee", &ann, "attendee").await;
    let b = person(&app, "Bob Attendee", &bob, "attendee").await;
    register_ok(&a, &spec.slug, &[(&field, "Vaccine platforms"), ("directory_consent", "yes")]).await;
    register_ok(&b, &spec.slug, &[(&field, "Clinical trials")]).await;
    assert_eq!(reg_of(&app, event_id, &bob).status, "waitlisted");

    let r = a.get("/account/export").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("application/json"), "{}", r.header("content-type"));
    let data: serde_json::Value = serde_json::from_str(&r.body).expect("JSON export");
    assert_eq!(data["profile"]["organisation"], "Institut Pasteur", "registration details reach the profile");
    let list = data["registrations"].as_array().expect("registrations array");
    assert_eq!(list.len(), 1, "{data:#}");
    let reg = &list[0];
    assert_eq!(reg["event"]["slug"], spec.slug.as_str());
    assert_eq!(reg["event"]["title"], spec.title.as_str());
    assert_eq!(reg["status"], "confirmed");
    assert_eq!(reg["directory_consent"], true);
    assert_eq!(reg["matchmaking_consent"], false);
    assert_eq!(
        reg["answers"],
        serde_json::json!([{"question": "What would you like to discuss?", "answer": "Vaccine platforms"}])
    );
    assert!(!r.body.contains("Clinical trials"), "nobody else's answers");

    // Deleting Ann's account frees her seat for Bob, the first on the waitlist.
    let r = a.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/");
    assert!(!a.logged_in().await);
    let left = regs(&app, event_id);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!((left[0].email.as_str(), left[0].status.as_str()), (bob.as_str(), "confirmed"));
    assert_eq!(my_only_row(&b).await.status, "confirmed");
    sink.wait_for(&bob, &format!("A seat is yours: {}", spec.title)).await;
    let ics = ics_of(&app, &sink, &bob, &format!("A seat is yours: {}", spec.title)).await;
    assert_eq!(ics.uid, left[0].ical_uid);
    assert!(outbox_with(&app, &ann, &format!("Registration cancelled: {}", spec.title)).is_empty());
    let answers: i64 = app.with_conn(|c| registration_answers::table.count().get_result(c).expect("count answers"));
    assert_eq!(answers, 1, "Ann's answers are deleted with her registration");
    sink.wait_for(&ann, "Your Liaison account has been deleted").await;
}
