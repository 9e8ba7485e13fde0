//! What every harvested item goes through, solved once for all formats:
//! decoding bytes whose declared charset may lie, turning an adapter's
//! [`Entry`] into a [`HarvestedItem`] ([`entry`]): dates with their
//! precision, http(s) links resolved against the feed, partner HTML
//! sanitised, text made inert for Markdown, every string and list within
//! its limit, DOIs found; and the keys that deduplication compares.
//!
//! Pure functions, no IO.

pub use super::decode::{
    declare_utf8, declared_charset, decode, escape_bare_ampersands, nesting_exceeds,
    repair_feed_xml,
};
use sha2::{Digest, Sha256};

use super::date;
use super::item::{Enclosure, Entry, HarvestedItem};

/// Limits on what one item may carry; past them text is cut, lists are
/// shortened (never an error: the item is still worth keeping).
pub mod limits {
    /// Items read from one feed or OAI page.
    pub const ITEMS: usize = 10_000;
    pub const ID: usize = 2_000;
    pub const TITLE: usize = 1_000;
    /// HTML of an abstract or content, in bytes, before sanitising.
    pub const HTML: usize = 256 * 1024;
    pub const URL: usize = 4_096;
    pub const AUTHORS: usize = 100;
    pub const AUTHOR: usize = 300;
    pub const SUBJECTS: usize = 200;
    pub const SUBJECT: usize = 200;
    pub const LICENCE: usize = 2_000;
}
const MAX_ITEMS: usize = limits::ITEMS;

/// Why an entry did not become an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    /// Neither an id, a link, a title nor any text to know it by.
    NoIdentity,
    /// The same id appeared earlier in the same feed or OAI list.
    DuplicateInList,
    /// The source's include/exclude keywords left it out.
    Filtered,
    /// Deleted upstream before it was ever harvested.
    DeletedUnknown,
}

impl Skip {
    /// The reason as the report names it.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::NoIdentity => "no id, link, title or text",
            Skip::DuplicateInList => "id repeated in the same list",
            Skip::Filtered => "left out by the source's include/exclude keywords",
            Skip::DeletedUnknown => "deleted upstream before it was harvested",
        }
    }
}

/// The title a reader sees when upstream gave nothing to make one of.
pub const UNTITLED: &str = "Publicatie zonder titel";

/// An adapter's entry as the item the rest of the pipeline works with.
pub fn entry(entry: Entry, source: &str) -> Result<HarvestedItem, Skip> {
    let base = entry.base.as_deref();
    let link = entry
        .links
        .iter()
        .find_map(|l| web_url(l, base))
        .map(|l| canonical_url(&l));
    let pdf = entry.pdfs.iter().find_map(|l| web_url(l, base));
    let html = entry
        .summary
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or(entry.content.as_deref().filter(|s| !s.trim().is_empty()))
        .map(|s| sanitise_html(cut(s, limits::HTML), base))
        .filter(|s| !s.trim().is_empty());
    let title = entry
        .title
        .as_deref()
        .map(|t| plain_text(cut(t, limits::HTML)))
        .map(|t| cut_chars(&t, limits::TITLE))
        .unwrap_or_default();
    let text = html.as_deref().map(plain_text).unwrap_or_default();
    let date = entry.dates.iter().find_map(|d| date::parse(d));

    let id = cut(entry.id.trim(), limits::ID).to_string();
    let upstream_id = if !id.is_empty() {
        id
    } else if let Some(link) = &link {
        link.clone()
    } else if !title.is_empty() || !text.is_empty() {
        // Nothing stable to know it by but what it says.
        let digest = Sha256::digest(format!("{title}\n{text}").as_bytes());
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        format!("urn:vindplaats:tekst:{hex}")
    } else if entry.deleted {
        return Err(Skip::DeletedUnknown);
    } else {
        return Err(Skip::NoIdentity);
    };

    let (title, title_made_up) = if title.is_empty() && !entry.deleted {
        (fallback_title(link.as_deref(), &text), true)
    } else {
        (title, false)
    };

    let doi = entry
        .identifiers
        .iter()
        .map(String::as_str)
        .chain([upstream_id.as_str()])
        .chain(link.as_deref())
        .chain(html.as_deref())
        .find_map(find_doi);
    let enclosure = entry.enclosure.and_then(|e| {
        Some(Enclosure {
            url: web_url(&e.url, base)?,
            media_type: e.media_type.and_then(|m| media_type(&m)),
            // TOML integers are signed 64-bit; no file is that large.
            length: e.length.filter(|l| i64::try_from(*l).is_ok()),
        })
    });
    let mut authors: Vec<String> = Vec::new();
    for author in &entry.authors {
        let author = cut_chars(&plain_text(cut(author, limits::HTML)), limits::AUTHOR);
        if !author.is_empty() && !authors.contains(&author) && authors.len() < limits::AUTHORS {
            authors.push(author);
        }
    }
    let mut subjects: Vec<String> = Vec::new();
    for subject in &entry.subjects {
        let subject = cut_chars(&plain_text(cut(subject, limits::HTML)), limits::SUBJECT);
        if !subject.is_empty() && !subjects.contains(&subject) && subjects.len() < limits::SUBJECTS
        {
            subjects.push(subject);
        }
    }
    Ok(HarvestedItem {
        source: source.to_string(),
        upstream_id,
        title,
        title_made_up,
        abstract_html: html,
        authors,
        date,
        link,
        pdf,
        language: entry.language.as_deref().and_then(language_tag),
        licence: entry
            .licence
            .as_deref()
            .map(|l| cut_chars(&plain_text(cut(l, limits::HTML)), limits::LICENCE))
            .filter(|l| !l.is_empty()),
        doi,
        image: entry.image.as_deref().and_then(|i| web_url(i, base)),
        enclosure,
        subjects,
        deleted: entry.deleted,
    })
}

