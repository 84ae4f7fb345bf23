//! Issue 11, defects 2, 3 and 9 through the real server: redirect targets from the request stay
//! on this site, logging out ends the session on the server (a copied cookie stops working),
//! the account page lists and ends sessions, and easily guessed passwords are refused.

use std::time::{Duration, Instant};

use crate::support::*;

/// A client that announces itself as a given browser.
fn browser(app: &TestApp, user_agent: &str) -> Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    Client { http, base: app.base.clone() }
}

const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// Logs in with a client that keeps no cookies of its own and returns the session cookie, as
/// someone who copied it would hold it.
async fn login_cookie(base: &str, addr: &str) -> String {
    let c = Client::new(base);
    let token = c.csrf().await;
    let r = c.post_raw("/login", &[("email", addr), ("password", PASSWORD), ("csrf_token", &token)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let set = r.header("set-cookie");
    let cookie = set.split(';').next().expect("cookie").to_string();
    assert!(cookie.starts_with("liaison_session="), "{set}");
    cookie
}

/// Whether a request carrying only `cookie` is treated as logged in.
async fn cookie_works(base: &str, cookie: &str) -> bool {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let r = http.get(format!("{base}/account")).header("cookie", cookie).send().await.expect("GET");
    r.status().as_u16() == 200
}

/// The sessions on the account page, in page order: (id, whether it is "this device").
fn sessions_listed(page: &Page) -> Vec<(i64, bool)> {
    page.body
        .split("<li class=\"login-session\" id=\"session-")
        .skip(1)
        .filter_map(|chunk| {
            let id = chunk.split('"').next()?.parse().ok()?;
            let item = chunk.split("</li>").next()?;
            Some((id, item.contains("this device")))
        })
        .collect()
}

fn session_ids(page: &Page) -> Vec<i64> {
    sessions_listed(page).into_iter().map(|(id, _)| id).collect()
}

/// A client logged in as `addr` (inserted with `PASSWORD`).
async fn logged_in_as(app: &TestApp, addr: &str) -> Client {
    let c = app.client();
    let r = c.login(addr, PASSWORD).await;
    assert_eq!(r.status, 303, "{}", r.body);
    c
}

#[actix_web::test]
async fn a_copied_session_cookie_is_refused_after_logout_on_every_server() {
    let (app, _sink) = TestApp::start().await;
    let addr = email("copy");
    app.insert_user("Cora Copy", &addr, "attendee", "", "", "");
    let other =
        TestApp::start_with(Options { db_url: app.shared_db(), mail_worker: false, ..Default::default() }).await;

    // The person logs in; an attacker copies the cookie. Both work, on both servers.
    let owner = app.client();
    assert_eq!(owner.login(&addr, PASSWORD).await.status, 303);
    let copied = login_cookie(&app.base, &addr).await;
    assert!(cookie_works(&app.base, &copied).await);
    assert!(cookie_works(&other.base, &copied).await, "one key for both servers");

    // Logging out with that very cookie ends it here at once ...
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let page = http.get(format!("{}/", app.base)).header("cookie", &copied).send().await.expect("GET");
    let body = page.text().await.expect("body");
    let token = extract(&body, "<meta name=\"csrf-token\" content=\"", "\"").expect("token");
    let r = http
        .post(format!("{}/logout", app.base))
        .header("cookie", &copied)
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status().as_u16(), 303);
    let out = Instant::now();
    assert!(!cookie_works(&app.base, &copied).await, "the copy is refused on the server that logged out");
    // ... and on the other server within its session lookup window (two seconds).
    while cookie_works(&other.base, &copied).await {
        assert!(out.elapsed() < Duration::from_secs(4), "the copied cookie still works on the other server");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!cookie_works(&app.base, &copied).await, "and stays refused");
    assert!(owner.logged_in().await, "the person's other session is untouched");

    // The plain logout button does the same for the person's own browser.
    let kept = login_cookie(&app.base, &addr).await;
    let before = owner.get("/account").await;
    assert_eq!(session_ids(&before).len(), 2, "two live sessions listed");
    assert_eq!(owner.post("/logout", &[]).await.status, 303);
    assert!(!owner.logged_in().await);
    assert!(cookie_works(&app.base, &kept).await, "logout ends only its own session");
    assert!(owner.get("/").await.has("You are logged out."), "the message survives the logout");
}

#[actix_web::test]
async fn the_account_page_lists_sessions_and_logs_out_everywhere() {
    let (app, _sink) = TestApp::start().await;
    let addr = email("devices");
    app.insert_user("Dev Devices", &addr, "attendee", "", "", "");
    let laptop = browser(&app, FIREFOX_LINUX);
    let phone = browser(&app, SAFARI_IPHONE);
    assert_eq!(laptop.login(&addr, PASSWORD).await.status, 303);
    assert_eq!(phone.login(&addr, PASSWORD).await.status, 303);

    let page = laptop.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.has("Firefox on Linux") && page.has("Safari on iOS"), "{}", page.body);
    assert_eq!(page.body.matches("this device").count(), 1);
    assert!(page.has("Last seen") && page.has("Log out everywhere else"));
    let listed = sessions_listed(&page);
    assert_eq!(listed.iter().filter(|(_, this)| *this).count(), 1, "one session is this device");
    let this_item = page.body.split("this device").next().expect("before the mark");
    assert!(this_item.rfind("Firefox on Linux") > this_item.rfind("Safari on iOS"), "the laptop is this device");

    // The raw User-Agent is not stored or shown.
    assert!(!page.has("Gecko/20100101"));

    // "Log out everywhere else" ends the phone's session, not this one.
    let r = laptop.post("/account/sessions/end-others", &[]).await;
    assert_eq!((r.status, r.location().as_str()), (303, "/account#sessions"));
    let page = laptop.get("/account").await;
    assert_eq!(page.status, 200, "this device stays");
    assert!(page.has("Your other device has been logged out."));
    assert!(!page.has("Safari on iOS"), "ended sessions leave the list");
    assert!(!phone.logged_in().await, "the other device is logged out");

    // Ending one session by its button.
    assert_eq!(phone.login(&addr, PASSWORD).await.status, 303);
    let listed = sessions_listed(&laptop.get("/account").await);
    assert_eq!(listed.len(), 2);
    let other_id = listed.iter().find(|(_, this)| !this).map(|(id, _)| *id).expect("the phone's session");
    let r = laptop.post(&format!("/account/sessions/{other_id}/end"), &[]).await;
    assert_eq!(r.status, 303);
    assert!(!phone.logged_in().await, "the ended device is logged out");
    assert!(laptop.logged_in().await);
    assert_eq!(laptop.post(&format!("/account/sessions/{other_id}/end"), &[]).await.status, 404, "already ended");

    // "Log out everywhere" ends every session, this one too.
    assert_eq!(phone.login(&addr, PASSWORD).await.status, 303);
    let r = laptop.post("/account/sessions/end-all", &[]).await;
    assert_eq!((r.status, r.location().as_str()), (303, "/"));
    assert!(!laptop.logged_in().await);
    assert!(!phone.logged_in().await);
    assert!(laptop.get("/").await.has("You are logged out on every device."));

    // The buttons are CSRF-protected POSTs.
    assert_eq!(phone.login(&addr, PASSWORD).await.status, 303);
    assert_eq!(phone.post_raw("/account/sessions/end-all", &[]).await.status, 403);
    assert!(phone.logged_in().await);
}

