//! Issue 13, the registration desk: personal tickets (a signed code and its QR code) in the
//! e-mail that gives a seat and on "my registrations"; the check-in desk that finds a person by
//! name, organisation, e-mail or ticket code and checks them in with one press; the print-outs
//! (badges, meeting plans, table lists) from the published meetings. Real server, real
//! database, real SMTP sink, and one real Chromium at phone width.

use std::time::Duration;

use chrono::TimeZone;
use diesel::prelude::*;
use liaison::db::schema::{audit_log, meeting_slots, meetings, published_meetings as pm, registrations};
use liaison::events::ticket::{self, TicketKey};

use crate::changes_registrations::{self as cr, new_event, person, reg_of};
use crate::matchmaking::{at, create_event, open_matchmaking, participant, Ev};
use crate::support::*;

// ---------------------------------------------------------------- helpers

/// The key the test server signs tickets with: derived like the server does from the secret
/// key `TestApp` configures.
fn tickets() -> TicketKey {
    let key = actix_web::cookie::Key::derive_from(b"test-secret-key-that-is-long-enough-0123456789");
    TicketKey::derive(key.master())
}

fn code_of(reg_id: i64) -> String {
    ticket::code(&tickets(), reg_id)
}

fn registration_id(app: &TestApp, event_id: i64, user_id: i64) -> i64 {
    app.with_conn(|c| {
        registrations::table
            .filter(registrations::event_id.eq(event_id).and(registrations::user_id.eq(user_id)))
            .select(registrations::id)
            .first(c)
            .expect("registration")
    })
}

fn attended(app: &TestApp, reg_id: i64) -> Option<chrono::NaiveDateTime> {
    app.with_conn(|c| {
        registrations::table.find(reg_id).select(registrations::attended_at).first(c).expect("registration")
    })
}

fn set_status(app: &TestApp, reg_id: i64, status: &str) {
    app.with_conn(|c| {
        diesel::update(registrations::table.find(reg_id)).set(registrations::status.eq(status)).execute(c)
    })
    .expect("status");
}

/// An organiser's event with confirmed registrants (name, organisation, e-mail tag):
/// returns the organiser, the event and each registrant's (user id, registration id, e-mail).
async fn desk_event(app: &TestApp, people: &[(&str, &str, &str)]) -> (Client, Ev, Vec<(i64, i64, String)>) {
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Desk Day").await;
    let mut out = Vec::new();
    for (name, organisation, tag) in people {
        let addr = email(tag);
        let uid = app.insert_user(name, &addr, "attendee", organisation, "academia", "BE");
        app.insert_registration(ev.id, uid, true, true);
        out.push((uid, registration_id(app, ev.id, uid), addr));
    }
    (org, ev, out)
}

/// The ids of the people the desk page lists, in order.
fn listed(body: &str) -> Vec<i64> {
    body.match_indices("<li class=\"desk-person")
        .filter_map(|(i, _)| extract(&body[i..], "id=\"person-", "\""))
        .filter_map(|s| s.parse().ok())
        .collect()
}

