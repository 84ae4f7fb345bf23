//! A consortium forms in real Chromium at a phone's 390 px, by visible links and forms, without
//! JavaScript of our own: the coordinator finds "Project ideas" from the event page, posts an idea
//! (with "Add a role" for one more row), a participant applies from the idea page, and the
//! coordinator accepts; the checklist changes and every page fits the screen.

use std::time::Duration;

use diesel::prelude::*;
use fantoccini::{Client as Browser, Locator};
use liaison::db::schema::{idea_applications as ia, idea_roles as ir, ideas};

use crate::browser::{chromedriver_path, log_in, phone, start_driver};
use crate::matchmaking::create_event;
use crate::support::*;

const WAIT: Duration = Duration::from_secs(15);

async fn fits(b: &Browser, what: &str) {
    let w = b.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.expect("w");
    let (page, screen) = (w[0].as_i64().expect("page"), w[1].as_i64().expect("screen"));
    assert!(page <= screen, "{what} is {page} px wide on a {screen} px screen");
}

async fn fill(b: &Browser, id: &str, text: &str) {
    b.find(Locator::Id(id)).await.expect(id).send_keys(text).await.expect("type");
}

async fn click(b: &Browser, id: &str) {
    b.find(Locator::Id(id)).await.expect(id).click().await.expect("click");
}

#[actix_web::test]
async fn browser_a_consortium_forms_on_a_phone_by_links_and_forms() {
    let Some(path) = chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the ideas journey");
        return;
    };
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Consortium Day").await;
    let cora = email("cora");
    let cid = app.insert_user("Cora Coordinator", &cora, "attendee", "KU Leuven", "academia", "BE");
    app.insert_registration(ev.id, cid, true, true);
    let ana = email("ana");
    let aid = app.insert_user("Ana Industry", &ana, "attendee", "Acme Pharma", "pharma", "DE");
    app.insert_registration(ev.id, aid, true, true);

    let driver = start_driver(&path).await;
    let b = phone(&driver).await;
    log_in(&b, &app.base, &cora).await;
    b.goto(&format!("{}{}", app.base, ev.public(""))).await.expect("event");
    click(&b, "ideas-link").await;
    b.wait().at_most(WAIT).for_element(Locator::Id("new-idea")).await.expect("the ideas list");
    fits(&b, "the ideas list").await;
    click(&b, "new-idea").await;
    b.wait().at_most(WAIT).for_element(Locator::Id("idea-form")).await.expect("the form");
    fill(&b, "title", "Organoid models for cystic fibrosis").await;
    fill(&b, "call_id", "HORIZON-JU-IHI-2027-11-02").await;
    fill(&b, "role0_description", "Industry partner with a screening platform").await;
    fill(&b, "role0_topics", "Organoids, Compound libraries").await;
    // "Add a role" comes back with a fourth row and keeps what was typed.
    click(&b, "add-role").await;
    b.wait().at_most(WAIT).for_element(Locator::Id("role-row-3")).await.expect("one more row");
    let kept = b.find(Locator::Id("title")).await.expect("title").prop("value").await.expect("value");
    assert_eq!(kept.as_deref(), Some("Organoid models for cystic fibrosis"));
    fill(&b, "role3_description", "Patient organisation").await;
    fits(&b, "the idea form").await;
    click(&b, "save-idea").await;
    b.wait().at_most(WAIT).for_element(Locator::Id("checklist")).await.expect("the idea page");
    fits(&b, "the idea page").await;
    let idea: i64 = app.with_conn(|c| ideas::table.select(ideas::id).first(c).expect("idea"));
    let role: i64 = app.with_conn(|c| {
        ir::table.filter(ir::idea_id.eq(idea)).order(ir::position).select(ir::id).first(c).expect("role")
    });
    let checklist = b.find(Locator::Id("checklist")).await.expect("list").text().await.expect("text");
    assert!(checklist.contains("1 of 3 independent legal entities"), "{checklist}");

    // Ana applies from the idea page.
    // A second person needs a browser of their own (one profile folder per driver).
    let driver2 = start_driver(&path).await;
    let b2 = phone(&driver2).await;
    log_in(&b2, &app.base, &ana).await;
    b2.goto(&format!("{}{}", app.base, ev.public("/ideas"))).await.expect("list");
    b2.find(Locator::LinkText("Organoid models for cystic fibrosis")).await.expect("link").click().await.expect("go");
    b2.wait().at_most(WAIT).for_element(Locator::Id(&format!("apply-{role}"))).await.expect("apply link");
    click(&b2, &format!("apply-{role}")).await;
    b2.wait().at_most(WAIT).for_element(Locator::Id("message")).await.expect("apply form");
    fits(&b2, "the application form").await;
    fill(&b2, "message", "We screen 50,000 compounds on organoids.").await;
    click(&b2, "send-application").await;
    b2.wait().at_most(WAIT).for_element(Locator::Id(&format!("role-{role}"))).await.expect("back on the idea");
    sink.wait_for(&cora, "Application for").await;

    // The coordinator accepts; the checklist counts the new partner.
    let app_id: i64 = app.with_conn(|c| ia::table.select(ia::id).first(c).expect("application"));
    b.goto(&format!("{}{}", app.base, ev.public(&format!("/ideas/{idea}")))).await.expect("idea");
    b.wait().at_most(WAIT).for_element(Locator::Id(&format!("accept-{app_id}"))).await.expect("accept");
    fits(&b, "the coordinator's idea page").await;
    click(&b, &format!("accept-{app_id}")).await;
    b.wait().at_most(WAIT).for_element(Locator::Id(&format!("member-{aid}"))).await.expect("Ana in the consortium");
    let checklist = b.find(Locator::Id("checklist")).await.expect("list").text().await.expect("text");
    assert!(checklist.contains("2 of 3 independent legal entities"), "{checklist}");
    sink.wait_for(&ana, "You are in the consortium").await;
    b2.close().await.expect("close");
    b.close().await.expect("close");
}
