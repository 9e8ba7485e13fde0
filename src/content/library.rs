//! The one loaded tree: every page and section of `content/`, read once with
//! `walkdir`, parsed in parallel, placed (paths, sections, ancestors),
//! sorted, and grouped into taxonomies with Zola's semantics.
//!
//! Not for Markdown or templates: this module knows paths and front matter,
//! never HTML.

use std::collections::BTreeMap;

use super::fingerprint::FastMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use super::frontmatter::{PageFrontMatter, ParsedDate, SectionFrontMatter, SortBy};
use super::order::sort_pages;
use super::parse::{parent_dir, parse_bytes, read_file, ParseResult, Parsed};
use super::problem::Problem;

/// One content page (`content/a/x.md` or the bundle `content/a/x/index.md`).
#[derive(Debug, Clone)]
pub struct Page {
    /// Relative to `content/`, with `/` separators: `publicaties/x.md`.
    pub relative_path: String,
    /// Relative to the site directory, for messages: `content/publicaties/x.md`.
    pub file: PathBuf,
    pub meta: PageFrontMatter,
    pub date: Option<ParsedDate>,
    pub updated: Option<ParsedDate>,
    /// The Markdown body, unrendered.
    pub body: String,
    pub slug: String,
    /// The URL path, `/publicaties/x/`.
    pub path: String,
    pub components: Vec<String>,
    /// For a bundle, its folder relative to `content/` (`publicaties/x/`).
    pub colocated_path: Option<String>,
    /// Files beside a bundle's `index.md`, relative to `content/`.
    pub assets: Vec<String>,
    /// The section the page belongs to (its folder's `_index.md`).
    pub section: Option<usize>,
    pub ancestors: Vec<String>,
    /// The previous page in the section's order (Zola's `lower`).
    pub lower: Option<usize>,
    /// The next page in the section's order (Zola's `higher`).
    pub higher: Option<usize>,
}

/// One section (`content/a/_index.md`).
#[derive(Debug, Clone)]
pub struct Section {
    pub relative_path: String,
    pub file: PathBuf,
    pub meta: SectionFrontMatter,
    pub body: String,
    pub path: String,
    pub components: Vec<String>,
    pub assets: Vec<String>,
    /// The section's pages in its sort order.
    pub pages: Vec<usize>,
    /// Pages that cannot be sorted by the section's `sort_by` (no date, ...).
    pub ignored_pages: Vec<usize>,
    pub subsections: Vec<usize>,
    pub ancestors: Vec<String>,
}

impl Section {
    pub fn is_index(&self) -> bool {
        self.components.is_empty()
    }
}

/// One taxonomy (`thema`) with its terms.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub name: String,
    pub slug: String,
    pub path: String,
    pub terms: Vec<TaxonomyTerm>,
}

#[derive(Debug, Clone)]
pub struct TaxonomyTerm {
    pub name: String,
    pub slug: String,
    pub path: String,
    /// Newest first; pages without a date at the end.
    pub pages: Vec<usize>,
}

/// Everything loaded from `content/`, plus what went wrong on the way.
#[derive(Debug, Default)]
pub struct Library {
    pub pages: Vec<Page>,
    pub sections: Vec<Section>,
    pub taxonomies: Vec<Taxonomy>,
    pub problems: Vec<Problem>,
    /// Draft pages left out of the tree (loaded without drafts): parsed,
    /// but in no section and under no term. The OAI-PMH provider reads the
    /// withdrawn ones among them as deleted records.
    pub drafts_aside: Vec<Page>,
    page_index: FastMap<String, usize>,
    section_index: FastMap<String, usize>,
}

/// What the loader needs to know of the site's configuration.
#[derive(Debug, Clone, Default)]
pub struct LoadSettings {
    /// Taxonomy names declared in `config.toml`, in order.
    pub taxonomies: Vec<String>,
    /// Keep drafts (`draft = true`) instead of leaving them out.
    pub include_drafts: bool,
}

/// Every content file a load parsed, by its bytes: given the last load's,
/// a load parses again only the files whose bytes changed (`serve` keeps
/// one between rebuilds; reading 10,000 files is quick, parsing their front
/// matter is not).
#[derive(Debug, Default)]
pub struct ParseCache {
    /// The site the files were read from (problems name files by it).
    site_dir: PathBuf,
    /// Relative path → what its bytes parsed to.
    files: FastMap<String, CachedFile>,
}

#[derive(Debug)]
struct CachedFile {
    /// The fingerprint of the bytes.
    fp: u64,
    /// The file's metadata when it was read, when it can be trusted to
    /// tell a change (see [`Stamp::unchanged`]).
    stamp: Option<Stamp>,
    result: ParseResult,
}

