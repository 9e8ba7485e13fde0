//! The OAI-PMH 2.0 data provider (`/oai` on `serve`): the published
//! collection as `oai_dc` records, for aggregators such as BASE, CORE and
//! OpenAIRE.
//!
//! - All six verbs; `oai_dc` only.
//! - Sets: `thema`, `programmalijn` and `partner`, each with a set per term
//!   (`thema:gelijke-kansen`); asking for `thema` gives every record filed
//!   under any thema.
//! - `from`/`until` at day and at seconds granularity.
//! - Resumption tokens that carry their own state ([`token`]), with an
//!   expiry, `completeListSize` and `cursor`.
//! - Deleted records, kept: a withdrawn item (`extra.status =
//!   "withdrawn"`) stays in every list as a deleted record.
//! - Every error as its OAI error code ([`request`]).
//!
//! [`Repository::from_collection`] builds the records once per build (from a
//! collection loaded with drafts, so that withdrawn items are seen; drafts
//! and rejected items never become records); answering is a pure function
//! of the repository, the arguments and the time.

mod dublin_core;
pub mod request;
pub mod token;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use self::dublin_core::dublin_core;
pub use self::dublin_core::{platform_name, publisher, DublinCore};
use self::request::{OaiError, Verb};
use self::token::{TokenKey, TokenState};
use super::xml_text as xml;
use crate::model::{Collection, Entry, Item, Kind, Status};

/// Records on one `ListRecords` page.
pub const RECORDS_PER_PAGE: usize = 100;
/// Headers on one `ListIdentifiers` page.
pub const IDENTIFIERS_PER_PAGE: usize = 250;
/// How long a resumption token is good for.
pub const TOKEN_LIFETIME_SECS: i64 = 24 * 3600;

/// The kinds that are records.
pub const RECORD_KINDS: [Kind; 5] = [
    Kind::Publication,
    Kind::Episode,
    Kind::Dossier,
    Kind::Question,
    Kind::Kennisatelier,
];

/// The set families, as in `setSpec`.
const SET_FAMILIES: [(&str, &str); 3] = [
    ("thema", "Thema's"),
    ("programmalijn", "Programmalijnen"),
    ("partner", "Partners"),
];

/// One record: published, or deleted (withdrawn).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub identifier: String,
    /// Seconds since the epoch, UTC.
    pub datestamp: i64,
    /// Leaf set specs (`thema:gelijke-kansen`).
    pub sets: Vec<String>,
    pub deleted: bool,
    pub dc: DublinCore,
}

impl Record {
    fn key(&self) -> (i64, &str) {
        (self.datestamp, &self.identifier)
    }

    fn in_set(&self, set: &str) -> bool {
        self.sets
            .iter()
            .any(|s| s == set || s.strip_prefix(set).is_some_and(|r| r.starts_with(':')))
    }
}

/// The repository: its identity, records and sets.
#[derive(Debug, Clone)]
pub struct Repository {
    pub name: String,
    /// The address of `/oai`.
    pub base_url: String,
    pub admin_email: String,
    /// `kis.nl`: the `oai:kis.nl:...` in identifiers.
    pub repository_identifier: String,
    /// Sorted by (datestamp, identifier).
    pub records: Vec<Record>,
    by_identifier: HashMap<String, usize>,
    /// spec → name, sorted.
    pub sets: BTreeMap<String, String>,
    key: TokenKey,
}

/// When an entry last changed, in seconds: `updated`, the harvest's fetch
/// time, or its date; the epoch when none is known.
fn datestamp(entry: &Entry) -> i64 {
    page_datestamp(entry.page, Some(entry.item))
}

fn page_datestamp(page: &crate::content::Page, item: Option<&Item>) -> i64 {
    if let Some(u) = &page.updated {
        return u.moment.and_utc().timestamp();
    }
    if let Some(Item::Publication(p)) = item {
        if let Some(at) = p
            .harvest
            .as_ref()
            .and_then(|h| h.fetched_at.as_deref())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        {
            return at.timestamp();
        }
    }
    page.date
        .as_ref()
        .map_or(0, |d| d.moment.and_utc().timestamp())
}

