//! Fetching from the outside world, bounded and polite: connect and total
//! timeouts, a maximum body size counted after decompression, a maximum
//! number of redirects, conditional GET, retries with backoff, `Retry-After`
//! honoured, concurrency bounded overall and per host, and a User-Agent
//! that names vindplaats.
//!
//! Addresses that are not public unicast addresses on the internet
//! (private, link-local, shared, documentation, reserved, multicast, and
//! IPv6 forms that carry an IPv4 address) are always refused
//! ([`address_refusal`]); loopback only when the run allows it (tests do),
//! or, for tests that must see a redirect to loopback refused, only IP
//! literals on named ports ([`FetchPolicy::loopback_ports`]). The check
//! sits in the resolver and in the redirect policy (IP literals skip the
//! resolver), so redirects cannot get round it; no proxy is taken from the
//! environment, since through one the check would see the proxy's address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{
    HeaderMap, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER,
};
use reqwest::StatusCode;
use tokio::sync::Semaphore;
use url::Url;

pub const USER_AGENT: &str = concat!(
    "vindplaats/",
    env!("CARGO_PKG_VERSION"),
    " (+https://www.kis.nl; harvester)"
);

/// The limits every request keeps to.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    pub connect_timeout: Duration,
    /// For the whole request, body included.
    pub total_timeout: Duration,
    /// Bytes of body, after decompression.
    pub max_body: u64,
    pub max_redirects: usize,
    /// Further attempts after a network error, a timeout or a 5xx.
    pub retries: u32,
    /// The first retry waits this long; each next one twice as long.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured; longer is an error.
    pub max_retry_after: Duration,
    pub max_concurrent: usize,
    pub max_per_host: usize,
    /// Allow loopback addresses (for tests on 127.0.0.1).
    pub allow_loopback: bool,
    /// Allow loopback IP literals (`127.0.0.1`, `[::1]`) on these ports
    /// only, for tests that must still see a redirect to another loopback
    /// port, or a name that resolves to loopback, refused.
    pub loopback_ports: Vec<u16>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            max_body: 20 * 1024 * 1024,
            max_redirects: 5,
            retries: 2,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(120),
            max_concurrent: 16,
            max_per_host: 2,
            allow_loopback: false,
            loopback_ports: Vec::new(),
        }
    }
}

/// What the server said last time, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators.
    NotModified,
    Body(Body),
}

#[derive(Debug)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub validators: Validators,
    /// Where the body came from, after redirects.
    pub url: Url,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not a usable URL: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{url}: refused: {reason}")]
    Refused { url: String, reason: String },
    #[error("{url}: timed out")]
    Timeout { url: String },
    #[error("{url}: body larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: more than {limit} redirects")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: asked to retry after {seconds} s, longer than the {limit} s we wait")]
    RetryTooLate {
        url: String,
        seconds: u64,
        limit: u64,
    },
    #[error("{url}: {message}")]
    Network { url: String, message: String },
}

impl FetchError {
    fn retryable(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Network { .. } => true,
            FetchError::Status { status, .. } => *status >= 500 && *status != 501,
            _ => false,
        }
    }
}

/// Why an address may not be fetched, if it may not: anything that is not
/// a public unicast address on the internet. Loopback only when
/// `allow_loopback` says so.
///
/// IPv6 addresses that carry an IPv4 address (IPv4-mapped and -compatible,
/// NAT64, 6to4, Teredo) are refused outright: what they reach depends on
/// gateways we cannot see.
pub fn address_refusal(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    if ip.is_loopback() {
        return (!allow_loopback)
            .then_some("a loopback address (allowed only with --allow-loopback)");
    }
    match ip {
        IpAddr::V4(v4) => v4_refusal(v4),
        IpAddr::V6(v6) => v6_refusal(v6),
    }
}

fn v4_refusal(v4: std::net::Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = v4.octets();
    let refusal = match (a, b, c) {
        (0, ..) => "an address of \"this network\" (0.0.0.0/8)",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "a private address",
        (100, 64..=127, _) => "a shared (CGNAT) address (100.64.0.0/10)",
        (169, 254, _) => "a link-local address",
        (192, 0, 0) => "an IETF protocol address (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (192, 88, 99) => "a 6to4 relay address (192.88.99.0/24)",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        (224..=239, ..) => "a multicast address",
        (255, 255, 255) if v4.is_broadcast() => "the broadcast address",
        (240..=255, ..) => "a reserved address (240.0.0.0/4)",
        _ => return None,
    };
    Some(refusal)
}

