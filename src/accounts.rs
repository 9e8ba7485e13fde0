//! Editor accounts: a TOML file of usernames, names, e-mail addresses (the
//! author of their git commits) and argon2id password hashes, managed with
//! `vindplaats editor add|remove|passwd` and read by `serve --editor`.
//!
//! The file holds no password, only its hash (PHC string, argon2id with a
//! random salt). It is written atomically, readable by its owner only.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};

use crate::content::write_atomic;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (hashing a megabyte is work for nothing).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The longest username, name and e-mail address.
const MAX_FIELD_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    #[error("there is already an editor named {0}")]
    Exists(String),
    #[error("there is no editor named {0}")]
    Unknown(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Write(#[from] crate::content::WriteError),
}

/// One editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub username: String,
    /// Shown in the UI and the author of their commits.
    pub name: String,
    pub email: String,
    /// argon2id, as a PHC string.
    pub hash: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "editor")]
    editors: Vec<Account>,
}

/// The accounts of one file.
#[derive(Debug, Clone)]
pub struct Accounts {
    path: PathBuf,
    editors: Vec<Account>,
}

/// A hash checked when the username is unknown, so that the answer takes
/// as long as for a known one; made once.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never valid").unwrap_or_default())
}

/// The accounts file of a site, unless one is named: outside `content/`,
/// `static/` and `public/`, and ignored by git.
pub fn default_path(site_dir: &Path) -> PathBuf {
    site_dir.join(".beheer").join("editors.toml")
}