fn format_datestamp(seconds: i64) -> String {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl Repository {
    /// The records of `collection`, which should be loaded with drafts so
    /// that withdrawn items are known. `oai_url` is where `/oai` is served.
    pub fn from_collection(collection: &Collection, oai_url: &str, key: TokenKey) -> Repository {
        let config = &collection.config;
        let host = url::Url::parse(&collection.canonical_base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into());
        let repository_identifier = host.strip_prefix("www.").unwrap_or(&host).to_string();
        let slug_of = |taxonomy: &str, term: &str| {
            collection
                .library
                .taxonomies
                .iter()
                .find(|t| t.name == taxonomy)
                .and_then(|t| t.terms.iter().find(|x| x.name == term))
                .map_or_else(|| slug::slugify(term), |t| t.slug.clone())
        };
        let mut sets = BTreeMap::new();
        let mut records = Vec::new();
        for entry in collection.entries() {
            if !RECORD_KINDS.contains(&entry.kind()) {
                continue;
            }
            let deleted = entry.item.status() == Some(Status::Withdrawn);
            if !deleted && !entry.is_published() {
                continue;
            }
            let mut record_sets = Vec::new();
            for (family, family_name) in SET_FAMILIES {
                for term in entry.terms(family) {
                    let spec = format!("{family}:{}", slug_of(family, term));
                    sets.entry(family.to_string())
                        .or_insert_with(|| family_name.to_string());
                    sets.entry(spec.clone()).or_insert_with(|| term.clone());
                    record_sets.push(spec);
                }
            }
            let local = entry.page.path.trim_matches('/');
            records.push(Record {
                identifier: format!("oai:{repository_identifier}:{local}"),
                datestamp: datestamp(&entry),
                sets: record_sets,
                deleted,
                dc: dublin_core(collection, &entry),
            });
        }
        // Withdrawn items are drafts: a collection loaded without drafts
        // keeps them aside.
        for page in &collection.library.drafts_aside {
            let withdrawn =
                page.meta.extra.get("status").and_then(|s| s.as_str()) == Some("withdrawn");
            if !withdrawn || !RECORD_KINDS.contains(&Kind::of(&page.relative_path)) {
                continue;
            }
            let mut record_sets = Vec::new();
            for (family, family_name) in SET_FAMILIES {
                for term in page.meta.taxonomies.get(family).into_iter().flatten() {
                    let spec = format!("{family}:{}", slug_of(family, term));
                    sets.entry(family.to_string())
                        .or_insert_with(|| family_name.to_string());
                    sets.entry(spec.clone()).or_insert_with(|| term.clone());
                    record_sets.push(spec);
                }
            }
            records.push(Record {
                identifier: format!(
                    "oai:{repository_identifier}:{}",
                    page.path.trim_matches('/')
                ),
                datestamp: page_datestamp(page, None),
                sets: record_sets,
                deleted: true,
                dc: DublinCore::default(),
            });
        }
        records.sort_by(|a, b| a.key().cmp(&b.key()));
        let by_identifier = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.identifier.clone(), i))
            .collect();
        let admin_email = config
            .extra
            .get("oai_admin_email")
            .and_then(|v| v.as_str())
            .unwrap_or("info@kis.nl")
            .to_string();
        Repository {
            name: config.title.clone().unwrap_or_else(|| "vindplaats".into()),
            base_url: oai_url.to_string(),
            admin_email,
            repository_identifier,
            records,
            by_identifier,
            sets,
            key,
        }
    }

    /// A repository without records (the site did not load).
    pub fn empty(oai_url: &str, key: TokenKey) -> Repository {
        Repository {
            name: "vindplaats".into(),
            base_url: oai_url.to_string(),
            admin_email: "info@kis.nl".into(),
            repository_identifier: "localhost".into(),
            records: Vec::new(),
            by_identifier: HashMap::new(),
            sets: BTreeMap::new(),
            key,
        }
    }

    /// The answer to a request with these arguments at `now`.
    pub fn answer(&self, pairs: &[(String, String)], now: DateTime<Utc>) -> String {
        let verb = request::parse(pairs);
        let body = verb
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|v| self.body(v, now.timestamp()));
        // The request element repeats the arguments only when they were
        // valid (OAI-PMH 3.2).
        let echo = match (&verb, &body) {
            (Err(_), _) => false,
            (Ok(_), Err(e)) => !matches!(e.code, "badVerb" | "badArgument"),
            (Ok(_), Ok(_)) => true,
        };
        let mut out = String::with_capacity(4096);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n");
        out.push_str(&format!(
            "<responseDate>{}</responseDate>\n<request",
            now.format("%Y-%m-%dT%H:%M:%SZ")
        ));
        if echo {
            for (name, value) in pairs {
                out.push_str(&format!(" {}=\"{}\"", xml(name), xml(value)));
            }
        }
        out.push_str(&format!(">{}</request>\n", xml(&self.base_url)));
        match body {
            Ok(body) => out.push_str(&body),
            Err(e) => out.push_str(&format!(
                "<error code=\"{}\">{}</error>\n",
                e.code,
                xml(&e.message)
            )),
        }
        out.push_str("</OAI-PMH>\n");
        out
    }

    fn body(&self, verb: &Verb, now: i64) -> Result<String, OaiError> {
        match verb {
            Verb::Identify => Ok(self.identify()),
            Verb::ListMetadataFormats { identifier } => {
                if let Some(id) = identifier {
                    self.record(id)?;
                }
                Ok("<ListMetadataFormats>\n<metadataFormat><metadataPrefix>oai_dc</metadataPrefix><schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema><metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace></metadataFormat>\n</ListMetadataFormats>\n".into())
            }
            Verb::ListSets { token } => {
                if let Some(token) = token {
                    return Err(OaiError::new(
                        "badResumptionToken",
                        format!(
                            "ListSets is answered whole; `{}` is not a token of this repository",
                            token.chars().take(80).collect::<String>()
                        ),
                    ));
                }
                let mut out = String::from("<ListSets>\n");
                for (spec, name) in &self.sets {
                    out.push_str(&format!(
                        "<set><setSpec>{}</setSpec><setName>{}</setName></set>\n",
                        xml(spec),
                        xml(name)
                    ));
                }
                out.push_str("</ListSets>\n");
                Ok(out)
            }
            Verb::GetRecord { identifier, prefix } => {
                let record = self.record(identifier)?;
                check_prefix(prefix)?;
                let mut out = String::from("<GetRecord>\n");
                write_record(&mut out, record, true);
                out.push_str("</GetRecord>\n");
                Ok(out)
            }
            Verb::List { records, selection } => {
                check_prefix(&selection.prefix)?;
                if let Some(set) = &selection.set {
                    if !self.sets.contains_key(set) {
                        return Err(OaiError::new(
                            "badArgument",
                            format!(
                                "the set `{}` is not one of this repository's (see ListSets)",
                                set.chars().take(80).collect::<String>()
                            ),
                        ));
                    }
                }
                let state = TokenState {
                    verb: list_verb(*records).into(),
                    prefix: selection.prefix.clone(),
                    from: selection.from.map(|b| b.start()),
                    until: selection.until.map(|b| b.end()),
                    set: selection.set.clone(),
                    after: (i64::MIN, String::new()),
                    cursor: 0,
                    expires: now + TOKEN_LIFETIME_SECS,
                };
                self.list(*records, &state, now, false)
            }
            Verb::Resume { records, token } => {
                let state = self
                    .key
                    .open(token, now)
                    .map_err(|e| OaiError::new("badResumptionToken", e.to_string()))?;
                if state.verb != list_verb(*records) {
                    return Err(OaiError::new(
                        "badResumptionToken",
                        format!("this resumptionToken continues {}", state.verb),
                    ));
                }
                self.list(*records, &state, now, true)
            }
        }
    }

    fn identify(&self) -> String {
        let earliest = self.records.first().map_or(0, |r| r.datestamp);
        format!(
            "<Identify>\n<repositoryName>{}</repositoryName>\n<baseURL>{}</baseURL>\n<protocolVersion>2.0</protocolVersion>\n<adminEmail>{}</adminEmail>\n<earliestDatestamp>{}</earliestDatestamp>\n<deletedRecord>persistent</deletedRecord>\n<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>\n<description><oai-identifier xmlns=\"http://www.openarchives.org/OAI/2.0/oai-identifier\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai-identifier http://www.openarchives.org/OAI/2.0/oai-identifier.xsd\"><scheme>oai</scheme><repositoryIdentifier>{}</repositoryIdentifier><delimiter>:</delimiter><sampleIdentifier>oai:{}:publicaties/voorbeeld</sampleIdentifier></oai-identifier></description>\n</Identify>\n",
            xml(&self.name),
            xml(&self.base_url),
            xml(&self.admin_email),
            format_datestamp(earliest),
            xml(&self.repository_identifier),
            xml(&self.repository_identifier),
        )
    }

    fn record(&self, identifier: &str) -> Result<&Record, OaiError> {
        self.by_identifier
            .get(identifier)
            .and_then(|&i| self.records.get(i))
            .ok_or_else(|| {
                OaiError::new(
                    "idDoesNotExist",
                    format!(
                        "`{}` is not an identifier of this repository",
                        identifier.chars().take(200).collect::<String>()
                    ),
                )
            })
    }

    fn selected(&self, state: &TokenState, record: &Record) -> bool {
        state.from.is_none_or(|f| record.datestamp >= f)
            && state.until.is_none_or(|u| record.datestamp <= u)
            && state.set.as_deref().is_none_or(|s| record.in_set(s))
    }

    fn list(
        &self,
        records: bool,
        state: &TokenState,
        now: i64,
        resumed: bool,
    ) -> Result<String, OaiError> {
        let per_page = if records {
            RECORDS_PER_PAGE
        } else {
            IDENTIFIERS_PER_PAGE
        };
        let total = self
            .records
            .iter()
            .filter(|r| self.selected(state, r))
            .count();
        let start = self
            .records
            .partition_point(|r| r.key() <= (state.after.0, state.after.1.as_str()));
        let mut page: Vec<&Record> = Vec::with_capacity(per_page);
        let mut more = false;
        for record in self.records.iter().skip(start) {
            if !self.selected(state, record) {
                continue;
            }
            if page.len() == per_page {
                more = true;
                break;
            }
            page.push(record);
        }
        if page.is_empty() {
            if resumed {
                // The list ended meanwhile (records were withdrawn from
                // it): an empty last page.
                return Ok(format!(
                    "<{verb}>\n<resumptionToken completeListSize=\"{total}\" cursor=\"{}\"/>\n</{verb}>\n",
                    state.cursor,
                    verb = state.verb
                ));
            }
            return Err(OaiError::new(
                "noRecordsMatch",
                "no record matches the given from, until and set",
            ));
        }
        let verb = list_verb(records);
        let mut out = format!("<{verb}>\n");
        for record in &page {
            if records {
                write_record(&mut out, record, true);
            } else {
                write_header(&mut out, record);
            }
        }
        if more {
            let last = page
                .last()
                .map_or((0, String::new()), |r| (r.datestamp, r.identifier.clone()));
            let next = TokenState {
                after: last,
                cursor: state.cursor + page.len(),
                expires: now + TOKEN_LIFETIME_SECS,
                ..state.clone()
            };
            out.push_str(&format!(
                "<resumptionToken expirationDate=\"{}\" completeListSize=\"{total}\" cursor=\"{}\">{}</resumptionToken>\n",
                format_datestamp(next.expires),
                state.cursor,
                xml(&self.key.issue(&next))
            ));
        } else if resumed {
            out.push_str(&format!(
                "<resumptionToken completeListSize=\"{total}\" cursor=\"{}\"/>\n",
                state.cursor
            ));
        }
        out.push_str(&format!("</{verb}>\n"));
        Ok(out)
    }
}

