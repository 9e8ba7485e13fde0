//! Tera with Zola's template surface: the theme's templates (overridable
//! from the site's own `templates/`), built-in fallbacks for the files Zola
//! always renders, and Zola's content functions (`get_page`, `get_section`,
//! `get_url`, `get_taxonomy_url`, `get_taxonomy`, `get_taxonomy_term`,
//! `load_data` for local JSON, TOML and plain files) plus the `markdown`
//! filter.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tera::Tera;
use walkdir::WalkDir;

use super::data::SiteData;
use super::memo::{Fp, Function, Recorded, TemplateFps};
use crate::content::markdown::render_fragment;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{dir}: cannot read templates: {message}")]
    Read { dir: PathBuf, message: String },
    #[error("templates: {0}")]
    Parse(String),
}

/// Our own minimal versions of the templates Zola has built in, used only
/// when neither the theme nor the site provides one.
const FALLBACKS: &[(&str, &str)] = &[
    (
        "404.html",
        "<!doctype html>\n<html lang=\"{{ lang }}\"><head><meta charset=\"utf-8\"><title>404</title></head>\
         <body><h1>Pagina niet gevonden</h1></body></html>\n",
    ),
    (
        "robots.txt",
        "User-agent: *\nDisallow:\nAllow: /\nSitemap: {{ get_url(path=\"sitemap.xml\") }}\n",
    ),
    (
        "sitemap.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
         {%- for entry in entries %}\n<url><loc>{{ entry.permalink | safe }}</loc>\
         {% if entry.updated %}<lastmod>{{ entry.updated }}</lastmod>{% endif %}</url>\n{%- endfor %}\n</urlset>\n",
    ),
    (
        "atom.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{{ lang }}\">\
         <title>{{ config.title }}</title><link rel=\"self\" href=\"{{ feed_url | safe }}\"/><id>{{ feed_url | safe }}</id>\
         <updated>{{ last_updated | default(value=now()) | date(format=\"%+\") }}</updated>\
         {% for page in pages %}<entry><title>{{ page.title }}</title><link href=\"{{ page.permalink | safe }}\"/>\
         <id>{{ page.permalink | safe }}</id><updated>{{ page.updated | default(value=page.date) | date(format=\"%+\") }}</updated></entry>{% endfor %}</feed>\n",
    ),
];

/// The redirect page written for every alias (and `page/1/`). A theme may
/// provide its own under this name, as with Zola.
pub const ALIAS_TEMPLATE: &str = "internal/alias.html";
const ALIAS: &str = "<!doctype html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>Doorverwijzing</title>\n<link rel=\"canonical\" href=\"{{ url | safe }}\">\n\
<meta name=\"robots\" content=\"noindex\">\n<meta http-equiv=\"refresh\" content=\"0; url={{ url | safe }}\">\n\
</head>\n<body>\n<p>Deze pagina is verhuisd naar <a href=\"{{ url | safe }}\">{{ url }}</a>.</p>\n</body>\n</html>\n";

/// Collects the template files: the theme's first, then the site's own,
/// which override a theme template of the same name. Theme templates are
/// also reachable as `<theme>/templates/<name>`, as in Zola.
pub fn template_files(
    site_dir: &Path,
    theme: Option<&str>,
) -> Result<Vec<(PathBuf, String)>, TemplateError> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut add_dir = |dir: &Path, prefix: Option<&str>| -> Result<(), TemplateError> {
        if !dir.is_dir() {
            return Ok(());
        }
        for entry in WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| TemplateError::Read {
                dir: dir.to_path_buf(),
                message: e.to_string(),
            })?;
            if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.')
            {
                continue;
            }
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if let Some(prefix) = prefix {
                files.push((
                    entry.path().to_path_buf(),
                    format!("{prefix}/templates/{name}"),
                ));
            }
            files.retain(|(_, n)| *n != name);
            files.push((entry.path().to_path_buf(), name));
        }
        Ok(())
    };
    if let Some(theme) = theme {
        add_dir(
            &site_dir.join("themes").join(theme).join("templates"),
            Some(theme),
        )?;
    }
    add_dir(&site_dir.join("templates"), None)?;
    Ok(files)
}

