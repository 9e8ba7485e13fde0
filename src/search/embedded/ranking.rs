//! Ranking a search made of plain words (no phrase, no sort): which
//! documents match, how many, and the best `k` by BM25.
//!
//! The matching documents are found as bitsets, one per segment: each
//! word's postings are read as document ids only (no frequencies, no
//! scores), OR-ed over the word's alternatives and AND-ed over the words
//! and the filter. Counting, facets and dropping words when nothing
//! matches all of them are then bit operations.
//!
//! Only then are documents scored, in document order, a window of
//! postings blocks at a time. Each block of postings knows the best score
//! any of its documents can reach; a window whose summed block maxima
//! cannot enter the current top `k` is skipped unscored. Most documents
//! matching a common word are never scored.
//!
//! Scores are those of the same words as tantivy queries (a word's
//! matching alternatives summed, each boosted by its weight), so both
//! paths rank alike. Phrases and sort keys go through tantivy's scorers in
//! [`super::collect`], which says why both paths exist and what keeps
//! them equal; nothing here knows HTTP or the request format.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

use super::facets::DocBits;

/// One way a query word can match: a single term, or every part of a
/// compound ("onderwijskansen" → onderwijs AND kans). It scores the sum of
/// its terms' BM25 scores times `weight`.
#[derive(Clone, Debug)]
pub struct Alternative {
    pub terms: Vec<Term>,
    pub weight: f32,
}

/// A query word: any of its alternatives.
pub type Word = Vec<Alternative>;

/// The outcome of [`rank`].
pub struct Ranking {
    /// How many documents match the words used: all of them, or the
    /// first ones (words are dropped from the end while nothing matches
    /// them all).
    pub total: usize,
    /// The best documents, best first.
    pub top: Vec<(Score, DocAddress)>,
    /// The matching documents per segment ordinal (for facets).
    pub matched: Vec<DocBits>,
}

/// Ranks the documents that match the words in `field` and pass
/// `filters` (one set per segment ordinal, when there is a filter). With
/// `all_words`, every word must match; otherwise the last words are
/// dropped one by one while nothing matches (Meilisearch's `last`).
pub fn rank(
    searcher: &Searcher,
    field: Field,
    words: &[&Word],
    filters: Option<&[Arc<DocBits>]>,
    all_words: bool,
    wanted: usize,
    deadline: std::time::Instant,
) -> tantivy::Result<Ranking> {
    let segments = searcher.segment_readers();
    // Per segment: the documents that may be counted, then each word's.
    let mut bases = Vec::with_capacity(segments.len());
    let mut word_bits = Vec::with_capacity(segments.len());
    for (ordinal, segment) in segments.iter().enumerate() {
        let max_doc = segment.max_doc();
        let mut base = match filters.and_then(|f| f.get(ordinal)) {
            Some(bits) => bits.as_ref().clone(),
            None => DocBits::full(max_doc),
        };
        if let Some(alive) = segment.alive_bitset() {
            base.retain(|doc| alive.is_alive(doc));
        }
        let inverted = segment.inverted_index(field)?;
        let mut bits = Vec::with_capacity(words.len());
        for word in words {
            let mut any = DocBits::empty(max_doc);
            for alternative in word.iter() {
                let mut all: Option<DocBits> = None;
                for term in &alternative.terms {
                    let docs = postings_bits(&inverted, term, max_doc)?;
                    match &mut all {
                        Some(all) => all.and_with(&docs),
                        None => all = Some(docs),
                    }
                }
                if let Some(all) = all {
                    any.or_with(&all);
                }
            }
            bits.push(any);
        }
        bases.push(base);
        word_bits.push(bits);
    }

    // How many documents match the first n words, for every n.
    let mut totals = vec![0usize; words.len() + 1];
    for (base, bits) in bases.iter().zip(&word_bits) {
        let mut running = base.clone();
        totals[0] += running.count() as usize;
        for (n, word) in bits.iter().enumerate() {
            running.and_with(word);
            totals[n + 1] += running.count() as usize;
        }
    }
    let mut words_used = words.len();
    if !all_words {
        while words_used > 1 && totals[words_used] == 0 {
            words_used -= 1;
        }
    }
    let matched: Vec<DocBits> = bases
        .into_iter()
        .zip(&word_bits)
        .map(|(mut base, bits)| {
            for word in bits.iter().take(words_used) {
                base.and_with(word);
            }
            base
        })
        .collect();
    let total = totals[words_used];

    let mut best = Best::new(wanted);
    if wanted > 0 && total > 0 {
        // Scoring weights over the whole index, as tantivy's term queries
        // compute them.
        let mut weighted: Vec<(usize, &Term, Bm25Weight)> = Vec::new();
        for (group, alternative) in words.iter().take(words_used).copied().flatten().enumerate() {
            for term in &alternative.terms {
                let bm25 = Bm25Weight::for_terms(searcher, std::slice::from_ref(term))?
                    .boost_by(alternative.weight);
                weighted.push((group, term, bm25));
            }
        }
        let average =
            searcher.total_num_tokens(field)? as f32 / searcher.total_num_docs()?.max(1) as f32;
        for (ordinal, (segment, matched)) in segments.iter().zip(&matched).enumerate() {
            // A block's best score was found at indexing time with the
            // segment's own average length; where that differs much from
            // the index's, the bound may be too low, so score everything.
            let own = segment.inverted_index(field)?.total_num_tokens() as f32
                / segment.max_doc().max(1) as f32;
            let prune = (own / average - 1.0).abs() <= MAX_AVERAGE_DRIFT;
            score_segment(
                ordinal as SegmentOrdinal,
                segment,
                field,
                &weighted,
                matched,
                (prune, deadline),
                &mut best,
            )?;
        }
    }
    Ok(Ranking {
        total,
        top: best
            .into_sorted()
            .into_iter()
            .map(|s| (s.score, s.doc_address()))
            .collect(),
        matched,
    })
}

