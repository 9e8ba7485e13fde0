//! What a submitted source looks like to the harvester, at once: its kind,
//! the address actually read (after discovery), how many items it has, the
//! five newest, and every problem, in Dutch. It reads the source with the
//! harvester's own fetcher and parsers, so what the preview accepts the
//! harvest can read.
//!
//! The steps: an address with `verb=` is OAI-PMH; otherwise it is fetched,
//! and the body is an OAI-PMH response, a feed, or an HTML page whose
//! `<link rel="alternate">` names the feed ([`super::discover`]). A body
//! that is none of these is asked `?verb=Identify`, in case it was the
//! base URL of a repository.

use std::time::Duration;

use serde::Serialize;
use url::Url;

use super::discover;
use crate::harvest::fetch::{Body, FetchError, Fetched, Fetcher, Validators};
use crate::harvest::normalise::{self, cut};
use crate::harvest::oai::{ListRequest, OaiError, Repository};
use crate::harvest::{parse_feed, Entry, HarvestedItem};

/// Titles shown of the newest items.
pub const NEWEST: usize = 5;
/// Feeds tried of those an HTML page links.
const LINKS_TRIED: usize = 3;
/// URLs in messages are cut to this many bytes.
const URL_SHOWN: usize = 200;
/// What items of a preview are normalised as (nothing is stored).
const SOURCE: &str = "aanmelding/preview";

/// Feed or OAI-PMH, as the registry writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Feed,
    Oai,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Oai => "oai",
        }
    }
}

/// One of the newest items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Newest {
    /// Plain text.
    pub title: String,
    /// As far as known: `2024`, `2024-05` or `2024-05-03`.
    pub date: Option<String>,
}

/// A source that the harvester can read.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub kind: SourceKind,
    /// `RSS 2.0`, `Atom`, `JSON Feed`, `OAI-PMH`, ...
    pub format: String,
    /// The address the harvester will read: the feed found, or the OAI-PMH
    /// base URL.
    pub feed_url: String,
    /// Items in the source (OAI-PMH: `completeListSize` when given, else
    /// those of the first page).
    pub items: usize,
    /// Items with a date, of those read.
    pub dated: usize,
    pub newest: Vec<Newest>,
    /// What the harvest can live with but the partner should know.
    pub warnings: Vec<Problem>,
}