/// Reads the template files: (template name, source).
pub fn read_sources(files: &[(PathBuf, String)]) -> Result<Vec<(String, String)>, TemplateError> {
    files
        .iter()
        .map(|(path, name)| {
            std::fs::read_to_string(path)
                .map(|text| (name.clone(), text))
                .map_err(|e| TemplateError::Read {
                    dir: path.clone(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// The templates as Tera parsed them, before anything is bound to a
/// build's data, by the fingerprint of their sources. A rebuild whose
/// templates are unchanged copies them instead of parsing them again
/// (parsing was a tenth of a small rebuild). It holds no functions, so it
/// keeps nothing of the last build's data alive.
#[derive(Default)]
pub struct ParsedTemplates {
    parsed: Option<(Fp, Tera)>,
}

impl std::fmt::Debug for ParsedTemplates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedTemplates")
            .field("key", &self.parsed.as_ref().map(|(key, _)| key))
            .finish()
    }
}

/// `sources` parsed, or a copy of what `cache` parsed from the same.
fn parse(
    sources: Vec<(String, String)>,
    cache: Option<&mut ParsedTemplates>,
) -> Result<Tera, TemplateError> {
    let key = super::memo::combine(("templates", &sources));
    if let Some((_, tera)) = cache
        .as_ref()
        .and_then(|c| c.parsed.as_ref())
        .filter(|(k, _)| *k == key)
    {
        return Ok(tera.clone());
    }
    let mut tera = Tera::default();
    tera.add_raw_templates(sources)
        .map_err(|e| TemplateError::Parse(describe(&e)))?;
    if let Some(cache) = cache {
        cache.parsed = Some((key, tera.clone()));
    }
    Ok(tera)
}

/// The theme's templates bound to the site's data, with what rebuilding
/// only what changed needs of them.
pub struct Templates {
    pub tera: Tera,
    /// Each template with what it extends, includes and imports.
    pub fps: TemplateFps,
    /// The content functions by name, for evaluating a recorded call again.
    pub functions: HashMap<String, Function>,
}

/// Builds the Tera instance: templates (`sources`, from
/// [`read_sources`]), fallbacks and Zola's functions bound to `data`.
/// Every function tells the unit rendering what it returned (see
/// [`super::memo`]). With `cache`, unchanged templates are not parsed again.
pub fn build_tera(
    mut sources: Vec<(String, String)>,
    data: &Arc<SiteData>,
    cache: Option<&mut ParsedTemplates>,
) -> Result<Templates, TemplateError> {
    for (name, text) in FALLBACKS {
        if !sources.iter().any(|(n, _)| n == name) {
            sources.push((name.to_string(), text.to_string()));
        }
    }
    if !sources.iter().any(|(n, _)| n == ALIAS_TEMPLATE) {
        sources.push((ALIAS_TEMPLATE.to_string(), ALIAS.to_string()));
    }
    let fps = TemplateFps::new(&sources);
    let mut tera = parse(sources, cache)?;

    let config = data.config.markdown.clone();
    tera.register_filter(
        "markdown",
        move |value: &Value, args: &HashMap<String, Value>| {
            let text = value
                .as_str()
                .ok_or_else(|| tera::Error::msg("`markdown` filter: expects a string"))?;
            let inline = args.get("inline").and_then(Value::as_bool).unwrap_or(false);
            Ok(Value::String(render_fragment(text, &config, inline)))
        },
    );
    let plain = |f: Arc<dyn tera::Function>| Function {
        inner: f,
        fingerprint: None,
    };
    let functions: Vec<(&str, Function)> = vec![
        ("get_page", content(GetPage(data.clone()))),
        ("get_section", content(GetSection(data.clone()))),
        ("get_url", plain(Arc::new(GetUrl(data.clone())))),
        (
            "get_taxonomy_url",
            plain(Arc::new(GetTaxonomyUrl(data.clone()))),
        ),
        ("get_taxonomy", content(GetTaxonomy(data.clone()))),
        ("get_taxonomy_term", content(GetTaxonomyTerm(data.clone()))),
        (
            "load_data",
            plain(Arc::new(LoadData {
                site_dir: data.site_dir().to_path_buf(),
                theme: data.config.theme.clone(),
                cache: Default::default(),
            })),
        ),
        // Tera's own, again, so that what it read is recorded.
        ("get_env", plain(Arc::new(GetEnv))),
    ];
    let mut registry = HashMap::new();
    for (name, function) in functions {
        tera.register_function(
            name,
            Recorded {
                name: name.to_string(),
                function: function.clone(),
                fps: data.fps.clone(),
            },
        );
        registry.insert(name.to_string(), function);
    }
    Ok(Templates {
        tera,
        fps,
        functions: registry,
    })
}

/// `get_env(name, default)`, as Tera has it.
struct GetEnv;

impl tera::Function for GetEnv {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let name = string_arg(args, "get_env", "name")?;
        match std::env::var(&name) {
            Ok(value) => Ok(Value::String(value)),
            Err(_) => match args.get("default") {
                Some(default) => Ok(default.clone()),
                None => Err(tera::Error::msg(format!(
                    "Environment variable `{name}` not found"
                ))),
            },
        }
    }
}

/// A Tera error with its causes, which is where the useful part is.
pub fn describe(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn string_arg(args: &HashMap<String, Value>, function: &str, name: &str) -> tera::Result<String> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(tera::Error::msg(format!(
            "`{function}`: `{name}` must be a string"
        ))),
        None => Err(tera::Error::msg(format!(
            "`{function}` requires a `{name}` argument"
        ))),
    }
}

fn bool_arg(
    args: &HashMap<String, Value>,
    function: &str,
    name: &str,
) -> tera::Result<Option<bool>> {
    match args.get(name) {
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(tera::Error::msg(format!(
            "`{function}`: `{name}` must be true or false"
        ))),
        None => Ok(None),
    }
}

struct GetUrl(Arc<SiteData>);

impl tera::Function for GetUrl {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let path = string_arg(args, "get_url", "path")?;
        let trailing_slash = bool_arg(args, "get_url", "trailing_slash")?.unwrap_or(false);
        if bool_arg(args, "get_url", "cachebust")?.unwrap_or(false) {
            return Err(tera::Error::msg(
                "`get_url`: cachebust is not supported by vindplaats",
            ));
        }
        if let Some(target) = path.strip_prefix("@/") {
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target, None),
            };
            return match self.0.library.path_of(file) {
                Some(p) => {
                    let url = self.0.permalink(p);
                    Ok(Value::String(match anchor {
                        Some(a) => format!("{url}#{a}"),
                        None => url,
                    }))
                }
                None => Err(tera::Error::msg(format!(
                    "`get_url`: could not resolve URL for link `{path}` not found."
                ))),
            };
        }
        let mut url = self.0.permalink(&path);
        if !trailing_slash && url.ends_with('/') {
            url.pop();
        }
        Ok(Value::String(url))
    }
}

