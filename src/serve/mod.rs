//! The HTTP server: serves the built `public/` with correct content types,
//! the site's 404 page, caching headers and gzip/brotli, and rebuilds when
//! the content, theme or config changes.
//!
//! The JSON API and the feeds under `/api/` and `/feeds/` are files like
//! the rest, with an ETag, CORS and JSON errors ([`open_data`]).
//!
//! Not for rendering: it calls [`crate::build::build`] and serves the result.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

use crate::build::{self, Report as BuildReport};
use crate::search::{EmbeddedIndex, SearchDocument, SiteIndexError, SyncReport};
use crate::site::BuildOptions;

pub mod beheer;
pub mod body;
pub mod guard;
pub mod oai;
pub mod open_data;
pub mod search;
pub mod search_page;
pub mod submissions;

pub use guard::Hosts;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server stopped: {0}")]
    Server(std::io::Error),
    #[error("the first build failed: {0}")]
    Build(String),
    #[error(transparent)]
    Index(#[from] crate::search::IndexError),
    #[error("the review queue (--editor): {0}")]
    Editor(String),
    #[error("cannot watch {path} for changes: {message}")]
    Watch { path: PathBuf, message: String },
}

/// The router for a built site in `public_dir`, with the search API
/// answered from `index`.
pub fn router(public_dir: &Path, index: Arc<EmbeddedIndex>) -> Router {
    files(public_dir).merge(search::router(index))
}

/// The static files of a built site.
pub fn files(public_dir: &Path) -> Router {
    let not_found = ServeFile::new(public_dir.join("404.html"));
    let files = ServeDir::new(public_dir)
        .append_index_html_on_directories(true)
        .not_found_service(not_found);
    let not_found_page = public_dir.join("404.html");
    let public = Arc::new(public_dir.to_path_buf());
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(move |request, next| {
            path_guard(not_found_page.clone(), request, next)
        }))
        .layer(middleware::from_fn(cache_headers))
        .layer(middleware::from_fn(move |request, next| {
            open_data::open_data(public.clone(), request, next)
        }))
        .layer(CompressionLayer::new().gzip(true).br(true))
}

/// The longest path segment a file system takes (`NAME_MAX`).
const MAX_SEGMENT_BYTES: usize = 255;
/// The longest path asked of the static files.
const MAX_PATH_BYTES: usize = 2048;

