//! Incremental rendering: what the last build rendered, and from what, so
//! that a rebuild renders only the outputs whose inputs changed.
//!
//! Every output file is one unit. Its fingerprint covers everything its
//! rendering can read:
//!
//! - its template and every template that template extends, includes or
//!   imports (a changed template re-renders exactly the outputs using it);
//! - its whole context (the page, the section, the paginator, the term,
//!   config), hashed without serializing pages twice: page and section
//!   values are recognised by their `relative_path` and stand in by the
//!   fingerprint computed once per build ([`Fingerprints`]);
//! - the result of every template function it called (`get_section`,
//!   `get_page`, `load_data`, `get_env`, …), recorded while it rendered and
//!   evaluated again (once per build per distinct call) before it is
//!   reused.
//!
//! Rendering depends on nothing else, so a unit whose fingerprint and
//! calls are unchanged would render the same bytes: its file, still on disk
//! with the length it was written with, is kept. Templates that read the
//! clock or chance (`now()`, `get_random`) are never reused. A build
//! without a memo (the CLI's) renders everything, as before; `serve` keeps
//! one between rebuilds.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Hashes `parts` into one fingerprint.
pub fn combine(parts: impl Hash) -> Fp {
    fingerprint::of(&parts)
}

use serde_json::{Map, Value};

use super::present::Present;
pub use crate::content::fingerprint::Fp;
use crate::content::fingerprint::{self, hasher, FastMap, FastSet};
use crate::content::Problem;

/// One template function call made while rendering a unit, and its result.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub name: String,
    pub args: Vec<(String, Value)>,
    /// [`Call::key`] of name and arguments.
    pub key: String,
    pub fp: Fp,
}

impl Call {
    /// The call's identity: name and arguments, in a fixed order.
    pub fn key(name: &str, args: &[(String, Value)]) -> String {
        let mut key = name.to_string();
        for (k, v) in args {
            key.push('\u{1}');
            key.push_str(k);
            key.push('=');
            key.push_str(&v.to_string());
        }
        key
    }
}

/// One output as the last build left it.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub fp: Fp,
    /// The calls it made, as places in [`RenderMemo::calls`].
    pub calls: Vec<u32>,
    /// The length of the file written; `None` when rendering failed.
    pub len: Option<u64>,
    /// The problem its rendering reported, if any.
    pub problem: Option<Problem>,
}

/// What `serve` keeps between rebuilds: every unit of the last build, and
/// every file it left in the output folder.
#[derive(Debug, Default)]
pub struct RenderMemo {
    pub(super) out_dir: PathBuf,
    pub(super) units: FastMap<String, Arc<Unit>>,
    /// Every distinct call (with its result) the units made: each is
    /// checked once per build, however many units made it.
    pub(super) calls: Vec<Call>,
    /// Every file of the last build (rendered, copied, published).
    pub(super) files: FastSet<String>,
    /// Extra files (the API, feeds, newsletter): length and fingerprint of
    /// the bytes last written.
    pub(super) extra: FastMap<String, (u64, Fp)>,
    /// Extra files: the fingerprint of what each was made from (see
    /// [`ExtraMemo`]).
    pub(super) extra_keys: FastMap<String, Fp>,
    pub(super) caches: Caches,
    /// The output's folders and their times after this build (see
    /// [`super::present`]).
    pub(super) folders: super::present::FolderTimes,
}

/// What the last build's load parsed, the Markdown and page values it made
/// and the templates it parsed, by their inputs: a rebuild parses and
/// renders only what changed. A build takes them out of the memo and puts
/// them back with what it made.
#[derive(Debug, Default)]
pub(super) struct Caches {
    pub parsed: crate::content::ParseCache,
    pub markdown: crate::content::markdown::MarkdownCache,
    pub values: ValueCache,
    pub templates: super::templates::ParsedTemplates,
}

/// A memo shared by the builds of one `serve`.
pub type SharedMemo = Arc<Mutex<RenderMemo>>;

