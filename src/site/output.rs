//! Writing the rendered site: a thin step. Everything goes into a staging
//! folder beside the output, which then replaces the output in two renames,
//! so a server reading `public/` never sees a half-written site.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use super::render::Output;
use crate::content::{Library, Problem};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A file to copy into the output: source on disk, path inside `public/`.
struct Copy {
    from: PathBuf,
    to: String,
}

/// Writes `outputs`, the static folders and the content's colocated assets
/// to `out_dir`. Returns the number of files written and the collisions
/// found (two outputs for one path: the first wins).
pub fn write_site(
    outputs: &[Output],
    static_dirs: &[PathBuf],
    site_dir: &Path,
    library: &Library,
    out_dir: &Path,
) -> Result<(usize, Vec<Problem>), OutputError> {
    let mut problems = Vec::new();
    let mut chosen: HashMap<&str, &Output> = HashMap::with_capacity(outputs.len());
    for output in outputs {
        if chosen.contains_key(output.path.as_str()) {
            problems.push(Problem::new(&output.path, "two outputs want this path (an alias or slug collides with a page); the first is kept"));
            continue;
        }
        chosen.insert(&output.path, output);
    }

    let mut copies: Vec<Copy> = Vec::new();
    for dir in static_dirs {
        if !dir.is_dir() {
            continue;
        }
        for entry in WalkDir::new(dir).into_iter().filter_map(Result::ok) {
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                let to = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                copies.retain(|c| c.to != to);
                copies.push(Copy {
                    from: entry.path().to_path_buf(),
                    to,
                });
            }
        }
    }
    let content_dir = site_dir.join("content");
    for page in library.pages.iter().filter(|p| p.meta.render) {
        for asset in &page.assets {
            let name = asset.rsplit('/').next().unwrap_or(asset);
            copies.push(Copy {
                from: content_dir.join(asset),
                to: format!("{}{name}", page.path.trim_start_matches('/')),
            });
        }
    }
    for section in library.sections.iter().filter(|s| s.meta.render) {
        for asset in &section.assets {
            let name = asset.rsplit('/').next().unwrap_or(asset);
            copies.push(Copy {
                from: content_dir.join(asset),
                to: format!("{}{name}", section.path.trim_start_matches('/')),
            });
        }
    }

    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = parent.join(format!(".{name}.building"));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    fs::create_dir_all(&staging).map_err(io(&staging))?;

    let mut dirs: Vec<PathBuf> = chosen
        .keys()
        .map(|p| p.to_string())
        .chain(copies.iter().map(|c| c.to.clone()))
        .filter_map(|p| Path::new(&p).parent().map(|d| staging.join(d)))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }

    chosen.par_iter().try_for_each(|(path, output)| {
        let target = staging.join(path);
        fs::write(&target, &output.body).map_err(io(&target))
    })?;
    copies.par_iter().try_for_each(|copy| {
        let target = staging.join(&copy.to);
        fs::copy(&copy.from, &target)
            .map(|_| ())
            .map_err(io(&copy.from))
    })?;

    let old = parent.join(format!(".{name}.old"));
    if old.exists() {
        fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    if out_dir.exists() {
        fs::rename(out_dir, &old).map_err(io(out_dir))?;
    }
    fs::rename(&staging, out_dir).map_err(io(out_dir))?;
    if old.exists() {
        fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok((chosen.len() + copies.len(), problems))
}
