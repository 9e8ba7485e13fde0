//! The OAI-PMH provider at `/oai` of the real `serve` binary on loopback:
//! a whole harvest with Sickle (the Python client aggregators' tooling
//! uses; .ci/run installs it into target/python) and with vindplaats's own
//! OAI-PMH client both equal the published collection; sets, dates,
//! resumption tokens, deleted records; and every bad request an OAI error.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{shipped_site_copy, start_server, Server};
use vindplaats::harvest::fetch::{FetchPolicy, Fetcher};
use vindplaats::harvest::oai::{ListRequest, Repository};
use vindplaats::model::{Collection, LoadOptions};
use vindplaats::publish::oai::RECORD_KINDS;

/// The shipped site with 230 more publications (so lists take three
/// pages), a withdrawn one, a draft and a rejected one.
fn site() -> tempfile::TempDir {
    let site = shipped_site_copy();
    let dir = site.path().join("content/publicaties");
    for i in 0..230 {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        fs::write(
            dir.join(format!("reeks-{i:03}.md")),
            format!("+++\ntitle = \"Reeks {i}\"\ndescription = \"Deel {i} van een reeks.\"\ndate = 2025-{month:02}-{day:02}\n[taxonomies]\nthema = [\"Gelijke kansen\"]\ntype = [\"rapport\"]\njaar = [\"2025\"]\n[extra]\nstatus = \"published\"\n+++\nTekst {i}.\n"),
        )
        .unwrap();
    }
    fs::write(
        dir.join("ingetrokken.md"),
        "+++\ntitle = \"Ingetrokken ZXQVWITHDRAWN\"\ndate = 2024-03-01\nupdated = 2025-06-01\ndraft = true\n[taxonomies]\nthema = [\"Gelijke kansen\"]\n[extra]\nstatus = \"withdrawn\"\n+++\nZXQVWITHDRAWN\n",
    )
    .unwrap();
    fs::write(
        dir.join("concept.md"),
        "+++\ntitle = \"Concept ZXQVOAIDRAFT\"\ndate = 2025-03-01\ndraft = true\n[taxonomies]\nthema = [\"Gelijke kansen\"]\n[extra]\nstatus = \"draft\"\n+++\nZXQVOAIDRAFT\n",
    )
    .unwrap();
    fs::write(
        dir.join("afgewezen.md"),
        "+++\ntitle = \"Afgewezen ZXQVOAIDRAFT\"\ndate = 2025-03-02\ndraft = true\n[extra]\nstatus = \"rejected\"\n+++\nZXQVOAIDRAFT\n",
    )
    .unwrap();
    site
}

/// The identifiers the published collection should have, and those of
/// one thema.
fn expected(site: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let collection = Collection::load(site, &LoadOptions::default()).unwrap();
    let id = |path: &str| format!("oai:kis.nl:{}", path.trim_matches('/'));
    let all = collection
        .entries()
        .filter(|e| RECORD_KINDS.contains(&e.kind()) && e.is_published())
        .map(|e| id(&e.page.path))
        .collect();
    let gelijke_kansen = collection
        .entries()
        .filter(|e| RECORD_KINDS.contains(&e.kind()) && e.is_published())
        .filter(|e| e.terms("thema").iter().any(|t| t == "Gelijke kansen"))
        .map(|e| id(&e.page.path))
        .chain([id("/publicaties/ingetrokken/")])
        .collect();
    (all, gelijke_kansen)
}

