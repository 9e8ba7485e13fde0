//! The whole build: the site ([`crate::site`]), then its API and feeds
//! ([`crate::publish`]) from the same loaded collection and the Markdown the
//! site rendered, written with the site's files in one pass. The sources'
//! health data the partner pages load is refreshed before.

use std::path::Path;

use crate::model::Collection;
use crate::publish::{self, PublishReport};
use crate::site::{self, BuildError, BuildOptions, BuildReport};

/// What the whole build did.
#[derive(Debug)]
pub struct Report {
    pub site: BuildReport,
    pub publish: PublishReport,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Site(#[from] BuildError),
}

/// Builds the site in `site_dir` and publishes its API and feeds.
pub fn build(site_dir: &Path, options: &BuildOptions) -> Result<Report, Error> {
    build_seeing(site_dir, options, |_| {})
}

/// As [`build`], showing `see` the loaded collection first.
pub fn build_seeing(
    site_dir: &Path,
    options: &BuildOptions,
    see: impl FnOnce(&Collection),
) -> Result<Report, Error> {
    // Where the harvester keeps its state, the partner pages' source health
    // is made fresh first (editors' approvals change its counts); elsewhere
    // the committed file is used as it is, as `zola build` does.
    if crate::harvest::health::has_state(site_dir) {
        if let Err(e) = crate::harvest::health::refresh(site_dir) {
            tracing::warn!("{}: not updated: {e}", crate::harvest::health::HEALTH_FILE);
        }
    }
    let mut publish = PublishReport::default();
    let site = site::build_with(site_dir, options, see, |collection, rendered| {
        let started = std::time::Instant::now();
        let outputs = publish::outputs(collection, rendered);
        publish = outputs.report(started.elapsed());
        let problems = outputs.problems.clone();
        site::Extra {
            files: outputs.into_files(),
            problems,
        }
    })?;
    Ok(Report { site, publish })
}
