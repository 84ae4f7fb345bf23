//! Issue 12, meetings: every change reaches the people it touches, once, with the net change
//! and an iTIP invitation their calendar applies by itself; organisers change a draft and
//! publish it; participants' own changes take effect at once. Each test reproduces one of the
//! issue's defects through the real server and the SMTP sink.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use liaison::db::schema::{
    agenda_sessions, match_profiles, meeting_requests as mr, meeting_slots, outbox, published_meetings as pm,
    session_signups,
};

use crate::calendar::{calendars_of, items, Replica, Shown};
use crate::matchmaking::{at, create_event, meetings_of, open_matchmaking, participant, Ev};
use crate::support::*;

type Who = (i64, String, Client);

/// Waits until every queued message is sent and received by the sink.
async fn delivered(app: &TestApp, sink: &SmtpSink) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (open, sent): (i64, i64) = app.with_conn(|c| {
            let open = outbox::table
                .filter(outbox::status.eq_any(["pending", "sending"]))
                .count()
                .get_result(c)
                .expect("open");
            let sent = outbox::table.filter(outbox::status.eq("sent")).count().get_result(c).expect("sent");
            (open, sent)
        });
        if open == 0 && sink.all().len() as i64 >= sent {
            return;
        }
        assert!(Instant::now() < deadline, "the outbox did not drain: {open} open, {sent} sent");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// The mails received since `from` (an index into the sink's list), after the outbox drained.
async fn new_mail(app: &TestApp, sink: &SmtpSink, from: usize) -> Vec<Mail> {
    delivered(app, sink).await;
    sink.all().into_iter().skip(from).collect()
}

fn recipients(mails: &[Mail]) -> BTreeSet<String> {
    mails.iter().flat_map(|m| m.to.iter().map(|t| t.to_lowercase())).collect()
}

async fn request(app: &TestApp, ev: &Ev, from: &Who, to: &Who) -> i64 {
    let r = from.2.post(&ev.public(&format!("/people/{}/request", to.0)), &[("message", "")]).await;
    assert_eq!(r.status, 303, "request: {}", r.body);
    app.with_conn(|c| {
        mr::table
            .filter(mr::from_user.eq(from.0).and(mr::to_user.eq(to.0)))
            .order(mr::id.desc())
            .select(mr::id)
            .first(c)
            .expect("request id")
    })
}

async fn accept(ev: &Ev, who: &Who, rid: i64) -> Page {
    let r = who.2.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await;
    assert_eq!(r.status, 303, "accept: {}", r.body);
    who.2.get(&ev.public("/meetings")).await
}

async fn feed(app: &TestApp, ev: &Ev, who: &Who) -> String {
    let agenda = who.2.get(&ev.public("/my-agenda")).await;
    let url = extract(&agenda.body, "readonly value=\"", "\"").expect("feed url");
    let r = app.client().get(&url[app.base.len()..]).await;
    assert_eq!(r.status, 200);
    r.body
}

/// The meetings of a person's calendar built from every mail they got, their feed, and their
/// "my meetings" page agree: same UIDs, same times and tables, nothing stale.
async fn assert_calendars_agree(app: &TestApp, sink: &SmtpSink, ev: &Ev, who: &Who) -> BTreeMap<String, Shown> {
    let mails = sink.to(&who.1);
    let replica = Replica::from_mails(&mails);
    assert!(replica.stale.is_empty(), "{}: stale updates {:?}", who.1, replica.stale);
    let mailed: BTreeMap<String, Shown> = replica.only("meeting-").into_iter().map(|(k, v)| (k, v.1)).collect();
    let fed: BTreeMap<String, (u32, Shown)> = Replica::from_feed(&feed(app, ev, who).await).only("meeting-");
    let fed_shown: BTreeMap<String, Shown> = fed.iter().map(|(k, v)| (k.clone(), v.1.clone())).collect();
    assert_eq!(mailed, fed_shown, "{}: the mailed calendar differs from the feed", who.1);
    // The feed's SEQUENCE is the last one mailed.
    let mut last_seq: BTreeMap<String, u32> = BTreeMap::new();
    for m in &mails {
        for cal in calendars_of(m) {
            for it in items(&cal) {
                last_seq.insert(it.uid, it.sequence);
            }
        }
    }
    for (uid, (seq, _)) in &fed {
        assert_eq!(last_seq.get(uid), Some(seq), "{}: feed SEQUENCE of {uid}", who.1);
    }
    let page = who.2.get(&ev.public("/meetings")).await;
    let rows = page.body.matches("<tr id=\"meeting-").count();
    assert_eq!(rows, mailed.len(), "{}: my meetings lists {rows}, the calendar {}", who.1, mailed.len());
    mailed
}

