//! Suggested themes and programmalijnen from Dutch keyword rules that
//! editors keep in `harvesters/classification.toml`, plus a source's
//! defaults. Suggestions stay suggestions (`extra.suggested_*`); editors
//! decide what goes into the taxonomies.
//!
//! ```toml
//! [[rules]]
//! programmalijn = "Gelijke kansen voor nieuwkomers"
//! keywords = ["statushouder", "inburgering", "nieuwkomer"]
//! ```

use std::path::Path;

use serde::Deserialize;

use super::item::HarvestedItem;
use super::registry::Source;
use crate::model::{TaxonomyRules, ThemeKind};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// Items that mention a keyword (as a word start, accents folded) get the
/// rule's programmalijn, and with it its thema, or the rule's thema.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub thema: Option<String>,
    #[serde(default)]
    pub programmalijn: Option<String>,
    pub keywords: Vec<String>,
}

/// What the classifier suggests for one item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Suggestion {
    pub themes: Vec<String>,
    pub programmalijnen: Vec<String>,
}

/// A classification rules file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ClassificationError {
    #[error("{}: cannot read: {error}", path.display())]
    Read {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid {
        path: std::path::PathBuf,
        message: String,
    },
}

impl Classification {
    /// Reads the rules file; no file means no rules.
    pub fn load(path: &Path) -> Result<Classification, ClassificationError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ClassificationError::Invalid {
                path: path.to_path_buf(),
                message: e.message().to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Classification::default()),
            Err(error) => Err(ClassificationError::Read {
                path: path.to_path_buf(),
                error,
            }),
        }
    }

    pub fn suggest(
        &self,
        item: &HarvestedItem,
        source: &Source,
        taxonomy: &TaxonomyRules,
    ) -> Suggestion {
        let mut text = String::new();
        text.push_str(&item.title);
        text.push(' ');
        text.push_str(item.abstract_html.as_deref().unwrap_or_default());
        for subject in &item.subjects {
            text.push(' ');
            text.push_str(subject);
        }
        let words = format!(" {} ", slug::slugify(&text).replace('-', " "));
        let mut s = Suggestion {
            themes: source.default_themes.clone(),
            programmalijnen: source.default_programmalijnen.clone(),
        };
        for rule in &self.rules {
            let hit = rule.keywords.iter().any(|k| {
                let k = slug::slugify(k).replace('-', " ");
                !k.is_empty() && words.contains(&format!(" {k}"))
            });
            if !hit {
                continue;
            }
            if let Some(line) = &rule.programmalijn {
                push_unique(&mut s.programmalijnen, line);
                if let Some(theme) = taxonomy.theme_of(line) {
                    push_unique(&mut s.themes, &theme.name);
                }
            }
            if let Some(theme) = &rule.thema {
                push_unique(&mut s.themes, theme);
            }
        }
        // A partner's subject that is a theme name, current or old ("Nieuwe
        // migratie"), suggests that theme; the source's defaults may be old
        // names too. Suggestions carry current names only.
        for subject in &item.subjects {
            if let Some(name) = taxonomy.current(subject) {
                match name.kind {
                    ThemeKind::Thema => push_unique(&mut s.themes, &name.term),
                    ThemeKind::Programmalijn => {
                        push_unique(&mut s.programmalijnen, &name.term);
                        if let Some(theme) = taxonomy.theme_of(&name.term) {
                            push_unique(&mut s.themes, &theme.name);
                        }
                    }
                }
            }
        }
        let current = taxonomy.modernise(&s.themes, &s.programmalijnen);
        Suggestion {
            themes: current.themes,
            programmalijnen: current.programmalijnen,
        }
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// Whether a source's include/exclude keyword rules let an item through.
pub fn passes_filters(item: &HarvestedItem, source: &Source) -> bool {
    let text = format!(
        " {} ",
        slug::slugify(format!(
            "{} {}",
            item.title,
            item.abstract_html.as_deref().unwrap_or_default()
        ))
        .replace('-', " ")
    );
    let mentions = |k: &String| {
        let k = slug::slugify(k).replace('-', " ");
        !k.is_empty() && text.contains(&format!(" {k}"))
    };
    if source.exclude.iter().any(mentions) {
        return false;
    }
    source.include.is_empty() || source.include.iter().any(mentions)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;
    use crate::harvest::registry::SourceKind;

    fn source() -> Source {
        Source {
            id: "feed".into(),
            kind: SourceKind::Feed,
            url: "https://x".into(),
            metadata_prefix: None,
            set: None,
            default_themes: vec!["Sociale verbondenheid".into()],
            default_programmalijnen: vec![],
            default_type: None,
            include: vec![],
            exclude: vec!["vacature".into()],
        }
    }

    fn taxonomy() -> TaxonomyRules {
        let extra: toml::Table = r#"
            [[themas]]
            naam = "Gelijke kansen"
            programmalijnen = ["Gelijke kansen voor nieuwkomers"]
        "#
        .parse()
        .unwrap();
        TaxonomyRules::from_extra(&extra).unwrap()
    }

    fn item(title: &str) -> HarvestedItem {
        HarvestedItem {
            title: title.into(),
            ..Default::default()
        }
    }

    #[test]
    fn keywords_suggest_a_line_and_its_theme_plus_the_source_defaults() {
        let rules: Classification = toml::from_str(
            "[[rules]]\nprogrammalijn = \"Gelijke kansen voor nieuwkomers\"\nkeywords = [\"statushouder\", \"inburgering\"]\n",
        )
        .unwrap();
        let s = rules.suggest(
            &item("Werk voor Statushouders in de gemeente"),
            &source(),
            &taxonomy(),
        );
        assert_eq!(s.programmalijnen, ["Gelijke kansen voor nieuwkomers"]);
        assert_eq!(s.themes, ["Sociale verbondenheid", "Gelijke kansen"]);
        let none = rules.suggest(&item("Over het weer"), &source(), &taxonomy());
        assert!(none.programmalijnen.is_empty());
    }

    #[test]
    fn an_old_theme_name_as_subject_or_default_suggests_the_current_line() {
        use crate::model::{ThemeKind, ThemePageExtra};
        let page = ThemePageExtra {
            kind: ThemeKind::Programmalijn,
            term: "Gelijke kansen voor nieuwkomers".into(),
            legacy: vec!["Nieuwe migratie".into()],
            ..Default::default()
        };
        let taxonomy = taxonomy().with_legacy([&page]);
        let mut from_partner = item("Over het weer");
        from_partner.subjects = vec!["nieuwe migratie".into()];
        let s = Classification::default().suggest(&from_partner, &source(), &taxonomy);
        assert_eq!(s.programmalijnen, ["Gelijke kansen voor nieuwkomers"]);
        assert!(s.themes.contains(&"Gelijke kansen".to_string()), "{s:?}");

        let mut old_defaults = source();
        old_defaults.default_themes = vec!["Nieuwe migratie".into()];
        let s = Classification::default().suggest(&item("Over het weer"), &old_defaults, &taxonomy);
        assert_eq!(s.themes, ["Gelijke kansen"]);
        assert_eq!(s.programmalijnen, ["Gelijke kansen voor nieuwkomers"]);
    }

    #[test]
    fn include_and_exclude_rules_filter_items() {
        assert!(!passes_filters(&item("Vacature: onderzoeker"), &source()));
        assert!(passes_filters(
            &item("Onderzoek naar inburgering"),
            &source()
        ));
        let only = Source {
            include: vec!["inburgering".into()],
            ..source()
        };
        assert!(!passes_filters(&item("Over het weer"), &only));
    }
}
