//! Keyboard only: a newcomer logs in, registers and requests a meeting in real Chromium with
//! the Tab, Space and Enter keys and typing, never the mouse, starting on the home page. Every
//! element that takes the focus on the way must show it (an outline or a ring).

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client as Browser, Locator};

use crate::browser::{browser, chromedriver_path, start_driver};
use crate::matchmaking::*;
use crate::support::*;

async fn press(b: &Browser, key: Key) {
    let k: char = key.into();
    let keys = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: k }).then(KeyAction::Up { value: k });
    b.perform_actions(keys).await.expect("press a key");
}

async fn type_text(b: &Browser, text: &str) {
    let mut keys = KeyActions::new("keyboard".into());
    for c in text.chars() {
        keys = keys.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
    }
    b.perform_actions(keys).await.expect("type");
}

/// The focused element in words (`a "Register" #register`), and whether the focus shows.
async fn focused(b: &Browser) -> (String, bool) {
    let v = b
        .execute(
            "const e = document.activeElement; if (!e || e === document.body) return ['body', true];
             const s = getComputedStyle(e);
             const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
             const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 60);
             return [e.tagName.toLowerCase() + ' \"' + text + '\"' + (e.id ? ' #' + e.id : '') + (e.name ? ' [' + e.name + ']' : ''), ring];",
            vec![],
        )
        .await
        .expect("active element");
    (v[0].as_str().unwrap_or_default().to_string(), v[1].as_bool().unwrap_or(false))
}

/// Presses Tab until the focused element matches `want`; fails if it is not reached within
/// the page's tab stops or if any stop on the way hides its focus.
async fn tab_to(b: &Browser, want: impl Fn(&str) -> bool, what: &str) {
    let mut path = Vec::new();
    for _ in 0..150 {
        press(b, Key::Tab).await;
        let (el, ring) = focused(b).await;
        assert!(ring, "the focus on {el} is invisible (after {path:?})");
        if want(&el) {
            return;
        }
        path.push(el);
    }
    panic!("Tab never reaches {what}; the stops were: {path:#?}");
}

async fn wait_for_path(b: &Browser, ends: &str) {
    for _ in 0..150 {
        if b.current_url().await.expect("url").path().ends_with(ends) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never reached {ends}: at {}", b.current_url().await.expect("url"));
}

/// From any page, by the Events link and the event's own link.
async fn to_the_event(b: &Browser, ev: &Ev) {
    tab_to(b, |e| e.starts_with("a \"Events\""), "the events link").await;
    press(b, Key::Enter).await;
    wait_for_path(b, "/events").await;
    tab_to(b, |e| e.contains("Keyboard Partnering Day") && e.starts_with("a "), "the event").await;
    press(b, Key::Enter).await;
    wait_for_path(b, &ev.public("")).await;
}

#[actix_web::test]
async fn a_newcomer_registers_and_requests_a_meeting_with_the_keyboard_alone() {
    let Some(path) = chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the keyboard walk");
        return;
    };
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Keyboard Partnering Day").await;
    open_matchmaking(&org, &ev, "4", "6", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let (_, pia_addr, pia) = participant(&app, &ev, "Pia Pharma", "Acme Pharma", "pharma", true, true).await;
    let models = topic(&app, &ev, "Preclinical models");
    add_opportunity(&pia, &ev, "offer", "Tumour models", &[&models]).await;
    let ken = email("ken");
    app.insert_user("Ken Keys", &ken, "attendee", "Leiden University", "academia", "NL");

    let driver = start_driver(&path).await;
    let b = browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone width");
    b.goto(&app.base).await.expect("home");

    tab_to(&b, |e| e.starts_with("a \"Log in\""), "the log-in link").await;
    press(&b, Key::Enter).await;
    wait_for_path(&b, "/login").await;
    tab_to(&b, |e| e.contains("#email"), "the e-mail field").await;
    type_text(&b, &ken).await;
    tab_to(&b, |e| e.contains("#password"), "the password field").await;
    type_text(&b, PASSWORD).await;
    press(&b, Key::Enter).await;
    b.wait().at_most(Duration::from_secs(15)).for_element(Locator::Id("logout")).await.expect("logged in");

    // To the event, and register.
    to_the_event(&b, &ev).await;
    tab_to(&b, |e| e.starts_with("a \"Register\""), "Register").await;
    press(&b, Key::Enter).await;
    wait_for_path(&b, &ev.public("/register")).await;
    for consent in ["[directory_consent]", "[matchmaking_consent]"] {
        tab_to(&b, |e| e.contains(consent), consent).await;
        press(&b, Key::Space).await;
    }
    tab_to(&b, |e| e.starts_with("button") && e.contains("Register"), "the register button").await;
    press(&b, Key::Enter).await;
    sink.wait_for(&ken, "You are registered").await;

    // Back to the event, to Pia's page through the directory, and ask for a meeting.
    to_the_event(&b, &ev).await;
    tab_to(&b, |e| e.starts_with("a \"Participant directory\""), "the directory").await;
    press(&b, Key::Enter).await;
    wait_for_path(&b, "/directory").await;
    tab_to(&b, |e| e.starts_with("a \"Pia Pharma\""), "Pia's page").await;
    press(&b, Key::Enter).await;
    wait_for_path(&b, "").await;
    tab_to(&b, |e| e.contains("#message"), "the message").await;
    type_text(&b, "Your tumour models?").await;
    tab_to(&b, |e| e.contains("#send-request"), "Request a meeting").await;
    press(&b, Key::Enter).await;
    let mail = sink.wait_for(&pia_addr, "Meeting request from Ken Keys").await;
    assert!(mail.text.contains("Your tumour models?"), "{}", mail.text);
    b.close().await.expect("close");
}
