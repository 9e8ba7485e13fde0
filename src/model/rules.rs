//! The domain's rules over a loaded library: taxonomy terms must be known,
//! `jaar` must match the date, each kind's `[extra]` must type, and every
//! content path an item refers to must exist. A violation is one problem
//! line; an unknown term is left off the page, the rest builds.

use std::path::Path;

use super::collection::Item;
use super::types::{
    parse_extra, DossierExtra, EpisodeExtra, KennisatelierExtra, Kind, PartnerExtra,
    PortalProjectExtra, PublicationExtra, QuestionExtra, Status, TaxonomyRules, ThemeKind,
    ThemePageExtra,
};
use crate::content::{FieldError, Library, Page, Problem};

/// What the rules make of a loaded library.
#[derive(Debug, Default)]
pub struct Checked {
    /// Each page's typed `[extra]`, in the library's page order.
    pub items: Vec<Item>,
    pub rules: TaxonomyRules,
    pub problems: Vec<Problem>,
    /// What the rules changed that is not wrong, but that `zola build`
    /// does not know (an old theme name read as the current one).
    pub notes: Vec<Problem>,
}

/// Applies the rules, typing every page's `[extra]` once; returns the typed
/// items and what it found. `extra` is `config.toml`'s `[extra]`, where the
/// taxonomy lives.
pub fn check(library: &mut Library, extra: &toml::Table) -> Checked {
    let mut problems = Vec::new();
    let mut items = Vec::with_capacity(library.pages.len());
    let rules = match TaxonomyRules::from_extra(extra) {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem::new("config.toml", e.to_string()));
            TaxonomyRules::default()
        }
    };
    let theme_pages: Vec<ThemePageExtra> = library
        .pages
        .iter()
        .filter(|p| Kind::of(&p.relative_path) == Kind::ThemePage)
        .filter_map(|p| parse_extra::<ThemePageExtra>(&p.meta.extra).ok())
        .collect();
    let rules = rules.with_legacy(&theme_pages);
    let notes = modernise_terms(library, &rules);
    let partners: Vec<String> = library
        .pages
        .iter()
        .filter(|p| Kind::of(&p.relative_path) == Kind::Partner)
        .filter_map(|p| {
            p.meta
                .extra
                .get("name")
                .and_then(|v| v.as_str())
                .map(String::from)
        })
        .collect();

    let mut rejected_terms: Vec<(usize, String, String)> = Vec::new();
    // Each page's checks read that page and the rules only: made in
    // parallel, then gathered in page order.
    let per_page: Vec<_> = {
        use rayon::prelude::*;
        library
            .pages
            .par_iter()
            .map(|page| {
                (
                    term_problems(page, &rules, &partners),
                    check_extra(page, &rules),
                )
            })
            .collect()
    };
    for (i, (page, (term_problems, checked))) in library.pages.iter().zip(per_page).enumerate() {
        for (taxonomy, term, message) in term_problems {
            problems.push(Problem::field(
                &page.file,
                format!("taxonomies.{taxonomy}"),
                format!("{message}; left off the page"),
            ));
            rejected_terms.push((i, taxonomy, term));
        }
        match checked {
            Ok((Found { status, refs, more }, item)) => {
                items.push(item);
                for (field, path) in refs {
                    if library.path_of(path.trim_start_matches("@/")).is_none() {
                        problems.push(Problem::field(
                            &page.file,
                            field,
                            format!("'{path}' is not a content file"),
                        ));
                    }
                }
                problems.extend(more);
                if let Some(status) = status.filter(|s| *s != Status::Published) {
                    if !page.meta.draft {
                        problems.push(Problem::field(
                            &page.file,
                            "extra.status",
                            format!("is {status:?} but draft = false, so zola build publishes it; set draft = true"),
                        ));
                    }
                }
            }
            Err(FieldError { field, message }) => {
                items.push(Item::Untyped);
                problems.push(Problem::field(&page.file, field, message))
            }
        }
    }
    for (page, taxonomy, term) in rejected_terms {
        library.remove_term(page, &taxonomy, &term);
    }
    Checked {
        items,
        rules,
        problems,
        notes,
    }
}

