//! The `vindplaats` command: parses arguments, calls the library, prints
//! reports. All behaviour lives in the library.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use vindplaats::build::{self, Error as BuildError, Report as BuildReport};
use vindplaats::search;
use vindplaats::serve::{self, ServeOptions};
use vindplaats::site::BuildOptions;

#[path = "cli/editor.rs"]
mod editor_cli;
#[path = "cli/review.rs"]
mod review_cli;

// Rendering copies many small JSON values; mimalloc handles that churn
// markedly better than the system allocator on two cores.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the mimalloc v2 that libmimalloc-sys builds
/// (its `mimalloc.h`); the Rust bindings do not name it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[derive(Parser)]
#[command(
    name = "vindplaats",
    version,
    about = "De centrale vindplaats: build, serve and check the KIS site"
)]
struct Cli {
    /// The site directory (holds config.toml, content/, themes/, harvesters/).
    #[arg(long, global = true, default_value = ".", env = "VINDPLAATS_SITE")]
    site: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render the site into public/ and print a summary.
    Build {
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
    },
    /// Write the JSON API, its OpenAPI description and the feeds into a
    /// site that `zola build` made (production on Netlify); `build` does
    /// this itself.
    Publish {
        /// The built site to add to (default <site>/public).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Use this base URL instead of config.toml's.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Write the monthly newsletter (every month's page and e-mail, and the
    /// archive) into the built site and print where one month's are.
    Newsletter {
        /// The month: JJJJ-MM, such as 2021-04.
        #[arg(long)]
        month: String,
        /// The built site to write into (default <site>/public).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Build, then serve the site and rebuild on changes.
    Serve {
        /// Address to listen on. Loopback by default.
        #[arg(long, default_value = "127.0.0.1:1111")]
        bind: SocketAddr,
        /// Render drafts too.
        #[arg(long)]
        drafts: bool,
        /// Do not rebuild when files change.
        #[arg(long)]
        no_watch: bool,
        /// The search index to answer from (default <site>/search/index).
        #[arg(long)]
        index_dir: Option<PathBuf>,
        /// Serve the index as it is; do not index the site into it.
        #[arg(long)]
        no_reindex: bool,
        /// The address readers reach this server at, when it is behind a
        /// proxy (the OAI-PMH baseURL is this with /oai).
        #[arg(long, env = "VINDPLAATS_PUBLIC_URL", value_name = "URL")]
        public_url: Option<String>,
        /// With --drafts, also answer for this host name (loopback names
        /// always); may be given more than once.
        #[arg(long, value_name = "NAME")]
        allow_host: Vec<String>,
        /// Serve the editors' review queue at /beheer/ (accounts from
        /// --accounts; add one with `vindplaats editor add`).
        #[arg(long)]
        editor: bool,
        /// The editors' accounts file (default <site>/.beheer/editors.toml).
        #[arg(long, env = "VINDPLAATS_ACCOUNTS", value_name = "FILE")]
        accounts: Option<PathBuf>,
        /// With --editor: `git push` after each change, so the deploy
        /// follows.
        #[arg(long)]
        git_push: bool,
        /// For tests only: fetch submitted sources on 127.0.0.1 or [::1]
        /// at this port (loopback names and other ports stay refused).
        #[arg(long, value_name = "PORT", hide = true)]
        allow_loopback_submissions: Vec<u16>,
    },
    /// Manage the accounts of the review queue (/beheer/).
    Editor {
        /// The accounts file (default <site>/.beheer/editors.toml).
        #[arg(long, env = "VINDPLAATS_ACCOUNTS", value_name = "FILE")]
        accounts: Option<PathBuf>,
        #[command(subcommand)]
        command: editor_cli::EditorCommand,
    },
    /// The review queue on the command line: list, show, approve, reject, tag.
    Review {
        /// The accounts file, for --as (default <site>/.beheer/editors.toml).
        #[arg(long, env = "VINDPLAATS_ACCOUNTS", value_name = "FILE")]
        accounts: Option<PathBuf>,
        #[command(subcommand)]
        command: review_cli::ReviewCommand,
    },
    /// Partners' feed submissions waiting for an editor.
    Partner {
        #[command(subcommand)]
        action: PartnerAction,
    },
    /// Build or update the search index: the embedded one (default) or,
    /// with --meilisearch, a Meilisearch server.
    Index {
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
    },
    /// Load the content and report every problem, without writing anything.
    Check {
        /// Check drafts too (harvested items waiting for review).
        #[arg(long)]
        drafts: bool,
    },
    /// Harvest partner feeds and OAI-PMH repositories into draft publications.
    Harvest {
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
    },
}

#[derive(Subcommand)]
enum PartnerAction {
    /// List the pending submissions (harvesters/pending/).
    List,
    /// Register a pending submission as a partner (harvesters/<slug>.toml)
    /// with its page (content/partners/<slug>.md).
    Approve { slug: String },
    /// Remove a pending submission.
    Reject { slug: String },
}

/// `vindplaats partner list|approve|reject`.
fn partner(site: &std::path::Path, action: PartnerAction) -> anyhow::Result<()> {
    use vindplaats::submission;
    match action {
        PartnerAction::List => {
            let all = submission::pending(site)?;
            for p in &all {
                println!(
                    "{}  {}  <{}>  {} {}  ({} items, {} dated)  {}",
                    p.slug,
                    p.organisation,
                    p.email,
                    p.source.format,
                    p.source.url,
                    p.preview.items,
                    p.preview.dated,
                    p.submitted_at
                );
            }
            println!("{} pending submission(s)", all.len());
        }
        PartnerAction::Approve { slug } => {
            let approved =
                submission::approve(site, &slug).with_context(|| format!("approving {slug}"))?;
            println!(
                "Approved {}: wrote {} and {}",
                approved.slug,
                approved.partner_file.display(),
                approved.partner_page.display()
            );
        }
        PartnerAction::Reject { slug } => {
            let rejected =
                submission::reject(site, &slug).with_context(|| format!("rejecting {slug}"))?;
            println!("Rejected {} ({})", rejected.slug, rejected.organisation);
        }
    }
    Ok(())
}

fn print_index_report(r: &search::SyncReport) {
    println!(
        "Search index: {} documents ({} new, {} updated, {} removed, {} unchanged)",
        r.documents, r.added, r.updated, r.removed, r.unchanged
    );
}

/// A progress bar on a terminal; nothing when output goes to a file.
fn progress_bar(total: u64, what: &str) -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_message(what.to_string());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Build { .. }) {
        // Keep freed memory instead of handing it back to the system at
        // once: a build frees and reallocates hundreds of megabytes, and the
        // kernel zeroing fresh pages cost a third of the render time. Not
        // for `serve`, which should stay small while it runs.
        // SAFETY: sets a global option before any thread is started.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    } else {
        // Searches allocate and free the same buffers many times a second:
        // hand freed memory back after a second, not after 10 ms, so the
        // kernel is not zeroing fresh pages for every query.
        // SAFETY: as above.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1_000) };
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "vindplaats=info".into()),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Build {
            output,
            base_url,
            drafts,
            strict,
        } => {
            let options = BuildOptions {
                output_dir: output,
                base_url,
                include_drafts: drafts,
                memo: None,
            };
            let spinner = progress("building the site");
            let result = build::build(&cli.site, &options);
            if let Some(s) = spinner {
                s.finish_and_clear();
            }
            let report = result.with_context(|| format!("building {}", cli.site.display()))?;
            print_report(&report);
            if strict && !report.site.problems.is_empty() {
                anyhow::bail!("{} problem(s) found (--strict)", report.site.problems.len());
            }
        }
        Command::Publish { output, base_url } => {
            let output = output.unwrap_or_else(|| cli.site.join("public"));
            if !output.is_dir() {
                anyhow::bail!(
                    "{}: no built site here; run `zola build` (or `vindplaats build`) first",
                    output.display()
                );
            }
            let options = vindplaats::model::LoadOptions {
                base_url,
                include_drafts: false,
            };
            let done = build::publish_after_zola(&cli.site, &output, &options)?;
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
        }
        Command::Newsletter { month, output } => {
            if vindplaats::site::newsletter::parse_month(&month).is_none() {
                let shown: String = month.chars().take(40).collect();
                let more = if shown.len() < month.len() { "…" } else { "" };
                anyhow::bail!(
                    "--month {shown:?}{more}: expected a month as JJJJ-MM, such as 2021-04"
                );
            }
            let output = output.unwrap_or_else(|| cli.site.join("public"));
            let done = build::write_newsletter(&cli.site, &output, &month)?;
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
        }
        Command::Serve {
            bind,
            drafts,
            no_watch,
            index_dir,
            no_reindex,
            allow_host,
            public_url,
            editor,
            accounts,
            git_push,
            allow_loopback_submissions,
        } => {
            let on_index: serve::IndexObserver = Arc::new(|result| match result {
                Ok(r) => print_index_report(r),
                Err(e) => eprintln!("error: the search index was not updated: {e}"),
            });
            let options = ServeOptions {
                site_dir: cli.site.clone(),
                bind,
                include_drafts: drafts,
                watch: !no_watch,
                index_dir: index_dir.unwrap_or_else(|| search::index_dir_in(&cli.site)),
                reindex: !no_reindex,
                on_index,
                editor: editor.then(|| serve::beheer::EditorOptions {
                    accounts: accounts
                        .unwrap_or_else(|| vindplaats::accounts::default_path(&cli.site)),
                    secure: public_url
                        .as_deref()
                        .is_some_and(|u| u.starts_with("https://")),
                    push: git_push,
                }),
                allowed_hosts: allow_host,
                public_url,
                submission_loopback_ports: allow_loopback_submissions,
            };
            let on_build: serve::BuildObserver =
                Arc::new(|result: &Result<BuildReport, BuildError>| match result {
                    Ok(report) => print_report(report),
                    Err(e) => eprintln!("error: build failed: {e}"),
                });
            // More workers than searches may use: pages never wait for one.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(serve::search::worker_threads())
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(serve::serve(options, on_build, |addr| {
                println!("Serving the site on http://{addr}/ (Ctrl-C stops; changes rebuild it)");
            }))?;
        }
        Command::Index {
            meilisearch,
            index_dir,
            jsonl,
        } => {
            let started = std::time::Instant::now();
            let docs = match &jsonl {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    search::document::read_json_lines(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
                }
                None => search::site_documents(&cli.site)
                    .with_context(|| format!("reading the site in {}", cli.site.display()))?,
            };
            let synonyms_file = search::synonyms::path_in(&cli.site);
            let synonyms = search::Synonyms::load(&synonyms_file)?;
            eprintln!(
                "{} documents read in {:.1} s",
                docs.len(),
                started.elapsed().as_secs_f64()
            );
            match meilisearch {
                Some(url) => {
                    let key = std::env::var("MEILI_MASTER_KEY").map_err(|_| {
                        anyhow::anyhow!(
                            "MEILI_MASTER_KEY is not set: give the master key of {url} in the environment"
                        )
                    })?;
                    let backend = search::meili::Meilisearch::new(&url, &key, synonyms)?;
                    let runtime =
                        tokio::runtime::Runtime::new().context("starting the async runtime")?;
                    let (report, search_key) = runtime.block_on(async {
                        let report = backend
                            .reindex(&docs, &|step| eprintln!("meilisearch: {step}"))
                            .await?;
                        let key = backend.search_key().await?;
                        Ok::<_, search::meili::MeiliError>((report, key))
                    })?;
                    println!(
                        "Meilisearch {url}: {} documents in {} batches, swapped in as `{}` ({:.1} s)",
                        report.documents,
                        report.batches,
                        search::INDEX_UID,
                        started.elapsed().as_secs_f64()
                    );
                    println!("Search-only key for the site (safe to publish): {search_key}");
                    println!(
                        "Build the site with VINDPLAATS_SEARCH_URL={url} VINDPLAATS_SEARCH_KEY={search_key}"
                    );
                }
                None => {
                    let dir = index_dir.unwrap_or_else(|| search::index_dir_in(&cli.site));
                    let index = search::EmbeddedIndex::open(&dir, synonyms)?;
                    let bar = progress_bar(docs.len() as u64, "indexing");
                    let on_progress = |done: usize, total: usize| match &bar {
                        Some(bar) => bar.set_position(done as u64),
                        // Not a terminal (a log, a benchmark): a line now and then.
                        None if done.is_multiple_of(20_000)
                            || (done == total && total >= 20_000) =>
                        {
                            eprintln!("indexed {done} of {total} documents")
                        }
                        None => {}
                    };
                    let report = index.sync(&docs, &on_progress)?;
                    if let Some(bar) = bar {
                        bar.finish_and_clear();
                    }
                    print_index_report(&report);
                    println!(
                        "Index in {} ({:.1} s)",
                        dir.display(),
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        Command::Harvest {
            partner,
            source,
            allow_loopback,
            max_oai_pages,
        } => {
            let options = vindplaats::harvest::HarvestOptions {
                partner,
                source,
                policy: vindplaats::harvest::FetchPolicy {
                    allow_loopback,
                    ..Default::default()
                },
                max_oai_pages,
            };
            let bar = std::io::stderr().is_terminal().then(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(std::time::Duration::from_millis(100));
                bar.set_message("harvesting");
                bar
            });
            let on_source = |r: &vindplaats::harvest::SourceReport| {
                if let Some(bar) = &bar {
                    bar.set_message(format!("harvested {}", r.source));
                }
            };
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let report = runtime
                .block_on(vindplaats::harvest::harvest(
                    &cli.site, &options, &on_source,
                ))
                .with_context(|| format!("harvesting into {}", cli.site.display()))?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            print_harvest(&report);
        }
        Command::Editor { accounts, command } => {
            let path = accounts.unwrap_or_else(|| vindplaats::accounts::default_path(&cli.site));
            editor_cli::run(&path, command)?;
        }
        Command::Review { accounts, command } => {
            let path = accounts.unwrap_or_else(|| vindplaats::accounts::default_path(&cli.site));
            review_cli::run(&cli.site, &path, command)?;
        }
        Command::Partner { action } => partner(&cli.site, action)?,
        Command::Check { drafts } => {
            let options = BuildOptions {
                include_drafts: drafts,
                ..Default::default()
            };
            let collection =
                vindplaats::model::Collection::load(&cli.site, &options.load_options())?;
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
            if !library.problems.is_empty() {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}

fn progress(message: &'static str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(spinner)
}

fn print_harvest(report: &vindplaats::harvest::HarvestReport) {
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

fn print_report(full: &BuildReport) {
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
