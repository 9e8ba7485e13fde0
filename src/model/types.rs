//! Domain types, typed from the `[extra]` of content files. Editor-owned
//! fields sit at the top of `[extra]`; harvester-owned fields in
//! `[extra.harvest]`, so a re-harvest can update its own fields without
//! touching an editor's.
//!
//! Every field has a default, so each one can be checked on its own and an
//! error names the field; required fields are checked by the rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::content::FieldError;

/// Where an item stands in curation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Harvested or written, not yet approved; carries `draft = true`.
    #[default]
    Draft,
    Published,
    /// An editor turned it down; a re-harvest keeps it rejected.
    Rejected,
    /// Withdrawn upstream (a deleted OAI record) or by an editor.
    Withdrawn,
}

/// How much of a date is known. The seeds often give only a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DatePrecision {
    #[default]
    Day,
    Month,
    Year,
}

/// The months in Dutch, January first.
pub const DUTCH_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// What a content file is, by where it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Publication,
    Episode,
    Dossier,
    Question,
    Kennisatelier,
    PortalProject,
    /// A page describing a thema or programmalijn.
    ThemePage,
    Partner,
    /// Anything else: about pages, the accessibility statement.
    Other,
}

impl Kind {
    /// The kind of the page at `relative_path` (`publicaties/x.md`).
    pub fn of(relative_path: &str) -> Kind {
        match relative_path.split('/').next().unwrap_or_default() {
            "publicaties" => Kind::Publication,
            "podcasts" => Kind::Episode,
            "dossiers" => Kind::Dossier,
            "vraag-en-antwoord" => Kind::Question,
            "kennisateliers" => Kind::Kennisatelier,
            "portaalprojecten" => Kind::PortalProject,
            "themas" => Kind::ThemePage,
            "partners" => Kind::Partner,
            _ => Kind::Other,
        }
    }
}

/// Fields the harvester owns (`[extra.harvest]`). The harvester writes
/// them from this struct alone, and only what is present.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct HarvestFields {
    /// `<partner>/<source>` in the registry.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_id: Option<String>,
    /// The title upstream gave, or the one made for it
    /// (`title_made_up`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_title: Option<String>,
    /// Upstream gave no title; `upstream_title` was made from the link or
    /// the content.
    #[serde(skip_serializing_if = "is_false")]
    pub title_made_up: bool,
    /// Sanitised HTML.
    #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
    pub abstract_text: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// As far as known: `2010`, `2010-05` or `2010-05-03`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// A podcast's audio file, its media type and its length in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enclosure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enclosure_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enclosure_length: Option<u64>,
    /// Categories, keywords, `dc:subject`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// The record was deleted upstream (OAI).
    #[serde(skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// The hash of the fields above: unchanged means nothing to write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// The same publication from other sources (deduplicated).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Origin>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Where else a deduplicated publication was found.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Origin {
    pub source: String,
    pub upstream_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A publication (`content/publicaties/`): its editor-owned `[extra]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicationExtra {
    pub status: Status,
    pub date_precision: DatePrecision,
    /// The portal project it came from (`portaalprojecten/x.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Who asked the question that led to it (vraagsteller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asker: Option<String>,
    /// Its pair or follow-ups (`publicaties/x.md`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dossiers: Vec<String>,
    /// Research output: the page gets Highwire `citation_*` tags.
    #[serde(skip_serializing_if = "is_false")]
    pub scholarly: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Upstream changed a field an editor had edited: needs a look.
    #[serde(skip_serializing_if = "is_false")]
    pub review: bool,
    /// What changed upstream, for the editor who reviews.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub review_notes: Vec<String>,
    /// Why an editor rejected it (`status = "rejected"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// The classifier's suggestions; editors decide on the taxonomies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggested_themes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggested_programmalijnen: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub harvest: Option<HarvestFields>,
}

/// A podcast episode (`content/podcasts/<series>/`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EpisodeExtra {
    pub status: Status,
    pub date_precision: DatePrecision,
    pub episode: Option<u32>,
    pub guests: Vec<String>,
    /// The audio file; absent until there is a real one.
    pub audio: Option<String>,
    pub audio_type: Option<String>,
    pub duration: Option<String>,
}

/// A podcast series is a section (`content/podcasts/<series>/_index.md`):
/// its title and description are Zola's, its episodes the section's pages.
/// Its `[extra]` says what podcast directories ask of the feed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PodcastSeriesExtra {
    /// The series artwork: a file beside `_index.md` or a site path
    /// (`/img/x.png`); the feed gets a square 1400-3000 px JPEG made from it.
    pub artwork: Option<String>,
    /// An Apple Podcasts category (`Society & Culture`) and subcategory.
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub explicit: bool,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    /// `podcast:locked`: other platforms may not import the feed.
    pub locked: bool,
}

