//! Issue 12, the registration side: live waitlist positions everywhere (defect 8), no
//! cancellation once an event is over and a cancelled event shown as such (defect 9), and
//! registration e-mails as iTIP invitations whose calendar, built from every mail in order,
//! equals the person's subscribed feed. Real server, real database, real SMTP sink.

use chrono::{Datelike, TimeDelta, Utc};
use diesel::prelude::*;
use liaison::db::schema::{events, outbox, registrations, users};

use crate::calendar::{self, Replica};
use crate::support::*;

// ---------------------------------------------------------------- helpers

/// An event as its organiser's form holds it.
pub(crate) struct Ev {
    pub(crate) id: i64,
    pub(crate) slug: String,
    pub(crate) title: String,
    pub(crate) fields: Vec<(&'static str, String)>,
}

impl Ev {
    pub(crate) fn set(&mut self, key: &'static str, value: &str) {
        let f = self.fields.iter_mut().find(|(k, _)| *k == key).expect("form field");
        f.1 = value.to_string();
    }
    pub(crate) fn path(&self, rest: &str) -> String {
        format!("/events/{}{rest}", self.slug)
    }
}

/// A published one-day event next June in Brussels.
pub(crate) async fn new_event(org: &Client, tag: &str, capacity: u32, approval: bool) -> Ev {
    let y = Utc::now().year() + 1;
    let slug = format!("{tag}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let title = format!("Partnering day {tag}");
    let mut fields = vec![
        ("title", title.clone()),
        ("slug", slug.clone()),
        ("description", "Industry meets academia.".to_string()),
        ("venue", "Square Meeting Centre".to_string()),
        ("address", "Mont des Arts, 1000 Brussels".to_string()),
        ("timezone", "Europe/Brussels".to_string()),
        ("starts_at", format!("{y}-06-10T09:00")),
        ("ends_at", format!("{y}-06-10T17:30")),
        ("registration_opens_at", String::new()),
        ("registration_closes_at", String::new()),
        ("capacity", capacity.to_string()),
        ("status", "published".to_string()),
    ];
    if approval {
        fields.push(("requires_approval", "on".into()));
    }
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = org.post("/organise/events/new", &form).await;
    assert_eq!(r.status, 303, "create event: {}", r.body);
    let id = r.location().strip_prefix("/organise/events/").and_then(|s| s.parse().ok()).expect("event id");
    Ev { id, slug, title, fields }
}

/// Saves the organiser's form as it now stands.
pub(crate) async fn save(org: &Client, ev: &Ev) {
    let form: Vec<(&str, &str)> = ev.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = org.post(&format!("/organise/events/{}/edit", ev.id), &form).await;
    assert_eq!(r.status, 303, "edit event: {}", r.body);
}

pub(crate) async fn register(c: &Client, ev: &Ev) {
    let r = c
        .post(&ev.path("/register"), &[("organisation", "Institut Pasteur"), ("sector", "academia"), ("country", "FR")])
        .await;
    assert_eq!((r.status, r.location()), (303, "/my/registrations".to_string()), "registration: {}", r.body);
}

pub(crate) async fn person(app: &TestApp, name: &str, tag: &str) -> (Client, String) {
    let addr = email(tag);
    (app.quick_user(name, &addr, "attendee").await, addr)
}

/// A registration as stored: id, status, waitlist number, UID.
#[derive(Debug, Clone)]
pub(crate) struct Reg {
    pub(crate) id: i64,
    pub(crate) status: String,
    pub(crate) number: Option<i32>,
    pub(crate) uid: String,
}

pub(crate) fn reg_of(app: &TestApp, ev: &Ev, addr: &str) -> Reg {
    let (id, status, number, uid) = app.with_conn(|c| {
        registrations::table
            .inner_join(users::table)
            .filter(registrations::event_id.eq(ev.id).and(users::email.eq(addr)))
            .select((registrations::id, registrations::status, registrations::waitlist_number, registrations::ical_uid))
            .first::<(i64, String, Option<i32>, String)>(c)
            .expect("registration")
    });
    Reg { id, status, number, uid }
}

async fn action(org: &Client, ev: &Ev, action: &str, ids: &[i64]) -> Page {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut f = vec![("action", action)];
    f.extend(ids.iter().map(|i| ("ids", i.as_str())));
    let r = org.post(&format!("/organise/events/{}/registrants", ev.id), &f).await;
    assert_eq!(r.status, 303, "{action}: {}", r.body);
    org.get(&r.location()).await
}

/// Every message written for `addr`, in the order it was written, as delivered.
pub(crate) async fn mails_to(app: &TestApp, sink: &SmtpSink, addr: &str) -> Vec<Mail> {
    let ids: Vec<String> = app
        .with_conn(|c| {
            outbox::table.filter(outbox::to_addr.eq(addr)).order(outbox::id).select(outbox::message_id).load(c)
        })
        .expect("outbox");
    let mut out = Vec::new();
    for id in ids {
        out.push(sink.wait_for_id(&id).await);
    }
    out
}

pub(crate) fn subjects(mails: &[Mail]) -> Vec<String> {
    mails.iter().map(|m| m.subject.clone()).collect()
}

/// The one calendar of a mail, parsed: (METHOD, item).
pub(crate) fn the_calendar(m: &Mail) -> (String, calendar::Item) {
    let cals = calendar::calendars_of(m);
    assert_eq!(cals.len(), 1, "one calendar in {:?}", m.subject);
    let mut items = calendar::items(&cals[0]);
    assert_eq!(items.len(), 1, "one entry in {:?}", m.subject);
    let it = items.remove(0);
    (it.method.clone(), it)
}

/// The ATTENDEE addresses of a mail's calendar entries.
fn attendees(m: &Mail) -> Vec<String> {
    use icalendar::Component;
    let mut out = Vec::new();
    for text in calendar::calendars_of(m) {
        let cal: icalendar::Calendar = text.parse().expect("parses");
        for e in cal.events() {
            for p in e.multi_properties().get("ATTENDEE").cloned().unwrap_or_default() {
                out.push(p.value().to_string());
            }
        }
    }
    out
}

/// The address of the person's subscribed feed (shown on "my agenda" while they hold a seat).
pub(crate) async fn feed_path(app: &TestApp, c: &Client, ev: &Ev) -> String {
    let page = c.get(&ev.path("/my-agenda")).await;
    assert!(page.has("id=\"feed-url\""), "feed address on my agenda:\n{}", page.body);
    let url = extract(&page.body, "readonly value=\"", "\"").expect("feed address");
    url.strip_prefix(&app.base).expect("absolute feed URL").to_string()
}

pub(crate) async fn feed(app: &TestApp, path: &str) -> Replica {
    let r = app.client().get(path).await;
    assert_eq!(r.status, 200, "{path}");
    Replica::from_feed(&r.body)
}

/// "my registrations" rows: id → (status badge code, words, position).
async fn my_rows(c: &Client) -> (Vec<(i64, String, String, Option<i64>, bool)>, Page) {
    let p = c.get("/my/registrations").await;
    let rows = p
        .body
        .split("<tr id=\"registration-")
        .skip(1)
        .map(|chunk| {
            let chunk = chunk.split("</tr>").next().unwrap_or(chunk);
            let id = chunk[..chunk.find('"').expect("id")].parse().expect("numeric id");
            let code = extract(chunk, "badge badge-reg-", "\"").expect("status badge");
            let words = extract(chunk, &format!("badge badge-reg-{code}\">"), "<").expect("status words");
            let position = extract(chunk, "<span class=\"position\">position ", "<").map(|p| p.parse().expect("n"));
            let button = chunk.contains("/cancel\"");
            (id, code, words, position, button)
        })
        .collect();
    (rows, p)
}

fn csv_rows(bytes: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let body = bytes.strip_prefix('\u{feff}').unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let head = r.headers().expect("header").iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.expect("record").iter().map(str::to_string).collect()).collect();
    (head, rows)
}

/// Moves the event's times in the database (the form refuses times in the past).
fn move_event_to(app: &TestApp, ev: &Ev, starts: chrono::NaiveDateTime, ends: chrono::NaiveDateTime) {
    app.with_conn(|c| {
        diesel::update(events::table.find(ev.id))
            .set((events::starts_at.eq(starts), events::ends_at.eq(ends)))
            .execute(c)
            .expect("move event")
    });
}

// ---------------------------------------------------------------- defect 8

/// The organiser's page, the CSV, "my registrations", the event page, the data export and the
/// e-mails all show the same live position (1..n among those still waiting); a person moved
/// up from the waitlist has no number anywhere.
#[actix_web::test]
async fn waitlist_positions_are_live_everywhere_and_a_promoted_person_has_none() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = new_event(&org, "queue", 1, false).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    let (bob, bob_addr) = person(&app, "Bob Attendee", "bob").await;
    let (cyd, cyd_addr) = person(&app, "Cyd Attendee", "cyd").await;
    let (dan, dan_addr) = person(&app, "Dan Attendee", "dan").await;
    for c in [&ann, &bob, &cyd, &dan] {
        register(c, &ev).await;
    }
    assert_eq!(reg_of(&app, &ev, &dan_addr).status, "waitlisted");

