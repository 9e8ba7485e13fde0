//! Writing the rendered site: a thin step. Files whose bytes are already
//! there are left alone, changed files are replaced atomically (temporary
//! file, then rename), and files no longer produced are removed. A rebuild
//! therefore touches only what changed, and a server reading `public/`
//! never sees half a file.

use std::collections::HashMap;

use crate::content::fingerprint::{of_bytes, FastMap, FastSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use super::memo::{Fp, RenderMemo};
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

/// What a write leaves: the number of files, the collisions found (two
/// outputs for one path: the first wins), every file now in the output
/// folder, and the length and fingerprint of each extra file.
pub struct Written {
    /// Files the site has (rendered, kept, copied, extra).
    pub files: usize,
    /// Outputs that wanted a path another already had.
    pub collisions: Vec<Problem>,
    /// Every file of this build, relative to the output folder.
    pub paths: FastSet<String>,
    /// The extra files' lengths and fingerprints, for the next build.
    pub extra_fps: FastMap<String, (u64, Fp)>,
    /// The folders a file was written into or removed from.
    pub touched: FastSet<String>,
}

/// Whether an output kept from the last build shares its path with another.
pub fn kept_collides(outputs: &[Output]) -> bool {
    let mut seen: HashMap<&str, bool> = HashMap::with_capacity(outputs.len());
    for o in outputs {
        let kept = o.body.is_none();
        if let Some(other_kept) = seen.insert(o.path.as_str(), kept) {
            if kept || other_kept {
                return true;
            }
        }
    }
    false
}

/// Writes the rendered outputs of a rebuild at once, before the extra
/// files are made, so that `serve` answers with an edited page as soon as
/// it is rendered. Of two outputs for one path only the first is written, as
/// [`write_site`] does. A written output is left without its body (on
/// disk, as a kept one); returns the paths it wrote for [`write_site`].
pub fn write_rendered(outputs: &mut [Output], out_dir: &Path) -> Result<Vec<String>, OutputError> {
    let mut seen: FastSet<&str> = FastSet::default();
    let first: Vec<bool> = outputs
        .iter()
        .map(|o| seen.insert(o.path.as_str()))
        .collect();
    let written: Vec<Option<String>> = outputs
        .par_iter_mut()
        .zip(first)
        .filter(|(o, first)| *first && o.body.is_some())
        .map(|(o, _)| {
            let body = o.body.take().unwrap_or_default();
            Ok(put(&out_dir.join(&o.path), body.as_bytes())?.then(|| o.path.clone()))
        })
        .collect::<Result<_, OutputError>>()?;
    Ok(written.into_iter().flatten().collect())
}

/// Writes outputs into the output folder as they are rendered (a build
/// without a memo; see [`super::render::Sink`]): each file is put as
/// [`write_site`] would put it, and of two outputs for one path the first in
/// the order of outputs ends up on disk, whichever is rendered first.
pub struct Streamer {
    out_dir: PathBuf,
    /// Path → the place of the output written there, in stripes so that
    /// the rendering threads seldom wait for each other. An output is
    /// written while its stripe is held, so the first output always wins.
    claims: Vec<std::sync::Mutex<HashMap<String, (usize, usize)>>>,
    written: std::sync::atomic::AtomicUsize,
    error: std::sync::Mutex<Option<OutputError>>,
}

impl Streamer {
    pub fn new(out_dir: &Path) -> Result<Streamer, OutputError> {
        fs::create_dir_all(out_dir).map_err(io(out_dir))?;
        Ok(Streamer {
            out_dir: out_dir.to_path_buf(),
            claims: (0..64).map(|_| Default::default()).collect(),
            written: Default::default(),
            error: Default::default(),
        })
    }

    /// Puts `output` unless an output before it wants its path too.
    pub fn put(&self, place: (usize, usize), output: &Output) {
        let Some(body) = &output.body else {
            return;
        };
        let stripe = of_bytes(output.path.as_bytes()) as usize % self.claims.len();
        let Some(claims) = self.claims.get(stripe) else {
            return;
        };
        let mut claims = claims.lock().unwrap_or_else(|e| e.into_inner());
        if claims.get(&output.path).is_some_and(|first| *first < place) {
            return;
        }
        claims.insert(output.path.clone(), place);
        match put(&self.out_dir.join(&output.path), body.as_bytes()) {
            Ok(true) => {
                self.written
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(false) => {}
            Err(e) => {
                let mut error = self.error.lock().unwrap_or_else(|e| e.into_inner());
                error.get_or_insert(e);
            }
        }
    }

    /// How many times it wrote a file (the others were there already), or the
    /// first error writing one.
    pub fn finish(self) -> Result<usize, OutputError> {
        let error = self.error.into_inner().unwrap_or_else(|e| e.into_inner());
        match error {
            Some(e) => Err(e),
            None => Ok(self.written.into_inner()),
        }
    }
}

/// Writes `outputs`, the static folders and the content's colocated assets
/// to `out_dir`. An output without a body is already there (kept from the
/// last build, which `previous` describes); with `previous`, extra files
/// whose bytes are those it wrote are not read back, and only the files it
/// wrote that are no longer made are removed (no walk of the folder).
/// `kept_extra` are extra files `previous` wrote and that are left as they
/// are. With `remember`, the extra files' fingerprints are made for the
/// next build's memo.
#[allow(clippy::too_many_arguments)]
pub fn write_site(
    outputs: &[Output],
    extra: &[(String, Vec<u8>)],
    kept_extra: &[String],
    static_dirs: &[PathBuf],
    site_dir: &Path,
    library: &Library,
    out_dir: &Path,
    previous: Option<&RenderMemo>,
    remember: bool,
    written_before: &[String],
) -> Result<Written, OutputError> {
    let mut problems = Vec::new();
    let mut chosen: FastMap<&str, Option<&[u8]>> =
        FastMap::with_capacity_and_hasher(outputs.len() + extra.len(), Default::default());
    let all = outputs
        .iter()
        .map(|o| (o.path.as_str(), o.body.as_ref().map(|b| b.as_bytes())))
        .chain(extra.iter().map(|(p, b)| (p.as_str(), Some(b.as_slice()))))
        .chain(kept_extra.iter().map(|p| (p.as_str(), None)));
    for (path, body) in all {
        if chosen.contains_key(path) {
            problems.push(Problem::new(path, "two outputs want this path (an alias or slug collides with a page); the first is kept"));
            continue;
        }
        chosen.insert(path, body);
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

    fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let wanted: FastSet<String> = chosen
        .keys()
        .map(|p| p.to_string())
        .chain(copies.iter().map(|c| c.to.clone()))
        .collect();
    let extra_paths: FastSet<&str> = extra.iter().map(|(p, _)| p.as_str()).collect();
    let mut extra_fps: FastMap<String, (u64, Fp)> = chosen
        .par_iter()
        .filter(|(path, _)| remember && extra_paths.contains(**path))
        .filter_map(|(path, body)| body.map(|b| (path.to_string(), (b.len() as u64, of_bytes(b)))))
        .collect();
    // A kept file is as the last build wrote it.
    if remember {
        for path in kept_extra {
            if let Some(before) = previous.and_then(|m| m.extra.get(path)) {
                extra_fps.insert(path.clone(), *before);
            }
        }
    }
    let written: Vec<&str> = chosen
        .par_iter()
        .map(|(path, body)| {
            let Some(body) = body else {
                return Ok(None);
            };
            let full = out_dir.join(path);
            if let (Some(before), Some(now)) = (
                previous.and_then(|m| m.extra.get(*path)),
                extra_fps.get(*path),
            ) {
                let there = fs::metadata(&full).is_ok_and(|m| m.len() == now.0);
                if before == now && there {
                    return Ok(None);
                }
            }
            Ok(put(&full, body)?.then_some(*path))
        })
        .collect::<Result<Vec<Option<&str>>, OutputError>>()?
        .into_iter()
        .flatten()
        .collect();
    let copied: Vec<&str> = copies
        .par_iter()
        .map(|copy| {
            let bytes = fs::read(&copy.from).map_err(io(&copy.from))?;
            Ok(put(&out_dir.join(&copy.to), &bytes)?.then_some(copy.to.as_str()))
        })
        .collect::<Result<Vec<Option<&str>>, OutputError>>()?
        .into_iter()
        .flatten()
        .collect();

    let removed = match previous {
        Some(memo) => remove_gone(out_dir, &memo.files, &wanted)?,
        None => remove_stale(out_dir, &wanted)?,
    };
    tracing::debug!(
        "wrote {} of {} files",
        written_before.len() + written.len() + copied.len(),
        wanted.len()
    );
    // A folder that gained or lost a file, or whose parent did.
    let mut touched: FastSet<String> = FastSet::default();
    for path in written
        .iter()
        .chain(&copied)
        .copied()
        .chain(written_before.iter().map(String::as_str))
        .chain(removed.iter().map(String::as_str))
    {
        let mut folder = super::present::folder_of(path);
        loop {
            if !touched.insert(folder.to_string()) || folder.is_empty() {
                break;
            }
            folder = super::present::folder_of(folder);
        }
    }
    Ok(Written {
        files: chosen.len() + copies.len(),
        collisions: problems,
        paths: wanted,
        extra_fps,
        touched,
    })
}

/// Removes the files the last build wrote that this one did not, and the
/// folders they leave empty. Returns the files removed.
fn remove_gone(
    out_dir: &Path,
    before: &FastSet<String>,
    wanted: &FastSet<String>,
) -> Result<Vec<String>, OutputError> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let gone: Vec<String> = before.difference(wanted).cloned().collect();
    for gone in &gone {
        let path = out_dir.join(gone);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&path)(e)),
        }
        let mut parent = path.parent();
        while let Some(dir) = parent.filter(|d| *d != out_dir && d.starts_with(out_dir)) {
            dirs.push(dir.to_path_buf());
            parent = dir.parent();
        }
    }
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    dirs.dedup();
    for dir in dirs {
        let _ = fs::remove_dir(&dir); // fails, as it should, when not empty
    }
    Ok(gone)
}

