//! A real browser: headless Chromium signs up, follows the e-mailed link, logs in; and two
//! participants request and accept a one-to-one meeting.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};

use crate::support::*;

pub(crate) struct Driver {
    child: Child,
    pub(crate) url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn chromedriver_path() -> Option<String> {
    let p = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    std::path::Path::new(&p).exists().then_some(p)
}

pub(crate) async fn start_driver(path: &str) -> Driver {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Driver { child, url: format!("http://127.0.0.1:{port}"), _profile: tempfile::tempdir().expect("profile dir") }
}

pub(crate) async fn browser(driver: &Driver) -> fantoccini::Client {
    browser_with(driver, (1100, 900), None).await
}

/// A phone: 390 × 844 CSS pixels at twice the density, as Chromium's device emulation gives.
pub(crate) async fn phone(driver: &Driver) -> fantoccini::Client {
    browser_with(driver, (390, 844), Some(2)).await
}

async fn browser_with(driver: &Driver, (width, height): (u32, u32), pixel_ratio: Option<u32>) -> fantoccini::Client {
    let mut options = serde_json::json!({
        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
            "--disable-quic", format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", driver._profile.path().display())
        ]
    });
    if let Some(ratio) = pixel_ratio {
        options["mobileEmulation"] =
            serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": ratio } });
    }
    let caps = serde_json::json!({ "browserName": "chrome", "goog:chromeOptions": options });
    let caps = caps.as_object().expect("object").clone().into_iter().collect();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("connect to chromedriver")
}

#[actix_web::test]
async fn browser_signup_confirm_login_with_screenshot() {
    let Some(path) = chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the browser test");
        return;
    };
    let (app, sink) = TestApp::start().await;
    let driver = start_driver(&path).await;
    let b = browser(&driver).await;
    let wait = Duration::from_secs(15);
    let addr = email("chromium");

    b.goto(&app.base).await.expect("home");
    b.find(Locator::LinkText("Sign up")).await.expect("sign-up link").click().await.expect("click");
    b.wait().at_most(wait).for_element(Locator::Id("name")).await.expect("sign-up form");
    b.find(Locator::Id("name")).await.expect("name").send_keys("Chris Chromium").await.expect("type");
    b.find(Locator::Id("email")).await.expect("email").send_keys(&addr).await.expect("type");
    b.find(Locator::Id("password")).await.expect("password").send_keys(PASSWORD).await.expect("type");
    b.find(Locator::Id("submit")).await.expect("submit").click().await.expect("click");
    b.wait().at_most(wait).for_element(Locator::Id("check-email")).await.expect("check-email page");

    let link = sink.wait_for(&addr, "Confirm your e-mail").await.link(&app.base);
    b.goto(&link).await.expect("confirmation link");
    b.wait()
        .at_most(wait)
        .for_element(Locator::Id("confirm"))
        .await
        .expect("confirm button")
        .click()
        .await
        .expect("click");
    b.wait().at_most(wait).for_element(Locator::Id("password")).await.expect("login page");
    let msg = b.find(Locator::Id("message")).await.expect("flash");
    assert!(msg.text().await.expect("text").contains("confirmed"));
    // The login form comes prefilled with the address.
    let email_value = b.find(Locator::Id("email")).await.expect("email").prop("value").await.expect("value");
    assert_eq!(email_value.as_deref(), Some(addr.as_str()));
    b.find(Locator::Id("password")).await.expect("password").send_keys(PASSWORD).await.expect("type");
    b.find(Locator::Id("submit")).await.expect("submit").click().await.expect("click");
    // Wait for the next page (the login page's own flash is still there until it loads).
    b.wait().at_most(wait).for_element(Locator::Id("logout")).await.expect("logged in: a logout button");
    let msg = b.find(Locator::Id("message")).await.expect("welcome");
    assert!(msg.text().await.expect("text").contains("Welcome, Chris Chromium"));

    let png = b.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"));
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-signup.png");
    std::fs::write(&out, &png).expect("save screenshot");
    eprintln!("screenshot saved to {}", out.display());
    b.close().await.expect("close");
}