async fn desk_search(org: &Client, ev: &Ev, q: &str) -> Page {
    let p = org.get(&ev.org(&format!("/desk?q={}", urlencode(q)))).await;
    assert_eq!(p.status, 200, "desk search {q:?}: {}", p.body);
    p
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The PNG attachments of a received message, decoded.
fn png_attachments(m: &Mail) -> Vec<(String, Vec<u8>)> {
    fn walk(p: &mailparse::ParsedMail, out: &mut Vec<(String, Vec<u8>)>) {
        if p.subparts.is_empty() && p.ctype.mimetype == "image/png" {
            let d = p.get_content_disposition();
            let name = d.params.get("filename").cloned().unwrap_or_default();
            out.push((name, p.get_body_raw().expect("attachment decodes")));
        }
        for s in &p.subparts {
            walk(s, out);
        }
    }
    let mut out = Vec::new();
    walk(&mailparse::parse_mail(m.raw.as_bytes()).expect("mail parses"), &mut out);
    out
}

fn the_code_in(text: &str) -> String {
    let i = text.find("LSN-").unwrap_or_else(|| panic!("no ticket code in:\n{text}"));
    text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

// ---------------------------------------------------------------- tickets

#[actix_web::test]
async fn seat_giving_mails_carry_the_ticket_code_and_its_qr_code_as_a_png() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = new_event(&org, "ticket", 1, false).await;
    let (ana, ana_addr) = person(&app, "Ana Silva", "ana").await;
    let (ben, ben_addr) = person(&app, "Ben Waiting", "ben").await;
    cr::register(&ana, &ev).await;
    cr::register(&ben, &ev).await;
    let (ana_reg, ben_reg) = (reg_of(&app, &ev, &ana_addr), reg_of(&app, &ev, &ben_addr));
    assert_eq!((ana_reg.status.as_str(), ben_reg.status.as_str()), ("confirmed", "waitlisted"));

    let confirmed = sink.wait_for(&ana_addr, "You are registered").await;
    let code = the_code_in(&confirmed.text);
    assert_eq!(code, code_of(ana_reg.id), "the code names Ana's registration");
    assert_eq!(ticket::verify(&tickets(), &code), Some(ana_reg.id));
    assert!(confirmed.html.contains(&code), "the HTML part shows the code too");
    let pngs = png_attachments(&confirmed);
    assert_eq!(pngs.len(), 1, "one QR code:\n{}", confirmed.raw);
    assert_eq!(pngs[0].0, format!("ticket-{code}.png"));
    let reader = png::Decoder::new(std::io::Cursor::new(pngs[0].1.clone())).read_info().expect("a real PNG");
    assert!(reader.info().width >= 21 * 8 && reader.info().width == reader.info().height);
    assert!(confirmed.attachment(".ics").is_some(), "the calendar entry is still attached");

    // Waiting gives no ticket; the seat that frees up does.
    let waiting = sink.wait_for(&ben_addr, "On the waitlist").await;
    assert!(!waiting.text.contains("LSN-") && png_attachments(&waiting).is_empty(), "{}", waiting.text);
    let r = ana.post(&format!("/my/registrations/{}/cancel", ana_reg.id), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let promoted = sink.wait_for(&ben_addr, "A seat is yours").await;
    assert_eq!(the_code_in(&promoted.text), code_of(ben_reg.id));
    assert_eq!(png_attachments(&promoted).len(), 1);
    let cancelled = sink.wait_for(&ana_addr, "Registration cancelled").await;
    assert!(!cancelled.text.contains("LSN-"), "no ticket when the seat is gone");
}

#[actix_web::test]
async fn approval_mail_carries_the_ticket() {
    let (app, sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = new_event(&org, "approve", 10, true).await;
    let (ana, ana_addr) = person(&app, "Ana Silva", "ana").await;
    cr::register(&ana, &ev).await;
    let received = sink.wait_for(&ana_addr, "Registration received").await;
    assert!(!received.text.contains("LSN-"));
    let reg = reg_of(&app, &ev, &ana_addr);
    let id = reg.id.to_string();
    let r = org
        .post(&format!("/organise/events/{}/registrants", ev.id), &[("action", "approve"), ("ids", id.as_str())])
        .await;
    assert_eq!(r.status, 303);
    let approved = sink.wait_for(&ana_addr, "Registration approved").await;
    assert_eq!(the_code_in(&approved.text), code_of(reg.id));
    assert_eq!(png_attachments(&approved).len(), 1);
}

#[actix_web::test]
async fn my_registrations_show_my_own_ticket_only_and_only_with_a_seat() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = new_event(&org, "mine", 1, false).await;
    let (ana, ana_addr) = person(&app, "Ana Silva", "ana").await;
    let (ben, ben_addr) = person(&app, "Ben Waiting", "ben").await;
    cr::register(&ana, &ev).await;
    cr::register(&ben, &ev).await;
    let (ana_reg, ben_reg) = (reg_of(&app, &ev, &ana_addr), reg_of(&app, &ev, &ben_addr));
    let (ana_code, ben_code) = (code_of(ana_reg.id), code_of(ben_reg.id));

    let page = ana.get("/my/registrations").await;
    assert_eq!(page.status, 200);
    assert!(page.has(&format!("id=\"ticket-{}\"", ana_reg.id)), "{}", page.body);
    assert!(page.has(&format!("<p class=\"ticket-code\">{ana_code}</p>")));
    assert!(page.has("<svg") && page.has(&format!("aria-label=\"QR code of ticket {ana_code}\"")));
    assert!(!page.has(&ben_code));
    // Ben waits: no ticket for him, and never Ana's.
    let page = ben.get("/my/registrations").await;
    assert!(!page.has("class=\"ticket\"") && !page.has(&ben_code) && !page.has(&ana_code), "{}", page.body);
    // Once Ana has cancelled, her ticket is gone and Ben's appears.
    assert_eq!(ana.post(&format!("/my/registrations/{}/cancel", ana_reg.id), &[]).await.status, 303);
    assert!(!ana.get("/my/registrations").await.has(&ana_code));
    let page = ben.get("/my/registrations").await;
    assert!(page.has(&format!("<p class=\"ticket-code\">{ben_code}</p>")), "{}", page.body);
    assert!(!page.has(&ana_code));
}

// ---------------------------------------------------------------- the desk

#[actix_web::test]
async fn the_desk_finds_people_by_name_organisation_email_and_ticket_code() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev, p) = desk_event(
        &app,
        &[
            ("Ana Silva", "KU Leuven", "ana.silva"),
            ("Bruno Costa", "Acme Pharma", "bruno"),
            ("Carla Silvestri", "Acme Biotech", "carla"),
        ],
    )
    .await;
    let (ana, bruno, carla) = (&p[0], &p[1], &p[2]);

    let page = desk_search(&org, &ev, "").await;
    assert!(listed(&page.body).is_empty());
    assert!(page.has("autofocus") && page.has("type=\"search\""));
    assert!(page.has("<strong>0</strong> of 3 confirmed checked in"), "{}", page.body);

    assert_eq!(listed(&desk_search(&org, &ev, "silva").await.body), vec![ana.1], "by name (Silvestri is no Silva)");
    let mut acme = listed(&desk_search(&org, &ev, "ACME").await.body);
    acme.sort();
    assert_eq!(acme, vec![bruno.1, carla.1], "by organisation, any case");
    assert_eq!(listed(&desk_search(&org, &ev, &bruno.2).await.body), vec![bruno.1], "by e-mail");

    // A ticket code finds its holder alone, clearly, however it was typed or scanned.
    let code = code_of(carla.1);
    for typed in [code.clone(), code.to_lowercase(), format!("  {} ", code.replace('-', " "))] {
        let page = desk_search(&org, &ev, &typed).await;
        assert_eq!(listed(&page.body), vec![carla.1], "{typed:?}");
        assert!(page.has("id=\"ticket-match\"") && page.has("desk-person-ticket"), "{}", page.body);
        assert!(page.has(&format!("id=\"check-in-{}\"", carla.1)), "one Check in button");
    }

    // A forged or mistyped code, or another event's ticket: refused in words, never a 500.
    let mut forged: Vec<char> = code.chars().collect();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    let other = create_event(&org, "Other Day").await;
    let stranger = app.insert_user("Sam Stranger", &email("sam"), "attendee", "Elsewhere", "", "");
    app.insert_registration(other.id, stranger, false, false);
    let foreign = code_of(registration_id(&app, other.id, stranger));
    for bad in [forged.as_str(), foreign.as_str(), "LSN-ZZZZ-0000000000"] {
        let page = desk_search(&org, &ev, bad).await;
        assert!(page.has("No ticket matches this code"), "{bad}: {}", page.body);
        assert!(listed(&page.body).is_empty(), "{bad}");
        assert!(!page.has("Sam Stranger"));
    }
    // Junk of any length or kind is a search that finds nobody.
    for junk in ["\u{0}%_", &"x".repeat(5000), "<script>"] {
        let page = desk_search(&org, &ev, junk).await;
        assert!(listed(&page.body).is_empty());
        assert!(!page.has("<script>"));
    }
}