fn first_calendar(mail: &Mail) -> Vec<crate::calendar::Item> {
    calendars_of(mail).iter().flat_map(|c| items(c)).collect()
}

async fn event_with(app: &TestApp, tables: &str, max: &str, until: &str) -> (Client, Ev) {
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Change Forum").await;
    open_matchmaking(&org, &ev, tables, max, &[(at(11, "09:00"), at(11, until))]).await;
    (org, ev)
}

async fn people(app: &TestApp, ev: &Ev, names: &[&str]) -> Vec<Who> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        out.push(participant(app, ev, n, &format!("Org {i}"), ["pharma", "academia"][i % 2], true, true).await);
    }
    out
}

// ---------------------------------------------------------------- defect 1

#[actix_web::test]
async fn accepting_a_request_sends_both_people_the_meeting_as_an_invitation() {
    let (app, sink) = TestApp::start().await;
    let (_, ev) = event_with(&app, "3", "4", "10:00").await;
    let p = people(&app, &ev, &["Ana Asker", "Ben Answer"]).await;
    let rid = request(&app, &ev, &p[0], &p[1]).await;
    let before = new_mail(&app, &sink, 0).await.len();
    accept(&ev, &p[1], rid).await;
    let mails = new_mail(&app, &sink, before).await;
    assert_eq!(recipients(&mails), [p[0].1.to_lowercase(), p[1].1.to_lowercase()].into(), "both, nobody else");
    let asker = mails.iter().find(|m| m.to.contains(&p[0].1)).expect("the requester's mail");
    let answerer = mails.iter().find(|m| m.to.contains(&p[1].1)).expect("the accepter's mail");
    assert!(asker.subject.contains("Ben Answer accepted your meeting request"), "{}", asker.subject);
    assert!(answerer.subject.contains("Meeting confirmed with Ana Asker"), "{}", answerer.subject);
    for (m, me) in [(asker, &p[0]), (answerer, &p[1])] {
        let cals = calendars_of(m);
        assert_eq!(cals.len(), 1, "one invitation:\n{}", m.raw);
        assert!(cals[0].contains("METHOD:REQUEST"), "{}", cals[0]);
        let unfolded = cals[0].replace("\r\n ", "").to_lowercase();
        assert!(unfolded.contains(&format!("mailto:{}", me.1.to_lowercase())), "attendee: {}", cals[0]);
        assert!(cals[0].contains("ORGANIZER"), "{}", cals[0]);
        assert!(m.raw.contains("method=REQUEST"), "the part names the method");
    }
    let (u1, u2) = (first_calendar(asker), first_calendar(answerer));
    assert_eq!(u1[0].uid, u2[0].uid, "one meeting, one UID");
    for who in &p {
        assert_eq!(assert_calendars_agree(&app, &sink, &ev, who).await.len(), 1);
    }
}

// ---------------------------------------------------------------- defects 7 and 10

#[actix_web::test]
async fn a_full_grid_makes_accepted_requests_wait_and_a_cancellation_places_them_and_names_people_once() {
    let (app, sink) = TestApp::start().await;
    // One slot, one table.
    let (_, ev) = event_with(&app, "1", "4", "09:30").await;
    let p = people(&app, &ev, &["Ana Asker", "Ben Answer", "Cleo Caller", "Dan Decider"]).await;
    let first = request(&app, &ev, &p[0], &p[1]).await;
    accept(&ev, &p[1], first).await;
    let second = request(&app, &ev, &p[2], &p[3]).await;
    let mark = new_mail(&app, &sink, 0).await.len();
    let page = accept(&ev, &p[3], second).await;
    assert!(page.has("id=\"waiting\""), "the accepter sees it waiting: {}", page.body);
    let other = p[2].2.get(&ev.public("/meetings")).await;
    assert!(other.has("id=\"waiting\"") && other.has("Dan Decider"), "so does the requester: {}", other.body);
    assert!(!page.body.contains("no common free slot"), "{}", page.body);
    let mails = new_mail(&app, &sink, mark).await;
    assert_eq!(recipients(&mails), [p[2].1.to_lowercase(), p[3].1.to_lowercase()].into());
    for m in &mails {
        assert!(m.subject.contains("waiting for a table"), "{}", m.subject);
        assert!(m.text.contains("automatically as soon as one frees up"), "{}", m.text);
    }

    // Ana cancels: Ben is told once, by name once; the freed table goes to Cleo and Dan.
    let mid: i64 = app.with_conn(|c| pm::table.filter(pm::event_id.eq(ev.id)).select(pm::id).first(c).expect("m"));
    let mark = sink.all().len();
    let r = p[0].2.post(&ev.public(&format!("/meetings/{mid}/cancel")), &[]).await;
    assert_eq!(r.status, 303);
    let mails = new_mail(&app, &sink, mark).await;
    assert_eq!(recipients(&mails), p.iter().map(|w| w.1.to_lowercase()).collect(), "the four people, once each");
    assert_eq!(mails.len(), 4);
    let to_ben = mails.iter().find(|m| m.to.contains(&p[1].1)).expect("Ben");
    let sentence = to_ben.text.lines().find(|l| l.contains("cancelled your meeting")).expect("the line");
    assert!(sentence.contains("Ana Asker cancelled your meeting on "), "{sentence}");
    assert_eq!(sentence.matches("Ana Asker").count(), 1, "{sentence}");
    let to_ana = mails.iter().find(|m| m.to.contains(&p[0].1)).expect("Ana");
    assert!(to_ana.text.contains("You cancelled your meeting with Ben Answer"), "{}", to_ana.text);
    for m in [to_ben, to_ana] {
        let it = first_calendar(m);
        assert_eq!((it.len(), it[0].method.as_str()), (1, "CANCEL"), "{}", m.raw);
        assert!(it[0].sequence >= 1, "a cancellation outranks the invitation");
    }
    for w in &p[2..] {
        let m = mails.iter().find(|m| m.to.contains(&w.1)).expect("placed");
        assert!(m.text.contains("A table became free"), "{}", m.text);
        assert_eq!(first_calendar(m)[0].method, "REQUEST");
    }
    for who in &p {
        assert_calendars_agree(&app, &sink, &ev, who).await;
    }
    assert!(!p[2].2.get(&ev.public("/meetings")).await.has("id=\"waiting\""));
}

