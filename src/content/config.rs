//! `config.toml`: the Zola site configuration, typed for the keys the
//! renderer uses, and serialized for templates the way Zola shows `config`.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value};

use super::frontmatter::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {problem}")]
    Invalid {
        path: PathBuf,
        problem: ConfigProblem,
    },
}

/// What is wrong inside `config.toml`'s text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// Not TOML at all.
    #[error("{0}")]
    Syntax(String),
    /// A key with a value of the wrong shape, or a required key missing.
    #[error("{0}")]
    Field(#[from] FieldError),
}

/// One entry of `taxonomies = [...]`.
#[derive(Debug, Clone, Deserialize)]
pub struct TaxonomyConfig {
    pub name: String,
    #[serde(default)]
    pub paginate_by: Option<usize>,
    #[serde(default)]
    pub paginate_path: Option<String>,
    #[serde(default)]
    pub feed: bool,
    #[serde(default = "yes")]
    pub render: bool,
}

impl TaxonomyConfig {
    pub fn slug(&self) -> String {
        slug::slugify(&self.name)
    }

    pub fn paginate_path(&self) -> &str {
        self.paginate_path.as_deref().unwrap_or("page")
    }
}

#[derive(Debug, Clone, Default, Deserialize, Hash)]
#[serde(default)]
pub struct MarkdownConfig {
    pub smart_punctuation: bool,
    pub render_emoji: bool,
    pub external_links_target_blank: bool,
    pub definition_list: bool,
}

/// The keys of `config.toml` the renderer uses, with Zola's defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SiteConfig {
    pub base_url: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub default_language: String,
    pub theme: Option<String>,
    pub generate_feeds: bool,
    pub feed_filenames: Vec<String>,
    pub feed_limit: Option<usize>,
    pub generate_sitemap: bool,
    pub generate_robots_txt: bool,
    pub build_search_index: bool,
    /// `"none"` (Zola's default: list every pager) or `"all"`.
    pub exclude_paginated_pages_in_sitemap: String,
    pub author: Option<String>,
    pub taxonomies: Vec<TaxonomyConfig>,
    pub markdown: MarkdownConfig,
    pub extra: toml::Table,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            base_url: String::new(),
            title: None,
            description: None,
            default_language: "en".into(),
            theme: None,
            generate_feeds: false,
            feed_filenames: vec!["atom.xml".into()],
            feed_limit: None,
            generate_sitemap: true,
            generate_robots_txt: true,
            build_search_index: false,
            exclude_paginated_pages_in_sitemap: "none".into(),
            author: None,
            taxonomies: Vec::new(),
            markdown: MarkdownConfig::default(),
            extra: toml::Table::new(),
        }
    }
}

fn yes() -> bool {
    true
}

