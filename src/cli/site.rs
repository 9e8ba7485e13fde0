//! `vindplaats build|publish|newsletter|check`: the site and what is
//! published beside it, and the check of its content.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use vindplaats::build::{self, Report as BuildReport};
use vindplaats::site::BuildOptions;

use super::progress::Progress;

#[derive(Args)]
pub struct BuildArgs {
    /// Write here instead of <site>/public.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Use this base URL instead of config.toml's.
    #[arg(long)]
    base_url: Option<String>,
    /// Render drafts too.
    #[arg(long)]
    drafts: bool,
    /// Exit non-zero when any problem was found.
    #[arg(long)]
    strict: bool,
}

#[derive(Args)]
pub struct PublishArgs {
    /// The built site to add to (default <site>/public).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Use this base URL instead of config.toml's.
    #[arg(long)]
    base_url: Option<String>,
}

#[derive(Args)]
pub struct NewsletterArgs {
    /// The month: JJJJ-MM, such as 2021-04.
    #[arg(long)]
    month: String,
    /// The built site to write into (default <site>/public).
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub struct CheckArgs {
    /// Check drafts too (harvested items waiting for review).
    #[arg(long)]
    drafts: bool,
}

/// `vindplaats build`.
pub fn build(site: &Path, args: BuildArgs) -> anyhow::Result<ExitCode> {
    let options = BuildOptions {
        output_dir: args.output,
        base_url: args.base_url,
        include_drafts: args.drafts,
        memo: None,
        whole_contexts: false,
    };
    let spinner = Progress::spinner("building the site");
    let result = build::build(site, &options);
    spinner.finish();
    let report = result.with_context(|| format!("building {}", site.display()))?;
    print_report(&report);
    if args.strict && !report.site.problems.is_empty() {
        anyhow::bail!("{} problem(s) found (--strict)", report.site.problems.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// `vindplaats publish`.
pub fn publish(site: &Path, args: PublishArgs) -> anyhow::Result<ExitCode> {
    let output = args.output.unwrap_or_else(|| site.join("public"));
    if !output.is_dir() {
        anyhow::bail!(
            "{}: no built site here; run `zola build` (or `vindplaats build`) first",
            output.display()
        );
    }
    let options = vindplaats::model::LoadOptions {
        base_url: args.base_url,
        include_drafts: false,
    };
    let done = build::publish_after_zola(site, &output, &options)?;
    for problem in &done.publish.problems {
        eprintln!("warning: {problem}");
    }
    let report = &done.publish;
    println!(
        "Published the API ({} files), {} feeds, {} citation files and the newsletter ({} files) in {:.2} s → {}",
        report.api_files,
        report.feeds,
        report.citations,
        done.newsletter_files,
        report.time.as_secs_f64(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `vindplaats newsletter`.
pub fn newsletter(site: &Path, args: NewsletterArgs) -> anyhow::Result<ExitCode> {
    let month = args.month;
    if vindplaats::site::newsletter::parse_month(&month).is_none() {
        let shown: String = month.chars().take(40).collect();
        let more = if shown.len() < month.len() { "…" } else { "" };
        anyhow::bail!("--month {shown:?}{more}: expected a month as JJJJ-MM, such as 2021-04");
    }
    let output = args.output.unwrap_or_else(|| site.join("public"));
    let done = build::write_newsletter(site, &output, &month)?;
    for problem in &done.problems {
        eprintln!("warning: {problem}");
    }
    println!("Newsletter {month}:");
    println!("  page:   {}  ({})", done.web.display(), done.url);
    println!(
        "  e-mail: {}  (open it in a browser, or paste its HTML into the mailing tool)",
        done.email.display()
    );
    println!(
        "{} newsletter files up to date in {}",
        done.files,
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `vindplaats check`: exits 1 when the content has problems.
pub fn check(site: &Path, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let options = BuildOptions {
        include_drafts: args.drafts,
        ..Default::default()
    };
    let collection = vindplaats::model::Collection::load(site, &options.load_options())?;
    let library = &collection.library;
    for note in &collection.notes {
        println!("note: {note}");
    }
    for problem in &library.problems {
        println!("{problem}");
    }
    println!(
        "{} pages, {} sections, {} problem(s)",
        library.pages.len(),
        library.sections.len(),
        library.problems.len()
    );
    Ok(if library.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A build's summary: its problems on standard error, its figures on
/// standard output.
pub fn print_report(full: &BuildReport) {
    let report = &full.site;
    for problem in &report.problems {
        eprintln!("warning: {problem}");
    }
    println!(
        "Built {} pages, {} sections ({} paginated pages), {} taxonomy terms, {} aliases, {} feeds: {} files in {:.2} s (load {:.2}, render {:.2}, write {:.2}) → {}",
        report.pages,
        report.sections,
        report.pagers,
        report.taxonomy_terms,
        report.aliases,
        report.feeds,
        report.files_written,
        report.total_time().as_secs_f64(),
        report.load_time.as_secs_f64(),
        report.render_time.as_secs_f64(),
        report.write_time.as_secs_f64(),
        report.output_dir.display()
    );
    println!(
        "Published the API ({} files), {} feeds and {} citation files in {:.2} s",
        full.publish.api_files,
        full.publish.feeds,
        full.publish.citations,
        full.publish.time.as_secs_f64()
    );
    if !report.problems.is_empty() {
        println!(
            "{} problem(s), listed above; the rest of the site was built.",
            report.problems.len()
        );
    }
}
