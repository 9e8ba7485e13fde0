//! Deciding what a harvested item is to what is already stored: the same
//! item again, a publication another source already brought (same DOI,
//! canonical link, or title and date), or something new.
//!
//! A pure function over an [`Index`] of what is known: no files. The store
//! builds the index when it opens and carries out the decision.

use std::collections::HashMap;

use super::item::HarvestedItem;
use super::normalise::title_key;
use crate::model::Status;

/// A stored publication, by its position in the index.
pub type Known = usize;

/// What identifies one stored publication.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keys {
    /// (source, upstream id) of the source that owns the file.
    pub origin: Option<(String, String)>,
    /// Origins merged into it.
    pub also: Vec<(String, String)>,
    pub doi: Option<String>,
    pub link: Option<String>,
    pub title: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub date: Option<String>,
    pub status: Status,
    pub content_hash: Option<String>,
}

/// Everything known, looked up by each key.
#[derive(Debug, Default)]
pub struct Index {
    entries: Vec<Keys>,
    by_origin: HashMap<(String, String), Known>,
    by_other_origin: HashMap<(String, String), Known>,
    by_doi: HashMap<String, Known>,
    by_link: HashMap<String, Known>,
    by_title_date: HashMap<String, Known>,
}

/// What to do with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Its own file, with the same content hash: nothing to write.
    Unchanged(Known),
    /// Its own file, changed upstream.
    Update(Known),
    /// An editor rejected it (or the publication it was merged into).
    Rejected(Known),
    /// Already merged into a publication another source owns, which keeps
    /// the fields up to date.
    AlreadyMerged(Known),
    /// The same publication as a stored one from another origin.
    Merge(Known),
    /// Never seen.
    Create,
    /// Deleted upstream and never seen: nothing to withdraw.
    DeletedUnknown,
}

/// The key that title-and-date dedupe compares.
pub fn title_date_key(title: &str, date: Option<&str>) -> Option<String> {
    let date = date?;
    let title = title_key(title);
    (!title.is_empty()).then(|| format!("{title}|{date}"))
}

