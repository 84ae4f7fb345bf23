//! Programme changes reach the people who chose a session once, as the net change from what
//! they last received (issue 12, defect 4), with iTIP updates their calendars apply; the
//! mailed calendars agree with the personal feed; "my agenda" marks clashes with meetings;
//! the activity log says what moved, in words.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use liaison::db::schema::{meeting_seats, meeting_slots, meetings, outbox, session_changes};

use crate::agenda::{
    add_room, at, cancel_session, choose, create_event, create_session, day_label, edit_session, esc, guid_of,
    register, utc_of, Ev, SessionFields,
};
use crate::calendar::{calendars_of, items, Replica};
use crate::support::*;

/// Short enough for a test, long enough that a few saves in a row fall within one period.
const QUIET_MS: u64 = 1500;
const NOTICE: &str = "Programme change";

async fn start() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let app = TestApp::start_configured(Options { smtp_url: Some(sink.url()), ..Default::default() }, |c| {
        c.change_quiet_ms = QUIET_MS
    })
    .await;
    (app, sink)
}

/// A confirmed account, logged in; with its id.
async fn person(app: &TestApp, name: &str, addr: &str) -> (Client, i64) {
    let id = app.insert_user(name, addr, "attendee", "KU Leuven", "academia", "BE");
    let c = app.client();
    assert_eq!(c.login(addr, PASSWORD).await.status, 303, "login of {addr}");
    (c, id)
}