    // Ann leaves: Bob, first in the queue, gets her seat; Cyd and Dan move up.
    let ann_reg = reg_of(&app, &ev, &ann_addr);
    assert_eq!(ann.post(&format!("/my/registrations/{}/cancel", ann_reg.id), &[]).await.status, 303);
    let bob_reg = reg_of(&app, &ev, &bob_addr);
    assert_eq!((bob_reg.status.as_str(), bob_reg.number), ("confirmed", None), "promoted: no waitlist number");
    assert_eq!(reg_of(&app, &ev, &ann_addr).number, None);
    let (cyd_reg, dan_reg) = (reg_of(&app, &ev, &cyd_addr), reg_of(&app, &ev, &dan_addr));

    // The organiser's page.
    let page = org.get(&format!("/organise/events/{}/registrants", ev.id)).await;
    let row = |id: i64| extract(&page.body, &format!("<tr id=\"registrant-{id}\">"), "</tr>").expect("row");
    assert!(row(cyd_reg.id).contains("Waitlisted</span> #1"), "{}", row(cyd_reg.id));
    assert!(row(dan_reg.id).contains("Waitlisted</span> #2"), "{}", row(dan_reg.id));
    assert!(!row(bob_reg.id).contains('#'), "{}", row(bob_reg.id));

