//! Rendering as a pure step: from the prepared site and Tera to a list of
//! outputs (path in `public/` and bytes), in parallel with rayon. Nothing
//! here touches the disk.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde_json::{Map, Value};
use tera::{Context, Tera};

mod content;
mod extras;
mod pagination;

use pagination::Pagination;

use super::data::SiteData;
use super::memo::{self, Fp, Fresh, RenderMemo, Unit};
use super::newsletter;
use super::present::Present;
use super::templates::Templates;
use super::templates::{describe, ALIAS_TEMPLATE};
use crate::content::Problem;

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct Output {
    /// Relative to `public/`, with `/` separators: `publicaties/x/index.html`.
    pub path: String,
    /// `None`: unchanged since the last build, and still on disk.
    pub body: Option<String>,
}

/// Where a build without a memo puts each output as soon as it is
/// rendered, so that the whole site is never in memory at once: given the
/// output's place in the order of outputs (job, place within the job; the
/// first of two outputs for one path wins) and the output. Its body is
/// dropped after.
pub type Sink<'a> = &'a (dyn Fn((usize, usize), &Output) + Sync);

/// What rendering produced, with counts for the build report.
#[derive(Debug, Default)]
pub struct Rendering {
    /// Every output, in order; those given to a [`Sink`] without a body.
    pub outputs: Vec<Output>,
    /// How many outputs were rendered and given to the sink.
    pub streamed: usize,
    pub problems: Vec<Problem>,
    pub pages: usize,
    pub sections: usize,
    pub pagers: usize,
    pub terms: usize,
    pub aliases: usize,
    pub feeds: usize,
    /// Every output's unit, when rebuilding only what changed.
    pub(super) units: Option<Units>,
}

/// The units a build kept from the last (by path) and those it rendered.
pub(super) type Units = (Vec<(String, Arc<Unit>)>, Vec<Fresh>);

enum Job {
    Page(usize),
    Section(usize),
    TaxonomyList(usize),
    TaxonomyTerm(usize, usize),
    Feeds,
    Extras,
    Newsletter(usize),
    NewsletterArchive,
}

/// Why one output did not render.
#[derive(Debug, Clone, thiserror::Error)]
enum RenderError {
    /// The context could not become Tera's (a value Tera cannot hold).
    #[error("the template context: {0}")]
    Context(String),
    /// The template itself failed, with Tera's causes.
    #[error("template {template}: {message}")]
    Template { template: String, message: String },
}

const NEWSLETTER_WEB: &str = "nieuwsbrief.html";
const NEWSLETTER_EMAIL: &str = "nieuwsbrief-email.html";
const NEWSLETTER_ARCHIVE: &str = "nieuwsbrieven.html";

impl Job {
    fn kind(&self) -> &'static str {
        match self {
            Job::Page(_) => "page",
            Job::Section(_) => "section",
            Job::TaxonomyList(_) => "taxonomy list",
            Job::TaxonomyTerm(..) => "taxonomy term",
            Job::Feeds => "feeds",
            Job::Extras => "404/robots/sitemap",
            Job::Newsletter(_) | Job::NewsletterArchive => "newsletter",
        }
    }
}

#[derive(Default)]
struct JobResult {
    outputs: Vec<Output>,
    problems: Vec<Problem>,
    pages: usize,
    sections: usize,
    pagers: usize,
    terms: usize,
    aliases: usize,
    feeds: usize,
}

struct Renderer<'a> {
    data: &'a SiteData,
    tera: &'a Tera,
    templates: &'a Templates,
    names: HashSet<String>,
    /// Whether the theme has the newsletter's three templates.
    newsletters: bool,
    /// The months with a newsletter (none without the templates).
    months: Vec<newsletter::Month>,
    /// What the last build rendered, when rebuilding only what changed.
    previous: Option<&'a RenderMemo>,
    /// What the output folder still holds of the last build's files.
    present: Option<&'a Present<'a>>,
    /// Every unit rendered or kept in this build (when rebuilding only
    /// what changed).
    units: Option<Mutex<Units>>,
    /// For each call of the last build's table: whether it still returns
    /// what it did.
    valid: Vec<bool>,
    /// Where outputs go as they are rendered, if anywhere.
    sink: Option<Sink<'a>>,
}

