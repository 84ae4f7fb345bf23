//! Login throttling, kept in the database so that several servers share one count.
//!
//! Failures count per (account, address) pair: after `FREE_FAILURES` wrong passwords for one
//! account from one address, that pair waits 1 s, then 2 s, 4 s … (capped at 15 minutes) after
//! each further failure. Nobody can lock an account for everyone: the owner, from another
//! address, logs in as usual while an attacker's pair slows to a few guesses an hour. A coarse
//! guard per address (`PER_ADDRESS` failures within 15 minutes, whatever the accounts) stops
//! password spraying without hitting a whole office behind one address.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::login_attempts;
use crate::db::{now, DbConn};
use crate::error::AppError;

/// Wrong passwords a pair may make before the delays start.
pub const FREE_FAILURES: usize = 5;
/// The longest a pair waits between two attempts.
pub const MAX_DELAY_SECS: i64 = 15 * 60;
/// A pair's failures older than this no longer count.
pub const PAIR_WINDOW_HOURS: i64 = 24;
pub const WINDOW_MINUTES: i64 = 15;
pub const PER_ADDRESS: usize = 100;
/// Login history is kept this long (it is part of a person's data export).
pub const KEEP_DAYS: i64 = 30;

/// Seconds `email` must wait before the next attempt from `ip`, if any.
pub fn wait_needed(conn: &mut DbConn, email: &str, ip: &str) -> Result<Option<i64>, AppError> {
    let t = now();
    // Enough rows to reach the cap: the delay doubles per failure beyond the free ones.
    let enough = FREE_FAILURES + 12;
    let by_pair: Vec<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::ip.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(t - TimeDelta::hours(PAIR_WINDOW_HOURS)))
        .order(login_attempts::created_at.desc())
        .limit(enough as i64)
        .select(login_attempts::created_at)
        .load(conn)?;
    let by_address: Vec<NaiveDateTime> = login_attempts::table
        .filter(login_attempts::ip.eq(ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(t - TimeDelta::minutes(WINDOW_MINUTES)))
        .order(login_attempts::created_at.desc())
        .limit(PER_ADDRESS as i64)
        .select(login_attempts::created_at)
        .load(conn)?;
    Ok([pair_wait(&by_pair, t), address_wait(&by_address, t)].into_iter().flatten().max())
}

/// The delay after the `failures`-th failure of a pair: none for the first few, then doubling.
pub fn delay_after(failures: usize) -> Option<TimeDelta> {
    let beyond = failures.checked_sub(FREE_FAILURES)?;
    let secs = 1i64.checked_shl(beyond.min(30) as u32).unwrap_or(MAX_DELAY_SECS).min(MAX_DELAY_SECS);
    Some(TimeDelta::seconds(secs))
}

/// Given a pair's failures (newest first), how long until the next attempt may be made.
fn pair_wait(newest_first: &[NaiveDateTime], t: NaiveDateTime) -> Option<i64> {
    let delay = delay_after(newest_first.len())?;
    ceil_secs(newest_first[0] + delay - t)
}

/// Given an address's newest failures, how long until fewer than `PER_ADDRESS` remain in the window.
fn address_wait(newest_first: &[NaiveDateTime], t: NaiveDateTime) -> Option<i64> {
    let oldest_counted = newest_first.get(PER_ADDRESS - 1)?;
    ceil_secs(*oldest_counted + TimeDelta::minutes(WINDOW_MINUTES) - t)
}

/// Whole seconds, rounded up, of a wait still to come.
fn ceil_secs(d: TimeDelta) -> Option<i64> {
    let ms = d.num_milliseconds();
    (ms > 0).then(|| (ms + 999) / 1000)
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
        // The right password from this address clears this pair's failures, not those made
        // from elsewhere (an attacker's delays stay when the owner logs in).
        diesel::delete(
            login_attempts::table
                .filter(login_attempts::email.eq(email))
                .filter(login_attempts::ip.eq(ip))
                .filter(login_attempts::succeeded.eq(false)),
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
    if secs == 1 {
        "1 second".into()
    } else if secs < 60 {
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
    fn a_pair_waits_longer_after_each_failure_beyond_the_free_ones() {
        assert_eq!(delay_after(4), None);
        let secs = |n| delay_after(n).map(|d| d.num_seconds());
        assert_eq!([secs(5), secs(6), secs(7), secs(8)], [Some(1), Some(2), Some(4), Some(8)]);
        assert_eq!(secs(15), Some(MAX_DELAY_SECS));
        assert_eq!(secs(1000), Some(MAX_DELAY_SECS));
        let t = now();
        let fails: Vec<_> = (0..7).map(|i| t - TimeDelta::seconds(i)).collect();
        assert_eq!(pair_wait(&fails[..4], t), None);
        assert_eq!(pair_wait(&fails, t), Some(4), "seven failures, the last just now: 4 s");
        assert_eq!(pair_wait(&[t - TimeDelta::seconds(9); 8], t), None, "an 8 s wait already over");
    }

    #[test]
    fn an_address_waits_until_its_oldest_counted_failure_leaves_the_window() {
        let t = now();
        let fails: Vec<_> = (0..PER_ADDRESS as i64).map(|i| t - TimeDelta::seconds(i)).collect();
        assert_eq!(address_wait(&fails[..PER_ADDRESS - 1], t), None);
        assert_eq!(address_wait(&fails, t), Some(WINDOW_MINUTES * 60 - (PER_ADDRESS as i64 - 1)));
    }

    #[test]
    fn waits_are_described_in_words() {
        assert_eq!(describe_wait(1), "1 second");
        assert_eq!(describe_wait(40), "40 seconds");
        assert_eq!(describe_wait(60), "1 minute");
        assert_eq!(describe_wait(61), "2 minutes");
        assert_eq!(describe_wait(900), "15 minutes");
    }
}