struct GetTaxonomyUrl(Arc<SiteData>);

impl tera::Function for GetTaxonomyUrl {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let kind = string_arg(args, "get_taxonomy_url", "kind")?;
        let name = string_arg(args, "get_taxonomy_url", "name")?;
        let required = bool_arg(args, "get_taxonomy_url", "required")?.unwrap_or(true);
        let Some(t) = self.0.taxonomy_id(&kind) else {
            return if required {
                Err(tera::Error::msg(format!(
                    "`get_taxonomy_url` received an unknown taxonomy as kind: {kind}"
                )))
            } else {
                Ok(Value::Null)
            };
        };
        let wanted = slug::slugify(&name);
        match self.0.library.taxonomies[t]
            .terms
            .iter()
            .find(|term| term.slug == wanted)
        {
            Some(term) => Ok(Value::String(self.0.permalink(&term.path))),
            None => Err(tera::Error::msg(format!(
                "`get_taxonomy_url`: couldn't find `{name}` in `{kind}` taxonomy"
            ))),
        }
    }
}

/// What a content function found: its result is made of these.
enum Found {
    Page(usize),
    /// With its pages, or its metadata only.
    Section(usize, bool),
    /// A taxonomy with every term and its pages.
    Taxonomy(usize),
    /// A term, with or without its pages.
    Term(usize, usize, bool),
    Null,
}

impl Found {
    fn value(&self, data: &SiteData) -> Value {
        match *self {
            Found::Page(i) => data.page_value(i),
            Found::Section(s, with_pages) => data.section_value(s, with_pages),
            Found::Taxonomy(t) => data.taxonomy_value(t, true),
            Found::Term(t, term, with_pages) => data.term_value(t, term, with_pages),
            Found::Null => Value::Null,
        }
    }