impl<'a> Renderer<'a> {
    fn new(
        data: &'a SiteData,
        templates: &'a Templates,
        incremental: Option<(&'a RenderMemo, &'a Present<'a>)>,
    ) -> Self {
        let names: HashSet<String> = templates
            .tera
            .get_template_names()
            .map(String::from)
            .collect();
        let newsletters = [NEWSLETTER_WEB, NEWSLETTER_EMAIL, NEWSLETTER_ARCHIVE]
            .iter()
            .all(|t| names.contains(*t));
        let months = if newsletters {
            newsletter::months(data)
        } else {
            Vec::new()
        };
        Renderer {
            data,
            tera: &templates.tera,
            templates,
            names,
            newsletters,
            months,
            previous: incremental.map(|(memo, _)| memo),
            present: incremental.map(|(_, present)| present),
            units: incremental.map(|_| Mutex::default()),
            valid: incremental.map_or_else(Vec::new, |(memo, _)| {
                memo.calls
                    .par_iter()
                    .map(|call| {
                        let now = data.fps.call(&call.key, || {
                            let args: HashMap<String, Value> = call.args.iter().cloned().collect();
                            match templates.functions.get(&call.name) {
                                Some(f) => f.fingerprint(&data.fps, &call.key, &args, None),
                                None => memo::combine(("gone", &call.key)),
                            }
                        });
                        now == call.fp
                    })
                    .collect()
            }),
            sink: None,
        }
    }

    fn newsletter_jobs(&self) -> Vec<Job> {
        if !self.newsletters {
            return Vec::new();
        }
        (0..self.months.len())
            .map(Job::Newsletter)
            .chain([Job::NewsletterArchive])
            .collect()
    }

    fn run_all(&self, jobs: &[Job]) -> Rendering {
        let results: Vec<(JobResult, &'static str, std::time::Duration, usize)> = jobs
            .par_iter()
            .enumerate()
            .map(|(j, job)| {
                let started = std::time::Instant::now();
                let mut result = self.run(job);
                let mut streamed = 0;
                if let Some(sink) = self.sink {
                    for (k, output) in result.outputs.iter_mut().enumerate() {
                        if output.body.is_some() {
                            sink((j, k), output);
                            output.body = None;
                            streamed += 1;
                        }
                    }
                }
                (result, job.kind(), started.elapsed(), streamed)
            })
            .collect();
        let mut rendering = Rendering::default();
        let mut spent: std::collections::BTreeMap<&str, (usize, std::time::Duration)> =
            Default::default();
        for (r, kind, took, streamed) in results {
            rendering.streamed += streamed;
            let entry = spent.entry(kind).or_default();
            entry.0 += 1;
            entry.1 += took;
            rendering.outputs.extend(r.outputs);
            rendering.problems.extend(r.problems);
            rendering.pages += r.pages;
            rendering.sections += r.sections;
            rendering.pagers += r.pagers;
            rendering.terms += r.terms;
            rendering.aliases += r.aliases;
            rendering.feeds += r.feeds;
        }
        for (kind, (count, took)) in spent {
            tracing::debug!(
                "rendered {count} {kind} jobs in {:.3} s (summed over threads)",
                took.as_secs_f64()
            );
        }
        rendering.units = self
            .units
            .as_ref()
            .map(|u| std::mem::take(&mut *u.lock().unwrap_or_else(|e| e.into_inner())));
        rendering
    }

    /// Renders `template` with `context` into the output at `path`, or,
    /// rebuilding, keeps that output when nothing it read has changed.
    /// `problem` turns a rendering error into the problem to report.
    /// Returns whether there is an output.
    fn emit(
        &self,
        out: &mut JobResult,
        path: String,
        template: &str,
        context: Map<String, Value>,
        problem: impl FnOnce(String) -> Option<Problem>,
    ) -> bool {
        let fp = match &self.units {
            Some(_) => {
                let (template_fp, _) = self.templates.fps.of(template);
                self.data.fps.context(&path, template_fp, &context)
            }
            None => 0,
        };
        self.emit_with(out, path, template, fp, || context, problem)
    }

    /// As [`Renderer::emit`], with the fingerprint of the context made by
    /// the caller from what the context is made of, so that a kept output
    /// never has its context built. `fp` must change whenever `context`
    /// would.
    fn emit_with(
        &self,
        out: &mut JobResult,
        path: String,
        template: &str,
        fp: Fp,
        context: impl FnOnce() -> Map<String, Value>,
        problem: impl FnOnce(String) -> Option<Problem>,
    ) -> bool {
        let Some(units) = &self.units else {
            return match self.render(template, context()) {
                Ok(body) => {
                    out.outputs.push(Output {
                        path,
                        body: Some(body),
                    });
                    true
                }
                Err(e) => {
                    out.problems.extend(problem(e.to_string()));
                    false
                }
            };
        };
        let (template_fp, volatile) = self.templates.fps.of(template);
        let fp = memo::combine((fp, template_fp, &path));
        if let Some(unit) = self.previous.and_then(|m| m.units.get(&path)) {
            if !volatile && unit.fp == fp && self.still_valid(&path, unit) {
                let ok = unit.problem.is_none();
                if let Some(p) = &unit.problem {
                    out.problems.push(p.clone());
                } else {
                    out.outputs.push(Output {
                        path: path.clone(),
                        body: None,
                    });
                }
                if let Ok(mut units) = units.lock() {
                    units.0.push((path, unit.clone()));
                }
                return ok;
            }
        }
        let started = std::time::Instant::now();
        let context = context();
        let (result, calls) = memo::recording(|| self.render(template, context));
        let took = started.elapsed();
        if self.previous.is_some() && took > std::time::Duration::from_millis(20) {
            tracing::debug!(
                "{path}: rendered again in {} ms ({template})",
                took.as_millis()
            );
        }
        let (len, reported, ok) = match result {
            Ok(body) => {
                let len = body.len() as u64;
                out.outputs.push(Output {
                    path: path.clone(),
                    body: Some(body),
                });
                (Some(len), None, true)
            }
            Err(e) => {
                let p = problem(e.to_string());
                out.problems.extend(p.clone());
                (None, p, false)
            }
        };
        if let Ok(mut units) = units.lock() {
            units.1.push(Fresh {
                path,
                fp,
                calls,
                len,
                problem: reported,
            });
        }
        ok
    }

    /// Whether every call `unit` made still returns what it did, and its
    /// file is still there as written.
    fn still_valid(&self, path: &str, unit: &Unit) -> bool {
        if let Some(len) = unit.len {
            if !self.present.is_some_and(|p| p.has(path, len)) {
                return false;
            }
        }
        unit.calls
            .iter()
            .all(|&id| self.valid.get(id as usize).copied().unwrap_or(false))
    }
}

/// Renders the whole site. With `incremental` (the last build's memo and
/// the output folder it describes), renders only the outputs whose inputs
/// changed; the others are `Output`s without a body. With `sink`, each
/// output is given to it as soon as it is rendered, and kept without its
/// body.
pub(super) fn render_site<'a>(
    data: &'a SiteData,
    templates: &'a Templates,
    incremental: Option<(&'a RenderMemo, &'a Present<'a>)>,
    sink: Option<Sink<'a>>,
) -> Rendering {
    let mut renderer = Renderer::new(data, templates, incremental);
    renderer.sink = sink;
    let lib = &data.library;
    let mut jobs: Vec<Job> = Vec::new();
    jobs.extend(
        (0..lib.pages.len())
            .filter(|&i| lib.pages[i].meta.render)
            .map(Job::Page),
    );
    jobs.extend((0..lib.sections.len()).map(Job::Section));
    for (t, taxonomy) in lib.taxonomies.iter().enumerate() {
        // Zola writes no list page for a taxonomy nobody uses.
        if data
            .config
            .taxonomy(&taxonomy.name)
            .is_some_and(|c| c.render)
            && !taxonomy.terms.is_empty()
        {
            jobs.push(Job::TaxonomyList(t));
            jobs.extend((0..taxonomy.terms.len()).map(|term| Job::TaxonomyTerm(t, term)));
        }
    }
    jobs.push(Job::Feeds);
    jobs.push(Job::Extras);
    jobs.extend(renderer.newsletter_jobs());
    renderer.run_all(&jobs)
}

/// Only the newsletter's files (for `vindplaats publish`, after `zola
/// build` made the rest).
pub fn render_newsletters(data: &SiteData, templates: &Templates) -> Rendering {
    let renderer = Renderer::new(data, templates, None);
    let jobs = renderer.newsletter_jobs();
    renderer.run_all(&jobs)
}

/// `/a/b/` → `a/b/index.html`; `/a/b.html` → `a/b.html`.
pub fn output_path(url_path: &str) -> String {
    let trimmed = url_path.trim_start_matches('/');
    if trimmed.ends_with(".html") || trimmed.ends_with(".xml") || trimmed.ends_with(".txt") {
        trimmed.to_string()
    } else if trimmed.is_empty() {
        "index.html".to_string()
    } else {
        format!("{}/index.html", trimmed.trim_end_matches('/'))
    }
}

impl Renderer<'_> {
    fn run(&self, job: &Job) -> JobResult {
        let mut out = JobResult::default();
        match *job {
            Job::Page(i) => self.page(i, &mut out),
            Job::Section(s) => self.section(s, &mut out),
            Job::TaxonomyList(t) => self.taxonomy_list(t, &mut out),
            Job::TaxonomyTerm(t, term) => self.taxonomy_term(t, term, &mut out),
            Job::Feeds => self.feeds(&mut out),
            Job::Extras => self.extras(&mut out),
            Job::Newsletter(at) => self.newsletter(at, &mut out),
            Job::NewsletterArchive => self.newsletter_archive(&mut out),
        }
        out
    }

    /// The variables every page template gets.
    fn context(&self, url_path: &str) -> Map<String, Value> {
        let mut context = self.base_context();
        context.insert("current_path".into(), Value::String(url_path.to_string()));
        context.insert(
            "current_url".into(),
            Value::String(self.data.permalink(url_path)),
        );
        context
    }

    fn base_context(&self) -> Map<String, Value> {
        let mut context = Map::new();
        context.insert("config".into(), self.data.config_value.clone());
        context.insert(
            "lang".into(),
            Value::String(self.data.config.default_language.clone()),
        );
        context
    }

    /// Renders with `context` moved into Tera: building a `tera::Context`
    /// by `insert` would serialize every value a second time.
    fn render(&self, template: &str, context: Map<String, Value>) -> Result<String, RenderError> {
        let context = Context::from_value(Value::Object(context))
            .map_err(|e| RenderError::Context(describe(&e)))?;
        self.tera
            .render(template, &context)
            .map_err(|e| RenderError::Template {
                template: template.to_string(),
                message: describe(&e),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_follow_url_paths() {
        assert_eq!(output_path("/"), "index.html");
        assert_eq!(output_path("/publicaties/x/"), "publicaties/x/index.html");
        assert_eq!(output_path("/publicatie/x"), "publicatie/x/index.html");
        assert_eq!(output_path("/oud.html"), "oud.html");
    }
}
