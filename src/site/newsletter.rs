//! The monthly newsletter: for every month with published items, a digest
//! of that month's publications, episodes, questions, kennisateliers and
//! dossiers, grouped by thema, at `/nieuwsbrief/JJJJ-MM/`; an e-mail version
//! beside it (`email.html`: one table, inline styles, absolute links) that
//! editors paste into their mailing tool; and an archive at `/nieuwsbrief/`.
//!
//! This module decides what goes in (pure, over the prepared site data);
//! [`super::render`] renders it with the theme's `nieuwsbrief.html`,
//! `nieuwsbrief-email.html` and `nieuwsbrieven.html`. Zola has no notion of
//! it: `vindplaats publish` writes these files after `zola build`.
//!
//! An item known only by its year belongs to no month and is left out; one
//! known by its month is in that month.

use chrono::Datelike;
use serde_json::{json, Value};

use super::data::SiteData;
use crate::model::{DatePrecision, Item, Kind, Status, DUTCH_MONTHS};

/// Where the newsletter lives in the site.
pub const DIR: &str = "nieuwsbrief";

/// The group of items with no thema.
const NO_THEME: &str = "Overige onderwerpen";

/// One month's newsletter.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    /// `2021-04`.
    pub key: String,
    /// `april 2021`.
    pub name: String,
    pub groups: Vec<Group>,
}

/// The items of one thema in a month, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The thema's name, or [`NO_THEME`].
    pub name: String,
    /// Its theme page, as a library page index, when there is one.
    pub theme_page: Option<usize>,
    /// Library page indexes.
    pub pages: Vec<usize>,
}

impl Month {
    pub fn count(&self) -> usize {
        self.groups.iter().map(|g| g.pages.len()).sum()
    }

    /// `/nieuwsbrief/2021-04/`.
    pub fn path(&self) -> String {
        format!("/{DIR}/{}/", self.key)
    }

    /// `/nieuwsbrief/2021-04/email.html`.
    pub fn email_path(&self) -> String {
        format!("/{DIR}/{}/email.html", self.key)
    }
}

/// `2021-04` as (year, month), if it is one.
pub fn parse_month(text: &str) -> Option<(i32, u32)> {
    let (year, month) = text.split_once('-')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) {
        return None;
    }
    let (year, month) = (year.parse().ok()?, month.parse().ok()?);
    (1..=12).contains(&month).then_some((year, month))
}

/// `april 2021` for (2021, 4).
pub fn month_name(year: i32, month: u32) -> String {
    let name = month
        .checked_sub(1)
        .and_then(|m| DUTCH_MONTHS.get(m as usize))
        .copied()
        .unwrap_or_default();
    format!("{name} {year}")
}

/// Every month with published, dated items, newest first.
pub fn months(data: &SiteData) -> Vec<Month> {
    let lib = &data.library;
    let themes = &data.rules().themes;
    let mut by_month: std::collections::BTreeMap<(i32, u32), Vec<usize>> = Default::default();
    for (i, page) in lib.pages.iter().enumerate() {
        let item = data.item(i);
        let kind = Kind::of(&page.relative_path);
        let counts = matches!(
            kind,
            Kind::Publication
                | Kind::Episode
                | Kind::Question
                | Kind::Kennisatelier
                | Kind::Dossier
        );
        let published = !page.meta.draft
            && page.meta.render
            && item.is_some_and(|it| it.status() == Some(Status::Published));
        let precise = item.is_some_and(|it| it.date_precision() != DatePrecision::Year);
        if let (true, true, true, Some(date)) = (counts, published, precise, &page.date) {
            by_month
                .entry((date.moment.year(), date.moment.month()))
                .or_default()
                .push(i);
        }
    }
    let theme_pages: Vec<Option<usize>> = themes
        .iter()
        .map(|theme| {
            (0..lib.pages.len())
                .find(|&i| matches!(data.item(i), Some(Item::ThemePage(t)) if t.term == theme.name))
        })
        .collect();
    let mut months: Vec<Month> = by_month
        .into_iter()
        .rev()
        .map(|((year, month), mut pages)| {
            pages.sort_by(|&a, &b| {
                let (pa, pb) = (&lib.pages[a], &lib.pages[b]);
                let moment = |p: &crate::content::Page| p.date.as_ref().map(|d| d.moment);
                moment(pb)
                    .cmp(&moment(pa))
                    .then_with(|| pa.meta.title.cmp(&pb.meta.title))
                    .then_with(|| pa.path.cmp(&pb.path))
            });
            // Each item once: under the first of its themas in config order.
            let mut groups: Vec<Group> = themes
                .iter()
                .zip(&theme_pages)
                .map(|(t, &theme_page)| Group {
                    name: t.name.clone(),
                    theme_page,
                    pages: Vec::new(),
                })
                .collect();
            let mut rest = Group {
                name: NO_THEME.to_string(),
                theme_page: None,
                pages: Vec::new(),
            };
            for p in pages {
                let own = lib.pages[p].meta.taxonomies.get("thema");
                let home = groups
                    .iter_mut()
                    .find(|g| own.is_some_and(|o| o.contains(&g.name)));
                match home {
                    Some(g) => g.pages.push(p),
                    None => rest.pages.push(p),
                }
            }
            groups.push(rest);
            groups.retain(|g| !g.pages.is_empty());
            Month {
                key: format!("{year:04}-{month:02}"),
                name: month_name(year, month),
                groups,
            }
        })
        .collect();
    months.retain(|m| m.count() > 0);
    months
}

