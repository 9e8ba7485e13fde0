//! The editors' review queue over real HTTP: the real `vindplaats serve
//! --editor` on loopback, a site in a git repository, accounts made with
//! `vindplaats editor add`. Sign-in, CSRF, approve, reject, bulk, edit
//! conflicts, concurrent approvals, git authors, hostile forms, and the
//! same through `vindplaats review`.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{read, run_binary, small_site, start_server};

const PASSWORD: &str = "correct paard batterij";

fn draft(title: &str, partner: &str, date: &str, extra: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndescription = \"Over {title}.\"\ndate = {date}\ndraft = true\n\n[taxonomies]\npartner = [\"{partner}\"]\n\n[extra]\nstatus = \"draft\"\nsuggested_themes = [\"Gelijke kansen\"]\nsuggested_programmalijnen = [\"Gelijke kansen op de arbeidsmarkt\"]\n{extra}\n[extra.harvest]\nsource = \"movisie/feed\"\nupstream_id = \"{title}\"\nupstream_title = \"{title} (bron)\"\nabstract = \"<p>Nieuwe samenvatting van de bron.</p>\"\n+++\n\nTekst van {title}.\n"
    )
}

const PARTNER_PAGE: &str =
    "+++\ntitle = \"Movisie\"\n[extra]\nname = \"Movisie\"\nhomepage = \"https://www.movisie.nl\"\n+++\n";
