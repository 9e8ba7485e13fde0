//! The embedded index: tantivy on disk, Dutch analysis, facets, typo
//! tolerance, answering [`SearchRequest`]s. No HTTP here.
//!
//! Relevance, per query word, as one disjunction of real term queries
//! scored by BM25, so that every alternative ranks by its own weight:
//! - the stem itself, in the title (weighed double) and in the text;
//! - synonyms from the synonyms file, a little below;
//! - for words of 5+ letters, terms within one typo (two from 9 letters)
//!   found in the index's own term dictionary, well below the exact term;
//! - for the last word as it is being typed, terms it is a prefix of;
//! - a compound split against the index's vocabulary
//!   ("onderwijskansen" → onderwijs AND kans).
//!
//! Every word must match; when nothing matches all of them, the last
//! words are dropped one by one (Meilisearch's `last` strategy).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use serde_json::{Map, Value};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value as _, FAST, INDEXED,
    STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher,
    SegmentOrdinal, SegmentReader, TantivyDocument, Term,
};

use super::analysis::{cached_term, decompound_with, is_stop_word, Analyzer};
use super::document::{SearchDocument, STRING_FACETS};
use super::error::SearchError;
use super::facets::{BitsQuery, DocBits, SegmentFacets};
use super::format::format_hit;
use super::ranking::{self, Alternative, Best, Scored, Word};
use super::request::{MatchingStrategy, SearchRequest, SearchResponse};
use super::synonyms::Synonyms;

/// Changes when the schema or the analysis changes: an index written by
/// another version is rebuilt, not misread.
const INDEX_VERSION: &str = "vindplaats-index-6";
const TOKENIZER: &str = "nl";
const FACET_TOKENIZER: &str = "facet";

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

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    hash: Field,
    text: Field,
    source: Field,
    body: Field,
    year: Field,
    date: Field,
}

/// How a search is ranked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ranker {
    /// Plain words by relevance through [`ranking`], the rest through
    /// tantivy's scorers.
    Words,
    /// Everything through tantivy's scorers (to compare the two in tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Scorers,
}

/// The attribute kept apart from the stored document: it is most of its
/// size and few requests show it whole.
const BODY: &str = "body";
/// zstd level for the stored body: the fastest; higher levels gain
/// little on texts of a few kilobytes.
const BODY_ZSTD_LEVEL: i32 = 1;

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text_indexing = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text = TextOptions::default().set_indexing_options(text_indexing);
    b.add_text_field("id", STRING | FAST);
    b.add_u64_field("hash", FAST);
    b.add_text_field("text", text);
    // The document as JSON, with `body` left empty; `body` itself is
    // stored zstd-compressed beside it and read only when asked for.
    b.add_text_field("source", STORED);
    b.add_bytes_field("body", STORED);
    let facet = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FACET_TOKENIZER)
                .set_index_option(IndexRecordOption::Basic),
        )
        .set_fast(Some("raw"));
    for name in STRING_FACETS {
        b.add_text_field(name, facet.clone());
    }
    b.add_i64_field("year", INDEXED | FAST);
    b.add_i64_field("date", FAST);
    b.build()
}

/// The Dutch tokenizer for tantivy: [`Analyzer`] over the text.
#[derive(Clone, Default)]
struct DutchTokenizer {
    analyzer: Analyzer,
    /// Reused between texts, strings and all; `len` are in use.
    tokens: Vec<Token>,
    len: usize,
}

struct VecTokenStream<'a> {
    tokens: &'a mut [Token],
    at: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

impl Tokenizer for DutchTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        let tokens = &mut self.tokens;
        let mut len = 0;
        self.analyzer.analyse(text, |position, term, (from, to)| {
            if len == tokens.len() {
                tokens.push(Token::default());
            }
            let token = &mut tokens[len];
            token.offset_from = from;
            token.offset_to = to;
            token.position = position;
            token.position_length = 1;
            token.text.clear();
            token.text.push_str(term);
            len += 1;
        });
        self.len = len;
        VecTokenStream {
            tokens: &mut self.tokens[..len],
            at: 0,
        }
    }
}

