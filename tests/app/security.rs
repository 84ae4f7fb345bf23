//! CSRF, body limits, headers, cookies and error pages.

use diesel::prelude::*;
use liaison::db::schema::users;

use crate::support::*;

#[actix_web::test]
async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let (app, sink) = TestApp::start().await;
    let c = app.client();
    let addr = email("csrf");
    let fields = [("name", "Cory Csrf"), ("email", addr.as_str()), ("password", PASSWORD)];
    // No session, no token.
    let r = c.post_raw("/signup", &fields).await;
    assert_eq!(r.status, 403);
    assert!(r.has("security token"));
    // A session, but a wrong token.
    c.get("/").await;
    let mut wrong = fields.to_vec();
    wrong.push(("csrf_token", "0000"));
    assert_eq!(c.post_raw("/signup", &wrong).await.status, 403);
    // Another session's token does not work here either.
    let other = app.client();
    let foreign = other.csrf().await;
    let mut stolen = fields.to_vec();
    stolen.push(("csrf_token", &foreign));
    assert_eq!(c.post_raw("/signup", &stolen).await.status, 403);
    let n: i64 = app.with_conn(|conn| users::table.count().get_result(conn).expect("count"));
    assert_eq!(n, 0, "nothing stored");

    // Logged in: logout, profile and password changes need the token as well.
    let u = app.user(&sink, "Una User", &email("una"), PASSWORD).await;
    assert_eq!(u.post_raw("/logout", &[]).await.status, 403);
    assert!(u.logged_in().await);
    assert_eq!(u.post_raw("/account", &[("name", "Hacked")]).await.status, 403);
    assert!(!u.get("/account").await.has("Hacked"));
    assert_eq!(u.post_raw("/account/delete", &[("password", PASSWORD)]).await.status, 403);
    assert!(u.logged_in().await);
    // The token is renewed at login: a token from before login no longer works after it.
    let addr = email("renew");
    app.user(&sink, "Rene Renew", &addr, PASSWORD).await;
    let c2 = app.client();
    let old_token = c2.csrf().await;
    assert_eq!(c2.login(&addr, PASSWORD).await.status, 303);
    assert_eq!(c2.post_raw("/logout", &[("csrf_token", &old_token)]).await.status, 403);
    let new_token = c2.csrf().await;
    assert_ne!(new_token, old_token);
    assert_eq!(c2.post_raw("/logout", &[("csrf_token", &new_token)]).await.status, 303);
}

#[actix_web::test]
async fn oversized_bodies_are_refused_with_413() {
    let (app, _sink) = TestApp::start().await;
    let c = app.client();
    let token = c.csrf().await;
    let big = "z".repeat(70 * 1024);
    let r = c.post_raw("/signup", &[("csrf_token", &token), ("name", &big)]).await;
    assert_eq!(r.status, 413);
    assert!(r.has("larger than this form accepts"));
    // Chunked (no Content-Length) is counted as it arrives.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&host).await.expect("connect");
    let chunk = "z".repeat(70 * 1024);
    let req = format!(
        "POST /signup HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    sock.write_all(req.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = sock.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(200)]);
}

#[actix_web::test]
async fn every_response_carries_security_headers() {
    let (app, sink) = TestApp::start().await;
    let c = app.client();
    let u = app.user(&sink, "Hedy Headers", &email("hdr"), PASSWORD).await;
    for (client, path) in [
        (&c, "/"),
        (&c, "/login"),
        (&c, "/no-such-page"),
        (&c, "/static/css/liaison.css"),
        (&u, "/account"),
        (&c, "/healthz"),
    ] {
        let r = client.get(path).await;
        let csp = r.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(r.header("referrer-policy"), "same-origin", "{path}");
    }
    let css = c.get("/static/css/liaison.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(c.get("/static/nope.css").await.status, 404);
}

#[actix_web::test]
async fn session_cookie_is_httponly_lax_and_renewed_at_login() {
    let (app, sink) = TestApp::start().await;
    let addr = email("cookie");
    app.user(&sink, "Coco Cookie", &addr, PASSWORD).await;
    let c = app.client();
    let first = c.get("/").await;
    let cookie = first.header("set-cookie");
    assert!(cookie.starts_with("liaison_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http base URL");
    let before = cookie.split(';').next().unwrap_or_default().to_string();
    let r = c.login(&addr, PASSWORD).await;
    let after = r.header("set-cookie");
    assert!(!after.is_empty() && !after.starts_with(&before), "session renewed at login");

    // Behind https, the cookie is Secure.
    let secure =
        TestApp::start_with(Options { base_url: Some("https://events.example.org".into()), ..Default::default() })
            .await;
    let r = secure.client().get("/").await;
    assert!(r.header("set-cookie").contains("Secure"));
}

#[actix_web::test]
async fn unknown_pages_are_404_and_forbidden_pages_403_without_internals() {
    let (app, sink) = TestApp::start().await;
    let c = app.client();
    let r = c.get("/definitely/not/here").await;
    assert_eq!(r.status, 404);
    assert!(r.has("Page not found") && r.has("<title>"));
    let u = app.user(&sink, "Fay Forbidden", &email("fay"), PASSWORD).await;
    let r = u.get("/admin/users").await;
    assert_eq!(r.status, 403);
    assert!(r.has("You do not have permission"));
    let r = u.post("/admin/users/not-a-number/role", &[("role", "organiser")]).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);
}

#[actix_web::test]
async fn rate_limits_answer_429_with_retry_after_and_send_nothing_more() {
    let sink = SmtpSink::start().await;
    let app =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), rate_limits: true, ..Default::default() }).await;
    let c = app.client();
    let addr = email("limited");
    app.insert_user("Lim Ited", &addr, "attendee", "", "", "");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(c.post("/password/forgot", &[("email", &addr)]).await.status);
    }
    assert_eq!(statuses, vec![303, 303, 303, 429, 429], "three resets per account, then a wait");
    let r = c.post("/password/forgot", &[("email", &addr)]).await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").parse().expect("Retry-After in seconds");
    assert!(retry > 0);
    assert!(r.has("Too many password reset requests"), "{}", r.body);
    // Only the three accepted requests wrote an e-mail.
    let n: i64 = app.with_conn(|conn| {
        liaison::db::schema::outbox::table
            .filter(liaison::db::schema::outbox::to_addr.eq(&addr))
            .count()
            .get_result(conn)
            .expect("count")
    });
    assert_eq!(n, 3);
    // Sign-ups from one address: twenty, then a wait.
    let mut ok = 0;
    for i in 0..22 {
        let r = c
            .post("/signup", &[("name", "Many"), ("email", &email(&format!("many{i}"))), ("password", PASSWORD)])
            .await;
        if r.status == 303 {
            ok += 1;
        } else {
            assert_eq!(r.status, 429);
        }
    }
    assert_eq!(ok, 20);
}

