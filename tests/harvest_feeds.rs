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

/// Breakage real partner feeds carry, which must still give items.
#[test]
fn feeds_with_common_defects_still_give_their_items() {
    let parse = |text: &str| {
        parse_feed(text.as_bytes(), None, "https://partner.example/feed.xml")
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
            .items("p/f")
    };
    let rss = |items: &str| {
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>P</title><link>https://partner.example/</link>{items}</channel></rss>")
    };
    // HTML entities XML does not define, and a bare ampersand.
    let items = parse(&rss(
        "<item><title>Werk &amp; inkomen&nbsp;in&eacute;</title><link>https://p.nl/1</link><description>Caf&eacute; &amp; meer &hellip;</description></item>\
         <item><title>Wonen & zorg</title><link>https://p.nl/2</link></item>",
    ));
    assert_eq!(items.len(), 2, "{items:#?}");
    assert!(
        items[0].title.starts_with("Werk & inkomen"),
        "{:?}",
        items[0].title
    );
    assert_eq!(items[1].title, "Wonen & zorg");
    // Blank lines before the prolog.
    let items = parse(&format!(
        "\n\n  {}",
        rss("<item><title>A</title><link>https://p.nl/a</link></item>")
    ));
    assert_eq!(items.len(), 1);
    // Only a description: kept, titled from the text.
    let items = parse(&rss(
        "<item><description>Een verslag van de bijeenkomst over wonen.</description></item>",
    ));
    assert_eq!(items.len(), 1);
    assert!(
        items[0].title_made_up && items[0].title.starts_with("Een verslag"),
        "{:?}",
        items[0]
    );
    // A date in Dutch is no date, but the item stays.
    let items = parse(&rss("<item><title>B</title><link>https://p.nl/b</link><pubDate>ma, 1 juni 2020</pubDate></item>"));
    assert_eq!(items.len(), 1);
    // Atom: an entry with id and link but no title.
    let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title><id>urn:a</id><updated>2020-01-01T00:00:00Z</updated>\
                <entry><id>urn:a:1</id><link href=\"/rapporten/sociale-cohesie\"/><updated>2020-01-01T00:00:00Z</updated></entry></feed>";
    let items = parse(atom);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].title, "Sociale cohesie");
    assert_eq!(
        items[0].link.as_deref(),
        Some("https://partner.example/rapporten/sociale-cohesie")
    );
    // JSON Feed: an item with only text.
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","content_text":"Alleen tekst over inburgering."},
        {"id":"2","title":"<feed> & meer","url":"https://p.nl/x?a=1&b=2"}]}"#;
    let items = parse(json);
    assert_eq!(items.len(), 2);
    assert!(items[0].title_made_up);
    // XML repairs leave a JSON Feed alone.
    assert_eq!(items[1].link.as_deref(), Some("https://p.nl/x?a=1&b=2"));
    // (Titles are read as HTML in every format, as feed readers do.)
    assert_eq!(items[1].title, "& meer");
}
