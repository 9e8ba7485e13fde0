//! Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into [`HarvestedItem`]s, with
//! feed-rs doing the format work. Bytes are decoded first (charsets lie),
//! relative links resolve against `xml:base` and the feed's own address,
//! and HTML is sanitised before it is kept.

use feed_rs::model::{Entry, Feed, FeedType};

use super::item::{Enclosure, HarvestedItem};
use super::normalise::{
    canonical_url, declare_utf8, decode, dublin_core_identifiers, find_doi, plain_text,
    repair_feed_xml, sanitise_html,
};

#[derive(Debug, thiserror::Error)]
#[error("{url}: not a feed feed-rs can read: {message}")]
pub struct FeedError {
    pub url: String,
    pub message: String,
}

/// A parsed feed: what it calls itself, its format, its items.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub format: &'static str,
    pub items: Vec<HarvestedItem>,
}

/// Parses a fetched feed. `url` resolves relative links and names errors.
pub fn parse_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &str,
    source: &str,
) -> Result<ParsedFeed, FeedError> {
    let text = decode(bytes, content_type);
    let text = declare_utf8(&text);
    let text = repair_feed_xml(&text);
    let parser = feed_rs::parser::Builder::new().base_uri(Some(url)).build();
    let feed = parser.parse(text.as_bytes()).map_err(|e| FeedError {
        url: url.to_string(),
        message: e.to_string(),
    })?;
    let mut items: Vec<HarvestedItem> = feed
        .entries
        .iter()
        .map(|entry| to_item(&feed, entry, url, source))
        .collect();
    // Dublin Core identifiers, matched to items by order when the counts agree.
    let identifiers = dublin_core_identifiers(&text);
    if identifiers.len() == items.len() {
        for (item, identifier) in items.iter_mut().zip(identifiers) {
            if item.doi.is_none() {
                item.doi = identifier.as_deref().and_then(find_doi);
            }
        }
    }
    Ok(ParsedFeed {
        title: feed.title.as_ref().map(|t| plain_text(&t.content)),
        format: format_name(&feed.feed_type),
        items,
    })
}

fn to_item(feed: &Feed, entry: &Entry, feed_url: &str, source: &str) -> HarvestedItem {
    let base = entry.base.as_deref().unwrap_or(feed_url);
    let resolve = |href: &str| -> String {
        url::Url::parse(base)
            .and_then(|b| b.join(href))
            .map(|u| u.to_string())
            .unwrap_or_else(|_| href.to_string())
    };
    // An Atom id is often the permalink: the link when there is none.
    let id_as_link = (entry.id.starts_with("http://") || entry.id.starts_with("https://"))
        .then_some(entry.id.as_str());
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| entry.links.first())
        .map(|l| l.href.as_str())
        .or(id_as_link)
        .map(|href| canonical_url(&resolve(href)));
    let pdf = entry
        .links
        .iter()
        .find(|l| {
            l.media_type.as_deref() == Some("application/pdf")
                || l.href.to_ascii_lowercase().ends_with(".pdf")
        })
        .map(|l| resolve(&l.href));

    let summary = entry.summary.as_ref().map(|t| t.content.clone());
    let content = entry.content.as_ref().and_then(|c| c.body.clone());
    let abstract_html = summary
        .or(content)
        .filter(|s| !s.trim().is_empty())
        .map(|s| sanitise_html(&s, Some(base)));

    let mut enclosure = None;
    let mut image = None;
    for media in &entry.media {
        for content in &media.content {
            let Some(url) = &content.url else { continue };
            let media_type = content.content_type.as_ref().map(|m| m.to_string());
            let is_audio = media_type
                .as_deref()
                .is_some_and(|m| m.starts_with("audio/"));
            if is_audio && enclosure.is_none() {
                enclosure = Some(Enclosure {
                    url: url.to_string(),
                    media_type,
                    length: content.size,
                });
            } else if media_type
                .as_deref()
                .is_some_and(|m| m.starts_with("image/"))
                && image.is_none()
            {
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
            .map(|i| resolve(&i.uri));
    }

    let title = entry
        .title
        .as_ref()
        .map(|t| plain_text(&t.content))
        .unwrap_or_default();
    let doi = [
        Some(entry.id.as_str()),
        link.as_deref(),
        abstract_html.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(find_doi);
    let upstream_id = if entry.id.trim().is_empty() {
        link.clone().unwrap_or_default()
    } else {
        entry.id.trim().to_string()
    };
    HarvestedItem {
        source: source.to_string(),
        upstream_id,
        title,
        abstract_html,
        authors: entry
            .authors
            .iter()
            .map(|a| a.name.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect(),
        date: entry.published.or(entry.updated).map(|d| d.to_rfc3339()),
        link,
        pdf,
        language: entry.language.clone().or_else(|| feed.language.clone()),
        licence: entry
            .rights
            .as_ref()
            .or(feed.rights.as_ref())
            .map(|r| plain_text(&r.content)),
        doi,
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