/// Paths no file can have are a 404 at once: a segment longer than a file
/// name may be, a NUL byte, or a very long path (the file system would
/// answer with an error, and the file server with a 500).
async fn path_guard(not_found_page: PathBuf, request: Request, next: Next) -> Response {
    let raw = request.uri().path();
    let decoded = percent_decoded(raw);
    let impossible = raw.len() > MAX_PATH_BYTES
        || decoded.contains(&0)
        || decoded
            .split(|b| *b == b'/' || *b == b'\\')
            .any(|segment| segment.len() > MAX_SEGMENT_BYTES);
    if !impossible {
        return next.run(request).await;
    }
    let body = tokio::fs::read(&not_found_page).await.unwrap_or_default();
    (
        axum::http::StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

pub(crate) fn percent_decoded(path: &str) -> Vec<u8> {
    percent_decode(path, false)
}

/// `%XX` decoded; `+` as a space too in form bodies and query strings.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', ..) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// HTML is revalidated on every visit so a rebuild shows at once; other
/// files may be cached a while. Nothing here is fingerprinted, so not long.
async fn cache_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let value = if is_html || path.ends_with('/') {
        "no-cache"
    } else if path.ends_with(".xml") || path.ends_with(".txt") {
        "public, max-age=300"
    } else {
        "public, max-age=3600"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

pub struct ServeOptions {
    pub site_dir: PathBuf,
    pub bind: SocketAddr,
    pub include_drafts: bool,
    pub watch: bool,
    /// The embedded search index to answer from.
    pub index_dir: PathBuf,
    /// Bring the index up to date with the site after every build (off
    /// when serving a prebuilt index, as the benchmark does).
    pub reindex: bool,
    /// Sees every reindex (the CLI prints it).
    pub on_index: IndexObserver,
    /// Host names answered besides loopback ones when drafts are shown.
    pub allowed_hosts: Vec<String>,
    /// The address readers reach this server at (behind a proxy); the
    /// OAI-PMH baseURL is this with `/oai`. Default: the listening address.
    pub public_url: Option<String>,
    /// The editors' review queue at `/beheer/` (`--editor`); off when `None`.
    pub editor: Option<beheer::EditorOptions>,
    /// For tests only: submitted sources on 127.0.0.1 or [::1] at these
    /// ports are fetched (names that resolve to loopback never are).
    pub submission_loopback_ports: Vec<u16>,
}

/// Sees the outcome of every reindex.
pub type IndexObserver = Arc<dyn Fn(&Result<SyncReport, SiteIndexError>) + Send + Sync>;

/// Sees every build's report (the CLI prints it).
pub type BuildObserver = Arc<dyn Fn(&Result<BuildReport, build::Error>) + Send + Sync>;

/// Builds the site for the address it listens on, serves it, and rebuilds
/// on changes. `on_listen` learns the address once the site is ready (the
/// port may have been 0).
pub async fn serve(
    options: ServeOptions,
    on_build: BuildObserver,
    on_listen: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(options.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: options.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: options.bind,
        source,
    })?;
    let build_options = BuildOptions {
        output_dir: None,
        base_url: Some(format!("http://{addr}")),
        include_drafts: options.include_drafts,
        // Each rebuild renders only what the change touched.
        memo: Some(Default::default()),
        whole_contexts: false,
    };
    let public_url = options
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let oai_source = Arc::new(oai::Source {
        url: format!("{}/oai", public_url.trim_end_matches('/')),
        key: oai::token_key(&options.index_dir),
    });
    let (first, loaded) = build_site(&options.site_dir, &build_options, &oai_source);
    let Loaded {
        documents,
        repository: first_repository,
    } = loaded;
    on_build(&first);
    let report = first.map_err(|e| ServeError::Build(e.to_string()))?;
    let index = Arc::new(EmbeddedIndex::open(
        &options.index_dir,
        crate::search::Synonyms::default(),
    )?);
    let reindex: Reindex = if options.reindex {
        let (index, site_dir, on_index) = (
            index.clone(),
            options.site_dir.clone(),
            options.on_index.clone(),
        );
        Arc::new(move |documents| {
            on_index(&documents.and_then(|docs| {
                crate::search::index_documents(&site_dir, &index, &docs, &|_, _| {})
            }))
        })
    } else {
        Arc::new(|_| {})
    };
    reindex(documents);

    let repository: oai::Shared = Arc::new(std::sync::RwLock::new(Arc::new(
        first_repository.unwrap_or_else(|| {
            crate::publish::oai::Repository::empty(&oai_source.url, oai_source.key.clone())
        }),
    )));

    let _watcher = if options.watch {
        let on_build = on_build.clone();
        let repository = repository.clone();
        let reindex = in_background(reindex);
        let after_build: AfterBuild = Arc::new(move |result, loaded| {
            on_build(&result);
            if result.is_ok() {
                reindex(loaded.documents);
                if let (Some(fresh), Ok(mut current)) = (loaded.repository, repository.write()) {
                    *current = Arc::new(fresh);
                }
            }
        });
        Some(watch(
            &options.site_dir,
            build_options,
            oai_source.clone(),
            after_build,
        )?)
    } else {
        None
    };
    tracing::info!(
        "serving {} on http://{addr}",
        report.site.output_dir.display()
    );
    on_listen(addr);
    let hosts = Arc::new(if options.include_drafts {
        Hosts::Only(options.allowed_hosts.clone())
    } else {
        Hosts::Any
    });
    let search_url = std::env::var("VINDPLAATS_SEARCH_URL").ok();
    let policy = HeaderValue::from_str(&guard::content_security_policy(search_url.as_deref()))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let policy = Arc::new(policy);
    let submitter = crate::submission::Submitter::new(
        &options.site_dir,
        crate::submission::submission_policy(options.submission_loopback_ports.clone()),
    )
    .map_err(|e| ServeError::Build(format!("the submissions' fetcher: {e}")))?;
    let submissions = Arc::new(submissions::Submissions::new(submitter));
    // /zoeken/?q=… without JavaScript, from the same index.
    let types = crate::content::SiteConfig::load(&options.site_dir.join("config.toml"))
        .ok()
        .and_then(|c| crate::model::TaxonomyRules::from_extra(&c.extra).ok())
        .map(|r| r.types)
        .unwrap_or_default();
    let search_page = search_page::router(&report.site.output_dir, index.clone(), types);
    let mut app = search_page
        .merge(router(&report.site.output_dir, index))
        .merge(oai::router(repository))
        .merge(submissions::router(submissions));
    if let Some(editor) = &options.editor {
        let beheer = beheer::Beheer::new(&options.site_dir, editor)
            .map_err(|e| ServeError::Editor(e.to_string()))?;
        app = beheer::router(Arc::new(beheer)).merge(app);
        tracing::info!("the review queue is at http://{addr}/beheer/");
    }
    let app = guard::with_security_headers(app, policy);
    // The host check matters only for a drafts preview.
    let app = match *hosts {
        Hosts::Any => app,
        Hosts::Only(_) => app.layer(middleware::from_fn(move |request, next| {
            guard::check_host(hosts.clone(), request, next)
        })),
    };
    guard::serve_connections(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(ServeError::Server)
}

/// The published items a build loaded, for the search index.
type Documents = Result<Vec<SearchDocument>, SiteIndexError>;

/// Brings the search index up to date with a build's published items.
type Reindex = Arc<dyn Fn(Documents) + Send + Sync>;

/// Indexes on a thread of its own, so that the next rebuild does not wait
/// for the search index (a sync of 10,000 documents takes longer than a
/// rebuild after one edit). Document sets handed over while it works
/// replace each other: each sync brings the index to the whole set it is
/// given, so only the newest needs indexing.
fn in_background(reindex: Reindex) -> Reindex {
    let (tx, rx) = std::sync::mpsc::channel::<Documents>();
    std::thread::spawn(move || {
        while let Ok(mut documents) = rx.recv() {
            while let Ok(newer) = rx.try_recv() {
                documents = newer;
            }
            reindex(documents);
        }
    });
    Arc::new(move |documents| {
        let _ = tx.send(documents);
    })
}

/// What a build loaded, for the outputs `serve` answers from itself: the
/// search index's documents and the OAI-PMH repository.
struct Loaded {
    documents: Documents,
    repository: Option<crate::publish::oai::Repository>,
}

/// Sees every rebuild and what it loaded.
type AfterBuild = Arc<dyn Fn(Result<BuildReport, build::Error>, Loaded) + Send + Sync>;

/// Builds the site and keeps what the index and the OAI-PMH provider need
/// of the collection it loaded, so nothing loads the content a second time.
fn build_site(
    site_dir: &Path,
    options: &BuildOptions,
    oai_source: &oai::Source,
) -> (Result<BuildReport, build::Error>, Loaded) {
    let mut documents = None;
    let mut repository = None;
    let result = build::build_seeing(site_dir, options, |collection| {
        documents = Some(crate::search::library_documents(collection));
        repository = Some(crate::publish::oai::Repository::from_collection(
            collection,
            &oai_source.url,
            oai_source.key.clone(),
        ));
    });
    let documents = documents.unwrap_or_else(|| {
        Err(SiteIndexError::Site(
            "the site was not loaded, so nothing was indexed".into(),
        ))
    });
    (
        result,
        Loaded {
            documents,
            repository,
        },
    )
}

/// Watches content, theme, templates, static files and the config; after a
/// quiet moment, rebuilds.
fn watch(
    site_dir: &Path,
    options: BuildOptions,
    oai_source: Arc<oai::Source>,
    on_build: AfterBuild,
) -> Result<notify::RecommendedWatcher, ServeError> {
    use notify::{RecursiveMode, Watcher};
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let relevant = event.paths.iter().any(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                !name.starts_with('.') && !name.ends_with('~') && !name.ends_with(".tmp")
            });
            if relevant && !matches!(event.kind, notify::EventKind::Access(_)) {
                let _ = tx.send(());
            }
        }
    })
    .map_err(|e| ServeError::Watch {
        path: site_dir.to_path_buf(),
        message: e.to_string(),
    })?;
    for name in [
        "content",
        "themes",
        "templates",
        "static",
        "config.toml",
        "search/synonyms.toml",
    ] {
        let path = site_dir.join(name);
        if path.exists() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| ServeError::Watch {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
        }
    }
    let site_dir = site_dir.to_path_buf();
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            // Let a burst of saves (an editor's atomic write is two or
            // three events within a millisecond) settle into one rebuild.
            while rx.recv_timeout(Duration::from_millis(15)).is_ok() {}
            let (result, loaded) = build_site(&site_dir, &options, &oai_source);
            on_build(result, loaded);
        }
    });
    Ok(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_background_indexer_does_not_block_and_indexes_the_newest_set() {
        let seen: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let record = seen.clone();
        let reindex: Reindex = Arc::new(move |documents: Documents| {
            let name = documents.err().map(|e| e.to_string()).unwrap_or_default();
            let first = record.lock().unwrap().is_empty();
            if first {
                std::thread::sleep(Duration::from_millis(500));
            }
            record.lock().unwrap().push(name);
        });
        let later = in_background(reindex);
        let set = |n: &str| Err(SiteIndexError::Site(n.to_string()));
        later(set("1"));
        std::thread::sleep(Duration::from_millis(50));
        for n in ["2", "3", "4"] {
            later(set(n));
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let newest = "loading the site: 4";
        while seen.lock().unwrap().last().map(String::as_str) != Some(newest) {
            assert!(std::time::Instant::now() < deadline, "{:?}", seen.lock());
            std::thread::sleep(Duration::from_millis(10));
        }
        let seen = seen.lock().unwrap();
        assert!(seen.len() < 4, "every set was indexed: {seen:?}");
    }
}
