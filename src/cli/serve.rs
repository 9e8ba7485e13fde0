//! `vindplaats serve`: builds the site, serves it with its search API and
//! rebuilds on changes, printing each build's and each reindex's report.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use vindplaats::build::{Error as BuildError, Report as BuildReport};
use vindplaats::search;
use vindplaats::serve::{self, ServeOptions};

use super::index::print_index_report;
use super::site::print_report;

#[derive(Args)]
pub struct ServeArgs {
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
}

/// `vindplaats serve`: runs until stopped.
pub fn run(site: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let on_index: serve::IndexObserver = Arc::new(|result| match result {
        Ok(r) => print_index_report(r),
        Err(e) => eprintln!("error: the search index was not updated: {e}"),
    });
    let options = ServeOptions {
        site_dir: site.to_path_buf(),
        bind: args.bind,
        include_drafts: args.drafts,
        watch: !args.no_watch,
        index_dir: args.index_dir.unwrap_or_else(|| search::index_dir_in(site)),
        reindex: !args.no_reindex,
        on_index,
        editor: args.editor.then(|| serve::beheer::EditorOptions {
            accounts: args
                .accounts
                .unwrap_or_else(|| vindplaats::accounts::default_path(site)),
            secure: args
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            push: args.git_push,
        }),
        allowed_hosts: args.allow_host,
        public_url: args.public_url,
        submission_loopback_ports: args.allow_loopback_submissions,
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
    Ok(ExitCode::SUCCESS)
}