fn register_tokenizers(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, TextAnalyzer::from(DutchTokenizer::default()));
    index.tokenizers().register(
        FACET_TOKENIZER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
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
        let s = index.schema();
        let field = |name: &str| s.get_field(name).map_err(|e| open_error(e.to_string()));
        let fields = Fields {
            id: field("id")?,
            hash: field("hash")?,
            text: field("text")?,
            source: field("source")?,
            body: field("body")?,
            year: field("year")?,
            date: field("date")?,
        };
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
    fn current(&self) -> Result<HashMap<String, u64>, String> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let ids = ff.str("id").map_err(|e| e.to_string())?;
            let hashes = ff.u64("hash").map_err(|e| e.to_string())?;
            let Some(ids) = ids else { continue };
            let mut id = String::new();
            for doc in segment.doc_ids_alive() {
                let Some(ord) = ids.term_ords(doc).next() else {
                    continue;
                };
                id.clear();
                if ids.ord_to_str(ord, &mut id).map_err(|e| e.to_string())? {
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
        let write_error = |message: String| IndexError::Write {
            dir: self.dir.clone(),
            message,
        };
        let _guard = self
            .write_lock
            .lock()
            .map_err(|_| write_error("an earlier write panicked".into()))?;
        let current = self.current().map_err(write_error)?;
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
                        let converted = self.to_tantivy(doc, id.clone(), *hash)?;
                        Ok((id, converted))
                    })
                    .collect::<Result<_, String>>()
                    .map_err(write_error)?
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

    fn to_tantivy(
        &self,
        doc: &SearchDocument,
        id: String,
        hash: u64,
    ) -> Result<TantivyDocument, String> {
        let f = &self.fields;
        let s = self.index.schema();
        let mut out = TantivyDocument::default();
        out.add_text(f.id, id);
        out.add_u64(f.hash, hash);
        // The title counts three times: its words weigh more in BM25
        // without a second field to search (one term scorer per word).
        for _ in 0..TITLE_REPEAT {
            out.add_text(f.text, doc.text("title"));
        }
        out.add_text(f.text, doc.text("summary"));
        out.add_text(f.text, doc.text("body"));
        out.add_text(f.source, stored_source(doc));
        let body = doc.text(BODY);
        if !body.is_empty() {
            let packed = compress_body(body.as_bytes())
                .map_err(|e| format!("compressing the body of {}: {e}", doc.id()))?;
            out.add_bytes(f.body, &packed);
        }
        for name in STRING_FACETS {
            if let Ok(field) = s.get_field(name) {
                for value in doc.values(name) {
                    out.add_text(field, value);
                }
            }
        }
        if let Some(year) = doc.year() {
            out.add_i64(f.year, year);
        }
        if let Some(date) = doc.date_key() {
            out.add_i64(f.date, date);
        }
        Ok(out)
    }

    /// Answers one search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        self.search_with(request, Ranker::Words)
    }

    /// Answers one search with `ranker` where the search allows it.
    fn search_with(
        &self,
        request: &SearchRequest,
        ranker: Ranker,
    ) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let synonyms = self
            .synonyms
            .lock()
            .map(|s| std::sync::Arc::clone(&s))
            .unwrap_or_default();
        let plan = QueryPlan::new(&request.q, &searcher, self.fields, &synonyms);
        let segments = if request.facets.is_empty() && request.filter.is_none() {
            Vec::new()
        } else {
            self.read_facets(&searcher, false)?
        };
        // The filter as a set of documents per segment: the words'
        // matches are intersected with it before they are scored.
        let filters: Option<Vec<Arc<DocBits>>> = request
            .filter
            .as_ref()
            .map(|f| segments.iter().map(|s| Arc::new(s.filter(f))).collect());
        // Words ranked by relevance alone go the bitset way; phrases and
        // sort keys through tantivy's scorers.
        let words = match ranker {
            Ranker::Words if request.sort.is_empty() && !plan.words.is_empty() => {
                plan.plain_words()
            }
            _ => None,
        };
        let outcome = match words {
            Some(words) => {
                let ranking = ranking::rank(
                    &searcher,
                    self.fields.text,
                    &words,
                    filters.as_deref(),
                    request.matching_strategy == MatchingStrategy::All,
                    request.offset + request.limit,
                    started + super::request::SEARCH_CUTOFF,
                )
                .map_err(|e| SearchError::internal(e.to_string()))?;
                let counts = segments
                    .iter()
                    .zip(&ranking.matched)
                    .map(|(facets, matched)| {
                        request
                            .facets
                            .iter()
                            .map(|name| (name.clone(), facets.count(name, matched)))
                            .collect()
                    })
                    .collect();
                let (facets, stats) = facet_outcome(&request.facets, counts);
                Outcome {
                    total: ranking.total,
                    top: ranking.top.into_iter().map(|(_, a)| a).collect(),
                    facets,
                    stats,
                }
            }
            None => self.collect(request, &searcher, &plan, segments, filters)?,
        };
        let with_body = request.uses(BODY);
        let mut hits = Vec::new();
        for address in outcome.top.iter().skip(request.offset) {
            let document = self.stored_document(&searcher, *address, with_body)?;
            hits.push(format_hit(document, request, &plan.matched));
        }
        Ok(SearchResponse {
            hits,
            query: request.q.clone(),
            processing_time_ms: started.elapsed().as_millis() as u64,
            limit: request.limit,
            offset: request.offset,
            page: request.page,
            total: outcome.total,
            facet_distribution: (!request.facets.is_empty()).then_some(outcome.facets),
            facet_stats: (!request.facets.is_empty()).then_some(outcome.stats),
        })
    }

    /// Ranks through tantivy's own scorers and a collector: sort keys,
    /// phrases and the empty query (newest first).
    fn collect(
        &self,
        request: &SearchRequest,
        searcher: &Searcher,
        plan: &QueryPlan,
        segments: Vec<Arc<SegmentFacets>>,
        filters: Option<Vec<Arc<DocBits>>>,
    ) -> Result<Outcome, SearchError> {
        let filter_query = filters.map(|sets| BitsQuery {
            sets: Arc::new(
                searcher
                    .segment_readers()
                    .iter()
                    .map(|r| r.segment_id())
                    .zip(sets)
                    .collect(),
            ),
        });
        let collector = Collect {
            wanted: request.offset + request.limit,
            sort: request
                .sort
                .iter()
                .map(|k| (k.attribute.clone(), k.descending))
                .collect(),
            facets: request.facets.clone(),
            default_date_sort: request.q.trim().is_empty() && request.sort.is_empty(),
            segment_facets: segments,
        };
        let mut words = plan.words.len();
        loop {
            let query = plan.query(words, filter_query.as_ref());
            let outcome = searcher
                .search(&*query, &collector)
                .map_err(|e| SearchError::internal(e.to_string()))?;
            let give_up = outcome.total > 0
                || words <= 1
                || request.matching_strategy == MatchingStrategy::All;
            if give_up {
                return Ok(outcome);
            }
            words -= 1;
        }
    }

    /// The facets of each of `searcher`'s segments, by segment ordinal,
    /// read now for segments not seen before. With `forget`, segments
    /// that are gone (merged or deleted) are dropped from the cache.
    fn read_facets(
        &self,
        searcher: &Searcher,
        forget: bool,
    ) -> Result<Vec<Arc<SegmentFacets>>, SearchError> {
        let mut cache = self
            .facets
            .lock()
            .map_err(|_| SearchError::internal("the facet cache is poisoned"))?;
        let mut out = Vec::new();
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let facets = match cache.get(&id) {
                Some(f) => Arc::clone(f),
                None => {
                    let f =
                        Arc::new(SegmentFacets::read(reader).map_err(|e| {
                            SearchError::internal(format!("reading the facets: {e}"))
                        })?);
                    cache.insert(id, Arc::clone(&f));
                    f
                }
            };
            out.push(facets);
        }
        if forget {
            let live: HashSet<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .collect();
            cache.retain(|id, _| live.contains(id));
        }
        Ok(out)
    }

    /// Hit `address` as it was indexed; its `body` is read and
    /// decompressed only `with_body`, and otherwise stays empty.
    fn stored_document(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        with_body: bool,
    ) -> Result<Map<String, Value>, SearchError> {
        let read_error = |e: tantivy::TantivyError| SearchError::internal(e.to_string());
        let parse = |source: &str| -> Result<Map<String, Value>, SearchError> {
            serde_json::from_str(source)
                .map_err(|e| SearchError::internal(format!("stored document: {e}")))
        };
        if !with_body {
            let StoredSource(source) = searcher.doc(address).map_err(read_error)?;
            return parse(&source);
        }
        let doc: TantivyDocument = searcher.doc(address).map_err(read_error)?;
        let source = doc
            .get_first(self.fields.source)
            .and_then(|v| v.as_str())
            .unwrap_or("{}");
        let mut document = parse(source)?;
        if let Some(packed) = doc.get_first(self.fields.body).and_then(|v| v.as_bytes()) {
            let bytes = zstd::stream::decode_all(packed)
                .map_err(|e| SearchError::internal(format!("stored body: {e}")))?;
            let body = String::from_utf8(bytes)
                .map_err(|e| SearchError::internal(format!("stored body: {e}")))?;
            document.insert(BODY.into(), Value::String(body));
        }
        Ok(document)
    }
}

