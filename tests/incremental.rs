//! Rebuilding only what changed gives, after any sequence of edits, the
//! same files, byte for byte, as a clean full build: a property test makes
//! random edits to a copy of the shipped site (titles that move a page in
//! a title-sorted list, dates that move it in a date-sorted one, bodies,
//! taxonomy terms, drafts toggled, pages added and removed, templates
//! edited) and compares after each one. A second test checks that an edit
//! renders few outputs.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use vindplaats::site::{BuildOptions, SharedMemo};

/// Every file under `root` with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_below(root)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(root.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

fn build(site: &Path, output: &Path, memo: Option<SharedMemo>) -> vindplaats::build::Report {
    vindplaats::build::build(
        site,
        &BuildOptions {
            output_dir: Some(output.to_path_buf()),
            memo,
            ..Default::default()
        },
    )
    .expect("the site builds")
}

#[derive(Debug, Clone)]
enum Edit {
    Title(usize, u8),
    Date(usize, u8),
    Body(usize),
    Theme(usize),
    Draft(usize),
    Add(u8),
    Remove(usize),
    Template(usize),
    Partner(usize, u8),
    Slug(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Edit::Title(i, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Edit::Date(i, n)),
        any::<usize>().prop_map(Edit::Body),
        any::<usize>().prop_map(Edit::Theme),
        any::<usize>().prop_map(Edit::Draft),
        any::<u8>().prop_map(Edit::Add),
        any::<usize>().prop_map(Edit::Remove),
        any::<usize>().prop_map(Edit::Template),
        (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Edit::Partner(i, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Edit::Slug(i, n)),
    ]
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("_index.md"))
        .collect();
    files.sort();
    files
}

