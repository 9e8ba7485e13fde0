//! The content tree: front matter, the one in-memory [`Library`] every output
//! reads, and atomic writes back to disk.
//!
//! Not for rendering: turning the library into HTML is [`crate::site`]'s job.

mod frontmatter;
mod library;
mod problem;
mod write;

pub use frontmatter::{
    parse_date, split_front_matter, PageFrontMatter, ParsedDate, SectionFrontMatter, SortBy,
};
pub use library::{Library, LoadSettings, Page, Section, Taxonomy, TaxonomyTerm};
pub use problem::Problem;
pub use write::{write_atomic, WriteError};
