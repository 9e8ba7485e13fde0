//! The Zola-compatible renderer: `content/` + `config.toml` + the theme into
//! `public/`, with Zola 0.22's semantics for what the theme uses.
//!
//! The steps, each in its own module: [`config`], loading (in
//! [`crate::content`]), the domain rules ([`crate::model::check`]),
//! [`markdown`], [`templates`], [`render`] (pure, parallel) and [`output`]
//! (the thin writing step).

mod data;
mod memo;
mod needs;
pub mod newsletter;
mod output;
mod present;
pub mod render;
mod templates;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::content::config::{self, SiteConfig};
pub use crate::content::markdown;
pub use data::SiteData;
pub use memo::{combine, ExtraMemo, Fp, RenderMemo, SharedMemo};
pub use needs::ContextNeeds;

use crate::content::markdown::Rendered;
use crate::content::Problem;
use crate::model::{Collection, LoadError, LoadOptions};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Templates(#[from] templates::TemplateError),
    #[error(transparent)]
    Output(#[from] output::OutputError),
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Where to write; `public/` in the site directory by default.
    pub output_dir: Option<PathBuf>,
    /// Replaces `base_url` (as `zola serve` does for the local address).
    pub base_url: Option<String>,
    /// Render drafts too.
    pub include_drafts: bool,
    /// What the last build rendered: given one, a build renders only the
    /// outputs whose inputs changed, and leaves it describing this build
    /// (`serve` keeps one; see [`memo`]).
    pub memo: Option<SharedMemo>,
    /// Give every template its whole context, as Zola does, instead of
    /// leaving out what no template reads ([`ContextNeeds`]): slower, and
    /// the same output, which is what tests check with it.
    pub whole_contexts: bool,
}

/// What a build did, for the summary line and for tests.
#[derive(Debug, Default)]
pub struct BuildReport {
    pub output_dir: PathBuf,
    pub pages: usize,
    pub sections: usize,
    pub pagers: usize,
    pub taxonomy_terms: usize,
    pub aliases: usize,
    pub feeds: usize,
    pub files_written: usize,
    /// Outputs rendered by this build; the others were kept from the last
    /// (with a memo; without one, every output is rendered).
    pub rendered: usize,
    pub problems: Vec<Problem>,
    pub load_time: Duration,
    pub render_time: Duration,
    pub write_time: Duration,
    /// The finer steps within those three, in order, for the benchmark
    /// and `serve`'s debug log: loading, Markdown and page values, rendering,
    /// the extra files, writing.
    pub steps: Vec<(&'static str, Duration)>,
}

impl BuildReport {
    pub fn total_time(&self) -> Duration {
        self.load_time + self.render_time + self.write_time
    }
}

impl BuildOptions {
    /// What loading the site needs of these options.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            base_url: self.base_url.clone(),
            include_drafts: self.include_drafts,
        }
    }
}

/// Builds the site in `site_dir` into its output folder.
pub fn build(site_dir: &Path, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_seeing(site_dir, options, |_| {})
}

/// Builds the site, showing `see` the loaded collection once the site is
/// written (the server indexes it for search and publishes its API without
/// loading it again).
pub fn build_seeing(
    site_dir: &Path,
    options: &BuildOptions,
    see: impl FnOnce(&Collection),
) -> Result<BuildReport, BuildError> {
    build_with(site_dir, options, see, |_, _, _| Extra::default())
}

/// More for the same output folder: files (path inside it, contents), the
/// files left as the last build wrote them (see [`ExtraMemo`]), the key of
/// every file for the next build, and the problems found making them.
#[derive(Debug, Default)]
pub struct Extra {
    pub files: Vec<(String, Vec<u8>)>,
    /// Paths whose file the last build made from the same inputs, and which
    /// is still there as it was written: not made again.
    pub kept: Vec<String>,
    /// Path → the fingerprint of what each file (made or kept) is made
    /// from.
    pub keys: crate::content::fingerprint::FastMap<String, Fp>,
    pub problems: Vec<Problem>,
}

/// The prepared data (every page's Markdown rendered) and the theme's
/// templates bound to it.
fn prepare(
    site_dir: &Path,
    collection: Collection,
    fingerprints: bool,
    whole_contexts: bool,
    markdown_cache: Option<&mut markdown::MarkdownCache>,
    value_cache: Option<&mut memo::ValueCache>,
    template_cache: Option<&mut templates::ParsedTemplates>,
) -> Result<(Arc<SiteData>, templates::Templates), BuildError> {
    let config = &collection.config;
    let files = templates::template_files(site_dir, config.theme.as_deref())?;
    let sources = templates::read_sources(&files)?;
    let needs = if whole_contexts {
        ContextNeeds::all()
    } else {
        ContextNeeds::analyse(&sources, &config.feed_filenames)
    };
    tracing::debug!("what the templates read: {needs:?}");
    let data = Arc::new(SiteData::prepare(
        collection,
        needs,
        fingerprints,
        markdown_cache,
        value_cache,
    ));
    let tera = templates::build_tera(sources, &data, template_cache)?;
    Ok((data, tera))
}

