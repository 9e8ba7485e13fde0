//! The content API and the feeds, built by the real binary from the
//! shipped site: every API file validates against the OpenAPI description
//! with a real JSON Schema validator, lists page and link correctly, every
//! feed parses with feed-rs and matches its listing, and no draft or
//! rejected item leaks into any published file.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{run_binary, shipped_site_copy};

/// Every file below `dir`, relative to it, with `/` separators.
fn files_below(dir: &Path) -> Vec<(String, PathBuf)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, e.path().to_path_buf())
        })
        .collect()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A validator for one component schema of the OpenAPI description: the
/// components become `$defs` of a JSON Schema 2020-12 document.
fn validator(openapi: &Value, name: &str) -> jsonschema::Validator {
    let schemas = openapi["components"]["schemas"].clone();
    let text = serde_json::to_string(&schemas)
        .unwrap()
        .replace("#/components/schemas/", "#/$defs/");
    let defs: Value = serde_json::from_str(&text).unwrap();
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": defs,
        "$ref": format!("#/$defs/{name}"),
    });
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema {name}: {e}"))
}

/// The published content of the shipped site, with a draft and a rejected
/// publication that carry a unique marker.
fn built_site() -> (tempfile::TempDir, PathBuf) {
    let site = shipped_site_copy();
    let publicaties = site.path().join("content/publicaties");
    fs::write(
        publicaties.join("geheim-concept.md"),
        "+++\ntitle = \"Concept ZXQVDRAFTMARKER\"\ndescription = \"ZXQVDRAFTMARKER\"\ndate = 2026-01-05\ndraft = true\n[taxonomies]\nthema = [\"Gelijke kansen\"]\ntype = [\"rapport\"]\n[extra]\nstatus = \"draft\"\n+++\nZXQVDRAFTMARKER in de tekst.\n",
    )
    .unwrap();
    fs::write(
        publicaties.join("afgewezen.md"),
        "+++\ntitle = \"Afgewezen ZXQVREJECTMARKER\"\ndate = 2026-01-06\ndraft = true\n[taxonomies]\nthema = [\"Gelijke kansen\"]\n[extra]\nstatus = \"rejected\"\n+++\nZXQVREJECTMARKER\n",
    )
    .unwrap();
    run_binary(site.path(), &["build"]);
    let public = site.path().join("public");
    (site, public)
}

