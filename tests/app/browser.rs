//! A real browser: headless Chromium signs up, follows the e-mailed link, logs in.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};

use crate::support::*;

struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver_path() -> Option<String> {
    let p = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    std::path::Path::new(&p).exists().then_some(p)
}

async fn start_driver(path: &str) -> Driver {
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

async fn browser(driver: &Driver) -> fantoccini::Client {
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
                "--disable-quic", "--window-size=1100,900",
                format!("--user-data-dir={}", driver._profile.path().display())
            ]
        }
    });
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
