//! One middleware guards every state-changing request: it refuses a cross-site `Origin` (or
//! `Referer`) (403), caps the body size (413) and requires the session's CSRF token (403),
//! before any handler runs. Handlers cannot forget it.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, ResponseError};
use futures_util::StreamExt;

use crate::error::AppError;

/// Largest body a form may send.
pub const FORM_LIMIT: usize = 64 * 1024;
pub const FIELD: &str = "csrf_token";

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    if let Some(origin) = cross_site_origin(&req) {
        tracing::info!(path = %super::security::logged_target(&req), %origin, "refused a cross-site POST");
        return Ok(req.into_response(AppError::Forbidden.error_response()));
    }
    // Invitee lists are uploaded as files; every other form is small.
    let limit = if req.path().ends_with("/import") { crate::events::organise::IMPORT_LIMIT } else { FORM_LIMIT };
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Ok(req.into_response(AppError::PayloadTooLarge.error_response()));
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(req.into_response(AppError::PayloadTooLarge.error_response()));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let sent = token_in_request(&req, &body);
    let expected = req.get_session().get::<String>(super::CSRF).ok().flatten();
    let valid = match (sent, expected) {
        (Some(s), Some(e)) => constant_time_eq(s.as_bytes(), e.as_bytes()),
        _ => false,
    };
    if !valid {
        tracing::info!(path = %super::security::logged_target(&req), "refused a POST without a valid CSRF token");
        return Ok(req.into_response(AppError::Csrf.error_response()));
    }
    req.set_payload(Payload::from(body));
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

/// The token from the form body (URL-encoded or multipart) or the `X-CSRF-Token` header;
/// never from the query string, which ends up in logs, histories and Referer headers.
fn token_in_request(req: &ServiceRequest, body: &Bytes) -> Option<String> {
    let content_type =
        req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
            if let Some((_, v)) = pairs.into_iter().find(|(k, _)| k == FIELD) {
                return Some(v);
            }
        }
    } else if content_type.starts_with("multipart/form-data") {
        if let Some(v) = multipart_field(content_type, body, FIELD) {
            return Some(v);
        }
    }
    req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The text value of the form field `name` in a buffered multipart body (RFC 7578).
fn multipart_field(content_type: &str, body: &[u8], name: &str) -> Option<String> {
    let boundary = content_type.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("boundary")).then(|| v.trim().trim_matches('"').to_string())
    })?;
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let text = String::from_utf8_lossy(body);
    for part in text.split(delimiter.as_str()).skip(1) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else { continue };
        let names_field = head.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("content-disposition:") && l.split(';').any(|p| p.trim() == wanted)
        });
        if names_field {
            return Some(value.strip_suffix("\r\n").unwrap_or(value).to_string());
        }
    }
    None
}

/// The `Origin` (or, without one, the `Referer`'s origin) of a request that comes from
/// another site. Same site is the configured base URL's origin or the request's own `Host`.
/// Requests with neither header (old clients, privacy settings) pass on the token alone.
fn cross_site_origin(req: &ServiceRequest) -> Option<String> {
    use actix_web::http::header::{HOST, ORIGIN, REFERER};
    let header = |h| req.headers().get(h).and_then(|v: &actix_web::http::header::HeaderValue| v.to_str().ok());
    let origin = match header(ORIGIN) {
        Some(o) => o.trim().to_string(),
        None => origin_of(header(REFERER)?)?,
    };
    let own = req.app_data::<actix_web::web::Data<crate::app::AppState>>().and_then(|s| origin_of(&s.base_url));
    let normalised = origin_of(&origin);
    let same = normalised.as_deref().is_some_and(|o| {
        own.as_deref() == Some(o)
            || header(HOST).is_some_and(|host| authority(o) == Some(strip_default_port(&host.to_ascii_lowercase())))
    });
    (!same).then(|| origin.chars().filter(|c| !c.is_control()).take(100).collect())
}

/// "https://Example.org:443/path?q" -> "https://example.org"; None for "null" and non-URLs.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    if host.is_empty() || host.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", strip_default_port(&host)))
}

fn authority(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, a)| a)
}

fn strip_default_port(host: &str) -> &str {
    host.strip_suffix(":80").or_else(|| host.strip_suffix(":443")).unwrap_or(host)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn origins_are_compared_by_scheme_host_and_port() {
        assert_eq!(
            super::origin_of("https://Events.example.org:443/x?y").as_deref(),
            Some("https://events.example.org")
        );
        assert_eq!(super::origin_of("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(super::origin_of("null"), None);
        assert_eq!(super::origin_of("javascript://x"), None);
        assert_eq!(super::origin_of("http://user@evil.example"), None);
    }

    #[test]
    fn the_token_is_read_from_a_multipart_field() {
        let body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nname,email\r\n--XyZ\r\n\
                    Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        assert_eq!(super::multipart_field(ct, body.as_bytes(), "csrf_token").as_deref(), Some("abc123"));
        assert_eq!(super::multipart_field(ct, body.as_bytes(), "other"), None);
        assert_eq!(super::multipart_field("multipart/form-data", body.as_bytes(), "csrf_token"), None);
    }
}
