//! The word diff of a flagged field: what the page shows beside what
//! upstream says now, for a side-by-side view (similar's word diff).

use similar::{ChangeTag, TextDiff};

/// One run of a diff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Run {
    /// `gelijk`, `weg` (only in the value shown) or `nieuw` (only upstream).
    pub kind: &'static str,
    pub text: String,
}

/// The longest value diffed, in characters; past it, the values are shown
/// whole without marks.
const MAX_DIFF_CHARS: usize = 20_000;

/// The runs of the value shown (left) and of upstream's (right).
pub fn side_by_side(shown: &str, upstream: &str) -> (Vec<Run>, Vec<Run>) {
    if shown.chars().count() > MAX_DIFF_CHARS || upstream.chars().count() > MAX_DIFF_CHARS {
        let whole = |text: &str| {
            vec![Run {
                kind: "gelijk",
                text: text.to_string(),
            }]
        };
        return (whole(shown), whole(upstream));
    }
    let diff = TextDiff::from_words(shown, upstream);
    let mut left: Vec<Run> = Vec::new();
    let mut right: Vec<Run> = Vec::new();
    let push = |runs: &mut Vec<Run>, kind: &'static str, text: &str| match runs.last_mut() {
        Some(last) if last.kind == kind => last.text.push_str(text),
        _ => runs.push(Run {
            kind,
            text: text.to_string(),
        }),
    };
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                push(&mut left, "gelijk", text);
                push(&mut right, "gelijk", text);
            }
            ChangeTag::Delete => push(&mut left, "weg", text),
            ChangeTag::Insert => push(&mut right, "nieuw", text),
        }
    }
    (left, right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_changed_words_on_each_side() {
        let (left, right) = side_by_side("Werk en inburgering", "Werk en integratie");
        let marked = |runs: &[Run], kind: &str| {
            runs.iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.text.as_str())
                .collect::<String>()
        };
        assert_eq!(marked(&left, "weg"), "inburgering");
        assert_eq!(marked(&right, "nieuw"), "integratie");
        assert_eq!(marked(&left, "gelijk"), "Werk en ");
        let whole: String = right.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(whole, "Werk en integratie");
    }
}
