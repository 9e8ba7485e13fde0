//! What the index holds: one document per published item, the same JSON
//! for the embedded index and for Meilisearch (the `publications` index).

use serde_json::{Map, Value};

use crate::model::{Collection, Entry, Kind};

/// The index uid, for both backends.
pub const INDEX_UID: &str = "publications";
/// Searched, in order of weight.
pub const SEARCHABLE: &[&str] = &["title", "summary", "body"];
/// Usable in `filter` and `facets`.
pub const FILTERABLE: &[&str] = &["soort", "type", "thema", "programmalijn", "partner", "year"];
/// Usable in `sort`.
pub const SORTABLE: &[&str] = &[DATE_FIELD, "year"];

/// The publication date, as text (`2020-06-01`, `2020-06` or `2020`).
pub const DATE_FIELD: &str = "date";
/// Facets whose values are strings (`year` is a number).
pub const STRING_FACETS: &[&str] = &["soort", "type", "thema", "programmalijn", "partner"];

/// One searchable item: a JSON object with at least an `id` (a string of
/// letters, digits, `-` and `_`, or a whole number, as Meilisearch asks).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDocument(pub Map<String, Value>);

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DocumentError {
    #[error("document {position}: no `id`")]
    MissingId { position: usize },
    #[error("document {position}: `id` {id} is not a whole number or a string of letters, digits, - and _")]
    BadId { position: usize, id: String },
    #[error("document {position}: `{field}` must be {expected}")]
    BadField {
        position: usize,
        field: &'static str,
        expected: &'static str,
    },
    #[error("document {position}: not a JSON object")]
    NotAnObject { position: usize },
    #[error("two documents have the id {id}")]
    DuplicateId { id: String },
}

impl SearchDocument {
    /// Checks a document from outside (a JSON lines corpus) and wraps it.
    pub fn from_json(position: usize, value: Value) -> Result<SearchDocument, DocumentError> {
        let Value::Object(map) = value else {
            return Err(DocumentError::NotAnObject { position });
        };
        let doc = SearchDocument(map);
        doc.validate(position)?;
        Ok(doc)
    }

    fn validate(&self, position: usize) -> Result<(), DocumentError> {
        match self.0.get("id") {
            None => return Err(DocumentError::MissingId { position }),
            Some(Value::Number(n)) if n.is_u64() => {}
            Some(Value::String(s))
                if !s.is_empty()
                    && s.len() <= 511
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {}
            Some(other) => {
                return Err(DocumentError::BadId {
                    position,
                    id: other.to_string(),
                })
            }
        }
        for field in SEARCHABLE
            .iter()
            .copied()
            .chain(std::iter::once(DATE_FIELD))
        {
            if let Some(v) = self.0.get(field) {
                if !(v.is_string() || v.is_null()) {
                    return Err(DocumentError::BadField {
                        position,
                        field,
                        expected: "a string",
                    });
                }
            }
        }
        for field in STRING_FACETS {
            if let Some(v) = self.0.get(*field) {
                let ok = match v {
                    Value::String(_) | Value::Null => true,
                    Value::Array(items) => items.iter().all(Value::is_string),
                    _ => false,
                };
                if !ok {
                    return Err(DocumentError::BadField {
                        position,
                        field,
                        expected: "a string or a list of strings",
                    });
                }
            }
        }
        if let Some(v) = self.0.get("year") {
            if !(v.is_i64() || v.is_null()) {
                return Err(DocumentError::BadField {
                    position,
                    field: "year",
                    expected: "a whole number",
                });
            }
        }
        Ok(())
    }

    /// The id as text (`17` or `publicaties-x`).
    pub fn id(&self) -> String {
        match self.0.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }

