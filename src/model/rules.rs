//! The domain's rules over a loaded library: taxonomy terms must be known,
//! `jaar` must match the date, typed `[extra]` fields must parse, and every
//! content path an item refers to must exist. A violation is one problem
//! line; an unknown term is left off the page, the rest builds.

use serde::Deserialize;

use super::types::{EpisodeExtra, PublicationExtra, Status, TaxonomyRules};
use crate::content::{Library, Problem};

/// Applies the rules; returns what it found. `extra` is `config.toml`'s
/// `[extra]`, where the taxonomy lives.
pub fn check(library: &mut Library, extra: &toml::Table) -> Vec<Problem> {
    let mut problems = Vec::new();
    let rules = match TaxonomyRules::from_extra(extra) {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem::new("config.toml", e));
            TaxonomyRules::default()
        }
    };
    let partners: Vec<String> = library
        .pages
        .iter()
        .filter(|p| p.relative_path.starts_with("partners/"))
        .filter_map(|p| {
            p.meta
                .extra
                .get("name")
                .and_then(|v| v.as_str())
                .map(String::from)
        })
        .collect();

    let mut rejected_terms: Vec<(usize, String, String)> = Vec::new();
    for (i, page) in library.pages.iter().enumerate() {
        for (taxonomy, terms) in &page.meta.taxonomies {
            for term in terms {
                let verdict: Option<String> = match taxonomy.as_str() {
                    "thema" if !rules.themes.is_empty() && !rules.is_theme(term) => Some(format!(
                        "unknown term '{term}' (known: {})",
                        rules.themes.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
                    )),
                    "programmalijn" if !rules.themes.is_empty() && !rules.is_programmalijn(term) => {
                        Some(format!("unknown term '{term}': not a programmalijn in config.toml [[extra.themas]]"))
                    }
                    "type" if !rules.types.is_empty() && !rules.types.contains_key(term) => Some(format!(
                        "unknown term '{term}' (known: {})",
                        rules.types.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                    "partner" if !partners.contains(term) => {
                        Some(format!("unknown term '{term}': no page in content/partners/ has extra.name = \"{term}\""))
                    }
                    "jaar" => check_year(term, page.date.as_ref().map(|d| d.moment)),
                    _ => None,
                };
                if let Some(message) = verdict {
                    problems.push(Problem::field(
                        &page.file,
                        format!("taxonomies.{taxonomy}"),
                        format!("{message}; left off the page"),
                    ));
                    rejected_terms.push((i, taxonomy.clone(), term.clone()));
                }
            }
        }

        let extra = toml::Value::Table(page.meta.extra.clone());
        let status = if page.relative_path.starts_with("publicaties/") {
            match PublicationExtra::deserialize(extra) {
                Ok(p) => {
                    let mut refs: Vec<(&str, &String)> = Vec::new();
                    refs.extend(p.related.iter().map(|r| ("extra.related", r)));
                    refs.extend(p.dossiers.iter().map(|r| ("extra.dossiers", r)));
                    refs.extend(p.project.iter().map(|r| ("extra.project", r)));
                    check_refs(library, &page.file, &refs, &mut problems);
                    Some(p.status)
                }
                Err(e) => {
                    problems.push(Problem::field(&page.file, "extra", e.message().to_string()));
                    None
                }
            }
        } else if page.relative_path.starts_with("podcasts/") {
            match EpisodeExtra::deserialize(extra) {
                Ok(e) => Some(e.status),
                Err(e) => {
                    problems.push(Problem::field(&page.file, "extra", e.message().to_string()));
                    None
                }
            }
        } else {
            None
        };
        if let Some(status) = status {
            if status != Status::Published && !page.meta.draft {
                problems.push(Problem::field(
                    &page.file,
                    "extra.status",
                    format!("is {status:?} but draft = false, so zola build publishes it; set draft = true"),
                ));
            }
        }
        // Lists of content paths on other kinds of pages.
        for key in ["related", "products"] {
            if let Some(list) = page.meta.extra.get(key).and_then(|v| v.as_array()) {
                if page.relative_path.starts_with("publicaties/") {
                    continue;
                }
                let paths: Vec<String> = list
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
                let refs: Vec<(&str, &String)> = paths.iter().map(|p| (key, p)).collect();
                let field = format!("extra.{key}");
                let refs: Vec<(&str, &String)> =
                    refs.into_iter().map(|(_, p)| (field.as_str(), p)).collect();
                check_refs(library, &page.file, &refs, &mut problems);
            }
        }
        if let Some(groups) = page.meta.extra.get("groups").and_then(|v| v.as_array()) {
            for (n, group) in groups.iter().enumerate() {
                let paths: Vec<String> = group
                    .get("pages")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let field = format!("extra.groups[{n}].pages");
                let refs: Vec<(&str, &String)> =
                    paths.iter().map(|p| (field.as_str(), p)).collect();
                check_refs(library, &page.file, &refs, &mut problems);
            }
        }
    }
    for (page, taxonomy, term) in rejected_terms {
        library.remove_term(page, &taxonomy, &term);
    }
    problems
}

fn check_year(term: &str, date: Option<chrono::NaiveDateTime>) -> Option<String> {
    use chrono::Datelike;
    if term.len() != 4 || !term.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!(
            "'{term}' is not a year (expected four digits, like \"2020\")"
        ));
    }
    match date {
        Some(d) if d.year().to_string() != term => Some(format!(
            "'{term}' does not match the year of date ({})",
            d.year()
        )),
        _ => None,
    }
}

