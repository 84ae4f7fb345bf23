//! The event's activity log reads as sentences: who did what, in words, at times in the
//! event's own zone (one zone, named once in the heading), never as codes; the admins' log
//! reads in words too, in UTC.

use chrono::{Datelike, NaiveDate, TimeZone};
use diesel::prelude::*;
use liaison::db::schema::{audit_log, registrations, users};

use crate::support::*;

/// "YYYY-MM-DDTHH:MM", `days` from today at the wall-clock time `hm` (typed in the event's zone).
fn day_at(days: i64, hm: &str) -> String {
    let d = chrono::Utc::now().date_naive() + chrono::TimeDelta::days(days);
    format!("{}T{hm}", d.format("%Y-%m-%d"))
}

fn event_fields<'a>(slug: &'a str, venue: &'a str, starts: &'a str, ends: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("title", "Harbour Partnering Day"),
        ("slug", slug),
        ("description", "Industry meets academia by the harbour."),
        ("venue", venue),
        ("address", "Pier 17, New York"),
        ("timezone", "America/New_York"),
        ("starts_at", starts),
        ("ends_at", ends),
        ("registration_opens_at", ""),
        ("registration_closes_at", ""),
        ("capacity", ""),
        ("status", "published"),
    ]
}

fn session_fields<'a>(starts: &'a str, ends: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("title", "Opening keynote"),
        ("kind", "talk"),
        ("starts_at", starts),
        ("ends_at", ends),
        ("room_id", ""),
        ("track_id", ""),
        ("capacity", ""),
        ("speakers", "Ada Lovelace | Pier Labs"),
        ("abstract_text", ""),
    ]
}

async fn ok(c: &Client, path: &str, fields: &[(&str, &str)]) {
    let r = c.post(path, fields).await;
    assert_eq!(r.status, 303, "POST {path}: {}", r.body);
}

/// The `<li>` items of the list that opens with `start`.
fn items(body: &str, start: &str, end: &str) -> Vec<String> {
    let list = extract(body, start, end).unwrap_or_else(|| panic!("{start} in {body}"));
    list.split("<li>").skip(1).map(|li| li.split("</li>").next().unwrap_or_default().trim().to_string()).collect()
}

