//! Old theme names (2019-2021) that partners and older content still use:
//! "Nieuwe migratie", "Sociale stabiliteit", "Jeugd en opvoeding", … Each
//! theme page lists the names it absorbs in `extra.legacy`; that list is the
//! configuration. An item that carries an old name is filed under the
//! page's current thema or programmalijn (a programmalijn brings its thema)
//! instead of being refused, and everything that writes terms (the
//! harvester, the review queue, `vindplaats review tag`) writes the current
//! names.
//!
//! Names match by their slug, as Zola merges terms: case, accents and
//! punctuation do not matter. The current names themselves are in the same
//! table, so "gelijke kansen" is read as "Gelijke kansen".

use std::path::Path;

use super::types::{parse_extra, TaxonomyRules, ThemeKind, ThemePageExtra};
use crate::content::split_front_matter;

/// One name a term may be written as, and the current term it means.
#[derive(Debug, Clone, PartialEq)]
pub struct OldName {
    pub name: String,
    slug: String,
    pub kind: ThemeKind,
    pub term: String,
}

/// Terms after [`TaxonomyRules::modernise`]: current names where an old or
/// differently written one was, the rest as it was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modernised {
    pub themes: Vec<String>,
    pub programmalijnen: Vec<String>,
    /// (as written, what it now is) for every name that was replaced.
    pub renamed: Vec<(String, String)>,
}

/// Theme pages bigger than this are not read for their old names (they are
/// a few hundred bytes; the content check reports a broken one).
const MAX_THEME_PAGE_BYTES: u64 = 256 * 1024;

impl TaxonomyRules {
    /// Adds the old names of `pages` (theme pages' `[extra]`) and the
    /// current names to the table the rules read names through. Pages whose
    /// term is not in config are skipped (the content check reports them).
    pub fn with_legacy<'a>(mut self, pages: impl IntoIterator<Item = &'a ThemePageExtra>) -> Self {
        let mut names = Vec::new();
        for theme in &self.themes {
            names.push(old_name(&theme.name, ThemeKind::Thema, &theme.name));
            for line in &theme.programmalijnen {
                names.push(old_name(line, ThemeKind::Programmalijn, line));
            }
        }
        for page in pages {
            let current = match page.kind {
                ThemeKind::Thema => self.is_theme(&page.term),
                ThemeKind::Programmalijn => self.is_programmalijn(&page.term),
            };
            if !current {
                continue;
            }
            for name in &page.legacy {
                names.push(old_name(name, page.kind, &page.term));
            }
        }
        // A current name wins over an old name with the same slug.
        let mut seen = std::collections::HashSet::new();
        names.retain(|n| !n.slug.is_empty() && seen.insert(n.slug.clone()));
        self.names = names;
        self
    }

    /// The rules of the site in `site_dir`: `[extra]` of its config and the
    /// old names on its theme pages (`content/themas/*.md`), for the tools
    /// that do not load the whole site (the harvester, the review queue).
    pub fn of_site(
        site_dir: &Path,
        extra: &toml::Table,
    ) -> Result<TaxonomyRules, super::TaxonomyError> {
        let rules = TaxonomyRules::from_extra(extra)?;
        let pages = theme_pages(&site_dir.join("content").join("themas"));
        Ok(rules.with_legacy(&pages))
    }

    /// What `name` (as written on an item) means now, if it is a current or
    /// old theme name.
    pub fn current(&self, name: &str) -> Option<&OldName> {
        let slug = slug::slugify(name);
        self.names.iter().find(|n| n.slug == slug)
    }

    /// `themes` and `programmalijnen` with every old name replaced by the
    /// current term; an old name that became a programmalijn also brings
    /// its thema. Unknown names stay, for the checks to refuse or report.
    pub fn modernise(&self, themes: &[String], programmalijnen: &[String]) -> Modernised {
        let mut out = Modernised::default();
        for (written, in_themes) in themes
            .iter()
            .map(|t| (t, true))
            .chain(programmalijnen.iter().map(|p| (p, false)))
        {
            let exact = if in_themes {
                self.is_theme(written)
            } else {
                self.is_programmalijn(written)
            };
            let target = if exact { None } else { self.current(written) };
            match target {
                None if in_themes => push_new(&mut out.themes, written),
                None => push_new(&mut out.programmalijnen, written),
                Some(now) => {
                    match now.kind {
                        ThemeKind::Thema => push_new(&mut out.themes, &now.term),
                        ThemeKind::Programmalijn => {
                            if let Some(theme) = self.theme_of(&now.term) {
                                push_new(&mut out.themes, &theme.name.clone());
                            }
                            push_new(&mut out.programmalijnen, &now.term);
                        }
                    }
                    out.renamed.push((written.clone(), now.term.clone()));
                }
            }
        }
        out
    }
}

