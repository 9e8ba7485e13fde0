//! The review queue: the publications in `content/publicaties/` that wait
//! for an editor (drafts, and items flagged because upstream changed a
//! field an editor had edited), with filters, text search and pages.
//!
//! The queue is read from the files themselves, so a harvest run, a git
//! pull or an edit by hand shows at the next look. A [`Queue`] keeps what
//! it read and re-reads only files whose size or time changed: with 10,000
//! drafts a look costs a walk of the folder, not 10,000 parses.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use serde::Deserialize;

use super::{file_version, ItemId};
use crate::content::split_front_matter;
use crate::model::Status;
use crate::search::analysis::words;

/// Items on one page of the queue.
pub const PAGE_SIZE: usize = 50;
/// The longest text search, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// One publication as the queue shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub id: ItemId,
    /// `publicaties/<slug>/index.md`, from the content folder.
    pub relative_path: String,
    pub title: String,
    pub description: String,
    /// As written: `2021-02-03`.
    pub date: Option<String>,
    pub status: Status,
    pub flagged: bool,
    pub notes: Vec<String>,
    pub partners: Vec<String>,
    pub types: Vec<String>,
    pub themes: Vec<String>,
    pub programmalijnen: Vec<String>,
    pub suggested_themes: Vec<String>,
    pub suggested_programmalijnen: Vec<String>,
    pub rejection_reason: Option<String>,
    /// `<partner>/<source>` for a harvested item.
    pub source: Option<String>,
    /// The file's version ([`file_version`]), for the conflict check.
    pub version: String,
    /// Folded words of the title, summary and partner, each after a space.
    haystack: String,
}

impl QueueItem {
    /// Waits for an editor: a draft, or flagged.
    pub fn is_open(&self) -> bool {
        self.status == Status::Draft || self.flagged
    }
}

/// Which items a look at the queue asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Show {
    /// Drafts and flagged items.
    #[default]
    Open,
    Flagged,
    Rejected,
}

impl Show {
    pub fn parse(s: &str) -> Option<Show> {
        match s {
            "" | "open" => Some(Show::Open),
            "gemarkeerd" => Some(Show::Flagged),
            "afgewezen" => Some(Show::Rejected),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Show::Open => "open",
            Show::Flagged => "gemarkeerd",
            Show::Rejected => "afgewezen",
        }
    }
}

/// A look at the queue: every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub show: Show,
    pub partner: Option<String>,
    /// A suggested (or chosen) theme.
    pub theme: Option<String>,
    pub kind: Option<String>,
    /// Dates as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, compared as text.
    pub from: Option<String>,
    pub until: Option<String>,
    pub text: Option<String>,
}

/// One page of a look at the queue.
#[derive(Debug, Clone)]
pub struct Listing<'a> {
    pub items: Vec<&'a QueueItem>,
    /// Items that match, over all pages.
    pub total: usize,
    /// From 1.
    pub page: usize,
    pub pages: usize,
}

/// Values seen in the open queue, for the filter menus.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    pub partners: Vec<(String, usize)>,
    pub themes: Vec<(String, usize)>,
    pub types: Vec<(String, usize)>,
}

/// A file that could not be read into the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub relative_path: String,
    pub message: String,
}

struct Cached {
    len: u64,
    modified: Option<SystemTime>,
    item: Result<QueueItem, ItemError>,
}