fn v6_refusal(v6: std::net::Ipv6Addr) -> Option<&'static str> {
    let [s0, s1, s2, s3, s4, s5, ..] = v6.segments();
    let refusal = if v6.is_unspecified() {
        "the unspecified address"
    } else if s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0 && s4 == 0 && (s5 == 0xffff || s5 == 0) {
        "an IPv4-mapped or IPv4-compatible IPv6 address"
    } else if s0 == 0x64 && s1 == 0xff9b && (s2 == 1 || (s2 == 0 && s3 == 0 && s4 == 0 && s5 == 0))
    {
        "a NAT64 address (64:ff9b::/96, 64:ff9b:1::/48)"
    } else if s0 == 0x100 && s1 == 0 && s2 == 0 && s3 == 0 {
        "a discard address (100::/64)"
    } else if s0 == 0x2001 && s1 == 0 {
        "a Teredo address (2001::/32)"
    } else if s0 == 0x2001 && s1 == 0x2 && s2 == 0 {
        "a benchmarking address (2001:2::/48)"
    } else if (s0 == 0x2001 && s1 == 0xdb8) || (s0 == 0x3fff && s1 < 0x1000) {
        "a documentation address"
    } else if s0 == 0x2001 && s1 < 0x200 {
        "an IETF protocol address (2001::/23)"
    } else if s0 == 0x2002 {
        "a 6to4 address (2002::/16)"
    } else if (s0 & 0xfe00) == 0xfc00 {
        "a unique-local address (fc00::/7)"
    } else if (s0 & 0xffc0) == 0xfe80 {
        "a link-local address"
    } else if (s0 & 0xffc0) == 0xfec0 {
        "a site-local address (fec0::/10)"
    } else if (s0 & 0xff00) == 0xff00 {
        "a multicast address"
    } else if (s0 & 0xe000) != 0x2000 {
        // Only 2000::/3 is global unicast.
        "not a global unicast address"
    } else {
        return None;
    };
    Some(refusal)
}

/// Why the host of `url` may not be fetched, when it is an IP literal:
/// those skip the resolver. Loopback is allowed when the policy allows it,
/// or for the test ports it names.
fn literal_refusal(url: &Url, policy: &LoopbackPolicy) -> Option<&'static str> {
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    let port_allowed = url
        .port_or_known_default()
        .is_some_and(|p| policy.ports.contains(&p));
    address_refusal(ip, policy.any || port_allowed)
}

/// What the fetcher allows of loopback.
#[derive(Debug, Clone)]
struct LoopbackPolicy {
    /// Any loopback address and name (`--allow-loopback`).
    any: bool,
    /// Loopback IP literals on these ports only; names never.
    ports: Vec<u16>,
}

