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
                feed_filenames.contains(name)
                    && (reads(text, "section", "pages") || !referenced(text).is_empty())
            }),
            nested_siblings: sources.iter().any(|(_, text)| {
                reads_on_other_than(text, "lower", "page")
                    || reads_on_other_than(text, "higher", "page")
            }),
            all_page_siblings: page_siblings.iter().any(|n| shared.contains(n)),
            page_siblings,
        }
    }

    /// Whether a page rendered with `template` needs `lower`/`higher`.
    pub fn page_needs_siblings(&self, template: &str) -> bool {
        self.all_page_siblings || self.page_siblings.contains(template)
    }
}

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

/// `.field` read on some name other than `var`.
fn reads_on_other_than(text: &str, field: &str, var: &str) -> bool {
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
        !before.is_empty() && before.chars().rev().collect::<String>() != var
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
}
