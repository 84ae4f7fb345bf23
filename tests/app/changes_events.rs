//! Issue 12, the event side: a new date or place reaches each registrant once, as the net change
//! from what they were told, after the organisers pause (the programme's quiet period), with an
//! iTIP update whose SEQUENCE the personal feed shows; a change undone in time mails nobody; a
//! cancellation is still told at once; a deleted account's goodbye e-mail cancels its calendar
//! entries. Real server, real database, real SMTP sink.

use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use diesel::prelude::*;
use liaison::db::schema::{events, outbox};

use crate::calendar::{calendars_of, items, Replica};
use crate::changes_registrations::{
    feed, feed_path, mails_to, new_event, person, reg_of, register, save, subjects, the_calendar, Ev,
};
use crate::support::*;

/// Short for a test, long enough that a few saves in a row fall within one period.
const QUIET_MS: u64 = 1500;
const CHANGED: &str = "Event changed";
const PLACE: &str = "Square Meeting Centre, Mont des Arts, 1000 Brussels";

/// The server with the quiet period `quiet_ms`, and its SMTP sink.
pub(crate) async fn start(quiet_ms: u64) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let opts = Options { smtp_url: Some(sink.url()), ..Default::default() };
    let app = TestApp::start_configured(opts, |c| c.change_quiet_ms = quiet_ms).await;
    (app, sink)
}

/// Waits until `addr` has received `n` mails whose subject contains `subject`; returns them.
pub(crate) async fn wait_count(sink: &SmtpSink, addr: &str, subject: &str, n: usize) -> Vec<Mail> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got: Vec<Mail> = sink.to(addr).into_iter().filter(|m| m.subject.contains(subject)).collect();
        if got.len() >= n {
            return got;
        }
        assert!(Instant::now() < deadline, "{addr}: {} of {n} {subject:?}; got {:?}", got.len(), sink.subjects());
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Waits until no event change waits for its notice and every written mail went out.
async fn settle(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (pending, queued): (i64, i64) = app.with_conn(|c| {
            let p = events::table.filter(events::change_pending_at.is_not_null()).count().get_result(c);
            let q = outbox::table.filter(outbox::status.ne("sent")).count().get_result(c);
            (p.expect("pending"), q.expect("outbox"))
        });
        if pending == 0 && queued == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{pending} event changes and {queued} messages still waiting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn written(app: &TestApp, addr: &str, subject: &str) -> usize {
    app.with_conn(|c| {
        outbox::table
            .filter(outbox::to_addr.eq(addr).and(outbox::subject.like(format!("{subject}%"))))
            .count()
            .get_result::<i64>(c)
            .expect("count")
    }) as usize
}

/// The line of a mail's text that starts with `start`.
fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines().find(|l| l.trim_start().starts_with(start)).unwrap_or_else(|| panic!("{start:?} in\n{text}"))
}

/// The entry the person's feed shows for `uid`: (SEQUENCE, shown).
async fn fed(app: &TestApp, path: &str, uid: &str) -> Option<(u32, crate::calendar::Shown)> {
    feed(app, path).await.entries.get(uid).cloned()
}

