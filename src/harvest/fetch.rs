//! Fetching from the outside world, bounded and polite: connect and total
//! timeouts, a maximum body size counted after decompression, a maximum
//! number of redirects, conditional GET, retries with backoff, `Retry-After`
//! honoured, concurrency bounded overall and per host, and a User-Agent
//! that names vindplaats.
//!
//! Addresses that resolve to private, link-local or unspecified networks are
//! always refused; loopback only when the run allows it (tests do). The
//! check sits in the resolver, so redirects cannot get round it.

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

/// Why an address may not be fetched, if it may not.
pub fn address_refusal(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    if ip.is_loopback() {
        return (!allow_loopback)
            .then_some("a loopback address (allowed only with --allow-loopback)");
    }
    if ip.is_unspecified() || ip.is_multicast() {
        return Some("an unspecified or multicast address");
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
            {
                return Some("a private or link-local address");
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
                return Some("a private or link-local address");
            }
        }
    }
    None
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
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            // IP literals skip the resolver: check them here.
            let literal = attempt.url().host().and_then(|h| match h {
                url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
                url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
                url::Host::Domain(_) => None,
            });
            if let Some(reason) = literal.and_then(|ip| address_refusal(ip, allow_loopback)) {
                return attempt.error(format!("refused: redirect to {reason}"));
            }
            attempt.follow()
        });
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
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
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            if let Some(reason) = address_refusal(ip, self.policy.allow_loopback) {
                return Err(FetchError::Refused {
                    url: url.to_string(),
                    reason: reason.to_string(),
                });
            }
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
