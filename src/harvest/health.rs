//! How each source is doing, for its partner's page: the last successful
//! harvest, the items it brought and what editors made of them, the last
//! error in plain Dutch, and how often in a row it failed.
//!
//! [`compute`] is pure, over the registry, the harvest state and the
//! (source, status) of every harvested publication. [`refresh`] writes the
//! result to [`HEALTH_FILE`], a JSON file both renderers read with Zola's
//! `load_data`, so `zola build` on Netlify shows the same as
//! `vindplaats build`. Not for fetching or for the harvest report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::registry::{Registry, RegistryError, SourceKind};
use super::run::{load_state, state_dir, SourceState};
use crate::content::write_atomic;
use crate::model::{Collection, Item, LoadOptions, Status};

/// Where the health data lives, relative to the site directory; the
/// partner template loads it with `load_data(path=...)`.
pub const HEALTH_FILE: &str = "data/bronstatus.json";

/// A source that failed this many runs in a row is shown as disrupted
/// ("verstoord").
pub const DISRUPTED_AFTER: u32 = 5;

/// One source's health, as the partner page shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    /// `<partner>/<source>`.
    pub key: String,
    pub id: String,
    /// `feed` or `oai`.
    pub kind: String,
    pub url: String,
    /// RFC 3339, and as Dutch text (`3 maart 2024 om 10:12 (UTC)`).
    pub last_success: Option<String>,
    pub last_success_text: Option<String>,
    /// Publications it brought (their files name it as their source).
    pub harvested: usize,
    pub published: usize,
    pub rejected: usize,
    pub consecutive_failures: u32,
    /// Failed [`DISRUPTED_AFTER`] times or more in a row.
    pub disrupted: bool,
    /// The error as the harvester wrote it, and in plain Dutch.
    pub last_error: Option<String>,
    pub last_error_text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartnerHealth {
    /// The partner's name: its `partner` term and its page's `extra.name`.
    pub name: String,
    pub sources: Vec<SourceHealth>,
}

/// The whole file: every partner of the registry, in its order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceHealthFile {
    pub partners: Vec<PartnerHealth>,
}

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("loading the site: {0}")]
    Load(String),
    #[error(transparent)]
    Write(#[from] crate::content::WriteError),
}

/// Each source's health. `items` are the (source key, status) of every
/// harvested publication, drafts and rejected ones included.
pub fn compute<'a>(
    registry: &Registry,
    state: &BTreeMap<String, SourceState>,
    items: impl IntoIterator<Item = (&'a str, Status)>,
) -> SourceHealthFile {
    let mut counts: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (source, status) in items {
        let c = counts.entry(source).or_default();
        c.0 += 1;
        match status {
            Status::Published => c.1 += 1,
            Status::Rejected => c.2 += 1,
            Status::Draft | Status::Withdrawn => {}
        }
    }
    let partners = registry
        .partners
        .iter()
        .map(|partner| PartnerHealth {
            name: partner.name.clone(),
            sources: partner
                .sources
                .iter()
                .map(|source| {
                    let key = source.key(partner);
                    let s = state.get(&key).cloned().unwrap_or_default();
                    let (harvested, published, rejected) =
                        counts.get(key.as_str()).copied().unwrap_or_default();
                    SourceHealth {
                        id: source.id.clone(),
                        kind: match source.kind {
                            SourceKind::Feed => "feed",
                            SourceKind::Oai => "oai",
                        }
                        .into(),
                        url: source.url.clone(),
                        last_success_text: s.last_success.as_deref().map(dutch_time),
                        last_success: s.last_success,
                        harvested,
                        published,
                        rejected,
                        consecutive_failures: s.consecutive_failures,
                        disrupted: s.consecutive_failures >= DISRUPTED_AFTER,
                        last_error_text: s.last_error.as_deref().map(error_in_dutch),
                        last_error: s.last_error,
                        key,
                    }
                })
                .collect(),
        })
        .collect();
    SourceHealthFile { partners }
}