pub(crate) async fn log_in(b: &fantoccini::Client, base: &str, addr: &str) {
    let wait = Duration::from_secs(15);
    b.goto(&format!("{base}/login")).await.expect("login page");
    b.wait().at_most(wait).for_element(Locator::Id("email")).await.expect("form");
    b.find(Locator::Id("email")).await.expect("email").send_keys(addr).await.expect("type");
    b.find(Locator::Id("password")).await.expect("password").send_keys(PASSWORD).await.expect("type");
    b.find(Locator::Id("submit")).await.expect("submit").click().await.expect("click");
    b.wait().at_most(wait).for_element(Locator::Id("logout")).await.expect("logged in");
}

#[actix_web::test]
async fn browser_participants_request_and_accept_a_meeting() {
    use crate::matchmaking::*;
    let Some(path) = chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the browser test");
        return;
    };
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Browser Partnering").await;
    open_matchmaking(&org, &ev, "4", "6", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let (_, ana_addr, ana) = participant(&app, &ev, "Ana Academic", "KU Leuven", "academia", true, true).await;
    let (pia_id, pia_addr, pia) = participant(&app, &ev, "Pia Pharma", "Acme Pharma", "pharma", true, true).await;
    let (cpd, models) = (topic(&app, &ev, "Compound libraries"), topic(&app, &ev, "Preclinical models"));
    add_opportunity(&ana, &ev, "request", "Compounds for glioma screens", &[&cpd]).await;
    add_opportunity(&ana, &ev, "offer", "Glioma organoids", &[&models]).await;
    add_opportunity(&pia, &ev, "offer", "Kinase inhibitor library", &[&cpd]).await;
    add_opportunity(&pia, &ev, "request", "Tumour models", &[&models]).await;

    let driver = start_driver(&path).await;
    let b = browser(&driver).await;
    let wait = Duration::from_secs(15);
    log_in(&b, &app.base, &ana_addr).await;
    b.goto(&format!("{}{}", app.base, ev.public("/matches"))).await.expect("matches");
    let card = b.wait().at_most(wait).for_element(Locator::Id(&format!("match-{pia_id}"))).await.expect("Pia");
    assert!(card.text().await.expect("text").contains("Kinase inhibitor library"));
    card.find(Locator::LinkText("Request a meeting")).await.expect("link").click().await.expect("click");
    b.wait().at_most(wait).for_element(Locator::Id("message")).await.expect("request form");
    b.find(Locator::Id("message")).await.expect("message").send_keys("Glioma screens?").await.expect("type");
    b.find(Locator::Id("send-request")).await.expect("send").click().await.expect("click");
    b.wait().at_most(wait).for_element(Locator::Id("outgoing")).await.expect("my meetings with the request");
    let msg = b.find(Locator::Id("message")).await.expect("flash");
    assert!(msg.text().await.expect("text").contains("request is sent"));
    b.find(Locator::Id("logout")).await.expect("logout").click().await.expect("click");
    b.wait().at_most(wait).for_element(Locator::LinkText("Log in")).await.expect("logged out");

    // Pia follows the e-mailed link, logs in on the way and accepts.
    let link =
        sink.wait_for(&pia_addr, "Meeting request from Ana Academic").await.link(&format!("{}/events/", app.base));
    b.goto(&link).await.expect("request link");
    b.wait().at_most(wait).for_element(Locator::Id("password")).await.expect("login first");
    b.find(Locator::Id("email")).await.expect("email").send_keys(&pia_addr).await.expect("type");
    b.find(Locator::Id("password")).await.expect("password").send_keys(PASSWORD).await.expect("type");
    b.find(Locator::Id("submit")).await.expect("submit").click().await.expect("click");
    b.wait()
        .at_most(wait)
        .for_element(Locator::Id("accept"))
        .await
        .expect("the request page")
        .click()
        .await
        .expect("accept");
    let table = b.wait().at_most(wait).for_element(Locator::Id("my-meetings")).await.expect("the meeting");
    let text = table.text().await.expect("text");
    assert!(text.contains("Ana Academic") && text.contains("Table 1"), "{text}");
    assert_eq!(meetings_of(&app, &ev).len(), 1);
    let png = b.screenshot().await.expect("screenshot");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-meeting.png");
    std::fs::write(&out, &png).expect("save screenshot");
    b.close().await.expect("close");
}