#[actix_web::test]
async fn another_persons_session_cannot_be_ended() {
    let (app, _sink) = TestApp::start().await;
    let (a, b) = (email("alice"), email("mallory"));
    app.insert_user("Alice Owner", &a, "attendee", "", "", "");
    app.insert_user("Mallory Other", &b, "attendee", "", "", "");
    let alice = app.client();
    assert_eq!(alice.login(&a, PASSWORD).await.status, 303);
    let alice_id = session_ids(&alice.get("/account").await)[0];
    let mallory = logged_in_as(&app, &b).await;
    for path in [
        format!("/account/sessions/{alice_id}/end"),
        "/account/sessions/999999/end".to_string(),
        "/account/sessions/abc/end".to_string(),
        "/account/sessions/-1/end".to_string(),
    ] {
        let r = mallory.post(&path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
    }
    assert!(alice.logged_in().await, "Alice's session is untouched");
    assert!(mallory.logged_in().await);
    // Anonymous visitors are sent to log in.
    let anon = app.client();
    let r = anon.post(&format!("/account/sessions/{alice_id}/end"), &[]).await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login"));
    assert!(alice.logged_in().await);
}

/// Hostile redirect targets: each must land on "/" (or the page's own default), never 5xx.
const HOSTILE: &[&str] = &[
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "/%0aevil",
    "/%0b/evil.example",
    "/%00/evil.example",
    "/%20/evil.example",
    "//evil.example",
    "///evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "%5C%5Cevil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/%252F/evil.example",
    "/%252f%252fevil.example",
    "/%252e%252e/evil.example",
    "/%C2%A0/evil.example",
    "/%E2%80%8B/evil.example",
    "%09/evil.example",
];

fn long_next() -> String {
    format!("/{}", "a".repeat(3000))
}

#[actix_web::test]
async fn redirect_targets_from_the_request_stay_on_this_site() {
    let (app, sink) = TestApp::start().await;
    let addr = email("redir");
    app.insert_user("Rex Redirect", &addr, "attendee", "", "", "");
    let logged_in = logged_in_as(&app, &addr).await;
    let anon = app.client();
    let long = long_next();
    let mut hostile: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    hostile.push(long.clone());
    // Every control character, raw in the path and at the start.
    for b in (0u8..0x20).chain([0x7f]) {
        hostile.push(format!("/%{b:02X}/evil.example"));
        hostile.push(format!("%{b:02X}//evil.example"));
    }

    for next in &hostile {
        // Logged in, the login and sign-up pages send the person on.
        for (path, default) in [("/login", "/"), ("/signup", "/")] {
            let r = logged_in.get(&format!("{path}?next={next}")).await;
            assert_eq!((r.status, r.location().as_str()), (303, default), "GET {path}?next={next}");
        }
        // Anonymous, the pages render and carry no hostile target on.
        for path in ["/login", "/signup"] {
            let r = anon.get(&format!("{path}?next={next}")).await;
            assert!(r.status < 500, "GET {path}?next={next}: {}", r.status);
            if r.status == 200 {
                assert!(r.has("name=\"next\" value=\"\""), "GET {path}?next={next} carries the target on");
                assert!(!r.body.contains("evil.example"), "GET {path}?next={next}");
            }
        }
        // POST /login with the target in the form.
        let c = app.client();
        let decoded = decode(next);
        let r = c.post("/login", &[("email", &addr), ("password", PASSWORD), ("next", &decoded)]).await;
        assert_eq!((r.status, r.location().as_str()), (303, "/"), "POST /login next={decoded:?}");
        // The confirmation step of the sign-up chain.
        let r = anon.post(&format!("/confirm/0123456789abcdef?next={next}"), &[]).await;
        assert!(r.status < 500, "confirm with next={next}");
    }

    // A wrong password keeps only a clean target in the form.
    let c = app.client();
    let r = c.post("/login", &[("email", &addr), ("password", "wrong password"), ("next", "/\t/evil.example")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("name=\"next\" value=\"\""));

    // Safe targets still work.
    for good in ["/account/password", "/events?page=2", "/events/x/directory?q=a%20b"] {
        let c = app.client();
        let r = c.post("/login", &[("email", &addr), ("password", PASSWORD), ("next", good)]).await;
        assert_eq!(r.location(), good);
    }
    let r = logged_in.get("/login?next=%2Faccount%2Fpassword").await;
    assert_eq!(r.location(), "/account/password");

    // The whole chain: sign-up with a hostile target -> e-mail -> confirm -> login lands home.
    for (tag, next, expect) in [
        ("bad", "/\t/evil.example", "/"),
        ("bad2", "/%2F/evil.example", "/"),
        ("good", "/account/password", "/account/password"),
    ] {
        let addr = email(tag);
        let c = app.client();
        let r = c
            .post("/signup", &[("name", "Sam Signup"), ("email", &addr), ("password", PASSWORD), ("next", next)])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let link = sink.wait_for(&addr, "Confirm your e-mail").await.link(&app.base);
        assert!(!link.contains("evil"), "{link}");
        let path = link.strip_prefix(&app.base).expect("path").to_string();
        let r = c.post(&path, &[]).await;
        assert_eq!(r.status, 303);
        let login = r.location();
        assert!(!login.contains("evil"), "{login}");
        let page = c.get(&login).await;
        let carried = extract(&page.body, "name=\"next\" value=\"", "\"").expect("next field");
        let carried = carried.replace("&#x2f;", "/").replace("&#47;", "/");
        let r = c.post("/login", &[("email", &addr), ("password", PASSWORD), ("next", &carried)]).await;
        assert_eq!(r.location(), expect, "chain with next={next:?}");
    }
    // A hostile target added to a genuine confirmation link by hand is dropped.
    let addr = email("hand");
    let c = app.client();
    c.post("/signup", &[("name", "Hank Hand"), ("email", &addr), ("password", PASSWORD)]).await;
    let link = sink.wait_for(&addr, "Confirm your e-mail").await.link(&app.base);
    let path = link.strip_prefix(&app.base).expect("path").to_string();
    let r = c.post(&format!("{path}?next=/%09/evil.example"), &[]).await;
    assert_eq!(r.status, 303);
    assert!(!r.location().contains("next="), "{}", r.location());
}

/// Percent-decodes a query value as the server's form parser would.
fn decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

#[actix_web::test]
async fn easily_guessed_passwords_are_refused_with_advice_everywhere() {
    let (app, sink) = TestApp::start().await;
    let weak = ["password12", "1234567890", "aaaaaaaaaa", "qwertyuiop", "Password2024", "wendywalker1"];

    // Sign-up: the form comes back with the input kept and advice beside the field.
    let anon = app.client();
    for pw in weak {
        let addr = email("weak");
        let r = anon.post("/signup", &[("name", "Wendy Walker"), ("email", &addr), ("password", pw)]).await;
        assert_eq!(r.status, 422, "{pw} accepted at sign-up");
        assert!(r.has("too easy to guess") && r.has("three or four unrelated words"), "{pw}: {}", r.body);
        assert!(r.has("Wendy Walker") && r.has(&addr), "input kept");
        assert!(!r.body.contains(&format!("value=\"{pw}\"")), "the password is not echoed");
    }
    // The person's own e-mail address, with a digit, is guessed first.
    let addr = email("ownmail");
    let local = addr.split('@').next().expect("local").replace('-', "");
    let r = anon.post("/signup", &[("name", "Owen Mail"), ("email", &addr), ("password", &format!("{local}1"))]).await;
    assert_eq!(r.status, 422, "own address accepted");

    // Change: refused with the same advice; the old password still works.
    let addr = email("change");
    app.insert_user("Chad Change", &addr, "attendee", "", "", "");
    let c = logged_in_as(&app, &addr).await;
    for pw in weak {
        let r = c.post("/account/password", &[("current_password", PASSWORD), ("new_password", pw)]).await;
        assert_eq!(r.status, 422, "{pw} accepted as a new password");
        assert!(r.has("three or four unrelated words"));
    }
    let r = c.post("/account/password", &[("current_password", PASSWORD), ("new_password", "chadchange2024")]).await;
    assert_eq!(r.status, 422, "name-based password accepted");
    assert_eq!(app.client().login(&addr, PASSWORD).await.status, 303);

    // Reset: the link stays usable after a refused password.
    let r = anon.post("/password/forgot", &[("email", &addr)]).await;
    assert_eq!(r.status, 303);
    let link = sink.wait_for(&addr, "Reset your Liaison password").await.link(&app.base);
    let path = link.strip_prefix(&app.base).expect("path").to_string();
    for pw in weak {
        let r = anon.post(&path, &[("password", pw)]).await;
        assert_eq!(r.status, 422, "{pw} accepted at reset");
        assert!(r.has("three or four unrelated words"));
    }
    let r = anon.post(&path, &[("password", "velvet quarry lantern")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.client().login(&addr, "velvet quarry lantern").await.status, 303);

    // create-admin refuses them too.
    let bin = env!("CARGO_BIN_EXE_liaison");
    for pw in ["password12", "1234567890"] {
        let out = std::process::Command::new(bin)
            .args(["create-admin", "--email", "root@example.org", "--name", "Rosa Root"])
            .stdin(std::process::Stdio::null())
            .env("DATABASE_URL", &app.db_url)
            .env("LIAISON_ADMIN_PASSWORD", pw)
            .output()
            .expect("run liaison");
        assert!(!out.status.success(), "{pw} accepted by create-admin");
        assert!(String::from_utf8_lossy(&out.stderr).contains("three or four unrelated words"));
    }
}

#[actix_web::test]
async fn sessions_expire_are_seen_now_and_then_and_are_purged() {
    use diesel::prelude::*;
    use liaison::db::schema::user_sessions;
    let (app, _sink) = TestApp::start().await;
    let addr = email("aging");
    app.insert_user("Ava Aging", &addr, "attendee", "", "", "");
    let a = logged_in_as(&app, &addr).await;
    let b = logged_in_as(&app, &addr).await;
    let listed = sessions_listed(&a.get("/account").await);
    assert_eq!(listed.len(), 2);
    let a_id = listed.iter().find(|(_, this)| *this).map(|(id, _)| *id).expect("a's session");
    let b_id = listed.iter().find(|(_, this)| !this).map(|(id, _)| *id).expect("b's session");
    let hour_ago = liaison::db::now() - chrono::TimeDelta::hours(1);
    app.with_conn(|c| {
        diesel::update(user_sessions::table.filter(user_sessions::id.eq(a_id)))
            .set(user_sessions::last_seen_at.eq(hour_ago))
            .execute(c)
            .expect("age");
        // b logged in 31 days ago: past the 30-day limit.
        diesel::update(user_sessions::table.filter(user_sessions::id.eq(b_id)))
            .set(user_sessions::created_at.eq(liaison::db::now() - chrono::TimeDelta::days(31)))
            .execute(c)
            .expect("expire");
    });
    // Any write on this server makes it read sessions again.
    assert_eq!(a.post("/account", &[("name", "Ava Aging")]).await.status, 303);
    assert!(!b.logged_in().await, "a session older than 30 days has ended");
    assert!(a.logged_in().await);
    let seen: chrono::NaiveDateTime =
        app.with_conn(|c| user_sessions::table.find(a_id).select(user_sessions::last_seen_at).first(c).expect("row"));
    assert!(seen > hour_ago + chrono::TimeDelta::minutes(30), "last seen is brought up to date");

    // The data export lists the person's sessions.
    let export = a.get("/account/export").await;
    assert!(export.has("\"sessions\"") && export.has("last_seen_at"), "{}", export.body);

    // Logging in again in the same browser ends the session it had.
    let before: i64 = app.with_conn(|c| {
        user_sessions::table.filter(user_sessions::ended_at.is_null()).count().get_result(c).expect("count")
    });
    assert_eq!(a.login(&addr, PASSWORD).await.status, 303);
    let after: i64 = app.with_conn(|c| {
        user_sessions::table.filter(user_sessions::ended_at.is_null()).count().get_result(c).expect("count")
    });
    assert_eq!(after, before, "the old session of this browser ended with the new login");

    // Housekeeping drops ended and expired rows and keeps live ones.
    assert_eq!(a.post("/logout", &[]).await.status, 303);
    let c = logged_in_as(&app, &addr).await;
    let purged = app.with_conn(|conn| liaison::accounts::sessions::purge_old(conn).expect("purge"));
    assert!(purged >= 3, "ended and expired rows go: {purged}");
    let left: Vec<Option<chrono::NaiveDateTime>> =
        app.with_conn(|conn| user_sessions::table.select(user_sessions::ended_at).load(conn).expect("rows"));
    assert_eq!(left, vec![None], "only the live session is left");
    assert!(c.logged_in().await);
}
