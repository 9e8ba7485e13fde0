//! One harvest run: every selected source fetched, parsed and stored, one
//! bad source never stopping the others, even by a bug: a panic in one
//! source's work becomes that source's error. One run at a time
//! ([`super::lock`]). Its state (validators for the
//! next conditional GET, the last OAI datestamp, consecutive failures) and
//! the run's report go to `harvesters/state/`, written atomically after
//! each source, so a run killed at any moment leaves valid files and the
//! next run completes the work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;

use futures_util::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::classify::Classification;
use super::feed::{parse_feed, FeedError};
use super::fetch::{FetchError, FetchPolicy, Fetched, Fetcher, Validators};
use super::health::{self, DISRUPTED_AFTER};
use super::images::{thumbnail, ThumbnailError, THUMBNAIL_NAME};
use super::lock::{self, LockError};
use super::oai::{in_granularity, ListRequest, OaiError, Repository};
use super::pipeline::{Steps, Tally};
use super::registry::{Partner, Registry, RegistryError, Source, SourceKind};
use super::store::{Store, StoreError};
use crate::content::{write_atomic, WriteError};
use crate::model::TaxonomyRules;

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    Config(String),
    #[error("{path}: the content folder is not writable: {message}")]
    Unwritable { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Fetcher(String),
    #[error(transparent)]
    Locked(#[from] LockError),
}

/// Why one source's harvest stopped: its report's error and its state's
/// `last_error`. The other sources go on.
#[derive(Debug, thiserror::Error)]
enum SourceError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error(transparent)]
    Oai(#[from] OaiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{url}: the server gave resumption token \"{token}\" a second time, after {pages} pages; the list was not completed")]
    RepeatedToken {
        url: String,
        /// The token, cut to 200 characters.
        token: String,
        pages: usize,
    },
    #[error(
        "{url}: the list is longer than {pages} pages (max_oai_pages); the rest was not harvested"
    )]
    TooManyPages { url: String, pages: usize },
    /// A bug met by this source's input; what it said.
    #[error("internal error while harvesting this source (a bug, please report it): {0}")]
    Panicked(String),
}

/// Why an item's image was not stored (a note, not an error: the item is).
#[derive(Debug, thiserror::Error)]
enum ImageError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Thumbnail(#[from] ThumbnailError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

#[derive(Debug, Clone)]
pub struct HarvestOptions {
    pub partner: Option<String>,
    pub source: Option<String>,
    pub policy: FetchPolicy,
    /// An OAI-PMH list longer than this many pages ends the source with an
    /// error (a server that pages for ever).
    pub max_oai_pages: usize,
}

/// Pages of one OAI-PMH list, by default: 10,000 pages of the usual 100
/// records is a million records, far more than any partner has.
pub const MAX_OAI_PAGES: usize = 10_000;

impl Default for HarvestOptions {
    fn default() -> Self {
        HarvestOptions {
            partner: None,
            source: None,
            policy: FetchPolicy::default(),
            max_oai_pages: MAX_OAI_PAGES,
        }
    }
}

/// What one source did in a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceReport {
    pub source: String,
    pub partner: String,
    pub url: String,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub skipped: usize,
    /// Skipped items per reason.
    #[serde(default)]
    pub skipped_because: BTreeMap<String, usize>,
    /// Items kept with a title made for them (flagged for review).
    #[serde(default)]
    pub made_up_titles: usize,
    pub withdrawn: usize,
    pub errors: Vec<String>,
    /// Things skipped without failing the source (a broken image).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The server answered 304: nothing new.
    pub not_modified: bool,
    pub seconds: f64,
    /// Runs in a row that failed, this one included.
    #[serde(default)]
    pub consecutive_failures: u32,
}

impl SourceReport {
    /// Failed [`DISRUPTED_AFTER`] runs in a row or more: "verstoord" on the
    /// partner page, first in the report.
    pub fn is_disrupted(&self) -> bool {
        self.consecutive_failures >= DISRUPTED_AFTER
    }
}