/// A unit rendered in this build, with the calls it made.
#[derive(Debug)]
pub(super) struct Fresh {
    pub path: String,
    pub fp: Fp,
    pub calls: Vec<Call>,
    pub len: Option<u64>,
    pub problem: Option<Problem>,
}

impl RenderMemo {
    /// Whether this memo describes `out_dir`.
    pub(super) fn is_for(&self, out_dir: &Path) -> bool {
        !self.units.is_empty() && self.out_dir == out_dir
    }

    /// The memo of a build that kept `kept` from `previous` and rendered
    /// `fresh`; its call table holds only calls a unit still refers to.
    pub(super) fn next(
        previous: Option<&RenderMemo>,
        kept: Vec<(String, Arc<Unit>)>,
        fresh: Vec<Fresh>,
        out_dir: PathBuf,
        files: FastSet<String>,
        extra: FastMap<String, (u64, Fp)>,
        extra_keys: FastMap<String, Fp>,
    ) -> RenderMemo {
        let old: &[Call] = previous.map_or(&[], |p| p.calls.as_slice());
        let mut calls: Vec<Call> = Vec::new();
        let mut index: FastMap<(String, Fp), u32> = FastMap::default();
        let mut intern = |call: &Call, calls: &mut Vec<Call>| -> u32 {
            let key = (call.key.clone(), call.fp);
            *index.entry(key).or_insert_with(|| {
                calls.push(call.clone());
                u32::try_from(calls.len() - 1).unwrap_or(u32::MAX)
            })
        };
        let mut remap: Vec<u32> = vec![u32::MAX; old.len()];
        let mut units =
            FastMap::with_capacity_and_hasher(kept.len() + fresh.len(), Default::default());
        for (path, unit) in kept {
            let ids = unit
                .calls
                .iter()
                .filter_map(|&id| {
                    let at = id as usize;
                    let call = old.get(at)?;
                    if remap[at] == u32::MAX {
                        remap[at] = intern(call, &mut calls);
                    }
                    Some(remap[at])
                })
                .collect();
            let mut unit = (*unit).clone();
            unit.calls = ids;
            units.insert(path, Arc::new(unit));
        }
        for f in fresh {
            let ids = f.calls.iter().map(|c| intern(c, &mut calls)).collect();
            units.insert(
                f.path,
                Arc::new(Unit {
                    fp: f.fp,
                    calls: ids,
                    len: f.len,
                    problem: f.problem,
                }),
            );
        }
        RenderMemo {
            out_dir,
            units,
            calls,
            files,
            extra,
            extra_keys,
            caches: Caches::default(),
            folders: Default::default(),
        }
    }
}

/// A page's fingerprints (see [`Fingerprints`]).
#[derive(Debug, Clone)]
pub struct PageFps {
    pub path: String,
    /// Of its value without `lower`/`higher`, and its number of keys.
    pub whole: (Fp, usize),
    /// Of its value as lists show it.
    pub listed: (Fp, usize),
}

/// Each page's value as the last build serialized it, by its relative
/// path: with the fingerprint of what it was serialized from (its view as
/// JSON), and its fingerprints. A page whose view is unchanged is not
/// serialized or fingerprinted again.
#[derive(Debug, Default)]
pub struct ValueCache {
    pub(super) pages: FastMap<String, CachedPage>,
}

#[derive(Debug)]
pub(super) struct CachedPage {
    pub key: Fp,
    pub value: Value,
    pub fps: PageFps,
}

/// What the extra files (the API, feeds, citations) of the last build were
/// made from. A file whose inputs have the fingerprint they had then, and
/// which is still in the output folder as written, need not be made again.
pub struct ExtraMemo<'a> {
    previous: Option<(&'a RenderMemo, &'a Present<'a>)>,
}

impl<'a> ExtraMemo<'a> {
    pub(super) fn new(previous: Option<&'a RenderMemo>, present: &'a Present<'a>) -> ExtraMemo<'a> {
        ExtraMemo {
            previous: previous.map(|p| (p, present)),
        }
    }

    /// A memo that knows nothing: every file is made.
    pub fn none() -> ExtraMemo<'static> {
        ExtraMemo { previous: None }
    }

