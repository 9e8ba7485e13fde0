//! `vindplaats editor add|remove|passwd|list`: the accounts of `/beheer/`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use vindplaats::accounts::Accounts;

#[derive(Subcommand)]
pub enum EditorCommand {
    /// Add an editor; asks for the password (or reads it from stdin).
    Add {
        username: String,
        /// Shown in the UI; the author of their git commits.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove an editor.
    Remove { username: String },
    /// Set a new password.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the editors.
    List,
}

fn password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    let first = rpassword::prompt_password("Wachtwoord: ")?;
    let second = rpassword::prompt_password("Nog een keer: ")?;
    if first != second {
        anyhow::bail!("the two passwords differ");
    }
    Ok(first)
}

pub fn run(path: &Path, command: EditorCommand) -> anyhow::Result<ExitCode> {
    let mut accounts = Accounts::load(path)?;
    match command {
        EditorCommand::Add {
            username,
            name,
            email,
            password_stdin,
        } => {
            vindplaats::accounts::check_username(&username)?;
            let password = password(password_stdin)?;
            accounts.add(&username, &name, &email, &password)?;
            println!("Added editor {username} to {}", path.display());
        }
        EditorCommand::Remove { username } => {
            accounts.remove(&username)?;
            println!(
                "Removed editor {username} from {} (their sessions end when serve restarts)",
                path.display()
            );
        }
        EditorCommand::Passwd {
            username,
            password_stdin,
        } => {
            if accounts.get(&username).is_none() {
                anyhow::bail!("there is no editor named {username} in {}", path.display());
            }
            let password = password(password_stdin)?;
            accounts.set_password(&username, &password)?;
            println!("Changed the password of {username}");
        }
        EditorCommand::List => {
            if accounts.list().is_empty() {
                println!(
                    "No editors yet in {}; add one with `vindplaats editor add`",
                    path.display()
                );
            }
            for a in accounts.list() {
                println!("{}\t{} <{}>", a.username, a.name, a.email);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
