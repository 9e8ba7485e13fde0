//! Builds the shipped site as a user would and checks what a reader gets.

mod common;

use common::{read, shipped_site_copy, visible_text};
use vindplaats::site::{build, BuildOptions};

#[test]
fn the_shipped_site_builds_without_problems_into_a_complete_dutch_site() {
    let site = shipped_site_copy();
    let report = build(site.path(), &BuildOptions::default()).unwrap();
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(
        problems.is_empty(),
        "the shipped content has problems:\n{}",
        problems.join("\n")
    );
    let public = site.path().join("public");

    // Every section a reader browses, with its Dutch heading.
    for (path, text) in [
        ("index.html", "Kennisplatform Inclusief Samenleven"),
        ("publicaties/index.html", "Publicaties"),
        ("themas/index.html", "Thema's"),
        ("partners/index.html", "Partners"),
        ("dossiers/index.html", "Dossiers"),
        ("dossiers/coronadossier/index.html", "Coronadossier"),
        ("podcasts/index.html", "Podcasts"),
        (
            "podcasts/denkers-en-doeners/index.html",
            "Denkers en doeners over diversiteit",
        ),
        ("vraag-en-antwoord/index.html", "Vraag en antwoord"),
        ("kennisateliers/index.html", "Kennisateliers"),
        ("portaalprojecten/index.html", "Portaalprojecten"),
        ("over-ons/index.html", "Over ons"),
        ("over-ons/vraag-stellen/index.html", "Een vraag stellen"),
        ("over-ons/partner-worden/index.html", "Partner worden"),
        ("toegankelijkheid/index.html", "Toegankelijkheidsverklaring"),
        ("404.html", "niet gevonden"),
    ] {
        let html = read(&public.join(path));
        assert!(html.contains("<html lang=\"nl\""), "{path}: not lang=nl");
        assert!(visible_text(&html).contains(text), "{path}: no '{text}'");
    }

    // Three themes and ten programme lines, each with a page.
    let themes = visible_text(&read(&public.join("themas/index.html")));
    for name in [
        "Krachtige individuen en gemeenschappen",
        "Gelijke kansen",
        "Sociale verbondenheid",
        "Effectief discriminatie verminderen",
        "Gelijke kansen voor nieuwkomers",
    ] {
        assert!(themes.contains(name), "thema's page misses {name}");
    }
    assert!(public
        .join("themas/gelijke-kansen-voor-nieuwkomers/index.html")
        .is_file());
    assert!(
        public.join("thema/gelijke-kansen/index.html").is_file(),
        "taxonomy term page"
    );

    // Legacy theme names redirect onto the new programme lines.
    let legacy = read(&public.join("themas/nieuwe-migratie/index.html"));
    assert!(
        legacy.contains("https://www.kis.nl/themas/gelijke-kansen-voor-nieuwkomers/"),
        "{legacy}"
    );
}

