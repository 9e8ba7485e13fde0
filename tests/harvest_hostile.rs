//! Hostile partner feeds: every payload class (HTML, entities escaped once
//! and twice, Markdown links to `javascript:`, `data:` and `vbscript:`,
//! event handlers, `</script>`, heading attributes) in every field (title,
//! summary, content, author, link, language, enclosure, category) of RSS,
//! Atom, JSON Feed and OAI-PMH, served from loopback and harvested; then the
//! real binary's `build --drafts`, and every HTML page, feed and JSON file
//! that comes out is parsed: no element, attribute or URL may run script.

mod common;

use std::path::Path;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use scraper::{Html, Selector};

/// Every payload class, as the text a partner means to publish.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "[klik](javascript:alert(2))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    "<javascript:alert(10)>",
    "<a href=\"javascript:alert(5)\">a</a>",
    "<svg onload=alert(6)>",
    "<iframe src=\"javascript:alert(8)\"></iframe>",
    "</script><script>alert(7)</script>",
    "<!-- <script>alert(13)</script>",
    "# kop {onclick=alert(9)}",
    "<p style=\"background:url(javascript:alert(14))\">stijl</p>",
];

fn hostile() -> String {
    PAYLOADS.join(" ")
}

/// Escaped once for XML: the text of an element.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn rss() -> String {
    let h = hostile();
    let once = xml(&h);
    let twice = xml(&once);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>{once}</title><link>https://partner.example/</link><language>&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;</language>
<item><title>Gewone titel {once}</title><link>javascript:alert(11)</link><guid isPermaLink="false">rss-1</guid>
  <description><![CDATA[{h}]]></description><content:encoded><![CDATA[{h}]]></content:encoded>
  <dc:creator>{once}</dc:creator><category>{once}</category>
  <enclosure url="javascript:alert(12)" type="audio/mpeg&quot; onload=&quot;alert(1)" length="12"/>
  <pubDate>Mon, 01 Jun 2020 10:00:00 GMT</pubDate></item>
<item><title>Dubbel {twice}</title><link>https://partner.example/dubbel</link><guid>rss-2</guid>
  <description>&amp;lt;img src=x onerror=alert(1)&amp;gt; {twice}</description>
  <enclosure url="https://partner.example/a.mp3" type="audio/mpeg" length="1234"/></item>
<item><link>https://partner.example/rapporten/integratie-in-de-wijk.html</link><guid>rss-3</guid>
  <description>{once}</description></item>
</channel></rss>"#
    )
}

fn atom() -> String {
    let h = hostile();
    let once = xml(&h);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="&lt;/script&gt;"><title>A</title><id>urn:a</id><updated>2020-01-01T00:00:00Z</updated>
<entry><id>urn:a:1</id><title type="html">{once}</title><updated>2020-01-01T00:00:00Z</updated>
  <link href="vbscript:msgbox(1)"/><link rel="enclosure" href="javascript:alert(1)" type="audio/mpeg"/>
  <author><name>{once}</name></author><summary type="html">{once}</summary>
  <content type="html">{once}</content><category term="{once}"/></entry>
<entry><id>urn:a:2</id><updated>2020-01-02T00:00:00Z</updated><link href="data:text/html,x"/>
  <summary type="text">{once}</summary></entry>
</feed>"#
    )
}

fn json_feed() -> String {
    let h = hostile();
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": h,
        "language": "</script><script>alert(3)</script>",
        "items": [{
            "id": "json-1",
            "url": "javascript:alert(1)",
            "title": h,
            "content_html": h,
            "summary": h,
            "image": "javascript:alert(1)",
            "authors": [{"name": h}],
            "tags": [h],
            "attachments": [{"url": "data:audio/mpeg;base64,AAAA", "mime_type": "audio/mpeg"}]
        }]
    })
    .to_string()
}

const IDENTIFY: &str = "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><Identify><repositoryName>R</repositoryName><baseURL>x</baseURL><granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>";

