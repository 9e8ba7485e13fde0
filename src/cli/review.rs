//! `vindplaats review list|show|approve|reject|tag`: the review queue for
//! scripts, through the same functions as `/beheer/`.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use vindplaats::accounts::Accounts;
use vindplaats::model::TaxonomyRules;
use vindplaats::review::{self, Author, Change, Filter, ItemId, Queue, Show, Tag};

#[derive(Subcommand)]
pub enum ReviewCommand {
    /// List the queue (drafts and flagged items), newest first.
    List {
        /// open (default), gemarkeerd or afgewezen.
        #[arg(long, default_value = "open")]
        show: String,
        #[arg(long)]
        partner: Option<String>,
        /// A suggested or chosen theme.
        #[arg(long)]
        thema: Option<String>,
        #[arg(long = "type")]
        kind: Option<String>,
        /// From this date (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        until: Option<String>,
        /// Words in the title, summary or partner.
        #[arg(long, short)]
        query: Option<String>,
        /// Page of 50 (from 1).
        #[arg(long, default_value_t = 1)]
        page: usize,
    },
    /// Show one item, with the upstream values of a flagged field.
    Show { id: String },
    /// Publish items (the suggested themes when none are chosen).
    Approve {
        ids: Vec<String>,
        #[command(flatten)]
        who: Who,
    },
    /// Reject items; they stay rejected on re-harvest.
    Reject {
        ids: Vec<String>,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: Who,
    },
    /// Add themes or programmalijnen, or set the type.
    Tag {
        ids: Vec<String>,
        #[arg(long)]
        thema: Vec<String>,
        #[arg(long)]
        programmalijn: Vec<String>,
        #[arg(long = "type")]
        kind: Option<String>,
        #[command(flatten)]
        who: Who,
    },
}

#[derive(clap::Args)]
pub struct Who {
    /// The editor (from the accounts file) the git commit is by; default
    /// the git user.
    #[arg(long = "as", value_name = "USERNAME")]
    editor: Option<String>,
}

fn git_config(site: &Path, key: &str) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(site)
        .args(["config", key])
        .output()
        .ok()?;
    let value = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !value.is_empty()).then_some(value)
}

fn author(site: &Path, accounts: &Path, who: &Who) -> anyhow::Result<Author> {
    if let Some(username) = &who.editor {
        let accounts = Accounts::load(accounts)?;
        let account = accounts.get(username).ok_or_else(|| {
            anyhow::anyhow!(
                "there is no editor named {username} in {}",
                accounts.path().display()
            )
        })?;
        return Ok(Author {
            name: account.name.clone(),
            email: account.email.clone(),
        });
    }
    Ok(Author {
        name: git_config(site, "user.name").unwrap_or_else(|| "vindplaats".into()),
        email: git_config(site, "user.email").unwrap_or_else(|| "vindplaats@localhost".into()),
    })
}

fn rules(site: &Path) -> anyhow::Result<TaxonomyRules> {
    let config = vindplaats::content::SiteConfig::load(&site.join("config.toml"))?;
    TaxonomyRules::of_site(site, &config.extra).map_err(|e| anyhow::anyhow!("config.toml: {e}"))
}

fn open_queue(site: &Path) -> Queue {
    let mut queue = Queue::new(&site.join("content"));
    queue.refresh();
    for u in queue.unreadable() {
        eprintln!("warning: content/{}: {}", u.relative_path, u.message);
    }
    queue
}

