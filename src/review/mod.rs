//! Editorial review of publications: the queue of drafts and flagged items
//! ([`queue`]), the changes an editor makes to one ([`edit`]) or to a
//! dossier ([`dossier`]), the diff of a flagged field ([`diff`]), and the
//! git commit of each change ([`git`]).
//!
//! The same functions serve `/beheer/` in `serve --editor` and
//! `vindplaats review`. Every change:
//!
//! - checks the file's version (a hash of its bytes) against the one the
//!   editor saw, so that of two editors changing one item the second gets
//!   a conflict, never a lost edit;
//! - edits the front matter with toml_edit, so the rest of the file stays as
//!   it was, and writes it atomically;
//! - is one git commit with the editor as author when `content/` is in a
//!   git repository.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub mod diff;
pub mod dossier;
pub mod edit;
pub mod git;
pub mod queue;

pub use edit::{apply, Applied, Change, Edit, FlagField, Tag};
pub use queue::{Filter, Listing, Queue, QueueItem, Show};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
    /// Someone else changed the file since the editor read it.
    #[error("{path}: changed since it was read (version {expected}, now {found}); read it again")]
    Conflict {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{0}: no such item")]
    Unknown(String),
    #[error("{field}: {message}")]
    Refused { field: String, message: String },
    #[error(transparent)]
    Write(#[from] crate::content::WriteError),
    #[error("{path}: cannot lock for writing: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("git: {0}")]
    Git(String),
}

/// Who makes a change: the author of its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// A publication's id in the queue and in `/beheer/items/<id>/`: its file
/// name without `.md`, or its bundle's folder name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(String);

impl ItemId {
    /// The id of `publicaties/<id>.md` or `publicaties/<id>/index.md`.
    pub fn of_path(relative_path: &str) -> Option<ItemId> {
        let rest = relative_path.strip_prefix("publicaties/")?;
        let id = rest
            .strip_suffix("/index.md")
            .or_else(|| rest.strip_suffix(".md"))?;
        let valid = !id.is_empty() && !id.contains('/') && !id.starts_with(['_', '.']);
        valid.then(|| ItemId(id.to_string()))
    }

    /// An id as given (a URL, the command line); only ids the queue holds
    /// ever reach a file.
    pub fn parse(text: &str) -> Option<ItemId> {
        let valid = !text.is_empty()
            && text.len() <= 255
            && !text.contains(['/', '\\', '\0'])
            && !text.starts_with('.');
        valid.then(|| ItemId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ItemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The version of a file's bytes: what an editor saw.
pub fn file_version(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Refuses a change to `path` when its bytes are no longer the version
/// the editor saw.
pub(crate) fn check_version(path: &Path, bytes: &[u8], expected: &str) -> Result<(), ReviewError> {
    let found = file_version(bytes);
    if found == expected {
        return Ok(());
    }
    Err(ReviewError::Conflict {
        path: path.to_path_buf(),
        expected: expected.chars().take(64).collect(),
        found,
    })
}

/// One writer at a time over a site's content, across threads and
/// processes (`serve --editor` and `vindplaats review` at once): an
/// exclusive lock on `.beheer/review.lock`, held while a change is checked
/// and written.
pub struct WriteLock {
    _file: std::fs::File,
    _guard: std::sync::MutexGuard<'static, ()>,
}

static IN_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn lock(site_dir: &Path) -> Result<WriteLock, ReviewError> {
    let guard = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let path = site_dir.join(".beheer").join("review.lock");
    let io = |source| ReviewError::Lock {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(path.parent().unwrap_or(site_dir)).map_err(io)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io)?;
    file.lock().map_err(io)?;
    Ok(WriteLock {
        _file: file,
        _guard: guard,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_file_names_and_never_hold_a_path() {
        assert_eq!(
            ItemId::of_path("publicaties/a-b/index.md").map(|i| i.0),
            Some("a-b".into())
        );
        assert_eq!(
            ItemId::of_path("publicaties/c.md").map(|i| i.0),
            Some("c".into())
        );
        assert!(ItemId::of_path("publicaties/_index.md").is_none());
        assert!(ItemId::of_path("dossiers/c.md").is_none());
        assert!(ItemId::of_path("publicaties/a/b/index.md").is_none());
        for bad in ["", "../x", "a/b", ".git", "a\\b", "a\0"] {
            assert!(ItemId::parse(bad).is_none(), "{bad:?}");
        }
        assert!(ItemId::parse("ok-1").is_some());
    }
}
