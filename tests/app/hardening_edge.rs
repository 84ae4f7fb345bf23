//! Issue 11, the edge of the server: no secret in the log (defect 8), a login throttle per
//! account and address that nobody can turn against the owner (defect 10), and defence in
//! depth: Origin checks, HSTS, the import form's token out of the URL, security headers on
//! every response and login redirects logged below ERROR (defect 11).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use liaison::db::schema::login_attempts;

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_liaison");

/// A client whose every request says it was forwarded for `ip`.
fn client_via(app: &TestApp, forwarded_for: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", forwarded_for.parse().expect("header"));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    Client { http, base: app.base.clone() }
}

/// A server that believes forwarding headers from 127.0.0.1 (where the tests connect from).
async fn behind_proxy() -> TestApp {
    TestApp::start_configured(Options::default(), |c| c.trusted_proxies = "127.0.0.1".into()).await
}

fn seed_failures(app: &TestApp, addr: &str, ip: &str, n: usize) {
    app.with_conn(|c| {
        for _ in 0..n {
            diesel::insert_into(login_attempts::table)
                .values((
                    login_attempts::email.eq(addr),
                    login_attempts::ip.eq(ip),
                    login_attempts::succeeded.eq(false),
                    login_attempts::created_at.eq(liaison::db::now()),
                ))
                .execute(c)
                .expect("seed failure");
        }
    });
}

fn retry_after(p: &Page) -> i64 {
    p.header("retry-after").parse().unwrap_or_else(|_| panic!("Retry-After in {p:?}"))
}

// ---------------------------------------------------------------- defect 10: throttle

#[actix_web::test]
async fn an_attackers_wrong_passwords_do_not_lock_the_owner_out() {
    let app = behind_proxy().await;
    let owner_addr = email("owner");
    app.insert_user("Olga Owner", &owner_addr, "attendee", "", "", "");
    let attacker = client_via(&app, "203.0.113.9");
    for _ in 0..5 {
        let r = attacker.login(&owner_addr, "guess guess guess").await;
        assert_eq!(r.status, 422, "{}", r.body);
    }
    // Many more guesses from the attacker's address: the pair now waits about two minutes.
    seed_failures(&app, &owner_addr, "203.0.113.9", 7);
    let r = attacker.login(&owner_addr, PASSWORD).await;
    assert_eq!(r.status, 429, "even the right password waits from the attacker's address");
    assert!(r.has("Too many failed login attempts"), "{}", r.body);
    let wait = retry_after(&r);
    assert!((60..=128).contains(&wait), "128 s after the 12th failure, got {wait}");

    // The owner, from another address, is not affected at all.
    let owner = client_via(&app, "198.51.100.7");
    let r = owner.login(&owner_addr, PASSWORD).await;
    assert_eq!(r.status, 303, "the owner logs in: {}", r.body);
    assert!(owner.logged_in().await);
    // … and their success does not clear the attacker's delay.
    assert_eq!(attacker.login(&owner_addr, "guess again").await.status, 429);
}

#[actix_web::test]
async fn a_pairs_delay_doubles_with_each_failure_up_to_fifteen_minutes() {
    let app = behind_proxy().await;
    let addr = email("slow");
    app.insert_user("Sam Slow", &addr, "attendee", "", "", "");
    let c = client_via(&app, "192.0.2.44");
    let mut waits = Vec::new();
    let mut seeded = 0;
    for failures in [6, 9, 13, 40] {
        seed_failures(&app, &addr, "192.0.2.44", failures - seeded);
        seeded = failures;
        let r = c.login(&addr, PASSWORD).await;
        assert_eq!(r.status, 429, "after {failures} failures: {}", r.body);
        assert!(r.has("please wait"), "{}", r.body);
        waits.push(retry_after(&r));
    }
    assert!(waits.windows(2).all(|w| w[0] < w[1]), "the delay grows: {waits:?}");
    assert!(waits[0] <= 2 && waits[1] <= 16 && waits[2] <= 256, "{waits:?}");
    assert!((800..=900).contains(&waits[3]), "capped at 15 minutes: {waits:?}");
    // Another address (the owner's phone) logs in at once.
    assert_eq!(client_via(&app, "192.0.2.45").login(&addr, PASSWORD).await.status, 303);
}