/// A title for an item upstream gave none: the words of the link's last
/// path segment, else the first words of its text.
pub fn fallback_title(link: Option<&str>, text: &str) -> String {
    const WORDS: usize = 12;
    let from_link = link
        .and_then(|l| url::Url::parse(l).ok())
        .and_then(|u| {
            let segment = u
                .path_segments()?
                .rev()
                .find(|s| !s.is_empty())?
                .to_string();
            Some(segment)
        })
        .map(|segment| {
            let decoded = percent_decode(&segment);
            let stem = match decoded.rsplit_once('.') {
                Some((stem, ext)) if ext.len() <= 5 && !stem.is_empty() => stem.to_string(),
                _ => decoded,
            };
            stem.replace(['-', '_', '+'], " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 3);
    if let Some(title) = from_link {
        return capitalise(&cut_chars(&title, 200));
    }
    let words: Vec<&str> = text.split_whitespace().take(WORDS + 1).collect();
    if words.is_empty() {
        return UNTITLED.to_string();
    }
    let mut title = words
        .iter()
        .take(WORDS)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    title = cut_chars(&title, 200);
    if words.len() > WORDS {
        title.push('…');
    }
    title
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_string())
}

/// An absolute http or https URL from `raw`, resolved against `base`;
/// `None` for any other scheme (`javascript:`, `data:`, `vbscript:`,
/// `file:`) and for what does not parse.
pub fn web_url(raw: &str, base: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > limits::URL {
        return None;
    }
    let url = match url::Url::parse(raw) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            url::Url::parse(base?).ok()?.join(raw).ok()?
        }
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https")
        .then(|| url.to_string())
        .filter(|u| u.len() <= limits::URL)
}

/// A BCP 47 language tag (`nl`, `en-GB`), or `None` for anything else.
pub fn language_tag(raw: &str) -> Option<String> {
    let tag = raw.trim();
    let ok = !tag.is_empty()
        && tag.len() <= 35
        && tag.split(['-', '_']).enumerate().all(|(n, part)| {
            (1..=8).contains(&part.len())
                && if n == 0 {
                    part.bytes().all(|b| b.is_ascii_alphabetic())
                } else {
                    part.bytes().all(|b| b.is_ascii_alphanumeric())
                }
        });
    ok.then(|| tag.replace('_', "-"))
}

/// A MIME type (`audio/mpeg`), or `None`.
fn media_type(raw: &str) -> Option<String> {
    let essence = raw.split(';').next().unwrap_or_default().trim();
    let (kind, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    (token(kind) && token(sub)).then(|| essence.to_ascii_lowercase())
}

/// `text` cut to at most `max` bytes, at a character boundary.
pub fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    text.chars().take(max).collect()
}

/// Plain text written so that Markdown renders it as that text and
/// nothing else: every character that could start markup (HTML, entities,
/// links, emphasis, code, heading attributes) is escaped.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (n, c) in text.chars().enumerate() {
        let at_start = n == 0;
        let special = matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '&'
                | '!'
                | '#'
                | '{'
                | '}'
                | '|'
                | '~'
                | '$'
                | '^'
        ) || (at_start && matches!(c, '-' | '+' | '=' | ':'));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    // "1. " or "1) " at the start would open a list.
    if let Some(rest) = out.strip_prefix(|c: char| c.is_ascii_digit()) {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let marker = rest.get(digits..).and_then(|r| r.chars().next());
        if matches!(marker, Some('.' | ')')) {
            let split = 1 + digits;
            let (head, tail) = out.split_at(split);
            return format!("{head}\\{tail}");
        }
    }
    out
}

