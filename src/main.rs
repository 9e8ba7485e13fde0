//! The `vindplaats` command: parses arguments, calls the library, prints
//! reports. All behaviour lives in the library; [`cli`] holds what each
//! command and flag is, and one small function per command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::{editor, harvest, index, partner, review, serve, site, Cli, Command};

// Rendering copies many small JSON values; mimalloc handles that churn
// markedly better than the system allocator on two cores.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the mimalloc v2 that libmimalloc-sys builds
/// (its `mimalloc.h`); the Rust bindings do not name it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    tune_allocator(&cli.command);
    start_logging();
    let site = cli.site.as_path();
    match cli.command {
        Command::Build(args) => site::build(site, args),
        Command::Publish(args) => site::publish(site, args),
        Command::Newsletter(args) => site::newsletter(site, args),
        Command::Check(args) => site::check(site, args),
        Command::Serve(args) => serve::run(site, args),
        Command::Index(args) => index::run(site, args),
        Command::Harvest(args) => harvest::run(site, args),
        Command::Partner { action } => partner::run(site, action),
        Command::Editor { accounts, command } => {
            editor::run(&accounts_file(site, accounts), command)
        }
        Command::Review { accounts, command } => {
            review::run(site, &accounts_file(site, accounts), command)
        }
    }
}

/// The editors' accounts file: as given, or the site's own.
fn accounts_file(site: &Path, given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| vindplaats::accounts::default_path(site))
}

fn tune_allocator(command: &Command) {
    if matches!(command, Command::Build(_)) {
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
}

/// Logs on standard error, `vindplaats=info` unless `RUST_LOG` says more.
fn start_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "vindplaats=info".into()),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}
