//! The front-matter codec: splitting a content file into its TOML front
//! matter (`+++`) and body, and typing the keys Zola knows.
//!
//! Pages keep Zola's semantics: unknown top-level keys are ignored (we report
//! them, since a field outside `[extra]` never reaches a template). Sections
//! reject unknown keys, as Zola does; we report them and drop the key.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Zola's page keys. Everything of ours is under `extra` or `taxonomies`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PageFrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<toml::Value>,
    pub updated: Option<toml::Value>,
    pub weight: Option<usize>,
    pub draft: bool,
    pub slug: Option<String>,
    pub path: Option<String>,
    pub aliases: Vec<String>,
    pub authors: Vec<String>,
    pub template: Option<String>,
    pub taxonomies: BTreeMap<String, Vec<String>>,
    #[serde(default = "yes")]
    pub in_search_index: bool,
    #[serde(default = "yes")]
    pub render: bool,
    pub extra: toml::Table,
}

const PAGE_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "weight",
    "draft",
    "slug",
    "path",
    "aliases",
    "authors",
    "template",
    "taxonomies",
    "in_search_index",
    "render",
    "extra",
];

/// Zola's section keys; any other key is an error in Zola.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SectionFrontMatter {
    pub title: Option<String>,
    pub description: Option<String>,
    pub sort_by: SortBy,
    pub weight: usize,
    pub draft: bool,
    pub template: Option<String>,
    pub page_template: Option<String>,
    pub paginate_by: Option<usize>,
    pub paginate_path: String,
    pub paginate_reversed: bool,
    pub insert_anchor_links: Option<String>,
    pub in_search_index: bool,
    pub render: bool,
    pub redirect_to: Option<String>,
    pub transparent: bool,
    pub aliases: Vec<String>,
    pub generate_feeds: bool,
    pub extra: toml::Table,
}

const SECTION_KEYS: &[&str] = &[
    "title",
    "description",
    "sort_by",
    "weight",
    "draft",
    "template",
    "page_template",
    "paginate_by",
    "paginate_path",
    "paginate_reversed",
    "insert_anchor_links",
    "in_search_index",
    "render",
    "redirect_to",
    "transparent",
    "aliases",
    "generate_feeds",
    "extra",
];

impl Default for SectionFrontMatter {
    fn default() -> Self {
        SectionFrontMatter {
            title: None,
            description: None,
            sort_by: SortBy::None,
            weight: 0,
            draft: false,
            template: None,
            page_template: None,
            paginate_by: None,
            paginate_path: "page".into(),
            paginate_reversed: false,
            insert_anchor_links: None,
            in_search_index: true,
            render: true,
            redirect_to: None,
            transparent: false,
            aliases: Vec::new(),
            generate_feeds: false,
            extra: toml::Table::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// How a section orders its pages (Zola's `sort_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    Date,
    UpdateDate,
    Title,
    TitleBytes,
    Weight,
    Slug,
    Permalink,
    #[default]
    None,
}

/// A front-matter date as Zola keeps it: the text as written (what templates
/// see as `page.date`) and the parsed moment (for sorting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDate {
    pub text: String,
    pub moment: NaiveDateTime,
}

/// Parses a front-matter date the way Zola accepts them: a TOML date or
/// datetime, or a string holding RFC 3339, a local datetime or `YYYY-MM-DD`.
pub fn parse_date(value: &toml::Value) -> Result<ParsedDate, DateError> {
    let text = match value {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        other => {
            return Err(DateError::NotText {
                found: other.type_str(),
            })
        }
    };
    let trimmed = text.trim();
    let moment = DateTime::parse_from_rfc3339(trimmed)
        .map(|d| d.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f"))
        .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S%.f"))
        .or_else(|_| {
            NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").map(|d| d.and_time(Default::default()))
        })
        .map_err(|_| DateError::Unreadable { text: text.clone() })?;
    Ok(ParsedDate { text, moment })
}

/// Why a front-matter date is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("expected a date like 2020-06-01, found {found}")]
    NotText { found: &'static str },
    #[error("'{text}' is not a date (expected YYYY-MM-DD)")]
    Unreadable { text: String },
}

/// Why a content file has no front matter to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FenceError {
    #[error("no front matter: the file must start with a line of +++")]
    Missing,
    #[error("the opening +++ must be alone on its line")]
    OpeningNotAlone,
    #[error("front matter is not closed: no line of +++ after it")]
    NotClosed,
}

/// Splits `+++\n<toml>\n+++\n<body>` into its two parts.
pub fn split_front_matter(raw: &str) -> Result<(&str, &str), FenceError> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let rest = raw.trim_start_matches([' ', '\t', '\r', '\n']);
    let rest = rest.strip_prefix("+++").ok_or(FenceError::Missing)?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))
        .ok_or(FenceError::OpeningNotAlone)?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front = rest.get(..offset).unwrap_or_default();
            let body = rest.get(offset + line.len()..).unwrap_or_default();
            return Ok((front, body));
        }
        offset += line.len();
    }
    Err(FenceError::NotClosed)
}

