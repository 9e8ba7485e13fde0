//! Rendering as a pure step: from the prepared site and Tera to a list of
//! outputs (path in `public/` and bytes), in parallel with rayon. Nothing
//! here touches the disk.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tera::{Context, Tera};

use super::data::SiteData;
use super::memo::{self, Fp, Fresh, RenderMemo, Unit};
use super::newsletter;
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

/// What rendering produced, with counts for the build report.
#[derive(Debug, Default)]
pub struct Rendering {
    pub outputs: Vec<Output>,
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
    /// Where the last build's files are.
    out_dir: &'a Path,
    /// Every unit rendered or kept in this build (when rebuilding only
    /// what changed).
    units: Option<Mutex<Units>>,
    /// For each call of the last build's table: whether it still returns
    /// what it did.
    valid: Vec<bool>,
}

impl<'a> Renderer<'a> {
    fn new(
        data: &'a SiteData,
        templates: &'a Templates,
        incremental: Option<(&'a RenderMemo, &'a Path)>,
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
            out_dir: incremental.map_or(Path::new(""), |(_, dir)| dir),
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
        let results: Vec<(JobResult, &'static str, std::time::Duration)> = jobs
            .par_iter()
            .map(|job| {
                let started = std::time::Instant::now();
                let result = self.run(job);
                (result, job.kind(), started.elapsed())
            })
            .collect();
        let mut rendering = Rendering::default();
        let mut spent: std::collections::BTreeMap<&str, (usize, std::time::Duration)> =
            Default::default();
        for (r, kind, took) in results {
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
                    out.problems.extend(problem(e));
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
                let p = problem(e);
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
            match std::fs::metadata(self.out_dir.join(path)) {
                Ok(meta) if meta.len() == len => {}
                _ => return false,
            }
        }
        unit.calls
            .iter()
            .all(|&id| self.valid.get(id as usize).copied().unwrap_or(false))
    }
}

/// Renders the whole site. With `incremental` (the last build's memo and
/// the output folder it describes), renders only the outputs whose inputs
/// changed; the others are `Output`s without a body.
pub fn render_site(
    data: &SiteData,
    templates: &Templates,
    incremental: Option<(&RenderMemo, &Path)>,
) -> Rendering {
    let renderer = Renderer::new(data, templates, incremental);
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
    fn render(&self, template: &str, context: Map<String, Value>) -> Result<String, String> {
        let context = Context::from_value(Value::Object(context)).map_err(|e| describe(&e))?;
        self.tera
            .render(template, &context)
            .map_err(|e| format!("template {template}: {}", describe(&e)))
    }

    fn alias(&self, from: &str, to_permalink: &str, out: &mut JobResult) {
        let mut context = Map::new();
        context.insert("url".into(), Value::String(to_permalink.to_string()));
        if self.emit(out, output_path(from), ALIAS_TEMPLATE, context, |_| None) {
            out.aliases += 1;
        }
    }

    fn page(&self, i: usize, out: &mut JobResult) {
        let lib = &self.data.library;
        let page = &lib.pages[i];
        // Zola: the page's own template, else the nearest ancestor's page_template.
        let inherited = page
            .ancestors
            .iter()
            .rev()
            .filter_map(|a| lib.section(a))
            .find_map(|s| s.meta.page_template.clone());
        let wanted = page.meta.template.clone().or(inherited);
        let template = match wanted {
            Some(name) if self.names.contains(&name) => name,
            Some(name) => {
                if !self.names.contains("page.html") {
                    out.problems.push(Problem::field(&page.file, "template", format!("template '{name}' does not exist, nor does page.html; page not rendered")));
                    return;
                }
                out.problems.push(Problem::field(
                    &page.file,
                    "template",
                    format!("template '{name}' does not exist; rendered with page.html instead"),
                ));
                "page.html".to_string()
            }
            None => "page.html".to_string(),
        };
        let siblings = self.data.needs.page_needs_siblings(&template);
        // What the context below is made of: config, the path, the page
        // and, when the template reads them, its neighbours.
        let neighbour = |n: Option<usize>| n.map(|n| self.data.page_fp(n));
        let fp = memo::combine((
            "page",
            self.data.fps.config,
            &self.data.config.default_language,
            &page.path,
            self.data.page_fp(i),
            siblings.then(|| (neighbour(page.lower), neighbour(page.higher))),
        ));
        let context = || {
            let mut context = self.context(&page.path);
            context.insert("page".into(), self.data.page_value_with(i, siblings));
            context
        };
        if self.emit_with(out, output_path(&page.path), &template, fp, context, |e| {
            Some(Problem::new(&page.file, e))
        }) {
            out.pages += 1;
        }
        let permalink = self.data.permalink(&page.path);
        for alias in &page.meta.aliases {
            self.alias(alias, &permalink, out);
        }
    }

    fn section(&self, s: usize, out: &mut JobResult) {
        let lib = &self.data.library;
        let section = &lib.sections[s];
        let permalink = self.data.permalink(&section.path);
        for alias in &section.meta.aliases {
            self.alias(alias, &permalink, out);
        }
        if !section.meta.render {
            return;
        }
        if let Some(target) = &section.meta.redirect_to {
            let target = if target.starts_with("http") {
                target.clone()
            } else {
                self.data.permalink(target)
            };
            self.alias(&section.path, &target, out);
            out.sections += 1;
            return;
        }
        let default = if section.is_index() {
            "index.html"
        } else {
            "section.html"
        };
        let template = match &section.meta.template {
            Some(name) if self.names.contains(name) => name.clone(),
            Some(name) => {
                out.problems.push(Problem::field(
                    &section.file,
                    "template",
                    format!("template '{name}' does not exist; rendered with {default} instead"),
                ));
                default.to_string()
            }
            None => default.to_string(),
        };
        if !self.names.contains(&template) {
            out.problems.push(Problem::new(
                &section.file,
                format!("template '{template}' does not exist; section not rendered"),
            ));
            return;
        }

        match section.meta.paginate_by.filter(|&n| n > 0) {
            None => {
                let mut context = self.context(&section.path);
                context.insert("section".into(), self.data.section_value(s, true));
                if self.emit(out, output_path(&section.path), &template, context, |e| {
                    Some(Problem::new(&section.file, e))
                }) {
                    out.sections += 1;
                }
            }
            Some(per_page) => {
                let mut pages: Vec<usize> = section.pages.clone();
                if section.meta.paginate_reversed {
                    pages.reverse();
                }
                let section_value = self.data.section_value(s, false);
                let pagers =
                    Pagination::new(&pages, per_page, &section.path, &section.meta.paginate_path);
                let shared = [("section", section_value)];
                let file = &section.file;
                out.pagers += self.render_pagers(&pagers, &template, &shared, out, &|e| {
                    Some(Problem::new(file, e))
                });
                out.sections += 1;
                self.alias(
                    &format!("{}{}/1/", section.path, section.meta.paginate_path),
                    &permalink,
                    out,
                );
            }
        }
    }

    /// Renders every pager of a paginated list, in parallel (a big section
    /// is most of a build), each with `shared` and its own `paginator`.
    /// Returns how many rendered.
    fn render_pagers(
        &self,
        pagers: &Pagination,
        template: &str,
        shared: &[(&str, Value)],
        out: &mut JobResult,
        problem: &(dyn Fn(String) -> Option<Problem> + Sync),
    ) -> usize {
        // What every pager shares, hashed once.
        let shared_fp = match &self.units {
            Some(_) => memo::combine(
                shared
                    .iter()
                    .map(|(name, value)| (*name, self.data.fps.of(value)))
                    .collect::<Vec<_>>(),
            ),
            None => 0,
        };
        let results: Vec<(JobResult, bool)> = (0..pagers.count())
            .into_par_iter()
            .map(|n| {
                let path = pagers.path(n);
                let fp = match &self.units {
                    Some(_) => memo::combine((
                        "pager",
                        self.data.fps.config,
                        &self.data.config.default_language,
                        shared_fp,
                        pagers.fingerprint(n, self.data),
                    )),
                    None => 0,
                };
                let context = || {
                    let mut context = self.context(&path);
                    for (name, value) in shared {
                        context.insert(name.to_string(), value.clone());
                    }
                    context.insert("paginator".into(), pagers.value(n, self.data));
                    context
                };
                let mut one = JobResult::default();
                let ok =
                    self.emit_with(&mut one, output_path(&path), template, fp, context, problem);
                (one, ok)
            })
            .collect();
        let mut done = 0;
        for (one, ok) in results {
            out.outputs.extend(one.outputs);
            out.problems.extend(one.problems);
            done += usize::from(ok);
        }
        done
    }

    fn taxonomy_template(&self, name: &str, kind: &str) -> Option<String> {
        let own = format!("{name}/{kind}.html");
        let generic = format!("taxonomy_{kind}.html");
        [own, generic].into_iter().find(|t| self.names.contains(t))
    }

    fn taxonomy_list(&self, t: usize, out: &mut JobResult) {
        let taxonomy = &self.data.library.taxonomies[t];
        let Some(template) = self.taxonomy_template(&taxonomy.name, "list") else {
            out.problems.push(Problem::new(
                "config.toml",
                format!(
                    "taxonomy '{}': no template {}/list.html or taxonomy_list.html",
                    taxonomy.name, taxonomy.name
                ),
            ));
            return;
        };
        let mut context = self.context(&taxonomy.path);
        let value = self.data.taxonomy_value(t, self.data.needs.term_pages);
        if let Value::Object(mut value) = value {
            context.insert("taxonomy".into(), value.remove("kind").unwrap_or_default());
            context.insert("terms".into(), value.remove("items").unwrap_or_default());
        }
        self.emit(out, output_path(&taxonomy.path), &template, context, |e| {
            Some(Problem::new(
                "config.toml",
                format!("taxonomy '{}': {e}", taxonomy.name),
            ))
        });
    }

    fn taxonomy_term(&self, t: usize, term: usize, out: &mut JobResult) {
        let taxonomy = &self.data.library.taxonomies[t];
        let item = &taxonomy.terms[term];
        let Some(config) = self.data.config.taxonomy(&taxonomy.name) else {
            return;
        };
        let Some(template) = self.taxonomy_template(&taxonomy.name, "single") else {
            if term == 0 {
                out.problems.push(Problem::new(
                    "config.toml",
                    format!(
                        "taxonomy '{}': no template {}/single.html or taxonomy_single.html",
                        taxonomy.name, taxonomy.name
                    ),
                ));
            }
            return;
        };
        let kind = self.data.taxonomy_kind(t);
        let fail = |e: String| {
            Problem::new(
                "config.toml",
                format!("taxonomy '{}', term '{}': {e}", taxonomy.name, item.name),
            )
        };
        match config.paginate_by.filter(|&n| n > 0) {
            None => {
                let mut context = self.context(&item.path);
                context.insert("taxonomy".into(), kind.clone());
                context.insert("term".into(), self.data.term_value(t, term, true));
                self.emit(out, output_path(&item.path), &template, context, |e| {
                    Some(fail(e))
                });
            }
            Some(per_page) => {
                let term_value = self.data.term_value(t, term, self.data.needs.term_pages);
                let pagers =
                    Pagination::new(&item.pages, per_page, &item.path, config.paginate_path());
                let shared = [("taxonomy", kind.clone()), ("term", term_value)];
                self.render_pagers(&pagers, &template, &shared, out, &|e| Some(fail(e)));
                let permalink = self.data.permalink(&item.path);
                self.alias(
                    &format!("{}{}/1/", item.path, config.paginate_path()),
                    &permalink,
                    out,
                );
            }
        }
        out.terms += 1;
        if config.feed {
            let extra = json!({
                "taxonomy": kind,
                "term": { "name": item.name, "slug": item.slug, "permalink": self.data.permalink(&item.path) },
            });
            self.feed(&item.pages, &item.path, extra, out);
        }
    }

    /// Renders every feed file for `pages` under `base_path`.
    fn feed(&self, pages: &[usize], base_path: &str, extra: Value, out: &mut JobResult) {
        let lib = &self.data.library;
        let mut dated: Vec<usize> = pages
            .iter()
            .copied()
            .filter(|&p| lib.pages[p].date.is_some())
            .collect();
        dated.sort_by(|&a, &b| {
            let (pa, pb) = (&lib.pages[a], &lib.pages[b]);
            pb.date
                .as_ref()
                .map(|d| d.moment)
                .cmp(&pa.date.as_ref().map(|d| d.moment))
                .then_with(|| pa.path.cmp(&pb.path))
        });
        let last_updated = dated
            .iter()
            .filter_map(|&p| lib.pages[p].updated.as_ref().map(|d| d.text.clone()))
            .chain(
                dated
                    .first()
                    .and_then(|&p| lib.pages[p].date.as_ref().map(|d| d.text.clone())),
            )
            .max();
        let limit = self.data.config.feed_limit.unwrap_or(dated.len());
        let values: Vec<Value> = dated
            .iter()
            .take(limit)
            .map(|&p| self.data.page_value_plain(p))
            .collect();
        for filename in &self.data.config.feed_filenames {
            if !self.names.contains(filename) {
                out.problems.push(Problem::new(
                    "config.toml",
                    format!("feed_filenames: no template named {filename}"),
                ));
                continue;
            }
            let path = format!(
                "{}{filename}",
                if base_path.ends_with('/') {
                    base_path.to_string()
                } else {
                    format!("{base_path}/")
                }
            );
            let mut context = self.base_context();
            context.insert("pages".into(), Value::Array(values.clone()));
            context.insert("feed_url".into(), Value::String(self.data.permalink(&path)));
            if let Some(last) = &last_updated {
                context.insert("last_updated".into(), Value::String(last.clone()));
            }
            if let Value::Object(map) = &extra {
                for (k, v) in map {
                    context.insert(k.clone(), v.clone());
                }
            }
            let target = path.trim_start_matches('/').to_string();
            if self.emit(out, target, filename, context, |e| {
                Some(Problem::new("config.toml", format!("feed {path}: {e}")))
            }) {
                out.feeds += 1;
            }
        }
    }

    fn feeds(&self, out: &mut JobResult) {
        let lib = &self.data.library;
        if self.data.config.generate_feeds {
            let all: Vec<usize> = (0..lib.pages.len())
                .filter(|&p| lib.pages[p].meta.render)
                .collect();
            self.feed(&all, "/", json!({}), out);
        }
        for (s, section) in lib.sections.iter().enumerate() {
            if section.meta.generate_feeds && section.meta.render {
                let extra = json!({ "section": self.data.section_value(s, self.data.needs.feed_section_pages) });
                self.feed(&section.pages, &section.path, extra, out);
            }
        }
    }

    /// 404, robots.txt and sitemap.xml.
    fn extras(&self, out: &mut JobResult) {
        let context = self.base_context();
        self.emit(out, "404.html".into(), "404.html", context.clone(), |e| {
            Some(Problem::new("404.html", e))
        });
        if self.data.config.generate_robots_txt {
            self.emit(out, "robots.txt".into(), "robots.txt", context, |e| {
                Some(Problem::new("robots.txt", e))
            });
        }
        if self.data.config.generate_sitemap {
            let mut sitemap = Map::new();
            sitemap.insert("config".into(), self.data.config_value.clone());
            sitemap.insert("entries".into(), Value::Array(self.sitemap_entries()));
            self.emit(out, "sitemap.xml".into(), "sitemap.xml", sitemap, |e| {
                Some(Problem::new("sitemap.xml", e))
            });
        }
    }

    /// One month's newsletter and its e-mail version (see [`newsletter`]).
    fn newsletter(&self, at: usize, out: &mut JobResult) {
        let Some(month) = self.months.get(at) else {
            return;
        };
        let fp = match &self.units {
            Some(_) => memo::combine((
                "nieuwsbrief",
                self.data.fps.config,
                newsletter::fingerprint(self.data, &self.months, at),
            )),
            None => 0,
        };
        let value = std::cell::OnceCell::new();
        for (template, path) in [
            (NEWSLETTER_WEB, month.path()),
            (NEWSLETTER_EMAIL, month.email_path()),
        ] {
            let context = || {
                let mut context = self.context(&month.path());
                let value = value.get_or_init(|| newsletter::context(self.data, &self.months, at));
                context.insert("nieuwsbrief".into(), value.clone());
                context
            };
            self.emit_with(out, output_path(&path), template, fp, context, |e| {
                Some(Problem::new(template, e))
            });
        }
    }

    /// The newsletter archive.
    fn newsletter_archive(&self, out: &mut JobResult) {
        let archive = format!("/{}/", newsletter::DIR);
        let mut context = self.context(&archive);
        let list: Vec<Value> = self
            .months
            .iter()
            .map(|m| newsletter::summary(self.data, m))
            .collect();
        context.insert("nieuwsbrieven".into(), Value::Array(list));
        self.emit(
            out,
            output_path(&archive),
            NEWSLETTER_ARCHIVE,
            context,
            |e| Some(Problem::new(NEWSLETTER_ARCHIVE, e)),
        );
    }

    fn sitemap_entries(&self) -> Vec<Value> {
        let lib = &self.data.library;
        let mut entries: Vec<(String, Value)> = Vec::new();
        let extra =
            |t: &toml::Table| crate::content::config::toml_to_json(&toml::Value::Table(t.clone()));
        for page in lib.pages.iter().filter(|p| p.meta.render) {
            let permalink = self.data.permalink(&page.path);
            let updated = page
                .updated
                .as_ref()
                .or(page.date.as_ref())
                .map(|d| d.text.clone());
            entries.push((permalink.clone(), json!({ "permalink": permalink, "updated": updated, "extra": extra(&page.meta.extra) })));
        }
        let pagers = self.data.config.exclude_paginated_pages_in_sitemap != "all";
        let pager_entries =
            |base: &str, paginate_path: &str, count: usize, entries: &mut Vec<(String, Value)>| {
                for n in 1..=count {
                    let permalink = self.data.permalink(&format!("{base}{paginate_path}/{n}/"));
                    entries.push((
                        permalink.clone(),
                        json!({ "permalink": permalink, "updated": null, "extra": null }),
                    ));
                }
            };
        for section in lib.sections.iter().filter(|s| s.meta.render) {
            let permalink = self.data.permalink(&section.path);
            entries.push((permalink.clone(), json!({ "permalink": permalink, "updated": null, "extra": extra(&section.meta.extra) })));
            if let Some(per_page) = section.meta.paginate_by.filter(|&n| n > 0 && pagers) {
                pager_entries(
                    &section.path,
                    &section.meta.paginate_path,
                    section.pages.len().div_ceil(per_page),
                    &mut entries,
                );
            }
        }
        for taxonomy in &lib.taxonomies {
            if !self
                .data
                .config
                .taxonomy(&taxonomy.name)
                .is_some_and(|c| c.render)
            {
                continue;
            }
            if taxonomy.terms.is_empty() {
                continue;
            }
            let config = self.data.config.taxonomy(&taxonomy.name);
            let permalink = self.data.permalink(&taxonomy.path);
            entries.push((
                permalink.clone(),
                json!({ "permalink": permalink, "updated": null, "extra": null }),
            ));
            for term in &taxonomy.terms {
                let permalink = self.data.permalink(&term.path);
                entries.push((
                    permalink.clone(),
                    json!({ "permalink": permalink, "updated": null, "extra": null }),
                ));
                if let Some((per_page, c)) = config
                    .and_then(|c| c.paginate_by.map(|n| (n, c)))
                    .filter(|(n, _)| *n > 0 && pagers)
                {
                    pager_entries(
                        &term.path,
                        c.paginate_path(),
                        term.pages.len().div_ceil(per_page),
                        &mut entries,
                    );
                }
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        entries.into_iter().map(|(_, v)| v).collect()
    }
}

/// Zola's pagination of a list of pages under `base` (`/publicaties/`).
struct Pagination<'a> {
    pages: &'a [usize],
    per_page: usize,
    base: &'a str,
    paginate_path: &'a str,
}

impl<'a> Pagination<'a> {
    fn new(pages: &'a [usize], per_page: usize, base: &'a str, paginate_path: &'a str) -> Self {
        Pagination {
            pages,
            per_page,
            base,
            paginate_path,
        }
    }

    /// Always at least one pager, even for an empty list.
    fn count(&self) -> usize {
        self.pages.len().div_ceil(self.per_page).max(1)
    }

    fn path(&self, n: usize) -> String {
        match n {
            0 => self.base.to_string(),
            _ if self.paginate_path.is_empty() => format!("{}{}/", self.base, n + 1),
            _ => format!("{}{}/{}/", self.base, self.paginate_path, n + 1),
        }
    }

    /// A fingerprint of everything [`Pagination::value`] is made of.
    fn fingerprint(&self, n: usize, data: &SiteData) -> Fp {
        let chunk = self.pages.chunks(self.per_page).nth(n).unwrap_or(&[]);
        let pages: Vec<Fp> = chunk.iter().map(|&p| data.page_fp(p)).collect();
        memo::combine((
            self.per_page,
            self.base,
            self.paginate_path,
            self.pages.len(),
            n,
            pages,
        ))
    }

    fn value(&self, n: usize, data: &SiteData) -> Value {
        let chunk = self.pages.chunks(self.per_page).nth(n).unwrap_or(&[]);
        let pages: Vec<Value> = chunk.iter().map(|&p| data.page_value_plain(p)).collect();
        let count = self.count();
        let link = |i: usize| data.permalink(&self.path(i));
        let base_url = if self.paginate_path.is_empty() {
            data.permalink(self.base)
        } else {
            data.permalink(&format!("{}{}/", self.base, self.paginate_path))
        };
        json!({
            "paginate_by": self.per_page,
            "first": link(0),
            "last": link(count - 1),
            "previous": if n > 0 { Value::String(link(n - 1)) } else { Value::Null },
            "next": if n + 1 < count { Value::String(link(n + 1)) } else { Value::Null },
            "number_pagers": count,
            "base_url": base_url,
            "pages": pages,
            "current_index": n + 1,
            "total_pages": self.pages.len(),
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
