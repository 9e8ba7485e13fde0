//! The command line of `vindplaats`: what each command and flag is (clap),
//! and one module per command family with a small function per command
//! that calls the library and prints its report. No behaviour of its own.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub mod editor;
pub mod harvest;
pub mod index;
pub mod partner;
pub mod progress;
pub mod review;
pub mod serve;
pub mod site;

#[derive(Parser)]
#[command(
    name = "vindplaats",
    version,
    about = "De centrale vindplaats: build, serve and check the KIS site"
)]
pub struct Cli {
    /// The site directory (holds config.toml, content/, themes/, harvesters/).
    #[arg(long, global = true, default_value = ".", env = "VINDPLAATS_SITE")]
    pub site: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Render the site into public/ and print a summary.
    Build(site::BuildArgs),
    /// Write the JSON API, its OpenAPI description and the feeds into a
    /// site that `zola build` made (production on Netlify); `build` does
    /// this itself.
    Publish(site::PublishArgs),
    /// Write the monthly newsletter (every month's page and e-mail, and the
    /// archive) into the built site and print where one month's are.
    Newsletter(site::NewsletterArgs),
    /// Build, then serve the site and rebuild on changes.
    Serve(serve::ServeArgs),
    /// Manage the accounts of the review queue (/beheer/).
    Editor {
        /// The accounts file (default <site>/.beheer/editors.toml).
        #[arg(long, env = "VINDPLAATS_ACCOUNTS", value_name = "FILE")]
        accounts: Option<PathBuf>,
        #[command(subcommand)]
        command: editor::EditorCommand,
    },
    /// The review queue on the command line: list, show, approve, reject, tag.
    Review {
        /// The accounts file, for --as (default <site>/.beheer/editors.toml).
        #[arg(long, env = "VINDPLAATS_ACCOUNTS", value_name = "FILE")]
        accounts: Option<PathBuf>,
        #[command(subcommand)]
        command: review::ReviewCommand,
    },
    /// Partners' feed submissions waiting for an editor.
    Partner {
        #[command(subcommand)]
        action: partner::PartnerAction,
    },
    /// Build or update the search index: the embedded one (default) or,
    /// with --meilisearch, a Meilisearch server.
    Index(index::IndexArgs),
    /// Load the content and report every problem, without writing anything.
    Check(site::CheckArgs),
    /// Harvest partner feeds and OAI-PMH repositories into draft publications.
    Harvest(harvest::HarvestArgs),
}

/// A tokio runtime for one command's async work.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Runtime::new().context("starting the async runtime")
}