/// The documents holding `term`, read as ids only.
fn postings_bits(
    inverted: &tantivy::InvertedIndexReader,
    term: &Term,
    max_doc: u32,
) -> std::io::Result<DocBits> {
    let mut bits = DocBits::empty(max_doc);
    if let Some(mut postings) = inverted.read_block_postings(term, IndexRecordOption::Basic)? {
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                break;
            }
            for &doc in docs {
                bits.insert(doc);
            }
            postings.advance();
        }
    }
    Ok(bits)
}

/// One term's postings with frequencies, walked forward block by block.
struct Cursor {
    /// The alternative it belongs to: all of that alternative's cursors
    /// must hold a document for any of them to score it.
    group: usize,
    postings: BlockSegmentPostings,
    bm25: Bm25Weight,
    /// Position in the current block of the first document not passed.
    at: usize,
    /// The current block's last document; `None` once past the end.
    last: Option<DocId>,
}

impl Cursor {
    /// Loads the block that would hold `doc` (the first one ending at or
    /// after it).
    fn reach(&mut self, doc: DocId) {
        match self.last {
            Some(last) if last >= doc => {}
            None => {}
            Some(_) => {
                self.postings.seek(doc);
                self.at = 0;
                self.last = self.postings.docs().last().copied().filter(|l| *l >= doc);
            }
        }
    }

    /// The score `doc` gets from this term, if the term holds it. `doc`
    /// must lie in the current block, and docs must come in order.
    fn score(&mut self, doc: DocId, fieldnorms: &FieldNormReader) -> Option<Score> {
        self.last?;
        let docs = self.postings.docs();
        while self.at < docs.len() && docs[self.at] < doc {
            self.at += 1;
        }
        if docs.get(self.at) != Some(&doc) {
            return None;
        }
        let tf = self.postings.freqs().get(self.at).copied().unwrap_or(1);
        Some(self.bm25.score(fieldnorms.fieldnorm_id(doc), tf))
    }
}

/// How far (as a fraction) a segment's average text length may lie from
/// the index's for its block maxima to bound scores.
const MAX_AVERAGE_DRIFT: f32 = 0.1;

