//! `vindplaats serve` as a user runs it: the real binary on loopback,
//! answering with the right content types, caching headers, compression
//! and 404 page, and rebuilding when content changes.

mod common;

use std::time::{Duration, Instant};

use common::{shipped_site_copy, start_server, Server};

fn start(site: &std::path::Path) -> Server {
    start_server(site, &[])
}

fn client() -> reqwest::Client {
    // No automatic decompression: the test checks the encoding the server chose.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .unwrap()
}

#[tokio::test]
async fn serves_the_site_with_types_caching_compression_and_404() {
    let site = shipped_site_copy();
    let server = start(site.path());
    let http = client();

    let home = http.get(format!("{}/", server.base)).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(home.headers()["cache-control"], "no-cache");
    let body = home.text().await.unwrap();
    assert!(body.contains("Kennisplatform Inclusief Samenleven"));
    assert!(
        body.contains(&format!("{}/publicaties/", server.base)),
        "links point at the local server"
    );

    let css = http
        .get(format!("{}/css/site.css", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));

    let missing = http
        .get(format!("{}/bestaat-niet/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("niet gevonden"));

    for encoding in ["br", "gzip"] {
        let r = http
            .get(format!("{}/publicaties/", server.base))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], encoding);
    }

    let feed = http
        .get(format!("{}/atom.xml", server.base))
        .send()
        .await
        .unwrap();
    assert!(feed.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("xml"));

    // An old kis.nl address lands on the new page.
    let old = http
        .get(format!(
            "{}/publicatie/theorieen-en-aanpakken-van-polarisatie/",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 200);
    let redirect = old.text().await.unwrap();
    assert!(redirect.contains(&format!(
        "url={}/publicaties/theorieen-en-aanpakken-van-polarisatie/",
        server.base
    )));
}

#[tokio::test]
async fn rebuilds_when_content_changes() {
    let site = shipped_site_copy();
    let server = start(site.path());
    let http = client();
    let file = site
        .path()
        .join("content/publicaties/theorieen-en-aanpakken-van-polarisatie.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "title = \"Theorieën en aanpakken van polarisatie\"",
            "title = \"Een nieuwe titel voor polarisatie\"",
        ),
    )
    .unwrap();

    let url = format!(
        "{}/publicaties/theorieen-en-aanpakken-van-polarisatie/",
        server.base
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = http.get(&url).send().await.unwrap().text().await.unwrap();
        if body.contains("Een nieuwe titel voor polarisatie") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page was not rebuilt within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