/// Why a publication's file is not in the queue (listed by its path).
#[derive(Debug, thiserror::Error)]
pub enum ItemError {
    #[error("{0}")]
    Read(#[from] std::io::Error),
    #[error("outside the content folder")]
    OutsideContent,
    #[error("not a publication")]
    NotAPublication,
    #[error("not UTF-8")]
    NotUtf8,
    /// The front matter's `+++` fences, as the content loader reads them.
    #[error("{0}")]
    Fences(#[from] crate::content::FenceError),
    /// The front matter's TOML.
    #[error("{0}")]
    FrontMatter(String),
}

/// The publications of one content folder, as last read.
pub struct Queue {
    content_dir: PathBuf,
    cache: HashMap<PathBuf, Cached>,
    /// Every readable item, by file name order.
    items: Vec<QueueItem>,
    unreadable: Vec<Unreadable>,
}

#[derive(Debug, Default, Deserialize)]
struct Front {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    date: Option<toml::Value>,
    #[serde(default)]
    taxonomies: HashMap<String, Vec<String>>,
    #[serde(default)]
    extra: FrontExtra,
}

#[derive(Debug, Default, Deserialize)]
struct FrontExtra {
    #[serde(default)]
    status: Status,
    #[serde(default)]
    review: bool,
    #[serde(default)]
    review_notes: Vec<String>,
    #[serde(default)]
    suggested_themes: Vec<String>,
    #[serde(default)]
    suggested_programmalijnen: Vec<String>,
    #[serde(default)]
    rejection_reason: Option<String>,
    #[serde(default)]
    harvest: Option<FrontHarvest>,
}

#[derive(Debug, Default, Deserialize)]
struct FrontHarvest {
    #[serde(default)]
    source: String,
}

/// Reads one publication's file for the queue.
pub fn read_item(content_dir: &Path, path: &Path) -> Result<QueueItem, ItemError> {
    let bytes = std::fs::read(path)?;
    parse_item(content_dir, path, &bytes)
}

fn parse_item(content_dir: &Path, path: &Path, bytes: &[u8]) -> Result<QueueItem, ItemError> {
    let relative_path = path
        .strip_prefix(content_dir)
        .map_err(|_| ItemError::OutsideContent)?
        .to_string_lossy()
        .replace('\\', "/");
    let id = ItemId::of_path(&relative_path).ok_or(ItemError::NotAPublication)?;
    let text = std::str::from_utf8(bytes).map_err(|_| ItemError::NotUtf8)?;
    let (front, _) = split_front_matter(text).map_err(ItemError::Fences)?;
    let front: Front =
        toml::from_str(front).map_err(|e| ItemError::FrontMatter(e.message().to_string()))?;
    let list = |name: &str| front.taxonomies.get(name).cloned().unwrap_or_default();
    let date = front.date.map(|d| match d {
        toml::Value::String(s) => s,
        toml::Value::Datetime(d) => d.to_string(),
        other => other.to_string(),
    });
    let description = front.description.unwrap_or_default();
    let partners = list("partner");
    let mut haystack = String::new();
    for word in words(&front.title)
        .into_iter()
        .chain(words(&description))
        .chain(partners.iter().flat_map(|p| words(p)))
    {
        haystack.push(' ');
        haystack.push_str(&word);
    }
    Ok(QueueItem {
        id,
        relative_path,
        title: front.title,
        description,
        date,
        status: front.extra.status,
        flagged: front.extra.review,
        notes: front.extra.review_notes,
        partners,
        types: list("type"),
        themes: list("thema"),
        programmalijnen: list("programmalijn"),
        suggested_themes: front.extra.suggested_themes,
        suggested_programmalijnen: front.extra.suggested_programmalijnen,
        rejection_reason: front.extra.rejection_reason,
        source: front
            .extra
            .harvest
            .map(|h| h.source)
            .filter(|s| !s.is_empty()),
        version: file_version(bytes),
        haystack,
    })
}

impl Queue {
    /// An empty queue over `content_dir`; [`Queue::refresh`] reads it.
    pub fn new(content_dir: &Path) -> Queue {
        Queue {
            content_dir: content_dir.to_path_buf(),
            cache: HashMap::new(),
            items: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    pub fn content_dir(&self) -> &Path {
        &self.content_dir
    }

    /// Brings the queue up to date with the files: new and changed ones
    /// are read (in parallel), removed ones dropped.
    pub fn refresh(&mut self) {
        let dir = self.content_dir.join("publicaties");
        let mut seen: Vec<(PathBuf, u64, Option<SystemTime>)> = Vec::new();
        for entry in walkdir::WalkDir::new(&dir)
            .max_depth(2)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            let is_page = entry.file_type().is_file()
                && path.extension().is_some_and(|e| e == "md")
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(['_', '.']));
            if !is_page {
                continue;
            }
            let (len, modified) = entry
                .metadata()
                .map(|m| (m.len(), m.modified().ok()))
                .unwrap_or((0, None));
            seen.push((path.to_path_buf(), len, modified));
        }
        let stale: Vec<&(PathBuf, u64, Option<SystemTime>)> = seen
            .iter()
            .filter(|(path, len, modified)| {
                self.cache
                    .get(path)
                    .is_none_or(|c| c.len != *len || c.modified != *modified)
            })
            .collect();
        let content_dir = self.content_dir.clone();
        let fresh: Vec<(PathBuf, Cached)> = stale
            .into_par_iter()
            .map(|(path, len, modified)| {
                let item = read_item(&content_dir, path);
                (
                    path.clone(),
                    Cached {
                        len: *len,
                        modified: *modified,
                        item,
                    },
                )
            })
            .collect();
        let changed = !fresh.is_empty() || seen.len() != self.cache.len();
        self.cache.extend(fresh);
        if !changed {
            return;
        }
        let keep: std::collections::HashSet<&PathBuf> = seen.iter().map(|(p, ..)| p).collect();
        self.cache.retain(|path, _| keep.contains(path));
        self.items.clear();
        self.unreadable.clear();
        for (path, ..) in &seen {
            let Some(cached) = self.cache.get(path) else {
                continue;
            };
            match &cached.item {
                Ok(item) => self.items.push(item.clone()),
                Err(error) => self.unreadable.push(Unreadable {
                    relative_path: path
                        .strip_prefix(&self.content_dir)
                        .unwrap_or(path)
                        .to_string_lossy()
                        .into_owned(),
                    message: error.to_string(),
                }),
            }
        }
    }

    /// Forgets what was read of one file, so the next refresh reads it
    /// (a write within the file system's time resolution).
    pub fn forget(&mut self, relative_path: &str) {
        self.cache.remove(&self.content_dir.join(relative_path));
    }

    pub fn unreadable(&self) -> &[Unreadable] {
        &self.unreadable
    }

    pub fn get(&self, id: &ItemId) -> Option<&QueueItem> {
        self.items.iter().find(|i| &i.id == id)
    }

    pub fn all(&self) -> &[QueueItem] {
        &self.items
    }

    /// The open items that match `filter`, newest first, page `page` (from
    /// 1; past the end is the last page).
    pub fn look(&self, filter: &Filter, page: usize) -> Listing<'_> {
        let query: Vec<String> = filter
            .text
            .as_deref()
            .map(|t| words(&t.chars().take(MAX_QUERY_CHARS).collect::<String>()))
            .unwrap_or_default()
            .into_iter()
            .map(|w| format!(" {w}"))
            .collect();
        let has = |list: &[String], want: &Option<String>| {
            want.as_ref().is_none_or(|w| list.iter().any(|v| v == w))
        };
        let mut found: Vec<&QueueItem> = self
            .items
            .iter()
            .filter(|i| match filter.show {
                Show::Open => i.is_open() && i.status != Status::Rejected,
                Show::Flagged => i.flagged,
                Show::Rejected => i.status == Status::Rejected,
            })
            .filter(|i| has(&i.partners, &filter.partner))
            .filter(|i| has(&i.types, &filter.kind))
            .filter(|i| {
                filter
                    .theme
                    .as_ref()
                    .is_none_or(|t| i.suggested_themes.iter().chain(&i.themes).any(|v| v == t))
            })
            .filter(|i| {
                let date = i.date.as_deref().unwrap_or_default();
                filter.from.as_deref().is_none_or(|from| date >= from)
                    && filter.until.as_deref().is_none_or(|until| {
                        !date.is_empty() && date.get(..until.len()).is_some_and(|d| d <= until)
                    })
            })
            .filter(|i| query.iter().all(|w| i.haystack.contains(w.as_str())))
            .collect();
        found.sort_by(|a, b| b.date.cmp(&a.date).then(a.id.cmp(&b.id)));
        let total = found.len();
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let page = page.clamp(1, pages);
        let items = found
            .into_iter()
            .skip((page - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .collect();
        Listing {
            items,
            total,
            page,
            pages,
        }
    }

    /// The partners, themes (suggested or chosen) and types of the open
    /// queue, with their counts.
    pub fn facets(&self) -> Facets {
        let mut partners: HashMap<&str, usize> = HashMap::new();
        let mut themes: HashMap<&str, usize> = HashMap::new();
        let mut types: HashMap<&str, usize> = HashMap::new();
        for item in self.items.iter().filter(|i| i.is_open()) {
            for p in &item.partners {
                *partners.entry(p).or_default() += 1;
            }
            let mut item_themes: Vec<&str> = item
                .suggested_themes
                .iter()
                .chain(&item.themes)
                .map(String::as_str)
                .collect();
            item_themes.sort_unstable();
            item_themes.dedup();
            for t in item_themes {
                *themes.entry(t).or_default() += 1;
            }
            for t in &item.types {
                *types.entry(t).or_default() += 1;
            }
        }
        let sorted = |m: HashMap<&str, usize>| {
            let mut v: Vec<(String, usize)> =
                m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
            v.sort();
            v
        };
        Facets {
            partners: sorted(partners),
            themes: sorted(themes),
            types: sorted(types),
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, front: &str) {
        let path = dir.join("publicaties").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("+++\n{front}\n+++\nTekst.\n")).unwrap();
    }

    fn sample() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "a/index.md",
            "title = \"Werk en inburgering\"\ndate = 2021-02-03\ndraft = true\n[taxonomies]\npartner = [\"Movisie\"]\ntype = [\"rapport\"]\n[extra]\nstatus = \"draft\"\nsuggested_themes = [\"Gelijke kansen\"]\n[extra.harvest]\nsource = \"movisie/feed\"",
        );
        write(
            dir.path(),
            "b.md",
            "title = \"Financiële zelfredzaamheid\"\ndate = 2020-05-01\n[taxonomies]\npartner = [\"Pharos\"]\n[extra]\nstatus = \"published\"\nreview = true\nreview_notes = [\"title: upstream now x\"]",
        );
        write(
            dir.path(),
            "c.md",
            "title = \"Gepubliceerd\"\n[extra]\nstatus = \"published\"",
        );
        write(
            dir.path(),
            "d.md",
            "title = \"Afgewezen\"\ndraft = true\n[extra]\nstatus = \"rejected\"\nrejection_reason = \"Buiten het thema\"",
        );
        write(dir.path(), "kapot.md", "title = ");
        std::fs::write(dir.path().join("publicaties/_index.md"), "+++\n+++\n").unwrap();
        dir
    }

    #[test]
    fn holds_drafts_and_flagged_items_with_filters() {
        let dir = sample();
        let mut queue = Queue::new(dir.path());
        queue.refresh();
        let ids = |l: Listing<'_>| {
            l.items
                .iter()
                .map(|i| i.id.as_str().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(queue.look(&Filter::default(), 1)), ["a", "b"]);
        let flagged = Filter {
            show: Show::Flagged,
            ..Default::default()
        };
        assert_eq!(ids(queue.look(&flagged, 1)), ["b"]);
        let rejected = Filter {
            show: Show::Rejected,
            ..Default::default()
        };
        assert_eq!(ids(queue.look(&rejected, 1)), ["d"]);
        let by = |f: Filter| ids(queue.look(&f, 1));
        assert_eq!(
            by(Filter {
                partner: Some("Pharos".into()),
                ..Default::default()
            }),
            ["b"]
        );
        assert_eq!(
            by(Filter {
                theme: Some("Gelijke kansen".into()),
                ..Default::default()
            }),
            ["a"]
        );
        assert_eq!(
            by(Filter {
                kind: Some("rapport".into()),
                ..Default::default()
            }),
            ["a"]
        );
        assert_eq!(
            by(Filter {
                from: Some("2021".into()),
                ..Default::default()
            }),
            ["a"]
        );
        assert_eq!(
            by(Filter {
                until: Some("2020-12".into()),
                ..Default::default()
            }),
            ["b"]
        );
        // Folded, prefixes, every word.
        assert_eq!(
            by(Filter {
                text: Some("financiele zelf".into()),
                ..Default::default()
            }),
            ["b"]
        );
        assert_eq!(
            by(Filter {
                text: Some("movisie".into()),
                ..Default::default()
            }),
            ["a"]
        );
        assert!(by(Filter {
            text: Some("werk pharos".into()),
            ..Default::default()
        })
        .is_empty());
        let a = queue
            .get(&ItemId::of_path("publicaties/a/index.md").unwrap())
            .unwrap();
        assert_eq!(a.source.as_deref(), Some("movisie/feed"));
        assert_eq!(a.date.as_deref(), Some("2021-02-03"));
        assert_eq!(queue.unreadable().len(), 1);
        assert_eq!(queue.unreadable()[0].relative_path, "publicaties/kapot.md");
    }

    #[test]
    fn refresh_reads_changes_and_drops_removed_files() {
        let dir = sample();
        let mut queue = Queue::new(dir.path());
        queue.refresh();
        std::fs::remove_file(dir.path().join("publicaties/b.md")).unwrap();
        write(
            dir.path(),
            "e.md",
            "title = \"Nieuw\"\ndraft = true\n[extra]\nstatus = \"draft\"",
        );
        queue.refresh();
        let ids: Vec<_> = queue
            .look(&Filter::default(), 1)
            .items
            .iter()
            .map(|i| i.id.as_str().to_string())
            .collect();
        assert_eq!(ids, ["a", "e"]);
    }

    #[test]
    fn pages_of_fifty() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..120 {
            write(
                dir.path(),
                &format!("p{n:03}.md"),
                &format!(
                    "title = \"Item {n}\"\ndate = 2020-01-{:02}\ndraft = true",
                    n % 28 + 1
                ),
            );
        }
        let mut queue = Queue::new(dir.path());
        queue.refresh();
        let first = queue.look(&Filter::default(), 1);
        assert_eq!((first.total, first.pages, first.items.len()), (120, 3, 50));
        let last = queue.look(&Filter::default(), 99);
        assert_eq!((last.page, last.items.len()), (3, 20));
    }
}
