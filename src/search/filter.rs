//! Meilisearch's filter expressions, parsed into a tree both backends can
//! use: `thema = "Gelijke kansen" AND (type = rapport OR type = artikel)`,
//! `year >= 2020`, `year 2019 TO 2021`, `partner IN [KIS, Movisie]`,
//! `NOT type = podcast-aflevering`, `thema EXISTS`. Also the array form
//! (`["a = 1", ["b = 2", "c = 3"]]`: the outer list AND, inner lists OR).
//!
//! Attributes are checked against the filterable ones, so an injected
//! `OR 1=1` is an error naming attribute `1`, never a match-all.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Condition { attribute: String, test: Test },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Equals(String),
    NotEquals(String),
    /// Numeric comparisons and `A TO B` (inclusive): bounds on a number.
    Range {
        low: Option<(f64, bool)>,
        high: Option<(f64, bool)>,
    },
    In(Vec<String>),
    Exists,
}

/// A filter that cannot be used, with Meilisearch's message style: what is
/// wrong and where (`1:12` is line 1, column 12).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

/// Parses the `filter` of a search request (a string or the array form)
/// and checks every attribute against `filterable`.
pub fn parse_filter(value: &Value, filterable: &[&str]) -> Result<Option<Filter>, FilterError> {
    let filter = match value {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => parse_expression(s)?,
        Value::Array(items) => {
            let mut all = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => all.push(parse_expression(s)?),
                    Value::Array(inner) => {
                        let mut any = Vec::new();
                        for i in inner {
                            let Value::String(s) = i else {
                                return Err(FilterError(format!(
                                    "Invalid value type: expected a string inside the inner array, found `{i}`"
                                )));
                            };
                            any.push(parse_expression(s)?);
                        }
                        if !any.is_empty() {
                            all.push(Filter::Or(any));
                        }
                    }
                    other => {
                        return Err(FilterError(format!(
                            "Invalid value type: expected a string or an array of strings, found `{other}`"
                        )))
                    }
                }
            }
            if all.is_empty() {
                return Ok(None);
            }
            Filter::And(all)
        }
        other => {
            return Err(FilterError(format!(
                "Invalid syntax for the filter parameter: `expected String, Array, found: {other}`"
            )))
        }
    };
    check_attributes(&filter, filterable)?;
    Ok(Some(filter))
}

fn check_attributes(filter: &Filter, filterable: &[&str]) -> Result<(), FilterError> {
    match filter {
        Filter::And(items) | Filter::Or(items) => items
            .iter()
            .try_for_each(|f| check_attributes(f, filterable)),
        Filter::Not(inner) => check_attributes(inner, filterable),
        Filter::Condition { attribute, .. } => {
            if filterable.contains(&attribute.as_str()) {
                Ok(())
            } else {
                let available: Vec<String> = filterable.iter().map(|a| format!("`{a}`")).collect();
                Err(FilterError(format!(
                    "Attribute `{attribute}` is not filterable. Available filterable attributes are: {}.",
                    available.join(", ")
                )))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(&'static str),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | '[' | ']' | ',' => {
                tokens.push((
                    match c {
                        '(' => Token::Open,
                        ')' => Token::Close,
                        '[' => Token::OpenBracket,
                        ']' => Token::CloseBracket,
                        _ => Token::Comma,
                    },
                    column,
                ));
                i += 1;
            }
            '"' | '\'' => {
                let mut value = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < chars.len() {
                    match chars[j] {
                        '\\' if j + 1 < chars.len() => {
                            value.push(chars[j + 1]);
                            j += 2;
                        }
                        q if q == c => {
                            closed = true;
                            j += 1;
                            break;
                        }
                        other => {
                            value.push(other);
                            j += 1;
                        }
                    }
                }
                if !closed {
                    return Err(FilterError(format!(
                        "Expression `{}` is missing the following closing delimiter: `{c}`.\n1:{column} {text}",
                        chars[i..].iter().collect::<String>()
                    )));
                }
                tokens.push((Token::Quoted(value), column));
                i = j;
            }
            '=' | '!' | '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('!', Some('=')) => ("!=", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('=', _) => ("=", 1),
                    ('<', _) => ("<", 1),
                    ('>', _) => (">", 1),
                    _ => {
                        return Err(FilterError(format!(
                            "Unexpected `!` at column {column}: did you mean `!=` or `NOT`?\n1:{column} {text}"
                        )))
                    }
                };
                tokens.push((Token::Op(op), column));
                i += len;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !"()[],=!<>\"'".contains(chars[i])
                {
                    i += 1;
                }
                tokens.push((Token::Word(chars[start..i].iter().collect()), column));
            }
        }
    }
    Ok(tokens)
}

/// How deep parentheses and `NOT`s may nest, together.
pub const MAX_DEPTH: usize = 100;

fn too_deep() -> String {
    format!("The filter is nested too deeply: parentheses and `NOT`s may nest at most {MAX_DEPTH} levels.")
}

struct Parser<'a> {
    tokens: Vec<(Token, usize)>,
    at: usize,
    text: &'a str,
    depth: usize,
}

