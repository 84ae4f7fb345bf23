//! HTTP handlers for accounts: parse the form, call `service`, render or redirect.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::model::{self, check_email, check_name, normalise_email, ProfileForm};
use super::service::{self, DeleteRefusal, Links};
use super::sessions;
use super::throttle;
use super::tokens::{self, Purpose, TokenProblem};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::limits::Action;
use crate::web::{clean_next, client_ip, redirect, render, render_status, safe_next, Authed, FormErrors, PageCtx};

type State = web::Data<AppState>;

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

// ---------- sign-up ----------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignupForm {
    pub name: String,
    pub email: String,
    pub password: String,
    /// Where to go after confirming (e.g. the event form the person came from).
    pub next: String,
}

#[derive(Template)]
#[template(path = "pages/accounts/signup.html")]
struct SignupPage {
    ctx: PageCtx,
    name: String,
    email: String,
    next: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignupQuery {
    pub name: String,
    pub email: String,
    pub next: String,
}

pub async fn signup_page(ctx: PageCtx, q: web::Query<SignupQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    if ctx.user.is_some() {
        return Ok(redirect(if q.next.is_empty() { "/account" } else { safe_next(&q.next) }));
    }
    let next = clean_next(&q.next);
    render(&SignupPage { ctx, name: q.name, email: q.email, next, errors: FormErrors::default() })
}

pub async fn signup_submit(
    ctx: PageCtx,
    state: State,
    req: HttpRequest,
    form: web::Form<SignupForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    state.limits.check(Action::SignUp, &client_ip(&req), Some(&normalise_email(&f.email)))?;
    let mut errors = FormErrors::default();
    check_name(&mut errors, "name", &f.name);
    check_email(&mut errors, "email", &f.email);
    if let Some(msg) = state.passwords.refusal(f.password.clone(), vec![f.name.clone(), f.email.clone()]).await? {
        errors.add("password", msg);
    }
    if !errors.is_empty() {
        let next = clean_next(&f.next);
        return render_status(UNPROCESSABLE, &SignupPage { ctx, name: f.name, email: f.email, next, errors });
    }
    // Hash in every case, so a known address answers as slowly as a new one.
    let hash = state.passwords.hash(f.password).await?;
    let (name, email, base, next) =
        (f.name.trim().to_string(), normalise_email(&f.email), state.base_url.clone(), clean_next(&f.next));
    state.db.run(move |c| service::sign_up(c, &Links { base_url: &base }, &name, &email, &hash, &next)).await?;
    state.wake_mailer();
    Ok(redirect("/signup/check-email"))
}

#[derive(Template)]
#[template(path = "pages/accounts/check_email.html")]
struct CheckEmailPage {
    ctx: PageCtx,
}

pub async fn check_email_page(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&CheckEmailPage { ctx })
}

// ---------- confirmation ----------

#[derive(Template)]
#[template(path = "pages/accounts/confirm.html")]
struct ConfirmPage {
    ctx: PageCtx,
    token: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    pub next: String,
}

#[derive(Template)]
#[template(path = "pages/accounts/token_problem.html")]
struct TokenProblemPage {
    ctx: PageCtx,
    message: &'static str,
    purpose: &'static str,
}

fn token_problem(ctx: PageCtx, problem: TokenProblem, purpose: Purpose) -> AppResult<HttpResponse> {
    let status = match problem {
        TokenProblem::Unknown => StatusCode::NOT_FOUND,
        TokenProblem::Expired | TokenProblem::Used => StatusCode::GONE,
    };
    render_status(status, &TokenProblemPage { ctx, message: problem.message(purpose), purpose: purpose.as_str() })
}

/// Shows a button rather than confirming on GET: mail scanners open links, and must not use them up.
pub async fn confirm_page(
    ctx: PageCtx,
    state: State,
    token: web::Path<String>,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    match state.db.run(move |c| tokens::check(c, &t, Purpose::Confirm)).await? {
        Ok(_) => render(&ConfirmPage { ctx, token, next: clean_next(&q.next) }),
        Err(p) => token_problem(ctx, p, Purpose::Confirm),
    }
}

