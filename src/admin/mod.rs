//! Administration: the list of people, granting and revoking the organiser role, the audit log,
//! and the e-mails that could not be delivered (`mail`).

mod mail;

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::model::User;
use crate::accounts::service;
use crate::app::AppState;
use crate::audit::{self, AuditEntry};
use crate::db::schema::users;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::web::{redirect, render, AdminCtx};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users_page))
        .route("/admin/users/{id}/role", web::post().to(set_role))
        .route("/admin/mail", web::get().to(mail::dead_letters_page))
        .route("/admin/mail/{id}/retry", web::post().to(mail::retry))
        .route("/admin/mail/{id}/discard", web::post().to(mail::discard));
}

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UsersQuery {
    pub q: String,
    pub role: String,
    pub page: i64,
}

#[derive(Template)]
#[template(path = "pages/admin/users.html")]
struct UsersPage {
    ctx: crate::web::PageCtx,
    q: String,
    role: String,
    users: Vec<User>,
    total: i64,
    page: i64,
    pages: i64,
    audit: Vec<AuditEntry>,
}

impl UsersPage {
    fn page_link(&self, page: i64) -> String {
        format!(
            "/admin/users?q={}&role={}&page={page}",
            crate::web::url_encode(&self.q),
            crate::web::url_encode(&self.role)
        )
    }
}

fn search(c: &mut DbConn, q: &str, role: &str, page: i64) -> Result<(Vec<User>, i64), AppError> {
    let filtered = || {
        let mut query = users::table.into_boxed();
        if !q.is_empty() {
            // Names are matched case-insensitively by comparing lowercased text on both sides.
            let pattern = format!("%{}%", q.to_lowercase().replace(['\\', '%', '_'], ""));
            query = query.filter(
                users::email
                    .like(pattern.clone())
                    .or(crate::db::lower(users::name).like(pattern.clone()))
                    .or(crate::db::lower(users::organisation).like(pattern)),
            );
        }
        if matches!(role, "attendee" | "organiser" | "admin") {
            query = query.filter(users::role.eq(role.to_string()));
        }
        query
    };
    let total: i64 = filtered().count().get_result(c)?;
    let rows = filtered()
        .order(users::name.asc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .select(User::as_select())
        .load(c)?;
    Ok((rows, total))
}

pub async fn users_page(
    AdminCtx(ctx, _): AdminCtx,
    state: web::Data<AppState>,
    query: web::Query<UsersQuery>,
) -> AppResult<HttpResponse> {
    let UsersQuery { q, role, page } = query.into_inner();
    let q: String = q.trim().chars().take(100).collect();
    let page = page.clamp(1, 100_000);
    let (q2, role2) = (q.clone(), role.clone());
    let (users, total, audit) = state
        .db
        .run(move |c| {
            let (users, total) = search(c, &q2, &role2, page)?;
            Ok((users, total, audit::recent(c, 20)?))
        })
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    render(&UsersPage { ctx, q, role, users, total, page, pages, audit })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub role: String,
    pub back: String,
}

pub async fn set_role(
    AdminCtx(ctx, me): AdminCtx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    let target = id.into_inner();
    let f = form.into_inner();
    let organiser = match f.role.as_str() {
        "organiser" => true,
        "attendee" => false,
        _ => return Err(AppError::BadRequest("Unknown role: choose organiser or attendee.".into())),
    };
    match state.db.run(move |c| service::set_organiser(c, me.id, target, organiser)).await? {
        Ok(user) => {
            let msg = if organiser {
                format!("{} is now an organiser.", user.name)
            } else {
                format!("{} is no longer an organiser.", user.name)
            };
            ctx.flash("success", msg);
        }
        Err(refusal) => ctx.flash("error", refusal),
    }
    let back = if f.back.starts_with("/admin/users") { crate::web::safe_next(&f.back) } else { "/admin/users" };
    Ok(redirect(back))
}
