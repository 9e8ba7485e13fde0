//! The embedded index: tantivy on disk, Dutch analysis, facets, typo
//! tolerance, answering [`SearchRequest`](super::SearchRequest)s. No
//! HTTP here.
//!
//! Relevance, per query word, as one disjunction of real term queries
//! scored by BM25, so that every alternative ranks by its own weight:
//! - the stem itself, in the title and in the text (the title is indexed
//!   three times over, so its words weigh more without a second field);
//! - synonyms from the synonyms file, a little below;
//! - for words of 5+ letters, terms within one typo (two from 9 letters)
//!   found in the index's own term dictionary, well below the exact term;
//! - for the last word as it is being typed, terms it is a prefix of;
//! - a compound split against the index's vocabulary
//!   ("onderwijskansen" → onderwijs AND kans).
//!
//! Every word must match; when nothing matches all of them, the last
//! words are dropped one by one (Meilisearch's `last` strategy).
//!
//! This module opens the index and keeps it in step with the documents
//! ([`EmbeddedIndex::sync`]); each other question has its own module:
//! - [`schema`]: the fields and the tokenizers;
//! - [`stored`]: a document into the index and a hit back out;
//! - [`plan`]: the query as weighted terms;
//! - [`search`]: answering a request, by one of two rankers:
//!   [`ranking`] (plain words, bitsets and block maxima) or
//!   [`collect`] (tantivy's scorers, for phrases, sorting and the empty
//!   query); [`collect`] says why both exist and what keeps them equal;
//! - [`facets`]: facets and filters as bitsets per segment.

mod collect;
mod facets;
mod plan;
mod ranking;
mod schema;
mod search;
mod stored;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use facets::SegmentFacets;
use schema::{register_tokenizers, schema, Fields, INDEX_VERSION};
use stored::EncodeError;

use super::document::SearchDocument;
use super::synonyms::Synonyms;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot open the search index in {dir}: {message}")]
    Open { dir: PathBuf, message: String },
    #[error("cannot write the search index in {dir}: {message} (is another `vindplaats index` or `serve` writing it?)")]
    Write { dir: PathBuf, message: String },
}

/// What a sync changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub documents: usize,
}

/// The embedded index in one directory.
pub struct EmbeddedIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    synonyms: Mutex<std::sync::Arc<Synonyms>>,
    /// One writer at a time, and searches never wait for it.
    write_lock: Mutex<()>,
    /// Each segment's facets, read once when the segment first shows up.
    facets: Mutex<HashMap<SegmentId, Arc<SegmentFacets>>>,
}

