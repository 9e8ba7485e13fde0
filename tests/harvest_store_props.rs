//! Property test over the store, through the pipeline as a run uses it:
//! for any pair of entries with the same id, each optional field present or
//! absent (and its value ordinary, empty, hostile or odd), the sequences
//! create → update, create → delete and create → same entry again never
//! panic and leave valid content; editor-owned fields survive; and the
//! same entry again changes no byte.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vindplaats::harvest::classify::Classification;
use vindplaats::harvest::pipeline::{Steps, Tally};
use vindplaats::harvest::store::Store;
use vindplaats::harvest::{Enclosure, Entry, Partner, Source, SourceKind};
use vindplaats::model::TaxonomyRules;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Integratie van statushouders".to_string()),
        Just("<p>Een <b>samenvatting</b> &amp; meer</p>".to_string()),
        Just("&lt;img src=x onerror=alert(1)&gt; [klik](javascript:alert(2))".to_string()),
        Just("\"quotes\" and 'apostrophes' \\ back\\slash \n new line".to_string()),
        Just("Financiële zelfredzaamheid — 😀 ١٢٣".to_string()),
        "\\PC{0,60}",
    ]
}

fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("2020-06-01T10:00:00Z".to_string()),
        Just("Mon, 01 Jun 2020 10:00:00 GMT".to_string()),
        Just("2010".to_string()),
        Just("2010-05".to_string()),
        Just("2010é".to_string()),
        Just("٢٠١٠-٠١-٠١".to_string()),
        "\\PC{0,12}",
    ]
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("https://partner.example/rapport?utm_source=x".to_string()),
        Just("/relatief/pad.pdf".to_string()),
        Just("javascript:alert(1)".to_string()),
        Just("https://doi.org/10.1234/ABC.5".to_string()),
        "\\PC{0,20}",
    ]
}

prop_compose! {
    fn entry()(
        title in proptest::option::of(text()),
        summary in proptest::option::of(text()),
        content in proptest::option::of(text()),
        authors in proptest::collection::vec(text(), 0..3),
        dates in proptest::collection::vec(date(), 0..2),
        links in proptest::collection::vec(url(), 0..2),
        pdfs in proptest::collection::vec(url(), 0..2),
        language in proptest::option::of(prop_oneof![Just("nl".to_string()), Just("</script>".to_string()), text()]),
        licence in proptest::option::of(text()),
        identifiers in proptest::collection::vec(url(), 0..2),
        image in proptest::option::of(url()),
        enclosure in proptest::option::of((url(), proptest::option::of(text()), proptest::option::of(any::<u64>()))),
        subjects in proptest::collection::vec(text(), 0..3),
    ) -> Entry {
        Entry {
            id: "item-1".into(),
            title,
            summary,
            content,
            authors,
            dates,
            links,
            pdfs,
            base: Some("https://partner.example/feed.xml".into()),
            language,
            licence,
            identifiers,
            image,
            enclosure: enclosure.map(|(url, media_type, length)| Enclosure { url, media_type, length }),
            subjects,
            deleted: false,
        }
    }
}

fn partner() -> (Partner, Source) {
    let source = Source {
        id: "feed".into(),
        kind: SourceKind::Feed,
        url: "https://partner.example/feed.xml".into(),
        metadata_prefix: None,
        set: None,
        default_themes: vec![],
        default_programmalijnen: vec![],
        default_type: Some("rapport".into()),
        include: vec![],
        exclude: vec![],
    };
    let partner = Partner {
        id: "p".into(),
        name: "Partner".into(),
        homepage: None,
        contact: None,
        sources: vec![source.clone()],
    };
    (partner, source)
}

/// One run over `entries`, as the harvester does it.
fn run(site: &Path, entries: Vec<Entry>, now: &str) -> Tally {
    let (partner, source) = partner();
    let mut store = Store::open(site).unwrap();
    let steps = Steps {
        partner: &partner,
        source: &source,
        taxonomy: &TaxonomyRules::default(),
        classification: &Classification::default(),
        now,
    };
    let mut tally = Tally::default();
    steps.run(&mut store, entries, &mut HashSet::new(), &mut tally);
    tally
}

