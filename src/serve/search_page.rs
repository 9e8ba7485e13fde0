//! `/zoeken/?q=…` without JavaScript: the built search page with the
//! results, the facets as links and the pages as links written into it,
//! from the same embedded index the search API answers from. With
//! JavaScript the page searches as before; without a query the page is
//! the built file as it is.
//!
//! Everything from the query string is text: it is escaped wherever it
//! lands in the page, and has limits (the words, the filters, the page).
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::search::{EmbeddedIndex, SearchRequest};

/// The facets, in the order the page shows them, with their Dutch names
/// and the URL parameter each is chosen with.
const FACETS: &[(&str, &str, &str)] = &[
    ("soort", "Soort pagina", "soort"),
    ("thema", "Thema", "thema"),
    ("programmalijn", "Programmalijn", "programmalijn"),
    ("type", "Soort", "type"),
    ("partner", "Partner", "partner"),
    ("year", "Jaar", "jaar"),
];
/// Results on one page, as the script shows them.
const PER_PAGE: usize = 10;
/// The longest query read, in characters; the most filter values.
const MAX_QUERY_CHARS: usize = 500;
const MAX_FILTERS: usize = 30;
const MAX_PAGE: usize = 1_000;

fn soort_label(soort: &str) -> &str {
    match soort {
        "publicatie" => "Publicatie",
        "podcastaflevering" => "Podcastaflevering",
        "vraag" => "Vraag en antwoord",
        "dossier" => "Dossier",
        "kennisatelier" => "Kennisatelier",
        "portaalproject" => "Portaalproject",
        "thema" => "Thema of programmalijn",
        "partner" => "Partner",
        "pagina" => "Pagina",
        other => other,
    }
}

pub struct SearchPage {
    public_dir: PathBuf,
    index: Arc<EmbeddedIndex>,
    /// `rapport` → `Rapport` (config.toml `[extra.types]`).
    types: BTreeMap<String, String>,
}

pub fn router(
    public_dir: &Path,
    index: Arc<EmbeddedIndex>,
    types: BTreeMap<String, String>,
) -> Router {
    let page = Arc::new(SearchPage {
        public_dir: public_dir.to_path_buf(),
        index,
        types,
    });
    Router::new()
        .route("/zoeken/", get(search_page))
        .with_state(page)
}

/// What the reader asked for.
#[derive(Debug, Default, PartialEq)]
struct Asked {
    q: String,
    sort: String,
    page: usize,
    /// (facet, value), in the order given.
    filters: Vec<(String, String)>,
}

impl Asked {
    fn parse(query: &str) -> Asked {
        let mut asked = Asked {
            page: 1,
            ..Default::default()
        };
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "q" => asked.q = value.chars().take(MAX_QUERY_CHARS).collect(),
                "sorteer" if matches!(value.as_ref(), "date:desc" | "date:asc") => {
                    asked.sort = value.into_owned()
                }
                "pagina" => asked.page = value.parse().unwrap_or(1).clamp(1, MAX_PAGE),
                other => {
                    let facet = FACETS.iter().find(|(_, _, param)| *param == other);
                    if let Some((name, ..)) = facet {
                        if asked.filters.len() < MAX_FILTERS && !value.is_empty() {
                            let value: String = value.chars().take(200).collect();
                            asked.filters.push((name.to_string(), value));
                        }
                    }
                }
            }
        }
        asked
    }

    fn is_empty(&self) -> bool {
        self.q.trim().is_empty() && self.filters.is_empty()
    }

    /// The search, as the script sends it.
    fn request(&self) -> Value {
        let mut filter: Vec<Value> = Vec::new();
        for (name, ..) in FACETS {
            let values: Vec<Value> = self
                .filters
                .iter()
                .filter(|(f, _)| f == name)
                .map(|(_, v)| {
                    if *name == "year" {
                        json!(format!("year = {}", v.parse::<i64>().unwrap_or(0)))
                    } else {
                        json!(format!(
                            "{name} = \"{}\"",
                            v.replace('\\', "\\\\").replace('"', "\\\"")
                        ))
                    }
                })
                .collect();
            if !values.is_empty() {
                filter.push(Value::Array(values));
            }
        }
        let mut body = json!({
            "q": self.q,
            "hitsPerPage": PER_PAGE,
            "page": self.page,
            "facets": FACETS.iter().map(|(n, ..)| *n).collect::<Vec<_>>(),
            "attributesToRetrieve": ["url", "title", "summary", "soort", "type", "year", "partner"],
            "filter": filter,
        });
        if let (false, Some(map)) = (self.sort.is_empty(), body.as_object_mut()) {
            map.insert("sort".into(), json!([self.sort]));
        }
        body
    }

    /// This search's address with `change` applied to its filters and page.
    fn url(&self, filters: &[(String, String)], page: usize) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            out.append_pair("q", &self.q);
        }
        if !self.sort.is_empty() {
            out.append_pair("sorteer", &self.sort);
        }
        for (name, value) in filters {
            let param = FACETS
                .iter()
                .find(|(n, ..)| n == name)
                .map_or(name.as_str(), |(_, _, p)| p);
            out.append_pair(param, value);
        }
        if page > 1 {
            out.append_pair("pagina", &page.to_string());
        }
        format!("/zoeken/?{}", out.finish())
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

