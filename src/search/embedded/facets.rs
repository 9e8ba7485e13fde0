//! Facets of one index segment as bitsets, one per value, read once per
//! segment: a filter is bitset algebra over them, and counting a facet
//! for the matching documents is one AND and one popcount per value;
//! the segments' counts then merge into Meilisearch's facet distribution.
//! No HTTP and no query parsing here.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use serde_json::{Map, Value};

use crate::search::document::STRING_FACETS;
use crate::search::filter::{Filter, Test};

/// The one numeric facet.
const YEAR: &str = "year";

/// A set of a segment's documents, one bit each.
#[derive(Clone, Debug, PartialEq)]
pub struct DocBits {
    words: Vec<u64>,
    max_doc: u32,
}

impl DocBits {
    pub fn empty(max_doc: u32) -> DocBits {
        DocBits {
            words: vec![0; (max_doc as usize).div_ceil(64)],
            max_doc,
        }
    }

    pub fn full(max_doc: u32) -> DocBits {
        let mut bits = DocBits {
            words: vec![u64::MAX; (max_doc as usize).div_ceil(64)],
            max_doc,
        };
        bits.clear_tail();
        bits
    }

    /// Bits past `max_doc` stay zero, so counts and complements are right.
    fn clear_tail(&mut self) {
        let rest = self.max_doc % 64;
        if rest != 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= (1u64 << rest) - 1;
            }
        }
    }

    pub fn insert(&mut self, doc: DocId) {
        if let Some(w) = self.words.get_mut(doc as usize / 64) {
            *w |= 1 << (doc % 64);
        }
    }

    /// Keeps the documents `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(DocId) -> bool) {
        let mut at = self.next_from(0);
        while let Some(doc) = at {
            if !keep(doc) {
                if let Some(w) = self.words.get_mut(doc as usize / 64) {
                    *w &= !(1 << (doc % 64));
                }
            }
            at = doc.checked_add(1).and_then(|d| self.next_from(d));
        }
    }

    pub fn contains(&self, doc: DocId) -> bool {
        self.words
            .get(doc as usize / 64)
            .is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    pub fn and_with(&mut self, other: &DocBits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    pub fn or_with(&mut self, other: &DocBits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    pub fn invert(&mut self) {
        for w in &mut self.words {
            *w = !*w;
        }
        self.clear_tail();
    }

    pub fn count(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// How many documents are in both sets.
    pub fn count_and(&self, other: &DocBits) -> u64 {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| u64::from((a & b).count_ones()))
            .sum()
    }

    /// The first document in the set at or after `from`.
    pub fn next_from(&self, from: DocId) -> Option<DocId> {
        if from >= self.max_doc {
            return None;
        }
        let mut i = from as usize / 64;
        let mut word = self.words.get(i)? & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                return Some((i * 64) as DocId + word.trailing_zeros());
            }
            i += 1;
            word = *self.words.get(i)?;
        }
    }
}

/// One facet of one segment: its values and, per value, its documents.
struct FacetColumn {
    values: Vec<String>,
    /// For the numeric facet, the values as numbers (same order).
    numbers: Vec<i64>,
    bits: Vec<DocBits>,
    /// Documents with any value.
    any: DocBits,
}

impl FacetColumn {
    fn string(max_doc: u32, column: &StrColumn) -> tantivy::Result<FacetColumn> {
        let mut values = Vec::with_capacity(column.num_terms());
        let mut text = String::new();
        for ord in 0..column.num_terms() as u64 {
            text.clear();
            column.ord_to_str(ord, &mut text)?;
            values.push(text.clone());
        }
        let mut bits = vec![DocBits::empty(max_doc); values.len()];
        let mut any = DocBits::empty(max_doc);
        for doc in 0..max_doc {
            for ord in column.term_ords(doc) {
                if let Some(b) = bits.get_mut(ord as usize) {
                    b.insert(doc);
                    any.insert(doc);
                }
            }
        }
        Ok(FacetColumn {
            values,
            numbers: Vec::new(),
            bits,
            any,
        })
    }

