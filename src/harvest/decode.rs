//! A partner's bytes made fit for a parser: decoded to UTF-8 whatever
//! charset the document claims, its prolog made to say so, RSS 0.90 and
//! namespace-less Atom repaired, bare ampersands escaped, and nesting
//! measured before a parser that counts depth in 16 bits sees it.
//!
//! Pure functions, no IO; [`super::normalise`] re-exports them.

use std::borrow::Cow;

use encoding_rs::Encoding;

use super::normalise::cut;

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

/// The charset a document declares: the HTTP header's, else the XML
/// prolog's. For reports on a source; [`decode`] reads the same.
pub fn declared_charset(bytes: &[u8], content_type: Option<&str>) -> Option<String> {
    content_type
        .and_then(charset_of_content_type)
        .or_else(|| xml_declared_encoding(bytes))
        .map(|label| cut(label.trim(), 100).to_string())
}

fn charset_of_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("charset")).then(|| value.trim().trim_matches('"'))
    })
}

fn xml_declared_encoding(bytes: &[u8]) -> Option<&str> {
    let head = bytes.get(..bytes.len().min(200)).unwrap_or(bytes);
    let head = std::str::from_utf8(head).ok().or_else(|| {
        let end = head.iter().position(|&b| b == b'>')?;
        std::str::from_utf8(head.get(..=end)?).ok()
    })?;
    let prolog = head.strip_prefix("<?xml")?;
    let prolog = prolog.split_once("?>")?.0;
    let (_, rest) = prolog.split_once("encoding")?;
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = rest.strip_prefix(quote)?;
    Some(value.split_once(quote)?.0)
}

/// Rewrites (or adds nothing to) the XML prolog so that it declares UTF-8,
/// which the decoded text now is.
pub fn declare_utf8(xml: &str) -> Cow<'_, str> {
    let trimmed = xml.trim_start();
    if let Some(rest) = trimmed.strip_prefix("<?xml") {
        if let Some((_, after)) = rest.split_once("?>") {
            return Cow::Owned(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{after}"));
        }
    }
    Cow::Borrowed(xml)
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
    if let Some((before, after)) = text.split_once("<feed") {
        let tag = after.split('>').next().unwrap_or_default();
        if (tag.is_empty() || tag.starts_with(char::is_whitespace)) && !tag.contains("xmlns") {
            text = Cow::Owned(format!(
                "{before}<feed xmlns=\"http://www.w3.org/2005/Atom\"{after}"
            ));
        }
    }
    text
}

/// Escapes every `&` that does not start a character or entity reference
/// (`Wonen & zorg`), which XML parsers refuse and feed-rs reads as the end
/// of the text. CDATA sections are left as they are.
pub fn escape_bare_ampersands(xml: &str) -> Cow<'_, str> {
    fn is_reference(rest: &str) -> bool {
        // `rest` starts just after the `&`.
        let Some(end) = rest.bytes().take(33).position(|b| b == b';') else {
            return false;
        };
        let name = rest.get(..end).unwrap_or_default();
        if let Some(num) = name.strip_prefix('#') {
            return match num.strip_prefix(['x', 'X']) {
                Some(hex) => !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                None => !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()),
            };
        }
        name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric())
    }
    let mut out = String::new();
    let mut rest = xml;
    let mut changed = false;
    while let Some(at) = rest.find(['&', '<']) {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        if let Some(after) = tail.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").map(|e| e + 3).unwrap_or(after.len());
            let (cdata, next) = after.split_at(end);
            out.push_str("<![CDATA[");
            out.push_str(cdata);
            rest = next;
        } else if let Some(after) = tail.strip_prefix('&') {
            if is_reference(after) {
                out.push('&');
            } else {
                out.push_str("&amp;");
                changed = true;
            }
            rest = after;
        } else {
            out.push('<');
            rest = tail.get(1..).unwrap_or_default();
        }
    }
    if !changed {
        return Cow::Borrowed(xml);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The deepest element nesting of an XML document, counted up to `max + 1`
/// (a cheap scan that skips comments, CDATA, declarations and processing
/// instructions). Deeper documents are refused before a parser sees them:
/// feed-rs's XML reader counts depth in 16 bits.
pub fn nesting_exceeds(xml: &str, max: usize) -> bool {
    let mut depth: usize = 0;
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        let tail = rest.get(at..).unwrap_or_default();
        let skip_to = |open: &str, close: &str| -> Option<&str> {
            let body = tail.strip_prefix(open)?;
            Some(
                body.find(close)
                    .and_then(|e| body.get(e + close.len()..))
                    .unwrap_or_default(),
            )
        };
        if let Some(after) = skip_to("<!--", "-->")
            .or_else(|| skip_to("<![CDATA[", "]]>"))
            .or_else(|| skip_to("<?", "?>"))
            .or_else(|| skip_to("<!", ">"))
        {
            rest = after;
            continue;
        }
        let end = tail.find('>').unwrap_or(tail.len());
        let tag = tail.get(..end).unwrap_or_default();
        if tag.starts_with("</") {
            depth = depth.saturating_sub(1);
        } else if !tag.ends_with('/') {
            depth += 1;
            if depth > max {
                return true;
            }
        }
        rest = tail.get(end..).unwrap_or_default();
    }
    false
}