fn check_refs(
    library: &Library,
    file: &std::path::Path,
    refs: &[(&str, &String)],
    problems: &mut Vec<Problem>,
) {
    for (field, path) in refs {
        let path = path.trim_start_matches("@/");
        if library.path_of(path).is_none() {
            problems.push(Problem::field(
                file,
                *field,
                format!("'{path}' is not a content file"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::LoadSettings;
    use std::fs;

    const CONFIG_EXTRA: &str = r#"
        [[themas]]
        naam = "Gelijke kansen"
        programmalijnen = ["Gelijke kansen voor nieuwkomers"]
        [types]
        rapport = "Rapport"
    "#;

    fn load(files: &[(&str, &str)]) -> (Library, Vec<Problem>) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join("content").join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, text).unwrap();
        }
        let settings = LoadSettings {
            taxonomies: ["thema", "programmalijn", "type", "partner", "jaar"]
                .map(String::from)
                .to_vec(),
            include_drafts: true,
        };
        let mut library = Library::load(dir.path(), &dir.path().join("content"), &settings);
        let problems = check(&mut library, &CONFIG_EXTRA.parse().unwrap());
        (library, problems)
    }

    #[test]
    fn unknown_terms_are_reported_and_left_off() {
        let (library, problems) = load(&[
            ("_index.md", "+++\n+++\n"),
            ("partners/kis.md", "+++\ntitle = \"KIS\"\n[extra]\nname = \"KIS\"\n+++\n"),
            (
                "publicaties/a.md",
                "+++\ntitle = \"A\"\ndate = 2020-06-01\n[taxonomies]\nthema = [\"Gelijke kansen\", \"Nieuwe migratie\"]\ntype = [\"rapport\"]\npartner = [\"KIS\"]\njaar = [\"2021\"]\n[extra]\nstatus = \"published\"\n+++\n",
            ),
        ]);
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0]
                .starts_with("content/publicaties/a.md: taxonomies.jaar: '2021' does not match"),
            "{lines:?}"
        );
        assert!(
            lines[1].contains("taxonomies.thema: unknown term 'Nieuwe migratie'"),
            "{lines:?}"
        );
        let page = library.page("publicaties/a.md").unwrap();
        assert_eq!(page.meta.taxonomies["thema"], ["Gelijke kansen"]);
        let thema = library
            .taxonomies
            .iter()
            .find(|t| t.name == "thema")
            .unwrap();
        assert_eq!(thema.terms.len(), 1);
        assert!(library
            .taxonomies
            .iter()
            .find(|t| t.name == "jaar")
            .unwrap()
            .terms
            .is_empty());
    }

    #[test]
    fn bad_extra_fields_and_dangling_references_are_named() {
        let (_, problems) = load(&[
            ("_index.md", "+++\n+++\n"),
            ("publicaties/a.md", "+++\ntitle = \"A\"\n[extra]\nstatus = \"gepubliceerd\"\n+++\n"),
            ("publicaties/b.md", "+++\ntitle = \"B\"\n[extra]\nstatus = \"published\"\nrelated = [\"publicaties/weg.md\"]\n+++\n"),
            ("publicaties/c.md", "+++\ntitle = \"C\"\n[extra]\nstatus = \"rejected\"\n+++\n"),
        ]);
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            lines.iter().any(|l| l
                .starts_with("content/publicaties/a.md: extra: unknown variant `gepubliceerd`")),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.starts_with("content/publicaties/b.md: extra.related: 'publicaties/weg.md' is not a content file")), "{lines:?}");
        assert!(
            lines.iter().any(|l| l.starts_with(
                "content/publicaties/c.md: extra.status: is Rejected but draft = false"
            )),
            "{lines:?}"
        );
    }
}