/// What is wrong with a source. The first kinds stop a submission; the
/// last ones ([`Problem::is_warning`]) are reported with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    InvalidUrl {
        url: String,
    },
    Refused {
        url: String,
    },
    Unreachable {
        url: String,
    },
    Status {
        url: String,
        status: u16,
    },
    TooLarge {
        url: String,
        limit: u64,
    },
    TooSlow {
        url: String,
        seconds: u64,
    },
    TooManyRedirects {
        url: String,
    },
    NotAFeed {
        url: String,
    },
    NoFeedLinked {
        url: String,
    },
    OaiError {
        url: String,
        code: String,
    },
    NoItems,
    NoDates,
    SomeUndated {
        undated: usize,
        read: usize,
    },
    Encoding {
        detail: &'static str,
        charset: Option<String>,
    },
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::InvalidUrl { .. } => "invalid_url",
            Problem::Refused { .. } => "refused_address",
            Problem::Unreachable { .. } => "unreachable",
            Problem::Status { .. } => "http_status",
            Problem::TooLarge { .. } => "too_large",
            Problem::TooSlow { .. } => "too_slow",
            Problem::TooManyRedirects { .. } => "too_many_redirects",
            Problem::NotAFeed { .. } => "not_a_feed",
            Problem::NoFeedLinked { .. } => "no_feed_linked",
            Problem::OaiError { .. } => "oai_error",
            Problem::NoItems => "no_items",
            Problem::NoDates => "no_dates",
            Problem::SomeUndated { .. } => "some_undated",
            Problem::Encoding { .. } => "encoding",
        }
    }

    /// Reported with an accepted source rather than stopping it.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Problem::NoItems
                | Problem::NoDates
                | Problem::SomeUndated { .. }
                | Problem::Encoding { .. }
        )
    }

    /// The problem in plain Dutch, for the partner.
    pub fn message(&self) -> String {
        match self {
            Problem::InvalidUrl { url } => {
                format!("{} is geen bruikbaar webadres.", shown(url))
            }
            Problem::Refused { url } => format!(
                "{} verwijst naar een adres dat niet openbaar is op internet (bijvoorbeeld een intern, lokaal of gereserveerd netwerk). Zulke adressen halen we niet op.",
                shown(url)
            ),
            Problem::Unreachable { url } => format!(
                "{} is niet bereikbaar: de server antwoordt niet, of de naam bestaat niet.",
                shown(url)
            ),
            Problem::Status { url, status } => {
                format!("{} antwoordt met HTTP-status {status} in plaats van een feed.", shown(url))
            }
            Problem::TooLarge { url, limit } => format!(
                "{} is groter dan {} MiB; zo groot lezen we een bron niet.",
                shown(url),
                limit / (1024 * 1024)
            ),
            Problem::TooSlow { url, seconds } => format!(
                "{} antwoordde niet binnen {seconds} {}; probeer het later nog eens.",
                shown(url),
                if *seconds == 1 { "seconde" } else { "seconden" }
            ),
            Problem::TooManyRedirects { url } => {
                format!("{} stuurt ons te vaak door naar een ander adres.", shown(url))
            }
            Problem::NotAFeed { url } => format!(
                "Op {} staat geen feed (RSS, Atom of JSON Feed) en geen OAI-PMH-endpoint.",
                shown(url)
            ),
            Problem::NoFeedLinked { url } => format!(
                "De pagina {} noemt geen feed: er staat geen link rel=\"alternate\" met het type van een RSS-, Atom- of JSON-feed in. Geef het adres van de feed zelf op.",
                shown(url)
            ),
            Problem::OaiError { url, code } => format!(
                "Het OAI-PMH-endpoint {} antwoordt met de foutcode {}.",
                shown(url),
                cut(code, 100)
            ),
            Problem::NoItems => "De bron bevat (nog) geen publicaties.".into(),
            Problem::NoDates => "Geen enkele publicatie in de bron heeft een datum. Zonder datum kunnen we publicaties niet op volgorde zetten; voeg een publicatiedatum toe (pubDate, published of dc:date).".into(),
            Problem::SomeUndated { undated, read } => format!(
                "{undated} van de {read} publicaties hebben geen (leesbare) datum."
            ),
            Problem::Encoding { detail, charset } => match charset {
                Some(charset) => format!("De tekenset klopt niet: {detail} ('{}'). Tekens met accenten kunnen verkeerd overkomen; gebruik bij voorkeur UTF-8.", cut(charset, 100)),
                None => format!("De tekenset klopt niet: {detail}. Tekens met accenten kunnen verkeerd overkomen; gebruik bij voorkeur UTF-8."),
            },
        }
    }
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Problem", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

fn shown(url: &str) -> String {
    if url.len() > URL_SHOWN {
        format!("{}…", cut(url, URL_SHOWN))
    } else {
        url.to_string()
    }
}

/// The preview of the source at `url`, all of it within `deadline`.
pub async fn preview(fetcher: &Fetcher, url: &str, deadline: Duration) -> Result<Preview, Problem> {
    match tokio::time::timeout(deadline, look(fetcher, url)).await {
        Ok(result) => result,
        Err(_) => Err(Problem::TooSlow {
            url: url.to_string(),
            seconds: deadline.as_secs().max(1),
        }),
    }
}

async fn look(fetcher: &Fetcher, given: &str) -> Result<Preview, Problem> {
    let url = Url::parse(given).map_err(|_| Problem::InvalidUrl {
        url: given.to_string(),
    })?;
    if url.query_pairs().any(|(k, _)| k == "verb") {
        return oai(fetcher, &base_of(&url)).await;
    }
    let body = match get(fetcher, url.as_str()).await {
        Ok(body) => body,
        // A repository may answer a bare base URL with an error status.
        Err(first @ Problem::Status { .. }) => {
            return oai(fetcher, &base_of(&url)).await.map_err(|_| first)
        }
        Err(e) => return Err(e),
    };
    if looks_like_oai(&body.bytes) {
        return oai(fetcher, &base_of(&body.url)).await;
    }
    if discover::is_html(body.content_type.as_deref(), &body.bytes) {
        let html = normalise::decode(&body.bytes, body.content_type.as_deref());
        let links = discover::feed_links(&html, &body.url);
        let mut last = None;
        for link in links.iter().take(LINKS_TRIED) {
            match get(fetcher, link.as_str()).await {
                Ok(feed) => match feed_preview(&feed) {
                    Ok(preview) => return Ok(preview),
                    Err(e) => last = Some(e),
                },
                Err(e) => last = Some(e),
            }
        }
        if let Some(problem) = last {
            return Err(problem);
        }
        return oai(fetcher, &base_of(&body.url))
            .await
            .map_err(|_| Problem::NoFeedLinked {
                url: body.url.to_string(),
            });
    }
    match feed_preview(&body) {
        Ok(preview) => Ok(preview),
        Err(not_a_feed) => oai(fetcher, &base_of(&body.url))
            .await
            .map_err(|_| not_a_feed),
    }
}

