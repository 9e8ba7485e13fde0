//! Every real-world feed fixture served from loopback and harvested in one
//! run; and a harvest killed mid-run (the real binary, SIGKILL) that leaves
//! valid files and is completed by the next run.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use axum::extract::Query;
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    let _ = writeln!(
        std::io::stderr(),
        "NOT RUN: ../shared/fixtures is absent, so the fixtures were not harvested."
    );
    None
}

/// Answers like a repository whose responses are the OAI fixture files
/// (ListRecords.xml, then the pages its resumption tokens name).
async fn fixture_oai(
    axum::extract::State(dir): axum::extract::State<PathBuf>,
    Query(q): Query<HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let file = match (q.get("verb").map(String::as_str), q.get("resumptionToken")) {
        (Some("Identify"), _) => "Identify.xml".to_string(),
        (Some("ListRecords"), Some(token)) if token.starts_with("ListRecords") => token.clone(),
        (Some("ListRecords"), None) => "ListRecords.xml".to_string(),
        _ => "badArgument.xml".to_string(),
    };
    match std::fs::read(dir.join("oai").join(file)) {
        Ok(bytes) => ([(axum::http::header::CONTENT_TYPE, "text/xml")], bytes).into_response(),
        Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// Every content file's bytes.
fn snapshot(site: &std::path::Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(site.join("content"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn every_fixture_harvests_from_a_real_server_and_a_rerun_changes_nothing() {
    let Some(dir) = fixtures() else { return };
    let app = Router::new()
        .nest_service("/f", ServeDir::new(&dir))
        .route("/oai", get(fixture_oai))
        .with_state(dir.clone());
    let addr = common::serve_on_loopback(app).await;

    let site = common::small_site(&[("_index.md", "+++\n+++\n")]);
    std::fs::create_dir_all(site.path().join("harvesters")).unwrap();
    let mut partner = String::from("name = \"Fixtures\"\n");
    let mut names = Vec::new();
    for folder in ["feeds", "encoding"] {
        for entry in std::fs::read_dir(dir.join(folder)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if !(name.ends_with(".xml") || name.ends_with(".json")) {
                continue;
            }
            partner.push_str(&format!(
                "[[sources]]\nid = \"{folder}-{}\"\nkind = \"feed\"\nurl = \"http://{addr}/f/{folder}/{name}\"\n",
                name.replace('.', "-")
            ));
            names.push(format!("{folder}/{name}"));
        }
    }
    partner.push_str(&format!(
        "[[sources]]\nid = \"oai\"\nkind = \"oai\"\nurl = \"http://{addr}/oai\"\n"
    ));
    std::fs::write(site.path().join("harvesters/fixtures.toml"), partner).unwrap();
    // The fixtures' images point at the internet, which this machine cannot
    // reach: fail those fast (they become notes).
    let policy = vindplaats::harvest::FetchPolicy {
        allow_loopback: true,
        connect_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_secs(2),
        retries: 0,
        ..Default::default()
    };
    let options = vindplaats::harvest::HarvestOptions {
        policy,
        ..Default::default()
    };
    let report = vindplaats::harvest::harvest(site.path(), &options, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.sources.len(), names.len() + 1);
    for source in &report.sources {
        assert!(source.errors.is_empty(), "{source:?}");
        // Every feed fixture carries items, and each gives drafts (its own,
        // or merged into another source's copy of the same publication).
        let is_feed = source.source.contains("/feeds-") || source.source.ends_with("/oai");
        assert!(!is_feed || source.new + source.updated > 0, "{source:?}");
        // Nothing that is an item is dropped: skips are only repeats (the
        // OAI pages repeat their records), deleted records never seen, and
        // entries with nothing in them (one fixture has an empty <item>).
        for reason in source.skipped_because.keys() {
            assert!(
                reason.contains("repeated")
                    || reason.starts_with("deleted upstream")
                    || reason.starts_with("no id, link, title or text"),
                "{source:?}"
            );
        }
    }
    // Everything that arrived is valid content.
    let (pages, problems) = common::problems_with_drafts(site.path());
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(pages > 100, "{}", pages);

    // A second run with nothing new upstream changes no byte. The fixtures
    // are served without validators, so every feed is read again.
    let before = snapshot(site.path());
    let again = vindplaats::harvest::harvest(site.path(), &options, &|_| {})
        .await
        .unwrap();
    let after = snapshot(site.path());
    assert_eq!(before.len(), after.len(), "files were added or removed");
    for ((path, a), (_, b)) in before.iter().zip(&after) {
        assert!(
            a == b,
            "{} changed on a rerun:\n{}\n---\n{}",
            path.display(),
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b)
        );
    }
    for source in &again.sources {
        assert_eq!(
            (source.new, source.updated, source.withdrawn),
            (0, 0, 0),
            "{source:?}"
        );
    }
}

/// An OAI repository of 20 pages, each answered slowly.
async fn slow_oai(Query(q): Query<HashMap<String, String>>) -> String {
    let head = "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">";
    if q.get("verb").map(String::as_str) == Some("Identify") {
        return format!("{head}<Identify><repositoryName>R</repositoryName><baseURL>x</baseURL><granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>");
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    let page: usize = q
        .get("resumptionToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let records: String = (0..10)
        .map(|i| {
            let id = page * 10 + i;
            format!("<record><header><identifier>oai:r:{id}</identifier><datestamp>2021-01-01</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc=\"o\" xmlns:dc=\"d\"><dc:title>Record nummer {id}</dc:title><dc:identifier>https://repo.example/{id}</dc:identifier></oai_dc:dc></metadata></record>")
        })
        .collect();
    let token = if page < 19 {
        format!("<resumptionToken>{}</resumptionToken>", page + 1)
    } else {
        String::new()
    };
    format!("{head}<ListRecords>{records}{token}</ListRecords></OAI-PMH>")
}

/// A site whose one partner is the slow 20-page OAI repository.
async fn slow_oai_site() -> tempfile::TempDir {
    let app = Router::new().route("/oai", get(slow_oai));
    let addr = common::serve_on_loopback(app).await;
    let site = common::small_site(&[("_index.md", "+++\n+++\n")]);
    std::fs::create_dir_all(site.path().join("harvesters")).unwrap();
    std::fs::write(
        site.path().join("harvesters/r.toml"),
        format!("name = \"R\"\n[[sources]]\nkind = \"oai\"\nurl = \"http://{addr}/oai\"\n"),
    )
    .unwrap();
    site
}

// Multi-threaded: the test blocks on the child process while the server answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_harvest_leaves_valid_files_and_the_next_run_completes() {
    let site = slow_oai_site().await;

    let binary = env!("CARGO_BIN_EXE_vindplaats");
    let mut child = Command::new(binary)
        .arg("--site")
        .arg(site.path())
        .args(["harvest", "--allow-loopback"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let drafts = || -> Vec<PathBuf> {
        walkdir::WalkDir::new(site.path().join("content/publicaties"))
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.path().to_path_buf())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect()
    };
    // As soon as the first page is in (of 20, 60 ms apart): kill it outright.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while drafts().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = drafts().len();
    assert!(
        partial > 0 && partial < 200,
        "killed mid-run: {partial} drafts"
    );
    // What is there is valid: every draft parses, no temporary file is left as content.
    let (_, problems) = common::problems_with_drafts(site.path());
    assert!(problems.is_empty(), "{problems:#?}");
    if let Ok(state) = std::fs::read(site.path().join("harvesters/state/sources.json")) {
        serde_json::from_slice::<serde_json::Value>(&state).expect("the state is valid JSON");
    }

    let status = Command::new(binary)
        .arg("--site")
        .arg(site.path())
        .args(["harvest", "--allow-loopback"])
        .output()
        .unwrap();
    assert!(status.status.success());
    assert_eq!(drafts().len(), 200, "the next run completes the work");
}

// Multi-threaded: the test blocks on the child processes while the server answers them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_started_together_one_harvests_the_other_refuses() {
    let site = slow_oai_site().await;
    let binary = env!("CARGO_BIN_EXE_vindplaats");
    let start = || {
        Command::new(binary)
            .arg("--site")
            .arg(site.path())
            .args(["harvest", "--allow-loopback"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(), start());
    let outputs = tokio::task::spawn_blocking(move || {
        [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()]
    })
    .await
    .unwrap();
    let succeeded = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(succeeded, 1, "{outputs:#?}");
    let refused = outputs.iter().find(|o| !o.status.success()).unwrap();
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("another harvest is running") && message.contains("harvest.lock"),
        "{message}"
    );
    // Nothing was lost: every record is a draft, once, and valid.
    let drafts = walkdir::WalkDir::new(site.path().join("content/publicaties"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.md")
        .count();
    assert_eq!(drafts, 200);
    let (_, problems) = common::problems_with_drafts(site.path());
    assert!(problems.is_empty(), "{problems:#?}");
    // The lock left behind by the run is taken by the next.
    let next = Command::new(binary)
        .arg("--site")
        .arg(site.path())
        .args(["harvest", "--allow-loopback"])
        .output()
        .unwrap();
    assert!(next.status.success(), "{next:?}");
}
