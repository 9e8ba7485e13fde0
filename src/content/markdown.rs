//! Markdown to HTML with Zola's conventions: pulldown-cmark with tables,
//! footnotes, strikethrough and task lists; `id`s on headings; internal
//! links written `@/path.md` resolved to permalinks; a summary before
//! `<!-- more -->`; word count and reading time.

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use super::config::MarkdownConfig;

const MORE: &str = "<!-- more -->";
const CONTINUE_READING: &str = "<span id=\"continue-reading\"></span>";

/// One heading in a page's table of contents (Zola's `toc` entries).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    pub level: u32,
    pub id: String,
    pub permalink: String,
    pub title: String,
    pub children: Vec<Heading>,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub summary: Option<String>,
    pub toc: Vec<Heading>,
    pub word_count: usize,
    pub reading_time: usize,
    /// Internal links that point at no content file.
    pub broken_links: Vec<String>,
}

/// Renders every page of `library`, in parallel, in the library's order.
pub fn render_pages(library: &super::Library, config: &super::SiteConfig) -> Vec<Rendered> {
    use rayon::prelude::*;
    let resolve = |rel: &str| library.path_of(rel).map(|p| config.make_permalink(p));
    library
        .pages
        .par_iter()
        .map(|p| {
            render(
                &p.body,
                &config.markdown,
                &config.make_permalink(&p.path),
                &resolve,
            )
        })
        .collect()
}

/// Markdown rendered by the last build, by what it was rendered from: the
/// body, the page's permalink, the Markdown settings, and what each
/// internal link it holds resolved to. `serve` keeps one between rebuilds,
/// so that a rebuild renders only the bodies that changed (or whose links
/// now point elsewhere).
#[derive(Debug, Default)]
pub struct MarkdownCache {
    entries: std::collections::HashMap<u64, Cached>,
}

#[derive(Debug, Clone)]
struct Cached {
    rendered: Rendered,
    /// Every internal link looked up, with what it resolved to.
    links: Vec<(String, Option<String>)>,
}

impl MarkdownCache {
    /// How many rendered bodies it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `body` rendered, taken from the cache when what it was rendered from
    /// is unchanged, with its key.
    fn render(
        &self,
        body: &str,
        config: &MarkdownConfig,
        permalink: &str,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> (u64, Cached) {
        let key = super::fingerprint::of(&(body, permalink, config));
        if let Some(cached) = self.entries.get(&key) {
            if cached
                .links
                .iter()
                .all(|(rel, was)| resolve(rel).as_ref() == was.as_ref())
            {
                return (key, cached.clone());
            }
        }
        let links = std::cell::RefCell::new(Vec::new());
        let recording = |rel: &str| {
            let to = resolve(rel);
            links.borrow_mut().push((rel.to_string(), to.clone()));
            to
        };
        let rendered = render(body, config, permalink, &recording);
        (
            key,
            Cached {
                rendered,
                links: links.into_inner(),
            },
        )
    }
}

/// Every page's and every section's Markdown, in the library's order, in
/// parallel, taking what it can from `cache` and leaving this build's in it
/// (without one, everything is rendered and nothing kept).
pub fn render_all(
    library: &super::Library,
    config: &super::SiteConfig,
    mut cache: Option<&mut MarkdownCache>,
) -> (Vec<Rendered>, Vec<Rendered>) {
    use rayon::prelude::*;
    let resolve = |rel: &str| library.path_of(rel).map(|p| config.make_permalink(p));
    let last = cache.as_deref_mut().map(std::mem::take).unwrap_or_default();
    let one = |body: &str, path: &str| {
        last.render(
            body,
            &config.markdown,
            &config.make_permalink(path),
            &resolve,
        )
    };
    let pages: Vec<(u64, Cached)> = library
        .pages
        .par_iter()
        .map(|p| one(&p.body, &p.path))
        .collect();
    let sections: Vec<(u64, Cached)> = library
        .sections
        .par_iter()
        .map(|s| one(&s.body, &s.path))
        .collect();
    drop(last);
    let mut keep = |all: Vec<(u64, Cached)>| -> Vec<Rendered> {
        all.into_iter()
            .map(|(key, cached)| match cache.as_deref_mut() {
                Some(cache) => {
                    let rendered = cached.rendered.clone();
                    cache.entries.insert(key, cached);
                    rendered
                }
                None => cached.rendered,
            })
            .collect()
    };
    let pages = keep(pages);
    let sections = keep(sections);
    (pages, sections)
}

/// Renders `body`. `resolve` turns `publicaties/x.md` into a permalink;
/// `permalink` is the page's own, for heading links in the toc.
pub fn render(
    body: &str,
    config: &MarkdownConfig,
    permalink: &str,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Rendered {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if config.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    if config.definition_list {
        options |= Options::ENABLE_DEFINITION_LIST;
    }

    let mut broken_links = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    // Links whose target is missing are dropped, keeping their text.
    let mut dropped_link_depth = Vec::new();
    for event in Parser::new_ext(body, options) {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if let Some(target) = dest_url.strip_prefix("@/") {
                    let (file, anchor) = match target.split_once('#') {
                        Some((f, a)) => (f, Some(a)),
                        None => (target, None),
                    };
                    match resolve(file) {
                        Some(url) => {
                            let url = match anchor {
                                Some(a) => format!("{url}#{a}"),
                                None => url,
                            };
                            dropped_link_depth.push(false);
                            events.push(Event::Start(Tag::Link {
                                link_type,
                                dest_url: CowStr::from(url),
                                title,
                                id,
                            }));
                        }
                        None => {
                            broken_links.push(dest_url.to_string());
                            dropped_link_depth.push(true);
                        }
                    }
                    continue;
                }
                dropped_link_depth.push(false);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                if !dropped_link_depth.pop().unwrap_or(false) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Html(ref h) | Event::InlineHtml(ref h) if h.trim() == MORE => {
                events.push(Event::Html(CowStr::Borrowed(CONTINUE_READING)));
            }
            other => events.push(other),
        }
    }

    let toc = add_heading_ids(&mut events, permalink);

    let more_at = events
        .iter()
        .position(|e| matches!(e, Event::Html(CowStr::Borrowed(CONTINUE_READING))));
    let summary = more_at.map(|at| {
        let mut open = Vec::new();
        for event in &events[..at] {
            match event {
                Event::Start(tag) => open.push(tag.to_end()),
                Event::End(_) => {
                    open.pop();
                }
                _ => {}
            }
        }
        let mut summary_events: Vec<Event> = events[..at].to_vec();
        summary_events.extend(open.into_iter().rev().map(Event::End));
        let mut out = String::new();
        html::push_html(&mut out, summary_events.into_iter());
        out
    });

    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());