fn attempt_addresses(app: &TestApp, addr: &str) -> Vec<String> {
    app.with_conn(|c| {
        login_attempts::table.filter(login_attempts::email.eq(addr)).select(login_attempts::ip).load(c).expect("ips")
    })
}

#[actix_web::test]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    // No trusted proxy (the default): a forged header changes nothing; all attempts are 127.0.0.1's.
    let (app, _sink) = TestApp::start().await;
    let addr = email("forged");
    for i in 0..3 {
        let c = client_via(&app, &format!("198.51.100.{i}"));
        assert_eq!(c.login(&addr, "wrong password here").await.status, 422);
    }
    assert_eq!(attempt_addresses(&app, &addr), vec!["127.0.0.1"; 3]);

    // Behind a trusted proxy: the rightmost address the proxy did not add is the client.
    let app = behind_proxy().await;
    let c = client_via(&app, "10.9.8.7, 203.0.113.50");
    assert_eq!(c.login(&addr, "wrong password here").await.status, 422);
    assert_eq!(attempt_addresses(&app, &addr), vec!["203.0.113.50"]);
}

// ---------------------------------------------------------------- defect 11: defence in depth

async fn post_with(c: &Client, path: &str, header: Option<(&str, &str)>, fields: &[(&str, &str)]) -> u16 {
    let token = c.csrf().await;
    let mut all = fields.to_vec();
    all.push(("csrf_token", &token));
    let mut req = c.http.post(format!("{}{path}", c.base)).form(&all);
    if let Some((k, v)) = header {
        req = req.header(k, v);
    }
    req.send().await.expect("POST").status().as_u16()
}

#[actix_web::test]
async fn cross_site_posts_are_refused_even_with_a_valid_token() {
    let (app, _sink) = TestApp::start().await;
    let c = app.client();
    let login = [("email", "x@example.org"), ("password", "not the password")];
    let base = app.base.clone();
    for (header, expected) in [
        (Some(("origin", "http://evil.example")), 403),
        (Some(("origin", "null")), 403),
        (Some(("referer", "http://evil.example/phish")), 403),
        (Some(("origin", &format!("{base}.evil.example")[..])), 403),
        (Some(("origin", &base[..])), 422),
        (Some(("referer", &format!("{base}/login")[..])), 422),
        (None, 422),
    ] {
        assert_eq!(post_with(&c, "/login", header, &login).await, expected, "{header:?}");
    }
    // A logged-in person's form, too: nothing changes when it comes from elsewhere.
    let u = app.quick_user("Cross Site", &email("xs"), "attendee").await;
    assert_eq!(post_with(&u, "/logout", Some(("origin", "https://evil.example")), &[]).await, 403);
    assert!(u.logged_in().await);
}

#[actix_web::test]
async fn hsts_is_sent_when_the_base_url_is_https_and_the_own_host_counts_as_same_site() {
    let (app, _sink) = TestApp::start().await;
    assert_eq!(app.client().get("/").await.header("strict-transport-security"), "", "plain http: no HSTS");

    let https =
        TestApp::start_with(Options { base_url: Some("https://events.example.org".into()), ..Default::default() })
            .await;
    let c = https.client();
    for path in ["/", "/no-such-page", "/healthz"] {
        let r = c.get(path).await;
        assert_eq!(r.header("strict-transport-security"), liaison::web::security::HSTS, "{path}");
    }
    let login = [("email", "x@example.org"), ("password", "not the password")];
    assert_eq!(post_with(&c, "/login", Some(("origin", "https://events.example.org")), &login).await, 422);
    // Behind a proxy the request may reach us under our own host name rather than the base URL.
    assert_eq!(post_with(&c, "/login", Some(("origin", &https.base[..])), &login).await, 422);
    assert_eq!(post_with(&c, "/login", Some(("origin", "https://events.example.org.evil")), &login).await, 403);
}