#[test]
fn publications_are_paginated_newest_first_with_cards_and_legacy_addresses() {
    let site = shipped_site_copy();
    build(site.path(), &BuildOptions::default()).unwrap();
    let public = site.path().join("public");

    let first = visible_text(&read(&public.join("publicaties/index.html")));
    assert!(
        public.join("publicaties/page/2/index.html").is_file(),
        "24 publications at 20 a page make two pages"
    );
    let newest = first
        .find("Goede communicatie over coronamaatregelen")
        .expect("an April 2021 item on page 1");
    let older = first.find("Theorieën en aanpakken").unwrap_or(usize::MAX);
    assert!(newest < older, "newest first");
    assert!(
        read(&public.join("publicaties/page/1/index.html"))
            .contains("https://www.kis.nl/publicaties/"),
        "page 1 redirects"
    );

    let page = read(&public.join("publicaties/theorieen-en-aanpakken-van-polarisatie/index.html"));
    assert!(page.contains("property=\"og:title\""), "Open Graph card");
    assert!(page.contains("application/ld+json"), "schema.org JSON-LD");
    assert!(
        page.contains("name=\"citation_title\""),
        "Highwire tags on a scholarly report"
    );
    let text = visible_text(&page);
    assert!(
        text.contains("juni 2020"),
        "month precision shown as a month"
    );
    assert!(text.contains("SZW"), "the asker");

    // The old kis.nl addresses land on the new page.
    let alias = read(&public.join("publicatie/theorieen-en-aanpakken-van-polarisatie/index.html"));
    assert!(
        alias
            .contains("url=https://www.kis.nl/publicaties/theorieen-en-aanpakken-van-polarisatie/"),
        "{alias}"
    );
    assert!(public.join("artikel/theorieen-en-aanpakken-ontleed-voor-de-aanpak-van-ongewenste-polarisatie/index.html").is_file());

    // An article is not scholarly: Highwire tags (on every publication, for
    // Google Scholar) but no ScholarlyArticle.
    let article = read(&public.join("publicaties/theorieen-en-aanpakken-ontleed-voor-de-aanpak-van-ongewenste-polarisatie/index.html"));
    assert!(article.contains("name=\"citation_title\""));
    assert!(!article.contains("\"ScholarlyArticle\""));
}

#[test]
fn podcast_episodes_without_audio_say_so_and_link_nothing_fake() {
    let site = shipped_site_copy();
    build(site.path(), &BuildOptions::default()).unwrap();
    let dir = site.path().join("public/podcasts/denkers-en-doeners");
    let mut episodes = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("index.html");
        if !path.is_file() || path.parent() == Some(dir.as_path()) {
            continue;
        }
        let html = read(&path);
        assert!(
            !html.contains("<audio"),
            "{}: a player without audio",
            path.display()
        );
        assert!(
            !html.contains(".mp3"),
            "{}: a fake audio link",
            path.display()
        );
        assert!(
            visible_text(&html).contains("nog niet beschikbaar"),
            "{}",
            path.display()
        );
        episodes += 1;
    }
    assert_eq!(episodes, 6);
    let series = visible_text(&read(&dir.join("index.html")));
    let first = series.find("Bert Wijbenga").unwrap();
    let sixth = series.find("Kaouthar Darmoni").unwrap();
    assert!(first < sixth, "episodes in order");
}

#[test]
fn feeds_sitemap_and_robots_are_written() {
    let site = shipped_site_copy();
    let report = build(site.path(), &BuildOptions::default()).unwrap();
    let public = site.path().join("public");
    let atom = read(&public.join("atom.xml"));
    assert!(
        atom.contains("<feed") && atom.matches("<entry>").count() >= 20,
        "{atom}"
    );
    assert!(
        public.join("publicaties/atom.xml").is_file(),
        "section feed"
    );
    assert!(
        public.join("thema/gelijke-kansen/atom.xml").is_file(),
        "taxonomy feed"
    );
    let sitemap = read(&public.join("sitemap.xml"));
    assert!(sitemap.contains(
        "<loc>https://www.kis.nl/publicaties/theorieen-en-aanpakken-van-polarisatie/</loc>"
    ));
    assert!(read(&public.join("robots.txt")).contains("sitemap.xml"));
    assert!(
        report.feeds >= 3 && report.aliases > 20 && report.taxonomy_terms > 10,
        "{report:?}"
    );
}

/// Leaving out of contexts what no template reads (neighbours, term pages,
/// the body of listed pages) must change no byte of the site.
#[test]
fn lean_contexts_build_the_same_site_as_whole_ones() {
    let site = shipped_site_copy();
    let lean = site.path().join("lean");
    let whole = site.path().join("whole");
    for (dir, whole_contexts) in [(&lean, false), (&whole, true)] {
        let options = BuildOptions {
            output_dir: Some(dir.clone()),
            whole_contexts,
            ..Default::default()
        };
        build(site.path(), &options).unwrap();
    }
    let files = |root: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = walkdir::WalkDir::new(root)
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let (lean, whole) = (files(&lean), files(&whole));
    assert!(lean.len() > 200, "{} files", lean.len());
    assert_eq!(lean.len(), whole.len());
    for ((path, a), (other, b)) in lean.iter().zip(&whole) {
        assert_eq!(path, other);
        assert!(a == b, "{path} differs between lean and whole contexts");
    }
}

