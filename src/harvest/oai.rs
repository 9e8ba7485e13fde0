//! An OAI-PMH 2.0 client: Identify, ListSets and ListRecords (with
//! resumption tokens, `from`/`until`, `set`), deleted records, every
//! protocol error code (`noRecordsMatch` is an empty answer, not an error).
//! `503` with `Retry-After` is the fetcher's flow control.
//!
//! Responses are parsed one page at a time, so a harvest of any size keeps
//! one page in memory; a page that does not parse is reported and the pages
//! before it stay valid.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::fetch::{FetchError, Fetched, Fetcher, Validators};
use super::item::Entry;
use super::normalise::limits;

/// Elements nested deeper than this are not OAI-PMH.
const MAX_DEPTH: usize = 64;
/// Dublin Core elements kept of one record.
const MAX_ELEMENTS: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum OaiError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// An OAI-PMH `<error code="...">`.
    #[error("{url}: OAI-PMH error {code}: {message}")]
    Protocol {
        url: String,
        code: String,
        message: String,
    },
    #[error("{url}: the response is not valid OAI-PMH XML: {error}")]
    Malformed { url: String, error: MalformedXml },
    /// A resumption token repeated, or more pages than allowed.
    #[error("{url}: the list did not end after {pages} pages (a repeated resumption token, or too many pages)")]
    Paging { url: String, pages: usize },
}

/// What `Identify` tells us.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    pub repository_name: String,
    pub base_url: String,
    /// `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`.
    pub granularity: String,
    pub earliest_datestamp: Option<String>,
    pub deleted_record: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    pub spec: String,
    pub name: String,
}

/// One record of a `ListRecords` page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub identifier: String,
    pub datestamp: String,
    pub deleted: bool,
    pub sets: Vec<String>,
    /// Dublin Core elements in order: (element, value).
    pub dc: Vec<(String, String)>,
}

/// One page: its records and the token for the next, if any.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub records: Vec<Record>,
    pub resumption_token: Option<String>,
    pub complete_list_size: Option<u64>,
}

/// The parts of an OAI-PMH response we read, whatever the verb.
#[derive(Debug, Default)]
struct Response {
    error: Option<(String, String)>,
    identity: Identity,
    sets: Vec<Set>,
    page: Page,
}

/// A repository at a base URL.
pub struct Repository<'a> {
    pub fetcher: &'a Fetcher,
    pub base_url: String,
}

/// What to ask `ListRecords` for.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub metadata_prefix: String,
    pub set: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
}

impl Repository<'_> {
    fn url(&self, params: &[(&str, &str)]) -> String {
        let mut url = match url::Url::parse(&self.base_url) {
            Ok(u) => u,
            Err(_) => return self.base_url.clone(),
        };
        url.query_pairs_mut().extend_pairs(params.iter().copied());
        url.to_string()
    }

    async fn call(&self, params: &[(&str, &str)]) -> Result<Response, OaiError> {
        let url = self.url(params);
        let body = match self.fetcher.get(&url, &Validators::default()).await? {
            Fetched::Body(body) => body.bytes,
            Fetched::NotModified => Vec::new(),
        };
        let response = parse_response(&body).map_err(|error| OaiError::Malformed {
            url: url.clone(),
            error,
        })?;
        match &response.error {
            Some((code, _)) if code == "noRecordsMatch" => Ok(Response::default()),
            Some((code, message)) => Err(OaiError::Protocol {
                url,
                code: code.clone(),
                message: message.clone(),
            }),
            None => Ok(response),
        }
    }

    pub async fn identify(&self) -> Result<Identity, OaiError> {
        Ok(self.call(&[("verb", "Identify")]).await?.identity)
    }

    /// Every set, following resumption tokens, at most `max_pages` of
    /// them; a token given twice ends the list with an error.
    pub async fn list_sets(&self, max_pages: usize) -> Result<Vec<Set>, OaiError> {
        let mut sets = Vec::new();
        let mut tokens = std::collections::HashSet::new();
        let mut response = self.call(&[("verb", "ListSets")]).await?;
        loop {
            sets.append(&mut response.sets);
            let Some(token) = response.page.resumption_token.take() else {
                return Ok(sets);
            };
            if tokens.len() + 1 >= max_pages || !tokens.insert(token.clone()) {
                return Err(OaiError::Paging {
                    url: self.base_url.clone(),
                    pages: tokens.len() + 1,
                });
            }
            response = self
                .call(&[("verb", "ListSets"), ("resumptionToken", &token)])
                .await?;
        }
    }

    /// The first page of `ListRecords`.
    pub async fn list_records(&self, request: &ListRequest) -> Result<Page, OaiError> {
        let mut params = vec![
            ("verb", "ListRecords"),
            ("metadataPrefix", request.metadata_prefix.as_str()),
        ];
        if let Some(set) = &request.set {
            params.push(("set", set));
        }
        if let Some(from) = &request.from {
            params.push(("from", from));
        }
        if let Some(until) = &request.until {
            params.push(("until", until));
        }
        Ok(self.call(&params).await?.page)
    }

    /// The page after `token`.
    pub async fn resume(&self, token: &str) -> Result<Page, OaiError> {
        Ok(self
            .call(&[("verb", "ListRecords"), ("resumptionToken", token)])
            .await?
            .page)
    }
}

