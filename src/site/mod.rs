//! The Zola-compatible renderer: `content/` + `config.toml` + the theme into
//! `public/`, with Zola 0.22's semantics for what the theme uses.
//!
//! The steps, each in its own module: [`config`], loading (in
//! [`crate::content`]), the domain rules ([`crate::model::check`]),
//! [`markdown`], [`templates`], [`render`] (pure, parallel) and [`output`]
//! (the thin writing step).

pub mod config;
mod data;
pub mod markdown;
mod needs;
mod output;
pub mod render;
mod templates;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use config::SiteConfig;
pub use data::SiteData;
pub use needs::ContextNeeds;

use crate::content::{Library, LoadSettings, Problem};

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Templates(#[from] templates::TemplateError),
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error("{0}: no such site directory (it should hold config.toml and content/)")]
    NoSite(PathBuf),
}

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Where to write; `public/` in the site directory by default.
    pub output_dir: Option<PathBuf>,
    /// Replaces `base_url` (as `zola serve` does for the local address).
    pub base_url: Option<String>,
    /// Render drafts too.
    pub include_drafts: bool,
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
    pub problems: Vec<Problem>,
    pub load_time: Duration,
    pub render_time: Duration,
    pub write_time: Duration,
}

impl BuildReport {
    pub fn total_time(&self) -> Duration {
        self.load_time + self.render_time + self.write_time
    }
}

/// Loads the site once: config, content tree and the domain rules.
pub fn load(site_dir: &Path, options: &BuildOptions) -> Result<(SiteConfig, Library), BuildError> {
    if !site_dir.join("config.toml").is_file() {
        return Err(BuildError::NoSite(site_dir.to_path_buf()));
    }
    let mut config = SiteConfig::load(&site_dir.join("config.toml"))?;
    if let Some(base_url) = &options.base_url {
        config.base_url = base_url.trim_end_matches('/').to_string();
    }
    let settings = LoadSettings {
        taxonomies: config.taxonomies.iter().map(|t| t.name.clone()).collect(),
        include_drafts: options.include_drafts,
    };
    let mut library = Library::load(site_dir, &site_dir.join("content"), &settings);
    let problems = crate::model::check(&mut library, &config.extra);
    library.problems.extend(problems);
    Ok((config, library))
}

/// Builds the site in `site_dir` into its output folder.
pub fn build(site_dir: &Path, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_seeing(site_dir, options, |_| {})
}

/// Builds the site, showing `see` the loaded content first (the server
/// indexes it for search without loading it again).
pub fn build_seeing(
    site_dir: &Path,
    options: &BuildOptions,
    see: impl FnOnce(&Library),
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let (config, library) = load(site_dir, options)?;
    see(&library);
    let theme = config.theme.clone();
    let files = templates::template_files(site_dir, theme.as_deref())?;
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|(path, name)| {
            (
                name.clone(),
                std::fs::read_to_string(path).unwrap_or_default(),
            )
        })
        .collect();
    let needs = ContextNeeds::analyse(&sources, &config.feed_filenames);
    let data = Arc::new(SiteData::prepare(config, library, needs));
    let load_time = started.elapsed();

    let started = Instant::now();
    let tera = templates::build_tera(&files, &data)?;
    let rendering = render::render_site(&data, &tera);
    let render_time = started.elapsed();

    let started = Instant::now();
    let output_dir = options
        .output_dir
        .clone()
        .unwrap_or_else(|| site_dir.join("public"));
    let mut static_dirs = Vec::new();
    if let Some(theme) = &theme {
        static_dirs.push(site_dir.join("themes").join(theme).join("static"));
    }
    static_dirs.push(site_dir.join("static"));
    let (files_written, collisions) = output::write_site(
        &rendering.outputs,
        &static_dirs,
        site_dir,
        &data.library,
        &output_dir,
    )?;
    let write_time = started.elapsed();

    let mut problems = data.library.problems.clone();
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
        problems,
        load_time,
        render_time,
        write_time,
    })
}