// ---------------------------------------------------------------- defect 5

#[actix_web::test]
async fn accepting_at_ones_own_cap_is_refused_with_how_to_raise_it() {
    let (app, sink) = TestApp::start().await;
    let (_, ev) = event_with(&app, "5", "4", "11:00").await;
    let p = people(&app, &ev, &["Ana Asker", "Ben Busy", "Cleo Caller"]).await;
    app.with_conn(|c| {
        diesel::insert_into(match_profiles::table)
            .values((
                match_profiles::event_id.eq(ev.id),
                match_profiles::user_id.eq(p[1].0),
                match_profiles::max_meetings.eq(Some(1)),
                match_profiles::updated_at.eq(liaison::db::now()),
            ))
            .execute(c)
            .expect("cap")
    });
    let r1 = request(&app, &ev, &p[0], &p[1]).await;
    let r2 = request(&app, &ev, &p[2], &p[1]).await;
    accept(&ev, &p[1], r1).await;
    let mark = new_mail(&app, &sink, 0).await.len();
    let r = p[1].2.post(&ev.public(&format!("/requests/{r2}/accept")), &[]).await;
    assert_eq!(r.status, 303);
    let page = p[1].2.get(&ev.public("/meetings")).await;
    assert!(page.has("You already have 1 meetings, the most you take"), "{}", page.body);
    assert!(page.has("raise your limit on your matchmaking profile"), "{}", page.body);
    let status: String = app.with_conn(|c| mr::table.find(r2).select(mr::status).first(c).expect("status"));
    assert_eq!(status, "pending", "the request stays open");
    assert_eq!(meetings_of(&app, &ev).len(), 1, "no second meeting");
    assert!(new_mail(&app, &sink, mark).await.is_empty(), "nobody is told a false 'no common slot'");
    // A new request to someone at their cap is refused before it is sent.
    let third = people(&app, &ev, &["Dora Late"]).await;
    let r = third[0].2.post(&ev.public(&format!("/people/{}/request", p[1].0)), &[("message", "")]).await;
    assert_eq!(r.status, 422);
    assert!(r.has("already has as many meetings as they take"), "{}", r.body);
}

// ---------------------------------------------------------------- defect 6

