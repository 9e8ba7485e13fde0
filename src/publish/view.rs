//! The API's documents: `#[derive(Serialize)]` views of the typed
//! collection. Every value here is data; the only HTML is `body_html`,
//! which is the page's own rendered Markdown (sanitised on harvest).

use serde::Serialize;

use crate::content::{Page, Section};
use crate::model::{Collection, DatePrecision, Entry, Item, Kind, ThemeKind};
use crate::search::document::document_id;

/// The API's root, `/api/v1/`.
pub const API_ROOT: &str = "api/v1";

/// The kind as the API names it.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Publication => "publication",
        Kind::Episode => "episode",
        Kind::Dossier => "dossier",
        Kind::Question => "question",
        Kind::Kennisatelier => "kennisatelier",
        Kind::PortalProject => "portaalproject",
        Kind::ThemePage => "theme",
        Kind::Partner => "partner",
        Kind::Other => "page",
    }
}

/// A date as far as it is known: `2024`, `2024-09` or `2024-09-11`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DateView {
    pub value: String,
    pub precision: DatePrecision,
}

impl DateView {
    pub fn of(page: &Page, precision: DatePrecision) -> Option<DateView> {
        let moment = page.date.as_ref()?.moment;
        let format = match precision {
            DatePrecision::Year => "%Y",
            DatePrecision::Month => "%Y-%m",
            DatePrecision::Day => "%Y-%m-%d",
        };
        Some(DateView {
            value: moment.format(format).to_string(),
            precision,
        })
    }
}

/// When the item last changed, as far as the content says: `updated`, the
/// harvest's fetch time, or a whole date. Never a day made up from a
/// month-only date.
pub fn updated(entry: &Entry) -> Option<String> {
    if let Some(u) = &entry.page.updated {
        return Some(u.moment.format("%Y-%m-%d").to_string());
    }
    if let Item::Publication(p) = entry.item {
        if let Some(fetched) = p.harvest.as_ref().and_then(|h| h.fetched_at.as_deref()) {
            if let Some(day) = fetched.get(..10).filter(|d| is_day(d)) {
                return Some(day.to_string());
            }
        }
    }
    match entry.item.date_precision() {
        DatePrecision::Day => entry
            .page
            .date
            .as_ref()
            .map(|d| d.moment.format("%Y-%m-%d").to_string()),
        _ => None,
    }
}

fn is_day(text: &str) -> bool {
    text.len() == 10
        && text.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        })
}

/// The taxonomies a page is filed under.
#[derive(Debug, Clone, Serialize)]
pub struct Terms<'a> {
    pub thema: &'a [String],
    pub programmalijn: &'a [String],
    #[serde(rename = "type")]
    pub types: &'a [String],
    pub partner: &'a [String],
    pub jaar: &'a [String],
}

impl<'a> Terms<'a> {
    pub fn of(entry: &Entry<'a>) -> Terms<'a> {
        Terms {
            thema: entry.terms("thema"),
            programmalijn: entry.terms("programmalijn"),
            types: entry.terms("type"),
            partner: entry.terms("partner"),
            jaar: entry.terms("jaar"),
        }
    }
}

/// A link to another item.
#[derive(Debug, Clone, Serialize)]
pub struct Ref {
    pub id: String,
    pub title: String,
    pub url: String,
    /// Its API document; absent when the item is not published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

/// Absolute URLs for pages and API files.
pub struct Urls<'a> {
    pub collection: &'a Collection,
}

impl Urls<'_> {
    pub fn page(&self, path: &str) -> String {
        self.collection.config.make_permalink(path)
    }

    /// `api/v1/items/<id>.json` as an absolute URL.
    pub fn api(&self, relative: &str) -> String {
        let base = self.collection.config.base_url.trim_end_matches('/');
        format!("{base}/{relative}")
    }

    pub fn item_file(id: &str) -> String {
        format!("{API_ROOT}/items/{id}.json")
    }

    /// A link to the content file at `path` (`publicaties/x.md`), if it is
    /// there.
    pub fn reference(&self, path: &str) -> Option<Ref> {
        let path = path.trim_start_matches("@/");
        if let Some(entry) = self.collection.entry(path) {
            let id = document_id(&entry.page.path);
            return Some(Ref {
                api_url: entry
                    .is_published()
                    .then(|| self.api(&Self::item_file(&id))),
                id,
                title: entry.page.meta.title.clone().unwrap_or_default(),
                url: self.page(&entry.page.path),
            });
        }
        let section = self.collection.library.section(path)?;
        let id = document_id(&section.path);
        Some(Ref {
            api_url: Some(self.api(&Self::item_file(&id))),
            id,
            title: section.meta.title.clone().unwrap_or_default(),
            url: self.page(&section.path),
        })
    }

    fn references(&self, paths: &[String]) -> Vec<Ref> {
        paths.iter().filter_map(|p| self.reference(p)).collect()
    }
}