    let word_count: usize = body
        .split("```")
        .step_by(2)
        .map(|part| part.unicode_words().count())
        .sum();
    Rendered {
        html: out,
        summary,
        toc,
        word_count,
        reading_time: word_count.div_ceil(200),
        broken_links,
    }
}

/// Gives every heading an `id` (its slugified text, made unique) unless it
/// has one, and returns the nested table of contents.
fn add_heading_ids(events: &mut [Event], permalink: &str) -> Vec<Heading> {
    let mut used: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut flat: Vec<Heading> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i] {
            let level = heading_number(*level);
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let chosen = match id {
                Some(existing) => existing.to_string(),
                None => {
                    let base = slug::slugify(&text);
                    let base = if base.is_empty() {
                        "heading".to_string()
                    } else {
                        base
                    };
                    let n = used.entry(base.clone()).or_insert(0);
                    let unique = if *n == 0 {
                        base.clone()
                    } else {
                        format!("{base}-{n}")
                    };
                    *n += 1;
                    unique
                }
            };
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(chosen.clone()));
            }
            flat.push(Heading {
                level,
                permalink: format!("{permalink}#{chosen}"),
                id: chosen,
                title: text,
                children: Vec::new(),
            });
            i = j;
        }
        i += 1;
    }
    nest(flat)
}

fn nest(flat: Vec<Heading>) -> Vec<Heading> {
    let mut roots: Vec<Heading> = Vec::new();
    for heading in flat {
        insert_heading(&mut roots, heading);
    }
    roots
}

fn insert_heading(siblings: &mut Vec<Heading>, heading: Heading) {
    match siblings.last_mut() {
        Some(last) if last.level < heading.level => insert_heading(&mut last.children, heading),
        _ => siblings.push(heading),
    }
}