/// Puts `bytes` at `path` unless they are there already. Returns whether it
/// wrote. An existing file is replaced by rename, so it is never half-written.
fn put(path: &Path, bytes: &[u8]) -> Result<bool, OutputError> {
    match fs::metadata(path) {
        Ok(meta) if meta.len() == bytes.len() as u64 => {
            if fs::read(path).map(|old| old == bytes).unwrap_or(false) {
                return Ok(false);
            }
        }
        Ok(_) => {}
        Err(_) => {
            // A new file: its folder is made only when it is missing, so
            // that a rebuild does not look at every folder of the site.
            if let Err(e) = fs::write(path, bytes) {
                let Some(parent) = path
                    .parent()
                    .filter(|_| e.kind() == std::io::ErrorKind::NotFound)
                else {
                    return Err(io(path)(e));
                };
                fs::create_dir_all(parent).map_err(io(parent))?;
                fs::write(path, bytes).map_err(io(path))?;
            }
            return Ok(true);
        }
    }
    replace(path, bytes)?;
    Ok(true)
}

/// Replaces the file at `path` whole, by rename, so that `serve` never
/// sends half of it. Unlike content files, the output is made again by
/// any build, so it is not synced to disk first: a sync per changed page
/// was most of a small rebuild's writing time.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io(path))
}