/// A dossier: an introduction and ordered groups of publications.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DossierExtra {
    pub status: Status,
    pub groups: Vec<DossierGroup>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct DossierGroup {
    pub title: String,
    pub intro: Option<String>,
    /// Content paths, in the order shown.
    pub pages: Vec<String>,
}

/// An answered question (vraag en antwoord): the title is the question,
/// the body the answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuestionExtra {
    pub status: Status,
    pub date_precision: DatePrecision,
    /// Who asked: an organisation or its type.
    pub asker: Option<String>,
    /// "eenduidige vraag" or "vraag met uitzoekwerk".
    pub question_kind: Option<String>,
    /// The asker's own explanation of the question (toelichting van de
    /// vraagsteller), shown with the question, not in the answer.
    pub explanation: Option<String>,
    pub related: Vec<String>,
}

/// A kennisatelier (workshop) with the publications gathered for it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct KennisatelierExtra {
    pub status: Status,
    pub date_precision: DatePrecision,
    pub related: Vec<String>,
}

/// A portal project: a complex question that became research.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalProjectExtra {
    pub date_precision: DatePrecision,
    pub asker: Option<String>,
    pub question: Option<String>,
    /// Where the project stands, in a sentence.
    pub progress: Option<String>,
    /// Its publications (`publicaties/x.md`).
    pub products: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ThemeKind {
    #[default]
    Thema,
    Programmalijn,
}

/// The page describing a thema or programmalijn (`content/themas/`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemePageExtra {
    pub kind: ThemeKind,
    /// The taxonomy term this page describes.
    pub term: String,
    pub number: u32,
    /// For a programmalijn: its thema.
    pub parent: Option<String>,
    /// Legacy theme names (2019-2021) this page absorbs.
    pub legacy: Vec<String>,
}

/// A partner institution (`content/partners/`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PartnerExtra {
    /// The `partner` taxonomy term.
    pub name: String,
    pub homepage: Option<String>,
}

/// One theme of the meerjarenprogramma with its programme lines.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Theme {
    #[serde(rename = "naam")]
    pub name: String,
    #[serde(rename = "nummer", default)]
    pub number: u32,
    #[serde(default)]
    pub programmalijnen: Vec<String>,
}

/// The editable taxonomy from `config.toml` `[extra]`: themes with their
/// programme lines, and the content types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaxonomyRules {
    pub themes: Vec<Theme>,
    pub types: BTreeMap<String, String>,
    /// Every name a thema or programmalijn may be written as: the current
    /// ones and the old ones theme pages list (see [`super::legacy`]).
    pub(crate) names: Vec<super::legacy::OldName>,
}

/// A malformed taxonomy in `config.toml`'s `[extra]`, named by its field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("extra.{field}: {message}")]
pub struct TaxonomyError {
    /// `themas` or `types`.
    pub field: &'static str,
    pub message: String,
}

impl TaxonomyRules {
    /// Reads `[[extra.themas]]` and `[extra.types]`; a malformed entry names
    /// its field.
    pub fn from_extra(extra: &toml::Table) -> Result<TaxonomyRules, TaxonomyError> {
        let malformed = |field: &'static str| {
            move |e: toml::de::Error| TaxonomyError {
                field,
                message: e.message().to_string(),
            }
        };
        let themes = match extra.get("themas") {
            Some(v) => Vec::<Theme>::deserialize(v.clone()).map_err(malformed("themas"))?,
            None => Vec::new(),
        };
        let types = match extra.get("types") {
            Some(v) => {
                BTreeMap::<String, String>::deserialize(v.clone()).map_err(malformed("types"))?
            }
            None => BTreeMap::new(),
        };
        let rules = TaxonomyRules {
            themes,
            types,
            names: Vec::new(),
        };
        // The current names, written any way; old ones come with the pages.
        Ok(rules.with_legacy(&[]))
    }

    pub fn is_theme(&self, name: &str) -> bool {
        self.themes.iter().any(|t| t.name == name)
    }

    pub fn is_programmalijn(&self, name: &str) -> bool {
        self.themes
            .iter()
            .any(|t| t.programmalijnen.iter().any(|p| p == name))
    }

    /// The theme a programme line belongs to.
    pub fn theme_of(&self, programmalijn: &str) -> Option<&Theme> {
        self.themes
            .iter()
            .find(|t| t.programmalijnen.iter().any(|p| p == programmalijn))
    }
}

