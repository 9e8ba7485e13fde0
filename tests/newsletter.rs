//! The monthly newsletter: what goes in a month (published, dated at least
//! to the month), grouped by thema in config order, each item once; the
//! e-mail version (inline styles, tables, absolute canonical links, partner
//! text escaped); the archive; the sign-up link only when configured; and
//! `vindplaats newsletter --month` against the real binary.

mod common;

use std::path::Path;
use std::process::Command;

use common::{read, small_site, visible_text};
use vindplaats::site::BuildOptions;

fn publication(title: &str, date: &str, precision: &str, themes: &str, extra: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndescription = \"Over {title}.\"\ndate = {date}\n{extra}\n[taxonomies]\nthema = [{themes}]\ntype = [\"rapport\"]\npartner = [\"Movisie\"]\n\n[extra]\nstatus = \"published\"\ndate_precision = \"{precision}\"\n+++\n\nTekst.\n"
    )
}

fn site() -> tempfile::TempDir {
    let hostile = "<script>alert(1)</script> & \\\"citaat\\\"";
    small_site(&[
        ("_index.md", "+++\ntitle = \"Voorpagina\"\n+++\n"),
        (
            "publicaties/_index.md",
            "+++\ntitle = \"Publicaties\"\nsort_by = \"date\"\n+++\n",
        ),
        (
            "partners/movisie.md",
            "+++\ntitle = \"Movisie\"\n[extra]\nname = \"Movisie\"\n+++\n",
        ),
        (
            "publicaties/dag.md",
            &publication(
                "Op de dag",
                "2021-04-12",
                "day",
                "\"Sociale verbondenheid\"",
                "",
            ),
        ),
        (
            "publicaties/maand.md",
            &publication(
                "Alleen de maand",
                "2021-04-01",
                "month",
                "\"Sociale verbondenheid\", \"Krachtige individuen en gemeenschappen\"",
                "",
            ),
        ),
        (
            "publicaties/jaar.md",
            &publication(
                "Alleen het jaar",
                "2021-01-01",
                "year",
                "\"Gelijke kansen\"",
                "",
            ),
        ),
        (
            "publicaties/zonder-thema.md",
            &publication(hostile, "2021-04-20", "day", "", ""),
        ),
        (
            "publicaties/concept.md",
            &publication(
                "Nog een concept",
                "2021-04-15",
                "day",
                "\"Gelijke kansen\"",
                "draft = true",
            )
            .replace("status = \"published\"", "status = \"draft\""),
        ),
        (
            "publicaties/maart.md",
            &publication("In maart", "2021-03-03", "day", "\"Gelijke kansen\"", ""),
        ),
    ])
}

