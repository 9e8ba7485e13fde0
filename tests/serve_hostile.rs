//! `serve` on the public internet: every hostile request class, sent to the
//! real binary on loopback, gets a 4xx in Meilisearch's error format, and
//! `/health` still answers after each one; paths that try to leave
//! `public/` get a 404; the server's memory stays under 500 MB.

mod common;

use serde_json::{json, Value};

/// (what it is, method, path, content type, body, expected status, expected code)
type Case = (
    &'static str,
    &'static str,
    String,
    &'static str,
    Vec<u8>,
    u16,
    &'static str,
);

fn search(body: Value) -> Vec<u8> {
    body.to_string().into_bytes()
}

fn cases() -> Vec<Case> {
    let path = || "/indexes/publications/search".to_string();
    let json = "application/json";
    let mut cases: Vec<Case> = vec![
        (
            "400,000 NOTs",
            "POST",
            path(),
            json,
            // Too long as well as too deep: either limit answers.
            search(
                json!({"q": "x", "filter": format!("{}type = rapport", "NOT ".repeat(400_000))}),
            ),
            413,
            "payload_too_large",
        ),
        (
            "10,000 NOTs within the body limit",
            "POST",
            path(),
            json,
            search(json!({"q": "x", "filter": format!("{}type = rapport", "NOT ".repeat(10_000))})),
            400,
            "invalid_search_filter",
        ),
        (
            "2,000 NOTs within the filter length",
            "POST",
            path(),
            json,
            search(json!({"q": "x", "filter": format!("{}type = rapport", "NOT ".repeat(2_000))})),
            400,
            "invalid_search_filter",
        ),
        (
            "deep parentheses",
            "POST",
            path(),
            json,
            search(
                json!({"filter": format!("{}type = a{}", "(".repeat(3_000), ")".repeat(3_000))}),
            ),
            400,
            "invalid_search_filter",
        ),
        (
            "an IN list of 2,000 values",
            "POST",
            path(),
            json,
            search(json!({"filter": format!("partner IN [{}]", vec!["a"; 2_000].join(","))})),
            400,
            "invalid_search_filter",
        ),
        (
            "a query of 50 words",
            "POST",
            path(),
            json,
            search(json!({"q": "woord ".repeat(50)})),
            400,
            "invalid_search_q",
        ),
        (
            "a query of 5,000 characters",
            "POST",
            path(),
            json,
            search(json!({"q": "a".repeat(5_000)})),
            400,
            "invalid_search_q",
        ),
        (
            "a long crop marker",
            "POST",
            path(),
            json,
            search(
                json!({"q": "wonen", "cropMarker": "x".repeat(10_000), "attributesToCrop": ["*"], "limit": 1000}),
            ),
            400,
            "invalid_search_crop_marker",
        ),
        (
            "a long highlight tag",
            "POST",
            path(),
            json,
            search(
                json!({"q": "wonen", "highlightPreTag": "<b>".repeat(1_000), "attributesToHighlight": ["*"]}),
            ),
            400,
            "invalid_search_highlight_pre_tag",
        ),
        (
            "1,000 facets",
            "POST",
            path(),
            json,
            search(json!({"facets": vec!["thema"; 1_000]})),
            400,
            "invalid_search_facets",
        ),
        (
            "50 sort rules",
            "POST",
            path(),
            json,
            search(json!({"sort": vec!["date:desc"; 50]})),
            400,
            "invalid_search_sort",
        ),
        (
            "1,000 attributes to retrieve",
            "POST",
            path(),
            json,
            search(json!({"attributesToRetrieve": vec!["title"; 1_000]})),
            400,
            "invalid_search_attributes_to_retrieve",
        ),
        (
            "a body of a megabyte",
            "POST",
            path(),
            json,
            search(json!({"q": "x".repeat(1 << 20)})),
            413,
            "payload_too_large",
        ),
        (
            "JSON nested 20,000 deep",
            "POST",
            path(),
            json,
            format!("{}{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes(),
            400,
            "malformed_payload",
        ),
        (
            "not JSON",
            "POST",
            path(),
            json,
            b"{\"q\": ".to_vec(),
            400,
            "malformed_payload",
        ),
        (
            "the wrong content type",
            "POST",
            path(),
            "text/plain",
            b"{}".to_vec(),
            415,
            "invalid_content_type",
        ),
        (
            "a method the route does not take",
            "DELETE",
            path(),
            json,
            Vec::new(),
            405,
            "method_not_allowed",
        ),
        (
            "a path the API does not have",
            "POST",
            "/indexes/publications/documents".into(),
            json,
            b"[]".to_vec(),
            404,
            "not_found",
        ),
        (
            "an index that does not exist",
            "POST",
            "/indexes/geheim/search".into(),
            json,
            b"{}".to_vec(),
            404,
            "index_not_found",
        ),
    ];
    let query = json!({"indexUid": "publications", "q": "wonen"});
    cases.push((
        "500 queries in one multi-search",
        "POST",
        "/multi-search".into(),
        json,
        search(json!({"queries": vec![query; 500]})),
        400,
        "bad_request",
    ));
    cases
}

fn resident_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_request_gets_a_meilisearch_error_and_the_server_stays_up() {
    let site = common::shipped_site_copy();
    let server = common::start_server(site.path(), &["--no-watch"]);
    let client = reqwest::Client::new();
    let health = format!("{}/health", server.base);
    for (what, method, path, content_type, body, status, code) in cases() {
        let request = client
            .request(method.parse().unwrap(), format!("{}{path}", server.base))
            .header("content-type", content_type)
            .body(body);
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(response.status().as_u16(), status, "{what}");
        let answer: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
        assert_eq!(answer["code"], code, "{what}: {answer}");
        for key in ["message", "type", "link"] {
            assert!(answer[key].is_string(), "{what}: no {key} in {answer}");
        }
        let alive = client.get(&health).send().await;
        assert!(
            alive.is_ok_and(|r| r.status().is_success()),
            "{what}: /health stopped answering"
        );
    }
    let rss = resident_mb(server.child.id()).expect("the server's memory can be read");
    assert!(rss < 500, "serve holds {rss} MB after the hostile requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_paths_never_leave_public_and_never_give_a_500() {
    let site = common::shipped_site_copy();
    let server = common::start_server(site.path(), &["--no-watch"]);
    let long_segment = "a".repeat(9_000);
    let many = "b/".repeat(3_000);
    let paths = [
        "/%00",
        "/index.html%00",
        "/zoeken/%00.html",
        "/../config.toml",
        "/..%2fconfig.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/css/../../config.toml",
        "/a%5c..%5c..%5cconfig.toml",
        "//etc/passwd",
        "/%C0%AE%C0%AE/config.toml",
        "/%ff",
        "/%",
        "/publicaties/..;/",
        &format!("/{long_segment}"),
        &format!("/{many}"),
    ];
    // reqwest would normalise the dots away: send the bytes as they are.
    for path in paths {
        let status = raw_status(&server.base, path).await;
        assert!(
            status == 404 || status == 400,
            "{path:.60}: answered {status}"
        );
    }
    assert_eq!(raw_status(&server.base, "/").await, 200);
}

/// The status of a GET of `path` exactly as written.
async fn raw_status(base: &str, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let head = String::from_utf8_lossy(&answer);
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{path:.60}: no status in {head:.200}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let site = common::shipped_site_copy();
    let server = common::start_server(site.path(), &["--no-watch"]);
    let client = reqwest::Client::new();
    for path in [
        "/",
        "/zoeken/",
        "/bestaat-niet/",
        "/css/site.css",
        "/health",
    ] {
        let answer = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let headers = answer.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
}

/// The status line of a GET of `/` for `host`, or of nothing if the server
/// closes.
async fn status_for_host(base: &str, host: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drafts_preview_answers_only_loopback_host_names() {
    let site = common::shipped_site_copy();
    let preview = common::start_server(
        site.path(),
        &[
            "--no-watch",
            "--drafts",
            "--allow-host",
            "voorvertoning.example",
        ],
    );
    for (host, expected) in [
        ("localhost", "200"),
        ("127.0.0.1:1111", "200"),
        ("voorvertoning.example", "200"),
        // DNS rebinding: a name the attacker controls, pointed at loopback.
        ("evil.example", "421"),
        ("127.0.0.1.evil.example", "421"),
    ] {
        let status = status_for_host(&preview.base, host).await;
        assert!(status.contains(expected), "{host}: {status}");
    }
    // Without --drafts every host name is answered (production sits behind
    // its own domain).
    let public = common::start_server(site.path(), &["--no-watch"]);
    assert!(status_for_host(&public.base, "evil.example")
        .await
        .contains("200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let site = common::shipped_site_copy();
    let server = common::start_server(site.path(), &["--no-watch"]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let started = std::time::Instant::now();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    // Meanwhile the site answers others.
    let page = reqwest::get(format!("{}/", server.base)).await.unwrap();
    assert!(page.status().is_success());
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        slow.read_to_end(&mut rest),
    )
    .await;
    assert!(
        closed.is_ok(),
        "the slow connection was still open after 30 s"
    );
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(5),
        "closed after {waited:?}, before the header timeout"
    );
}