/// `body` compressed for the store, by one zstd context per thread:
/// creating a context per document cost a fifth of indexing time.
fn compress_body(body: &[u8]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if let Some(compressor) = slot.as_mut() {
            return compressor.compress(body);
        }
        let mut compressor = zstd::bulk::Compressor::new(BODY_ZSTD_LEVEL)?;
        let packed = compressor.compress(body);
        *slot = Some(compressor);
        packed
    })
}

/// A stored document read only as far as its `source`: that is the
/// first stored field, so the compressed body after it is not copied.
struct StoredSource(String);

impl DocumentDeserialize for StoredSource {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        Ok(StoredSource(match deserializer.next_field::<String>()? {
            Some((_, source)) => source,
            None => "{}".to_string(),
        }))
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

/// The document as JSON for the store, its `body` left empty (but in
/// its place, so attributes keep their order).
fn stored_source(doc: &SearchDocument) -> String {
    let mut map = Map::with_capacity(doc.0.len());
    for (key, value) in &doc.0 {
        let value = if key == BODY && value.is_string() {
            Value::String(String::new())
        } else {
            value.clone()
        };
        map.insert(key.clone(), value);
    }
    serde_json::to_string(&map).unwrap_or_default()
}

// ------------------------------------------------------------------ queries

/// How many times the title is indexed in `text`.
const TITLE_REPEAT: usize = 3;
/// Weights of the alternatives for one query word.
const SYNONYM_WEIGHT: f32 = 0.8;
const COMPOUND_WEIGHT: f32 = 0.7;
const PREFIX_WEIGHT: f32 = 0.5;
const TYPO_WEIGHT: [f32; 3] = [1.0, 0.3, 0.15];
const MAX_TYPO_TERMS: usize = 4;
const MAX_PREFIX_TERMS: usize = 12;

fn dfa_builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    if distance <= 1 {
        ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true))
    } else {
        TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true))
    }
}