impl SearchPage {
    fn label(&self, facet: &str, value: &str) -> String {
        match facet {
            "type" => self
                .types
                .get(value)
                .cloned()
                .unwrap_or_else(|| value.to_string()),
            "soort" => soort_label(value).to_string(),
            _ => value.to_string(),
        }
    }

    fn results(&self, asked: &Asked, answer: &Value) -> Parts {
        let hits = answer
            .get("hits")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut list = String::new();
        for hit in &hits {
            let text = |k: &str| hit.get(k).and_then(Value::as_str).unwrap_or_default();
            let mut meta: Vec<String> = Vec::new();
            let soort = text("soort");
            if !soort.is_empty() && soort != "publicatie" {
                meta.push(escape(soort_label(soort)));
            }
            for t in strings(hit.get("type").unwrap_or(&Value::Null)) {
                meta.push(escape(&self.label("type", &t)));
            }
            if let Some(year) = hit.get("year").and_then(Value::as_i64) {
                meta.push(year.to_string());
            }
            let partners = strings(hit.get("partner").unwrap_or(&Value::Null));
            if !partners.is_empty() {
                meta.push(escape(&partners.join(", ")));
            }
            let url = text("url");
            let href = if url.starts_with('/') { url } else { "#" };
            list.push_str(&format!(
                "<li class=\"resultaat\"><h3 class=\"resultaat__titel\"><a href=\"{}\">{}</a></h3>{}{}</li>",
                escape(href),
                escape(text("title")),
                if meta.is_empty() {
                    String::new()
                } else {
                    format!("<p class=\"resultaat__meta\">{}</p>", meta.join(" · "))
                },
                if text("summary").is_empty() {
                    String::new()
                } else {
                    format!("<p class=\"resultaat__tekst\">{}</p>", escape(text("summary")))
                }
            ));
        }
        let total = answer.get("totalHits").and_then(Value::as_u64).unwrap_or(0);
        let pages = answer
            .get("totalPages")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let what = if asked.q.is_empty() {
            String::new()
        } else {
            format!(" voor ‘{}’", escape(&asked.q))
        };
        let status = if total == 0 {
            let hint = if asked.filters.is_empty() {
                " Probeer andere of minder woorden."
            } else {
                " Haal een of meer filters weg om meer te vinden."
            };
            format!("Geen resultaten{what}.{hint}")
        } else {
            let mut s = format!(
                "{total} {}{what}",
                if total == 1 {
                    "resultaat"
                } else {
                    "resultaten"
                }
            );
            if !asked.filters.is_empty() {
                let n = asked.filters.len();
                s.push_str(&format!(
                    ", met {n} {}",
                    if n == 1 { "filter" } else { "filters" }
                ));
            }
            if asked.page > 1 {
                s.push_str(&format!(" (pagina {})", asked.page));
            }
            s.push('.');
            s
        };

        // Facets as links that add or remove one value.
        let distribution = answer
            .get("facetDistribution")
            .cloned()
            .unwrap_or(Value::Null);
        let mut facets = String::new();
        for (name, label, _) in FACETS {
            let counts = distribution
                .get(name)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let mut values: Vec<(String, u64)> = counts
                .iter()
                .map(|(v, n)| (v.clone(), n.as_u64().unwrap_or(0)))
                .collect();
            for (f, v) in &asked.filters {
                if f == name && !values.iter().any(|(x, _)| x == v) {
                    values.push((v.clone(), 0));
                }
            }
            if values.is_empty() {
                continue;
            }
            if *name == "year" {
                values.sort_by(|a, b| b.0.cmp(&a.0));
            } else {
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            }
            facets.push_str(&format!("<div class=\"facet\"><h3>{label}</h3><ul>"));
            for (value, count) in values {
                let chosen = asked.filters.iter().any(|(f, v)| f == name && *v == value);
                let filters: Vec<(String, String)> = if chosen {
                    asked
                        .filters
                        .iter()
                        .filter(|(f, v)| !(f == name && *v == value))
                        .cloned()
                        .collect()
                } else {
                    let mut f = asked.filters.clone();
                    f.push((name.to_string(), value.clone()));
                    f
                };
                let text = escape(&self.label(name, &value));
                facets.push_str(&format!(
                    "<li><a href=\"{}\"{}>{}{text} <span class=\"aantal\">({count})</span></a></li>",
                    escape(&asked.url(&filters, 1)),
                    if chosen { " aria-current=\"true\"" } else { "" },
                    if chosen { "✓ <span class=\"visueel-verborgen\">gekozen:</span> " } else { "" },
                ));
            }
            facets.push_str("</ul></div>");
        }
        if facets.is_empty() {
            facets.push_str("<p>Geen filters voor deze resultaten.</p>");
        }

        let mut pager = String::new();
        if pages > 1 {
            if asked.page > 1 {
                pager.push_str(&format!(
                    "<a href=\"{}\" rel=\"prev\">Vorige pagina</a> ",
                    escape(&asked.url(&asked.filters, asked.page - 1))
                ));
            }
            pager.push_str(&format!(
                "<span class=\"paginering__stand\">Pagina {} van {pages}</span>",
                asked.page
            ));
            if asked.page < pages {
                pager.push_str(&format!(
                    " <a href=\"{}\" rel=\"next\">Volgende pagina</a>",
                    escape(&asked.url(&asked.filters, asked.page + 1))
                ));
            }
        }
        Parts {
            status,
            list,
            facets,
            pager,
        }
    }
}