/// The URL without query and fragment: an OAI-PMH base URL.
fn base_of(url: &Url) -> String {
    let mut base = url.clone();
    base.set_query(None);
    base.set_fragment(None);
    base.to_string()
}

fn looks_like_oai(bytes: &[u8]) -> bool {
    let head = bytes.get(..bytes.len().min(2048)).unwrap_or(bytes);
    String::from_utf8_lossy(head).contains("<OAI-PMH")
}

async fn get(fetcher: &Fetcher, url: &str) -> Result<Body, Problem> {
    match fetcher.get(url, &Validators::default()).await {
        Ok(Fetched::Body(body)) => Ok(body),
        Ok(Fetched::NotModified) => Err(Problem::NotAFeed {
            url: url.to_string(),
        }),
        Err(e) => Err(from_fetch(e, fetcher)),
    }
}

fn from_fetch(error: FetchError, fetcher: &Fetcher) -> Problem {
    match error {
        FetchError::InvalidUrl { url, .. } => Problem::InvalidUrl { url },
        FetchError::Refused { url, .. } => Problem::Refused { url },
        FetchError::Timeout { url } => Problem::TooSlow {
            url,
            seconds: fetcher.policy().total_timeout.as_secs().max(1),
        },
        FetchError::TooLarge { url, limit } => Problem::TooLarge { url, limit },
        FetchError::TooManyRedirects { url, .. } => Problem::TooManyRedirects { url },
        FetchError::Status { url, status } => Problem::Status { url, status },
        FetchError::RetryTooLate { url, .. } => Problem::Status { url, status: 503 },
        FetchError::Network { url, .. } => Problem::Unreachable { url },
    }
}

/// The preview of a fetched body that should be a feed.
fn feed_preview(body: &Body) -> Result<Preview, Problem> {
    let url = body.url.to_string();
    let not_a_feed = || Problem::NotAFeed { url: url.clone() };
    let content_type = body.content_type.as_deref();
    let parsed = parse_feed(&body.bytes, content_type, &url).map_err(|_| not_a_feed())?;
    // feed-rs reads any JSON object as a feed; a JSON Feed says what it is.
    if parsed.format == "JSON Feed"
        && !String::from_utf8_lossy(&body.bytes).contains("jsonfeed.org/version/")
    {
        return Err(not_a_feed());
    }
    let format = parsed.format.to_string();
    let dropped = parsed.dropped;
    let items = parsed.items(SOURCE);
    let mut warnings: Vec<Problem> = encoding_problem(&body.bytes, content_type)
        .into_iter()
        .collect();
    warnings.extend(date_problems(&items));
    Ok(Preview {
        kind: SourceKind::Feed,
        format,
        feed_url: url,
        items: items.len() + dropped,
        dated: items.iter().filter(|i| i.date.is_some()).count(),
        newest: newest(items),
        warnings,
    })
}

/// The preview of an OAI-PMH repository: it must answer Identify, and
/// the first page of ListRecords (`oai_dc`) is read.
async fn oai(fetcher: &Fetcher, base_url: &str) -> Result<Preview, Problem> {
    let repository = Repository {
        fetcher,
        base_url: base_url.to_string(),
    };
    let problem = |e: OaiError| match e {
        OaiError::Fetch(e) => from_fetch(e, fetcher),
        OaiError::Protocol { code, .. } => Problem::OaiError {
            url: base_url.to_string(),
            code,
        },
        OaiError::Malformed { .. } | OaiError::Paging { .. } => Problem::NotAFeed {
            url: base_url.to_string(),
        },
    };
    let identity = repository.identify().await.map_err(problem)?;
    if identity.repository_name.trim().is_empty() && identity.base_url.trim().is_empty() {
        return Err(Problem::NotAFeed {
            url: base_url.to_string(),
        });
    }
    let page = repository
        .list_records(&ListRequest {
            metadata_prefix: "oai_dc".into(),
            ..ListRequest::default()
        })
        .await
        .map_err(problem)?;
    let entries: Vec<Entry> = page
        .records
        .iter()
        .filter(|r| !r.deleted)
        .map(|r| r.to_entry())
        .collect();
    let read = entries.len();
    let items: Vec<HarvestedItem> = entries
        .into_iter()
        .filter_map(|e| normalise::entry(e, SOURCE).ok())
        .collect();
    let total = page
        .complete_list_size
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(read)
        .max(read);
    Ok(Preview {
        kind: SourceKind::Oai,
        format: "OAI-PMH".into(),
        feed_url: base_url.to_string(),
        items: total,
        dated: items.iter().filter(|i| i.date.is_some()).count(),
        warnings: date_problems(&items).into_iter().collect(),
        newest: newest(items),
    })
}

