//! Issue 13, "one profile": one page for everything others see, prefilled at registration;
//! topics grouped with an "add a topic" list; match scores as words; the state of a pair
//! (a meeting, a request either way, a cap) instead of a request button that would be refused;
//! the directory and the top-matches e-mail without the viewer and the people one already meets
//! or asked; the merge of the two "about" texts; and the pages at 390 px in real Chromium.

use diesel::prelude::*;
use liaison::db::schema::{match_profiles as mp, meeting_requests as mr, profile_interests as pi, users};

use crate::matchmaking::{add_opportunity, at, create_event, open_matchmaking, participant, topic, Ev};
use crate::support::*;

/// An event with matchmaking open (one window of two 30-minute slots, 4 tables, up to 6
/// meetings) and its organiser.
async fn event(app: &TestApp, title: &str) -> (Client, Ev) {
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, title).await;
    open_matchmaking(&org, &ev, "4", "6", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    (org, ev)
}

/// The card of `id` on a list page (from its `id="{prefix}-{id}"` to the end of its `</li>`).
fn card<'a>(page: &'a Page, prefix: &str, id: i64) -> &'a str {
    let start = page.body.find(&format!("id=\"{prefix}-{id}\"")).unwrap_or_else(|| panic!("no {prefix}-{id}"));
    let rest = &page.body[start..];
    &rest[..rest.find("</li>\n").unwrap_or(rest.len())]
}

fn request_id(app: &TestApp, from: i64, to: i64) -> i64 {
    app.with_conn(|c| {
        mr::table.filter(mr::from_user.eq(from).and(mr::to_user.eq(to))).select(mr::id).first(c).expect("request")
    })
}

async fn ask(c: &Client, ev: &Ev, to: i64) -> Page {
    c.post(&ev.public(&format!("/people/{to}/request")), &[("message", "")]).await
}

/// Every field the profile page shows, as one POST.
fn full_profile<'a>(name: &'a str, bio: &'a str, add_topic: &'a str, interests: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("organisation", "Institut Pasteur"),
        ("sector", "academia"),
        ("country", "FR"),
        ("job_title", "Head of vaccine research"),
        ("bio", bio),
        ("matchmaking_consent", "on"),
        ("directory_consent", "on"),
        ("interests", interests),
        ("add_topic", add_topic),
        ("max_meetings", "3"),
        ("meet_during_sessions", "on"),
    ]
}

