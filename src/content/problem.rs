//! A problem found in the site's input: one line naming the file (and field)
//! at fault. Problems are collected, not thrown, so one bad file never stops
//! the rest of the site from building.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file at fault, relative to the site directory (`content/x.md`).
    pub file: PathBuf,
    /// The front-matter field at fault, when there is one (`date`, `taxonomies.thema`).
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn new(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Problem {
            file: file.as_ref().to_path_buf(),
            field: None,
            message: message.into(),
        }
    }

    pub fn field(
        file: impl AsRef<Path>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.as_ref().to_path_buf(),
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {}: {}", self.file.display(), field, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}