/// What the file system says of a file: a file whose stamp is the one it
/// had when it was read, and was read well after its last change, has the
/// bytes read then (as git tells an unchanged file in its index).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stamp {
    len: u64,
    modified: (i64, i64),
    /// Changed by every write and by setting the modification time, and
    /// never set by hand.
    changed: (i64, i64),
    inode: u64,
    /// When the load that read it started (seconds, nanoseconds).
    seen: (i64, i64),
}

impl Stamp {
    /// The stamp of the file at `full` now, for a load that started at
    /// `seen`; `None` where the platform gives none.
    fn of(full: &Path, seen: (i64, i64)) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let meta = std::fs::metadata(full).ok()?;
            Some(Stamp {
                len: meta.len(),
                modified: (meta.mtime(), meta.mtime_nsec()),
                changed: (meta.ctime(), meta.ctime_nsec()),
                inode: meta.ino(),
                seen,
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (full, seen);
            None
        }
    }

    /// Whether the file `now` describes has the bytes it had when `self`
    /// was taken: the same metadata, and its last change more than two
    /// seconds before that load started (a change within the file
    /// system's clock tick of a read would leave the same times; such a
    /// file is read again).
    fn unchanged(&self, now: &Stamp) -> bool {
        let same = self.len == now.len
            && self.modified == now.modified
            && self.changed == now.changed
            && self.inode == now.inode;
        same && self.changed.0.saturating_add(2) < self.seen.0
    }
}

/// Now, as (seconds, nanoseconds) since the epoch, as file times are.
fn now_stamp() -> (i64, i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (
        i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
        i64::from(now.subsec_nanos()),
    )
}

impl ParseCache {
    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// How a load came by one file's parse.
enum Read {
    /// The file's stamp is unchanged: not read.
    Kept(ParseResult),
    /// Read, and its bytes are those parsed before.
    Same(u64, Option<Stamp>, ParseResult),
    Parsed(u64, Option<Stamp>, ParseResult),
    Failed(ParseResult),
}

impl Library {
    /// Reads `content_dir` once and builds the tree. `site_dir` only shapes
    /// the file names in problems (`content/x.md`).
    pub fn load(site_dir: &Path, content_dir: &Path, settings: &LoadSettings) -> Library {
        Library::load_inner(site_dir, content_dir, settings, None)
    }

    /// As [`Library::load`], taking from `cache` what files whose bytes are
    /// unchanged parsed to, and leaving in it what this load parsed.
    pub fn load_cached(
        site_dir: &Path,
        content_dir: &Path,
        settings: &LoadSettings,
        cache: &mut ParseCache,
    ) -> Library {
        Library::load_inner(site_dir, content_dir, settings, Some(cache))
    }

    fn load_inner(
        site_dir: &Path,
        content_dir: &Path,
        settings: &LoadSettings,
        mut cache: Option<&mut ParseCache>,
    ) -> Library {
        let mut library = Library::default();
        let mut markdown = Vec::new();
        let mut others = Vec::new();
        let walker = WalkDir::new(content_dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = relative_slash(content_dir, e.path());
                    if rel.ends_with(".md") {
                        markdown.push(rel);
                    } else {
                        others.push(rel);
                    }
                }
                Ok(_) => {}
                Err(e) => library.problems.push(Problem::new(
                    display_path(site_dir, e.path().unwrap_or(content_dir)),
                    format!("cannot read: {e}"),
                )),
            }
        }

        let last = cache
            .as_deref_mut()
            .map(|c| {
                let files = std::mem::take(&mut c.files);
                if c.site_dir == site_dir {
                    files
                } else {
                    c.site_dir = site_dir.to_path_buf();
                    FastMap::default()
                }
            })
            .unwrap_or_default();
        // What each file parses to: from the cache where its stamp says it
        // is unchanged, or its bytes are those parsed before; else parsed.
        let seen = now_stamp();
        let read: Vec<Read> = markdown
            .par_iter()
            .map(|rel| {
                let full = content_dir.join(rel);
                let stamp = cache.is_some().then(|| Stamp::of(&full, seen)).flatten();
                let before = last.get(rel);
                if let (Some(before), Some(now)) = (before, stamp) {
                    if before.stamp.is_some_and(|b| b.unchanged(&now)) {
                        return Read::Kept(before.result.clone());
                    }
                }
                let file = display_path(site_dir, &full);
                let bytes = match read_file(&file, &full) {
                    Ok(bytes) => bytes,
                    Err(problem) => return Read::Failed(Err(problem)),
                };
                let fp = super::fingerprint::of_bytes(&bytes);
                match before {
                    Some(b) if b.fp == fp => Read::Same(fp, stamp, b.result.clone()),
                    _ => Read::Parsed(fp, stamp, parse_bytes(rel, &file, &bytes)),
                }
            })
            .collect();
        let mut last = last;
        let mut results = Vec::with_capacity(read.len());
        for (rel, read) in markdown.iter().zip(read) {
            // A file that could not be read is read again next time. What
            // the cache had goes back into it as it was, not copied again.
            let kept = |last: &mut FastMap<String, CachedFile>| last.remove_entry(rel);
            let (entry, result) = match read {
                Read::Failed(result) => (None, result),
                Read::Kept(result) => (kept(&mut last), result),
                Read::Same(fp, stamp, result) => {
                    let entry = kept(&mut last).map(|(rel, mut file)| {
                        file.stamp = stamp;
                        file.fp = fp;
                        (rel, file)
                    });
                    (entry, result)
                }
                Read::Parsed(fp, stamp, result) => {
                    let file = CachedFile {
                        fp,
                        stamp,
                        result: result.clone(),
                    };
                    (Some((rel.clone(), file)), result)
                }
            };
            if let (Some(cache), Some((rel, file))) = (cache.as_deref_mut(), entry) {
                cache.files.insert(rel, file);
            }
            results.push(result);
        }
        drop(last);

