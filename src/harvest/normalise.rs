//! What every harvested item goes through, solved once for all formats:
//! decoding bytes whose declared charset may lie, sanitising partner HTML,
//! cleaning URLs of tracking parameters, finding DOIs, and the keys that
//! deduplication compares.
//!
//! Pure functions, no IO.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// Decodes a document to UTF-8. Valid UTF-8 with non-ASCII text is taken as
/// UTF-8 whatever the prolog says (a wrong prolog is far more common than
/// Latin-1 that happens to be valid UTF-8); otherwise the charset from the
/// HTTP header, then the XML prolog, then Windows-1252.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_string();
    }
    let declared = content_type
        .and_then(charset_of_content_type)
        .or_else(|| xml_declared_encoding(bytes))
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8)
        .unwrap_or(encoding_rs::WINDOWS_1252);
    let (text, _, _) = declared.decode(bytes);
    text.into_owned()
}

fn charset_of_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("charset")).then(|| value.trim().trim_matches('"'))
    })
}

fn xml_declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(200)];
    let head = std::str::from_utf8(head).ok().or_else(|| {
        let end = head.iter().position(|&b| b == b'>')?;
        std::str::from_utf8(&head[..=end]).ok()
    })?;
    let prolog = head.strip_prefix("<?xml")?;
    let prolog = &prolog[..prolog.find("?>")?];
    let at = prolog.find("encoding")?;
    let rest = prolog[at + 8..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(&value[..value.find(quote)?])
}

/// Rewrites (or adds nothing to) the XML prolog so that it declares UTF-8,
/// which the decoded text now is.
pub fn declare_utf8(xml: &str) -> Cow<'_, str> {
    let trimmed = xml.trim_start();
    if let Some(rest) = trimmed.strip_prefix("<?xml") {
        if let Some(end) = rest.find("?>") {
            return Cow::Owned(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}",
                &rest[end + 2..]
            ));
        }
    }
    Cow::Borrowed(xml)
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

/// Repairs what feed-rs would otherwise read as an empty feed: RSS 0.90's
/// Netscape namespace (read as RSS 1.0, which it is close to) and an Atom
/// `<feed>` without its namespace.
pub fn repair_feed_xml(xml: &str) -> Cow<'_, str> {
    const NETSCAPE: &str = "http://my.netscape.com/rdf/simple/0.9/";
    let mut text = Cow::Borrowed(xml);
    if text.contains(NETSCAPE) {
        text = Cow::Owned(text.replace(NETSCAPE, "http://purl.org/rss/1.0/"));
    }
    if let Some(at) = text.find("<feed") {
        let tag_end = text[at..].find('>').map(|i| at + i).unwrap_or(at);
        let tag = &text[at..tag_end];
        if (tag == "<feed" || tag.starts_with("<feed ")) && !tag.contains("xmlns") {
            let fixed = format!(
                "{}<feed xmlns=\"http://www.w3.org/2005/Atom\"{}",
                &text[..at],
                &text[at + 5..]
            );
            text = Cow::Owned(fixed);
        }
    }
    text
}

/// `dc:identifier` of each `<item>`, in document order. feed-rs keeps Dublin
/// Core's creator and date but not the identifier, where DOIs often are.
pub fn dublin_core_identifiers(xml: &str) -> Vec<Option<String>> {
    // `<item>` or `<item rdf:about=...>`, not RSS 1.0's `<items>`.
    let starts: Vec<usize> = xml
        .match_indices("<item")
        .filter(|(at, _)| xml[at + 5..].starts_with(|c: char| c == '>' || c.is_whitespace()))
        .map(|(at, _)| at)
        .collect();
    let chunks = starts
        .iter()
        .enumerate()
        .map(|(n, &at)| &xml[at..starts.get(n + 1).copied().unwrap_or(xml.len())]);
    chunks
        .map(|item| {
            let start = item.find("<dc:identifier")?;
            let open_end = start + item[start..].find('>')? + 1;
            let close = open_end + item[open_end..].find("</dc:identifier>")?;
            let value = item[open_end..close]
                .trim()
                .trim_start_matches("<![CDATA[")
                .trim_end_matches("]]>")
                .trim();
            (!value.is_empty()).then(|| value.to_string())
        })
        .collect()
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
/// compares it.
pub fn find_doi(text: &str) -> Option<String> {
    let start = text.find("10.")?;
    let candidate = &text[start..];
    let slash = candidate.find('/')?;
    let prefix = &candidate[3..slash];
    if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return find_doi(&candidate[3..]);
    }
    let end = candidate[slash + 1..]
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '&'))
        .map(|i| slash + 1 + i)
        .unwrap_or(candidate.len());
    let doi = candidate[..end].trim_end_matches(['.', ',', ';', ')']);
    (doi.len() > slash + 1).then(|| doi.to_lowercase())
}

/// A title as deduplication compares it: accents folded, lower case,
/// punctuation and extra spaces gone.
pub fn title_key(title: &str) -> String {
    slug::slugify(title)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn title_keys_fold_case_accents_and_punctuation() {
        assert_eq!(
            title_key("Financiële zelfredzaamheid: jonge vluchtelingen!"),
            title_key("financiele zelfredzaamheid jonge vluchtelingen")
        );
    }
}
