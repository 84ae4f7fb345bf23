//! Accessibility and phone layout, checked by machine on the demo's realistic data.
//!
//! Each role (visitor, newcomer with an account, participant, organiser, admin) starts on the
//! home page and follows the links it is shown, breadth first, visiting one page of each type
//! (`/events/{slug}/people/{n}` is one type however many people there are). On every page,
//! axe-core (fetched from the npm registry by `.ci/run`, see `AXE_JS`) runs inside the real
//! Chromium at 1280 px and again at 390 px; a serious or critical violation fails the test, and
//! so does a page wider than the 390 px screen. The crawl also proves that each page type is
//! reachable by links.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Duration;

use fantoccini::{Client as Browser, Locator};
use serde_json::Value;

use crate::browser::{browser, chromedriver_path, start_driver};
use crate::support::*;

/// The axe-core script, or None when the browser tests are skipped on this machine.
fn axe_source() -> Option<String> {
    let path = std::env::var("AXE_JS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/ci-tools/axe-core/axe.min.js").into());
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            assert!(
                std::env::var("REQUIRE_BROWSER").is_err(),
                "REQUIRE_BROWSER is set but axe-core is missing at {path} (.ci/run fetches it)"
            );
            eprintln!("no axe-core at {path}: skipping the accessibility check");
            None
        }
    }
}

/// Serious and critical axe violations on the current page, one line each.
pub(crate) async fn axe_violations(b: &Browser, axe: &str) -> Vec<String> {
    if b.execute("return typeof window.axe", vec![]).await.expect("probe") != "object" {
        b.execute(axe, vec![]).await.expect("inject axe-core");
    }
    let found = b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' +
                   v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ') +
                   (v.nodes.length > 3 ? ' (+' + (v.nodes.length - 3) + ' more)' : ''))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    found.as_array().expect("list").iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
}

/// How far the page is wider than the window, in CSS pixels (0 when it fits), and the widest
/// element that sticks out, to name in the failure.
pub(crate) async fn overflow(b: &Browser) -> (i64, String) {
    let v = b
        .execute(
            "const w = window.innerWidth; let worst = null, right = w;
             for (const el of document.body.querySelectorAll('*')) {
               const r = el.getBoundingClientRect();
               if (r.right > right + 1 && r.width > 0) { right = r.right; worst = el; }
             }
             const name = worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') +
               (worst.className && typeof worst.className === 'string' ? '.' + worst.className.trim().split(/\\s+/).join('.') : '') : '';
             return [document.documentElement.scrollWidth - w, name];",
            vec![],
        )
        .await
        .expect("measure width");
    (v[0].as_i64().unwrap_or(0), v[1].as_str().unwrap_or_default().to_string())
}

/// `/events/pharma-days/people/17?q=x` becomes `/events/pharma-days/people/{n}?q`: each
/// event's pages are audited (a draft, a past and a running event show different things), but
/// one person, session or request stands for all.
fn page_type(path_and_query: &str) -> String {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let segments: Vec<&str> = path.split('/').collect();
    let event_id = segments.starts_with(&["", "organise", "events"]);
    let mut out = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        out.push(if event_id && i == 3 {
            s.to_string()
        } else if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
            "{n}".to_string()
        } else if s.len() >= 20 && !s.contains('-') {
            "{token}".to_string()
        } else {
            s.to_string()
        });
    }
    let mut keys: Vec<&str> =
        query.split('&').filter_map(|kv| kv.split('=').next()).filter(|k| !k.is_empty()).collect();
    keys.sort();
    keys.dedup();
    let mut t = out.join("/");
    if !keys.is_empty() {
        t.push('?');
        t.push_str(&keys.join("&"));
    }
    t
}

/// Links that lead to a file, not a page, or out of the site.
fn is_page_link(base: &str, href: &str) -> Option<String> {
    let rest = href.strip_prefix(base)?;
    let rest = rest.split('#').next().unwrap_or_default();
    let path = rest.split('?').next().unwrap_or_default();
    let files = [".ics", ".xml", ".json", ".csv", ".css", ".js", ".png", ".svg", ".pdf", ".txt"];
    if !rest.starts_with('/') || files.iter().any(|x| path.ends_with(x)) {
        return None;
    }
    if path.starts_with("/static/") || path == "/account/export" || path == "/healthz" {
        return None;
    }
    Some(rest.to_string())
}

