//! Dutch text analysis, pure functions: tokens are lower-cased and
//! accent-folded ("financiële" → "financiele"), Dutch stop words dropped,
//! stemmed with Snowball's Dutch stemmer ("vluchtelingen" ~ "vluchteling"),
//! and compounds split against a vocabulary ("onderwijskansen" →
//! "onderwijs" + "kansen", "arbeidsmarktdiscriminatie" → "arbeidsmarkt" +
//! "discriminatie", with the linking -s- or -e- of Dutch compounds).

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// Dutch words too common to search on.
pub const STOP_WORDS: &[&str] = &[
    "aan", "al", "alle", "als", "bij", "dan", "dat", "de", "der", "des", "deze", "die", "dit",
    "door", "een", "en", "er", "had", "heb", "hebben", "heeft", "het", "hier", "hij", "hoe", "hun",
    "ik", "in", "is", "je", "kan", "me", "men", "met", "mij", "na", "naar", "niet", "nog", "nu",
    "of", "om", "omdat", "ons", "ook", "op", "over", "te", "tot", "uit", "van", "voor", "was",
    "wat", "we", "wel", "werd", "wie", "wij", "wil", "worden", "wordt", "zal", "ze", "zich", "zij",
    "zijn", "zo", "zou",
];

/// Lower-cased, accent-folded words of `text`, in order, stop words kept.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| deunicode::deunicode(&w.to_lowercase()))
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// [`fold`] into `out` (cleared first), without allocating for plain
/// ASCII words; false when nothing is left.
pub fn fold_into(word: &str, out: &mut String) -> bool {
    out.clear();
    if word.is_ascii() {
        out.extend(
            word.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase()),
        );
    } else if let Some(folded) = fold(word) {
        out.push_str(&folded);
    }
    !out.is_empty()
}

/// The folded form of one word: lower-case ASCII letters and digits
/// ("Financiële" → "financiele"); `None` when nothing is left.
pub fn fold(word: &str) -> Option<String> {
    let folded: String = if word.is_ascii() {
        word.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    } else {
        deunicode::deunicode(&word.to_lowercase())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect()
    };
    (!folded.is_empty()).then_some(folded)
}

/// The byte ranges of the words of `text`, in order (what [`words`]
/// folds), so that a match can be marked in the original text.
pub fn word_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start: Option<usize> = None;
    let mut chars = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    std::iter::from_fn(move || {
        for (i, c) in chars.by_ref() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    start = None;
                    return Some((s, i));
                }
                _ => {}
            }
        }
        None
    })
}

/// Folds, drops stop words and stems, remembering the stems it made: the
/// vocabulary of a corpus is small next to its word count, so indexing
/// mostly looks stems up.
#[derive(Clone)]
pub struct Analyzer {
    stemmer: std::sync::Arc<Stemmer>,
    /// Folded word → its term, `None` for a stop word.
    cache: HashMap<Box<str>, Option<std::sync::Arc<str>>, FnvBuild>,
    /// Bytes of the cache's keys and terms: the cache is bounded by size,
    /// not by entries, since query words come from anyone.
    cached_bytes: usize,
    scratch: String,
}

/// Words longer than this are stemmed but not remembered.
const MAX_CACHED_WORD: usize = 64;
/// The most a cache holds, in bytes of words and terms (about 500,000
/// words of a corpus).
const MAX_CACHE_BYTES: usize = 16 * 1024 * 1024;

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            stemmer: std::sync::Arc::new(Stemmer::create(Algorithm::Dutch)),
            cache: HashMap::default(),
            cached_bytes: 0,
            scratch: String::new(),
        }
    }
}

/// FNV-1a: the cache's keys are short words, for which it is much faster
/// than the default SipHash (no untrusted keys reach this cache in bulk:
/// its size is capped).
#[derive(Clone, Copy, Default)]
pub struct FnvBuild;

pub struct Fnv(u64);

impl std::hash::BuildHasher for FnvBuild {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl Analyzer {
    /// The term for one folded word, `None` for a stop word.
    pub fn term(&mut self, folded: &str) -> Option<std::sync::Arc<str>> {
        if let Some(term) = self.cache.get(folded) {
            return term.clone();
        }
        let term: Option<std::sync::Arc<str>> =
            (!is_stop_word(folded)).then(|| self.stemmer.stem(folded).into());
        let size = folded.len() + term.as_deref().map_or(0, str::len);
        if folded.len() <= MAX_CACHED_WORD && self.cached_bytes + size <= MAX_CACHE_BYTES {
            self.cached_bytes += size;
            self.cache.insert(folded.into(), term.clone());
        }
        term
    }

