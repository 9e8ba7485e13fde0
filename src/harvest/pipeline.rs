//! One list of entries (a feed, an OAI page) through the steps that are
//! the same for every format: normalise → dedupe → classify → store.
//! Adapters ([`super::feed`], [`super::oai`]) come before it; the run
//! ([`super::run`]) around it.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use super::classify::{passes_filters, Classification};
use super::dedupe::Decision;
use super::item::Entry;
use super::normalise::{self, Skip};
use super::registry::{Partner, Source};
use super::store::{content_hash, fields_of, Draft, Store, StoreError, Updated};
use crate::model::TaxonomyRules;

/// What the steps did with a list.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tally {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub withdrawn: usize,
    /// Skipped items per reason.
    pub skipped: BTreeMap<&'static str, usize>,
    /// New items with an image to fetch: (draft file, image URL).
    pub images: Vec<(PathBuf, String)>,
    /// Items that could not be stored, each naming the file at fault.
    pub errors: Vec<String>,
    /// Items kept with a title made for them.
    pub made_up_titles: usize,
}

impl Tally {
    fn skip(&mut self, skip: Skip) {
        *self.skipped.entry(skip.reason()).or_default() += 1;
    }
}

/// What the steps need besides the store.
pub struct Steps<'a> {
    pub partner: &'a Partner,
    pub source: &'a Source,
    pub taxonomy: &'a TaxonomyRules,
    pub classification: &'a Classification,
    /// The time written as `fetched_at`.
    pub now: &'a str,
}

impl Steps<'_> {
    /// Runs every entry of one list through the steps. `seen` holds the
    /// upstream ids met earlier in the same list (across OAI pages).
    pub fn run(
        &self,
        store: &mut Store,
        entries: Vec<Entry>,
        seen: &mut HashSet<String>,
        tally: &mut Tally,
    ) {
        let key = self.source.key(self.partner);
        for entry in entries {
            let item = match normalise::entry(entry, &key) {
                Ok(item) => item,
                Err(skip) => {
                    tally.skip(skip);
                    continue;
                }
            };
            if !seen.insert(item.upstream_id.clone()) {
                tally.skip(Skip::DuplicateInList);
                continue;
            }
            let hash = content_hash(&fields_of(&item));
            let result = match store.index().decide(&item, &hash) {
                Decision::Unchanged(_) | Decision::AlreadyMerged(_) => {
                    tally.unchanged += 1;
                    Ok(())
                }
                Decision::Rejected(_) => {
                    tally.rejected += 1;
                    Ok(())
                }
                Decision::DeletedUnknown => {
                    tally.skip(Skip::DeletedUnknown);
                    Ok(())
                }
                Decision::Update(n) => store.update(n, &item, self.now).map(|done| match done {
                    Updated::Updated => tally.updated += 1,
                    Updated::Withdrawn => tally.withdrawn += 1,
                }),
                Decision::Merge(_) | Decision::Create if !passes_filters(&item, self.source) => {
                    tally.skip(Skip::Filtered);
                    Ok(())
                }
                Decision::Merge(n) => store.merge(n, &item).map(|changed| {
                    if changed {
                        tally.updated += 1
                    } else {
                        tally.unchanged += 1
                    }
                }),
                Decision::Create => {
                    let suggestion = self
                        .classification
                        .suggest(&item, self.source, self.taxonomy);
                    let draft = Draft {
                        partner: &self.partner.name,
                        default_type: self.source.default_type.as_deref(),
                        suggested_themes: suggestion.themes,
                        suggested_programmalijnen: suggestion.programmalijnen,
                    };
                    store.create(&item, &draft, self.now).map(|path| {
                        tally.new += 1;
                        if item.title_made_up {
                            tally.made_up_titles += 1;
                        }
                        if let Some(image) = &item.image {
                            tally.images.push((path, image.clone()));
                        }
                    })
                }
            };
            if let Err(e) = result {
                tally.errors.push(describe(&e, &item.upstream_id));
            }
        }
    }
}

fn describe(error: &StoreError, upstream_id: &str) -> String {
    format!("item {upstream_id}: {error}")
}
