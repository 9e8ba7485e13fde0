//! `vindplaats harvest`: partner feeds and OAI-PMH repositories into draft
//! publications, with a table of what each source gave.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use vindplaats::harvest::{self, FetchPolicy, HarvestOptions, HarvestReport, SourceReport};

use super::progress::Progress;

#[derive(Args)]
pub struct HarvestArgs {
    /// Only this partner (its file name in harvesters/, without .toml).
    #[arg(long)]
    partner: Option<String>,
    /// Only this source (its id, or <partner>/<source>).
    #[arg(long)]
    source: Option<String>,
    /// Allow loopback addresses (for tests and local mirrors).
    #[arg(long)]
    allow_loopback: bool,
    /// End an OAI-PMH source with an error past this many pages.
    #[arg(long, default_value_t = vindplaats::harvest::run::MAX_OAI_PAGES)]
    max_oai_pages: usize,
}

/// `vindplaats harvest`.
pub fn run(site: &Path, args: HarvestArgs) -> anyhow::Result<ExitCode> {
    let options = HarvestOptions {
        partner: args.partner,
        source: args.source,
        policy: FetchPolicy {
            allow_loopback: args.allow_loopback,
            ..Default::default()
        },
        max_oai_pages: args.max_oai_pages,
    };
    let progress = Progress::spinner("harvesting");
    let on_source = |r: &SourceReport| progress.set_message(format!("harvested {}", r.source));
    let report = super::runtime()?
        .block_on(harvest::harvest(site, &options, &on_source))
        .with_context(|| format!("harvesting into {}", site.display()))?;
    progress.finish();
    print_harvest(&report);
    Ok(ExitCode::SUCCESS)
}

fn print_harvest(report: &HarvestReport) {
    println!(
        "{:<40} {:>5} {:>7} {:>9} {:>8} {:>7} {:>9} {:>6} {:>7}",
        "source",
        "new",
        "updated",
        "unchanged",
        "rejected",
        "skipped",
        "withdrawn",
        "errors",
        "time"
    );
    for s in &report.sources {
        if s.is_disrupted() {
            println!(
                "VERSTOORD: {} failed {} runs in a row",
                s.source, s.consecutive_failures
            );
        }
        println!(
            "{:<40} {:>5} {:>7} {:>9} {:>8} {:>7} {:>9} {:>6} {:>6.2}s{}",
            s.source,
            s.new,
            s.updated,
            s.unchanged,
            s.rejected,
            s.skipped,
            s.withdrawn,
            s.errors.len(),
            s.seconds,
            if s.not_modified {
                "  (not modified)"
            } else {
                ""
            }
        );
        for (reason, n) in &s.skipped_because {
            println!("    skipped {n}: {reason}");
        }
        if s.made_up_titles > 0 {
            println!(
                "    {} kept with a title made from the link or text, flagged for review",
                s.made_up_titles
            );
        }
        for e in &s.errors {
            println!("    error: {e}");
        }
        for note in s.notes.iter().take(5) {
            println!("    note: {note}");
        }
        if s.notes.len() > 5 {
            println!("    ({} more notes in the report)", s.notes.len() - 5);
        }
    }
    println!("Report written to harvesters/state/last-report.json");
}