struct Audit {
    pages: BTreeMap<String, String>,
    problems: Vec<String>,
}

/// Walks the site as the logged-in (or anonymous) browser `b` from the home page, auditing one
/// page of each type at both widths.
async fn crawl(b: &Browser, base: &str, axe: &str, role: &str, skip: &[&str]) -> Audit {
    let limit = 150;
    let mut seen_types = HashSet::new();
    let mut queue = VecDeque::from(["/".to_string()]);
    seen_types.insert(page_type("/"));
    let mut audit = Audit { pages: BTreeMap::new(), problems: Vec::new() };
    while let Some(path) = queue.pop_front() {
        if audit.pages.len() >= limit {
            audit.problems.push(format!("{role}: more than {limit} page types; raise the limit"));
            break;
        }
        b.set_window_size(1280, 900).await.expect("wide");
        b.goto(&format!("{base}{path}")).await.expect("open page");
        let html = b.execute("return document.contentType", vec![]).await.expect("type") == "text/html";
        if !html {
            continue;
        }
        audit.pages.insert(page_type(&path), path.clone());
        for v in axe_violations(b, axe).await {
            audit.problems.push(format!("{role} {path} at 1280 px: {v}"));
        }
        b.set_window_size(390, 844).await.expect("narrow");
        let width = b.execute("return window.innerWidth", vec![]).await.expect("width");
        assert_eq!(width, Value::from(390), "the window narrows to a phone's 390 px");
        for v in axe_violations(b, axe).await {
            audit.problems.push(format!("{role} {path} at 390 px: {v}"));
        }
        let (over, element) = overflow(b).await;
        if over > 0 {
            audit
                .problems
                .push(format!("{role} {path} at 390 px: the page is {over} px wider than the screen ({element})"));
        }
        let links = b
            .execute("return Array.from(document.querySelectorAll('a[href]'), a => a.href)", vec![])
            .await
            .expect("links");
        for href in links.as_array().expect("list").iter().filter_map(Value::as_str) {
            if let Some(next) = is_page_link(base, href).filter(|p| !skip.iter().any(|s| p.starts_with(s))) {
                if seen_types.insert(page_type(&next)) {
                    queue.push_back(next);
                }
            }
        }
    }
    audit
}

async fn log_in_as(b: &Browser, base: &str, email: &str, password: &str) {
    let wait = Duration::from_secs(15);
    b.goto(&format!("{base}/login")).await.expect("login page");
    b.wait().at_most(wait).for_element(Locator::Id("email")).await.expect("form");
    b.find(Locator::Id("email")).await.expect("email").send_keys(email).await.expect("type");
    b.find(Locator::Id("password")).await.expect("password").send_keys(password).await.expect("type");
    b.find(Locator::Id("submit")).await.expect("submit").click().await.expect("click");
    b.wait().at_most(wait).for_element(Locator::Id("logout")).await.expect("logged in");
}

/// Seeds the demo, logs in as `role` and audits everything that role reaches. `must_reach`
/// names page types the crawl has to find (proof that the links lead there).
async fn audit_role(role: &str, must_reach: &[&str]) {
    let Some(path) = chromedriver_path() else {
        assert!(std::env::var("REQUIRE_BROWSER").is_err(), "REQUIRE_BROWSER is set but chromedriver is missing");
        eprintln!("no chromedriver: skipping the accessibility check");
        return;
    };
    let Some(axe) = axe_source() else { return };
    let app = TestApp::start_with(Options { mail_worker: false, ..Default::default() }).await;
    let logins = liaison::demo::seed(&app.db).expect("demo data");
    let driver = start_driver(&path).await;
    let b = browser(&driver).await;
    b.update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
        Some(Duration::from_secs(60)),
        Some(Duration::from_secs(60)),
        None,
    ))
    .await
    .expect("timeouts");
    match role {
        "visitor" => {}
        "newcomer" => {
            let mail = email("newcomer");
            app.insert_user("Nadia Newcomer", &mail, "attendee", "", "", "");
            log_in_as(&b, &app.base, &mail, PASSWORD).await;
        }
        _ => {
            let login = logins.iter().find(|l| l.role == role).expect("a demo login for the role");
            log_in_as(&b, &app.base, login.email, &login.password).await;
        }
    }
    // An admin's organiser pages are the organiser's: audited there.
    let skip: &[&str] = if role == "admin" { &["/organise/events/"] } else { &[] };
    let audit = crawl(&b, &app.base, &axe, role, skip).await;
    let report = audit.pages.iter().map(|(t, p)| format!("{t}  ({p})")).collect::<Vec<_>>().join("\n");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("accessibility-{role}.txt"));
    std::fs::write(&out, format!("{report}\n\nproblems:\n{}\n", audit.problems.join("\n"))).expect("report");
    eprintln!("{role}: {} page types audited; report in {}", audit.pages.len(), out.display());
    for t in must_reach {
        assert!(
            audit.pages.keys().any(|p| same_shape(t, p)),
            "{role} reaches no {t} page by links; reached:\n{report}"
        );
    }
    assert!(audit.problems.is_empty(), "{role}: {} problems:\n{}", audit.problems.len(), audit.problems.join("\n"));
    b.close().await.expect("close");
}