impl EmbeddedIndex {
    /// Opens the index in `dir`, creating it (or recreating it, when
    /// another version wrote it) as needed.
    pub fn open(dir: &Path, synonyms: Synonyms) -> Result<EmbeddedIndex, IndexError> {
        let open_error = |message: String| IndexError::Open {
            dir: dir.to_path_buf(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_error(e.to_string()))?;
        let existing = Index::open_in_dir(dir).ok().filter(|index| {
            index
                .load_metas()
                .ok()
                .and_then(|m| m.payload)
                .is_some_and(|p| p == INDEX_VERSION)
                && index.schema() == schema()
        });
        let index = match existing {
            Some(index) => index,
            None => {
                // Written by another version (or half-created): start over.
                // Only tantivy's own files are removed.
                clear_index_dir(dir).map_err(|e| open_error(e.to_string()))?;
                // Documents are fetched for every hit shown: LZ4
                // decompresses several times faster than zstd.
                // Small blocks: a hit decompresses about its own document,
                // not sixteen kilobytes of its neighbours.
                let settings = tantivy::IndexSettings {
                    docstore_compression: tantivy::store::Compressor::Lz4,
                    docstore_blocksize: 4_096,
                    ..Default::default()
                };
                Index::builder()
                    .schema(schema())
                    .settings(settings)
                    .create_in_dir(dir)
                    .map_err(|e| open_error(e.to_string()))?
            }
        };
        register_tokenizers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e: tantivy::TantivyError| open_error(e.to_string()))?;
        let fields = Fields::of(&index.schema()).map_err(|e| open_error(e.to_string()))?;
        let embedded = EmbeddedIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            synonyms: Mutex::new(std::sync::Arc::new(synonyms)),
            write_lock: Mutex::new(()),
            facets: Mutex::new(HashMap::new()),
        };
        // Read now, so the first search does not wait for it.
        embedded
            .read_facets(&embedded.reader.searcher(), true)
            .map_err(|e| open_error(e.message))?;
        Ok(embedded)
    }

    pub fn set_synonyms(&self, synonyms: Synonyms) {
        if let Ok(mut s) = self.synonyms.lock() {
            *s = std::sync::Arc::new(synonyms);
        }
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The ids and content hashes in the index now.
    fn current(&self) -> Result<HashMap<String, u64>, IndexError> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let ids = ff.str("id").map_err(|e| self.write_error(e))?;
            let hashes = ff.u64("hash").map_err(|e| self.write_error(e))?;
            let Some(ids) = ids else { continue };
            let mut id = String::new();
            for doc in segment.doc_ids_alive() {
                let Some(ord) = ids.term_ords(doc).next() else {
                    continue;
                };
                id.clear();
                if ids
                    .ord_to_str(ord, &mut id)
                    .map_err(|e| self.write_error(e))?
                {
                    out.insert(id.clone(), hashes.first(doc).unwrap_or_default());
                }
            }
        }
        Ok(out)
    }

    /// Makes the index hold exactly `docs`: adds new documents, replaces
    /// changed ones, removes the rest, and leaves unchanged ones alone.
    /// Searches keep being answered from the previous state until the
    /// change is committed.
    pub fn sync(
        &self,
        docs: &[SearchDocument],
        progress: &dyn Fn(usize, usize),
    ) -> Result<SyncReport, IndexError> {
        let write_error = |message: String| self.write_error(message);
        let _guard = self
            .write_lock
            .lock()
            .map_err(|_| write_error("an earlier write panicked".into()))?;
        let current = self.current()?;
        let mut report = SyncReport {
            documents: docs.len(),
            ..Default::default()
        };
        let mut wanted = HashSet::with_capacity(docs.len());
        let mut to_add = Vec::new();
        let hashed: Vec<(String, u64)> = {
            use rayon::prelude::*;
            docs.par_iter()
                .map(|d| (d.id(), d.content_hash()))
                .collect()
        };
        for (doc, (id, hash)) in docs.iter().zip(hashed) {
            match current.get(&id) {
                Some(h) if *h == hash => report.unchanged += 1,
                Some(_) => {
                    report.updated += 1;
                    to_add.push((doc, hash));
                }
                None => {
                    report.added += 1;
                    to_add.push((doc, hash));
                }
            }
            wanted.insert(id);
        }
        let to_remove: Vec<&String> = current.keys().filter(|id| !wanted.contains(*id)).collect();
        report.removed = to_remove.len();
        if to_add.is_empty() && to_remove.is_empty() {
            return Ok(report);
        }
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 4);
        let budget = if to_add.len() > 10_000 {
            400_000_000
        } else {
            60_000_000
        };
        let mut writer: IndexWriter<TantivyDocument> = self
            .index
            .writer_with_num_threads(threads, budget)
            .map_err(|e| write_error(e.to_string()))?;
        for id in to_remove {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        let schema = self.index.schema();
        let total = to_add.len();
        let mut done = 0;
        // Documents are converted (and their bodies compressed) a chunk
        // at a time on all cores, while tantivy's threads index the last.
        for chunk in to_add.chunks(1_000) {
            let converted: Vec<(String, TantivyDocument)> = {
                use rayon::prelude::*;
                chunk
                    .par_iter()
                    .map(|(doc, hash)| {
                        let id = doc.id();
                        let converted =
                            stored::encode(doc, id.clone(), *hash, &self.fields, &schema)?;
                        Ok((id, converted))
                    })
                    .collect::<Result<_, EncodeError>>()
                    .map_err(|e| write_error(e.to_string()))?
            };
            for (id, converted) in converted {
                if current.contains_key(&id) {
                    writer.delete_term(Term::from_field_text(self.fields.id, &id));
                }
                writer
                    .add_document(converted)
                    .map_err(|e| write_error(e.to_string()))?;
                done += 1;
                if done % 5_000 == 0 || done == total {
                    progress(done, total);
                }
            }
        }
        let mut commit = writer
            .prepare_commit()
            .map_err(|e| write_error(e.to_string()))?;
        commit.set_payload(INDEX_VERSION);
        commit.commit().map_err(|e| write_error(e.to_string()))?;
        writer
            .wait_merging_threads()
            .map_err(|e| write_error(e.to_string()))?;
        self.reader
            .reload()
            .map_err(|e| write_error(e.to_string()))?;
        self.read_facets(&self.reader.searcher(), true)
            .map_err(|e| write_error(e.message))?;
        Ok(report)
    }

    fn write_error(&self, message: impl std::fmt::Display) -> IndexError {
        IndexError::Write {
            dir: self.dir.clone(),
            message: message.to_string(),
        }
    }
}

fn clear_index_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let tantivy_file = name == "meta.json"
            || name == ".managed.json"
            || name.ends_with(".lock")
            || [
                ".idx",
                ".pos",
                ".term",
                ".store",
                ".fast",
                ".fieldnorm",
                ".del",
            ]
            .iter()
            .any(|ext| name.ends_with(ext));
        if tantivy_file && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
