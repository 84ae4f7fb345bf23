//! Ways through the product by visible links only (issue 13 builds these out): from the home
//! page an anonymous visitor finds an event, its programme and the programme's calendar.

use crate::agenda::{add_room, create_event, create_session, SessionFields};
use crate::support::*;

/// The first `href` in `body` that starts with `prefix`.
fn link(body: &str, prefix: &str) -> String {
    let start = body.find(&format!("href=\"{prefix}")).unwrap_or_else(|| panic!("no link to {prefix}* in:\n{body}"));
    body[start + 6..].split('"').next().expect("href").to_string()
}

#[actix_web::test]
async fn a_visitor_reaches_the_programme_and_its_calendar_from_the_home_page_by_links() {
    let (app, _sink) = TestApp::start().await;
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, "Link Forum", "published").await;
    let room = add_room(&app, &org, &ev, "Room A", "").await;
    create_session(
        &app,
        &org,
        &ev,
        &SessionFields::talk("Findable keynote", crate::agenda::at(10, "10:00"), crate::agenda::at(10, "11:00"), room),
    )
    .await;

    let visitor = app.client();
    let home = visitor.get("/").await;
    assert_eq!(home.status, 200);
    let events = visitor.get(&link(&home.body, "/events")).await;
    let event_page = visitor.get(&link(&events.body, &format!("/events/{}", ev.slug))).await;
    assert_eq!(event_page.status, 200);
    assert!(event_page.has("id=\"programme-links\""), "{}", event_page.body);
    let programme = visitor.get(&link(&event_page.body, &format!("/events/{}/agenda", ev.slug))).await;
    assert_eq!(programme.status, 200);
    assert!(programme.has("Findable keynote"), "{}", programme.body);
    for export in [".ics", "/schedule.xml", "/schedule.json"] {
        let href = if export == ".ics" {
            link(&event_page.body, &format!("/events/{}/agenda.ics", ev.slug))
        } else {
            link(&event_page.body, &format!("/events/{}{export}", ev.slug))
        };
        let r = visitor.get(&href).await;
        assert_eq!(r.status, 200, "{href}");
        assert!(r.has("Findable keynote"), "{href}: {}", r.body);
    }
}

// ---------- each role's whole journey in real Chromium at 390 px, by visible links ----------

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client as Browser, Locator};

use crate::browser::{browser, chromedriver_path, start_driver};

/// A phone-sized browser that moves only by clicking what is visible, and keeps screenshots.
struct Walk {
    b: Browser,
    base: String,
    shots: PathBuf,
    /// Also copy the screenshots here (README shows them): `LIAISON_SCREENSHOTS=docs/journeys`.
    publish: Option<PathBuf>,
}

const WAIT: Duration = Duration::from_secs(15);

impl Walk {
    async fn start(b: Browser, base: &str) -> Walk {
        b.set_window_size(390, 844).await.expect("phone width");
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("journeys");
        std::fs::create_dir_all(&shots).expect("screenshot folder");
        let publish =
            std::env::var("LIAISON_SCREENSHOTS").ok().map(|d| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(d));
        Walk { b, base: base.to_string(), shots, publish }
    }

    /// Opens the home page: the one address a role types.
    async fn home(&self) {
        self.b.goto(&self.base).await.expect("home page");
    }