/// Files every page that carries an old (or differently written) theme
/// name under the current thema or programmalijn; one note per page.
fn modernise_terms(library: &mut Library, rules: &TaxonomyRules) -> Vec<Problem> {
    let mut notes = Vec::new();
    for i in 0..library.pages.len() {
        let taxonomies = &library.pages[i].meta.taxonomies;
        let themes = taxonomies.get("thema").cloned().unwrap_or_default();
        let lines = taxonomies.get("programmalijn").cloned().unwrap_or_default();
        if themes.is_empty() && lines.is_empty() {
            continue;
        }
        let m = rules.modernise(&themes, &lines);
        if m.renamed.is_empty() {
            continue;
        }
        library.set_terms(i, "thema", &m.themes);
        library.set_terms(i, "programmalijn", &m.programmalijnen);
        let renamed: Vec<String> = m
            .renamed
            .iter()
            .map(|(old, new)| format!("'{old}' is read as '{new}'"))
            .collect();
        notes.push(Problem::field(
            &library.pages[i].file,
            "taxonomies",
            format!(
                "{}; zola build files it under the name as written, so write the current name",
                renamed.join(", ")
            ),
        ));
    }
    notes
}

/// What the typed `[extra]` of a page says that the rules check.
struct Found {
    /// `None` for kinds without a curation status.
    status: Option<Status>,
    /// (field, content path) pairs that must exist.
    refs: Vec<(String, String)>,
    more: Vec<Problem>,
}

fn check_extra(page: &Page, rules: &TaxonomyRules) -> Result<(Found, Item), FieldError> {
    let extra = &page.meta.extra;
    let list = |field: &str, paths: &[String]| -> Vec<(String, String)> {
        paths
            .iter()
            .map(|p| (format!("extra.{field}"), p.clone()))
            .collect()
    };
    let mut more = Vec::new();
    let checked = match Kind::of(&page.relative_path) {
        Kind::Publication => {
            let p: PublicationExtra = parse_extra(extra)?;
            let mut refs = list("related", &p.related);
            refs.extend(list("dossiers", &p.dossiers));
            refs.extend(list("project", p.project.as_slice()));
            (
                Found {
                    status: Some(p.status),
                    refs,
                    more,
                },
                Item::Publication(Box::new(p)),
            )
        }
        Kind::Episode => {
            let e: EpisodeExtra = parse_extra(extra)?;
            (
                Found {
                    status: Some(e.status),
                    refs: Vec::new(),
                    more,
                },
                Item::Episode(e),
            )
        }
        Kind::Dossier => {
            let d: DossierExtra = parse_extra(extra)?;
            let refs = d
                .groups
                .iter()
                .enumerate()
                .flat_map(|(n, g)| {
                    g.pages
                        .iter()
                        .map(move |p| (format!("extra.groups[{n}].pages"), p.clone()))
                })
                .collect();
            (
                Found {
                    status: Some(d.status),
                    refs,
                    more,
                },
                Item::Dossier(d),
            )
        }
        Kind::Question => {
            let q: QuestionExtra = parse_extra(extra)?;
            (
                Found {
                    status: Some(q.status),
                    refs: list("related", &q.related),
                    more,
                },
                Item::Question(q),
            )
        }
        Kind::Kennisatelier => {
            let k: KennisatelierExtra = parse_extra(extra)?;
            (
                Found {
                    status: Some(k.status),
                    refs: list("related", &k.related),
                    more,
                },
                Item::Kennisatelier(k),
            )
        }
        Kind::PortalProject => {
            let p: PortalProjectExtra = parse_extra(extra)?;
            (
                Found {
                    status: None,
                    refs: list("products", &p.products),
                    more,
                },
                Item::PortalProject(p),
            )
        }
        Kind::ThemePage => {
            let t: ThemePageExtra = parse_extra(extra)?;
            if !rules.themes.is_empty() {
                check_theme_page(&page.file, &t, rules, &mut more);
            }
            (
                Found {
                    status: None,
                    refs: Vec::new(),
                    more,
                },
                Item::ThemePage(t),
            )
        }
        Kind::Partner => {
            let p: PartnerExtra = parse_extra(extra)?;
            if p.name.trim().is_empty() {
                more.push(Problem::field(
                    &page.file,
                    "extra.name",
                    "missing: the partner's name is its taxonomy term",
                ));
            }
            (
                Found {
                    status: None,
                    refs: Vec::new(),
                    more,
                },
                Item::Partner(p),
            )
        }
        Kind::Other => (
            Found {
                status: None,
                refs: Vec::new(),
                more,
            },
            Item::Other,
        ),
    };
    Ok(checked)
}