#[actix_web::test]
async fn two_saves_of_the_venue_and_one_of_the_dates_reach_each_registrant_once_as_the_net_change() {
    let (app, sink) = start(QUIET_MS).await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let mut ev: Ev = new_event(&org, "net", 2, false).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    let (bob, bob_addr) = person(&app, "Bob Attendee", "bob").await;
    let (cyd, cyd_addr) = person(&app, "Cyd Waiting", "cyd").await;
    for c in [&ann, &bob, &cyd] {
        register(c, &ev).await;
    }
    assert_eq!(reg_of(&app, &ev, &cyd_addr).status, "waitlisted");
    let seated = [(&ann, &ann_addr), (&bob, &bob_addr)];
    let mut before = Vec::new();
    for (c, addr) in seated {
        let m = sink.wait_for(addr, "You are registered").await;
        before.push((the_calendar(&m).1, feed_path(&app, c, &ev).await));
    }

    // The venue is fixed twice, then the start moves by an hour, in a row.
    ev.set("venue", "The Egg");
    ev.set("address", "Rue Bara 175, 1070 Brussels");
    save(&org, &ev).await;
    ev.set("venue", "Flagey");
    ev.set("address", "Place Sainte-Croix, 1050 Brussels");
    save(&org, &ev).await;
    let y = Utc::now().year() + 1;
    ev.set("starts_at", &format!("{y}-06-10T10:00"));
    save(&org, &ev).await;
    assert_eq!(written(&app, &ann_addr, CHANGED), 0, "nothing goes out before the quiet period ends");
    settle(&app).await;

    let day = chrono::NaiveDate::from_ymd_opt(y, 6, 10).expect("date").format("%A 10 June %Y").to_string();
    for ((_, addr), (first, feed_at)) in seated.iter().zip(&before) {
        let notices: Vec<Mail> = sink.to(addr).into_iter().filter(|m| m.subject.contains(CHANGED)).collect();
        assert_eq!(notices.len(), 1, "{addr}: one notice, got {:?}", sink.subjects());
        let text = &notices[0].text;
        assert_eq!(
            line(text, "New place:").trim(),
            format!("New place: Flagey, Place Sainte-Croix, 1050 Brussels (before: {PLACE})."),
            "{addr}"
        );
        assert!(!text.contains("The Egg"), "no intermediate venue: {text}");
        let dates = line(text, "New dates:");
        assert!(dates.contains(&format!("{day}, 10:00–17:30")), "{dates}");
        assert!(dates.contains(&format!("(before: {day}, 09:00–17:30")), "{dates}");

        let (method, it) = the_calendar(&notices[0]);
        assert_eq!(method, "REQUEST");
        assert_eq!(it.uid, first.uid, "{addr}: the same calendar entry");
        assert!(it.sequence > first.sequence, "{addr}: SEQUENCE {} > {}", it.sequence, first.sequence);
        assert_eq!(it.shown.starts, format!("{y}0610T080000Z"));
        assert!(it.shown.location.starts_with("Flagey"), "{:?}", it.shown);
        let on_feed = fed(&app, feed_at, &it.uid).await.expect("the feed holds the entry");
        assert_eq!(on_feed.0, it.sequence, "{addr}: the feed's SEQUENCE is the mailed one");
        let replica = Replica::from_mails(&mails_to(&app, &sink, addr).await);
        assert!(replica.stale.is_empty(), "{addr}: {:?}", replica.stale);
        assert_eq!(replica.entries.get(&it.uid), Some(&on_feed), "{addr}: mails and feed agree");
    }
    // Cyd waits for a seat: the words, no calendar.
    let notices: Vec<Mail> = sink.to(&cyd_addr).into_iter().filter(|m| m.subject.contains(CHANGED)).collect();
    assert_eq!(notices.len(), 1, "{:?}", subjects(&notices));
    assert!(notices[0].text.contains("New place: Flagey"), "{}", notices[0].text);
    assert!(calendars_of(&notices[0]).is_empty(), "no calendar without a seat");
    assert_eq!(written(&app, &email("olga"), CHANGED), 0);

    // The activity log says it in words.
    let page = org.get(&format!("/organise/events/{}", ev.id)).await;
    let audit = extract(&page.body, "id=\"audit\">", "</ol>").expect("activity log");
    let told = audit.find("Liaison told 3 registrants of the event").expect("the notice in the log");
    let told = &audit[told..audit[told..].find("</li>").map_or(audit.len(), |e| told + e)];
    assert!(told.contains("change. New dates: ") && told.contains("New place: Flagey"), "{told}");
}

#[actix_web::test]
async fn a_change_undone_before_the_quiet_period_ends_mails_nobody() {
    let (app, sink) = start(QUIET_MS).await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let mut ev = new_event(&org, "undo", 5, false).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    register(&ann, &ev).await;
    sink.wait_for(&ann_addr, "You are registered").await;

    ev.set("venue", "The Egg");
    save(&org, &ev).await;
    ev.set("venue", "Square Meeting Centre");
    save(&org, &ev).await;
    let y = Utc::now().year() + 1;
    ev.set("ends_at", &format!("{y}-06-10T18:00"));
    save(&org, &ev).await;
    ev.set("ends_at", &format!("{y}-06-10T17:30"));
    save(&org, &ev).await;
    settle(&app).await;
    assert_eq!(written(&app, &ann_addr, CHANGED), 0, "{:?}", sink.subjects());
    assert_eq!(sink.to(&ann_addr).len(), 1, "only the registration: {:?}", sink.subjects());

    // A real change later still goes out.
    ev.set("venue", "Flagey");
    save(&org, &ev).await;
    let got = wait_count(&sink, &ann_addr, CHANGED, 1).await;
    assert!(got[0].text.contains(&format!("(before: {PLACE})")), "{}", got[0].text);
    assert!(!got[0].text.contains("New dates"), "{}", got[0].text);
}

