//! One commit per change, with the editor as author, when the content
//! folder is in a git repository: the `git` command line, nothing
//! hand-written. Only the changed files are committed, whatever else is
//! staged.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Author, ReviewError};

/// The top of the repository `content_dir` is in, if it is in one.
pub fn repository(content_dir: &Path) -> Option<PathBuf> {
    let output = Command::new("git")
        .arg("-C")
        .arg(content_dir)
        .args(["rev-parse", "--show-toplevel"])
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let top = String::from_utf8(output.stdout).ok()?;
    Some(PathBuf::from(top.trim_end_matches(['\n', '\r'])))
}

fn run(repo: &Path, args: &[&std::ffi::OsStr]) -> Result<String, ReviewError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| ReviewError::Git(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(ReviewError::Git(format!(
            "git {}: {}",
            args.first()
                .map(|a| a.to_string_lossy())
                .unwrap_or_default(),
            stderr.trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Commits `paths` as `author`; `None` when the content is not in git.
/// The committer is the repository's own user, or vindplaats when it has
/// none.
pub fn commit(
    content_dir: &Path,
    paths: &[PathBuf],
    message: &str,
    author: &Author,
) -> Result<Option<String>, ReviewError> {
    let Some(repo) = repository(content_dir) else {
        return Ok(None);
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    let mut add: Vec<std::ffi::OsString> = vec![os("add"), os("--")];
    add.extend(paths.iter().map(|p| p.clone().into_os_string()));
    let add_refs: Vec<&std::ffi::OsStr> = add.iter().map(|a| a.as_os_str()).collect();
    run(&repo, &add_refs)?;
    let has_user = run(
        &repo,
        &[std::ffi::OsStr::new("config"), "user.email".as_ref()],
    )
    .is_ok();
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    if !has_user {
        args.extend([
            os("-c"),
            os("user.name=vindplaats"),
            os("-c"),
            os("user.email=vindplaats@localhost"),
        ]);
    }
    // Names and addresses were checked for the accounts file; angle
    // brackets cannot reach the author line.
    let name: String = author
        .name
        .chars()
        .filter(|c| !"<>\n".contains(*c))
        .collect();
    let email: String = author
        .email
        .chars()
        .filter(|c| !"<>\n ".contains(*c))
        .collect();
    args.extend([
        os("commit"),
        os("--quiet"),
        os("--no-verify"),
        os("-m"),
        os(message),
        os(&format!("--author={name} <{email}>")),
        os("--"),
    ]);
    args.extend(paths.iter().map(|p| p.clone().into_os_string()));
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run(&repo, &refs)?;
    let head = run(&repo, &["rev-parse".as_ref(), "HEAD".as_ref()])?;
    Ok(Some(head))
}

/// Pushes the repository of `content_dir` to its upstream, so that the
/// deploy follows the commits.
pub fn push(content_dir: &Path) -> Result<(), ReviewError> {
    let Some(repo) = repository(content_dir) else {
        return Ok(());
    };
    run(&repo, &["push".as_ref(), "--quiet".as_ref()]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn commits_only_the_changed_file_as_the_editor() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(content.join("a.md"), "a").unwrap();
        std::fs::write(content.join("other.md"), "staged, not ours").unwrap();
        git(dir.path(), &["add", "content/other.md"]);
        let head = commit(
            &content,
            &[content.join("a.md")],
            "Beheer: \"A\" goedgekeurd",
            &Author {
                name: "Anna de Vries".into(),
                email: "anna@kis.example".into(),
            },
        )
        .unwrap()
        .expect("a commit");
        let log = git(dir.path(), &["log", "-1", "--format=%an <%ae>|%s", &head]);
        assert_eq!(
            log.trim(),
            "Anna de Vries <anna@kis.example>|Beheer: \"A\" goedgekeurd"
        );
        let files = git(dir.path(), &["show", "--name-only", "--format=", &head]);
        assert_eq!(files.trim(), "content/a.md");
        let status = git(dir.path(), &["status", "--porcelain"]);
        assert!(status.contains("A  content/other.md"), "{status}");
    }

    #[test]
    fn pushes_to_the_upstream() {
        let dir = tempfile::tempdir().unwrap();
        let remote = dir.path().join("remote.git");
        let work = dir.path().join("work");
        git(
            dir.path(),
            &["init", "-q", "--bare", remote.to_str().unwrap()],
        );
        git(
            dir.path(),
            &[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                work.to_str().unwrap(),
            ],
        );
        let content = work.join("content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(content.join("a.md"), "a").unwrap();
        let author = Author {
            name: "A".into(),
            email: "a@kis.example".into(),
        };
        let head = commit(&content, &[content.join("a.md")], "m", &author)
            .unwrap()
            .unwrap();
        git(&work, &["push", "-q", "-u", "origin", "HEAD"]);
        std::fs::write(content.join("a.md"), "b").unwrap();
        let next = commit(&content, &[content.join("a.md")], "m2", &author)
            .unwrap()
            .unwrap();
        assert_ne!(head, next);
        push(&content).unwrap();
        assert_eq!(git(&remote, &["rev-parse", "HEAD"]).trim(), next);
    }

    #[test]
    fn outside_git_nothing_happens() {
        let dir = tempfile::tempdir().unwrap();
        let out = commit(
            dir.path(),
            &[],
            "x",
            &Author {
                name: "A".into(),
                email: "a@b.nl".into(),
            },
        );
        assert!(matches!(out, Ok(None)), "{out:?}");
    }
}