#[actix_web::test]
async fn one_press_checks_a_person_in_and_undo_takes_it_back() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev, p) =
        desk_event(&app, &[("Ana Silva", "KU Leuven", "ana"), ("Wanda Waiting", "Acme Pharma", "wanda")]).await;
    let (ana, wanda) = (&p[0], &p[1]);
    set_status(&app, wanda.1, "waitlisted");
    let code = code_of(ana.1);
    let (ana_id, wanda_id) = (ana.1.to_string(), wanda.1.to_string());

    let r = org.post(&ev.org("/desk/check-in"), &[("registration", &ana_id), ("q", &code)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), ev.org(&format!("/desk?q={}", urlencode(&code))), "back with the search kept");
    let page = org.get(&r.location()).await;
    let message = extract(&page.body, "id=\"message\">", "<").expect("confirmation");
    assert_eq!(message, "Ana Silva is checked in.");
    assert!(page.has("role=\"status\" id=\"message\""), "in a live region");
    assert!(page.has("Checked in at ") && page.has("<strong>1</strong> of 1 confirmed checked in"), "{}", page.body);
    let first = attended(&app, ana.1).expect("checked in");
    let logged: Vec<String> = app.with_conn(|c| {
        audit_log::table
            .filter(audit_log::event_id.eq(ev.id).and(audit_log::action.eq("registration.check_in")))
            .select(audit_log::detail)
            .load(c)
            .expect("log")
    });
    assert_eq!(logged, vec!["Ana Silva".to_string()], "the activity log, as the registrant list's action writes it");

    // A second scan does not move the time.
    let r = org.post(&ev.org("/desk/check-in"), &[("registration", &ana_id), ("q", &code)]).await;
    let page = org.get(&r.location()).await;
    assert!(page.has("Ana Silva was already checked in at "), "{}", page.body);
    assert_eq!(attended(&app, ana.1), Some(first));

    let r = org
        .post(&ev.org("/desk/check-in"), &[("registration", &ana_id), ("q", "Ana"), ("action", "undo_check_in")])
        .await;
    assert_eq!((r.status, r.location()), (303, ev.org("/desk?q=Ana")));
    let page = org.get(&r.location()).await;
    assert!(page.has("Ana Silva is no longer checked in."), "{}", page.body);
    assert_eq!(attended(&app, ana.1), None);
    assert!(page.has(&format!("id=\"check-in-{}\"", ana.1)), "the button is back");

    // Someone without a seat is shown why, and cannot be checked in.
    let page = desk_search(&org, &ev, "Wanda").await;
    assert!(page.has("Not confirmed: on the waitlist") && !page.has(&format!("check-in-{}", wanda.1)), "{}", page.body);
    let r = org.post(&ev.org("/desk/check-in"), &[("registration", &wanda_id), ("q", "Wanda")]).await;
    assert_eq!(r.status, 303);
    let page = org.get(&r.location()).await;
    assert!(page.has("Wanda Waiting cannot be checked in. Not confirmed: on the waitlist"), "{}", page.body);
    assert_eq!(attended(&app, wanda.1), None);
    // An id that is no registration of this event.
    assert_eq!(org.post(&ev.org("/desk/check-in"), &[("registration", "999999")]).await.status, 404);
    assert_eq!(org.post(&ev.org("/desk/check-in"), &[("registration", "x")]).await.status, 404);
}

