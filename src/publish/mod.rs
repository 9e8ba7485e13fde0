//! Everything but the HTML that a build publishes from the loaded
//! [`Collection`]: the JSON content API with its OpenAPI description
//! ([`api`]), Atom, RSS and JSON Feed for every listing ([`feeds`]), and the
//! OAI-PMH data provider that `serve` answers with ([`oai`]).
//!
//! Each output is a `#[derive(Serialize)]` view ([`view`]) of the one typed
//! collection; drafts and rejected items never reach any of them. `vindplaats
//! build` writes these after the site; on Netlify, `vindplaats publish` writes
//! them into the `public/` that `zola build` made.

pub mod api;
pub mod citation;
pub mod feeds;
pub mod listing;
pub mod oai;
pub mod openapi;
pub mod podcast;
pub mod view;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::content::markdown::{self, Rendered};
use crate::content::{write_atomic, Problem};
use crate::model::Collection;
use crate::site::{ExtraMemo, Fp};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{path}: cannot write: {message}")]
    Write { path: PathBuf, message: String },
}

/// What a publish wrote.
#[derive(Debug, Default)]
pub struct PublishReport {
    pub api_files: usize,
    pub feeds: usize,
    /// BibTeX, RIS and CSL-JSON files.
    pub citations: usize,
    pub podcast_feeds: usize,
    /// Of the files above, those made this time: the others were made from
    /// the same inputs by the last build, and are left as they are.
    pub made: usize,
    pub problems: Vec<Problem>,
    pub time: Duration,
}

/// One file to write, relative to the output folder: its contents, or
/// none where the last build made it from the same inputs and it is there
/// as written (see [`ExtraMemo`]).
#[derive(Debug)]
pub struct Output {
    pub path: String,
    pub body: Option<String>,
    /// The fingerprint of what the file is made from.
    pub key: Fp,
}

impl Output {
    /// The file at `path` made from inputs with fingerprint `key`: `body`
    /// is made only when `memo` does not know the file as made from them.
    pub fn make(memo: &ExtraMemo, path: String, key: Fp, body: impl FnOnce() -> String) -> Output {
        let body = (!memo.unchanged(&path, key)).then(body);
        Output { path, body, key }
    }

    /// A file always made: its key is that of its contents.
    pub fn whole(path: String, body: String) -> Output {
        Output {
            path,
            key: crate::site::combine(body.as_str()),
            body: Some(body),
        }
    }
}

/// Text for XML: escaped, without the characters XML 1.0 cannot hold.
pub(crate) fn xml_text(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// Everything publish writes, in memory.
#[derive(Debug, Default)]
pub struct Outputs {
    pub api: Vec<Output>,
    pub feeds: Vec<Output>,
    pub citations: Vec<Output>,
    /// Each podcast series' feed, and its artwork (not text).
    pub podcasts: Vec<Output>,
    pub artwork: Vec<(String, Vec<u8>)>,
    /// What publishing found wrong (an episode without its audio file).
    pub problems: Vec<Problem>,
}

impl Outputs {
    pub fn report(&self, time: Duration) -> PublishReport {
        PublishReport {
            api_files: self.api.len(),
            feeds: self.feeds.len(),
            citations: self.citations.len(),
            podcast_feeds: self.podcasts.len(),
            made: self
                .api
                .iter()
                .chain(&self.feeds)
                .chain(&self.citations)
                .chain(&self.podcasts)
                .filter(|o| o.body.is_some())
                .count(),
            problems: self.problems.clone(),
            time,
        }
    }

    /// Every file made: (path inside the output folder, contents).
    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        self.into_extra().files
    }

    /// Every file made, every file kept, and the key of each, for the
    /// site's writer.
    pub fn into_extra(self) -> crate::site::Extra {
        let mut extra = crate::site::Extra {
            problems: self.problems,
            ..Default::default()
        };
        let all = self
            .api
            .into_iter()
            .chain(self.feeds)
            .chain(self.citations)
            .chain(self.podcasts);
        for o in all {
            // Of two files for one path, the first is written.
            extra.keys.entry(o.path.clone()).or_insert(o.key);
            match o.body {
                Some(body) => extra.files.push((o.path, body.into_bytes())),
                None => extra.kept.push(o.path),
            }
        }
        extra.files.extend(self.artwork);
        extra
    }
}

/// Every API file, feed and citation of `collection`, in memory, but for
/// those `memo` knows as made from the same inputs. `rendered` is every
/// page's Markdown as the site rendered it; when it is not (publishing
/// after `zola build`), the Markdown is rendered here.
pub fn outputs(collection: &Collection, rendered: &[Rendered], memo: &ExtraMemo) -> Outputs {
    let mut took = Vec::new();
    let mut step = |name: &'static str, since: Instant| took.push((name, since.elapsed()));
    let t = Instant::now();
    let own;
    let rendered = if rendered.len() == collection.library.pages.len() {
        rendered
    } else {
        own = markdown::render_pages(&collection.library, &collection.config);
        own.as_slice()
    };
    let listings = listing::Listings::of(collection);
    step("listings", t);
    let t = Instant::now();
    let podcasts = podcast::files(collection);
    step("podcasts", t);
    let t = Instant::now();
    let api = api::files(collection, &listings, rendered, memo);
    step("api", t);
    let t = Instant::now();
    let feeds = feeds::files(collection, &listings, memo);
    step("feeds", t);
    let t = Instant::now();
    let citations = citation::files(collection, memo);
    step("citations", t);
    let took: Vec<String> = took
        .iter()
        .map(|(name, d)| format!("{name} {:.0} ms", d.as_secs_f64() * 1000.0))
        .collect();
    tracing::debug!("publish steps: {}", took.join(", "));
    Outputs {
        api,
        feeds,
        citations,
        podcasts: podcasts.feeds,
        artwork: podcasts.artwork,
        problems: podcasts.problems,
    }
}

/// Writes the API and the feeds of `collection` into `output_dir`, with
/// `more` files made elsewhere (the newsletter) in the same pass.
pub fn publish(
    collection: &Collection,
    rendered: &[Rendered],
    output_dir: &Path,
    more: Vec<(String, Vec<u8>)>,
) -> Result<PublishReport, PublishError> {
    let started = Instant::now();
    let all = outputs(collection, rendered, &ExtraMemo::none());
    let report = all.report(Duration::ZERO);
    let mut files = all.into_files();
    files.extend(more);
    write_all(output_dir, &files)?;
    Ok(PublishReport {
        time: started.elapsed(),
        ..report
    })
}

pub(crate) fn write_all(
    output_dir: &Path,
    outputs: &[(String, Vec<u8>)],
) -> Result<(), PublishError> {
    outputs.par_iter().try_for_each(|(relative, body)| {
        let path = output_dir.join(relative);
        let failed = |message: String| PublishError::Write {
            path: path.clone(),
            message,
        };
        match std::fs::read(&path) {
            // Unchanged files keep their modification time (and so their
            // ETag).
            Ok(old) if old == *body => Ok(()),
            // A changed file is replaced whole, by rename.
            Ok(_) => write_atomic(&path, body).map_err(|e| failed(e.to_string())),
            Err(_) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| failed(e.to_string()))?;
                }
                std::fs::write(&path, body).map_err(|e| failed(e.to_string()))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_and_cleaned_for_xml() {
        assert_eq!(
            super::xml_text("<script>&\"x\"\u{1}</script>"),
            "&lt;script&gt;&amp;&quot;x&quot;&lt;/script&gt;"
        );
    }
}