struct Parts {
    status: String,
    list: String,
    facets: String,
    pager: String,
}

/// Writes `parts` into the built page's empty containers.
fn fill(page: &str, asked: &Asked, parts: &Parts) -> String {
    let mut html = page.to_string();
    let put = |html: &mut String, open: &str, close: &str, inner: &str| {
        if let Some(at) = html.find(open) {
            let start = at + open.len();
            if let Some(end) = html.get(start..).and_then(|rest| rest.find(close)) {
                html.replace_range(start..start + end, inner);
            }
        }
    };
    put(
        &mut html,
        "<ol id=\"resultaten\" class=\"resultaten\">",
        "</ol>",
        &parts.list,
    );
    put(&mut html, "<div id=\"facetten\">", "</div>", &parts.facets);
    put(
        &mut html,
        "aria-label=\"Pagina's met resultaten\">",
        "</nav>",
        &parts.pager,
    );
    put(&mut html, "aria-atomic=\"true\">", "</p>", &parts.status);
    html = html.replacen(
        "id=\"zoekterm\" name=\"q\"",
        &format!("id=\"zoekterm\" name=\"q\" value=\"{}\"", escape(&asked.q)),
        1,
    );
    if !asked.sort.is_empty() {
        html = html.replacen(
            &format!("<option value=\"{}\">", asked.sort),
            &format!("<option value=\"{}\" selected>", asked.sort),
            1,
        );
    }
    html
}

