//! Submissions waiting for an editor: one TOML file each in
//! `harvesters/pending/` (which [`Registry::load`] does not read), and the
//! two ways out: approval, which makes a registered partner
//! (`harvesters/<slug>.toml`) and its page (`content/partners/<slug>.md`),
//! and rejection.
//!
//! Every file is written whole or not at all, and never over another:
//! a new file is written beside its target and then linked into place,
//! which fails when the target exists.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::preview::SourceKind;
use crate::harvest::normalise::{self, canonical_url};
use crate::harvest::registry::Registry;

/// The folder of pending submissions.
pub fn pending_dir(site_dir: &Path) -> PathBuf {
    site_dir.join("harvesters").join("pending")
}

/// Slugs are file names: this long at most.
const MAX_SLUG: usize = 60;
/// Pending files read at most (an editor's list, not a flood).
const MAX_PENDING: usize = 10_000;
/// Submissions of one organisation name (`name`, `name-2`, ...).
const MAX_SAME_NAME: usize = 1_000;
/// A pending file larger than this was not written by us.
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// Names that the registry folder or the partners section use already.
const RESERVED: [&str; 6] = [
    "classification",
    "state",
    "pending",
    "readme",
    "index",
    "_index",
];

/// A submission waiting for an editor (`harvesters/pending/<slug>.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    /// The file name without `.toml`; the slug of the partner it becomes.
    #[serde(skip)]
    pub slug: String,
    pub organisation: String,
    pub email: String,
    pub homepage: String,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    pub source: PendingSource,
    pub preview: PreviewCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingSource {
    pub kind: SourceKind,
    /// What the harvester will read: the feed found, or the OAI-PMH base.
    pub url: String,
    /// What the partner typed.
    pub given_url: String,
    /// `RSS 2.0`, `Atom`, `JSON Feed`, `OAI-PMH`.
    pub format: String,
}

/// What the preview found when the partner submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewCounts {
    pub items: usize,
    pub dated: usize,
    /// The warnings, in Dutch.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// What an approval wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    pub slug: String,
    /// `harvesters/<slug>.toml`.
    pub partner_file: PathBuf,
    /// `content/partners/<slug>.md`.
    pub partner_page: PathBuf,
}

/// Where a source is known already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duplicate {
    /// Waiting in `harvesters/pending/<slug>.toml`.
    Pending(String),
    /// A source of the registered partner with this id.
    Registered(String),
}

#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a pending submission: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("'{slug}' is not a submission's name (lower-case letters, digits and '-', at most {MAX_SLUG})")]
    BadSlug { slug: String },
    #[error("no pending submission '{slug}' in {dir}")]
    NotFound { slug: String, dir: PathBuf },
    #[error("{path} exists already; approving would overwrite it")]
    Exists { path: PathBuf },
    #[error("{dir} holds {limit} pending submissions already")]
    Full { dir: PathBuf, limit: usize },
    #[error("{0}")]
    Encode(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PendingError + '_ {
    move |source| PendingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The slug an organisation's files get: ASCII, lower case, `-` between
/// words, at most [`MAX_SLUG`] bytes; `partner` when nothing is left.
pub fn slug_for(organisation: &str) -> String {
    let slug = slug::slugify(organisation);
    let slug = normalise::cut(&slug, MAX_SLUG).trim_end_matches('-');
    if slug.is_empty() || RESERVED.contains(&slug) {
        format!("partner-{}", slug.trim_start_matches('_'))
            .trim_end_matches('-')
            .to_string()
    } else {
        slug.to_string()
    }
}

/// `slug` as a file name, when it could be one of ours.
fn checked_slug(slug: &str) -> Result<&str, PendingError> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG + "-1000".len()
        && !slug.starts_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !RESERVED.contains(&slug);
    if ok {
        Ok(slug)
    } else {
        Err(PendingError::BadSlug {
            slug: normalise::cut(slug, 100).to_string(),
        })
    }
}

/// A source URL as duplicates are compared: no fragment, no tracking
/// parameters, host in lower case, no trailing `/`.
pub fn normalised_url(url: &str) -> String {
    let canonical = canonical_url(url);
    let canonical = canonical.strip_prefix("http://").map_or_else(
        || {
            canonical
                .strip_prefix("https://")
                .unwrap_or(&canonical)
                .to_string()
        },
        str::to_string,
    );
    canonical.trim_end_matches('/').to_string()
}