#[test]
fn every_api_file_validates_against_the_openapi_description() {
    let (_site, public) = built_site();
    let openapi = json(&public.join("api/v1/openapi.json"));
    assert_eq!(openapi["openapi"], "3.1.0");
    let mut validators: BTreeMap<&str, jsonschema::Validator> = BTreeMap::new();
    let mut checked = 0;
    for (rel, path) in files_below(&public.join("api/v1")) {
        let rel = format!("api/v1/{rel}");
        if rel == "api/v1/openapi.json" {
            continue;
        }
        let schema = vindplaats::publish::openapi::schema_for(&rel)
            .unwrap_or_else(|| panic!("{rel}: no path of the OpenAPI description answers with it"));
        let validator = validators
            .entry(schema)
            .or_insert_with(|| validator(&openapi, schema));
        let value = json(&path);
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{rel} against {schema}: {errors:#?}");
        checked += 1;
    }
    assert!(checked > 50, "only {checked} API files");

    // The validator is real: a wrong document fails.
    let item = validator(&openapi, "Item");
    assert!(!item.is_valid(&serde_json::json!({"id": "x", "kind": "publication"})));
    let mut doc = json(&public.join("api/v1/items/publicaties-de-stilte-voorbij.json"));
    assert!(item.is_valid(&doc));
    doc["unexpected"] = Value::Bool(true);
    assert!(!item.is_valid(&doc), "unknown fields are refused");
}

#[test]
fn lists_page_link_and_count_the_published_collection() {
    let (site, public) = built_site();
    let published = fs::read_dir(site.path().join("content/publicaties"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "_index.md")
        .filter(|p| {
            let text = fs::read_to_string(p).unwrap();
            !text.contains("draft = true")
        })
        .count();
    let first = json(&public.join("api/v1/publications/page/1.json"));
    assert_eq!(first["meta"]["total"], published, "{:#}", first["meta"]);
    assert_eq!(first["meta"]["per_page"], 100);
    assert_eq!(first["links"]["first"], first["links"]["self"]);
    assert_eq!(first["links"]["prev"], Value::Null);
    let data = first["data"].as_array().unwrap();
    assert_eq!(data.len(), published.min(100));
    // Newest first, and each summary names its full document.
    let dates: Vec<&str> = data
        .iter()
        .filter_map(|d| d["date"]["value"].as_str())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    for summary in data {
        let id = summary["id"].as_str().unwrap();
        let doc = json(&public.join(format!("api/v1/items/{id}.json")));
        assert_eq!(doc["title"], summary["title"]);
        assert!(doc["url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.kis.nl/"));
        assert!(summary["api_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/items/{id}.json")));
    }

    // A month-only publication keeps its month: no made-up day.
    let month_only = walk_items(&public)
        .into_iter()
        .find(|d| d["date"]["precision"] == "month")
        .expect("the shipped content has a month-only item");
    let value = month_only["date"]["value"].as_str().unwrap();
    assert_eq!(value.len(), 7, "{value}");
    if let Some(updated) = month_only["updated"].as_str() {
        assert!(!updated.starts_with(&format!("{value}-01")) || updated.len() == 10);
    }

    // Every kind has its list, and the dossiers carry their ordered items.
    for list in [
        "episodes",
        "series",
        "dossiers",
        "questions",
        "kennisateliers",
        "portaalprojecten",
        "partners",
        "themes",
    ] {
        let page = json(&public.join(format!("api/v1/{list}/page/1.json")));
        assert!(
            page["meta"]["total"].as_u64().unwrap() > 0,
            "{list} is empty"
        );
    }
    let dossiers = json(&public.join("api/v1/dossiers/page/1.json"));
    let id = dossiers["data"][0]["id"].as_str().unwrap();
    let dossier = json(&public.join(format!("api/v1/items/{id}.json")));
    let groups = dossier["dossier"]["groups"].as_array().unwrap();
    assert!(!groups.is_empty() && !groups[0]["items"].as_array().unwrap().is_empty());
    let themes = json(&public.join("api/v1/themes/page/1.json"));
    let thema = themes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"].as_str().unwrap().starts_with("themas-"))
        .unwrap();
    let thema = json(&public.join(format!(
        "api/v1/items/{}.json",
        thema["id"].as_str().unwrap()
    )));
    assert!(
        !thema["theme"]["programmalijnen"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{thema:#}"
    );
}

fn walk_items(public: &Path) -> Vec<Value> {
    files_below(&public.join("api/v1/items"))
        .iter()
        .map(|(_, p)| json(p))
        .collect()
}

#[test]
fn filtered_lists_and_feeds_match_their_listing() {
    let (_site, public) = built_site();
    let index = json(&public.join("api/v1/index.json"));
    let filters = index["filters"].as_array().unwrap();
    for facet in ["thema/", "programmalijn/", "partner/", "type/", "jaar/"] {
        assert!(
            filters
                .iter()
                .any(|f| f["name"].as_str().unwrap().starts_with(facet)),
            "no {facet} lists"
        );
    }
    let mut feeds = 0;
    for filter in filters {
        let name = filter["name"].as_str().unwrap();
        let list = json(&public.join(format!("api/v1/publications/{name}/page/1.json")));
        let urls: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["url"].as_str().unwrap())
            .collect();
        if name.starts_with("jaar/") {
            continue;
        }
        for file in ["atom.xml", "rss.xml", "feed.json"] {
            let path = public.join(format!("feeds/{name}/{file}"));
            let feed = feed_rs::parser::parse(fs::read(&path).unwrap().as_slice())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let links: Vec<&str> = feed
                .entries
                .iter()
                .map(|e| e.links.first().map(|l| l.href.as_str()).unwrap_or_default())
                .collect();
            assert_eq!(links, &urls[..links.len()], "{}", path.display());
            assert_eq!(links.len(), urls.len().min(50), "{}", path.display());
            assert!(links.iter().all(|l| l.starts_with("https://")));
            feeds += 1;
        }
    }
    // All publications, and each dossier.
    for file in ["atom.xml", "rss.xml", "feed.json"] {
        let all = feed_rs::parser::parse(
            fs::read(public.join(format!("feeds/publicaties/{file}")))
                .unwrap()
                .as_slice(),
        )
        .unwrap();
        assert!(!all.entries.is_empty());
        assert!(all.title.unwrap().content.contains("publicaties"));
    }
    let dossier_feeds = files_below(&public.join("feeds/dossier"));
    assert!(!dossier_feeds.is_empty());
    assert!(feeds > 30, "{feeds} feeds");
}

#[test]
fn drafts_and_rejected_items_never_leak_into_published_files() {
    let (_site, public) = built_site();
    for (rel, path) in files_below(&public) {
        let bytes = fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for marker in ["ZXQVDRAFTMARKER", "ZXQVREJECTMARKER"] {
            assert!(!text.contains(marker), "{rel} holds {marker}");
        }
    }
}

/// What publish writes into an output folder: everything below `api/` and
/// `feeds/`, the citation files and the podcast feeds.
fn published_files(public: &Path) -> BTreeMap<String, Vec<u8>> {
    files_below(public)
        .into_iter()
        .filter(|(rel, _)| {
            rel.starts_with("api/")
                || rel.starts_with("feeds/")
                || rel
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.starts_with("citatie."))
                || (rel.starts_with("podcasts/") && rel.ends_with("/feed.xml"))
        })
        .map(|(rel, path)| (rel, fs::read(path).unwrap()))
        .collect()
}

/// Production: `zola build` (when ZOLA_BIN names one), then `vindplaats
/// publish` into its `public/`, gives the same API and feeds, byte for
/// byte, as `vindplaats build`.
#[test]
fn publish_after_another_build_writes_the_same_api_and_feeds() {
    let site = shipped_site_copy();
    let ours = site.path().join("ours");
    let theirs = site.path().join("theirs");
    run_binary(site.path(), &["build", "--output", ours.to_str().unwrap()]);
    match std::env::var("ZOLA_BIN") {
        Ok(zola) => {
            let status = std::process::Command::new(zola)
                .current_dir(site.path())
                .args(["build", "--output-dir", theirs.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "zola build failed");
        }
        Err(_) => {
            eprintln!("NOT RUN with Zola: ZOLA_BIN is not set, so `publish` adds to a folder without API files instead of zola's public/.");
            fs::create_dir_all(&theirs).unwrap();
            fs::write(theirs.join("index.html"), "<!doctype html>").unwrap();
        }
    }
    assert!(!theirs.join("api").exists());
    assert!(published_files(&ours)
        .keys()
        .any(|k| k.ends_with("citatie.ris")));
    assert!(published_files(&ours).contains_key("podcasts/denkers-en-doeners/feed.xml"));
    let out = run_binary(
        site.path(),
        &["publish", "--output", theirs.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Published the API"));
    let a = published_files(&ours);
    let b = published_files(&theirs);
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (path, bytes) in &a {
        assert!(b.get(path) == Some(bytes), "{path} differs");
    }
    // Publishing again changes nothing.
    let before = fs::metadata(theirs.join("api/v1/index.json"))
        .unwrap()
        .modified()
        .unwrap();
    run_binary(
        site.path(),
        &["publish", "--output", theirs.to_str().unwrap()],
    );
    let after = fs::metadata(theirs.join("api/v1/index.json"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "an unchanged file is not rewritten");
    // And without a built site, publish says what to do.
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site.path())
        .args([
            "publish",
            "--output",
            site.path().join("nergens").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("zola build"));
}

fn json_ld(html: &str) -> Vec<Value> {
    html.split("<script type=\"application/ld+json\">")
        .skip(1)
        .filter_map(|rest| rest.split("</script>").next())
        .map(|j| serde_json::from_str(j).unwrap_or_else(|e| panic!("{e}: {j}")))
        .collect()
}

/// Every published publication has BibTeX, RIS and CSL-JSON beside its
/// page, Highwire tags and schema.org JSON-LD of its kind, and names the
/// platform as it was called on its date.
#[test]
fn citations_and_metadata_on_every_publication_page() {
    let (site, public) = built_site();
    let mut pages = 0;
    for entry in fs::read_dir(site.path().join("content/publicaties")).unwrap() {
        let path = entry.unwrap().path();
        let slug = path.file_stem().unwrap().to_string_lossy().to_string();
        if slug == "_index" {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let folder = public.join("publicaties").join(&slug);
        if text.contains("draft = true") {
            assert!(
                !folder.join("citatie.bib").exists(),
                "{slug}: a draft's citation"
            );
            continue;
        }
        pages += 1;
        let html = fs::read_to_string(folder.join("index.html")).unwrap();
        for file in ["citatie.bib", "citatie.ris", "citatie.json"] {
            assert!(folder.join(file).is_file(), "{slug}/{file}");
            assert!(
                html.contains(&format!("/publicaties/{slug}/{file}\"")),
                "{slug} links {file}"
            );
        }
        assert!(html.contains("<meta name=\"citation_title\""), "{slug}");
        assert!(html.contains("<meta property=\"og:title\""), "{slug}");
        let ld = json_ld(&html);
        let kind = ld[0]["@type"].as_str().unwrap();
        let scholarly = text.contains("scholarly = true");
        let report = [
            "rapport",
            "monitor",
            "synthesestudie",
            "factsheet",
            "verslag",
        ]
        .iter()
        .any(|t| text.contains(&format!("type = [\"{t}\"")));
        let expected = if scholarly {
            "ScholarlyArticle"
        } else if report {
            "Report"
        } else {
            "CreativeWork"
        };
        assert_eq!(kind, expected, "{slug}");
        let csl: Value = json(&folder.join("citatie.json"));
        let bib = fs::read_to_string(folder.join("citatie.bib")).unwrap();
        let ris = fs::read_to_string(folder.join("citatie.ris")).unwrap();
        assert!(
            ris.starts_with("TY  - ") && ris.ends_with("ER  - \r\n"),
            "{slug}"
        );
        assert!(bib.starts_with('@') && bib.ends_with("}\n"), "{slug}");
        // The platform's name on the date: before 2022 the old one.
        let year = csl[0]["issued"]["date-parts"][0][0].as_i64().unwrap();
        let publisher = ld[0]["publisher"]["name"].as_str().unwrap();
        assert_eq!(csl[0]["publisher"].as_str().unwrap(), publisher, "{slug}");
        if publisher.starts_with("Kennisplatform") {
            let expected = if year < 2022 {
                "Kennisplatform Integratie & Samenleving"
            } else {
                "Kennisplatform Inclusief Samenleven"
            };
            assert_eq!(publisher, expected, "{slug} ({year})");
            assert!(html.contains(&format!(
                "<meta name=\"citation_publisher\" content=\"{}\">",
                expected.replace('&', "&amp;")
            )));
        }
    }
    assert!(pages > 10, "{pages}");
    let series = fs::read_to_string(public.join("podcasts/denkers-en-doeners/index.html")).unwrap();
    assert_eq!(json_ld(&series)[0]["@type"], "PodcastSeries");
    assert!(series.contains("feed.xml\">Abonneer op de podcast"));
    let episode = fs::read_to_string(public.join(
        "podcasts/denkers-en-doeners/jaco-dagevos-over-de-nieuwe-wet-inburgering/index.html",
    ))
    .unwrap();
    let ld = json_ld(&episode);
    assert_eq!(ld[0]["@type"], "PodcastEpisode");
    assert_eq!(
        ld[0]["datePublished"], "2020",
        "a year-only date stays a year"
    );
    assert_eq!(ld[0]["partOfSeries"]["@type"], "PodcastSeries");
}