#[actix_web::test]
async fn the_scheduler_and_accepted_requests_keep_peoples_sessions_free() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev) = event_with(&app, "4", "4", "10:00").await;
    let p = people(&app, &ev, &["Ana Agenda", "Ben Busy", "Cleo Calm", "Dan Free"]).await;
    let slots: Vec<(i64, chrono::NaiveDateTime, chrono::NaiveDateTime)> = app.with_conn(|c| {
        meeting_slots::table
            .filter(meeting_slots::event_id.eq(ev.id))
            .order(meeting_slots::starts_at)
            .select((meeting_slots::id, meeting_slots::starts_at, meeting_slots::ends_at))
            .load(c)
            .expect("slots")
    });
    assert_eq!(slots.len(), 2);
    // Ana added a session overlapping the first slot to her agenda.
    let session: i64 = app.with_conn(|c| {
        let t = liaison::db::now();
        diesel::insert_into(agenda_sessions::table)
            .values((
                agenda_sessions::event_id.eq(ev.id),
                agenda_sessions::guid.eq(uuid::Uuid::new_v4().to_string()),
                agenda_sessions::title.eq("Keynote"),
                agenda_sessions::abstract_text.eq(""),
                agenda_sessions::kind.eq("talk"),
                agenda_sessions::starts_at.eq(slots[0].1 - chrono::TimeDelta::minutes(10)),
                agenda_sessions::ends_at.eq(slots[0].1 + chrono::TimeDelta::minutes(10)),
                agenda_sessions::signup_required.eq(false),
                agenda_sessions::status.eq("scheduled"),
                agenda_sessions::created_at.eq(t),
                agenda_sessions::updated_at.eq(t),
            ))
            .returning(agenda_sessions::id)
            .get_result(c)
            .expect("session")
    });
    let r = p[0].2.post(&ev.public(&format!("/sessions/{session}/add")), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(app.with_conn(|c| session_signups::table.count().get_result::<i64>(c).expect("n")), 1);
    // An accepted request goes to the second slot although the first has more free tables.
    let rid = request(&app, &ev, &p[1], &p[0]).await;
    accept(&ev, &p[0], rid).await;
    let placed = meetings_of(&app, &ev);
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].1, slots[1].0, "not during Ana's keynote");
    // The scheduler never puts Ana in the first slot either.
    assert_eq!(org.post(&ev.org("/meetings/schedule"), &[]).await.status, 303);
    for m in meetings_of(&app, &ev) {
        assert!(!(m.1 == slots[0].0 && (m.3 == p[0].0 || m.4 == p[0].0)), "a meeting during Ana's session: {m:?}");
    }
    // Unless she says she meets during sessions: then the first slot is hers too.
    let r = p[0]
        .2
        .post(
            &ev.public("/matchmaking"),
            &[
                ("matchmaking_consent", "on"),
                ("directory_consent", "on"),
                ("about", ""),
                ("max_meetings", ""),
                ("meet_during_sessions", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let free: bool = app.with_conn(|c| {
        match_profiles::table
            .find((ev.id, p[0].0))
            .select(match_profiles::meet_during_sessions)
            .first(c)
            .expect("profile")
    });
    assert!(free);
    // A new accepted request may now use the first slot (it has the most free tables).
    let rid = request(&app, &ev, &p[3], &p[0]).await;
    accept(&ev, &p[0], rid).await;
    let dan = meetings_of(&app, &ev).into_iter().find(|m| m.3 == p[3].0 || m.4 == p[3].0).expect("placed");
    assert_eq!(dan.1, slots[0].0, "during the keynote, as Ana allows");
}

// ---------------------------------------------------------------- defect 2

#[actix_web::test]
async fn deleting_an_account_cancels_its_meetings_for_the_partners_and_frees_the_table() {
    let (app, sink) = TestApp::start().await;
    let (org, ev) = event_with(&app, "1", "4", "09:30").await;
    let p = people(&app, &ev, &["Ana Leaving", "Ben Partner", "Cleo Caller", "Dan Decider"]).await;
    let rid = request(&app, &ev, &p[0], &p[1]).await;
    accept(&ev, &p[1], rid).await;
    // Published and locked by the organisers.
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    let mid = meetings_of(&app, &ev)[0].0;
    assert_eq!(org.post(&ev.org(&format!("/meetings/{mid}/lock")), &[("locked", "yes")]).await.status, 303);
    let waiting = request(&app, &ev, &p[2], &p[3]).await;
    accept(&ev, &p[3], waiting).await;
    let mark = new_mail(&app, &sink, 0).await.len();
    let r = p[0].2.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mails = new_mail(&app, &sink, mark).await;
    let to_ben: Vec<&Mail> = mails.iter().filter(|m| m.to.contains(&p[1].1)).collect();
    assert_eq!(to_ben.len(), 1, "one notice to the partner");
    assert!(to_ben[0].text.contains("deleted their account"), "{}", to_ben[0].text);
    assert!(!to_ben[0].text.contains("Ana Leaving"), "the deleted person's name is erased: {}", to_ben[0].text);
    let it = first_calendar(to_ben[0]);
    assert_eq!(it[0].method, "CANCEL");
    assert_calendars_agree(&app, &sink, &ev, &p[1]).await;
    // The freed table went to the waiting pair.
    for w in &p[2..] {
        let m = mails.iter().find(|m| m.to.contains(&w.1)).expect("placed");
        assert!(m.text.contains("A table became free"), "{}", m.text);
        assert_calendars_agree(&app, &sink, &ev, w).await;
    }
    assert!(
        mails.iter().filter(|m| m.to.contains(&p[0].1)).all(|m| !m.text.contains("meeting")),
        "the deleted person gets no meeting notice"
    );
}

// ---------------------------------------------------------------- defects 3 and the draft

#[actix_web::test]
async fn after_publishing_reruns_and_moves_change_a_draft_and_republishing_mails_only_the_net_change() {
    let (app, sink) = TestApp::start().await;
    let (org, ev) = event_with(&app, "3", "3", "11:00").await;
    let p = people(&app, &ev, &["Ana A", "Ben B", "Cleo C", "Dan D", "Eva E", "Finn F"]).await;
    // Suggestions need profiles; requests are simplest: three accepted pairs.
    for (a, b) in [(0, 1), (2, 3), (4, 5)] {
        let rid = request(&app, &ev, &p[a], &p[b]).await;
        accept(&ev, &p[b], rid).await;
    }
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    let mark = new_mail(&app, &sink, 0).await.len();

    // The organisers move Ana and Ben's meeting twice in the draft: nobody is told yet, and
    // the participants still see the published time.
    let all = meetings_of(&app, &ev);
    let ab = all.iter().find(|m| (m.3, m.4) == (p[0].0.min(p[1].0), p[0].0.max(p[1].0))).expect("ab").clone();
    let slots: Vec<i64> = app.with_conn(|c| {
        meeting_slots::table
            .filter(meeting_slots::event_id.eq(ev.id))
            .order(meeting_slots::starts_at)
            .select(meeting_slots::id)
            .load(c)
            .expect("slots")
    });
    let my_table = |body: String| extract(&body, "id=\"my-meetings\"", "</table>").expect("my meetings");
    let published_page = my_table(p[0].2.get(&ev.public("/meetings")).await.body);
    let free = |slot: i64, m: &[(i64, i64, i32, i64, i64, String, bool)]| {
        (1..=3).find(|t| !m.iter().any(|x| x.1 == slot && x.2 == *t)).expect("a free table")
    };
    let others: Vec<i64> = slots.iter().copied().filter(|s| *s != ab.1).collect();
    for target in [others[0], others[1]] {
        let now = meetings_of(&app, &ev);
        let t = free(target, &now).to_string();
        let r = org
            .post(&ev.org(&format!("/meetings/{}/move", ab.0)), &[("slot", &target.to_string()), ("table", &t)])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    // Cleo and Dan's meeting is removed in the draft; the scheduler runs again.
    let cd = all.iter().find(|m| (m.3, m.4) == (p[2].0.min(p[3].0), p[2].0.max(p[3].0))).expect("cd").clone();
    assert_eq!(org.post(&ev.org(&format!("/meetings/{}/cancel", cd.0)), &[]).await.status, 303);
    assert_eq!(org.post(&ev.org("/meetings/schedule"), &[]).await.status, 303);
    assert!(new_mail(&app, &sink, mark).await.is_empty(), "draft changes mail nobody");
    let seen = my_table(p[0].2.get(&ev.public("/meetings")).await.body);
    assert_eq!(seen, published_page, "participants see the published version");
    let grid = org.get(&ev.org("/meetings")).await;
    assert!(grid.has("id=\"draft-changes\""), "{}", grid.body);
    let review = org.get(&ev.org("/meetings/review")).await;
    assert!(review.has("Ana A") && review.has("moves from"), "{}", review.body);
    assert!(review.has("Cleo C") && review.has("is cancelled"), "{}", review.body);
    assert!(!review.has("Eva E"), "untouched people are not in the review: {}", review.body);

    // Publishing mails the four touched people once each: the net move, the cancellation.
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    let mails = new_mail(&app, &sink, mark).await;
    let touched: BTreeSet<String> = p[..4].iter().map(|w| w.1.to_lowercase()).collect();
    assert_eq!(recipients(&mails), touched, "only the people the change touches");
    assert_eq!(mails.len(), 4);
    let to_ana = mails.iter().find(|m| m.to.contains(&p[0].1)).expect("Ana");
    assert_eq!(to_ana.text.matches("moves to").count(), 1, "one net move, not each save: {}", to_ana.text);
    assert!(to_ana.text.contains("it was on"), "{}", to_ana.text);
    let to_cleo = mails.iter().find(|m| m.to.contains(&p[2].1)).expect("Cleo");
    assert!(to_cleo.text.contains("The organisers cancelled your meeting with Dan D"), "{}", to_cleo.text);
    assert_eq!(first_calendar(to_cleo)[0].method, "CANCEL");
    for who in &p {
        assert_calendars_agree(&app, &sink, &ev, who).await;
    }

    // Moving it away and back before publishing sends nothing.
    let mark = sink.all().len();
    let now = meetings_of(&app, &ev);
    let ab_now = now.iter().find(|m| m.0 == ab.0).expect("ab").clone();
    let elsewhere = slots.iter().copied().find(|s| *s != ab_now.1).expect("another slot");
    let t = free(elsewhere, &now).to_string();
    org.post(&ev.org(&format!("/meetings/{}/move", ab.0)), &[("slot", &elsewhere.to_string()), ("table", &t)]).await;
    let r = org
        .post(
            &ev.org(&format!("/meetings/{}/move", ab.0)),
            &[("slot", &ab_now.1.to_string()), ("table", &ab_now.2.to_string())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    assert!(new_mail(&app, &sink, mark).await.is_empty(), "no net change, no mail");
}

// ---------------------------------------------------------------- leaving

#[actix_web::test]
async fn leaving_matchmaking_after_publishing_cancels_at_once_for_both() {
    let (app, sink) = TestApp::start().await;
    let (org, ev) = event_with(&app, "3", "3", "10:00").await;
    let p = people(&app, &ev, &["Ana Away", "Ben Back", "Cleo Calm"]).await;
    for b in [1, 2] {
        let rid = request(&app, &ev, &p[0], &p[b]).await;
        accept(&ev, &p[b], rid).await;
    }
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    let mark = new_mail(&app, &sink, 0).await.len();
    let r = p[0]
        .2
        .post(&ev.public("/matchmaking"), &[("directory_consent", "on"), ("about", ""), ("max_meetings", "")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let mails = new_mail(&app, &sink, mark).await;
    assert_eq!(recipients(&mails), p.iter().map(|w| w.1.to_lowercase()).collect());
    assert_eq!(mails.len(), 3, "one each; Ana's lists both meetings");
    let to_ben = mails.iter().find(|m| m.to.contains(&p[1].1)).expect("Ben");
    assert!(to_ben.text.contains("Ana Away left matchmaking"), "{}", to_ben.text);
    let to_ana = mails.iter().find(|m| m.to.contains(&p[0].1)).expect("Ana");
    assert_eq!(first_calendar(to_ana).len(), 2, "two cancellations");
    for who in &p {
        assert!(assert_calendars_agree(&app, &sink, &ev, who).await.is_empty());
    }
    // The organisers' draft lost them too: publishing again changes nothing.
    let review = org.get(&ev.org("/meetings/review")).await;
    assert!(review.has("id=\"no-changes\""), "{}", review.body);
}

// ---------------------------------------------------------------- a week of changes

/// Each person's published meetings: partner → (start, table).
fn snapshot(app: &TestApp, ev: &Ev) -> BTreeMap<i64, BTreeMap<i64, (chrono::NaiveDateTime, i32)>> {
    let rows: Vec<(i64, i64, chrono::NaiveDateTime, i32)> = app.with_conn(|c| {
        pm::table
            .filter(pm::event_id.eq(ev.id).and(pm::active.eq(true)))
            .select((pm::a_user, pm::b_user, pm::starts_at, pm::table_no))
            .load(c)
            .expect("published")
    });
    let mut out: BTreeMap<i64, BTreeMap<i64, (chrono::NaiveDateTime, i32)>> = BTreeMap::new();
    for (a, b, t, n) in rows {
        out.entry(a).or_default().insert(b, (t, n));
        out.entry(b).or_default().insert(a, (t, n));
    }
    out
}

/// How many of a person's meetings differ between two snapshots.
fn changes_for(
    before: &BTreeMap<i64, BTreeMap<i64, (chrono::NaiveDateTime, i32)>>,
    after: &BTreeMap<i64, BTreeMap<i64, (chrono::NaiveDateTime, i32)>>,
    who: i64,
) -> usize {
    let empty = BTreeMap::new();
    let (b, a) = (before.get(&who).unwrap_or(&empty), after.get(&who).unwrap_or(&empty));
    let partners: BTreeSet<&i64> = b.keys().chain(a.keys()).collect();
    partners.into_iter().filter(|p| b.get(*p) != a.get(*p)).count()
}

/// Runs one step and checks its mail: exactly the people whose meetings changed get exactly one
/// notice each, listing exactly their changes; `except` (a deleted account) gets no notice.
async fn step(
    app: &TestApp,
    sink: &SmtpSink,
    ev: &Ev,
    people: &[Who],
    except: Option<&Who>,
    run: impl std::future::Future<Output = ()>,
) {
    let before = snapshot(app, ev);
    let mark = new_mail(app, sink, 0).await.len();
    run.await;
    let mails = new_mail(app, sink, mark).await;
    let after = snapshot(app, ev);
    for w in people {
        let n = changes_for(&before, &after, w.0);
        let notices: Vec<&Mail> = mails
            .iter()
            .filter(|m| m.to.contains(&w.1))
            .filter(|m| m.text.contains("Your meetings now:") || m.text.contains("You have no meetings now."))
            .collect();
        if except.is_some_and(|x| x.0 == w.0) {
            assert!(notices.is_empty(), "{} was deleted and gets no notice", w.1);
            continue;
        }
        if n == 0 {
            assert!(
                notices.is_empty(),
                "{} has no change but got {:?}",
                w.1,
                notices.iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            continue;
        }
        assert_eq!(notices.len(), 1, "{}: one notice for {n} changes", w.1);
        let head = notices[0].text.split("Your meetings now:").next().unwrap_or_default();
        let head = head.split("You have no meetings now.").next().unwrap_or_default();
        let listed = head.lines().filter(|l| l.trim_start().starts_with("• ")).count();
        assert_eq!(listed.max(1), n, "{}: the notice lists each change once:\n{}", w.1, notices[0].text);
    }
}

#[actix_web::test]
async fn a_week_of_changes_reaches_each_person_as_net_notices_and_every_calendar_matches_the_feed() {
    let (app, sink) = TestApp::start().await;
    let (org, ev) = event_with(&app, "4", "3", "12:00").await;
    let names = ["Ana", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gus", "Hana"];
    let p = people(&app, &ev, &names.map(|n| format!("{n} Week")).iter().map(String::as_str).collect::<Vec<_>>()).await;
    let (onc, cpd) =
        (crate::matchmaking::topic(&app, &ev, "Oncology"), crate::matchmaking::topic(&app, &ev, "Compound libraries"));
    for (i, w) in p.iter().enumerate() {
        let (offer, seek) = if i % 2 == 0 { (&cpd, &onc) } else { (&onc, &cpd) };
        crate::matchmaking::add_opportunity(&w.2, &ev, "offer", "What we offer", &[offer]).await;
        crate::matchmaking::add_opportunity(&w.2, &ev, "request", "What we seek", &[seek]).await;
    }
    // Monday: two accepted requests, one left open.
    for (a, b) in [(0, 1), (2, 3)] {
        step(&app, &sink, &ev, &p, None, async {
            let rid = request(&app, &ev, &p[a], &p[b]).await;
            accept(&ev, &p[b], rid).await;
        })
        .await;
    }
    request(&app, &ev, &p[4], &p[5]).await;
    // Tuesday: the scheduler fills the grid; publishing mails each person their schedule.
    step(&app, &sink, &ev, &p, None, async {
        assert_eq!(org.post(&ev.org("/meetings/schedule"), &[]).await.status, 303);
        assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    })
    .await;
    assert!(snapshot(&app, &ev).len() >= 6, "the scheduler gave most people meetings");
    // Wednesday: two moves of one meeting and a cancellation in the draft, then publish.
    step(&app, &sink, &ev, &p, None, async {
        let all = meetings_of(&app, &ev);
        let slots: Vec<i64> = app.with_conn(|c| {
            meeting_slots::table.filter(meeting_slots::event_id.eq(ev.id)).select(meeting_slots::id).load(c).expect("s")
        });
        // A free place for meeting `id`: a slot where neither person meets, with a free table.
        let place_for = |id: i64| {
            let now = meetings_of(&app, &ev);
            let me = now.iter().find(|x| x.0 == id).expect("m").clone();
            slots.iter().copied().find_map(|s| {
                let busy = now.iter().any(|x| x.1 == s && [x.3, x.4].iter().any(|u| *u == me.3 || *u == me.4));
                let t = (1..=4).find(|t| !now.iter().any(|x| x.1 == s && x.2 == *t))?;
                (s != me.1 && !busy).then_some((s, t))
            })
        };
        let m = all.iter().find(|x| place_for(x.0).is_some()).expect("a movable meeting").clone();
        for _ in 0..2 {
            let (target, t) = place_for(m.0).expect("a free place");
            let r = org
                .post(
                    &ev.org(&format!("/meetings/{}/move", m.0)),
                    &[("slot", &target.to_string()), ("table", &t.to_string())],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.body);
        }
        let victim = all.iter().find(|x| x.5 == "suggested" && x.0 != m.0).expect("a suggested meeting").0;
        assert_eq!(org.post(&ev.org(&format!("/meetings/{victim}/cancel")), &[]).await.status, 303);
        assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    })
    .await;
    // Thursday: Gus cancels one of his meetings himself.
    step(&app, &sink, &ev, &p, None, async {
        let mine = p[6].2.get(&ev.public("/meetings")).await;
        if let Some(id) = extract(&mine.body, "<tr id=\"meeting-", "\"") {
            let r = p[6].2.post(&ev.public(&format!("/meetings/{id}/cancel")), &[]).await;
            assert_eq!(r.status, 303);
        }
    })
    .await;
    // Friday: Hana deletes her account; Finn leaves matchmaking.
    step(&app, &sink, &ev, &p, Some(&p[7]), async {
        assert_eq!(p[7].2.post("/account/delete", &[("password", PASSWORD)]).await.status, 303);
    })
    .await;
    step(&app, &sink, &ev, &p[..7], None, async {
        let r = p[5]
            .2
            .post(&ev.public("/matchmaking"), &[("directory_consent", "on"), ("about", ""), ("max_meetings", "")])
            .await;
        assert_eq!(r.status, 303);
    })
    .await;
    // Saturday: the scheduler runs again and the organisers publish.
    step(&app, &sink, &ev, &p[..7], None, async {
        assert_eq!(org.post(&ev.org("/meetings/schedule"), &[]).await.status, 303);
        assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    })
    .await;
    // Everyone's calendar, built from every mail in order, is their feed and their page.
    for w in &p[..7] {
        assert_calendars_agree(&app, &sink, &ev, w).await;
    }
}

// ---------------------------------------------------------------- a request meets a suggestion

#[actix_web::test]
async fn accepting_a_request_for_a_pair_the_draft_already_suggests_places_it_once() {
    let (app, sink) = TestApp::start().await;
    let (org, ev) = event_with(&app, "2", "4", "10:00").await;
    let p = people(&app, &ev, &["Ana Asker", "Ben Answer", "Cleo Calm", "Dan Done"]).await;
    let rid = request(&app, &ev, &p[0], &p[1]).await;
    // While the request waits, the draft holds a suggestion for the same pair (as "Schedule
    // all" makes from profiles).
    let slot: i64 = app.with_conn(|c| {
        meeting_slots::table.filter(meeting_slots::event_id.eq(ev.id)).select(meeting_slots::id).first(c).expect("slot")
    });
    app.with_conn(|c| {
        let (a, b) = (p[0].0.min(p[1].0), p[0].0.max(p[1].0));
        let t = liaison::db::now();
        let id: i64 = diesel::insert_into(liaison::db::schema::meetings::table)
            .values((
                liaison::db::schema::meetings::event_id.eq(ev.id),
                liaison::db::schema::meetings::slot_id.eq(slot),
                liaison::db::schema::meetings::table_no.eq(2),
                liaison::db::schema::meetings::a_user.eq(a),
                liaison::db::schema::meetings::b_user.eq(b),
                liaison::db::schema::meetings::origin.eq("suggested"),
                liaison::db::schema::meetings::created_at.eq(t),
                liaison::db::schema::meetings::updated_at.eq(t),
            ))
            .returning(liaison::db::schema::meetings::id)
            .get_result(c)
            .expect("draft meeting");
        for u in [a, b] {
            diesel::insert_into(liaison::db::schema::meeting_seats::table)
                .values((
                    liaison::db::schema::meeting_seats::slot_id.eq(slot),
                    liaison::db::schema::meeting_seats::user_id.eq(u),
                    liaison::db::schema::meeting_seats::meeting_id.eq(id),
                ))
                .execute(c)
                .expect("seat");
        }
    });
    let page = accept(&ev, &p[1], rid).await;
    assert!(page.has("<tr id=\"meeting-"), "placed at once and visible: {}", page.body);
    let drafts = meetings_of(&app, &ev);
    assert_eq!(drafts.len(), 1, "one meeting for the pair: {drafts:?}");
    assert_eq!(drafts[0].5, "request");
    // A second pair: the request waited, the suggestion was published meanwhile.
    let rid = request(&app, &ev, &p[2], &p[3]).await;
    let (a, b) = (p[2].0.min(p[3].0), p[2].0.max(p[3].0));
    let free = (1..=2).find(|t| !drafts.iter().any(|m| m.1 == slot && m.2 == *t)).expect("table");
    let mark = new_mail(&app, &sink, 0).await.len();
    app.with_conn(|c| {
        let t = liaison::db::now();
        diesel::insert_into(liaison::db::schema::meetings::table)
            .values((
                liaison::db::schema::meetings::event_id.eq(ev.id),
                liaison::db::schema::meetings::slot_id.eq(slot),
                liaison::db::schema::meetings::table_no.eq(free),
                liaison::db::schema::meetings::a_user.eq(a),
                liaison::db::schema::meetings::b_user.eq(b),
                liaison::db::schema::meetings::origin.eq("suggested"),
                liaison::db::schema::meetings::created_at.eq(t),
                liaison::db::schema::meetings::updated_at.eq(t),
            ))
            .execute(c)
            .expect("draft meeting");
    });
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    let r = p[3].2.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(meetings_of(&app, &ev).len(), 2, "still one meeting per pair");
    let mails = new_mail(&app, &sink, mark).await;
    assert_eq!(mails.iter().filter(|m| m.to.contains(&p[2].1)).count(), 1, "the publish notice only");
    for w in &p {
        assert_calendars_agree(&app, &sink, &ev, w).await;
    }
}
