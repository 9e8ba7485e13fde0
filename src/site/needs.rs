//! What the templates read, found by looking at their text. Zola puts some
//! large lists in every context (all pages of a term, every page's
//! neighbours); copying them into thousands of contexts is most of the cost
//! of a big build. Where no template reads a list, it is left out, which
//! changes no output.
//!
//! The reading is deliberately simple and errs towards keeping: a template
//! that reaches a list through another name (`{% set t = term %}{{ t.pages
//! }}`) must use the conventional name (`term.pages`) to be seen.

use std::collections::HashSet;

/// Which large lists some template reads.
#[derive(Debug, Clone, Default)]
pub struct ContextNeeds {
    /// `term.pages`: else paginated term pages and taxonomy list pages
    /// carry terms without their pages (the paginator has the pages).
    pub term_pages: bool,
    /// `section.pages` in a feed template: else section feeds get the
    /// section without its pages.
    pub feed_section_pages: bool,
    /// `x.lower` / `x.higher` on anything but `page`: else pages from
    /// `get_page` and `get_section` come without their neighbours.
    pub nested_siblings: bool,
    /// Page templates that read `page.lower` / `page.higher`.
    pub page_siblings: HashSet<String>,
    /// A shared template (extended, imported, included) reads them: every
    /// page gets its neighbours.
    pub all_page_siblings: bool,
    /// A field made from the body (`content`, `summary`, `toc`,
    /// `word_count`, `reading_time`) read on a listed page: on any name
    /// but `page` and `section`, outside feed templates (which get whole
    /// pages). Also set when a template rebinds `page`, hands a list or
    /// a loop's page to `json_encode`, or names one of those fields in
    /// quotes (`get(key="content")`). Else lists leave those fields out.
    pub listed_body: bool,
}

impl ContextNeeds {
    /// Everything, as Zola does.
    pub fn all() -> ContextNeeds {
        ContextNeeds {
            term_pages: true,
            feed_section_pages: true,
            nested_siblings: true,
            page_siblings: HashSet::new(),
            all_page_siblings: true,
            listed_body: true,
        }
    }

    /// Reads `(name, text)` of every template.
    pub fn analyse(sources: &[(String, String)], feed_filenames: &[String]) -> ContextNeeds {
        let shared: HashSet<String> = sources
            .iter()
            .flat_map(|(_, text)| referenced(text))
            .collect();
        let page_siblings: HashSet<String> = sources
            .iter()
            .filter(|(_, text)| reads(text, "page", "lower") || reads(text, "page", "higher"))
            .map(|(name, _)| name.clone())
            .collect();
        ContextNeeds {
            term_pages: sources.iter().any(|(_, text)| reads(text, "term", "pages")),
            feed_section_pages: sources.iter().any(|(name, text)| {
                is_feed(name, feed_filenames)
                    && (reads(text, "section", "pages") || !referenced(text).is_empty())
            }),
            nested_siblings: sources.iter().any(|(_, text)| {
                reads_on_other_than(text, "lower", &[PAGE])
                    || reads_on_other_than(text, "higher", &[PAGE])
            }),
            all_page_siblings: page_siblings.iter().any(|n| shared.contains(n)),
            page_siblings,
            listed_body: sources
                .iter()
                .filter(|(name, _)| !is_feed(name, feed_filenames))
                .any(|(_, text)| reads_listed_body(text)),
        }
    }

    /// Whether a page rendered with `template` needs `lower`/`higher`.
    pub fn page_needs_siblings(&self, template: &str) -> bool {
        self.all_page_siblings || self.page_siblings.contains(template)
    }
}