fn build(dir: &Path, base_url: Option<&str>) {
    let report = vindplaats::build::build(
        dir,
        &BuildOptions {
            base_url: base_url.map(String::from),
            ..Default::default()
        },
    )
    .unwrap();
    let problems: Vec<String> = report
        .site
        .problems
        .iter()
        .map(ToString::to_string)
        .filter(|p| p.contains("nieuwsbrief"))
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_month_holds_its_published_items_by_thema_each_once() {
    let dir = site();
    build(dir.path(), None);
    let public = dir.path().join("public/nieuwsbrief");
    let april = read(&public.join("2021-04/index.html"));
    let text = visible_text(&april);
    // Themes in config order (Krachtige individuen is thema 1, Sociale
    // verbondenheid 3), an item with two themes under the first only, the
    // item without a theme last.
    let order: Vec<usize> = [
        "Krachtige individuen en gemeenschappen",
        "Alleen de maand",
        "Sociale verbondenheid",
        "Op de dag",
        "Overige onderwerpen",
        "<script>alert(1)</script>",
    ]
    .iter()
    .map(|needle| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}: {text}");
    assert_eq!(text.matches("Over Alleen de maand.").count(), 1, "{text}");
    assert!(text.contains("3 publicaties"), "{text}");
    // Known only by its month: no day is shown.
    assert!(
        text.contains("april 2021") && !text.contains("1 april 2021"),
        "{text}"
    );
    assert!(text.contains("12 april 2021"), "{text}");
    // Drafts and items known only by their year are in no month.
    assert!(!text.contains("Nog een concept") && !text.contains("Alleen het jaar"));
    assert!(!public.join("2021-01").exists());
    // Partner text stays text.
    assert!(!april.contains("<script>alert"), "escaped");
    assert!(
        april.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || april.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    // Neighbours: the month before, and the archive.
    assert!(text.contains("Vorige: Nieuwsbrief maart 2021"), "{text}");
    assert!(!text.contains("Volgende:"), "{text}");

    let archive = visible_text(&read(&public.join("index.html")));
    let (a, m) = (
        archive.find("Nieuwsbrief april 2021").unwrap(),
        archive.find("Nieuwsbrief maart 2021").unwrap(),
    );
    assert!(a < m, "newest first: {archive}");
    // No sign-up address is configured: the contact details instead.
    assert!(
        archive.contains("info@kis.nl") && !archive.contains("Meld u aan"),
        "{archive}"
    );
}

#[test]
fn the_email_is_tables_with_inline_styles_and_canonical_links() {
    let dir = site();
    // A local build (serve's base URL): the e-mail still links to the site.
    build(dir.path(), Some("http://127.0.0.1:1111"));
    let email = read(&dir.path().join("public/nieuwsbrief/2021-04/email.html"));
    assert!(email.starts_with("<!DOCTYPE html>"), "{email}");
    for absent in [
        "<script",
        "<link",
        "<style",
        "class=",
        "<img",
        "127.0.0.1",
        "href=\"/",
    ] {
        assert!(!email.contains(absent), "{absent} in the e-mail");
    }
    assert!(email.contains("<table role=\"presentation\" width=\"600\""));
    assert!(
        email.contains("href=\"https://www.kis.nl/publicaties/dag/\""),
        "{email}"
    );
    assert!(email.contains("href=\"https://www.kis.nl/nieuwsbrief/2021-04/\""));
    // Every element with visible text carries its own style.
    for tag in ["<h1 ", "<h2 ", "<h3 ", "<p "] {
        assert!(email.matches(tag).count() > 0, "{tag}");
        assert_eq!(
            email.matches(tag).count(),
            email.matches(&format!("{tag}style=")).count(),
            "{tag} without an inline style"
        );
    }
    assert!(!email.contains("<script>alert"));
    let text = visible_text(&email);
    assert!(text.contains("Rapport · 12 april 2021 · Movisie"), "{text}");
    assert!(text.contains("Rapport · april 2021 · Movisie"), "{text}");
}

#[test]
fn a_sign_up_link_only_when_an_editor_configures_a_web_address() {
    let dir = site();
    let config = dir.path().join("config.toml");
    let original = read(&config);
    assert!(original.contains("aanmelden = \"\""));
    std::fs::write(
        &config,
        original.replace("aanmelden = \"\"", "aanmelden = \"javascript:alert(1)\""),
    )
    .unwrap();
    build(dir.path(), None);
    let archive = read(&dir.path().join("public/nieuwsbrief/index.html"));
    assert!(!archive.contains("javascript:") && !archive.contains("Meld u aan"));
    std::fs::write(
        &config,
        original.replace(
            "aanmelden = \"\"",
            "aanmelden = \"https://mailing.example/kis/aanmelden\"",
        ),
    )
    .unwrap();
    build(dir.path(), None);
    let archive = read(&dir.path().join("public/nieuwsbrief/index.html"));
    // Tera escapes the slashes in an attribute; browsers read them back.
    let link = "<a href=\"https:&#x2F;&#x2F;mailing.example&#x2F;kis&#x2F;aanmelden\"";
    assert!(archive.contains(&format!("{link}>Meld u aan")), "{archive}");
    let email = read(&dir.path().join("public/nieuwsbrief/2021-04/email.html"));
    assert!(email.contains(link), "{email}");
}

#[test]
fn the_command_prints_where_a_month_is_and_names_a_bad_month() {
    let dir = site();
    let out = common::run_binary(dir.path(), &["newsletter", "--month", "2021-04"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let web = dir.path().join("public/nieuwsbrief/2021-04/index.html");
    let email = dir.path().join("public/nieuwsbrief/2021-04/email.html");
    assert!(stdout.contains(&web.display().to_string()), "{stdout}");
    assert!(stdout.contains(&email.display().to_string()), "{stdout}");
    assert!(
        stdout.contains("https://www.kis.nl/nieuwsbrief/2021-04/"),
        "{stdout}"
    );
    assert!(web.is_file() && email.is_file());

    for (month, says) in [
        ("2021-05", "months with one: 2021-04, 2021-03"),
        ("2021-4", "expected a month as JJJJ-MM"),
        ("2021-13", "expected a month as JJJJ-MM"),
        ("../../etc", "expected a month as JJJJ-MM"),
        ("2021-01", "no newsletter for that month"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vindplaats"))
            .arg("--site")
            .arg(dir.path())
            .args(["newsletter", "--month", month])
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{month}");
        assert!(stderr.contains(says), "{month}: {stderr}");
        assert!(stderr.contains(month), "names the month: {stderr}");
    }
}
