//! What every area's handlers share: the page context (current user, CSRF token, flash
//! messages), extractors that require a login or a role, form errors and rendering helpers.

pub mod assets;
pub mod cache;
pub mod csrf;
pub mod form;
pub mod limits;
pub mod markdown;
pub mod security;
pub mod text;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::accounts::model::{Role, User};
use crate::app::AppState;
use crate::error::AppError;

/// Session keys.
const UID: &str = "uid";
const EPOCH: &str = "epoch";
const LOGIN_AT: &str = "login_at";
const FLASH: &str = "flash";
pub(crate) const CSRF: &str = "csrf";

/// How long a login lasts before the person must log in again.
const SESSION_MAX_AGE_SECS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

/// The logged-in person, as pages need them.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl SessionUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    pub fn is_organiser(&self) -> bool {
        matches!(self.role, Role::Organiser | Role::Admin)
    }
}

/// A session's user with the epoch their sessions must carry.
pub struct KnownUser {
    user: SessionUser,
    epoch: i32,
}

/// Everything the base layout needs. Extracting it checks the session against the database:
/// a session whose epoch is older than the user's (password changed elsewhere) is dropped.
pub struct PageCtx {
    pub user: Option<SessionUser>,
    pub csrf: String,
    pub path: String,
    /// A GET or HEAD: the request changes nothing, so it may read values cached a moment ago.
    pub read_only: bool,
    session: Session,
}

impl PageCtx {
    /// Flash messages, removed from the session as they are shown.
    pub fn take_flashes(&self) -> Vec<Flash> {
        self.session.remove_as::<Vec<Flash>>(FLASH).and_then(Result::ok).unwrap_or_default()
    }

    /// Whether messages wait to be shown (such a page is this visitor's own).
    pub fn has_flashes(&self) -> bool {
        self.session.get::<Vec<Flash>>(FLASH).ok().flatten().is_some_and(|v| !v.is_empty())
    }

    /// Anonymous visitors with no pending message all see the same page: it may be cached
    /// (with the CSRF token put in per request, see `web::cache`).
    pub fn is_shared_view(&self) -> bool {
        self.user.is_none() && !self.has_flashes()
    }

    pub fn flash(&self, kind: &str, message: impl Into<String>) {
        flash(&self.session, kind, message);
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn require_user(&self) -> Result<&SessionUser, AppError> {
        self.user.as_ref().ok_or_else(|| AppError::LoginRequired { next: self.path.clone() })
    }

    /// Starts a fresh session for `user` (new cookie, new CSRF token).
    pub fn log_in(&self, user: &User) -> Result<(), AppError> {
        let flashes = self.session.remove_as::<Vec<Flash>>(FLASH).and_then(Result::ok);
        self.session.renew();
        self.session.clear();
        self.session.insert(UID, user.id).map_err(AppError::internal)?;
        self.session.insert(EPOCH, user.session_epoch).map_err(AppError::internal)?;
        self.session.insert(LOGIN_AT, chrono::Utc::now().timestamp()).map_err(AppError::internal)?;
        self.session.insert(CSRF, new_csrf_token()).map_err(AppError::internal)?;
        if let Some(f) = flashes {
            self.session.insert(FLASH, f).map_err(AppError::internal)?;
        }
        Ok(())
    }

    /// Keeps this session valid after the user's epoch moved on (own password change).
    pub fn set_epoch(&self, epoch: i32) -> Result<(), AppError> {
        self.session.renew();
        self.session.insert(EPOCH, epoch).map_err(AppError::internal)
    }

    pub fn log_out(&self) {
        self.session.purge();
    }
}

pub fn flash(session: &Session, kind: &str, message: impl Into<String>) {
    let mut list = session.get::<Vec<Flash>>(FLASH).ok().flatten().unwrap_or_default();
    list.push(Flash { kind: kind.to_string(), message: message.into() });
    // Inserting a serialisable Vec cannot fail.
    let _ = session.insert(FLASH, list);
}

fn new_csrf_token() -> String {
    crate::accounts::tokens::random_token()
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> String {
    match session.get::<String>(CSRF) {
        Ok(Some(t)) => t,
        _ => {
            let t = new_csrf_token();
            let _ = session.insert(CSRF, &t);
            t
        }
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let path = match req.uri().query() {
            Some(q) => format!("{}?{q}", req.path()),
            None => req.path().to_string(),
        };
        let read_only = matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("app state missing"))?;
            let csrf = csrf_token(&session);
            let user = load_session_user(&state, &session).await?;
            Ok(PageCtx { user, csrf, path, read_only, session })
        })
    }
}

