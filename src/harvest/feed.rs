//! The feed adapter: RSS 0.9x/1.0/2.0, Atom and JSON Feed into
//! [`Entry`]s, with feed-rs doing the format work. Bytes are decoded first
//! (charsets lie) and the XML repaired where feed-rs would read nothing;
//! everything after that ([`super::normalise::entry`]) is the same for
//! every format.

use feed_rs::model::{Entry as FeedEntry, Feed, FeedType};

use super::item::{Enclosure, Entry, HarvestedItem};
use super::normalise::{
    self, declare_utf8, decode, dublin_core_identifiers, escape_bare_ampersands, limits,
    nesting_exceeds, plain_text, repair_feed_xml,
};

/// Feeds nest a few levels, XHTML content a few dozen.
const MAX_DEPTH: usize = 512;

#[derive(Debug, thiserror::Error)]
#[error("{url}: not a feed feed-rs can read: {message}")]
pub struct FeedError {
    pub url: String,
    pub message: String,
}

/// A parsed feed: what it calls itself, its format, its entries.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub format: &'static str,
    pub entries: Vec<Entry>,
    /// Entries past [`limits::ITEMS`], left for a later run.
    pub dropped: usize,
}

impl ParsedFeed {
    /// The entries normalised, without those that cannot be items.
    pub fn items(self, source: &str) -> Vec<HarvestedItem> {
        self.entries
            .into_iter()
            .filter_map(|e| normalise::entry(e, source).ok())
            .collect()
    }
}

/// Parses a fetched feed. `url` resolves relative links and names errors.
pub fn parse_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &str,
) -> Result<ParsedFeed, FeedError> {
    let text = decode(bytes, content_type);
    let text = declare_utf8(&text);
    // XML repairs; a JSON Feed is left as it is.
    let is_xml = text.trim_start().starts_with('<');
    if is_xml && nesting_exceeds(&text, MAX_DEPTH) {
        return Err(FeedError {
            url: url.to_string(),
            message: format!("elements are nested deeper than {MAX_DEPTH}"),
        });
    }
    let text = if is_xml {
        escape_bare_ampersands(&repair_feed_xml(&text))
            .into_owned()
            .into()
    } else {
        text
    };
    // No made-up ids: feed-rs would give an entry without id, link and
    // title a random one, a new item on every run. Normalising decides.
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url))
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(text.as_bytes()).map_err(|e| FeedError {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    let dropped = feed.entries.len().saturating_sub(limits::ITEMS);
    let mut entries: Vec<Entry> = feed
        .entries
        .iter()
        .take(limits::ITEMS)
        .map(|entry| to_entry(&feed, entry, url))
        .collect();
    // Dublin Core identifiers, matched to items by order when the counts agree.
    let identifiers = dublin_core_identifiers(&text);
    if identifiers.len() == entries.len() {
        for (entry, identifier) in entries.iter_mut().zip(identifiers) {
            entry.identifiers.extend(identifier);
        }
    }
    Ok(ParsedFeed {
        title: feed.title.as_ref().map(|t| plain_text(&t.content)),
        format: format_name(&feed.feed_type),
        entries,
        dropped,
    })
}

fn to_entry(feed: &Feed, entry: &FeedEntry, feed_url: &str) -> Entry {
    let mut links: Vec<String> = Vec::new();
    let alternate = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"));
    links.extend(alternate.map(|l| l.href.clone()));
    // An Atom id is often the permalink.
    let id = entry.id.trim();
    if id.starts_with("http://") || id.starts_with("https://") {
        links.push(id.to_string());
    }
    links.extend(entry.links.iter().map(|l| l.href.clone()));
    let pdfs = entry
        .links
        .iter()
        .filter(|l| {
            l.media_type.as_deref() == Some("application/pdf")
                || l.href.to_ascii_lowercase().ends_with(".pdf")
        })
        .map(|l| l.href.clone())
        .collect();

    let mut enclosure = None;
    let mut image = None;
    for media in &entry.media {
        for content in &media.content {
            let Some(url) = &content.url else { continue };
            let media_type = content.content_type.as_ref().map(|m| m.to_string());
            let kind = media_type.as_deref().unwrap_or_default();
            if (kind.starts_with("audio/") || kind.starts_with("video/")) && enclosure.is_none() {
                enclosure = Some(Enclosure {
                    url: url.to_string(),
                    media_type,
                    length: content.size,
                });
            } else if kind.starts_with("image/") && image.is_none() {
                image = Some(url.to_string());
            }
        }
        if image.is_none() {
            image = media.thumbnails.first().map(|t| t.image.uri.clone());
        }
    }
    if image.is_none() {
        image = feed
            .logo
            .as_ref()
            .or(feed.icon.as_ref())
            .map(|i| i.uri.clone());
    }
    Entry {
        id: entry.id.clone(),
        title: entry.title.as_ref().map(|t| t.content.clone()),
        summary: entry.summary.as_ref().map(|t| t.content.clone()),
        content: entry.content.as_ref().and_then(|c| c.body.clone()),
        authors: entry.authors.iter().map(|a| a.name.clone()).collect(),
        dates: [entry.published, entry.updated]
            .into_iter()
            .flatten()
            .map(|d| d.to_rfc3339())
            .collect(),
        links,
        pdfs,
        base: Some(entry.base.clone().unwrap_or_else(|| feed_url.to_string())),
        language: entry.language.clone().or_else(|| feed.language.clone()),
        licence: entry
            .rights
            .as_ref()
            .or(feed.rights.as_ref())
            .map(|r| r.content.clone()),
        identifiers: Vec::new(),
        image,
        enclosure,
        subjects: entry
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
            .collect(),
        deleted: false,
    }
}

/// The feed's format, for reports.
fn format_name(kind: &FeedType) -> &'static str {
    match kind {
        FeedType::Atom => "Atom",
        FeedType::JSON => "JSON Feed",
        FeedType::RSS0 => "RSS 0.9x",
        FeedType::RSS1 => "RSS 1.0",
        FeedType::RSS2 => "RSS 2.0",
    }
}