pub async fn confirm_submit(
    ctx: PageCtx,
    state: State,
    token: web::Path<String>,
    q: web::Query<NextQuery>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    match state.db.run(move |c| service::confirm_email(c, &token)).await? {
        Ok(user) => {
            ctx.flash("success", "Thank you: your e-mail address is confirmed. You can log in now.");
            let mut to = format!("/login?email={}", crate::web::url_encode(&user.email));
            if safe_next(&q.next) != "/" {
                to.push_str(&format!("&next={}", crate::web::url_encode(safe_next(&q.next))));
            }
            Ok(redirect(&to))
        }
        Err(p) => token_problem(ctx, p, Purpose::Confirm),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
}

#[derive(Template)]
#[template(path = "pages/accounts/email_request.html")]
struct EmailRequestPage {
    ctx: PageCtx,
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    button: &'static str,
    email: String,
    errors: FormErrors,
}

fn resend_form(ctx: PageCtx, email: String, errors: FormErrors) -> EmailRequestPage {
    EmailRequestPage {
        ctx,
        title: "New confirmation link",
        intro: "Enter the address you signed up with and we will send you a new confirmation link.",
        action: "/confirm/resend",
        button: "Send a new link",
        email,
        errors,
    }
}

pub async fn resend_page(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&resend_form(ctx, String::new(), FormErrors::default()))
}

pub async fn resend_submit(
    ctx: PageCtx,
    state: State,
    req: HttpRequest,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    state.limits.check(Action::ConfirmationMail, &client_ip(&req), Some(&normalise_email(&f.email)))?;
    let mut errors = FormErrors::default();
    check_email(&mut errors, "email", &f.email);
    if !errors.is_empty() {
        return render_status(UNPROCESSABLE, &resend_form(ctx, f.email, errors));
    }
    let (email, base) = (normalise_email(&f.email), state.base_url.clone());
    state.db.run(move |c| service::resend_confirmation(c, &Links { base_url: &base }, &email)).await?;
    state.wake_mailer();
    ctx.flash("info", "If that address has an account waiting for confirmation, a new link is on its way. Links are valid for 48 hours.");
    Ok(redirect("/login"))
}

// ---------- login and logout ----------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "pages/accounts/login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    next: String,
    error: Option<String>,
    unconfirmed: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginQuery {
    pub next: String,
    pub email: String,
}

pub async fn login_page(ctx: PageCtx, q: web::Query<LoginQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    if ctx.user.is_some() {
        return Ok(redirect(safe_next(&q.next)));
    }
    render(&LoginPage { ctx, email: q.email, next: clean_next(&q.next), error: None, unconfirmed: false })
}