    pub fn text(&self, field: &str) -> &str {
        self.0
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The values of a string facet, one or many.
    pub fn values(&self, field: &str) -> Vec<&str> {
        match self.0.get(field) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn year(&self) -> Option<i64> {
        self.0.get("year").and_then(Value::as_i64)
    }

    /// The date as a sortable day number (`2024-09-11` → 20240911).
    pub fn date_key(&self) -> Option<i64> {
        let date = self.text(DATE_FIELD);
        let digits: String = date.chars().take(10).filter(char::is_ascii_digit).collect();
        // A month or a year sorts as its first day.
        match digits.len() {
            8 => digits.parse().ok(),
            6 => digits.parse::<i64>().ok().map(|ym| ym * 100 + 1),
            _ => self.year().map(|y| y * 10_000 + 101),
        }
    }

    /// A hash of the whole document: the embedded index reindexes a
    /// document only when this changes.
    pub fn content_hash(&self) -> u64 {
        use sha2::{Digest, Sha256};
        let bytes = serde_json::to_vec(&self.0).unwrap_or_default();
        let digest = Sha256::digest(&bytes);
        let first: [u8; 8] = digest
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default();
        u64::from_le_bytes(first)
    }
}

/// Checks a set of documents: valid each, and no id twice.
pub fn check_unique(docs: &[SearchDocument]) -> Result<(), DocumentError> {
    let mut seen = std::collections::HashSet::new();
    for doc in docs {
        let id = doc.id();
        if !seen.insert(id.clone()) {
            return Err(DocumentError::DuplicateId { id });
        }
    }
    Ok(())
}

/// A JSON lines corpus that cannot be indexed.
#[derive(Debug, thiserror::Error)]
pub enum JsonLinesError {
    #[error("line {line}: {source}")]
    Json {
        line: usize,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Document(#[from] DocumentError),
}

/// Reads a JSON lines corpus (one document per line; the benchmark's
/// `synth_corpus.py` writes these).
pub fn read_json_lines(text: &str) -> Result<Vec<SearchDocument>, JsonLinesError> {
    use rayon::prelude::*;
    // Parsed on all cores: a 100,000-document corpus is 400 MB of JSON.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let docs = lines
        .into_par_iter()
        .map(|(n, line)| {
            let value: Value =
                serde_json::from_str(line).map_err(|source| JsonLinesError::Json {
                    line: n + 1,
                    source,
                })?;
            Ok(SearchDocument::from_json(n + 1, value)?)
        })
        .collect::<Result<Vec<_>, JsonLinesError>>()?;
    check_unique(&docs)?;
    Ok(docs)
}

/// The search document of one published item: a serializable view of the
/// typed entry, in the field order both backends index.
#[derive(Debug, serde::Serialize)]
struct SearchView<'a> {
    id: String,
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    body: String,
    /// What kind of page: publicatie, podcastaflevering, vraag, dossier,
    /// kennisatelier, portaalproject, thema, partner or pagina.
    soort: &'static str,
    #[serde(rename = "type")]
    types: Vec<&'a str>,
    thema: &'a [String],
    programmalijn: &'a [String],
    partner: &'a [String],
    year: Option<i64>,
    date: Option<String>,
}

impl<'a> SearchView<'a> {
    fn of(entry: &Entry<'a>) -> SearchView<'a> {
        let page = entry.page;
        let mut types: Vec<&str> = entry.terms("type").iter().map(String::as_str).collect();
        if types.is_empty() {
            match entry.kind() {
                Kind::Publication => types.push("publicatie"),
                Kind::Episode => types.push("podcast-aflevering"),
                Kind::Question => types.push("vraag-en-antwoord"),
                Kind::Dossier => types.push("dossier"),
                _ => {}
            }
        }
        // As far as it is known: `2020`, `2020-12` or `2020-12-01`.
        let format = match entry.item.date_precision() {
            crate::model::DatePrecision::Year => "%Y",
            crate::model::DatePrecision::Month => "%Y-%m",
            crate::model::DatePrecision::Day => "%Y-%m-%d",
        };
        let date = page
            .date
            .as_ref()
            .map(|d| d.moment.format(format).to_string());
        let year = entry
            .terms("jaar")
            .first()
            .and_then(|j| j.parse::<i64>().ok())
            .or_else(|| {
                date.as_deref()
                    .and_then(|d| d.get(..4))
                    .and_then(|y| y.parse().ok())
            });
        SearchView {
            soort: soort(entry.kind()),
            id: document_id(&page.path),
            url: &page.path,
            title: page.meta.title.as_deref().unwrap_or_default(),
            summary: page.meta.description.as_deref().unwrap_or_default(),
            body: plain_text(&page.body),
            types,
            thema: entry.terms("thema"),
            programmalijn: entry.terms("programmalijn"),
            partner: entry.terms("partner"),
            year,
            date,
        }
    }
}

/// The `soort` of a page kind, as the results page shows it.
pub fn soort(kind: Kind) -> &'static str {
    match kind {
        Kind::Publication => "publicatie",
        Kind::Episode => "podcastaflevering",
        Kind::Question => "vraag",
        Kind::Dossier => "dossier",
        Kind::Kennisatelier => "kennisatelier",
        Kind::PortalProject => "portaalproject",
        Kind::ThemePage => "thema",
        Kind::Partner => "partner",
        Kind::Other => "pagina",
    }
}

/// Every published content page of the site, of every kind. Drafts never
/// reach the index, whatever the collection was loaded with.
pub fn from_collection(collection: &Collection) -> Vec<SearchDocument> {
    use rayon::prelude::*;
    let entries: Vec<_> = collection
        .entries()
        .filter(|e| !e.page.meta.draft && e.page.meta.in_search_index && e.is_published())
        .collect();
    // Each document reads its page's Markdown again for the plain text:
    // in parallel, in the collection's order.
    entries
        .par_iter()
        .filter_map(|e| match serde_json::to_value(SearchView::of(e)) {
            Ok(Value::Object(map)) => Some(SearchDocument(map)),
            _ => None,
        })
        .collect()
}

/// `/publicaties/de-stilte-voorbij/` → `publicaties-de-stilte-voorbij`.
pub fn document_id(path: &str) -> String {
    let id: String = path
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.is_empty() {
        "home".into()
    } else {
        id
    }
}

/// The readable text of a page's Markdown: no markup, no shortcodes.
fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => {
                out.push_str("\n\n")
            }
            Event::Start(Tag::Item) => {}
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_follow_meilisearch_rules() {
        assert_eq!(
            document_id("/publicaties/de-stilte-voorbij/"),
            "publicaties-de-stilte-voorbij"
        );
        assert!(SearchDocument::from_json(1, json!({"id": "a/b"})).is_err());
        assert!(SearchDocument::from_json(1, json!({"id": -3})).is_err());
        assert!(SearchDocument::from_json(1, json!({"id": 3, "year": 2020})).is_ok());
        assert_eq!(
            SearchDocument::from_json(4, json!({"id": 3, "thema": [1]})),
            Err(DocumentError::BadField {
                position: 4,
                field: "thema",
                expected: "a string or a list of strings"
            })
        );
    }

    #[test]
    fn date_keys_sort_like_dates() {
        let doc = |d: Value| {
            SearchDocument(
                json!({"id": 1, "date": d, "year": 2019})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )
        };
        assert_eq!(doc(json!("2024-09-11")).date_key(), Some(20240911));
        assert_eq!(doc(json!("2020-12")).date_key(), Some(20201201));
        assert_eq!(
            doc(json!("2020")).date_key(),
            Some(20190101),
            "the year field wins"
        );
        assert_eq!(doc(Value::Null).date_key(), Some(20190101));
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text("Zie [het rapport](@/x.md) en **dit**.\n\n- een\n- twee"),
            "Zie het rapport en dit.\n\neen\n\ntwee"
        );
    }
}