impl Accounts {
    /// Reads `path`; a missing file is no accounts yet.
    pub fn load(path: &Path) -> Result<Accounts, AccountError> {
        let editors = match std::fs::read_to_string(path) {
            Ok(text) => {
                let file: File = toml::from_str(&text).map_err(|e| AccountError::Invalid {
                    path: path.to_path_buf(),
                    message: e.message().to_string(),
                })?;
                for account in &file.editors {
                    PasswordHash::new(&account.hash).map_err(|e| AccountError::Invalid {
                        path: path.to_path_buf(),
                        message: format!("editor {}: hash: {e}", account.username),
                    })?;
                }
                file.editors
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(AccountError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Ok(Accounts {
            path: path.to_path_buf(),
            editors,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn list(&self) -> &[Account] {
        &self.editors
    }

    pub fn get(&self, username: &str) -> Option<&Account> {
        self.editors.iter().find(|a| a.username == username)
    }

    pub fn add(
        &mut self,
        username: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<(), AccountError> {
        check_username(username)?;
        if self.get(username).is_some() {
            return Err(AccountError::Exists(username.to_string()));
        }
        let account = Account {
            username: username.to_string(),
            name: check_text("name", name)?,
            email: check_email(email)?,
            hash: hash_password(check_password(password)?)?,
        };
        self.editors.push(account);
        self.save()
    }

    pub fn remove(&mut self, username: &str) -> Result<(), AccountError> {
        let before = self.editors.len();
        self.editors.retain(|a| a.username != username);
        if self.editors.len() == before {
            return Err(AccountError::Unknown(username.to_string()));
        }
        self.save()
    }

    pub fn set_password(&mut self, username: &str, password: &str) -> Result<(), AccountError> {
        let hash = hash_password(check_password(password)?)?;
        let account = self
            .editors
            .iter_mut()
            .find(|a| a.username == username)
            .ok_or_else(|| AccountError::Unknown(username.to_string()))?;
        account.hash = hash;
        self.save()
    }

    /// The account, when `password` is its password. Takes as long for an
    /// unknown username (a decoy hash is checked).
    pub fn verify(&self, username: &str, password: &str) -> Option<&Account> {
        if password.len() > MAX_PASSWORD_BYTES {
            return None;
        }
        let account = self.get(username);
        let hash = account.map_or(decoy(), |a| a.hash.as_str());
        let parsed = PasswordHash::new(hash).ok()?;
        let valid = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        account.filter(|_| valid)
    }

    fn save(&self) -> Result<(), AccountError> {
        let file = File {
            editors: self.editors.clone(),
        };
        let text = toml::to_string(&file).map_err(|e| AccountError::Invalid {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let text = format!(
            "# Editors of /beheer/: managed with `vindplaats editor add|remove|passwd`.\n{text}"
        );
        write_atomic(&self.path, text.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(())
    }
}

fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Lower-case letters, digits, `.`, `_` and `-`, at most 64.
pub fn check_username(username: &str) -> Result<(), AccountError> {
    let valid = !username.is_empty()
        && username.len() <= 64
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(AccountError::Field {
            field: "username",
            message: format!(
                "{:?}: use 1 to 64 lower-case letters, digits, '.', '_' or '-'",
                username.chars().take(70).collect::<String>()
            ),
        })
    }
}

fn check_text(field: &'static str, text: &str) -> Result<String, AccountError> {
    let text = text.trim();
    if text.is_empty()
        || text.chars().count() > MAX_FIELD_CHARS
        || text.chars().any(char::is_control)
    {
        return Err(AccountError::Field {
            field,
            message: format!("give 1 to {MAX_FIELD_CHARS} characters, no control characters"),
        });
    }
    Ok(text.to_string())
}

fn check_email(email: &str) -> Result<String, AccountError> {
    let email = check_text("email", email)?;
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !email.contains(['<', '>', ' ', ','])
    });
    if valid {
        Ok(email)
    } else {
        Err(AccountError::Field {
            field: "email",
            message: format!("{email:?} is not an e-mail address"),
        })
    }
}

fn check_password(password: &str) -> Result<&str, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::Field {
            field: "password",
            message: format!(
                "give at least {MIN_PASSWORD_CHARS} characters (at most {MAX_PASSWORD_BYTES} bytes)"
            ),
        });
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_verify_change_and_remove() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".beheer/editors.toml");
        let mut accounts = Accounts::load(&path).unwrap();
        accounts
            .add(
                "anna",
                "Anna de Vries",
                "anna@kis.example",
                "correct paard batterij",
            )
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("$argon2id$"), "{text}");
        assert!(!text.contains("correct paard"), "no password in the file");

        let accounts = Accounts::load(&path).unwrap();
        assert_eq!(
            accounts
                .verify("anna", "correct paard batterij")
                .map(|a| a.name.as_str()),
            Some("Anna de Vries")
        );
        assert!(accounts.verify("anna", "fout wachtwoord!!").is_none());
        assert!(accounts.verify("bert", "correct paard batterij").is_none());

        let mut accounts = accounts;
        accounts
            .set_password("anna", "nieuw en lang genoeg")
            .unwrap();
        assert!(accounts.verify("anna", "correct paard batterij").is_none());
        assert!(Accounts::load(&path)
            .unwrap()
            .verify("anna", "nieuw en lang genoeg")
            .is_some());
        assert!(matches!(
            accounts.add("anna", "A", "a@b.nl", "lang genoeg wachtwoord"),
            Err(AccountError::Exists(_))
        ));
        accounts.remove("anna").unwrap();
        assert!(Accounts::load(&path).unwrap().list().is_empty());
        assert!(matches!(
            accounts.remove("anna"),
            Err(AccountError::Unknown(_))
        ));
    }

    #[test]
    fn bad_fields_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut accounts = Accounts::load(&dir.path().join("e.toml")).unwrap();
        let field = |r: Result<(), AccountError>| match r {
            Err(AccountError::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(accounts.add("Anna Bé", "A", "a@b.nl", "lang genoeg wachtwoord")),
            "username"
        );
        assert_eq!(
            field(accounts.add("anna", "A", "a@b.nl", "kort")),
            "password"
        );
        assert_eq!(
            field(accounts.add("anna", "A", "geen adres", "lang genoeg wachtwoord")),
            "email"
        );
        assert_eq!(
            field(accounts.add("anna", "A\nB", "a@b.nl", "lang genoeg wachtwoord")),
            "name"
        );
        assert!(accounts.list().is_empty());
    }

    #[test]
    fn a_broken_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.toml");
        std::fs::write(
            &path,
            "[[editor]]\nusername = \"a\"\nname = \"A\"\nemail = \"a@b.nl\"\nhash = \"plain\"\n",
        )
        .unwrap();
        let err = Accounts::load(&path).unwrap_err().to_string();
        assert!(err.contains("e.toml") && err.contains("hash"), "{err}");
    }
}
