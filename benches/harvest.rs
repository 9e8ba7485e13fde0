//! Benchmark: `vindplaats harvest` of 200 synthetic sources served from
//! loopback (100 RSS feeds, 100 OAI-PMH repositories in pages of 50), 50,000
//! items in all. Prints items/second for a first harvest, the time of a
//! second, all-304 pass, and peak memory.
//!
//! Run: `cargo bench --bench harvest` (sources: `-- 200`, items per source:
//! `VINDPLAATS_BENCH_ITEMS=250`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use vindplaats::harvest::{harvest, FetchPolicy, HarvestOptions};

mod common;

use common::{peak_memory, WORDS};

fn words(seed: usize, n: usize) -> String {
    (0..n)
        .map(|i| WORDS[(seed * 7 + i * 13) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn items_per_source() -> usize {
    std::env::var("VINDPLAATS_BENCH_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(250)
}

/// The whole feed of source `n`, generated on request.
async fn feed(Path(n): Path<usize>, headers: HeaderMap) -> Response {
    let etag = format!("\"feed-{n}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Bron</title>");
    for i in 0..items_per_source() {
        let id = n * 100_000 + i;
        xml.push_str(&format!(
            "<item><guid>feed-{id}</guid><title>{} {id}</title><link>https://bron{n}.example/p/{id}</link><description>{}</description><pubDate>Mon, 01 Jun 2020 10:00:00 GMT</pubDate></item>",
            words(id, 6),
            words(id + 1, 60)
        ));
    }
    xml.push_str("</channel></rss>");
    (
        [
            (header::ETAG, etag.as_str()),
            (header::CONTENT_TYPE, "application/rss+xml"),
        ],
        xml,
    )
        .into_response()
}

/// OAI-PMH for repository `n`: Identify and ListRecords in pages of 50.
async fn oai(Path(n): Path<usize>, Query(q): Query<HashMap<String, String>>) -> Response {
    let head = "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">";
    if q.get("verb").map(String::as_str) == Some("Identify") {
        return format!("{head}<Identify><repositoryName>R{n}</repositoryName><baseURL>x</baseURL><granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>").into_response();
    }
    // A second, incremental run asks `from` the newest datestamp: nothing new.
    if q.contains_key("from") {
        return format!("{head}<error code=\"noRecordsMatch\"/></OAI-PMH>").into_response();
    }
    let start: usize = q
        .get("resumptionToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let total = items_per_source();
    let mut xml = format!("{head}<ListRecords>");
    for i in start..(start + 50).min(total) {
        let id = 50_000_000 + n * 100_000 + i;
        xml.push_str(&format!(
            "<record><header><identifier>oai:r{n}:{id}</identifier><datestamp>2021-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc=\"o\" xmlns:dc=\"d\"><dc:title>{} {id}</dc:title><dc:creator>Auteur {i}</dc:creator><dc:date>2021-01-01</dc:date><dc:identifier>https://repo{n}.example/{id}</dc:identifier><dc:description>{}</dc:description></oai_dc:dc></metadata></record>",
            words(id, 6),
            words(id + 3, 60)
        ));
    }
    if start + 50 < total {
        xml.push_str(&format!(
            "<resumptionToken>{}</resumptionToken>",
            start + 50
        ));
    }
    xml.push_str("</ListRecords></OAI-PMH>");
    xml.into_response()
}

fn main() {
    common::setup();
    let sources: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let app = Router::new().route("/feed/{n}", get(feed)).route("/oai/{n}", get(oai));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr: SocketAddr = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });

        let site = tempfile::tempdir().expect("a temporary folder");
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(root.join("config.toml"), site.path().join("config.toml")).expect("config");
        std::fs::create_dir_all(site.path().join("harvesters")).expect("harvesters");
        for p in 0..sources / 2 {
            std::fs::write(
                site.path().join(format!("harvesters/partner-{p:03}.toml")),
                format!("name = \"Partner {p}\"\n[[sources]]\nkind = \"feed\"\nurl = \"http://{addr}/feed/{p}\"\n[[sources]]\nkind = \"oai\"\nurl = \"http://{addr}/oai/{p}\"\n"),
            )
            .expect("a partner file");
        }
        let options = HarvestOptions { policy: FetchPolicy { allow_loopback: true, max_per_host: 16, ..FetchPolicy::default() }, ..Default::default() };

        let started = Instant::now();
        let first = harvest(site.path(), &options, &|_| {}).await.expect("the first harvest runs");
        let first_time = started.elapsed().as_secs_f64();
        let new: usize = first.sources.iter().map(|s| s.new).sum();
        let errors: usize = first.sources.iter().map(|s| s.errors.len()).sum();
        println!(
            "first harvest: {} sources, {new} new items in {first_time:.2} s = {:.0} items/s ({errors} errors)",
            first.sources.len(),
            new as f64 / first_time
        );

        let started = Instant::now();
        let second = harvest(site.path(), &options, &|_| {}).await.expect("the second harvest runs");
        let second_time = started.elapsed().as_secs_f64();
        let not_modified = second.sources.iter().filter(|s| s.not_modified).count();
        let changed: usize = second.sources.iter().map(|s| s.new + s.updated).sum();
        println!(
            "second harvest (nothing new): {second_time:.2} s; {not_modified} feeds answered 304, OAI asked from the last datestamp; {changed} items changed"
        );
        println!("peak memory (VmHWM): {}", peak_memory());
    });
}
