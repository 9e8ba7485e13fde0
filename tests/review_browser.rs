//! The review queue in a real browser, from the keyboard only: an editor
//! signs in, filters the queue by partner, opens an item and publishes
//! it, pressing Tab, typing and Enter; axe-core finds no WCAG 2.1 A/AA
//! violation on the sign-in form, the queue, the item page, the partners'
//! submissions and the dossiers.
//!
//! Needs chromium, chromedriver and axe-core, as the search page's
//! browser test does.

#[path = "browser/mod.rs"]
mod browser;
mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use browser::{axe_violations, browser, no_violations, tools_or_skip};
use common::{read, small_site, start_server};
use fantoccini::Client;

const PASSWORD: &str = "correct paard batterij";
const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";

fn draft(title: &str, partner: &str, date: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndescription = \"Over {title}.\"\ndate = {date}\ndraft = true\n\n[taxonomies]\npartner = [\"{partner}\"]\n\n[extra]\nstatus = \"draft\"\nsuggested_themes = [\"Gelijke kansen\"]\n\n[extra.harvest]\nsource = \"x/feed\"\nupstream_id = \"{title}\"\nupstream_title = \"{title}\"\n+++\n\nTekst.\n"
    )
}

/// Presses Tab until the focused element matches `selector`.
async fn tab_to(client: &Client, selector: &str) {
    let check = format!(
        "return document.activeElement && document.activeElement.matches({});",
        serde_json::to_string(selector).unwrap()
    );
    for _ in 0..80 {
        if client.execute(&check, vec![]).await.unwrap() == serde_json::json!(true) {
            return;
        }
        client
            .active_element()
            .await
            .unwrap()
            .send_keys(TAB)
            .await
            .unwrap();
    }
    panic!("Tab never reached {selector}");
}

async fn type_here(client: &Client, text: &str) {
    client
        .active_element()
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn wait_for_path(client: &Client, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = client.current_url().await.unwrap();
        let here = format!(
            "{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        );
        if here.starts_with(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still at {here}, waited for {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_signs_in_filters_and_approves_from_the_keyboard() {
    let Some((chromium, driver, axe)) = tools_or_skip("the review queue's browser test") else {
        return;
    };
    let site = small_site(&[
        (
            "publicaties/_index.md",
            "+++\ntitle = \"Publicaties\"\nsort_by = \"date\"\n+++\n",
        ),
        (
            "publicaties/werk.md",
            &draft("Werk en inburgering", "Movisie", "2024-03-02"),
        ),
        (
            "publicaties/zorg.md",
            &draft("Zorg voor statushouders", "Pharos", "2023-01-05"),
        ),
        (
            "partners/movisie.md",
            "+++\ntitle = \"Movisie\"\n[extra]\nname = \"Movisie\"\n+++\n",
        ),
        (
            "partners/pharos.md",
            "+++\ntitle = \"Pharos\"\n[extra]\nname = \"Pharos\"\n+++\n",
        ),
    ]);
    let mut add = Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site.path())
        .args([
            "editor",
            "add",
            "anna",
            "--name",
            "Anna de Vries",
            "--email",
            "anna@kis.example",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());
    let pending = site.path().join("harvesters/pending");
    std::fs::create_dir_all(&pending).unwrap();
    std::fs::write(
        pending.join("kennisbank.toml"),
        "organisation = \"Kennisbank\"\nemail = \"info@example.org\"\nhomepage = \"https://example.org/\"\nsubmitted_at = \"2026-12-01T10:00:00Z\"\n\n[source]\nkind = \"feed\"\nurl = \"https://example.org/feed.xml\"\ngiven_url = \"https://example.org/\"\nformat = \"RSS 2.0\"\n\n[preview]\nitems = 3\ndated = 2\nproblems = [\"Eén item heeft geen datum.\"]\n",
    )
    .unwrap();
    let server = start_server(site.path(), &["--editor", "--no-watch", "--no-reindex"]);
    let (_driver, client) = browser(&chromium, &driver).await;

    // Asked for the queue, the browser lands on the sign-in form.
    client
        .goto(&format!("{}/beheer/", server.base))
        .await
        .unwrap();
    wait_for_path(&client, "/beheer/inloggen").await;
    assert_eq!(
        axe_violations(&client, &axe).await,
        no_violations(),
        "axe on the sign-in form"
    );
    tab_to(&client, "#gebruiker").await;
    type_here(&client, "anna").await;
    tab_to(&client, "#wachtwoord").await;
    type_here(&client, PASSWORD).await;
    type_here(&client, ENTER).await;
    wait_for_path(&client, "/beheer/").await;
    let source = client.source().await.unwrap();
    assert!(source.contains("Ingelogd als Anna de Vries"), "signed in");
    assert!(source.contains("Werk en inburgering") && source.contains("Zorg voor statushouders"));
    assert_eq!(
        axe_violations(&client, &axe).await,
        no_violations(),
        "axe on the queue"
    );

    // Filter by partner: the select takes the typed name, the button Enter.
    tab_to(&client, "#f-partner").await;
    type_here(&client, "Pharos").await;
    tab_to(&client, "form.filters button[type=submit]").await;
    type_here(&client, ENTER).await;
    wait_for_path(&client, "/beheer/?").await;
    let source = client.source().await.unwrap();
    assert!(
        source.contains("Zorg voor statushouders") && !source.contains("Werk en inburgering"),
        "filtered"
    );

    // Open the item and publish it with the suggestions preselected.
    tab_to(&client, "table a").await;
    type_here(&client, ENTER).await;
    wait_for_path(&client, "/beheer/items/zorg/").await;
    assert_eq!(
        axe_violations(&client, &axe).await,
        no_violations(),
        "axe on the item page"
    );
    tab_to(&client, "button[value=publiceren]").await;
    type_here(&client, ENTER).await;
    wait_for_path(&client, "/beheer/?melding=gepubliceerd").await;
    let source = client.source().await.unwrap();
    assert!(source.contains("Goedgekeurd"), "the notice");
    assert!(
        !source.contains("Zorg voor statushouders"),
        "no longer in the queue"
    );
    let text = read(&site.path().join("content/publicaties/zorg.md"));
    assert!(
        text.contains("status = \"published\"") && text.contains("thema = [\"Gelijke kansen\"]"),
        "{text}"
    );

    // The partners' submissions and the dossiers pass axe-core too.
    for (path, what) in [
        ("/beheer/aanmeldingen/", "Kennisbank"),
        ("/beheer/dossiers/", "Dossiers"),
    ] {
        client
            .goto(&format!("{}{path}", server.base))
            .await
            .unwrap();
        assert!(client.source().await.unwrap().contains(what), "{path}");
        assert_eq!(
            axe_violations(&client, &axe).await,
            no_violations(),
            "axe on {path}"
        );
    }
    client.close().await.unwrap();
}
