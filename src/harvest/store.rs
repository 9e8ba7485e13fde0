//! Storing harvested items as draft publications in `content/publicaties/`,
//! keeping what the harvester owns (`[extra.harvest]`) apart from what
//! editors own (status, title and summary as shown, taxonomies, dossiers).
//!
//! - A new item becomes a draft bundle (`<slug>/index.md`), with room for
//!   its thumbnail beside it.
//! - An unchanged item (same content hash) changes no byte.
//! - A changed item updates `[extra.harvest]` only; where upstream changed a
//!   field the editor had edited, the item is flagged for review with both
//!   values kept.
//! - A rejected item stays rejected; a deleted OAI record becomes
//!   `withdrawn`.
//! - The same publication from another source (same DOI, canonical URL, or
//!   title and date) is merged: its origin is added to `also`.
//!
//! Files are edited with toml_edit, so an editor's formatting survives, and
//! written atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use toml_edit::{value, Array, DocumentMut, Item, Table};

use super::classify::{passes_filters, Classification};
use super::item::HarvestedItem;
use super::normalise::{plain_text, title_key};
use super::registry::{Partner, Source};
use crate::content::{split_front_matter, write_atomic};
use crate::model::TaxonomyRules;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    Write(#[from] crate::content::WriteError),
}

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Updated,
    Unchanged,
    /// An editor rejected it; left as it is.
    Rejected,
    /// Filtered out by the source's include/exclude rules, or without title.
    Skipped,
    /// Deleted upstream: marked withdrawn.
    Withdrawn,
}

#[derive(Debug, Clone)]
struct Known {
    file: PathBuf,
    status: String,
    content_hash: Option<String>,
}

/// The harvested publications already in `content/publicaties/`.
pub struct Store {
    dir: PathBuf,
    /// (source, upstream id) → file; for the primary origin of the file.
    by_origin: HashMap<(String, String), usize>,
    /// The same for origins merged into a file (`also`).
    by_other_origin: HashMap<(String, String), usize>,
    by_doi: HashMap<String, usize>,
    by_link: HashMap<String, usize>,
    by_title_date: HashMap<String, usize>,
    known: Vec<Known>,
    /// Names in the folder (file stems and bundle folders), for new slugs.
    names: std::collections::HashSet<String>,
    taxonomy: TaxonomyRules,
    classification: Classification,
}

/// What the index keeps of one harvested file.
struct Indexed {
    known: Known,
    origin: Option<(String, String)>,
    also: Vec<(String, String)>,
    doi: Option<String>,
    link: Option<String>,
    title_date: Option<String>,
}

/// Reads one content file; `None` when it is not a harvested item (or is
/// broken: that is the loader's to report, and the harvester leaves it).
fn index_file(path: &Path) -> Result<Option<Indexed>, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let Ok((front, _)) = split_front_matter(&text) else {
        return Ok(None);
    };
    let Ok(table) = front.parse::<toml::Table>() else {
        return Ok(None);
    };
    let Some(extra) = table.get("extra").and_then(|e| e.as_table()) else {
        return Ok(None);
    };
    let Some(harvest) = extra.get("harvest").and_then(|h| h.as_table()) else {
        return Ok(None);
    };
    let get = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_str()).map(String::from);
    let pair = |t: &toml::Table| Some((get(t, "source")?, get(t, "upstream_id")?));
    Ok(Some(Indexed {
        known: Known {
            file: path.to_path_buf(),
            status: get(extra, "status").unwrap_or_else(|| "draft".into()),
            content_hash: get(harvest, "content_hash"),
        },
        origin: pair(harvest),
        also: harvest
            .get("also")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
            .filter_map(|o| o.as_table().and_then(pair))
            .collect(),
        doi: get(harvest, "doi"),
        link: get(harvest, "link"),
        title_date: title_date_key(
            &get(harvest, "upstream_title").unwrap_or_default(),
            get(harvest, "date").as_deref(),
        ),
    }))
}

