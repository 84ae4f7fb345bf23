//! The account journeys, through the real server, database and SMTP.

use diesel::prelude::*;
use liaison::db::schema::{email_tokens, users};

use crate::support::*;

#[actix_web::test]
async fn signup_confirm_login_logout_journey() {
    let (app, sink) = TestApp::start().await;
    let c = app.client();
    let addr = email("ada");

    let form = c.get("/signup").await;
    assert_eq!(form.status, 200);
    assert!(form.has("<label for=\"email\">"), "labelled fields");

    let r =
        c.post("/signup", &[("name", "Ada Lovelace"), ("email", &addr.to_uppercase()), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/signup/check-email");
    assert!(c.get("/signup/check-email").await.has("Check your e-mail"));

    let mail = sink.wait_for(&addr, "Confirm your e-mail").await;
    assert!(mail.html.contains("Confirm my address"), "HTML part present");
    assert!(mail.text.contains("Ada Lovelace"));
    let link = mail.link(&app.base);
    let path = link.strip_prefix(&app.base).expect("link on base url");

    // Before confirming, the password is right but login is refused with a way forward.
    let r = c.login(&addr, PASSWORD).await;
    assert_eq!(r.status, 422);
    assert!(r.has("confirm your e-mail address first") && r.has("/confirm/resend"));

    // Opening the link does not use it up; the button does.
    let page = c.get(path).await;
    assert_eq!(page.status, 200);
    assert!(page.has("Confirm my address"));
    let r = c.post(path, &[]).await;
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/login?email="));
    assert!(c.get(&r.location()).await.has("your e-mail address is confirmed"));

    let r = c.login(&addr.to_uppercase(), PASSWORD).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let account = c.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.has(&addr), "e-mail stored lowercased");
    assert!(account.has("Ada Lovelace"));

    let r = c.post("/logout", &[]).await;
    assert_eq!(r.status, 303);
    let r = c.get("/account").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Faccount");
}

#[actix_web::test]
async fn login_returns_to_the_page_asked_for_and_never_off_site() {
    let (app, sink) = TestApp::start().await;
    let addr = email("next");
    app.user(&sink, "Nia Next", &addr, PASSWORD).await;
    let c = app.client();
    let r = c.post("/login", &[("email", &addr), ("password", PASSWORD), ("next", "/account/password")]).await;
    assert_eq!(r.location(), "/account/password");
    let c = app.client();
    let r = c.post("/login", &[("email", &addr), ("password", PASSWORD), ("next", "//evil.example/x")]).await;
    assert_eq!(r.location(), "/");
}

#[actix_web::test]
async fn expired_and_reused_tokens_are_refused_with_clear_messages() {
    let (app, sink) = TestApp::start().await;
    let c = app.client();
    let addr = email("tok");
    c.post("/signup", &[("name", "Tom Token"), ("email", &addr), ("password", PASSWORD)]).await;
    let link = sink.wait_for(&addr, "Confirm").await.link(&app.base);
    let path = link.strip_prefix(&app.base).expect("path").to_string();

    // Expire it in the database: the page says so and offers a new link.
    app.with_conn(|conn| {
        diesel::update(email_tokens::table)
            .set(email_tokens::expires_at.eq(liaison::db::now() - chrono::TimeDelta::minutes(1)))
            .execute(conn)
            .expect("expire");
    });
    let r = c.get(&path).await;
    assert_eq!(r.status, 410);
    assert!(r.has("has expired") && r.has("/confirm/resend"));
    assert_eq!(c.post(&path, &[]).await.status, 410);

    // A new link works once, then says it was used.
    let r = c.post("/confirm/resend", &[("email", &addr)]).await;
    assert_eq!(r.status, 303);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let fresh = loop {
        let links: Vec<String> = sink.to(&addr).iter().map(|m| m.link(&app.base)).filter(|l| *l != link).collect();
        if let Some(l) = links.last() {
            break l.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no second confirmation mail");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let fresh_path = fresh.strip_prefix(&app.base).expect("path").to_string();
    assert_eq!(c.post(&fresh_path, &[]).await.status, 303);
    let again = c.post(&fresh_path, &[]).await;
    assert_eq!(again.status, 410);
    assert!(again.has("already been used"));
    let bogus = c.get("/confirm/0123456789abcdef").await;
    assert_eq!(bogus.status, 404);
    assert!(bogus.has("not valid"));
}

#[actix_web::test]
async fn duplicate_signup_shows_the_same_page_and_mails_the_owner() {
    let (app, sink) = TestApp::start().await;
    let addr = email("dup");
    app.user(&sink, "Dora Dup", &addr, PASSWORD).await;

    let stranger = app.client();
    let r = stranger
        .post(
            "/signup",
            &[
                ("name", "Someone Else"),
                ("email", &format!("  {}  ", addr.to_uppercase())),
                ("password", "another password 123"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/signup/check-email", "same answer as a new sign-up");
    let note = sink.wait_for(&addr, "already have a Liaison account").await;
    assert!(note.text.contains("/password/forgot"));
    let count: i64 =
        app.with_conn(|c| users::table.filter(users::email.eq(&addr)).count().get_result(c).expect("count"));
    assert_eq!(count, 1);
    // The original password still works; the stranger's does not.
    assert_eq!(app.client().login(&addr, PASSWORD).await.status, 303);
    assert_eq!(app.client().login(&addr, "another password 123").await.status, 422);
}

#[actix_web::test]
async fn password_reset_by_email_ends_all_sessions() {
    let (app, sink) = TestApp::start().await;
    let addr = email("reset");
    let laptop = app.user(&sink, "Rita Reset", &addr, PASSWORD).await;
    let phone = app.client();
    assert_eq!(phone.login(&addr, PASSWORD).await.status, 303);

    // Unknown addresses get the same answer and no e-mail.
    let anon = app.client();
    let nobody = email("nobody");
    let r1 = anon.post("/password/forgot", &[("email", &nobody)]).await;
    let r2 = anon.post("/password/forgot", &[("email", &addr)]).await;
    assert_eq!((r1.status, r1.location()), (r2.status, r2.location()));
    let mail = sink.wait_for(&addr, "Reset your Liaison password").await;
    assert!(sink.to(&nobody).is_empty());

    let path = mail.link(&app.base)[app.base.len()..].to_string();
    assert_eq!(anon.get(&path).await.status, 200);
    let r = anon.post(&path, &[("password", "short")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("at least 10 characters"));
    let r = anon.post(&path, &[("password", "a brand new passphrase")]).await;
    assert_eq!(r.status, 303);
    sink.wait_for(&addr, "password was changed").await;

    assert!(!laptop.logged_in().await, "old sessions end");
    assert!(!phone.logged_in().await, "old sessions end");
    assert_eq!(app.client().login(&addr, PASSWORD).await.status, 422);
    assert_eq!(app.client().login(&addr, "a brand new passphrase").await.status, 303);
    let reused = anon.post(&path, &[("password", "yet another passphrase")]).await;
    assert_eq!(reused.status, 410);
    assert!(reused.has("already been used"));
}

#[actix_web::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let (app, sink) = TestApp::start().await;
    let addr = email("change");
    let here = app.user(&sink, "Carl Change", &addr, PASSWORD).await;
    let elsewhere = app.client();
    assert_eq!(elsewhere.login(&addr, PASSWORD).await.status, 303);

    let r = here
        .post("/account/password", &[("current_password", "wrong password!"), ("new_password", "new secret phrase")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("not your current password"));
    assert!(!r.has("new secret phrase"), "passwords are never echoed");

    let r =
        here.post("/account/password", &[("current_password", PASSWORD), ("new_password", "new secret phrase")]).await;
    assert_eq!(r.status, 303);
    assert!(here.logged_in().await, "this session stays");
    assert!(!elsewhere.logged_in().await, "other sessions end");
    sink.wait_for(&addr, "password was changed").await;
    assert_eq!(app.client().login(&addr, "new secret phrase").await.status, 303);
}

/// Failures as if made from this test's address (127.0.0.1), all just now.
fn seed_login_failures(app: &TestApp, addrs: &[String]) {
    use liaison::db::schema::login_attempts as la;
    app.with_conn(|c| {
        for a in addrs {
            diesel::insert_into(la::table)
                .values((
                    la::email.eq(a),
                    la::ip.eq("127.0.0.1"),
                    la::succeeded.eq(false),
                    la::created_at.eq(liaison::db::now()),
                ))
                .execute(c)
                .expect("seed");
        }
    });
}

#[actix_web::test]
async fn wrong_passwords_are_throttled_per_account_and_per_address() {
    let (app, sink) = TestApp::start().await;
    let addr = email("thr");
    app.user(&sink, "Theo Throttle", &addr, PASSWORD).await;
    let c = app.client();
    for _ in 0..5 {
        let r = c.login(&addr, "not the password").await;
        assert_eq!(r.status, 422);
        assert!(r.has("not correct"));
    }
    // Five more from here: this account from this address now waits 32 s (the delay doubles
    // with each failure; hardening_edge tests the rest), and the person is told why and how long.
    seed_login_failures(&app, &vec![addr.clone(); 5]);
    let r = c.login(&addr, PASSWORD).await;
    assert_eq!(r.status, 429);
    assert!(r.has("Too many failed login attempts") && r.has("seconds"), "{}", r.body);
    assert!(r.header("retry-after").parse::<u64>().expect("Retry-After") > 0);

    // Unknown e-mails answer like wrong passwords (same status and message).
    let other = app.client();
    let unknown = other.login(&email("ghost"), "whatever password").await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.has("not correct"));

    // A flood of failures from one address, whatever the accounts, slows that address down.
    let second = email("thr2");
    app.user(&sink, "Second Person", &second, PASSWORD).await;
    let ghosts: Vec<String> =
        (0..liaison::accounts::throttle::PER_ADDRESS).map(|i| format!("ghost{i}@example.org")).collect();
    seed_login_failures(&app, &ghosts);
    let r = app.client().login(&second, PASSWORD).await;
    assert_eq!(r.status, 429, "the address is throttled");
}

#[actix_web::test]
async fn profile_is_edited_with_checks_and_input_kept() {
    let (app, sink) = TestApp::start().await;
    let addr = email("prof");
    let c = app.user(&sink, "Pia Profile", &addr, PASSWORD).await;
    let page = c.get("/account").await;
    assert!(page.has("Pharmaceutical company") && page.has("Germany"), "sector and country lists");

    let long_bio = "b".repeat(2001);
    let r = c
        .post(
            "/account",
            &[
                ("name", "Pia Profile"),
                ("organisation", "Karolinska <Institutet>"),
                ("sector", "mining"),
                ("country", "XX"),
                ("bio", &long_bio),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.has("Please choose a sector from the list") && r.has("Please choose a country from the list"));
    assert!(r.has("under 2000 characters"));
    assert!(
        r.has("Karolinska &#60;Institutet&#62;") || r.has("Karolinska &lt;Institutet&gt;"),
        "input kept and escaped"
    );

    let r = c
        .post(
            "/account",
            &[
                ("name", "Dr. Pia Profile"),
                ("organisation", "Karolinska Institutet"),
                ("sector", "academia"),
                ("country", "SE"),
                ("job_title", "Associate professor"),
                ("bio", "Paediatric oncology; real-world data."),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = c.get("/account").await;
    assert!(page.has("saved"));
    assert!(
        page.has("value=\"Karolinska Institutet\"")
            && page.has("value=\"SE\" selected")
            && page.has("value=\"academia\" selected")
    );
    assert!(page.has("Paediatric oncology; real-world data."));
}

#[actix_web::test]
async fn data_export_and_account_deletion() {
    let (app, sink) = TestApp::start().await;
    let addr = email("gdpr");
    let c = app.user(&sink, "Gina Gdpr", &addr, PASSWORD).await;
    c.post(
        "/account",
        &[("name", "Gina Gdpr"), ("organisation", "Charité"), ("sector", "hospital"), ("country", "DE")],
    )
    .await;

    let r = c.get("/account/export").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-disposition").starts_with("attachment; filename=\"liaison-data-"));
    let json: serde_json::Value = serde_json::from_str(&r.body).expect("export is JSON");
    assert_eq!(json["account"]["email"], addr.as_str());
    assert_eq!(json["profile"]["organisation"], "Charité");
    assert!(json["login_history"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(json["emails"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(!r.body.contains("argon2"), "no password hash in the export");

    let r = c.post("/account/delete", &[("password", "not my password")]).await;
    assert_eq!(r.status, 422);
    let r = c.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 303);
    assert!(!c.logged_in().await);
    sink.wait_for(&addr, "has been deleted").await;
    let left: i64 =
        app.with_conn(|conn| users::table.filter(users::email.eq(&addr)).count().get_result(conn).expect("count"));
    assert_eq!(left, 0);
    assert_eq!(app.client().login(&addr, PASSWORD).await.status, 422);
}

#[actix_web::test]
async fn bad_input_on_every_form_gives_4xx_with_a_message_never_5xx() {
    let (app, sink) = TestApp::start().await;
    let addr = email("bad");
    let user = app.user(&sink, "Bea Bad", &addr, PASSWORD).await;
    let anon = app.client();
    let long = "x".repeat(300);
    let huge = "y".repeat(10_000);
    let huge_password = "p".repeat(10_000);
    // (who, where, what they send, the message they must see)
    type Case<'a> = (&'a Client, &'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (&anon, "/signup", vec![], "Please enter your name"),
        (&anon, "/signup", vec![("name", &long), ("email", "a@b.org"), ("password", PASSWORD)], "under 100 characters"),
        (
            &anon,
            "/signup",
            vec![("name", "A"), ("email", "not-an-email"), ("password", PASSWORD)],
            "does not look like an e-mail",
        ),
        (
            &anon,
            "/signup",
            vec![("name", "A"), ("email", "a@example.org"), ("password", &huge_password)],
            "at most 128 characters",
        ),
        (
            &anon,
            "/signup",
            vec![("name", "Bell\u{7}"), ("email", "a@example.org"), ("password", PASSWORD)],
            "not allowed",
        ),
        (&anon, "/login", vec![], "Please enter your e-mail address and your password"),
        (&anon, "/login", vec![("email", &huge), ("password", "x")], "Please enter your e-mail address"),
        (&anon, "/confirm/resend", vec![("email", "nope")], "does not look like an e-mail"),
        (&anon, "/password/forgot", vec![], "Please enter your e-mail address"),
        (&anon, "/password/forgot", vec![("email", &long)], "at most 254 characters"),
        (&user, "/account", vec![("name", "")], "Please enter your name"),
        (&user, "/account", vec![("name", "B"), ("job_title", &long)], "under 120 characters"),
        (&user, "/account/password", vec![], "Please enter your current password"),
        (&user, "/account/delete", vec![], "Please enter your password"),
    ];
    for (client, path, fields, message) in cases {
        let r = client.post(path, &fields).await;
        assert!((400..500).contains(&r.status), "{path} {fields:?} gave {}", r.status);
        assert_eq!(r.status, 422, "{path}");
        assert!(r.has(message), "{path} {fields:?}: expected {message:?} in\n{}", r.body);
        assert!(!r.has(PASSWORD) && !r.has(&huge_password[..200]), "{path}: password echoed");
    }
    // Malformed form encodings and ids are 4xx too.
    let token = anon.csrf().await;
    let r = anon
        .http
        .post(format!("{}/signup", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}&name=%ZZ&email=a"))
        .send()
        .await
        .expect("send");
    assert!(r.status().is_client_error(), "malformed encoding: {}", r.status());
    assert_eq!(user.get("/confirm/").await.status, 404);
    assert_eq!(anon.get("/password/reset/..%2F..%2Fetc").await.status, 404);
}
