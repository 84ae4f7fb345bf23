//! Security headers on every response, and request logging that never writes a secret.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse, ResponseError};
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

use crate::app::AppState;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

const HEADERS: [(&str, &str); 7] = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cache-control", "no-store"),
];

/// One year, the value browsers' preload lists ask for.
pub const HSTS: &str = "max-age=31536000";

/// The outermost middleware. An error an inner layer returns (instead of a response) is
/// rendered later by actix, outside every middleware: it is wrapped so that its response,
/// too, carries the headers. HSTS is sent when the site's base URL is https.
pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let hsts = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.base_url.starts_with("https://"));
    match next.call(req).await {
        Ok(mut res) => {
            add_headers(res.headers_mut(), hsts);
            Ok(res.map_into_boxed_body())
        }
        Err(inner) => Err(WithHeaders { inner, hsts }.into()),
    }
}

fn add_headers(h: &mut HeaderMap, hsts: bool) {
    let hsts = hsts.then_some(("strict-transport-security", HSTS));
    for (name, value) in HEADERS.into_iter().chain(hsts) {
        let name = HeaderName::from_static(name);
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// An error whose response gets the security headers.
#[derive(Debug)]
struct WithHeaders {
    inner: Error,
    hsts: bool,
}

impl std::fmt::Display for WithHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl ResponseError for WithHeaders {
    fn status_code(&self) -> StatusCode {
        self.inner.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self.inner.error_response();
        add_headers(res.headers_mut(), self.hsts);
        res
    }
}

// ---------- logging ----------

/// Path parameters that carry a secret, by their name in the route table.
const SECRET_PARAMS: [&str; 5] = ["token", "file", "code", "secret", "key"];
/// A path segment after one of these is a secret even when no route matches (a 404 on a
/// mistyped link still carries the token).
const SECRET_AFTER: [&str; 6] = ["confirm", "reset", "invitation", "organiser-invitations", "tickets", "ticket"];
/// Words that follow those markers in real routes and are not secrets.
const NOT_SECRET: [&str; 1] = ["resend"];
/// Query parameters whose values are logged; every other value is written as `***`.
const PLAIN_QUERY_KEYS: [&str; 12] =
    ["page", "status", "sort", "order", "day", "track", "room", "view", "answer", "format", "sector", "kind"];
/// Longest target written to the log.
const MAX_LOGGED: usize = 300;

/// The request's path and query as the log may show them: every secret segment and every query
/// value not known to be harmless replaced by `***`.
pub fn redacted_target(path: &str, pattern: Option<&str>, query: &str) -> String {
    let pattern: Vec<&str> = pattern.map(|p| p.split('/').collect()).unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        let named_secret = pattern.get(i).is_some_and(|p| {
            p.strip_prefix('{')
                .and_then(|p| p.strip_suffix('}'))
                .is_some_and(|name| SECRET_PARAMS.contains(&name.split(':').next().unwrap_or(name)))
        });
        let after_marker = i > 0 && SECRET_AFTER.contains(&segments[i - 1]) && !NOT_SECRET.contains(seg);
        // The calendar feed: /events/{slug}/calendar/{registration}/{token}.ics
        let feed = i > 1 && segments[i - 2] == "calendar";
        let secret = !seg.is_empty() && (named_secret || after_marker || feed || looks_like_token(seg));
        out.push(if secret { "***" } else { seg });
    }
    let mut target = out.join("/");
    if !query.is_empty() {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if PLAIN_QUERY_KEYS.contains(&k) && !looks_like_token(v) => format!("{k}={v}"),
                Some((k, _)) => format!("{k}=***"),
                None if looks_like_token(pair) => "***".into(),
                None => pair.to_string(),
            })
            .collect();
        target.push('?');
        target.push_str(&pairs.join("&"));
    }
    if target.len() > MAX_LOGGED {
        let mut cut = MAX_LOGGED;
        while !target.is_char_boundary(cut) {
            cut -= 1;
        }
        target.truncate(cut);
        target.push('…');
    }
    target
}

/// A long run of letters and digits with both in it (our tokens are 40 or 64 hex digits),
/// unlike slugs, which are words joined by hyphens, and ids, which are short.
fn looks_like_token(seg: &str) -> bool {
    let stem = seg.split('.').next().unwrap_or(seg);
    stem.len() >= 20
        && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && stem.bytes().any(|b| b.is_ascii_digit())
        && stem.bytes().any(|b| b.is_ascii_alphabetic())
}

/// The logged form of a request's target.
pub fn logged_target(req: &ServiceRequest) -> String {
    redacted_target(req.path(), req.match_pattern().as_deref(), req.query_string())
}

struct Started(Instant);

/// The root span of every request: request id, method, route, client address and the
/// redacted target, never the raw path or query. At the end one event says the status and
/// the duration: 5xx at ERROR, 4xx at INFO (a person's mistake or an attacker's probe, not a
/// fault of ours), everything else at DEBUG, so the default level logs no routine traffic.
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        req.extensions_mut().insert(Started(Instant::now()));
        let request_id = req.extensions().get::<RequestId>().map(ToString::to_string).unwrap_or_default();
        tracing::info_span!(
            "request",
            id = %request_id,
            method = %req.method(),
            target = %logged_target(req),
            client = %crate::web::client_ip(req.request()),
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error, started) = match outcome {
            Ok(res) => (
                res.status(),
                res.response().error().map(ToString::to_string),
                res.request().extensions().get::<Started>().map(|s| s.0),
            ),
            Err(e) => (e.as_response_error().status_code(), Some(e.to_string()), None),
        };
        let ms = started.map_or(0, |t| t.elapsed().as_millis() as u64);
        let code = status.as_u16();
        span.in_scope(|| {
            if status.is_server_error() {
                tracing::error!(
                    status = code,
                    duration_ms = ms,
                    error = error.as_deref().unwrap_or(""),
                    "request failed"
                );
            } else if status.is_client_error() {
                tracing::info!(status = code, duration_ms = ms, "request refused");
            } else {
                tracing::debug!(status = code, duration_ms = ms, "request");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn secrets_in_paths_and_queries_are_masked() {
        let t = |path: &str, pattern: Option<&str>, q: &str| redacted_target(path, pattern, q);
        let reset = format!("/password/reset/{TOKEN}");
        assert_eq!(t(&reset, Some("/password/reset/{token}"), ""), "/password/reset/***");
        assert_eq!(t(&format!("{reset}/x"), None, ""), "/password/reset/***/x", "no route: the marker");
        assert_eq!(t("/confirm/abc", None, ""), "/confirm/***");
        assert_eq!(t("/confirm/resend", Some("/confirm/resend"), ""), "/confirm/resend");
        assert_eq!(
            t("/organiser-invitations/short", Some("/organiser-invitations/{token}"), ""),
            "/organiser-invitations/***"
        );
        assert_eq!(
            t(&format!("/events/info-day-2027/calendar/12/{}.ics", &TOKEN[..40]), None, ""),
            "/events/info-day-2027/calendar/12/***"
        );
        assert_eq!(t(&format!("/anything/{TOKEN}"), None, ""), "/anything/***", "token-like anywhere");
        assert_eq!(
            t("/events/pharma-meets-academia-2027/agenda", None, ""),
            "/events/pharma-meets-academia-2027/agenda"
        );
        assert_eq!(
            t("/events/x/register", None, &format!("invitation={TOKEN}&page=2&email=a%40b.org&flag")),
            "/events/x/register?invitation=***&page=2&email=***&flag"
        );
        assert!(t(&"/a".repeat(400), None, "").len() < MAX_LOGGED + 4);
    }
}