fn list_verb(records: bool) -> &'static str {
    if records {
        "ListRecords"
    } else {
        "ListIdentifiers"
    }
}

fn check_prefix(prefix: &str) -> Result<(), OaiError> {
    if prefix == "oai_dc" {
        return Ok(());
    }
    Err(OaiError::new(
        "cannotDisseminateFormat",
        format!(
            "`{}` is not a format of this repository; it gives oai_dc",
            prefix.chars().take(80).collect::<String>()
        ),
    ))
}

fn write_header(out: &mut String, record: &Record) {
    if record.deleted {
        out.push_str("<header status=\"deleted\">");
    } else {
        out.push_str("<header>");
    }
    out.push_str(&format!(
        "<identifier>{}</identifier><datestamp>{}</datestamp>",
        xml(&record.identifier),
        format_datestamp(record.datestamp)
    ));
    for set in &record.sets {
        out.push_str(&format!("<setSpec>{}</setSpec>", xml(set)));
    }
    out.push_str("</header>\n");
}

fn write_record(out: &mut String, record: &Record, with_metadata: bool) {
    out.push_str("<record>");
    write_header(out, record);
    if with_metadata && !record.deleted {
        let dc = &record.dc;
        out.push_str("<metadata><oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">\n");
        let mut element = |name: &str, value: &str| {
            if !value.trim().is_empty() {
                out.push_str(&format!("<dc:{name}>{}</dc:{name}>\n", xml(value)));
            }
        };
        element("title", &dc.title);
        for c in &dc.creators {
            element("creator", c);
        }
        for s in &dc.subjects {
            element("subject", s);
        }
        if let Some(d) = &dc.description {
            element("description", d);
        }
        for p in &dc.publishers {
            element("publisher", p);
        }
        if let Some(d) = &dc.date {
            element("date", d);
        }
        for t in &dc.types {
            element("type", t);
        }
        for i in &dc.identifiers {
            element("identifier", i);
        }
        element("language", &dc.language);
        for r in &dc.relations {
            element("relation", r);
        }
        if let Some(r) = &dc.rights {
            element("rights", r);
        }
        out.push_str("</oai_dc:dc></metadata>");
    }
    out.push_str("</record>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datestamps_are_utc_seconds() {
        assert_eq!(format_datestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_datestamp(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn sets_take_in_their_children() {
        let record = Record {
            identifier: "oai:kis.nl:a".into(),
            datestamp: 0,
            sets: vec!["thema:gelijke-kansen".into()],
            deleted: false,
            dc: DublinCore::default(),
        };
        assert!(record.in_set("thema"));
        assert!(record.in_set("thema:gelijke-kansen"));
        assert!(!record.in_set("thema:gelijke"));
        assert!(!record.in_set("partner"));
    }
}