/// `/events/{slug}/agenda` has the shape of `/events/pharma-days/agenda` (a `{…}` segment
/// stands for any one segment).
fn same_shape(pattern: &str, page: &str) -> bool {
    let (p, q) = (pattern.split('/').collect::<Vec<_>>(), page.split('/').collect::<Vec<_>>());
    p.len() == q.len() && p.iter().zip(&q).all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty()))
}

#[actix_web::test]
async fn every_page_a_visitor_reaches_passes_axe_at_390_and_1280_px() {
    audit_role("visitor", &["/", "/events", "/events/{slug}", "/events/{slug}/agenda", "/login", "/signup"]).await;
}

#[actix_web::test]
async fn every_page_a_newcomer_reaches_passes_axe_at_390_and_1280_px() {
    audit_role("newcomer", &["/events/{slug}/register", "/account"]).await;
}

#[actix_web::test]
async fn every_page_a_participant_reaches_passes_axe_at_390_and_1280_px() {
    audit_role(
        "attendee",
        &[
            "/events/{slug}/my-agenda",
            "/events/{slug}/matches",
            "/events/{slug}/meetings",
            "/events/{slug}/profile",
            "/events/{slug}/directory",
            "/events/{slug}/people/{n}",
            "/events/{slug}/ideas",
            "/events/{slug}/ideas/{n}",
            "/events/{slug}/ideas-for-you",
            "/my/registrations",
        ],
    )
    .await;
}

#[actix_web::test]
async fn every_page_an_organiser_reaches_passes_axe_at_390_and_1280_px() {
    audit_role(
        "organiser",
        &[
            "/organise",
            "/organise/events/{n}",
            "/organise/events/{n}/registrants",
            "/organise/events/{n}/desk",
            "/organise/events/{n}/print/tables",
            "/organise/events/{n}/print/badges",
            "/organise/events/{n}/print/plans",
            "/organise/events/{n}/meetings",
            "/organise/events/{n}/eligibility",
        ],
    )
    .await;
}

#[actix_web::test]
async fn every_page_an_admin_reaches_passes_axe_at_390_and_1280_px() {
    audit_role("admin", &["/admin/users", "/admin/mail"]).await;
}

#[test]
fn page_types_fold_ids_slugs_and_tokens() {
    assert_eq!(page_type("/events/pharma-days/people/17?q=x&page=2"), "/events/pharma-days/people/{n}?page&q");
    assert_eq!(page_type("/organise/events/3/sessions/9/edit"), "/organise/events/3/sessions/{n}/edit");
    assert_eq!(page_type("/confirm/abcdefghijklmnopqrstuvwxyz"), "/confirm/{token}");
    assert_eq!(page_type("/events"), "/events");
    assert_eq!(page_type("/organise/events/new"), "/organise/events/new");
    assert!(same_shape("/events/{slug}/agenda", "/events/pharma-days/agenda"));
    assert!(!same_shape("/events/{slug}", "/events/pharma-days/agenda"));
    assert_eq!(is_page_link("http://h", "http://h/events/x/agenda.ics"), None);
    assert_eq!(is_page_link("http://h", "http://other/x"), None);
    assert_eq!(is_page_link("http://h", "http://h/events/x#top").as_deref(), Some("/events/x"));
}