pub async fn login_submit(
    ctx: PageCtx,
    state: State,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let email = normalise_email(&f.email);
    let ip = client_ip(&req);
    state.limits.check(Action::Login, &ip, Some(&email))?;
    let page = |ctx, error: String, unconfirmed| LoginPage {
        ctx,
        email: f.email.clone(),
        next: clean_next(&f.next),
        error: Some(error),
        unconfirmed,
    };
    if email.is_empty()
        || f.password.is_empty()
        || email.len() > model::EMAIL_MAX
        || f.password.len() > 4 * model::PASSWORD_MAX
    {
        return render_status(
            UNPROCESSABLE,
            &page(ctx, "Please enter your e-mail address and your password.".into(), false),
        );
    }
    let (e2, ip2) = (email.clone(), ip.clone());
    if let Some(wait) = state.db.run(move |c| throttle::wait_needed(c, &e2, &ip2)).await? {
        let msg = format!(
            "Too many failed login attempts for this account or from your network. For your security, please wait {} before trying again, or reset your password.",
            throttle::describe_wait(wait)
        );
        let mut resp = render_status(StatusCode::TOO_MANY_REQUESTS, &page(ctx, msg, false))?;
        resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return Ok(resp);
    }
    let e2 = email.clone();
    let user = state.db.run(move |c| model::find_by_email(c, &e2)).await?;
    let ok = state.passwords.verify(f.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await?;
    let (e2, ip2) = (email.clone(), ip.clone());
    state.db.run(move |c| throttle::record(c, &e2, &ip2, ok)).await?;
    match user {
        Some(user) if ok => {
            if !user.is_confirmed() {
                let msg =
                    "Please confirm your e-mail address first: follow the link in the e-mail we sent you.".to_string();
                return render_status(UNPROCESSABLE, &page(ctx, msg, true));
            }
            // A session this browser had before (another account, or the same) ends with it.
            let (uid, device, old) = (user.id, sessions::describe_device(&user_agent(&req)), ctx.session_token());
            let sid = state
                .db
                .run(move |c| {
                    crate::db::write_transaction(c, |c| {
                        if let Some(old) = old {
                            sessions::end_by_token(c, &old)?;
                        }
                        sessions::start(c, uid, &device)
                    })
                })
                .await?;
            ctx.log_in(&sid)?;
            ctx.flash("success", format!("Welcome, {}.", user.name));
            Ok(redirect(safe_next(&f.next)))
        }
        _ => {
            render_status(UNPROCESSABLE, &page(ctx, "The e-mail address or the password is not correct.".into(), false))
        }
    }
}

/// Ends this session on the server (a copy of the cookie stops working too) and in the cookie.
pub async fn logout(ctx: PageCtx, state: State) -> AppResult<HttpResponse> {
    if let Some(sid) = ctx.session_token() {
        state.db.run(move |c| sessions::end_by_token(c, &sid)).await?;
    }
    ctx.log_out();
    ctx.flash("info", "You are logged out.");
    Ok(redirect("/"))
}

fn user_agent(req: &HttpRequest) -> String {
    req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

// ---------- password reset ----------

fn forgot_form(ctx: PageCtx, email: String, errors: FormErrors) -> EmailRequestPage {
    EmailRequestPage {
        ctx,
        title: "Forgot your password?",
        intro: "Enter the address of your account and we will send you a link to choose a new password. The link is valid for one hour.",
        action: "/password/forgot",
        button: "Send reset link",
        email,
        errors,
    }
}

pub async fn forgot_page(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&forgot_form(ctx, String::new(), FormErrors::default()))
}

pub async fn forgot_submit(
    ctx: PageCtx,
    state: State,
    req: HttpRequest,
    form: web::Form<EmailForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    state.limits.check(Action::PasswordReset, &client_ip(&req), Some(&normalise_email(&f.email)))?;
    let mut errors = FormErrors::default();
    check_email(&mut errors, "email", &f.email);
    if !errors.is_empty() {
        return render_status(UNPROCESSABLE, &forgot_form(ctx, f.email, errors));
    }
    let (email, base) = (normalise_email(&f.email), state.base_url.clone());
    state.db.run(move |c| service::request_reset(c, &Links { base_url: &base }, &email)).await?;
    state.wake_mailer();
    ctx.flash(
        "info",
        "If that address has an account, a link to reset the password is on its way. It is valid for one hour.",
    );
    Ok(redirect("/login"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    pub password: String,
}

#[derive(Template)]
#[template(path = "pages/accounts/reset.html")]
struct ResetPage {
    ctx: PageCtx,
    token: String,
    errors: FormErrors,
}

pub async fn reset_page(ctx: PageCtx, state: State, token: web::Path<String>) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    match state.db.run(move |c| tokens::check(c, &t, Purpose::Reset)).await? {
        Ok(_) => render(&ResetPage { ctx, token, errors: FormErrors::default() }),
        Err(p) => token_problem(ctx, p, Purpose::Reset),
    }
}

pub async fn reset_submit(
    ctx: PageCtx,
    state: State,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let f = form.into_inner();
    let t = token.clone();
    let uid = match state.db.run(move |c| tokens::check(c, &t, Purpose::Reset)).await? {
        Ok(uid) => uid,
        Err(p) => return token_problem(ctx, p, Purpose::Reset),
    };
    let (name, email) =
        state.db.run(move |c| model::find_user(c, uid)).await?.map(|u| (u.name, u.email)).unwrap_or_default();
    let mut errors = FormErrors::default();
    if let Some(msg) = state.passwords.refusal(f.password.clone(), vec![name, email]).await? {
        errors.add("password", msg);
    }
    if !errors.is_empty() {
        return render_status(UNPROCESSABLE, &ResetPage { ctx, token, errors });
    }
    let hash = state.passwords.hash(f.password).await?;
    let base = state.base_url.clone();
    match state.db.run(move |c| service::reset_password(c, &Links { base_url: &base }, &token, &hash)).await? {
        Ok(user) => {
            state.wake_mailer();
            ctx.log_out();
            ctx.flash("success", "Your password has been changed and you have been logged out everywhere. Log in with your new password.");
            Ok(redirect(&format!("/login?email={}", crate::web::url_encode(&user.email))))
        }
        Err(p) => token_problem(ctx, p, Purpose::Reset),
    }
}

// ---------- profile and account ----------

#[derive(Template)]
#[template(path = "pages/accounts/account.html")]
struct AccountPage {
    ctx: PageCtx,
    email: String,
    role: &'static str,
    form: ProfileForm,
    errors: FormErrors,
    sectors: &'static [(&'static str, &'static str)],
    countries: &'static [(&'static str, &'static str)],
    sessions: Vec<SessionView>,
    /// (title, slug) of the events where the person is a confirmed participant: each has the
    /// profile page others see.
    profiles: Vec<(String, String)>,
}

/// One of the person's live sessions on the account page.
struct SessionView {
    id: i64,
    device: String,
    last_seen: String,
    started: String,
    this_device: bool,
}

async fn account_page_for(
    state: &State,
    ctx: PageCtx,
    email: String,
    role: &'static str,
    form: ProfileForm,
    errors: FormErrors,
) -> AppResult<AccountPage> {
    let uid = ctx.user.as_ref().map(|u| u.id).ok_or(AppError::NotFound)?;
    let (rows, regs) =
        state.db.run(move |c| Ok((sessions::list(c, uid)?, crate::events::registrants::of_user(c, uid)?))).await?;
    let profiles = regs.into_iter().filter(|(r, _)| r.status == "confirmed").map(|(_, e)| (e.title, e.slug)).collect();
    let when = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let sessions = rows
        .into_iter()
        .map(|r| SessionView {
            id: r.id,
            device: r.device,
            last_seen: when(r.last_seen_at),
            started: when(r.created_at),
            this_device: Some(r.id) == ctx.session_id,
        })
        .collect();
    Ok(AccountPage {
        ctx,
        email,
        role,
        form,
        errors,
        sectors: model::SECTORS,
        countries: model::countries(),
        sessions,
        profiles,
    })
}

pub async fn account_page(Authed(ctx, me): Authed, state: State) -> AppResult<HttpResponse> {
    let user = state.db.run(move |c| model::find_user(c, me.id)).await?.ok_or(AppError::NotFound)?;
    let (email, role, form) = (user.email.clone(), user.role().as_str(), ProfileForm::from_user(&user));
    render(&account_page_for(&state, ctx, email, role, form, FormErrors::default()).await?)
}

/// Logs out one of the person's sessions (another device, or this one); someone else's or an
/// ended session is 404.
pub async fn end_session(Authed(ctx, me): Authed, state: State, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    if !state.db.run(move |c| sessions::end_one(c, me.id, id)).await? {
        return Err(AppError::NotFound);
    }
    if ctx.session_id == Some(id) {
        ctx.log_out();
        ctx.flash("info", "You are logged out.");
        return Ok(redirect("/"));
    }
    ctx.flash("success", "That device has been logged out.");
    Ok(redirect("/account#sessions"))
}

/// "Log out everywhere else": every session but this one ends.
pub async fn end_other_sessions(Authed(ctx, me): Authed, state: State) -> AppResult<HttpResponse> {
    let keep = ctx.session_id;
    let n = state.db.run(move |c| sessions::end_all(c, me.id, keep)).await?;
    let msg = match n {
        0 => "You were not logged in anywhere else.".to_string(),
        1 => "Your other device has been logged out.".to_string(),
        n => format!("Your {n} other devices have been logged out."),
    };
    ctx.flash("success", msg);
    Ok(redirect("/account#sessions"))
}

/// "Log out everywhere": every session ends, this one too.
pub async fn end_all_sessions(Authed(ctx, me): Authed, state: State) -> AppResult<HttpResponse> {
    state.db.run(move |c| sessions::end_all(c, me.id, None)).await?;
    ctx.log_out();
    ctx.flash("info", "You are logged out on every device.");
    Ok(redirect("/"))
}

pub async fn account_submit(
    Authed(ctx, me): Authed,
    state: State,
    form: web::Form<ProfileForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    match form.validate() {
        Ok(clean) => {
            state.db.run(move |c| service::update_profile(c, me.id, &clean)).await?;
            ctx.flash("success", "Your profile has been saved.");
            Ok(redirect("/account"))
        }
        Err(errors) => {
            let page = account_page_for(&state, ctx, me.email.clone(), me.role.as_str(), form, errors).await?;
            render_status(UNPROCESSABLE, &page)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChangePasswordForm {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Template)]
#[template(path = "pages/accounts/password.html")]
struct PasswordPage {
    ctx: PageCtx,
    errors: FormErrors,
}

pub async fn password_page(Authed(ctx, _): Authed) -> AppResult<HttpResponse> {
    render(&PasswordPage { ctx, errors: FormErrors::default() })
}

pub async fn password_submit(
    Authed(ctx, me): Authed,
    state: State,
    form: web::Form<ChangePasswordForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let mut errors = FormErrors::default();
    if let Some(msg) = state.passwords.refusal(f.new_password.clone(), vec![me.name.clone(), me.email.clone()]).await? {
        errors.add("new_password", msg);
    }
    let current = state.db.run(move |c| model::find_user(c, me.id)).await?.ok_or(AppError::NotFound)?;
    if f.current_password.is_empty() || f.current_password.len() > 4 * model::PASSWORD_MAX {
        errors.add("current_password", "Please enter your current password.");
    } else if !state.passwords.verify(f.current_password, Some(current.password_hash.clone())).await? {
        errors.add("current_password", "This is not your current password.");
    }
    if !errors.is_empty() {
        return render_status(UNPROCESSABLE, &PasswordPage { ctx, errors });
    }
    let hash = state.passwords.hash(f.new_password).await?;
    let base = state.base_url.clone();
    let keep = ctx.session_id;
    state
        .db
        .run(move |c| {
            crate::db::write_transaction(c, |c| {
                service::set_password(c, &Links { base_url: &base }, me.id, &hash, keep)
            })
        })
        .await?;
    state.wake_mailer();
    ctx.flash("success", "Your password has been changed. Other devices have been logged out.");
    Ok(redirect("/account"))
}

pub async fn export(Authed(_, me): Authed, state: State) -> AppResult<HttpResponse> {
    let data = state.db.run(move |c| service::export(c, me.id)).await?;
    let body = serde_json::to_string_pretty(&data).map_err(AppError::internal)?;
    let filename = format!("liaison-data-{}.json", chrono::Utc::now().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .body(body))
}

#[derive(Template)]
#[template(path = "pages/accounts/delete.html")]
struct DeletePage {
    ctx: PageCtx,
    errors: FormErrors,
}

pub async fn delete_page(Authed(ctx, _): Authed) -> AppResult<HttpResponse> {
    render(&DeletePage { ctx, errors: FormErrors::default() })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeleteForm {
    pub password: String,
}

pub async fn delete_submit(
    Authed(ctx, me): Authed,
    state: State,
    form: web::Form<DeleteForm>,
) -> AppResult<HttpResponse> {
    let f = form.into_inner();
    let user = state.db.run(move |c| model::find_user(c, me.id)).await?.ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::default();
    if f.password.is_empty() || f.password.len() > 4 * model::PASSWORD_MAX {
        errors.add("password", "Please enter your password to confirm.");
    } else if !state.passwords.verify(f.password, Some(user.password_hash)).await? {
        errors.add("password", "This is not your password.");
    }
    if !errors.is_empty() {
        return render_status(UNPROCESSABLE, &DeletePage { ctx, errors });
    }
    let (base, tickets) = (state.base_url.clone(), state.tickets.clone());
    match state.db.run(move |c| service::delete_account(c, &base, &tickets, me.id)).await? {
        Ok(()) => {
            state.wake_mailer();
            ctx.log_out();
            ctx.flash("info", "Your account and your data have been deleted.");
            Ok(redirect("/"))
        }
        Err(DeleteRefusal::LastAdmin) => {
            errors.add("password", "You are the only administrator. Make someone else an administrator first.");
            render_status(StatusCode::CONFLICT, &DeletePage { ctx, errors })
        }
    }
}
