//! The OAI-PMH client against the fixture responses in ../shared/fixtures/oai,
//! served by a real HTTP server on loopback: Identify, ListSets, ListRecords
//! across resumption tokens, deleted records, protocol errors and a broken
//! body. Says plainly that it did not run when the fixtures are absent.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use vindplaats::harvest::oai::{ListRequest, OaiError, Repository};
use vindplaats::harvest::{FetchPolicy, Fetcher};

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/oai");
    if dir.is_dir() {
        Some(dir)
    } else {
        {
            // Past the test harness's capture, so a CI log shows it.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "NOT RUN: ../shared/fixtures/oai is absent, so the OAI-PMH fixtures were not served.");
        }
        None
    }
}

/// Answers like a repository whose responses are the fixture files.
async fn oai(State(dir): State<PathBuf>, Query(q): Query<HashMap<String, String>>) -> Response {
    let file = match (q.get("verb").map(String::as_str), q.get("resumptionToken")) {
        (Some("Identify"), _) => "Identify.xml".to_string(),
        (Some("ListSets"), _) => "ListSets.xml".to_string(),
        (Some("ListRecords"), Some(token)) if token.starts_with("ListRecords") => token.clone(),
        (Some("ListRecords"), Some(_)) => "badResumptionToken.xml".to_string(),
        (Some("ListRecords"), None) => match (
            q.get("metadataPrefix").map(String::as_str),
            q.get("set").map(String::as_str),
        ) {
            (Some("marc"), _) => "cannotDisseminateFormat.xml".to_string(),
            (_, Some("leeg")) => "noRecordsMatch.xml".to_string(),
            (_, Some("kapot")) => "ListRecordsBroken.xml".to_string(),
            _ => "ListRecords.xml".to_string(),
        },
        _ => "badArgument.xml".to_string(),
    };
    match std::fs::read(dir.join(&file)) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/xml")], bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn serve(dir: PathBuf) -> SocketAddr {
    let app = Router::new().route("/oai", get(oai)).with_state(dir);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchPolicy {
        allow_loopback: true,
        ..FetchPolicy::default()
    })
    .unwrap()
}

#[tokio::test]
async fn identify_and_sets() {
    let Some(dir) = fixtures() else { return };
    let addr = serve(dir).await;
    let fetcher = fetcher();
    let repo = Repository {
        fetcher: &fetcher,
        base_url: format!("http://{addr}/oai"),
    };
    let identity = repo.identify().await.unwrap();
    assert_eq!(identity.granularity, "YYYY-MM-DD");
    assert!(!identity.repository_name.is_empty());
    let sets = repo.list_sets(100).await.unwrap();
    assert!(
        !sets.is_empty() && sets.iter().all(|s| !s.spec.is_empty()),
        "{sets:?}"
    );
}

#[tokio::test]
async fn list_records_follows_resumption_tokens_and_keeps_deleted_records() {
    let Some(dir) = fixtures() else { return };
    let addr = serve(dir).await;
    let fetcher = fetcher();
    let repo = Repository {
        fetcher: &fetcher,
        base_url: format!("http://{addr}/oai"),
    };
    let request = ListRequest {
        metadata_prefix: "oai_dc".into(),
        ..Default::default()
    };
    let mut page = repo.list_records(&request).await.unwrap();
    let mut records = Vec::new();
    let mut pages = 1;
    loop {
        records.append(&mut page.records);
        match page.resumption_token.take() {
            Some(token) => {
                page = repo.resume(&token).await.unwrap();
                pages += 1;
            }
            None => break,
        }
    }
    assert_eq!(pages, 4, "four pages chained by tokens");
    assert!(
        records.iter().any(|r| r.deleted),
        "deleted records are kept, marked"
    );
    let items: Vec<_> = records
        .iter()
        .filter(|r| !r.deleted)
        .map(|r| vindplaats::harvest::normalise::entry(r.to_entry(), "p/oai").unwrap())
        .collect();
    assert!(
        items
            .iter()
            .all(|i| !i.title.is_empty() && !i.upstream_id.is_empty()),
        "{items:?}"
    );
    assert!(items.iter().any(|i| i.link.is_some()));
}

#[tokio::test]
async fn protocol_errors_and_broken_bodies_are_named() {
    let Some(dir) = fixtures() else { return };
    let addr = serve(dir).await;
    let fetcher = fetcher();
    let repo = Repository {
        fetcher: &fetcher,
        base_url: format!("http://{addr}/oai"),
    };

    let empty = repo
        .list_records(&ListRequest {
            metadata_prefix: "oai_dc".into(),
            set: Some("leeg".into()),
            ..Default::default()
        })
        .await;
    assert!(
        empty.unwrap().records.is_empty(),
        "noRecordsMatch is an empty answer"
    );

    let format = repo
        .list_records(&ListRequest {
            metadata_prefix: "marc".into(),
            ..Default::default()
        })
        .await;
    match format {
        Err(OaiError::Protocol { code, .. }) => assert_eq!(code, "cannotDisseminateFormat"),
        other => panic!("{other:?}"),
    }
    match repo.resume("verlopen").await {
        Err(OaiError::Protocol { code, .. }) => assert_eq!(code, "badResumptionToken"),
        other => panic!("{other:?}"),
    }
    let broken = repo
        .list_records(&ListRequest {
            metadata_prefix: "oai_dc".into(),
            set: Some("kapot".into()),
            ..Default::default()
        })
        .await;
    let error = broken.unwrap_err();
    assert!(matches!(error, OaiError::Malformed { .. }), "{error:?}");
    assert!(
        error.to_string().contains("set=kapot"),
        "the error names the URL: {error}"
    );
}