#[actix_web::test]
async fn the_desk_and_print_outs_are_for_the_events_organisers_only() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev, p) = desk_event(&app, &[("Ana Silva", "KU Leuven", "ana")]).await;
    let ana_reg = p[0].1.to_string();
    let participant = app.client();
    assert_eq!(participant.login(&p[0].2, PASSWORD).await.status, 303);
    let other_org = app.quick_user("Oscar Other", &email("oscar"), "organiser").await;
    let anonymous = app.client();
    let pages = ["/desk", "/desk?q=Ana", "/print", "/print/badges", "/print/plans", "/print/tables"];
    for path in pages {
        assert_eq!(org.get(&ev.org(path)).await.status, 200, "{path}");
        for (who, c) in [("participant", &participant), ("other organiser", &other_org)] {
            let r = c.get(&ev.org(path)).await;
            assert!(matches!(r.status, 403 | 404), "{who} on {path}: {}", r.status);
            assert!(!r.has("Ana Silva"));
        }
        let r = anonymous.get(&ev.org(path)).await;
        assert!(r.status == 303 && r.location().starts_with("/login"), "anonymous on {path}: {}", r.status);
    }
    for (who, c) in [("participant", &participant), ("other organiser", &other_org)] {
        let r = c.post(&ev.org("/desk/check-in"), &[("registration", &ana_reg)]).await;
        assert!(matches!(r.status, 403 | 404), "{who}: {}", r.status);
    }
    // Without the CSRF token, even the organiser is refused.
    assert_eq!(org.post_raw(&ev.org("/desk/check-in"), &[("registration", &ana_reg)]).await.status, 403);
    assert_eq!(attended(&app, p[0].1), None, "nobody got Ana checked in");
    // The organiser finds the desk and the print-outs by links.
    let overview = org.get(&ev.org("")).await;
    assert!(
        overview.has(&format!("href=\"{}\"", ev.org("/desk")))
            && overview.has(&format!("href=\"{}\"", ev.org("/print")))
    );
    let desk = org.get(&ev.org("/desk")).await;
    for print in ["/print/badges", "/print/plans", "/print/tables"] {
        assert!(desk.has(&format!("href=\"{}\"", ev.org(print))), "{print}");
    }
}

