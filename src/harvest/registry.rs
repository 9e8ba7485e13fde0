//! The partner registry: one TOML file per partner in `harvesters/`, each
//! with one or more sources (a feed URL or an OAI-PMH base URL).
//!
//! A registry file that does not parse stops the run: the harvest cannot
//! know what it was meant to do. Every error names the file and field.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: PathBuf,
        field: String,
        message: String,
    },
}

/// What a source speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Feed,
    /// An OAI-PMH 2.0 repository.
    Oai,
}

/// One place a partner's publications come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Unique within the partner; defaults to `feed`, `oai`, `feed-2`, ...
    #[serde(default)]
    pub id: String,
    pub kind: SourceKind,
    pub url: String,
    /// OAI-PMH: the metadata format to ask for (`oai_dc` by default).
    #[serde(default)]
    pub metadata_prefix: Option<String>,
    /// OAI-PMH: harvest only this set.
    #[serde(default)]
    pub set: Option<String>,
    /// Themes every item of this source gets as a suggestion.
    #[serde(default)]
    pub default_themes: Vec<String>,
    #[serde(default)]
    pub default_programmalijnen: Vec<String>,
    /// The `type` term for items of this source (`rapport`, ...).
    #[serde(default)]
    pub default_type: Option<String>,
    /// Keep only items whose title or abstract contains one of these words.
    #[serde(default)]
    pub include: Vec<String>,
    /// Skip items whose title or abstract contains one of these words.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A partner institution and its sources (`harvesters/<id>.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// The file name without `.toml`.
    #[serde(skip)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub homepage: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
}

impl Source {
    /// `<partner>/<source>`, the id items and state refer to.
    pub fn key(&self, partner: &Partner) -> String {
        format!("{}/{}", partner.id, self.id)
    }
}

/// Every partner file in a `harvesters/` folder.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub partners: Vec<Partner>,
}

impl Registry {
    /// Reads `dir/*.toml` (not `state/`, not `classification.toml`), sorted
    /// by file name.
    pub fn load(dir: &Path) -> Result<Registry, RegistryError> {
        let entries = std::fs::read_dir(dir).map_err(|source| RegistryError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            // The classification rules live beside the partners.
            .filter(|p| p.file_name().is_some_and(|n| n != "classification.toml"))
            .collect();
        files.sort();
        let partners = files
            .iter()
            .map(|f| load_partner(f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Registry { partners })
    }

    /// The (partner, source) pairs to harvest, narrowed by `--partner` and
    /// `--source` (a source id, or `<partner>/<source>`).
    pub fn selected<'a>(
        &'a self,
        partner: Option<&str>,
        source: Option<&str>,
    ) -> Vec<(&'a Partner, &'a Source)> {
        self.partners
            .iter()
            .filter(|p| partner.is_none_or(|want| p.id == want))
            .flat_map(|p| p.sources.iter().map(move |s| (p, s)))
            .filter(|(p, s)| source.is_none_or(|want| s.id == want || s.key(p) == want))
            .collect()
    }
}

fn load_partner(path: &Path) -> Result<Partner, RegistryError> {
    let invalid = |field: &str, message: String| RegistryError::Invalid {
        path: path.to_path_buf(),
        field: field.to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|source| RegistryError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| invalid("toml", e.message().to_string()))?;
    // Check key by key, so an error names the field serde would not.
    const PARTNER_KEYS: &[&str] = &["name", "homepage", "contact", "sources"];
    const SOURCE_KEYS: &[&str] = &[
        "id",
        "kind",
        "url",
        "metadata_prefix",
        "set",
        "default_themes",
        "default_programmalijnen",
        "default_type",
        "include",
        "exclude",
    ];
    if let Some(key) = table.keys().find(|k| !PARTNER_KEYS.contains(&k.as_str())) {
        return Err(invalid(
            key,
            format!("unknown key (known: {})", PARTNER_KEYS.join(", ")),
        ));
    }
    if let Some(sources) = table.get("sources").and_then(|v| v.as_array()) {
        for (n, item) in sources.iter().enumerate() {
            let Some(item) = item.as_table() else {
                return Err(invalid(
                    &format!("sources[{n}]"),
                    "must be a table ([[sources]])".into(),
                ));
            };
            for (key, value) in item {
                if !SOURCE_KEYS.contains(&key.as_str()) {
                    return Err(invalid(
                        &format!("sources[{n}].{key}"),
                        format!("unknown key (known: {})", SOURCE_KEYS.join(", ")),
                    ));
                }
                if key == "kind" {
                    SourceKind::deserialize(value.clone()).map_err(|e| {
                        invalid(&format!("sources[{n}].kind"), e.message().to_string())
                    })?;
                }
            }
        }
    }
    let mut partner =
        Partner::deserialize(table).map_err(|e| invalid("partner", e.message().to_string()))?;
    partner.id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if partner.name.trim().is_empty() {
        return Err(invalid("name", "is empty".into()));
    }
    let mut seen: Vec<String> = Vec::new();
    for (n, source) in partner.sources.iter_mut().enumerate() {
        let field = |f: &str| format!("sources[{n}].{f}");
        if source.id.is_empty() {
            let base = match source.kind {
                SourceKind::Feed => "feed",
                SourceKind::Oai => "oai",
            };
            let count = seen.iter().filter(|s| s.starts_with(base)).count();
            source.id = if count == 0 {
                base.to_string()
            } else {
                format!("{base}-{}", count + 1)
            };
        }
        if seen.contains(&source.id) {
            return Err(invalid(
                &field("id"),
                format!("'{}' is used twice", source.id),
            ));
        }
        seen.push(source.id.clone());
        match url::Url::parse(&source.url) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            Ok(u) => {
                return Err(invalid(
                    &field("url"),
                    format!("scheme '{}' is not http or https", u.scheme()),
                ))
            }
            Err(e) => {
                return Err(invalid(
                    &field("url"),
                    format!("'{}' is not a URL: {e}", source.url),
                ))
            }
        }
        if source.kind == SourceKind::Oai && source.metadata_prefix.is_none() {
            source.metadata_prefix = Some("oai_dc".to_string());
        }
    }
    Ok(partner)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    fn registry(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Registry, RegistryError>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("state")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let result = Registry::load(dir.path());
        (dir, result)
    }

