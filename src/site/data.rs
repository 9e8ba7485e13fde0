//! The prepared, read-only view of a site that rendering works from: the
//! library, its rendered Markdown, and every page serialized once in the
//! shape Zola gives templates (`page`, `section`, `term`, `taxonomy`).

use serde_json::{json, Value};

use std::sync::Arc;

use super::memo::{CachedPage, Fingerprints, Fp, PageFps, ValueCache};
use super::needs::ContextNeeds;
use crate::content::config::{toml_to_json, SiteConfig};
use crate::content::fingerprint::of_serialized;
use crate::content::markdown::{self, Rendered};
use crate::content::{Library, Problem};
use crate::model::{Collection, Item, TaxonomyRules};

/// A page as Zola's templates see it (Zola's `SerializingPage`), without
/// `lower`/`higher`, which are filled in where a template reads them.
#[derive(serde::Serialize)]
struct PageContext<'a> {
    relative_path: &'a str,
    colocated_path: Option<&'a str>,
    content: &'a str,
    permalink: String,
    slug: &'a str,
    ancestors: &'a [String],
    title: Option<&'a str>,
    description: Option<&'a str>,
    updated: Option<&'a str>,
    date: Option<&'a str>,
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    taxonomies: &'a std::collections::BTreeMap<String, Vec<String>>,
    authors: &'a [String],
    extra: Value,
    path: &'a str,
    components: &'a [String],
    summary: Option<&'a str>,
    toc: &'a [markdown::Heading],
    word_count: usize,
    reading_time: usize,
    assets: Vec<String>,
    draft: bool,
    lang: &'a str,
    lower: Option<()>,
    higher: Option<()>,
    translations: [(); 0],
    backlinks: [(); 0],
}

/// A section as Zola's templates see it (`SerializingSection`).
#[derive(serde::Serialize)]
struct SectionContext<'a> {
    relative_path: &'a str,
    colocated_path: Option<&'a str>,
    content: &'a str,
    permalink: String,
    draft: bool,
    ancestors: &'a [String],
    title: Option<&'a str>,
    description: Option<&'a str>,
    extra: Value,
    path: &'a str,
    components: &'a [String],
    toc: &'a [markdown::Heading],
    word_count: usize,
    reading_time: usize,
    lang: &'a str,
    assets: Vec<String>,
    pages: Vec<Value>,
    subsections: Vec<&'a str>,
    translations: [(); 0],
    backlinks: [(); 0],
    generate_feeds: bool,
    transparent: bool,
    paginate_by: Option<usize>,
    paginate_reversed: bool,
}

pub struct SiteData {
    site_dir: std::path::PathBuf,
    canonical_base_url: String,
    pub config: SiteConfig,
    pub config_value: Value,
    pub library: Library,
    /// `items[i]` is the typed `[extra]` of `library.pages[i]`.
    items: Vec<Item>,
    rules: TaxonomyRules,
    notes: Vec<Problem>,
    pub page_html: Vec<Rendered>,
    pub section_html: Vec<Rendered>,
    /// What the templates read (large lists nobody reads are left out).
    pub needs: ContextNeeds,
    /// Fingerprints of every page, section and config, for rebuilding
    /// only what changed (see [`super::memo`]).
    pub fps: Arc<Fingerprints>,
    /// Each page serialized without `lower`/`higher`.
    page_values: Vec<Value>,
    /// With fingerprints: each page's key (see [`ValueCache`]) and
    /// fingerprints, for the next build's cache.
    page_fps: Vec<(Fp, PageFps)>,
    /// Each section serialized without its pages.
    section_values: Vec<Value>,
}

