//! `/oai`: the OAI-PMH data provider ([`crate::publish::oai`]) over HTTP,
//! by GET (query string) or POST (`application/x-www-form-urlencoded`).
//! Protocol errors are OAI error codes in a 200 answer, as the protocol
//! says; only a body too large or of the wrong type is an HTTP error.

use std::path::Path;
use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::publish::oai::request::MAX_ARGUMENTS;
use crate::publish::oai::token::TokenKey;
use crate::publish::oai::Repository;

/// The largest POST body, in bytes.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The repository answered from; replaced after every rebuild.
pub type Shared = Arc<RwLock<Arc<Repository>>>;

/// Where the repository is served and the key its tokens are signed with.
#[derive(Debug)]
pub struct Source {
    /// The OAI-PMH baseURL.
    pub url: String,
    pub key: TokenKey,
}

/// The key that signs resumption tokens, kept beside the search index
/// (`search/oai-token.key`) so that tokens survive a restart.
pub fn token_key(index_dir: &Path) -> TokenKey {
    TokenKey::load_or_create(&index_dir.with_file_name("oai-token.key"))
}

pub fn router(repository: Shared) -> Router {
    Router::new()
        .route("/oai", get(answer_get).post(answer_post))
        .with_state(repository)
}

fn pairs(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.as_bytes())
        .take(MAX_ARGUMENTS + 1)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn answer(repository: &Shared, pairs: &[(String, String)]) -> Response {
    let current = match repository.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let xml = current.answer(pairs, chrono::Utc::now());
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response()
}

async fn answer_get(State(repository): State<Shared>, RawQuery(query): RawQuery) -> Response {
    answer(&repository, &pairs(&query.unwrap_or_default()))
}

async fn answer_post(State(repository): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "OAI-PMH POST requests are application/x-www-form-urlencoded.\n",
        )
            .into_response();
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONNECTION, "close")],
            format!("An OAI-PMH request is at most {MAX_FORM_BYTES} bytes.\n"),
        )
            .into_response();
    };
    answer(&repository, &pairs(&String::from_utf8_lossy(&bytes)))
}
