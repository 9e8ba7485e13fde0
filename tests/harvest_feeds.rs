//! Every feed fixture in ../shared/fixtures (real, ugly feeds) parses into
//! items with titles, absolute links, decoded text and sanitised HTML.
//! Says plainly that it did not run when the fixtures are absent.

use std::path::PathBuf;

use vindplaats::harvest::{parse_feed, HarvestedItem, ParsedFeed};

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if dir.is_dir() {
        Some(dir)
    } else {
        {
            // Written past the test harness's capture, so a CI log shows it.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "NOT RUN: ../shared/fixtures is absent, so the real-world feed fixtures were not parsed.");
        }
        None
    }
}

fn parse_document(dir: &std::path::Path, name: &str) -> ParsedFeed {
    let bytes = std::fs::read(dir.join(name)).unwrap();
    let url = format!("https://partner.example/{name}");
    parse_feed(&bytes, None, &url).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(dir: &std::path::Path, name: &str) -> Vec<HarvestedItem> {
    parse_document(dir, name).items("test/feed")
}

#[test]
fn every_feed_fixture_parses_into_clean_items() {
    let Some(dir) = fixtures() else { return };
    let mut seen = 0;
    for folder in ["feeds", "encoding"] {
        for entry in std::fs::read_dir(dir.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            if !(name.ends_with(".xml") || name.ends_with(".json")) {
                continue;
            }
            let feed = parse_document(&dir, &name);
            let feed_title = feed.title.clone();
            let items = feed.items("test/feed");
            // The encoding documents test decoding; some have no items.
            assert!(
                !items.is_empty() || folder == "encoding",
                "{name}: no items"
            );
            let title = feed_title.unwrap_or_default();
            assert!(
                !title.contains('\u{fffd}'),
                "{name}: undecoded feed title {title:?}"
            );
            for item in &items {
                assert!(!item.upstream_id.is_empty(), "{name}: an item without id");
                assert!(
                    !item.title.contains('\u{fffd}'),
                    "{name}: undecoded text in {:?}",
                    item.title
                );
                if let Some(link) = &item.link {
                    assert!(link.starts_with("http"), "{name}: relative link {link}");
                }
                if let Some(html) = &item.abstract_html {
                    assert!(
                        !html.to_lowercase().contains("<script"),
                        "{name}: unsanitised HTML"
                    );
                }
            }
            seen += 1;
        }
    }
    assert!(seen >= 20, "only {seen} fixtures found");
}

#[test]
fn lying_charsets_are_decoded() {
    let Some(dir) = fixtures() else { return };
    let feed_title = |name: &str| parse_document(&dir, name).title.unwrap_or_default();
    assert_eq!(
        parse(&dir, "encoding/utf8-incorrect-prolog.xml")[0].title,
        "Café"
    );
    assert_eq!(parse(&dir, "encoding/invalid-prolog.xml")[0].title, "Café");
    assert_eq!(feed_title("encoding/iso-8859-1.xml"), "Café");
    assert_eq!(feed_title("encoding/windows-1252.xml"), "Euro €");
    assert_eq!(
        feed_title("encoding/windows-1252-incorrect-prolog.xml"),
        "Euro €"
    );
    assert_eq!(feed_title("encoding/koi8r.xml"), "Пример RSS ленты");
    let cyrillic = parse(&dir, "feeds/miniflux_encoding_WINDOWS-1251.xml");
    assert!(
        cyrillic.iter().any(|i| i
            .title
            .chars()
            .any(|c| ('\u{400}'..='\u{4ff}').contains(&c))),
        "{:?}",
        cyrillic[0].title
    );
}

#[test]
fn relative_links_resolve_against_xml_base_and_the_feed() {
    let Some(dir) = fixtures() else { return };
    for name in ["feeds/atom_xml_base.xml", "feeds/atom_relative.xml"] {
        for item in parse(&dir, name) {
            let link = item.link.expect("a link");
            assert!(
                link.starts_with("http://") || link.starts_with("https://"),
                "{name}: {link}"
            );
        }
    }
}

#[test]
fn podcast_enclosures_and_dublin_core_are_kept() {
    let Some(dir) = fixtures() else { return };
    let podcast = parse(&dir, "feeds/rss_2.0_anchorfm.xml");
    let audio = podcast
        .iter()
        .find_map(|i| i.enclosure.clone())
        .expect("an enclosure");
    assert!(
        audio
            .media_type
            .as_deref()
            .unwrap_or_default()
            .starts_with("audio/"),
        "{audio:?}"
    );
    let biorxiv = parse(&dir, "feeds/rss_1.0_biorxiv.xml");
    assert!(
        biorxiv.iter().any(|i| !i.authors.is_empty()),
        "dc:creator becomes authors"
    );
    assert!(
        biorxiv.iter().any(|i| i.date.is_some()),
        "dc:date becomes the date"
    );
    assert!(biorxiv.iter().any(|i| i.doi.is_some()), "a DOI is found");
}