    // The CSV says the same.
    let csv = org.get(&format!("/organise/events/{}/registrants.csv", ev.id)).await;
    assert_eq!(csv.status, 200);
    let (head, rows) = csv_rows(&csv.body);
    let col = head.iter().position(|h| h.starts_with("Waitlist")).expect("waitlist column");
    let email_col = head.iter().position(|h| h == "E-mail").expect("e-mail column");
    let cell = |addr: &str| rows.iter().find(|r| r[email_col] == addr).expect("row")[col].clone();
    assert_eq!(cell(&bob_addr), "", "a promoted person has no waitlist number in the file");
    assert_eq!(cell(&ann_addr), "", "nor a cancelled one");
    assert_eq!(
        (cell(&cyd_addr), cell(&dan_addr)),
        ("1".to_string(), "2".to_string()),
        "the page's #1 is 1 in the file"
    );

    // Each person's own pages and data export.
    let (mine, _) = my_rows(&cyd).await;
    assert_eq!(mine[0].3, Some(1));
    assert!(cyd.get(&ev.path("")).await.has("(position 1 on the waitlist)"));
    assert_eq!(my_rows(&dan).await.0[0].3, Some(2));
    assert_eq!(my_rows(&bob).await.0[0].3, None);
    for (c, position) in [(&bob, serde_json::Value::Null), (&cyd, 1.into()), (&dan, 2.into())] {
        let data: serde_json::Value = serde_json::from_str(&c.get("/account/export").await.body).expect("JSON");
        assert_eq!(data["registrations"][0]["waitlist_position"], position, "{data:#}");
    }

    // A newcomer joins behind them, and is told position 3.
    let (eve, eve_addr) = person(&app, "Eve Attendee", "eve").await;
    register(&eve, &ev).await;
    let m = sink.wait_for(&eve_addr, "On the waitlist").await;
    assert!(m.text.contains("position 3"), "{}", m.text);
    let page = org.get(&format!("/organise/events/{}/registrants", ev.id)).await;
    let eve_id = reg_of(&app, &ev, &eve_addr).id;
    assert!(extract(&page.body, &format!("<tr id=\"registrant-{eve_id}\">"), "</tr>").expect("row").contains("#3"));
}

// ---------------------------------------------------------------- defect 9