    /// Whether the last build made the file at `path` from inputs whose
    /// fingerprint is `key`, and it is still there with the length written.
    pub fn unchanged(&self, path: &str, key: Fp) -> bool {
        let Some((memo, present)) = self.previous else {
            return false;
        };
        if memo.extra_keys.get(path) != Some(&key) {
            return false;
        }
        let Some((len, _)) = memo.extra.get(path) else {
            return false;
        };
        present.has(path, *len)
    }
}

/// Fingerprints computed once per build: each page's and section's value
/// (without the parts that vary by where it is shown), and config.
#[derive(Debug, Default)]
pub struct Fingerprints {
    /// relative path → (fingerprint of the value without `lower` and
    /// `higher`, number of keys).
    pages: FastMap<String, (Fp, usize)>,
    /// The same for the page as lists show it, without [`PAGE_BODY`].
    listed: FastMap<String, (Fp, usize)>,
    /// relative path → (fingerprint without `pages`, number of keys).
    sections: FastMap<String, (Fp, usize)>,
    pub config: Fp,
    /// Results of template calls already fingerprinted in this build.
    calls: std::sync::RwLock<FastMap<String, Fp>>,
}

/// The keys of a page value that depend on where it is shown.
const PAGE_VARYING: &[&str] = &["lower", "higher"];
/// The keys of a page value made from its body, which lists leave out
/// when no template reads them there (see `SiteData::listed_value`).
pub const PAGE_BODY: &[&str] = &["content", "summary", "toc", "word_count", "reading_time"];
/// [`PAGE_VARYING`] and [`PAGE_BODY`].
const LISTED_VARYING: &[&str] = &[
    "lower",
    "higher",
    "content",
    "summary",
    "toc",
    "word_count",
    "reading_time",
];
/// The key of a section value that `get_section` fills or leaves empty.
const SECTION_PAGES: &str = "pages";
const SECTION_VARYING: &[&str] = &[SECTION_PAGES];

impl Fingerprints {
    #[cfg(test)]
    pub fn new(page_values: &[Value], section_values: &[Value], config: &Value) -> Fingerprints {
        use rayon::prelude::*;
        let pages = page_values.par_iter().filter_map(Self::of_page).collect();
        Self::from_pages(pages, section_values, config)
    }

    /// (fingerprint without `varying`, number of keys less `dropped`) of a
    /// page's or section's value, with its relative path.
    fn base(v: &Value, varying: &[&str], dropped: &[&str]) -> Option<(String, (Fp, usize))> {
        let empty = Fingerprints::default();
        let map = v.as_object()?;
        let path = map.get("relative_path")?.as_str()?.to_string();
        let mut h = hasher();
        let mut keys = 0;
        for (k, v) in map {
            if !dropped.contains(&k.as_str()) {
                keys += 1;
            }
            if !varying.contains(&k.as_str()) {
                k.hash(&mut h);
                empty.hash_value(v, &mut h);
            }
        }
        Some((path, (h.finish(), keys)))
    }

    /// A page value's relative path, and its fingerprints whole and as
    /// listed.
    pub fn of_page(v: &Value) -> Option<PageFps> {
        let (path, whole) = Self::base(v, PAGE_VARYING, &[])?;
        let (_, listed) = Self::base(v, LISTED_VARYING, PAGE_BODY)?;
        Some(PageFps {
            path,
            whole,
            listed,
        })
    }

    /// The fingerprints of a build whose pages' are known already.
    pub fn from_pages(
        pages: Vec<PageFps>,
        section_values: &[Value],
        config: &Value,
    ) -> Fingerprints {
        let empty = Fingerprints::default();
        let mut whole = FastMap::with_capacity_and_hasher(pages.len(), Default::default());
        let mut listed = FastMap::with_capacity_and_hasher(pages.len(), Default::default());
        for p in pages {
            listed.insert(p.path.clone(), p.listed);
            whole.insert(p.path, p.whole);
        }
        let sections = section_values
            .iter()
            .filter_map(|v| Self::base(v, SECTION_VARYING, &[]))
            .collect();
        let mut h = hasher();
        empty.hash_value(config, &mut h);
        Fingerprints {
            pages: whole,
            listed,
            sections,
            config: h.finish(),
            calls: Default::default(),
        }
    }

