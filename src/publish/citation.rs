//! Citation downloads for every published publication, beside its page:
//! `citatie.bib` (BibTeX), `citatie.ris` (RIS) and `citatie.json`
//! (CSL-JSON). The publisher is the partner, or the platform under the
//! name it had on the publication date ([`super::oai::platform_name`]).
//! Titles and names are text: each format's special characters are
//! escaped, and no value can start a field or a record of its own.

use serde::Serialize;

use super::Output;
use crate::model::{Collection, DatePrecision, Entry, Item, Kind};

/// The three files, by name.
pub const FILES: [&str; 3] = ["citatie.bib", "citatie.ris", "citatie.json"];

/// What a citation says, in every format.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct Citation {
    /// A key for BibTeX: `kis-<slug>`.
    pub key: String,
    pub kind: CitationKind,
    pub title: String,
    pub authors: Vec<String>,
    /// (year, month, day) as far as known.
    pub issued: Option<(i32, Option<u32>, Option<u32>)>,
    pub publisher: String,
    pub url: String,
    pub doi: Option<String>,
    pub pdf: Option<String>,
    pub abstract_text: Option<String>,
    pub keywords: Vec<String>,
    pub language: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CitationKind {
    /// Scholarly work.
    Article,
    /// Rapport, monitor, factsheet and the like.
    Report,
    Other,
}

/// The content types that are reports (as the page's JSON-LD says).
pub const REPORT_TYPES: [&str; 5] = [
    "rapport",
    "monitor",
    "synthesestudie",
    "factsheet",
    "verslag",
];

impl Citation {
    pub fn of(collection: &Collection, entry: &Entry) -> Option<Citation> {
        use chrono::Datelike;
        let Item::Publication(p) = entry.item else {
            return None;
        };
        let page = entry.page;
        let harvest = p.harvest.as_ref();
        let authors: Vec<String> = entry.authors().into_iter().map(String::from).collect();
        let kind = if p.scholarly {
            CitationKind::Article
        } else if entry
            .terms("type")
            .iter()
            .any(|t| REPORT_TYPES.contains(&t.as_str()))
        {
            CitationKind::Report
        } else {
            CitationKind::Other
        };
        let moment = page.date.as_ref().map(|d| d.moment);
        let issued = moment.map(|d| match p.date_precision {
            DatePrecision::Year => (d.year(), None, None),
            DatePrecision::Month => (d.year(), Some(d.month()), None),
            DatePrecision::Day => (d.year(), Some(d.month()), Some(d.day())),
        });
        let publisher = super::oai::publisher(collection, entry.terms("partner"), moment);
        let web = |l: &Option<String>| {
            l.as_ref()
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
                .cloned()
        };
        Some(Citation {
            key: format!("kis-{}", page.slug),
            kind,
            title: page.meta.title.clone().unwrap_or_default(),
            authors,
            issued,
            publisher,
            url: collection.config.make_permalink(&page.path),
            doi: harvest.and_then(|h| h.doi.clone()),
            pdf: web(&p.pdf).or_else(|| harvest.and_then(|h| web(&h.pdf))),
            abstract_text: page.meta.description.clone().filter(|d| !d.is_empty()),
            keywords: ["thema", "programmalijn"]
                .iter()
                .flat_map(|t| entry.terms(t).iter().cloned())
                .collect(),
            language: harvest
                .and_then(|h| h.language.clone())
                .unwrap_or_else(|| "nl".into()),
        })
    }

    /// BibTeX, one entry.
    pub fn bibtex(&self) -> String {
        let entry_type = match self.kind {
            CitationKind::Article => "article",
            CitationKind::Report => "techreport",
            CitationKind::Other => "misc",
        };
        let mut fields: Vec<(&str, String)> = vec![("title", self.title.clone())];
        if !self.authors.is_empty() {
            fields.push(("author", self.authors.join(" and ")));
        }
        if let Some((year, month, day)) = self.issued {
            fields.push(("year", year.to_string()));
            if let Some(m) = month {
                fields.push(("month", m.to_string()));
            }
            if let Some(d) = day {
                fields.push(("day", d.to_string()));
            }
        }
        let publisher_field = match self.kind {
            CitationKind::Report => "institution",
            CitationKind::Article => "journal",
            CitationKind::Other => "publisher",
        };
        fields.push((publisher_field, self.publisher.clone()));
        fields.push(("url", self.url.clone()));
        if let Some(doi) = &self.doi {
            fields.push(("doi", doi.clone()));
        }
        fields.push(("language", self.language.clone()));
        let mut out = format!("@{entry_type}{{{},\n", bibtex_key(&self.key));
        for (name, value) in fields {
            out.push_str(&format!("  {name} = {{{}}},\n", bibtex_text(&value)));
        }
        out.push_str("}\n");
        out
    }

