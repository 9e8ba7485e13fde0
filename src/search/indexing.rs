//! What goes into a search index and how it gets there: a site's
//! published items (or a JSON lines corpus), with the site's synonyms,
//! into the embedded index or a Meilisearch server. `vindplaats index`
//! and `serve` call this; the ranking and the stores are elsewhere.

use std::path::{Path, PathBuf};

use super::document::{self, JsonLinesError, SearchDocument};
use super::embedded::{EmbeddedIndex, IndexError, SyncReport};
use super::meili::{MeiliError, Meilisearch, ReindexReport};
use super::synonyms::{self, Synonyms, SynonymsError};

/// The environment variable `vindplaats index --meilisearch` reads the
/// master key from (never a flag: it would show in the process list).
pub const MASTER_KEY_VARIABLE: &str = "MEILI_MASTER_KEY";

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

/// Why `vindplaats index` could not read what to index or reach where it
/// goes. Each names the file, directory or setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum IndexingError {
    #[error("reading {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line of a JSON lines corpus; the line is named in `error`.
    #[error("{}: {error}", path.display())]
    JsonLines {
        path: PathBuf,
        error: JsonLinesError,
    },
    #[error("reading the site in {}", site_dir.display())]
    Site {
        site_dir: PathBuf,
        source: Box<SiteIndexError>,
    },
    #[error(transparent)]
    Synonyms(#[from] SynonymsError),
    #[error("{MASTER_KEY_VARIABLE} is not set: give the master key of {url} in the environment")]
    NoMasterKey { url: String },
    #[error(transparent)]
    Meilisearch(#[from] MeiliError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// What `vindplaats index` indexes: the documents, and the synonyms of the
/// site they are searched with.
pub struct Corpus {
    pub documents: Vec<SearchDocument>,
    pub synonyms: Synonyms,
}

impl Corpus {
    /// The published items of the site in `site_dir`, or with `jsonl` the
    /// documents of that JSON lines file (the benchmark's corpus); the
    /// synonyms are the site's either way.
    pub fn read(site_dir: &Path, jsonl: Option<&Path>) -> Result<Corpus, IndexingError> {
        let documents = match jsonl {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| IndexingError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                document::read_json_lines(&text).map_err(|error| IndexingError::JsonLines {
                    path: path.to_path_buf(),
                    error,
                })?
            }
            None => site_documents(site_dir).map_err(|source| IndexingError::Site {
                site_dir: site_dir.to_path_buf(),
                source: Box::new(source),
            })?,
        };
        let synonyms = Synonyms::load(&synonyms::path_in(site_dir))?;
        Ok(Corpus {
            documents,
            synonyms,
        })
    }
}

/// Where `vindplaats index` writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The embedded index in this directory.
    Embedded(PathBuf),
    /// The Meilisearch server at this URL.
    Meilisearch(String),
}

impl Target {
    /// Meilisearch when a URL is given, else the embedded index in
    /// `index_dir` (by default the site's own).
    pub fn choose(
        site_dir: &Path,
        meilisearch: Option<String>,
        index_dir: Option<PathBuf>,
    ) -> Target {
        match meilisearch {
            Some(url) => Target::Meilisearch(url),
            None => Target::Embedded(index_dir.unwrap_or_else(|| index_dir_in(site_dir))),
        }
    }
}

/// Brings the embedded index in `dir` up to date with `corpus`.
pub fn into_embedded(
    dir: &Path,
    corpus: Corpus,
    progress: &dyn Fn(usize, usize),
) -> Result<SyncReport, IndexingError> {
    let index = EmbeddedIndex::open(dir, corpus.synonyms)?;
    Ok(index.sync(&corpus.documents, progress)?)
}

/// A client of the Meilisearch at `url`, with the master key from
/// [`MASTER_KEY_VARIABLE`] (held in memory only).
pub fn meilisearch_from_env(url: &str, synonyms: Synonyms) -> Result<Meilisearch, IndexingError> {
    let key = std::env::var(MASTER_KEY_VARIABLE).map_err(|_| IndexingError::NoMasterKey {
        url: url.to_string(),
    })?;
    Ok(Meilisearch::new(url, &key, synonyms)?)
}

/// What indexing into Meilisearch did, and the key the site's search page
/// may publish.
pub struct Reindexed {
    pub report: ReindexReport,
    pub search_key: String,
}

/// Builds a fresh index of `docs` in Meilisearch and swaps it in, then
/// finds (or makes) a search-only key. `progress` hears each step.
pub async fn into_meilisearch(
    backend: &Meilisearch,
    docs: &[SearchDocument],
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Reindexed, MeiliError> {
    let report = backend.reindex(docs, progress).await?;
    let search_key = backend.search_key().await?;
    Ok(Reindexed { report, search_key })
}