    /// A fingerprint of [`Found::value`], from what it is made of.
    fn fingerprint(&self, data: &SiteData) -> Fp {
        match *self {
            Found::Page(i) => data.page_value_fp(i),
            Found::Section(s, with_pages) => data.section_value_fp(s, with_pages),
            Found::Taxonomy(t) => data.taxonomy_value_fp(t),
            Found::Term(t, term, with_pages) => data.term_value_fp(t, term, with_pages),
            Found::Null => 0,
        }
    }
}

/// A content function: finds what its arguments name.
trait Finder: Send + Sync + 'static {
    fn find(&self, args: &HashMap<String, Value>) -> tera::Result<Found>;
    fn data(&self) -> &SiteData;
}

/// A [`Finder`] as a template function, with the fingerprint of its
/// result made without building it.
struct Content<F: Finder>(Arc<F>);

impl<F: Finder> tera::Function for Content<F> {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        self.0.find(args).map(|found| found.value(self.0.data()))
    }
}

fn content<F: Finder>(finder: F) -> Function {
    let finder = Arc::new(finder);
    let fingerprint = finder.clone();
    Function {
        inner: Arc::new(Content(finder)),
        fingerprint: Some(Arc::new(move |args: &HashMap<String, Value>| {
            fingerprint
                .find(args)
                .ok()
                .map(|found| found.fingerprint(fingerprint.data()))
        })),
    }
}

struct GetPage(Arc<SiteData>);

impl Finder for GetPage {
    fn find(&self, args: &HashMap<String, Value>) -> tera::Result<Found> {
        let path = string_arg(args, "get_page", "path")?;
        match self.0.library.page_id(path.trim_start_matches("@/")) {
            Some(i) => Ok(Found::Page(i)),
            None => Err(tera::Error::msg(format!("Page `{path}` not found."))),
        }
    }

    fn data(&self) -> &SiteData {
        &self.0
    }
}

struct GetSection(Arc<SiteData>);

impl Finder for GetSection {
    fn find(&self, args: &HashMap<String, Value>) -> tera::Result<Found> {
        let path = string_arg(args, "get_section", "path")?;
        let metadata_only = bool_arg(args, "get_section", "metadata_only")?.unwrap_or(false);
        match self.0.library.section_id(path.trim_start_matches("@/")) {
            Some(s) => Ok(Found::Section(s, !metadata_only)),
            None => Err(tera::Error::msg(format!("Section `{path}` not found."))),
        }
    }

    fn data(&self) -> &SiteData {
        &self.0
    }
}

struct GetTaxonomy(Arc<SiteData>);

impl Finder for GetTaxonomy {
    fn find(&self, args: &HashMap<String, Value>) -> tera::Result<Found> {
        let kind = string_arg(args, "get_taxonomy", "kind")?;
        let required = bool_arg(args, "get_taxonomy", "required")?.unwrap_or(true);
        match self.0.taxonomy_id(&kind) {
            Some(t) => Ok(Found::Taxonomy(t)),
            None if !required => Ok(Found::Null),
            None => Err(tera::Error::msg(format!(
                "`get_taxonomy` received an unknown taxonomy as kind: {kind}"
            ))),
        }
    }

    fn data(&self) -> &SiteData {
        &self.0
    }
}

struct GetTaxonomyTerm(Arc<SiteData>);

impl Finder for GetTaxonomyTerm {
    fn find(&self, args: &HashMap<String, Value>) -> tera::Result<Found> {
        let kind = string_arg(args, "get_taxonomy_term", "kind")?;
        let term = string_arg(args, "get_taxonomy_term", "term")?;
        let include_pages = bool_arg(args, "get_taxonomy_term", "include_pages")?.unwrap_or(true);
        let required = bool_arg(args, "get_taxonomy_term", "required")?.unwrap_or(true);
        let Some(t) = self.0.taxonomy_id(&kind) else {
            return if required {
                Err(tera::Error::msg(format!(
                    "`get_taxonomy_term` received an unknown taxonomy as kind: {kind}"
                )))
            } else {
                Ok(Found::Null)
            };
        };
        match self.0.library.taxonomies[t]
            .terms
            .iter()
            .position(|i| i.name == term)
        {
            Some(i) => Ok(Found::Term(t, i, include_pages)),
            None if !required => Ok(Found::Null),
            None => Err(tera::Error::msg(format!(
                "`get_taxonomy_term` received an unknown term: {term}"
            ))),
        }
    }

