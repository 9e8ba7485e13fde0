//! A load on the real `serve`: 8 clients mixing searches and page loads for
//! 60 seconds (`VINDPLAATS_LOAD_SECONDS` to change it), while another
//! client sends hostile requests in a loop. Every ordinary request must
//! succeed; every hostile one must get its 4xx.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn seconds() -> u64 {
    std::env::var("VINDPLAATS_LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

const PAGES: &[&str] = &[
    "/",
    "/zoeken/",
    "/publicaties/",
    "/css/site.css",
    "/js/zoeken.js",
    "/atom.xml",
    "/bestaat-niet/",
];

const QUERIES: &[&str] = &[
    "wonen",
    "vluchtelingen werk",
    "jongeren",
    "statushouders",
    "gemeente",
    "",
];

fn hostile() -> Vec<(Value, u16)> {
    vec![
        (
            json!({"q": "x", "filter": format!("{}type = rapport", "NOT ".repeat(10_000))}),
            400,
        ),
        (json!({"q": "x".repeat(200_000)}), 413),
        (json!({"q": "a".repeat(2_000)}), 400),
        (
            json!({"q": "wonen", "cropMarker": "x".repeat(500), "attributesToCrop": ["*"]}),
            400,
        ),
        (json!({"facets": vec!["thema"; 500]}), 400),
        (
            json!({"filter": format!("partner IN [{}]", vec!["a"; 2_000].join(","))}),
            400,
        ),
        (json!({"q": "woord ".repeat(40)}), 400),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_get_every_answer_while_another_attacks() {
    let site = common::shipped_site_copy();
    let server = common::start_server(site.path(), &["--no-watch"]);
    let base = Arc::new(server.base.clone());
    let until = Instant::now() + Duration::from_secs(seconds());
    let ok = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for n in 0..8usize {
        let (base, ok) = (base.clone(), ok.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut errors = Vec::new();
            let mut i = n;
            while Instant::now() < until {
                i += 1;
                let result = if i % 2 == 0 {
                    let path = PAGES[i % PAGES.len()];
                    client
                        .get(format!("{base}{path}"))
                        .send()
                        .await
                        .map(|r| (r.status().as_u16(), path == "/bestaat-niet/"))
                } else {
                    let q = QUERIES[i % QUERIES.len()];
                    client
                        .post(format!("{base}/indexes/publications/search"))
                        .json(&json!({"q": q, "facets": ["thema", "type"], "attributesToHighlight": ["title"]}))
                        .send()
                        .await
                        .map(|r| (r.status().as_u16(), false))
                };
                match result {
                    Ok((404, true)) | Ok((200, false)) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok((status, _)) => errors.push(format!("status {status}")),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            errors
        }));
    }
    let attacker = {
        let base = base.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut wrong = Vec::new();
            let mut sent = 0;
            let cases = hostile();
            while Instant::now() < until {
                for (body, expected) in &cases {
                    let answer = client
                        .post(format!("{base}/indexes/publications/search"))
                        .json(body)
                        .send()
                        .await;
                    sent += 1;
                    match answer {
                        Ok(r) if r.status().as_u16() == *expected => {}
                        Ok(r) => wrong.push(format!("got {} for a {expected}", r.status())),
                        Err(e) => wrong.push(e.to_string()),
                    }
                }
            }
            (sent, wrong)
        })
    };
    let mut errors = Vec::new();
    for client in clients {
        errors.extend(client.await.unwrap());
    }
    let (sent, wrong) = attacker.await.unwrap();
    let answered = ok.load(Ordering::Relaxed);
    eprintln!(
        "load: {answered} ordinary answers and {sent} hostile requests in {} s",
        seconds()
    );
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert!(
        wrong.is_empty(),
        "{} wrong answers to hostile requests: {:?}",
        wrong.len(),
        wrong.first()
    );
    assert!(
        answered > 100 && sent > 10,
        "too little traffic: {answered} / {sent}"
    );
    let health = reqwest::get(format!("{base}/health")).await.unwrap();
    assert!(health.status().is_success());
}