/// The stable hash of what upstream says of an item.
pub fn content_hash(item: &HarvestedItem) -> String {
    let json = serde_json::to_vec(item).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn title_date_key(title: &str, date: Option<&str>) -> Option<String> {
    let date = date?.get(..10)?;
    let title = title_key(title);
    (!title.is_empty()).then(|| format!("{title}|{date}"))
}

impl Store {
    /// Reads the harvested publications under `site_dir/content/publicaties`.
    pub fn open(
        site_dir: &Path,
        taxonomy: TaxonomyRules,
        classification: Classification,
    ) -> Result<Store, StoreError> {
        let dir = site_dir.join("content").join("publicaties");
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Read {
            path: dir.clone(),
            source,
        })?;
        let mut store = Store {
            dir: dir.clone(),
            by_origin: HashMap::new(),
            by_other_origin: HashMap::new(),
            by_doi: HashMap::new(),
            by_link: HashMap::new(),
            by_title_date: HashMap::new(),
            known: Vec::new(),
            names: std::collections::HashSet::new(),
            taxonomy,
            classification,
        };
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if entry.depth() == 1 {
                // Every name in the folder is taken, harvested or not.
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                store.names.insert(name.trim_end_matches(".md").to_string());
            }
            if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "md") {
                files.push(path.to_path_buf());
            }
        }
        // Reading and parsing is most of the time of a run with nothing new.
        use rayon::prelude::*;
        let parsed: Vec<Option<Indexed>> = files
            .par_iter()
            .map(|path| index_file(path))
            .collect::<Result<Vec<_>, StoreError>>()?;
        for indexed in parsed.into_iter().flatten() {
            let n = store.known.len();
            if let Some(origin) = indexed.origin {
                store.by_origin.insert(origin, n);
            }
            for origin in indexed.also {
                store.by_other_origin.insert(origin, n);
            }
            if let Some(doi) = indexed.doi {
                store.by_doi.insert(doi, n);
            }
            if let Some(link) = indexed.link {
                store.by_link.insert(link, n);
            }
            if let Some(key) = indexed.title_date {
                store.by_title_date.insert(key, n);
            }
            store.known.push(indexed.known);
        }
        Ok(store)
    }

    /// Puts one item; returns what happened.
    pub fn put(
        &mut self,
        item: &HarvestedItem,
        partner: &Partner,
        source: &Source,
        now: &str,
    ) -> Result<Outcome, StoreError> {
        let origin = (item.source.clone(), item.upstream_id.clone());
        if let Some(&n) = self.by_origin.get(&origin) {
            return self.update(n, item, now);
        }
        if self.by_other_origin.contains_key(&origin) {
            // Merged into a publication another source owns: that source
            // keeps its fields up to date.
            return Ok(
                if self.known[self.by_other_origin[&origin]].status == "rejected" {
                    Outcome::Rejected
                } else {
                    Outcome::Unchanged
                },
            );
        }
        if item.deleted {
            // Deleted before we ever had it: nothing to withdraw.
            return Ok(Outcome::Skipped);
        }
        if item.title.trim().is_empty() || !passes_filters(item, source) {
            return Ok(Outcome::Skipped);
        }
        let duplicate = item
            .doi
            .as_ref()
            .and_then(|d| self.by_doi.get(d))
            .or_else(|| item.link.as_ref().and_then(|l| self.by_link.get(l)))
            .or_else(|| {
                title_date_key(&item.title, item.date.as_deref())
                    .and_then(|k| self.by_title_date.get(&k))
            })
            .copied();
        if let Some(n) = duplicate {
            self.by_other_origin.insert(origin, n);
            return self.merge(n, item);
        }
        self.create(item, partner, source, now)
    }

    fn read(&self, n: usize) -> Result<(DocumentMut, String), StoreError> {
        let path = &self.known[n].file;
        let text = std::fs::read_to_string(path).map_err(|source| StoreError::Read {
            path: path.clone(),
            source,
        })?;
        let (front, body) = split_front_matter(&text).map_err(|message| StoreError::Invalid {
            path: path.clone(),
            message,
        })?;
        let doc: DocumentMut =
            front
                .parse()
                .map_err(|e: toml_edit::TomlError| StoreError::Invalid {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
        Ok((doc, body.to_string()))
    }

    fn write(&self, path: &Path, doc: &DocumentMut, body: &str) -> Result<(), StoreError> {
        let mut front = doc.to_string();
        if !front.ends_with('\n') {
            front.push('\n');
        }
        write_atomic(path, format!("+++\n{front}+++\n{body}").as_bytes())?;
        Ok(())
    }

    fn update(&mut self, n: usize, item: &HarvestedItem, now: &str) -> Result<Outcome, StoreError> {
        if self.known[n].status == "rejected" {
            return Ok(Outcome::Rejected);
        }
        let hash = content_hash(item);
        if self.known[n].content_hash.as_deref() == Some(hash.as_str()) && !item.deleted {
            return Ok(Outcome::Unchanged);
        }
        let (mut doc, body) = self.read(n)?;
        let old_title = doc["extra"]["harvest"]["upstream_title"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let old_summary = summary_of(
            doc["extra"]["harvest"]["abstract"]
                .as_str()
                .unwrap_or_default(),
        );
        let shown_title = doc["title"].as_str().unwrap_or_default().to_string();
        let shown_summary = doc["description"].as_str().unwrap_or_default().to_string();

        let mut notes: Vec<String> = Vec::new();
        if item.title != old_title && shown_title != old_title {
            notes.push(format!(
                "title: upstream now \"{}\" (was \"{old_title}\"); the title shown was edited",
                item.title
            ));
        }
        let new_summary = summary_of(item.abstract_html.as_deref().unwrap_or_default());
        if new_summary != old_summary && shown_summary != old_summary {
            notes.push(
                "description: upstream abstract changed; the summary shown was edited".into(),
            );
        }
        if item.deleted {
            doc["extra"]["status"] = value("withdrawn");
            doc["draft"] = value(true);
        }
        if !notes.is_empty() {
            doc["extra"]["review"] = value(true);
            let mut list = Array::new();
            for note in notes {
                list.push(note);
            }
            doc["extra"]["review_notes"] = value(list);
        }
        let also = doc["extra"]["harvest"].get("also").cloned();
        let mut harvest = harvest_table(item, &hash, now);
        if let Some(also) = also {
            harvest.insert("also", also);
        }
        doc["extra"]["harvest"] = Item::Table(harvest);
        self.write(&self.known[n].file.clone(), &doc, &body)?;
        self.known[n].content_hash = Some(hash);
        if item.deleted {
            self.known[n].status = "withdrawn".into();
            return Ok(Outcome::Withdrawn);
        }
        Ok(Outcome::Updated)
    }

    fn merge(&mut self, n: usize, item: &HarvestedItem) -> Result<Outcome, StoreError> {
        if self.known[n].status == "rejected" {
            return Ok(Outcome::Rejected);
        }
        let (mut doc, body) = self.read(n)?;
        let harvest =
            doc["extra"]["harvest"]
                .as_table_mut()
                .ok_or_else(|| StoreError::Invalid {
                    path: self.known[n].file.clone(),
                    message: "extra.harvest is not a table".into(),
                })?;
        let mut origin = toml_edit::InlineTable::new();
        origin.insert("source", item.source.as_str().into());
        origin.insert("upstream_id", item.upstream_id.as_str().into());
        if let Some(link) = &item.link {
            origin.insert("link", link.as_str().into());
        }
        let also = harvest.entry("also").or_insert(value(Array::new()));
        let Some(list) = also.as_array_mut() else {
            return Ok(Outcome::Unchanged);
        };
        if list.iter().any(|o| {
            o.as_inline_table()
                .and_then(|t| t.get("upstream_id"))
                .and_then(|v| v.as_str())
                == Some(item.upstream_id.as_str())
        }) {
            return Ok(Outcome::Unchanged);
        }
        list.push(origin);
        self.write(&self.known[n].file.clone(), &doc, &body)?;
        Ok(Outcome::Updated)
    }

    fn create(
        &mut self,
        item: &HarvestedItem,
        partner: &Partner,
        source: &Source,
        now: &str,
    ) -> Result<Outcome, StoreError> {
        let hash = content_hash(item);
        let mut doc = DocumentMut::new();
        doc["title"] = value(item.title.as_str());
        let summary = summary_of(item.abstract_html.as_deref().unwrap_or_default());
        if !summary.is_empty() {
            doc["description"] = value(summary.as_str());
        }
        let date = item.date.as_deref().and_then(date_only);
        if let Some(d) = &date {
            if let Ok(parsed) = d.parse::<toml_edit::Datetime>() {
                doc["date"] = value(parsed);
            }
        }
        doc["draft"] = value(true);

        let mut taxonomies = Table::new();
        if let Some(kind) = &source.default_type {
            taxonomies["type"] = value(Array::from_iter([kind.as_str()]));
        }
        taxonomies["partner"] = value(Array::from_iter([partner.name.as_str()]));
        if let Some(d) = &date {
            taxonomies["jaar"] = value(Array::from_iter([&d[..4]]));
        }
        doc["taxonomies"] = Item::Table(taxonomies);

        let suggestion = self.classification.suggest(item, source, &self.taxonomy);
        let mut extra = Table::new();
        extra["status"] = value("draft");
        extra["suggested_themes"] = value(Array::from_iter(
            suggestion.themes.iter().map(String::as_str),
        ));
        extra["suggested_programmalijnen"] = value(Array::from_iter(
            suggestion.programmalijnen.iter().map(String::as_str),
        ));
        extra["harvest"] = Item::Table(harvest_table(item, &hash, now));
        doc["extra"] = Item::Table(extra);

        let path = self.free_path(&item.title);
        let body = match &summary {
            s if s.is_empty() => String::new(),
            s => format!("\n{s}\n"),
        };
        self.write(&path, &doc, &body)?;

        let n = self.known.len();
        self.known.push(Known {
            file: path,
            status: "draft".into(),
            content_hash: Some(hash),
        });
        self.by_origin
            .insert((item.source.clone(), item.upstream_id.clone()), n);
        if let Some(doi) = &item.doi {
            self.by_doi.insert(doi.clone(), n);
        }
        if let Some(link) = &item.link {
            self.by_link.insert(link.clone(), n);
        }
        if let Some(key) = title_date_key(&item.title, item.date.as_deref()) {
            self.by_title_date.insert(key, n);
        }
        Ok(Outcome::New)
    }

    /// The file of the item from `source` with `upstream_id`, if stored.
    pub fn path_of(&self, source: &str, upstream_id: &str) -> Option<&Path> {
        let key = (source.to_string(), upstream_id.to_string());
        self.by_origin
            .get(&key)
            .map(|&n| self.known[n].file.as_path())
    }

    /// A bundle from the title (`<slug>/index.md`, room for a thumbnail
    /// beside it), unique in the folder.
    fn free_path(&mut self, title: &str) -> PathBuf {
        let mut base = slug::slugify(title);
        if base.len() > 80 {
            let cut = base[..80].rfind('-').unwrap_or(80);
            base.truncate(cut);
        }
        if base.is_empty() {
            base = "publicatie".into();
        }
        // Names already in the folder (read at open) or given this run.
        let mut name = base.clone();
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.names.insert(name.clone());
        self.dir.join(name).join("index.md")
    }
}

/// The summary an item starts with: the abstract as plain text, cut at a
/// word near 300 characters.
fn summary_of(abstract_html: &str) -> String {
    let text = plain_text(abstract_html);
    if text.chars().count() <= 300 {
        return text;
    }
    let cut: String = text.chars().take(300).collect();
    let cut = cut.rfind(' ').map(|i| &cut[..i]).unwrap_or(&cut);
    format!("{cut}…")
}

/// `YYYY-MM-DD` of a date string in any common form, if it has one.
fn date_only(date: &str) -> Option<String> {
    let d = date.trim();
    let head = d.get(..10)?;
    chrono::NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .ok()
        .map(|_| head.to_string())
        .or_else(|| {
            chrono::DateTime::parse_from_rfc2822(d)
                .ok()
                .map(|t| t.format("%Y-%m-%d").to_string())
        })
}

fn harvest_table(item: &HarvestedItem, hash: &str, now: &str) -> Table {
    let mut t = Table::new();
    let mut set = |key: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            t[key] = value(v);
        }
    };
    set("source", Some(&item.source));
    set("upstream_id", Some(&item.upstream_id));
    set("upstream_title", Some(&item.title));
    set("abstract", item.abstract_html.as_deref());
    set("date", item.date.as_deref());
    set("link", item.link.as_deref());
    set("pdf", item.pdf.as_deref());
    set("language", item.language.as_deref());
    set("licence", item.licence.as_deref());
    set("doi", item.doi.as_deref());
    set("image", item.image.as_deref());
    set("enclosure", item.enclosure.as_ref().map(|e| e.url.as_str()));
    set("content_hash", Some(hash));
    set("fetched_at", Some(now));
    if !item.authors.is_empty() {
        t["authors"] = value(Array::from_iter(item.authors.iter().map(String::as_str)));
    }
    if item.deleted {
        t["deleted"] = value(true);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_cut_at_a_word() {
        let long = "woord ".repeat(100);
        let s = summary_of(&long);
        assert!(s.chars().count() <= 301 && s.ends_with("woord…"), "{s}");
        assert_eq!(summary_of("<p>Kort.</p>"), "Kort.");
    }

    #[test]
    fn dates_are_cut_to_the_day() {
        assert_eq!(date_only("2023-12-16"), Some("2023-12-16".into()));
        assert_eq!(
            date_only("2020-06-01T10:00:00+00:00"),
            Some("2020-06-01".into())
        );
        assert_eq!(
            date_only("Tue, 10 Jun 2003 04:00:00 GMT"),
            Some("2003-06-10".into())
        );
        assert_eq!(date_only("ooit"), None);
    }

    #[test]
    fn the_hash_follows_the_content() {
        let a = HarvestedItem {
            title: "A".into(),
            ..Default::default()
        };
        let b = HarvestedItem {
            title: "B".into(),
            ..Default::default()
        };
        assert_eq!(content_hash(&a), content_hash(&a.clone()));
        assert_ne!(content_hash(&a), content_hash(&b));
    }
}