// ---------------------------------------------------------------- print-outs

#[actix_web::test]
async fn print_outs_show_badges_and_the_published_meetings_not_the_draft() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Print Forum").await;
    open_matchmaking(&org, &ev, "3", "4", &[(at(11, "09:00"), at(11, "10:00"))]).await;
    let ana = participant(&app, &ev, "Ana Academic", "KU Leuven", "academia", true, true).await;
    let pia = participant(&app, &ev, "Pia Pharma", "Acme Pharma", "pharma", true, true).await;
    let dan = participant(&app, &ev, "Dan Draft", "Draft Labs", "academia", true, true).await;
    let eve = participant(&app, &ev, "Eve Draft", "Draft Pharma", "pharma", true, true).await;
    // Ana asks Pia, Pia accepts: the meeting is placed and published at once.
    let r = ana.2.post(&ev.public(&format!("/people/{}/request", pia.0)), &[("message", "")]).await;
    assert_eq!(r.status, 303, "request: {}", r.body);
    let rid: i64 = app.with_conn(|c| {
        use liaison::db::schema::meeting_requests as mr;
        mr::table.filter(mr::from_user.eq(ana.0)).select(mr::id).first(c).expect("request")
    });
    assert_eq!(pia.2.post(&ev.public(&format!("/requests/{rid}/accept")), &[]).await.status, 303);
    let (starts, table): (chrono::NaiveDateTime, i32) = app.with_conn(|c| {
        pm::table
            .filter(pm::event_id.eq(ev.id).and(pm::active.eq(true)))
            .select((pm::starts_at, pm::table_no))
            .first(c)
            .expect("published meeting")
    });
    // Dan and Eve meet only in the organisers' draft, not yet published.
    app.with_conn(|c| {
        let slot: i64 =
            meeting_slots::table.filter(meeting_slots::event_id.eq(ev.id)).select(meeting_slots::id).first(c)?;
        let t = liaison::db::now();
        diesel::insert_into(meetings::table)
            .values((
                meetings::event_id.eq(ev.id),
                meetings::slot_id.eq(slot),
                meetings::table_no.eq(3),
                meetings::a_user.eq(dan.0),
                meetings::b_user.eq(eve.0),
                meetings::origin.eq("organiser"),
                meetings::locked.eq(false),
                meetings::score.eq(0.0),
                meetings::created_at.eq(t),
                meetings::updated_at.eq(t),
            ))
            .execute(c)
    })
    .expect("draft meeting");
    let local = (chrono_tz::Europe::Brussels.from_utc_datetime(&starts)).format("%H:%M").to_string();

    let plans = org.get(&ev.org("/print/plans")).await;
    assert_eq!(plans.status, 200);
    let sections: Vec<&str> = plans.body.split("<section class=\"print-page print-plan\"").skip(1).collect();
    assert_eq!(sections.len(), 2, "a plan for Ana and one for Pia, nobody else: {}", plans.body);
    assert!(
        sections[0].contains("Ana Academic")
            && sections[0].contains("Pia Pharma")
            && sections[0].contains("Acme Pharma")
    );
    assert!(sections[1].contains("<h2>Pia Pharma") && sections[1].contains("KU Leuven"));
    for s in &sections {
        assert!(
            s.contains(&local) && s.contains(&format!("<td><span class=\"print-label\">Table </span>{table}</td>")),
            "time in Brussels and table: {s}"
        );
    }
    assert!(!plans.has("Dan Draft") && !plans.has("Eve Draft"), "the draft is not printed");

    let tables = org.get(&ev.org("/print/tables")).await;
    assert!(tables.has(&format!("id=\"table-{table}\"")) && tables.has(&format!("<h2>Table {table}</h2>")));
    assert_eq!(tables.body.matches("<section class=\"print-page print-table-list\"").count(), 1, "{}", tables.body);
    assert!(tables.has("Ana Academic") && tables.has("Pia Pharma") && tables.has(&local));
    assert!(!tables.has("Dan Draft") && !tables.has("id=\"table-3\""));

    // Badges: every confirmed registrant, with the QR code of their ticket.
    let badges = org.get(&ev.org("/print/badges")).await;
    assert_eq!(badges.body.matches("<div class=\"print-badge\">").count(), 4);
    for who in [&ana, &pia, &dan, &eve] {
        let code = code_of(registration_id(&app, ev.id, who.0));
        assert!(badges.has(&format!("<p class=\"print-badge-code\">{code}</p>")), "{code}");
        assert!(badges.has(&format!("aria-label=\"QR code of ticket {code}\"")));
    }
    assert!(badges.has("Print Forum") && badges.has("/static/css/print.css"));
    let css = app.client().get("/static/css/print.css").await;
    assert!(css.status == 200 && css.has("@media print") && css.has("size: A4") && css.has("break-after: page"));
}

