//! The listings a reader can follow and an API client can page through: all
//! publications, and those of each thema, programmalijn, partner, type, year
//! and dossier. The API's filtered lists and the feeds are made from these
//! same lists, so a feed always matches its listing.

use std::collections::BTreeMap;

use crate::model::{Collection, Entry, Item, Kind};

/// What a listing selects on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Facet {
    Thema,
    Programmalijn,
    Partner,
    Type,
    Jaar,
    Dossier,
}

impl Facet {
    /// The taxonomy (or `dossier`), as it appears in paths.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Thema => "thema",
            Facet::Programmalijn => "programmalijn",
            Facet::Partner => "partner",
            Facet::Type => "type",
            Facet::Jaar => "jaar",
            Facet::Dossier => "dossier",
        }
    }

    /// Facets whose listings have feeds (years have none: nobody follows
    /// a year).
    pub fn has_feed(self) -> bool {
        !matches!(self, Facet::Jaar)
    }

    const TAXONOMIES: [Facet; 5] = [
        Facet::Thema,
        Facet::Programmalijn,
        Facet::Partner,
        Facet::Type,
        Facet::Jaar,
    ];
}

/// One listing: publications, newest first.
#[derive(Debug, Clone)]
pub struct Listing {
    /// `None` for all publications.
    pub facet: Option<(Facet, String)>,
    /// The slug in paths (`institutioneel-racisme`); empty for all.
    pub slug: String,
    /// What a reader reads: `Nieuw over Institutioneel racisme`.
    pub title: String,
    /// The HTML page that shows this listing (`/thema/x/`).
    pub page_path: String,
    /// Page ids in the library, newest first.
    pub pages: Vec<usize>,
}

impl Listing {
    /// The folder of its files below `api/v1/publications/` and `feeds/`:
    /// empty for all publications, `thema/<slug>` for the rest.
    pub fn key(&self) -> String {
        match &self.facet {
            None => String::new(),
            Some((facet, _)) => format!("{}/{}", facet.name(), self.slug),
        }
    }
}

/// All listings of a collection.
#[derive(Debug, Clone)]
pub struct Listings {
    pub all: Listing,
    pub by_facet: Vec<Listing>,
}

/// Newest first; undated last; then by path, so the order is stable.
pub fn newest_first(collection: &Collection, ids: &mut [usize]) {
    let pages = &collection.library.pages;
    ids.sort_by(|a, b| {
        let (Some(a), Some(b)) = (pages.get(*a), pages.get(*b)) else {
            return std::cmp::Ordering::Equal;
        };
        let da = a.date.as_ref().map(|d| d.moment);
        let db = b.date.as_ref().map(|d| d.moment);
        match (da, db) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.path.cmp(&b.path))
    });
}

impl Listings {
    pub fn of(collection: &Collection) -> Listings {
        let publications: Vec<Entry> = collection.published(Kind::Publication).collect();
        let mut all_ids: Vec<usize> = publications.iter().map(|e| e.id).collect();
        newest_first(collection, &mut all_ids);
        let all = Listing {
            facet: None,
            slug: String::new(),
            title: "Nieuwe publicaties".into(),
            page_path: collection
                .library
                .section("publicaties/_index.md")
                .map_or_else(|| "/publicaties/".into(), |s| s.path.clone()),
            pages: all_ids,
        };

        // One listing per term the site has a page for (as Zola makes them:
        // every term some page uses), so each term page's feed link works,
        // even when the term's pages are podcasts rather than publications.
        let mut grouped: BTreeMap<(Facet, String), (String, String, Vec<usize>)> = BTreeMap::new();
        for facet in Facet::TAXONOMIES {
            let Some(taxonomy) = collection
                .library
                .taxonomies
                .iter()
                .find(|t| t.name == facet.name())
            else {
                continue;
            };
            for term in &taxonomy.terms {
                grouped.insert(
                    (facet, term.name.clone()),
                    (term.slug.clone(), term.path.clone(), Vec::new()),
                );
            }
        }
        for entry in &publications {
            for facet in Facet::TAXONOMIES {
                for term in entry.terms(facet.name()) {
                    if let Some((_, _, ids)) = grouped.get_mut(&(facet, term.clone())) {
                        ids.push(entry.id);
                    }
                }
            }
        }
        let mut by_facet = Vec::new();
        for ((facet, term), (slug, page_path, mut ids)) in grouped {
            newest_first(collection, &mut ids);
            let label = match facet {
                Facet::Type => collection.type_label(&term).to_string(),
                _ => term.clone(),
            };
            let title = match facet {
                Facet::Partner => format!("Nieuw van {label}"),
                Facet::Type => format!("Nieuw: {label}"),
                Facet::Jaar => format!("Publicaties uit {label}"),
                _ => format!("Nieuw over {label}"),
            };
            by_facet.push(Listing {
                facet: Some((facet, term)),
                slug,
                title,
                page_path,
                pages: ids,
            });
        }
        for dossier in collection.published(Kind::Dossier) {
            let Item::Dossier(extra) = dossier.item else {
                continue;
            };
            let mut ids: Vec<usize> = Vec::new();
            for path in extra.groups.iter().flat_map(|g| &g.pages) {
                if let Some(e) = collection.entry(path.trim_start_matches("@/")) {
                    if e.kind() == Kind::Publication && e.is_published() && !ids.contains(&e.id) {
                        ids.push(e.id);
                    }
                }
            }
            newest_first(collection, &mut ids);
            let title = dossier.page.meta.title.clone().unwrap_or_default();
            by_facet.push(Listing {
                facet: Some((Facet::Dossier, title.clone())),
                slug: dossier.page.slug.clone(),
                title: format!("Dossier {title}"),
                page_path: dossier.page.path.clone(),
                pages: ids,
            });
        }
        Listings { all, by_facet }
    }

    /// Every listing, all publications first.
    pub fn iter(&self) -> impl Iterator<Item = &Listing> {
        std::iter::once(&self.all).chain(&self.by_facet)
    }
}
