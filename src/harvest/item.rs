//! One publication as a source describes it, after normalising: what the
//! harvester owns of a content file. Every format (RSS, Atom, JSON Feed,
//! OAI-PMH Dublin Core) becomes this.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HarvestedItem {
    /// `<partner>/<source>` in the registry.
    pub source: String,
    /// The guid, Atom id, JSON Feed id or OAI identifier.
    pub upstream_id: String,
    pub title: String,
    /// Sanitised HTML.
    pub abstract_html: Option<String>,
    pub authors: Vec<String>,
    /// RFC 3339.
    pub date: Option<String>,
    /// Canonical (tracking parameters stripped).
    pub link: Option<String>,
    pub pdf: Option<String>,
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