    async fn path(&self) -> String {
        let url = self.b.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The visible link whose text contains `text`, clicked; the failure lists what was visible.
    async fn click(&self, text: &str) {
        self.click_in("a", text).await;
    }

    /// The visible button whose text contains `text`, pressed.
    async fn press(&self, text: &str) {
        self.click_in("button", text).await;
    }

    async fn click_in(&self, tag: &str, text: &str) {
        let before = self.path().await;
        let mut seen = Vec::new();
        for _ in 0..30 {
            seen.clear();
            for el in self.b.find_all(Locator::Css(tag)).await.expect("elements") {
                let shown = el.is_displayed().await.unwrap_or(false);
                let t = el.text().await.unwrap_or_default();
                if shown && t.contains(text) {
                    el.click().await.unwrap_or_else(|e| panic!("click {tag} {text:?} on {before}: {e}"));
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    return;
                }
                if shown && !t.trim().is_empty() {
                    seen.push(t.trim().replace('\n', " "));
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no visible {tag} with {text:?} on {before}; visible: {seen:#?}");
    }

    async fn fill(&self, id: &str, value: &str) {
        let el =
            self.b.wait().at_most(WAIT).for_element(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
        el.clear().await.ok();
        el.send_keys(value).await.unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }

    /// Sets a date-time field (typing into one depends on the browser's locale).
    async fn set(&self, id: &str, value: &str) {
        self.b
            .execute(
                "const e = document.getElementById(arguments[0]); e.value = arguments[1]; return e.value;",
                vec![id.into(), value.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"));
    }

    async fn select(&self, id: &str, value: &str) {
        let el = self.b.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
        el.select_by_value(value).await.unwrap_or_else(|e| panic!("#{id} = {value}: {e}"));
    }

    /// Ticks the choice whose visible label contains `text` (radio buttons and checkboxes).
    async fn choose(&self, text: &str) {
        self.click_in("label", text).await;
    }

    async fn tick(&self, id: &str) {
        let el = self.b.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
        if el.prop("checked").await.expect("checked").as_deref() != Some("true") {
            el.click().await.expect("tick");
        }
    }

    async fn text(&self) -> String {
        self.b.find(Locator::Css("main")).await.expect("main").text().await.expect("text")
    }

    async fn wait_for_text(&self, needle: &str) {
        for _ in 0..100 {
            if self.text().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{needle:?} never shows on {}:\n{}", self.path().await, self.text().await);
    }

    /// Brings the element with this id to the top of the screen, as a person scrolling would.
    async fn scroll_to(&self, id: &str) {
        self.b
            .execute(
                "const e = document.getElementById(arguments[0]); if (!e) return false; e.scrollIntoView(); return true;",
                vec![id.into()],
            )
            .await
            .expect("scroll");
    }

    /// Saves what the 390 px screen shows and checks that the page fits the screen.
    async fn shot(&self, name: &str) {
        let (over, element) = crate::accessibility::overflow(&self.b).await;
        assert!(over <= 0, "{name} ({}): the page is {over} px wider than the phone ({element})", self.path().await);
        let png = self.b.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), &png).expect("save screenshot");
        if let Some(dir) = &self.publish {
            std::fs::create_dir_all(dir).expect("publish folder");
            std::fs::write(dir.join(format!("{name}.png")), &png).expect("publish screenshot");
        }
    }

    async fn log_in(&self, email: &str, password: &str) {
        self.click("Log in").await;
        self.fill("email", email).await;
        self.fill("password", password).await;
        self.b.find(Locator::Id("submit")).await.expect("submit").click().await.expect("log in");
        self.b.wait().at_most(WAIT).for_element(Locator::Id("logout")).await.expect("logged in");
    }

    async fn log_out(&self) {
        self.b.find(Locator::Id("logout")).await.expect("log-out button").click().await.expect("log out");
        self.b.wait().at_most(WAIT).for_element(Locator::LinkText("Log in")).await.expect("logged out");
    }
}

/// The demo participant with the fewest meetings who takes part in matchmaking and is listed:
/// Nina's partner.
fn free_partner(app: &TestApp, event_id: i64) -> (String, String) {
    use diesel::prelude::*;
    use liaison::db::schema::{published_meetings as pm, registrations as r, users as u};
    app.with_conn(|c| {
        let pairs: Vec<(i64, i64)> = pm::table
            .filter(pm::event_id.eq(event_id).and(pm::active.eq(true)))
            .select((pm::a_user, pm::b_user))
            .load(c)
            .expect("meetings");
        let people: Vec<(i64, String, String)> = u::table
            .inner_join(r::table.on(r::user_id.eq(u::id)))
            .filter(r::event_id.eq(event_id).and(r::status.eq("confirmed")))
            .filter(r::matchmaking_consent.eq(true).and(r::directory_consent.eq(true)))
            .filter(u::email.like("%.example"))
            .order(u::id)
            .select((u::id, u::name, u::email))
            .load(c)
            .expect("participants");
        let meetings = |id: i64| pairs.iter().filter(|(a, b)| *a == id || *b == id).count();
        let (_, name, email) = people.into_iter().min_by_key(|p| meetings(p.0)).expect("a demo participant");
        (name, email)
    })
}

fn main_event(app: &TestApp) -> (i64, String) {
    use diesel::prelude::*;
    use liaison::db::schema::{events as e, match_settings as s};
    app.with_conn(|c| {
        // The demo's main event is a full house with every meeting table taken; the organisers
        // found twenty more seats and two more tables.
        diesel::update(e::table.filter(e::slug.eq("pharma-meets-academia")))
            .set(e::capacity.eq(e::capacity + 20))
            .execute(c)
            .expect("more seats");
        let (id, title) = e::table
            .filter(e::slug.eq("pharma-meets-academia"))
            .select((e::id, e::title))
            .first::<(i64, String)>(c)
            .expect("main event");
        diesel::update(s::table.find(id)).set(s::tables_count.eq(s::tables_count + 2)).execute(c).expect("tables");
        (id, title)
    })
}

#[actix_web::test]
async fn each_role_walks_its_whole_journey_at_390_px_by_visible_links() {
    let Some(driver_path) = chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the journeys");
        return;
    };
    let (app, sink) = TestApp::start().await;
    let logins = liaison::demo::seed(&app.db).expect("demo data");
    let login =
        |role: &str| logins.iter().find(|l| l.role == role).map(|l| (l.email, l.password.clone())).expect("login");
    let (event_id, title) = main_event(&app);
    let (partner, partner_email) = free_partner(&app, event_id);
    let driver = start_driver(&driver_path).await;
    let w = Walk::start(browser(&driver).await, &app.base).await;
    let nina = email("nina");

    // ---- Newcomer: find the event, read the programme, subscribe, sign up, register ----
    w.home().await;
    w.shot("01-home").await;
    w.click("Events").await;
    w.click(&title).await;
    w.wait_for_text("Read the programme").await;
    w.shot("02-event-hub-visitor").await;
    w.click("Read the programme").await;
    w.wait_for_text("All times are in").await;
    let list_shown = w.b.find(Locator::Css(".programme-list")).await.expect("the programme list").is_displayed().await;
    assert_eq!(list_shown.ok(), Some(true), "at 390 px the programme is a list");
    w.shot("03-programme-list").await;
    w.click(&title).await;
    // Subscribing hands the calendar app a webcal:// address; it serves the programme.
    let webcal = w.b.find(Locator::Id("webcal-link")).await.expect("subscribe link");
    assert!(webcal.is_displayed().await.expect("shown"));
    let href = webcal.attr("href").await.expect("href").expect("an address");
    let feed = href.replacen("webcal://", "http://", 1);
    let ics = app.client().get(feed.strip_prefix(&app.base).expect("this site")).await;
    assert!(ics.has("BEGIN:VCALENDAR") && ics.has("BEGIN:VEVENT"), "{href}: {}", ics.body);
    w.click("Register").await;
    w.click("Create an account").await;
    w.fill("name", "Nina Newcomer").await;
    w.fill("email", &nina).await;
    w.fill("password", PASSWORD).await;
    w.b.find(Locator::Id("submit")).await.expect("sign up").click().await.expect("sign up");
    w.b.wait().at_most(WAIT).for_element(Locator::Id("check-email")).await.expect("check your e-mail");
    let confirm = sink.wait_for(&nina, "Confirm your e-mail").await.link(&app.base);
    w.b.goto(&confirm).await.expect("the e-mailed link");
    w.press("Confirm").await;
    w.fill("password", PASSWORD).await;
    w.b.find(Locator::Id("submit")).await.expect("log in").click().await.expect("log in");
    w.b.wait().at_most(WAIT).for_element(Locator::Id("logout")).await.expect("logged in");
    if !w.path().await.ends_with("/register") {
        w.click("Events").await;
        w.click(&title).await;
        w.click("Register").await;
    }
    w.fill("organisation", "Universidade do Porto").await;
    w.select("sector", "academia").await;
    w.select("country", "PT").await;
    w.fill("job_title", "Postdoctoral researcher").await;
    w.choose("Both days").await;
    w.choose("Oncology").await;
    w.tick("directory_consent").await;
    w.tick("matchmaking_consent").await;
    w.shot("04-registration-form").await;
    w.press("Register").await;
    let confirmation = sink.wait_for(&nina, "You are registered").await;
    let ticket =
        confirmation.text.split_whitespace().find(|t| t.starts_with("LSN-")).expect("a ticket code").to_string();
    let ticket = ticket.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();

    // ---- Participant: complete the profile, request a meeting ----
    w.click("Events").await;
    w.click(&title).await;
    w.wait_for_text("Complete your profile").await;
    w.shot("05-event-hub-next-steps").await;
    w.click("Complete your profile").await;
    w.fill("bio", "Porto group working on organoid models of paediatric brain tumours; we seek compound libraries and an industry partner for IHI calls.").await;
    w.fill("add_topic", "Oncology").await;
    w.press("Save my profile").await;
    w.wait_for_text("Your profile is saved").await;
    w.shot("06-profile").await;
    w.click("Participants").await;
    w.fill("q", &partner).await;
    w.press("Filter").await;
    w.click(&partner).await;
    w.fill("message", "Could we talk about organoid screens?").await;
    w.scroll_to("request").await;
    w.shot("07-person-page").await;
    w.press("Request a meeting").await;
    w.wait_for_text("request is sent").await;
    w.log_out().await;

    // ---- The partner accepts, from the hub's next step ----
    let (_, attendee_password) = login("attendee");
    w.home().await;
    w.log_in(&partner_email, &attendee_password).await;
    w.click("Events").await;
    w.click(&title).await;
    w.click("waits for your answer").await;
    w.press("Accept").await;
    w.wait_for_text("Nina Newcomer").await;
    w.log_out().await;

    // ---- Nina sees the meeting in her agenda ----
    w.home().await;
    w.log_in(&nina, PASSWORD).await;
    w.click("Events").await;
    w.click(&title).await;
    w.click("My agenda").await;
    w.wait_for_text(&partner).await;
    w.shot("08-my-agenda-with-meeting").await;
    w.log_out().await;

    // ---- Organiser: create an event, check people in by name and by ticket, print ----
    let (org_email, org_password) = login("organiser");
    w.home().await;
    w.log_in(org_email, &org_password).await;
    w.click("Organise").await;
    w.click("New event").await;
    w.fill("title", "Rare Diseases Partnering Day").await;
    w.set("starts_at", "2027-09-14T09:00").await;
    w.set("ends_at", "2027-09-14T17:30").await;
    w.fill("venue", "Egmont Palace").await;
    w.shot("09-new-event").await;
    w.press("Create event").await;
    w.wait_for_text("Rare Diseases Partnering Day").await;
    w.click("Organise").await;
    w.click(&title).await;
    w.click("Check-in desk").await;
    w.fill("q", &partner).await;
    w.press("Find").await;
    w.press("Check in").await;
    w.wait_for_text(&format!("{partner} is checked in")).await;
    w.fill("q", &ticket).await;
    w.press("Find").await;
    w.wait_for_text("Ticket found").await;
    w.scroll_to("desk-outcome").await;
    w.shot("10-desk-ticket").await;
    w.press("Check in").await;
    w.wait_for_text("Nina Newcomer is checked in").await;
    w.scroll_to("desk-counts").await;
    w.shot("11-desk-checked-in").await;
    w.click("Table lists").await;
    w.wait_for_text("Nina Newcomer").await;
    w.shot("12-table-lists").await;
    w.b.close().await.expect("close");
}