/// Partner HTML made safe for a page: ammonia's default allow-list, links
/// marked `nofollow noopener`, relative URLs resolved against `base`.
pub fn sanitise_html(html: &str, base: Option<&str>) -> String {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("nofollow noopener noreferrer"));
    if let Some(base) = base.and_then(|b| url::Url::parse(b).ok()) {
        builder.url_relative(ammonia::UrlRelative::RewriteWithBase(base));
    }
    builder.clean(html).to_string()
}

/// `dc:identifier` of each `<item>`, in document order. feed-rs keeps Dublin
/// Core's creator and date but not the identifier, where DOIs often are.
pub fn dublin_core_identifiers(xml: &str) -> Vec<Option<String>> {
    // `<item>` or `<item rdf:about=...>`, not RSS 1.0's `<items>`.
    let mut items = xml
        .split("<item")
        .skip(1)
        .filter(|rest| rest.starts_with(|c: char| c == '>' || c.is_whitespace()));
    let mut found = Vec::new();
    for item in items.by_ref().take(MAX_ITEMS) {
        let value = item
            .split_once("<dc:identifier")
            .and_then(|(_, rest)| rest.split_once('>'))
            .and_then(|(_, rest)| rest.split_once("</dc:identifier>"))
            .map(|(value, _)| {
                value
                    .trim()
                    .trim_start_matches("<![CDATA[")
                    .trim_end_matches("]]>")
                    .trim()
            })
            .filter(|v| !v.is_empty())
            .map(String::from);
        found.push(value);
    }
    found
}

/// Plain text from HTML: tags dropped, entities decoded, whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    let cleaned = ammonia::Builder::empty().clean(html).to_string();
    let decoded = cleaned
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Query parameters that only track the reader.
const TRACKING: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "igshid",
    "yclid",
    "ref_src",
    "wt.mc_id",
    "at_medium",
    "at_campaign",
];

/// A URL without fragment and tracking parameters, host lower-cased: the
/// form deduplication compares. Returns the input when it is not a URL.
pub fn canonical_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw.trim()) else {
        return raw.trim().to_string();
    };
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && !TRACKING.contains(&k.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.to_string()
}

/// The first DOI in `text` (`10.xxxx/...`), lower-cased, as deduplication
/// compares it. Linear in the text: each `10.` is looked at within a
/// bounded window.
pub fn find_doi(text: &str) -> Option<String> {
    /// A registrant code (`1234.5`) is short.
    const MAX_PREFIX: usize = 32;
    /// The DOI handbook sets no limit; real suffixes stay far below this.
    const MAX_SUFFIX: usize = 300;
    for (start, _) in text.match_indices("10.") {
        let before = text.get(..start).and_then(|b| b.chars().next_back());
        if before.is_some_and(|c| c.is_alphanumeric()) {
            continue;
        }
        let Some(candidate) = text.get(start..) else {
            continue;
        };
        let Some(rest) = candidate.get(3..) else {
            continue;
        };
        let prefix_len = rest
            .bytes()
            .take(MAX_PREFIX + 1)
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if !(4..=MAX_PREFIX).contains(&prefix_len) || rest.as_bytes().get(prefix_len) != Some(&b'/')
        {
            continue;
        }
        let Some(suffix) = rest.get(prefix_len + 1..) else {
            continue;
        };
        let suffix: String = suffix
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '<' | '>' | '&'))
            .take(MAX_SUFFIX)
            .collect();
        let suffix = suffix.trim_end_matches(['.', ',', ';', ')']);
        if suffix.is_empty() {
            continue;
        }
        let prefix = rest.get(..prefix_len).unwrap_or_default();
        return Some(format!("10.{prefix}/{suffix}").to_lowercase());
    }
    None
}

