//! Each kind of bad input gets one clear line naming the file and the
//! problem, and the rest of the site still builds.

mod common;

use common::{read, shipped_site_copy, small_site};
use vindplaats::site::{build, BuildOptions};

const GOOD: &str = "public/publicaties/theorieen-en-aanpakken-van-polarisatie/index.html";

/// Builds the shipped site plus the `bad` files and returns the problem
/// lines; asserts the rest of the site was still built.
fn problems_with(bad: &[(&str, &str)]) -> (Vec<String>, tempfile::TempDir) {
    let site = shipped_site_copy();
    for (path, text) in bad {
        let full = site.path().join("content").join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let report = build(site.path(), &BuildOptions::default()).expect("the build itself goes on");
    assert!(
        read(&site.path().join(GOOD)).contains("Theorieën en aanpakken van polarisatie"),
        "the rest of the site builds"
    );
    assert!(site.path().join("public/index.html").is_file());
    assert!(site.path().join("public/publicaties/index.html").is_file());
    (
        report.problems.iter().map(ToString::to_string).collect(),
        site,
    )
}

fn one_line_about(lines: &[String], file: &str, needle: &str) {
    let matching: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with(file) && l.contains(needle))
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one line for {file} containing '{needle}', got {lines:#?}"
    );
    assert!(!matching[0].contains('\n'), "one line: {}", matching[0]);
}

#[test]
fn malformed_toml() {
    let (lines, site) = problems_with(&[(
        "publicaties/kapot.md",
        "+++\ntitle = \"Kapot\ndate = 2020-01-01\n+++\n",
    )]);
    one_line_about(
        &lines,
        "content/publicaties/kapot.md",
        "front matter: invalid TOML at line 2",
    );
    assert!(!site.path().join("public/publicaties/kapot").exists());
}

#[test]
fn unknown_taxonomy_term() {
    let text = "+++\ntitle = \"Oude indeling\"\ndate = 2020-01-01\n[taxonomies]\nthema = [\"Verzonnen thema\"]\n[extra]\nstatus = \"published\"\n+++\n";
    let (lines, site) = problems_with(&[("publicaties/oud.md", text)]);
    one_line_about(
        &lines,
        "content/publicaties/oud.md",
        "taxonomies.thema: unknown term 'Verzonnen thema'",
    );
    // The page is built, without the term.
    assert!(site
        .path()
        .join("public/publicaties/oud/index.html")
        .is_file());
    assert!(!site.path().join("public/thema/verzonnen-thema").exists());
}

/// An old theme name (2019-2021) is no problem: the item is filed under
/// the programmalijn whose page lists the name in `extra.legacy`.
#[test]
fn old_theme_name_is_filed_under_the_current_line() {
    let text = "+++\ntitle = \"Oude indeling\"\ndate = 2020-01-01\n[taxonomies]\nthema = [\"Nieuwe migratie\"]\n[extra]\nstatus = \"published\"\n+++\n";
    let (lines, site) = problems_with(&[("publicaties/oud.md", text)]);
    assert!(
        !lines.iter().any(|l| l.contains("publicaties/oud.md")),
        "{lines:?}"
    );
    let public = site.path().join("public");
    assert!(!public.join("thema/nieuwe-migratie").exists());
    for term in [
        "programmalijn/gelijke-kansen-voor-nieuwkomers",
        "thema/gelijke-kansen",
    ] {
        let page = read(&public.join(term).join("index.html"));
        assert!(page.contains("Oude indeling"), "{term} lists it");
    }
}

#[test]
fn duplicate_slug() {
    let text = "+++\ntitle = \"Tweede\"\nslug = \"theorieen-en-aanpakken-van-polarisatie\"\ndate = 2020-01-01\n[extra]\nstatus = \"published\"\n+++\n";
    let (lines, _) = problems_with(&[("publicaties/zz-tweede.md", text)]);
    one_line_about(
        &lines,
        "content/publicaties/zz-tweede.md",
        "duplicate slug: /publicaties/theorieen-en-aanpakken-van-polarisatie/ is already the address of content/publicaties/theorieen-en-aanpakken-van-polarisatie.md",
    );
}

#[test]
fn missing_template() {
    let text = "+++\ntitle = \"Eigen sjabloon\"\ndate = 2020-01-01\ntemplate = \"bestaat-niet.html\"\n[extra]\nstatus = \"published\"\n+++\n";
    let (lines, site) = problems_with(&[("publicaties/sjabloon.md", text)]);
    one_line_about(
        &lines,
        "content/publicaties/sjabloon.md",
        "template: template 'bestaat-niet.html' does not exist",
    );
    assert!(
        read(&site.path().join("public/publicaties/sjabloon/index.html"))
            .contains("Eigen sjabloon")
    );
}

#[test]
fn internal_link_to_a_missing_page() {
    let text = "+++\ntitle = \"Met link\"\ndate = 2020-01-01\n[extra]\nstatus = \"published\"\n+++\nZie [het vervolg](@/publicaties/komt-nog.md).\n";
    let (lines, site) = problems_with(&[("publicaties/link.md", text)]);
    one_line_about(
        &lines,
        "content/publicaties/link.md",
        "internal link @/publicaties/komt-nog.md points at no content file",
    );
    assert!(read(&site.path().join("public/publicaties/link/index.html")).contains("het vervolg"));
}

#[test]
fn a_date_that_is_not_a_date() {
    let text = "+++\ntitle = \"Ooit\"\ndate = \"begin 2020\"\n+++\n";
    let (lines, _) = problems_with(&[("publicaties/ooit.md", text)]);
    one_line_about(
        &lines,
        "content/publicaties/ooit.md",
        "date: 'begin 2020' is not a date",
    );
}

#[test]
fn all_at_once_each_gets_its_line() {
    let (lines, _) = problems_with(&[
        ("publicaties/a.md", "+++\ntitle = \"A\n+++\n"),
        ("publicaties/b.md", "+++\ntitle = \"B\"\ndate = \"morgen\"\n+++\n"),
        ("publicaties/c.md", "+++\ntitle = \"C\"\ndate = 2020-01-01\n[taxonomies]\ntype = [\"roman\"]\n[extra]\nstatus = \"published\"\n+++\n"),
    ]);
    assert_eq!(lines.len(), 3, "{lines:#?}");
}

#[test]
fn a_missing_site_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = build(&dir.path().join("nergens"), &BuildOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("nergens: no such site directory"),
        "{err}"
    );
}

#[test]
fn a_broken_config_names_the_file_and_key() {
    let site = small_site(&[("_index.md", "+++\n+++\n")]);
    std::fs::write(
        site.path().join("config.toml"),
        "base_url = \"https://x\"\ngenerate_feeds = \"ja\"\n",
    )
    .unwrap();
    let err = build(site.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("config.toml: generate_feeds:"), "{err}");
}
