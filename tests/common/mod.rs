//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// The project's own site: config.toml, content/ and themes/.
pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the shipped site (config, content, theme, static files) in a
/// temporary folder.
pub fn shipped_site_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = project_dir();
    fs::copy(root.join("config.toml"), dir.path().join("config.toml")).unwrap();
    copy_tree(&root.join("content"), &dir.path().join("content"));
    copy_tree(&root.join("themes"), &dir.path().join("themes"));
    copy_tree(&root.join("search"), &dir.path().join("search"));
    copy_tree(&root.join("static"), &dir.path().join("static"));
    let _ = fs::remove_dir_all(dir.path().join("search").join("index"));
    dir
}

/// `vindplaats serve` running as a child process; killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real binary's `serve` for `site` on a free loopback port,
/// with `extra` arguments, and waits until it prints its address.
pub fn start_server(site: &Path, extra: &[&str]) -> Server {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().expect("serve prints its address").unwrap();
        if let Some(at) = line.find("http://") {
            let url = line[at..].split_whitespace().next().unwrap();
            break url.trim_end_matches('/').to_string();
        }
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// A small site: the shipped config and theme with only the given content.
pub fn small_site(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = project_dir();
    fs::copy(root.join("config.toml"), dir.path().join("config.toml")).unwrap();
    copy_tree(&root.join("themes"), &dir.path().join("themes"));
    for (path, text) in files {
        let full = dir.path().join("content").join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    dir
}

/// Every file under `root`, as paths relative to it with `/` separators.
pub fn files_below(root: &Path) -> std::collections::BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The visible text of an HTML page: tags, scripts and styles removed,
/// entities decoded, whitespace collapsed.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let tail = &rest[start..];
        let lower = tail.get(..8).unwrap_or(tail).to_ascii_lowercase();
        let close = if lower.starts_with("<script") {
            tail.find("</script>").map(|i| i + 9)
        } else if lower.starts_with("<style") {
            tail.find("</style>").map(|i| i + 8)
        } else if tail.starts_with("<!--") {
            tail.find("-->").map(|i| i + 3)
        } else {
            tail.find('>').map(|i| i + 1)
        };
        match close {
            Some(end) => rest = &tail[end..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Serves `app` on a free loopback port; returns its address.
pub async fn serve_on_loopback(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The problems `vindplaats check --drafts` would list for a site, less the
/// partner terms (test partners have no page in content/partners/).
pub fn problems_with_drafts(site: &Path) -> (usize, Vec<String>) {
    let options = vindplaats::model::LoadOptions {
        include_drafts: true,
        ..Default::default()
    };
    let collection = vindplaats::model::Collection::load(site, &options).unwrap();
    let library = collection.library;
    let problems = library
        .problems
        .iter()
        .map(ToString::to_string)
        .filter(|p| !p.contains("taxonomies.partner"))
        .collect();
    (library.pages.len(), problems)
}

/// The synonyms of the small search corpus.
pub const SYNONYMS: &str =
    "groepen = [[\"statushouder\", \"vergunninghouder\"], [\"nieuwkomer\", \"inburgeraar\"]]";

/// One search document (panics on an invalid one: test data).
pub fn doc(value: serde_json::Value) -> vindplaats::search::SearchDocument {
    vindplaats::search::SearchDocument::from_json(0, value).expect("valid document")
}

pub fn corpus() -> Vec<vindplaats::search::SearchDocument> {
    vec![
        doc(
            serde_json::json!({"id": "vluchteling", "title": "Het perspectief van een vluchteling op werk",
            "summary": "Eén vluchteling vertelt over zijn zoektocht naar werk.", "body": "",
            "type": "artikel", "thema": ["Gelijke kansen"], "partner": "KIS", "year": 2019, "date": "2019-03-01"}),
        ),
        doc(
            serde_json::json!({"id": "kansen", "title": "Onderwijs en kansen voor nieuwkomers",
            "summary": "Over het onderwijs aan kinderen van nieuwkomers en hun kansen later.",
            "body": "Scholen bieden onderwijs. Daarna volgen kansen op de arbeidsmarkt.",
            "type": "rapport", "thema": ["Gelijke kansen"], "partner": ["KIS", "Movisie"], "year": 2021, "date": "2021-06-15"}),
        ),
        doc(
            serde_json::json!({"id": "jongeren", "title": "Jongeren in de wijk",
            "summary": "Wat jongeren met een migratieachtergrond in hun wijk nodig hebben.",
            "body": "Jongeren en jongerenwerkers over de wijk.",
            "type": "handreiking", "thema": ["Krachtige individuen en gemeenschappen"], "partner": "Verwey-Jonker Instituut", "year": 2022, "date": "2022-01-10"}),
        ),
        doc(
            serde_json::json!({"id": "financieel", "title": "Financiële zelfredzaamheid van statushouders",
            "summary": "Statushouders en hun financiële positie in de eerste jaren.", "body": "",
            "type": "rapport", "thema": ["Gelijke kansen"], "partner": "Movisie", "year": 2020, "date": "2020-11-02"}),
        ),
        doc(
            serde_json::json!({"id": "vergunning", "title": "Huisvesting voor vergunninghouders",
            "summary": "Gemeenten en de huisvesting van vergunninghouders.", "body": "",
            "type": "factsheet", "thema": ["Sociale verbondenheid"], "partner": "KIS", "year": 2018, "date": "2018-05-05"}),
        ),
        doc(
            serde_json::json!({"id": "inburgering", "title": "De nieuwe wet inburgering",
            "summary": "Wat verandert er voor de inburgeraar?", "body": "",
            "type": "podcast-aflevering", "thema": [], "partner": "KIS", "year": 2021, "date": "2021-01-20"}),
        ),
        doc(
            serde_json::json!({"id": "polarisatie", "title": "Polarisatie en sociale spanningen",
            "summary": "Over spanningen in buurten en wat gemeenten doen.", "body": "",
            "type": "artikel", "thema": ["Sociale verbondenheid"], "partner": "KIS", "year": 2023, "date": "2023-02-02"}),
        ),
    ]
}

/// POSTs `body` as JSON and returns the status and the JSON answer.
/// Sends `request` and decodes its JSON answer, whatever the status.
pub async fn json_answer(request: reqwest::RequestBuilder) -> serde_json::Value {
    request
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("a JSON answer")
}

pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = http.post(url).json(body).send().await.expect("an answer");
    let status = response.status().as_u16();
    let value = response.json().await.expect("a JSON answer");
    (status, value)
}

/// Runs the real binary on `site` with `args` and insists that it succeeds.
pub fn run_binary(site: &Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site)
        .args(args)
        .output()
        .expect("the binary starts");
    assert!(
        out.status.success(),
        "vindplaats {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
