//! Single-use, expiring e-mail tokens (confirmation, password reset). Only a SHA-256 hash of
//! each token is stored, so a copy of the database does not let anyone use the links.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::email_tokens;
use crate::db::{now, DbConn};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Reset => "reset",
        }
    }
    pub fn lifetime(self) -> TimeDelta {
        match self {
            Purpose::Confirm => TimeDelta::hours(48),
            Purpose::Reset => TimeDelta::hours(1),
        }
    }
}

/// Why a link cannot be used, in words for the person holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Used,
}

impl TokenProblem {
    pub fn message(self, purpose: Purpose) -> &'static str {
        match (self, purpose) {
            (TokenProblem::Unknown, _) => {
                "This link is not valid. Please check that you copied the whole link from the e-mail."
            }
            (TokenProblem::Expired, Purpose::Confirm) => {
                "This confirmation link has expired: links are valid for 48 hours. Ask for a new one below."
            }
            (TokenProblem::Expired, Purpose::Reset) => {
                "This password reset link has expired: links are valid for one hour. Ask for a new one below."
            }
            (TokenProblem::Used, Purpose::Confirm) => {
                "This confirmation link has already been used. If your address is confirmed, you can log in."
            }
            (TokenProblem::Used, Purpose::Reset) => {
                "This password reset link has already been used. Ask for a new one if you still need it."
            }
        }
    }
}

/// 256 bits of randomness, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// Creates a token for `user_id` and returns the raw value to put in the link.
pub fn create(conn: &mut DbConn, user_id: i64, purpose: Purpose) -> Result<String, AppError> {
    let raw = random_token();
    let t = now();
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::user_id.eq(user_id),
            email_tokens::purpose.eq(purpose.as_str()),
            email_tokens::token_hash.eq(hash_token(&raw)),
            email_tokens::expires_at.eq(t + purpose.lifetime()),
            email_tokens::created_at.eq(t),
        ))
        .execute(conn)?;
    Ok(raw)
}

/// How many tokens of this purpose were made for the user in the last hour (to cap e-mails).
pub fn recent_count(conn: &mut DbConn, user_id: i64, purpose: Purpose) -> Result<i64, AppError> {
    Ok(email_tokens::table
        .filter(email_tokens::user_id.eq(user_id))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .filter(email_tokens::created_at.gt(now() - TimeDelta::hours(1)))
        .count()
        .get_result(conn)?)
}

/// Looks a token up without using it: Ok(user id) when it could be used now.
pub fn check(conn: &mut DbConn, raw: &str, purpose: Purpose) -> Result<Result<i64, TokenProblem>, AppError> {
    let row: Option<(i64, NaiveDateTime, Option<NaiveDateTime>)> = email_tokens::table
        .filter(email_tokens::token_hash.eq(hash_token(raw)))
        .filter(email_tokens::purpose.eq(purpose.as_str()))
        .select((email_tokens::user_id, email_tokens::expires_at, email_tokens::used_at))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Err(TokenProblem::Unknown),
        Some((_, _, Some(_))) => Err(TokenProblem::Used),
        Some((_, expires, None)) if expires <= now() => Err(TokenProblem::Expired),
        Some((uid, _, None)) => Ok(uid),
    })
}

/// Uses a token: exactly one caller can succeed, however many race for it.
pub fn consume(conn: &mut DbConn, raw: &str, purpose: Purpose) -> Result<Result<i64, TokenProblem>, AppError> {
    let uid = match check(conn, raw, purpose)? {
        Ok(uid) => uid,
        Err(p) => return Ok(Err(p)),
    };
    let t = now();
    let claimed = diesel::update(
        email_tokens::table
            .filter(email_tokens::token_hash.eq(hash_token(raw)))
            .filter(email_tokens::used_at.is_null())
            .filter(email_tokens::expires_at.gt(t)),
    )
    .set(email_tokens::used_at.eq(t))
    .execute(conn)?;
    Ok(if claimed == 1 { Ok(uid) } else { Err(TokenProblem::Used) })
}

/// Voids the user's other unused tokens of this purpose (after a reset, old links must die).
pub fn void_all(conn: &mut DbConn, user_id: i64, purpose: Purpose) -> Result<(), AppError> {
    diesel::update(
        email_tokens::table
            .filter(email_tokens::user_id.eq(user_id))
            .filter(email_tokens::purpose.eq(purpose.as_str()))
            .filter(email_tokens::used_at.is_null()),
    )
    .set(email_tokens::used_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(hash_token("x"), hash_token("x"));
        assert_ne!(hash_token("x"), "x");
    }
}