#[actix_web::test]
async fn the_one_profile_page_saves_every_field_in_one_post_and_the_old_address_leads_there() {
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Profile Forum").await;
    let (uid, _, me) = participant(&app, &ev, "Pia Profile", "Old Org", "pharma", true, false).await;

    let old = me.get(&ev.public("/matchmaking")).await;
    assert_eq!(old.status, 303);
    assert_eq!(old.location(), ev.public("/profile"));
    let page = me.get(&ev.public("/profile")).await;
    assert_eq!(page.status, 200);
    for field in
        ["id=\"name\"", "id=\"organisation\"", "id=\"sector\"", "id=\"country\"", "id=\"job_title\"", "id=\"bio\""]
    {
        assert!(page.has(field), "{field}");
    }
    // One about text only, topics grouped with their count, and a list to add one by name.
    assert!(!page.has("name=\"about\""));
    assert!(page.has("Therapeutic areas") && page.has("Capabilities") && page.has("(0 of "));
    assert!(page.has("list=\"topic-names\"") && page.has("<option value=\"Tuberculosis\">"));
    assert!(page.has(&format!("href=\"{}\"", ev.public(&format!("/people/{uid}")))), "see my page as others do");

    let vaccines = topic(&app, &ev, "Vaccines");
    let r = me
        .post(
            &ev.public("/profile"),
            &full_profile("Pia Pasteur", "Vaccine platforms\nand adjuvants.", "tuberculosis", &vaccines),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), ev.public("/profile"));
    let user: (String, String, String, String, String, String) = app.with_conn(|c| {
        users::table
            .find(uid)
            .select((users::name, users::organisation, users::sector, users::country, users::job_title, users::bio))
            .first(c)
            .expect("user")
    });
    assert_eq!(
        user,
        (
            "Pia Pasteur".into(),
            "Institut Pasteur".into(),
            "academia".into(),
            "FR".into(),
            "Head of vaccine research".into(),
            "Vaccine platforms\nand adjuvants.".into()
        )
    );
    let chosen: Vec<i64> = app
        .with_conn(|c| {
            pi::table
                .filter(pi::event_id.eq(ev.id).and(pi::user_id.eq(uid)))
                .select(pi::topic_id)
                .order(pi::topic_id)
                .load(c)
        })
        .expect("interests");
    let tb: i64 = topic(&app, &ev, "Tuberculosis").parse().expect("id");
    let mut want = vec![vaccines.parse::<i64>().expect("id"), tb];
    want.sort_unstable();
    assert_eq!(chosen, want, "the ticked topic and the one added by name");
    let cap: (Option<i32>, bool) = app.with_conn(|c| {
        mp::table.find((ev.id, uid)).select((mp::max_meetings, mp::meet_during_sessions)).first(c).expect("profile")
    });
    assert_eq!(cap, (Some(3), true));
    // The chosen topics come first, and the page others see shows the one about text.
    let page = me.get(&ev.public("/profile")).await;
    let chosen_list = extract(&page.body, "id=\"chosen-topics\"", "</div>").expect("chosen topics");
    assert!(chosen_list.contains("Vaccines") && chosen_list.contains("Tuberculosis"));
    assert!(page.has("(2 of "), "Vaccines and Tuberculosis are both therapeutic areas");
    let mine = me.get(&ev.public(&format!("/people/{uid}"))).await;
    assert!(mine.has("Vaccine platforms") && mine.has("Head of vaccine research"), "{}", mine.body);
    assert!(me.get("/account").await.has(&format!("href=\"{}\"", ev.public("/profile"))), "the account links here");
}

#[actix_web::test]
async fn a_refused_profile_keeps_everything_typed_with_a_message_beside_each_field() {
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Refusal Forum").await;
    let (uid, _, me) = participant(&app, &ev, "Rita Refused", "Kept Org", "pharma", true, true).await;
    let vaccines = topic(&app, &ev, "Vaccines");
    let mut f = full_profile("Rita Renamed", "My typed about text", "Astrology", &vaccines);
    f.retain(|(k, _)| *k != "sector" && *k != "max_meetings");
    f.extend([("sector", "mining"), ("max_meetings", "99")]);
    let r = me.post(&ev.public("/profile"), &f).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["sector", "max_meetings", "add_topic"] {
        assert!(r.has(&format!("id=\"{field}-error\"")), "message beside {field}");
    }
    assert!(r.has("No topic of this event is called \u{201c}Astrology\u{201d}"), "{}", r.body);
    for kept in
        ["value=\"Rita Renamed\"", "My typed about text", "value=\"Astrology\"", "value=\"99\"", "Institut Pasteur"]
    {
        assert!(r.has(kept), "kept {kept}");
    }
    let chosen = extract(&r.body, "id=\"chosen-topics\"", "</div>").expect("chosen");
    assert!(chosen.contains("Vaccines"), "the ticked topic stays ticked");
    // Nothing was saved.
    let (name, bio): (String, String) =
        app.with_conn(|c| users::table.find(uid).select((users::name, users::bio)).first(c).expect("user"));
    assert_eq!((name.as_str(), bio.as_str()), ("Rita Refused", ""));
    let n: i64 = app.with_conn(|c| pi::table.filter(pi::user_id.eq(uid)).count().get_result(c).expect("count"));
    assert_eq!(n, 0);
}