#[test]
fn base_url_can_be_replaced_for_local_serving() {
    let site = shipped_site_copy();
    let options = BuildOptions {
        base_url: Some("http://127.0.0.1:1111".into()),
        ..Default::default()
    };
    build(site.path(), &options).unwrap();
    let home = read(&site.path().join("public/index.html"));
    assert!(home.contains("http://127.0.0.1:1111/publicaties/"));
    assert!(!home.contains("https://www.kis.nl/publicaties/"));
}

#[test]
fn a_partner_page_shows_its_sources_health_and_a_disrupted_source() {
    let site = shipped_site_copy();
    let dir = site.path();
    std::fs::create_dir_all(dir.join("harvesters/state")).unwrap();
    std::fs::write(
        dir.join("harvesters/movisie.toml"),
        "name = \"Movisie\"\n[[sources]]\nid = \"feed\"\nkind = \"feed\"\nurl = \"https://movisie.example/feed.xml\"\n\
         [[sources]]\nid = \"oai\"\nkind = \"oai\"\nurl = \"https://movisie.example/oai\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("harvesters/state/sources.json"),
        r#"{
          "movisie/feed": {"consecutive_failures": 5, "last_success": "2024-03-03T10:12:00Z",
                           "last_error": "https://movisie.example/feed.xml: not a feed feed-rs can read: <script>x</script>"},
          "movisie/oai": {"consecutive_failures": 0, "last_success": "2024-03-04T08:00:00Z"}
        }"#,
    )
    .unwrap();
    let harvested = |name: &str, status: &str, draft: bool| {
        std::fs::write(
            dir.join(format!("content/publicaties/{name}.md")),
            format!(
                "+++\ntitle = \"{name}\"\ndate = 2024-01-01\ndraft = {draft}\n[taxonomies]\npartner = [\"Movisie\"]\njaar = [\"2024\"]\n\
                 [extra]\nstatus = \"{status}\"\n[extra.harvest]\nsource = \"movisie/feed\"\nupstream_id = \"{name}\"\n+++\n"
            ),
        )
        .unwrap();
    };
    harvested("geoogst-gepubliceerd", "published", false);
    harvested("geoogst-afgewezen", "rejected", true);
    harvested("geoogst-concept", "draft", true);

    vindplaats::build::build(dir, &BuildOptions::default()).unwrap();
    let html = read(&dir.join("public/partners/movisie/index.html"));
    let text = visible_text(&html);
    assert!(text.contains("Hoe het ophalen gaat"), "{text}");
    assert!(
        text.contains("Verstoord: het ophalen is 5 keer op rij mislukt"),
        "{text}"
    );
    assert!(text.contains("Opgehaald 3 publicaties"), "{text}");
    assert!(text.contains("Gepubliceerd 1 Afgewezen 1"), "{text}");
    assert!(text.contains("3 maart 2024 om 10:12 (UTC)"), "{text}");
    assert!(
        text.contains("Op dit adres staat geen feed die we kunnen lezen"),
        "{text}"
    );
    // The healthy source is not disrupted; the error text stays text.
    assert_eq!(html.matches("bron-verstoord").count(), 1, "{html}");
    assert!(text.contains("In orde."), "{text}");
    assert!(!html.contains("<script>x"), "{html}");
    assert!(html.contains("&lt;script&gt;x"), "{html}");
    // The data file both renderers read.
    let data = read(&dir.join("data/bronstatus.json"));
    assert!(data.contains("\"disrupted\": true"), "{data}");
    // Another partner has no sources and shows none.
    let other = read(&dir.join("public/partners/pharos/index.html"));
    assert!(!other.contains("Hoe het ophalen gaat"));
}
