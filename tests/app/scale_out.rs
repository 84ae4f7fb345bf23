//! Several servers as one: two `liaison serve` processes on one PostgreSQL database under a
//! mixed load, one killed in the middle; and `liaison copy-db` both ways on a populated demo.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use futures_util::future::join_all;
use liaison::db::schema::{audit_log, event_organisers, events, meetings, outbox, registrations};
use liaison::db::{DatabaseUrl, Db};

use crate::support::*;
use liaison::mail::worker::IN_FLIGHT;

const BIN: &str = env!("CARGO_BIN_EXE_liaison");
const KEY: &str = "scale-out-test-secret-key-shared-by-both-servers-0123456789";

async fn serve(db_url: &str, dir: &std::path::Path, smtp: &str) -> ServeProcess {
    let port = free_port();
    let child = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", db_url)
        .env("LIAISON_ADDR", format!("127.0.0.1:{port}"))
        .env("LIAISON_SECRET_KEY", KEY)
        .env("LIAISON_DATA_DIR", dir)
        .env("LIAISON_SMTP_URL", smtp)
        .env("LIAISON_MAIL_POLL_MS", "50")
        .env("LIAISON_MAIL_RETRY_MS", "200")
        .env("LIAISON_MAIL_LEASE_SECS", "2")
        .env("LIAISON_RATE_LIMITS", "false")
        .env("LIAISON_WORKERS", "2")
        .env("LIAISON_DB_POOL_SIZE", "6")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn liaison serve");
    let base = format!("http://127.0.0.1:{port}");
    let server = ServeProcess { child, base };
    wait_until_up(&server.base, Duration::from_secs(30), String::new).await;
    server
}

