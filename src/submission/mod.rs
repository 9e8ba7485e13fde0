//! Partners submit their feed or OAI-PMH endpoint: a form on the site
//! (`content/over-ons/partner-worden.md`), answered at once by `serve`
//! with a preview of what the harvester would read, and a pending record
//! for an editor to approve or reject.
//!
//! - [`form`]: the submission as it arrives, its fields and their limits;
//! - [`discover`]: the feed a partner's web page links;
//! - [`preview`]: the source read with the harvester's fetcher and parsers;
//! - [`pending`]: the records waiting for an editor, and approval, which
//!   makes a registered partner and its page.
//!
//! [`Submitter`] ties them together for one submission. It knows nothing
//! of HTTP: rate limits, body limits and the answer's format are
//! [`crate::serve::submissions`]'s.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

pub mod discover;
pub mod form;
pub mod pending;
pub mod preview;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harvest::fetch::{FetchError, FetchPolicy, Fetcher};

pub use form::{parse_form_urlencoded, parse_json, FieldError, Form, FormError};
pub use pending::{
    approve, find_duplicate, pending, reject, Approved, Duplicate, Pending, PendingError,
    PendingSource, PreviewCounts,
};
pub use preview::{preview, Newest, Preview, Problem, SourceKind};

/// How long one submission's source may take to read, all of it.
pub const SUBMISSION_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest source a submission reads.
pub const SUBMISSION_MAX_BODY: u64 = 5 * 1024 * 1024;

/// The limits submissions keep to: shorter than a harvest's, since the
/// partner waits for the answer, and without retries.
pub fn submission_policy(loopback_ports: Vec<u16>) -> FetchPolicy {
    FetchPolicy {
        connect_timeout: Duration::from_secs(5),
        total_timeout: SUBMISSION_TIMEOUT,
        max_body: SUBMISSION_MAX_BODY,
        max_redirects: 5,
        retries: 0,
        backoff: Duration::ZERO,
        max_retry_after: Duration::ZERO,
        // Submissions at once, each reading one source at a time.
        max_concurrent: 8,
        max_per_host: 2,
        allow_loopback: false,
        loopback_ports,
    }
}

/// What became of a submission.
#[derive(Debug)]
pub enum Outcome {
    /// Stored as `harvesters/pending/<slug>.toml`.
    Accepted { slug: String, preview: Preview },
    /// The honeypot was filled in: nothing was fetched or stored.
    Ignored,
    /// The source is pending or registered already; nothing was stored.
    Duplicate(Duplicate),
    /// The source cannot be harvested; nothing was stored.
    Refused(Problem),
}

/// Takes submissions for one site. One at a time reaches the store, so
/// two identical submissions at once give one record.
pub struct Submitter {
    site_dir: PathBuf,
    fetcher: Fetcher,
    deadline: Duration,
    store: tokio::sync::Mutex<()>,
}

impl Submitter {
    pub fn new(site_dir: &Path, policy: FetchPolicy) -> Result<Submitter, FetchError> {
        let deadline = policy.total_timeout;
        Ok(Submitter {
            site_dir: site_dir.to_path_buf(),
            fetcher: Fetcher::new(policy)?,
            deadline,
            store: tokio::sync::Mutex::new(()),
        })
    }

    /// Checks the source and stores the submission when it can be
    /// harvested and is not known yet.
    pub async fn submit(&self, form: Form) -> Result<Outcome, PendingError> {
        if form.honeypot {
            return Ok(Outcome::Ignored);
        }
        // Known already: no need to fetch anything.
        if let Some(duplicate) = self.duplicate(&[&form.source]).await? {
            return Ok(Outcome::Duplicate(duplicate));
        }
        let preview = match preview::preview(&self.fetcher, &form.source, self.deadline).await {
            Ok(preview) => preview,
            Err(problem) => return Ok(Outcome::Refused(problem)),
        };
        let _one_at_a_time = self.store.lock().await;
        if let Some(duplicate) = self.duplicate(&[&form.source, &preview.feed_url]).await? {
            return Ok(Outcome::Duplicate(duplicate));
        }
        let mut record = Pending {
            slug: String::new(),
            organisation: form.organisation,
            email: form.email,
            homepage: form.homepage,
            submitted_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            source: PendingSource {
                kind: preview.kind,
                url: preview.feed_url.clone(),
                given_url: form.source,
                format: preview.format.clone(),
            },
            preview: PreviewCounts {
                items: preview.items,
                dated: preview.dated,
                problems: preview.warnings.iter().map(Problem::message).collect(),
            },
        };
        let site_dir = self.site_dir.clone();
        let slug = tokio::task::spawn_blocking(move || pending::store(&site_dir, &mut record))
            .await
            .map_err(|e| PendingError::Encode(format!("storing the submission: {e}")))??;
        tracing::info!("submission {slug} stored ({})", preview.feed_url);
        Ok(Outcome::Accepted { slug, preview })
    }

    async fn duplicate(&self, urls: &[&str]) -> Result<Option<Duplicate>, PendingError> {
        let site_dir = self.site_dir.clone();
        let urls: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
            find_duplicate(&site_dir, &urls)
        })
        .await
        .map_err(|e| PendingError::Encode(format!("checking for duplicates: {e}")))?
    }
}
