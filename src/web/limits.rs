//! Rate limits per address and per account for the actions that cost a password hash or send
//! an e-mail, with the `governor` crate (GCRA, MIT/Apache). They live in each server's memory:
//! behind a load balancer each server allows its own share, which is fine for abuse control;
//! the login throttle that must be exact across servers (failed attempts) is in the database.
//!
//! Every limit keys on the client's address as `TrustedProxies::client_ip` finds it: the peer,
//! or, when the peer is a proxy named in `LIAISON_TRUSTED_PROXIES`, the address that proxy saw.

use std::hash::Hash;
use std::net::IpAddr;
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
    /// (burst, one more every) per address, then per account (for logins: per account and
    /// address pair, so that nobody can use up someone else's allowance).
    fn quotas(self) -> ((u32, u64), (u32, u64)) {
        match self {
            Action::SignUp => ((20, 180), (3, 1200)),
            // Per address: a whole office behind one NAT logging in at nine o'clock.
            Action::Login => ((300, 2), (20, 30)),
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
            let key = match action {
                Action::Login => format!("{}\n{address}", acct.to_lowercase()),
                _ => acct.to_lowercase(),
            };
            wait = wait.max(check(&pair.by_account, key, &clock));
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

/// The proxies whose forwarding headers are believed (`LIAISON_TRUSTED_PROXIES`: addresses or
/// CIDR ranges). Empty by default: then `X-Forwarded-For` and `Forwarded` are ignored, since
/// anyone could set them to escape a limit or to pose as someone else.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Parses "10.0.0.1, 192.168.0.0/16 ::1" (commas or spaces); a bare address is a /32 or /128.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split([',', ' ', '\t', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<ipnet::IpNet>() {
                Ok(n) => n,
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(ipnet::IpNet::from)
                    .map_err(|_| format!("'{item}' is neither an IP address nor a CIDR range like 10.0.0.0/8"))?,
            };
            nets.push(net.trunc());
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer unless it is a trusted proxy; then, walking the forwarded
    /// chain from the right (the hop our proxy added), the first address that is not a trusted
    /// proxy. Entries left of that were written by the client and prove nothing.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &actix_web::http::header::HeaderMap) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.trusts(peer) {
            return Some(peer);
        }
        let mut chain = forwarded_for(headers);
        if chain.is_empty() {
            chain = headers
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|s| s.trim().to_string())
                .collect();
        }
        let mut client = peer;
        for hop in chain.iter().rev() {
            match parse_hop(hop) {
                Some(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // Garbage or "unknown": the last good hop is the best we know.
                None => break,
            }
        }
        Some(client)
    }
}

/// IPv4-mapped IPv6 addresses (a dual-stack listener) count as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The `for=` values of RFC 7239 `Forwarded` headers, in order.
fn forwarded_for(headers: &actix_web::http::header::HeaderMap) -> Vec<String> {
    headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| v.trim().trim_matches('"').to_string())
            })
        })
        .collect()
}

/// "203.0.113.7", "203.0.113.7:4711", "[2001:db8::1]:4711" or "2001:db8::1".
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok()).map(canonical);
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|a| canonical(a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        let none = TrustedProxies::default();
        let h = headers(&[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(none.client_ip(ip("127.0.0.1"), &h), ip("127.0.0.1"), "no proxies: headers ignored");

        let t = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").expect("parse");
        assert_eq!(t.client_ip(ip("127.0.0.1"), &h), ip("198.51.100.1"));
        assert_eq!(t.client_ip(ip("192.0.2.9"), &h), ip("192.0.2.9"), "untrusted peer: header ignored");
        // The client wrote the left part; our proxies appended the right part.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.1, 10.1.2.3")]);
        assert_eq!(t.client_ip(ip("127.0.0.1"), &h), ip("198.51.100.1"));
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "198.51.100.2")]);
        assert_eq!(t.client_ip(ip("127.0.0.1"), &h), ip("198.51.100.2"), "several headers are one list");
        let h = headers(&[("forwarded", "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https")]);
        assert_eq!(t.client_ip(ip("::ffff:127.0.0.1"), &h), ip("2001:db8::7"));
        let h = headers(&[("x-forwarded-for", "garbage")]);
        assert_eq!(t.client_ip(ip("127.0.0.1"), &h), ip("127.0.0.1"), "nonsense: the proxy itself");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
        assert!(TrustedProxies::parse(" ").expect("empty").is_empty());
    }

    #[test]
    fn login_allowance_is_per_account_and_address() {
        let l = RateLimits::new(true);
        for _ in 0..20 {
            l.check(Action::Login, "10.0.0.1", Some("a@x.org")).expect("within the burst");
        }
        assert!(l.check(Action::Login, "10.0.0.1", Some("a@x.org")).is_err(), "this pair waits");
        l.check(Action::Login, "10.0.0.2", Some("a@x.org")).expect("the owner elsewhere does not");
    }

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