/// Resolves names and drops addresses the policy refuses.
struct GuardedResolver {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| address_refusal(a.ip(), allow_loopback).is_none())
                .collect();
            if allowed.is_empty() {
                let reason = found
                    .first()
                    .and_then(|a| address_refusal(a.ip(), allow_loopback))
                    .unwrap_or("no address");
                return Err(format!("refused: {host} resolves to {reason}").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client of the harvester. Cheap to share.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<FetchPolicy>,
    overall: Arc<Semaphore>,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Fetcher, FetchError> {
        let max_redirects = policy.max_redirects;
        let allow_loopback = policy.allow_loopback;
        let loopback = LoopbackPolicy {
            any: policy.allow_loopback,
            ports: policy.loopback_ports.clone(),
        };
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            // IP literals skip the resolver: check them here.
            if let Some(reason) = literal_refusal(attempt.url(), &loopback) {
                return attempt.error(format!("refused: redirect to {reason}"));
            }
            attempt.follow()
        });
        // No proxy from the environment: through a proxy the resolver
        // would check the proxy's address, not the one asked for.
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .no_proxy()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.total_timeout)
            .redirect(redirects)
            .dns_resolver(Arc::new(GuardedResolver { allow_loopback }))
            .build()
            .map_err(|e| FetchError::Network {
                url: String::new(),
                message: e.to_string(),
            })?;
        Ok(Fetcher {
            client,
            overall: Arc::new(Semaphore::new(policy.max_concurrent.max(1))),
            hosts: Arc::new(Mutex::new(HashMap::new())),
            policy: Arc::new(policy),
        })
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// GETs `url`, conditionally on `validators`, retrying as the policy says.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            return Err(FetchError::InvalidUrl {
                url: url.to_string(),
                reason: "not http or https".into(),
            });
        }
        let host = parsed.host_str().unwrap_or_default().to_string();
        let loopback = LoopbackPolicy {
            any: self.policy.allow_loopback,
            ports: self.policy.loopback_ports.clone(),
        };
        if let Some(reason) = literal_refusal(&parsed, &loopback) {
            return Err(FetchError::Refused {
                url: url.to_string(),
                reason: reason.to_string(),
            });
        }
        let per_host = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.policy.max_per_host.max(1))))
                .clone()
        };
        let _overall = self
            .overall
            .acquire()
            .await
            .map_err(|e| FetchError::Network {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        let _host = per_host.acquire().await.map_err(|e| FetchError::Network {
            url: url.to_string(),
            message: e.to_string(),
        })?;

        let mut attempt: u32 = 0;
        loop {
            match self.attempt(&parsed, validators).await {
                Ok(fetched) => return Ok(fetched),
                Err(Attempt::RetryAfter(wait)) if attempt < self.policy.retries => {
                    if wait > self.policy.max_retry_after {
                        return Err(FetchError::RetryTooLate {
                            url: url.to_string(),
                            seconds: wait.as_secs(),
                            limit: self.policy.max_retry_after.as_secs(),
                        });
                    }
                    tracing::debug!("{url}: busy, retrying after {} s", wait.as_secs_f64());
                    tokio::time::sleep(wait).await;
                }
                Err(Attempt::RetryAfter(_)) => {
                    return Err(FetchError::Status {
                        url: url.to_string(),
                        status: 503,
                    });
                }
                Err(Attempt::Failed(e)) if e.retryable() && attempt < self.policy.retries => {
                    let wait = self.policy.backoff * 2u32.pow(attempt);
                    tracing::debug!("{e}; retrying in {} ms", wait.as_millis());
                    tokio::time::sleep(wait).await;
                }
                Err(Attempt::Failed(e)) => return Err(e),
            }
            attempt += 1;
        }
    }

    async fn attempt(&self, url: &Url, validators: &Validators) -> Result<Fetched, Attempt> {
        let failed = |e: FetchError| Attempt::Failed(e);
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        let response = request
            .send()
            .await
            .map_err(|e| failed(self.classify(url, e)))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            if let Some(wait) = retry_after(response.headers()) {
                return Err(Attempt::RetryAfter(wait));
            }
        }
        if !status.is_success() {
            return Err(failed(FetchError::Status {
                url: url.to_string(),
                status: status.as_u16(),
            }));
        }
        let headers = response.headers().clone();
        let final_url = response.url().clone();
        let limit = self.policy.max_body;
        if response.content_length().is_some_and(|n| n > limit) {
            return Err(failed(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            }));
        }
        // Counted as it arrives, after decompression: a gzip bomb or an
        // endless body stops at the limit.
        let mut bytes: Vec<u8> = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| failed(self.classify(url, e)))?;
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(failed(FetchError::TooLarge {
                    url: url.to_string(),
                    limit,
                }));
            }
            bytes.extend_from_slice(&chunk);
        }
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(String::from)
        };
        Ok(Fetched::Body(Body {
            bytes,
            content_type: header(reqwest::header::CONTENT_TYPE),
            validators: Validators {
                etag: header(ETAG),
                last_modified: header(LAST_MODIFIED),
            },
            url: final_url,
        }))
    }

    fn classify(&self, url: &Url, error: reqwest::Error) -> FetchError {
        let url = url.to_string();
        let message = describe(&error);
        if error.is_timeout() {
            FetchError::Timeout { url }
        } else if error.is_redirect() && message.contains("refused") {
            FetchError::Refused {
                url,
                reason: message,
            }
        } else if error.is_redirect() {
            FetchError::TooManyRedirects {
                url,
                limit: self.policy.max_redirects,
            }
        } else if message.contains("refused: ") {
            let reason = message
                .split("refused: ")
                .nth(1)
                .unwrap_or_default()
                .to_string();
            FetchError::Refused { url, reason }
        } else {
            FetchError::Network { url, message }
        }
    }
}

enum Attempt {
    RetryAfter(Duration),
    Failed(FetchError),
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when
        .signed_duration_since(chrono::Utc::now())
        .num_seconds()
        .max(0);
    Some(Duration::from_secs(wait as u64))
}