/// The harvester's error message (`<url>: timed out`) as a sentence a
/// partner understands. The messages are those of `FetchError`,
/// `FeedError`, `OaiError` and the run; anything else is a general failure.
pub fn error_in_dutch(message: &str) -> String {
    let m = message.trim();
    let has = |s: &str| m.contains(s);
    if m.ends_with(": timed out") || has("operation timed out") {
        return "De bron reageerde niet op tijd (time-out).".into();
    }
    if has(": body larger than ") {
        return "Het antwoord van de bron was te groot om op te halen.".into();
    }
    if let Some(status) = http_status(m) {
        let why = match status {
            401 | 403 => " (geen toegang)",
            404 | 410 => " (niet gevonden)",
            429 => " (te veel verzoeken)",
            500..=599 => " (fout bij de server van de bron)",
            _ => "",
        };
        return format!("De bron antwoordde met HTTP-status {status}{why}.");
    }
    if has(": not a feed feed-rs can read") {
        return "Op dit adres staat geen feed die we kunnen lezen (RSS, Atom of JSON Feed).".into();
    }
    if has(": OAI-PMH error ") {
        return "De OAI-PMH-server van de bron meldde een fout.".into();
    }
    if has(": the response is not valid OAI-PMH XML") {
        return "Het antwoord van de bron is geen geldige OAI-PMH.".into();
    }
    if has(": the list did not end after ") {
        return "De lijst van de OAI-PMH-server hield niet op; het ophalen is gestopt.".into();
    }
    if has(" redirects") && has(": more than ") {
        return "De bron stuurde ons te vaak door naar een ander adres.".into();
    }
    if has(": asked to retry after ") {
        return "De bron vroeg ons pas veel later terug te komen.".into();
    }
    if has(": refused: ") {
        return "Dit adres mag niet worden opgehaald (bijvoorbeeld een adres in een intern netwerk)."
            .into();
    }
    if has(": not a usable URL") {
        return "Het adres van de bron is ongeldig.".into();
    }
    if has("internal error while harvesting") {
        return "Er ging bij ons iets mis bij het ophalen van deze bron.".into();
    }
    let lower = m.to_lowercase();
    if [
        "connect",
        "dns",
        "resolve",
        "error sending request",
        "connection",
        "tls",
        "certificate",
        "network",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        return "De bron was onbereikbaar.".into();
    }
    "Het ophalen van de bron is mislukt.".into()
}

/// `NNN` of a message ending in `: HTTP NNN`.
fn http_status(message: &str) -> Option<u16> {
    let (_, rest) = message.rsplit_once(": HTTP ")?;
    (rest.len() == 3).then(|| rest.parse().ok()).flatten()
}

