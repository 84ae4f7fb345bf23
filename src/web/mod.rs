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
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::accounts::model::Role;
use crate::app::AppState;
use crate::error::AppError;

/// Session keys. `sid` is the raw id of the server-side session (see `accounts::sessions`).
const SID: &str = "sid";
const FLASH: &str = "flash";
pub(crate) const CSRF: &str = "csrf";

/// How long a server may use a session lookup without asking the database again, unless it
/// handled a write meanwhile: a logout through another server takes effect here within this.
pub const SESSION_LOOKUP_TTL: std::time::Duration = std::time::Duration::from_secs(2);

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

/// A live server-side session and its person, as kept for a moment by `AppState::session_users`.
pub struct KnownSession {
    user: SessionUser,
    session_id: i64,
}

/// Everything the base layout needs. Extracting it checks the session against the database:
/// a session that was ended (logout, "log out everywhere", password change) or has expired is
/// dropped.
pub struct PageCtx {
    pub user: Option<SessionUser>,
    /// The server-side session of a logged-in person (`user_sessions.id`).
    pub session_id: Option<i64>,
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

    /// Starts a fresh cookie (new CSRF token) for the server-side session `sid` of a person
    /// who just logged in; pending messages are kept.
    pub fn log_in(&self, sid: &str) -> Result<(), AppError> {
        let flashes = self.session.remove_as::<Vec<Flash>>(FLASH).and_then(Result::ok);
        self.session.renew();
        self.session.clear();
        self.session.insert(SID, sid).map_err(AppError::internal)?;
        self.session.insert(CSRF, new_csrf_token()).map_err(AppError::internal)?;
        if let Some(f) = flashes {
            self.session.insert(FLASH, f).map_err(AppError::internal)?;
        }
        Ok(())
    }

    /// The raw id of this cookie's server-side session, if it carries one.
    pub fn session_token(&self) -> Option<String> {
        self.session.get::<String>(SID).ok().flatten()
    }

    /// Forgets the login in this cookie and gives it a new CSRF token (the caller ends the
    /// server-side session). Unlike a purge, a message set afterwards still reaches the person.
    pub fn log_out(&self) {
        self.session.renew();
        self.session.clear();
        let _ = self.session.insert(CSRF, new_csrf_token());
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
            let known = load_session(&state, &session).await?;
            let (user, session_id) = match known {
                Some(k) => (Some(k.user.clone()), Some(k.session_id)),
                None => (None, None),
            };
            Ok(PageCtx { user, session_id, csrf, path, read_only, session })
        })
    }
}