const PHAROS_PAGE: &str = "+++\ntitle = \"Pharos\"\n[extra]\nname = \"Pharos\"\n+++\n";
const DOSSIER: &str = "+++\ntitle = \"Coronadossier\"\ndraft = false\n[extra]\nstatus = \"published\"\n\n[[extra.groups]]\ntitle = \"Communicatie\"\npages = []\n+++\n\nIntro.\n";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn add_editor(site: &Path, username: &str, name: &str, email: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site)
        .args([
            "editor",
            "add",
            username,
            "--name",
            name,
            "--email",
            email,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A site with drafts, in git, with two editors.
fn site() -> tempfile::TempDir {
    let a = draft("Werk en inburgering", "Movisie", "2024-03-02", "");
    let b = draft(
        "Gezondheid",
        "Pharos",
        "2023-05-01",
        "review = true\nreview_notes = [\"title: upstream now \\\"Gezondheid (bron)\\\" (was \\\"Gezondheid\\\"); the title shown was edited\"]",
    );
    let c = draft("Derde concept", "Movisie", "2022-01-10", "");
    let site = small_site(&[
        (
            "publicaties/_index.md",
            "+++\ntitle = \"Publicaties\"\nsort_by = \"date\"\n+++\n",
        ),
        ("publicaties/werk/index.md", &a),
        ("publicaties/gezondheid.md", &b),
        ("publicaties/derde.md", &c),
        ("partners/movisie.md", PARTNER_PAGE),
        ("partners/pharos.md", PHAROS_PAGE),
        ("dossiers/corona.md", DOSSIER),
    ]);
    git(site.path(), &["init", "-q"]);
    git(site.path(), &["config", "user.name", "Site"]);
    git(site.path(), &["config", "user.email", "site@kis.example"]);
    git(site.path(), &["add", "-A"]);
    git(site.path(), &["commit", "-qm", "init"]);
    add_editor(site.path(), "anna", "Anna de Vries", "anna@kis.example");
    add_editor(site.path(), "bert", "Bert Jansen", "bert@kis.example");
    site
}

/// A browser without a browser: keeps cookies, follows no redirects.
struct Agent {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
    cookies: Vec<String>,
}

impl Agent {
    fn new(base: &str) -> Agent {
        Agent {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn answer(&mut self, response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        let cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().to_string())
            .collect();
        for c in &cookies {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Answer {
            status,
            location,
            body: response.text().await.unwrap(),
            cookies,
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    async fn post_raw(&mut self, path: &str, body: Vec<u8>) -> Answer {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        self.post_raw(path, form.finish().into_bytes()).await
    }

    async fn sign_in(&mut self, username: &str, password: &str) -> Answer {
        let page = self.get("/beheer/inloggen").await;
        let csrf = field(&page.body, "csrf");
        self.post(
            "/beheer/inloggen",
            &[
                ("csrf", &csrf),
                ("gebruiker", username),
                ("wachtwoord", password),
            ],
        )
        .await
    }
}

fn refs(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The value of the first hidden input `name` on a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} on the page"));
    let rest = &html[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn content(site: &Path, path: &str) -> String {
    read(&site.join("content").join(path))
}

#[tokio::test]
async fn nothing_answers_without_a_session_and_signing_in_is_limited() {
    let site = site();
    let server = start_server(site.path(), &["--editor", "--no-watch"]);
    let mut agent = Agent::new(&server.base);
    for path in [
        "/beheer/",
        "/beheer/items/werk/",
        "/beheer/dossiers/",
        "/beheer/dossiers/corona/",
        "/beheer/verzonnen",
        "/beheer",
    ] {
        let a = agent.get(path).await;
        assert_eq!(a.status, 303, "{path}");
        let to = a.location.unwrap();
        assert!(
            to == "/beheer/inloggen" || to == "/beheer/",
            "{path} → {to}"
        );
        assert!(
            !a.body.contains("Werk en inburgering"),
            "{path} showed the queue"
        );
    }
    for path in [
        "/beheer/bulk",
        "/beheer/items/werk/",
        "/beheer/uitloggen",
        "/beheer/dossiers/corona/",
    ] {
        let a = agent
            .post(path, &[("actie", "goedkeuren"), ("item", "werk@x")])
            .await;
        assert_eq!(a.status, 403, "{path}");
    }
    assert_eq!(agent.get("/beheer/stijl.css").await.status, 200);
    assert!(
        !site.path().join("public/beheer").exists(),
        "nothing of /beheer/ in public/"
    );

    // The sign-in form's own token: without it, no sign-in.
    let page = agent.get("/beheer/inloggen").await;
    assert!(page
        .cookies
        .iter()
        .any(|c| c.contains("HttpOnly") && c.contains("SameSite=Strict")));
    let a = agent
        .post(
            "/beheer/inloggen",
            &[("gebruiker", "anna"), ("wachtwoord", PASSWORD)],
        )
        .await;
    assert_eq!(a.status, 403);

    let wrong = agent.sign_in("anna", "fout wachtwoord!").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong
        .body
        .contains("Gebruikersnaam of wachtwoord klopt niet"));
    let good = agent.sign_in("anna", PASSWORD).await;
    assert_eq!(
        (good.status, good.location.as_deref()),
        (303, Some("/beheer/"))
    );
    let session = good
        .cookies
        .iter()
        .find(|c| c.starts_with("vindplaats_beheer="))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Strict")
            && session.contains("Path=/beheer"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "no TLS here: {session}");
    let queue = agent.get("/beheer/").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains("Werk en inburgering")
            && queue.body.contains("Ingelogd als Anna de Vries")
    );
    assert_eq!(queue.cookies.len(), 0);

    // A removed account is signed out at once.
    let mut carla = Agent::new(&server.base);
    add_editor(site.path(), "carla", "Carla", "carla@kis.example");
    assert_eq!(carla.sign_in("carla", PASSWORD).await.status, 303);
    assert_eq!(carla.get("/beheer/").await.status, 200);
    run_binary(site.path(), &["editor", "remove", "carla"]);
    assert_eq!(carla.get("/beheer/").await.status, 303);

    // Five failures for bert lock bert out, even with his password.
    let mut other = Agent::new(&server.base);
    for _ in 0..5 {
        assert_eq!(
            other.sign_in("bert", "niet zijn wachtwoord").await.status,
            401
        );
    }
    let locked = other.sign_in("bert", PASSWORD).await;
    assert_eq!(locked.status, 429);
    assert!(
        locked.body.contains("Te veel mislukte pogingen"),
        "{}",
        locked.body
    );
    // Anna's session is not touched, and she can still sign in again.
    assert_eq!(agent.get("/beheer/").await.status, 200);
    // Twenty failures from one address lock the address for every name.
    for n in 0..15 {
        other.sign_in(&format!("niemand{n}"), "x").await;
    }
    assert_eq!(other.sign_in("anna", PASSWORD).await.status, 429);

    // Behind a TLS proxy the cookies are Secure.
    let behind = reqwest::Client::new()
        .get(format!("{}/beheer/inloggen", server.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let cookie = behind
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");

    // Signing out ends the session.
    let page = agent.get("/beheer/").await;
    let csrf = field(&page.body, "csrf");
    let out = agent.post("/beheer/uitloggen", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(agent.get("/beheer/").await.status, 303);
}

#[tokio::test]
async fn editors_approve_reject_edit_and_bulk_with_commits_by_them() {
    let site = site();
    let server = start_server(site.path(), &["--editor", "--no-watch"]);
    let mut anna = Agent::new(&server.base);
    assert_eq!(anna.sign_in("anna", PASSWORD).await.status, 303);

    // Filters and search.
    let by_partner = anna.get("/beheer/?partner=Pharos").await;
    assert!(
        by_partner.body.contains("Gezondheid") && !by_partner.body.contains("Werk en inburgering")
    );
    let by_text = anna.get("/beheer/?q=inburg").await;
    assert!(by_text.body.contains("Werk en inburgering") && !by_text.body.contains("Gezondheid"));
    let by_date = anna.get("/beheer/?van=2023&tot=2023-12").await;
    assert!(by_date.body.contains("Gezondheid") && !by_date.body.contains("Derde concept"));
    let flagged = anna.get("/beheer/?toon=gemarkeerd").await;
    assert!(flagged.body.contains("Gezondheid") && !flagged.body.contains("Derde concept"));

    // A form without the CSRF token changes nothing.
    let page = anna.get("/beheer/items/werk/").await;
    let before = content(site.path(), "publicaties/werk/index.md");
    let version = field(&page.body, "versie");
    let a = anna
        .post(
            "/beheer/items/werk/",
            &[
                ("versie", &version),
                ("actie", "publiceren"),
                ("titel", "X"),
            ],
        )
        .await;
    assert_eq!(a.status, 403);
    let a = anna
        .post(
            "/beheer/items/werk/",
            &[
                ("csrf", "verzonnen"),
                ("versie", &version),
                ("actie", "publiceren"),
                ("titel", "X"),
            ],
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(content(site.path(), "publicaties/werk/index.md"), before);

    // The suggestions are preselected and marked.
    assert!(
        page.body
            .contains("value=\"Gelijke kansen\" id=\"thema-2\" checked"),
        "preselected"
    );
    assert!(page.body.contains("voorstel"));
    let csrf = field(&page.body, "csrf");

    // Edit and publish.
    let a = anna
        .post(
            "/beheer/items/werk/",
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "publiceren"),
                ("titel", "Werk en integratie <b>vet</b>"),
                ("samenvatting", "Kort."),
                ("type", "rapport"),
                ("thema", "Gelijke kansen"),
                ("programmalijn", "Gelijke kansen op de arbeidsmarkt"),
            ],
        )
        .await;
    assert_eq!(
        (a.status, a.location.as_deref()),
        (303, Some("/beheer/?melding=gepubliceerd"))
    );
    let text = content(site.path(), "publicaties/werk/index.md");
    assert!(
        text.contains("status = \"published\"") && text.contains("draft = false"),
        "{text}"
    );
    assert!(
        text.contains("title = \"Werk en integratie <b>vet</b>\""),
        "{text}"
    );
    assert!(
        text.contains("thema = [\"Gelijke kansen\"]") && text.contains("type = [\"rapport\"]"),
        "{text}"
    );
    assert!(
        text.ends_with("Tekst van Werk en inburgering.\n"),
        "the body stays: {text}"
    );
    let log = git(site.path(), &["log", "-1", "--format=%an <%ae>|%s|%cn"]);
    assert_eq!(log.trim(), "Anna de Vries <anna@kis.example>|Beheer: \"Werk en integratie <b>vet</b>\" goedgekeurd|Site");
    let files = git(site.path(), &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), "content/publicaties/werk/index.md");
    // The queue shows the title as text.
    let queue = anna.get("/beheer/?toon=afgewezen").await;
    assert!(!queue.body.contains("<b>vet</b>"));

    // The flagged item: side by side, keep upstream's title.
    let page = anna.get("/beheer/items/gezondheid/").await;
    assert!(page.body.contains("Gewijzigd bij de bron"));
    assert!(
        page.body.contains("(bron)</ins>"),
        "the new words are marked"
    );
    let version = field(&page.body, "versie");
    let a = anna
        .post(
            "/beheer/items/gezondheid/",
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "bron"),
                ("veld", "title"),
                ("keuze", "bron"),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    let text = content(site.path(), "publicaties/gezondheid.md");
    assert!(
        text.contains("title = \"Gezondheid (bron)\"") && !text.contains("review"),
        "{text}"
    );

    // Reject with a reason; without one it is refused.
    let page = anna.get("/beheer/items/gezondheid/").await;
    let version = field(&page.body, "versie");
    let a = anna
        .post(
            "/beheer/items/gezondheid/",
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "afwijzen"),
                ("reden", "  "),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("geef een reden"), "{}", a.body);
    let a = anna
        .post(
            "/beheer/items/gezondheid/",
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "afwijzen"),
                ("reden", "Buiten ons terrein"),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    let text = content(site.path(), "publicaties/gezondheid.md");
    assert!(
        text.contains("status = \"rejected\"")
            && text.contains("rejection_reason = \"Buiten ons terrein\"")
            && text.contains("draft = true"),
        "{text}"
    );
    let rejected = anna.get("/beheer/?toon=afgewezen").await;
    assert!(rejected.body.contains("Gezondheid (bron)"));
    assert!(!anna
        .get("/beheer/")
        .await
        .body
        .contains("Gezondheid (bron)"));

    // Add to a dossier: both files, one commit.
    let page = anna.get("/beheer/items/derde/").await;
    let version = field(&page.body, "versie");
    let a = anna
        .post(
            "/beheer/items/derde/",
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "dossier"),
                ("dossier", "dossiers/corona.md#0"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(content(site.path(), "dossiers/corona.md").contains("\"publicaties/derde.md\""));
    assert!(content(site.path(), "publicaties/derde.md")
        .contains("dossiers = [\"dossiers/corona.md\"]"));
    let files = git(site.path(), &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.lines().count(), 2, "{files}");
    let dossier = anna.get("/beheer/dossiers/corona/").await;
    assert!(dossier.body.contains("Derde concept"));
    // And out again, then in again for the rest of the test.
    let page = anna.get("/beheer/items/derde/").await;
    assert!(page.body.contains("Uit dit dossier halen"));
    let a = anna
        .post(
            "/beheer/items/derde/",
            &[
                ("csrf", &csrf),
                ("versie", &field(&page.body, "versie")),
                ("actie", "uit-dossier"),
                ("dossier", "dossiers/corona.md"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(!content(site.path(), "dossiers/corona.md").contains("publicaties/derde.md"));
    assert!(!content(site.path(), "publicaties/derde.md").contains("dossiers ="));
    let page = anna.get("/beheer/items/derde/").await;
    let a = anna
        .post(
            "/beheer/items/derde/",
            &[
                ("csrf", &csrf),
                ("versie", &field(&page.body, "versie")),
                ("actie", "dossier"),
                ("dossier", "dossiers/corona.md#0"),
            ],
        )
        .await;
    assert_eq!(a.status, 303);

    // Bulk: tag then approve what is left in the open queue.
    let queue = anna.get("/beheer/").await;
    let items: Vec<String> = queue
        .body
        .match_indices("name=\"item\" value=\"")
        .map(|(at, m)| {
            let rest = &queue.body[at + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(items.len(), 1, "only derde is open: {items:?}");
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("actie", "taggen"),
        ("type", "artikel"),
    ];
    for i in &items {
        fields.push(("item", i));
    }
    let a = anna.post("/beheer/bulk", &fields).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(content(site.path(), "publicaties/derde.md").contains("type = [\"artikel\"]"));
    // The old version from the listing is now stale: a conflict, not a lost change.
    let mut fields = vec![("csrf", csrf.as_str()), ("actie", "goedkeuren")];
    for i in &items {
        fields.push(("item", i));
    }
    let a = anna.post("/beheer/bulk", &fields).await;
    assert_eq!(a.status, 409);
    assert!(
        a.body.contains("iemand anders wijzigde het intussen"),
        "{}",
        a.body
    );
    let queue = anna.get("/beheer/").await;
    let fresh = field(&queue.body, "item");
    let a = anna
        .post(
            "/beheer/bulk",
            &[("csrf", &csrf), ("actie", "goedkeuren"), ("item", &fresh)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let text = content(site.path(), "publicaties/derde.md");
    assert!(
        text.contains("status = \"published\"") && text.contains("thema = [\"Gelijke kansen\"]"),
        "suggestions taken: {text}"
    );
    assert!(anna.get("/beheer/").await.body.contains("0 items"));
    let authors = git(site.path(), &["log", "--format=%an"]);
    assert_eq!(
        authors.lines().filter(|a| *a == "Anna de Vries").count(),
        8,
        "{authors}"
    );
}

#[tokio::test]
async fn two_editors_on_one_item_get_a_conflict_never_a_lost_edit() {
    let site = site();
    let server = start_server(site.path(), &["--editor", "--no-watch"]);
    let mut anna = Agent::new(&server.base);
    let mut bert = Agent::new(&server.base);
    anna.sign_in("anna", PASSWORD).await;
    bert.sign_in("bert", PASSWORD).await;
    let page_a = anna.get("/beheer/items/werk/").await;
    let page_b = bert.get("/beheer/items/werk/").await;
    let edit = |csrf: String, version: String, title: &'static str| {
        vec![
            ("csrf".to_string(), csrf),
            ("versie".to_string(), version),
            ("actie".to_string(), "opslaan".to_string()),
            ("titel".to_string(), title.to_string()),
        ]
    };
    let fa = edit(
        field(&page_a.body, "csrf"),
        field(&page_a.body, "versie"),
        "Titel van Anna",
    );
    let fb = edit(
        field(&page_b.body, "csrf"),
        field(&page_b.body, "versie"),
        "Titel van Bert",
    );
    assert_eq!(
        anna.post("/beheer/items/werk/", &refs(&fa)).await.status,
        303
    );
    let second = bert.post("/beheer/items/werk/", &refs(&fb)).await;
    assert_eq!(second.status, 409);
    assert!(second
        .body
        .contains("Iemand anders heeft dit item intussen gewijzigd"));
    assert!(
        second.body.contains("Titel van Bert"),
        "Bert sees what he typed"
    );
    assert!(
        second.body.contains("value=\"Titel van Anna\""),
        "and the current version"
    );
    assert!(
        content(site.path(), "publicaties/werk/index.md").contains("title = \"Titel van Anna\"")
    );

    // Eight approvals of one version at once: one wins, the rest conflict.
    let page = anna.get("/beheer/items/derde/").await;
    let csrf = field(&page.body, "csrf");
    let version = field(&page.body, "versie");
    let cookie = anna.cookie_header();
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (base, csrf, version, cookie) = (
            server.base.clone(),
            csrf.clone(),
            version.clone(),
            cookie.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = format!("csrf={csrf}&versie={version}&actie=opslaan&titel=Versie+{n}");
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .post(format!("{base}/beheer/items/derde/"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [303, 409, 409, 409, 409, 409, 409, 409]);
    let text = content(site.path(), "publicaties/derde.md");
    assert_eq!(text.matches("title = \"Versie ").count(), 1, "{text}");
    let (_, problems) = common::problems_with_drafts(site.path());
    assert!(
        problems.is_empty(),
        "the content still loads cleanly: {problems:?}"
    );
}

#[tokio::test]
async fn hostile_forms_change_nothing() {
    let site = site();
    let server = start_server(site.path(), &["--editor", "--no-watch"]);
    let mut anna = Agent::new(&server.base);
    anna.sign_in("anna", PASSWORD).await;
    let page = anna.get("/beheer/items/werk/").await;
    let csrf = field(&page.body, "csrf");
    let version = field(&page.body, "versie");
    let before = content(site.path(), "publicaties/werk/index.md");
    let path = "/beheer/items/werk/";

    // A megabyte field: the body limit.
    let huge = "a".repeat(1_000_000);
    let a = anna
        .post(
            path,
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "opslaan"),
                ("titel", &huge),
            ],
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.body);
    // A long title under the body limit: refused by the field limit.
    let long = "b".repeat(5_000);
    let a = anna
        .post(
            path,
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "opslaan"),
                ("titel", &long),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("langer dan 300 tekens"));
    // Invalid UTF-8, a control character, an unknown theme, a missing title.
    let mut raw = format!("csrf={csrf}&versie={version}&actie=opslaan&titel=").into_bytes();
    raw.extend_from_slice(b"%FF%FE");
    assert_eq!(anna.post_raw(path, raw).await.status, 400);
    for (name, value) in [
        ("titel", "regel\u{0}"),
        ("thema", "<script>alert(1)</script>"),
        ("titel", ""),
    ] {
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("versie", version.as_str()),
            ("actie", "opslaan"),
            ("titel", "Goed"),
        ];
        fields.retain(|(k, _)| *k != name || name == "thema");
        fields.push((name, value));
        let a = anna.post(path, &fields).await;
        assert_eq!(a.status, 422, "{name}={value:?}");
        assert!(!a.body.contains("<script>alert(1)"), "echoed unescaped");
    }
    // Missing fields, an unknown action, a forged id and a forged dossier.
    assert_eq!(anna.post(path, &[("csrf", &csrf)]).await.status, 422);
    assert_eq!(
        anna.post(
            "/beheer/items/..%2F..%2Fconfig/",
            &[("csrf", &csrf), ("actie", "opslaan")]
        )
        .await
        .status,
        404
    );
    let a = anna
        .post(
            path,
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "dossier"),
                ("dossier", "../config.toml#0"),
            ],
        )
        .await;
    assert_eq!(a.status, 422);
    assert_eq!(content(site.path(), "publicaties/werk/index.md"), before);
    assert!(read(&site.path().join("config.toml")).contains("[extra]"));
    // HTML in every field is stored as text, and shown as text.
    let a = anna
        .post(
            path,
            &[
                ("csrf", &csrf),
                ("versie", &version),
                ("actie", "opslaan"),
                ("titel", "<img src=x onerror=alert(1)>"),
                (
                    "samenvatting",
                    "<script>alert(2)</script>\n\"quotes\" and 'more'",
                ),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    let page = anna.get(path).await;
    assert!(!page.body.contains("<img src=x") && !page.body.contains("<script>alert(2)"));
    let (_, problems) = common::problems_with_drafts(site.path());
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn the_command_line_does_the_same() {
    let site = site();
    let out = run_binary(site.path(), &["review", "list"]);
    let list = String::from_utf8_lossy(&out.stdout);
    assert_eq!(list.lines().count(), 3, "{list}");
    assert!(
        list.lines().next().unwrap().starts_with("werk\t2024-03-02"),
        "newest first: {list}"
    );
    let out = run_binary(site.path(), &["review", "list", "--partner", "Pharos"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    let out = run_binary(site.path(), &["review", "show", "gezondheid"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("title: upstream Gezondheid (bron)"),
        "{shown}"
    );

    run_binary(
        site.path(),
        &[
            "review",
            "tag",
            "werk",
            "derde",
            "--thema",
            "Gelijke kansen",
            "--as",
            "bert",
        ],
    );
    run_binary(site.path(), &["review", "approve", "werk", "--as", "anna"]);
    run_binary(
        site.path(),
        &["review", "reject", "derde", "--reason", "Dubbel"],
    );
    assert!(content(site.path(), "publicaties/werk/index.md").contains("status = \"published\""));
    assert!(content(site.path(), "publicaties/derde.md").contains("rejection_reason = \"Dubbel\""));
    let log = git(site.path(), &["log", "--format=%an|%s", "-4"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines[0], "Site|Beheer: \"Derde concept\" afgewezen",
        "the git user without --as"
    );
    assert_eq!(
        lines[1],
        "Anna de Vries|Beheer: \"Werk en inburgering\" goedgekeurd"
    );
    assert!(
        lines[2].starts_with("Bert Jansen|") && lines[3].starts_with("Bert Jansen|"),
        "{log}"
    );

    // Unknown items and themes fail and say which.
    let out = Command::new(env!("CARGO_BIN_EXE_vindplaats"))
        .arg("--site")
        .arg(site.path())
        .args([
            "review",
            "tag",
            "gezondheid",
            "nergens",
            "--thema",
            "Verzonnen",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nergens: no such publication")
            && err.contains("'Verzonnen' is geen bekende term"),
        "{err}"
    );
}

#[tokio::test]
async fn ten_thousand_drafts() {
    let site = small_site(&[(
        "publicaties/_index.md",
        "+++\ntitle = \"Publicaties\"\nsort_by = \"date\"\n+++\n",
    )]);
    let dir = site.path().join("content/publicaties");
    for n in 0..10_000 {
        let partner = ["Movisie", "Pharos", "SCP"][n % 3];
        let text = draft(
            &format!("Concept nummer {n}"),
            partner,
            &format!("20{:02}-{:02}-01", 10 + n % 15, 1 + n % 12),
            "",
        );
        std::fs::write(dir.join(format!("concept-{n}.md")), text).unwrap();
    }
    add_editor(site.path(), "anna", "Anna de Vries", "anna@kis.example");
    let started = Instant::now();
    let server = start_server(site.path(), &["--editor", "--no-watch", "--no-reindex"]);
    let startup = started.elapsed();
    let mut anna = Agent::new(&server.base);
    anna.sign_in("anna", PASSWORD).await;
    let started = Instant::now();
    let first = anna.get("/beheer/").await;
    let look = started.elapsed();
    assert!(
        first.body.contains("10000 items, pagina 1 van 200"),
        "{}",
        &first.body[..2000.min(first.body.len())]
    );
    let last = anna.get("/beheer/?pagina=200").await;
    assert_eq!(last.body.matches("name=\"item\"").count(), 50);
    let started = Instant::now();
    let found = anna.get("/beheer/?q=nummer+9999&partner=Movisie").await;
    let search = started.elapsed();
    assert!(
        found.body.contains("Concept nummer 9999") && found.body.contains("1 item"),
        "{}",
        found.body.len()
    );
    println!(
        "10,000 drafts: serve ready in {:.1} s, a look at the queue {:.0} ms, a filtered search {:.0} ms",
        startup.as_secs_f64(),
        look.as_secs_f64() * 1000.0,
        search.as_secs_f64() * 1000.0
    );
}

#[tokio::test]
async fn an_editor_approves_a_partner_submission() {
    let site = site();
    let pending = site.path().join("harvesters/pending");
    std::fs::create_dir_all(&pending).unwrap();
    let record = |name: &str, url: &str| {
        format!(
            "organisation = \"{name}\"\nemail = \"info@example.org\"\nhomepage = \"https://example.org/\"\nsubmitted_at = \"2026-12-01T10:00:00Z\"\n\n[source]\nkind = \"feed\"\nurl = \"{url}\"\ngiven_url = \"https://example.org/\"\nformat = \"RSS 2.0\"\n\n[preview]\nitems = 12\ndated = 12\nproblems = []\n"
        )
    };
    std::fs::write(
        pending.join("kennisbank-zuid.toml"),
        record("Kennisbank <b>Zuid</b>", "https://example.org/feed.xml"),
    )
    .unwrap();
    std::fs::write(
        pending.join("spam.toml"),
        record("Spam", "https://spam.example/feed"),
    )
    .unwrap();
    let server = start_server(site.path(), &["--editor", "--no-watch"]);
    let mut anna = Agent::new(&server.base);
    assert_eq!(
        anna.get("/beheer/aanmeldingen/").await.status,
        303,
        "not without a session"
    );
    anna.sign_in("anna", PASSWORD).await;
    let page = anna.get("/beheer/aanmeldingen/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("Kennisbank &lt;b&gt;Zuid&lt;&#x2F;b&gt;"),
        "escaped"
    );
    assert!(page.body.contains("12 items"));
    let csrf = field(&page.body, "csrf");
    assert_eq!(
        anna.post(
            "/beheer/aanmeldingen/",
            &[("slug", "kennisbank-zuid"), ("actie", "goedkeuren")]
        )
        .await
        .status,
        403,
        "no CSRF token"
    );
    let a = anna
        .post(
            "/beheer/aanmeldingen/",
            &[
                ("csrf", &csrf),
                ("slug", "kennisbank-zuid"),
                ("actie", "goedkeuren"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let registry = vindplaats::harvest::Registry::load(&site.path().join("harvesters")).unwrap();
    assert_eq!(registry.partners.len(), 1);
    assert_eq!(
        registry.partners[0].sources[0].url,
        "https://example.org/feed.xml"
    );
    assert!(site
        .path()
        .join("content/partners/kennisbank-zuid.md")
        .exists());
    let log = git(site.path(), &["log", "-1", "--format=%an|%s"]);
    assert_eq!(
        log.trim(),
        "Anna de Vries|Beheer: partner kennisbank-zuid aangemeld en goedgekeurd"
    );
    // Twice is an error that says why; a forged slug changes nothing.
    let again = anna
        .post(
            "/beheer/aanmeldingen/",
            &[
                ("csrf", &csrf),
                ("slug", "kennisbank-zuid"),
                ("actie", "goedkeuren"),
            ],
        )
        .await;
    assert_eq!(again.status, 404);
    assert!(again.body.contains("bestaat niet (meer)"));
    let forged = anna
        .post(
            "/beheer/aanmeldingen/",
            &[
                ("csrf", &csrf),
                ("slug", "../../config"),
                ("actie", "afwijzen"),
            ],
        )
        .await;
    assert_eq!(forged.status, 422);
    assert!(site.path().join("config.toml").exists());
    let a = anna
        .post(
            "/beheer/aanmeldingen/",
            &[("csrf", &csrf), ("slug", "spam"), ("actie", "afwijzen")],
        )
        .await;
    assert_eq!(a.status, 303);
    assert!(!pending.join("spam.toml").exists());
    assert!(anna
        .get("/beheer/aanmeldingen/")
        .await
        .body
        .contains("geen aanmeldingen"));
}

#[tokio::test]
async fn with_git_push_the_change_reaches_the_remote() {
    let site = site();
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare"]);
    git(
        site.path(),
        &["remote", "add", "origin", remote.path().to_str().unwrap()],
    );
    git(site.path(), &["push", "-q", "-u", "origin", "HEAD"]);
    let server = start_server(site.path(), &["--editor", "--no-watch", "--git-push"]);
    let mut anna = Agent::new(&server.base);
    anna.sign_in("anna", PASSWORD).await;
    let page = anna.get("/beheer/items/werk/").await;
    let a = anna
        .post(
            "/beheer/items/werk/",
            &[
                ("csrf", &field(&page.body, "csrf")),
                ("versie", &field(&page.body, "versie")),
                ("actie", "afwijzen"),
                ("reden", "Dubbel"),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    let local = git(site.path(), &["rev-parse", "HEAD"]);
    let deadline = Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if git(remote.path(), &["rev-parse", "HEAD"]) == local {
            break;
        }
        assert!(Instant::now() < deadline, "the remote never got {local}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn sign_ins_sent_at_once_are_counted_one_by_one() {
    let site = site();
    let server = start_server(site.path(), &["--editor", "--no-watch"]);
    let mut tasks = Vec::new();
    for n in 0..30 {
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            // The attacker sets both halves of the sign-in token itself.
            reqwest::Client::new()
                .post(format!("{base}/beheer/inloggen"))
                .header("cookie", "vindplaats_inloggen=eigen")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf=eigen&gebruiker=naam{n}&wachtwoord=fout"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let failed = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    // Two checks run at once, so at most one more than the limit gets in.
    assert!(failed <= 21 && failed + limited == 30, "{statuses:?}");
}