        let mut seen_paths: FastMap<String, PathBuf> = FastMap::default();
        for result in results {
            let (parsed, warnings) = match result {
                Ok(ok) => ok,
                Err(problem) => {
                    library.problems.push(problem);
                    continue;
                }
            };
            library.problems.extend(warnings);
            let (path, file, draft) = match &parsed {
                Parsed::Page(p) => (p.path.clone(), p.file.clone(), p.meta.draft),
                Parsed::Section(s) => (s.path.clone(), s.file.clone(), s.meta.draft),
            };
            if draft && !settings.include_drafts {
                if let Parsed::Page(page) = parsed {
                    library.drafts_aside.push(*page);
                }
                continue;
            }
            if let Some(first) = seen_paths.get(&path) {
                library.problems.push(Problem::new(
                    &file,
                    format!("duplicate slug: {path} is already the address of {}; this file is left out", first.display()),
                ));
                continue;
            }
            seen_paths.insert(path, file);
            match parsed {
                Parsed::Page(p) => {
                    library
                        .page_index
                        .insert(p.relative_path.clone(), library.pages.len());
                    library.pages.push(*p);
                }
                Parsed::Section(s) => {
                    library
                        .section_index
                        .insert(s.relative_path.clone(), library.sections.len());
                    library.sections.push(*s);
                }
            }
        }