    /// Hashes `value` into `h`; known pages and sections by their
    /// fingerprint and their varying parts.
    pub fn hash_value(&self, value: &Value, h: &mut impl Hasher) {
        match value {
            Value::Null => 0u8.hash(h),
            Value::Bool(b) => (1u8, *b).hash(h),
            Value::Number(n) => {
                2u8.hash(h);
                n.to_string().hash(h);
            }
            Value::String(s) => (3u8, s).hash(h),
            Value::Array(items) => {
                (4u8, items.len()).hash(h);
                for item in items {
                    self.hash_value(item, h);
                }
            }
            Value::Object(map) => {
                if let Some((fp, varying)) = self.known(map) {
                    (6u8, fp).hash(h);
                    for key in varying {
                        self.hash_value(map.get(*key).unwrap_or(&Value::Null), h);
                    }
                    return;
                }
                (5u8, map.len()).hash(h);
                for (k, v) in map {
                    k.hash(h);
                    self.hash_value(v, h);
                }
            }
        }
    }

    fn known(&self, map: &Map<String, Value>) -> Option<(Fp, &'static [&'static str])> {
        let path = map.get("relative_path")?.as_str()?;
        if map.contains_key("higher") {
            if let Some(&(fp, _)) = self.pages.get(path).filter(|(_, k)| *k == map.len()) {
                return Some((fp, PAGE_VARYING));
            }
            let &(fp, keys) = self.listed.get(path)?;
            let listed = keys == map.len() && !PAGE_BODY.iter().any(|k| map.contains_key(*k));
            return listed.then_some((combine(("listed", fp)), PAGE_VARYING));
        }
        if !map.contains_key("subsections") {
            return None;
        }
        let &(fp, keys) = self.sections.get(path)?;
        (keys == map.len()).then_some((fp, SECTION_VARYING))
    }

    /// The fingerprint of a context: `config` by its own, the rest hashed.
    pub fn context(&self, key: &str, template: Fp, context: &Map<String, Value>) -> Fp {
        let mut h = hasher();
        (key, template).hash(&mut h);
        for (k, v) in context {
            k.hash(&mut h);
            if k == "config" {
                self.config.hash(&mut h);
            } else {
                self.hash_value(v, &mut h);
            }
        }
        h.finish()
    }

    /// The fingerprint of a call's result, from this build's memo or by
    /// `evaluate`.
    pub(super) fn call(&self, key: &str, compute: impl FnOnce() -> Fp) -> Fp {
        if let Some(fp) = self.calls.read().ok().and_then(|c| c.get(key).copied()) {
            return fp;
        }
        let fp = compute();
        if let Ok(mut calls) = self.calls.write() {
            calls.insert(key.to_string(), fp);
        }
        fp
    }

    /// The fingerprint of the page at `relative_path` as listings see it
    /// (its neighbours are null there); `value` is hashed when it is not
    /// known.
    pub fn page(&self, relative_path: &str, value: &Value) -> Fp {
        match self.pages.get(relative_path) {
            Some(&(fp, _)) => fp,
            None => {
                let mut h = hasher();
                self.hash_value(value, &mut h);
                h.finish()
            }
        }
    }

    /// The fingerprint of the page at `relative_path` as lists show it
    /// (`SiteData::listed_value`); `value` is made and hashed when it is
    /// not known.
    pub fn listed_page(&self, relative_path: &str, value: impl FnOnce() -> Value) -> Fp {
        match self.listed.get(relative_path) {
            Some(&(fp, _)) => combine(("listed", fp)),
            None => self.of(&value()),
        }
    }

    /// The fingerprint of the section at `relative_path` without its
    /// pages; `value` is hashed when it is not known.
    pub fn section(&self, relative_path: &str, value: &Value) -> Fp {
        match self.sections.get(relative_path) {
            Some(&(fp, _)) => fp,
            None => self.of(value),
        }
    }

    /// Hashes `value` on its own.
    pub fn of(&self, value: &Value) -> Fp {
        let mut h = hasher();
        self.hash_value(value, &mut h);
        h.finish()
    }
}

