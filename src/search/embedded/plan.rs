//! The query plan: a reader's query as the terms the index can match.
//! Each word becomes its alternatives, weighted (see [`super`] for the
//! relevance they add up to): the stem, synonyms, terms within one or two
//! typos found with Levenshtein automata over the index's own term
//! dictionary, terms the last word is a prefix of while it is typed, and a
//! compound split against the index's vocabulary. Quoted phrases become
//! phrase queries. Nothing here ranks or collects documents.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{InvertedIndexReader, Searcher, Term};

use super::facets::BitsQuery;
use super::ranking::{Alternative, Word};
use super::schema::Fields;
use crate::search::analysis::{cached_term, decompound_with, is_stop_word, Analyzer};
use crate::search::request::MAX_WORD_CHARS;
use crate::search::synonyms::Synonyms;

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
pub enum Item {
    /// A word: any of its alternatives (none: it matches nothing).
    Word(Word),
    /// A quoted phrase, or its one word.
    Phrase(Box<dyn Query>),
    /// A phrase that cannot match anything.
    Nothing,
}

pub struct QueryPlan {
    /// The words and phrases, in the query's order.
    pub words: Vec<Item>,
    /// Every index term the query may match, for highlighting.
    pub matched: HashSet<String>,
}

/// Splits a query into words and quoted phrases. An unclosed quote runs
/// to the end (as a reader types it, it is not an error).
fn split_query(q: &str) -> Vec<(bool, String)> {
    let mut parts = Vec::new();
    let mut rest = q;
    while let Some((before, after)) = rest.split_once('"') {
        for w in before.split_whitespace() {
            parts.push((false, w.to_string()));
        }
        let (phrase, next) = after.split_once('"').unwrap_or((after, ""));
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
    pub fn new(q: &str, searcher: &Searcher, fields: Fields, synonyms: &Synonyms) -> QueryPlan {
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
                for w in crate::search::analysis::words(text) {
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
        let Some(&(first, _)) = terms.first() else {
            return;
        };
        let query = |field: Field| -> Box<dyn Query> {
            match terms.as_slice() {
                [(_, only)] => term_query(Term::from_field_text(field, only), 1.0),
                _ => Box::new(PhraseQuery::new_with_offset(
                    terms
                        .iter()
                        .map(|(p, t)| (p - first, Term::from_field_text(field, t)))
                        .collect(),
                )),
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
            if let [only] = parts.as_slice() {
                if known(only) {
                    offer(only.clone(), SYNONYM_WEIGHT);
                }
            }
        }
        let letters = word.chars().count();
        // Typos and prefixes stand in for a word the index does not have:
        // a known word ranks by itself, and its postings alone are read.
        // Past MAX_WORD_CHARS a word is searched as it is: no typos, no
        // compound split (each costs per letter, and no real word is that long).
        let bounded = letters <= MAX_WORD_CHARS;
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
    pub fn plain_words(&self) -> Option<Vec<&Word>> {
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
    pub fn query(&self, words: usize, filter: Option<&BitsQuery>) -> Box<dyn Query> {
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

/// The inverted index of each of `fields` in each segment (a segment
/// that cannot open one is passed over).
fn inverted_indexes<'a>(
    searcher: &'a Searcher,
    fields: &'a [Field],
) -> impl Iterator<Item = Arc<InvertedIndexReader>> + 'a {
    searcher.segment_readers().iter().flat_map(move |segment| {
        fields
            .iter()
            .filter_map(move |&field| segment.inverted_index(field).ok())
    })
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
    for inverted in inverted_indexes(searcher, fields) {
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
    for inverted in inverted_indexes(searcher, fields) {
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