#[actix_web::test]
async fn badges_are_for_confirmed_registrants_eight_to_a_page() {
    let (app, _sink) = TestApp::start().await;
    let names: Vec<String> = (0..10).map(|i| format!("Person {i:02}")).collect();
    let people: Vec<(&str, &str, &str)> = names.iter().map(|n| (n.as_str(), "Org", "p")).collect();
    let (org, ev, p) = desk_event(&app, &people).await;
    set_status(&app, p[9].1, "cancelled");
    let badges = org.get(&ev.org("/print/badges")).await;
    assert_eq!(badges.body.matches("<div class=\"print-badge\">").count(), 9);
    assert_eq!(badges.body.matches("class=\"badge-sheet print-page\"").count(), 2, "8 + 1");
    assert!(!badges.has("Person 09"));
}

// ---------------------------------------------------------------- a real browser at 390 px

#[actix_web::test]
async fn browser_desk_checks_in_a_scanned_ticket_at_phone_width() {
    use fantoccini::{key::Key, Locator};
    let Some(path) = crate::browser::chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the browser test");
        return;
    };
    let (app, _sink) = TestApp::start().await;
    let org_addr = email("olga");
    app.insert_user("Olga Organiser", &org_addr, "organiser", "", "", "");
    let org = app.client();
    assert_eq!(org.login(&org_addr, PASSWORD).await.status, 303);
    let ev = create_event(&org, "Phone Desk Day with a rather long title to wrap").await;
    let uid = app.insert_user(
        "Ana Maria Silva-Extraordinarilylongsurname",
        &email("ana"),
        "attendee",
        "Katholieke Universiteit Leuven, Department of Pharmaceutical and Pharmacological Sciences",
        "academia",
        "BE",
    );
    app.insert_registration(ev.id, uid, true, true);
    let reg = registration_id(&app, ev.id, uid);
    let code = code_of(reg);
    let next = app.insert_user("Bo Next", &email("bo"), "attendee", "Acme", "pharma", "SE");
    app.insert_registration(ev.id, next, true, true);
    let next_reg = registration_id(&app, ev.id, next);

    let driver = crate::browser::start_driver(&path).await;
    let b = crate::browser::phone(&driver).await;
    let wait = Duration::from_secs(15);
    crate::browser::log_in(&b, &app.base, &org_addr).await;
    // From the organiser's pages to the desk by links.
    b.goto(&format!("{}{}", app.base, ev.org(""))).await.expect("overview");
    b.wait()
        .at_most(wait)
        .for_element(Locator::LinkText("Check-in desk"))
        .await
        .expect("link")
        .click()
        .await
        .expect("click");
    let search = b.wait().at_most(wait).for_element(Locator::Id("q")).await.expect("the search box");
    // A scanner types the code and Enter.
    search.send_keys(&format!("{code}{}", char::from(Key::Enter))).await.expect("type");
    let button = b
        .wait()
        .at_most(wait)
        .for_element(Locator::Id(&format!("check-in-{reg}")))
        .await
        .expect("the person found by ticket");
    assert_no_overflow(&b, "desk with a result").await;
    button.click().await.expect("check in");
    let message = b.wait().at_most(wait).for_element(Locator::Id("message")).await.expect("confirmation");
    assert_eq!(message.text().await.expect("text"), "Ana Maria Silva-Extraordinarilylongsurname is checked in.");
    assert!(b
        .find(Locator::Css(".desk-status-in"))
        .await
        .expect("status")
        .text()
        .await
        .expect("text")
        .starts_with("Checked in at"));
    assert_no_overflow(&b, "desk after check-in").await;
    assert!(attended(&app, reg).is_some());
    // The next person in the queue scans at once: the code replaces the last one in the box.
    let search = b.find(Locator::Id("q")).await.expect("the search box");
    search.send_keys(&format!("{}{}", code_of(next_reg), char::from(Key::Enter))).await.expect("type");
    b.wait()
        .at_most(wait)
        .for_element(Locator::Id(&format!("check-in-{next_reg}")))
        .await
        .expect("the next person found by ticket")
        .click()
        .await
        .expect("check in");
    let message = b.wait().at_most(wait).for_element(Locator::Id("message")).await.expect("confirmation");
    assert_eq!(message.text().await.expect("text"), "Bo Next is checked in.");
    assert!(attended(&app, next_reg).is_some());
    let png = b.screenshot().await.expect("screenshot");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("desk-390.png");
    std::fs::write(&out, &png).expect("save screenshot");
    // The print-outs read at 390 px too.
    for print in ["/print", "/print/badges", "/print/plans", "/print/tables"] {
        b.goto(&format!("{}{}", app.base, ev.org(print))).await.expect("print page");
        b.wait().at_most(wait).for_element(Locator::Css("h1")).await.expect("page");
        assert_no_overflow(&b, print).await;
    }
    b.close().await.expect("close");
}