/// Waits until every change mark is claimed and every queued message delivered: after this no
/// notice about the changes made so far can still arrive.
async fn settle(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (marks, queued): (i64, i64) = app.with_conn(|c| {
            let marks = session_changes::table.filter(session_changes::sent_at.is_null()).count().get_result(c);
            let queued = outbox::table.filter(outbox::status.ne("sent")).count().get_result(c);
            (marks.expect("marks"), queued.expect("outbox"))
        });
        if marks == 0 && queued == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{marks} change marks and {queued} messages still waiting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn notices(sink: &SmtpSink, addr: &str) -> Vec<Mail> {
    sink.to(addr).into_iter().filter(|m| m.subject.contains(NOTICE)).collect()
}

fn marks(app: &TestApp) -> i64 {
    app.with_conn(|c| session_changes::table.count().get_result(c).expect("marks"))
}

fn moved(f: &SessionFields, from: &str, to: &str, room: i64) -> SessionFields {
    let mut f = f.clone();
    f.starts_at = at(10, from);
    f.ends_at = at(10, to);
    f.room_id = room.to_string();
    f
}

struct Programme {
    ev: Ev,
    org: Client,
    room_a: i64,
    room_b: i64,
}

async fn programme(app: &TestApp, title: &str) -> Programme {
    let org = app.quick_user("Orla Organiser", &email("orla"), "organiser").await;
    let ev = create_event(&org, title, "published").await;
    let room_a = add_room(app, &org, &ev, "Room A", "").await;
    let room_b = add_room(app, &org, &ev, "Room B", "").await;
    Programme { ev, org, room_a, room_b }
}

#[actix_web::test]
async fn several_saves_become_one_notice_with_the_net_change() {
    let (app, sink) = start().await;
    let Programme { ev, org, room_a, room_b } = programme(&app, "Net Change Forum").await;
    // The speaker has an account but did not put the session into their own agenda.
    let sam_addr = email("sam");
    let (sam, _) = person(&app, "Sam Speaker", &sam_addr).await;
    register(&sam, &ev).await;
    let bio = SessionFields::talk("Biomarkers", at(10, "10:00"), at(10, "11:00"), room_a)
        .speakers(&format!("Sam Speaker | KU Leuven | {sam_addr}"));
    let bio_id = create_session(&app, &org, &ev, &bio).await;
    let stable = SessionFields::talk("Stable talk", at(10, "14:00"), at(10, "15:00"), room_b);
    let stable_id = create_session(&app, &org, &ev, &stable).await;

    let ann_addr = email("ann");
    let (ann, _) = person(&app, "Ann Attendee", &ann_addr).await;
    register(&ann, &ev).await;
    choose(&ann, &ev, bio_id, "add").await;
    choose(&ann, &ev, stable_id, "add").await;
    let carl_addr = email("carl");
    let (carl, _) = person(&app, "Carl Bystander", &carl_addr).await;
    register(&carl, &ev).await;
    choose(&carl, &ev, stable_id, "add").await;

    // Four saves in a row, as an organiser nudging a session into place; and an abstract-only
    // edit of the other session, which changes nothing anyone holds.
    edit_session(&org, &ev, bio_id, &moved(&bio, "10:30", "11:30", room_a)).await;
    edit_session(&org, &ev, bio_id, &moved(&bio, "11:00", "12:00", room_a)).await;
    edit_session(&org, &ev, bio_id, &moved(&bio, "11:30", "12:30", room_a)).await;
    edit_session(&org, &ev, bio_id, &moved(&bio, "11:30", "12:30", room_b)).await;
    let mut reworded = stable.clone();
    reworded.abstract_text = "Now with a longer abstract.".into();
    edit_session(&org, &ev, stable_id, &reworded).await;
    settle(&app).await;

    let got = notices(&sink, &ann_addr);
    assert_eq!(got.len(), 1, "one notice for the burst: {:?}", got.iter().map(|m| &m.text).collect::<Vec<_>>());
    let text = &got[0].text;
    let d = day_label(10);
    let line = format!("\"Biomarkers\" moves from {d} 10:00–11:00 in Room A to {d} 11:30–12:30 in Room B.");
    assert!(text.contains(&line), "the net change from what Ann held: {text}");
    for step in ["10:30", "11:00–12:00", "12:00", "Stable talk"] {
        assert!(!text.contains(step), "no intermediate save and no untouched session ({step}): {text}");
    }
    assert!(text.contains("Europe/Brussels"), "names the time zone: {text}");
    assert!(notices(&sink, &carl_addr).is_empty(), "Carl did not choose the session: {:?}", sink.subjects());
    assert!(notices(&sink, &sam_addr).is_empty(), "the speaker did not choose it either: {:?}", sink.subjects());

    // The notice carries the update for Ann's calendar: one REQUEST, addressed to her.
    let cals = calendars_of(&got[0]);
    assert_eq!(cals.len(), 1, "a REQUEST and no CANCEL");
    let entries = items(&cals[0]);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].method, "REQUEST");
    assert_eq!(entries[0].uid, format!("{}@liaison", guid_of(&app, bio_id)));
    assert!(cals[0].contains(&format!("mailto:{ann_addr}")) && cals[0].contains("ORGANIZER"), "{}", cals[0]);

    // The activity log says what moved, in words, in the event's zone.
    let log = org.get(&format!("/organise/events/{}", ev.id)).await;
    let first = format!("moved “Biomarkers” from {d} 10:00–11:00 in Room A to {d} 10:30–11:30 in Room A");
    assert!(log.has(&esc(&first)), "activity log: {}", log.body);
    assert!(log.has(&esc("sent programme notices to 1 person about “Biomarkers”")), "{}", log.body);
    assert!(log.has(&esc("edited “Stable talk”")), "{}", log.body);
}