#[actix_web::test]
async fn the_activity_log_reads_as_sentences_with_names_and_times_in_the_events_zone() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Orla Owner", &email("owner"), "organiser").await;
    let (starts, ends) = (day_at(30, "09:00"), day_at(30, "17:30"));
    let slug = "harbour-partnering";
    let r = owner.post("/organise/events/new", &event_fields(slug, "Pier Hall", &starts, &ends)).await;
    assert_eq!(r.status, 303, "create: {}", r.body);
    let id: i64 = r.location().strip_prefix("/organise/events/").and_then(|s| s.parse().ok()).expect("event id");
    let org = |rest: &str| format!("/organise/events/{id}{rest}");

    // The organisers' actions: edit the event, a question (by a co-organiser), a session and
    // its move, and cancelling a registration.
    ok(&owner, &org("/edit"), &event_fields(slug, "Harbour Loft", &starts, &ends)).await;
    let cora_addr = email("cora");
    let cora_id = app.insert_user("Cora Cohost", &cora_addr, "organiser", "", "", "");
    app.insert_co_organiser(id, cora_id);
    let cora = app.client();
    assert_eq!(cora.login(&cora_addr, PASSWORD).await.status, 303);
    ok(&cora, &org("/questions"), &[("kind", "short_text"), ("label", "Dietary needs"), ("options", "")]).await;
    let (s1, e1) = (day_at(30, "10:00"), day_at(30, "11:00"));
    ok(&owner, &org("/sessions/new"), &session_fields(&s1, &e1)).await;
    let sid: i64 = app.with_conn(|c| {
        liaison::db::schema::agenda_sessions::table
            .filter(liaison::db::schema::agenda_sessions::event_id.eq(id))
            .select(liaison::db::schema::agenda_sessions::id)
            .first(c)
            .expect("session")
    });
    let (s2, e2) = (day_at(30, "11:30"), day_at(30, "12:30"));
    ok(&owner, &org(&format!("/sessions/{sid}/edit")), &session_fields(&s2, &e2)).await;
    let rita_addr = email("rita");
    let rita = app.quick_user("Rita Registrant", &rita_addr, "attendee").await;
    ok(
        &rita,
        &format!("/events/{slug}/register"),
        &[("organisation", "Pier Labs"), ("sector", "academia"), ("country", "US")],
    )
    .await;
    let reg: i64 = app.with_conn(|c| {
        registrations::table
            .inner_join(users::table)
            .filter(registrations::event_id.eq(id).and(users::email.eq(&rita_addr)))
            .select(registrations::id)
            .first(c)
            .expect("registration")
    });
    ok(&owner, &org("/registrants"), &[("action", "cancel"), ("ids", &reg.to_string())]).await;

    // Every entry happened at 15:05 UTC on 20 January of this year: 10:05 in New York (EST).
    let year = chrono::Utc::now().year();
    let at = NaiveDate::from_ymd_opt(year, 1, 20).and_then(|d| d.and_hms_opt(15, 5, 0)).expect("instant");
    app.with_conn(|c| {
        diesel::update(audit_log::table.filter(audit_log::event_id.eq(id)))
            .set(audit_log::created_at.eq(at))
            .execute(c)
            .expect("times")
    });
    let weekday = chrono_tz::America::New_York.from_utc_datetime(&at).format("%a").to_string();
    let stamp = format!("<time datetime=\"{year}-01-20T15:05:00Z\">{weekday} 20 Jan, 10:05</time> — ");

    let page = owner.get(&org("")).await;
    assert_eq!(page.status, 200);
    assert!(page.has("(times in America/New_York)"), "the zone, once, in the heading: {}", page.body);
    let log = items(&page.body, "<ol class=\"audit\" id=\"audit\">", "</ol>");
    let sentences: Vec<&str> =
        log.iter().map(|li| li.strip_prefix(&stamp).unwrap_or_else(|| panic!("{li} starts with {stamp}"))).collect();
    for expected in [
        "Orla Owner created the event “Harbour Partnering Day” (published).",
        "Cora Cohost added the registration question “Dietary needs”.",
        "Orla Owner cancelled the registration of Rita Registrant.",
    ] {
        assert!(sentences.contains(&expected), "{expected} in {sentences:#?}");
    }
    assert!(
        sentences.iter().any(|s| s.starts_with("Orla Owner added “Opening keynote” on ")),
        "the session, in words: {sentences:#?}"
    );
    let edited = sentences.iter().find(|s| s.starts_with("Orla Owner edited the event.")).expect("event edit");
    assert!(edited.contains("Harbour Loft"), "{edited}");
    // The session's move, with its times as typed in the event's zone.
    let moved = sentences
        .iter()
        .find(|s| s.starts_with("Orla Owner ") && s.contains("Opening keynote") && s.contains("11:30"))
        .unwrap_or_else(|| panic!("the session's move in {sentences:#?}"));
    assert!(moved.contains("10:00"), "{moved}");
    assert_eq!(sentences.len(), 6, "{sentences:#?}");
    assert!(sentences[0].contains("cancelled the registration"), "newest first: {sentences:#?}");
    for code in [
        "event.created",
        "event.updated",
        "question.added",
        "session.created",
        "session.updated",
        "registration.cancel",
        "System",
    ] {
        assert!(!page.has(code), "{code} on the page: {log:#?}");
    }
    assert!(!extract(&page.body, "id=\"activity\"", "</ol>").expect("log").contains("<table"), "a list");

    // Once Cora deletes her account, her entry names a former participant (not Liaison).
    assert_eq!(cora.post("/account/delete", &[("password", PASSWORD)]).await.status, 303);
    let page = owner.get(&org("")).await;
    assert!(page.has("A former participant added the registration question “Dietary needs”."), "{}", page.body);
    assert!(!page.has("Cora Cohost"), "{}", page.body);

    // The admins' log: the same sentences, in UTC, as its heading says.
    let admin_addr = email("admin");
    let hash = liaison::accounts::password::hash_blocking(PASSWORD).expect("hash");
    app.with_conn(|c| liaison::accounts::service::upsert_admin(c, &admin_addr, "Ann Admin", &hash).expect("admin"));
    let admin = app.client();
    assert_eq!(admin.login(&admin_addr, PASSWORD).await.status, 303);
    let page = admin.get("/admin/users").await;
    assert!(page.has("(times in UTC)"), "{}", page.body);
    let log = items(&page.body, "<ul class=\"audit\" id=\"audit\">", "</ul>");
    let at_utc = format!("<time datetime=\"{year}-01-20T15:05:00Z\">{weekday} 20 Jan, 15:05</time> — ");
    // It spans every event, so each entry names its event.
    let cancel = "<span class=\"muted\">Harbour Partnering Day:</span> Orla Owner cancelled the registration of Rita Registrant.";
    assert!(log.contains(&format!("{at_utc}{cancel}")), "{log:#?}");
    assert!(log.iter().any(|li| li.ends_with("A former participant deleted their account.")), "{log:#?}");
    assert!(!page.has("registration.cancel") && !page.has("account.deleted"), "{log:#?}");
}
