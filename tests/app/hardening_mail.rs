//! Issue 11, the mail side: no stored message can stop the mail (defect 1), dead letters for
//! admins, a worker that restarts itself, /healthz on the outbox, and data at rest (defect 5):
//! private files and no usable link left in the outbox once a message is sent.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use liaison::db::schema::{audit_log, outbox};
use liaison::mail::{enqueue, messages};

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_liaison");

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Writes a message for `to` / `to_name` straight into the outbox, as old rows (or another
/// version) may hold it; returns its id.
fn put_in_outbox(app: &TestApp, to: &str, to_name: &str, subject_tag: &str) -> i64 {
    app.with_conn(|c| {
        let m = messages::ResetPassword { name: subject_tag.into(), link: format!("{}/x/{subject_tag}", app.base) };
        enqueue(c, to, to_name, &m).expect("enqueue")
    })
}

fn status_of(app: &TestApp, id: i64) -> (String, Option<String>) {
    app.with_conn(|c| outbox::table.find(id).select((outbox::status, outbox::last_error)).first(c).expect("outbox row"))
}

async fn health(app: &TestApp) -> serde_json::Value {
    let r = app.client().get("/healthz").await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).expect("json")
}

/// Asks for a password reset for a new account; returns its address once the mail arrived.
async fn reset_mail_arrives(app: &TestApp, sink: &SmtpSink, tag: &str) -> Mail {
    let addr = email(tag);
    app.insert_user("Rita Reset", &addr, "attendee", "", "", "");
    let r = app.client().post("/password/forgot", &[("email", &addr)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    sink.wait_for(&addr, "Reset your Liaison password").await
}

#[actix_web::test]
async fn a_line_break_in_a_stored_name_does_not_stop_the_mail() {
    let (app, sink) = TestApp::start().await;
    // The name of the probe's CSV row, already in the outbox; before it, a row that can
    // never be built (no valid address).
    let broken = put_in_outbox(&app, "not an address", "Nobody", "broken");
    let evil = put_in_outbox(&app, "inv2@x.org", "Evil\r\nBcc: victim@x.org", "evil");

    // Later mail goes out.
    reset_mail_arrives(&app, &sink, "after").await;

    // The message with the bad name went out too, with the name on one line and no header
    // of its own, to its one recipient.
    let mail = sink.wait_for("inv2@x.org", "Reset your Liaison password").await;
    assert_eq!(mail.to, vec!["inv2@x.org".to_string()], "envelope recipients");
    let headers = mail.raw.split("\r\n\r\n").next().unwrap_or_default().to_string();
    for line in headers.lines() {
        assert!(!line.to_ascii_lowercase().starts_with("bcc:"), "injected header {line:?} in\n{headers}");
    }
    assert!(sink.all().iter().all(|m| !m.to.iter().any(|t| t.contains("victim"))), "nothing to the victim");
    wait_until("the message is recorded as sent", || status_of(&app, evil).0 == "sent").await;

    // The one that can never be built is a dead letter with its cause, not a stopped queue.
    wait_until("the unbuildable message is parked", || status_of(&app, broken).0 == "failed").await;
    let (_, error) = status_of(&app, broken);
    assert!(error.as_deref().is_some_and(|e| e.contains("cannot build")), "{error:?}");
    let h = health(&app).await;
    assert_eq!(h["outbox"]["dead"], 1, "{h}");
    assert_eq!(h["status"], "ok", "a dead letter alone is not a stalled outbox: {h}");
}

#[actix_web::test]
async fn admins_see_dead_letters_and_retry_or_discard_them() {
    let (app, sink) = TestApp::start().await;
    let retried = put_in_outbox(&app, "typo-at-example.org", "Tim Typo", "retried");
    let discarded = put_in_outbox(&app, "nobody", "", "discarded");
    wait_until("both are dead letters", || {
        status_of(&app, retried).0 == "failed" && status_of(&app, discarded).0 == "failed"
    })
    .await;

    let admin = app.quick_user("Ada Admin", &email("ada"), "admin").await;
    let someone = app.quick_user("Sam Someone", &email("sam"), "organiser").await;
    // Reachable from the admin area's navigation; for admins only.
    assert!(admin.get("/admin/users").await.has("href=\"/admin/mail\""));
    assert_eq!(someone.get("/admin/mail").await.status, 403);
    assert_eq!(someone.post(&format!("/admin/mail/{retried}/retry"), &[]).await.status, 403);
    let page = admin.get("/admin/mail").await;
    assert_eq!(page.status, 200);
    for needle in ["typo-at-example.org", "Tim Typo", "Reset your Liaison password", "cannot build", "2 undelivered"] {
        assert!(page.has(needle), "{needle} missing from the dead-letter page:\n{}", page.body);
    }
    // Without the CSRF token nothing happens.
    let r = admin.post_raw(&format!("/admin/mail/{retried}/retry"), &[]).await;
    assert!((400..500).contains(&r.status), "{}", r.status);
    assert_eq!(status_of(&app, retried).0, "failed");

    // The cause is fixed (the address corrected); a retry sends it.
    app.with_conn(|c| {
        diesel::update(outbox::table.find(retried)).set(outbox::to_addr.eq("tim@example.org")).execute(c).expect("fix")
    });
    let r = admin.post(&format!("/admin/mail/{retried}/retry"), &[]).await;
    assert_eq!((r.status, r.location()), (303, "/admin/mail".to_string()));
    sink.wait_for("tim@example.org", "Reset your Liaison password").await;
    wait_until("the retried message is sent", || status_of(&app, retried).0 == "sent").await;

    let r = admin.post(&format!("/admin/mail/{discarded}/discard"), &[]).await;
    assert_eq!(r.status, 303);
    let left: i64 = app.with_conn(|c| outbox::table.find(discarded).count().get_result(c).expect("n"));
    assert_eq!(left, 0, "discarded");
    // Only dead letters can be retried or discarded.
    assert_eq!(admin.post(&format!("/admin/mail/{retried}/retry"), &[]).await.status, 404);
    assert_eq!(admin.post(&format!("/admin/mail/{discarded}/discard"), &[]).await.status, 404);
    let page = admin.get("/admin/mail").await;
    assert!(page.has("0 undelivered"), "{}", page.body);

    let actions: Vec<String> = app.with_conn(|c| {
        audit_log::table.filter(audit_log::action.like("mail.%")).select(audit_log::action).load(c).expect("audit")
    });
    assert_eq!(actions, vec!["mail.retry".to_string(), "mail.discard".to_string()]);
}

#[actix_web::test]
async fn the_mail_worker_starts_again_after_it_dies() {
    let (app, sink) = TestApp::start().await;
    liaison::mail::worker::panic_once_for_tests();
    wait_until("the worker panicked", || !liaison::mail::worker::panic_pending_for_tests()).await;
    reset_mail_arrives(&app, &sink, "after-panic").await;
}

#[actix_web::test]
async fn healthz_reports_a_stalled_outbox_but_stays_200() {
    // No worker: nothing is sent, as when the worker is stuck.
    let app = TestApp::start_with(Options { mail_worker: false, ..Default::default() }).await;
    let h = health(&app).await;
    assert_eq!((h["status"].as_str(), h["outbox"]["status"].as_str()), (Some("ok"), Some("ok")), "{h}");
    assert_eq!(h["outbox"]["due"], 0);

    let fresh = put_in_outbox(&app, "a@example.org", "", "fresh");
    let h = health(&app).await;
    assert_eq!((h["outbox"]["status"].as_str(), h["outbox"]["due"].as_i64()), (Some("ok"), Some(1)), "{h}");

    // Due for ten minutes, past the five-minute default.
    app.with_conn(|c| {
        diesel::update(outbox::table.find(fresh))
            .set(outbox::next_attempt_at.eq(liaison::db::now() - chrono::TimeDelta::minutes(10)))
            .execute(c)
            .expect("age")
    });
    let dead = put_in_outbox(&app, "b@example.org", "", "dead");
    app.with_conn(|c| {
        diesel::update(outbox::table.find(dead)).set(outbox::status.eq("failed")).execute(c).expect("dead")
    });
    let h = health(&app).await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert_eq!(h["database"], if on_postgres() { "postgresql" } else { "sqlite" });
    assert_eq!(h["outbox"]["status"], "stalled", "{h}");
    assert_eq!(h["outbox"]["due"], 1, "{h}");
    assert_eq!(h["outbox"]["dead"], 1, "{h}");
    assert!(h["outbox"]["oldest_due_secs"].as_i64().is_some_and(|s| s >= 599), "{h}");
}

#[actix_web::test]
async fn a_sent_message_leaves_no_usable_link_in_the_outbox() {
    let (app, sink) = TestApp::start().await;
    let mail = reset_mail_arrives(&app, &sink, "private").await;
    let link = mail.link(&app.base);
    let path = link[app.base.len()..].to_string();
    let token = path.rsplit('/').next().expect("token").to_string();
    assert!(token.len() >= 16, "{path}");
    let id = mail.message_id.trim_matches(['<', '>']).to_string();
    let row = || {
        app.with_conn(|c| {
            outbox::table
                .filter(outbox::message_id.eq(&id))
                .select((outbox::status, outbox::subject, outbox::to_addr, outbox::text_body, outbox::html_body))
                .first::<(String, String, String, String, String)>(c)
                .expect("row")
        })
    };
    wait_until("the row is recorded as sent", || row().0 == "sent").await;
    let (_, subject, to, text, html) = row();
    assert!(!text.contains(&token) && !html.contains(&token), "the link is still in the outbox");
    assert_eq!((text.as_str(), html.as_str()), ("", ""));
    assert!(subject.contains("Reset") && to == mail.to[0], "the record of what was sent stays");

    // The link in the mail still works.
    let anon = app.client();
    assert_eq!(anon.get(&path).await.status, 200);
    let r = anon.post(&path, &[("password", "a brand new passphrase 42")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.client().login(&mail.to[0], "a brand new passphrase 42").await.status, 303);

    // A row sent by an older version, bodies kept: housekeeping, run when a worker starts,
    // blanks it.
    let old = put_in_outbox(&app, "old@example.org", "", "old-version-token");
    let quiet =
        TestApp::start_with(Options { mail_worker: false, db_url: app.shared_db(), ..Default::default() }).await;
    quiet.with_conn(|c| {
        diesel::update(outbox::table.find(old))
            .set((outbox::status.eq("sent"), outbox::sent_at.eq(Some(liaison::db::now()))))
            .execute(c)
            .expect("mark sent")
    });
    let _other =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), db_url: app.shared_db(), ..Default::default() })
            .await;
    wait_until("housekeeping blanks the old body", || {
        quiet.with_conn(|c| {
            let (text, html): (String, String) =
                outbox::table.find(old).select((outbox::text_body, outbox::html_body)).first(c).expect("row");
            !text.contains("old-version-token") && !html.contains("old-version-token")
        })
    })
    .await;
}

