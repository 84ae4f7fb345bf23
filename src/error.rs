//! One error type for the whole application. Each variant maps to a status and an error page;
//! internal causes are logged, never shown.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid or missing CSRF token")]
    Csrf,
    /// Not logged in: redirect to the login page, then back to `next`.
    #[error("login required")]
    LoginRequired { next: String },
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests: {message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            // PostgreSQL refuses a NUL character in any text it is given (SQLite stores it). A
            // NUL can only come from the request, so whatever query it reached, it is the
            // request's fault: 400, never 500.
            diesel::result::Error::DatabaseError(_, info) if is_nul_refusal(info.message()) => {
                AppError::BadRequest("The request contains a NUL character, which is not allowed.".into())
            }
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

/// PostgreSQL's words for a NUL byte in a text value.
fn is_nul_refusal(message: &str) -> bool {
    message.contains("invalid byte sequence") && message.contains("0x00")
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(format!("{e:#}"))
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (title, message): (&str, String) = match self {
            AppError::LoginRequired { next } => {
                let target = format!("/login?next={}", crate::web::url_encode(next));
                return HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish();
            }
            AppError::NotFound => ("Page not found", "There is nothing at this address.".into()),
            AppError::Forbidden => ("Not allowed", "You do not have permission to see or change this.".into()),
            AppError::Csrf => (
                "Form expired",
                "This form could not be accepted because its security token is missing or out of date. \
                 Go back, reload the page and submit it again."
                    .into(),
            ),
            AppError::BadRequest(m) => ("Bad request", m.clone()),
            AppError::PayloadTooLarge => {
                ("Request too large", "What you sent is larger than this form accepts.".into())
            }
            AppError::TooManyRequests { message, .. } => ("Please wait", message.clone()),
            AppError::Unavailable(cause) => {
                tracing::warn!(%cause, "service unavailable");
                (
                    "Temporarily unavailable",
                    "The service is busy or briefly unavailable. Please try again in a moment.".into(),
                )
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ("Something went wrong", "An unexpected error occurred. It has been logged; please try again.".into())
            }
        };
        let body = ErrorPage { status: status.as_u16(), title, message: &message }
            .render()
            .unwrap_or_else(|_| format!("{} {title}", status.as_u16()));
        let mut resp = HttpResponse::build(status);
        resp.content_type("text/html; charset=utf-8");
        match self {
            AppError::TooManyRequests { retry_after_secs, .. } => {
                resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unavailable(_) => {
                resp.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        resp.body(body)
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_refused_by_postgresql_is_the_requests_fault() {
        assert!(is_nul_refusal("invalid byte sequence for encoding \"UTF8\": 0x00"));
        assert!(!is_nul_refusal("invalid byte sequence for encoding \"UTF8\": 0xc3 0x28"));
        assert!(!is_nul_refusal("deadlock detected"));
    }
}
