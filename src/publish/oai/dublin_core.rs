//! An item as `oai_dc`: which of its fields become which Dublin Core
//! elements, and who its publisher was on its date (the platform under
//! the name it had then, or its partner).

use chrono::NaiveDateTime;

use crate::model::{Collection, Entry, Item, Kind};
use crate::publish::view::DateView;

/// One record's Dublin Core.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DublinCore {
    pub title: String,
    pub creators: Vec<String>,
    pub subjects: Vec<String>,
    pub description: Option<String>,
    pub publishers: Vec<String>,
    /// As far as known: `2024`, `2024-09` or `2024-09-11`.
    pub date: Option<String>,
    pub types: Vec<String>,
    pub identifiers: Vec<String>,
    pub language: String,
    pub rights: Option<String>,
    pub relations: Vec<String>,
}

/// The publisher of an item: its first partner, or the platform; the
/// platform (as a partner or not) under the name it had on `date`.
pub fn publisher(
    collection: &Collection,
    partners: &[String],
    date: Option<NaiveDateTime>,
) -> String {
    let current = collection.config.title.as_deref().unwrap_or_default();
    match partners.first() {
        Some(p) if p != current => p.clone(),
        _ => platform_name(collection, date),
    }
}

/// The platform's name on `date`: an earlier name from
/// `[[extra.eerdere_namen]]` (`naam`, `tot`) when the date is before its
/// `tot`, else the site's title.
pub fn platform_name(collection: &Collection, date: Option<NaiveDateTime>) -> String {
    let current = collection.config.title.clone().unwrap_or_default();
    let Some(date) = date else {
        return current;
    };
    let day = date.format("%Y-%m-%d").to_string();
    collection
        .config
        .extra
        .get("eerdere_namen")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|n| {
            let name = n.get("naam")?.as_str()?;
            let until = n.get("tot")?.as_str()?;
            (day.as_str() < until).then(|| (until.to_string(), name.to_string()))
        })
        // The earliest `tot` that is still after the date.
        .min()
        .map_or(current, |(_, name)| name)
}

pub(super) fn dublin_core(collection: &Collection, entry: &Entry) -> DublinCore {
    let page = entry.page;
    let mut dc = DublinCore {
        title: page.meta.title.clone().unwrap_or_default(),
        creators: entry.authors().into_iter().map(String::from).collect(),
        description: page.meta.description.clone().filter(|d| !d.is_empty()),
        date: DateView::of(page, entry.item.date_precision()).map(|d| d.value),
        // The public address, whatever address `serve` listens on.
        identifiers: vec![format!(
            "{}{}",
            collection.canonical_base_url.trim_end_matches('/'),
            page.path
        )],
        language: "nl".into(),
        ..DublinCore::default()
    };
    for taxonomy in ["thema", "programmalijn"] {
        dc.subjects.extend(entry.terms(taxonomy).iter().cloned());
    }
    let date = page.date.as_ref().map(|d| d.moment);
    dc.publishers = entry
        .terms("partner")
        .iter()
        .map(|p| publisher(collection, std::slice::from_ref(p), date))
        .collect();
    if dc.publishers.is_empty() {
        dc.publishers.push(publisher(collection, &[], date));
    }
    dc.types = entry
        .terms("type")
        .iter()
        .map(|t| collection.type_label(t).to_string())
        .collect();
    dc.types.push(
        match entry.kind() {
            Kind::Episode => "Sound",
            _ => "Text",
        }
        .into(),
    );
    if let Item::Publication(p) = entry.item {
        if let Some(h) = &p.harvest {
            if let Some(doi) = &h.doi {
                dc.identifiers.push(format!("https://doi.org/{doi}"));
            }
            if let Some(language) = &h.language {
                dc.language = language.clone();
            }
            dc.rights = h.licence.clone();
        }
        for link in [&p.pdf, &p.link].into_iter().flatten() {
            if link.starts_with("https://") || link.starts_with("http://") {
                dc.relations.push(link.clone());
            }
        }
    }
    dc
}
