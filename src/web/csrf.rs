//! One middleware guards every state-changing request: it caps the body size (413) and
//! requires the session's CSRF token (403), before any handler runs. Handlers cannot forget it.

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
        tracing::info!(path = %req.path(), "refused a POST without a valid CSRF token");
        return Ok(req.into_response(AppError::Csrf.error_response()));
    }
    req.set_payload(Payload::from(body));
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

/// The token from the form body, the `X-CSRF-Token` header, or (for multipart uploads) the query.
fn token_in_request(req: &ServiceRequest, body: &Bytes) -> Option<String> {
    let is_form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
            if let Some((_, v)) = pairs.into_iter().find(|(k, _)| k == FIELD) {
                return Some(v);
            }
        }
    }
    if let Some(v) = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Some(v.to_string());
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .ok()?
        .into_iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v)
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
}