fn drafts(site: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(site.join("content/publicaties"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.md")
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// The front matter as TOML: it must parse.
fn front(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap();
    let (front, _) = vindplaats::content::split_front_matter(&text).unwrap();
    front
        .parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// What an editor does to a draft: a title, summary, text, theme and status
/// of their own.
fn edit(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let (front, _) = vindplaats::content::split_front_matter(&text).unwrap();
    let mut doc: toml_edit::DocumentMut = front.parse().unwrap();
    doc["title"] = toml_edit::value("Titel van de redactie");
    doc["description"] = toml_edit::value("Samenvatting van de redactie");
    doc["draft"] = toml_edit::value(false);
    doc["taxonomies"]["thema"] = toml_edit::value(toml_edit::Array::from_iter(["Gelijke kansen"]));
    doc["extra"]["status"] = toml_edit::value("published");
    std::fs::write(path, format!("+++\n{doc}+++\n\nTekst van de redactie.\n")).unwrap();
}

fn check_editor_kept(path: &Path, withdrawn: bool) {
    let table = front(path);
    assert_eq!(table["title"].as_str(), Some("Titel van de redactie"));
    assert_eq!(
        table["description"].as_str(),
        Some("Samenvatting van de redactie")
    );
    assert_eq!(
        table["taxonomies"]["thema"][0].as_str(),
        Some("Gelijke kansen")
    );
    let status = table["extra"]["status"].as_str();
    assert_eq!(
        status,
        Some(if withdrawn { "withdrawn" } else { "published" })
    );
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.ends_with("\nTekst van de redactie.\n"), "{text}");
}

proptest! {
    // What it finds becomes a regular test (in the modules' own tests), not a
    // regressions file.
    #![proptest_config(ProptestConfig {
        cases: 160,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn create_then_update_keeps_the_editors_fields(a in entry(), b in entry()) {
        let site = tempfile::tempdir().unwrap();
        let first = run(site.path(), vec![a], "2026-01-01T00:00:00Z");
        prop_assert_eq!(first.new, 1, "{:?}", first);
        let path = drafts(site.path()).pop().unwrap();
        front(&path);
        edit(&path);
        let second = run(site.path(), vec![b], "2026-01-02T00:00:00Z");
        prop_assert!(second.errors.is_empty(), "{:?}", second.errors);
        prop_assert_eq!(drafts(site.path()).len(), 1);
        check_editor_kept(&path, false);
    }

    #[test]
    fn create_then_delete_withdraws_and_keeps_the_editors_fields(a in entry(), b in entry()) {
        let site = tempfile::tempdir().unwrap();
        run(site.path(), vec![a], "2026-01-01T00:00:00Z");
        let path = drafts(site.path()).pop().unwrap();
        edit(&path);
        let gone = Entry { deleted: true, ..b };
        let second = run(site.path(), vec![gone], "2026-01-02T00:00:00Z");
        prop_assert!(second.errors.is_empty(), "{:?}", second.errors);
        prop_assert_eq!(second.withdrawn, 1, "{:?}", second);
        check_editor_kept(&path, true);
        prop_assert_eq!(front(&path)["draft"].as_bool(), Some(true));
    }

    #[test]
    fn the_same_entry_again_changes_no_byte(a in entry(), edited in any::<bool>()) {
        let site = tempfile::tempdir().unwrap();
        run(site.path(), vec![a.clone()], "2026-01-01T00:00:00Z");
        let path = drafts(site.path()).pop().unwrap();
        if edited {
            edit(&path);
        }
        let before = std::fs::read(&path).unwrap();
        let again = run(site.path(), vec![a.clone(), a], "2026-01-02T00:00:00Z");
        prop_assert_eq!(again.unchanged, 1, "{:?}", again);
        prop_assert_eq!(std::fs::read(&path).unwrap(), before);
        prop_assert_eq!(drafts(site.path()).len(), 1);
    }
}

#[test]
fn an_untouched_draft_follows_upstream_a_published_item_is_flagged() {
    let with_title = |title: &str| Entry {
        id: "item-1".into(),
        title: Some(title.into()),
        summary: Some(format!("Over {title}.")),
        ..Default::default()
    };
    let site = tempfile::tempdir().unwrap();
    run(site.path(), vec![with_title("Eerste titel")], "t1");
    let path = drafts(site.path()).pop().unwrap();
    run(site.path(), vec![with_title("Tweede titel")], "t2");
    let table = front(&path);
    assert_eq!(table["title"].as_str(), Some("Tweede titel"));
    assert_eq!(table["description"].as_str(), Some("Over Tweede titel."));
    assert!(table["extra"].get("review").is_none());
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .ends_with("\nOver Tweede titel.\n"));

    // Published as it came: the page keeps its title, the editors are told.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("status = \"draft\"", "status = \"published\"");
    std::fs::write(&path, text).unwrap();
    run(site.path(), vec![with_title("Derde titel")], "t3");
    let table = front(&path);
    assert_eq!(table["title"].as_str(), Some("Tweede titel"));
    assert_eq!(table["extra"]["review"].as_bool(), Some(true));
    let notes = table["extra"]["review_notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("\"Derde titel\"")),
        "{notes:?}"
    );
    assert_eq!(
        table["extra"]["harvest"]["upstream_title"].as_str(),
        Some("Derde titel")
    );
}
