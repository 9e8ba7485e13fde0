//! `/beheer/`: the editors' review queue in `serve --editor`. Off by
//! default; nothing of it is ever written into `public/`.
//!
//! - Signing in ([`session`]): accounts from the accounts file (argon2id),
//!   a session cookie, a CSRF token in every form, failed sign-ins limited
//!   per account and per address. Without a session, a page is a redirect
//!   to the sign-in form and a form post is refused; only the sign-in form
//!   and its stylesheet answer.
//! - The queue, an item, dossiers: server-rendered Dutch HTML that works
//!   from the keyboard and without JavaScript. Every change goes through
//!   [`crate::review`]: version check, atomic write, git commit.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{ConnectInfo, Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use tera::{Context, Tera};

use crate::accounts::Accounts;
use crate::model::{Status, TaxonomyRules};
use crate::review::{
    self, dossier, Author, Change, Edit, FlagField, ItemId, Queue, QueueItem, ReviewError, Show,
    Tag,
};

pub mod form;
pub mod session;

use form::Form;
use session::{Limiter, Session, Sessions};

/// How `serve --editor` runs `/beheer/`.
#[derive(Debug, Clone)]
pub struct EditorOptions {
    /// The accounts file (`vindplaats editor add` writes it).
    pub accounts: PathBuf,
    /// Cookies get `Secure` (the public address is https).
    pub secure: bool,
}

/// Password checks at once: argon2 takes memory and a core each.
const VERIFY_SLOTS: usize = 2;

pub struct Beheer {
    site_dir: PathBuf,
    content_dir: PathBuf,
    accounts: PathBuf,
    secure: bool,
    site_name: String,
    sessions: Mutex<Sessions>,
    limiter: Mutex<Limiter>,
    queue: Mutex<Queue>,
    tera: Tera,
    verify: tokio::sync::Semaphore,
}

fn templates() -> Result<Tera, tera::Error> {
    let mut tera = Tera::default();
    tera.add_raw_templates([
        ("base.html", include_str!("templates/base.html")),
        ("inloggen.html", include_str!("templates/inloggen.html")),
        ("wachtrij.html", include_str!("templates/wachtrij.html")),
        ("item.html", include_str!("templates/item.html")),
        ("dossiers.html", include_str!("templates/dossiers.html")),
        ("dossier.html", include_str!("templates/dossier.html")),
        ("melding.html", include_str!("templates/melding.html")),
    ])?;
    Ok(tera)
}

const STYLESHEET: &str = include_str!("beheer.css");

impl Beheer {
    pub fn new(site_dir: &Path, options: &EditorOptions) -> Result<Beheer, String> {
        let tera = templates().map_err(|e| format!("the /beheer/ templates: {e}"))?;
        // The accounts file must read now, not at the first sign-in.
        Accounts::load(&options.accounts).map_err(|e| e.to_string())?;
        let site_name = crate::content::SiteConfig::load(&site_dir.join("config.toml"))
            .ok()
            .and_then(|c| c.title)
            .unwrap_or_else(|| "vindplaats".into());
        let content_dir = site_dir.join("content");
        let mut queue = Queue::new(&content_dir);
        queue.refresh();
        Ok(Beheer {
            site_dir: site_dir.to_path_buf(),
            content_dir,
            accounts: options.accounts.clone(),
            secure: options.secure,
            site_name,
            sessions: Mutex::new(Sessions::default()),
            limiter: Mutex::new(Limiter::default()),
            queue: Mutex::new(queue),
            tera,
            verify: tokio::sync::Semaphore::new(VERIFY_SLOTS),
        })
    }
}

/// The routes of `/beheer/`.
pub fn router(beheer: Arc<Beheer>) -> Router {
    Router::new()
        .route("/beheer", get(|| async { see_other("/beheer/") }))
        .route("/beheer/stijl.css", get(stylesheet))
        .route("/beheer/inloggen", get(sign_in_form).post(sign_in))
        .route("/beheer/uitloggen", post(sign_out))
        .route("/beheer/", get(queue_page))
        .route("/beheer/bulk", post(bulk))
        .route("/beheer/items/{id}/", get(item_page).post(item_post))
        .route("/beheer/dossiers/", get(dossiers_page))
        .route(
            "/beheer/dossiers/{slug}/",
            get(dossier_page).post(dossier_post),
        )
        .route("/beheer/{*rest}", axum::routing::any(not_found))
        .with_state(beheer)
}

fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    no_store(response)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The client address (loopback when unknown: tests call the router
/// directly).
fn address(request_info: Option<&ConnectInfo<SocketAddr>>) -> IpAddr {
    request_info.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip())
}

/// Runs blocking work (files, git, argon2) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

fn rules_of(site_dir: &Path) -> Result<TaxonomyRules, String> {
    let config = crate::content::SiteConfig::load(&site_dir.join("config.toml"))
        .map_err(|e| e.to_string())?;
    TaxonomyRules::from_extra(&config.extra)
}

/// The largest form body read.
async fn read_form(body: Body) -> Result<Form, String> {
    let bytes = super::body::read_bounded(body, form::MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            super::body::BodyError::TooLarge(max) => {
                format!("het formulier is groter dan {} kB", max / 1024)
            }
            super::body::BodyError::Read(_) => "het formulier kwam niet helemaal aan".to_string(),
        })?;
    Form::parse(&bytes).map_err(|e| e.to_string())
}