async fn assert_no_overflow(b: &fantoccini::Client, what: &str) {
    let v =
        b.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.expect("measure");
    let (scroll, inner) = (v[0].as_i64().expect("n"), v[1].as_i64().expect("n"));
    assert!(scroll <= 390 && scroll <= inner, "{what}: the page is {scroll} px wide in a {inner} px window");
}

#[actix_web::test]
async fn a_broad_desk_search_shows_the_first_thirty_and_says_how_many_more() {
    let (app, _sink) = TestApp::start().await;
    let names: Vec<String> = (0..34).map(|i| format!("Marie Number{i:02}")).collect();
    let people: Vec<(&str, &str, &str)> = names.iter().map(|n| (n.as_str(), "Org", "marie")).collect();
    let (org, ev, p) = desk_event(&app, &people).await;
    // Someone who cannot be checked in comes after those who can.
    set_status(&app, p[0].1, "waitlisted");
    let page = desk_search(&org, &ev, "marie").await;
    let shown = listed(&page.body);
    assert_eq!(shown.len(), 30);
    assert!(!shown.contains(&p[0].1), "the waitlisted person is past the first thirty");
    assert_eq!(shown[0], p[1].1, "by name");
    assert!(page.has("4 more people match: type more of the name"), "{}", page.body);
    assert_eq!(listed(&desk_search(&org, &ev, "Number00").await.body), vec![p[0].1]);
}
