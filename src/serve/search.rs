//! Meilisearch's search API over any [`SearchBackend`]:
//! `POST /indexes/{uid}/search`, `GET /indexes/{uid}/search` (parameters
//! in the query string), `POST /multi-search` and `GET /health`, with
//! Meilisearch's error format. The search page and `meilisearch-sdk` talk
//! to this exactly as they would to Meilisearch.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::search::request::MAX_MULTI_SEARCH_QUERIES;
use crate::search::{Code, SearchBackend, SearchError, SearchRequest, INDEX_UID};

/// Searches answered at once, per core; more wait up to [`QUEUE_WAIT`],
/// then get a 503 with `Retry-After`. Searches run on the runtime's
/// workers, and `serve` starts [`SPARE_WORKERS`] more workers than it lets
/// searches use, so pages and static files never wait for a search.
pub const SEARCHES_PER_CORE: usize = 1;
/// Workers beyond one per core, kept for everything that is not a search.
pub const SPARE_WORKERS: usize = 2;

/// The runtime's worker threads for `serve`.
pub fn worker_threads() -> usize {
    cores() * SEARCHES_PER_CORE + SPARE_WORKERS
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
/// How long a search waits for its turn.
pub const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The backend and the gate every search passes.
#[derive(Clone)]
struct Api<B> {
    backend: B,
    gate: Arc<Semaphore>,
}

/// The search routes, answered by `backend`.
pub fn router<B>(backend: B) -> Router
where
    B: SearchBackend + Clone + 'static,
{
    let api = Api {
        backend,
        gate: Arc::new(Semaphore::new(cores() * SEARCHES_PER_CORE)),
    };
    Router::new()
        .route(
            "/indexes/{uid}/search",
            post(search_post::<B>).get(search_get::<B>),
        )
        .route("/multi-search", post(multi_search::<B>))
        .route(
            "/health",
            get(|| async { Json(json!({"status": "available"})) }),
        )
        // Everything else under the API's own paths answers in its format.
        .route("/indexes", any(not_found))
        .route("/indexes/{uid}", any(not_found))
        .route("/indexes/{uid}/{*rest}", any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(api)
}

/// The largest request body, in bytes (Meilisearch's default
/// `http-payload-size-limit` is 100 MB; a search needs a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

async fn not_found(uri: axum::http::Uri) -> Response {
    error_response(&SearchError::new(
        Code::NotFound,
        format!("Nothing is served at `{}` here: the search API has `/indexes/{INDEX_UID}/search`, `/multi-search` and `/health`.", uri.path()),
    ))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    error_response(&SearchError::new(
        Code::MethodNotAllowed,
        format!("`{method}` is not allowed on `{}`.", uri.path()),
    ))
}

/// The body, or Meilisearch's error when it is too large or cut off.
async fn read_body(body: Body) -> Result<Bytes, SearchError> {
    match super::body::read_bounded(body, MAX_BODY_BYTES).await {
        Ok(bytes) => Ok(bytes),
        Err(super::body::BodyError::TooLarge(_)) => Err(SearchError::new(
            Code::PayloadTooLarge,
            format!(
                "The provided payload reached the size limit. The maximum accepted payload size is {} KiB.",
                MAX_BODY_BYTES / 1024
            ),
        )),
        Err(super::body::BodyError::Read(e)) => Err(SearchError::new(
            Code::BadRequest,
            format!("The request body could not be read: {e}"),
        )),
    }
}

/// The HTTP status of each error code: chosen here, not in the engine,
/// which knows no HTTP.
fn status(code: Code) -> StatusCode {
    match code {
        Code::IndexNotFound | Code::NotFound => StatusCode::NOT_FOUND,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::InvalidContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::TooManySearchRequests => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Code::BadRequest
        | Code::MissingPayload
        | Code::MalformedPayload
        | Code::MissingIndexUid
        | Code::InvalidSearchQ
        | Code::InvalidSearchOffset
        | Code::InvalidSearchLimit
        | Code::InvalidSearchPage
        | Code::InvalidSearchHitsPerPage
        | Code::InvalidSearchFilter
        | Code::InvalidSearchFacets
        | Code::InvalidSearchSort
        | Code::InvalidSearchAttributesToRetrieve
        | Code::InvalidSearchAttributesToHighlight
        | Code::InvalidSearchAttributesToCrop
        | Code::InvalidSearchCropLength
        | Code::InvalidSearchCropMarker
        | Code::InvalidSearchHighlightPreTag
        | Code::InvalidSearchHighlightPostTag
        | Code::InvalidSearchMatchingStrategy
        | Code::InvalidSearchAttributesToSearchOn
        | Code::InvalidSearchShowMatchesPosition
        | Code::InvalidSearchShowRankingScore
        | Code::InvalidSearchShowRankingScoreDetails => StatusCode::BAD_REQUEST,
    }
}

fn error_response(error: &SearchError) -> Response {
    let status = status(error.code);
    let mut response = (status, Json(error.to_json())).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("1"),
        );
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body was never read: this connection cannot carry
        // another request.
        response.headers_mut().insert(
            header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// The JSON body, or Meilisearch's error for a wrong type or bad JSON.
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, SearchError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(SearchError::new(
            Code::InvalidContentType,
            format!(
                "The Content-Type `{content_type}` is invalid. Accepted values for the Content-Type header are: `application/json`"
            ),
        ));
    }
    if body.is_empty() {
        return Err(SearchError::new(
            Code::MissingPayload,
            "A json payload is missing.",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        SearchError::new(
            Code::MalformedPayload,
            format!("The json payload provided is malformed. `{e}`."),
        )
    })
}

async fn run<B: SearchBackend>(
    api: &Api<B>,
    uid: &str,
    body: &Value,
) -> Result<Value, SearchError> {
    if uid != INDEX_UID {
        return Err(SearchError::index_not_found(uid));
    }
    let request = SearchRequest::from_json(body)?;
    // A free turn is taken at once; only a search that has to wait sets a
    // timer for its wait.
    if let Ok(_turn) = api.gate.try_acquire() {
        return Ok(api.backend.search(request).await?.into_json());
    }
    let Ok(Ok(_turn)) = tokio::time::timeout(QUEUE_WAIT, api.gate.acquire()).await else {
        return Err(SearchError::new(
            Code::TooManySearchRequests,
            "Too many searches at once; try again in a second.",
        ));
    };
    Ok(api.backend.search(request).await?.into_json())
}

async fn search_post<B: SearchBackend + Clone + 'static>(
    State(api): State<Api<B>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = match read_body(body)
        .await
        .and_then(|body| json_body(&headers, &body))
    {
        Ok(value) => run(&api, &uid, &value).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(value) => Json(value).into_response(),
        Err(e) => error_response(&e),
    }
}

/// `GET /indexes/{uid}/search?q=...&limit=...`: numbers and lists given
/// as text, the way Meilisearch reads them.
async fn search_get<B: SearchBackend + Clone + 'static>(
    State(api): State<Api<B>>,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut body = Map::new();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let value = value.to_string();
        let parsed = match key.as_ref() {
            "offset" | "limit" | "page" | "hitsPerPage" | "cropLength" => value
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(value)),
            "facets"
            | "sort"
            | "attributesToRetrieve"
            | "attributesToHighlight"
            | "attributesToCrop"
            | "attributesToSearchOn" => Value::Array(
                value
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
            "showMatchesPosition" | "showRankingScore" => Value::Bool(value == "true"),
            _ => Value::String(value),
        };
        body.insert(key.to_string(), parsed);
    }
    match run(&api, &uid, &Value::Object(body)).await {
        Ok(value) => Json(value).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn multi_search<B: SearchBackend + Clone + 'static>(
    State(api): State<Api<B>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let value = match read_body(body)
        .await
        .and_then(|body| json_body(&headers, &body))
    {
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    let Some(queries) = value.get("queries").and_then(Value::as_array) else {
        return error_response(&SearchError::new(
            Code::BadRequest,
            "Missing field `queries`: expected an array of search queries.",
        ));
    };
    if queries.len() > MAX_MULTI_SEARCH_QUERIES {
        return error_response(&SearchError::new(
            Code::BadRequest,
            format!(
                "Invalid value at `.queries`: {} queries given; at most {MAX_MULTI_SEARCH_QUERIES} are accepted in one request.",
                queries.len()
            ),
        ));
    }
    if value.get("federation").is_some_and(|f| !f.is_null()) {
        return error_response(&SearchError::new(
            Code::BadRequest,
            "Federated multi-search is not supported here; send the queries without `federation`.",
        ));
    }
    let mut results = Vec::new();
    for (i, query) in queries.iter().enumerate() {
        let Some(uid) = query.get("indexUid").and_then(Value::as_str) else {
            return error_response(&SearchError::new(
                Code::MissingIndexUid,
                format!("Inside `.queries[{i}]`: Missing field `indexUid`"),
            ));
        };
        let mut body = query.clone();
        if let Some(map) = body.as_object_mut() {
            map.remove("indexUid");
        }
        match run(&api, uid, &body).await {
            Ok(mut result) => {
                if let Some(map) = result.as_object_mut() {
                    map.insert("indexUid".into(), Value::String(uid.to_string()));
                }
                results.push(result);
            }
            Err(mut e) => {
                e.message = format!("Inside `.queries[{i}]`: {}", e.message);
                return error_response(&e);
            }
        }
    }
    Json(json!({ "results": results })).into_response()
}
