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
    #[error(transparent)]
    Publish(#[from] publish::PublishError),
    #[error("--month {month}: no newsletter for that month: it has no published items with a day or month date ({available})")]
    NoNewsletter { month: String, available: String },
}

/// Where `vindplaats newsletter` put one month's newsletter.
#[derive(Debug)]
pub struct Newsletter {
    /// The page on the site, in the output folder.
    pub web: std::path::PathBuf,
    /// The e-mail version, in the output folder.
    pub email: std::path::PathBuf,
    /// The page's address on the site (canonical base URL).
    pub url: String,
    /// Every newsletter file written (all months and the archive).
    pub files: usize,
    pub problems: Vec<crate::content::Problem>,
}

/// Writes the newsletter of every month, and the archive, into
/// `output_dir` with the site's canonical base URL, and says where the
/// one of `month` (`JJJJ-MM`) is.
pub fn write_newsletter(
    site_dir: &Path,
    output_dir: &Path,
    month: &str,
) -> Result<Newsletter, Error> {
    use crate::site::newsletter;
    let options = crate::model::LoadOptions::default();
    let collection = Collection::load(site_dir, &options).map_err(BuildError::from)?;
    let base = collection
        .canonical_base_url
        .trim_end_matches('/')
        .to_string();
    let (files, collection, _) = site::newsletter_files(site_dir, &options, collection)?;
    let web = format!("{}/{month}/index.html", newsletter::DIR);
    if !files.files.iter().any(|(path, _)| *path == web) {
        let mut available: Vec<&str> = files
            .files
            .iter()
            .filter_map(|(path, _)| path.strip_prefix(&format!("{}/", newsletter::DIR)))
            .filter_map(|rest| rest.strip_suffix("/index.html"))
            .collect();
        available.sort_unstable_by(|a, b| b.cmp(a));
        let available = if available.is_empty() {
            "there are no newsletters yet".to_string()
        } else {
            format!("months with one: {}", available.join(", "))
        };
        return Err(Error::NoNewsletter {
            month: month.to_string(),
            available,
        });
    }
    let count = files.files.len();
    publish::write_all(output_dir, &files.files)?;
    let mut problems = collection.library.problems.clone();
    problems.extend(files.problems);
    Ok(Newsletter {
        web: output_dir.join(&web),
        email: output_dir.join(format!("{}/{month}/email.html", newsletter::DIR)),
        url: format!("{base}/{}/{month}/", newsletter::DIR),
        files: count,
        problems,
    })
}

/// What `vindplaats publish` wrote into a site `zola build` made.
#[derive(Debug)]
pub struct PublishedAfterZola {
    pub publish: PublishReport,
    /// The newsletter's pages, e-mails and archive.
    pub newsletter_files: usize,
}

/// Production's second step: writes what `zola build` does not make (the
/// API, the feeds, the citations, the podcast feeds and the newsletter)
/// into `output_dir`, from the same content.
pub fn publish_after_zola(
    site_dir: &Path,
    output_dir: &Path,
    options: &crate::model::LoadOptions,
) -> Result<PublishedAfterZola, Error> {
    let collection = Collection::load(site_dir, options).map_err(BuildError::from)?;
    let (newsletter, collection, rendered) = site::newsletter_files(site_dir, options, collection)?;
    let newsletter_files = newsletter.files.len();
    let mut report = publish::publish(&collection, &rendered, output_dir, newsletter.files)?;
    let mut problems = collection.library.problems.clone();
    problems.extend(newsletter.problems);
    problems.append(&mut report.problems);
    report.problems = problems;
    Ok(PublishedAfterZola {
        publish: report,
        newsletter_files,
    })
}

/// Builds the site in `site_dir` and publishes its API and feeds.
pub fn build(site_dir: &Path, options: &BuildOptions) -> Result<Report, Error> {
    build_seeing(site_dir, options, |_| {})
}

/// As [`build`], showing `see` the loaded collection once the site is
/// written.
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
    let site = site::build_with(site_dir, options, see, |collection, rendered, memo| {
        let started = std::time::Instant::now();
        let outputs = publish::outputs(collection, rendered, memo);
        publish = outputs.report(started.elapsed());
        outputs.into_extra()
    })?;
    Ok(Report { site, publish })
}
