//! Rate limits per address and per account for the actions that cost a password hash or send
//! an e-mail, with the `governor` crate (GCRA, MIT/Apache). They live in each server's memory:
//! behind a load balancer each server allows its own share, which is fine for abuse control;
//! the login throttle that must be exact across servers (failed attempts) is in the database.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignUp,
    Login,
    PasswordReset,
    ConfirmationMail,
    MeetingRequest,
}

impl Action {
    /// (burst, one more every) per address, then per account.
    fn quotas(self) -> ((u32, u64), (u32, u64)) {
        match self {
            Action::SignUp => ((20, 180), (3, 1200)),
            Action::Login => ((100, 6), (20, 30)),
            Action::PasswordReset | Action::ConfirmationMail => ((10, 360), (3, 1200)),
            Action::MeetingRequest => ((60, 30), (30, 120)),
        }
    }

    fn what(self) -> &'static str {
        match self {
            Action::SignUp => "sign-ups",
            Action::Login => "login attempts",
            Action::PasswordReset => "password reset requests",
            Action::ConfirmationMail => "confirmation e-mail requests",
            Action::MeetingRequest => "meeting requests",
        }
    }
}

const ACTIONS: [Action; 5] =
    [Action::SignUp, Action::Login, Action::PasswordReset, Action::ConfirmationMail, Action::MeetingRequest];

fn quota((burst, every_secs): (u32, u64)) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(Duration::from_secs(every_secs.max(1))).map_or(Quota::per_hour(burst), |q| q.allow_burst(burst))
}

struct Pair {
    by_address: DefaultKeyedRateLimiter<String>,
    by_account: DefaultKeyedRateLimiter<String>,
}

pub struct RateLimits {
    enabled: bool,
    limiters: Vec<(Action, Pair)>,
}

impl RateLimits {
    pub fn new(enabled: bool) -> Self {
        let limiters = ACTIONS
            .iter()
            .map(|a| {
                let (addr, acct) = a.quotas();
                (*a, Pair { by_address: RateLimiter::keyed(quota(addr)), by_account: RateLimiter::keyed(quota(acct)) })
            })
            .collect();
        RateLimits { enabled, limiters }
    }

    /// Counts one `action` from `address` (and for `account`, when known); refuses with 429
    /// and the wait once either has used its allowance.
    pub fn check(&self, action: Action, address: &str, account: Option<&str>) -> Result<(), AppError> {
        if !self.enabled {
            return Ok(());
        }
        let Some((_, pair)) = self.limiters.iter().find(|(a, _)| *a == action) else { return Ok(()) };
        let clock = DefaultClock::default();
        let mut wait = check(&pair.by_address, address.to_string(), &clock);
        if let Some(acct) = account {
            wait = wait.max(check(&pair.by_account, acct.to_lowercase(), &clock));
        }
        match wait {
            None => Ok(()),
            Some(d) => {
                let secs = d.as_secs().max(1);
                Err(AppError::TooManyRequests {
                    message: format!(
                        "Too many {} in a short time. Please wait {} and try again.",
                        action.what(),
                        crate::accounts::throttle::describe_wait(secs as i64)
                    ),
                    retry_after_secs: secs,
                })
            }
        }
    }

    /// Forgets keys that have regained their full allowance (bounded memory).
    pub fn retain_recent(&self) {
        for (_, p) in &self.limiters {
            p.by_address.retain_recent();
            p.by_account.retain_recent();
        }
    }
}

fn check<K: Hash + Eq + Clone>(l: &DefaultKeyedRateLimiter<K>, key: K, clock: &DefaultClock) -> Option<Duration> {
    l.check_key(&key).err().map(|not_until| not_until.wait_time_from(clock.now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refuses_with_a_wait_per_address_and_per_account() {
        let l = RateLimits::new(true);
        for _ in 0..3 {
            l.check(Action::PasswordReset, "10.0.0.1", Some("a@x.org")).expect("within the burst");
        }
        match l.check(Action::PasswordReset, "10.0.0.2", Some("A@x.org")) {
            Err(AppError::TooManyRequests { retry_after_secs, message }) => {
                assert!(retry_after_secs > 0 && message.contains("password reset"), "{message}");
            }
            other => panic!("expected 429, got {other:?}"),
        }
        // Another account from another address is unaffected.
        l.check(Action::PasswordReset, "10.0.0.3", Some("b@x.org")).expect("other account");
        assert!(RateLimits::new(false).check(Action::SignUp, "x", None).is_ok());
    }
}
