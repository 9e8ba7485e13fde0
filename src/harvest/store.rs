//! Reading and writing harvested publications in `content/publicaties/`,
//! and nothing else: what to do with an item is decided by
//! [`super::dedupe`] and carried out by [`super::pipeline`].
//!
//! - What the harvester owns is [`HarvestFields`] under `[extra.harvest]`,
//!   written from that struct alone; what editors own (status, the title,
//!   summary and text shown, taxonomies, dossiers) is left as they wrote
//!   it.
//! - A new item becomes a draft bundle (`<slug>/index.md`), with room for
//!   its thumbnail beside it. Its text is written so that Markdown renders
//!   it as text, never as HTML or a link.
//! - Files are edited with toml_edit, so an editor's formatting survives,
//!   and written atomically.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, Item, Table};

use super::dedupe::{Index, Keys, Known};
use super::item::HarvestedItem;
use super::normalise::{markdown_text, plain_text};
use crate::content::{split_front_matter, write_atomic};
use crate::model::{HarvestFields, Origin, PublicationExtra, Status};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Write(#[from] crate::content::WriteError),
}

/// The front matter of a harvested publication, as far as the store
/// reads it.
#[derive(Debug, Default, Deserialize)]
struct Front {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    extra: Option<toml::Table>,
}

/// A stored publication read for an update.
struct Stored {
    doc: DocumentMut,
    body: String,
    title: String,
    description: Option<String>,
    extra: PublicationExtra,
}

/// What a new draft starts with besides the item.
pub struct Draft<'a> {
    pub partner: &'a str,
    pub default_type: Option<&'a str>,
    pub suggested_themes: Vec<String>,
    pub suggested_programmalijnen: Vec<String>,
}

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Updated,
    Withdrawn,
}

/// The harvested publications already in `content/publicaties/`.
pub struct Store {
    dir: PathBuf,
    index: Index,
    /// The file of each entry of the index.
    files: Vec<PathBuf>,
    /// Names in the folder (file stems and bundle folders), for new slugs.
    names: HashSet<String>,
}

/// The fields of `item` as stored, without hash, time and merged origins.
pub fn fields_of(item: &HarvestedItem) -> HarvestFields {
    let some = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    HarvestFields {
        source: item.source.clone(),
        upstream_id: Some(item.upstream_id.clone()).filter(|s| !s.is_empty()),
        upstream_title: Some(item.title.clone()).filter(|s| !s.is_empty()),
        title_made_up: item.title_made_up,
        abstract_text: some(&item.abstract_html),
        authors: item.authors.clone(),
        date: item.date.map(|d| d.as_known()),
        link: some(&item.link),
        pdf: some(&item.pdf),
        language: some(&item.language),
        licence: some(&item.licence),
        doi: some(&item.doi),
        image: some(&item.image),
        enclosure: item.enclosure.as_ref().map(|e| e.url.clone()),
        enclosure_type: item.enclosure.as_ref().and_then(|e| e.media_type.clone()),
        enclosure_length: item.enclosure.as_ref().and_then(|e| e.length),
        subjects: item.subjects.clone(),
        deleted: item.deleted,
        content_hash: None,
        fetched_at: None,
        also: Vec::new(),
    }
}

/// The stable hash of what upstream says of an item.
pub fn content_hash(fields: &HarvestFields) -> String {
    let json = serde_json::to_vec(fields).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The summary an item starts with: the abstract as plain text, cut at a
/// word near 300 characters.
pub fn summary_of(abstract_html: &str) -> String {
    let text = plain_text(abstract_html);
    if text.chars().count() <= 300 {
        return text;
    }
    let cut: String = text.chars().take(300).collect();
    let cut = cut.rsplit_once(' ').map(|(head, _)| head).unwrap_or(&cut);
    format!("{cut}…")
}

/// The page text an item starts with: its whole abstract, as text.
pub fn body_of(abstract_html: Option<&str>) -> String {
    let text = abstract_html.map(plain_text).unwrap_or_default();
    if text.is_empty() {
        String::new()
    } else {
        format!("\n{}\n", markdown_text(&text))
    }
}

/// Reads one content file's keys; `None` when it is not a harvested item
/// (or is not TOML: that is the loader's to report, and the harvester
/// leaves it).
fn index_file(path: &Path) -> Result<Option<Keys>, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let Ok((front, _)) = split_front_matter(&text) else {
        return Ok(None);
    };
    let Ok(front) = toml::from_str::<Front>(front) else {
        return Ok(None);
    };
    let Some(extra) = front.extra else {
        return Ok(None);
    };
    let Some(harvest) = extra.get("harvest").cloned() else {
        return Ok(None);
    };
    let status = extra
        .get("status")
        .cloned()
        .and_then(|s| Status::deserialize(s).ok())
        .unwrap_or_default();
    let Ok(fields) = HarvestFields::deserialize(harvest.clone()) else {
        // Broken by hand: keep its identity, so that it is not harvested a
        // second time, and let the update name what is wrong.
        let table = harvest.as_table();
        let get = |k: &str| {
            table
                .and_then(|t| t.get(k))
                .and_then(|v| v.as_str())
                .map(String::from)
        };
        return Ok(Some(Keys {
            origin: get("source").zip(get("upstream_id")),
            status,
            ..Default::default()
        }));
    };
    Ok(Some(Keys {
        origin: fields
            .upstream_id
            .clone()
            .map(|id| (fields.source.clone(), id)),
        also: fields
            .also
            .iter()
            .map(|o| (o.source.clone(), o.upstream_id.clone()))
            .collect(),
        doi: fields.doi,
        link: fields.link,
        title: fields.upstream_title.unwrap_or_default(),
        date: fields.date,
        status,
        content_hash: fields.content_hash,
    }))
}