fn sickle_available() -> bool {
    std::process::Command::new("python3")
        .env("PYTHONPATH", common::project_dir().join("target/python"))
        .args(["-c", "import sickle"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_sickle_harvest_equals_the_published_collection() {
    if !sickle_available() {
        assert!(
            std::env::var("CI").is_err(),
            "Sickle is missing in CI: .ci/run installs it into target/python"
        );
        eprintln!("NOT RUN: Sickle is not installed (python3 -m pip install --target target/python sickle==0.7.0); the harvest with vindplaats's own client below still runs.");
        return;
    }
    let site = site();
    let (all, gelijke_kansen) = expected(site.path());
    let server = start_server(site.path(), &["--no-watch"]);
    let out = std::process::Command::new("python3")
        .env("PYTHONPATH", common::project_dir().join("target/python"))
        .arg(common::project_dir().join("tests/oai/sickle_harvest.py"))
        .arg(format!("{}/oai", server.base))
        .args(["thema:gelijke-kansen", "partner"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sickle: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["identify"]["deletedRecord"], "persistent");
    assert_eq!(got["identify"]["granularity"], "YYYY-MM-DDThh:mm:ssZ");
    let records = got["records"].as_array().unwrap();
    let published: BTreeSet<String> = records
        .iter()
        .filter(|r| r[2] == false)
        .map(|r| r[0].as_str().unwrap().to_string())
        .collect();
    let deleted: Vec<&str> = records
        .iter()
        .filter(|r| r[2] == true)
        .map(|r| r[0].as_str().unwrap())
        .collect();
    assert_eq!(records.len(), all.len() + 1, "each record once");
    assert_eq!(published, all);
    assert_eq!(deleted, ["oai:kis.nl:publicaties/ingetrokken"]);
    let in_set: BTreeSet<String> = got["per_set"]["thema:gelijke-kansen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(in_set, gelijke_kansen);
    let sets: Vec<&str> = got["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(sets.contains(&"thema") && sets.contains(&"thema:gelijke-kansen"));
    assert!(sets.iter().any(|s| s.starts_with("programmalijn:")));
    assert!(sets.iter().any(|s| s.starts_with("partner:")));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("ZXQVOAIDRAFT"));
    drop(server);
}

async fn get(server: &Server, query: &str) -> String {
    let answer = reqwest::get(format!("{}/oai?{query}", server.base))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{query}");
    assert!(answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    answer.text().await.unwrap()
}

fn error_code(xml: &str) -> Option<String> {
    let at = xml.find("<error code=\"")?;
    let rest = xml.get(at + 13..)?;
    Some(rest.split('"').next()?.to_string())
}

fn attribute(xml: &str, name: &str) -> Option<String> {
    let at = xml.find(&format!("{name}=\""))?;
    let rest = xml.get(at + name.len() + 2..)?;
    Some(rest.split('"').next()?.to_string())
}

fn token(xml: &str) -> Option<String> {
    let at = xml.find("<resumptionToken")?;
    let rest = xml.get(at..)?;
    let start = rest.find('>')? + 1;
    let end = rest.find("</resumptionToken>")?;
    rest.get(start..end)
        .map(str::to_string)
        .filter(|t| !t.is_empty())
}

#[tokio::test]
async fn vindplaats_harvests_itself_and_every_bad_request_is_an_oai_error() {
    let site = site();
    let (all, _) = expected(site.path());
    let server = start_server(site.path(), &["--no-watch"]);

    // vindplaats's own OAI-PMH client, page by page.
    let fetcher = Fetcher::new(FetchPolicy {
        allow_loopback: true,
        ..FetchPolicy::default()
    })
    .unwrap();
    let repository = Repository {
        fetcher: &fetcher,
        base_url: format!("{}/oai", server.base),
    };
    let identity = repository.identify().await.unwrap();
    assert_eq!(identity.deleted_record.as_deref(), Some("persistent"));
    let mut page = repository
        .list_records(&ListRequest {
            metadata_prefix: "oai_dc".into(),
            ..ListRequest::default()
        })
        .await
        .unwrap();
    let total = page.complete_list_size;
    let mut seen = Vec::new();
    let mut pages = 1;
    loop {
        seen.extend(
            page.records
                .iter()
                .map(|r| (r.identifier.clone(), r.deleted)),
        );
        let Some(token) = page.resumption_token.clone() else {
            break;
        };
        page = repository.resume(&token).await.unwrap();
        pages += 1;
    }
    assert_eq!(pages, 3, "100 records a page");
    assert_eq!(total, Some(seen.len() as u64));
    let published: BTreeSet<String> = seen
        .iter()
        .filter(|(_, d)| !d)
        .map(|(i, _)| i.clone())
        .collect();
    assert_eq!(published, all);
    assert_eq!(seen.len(), all.len() + 1);

    // Cursor and completeListSize on the way.
    let first = get(
        &server,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=thema",
    )
    .await;
    assert_eq!(attribute(&first, "cursor").as_deref(), Some("0"));
    let size: usize = attribute(&first, "completeListSize")
        .unwrap()
        .parse()
        .unwrap();
    assert!(size > 230, "{size}");
    let next_token = token(&first).expect("a second page");
    assert!(attribute(&first, "expirationDate").is_some());
    let second = get(
        &server,
        &format!(
            "verb=ListIdentifiers&resumptionToken={}",
            urlencode(&next_token)
        ),
    )
    .await;
    assert_eq!(attribute(&second, "cursor").as_deref(), Some("250"));
    assert!(token(&second).is_none(), "the last page has an empty token");

    // Dates at both granularities select by datestamp.
    let day = get(
        &server,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-01-03&until=2025-01-03",
    )
    .await;
    assert_eq!(day.matches("<identifier>").count(), 1, "{day}");
    assert!(day.contains("publicaties/reeks-002"));
    let seconds = get(&server, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-01-03T00:00:00Z&until=2025-01-03T00:00:00Z").await;
    assert_eq!(seconds.matches("<identifier>").count(), 1, "{seconds}");
    let after = get(&server, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-01-03T00:00:01Z&until=2025-01-03T23:59:59Z").await;
    assert_eq!(error_code(&after).as_deref(), Some("noRecordsMatch"));

    // The deleted record answers GetRecord as deleted, without metadata.
    let deleted = get(
        &server,
        "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:kis.nl:publicaties/ingetrokken",
    )
    .await;
    assert!(deleted.contains("<header status=\"deleted\">"), "{deleted}");
    assert!(!deleted.contains("<metadata>") && !deleted.contains("ZXQVWITHDRAWN"));
    let record = get(
        &server,
        "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:kis.nl:publicaties/reeks-001",
    )
    .await;
    assert!(record.contains("<dc:title>Reeks 1</dc:title>"), "{record}");
    assert!(record.contains("<dc:date>2025-01-02</dc:date>"));

    // Every bad request: an OAI error code in a 200, never a 500.
    let forged = {
        let mut t = next_token.clone().into_bytes();
        if let Some(b) = t.get_mut(5) {
            *b = if *b == b'A' { b'B' } else { b'A' };
        }
        String::from_utf8(t).unwrap()
    };
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "badVerb"),
        ("verb=Wis".into(), "badVerb"),
        ("verb=Identify&verb=Identify".into(), "badVerb"),
        ("verb=Identify&extra=1".into(), "badArgument"),
        ("verb=ListRecords".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2025-13-01".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=gisteren".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2025-01-01T00:00:00Z".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2025-02-01&until=2025-01-01".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=marc21".into(), "cannotDisseminateFormat"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=thema:bestaat-niet".into(), "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2099-01-01".into(), "noRecordsMatch"),
        ("verb=ListRecords&resumptionToken=vals".into(), "badResumptionToken"),
        (format!("verb=ListRecords&resumptionToken={}", urlencode(&forged)), "badResumptionToken"),
        (format!("verb=ListRecords&resumptionToken={}", urlencode(&next_token)), "badResumptionToken"),
        (format!("verb=ListIdentifiers&resumptionToken={}", "x".repeat(5_000)), "badArgument"),
        ("verb=ListSets&resumptionToken=x".into(), "badResumptionToken"),
        ("verb=GetRecord&identifier=oai:kis.nl:nee&metadataPrefix=oai_dc".into(), "idDoesNotExist"),
        ("verb=GetRecord&identifier=oai:kis.nl:publicaties/reeks-001&metadataPrefix=x".into(), "cannotDisseminateFormat"),
        ("verb=GetRecord&identifier=oai:kis.nl:publicaties/reeks-001".into(), "badArgument"),
        ("verb=ListMetadataFormats&identifier=oai:kis.nl:nee".into(), "idDoesNotExist"),
        ("verb=Identify&a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15&p=16&q=17".into(), "badArgument"),
        ("verb=%FF%FE".into(), "badVerb"),
    ];
    for (query, code) in &cases {
        let xml = get(&server, query).await;
        assert_eq!(error_code(&xml).as_deref(), Some(*code), "{query}: {xml}");
        if matches!(*code, "badVerb" | "badArgument") {
            assert!(xml.contains("<request>"), "{query}: no arguments echoed");
        }
    }
    // POST, as the protocol allows.
    let client = reqwest::Client::new();
    let posted = client
        .post(format!("{}/oai", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("verb=ListMetadataFormats")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(posted.contains("<metadataPrefix>oai_dc</metadataPrefix>"));
    let health = reqwest::get(format!("{}/health", server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    for text in [&first, &second, &record] {
        assert!(!text.contains("ZXQVOAIDRAFT"));
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