/// Every pending submission, oldest first. A file that does not read is
/// an error naming it.
pub fn pending(site_dir: &Path) -> Result<Vec<Pending>, PendingError> {
    let mut all = pending_files(site_dir)?
        .iter()
        .map(|f| read_pending(f))
        .collect::<Result<Vec<_>, _>>()?;
    all.sort_by(|a, b| {
        a.submitted_at
            .cmp(&b.submitted_at)
            .then(a.slug.cmp(&b.slug))
    });
    Ok(all)
}

/// The files in `harvesters/pending/`, by name.
fn pending_files(site_dir: &Path) -> Result<Vec<PathBuf>, PendingError> {
    let dir = pending_dir(site_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(&dir)(e)),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .take(MAX_PENDING)
        .collect();
    files.sort();
    Ok(files)
}

fn read_pending(path: &Path) -> Result<Pending, PendingError> {
    let size = std::fs::metadata(path).map_err(io(path))?.len();
    if size > MAX_FILE_BYTES {
        return Err(PendingError::Invalid {
            path: path.to_path_buf(),
            message: format!("larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut pending: Pending = toml::from_str(&text).map_err(|e| PendingError::Invalid {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })?;
    pending.slug = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(pending)
}

/// The pending submission or registered partner that has one of `urls`
/// as its source (compared as [`normalised_url`]). A registry that does
/// not load is left out: the harvest reports it.
pub fn find_duplicate(site_dir: &Path, urls: &[&str]) -> Result<Option<Duplicate>, PendingError> {
    let wanted: Vec<String> = urls.iter().map(|u| normalised_url(u)).collect();
    let known = |url: &str| wanted.contains(&normalised_url(url));
    // One file broken by hand must not stop every submission.
    for file in pending_files(site_dir)? {
        match read_pending(&file) {
            Ok(p) if known(&p.source.url) || known(&p.source.given_url) => {
                return Ok(Some(Duplicate::Pending(p.slug)));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("submissions: duplicates not checked against {e}"),
        }
    }
    match Registry::load(&site_dir.join("harvesters")) {
        Ok(registry) => Ok(registry
            .partners
            .iter()
            .find(|p| p.sources.iter().any(|s| known(&s.url)))
            .map(|p| Duplicate::Registered(p.id.clone()))),
        Err(e) => {
            tracing::warn!("submissions: duplicates not checked against the registry: {e}");
            Ok(None)
        }
    }
}

/// Stores a new pending submission under the first free slug for its
/// organisation (`name`, `name-2`, ...), never over another file; the
/// slug is set on `record` and returned.
pub fn store(site_dir: &Path, record: &mut Pending) -> Result<String, PendingError> {
    let dir = pending_dir(site_dir);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    // A flood from many addresses stops here, not at the disk's end.
    if pending_files(site_dir)?.len() >= MAX_PENDING {
        return Err(PendingError::Full {
            dir,
            limit: MAX_PENDING,
        });
    }
    let text = toml::to_string(record).map_err(|e| PendingError::Encode(e.to_string()))?;
    let base = slug_for(&record.organisation);
    for n in 1..=MAX_SAME_NAME {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        // Not the name of a partner or page that exists: approving it
        // would have to refuse.
        if site_dir
            .join("harvesters")
            .join(format!("{slug}.toml"))
            .exists()
            || site_dir
                .join("content/partners")
                .join(format!("{slug}.md"))
                .exists()
        {
            continue;
        }
        match create_new(&dir.join(format!("{slug}.toml")), text.as_bytes()) {
            Ok(()) => {
                record.slug = slug.clone();
                return Ok(slug);
            }
            Err(PendingError::Exists { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(PendingError::Exists {
        path: dir.join(format!("{base}-{MAX_SAME_NAME}.toml")),
    })
}

/// Writes `bytes` to `path` whole, only if `path` does not exist: written
/// beside it, flushed, then hard-linked into place (which refuses an
/// existing target).
fn create_new(path: &Path, bytes: &[u8]) -> Result<(), PendingError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::create_new(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(&tmp)(e));
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(PendingError::Exists {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(io(path)(e)),
    }
}

/// The registry file of an approved partner.
#[derive(Serialize)]
struct PartnerFile<'a> {
    name: &'a str,
    homepage: &'a str,
    contact: &'a str,
    sources: [SourceFile<'a>; 1],
}

#[derive(Serialize)]
struct SourceFile<'a> {
    kind: SourceKind,
    url: &'a str,
}

/// The front matter of an approved partner's page.
#[derive(Serialize)]
struct PageFront<'a> {
    title: &'a str,
    description: String,
    extra: PageExtra<'a>,
}

#[derive(Serialize)]
struct PageExtra<'a> {
    name: &'a str,
    homepage: &'a str,
}

/// Turns the pending submission `slug` into a registered partner
/// (`harvesters/<slug>.toml`, which [`Registry::load`] reads) and its page
/// (`content/partners/<slug>.md`). Refuses when either exists; the
/// pending file is removed last, so a failure leaves it to try again.
pub fn approve(site_dir: &Path, slug: &str) -> Result<Approved, PendingError> {
    let slug = checked_slug(slug)?;
    let file = pending_file(site_dir, slug)?;
    let pending = read_pending(&file)?;
    let partner_file = site_dir.join("harvesters").join(format!("{slug}.toml"));
    let partner_page = site_dir
        .join("content")
        .join("partners")
        .join(format!("{slug}.md"));
    for path in [&partner_file, &partner_page] {
        if path.exists() {
            return Err(PendingError::Exists { path: path.clone() });
        }
    }
    let encode = |e: toml::ser::Error| PendingError::Encode(e.to_string());
    let registry = toml::to_string(&PartnerFile {
        name: &pending.organisation,
        homepage: &pending.homepage,
        contact: &pending.email,
        sources: [SourceFile {
            kind: pending.source.kind,
            url: &pending.source.url,
        }],
    })
    .map_err(encode)?;
    let registry = format!(
        "# Aangemeld via het formulier op {}; goedgekeurd.\n{registry}",
        normalise::cut(&pending.submitted_at, 40)
    );
    let front = toml::to_string(&PageFront {
        title: &pending.organisation,
        description: format!(
            "{} is een kennisinstelling waarvan KIS publicaties ontsluit.",
            pending.organisation
        ),
        extra: PageExtra {
            name: &pending.organisation,
            homepage: &pending.homepage,
        },
    })
    .map_err(encode)?;
    let page = format!(
        "+++\n{front}+++\n\nOp deze pagina staan publicaties van {} die de redactie van KIS heeft opgenomen.\n",
        normalise::markdown_text(&pending.organisation)
    );
    create_new(&partner_file, registry.as_bytes())?;
    if let Err(e) = create_new(&partner_page, page.as_bytes()) {
        let _ = std::fs::remove_file(&partner_file);
        return Err(e);
    }
    std::fs::remove_file(&file).map_err(io(&file))?;
    Ok(Approved {
        slug: slug.to_string(),
        partner_file,
        partner_page,
    })
}

/// Removes the pending submission `slug`; returns what it held.
pub fn reject(site_dir: &Path, slug: &str) -> Result<Pending, PendingError> {
    let slug = checked_slug(slug)?;
    let file = pending_file(site_dir, slug)?;
    let pending = read_pending(&file)?;
    std::fs::remove_file(&file).map_err(io(&file))?;
    Ok(pending)
}

fn pending_file(site_dir: &Path, slug: &str) -> Result<PathBuf, PendingError> {
    let dir = pending_dir(site_dir);
    let file = dir.join(format!("{slug}.toml"));
    if file.is_file() {
        Ok(file)
    } else {
        Err(PendingError::NotFound {
            slug: slug.to_string(),
            dir,
        })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    fn record(organisation: &str, url: &str) -> Pending {
        Pending {
            slug: String::new(),
            organisation: organisation.into(),
            email: "redactie@example.org".into(),
            homepage: "https://example.org".into(),
            submitted_at: "2026-12-01T12:00:00Z".into(),
            source: PendingSource {
                kind: SourceKind::Feed,
                url: url.into(),
                given_url: "https://example.org/".into(),
                format: "RSS 2.0".into(),
            },
            preview: PreviewCounts {
                items: 3,
                dated: 3,
                problems: vec![],
            },
        }
    }

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug_for("Verwey-Jonker Instituut"),
            "verwey-jonker-instituut"
        );
        assert_eq!(slug_for("Één & Twee"), "een-twee");
        assert_eq!(slug_for("<script>"), "script");
        assert_eq!(slug_for("!!!"), "partner");
        assert_eq!(slug_for("Classification"), "partner-classification");
        assert_eq!(slug_for("../../etc"), "etc");
        assert!(slug_for(&"lang woord ".repeat(40)).len() <= MAX_SLUG);
        for bad in [
            "",
            "../x",
            "A",
            "a/b",
            "a.b",
            "-x",
            "pending",
            &"a".repeat(100),
        ] {
            assert!(checked_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_compare_without_scheme_fragment_tracking_and_slash() {
        assert_eq!(
            normalised_url("HTTPS://Example.org/feed/?utm_source=x#top"),
            normalised_url("http://example.org/feed")
        );
        assert_ne!(
            normalised_url("https://example.org/feed?page=2"),
            normalised_url("https://example.org/feed")
        );
    }

    #[test]
    fn stores_under_free_slugs_and_never_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = record("Instituut \"Noord\"\n[x]", "https://a.example/feed");
        assert_eq!(store(dir.path(), &mut a).unwrap(), "instituut-noord-x");
        let mut b = record("Instituut Noord X", "https://b.example/feed");
        assert_eq!(store(dir.path(), &mut b).unwrap(), "instituut-noord-x-2");
        let all = pending(dir.path()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[0].organisation, "Instituut \"Noord\"\n[x]",
            "TOML keeps it as text"
        );
        assert_eq!(
            find_duplicate(dir.path(), &["http://a.example/feed/"]).unwrap(),
            Some(Duplicate::Pending("instituut-noord-x".into()))
        );
        assert_eq!(
            find_duplicate(dir.path(), &["https://c.example/"]).unwrap(),
            None
        );
        let names: Vec<_> = std::fs::read_dir(pending_dir(dir.path()))
            .unwrap()
            .collect();
        assert_eq!(names.len(), 2, "no temporary files left");
    }

    #[test]
    fn approve_writes_a_partner_the_registry_reads_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let organisation = "Kennis \"&\" <b>Co</b> = [sources]\\";
        let mut a = record(organisation, "https://a.example/feed");
        let slug = store(dir.path(), &mut a).unwrap();
        let approved = approve(dir.path(), &slug).unwrap();
        let registry = Registry::load(&dir.path().join("harvesters")).unwrap();
        assert_eq!(registry.partners.len(), 1, "pending/ is not read");
        let partner = &registry.partners[0];
        assert_eq!(partner.id, slug);
        assert_eq!(partner.name, organisation);
        assert_eq!(partner.sources[0].url, "https://a.example/feed");
        assert_eq!(partner.contact.as_deref(), Some("redactie@example.org"));
        let page = std::fs::read_to_string(&approved.partner_page).unwrap();
        let body = page.rsplit("+++").next().unwrap();
        assert!(!body.contains("<b>"), "Markdown would keep the tag: {body}");
        assert!(body.contains("\\<b\\>"), "{body}");
        assert!(pending(dir.path()).unwrap().is_empty());
        assert_eq!(
            find_duplicate(dir.path(), &["https://a.example/feed"]).unwrap(),
            Some(Duplicate::Registered(slug.clone()))
        );
        // A second submission whose slug's files exist gets another slug;
        // one written by hand under that name is refused.
        let mut b = record(organisation, "https://b.example/feed");
        let other = store(dir.path(), &mut b).unwrap();
        assert_ne!(other, slug);
        std::fs::write(
            dir.path()
                .join("content/partners")
                .join(format!("{other}.md")),
            "+++\ntitle = \"x\"\n+++\n",
        )
        .unwrap();
        assert!(matches!(
            approve(dir.path(), &other),
            Err(PendingError::Exists { .. })
        ));
        assert!(!dir
            .path()
            .join("harvesters")
            .join(format!("{other}.toml"))
            .exists());
        assert_eq!(pending(dir.path()).unwrap().len(), 1, "kept to try again");
        assert_eq!(
            reject(dir.path(), &other).unwrap().source.url,
            "https://b.example/feed"
        );
        assert!(matches!(
            reject(dir.path(), &other),
            Err(PendingError::NotFound { .. })
        ));
        assert!(matches!(
            approve(dir.path(), "../../etc/passwd"),
            Err(PendingError::BadSlug { .. })
        ));
    }
}
