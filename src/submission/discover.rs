//! Feed discovery: a partner gives the address of a web page, the page
//! names its feeds with `<link rel="alternate" type="application/rss+xml">`
//! (or Atom, or JSON Feed). The HTML is parsed as a browser would
//! (html5ever, through scraper), within limits on how much is read and how
//! many links are kept.
//!
//! Not for fetching: the caller fetches the page and the feeds it names.

use scraper::{Html, Selector};
use url::Url;

/// HTML read of one page; feeds are linked in the head, near the start.
pub const MAX_HTML_BYTES: usize = 1024 * 1024;
/// Feed links kept of one page.
pub const MAX_LINKS: usize = 10;
/// An `href` longer than this is not a feed's address.
const MAX_HREF: usize = super::form::limits::URL;

/// The media types of feeds, as `type` names them.
const FEED_TYPES: [&str; 5] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    // Older pages.
    "application/rdf+xml",
];

/// Whether a fetched document is HTML: by its media type, else by how it
/// starts.
pub fn is_html(content_type: Option<&str>, bytes: &[u8]) -> bool {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    if let Some(media) = media.as_deref() {
        if media == "text/html" || media == "application/xhtml+xml" {
            return true;
        }
    }
    let head = bytes.get(..bytes.len().min(512)).unwrap_or(bytes);
    let head = String::from_utf8_lossy(head)
        .trim_start()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The feeds `html` links, resolved against `page` (or the page's own
/// `<base href>`), http(s) only, without repeats, at most [`MAX_LINKS`],
/// in the page's order.
pub fn feed_links(html: &str, page: &Url) -> Vec<Url> {
    let html = crate::harvest::normalise::cut(html, MAX_HTML_BYTES);
    let document = Html::parse_document(html);
    let (Ok(links), Ok(bases)) = (Selector::parse("link[href]"), Selector::parse("base[href]"))
    else {
        return Vec::new();
    };
    let base = document
        .select(&bases)
        .next()
        .and_then(|b| b.value().attr("href"))
        .filter(|h| h.len() <= MAX_HREF)
        .and_then(|h| page.join(h.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| page.clone());
    let mut found: Vec<Url> = Vec::new();
    for link in document.select(&links) {
        let element = link.value();
        let alternate = element.attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        let feed_type = element.attr("type").is_some_and(|t| {
            let media = t.split(';').next().unwrap_or_default().trim();
            FEED_TYPES.iter().any(|f| f.eq_ignore_ascii_case(media))
        });
        let Some(href) = element.attr("href").map(str::trim) else {
            continue;
        };
        if !alternate || !feed_type || href.is_empty() || href.len() > MAX_HREF {
            continue;
        }
        let Ok(mut url) = base.join(href) else {
            continue;
        };
        url.set_fragment(None);
        if matches!(url.scheme(), "http" | "https") && !found.contains(&url) {
            found.push(url);
            if found.len() == MAX_LINKS {
                break;
            }
        }
    }
    found
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn page() -> Url {
        Url::parse("https://partner.example/nl/publicaties/").unwrap()
    }

    fn links(html: &str) -> Vec<String> {
        feed_links(html, &page())
            .into_iter()
            .map(|u| u.to_string())
            .collect()
    }

    #[test]
    fn finds_rss_atom_and_json_feeds_resolved_against_the_page() {
        let html = r#"<!doctype html><html><head>
            <link rel="stylesheet" href="/x.css">
            <link rel="alternate" type="application/rss+xml" href="feed.xml" title="RSS">
            <link rel="Alternate" type="Application/Atom+XML; charset=utf-8" href="/atom.xml">
            <link rel="alternate nofollow" type="application/feed+json" href="//cdn.example/f.json#x">
            <link rel="alternate" type="text/html" hreflang="en" href="/en/">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href="feed.xml">
            </head><body></body></html>"#;
        assert_eq!(
            links(html),
            [
                "https://partner.example/nl/publicaties/feed.xml",
                "https://partner.example/atom.xml",
                "https://cdn.example/f.json",
            ]
        );
    }

    #[test]
    fn honours_base_href_and_ignores_links_without_a_feed_type() {
        let html = r#"<html><head><base href="https://other.example/root/">
            <link rel="alternate" type="application/rss+xml" href="rss">
            <link rel="alternate" href="untyped.xml"></head></html>"#;
        assert_eq!(links(html), ["https://other.example/root/rss"]);
        assert!(links("<p>geen feed</p>").is_empty());
        assert!(links("").is_empty());
    }

    #[test]
    fn keeps_at_most_max_links() {
        let many: String = (0..50)
            .map(|n| format!(r#"<link rel="alternate" type="application/rss+xml" href="/f{n}">"#))
            .collect();
        assert_eq!(links(&many).len(), MAX_LINKS);
    }

    #[test]
    fn tells_html_from_feeds() {
        assert!(is_html(Some("text/html; charset=utf-8"), b"x"));
        assert!(is_html(None, b"  <!DOCTYPE html><html>"));
        assert!(!is_html(
            Some("application/rss+xml"),
            b"<?xml version='1.0'?><rss/>"
        ));
        assert!(!is_html(
            None,
            b"{\"version\":\"https://jsonfeed.org/version/1.1\"}"
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]

        /// Arbitrary markup: no panic, and whatever is found is an http(s)
        /// URL within the limits.
        #[test]
        fn arbitrary_html_gives_only_bounded_http_links(
            html in r#"(<link rel="alternate" type="application/rss\+xml" href="[^"]{0,40}">|<base href="[^"]{0,20}">|<[a-z]{1,6}[^>]{0,20}>|[^<]{0,20}){0,30}"#
        ) {
            let found = feed_links(&html, &page());
            prop_assert!(found.len() <= MAX_LINKS);
            for url in found {
                prop_assert!(matches!(url.scheme(), "http" | "https"));
                prop_assert!(url.fragment().is_none());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = feed_links(&text, &page());
            let _ = is_html(None, &bytes);
        }
    }
}