    fn data(&self) -> &SiteData {
        &self.0
    }
}

/// The largest file `load_data` reads: data for templates, not a dump.
pub const MAX_DATA_BYTES: u64 = 16 * 1024 * 1024;

/// Zola's `load_data` for local files: `path` relative to the site
/// directory (or, as Zola searches, to `static/`, `content/` and the
/// theme's `static/`; `@/` is `content/`), `format` from the argument or the
/// extension (json, toml, plain), `required` (default true: a missing file
/// is an error; false: it is null). A file that does not parse is an error
/// either way, as in Zola. Paths stay inside the site: `..` and absolute
/// paths are refused, and so is a link that leads outside. `url` and
/// `literal` are not supported.
struct LoadData {
    site_dir: PathBuf,
    theme: Option<String>,
    /// Parsed files by path and format: a partner template asks once per
    /// partner page.
    cache: std::sync::Mutex<HashMap<(PathBuf, String), Value>>,
}

impl LoadData {
    /// The file `path` names, if it exists inside the site.
    fn find(&self, path: &str) -> tera::Result<Option<PathBuf>> {
        let relative = match path.strip_prefix("@/") {
            Some(rest) => format!("content/{rest}"),
            None => path.trim_start_matches('/').to_string(),
        };
        let unsafe_part = Path::new(&relative).components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
        if unsafe_part || relative.contains('\\') {
            return Err(tera::Error::msg(format!(
                "`load_data`: {path:?} is not inside the site directory"
            )));
        }
        let mut candidates = vec![
            self.site_dir.clone(),
            self.site_dir.join("static"),
            self.site_dir.join("content"),
        ];
        if let Some(theme) = &self.theme {
            candidates.push(self.site_dir.join("themes").join(theme).join("static"));
        }
        let Some(found) = candidates
            .iter()
            .map(|dir| dir.join(&relative))
            .find(|p| p.is_file())
        else {
            return Ok(None);
        };
        // A link may lead anywhere: what it leads to must be in the site.
        let real = found
            .canonicalize()
            .map_err(|e| tera::Error::msg(format!("`load_data`: {}: {e}", found.display())))?;
        let root = self
            .site_dir
            .canonicalize()
            .unwrap_or_else(|_| self.site_dir.clone());
        if !real.starts_with(&root) {
            return Err(tera::Error::msg(format!(
                "`load_data`: {path:?} is not inside the site directory"
            )));
        }
        Ok(Some(real))
    }
}

fn read_data(file: &Path, format: &str) -> tera::Result<Value> {
    let fail = |e: String| tera::Error::msg(format!("`load_data`: {}: {e}", file.display()));
    let size = std::fs::metadata(file)
        .map_err(|e| fail(e.to_string()))?
        .len();
    if size > MAX_DATA_BYTES {
        return Err(fail(format!(
            "{size} bytes, more than the {MAX_DATA_BYTES} a data file may have"
        )));
    }
    let text = std::fs::read_to_string(file).map_err(|e| fail(e.to_string()))?;
    match format {
        "json" => serde_json::from_str(&text).map_err(|e| fail(e.to_string())),
        "toml" => {
            let table: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| fail(e.to_string()))?;
            Ok(crate::content::config::toml_to_json(&toml::Value::Table(
                table,
            )))
        }
        "plain" => Ok(Value::String(text)),
        other => Err(fail(format!(
            "format {other:?} is not supported by vindplaats (json, toml, plain)"
        ))),
    }
}