#[actix_web::test]
async fn a_sign_up_rush_queues_for_hashing_refuses_the_excess_with_503_and_loses_nothing() {
    // One hashing thread and a 150 ms queue: 40 sign-ups at once cannot all be hashed in time.
    let sink = SmtpSink::start().await;
    let app =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), hashing: Some((1, 150)), ..Default::default() })
            .await;
    let people: Vec<(String, Client)> = (0..40).map(|i| (email(&format!("rush{i}")), app.client())).collect();
    let tokens = futures_util::future::join_all(people.iter().map(|(_, c)| c.csrf())).await;
    let signups = futures_util::future::join_all(people.iter().zip(&tokens).map(|((addr, c), token)| async move {
        let f =
            [("csrf_token", token.as_str()), ("name", "Rush Person"), ("email", addr.as_str()), ("password", PASSWORD)];
        c.post_raw("/signup", &f).await
    }));
    let reader = async {
        let anon = app.client();
        let mut statuses = Vec::new();
        for _ in 0..10 {
            statuses.push(anon.get("/events").await.status);
        }
        statuses
    };
    let (pages, read) = tokio::join!(signups, reader);
    assert!(read.iter().all(|s| *s == 200), "public pages keep answering: {read:?}");
    let accepted: Vec<&String> =
        people.iter().zip(&pages).filter(|(_, p)| p.status == 303).map(|((a, _), _)| a).collect();
    let refused: Vec<(&String, &Page)> =
        people.iter().zip(&pages).filter(|(_, p)| p.status == 503).map(|((a, _), p)| (a, p)).collect();
    assert_eq!(accepted.len() + refused.len(), 40, "{:?}", pages.iter().map(|p| p.status).collect::<Vec<_>>());
    assert!(!accepted.is_empty() && !refused.is_empty(), "some queue and go through, some are told to retry");
    for (_, p) in &refused {
        assert!(p.header("retry-after").parse::<u64>().is_ok_and(|s| s > 0));
        assert!(p.has("try again"), "{}", p.body);
    }
    let exists = |addr: &str| -> bool {
        app.with_conn(|c| users::table.filter(users::email.eq(addr)).count().get_result::<i64>(c).expect("count")) == 1
    };
    for addr in &accepted {
        assert!(exists(addr), "accepted sign-up {addr} has its account");
        sink.wait_for(addr, "Confirm your e-mail").await;
    }
    for (addr, _) in &refused {
        assert!(!exists(addr), "a refused sign-up stored nothing");
    }
}