/// One item in a list: enough to show it and to fetch the rest.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    pub id: String,
    pub kind: &'static str,
    pub title: &'a str,
    pub url: String,
    pub api_url: String,
    pub summary: Option<&'a str>,
    pub date: Option<DateView>,
    pub updated: Option<String>,
    pub taxonomies: Terms<'a>,
}

impl<'a> Summary<'a> {
    pub fn of(urls: &Urls, entry: &Entry<'a>) -> Summary<'a> {
        let id = document_id(&entry.page.path);
        Summary {
            api_url: urls.api(&Urls::item_file(&id)),
            id,
            kind: kind_name(entry.kind()),
            title: entry.page.meta.title.as_deref().unwrap_or_default(),
            url: urls.page(&entry.page.path),
            summary: entry.page.meta.description.as_deref(),
            date: DateView::of(entry.page, entry.item.date_precision()),
            updated: updated(entry),
            taxonomies: Terms::of(entry),
        }
    }
}

/// The whole item: every field its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Document<'a> {
    #[serde(flatten)]
    pub summary: Summary<'a>,
    pub authors: Vec<&'a str>,
    /// The page's text, rendered.
    pub body_html: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication: Option<PublicationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode: Option<EpisodeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dossier: Option<DossierView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kennisatelier: Option<KennisatelierView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portaalproject: Option<ProjectView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<PartnerView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<ThemeView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicationView {
    pub type_labels: Vec<String>,
    pub pdf: Option<String>,
    pub link: Option<String>,
    pub doi: Option<String>,
    pub language: Option<String>,
    pub licence: Option<String>,
    pub scholarly: bool,
    pub withdrawn: bool,
    pub asker: Option<String>,
    pub project: Option<Ref>,
    pub related: Vec<Ref>,
    pub dossiers: Vec<Ref>,
    /// Where it was harvested from (`partner/source`).
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EpisodeView {
    pub series: Option<Ref>,
    pub number: Option<u32>,
    pub guests: Vec<String>,
    pub audio: Option<String>,
    pub audio_type: Option<String>,
    pub duration: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DossierView {
    pub groups: Vec<DossierGroupView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DossierGroupView {
    pub title: String,
    pub intro: Option<String>,
    /// In the order the dossier shows them.
    pub items: Vec<Ref>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionView {
    pub asker: Option<String>,
    pub question_kind: Option<String>,
    pub explanation: Option<String>,
    pub related: Vec<Ref>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KennisatelierView {
    pub related: Vec<Ref>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub asker: Option<String>,
    pub question: Option<String>,
    pub progress: Option<String>,
    pub products: Vec<Ref>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartnerView {
    pub name: String,
    pub homepage: Option<String>,
    /// Its publications, as an API list.
    pub publications_api_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeView {
    pub theme_kind: ThemeKind,
    pub term: String,
    pub number: u32,
    /// For a programmalijn: its thema.
    pub parent: Option<String>,
    /// For a thema: its programmalijnen, in the config's order.
    pub programmalijnen: Vec<ThemeLine>,
    pub legacy: Vec<String>,
    /// The publications filed under the term, as an API list.
    pub publications_api_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeLine {
    pub name: String,
    /// Its theme page, when there is one.
    pub page: Option<Ref>,
    pub publications_api_url: String,
}

/// A web address that may be shown as a link: http(s) or site-relative.
fn web(link: &Option<String>) -> Option<String> {
    link.as_ref()
        .filter(|l| l.starts_with("https://") || l.starts_with("http://") || l.starts_with('/'))
        .cloned()
}

impl<'a> Document<'a> {
    pub fn of(urls: &Urls, entry: &Entry<'a>, body_html: &'a str) -> Document<'a> {
        let collection = urls.collection;
        let page = entry.page;
        let mut doc = Document {
            summary: Summary::of(urls, entry),
            authors: entry.authors(),
            body_html,
            publication: None,
            episode: None,
            dossier: None,
            question: None,
            kennisatelier: None,
            portaalproject: None,
            partner: None,
            theme: None,
        };
        let list_url = |facet: &str, term: &str| {
            let slug = collection
                .library
                .taxonomies
                .iter()
                .find(|t| t.name == facet)
                .and_then(|t| t.terms.iter().find(|x| x.name == term))
                .map_or_else(|| slug::slugify(term), |t| t.slug.clone());
            urls.api(&format!(
                "{API_ROOT}/publications/{facet}/{slug}/page/1.json"
            ))
        };
        match entry.item {
            Item::Publication(p) => {
                let harvest = p.harvest.as_ref();
                doc.publication = Some(PublicationView {
                    type_labels: entry
                        .terms("type")
                        .iter()
                        .map(|t| collection.type_label(t).to_string())
                        .collect(),
                    pdf: web(&p.pdf).or_else(|| harvest.and_then(|h| web(&h.pdf))),
                    link: web(&p.link).or_else(|| harvest.and_then(|h| web(&h.link))),
                    doi: harvest.and_then(|h| h.doi.clone()),
                    language: harvest.and_then(|h| h.language.clone()),
                    licence: harvest.and_then(|h| h.licence.clone()),
                    scholarly: p.scholarly,
                    withdrawn: p.status == crate::model::Status::Withdrawn,
                    asker: p.asker.clone(),
                    project: p.project.as_deref().and_then(|x| urls.reference(x)),
                    related: urls.references(&p.related),
                    dossiers: urls.references(&p.dossiers),
                    source: harvest.map(|h| h.source.clone()).filter(|s| !s.is_empty()),
                });
            }
            Item::Episode(e) => {
                let series = page
                    .section
                    .and_then(|s| collection.library.sections.get(s))
                    .filter(|s| s.components.len() > 1)
                    .and_then(|s| urls.reference(&s.relative_path));
                doc.episode = Some(EpisodeView {
                    series,
                    number: e.episode,
                    guests: e.guests.clone(),
                    audio: web(&e.audio),
                    audio_type: e.audio_type.clone(),
                    duration: e.duration.clone(),
                });
            }
            Item::Dossier(d) => {
                doc.dossier = Some(DossierView {
                    groups: d
                        .groups
                        .iter()
                        .map(|g| DossierGroupView {
                            title: g.title.clone(),
                            intro: g.intro.clone(),
                            items: urls.references(&g.pages),
                        })
                        .collect(),
                });
            }
            Item::Question(q) => {
                doc.question = Some(QuestionView {
                    asker: q.asker.clone(),
                    question_kind: q.question_kind.clone(),
                    explanation: q.explanation.clone(),
                    related: urls.references(&q.related),
                });
            }
            Item::Kennisatelier(k) => {
                doc.kennisatelier = Some(KennisatelierView {
                    related: urls.references(&k.related),
                });
            }
            Item::PortalProject(p) => {
                doc.portaalproject = Some(ProjectView {
                    asker: p.asker.clone(),
                    question: p.question.clone(),
                    progress: p.progress.clone(),
                    products: urls.references(&p.products),
                });
            }
            Item::Partner(p) => {
                doc.partner = Some(PartnerView {
                    name: p.name.clone(),
                    homepage: web(&p.homepage),
                    publications_api_url: list_url("partner", &p.name),
                });
            }
            Item::ThemePage(t) => {
                let facet = match t.kind {
                    ThemeKind::Thema => "thema",
                    ThemeKind::Programmalijn => "programmalijn",
                };
                let lines = match t.kind {
                    ThemeKind::Thema => collection
                        .rules
                        .themes
                        .iter()
                        .find(|th| th.name == t.term)
                        .map(|th| th.programmalijnen.clone())
                        .unwrap_or_default(),
                    ThemeKind::Programmalijn => Vec::new(),
                };
                doc.theme = Some(ThemeView {
                    theme_kind: t.kind,
                    term: t.term.clone(),
                    number: t.number,
                    parent: t.parent.clone(),
                    programmalijnen: lines
                        .iter()
                        .map(|name| ThemeLine {
                            page: theme_page(collection, name)
                                .and_then(|p| urls.reference(&p.relative_path)),
                            publications_api_url: list_url("programmalijn", name),
                            name: name.clone(),
                        })
                        .collect(),
                    legacy: t.legacy.clone(),
                    publications_api_url: list_url(facet, &t.term),
                });
            }
            Item::Other | Item::Untyped => {}
        }
        doc
    }
}

/// The theme page that describes `term`.
pub fn theme_page<'a>(collection: &'a Collection, term: &str) -> Option<&'a Page> {
    collection
        .entries()
        .find(|e| matches!(e.item, Item::ThemePage(t) if t.term == term) && e.is_published())
        .map(|e| e.page)
}

/// A podcast series: a section below `podcasts/` with its episodes.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesDocument<'a> {
    pub id: String,
    pub kind: &'static str,
    pub title: &'a str,
    pub url: String,
    pub api_url: String,
    pub summary: Option<&'a str>,
    /// Newest first.
    pub episodes: Vec<Ref>,
}

impl<'a> SeriesDocument<'a> {
    pub fn of(urls: &Urls, section: &'a Section) -> SeriesDocument<'a> {
        let id = document_id(&section.path);
        let episodes = section
            .pages
            .iter()
            .filter_map(|&p| {
                let page = urls.collection.library.pages.get(p)?;
                let entry = urls.collection.entry(&page.relative_path)?;
                entry
                    .is_published()
                    .then(|| urls.reference(&page.relative_path))
                    .flatten()
            })
            .collect();
        SeriesDocument {
            api_url: urls.api(&Urls::item_file(&id)),
            id,
            kind: "series",
            title: section.meta.title.as_deref().unwrap_or_default(),
            url: urls.page(&section.path),
            summary: section.meta.description.as_deref(),
            episodes,
        }
    }
}

/// The podcast series of a collection: sections directly below `podcasts/`.
pub fn series(collection: &Collection) -> Vec<&Section> {
    collection
        .library
        .sections
        .iter()
        .filter(|s| {
            s.components.len() == 2 && s.components.first().is_some_and(|c| c == "podcasts")
        })
        .collect()
}