impl Index {
    pub fn get(&self, known: Known) -> Option<&Keys> {
        self.entries.get(known)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a stored publication; returns its place.
    pub fn insert(&mut self, keys: Keys) -> Known {
        let n = self.entries.len();
        if let Some(origin) = &keys.origin {
            self.by_origin.insert(origin.clone(), n);
        }
        for origin in &keys.also {
            self.by_other_origin.insert(origin.clone(), n);
        }
        if let Some(doi) = &keys.doi {
            self.by_doi.entry(doi.clone()).or_insert(n);
        }
        if let Some(link) = &keys.link {
            self.by_link.entry(link.clone()).or_insert(n);
        }
        if let Some(key) = title_date_key(&keys.title, keys.date.as_deref()) {
            self.by_title_date.entry(key).or_insert(n);
        }
        self.entries.push(keys);
        n
    }

    /// Records that `origin` was merged into `known`.
    pub fn add_origin(&mut self, known: Known, origin: (String, String)) {
        if let Some(keys) = self.entries.get_mut(known) {
            keys.also.push(origin.clone());
        }
        self.by_other_origin.insert(origin, known);
    }

    /// Records a stored publication's new state after an update.
    pub fn set_state(&mut self, known: Known, status: Status, content_hash: String) {
        if let Some(keys) = self.entries.get_mut(known) {
            keys.status = status;
            keys.content_hash = Some(content_hash);
        }
    }

    /// What `item`, whose content hash is `hash`, is to what is known.
    pub fn decide(&self, item: &HarvestedItem, hash: &str) -> Decision {
        let origin = (item.source.clone(), item.upstream_id.clone());
        let status = |n: Known| self.get(n).map(|k| k.status).unwrap_or_default();
        if let Some(&n) = self.by_origin.get(&origin) {
            let keys = self.get(n);
            return if status(n) == Status::Rejected {
                Decision::Rejected(n)
            } else if keys.and_then(|k| k.content_hash.as_deref()) == Some(hash) {
                Decision::Unchanged(n)
            } else {
                Decision::Update(n)
            };
        }
        if let Some(&n) = self.by_other_origin.get(&origin) {
            return if status(n) == Status::Rejected {
                Decision::Rejected(n)
            } else {
                Decision::AlreadyMerged(n)
            };
        }
        if item.deleted {
            return Decision::DeletedUnknown;
        }
        let date = item.date.map(|d| d.as_known());
        let same = item
            .doi
            .as_ref()
            .and_then(|d| self.by_doi.get(d))
            .or_else(|| item.link.as_ref().and_then(|l| self.by_link.get(l)))
            .or_else(|| {
                // A made-up title says nothing about sameness.
                (!item.title_made_up)
                    .then(|| title_date_key(&item.title, date.as_deref()))
                    .flatten()
                    .and_then(|k| self.by_title_date.get(&k))
            })
            .copied();
        match same {
            Some(n) if status(n) == Status::Rejected => Decision::Rejected(n),
            Some(n) => Decision::Merge(n),
            None => Decision::Create,
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use crate::harvest::date;

    fn item(id: &str) -> HarvestedItem {
        HarvestedItem {
            source: "p/feed".into(),
            upstream_id: id.into(),
            title: format!("Titel {id}"),
            ..Default::default()
        }
    }

    fn keys_of(item: &HarvestedItem, hash: &str) -> Keys {
        Keys {
            origin: Some((item.source.clone(), item.upstream_id.clone())),
            doi: item.doi.clone(),
            link: item.link.clone(),
            title: item.title.clone(),
            date: item.date.map(|d| d.as_known()),
            content_hash: Some(hash.into()),
            ..Default::default()
        }
    }

    #[test]
    fn the_same_item_is_unchanged_or_updated_by_its_hash() {
        let mut index = Index::default();
        let a = item("1");
        assert_eq!(index.decide(&a, "h1"), Decision::Create);
        let n = index.insert(keys_of(&a, "h1"));
        assert_eq!(index.decide(&a, "h1"), Decision::Unchanged(n));
        assert_eq!(index.decide(&a, "h2"), Decision::Update(n));
        index.set_state(n, Status::Rejected, "h2".into());
        assert_eq!(index.decide(&a, "h3"), Decision::Rejected(n));
    }

    #[test]
    fn another_source_merges_by_doi_link_or_title_and_date() {
        let mut index = Index::default();
        let mut a = item("1");
        a.doi = Some("10.1234/x".into());
        a.link = Some("https://a.nl/1".into());
        a.date = date::parse("2020-05");
        let n = index.insert(keys_of(&a, "h"));

        let by_doi = HarvestedItem {
            source: "q/oai".into(),
            doi: a.doi.clone(),
            ..item("oai:1")
        };
        assert_eq!(index.decide(&by_doi, "x"), Decision::Merge(n));
        index.add_origin(n, ("q/oai".into(), "oai:1".into()));
        assert_eq!(index.decide(&by_doi, "y"), Decision::AlreadyMerged(n));

        let by_link = HarvestedItem {
            source: "r/feed".into(),
            link: a.link.clone(),
            ..item("r1")
        };
        assert_eq!(index.decide(&by_link, "x"), Decision::Merge(n));

        let by_title = HarvestedItem {
            source: "s/feed".into(),
            title: "TITEL 1!".into(),
            date: a.date,
            ..item("s1")
        };
        assert_eq!(index.decide(&by_title, "x"), Decision::Merge(n));
        let made_up = HarvestedItem {
            title_made_up: true,
            ..by_title.clone()
        };
        assert_eq!(index.decide(&made_up, "x"), Decision::Create);
        let other_date = HarvestedItem {
            date: date::parse("2021"),
            ..by_title
        };
        assert_eq!(index.decide(&other_date, "x"), Decision::Create);
    }

    #[test]
    fn a_deleted_record_never_seen_is_not_created() {
        let index = Index::default();
        let gone = HarvestedItem {
            deleted: true,
            ..item("1")
        };
        assert_eq!(index.decide(&gone, "h"), Decision::DeletedUnknown);
    }
}
