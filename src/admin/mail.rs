//! Dead letters: e-mails the worker gave up on, for admins to retry or discard.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::app::AppState;
use crate::error::AppResult;
use crate::mail::{self, DeadLetter};
use crate::web::{redirect, render, AdminCtx, PageCtx};

const SHOWN: i64 = 200;

#[derive(Template)]
#[template(path = "pages/admin/mail.html")]
struct MailPage {
    ctx: PageCtx,
    letters: Vec<DeadLetter>,
    total: i64,
}

pub async fn dead_letters_page(AdminCtx(ctx, _): AdminCtx, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let (letters, total) = state.db.run(|c| mail::dead_letters(c, SHOWN)).await?;
    render(&MailPage { ctx, letters, total })
}

pub async fn retry(
    AdminCtx(ctx, me): AdminCtx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let letter = state.db.run(move |c| mail::retry_dead_letter(c, me.id, id)).await?;
    state.wake_mailer();
    ctx.flash("success", format!("The e-mail to {} will be sent again.", letter.to_addr));
    Ok(redirect("/admin/mail"))
}

pub async fn discard(
    AdminCtx(ctx, me): AdminCtx,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let letter = state.db.run(move |c| mail::discard_dead_letter(c, me.id, id)).await?;
    ctx.flash("success", format!("The e-mail to {} was discarded.", letter.to_addr));
    Ok(redirect("/admin/mail"))
}