#[actix_web::test]
async fn a_change_undone_before_the_notice_reaches_nobody() {
    let (app, sink) = start().await;
    let Programme { ev, org, room_a, room_b } = programme(&app, "Undo Forum").await;
    let bio = SessionFields::talk("Biomarkers", at(10, "10:00"), at(10, "11:00"), room_a);
    let bio_id = create_session(&app, &org, &ev, &bio).await;
    let panel = SessionFields::talk("Panel", at(10, "14:00"), at(10, "15:00"), room_a);
    let panel_id = create_session(&app, &org, &ev, &panel).await;
    let ann_addr = email("ann");
    let (ann, _) = person(&app, "Ann Attendee", &ann_addr).await;
    register(&ann, &ev).await;
    choose(&ann, &ev, bio_id, "add").await;
    choose(&ann, &ev, panel_id, "add").await;

    // Moved and moved back; cancelled and restored.
    edit_session(&org, &ev, bio_id, &moved(&bio, "11:00", "12:00", room_b)).await;
    edit_session(&org, &ev, bio_id, &bio).await;
    cancel_session(&org, &ev, panel_id, "yes").await;
    cancel_session(&org, &ev, panel_id, "no").await;
    assert_eq!(marks(&app), 4, "each change was marked for Ann");
    settle(&app).await;
    assert!(notices(&sink, &ann_addr).is_empty(), "nothing Ann holds changed: {:?}", sink.subjects());

    // A real change afterwards is told, and only it.
    edit_session(&org, &ev, panel_id, &moved(&panel, "14:00", "15:00", room_b)).await;
    settle(&app).await;
    let got = notices(&sink, &ann_addr);
    assert_eq!(got.len(), 1, "{:?}", sink.subjects());
    let d = day_label(10);
    let line = format!("\"Panel\" moves from {d} 14:00–15:00 in Room A to {d} 14:00–15:00 in Room B.");
    assert!(got[0].text.contains(&line), "{}", got[0].text);
    assert!(!got[0].text.contains("Biomarkers"), "{}", got[0].text);

    // Renaming a room moves its sessions for the people who were told the old name.
    let r = org.post(&ev.org(&format!("/rooms/{room_a}")), &[("name", "Auditorium"), ("capacity", "")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    settle(&app).await;
    let got = notices(&sink, &ann_addr);
    assert_eq!(got.len(), 2, "{:?}", sink.subjects());
    let line = format!("\"Biomarkers\" moves from {d} 10:00–11:00 in Room A to {d} 10:00–11:00 in Auditorium.");
    assert!(got[1].text.contains(&line), "{}", got[1].text);
    assert!(!got[1].text.contains("Panel"), "Panel is in Room B now: {}", got[1].text);
}

#[actix_web::test]
async fn mailed_calendars_agree_with_the_personal_feed() {
    let (app, sink) = start().await;
    let Programme { ev, org, room_a, room_b } = programme(&app, "Calendar Forum").await;
    let fa = SessionFields::talk("Biomarkers", at(10, "10:00"), at(10, "11:00"), room_a);
    let fb = SessionFields::talk("Panel", at(10, "12:00"), at(10, "13:00"), room_a);
    let fc = SessionFields::talk("Workshop", at(10, "14:00"), at(10, "15:00"), room_b);
    let fd = SessionFields::talk("Closing", at(10, "16:00"), at(10, "17:00"), room_b);
    let mut ids = Vec::new();
    for f in [&fa, &fb, &fc, &fd] {
        ids.push(create_session(&app, &org, &ev, f).await);
    }
    let (a, b, c, _d) = (ids[0], ids[1], ids[2], ids[3]);
    let ann_addr = email("ann");
    let (ann, _) = person(&app, "Ann Attendee", &ann_addr).await;
    register(&ann, &ev).await;
    for id in &ids {
        choose(&ann, &ev, *id, "add").await;
    }
    let page = ann.get(&ev.public("/my-agenda")).await;
    let feed_url = extract(&page.body, "readonly value=\"", "\"").expect("feed address");
    let feed_path = feed_url.strip_prefix(&app.base).expect("own address").to_string();

    // Round 1: A moves, B is cancelled: one notice, a REQUEST for A and a CANCEL for B.
    edit_session(&org, &ev, a, &moved(&fa, "11:30", "12:30", room_b)).await;
    cancel_session(&org, &ev, b, "yes").await;
    settle(&app).await;
    let first = notices(&sink, &ann_addr);
    assert_eq!(first.len(), 1);
    let cals = calendars_of(&first[0]);
    let methods: Vec<(String, usize)> = cals.iter().map(|t| (items(t)[0].method.clone(), items(t).len())).collect();
    assert_eq!(methods, vec![("REQUEST".to_string(), 1), ("CANCEL".to_string(), 1)]);
    assert!(first[0].text.contains("\"Panel\" (") && first[0].text.contains(") is cancelled."));

    // Round 2: B takes place again, A moves again, C is cancelled.
    cancel_session(&org, &ev, b, "no").await;
    edit_session(&org, &ev, a, &moved(&fa, "09:00", "10:00", room_a)).await;
    cancel_session(&org, &ev, c, "yes").await;
    settle(&app).await;
    // Round 3: C takes place again, in another room.
    cancel_session(&org, &ev, c, "no").await;
    edit_session(&org, &ev, c, &moved(&fc, "14:00", "15:00", room_a)).await;
    settle(&app).await;
    let all = notices(&sink, &ann_addr);
    assert_eq!(all.len(), 3, "one notice per round: {:?}", sink.subjects());
    assert!(all[1].text.contains("\"Panel\" takes place again, on "), "{}", all[1].text);
    assert!(all[2]
        .text
        .contains(&format!("\"Workshop\" takes place again, on {} 14:00–15:00 in Room A.", day_label(10))));

    // Round 4: Ann takes A off her agenda; her calendar got it by mail, so a CANCEL follows.
    choose(&ann, &ev, a, "remove").await;
    let removal = sink.wait_for(&ann_addr, "Removed from your agenda").await;
    let cals = calendars_of(&removal);
    assert_eq!(cals.len(), 1);
    assert_eq!(items(&cals[0])[0].method, "CANCEL");
    settle(&app).await;

    // Ann's calendar, built by applying every mailed message in order, holds what her feed says.
    let mut mailed: Vec<Mail> =
        sink.to(&ann_addr).into_iter().filter(|m| !calendars_of(m).is_empty()).collect::<Vec<_>>();
    mailed.retain(|m| m.subject.contains(NOTICE) || m.subject.contains("Removed from your agenda"));
    let replica = Replica::from_mails(&mailed);
    assert!(replica.stale.is_empty(), "no update was older than what the calendar held: {:?}", replica.stale);
    let feed_page = app.client().get(&feed_path).await;
    assert_eq!(feed_page.status, 200);
    let feed = Replica::from_feed(&feed_page.body);
    let uid = |id: i64| format!("{}@liaison", guid_of(&app, id));
    for (id, name) in [(a, "removed A"), (b, "restored B"), (c, "restored and moved C")] {
        assert_eq!(replica.entries.get(&uid(id)), feed.entries.get(&uid(id)), "{name}: mails and feed agree");
    }
    assert!(!feed.entries.contains_key(&uid(a)));
    let (seq_b, shown_b) = feed.entries.get(&uid(b)).expect("B in the feed");
    assert!(shown_b.location.contains("Room A"), "B in the feed: {shown_b:?}");
    assert!(*seq_b >= 2, "B's sequence grew with its cancellation and restoration: {seq_b}");
    assert!(feed.entries.contains_key(&uid(c)));

    // Every message about a session carries a higher SEQUENCE than the one before it.
    let mut last: std::collections::BTreeMap<String, u32> = Default::default();
    for m in &mailed {
        for cal in calendars_of(m) {
            for it in items(&cal) {
                if let Some(prev) = last.get(&it.uid) {
                    let ok = it.sequence > *prev || (it.method == "CANCEL" && it.sequence == *prev);
                    assert!(ok, "{} {} after {prev}", it.uid, it.sequence);
                }
                last.insert(it.uid.clone(), it.sequence);
            }
        }
    }
}

/// A one-to-one meeting written straight to the database (`a` < `b` as the table requires).
fn insert_meeting(app: &TestApp, event_id: i64, a: i64, b: i64, from: &str, to: &str, table: i32) -> i64 {
    let (a, b) = (a.min(b), a.max(b));
    let (starts, ends) = (utc_of(&at(10, from)).naive_utc(), utc_of(&at(10, to)).naive_utc());
    let t = liaison::db::now();
    app.with_conn(|c| {
        let slot: i64 = diesel::insert_into(meeting_slots::table)
            .values((
                meeting_slots::event_id.eq(event_id),
                meeting_slots::starts_at.eq(starts),
                meeting_slots::ends_at.eq(ends),
            ))
            .returning(meeting_slots::id)
            .get_result(c)
            .expect("slot");
        let id: i64 = diesel::insert_into(meetings::table)
            .values((
                meetings::event_id.eq(event_id),
                meetings::slot_id.eq(slot),
                meetings::table_no.eq(table),
                meetings::a_user.eq(a),
                meetings::b_user.eq(b),
                meetings::origin.eq("request"),
                meetings::created_at.eq(t),
                meetings::updated_at.eq(t),
            ))
            .returning(meetings::id)
            .get_result(c)
            .expect("meeting");
        // Participants see the published version of a meeting (its id is the one pages show).
        let shown: i64 = diesel::insert_into(liaison::db::schema::published_meetings::table)
            .values((
                liaison::db::schema::published_meetings::event_id.eq(event_id),
                liaison::db::schema::published_meetings::a_user.eq(a),
                liaison::db::schema::published_meetings::b_user.eq(b),
                liaison::db::schema::published_meetings::active.eq(true),
                liaison::db::schema::published_meetings::slot_id.eq(Some(slot)),
                liaison::db::schema::published_meetings::starts_at.eq(starts),
                liaison::db::schema::published_meetings::ends_at.eq(ends),
                liaison::db::schema::published_meetings::table_no.eq(table),
                liaison::db::schema::published_meetings::origin.eq("request"),
                liaison::db::schema::published_meetings::changed_at.eq(t),
            ))
            .returning(liaison::db::schema::published_meetings::id)
            .get_result(c)
            .expect("published");
        for u in [a, b] {
            diesel::insert_into(meeting_seats::table)
                .values((
                    meeting_seats::slot_id.eq(slot),
                    meeting_seats::user_id.eq(u),
                    meeting_seats::meeting_id.eq(id),
                ))
                .execute(c)
                .expect("seat");
        }
        let _ = id;
        shown
    })
}

#[actix_web::test]
async fn my_agenda_marks_a_session_that_clashes_with_a_meeting() {
    let (app, _sink) = start().await;
    let Programme { ev, org, room_a, .. } = programme(&app, "Clash Forum").await;
    let bio_id =
        create_session(&app, &org, &ev, &SessionFields::talk("Biomarkers", at(10, "10:00"), at(10, "11:00"), room_a))
            .await;
    let late_id =
        create_session(&app, &org, &ev, &SessionFields::talk("Late talk", at(10, "15:00"), at(10, "16:00"), room_a))
            .await;
    let ann_addr = email("ann");
    let (ann, ann_id) = person(&app, "Ann Attendee", &ann_addr).await;
    register(&ann, &ev).await;
    choose(&ann, &ev, bio_id, "add").await;
    choose(&ann, &ev, late_id, "add").await;
    let mia = app.insert_user("Mia Partner", &email("mia"), "attendee", "Roche", "pharma", "CH");
    let noa = app.insert_user("Noa Other", &email("noa"), "attendee", "Inserm", "academia", "FR");
    let clash = insert_meeting(&app, ev.id, ann_id, mia, "10:20", "10:40", 1);
    let free = insert_meeting(&app, ev.id, ann_id, noa, "12:00", "12:20", 2);

    let page = ann.get(&ev.public("/my-agenda")).await;
    assert_eq!(page.status, 200);
    assert!(page.has("id=\"clash-warning\""), "a warning at the top: {}", page.body);
    let row = |start: String| extract(&page.body, &start, "</tr>").unwrap_or_default();
    let bio_row = row(format!("id=\"mine-{bio_id}\""));
    assert!(bio_row.contains("Clashes with your meeting with Mia Partner at 10:20"), "beside the session: {bio_row}");
    let meeting_row = row(format!("id=\"agenda-meeting-{clash}\""));
    assert!(meeting_row.contains(&esc("Clashes with \"Biomarkers\"")), "beside the meeting: {meeting_row}");
    assert!(!row(format!("id=\"mine-{late_id}\"")).contains("Clashes"), "no clash for the late talk");
    assert!(!row(format!("id=\"agenda-meeting-{free}\"")).contains("Clashes"), "no clash for the free meeting");

    // On a phone (390 px wide, as a browser lays it out): nothing wider than the screen, and
    // both notes are visible.
    phone_check(&app, &ann_addr, &ev).await;

    // A cancelled session clashes with nothing.
    cancel_session(&org, &ev, bio_id, "yes").await;
    let page = ann.get(&ev.public("/my-agenda")).await;
    assert!(!page.has("Clashes with") && !page.has("id=\"clash-warning\""), "{}", page.body);
}

/// "My agenda" in real Chromium at 390 px: the clash notes show and nothing overflows the
/// width. Skipped (as the other browser tests are) without chromedriver.
async fn phone_check(app: &TestApp, addr: &str, ev: &Ev) {
    use fantoccini::Locator;
    let Some(path) = crate::browser::chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the phone-width check");
        return;
    };
    let driver = crate::browser::start_driver(&path).await;
    let b = crate::browser::browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone width");
    crate::browser::log_in(&b, &app.base, addr).await;
    b.goto(&format!("{}{}", app.base, ev.public("/my-agenda"))).await.expect("my agenda");
    let notes = b.find_all(Locator::Css(".clash-note")).await.expect("notes");
    assert_eq!(notes.len(), 2, "one note beside the session, one beside the meeting");
    for n in &notes {
        assert!(n.is_displayed().await.expect("displayed"), "{:?}", n.text().await);
    }
    let widths =
        b.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.expect("widths");
    let (page, screen) = (widths[0].as_i64().expect("page"), widths[1].as_i64().expect("screen"));
    assert!(page <= screen, "the page is {page} px wide on a {screen} px screen");
    let png = b.screenshot().await.expect("screenshot");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("my-agenda-390.png");
    std::fs::write(&out, &png).expect("save screenshot");
    b.close().await.expect("close");
}

/// Reverts this migration alone (later ones, if any, stay).
fn revert_programme_notices(conn: &mut liaison::db::DbConn) {
    use diesel::migration::MigrationSource;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness};
    fn revert<B: diesel::backend::Backend, C: MigrationHarness<B>>(c: &mut C, source: EmbeddedMigrations)
    where
        EmbeddedMigrations: MigrationSource<B>,
    {
        let all = MigrationSource::<B>::migrations(&source).expect("migrations");
        let m = all.iter().find(|m| m.name().to_string().contains("programme_notices")).expect("this migration");
        c.revert_migration(&**m).expect("revert");
    }
    match conn {
        liaison::db::DbConn::Sqlite(c) => revert(c, liaison::db::backend::SQLITE_MIGRATIONS),
        liaison::db::DbConn::Pg(c) => revert(c, liaison::db::backend::PG_MIGRATIONS),
    }
}

