//! Whole harvest runs against a real HTTP server on loopback whose answers
//! the test changes between runs: new drafts, a second run that changes no
//! byte, an editor's edit surviving an upstream change (flagged for review),
//! a rejected item staying rejected, a deleted OAI record withdrawn,
//! duplicates merged across sources, a failing source isolated, and an
//! interrupted OAI harvest completed by the next run.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use vindplaats::harvest::{harvest, FetchPolicy, HarvestOptions, HarvestReport};

/// path (and for OAI: the resumption token or "start") → body.
type Answers = Arc<Mutex<HashMap<String, String>>>;

async fn answer(
    State(answers): State<Answers>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let key = match (q.get("verb").map(String::as_str), q.get("resumptionToken")) {
        (Some("Identify"), _) => "identify".to_string(),
        (Some(_), Some(token)) => format!("oai:{token}"),
        (Some(_), None) => "oai:start".to_string(),
        (None, _) => uri.path().to_string(),
    };
    let Some(body) = answers.lock().unwrap().get(&key).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!(
        "\"{:x}\"",
        body.len() * 31 + body.bytes().map(|b| b as usize).sum::<usize>()
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, "application/xml".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn serve(answers: Answers) -> SocketAddr {
    let app = Router::new().fallback(get(answer)).with_state(answers);
    let addr = common::serve_on_loopback(app).await;
    addr
}

/// A loopback partner with `feed` at /feed.xml and an empty OAI-PMH
/// repository.
async fn serve_feed(feed: String) -> SocketAddr {
    let answers: Answers = Arc::default();
    {
        let mut a = answers.lock().unwrap();
        a.insert("/feed.xml".into(), feed);
        a.insert("identify".into(), IDENTIFY.into());
        a.insert("oai:start".into(), oai_page(&[], None));
    }
    serve(answers).await
}

fn rss(items: &[(&str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title, extra)| {
            format!("<item><guid>{guid}</guid><title>{title}</title><link>https://partner.example/{guid}?utm_source=rss</link><description>Over {title}.</description><pubDate>Mon, 01 Jun 2020 10:00:00 GMT</pubDate>{extra}</item>")
        })
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Partner</title>{items}</channel></rss>")
}

const IDENTIFY: &str = "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><Identify><repositoryName>Repo</repositoryName><baseURL>x</baseURL><granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>";

fn oai_page(records: &[(&str, &str, bool)], token: Option<&str>) -> String {
    let records: String = records
        .iter()
        .map(|(id, title, deleted)| {
            if *deleted {
                format!("<record><header status=\"deleted\"><identifier>{id}</identifier><datestamp>2021-02-01</datestamp></header></record>")
            } else {
                format!("<record><header><identifier>{id}</identifier><datestamp>2021-01-0{}</datestamp></header><metadata><oai_dc:dc xmlns:oai_dc=\"o\" xmlns:dc=\"d\"><dc:title>{title}</dc:title><dc:creator>Jansen, A.</dc:creator><dc:date>2021-01-01</dc:date><dc:identifier>https://repo.example/{id}</dc:identifier><dc:description>Onderzoek naar {title}.</dc:description></oai_dc:dc></metadata></record>", id.len() % 9 + 1)
            }
        })
        .collect();
    let token = token
        .map(|t| format!("<resumptionToken>{t}</resumptionToken>"))
        .unwrap_or_default();
    format!("<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords>{records}{token}</ListRecords></OAI-PMH>")
}

fn site(addr: SocketAddr) -> tempfile::TempDir {
    let dir = common::small_site(&[("_index.md", "+++\n+++\n")]);
    std::fs::create_dir_all(dir.path().join("harvesters")).unwrap();
    std::fs::write(
        dir.path().join("harvesters/voorbeeld.toml"),
        format!(
            "name = \"Voorbeeld Kennisinstituut\"\nhomepage = \"https://partner.example\"\n\n[[sources]]\nkind = \"feed\"\nurl = \"http://{addr}/feed.xml\"\ndefault_type = \"rapport\"\nexclude = [\"vacature\"]\n\n[[sources]]\nkind = \"oai\"\nurl = \"http://{addr}/oai\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("harvesters/classification.toml"),
        "[[rules]]\nprogrammalijn = \"Gelijke kansen voor nieuwkomers\"\nkeywords = [\"statushouders\"]\n",
    )
    .unwrap();
    dir
}

async fn run(site: &Path) -> HarvestReport {
    let options = HarvestOptions {
        policy: FetchPolicy {
            allow_loopback: true,
            ..FetchPolicy::default()
        },
        ..Default::default()
    };
    harvest(site, &options, &|_| {})
        .await
        .expect("the run itself proceeds")
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn find(dir: &Path, needle: &str) -> std::path::PathBuf {
    walkdir::WalkDir::new(dir.join("content/publicaties"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .find(|p| {
            p.extension().is_some_and(|e| e == "md")
                && std::fs::read_to_string(p).unwrap().contains(needle)
        })
        .unwrap_or_else(|| panic!("no file mentions {needle}"))
}

fn report_of<'a>(report: &'a HarvestReport, suffix: &str) -> &'a vindplaats::harvest::SourceReport {
    report
        .sources
        .iter()
        .find(|s| s.source.ends_with(suffix))
        .unwrap()
}

#[tokio::test]
async fn harvest_reharvest_edits_rejections_and_withdrawals() {
    let answers: Answers = Arc::default();
    let addr = serve(answers.clone()).await;
    {
        let mut a = answers.lock().unwrap();
        a.insert(
            "/feed.xml".into(),
            rss(&[
                ("a", "Werk voor statushouders", ""),
                ("b", "Tweede rapport", ""),
                ("c", "Vacature onderzoeker", ""),
            ]),
        );
        a.insert("identify".into(), IDENTIFY.into());
        a.insert(
            "oai:start".into(),
            oai_page(&[("oai:r:1", "Eerste record", false)], Some("p2")),
        );
        a.insert(
            "oai:p2".into(),
            oai_page(&[("oai:r:2", "Tweede record", false)], None),
        );
    }
    let dir = site(addr);

    // First run: drafts for everything new; the vacancy filtered out.
    let first = run(dir.path()).await;
    let feed = report_of(&first, "/feed");
    assert_eq!(
        (feed.new, feed.skipped, feed.errors.len()),
        (2, 1, 0),
        "{feed:?}"
    );
    assert_eq!(report_of(&first, "/oai").new, 2, "both OAI pages stored");
    let a = std::fs::read_to_string(find(dir.path(), "upstream_id = \"a\"")).unwrap();
    assert!(
        a.contains("draft = true") && a.contains("status = \"draft\""),
        "{a}"
    );
    assert!(
        a.contains("link = \"https://partner.example/a\""),
        "tracking stripped: {a}"
    );
    assert!(
        a.contains("partner = [\"Voorbeeld Kennisinstituut\"]")
            && a.contains("type = [\"rapport\"]"),
        "{a}"
    );
    assert!(
        a.contains("suggested_programmalijnen = [\"Gelijke kansen voor nieuwkomers\"]"),
        "{a}"
    );
    assert!(
        a.contains("content_hash = ") && a.contains("fetched_at = "),
        "{a}"
    );
    assert!(dir
        .path()
        .join("harvesters/state/last-report.json")
        .is_file());
    // The drafts are valid content: their fields type, their dates parse.
    let (pages, problems) = common::problems_with_drafts(dir.path());
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(pages, 4);

    // Second run, nothing new: 304 for the feed, every file byte for byte the same.
    let before = snapshot(dir.path());
    let second = run(dir.path()).await;
    assert!(report_of(&second, "/feed").not_modified);
    assert_eq!(report_of(&second, "/oai").unchanged, 2);
    assert_eq!(
        before,
        snapshot(dir.path()),
        "a run with nothing new changes no file"
    );

    // An editor edits the title of a; another rejects b.
    let a_path = find(dir.path(), "upstream_id = \"a\"");
    let edited = std::fs::read_to_string(&a_path).unwrap().replacen(
        "title = \"Werk voor statushouders\"",
        "title = \"Werk voor statushouders (redactie)\"",
        1,
    );
    std::fs::write(&a_path, edited).unwrap();
    let b_path = find(dir.path(), "upstream_id = \"b\"");
    let rejected = std::fs::read_to_string(&b_path).unwrap().replacen(
        "status = \"draft\"",
        "status = \"rejected\"",
        1,
    );
    std::fs::write(&b_path, &rejected).unwrap();

    // Upstream changes both titles and deletes an OAI record.
    {
        let mut a = answers.lock().unwrap();
        a.insert(
            "/feed.xml".into(),
            rss(&[
                ("a", "Werk voor statushouders, herzien", ""),
                ("b", "Tweede rapport, herzien", ""),
            ]),
        );
        a.insert(
            "oai:start".into(),
            oai_page(&[("oai:r:1", "Eerste record", true)], Some("p2")),
        );
    }
    let third = run(dir.path()).await;
    let a_text = std::fs::read_to_string(&a_path).unwrap();
    assert!(
        a_text.contains("title = \"Werk voor statushouders (redactie)\""),
        "the editor's title survives: {a_text}"
    );
    assert!(
        a_text.contains("upstream_title = \"Werk voor statushouders, herzien\""),
        "upstream's is kept too: {a_text}"
    );
    assert!(
        a_text.contains("review = true"),
        "flagged for review: {a_text}"
    );
    assert_eq!(
        std::fs::read_to_string(&b_path).unwrap(),
        rejected,
        "a rejected item stays as it is"
    );
    assert_eq!(report_of(&third, "/feed").rejected, 1);
    let withdrawn = std::fs::read_to_string(find(dir.path(), "upstream_id = \"oai:r:1\"")).unwrap();
    assert!(
        withdrawn.contains("status = \"withdrawn\"") && withdrawn.contains("draft = true"),
        "{withdrawn}"
    );
    assert_eq!(report_of(&third, "/oai").withdrawn, 1);
}

#[tokio::test]
async fn duplicates_merge_failures_stay_isolated_and_interrupted_runs_complete() {
    let answers: Answers = Arc::default();
    let addr = serve(answers.clone()).await;
    {
        let mut a = answers.lock().unwrap();
        // The feed's item d and OAI record 3 are the same publication (same DOI).
        let doi =
            "<description>Zie https://doi.org/10.5555/kis.2021.1 voor de tekst.</description>";
        a.insert("/feed.xml".into(), rss(&[("d", "Gedeeld rapport", doi)]));
        a.insert("identify".into(), IDENTIFY.into());
        a.insert(
            "oai:start".into(),
            oai_page(&[("oai:r:3", "Gedeeld rapport", false)], Some("p2")).replace(
                "<dc:identifier>https://repo.example/oai:r:3</dc:identifier>",
                "<dc:identifier>doi:10.5555/KIS.2021.1</dc:identifier>",
            ),
        );
        // Page 2 is broken: the run stops there for this source.
        a.insert("oai:p2".into(), "<OAI-PMH><ListRecords><record>".into());
    }
    let dir = site(addr);
    std::fs::write(
        dir.path().join("harvesters/kapot.toml"),
        format!("name = \"Kapotte Partner\"\n[[sources]]\nkind = \"feed\"\nurl = \"http://{addr}/bestaat-niet.xml\"\n"),
    )
    .unwrap();

    let first = run(dir.path()).await;
    let broken = report_of(&first, "kapot/feed");
    assert!(broken.errors[0].contains("HTTP 404"), "{broken:?}");
    assert_eq!(
        report_of(&first, "voorbeeld/feed").new,
        1,
        "one bad source does not stop the others"
    );
    let oai = report_of(&first, "voorbeeld/oai");
    assert!(oai.errors[0].contains("not valid OAI-PMH"), "{oai:?}");
    let shared = std::fs::read_to_string(find(dir.path(), "10.5555/kis.2021.1")).unwrap();
    assert!(
        shared.contains("upstream_id = \"oai:r:3\""),
        "the duplicate is merged, both origins kept: {shared}"
    );
    let files = snapshot(dir.path()).len();
    let state = vindplaats::harvest::run::load_state(dir.path());
    assert_eq!(state["kapot/feed"].consecutive_failures, 1);
    assert_eq!(
        state["voorbeeld/oai"].last_datestamp, None,
        "an interrupted list does not move the datestamp"
    );

    // Upstream is mended: the next run completes what was left.
    answers.lock().unwrap().insert(
        "oai:p2".into(),
        oai_page(&[("oai:r:4", "Vierde record", false)], None),
    );
    let second = run(dir.path()).await;
    let oai = report_of(&second, "voorbeeld/oai");
    assert_eq!(
        (oai.new, oai.unchanged, oai.errors.len()),
        (1, 1, 0),
        "{oai:?}"
    );
    assert_eq!(snapshot(dir.path()).len(), files + 1);
    let state = vindplaats::harvest::run::load_state(dir.path());
    assert_eq!(state["kapot/feed"].consecutive_failures, 2);
    assert!(state["voorbeeld/oai"].last_datestamp.is_some());
}

#[tokio::test]
async fn a_bad_registry_file_stops_the_run_with_its_name() {
    let dir = common::small_site(&[("_index.md", "+++\n+++\n")]);
    std::fs::create_dir_all(dir.path().join("harvesters")).unwrap();
    std::fs::write(
        dir.path().join("harvesters/fout.toml"),
        "name = \"Fout\"\n[[sources]]\nkind = \"rss\"\nurl = \"https://x\"\n",
    )
    .unwrap();
    let err = harvest(dir.path(), &HarvestOptions::default(), &|_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("fout.toml: sources[0].kind"),
        "{err}"
    );
}

async fn cover() -> Response {
    let image = image::RgbImage::from_fn(960, 480, |x, _| image::Rgb([(x % 256) as u8, 90, 160]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    ([(header::CONTENT_TYPE, "image/png")], out.into_inner()).into_response()
}

#[tokio::test]
async fn thumbnails_land_beside_drafts_and_broken_images_are_noted() {
    let feed = |image: &str| {
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><title>P</title>\
             <item><guid>met-plaatje</guid><title>Met plaatje {image}</title><link>https://p.example/{image}</link>\
             <media:thumbnail url=\"IMG\"/></item></channel></rss>"
        )
    };
    let app = Router::new()
        .route("/cover.png", get(cover))
        .route(
            "/kapot.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], "geen png") }),
        )
        .fallback(get(|| async { StatusCode::NOT_FOUND }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app =
        app.route(
            "/kapot.xml",
            get(move || async move {
                feed("kapot").replace("IMG", &format!("http://{addr}/kapot.png"))
            }),
        );
    let app = app.route(
        "/goed2.xml",
        get(
            move || async move { feed("goed").replace("IMG", &format!("http://{addr}/cover.png")) },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = common::small_site(&[("_index.md", "+++\n+++\n")]);
    std::fs::create_dir_all(dir.path().join("harvesters")).unwrap();
    std::fs::write(
        dir.path().join("harvesters/p.toml"),
        format!("name = \"P\"\n[[sources]]\nkind = \"feed\"\nurl = \"http://{addr}/goed2.xml\"\n[[sources]]\nkind = \"feed\"\nurl = \"http://{addr}/kapot.xml\"\n"),
    )
    .unwrap();
    let report = run(dir.path()).await;
    let draft = find(dir.path(), "Met plaatje goed");
    let thumb = draft.with_file_name("omslag.jpg");
    let decoded =
        image::load_from_memory(&std::fs::read(&thumb).expect("a thumbnail beside the draft"))
            .unwrap();
    assert_eq!(decoded.width(), 480);
    let broken = report_of(&report, "p/feed-2");
    assert_eq!(
        (broken.new, broken.errors.len()),
        (1, 0),
        "a broken image fails nothing: {broken:?}"
    );
    assert!(broken.notes[0].contains("kapot.png skipped"), "{broken:?}");
    assert!(!find(dir.path(), "Met plaatje kapot")
        .with_file_name("omslag.jpg")
        .exists());
}

#[tokio::test]
async fn a_new_draft_never_takes_the_name_of_an_existing_file() {
    let addr = serve_feed(rss(&[("x", "Tweede rapport", "")])).await;
    let dir = site(addr);
    let own = dir.path().join("content/publicaties/tweede-rapport.md");
    std::fs::create_dir_all(own.parent().unwrap()).unwrap();
    let text =
        "+++\ntitle = \"Tweede rapport\"\n[extra]\nstatus = \"published\"\n+++\nEigen tekst.\n";
    std::fs::write(&own, text).unwrap();
    run(dir.path()).await;
    assert_eq!(
        std::fs::read_to_string(&own).unwrap(),
        text,
        "the editor's own file is untouched"
    );
    assert!(dir
        .path()
        .join("content/publicaties/tweede-rapport-2/index.md")
        .is_file());
}

#[tokio::test]
async fn oai_paging_ends_on_a_repeated_token_or_past_the_page_limit() {
    let answers: Answers = Arc::default();
    let addr = serve(answers.clone()).await;
    {
        let mut a = answers.lock().unwrap();
        a.insert("/feed.xml".into(), rss(&[]));
        a.insert("identify".into(), IDENTIFY.into());
        a.insert(
            "oai:start".into(),
            oai_page(&[("oai:r:1", "Eerste", false)], Some("t1")),
        );
        // A server that hands out the same token for ever.
        a.insert(
            "oai:t1".into(),
            oai_page(&[("oai:r:2", "Tweede", false)], Some("t1")),
        );
    }
    let dir = site(addr);
    let report = run(dir.path()).await;
    let oai = report_of(&report, "/oai");
    assert_eq!(oai.errors.len(), 1, "{oai:?}");
    assert!(
        oai.errors[0].contains("resumption token \"t1\" a second time, after 2 pages"),
        "{oai:?}"
    );
    // What came before the loop is kept.
    assert_eq!(oai.new, 2, "{oai:?}");
    let state = vindplaats::harvest::run::load_state(dir.path());
    let (_, oai_state) = state.iter().find(|(k, _)| k.ends_with("/oai")).unwrap();
    assert_eq!(oai_state.consecutive_failures, 1);
    assert_eq!(
        oai_state.last_datestamp, None,
        "an unfinished list does not move on"
    );

    // A list longer than the limit ends with an error naming it.
    {
        let mut a = answers.lock().unwrap();
        a.insert(
            "oai:t1".into(),
            oai_page(&[("oai:r:2", "Tweede", false)], Some("t2")),
        );
        a.insert(
            "oai:t2".into(),
            oai_page(&[("oai:r:3", "Derde", false)], None),
        );
    }
    let options = HarvestOptions {
        policy: FetchPolicy {
            allow_loopback: true,
            ..FetchPolicy::default()
        },
        max_oai_pages: 2,
        ..Default::default()
    };
    let limited = harvest(dir.path(), &options, &|_| {}).await.unwrap();
    let oai = report_of(&limited, "/oai");
    assert!(
        oai.errors
            .first()
            .is_some_and(|e| e.contains("longer than 2 pages")),
        "{oai:?}"
    );
    // With room for every page, the list completes.
    let full = run(dir.path()).await;
    let oai = report_of(&full, "/oai");
    assert!(oai.errors.is_empty(), "{oai:?}");
    assert_eq!(oai.new, 1, "{oai:?}");
}

#[tokio::test]
async fn dates_keep_their_precision_and_podcasts_their_enclosure() {
    let answers: Answers = Arc::default();
    let addr = serve(answers.clone()).await;
    {
        let mut a = answers.lock().unwrap();
        let enclosure = "<enclosure url=\"https://partner.example/afl-1.mp3\" type=\"audio/mpeg\" length=\"4321\"/>";
        a.insert(
            "/feed.xml".into(),
            rss(&[("p1", "Podcast over wonen", enclosure)]),
        );
        a.insert("identify".into(), IDENTIFY.into());
        let page = oai_page(
            &[
                ("oai:r:jaar", "Alleen een jaar", false),
                ("oai:r:maand", "Een maand", false),
            ],
            None,
        );
        // The first record's date is a year, the second's a month.
        let page = page.replacen(
            "<dc:date>2021-01-01</dc:date>",
            "<dc:date>2010</dc:date>",
            1,
        );
        let page = page.replacen(
            "<dc:date>2021-01-01</dc:date>",
            "<dc:date>2011-05</dc:date>",
            1,
        );
        a.insert("oai:start".into(), page);
    }
    let dir = site(addr);
    // The shipped publications section, so that drafts get their template.
    std::fs::create_dir_all(dir.path().join("content/publicaties")).unwrap();
    std::fs::write(
        dir.path().join("content/publicaties/_index.md"),
        common::read(&common::project_dir().join("content/publicaties/_index.md")),
    )
    .unwrap();
    let report = run(dir.path()).await;
    assert!(
        report.sources.iter().all(|s| s.errors.is_empty()),
        "{report:?}"
    );
    let year = std::fs::read_to_string(find(dir.path(), "oai:r:jaar")).unwrap();
    assert!(year.contains("date = 2010-01-01"), "{year}");
    assert!(year.contains("date_precision = \"year\""), "{year}");
    assert!(year.contains("jaar = [\"2010\"]"), "{year}");
    assert!(
        year.contains("date = \"2010\""),
        "the upstream date as known: {year}"
    );
    let month = std::fs::read_to_string(find(dir.path(), "oai:r:maand")).unwrap();
    assert!(month.contains("date_precision = \"month\""), "{month}");
    let day = std::fs::read_to_string(find(dir.path(), "Podcast over wonen")).unwrap();
    assert!(day.contains("date_precision = \"day\""), "{day}");
    assert!(
        day.contains("enclosure = \"https://partner.example/afl-1.mp3\"")
            && day.contains("enclosure_type = \"audio/mpeg\"")
            && day.contains("enclosure_length = 4321"),
        "{day}"
    );
    // The site shows the year alone, not a made-up day.
    common::run_binary(dir.path(), &["build", "--drafts"]);
    let page = walkdir::WalkDir::new(dir.path().join("public"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.html")
        .map(|e| common::read(e.path()))
        .find(|p| p.contains("Alleen een jaar</h1>"))
        .expect("the year-only draft is rendered");
    assert!(
        page.contains("<time datetime=\"2010\">2010</time>"),
        "{page}"
    );
    assert!(
        !page.contains("januari 2010"),
        "a made-up day or month is shown"
    );
}

/// A partner that still files its items under an old theme name gets
/// drafts suggesting the current programmalijn and its thema, never the
/// old names (approving writes current names: `review::edit`'s tests).
#[tokio::test]
async fn old_theme_names_from_a_partner_become_current_suggestions() {
    let addr = serve_feed(rss(&[(
        "oud",
        "Samen in de buurt",
        "<category>Sociale stabiliteit</category><category>nieuwe migratie</category>",
    )]))
    .await;
    let dir = site(addr);
    let themas = common::project_dir().join("content/themas");
    for page in [
        "gelijke-kansen-voor-nieuwkomers.md",
        "sociale-verbondenheid.md",
    ] {
        let to = dir.path().join("content/themas").join(page);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(themas.join(page), to).unwrap();
    }
    let report = run(dir.path()).await;
    assert_eq!(report_of(&report, "/feed").new, 1, "{report:?}");
    let path = find(dir.path(), "upstream_id = \"oud\"");
    let draft = std::fs::read_to_string(&path).unwrap();
    assert!(
        draft.contains("suggested_themes = [\"Sociale verbondenheid\", \"Gelijke kansen\"]")
            && draft.contains("suggested_programmalijnen = [\"Gelijke kansen voor nieuwkomers\"]"),
        "{draft}"
    );
    assert!(
        !draft.contains("suggested_themes = [\"Sociale stabiliteit"),
        "{draft}"
    );
}
