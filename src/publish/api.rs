//! The JSON content API under `api/v1/`: one document per published item
//! (`items/<id>.json`), paginated lists per kind (`<list>/page/<n>.json`),
//! filtered lists of publications per thema, programmalijn, partner, type
//! and year (`publications/<facet>/<slug>/page/<n>.json`), the entry point
//! `index.json` and the OpenAPI description `openapi.json`.

use rayon::prelude::*;
use serde::Serialize;

use super::listing::Listings;
use super::openapi;
use super::view::{self, Document, SeriesDocument, Summary, Urls, API_ROOT};
use super::Output;
use crate::content::fingerprint::of_serialized;
use crate::content::markdown::Rendered;
use crate::model::{Collection, Entry, Item, Kind};
use crate::site::{ExtraMemo, Fp};

/// Items on one list page, at most.
pub const PER_PAGE: usize = 100;

/// The lists by kind: (path below `api/v1/`, kind).
pub const KIND_LISTS: &[(&str, Kind)] = &[
    ("publications", Kind::Publication),
    ("episodes", Kind::Episode),
    ("dossiers", Kind::Dossier),
    ("questions", Kind::Question),
    ("kennisateliers", Kind::Kennisatelier),
    ("portaalprojecten", Kind::PortalProject),
    ("partners", Kind::Partner),
    ("themes", Kind::ThemePage),
];

/// The list of podcast series, below `api/v1/`: not a kind of item.
pub const SERIES_FOLDER: &str = "series";

#[derive(Debug, Serialize, Hash)]
struct Links {
    #[serde(rename = "self")]
    this: String,
    first: String,
    prev: Option<String>,
    next: Option<String>,
    last: String,
}

#[derive(Debug, Serialize, Hash)]
struct Meta {
    total: usize,
    page: usize,
    pages: usize,
    per_page: usize,
}

#[derive(Debug, Serialize)]
struct ListPage<'a, T: Serialize> {
    data: &'a [T],
    links: Links,
    meta: Meta,
}

/// The pages of one list at `api/v1/<folder>/page/<n>.json`. An empty list
/// still has its first page. `items` come with the key of each (see
/// [`of_serialized`]): a page is made only when one of them, or the
/// page's links, changed.
fn list_pages<T: Serialize + Sync>(
    urls: &Urls,
    memo: &ExtraMemo,
    folder: &str,
    items: &[(T, Fp)],
) -> Vec<Output> {
    let pages = items.len().div_ceil(PER_PAGE).max(1);
    let file = |n: usize| format!("{API_ROOT}/{folder}/page/{n}.json");
    (1..=pages)
        .map(|n| {
            let start = (n - 1) * PER_PAGE;
            let data = items
                .get(start..items.len().min(start + PER_PAGE))
                .unwrap_or_default();
            let links = Links {
                this: urls.api(&file(n)),
                first: urls.api(&file(1)),
                prev: (n > 1).then(|| urls.api(&file(n - 1))),
                next: (n < pages).then(|| urls.api(&file(n + 1))),
                last: urls.api(&file(pages)),
            };
            let meta = Meta {
                total: items.len(),
                page: n,
                pages,
                per_page: PER_PAGE,
            };
            let keys: Vec<Fp> = data.iter().map(|(_, k)| *k).collect();
            let key = crate::site::combine(("list page", &links, &meta, keys));
            Output::make(memo, file(n), key, || {
                let data: Vec<&T> = data.iter().map(|(item, _)| item).collect();
                pretty(&ListPage {
                    data: &data,
                    links,
                    meta,
                })
            })
        })
        .collect()
}

/// `value` as indented JSON.
pub(super) fn pretty(value: &impl Serialize) -> String {
    // A view of plain data always serializes; an empty body would fail
    // the schema test loudly.
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The file at `path` holding `value` as JSON, made where `memo` does not
/// know it.
pub(super) fn json_output(memo: &ExtraMemo, path: String, value: &impl Serialize) -> Output {
    Output::make(memo, path, of_serialized(value), || pretty(value))
}

/// Sorted for lists: themes by number, partners by name, the rest newest
/// first.
fn ordered<'a>(collection: &'a Collection, kind: Kind) -> Vec<Entry<'a>> {
    let mut entries: Vec<Entry> = collection.published(kind).collect();
    match kind {
        Kind::ThemePage => entries.sort_by_key(|e| match e.item {
            Item::ThemePage(t) => (
                matches!(t.kind, crate::model::ThemeKind::Programmalijn),
                t.number,
                e.page.path.clone(),
            ),
            _ => (true, u32::MAX, e.page.path.clone()),
        }),
        Kind::Partner => entries.sort_by(|a, b| a.page.meta.title.cmp(&b.page.meta.title)),
        _ => {
            let mut ids: Vec<usize> = entries.iter().map(|e| e.id).collect();
            super::listing::newest_first(collection, &mut ids);
            let by_id: std::collections::HashMap<usize, Entry> =
                entries.iter().map(|e| (e.id, *e)).collect();
            entries = ids
                .into_iter()
                .filter_map(|id| by_id.get(&id).copied())
                .collect();
        }
    }
    entries
}

