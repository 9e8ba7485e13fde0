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

use crate::accounts::{AccountError, Accounts};
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
    /// `git push` after each change, so the deploy follows (`--git-push`).
    pub push: bool,
}

/// Password checks at once: argon2 takes memory and a core each.
const VERIFY_SLOTS: usize = 2;

/// The accounts file's size and time when read, and what it held.
type AccountsRead = (u64, Option<std::time::SystemTime>, Arc<Accounts>);

pub struct Beheer {
    site_dir: PathBuf,
    content_dir: PathBuf,
    accounts: PathBuf,
    /// The accounts as last read, with the file's size and time: every
    /// request checks its session against them, and a change to the file
    /// (`vindplaats editor remove`) shows at the next request.
    accounts_read: Mutex<Option<AccountsRead>>,
    secure: bool,
    push: bool,
    /// A push is running, and whether another is wanted after it.
    pushing: Arc<Mutex<(bool, bool)>>,
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
        (
            "aanmeldingen.html",
            include_str!("templates/aanmeldingen.html"),
        ),
    ])?;
    Ok(tera)
}

const STYLESHEET: &str = include_str!("beheer.css");

/// Why the review queue cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the /beheer/ templates: {0}")]
    Templates(#[from] tera::Error),
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AccountError),
}

/// Why the taxonomy for the review pages could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Config(#[from] crate::content::config::ConfigError),
    #[error(transparent)]
    Taxonomy(#[from] crate::model::TaxonomyError),
}

/// A form post that could not be read; the message is for the editor.
#[derive(Debug, thiserror::Error)]
pub enum FormReadError {
    #[error("het formulier is groter dan {} kB", .0 / 1024)]
    TooLarge(usize),
    #[error("het formulier kwam niet helemaal aan")]
    Cut,
    #[error(transparent)]
    Form(#[from] form::FormError),
}

impl Beheer {
    pub fn new(site_dir: &Path, options: &EditorOptions) -> Result<Beheer, StartError> {
        let tera = templates()?;
        // The accounts file must read now, not at the first sign-in.
        Accounts::load(&options.accounts)?;
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
            accounts_read: Mutex::new(None),
            secure: options.secure,
            push: options.push,
            pushing: Arc::new(Mutex::new((false, false))),
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
        .route(
            "/beheer/aanmeldingen/",
            get(submissions_page).post(submissions_post),
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

fn rules_of(site_dir: &Path) -> Result<TaxonomyRules, RulesError> {
    let config = crate::content::SiteConfig::load(&site_dir.join("config.toml"))?;
    Ok(TaxonomyRules::of_site(site_dir, &config.extra)?)
}

/// The largest form body read.
async fn read_form(body: Body) -> Result<Form, FormReadError> {
    let bytes = super::body::read_bounded(body, form::MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            super::body::BodyError::TooLarge(max) => FormReadError::TooLarge(max),
            super::body::BodyError::Read(_) => FormReadError::Cut,
        })?;
    Ok(Form::parse(&bytes)?)
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
        let exists = self
            .accounts()
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

    /// The accounts file, read again only when it changed.
    fn accounts(&self) -> Result<Arc<Accounts>, AccountError> {
        let stamp = std::fs::metadata(&self.accounts)
            .map(|m| (m.len(), m.modified().ok()))
            .unwrap_or((0, None));
        let mut read = self.accounts_read.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((len, modified, accounts)) = read.as_ref() {
            if (*len, *modified) == stamp {
                return Ok(accounts.clone());
            }
        }
        let accounts = Arc::new(Accounts::load(&self.accounts)?);
        *read = Some((stamp.0, stamp.1, accounts.clone()));
        Ok(accounts)
    }

    fn context(&self, signed: Option<&Signed>, nav: &str) -> Context {
        let mut context = Context::new();
        context.insert("site", &self.site_name);
        context.insert("nav", nav);
        context.insert("submissions", &true);
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

    /// A 404 page in the beheer: `what` is gone, and where to go instead.
    fn gone(&self, signed: &Signed, what: &str, back: (&str, &str)) -> Response {
        self.message(
            Some(signed),
            StatusCode::NOT_FOUND,
            "Niet gevonden",
            &[what.to_string()],
            back,
        )
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

    /// With `--git-push`, pushes in the background after a change; pushes
    /// asked for while one runs become one more push after it.
    fn changed(&self) {
        if !self.push {
            return;
        }
        {
            let mut state = self.pushing.lock().unwrap_or_else(|e| e.into_inner());
            if state.0 {
                state.1 = true;
                return;
            }
            *state = (true, false);
        }
        let (pushing, content_dir) = (self.pushing.clone(), self.content_dir.clone());
        std::thread::spawn(move || loop {
            if let Err(e) = review::git::push(&content_dir) {
                tracing::warn!("/beheer/: the change is committed but not pushed: {e}");
            }
            let mut state = pushing.lock().unwrap_or_else(|e| e.into_inner());
            if state.1 {
                state.1 = false;
            } else {
                state.0 = false;
                return;
            }
        });
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
            Err(error) => {
                return $beheer.message(
                    Some(&signed),
                    StatusCode::BAD_REQUEST,
                    "Formulier niet gelezen",
                    &[error.to_string()],
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

/// Fixed texts for the `melding` of a redirect: nothing from the URL is
/// shown.
fn notice(key: &str) -> Option<&'static str> {
    Some(match key {
        "opgeslagen" => "Opgeslagen.",
        "gepubliceerd" => "Goedgekeurd: het item wordt gepubliceerd bij de volgende build.",
        "afgewezen" => "Afgewezen. Het item blijft afgewezen als de bron opnieuw wordt geoogst.",
        "bron" => "Uw keuze is opgeslagen.",
        "dossier" => "Toegevoegd aan het dossier.",
        "uit-dossier" => "Uit het dossier gehaald.",
        "volgorde" => "De volgorde is opgeslagen.",
        "partner" => "Goedgekeurd: de partner staat in het register en heeft een pagina; de bron wordt bij de volgende oogst opgehaald.",
        "aanmelding-afgewezen" => "De aanmelding is afgewezen en verwijderd.",
        _ => return None,
    })
}

/// What became of one item of a bulk action.
#[derive(Serialize)]
struct Outcome {
    title: String,
    link: Option<String>,
    outcome: String,
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

mod aanmeldingen;
mod dossiers;
mod item;
mod queue;
mod signin;

use aanmeldingen::{submissions_page, submissions_post};
use dossiers::{dossier_page, dossier_post, dossiers_page};
use item::{item_page, item_post};
use queue::{bulk, queue_page};
use signin::{sign_in, sign_in_form, sign_out};

#[cfg(test)]
mod tests {
    use super::queue::date_filter;
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
