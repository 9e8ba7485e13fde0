//! What goes into a search index and how it gets there: a site's
//! published items, with the site's synonyms. `vindplaats index` and
//! `serve` call this; the ranking and the stores are elsewhere.

use std::path::{Path, PathBuf};

use super::document::{self, SearchDocument};
use super::embedded::{EmbeddedIndex, IndexError, SyncReport};
use super::synonyms::{self, Synonyms, SynonymsError};

/// Where a site keeps its embedded index.
pub fn index_dir_in(site_dir: &Path) -> PathBuf {
    site_dir.join("search").join("index")
}

#[derive(Debug, thiserror::Error)]
pub enum SiteIndexError {
    #[error("loading the site: {0}")]
    Site(String),
    #[error(transparent)]
    Synonyms(#[from] SynonymsError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// The published items of the site in `site_dir`, for either backend.
pub fn site_documents(site_dir: &Path) -> Result<Vec<SearchDocument>, SiteIndexError> {
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

/// Makes the embedded index hold `docs`, with the synonyms file of the
/// site in `site_dir`.
pub fn index_documents(
    site_dir: &Path,
    index: &EmbeddedIndex,
    docs: &[SearchDocument],
    progress: &dyn Fn(usize, usize),
) -> Result<SyncReport, SiteIndexError> {
    index.set_synonyms(Synonyms::load(&synonyms::path_in(site_dir))?);
    Ok(index.sync(docs, progress)?)
}