fn check_theme_page(
    file: &Path,
    t: &ThemePageExtra,
    rules: &TaxonomyRules,
    more: &mut Vec<Problem>,
) {
    match t.kind {
        ThemeKind::Thema if !rules.is_theme(&t.term) => {
            more.push(Problem::field(
                file,
                "extra.term",
                format!("'{}' is not a thema in config.toml", t.term),
            ));
        }
        ThemeKind::Programmalijn if !rules.is_programmalijn(&t.term) => {
            more.push(Problem::field(
                file,
                "extra.term",
                format!("'{}' is not a programmalijn in config.toml", t.term),
            ));
        }
        ThemeKind::Programmalijn => {
            let actual = rules.theme_of(&t.term).map(|th| th.name.as_str());
            if t.parent.as_deref() != actual {
                more.push(Problem::field(
                    file,
                    "extra.parent",
                    format!(
                        "'{}' belongs to thema '{}' in config.toml",
                        t.term,
                        actual.unwrap_or_default()
                    ),
                ));
            }
        }
        ThemeKind::Thema => {}
    }
}

/// Terms of `page` that are not in the taxonomy: (taxonomy, term, why).
fn term_problems(
    page: &Page,
    rules: &TaxonomyRules,
    partners: &[String],
) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
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
                found.push((taxonomy.clone(), term.clone(), message));
            }
        }
    }
    found
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::LoadSettings;
    use std::fs;

    const CONFIG_EXTRA: &str = r#"
        [[themas]]
        naam = "Gelijke kansen"
        programmalijnen = ["Gelijke kansen voor nieuwkomers"]
        [[themas]]
        naam = "Sociale verbondenheid"
        programmalijnen = ["Samenleven in (super)diversiteit"]
        [types]
        rapport = "Rapport"
    "#;

    fn load(files: &[(&str, &str)]) -> (Library, Vec<Problem>) {
        let (library, checked) = load_checked(files);
        (library, checked.problems)
    }

    fn load_checked(files: &[(&str, &str)]) -> (Library, Checked) {
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
        let checked = check(&mut library, &CONFIG_EXTRA.parse().unwrap());
        assert_eq!(checked.items.len(), library.pages.len());
        (library, checked)
    }

    fn lines(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn old_theme_names_are_filed_under_the_current_line_with_a_note() {
        let files = [
            ("_index.md", "+++\n+++\n"),
            (
                "themas/samenleven.md",
                "+++\ntitle = \"Samenleven\"\n[extra]\nkind = \"programmalijn\"\nterm = \"Samenleven in (super)diversiteit\"\nparent = \"Sociale verbondenheid\"\nlegacy = [\"Sociale stabiliteit\"]\n+++\n",
            ),
            (
                "publicaties/a.md",
                "+++\ntitle = \"A\"\ndate = 2020-06-01\n[taxonomies]\nthema = [\"sociale stabiliteit\", \"Gelijke kansen\"]\n[extra]\nstatus = \"published\"\n+++\n",
            ),
            (
                "publicaties/b.md",
                "+++\ntitle = \"B\"\ndate = 2021-06-01\n[taxonomies]\nprogrammalijn = [\"Samenleven in (super)diversiteit\"]\n[extra]\nstatus = \"published\"\n+++\n",
            ),
        ];
        let (library, checked) = load_checked(&files);
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        let notes = lines(&checked.notes);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("content/publicaties/a.md: taxonomies: 'sociale stabiliteit' is read as 'Samenleven in (super)diversiteit'"), "{notes:?}");
        let a = library.page_id("publicaties/a.md").unwrap();
        let b = library.page_id("publicaties/b.md").unwrap();
        let page = &library.pages[a];
        assert_eq!(
            page.meta.taxonomies["thema"],
            ["Sociale verbondenheid", "Gelijke kansen"]
        );
        assert_eq!(
            page.meta.taxonomies["programmalijn"],
            ["Samenleven in (super)diversiteit"]
        );
        let terms = |name: &str| -> Vec<(String, Vec<usize>)> {
            library
                .taxonomies
                .iter()
                .find(|t| t.name == name)
                .unwrap()
                .terms
                .iter()
                .map(|t| (t.name.clone(), t.pages.clone()))
                .collect()
        };
        assert_eq!(
            terms("thema"),
            [
                ("Gelijke kansen".to_string(), vec![a]),
                ("Sociale verbondenheid".to_string(), vec![a])
            ]
        );
        // Newest first, as Zola lists a term's pages.
        assert_eq!(
            terms("programmalijn"),
            [("Samenleven in (super)diversiteit".to_string(), vec![b, a])]
        );
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
        let lines = lines(&problems);
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
            ("dossiers/d.md", "+++\ntitle = \"D\"\n[extra]\nstatus = \"published\"\n[[extra.groups]]\ntitle = \"G\"\npages = [\"publicaties/b.md\", \"publicaties/nee.md\"]\n+++\n"),
            ("portaalprojecten/p.md", "+++\ntitle = \"P\"\n[extra]\nproducts = [\"publicaties/x.md\"]\n+++\n"),
        ]);
        let lines = lines(&problems);
        let has = |prefix: &str| lines.iter().any(|l| l.starts_with(prefix));
        assert!(
            has("content/publicaties/a.md: extra.status: unknown variant `gepubliceerd`"),
            "{lines:?}"
        );
        assert!(has("content/publicaties/b.md: extra.related: 'publicaties/weg.md' is not a content file"), "{lines:?}");
        assert!(
            has("content/publicaties/c.md: extra.status: is Rejected but draft = false"),
            "{lines:?}"
        );
        assert!(has("content/dossiers/d.md: extra.groups[0].pages: 'publicaties/nee.md' is not a content file"), "{lines:?}");
        assert!(has("content/portaalprojecten/p.md: extra.products: 'publicaties/x.md' is not a content file"), "{lines:?}");
        assert_eq!(lines.len(), 5, "{lines:?}");
    }

    #[test]
    fn theme_pages_must_match_the_taxonomy() {
        let (_, problems) = load(&[
            ("themas/_index.md", "+++\nsort_by = \"weight\"\n+++\n"),
            ("themas/a.md", "+++\ntitle = \"A\"\nweight = 1\n[extra]\nkind = \"thema\"\nterm = \"Gelijke kansen\"\n+++\n"),
            ("themas/b.md", "+++\ntitle = \"B\"\nweight = 2\n[extra]\nkind = \"programmalijn\"\nterm = \"Samenleven in (super)diversiteit\"\nparent = \"Gelijke kansen\"\n+++\n"),
            ("themas/c.md", "+++\ntitle = \"C\"\nweight = 3\n[extra]\nkind = \"thema\"\nterm = \"Onderwijs\"\n+++\n"),
            ("partners/x.md", "+++\ntitle = \"X\"\n[extra]\nhomepage = \"https://x\"\n+++\n"),
        ]);
        let lines = lines(&problems);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("content/themas/b.md: extra.parent:")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l
                    .starts_with("content/themas/c.md: extra.term: 'Onderwijs' is not a thema")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("content/partners/x.md: extra.name: missing")),
            "{lines:?}"
        );
    }
}