async fn search_page(State(page): State<Arc<SearchPage>>, request: Request) -> Response {
    let file = page.public_dir.join("zoeken").join("index.html");
    let Ok(built) = tokio::fs::read_to_string(&file).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let html_answer = |body: String| {
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response()
    };
    let asked = Asked::parse(request.uri().query().unwrap_or_default());
    if asked.is_empty() {
        return html_answer(built);
    }
    let body = asked.request();
    let index = page.index.clone();
    let answer = tokio::task::spawn_blocking(move || {
        SearchRequest::from_json(&body)
            .and_then(|r| index.search(&r))
            .map(|r| r.to_json())
    })
    .await;
    let parts = match answer {
        Ok(Ok(answer)) => page.results(&asked, &answer),
        _ => Parts {
            status: "Zoeken lukt nu niet. Probeer het later opnieuw.".into(),
            list: String::new(),
            facets: String::new(),
            pager: String::new(),
        },
    };
    html_answer(fill(&built, &asked, &parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_query_with_limits() {
        let a = Asked::parse("q=jongeren&thema=Gelijke+kansen&thema=X&jaar=2020&pagina=3&sorteer=date%3Adesc&onbekend=1");
        assert_eq!(a.q, "jongeren");
        assert_eq!(a.page, 3);
        assert_eq!(a.sort, "date:desc");
        assert_eq!(a.filters.len(), 3);
        let body = a.request();
        assert_eq!(
            body.pointer("/filter/0"),
            Some(&json!(["thema = \"Gelijke kansen\"", "thema = \"X\""]))
        );
        assert_eq!(body.pointer("/filter/1"), Some(&json!(["year = 2020"])));
        assert!(SearchRequest::from_json(&body).is_ok());
        let long = format!("q={}&pagina=999999999&sorteer=drop", "a".repeat(5000));
        let a = Asked::parse(&long);
        assert_eq!(
            (a.q.len(), a.page, a.sort.as_str()),
            (MAX_QUERY_CHARS, MAX_PAGE, "")
        );
        let many = "thema=x&".repeat(100);
        assert_eq!(Asked::parse(&many).filters.len(), MAX_FILTERS);
    }

    #[test]
    fn quotes_in_a_filter_value_stay_in_the_value() {
        let a = Asked::parse("q=x&partner=a%22+OR+year+%3E+0");
        let body = a.request();
        assert!(SearchRequest::from_json(&body).is_ok(), "{body}");
        assert_eq!(
            body.pointer("/filter/0/0"),
            Some(&json!("partner = \"a\\\" OR year > 0\""))
        );
    }

    #[test]
    fn fills_the_containers_with_escaped_text() {
        let page = "<input type=\"search\" id=\"zoekterm\" name=\"q\"><p id=\"zoekstatus\" class=\"zoekstatus\" role=\"status\" aria-live=\"polite\" aria-atomic=\"true\"></p><div id=\"facetten\"></div><ol id=\"resultaten\" class=\"resultaten\"></ol><nav id=\"paginering\" class=\"paginering\" aria-label=\"Pagina's met resultaten\"></nav>";
        let asked = Asked::parse("q=%3Cscript%3E");
        let parts = Parts {
            status: "S".into(),
            list: "<li>L</li>".into(),
            facets: "F".into(),
            pager: "P".into(),
        };
        let html = fill(page, &asked, &parts);
        assert!(html.contains("value=\"&lt;script&gt;\""), "{html}");
        assert!(html.contains("aria-atomic=\"true\">S</p>") && html.contains("<li>L</li></ol>"));
        assert!(
            html.contains("<div id=\"facetten\">F</div>") && html.contains("resultaten\">P</nav>")
        );
    }

    proptest! {
        #[test]
        fn any_query_string_makes_a_valid_request(query in "\\PC{0,300}") {
            let asked = Asked::parse(&query);
            prop_assert!(SearchRequest::from_json(&asked.request()).is_ok());
            let url = asked.url(&asked.filters, 2);
            prop_assert!(url.starts_with("/zoeken/?") && !url.contains('<') && !url.contains('"'));
        }
    }
}
