//! The one item type of the harvest pipeline, in its two states:
//!
//! - [`Entry`]: what a format adapter ([`super::feed`], [`super::oai`])
//!   read, as the source wrote it: untrusted strings, HTML not yet cleaned,
//!   links not yet resolved.
//! - [`HarvestedItem`]: the same item after [`super::normalise::entry`]:
//!   dates with their precision, http(s) links only, HTML sanitised, every
//!   string within its limit. What the harvester owns of a content file.

use serde::{Deserialize, Serialize};

use super::date::HarvestDate;

/// One item as a format adapter read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// The guid, Atom id, JSON Feed id or OAI identifier.
    pub id: String,
    /// Plain text or HTML; made plain in normalising.
    pub title: Option<String>,
    /// Summary or description, HTML.
    pub summary: Option<String>,
    /// Full content, HTML.
    pub content: Option<String>,
    pub authors: Vec<String>,
    /// Publication date, then update date, as written.
    pub dates: Vec<String>,
    /// Candidate links, the best first; may be relative.
    pub links: Vec<String>,
    pub pdfs: Vec<String>,
    /// Where relative links resolve: `xml:base` or the feed's address.
    pub base: Option<String>,
    pub language: Option<String>,
    pub licence: Option<String>,
    /// Strings that may hold a DOI (`dc:identifier`, the id).
    pub identifiers: Vec<String>,
    pub image: Option<String>,
    pub enclosure: Option<Enclosure>,
    pub subjects: Vec<String>,
    /// A deleted OAI record.
    pub deleted: bool,
}

/// One item after normalising.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HarvestedItem {
    /// `<partner>/<source>` in the registry.
    pub source: String,
    pub upstream_id: String,
    /// Plain text. Made from the link or the content when upstream gave
    /// none ([`HarvestedItem::title_made_up`]).
    pub title: String,
    /// Upstream gave no title: the item needs an editor's look.
    pub title_made_up: bool,
    /// Sanitised HTML.
    pub abstract_html: Option<String>,
    pub authors: Vec<String>,
    pub date: Option<HarvestDate>,
    /// Canonical (tracking parameters stripped), http or https.
    pub link: Option<String>,
    pub pdf: Option<String>,
    /// A BCP 47 language tag.
    pub language: Option<String>,
    pub licence: Option<String>,
    pub doi: Option<String>,
    /// A cover or feed image.
    pub image: Option<String>,
    /// A podcast's audio.
    pub enclosure: Option<Enclosure>,
    /// Categories, keywords, `dc:subject`: input for classification.
    pub subjects: Vec<String>,
    /// A deleted OAI record.
    pub deleted: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Enclosure {
    pub url: String,
    pub media_type: Option<String>,
    pub length: Option<u64>,
}
