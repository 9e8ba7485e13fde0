//! Production's pipeline (real `zola build`, then `vindplaats publish` for
//! the API, feeds and newsletter) makes the same paths and the same visible
//! text as `vindplaats build` from the shipped content, theme and config.
//!
//! Runs only where `ZOLA_BIN` names a zola 0.22 binary; otherwise it says
//! plainly that it did not run.

mod common;

use std::process::Command;

use common::{read, shipped_site_copy, visible_text};
use vindplaats::site::BuildOptions;

#[test]
fn zola_and_vindplaats_build_the_same_site() {
    let Some(zola) = std::env::var_os("ZOLA_BIN") else {
        {
            // Past the test harness's capture, so a CI log shows it.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "NOT RUN: ZOLA_BIN is not set, so the comparison with real `zola build` was skipped.");
        }
        return;
    };
    let site = shipped_site_copy();
    // Source health as the harvester writes it, so the partner pages'
    // `load_data` is compared too: one disrupted source, one healthy.
    std::fs::create_dir_all(site.path().join("data")).unwrap();
    std::fs::write(
        site.path().join(vindplaats::harvest::health::HEALTH_FILE),
        r#"{"partners": [{"name": "Movisie", "sources": [
          {"key": "movisie/feed", "id": "feed", "kind": "feed", "url": "https://movisie.example/feed.xml",
           "last_success": "2024-03-03T10:12:00Z", "last_success_text": "3 maart 2024 om 10:12 (UTC)",
           "harvested": 3, "published": 1, "rejected": 1, "consecutive_failures": 5, "disrupted": true,
           "last_error": "https://movisie.example/feed.xml: timed out <b>",
           "last_error_text": "De bron reageerde niet op tijd (time-out)."},
          {"key": "movisie/oai", "id": "oai", "kind": "oai", "url": "https://movisie.example/oai",
           "last_success": null, "last_success_text": null, "harvested": 0, "published": 0, "rejected": 0,
           "consecutive_failures": 0, "disrupted": false, "last_error": null, "last_error_text": null}]}]}"#,
    )
    .unwrap();
    let zola_out = site.path().join("zola-public");
    let status = Command::new(&zola)
        .args(["build", "--force", "--output-dir"])
        .arg(&zola_out)
        .current_dir(site.path())
        .status()
        .expect("ZOLA_BIN runs");
    assert!(status.success(), "zola build failed on the shipped site");
    let zola_only = common::files_below(&zola_out);
    let published = vindplaats::build::publish_after_zola(
        site.path(),
        &zola_out,
        &vindplaats::model::LoadOptions::default(),
    )
    .unwrap();
    assert!(published.newsletter_files > 2, "{published:?}");

    let ours = site.path().join("vindplaats-public");
    let report = vindplaats::build::build(
        site.path(),
        &BuildOptions {
            output_dir: Some(ours.clone()),
            ..Default::default()
        },
    )
    .unwrap()
    .site;
    // The podcast series has no artwork and no audio yet: publishing says so.
    let problems: Vec<String> = report
        .problems
        .iter()
        .map(ToString::to_string)
        .filter(|p| !p.starts_with("content/podcasts/"))
        .collect();
    assert!(problems.is_empty(), "{problems:?}");

    let (zola_files, our_files) = (common::files_below(&zola_out), common::files_below(&ours));
    let only_zola: Vec<_> = zola_files.difference(&our_files).collect();
    let only_ours: Vec<_> = our_files.difference(&zola_files).collect();
    assert!(
        only_zola.is_empty() && only_ours.is_empty(),
        "only in zola: {only_zola:?}\nonly in vindplaats: {only_ours:?}"
    );

    let mut differing = Vec::new();
    // What zola itself made; the rest is vindplaats's on both sides.
    for file in zola_only
        .iter()
        .filter(|f| f.ends_with(".html") || f.ends_with(".xml") || f.ends_with(".txt"))
    {
        if visible_text(&read(&zola_out.join(file))) != visible_text(&read(&ours.join(file))) {
            differing.push(file.clone());
        }
    }
    assert!(
        differing.is_empty(),
        "visible text differs in {} files: {differing:?}",
        differing.len()
    );
    let partner = visible_text(&read(&ours.join("partners/movisie/index.html")));
    assert!(
        partner.contains("Verstoord: het ophalen is 5 keer op rij mislukt"),
        "{partner}"
    );
    assert!(our_files.contains("admin/config.yml") && our_files.contains("admin/index.html"));
    assert!(
        zola_files.contains("nieuwsbrief/index.html")
            && !zola_only.contains("nieuwsbrief/index.html")
    );
    // The newsletter after zola is the newsletter of vindplaats build.
    for file in zola_files.iter().filter(|f| f.starts_with("nieuwsbrief/")) {
        assert_eq!(read(&zola_out.join(file)), read(&ours.join(file)), "{file}");
    }
    eprintln!(
        "compared {} files: zola build + vindplaats publish and vindplaats build have the same paths; the {} zola made have the same visible text",
        zola_files.len(),
        zola_only.len()
    );
}
