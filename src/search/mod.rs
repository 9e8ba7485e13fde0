//! Search: one analysis of Dutch text shared by both backends, one wire
//! protocol (Meilisearch's search API) and one [`SearchBackend`] trait
//! with two implementations:
//! - [`embedded::EmbeddedIndex`], tantivy on disk, the default, which
//!   `vindplaats serve` answers from;
//! - [`meili::Meilisearch`], for production, through `meilisearch-sdk`.
//!
//! Nothing here knows HTTP; `serve` maps requests onto it and chooses
//! each [`Code`]'s HTTP status.

pub mod analysis;
pub mod document;
pub mod embedded;
pub mod error;
pub mod facets;
pub mod filter;
pub mod format;
pub mod meili;
pub mod ranking;
pub mod request;
pub mod synonyms;

use std::future::Future;
use std::sync::Arc;

pub use document::{SearchDocument, INDEX_UID};
pub use embedded::{EmbeddedIndex, IndexError, SyncReport};
pub use error::{Code, ErrorType, SearchError};
pub use request::{SearchRequest, SearchResponse};
pub use synonyms::Synonyms;

/// Where a site keeps its embedded index.
pub fn index_dir_in(site_dir: &std::path::Path) -> std::path::PathBuf {
    site_dir.join("search").join("index")
}

/// A search engine holding the `publications` index.
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

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Embedded(#[from] IndexError),
    #[error(transparent)]
    Meilisearch(#[from] meili::MeiliError),
    #[error("the indexing task stopped: {0}")]
    Task(String),
}

impl SearchBackend for Arc<EmbeddedIndex> {
    fn replace_documents(
        &self,
        docs: Vec<SearchDocument>,
    ) -> impl Future<Output = Result<SyncReport, BackendError>> + Send {
        let index = self.clone();
        async move {
            tokio::task::spawn_blocking(move || index.sync(&docs, &|_, _| {}))
                .await
                .map_err(|e| BackendError::Task(e.to_string()))?
                .map_err(BackendError::from)
        }
    }

    fn search(
        &self,
        request: SearchRequest,
    ) -> impl Future<Output = Result<SearchResponse, SearchError>> + Send {
        let index = self.clone();
        // Answered on the runtime's own worker: a search takes about a
        // millisecond of CPU, less than handing it to a blocking thread and
        // back costs. `serve` runs more workers than it lets searches use
        // (see `serve::search::SEARCHES_PER_CORE`), so pages always find a
        // free one. Indexing, which takes seconds, goes to a blocking thread.
        async move { EmbeddedIndex::search(&index, &request) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SiteIndexError {
    #[error("loading the site: {0}")]
    Site(String),
    #[error(transparent)]
    Synonyms(#[from] synonyms::SynonymsError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// The published items of the site in `site_dir`, for either backend.
pub fn site_documents(site_dir: &std::path::Path) -> Result<Vec<SearchDocument>, SiteIndexError> {
    let collection = crate::model::Collection::load(site_dir, &Default::default())
        .map_err(|e| SiteIndexError::Site(e.to_string()))?;
    library_documents(&collection)
}

/// The published items of a loaded site (drafts never, whatever the
/// library was loaded with), each id once.
pub fn library_documents(
    collection: &crate::model::Collection,
) -> Result<Vec<SearchDocument>, SiteIndexError> {
    let docs = document::from_collection(collection);
    document::check_unique(&docs).map_err(|e| SiteIndexError::Site(e.to_string()))?;
    Ok(docs)
}

/// Brings the embedded index up to date with the site: its published
/// items and its synonyms file.
pub fn index_site(
    site_dir: &std::path::Path,
    index: &EmbeddedIndex,
    progress: &dyn Fn(usize, usize),
) -> Result<SyncReport, SiteIndexError> {
    index_documents(site_dir, index, &site_documents(site_dir)?, progress)
}

/// Makes the embedded index hold `docs`, with the synonyms file of the
/// site in `site_dir`.
pub fn index_documents(
    site_dir: &std::path::Path,
    index: &EmbeddedIndex,
    docs: &[SearchDocument],
    progress: &dyn Fn(usize, usize),
) -> Result<SyncReport, SiteIndexError> {
    index.set_synonyms(Synonyms::load(&synonyms::path_in(site_dir))?);
    Ok(index.sync(docs, progress)?)
}