/// One front-matter field at fault: its dotted name (`date`,
/// `taxonomies.thema`, `extra.status`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Parses TOML text, naming the line and column of a syntax error.
fn parse_table(toml_text: &str) -> Result<toml::Table, FieldError> {
    toml_text.parse::<toml::Table>().map_err(|e| {
        let mut message = e.message().to_string();
        if let Some(span) = e.span() {
            let before = toml_text.get(..span.start).unwrap_or(toml_text);
            let line = before.matches('\n').count() + 2; // +1 for 1-based, +1 for the +++ line
            let column = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count() + 1)
                .unwrap_or(1);
            message = format!("invalid TOML at line {line}, column {column}: {message}");
        } else {
            message = format!("invalid TOML: {message}");
        }
        FieldError::new("front matter", message)
    })
}

/// Deserializes one field at a time so that an error names its field.
fn typed<T: serde::de::DeserializeOwned>(table: toml::Table) -> Result<T, FieldError> {
    for (key, value) in &table {
        let mut single = toml::Table::new();
        single.insert(key.clone(), value.clone());
        if let Err(e) = T::deserialize(single) {
            return Err(FieldError::new(key.clone(), e.message()));
        }
    }
    T::deserialize(table).map_err(|e| FieldError::new("front matter", e.message()))
}

impl PageFrontMatter {
    /// Parses a page's front matter. Returns the typed keys and warnings
    /// about keys Zola would ignore.
    pub fn parse(toml_text: &str) -> Result<(Self, Vec<FieldError>), FieldError> {
        let table = parse_table(toml_text)?;
        let warnings = table
            .keys()
            .filter(|k| !PAGE_KEYS.contains(&k.as_str()))
            .map(|k| {
                FieldError::new(
                    k.clone(),
                    "not a Zola page key; templates never see it: move it under [extra]",
                )
            })
            .collect();
        let fm: PageFrontMatter = typed(table)?;
        if fm.slug.as_deref() == Some("") {
            return Err(FieldError::new("slug", "cannot be empty"));
        }
        if fm.path.as_deref() == Some("") {
            return Err(FieldError::new("path", "cannot be empty"));
        }
        for (taxonomy, terms) in &fm.taxonomies {
            if terms.iter().any(|t| t.trim().is_empty()) {
                return Err(FieldError::new(
                    format!("taxonomies.{taxonomy}"),
                    "a term cannot be empty",
                ));
            }
        }
        Ok((fm, warnings))
    }
}