/// The live session behind the cookie. The lookup is kept for `SESSION_LOOKUP_TTL` and read
/// again after any write on this server (a logout here takes effect at once; one through
/// another server within that moment). An ended or expired session is removed from the cookie.
async fn load_session(state: &AppState, session: &Session) -> Result<Option<Arc<KnownSession>>, AppError> {
    let Ok(Some(sid)) = session.get::<String>(SID) else {
        return Ok(None);
    };
    let generation = state.pages.writes();
    if let Some(k) = state.session_users.peek(&sid, generation) {
        return Ok(Some(k));
    }
    let raw = sid.clone();
    let found = state.db.run(move |c| crate::accounts::sessions::lookup(c, &raw)).await?;
    match found {
        Some(a) => {
            let u = a.user;
            let user = SessionUser { id: u.id, role: u.role(), name: u.name, email: u.email };
            Ok(Some(state.session_users.put(sid, generation, KnownSession { user, session_id: a.session_id })))
        }
        None => {
            // Logged out, ended from another device, expired, or the account was deleted.
            session.remove(SID);
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

/// 303 See Other: the answer to a successful form POST. A target that cannot be a header
/// value (a control character that slipped through) goes home instead of failing with a 500.
pub fn redirect(location: &str) -> HttpResponse {
    // A header cannot carry control characters (browsers drop a tab, CR/LF fail the response):
    // a target holding one, which only typed input can, goes home instead.
    let value = Some(location)
        .filter(|l| !l.chars().any(char::is_control))
        .and_then(|l| header::HeaderValue::from_str(l).ok())
        .unwrap_or_else(|| {
            tracing::warn!("refused redirect target with characters not allowed in a header");
            header::HeaderValue::from_static("/")
        });
    HttpResponse::SeeOther().insert_header((header::LOCATION, value)).finish()
}

/// The longest redirect target taken from a request.
pub const NEXT_MAX: usize = 2000;

/// A redirect target taken from the request (`next`, `back`) if it is a path-only relative
/// reference on this site; "/" otherwise. Every such target goes through here.
pub fn safe_next(next: &str) -> &str {
    if is_local_path(next) {
        next
    } else {
        "/"
    }
}

/// `next` when it is a safe target (see `safe_next`), else empty: for pages that carry it on.
pub fn clean_next(next: &str) -> String {
    if is_local_path(next) {
        next.to_string()
    } else {
        String::new()
    }
}

/// One leading `/` and not `//` or `/\` (which browsers read as another host); only visible
/// ASCII (no control character, whitespace, backslash or raw non-ASCII, which browsers drop or
/// rewrite: `/\t/evil.example` became `//evil.example`); bounded length. The path, once its
/// percent-escapes are decoded, must pass the same test and hold no dot segments, so that no
/// server or proxy that decodes it (`/%2F/evil.example`, `/%5Cevil.example`) turns it into
/// another host. The query and fragment may hold escapes: they stay data.
fn is_local_path(next: &str) -> bool {
    /// One leading slash, not two, no backslash; `allowed` says which other bytes may appear.
    fn plain(p: &[u8], allowed: impl Fn(u8) -> bool) -> bool {
        p.first() == Some(&b'/')
            && !matches!(p.get(1), Some(b'/' | b'\\'))
            && p.iter().all(|b| allowed(*b) && *b != b'\\')
    }
    if next.len() > NEXT_MAX || !plain(next.as_bytes(), |b| b.is_ascii_graphic()) {
        return false;
    }
    let path = next.split(['?', '#']).next().unwrap_or("");
    let decoded: Vec<u8> = percent_decode(path.as_bytes());
    let dots = decoded.split(|b| *b == b'/').any(|seg| seg == b"." || seg == b"..");
    // Encoded UTF-8 (`/events/caf%C3%A9`) is fine once decoded; encoded controls and spaces not.
    plain(&decoded, |b| b.is_ascii_graphic() || b >= 0x80) && !dots
}

/// Decodes %XX escapes once; a `%` not followed by two hex digits stays as it is.
fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if let (Some(h), Some(l)) = (s.get(i + 1).and_then(|b| hex(*b)), s.get(i + 2).and_then(|b| hex(*b))) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

pub fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q[1..].to_string()).unwrap_or_default()
}

/// The client's address for rate limits and logs: the peer, or what a trusted proxy
/// (`LIAISON_TRUSTED_PROXIES`) says it saw; forwarded headers from anyone else are ignored.
pub fn client_ip(req: &HttpRequest) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let ip = match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.trusted_proxies.client_ip(peer, req.headers()),
        None => peer,
    };
    ip.map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        for ok in [
            "/account",
            "/events?x=1",
            "/events/x/directory?q=a%20b&page=2",
            "/a%2Fb",
            "/events#top",
            "/",
            "/caf%C3%A9",
        ] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "",
            "account",
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\x0b/evil.example",
            "/ /evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5c%5cevil.example",
            "/%0d%0aX: y",
            "/../evil",
            "/%2e%2e/evil",
            "/a/./b",
            "/caf\u{e9}",
            "/\u{200b}/evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
            assert_eq!(clean_next(bad), "", "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(NEXT_MAX))), "/");
        assert_eq!(safe_next("/x?next=%0d%0a"), "/x?next=%0d%0a", "escapes in the query stay data");
    }

    #[test]
    fn redirects_never_fail() {
        assert_eq!(redirect("/a\r\nb").headers().get(header::LOCATION).unwrap(), "/");
        assert_eq!(redirect("/ok").headers().get(header::LOCATION).unwrap(), "/ok");
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