/// A datestamp in the repository's granularity (for `from`).
pub fn in_granularity(datestamp: &str, granularity: &str) -> String {
    if granularity.len() <= "YYYY-MM-DD".len() {
        datestamp.chars().take(10).collect()
    } else {
        datestamp.to_string()
    }
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    name.rsplit(':').next().unwrap_or_default().to_string()
}

/// One `ListRecords` response body as a page (for tests and fuzzing; the
/// client reads every verb through the same parser).
pub fn parse_page(bytes: &[u8]) -> Result<Page, MalformedXml> {
    parse_response(bytes).map(|r| r.page)
}

/// Why a response body is not OAI-PMH we read.
#[derive(Debug, thiserror::Error)]
pub enum MalformedXml {
    #[error("at byte {position}: {source}")]
    Xml {
        position: u64,
        source: quick_xml::Error,
    },
    /// Text with a malformed escape (`&...;`).
    #[error("{0}")]
    Text(quick_xml::Error),
    #[error("elements nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("more than {} records on one page", limits::ITEMS)]
    TooManyRecords,
    #[error("no OAI-PMH root element")]
    NoRoot,
    /// The elements still open at the end, outermost first.
    #[error("the document ends inside <{}>", open.join("><"))]
    Unclosed { open: Vec<String> },
}