impl SiteData {
    /// Renders every page's and section's Markdown (in parallel) and
    /// serializes the pages. Broken internal links become problems.
    /// With `fingerprints`, also fingerprints every page and section for
    /// rebuilding only what changed (a build without a memo needs none).
    pub fn prepare(
        collection: Collection,
        needs: ContextNeeds,
        fingerprints: bool,
        markdown_cache: Option<&mut markdown::MarkdownCache>,
        value_cache: Option<&mut ValueCache>,
    ) -> SiteData {
        use rayon::prelude::*;
        let Collection {
            site_dir,
            canonical_base_url,
            config,
            mut library,
            items,
            rules,
            notes,
        } = collection;
        let (page_html, section_html) = markdown::render_all(&library, &config, markdown_cache);
        let mut problems = Vec::new();
        for (page, rendered) in library.pages.iter().zip(&page_html) {
            for link in &rendered.broken_links {
                problems.push(Problem::new(&page.file, format!("internal link {link} points at no content file; the link text is kept without a link")));
            }
        }
        for (section, rendered) in library.sections.iter().zip(&section_html) {
            for link in &rendered.broken_links {
                problems.push(Problem::new(&section.file, format!("internal link {link} points at no content file; the link text is kept without a link")));
            }
        }
        library.problems.extend(problems);

        let config_value = config.to_template_value();
        let mut data = SiteData {
            site_dir,
            canonical_base_url,
            config,
            config_value,
            library,
            items,
            rules,
            notes,
            page_html,
            section_html,
            needs,
            page_values: Vec::new(),
            page_fps: Vec::new(),
            section_values: Vec::new(),
            fps: Arc::default(),
        };
        data.section_values = (0..data.library.sections.len())
            .map(|s| data.serialize_section(s))
            .collect();
        if !fingerprints {
            data.page_values = (0..data.library.pages.len())
                .into_par_iter()
                .map(|i| data.serialize_page(i))
                .collect();
            return data;
        }
        // What the last build serialized, where the page's view is the
        // same (its JSON has the same fingerprint), is used as it was.
        let mut last = value_cache
            .map(|c| std::mem::take(&mut c.pages))
            .unwrap_or_default();
        let cached: Vec<Option<CachedPage>> = data
            .library
            .pages
            .iter()
            .map(|p| last.remove(&p.relative_path))
            .collect();
        drop(last);
        let made: Vec<(Value, Option<(Fp, PageFps)>)> = cached
            .into_par_iter()
            .enumerate()
            .map(|(i, before)| {
                let key = of_serialized(&data.page_view(i));
                if let Some(before) = before.filter(|b| b.key == key) {
                    return (before.value, Some((key, before.fps)));
                }
                let value = data.serialize_page(i);
                let fps = Fingerprints::of_page(&value).map(|f| (key, f));
                (value, fps)
            })
            .collect();
        let mut page_fps = Vec::with_capacity(made.len());
        let mut values = Vec::with_capacity(made.len());
        for (value, fps) in made {
            values.push(value);
            page_fps.extend(fps);
        }
        data.page_values = values;
        data.fps = Arc::new(Fingerprints::from_pages(
            page_fps.iter().map(|(_, f)| f.clone()).collect(),
            &data.section_values,
            &data.config_value,
        ));
        data.page_fps = page_fps;
        data
    }

    /// Every page's value and fingerprints, for the next build (see
    /// [`ValueCache`]); the data keeps none.
    pub(super) fn take_values(&mut self) -> ValueCache {
        let values = std::mem::take(&mut self.page_values);
        let fps = std::mem::take(&mut self.page_fps);
        let mut cache = ValueCache::default();
        if values.len() != fps.len() {
            return cache;
        }
        for (value, (key, fps)) in values.into_iter().zip(fps) {
            cache
                .pages
                .insert(fps.path.clone(), CachedPage { key, value, fps });
        }
        cache
    }

    /// The site directory (where `load_data` reads from).
    pub fn site_dir(&self) -> &std::path::Path {
        &self.site_dir
    }

    /// The loaded collection again, with each page's rendered Markdown, for
    /// the outputs that follow the site (the API, feeds and citations).
    pub fn into_parts(self) -> (Collection, Vec<Rendered>) {
        (
            Collection {
                site_dir: self.site_dir,
                canonical_base_url: self.canonical_base_url,
                config: self.config,
                library: self.library,
                items: self.items,
                rules: self.rules,
                notes: self.notes,
            },
            self.page_html,
        )
    }

    pub fn permalink(&self, path: &str) -> String {
        self.config.make_permalink(path)
    }

    /// The address of `path` (which starts with `/`) at the canonical
    /// base URL, whatever the build's own base URL: for what leaves the
    /// site, such as the newsletter's e-mail.
    pub fn canonical_permalink(&self, path: &str) -> String {
        format!("{}{path}", self.canonical_base_url.trim_end_matches('/'))
    }

    /// The typed `[extra]` of page `i`.
    pub(super) fn item(&self, i: usize) -> Option<&Item> {
        self.items.get(i)
    }

    pub(super) fn rules(&self) -> &TaxonomyRules {
        &self.rules
    }

    fn serialize_page(&self, i: usize) -> Value {
        serde_json::to_value(self.page_view(i)).unwrap_or(Value::Null)
    }