#[actix_web::test]
async fn registration_prefills_organisation_sector_country_and_role_and_saves_them_to_the_profile() {
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Prefill Forum").await;
    let addr = email("reg");
    let uid = app.insert_user("Rene Registers", &addr, "attendee", "Charite", "hospital", "DE");
    app.with_conn(|c| {
        diesel::update(users::table.find(uid)).set(users::job_title.eq("Clinician")).execute(c).expect("role")
    });
    let c = app.client();
    assert_eq!(c.login(&addr, PASSWORD).await.status, 303);
    let form = c.get(&ev.public("/register")).await;
    assert_eq!(form.status, 200);
    for prefilled in
        ["value=\"Charite\"", "value=\"hospital\" selected", "value=\"DE\" selected", "value=\"Clinician\""]
    {
        assert!(form.has(prefilled), "prefilled {prefilled}");
    }
    let r = c
        .post(
            &ev.public("/register"),
            &[
                ("organisation", "Charité Berlin"),
                ("sector", "hospital"),
                ("country", "DE"),
                ("job_title", "Head of clinical trials"),
                ("directory_consent", "yes"),
                ("matchmaking_consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let profile = c.get(&ev.public("/profile")).await;
    assert_eq!(profile.status, 200);
    assert!(profile.has("value=\"Charité Berlin\"") && profile.has("value=\"Head of clinical trials\""));
    // A role with control characters is refused beside the field, the rest kept.
    let rosa = email("rosa");
    app.insert_user("Rosa Second", &rosa, "attendee", "", "", "");
    let c2 = app.client();
    assert_eq!(c2.login(&rosa, PASSWORD).await.status, 303);
    let bad = c2
        .post(
            &ev.public("/register"),
            &[("organisation", "Org"), ("sector", "academia"), ("country", "BE"), ("job_title", "Bad\u{7}role")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.has("id=\"job_title-error\"") && bad.has("value=\"Org\""), "{}", bad.body);
}

#[actix_web::test]
async fn match_scores_read_as_words_with_reasons_and_never_as_bare_numbers() {
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Scale Forum").await;
    let (_, _, me) = participant(&app, &ev, "Sam Seeker", "Seek Org", "academia", true, true).await;
    let (other_id, _, other) = participant(&app, &ev, "Olli Offers", "Offer Org", "pharma", true, true).await;
    let onc = topic(&app, &ev, "Oncology");
    add_opportunity(&me, &ev, "request", "Oncology compounds", &[&onc]).await;
    add_opportunity(&other, &ev, "offer", "Kinase library", &[&onc]).await;
    let page = me.get(&ev.public("/matches")).await;
    let card = card(&page, "match", other_id);
    assert!(
        ["Strong match", "Good match", "Possible match"].iter().any(|w| card.contains(w)),
        "a word for the score: {card}"
    );
    assert!(card.contains("You seek oncology"), "with the reasons: {card}");
    let bare = card.as_bytes().windows(3).any(|w| w[0].is_ascii_digit() && w[1] == b'.' && w[2].is_ascii_digit());
    assert!(!bare, "no decimal score: {card}");
    let person = me.get(&ev.public(&format!("/people/{other_id}"))).await;
    assert!(person.has("id=\"strength\""), "the person page says how well too");
}

/// Meet, asked, asked by, at one's cap: each shows its state instead of the button, on the
/// matches page, the directory and the person page; the button shows exactly when sending works.
#[actix_web::test]
async fn a_pair_shows_its_state_instead_of_a_request_button_that_would_be_refused() {
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "State Forum").await;
    let onc = topic(&app, &ev, "Oncology");
    let (mia, _, me) = participant(&app, &ev, "Mia Me", "Org M", "academia", true, true).await;
    add_opportunity(&me, &ev, "request", "Oncology compounds", &[&onc]).await;
    let mut others = Vec::new();
    for (name, org) in [("Dan Date", "Org D"), ("Bea Asked", "Org B"), ("Cid Asks", "Org C"), ("Fay Free", "Org F")] {
        let (id, _, c) = participant(&app, &ev, name, org, "pharma", true, true).await;
        add_opportunity(&c, &ev, "offer", &format!("{name} compounds"), &[&onc]).await;
        others.push((id, c));
    }
    let [(dan, dan_c), (bea, _), (cid, cid_c), (fay, _)] = &others[..] else { unreachable!() };

    // Before anything: everyone may be asked.
    let page = me.get(&ev.public("/matches")).await;
    for id in [dan, bea, cid, fay] {
        assert!(card(&page, "match", *id).contains("request-link"), "button for {id}");
    }
    // Mia meets Dan (asked and accepted: placed at once), asked Bea; Cid asked Mia.
    assert_eq!(ask(&me, &ev, *dan).await.status, 303);
    let rq = request_id(&app, mia, *dan);
    assert_eq!(dan_c.post(&ev.public(&format!("/requests/{rq}/accept")), &[]).await.status, 303);
    assert_eq!(ask(&me, &ev, *bea).await.status, 303);
    assert_eq!(ask(cid_c, &ev, mia).await.status, 303);
    let from_cid = request_id(&app, *cid, mia);

    let matches = me.get(&ev.public("/matches")).await;
    let directory = me.get(&ev.public("/directory")).await;
    for (page, prefix) in [(&matches, "match"), (&directory, "person")] {
        let d = card(page, prefix, *dan);
        assert!(d.contains("pair-state-meet") && d.contains("You meet Dan Date on") && d.contains("table"), "{d}");
        assert!(d.contains(&format!("href=\"{}\"", ev.public("/meetings"))));
        let b = card(page, prefix, *bea);
        assert!(b.contains("pair-state-asked") && b.contains("You asked Bea Asked on"), "{b}");
        let c = card(page, prefix, *cid);
        assert!(c.contains("Cid Asks asked you") && c.contains(&format!("/requests/{from_cid}")), "{c}");
        for id in [dan, bea, cid] {
            assert!(!card(page, prefix, *id).contains("request-link"), "no button for {id} on {prefix}");
        }
        assert!(card(page, prefix, *fay).contains("request-link"), "Fay may be asked");
    }
    for (id, state) in [(dan, "pair-state-meet"), (bea, "pair-state-asked"), (cid, "pair-state-asked-by")] {
        let person = me.get(&ev.public(&format!("/people/{id}"))).await;
        assert!(person.has(state) && !person.has("id=\"request-form\""), "person {id}: {}", person.body);
        // The server refuses what the page does not offer.
        assert_eq!(ask(&me, &ev, *id).await.status, 422);
    }
    assert!(me.get(&ev.public(&format!("/people/{fay}"))).await.has("id=\"request-form\""));

    // At her own limit (one meeting, with Dan), Mia is told so instead of offered a button.
    let vaccines = topic(&app, &ev, "Vaccines");
    let mut f = full_profile("Mia Me", "", "", &vaccines);
    f.retain(|(k, _)| *k != "max_meetings" && *k != "organisation");
    f.extend([("max_meetings", "1"), ("organisation", "Org M")]);
    assert_eq!(me.post(&ev.public("/profile"), &f).await.status, 303);
    let matches = me.get(&ev.public("/matches")).await;
    let f_card = card(&matches, "match", *fay);
    assert!(!f_card.contains("request-link"), "{f_card}");
    let limit = extract(&matches.body, "id=\"my-limit\"", "</p>").expect("said once, on top");
    assert!(limit.contains("You are at your limit of 1 meeting"), "{limit}");
    assert!(!me.get(&ev.public("/directory")).await.has("request-link"), "nor in the directory");
    let person = me.get(&ev.public(&format!("/people/{fay}"))).await;
    assert!(person.has("You are at your limit of 1 meeting") && !person.has("id=\"request-form\""));
    assert_eq!(ask(&me, &ev, *fay).await.status, 422, "and sending is refused");
}

#[actix_web::test]
async fn the_top_matches_email_leaves_out_people_one_meets_or_has_a_request_with() {
    let (app, sink) = TestApp::start().await;
    let (org, ev) = event(&app, "Mail Forum").await;
    let onc = topic(&app, &ev, "Oncology");
    let (mia, mia_addr, me) = participant(&app, &ev, "Mia Mailed", "Org M", "academia", true, true).await;
    add_opportunity(&me, &ev, "request", "Oncology compounds", &[&onc]).await;
    let mut others = Vec::new();
    for (name, org) in [("Dan Met", "Org D"), ("Bea Asked", "Org B"), ("Cid Asker", "Org C"), ("Fay Fresh", "Org F")] {
        let (id, addr, c) = participant(&app, &ev, name, org, "pharma", true, true).await;
        add_opportunity(&c, &ev, "offer", &format!("{name} compounds"), &[&onc]).await;
        others.push((id, addr, c));
    }
    let [(dan, _, dan_c), (bea, bea_addr, _), (_, _, cid_c), (_, fay_addr, _)] = &others[..] else { unreachable!() };
    assert_eq!(ask(&me, &ev, *dan).await.status, 303);
    let rq = request_id(&app, mia, *dan);
    assert_eq!(dan_c.post(&ev.public(&format!("/requests/{rq}/accept")), &[]).await.status, 303);
    assert_eq!(ask(&me, &ev, *bea).await.status, 303);
    assert_eq!(ask(cid_c, &ev, mia).await.status, 303);

    assert_eq!(org.post(&ev.org("/meetings/top-matches"), &[]).await.status, 303);
    let subject = "Your top matches: Mail Forum";
    let mine = sink.wait_for(&mia_addr, subject).await.text;
    assert!(mine.contains("Fay Fresh"), "{mine}");
    assert!(["strong match", "good match", "possible match"].iter().any(|w| mine.contains(w)), "scale: {mine}");
    for gone in ["Dan Met", "Bea Asked", "Cid Asker"] {
        assert!(!mine.contains(gone), "{gone} is already met or asked: {mine}");
    }
    assert!(sink.wait_for(fay_addr, subject).await.text.contains("Mia Mailed"));
    // Bea's only match is Mia, whom she already has a request with: no recommendation at all
    // (the e-mails go out in one batch, Bea's before Fay's).
    let bea_mails = sink.to(bea_addr);
    assert!(bea_mails.iter().all(|m| m.subject != subject || !m.text.contains("Mia Mailed")), "asked either way");
}

#[actix_web::test]
async fn the_directory_never_lists_the_viewer() {
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Directory Forum").await;
    let (me_id, _, me) = participant(&app, &ev, "Vic Viewer", "Org V", "academia", true, true).await;
    let (other_id, _, other) = participant(&app, &ev, "Wes Other", "Org W", "pharma", true, true).await;
    let mine = me.get(&ev.public("/directory")).await;
    assert!(!mine.has(&format!("id=\"person-{me_id}\"")) && mine.has(&format!("id=\"person-{other_id}\"")));
    assert!(mine.has("1 participant<"), "the count leaves the viewer out too: {}", mine.body);
    let theirs = other.get(&ev.public("/directory?q=vic")).await;
    assert!(theirs.has(&format!("id=\"person-{me_id}\"")));
}

/// The migration moves an event's "about" into the person's one about text: into an empty bio,
/// below a different one, the latest when there are several, never twice.
#[actix_web::test]
async fn the_migration_keeps_every_about_text_in_the_one_bio() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev) = event(&app, "Merge Forum").await;
    let later = create_event(&org, "Merge Forum Two").await;
    let ids: Vec<i64> = ["Ann Empty", "Ben Both", "Cat Twice", "Dee Same"]
        .iter()
        .map(|n| app.insert_user(n, &email(&n.to_lowercase().replace(' ', ".")), "attendee", "Org", "academia", "BE"))
        .collect();
    app.with_conn(|c| {
        for (id, bio) in [(ids[1], "Ben's bio"), (ids[3], "Same words")] {
            diesel::update(users::table.find(id)).set(users::bio.eq(bio)).execute(c).expect("bio");
        }
        revert_one_profile(c);
        let rows = [
            (ev.id, ids[0], "Ann's lab", "2026-01-01 10:00:00"),
            (ev.id, ids[1], "Ben's about", "2026-01-01 10:00:00"),
            (ev.id, ids[2], "Cat's older about", "2026-01-01 10:00:00"),
            (later.id, ids[2], "Cat's newer about", "2026-02-01 10:00:00"),
            (ev.id, ids[3], "Same words", "2026-01-01 10:00:00"),
        ];
        for (event_id, user_id, about, at) in rows {
            diesel::sql_query(format!(
                "INSERT INTO match_profiles (event_id, user_id, about, max_meetings, updated_at, meet_during_sessions) \
                 VALUES ({event_id}, {user_id}, '{}', NULL, '{at}', FALSE)",
                about.replace('\'', "''")
            ))
            .execute(c)
            .expect("old profile row");
        }
        run_one_profile(c);
    });
    let bios: Vec<String> = app
        .with_conn(|c| ids.iter().map(|id| users::table.find(id).select(users::bio).first(c).expect("bio")).collect());
    assert_eq!(bios, vec!["Ann's lab", "Ben's bio\n\nBen's about", "Cat's newer about", "Same words"]);
    let kept: i64 = app.with_conn(|c| mp::table.count().get_result(c).expect("rows"));
    assert_eq!(kept, 5, "the profile rows stay, without their about column");
}

fn one_profile_migration<B: diesel::backend::Backend>(
    source: &diesel_migrations::EmbeddedMigrations,
) -> Box<dyn diesel::migration::Migration<B>>
where
    diesel_migrations::EmbeddedMigrations: diesel::migration::MigrationSource<B>,
{
    use diesel::migration::MigrationSource;
    MigrationSource::<B>::migrations(source)
        .expect("migrations")
        .into_iter()
        .find(|m| m.name().to_string().contains("one_profile"))
        .expect("this migration")
}

fn revert_one_profile(conn: &mut liaison::db::DbConn) {
    use diesel_migrations::MigrationHarness;
    match conn {
        liaison::db::DbConn::Sqlite(c) => {
            c.revert_migration(&*one_profile_migration(&liaison::db::backend::SQLITE_MIGRATIONS)).expect("revert")
        }
        liaison::db::DbConn::Pg(c) => {
            c.revert_migration(&*one_profile_migration(&liaison::db::backend::PG_MIGRATIONS)).expect("revert")
        }
    };
}

fn run_one_profile(conn: &mut liaison::db::DbConn) {
    use diesel_migrations::MigrationHarness;
    match conn {
        liaison::db::DbConn::Sqlite(c) => {
            c.run_migration(&*one_profile_migration(&liaison::db::backend::SQLITE_MIGRATIONS)).expect("run")
        }
        liaison::db::DbConn::Pg(c) => {
            c.run_migration(&*one_profile_migration(&liaison::db::backend::PG_MIGRATIONS)).expect("run")
        }
    };
}

/// The profile, matches, directory and person pages in real Chromium at 390 px: nothing is
/// wider than the screen. Skipped, as the other browser tests are, without chromedriver.
#[actix_web::test]
async fn the_profile_and_matches_pages_fit_a_390_px_phone() {
    let Some(path) = crate::browser::chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the phone-width check");
        return;
    };
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Phone Forum with a rather long title for a small screen").await;
    let onc = topic(&app, &ev, "Oncology");
    let (_, addr, me) =
        participant(&app, &ev, "Phoebe Phone", "Universitätsklinikum Hamburg-Eppendorf", "hospital", true, true).await;
    add_opportunity(&me, &ev, "request", "Pharmacokineticallyunbreakablewordsthatgoonandon", &[&onc]).await;
    let (other_id, _, other) = participant(&app, &ev, "Otto Other", "Big Pharma", "pharma", true, true).await;
    add_opportunity(&other, &ev, "offer", "Oncology compound library with a long description", &[&onc]).await;

    let driver = crate::browser::start_driver(&path).await;
    let b = crate::browser::browser(&driver).await;
    b.set_window_size(390, 844).await.expect("phone width");
    crate::browser::log_in(&b, &app.base, &addr).await;
    for (path, shot) in [
        (ev.public("/profile"), "profile-390.png"),
        (ev.public("/matches"), "matches-390.png"),
        (ev.public("/directory"), "directory-390.png"),
        (ev.public(&format!("/people/{other_id}")), "person-390.png"),
    ] {
        b.goto(&format!("{}{}", app.base, path)).await.expect("page");
        let widths = b
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .expect("widths");
        let (page, screen) = (widths[0].as_i64().expect("page"), widths[1].as_i64().expect("screen"));
        assert!(page <= screen, "{path} is {page} px wide on a {screen} px screen");
        let png = b.screenshot().await.expect("screenshot");
        std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(shot), &png).expect("save");
    }
    b.close().await.expect("close");
}