/// Once the event is over a registration cannot be cancelled (no button, a clear 409, no
/// mail, nobody moved up), by the person or by an organiser; check-in stays open. While the
/// event runs, cancelling is still allowed and frees the seat.
#[actix_web::test]
async fn an_event_that_is_over_refuses_cancellation_and_one_under_way_allows_it() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = new_event(&org, "over", 1, false).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    let (bob, bob_addr) = person(&app, "Bob Attendee", "bob").await;
    register(&ann, &ev).await;
    register(&bob, &ev).await;
    let now = Utc::now().naive_utc();
    move_event_to(&app, &ev, now - TimeDelta::days(2), now - TimeDelta::days(1));
    let ann_reg = reg_of(&app, &ev, &ann_addr);
    let sent_before = app.with_conn(|c| outbox::table.count().get_result::<i64>(c)).expect("count");

    let (rows, page) = my_rows(&ann).await;
    assert_eq!(rows[0].1, "confirmed");
    assert!(!rows[0].4, "no cancel button for an event that is over:\n{}", page.body);
    let r = ann.post(&format!("/my/registrations/{}/cancel", ann_reg.id), &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("This event is over"), "{}", r.body);
    assert_eq!(reg_of(&app, &ev, &ann_addr).status, "confirmed");

    // The organisers cannot either; they can still record attendance.
    let page = action(&org, &ev, "cancel", &[ann_reg.id]).await;
    assert!(page.has("Ann Attendee: the event is over"), "{}", page.body);
    assert!(page.has("id=\"seats-frozen\""));
    assert!(!page.has("<option value=\"cancel\">"), "cancelling is not offered");
    let page = action(&org, &ev, "check_in", &[ann_reg.id]).await;
    assert!(page.has("Checked in: Ann Attendee"), "{}", page.body);
    assert_eq!(reg_of(&app, &ev, &ann_addr).status, "confirmed");
    assert_eq!(reg_of(&app, &ev, &bob_addr).status, "waitlisted", "nobody moved up after the event");
    let sent_after = app.with_conn(|c| outbox::table.count().get_result::<i64>(c)).expect("count");
    assert_eq!(sent_after, sent_before, "no e-mail about a finished event");
    assert_eq!(my_rows(&bob).await.0[0].3, None, "no waitlist position after the event");

    // Under way (started an hour ago): Ann may still cancel, Bob gets the seat.
    move_event_to(&app, &ev, now - TimeDelta::hours(1), now + TimeDelta::hours(6));
    let (rows, _) = my_rows(&ann).await;
    assert!(rows[0].4, "the button is offered while the event runs");
    let r = ann.post(&format!("/my/registrations/{}/cancel", ann_reg.id), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(reg_of(&app, &ev, &ann_addr).status, "cancelled");
    sink.wait_for(&ann_addr, "Registration cancelled").await;
    sink.wait_for(&bob_addr, "A seat is yours").await;
}

/// A cancelled event ends its registrations: "my registrations", the event page and the data
/// export say so instead of "Confirmed"; cancelling is neither offered nor accepted; people
/// with a seat get an iTIP CANCEL, those waiting none. Put back on, everything stands again.
#[actix_web::test]
async fn a_cancelled_event_shows_the_registration_as_ended_everywhere() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let mut ev = new_event(&org, "called-off", 1, false).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    let (bob, bob_addr) = person(&app, "Bob Attendee", "bob").await;
    register(&ann, &ev).await;
    register(&bob, &ev).await;
    let ann_reg = reg_of(&app, &ev, &ann_addr);

    ev.set("status", "cancelled");
    save(&org, &ev).await;
    for (c, who) in [(&ann, "Ann"), (&bob, "Bob")] {
        let (rows, page) = my_rows(c).await;
        assert_eq!(rows.len(), 1);
        let (_, code, words, position, button) = &rows[0];
        assert_eq!((code.as_str(), words.as_str()), ("cancelled", "Event cancelled"), "{who}:\n{}", page.body);
        assert_eq!((*position, *button), (None, false), "{who}");
        let p = c.get(&ev.path("")).await;
        assert!(p.has("Your registration: <strong>Event cancelled</strong>"), "{who}: {}", p.body);
        assert!(!p.has("<strong>Confirmed</strong>") && !p.has("<strong>Waitlisted</strong>"));
        let data: serde_json::Value = serde_json::from_str(&c.get("/account/export").await.body).expect("JSON");
        let reg = &data["registrations"][0];
        assert_eq!(
            (reg["status_shown"].as_str(), reg["event"]["status"].as_str()),
            (Some("Event cancelled"), Some("cancelled"))
        );
    }
    let r = ann.post(&format!("/my/registrations/{}/cancel", ann_reg.id), &[]).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.has("This event has been cancelled"), "{}", r.body);

    let ann_mails = mails_to(&app, &sink, &ann_addr).await;
    let last = ann_mails.last().expect("mail");
    assert_eq!(last.subject, format!("Event cancelled: {}", ev.title), "{:?}", subjects(&ann_mails));
    assert_eq!(the_calendar(last).0, "CANCEL");
    let bob_mails = mails_to(&app, &sink, &bob_addr).await;
    assert!(bob_mails.iter().all(|m| calendar::calendars_of(m).is_empty()), "no calendar without a seat");
    assert!(Replica::from_mails(&ann_mails).entries.is_empty());

    // Back on: the registrations stand as they were, calendars get the entry back.
    ev.set("status", "published");
    save(&org, &ev).await;
    let back = sink.wait_for(&ann_addr, "Event back on").await;
    let (method, it) = the_calendar(&back);
    assert_eq!((method.as_str(), it.uid.as_str()), ("REQUEST", ann_reg.uid.as_str()));
    let (rows, _) = my_rows(&ann).await;
    assert_eq!((rows[0].1.as_str(), rows[0].4), ("confirmed", true));
    assert_eq!(my_rows(&bob).await.0[0].3, Some(1));
    let ann_mails = mails_to(&app, &sink, &ann_addr).await;
    let replica = Replica::from_mails(&ann_mails);
    assert!(replica.stale.is_empty(), "{:?}", replica.stale);
    assert_eq!(replica.entries.len(), 1);
}