/// With a quiet period longer than the test, a waiting change never goes out by itself: the
/// cancellation arrives at once, alone; "back on" arrives at once with the net change from
/// what people held before.
#[actix_web::test]
async fn cancelling_the_event_is_told_at_once_and_back_on_tells_the_net_change() {
    let (app, sink) = start(600_000).await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let mut ev = new_event(&org, "off", 5, false).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    register(&ann, &ev).await;
    let first = the_calendar(&sink.wait_for(&ann_addr, "You are registered").await).1;
    let feed_at = feed_path(&app, &ann, &ev).await;

    ev.set("venue", "The Egg");
    save(&org, &ev).await;
    ev.set("status", "cancelled");
    save(&org, &ev).await;
    let off = sink.wait_for(&ann_addr, "Event cancelled").await;
    let (method, it) = the_calendar(&off);
    assert_eq!((method.as_str(), it.uid.as_str()), ("CANCEL", first.uid.as_str()));
    assert!(it.sequence > first.sequence);
    assert!(!off.text.contains("New place"), "{}", off.text);
    assert_eq!(fed(&app, &feed_at, &first.uid).await, None, "the feed drops the entry");

    ev.set("status", "published");
    save(&org, &ev).await;
    let on = sink.wait_for(&ann_addr, "Event back on").await;
    let place = format!("New place: The Egg, Mont des Arts, 1000 Brussels (before: {PLACE}).");
    assert!(on.text.contains(&place), "{}", on.text);
    let (method, back) = the_calendar(&on);
    assert_eq!((method.as_str(), back.uid.as_str()), ("REQUEST", first.uid.as_str()));
    assert!(back.sequence > it.sequence);
    let on_feed = fed(&app, &feed_at, &first.uid).await.expect("back on the feed");
    assert_eq!(on_feed.0, back.sequence);
    assert_eq!(written(&app, &ann_addr, CHANGED), 0, "nothing else was written");
    let replica = Replica::from_mails(&mails_to(&app, &sink, &ann_addr).await);
    assert_eq!(replica.entries.get(&first.uid), Some(&on_feed));
}

#[actix_web::test]
async fn deleting_an_account_mails_the_goodbye_with_a_cancel_for_each_calendar_entry() {
    let (app, sink) = start(QUIET_MS).await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let seat = new_event(&org, "seat", 1, false).await;
    let full = new_event(&org, "full", 1, false).await;
    let (bob, _) = person(&app, "Bob First", "bob").await;
    register(&bob, &full).await;
    let (ann, ann_addr) = person(&app, "Ann Attendee", "ann").await;
    register(&ann, &seat).await;
    register(&ann, &full).await;
    assert_eq!(reg_of(&app, &full, &ann_addr).status, "waitlisted");
    let held = reg_of(&app, &seat, &ann_addr);
    let first = the_calendar(&sink.wait_for(&ann_addr, "You are registered").await).1;
    sink.wait_for(&ann_addr, "On the waitlist").await;

    let r = ann.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let goodbye = sink.wait_for(&ann_addr, "has been deleted").await;
    let cals = calendars_of(&goodbye);
    assert_eq!(cals.len(), 1, "one cancellation: the waitlisted registration had no entry");
    let it = items(&cals[0]).remove(0);
    assert_eq!((it.method.as_str(), it.uid.as_str()), ("CANCEL", held.uid.as_str()));
    assert!(it.sequence > first.sequence, "SEQUENCE {} > {}", it.sequence, first.sequence);
    assert!(goodbye.text.contains(&seat.title), "{}", goodbye.text);
    let replica = Replica::from_mails(&sink.to(&ann_addr));
    assert!(replica.entries.is_empty() && replica.stale.is_empty(), "{replica:?}");
}

/// Two servers on one database both run the sender: each registrant still gets one notice.
#[actix_web::test]
async fn two_servers_never_send_the_same_notice() {
    let (a, sink) = start(300).await;
    let opts = Options { smtp_url: Some(sink.url()), db_url: a.shared_db(), ..Default::default() };
    let b = TestApp::start_configured(opts, |c| c.change_quiet_ms = 300).await;
    let org = a.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let mut ev = new_event(&org, "twice", 50, false).await;
    let mut addrs = Vec::new();
    for i in 0..20 {
        let addr = email(&format!("p{i}"));
        let uid = a.insert_user(&format!("Person {i}"), &addr, "attendee", "Org", "academia", "BE");
        a.insert_registration(ev.id, uid, false, false);
        addrs.push(addr);
    }
    for (n, venue) in ["The Egg", "Flagey", "Bozar"].into_iter().enumerate() {
        ev.set("venue", venue);
        save(&org, &ev).await;
        wait_count(&sink, &addrs[0], CHANGED, n + 1).await;
        settle(&a).await;
        settle(&b).await;
    }
    for addr in &addrs {
        let got: Vec<Mail> = sink.to(addr).into_iter().filter(|m| m.subject.contains(CHANGED)).collect();
        assert_eq!(got.len(), 3, "{addr}: one notice per change, got {:?}", subjects(&got));
        assert_eq!(written(&a, addr, CHANGED), 3);
    }
}
