//! The content tree: front matter, the one in-memory [`Library`] every output
//! reads, and atomic writes back to disk.
//!
//! Also `config.toml` ([`config`]) and Zola's Markdown ([`markdown`]), which
//! the renderer and the published API share.
//!
//! Not for templates: turning the library into pages is [`crate::site`]'s job.

pub mod config;
pub mod fingerprint;
mod frontmatter;
mod library;
pub mod markdown;
mod order;
mod parse;
mod problem;
mod write;

pub use config::{ConfigProblem, SiteConfig};
pub use frontmatter::{
    parse_date, split_front_matter, DateError, FenceError, FieldError, PageFrontMatter, ParsedDate,
    SectionFrontMatter, SortBy,
};
pub use library::{Library, LoadSettings, Page, ParseCache, Section, Taxonomy, TaxonomyTerm};
pub use problem::Problem;
pub use write::{write_atomic, WriteError};