fn score_segment(
    ordinal: SegmentOrdinal,
    segment: &SegmentReader,
    field: Field,
    weighted: &[(usize, &Term, Bm25Weight)],
    matched: &DocBits,
    (prune, deadline): (bool, std::time::Instant),
    best: &mut Best<Scored>,
) -> tantivy::Result<()> {
    let Some(first) = matched.next_from(0) else {
        return Ok(());
    };
    let inverted = segment.inverted_index(field)?;
    let fieldnorms = segment.get_fieldnorms_reader(field)?;
    let groups = weighted.iter().map(|(g, _, _)| g + 1).max().unwrap_or(0);
    // An alternative with a term this segment lacks matches none of its
    // documents: its other terms must not score alone.
    let mut absent = vec![false; groups];
    let mut cursors = Vec::with_capacity(weighted.len());
    for (group, term, bm25) in weighted {
        match inverted.read_block_postings(term, IndexRecordOption::WithFreqs)? {
            Some(postings) => {
                let last = postings.docs().last().copied();
                cursors.push(Cursor {
                    group: *group,
                    postings,
                    bm25: bm25.clone(),
                    at: 0,
                    last,
                });
            }
            None => absent[*group] = true,
        }
    }
    cursors.retain(|c| !absent[c.group]);
    let mut group_score = vec![0.0f32; groups];
    let mut group_missing = vec![false; groups];

    let mut next = Some(first);
    let mut windows: u32 = 0;
    while let Some(doc) = next {
        // The search budget (Meilisearch's searchCutoffMs): past it, the
        // best found so far is the answer. Checked every 64 windows of
        // postings blocks, so the clock costs nothing.
        windows = windows.wrapping_add(1);
        if windows.is_multiple_of(64) && std::time::Instant::now() >= deadline {
            break;
        }
        for cursor in &mut cursors {
            cursor.reach(doc);
        }
        // The window where every cursor's current block holds: up to the
        // first block end.
        let Some(end) = cursors.iter().filter_map(|c| c.last).min() else {
            break;
        };
        if let Some(threshold) = best.worst().map(|w| w.score).filter(|_| prune) {
            let bound: Score = cursors
                .iter_mut()
                .filter(|c| c.last.is_some())
                .map(|c| c.postings.block_max_score(&fieldnorms, &c.bm25))
                .sum();
            // A little headroom for rounding: skip only what certainly
            // cannot enter.
            if bound + bound.abs() * 1e-4 < threshold {
                next = end.checked_add(1).and_then(|d| matched.next_from(d));
                continue;
            }
        }
        let mut at = Some(doc);
        while let Some(doc) = at.filter(|d| *d <= end) {
            group_score.iter_mut().for_each(|s| *s = 0.0);
            group_missing.iter_mut().for_each(|m| *m = false);
            for cursor in &mut cursors {
                match cursor.score(doc, &fieldnorms) {
                    Some(s) => group_score[cursor.group] += s,
                    None => group_missing[cursor.group] = true,
                }
            }
            let score: Score = group_score
                .iter()
                .zip(&group_missing)
                .filter(|(_, missing)| !**missing)
                .map(|(s, _)| *s)
                .sum();
            best.offer(Scored {
                score,
                address: (ordinal, doc),
            });
            at = doc.checked_add(1).and_then(|d| matched.next_from(d));
        }
        next = at;
    }
    Ok(())
}

/// A scored document; bigger is better: the score, then the earlier
/// address (as tantivy's collectors break ties).
#[derive(Clone, Copy, Debug)]
pub struct Scored {
    pub score: Score,
    pub address: (SegmentOrdinal, DocId),
}

impl Scored {
    pub fn doc_address(&self) -> DocAddress {
        DocAddress::new(self.address.0, self.address.1)
    }
}

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.address.cmp(&self.address))
    }
}

/// The best `wanted` of what is offered (the ranker's documents, and the
/// collector's sorted ranks in [`super::collect`]).
pub struct Best<T: Ord> {
    wanted: usize,
    /// A min-heap: the worst of the best on top.
    heap: BinaryHeap<Reverse<T>>,
}

impl<T: Ord> Best<T> {
    pub fn new(wanted: usize) -> Best<T> {
        Best {
            wanted,
            heap: BinaryHeap::with_capacity(wanted.min(10_000) + 1),
        }
    }

    /// What a newcomer must beat, once the list is full.
    pub fn worst(&self) -> Option<&T> {
        if self.heap.len() < self.wanted {
            return None;
        }
        self.heap.peek().map(|Reverse(worst)| worst)
    }

    pub fn offer(&mut self, item: T) {
        if self.heap.len() < self.wanted {
            self.heap.push(Reverse(item));
        } else if let Some(Reverse(worst)) = self.heap.peek() {
            if item > *worst {
                self.heap.pop();
                self.heap.push(Reverse(item));
            }
        }
    }

    /// Best first.
    pub fn into_sorted(self) -> Vec<T> {
        let mut all: Vec<T> = self.heap.into_iter().map(|Reverse(t)| t).collect();
        all.sort_by(|a, b| b.cmp(a));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_keeps_the_top_and_breaks_ties_by_address() {
        let scored = |score, segment, doc| Scored {
            score,
            address: (segment, doc),
        };
        let mut best = Best::new(2);
        assert!(best.worst().is_none());
        best.offer(scored(1.0, 0, 5));
        best.offer(scored(3.0, 0, 6));
        assert_eq!(best.worst().map(|w| w.score), Some(1.0));
        best.offer(scored(3.0, 1, 0));
        best.offer(scored(0.5, 1, 1));
        let top: Vec<DocAddress> = best.into_sorted().iter().map(Scored::doc_address).collect();
        assert_eq!(top, vec![DocAddress::new(0, 6), DocAddress::new(1, 0)]);
    }
}