impl SiteConfig {
    pub fn load(path: &Path) -> Result<SiteConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|problem| ConfigError::Invalid {
            path: path.to_path_buf(),
            problem,
        })
    }

    pub fn parse(text: &str) -> Result<SiteConfig, ConfigProblem> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigProblem::Syntax(e.message().to_string()))?;
        for (key, value) in &table {
            let mut single = toml::Table::new();
            single.insert(key.clone(), value.clone());
            SiteConfig::deserialize(single)
                .map_err(|e| FieldError::new(key.clone(), e.message()))?;
        }
        let mut config = SiteConfig::deserialize(table)
            .map_err(|e| ConfigProblem::Syntax(e.message().to_string()))?;
        if config.base_url.is_empty() {
            return Err(FieldError::new("base_url", "required").into());
        }
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        Ok(config)
    }

    /// Zola's `make_permalink`: base URL plus path, with a trailing slash
    /// unless the path names a file (a feed) or an anchor.
    pub fn make_permalink(&self, path: &str) -> String {
        let is_file = self
            .feed_filenames
            .iter()
            .any(|f| path.ends_with(f.as_str()));
        let trailing = if path.ends_with('/') || path.is_empty() || is_file || path.contains('#') {
            ""
        } else {
            "/"
        };
        if path == "/" {
            format!("{}/", self.base_url)
        } else if path.starts_with('/') {
            format!("{}{}{}", self.base_url, path, trailing)
        } else {
            format!("{}/{}{}", self.base_url, path, trailing)
        }
    }

    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }

    /// `config` as templates see it (Zola's serialized config).
    pub fn to_template_value(&self) -> Value {
        let taxonomies: Vec<Value> = self
            .taxonomies
            .iter()
            .map(|t| {
                json!({
                    "name": t.name,
                    "slug": t.slug(),
                    "paginate_by": t.paginate_by,
                    "paginate_path": t.paginate_path,
                    "render": t.render,
                    "feed": t.feed,
                })
            })
            .collect();
        json!({
            "base_url": self.base_url,
            "mode": "build",
            "title": self.title,
            "description": self.description,
            "languages": {},
            "default_language": self.default_language,
            "generate_feed": self.generate_feeds,
            "generate_feeds": self.generate_feeds,
            "feed_filenames": self.feed_filenames,
            "taxonomies": taxonomies,
            "author": self.author,
            "build_search_index": self.build_search_index,
            // Zola keeps config tables in key order, not document order.
            "extra": sorted_keys(toml_to_json(&toml::Value::Table(self.extra.clone()))),
            "markdown": {
                "smart_punctuation": self.markdown.smart_punctuation,
                "render_emoji": self.markdown.render_emoji,
                "external_links_target_blank": self.markdown.external_links_target_blank,
                "definition_list": self.markdown.definition_list,
            },
            "search": {},
            "generate_sitemap": self.generate_sitemap,
            "generate_robots_txt": self.generate_robots_txt,
            "exclude_paginated_pages_in_sitemap": self.exclude_paginated_pages_in_sitemap,
        })
    }
}

/// TOML to the JSON templates see. Dates become their text, as in Zola.
pub fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn sorted_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_extra_tables_reach_templates_in_key_order() {
        let c = SiteConfig::parse(
            "base_url = \"x\"\n[extra.types]\nrapport = \"R\"\nartikel = \"A\"\n",
        )
        .unwrap();
        let value = c.to_template_value();
        let keys: Vec<&String> = value
            .get("extra")
            .and_then(|e| e.get("types"))
            .and_then(|t| t.as_object())
            .unwrap()
            .keys()
            .collect();
        assert_eq!(keys, ["artikel", "rapport"]);
    }

    fn config() -> SiteConfig {
        SiteConfig::parse("base_url = \"https://www.kis.nl/\"\n").unwrap()
    }

    #[test]
    fn permalinks_follow_zola() {
        let c = config();
        assert_eq!(c.make_permalink("/"), "https://www.kis.nl/");
        assert_eq!(
            c.make_permalink("/publicaties/x/"),
            "https://www.kis.nl/publicaties/x/"
        );
        assert_eq!(
            c.make_permalink("publicaties/x"),
            "https://www.kis.nl/publicaties/x/"
        );
        assert_eq!(c.make_permalink("atom.xml"), "https://www.kis.nl/atom.xml");
    }

    #[test]
    fn a_bad_key_is_named() {
        let err = SiteConfig::parse("base_url = \"x\"\ngenerate_feeds = \"ja\"\n").unwrap_err();
        assert!(err.to_string().starts_with("generate_feeds:"), "{err}");
        assert!(
            matches!(err, ConfigProblem::Field(FieldError { ref field, .. }) if field == "generate_feeds")
        );
        assert_eq!(
            SiteConfig::parse("title = \"x\"\n").unwrap_err(),
            ConfigProblem::Field(FieldError::new("base_url", "required"))
        );
        assert!(matches!(
            SiteConfig::parse("base_url = "),
            Err(ConfigProblem::Syntax(_))
        ));
    }

    #[test]
    fn dates_in_extra_reach_templates_as_text() {
        let c = SiteConfig::parse("base_url = \"x\"\n[extra]\nd = 2020-06-01\n").unwrap();
        assert_eq!(c.to_template_value()["extra"]["d"], "2020-06-01");
    }
}