struct DfaAutomaton<'a>(&'a DFA);

impl tantivy_fst::Automaton for DfaAutomaton<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// One query word or phrase, analysed.
enum Item {
    /// A word: any of its alternatives (none: it matches nothing).
    Word(Word),
    /// A quoted phrase, or its one word.
    Phrase(Box<dyn Query>),
    /// A phrase that cannot match anything.
    Nothing,
}

struct QueryPlan {
    words: Vec<Item>,
    /// Every index term the query may match, for highlighting.
    matched: HashSet<String>,
}

/// Splits a query into words and quoted phrases. An unclosed quote runs
/// to the end (as a reader types it, it is not an error).
fn split_query(q: &str) -> Vec<(bool, String)> {
    let mut parts = Vec::new();
    let mut rest = q;
    while let Some(start) = rest.find('"') {
        for w in rest[..start].split_whitespace() {
            parts.push((false, w.to_string()));
        }
        let after = &rest[start + 1..];
        let (phrase, next) = match after.find('"') {
            Some(end) => (&after[..end], &after[end + 1..]),
            None => (after, ""),
        };
        if !phrase.trim().is_empty() {
            parts.push((true, phrase.to_string()));
        }
        rest = next;
    }
    for w in rest.split_whitespace() {
        parts.push((false, w.to_string()));
    }
    parts
}

fn term_query(term: Term, weight: f32) -> Box<dyn Query> {
    let query: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
    if weight == 1.0 {
        query
    } else {
        Box::new(BoostQuery::new(query, weight))
    }
}

/// A word as a tantivy query: the union of its alternatives, a compound
/// as the conjunction of its parts.
fn word_query(word: &Word) -> Box<dyn Query> {
    any_of(
        word.iter()
            .map(|alternative| {
                let mut parts: Vec<(Occur, Box<dyn Query>)> = alternative
                    .terms
                    .iter()
                    .map(|t| (Occur::Must, term_query(t.clone(), alternative.weight)))
                    .collect();
                if parts.len() == 1 {
                    parts.remove(0).1
                } else {
                    Box::new(BooleanQuery::new(parts))
                }
            })
            .collect(),
    )
}

