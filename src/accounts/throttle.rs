//! Login throttling, kept in the database so that several servers share one count: after 5
//! failed attempts for one account, or 20 from one address, within 15 minutes, further attempts
//! wait until the oldest of those failures leaves the window.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::login_attempts;
use crate::db::{now, DbConn};
use crate::error::AppError;

pub const WINDOW_MINUTES: i64 = 15;
pub const PER_ACCOUNT: usize = 5;
pub const PER_ADDRESS: usize = 20;
/// Login history is kept this long (it is part of a person's data export).
pub const KEEP_DAYS: i64 = 30;

/// Seconds to wait before the next attempt, if any.
pub fn wait_needed(conn: &mut DbConn, email: &str, ip: &str) -> Result<Option<i64>, AppError> {
    let t = now();
    let since = t - TimeDelta::minutes(WINDOW_MINUTES);
    let by_account: Vec<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(since))
        .order(login_attempts::created_at.desc())
        .limit(PER_ACCOUNT as i64)
        .select(login_attempts::created_at)
        .load(conn)?;
    let by_address: Vec<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::ip.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(since))
        .order(login_attempts::created_at.desc())
        .limit(PER_ADDRESS as i64)
        .select(login_attempts::created_at)
        .load(conn)?;
    Ok([wait_for(&by_account, PER_ACCOUNT, t), wait_for(&by_address, PER_ADDRESS, t)].into_iter().flatten().max())
}

/// Given the newest failures (newest first), how long until fewer than `limit` remain in the window.
fn wait_for(newest_first: &[NaiveDateTime], limit: usize, t: NaiveDateTime) -> Option<i64> {
    if newest_first.len() < limit {
        return None;
    }
    let oldest_counted = newest_first[limit - 1];
    let free_at = oldest_counted + TimeDelta::minutes(WINDOW_MINUTES);
    Some((free_at - t).num_seconds().max(1))
}

pub fn record(conn: &mut DbConn, email: &str, ip: &str, succeeded: bool) -> Result<(), AppError> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::ip.eq(ip),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::created_at.eq(now()),
        ))
        .execute(conn)?;
    if succeeded {
        // A successful login clears the account's failures (not the address's).
        diesel::delete(
            login_attempts::table.filter(login_attempts::email.eq(email)).filter(login_attempts::succeeded.eq(false)),
        )
        .execute(conn)?;
    }
    Ok(())
}

pub fn purge_old(conn: &mut DbConn) -> Result<usize, AppError> {
    Ok(diesel::delete(login_attempts::table.filter(login_attempts::created_at.lt(now() - TimeDelta::days(KEEP_DAYS))))
        .execute(conn)?)
}

/// "12 minutes" / "1 minute" / "40 seconds".
pub fn describe_wait(secs: i64) -> String {
    if secs < 60 {
        format!("{secs} seconds")
    } else {
        let m = (secs + 59) / 60;
        if m == 1 {
            "1 minute".into()
        } else {
            format!("{m} minutes")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_until_the_oldest_counted_failure_leaves_the_window() {
        let t = now();
        let fails: Vec<_> = (0..5).map(|i| t - TimeDelta::minutes(i)).collect();
        assert_eq!(wait_for(&fails[..4], 5, t), None);
        let w = wait_for(&fails, 5, t).expect("throttled");
        assert_eq!(w, 11 * 60);
    }

    #[test]
    fn waits_are_described_in_words() {
        assert_eq!(describe_wait(40), "40 seconds");
        assert_eq!(describe_wait(60), "1 minute");
        assert_eq!(describe_wait(61), "2 minutes");
        assert_eq!(describe_wait(900), "15 minutes");
    }
}
