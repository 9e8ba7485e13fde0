//! No item known only by its month or year shows or emits a day it does
//! not have: not on its page (text, `<time>`, Open Graph, Highwire,
//! JSON-LD), not on a card or list row that links it, not in the search
//! documents. Atom and RSS demand a full date and get the first day, which
//! no reader sees.

mod common;

use common::{read, shipped_site_copy};
use vindplaats::model::{Collection, DatePrecision, LoadOptions};
use vindplaats::site::{build, BuildOptions};

struct Imprecise {
    path: String,
    precision: DatePrecision,
    /// `2020-12` or `2020`.
    known: String,
    /// `2020-12-01`.
    full: String,
}

/// Every `datetime="…"` and `content="…"` value on a page that starts
/// with `prefix`, and the JSON-LD `datePublished` values.
fn dates_on(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in [
        "datetime=\"",
        "\"datePublished\": \"",
        "article:published_time\" content=\"",
        "citation_publication_date\" content=\"",
    ] {
        for (at, m) in html.match_indices(marker) {
            let rest = &html[at + m.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_string());
            }
        }
    }
    out
}

#[test]
fn month_and_year_dates_never_grow_a_day() {
    let site = shipped_site_copy();
    build(site.path(), &BuildOptions::default()).unwrap();
    let collection = Collection::load(site.path(), &LoadOptions::default()).unwrap();
    let imprecise: Vec<Imprecise> = collection
        .entries()
        .filter(|e| e.is_published() && e.item.date_precision() != DatePrecision::Day)
        .filter_map(|e| {
            let date = e.page.date.as_ref()?;
            let full = date.moment.format("%Y-%m-%d").to_string();
            let known = match e.item.date_precision() {
                DatePrecision::Month => date.moment.format("%Y-%m").to_string(),
                _ => date.moment.format("%Y").to_string(),
            };
            Some(Imprecise {
                path: e.page.path.clone(),
                precision: e.item.date_precision(),
                known,
                full,
            })
        })
        .collect();
    assert!(
        imprecise.len() >= 10,
        "the shipped site has month- and year-dated items: {}",
        imprecise.len()
    );
    let public = site.path().join("public");
    let mut wrong: Vec<String> = Vec::new();

    // Its own page.
    for item in &imprecise {
        let html = read(
            &public
                .join(item.path.trim_start_matches('/'))
                .join("index.html"),
        );
        // The head (Open Graph, Highwire, JSON-LD) and the page's own
        // details; cards of other items on the page have dates of their own.
        let head = &html[..html.find("</head>").unwrap_or(0)];
        let details = html
            .find("<dl class=\"gegevens\"")
            .map(|at| &html[at..at + html[at..].find("</dl>").unwrap_or(0)])
            .unwrap_or("");
        for d in dates_on(head).into_iter().chain(dates_on(details)) {
            let d = d.replace('/', "-");
            if d.starts_with(&item.known) && d.len() > item.known.len() {
                wrong.push(format!("{}: emits {d}, knows {}", item.path, item.known));
            }
        }
        let text = common::visible_text(&html);
        if item.precision == DatePrecision::Month {
            let day: u32 = item.full[8..].parse().unwrap();
            let month_names = vindplaats::model::DUTCH_MONTHS;
            let month: usize = item.full[5..7].parse().unwrap();
            let shown = format!("{day} {} {}", month_names[month - 1], &item.full[..4]);
            if text.contains(&shown) {
                wrong.push(format!("{}: shows \"{shown}\"", item.path));
            }
        }
    }

    // Every card and list row of it, on every page: the block's first link
    // is the item.
    for entry in walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = read(entry.path());
        for (open, close) in [("<article class=\"kaart\"", "</article>"), ("<li", "</li>")] {
            for (at, _) in html.match_indices(open) {
                let block = &html[at..at + html[at..].find(close).unwrap_or(0)];
                let Some(href) = block
                    .split("href=\"")
                    .nth(1)
                    .and_then(|h| h.split('"').next())
                else {
                    continue;
                };
                let Some(item) = imprecise.iter().find(|i| href.ends_with(&i.path)) else {
                    continue;
                };
                for d in dates_on(block) {
                    if d.starts_with(&item.known) && d.len() > item.known.len() {
                        wrong.push(format!(
                            "{}: a card of {} says {d}",
                            entry.path().display(),
                            item.path
                        ));
                    }
                }
            }
        }
    }

    // The search documents.
    let docs = vindplaats::search::library_documents(&collection).unwrap();
    for item in &imprecise {
        let doc = docs.iter().find(|d| d.text("url") == item.path);
        if let Some(doc) = doc {
            if doc.text("date") != item.known {
                wrong.push(format!(
                    "{}: search document date {}",
                    item.path,
                    doc.text("date")
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} dates claim too much:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