        library.attach_assets(&others);
        library.populate_sections();
        library.sort_sections();
        library.build_taxonomies(settings, site_dir);
        library
    }

    pub fn page(&self, relative_path: &str) -> Option<&Page> {
        self.page_index.get(relative_path).map(|&i| &self.pages[i])
    }

    pub fn page_id(&self, relative_path: &str) -> Option<usize> {
        self.page_index.get(relative_path).copied()
    }

    pub fn section(&self, relative_path: &str) -> Option<&Section> {
        self.section_index
            .get(relative_path)
            .map(|&i| &self.sections[i])
    }

    pub fn section_id(&self, relative_path: &str) -> Option<usize> {
        self.section_index.get(relative_path).copied()
    }

    /// The URL path of a content file (`publicaties/x.md`, `_index.md`, a
    /// bundle's `x/index.md`), for `@/` links.
    pub fn path_of(&self, relative_path: &str) -> Option<&str> {
        self.page(relative_path)
            .map(|p| p.path.as_str())
            .or_else(|| self.section(relative_path).map(|s| s.path.as_str()))
    }

    fn attach_assets(&mut self, others: &[String]) {
        let mut bundles: FastMap<String, usize> = FastMap::default();
        for (i, page) in self.pages.iter().enumerate() {
            if let Some(dir) = &page.colocated_path {
                bundles.insert(dir.clone(), i);
            }
        }
        let mut section_dirs: FastMap<String, usize> = FastMap::default();
        for (i, section) in self.sections.iter().enumerate() {
            section_dirs.insert(parent_dir(&section.relative_path), i);
        }
        for asset in others {
            let dir = parent_dir(asset);
            if let Some(&p) = bundles.get(&dir) {
                self.pages[p].assets.push(asset.clone());
            } else if let Some(&s) = section_dirs.get(&dir) {
                self.sections[s].assets.push(asset.clone());
            }
        }
    }

    fn populate_sections(&mut self) {
        // A section's parent is the `_index.md` one folder up.
        let parents: Vec<Option<usize>> = self
            .sections
            .iter()
            .map(|s| {
                if s.is_index() {
                    return None;
                }
                let dir = parent_dir(&s.relative_path);
                let up = parent_dir(dir.trim_end_matches('/'));
                self.section_id(&format!("{up}_index.md"))
            })
            .collect();
        for (i, parent) in parents.iter().enumerate() {
            if let Some(p) = parent {
                self.sections[*p].subsections.push(i);
            }
            let mut ancestors = Vec::new();
            let mut cursor = *parent;
            while let Some(c) = cursor {
                ancestors.push(self.sections[c].relative_path.clone());
                cursor = parents[c];
            }
            ancestors.reverse();
            self.sections[i].ancestors = ancestors;
        }
        let weights: Vec<usize> = self.sections.iter().map(|s| s.meta.weight).collect();
        for section in &mut self.sections {
            section.subsections.sort_by_key(|&s| weights[s]);
        }

        for i in 0..self.pages.len() {
            let page = &self.pages[i];
            let dir = match &page.colocated_path {
                Some(bundle) => parent_dir(bundle.trim_end_matches('/')),
                None => parent_dir(&page.relative_path),
            };
            let Some(section) = self.section_id(&format!("{dir}_index.md")) else {
                continue;
            };
            let mut ancestors = self.sections[section].ancestors.clone();
            ancestors.push(self.sections[section].relative_path.clone());
            self.pages[i].ancestors = ancestors;
            self.pages[i].section = Some(section);
            if !self.pages[i].meta.render {
                continue;
            }
            self.sections[section].pages.push(i);
            // Zola hands a transparent section's pages to its parent too.
            if self.sections[section].meta.transparent {
                if let Some(parent) = parents[section] {
                    self.sections[parent].pages.push(i);
                }
            }
        }
    }

    fn sort_sections(&mut self) {
        for s in 0..self.sections.len() {
            let sort_by = self.sections[s].meta.sort_by;
            if sort_by == SortBy::None {
                // Zola then lists pages in the order the file system gives,
                // which differs between machines.
                let count = self.sections[s].pages.len();
                if count > 1 {
                    self.problems.push(Problem::field(
                        &self.sections[s].file,
                        "sort_by",
                        format!("not set, so zola build lists its {count} pages in an order that differs between machines; set sort_by"),
                    ));
                }
                continue;
            }
            let (sorted, ignored) = sort_pages(&self.pages, &self.sections[s].pages, sort_by);
            if !self.sections[s].meta.transparent {
                for (n, &p) in sorted.iter().enumerate() {
                    self.pages[p].lower = n.checked_sub(1).map(|m| sorted[m]);
                    self.pages[p].higher = sorted.get(n + 1).copied();
                }
            }
            self.sections[s].pages = sorted;
            self.sections[s].ignored_pages = ignored;
        }
    }

    fn build_taxonomies(&mut self, settings: &LoadSettings, site_dir: &Path) {
        let mut found: BTreeMap<&str, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
        for (i, page) in self.pages.iter().enumerate() {
            if !page.meta.render {
                continue;
            }
            for (name, terms) in &page.meta.taxonomies {
                if !settings.taxonomies.contains(name) {
                    self.problems.push(Problem::field(
                        display_path(site_dir, &site_dir.join(&page.file)),
                        format!("taxonomies.{name}"),
                        format!(
                            "no taxonomy '{name}' in config.toml (declared: {})",
                            settings.taxonomies.join(", ")
                        ),
                    ));
                    continue;
                }
                let entry = found.entry(name.as_str()).or_default();
                for term in terms {
                    let pages = entry.entry(term.clone()).or_default();
                    // Pages come in order, so a term written twice on
                    // this page is the last one listed (a search of the
                    // whole list made this quadratic in a term's pages).
                    if pages.last() != Some(&i) {
                        pages.push(i);
                    }
                }
            }
        }
        let mut taxonomies = Vec::new();
        let mut undated_reported = std::collections::HashSet::new();
        for name in &settings.taxonomies {
            let slug = slug::slugify(name);
            let mut terms: Vec<TaxonomyTerm> = Vec::new();
            for (term, pages) in found.remove(name.as_str()).unwrap_or_default() {
                let term_slug = slug::slugify(&term);
                let (mut sorted, ignored) = sort_pages(&self.pages, &pages, SortBy::Date);
                sorted.extend(ignored);
                terms.push(TaxonomyTerm {
                    path: format!("/{slug}/{term_slug}/"),
                    name: term,
                    slug: term_slug,
                    pages: sorted,
                });
            }
            terms.sort_by(|a, b| a.slug.cmp(&b.slug).then_with(|| a.name.cmp(&b.name)));
            // Terms whose slugs collide share one page, as in Zola.
            let mut merged: Vec<TaxonomyTerm> = Vec::with_capacity(terms.len());
            for term in terms {
                match merged.last_mut() {
                    Some(last) if last.slug == term.slug => {
                        for p in term.pages {
                            if !last.pages.contains(&p) {
                                last.pages.push(p);
                            }
                        }
                        let (mut sorted, ignored) =
                            sort_pages(&self.pages, &last.pages, SortBy::Date);
                        sorted.extend(ignored);
                        last.pages = sorted;
                    }
                    _ => merged.push(term),
                }
            }
            // Zola appends a term's undated pages in file-system order, which
            // differs between machines; with two or more that shows.
            for term in &merged {
                // Drafts are not built by zola, so their order does not matter.
                let undated: Vec<usize> = term
                    .pages
                    .iter()
                    .copied()
                    .filter(|&p| self.pages[p].date.is_none() && !self.pages[p].meta.draft)
                    .collect();
                if undated.len() > 1 {
                    for p in undated {
                        if undated_reported.insert(p) {
                            self.problems.push(Problem::field(
                                &self.pages[p].file,
                                "date",
                                format!("missing on a page with taxonomy terms ({name} '{}'): zola lists undated pages of a term in an order that differs between machines; give it a date", term.name),
                            ));
                        }
                    }
                }
            }
            taxonomies.push(Taxonomy {
                path: format!("/{slug}/"),
                name: name.clone(),
                slug,
                terms: merged,
            });
        }
        self.taxonomies = taxonomies;
    }

    /// Removes `term` from the `taxonomy` of a page and from the grouped
    /// taxonomies (used when a rule rejects the term).
    pub fn remove_term(&mut self, page: usize, taxonomy: &str, term: &str) {
        if let Some(terms) = self.pages[page].meta.taxonomies.get_mut(taxonomy) {
            terms.retain(|t| t != term);
        }
        if let Some(tax) = self.taxonomies.iter_mut().find(|t| t.name == taxonomy) {
            for t in &mut tax.terms {
                if t.name == term {
                    t.pages.retain(|&p| p != page);
                }
            }
            tax.terms.retain(|t| !t.pages.is_empty());
        }
    }

    /// Files a page under exactly `terms` of `taxonomy` (a declared one),
    /// in the page and in the grouped taxonomies: terms it no longer has
    /// are removed, new ones added in Zola's order (used when a rule reads
    /// an old term name as the current one).
    pub fn set_terms(&mut self, page: usize, taxonomy: &str, terms: &[String]) {
        let old = self.pages[page]
            .meta
            .taxonomies
            .get(taxonomy)
            .cloned()
            .unwrap_or_default();
        for term in old.iter().filter(|t| !terms.contains(t)) {
            self.remove_term(page, taxonomy, term);
        }
        let Some(t) = self.taxonomies.iter().position(|t| t.name == taxonomy) else {
            return;
        };
        if terms.is_empty() {
            self.pages[page].meta.taxonomies.remove(taxonomy);
            return;
        }
        self.pages[page]
            .meta
            .taxonomies
            .insert(taxonomy.to_string(), terms.to_vec());
        if !self.pages[page].meta.render {
            return;
        }
        for term in terms.iter().filter(|t| !old.contains(t)) {
            let term_slug = slug::slugify(term);
            let tax = &mut self.taxonomies[t];
            let at = match tax.terms.iter().position(|x| x.slug == term_slug) {
                Some(at) => at,
                None => {
                    let at = tax
                        .terms
                        .partition_point(|x| (&x.slug, &x.name) < (&term_slug, term));
                    tax.terms.insert(
                        at,
                        TaxonomyTerm {
                            path: format!("/{}/{term_slug}/", tax.slug),
                            name: term.clone(),
                            slug: term_slug,
                            pages: Vec::new(),
                        },
                    );
                    at
                }
            };
            let mut pages = std::mem::take(&mut self.taxonomies[t].terms[at].pages);
            if !pages.contains(&page) {
                pages.push(page);
            }
            let (mut sorted, ignored) = sort_pages(&self.pages, &pages, SortBy::Date);
            sorted.extend(ignored);
            self.taxonomies[t].terms[at].pages = sorted;
        }
    }
}

