//! The event hub and the phone-first day pages (issue 13): each role finds everything about
//! an event from its page, next steps follow what happens, nobody's hub reaches another
//! visitor through the page cache, and the day pages read at 390 px in real Chromium.

use std::collections::BTreeSet;
use std::time::Duration;

use diesel::prelude::*;
use liaison::db::schema::{profile_interests, registrations, users};

use crate::agenda::{add_room, at, create_event, create_session, register, SessionFields};
use crate::matchmaking::{open_matchmaking, participant, topic, Ev as MmEv};
use crate::support::*;

fn mm(ev: &crate::agenda::Ev) -> MmEv {
    MmEv { id: ev.id, slug: ev.slug.clone() }
}

/// The hrefs of a page, as written.
fn hrefs(body: &str) -> BTreeSet<String> {
    body.split("href=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_string).collect()
}

/// The text of the next-steps box (empty when there is none), tags removed.
fn steps(body: &str) -> String {
    let Some(start) = body.find("id=\"next-steps\"") else { return String::new() };
    let rest = &body[start..];
    let section = &rest[..rest.find("</section>").unwrap_or(rest.len())];
    let mut out = String::new();
    let mut in_tag = false;
    for ch in section.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'").replace("&#39;", "'")
}

/// Every id on the page appears once.
fn assert_unique_ids(body: &str, what: &str) {
    let mut seen = BTreeSet::new();
    for id in body.split(" id=\"").skip(1).filter_map(|s| s.split('"').next()) {
        assert!(seen.insert(id.to_string()), "{what}: id {id} twice");
    }
}

#[actix_web::test]
async fn the_hub_gives_each_role_its_links_and_no_others() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Hub Forum", "published").await;
    let room = add_room(&app, &org, &ev, "Room A", "").await;
    create_session(&app, &org, &ev, &SessionFields::talk("Hub keynote", at(10, "10:00"), at(10, "11:00"), room)).await;
    let hub = ev.public("");
    let participant_links = ["/my-agenda", "/matches", "/meetings", "/directory", "/profile"]
        .map(|p| ev.public(p))
        .into_iter()
        .collect::<Vec<_>>();
    let tools = ["", "/registrants", "/desk", "/agenda", "/matchmaking", "/meetings", "/print/tables"]
        .map(|p| ev.org(p))
        .into_iter()
        .collect::<Vec<_>>();

    // A visitor: the programme, its calendar (webcal and https), the frab exports, register.
    let anon = app.client().get(&hub).await;
    assert_eq!(anon.status, 200);
    let links = hrefs(&anon.body);
    for p in ["/agenda", "/agenda.ics", "/schedule.xml", "/schedule.json", "/register"] {
        assert!(links.contains(&ev.public(p)), "a visitor's link to {p}: {links:?}");
    }
    let webcal = links.iter().find(|l| l.starts_with("webcal://")).expect("a webcal subscription");
    assert!(webcal.ends_with(&ev.public("/agenda.ics")), "{webcal}");
    assert!(!anon.body.contains("/organise/"), "no organiser tools for a visitor");
    for l in &participant_links {
        assert!(!links.contains(l), "no participant link {l} for a visitor");
    }
    assert!(steps(&anon.body).is_empty(), "no steps for a visitor");
    assert_unique_ids(&anon.body, "hub (visitor)");

    // Signed in, not registered: register, the programme and one's agenda; nothing personal yet.
    let sam = app.quick_user("Sam Stranger", &email("sam"), "attendee").await;
    let page = sam.get(&hub).await;
    let links = hrefs(&page.body);
    assert!(links.contains(&ev.public("/register")) && links.contains(&ev.public("/agenda")));
    assert!(!links.contains(&ev.public("/matches")) && !links.contains(&ev.public("/directory")));
    assert!(!page.body.contains("/organise/"));

    // A confirmed participant: everything of theirs, no organiser tools.
    let ann = app.quick_user("Ann Attendee", &email("ann"), "attendee").await;
    register(&ann, &ev).await;
    let page = ann.get(&hub).await;
    let links = hrefs(&page.body);
    for l in participant_links.iter().chain([&"/my/registrations".to_string(), &ev.public("/my-agenda#feed")]) {
        assert!(links.contains(l), "a participant's link to {l}: {links:?}");
    }
    for p in ["/agenda", "/agenda.ics", "/schedule.xml", "/schedule.json"] {
        assert!(links.contains(&ev.public(p)), "the programme links stay: {p}");
    }
    assert!(!page.body.contains("/organise/"), "no organiser links for a participant: {}", page.body);
    assert!(steps(&page.body).contains("Registration confirmed."), "{}", page.body);
    assert_unique_ids(&page.body, "hub (participant)");
    // The programme is one tap away on every participant page, and back again.
    for p in ["/my-agenda", "/meetings", "/matches", "/directory"] {
        let page = ann.get(&ev.public(p)).await;
        assert_eq!(page.status, 200, "{p}");
        let links = hrefs(&page.body);
        assert!(links.contains(&ev.public("/agenda")), "{p} links the programme");
        assert!(links.contains(&ev.public("/my-agenda")), "{p} links my agenda");
        assert!(links.contains(&hub), "{p} links the hub");
    }
    let programme = ann.get(&ev.public("/agenda")).await;
    assert!(hrefs(&programme.body).contains(&ev.public("/my-agenda")) && hrefs(&programme.body).contains(&hub));

    // The organiser: the same plus their tools.
    let page = org.get(&hub).await;
    let links = hrefs(&page.body);
    for l in &tools {
        assert!(links.contains(l), "an organiser's tool {l}: {links:?}");
    }
    assert!(links.contains(&ev.public("/agenda")));
    assert_unique_ids(&page.body, "hub (organiser)");

    // Another organiser's tools are not offered to an organiser of a different event.
    let other = app.quick_user("Otto Other", &email("otto"), "organiser").await;
    assert!(!other.get(&hub).await.body.contains(&ev.org("")), "not their event");
}