/// The page a page template renders.
const PAGE: &str = "page";

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `var.field` in `text`, with `var` a whole name (not `myvar.field`).
pub fn reads(text: &str, var: &str, field: &str) -> bool {
    let needle = format!("{var}.{field}");
    text.match_indices(&needle).any(|(at, _)| {
        let before_ok = !text[..at].chars().next_back().is_some_and(is_ident);
        let after_ok = !text[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(is_ident);
        before_ok && after_ok
    })
}

/// `.field` read on some name other than those in `vars`.
fn reads_on_other_than(text: &str, field: &str, vars: &[&str]) -> bool {
    let needle = format!(".{field}");
    text.match_indices(&needle).any(|(at, _)| {
        if text[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(is_ident)
        {
            return false;
        }
        let before: String = text[..at]
            .chars()
            .rev()
            .take_while(|c| is_ident(*c))
            .collect();
        let name: String = before.chars().rev().collect();
        // Nothing named before the dot (`get_page(…).content`,
        // `pages[0].content`): it may be any page.
        name.is_empty() || !vars.contains(&name.as_str())
    })
}

/// Whether template `name` is a feed: one of `feed_filenames`, in the
/// site or as a theme's (`<theme>/templates/atom.xml`).
fn is_feed(name: &str, feed_filenames: &[String]) -> bool {
    feed_filenames.iter().any(|feed| {
        name == feed
            || name
                .strip_suffix(feed.as_str())
                .is_some_and(|head| head.ends_with("/templates/"))
    })
}

/// Whether `text` may read a body field of a listed page (see
/// [`ContextNeeds::listed_body`]).
fn reads_listed_body(text: &str) -> bool {
    let on_listed = super::memo::PAGE_BODY
        .iter()
        .any(|field| reads_on_other_than(text, field, &[PAGE, "section"]));
    // A body field named as a string: `p | get(key="content")`.
    let quoted = super::memo::PAGE_BODY.iter().any(|field| {
        text.contains(&format!("\"{field}\"")) || text.contains(&format!("'{field}'"))
    });
    on_listed || quoted || binds(text, PAGE) || encodes_a_listed_page(text)
}

/// Whether `text` gives `name` a value of its own: a loop variable, a
/// `set`, or a macro argument.
fn binds(text: &str, name: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !is_ident(c))
        .filter(|w| !w.is_empty())
        .collect();
    let by_statement = words.windows(2).any(|w| {
        matches!(w, [keyword, bound] if *bound == name && matches!(*keyword, "for" | "set" | "set_global"))
            || matches!(w, [first, bound] if *bound == name && text.contains(&format!("for {first}, {name} in")))
    });
    // `{% macro name(a, b="x") %}`: the names between the parentheses.
    let by_macro = text.match_indices("macro ").any(|(at, keyword)| {
        let opened = text
            .get(..at)
            .unwrap_or_default()
            .trim_end()
            .trim_end_matches('-')
            .ends_with("{%");
        let rest = text
            .get(at + keyword.len()..)
            .unwrap_or_default()
            .trim_start();
        let rest = rest.trim_start_matches(is_ident).trim_start();
        let args = rest
            .strip_prefix('(')
            .and_then(|a| a.split_once(')'))
            .map(|(a, _)| a)
            .unwrap_or_default();
        opened
            && args
                .split(',')
                .any(|arg| arg.split('=').next().unwrap_or_default().trim() == name)
    });
    by_statement || by_macro
}

/// `x | json_encode` where `x` is a list of pages (`….pages`), a
/// neighbour (`….lower`, `….higher`) or the variable of a loop over a list
/// of pages (`{% for p in section.pages %}`).
fn encodes_a_listed_page(text: &str) -> bool {
    let loop_vars: HashSet<&str> = text
        .match_indices("for ")
        .filter_map(|(at, _)| {
            let rest = text.get(at + 4..)?;
            let (head, iterable) = rest.split_once(" in ")?;
            let iterable: String = iterable
                .trim_start()
                .chars()
                .take_while(|c| is_ident(*c) || *c == '.')
                .collect();
            let over_pages = iterable.rsplit('.').next() == Some("pages");
            over_pages.then(|| head.split(',').map(str::trim).collect::<Vec<_>>())
        })
        .flatten()
        .collect();
    text.match_indices("json_encode").any(|(at, _)| {
        let before = text.get(..at).unwrap_or_default().trim_end();
        let Some(before) = before.strip_suffix('|') else {
            return false;
        };
        let operand: String = before
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| is_ident(*c) || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let last = operand.rsplit('.').next().unwrap_or_default();
        loop_vars.contains(operand.as_str()) || matches!(last, "pages" | "lower" | "higher")
    })
}

/// Template names a template extends, imports or includes.
fn referenced(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for keyword in ["extends", "import", "include"] {
        for (at, _) in text.match_indices(keyword) {
            let rest = text[at + keyword.len()..].trim_start();
            if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
                if let Some(end) = rest[1..].find(quote) {
                    names.push(rest[1..1 + end].to_string());
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn only_the_variable_itself_counts() {
        assert!(reads("{% for p in term.pages %}", "term", "pages"));
        assert!(reads("{{term.pages | length}}", "term", "pages"));
        assert!(!reads(
            "{% for p in lijstterm.pages %}{{ paginator.pages }}",
            "term",
            "pages"
        ));
        assert!(!reads("{{ term.pages_count }}", "term", "pages"));
    }

    #[test]
    fn siblings_are_needed_where_read() {
        let needs = ContextNeeds::analyse(
            &sources(&[
                (
                    "base.html",
                    "<html>{% block content %}{% endblock %}</html>",
                ),
                (
                    "aflevering.html",
                    "{% extends \"base.html\" %}{{ page.lower.title }}",
                ),
                (
                    "publicatie.html",
                    "{% extends \"base.html\" %}{{ page.title | lower }}",
                ),
            ]),
            &["atom.xml".to_string()],
        );
        assert!(needs.page_needs_siblings("aflevering.html"));
        assert!(!needs.page_needs_siblings("publicatie.html"));
        assert!(!needs.nested_siblings && !needs.term_pages && !needs.feed_section_pages);
    }

    #[test]
    fn a_shared_template_reading_siblings_gives_them_to_all() {
        let needs = ContextNeeds::analyse(
            &sources(&[
                (
                    "macros.html",
                    "{% macro x() %}{{ page.higher.title }}{% endmacro %}",
                ),
                ("page.html", "{% import \"macros.html\" as m %}"),
                (
                    "list.html",
                    "{% for p in section.pages %}{{ p.lower.title }}{% endfor %}",
                ),
            ]),
            &[],
        );
        assert!(needs.all_page_siblings && needs.nested_siblings);
    }

    #[test]
    fn listed_bodies_are_kept_only_where_some_template_reads_them() {
        let feeds = ["atom.xml".to_string()];
        let analyse = |list: &[(&str, &str)]| ContextNeeds::analyse(&sources(list), &feeds);
        // The shipped theme's shape: bodies on the page itself and in feeds.
        let lean = analyse(&[
            (
                "page.html",
                "{{ page.content | safe }}{{ section.content }}",
            ),
            (
                "list.html",
                "{% for p in section.pages %}{{ p.title }}{% endfor %}",
            ),
            (
                "atom.xml",
                "{% for page in pages %}{{ page.content }}{% endfor %}",
            ),
            (
                "vindplaats/templates/atom.xml",
                "{% for page in pages %}{{ page.content }}{% endfor %}",
            ),
            (
                "x.html",
                "{{ naam | json_encode }}{{ page.title | json_encode }}\
                 {% for a in auteurs %}{{ a | json_encode }}{% endfor %}",
            ),
            (
                "macros.html",
                "{% macro a(pages) %}{% endmacro a %}{{ get_page(path=page) }}",
            ),
        ]);
        assert!(!lean.listed_body);
        for text in [
            "{% for p in section.pages %}{{ p.summary }}{% endfor %}",
            "{{ page.lower.content }}",
            "{% for page in paginator.pages %}{{ page.title }}{% endfor %}",
            "{% for i, page in paginator.pages %}{% endfor %}",
            "{% set page = get_page(path=\"a.md\") %}",
            "{% macro kaart(kop, page) %}{% endmacro %}",
            "{%- macro kaart(page=1) -%}{%- endmacro %}",
            "{% for p in term.pages %}{{ p | json_encode }}{% endfor %}",
            "{{ section.pages | json_encode() }}",
            "{% for p in pages %}{{ p.word_count }}{% endfor %}",
            "{{ section.pages | first | get(key=\"summary\") }}",
            // A field of a call's or an index's result: any page.
            "{{ get_page(path=\"a.md\").content }}",
            "{{ section.pages[0].toc }}",
        ] {
            assert!(analyse(&[("t.html", text)]).listed_body, "{text}");
        }
    }
}
