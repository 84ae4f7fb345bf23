//! Server-side sessions. The (encrypted) session cookie carries a random id; only its SHA-256
//! hash is stored, with the person, a short device description, when it began and was last
//! seen, and when it ended. Logging out ends the row, so a copied cookie stops working on every
//! server: at once on the server that handled the logout, and on the others within the
//! moment they may keep a session lookup (`web::SESSION_LOOKUP_TTL`, two seconds).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::tokens::{hash_token, random_token};
use crate::db::schema::{user_sessions, users};
use crate::db::{now, DbConn};
use crate::error::AppError;

/// How long a login lasts before the person must log in again.
pub const MAX_AGE: TimeDelta = TimeDelta::days(30);

/// `last_seen_at` is written at most this often per session, not on every request.
pub const LAST_SEEN_EVERY: TimeDelta = TimeDelta::minutes(5);

/// A session as its owner sees it on the account page.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_sessions)]
pub struct SessionRow {
    pub id: i64,
    pub device: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// What a request learns from a valid session id.
#[derive(Debug, Clone)]
pub struct Active {
    pub session_id: i64,
    pub user: super::model::User,
}

/// Starts a session for `user_id`; returns the raw id for the cookie.
pub fn start(conn: &mut DbConn, user_id: i64, device: &str) -> Result<String, AppError> {
    let raw = random_token();
    let t = now();
    diesel::insert_into(user_sessions::table)
        .values((
            user_sessions::user_id.eq(user_id),
            user_sessions::token_hash.eq(hash_token(&raw)),
            user_sessions::device.eq(device),
            user_sessions::created_at.eq(t),
            user_sessions::last_seen_at.eq(t),
        ))
        .execute(conn)?;
    Ok(raw)
}

/// The live session behind a cookie's raw id, with its person; marks it seen when the last
/// mark is older than `LAST_SEEN_EVERY` (a failure to mark it is not the request's problem).
pub fn lookup(conn: &mut DbConn, raw: &str) -> Result<Option<Active>, AppError> {
    let t = now();
    let row: Option<(i64, NaiveDateTime, super::model::User)> = user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::token_hash.eq(hash_token(raw)))
        .filter(user_sessions::ended_at.is_null())
        .filter(user_sessions::created_at.gt(t - MAX_AGE))
        .select((user_sessions::id, user_sessions::last_seen_at, super::model::User::as_select()))
        .first(conn)
        .optional()?;
    let Some((session_id, last_seen, user)) = row else { return Ok(None) };
    if t - last_seen > LAST_SEEN_EVERY {
        let seen =
            diesel::update(user_sessions::table.find(session_id)).set(user_sessions::last_seen_at.eq(t)).execute(conn);
        if let Err(e) = seen {
            tracing::debug!(error = %e, "session last-seen not updated");
        }
    }
    Ok(Some(Active { session_id, user }))
}

/// The person's live sessions, most recently seen first.
pub fn list(conn: &mut DbConn, user_id: i64) -> Result<Vec<SessionRow>, AppError> {
    Ok(live(user_id)
        .order((user_sessions::last_seen_at.desc(), user_sessions::id.desc()))
        .select(SessionRow::as_select())
        .load(conn)?)
}

fn live(user_id: i64) -> user_sessions::BoxedQuery<'static, crate::db::DbBackend> {
    user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::ended_at.is_null())
        .filter(user_sessions::created_at.gt(now() - MAX_AGE))
        .into_boxed()
}

/// Ends the session behind a cookie's raw id (logout).
pub fn end_by_token(conn: &mut DbConn, raw: &str) -> Result<(), AppError> {
    diesel::update(
        user_sessions::table
            .filter(user_sessions::token_hash.eq(hash_token(raw)))
            .filter(user_sessions::ended_at.is_null()),
    )
    .set(user_sessions::ended_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Ends one of the person's sessions; false when they have no such live session (someone
/// else's id, or one already ended).
pub fn end_one(conn: &mut DbConn, user_id: i64, session_id: i64) -> Result<bool, AppError> {
    let n = diesel::update(
        user_sessions::table
            .filter(user_sessions::id.eq(session_id))
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::ended_at.is_null()),
    )
    .set(user_sessions::ended_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends every session of the person except `keep` (this device, after a password change or
/// "log out everywhere else"); returns how many ended.
pub fn end_all(conn: &mut DbConn, user_id: i64, keep: Option<i64>) -> Result<usize, AppError> {
    let q = user_sessions::table
        .filter(user_sessions::user_id.eq(user_id))
        .filter(user_sessions::ended_at.is_null())
        .filter(user_sessions::id.ne(keep.unwrap_or(-1)));
    Ok(diesel::update(q).set(user_sessions::ended_at.eq(now())).execute(conn)?)
}

/// Ends every session of the people with these e-mail addresses (the demo renews their
/// passwords).
pub fn end_all_for_emails(conn: &mut DbConn, emails: &[String]) -> Result<usize, AppError> {
    let ids = users::table.filter(users::email.eq_any(emails)).select(users::id);
    let q = user_sessions::table.filter(user_sessions::user_id.eq_any(ids)).filter(user_sessions::ended_at.is_null());
    Ok(diesel::update(q).set(user_sessions::ended_at.eq(now())).execute(conn)?)
}

/// Drops rows nobody can use any more: ended or older than `MAX_AGE` (called by the mail
/// worker's housekeeping).
pub fn purge_old(conn: &mut DbConn) -> Result<usize, AppError> {
    Ok(diesel::delete(
        user_sessions::table
            .filter(user_sessions::ended_at.is_not_null().or(user_sessions::created_at.lt(now() - MAX_AGE))),
    )
    .execute(conn)?)
}

/// A short description of the browser and system from a User-Agent header, such as "Firefox
/// on Linux". The header itself is not kept: it is long, identifying and attacker-chosen.
pub fn describe_device(user_agent: &str) -> String {
    let ua = user_agent;
    let has = |s: &str| ua.contains(s);
    let browser = if has("Edg/") || has("Edge/") {
        "Edge"
    } else if has("OPR/") || has("Opera") {
        "Opera"
    } else if has("SamsungBrowser/") {
        "Samsung Internet"
    } else if has("Firefox/") || has("FxiOS/") {
        "Firefox"
    } else if has("Chrome/") || has("CriOS/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") && has("Version/") {
        "Safari"
    } else if has("curl/") {
        "curl"
    } else if ua.trim().is_empty() {
        return "Unknown device".into();
    } else {
        "Another browser"
    };
    let system = if has("iPhone") || has("iPad") || has("iPod") {
        Some("iOS")
    } else if has("Android") {
        Some("Android")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Windows") {
        Some("Windows")
    } else if has("Macintosh") || has("Mac OS X") {
        Some("macOS")
    } else if has("Linux") || has("X11") {
        Some("Linux")
    } else {
        None
    };
    match system {
        Some(s) => format!("{browser} on {s}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_described_briefly() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown device"),
            ("\r\nX-Evil: 1 <script>", "Another browser"),
        ];
        for (ua, want) in cases {
            assert_eq!(describe_device(ua), want, "{ua}");
        }
    }
}