fn heading_number(level: HeadingLevel) -> u32 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The `markdown` filter's rendering: no links to resolve, optionally inline.
pub fn render_fragment(text: &str, config: &MarkdownConfig, inline: bool) -> String {
    let rendered = render(text, config, "", &|_| None);
    if inline {
        let trimmed = rendered.html.trim();
        if let Some(inner) = trimmed
            .strip_prefix("<p>")
            .and_then(|t| t.strip_suffix("</p>"))
        {
            if !inner.contains("<p>") {
                return inner.to_string();
            }
        }
        return trimmed.to_string();
    }
    rendered.html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(path: &str) -> Option<String> {
        (path == "publicaties/a.md").then(|| "https://www.kis.nl/publicaties/a/".to_string())
    }

    fn md(body: &str) -> Rendered {
        render(
            body,
            &MarkdownConfig::default(),
            "https://www.kis.nl/x/",
            &resolve,
        )
    }

    #[test]
    fn the_cache_renders_again_when_the_body_or_a_link_target_changes() {
        let config = MarkdownConfig::default();
        let body = "Zie [a](@/publicaties/a.md).";
        let mut cache = MarkdownCache::default();
        let (key, first) = cache.render(body, &config, "https://www.kis.nl/x/", &resolve);
        assert!(first
            .rendered
            .html
            .contains("https://www.kis.nl/publicaties/a/"));
        assert_eq!(first.links.len(), 1);
        cache.entries.insert(key, first.clone());

        // Unchanged: the cached rendering, under the same key.
        let (again, cached) = cache.render(body, &config, "https://www.kis.nl/x/", &resolve);
        assert_eq!((again, cached.rendered.html), (key, first.rendered.html));

        // The target moved: rendered again, with its new address.
        let moved =
            |p: &str| (p == "publicaties/a.md").then(|| "https://www.kis.nl/elders/".into());
        let (_, now) = cache.render(body, &config, "https://www.kis.nl/x/", &moved);
        assert!(
            now.rendered.html.contains("https://www.kis.nl/elders/"),
            "{}",
            now.rendered.html
        );
        // The target is gone: the link is reported broken.
        let (_, gone) = cache.render(body, &config, "https://www.kis.nl/x/", &|_| None);
        assert_eq!(gone.rendered.broken_links.len(), 1);

        // Another body, page address or setting is another key.
        let (other, _) = cache.render("Iets anders.", &config, "https://www.kis.nl/x/", &resolve);
        let (elsewhere, _) = cache.render(body, &config, "https://www.kis.nl/y/", &resolve);
        let smart = MarkdownConfig {
            smart_punctuation: true,
            ..MarkdownConfig::default()
        };
        let (set, _) = cache.render(body, &smart, "https://www.kis.nl/x/", &resolve);
        assert!(other != key && elsewhere != key && set != key);
    }

    #[test]
    fn resolves_internal_links_with_anchors() {
        let r = md("Zie [het rapport](@/publicaties/a.md#conclusies).");
        assert!(
            r.html
                .contains("href=\"https://www.kis.nl/publicaties/a/#conclusies\""),
            "{}",
            r.html
        );
        assert!(r.broken_links.is_empty());
    }

    #[test]
    fn a_broken_internal_link_is_reported_and_its_text_kept() {
        let r = md("Zie [dit](@/publicaties/weg.md) nu.");
        assert_eq!(r.broken_links, ["@/publicaties/weg.md"]);
        assert!(r.html.contains("Zie dit nu."), "{}", r.html);
        assert!(!r.html.contains("<a"), "{}", r.html);
    }

    #[test]
    fn headings_get_unique_ids_and_a_nested_toc() {
        let r = md("## Aanpak\n\n### Stap één\n\n## Aanpak\n");
        assert!(r.html.contains("<h2 id=\"aanpak\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"aanpak-1\">"), "{}", r.html);
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children[0].id, "stap-een");
        assert_eq!(r.toc[0].permalink, "https://www.kis.nl/x/#aanpak");
    }

    #[test]
    fn summary_stops_at_more() {
        let r = md("Eerste alinea.\n\n<!-- more -->\n\nRest.");
        assert_eq!(
            r.summary.as_deref().map(str::trim),
            Some("<p>Eerste alinea.</p>")
        );
        assert!(r.html.contains("continue-reading"));
        assert_eq!(md("Geen samenvatting.").summary, None);
    }

    #[test]
    fn counts_words_outside_code() {
        let r = md("een twee drie\n\n```\nniet geteld\n```\n");
        assert_eq!(r.word_count, 3);
        assert_eq!(r.reading_time, 1);
    }

    #[test]
    fn inline_fragment_drops_the_paragraph() {
        assert_eq!(
            render_fragment("*nadruk*", &MarkdownConfig::default(), true),
            "<em>nadruk</em>"
        );
    }
}
