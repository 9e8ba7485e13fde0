//! A hit as Meilisearch returns it: the retrieved attributes, and in
//! `_formatted` the same with matches highlighted and long text cropped
//! around the matches.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::analysis::{cached_term, fold, word_spans};
use super::request::SearchRequest;

/// Builds the hit for `document`; `matched` holds the index terms the
/// query could match.
pub fn format_hit(
    document: Map<String, Value>,
    request: &SearchRequest,
    matched: &HashSet<String>,
) -> Map<String, Value> {
    let retrieved: Map<String, Value> = match &request.attributes_to_retrieve {
        None => document.clone(),
        Some(list) => document
            .iter()
            .filter(|(k, _)| list.iter().any(|a| a == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    if request.attributes_to_highlight.is_empty() && request.attributes_to_crop.is_empty() {
        return retrieved;
    }
    let mut formatted = Map::new();
    for (key, value) in &document {
        let highlight = request.attributes_to_highlight.iter().any(|a| a == key);
        let crop = request
            .attributes_to_crop
            .iter()
            .find(|(a, _)| a == key)
            .map(|(_, n)| n.unwrap_or(request.crop_length));
        if !retrieved.contains_key(key) && !highlight && crop.is_none() {
            continue;
        }
        let value = match value {
            Value::String(s) => Value::String(format_text(s, highlight, crop, request, matched)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => {
                            Value::String(format_text(s, highlight, crop, request, matched))
                        }
                        Value::Number(n) => Value::String(n.to_string()),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            // Meilisearch gives numbers as strings in `_formatted`.
            Value::Number(n) => Value::String(n.to_string()),
            other => other.clone(),
        };
        formatted.insert(key.clone(), value);
    }
    let mut hit = retrieved;
    hit.insert("_formatted".into(), Value::Object(formatted));
    hit
}

fn is_match(word: &str, matched: &HashSet<String>) -> bool {
    fold(word)
        .and_then(|f| cached_term(&f))
        .is_some_and(|t| matched.contains(&*t))
}

fn format_text(
    text: &str,
    highlight: bool,
    crop: Option<usize>,
    request: &SearchRequest,
    matched: &HashSet<String>,
) -> String {
    let spans: Vec<(usize, usize)> = word_spans(text).collect();
    let hits: Vec<bool> = if matched.is_empty() {
        vec![false; spans.len()]
    } else {
        spans
            .iter()
            .map(|(s, e)| is_match(&text[*s..*e], matched))
            .collect()
    };
    let (first, last, before, after) = match crop {
        Some(n) if n < spans.len() => {
            let start = best_window(&hits, n.max(1));
            let end = (start + n.max(1)).min(spans.len());
            (start, end, start > 0, end < spans.len())
        }
        _ => (0, spans.len(), false, false),
    };
    let (from, to) = if crop.is_some() && !spans.is_empty() && (before || after) {
        (spans[first].0, spans[last - 1].1)
    } else {
        (0, text.len())
    };
    let mut out = String::with_capacity(to - from + 16);
    if before {
        out.push_str(&request.crop_marker);
    }
    let mut at = from;
    if highlight {
        for i in first..last {
            if hits[i] {
                let (s, e) = spans[i];
                out.push_str(&text[at..s]);
                out.push_str(&request.highlight_pre_tag);
                out.push_str(&text[s..e]);
                out.push_str(&request.highlight_post_tag);
                at = e;
            }
        }
    }
    out.push_str(&text[at..to]);
    if after {
        out.push_str(&request.crop_marker);
    }
    out
}

/// The start of the `n`-word window with the most matches (the first
/// such); with no matches, the start of the text.
fn best_window(hits: &[bool], n: usize) -> usize {
    let mut count: usize = hits.iter().take(n).filter(|h| **h).count();
    let (mut best, mut best_start) = (count, 0);
    for start in 1..=hits.len().saturating_sub(n) {
        count -= usize::from(hits[start - 1]);
        count += usize::from(hits[start + n - 1]);
        if count > best {
            best = count;
            best_start = start;
        }
    }
    // Show a little context before the first match.
    if best > 0 {
        let first_hit = (best_start..best_start + n)
            .find(|i| hits[*i])
            .unwrap_or(best_start);
        return first_hit.saturating_sub(n / 4);
    }
    best_start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analysis::stem;
    use serde_json::json;

    fn matched(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| stem(w)).collect()
    }

    #[test]
    fn highlights_stemmed_and_accented_matches() {
        let request = SearchRequest {
            attributes_to_highlight: vec!["title".into()],
            highlight_pre_tag: "<mark>".into(),
            highlight_post_tag: "</mark>".into(),
            ..Default::default()
        };
        let doc = json!({"id": 1, "title": "Financiële hulp voor Vluchtelingen"});
        let hit = format_hit(
            doc.as_object().cloned().unwrap(),
            &request,
            &matched(&["vluchteling", "financiele"]),
        );
        assert_eq!(
            hit["_formatted"]["title"],
            "<mark>Financiële</mark> hulp voor <mark>Vluchtelingen</mark>"
        );
        assert_eq!(hit["title"], "Financiële hulp voor Vluchtelingen");
    }

    #[test]
    fn crops_around_the_match() {
        let request = SearchRequest {
            attributes_to_crop: vec![("body".into(), Some(4))],
            attributes_to_retrieve: Some(vec!["id".into()]),
            ..Default::default()
        };
        let text = "een twee drie vier vijf zes zeven wijken acht negen tien elf";
        let doc = json!({"id": 1, "body": text});
        let hit = format_hit(
            doc.as_object().cloned().unwrap(),
            &request,
            &matched(&["wijk"]),
        );
        assert_eq!(hit["_formatted"]["body"], "…zeven wijken acht negen…");
        assert!(
            hit.get("body").is_none(),
            "only the retrieved attributes: {hit:?}"
        );
    }

    #[test]
    fn short_text_is_not_cropped() {
        let request = SearchRequest {
            attributes_to_crop: vec![("summary".into(), None)],
            ..Default::default()
        };
        let doc = json!({"id": 1, "summary": "kort"});
        let hit = format_hit(doc.as_object().cloned().unwrap(), &request, &HashSet::new());
        assert_eq!(hit["_formatted"]["summary"], "kort");
    }
}