/// An accepted request without a free table says it waits for one; a declined request says so
/// (and, as the product allows, one may ask again).
#[actix_web::test]
async fn waiting_and_declined_pairs_say_so() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Waiting Forum").await;
    // One slot, one table.
    open_matchmaking(&org, &ev, "1", "6", &[(at(11, "09:00"), at(11, "09:30"))]).await;
    let onc = topic(&app, &ev, "Oncology");
    let mut people = Vec::new();
    for (name, org_name, kind) in [
        ("Ada First", "Org A", "request"),
        ("Ben First", "Org B", "offer"),
        ("Cy Second", "Org C", "request"),
        ("Di Second", "Org D", "offer"),
    ] {
        let (id, _, c) = participant(&app, &ev, name, org_name, "academia", true, true).await;
        add_opportunity(&c, &ev, kind, &format!("{name} oncology"), &[&onc]).await;
        people.push((id, c));
    }
    let [(ada, ada_c), (ben, ben_c), (cy, cy_c), (di, di_c)] = &people[..] else { unreachable!() };
    // Ada and Ben take the only table; Cy and Di agree to meet, but no table is left.
    assert_eq!(ask(ada_c, &ev, *ben).await.status, 303);
    let rq = request_id(&app, *ada, *ben);
    assert_eq!(ben_c.post(&ev.public(&format!("/requests/{rq}/accept")), &[]).await.status, 303);
    assert_eq!(ask(cy_c, &ev, *di).await.status, 303);
    let rq = request_id(&app, *cy, *di);
    assert_eq!(di_c.post(&ev.public(&format!("/requests/{rq}/accept")), &[]).await.status, 303);
    let page = cy_c.get(&ev.public(&format!("/people/{di}"))).await;
    assert!(page.has("pair-state-waiting") && page.has("waiting for a table"), "{}", page.body);
    assert!(!page.has("id=\"request-form\""));
    assert_eq!(ask(cy_c, &ev, *di).await.status, 422, "the server refuses it too");

    // Ada asks Di, who declines: Ada's page says so.
    assert_eq!(ask(ada_c, &ev, *di).await.status, 303);
    let rq = request_id(&app, *ada, *di);
    assert_eq!(di_c.post(&ev.public(&format!("/requests/{rq}/decline")), &[]).await.status, 303);
    let page = ada_c.get(&ev.public(&format!("/people/{di}"))).await;
    assert!(page.has("id=\"declined-before\"") && page.has("Di Second declined your request of"), "{}", page.body);
}