/// Cookies get `Secure` when the public address is https, or a proxy in
/// front says the request came over TLS.
fn secure(beheer: &Beheer, headers: &HeaderMap) -> bool {
    beheer.secure
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A form post from another site is refused even with a valid cookie
/// (SameSite=Strict already keeps it out; this is the second lock).
fn cross_site(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        None => false,
        Some(origin) => url::Url::parse(origin)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
            })
            .is_none_or(|o| !o.eq_ignore_ascii_case(host)),
    }
}

struct Signed {
    token: String,
    session: Session,
}

impl Beheer {
    fn signed_in(&self, headers: &HeaderMap) -> Option<Signed> {
        let cookies = headers
            .get(header::COOKIE)
            .and_then(|c| c.to_str().ok())
            .unwrap_or_default();
        let token = session::cookie(cookies, session::SESSION_COOKIE)?.to_string();
        let session = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&token)?;
        // A removed account is signed out at its next request.
        let exists = Accounts::load(&self.accounts)
            .map(|a| a.get(&session.username).is_some())
            .unwrap_or(false);
        if !exists {
            self.sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .end_all_of(&session.username);
            return None;
        }
        Some(Signed { token, session })
    }

    fn context(&self, signed: Option<&Signed>, nav: &str) -> Context {
        let mut context = Context::new();
        context.insert("site", &self.site_name);
        context.insert("nav", nav);
        context.insert("submissions", &false);
        if let Some(s) = signed {
            context.insert("editor", &s.session.name);
            context.insert("csrf", &s.session.csrf);
        }
        context
    }

    fn render(&self, template: &str, context: &Context, status: StatusCode) -> Response {
        match self.tera.render(template, context) {
            Ok(html) => no_store(
                (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    html,
                )
                    .into_response(),
            ),
            Err(e) => {
                tracing::error!("/beheer/ template {template}: {e:?}");
                no_store(
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                        "De pagina kon niet worden opgebouwd.\n",
                    )
                        .into_response(),
                )
            }
        }
    }

    /// A page with a heading and lines of text.
    fn message(
        &self,
        signed: Option<&Signed>,
        status: StatusCode,
        heading: &str,
        lines: &[String],
        back: (&str, &str),
    ) -> Response {
        let mut context = self.context(signed, "");
        context.insert("heading", heading);
        context.insert("lines", lines);
        context.insert("results", &Vec::<Outcome>::new());
        context.insert("back", back.0);
        context.insert("back_label", back.1);
        self.render("melding.html", &context, status)
    }

    fn forbidden(&self, signed: Option<&Signed>) -> Response {
        self.message(
            signed,
            StatusCode::FORBIDDEN,
            "Niet toegestaan",
            &["Dit formulier is verlopen of kwam niet van deze site. Laad de pagina opnieuw en probeer het nog eens.".into()],
            ("/beheer/", "Naar de wachtrij"),
        )
    }

    fn author_of(&self, signed: &Signed) -> Author {
        Author {
            name: signed.session.name.clone(),
            email: signed.session.email.clone(),
        }
    }

    /// The item `id` after a refresh of the queue.
    fn item(&self, id: &ItemId) -> Option<QueueItem> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.refresh();
        queue.get(id).cloned()
    }
}

/// Signed in, or the answer for someone who is not: a redirect to the
/// sign-in form for a page, a refusal for a post.
macro_rules! signed_in_or {
    ($beheer:expr, $headers:expr, $method:expr) => {
        match $beheer.signed_in(&$headers) {
            Some(signed) => signed,
            None if $method == Method::GET || $method == Method::HEAD => {
                return see_other("/beheer/inloggen")
            }
            None => {
                return $beheer.message(
                    None,
                    StatusCode::FORBIDDEN,
                    "Log eerst in",
                    &["U bent niet (meer) ingelogd. Uw wijziging is niet opgeslagen.".into()],
                    ("/beheer/inloggen", "Naar het inlogformulier"),
                )
            }
        }
    };
}

/// A form post, checked: signed in, same site, the session's CSRF token.
macro_rules! checked_form {
    ($beheer:expr, $headers:expr, $body:expr) => {{
        let signed = signed_in_or!($beheer, $headers, Method::POST);
        if cross_site(&$headers) {
            return $beheer.forbidden(Some(&signed));
        }
        let form = match read_form($body).await {
            Ok(form) => form,
            Err(message) => {
                return $beheer.message(
                    Some(&signed),
                    StatusCode::BAD_REQUEST,
                    "Formulier niet gelezen",
                    &[message],
                    ("/beheer/", "Naar de wachtrij"),
                )
            }
        };
        if !session::same(form.get("csrf"), &signed.session.csrf) {
            return $beheer.forbidden(Some(&signed));
        }
        (signed, form)
    }};
}

async fn not_found(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    method: Method,
) -> Response {
    let signed = signed_in_or!(beheer, headers, method);
    beheer.message(
        Some(&signed),
        StatusCode::NOT_FOUND,
        "Niet gevonden",
        &["Deze pagina bestaat niet in het beheer.".into()],
        ("/beheer/", "Naar de wachtrij"),
    )
}

// --- Signing in -----------------------------------------------------------