impl Store {
    /// Reads the harvested publications under `site_dir/content/publicaties`.
    pub fn open(site_dir: &Path) -> Result<Store, StoreError> {
        let dir = site_dir.join("content").join("publicaties");
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Read {
            path: dir.clone(),
            source,
        })?;
        let mut store = Store {
            dir: dir.clone(),
            index: Index::default(),
            files: Vec::new(),
            names: HashSet::new(),
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
        let parsed: Vec<(PathBuf, Option<Keys>)> = files
            .into_par_iter()
            .map(|path| index_file(&path).map(|keys| (path, keys)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        for (path, keys) in parsed {
            if let Some(keys) = keys {
                store.index.insert(keys);
                store.files.push(path);
            }
        }
        Ok(store)
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The file of a stored publication.
    pub fn file(&self, known: Known) -> Option<&Path> {
        self.files.get(known).map(PathBuf::as_path)
    }

    fn file_of(&self, known: Known) -> Result<PathBuf, StoreError> {
        self.files
            .get(known)
            .cloned()
            .ok_or_else(|| StoreError::Invalid {
                path: self.dir.clone(),
                field: "index".into(),
                message: format!("no stored publication number {known}"),
            })
    }

    fn read(&self, path: &Path) -> Result<Stored, StoreError> {
        let invalid = |field: &str, message: String| StoreError::Invalid {
            path: path.to_path_buf(),
            field: field.to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|source| StoreError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let (front, body) =
            split_front_matter(&text).map_err(|e| invalid("front matter", e.to_string()))?;
        let doc: DocumentMut = front
            .parse()
            .map_err(|e: toml_edit::TomlError| invalid("front matter", e.message().to_string()))?;
        let typed: Front =
            toml::from_str(front).map_err(|e| invalid("front matter", e.message().to_string()))?;
        let extra = match typed.extra {
            Some(extra) => crate::model::parse_extra::<PublicationExtra>(&extra)
                .map_err(|e| invalid(&e.field, e.message))?,
            None => PublicationExtra::default(),
        };
        Ok(Stored {
            doc,
            body: body.to_string(),
            title: typed.title,
            description: typed.description,
            extra,
        })
    }

    fn write(&self, path: &Path, doc: &DocumentMut, body: &str) -> Result<(), StoreError> {
        let mut front = doc.to_string();
        if !front.ends_with('\n') {
            front.push('\n');
        }
        write_atomic(path, format!("+++\n{front}+++\n{body}").as_bytes())?;
        Ok(())
    }

    /// Writes a new draft for `item`; returns its file.
    pub fn create(
        &mut self,
        item: &HarvestedItem,
        draft: &Draft<'_>,
        now: &str,
    ) -> Result<PathBuf, StoreError> {
        let mut fields = fields_of(item);
        let hash = content_hash(&fields);
        fields.content_hash = Some(hash.clone());
        fields.fetched_at = Some(now.to_string());

        let summary = summary_of(item.abstract_html.as_deref().unwrap_or_default());
        let mut front = toml::Table::new();
        front.insert("title".into(), item.title.clone().into());
        if !summary.is_empty() {
            front.insert("description".into(), summary.into());
        }
        if let Some(date) = &item.date {
            if let Ok(d) = date.ymd().parse::<toml::value::Datetime>() {
                front.insert("date".into(), toml::Value::Datetime(d));
            }
        }
        front.insert("draft".into(), true.into());
        let mut taxonomies = toml::Table::new();
        let list = |v: &str| toml::Value::Array(vec![v.into()]);
        if let Some(kind) = draft.default_type {
            taxonomies.insert("type".into(), list(kind));
        }
        taxonomies.insert("partner".into(), list(draft.partner));
        if let Some(date) = &item.date {
            taxonomies.insert("jaar".into(), list(&date.year().to_string()));
        }
        front.insert("taxonomies".into(), toml::Value::Table(taxonomies));
        let mut extra = PublicationExtra {
            status: Status::Draft,
            date_precision: item.date.map(|d| d.precision).unwrap_or_default(),
            suggested_themes: draft.suggested_themes.clone(),
            suggested_programmalijnen: draft.suggested_programmalijnen.clone(),
            link: item.link.clone(),
            pdf: item.pdf.clone(),
            harvest: Some(fields.clone()),
            ..Default::default()
        };
        if item.title_made_up {
            extra.review = true;
            extra.review_notes.push(made_up_note(&item.title));
        }
        let extra = toml::Value::try_from(&extra).map_err(|e| StoreError::Invalid {
            path: self.dir.clone(),
            field: "extra".into(),
            message: e.to_string(),
        })?;
        front.insert("extra".into(), extra);
        let text = toml::to_string(&front).map_err(|e| StoreError::Invalid {
            path: self.dir.clone(),
            field: "front matter".into(),
            message: e.to_string(),
        })?;
        let path = self.free_path(&item.title);
        let body = body_of(item.abstract_html.as_deref());
        write_atomic(&path, format!("+++\n{text}+++\n{body}").as_bytes())?;

        self.index.insert(Keys {
            origin: Some((item.source.clone(), item.upstream_id.clone())),
            also: Vec::new(),
            doi: fields.doi,
            link: fields.link,
            title: item.title.clone(),
            date: fields.date,
            status: Status::Draft,
            content_hash: Some(hash),
        });
        self.files.push(path.clone());
        Ok(path)
    }

    /// Brings a stored publication up to date with `item`. The shown title,
    /// summary and text follow upstream only in a draft whose editor left
    /// them as they came; otherwise a change upstream flags the item for
    /// review, and the editor's value stays.
    pub fn update(
        &mut self,
        known: Known,
        item: &HarvestedItem,
        now: &str,
    ) -> Result<Updated, StoreError> {
        let path = self.file_of(known)?;
        let mut stored = self.read(&path)?;
        let old = stored.extra.harvest.clone().unwrap_or_default();
        let mut fields = fields_of(item);
        let hash = content_hash(&fields);
        fields.content_hash = Some(hash.clone());
        fields.fetched_at = Some(now.to_string());
        fields.also = old.also.clone();

        let old_title = old.upstream_title.clone().unwrap_or_default();
        let old_summary = summary_of(old.abstract_text.as_deref().unwrap_or_default());
        let new_summary = summary_of(item.abstract_html.as_deref().unwrap_or_default());
        let old_body = body_of(old.abstract_text.as_deref());
        let mut notes: Vec<String> = Vec::new();
        let mut set: Vec<(&str, Item)> = Vec::new();

        // A draft nobody has touched follows upstream; once an editor has
        // edited a value, or published the item, the shown value is theirs
        // and a change upstream is flagged for review instead.
        let follows = stored.extra.status == Status::Draft;
        if item.title != old_title {
            if follows && stored.title == old_title {
                set.push(("title", toml_edit::value(item.title.as_str())));
            } else if stored.title == old_title {
                notes.push(format!(
                    "title: upstream now \"{}\" (was \"{old_title}\"); the page shows the old one",
                    item.title
                ));
            } else {
                notes.push(format!(
                    "title: upstream now \"{}\" (was \"{old_title}\"); the title shown was edited",
                    item.title
                ));
            }
            if item.title_made_up {
                notes.push(made_up_note(&item.title));
            }
        }
        if new_summary != old_summary {
            let unedited = stored.description.clone().unwrap_or_default() == old_summary;
            if follows && unedited {
                set.push(("description", toml_edit::value(new_summary.as_str())));
            } else if unedited {
                notes.push(
                    "description: upstream abstract changed; the page shows the old summary".into(),
                );
            } else {
                notes.push(
                    "description: upstream abstract changed; the summary shown was edited".into(),
                );
            }
        }
        if follows && stored.body == old_body {
            stored.body = body_of(item.abstract_html.as_deref());
        }
        let mut status = stored.extra.status;
        if item.deleted {
            status = Status::Withdrawn;
            set.push(("draft", toml_edit::value(true)));
        }
        let doc = &mut stored.doc;
        for (key, value) in set {
            doc.as_table_mut().insert(key, value);
        }
        let extra = table_at(doc, "extra", &path)?;
        if item.deleted {
            extra.insert("status", toml_edit::value("withdrawn"));
        }
        if !notes.is_empty() {
            let mut all = stored.extra.review_notes.clone();
            for note in notes {
                if !all.contains(&note) {
                    all.push(note);
                }
            }
            extra.insert("review", toml_edit::value(true));
            extra.insert(
                "review_notes",
                toml_edit::value(toml_edit::Array::from_iter(all.iter().map(String::as_str))),
            );
        }
        let harvest = edit_table(&fields, &path)?;
        extra.insert("harvest", Item::Table(harvest));
        self.write(&path, &stored.doc, &stored.body)?;
        self.index.set_state(known, status, hash);
        Ok(if item.deleted {
            Updated::Withdrawn
        } else {
            Updated::Updated
        })
    }

    /// Records that `item` is the same publication as `known`, from
    /// another origin. Returns whether the file changed.
    pub fn merge(&mut self, known: Known, item: &HarvestedItem) -> Result<bool, StoreError> {
        let path = self.file_of(known)?;
        let mut stored = self.read(&path)?;
        let origin = (item.source.clone(), item.upstream_id.clone());
        let mut fields = stored.extra.harvest.clone().unwrap_or_default();
        if fields
            .also
            .iter()
            .any(|o| o.source == origin.0 && o.upstream_id == origin.1)
        {
            self.index.add_origin(known, origin);
            return Ok(false);
        }
        fields.also.push(Origin {
            source: item.source.clone(),
            upstream_id: item.upstream_id.clone(),
            link: item.link.clone(),
        });
        let harvest = edit_table(&fields, &path)?;
        let extra = table_at(&mut stored.doc, "extra", &path)?;
        extra.insert("harvest", Item::Table(harvest));
        self.write(&path, &stored.doc, &stored.body)?;
        self.index.add_origin(known, origin);
        Ok(true)
    }

    /// A bundle from the title (`<slug>/index.md`, room for a thumbnail
    /// beside it), unique in the folder.
    fn free_path(&mut self, title: &str) -> PathBuf {
        let mut base = slug::slugify(title);
        if base.len() > 80 {
            // A slug is ASCII: any byte is a boundary.
            let head = base.get(..80).unwrap_or_default();
            let cut = head.rfind('-').unwrap_or(head.len());
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

fn made_up_note(title: &str) -> String {
    format!("title: upstream gave no title; \"{title}\" was made from the link or the text")
}

/// The table at `key` of the root of `doc` (the front matter of `path`),
/// made if absent.
fn table_at<'a>(
    doc: &'a mut DocumentMut,
    key: &str,
    path: &Path,
) -> Result<&'a mut Table, StoreError> {
    doc.as_table_mut()
        .entry(key)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| StoreError::Invalid {
            path: path.to_path_buf(),
            field: key.to_string(),
            message: format!("`{key}` is not a table"),
        })
}

/// The harvest fields (`extra.harvest` of `path`) as a toml_edit table:
/// values from the model's own serialisation, merged origins as inline
/// tables.
fn edit_table(fields: &HarvestFields, path: &Path) -> Result<Table, StoreError> {
    let invalid = |message: String| StoreError::Invalid {
        path: path.to_path_buf(),
        field: "extra.harvest".into(),
        message,
    };
    let value = toml::Value::try_from(fields).map_err(|e| invalid(e.to_string()))?;
    let toml::Value::Table(source) = value else {
        return Err(invalid("the harvest fields are not a table".into()));
    };
    let mut table = Table::new();
    for (key, value) in source {
        table.insert(&key, Item::Value(edit_value(value)));
    }
    Ok(table)
}

fn edit_value(value: toml::Value) -> toml_edit::Value {
    match value {
        toml::Value::String(s) => s.into(),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => f.into(),
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => d.into(),
        toml::Value::Array(items) => {
            toml_edit::Value::Array(items.into_iter().map(edit_value).collect())
        }
        toml::Value::Table(t) => {
            let mut inline = toml_edit::InlineTable::new();
            for (k, v) in t {
                inline.insert(&k, edit_value(v));
            }
            toml_edit::Value::InlineTable(inline)
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
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
    fn the_hash_follows_the_content() {
        let a = HarvestedItem {
            title: "A".into(),
            ..Default::default()
        };
        let b = HarvestedItem {
            title: "B".into(),
            ..Default::default()
        };
        assert_eq!(
            content_hash(&fields_of(&a)),
            content_hash(&fields_of(&a.clone()))
        );
        assert_ne!(content_hash(&fields_of(&a)), content_hash(&fields_of(&b)));
    }

    #[test]
    fn bodies_are_text_for_markdown() {
        let body = body_of(Some(
            "&lt;img src=x onerror=alert(1)&gt; [klik](javascript:alert(2))",
        ));
        assert!(body.contains("\\<img"), "{body}");
        assert!(body.contains("\\[klik\\]"), "{body}");
    }
}
