//! Partners submit their feeds: `POST /api/v1/submissions` on the real
//! `vindplaats serve`, with real feed servers on loopback. Each request
//! comes from its own loopback address (127.0.0.N), so the rate limit per
//! client address only bites where a test means it to.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use common::{project_dir, shipped_site_copy, small_site, start_server, Server};
use vindplaats::harvest::Fetcher;
use vindplaats::submission::{self, Problem, SourceKind};

fn fixtures_present() -> bool {
    project_dir().join("../shared/fixtures").is_dir()
}

fn fixture(path: &str) -> String {
    let file = project_dir().join("../shared/fixtures").join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// An RSS feed of seven dated items, one title with markup in it.
fn rss() -> String {
    let mut items = String::new();
    for day in 1..=7 {
        let title = if day == 7 {
            "&lt;script&gt;alert(1)&lt;/script&gt; Nieuwste".to_string()
        } else {
            format!("Publicatie {day}")
        };
        items.push_str(&format!(
            "<item><title>{title}</title><link>https://partner.example/p/{day}</link>\
             <guid>https://partner.example/p/{day}</guid>\
             <pubDate>{day:02} Mar 2025 10:00:00 +0000</pubDate></item>"
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
         <title>Partner</title><link>https://partner.example/</link>{items}</channel></rss>"
    )
}

const UNDATED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
    <item><title>Zonder datum</title><link>https://partner.example/z</link></item></channel></rss>";

const HOMEPAGE: &str = r#"<!doctype html><html><head><title>Partner</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Publicaties" href="feeds/rss.xml">
</head><body><h1>Welkom</h1></body></html>"#;

const PLAIN_PAGE: &str =
    "<!doctype html><html><head><title>Geen feed</title></head><body>Niets</body></html>";

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response()
}

/// A partner's web server: feeds, pages, an OAI-PMH endpoint, redirects.
/// `other` is a second loopback server that `serve` may not reach.
fn partner_app(port: u16, other: u16) -> Router {
    Router::new()
        .route("/feed.xml", get(|| async { xml(rss()) }))
        .route("/tweede.xml", get(|| async { xml(rss()) }))
        .route("/undated.xml", get(|| async { xml(UNDATED.to_string()) }))
        .route(
            "/latin1.xml",
            get(|| async {
                let bytes = std::fs::read(
                    project_dir()
                        .join("../shared/fixtures/feeds/miniflux_no_encoding_ISO-8859-1.xml"),
                )
                .unwrap();
                ([(header::CONTENT_TYPE, "application/xml")], bytes).into_response()
            }),
        )
        .route(
            "/",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], HOMEPAGE).into_response() }),
        )
        .route("/feeds/rss.xml", get(|| async { xml(rss()) }))
        .route(
            "/plain",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], PLAIN_PAGE).into_response() }),
        )
        .route("/text", get(|| async { "gewoon wat tekst, geen feed" }))
        .route(
            "/oai",
            get(
                |axum::extract::RawQuery(query): axum::extract::RawQuery| async move {
                    let query = query.unwrap_or_default();
                    let body = if query.contains("verb=Identify") {
                        fixture("oai/Identify.xml")
                    } else if query.contains("verb=ListRecords") {
                        fixture("oai/ListRecords.xml")
                    } else {
                        fixture("oai/badArgument.xml")
                    };
                    ([(header::CONTENT_TYPE, "text/xml")], body).into_response()
                },
            ),
        )
        .route(
            "/naar-elders",
            get(move || async move {
                Redirect::temporary(&format!("http://127.0.0.1:{other}/feed.xml"))
            }),
        )
        .route(
            "/naar-localhost",
            get(move || async move {
                Redirect::temporary(&format!("http://localhost:{port}/feed.xml"))
            }),
        )
        .route(
            "/naar-metadata",
            get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }),
        )
        .route(
            "/traag",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                xml(rss())
            }),
        )
        .route(
            "/groot",
            get(|| async {
                let mut feed = rss();
                feed.push_str(&" ".repeat(64 * 1024));
                xml(feed)
            }),
        )
}

/// Two partner servers on loopback: the one `serve` may reach, and
/// another it may not.
async fn partners() -> (u16, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let other = other_listener.local_addr().unwrap().port();
    let app = partner_app(port, other);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let other_app = partner_app(other, other);
    tokio::spawn(async move { axum::serve(other_listener, other_app).await.unwrap() });
    (port, other)
}