/// A title as deduplication compares it: accents folded, lower case,
/// punctuation and extra spaces gone.
pub fn title_key(title: &str) -> String {
    slug::slugify(title)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn decodes_lying_and_missing_charsets() {
        // Latin-1 bytes declared as such.
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Caf\xe9</t>";
        assert!(decode(latin, None).contains("Caf\u{e9}"));
        // UTF-8 bytes with a prolog claiming Latin-1: UTF-8 wins.
        let lying = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Caf\u{e9}</t>".as_bytes();
        assert!(decode(lying, None).contains("Caf\u{e9}"));
        // Windows-1252 bytes claiming UTF-8: the euro sign survives.
        let cp1252 = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><t>Euro \x80</t>";
        assert!(decode(cp1252, None).contains("Euro \u{20ac}"));
        // The HTTP header's charset comes first.
        let koi = b"<t>\xf0\xd2\xc9\xd7\xc5\xd4</t>";
        assert!(decode(koi, Some("text/xml; charset=KOI8-R"))
            .contains("\u{41f}\u{440}\u{438}\u{432}\u{435}\u{442}"));
    }

    #[test]
    fn rewrites_the_prolog_to_utf8() {
        assert_eq!(
            declare_utf8("<?xml version=\"1.0\" encoding=\"KOI8-R\"?><rss/>"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss/>"
        );
        assert_eq!(declare_utf8("<rss/>"), "<rss/>");
    }

    #[test]
    fn sanitising_removes_scripts_and_handlers() {
        let clean = sanitise_html(
            "<p onclick=\"x()\">Hoi <script>alert(1)</script><a href=\"https://a.nl\">link</a></p>",
            None,
        );
        assert!(
            !clean.contains("script") && !clean.contains("onclick"),
            "{clean}"
        );
        assert!(
            clean.contains("rel=\"nofollow noopener noreferrer\""),
            "{clean}"
        );
        assert_eq!(
            plain_text("<p>Een &amp; <b>twee</b></p>\n<p>drie</p>"),
            "Een & twee drie"
        );
    }

    #[test]
    fn relative_urls_in_html_resolve_against_the_base() {
        let clean = sanitise_html(
            "<img src=\"foto.jpeg\" alt=\"\">",
            Some("https://numi.st/post/uke/"),
        );
        assert!(
            clean.contains("src=\"https://numi.st/post/uke/foto.jpeg\""),
            "{clean}"
        );
    }

    #[test]
    fn repairs_feeds_feed_rs_would_read_as_empty() {
        assert!(repair_feed_xml("<feed>\n<entry/></feed>")
            .starts_with("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(
            repair_feed_xml("<rdf:RDF xmlns=\"http://my.netscape.com/rdf/simple/0.9/\">")
                .contains("purl.org/rss/1.0/")
        );
        assert_eq!(
            repair_feed_xml("<feed xmlns=\"x\"/>"),
            "<feed xmlns=\"x\"/>"
        );
        let ids = dublin_core_identifiers("<items/><item><dc:identifier>doi:10.1/x</dc:identifier></item><item rdf:about=\"y\"></item>");
        assert_eq!(ids, [Some("doi:10.1/x".to_string()), None]);
    }

    #[test]
    fn canonical_urls_lose_tracking_and_fragments() {
        assert_eq!(
            canonical_url(
                "https://Example.org/rapport?id=7&utm_source=nieuwsbrief&fbclid=abc#samenvatting"
            ),
            "https://example.org/rapport?id=7"
        );
        assert_eq!(
            canonical_url("https://example.org/a?utm_medium=x"),
            "https://example.org/a"
        );
        assert_eq!(canonical_url("geen url"), "geen url");
    }

    fn entry_with(f: impl FnOnce(&mut Entry)) -> Entry {
        let mut e = Entry {
            id: "id-1".into(),
            title: Some("Titel".into()),
            base: Some("https://partner.example/feed/".into()),
            ..Default::default()
        };
        f(&mut e);
        e
    }

    #[test]
    fn only_web_links_are_kept_resolved_against_the_feed() {
        let item = entry(
            entry_with(|e| {
                e.links = vec![
                    "javascript:alert(1)".into(),
                    " JAVASCRIPT:alert(1)".into(),
                    "data:text/html,x".into(),
                    "vbscript:x".into(),
                    "rapport.html?utm_source=x".into(),
                ];
                e.pdfs = vec!["file:///etc/passwd".into(), "/r.pdf".into()];
                e.image = Some("data:image/png;base64,AAAA".into());
                e.enclosure = Some(Enclosure {
                    url: "javascript:x".into(),
                    media_type: Some("audio/mpeg".into()),
                    length: Some(1),
                });
            }),
            "p/f",
        )
        .unwrap();
        assert_eq!(
            item.link.as_deref(),
            Some("https://partner.example/feed/rapport.html")
        );
        assert_eq!(item.pdf.as_deref(), Some("https://partner.example/r.pdf"));
        assert_eq!(item.image, None);
        assert_eq!(item.enclosure, None);
    }

    #[test]
    fn enclosures_keep_type_and_a_length_toml_can_hold() {
        let with = |length| {
            entry(
                entry_with(|e| {
                    e.enclosure = Some(Enclosure {
                        url: "a.mp3".into(),
                        media_type: Some("Audio/MPEG; charset=x".into()),
                        length: Some(length),
                    })
                }),
                "p/f",
            )
            .unwrap()
            .enclosure
            .unwrap()
        };
        let e = with(1234);
        assert_eq!(e.url, "https://partner.example/feed/a.mp3");
        assert_eq!(e.media_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(e.length, Some(1234));
        // Found by the store's property test: u64::MAX does not fit TOML.
        assert_eq!(with(u64::MAX).length, None);
        let odd = entry(
            entry_with(|e| {
                e.enclosure = Some(Enclosure {
                    url: "a.mp3".into(),
                    media_type: Some("audio/mpeg\" onload=\"x".into()),
                    length: None,
                })
            }),
            "p/f",
        )
        .unwrap();
        assert_eq!(odd.enclosure.unwrap().media_type, None);
    }

    #[test]
    fn untitled_entries_get_a_title_and_a_flag() {
        let from_link = entry(
            entry_with(|e| {
                e.title = None;
                e.links = vec!["https://x.nl/rapporten/wonen-en-werken_in%20utrecht.pdf".into()];
            }),
            "p/f",
        )
        .unwrap();
        assert_eq!(from_link.title, "Wonen en werken in utrecht");
        assert!(from_link.title_made_up);
        let from_text = entry(
            entry_with(|e| {
                e.title = Some("  ".into());
                e.links = vec!["https://x.nl/123".into()];
                e.summary = Some(format!("<p>{}</p>", "woord ".repeat(20)));
            }),
            "p/f",
        )
        .unwrap();
        assert!(
            from_text.title.starts_with("woord woord"),
            "{}",
            from_text.title
        );
        assert!(from_text.title.ends_with('…'));
        let nothing = entry(entry_with(|e| e.title = None), "p/f").unwrap();
        assert_eq!(nothing.title, UNTITLED);
        // No id, but a link: the link is the id. Nothing at all: skipped.
        let by_link = entry(
            entry_with(|e| {
                e.id = " ".into();
                e.links = vec!["https://x.nl/a".into()];
            }),
            "p/f",
        )
        .unwrap();
        assert_eq!(by_link.upstream_id, "https://x.nl/a");
        let empty = Entry::default();
        assert_eq!(entry(empty, "p/f"), Err(Skip::NoIdentity));
        // Text alone gives a stable id.
        let text = |t: &str| {
            entry(
                Entry {
                    summary: Some(t.into()),
                    ..Default::default()
                },
                "p/f",
            )
            .unwrap()
            .upstream_id
        };
        assert_eq!(text("a"), text("a"));
        assert_ne!(text("a"), text("b"));
    }

    #[test]
    fn languages_are_tags_or_nothing() {
        assert_eq!(language_tag("nl"), Some("nl".into()));
        assert_eq!(language_tag(" en_GB "), Some("en-GB".into()));
        assert_eq!(language_tag("</script><script>alert(1)"), None);
        assert_eq!(language_tag("nl\"}"), None);
        assert_eq!(language_tag(""), None);
        assert_eq!(language_tag(&"a".repeat(40)), None);
    }

    #[test]
    fn markdown_text_renders_as_the_same_text() {
        for text in [
            "<img src=x onerror=alert(1)>",
            "&lt;b&gt; &amp; &#60;",
            "[klik](javascript:alert(2)) ![x](y) <javascript:x>",
            "# kop {onclick=alert(1)}",
            "- lijst",
            "1. lijst",
            "12) lijst",
            "*nadruk* _ook_ `code` ~~door~~ | tabel |",
            "een \\ backslash",
        ] {
            let escaped = markdown_text(text);
            let mut html = String::new();
            let options = pulldown_cmark::Options::ENABLE_TABLES
                | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
                | pulldown_cmark::Options::ENABLE_HEADING_ATTRIBUTES
                | pulldown_cmark::Options::ENABLE_FOOTNOTES;
            pulldown_cmark::html::push_html(
                &mut html,
                pulldown_cmark::Parser::new_ext(&escaped, options),
            );
            let expected = format!(
                "<p>{}</p>\n",
                text.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('"', "&quot;")
            );
            assert_eq!(html, expected, "{text:?} as {escaped:?}");
        }
    }

    #[test]
    fn long_strings_and_lists_are_cut() {
        let item = entry(
            entry_with(|e| {
                e.title = Some("é".repeat(5_000));
                e.authors = (0..500).map(|n| format!("Auteur {n}")).collect();
                e.subjects = vec!["x".repeat(10_000)];
                e.id = "i".repeat(10_000);
            }),
            "p/f",
        )
        .unwrap();
        assert_eq!(item.title.chars().count(), limits::TITLE);
        assert_eq!(item.authors.len(), limits::AUTHORS);
        assert_eq!(item.subjects[0].chars().count(), limits::SUBJECT);
        assert_eq!(item.upstream_id.len(), limits::ID);
        assert_eq!(cut("aé", 2), "a");
    }

    #[test]
    fn doi_search_is_linear_on_long_text() {
        // Many "10." without a DOI: the old search was quadratic and
        // recursive (a stack overflow on long abstracts).
        let long = "10.1 en 10.22 ".repeat(200_000);
        assert_eq!(find_doi(&long), None);
        assert!(find_doi(&format!("{long} doi:10.1234/abc")).is_some());
    }

    #[test]
    fn bare_ampersands_are_escaped_and_references_kept() {
        assert_eq!(
            escape_bare_ampersands("<t>Wonen & zorg &amp; &#38; &#x26; &eacute;</t>"),
            "<t>Wonen &amp; zorg &amp; &#38; &#x26; &eacute;</t>"
        );
        assert_eq!(
            escape_bare_ampersands("<t><![CDATA[a & b]]> & </t>"),
            "<t><![CDATA[a & b]]> &amp; </t>"
        );
        assert!(matches!(
            escape_bare_ampersands("<t>a &amp; b</t>"),
            Cow::Borrowed(_)
        ));
        assert_eq!(escape_bare_ampersands("&"), "&amp;");
        assert_eq!(escape_bare_ampersands("<![CDATA[ & "), "<![CDATA[ & ");
        assert_eq!(
            escape_bare_ampersands("&#;&#x;&é;"),
            "&amp;#;&amp;#x;&amp;é;"
        );
    }

    #[test]
    fn deep_nesting_is_seen_before_parsing() {
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(nesting_exceeds(&deep, 99));
        assert!(!nesting_exceeds(&deep, 100));
        // Siblings, empty elements, comments, CDATA and declarations do not count.
        let flat = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE x><r>{}<!-- <a><a> --><![CDATA[<a><a>]]></r>",
            "<a></a><b/>".repeat(1000)
        );
        assert!(!nesting_exceeds(&flat, 2));
        assert!(nesting_exceeds("<a", 0));
        assert!(!nesting_exceeds("<!-- never closed <a><a>", 1));
    }

    #[test]
    fn finds_dois() {
        assert_eq!(
            find_doi("https://doi.org/10.1101/2020.03.01.123456v1."),
            Some("10.1101/2020.03.01.123456v1".into())
        );
        assert_eq!(
            find_doi("doi:10.5555/ABC-123) en meer"),
            Some("10.5555/abc-123".into())
        );
        assert_eq!(find_doi("versie 10.2 van 2020/21"), None);
        assert_eq!(find_doi("2010.1234/abc"), None);
        assert_eq!(find_doi("10.1234/"), None);
        assert_eq!(find_doi("é10.1234/x"), None);
        assert_eq!(find_doi("(10.1234/x)"), Some("10.1234/x".into()));
    }

    #[test]
    fn title_keys_fold_case_accents_and_punctuation() {
        assert_eq!(
            title_key("Financiële zelfredzaamheid: jonge vluchtelingen!"),
            title_key("financiele zelfredzaamheid jonge vluchtelingen")
        );
    }
}