/// Types `[extra]` one key at a time, so an error names its field
/// (`extra.status: unknown variant ...`).
pub fn parse_extra<T: serde::de::DeserializeOwned>(extra: &toml::Table) -> Result<T, FieldError> {
    for (key, value) in extra {
        let mut single = toml::Table::new();
        single.insert(key.clone(), value.clone());
        if let Err(e) = T::deserialize(single) {
            return Err(FieldError::new(format!("extra.{key}"), e.message()));
        }
    }
    T::deserialize(extra.clone()).map_err(|e| FieldError::new("extra", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_taxonomy_from_config_extra() {
        let extra: toml::Table = r#"
            [[themas]]
            naam = "Gelijke kansen"
            nummer = 2
            programmalijnen = ["Gelijke kansen op de arbeidsmarkt"]
            [types]
            rapport = "Rapport"
        "#
        .parse()
        .unwrap();
        let rules = TaxonomyRules::from_extra(&extra).unwrap();
        assert!(rules.is_theme("Gelijke kansen"));
        assert!(rules.is_programmalijn("Gelijke kansen op de arbeidsmarkt"));
        assert_eq!(
            rules
                .theme_of("Gelijke kansen op de arbeidsmarkt")
                .unwrap()
                .number,
            2
        );
        assert_eq!(rules.types["rapport"], "Rapport");
    }

    #[test]
    fn a_malformed_theme_names_the_field() {
        let extra: toml::Table = "themas = [{ nummer = 1 }]".parse().unwrap();
        assert!(TaxonomyRules::from_extra(&extra)
            .unwrap_err()
            .to_string()
            .starts_with("extra.themas"));
    }

    #[test]
    fn extra_errors_name_the_field() {
        let t: toml::Table = "status = \"gepubliceerd\"\nscholarly = true"
            .parse()
            .unwrap();
        let FieldError { field, message } = parse_extra::<PublicationExtra>(&t).unwrap_err();
        assert_eq!(field, "extra.status");
        assert!(message.contains("gepubliceerd"), "{message}");
        let t: toml::Table = "satus = \"draft\"".parse().unwrap();
        assert_eq!(
            parse_extra::<PublicationExtra>(&t).unwrap_err().field,
            "extra.satus"
        );
        let t: toml::Table = "[harvest]\nsource = \"a/b\"\nfetched = 1".parse().unwrap();
        assert_eq!(
            parse_extra::<PublicationExtra>(&t).unwrap_err().field,
            "extra.harvest"
        );
    }

    #[test]
    fn kinds_follow_the_sections() {
        assert_eq!(Kind::of("publicaties/x.md"), Kind::Publication);
        assert_eq!(Kind::of("podcasts/denkers-en-doeners/a.md"), Kind::Episode);
        assert_eq!(Kind::of("themas/gelijke-kansen.md"), Kind::ThemePage);
        assert_eq!(Kind::of("toegankelijkheid.md"), Kind::Other);
    }

    #[test]
    fn every_kind_reads_its_fields() {
        let t: toml::Table = "groups = [{ title = \"T\", pages = [\"publicaties/a.md\"] }]"
            .parse()
            .unwrap();
        assert_eq!(
            parse_extra::<DossierExtra>(&t).unwrap().groups[0].pages,
            ["publicaties/a.md"]
        );
        let t: toml::Table = "kind = \"programmalijn\"\nterm = \"X\"\nparent = \"Y\""
            .parse()
            .unwrap();
        assert_eq!(
            parse_extra::<ThemePageExtra>(&t).unwrap().kind,
            ThemeKind::Programmalijn
        );
        let t: toml::Table = "name = \"Movisie\"".parse().unwrap();
        assert_eq!(parse_extra::<PartnerExtra>(&t).unwrap().name, "Movisie");
        let t: toml::Table = "asker = \"SZW\"\nproducts = []\nprogress = \"Afgerond\""
            .parse()
            .unwrap();
        assert_eq!(
            parse_extra::<PortalProjectExtra>(&t)
                .unwrap()
                .asker
                .as_deref(),
            Some("SZW")
        );
        let t: toml::Table = "question_kind = \"eenduidige vraag\"".parse().unwrap();
        assert!(parse_extra::<QuestionExtra>(&t).is_ok());
        let t: toml::Table = "episode = 1\nguests = [\"Jaco Dagevos\"]".parse().unwrap();
        assert_eq!(parse_extra::<EpisodeExtra>(&t).unwrap().episode, Some(1));
    }
}
