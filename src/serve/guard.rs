//! What keeps `serve` standing on the public internet, apart from the
//! search API's own limits ([`crate::search::request`]):
//!
//! - connections: a bounded number at once, a time limit for reading the
//!   request head (slowloris) and for each request;
//! - headers: a Content-Security-Policy that allows only the site's own
//!   scripts and styles and the configured search host, `nosniff`, a
//!   referrer policy and `frame-ancestors`, on every answer;
//! - hosts: with `--drafts`, only loopback host names (DNS rebinding cannot
//!   read a preview) unless more are allowed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Connections served at once; more wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 1_024;
/// Time to send the request line and headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for one request, from its head to its answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The Content-Security-Policy: the site's own scripts, styles, images and
/// fonts; searches to the site itself and, when the page was built for
/// one, to the Meilisearch at `search_url`.
pub fn content_security_policy(search_url: Option<&str>) -> String {
    let search = search_url
        .and_then(|u| url::Url::parse(u).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'{search}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the security headers to every answer (tower-http's header layers:
/// no boxed middleware on the path of every request).
pub fn with_security_headers(app: Router, policy: Arc<HeaderValue>) -> Router {
    use tower_http::set_header::SetResponseHeaderLayer;
    app.layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        (*policy).clone(),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    ))
}

/// Which `Host` names may be answered.
#[derive(Debug, Clone)]
pub enum Hosts {
    Any,
    /// Loopback names and these.
    Only(Vec<String>),
}

impl Hosts {
    fn allows(&self, host: &str) -> bool {
        let Hosts::Only(extra) = self else {
            return true;
        };
        // `name:port`, `[::1]:port`.
        let name = match host.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(name, _)| name),
        };
        let name = name.to_ascii_lowercase();
        matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1")
            || name.ends_with(".localhost")
            || extra.iter().any(|e| e.eq_ignore_ascii_case(&name))
    }
}

/// Refuses requests for host names that are not allowed (421).
pub async fn check_host(hosts: Arc<Hosts>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or_default()
        .to_string();
    if hosts.allows(&host) {
        return next.run(request).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("Deze voorvertoning antwoordt niet voor host {host:.100}.\n"),
    )
        .into_response()
}

/// Serves `app` on `listener` until `shutdown` completes: at most
/// [`MAX_CONNECTIONS`] at once, each request with a header-read time limit
/// (which also ends a keep-alive connection left idle) and a time limit.
/// Each request carries its peer as `ConnectInfo<SocketAddr>`.
pub async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        REQUEST_TIMEOUT,
    ));
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return Ok(()),
            },
        };
        let (stream, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, then go on.
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(
                move |request: hyper::Request<hyper::body::Incoming>| {
                    let mut request = request.map(axum::body::Body::new);
                    // The peer, for limits per client address.
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    app.clone().oneshot(request)
                },
            );
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_unless_allowed() {
        let hosts = Hosts::Only(vec!["preview.kis.example".into()]);
        for ok in [
            "localhost:1111",
            "127.0.0.1:8080",
            "[::1]:1111",
            "LOCALHOST",
            "app.localhost:1",
            "preview.kis.example:443",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "127.0.0.1.evil.example:80",
            "",
            "[::2]:1",
            "localhost.evil:1",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        assert!(Hosts::Any.allows("evil.example"));
    }

    #[test]
    fn the_policy_names_the_search_origin_only() {
        let p = content_security_policy(Some("https://zoek.example.org/pad?x=1"));
        assert!(
            p.contains("connect-src 'self' https://zoek.example.org;"),
            "{p}"
        );
        assert!(p.contains("script-src 'self';") && p.contains("frame-ancestors 'none'"));
        let none = content_security_policy(Some("javascript:alert(1)"));
        assert!(none.contains("connect-src 'self';"), "{none}");
    }
}