    /// RIS, one record.
    pub fn ris(&self) -> String {
        let kind = match self.kind {
            CitationKind::Article => "JOUR",
            CitationKind::Report => "RPRT",
            CitationKind::Other => "GEN",
        };
        let mut lines = vec![("TY", kind.to_string()), ("TI", self.title.clone())];
        lines.extend(self.authors.iter().map(|a| ("AU", a.clone())));
        if let Some((year, month, day)) = self.issued {
            lines.push(("PY", year.to_string()));
            lines.push((
                "DA",
                format!(
                    "{year}/{}/{}/",
                    month.map(|m| format!("{m:02}")).unwrap_or_default(),
                    day.map(|d| format!("{d:02}")).unwrap_or_default()
                ),
            ));
        }
        lines.push(("PB", self.publisher.clone()));
        lines.push(("UR", self.url.clone()));
        if let Some(doi) = &self.doi {
            lines.push(("DO", doi.clone()));
        }
        if let Some(pdf) = &self.pdf {
            lines.push(("L1", pdf.clone()));
        }
        if let Some(a) = &self.abstract_text {
            lines.push(("AB", a.clone()));
        }
        lines.extend(self.keywords.iter().map(|k| ("KW", k.clone())));
        lines.push(("LA", self.language.clone()));
        let mut out = String::new();
        for (tag, value) in lines {
            out.push_str(&format!("{tag}  - {}\r\n", one_line(&value)));
        }
        out.push_str("ER  - \r\n");
        out
    }

    /// CSL-JSON: a list with one item.
    pub fn csl_json(&self) -> String {
        #[derive(Serialize)]
        struct Name<'a> {
            literal: &'a str,
        }
        #[derive(Serialize)]
        struct Issued {
            #[serde(rename = "date-parts")]
            date_parts: Vec<Vec<i64>>,
        }
        #[derive(Serialize)]
        struct Csl<'a> {
            id: &'a str,
            #[serde(rename = "type")]
            kind: &'static str,
            title: &'a str,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            author: Vec<Name<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            issued: Option<Issued>,
            publisher: &'a str,
            #[serde(rename = "URL")]
            url: &'a str,
            #[serde(rename = "DOI", skip_serializing_if = "Option::is_none")]
            doi: Option<&'a str>,
            #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
            abstract_text: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            keyword: Option<String>,
            language: &'a str,
        }
        let issued = self.issued.map(|(y, m, d)| Issued {
            date_parts: vec![[Some(i64::from(y)), m.map(i64::from), d.map(i64::from)]
                .into_iter()
                .flatten()
                .collect()],
        });
        let csl = [Csl {
            id: &self.key,
            kind: match self.kind {
                CitationKind::Article => "article-journal",
                CitationKind::Report => "report",
                CitationKind::Other => "document",
            },
            title: &self.title,
            author: self.authors.iter().map(|a| Name { literal: a }).collect(),
            issued,
            publisher: &self.publisher,
            url: &self.url,
            doi: self.doi.as_deref(),
            abstract_text: self.abstract_text.as_deref(),
            keyword: (!self.keywords.is_empty()).then(|| self.keywords.join(", ")),
            language: &self.language,
        }];
        serde_json::to_string_pretty(&csl).unwrap_or_default() + "\n"
    }
}

/// A value on one line: line breaks and other control characters become
/// spaces, so no value starts a tag of its own.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// BibTeX's special characters escaped, braces balanced by escaping each.
fn bibtex_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        match c {
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '\\' => out.push_str("\\textbackslash{}"),
            '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '@' => out.push_str("{@}"),
            _ => out.push(c),
        }
    }
    out
}