/// A loopback port with nothing listening.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

static NEXT_CLIENT: AtomicU8 = AtomicU8::new(10);

/// An HTTP client from a loopback address of its own.
fn client() -> reqwest::Client {
    let n = NEXT_CLIENT.fetch_add(1, Ordering::SeqCst);
    assert!(n < 250, "out of client addresses");
    client_at(n)
}

fn client_at(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()
        .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    fn problem(&self) -> String {
        self.json()["problems"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

async fn post(
    client: &reqwest::Client,
    server: &Server,
    content_type: &str,
    accept: &str,
    body: impl Into<reqwest::Body>,
) -> Answer {
    let response = client
        .post(format!("{}/api/v1/submissions", server.base))
        .header(header::CONTENT_TYPE.as_str(), content_type)
        .header(header::ACCEPT.as_str(), accept)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    // Nothing from outside comes back as markup, whatever was sent.
    assert!(!text.to_ascii_lowercase().contains("<script"), "{text}");
    Answer {
        status,
        headers,
        text,
    }
}

fn form(organisation: &str, source: &str) -> String {
    let e = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "organisatie={}&email=redactie%40partner.example&homepage={}&bron={}",
        e(organisation),
        e("https://partner.example/"),
        e(source)
    )
}

async fn submit_json(server: &Server, organisation: &str, source: &str) -> Answer {
    post(
        &client(),
        server,
        "application/x-www-form-urlencoded",
        "application/json",
        form(organisation, source),
    )
    .await
}

fn pending_files(site: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(site.join("harvesters/pending"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn vindplaats(site: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site)
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_are_previewed_stored_once_and_approved_into_a_partner_the_site_builds() {
    let (port, other) = partners().await;
    let closed = closed_port();
    let site = shipped_site_copy();
    std::fs::create_dir_all(site.path().join("harvesters")).unwrap();
    let ports = [
        "--allow-loopback-submissions".to_string(),
        port.to_string(),
        "--allow-loopback-submissions".to_string(),
        closed.to_string(),
    ];
    let mut args = vec!["--no-watch"];
    args.extend(ports.iter().map(String::as_str));
    let server = start_server(site.path(), &args);
    let partner = |path: &str| format!("http://127.0.0.1:{port}{path}");

    // The page has the form, and the form posts where the endpoint is.
    let page = reqwest::get(format!("{}/over-ons/partner-worden/", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "name=\"organisatie\"",
        "autocomplete=\"organization\"",
        "name=\"email\"",
        "type=\"email\"",
        "name=\"homepage\"",
        "name=\"bron\"",
        "name=\"website\" tabindex=\"-1\" autocomplete=\"off\"",
        "Laat dit veld leeg",
        "required",
        &format!("action=\"{}/api/v1/submissions\"", server.base),
    ] {
        assert!(page.contains(needle), "the form lacks {needle}");
    }

    // A feed: stored, with its preview.
    let a = submit_json(
        &server,
        "Kennis & <b>Co</b> \"Noord\"",
        &partner("/feed.xml"),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let json = a.json();
    assert_eq!(json["status"], "ontvangen");
    assert_eq!(json["preview"]["kind"], "feed");
    assert_eq!(json["preview"]["format"], "RSS 2.0");
    assert_eq!(json["preview"]["items"], 7);
    assert_eq!(json["preview"]["feed_url"], partner("/feed.xml"));
    let newest: Vec<&str> = json["preview"]["newest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        newest,
        [
            "2025-03-07",
            "2025-03-06",
            "2025-03-05",
            "2025-03-04",
            "2025-03-03"
        ]
    );
    // The harvester's own text rules: markup in a title is dropped.
    assert_eq!(json["preview"]["newest"][0]["title"], "Nieuwste");
    assert_eq!(pending_files(site.path()).len(), 1);

    // The same feed again, in another spelling: recognised, nothing stored.
    let again = submit_json(
        &server,
        "Iemand anders",
        &format!("{}/?utm_source=x#boven", partner("/feed.xml")),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.json()["status"], "dubbel");
    assert_eq!(pending_files(site.path()).len(), 1);

    // A homepage: the feed is found through its <link rel="alternate">.
    let home = submit_json(&server, "Thuis", &partner("/")).await;
    assert_eq!(home.status, StatusCode::CREATED, "{}", home.text);
    assert_eq!(
        home.json()["preview"]["feed_url"],
        partner("/feeds/rss.xml")
    );
    // ... and the feed it found is then a duplicate too.
    let found = submit_json(&server, "Thuis 2", &partner("/feeds/rss.xml")).await;
    assert_eq!(found.status, StatusCode::CONFLICT, "{}", found.text);

    // OAI-PMH: by the base URL, without a verb (the fixtures are Sickle's).
    if fixtures_present() {
        let oai = submit_json(&server, "Repository", &partner("/oai")).await;
        assert_eq!(oai.status, StatusCode::CREATED, "{}", oai.text);
        let json = oai.json();
        assert_eq!(json["preview"]["kind"], "oai");
        assert_eq!(json["preview"]["format"], "OAI-PMH");
        assert_eq!(json["preview"]["items"], 8, "completeListSize");
        assert_eq!(json["preview"]["feed_url"], partner("/oai"));
        assert!(!json["preview"]["newest"].as_array().unwrap().is_empty());
        // With a verb, the base URL is the address without it.
        let verb = submit_json(&server, "Repository 2", &partner("/oai?verb=Identify")).await;
        assert_eq!(verb.status, StatusCode::CONFLICT, "{}", verb.text);
    } else {
        println!("NOT RUN: OAI-PMH submission (no ../shared/fixtures)");
    }

    // Warnings do not stop a submission: no dates, a charset not declared.
    let undated = submit_json(&server, "Ongedateerd", &partner("/undated.xml")).await;
    assert_eq!(undated.status, StatusCode::CREATED, "{}", undated.text);
    assert_eq!(undated.problem(), "no_dates");
    if fixtures_present() {
        let latin = submit_json(&server, "Latijn", &partner("/latin1.xml")).await;
        assert_eq!(latin.status, StatusCode::CREATED, "{}", latin.text);
        assert_eq!(latin.problem(), "encoding");
    }

    // What cannot be harvested is refused, in Dutch, and nothing is stored.
    let stored = pending_files(site.path()).len();
    for (source, code) in [
        (partner("/text"), "not_a_feed"),
        (partner("/plain"), "no_feed_linked"),
        (partner("/nergens"), "http_status"),
        (format!("http://127.0.0.1:{closed}/feed.xml"), "unreachable"),
        // Every way to loopback, private and metadata addresses.
        (
            format!("http://127.0.0.1:{other}/feed.xml"),
            "refused_address",
        ),
        (format!("http://[::1]:{other}/feed.xml"), "refused_address"),
        (
            format!("http://[::ffff:127.0.0.1]:{port}/feed.xml"),
            "refused_address",
        ),
        (
            format!("http://localhost:{port}/feed.xml"),
            "refused_address",
        ),
        ("http://10.0.0.1/feed.xml".into(), "refused_address"),
        (
            "http://169.254.169.254/latest/meta-data/".into(),
            "refused_address",
        ),
        ("http://[fd00::1]/feed".into(), "refused_address"),
        (
            format!("http://2130706433:{other}/feed.xml"),
            "refused_address",
        ),
        (partner("/naar-elders"), "refused_address"),
        (partner("/naar-localhost"), "refused_address"),
        (partner("/naar-metadata"), "refused_address"),
    ] {
        let answer = submit_json(&server, &format!("Bron {source}"), &source).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{source}: {}",
            answer.text
        );
        assert_eq!(answer.problem(), code, "{source}: {}", answer.text);
        let message = answer.json()["problems"][0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("127.0.0.1") || message.contains("://"),
            "{message}"
        );
    }
    assert_eq!(pending_files(site.path()).len(), stored, "nothing stored");

    // Ten identical submissions at once: one record.
    let source = partner("/tweede.xml");
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (base, source) = (server.base.clone(), source.clone());
            tokio::spawn(async move {
                client()
                    .post(format!("{base}/api/v1/submissions"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form("Tegelijk", &source))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    let files = pending_files(site.path());
    assert_eq!(files.len(), stored + 1);
    let tegelijk: Vec<_> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("tegelijk"))
        .collect();
    assert_eq!(tegelijk.len(), 1, "{files:?}");

    // A browser's form post gets a Dutch page, escaped, in the site's style.
    let page = post(
        &client(),
        &server,
        "application/x-www-form-urlencoded",
        "text/html,application/xhtml+xml",
        form(
            "<script>alert('x')</script> Instituut",
            &partner("/undated.xml"),
        ),
    )
    .await;
    assert_eq!(
        page.status,
        StatusCode::CONFLICT,
        "the same feed: {}",
        page.text
    );
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text.contains("lang=\"nl\""));
    assert!(page.text.contains("Deze bron is al aangemeld"));
    let page = post(
        &client(),
        &server,
        "application/x-www-form-urlencoded",
        "text/html",
        form(
            "<script>alert('x')</script> Instituut",
            &format!("{}?x=<script>", partner("/tweede.xml")),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.text);
    assert!(page.text.contains("Aanmelding ontvangen"));
    assert!(page
        .text
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Instituut"));
    assert!(page.text.contains("/css/site.css"));
    assert!(page.text.contains("2025-03-07"));

    // The pending records, as the editor's list shows them.
    let pending = submission::pending(site.path()).unwrap();
    assert_eq!(pending.len(), files.len() + 1);
    let first = pending
        .iter()
        .find(|p| p.organisation == "Kennis & <b>Co</b> \"Noord\"")
        .unwrap();
    assert_eq!(first.source.kind, SourceKind::Feed);
    assert_eq!(first.source.url, partner("/feed.xml"));
    assert_eq!(first.preview.items, 7);
    assert_eq!(first.email, "redactie@partner.example");
    let listed = vindplaats(site.path(), &["partner", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&first.slug));

    // Approval: a registry file the harvester reads, a page the site builds.
    let out = vindplaats(site.path(), &["partner", "approve", &first.slug]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let registry =
        vindplaats::harvest::registry::Registry::load(&site.path().join("harvesters")).unwrap();
    assert_eq!(
        registry.partners.len(),
        1,
        "pending/ is not read as partners"
    );
    assert_eq!(registry.partners[0].id, first.slug);
    assert_eq!(registry.partners[0].name, first.organisation);
    assert_eq!(registry.partners[0].sources[0].url, partner("/feed.xml"));
    let again = vindplaats(site.path(), &["partner", "approve", &first.slug]);
    assert!(!again.status.success(), "a second approval is refused");
    let other_slug = &pending.iter().find(|p| p.slug != first.slug).unwrap().slug;
    let rejected = vindplaats(site.path(), &["partner", "reject", other_slug]);
    assert!(
        rejected.status.success(),
        "{}",
        String::from_utf8_lossy(&rejected.stderr)
    );
    assert_eq!(
        submission::pending(site.path()).unwrap().len(),
        pending.len() - 2
    );

    let public = tempfile::tempdir().unwrap();
    let out = vindplaats(
        site.path(),
        &["build", "--output", public.path().to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = std::fs::read_to_string(
        public
            .path()
            .join("partners")
            .join(&first.slug)
            .join("index.html"),
    )
    .unwrap();
    assert!(
        built.contains("Kennis &amp; &lt;b&gt;Co&lt;&#x2F;b&gt;")
            || built.contains("Kennis &amp; &lt;b&gt;Co&lt;/b&gt;"),
        "{built}"
    );
    assert!(!built.contains("<b>Co</b>"));
    let report =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !report.contains(&format!("partners/{}.md", first.slug)),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abuse_is_answered_without_storing_anything() {
    let (port, _) = partners().await;
    let site = small_site(&[("_index.md", "+++\n+++\n")]);
    let port_text = port.to_string();
    let server = start_server(
        site.path(),
        &["--no-watch", "--allow-loopback-submissions", &port_text],
    );
    let feed = format!("http://127.0.0.1:{port}/feed.xml");
    let form_type = "application/x-www-form-urlencoded";

    // The honeypot: answered as accepted, nothing stored.
    let body = format!(
        "{}&website=https%3A%2F%2Fspam.example",
        form("Robot", &feed)
    );
    let robot = post(&client(), &server, form_type, "application/json", body).await;
    assert_eq!(robot.status, StatusCode::CREATED, "{}", robot.text);
    assert_eq!(robot.json()["status"], "ontvangen");
    assert!(pending_files(site.path()).is_empty());

    // Missing fields: each named.
    let missing = post(
        &client(),
        &server,
        form_type,
        "application/json",
        "organisatie=x",
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let fields: Vec<String> = missing.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["email", "homepage", "bron"]);

    // A field past its limit, within the body limit: the field is named.
    let long = post(
        &client(),
        &server,
        form_type,
        "application/json",
        form(&"a".repeat(201), &feed),
    )
    .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert_eq!(long.json()["errors"][0]["field"], "organisatie");
    assert!(long.text.contains("langer dan 200"));

    // Bodies past 16 KiB, 1 MB fields, and a JSON one: 413.
    for size in [16 * 1024 + 1, 1_000_000] {
        let body = form(&"x".repeat(size), &feed);
        let answer = post(&client(), &server, form_type, "application/json", body).await;
        assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{size}");
        assert!(answer.text.contains("groter dan 16 KiB"));
    }
    let big_json = format!("{{\"organisatie\":\"{}\"}}", "x".repeat(1_000_000));
    let answer = post(
        &client(),
        &server,
        "application/json",
        "application/json",
        big_json,
    )
    .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);

    // Markup in every field: refused where it cannot be, never echoed.
    let script = "<script>alert(1)</script>";
    let body = format!(
        "organisatie={s}&email={s}&homepage={s}&bron={s}&website=",
        s = url::form_urlencoded::byte_serialize(script.as_bytes()).collect::<String>()
    );
    for accept in ["application/json", "text/html"] {
        let answer = post(&client(), &server, form_type, accept, body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    }
    let json_script = serde_json::json!({
        "organisatie": script, "email": script, "homepage": script, "bron": script,
    });
    let answer = post(
        &client(),
        &server,
        "application/json",
        "application/json",
        json_script.to_string(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.json()["errors"].as_array().unwrap().len(),
        3,
        "{}",
        answer.text
    );

    // Invalid UTF-8, percent-encoded and raw: a 400 that says so.
    let mut raw = form("Goed", &feed).into_bytes();
    raw.extend_from_slice(b"&organisatie2=\xff\xfe");
    let encoded = form("Goed", &feed).replace("Goed", "%FF%FE");
    let answer = post(&client(), &server, form_type, "application/json", encoded).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert!(
        answer.text.contains("'organisatie' is geen geldige UTF-8"),
        "{}",
        answer.text
    );
    let answer = post(&client(), &server, form_type, "application/json", raw).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.text);
    assert!(answer.text.contains("UTF-8"), "{}", answer.text);
    let answer = post(
        &client(),
        &server,
        "application/json",
        "application/json",
        b"{\"organisatie\":\"\xff\"}".to_vec(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.text.contains("UTF-8"));
    let answer = post(&client(), &server, "text/plain", "application/json", "x").await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Five submissions per ten minutes per address; the sixth waits.
    let same = client();
    for n in 0..5 {
        let answer = post(
            &same,
            &server,
            form_type,
            "application/json",
            "organisatie=x",
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "attempt {n}");
    }
    let limited = post(
        &same,
        &server,
        form_type,
        "application/json",
        form("Zesde", &feed),
    )
    .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(limited.json()["message"]
        .as_str()
        .unwrap()
        .contains("Probeer het over"));
    // Another address is not held up.
    let other = post(
        &client(),
        &server,
        form_type,
        "application/json",
        form("Ander adres", &feed),
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    assert_eq!(pending_files(site.path()).len(), 1);
}

/// The library's own limits, with a short policy: too slow, too large.
#[tokio::test]
async fn slow_and_large_sources_are_named() {
    let (port, _) = partners().await;
    let mut policy = submission::submission_policy(vec![port]);
    policy.total_timeout = Duration::from_secs(1);
    policy.max_body = 16 * 1024;
    let fetcher = Fetcher::new(policy).unwrap();
    let url = |p: &str| format!("http://127.0.0.1:{port}{p}");
    let slow = submission::preview(&fetcher, &url("/traag"), Duration::from_secs(2)).await;
    assert!(matches!(slow, Err(Problem::TooSlow { .. })), "{slow:?}");
    let message = slow.unwrap_err().message();
    assert!(message.contains("niet binnen 1 seconde;"), "{message}");
    let large = submission::preview(&fetcher, &url("/groot"), Duration::from_secs(2)).await;
    assert!(matches!(large, Err(Problem::TooLarge { .. })), "{large:?}");
    // The whole preview keeps to its deadline, however many fetches.
    let started = std::time::Instant::now();
    let slow = submission::preview(&fetcher, &url("/traag"), Duration::from_millis(300)).await;
    assert!(matches!(slow, Err(Problem::TooSlow { .. })));
    assert!(started.elapsed() < Duration::from_secs(1));
    let ok = submission::preview(&fetcher, &url("/feed.xml"), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(ok.items, 7);
}