/// Parses one filter expression.
pub fn parse_expression(text: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
        text,
        depth: 0,
    };
    let filter = parser.or()?;
    if let Some((token, column)) = parser.tokens.get(parser.at) {
        return Err(parser.error(
            *column,
            &format!("Found unexpected characters at the end of the filter: `{}`. You probably forgot an `OR` or an `AND` rule.", describe(token)),
        ));
    }
    Ok(filter)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => w.clone(),
        Token::Quoted(q) => format!("\"{q}\""),
        Token::Op(op) => op.to_string(),
        Token::Open => "(".into(),
        Token::Close => ")".into(),
        Token::OpenBracket => "[".into(),
        Token::CloseBracket => "]".into(),
        Token::Comma => ",".into(),
    }
}

impl Parser<'_> {
    fn error(&self, column: usize, message: &str) -> FilterError {
        FilterError(format!("{message}\n1:{column} {}", self.text))
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.at)
            .map(|(_, c)| *c)
            .unwrap_or(self.text.chars().count() + 1)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some((Token::Word(w), _)) if w.eq_ignore_ascii_case(word))
    }

    fn keyword_at(&self, offset: usize, word: &str) -> bool {
        matches!(self.tokens.get(self.at + offset), Some((Token::Word(w), _)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut items = vec![self.and()?];
        while self.keyword("OR") {
            self.at += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Filter::Or(items)
        })
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut items = vec![self.not()?];
        while self.keyword("AND") {
            self.at += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Filter::And(items)
        })
    }

    /// `NOT`s count towards the depth like parentheses: each one is a level
    /// of the tree that every later step walks.
    fn not(&mut self) -> Result<Filter, FilterError> {
        let mut nots = 0;
        while self.keyword("NOT") {
            self.at += 1;
            nots += 1;
            if self.depth + nots > MAX_DEPTH {
                return Err(self.error(self.column(), &too_deep()));
            }
        }
        self.depth += nots;
        let mut filter = self.primary();
        self.depth -= nots;
        for _ in 0..nots {
            filter = filter.map(|f| Filter::Not(Box::new(f)));
        }
        filter
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(self.error(self.column(), &too_deep()));
        }
        let result = self.primary_inner();
        self.depth -= 1;
        result
    }

    fn primary_inner(&mut self) -> Result<Filter, FilterError> {
        let column = self.column();
        match self.tokens.get(self.at).cloned() {
            Some((Token::Open, _)) => {
                self.at += 1;
                let inner = self.or()?;
                match self.tokens.get(self.at) {
                    Some((Token::Close, _)) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err(self.error(
                        column,
                        "Expression is missing the following closing delimiter: `)`.",
                    )),
                }
            }
            Some((Token::Word(attribute), _)) | Some((Token::Quoted(attribute), _)) => {
                self.at += 1;
                let test = self.test(&attribute)?;
                Ok(Filter::Condition { attribute, test })
            }
            None => Err(self.error(
                column,
                "Was expecting a condition, found the end of the filter.",
            )),
            Some((token, _)) => Err(self.error(
                column,
                &format!("Was expecting a condition, found `{}`.", describe(&token)),
            )),
        }
    }

    fn value(&mut self) -> Result<String, FilterError> {
        let column = self.column();
        match self.tokens.get(self.at).cloned() {
            Some((Token::Word(w), _)) | Some((Token::Quoted(w), _)) => {
                self.at += 1;
                Ok(w)
            }
            _ => Err(self.error(column, "Was expecting a value.")),
        }
    }

    fn number(&mut self) -> Result<f64, FilterError> {
        let column = self.column();
        let value = self.value()?;
        value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| self.error(column, &format!("Was expecting a number, found `{value}`.")))
    }

    fn test(&mut self, attribute: &str) -> Result<Test, FilterError> {
        let column = self.column();
        match self.tokens.get(self.at).cloned() {
            Some((Token::Op(op), _)) => {
                self.at += 1;
                match op {
                    "=" => Ok(Test::Equals(self.value()?)),
                    "!=" => Ok(Test::NotEquals(self.value()?)),
                    _ => {
                        let n = self.number()?;
                        Ok(match op {
                            ">" => Test::Range { low: Some((n, false)), high: None },
                            ">=" => Test::Range { low: Some((n, true)), high: None },
                            "<" => Test::Range { low: None, high: Some((n, false)) },
                            _ => Test::Range { low: None, high: Some((n, true)) },
                        })
                    }
                }
            }
            _ if self.keyword("EXISTS") => {
                self.at += 1;
                Ok(Test::Exists)
            }
            _ if self.keyword("IN") => {
                self.at += 1;
                Ok(Test::In(self.list()?))
            }
            Some((Token::Word(_), _)) | Some((Token::Quoted(_), _)) if self.keyword_at(1, "TO") => {
                let low = self.number()?;
                self.at += 1;
                let high = self.number()?;
                Ok(Test::Range {
                    low: Some((low, true)),
                    high: Some((high, true)),
                })
            }
            _ => Err(self.error(
                column,
                &format!(
                    "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `TO` or `EXISTS` after `{attribute}`."
                ),
            )),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, FilterError> {
        let column = self.column();
        if !matches!(self.tokens.get(self.at), Some((Token::OpenBracket, _))) {
            return Err(self.error(column, "Expected `[` after `IN` keyword."));
        }
        self.at += 1;
        let mut values = Vec::new();
        loop {
            match self.tokens.get(self.at) {
                Some((Token::CloseBracket, _)) => {
                    self.at += 1;
                    return Ok(values);
                }
                Some((Token::Comma, _)) if !values.is_empty() => self.at += 1,
                Some(_) => values.push(self.value()?),
                None => {
                    return Err(self.error(
                        column,
                        "Expression is missing the following closing delimiter: `]`.",
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces filters are made of, to build near-valid ones as well as noise.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("NOT ".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just(" AND ".to_string()),
            Just(" OR ".to_string()),
            Just("type = rapport".to_string()),
            Just("year > 2019".to_string()),
            Just("year 2019 TO 2021".to_string()),
            Just("partner IN [".to_string()),
            Just(", ".to_string()),
            Just("]".to_string()),
            Just("\"".to_string()),
            Just("thema EXISTS".to_string()),
            Just("!=".to_string()),
            "\\PC{0,6}",
        ]
    }

    proptest! {
        // What this finds becomes a test above (as nots_count_towards_the_depth
        // did); the fuzz target `filter` runs the same with coverage.
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn any_filter_text_is_a_filter_or_an_error(pieces in proptest::collection::vec(piece(), 0..80)) {
            let text: String = pieces.concat();
            let _ = parse_filter(&json!(text), F);
            let _ = parse_filter(&json!([text.clone(), [text]]), F);
        }
    }

    use serde_json::json;

    const F: &[&str] = &["type", "thema", "year"];

    fn cond(attribute: &str, test: Test) -> Filter {
        Filter::Condition {
            attribute: attribute.into(),
            test,
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = parse_filter(
            &json!("type = rapport OR type = artikel AND year >= 2020"),
            F,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            f,
            Filter::Or(vec![
                cond("type", Test::Equals("rapport".into())),
                Filter::And(vec![
                    cond("type", Test::Equals("artikel".into())),
                    cond(
                        "year",
                        Test::Range {
                            low: Some((2020.0, true)),
                            high: None
                        }
                    ),
                ]),
            ])
        );
    }

    #[test]
    fn quoted_values_ranges_lists_and_not() {
        let f = parse_expression(
            r#"thema = "Gelijke kansen" AND year 2019 TO 2021 AND NOT type IN [podcast, 'vraag']"#,
        )
        .unwrap();
        assert_eq!(
            f,
            Filter::And(vec![
                cond("thema", Test::Equals("Gelijke kansen".into())),
                cond(
                    "year",
                    Test::Range {
                        low: Some((2019.0, true)),
                        high: Some((2021.0, true))
                    }
                ),
                Filter::Not(Box::new(cond(
                    "type",
                    Test::In(vec!["podcast".into(), "vraag".into()])
                ))),
            ])
        );
    }

    #[test]
    fn the_array_form_is_and_of_ors() {
        let f = parse_filter(&json!(["year > 2019", ["type = a", "type = b"]]), F)
            .unwrap()
            .unwrap();
        assert!(matches!(f, Filter::And(ref v) if v.len() == 2 && matches!(v[1], Filter::Or(_))));
    }

    #[test]
    fn nots_count_towards_the_depth() {
        // 400,000 NOTs overflowed the stack and took the server down.
        let many = format!("{}type = rapport", "NOT ".repeat(400_000));
        let e = parse_filter(&json!(many), F).unwrap_err();
        assert!(
            e.0.contains("nested too deeply"),
            "{}",
            e.0.get(..200).unwrap_or(&e.0)
        );
        let nested = format!("{}type = a{}", "(NOT ".repeat(60), ")".repeat(60));
        assert!(parse_filter(&json!(nested), F).is_err());
        let fine = format!("{}type = rapport", "NOT ".repeat(MAX_DEPTH - 1));
        let f = parse_filter(&json!(fine), F).unwrap().unwrap();
        assert!(matches!(f, Filter::Not(_)));
        assert!(parse_filter(&json!("NOT NOT type = a"), F)
            .unwrap()
            .is_some());
    }

    #[test]
    fn injection_names_the_unknown_attribute() {
        let e = parse_filter(&json!(r#"thema = "x" OR 1=1"#), F).unwrap_err();
        assert!(e.0.contains("Attribute `1` is not filterable"), "{e}");
    }

    #[test]
    fn broken_filters_are_errors_not_panics() {
        for bad in [
            r#"thema = "x"#,
            "thema =",
            "(type = a",
            "type = a b",
            "type ! a",
            "year > twee",
            "type IN [a, b",
            "AND",
            "",
            ")",
            "year 2019 TO",
        ] {
            let r = parse_filter(&json!(bad), F);
            if bad.is_empty() {
                assert_eq!(r, Ok(None));
            } else {
                assert!(r.is_err(), "{bad:?} parsed as {r:?}");
            }
        }
        let deep = "(".repeat(500) + "type = a" + &")".repeat(500);
        assert!(parse_expression(&deep).is_err());
    }
}
