//! The outputs beside the content: the feeds of every listing, `404.html`,
//! `robots.txt`, `sitemap.xml`, and the monthly newsletter with its archive.

use serde_json::{json, Map, Value};

use super::{
    output_path, JobResult, Renderer, NEWSLETTER_ARCHIVE, NEWSLETTER_EMAIL, NEWSLETTER_WEB,
};
use crate::content::Problem;
use crate::site::{memo, newsletter};

impl Renderer<'_> {
    /// Renders every feed file for `pages` under `base_path`.
    pub(super) fn feed(&self, pages: &[usize], base_path: &str, extra: Value, out: &mut JobResult) {
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

    pub(super) fn feeds(&self, out: &mut JobResult) {
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
    pub(super) fn extras(&self, out: &mut JobResult) {
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
    pub(super) fn newsletter(&self, at: usize, out: &mut JobResult) {
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
    pub(super) fn newsletter_archive(&self, out: &mut JobResult) {
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

    pub(super) fn sitemap_entries(&self) -> Vec<Value> {
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