#[actix_web::test]
async fn the_import_form_sends_its_token_in_the_body_not_the_url() {
    let (app, _sink) = TestApp::start().await;
    let owner = app.quick_user("Iris Import", &email("imp"), "organiser").await;
    let day = |d: i64| (chrono::Utc::now().date_naive() + chrono::TimeDelta::days(d)).format("%Y-%m-%d").to_string();
    let (starts, ends) = (format!("{}T09:00", day(30)), format!("{}T17:00", day(30)));
    let fields = [
        ("title", "Token Day"),
        ("slug", "token-day"),
        ("description", "A day."),
        ("venue", "Hall"),
        ("address", "Street 1, Brussels"),
        ("timezone", "Europe/Brussels"),
        ("starts_at", &starts),
        ("ends_at", &ends),
        ("registration_opens_at", ""),
        ("registration_closes_at", ""),
        ("capacity", ""),
        ("status", "published"),
    ];
    let r = owner.post("/organise/events/new", &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let path = format!("{}/import", r.location());
    let page = owner.get(&path).await;
    assert_eq!(page.status, 200);
    let form = extract(&page.body, "<form method=\"post\" action=\"/organise/", "\"").unwrap_or_default();
    assert!(!page.has("csrf_token=") && form.ends_with("/import"), "no token in the action: {form}");
    assert!(page.has("name=\"csrf_token\""), "the token is a hidden field");

    // The old way, with the token in the query string, is refused; the form's way works.
    let token = owner.csrf().await;
    let csv = "name,email,organisation\r\nAda,ada@example.org,Uni\r\n";
    let body =
        format!("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n{csv}\r\n--B--\r\n");
    let old = owner
        .http
        .post(format!("{}{path}?csrf_token={token}", app.base))
        .header("content-type", "multipart/form-data; boundary=B")
        .body(body)
        .send()
        .await
        .expect("POST");
    assert_eq!(old.status().as_u16(), 403);
    let r = owner.post_file(&path, "a.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.has("1 invitation"), "{}", r.body);
}

/// Sends raw bytes and returns the response head (status line and headers).
fn raw_request(base: &str, request: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    text.split("\r\n\r\n").next().unwrap_or("").to_ascii_lowercase()
}

#[actix_web::test]
async fn every_response_carries_the_security_headers_even_protocol_errors() {
    let (app, _sink) = TestApp::start().await;
    let c = app.client();
    let check = |what: &str, status: u16, headers: &reqwest::header::HeaderMap| {
        for h in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
            assert!(headers.contains_key(h), "{what} ({status}) lacks {h}: {headers:?}");
        }
    };
    let r = c.get("/no-such-page").await;
    assert_eq!(r.status, 404);
    check("default service", r.status, &r.headers);
    let r = c.get("/events?page=%zz&page=x").await;
    check("odd query", r.status, &r.headers);
    let r = c.get("/admin/users?page=not-a-number").await;
    check("query on a login page", r.status, &r.headers);
    for method in [reqwest::Method::OPTIONS, reqwest::Method::PUT, reqwest::Method::DELETE] {
        let resp = c.http.request(method.clone(), format!("{}/login", app.base)).send().await.expect("request");
        assert!(matches!(resp.status().as_u16(), 403..=405), "{method}: {}", resp.status());
        check("wrong method", resp.status().as_u16(), resp.headers());
    }
    let big = "x".repeat(200 * 1024);
    let r = c.post("/login", &[("email", &big)]).await;
    assert_eq!(r.status, 413);
    check("payload too large", r.status, &r.headers);
    let r = c.post_raw("/login", &[("email", "a")]).await;
    assert_eq!(r.status, 403);
    check("no token", r.status, &r.headers);
    let r = c.get("/events/nope/sessions/not-a-number").await;
    check("malformed path", r.status, &r.headers);

    // A body that breaks off inside a middleware (a corrupt chunked encoding): the error the
    // CSRF layer returns is still answered with the headers.
    let base = app.base.clone();
    let head = actix_web::rt::task::spawn_blocking(move || {
        raw_request(
            &base,
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nemail\r\nzz-not-hex\r\n\r\n",
        )
    })
    .await
    .expect("raw request");
    assert!(head.starts_with("http/1.1 400"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
}

// ---------------------------------------------------------------- defect 8 and 11: the log

/// Runs the real binary at the default log level, makes `requests` and returns what it logged.
async fn logged_by_server(requests: impl AsyncFnOnce(&Client, &str)) -> String {
    let (url, dir) = fresh_db_url();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["serve"])
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .env("DATABASE_URL", &url)
        .env("LIAISON_ADDR", &addr)
        .env("LIAISON_DATA_DIR", dir.path())
        .env("LIAISON_MAIL_DIR", dir.path().join("mail"))
        .env("LIAISON_WORKERS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let stderr = child.stderr.take().expect("stderr");
    let lines = std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).collect::<Vec<_>>());
    let base = format!("http://{addr}");
    let client = Client::new(&base);
    wait_until_up(&base, Duration::from_secs(60), String::new).await;
    requests(&client, &base).await;
    // Let the last lines reach the pipe, then stop the server.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    let out = lines.join().expect("stderr reader").join("\n");
    strip_ansi(&out)
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(ch) = chars.next() {
        if ch == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(ch);
        }
    }
    out
}