    fn numeric(max_doc: u32, column: &Column<i64>) -> FacetColumn {
        let numbers: Vec<i64> = (0..max_doc)
            .flat_map(|doc| column.values_for_doc(doc))
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect();
        let mut bits = vec![DocBits::empty(max_doc); numbers.len()];
        let mut any = DocBits::empty(max_doc);
        for doc in 0..max_doc {
            for value in column.values_for_doc(doc) {
                if let Ok(i) = numbers.binary_search(&value) {
                    bits[i].insert(doc);
                    any.insert(doc);
                }
            }
        }
        FacetColumn {
            values: numbers.iter().map(|n| n.to_string()).collect(),
            numbers,
            bits,
            any,
        }
    }

    /// Documents whose value equals `value`: numbers exactly, strings
    /// without regard to case (as Meilisearch compares them).
    fn equals(&self, value: &str, max_doc: u32) -> DocBits {
        let mut out = DocBits::empty(max_doc);
        if self.numbers.is_empty() {
            let wanted = value.to_lowercase();
            for (v, bits) in self.values.iter().zip(&self.bits) {
                if v.to_lowercase() == wanted {
                    out.or_with(bits);
                }
            }
        } else if let Ok(n) = value.trim().parse::<f64>() {
            if n.fract() == 0.0 {
                if let Ok(i) = self.numbers.binary_search(&(n as i64)) {
                    out.or_with(&self.bits[i]);
                }
            }
        }
        out
    }

    /// Documents with a number in the bounds (`(bound, inclusive)`).
    fn range(&self, low: Option<(f64, bool)>, high: Option<(f64, bool)>, max_doc: u32) -> DocBits {
        let mut out = DocBits::empty(max_doc);
        for (n, bits) in self.numbers.iter().zip(&self.bits) {
            let v = *n as f64;
            let above = match low {
                Some((l, true)) => v >= l,
                Some((l, false)) => v > l,
                None => true,
            };
            let below = match high {
                Some((h, true)) => v <= h,
                Some((h, false)) => v < h,
                None => true,
            };
            if above && below {
                out.or_with(bits);
            }
        }
        out
    }
}

/// Every facet of one segment.
pub struct SegmentFacets {
    max_doc: u32,
    columns: Vec<(&'static str, FacetColumn)>,
}

impl SegmentFacets {
    pub fn read(reader: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let ff = reader.fast_fields();
        let max_doc = reader.max_doc();
        let mut columns = Vec::new();
        for name in STRING_FACETS {
            if let Some(column) = ff.str(name)? {
                columns.push((*name, FacetColumn::string(max_doc, &column)?));
            }
        }
        columns.push((YEAR, FacetColumn::numeric(max_doc, &ff.i64(YEAR)?)));
        Ok(SegmentFacets { max_doc, columns })
    }

    pub fn max_doc(&self) -> u32 {
        self.max_doc
    }

    fn column(&self, attribute: &str) -> Option<&FacetColumn> {
        self.columns
            .iter()
            .find(|(name, _)| *name == attribute)
            .map(|(_, c)| c)
    }

    /// The documents that pass `filter` (deleted ones included: tantivy
    /// leaves those out when collecting).
    pub fn filter(&self, filter: &Filter) -> DocBits {
        let max = self.max_doc;
        match filter {
            Filter::And(items) => {
                let mut out = DocBits::full(max);
                for item in items {
                    out.and_with(&self.filter(item));
                }
                out
            }
            Filter::Or(items) => {
                let mut out = DocBits::empty(max);
                for item in items {
                    out.or_with(&self.filter(item));
                }
                out
            }
            Filter::Not(inner) => {
                let mut out = self.filter(inner);
                out.invert();
                out
            }
            Filter::Condition { attribute, test } => {
                let Some(column) = self.column(attribute) else {
                    // No document of this segment has the attribute.
                    let mut none = DocBits::empty(max);
                    if matches!(test, Test::NotEquals(_)) {
                        none.invert();
                    }
                    return none;
                };
                match test {
                    Test::Equals(v) => column.equals(v, max),
                    Test::NotEquals(v) => {
                        let mut out = column.equals(v, max);
                        out.invert();
                        out
                    }
                    Test::In(values) => {
                        let mut out = DocBits::empty(max);
                        for v in values {
                            out.or_with(&column.equals(v, max));
                        }
                        out
                    }
                    Test::Exists => column.any.clone(),
                    Test::Range { low, high } => column.range(*low, *high, max),
                }
            }
        }
    }