fn oai() -> String {
    let once = xml(&hostile());
    format!(
        "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords>\
         <record><header><identifier>oai:r:1</identifier><datestamp>2021-01-01</datestamp></header>\
         <metadata><oai_dc:dc xmlns:oai_dc=\"o\" xmlns:dc=\"d\"><dc:title>{once}</dc:title>\
         <dc:description>{once}</dc:description><dc:creator>{once}</dc:creator>\
         <dc:identifier>javascript:alert(1)</dc:identifier><dc:identifier>https://repo.example/1.pdf</dc:identifier>\
         <dc:language>&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;</dc:language>\
         <dc:date>2010é</dc:date><dc:subject>{once}</dc:subject><dc:rights>{once}</dc:rights>\
         </oai_dc:dc></metadata></record></ListRecords></OAI-PMH>"
    )
}

async fn serve_hostile() -> std::net::SocketAddr {
    let app = Router::new()
        .route(
            "/rss",
            get(|| async { ([(header::CONTENT_TYPE, "application/rss+xml")], rss()) }),
        )
        .route(
            "/atom",
            get(|| async { ([(header::CONTENT_TYPE, "application/atom+xml")], atom()) }),
        )
        .route(
            "/json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/feed+json")],
                    json_feed(),
                )
            }),
        )
        .route(
            "/oai",
            get(
                |axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| async move {
                    let body = if q.get("verb").map(String::as_str) == Some("Identify") {
                        IDENTIFY.to_string()
                    } else {
                        oai()
                    };
                    ([(header::CONTENT_TYPE, "text/xml")], body).into_response()
                },
            ),
        );
    common::serve_on_loopback(app).await
}

/// A URL that runs script when followed or loaded.
fn runs_script(url: &str) -> bool {
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "data:", "vbscript:"]
        .iter()
        .any(|s| squeezed.starts_with(s))
}

const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "data",
    "srcset",
    "xlink:href",
    "content",
    "background",
    "cite",
];

/// Every way an HTML document could run script, as a list of findings.
fn script_in_html(html: &Html, our_base: &str) -> Vec<String> {
    let mut found = Vec::new();
    let all = Selector::parse("*").unwrap();
    for el in html.select(&all) {
        let name = el.value().name();
        match name {
            "script" => {
                let kind = el.value().attr("type").unwrap_or_default();
                let src = el.value().attr("src").unwrap_or_default();
                if kind == "application/ld+json" {
                    let text: String = el.text().collect();
                    if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
                        found.push(format!("JSON-LD that is not JSON ({e}): {text}"));
                    }
                    if text.contains('<') {
                        found.push(format!("a '<' inside JSON-LD: {text}"));
                    }
                } else if !(src.starts_with(our_base) || src.starts_with("/js/")) {
                    found.push(format!("a script: {}", el.html()));
                }
            }
            "iframe" | "object" | "embed" | "base" | "frame" | "applet" => {
                found.push(format!("a <{name}>: {}", el.html()))
            }
            // Our own redirects (aliases, page 1 of a pager) point home.
            "meta"
                if el
                    .value()
                    .attr("http-equiv")
                    .is_some_and(|h| !h.eq_ignore_ascii_case("content-security-policy"))
                    && !el
                        .value()
                        .attr("content")
                        .unwrap_or_default()
                        .contains(&format!("url={our_base}/")) =>
            {
                found.push(format!("a meta http-equiv: {}", el.html()))
            }
            _ => {}
        }
        for (attr, value) in el.value().attrs() {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on") {
                found.push(format!("an event handler {attr}: {}", el.html()));
            }
            if URL_ATTRIBUTES.contains(&attr.as_str()) && runs_script(value) {
                found.push(format!("a script URL in {attr}: {}", el.html()));
            }
            if attr == "style" && value.to_ascii_lowercase().contains("javascript:") {
                found.push(format!("script in a style: {}", el.html()));
            }
        }
    }
    found
}