async fn sign_in_form(State(beheer): State<Arc<Beheer>>, headers: HeaderMap) -> Response {
    if beheer.signed_in(&headers).is_some() {
        return see_other("/beheer/");
    }
    sign_in_page(&beheer, &headers, StatusCode::OK, None, "")
}

fn sign_in_page(
    beheer: &Beheer,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
    username: &str,
) -> Response {
    let token = session::token();
    let mut context = beheer.context(None, "inloggen");
    context.insert("login_csrf", &token);
    context.insert("username", username);
    if let Some(error) = error {
        context.insert("fout", &error);
    }
    let cookie = session::set_cookie(
        session::SIGN_IN_COOKIE,
        &token,
        secure(beheer, headers),
        None,
    );
    with_cookie(beheer.render("inloggen.html", &context, status), &cookie)
}

async fn sign_in(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let address = address(request.extensions().get::<ConnectInfo<SocketAddr>>());
    if cross_site(&headers) {
        return beheer.forbidden(None);
    }
    let form = match read_form(request.into_body()).await {
        Ok(form) => form,
        Err(message) => {
            return sign_in_page(
                &beheer,
                &headers,
                StatusCode::BAD_REQUEST,
                Some(message),
                "",
            )
        }
    };
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or_default();
    let expected = session::cookie(cookies, session::SIGN_IN_COOKIE).unwrap_or_default();
    if !session::same(form.get("csrf"), expected) {
        return sign_in_page(
            &beheer,
            &headers,
            StatusCode::FORBIDDEN,
            Some("Het formulier was verlopen. Probeer het opnieuw.".into()),
            "",
        );
    }
    let username: String = form.get("gebruiker").trim().chars().take(64).collect();
    let password = form.get("wachtwoord").to_string();
    let blocked = beheer
        .limiter
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .blocked(&username, address);
    if let Some(wait) = blocked {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let mut response = sign_in_page(
            &beheer,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "Te veel mislukte pogingen. Probeer het over {minutes} {} opnieuw.",
                if minutes == 1 { "minuut" } else { "minuten" }
            )),
            &username,
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let Ok(_slot) = beheer.verify.acquire().await else {
        return sign_in_page(
            &beheer,
            &headers,
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            &username,
        );
    };
    let accounts_path = beheer.accounts.clone();
    let name = username.clone();
    let verified = blocking(move || {
        let accounts = Accounts::load(&accounts_path).map_err(|e| e.to_string())?;
        Ok::<_, String>(accounts.verify(&name, &password).cloned())
    })
    .await;
    let account = match verified {
        Some(Ok(account)) => account,
        Some(Err(e)) => {
            tracing::error!("/beheer/ accounts: {e}");
            return sign_in_page(
                &beheer,
                &headers,
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("Het accountbestand kon niet worden gelezen.".into()),
                &username,
            );
        }
        None => None,
    };
    let Some(account) = account else {
        beheer
            .limiter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failed(&username, address);
        return sign_in_page(
            &beheer,
            &headers,
            StatusCode::UNAUTHORIZED,
            Some("Gebruikersnaam of wachtwoord klopt niet.".into()),
            &username,
        );
    };
    beheer
        .limiter
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .succeeded(&account.username);
    let token = beheer
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .start(&account.username, &account.name, &account.email);
    let mut response = see_other("/beheer/");
    for cookie in [
        session::set_cookie(
            session::SESSION_COOKIE,
            &token,
            secure(&beheer, &headers),
            None,
        ),
        session::set_cookie(
            session::SIGN_IN_COOKIE,
            "",
            secure(&beheer, &headers),
            Some(std::time::Duration::ZERO),
        ),
    ] {
        response = with_cookie(response, &cookie);
    }
    response
}

async fn sign_out(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, _form) = checked_form!(beheer, headers, request.into_body());
    beheer
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .end(&signed.token);
    let cookie = session::set_cookie(
        session::SESSION_COOKIE,
        "",
        secure(&beheer, &headers),
        Some(std::time::Duration::ZERO),
    );
    with_cookie(see_other("/beheer/inloggen"), &cookie)
}

// --- The queue ------------------------------------------------------------

/// An item as the queue and item pages show it.
#[derive(Serialize)]
struct ItemView<'a> {
    id: &'a str,
    version: &'a str,
    title: &'a str,
    date: &'a str,
    status_label: &'static str,
    flagged: bool,
    partners: &'a [String],
    themes: &'a [String],
    suggested_themes: &'a [String],
    source: Option<&'a str>,
    rejection_reason: Option<&'a str>,
}

fn status_label(item: &QueueItem) -> &'static str {
    match item.status {
        Status::Draft => "concept",
        Status::Published => "gepubliceerd",
        Status::Rejected => "afgewezen",
        Status::Withdrawn => "ingetrokken",
    }
}

fn view(item: &QueueItem) -> ItemView<'_> {
    ItemView {
        id: item.id.as_str(),
        version: &item.version,
        title: &item.title,
        date: item.date.as_deref().unwrap_or_default(),
        status_label: status_label(item),
        flagged: item.flagged,
        partners: &item.partners,
        themes: &item.themes,
        suggested_themes: &item.suggested_themes,
        source: item.source.as_deref(),
        rejection_reason: item.rejection_reason.as_deref(),
    }
}

/// A date filter as given: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
fn date_filter(text: &str) -> Option<String> {
    let t = text.trim();
    let shape = t.len() == 4 || t.len() == 7 || t.len() == 10;
    let valid = shape
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    valid.then(|| t.to_string())
}

