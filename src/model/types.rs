//! Domain types, typed from front matter. Editor-owned fields sit at the
//! top of `[extra]`; harvester-owned fields in `[extra.harvest]`, so a
//! re-harvest can update its own fields without touching an editor's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

/// Fields the harvester owns (`[extra.harvest]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestFields {
    pub source: String,
    #[serde(default)]
    pub upstream_id: Option<String>,
    #[serde(default)]
    pub upstream_title: Option<String>,
    #[serde(default, rename = "abstract")]
    pub abstract_text: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub pdf: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub licence: Option<String>,
    #[serde(default)]
    pub content_hash: Option<String>,
    #[serde(default)]
    pub fetched_at: Option<String>,
}

/// The editor-owned `[extra]` of a publication.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct PublicationExtra {
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub date_precision: DatePrecision,
    /// The portal project it came from (`portaalprojecten/x.md`).
    #[serde(default)]
    pub project: Option<String>,
    /// Who asked the question that led to it (vraagsteller).
    #[serde(default)]
    pub asker: Option<String>,
    /// Its pair or follow-ups (`publicaties/x.md`).
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub dossiers: Vec<String>,
    /// Research output: the page gets Highwire `citation_*` tags.
    #[serde(default)]
    pub scholarly: bool,
    #[serde(default)]
    pub pdf: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    /// Upstream changed a field an editor had edited: needs a look.
    #[serde(default)]
    pub review: bool,
    #[serde(default)]
    pub harvest: Option<HarvestFields>,
}

/// The `[extra]` of a podcast episode.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct EpisodeExtra {
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub date_precision: DatePrecision,
    #[serde(default)]
    pub episode: Option<u32>,
    #[serde(default)]
    pub guests: Vec<String>,
    /// The audio file; absent until there is a real one.
    #[serde(default)]
    pub audio: Option<String>,
    #[serde(default)]
    pub audio_type: Option<String>,
    #[serde(default)]
    pub duration: Option<String>,
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
}

impl TaxonomyRules {
    /// Reads `[[extra.themas]]` and `[extra.types]`; a malformed entry names
    /// its field.
    pub fn from_extra(extra: &toml::Table) -> Result<TaxonomyRules, String> {
        let themes = match extra.get("themas") {
            Some(v) => Vec::<Theme>::deserialize(v.clone())
                .map_err(|e| format!("extra.themas: {}", e.message()))?,
            None => Vec::new(),
        };
        let types = match extra.get("types") {
            Some(v) => BTreeMap::<String, String>::deserialize(v.clone())
                .map_err(|e| format!("extra.types: {}", e.message()))?,
            None => BTreeMap::new(),
        };
        Ok(TaxonomyRules { themes, types })
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
            .starts_with("extra.themas"));
    }

    #[test]
    fn statuses_are_closed() {
        let t: toml::Table = "status = \"gepubliceerd\"".parse().unwrap();
        assert!(PublicationExtra::deserialize(t).is_err());
    }
}
