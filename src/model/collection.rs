//! The loaded collection every output reads: the site's config, the content
//! tree, and each page's `[extra]` typed once by its kind. The renderer
//! ([`crate::site`]), the search documents ([`crate::search`]) and the
//! API, feeds and citations ([`crate::publish`]) are each a view of this
//! one value; none of them loads or parses front matter again.

use std::path::{Path, PathBuf};

use super::rules;
use super::types::{
    DatePrecision, DossierExtra, EpisodeExtra, KennisatelierExtra, Kind, PartnerExtra,
    PortalProjectExtra, PublicationExtra, QuestionExtra, Status, TaxonomyRules, ThemePageExtra,
};
use crate::content::config::ConfigError;
use crate::content::{Library, LoadSettings, Page, SiteConfig};

/// A page's `[extra]`, typed by its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Boxed: with its harvest fields it is many times the size of the rest.
    Publication(Box<PublicationExtra>),
    Episode(EpisodeExtra),
    Dossier(DossierExtra),
    Question(QuestionExtra),
    Kennisatelier(KennisatelierExtra),
    PortalProject(PortalProjectExtra),
    ThemePage(ThemePageExtra),
    Partner(PartnerExtra),
    /// About pages, the accessibility statement: Zola's fields only.
    Other,
    /// Its `[extra]` did not type; the problem names the field, and no
    /// output but the page itself shows it.
    Untyped,
}

impl Item {
    /// The curation status, for the kinds that have one.
    pub fn status(&self) -> Option<Status> {
        match self {
            Item::Publication(p) => Some(p.status),
            Item::Episode(e) => Some(e.status),
            Item::Dossier(d) => Some(d.status),
            Item::Question(q) => Some(q.status),
            Item::Kennisatelier(k) => Some(k.status),
            _ => None,
        }
    }

    /// How much of the page's date is known.
    pub fn date_precision(&self) -> DatePrecision {
        match self {
            Item::Publication(p) => p.date_precision,
            Item::Episode(e) => e.date_precision,
            Item::Question(q) => q.date_precision,
            Item::Kennisatelier(k) => k.date_precision,
            Item::PortalProject(p) => p.date_precision,
            _ => DatePrecision::Day,
        }
    }
}

/// How to load a site.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Replaces `base_url` (as `zola serve` does for the local address).
    pub base_url: Option<String>,
    /// Load drafts too.
    pub include_drafts: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}: no such site directory (it should hold config.toml and content/)")]
    NoSite(PathBuf),
}

/// The whole site, loaded and checked.
#[derive(Debug)]
pub struct Collection {
    /// The site directory it was loaded from (audio and artwork are read
    /// from here).
    pub site_dir: PathBuf,
    pub config: SiteConfig,
    /// `base_url` as config.toml gives it, before `LoadOptions::base_url`
    /// replaced it: the public address (OAI-PMH identifiers keep it).
    pub canonical_base_url: String,
    pub library: Library,
    /// `items[i]` is `library.pages[i]`'s typed `[extra]`.
    pub items: Vec<Item>,
    pub rules: TaxonomyRules,
    /// What loading changed that `zola build` would not (see
    /// [`super::Checked::notes`]); not problems.
    pub notes: Vec<crate::content::Problem>,
}

/// One page with its typed `[extra]`.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub id: usize,
    pub page: &'a Page,
    pub item: &'a Item,
}

impl<'a> Entry<'a> {
    pub fn kind(&self) -> Kind {
        Kind::of(&self.page.relative_path)
    }

    /// Published: not a draft, and no curation status that says otherwise.
    /// Only these reach the index, the API, the feeds and OAI-PMH.
    pub fn is_published(&self) -> bool {
        !self.page.meta.draft
            && !matches!(self.item, Item::Untyped)
            && self.item.status().is_none_or(|s| s == Status::Published)
    }

    /// The authors: the page's own, or for a harvested publication the
    /// ones upstream gave.
    pub fn authors(&self) -> Vec<&'a str> {
        let own = &self.page.meta.authors;
        let harvested = match self.item {
            Item::Publication(p) if own.is_empty() => p.harvest.as_ref().map(|h| &h.authors),
            _ => None,
        };
        harvested
            .unwrap_or(own)
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// The terms of one taxonomy (`thema`), as the page lists them.
    pub fn terms(&self, taxonomy: &str) -> &'a [String] {
        self.page
            .meta
            .taxonomies
            .get(taxonomy)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

impl Collection {
    /// Loads `site_dir`: config, the content tree and the domain's rules.
    /// Problems in content are in `library.problems`; only a missing site
    /// or an unreadable `config.toml` stops the load.
    pub fn load(site_dir: &Path, options: &LoadOptions) -> Result<Collection, LoadError> {
        Collection::load_inner(site_dir, options, None)
    }

    /// As [`Collection::load`], parsing again only the content files whose
    /// bytes changed since the load that left `cache` (see
    /// [`crate::content::ParseCache`]).
    pub fn load_cached(
        site_dir: &Path,
        options: &LoadOptions,
        cache: &mut crate::content::ParseCache,
    ) -> Result<Collection, LoadError> {
        Collection::load_inner(site_dir, options, Some(cache))
    }

    fn load_inner(
        site_dir: &Path,
        options: &LoadOptions,
        cache: Option<&mut crate::content::ParseCache>,
    ) -> Result<Collection, LoadError> {
        if !site_dir.join("config.toml").is_file() {
            return Err(LoadError::NoSite(site_dir.to_path_buf()));
        }
        let mut config = SiteConfig::load(&site_dir.join("config.toml"))?;
        let canonical_base_url = config.base_url.clone();
        if let Some(base_url) = &options.base_url {
            config.base_url = base_url.trim_end_matches('/').to_string();
        }
        let settings = LoadSettings {
            taxonomies: config.taxonomies.iter().map(|t| t.name.clone()).collect(),
            include_drafts: options.include_drafts,
        };
        let content_dir = site_dir.join("content");
        let mut library = match cache {
            Some(cache) => Library::load_cached(site_dir, &content_dir, &settings, cache),
            None => Library::load(site_dir, &content_dir, &settings),
        };
        let checked = rules::check(&mut library, &config.extra);
        library.problems.extend(checked.problems);
        Ok(Collection {
            notes: checked.notes,
            site_dir: site_dir.to_path_buf(),
            config,
            canonical_base_url,
            library,
            items: checked.items,
            rules: checked.rules,
        })
    }

    /// Every page with its typed `[extra]`, in the library's order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.library
            .pages
            .iter()
            .zip(&self.items)
            .enumerate()
            .map(|(id, (page, item))| Entry { id, page, item })
    }

    /// The page at `relative_path` (`publicaties/x.md`) with its item.
    pub fn entry(&self, relative_path: &str) -> Option<Entry<'_>> {
        let id = self.library.page_id(relative_path)?;
        Some(Entry {
            id,
            page: self.library.pages.get(id)?,
            item: self.items.get(id)?,
        })
    }

    /// The published pages of one kind, in the library's order.
    pub fn published(&self, kind: Kind) -> impl Iterator<Item = Entry<'_>> {
        self.entries()
            .filter(move |e| e.kind() == kind && e.is_published())
    }

    /// The display name of a content type (`rapport` → `Rapport`).
    pub fn type_label<'a>(&'a self, term: &'a str) -> &'a str {
        self.rules.types.get(term).map_or(term, String::as_str)
    }
}
