//! Project ideas through the real server: an idea is posted with roles, people apply and are
//! accepted, the eligibility checklist changes as they join; declined, withdrawn, filled and
//! closed paths; every step's mail at the SMTP sink; only the coordinator decides; only members
//! see member-only details; unlisted and hidden ideas; bad input beside its field; leaving the
//! event or deleting the account; the organiser's eligibility rules.

use diesel::prelude::*;
use liaison::db::schema::{idea_applications as ia, idea_roles as ir, ideas, registrations};

use crate::matchmaking::{create_event, Ev};
use crate::support::*;

/// A confirmed participant of `ev` from `org` (`sector`, `country`), logged in.
async fn person(app: &TestApp, ev: &Ev, name: &str, org: &str, sector: &str, country: &str) -> (i64, String, Client) {
    let addr = email(&name.to_lowercase().replace(' ', "."));
    let uid = app.insert_user(name, &addr, "attendee", org, sector, country);
    app.insert_registration(ev.id, uid, true, true);
    let c = app.client();
    assert_eq!(c.login(&addr, PASSWORD).await.status, 303);
    (uid, addr, c)
}

async fn event(app: &TestApp, title: &str) -> (Client, Ev) {
    let org = app.quick_user("Olga Organiser", &email("olga"), "organiser").await;
    let ev = create_event(&org, title).await;
    (org, ev)
}

/// The idea form with `roles` as (description, topics, sectors, countries).
fn idea_form<'a>(
    title: &'a str,
    listed: bool,
    roles: &[(&'a str, &'a str, &[&'a str], &'a str)],
) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("title".into(), title.into()),
        ("summary".into(), "Preclinical models for paediatric tumours.\n\nA four-year project.".into()),
        ("call_text".into(), "IHI call 10: paediatric oncology".into()),
        ("call_id".into(), "HORIZON-JU-IHI-2027-10-01".into()),
        ("rows".into(), roles.len().to_string()),
    ];
    if listed {
        f.push(("listed".into(), "on".into()));
    }
    for (i, (desc, topics, sectors, countries)) in roles.iter().enumerate() {
        f.push((format!("role{i}_id"), String::new()));
        f.push((format!("role{i}_description"), desc.to_string()));
        f.push((format!("role{i}_topics"), topics.to_string()));
        for s in *sectors {
            f.push((format!("role{i}_sectors"), s.to_string()));
        }
        f.push((format!("role{i}_countries"), countries.to_string()));
    }
    f
}

fn set(f: &mut [(String, String)], key: &str, value: &str) {
    f.iter_mut().find(|(k, _)| k == key).expect(key).1 = value.to_string();
}

async fn post(c: &Client, path: &str, f: &[(String, String)]) -> Page {
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post(path, &fields).await
}

/// Posts an idea with two roles (industry; clinical from DE or NL); returns its id and address.
async fn post_idea(c: &Client, ev: &Ev, title: &str, listed: bool) -> (i64, TestIdeaPath) {
    let f = idea_form(
        title,
        listed,
        &[
            (
                "Industry partner with in-vivo oncology models",
                "Oncology, Preclinical models",
                &["pharma", "biotech_sme"],
                "",
            ),
            ("Clinical site with a paediatric cohort", "Paediatric cancers", &["hospital"], "DE, NL"),
        ],
    );
    let r = post(c, &ev.public("/ideas/new"), &f).await;
    assert_eq!(r.status, 303, "post idea: {}", r.body);
    let id: i64 = r.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("idea id");
    (id, TestIdeaPath(ev.public(&format!("/ideas/{id}"))))
}

struct TestIdeaPath(String);

impl TestIdeaPath {
    fn at(&self, rest: &str) -> String {
        format!("{}{rest}", self.0)
    }
}

fn roles_of(app: &TestApp, idea: i64) -> Vec<i64> {
    app.with_conn(|c| ir::table.filter(ir::idea_id.eq(idea)).order(ir::position).select(ir::id).load(c).expect("roles"))
}

fn application(app: &TestApp, role: i64, user: i64) -> (i64, String) {
    app.with_conn(|c| {
        ia::table
            .filter(ia::role_id.eq(role).and(ia::user_id.eq(user)))
            .order(ia::id.desc())
            .select((ia::id, ia::status))
            .first(c)
            .expect("application")
    })
}

async fn apply(c: &Client, p: &TestIdeaPath, role: i64, message: &str) -> Page {
    c.post(&p.at(&format!("/roles/{role}/apply")), &[("message", message)]).await
}

// ---------------------------------------------------------------- the whole flow