/// One clause, or a union of several.
fn any_of(mut clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1 {
        return clauses.remove(0);
    }
    Box::new(BooleanQuery::new(
        clauses.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

impl QueryPlan {
    fn new(q: &str, searcher: &Searcher, fields: Fields, synonyms: &Synonyms) -> QueryPlan {
        let mut analyzer = Analyzer::default();
        let mut plan = QueryPlan {
            words: Vec::new(),
            matched: HashSet::new(),
        };
        let typing = !q.ends_with(char::is_whitespace) && !q.ends_with('"');
        let parts = split_query(q);
        // Words of the query, folded; stop words only count when the query
        // has nothing else.
        let mut items: Vec<(bool, String)> = Vec::new();
        for (phrase, text) in &parts {
            if *phrase {
                items.push((true, text.clone()));
            } else {
                for w in super::analysis::words(text) {
                    items.push((false, w));
                }
            }
        }
        let all_stop = items.iter().all(|(p, w)| !p && is_stop_word(w));
        let last = items.len().saturating_sub(1);
        for (i, (phrase, text)) in items.iter().enumerate() {
            if *phrase {
                plan.add_phrase(text, &mut analyzer, searcher, fields);
                continue;
            }
            if is_stop_word(text) && !all_stop {
                continue;
            }
            let prefix = typing && i == last && !parts.last().is_some_and(|(p, _)| *p);
            plan.add_word(text, prefix, &mut analyzer, searcher, fields, synonyms);
        }
        plan
    }

    fn add_phrase(
        &mut self,
        text: &str,
        analyzer: &mut Analyzer,
        searcher: &Searcher,
        fields: Fields,
    ) {
        let mut terms: Vec<(usize, String)> = Vec::new();
        analyzer.analyse(text, |p, t, _| terms.push((p, t.to_string())));
        if terms.is_empty() {
            return;
        }
        let first = terms[0].0;
        let query = |field: Field| -> Box<dyn Query> {
            if terms.len() == 1 {
                term_query(Term::from_field_text(field, &terms[0].1), 1.0)
            } else {
                Box::new(PhraseQuery::new_with_offset(
                    terms
                        .iter()
                        .map(|(p, t)| (p - first, Term::from_field_text(field, t)))
                        .collect(),
                ))
            }
        };
        let exists = terms
            .iter()
            .all(|(_, t)| doc_freq(searcher, fields.text, t) > 0);
        let item = if exists {
            Item::Phrase(query(fields.text))
        } else {
            Item::Nothing
        };
        for (_, t) in terms {
            self.matched.insert(t);
        }
        self.words.push(item);
    }

    fn add_word(
        &mut self,
        word: &str,
        prefix: bool,
        analyzer: &mut Analyzer,
        searcher: &Searcher,
        fields: Fields,
        synonyms: &Synonyms,
    ) {
        let stem = analyzer
            .term(word)
            .map(|t| t.to_string())
            .unwrap_or_else(|| word.to_string());
        // term → weight, the best weight per term.
        let mut alternatives: HashMap<String, f32> = HashMap::new();
        let mut offer = |term: String, weight: f32| {
            let w = alternatives.entry(term).or_insert(0.0);
            *w = w.max(weight);
        };
        let known = |t: &str| doc_freq(searcher, fields.text, t) > 0;
        let exact = known(&stem);
        if exact {
            offer(stem.clone(), 1.0);
        }
        for synonym in synonyms.of(word, &stem) {
            // Multi-word synonyms are left to their own words.
            let mut parts: Vec<String> = Vec::new();
            analyzer.analyse(&synonym, |_, t, _| parts.push(t.to_string()));
            if parts.len() == 1 && known(&parts[0]) {
                offer(parts.remove(0), SYNONYM_WEIGHT);
            }
        }
        let letters = word.chars().count();
        // Typos and prefixes stand in for a word the index does not have:
        // a known word ranks by itself, and its postings alone are read.
        // Past MAX_WORD_CHARS a word is searched as it is: no typos, no
        // compound split (each costs per letter, and no real word is that long).
        let bounded = letters <= super::request::MAX_WORD_CHARS;
        if letters >= 5 && !exact && bounded {
            let distance = if letters >= 9 { 2 } else { 1 };
            for (term, d) in fuzzy_terms(searcher, &[fields.text], &stem, distance) {
                if term != stem {
                    offer(term, TYPO_WEIGHT[usize::from(d.min(2))]);
                }
            }
        }
        if prefix && letters >= 3 && !exact {
            for term in prefix_terms(searcher, &[fields.text], word) {
                offer(term, PREFIX_WEIGHT);
            }
        }
        let mut ways: Word = Vec::new();
        let mut sorted: Vec<(String, f32)> = alternatives.into_iter().collect();
        sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (term, weight) in sorted {
            ways.push(Alternative {
                terms: vec![Term::from_field_text(fields.text, &term)],
                weight,
            });
            self.matched.insert(term);
        }
        // A compound, split against the index's own words.
        if letters >= 8 && bounded {
            if let Some(parts) =
                decompound_with(word, |part| analyzer_term(part).is_some_and(|t| known(&t)))
            {
                let mut terms = Vec::new();
                for part in &parts {
                    let Some(t) = analyzer_term(part) else {
                        continue;
                    };
                    terms.push(Term::from_field_text(fields.text, &t));
                    self.matched.insert(t);
                }
                if !terms.is_empty() {
                    ways.push(Alternative {
                        terms,
                        weight: COMPOUND_WEIGHT,
                    });
                }
            }
        }
        self.words.push(Item::Word(ways));
    }

    /// The words, when the query is words only (no phrase).
    fn plain_words(&self) -> Option<Vec<&Word>> {
        self.words
            .iter()
            .map(|item| match item {
                Item::Word(word) => Some(word),
                Item::Phrase(_) | Item::Nothing => None,
            })
            .collect()
    }

    /// The query for the first `words` items, AND the filter (which
    /// adds nothing to the score).
    fn query(&self, words: usize, filter: Option<&BitsQuery>) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for item in self.words.iter().take(words) {
            match item {
                Item::Word(word) if !word.is_empty() => {
                    clauses.push((Occur::Must, word_query(word)))
                }
                Item::Phrase(q) => clauses.push((Occur::Must, q.box_clone())),
                Item::Word(_) | Item::Nothing => return Box::new(EmptyQuery),
            }
        }
        match (clauses.is_empty(), filter) {
            (true, Some(f)) => Box::new(f.clone()),
            (true, None) => Box::new(AllQuery),
            (false, Some(f)) => {
                clauses.push((Occur::Must, Box::new(f.clone())));
                Box::new(BooleanQuery::new(clauses))
            }
            (false, None) => Box::new(BooleanQuery::new(clauses)),
        }
    }
}

fn analyzer_term(folded: &str) -> Option<String> {
    cached_term(folded).map(|t| t.to_string())
}

fn doc_freq(searcher: &Searcher, field: Field, term: &str) -> u64 {
    searcher
        .doc_freq(&Term::from_field_text(field, term))
        .unwrap_or(0)
}

/// Index terms within `distance` typos of `term`, the most frequent first.
fn fuzzy_terms(
    searcher: &Searcher,
    fields: &[Field],
    term: &str,
    distance: u8,
) -> Vec<(String, u8)> {
    let dfa = dfa_builder(distance).build_dfa(term);
    let mut found: HashMap<String, (u64, u8)> = HashMap::new();
    for (segment, &field) in searcher
        .segment_readers()
        .iter()
        .flat_map(|s| fields.iter().map(move |f| (s, f)))
    {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let automaton = DfaAutomaton(&dfa);
        let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(key) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let d = match dfa.eval(key) {
                Distance::Exact(d) => d,
                Distance::AtLeast(_) => continue,
            };
            let entry = found.entry(key.to_string()).or_insert((0, d));
            entry.0 += u64::from(stream.value().doc_freq);
        }
    }
    let mut list: Vec<(String, (u64, u8))> = found.into_iter().collect();
    list.sort_by(|a, b| {
        a.1 .1
            .cmp(&b.1 .1)
            .then(b.1 .0.cmp(&a.1 .0))
            .then(a.0.cmp(&b.0))
    });
    list.into_iter()
        .take(MAX_TYPO_TERMS)
        .map(|(t, (_, d))| (t, d))
        .collect()
}

/// Index terms that start with `prefix`, the most frequent first.
fn prefix_terms(searcher: &Searcher, fields: &[Field], prefix: &str) -> Vec<String> {
    let mut found: HashMap<String, u64> = HashMap::new();
    for (segment, &field) in searcher
        .segment_readers()
        .iter()
        .flat_map(|s| fields.iter().map(move |f| (s, f)))
    {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().range().ge(prefix.as_bytes()).into_stream() else {
            continue;
        };
        let mut seen = 0;
        while stream.advance() && seen < 2_000 {
            if !stream.key().starts_with(prefix.as_bytes()) {
                break;
            }
            seen += 1;
            if let Ok(key) = std::str::from_utf8(stream.key()) {
                *found.entry(key.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut list: Vec<(String, u64)> = found.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.into_iter()
        .take(MAX_PREFIX_TERMS)
        .map(|(t, _)| t)
        .collect()
}

// ------------------------------------------------------------------ collecting

/// Counts, facets and the best `wanted` documents in one pass.
struct Collect {
    wanted: usize,
    sort: Vec<(String, bool)>,
    facets: Vec<String>,
    /// With no query and no sort, the newest first.
    default_date_sort: bool,
    /// Per segment ordinal, that segment's facets (when facets are asked
    /// for or there is a filter).
    segment_facets: Vec<Arc<SegmentFacets>>,
}

#[derive(Default)]
struct Outcome {
    total: usize,
    top: Vec<DocAddress>,
    facets: Map<String, Value>,
    stats: Map<String, Value>,
}

/// Bigger is better: sort keys first, then the score and index order as
/// [`Scored`] compares them (fields compare in this order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    keys: Vec<i64>,
    scored: Scored,
}

struct SegmentCollect {
    segment: SegmentOrdinal,
    wanted: usize,
    keys: Vec<(tantivy::columnar::Column<i64>, bool)>,
    best: Best<Rank>,
    total: usize,
    /// The matching documents, kept when facets are to be counted.
    matched: Option<(Arc<SegmentFacets>, DocBits)>,
    facet_names: Vec<String>,
}

struct SegmentFruit {
    total: usize,
    top: Vec<Rank>,
    facets: FacetCounts,
}

impl Collector for Collect {
    type Fruit = Outcome;
    type Child = SegmentCollect;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCollect> {
        let ff = reader.fast_fields();
        let mut keys = Vec::new();
        for (attribute, descending) in &self.sort {
            keys.push((ff.i64(attribute)?, *descending));
        }
        if self.default_date_sort {
            keys.push((ff.i64("date")?, true));
        }
        let matched = if self.facets.is_empty() {
            None
        } else {
            let facets = match self.segment_facets.get(segment as usize) {
                Some(f) => Arc::clone(f),
                None => Arc::new(SegmentFacets::read(reader)?),
            };
            let bits = DocBits::empty(facets.max_doc());
            Some((facets, bits))
        };
        Ok(SegmentCollect {
            segment,
            wanted: self.wanted,
            keys,
            best: Best::new(self.wanted),
            total: 0,
            matched,
            facet_names: self.facets.clone(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Outcome> {
        let mut total = 0;
        let mut all: Vec<Rank> = Vec::new();
        let mut counts = Vec::new();
        for fruit in fruits {
            total += fruit.total;
            all.extend(fruit.top);
            counts.push(fruit.facets);
        }
        all.sort_by(|a, b| b.cmp(a));
        all.truncate(self.wanted);
        let (facets, stats) = facet_outcome(&self.facets, counts);
        Ok(Outcome {
            total,
            top: all.into_iter().map(|r| r.scored.doc_address()).collect(),
            facets,
            stats,
        })
    }
}

/// One segment's counts: per facet, per value, how many documents.
type FacetCounts = Vec<(String, Vec<(String, u64)>)>;

/// The facet distribution and stats in Meilisearch's shape, from each
/// segment's counts per facet.
fn facet_outcome(
    names: &[String],
    per_segment: Vec<FacetCounts>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut merged: HashMap<String, HashMap<String, u64>> = HashMap::new();
    for (facet, counts) in per_segment.into_iter().flatten() {
        let into = merged.entry(facet).or_default();
        for (value, n) in counts {
            *into.entry(value).or_default() += n;
        }
    }
    let mut distribution = Map::new();
    let mut stats = Map::new();
    for facet in names {
        let mut values: Vec<(String, u64)> = merged
            .remove(facet)
            .unwrap_or_default()
            .into_iter()
            .collect();
        values.sort_by(|a, b| {
            a.0.to_lowercase()
                .cmp(&b.0.to_lowercase())
                .then(a.0.cmp(&b.0))
        });
        if facet == "year" {
            let years: Vec<i64> = values.iter().filter_map(|(y, _)| y.parse().ok()).collect();
            if let (Some(min), Some(max)) = (years.iter().min(), years.iter().max()) {
                stats.insert("year".into(), serde_json::json!({"min": min, "max": max}));
            }
        }
        let map: Map<String, Value> = values
            .into_iter()
            .map(|(v, n)| (v, Value::from(n)))
            .collect();
        distribution.insert(facet.clone(), Value::Object(map));
    }
    (distribution, stats)
}

impl SegmentCollector for SegmentCollect {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if let Some((_, bits)) = &mut self.matched {
            bits.insert(doc);
        }
        if self.wanted == 0 {
            return;
        }
        if self.keys.is_empty() {
            // Relevance only: most documents lose on the score alone.
            if let Some(worst) = self.best.worst() {
                if score < worst.scored.score {
                    return;
                }
            }
        }
        let keys = self
            .keys
            .iter()
            .map(|(column, descending)| match column.first(doc) {
                Some(v) if *descending => v,
                Some(v) => -v,
                None => i64::MIN,
            })
            .collect();
        let rank = Rank {
            keys,
            scored: Scored {
                score,
                address: (self.segment, doc),
            },
        };
        self.best.offer(rank);
    }

    fn harvest(self) -> SegmentFruit {
        let mut facets = Vec::new();
        if let Some((segment, matched)) = &self.matched {
            for name in &self.facet_names {
                facets.push((name.clone(), segment.count(name, matched)));
            }
        }
        SegmentFruit {
            total: self.total,
            top: self.best.into_sorted(),
            facets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const WORDS: &[&str] = &[
        "onderwijs",
        "kansen",
        "onderwijskansen",
        "wijk",
        "wijken",
        "jongeren",
        "vluchteling",
        "vluchtelingen",
        "integratie",
        "inburgering",
        "gemeente",
        "statushouder",
        "werk",
        "taal",
        "financiële",
        "discriminatie",
        "arbeidsmarkt",
        "gezondheid",
        "wonen",
        "buurt",
        "school",
        "ouders",
        "participatie",
        "onderzoek",
        "beleid",
        "nieuwkomers",
        "racisme",
        "samenleving",
        "de",
        "het",
        "een",
        "van",
        "en",
        "in",
        "met",
        "voor",
    ];

    /// A corpus whose word counts vary (a few words everywhere, most in
    /// some documents), so blocks of postings differ in their best score.
    fn corpus(count: usize, seed: u64) -> Vec<SearchDocument> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Low indexes far more often than high ones.
        let mut pick = || {
            let a = (next() % WORDS.len() as u64) as usize;
            let b = (next() % WORDS.len() as u64) as usize;
            a.min(b)
        };
        (0..count)
            .map(|i| {
                let words = |n: usize, pick: &mut dyn FnMut() -> usize| {
                    (0..n).map(|_| WORDS[pick()]).collect::<Vec<_>>().join(" ")
                };
                let title = words(3 + i % 4, &mut pick);
                let body = words(10 + (i * 7) % 150, &mut pick);
                let kind = ["publicatie", "podcast", "vraag"][i % 3];
                let themes: &[&str] =
                    [&["onderwijs"][..], &["wonen"], &["werk", "onderwijs"]][i % 3];
                let value = json!({
                    "id": format!("d{i}"),
                    "title": title,
                    "summary": "",
                    "body": body,
                    "type": kind,
                    "thema": themes,
                    "year": 2015 + (i % 10) as i64,
                    "date": format!("{}-01-01", 2015 + i % 10),
                });
                SearchDocument::from_json(i, value).expect("a valid document")
            })
            .collect()
    }

    fn hits(response: &SearchResponse) -> Vec<String> {
        let value = response.clone().into_json();
        value["hits"]
            .as_array()
            .map(|hits| {
                hits.iter()
                    .map(|h| h["id"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn both_rankers_give_the_same_answers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = EmbeddedIndex::open(dir.path(), Synonyms::default()).expect("open");
        // Two segments, the first with deleted (updated and removed)
        // documents.
        let first = corpus(3_000, 7);
        index.sync(&first, &|_, _| {}).expect("first sync");
        let mut second = corpus(3_000, 11);
        second.truncate(2_500);
        second.extend(corpus(4_000, 13).into_iter().skip(3_000));
        index.sync(&second, &|_, _| {}).expect("second sync");
        // A small edit: a few documents change, one goes.
        let mut third = second.clone();
        third.remove(40);
        for doc in third.iter_mut().take(30) {
            doc.0
                .insert("title".into(), json!("onderwijs onderwijs wijken"));
        }
        index.sync(&third, &|_, _| {}).expect("third sync");
        let searcher = index.reader.searcher();
        assert!(searcher.segment_readers().len() > 1, "several segments");
        assert!(
            searcher
                .segment_readers()
                .iter()
                .any(|s| s.num_deleted_docs() > 0),
            "deleted documents"
        );

        let queries = [
            json!({"q": "onderwijs"}),
            json!({"q": "onderwijs kansen", "limit": 50}),
            json!({"q": "onderwijskansen"}),
            json!({"q": "wijken jongeren school", "limit": 7, "offset": 3}),
            json!({"q": "jongiren"}),
            json!({"q": "financiele onderzo"}),
            json!({"q": "de integratie", "facets": ["type", "thema"], "filter": "year >= 2020"}),
            json!({"q": "taal xylofoon", "facets": ["year"]}),
            json!({"q": "taal xylofoon", "matchingStrategy": "all"}),
            json!({"q": "racisme buurt ouders beleid", "filter": "type = podcast OR thema = wonen", "limit": 200}),
            json!({"q": "gemeente", "limit": 0, "facets": ["thema"]}),
            json!({"q": "gemeente", "limit": 5000}),
        ];
        for body in queries {
            let request = SearchRequest::from_json(&body).expect("request");
            let words = index.search_with(&request, Ranker::Words).expect("bitsets");
            let scorers = index
                .search_with(&request, Ranker::Scorers)
                .expect("scorers");
            assert_eq!(words.total, scorers.total, "total for {body}");
            assert_eq!(
                words.facet_distribution, scorers.facet_distribution,
                "facets for {body}"
            );
            assert_eq!(hits(&words), hits(&scorers), "hits for {body}");
        }
    }
}