thread_local! {
    /// The calls of the unit rendering on this thread, while one is.
    static RECORDING: RefCell<Option<Vec<Call>>> = const { RefCell::new(None) };
}

/// Runs `render` while recording the template calls it makes.
pub(super) fn recording<T>(render: impl FnOnce() -> T) -> (T, Vec<Call>) {
    let outer = RECORDING.with(|r| r.borrow_mut().replace(Vec::new()));
    let result = render();
    let calls = RECORDING.with(|r| {
        let mut slot = r.borrow_mut();
        let mine = slot.take().unwrap_or_default();
        *slot = outer;
        mine
    });
    (result, calls)
}

/// A content function's fingerprint of what it would return for some
/// arguments, made from the fingerprints of what it is made of, without
/// building it (`None`: it would fail).
pub type FingerprintFn = Arc<dyn Fn(&HashMap<String, Value>) -> Option<Fp> + Send + Sync>;

/// A template function, and how to fingerprint its result.
#[derive(Clone)]
pub struct Function {
    pub inner: Arc<dyn tera::Function>,
    /// Without one, the result itself is hashed.
    pub fingerprint: Option<FingerprintFn>,
}

impl Function {
    /// The fingerprint of what a call with `args` returns (or `result`,
    /// when the call was just made).
    pub(super) fn fingerprint(
        &self,
        fps: &Fingerprints,
        key: &str,
        args: &HashMap<String, Value>,
        result: Option<&tera::Result<Value>>,
    ) -> Fp {
        let outcome = match (&self.fingerprint, result) {
            (Some(f), _) => f(args),
            (None, Some(result)) => result.as_ref().ok().map(|v| fps.of(v)),
            (None, None) => self.inner.call(args).ok().map(|v| fps.of(&v)),
        };
        // An error: a value no result hashes to.
        outcome.unwrap_or_else(|| combine((7u8, key)))
    }
}

/// A template function that tells the recording unit what it returned.
pub(super) struct Recorded {
    pub name: String,
    pub function: Function,
    pub fps: Arc<Fingerprints>,
}

impl tera::Function for Recorded {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let result = self.function.inner.call(args);
        let active = RECORDING.with(|r| r.borrow().is_some());
        if active {
            let mut sorted: Vec<(String, Value)> =
                args.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            let key = Call::key(&self.name, &sorted);
            let fp = self.fps.call(&key, || {
                self.function
                    .fingerprint(&self.fps, &key, args, Some(&result))
            });
            RECORDING.with(|r| {
                if let Some(calls) = r.borrow_mut().as_mut() {
                    calls.push(Call {
                        name: self.name.clone(),
                        args: sorted,
                        key,
                        fp,
                    });
                }
            });
        }
        result
    }

    fn is_safe(&self) -> bool {
        self.function.inner.is_safe()
    }
}

/// What each template depends on: its own source and those of the
/// templates it extends, includes or imports, as one fingerprint; and
/// whether it reads the clock or chance.
#[derive(Debug, Default)]
pub struct TemplateFps {
    fps: HashMap<String, (Fp, bool)>,
}

impl TemplateFps {
    pub fn new(sources: &[(String, String)]) -> TemplateFps {
        let all: HashMap<&str, &str> = sources
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let deps: HashMap<&str, Option<Vec<String>>> = sources
            .iter()
            .map(|(n, s)| (n.as_str(), dependencies(s)))
            .collect();
        let mut fps = HashMap::new();
        for (name, _) in sources {
            let mut seen: Vec<&str> = Vec::new();
            let mut todo = vec![name.as_str()];
            let mut everything = false;
            while let Some(t) = todo.pop() {
                if seen.contains(&t) {
                    continue;
                }
                seen.push(t);
                match deps.get(t) {
                    Some(Some(list)) => {
                        for d in list {
                            if let Some((&k, _)) = all.get_key_value(d.as_str()) {
                                todo.push(k);
                            }
                        }
                    }
                    Some(None) => everything = true,
                    None => {}
                }
            }
            if everything {
                seen = all.keys().copied().collect();
            }
            seen.sort_unstable();
            let mut h = hasher();
            let mut volatile = false;
            for t in &seen {
                let source = all.get(t).copied().unwrap_or_default();
                volatile |= source.contains("now(") || source.contains("get_random(");
                (t, source).hash(&mut h);
            }
            fps.insert(name.clone(), (h.finish(), volatile));
        }
        TemplateFps { fps }
    }