    const EXAMPLE: &str = r#"
name = "Voorbeeld Kennisinstituut"
homepage = "https://example.org"
contact = "redactie@example.org"

[[sources]]
kind = "feed"
url = "https://example.org/feed.xml"
default_themes = ["Gelijke kansen"]
default_type = "rapport"
exclude = ["vacature"]

[[sources]]
kind = "oai"
url = "https://repository.example.org/oai"
set = "publicaties"
"#;

    #[test]
    fn reads_a_partner_with_feed_and_oai_sources() {
        let (_dir, result) =
            registry(&[("voorbeeld.toml", EXAMPLE), ("README.md", "not a partner")]);
        let registry = result.unwrap();
        let partner = &registry.partners[0];
        assert_eq!(partner.id, "voorbeeld");
        assert_eq!(partner.sources[0].id, "feed");
        assert_eq!(partner.sources[1].id, "oai");
        assert_eq!(
            partner.sources[1].metadata_prefix.as_deref(),
            Some("oai_dc")
        );
        assert_eq!(partner.sources[1].key(partner), "voorbeeld/oai");
        assert_eq!(registry.selected(Some("voorbeeld"), Some("oai")).len(), 1);
        assert_eq!(registry.selected(None, Some("voorbeeld/feed")).len(), 1);
        assert_eq!(registry.selected(Some("ander"), None).len(), 0);
    }

    #[test]
    fn errors_name_the_file_and_field() {
        let (_d, r) = registry(&[(
            "a.toml",
            "name = \"A\"\n[[sources]]\nkind = \"rss\"\nurl = \"https://a\"\n",
        )]);
        let e = r.unwrap_err().to_string();
        assert!(
            e.contains("a.toml: sources[0].kind: unknown variant `rss`"),
            "{e}"
        );
        let (_d, r) = registry(&[(
            "b.toml",
            "name = \"B\"\n[[sources]]\nkind = \"feed\"\nurl = \"ftp://b/feed\"\n",
        )]);
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("b.toml: sources[0].url: scheme 'ftp'"));
        let (_d, r) = registry(&[("c.toml", "name = \"C\"\nwebsite = \"x\"\n")]);
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("c.toml: website: unknown key"));
        let (_d, r) = registry(&[("d.toml", "name = \"D\n")]);
        assert!(r.unwrap_err().to_string().contains("d.toml: toml:"));
    }
}
