//! The outbox and its worker against a real SMTP server: retries, restarts, several servers.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use liaison::db::schema::outbox;
use liaison::mail::{enqueue, messages};

use crate::support::*;

fn outbox_state(app: &TestApp) -> Vec<(String, i32, Option<String>)> {
    app.with_conn(|c| {
        outbox::table
            .order(outbox::id)
            .select((outbox::status, outbox::attempts, outbox::last_error))
            .load(c)
            .expect("outbox")
    })
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn smtp_down_then_up_delivers_the_message_once() {
    let port = free_port();
    let app =
        TestApp::start_with(Options { smtp_url: Some(format!("smtp://127.0.0.1:{port}")), ..Default::default() }).await;
    let addr = email("down");
    let r = app.client().post("/signup", &[("name", "Dan Down"), ("email", &addr), ("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "sign-up succeeds while mail is down");
    wait_until("a failed attempt is recorded", || {
        outbox_state(&app).first().is_some_and(|(s, a, e)| s == "pending" && *a >= 2 && e.is_some())
    })
    .await;

    let sink = SmtpSink::start_on(port).await;
    sink.wait_for(&addr, "Confirm your e-mail").await;
    wait_until("the row is marked sent", || outbox_state(&app).first().is_some_and(|(s, _, _)| s == "sent")).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sink.to(&addr).len(), 1, "delivered exactly once");
    let (_, attempts, error) = outbox_state(&app).remove(0);
    assert!(attempts >= 3, "attempts recorded: {attempts}");
    assert_eq!(error, None);
}

#[actix_web::test]
async fn waiting_messages_go_out_after_a_restart() {
    // The first server stores the message but never delivers it (no worker: it "stopped").
    let first = TestApp::start_with(Options { mail_worker: false, ..Default::default() }).await;
    let addr = email("restart");
    first.client().post("/signup", &[("name", "Rhea Restart"), ("email", &addr), ("password", PASSWORD)]).await;
    assert_eq!(outbox_state(&first)[0].0, "pending");

    // The next server on the same database delivers it.
    let sink = SmtpSink::start().await;
    let second =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), db_url: first.shared_db(), ..Default::default() })
            .await;
    let mail = sink.wait_for(&addr, "Confirm your e-mail").await;
    let link = mail.link(&first.base);
    let path = link.strip_prefix(&first.base).expect("path");
    assert_eq!(second.client().get(path).await.status, 200, "the link works on the other server");
}

#[actix_web::test]
async fn two_servers_on_one_database_never_send_a_message_twice() {
    let sink = SmtpSink::start().await;
    let a = TestApp::start_with(Options { mail_worker: false, smtp_url: Some(sink.url()), ..Default::default() }).await;
    let n = 40;
    a.with_conn(|c| {
        for i in 0..n {
            let m = messages::ResetPassword { name: format!("P{i}"), link: format!("{}/x/{i}", a.base) };
            enqueue(c, &format!("p{i}@example.org"), "", &m).expect("enqueue");
        }
    });
    // Two servers with workers start at once and race for the same rows.
    let b =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), db_url: a.shared_db(), ..Default::default() }).await;
    let c =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), db_url: a.shared_db(), ..Default::default() }).await;
    wait_until("all messages delivered", || sink.all().len() >= n).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let all = sink.all();
    let mut ids: Vec<String> = all.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(all.len(), n, "no duplicates");
    assert_eq!(ids.len(), n, "every message once");
    let sent: i64 =
        b.with_conn(|conn| outbox::table.filter(outbox::status.eq("sent")).count().get_result(conn).expect("count"));
    assert_eq!(sent, n as i64);
    drop(c);
}

#[actix_web::test]
async fn without_smtp_messages_are_written_as_eml_files() {
    let app = TestApp::start_with(Options::default()).await;
    let addr = email("files");
    app.client().post("/signup", &[("name", "Fio Files"), ("email", &addr), ("password", PASSWORD)]).await;
    let dir = app.settings_mail_dir();
    wait_until("an .eml file is written", || {
        std::fs::read_dir(&dir)
            .map(|d| d.flatten().any(|f| f.path().extension().is_some_and(|e| e == "eml")))
            .unwrap_or(false)
    })
    .await;
    let file = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .find(|f| f.path().extension().is_some_and(|e| e == "eml"))
        .expect("eml");
    let text = std::fs::read_to_string(file.path()).expect("read");
    assert!(text.contains(&addr) && text.contains("Confirm your e-mail address"));
}