    /// The fingerprint of `template` with its dependencies, and whether it
    /// may never be reused.
    pub fn of(&self, template: &str) -> (Fp, bool) {
        self.fps.get(template).copied().unwrap_or((0, true))
    }
}

/// The templates a source names in `extends`, `include` and `import`
/// tags; `None` when a tag names one in a way this cannot follow.
fn dependencies(source: &str) -> Option<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("{%") {
        let tag_start = rest.get(at + 2..).unwrap_or_default();
        let Some(end) = tag_start.find("%}") else {
            break;
        };
        let tag = tag_start.get(..end).unwrap_or_default();
        let tag = tag.trim_start_matches('-').trim();
        rest = tag_start.get(end + 2..).unwrap_or_default();
        let keyword = tag.split_whitespace().next().unwrap_or_default();
        if !matches!(keyword, "extends" | "include" | "import") {
            continue;
        }
        let names = quoted(tag);
        if names.is_empty() {
            return None;
        }
        found.extend(names);
    }
    Some(found)
}

/// The string literals of a tag, in either quote.
fn quoted(tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = tag.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '"' || c == '\'' {
            let start = i + 1;
            for (j, d) in chars.by_ref() {
                if d == c {
                    out.push(tag.get(start..j).unwrap_or_default().to_string());
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_dependencies_follow_extends_include_and_import() {
        let sources: Vec<(String, String)> = [
            (
                "base.html",
                "{% import \"macros.html\" as m %}<html>{% block b %}{% endblock %}",
            ),
            ("macros.html", "{% macro x() %}x{% endmacro %}"),
            (
                "page.html",
                "{%- extends 'base.html' -%}{% block b %}{% include \"part.html\" %}{% endblock %}",
            ),
            ("part.html", "part"),
            ("other.html", "alone"),
            ("clock.html", "{{ now() }}"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let before = TemplateFps::new(&sources);
        let mut changed = sources.clone();
        changed[1].1.push_str("{# edited #}");
        let after = TemplateFps::new(&changed);
        assert_ne!(
            before.of("page.html"),
            after.of("page.html"),
            "page uses macros via base"
        );
        assert_ne!(before.of("base.html"), after.of("base.html"));
        assert_eq!(before.of("part.html"), after.of("part.html"));
        assert_eq!(before.of("other.html"), after.of("other.html"));
        assert!(before.of("clock.html").1 && !before.of("page.html").1);
        assert_eq!(dependencies("{% include some_variable %}"), None);
    }

    #[test]
    fn a_known_page_hashes_by_fingerprint_and_its_neighbours() {
        let page = json!({"relative_path": "a.md", "title": "A", "content": "<p>lang</p>", "lower": null, "higher": null});
        let fps = Fingerprints::new(std::slice::from_ref(&page), &[], &json!({}));
        let hash = |v: &Value| {
            let mut h = hasher();
            fps.hash_value(v, &mut h);
            h.finish()
        };
        let mut with_neighbour = page.clone();
        with_neighbour["higher"] = json!({"relative_path": "b.md", "title": "B"});
        assert_ne!(hash(&page), hash(&with_neighbour));
        // The page changed: the next build's fingerprint differs.
        let mut other = page.clone();
        other["title"] = json!("Anders");
        let next = Fingerprints::new(std::slice::from_ref(&other), &[], &json!({}));
        let mut h = hasher();
        next.hash_value(&other, &mut h);
        assert_ne!(hash(&page), h.finish());
        let unknown = Fingerprints::default();
        let mut h = hasher();
        unknown.hash_value(&page, &mut h);
        assert_ne!(h.finish(), hash(&page), "the fast path is taken");
    }
}
