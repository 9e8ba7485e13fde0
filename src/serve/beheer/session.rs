//! Sessions, CSRF tokens and the sign-in limits of `/beheer/`.
//!
//! - A session is a random token in a cookie that is HttpOnly,
//!   SameSite=Strict, limited to `/beheer`, and Secure over TLS; the server
//!   keeps what it stands for, in memory (a restart signs everyone out).
//! - Every form carries the session's CSRF token; the sign-in form one of
//!   its own, in a cookie of its own (double submit).
//! - Failed sign-ins are counted per account and per address; past the
//!   limit, the answer is "wait" whatever the password.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use base64::Engine;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "vindplaats_beheer";
/// The sign-in form's CSRF cookie.
pub const SIGN_IN_COOKIE: &str = "vindplaats_inloggen";
/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(2 * 60 * 60);
/// And after this long in any case.
pub const LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// Failed sign-ins counted over this window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MAX_FAILURES_PER_ACCOUNT: usize = 5;
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
/// The most sessions and counted names kept; past it the oldest go.
const MAX_ENTRIES: usize = 10_000;

/// A random token: 32 bytes, URL-safe base64.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::getrandom(&mut bytes).is_err() {
        // Without randomness there is no safe token; a session that
        // matches nothing is the safe failure.
        return String::new();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Compares in time independent of where the strings differ.
pub fn same(a: &str, b: &str) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[derive(Debug, Clone)]
pub struct Session {
    pub username: String,
    pub name: String,
    pub email: String,
    pub csrf: String,
    started: Instant,
    seen: Instant,
}

#[derive(Default)]
pub struct Sessions {
    by_token: HashMap<String, Session>,
}

impl Sessions {
    /// Starts a session; returns its token.
    pub fn start(&mut self, username: &str, name: &str, email: &str) -> String {
        self.expire();
        if self.by_token.len() >= MAX_ENTRIES {
            if let Some(oldest) = self
                .by_token
                .iter()
                .min_by_key(|(_, s)| s.seen)
                .map(|(t, _)| t.clone())
            {
                self.by_token.remove(&oldest);
            }
        }
        let session_token = token();
        let now = Instant::now();
        self.by_token.insert(
            session_token.clone(),
            Session {
                username: username.to_string(),
                name: name.to_string(),
                email: email.to_string(),
                csrf: token(),
                started: now,
                seen: now,
            },
        );
        session_token
    }

    /// The live session of `token`, marked as seen.
    pub fn get(&mut self, token: &str) -> Option<Session> {
        if token.is_empty() {
            return None;
        }
        let now = Instant::now();
        let live = self.by_token.get(token).is_some_and(|s| {
            now.duration_since(s.seen) < IDLE && now.duration_since(s.started) < LIFETIME
        });
        if !live {
            self.by_token.remove(token);
            return None;
        }
        let session = self.by_token.get_mut(token)?;
        session.seen = now;
        Some(session.clone())
    }

    pub fn end(&mut self, token: &str) {
        self.by_token.remove(token);
    }

    /// Ends every session of `username` (a removed account, a new password).
    pub fn end_all_of(&mut self, username: &str) {
        self.by_token.retain(|_, s| s.username != username);
    }

    fn expire(&mut self) {
        let now = Instant::now();
        self.by_token.retain(|_, s| {
            now.duration_since(s.seen) < IDLE && now.duration_since(s.started) < LIFETIME
        });
    }
}

/// Failed sign-ins per account and per address.
#[derive(Default)]
pub struct Limiter {
    accounts: HashMap<String, VecDeque<Instant>>,
    addresses: HashMap<IpAddr, VecDeque<Instant>>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

/// How long until the oldest counted failure leaves the window.
fn wait_of(times: &VecDeque<Instant>, now: Instant) -> Duration {
    times
        .front()
        .map(|t| WINDOW.saturating_sub(now.duration_since(*t)))
        .unwrap_or_default()
}

impl Limiter {
    /// `Some(wait)` when this account or address has failed too often.
    pub fn blocked(&mut self, username: &str, address: IpAddr) -> Option<Duration> {
        let now = Instant::now();
        let mut wait = None;
        if let Some(times) = self.accounts.get_mut(username) {
            prune(times, now);
            if times.len() >= MAX_FAILURES_PER_ACCOUNT {
                wait = Some(wait_of(times, now));
            }
        }
        if let Some(times) = self.addresses.get_mut(&address) {
            prune(times, now);
            if times.len() >= MAX_FAILURES_PER_ADDRESS {
                wait = Some(wait.unwrap_or_default().max(wait_of(times, now)));
            }
        }
        wait
    }

    pub fn failed(&mut self, username: &str, address: IpAddr) {
        let now = Instant::now();
        if self.accounts.len() >= MAX_ENTRIES {
            self.accounts.retain(|_, t| {
                prune(t, now);
                !t.is_empty()
            });
        }
        if self.addresses.len() >= MAX_ENTRIES {
            self.addresses.retain(|_, t| {
                prune(t, now);
                !t.is_empty()
            });
        }
        // Unknown names are counted too, cut to a bounded length.
        let key: String = username.chars().take(64).collect();
        if self.accounts.len() < MAX_ENTRIES || self.accounts.contains_key(&key) {
            self.accounts.entry(key).or_default().push_back(now);
        }
        if self.addresses.len() < MAX_ENTRIES || self.addresses.contains_key(&address) {
            self.addresses.entry(address).or_default().push_back(now);
        }
    }

    /// A good sign-in clears the account's count (not the address's).
    pub fn succeeded(&mut self, username: &str) {
        self.accounts.remove(username);
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// A `Set-Cookie` value for `/beheer`.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<Duration>) -> String {
    let mut cookie = format!("{name}={value}; Path=/beheer; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={}", age.as_secs()));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let (a, b) = (token(), token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b) && !same("", "") && !same("ab", "abc"));
    }

    #[test]
    fn sessions_start_end_and_expire() {
        let mut sessions = Sessions::default();
        let t = sessions.start("anna", "Anna", "a@kis.example");
        assert_eq!(sessions.get(&t).map(|s| s.username), Some("anna".into()));
        assert!(sessions.get("verzonnen").is_none() && sessions.get("").is_none());
        sessions.end_all_of("anna");
        assert!(sessions.get(&t).is_none());
    }

    #[test]
    fn failures_block_per_account_and_per_address() {
        let mut limiter = Limiter::default();
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(limiter.blocked("anna", one).is_none());
            limiter.failed("anna", one);
        }
        let wait = limiter
            .blocked("anna", two)
            .expect("the account is blocked from anywhere");
        assert!(wait > Duration::from_secs(14 * 60));
        assert!(limiter.blocked("bert", two).is_none());
        for n in 0..MAX_FAILURES_PER_ADDRESS {
            limiter.failed(&format!("naam{n}"), two);
        }
        assert!(
            limiter.blocked("carla", two).is_some(),
            "the address is blocked for any name"
        );
        limiter.succeeded("anna");
        assert!(limiter.blocked("anna", one).is_none());
    }

    #[test]
    fn cookies_are_read_and_set_strictly() {
        assert_eq!(
            cookie("a=1; vindplaats_beheer=xyz; b=2", SESSION_COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie("a=1", SESSION_COOKIE), None);
        let set = set_cookie(SESSION_COOKIE, "t", true, None);
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.ends_with("Secure")
        );
        assert!(!set_cookie(SESSION_COOKIE, "t", false, None).contains("Secure"));
    }
}