/// HTML carried inside an Atom feed (`type="html"` text) and its links.
fn script_in_atom(xml_text: &str, our_base: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut found = Vec::new();
    let mut reader = quick_xml::Reader::from_str(xml_text);
    let mut html_open = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                html_open = false;
                for attr in e.attributes().flatten() {
                    let value = attr.unescape_value().unwrap_or_default().to_string();
                    let key = String::from_utf8_lossy(attr.key.as_ref()).to_string();
                    if key == "type" && value == "html" {
                        html_open = true;
                    }
                    if (key == "href" || key == "src") && runs_script(&value) {
                        found.push(format!("a script URL in a feed: {value}"));
                    }
                }
            }
            Ok(Event::Text(t)) if html_open => {
                let text = t.unescape().unwrap_or_default().to_string();
                found.extend(script_in_html(&Html::parse_fragment(&text), our_base));
            }
            Ok(Event::End(_)) => html_open = false,
            Ok(Event::Eof) => break,
            Err(e) => {
                found.push(format!("a feed that is not XML: {e}"));
                break;
            }
            _ => {}
        }
    }
    found
}

fn strings_in(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| strings_in(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}

fn check_output(public: &Path, our_base: &str) -> (usize, Vec<String>) {
    let mut files = 0;
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(public)
        .into_iter()
        .filter_map(Result::ok)
    {
        let path = entry.path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        let text = match ext {
            "html" | "xml" | "json" => common::read(path),
            _ => continue,
        };
        files += 1;
        let at = |f: String| format!("{}: {f}", path.display());
        match ext {
            "html" => found.extend(
                script_in_html(&Html::parse_document(&text), our_base)
                    .into_iter()
                    .map(at),
            ),
            "xml" => found.extend(script_in_atom(&text, our_base).into_iter().map(at)),
            _ => {
                let value: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
                let mut strings = Vec::new();
                strings_in(&value, &mut strings);
                for s in strings {
                    if runs_script(&s) || s.to_ascii_lowercase().contains("<script") {
                        found.push(at(format!("a script in JSON: {s}")));
                    }
                }
            }
        }
    }
    (files, found)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_hostile_feed_puts_runnable_script_on_a_page_a_feed_or_json() {
    let addr = serve_hostile().await;
    // The shipped publications section: its page template, its feed.
    let section = common::read(&common::project_dir().join("content/publicaties/_index.md"));
    let site = common::small_site(&[
        ("_index.md", "+++\n+++\n"),
        ("publicaties/_index.md", &section),
    ]);
    std::fs::create_dir_all(site.path().join("harvesters")).unwrap();
    let mut partner = String::from("name = \"Vijandig\"\n");
    for (id, path, kind) in [
        ("rss", "rss", "feed"),
        ("atom", "atom", "feed"),
        ("json", "json", "feed"),
        ("oai", "oai", "oai"),
    ] {
        partner.push_str(&format!(
            "[[sources]]\nid = \"{id}\"\nkind = \"{kind}\"\nurl = \"http://{addr}/{path}\"\n"
        ));
    }
    std::fs::write(site.path().join("harvesters/vijandig.toml"), partner).unwrap();
    let options = vindplaats::harvest::HarvestOptions {
        policy: vindplaats::harvest::FetchPolicy {
            allow_loopback: true,
            retries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let report = vindplaats::harvest::harvest(site.path(), &options, &|_| {})
        .await
        .unwrap();
    for source in &report.sources {
        assert!(source.errors.is_empty(), "{source:?}");
    }
    let new: usize = report.sources.iter().map(|s| s.new).sum();
    assert!(new >= 6, "every hostile item is kept as text: {report:?}");

    let drafts: Vec<_> = walkdir::WalkDir::new(site.path().join("content/publicaties"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.md")
        .map(|e| e.path().to_path_buf())
        .collect();
    // The item without a title is kept, titled from its link, flagged.
    let untitled = drafts
        .iter()
        .map(|p| common::read(p))
        .find(|t| t.contains("rss-3"))
        .expect("the untitled item is kept");
    assert!(
        untitled.contains("title = \"Integratie in de wijk\""),
        "{untitled}"
    );
    assert!(untitled.contains("review = true"), "{untitled}");
    // The enclosure keeps its type and length.
    let podcast = drafts
        .iter()
        .map(|p| common::read(p))
        .find(|t| t.contains("rss-2"))
        .unwrap();
    assert!(
        podcast.contains("enclosure_type = \"audio/mpeg\"")
            && podcast.contains("enclosure_length = 1234"),
        "{podcast}"
    );

    // An editor's hand can also go wrong: a script link as the pdf, and a
    // language that closes the JSON-LD script. The templates hold.
    let first = drafts
        .iter()
        .find(|p| common::read(p).contains("rss-1"))
        .unwrap();
    let text = common::read(first)
        .replace("[extra]\n", "[extra]\nscholarly = true\npdf = \"javascript:alert(20)\"\nlink = \" JaVaScRiPt:alert(21)\"\n")
        .replace(
            "source = \"vijandig/rss\"",
            "source = \"vijandig/rss\"\nlanguage = \"</script><script>alert(22)</script><!--\"",
        );
    assert!(
        text.contains("alert(20)") && text.contains("alert(22)"),
        "{text}"
    );
    std::fs::write(first, text).unwrap();

    common::run_binary(
        site.path(),
        &["build", "--drafts", "--base-url", "http://vindplaats.test"],
    );
    let public = site.path().join("public");
    let (files, found) = check_output(&public, "http://vindplaats.test");
    assert!(files > 5, "only {files} files were checked");
    assert!(found.is_empty(), "{}", found.join("\n"));

    // The payloads are there, as text a reader can see.
    let pages: Vec<String> = walkdir::WalkDir::new(public.join("publicaties"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.html")
        .map(|e| common::read(e.path()))
        .collect();
    let shown = pages
        .iter()
        .map(|p| common::visible_text(p))
        .collect::<Vec<_>>()
        .join("\n");
    for text in [
        "onerror=alert(1)",
        "[klik](javascript:alert(2))",
        "alert(7)",
    ] {
        assert!(shown.contains(text), "{text} is not shown as text");
    }
    assert!(
        pages
            .iter()
            .any(|p| p.contains("&lt;img src=x onerror=alert(1)&gt;")),
        "the double-escaped payload is shown, escaped"
    );
    // The page template with JSON-LD and citation tags was used, and the
    // section's feed carries the items.
    assert!(
        pages
            .iter()
            .any(|p| p.contains("application/ld+json") && p.contains("citation_title")),
        "the publication template was not used"
    );
    let feed = common::read(&public.join("publicaties/atom.xml"));
    assert!(
        feed.contains("onerror=alert(1)"),
        "the feed carries the items"
    );
}

#[test]
fn the_checker_finds_what_it_looks_for() {
    // The test above can only pass on clean output if the checker sees
    // each class; fed the classes raw, it must report every one.
    let page = Html::parse_document(
        "<html><body><script>alert(1)</script><img src=x onerror=alert(1)>\
         <a href=\" javascript:alert(2)\">a</a><a href=\"data:text/html,x\">b</a>\
         <iframe></iframe><meta http-equiv=\"refresh\" content=\"0; url=javascript:x\"><p style=\"x:url(javascript:y)\"></p>\
         <script type=\"application/ld+json\">{\"a\": \"</b>\"}</script></body></html>",
    );
    let found = script_in_html(&page, "http://vindplaats.test");
    assert_eq!(found.len(), 8, "{found:#?}");
    let feed = "<feed><entry><content type=\"html\">&lt;img src=x onerror=alert(1)&gt;</content>\
                <link href=\"javascript:x\"/></entry></feed>";
    assert_eq!(script_in_atom(feed, "").len(), 2);
}
