//! What the API and the feeds need of the file server besides the file:
//! an ETag and `If-None-Match` (304), `Access-Control-Allow-Origin: *` on
//! GET, revalidation on every use (`no-cache`, cheap with the ETag), and a
//! JSON 404 or 405 below `/api/`. Last-Modified and `If-Modified-Since`
//! come from the file server itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Below these paths the files are open data.
const OPEN_PREFIXES: [&str; 2] = ["/api/", "/feeds/"];

/// The file `path` (a URL path) names below `public_dir`, when it is a
/// plain path: no `..`, no backslash, no NUL.
fn file_for(public_dir: &Path, path: &str) -> Option<PathBuf> {
    let decoded = String::from_utf8(super::percent_decoded(path)).ok()?;
    let relative = decoded.trim_start_matches('/');
    if relative
        .split('/')
        .any(|s| s == ".." || s == "." || s.contains('\\') || s.contains('\0'))
    {
        return None;
    }
    Some(public_dir.join(relative))
}

/// An ETag from the file's length and modification time (to the
/// nanosecond): the publisher leaves unchanged files untouched, so an
/// unchanged file keeps its ETag across rebuilds.
fn etag(file: &Path) -> Option<HeaderValue> {
    let meta = std::fs::metadata(file).ok().filter(|m| m.is_file())?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    HeaderValue::from_str(&format!(
        "\"{:x}-{:x}-{:x}\"",
        meta.len(),
        modified.as_secs(),
        modified.subsec_nanos()
    ))
    .ok()
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(etag) = etag.to_str().ok() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

fn open_headers(response: &mut Response, etag: Option<&HeaderValue>) {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(etag) = etag {
        headers.insert(header::ETAG, etag.clone());
    }
}

fn api_error(status: StatusCode, code: &str, message: String) -> Response {
    let mut response = (
        status,
        Json(serde_json::json!({"message": message, "code": code})),
    )
        .into_response();
    open_headers(&mut response, None);
    response
}

/// The middleware for the open-data paths; everything else passes.
pub async fn open_data(public_dir: Arc<PathBuf>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !OPEN_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return next.run(request).await;
    }
    let is_api = path.starts_with("/api/");
    let method = request.method().clone();
    let reading = method == Method::GET || method == Method::HEAD;
    if is_api && !reading {
        return api_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("`{method}` is not allowed on `{path:.200}`: the API is read-only (GET)."),
        );
    }
    let tag = file_for(&public_dir, &path).as_deref().and_then(etag);
    if let Some(tag) = &tag {
        if reading && matches(request.headers(), tag) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            open_headers(&mut response, Some(tag));
            return response;
        }
    }
    let mut response = next.run(request).await;
    let status = response.status();
    if is_api && status == StatusCode::NOT_FOUND {
        return api_error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Nothing is published at `{path:.200}`; `/api/v1/index.json` lists every list, and `/api/v1/openapi.json` describes them."),
        );
    }
    if status.is_success() && reading {
        open_headers(&mut response, tag.as_ref());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = HeaderValue::from_static("\"a-b-c\"");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"a-b-c\""),
        );
        assert!(matches(&headers, &tag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"y\""));
        assert!(!matches(&headers, &tag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(matches(&headers, &tag));
    }

    #[test]
    fn paths_that_leave_the_folder_name_no_file() {
        let root = Path::new("/srv/public");
        assert_eq!(
            file_for(root, "/api/v1/items/x.json"),
            Some(PathBuf::from("/srv/public/api/v1/items/x.json"))
        );
        assert_eq!(file_for(root, "/api/../../etc/passwd"), None);
        assert_eq!(file_for(root, "/api/%2e%2e/x"), None);
        assert_eq!(file_for(root, "/api/a%00b"), None);
        assert_eq!(file_for(root, "/api/%ff"), None);
    }
}
