//! The editable synonyms file, `search/synonyms.toml` in the site:
//!
//! ```toml
//! groepen = [
//!   ["statushouder", "vergunninghouder"],
//!   ["nieuwkomer", "inburgeraar"],
//! ]
//! ```
//!
//! Each group's words mean the same: searching for one finds the others.
//! Both backends use it (Meilisearch as its `synonyms` setting).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::analysis::{fold, stem};

/// Where the synonyms file lives in a site.
pub fn path_in(site_dir: &Path) -> PathBuf {
    site_dir.join("search").join("synonyms.toml")
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    /// Folded word or its stem → groups it is in.
    by_word: HashMap<String, Vec<usize>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SynonymsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {error}", path.display())]
    Invalid {
        path: PathBuf,
        error: SynonymsParseError,
    },
}

/// A synonyms file that is not one.
#[derive(Debug, thiserror::Error)]
pub enum SynonymsParseError {
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    #[error("groepen[{group}] has {words} word(s); a group needs at least two")]
    GroupTooSmall { group: usize, words: usize },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    groepen: Vec<Vec<String>>,
}

impl Synonyms {
    /// Reads the file; a site without one has no synonyms.
    pub fn load(path: &Path) -> Result<Synonyms, SynonymsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Synonyms::default()),
            Err(source) => {
                return Err(SynonymsError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        Synonyms::parse(&text).map_err(|error| SynonymsError::Invalid {
            path: path.to_path_buf(),
            error,
        })
    }

    pub fn parse(text: &str) -> Result<Synonyms, SynonymsParseError> {
        let file: File = toml::from_str(text)?;
        for (group, words) in file.groepen.iter().enumerate() {
            if words.len() < 2 {
                return Err(SynonymsParseError::GroupTooSmall {
                    group,
                    words: words.len(),
                });
            }
        }
        Ok(Synonyms::from_groups(file.groepen))
    }

    pub fn from_groups(groups: Vec<Vec<String>>) -> Synonyms {
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, group) in groups.iter().enumerate() {
            for member in group {
                let Some(folded) = fold_phrase(member) else {
                    continue;
                };
                let stemmed = stem(&folded);
                for key in [folded, stemmed] {
                    let list = by_word.entry(key).or_default();
                    if !list.contains(&i) {
                        list.push(i);
                    }
                }
            }
        }
        Synonyms { groups, by_word }
    }

    /// The other words of the groups `word` (folded) or its `stem` is in.
    pub fn of(&self, word: &str, stem: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for key in [word, stem] {
            for &g in self.by_word.get(key).into_iter().flatten() {
                for member in &self.groups[g] {
                    let folded = fold_phrase(member).unwrap_or_default();
                    if folded != word && !out.contains(member) {
                        out.push(member.clone());
                    }
                }
            }
        }
        out
    }

    /// Meilisearch's `synonyms` setting: each word → the others.
    pub fn to_meilisearch(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for group in &self.groups {
            for member in group {
                let others = group.iter().filter(|m| *m != member).cloned();
                out.entry(member.to_lowercase()).or_default().extend(others);
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// A one-word member folded; multi-word members keep their spaces.
fn fold_phrase(text: &str) -> Option<String> {
    let words: Vec<String> = text.split_whitespace().filter_map(fold).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_work_both_ways_and_by_stem() {
        let s = Synonyms::parse(
            "groepen = [[\"statushouder\", \"vergunninghouder\"], [\"nieuwkomer\", \"inburgeraar\"]]",
        )
        .unwrap();
        assert_eq!(s.of("statushouder", "statushouder"), ["vergunninghouder"]);
        assert_eq!(
            s.of("vergunninghouders", &stem("vergunninghouders")),
            ["statushouder", "vergunninghouder"]
        );
        assert_eq!(s.of("gemeente", "gemeent"), Vec::<String>::new());
        assert_eq!(
            s.to_meilisearch().get("inburgeraar"),
            Some(&vec!["nieuwkomer".to_string()])
        );
    }

    #[test]
    fn a_group_of_one_is_an_error() {
        let e = Synonyms::parse("groepen = [[\"alleen\"]]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("groepen[0]"), "{e}");
        assert!(Synonyms::parse("groepn = []").is_err());
    }
}
