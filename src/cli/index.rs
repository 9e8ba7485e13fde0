//! `vindplaats index`: the site's published items (or a JSON lines
//! corpus) into the embedded index or a Meilisearch server, through
//! [`vindplaats::search::indexing`], with progress and a report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use vindplaats::search::indexing::{self, Corpus, Target};
use vindplaats::search::{SyncReport, INDEX_UID};

use super::progress::Progress;

#[derive(Args)]
pub struct IndexArgs {
    /// Index into the Meilisearch at this URL (master key from
    /// MEILI_MASTER_KEY), building a new index and swapping it in.
    #[arg(long, value_name = "URL")]
    meilisearch: Option<String>,
    /// Where the embedded index lives (default <site>/search/index).
    #[arg(long)]
    index_dir: Option<PathBuf>,
    /// Index the documents of this JSON lines file instead of the
    /// site (the benchmark's corpus).
    #[arg(long, value_name = "FILE")]
    jsonl: Option<PathBuf>,
}

/// `vindplaats index`.
pub fn run(site: &Path, args: IndexArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let corpus = Corpus::read(site, args.jsonl.as_deref())?;
    eprintln!(
        "{} documents read in {:.1} s",
        corpus.documents.len(),
        started.elapsed().as_secs_f64()
    );
    match Target::choose(site, args.meilisearch, args.index_dir) {
        Target::Meilisearch(url) => {
            let backend = indexing::meilisearch_from_env(&url, corpus.synonyms)?;
            let done = super::runtime()?.block_on(indexing::into_meilisearch(
                &backend,
                &corpus.documents,
                &|step| eprintln!("meilisearch: {step}"),
            ))?;
            println!(
                "Meilisearch {url}: {} documents in {} batches, swapped in as `{INDEX_UID}` ({:.1} s)",
                done.report.documents,
                done.report.batches,
                started.elapsed().as_secs_f64()
            );
            println!(
                "Search-only key for the site (safe to publish): {}",
                done.search_key
            );
            println!(
                "Build the site with VINDPLAATS_SEARCH_URL={url} VINDPLAATS_SEARCH_KEY={}",
                done.search_key
            );
        }
        Target::Embedded(dir) => {
            let progress = Progress::bar(corpus.documents.len() as u64, "indexing");
            let on_progress = |done: usize, total: usize| {
                if progress.is_shown() {
                    progress.set_position(done as u64);
                } else if done.is_multiple_of(20_000) || (done == total && total >= 20_000) {
                    // Not a terminal (a log, a benchmark): a line now and then.
                    eprintln!("indexed {done} of {total} documents");
                }
            };
            let report = indexing::into_embedded(&dir, corpus, &on_progress)?;
            progress.finish();
            print_index_report(&report);
            println!(
                "Index in {} ({:.1} s)",
                dir.display(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line on what a sync changed (`index`, and `serve` after each build).
pub fn print_index_report(r: &SyncReport) {
    println!(
        "Search index: {} documents ({} new, {} updated, {} removed, {} unchanged)",
        r.documents, r.added, r.updated, r.removed, r.unchanged
    );
}