async fn load_session_user(state: &AppState, session: &Session) -> Result<Option<SessionUser>, AppError> {
    let (Ok(Some(uid)), Ok(Some(epoch))) = (session.get::<i64>(UID), session.get::<i32>(EPOCH)) else {
        return Ok(None);
    };
    let login_at = session.get::<i64>(LOGIN_AT).ok().flatten().unwrap_or(0);
    if chrono::Utc::now().timestamp() - login_at > SESSION_MAX_AGE_SECS {
        session.purge();
        return Ok(None);
    }
    // Read again after any write on this server (a password change, a deleted account) and
    // at least every two seconds (the same on another server).
    let generation = state.pages.writes();
    let known = match state.session_users.peek(&uid, generation) {
        Some(k) => Some(k),
        None => state.db.run(move |c| crate::accounts::model::find_user(c, uid)).await?.map(|u| {
            let user = SessionUser { id: u.id, role: u.role(), name: u.name, email: u.email };
            state.session_users.put(uid, generation, KnownUser { user, epoch: u.session_epoch })
        }),
    };
    match known {
        Some(k) if k.epoch == epoch => Ok(Some(k.user.clone())),
        _ => {
            // Deleted account or a password change elsewhere: this session has ended.
            session.purge();
            Ok(None)
        }
    }
}

/// A page that needs a logged-in person.
pub struct Authed(pub PageCtx, pub SessionUser);

impl FromRequest for Authed {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = PageCtx::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            let user = ctx.require_user()?.clone();
            Ok(Authed(ctx, user))
        })
    }
}

/// A page only admins may see: others get 403 (anonymous visitors are sent to log in).
pub struct AdminCtx(pub PageCtx, pub SessionUser);

impl FromRequest for AdminCtx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authed = Authed::from_request(req, payload);
        Box::pin(async move {
            let Authed(ctx, user) = authed.await?;
            if !user.is_admin() {
                return Err(AppError::Forbidden);
            }
            Ok(AdminCtx(ctx, user))
        })
    }
}

/// Messages beside form fields, keyed by field name.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(BTreeMap<String, String>);

impl FormErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_string()).or_insert_with(|| message.into());
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(self, ok: T) -> Result<T, FormErrors> {
        if self.0.is_empty() {
            Ok(ok)
        } else {
            Err(self)
        }
    }
}

/// Renders a page with status 200.
pub fn render<T: Template>(tpl: &T) -> Result<HttpResponse, AppError> {
    render_status(StatusCode::OK, tpl)
}

/// Renders a page with the given status (422 for a form with errors).
pub fn render_status<T: Template>(status: StatusCode, tpl: &T) -> Result<HttpResponse, AppError> {
    let body = tpl.render()?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

/// 303 See Other: the answer to a successful form POST.
pub fn redirect(location: &str) -> HttpResponse {
    // A header cannot carry control characters (browsers drop a tab, CR/LF fail the response):
    // a target holding one, which only typed input can, goes home instead.
    let location = if location.chars().any(char::is_control) { "/" } else { location };
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

/// Accepts only local paths as redirect targets (no open redirects).
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.contains("://");
    if ok {
        next
    } else {
        "/"
    }
}

pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q[1..].to_string()).unwrap_or_default()
}

/// The peer address used for per-address throttling. Forwarded headers are not trusted:
/// anyone could set them to escape the limit.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next("/account"), "/account");
        assert_eq!(safe_next("/events?x=1"), "/events?x=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }

    #[test]
    fn url_encoding() {
        assert_eq!(url_encode("/a b?c=d&e"), "%2Fa+b%3Fc%3Dd%26e");
    }

    #[test]
    fn form_errors_keep_the_first_message() {
        let mut e = FormErrors::default();
        assert!(e.is_empty());
        e.add("email", "first");
        e.add("email", "second");
        assert_eq!(e.get("email"), Some("first"));
        assert!(e.into_result(()).is_err());
    }
}
