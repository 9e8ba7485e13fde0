//! Whether the files the last build wrote are still in the output folder
//! as it wrote them, told by their folders.
//!
//! A rebuild keeps most outputs, and must not keep one that is gone. Asking
//! the file system for each kept file was about 50,000 `stat` calls a
//! rebuild at 10,000 publications. A folder's modification time changes
//! whenever a file in it is added, removed or renamed, so a folder whose
//! time is the one recorded after the last build still holds the files the
//! memo knows in it: one `stat` a folder instead of one a file. Files in
//! other folders are looked at one by one.
//!
//! What this does not see: a file rewritten in place by something else
//! (its folder's time does not change), and a file removed from a folder
//! while a build is writing into that same folder (the time recorded after
//! the build includes the removal). Both need another program writing into
//! `public/` while `serve` owns it; the next change to that folder, or a
//! build without a memo, puts them right.

use crate::content::fingerprint::{FastMap, FastSet};
use std::path::Path;
use std::time::SystemTime;

use rayon::prelude::*;

/// Each folder of the output (relative, `""` for the top) and its
/// modification time after the last build.
#[derive(Debug, Default, Clone)]
pub(super) struct FolderTimes(FastMap<String, SystemTime>);

/// The folder of a relative output path: `a/b/c.html` → `a/b`.
pub(super) fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

fn modified(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir).and_then(|m| m.modified()).ok()
}

/// What the output folder holds of the last build's files.
#[derive(Debug)]
pub(super) struct Present<'a> {
    out_dir: &'a Path,
    /// Folders unchanged since the last build recorded their time.
    unchanged: FastSet<String>,
}

impl<'a> Present<'a> {
    /// Looks at every folder `times` knows (one `stat` each, in parallel).
    pub fn new(out_dir: &'a Path, times: Option<&FolderTimes>) -> Present<'a> {
        let unchanged = times
            .map(|t| {
                t.0.par_iter()
                    .filter(|(folder, then)| modified(&out_dir.join(folder)) == Some(**then))
                    .map(|(folder, _)| folder.clone())
                    .collect()
            })
            .unwrap_or_default();
        Present { out_dir, unchanged }
    }

    /// Whether the file at `path`, which the last build wrote with `len`
    /// bytes, is still there.
    pub fn has(&self, path: &str, len: u64) -> bool {
        if self.unchanged.contains(folder_of(path)) {
            return true;
        }
        std::fs::metadata(self.out_dir.join(path)).is_ok_and(|m| m.len() == len)
    }

    /// The folders' times for the next build, after this one wrote its
    /// `files` and added to or removed from the folders in `touched`. A
    /// folder unchanged before this build and untouched by it keeps its
    /// time; the others are looked at again, and left out when gone.
    ///
    /// With the last build's times, the folders are those it knew and the
    /// touched ones: a file of this build is either kept from the last
    /// (its folder known then) or written now (its folder touched). Only
    /// the first build goes through every file.
    pub fn next_times(
        &self,
        previous: Option<&FolderTimes>,
        files: &FastSet<String>,
        touched: &FastSet<String>,
    ) -> FolderTimes {
        let folders: FastSet<&str> = match previous {
            Some(p) => p.0.keys().chain(touched).map(String::as_str).collect(),
            None => files.iter().map(|f| folder_of(f)).collect(),
        };
        let times = folders
            .into_par_iter()
            .filter_map(|folder| {
                let kept = previous
                    .filter(|_| self.unchanged.contains(folder) && !touched.contains(folder))
                    .and_then(|p| p.0.get(folder).copied());
                let time = kept.or_else(|| modified(&self.out_dir.join(folder)))?;
                Some((folder.to_string(), time))
            })
            .collect();
        FolderTimes(times)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past the file system's clock tick, so that a change has a new time.
    fn tick() {
        std::thread::sleep(std::time::Duration::from_millis(30));
    }

    #[test]
    fn a_file_removed_is_seen_by_its_folder_and_kept_folders_answer_for_their_files() {
        let out = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(out.path().join("a/b")).unwrap();
        for f in ["index.html", "a/b/x.html", "a/b/y.html"] {
            std::fs::write(out.path().join(f), "12345").unwrap();
        }
        let files: FastSet<String> = ["index.html", "a/b/x.html", "a/b/y.html"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let none = Present::new(out.path(), None);
        assert!(none.has("a/b/x.html", 5));
        assert!(!none.has("a/b/x.html", 4));
        assert!(!none.has("a/b/z.html", 5));
        let times = none.next_times(None, &files, &FastSet::default());
        assert_eq!(times.0.len(), 2);

        // Nothing changed: the folders answer, even for a length no file
        // has (the memo's own record is trusted).
        let present = Present::new(out.path(), Some(&times));
        assert!(present.has("a/b/x.html", 5));
        assert!(present.has("a/b/x.html", 4));

        // A file removed changes its folder's time: its files are then
        // looked at one by one.
        tick();
        std::fs::remove_file(out.path().join("a/b/y.html")).unwrap();
        let present = Present::new(out.path(), Some(&times));
        assert!(present.has("a/b/x.html", 5));
        assert!(!present.has("a/b/y.html", 5));
        assert!(present.has("index.html", 5) && present.unchanged.contains(""));

        // The times recorded after that build see the folder as it is now.
        let after = present.next_times(Some(&times), &files, &FastSet::default());
        let present = Present::new(out.path(), Some(&after));
        assert!(present.unchanged.contains("a/b"));

        // A folder this build wrote into is looked at again.
        tick();
        std::fs::write(out.path().join("a/b/y.html"), "12345").unwrap();
        let touched: FastSet<String> = ["a/b".to_string()].into_iter().collect();
        let again = present.next_times(Some(&after), &files, &touched);
        assert_ne!(again.0.get("a/b"), after.0.get("a/b"));
        assert!(Present::new(out.path(), Some(&again))
            .unchanged
            .contains("a/b"));
    }

    #[test]
    fn folders_of_paths() {
        assert_eq!(folder_of("index.html"), "");
        assert_eq!(folder_of("a/index.html"), "a");
        assert_eq!(folder_of("a/b/c.json"), "a/b");
    }
}
