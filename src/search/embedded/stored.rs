//! The stored-document codec: a [`SearchDocument`] into the tantivy
//! document that is indexed and stored, and a hit's stored fields back
//! into the JSON a response shows. Not for ranking or querying.
//!
//! The document is stored as JSON with its `body` left empty; the body,
//! most of its size and rarely shown whole, is stored beside it
//! zstd-compressed and read only when a request asks for it.

use serde_json::{Map, Value};
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Schema, Value as _};
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::schema::Fields;
use crate::search::document::{SearchDocument, STRING_FACETS};
use crate::search::error::SearchError;

/// The attribute kept apart from the stored document: it is most of its
/// size and few requests show it whole.
pub const BODY: &str = "body";
/// zstd level for the stored body: the fastest; higher levels gain
/// little on texts of a few kilobytes.
const BODY_ZSTD_LEVEL: i32 = 1;
/// How many times the title is indexed in `text`.
const TITLE_REPEAT: usize = 3;

/// A document that could not be made ready for the index.
#[derive(Debug, thiserror::Error)]
#[error("compressing the body of {id}: {source}")]
pub struct EncodeError {
    /// The document's id.
    pub id: String,
    pub source: std::io::Error,
}

/// `doc` as tantivy indexes and stores it, under `id` with content
/// `hash`.
pub fn encode(
    doc: &SearchDocument,
    id: String,
    hash: u64,
    fields: &Fields,
    schema: &Schema,
) -> Result<TantivyDocument, EncodeError> {
    let f = fields;
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
        let packed = compress_body(body.as_bytes()).map_err(|source| EncodeError {
            id: doc.id(),
            source,
        })?;
        out.add_bytes(f.body, &packed);
    }
    for name in STRING_FACETS {
        if let Ok(field) = schema.get_field(name) {
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

/// Hit `address` as it was indexed; its `body` is read and
/// decompressed only `with_body`, and otherwise stays empty.
pub fn decode(
    searcher: &Searcher,
    fields: &Fields,
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
        .get_first(fields.source)
        .and_then(|v| v.as_str())
        .unwrap_or("{}");
    let mut document = parse(source)?;
    if let Some(packed) = doc.get_first(fields.body).and_then(|v| v.as_bytes()) {
        let bytes = zstd::stream::decode_all(packed)
            .map_err(|e| SearchError::internal(format!("stored body: {e}")))?;
        let body = String::from_utf8(bytes)
            .map_err(|e| SearchError::internal(format!("stored body: {e}")))?;
        document.insert(BODY.into(), Value::String(body));
    }
    Ok(document)
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