impl SectionFrontMatter {
    /// Parses a section's front matter. Unknown keys, which Zola rejects,
    /// are dropped and returned as problems.
    pub fn parse(toml_text: &str) -> Result<(Self, Vec<FieldError>), FieldError> {
        let mut table = parse_table(toml_text)?;
        let unknown: Vec<String> = table
            .keys()
            .filter(|k| !SECTION_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        let mut problems = Vec::new();
        for key in unknown {
            table.remove(&key);
            problems.push(FieldError::new(
                key,
                "not a Zola section key: zola build rejects it; move it under [extra]",
            ));
        }
        let fm: SectionFrontMatter = typed(table)?;
        Ok((fm, problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("+++\n".to_string()),
            Just("title = \"T\"\n".to_string()),
            Just("date = 2020-01-01\n".to_string()),
            Just("date = \"ooit\"\n".to_string()),
            Just("[extra]\n".to_string()),
            Just("[taxonomies]\nthema = [\"A\"]\n".to_string()),
            Just("weight = 99999999999999999999\n".to_string()),
            Just("[[x]]\n".to_string()),
            Just("\u{feff}".to_string()),
            Just("\r\n".to_string()),
            "\\PC{0,10}",
        ]
    }

    proptest! {
        // The fuzz target `front_matter` runs the same with coverage.
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn any_file_is_front_matter_or_an_error(pieces in proptest::collection::vec(piece(), 0..40)) {
            let text: String = pieces.concat();
            if let Ok((front, _)) = split_front_matter(&text) {
                let _ = PageFrontMatter::parse(front);
                let _ = SectionFrontMatter::parse(front);
            }
        }
    }

    #[test]
    fn splits_front_matter_and_body() {
        let (fm, body) = split_front_matter("+++\ntitle = \"a\"\n+++\nHallo\n").unwrap();
        assert_eq!(fm, "title = \"a\"\n");
        assert_eq!(body, "Hallo\n");
    }

    #[test]
    fn refuses_an_unclosed_front_matter() {
        let err = split_front_matter("+++\ntitle = \"a\"\nHallo\n").unwrap_err();
        assert_eq!(err, FenceError::NotClosed);
        assert!(err.to_string().contains("not closed"), "{err}");
        assert_eq!(split_front_matter("title = 1"), Err(FenceError::Missing));
        assert_eq!(
            split_front_matter("+++ title = 1\n+++\n"),
            Err(FenceError::OpeningNotAlone)
        );
    }

    #[test]
    fn parses_dates_in_every_form_zola_accepts() {
        let date: toml::Table = "d = 2020-06-01".parse().unwrap();
        assert_eq!(parse_date(&date["d"]).unwrap().text, "2020-06-01");
        for text in [
            "2020-06-01",
            "2020-06-01T10:00:00Z",
            "2020-06-01T10:00:00",
            "2020-06-01 10:00:00",
        ] {
            let parsed = parse_date(&toml::Value::String(text.into())).unwrap();
            assert_eq!(
                parsed.moment.date(),
                NaiveDate::from_ymd_opt(2020, 6, 1).unwrap()
            );
        }
    }

    #[test]
    fn a_date_that_is_not_a_date_is_named() {
        let err = parse_date(&toml::Value::String("gisteren".into())).unwrap_err();
        assert!(
            err.to_string().contains("'gisteren' is not a date"),
            "{err}"
        );
        assert!(parse_date(&toml::Value::Integer(2020)).is_err());
    }

    #[test]
    fn malformed_toml_names_line_and_column() {
        let FieldError { field, message } =
            PageFrontMatter::parse("title = \"a\"\ndate = = 2\n").unwrap_err();
        assert_eq!(field, "front matter");
        assert!(message.contains("line 3"), "{message}");
    }

    #[test]
    fn a_wrongly_typed_field_is_named() {
        let err = PageFrontMatter::parse("weight = \"zwaar\"\n").unwrap_err();
        assert_eq!(err.field, "weight");
    }

    #[test]
    fn section_drops_unknown_keys_and_says_so() {
        let (fm, problems) =
            SectionFrontMatter::parse("title = \"P\"\nsort_by = \"date\"\nstatus = \"x\"\n")
                .unwrap();
        assert_eq!(fm.sort_by, SortBy::Date);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "status");
    }

    #[test]
    fn page_warns_about_keys_outside_extra() {
        let (fm, warnings) = PageFrontMatter::parse("title = \"P\"\nstatus = \"draft\"\n").unwrap();
        assert_eq!(fm.title.as_deref(), Some("P"));
        assert!(fm.render && fm.in_search_index);
        assert_eq!(warnings[0].field, "status");
    }
}