#[actix_web::test]
async fn secrets_in_addresses_never_reach_the_log_and_login_redirects_are_not_errors() {
    let secret = |n: u8| format!("{:x}", n).repeat(64);
    let (reset, confirm, invite, organiser, feed) = (secret(1), secret(2), secret(3), secret(4), secret(5));
    let (r2, c2, i2, o2, f2) = (reset.clone(), confirm.clone(), invite.clone(), organiser.clone(), feed.clone());
    let log = logged_by_server(async move |c: &Client, _base: &str| {
        // A refused POST to a reset link (no CSRF token), and one with a token.
        assert_eq!(c.post_raw(&format!("/password/reset/{r2}"), &[("password", "x")]).await.status, 403);
        c.post(&format!("/password/reset/{r2}"), &[("password", "a new password here")]).await;
        c.get(&format!("/password/reset/{r2}")).await;
        // 404s that still carry a token.
        assert_eq!(c.get(&format!("/confirm/{c2}/extra")).await.status, 404);
        c.get(&format!("/confirm/{c2}")).await;
        c.get(&format!("/events/nope/invitation/{i2}")).await;
        c.get(&format!("/events/nope/register?invitation={i2}")).await;
        c.get(&format!("/organiser-invitations/{o2}")).await;
        c.post_raw(&format!("/organiser-invitations/{o2}"), &[]).await;
        c.get(&format!("/events/nope/calendar/1/{}.ics", &f2[..40])).await;
        // Pages that only need a login answer with a redirect to it.
        assert_eq!(c.get("/account").await.status, 303);
        assert_eq!(c.get("/my/registrations").await.status, 303);
    })
    .await;
    for (what, s) in [("reset", &reset), ("confirm", &confirm), ("invitation", &invite), ("organiser", &organiser)] {
        assert!(!log.contains(&s[..20]), "the {what} token is in the log:\n{log}");
    }
    assert!(!log.contains(&feed[..20]), "the feed token is in the log:\n{log}");
    assert!(log.contains("/password/reset/***"), "the redacted path is logged:\n{log}");
    assert!(log.contains("status=403") && log.contains("status=404"), "statuses are logged:\n{log}");
    assert!(log.contains("duration_ms="), "durations are logged:\n{log}");
    let errors: Vec<&str> = log.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert!(errors.is_empty(), "nothing here is an error of the server: {errors:#?}");
}