#[actix_web::test]
async fn next_steps_appear_and_go_as_things_happen() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let aev = create_event(&org, "Steps Forum", "published").await;
    let ev = mm(&aev);
    // One slot with one table: the second accepted pair waits for a table.
    open_matchmaking(&org, &ev, "1", "4", &[(at(11, "09:00"), at(11, "09:30"))]).await;
    let hub = ev.public("");
    let (ana_id, _, ana) = participant(&app, &ev, "Ana Academic", "KU Leuven", "academia", true, true).await;
    let (pia_id, _, pia) = participant(&app, &ev, "Pia Pharma", "Acme Pharma", "pharma", true, true).await;
    let (_, _, cas) = participant(&app, &ev, "Cas Clinic", "UZ Gent", "hospital", true, true).await;
    let (dan_id, _, dan) = participant(&app, &ev, "Dan Data", "Data Corp", "biotech_sme", true, true).await;

    // Ana has an organisation but no about text and no topic yet.
    let s = steps(&ana.get(&hub).await.body);
    assert!(s.contains("Complete your profile: add an about text and at least one topic."), "{s}");
    assert!(s.find("Complete your profile") < s.find("Registration confirmed."), "most urgent first: {s}");
    let (onc, uid) = (topic(&app, &ev, "Oncology").parse::<i64>().expect("topic"), ana_id);
    app.with_conn(|c| {
        diesel::update(users::table.find(uid)).set(users::bio.eq("Glioma biology.")).execute(c).expect("bio");
    });
    let s = steps(&ana.get(&hub).await.body);
    assert!(s.contains("Complete your profile: add at least one topic."), "{s}");
    let eid = ev.id;
    app.with_conn(|c| {
        diesel::insert_into(profile_interests::table)
            .values((
                profile_interests::event_id.eq(eid),
                profile_interests::user_id.eq(uid),
                profile_interests::topic_id.eq(onc),
            ))
            .execute(c)
            .expect("interest")
    });
    let s = steps(&ana.get(&hub).await.body);
    assert!(!s.contains("Complete your profile"), "a complete profile: {s}");

    // A request waits for Pia's answer; it goes when she answers.
    let r = ana.post(&ev.public(&format!("/people/{pia_id}/request")), &[("message", "Let us talk.")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = pia.get(&hub).await;
    let s = steps(&page.body);
    assert!(s.contains("1 meeting request waits for your answer."), "{s}");
    assert!(hrefs(&page.body).contains(&ev.public("/meetings#incoming")));
    assert!(page.has("id=\"to-answer\""), "the count beside my meetings");
    assert!(!steps(&ana.get(&hub).await.body).contains("waits for your answer"), "not for the asker");
    let rid: i64 = app.with_conn(|c| {
        use liaison::db::schema::meeting_requests as mr;
        mr::table.filter(mr::to_user.eq(pia_id)).select(mr::id).first(c).expect("request")
    });
    assert_eq!(pia.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await.status, 303);
    let s = steps(&pia.get(&hub).await.body);
    assert!(!s.contains("waits for your answer") && !s.contains("wait for a table"), "answered and placed: {s}");

    // The only table is taken: Cas and Dan's accepted request waits for one.
    let r = cas.post(&ev.public(&format!("/people/{dan_id}/request")), &[("message", "")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rid: i64 = app.with_conn(|c| {
        use liaison::db::schema::meeting_requests as mr;
        mr::table.filter(mr::to_user.eq(dan_id)).select(mr::id).first(c).expect("request")
    });
    assert_eq!(dan.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await.status, 303);
    let s = steps(&cas.get(&hub).await.body);
    assert!(s.contains("1 accepted request waits for a table"), "{s}");
    assert!(!steps(&ana.get(&hub).await.body).contains("wait for a table"));

    // The organisers publish: the schedule is announced with the person's count.
    assert!(!steps(&ana.get(&hub).await.body).contains("schedule is published"));
    assert_eq!(org.post(&ev.org("/meetings/publish"), &[]).await.status, 303);
    let s = steps(&ana.get(&hub).await.body);
    assert!(s.contains("Your meeting schedule is published: 1 meeting."), "{s}");
    let s = steps(&cas.get(&hub).await.body);
    assert!(s.contains("The meeting schedule is published and holds no meeting for you yet"), "{s}");

    // A registration awaiting approval is the organisers' step, and a waitlisted person sees
    // their place instead of participant steps.
    let sam_addr = email("sam");
    let sam_id = app.insert_user("Sam Waiting", &sam_addr, "attendee", "", "", "");
    app.insert_registration(ev.id, sam_id, false, false);
    let sam = app.client();
    assert_eq!(sam.login(&sam_addr, PASSWORD).await.status, 303);
    assert!(!steps(&org.get(&hub).await.body).contains("approval"), "nothing awaits approval yet");
    let set_status = |status: &'static str, n: Option<i32>| {
        app.with_conn(|c| {
            diesel::update(registrations::table.filter(registrations::user_id.eq(sam_id)))
                .set((registrations::status.eq(status), registrations::waitlist_number.eq(n)))
                .execute(c)
                .expect("status")
        })
    };
    set_status("pending", None);
    let s = steps(&org.get(&hub).await.body);
    assert!(s.contains("1 registration awaits your approval."), "{s}");
    assert!(hrefs(&org.get(&hub).await.body).contains(&ev.org("/registrants?status=pending")));
    let s = steps(&sam.get(&hub).await.body);
    assert!(s.contains("awaits the organisers' approval") && !s.contains("Complete your profile"), "{s}");
    set_status("waitlisted", Some(1));
    let s = steps(&sam.get(&hub).await.body);
    assert!(s.contains("You are on the waiting list (position 1)."), "{s}");
    assert!(!steps(&org.get(&hub).await.body).contains("approval"), "approved or not, no longer pending");
}

#[actix_web::test]
async fn a_cached_hub_never_carries_one_persons_page_to_another() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let aev = create_event(&org, "Cache Forum", "published").await;
    let ev = mm(&aev);
    let hub = ev.public("");
    let (_, _, ann) = participant(&app, &ev, "Annabel Private", "Secret Org", "academia", true, true).await;
    let (_, _, bob) = participant(&app, &ev, "Bob Other", "Other Org", "pharma", true, true).await;

    let visitor = app.client();
    let first = visitor.get(&hub).await;
    let mine = ann.get(&hub).await;
    assert!(mine.has("Annabel Private") && mine.has("id=\"next-steps\""), "Ann's own hub: {}", mine.body);
    for _ in 0..2 {
        let again = app.client().get(&hub).await;
        assert_eq!(again.status, 200);
        assert!(!again.has("Annabel Private") && !again.has("id=\"next-steps\"") && !again.has("/my-agenda"));
        assert!(!again.has("/organise/"));
    }
    let bobs = bob.get(&hub).await;
    assert!(bobs.has("Bob Other") && !bobs.has("Annabel Private"), "Bob sees his hub, not Ann's");
    // The organiser's page (tools, counts) is not kept for anyone either.
    assert!(org.get(&hub).await.has(&ev.org("/desk")));
    let later = app.client().get(&hub).await;
    assert!(!later.has("/organise/") && !later.has("Olga Organiser"));
    // Each visitor gets their own form token in the shared page.
    let token = |b: &str| extract(b, "name=\"csrf-token\" content=\"", "\"").expect("token");
    assert_ne!(token(&first.body), token(&later.body));
    assert!(!later.has(liaison::web::cache::TOKEN_SLOT));
}

#[actix_web::test]
async fn the_programme_carries_a_list_by_time_for_phones_beside_the_grid() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Five Rooms Forum", "published").await;
    let mut rooms = Vec::new();
    for n in 1..=5 {
        rooms.push(add_room(&app, &org, &ev, &format!("Auditorium number {n}"), "").await);
    }
    for (i, room) in rooms.iter().enumerate() {
        let f = SessionFields::talk(&format!("Parallel talk {i}"), at(10, "10:00"), at(10, "11:00"), *room);
        create_session(&app, &org, &ev, &f).await;
    }
    let keynote = create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Closing talk", at(10, "11:00"), at(10, "12:00"), rooms[0]),
    )
    .await;

    let ann = app.quick_user("Ann Attendee", &email("ann"), "attendee").await;
    register(&ann, &ev).await;
    for c in [&app.client(), &ann] {
        let page = c.get(&ev.public("/agenda")).await;
        assert_eq!(page.status, 200);
        assert!(page.has("<div class=\"wide-only\">") && page.has("id=\"grid\""), "the grid for wide screens");
        assert!(page.has("<div class=\"programme-list narrow-only\" id=\"phone-sessions\">"), "{}", page.body);
        let list = &page.body[page.body.find("id=\"phone-sessions\"").expect("list")..];
        assert!(list.find(">10:00</h2>") < list.find(">11:00</h2>"), "grouped by start time, in order");
        assert!(list.contains("<p class=\"session-time\">10:00–11:00 · Auditorium number 3</p>"), "with the room");
        assert_unique_ids(&page.body, "programme");
    }
    // The participant's list carries the add button; the grid does not repeat it.
    let page = ann.get(&ev.public("/agenda")).await;
    assert_eq!(page.body.matches(&format!("id=\"add-{keynote}\"")).count(), 1, "{}", page.body);
    // The list view alone is a list only.
    let list = app.client().get(&ev.public("/agenda?view=list")).await;
    assert!(list.has("id=\"sessions\"") && !list.has("id=\"grid\"") && !list.has("narrow-only"));
}