/// A date as precise as it is known, in Dutch: `12 april 2021` or
/// `april 2021`.
fn date_text(data: &SiteData, page: usize) -> String {
    let Some(date) = &data.library.pages[page].date else {
        return String::new();
    };
    let m = date.moment;
    let month = month_name(m.year(), m.month());
    match data.item(page).map(Item::date_precision) {
        Some(DatePrecision::Month) => month,
        Some(DatePrecision::Year) => m.year().to_string(),
        _ => format!("{} {month}", m.day()),
    }
}

/// What the templates get as `nieuwsbrief`: the month, its neighbours in
/// the archive and its groups, each item as the page (`pagina`, for the
/// site's macros) with its absolute address at the canonical base URL
/// (`url`, for the e-mail) and its date and type as text.
pub fn context(data: &SiteData, months: &[Month], at: usize) -> Value {
    let Some(month) = months.get(at) else {
        return Value::Null;
    };
    let lib = &data.library;
    let types = &data.rules().types;
    let groups: Vec<Value> = month
        .groups
        .iter()
        .map(|g| {
            let items: Vec<Value> = g
                .pages
                .iter()
                .map(|&p| {
                    let page = &lib.pages[p];
                    let kind = page
                        .meta
                        .taxonomies
                        .get("type")
                        .and_then(|t| t.first())
                        .map(|t| types.get(t).cloned().unwrap_or_else(|| t.clone()));
                    json!({
                        "pagina": data.page_value_plain(p),
                        "url": data.canonical_permalink(&page.path),
                        "titel": page.meta.title.clone().unwrap_or_default(),
                        "samenvatting": page.meta.description.clone().unwrap_or_default(),
                        "datum_tekst": date_text(data, p),
                        "soort": kind,
                        "partners": page.meta.taxonomies.get("partner").cloned().unwrap_or_default(),
                    })
                })
                .collect();
            let theme = g.theme_page.map(|t| &lib.pages[t].path);
            json!({
                "naam": g.name,
                "permalink": theme.map(|p| data.permalink(p)),
                "url": theme.map(|p| data.canonical_permalink(p)),
                "items": items,
            })
        })
        .collect();
    let neighbour = |i: Option<usize>| i.and_then(|i| months.get(i)).map(|m| summary(data, m));
    json!({
        "maand": month.key,
        "naam": month.name,
        "titel": format!("Nieuwsbrief {}", month.name),
        "pad": month.path(),
        "permalink": data.permalink(&month.path()),
        "email_permalink": format!("{}email.html", data.permalink(&month.path())),
        "url": data.canonical_permalink(&month.path()),
        "archief_url": data.canonical_permalink(&format!("/{DIR}/")),
        "aantal": month.count(),
        "groepen": groups,
        // The archive is newest first: the next month is the one before.
        "volgende": neighbour(at.checked_sub(1)),
        "vorige": neighbour(Some(at + 1)),
    })
}

/// A fingerprint of everything [`context`] is made of: the month's
/// groups with their theme pages and items, and its neighbours (config,
/// which holds the types and the base URL, is the caller's).
pub fn fingerprint(data: &SiteData, months: &[Month], at: usize) -> super::memo::Fp {
    let lib = &data.library;
    let month = |i: usize| {
        months.get(i).map(|m| {
            let groups: Vec<_> = m
                .groups
                .iter()
                .map(|g| {
                    let theme = g.theme_page.map(|t| (&lib.pages[t].path, data.page_fp(t)));
                    let pages: Vec<_> = g.pages.iter().map(|&p| data.page_fp(p)).collect();
                    (&g.name, theme, pages)
                })
                .collect();
            (&m.key, &m.name, groups)
        })
    };
    super::memo::combine((
        month(at),
        at.checked_sub(1).and_then(month),
        month(at + 1),
        data.canonical_permalink("/"),
    ))
}

/// One month as the archive lists it.
pub fn summary(data: &SiteData, month: &Month) -> Value {
    json!({
        "maand": month.key,
        "naam": month.name,
        "titel": format!("Nieuwsbrief {}", month.name),
        "permalink": data.permalink(&month.path()),
        "email_permalink": format!("{}email.html", data.permalink(&month.path())),
        "aantal": month.count(),
        "groepen": month.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_only_as_jjjj_mm() {
        assert_eq!(parse_month("2021-04"), Some((2021, 4)));
        assert_eq!(parse_month("2021-12"), Some((2021, 12)));
        for bad in [
            "2021-13",
            "2021-00",
            "2021-4",
            "21-04",
            "2021/04",
            "2021-04-01",
            "",
            "ä021-04",
            "2021-0٤",
            "+021-04",
        ] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
        assert_eq!(month_name(2021, 4), "april 2021");
        assert_eq!(month_name(2020, 12), "december 2020");
    }
}