/// A change queued as a description by the earlier code, not yet mailed when the server is
/// upgraded, still reaches the people who chose the session: as the session's time and place
/// now, since what they held before is not known.
#[actix_web::test]
async fn changes_queued_before_the_upgrade_are_still_told() {
    let sink = SmtpSink::start().await;
    let old =
        TestApp::start_with(Options { smtp_url: Some(sink.url()), mail_worker: false, ..Default::default() }).await;
    let Programme { ev, org, room_a, .. } = programme(&old, "Upgrade Forum").await;
    let queued =
        create_session(&old, &org, &ev, &SessionFields::talk("Queued talk", at(10, "10:00"), at(10, "11:00"), room_a))
            .await;
    let calm =
        create_session(&old, &org, &ev, &SessionFields::talk("Calm talk", at(10, "14:00"), at(10, "15:00"), room_a))
            .await;
    let ann_addr = email("ann");
    let (ann, _) = person(&old, "Ann Attendee", &ann_addr).await;
    register(&ann, &ev).await;
    choose(&ann, &ev, queued, "add").await;
    choose(&ann, &ev, calm, "add").await;

    // The database as the earlier code left it: the session moved, its change queued as words.
    old.with_conn(|c| {
        use liaison::db::schema::agenda_sessions as s;
        revert_programme_notices(c);
        diesel::update(s::table.find(queued))
            .set((
                s::starts_at.eq(utc_of(&at(10, "12:00")).naive_utc()),
                s::ends_at.eq(utc_of(&at(10, "13:00")).naive_utc()),
                s::sequence.eq(s::sequence + 1),
            ))
            .execute(c)
            .expect("move");
        diesel::insert_into(session_changes::table)
            .values((
                session_changes::session_id.eq(queued),
                session_changes::description.eq("\"Queued talk\" moves to Wed 12:00–13:00 (was 10:00–11:00)."),
                session_changes::created_at.eq(liaison::db::now()),
            ))
            .execute(c)
            .expect("queued change");
    });
    // The upgraded server migrates on start and sends the notice.
    let new = TestApp::start_configured(
        Options { smtp_url: Some(sink.url()), db_url: old.shared_db(), ..Default::default() },
        |c| c.change_quiet_ms = QUIET_MS,
    )
    .await;
    settle(&new).await;
    let got = notices(&sink, &ann_addr);
    assert_eq!(got.len(), 1, "{:?}", sink.subjects());
    let line = format!("\"Queued talk\" has changed: it now takes place on {} 12:00–13:00 in Room A.", day_label(10));
    assert!(got[0].text.contains(&line), "{}", got[0].text);
    assert!(!got[0].text.contains("Calm talk"), "{}", got[0].text);
    assert_eq!(items(&calendars_of(&got[0])[0])[0].method, "REQUEST");
}