// ---------------------------------------------------------------- iTIP

/// Confirmation, approval and promotion carry a REQUEST for the registrant (ATTENDEE) with the
/// registration's UID; a cancellation by the organisers a CANCEL with a higher SEQUENCE; a
/// refusal or a waitlist place no calendar at all.
#[actix_web::test]
async fn registration_mails_are_itip_invitations_for_the_registrant() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = new_event(&org, "itip", 1, true).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    let (bob, bob_addr) = person(&app, "Bob Attendee", "bob").await;
    let (cyd, cyd_addr) = person(&app, "Cyd Attendee", "cyd").await;
    for c in [&ann, &bob, &cyd] {
        register(c, &ev).await;
    }
    let (a, b, c) = (reg_of(&app, &ev, &ann_addr), reg_of(&app, &ev, &bob_addr), reg_of(&app, &ev, &cyd_addr));
    action(&org, &ev, "approve", &[a.id, b.id]).await;
    assert_eq!(reg_of(&app, &ev, &bob_addr).status, "waitlisted");

    let approved = sink.wait_for(&ann_addr, "Registration approved").await;
    let (method, first) = the_calendar(&approved);
    assert_eq!((method.as_str(), first.uid.as_str()), ("REQUEST", a.uid.as_str()));
    assert_eq!(attendees(&approved), vec![format!("mailto:{ann_addr}")]);
    assert!(approved.raw.contains("ORGANIZER"), "an invitation has an organiser");
    let waiting = sink.wait_for(&bob_addr, "Approved, on the waitlist").await;
    assert!(calendar::calendars_of(&waiting).is_empty(), "no entry while waiting");

    // The organisers remove Ann: a CANCEL that outranks the invitation; Bob moves up.
    action(&org, &ev, "cancel", &[a.id]).await;
    let removed = sink.wait_for(&ann_addr, "Registration cancelled").await;
    let (method, gone) = the_calendar(&removed);
    assert_eq!((method.as_str(), gone.uid.as_str()), ("CANCEL", a.uid.as_str()));
    assert!(gone.sequence > first.sequence, "{} > {}", gone.sequence, first.sequence);
    assert!(removed.text.contains("removes the entry"), "{}", removed.text);
    let seat = sink.wait_for(&bob_addr, "A seat is yours").await;
    let (method, promoted) = the_calendar(&seat);
    assert_eq!((method.as_str(), promoted.uid.as_str()), ("REQUEST", b.uid.as_str()));
    assert_eq!(attendees(&seat), vec![format!("mailto:{bob_addr}")]);

    // Cyd is refused: told, but there is nothing to take out of a calendar.
    action(&org, &ev, "reject", &[c.id]).await;
    let refused = sink.wait_for(&cyd_addr, "Registration not accepted").await;
    assert!(calendar::calendars_of(&refused).is_empty());

    for (addr, held) in [(&ann_addr, 0), (&bob_addr, 1), (&cyd_addr, 0)] {
        let replica = Replica::from_mails(&mails_to(&app, &sink, addr).await);
        assert!(replica.stale.is_empty(), "{addr}: {:?}", replica.stale);
        assert_eq!(replica.entries.len(), held, "{addr}: {:?}", replica.entries);
    }
}

