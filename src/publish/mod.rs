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
pub mod feeds;
pub mod listing;
pub mod oai;
pub mod openapi;
pub mod view;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::content::markdown::{self, Rendered};
use crate::content::write_atomic;
use crate::model::Collection;

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
    pub time: Duration,
}

/// One file to write, relative to the output folder.
#[derive(Debug)]
pub struct Output {
    pub path: String,
    pub body: String,
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

/// The rendered Markdown of every page: what the site rendered, or rendered
/// here when publishing after `zola build`.
pub fn page_html(collection: &Collection, rendered: &[Rendered]) -> Vec<String> {
    if rendered.len() == collection.library.pages.len() {
        return rendered.iter().map(|r| r.html.clone()).collect();
    }
    markdown::render_pages(&collection.library, &collection.config)
        .into_iter()
        .map(|r| r.html)
        .collect()
}

/// Every API file and feed of `collection`, in memory.
pub fn outputs(collection: &Collection, rendered: &[Rendered]) -> (Vec<Output>, Vec<Output>) {
    let html = page_html(collection, rendered);
    let listings = listing::Listings::of(collection);
    let api = api::files(collection, &listings, &html);
    let feeds = feeds::files(collection, &listings);
    (api, feeds)
}

/// Writes the API and the feeds of `collection` into `output_dir`.
pub fn publish(
    collection: &Collection,
    rendered: &[Rendered],
    output_dir: &Path,
) -> Result<PublishReport, PublishError> {
    let started = Instant::now();
    let (api, feeds) = outputs(collection, rendered);
    write_all(output_dir, &api)?;
    write_all(output_dir, &feeds)?;
    Ok(PublishReport {
        api_files: api.len(),
        feeds: feeds.len(),
        time: started.elapsed(),
    })
}

fn write_all(output_dir: &Path, outputs: &[Output]) -> Result<(), PublishError> {
    outputs.par_iter().try_for_each(|o| {
        let path = output_dir.join(&o.path);
        let failed = |message: String| PublishError::Write {
            path: path.clone(),
            message,
        };
        match std::fs::read(&path) {
            // Unchanged files keep their modification time (and so their
            // ETag).
            Ok(old) if old == o.body.as_bytes() => Ok(()),
            // A changed file is replaced whole, by rename.
            Ok(_) => write_atomic(&path, o.body.as_bytes()).map_err(|e| failed(e.to_string())),
            Err(_) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| failed(e.to_string()))?;
                }
                std::fs::write(&path, &o.body).map_err(|e| failed(e.to_string()))
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