fn relative_slash(base: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A path as shown in messages: relative to the site directory when it can be.
fn display_path(site_dir: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(site_dir)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::order::natural_cmp;
    use std::fs;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join("content").join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, text).unwrap();
        }
        dir
    }

    fn load(dir: &tempfile::TempDir) -> Library {
        let settings = LoadSettings {
            taxonomies: vec!["thema".into()],
            include_drafts: false,
        };
        Library::load(dir.path(), &dir.path().join("content"), &settings)
    }

    #[test]
    fn a_cached_load_equals_a_fresh_one_after_files_change() {
        let dir = site(&[
            ("_index.md", "+++\ntitle = \"Home\"\n+++\n"),
            ("a.md", "+++\ntitle = \"A\"\ndate = 2024-01-01\n+++\nA"),
            ("b.md", "+++\ntitle = \"B\"\ndate = 2024-01-02\n+++\nB"),
            ("kapot.md", "+++\ntitle = \n+++\n"),
        ]);
        let settings = LoadSettings::default();
        let content = dir.path().join("content");
        let mut cache = ParseCache::default();
        let describe = |l: &Library| {
            let pages: Vec<(String, Option<String>, String)> = l
                .pages
                .iter()
                .map(|p| {
                    (
                        p.relative_path.clone(),
                        p.meta.title.clone(),
                        p.body.clone(),
                    )
                })
                .collect();
            let problems: Vec<String> = l.problems.iter().map(|p| p.to_string()).collect();
            (pages, problems)
        };
        let first = Library::load_cached(dir.path(), &content, &settings, &mut cache);
        assert_eq!(
            describe(&first),
            describe(&Library::load(dir.path(), &content, &settings))
        );
        assert_eq!(cache.len(), 4, "the broken file is remembered too");

        fs::write(
            content.join("b.md"),
            "+++\ntitle = \"B2\"\ndate = 2024-01-02\n+++\nB2",
        )
        .unwrap();
        fs::write(
            content.join("kapot.md"),
            "+++\ntitle = \"Heel\"\n+++\nnu goed",
        )
        .unwrap();
        fs::remove_file(content.join("a.md")).unwrap();
        fs::write(content.join("c.md"), [0xff, 0xfe, 0x00]).unwrap();
        let second = Library::load_cached(dir.path(), &content, &settings, &mut cache);
        let fresh = Library::load(dir.path(), &content, &settings);
        assert_eq!(describe(&second), describe(&fresh));
        let titles: Vec<_> = second
            .pages
            .iter()
            .filter_map(|p| p.meta.title.clone())
            .collect();
        assert!(titles.contains(&"B2".to_string()) && titles.contains(&"Heel".to_string()));
        assert!(!titles.contains(&"A".to_string()));
        assert!(
            second.problems.iter().any(|p| p
                .to_string()
                .starts_with("content/c.md: cannot read: not UTF-8")),
            "{:?}",
            second.problems
        );
        assert_eq!(cache.len(), 4, "a removed file leaves the cache");

        // Another site's cache is not used.
        let other = site(&[("b.md", "+++\ntitle = \"Elders\"\n+++\n")]);
        let elsewhere = Library::load_cached(
            other.path(),
            &other.path().join("content"),
            &settings,
            &mut cache,
        );
        assert_eq!(describe(&elsewhere).0[0].1.as_deref(), Some("Elders"));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn files_changed_well_before_a_load_are_taken_from_the_cache_unread() {
        let dir = site(&[
            ("a.md", "+++\ntitle = \"A1\"\n+++\n"),
            ("b.md", "+++\ntitle = \"B1\"\n+++\n"),
        ]);
        let settings = LoadSettings::default();
        let content = dir.path().join("content");
        let mut cache = ParseCache::default();
        Library::load_cached(dir.path(), &content, &settings, &mut cache);
        let titles = |l: &Library| -> Vec<String> {
            l.pages
                .iter()
                .filter_map(|p| p.meta.title.clone())
                .collect()
        };

        // Just written: a rewrite of the same length is read again.
        fs::write(content.join("b.md"), "+++\ntitle = \"B2\"\n+++\n").unwrap();
        let second = Library::load_cached(dir.path(), &content, &settings, &mut cache);
        assert_eq!(titles(&second), ["A1", "B2"]);

        // As if the load had been long after the last change: an unchanged
        // file is not read (the cache's parse is what comes back), and a
        // file written since is.
        for file in cache.files.values_mut() {
            if let Some(stamp) = file.stamp.as_mut() {
                stamp.seen.0 += 3600;
            }
            if let Ok(Parsed::Page(page)) = file.result.as_mut().map(|(p, _)| p) {
                page.meta.title = Some(format!(
                    "{} uit de cache",
                    page.meta.title.clone().unwrap_or_default()
                ));
            }
        }
        fs::write(content.join("b.md"), "+++\ntitle = \"B3\"\n+++\n").unwrap();
        let third = Library::load_cached(dir.path(), &content, &settings, &mut cache);
        assert_eq!(titles(&third), ["A1 uit de cache", "B3"]);
    }

    #[test]
    fn a_stamp_trusts_only_the_same_metadata_changed_well_before() {
        let then = Stamp {
            len: 10,
            modified: (1_000, 5),
            changed: (1_000, 5),
            inode: 7,
            seen: (1_010, 0),
        };
        assert!(then.unchanged(&Stamp {
            seen: (2_000, 0),
            ..then
        }));
        assert!(!then.unchanged(&Stamp { len: 11, ..then }));
        assert!(!then.unchanged(&Stamp {
            changed: (1_000, 6),
            ..then
        }));
        assert!(!then.unchanged(&Stamp {
            modified: (999, 5),
            ..then
        }));
        assert!(!then.unchanged(&Stamp { inode: 8, ..then }));
        // Read in the second it last changed: read again.
        let racy = Stamp {
            seen: (1_001, 0),
            ..then
        };
        assert!(!racy.unchanged(&racy));
    }

    #[test]
    fn places_pages_in_sections_sorted_newest_first() {
        let dir = site(&[
            ("_index.md", "+++\n+++\n"),
            ("publicaties/_index.md", "+++\nsort_by = \"date\"\n+++\n"),
            (
                "publicaties/oud.md",
                "+++\ntitle = \"Oud\"\ndate = 2019-01-01\n+++\n",
            ),
            (
                "publicaties/nieuw.md",
                "+++\ntitle = \"Nieuw\"\ndate = 2021-01-01\n+++\n",
            ),
            (
                "publicaties/zonder.md",
                "+++\ntitle = \"Zonder datum\"\n+++\n",
            ),
        ]);
        let lib = load(&dir);
        assert!(lib.problems.is_empty(), "{:?}", lib.problems);
        let section = lib.section("publicaties/_index.md").unwrap();
        let titles: Vec<_> = section
            .pages
            .iter()
            .map(|&p| lib.pages[p].meta.title.clone().unwrap())
            .collect();
        assert_eq!(titles, ["Nieuw", "Oud"]);
        assert_eq!(section.ignored_pages.len(), 1);
        let nieuw = lib.page("publicaties/nieuw.md").unwrap();
        assert_eq!(nieuw.path, "/publicaties/nieuw/");
        assert_eq!(nieuw.higher, lib.page_id("publicaties/oud.md"));
        assert_eq!(nieuw.lower, None);
        assert_eq!(nieuw.ancestors, ["_index.md", "publicaties/_index.md"]);
        assert_eq!(lib.section("_index.md").unwrap().subsections.len(), 1);
    }

    #[test]
    fn an_unsorted_section_with_several_pages_is_reported() {
        let dir = site(&[
            ("_index.md", "+++\n+++\n"),
            ("a.md", "+++\ntitle = \"A\"\n+++\n"),
            ("b.md", "+++\ntitle = \"B\"\n+++\n"),
        ]);
        let lib = load(&dir);
        assert_eq!(lib.problems.len(), 1);
        assert!(lib.problems[0]
            .to_string()
            .starts_with("content/_index.md: sort_by: not set"));
    }

    #[test]
    fn bundles_and_dated_file_names_get_zola_paths() {
        let dir = site(&[
            ("_index.md", "+++\n+++\n"),
            ("a/_index.md", "+++\n+++\n"),
            ("a/bundel/index.md", "+++\ntitle = \"B\"\n+++\n"),
            ("a/bundel/omslag.jpg", "x"),
            ("a/2020-06-01-met-datum.md", "+++\ntitle = \"D\"\n+++\n"),
            (
                "a/eigen.md",
                "+++\ntitle = \"E\"\nslug = \"Andere Naam\"\n+++\n",
            ),
        ]);
        let lib = load(&dir);
        let bundle = lib.page("a/bundel/index.md").unwrap();
        assert_eq!(bundle.path, "/a/bundel/");
        assert_eq!(bundle.assets, ["a/bundel/omslag.jpg"]);
        let dated = lib.page("a/2020-06-01-met-datum.md").unwrap();
        assert_eq!(dated.path, "/a/met-datum/");
        assert_eq!(dated.date.as_ref().unwrap().text, "2020-06-01");
        assert_eq!(lib.page("a/eigen.md").unwrap().path, "/a/andere-naam/");
    }

    #[test]
    fn a_duplicate_slug_is_reported_and_the_rest_loads() {
        let dir = site(&[
            ("_index.md", "+++\nsort_by = \"title\"\n+++\n"),
            ("a.md", "+++\ntitle = \"A\"\n+++\n"),
            ("b.md", "+++\ntitle = \"B\"\nslug = \"a\"\n+++\n"),
            ("c.md", "+++\ntitle = \"C\"\n+++\n"),
        ]);
        let lib = load(&dir);
        assert_eq!(lib.pages.len(), 2);
        assert_eq!(lib.problems.len(), 1);
        let line = lib.problems[0].to_string();
        assert!(
            line.starts_with("content/b.md: duplicate slug: /a/"),
            "{line}"
        );
    }

    #[test]
    fn broken_files_are_reported_by_name_and_skipped() {
        let dir = site(&[
            ("_index.md", "+++\n+++\n"),
            ("kapot.md", "+++\ntitle = \"x\n+++\n"),
            ("datum.md", "+++\ntitle = \"D\"\ndate = \"gisteren\"\n+++\n"),
            ("goed.md", "+++\ntitle = \"G\"\n+++\n"),
        ]);
        let lib = load(&dir);
        assert_eq!(lib.pages.len(), 1);
        let lines: Vec<String> = lib.problems.iter().map(ToString::to_string).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("content/kapot.md: front matter: invalid TOML")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("content/datum.md: date: 'gisteren' is not a date")),
            "{lines:?}"
        );
    }

    #[test]
    fn drafts_are_left_out_unless_asked_for() {
        let dir = site(&[
            ("_index.md", "+++\n+++\n"),
            ("d.md", "+++\ntitle = \"D\"\ndraft = true\n+++\n"),
        ]);
        assert!(load(&dir).pages.is_empty());
        let settings = LoadSettings {
            taxonomies: vec![],
            include_drafts: true,
        };
        assert_eq!(
            Library::load(dir.path(), &dir.path().join("content"), &settings)
                .pages
                .len(),
            1
        );
    }

    #[test]
    fn taxonomy_terms_group_pages_and_merge_equal_slugs() {
        let dir = site(&[
            ("_index.md", "+++\nsort_by = \"title\"\n+++\n"),
            ("a.md", "+++\ntitle = \"A\"\ndate = 2020-01-01\n[taxonomies]\nthema = [\"Gelijke kansen\"]\n+++\n"),
            ("b.md", "+++\ntitle = \"B\"\ndate = 2021-01-01\n[taxonomies]\nthema = [\"gelijke kansen\"]\n+++\n"),
            ("c.md", "+++\ntitle = \"C\"\n[taxonomies]\nonbekend = [\"x\"]\n+++\n"),
        ]);
        let lib = load(&dir);
        let thema = &lib.taxonomies[0];
        assert_eq!(thema.terms.len(), 1);
        assert_eq!(thema.terms[0].path, "/thema/gelijke-kansen/");
        assert_eq!(
            thema.terms[0].pages,
            [lib.page_id("b.md").unwrap(), lib.page_id("a.md").unwrap()]
        );
        assert!(lib.problems[0].to_string().contains("taxonomies.onbekend"));
    }

    #[test]
    fn a_term_written_twice_on_a_page_lists_the_page_once() {
        let dir = site(&[
            ("_index.md", "+++\nsort_by = \"title\"\n+++\n"),
            ("a.md", "+++\ntitle = \"A\"\ndate = 2020-01-01\n[taxonomies]\nthema = [\"X\"]\n+++\n"),
            ("b.md", "+++\ntitle = \"B\"\ndate = 2021-01-01\n[taxonomies]\nthema = [\"X\", \"Y\", \"X\"]\n+++\n"),
            ("c.md", "+++\ntitle = \"C\"\ndate = 2022-01-01\n[taxonomies]\nthema = [\"X\"]\n+++\n"),
        ]);
        let lib = load(&dir);
        let x = lib.taxonomies[0]
            .terms
            .iter()
            .find(|t| t.name == "X")
            .unwrap();
        let id = |p: &str| lib.page_id(p).unwrap();
        assert_eq!(x.pages, [id("c.md"), id("b.md"), id("a.md")]);
    }

    #[test]
    fn undated_pages_sharing_a_term_are_reported() {
        let dir = site(&[
            ("_index.md", "+++\nsort_by = \"title\"\n+++\n"),
            (
                "a.md",
                "+++\ntitle = \"A\"\n[taxonomies]\nthema = [\"X\"]\n+++\n",
            ),
            (
                "b.md",
                "+++\ntitle = \"B\"\n[taxonomies]\nthema = [\"X\"]\n+++\n",
            ),
            (
                "c.md",
                "+++\ntitle = \"C\"\ndate = 2020-01-01\n[taxonomies]\nthema = [\"X\"]\n+++\n",
            ),
        ]);
        let lines: Vec<String> = load(&dir)
            .problems
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("content/a.md: date: missing on a page with taxonomy terms"),
            "{lines:?}"
        );
    }

    #[test]
    fn natural_order_compares_numbers_as_numbers() {
        assert!(natural_cmp("Aflevering 2", "Aflevering 10").is_lt());
        assert!(natural_cmp("appel", "Banaan").is_lt());
    }
}