/// Replaces the first line starting with `key = ` in the front matter.
fn set_line(text: &str, key: &str, line: &str) -> String {
    let prefix = format!("{key} = ");
    let mut done = false;
    text.lines()
        .map(|l| {
            if !done && l.starts_with(&prefix) {
                done = true;
                line.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn apply(site: &Path, edit: &Edit) {
    let publications = site.join("content/publicaties");
    let files = files_in(&publications);
    let pick = |i: usize| files[i % files.len()].clone();
    match edit {
        Edit::Title(i, n) => {
            let path = pick(*i);
            let text = std::fs::read_to_string(&path).unwrap();
            // Letters move it to the start or end of a title-sorted list.
            let first = if n % 2 == 0 { "Aaa" } else { "Zzz" };
            let text = set_line(&text, "title", &format!("title = \"{first} titel {n}\""));
            std::fs::write(path, text).unwrap();
        }
        Edit::Date(i, n) => {
            let path = pick(*i);
            let text = std::fs::read_to_string(&path).unwrap();
            let year = 2015 + u32::from(*n % 10);
            let text = set_line(
                &text,
                "date",
                &format!("date = {year}-0{}-1{}", n % 9 + 1, n % 9),
            );
            let text = set_line(&text, "jaar", &format!("jaar = [\"{year}\"]"));
            std::fs::write(path, text).unwrap();
        }
        Edit::Body(i) => {
            let path = pick(*i);
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str("\nEen nieuwe alinea.\n");
            // Half the time with an internal link, which a slug edit can
            // move (the page's Markdown must then be rendered again).
            if i % 2 == 1 {
                let target = pick(i.wrapping_add(1));
                let name = target.file_name().unwrap().to_string_lossy();
                text.push_str(&format!(
                    "\nZie ook [deze publicatie](@/publicaties/{name}).\n"
                ));
            }
            std::fs::write(path, text).unwrap();
        }
        Edit::Theme(i) => {
            let path = pick(*i);
            let text = std::fs::read_to_string(&path).unwrap();
            let theme = if text.contains("thema = [\"Gelijke kansen\"]") {
                "thema = [\"Sociale verbondenheid\", \"Krachtige individuen en gemeenschappen\"]"
            } else {
                "thema = [\"Gelijke kansen\"]"
            };
            std::fs::write(path, set_line(&text, "thema", theme)).unwrap();
        }
        Edit::Draft(i) => {
            let path = pick(*i);
            let text = std::fs::read_to_string(&path).unwrap();
            let text = if text.contains("draft = true") {
                set_line(&text, "draft", "draft = false")
                    .replace("status = \"draft\"", "status = \"published\"")
            } else {
                set_line(&text, "draft", "draft = true")
                    .replace("status = \"published\"", "status = \"draft\"")
            };
            std::fs::write(path, text).unwrap();
        }
        Edit::Add(n) => {
            std::fs::write(
                publications.join(format!("nieuw-{n}.md")),
                format!("+++\ntitle = \"Nieuw {n}\"\ndescription = \"Een nieuwe publicatie.\"\ndate = 2021-0{}-01\ndraft = false\n\n[taxonomies]\nthema = [\"Gelijke kansen\"]\ntype = [\"rapport\"]\npartner = [\"Movisie\"]\njaar = [\"2021\"]\n\n[extra]\nstatus = \"published\"\n+++\n\nTekst.\n", n % 9 + 1),
            )
            .unwrap();
        }
        Edit::Remove(i) => {
            // Only pages nothing else refers to by path.
            let added: Vec<_> = files
                .iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("nieuw-"))
                })
                .collect();
            if !added.is_empty() {
                std::fs::remove_file(added[i % added.len()]).unwrap();
            }
        }
        Edit::Template(i) => {
            let templates = site.join("themes/vindplaats/templates");
            let names = ["macros.html", "publicatie.html", "base.html", "lijst.html"];
            let path = templates.join(names[i % names.len()]);
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str(&format!("{{# bewerkt {i} #}}\n"));
            if names[i % names.len()] == "base.html" {
                text = text.replacen("</footer>", &format!("<p>Versie {i}</p></footer>"), 1);
            }
            std::fs::write(path, text).unwrap();
        }
        Edit::Slug(i, n) => {
            // Half the time a page other pages link to.
            let linked = publications.join("theorieen-en-aanpakken-van-polarisatie.md");
            let path = if i % 2 == 0 && linked.exists() {
                linked
            } else {
                pick(*i)
            };
            let text = std::fs::read_to_string(&path).unwrap();
            let text: String = text
                .lines()
                .filter(|l| !l.starts_with("slug = "))
                .map(|l| {
                    if l.starts_with("title = ") {
                        format!("{l}\nslug = \"verplaatst-{n}\"\n")
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
            std::fs::write(path, text).unwrap();
        }
        Edit::Partner(i, n) => {
            let partners = files_in(&site.join("content/partners"));
            let path = &partners[i % partners.len()];
            let text = std::fs::read_to_string(path).unwrap();
            let first = if n % 2 == 0 { "Aaa" } else { "Zzz" };
            std::fs::write(
                path,
                set_line(&text, "title", &format!("title = \"{first} partner {n}\"")),
            )
            .unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 6,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn after_any_edits_the_incremental_output_equals_a_clean_build(
        edits in proptest::collection::vec(edit(), 1..5)
    ) {
        let site = common::shipped_site_copy();
        let incremental = site.path().join("inc");
        let memo: SharedMemo = Default::default();
        build(site.path(), &incremental, Some(memo.clone()));
        for (n, e) in edits.iter().enumerate() {
            apply(site.path(), e);
            build(site.path(), &incremental, Some(memo.clone()));
            let clean = site.path().join(format!("clean-{n}"));
            build(site.path(), &clean, None);
            let (ours, theirs) = (tree(&incremental), tree(&clean));
            let only: Vec<_> = ours.keys().filter(|k| !theirs.contains_key(*k)).chain(theirs.keys().filter(|k| !ours.contains_key(*k))).collect();
            prop_assert!(only.is_empty(), "after {:?}: files only on one side: {only:?}", &edits[..=n]);
            let differing: Vec<_> = ours.iter().filter(|(k, v)| theirs.get(*k) != Some(v)).map(|(k, _)| k).collect();
            prop_assert!(differing.is_empty(), "after {:?}: differing files: {differing:?}", &edits[..=n]);
            std::fs::remove_dir_all(&clean).unwrap();
        }
    }
}

#[test]
fn one_edit_renders_few_outputs_and_a_template_edit_its_users() {
    let site = common::shipped_site_copy();
    let out = site.path().join("public");
    let memo: SharedMemo = Default::default();
    let first = build(site.path(), &out, Some(memo.clone()));
    let all = first.site.files_written;
    let rendered = |r: &vindplaats::build::Report| r.site.rendered;
    assert!(rendered(&first) > 200, "{}", rendered(&first));

    // Nothing changed: nothing is rendered.
    let again = build(site.path(), &out, Some(memo.clone()));
    assert_eq!(rendered(&again), 0);
    assert_eq!(again.site.files_written, all);

    // A body: its page, and the lists that show its content.
    let path = site
        .path()
        .join("content/publicaties/aandacht-voor-aanvullend-leren.md");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\nNog een alinea.\n");
    std::fs::write(&path, text).unwrap();
    let body = build(site.path(), &out, Some(memo.clone()));
    assert!(
        (1..40).contains(&rendered(&body)),
        "a body edit rendered {}",
        rendered(&body)
    );
    assert!(std::fs::read_to_string(
        out.join("publicaties/aandacht-voor-aanvullend-leren/index.html")
    )
    .unwrap()
    .contains("Nog een alinea."));

    // A template only the podcast pages use.
    let template = site
        .path()
        .join("themes/vindplaats/templates/aflevering.html");
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(
        &template,
        text.replacen(
            "{% block content %}",
            "{% block content %}<!-- nieuw -->",
            1,
        ),
    )
    .unwrap();
    let episodes = build(site.path(), &out, Some(memo.clone()));
    assert!(
        (1..15).contains(&rendered(&episodes)),
        "an episode template edit rendered {}",
        rendered(&episodes)
    );
}

#[test]
fn the_api_feeds_and_citations_are_made_again_only_where_their_inputs_changed() {
    let site = common::shipped_site_copy();
    let out = site.path().join("public");
    let memo: SharedMemo = Default::default();
    let first = build(site.path(), &out, Some(memo.clone()));
    let all = first.publish.api_files + first.publish.feeds + first.publish.citations;
    assert!(first.publish.made >= all, "{} of {all}", first.publish.made);

    // Nothing changed: only the few files made whole each time.
    let again = build(site.path(), &out, Some(memo.clone()));
    assert!(again.publish.made < 10, "{} made again", again.publish.made);

    // A body: the item's document, not its citation or any list.
    let path = site
        .path()
        .join("content/publicaties/aandacht-voor-aanvullend-leren.md");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\nNog een alinea in de API.\n");
    std::fs::write(&path, &text).unwrap();
    let body = build(site.path(), &out, Some(memo.clone()));
    assert!(
        (1..10).contains(&body.publish.made),
        "a body edit made {} files",
        body.publish.made
    );
    let items = out.join("api/v1/items");
    let doc = std::fs::read_dir(&items)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("Nog een alinea in de API.")
        });
    assert!(doc.is_some(), "no API document has the new body");

    // A kept file deleted behind the server's back is made again.
    let citation = out.join("publicaties/aandacht-voor-aanvullend-leren/citatie.bib");
    let before = std::fs::read(&citation).unwrap();
    std::fs::remove_file(&citation).unwrap();
    build(site.path(), &out, Some(memo.clone()));
    assert_eq!(std::fs::read(&citation).unwrap(), before);

    // Also in folders the last build did not write into (which a rebuild
    // otherwise trusts as it left them): a page, a citation and an API
    // document.
    let others = [
        "publicaties/de-onbesproken-eenzaamheid-van-marokkaanse-ouderen/index.html",
        "publicaties/de-onbesproken-eenzaamheid-van-marokkaanse-ouderen/citatie.ris",
        "api/v1/index.json",
    ];
    let before: Vec<Vec<u8>> = others
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    for f in others {
        std::fs::remove_file(out.join(f)).unwrap();
    }
    build(site.path(), &out, Some(memo.clone()));
    for (f, before) in others.iter().zip(&before) {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), before, "{f}");
    }

    // A title: everything that shows it, and the same files as a clean build.
    std::fs::write(&path, text.replacen("title = \"", "title = \"Anders: ", 1)).unwrap();
    let title = build(site.path(), &out, Some(memo.clone()));
    assert!(title.publish.made > body.publish.made);
    let clean = site.path().join("clean");
    build(site.path(), &clean, None);
    assert!(
        tree(&out) == tree(&clean),
        "the output differs from a clean build"
    );
}