/// Every API file that `memo` does not know as made from the same inputs.
pub fn files(
    collection: &Collection,
    listings: &Listings,
    html: &[Rendered],
    memo: &ExtraMemo,
) -> Vec<Output> {
    let urls = Urls { collection };
    let mut out = Vec::new();

    // One document per published item.
    let published: Vec<Entry> = collection
        .entries()
        .filter(|e| e.is_published() && KIND_LISTS.iter().any(|(_, k)| *k == e.kind()))
        .collect();
    out.par_extend(published.par_iter().map(|e| {
        let body = html.get(e.id).map_or("", |r| r.html.as_str());
        let doc = Document::of(&urls, e, body);
        json_output(memo, Urls::item_file(&doc.summary.id), &doc)
    }));

    // Each published item as lists show it, with its key: made once, for
    // every list it is on.
    let mut summaries: Vec<Option<(Summary, Fp)>> = vec![None; collection.items.len()];
    let made: Vec<(usize, Summary, Fp)> = published
        .par_iter()
        .map(|e| {
            let summary = Summary::of(&urls, e);
            let key = of_serialized(&summary);
            (e.id, summary, key)
        })
        .collect();
    for (id, summary, key) in made {
        if let Some(place) = summaries.get_mut(id) {
            *place = Some((summary, key));
        }
    }
    let summaries_of = |ids: &mut dyn Iterator<Item = usize>| -> Vec<(&Summary, Fp)> {
        ids.filter_map(|id| summaries.get(id)?.as_ref().map(|(s, k)| (s, *k)))
            .collect()
    };

    // Lists per kind.
    out.par_extend(KIND_LISTS.par_iter().flat_map_iter(|(folder, kind)| {
        let listed = summaries_of(&mut ordered(collection, *kind).iter().map(|e| e.id));
        list_pages(&urls, memo, folder, &listed)
    }));

    // Podcast series: documents and their list.
    let series = view::series(collection);
    let series_docs: Vec<SeriesDocument> = series
        .iter()
        .map(|s| SeriesDocument::of(&urls, s))
        .collect();
    for doc in &series_docs {
        out.push(json_output(memo, Urls::item_file(&doc.id), doc));
    }
    let series_docs: Vec<(SeriesDocument, Fp)> = series_docs
        .into_iter()
        .map(|d| {
            let key = of_serialized(&d);
            (d, key)
        })
        .collect();
    out.extend(list_pages(&urls, memo, SERIES_FOLDER, &series_docs));

    // Publications per thema, programmalijn, partner, type and year.
    let facet_lists: Vec<_> = listings
        .by_facet
        .iter()
        .filter(|l| {
            l.facet
                .as_ref()
                .is_some_and(|(f, _)| *f != super::listing::Facet::Dossier)
        })
        .collect();
    out.par_extend(facet_lists.par_iter().flat_map_iter(|listing| {
        let listed = summaries_of(&mut listing.pages.iter().copied());
        list_pages(
            &urls,
            memo,
            &format!("publications/{}", listing.key()),
            &listed,
        )
    }));

    out.push(json_output(
        memo,
        format!("{API_ROOT}/index.json"),
        &index(&urls, listings),
    ));
    // What a static host answers for a path below the API that has no
    // file (netlify.toml sends it with status 404).
    out.push(json_output(
        memo,
        format!("{API_ROOT}/404.json"),
        &serde_json::json!({
            "message": "Nothing is published here; /api/v1/index.json lists every list, and /api/v1/openapi.json describes them.",
            "code": "not_found"
        }),
    ));
    out.push(json_output(
        memo,
        format!("{API_ROOT}/openapi.json"),
        &openapi::description(&collection.config.base_url),
    ));
    out
}

#[derive(Debug, Serialize)]
struct Index {
    title: String,
    openapi: String,
    lists: Vec<IndexList>,
    filters: Vec<IndexList>,
}

#[derive(Debug, Serialize)]
struct IndexList {
    name: String,
    url: String,
}

fn index(urls: &Urls, listings: &Listings) -> Index {
    let mut lists: Vec<IndexList> = KIND_LISTS
        .iter()
        .map(|(folder, _)| *folder)
        .chain(std::iter::once(SERIES_FOLDER))
        .map(|folder| IndexList {
            name: folder.to_string(),
            url: urls.api(&format!("{API_ROOT}/{folder}/page/1.json")),
        })
        .collect();
    lists.sort_by(|a, b| a.name.cmp(&b.name));
    let filters = listings
        .by_facet
        .iter()
        .filter(|l| !matches!(l.facet, Some((super::listing::Facet::Dossier, _))))
        .map(|l| IndexList {
            name: l.key(),
            url: urls.api(&format!("{API_ROOT}/publications/{}/page/1.json", l.key())),
        })
        .collect();
    Index {
        title: urls.collection.config.title.clone().unwrap_or_default(),
        openapi: urls.api(&format!("{API_ROOT}/openapi.json")),
        lists,
        filters,
    }
}
