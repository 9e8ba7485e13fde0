//! The harvester's fetcher against a real HTTP server on loopback: 304s,
//! size caps (an endless body, a gzip bomb), a redirect loop, a slow server,
//! 503 with Retry-After, and the loopback guard itself.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use vindplaats::harvest::{FetchError, FetchPolicy, Fetched, Fetcher, Validators};

const FEED: &str =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title></channel></rss>";

#[derive(Clone, Default)]
struct Counters {
    busy: Arc<AtomicUsize>,
    flaky: Arc<AtomicUsize>,
}

async fn feed(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == "\"v1\"")
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::ETAG, "\"v1\""),
            (header::CONTENT_TYPE, "application/rss+xml"),
        ],
        FEED,
    )
        .into_response()
}

async fn endless() -> Response {
    // Never ends by itself; bounded so the server stops after 1 GiB anyway.
    let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
    let stream = futures_util::stream::iter(
        (0..16_384).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    );
    Body::from_stream(stream).into_response()
}

async fn bomb() -> Response {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let compressed = encoder.finish().unwrap();
    (
        [
            (header::CONTENT_ENCODING, "gzip"),
            (header::CONTENT_TYPE, "application/xml"),
        ],
        compressed,
    )
        .into_response()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "te laat"
}

async fn busy(State(c): State<Counters>) -> Response {
    if c.busy.fetch_add(1, Ordering::SeqCst) == 0 {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "even geduld",
        )
            .into_response();
    }
    FEED.into_response()
}

async fn flaky(State(c): State<Counters>) -> Response {
    if c.flaky.fetch_add(1, Ordering::SeqCst) < 2 {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    FEED.into_response()
}

async fn serve() -> (SocketAddr, Counters) {
    let counters = Counters::default();
    let app = Router::new()
        .route("/feed.xml", get(feed))
        .route("/endless", get(endless))
        .route("/bomb", get(bomb))
        .route("/slow", get(slow))
        .route("/busy", get(busy))
        .route("/flaky", get(flaky))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/loop-a", get(|| async { Redirect::temporary("/loop-b") }))
        .route("/loop-b", get(|| async { Redirect::temporary("/loop-a") }))
        .route(
            "/to-feed",
            get(|| async { Redirect::permanent("/feed.xml") }),
        )
        .with_state(counters.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, counters)
}

fn policy() -> FetchPolicy {
    FetchPolicy {
        allow_loopback: true,
        total_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        max_body: 1024 * 1024,
        backoff: Duration::from_millis(50),
        ..FetchPolicy::default()
    }
}

#[tokio::test]
async fn conditional_get_gives_304_the_second_time() {
    let (addr, _) = serve().await;
    let fetcher = Fetcher::new(policy()).unwrap();
    let url = format!("http://{addr}/feed.xml");
    let Fetched::Body(body) = fetcher.get(&url, &Validators::default()).await.unwrap() else {
        panic!("first fetch has a body");
    };
    assert_eq!(body.bytes, FEED.as_bytes());
    assert_eq!(body.validators.etag.as_deref(), Some("\"v1\""));
    assert!(matches!(
        fetcher.get(&url, &body.validators).await.unwrap(),
        Fetched::NotModified
    ));
}

#[tokio::test]
async fn bodies_stop_at_the_size_cap_also_after_decompression() {
    let (addr, _) = serve().await;
    let fetcher = Fetcher::new(policy()).unwrap();
    let endless = fetcher
        .get(&format!("http://{addr}/endless"), &Validators::default())
        .await;
    assert!(
        matches!(endless, Err(FetchError::TooLarge { limit: 1048576, .. })),
        "{endless:?}"
    );
    let bomb = fetcher
        .get(&format!("http://{addr}/bomb"), &Validators::default())
        .await;
    assert!(matches!(bomb, Err(FetchError::TooLarge { .. })), "{bomb:?}");
}

#[tokio::test]
async fn redirects_are_followed_and_loops_stopped() {
    let (addr, _) = serve().await;
    let fetcher = Fetcher::new(policy()).unwrap();
    let Fetched::Body(body) = fetcher
        .get(&format!("http://{addr}/to-feed"), &Validators::default())
        .await
        .unwrap()
    else {
        panic!("redirect followed to a body");
    };
    assert!(body.url.as_str().ends_with("/feed.xml"));
    let looped = fetcher
        .get(&format!("http://{addr}/loop-a"), &Validators::default())
        .await;
    assert!(
        matches!(looped, Err(FetchError::TooManyRedirects { limit: 5, .. })),
        "{looped:?}"
    );
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let (addr, _) = serve().await;
    let fetcher = Fetcher::new(FetchPolicy {
        retries: 0,
        total_timeout: Duration::from_millis(500),
        ..policy()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let slow = fetcher
        .get(&format!("http://{addr}/slow"), &Validators::default())
        .await;
    assert!(matches!(slow, Err(FetchError::Timeout { .. })), "{slow:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn retry_after_and_transient_errors_are_retried() {
    let (addr, counters) = serve().await;
    let fetcher = Fetcher::new(policy()).unwrap();
    let busy = fetcher
        .get(&format!("http://{addr}/busy"), &Validators::default())
        .await
        .unwrap();
    assert!(matches!(busy, Fetched::Body(_)));
    assert_eq!(
        counters.busy.load(Ordering::SeqCst),
        2,
        "one 503, then the answer"
    );
    let flaky = fetcher
        .get(&format!("http://{addr}/flaky"), &Validators::default())
        .await
        .unwrap();
    assert!(matches!(flaky, Fetched::Body(_)));
    assert_eq!(counters.flaky.load(Ordering::SeqCst), 3, "two 502s retried");
    let missing = fetcher
        .get(&format!("http://{addr}/missing"), &Validators::default())
        .await;
    assert!(
        matches!(missing, Err(FetchError::Status { status: 404, .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn loopback_is_refused_unless_allowed() {
    let (addr, _) = serve().await;
    let strict = Fetcher::new(FetchPolicy {
        allow_loopback: false,
        ..policy()
    })
    .unwrap();
    for url in [
        format!("http://{addr}/feed.xml"),
        format!("http://localhost:{}/feed.xml", addr.port()),
    ] {
        let refused = strict.get(&url, &Validators::default()).await;
        assert!(
            matches!(refused, Err(FetchError::Refused { .. })),
            "{url}: {refused:?}"
        );
        assert!(refused.unwrap_err().to_string().contains("loopback"));
    }
    let private = strict
        .get("http://10.0.0.1/feed.xml", &Validators::default())
        .await;
    assert!(
        matches!(private, Err(FetchError::Refused { .. })),
        "{private:?}"
    );
}
