//! Ways through the product by visible links only (issue 13 builds these out): from the home
//! page an anonymous visitor finds an event, its programme and the programme's calendar.

use crate::agenda::{add_room, create_event, create_session, SessionFields};
use crate::support::*;

/// The first `href` in `body` that starts with `prefix`.
fn link(body: &str, prefix: &str) -> String {
    let start = body.find(&format!("href=\"{prefix}")).unwrap_or_else(|| panic!("no link to {prefix}* in:\n{body}"));
    body[start + 6..].split('"').next().expect("href").to_string()
}

#[actix_web::test]
async fn a_visitor_reaches_the_programme_and_its_calendar_from_the_home_page_by_links() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Link Forum", "published").await;
    let room = add_room(&app, &org, &ev, "Room A", "").await;
    create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Findable keynote", crate::agenda::at(10, "10:00"), crate::agenda::at(10, "11:00"), room),
    )
    .await;

    let visitor = app.client();
    let home = visitor.get("/").await;
    assert_eq!(home.status, 200);
    let events = visitor.get(&link(&home.body, "/events")).await;
    let event_page = visitor.get(&link(&events.body, &format!("/events/{}", ev.slug))).await;
    assert_eq!(event_page.status, 200);
    assert!(event_page.has("id=\"programme-links\""), "{}", event_page.body);
    let programme = visitor.get(&link(&event_page.body, &format!("/events/{}/agenda", ev.slug))).await;
    assert_eq!(programme.status, 200);
    assert!(programme.has("Findable keynote"), "{}", programme.body);
    for export in [".ics", "/schedule.xml", "/schedule.json"] {
        let href = if export == ".ics" {
            link(&event_page.body, &format!("/events/{}/agenda.ics", ev.slug))
        } else {
            link(&event_page.body, &format!("/events/{}{export}", ev.slug))
        };
        let r = visitor.get(&href).await;
        assert_eq!(r.status, 200, "{href}");
        assert!(r.has("Findable keynote"), "{href}: {}", r.body);
    }
}