fn old_name(name: &str, kind: ThemeKind, term: &str) -> OldName {
    OldName {
        name: name.to_string(),
        slug: slug::slugify(name),
        kind,
        term: term.to_string(),
    }
}

fn push_new(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// The `[extra]` of the theme pages in `dir`; unreadable or malformed pages
/// are skipped.
fn theme_pages(dir: &Path) -> Vec<ThemePageExtra> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut pages = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let is_page = path.extension().is_some_and(|e| e == "md")
            && path.file_name().is_some_and(|n| n != "_index.md");
        let small = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() <= MAX_THEME_PAGE_BYTES);
        if !is_page || !small {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok((front, _)) = split_front_matter(&text) else {
            continue;
        };
        let Ok(table) = toml::from_str::<toml::Table>(front) else {
            continue;
        };
        if let Some(page) = table
            .get("extra")
            .and_then(|e| e.as_table())
            .and_then(|e| parse_extra::<ThemePageExtra>(e).ok())
        {
            pages.push(page);
        }
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> TaxonomyRules {
        let extra: toml::Table = r#"
            [[themas]]
            naam = "Gelijke kansen"
            programmalijnen = ["Gelijke kansen voor nieuwkomers", "Gelijke kansen op de arbeidsmarkt"]
            [[themas]]
            naam = "Sociale verbondenheid"
            programmalijnen = []
        "#
        .parse()
        .unwrap();
        let pages = [
            ThemePageExtra {
                kind: ThemeKind::Programmalijn,
                term: "Gelijke kansen voor nieuwkomers".into(),
                legacy: vec!["Nieuwe migratie".into()],
                ..Default::default()
            },
            ThemePageExtra {
                kind: ThemeKind::Thema,
                term: "Sociale verbondenheid".into(),
                legacy: vec!["Sociale stabiliteit".into(), "Gelijke kansen".into()],
                ..Default::default()
            },
            // Not in config: its old names are not taken.
            ThemePageExtra {
                kind: ThemeKind::Thema,
                term: "Verdwenen".into(),
                legacy: vec!["Onderwijs".into()],
                ..Default::default()
            },
        ];
        TaxonomyRules::from_extra(&extra)
            .unwrap()
            .with_legacy(&pages)
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_old_programmalijn_name_becomes_the_line_and_brings_its_theme() {
        let m = rules().modernise(&strings(&["Nieuwe migratie"]), &[]);
        assert_eq!(m.themes, strings(&["Gelijke kansen"]));
        assert_eq!(
            m.programmalijnen,
            strings(&["Gelijke kansen voor nieuwkomers"])
        );
        assert_eq!(
            m.renamed,
            vec![(
                "Nieuwe migratie".to_string(),
                "Gelijke kansen voor nieuwkomers".to_string()
            )]
        );
    }

    #[test]
    fn names_match_by_slug_in_either_taxonomy() {
        let r = rules();
        let m = r.modernise(&[], &strings(&["sociale STABILITEIT", "nieuwe   migratie"]));
        assert_eq!(
            m.themes,
            strings(&["Sociale verbondenheid", "Gelijke kansen"])
        );
        assert_eq!(
            m.programmalijnen,
            strings(&["Gelijke kansen voor nieuwkomers"])
        );
        // A current name written differently is read as the current name.
        let m = r.modernise(&strings(&["gelijke kansen"]), &[]);
        assert_eq!(m.themes, strings(&["Gelijke kansen"]));
    }

    #[test]
    fn current_and_unknown_names_stay_and_nothing_repeats() {
        let r = rules();
        let m = r.modernise(
            &strings(&["Gelijke kansen", "Onbekend", "Gelijke kansen"]),
            &strings(&["Gelijke kansen voor nieuwkomers"]),
        );
        assert_eq!(m.themes, strings(&["Gelijke kansen", "Onbekend"]));
        assert_eq!(
            m.programmalijnen,
            strings(&["Gelijke kansen voor nieuwkomers"])
        );
        assert!(m.renamed.is_empty());
        // A current name is never taken over by a page's old-name list,
        // and a page not in config lends no names.
        assert_eq!(r.current("Gelijke kansen").unwrap().term, "Gelijke kansen");
        assert!(r.current("Onderwijs").is_none());
        assert!(r.current("").is_none());
    }
}