/// Removes every file of `out_dir` that is not `wanted`, and the folders
/// left empty. Returns the files removed.
fn remove_stale(out_dir: &Path, wanted: &FastSet<String>) -> Result<Vec<String>, OutputError> {
    let mut dirs = Vec::new();
    let mut removed = Vec::new();
    for entry in WalkDir::new(out_dir)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(out_dir).unwrap_or(entry.path());
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if entry.file_type().is_dir() {
            dirs.push(entry.path().to_path_buf());
        } else if !wanted.contains(&rel) {
            fs::remove_file(entry.path()).map_err(io(entry.path()))?;
            removed.push(rel);
        }
    }
    // Deepest first, so a parent is empty once its children are gone.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in dirs {
        let _ = fs::remove_dir(&dir); // fails, as it should, when not empty
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `outputs` written without extra files, static folders or memo.
    fn write_plain(outputs: &[Output], site: &Path, library: &Library, out: &Path) -> Written {
        write_after(outputs, site, library, out, &[])
    }

    /// As [`write_plain`], after [`write_rendered`] wrote `written_before`.
    fn write_after(
        outputs: &[Output],
        site: &Path,
        library: &Library,
        out: &Path,
        written_before: &[String],
    ) -> Written {
        write_site(
            outputs,
            &[],
            &[],
            &[],
            site,
            library,
            out,
            None,
            false,
            written_before,
        )
        .unwrap()
    }

    fn output(path: &str, body: &str) -> Output {
        Output {
            path: path.into(),
            body: Some(body.into()),
        }
    }

    #[test]
    fn rewrites_only_what_changed_and_removes_what_is_gone() {
        let site = tempfile::tempdir().unwrap();
        let out = site.path().join("public");
        let library = Library::default();
        let first = [
            output("a/index.html", "A"),
            output("b/index.html", "B"),
            output("oud/index.html", "O"),
        ];
        let written = write_plain(&first, site.path(), &library, &out);
        assert_eq!((written.files, written.collisions.len()), (3, 0));
        let before = fs::metadata(out.join("a/index.html"))
            .unwrap()
            .modified()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));

        let second = [output("a/index.html", "A"), output("b/index.html", "B2")];
        let written = write_plain(&second, site.path(), &library, &out);
        // The folders written into or removed from, and their parents: not
        // the one whose file was already as it should be.
        let mut touched: Vec<&str> = written.touched.iter().map(String::as_str).collect();
        touched.sort_unstable();
        assert_eq!(touched, ["", "b", "oud"]);
        assert_eq!(
            fs::metadata(out.join("a/index.html"))
                .unwrap()
                .modified()
                .unwrap(),
            before,
            "unchanged file untouched"
        );
        assert_eq!(fs::read_to_string(out.join("b/index.html")).unwrap(), "B2");
        assert!(
            !out.join("oud").exists(),
            "a page that is gone leaves no file or folder"
        );
    }

    #[test]
    fn streaming_keeps_the_first_output_whichever_is_rendered_first() {
        let site = tempfile::tempdir().unwrap();
        let out = site.path().join("public");
        fs::create_dir_all(out.join("oud")).unwrap();
        fs::write(out.join("oud/index.html"), "O").unwrap();
        let streamer = Streamer::new(&out).unwrap();
        // The alias (later in the order) is rendered before the page.
        streamer.put((7, 0), &output("x/index.html", "alias"));
        streamer.put((2, 0), &output("x/index.html", "pagina"));
        streamer.put((9, 1), &output("x/index.html", "nog een"));
        streamer.put((3, 0), &output("oud/index.html", "O"));
        streamer.put((3, 1), &output("a/b/c/index.html", "diep"));
        assert_eq!(
            streamer.finish().unwrap(),
            3,
            "an unchanged file is not written"
        );
        assert_eq!(
            fs::read_to_string(out.join("x/index.html")).unwrap(),
            "pagina"
        );
        assert_eq!(
            fs::read_to_string(out.join("a/b/c/index.html")).unwrap(),
            "diep"
        );

        // A file that cannot be written is the error, with its path.
        fs::write(site.path().join("bestand"), "").unwrap();
        let blocked = Streamer::new(&out).unwrap();
        blocked.put((0, 0), &output("../bestand/x.html", "x"));
        let error = blocked.finish().unwrap_err().to_string();
        assert!(error.contains("bestand/x.html"), "{error}");
    }

    #[test]
    fn a_rebuild_writes_its_rendered_outputs_first_and_keeps_the_first_of_two() {
        let site = tempfile::tempdir().unwrap();
        let out = site.path().join("public");
        fs::create_dir_all(out.join("same")).unwrap();
        fs::write(out.join("same/index.html"), "zelfde").unwrap();
        let mut outputs = vec![
            output("x/index.html", "pagina"),
            output("x/index.html", "alias"),
            output("same/index.html", "zelfde"),
            Output {
                path: "kept/index.html".into(),
                body: None,
            },
        ];
        let written = write_rendered(&mut outputs, &out).unwrap();
        assert_eq!(
            written,
            ["x/index.html"],
            "an unchanged file is not written"
        );
        assert_eq!(
            fs::read_to_string(out.join("x/index.html")).unwrap(),
            "pagina"
        );
        assert!(outputs[0].body.is_none() && outputs[2].body.is_none());
        assert_eq!(outputs[1].body.as_deref(), Some("alias"));
        assert!(!out.join("kept").exists());

        // The write that follows reports the collision and keeps the page.
        outputs.truncate(3);
        let problems =
            write_after(&outputs, site.path(), &Library::default(), &out, &written).collisions;
        assert_eq!(problems.len(), 1);
        assert_eq!(
            fs::read_to_string(out.join("x/index.html")).unwrap(),
            "pagina"
        );
    }

    #[test]
    fn a_collision_is_reported_and_the_first_output_kept() {
        let site = tempfile::tempdir().unwrap();
        let out = site.path().join("public");
        let outputs = [
            output("x/index.html", "pagina"),
            output("x/index.html", "alias"),
        ];
        let problems = write_plain(&outputs, site.path(), &Library::default(), &out).collisions;
        assert_eq!(problems.len(), 1);
        assert!(problems[0]
            .to_string()
            .starts_with("x/index.html: two outputs want this path"));
        assert_eq!(
            fs::read_to_string(out.join("x/index.html")).unwrap(),
            "pagina"
        );
    }
}