fn query_string(pairs: &[(&str, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.append_pair(k, v);
    }
    out.finish()
}

/// Fixed texts for the `melding` of a redirect: nothing from the URL is
/// shown.
fn notice(key: &str) -> Option<&'static str> {
    Some(match key {
        "opgeslagen" => "Opgeslagen.",
        "gepubliceerd" => "Goedgekeurd: het item wordt gepubliceerd bij de volgende build.",
        "afgewezen" => "Afgewezen. Het item blijft afgewezen als de bron opnieuw wordt geoogst.",
        "bron" => "Uw keuze is opgeslagen.",
        "dossier" => "Toegevoegd aan het dossier.",
        "volgorde" => "De volgorde is opgeslagen.",
        _ => return None,
    })
}

async fn queue_page(
    State(beheer): State<Arc<Beheer>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let query =
        Form::parse(request.uri().query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let show = Show::parse(query.get("toon")).unwrap_or_default();
    let text: String = query
        .get("q")
        .chars()
        .take(review::queue::MAX_QUERY_CHARS)
        .collect();
    let filter = review::Filter {
        show,
        partner: query.value("partner"),
        theme: query.value("thema"),
        kind: query.value("type"),
        from: date_filter(query.get("van")),
        until: date_filter(query.get("tot")),
        text: Some(text.clone()).filter(|t| !t.trim().is_empty()),
    };
    let page: usize = query.get("pagina").parse().unwrap_or(1);
    let site_dir = beheer.site_dir.clone();
    let b = beheer.clone();
    let f = filter.clone();
    let rendered = blocking(move || {
        let rules = rules_of(&site_dir).unwrap_or_default();
        let mut queue = b.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.refresh();
        let listing = queue.look(&f, page);
        let facets = queue.facets();
        let mut context = b.context(Some(&signed), "wachtrij");
        let filter_view = serde_json::json!({
            "toon": f.show.as_str(),
            "q": text,
            "partner": f.partner.clone().unwrap_or_default(),
            "thema": f.theme.clone().unwrap_or_default(),
            "type": f.kind.clone().unwrap_or_default(),
            "van": f.from.clone().unwrap_or_default(),
            "tot": f.until.clone().unwrap_or_default(),
        });
        let base = vec![
            ("toon", f.show.as_str().to_string()),
            ("q", text.clone()),
            ("partner", f.partner.clone().unwrap_or_default()),
            ("thema", f.theme.clone().unwrap_or_default()),
            ("type", f.kind.clone().unwrap_or_default()),
            ("van", f.from.clone().unwrap_or_default()),
            ("tot", f.until.clone().unwrap_or_default()),
        ];
        let at = |n: usize| {
            let mut pairs = base.clone();
            pairs.push(("pagina", n.to_string()));
            format!("/beheer/?{}", query_string(&pairs))
        };
        context.insert("filter", &filter_view);
        context.insert(
            "filtered",
            &(f != review::Filter {
                show: f.show,
                ..Default::default()
            }),
        );
        context.insert("here", &at(listing.page));
        context.insert("prev", &at(listing.page.saturating_sub(1).max(1)));
        context.insert("next", &at(listing.page + 1));
        context.insert("total", &listing.total);
        context.insert("page", &listing.page);
        context.insert("pages", &listing.pages);
        let items: Vec<ItemView<'_>> = listing.items.iter().map(|i| view(i)).collect();
        context.insert("items", &items);
        context.insert(
            "facets",
            &serde_json::json!({
                "partners": facets.partners,
                "themes": facets.themes,
                "types": facets.types,
            }),
        );
        let unreadable: Vec<serde_json::Value> = queue
            .unreadable()
            .iter()
            .take(50)
            .map(|u| serde_json::json!({"path": u.relative_path, "message": u.message}))
            .collect();
        context.insert("unreadable", &unreadable);
        let themes: Vec<serde_json::Value> = rules
            .themes
            .iter()
            .map(|t| serde_json::json!({"name": t.name, "programmalijnen": t.programmalijnen}))
            .collect();
        context.insert("themes", &themes);
        let types: Vec<(&String, &String)> = rules.types.iter().collect();
        context.insert("types", &types);
        if let Some(text) = notice(query.get("melding")) {
            context.insert("melding", text);
        }
        b.render("wachtrij.html", &context, StatusCode::OK)
    })
    .await;
    rendered.unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// What became of one item of a bulk action.
#[derive(Serialize)]
struct Outcome {
    title: String,
    link: Option<String>,
    outcome: String,
}

/// The most items one bulk action takes (a page of the queue, twice).
const MAX_BULK: usize = 2 * review::queue::PAGE_SIZE;

async fn bulk(State(beheer): State<Arc<Beheer>>, headers: HeaderMap, request: Request) -> Response {
    let (signed, form) = checked_form!(beheer, headers, request.into_body());
    let selected = form.all("item");
    let back = form
        .value("terug")
        .filter(|t| t.starts_with("/beheer/?") || t == "/beheer/")
        .unwrap_or_else(|| "/beheer/".into());
    if selected.is_empty() {
        return beheer.message(
            Some(&signed),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Niets geselecteerd",
            &["Selecteer eerst een of meer items in de wachtrij.".into()],
            (&back, "Terug naar de wachtrij"),
        );
    }
    if selected.len() > MAX_BULK {
        return beheer.message(
            Some(&signed),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Te veel items",
            &[format!("Kies ten hoogste {MAX_BULK} items tegelijk.")],
            (&back, "Terug naar de wachtrij"),
        );
    }
    let change = match form.get("actie") {
        "goedkeuren" => Change::Approve,
        "afwijzen" => Change::Reject {
            reason: form.get("reden").to_string(),
        },
        "taggen" => Change::Tag(Tag {
            themes: form.value("thema").into_iter().collect(),
            programmalijnen: form.value("programmalijn").into_iter().collect(),
            kind: form.value("type"),
        }),
        _ => {
            return beheer.message(
                Some(&signed),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Geen actie gekozen",
                &["Kies goedkeuren, afwijzen of taggen.".into()],
                (&back, "Terug naar de wachtrij"),
            )
        }
    };
    let author = beheer.author_of(&signed);
    let b = beheer.clone();
    let done = blocking(move || {
        let rules = rules_of(&b.site_dir).unwrap_or_default();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let found: Vec<(String, String, Option<QueueItem>)> = {
            let mut queue = b.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.refresh();
            selected
                .iter()
                .map(|entry| {
                    let (id, version) = entry.rsplit_once('@').unwrap_or((entry.as_str(), ""));
                    let item = ItemId::parse(id).and_then(|id| queue.get(&id).cloned());
                    (id.to_string(), version.to_string(), item)
                })
                .collect()
        };
        for (id, version, item) in found {
            let version = version.as_str();
            let Some(item) = item else {
                outcomes.push(Outcome {
                    title: id.chars().take(100).collect(),
                    link: None,
                    outcome: "niet gevonden".into(),
                });
                continue;
            };
            let result = review::apply(
                &b.content_dir,
                &rules,
                &item.relative_path,
                version,
                std::slice::from_ref(&change),
                &author,
            );
            let outcome = match result {
                Ok(_) => match change {
                    Change::Approve => "goedgekeurd".to_string(),
                    Change::Reject { .. } => "afgewezen".to_string(),
                    _ => "getagd".to_string(),
                },
                Err(ReviewError::Conflict { .. }) => {
                    "niet gewijzigd: iemand anders wijzigde het intussen; bekijk het opnieuw".into()
                }
                Err(e) => format!("niet gewijzigd: {}", dutch(&e)),
            };
            b.queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .forget(&item.relative_path);
            outcomes.push(Outcome {
                link: Some(format!("/beheer/items/{}/", urlencode(item.id.as_str()))),
                title: item.title,
                outcome,
            });
        }
        outcomes
    })
    .await
    .unwrap_or_default();
    let failed = done
        .iter()
        .filter(|o| o.outcome.starts_with("niet"))
        .count();
    let mut context = beheer.context(Some(&signed), "wachtrij");
    context.insert(
        "heading",
        if failed == 0 {
            "Klaar"
        } else {
            "Klaar, met uitzonderingen"
        },
    );
    context.insert(
        "lines",
        &[format!(
            "{} van {} items gewijzigd.",
            done.len() - failed,
            done.len()
        )],
    );
    context.insert("results", &done);
    context.insert("back", &back);
    context.insert("back_label", "Terug naar de wachtrij");
    let status = if failed == 0 {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    beheer.render("melding.html", &context, status)
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// What went wrong, for an editor.
fn dutch(error: &ReviewError) -> String {
    match error {
        ReviewError::Refused { field, message } => format!("{field}: {message}"),
        ReviewError::Conflict { .. } => "iemand anders wijzigde dit item intussen".into(),
        ReviewError::Unknown(what) => format!("{what} bestaat niet"),
        ReviewError::Invalid { field, message, .. } => {
            format!("het bestand is niet in orde ({field}: {message})")
        }
        ReviewError::Git(message) => format!("opgeslagen, maar niet in git gezet: {message}"),
        other => format!("het bestand kon niet worden geschreven ({other})"),
    }
}

// --- One item -------------------------------------------------------------

#[derive(Serialize)]
struct Flagged {
    field: &'static str,
    label: &'static str,
    shown: Vec<review::diff::Run>,
    upstream: Vec<review::diff::Run>,
}

#[derive(Serialize)]
struct Choice {
    name: String,
    checked: bool,
    suggested: bool,
}

#[derive(Serialize)]
struct ThemeChoice {
    name: String,
    checked: bool,
    suggested: bool,
    lines: Vec<Choice>,
}

/// What the edit form shows: the values of a failed post, or the file's.
#[derive(Serialize, Default)]
struct EditValues {
    title: String,
    description: String,
    types: Vec<String>,
    themes: Vec<String>,
    programmalijnen: Vec<String>,
}

struct ItemProblem {
    status: StatusCode,
    error: Option<String>,
    conflict: bool,
    attempted: Vec<(String, String)>,
    values: Option<EditValues>,
}

impl ItemProblem {
    fn none() -> ItemProblem {
        ItemProblem {
            status: StatusCode::OK,
            error: None,
            conflict: false,
            attempted: Vec::new(),
            values: None,
        }
    }
}

fn item_context(
    beheer: &Beheer,
    signed: &Signed,
    item: &QueueItem,
    problem: &ItemProblem,
) -> Result<Context, ReviewError> {
    let rules = rules_of(&beheer.site_dir).unwrap_or_default();
    let mut context = beheer.context(Some(signed), "wachtrij");
    context.insert("item", &view(item));
    // The edit form: suggestions preselected when nothing is chosen.
    let values = problem.values.as_ref();
    let chosen_themes = values.map_or(&item.themes, |v| &v.themes);
    let chosen_lines = values.map_or(&item.programmalijnen, |v| &v.programmalijnen);
    let preselect_themes = values.is_none() && item.themes.is_empty();
    let preselect_lines = values.is_none() && item.programmalijnen.is_empty();
    let themes: Vec<ThemeChoice> = rules
        .themes
        .iter()
        .map(|t| ThemeChoice {
            name: t.name.clone(),
            suggested: item.suggested_themes.contains(&t.name),
            checked: chosen_themes.contains(&t.name)
                || (preselect_themes && item.suggested_themes.contains(&t.name)),
            lines: t
                .programmalijnen
                .iter()
                .map(|p| Choice {
                    name: p.clone(),
                    suggested: item.suggested_programmalijnen.contains(p),
                    checked: chosen_lines.contains(p)
                        || (preselect_lines && item.suggested_programmalijnen.contains(p)),
                })
                .collect(),
        })
        .collect();
    context.insert("themes", &themes);
    let types: Vec<(&String, &String)> = rules.types.iter().collect();
    context.insert("types", &types);
    let form = match values {
        Some(v) => serde_json::to_value(v).unwrap_or_default(),
        None => serde_json::json!({
            "title": item.title,
            "description": item.description,
            "types": item.types,
        }),
    };
    context.insert("form", &form);

    // A flagged item: each field side by side.
    let mut flagged: Vec<Flagged> = Vec::new();
    if item.flagged {
        for (field, shown, upstream) in
            review::edit::flagged_values(&beheer.content_dir, &item.relative_path)?
        {
            let (left, right) = review::diff::side_by_side(&shown, &upstream);
            flagged.push(Flagged {
                field: field.key(),
                label: match field {
                    FlagField::Title => "Titel",
                    FlagField::Description => "Samenvatting",
                },
                shown: left,
                upstream: right,
            });
        }
    }
    let other_notes: Vec<&String> = item
        .notes
        .iter()
        .filter(|n| !n.starts_with("title:") && !n.starts_with("description:"))
        .collect();
    context.insert("flagged", &flagged);
    context.insert("other_notes", &other_notes);

    // The upstream record.
    let opened = review::edit::open(&beheer.content_dir, &item.relative_path)?;
    let mut upstream: Vec<(&str, String, bool)> = Vec::new();
    if let Some(h) = &opened.extra.harvest {
        let link = |v: &Option<String>| {
            v.clone()
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
        };
        let mut add = |label: &'static str, value: Option<String>, is_link: bool| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                upstream.push((label, v, is_link));
            }
        };
        add("Bron", Some(h.source.clone()), false);
        add("Id bij de bron", h.upstream_id.clone(), false);
        add("Titel", h.upstream_title.clone(), false);
        add(
            "Samenvatting",
            h.abstract_text
                .as_deref()
                .map(crate::harvest::normalise::plain_text),
            false,
        );
        add("Auteurs", Some(h.authors.join(", ")), false);
        add("Datum", h.date.clone(), false);
        add("Link", link(&h.link), true);
        add("Pdf", link(&h.pdf), true);
        add("DOI", h.doi.clone(), false);
        add("Taal", h.language.clone(), false);
        add("Licentie", h.licence.clone(), false);
        add("Onderwerpen", Some(h.subjects.join(", ")), false);
        add("Opgehaald", h.fetched_at.clone(), false);
    }
    context.insert("upstream", &upstream);

    // Dossiers to add it to, and those it is in.
    let dossiers = dossier::list(&beheer.content_dir);
    let choices: Vec<serde_json::Value> = dossiers
        .iter()
        .map(|d| {
            let mut groups: Vec<String> = d.groups.iter().map(|g| g.title.clone()).collect();
            if groups.is_empty() {
                groups.push("Publicaties".into());
            }
            serde_json::json!({"path": d.relative_path, "title": d.title, "groups": groups})
        })
        .collect();
    let in_dossiers: Vec<serde_json::Value> = dossiers
        .iter()
        .filter(|d| opened.extra.dossiers.contains(&d.relative_path))
        .map(|d| serde_json::json!({"slug": d.slug, "title": d.title}))
        .collect();
    context.insert("dossiers", &choices);
    context.insert("in_dossiers", &in_dossiers);
    if let Some(e) = &problem.error {
        context.insert("fout", e);
    }
    context.insert("conflict", &problem.conflict);
    context.insert("attempted", &problem.attempted);
    Ok(context)
}

async fn item_page(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let query =
        Form::parse(request.uri().query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let melding = notice(query.get("melding"));
    let b = beheer.clone();
    blocking(move || {
        let Some(item) = ItemId::parse(&id).and_then(|id| b.item(&id)) else {
            return b.message(
                Some(&signed),
                StatusCode::NOT_FOUND,
                "Niet gevonden",
                &["Dit item bestaat niet (meer).".into()],
                ("/beheer/", "Naar de wachtrij"),
            );
        };
        render_item(&b, &signed, &item, &ItemProblem::none(), melding)
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn render_item(
    beheer: &Beheer,
    signed: &Signed,
    item: &QueueItem,
    problem: &ItemProblem,
    melding: Option<&str>,
) -> Response {
    match item_context(beheer, signed, item, problem) {
        Ok(mut context) => {
            if let Some(m) = melding {
                context.insert("melding", m);
            }
            beheer.render("item.html", &context, problem.status)
        }
        Err(e) => beheer.message(
            Some(signed),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Dit item is niet te lezen",
            &[dutch(&e)],
            ("/beheer/", "Naar de wachtrij"),
        ),
    }
}

async fn item_post(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, form) = checked_form!(beheer, headers, request.into_body());
    let b = beheer.clone();
    blocking(move || {
        let Some(item) = ItemId::parse(&id).and_then(|id| b.item(&id)) else {
            return b.message(
                Some(&signed),
                StatusCode::NOT_FOUND,
                "Niet gevonden",
                &["Dit item bestaat niet (meer). Uw wijziging is niet opgeslagen.".into()],
                ("/beheer/", "Naar de wachtrij"),
            );
        };
        item_change(&b, &signed, &item, &form)
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn item_change(beheer: &Beheer, signed: &Signed, item: &QueueItem, form: &Form) -> Response {
    let rules = rules_of(&beheer.site_dir).unwrap_or_default();
    let version = form.get("versie");
    let author = beheer.author_of(signed);
    let edit = || Edit {
        title: form.get("titel").to_string(),
        description: form.get("samenvatting").to_string(),
        types: form.value("type").into_iter().collect(),
        themes: form.all("thema"),
        programmalijnen: form.all("programmalijn"),
    };
    let action = form.get("actie");
    let (changes, done): (Vec<Change>, &str) = match action {
        "opslaan" => (vec![Change::Edit(edit())], "opgeslagen"),
        "publiceren" => (vec![Change::Edit(edit()), Change::Approve], "gepubliceerd"),
        "afwijzen" => (
            vec![Change::Reject {
                reason: form.get("reden").to_string(),
            }],
            "afgewezen",
        ),
        "bron" => match FlagField::parse(form.get("veld")) {
            Some(field) => (
                vec![Change::Keep {
                    field,
                    upstream: form.get("keuze") == "bron",
                }],
                "bron",
            ),
            None => (Vec::new(), ""),
        },
        "dossier" => {
            let (path, group) = form.get("dossier").rsplit_once('#').unwrap_or(("", ""));
            let group: usize = group.parse().unwrap_or(usize::MAX);
            let known = dossier::list(&beheer.content_dir)
                .into_iter()
                .any(|d| d.relative_path == path);
            let result = if known {
                dossier::add(
                    &beheer.content_dir,
                    &rules,
                    path,
                    group,
                    &item.relative_path,
                    version,
                    &author,
                )
            } else {
                Err(ReviewError::Refused {
                    field: "dossier".into(),
                    message: "kies een bestaand dossier".into(),
                })
            };
            return after_change(beheer, signed, item, form, result.map(|_| ()), "dossier");
        }
        _ => (Vec::new(), ""),
    };
    if changes.is_empty() {
        let problem = ItemProblem {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: Some("Onbekende actie.".into()),
            ..ItemProblem::none()
        };
        return render_item(beheer, signed, item, &problem, None);
    }
    let result = review::apply(
        &beheer.content_dir,
        &rules,
        &item.relative_path,
        version,
        &changes,
        &author,
    );
    after_change(beheer, signed, item, form, result.map(|_| ()), done)
}

fn after_change(
    beheer: &Beheer,
    signed: &Signed,
    item: &QueueItem,
    form: &Form,
    result: Result<(), ReviewError>,
    done: &str,
) -> Response {
    beheer
        .queue
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .forget(&item.relative_path);
    let fresh = beheer.item(&item.id).unwrap_or_else(|| item.clone());
    let edited = matches!(form.get("actie"), "opslaan" | "publiceren");
    let values = edited.then(|| EditValues {
        title: form.get("titel").chars().take(1000).collect(),
        description: form.get("samenvatting").chars().take(5000).collect(),
        types: form.value("type").into_iter().collect(),
        themes: form.all("thema"),
        programmalijnen: form.all("programmalijn"),
    });
    match result {
        Ok(()) => {
            let id = urlencode(item.id.as_str());
            match done {
                "gepubliceerd" | "afgewezen" => see_other(&format!("/beheer/?melding={done}")),
                _ => see_other(&format!("/beheer/items/{id}/?melding={done}")),
            }
        }
        Err(ReviewError::Conflict { .. }) => {
            let mut attempted: Vec<(String, String)> = Vec::new();
            if let Some(v) = &values {
                attempted.push(("Titel".into(), v.title.clone()));
                attempted.push(("Samenvatting".into(), v.description.clone()));
                attempted.push(("Thema's".into(), v.themes.join(", ")));
                attempted.push(("Programmalijnen".into(), v.programmalijnen.join(", ")));
            }
            let reason = form.get("reden");
            if !reason.is_empty() {
                attempted.push((
                    "Reden van afwijzing".into(),
                    reason.chars().take(1000).collect(),
                ));
            }
            let problem = ItemProblem {
                status: StatusCode::CONFLICT,
                error: None,
                conflict: true,
                attempted,
                values: None,
            };
            render_item(beheer, signed, &fresh, &problem, None)
        }
        Err(e) => {
            let problem = ItemProblem {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                error: Some(format!("Niet opgeslagen: {}.", dutch(&e))),
                conflict: false,
                attempted: Vec::new(),
                values,
            };
            render_item(beheer, signed, &fresh, &problem, None)
        }
    }
}

// --- Dossiers -------------------------------------------------------------

async fn dossiers_page(State(beheer): State<Arc<Beheer>>, headers: HeaderMap) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let b = beheer.clone();
    blocking(move || {
        let list: Vec<serde_json::Value> = dossier::list(&b.content_dir)
            .iter()
            .map(|d| {
                serde_json::json!({
                    "slug": d.slug,
                    "title": d.title,
                    "count": d.groups.iter().map(|g| g.pages.len()).sum::<usize>(),
                })
            })
            .collect();
        let mut context = b.context(Some(&signed), "dossiers");
        context.insert("dossiers", &list);
        b.render("dossiers.html", &context, StatusCode::OK)
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn dossier_by_slug(content_dir: &Path, slug: &str) -> Option<dossier::Dossier> {
    dossier::list(content_dir)
        .into_iter()
        .find(|d| d.slug == slug)
}

fn render_dossier(
    beheer: &Beheer,
    signed: &Signed,
    d: &dossier::Dossier,
    status: StatusCode,
    melding: Option<&str>,
    fout: Option<String>,
) -> Response {
    let titles = {
        let mut queue = beheer.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.refresh();
        queue
            .all()
            .iter()
            .map(|i| (i.relative_path.clone(), i.title.clone()))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let groups: Vec<serde_json::Value> = d
        .groups
        .iter()
        .map(|g| {
            let items: Vec<serde_json::Value> = g
                .pages
                .iter()
                .map(|p| {
                    let title = titles
                        .get(p.trim_start_matches("@/"))
                        .cloned()
                        .unwrap_or_else(|| p.clone());
                    serde_json::json!({"path": p, "title": title})
                })
                .collect();
            serde_json::json!({"title": g.title, "items": items})
        })
        .collect();
    let mut context = beheer.context(Some(signed), "dossiers");
    context.insert(
        "dossier",
        &serde_json::json!({"slug": d.slug, "title": d.title, "version": d.version}),
    );
    context.insert("groups", &groups);
    if let Some(m) = melding {
        context.insert("melding", m);
    }
    if let Some(f) = fout {
        context.insert("fout", &f);
    }
    beheer.render("dossier.html", &context, status)
}

async fn dossier_page(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(slug): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let signed = signed_in_or!(beheer, headers, Method::GET);
    let query =
        Form::parse(request.uri().query().unwrap_or_default().as_bytes()).unwrap_or_default();
    let melding = notice(query.get("melding"));
    let b = beheer.clone();
    blocking(move || match dossier_by_slug(&b.content_dir, &slug) {
        Some(d) => render_dossier(&b, &signed, &d, StatusCode::OK, melding, None),
        None => b.message(
            Some(&signed),
            StatusCode::NOT_FOUND,
            "Niet gevonden",
            &["Dit dossier bestaat niet.".into()],
            ("/beheer/dossiers/", "Naar de dossiers"),
        ),
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn dossier_post(
    State(beheer): State<Arc<Beheer>>,
    UrlPath(slug): UrlPath<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let (signed, form) = checked_form!(beheer, headers, request.into_body());
    let b = beheer.clone();
    blocking(move || {
        let Some(d) = dossier_by_slug(&b.content_dir, &slug) else {
            return b.message(
                Some(&signed),
                StatusCode::NOT_FOUND,
                "Niet gevonden",
                &["Dit dossier bestaat niet.".into()],
                ("/beheer/dossiers/", "Naar de dossiers"),
            );
        };
        let group: usize = form.get("groep").parse().unwrap_or(usize::MAX);
        let index: usize = form.get("positie").parse().unwrap_or(usize::MAX);
        let up = form.get("richting") == "omhoog";
        let result = dossier::move_item(
            &b.content_dir,
            &d.relative_path,
            form.get("versie"),
            group,
            index,
            up,
            &b.author_of(&signed),
        );
        match result {
            Ok(_) => see_other(&format!(
                "/beheer/dossiers/{}/?melding=volgorde",
                urlencode(&d.slug)
            )),
            Err(e) => {
                let fresh = dossier_by_slug(&b.content_dir, &slug).unwrap_or(d);
                let status = if matches!(e, ReviewError::Conflict { .. }) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                render_dossier(
                    &b,
                    &signed,
                    &fresh,
                    status,
                    None,
                    Some(format!(
                        "Niet opgeslagen: {}. Hieronder staat de huidige volgorde.",
                        dutch(&e)
                    )),
                )
            }
        }
    })
    .await
    .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_parse() {
        templates().unwrap();
    }

    #[test]
    fn date_filters_take_only_dates() {
        assert_eq!(date_filter("2021"), Some("2021".into()));
        assert_eq!(date_filter("2021-02-03"), Some("2021-02-03".into()));
        for bad in ["", "21", "2021-2", "<script>", "2021/02", "２０２１"] {
            assert_eq!(date_filter(bad), None, "{bad}");
        }
    }

    #[test]
    fn posts_from_elsewhere_are_cross_site() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(
            !cross_site(&h),
            "no Origin: a form from the same page in older browsers"
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(!cross_site(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(cross_site(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(cross_site(&h));
    }
}