/// A key of letters, digits and `-`.
fn bibtex_key(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The citation files of every published publication, but for those
/// `memo` knows as made from the same citation.
pub fn files(collection: &Collection, memo: &crate::site::ExtraMemo) -> Vec<Output> {
    use rayon::prelude::*;
    let entries: Vec<Entry> = collection.published(Kind::Publication).collect();
    entries
        .par_iter()
        .filter_map(|entry| {
            let citation = Citation::of(collection, entry)?;
            let folder = entry.page.path.trim_matches('/').to_string();
            let key = crate::site::combine(("citation", &citation));
            let file = |name: &str| format!("{folder}/{name}");
            Some([
                Output::make(memo, file("citatie.bib"), key, || citation.bibtex()),
                Output::make(memo, file("citatie.ris"), key, || citation.ris()),
                Output::make(memo, file("citatie.json"), key, || citation.csl_json()),
            ])
        })
        .flatten_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn citation(title: &str, author: &str) -> Citation {
        Citation {
            key: "kis-x".into(),
            kind: CitationKind::Report,
            title: title.into(),
            authors: vec![author.into(), "Jaco Dagevos".into()],
            issued: Some((2021, Some(9), None)),
            publisher: "Kennisplatform Integratie & Samenleving".into(),
            url: "https://www.kis.nl/publicaties/x/".into(),
            doi: Some("10.1234/abc".into()),
            pdf: None,
            abstract_text: Some("Over wonen.\nTY  - JOUR".into()),
            keywords: vec!["Gelijke kansen".into()],
            language: "nl".into(),
        }
    }

    #[test]
    fn the_three_formats() {
        let c = citation("Wonen & werken 50% {beter}", "A. Auteur");
        let bib = c.bibtex();
        assert!(bib.starts_with("@techreport{kis-x,\n"), "{bib}");
        assert!(
            bib.contains("  title = {Wonen \\& werken 50\\% \\{beter\\}},"),
            "{bib}"
        );
        assert!(bib.contains("  author = {A. Auteur and Jaco Dagevos},"));
        assert!(bib.contains("  institution = {Kennisplatform Integratie \\& Samenleving},"));
        assert!(bib.contains("  month = {9},") && !bib.contains("day ="));
        let ris = c.ris();
        assert!(ris.starts_with("TY  - RPRT\r\n"));
        assert!(ris.contains("DA  - 2021/09//\r\n"));
        assert!(ris.contains("AB  - Over wonen. TY  - JOUR\r\n"), "{ris}");
        assert!(ris.ends_with("ER  - \r\n"));
        let csl: serde_json::Value = serde_json::from_str(&c.csl_json()).unwrap();
        assert_eq!(csl[0]["type"], "report");
        assert_eq!(
            csl[0]["issued"]["date-parts"],
            serde_json::json!([[2021, 9]])
        );
        assert_eq!(csl[0]["author"][1]["literal"], "Jaco Dagevos");
    }

    /// Braces that BibTeX counts: those not escaped by a backslash.
    fn balanced(bib: &str) -> bool {
        let mut depth = 0i32;
        let mut escaped = false;
        for c in bib.chars() {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '{') => depth += 1,
                (false, '}') => {
                    depth -= 1;
                    if depth < 0 {
                        return false;
                    }
                }
                _ => escaped = false,
            }
        }
        depth == 0
    }

    proptest! {
        #[test]
        fn no_text_breaks_a_format(title in ".{0,80}", author in ".{0,40}") {
            let c = citation(&title, &author);
            let bib = c.bibtex();
            prop_assert!(balanced(&bib), "{}", bib);
            prop_assert_eq!(bib.matches("\n  ").count(), 8);
            let ris = c.ris();
            for line in ris.split("\r\n").filter(|l| !l.is_empty()) {
                prop_assert!(line.len() >= 6 && line.get(2..6) == Some("  - "), "{:?}", line);
            }
            prop_assert_eq!(ris.split("\r\n").filter(|l| !l.is_empty()).last(), Some("ER  - "));
            prop_assert_eq!(ris.matches("\r\nER  - ").count(), 1);
            let csl: serde_json::Value = serde_json::from_str(&c.csl_json()).unwrap();
            prop_assert_eq!(csl[0]["title"].as_str(), Some(title.as_str()));
        }
    }
}