/// The newsletter's files (see [`newsletter`]) of a loaded site, for a
/// `public/` that `zola build` made: (path inside the output folder,
/// contents), the problems rendering them, and the collection back with
/// every page's rendered Markdown for the API and feeds.
pub fn newsletter_files(
    site_dir: &Path,
    options: &LoadOptions,
    collection: Collection,
) -> Result<(Extra, Collection, Vec<Rendered>), BuildError> {
    let (data, tera) = prepare(site_dir, collection, false, false, None, None, None)?;
    let rendering = render::render_newsletters(&data, &tera);
    drop(tera);
    let files = rendering
        .outputs
        .into_iter()
        .filter_map(|o| o.body.map(|body| (o.path, body.into_bytes())))
        .collect();
    let extra = Extra {
        files,
        problems: rendering.problems,
        ..Default::default()
    };
    match Arc::try_unwrap(data) {
        Ok(data) => {
            let (collection, html) = data.into_parts();
            Ok((extra, collection, html))
        }
        // Not reached today (the templates were the only other holder);
        // the API and feeds then render the Markdown themselves.
        Err(data) => {
            drop(data);
            Ok((extra, Collection::load(site_dir, options)?, Vec::new()))
        }
    }
}

/// Builds the site, showing `see` the loaded collection once it is written. `extra`
/// gets the collection with every page's rendered Markdown once the site is
/// rendered, and returns more files to write with the site's (the API and
/// feeds, made without loading or rendering again). They are written in the
/// same pass, so a rebuild leaves an unchanged one untouched and removes
/// one no longer made.
pub fn build_with(
    site_dir: &Path,
    options: &BuildOptions,
    see: impl FnOnce(&Collection),
    extra: impl FnOnce(&Collection, &[Rendered], &ExtraMemo) -> Extra,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let mut steps = Steps::default();
    // With a memo, what the last build parsed and rendered of the content
    // is used again where its inputs are unchanged.
    let mut caches: Option<memo::Caches> = options.memo.as_ref().map(|m| {
        let mut memo = m.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut memo.caches)
    });
    let collection = match caches.as_mut() {
        Some(c) => Collection::load_cached(site_dir, &options.load_options(), &mut c.parsed)?,
        None => Collection::load(site_dir, &options.load_options())?,
    };
    steps.done("load");
    let theme = collection.config.theme.clone();
    let (markdown_cache, value_cache, template_cache) = match caches.as_mut() {
        Some(c) => (
            Some(&mut c.markdown),
            Some(&mut c.values),
            Some(&mut c.templates),
        ),
        None => (None, None, None),
    };
    let (data, tera) = prepare(
        site_dir,
        collection,
        options.memo.is_some(),
        options.whole_contexts,
        markdown_cache,
        value_cache,
        template_cache,
    )?;
    steps.done("prepare");
    let load_time = started.elapsed();

    let started = Instant::now();
    let output_dir = options
        .output_dir
        .clone()
        .unwrap_or_else(|| site_dir.join("public"));
    // The last build's memo, when it describes this output folder.
    let empty = RenderMemo::default();
    let mut previous = options
        .memo
        .as_ref()
        .map(|m| std::mem::take(&mut *m.lock().unwrap_or_else(|e| e.into_inner())))
        .filter(|m| m.is_for(&output_dir));
    let incremental = options.memo.is_some();
    // Which of the last build's files are still there, by their folders.
    let present = present::Present::new(&output_dir, previous.as_ref().map(|m| &m.folders));
    // Without a memo, each output is written as soon as it is rendered, so
    // that the whole site is never in memory at once.
    let streamer = match incremental {
        true => None,
        false => Some(output::Streamer::new(&output_dir)?),
    };
    let sink = |place: (usize, usize), o: &render::Output| {
        if let Some(streamer) = &streamer {
            streamer.put(place, o);
        }
    };
    let mut rendering = render::render_site(
        &data,
        &tera,
        incremental.then(|| (previous.as_ref().unwrap_or(&empty), &present)),
        streamer.as_ref().map(|_| &sink as render::Sink<'_>),
    );
    // An output kept from the last build that collides with another is
    // rendered again, with everything: which one wins depends on order.
    if previous.is_some() && output::kept_collides(&rendering.outputs) {
        previous = None;
        rendering = render::render_site(&data, &tera, Some((&empty, &present)), None);
    }
    let streamed = streamer.map(output::Streamer::finish).transpose()?;
    if let Some(written) = streamed {
        tracing::debug!(
            "wrote {written} of the {} pages rendered as they were rendered",
            rendering.streamed
        );
    }
    let rendered = rendering.streamed
        + rendering
            .outputs
            .iter()
            .filter(|o| o.body.is_some())
            .count();
    if incremental && rendered < 50 {
        let paths: Vec<&str> = rendering
            .outputs
            .iter()
            .filter(|o| o.body.is_some())
            .map(|o| o.path.as_str())
            .collect();
        tracing::debug!("rendered {rendered} outputs: {}", paths.join(" "));
    }
    // A rebuild writes what it rendered now: an edited page is served
    // while the API and feeds are made.
    let written_before = match incremental {
        true => output::write_rendered(&mut rendering.outputs, &output_dir)?,
        false => Vec::new(),
    };
    steps.done("render");
    // The template functions hold the only other handles on the data.
    drop(tera);
    let extra_memo = ExtraMemo::new(previous.as_ref(), &present);
    let (collection, more) = match Arc::try_unwrap(data) {
        Ok(mut data) => {
            if let Some(c) = caches.as_mut() {
                c.values = data.take_values();
            }
            let (collection, html) = data.into_parts();
            let more = extra(&collection, &html, &extra_memo);
            (collection, more)
        }
        // Not reached today; the extra files then render the Markdown
        // themselves when given none.
        Err(data) => {
            drop(data);
            let collection = Collection::load(site_dir, &options.load_options())?;
            let more = extra(&collection, &[], &extra_memo);
            (collection, more)
        }
    };
    rendering.problems.extend(more.problems);
    steps.done("extra");
    let render_time = started.elapsed();

    let started = Instant::now();
    let mut static_dirs = Vec::new();
    if let Some(theme) = &theme {
        static_dirs.push(site_dir.join("themes").join(theme).join("static"));
    }
    static_dirs.push(site_dir.join("static"));
    let written = output::write_site(
        &rendering.outputs,
        &more.files,
        &more.kept,
        &static_dirs,
        site_dir,
        &collection.library,
        &output_dir,
        previous.as_ref(),
        incremental,
        &written_before,
    );
    // A failed write leaves no memo: the next build renders everything.
    let output::Written {
        files: files_written,
        collisions,
        paths: files,
        extra_fps,
        touched,
    } = written?;
    steps.done("write");
    // After the site is written, so that a changed page is served without
    // waiting for what `see` makes of the collection (the search index's
    // documents and the OAI-PMH repository in `serve`).
    see(&collection);
    steps.done("see");
    if let (Some(shared), Some((kept, fresh))) = (&options.memo, rendering.units.take()) {
        let folders = present.next_times(previous.as_ref().map(|m| &m.folders), &files, &touched);
        let mut next = RenderMemo::next(
            previous.as_ref(),
            kept,
            fresh,
            output_dir.clone(),
            files,
            extra_fps,
            more.keys,
        );
        next.folders = folders;
        if let Some(caches) = caches {
            next.caches = caches;
        }
        if let Ok(mut memo) = shared.lock() {
            *memo = next;
        }
    }
    steps.done("memo");
    let write_time = started.elapsed();
    tracing::debug!("build steps: {}", steps);

    let mut problems = collection.library.problems.clone();
    problems.extend(rendering.problems);
    problems.extend(collisions);
    problems.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(BuildReport {
        output_dir,
        pages: rendering.pages,
        sections: rendering.sections,
        pagers: rendering.pagers,
        taxonomy_terms: rendering.terms,
        aliases: rendering.aliases,
        feeds: rendering.feeds,
        files_written,
        rendered,
        problems,
        load_time,
        render_time,
        write_time,
        steps: steps.list,
    })
}

/// The time each step of a build took, as it goes.
struct Steps {
    list: Vec<(&'static str, Duration)>,
    since: Instant,
}

impl Default for Steps {
    fn default() -> Self {
        Steps {
            list: Vec::new(),
            since: Instant::now(),
        }
    }
}

impl Steps {
    fn done(&mut self, step: &'static str) {
        let now = Instant::now();
        self.list.push((step, now - self.since));
        self.since = now;
    }
}

impl std::fmt::Display for Steps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .list
            .iter()
            .map(|(step, took)| format!("{step} {:.0} ms", took.as_secs_f64() * 1000.0))
            .collect();
        f.write_str(&parts.join(", "))
    }
}