impl tera::Function for LoadData {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        if args.contains_key("url") || args.contains_key("literal") {
            return Err(tera::Error::msg(
                "`load_data`: only `path` is supported by vindplaats (no `url`, no `literal`)",
            ));
        }
        let path = string_arg(args, "load_data", "path")?;
        let required = bool_arg(args, "load_data", "required")?.unwrap_or(true);
        let format = match args.get("format") {
            Some(Value::String(f)) => f.to_lowercase(),
            Some(_) => return Err(tera::Error::msg("`load_data`: `format` must be a string")),
            None => match Path::new(&path).extension().and_then(|e| e.to_str()) {
                Some("json") => "json".into(),
                Some("toml") => "toml".into(),
                _ => "plain".into(),
            },
        };
        let file = match self.find(&path) {
            Ok(Some(file)) => file,
            // As Zola: not required, then a missing or refused path is null.
            Ok(None) | Err(_) if !required => return Ok(Value::Null),
            Ok(None) => {
                return Err(tera::Error::msg(format!(
                    "`load_data`: {} doesn't exist",
                    self.site_dir.join(&path).display()
                )))
            }
            Err(e) => return Err(e),
        };
        let key = (file.clone(), format.clone());
        if let Some(v) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(v);
        }
        let value = read_data(&file, &format)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, value.clone());
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tera::Function;

    fn load_data(site: &Path) -> LoadData {
        LoadData {
            site_dir: site.to_path_buf(),
            theme: Some("t".into()),
            cache: Default::default(),
        }
    }

    #[test]
    fn unchanged_templates_are_copied_from_the_cache_and_changed_ones_parsed() {
        let sources = |text: &str| vec![("page.html".to_string(), text.to_string())];
        let render = |tera: &Tera| {
            tera.render("page.html", &tera::Context::new())
                .unwrap_or_else(|e| format!("error: {e}"))
        };
        let mut cache = ParsedTemplates::default();
        let first = parse(sources("een"), Some(&mut cache)).unwrap();
        assert_eq!(render(&first), "een");
        // What the cache holds under the key of the same sources is what a
        // rebuild gets: it is not parsed again.
        let mut other = Tera::default();
        other.add_raw_template("page.html", "uit de cache").unwrap();
        if let Some((_, tera)) = cache.parsed.as_mut() {
            *tera = other;
        }
        assert_eq!(
            render(&parse(sources("een"), Some(&mut cache)).unwrap()),
            "uit de cache"
        );
        // Changed sources are parsed, and replace the cached parse.
        assert_eq!(
            render(&parse(sources("twee"), Some(&mut cache)).unwrap()),
            "twee"
        );
        assert_eq!(
            render(&parse(sources("twee"), Some(&mut cache)).unwrap()),
            "twee"
        );
        // A broken template is an error, whatever the cache holds.
        assert!(parse(sources("{% if %}"), Some(&mut cache)).is_err());
        assert_eq!(
            render(&parse(sources("twee"), Some(&mut cache)).unwrap()),
            "twee"
        );
    }

    fn call(f: &LoadData, args: &[(&str, Value)]) -> tera::Result<Value> {
        f.call(
            &args
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn load_data_reads_json_and_toml_inside_the_site_only() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("data")).unwrap();
        std::fs::create_dir_all(site.path().join("themes/t/static")).unwrap();
        std::fs::write(site.path().join("data/a.json"), r#"{"n": 1}"#).unwrap();
        std::fs::write(site.path().join("themes/t/static/b.toml"), "n = 2").unwrap();
        std::fs::write(site.path().join("data/bad.json"), "{").unwrap();
        let f = load_data(site.path());
        let path = |p: &str| ("path", Value::String(p.into()));
        let not_required = ("required", Value::Bool(false));
        assert_eq!(call(&f, &[path("data/a.json")]).unwrap()["n"], 1);
        assert_eq!(call(&f, &[path("/data/a.json")]).unwrap()["n"], 1);
        assert_eq!(call(&f, &[path("b.toml")]).unwrap()["n"], 2, "theme static");
        assert!(call(&f, &[path("data/none.json")]).is_err());
        assert_eq!(
            call(&f, &[path("data/none.json"), not_required.clone()]).unwrap(),
            Value::Null
        );
        assert!(
            call(&f, &[path("data/bad.json"), not_required.clone()]).is_err(),
            "a file that does not parse is an error even when not required"
        );
        let escape = call(&f, &[path("data/../../etc/passwd")]).unwrap_err();
        assert!(
            describe(&escape).contains("not inside"),
            "{}",
            describe(&escape)
        );
        assert_eq!(
            call(&f, &[path("../x.json"), not_required]).unwrap(),
            Value::Null
        );
        assert!(call(&f, &[("url", Value::String("https://x".into()))]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn load_data_does_not_follow_a_link_out_of_the_site() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.json"), "{}").unwrap();
        let site = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.json"),
            site.path().join("link.json"),
        )
        .unwrap();
        let f = load_data(site.path());
        let e = call(&f, &[("path", Value::String("link.json".into()))]).unwrap_err();
        assert!(describe(&e).contains("not inside"), "{}", describe(&e));
    }
}