    /// Per value of `attribute`, how many of `matched` have it; values
    /// none of them has are left out.
    pub fn count(&self, attribute: &str, matched: &DocBits) -> Vec<(String, u64)> {
        let Some(column) = self.column(attribute) else {
            return Vec::new();
        };
        column
            .values
            .iter()
            .zip(&column.bits)
            .filter_map(|(value, bits)| {
                let n = matched.count_and(bits);
                (n > 0).then(|| (value.clone(), n))
            })
            .collect()
    }
}

/// A query matching exactly the documents of precomputed sets, one per
/// segment, scoring zero: a filter.
#[derive(Clone, Debug)]
pub struct BitsQuery {
    pub sets: Arc<HashMap<SegmentId, Arc<DocBits>>>,
}

impl Query for BitsQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for BitsQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self
            .sets
            .get(&reader.segment_id())
            .cloned()
            .unwrap_or_else(|| Arc::new(DocBits::empty(reader.max_doc())));
        Ok(Box::new(ConstScorer::new(BitsDocSet::new(bits), 0.0)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inside = self
            .sets
            .get(&reader.segment_id())
            .is_some_and(|b| b.contains(doc));
        if inside {
            Ok(Explanation::new("filter", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not pass the filter"
            )))
        }
    }
}

struct BitsDocSet {
    bits: Arc<DocBits>,
    doc: DocId,
    size: u32,
}

impl BitsDocSet {
    fn new(bits: Arc<DocBits>) -> BitsDocSet {
        let doc = bits.next_from(0).unwrap_or(TERMINATED);
        let size = u32::try_from(bits.count()).unwrap_or(u32::MAX);
        BitsDocSet { bits, doc, size }
    }
}

impl DocSet for BitsDocSet {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.bits.next_from(self.doc + 1).unwrap_or(TERMINATED);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc != TERMINATED && target > self.doc {
            self.doc = self.bits.next_from(target).unwrap_or(TERMINATED);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.size
    }
}

/// One segment's counts: per facet, per value, how many documents.
pub type FacetCounts = Vec<(String, Vec<(String, u64)>)>;

/// The facet distribution and stats in Meilisearch's shape, from each
/// segment's counts per facet.
pub fn facet_outcome(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(max: u32, docs: &[u32]) -> DocBits {
        let mut b = DocBits::empty(max);
        for d in docs {
            b.insert(*d);
        }
        b
    }

    #[test]
    fn set_algebra_respects_the_segment_size() {
        let mut a = bits(130, &[0, 63, 64, 129]);
        assert_eq!(a.count(), 4);
        assert!(a.contains(129) && !a.contains(128) && !a.contains(500));
        a.invert();
        assert_eq!(a.count(), 126, "no bits past max_doc after a complement");
        let full = DocBits::full(130);
        assert_eq!(full.count(), 130);
        let b = bits(130, &[1, 63, 100]);
        assert_eq!(bits(130, &[0, 63, 64]).count_and(&b), 1);
        let mut c = bits(130, &[5]);
        c.or_with(&b);
        assert_eq!(c.count(), 4);
        c.and_with(&bits(130, &[5, 100, 101]));
        assert_eq!(c, bits(130, &[5, 100]));
    }

    #[test]
    fn next_from_walks_the_set_in_order() {
        let b = bits(200, &[3, 64, 65, 199]);
        let mut seen = Vec::new();
        let mut at = b.next_from(0);
        while let Some(d) = at {
            seen.push(d);
            at = b.next_from(d + 1);
        }
        assert_eq!(seen, [3, 64, 65, 199]);
        assert_eq!(b.next_from(66), Some(199));
        assert_eq!(b.next_from(200), None);
        assert_eq!(DocBits::empty(0).next_from(0), None);
    }

    #[test]
    fn the_docset_seeks_and_ends() {
        let mut set = BitsDocSet::new(Arc::new(bits(100, &[2, 50, 99])));
        assert_eq!(set.doc(), 2);
        assert_eq!(set.size_hint(), 3);
        assert_eq!(set.seek(3), 50);
        assert_eq!(set.seek(50), 50);
        assert_eq!(set.advance(), 99);
        assert_eq!(set.advance(), TERMINATED);
        assert_eq!(set.advance(), TERMINATED);
        let empty = BitsDocSet::new(Arc::new(DocBits::empty(10)));
        assert_eq!(empty.doc(), TERMINATED);
    }
}