    /// Page `i` as its value is made from.
    fn page_view(&self, i: usize) -> PageContext<'_> {
        let page = &self.library.pages[i];
        let html = &self.page_html[i];
        use chrono::Datelike;
        PageContext {
            relative_path: &page.relative_path,
            colocated_path: page.colocated_path.as_deref(),
            content: &html.html,
            permalink: self.permalink(&page.path),
            slug: &page.slug,
            ancestors: &page.ancestors,
            title: page.meta.title.as_deref(),
            description: page.meta.description.as_deref(),
            updated: page.updated.as_ref().map(|d| d.text.as_str()),
            date: page.date.as_ref().map(|d| d.text.as_str()),
            year: page.date.as_ref().map(|d| d.moment.year()),
            month: page.date.as_ref().map(|d| d.moment.month()),
            day: page.date.as_ref().map(|d| d.moment.day()),
            taxonomies: &page.meta.taxonomies,
            authors: &page.meta.authors,
            extra: toml_to_json(&toml::Value::Table(page.meta.extra.clone())),
            path: &page.path,
            components: &page.components,
            summary: html.summary.as_deref(),
            toc: &html.toc,
            word_count: html.word_count,
            reading_time: html.reading_time,
            assets: page.assets.iter().map(|a| format!("/{a}")).collect(),
            draft: page.meta.draft,
            lang: &self.config.default_language,
            lower: None,
            higher: None,
            translations: [],
            backlinks: [],
        }
    }

    /// A page as `get_page` and `get_section` give it: listed (see
    /// [`SiteData::listed_value`]), with its neighbours when some template
    /// reads them there.
    pub fn page_value(&self, i: usize) -> Value {
        let mut value = self.listed_value(i);
        if !self.needs.nested_siblings {
            return value;
        }
        let page = &self.library.pages[i];
        if let Value::Object(map) = &mut value {
            if let Some(lower) = page.lower {
                map.insert("lower".into(), self.listed_value(lower));
            }
            if let Some(higher) = page.higher {
                map.insert("higher".into(), self.listed_value(higher));
            }
        }
        value
    }

    /// Page `i` whole, with or without `lower`/`higher` (as listed pages):
    /// the `page` of its own template.
    pub fn page_value_with(&self, i: usize, siblings: bool) -> Value {
        let mut value = self.page_values[i].clone();
        if !siblings {
            return value;
        }
        let page = &self.library.pages[i];
        if let Value::Object(map) = &mut value {
            if let Some(lower) = page.lower {
                map.insert("lower".into(), self.listed_value(lower));
            }
            if let Some(higher) = page.higher {
                map.insert("higher".into(), self.listed_value(higher));
            }
        }
        value
    }

    /// The fingerprint of page `i` whole, without its neighbours (see
    /// [`super::memo`]).
    pub fn page_fp(&self, i: usize) -> super::memo::Fp {
        match (self.library.pages.get(i), self.page_values.get(i)) {
            (Some(page), Some(value)) => self.fps.page(&page.relative_path, value),
            _ => 0,
        }
    }

    /// Page `i` as lists show it (`section.pages`, `paginator.pages`,
    /// `term.pages`, and a page's `lower`/`higher`): without neighbours,
    /// and without the fields made from its body when no template reads
    /// them on a listed page ([`ContextNeeds::listed_body`]). So an edit
    /// of a body re-renders no list that only shows titles.
    pub fn listed_value(&self, i: usize) -> Value {
        let Some(full) = self.page_values.get(i) else {
            return Value::Null;
        };
        match full {
            Value::Object(map) if !self.needs.listed_body => Value::Object(
                map.iter()
                    .filter(|(k, _)| !super::memo::PAGE_BODY.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The fingerprint of [`SiteData::listed_value`].
    pub fn listed_fp(&self, i: usize) -> Fp {
        if self.needs.listed_body {
            return self.page_fp(i);
        }
        match self.library.pages.get(i) {
            Some(page) => self
                .fps
                .listed_page(&page.relative_path, || self.listed_value(i)),
            None => 0,
        }
    }

    /// A fingerprint of [`SiteData::page_value`].
    pub fn page_value_fp(&self, i: usize) -> Fp {
        let siblings = self.needs.nested_siblings;
        let page = self.library.pages.get(i);
        let neighbour = |n: Option<usize>| n.map(|n| self.listed_fp(n));
        super::memo::combine((
            "page",
            self.listed_fp(i),
            siblings.then(|| page.map(|p| (neighbour(p.lower), neighbour(p.higher)))),
        ))
    }

    /// A fingerprint of [`SiteData::section_value`].
    pub fn section_value_fp(&self, s: usize, with_pages: bool) -> Fp {
        let (Some(section), Some(value)) =
            (self.library.sections.get(s), self.section_values.get(s))
        else {
            return 0;
        };
        let pages: Vec<Fp> = if with_pages {
            section
                .pages
                .iter()
                .map(|&p| self.page_value_fp(p))
                .collect()
        } else {
            Vec::new()
        };
        super::memo::combine((
            "section",
            self.fps.section(&section.relative_path, value),
            with_pages,
            pages,
        ))
    }

    /// A fingerprint of [`SiteData::term_value`].
    pub fn term_value_fp(&self, t: usize, term: usize, with_pages: bool) -> Fp {
        let Some(item) = self
            .library
            .taxonomies
            .get(t)
            .and_then(|x| x.terms.get(term))
        else {
            return 0;
        };
        let pages: Vec<Fp> = if with_pages {
            item.pages.iter().map(|&p| self.listed_fp(p)).collect()
        } else {
            Vec::new()
        };
        super::memo::combine((
            "term",
            &item.name,
            &item.slug,
            &item.path,
            self.permalink(&item.path),
            pages,
            item.pages.len(),
        ))
    }

    /// A fingerprint of [`SiteData::taxonomy_value`] with pages.
    pub fn taxonomy_value_fp(&self, t: usize) -> Fp {
        let Some(taxonomy) = self.library.taxonomies.get(t) else {
            return 0;
        };
        let terms: Vec<Fp> = (0..taxonomy.terms.len())
            .map(|i| self.term_value_fp(t, i, true))
            .collect();
        super::memo::combine((
            "taxonomy",
            self.fps.of(&self.taxonomy_kind(t)),
            &self.config.default_language,
            self.permalink(&taxonomy.path),
            terms,
        ))
    }

    /// A page whole, without neighbours: what feeds and the newsletter
    /// show.
    pub fn page_value_plain(&self, i: usize) -> Value {
        self.page_values[i].clone()
    }

    /// A section; `with_pages` gives Zola's full form, otherwise the
    /// metadata-only form (no `pages`).
    pub fn section_value(&self, s: usize, with_pages: bool) -> Value {
        let mut value = self.section_values[s].clone();
        if with_pages {
            let pages: Vec<Value> = self.library.sections[s]
                .pages
                .iter()
                .map(|&p| self.page_value(p))
                .collect();
            if let Some(map) = value.as_object_mut() {
                map.insert("pages".into(), Value::Array(pages));
            }
        }
        value
    }

    fn serialize_section(&self, s: usize) -> Value {
        let with_pages = false;
        let section = &self.library.sections[s];
        let html = &self.section_html[s];
        let pages: Vec<Value> = if with_pages {
            section.pages.iter().map(|&p| self.page_value(p)).collect()
        } else {
            Vec::new()
        };
        let subsections: Vec<&str> = section
            .subsections
            .iter()
            .map(|&c| self.library.sections[c].relative_path.as_str())
            .collect();
        let view = SectionContext {
            relative_path: &section.relative_path,
            colocated_path: None,
            content: &html.html,
            permalink: self.permalink(&section.path),
            draft: section.meta.draft,
            ancestors: &section.ancestors,
            title: section.meta.title.as_deref(),
            description: section.meta.description.as_deref(),
            extra: toml_to_json(&toml::Value::Table(section.meta.extra.clone())),
            path: &section.path,
            components: &section.components,
            toc: &html.toc,
            word_count: html.word_count,
            reading_time: html.reading_time,
            lang: &self.config.default_language,
            assets: section.assets.iter().map(|a| format!("/{a}")).collect(),
            pages,
            subsections,
            translations: [],
            backlinks: [],
            generate_feeds: section.meta.generate_feeds,
            transparent: section.meta.transparent,
            paginate_by: section.meta.paginate_by,
            paginate_reversed: section.meta.paginate_reversed,
        };
        serde_json::to_value(view).unwrap_or(Value::Null)
    }

    /// Zola's taxonomy config object (`taxonomy` in term templates).
    pub fn taxonomy_kind(&self, t: usize) -> Value {
        let name = &self.library.taxonomies[t].name;
        match self.config.taxonomy(name) {
            Some(c) => json!({
                "name": c.name,
                "slug": c.slug(),
                "paginate_by": c.paginate_by,
                "paginate_path": c.paginate_path,
                "render": c.render,
                "feed": c.feed,
            }),
            None => json!({ "name": name, "slug": slug::slugify(name) }),
        }
    }

    pub fn term_value(&self, t: usize, term: usize, with_pages: bool) -> Value {
        let item = &self.library.taxonomies[t].terms[term];
        let pages: Vec<Value> = if with_pages {
            item.pages.iter().map(|&p| self.listed_value(p)).collect()
        } else {
            Vec::new()
        };
        json!({
            "name": item.name,
            "slug": item.slug,
            "path": item.path,
            "permalink": self.permalink(&item.path),
            "pages": pages,
            "page_count": item.pages.len(),
        })
    }

    /// A taxonomy with its terms; `with_pages` puts every term's pages in.
    pub fn taxonomy_value(&self, t: usize, with_pages: bool) -> Value {
        let taxonomy = &self.library.taxonomies[t];
        let items: Vec<Value> = (0..taxonomy.terms.len())
            .map(|i| self.term_value(t, i, with_pages))
            .collect();
        json!({
            "kind": self.taxonomy_kind(t),
            "lang": self.config.default_language,
            "permalink": self.permalink(&taxonomy.path),
            "items": items,
        })
    }

    pub fn taxonomy_id(&self, name: &str) -> Option<usize> {
        self.library.taxonomies.iter().position(|t| t.name == name)
    }
}
