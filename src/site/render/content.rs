//! The outputs of the content tree: each page, each section with its
//! pagers, each taxonomy's list and term pages, and the aliases.

use rayon::prelude::*;
use serde_json::{json, Map, Value};

use super::{output_path, JobResult, Pagination, Renderer, ALIAS_TEMPLATE};
use crate::content::Problem;
use crate::site::memo;

impl Renderer<'_> {
    pub(super) fn alias(&self, from: &str, to_permalink: &str, out: &mut JobResult) {
        let mut context = Map::new();
        context.insert("url".into(), Value::String(to_permalink.to_string()));
        if self.emit(out, output_path(from), ALIAS_TEMPLATE, context, |_| None) {
            out.aliases += 1;
        }
    }

    pub(super) fn page(&self, i: usize, out: &mut JobResult) {
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
        let neighbour = |n: Option<usize>| n.map(|n| self.data.listed_fp(n));
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

    pub(super) fn section(&self, s: usize, out: &mut JobResult) {
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
    pub(super) fn render_pagers(
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

    /// The theme's template for a taxonomy's `kind` page (`list` or
    /// `single`): its own, else the generic one.
    pub(super) fn taxonomy_template(&self, name: &str, kind: &str) -> Option<String> {
        let own = format!("{name}/{kind}.html");
        let generic = format!("taxonomy_{kind}.html");
        [own, generic].into_iter().find(|t| self.names.contains(t))
    }

    pub(super) fn taxonomy_list(&self, t: usize, out: &mut JobResult) {
        let taxonomy = &self.data.library.taxonomies[t];
        let Some(template) = self.taxonomy_template(&taxonomy.name, "list") else {
            out.problems
                .push(no_taxonomy_template(&taxonomy.name, "list"));
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

    pub(super) fn taxonomy_term(&self, t: usize, term: usize, out: &mut JobResult) {
        let taxonomy = &self.data.library.taxonomies[t];
        let item = &taxonomy.terms[term];
        let Some(config) = self.data.config.taxonomy(&taxonomy.name) else {
            return;
        };
        let Some(template) = self.taxonomy_template(&taxonomy.name, "single") else {
            if term == 0 {
                out.problems
                    .push(no_taxonomy_template(&taxonomy.name, "single"));
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
}

/// A taxonomy whose `kind` page (`list` or `single`) has no template.
fn no_taxonomy_template(taxonomy: &str, kind: &str) -> Problem {
    Problem::new(
        "config.toml",
        format!(
            "taxonomy '{taxonomy}': no template {taxonomy}/{kind}.html or taxonomy_{kind}.html"
        ),
    )
}
