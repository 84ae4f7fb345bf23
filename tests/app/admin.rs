//! The admin page: role checks and granting/revoking the organiser role.

use diesel::prelude::*;
use liaison::db::schema::users;

use crate::support::*;

async fn admin(app: &TestApp) -> Client {
    let addr = email("admin");
    let hash = liaison::accounts::password::hash_blocking(PASSWORD).expect("hash");
    app.with_conn(|c| liaison::accounts::service::upsert_admin(c, &addr, "Ann Admin", &hash).expect("admin"));
    let c = app.client();
    assert_eq!(c.login(&addr, PASSWORD).await.status, 303);
    c
}

fn role_of(app: &TestApp, addr: &str) -> String {
    app.with_conn(|c| users::table.filter(users::email.eq(addr)).select(users::role).first(c).expect("user"))
}

fn id_of(app: &TestApp, addr: &str) -> i64 {
    app.with_conn(|c| users::table.filter(users::email.eq(addr)).select(users::id).first(c).expect("user"))
}

#[actix_web::test]
async fn admin_grants_and_revokes_the_organiser_role() {
    let (app, sink) = TestApp::start().await;
    let addr = email("olga");
    let olga = app.user(&sink, "Olga Organiser", &addr, PASSWORD).await;
    let admin = admin(&app).await;
    let list = admin.get("/admin/users").await;
    assert_eq!(list.status, 200);
    assert!(list.has("Olga Organiser") && list.has("Make organiser"));
    let search = admin.get("/admin/users?q=OLGA").await;
    assert!(search.has("Olga Organiser") && search.has("1 person"), "case-insensitive search");
    assert!(admin.get("/admin/users?q=nobody-matches").await.has("0 people"));
    assert!(admin.get("/admin/users?role=admin").await.has("Ann Admin"));

    let id = id_of(&app, &addr);
    let r =
        admin.post(&format!("/admin/users/{id}/role"), &[("role", "organiser"), ("back", "/admin/users?q=olga")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/admin/users?q=olga");
    assert_eq!(role_of(&app, &addr), "organiser");
    let page = admin.get("/admin/users?q=olga").await;
    assert!(page.has("is now an organiser"), "flash");
    // The admins' log reads in words, in UTC as its heading says, and never shows the code.
    let log = extract(&page.body, "id=\"audit\">", "</ul>").expect("audit log");
    assert!(log.contains("Ann Admin gave the organiser role to Olga Organiser &#60;"), "{log}");
    assert!(log.contains("Liaison made Ann Admin &#60;"), "the create-admin command: {log}");
    assert!(page.has("(times in UTC)") && !log.contains("role.organiser.granted"), "{log}");
    assert!(olga.get("/account").await.has("organiser"));

    assert_eq!(admin.post(&format!("/admin/users/{id}/role"), &[("role", "attendee")]).await.status, 303);
    assert_eq!(role_of(&app, &addr), "attendee");
    assert!(admin.get("/admin/users").await.has("Ann Admin took the organiser role from Olga Organiser"));

    // Bad input: unknown role, unknown person, an admin's role.
    assert_eq!(admin.post(&format!("/admin/users/{id}/role"), &[("role", "emperor")]).await.status, 400);
    assert_eq!(admin.post("/admin/users/999999/role", &[("role", "organiser")]).await.status, 404);
    assert_eq!(admin.post("/admin/users/abc/role", &[("role", "organiser")]).await.status, 404);
    let admin_id: i64 =
        app.with_conn(|c| users::table.filter(users::role.eq("admin")).select(users::id).first(c).expect("admin"));
    admin.post(&format!("/admin/users/{admin_id}/role"), &[("role", "attendee")]).await;
    assert!(admin.get("/admin/users").await.has("Administrators keep their rights"));
    let still: String = app.with_conn(|c| users::table.find(admin_id).select(users::role).first(c).expect("admin"));
    assert_eq!(still, "admin");
}

#[actix_web::test]
async fn admin_pages_refuse_everyone_else() {
    let (app, sink) = TestApp::start().await;
    let target = email("target");
    app.user(&sink, "Tara Target", &target, PASSWORD).await;
    let id = id_of(&app, &target);

    let anon = app.client();
    let r = anon.get("/admin/users").await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), "/login?next=%2Fadmin%2Fusers");
    assert_eq!(anon.post(&format!("/admin/users/{id}/role"), &[("role", "organiser")]).await.status, 303);

    let attendee = app.user(&sink, "Atti Attendee", &email("atti"), PASSWORD).await;
    let organiser_addr = email("org");
    let organiser = app.user(&sink, "Orla Organiser", &organiser_addr, PASSWORD).await;
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::email.eq(&organiser_addr)))
            .set(users::role.eq("organiser"))
            .execute(c)
            .expect("promote")
    });
    for who in [&attendee, &organiser] {
        let r = who.get("/admin/users").await;
        assert_eq!(r.status, 403);
        assert!(!r.has(&target), "no data leaks");
        assert_eq!(who.post(&format!("/admin/users/{id}/role"), &[("role", "organiser")]).await.status, 403);
    }
    assert_eq!(role_of(&app, &target), "attendee", "nothing changed");
}

#[actix_web::test]
async fn the_last_admin_cannot_delete_their_account() {
    let (app, _sink) = TestApp::start().await;
    let admin = admin(&app).await;
    let r = admin.post("/account/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, 409);
    assert!(r.has("only administrator"));
    assert!(admin.logged_in().await);
}
