//! Form bodies with repeated fields (`ids=1&ids=2`, multiple-choice answers) and field names
//! that are only known at run time (`q_12`), which `web::Form<T>` cannot express.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::error::AppError;

#[derive(Debug, Default, Clone)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        FormData(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Every value of `name`, in the order sent.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Every value of `name` that is a number; others are ignored (they cannot name a row).
    pub fn ids(&self, name: &str) -> Vec<i64> {
        self.all(name).into_iter().filter_map(|v| v.trim().parse().ok()).collect()
    }
}

impl FromRequest for FormData {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The CSRF middleware has already capped the body at FORM_LIMIT.
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = bytes.await.map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            Ok(FormData::parse(&body))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_missing_fields() {
        let f = FormData::parse(b"ids=1&ids=x&ids=3&q_5=a+b&q_5=%C3%A9&empty=");
        assert_eq!(f.ids("ids"), vec![1, 3]);
        assert_eq!(f.all("q_5"), vec!["a b", "é"]);
        assert_eq!(f.get("q_5"), "a b");
        assert_eq!(f.get("missing"), "");
        assert!(f.has("empty") && !f.has("missing"));
    }
}
