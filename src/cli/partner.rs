//! `vindplaats partner list|approve|reject`: partners' feed submissions
//! waiting for an editor.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use vindplaats::submission;

#[derive(Subcommand)]
pub enum PartnerAction {
    /// List the pending submissions (harvesters/pending/).
    List,
    /// Register a pending submission as a partner (harvesters/<slug>.toml)
    /// with its page (content/partners/<slug>.md).
    Approve { slug: String },
    /// Remove a pending submission.
    Reject { slug: String },
}

/// `vindplaats partner list|approve|reject`.
pub fn run(site: &Path, action: PartnerAction) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}
