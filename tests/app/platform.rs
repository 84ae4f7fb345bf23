//! Health checks, migrations on both backends, and the command line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use liaison::db::{DatabaseUrl, Db};

use crate::support::*;

const BIN: &str = env!("CARGO_BIN_EXE_liaison");

#[actix_web::test]
async fn healthz_answers_200_with_a_working_database() {
    let (app, _sink) = TestApp::start().await;
    let r = app.client().get("/healthz").await;
    assert_eq!(r.status, 200);
    let json: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], if on_postgres() { "postgresql" } else { "sqlite" });
}

#[actix_web::test]
async fn healthz_answers_503_when_the_database_does_not() {
    let dead = DatabaseUrl::parse(&format!("postgres://nobody@127.0.0.1:{}/none", free_port())).expect("url");
    let db = Db::connect_lazily(&dead, 1);
    let mut config = liaison::config::Config::defaults();
    config.secret_key = Some("x".repeat(40));
    config.workers = Some(1);
    let settings = config.resolve().expect("settings");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let running = liaison::app::start(&settings, db, listener, false).expect("start");
    let base = format!("http://{}", running.addr);
    actix_web::rt::spawn(running.server);
    let r = Client::new(&base).get("/healthz").await;
    assert_eq!(r.status, 503);
    let json: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(json["status"], "unavailable");
    assert!(!r.body.contains("nobody"), "no connection details leak");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[actix_web::test]
async fn migrations_apply_once_and_create_every_table() {
    let (url, _dir) = fresh_db_url();
    let db = Db::connect(&DatabaseUrl::parse(&url).expect("url"), 2).expect("connect");
    assert!(db.migrate().expect("first run") >= 1);
    assert_eq!(db.migrate().expect("second run"), 0, "nothing left to apply");
    let mut conn = db.get().expect("conn");
    for table in ["users", "email_tokens", "outbox", "login_attempts", "audit_log"] {
        let c: Count =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result(&mut conn).expect(table);
        assert_eq!(c.n, 0, "{table}");
    }
}

fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::null()).env_remove("DATABASE_URL").env_remove("LIAISON_ADMIN_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run liaison")
}

#[actix_web::test]
async fn wrong_database_urls_are_refused_with_a_clear_message() {
    for url in ["mysql://root@localhost/db", "data/liaison.db"] {
        let out = run(&["migrate"], &[("DATABASE_URL", url)]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("DATABASE_URL must start with sqlite://"), "{err}");
    }
}

#[actix_web::test]
async fn create_admin_from_the_command_line() {
    let (url, dir) = fresh_db_url();
    let out = run(&["create-admin", "--email", "Root@Example.org"], &[("DATABASE_URL", &url)]);
    assert!(!out.status.success(), "no password and no terminal");
    assert!(String::from_utf8_lossy(&out.stderr).contains("LIAISON_ADMIN_PASSWORD"));
    let out = run(
        &["create-admin", "--email", "Root@Example.org"],
        &[("DATABASE_URL", &url), ("LIAISON_ADMIN_PASSWORD", "short")],
    );
    assert!(!out.status.success(), "weak password refused");
    let out = run(
        &["create-admin", "--email", "Root@Example.org", "--name", "Rosa Root"],
        &[("DATABASE_URL", &url), ("LIAISON_ADMIN_PASSWORD", PASSWORD)],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("created administrator root@example.org"));

    let app =
        TestApp::start_with(Options { db_url: Some((url, std::sync::Arc::new(dir))), ..Default::default() }).await;
    let c = app.client();
    assert_eq!(c.login("root@example.org", PASSWORD).await.status, 303);
    assert_eq!(c.get("/admin/users").await.status, 200);
}

/// The README's first command: `serve --demo` on a fresh data folder prints working logins.
#[actix_web::test]
async fn serve_demo_prints_logins_that_work() {
    let (url, dir) = fresh_db_url();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["serve", "--demo"])
        .env("DATABASE_URL", &url)
        .env("LIAISON_ADDR", &addr)
        .env("LIAISON_DATA_DIR", dir.path())
        .env("LIAISON_MAIL_DIR", dir.path().join("mail"))
        .env("LIAISON_WORKERS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let lines = std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>());
    let base = format!("http://{addr}");
    wait_until_up(&base, Duration::from_secs(120), String::new).await;
    let _ = child.kill();
    let _ = child.wait();
    let printed = lines.join().expect("stdout reader");
    let organiser = printed
        .iter()
        .find(|l| l.contains("organiser@"))
        .unwrap_or_else(|| panic!("no organiser login in {printed:?}"));
    let email = organiser.split_whitespace().nth(1).expect("email").to_string();
    let password = organiser.rsplit("password: ").next().expect("password").trim().to_string();
    assert!(secret_key_is_private(dir.path()));

    // Start the app again on the same database: the printed password logs in as organiser.
    let app =
        TestApp::start_with(Options { db_url: Some((url, std::sync::Arc::new(dir))), ..Default::default() }).await;
    let c = app.client();
    assert_eq!(c.login(&email, &password).await.status, 303, "printed login works");
    assert!(c.get("/account").await.has("organiser"));
}

fn secret_key_is_private(dir: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(dir.join("secret.key")).map(|m| m.permissions().mode() & 0o777 == 0o600).unwrap_or(false)
}