// ---------------------------------------------------------------- 390 px in real Chromium

#[actix_web::test]
async fn day_pages_fit_a_phone_and_the_programme_switches_between_list_and_grid() {
    use fantoccini::Locator;
    let Some(path) = crate::browser::chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the phone-width check");
        return;
    };
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let aev = create_event(&org, "Pharma meets Academia: partnering and matchmaking day", "published").await;
    let ev = mm(&aev);
    open_matchmaking(&org, &ev, "10", "6", &[(at(11, "09:00"), at(11, "11:00"))]).await;
    // A demo-like day: five rooms with long names, parallel sessions, long titles and names.
    let mut rooms = Vec::new();
    for n in 1..=5 {
        rooms.push(add_room(&app, &org, &aev, &format!("Auditorium Marie Skłodowska-Curie {n}"), "").await);
    }
    for (i, room) in rooms.iter().enumerate() {
        for (s, e) in [("10:00", "11:00"), ("11:00", "12:30")] {
            let f = SessionFields::talk(
                &format!("Pharmacokinetics-and-pharmacodynamics-modelling session {i} at {s}"),
                at(10, s),
                at(10, e),
                *room,
            )
            .speakers("Maximiliane Oberhauser-Wittgenstein | Universitätsklinikum Schleswig-Holstein");
            create_session(&app, &org, &aev, &f).await;
        }
    }
    let long_org = "Interuniversitair Micro-Elektronica Centrum Translational Research Department";
    let (_, ana_addr, ana) =
        participant(&app, &ev, "Anastasia Papadopoulou-Vandenberghe", long_org, "academia", true, true).await;
    let (pia_id, _, pia) =
        participant(&app, &ev, "Pia Pharmaceutical", "Acme Pharmaceuticals Incorporated", "pharma", true, true).await;
    let (_, _, _cas) = participant(&app, &ev, "Cas Clinic", "UZ Gent", "hospital", true, true).await;
    let sid =
        crate::agenda::session_id(&app, ev.id, "Pharmacokinetics-and-pharmacodynamics-modelling session 2 at 10:00");
    assert_eq!(ana.post(&ev.public(&format!("/sessions/{sid}/add")), &[]).await.status, 303);
    // Ana and Pia meet; Cas asks Ana, who has not answered yet.
    let r = ana
        .post(
            &ev.public(&format!("/people/{pia_id}/request")),
            &[("message", "Let us discuss the glioblastoma-organoid-biobank collaboration opportunities.")],
        )
        .await;
    assert_eq!(r.status, 303);
    let rid: i64 = app.with_conn(|c| {
        use liaison::db::schema::meeting_requests as mr;
        mr::table.filter(mr::to_user.eq(pia_id)).select(mr::id).first(c).expect("request")
    });
    assert_eq!(pia.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await.status, 303);
    let ana_id: i64 =
        app.with_conn(|c| users::table.filter(users::email.eq(&ana_addr)).select(users::id).first(c).expect("ana"));
    let r = _cas.post(&ev.public(&format!("/people/{ana_id}/request")), &[("message", "Hello")]).await;
    assert_eq!(r.status, 303);
    let incoming: i64 = app.with_conn(|c| {
        use liaison::db::schema::meeting_requests as mr;
        mr::table.filter(mr::to_user.eq(ana_id)).select(mr::id).first(c).expect("request")
    });
    // Someone who has not registered yet, for the registration form.
    let rita = email("rita");
    app.insert_user("Rita Registrant", &rita, "attendee", "", "", "");

    let driver = crate::browser::start_driver(&path).await;
    let b = crate::browser::browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone width");
    let fits = |what: &'static str| {
        let b = b.clone();
        async move {
            let w = b
                .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
                .await
                .expect("widths");
            let (page, screen) = (w[0].as_i64().expect("page"), w[1].as_i64().expect("screen"));
            assert!(page <= screen, "{what}: the page is {page} px wide on a {screen} px screen");
            assert!(screen <= 400, "{what}: a phone-sized window ({screen} px)");
        }
    };
    let shot = |name: &'static str| {
        let b = b.clone();
        async move {
            let png = b.screenshot().await.expect("screenshot");
            let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
            std::fs::write(&out, &png).expect("save screenshot");
        }
    };
    let go = |p: String| {
        let b = b.clone();
        let url = format!("{}{p}", app.base);
        async move {
            b.goto(&url).await.expect("page");
            b.wait().at_most(Duration::from_secs(15)).for_element(Locator::Css("main")).await.expect("main");
        }
    };

    // A visitor's hub and programme: the list shows, the grid does not.
    go(ev.public("")).await;
    fits("hub (visitor)").await;
    go(ev.public("/agenda")).await;
    fits("programme").await;
    assert!(b.find(Locator::Id("phone-sessions")).await.expect("list").is_displayed().await.expect("shown"));
    assert!(!b.find(Locator::Id("grid")).await.expect("grid").is_displayed().await.expect("hidden"));
    shot("programme-390.png").await;

    // The registration form, for someone not registered yet.
    crate::browser::log_in(&b, &app.base, &rita).await;
    go(ev.public("/register")).await;
    b.find(Locator::Id("organisation")).await.expect("the registration form");
    fits("registration form").await;
    b.delete_all_cookies().await.expect("log out");

    // A participant's day.
    crate::browser::log_in(&b, &app.base, &ana_addr).await;
    for (p, what) in [
        (ev.public(""), "hub (participant)"),
        (ev.public("/agenda"), "programme (participant)"),
        (ev.public("/my-agenda"), "my agenda"),
        (ev.public("/meetings"), "my meetings"),
        (ev.public(&format!("/requests/{incoming}")), "a request"),
    ] {
        go(p).await;
        fits(what).await;
    }
    go(ev.public("")).await;
    assert!(b.find(Locator::Id("next-steps")).await.expect("steps").is_displayed().await.expect("shown"));
    shot("hub-390.png").await;
    // The add button of the list is usable at 390 px.
    go(ev.public("/agenda")).await;
    let add = b.find(Locator::Css("#phone-sessions button")).await.expect("a button in the list");
    assert!(add.is_displayed().await.expect("shown"));

    // At 1280 px the programme is the grid again.
    b.set_window_size(1280, 900).await.expect("wide");
    go(ev.public("/agenda")).await;
    assert!(b.find(Locator::Id("grid")).await.expect("grid").is_displayed().await.expect("shown"));
    assert!(!b.find(Locator::Id("phone-sessions")).await.expect("list").is_displayed().await.expect("hidden"));
    b.close().await.expect("close");
}