/// An RFC 3339 moment in Dutch, in UTC: `3 maart 2024 om 10:12 (UTC)`.
/// Text that is not such a moment is shown as it is.
pub fn dutch_time(moment: &str) -> String {
    use crate::model::DUTCH_MONTHS as MONTHS;
    use chrono::{Datelike, Timelike};
    match chrono::DateTime::parse_from_rfc3339(moment) {
        Ok(t) => {
            let t = t.with_timezone(&chrono::Utc);
            let month = MONTHS.get(t.month0() as usize).copied().unwrap_or_default();
            format!(
                "{} {month} {} om {:02}:{:02} (UTC)",
                t.day(),
                t.year(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => moment.to_string(),
    }
}

/// The (source, status) of every harvested publication in a collection.
pub fn harvested_items(collection: &Collection) -> Vec<(&str, Status)> {
    collection
        .entries()
        .filter_map(|e| match e.item {
            Item::Publication(p) => p.harvest.as_ref().map(|h| (h.source.as_str(), p.status)),
            _ => None,
        })
        .collect()
}

/// The health file of a site.
pub fn health_file(site_dir: &Path) -> PathBuf {
    site_dir.join(HEALTH_FILE)
}

/// Whether the site has harvest state (a harvesting machine, not a fresh
/// checkout).
pub fn has_state(site_dir: &Path) -> bool {
    state_dir(site_dir).join("sources.json").is_file()
}

/// Computes the health of every source of `site_dir` and writes it to
/// [`HEALTH_FILE`] when it changed. Loads the content with drafts (the
/// harvested items waiting for review count too). Returns whether it wrote.
pub fn refresh(site_dir: &Path) -> Result<bool, HealthError> {
    let registry = Registry::load(&site_dir.join("harvesters"))?;
    let state = load_state(site_dir);
    let collection = Collection::load(
        site_dir,
        &LoadOptions {
            include_drafts: true,
            ..Default::default()
        },
    )
    .map_err(|e| HealthError::Load(e.to_string()))?;
    let health = compute(&registry, &state, harvested_items(&collection));
    let mut json = serde_json::to_vec_pretty(&health).unwrap_or_default();
    json.push(b'\n');
    let file = health_file(site_dir);
    if std::fs::read(&file).is_ok_and(|old| old == json) {
        return Ok(false);
    }
    write_atomic(&file, &json)?;
    Ok(true)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::harvest::registry::{Partner, Source};

    fn registry() -> Registry {
        let source = |id: &str, kind| Source {
            id: id.into(),
            kind,
            url: format!("https://example.org/{id}"),
            metadata_prefix: None,
            set: None,
            default_themes: Vec::new(),
            default_programmalijnen: Vec::new(),
            default_type: None,
            include: Vec::new(),
            exclude: Vec::new(),
        };
        Registry {
            partners: vec![Partner {
                id: "movisie".into(),
                name: "Movisie".into(),
                homepage: None,
                contact: None,
                sources: vec![
                    source("feed", SourceKind::Feed),
                    source("oai", SourceKind::Oai),
                ],
            }],
        }
    }

    #[test]
    fn counts_by_source_and_status_and_marks_five_failures_as_disrupted() {
        let mut state = BTreeMap::new();
        state.insert(
            "movisie/feed".to_string(),
            SourceState {
                consecutive_failures: 5,
                last_error: Some("https://example.org/feed: timed out".into()),
                last_success: Some("2024-03-03T10:12:00Z".into()),
                ..Default::default()
            },
        );
        state.insert(
            "movisie/oai".to_string(),
            SourceState {
                consecutive_failures: 4,
                last_error: Some("https://example.org/oai: HTTP 503".into()),
                ..Default::default()
            },
        );
        let items = [
            ("movisie/feed", Status::Published),
            ("movisie/feed", Status::Rejected),
            ("movisie/feed", Status::Draft),
            ("movisie/oai", Status::Published),
            ("elders/feed", Status::Published),
        ];
        let health = compute(&registry(), &state, items);
        let [partner] = health.partners.as_slice() else {
            panic!("{health:?}")
        };
        assert_eq!(partner.name, "Movisie");
        let feed = &partner.sources[0];
        assert_eq!(
            (feed.harvested, feed.published, feed.rejected),
            (3, 1, 1),
            "{feed:?}"
        );
        assert!(feed.disrupted);
        assert_eq!(
            feed.last_error_text.as_deref(),
            Some("De bron reageerde niet op tijd (time-out).")
        );
        assert_eq!(
            feed.last_success_text.as_deref(),
            Some("3 maart 2024 om 10:12 (UTC)")
        );
        let oai = &partner.sources[1];
        assert_eq!((oai.harvested, oai.published, oai.rejected), (1, 1, 0));
        assert!(!oai.disrupted, "four failures are not yet disrupted");
        assert_eq!(oai.kind, "oai");
        assert_eq!(oai.last_success, None);
    }

    #[test]
    fn a_source_never_harvested_has_zero_counts_and_no_error() {
        let health = compute(&registry(), &BTreeMap::new(), []);
        let feed = &health.partners[0].sources[0];
        assert_eq!(feed.key, "movisie/feed");
        assert_eq!((feed.harvested, feed.consecutive_failures), (0, 0));
        assert!(!feed.disrupted && feed.last_error_text.is_none());
    }

    #[test]
    fn errors_read_as_plain_dutch() {
        for (message, dutch) in [
            ("https://x.org/f: timed out", "time-out"),
            (
                "https://x.org/f: body larger than 10485760 bytes",
                "te groot",
            ),
            (
                "https://x.org/f: HTTP 404",
                "HTTP-status 404 (niet gevonden)",
            ),
            (
                "https://x.org/f: HTTP 503",
                "HTTP-status 503 (fout bij de server",
            ),
            ("https://x.org/f: HTTP 418", "HTTP-status 418."),
            (
                "https://x.org/f: not a feed feed-rs can read: unable to parse",
                "geen feed",
            ),
            (
                "https://x.org/o: OAI-PMH error badArgument: no",
                "OAI-PMH-server van de bron meldde",
            ),
            (
                "https://x.org/o: the response is not valid OAI-PMH XML: eof",
                "geen geldige OAI-PMH",
            ),
            ("https://x.org/f: more than 5 redirects", "te vaak door"),
            (
                "https://x.org/f: error sending request for url (https://x.org/f)",
                "onbereikbaar",
            ),
            (
                "https://x.org/f: dns error: failed to lookup address",
                "onbereikbaar",
            ),
            (
                "http://127.0.0.1/f: refused: loopback address",
                "niet worden opgehaald",
            ),
            ("iets onbekends", "mislukt"),
        ] {
            let text = error_in_dutch(message);
            assert!(text.contains(dutch), "{message} → {text}");
        }
        // A status must be the whole tail: a path with "HTTP" in it is not one.
        assert_eq!(http_status("https://x.org/HTTP 4044"), None);
    }

    #[test]
    fn times_that_are_not_rfc3339_stay_as_they_are() {
        assert_eq!(dutch_time("gisteren"), "gisteren");
        assert_eq!(
            dutch_time("2020-12-31T23:59:00+01:00"),
            "31 december 2020 om 22:59 (UTC)"
        );
    }
}
