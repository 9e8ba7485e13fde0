//! Search: one analysis of Dutch text shared by both backends, one wire
//! protocol (Meilisearch's search API) and one [`SearchBackend`] trait
//! with two implementations:
//! - [`embedded::EmbeddedIndex`], tantivy on disk, the default, which
//!   `vindplaats serve` answers from;
//! - [`meili::Meilisearch`], for production, through `meilisearch-sdk`.
//!
//! [`indexing`] brings either up to date with a site or a corpus.
//! Nothing here knows HTTP; `serve` maps requests onto it and chooses
//! each [`Code`]'s HTTP status.

pub mod analysis;
mod backends;
pub mod document;
pub mod embedded;
pub mod error;
pub mod filter;
pub mod format;
pub mod indexing;
pub mod meili;
pub mod request;
pub mod synonyms;

use std::future::Future;

pub use document::{SearchDocument, INDEX_UID};
pub use embedded::{EmbeddedIndex, IndexError, SyncReport};
pub use error::{Code, ErrorType, SearchError};
pub use indexing::{
    index_dir_in, index_documents, library_documents, site_documents, SiteIndexError,
};
pub use request::{SearchRequest, SearchResponse};
pub use synonyms::Synonyms;

/// A search engine holding the `publications` index. Implemented in
/// `backends.rs` for [`EmbeddedIndex`] (shared) and [`meili::Meilisearch`].
pub trait SearchBackend: Send + Sync {
    /// Makes the index hold exactly `docs`.
    fn replace_documents(
        &self,
        docs: Vec<SearchDocument>,
    ) -> impl Future<Output = Result<SyncReport, BackendError>> + Send;

    /// Answers one search.
    fn search(
        &self,
        request: SearchRequest,
    ) -> impl Future<Output = Result<SearchResponse, SearchError>> + Send;
}

/// Why [`SearchBackend::replace_documents`] failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Embedded(#[from] IndexError),
    #[error(transparent)]
    Meilisearch(#[from] meili::MeiliError),
    #[error("the indexing task stopped: {0}")]
    Task(String),
}