fn describe(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    #[test]
    fn refuses_private_and_link_local_always_and_loopback_unless_allowed() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(address_refusal(ip("127.0.0.1"), false).is_some());
        assert!(address_refusal(ip("127.0.0.1"), true).is_none());
        assert!(address_refusal(ip("::1"), true).is_none());
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(address_refusal(ip(private), true).is_some(), "{private}");
        }
        assert!(address_refusal(ip("93.184.216.34"), false).is_none());
    }

    #[test]
    fn refuses_every_range_that_is_not_public_unicast() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // One address inside and, where a public neighbour exists, one just
        // outside each range.
        let refused = [
            ("0.1.2.3", "0/8"),
            ("10.0.0.1", "10/8"),
            ("172.16.0.1", "172.16/12"),
            ("172.31.255.255", "172.16/12"),
            ("192.168.0.1", "192.168/16"),
            ("100.64.0.1", "100.64/10"),
            ("100.127.255.255", "100.64/10"),
            ("169.254.169.254", "169.254/16"),
            ("192.0.0.8", "192.0.0/24"),
            ("192.0.2.1", "TEST-NET-1"),
            ("198.51.100.1", "TEST-NET-2"),
            ("203.0.113.1", "TEST-NET-3"),
            ("192.88.99.1", "6to4 relay"),
            ("198.18.0.1", "198.18/15"),
            ("198.19.255.255", "198.18/15"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "240/4"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
            ("::ffff:93.184.216.34", "IPv4-mapped"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::10.0.0.1", "IPv4-compatible"),
            ("64:ff9b::a00:1", "NAT64"),
            ("64:ff9b::7f00:1", "NAT64"),
            ("64:ff9b:1::1", "local NAT64"),
            ("100::1", "discard"),
            ("2001::1", "Teredo"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
            ("2001:2::1", "benchmarking"),
            ("2001:10::1", "ORCHID"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation 3fff::/20"),
            ("2002:7f00:1::1", "6to4"),
            ("2002::1", "6to4"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("feff::1", "site-local"),
            ("ff02::1", "multicast"),
            ("ff0e::1", "multicast"),
            ("4000::1", "outside 2000::/3"),
            ("::2", "outside 2000::/3"),
        ];
        for (address, range) in refused {
            assert!(
                address_refusal(ip(address), true).is_some(),
                "{address} ({range}) should be refused"
            );
        }
        for public in [
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "2001:4860:4860::8888",
            "2a00:1450:4001::1",
            "2003::1",
            "3ffe::1",
        ] {
            assert_eq!(address_refusal(ip(public), false), None, "{public}");
        }
        // Loopback follows the setting, in both families, but never through
        // an IPv4-mapped form.
        assert!(address_refusal(ip("127.0.0.1"), false).is_some());
        assert!(address_refusal(ip("127.255.0.1"), false).is_some());
        assert!(address_refusal(ip("::1"), false).is_some());
        assert!(address_refusal(ip("127.0.0.1"), true).is_none());
        assert!(address_refusal(ip("::ffff:127.0.0.1"), true).is_some());
    }

    #[test]
    fn loopback_ports_allow_only_literals_on_those_ports() {
        let policy = LoopbackPolicy {
            any: false,
            ports: vec![8080],
        };
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            literal_refusal(&url("http://127.0.0.1:8080/x"), &policy),
            None
        );
        assert_eq!(literal_refusal(&url("http://[::1]:8080/x"), &policy), None);
        assert!(literal_refusal(&url("http://127.0.0.1:8081/x"), &policy).is_some());
        assert!(literal_refusal(&url("http://127.0.0.1/x"), &policy).is_some());
        assert!(literal_refusal(&url("http://[::ffff:127.0.0.1]:8080/"), &policy).is_some());
        // The URL parser reads these as 127.0.0.1 too.
        assert!(literal_refusal(&url("http://2130706433:8081/"), &policy).is_some());
        assert!(literal_refusal(&url("http://0x7f.1:8081/"), &policy).is_some());
        assert!(literal_refusal(&url("http://10.0.0.1:8080/"), &policy).is_some());
        // Names are the resolver's to check.
        assert_eq!(
            literal_refusal(&url("http://localhost:8080/"), &policy),
            None
        );
    }

    #[test]
    fn reads_retry_after_in_seconds_and_as_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let status = |s| FetchError::Status {
            url: String::new(),
            status: s,
        };
        assert!(status(502).retryable());
        assert!(!status(404).retryable());
        assert!(!status(501).retryable());
        assert!(FetchError::Timeout { url: String::new() }.retryable());
        assert!(!FetchError::TooLarge {
            url: String::new(),
            limit: 1
        }
        .retryable());
    }
}