#[actix_web::test]
async fn an_idea_forms_a_consortium_and_the_checklist_changes_as_partners_join() {
    let (app, sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Paediatric Oncology Partnering").await;
    let (_, cora_addr, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (ana_id, ana_addr, ana) = person(&app, &ev, "Ana Industry", "Acme Pharma", "pharma", "DE").await;
    let (hugo_id, hugo_addr, hugo) = person(&app, &ev, "Hugo Hospital", "Erasmus MC", "hospital", "NL").await;

    let (id, p) = post_idea(&cora, &ev, "Paediatric tumour models", true).await;
    let roles = roles_of(&app, id);
    assert_eq!(roles.len(), 2);

    // The list shows it with its open roles; the page shows roles and the checklist.
    let list = ana.get(&ev.public("/ideas")).await;
    assert_eq!(list.status, 200);
    assert!(list.has(&format!("id=\"idea-{id}\"")) && list.has("1 idea") && list.has("2 open roles"));
    let page = ana.get(&p.0).await;
    assert_eq!(page.status, 200);
    assert!(page.has("HORIZON-JU-IHI-2027-10-01 · IHI call 10: paediatric oncology"));
    assert!(
        page.has("Industry partner with in-vivo oncology models") && page.has("Topics: Oncology, Preclinical models")
    );
    assert!(page.has("Sector: Pharmaceutical company or Biotech / SME") && page.has("Countries: Germany, Netherlands"));
    assert!(page.has("\u{2717} 1 of 3 independent legal entities: add a partner from another organisation"));
    assert!(page.has(
        "\u{2717} 1 of 3 countries from EU member states or associated countries: add a partner from another country"
    ));
    assert!(page.has("\u{2713} 1 academic or clinical partner"));
    assert!(page
        .has("\u{2717} no industry partner yet: the rules need at least 1 (Pharmaceutical company or Biotech / SME)"));
    assert!(page.has(&format!("id=\"apply-{}\"", roles[0])));

    // Ana applies; the coordinator is mailed with her message.
    let form = ana.get(&p.at(&format!("/roles/{}/apply", roles[0]))).await;
    assert_eq!(form.status, 200);
    let r = apply(&ana, &p, roles[0], "We run orthotopic neuroblastoma models.").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let m = sink.wait_for(&cora_addr, "Application for").await;
    assert!(m.text.contains("Ana Industry (Acme Pharma) applies for the role"), "{}", m.text);
    assert!(m.text.contains("We run orthotopic neuroblastoma models.") && m.html.contains("neuroblastoma"));
    assert!(m.text.contains(&p.at("#applications")));
    let again = apply(&ana, &p, roles[0], "").await;
    assert_eq!(again.status, 422);
    assert!(again.has("You have applied for this role already"));

    // Accepted: she is mailed, and the checklist counts her.
    let (app_id, status) = application(&app, roles[0], ana_id);
    assert_eq!(status, "pending");
    let coord_page = cora.get(&p.0).await;
    assert!(coord_page.has(&format!("id=\"application-{app_id}\"")) && coord_page.has("neuroblastoma"));
    let r = cora.post(&p.at(&format!("/applications/{app_id}/accept")), &[]).await;
    assert_eq!(r.status, 303);
    let m = sink.wait_for(&ana_addr, "You are in the consortium").await;
    assert!(m.text.contains("is accepted: you are now a member of the consortium"), "{}", m.text);
    assert_eq!(application(&app, roles[0], ana_id).1, "accepted");
    let page = hugo.get(&p.0).await;
    assert!(page.has("Filled by Ana Industry (Acme Pharma)"));
    assert!(page.has("\u{2717} 2 of 3 independent legal entities"));
    assert!(page.has("\u{2713} 1 industry partner"));

    // Hugo's country fits the clinical role; he applies and joins; Ana hears of it.
    let r = apply(&hugo, &p, roles[1], "").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let (hugo_app, _) = application(&app, roles[1], hugo_id);
    let r = cora.post(&p.at(&format!("/applications/{hugo_app}/decline")), &[]).await;
    assert_eq!(r.status, 303);
    let m = sink.wait_for(&hugo_addr, "Application not accepted").await;
    assert!(m.text.contains("has declined your application for the role"), "{}", m.text);
    // A second try is accepted.
    assert_eq!(apply(&hugo, &p, roles[1], "Please reconsider: 300 patients.").await.status, 303);
    let (hugo_app, _) = application(&app, roles[1], hugo_id);
    assert_eq!(cora.post(&p.at(&format!("/applications/{hugo_app}/accept")), &[]).await.status, 303);
    sink.wait_for(&hugo_addr, "You are in the consortium").await;
    let m = sink.wait_for(&ana_addr, "New member in the consortium").await;
    assert!(m.text.contains("Hugo Hospital (Erasmus MC) has joined"), "{}", m.text);
    assert!(sink.to(&cora_addr).iter().all(|m| !m.subject.contains("New member")), "the coordinator decided it");

    let page = ana.get(&p.0).await;
    assert!(page.has("The consortium meets every rule of this event."));
    assert!(page.has("\u{2713} 3 independent legal entities"));
    assert!(page.has("\u{2713} 3 countries from EU member states or associated countries"));
    assert!(page.has("\u{2713} 2 academic or clinical partners"));
    // Members see one another's e-mail addresses.
    assert!(page.has(&hugo_addr) && page.has(&cora_addr));
    let list = ana.get(&ev.public("/ideas")).await;
    assert!(list.has("3 members") && list.has("0 open roles"));
}

#[actix_web::test]
async fn withdrawn_filled_and_closed_paths_tell_the_people_concerned() {
    let (app, sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Closing Forum").await;
    let (_, cora_addr, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (ana_id, ana_addr, ana) = person(&app, &ev, "Ana Industry", "Acme Pharma", "pharma", "DE").await;
    let (bea_id, bea_addr, bea) = person(&app, &ev, "Bea Biotech", "Assay SME", "biotech_sme", "NL").await;
    let (cid_id, cid_addr, cid) = person(&app, &ev, "Cid Chem", "ChemCo", "pharma", "FR").await;
    let (hugo_id, hugo_addr, hugo) = person(&app, &ev, "Hugo Hospital", "Erasmus MC", "hospital", "NL").await;
    let (id, p) = post_idea(&cora, &ev, "Biomarker assay consortium", true).await;
    let roles = roles_of(&app, id);

    // A role's constraints: Ana (pharma) cannot take the clinical role.
    let r = apply(&ana, &p, roles[1], "").await;
    assert_eq!(r.status, 422);
    assert!(r.has("This role is for a partner from Hospital"), "{}", r.body);

    for c in [&ana, &bea, &cid] {
        assert_eq!(apply(c, &p, roles[0], "").await.status, 303);
    }
    // Cid withdraws; his application shows as withdrawn and cannot be accepted any more.
    let (cid_app, _) = application(&app, roles[0], cid_id);
    assert!(cid.get(&p.0).await.has(&format!("id=\"withdraw-{cid_app}\"")));
    assert_eq!(cid.post(&p.at(&format!("/applications/{cid_app}/withdraw")), &[]).await.status, 303);
    assert_eq!(application(&app, roles[0], cid_id).1, "withdrawn");
    cora.post(&p.at(&format!("/applications/{cid_app}/accept")), &[]).await;
    assert_eq!(application(&app, roles[0], cid_id).1, "withdrawn", "a withdrawn application stays withdrawn");

    // Ana is accepted: Bea's application for the same role ends with a word to her.
    let (ana_app, _) = application(&app, roles[0], ana_id);
    assert_eq!(cora.post(&p.at(&format!("/applications/{ana_app}/accept")), &[]).await.status, 303);
    assert_eq!(application(&app, roles[0], bea_id).1, "declined");
    let m = sink.wait_for(&bea_addr, "Application not accepted").await;
    assert!(m.text.contains("has been filled by another partner"), "{}", m.text);
    assert!(sink.to(&cid_addr).is_empty(), "who withdrew hears nothing");

    // Hugo applies for the clinical role, then the coordinator closes the idea: Ana (member)
    // and Hugo (waiting applicant) are told once each, and nobody can apply any more.
    assert_eq!(apply(&hugo, &p, roles[1], "").await.status, 303);
    assert_eq!(cora.post(&p.at("/close"), &[]).await.status, 303);
    let m = sink.wait_for(&ana_addr, "Idea closed").await;
    assert!(m.text.contains("the consortium stays as it is"), "{}", m.text);
    let m = sink.wait_for(&hugo_addr, "Idea closed").await;
    assert!(m.text.contains("Your application for it has ended with it"), "{}", m.text);
    assert_eq!(application(&app, roles[1], hugo_id).1, "declined");
    assert!(sink.to(&cora_addr).iter().all(|m| !m.subject.contains("Idea closed")));
    let r = apply(&bea, &p, roles[1], "").await;
    assert_eq!(r.status, 422);
    assert!(r.has("This idea is closed"));
    assert_eq!(cora.post(&p.at("/reopen"), &[]).await.status, 303);
    assert!(cora.get(&p.0).await.has("Open for applications"));

    // Ana leaves the consortium; the coordinator is told and the role is open again.
    assert_eq!(ana.post(&p.at("/leave"), &[]).await.status, 303);
    let m = sink.wait_for(&cora_addr, "A member left the consortium").await;
    assert!(m.text.contains("Ana Industry has left") && m.text.contains("is open again"), "{}", m.text);
    assert!(cora.get(&p.0).await.has("<strong>Open</strong>"));
    assert_eq!(ana.post(&p.at("/leave"), &[]).await.status, 404, "not a member any more");
}

// ---------------------------------------------------------------- authorisation and privacy

#[actix_web::test]
async fn only_the_coordinator_decides_and_only_members_see_member_only_details() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev) = event(&app, "Privacy Forum").await;
    let (_, cora_addr, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (ana_id, ana_addr, ana) = person(&app, &ev, "Ana Industry", "Acme Pharma", "pharma", "DE").await;
    let (_, _, eve) = person(&app, &ev, "Eve Other", "Elsewhere", "pharma", "FR").await;
    let (id, p) = post_idea(&cora, &ev, "Private matters", true).await;
    let roles = roles_of(&app, id);
    assert_eq!(apply(&ana, &p, roles[0], "Secret pitch for the coordinator only.").await.status, 303);
    let (app_id, _) = application(&app, roles[0], ana_id);

    // Another participant sees the idea, but not the applications, messages or e-mails.
    let page = eve.get(&p.0).await;
    assert_eq!(page.status, 200);
    assert!(!page.has("Secret pitch") && !page.has("id=\"applications\"") && !page.has(&cora_addr));
    // The applicant sees their own application, never the message list.
    let page = ana.get(&p.0).await;
    assert!(page.has("My applications") && !page.has(&cora_addr));
    // Only the coordinator decides: others get 404, and nothing changes.
    for c in [&eve, &ana] {
        assert_eq!(c.post(&p.at(&format!("/applications/{app_id}/accept")), &[]).await.status, 404);
        assert_eq!(c.post(&p.at(&format!("/applications/{app_id}/decline")), &[]).await.status, 404);
        assert_eq!(c.post(&p.at("/close"), &[]).await.status, 404);
        assert_eq!(c.get(&p.at("/edit")).await.status, 404);
    }
    assert_eq!(eve.post(&p.at(&format!("/applications/{app_id}/withdraw")), &[]).await.status, 404);
    assert_eq!(application(&app, roles[0], ana_id).1, "pending");

    // Ids of another event's idea are 404 here, and unknown ids too.
    let other = create_event(&org, "Other Forum").await;
    app.insert_registration(
        other.id,
        app.with_conn(|c| {
            use liaison::db::schema::users;
            users::table.filter(users::email.eq(&cora_addr)).select(users::id).first::<i64>(c).expect("cora")
        }),
        true,
        true,
    );
    let (other_id, _) = post_idea(&cora, &other, "Elsewhere idea", true).await;
    assert_eq!(cora.get(&ev.public(&format!("/ideas/{other_id}"))).await.status, 404);
    assert_eq!(
        cora.post(&ev.public(&format!("/ideas/{other_id}/applications/{app_id}/accept")), &[]).await.status,
        404
    );
    assert_eq!(cora.get(&ev.public("/ideas/999999")).await.status, 404);
    assert_eq!(cora.get(&p.at("/roles/999999/apply")).await.status, 404);

    // Once accepted, members see each other's addresses.
    assert_eq!(cora.post(&p.at(&format!("/applications/{app_id}/accept")), &[]).await.status, 303);
    let page = ana.get(&p.0).await;
    assert!(page.has(&cora_addr) && page.has(&ana_addr));
    assert!(!eve.get(&p.0).await.has(&ana_addr));

    // Someone without a confirmed registration gets the page that says how to take part.
    let stranger = app.quick_user("Stan Stranger", &email("stan"), "attendee").await;
    let r = stranger.get(&ev.public("/ideas")).await;
    assert_eq!(r.status, 403);
    assert!(r.has("id=\"not-participant\""));
    assert_eq!(stranger.get(&p.0).await.status, 403);
    assert_eq!(app.client().get(&ev.public("/ideas")).await.status, 303, "visitors log in first");
}

#[actix_web::test]
async fn unlisted_and_hidden_ideas_are_hidden_from_the_list_and_from_non_members() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev) = event(&app, "Listing Forum").await;
    let (_, _, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (_, _, eve) = person(&app, &ev, "Eve Other", "Elsewhere", "pharma", "FR").await;
    let (quiet, qp) = post_idea(&cora, &ev, "Quiet idea", false).await;
    let (open, op) = post_idea(&cora, &ev, "Open idea", true).await;

    let list = eve.get(&ev.public("/ideas")).await;
    assert!(list.has(&format!("idea-{open}")) && !list.has(&format!("idea-{quiet}")) && list.has("1 idea"));
    assert_eq!(eve.get(&qp.0).await.status, 404);
    let own = cora.get(&ev.public("/ideas")).await;
    assert!(own.has(&format!("idea-{quiet}")) && own.has("Not listed"), "the coordinator sees their own");
    assert_eq!(cora.get(&qp.0).await.status, 200);

    // The organiser sees every idea and hides one: it leaves the list and others' reach.
    let all = org.get(&ev.public("/ideas")).await;
    assert_eq!(all.status, 200);
    assert!(all.has(&format!("idea-{quiet}")) && all.has(&format!("idea-{open}")));
    assert_eq!(eve.post(&op.at("/hide"), &[]).await.status, 404, "participants cannot hide");
    assert_eq!(org.post(&op.at("/hide"), &[]).await.status, 303);
    assert!(!eve.get(&ev.public("/ideas")).await.has(&format!("idea-{open}")));
    assert_eq!(eve.get(&op.0).await.status, 404);
    assert!(cora.get(&op.0).await.has("hidden by the organisers"));
    assert!(app.with_conn(|c| ideas::table.find(open).select(ideas::hidden).first::<bool>(c).expect("idea")));
    assert_eq!(org.post(&op.at("/show"), &[]).await.status, 303);
    assert_eq!(eve.get(&op.0).await.status, 200);
}

// ---------------------------------------------------------------- bad input

#[actix_web::test]
async fn bad_input_comes_back_beside_the_field_with_the_input_kept() {
    let (app, _sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Input Forum").await;
    let (_, _, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    assert_eq!(cora.get(&ev.public("/ideas/new")).await.status, 200);

    let mut f =
        idea_form("Line\nbreak", true, &[("SME with an assay", "Oncology, Astrology", &["biotech_sme"], "BE, XX")]);
    set(&mut f, "call_id", "HORIZON JU 2027");
    let r = post(&cora, &ev.public("/ideas/new"), &f).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.has("id=\"title-error\"") && r.has("line breaks are not allowed"));
    assert!(r.has("id=\"call_id-error\"") && r.has("value=\"HORIZON JU 2027\""));
    assert!(r.has("id=\"role0_topics-error\"") && r.has("Astrology") && r.has("value=\"Oncology, Astrology\""));
    assert!(r.has("id=\"role0_countries-error\"") && r.has("XX"));
    assert!(r.has("value=\"SME with an assay\"") && r.has("value=\"biotech_sme\" checked"));
    let long = "x".repeat(201);
    let f = idea_form(&long, true, &[]);
    let r = post(&cora, &ev.public("/ideas/new"), &f).await;
    assert_eq!(r.status, 422);
    assert!(r.has("Please keep this under 200 characters."));
    assert_eq!(app.with_conn(|c| ideas::table.count().get_result::<i64>(c).expect("count")), 0);

    // "Add a role" brings the form back with one more row and nothing saved.
    let mut f = idea_form("Kept title", true, &[("First role", "", &[], "")]);
    f.push(("add_role".into(), "1".into()));
    let r = post(&cora, &ev.public("/ideas/new"), &f).await;
    assert_eq!(r.status, 200);
    assert!(r.has("id=\"role-row-1\"") && !r.has("id=\"role-row-2\"") && r.has("value=\"Kept title\""));
    assert_eq!(app.with_conn(|c| ideas::table.count().get_result::<i64>(c).expect("count")), 0);

    // An application message that is too long comes back with the text kept.
    let (id, p) = post_idea(&cora, &ev, "Real idea", true).await;
    let roles = roles_of(&app, id);
    let (_, _, ana) = person(&app, &ev, "Ana Industry", "Acme Pharma", "pharma", "DE").await;
    let r = apply(&ana, &p, roles[0], &"y".repeat(2001)).await;
    assert_eq!(r.status, 422);
    assert!(r.has("id=\"message-error\"") && r.has(&"y".repeat(2001)));

    // Editing: a filled role cannot be removed; the coordinator's rows are checked the same.
    let edit = cora.get(&p.at("/edit")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.has("value=\"Industry partner with in-vivo oncology models\"") && edit.has("id=\"role-row-2\""));
    let mut f = idea_form("Real idea, renamed", true, &[("Industry partner", "Oncology", &[], ""), ("", "", &[], "")]);
    set(&mut f, "role0_id", &roles[0].to_string());
    set(&mut f, "role1_id", &roles[1].to_string());
    let r = post(&cora, &p.at("/edit"), &f).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(roles_of(&app, id), vec![roles[0]], "the emptied role is removed");
    assert!(cora.get(&p.0).await.has("Real idea, renamed"));
}

// ---------------------------------------------------------------- across areas

#[actix_web::test]
async fn leaving_the_event_or_deleting_the_account_ends_applications_and_tells_the_coordinator() {
    let (app, sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Leaving Forum").await;
    let (_, cora_addr, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (ana_id, _, ana) = person(&app, &ev, "Ana Industry", "Acme Pharma", "pharma", "DE").await;
    let (hugo_id, _, hugo) = person(&app, &ev, "Hugo Hospital", "Erasmus MC", "hospital", "NL").await;
    let (id, p) = post_idea(&cora, &ev, "Departures", true).await;
    let roles = roles_of(&app, id);
    assert_eq!(apply(&ana, &p, roles[0], "").await.status, 303);
    let (ana_app, _) = application(&app, roles[0], ana_id);
    assert_eq!(cora.post(&p.at(&format!("/applications/{ana_app}/accept")), &[]).await.status, 303);
    assert_eq!(apply(&hugo, &p, roles[1], "").await.status, 303);

    // Ana's data export holds her application and membership.
    let export = ana.get("/account/export").await;
    assert_eq!(export.status, 200);
    let json: serde_json::Value = serde_json::from_str(&export.body).expect("json");
    assert_eq!(json["project_ideas"]["memberships"][0]["idea"], "Departures");
    assert_eq!(json["project_ideas"]["applications"][0]["status"], "accepted");
    let cora_export: serde_json::Value = serde_json::from_str(&cora.get("/account/export").await.body).expect("json");
    assert_eq!(cora_export["project_ideas"]["ideas"][0]["title"], "Departures");

    // Hugo cancels his registration: his application ends and the coordinator is told.
    let reg: i64 = app.with_conn(|c| {
        registrations::table
            .filter(registrations::event_id.eq(ev.id).and(registrations::user_id.eq(hugo_id)))
            .select(registrations::id)
            .first(c)
            .expect("registration")
    });
    assert_eq!(hugo.post(&format!("/my/registrations/{reg}/cancel"), &[]).await.status, 303);
    let m = sink.wait_for(&cora_addr, "An application ended").await;
    assert!(m.text.contains("they no longer take part in the event"), "{}", m.text);
    assert_eq!(application(&app, roles[1], hugo_id).1, "withdrawn");

    // Ana deletes her account: she leaves the consortium and the coordinator is told.
    let r = ana.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let m = sink.wait_for(&cora_addr, "A member left the consortium").await;
    assert!(m.text.contains("has deleted their account and so left"), "{}", m.text);
    let page = cora.get(&p.0).await;
    assert!(!page.has("Filled by") && !page.has("Ana Industry"), "her role is open again");
}

// ---------------------------------------------------------------- the organiser's rules

#[actix_web::test]
async fn organisers_set_the_eligibility_rules_and_every_checklist_follows() {
    let (app, _sink) = TestApp::start().await;
    let (org, ev) = event(&app, "Rules Forum").await;
    let (_, _, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (_, p) = post_idea(&cora, &ev, "Rule follower", true).await;

    let page = org.get(&ev.org("/eligibility")).await;
    assert_eq!(page.status, 200);
    assert!(page.has("default for EU public-private calls") && page.has("value=\"industry partner\""));
    let bad = org
        .post(
            &ev.org("/eligibility"),
            &[
                ("min_entities", "many"),
                ("min_countries", "1"),
                ("countries", "BE ZZ"),
                ("need0_label", "patient organisation"),
                ("need0_min", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.has("id=\"min_entities-error\"") && bad.has("ZZ") && bad.has("Tick at least one sector"));
    assert!(bad.has("value=\"patient organisation\""), "input kept");

    let ok = org
        .post(
            &ev.org("/eligibility"),
            &[
                ("min_entities", "1"),
                ("min_countries", "1"),
                ("countries", ""),
                ("need0_label", "patient organisation"),
                ("need0_sectors", "patient_org"),
                ("need0_min", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = cora.get(&p.0).await;
    assert!(page.has("\u{2713} 1 independent legal entity"));
    assert!(page.has("\u{2713} 1 country</li>"));
    assert!(page.has("\u{2717} no patient organisation yet: the rules need at least 1 (Patient organisation)"));
    assert!(!page.has("industry partner"));

    assert_eq!(org.post(&ev.org("/eligibility"), &[("reset", "1")]).await.status, 303);
    assert!(cora.get(&p.0).await.has("no industry partner yet"));
    // Participants cannot reach the organiser's page.
    assert_eq!(cora.get(&ev.org("/eligibility")).await.status, 404);
}

// ---------------------------------------------------------------- suggestions

#[actix_web::test]
async fn open_roles_get_suggestions_with_reasons_and_people_see_the_ideas_that_need_them() {
    use crate::matchmaking::{add_opportunity, topic};
    let (app, sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Suggestion Forum").await;
    let (_, _, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (pia_id, pia_addr, pia) = person(&app, &ev, "Pia Pharma", "Acme Pharma", "pharma", "DE").await;
    let (hugo_id, _, hugo) = person(&app, &ev, "Hugo Hospital", "Erasmus MC", "hospital", "NL").await;
    let (zed_id, _, zed) = person(&app, &ev, "Zed Academic", "Sorbonne", "academia", "FR").await;
    let (id, p) = post_idea(&cora, &ev, "Suggested consortium", true).await;
    let roles = roles_of(&app, id);
    let (onc, models, paed) =
        (topic(&app, &ev, "Oncology"), topic(&app, &ev, "Preclinical models"), topic(&app, &ev, "Paediatric cancers"));
    add_opportunity(&pia, &ev, "offer", "Xenograft models", &[&onc, &models]).await;
    add_opportunity(&hugo, &ev, "offer", "Paediatric cohort", &[&paed]).await;
    add_opportunity(&zed, &ev, "offer", "Tumour biology", &[&onc]).await;

    // The coordinator sees who fits each open role, with reasons, and a suggested team.
    let page = cora.get(&p.0).await;
    assert_eq!(page.status, 200);
    assert!(page.has("Who fits the open roles"));
    let fit =
        extract(&page.body, &format!("id=\"fit-{}-{pia_id}\"", roles[0]), "</li>").expect("Pia fits the industry role");
    assert!(fit.contains("offers Oncology (\u{201c}Xenograft models\u{201d})"), "{fit}");
    assert!(fit.contains("adds a country the consortium needs (Germany)"), "{fit}");
    assert!(page.has(&format!("id=\"fit-{}-{hugo_id}\"", roles[1])));
    assert!(!page.has(&format!("id=\"fit-{}-{zed_id}\"", roles[0])), "the role wants industry, Zed is academic");
    let team = extract(&page.body, "id=\"team-picks\"", "</ul>").expect("team");
    assert!(team.contains("<strong>Pia Pharma</strong>") && team.contains("<strong>Hugo Hospital</strong>"), "{team}");
    assert!(page.has("every rule would be met"));
    // Nobody else sees the suggestions.
    assert!(!pia.get(&p.0).await.has("Who fits the open roles"));

    // "Invite to apply" mails the person once per role; a second invitation is refused.
    let r = cora.post(&p.at(&format!("/roles/{}/invite", roles[0])), &[("person", &pia_id.to_string())]).await;
    assert_eq!(r.status, 303);
    let m = sink.wait_for(&pia_addr, "Invitation to apply").await;
    assert!(m.text.contains("Cora Coordinator (KU Leuven) coordinates the project idea"), "{}", m.text);
    assert!(m.text.contains(&p.at(&format!("/roles/{}/apply", roles[0]))));
    cora.post(&p.at(&format!("/roles/{}/invite", roles[0])), &[("person", &pia_id.to_string())]).await;
    assert!(cora.get(&p.0).await.has("You have invited Pia Pharma to this role already."));
    assert_eq!(
        pia.post(&p.at(&format!("/roles/{}/invite", roles[0])), &[("person", &zed_id.to_string())]).await.status,
        404,
        "only the coordinator invites"
    );

    // Pia's "ideas that need you" lists the role with reasons, and her event hub says so.
    let mine = pia.get(&ev.public("/ideas-for-you")).await;
    assert_eq!(mine.status, 200);
    let card = extract(&mine.body, &format!("id=\"for-you-{}\"", roles[0]), "</li>").expect("role for Pia");
    assert!(card.contains("Suggested consortium") && card.contains("offers Preclinical models"), "{card}");
    assert!(!mine.has(&format!("id=\"for-you-{}\"", roles[1])), "the clinical role is for hospitals");
    let hub = pia.get(&ev.public("")).await;
    assert!(hub.has("1 open role in project ideas fits you."), "{}", hub.body);
    assert!(zed.get(&ev.public("/ideas-for-you")).await.has("id=\"no-roles\""));
    assert!(!zed.get(&ev.public("")).await.has("in project ideas fit"));
}

// ---------------------------------------------------------------- the demo

#[actix_web::test]
async fn the_demo_has_an_eligible_consortium_one_not_yet_eligible_and_waiting_applications() {
    let app = TestApp::start_with(Options { mail_worker: false, ..Default::default() }).await;
    let logins = liaison::demo::seed(&app.db).expect("demo data");
    let login = logins.iter().find(|l| l.role == "attendee").expect("attendee login");
    let c = app.client();
    assert_eq!(c.login(login.email, &login.password).await.status, 303);
    let ids: Vec<(i64, String)> =
        app.with_conn(|c| ideas::table.order(ideas::id).select((ideas::id, ideas::title)).load(c).expect("ideas"));
    assert_eq!(ids.len(), 3, "{ids:?}");
    let slug: String = app.with_conn(|c| {
        use liaison::db::schema::events;
        events::table
            .inner_join(ideas::table.on(ideas::event_id.eq(events::id)))
            .select(events::slug)
            .first(c)
            .expect("slug")
    });
    let list = c.get(&format!("/events/{slug}/ideas")).await;
    assert_eq!(list.status, 200);
    assert!(list.has("3 ideas"));
    // The featured participant coordinates the first: eligible, with filled and open roles
    // and an application waiting for their answer.
    let first = c.get(&format!("/events/{slug}/ideas/{}", ids[0].0)).await;
    assert_eq!(first.status, 200);
    assert!(first.has("The consortium meets every rule of this event."), "{}", first.body);
    assert!(first.has("Filled by") && first.has("<strong>Open</strong>"));
    assert!(first.has("id=\"pending-applications\"") && first.has("CE-marked"));
    assert!(first.has("Who fits the open roles"));
    let second = c.get(&format!("/events/{slug}/ideas/{}", ids[1].0)).await;
    assert!(second.has("does not meet every rule yet") && second.has("no industry partner yet"));
    let pending: i64 =
        app.with_conn(|c| ia::table.filter(ia::status.eq("pending")).count().get_result(c).expect("pending"));
    assert!(pending >= 2, "{pending}");
    assert_eq!(c.get(&format!("/events/{slug}/ideas-for-you")).await.status, 200);
}

#[actix_web::test]
async fn a_coordinator_who_leaves_closes_or_withdraws_their_idea_and_the_consortium_is_told() {
    let (app, sink) = TestApp::start().await;
    let (_, ev) = event(&app, "Coordinator Leaves").await;
    let (cora_id, _, cora) = person(&app, &ev, "Cora Coordinator", "KU Leuven", "academia", "BE").await;
    let (ana_id, ana_addr, ana) = person(&app, &ev, "Ana Industry", "Acme Pharma", "pharma", "DE").await;
    let (_, hugo_addr, hugo) = person(&app, &ev, "Hugo Hospital", "Erasmus MC", "hospital", "NL").await;
    let (first, p) = post_idea(&cora, &ev, "First idea", true).await;
    let (second, q) = post_idea(&cora, &ev, "Second idea", true).await;
    let roles = roles_of(&app, first);
    assert_eq!(apply(&ana, &p, roles[0], "").await.status, 303);
    let (ana_app, _) = application(&app, roles[0], ana_id);
    assert_eq!(cora.post(&p.at(&format!("/applications/{ana_app}/accept")), &[]).await.status, 303);
    assert_eq!(apply(&hugo, &q, roles_of(&app, second)[1], "").await.status, 303);

    // Cora cancels her registration: her ideas close, and Ana (member) and Hugo
    // (applicant) are told.
    let reg: i64 = app.with_conn(|c| {
        registrations::table
            .filter(registrations::event_id.eq(ev.id).and(registrations::user_id.eq(cora_id)))
            .select(registrations::id)
            .first(c)
            .expect("registration")
    });
    let status: String = app.with_conn(|c| ideas::table.find(first).select(ideas::status).first(c).expect("idea"));
    assert_eq!(status, "open");
    assert_eq!(cora.post(&format!("/my/registrations/{reg}/cancel"), &[]).await.status, 303);
    let m = sink.wait_for(&ana_addr, "Idea closed").await;
    assert!(m.text.contains("First idea"), "{}", m.text);
    sink.wait_for(&hugo_addr, "Idea closed").await;
    let statuses: Vec<String> =
        app.with_conn(|c| ideas::table.order(ideas::id).select(ideas::status).load(c).expect("ideas"));
    assert_eq!(statuses, vec!["closed", "closed"]);

    // Then she deletes her account: the ideas go with it, and the member is told.
    let r = cora.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    sink.wait_for(&ana_addr, "Idea withdrawn").await;
    assert_eq!(app.with_conn(|c| ideas::table.count().get_result::<i64>(c).expect("count")), 0);
    assert_eq!(ana.get(&p.0).await.status, 404);
}