/// Register, get the event moved, lose the seat or get it from the waitlist, the event moved
/// again, then cancelled: after every step the calendar built from every mail has exactly one
/// entry for the registration while a seat is held (none after), no stale message, and equals
/// the entry of the person's subscribed feed.
#[actix_web::test]
async fn the_calendar_built_from_every_mail_equals_the_personal_feed() {
    // Changes of date and place go out after a quiet period, kept short here.
    let (app, sink) = crate::changes_events::start(300).await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let mut ev = new_event(&org, "replica", 1, false).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    let (bob, bob_addr) = person(&app, "Bob Attendee", "bob").await;
    register(&ann, &ev).await;
    register(&bob, &ev).await;
    let (a, b) = (reg_of(&app, &ev, &ann_addr), reg_of(&app, &ev, &bob_addr));
    let ann_feed = feed_path(&app, &ann, &ev).await;

    // Checks one person: the calendar from their mails against their feed.
    async fn agree(app: &TestApp, sink: &SmtpSink, addr: &str, uid: &str, feed_path: &str, held: bool) -> Replica {
        let mails = mails_to(app, sink, addr).await;
        let replica = Replica::from_mails(&mails);
        assert!(replica.stale.is_empty(), "{addr}: stale {:?}", replica.stale);
        let fed = feed(app, feed_path).await;
        let mailed: Vec<_> = replica.entries.keys().filter(|k| k.starts_with("registration-")).collect();
        assert_eq!(mailed.len(), usize::from(held), "{addr}: {:?} after {:?}", replica.entries, subjects(&mails));
        assert_eq!(replica.entries.get(uid), fed.entries.get(uid), "{addr}: mails and feed agree");
        replica
    }

    agree(&app, &sink, &ann_addr, &a.uid, &ann_feed, true).await;

    // The event moves by an hour: Ann's entry follows.
    let y = Utc::now().year() + 1;
    ev.set("starts_at", &format!("{y}-06-10T10:00"));
    save(&org, &ev).await;
    crate::changes_events::wait_count(&sink, &ann_addr, "Event changed", 1).await;
    let r = agree(&app, &sink, &ann_addr, &a.uid, &ann_feed, true).await;
    assert_eq!(r.entries[&a.uid].1.starts, format!("{y}0610T080000Z"));
    let bob_mails = mails_to(&app, &sink, &bob_addr).await;
    assert!(bob_mails.iter().all(|m| calendar::calendars_of(m).is_empty()), "Bob waits: no entry");

    // Ann cancels; Bob gets the seat.
    assert_eq!(ann.post(&format!("/my/registrations/{}/cancel", a.id), &[]).await.status, 303);
    agree(&app, &sink, &ann_addr, &a.uid, &ann_feed, false).await;
    let bob_feed = feed_path(&app, &bob, &ev).await;
    let r = agree(&app, &sink, &bob_addr, &b.uid, &bob_feed, true).await;
    assert_eq!(r.entries[&b.uid].1.starts, format!("{y}0610T080000Z"));

    // A new venue: an updated REQUEST to Bob only (Ann has left).
    ev.set("venue", "The Egg");
    save(&org, &ev).await;
    // Bob heard of the first move without a calendar, while he waited.
    crate::changes_events::wait_count(&sink, &bob_addr, "Event changed", 2).await;
    let r = agree(&app, &sink, &bob_addr, &b.uid, &bob_feed, true).await;
    assert!(r.entries[&b.uid].1.location.starts_with("The Egg"), "{:?}", r.entries[&b.uid]);
    let ann_mails = mails_to(&app, &sink, &ann_addr).await;
    let told = subjects(&ann_mails).iter().filter(|s| s.starts_with("Event changed")).count();
    assert_eq!(told, 1, "Ann hears of the first move only, while registered: {:?}", subjects(&ann_mails));
    let last_request = mails_to(&app, &sink, &bob_addr).await;
    let (method, it) = the_calendar(last_request.last().expect("mail"));
    assert_eq!(method, "REQUEST");
    assert_eq!(attendees(last_request.last().expect("mail")), vec![format!("mailto:{bob_addr}")]);
    assert_eq!(it.uid, b.uid);

    // The event is cancelled: the entry goes from the calendar and from the feed.
    ev.set("status", "cancelled");
    save(&org, &ev).await;
    agree(&app, &sink, &bob_addr, &b.uid, &bob_feed, false).await;
    let bob_mails = mails_to(&app, &sink, &bob_addr).await;
    assert_eq!(the_calendar(bob_mails.last().expect("mail")).0, "CANCEL");
    agree(&app, &sink, &ann_addr, &a.uid, &ann_feed, false).await;
}