/// The report's order: disrupted sources first (most failures first), then
/// the rest by source.
pub fn order_sources(sources: &mut [SourceReport]) {
    sources.sort_by(|a, b| {
        b.is_disrupted()
            .cmp(&a.is_disrupted())
            .then_with(|| {
                if a.is_disrupted() {
                    b.consecutive_failures.cmp(&a.consecutive_failures)
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| a.source.cmp(&b.source))
    });
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HarvestReport {
    pub started_at: String,
    pub finished_at: String,
    pub sources: Vec<SourceReport>,
}

/// What the harvester keeps of a source between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SourceState {
    #[serde(default)]
    pub validators: Validators,
    /// The newest OAI datestamp of the last complete run.
    #[serde(default)]
    pub last_datestamp: Option<String>,
    #[serde(default)]
    pub consecutive_failures: u32,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub last_success: Option<String>,
    #[serde(default)]
    pub last_run: Option<String>,
}

pub fn state_dir(site_dir: &Path) -> PathBuf {
    site_dir.join("harvesters").join("state")
}

fn state_file(site_dir: &Path) -> PathBuf {
    state_dir(site_dir).join("sources.json")
}

/// Every source's state (empty when there is none yet).
pub fn load_state(site_dir: &Path) -> BTreeMap<String, SourceState> {
    std::fs::read(state_file(site_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

struct Shared {
    /// Opened on the first item to store: reading every draft is most of a
    /// run in which every source answers "nothing new".
    store: Mutex<Option<Store>>,
    taxonomy: TaxonomyRules,
    classification: Classification,
    state: Mutex<BTreeMap<String, SourceState>>,
    site_dir: PathBuf,
    max_oai_pages: usize,
}

/// Harvests the selected sources. `progress` sees each source's report as
/// it finishes.
pub async fn harvest(
    site_dir: &Path,
    options: &HarvestOptions,
    progress: &(dyn Fn(&SourceReport) + Sync),
) -> Result<HarvestReport, HarvestError> {
    let started_at = now();
    // Held until this function returns: a second run refuses to start.
    let _lock = lock::acquire(&state_dir(site_dir))?;
    let registry = Registry::load(&site_dir.join("harvesters"))?;
    let config = crate::content::SiteConfig::load(&site_dir.join("config.toml"))
        .map_err(|e| HarvestError::Config(e.to_string()))?;
    let taxonomy = TaxonomyRules::of_site(site_dir, &config.extra)
        .map_err(|e| HarvestError::Config(format!("config.toml: {e}")))?;
    let classification =
        Classification::load(&site_dir.join("harvesters").join("classification.toml"))
            .map_err(|e| HarvestError::Config(e.to_string()))?;

    let content = site_dir.join("content").join("publicaties");
    let probe = content.join(".vindplaats-write-probe");
    write_atomic(&probe, b"probe").map_err(|e| HarvestError::Unwritable {
        path: content.clone(),
        message: e.to_string(),
    })?;
    let _ = std::fs::remove_file(&probe);

    let fetcher =
        Fetcher::new(options.policy.clone()).map_err(|e| HarvestError::Fetcher(e.to_string()))?;
    let shared = Arc::new(Shared {
        store: Mutex::new(None),
        taxonomy,
        classification,
        state: Mutex::new(load_state(site_dir)),
        site_dir: site_dir.to_path_buf(),
        max_oai_pages: options.max_oai_pages.max(1),
    });

    let selected = registry.selected(options.partner.as_deref(), options.source.as_deref());
    let reports: Vec<SourceReport> = futures_util::stream::iter(selected)
        .map(|(partner, source)| {
            let shared = shared.clone();
            let fetcher = fetcher.clone();
            async move {
                let report = harvest_source(&shared, &fetcher, partner, source).await;
                progress(&report);
                report
            }
        })
        .buffer_unordered(options.policy.max_concurrent.max(1))
        .collect()
        .await;

    let mut sources = reports;
    order_sources(&mut sources);
    let report = HarvestReport {
        started_at,
        finished_at: now(),
        sources,
    };
    let json = serde_json::to_vec_pretty(&report).unwrap_or_default();
    write_atomic(&state_dir(site_dir).join("last-report.json"), &json).map_err(StoreError::from)?;
    // The partner pages read it; a failure here leaves the last one and
    // does not undo the harvest.
    if let Err(e) = health::refresh(site_dir) {
        tracing::warn!("{}: not updated: {e}", health::HEALTH_FILE);
    }
    Ok(report)
}

async fn harvest_source(
    shared: &Shared,
    fetcher: &Fetcher,
    partner: &Partner,
    source: &Source,
) -> SourceReport {
    let started = Instant::now();
    let key = source.key(partner);
    let mut report = SourceReport {
        source: key.clone(),
        partner: partner.name.clone(),
        url: source.url.clone(),
        ..Default::default()
    };
    let previous = shared
        .state
        .lock()
        .await
        .get(&key)
        .cloned()
        .unwrap_or_default();
    let mut state = previous.clone();
    let work = async {
        match source.kind {
            SourceKind::Feed => {
                harvest_feed(shared, fetcher, partner, source, &mut state, &mut report).await
            }
            SourceKind::Oai => {
                harvest_oai(shared, fetcher, partner, source, &mut state, &mut report).await
            }
        }
    };
    // A bug met by one source's input is that source's error: the other
    // sources, the state and the report go on. Files are written
    // atomically, so nothing is half written.
    let result = match contained(work).await {
        Ok(result) => result,
        Err(message) => {
            // What was stored before the panic is on disk; the index may
            // not say so: read it again on the next use.
            *shared.store.lock().await = None;
            state = previous.clone();
            Err(message)
        }
    };
    let stamp = now();
    state.last_run = Some(stamp.clone());
    match result {
        Ok(()) => {
            state.consecutive_failures = 0;
            state.last_error = None;
            state.last_success = Some(stamp);
        }
        Err(error) => {
            let message = error.to_string();
            state.consecutive_failures = state.consecutive_failures.saturating_add(1);
            state.last_error = Some(message.clone());
            report.errors.push(message);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.consecutive_failures = state.consecutive_failures;
    let mut all = shared.state.lock().await;
    all.insert(key, state);
    let json = serde_json::to_vec_pretty(&*all).unwrap_or_default();
    if let Err(e) = write_atomic(&state_file(&shared.site_dir), &json) {
        report.errors.push(e.to_string());
    }
    report
}

/// Runs `work`, turning a panic in it into an error that says so.
async fn contained<T>(work: impl std::future::Future<Output = T>) -> Result<T, SourceError> {
    AssertUnwindSafe(work)
        .catch_unwind()
        .await
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            SourceError::Panicked(what)
        })
}

/// The store, opened on first use.
fn open_store<'a>(
    shared: &Shared,
    slot: &'a mut Option<Store>,
) -> Result<&'a mut Store, StoreError> {
    if slot.is_none() {
        *slot = Some(Store::open(&shared.site_dir)?);
    }
    slot.as_mut().ok_or_else(|| StoreError::Invalid {
        path: shared.site_dir.clone(),
        field: "store".into(),
        message: "store not open".into(),
    })
}

/// Fetches an item's image within the fetch limits and stores its thumbnail
/// beside the draft.
async fn store_thumbnail(fetcher: &Fetcher, draft: &Path, image: &str) -> Result<(), ImageError> {
    let body = match fetcher.get(image, &Validators::default()).await? {
        Fetched::Body(body) => body.bytes,
        Fetched::NotModified => return Ok(()),
    };
    let jpeg = tokio::task::spawn_blocking(move || thumbnail(&body)).await??;
    let target = draft.with_file_name(THUMBNAIL_NAME);
    Ok(write_atomic(&target, &jpeg)?)
}

/// One list of entries through the pipeline, into the shared store.
async fn store_entries(
    shared: &Shared,
    partner: &Partner,
    source: &Source,
    entries: Vec<super::item::Entry>,
    seen: &mut HashSet<String>,
) -> Result<Tally, SourceError> {
    let stamp = now();
    let mut tally = Tally::default();
    let mut guard = shared.store.lock().await;
    let store = open_store(shared, &mut guard)?;
    let steps = Steps {
        partner,
        source,
        taxonomy: &shared.taxonomy,
        classification: &shared.classification,
        now: &stamp,
    };
    steps.run(store, entries, seen, &mut tally);
    Ok(tally)
}

fn add(report: &mut SourceReport, tally: Tally) {
    report.new += tally.new;
    report.updated += tally.updated;
    report.unchanged += tally.unchanged;
    report.rejected += tally.rejected;
    report.withdrawn += tally.withdrawn;
    report.made_up_titles += tally.made_up_titles;
    for (reason, n) in tally.skipped {
        report.skipped += n;
        *report
            .skipped_because
            .entry(reason.to_string())
            .or_default() += n;
    }
    report.errors.extend(tally.errors);
}

async fn harvest_feed(
    shared: &Shared,
    fetcher: &Fetcher,
    partner: &Partner,
    source: &Source,
    state: &mut SourceState,
    report: &mut SourceReport,
) -> Result<(), SourceError> {
    let body = match fetcher.get(&source.url, &state.validators).await? {
        Fetched::NotModified => {
            report.not_modified = true;
            return Ok(());
        }
        Fetched::Body(body) => body,
    };
    let feed = parse_feed(&body.bytes, body.content_type.as_deref(), body.url.as_str())?;
    if feed.dropped > 0 {
        report.notes.push(format!(
            "{} entries past the first {} were not read",
            feed.dropped,
            super::normalise::limits::ITEMS
        ));
    }
    let mut tally =
        store_entries(shared, partner, source, feed.entries, &mut HashSet::new()).await?;
    let images = std::mem::take(&mut tally.images);
    add(report, tally);
    for (draft, image) in images {
        if let Err(note) = store_thumbnail(fetcher, &draft, &image).await {
            report.notes.push(format!(
                "{}: image {image} skipped: {note}",
                draft.display()
            ));
        }
    }
    // Remember the validators only once everything is stored: a run killed
    // before this fetches the whole feed again.
    state.validators = body.validators;
    Ok(())
}

async fn harvest_oai(
    shared: &Shared,
    fetcher: &Fetcher,
    partner: &Partner,
    source: &Source,
    state: &mut SourceState,
    report: &mut SourceReport,
) -> Result<(), SourceError> {
    let repo = Repository {
        fetcher,
        base_url: source.url.clone(),
    };
    let identity = repo.identify().await?;
    let request = ListRequest {
        metadata_prefix: source
            .metadata_prefix
            .clone()
            .unwrap_or_else(|| "oai_dc".into()),
        set: source.set.clone(),
        from: state
            .last_datestamp
            .as_deref()
            .map(|d| in_granularity(d, &identity.granularity)),
        until: None,
    };
    let mut newest: Option<String> = state.last_datestamp.clone();
    let mut page = repo.list_records(&request).await?;
    let mut tokens: HashSet<String> = HashSet::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut pages = 1;
    loop {
        if !page.records.is_empty() {
            for record in &page.records {
                if newest
                    .as_deref()
                    .is_none_or(|n| record.datestamp.as_str() > n)
                {
                    newest = Some(record.datestamp.clone());
                }
            }
            let entries = page.records.iter().map(|r| r.to_entry()).collect();
            let tally = store_entries(shared, partner, source, entries, &mut seen).await?;
            add(report, tally);
        }
        let Some(token) = page.resumption_token.take() else {
            break;
        };
        if !tokens.insert(token.clone()) {
            return Err(SourceError::RepeatedToken {
                url: source.url.clone(),
                token: super::normalise::cut(&token, 200).to_string(),
                pages,
            });
        }
        if pages >= shared.max_oai_pages {
            return Err(SourceError::TooManyPages {
                url: source.url.clone(),
                pages: shared.max_oai_pages,
            });
        }
        page = repo.resume(&token).await?;
        pages += 1;
    }
    // Only a complete list moves the datestamp on; an interrupted one is
    // asked for again, and what was stored comes back unchanged.
    state.last_datestamp = newest;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    #[test]
    fn disrupted_sources_come_first_most_failures_first() {
        let report = |source: &str, consecutive_failures| SourceReport {
            source: source.into(),
            consecutive_failures,
            ..Default::default()
        };
        let mut sources = vec![
            report("a/feed", 0),
            report("b/feed", 5),
            report("c/feed", 4),
            report("d/oai", 9),
            report("e/feed", 5),
        ];
        order_sources(&mut sources);
        let order: Vec<&str> = sources.iter().map(|s| s.source.as_str()).collect();
        assert_eq!(order, ["d/oai", "b/feed", "e/feed", "a/feed", "c/feed"]);
        assert!(sources[2].is_disrupted() && !sources[4].is_disrupted());
    }

    #[tokio::test]
    async fn a_panic_in_one_sources_work_becomes_its_error() {
        let sources = ["a", "b", "c"];
        let results: Vec<Result<usize, SourceError>> = futures_util::stream::iter(sources)
            .map(|name| {
                contained(async move {
                    if name == "b" {
                        let empty: Vec<usize> = Vec::new();
                        #[allow(clippy::unnecessary_operation)]
                        return empty[7];
                    }
                    name.len()
                })
            })
            .buffer_unordered(3)
            .collect()
            .await;
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
        let error = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .unwrap()
            .to_string();
        assert!(
            error.contains("internal error") && error.contains("index out of bounds"),
            "{error}"
        );
    }
}