fn date_problems(items: &[HarvestedItem]) -> Option<Problem> {
    let dated = items.iter().filter(|i| i.date.is_some()).count();
    if items.is_empty() {
        Some(Problem::NoItems)
    } else if dated == 0 {
        Some(Problem::NoDates)
    } else if dated < items.len() {
        Some(Problem::SomeUndated {
            undated: items.len() - dated,
            read: items.len(),
        })
    } else {
        None
    }
}

/// The newest items first; those without a date after all dated ones.
fn newest(mut items: Vec<HarvestedItem>) -> Vec<Newest> {
    items.sort_by(|a, b| b.date.map(|d| d.date).cmp(&a.date.map(|d| d.date)));
    items
        .into_iter()
        .take(NEWEST)
        .map(|i| Newest {
            title: i.title,
            date: i.date.map(|d| d.as_known()),
        })
        .collect()
}

/// Bytes that are not the UTF-8 they claim, or not UTF-8 without saying
/// what else they are, or a charset no one knows.
pub fn encoding_problem(bytes: &[u8], content_type: Option<&str>) -> Option<Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let declared = normalise::declared_charset(bytes, content_type);
    let known = declared
        .as_deref()
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    if let (Some(label), None) = (&declared, known) {
        return Some(Problem::Encoding {
            detail: "de bron noemt een tekenset die niet bestaat",
            charset: Some(label.clone()),
        });
    }
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    match known {
        Some(encoding) if encoding == encoding_rs::UTF_8 => Some(Problem::Encoding {
            detail: "de bron zegt UTF-8 te zijn, maar bevat tekens die geen geldige UTF-8 zijn",
            charset: declared,
        }),
        Some(_) => None,
        None => Some(Problem::Encoding {
            detail: "de bron is geen geldige UTF-8 en noemt geen andere tekenset",
            charset: None,
        }),
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    #[test]
    fn encoding_problems_are_found() {
        assert_eq!(encoding_problem("café".as_bytes(), None), None);
        assert_eq!(
            encoding_problem(
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>caf\xe9",
                None
            ),
            None
        );
        let undeclared = encoding_problem(b"<rss>caf\xe9</rss>", None).unwrap();
        assert!(undeclared.message().contains("noemt geen andere tekenset"));
        let lying =
            encoding_problem(b"<rss>caf\xe9</rss>", Some("text/xml; charset=utf-8")).unwrap();
        assert!(
            lying.message().contains("zegt UTF-8 te zijn"),
            "{}",
            lying.message()
        );
        let unknown = encoding_problem(b"<rss/>", Some("text/xml; charset=klingon")).unwrap();
        assert!(unknown.message().contains("'klingon'"));
        assert!(unknown.is_warning());
    }

    #[test]
    fn every_problem_speaks_dutch_and_names_its_url() {
        let url = "https://partner.example/feed".to_string();
        for problem in [
            Problem::Refused { url: url.clone() },
            Problem::Unreachable { url: url.clone() },
            Problem::TooSlow {
                url: url.clone(),
                seconds: 10,
            },
            Problem::TooLarge {
                url: url.clone(),
                limit: 5 * 1024 * 1024,
            },
            Problem::NotAFeed { url: url.clone() },
            Problem::Status {
                url: url.clone(),
                status: 404,
            },
        ] {
            assert!(!problem.is_warning());
            assert!(problem.message().contains(&url), "{}", problem.message());
        }
        let long = format!("https://a.example/{}", "x".repeat(5_000));
        assert!(Problem::NotAFeed { url: long }.message().len() < 400);
    }

    #[test]
    fn undated_items_sort_last() {
        let item = |title: &str, date: Option<&str>| HarvestedItem {
            title: title.into(),
            date: date.and_then(crate::harvest::date::parse),
            ..HarvestedItem::default()
        };
        let items = vec![
            item("oud", Some("2020-01-01")),
            item("zonder", None),
            item("nieuw", Some("2024-05")),
        ];
        let titles: Vec<String> = newest(items).into_iter().map(|n| n.title).collect();
        assert_eq!(titles, ["nieuw", "oud", "zonder"]);
    }
}
