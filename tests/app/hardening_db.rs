//! Writers that race each other: every writing transaction takes SQLite's writer lock first, so
//! concurrent organisers queue instead of getting "database is locked" (a 500).

use diesel::prelude::*;
use liaison::db::schema::outbox;

use crate::matchmaking::{create_event, Ev};
use crate::support::*;

/// The event form of `matchmaking::create_event` with another venue.
fn edit_fields(ev: &Ev, venue: &str) -> Vec<(&'static str, String)> {
    let (starts, ends) = (crate::matchmaking::at(10, "08:30"), crate::matchmaking::at(11, "18:00"));
    vec![
        ("title", "Venue race".to_string()),
        ("slug", ev.slug.clone()),
        ("description", "Partnering day.".into()),
        ("venue", venue.to_string()),
        ("address", format!("{venue}, Brussels")),
        ("timezone", "Europe/Brussels".into()),
        ("starts_at", starts),
        ("ends_at", ends),
        ("registration_opens_at", String::new()),
        ("registration_closes_at", String::new()),
        ("capacity", String::new()),
        ("status", "published".into()),
    ]
}

#[actix_web::test]
async fn organisers_adding_topics_while_a_venue_change_mails_everyone_never_get_a_500() {
    // The venue change goes out after a quiet period, kept short here.
    let (app, _sink) = crate::changes_events::start(300).await;
    let lead = app.quick_user("Lead", &email("lead"), "organiser").await;
    let ev = create_event(&lead, "Venue race").await;
    // Two hundred registrants, each of whom a venue change mails.
    for i in 0..200 {
        let uid = app.insert_user(&format!("Person {i}"), &email("p"), "attendee", "Org", "academia", "BE");
        app.insert_registration(ev.id, uid, false, false);
    }
    let mut co = Vec::new();
    for i in 0..3 {
        let addr = email(&format!("co{i}"));
        let uid = app.insert_user(&format!("Co {i}"), &addr, "organiser", "", "", "");
        app.insert_co_organiser(ev.id, uid);
        let c = app.client();
        assert_eq!(c.login(&addr, PASSWORD).await.status, 303);
        co.push(c);
    }
    let topics_path = ev.org("/matchmaking/topics");
    let adders = co.iter().enumerate().map(|(i, c)| {
        let path = topics_path.clone();
        async move {
            let mut statuses = Vec::new();
            for n in 0..25 {
                let name = format!("Topic {i}-{n}");
                statuses.push(c.post(&path, &[("name", &name), ("category", "capability")]).await.status);
            }
            statuses
        }
    });
    let venue_changes = async {
        let mut statuses = Vec::new();
        for venue in ["Square", "Palais", "Egmont", "Flagey"] {
            let f = edit_fields(&ev, venue);
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            statuses.push(lead.post(&ev.org("/edit"), &pairs).await.status);
        }
        statuses
    };
    let (added, moved) = tokio::join!(futures_util::future::join_all(adders), venue_changes);
    for statuses in &added {
        assert!(statuses.iter().all(|s| *s == 303), "topic additions answered {statuses:?}");
    }
    assert!(moved.iter().all(|s| *s == 303), "venue changes answered {moved:?}");
    let topics: i64 = app.with_conn(|c| {
        use liaison::db::schema::topics;
        topics::table
            .filter(topics::event_id.eq(ev.id).and(topics::name.like("Topic %")))
            .count()
            .get_result(c)
            .expect("count topics")
    });
    assert_eq!(topics, 75, "every topic was added once");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let venue_mails: i64 = app.with_conn(|c| {
            outbox::table.filter(outbox::subject.like("Event changed:%")).count().get_result(c).expect("count")
        });
        if venue_mails >= 200 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the venue change mailed the registrants ({venue_mails})");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_nul_character_that_reaches_a_query_is_the_requests_fault_not_a_500() {
    let (app, _sink) = TestApp::start().await;
    // Straight to a query, past the forms that refuse it: SQLite finds nothing, PostgreSQL
    // refuses the value, which must be a 400 whatever query it reached.
    let found = app.with_conn(|c| liaison::accounts::model::find_by_email(c, "ada\0@example.org"));
    match found {
        Ok(None) => assert!(!on_postgres(), "PostgreSQL refuses a NUL"),
        Err(e) => assert!(matches!(e, liaison::error::AppError::BadRequest(_)), "{e:?}"),
        Ok(Some(_)) => panic!("nobody has that address"),
    }
}