/// Applies `change` to each id; says what became of each; fails when any
/// failed.
fn each(site: &Path, ids: &[String], change: Change, author: &Author) -> anyhow::Result<()> {
    if ids.is_empty() {
        anyhow::bail!("name one or more items (their ids, from `vindplaats review list`)");
    }
    let rules = rules(site)?;
    let queue = open_queue(site);
    let mut failed = 0;
    for id in ids {
        let item = ItemId::parse(id).and_then(|i| queue.get(&i));
        let Some(item) = item else {
            eprintln!("error: {id}: no such publication");
            failed += 1;
            continue;
        };
        match review::apply(
            queue.content_dir(),
            &rules,
            &item.relative_path,
            &item.version,
            std::slice::from_ref(&change),
            author,
        ) {
            Ok(applied) => println!(
                "{id}: done{}",
                applied
                    .commit
                    .map(|c| format!(" (commit {})", c.get(..10).unwrap_or(&c)))
                    .unwrap_or_default()
            ),
            Err(e) => {
                eprintln!("error: {id}: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} item(s) not changed", ids.len());
    }
    Ok(())
}

pub fn run(site: &Path, accounts: &Path, command: ReviewCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReviewCommand::List {
            show,
            partner,
            thema,
            kind,
            from,
            until,
            query,
            page,
        } => {
            let show = Show::parse(&show)
                .ok_or_else(|| anyhow::anyhow!("--show: use open, gemarkeerd or afgewezen"))?;
            let queue = open_queue(site);
            let filter = Filter {
                show,
                partner,
                theme: thema,
                kind,
                from,
                until,
                text: query,
            };
            let listing = queue.look(&filter, page);
            for item in &listing.items {
                println!(
                    "{}\t{}\t{:?}{}\t{}\t{}",
                    item.id,
                    item.date.as_deref().unwrap_or("-"),
                    item.status,
                    if item.flagged { " flagged" } else { "" },
                    item.partners.join(", "),
                    item.title
                );
            }
            eprintln!(
                "{} item(s); page {} of {}",
                listing.total, listing.page, listing.pages
            );
        }
        ReviewCommand::Show { id } => {
            let queue = open_queue(site);
            let item = ItemId::parse(&id)
                .and_then(|i| queue.get(&i))
                .ok_or_else(|| anyhow::anyhow!("{id}: no such publication"))?;
            println!("id:          {}", item.id);
            println!("file:        content/{}", item.relative_path);
            println!("version:     {}", item.version);
            println!(
                "status:      {:?}{}",
                item.status,
                if item.flagged { " (flagged)" } else { "" }
            );
            println!("title:       {}", item.title);
            println!("summary:     {}", item.description);
            println!("date:        {}", item.date.as_deref().unwrap_or("-"));
            println!("partner:     {}", item.partners.join(", "));
            println!("type:        {}", item.types.join(", "));
            println!("themes:      {}", item.themes.join(", "));
            println!("lines:       {}", item.programmalijnen.join(", "));
            println!(
                "suggested:   {} | {}",
                item.suggested_themes.join(", "),
                item.suggested_programmalijnen.join(", ")
            );
            if let Some(r) = &item.rejection_reason {
                println!("rejected:    {r}");
            }
            for note in &item.notes {
                println!("note:        {note}");
            }
            for (field, shown, upstream) in
                review::edit::flagged_values(queue.content_dir(), &item.relative_path)?
            {
                println!("{}: shown    {shown}", field.key());
                println!("{}: upstream {upstream}", field.key());
            }
        }
        ReviewCommand::Approve { ids, who } => {
            each(site, &ids, Change::Approve, &author(site, accounts, &who)?)?;
        }
        ReviewCommand::Reject { ids, reason, who } => {
            each(
                site,
                &ids,
                Change::Reject { reason },
                &author(site, accounts, &who)?,
            )?;
        }
        ReviewCommand::Tag {
            ids,
            thema,
            programmalijn,
            kind,
            who,
        } => {
            if thema.is_empty() && programmalijn.is_empty() && kind.is_none() {
                anyhow::bail!("give --thema, --programmalijn or --type");
            }
            let tag = Tag {
                themes: thema,
                programmalijnen: programmalijn,
                kind,
            };
            each(site, &ids, Change::Tag(tag), &author(site, accounts, &who)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