    /// Calls `each(position, term, span)` for every searchable word of
    /// `text`; positions count stop words too, so phrases line up.
    pub fn analyse(&mut self, text: &str, mut each: impl FnMut(usize, &str, (usize, usize))) {
        let mut folded = std::mem::take(&mut self.scratch);
        for (position, (start, end)) in word_spans(text).enumerate() {
            let word = text.get(start..end).unwrap_or_default();
            if !fold_into(word, &mut folded) {
                continue;
            }
            if let Some(term) = self.term(&folded) {
                each(position, &term, (start, end));
            }
        }
        self.scratch = folded;
    }
}

/// The term of one folded word with this thread's own [`Analyzer`] (its
/// cache lives as long as the thread): for query words and highlighting.
pub fn cached_term(folded: &str) -> Option<std::sync::Arc<str>> {
    thread_local! {
        static ANALYZER: std::cell::RefCell<Analyzer> = std::cell::RefCell::new(Analyzer::default());
    }
    ANALYZER.with(|a| a.borrow_mut().term(folded))
}

/// The Dutch stem of a folded word.
pub fn stem(word: &str) -> String {
    Stemmer::create(Algorithm::Dutch).stem(word).into_owned()
}

/// Splits `word` into parts that `known(part)` accepts (at least two,
/// each of four letters or more), allowing Dutch linking letters (-s-, -e-,
/// -en-) between them. The split with the fewest parts wins; `None` when
/// there is none. The embedded index asks its own term dictionary.
pub fn decompound_with(word: &str, known: impl Fn(&str) -> bool) -> Option<Vec<String>> {
    const MIN_PART: usize = 4;
    let n = word.len();
    if n < 2 * MIN_PART || !word.is_ascii() {
        return None;
    }
    // best[i]: the fewest parts covering word[..i], with the split.
    let mut best: Vec<Option<Vec<String>>> = vec![None; n + 1];
    best[0] = Some(Vec::new());
    for start in 0..n {
        let Some(before) = best[start].clone() else {
            continue;
        };
        for end in (start + MIN_PART)..=n {
            let Some(part) = word.get(start..end) else {
                continue;
            };
            // The whole word is no split of itself.
            if (start == 0 && end == n) || !known(part) {
                continue;
            }
            let mut split = before.clone();
            split.push(part.to_string());
            // The part may be followed by a linking -s-, -e- or -en-.
            for next in [end, end + 1, end + 2] {
                if next > n
                    || (next > end && !matches!(word.get(end..next), Some("s" | "e" | "en")))
                {
                    continue;
                }
                if best[next].as_ref().is_none_or(|b| b.len() > split.len()) {
                    best[next] = Some(split.clone());
                }
            }
        }
    }
    best[n].take().filter(|parts| parts.len() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn vocab(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn decompound(word: &str, vocabulary: &HashSet<String>) -> Option<Vec<String>> {
        decompound_with(word, |part| vocabulary.contains(part))
    }

    #[test]
    fn spans_cover_the_words_of_the_original_text() {
        let text = "Financiële zelfredzaamheid, één café!";
        let spans: Vec<&str> = word_spans(text).map(|(s, e)| &text[s..e]).collect();
        assert_eq!(spans, ["Financiële", "zelfredzaamheid", "één", "café"]);
        assert_eq!(fold("Financiële").as_deref(), Some("financiele"));
        assert_eq!(fold("—"), None);
    }

    #[test]
    fn the_analyzer_counts_stop_words_in_positions() {
        let mut analyzer = Analyzer::default();
        let mut seen = Vec::new();
        analyzer.analyse("Recht op werk voor vluchtelingen", |p, t, _| {
            seen.push((p, t.to_string()))
        });
        assert_eq!(
            seen,
            [
                (0, "recht".to_string()),
                (2, "werk".to_string()),
                (4, stem("vluchtelingen"))
            ]
        );
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(
            words("Financiële Zelfredzaamheid, één café!"),
            ["financiele", "zelfredzaamheid", "een", "cafe"]
        );
    }

    #[test]
    fn plural_and_singular_share_a_stem() {
        assert_eq!(stem("vluchtelingen"), stem("vluchteling"));
        assert_eq!(stem("wijken"), stem("wijk"));
        assert_eq!(stem("statushouders"), stem("statushouder"));
    }

    #[test]
    fn compounds_split_against_the_vocabulary() {
        let v = vocab(&[
            "onderwijs",
            "kansen",
            "arbeid",
            "markt",
            "arbeidsmarkt",
            "discriminatie",
        ]);
        assert_eq!(
            decompound("onderwijskansen", &v),
            Some(vec!["onderwijs".into(), "kansen".into()])
        );
        assert_eq!(
            decompound("arbeidsmarktdiscriminatie", &v),
            Some(vec!["arbeidsmarkt".into(), "discriminatie".into()])
        );
        assert_eq!(
            decompound("arbeidsmarkt", &v).map(|p| p.len()),
            Some(2),
            "arbeid + s + markt"
        );
        assert_eq!(decompound("onderwijs", &v), None, "one part is no compound");
        assert_eq!(decompound("polarisatie", &v), None);
    }
}