async fn serve(data: &std::path::Path, log: &std::path::Path) -> ServeProcess {
    let port = free_port();
    let child = Command::new(BIN)
        .arg("serve")
        .env_remove("LIAISON_SECRET_KEY")
        .env_remove("LIAISON_SMTP_URL")
        .env("DATABASE_URL", format!("sqlite://{}", data.join("liaison.db").display()))
        .env("LIAISON_DATA_DIR", data)
        .env("LIAISON_MAIL_DIR", data.join("mail"))
        .env("LIAISON_ADDR", format!("127.0.0.1:{port}"))
        .env("LIAISON_MAIL_POLL_MS", "50")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("spawn liaison serve");
    let base = format!("http://127.0.0.1:{port}");
    let server = ServeProcess { child, base };
    wait_until_up(&server.base, Duration::from_secs(30), || std::fs::read_to_string(log).unwrap_or_default()).await;
    server
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[actix_web::test]
async fn the_data_folder_and_every_file_in_it_are_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");
    let server = serve(&data, &log).await;
    let addr = email("files");
    let r = Client::new(&server.base)
        .post("/signup", &[("name", "Fio Files"), ("email", &addr), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mail_dir = data.join("mail");
    let eml = || {
        std::fs::read_dir(&mail_dir)
            .ok()
            .and_then(|d| d.flatten().map(|f| f.path()).find(|p| p.extension().is_some_and(|e| e == "eml")))
    };
    wait_until("an .eml file is written", || eml().is_some()).await;
    let eml = eml().expect("eml");
    let mut modes = Vec::new();
    for (path, want) in [
        (data.clone(), 0o700),
        (mail_dir.clone(), 0o700),
        (data.join("liaison.db"), 0o600),
        (data.join("liaison.db-wal"), 0o600),
        (data.join("liaison.db-shm"), 0o600),
        (data.join("secret.key"), 0o600),
        (eml.clone(), 0o600),
    ] {
        modes.push((path.display().to_string(), format!("{:o}", mode(&path)), format!("{want:o}")));
    }
    assert!(modes.iter().all(|(_, got, want)| got == want), "modes (path, got, wanted): {modes:#?}");
    drop(server);

    // An installation from before: everything readable by all. The next start tightens it.
    for (path, m) in [(&data, 0o755), (&mail_dir, 0o755), (&data.join("liaison.db"), 0o644)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).expect("chmod");
    }
    let server = serve(&data, &log).await;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&mail_dir), 0o700);
    assert_eq!(mode(&data.join("liaison.db")), 0o600);
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("made private"), "a log line says so: {logged}");
    drop(server);
}
