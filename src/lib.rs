//! vindplaats: the system behind "de centrale vindplaats" of Kennisplatform
//! Inclusief Samenleven. It loads the Zola content tree once, renders it into
//! a static site with a Zola-compatible renderer, and serves it.
//!
//! The surface, one module per responsibility:
//! - [`model`]: domain types (publications, episodes, taxonomy) and their rules;
//! - [`content`]: front matter, loading the content tree, atomic writes;
//! - [`harvest`]: the harvester: partner registry, fetching feeds and
//!   OAI-PMH, normalising, classifying, storing drafts for review;
//! - [`site`]: the Zola-compatible renderer (config, markdown, templates, output);
//! - [`publish`]: the JSON content API, OpenAPI and feeds of every listing;
//! - [`build`]: the whole build, the site and then what [`publish`] writes;
//! - [`search`]: Dutch analysis, the Meilisearch search API's shape, and
//!   its two backends (the embedded tantivy index and Meilisearch);
//! - [`review`]: the editors' queue and the changes they make to content;
//! - [`accounts`]: editor accounts (argon2id);
//! - [`serve`]: the HTTP server for the built site;
//! - [`submission`]: partners submit their feeds; pending records, approval.

pub mod accounts;
pub mod build;
pub mod content;
pub mod harvest;
pub mod model;
pub mod publish;
pub mod review;
pub mod search;
pub mod serve;
pub mod site;
pub mod submission;

pub use content::{Library, Problem};
pub use site::{build, BuildOptions, BuildReport, SiteConfig};