#[actix_web::test]
async fn two_servers_on_one_postgres_behave_as_one_even_when_one_is_killed() {
    if !on_postgres() {
        eprintln!("skipped: needs TEST_DATABASE_URL=postgres://…");
        return;
    }
    let sink = SmtpSink::start().await;
    let (db_url, dir) = fresh_db_url();
    let db = Db::connect(&DatabaseUrl::parse(&db_url).expect("url"), 4).expect("connect");
    db.migrate().expect("migrate");
    let a = serve(&db_url, dir.path(), &sink.url()).await;
    let b = serve(&db_url, dir.path(), &sink.url()).await;

    // The organiser logs in on A and creates a 40-seat event there.
    let org_addr = email("olga");
    insert_user_into(&db, "Olga Organiser", &org_addr, "organiser");
    let org = Client::new(&a.base);
    assert_eq!(org.login(&org_addr, PASSWORD).await.status, 303);
    let year = chrono::Utc::now().naive_utc().date().format("%Y").to_string().parse::<i32>().expect("year") + 1;
    let r = org
        .post(
            "/organise/events/new",
            &[
                ("title", "Scale-out Day"),
                ("slug", "scale-out-day"),
                ("description", "Two servers."),
                ("venue", "Hall"),
                ("address", "Brussels"),
                ("timezone", "Europe/Brussels"),
                ("starts_at", &format!("{year}-05-10T09:00")),
                ("ends_at", &format!("{year}-05-10T17:00")),
                ("registration_opens_at", ""),
                ("registration_closes_at", ""),
                ("capacity", "40"),
                ("status", "published"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let event_id: i64 = {
        let mut c = db.get().expect("conn");
        events::table.filter(events::slug.eq("scale-out-day")).select(events::id).first(&mut c).expect("event")
    };

    // 120 people log in on A; their sessions must work on B as well (one shared key).
    let mut people = Vec::new();
    for i in 0..120 {
        let addr = email(&format!("p{i}"));
        insert_user_into(&db, &format!("Person {i}"), &addr, "attendee");
        let c = Client::new(&a.base);
        assert_eq!(c.login(&addr, PASSWORD).await.status, 303);
        people.push((addr, c));
    }
    let on_b = Client { http: people[0].1.http.clone(), base: b.base.clone() };
    assert!(on_b.logged_in().await, "a session made on A is valid on B");

    // A password change on A ends the person's other sessions on B as well: B may use what it
    // read of the account a moment ago, for at most two seconds.
    let pat = email("pat");
    insert_user_into(&db, "Pat Password", &pat, "attendee");
    let (here, elsewhere) = (Client::new(&a.base), Client::new(&b.base));
    assert_eq!(here.login(&pat, PASSWORD).await.status, 303);
    assert_eq!(elsewhere.login(&pat, PASSWORD).await.status, 303);
    assert!(elsewhere.logged_in().await, "logged in on B");
    let r =
        here.post("/account/password", &[("current_password", PASSWORD), ("new_password", "new secret phrase")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let changed = Instant::now();
    while elsewhere.logged_in().await {
        assert!(changed.elapsed() < Duration::from_secs(4), "the old session on B still works after the change on A");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!elsewhere.logged_in().await, "the ended session stays ended");
    assert!(here.logged_in().await, "the session that changed the password goes on");

    // Mixed load: every other person registers through B, the rest through A; public pages are
    // read meanwhile; B is killed while the requests are in flight. A person whose request
    // failed retries on A, as a load balancer would.
    let fields = |token: &str| {
        vec![
            ("csrf_token", token.to_string()),
            ("organisation", "Org".to_string()),
            ("sector", "academia".to_string()),
            ("country", "BE".to_string()),
        ]
    };
    let tokens = join_all(people.iter().map(|(_, c)| c.csrf())).await;
    let mut b = Some(b);
    let b_base = b.as_ref().map(|s| s.base.clone()).expect("b");
    let a_base = a.base.clone();
    let started = Instant::now();
    let requests = people.iter().zip(&tokens).enumerate().map(|(i, ((_, c), token))| {
        let f = fields(token);
        let (a_base, b_base) = (a_base.clone(), b_base.clone());
        async move {
            let via = if i % 2 == 0 { b_base } else { a_base.clone() };
            tokio::time::sleep(Duration::from_millis(5 * i as u64)).await;
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let http = &c.http;
            let send = |base: String| {
                let f = f.clone();
                async move { http.post(format!("{base}/events/scale-out-day/register")).form(&f).send().await }
            };
            match send(via).await {
                Ok(r) if r.status().as_u16() == 303 => "first",
                _ => match send(a_base).await {
                    Ok(r) if r.status().as_u16() == 303 => "retried",
                    // B registered them and died before it could answer.
                    Ok(r) if r.status().as_u16() == 409 => "retried",
                    Ok(r) => panic!("registration failed on A too: {}", r.status()),
                    Err(e) => panic!("A unreachable: {e}"),
                },
            }
        }
    });
    let killer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Some(mut server) = b.take() {
            let _ = server.child.kill();
            let _ = server.child.wait();
        }
    };
    let readers = async {
        let anon = Client::new(&a.base);
        for _ in 0..20 {
            assert_eq!(anon.get("/events/scale-out-day").await.status, 200);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let (outcomes, (), ()) = tokio::join!(join_all(requests), killer, readers);
    eprintln!("{} registrations over two servers, one killed, in {:?}", outcomes.len(), started.elapsed());
    assert!(outcomes.contains(&"retried"), "B was killed while requests were in flight: {outcomes:?}");

    // Seats: exactly 40 confirmed, the rest waitlisted 1..80 without gaps, one row each.
    let mut c = db.get().expect("conn");
    let rows: Vec<(String, Option<i32>)> = registrations::table
        .filter(registrations::event_id.eq(event_id))
        .select((registrations::status, registrations::waitlist_number))
        .load(&mut c)
        .expect("registrations");
    assert_eq!(rows.len(), 120);
    assert_eq!(rows.iter().filter(|(s, _)| s == "confirmed").count(), 40);
    let mut numbers: Vec<i32> = rows.iter().filter(|(s, _)| s == "waitlisted").filter_map(|(_, n)| *n).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=80).collect::<Vec<_>>());

    // Mail: every message goes out once, including those B had claimed when it died (A takes
    // them over when their lease runs out).
    let held_by_dead: i64 = outbox::table.filter(outbox::status.eq("sending")).count().get_result(&mut c).expect("n");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = outbox::table.filter(outbox::status.ne("sent")).count().get_result(&mut c).expect("n");
        if waiting == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{waiting} messages never went out");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ids: Vec<String> = outbox::table.select(outbox::message_id).load(&mut c).expect("ids");
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.len() < ids.len() && Instant::now() < deadline {
        received.clear();
        for m in sink.all() {
            *received.entry(m.message_id.trim_matches(['<', '>']).to_string()).or_default() += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let expected: BTreeSet<String> = ids.iter().cloned().collect();
    let got: BTreeSet<String> = received.keys().cloned().collect();
    assert_eq!(got, expected, "every message arrived");
    // A message can only arrive twice if B died after SMTP accepted it and before recording
    // that. Each send is recorded at once on the worker's own connection (not behind the
    // requests' pool), and the lease is renewed right before each send, so that window is the
    // messages in flight when B died: at most `IN_FLIGHT` doubles, whatever B still held.
    let twice = received.values().filter(|n| **n > 1).count();
    eprintln!("{twice} message(s) arrived twice; the killed server held {held_by_dead}");
    assert!(twice <= IN_FLIGHT, "{twice} sent twice ({held_by_dead} held by the killed server)");
}

/// Pages compared across databases: the CSRF token differs per visitor, the base URL per server,
/// schedule.xml's <version> is the time it was made and its room GUIDs derive from the base URL.
/// The meeting scheduler started on both servers at once, three times over, on a populated
/// event: every run completes (none fails on the other's rows) and the result books nobody
/// twice in a slot. (Runs take the event's schedule lock; without it a second run would still
/// wait on the old suggestions the first deletes, so removing the lock alone does not fail
/// this test: it guards the outcome, not one mechanism.)
#[actix_web::test]
async fn two_servers_run_the_scheduler_one_at_a_time() {
    if !on_postgres() {
        eprintln!("skipped: needs TEST_DATABASE_URL=postgres://…");
        return;
    }
    let sink = SmtpSink::start().await;
    let (db_url, dir) = fresh_db_url();
    let seeded = Command::new(BIN)
        .args(["demo-data", "--participants", "400", "--sessions", "10"])
        .env("DATABASE_URL", &db_url)
        .env("LIAISON_DATA_DIR", dir.path())
        .output()
        .expect("run demo-data");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let db = Db::connect(&DatabaseUrl::parse(&db_url).expect("url"), 4).expect("connect");
    let event_id: i64 = {
        let mut c = db.get().expect("conn");
        events::table.filter(events::slug.eq("scale-400")).select(events::id).first(&mut c).expect("event")
    };
    let org_addr = email("sched");
    let org_id = insert_user_into(&db, "Sam Scheduler", &org_addr, "organiser");
    {
        let mut c = db.get().expect("conn");
        diesel::insert_into(event_organisers::table)
            .values((
                event_organisers::event_id.eq(event_id),
                event_organisers::user_id.eq(org_id),
                event_organisers::created_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(&mut c)
            .expect("make organiser");
    }
    let runs = |db: &Db| -> i64 {
        let mut c = db.get().expect("conn");
        audit_log::table
            .filter(audit_log::event_id.eq(event_id).and(audit_log::action.eq("matchmaking.scheduled")))
            .count()
            .get_result(&mut c)
            .expect("runs")
    };
    let before = runs(&db);
    let a = serve(&db_url, dir.path(), &sink.url()).await;
    let b = serve(&db_url, dir.path(), &sink.url()).await;
    let (on_a, on_b) = (Client::new(&a.base), Client::new(&b.base));
    assert_eq!(on_a.login(&org_addr, PASSWORD).await.status, 303);
    assert_eq!(on_b.login(&org_addr, PASSWORD).await.status, 303);
    let path = format!("/organise/events/{event_id}/meetings/schedule");
    for round in 0..3 {
        let (ra, rb) = tokio::join!(on_a.post(&path, &[]), on_b.post(&path, &[]));
        assert_eq!((ra.status, rb.status), (303, 303), "round {round}: {} / {}", ra.body, rb.body);
    }
    assert_eq!(runs(&db) - before, 6, "every run completed");
    let mut c = db.get().expect("conn");
    let booked: Vec<(i64, i64, i64)> = meetings::table
        .filter(meetings::event_id.eq(event_id))
        .select((meetings::slot_id, meetings::a_user, meetings::b_user))
        .load(&mut c)
        .expect("meetings");
    assert!(booked.len() > 100, "the scheduler placed meetings: {}", booked.len());
    let mut seen = BTreeSet::new();
    for (slot, x, y) in &booked {
        assert!(seen.insert((*slot, *x)) && seen.insert((*slot, *y)), "someone has two meetings in slot {slot}");
    }
}

fn normalise(body: &str, base: &str) -> String {
    body.lines()
        .filter(|l| !l.contains("csrf") && !l.contains("<version>") && !l.trim_start().starts_with("<room name="))
        .map(|l| l.replace(base, "BASE").replace(&base.replacen("http://", "webcal://", 1), "BASE"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[actix_web::test]
async fn copy_db_moves_a_populated_demo_database_both_ways() {
    let (src_url, src_dir) = {
        let d = tempfile::tempdir().expect("dir");
        (format!("sqlite://{}", d.path().join("demo.db").display()), d)
    };
    let src = Db::connect(&DatabaseUrl::parse(&src_url).expect("url"), 2).expect("connect");
    src.migrate().expect("migrate");
    liaison::demo::seed(&src).expect("demo");
    // Into PostgreSQL when the suite runs there, else into another SQLite file.
    let (mid_url, _mid_dir) = fresh_db_url();
    let out = Command::new(BIN).args(["copy-db", "--from", &src_url, "--to", &mid_url]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Copied"));
    let again = Command::new(BIN).args(["copy-db", "--from", &src_url, "--to", &mid_url]).output().expect("run");
    assert!(!again.status.success(), "a second copy into the now full target is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    let mid = Db::connect(&DatabaseUrl::parse(&mid_url).expect("url"), 2).expect("connect");
    let counts = |db: &Db| liaison::db::copy::counts(&mut db.get().expect("conn")).expect("counts");
    let before = counts(&src);
    assert!(before.iter().find(|(t, _)| *t == "users").is_some_and(|(_, n)| *n > 200), "the demo's people");
    assert!(before.iter().find(|(t, _)| *t == "meetings").is_some_and(|(_, n)| *n > 0), "the demo has meetings");
    assert_eq!(counts(&mid), before, "every table has its rows");

    // The same pages from both databases.
    let a = TestApp::start_with(Options {
        db_url: Some((src_url.clone(), std::sync::Arc::new(src_dir))),
        mail_worker: false,
        ..Default::default()
    })
    .await;
    let mid_tmp = tempfile::tempdir().expect("dir");
    let b = TestApp::start_with(Options {
        db_url: Some((mid_url.clone(), std::sync::Arc::new(mid_tmp))),
        mail_worker: false,
        ..Default::default()
    })
    .await;
    for path in [
        "/events",
        "/events/pharma-meets-academia",
        "/events/pharma-meets-academia/agenda",
        "/events/pharma-meets-academia/schedule.xml",
    ] {
        let (x, y) = (a.client().get(path).await, b.client().get(path).await);
        assert_eq!((x.status, y.status), (200, 200), "{path}");
        let (x, y) = (normalise(&x.body, &a.base), normalise(&y.body, &b.base));
        let first = x.lines().zip(y.lines()).find(|(l, r)| l != r);
        assert!(x == y, "{path} differs, first at {first:?}");
    }
    // New rows get fresh ids after the copy (identity columns continue after the copied ones).
    let id = b.insert_user("After Copy", &email("after"), "attendee", "", "", "");
    let max_before: i64 = before.iter().find(|(t, _)| *t == "users").map(|(_, n)| *n).expect("users");
    assert!(id > max_before, "{id} after {max_before} copied users");

    // And back into a new SQLite file.
    let back_dir = tempfile::tempdir().expect("dir");
    let back_url = format!("sqlite://{}", back_dir.path().join("back.db").display());
    let out = Command::new(BIN).args(["copy-db", "--from", &mid_url, "--to", &back_url]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let back = Db::connect(&DatabaseUrl::parse(&back_url).expect("url"), 1).expect("connect");
    let mut expected = before.clone();
    for (t, n) in expected.iter_mut() {
        if *t == "users" {
            *n += 1;
        }
    }
    assert_eq!(counts(&back), expected);
    let bad = Command::new(BIN).args(["copy-db", "--from", &back_url, "--to", &back_url]).output().expect("run");
    assert!(!bad.status.success());
}