fn parse_response(bytes: &[u8]) -> Result<Response, MalformedXml> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut response = Response::default();
    let mut path: Vec<String> = Vec::new();
    let mut record = Record::default();
    let mut set = Set {
        spec: String::new(),
        name: String::new(),
    };
    let mut text = String::new();
    let mut saw_root = false;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|source| MalformedXml::Xml {
                position: reader.buffer_position(),
                source,
            })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                let name = local(e.name().as_ref());
                let attrs: Vec<(String, String)> = e
                    .attributes()
                    .filter_map(Result::ok)
                    .map(|a| {
                        (
                            local(a.key.as_ref()),
                            a.unescape_value()
                                .map(|v| v.into_owned())
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                let attr = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                if name == "OAI-PMH" {
                    saw_root = true;
                }
                match name.as_str() {
                    "record" => record = Record::default(),
                    "header" if attr("status").as_deref() == Some("deleted") => {
                        record.deleted = true
                    }
                    "error" => {
                        response.error = Some((attr("code").unwrap_or_default(), String::new()))
                    }
                    "resumptionToken" => {
                        response.page.complete_list_size =
                            attr("completeListSize").and_then(|v| v.parse().ok());
                    }
                    "set" => {
                        set = Set {
                            spec: String::new(),
                            name: String::new(),
                        }
                    }
                    _ => {}
                }
                text.clear();
                // An empty element has no end event: nothing to push.
                if !is_empty {
                    if path.len() >= MAX_DEPTH {
                        return Err(MalformedXml::TooDeep);
                    }
                    path.push(name);
                }
            }
            Event::Text(t) => text.push_str(&t.unescape().map_err(MalformedXml::Text)?),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or_default();
                let value = text.trim().to_string();
                match (parent, name.as_str()) {
                    ("header", "identifier") => record.identifier = value,
                    ("header", "datestamp") => record.datestamp = value,
                    ("header", "setSpec") => record.sets.push(value),
                    ("dc", element) if record.dc.len() < MAX_ELEMENTS => {
                        record.dc.push((element.to_string(), value))
                    }
                    (_, "record") => {
                        if response.page.records.len() >= limits::ITEMS {
                            return Err(MalformedXml::TooManyRecords);
                        }
                        response.page.records.push(std::mem::take(&mut record))
                    }
                    (_, "resumptionToken") if !value.is_empty() => {
                        response.page.resumption_token = Some(value)
                    }
                    (_, "error") => {
                        if let Some(error) = &mut response.error {
                            error.1 = value;
                        }
                    }
                    ("Identify", "repositoryName") => response.identity.repository_name = value,
                    ("Identify", "baseURL") => response.identity.base_url = value,
                    ("Identify", "granularity") => response.identity.granularity = value,
                    ("Identify", "earliestDatestamp") => {
                        response.identity.earliest_datestamp = Some(value)
                    }
                    ("Identify", "deletedRecord") => response.identity.deleted_record = Some(value),
                    ("set", "setSpec") => set.spec = value,
                    ("set", "setName") => set.name = value,
                    (_, "set") => response.sets.push(std::mem::replace(
                        &mut set,
                        Set {
                            spec: String::new(),
                            name: String::new(),
                        },
                    )),
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(MalformedXml::NoRoot);
    }
    if !path.is_empty() {
        return Err(MalformedXml::Unclosed { open: path });
    }
    Ok(response)
}

impl Record {
    fn all<'a>(&'a self, element: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.dc
            .iter()
            .filter(move |(e, _)| e == element)
            .map(|(_, v)| v.as_str())
    }

    /// The record's Dublin Core as an entry.
    pub fn to_entry(&self) -> Entry {
        let identifiers: Vec<String> = self.all("identifier").map(String::from).collect();
        let is_pdf = |i: &str| i.to_ascii_lowercase().ends_with(".pdf");
        let links = identifiers
            .iter()
            .filter(|i| (i.starts_with("http://") || i.starts_with("https://")) && !is_pdf(i))
            .cloned()
            .collect();
        let pdfs = identifiers
            .iter()
            .map(String::as_str)
            .chain(self.all("relation"))
            .filter(|i| is_pdf(i))
            .map(String::from)
            .collect();
        Entry {
            id: self.identifier.clone(),
            title: self.all("title").next().map(String::from),
            summary: self.all("description").next().map(String::from),
            content: None,
            authors: self.all("creator").map(String::from).collect(),
            dates: self.all("date").map(String::from).collect(),
            links,
            pdfs,
            base: None,
            language: self.all("language").next().map(String::from),
            licence: self.all("rights").next().map(String::from),
            identifiers,
            image: None,
            enclosure: None,
            subjects: self.all("subject").map(String::from).collect(),
            deleted: self.deleted,
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_deleted_records_and_tokens() {
        let xml = br#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>
            <record><header status="deleted"><identifier>oai:x:1</identifier><datestamp>2020-01-01</datestamp></header></record>
            <record><header><identifier>oai:x:2</identifier><datestamp>2020-02-01</datestamp><setSpec>a</setSpec></header>
              <metadata><oai_dc:dc xmlns:oai_dc="x" xmlns:dc="y"><dc:title>Titel &amp; meer</dc:title>
              <dc:creator>Jansen, A.</dc:creator><dc:creator>Jansen, A.</dc:creator>
              <dc:identifier>https://repo.nl/2?utm_source=x</dc:identifier><dc:identifier>doi:10.1234/ABC</dc:identifier>
              <dc:description><![CDATA[<p>Samenvatting<script>x</script></p>]]></dc:description></oai_dc:dc></metadata></record>
            <resumptionToken completeListSize="10" cursor="0">token-2</resumptionToken></ListRecords></OAI-PMH>"#;
        let response = parse_response(xml).unwrap();
        let page = response.page;
        assert_eq!(page.records.len(), 2);
        assert!(page.records[0].deleted);
        assert_eq!(page.resumption_token.as_deref(), Some("token-2"));
        assert_eq!(page.complete_list_size, Some(10));
        let item = crate::harvest::normalise::entry(page.records[1].to_entry(), "p/oai").unwrap();
        assert_eq!(item.title, "Titel & meer");
        assert_eq!(item.authors, ["Jansen, A."]);
        assert_eq!(item.link.as_deref(), Some("https://repo.nl/2"));
        assert_eq!(item.doi.as_deref(), Some("10.1234/abc"));
        assert!(!item.abstract_html.unwrap().contains("script"));
        assert_eq!(page.records[1].sets, ["a"]);
    }

    #[test]
    fn a_broken_body_is_an_error_not_a_panic() {
        assert!(parse_response(b"<OAI-PMH><ListRecords><record>").is_err());
        assert!(parse_response(b"broken xml").is_err());
        assert!(parse_response(b"").is_err());
    }

    #[test]
    fn datestamps_follow_the_granularity() {
        assert_eq!(
            in_granularity("2020-02-01T10:00:00Z", "YYYY-MM-DD"),
            "2020-02-01"
        );
        assert_eq!(
            in_granularity("2020-02-01T10:00:00Z", "YYYY-MM-DDThh:mm:ssZ"),
            "2020-02-01T10:00:00Z"
        );
    }
}
