//! Dossiers in review: adding a publication to a dossier's group (the
//! dossier's ordered list and the publication's own `extra.dossiers`, in
//! one commit) and ordering a group's items.

use std::path::Path;

use serde::Deserialize;
use toml_edit::{Array, DocumentMut, Item};

use super::edit::{change_doc, open, render, Change, Opened};
use super::{check_version, file_version, git, lock, Applied, Author, ReviewError, WriteLock};
use crate::content::{split_front_matter, write_atomic};
use crate::model::TaxonomyRules;

/// The most items in one group.
pub const MAX_GROUP_ITEMS: usize = 1_000;

/// A dossier as the editor picks and orders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dossier {
    /// `dossiers/<x>.md`.
    pub relative_path: String,
    pub slug: String,
    pub title: String,
    pub groups: Vec<Group>,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Group {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub pages: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Front {
    #[serde(default)]
    title: String,
    #[serde(default)]
    extra: FrontExtra,
}

#[derive(Debug, Default, Deserialize)]
struct FrontExtra {
    #[serde(default)]
    groups: Vec<Group>,
}

/// Every dossier in `content/dossiers/`, by file name.
pub fn list(content_dir: &Path) -> Vec<Dossier> {
    let dir = content_dir.join("dossiers");
    let mut found: Vec<Dossier> = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return found;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && !n.starts_with(['_', '.']))
        .collect();
    names.sort();
    for name in names {
        if let Some(d) = read(content_dir, &format!("dossiers/{name}")) {
            found.push(d);
        }
    }
    found
}

/// One dossier, when it reads.
pub fn read(content_dir: &Path, relative_path: &str) -> Option<Dossier> {
    let bytes = std::fs::read(content_dir.join(relative_path)).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (front, _) = split_front_matter(text).ok()?;
    let front: Front = toml::from_str(front).ok()?;
    let slug = relative_path
        .strip_prefix("dossiers/")?
        .strip_suffix(".md")?
        .to_string();
    Some(Dossier {
        relative_path: relative_path.to_string(),
        slug,
        title: front.title,
        groups: front.extra.groups,
        version: file_version(&bytes),
    })
}

fn refused(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::Refused {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The `pages` of group `group`; with no groups yet, one is made.
fn group_pages(doc: &mut DocumentMut, group: usize) -> Result<&mut Array, ReviewError> {
    let extra = doc
        .as_table_mut()
        .entry("extra")
        .or_insert_with(|| Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| refused("extra", "is geen tabel"))?;
    let groups = extra.entry("groups").or_insert_with(|| {
        let mut first = toml_edit::Table::new();
        first.insert("title", toml_edit::value("Publicaties"));
        first.insert("pages", toml_edit::value(Array::new()));
        let mut all = toml_edit::ArrayOfTables::new();
        all.push(first);
        Item::ArrayOfTables(all)
    });
    let missing = || refused("groep", format!("de groep {} bestaat niet", group + 1));
    let pages = if groups.is_array_of_tables() {
        let table = groups
            .as_array_of_tables_mut()
            .and_then(|all| all.get_mut(group))
            .ok_or_else(missing)?;
        table
            .entry("pages")
            .or_insert_with(|| toml_edit::value(Array::new()))
            .as_array_mut()
    } else if let Some(all) = groups.as_array_mut() {
        let table = all
            .get_mut(group)
            .and_then(|v| v.as_inline_table_mut())
            .ok_or_else(missing)?;
        if !table.contains_key("pages") {
            table.insert("pages", toml_edit::Value::Array(Array::new()));
        }
        table.get_mut("pages").and_then(|v| v.as_array_mut())
    } else {
        None
    };
    pages.ok_or_else(|| refused("extra.groups", "heeft geen lijst pages"))
}

fn strings(array: &Array) -> Vec<String> {
    array
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// Adds the publication at `publication` (version `expected`) to group
/// `group` of `dossier`, at the end, and the dossier to the
/// publication's `extra.dossiers`: two files, one commit.
pub fn add(
    content_dir: &Path,
    rules: &TaxonomyRules,
    dossier: &str,
    group: usize,
    publication: &str,
    expected: &str,
    author: &Author,
) -> Result<Applied, ReviewError> {
    let (_lock, _, mut file) = locked(content_dir, dossier)?;
    let item = open(content_dir, publication)?;
    check_version(&item.path, &item.bytes, expected)?;
    let pages = group_pages(&mut file.doc, group)?;
    if !strings(pages).iter().any(|p| p == publication) {
        if pages.len() >= MAX_GROUP_ITEMS {
            return Err(refused(
                "groep",
                format!("heeft al {MAX_GROUP_ITEMS} items"),
            ));
        }
        pages.push(publication);
    }
    both(
        content_dir,
        rules,
        dossier,
        publication,
        file,
        item,
        Change::InDossier {
            dossier: dossier.to_string(),
        },
        "in dossier",
        author,
    )
}

/// Takes the publication at `publication` (version `expected`) out of
/// every group of `dossier`, and the dossier out of the publication's
/// `extra.dossiers`: two files, one commit.
pub fn remove(
    content_dir: &Path,
    rules: &TaxonomyRules,
    dossier: &str,
    publication: &str,
    expected: &str,
    author: &Author,
) -> Result<Applied, ReviewError> {
    let (_lock, known, mut file) = locked(content_dir, dossier)?;
    let item = open(content_dir, publication)?;
    check_version(&item.path, &item.bytes, expected)?;
    for group in 0..known.groups.len() {
        let pages = group_pages(&mut file.doc, group)?;
        let kept: Vec<String> = strings(pages)
            .into_iter()
            .filter(|p| p.trim_start_matches("@/") != publication)
            .collect();
        if kept.len() != pages.len() {
            pages.clear();
            for p in &kept {
                pages.push(p.as_str());
            }
        }
    }
    both(
        content_dir,
        rules,
        dossier,
        publication,
        file,
        item,
        Change::OutOfDossier {
            dossier: dossier.to_string(),
        },
        "uit dossier",
        author,
    )
}

/// Takes the write lock, then reads `dossier` (an unknown one is an
/// error) and opens it for editing.
fn locked(
    content_dir: &Path,
    dossier: &str,
) -> Result<(WriteLock, Dossier, DossierFile), ReviewError> {
    let lock = lock(content_dir.parent().unwrap_or(content_dir))?;
    let known =
        read(content_dir, dossier).ok_or_else(|| ReviewError::Unknown(dossier.to_string()))?;
    let file = open_dossier(content_dir, dossier)?;
    Ok((lock, known, file))
}

/// Writes the dossier and the publication after `change` to the
/// publication, and commits both in one commit.
#[allow(clippy::too_many_arguments)]
fn both(
    content_dir: &Path,
    rules: &TaxonomyRules,
    dossier: &str,
    publication: &str,
    file: DossierFile,
    mut item: Opened,
    change: Change,
    what: &str,
    author: &Author,
) -> Result<Applied, ReviewError> {
    change_doc(&mut item, rules, &change)?;
    let dossier_text = render(&file.doc, &file.body);
    let item_text = render(&item.doc, &item.body);
    write_atomic(&file.path, dossier_text.as_bytes())?;
    write_atomic(&item.path, item_text.as_bytes())?;
    let title = item
        .doc
        .get("title")
        .and_then(|t| t.as_str())
        .unwrap_or(publication);
    let commit = git::commit(
        content_dir,
        &[file.path.clone(), item.path.clone()],
        &format!(
            "Beheer: \"{}\" {what} {dossier}",
            title.chars().take(60).collect::<String>()
        ),
        author,
    )?;
    Ok(Applied {
        relative_path: publication.to_string(),
        version: file_version(item_text.as_bytes()),
        commit,
    })
}

struct DossierFile {
    path: std::path::PathBuf,
    bytes: Vec<u8>,
    doc: DocumentMut,
    body: String,
}

fn open_dossier(content_dir: &Path, dossier: &str) -> Result<DossierFile, ReviewError> {
    let path = content_dir.join(dossier);
    let invalid = |message: String| ReviewError::Invalid {
        path: path.clone(),
        field: "front matter".into(),
        message,
    };
    let bytes = std::fs::read(&path).map_err(|source| ReviewError::Read {
        path: path.clone(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid("not UTF-8".into()))?;
    let (front, body) = split_front_matter(text).map_err(|e| invalid(e.to_string()))?;
    let doc: DocumentMut = front
        .parse()
        .map_err(|e: toml_edit::TomlError| invalid(e.message().to_string()))?;
    let body = body.to_string();
    Ok(DossierFile {
        path,
        bytes,
        doc,
        body,
    })
}

/// Moves item `index` of group `group` of `dossier` (version `expected`)
/// one place up or down.
pub fn move_item(
    content_dir: &Path,
    dossier: &str,
    expected: &str,
    group: usize,
    index: usize,
    up: bool,
    author: &Author,
) -> Result<Applied, ReviewError> {
    let (_lock, _, mut file) = locked(content_dir, dossier)?;
    check_version(&file.path, &file.bytes, expected)?;
    let pages = group_pages(&mut file.doc, group)?;
    let mut items = strings(pages);
    let other = if up {
        index.checked_sub(1)
    } else {
        index.checked_add(1)
    };
    let Some(other) = other.filter(|o| *o < items.len() && index < items.len()) else {
        return Err(refused("positie", "dit item kan niet verder die kant op"));
    };
    items.swap(index, other);
    pages.clear();
    for p in &items {
        pages.push(p.as_str());
    }
    let text = render(&file.doc, &file.body);
    write_atomic(&file.path, text.as_bytes())?;
    let commit = git::commit(
        content_dir,
        &[file.path.clone()],
        &format!("Beheer: volgorde van dossier {dossier}"),
        author,
    )?;
    Ok(Applied {
        relative_path: dossier.to_string(),
        version: file_version(text.as_bytes()),
        commit,
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    const DOSSIER: &str = "+++\ntitle = \"Coronadossier\"\n[extra]\nstatus = \"published\"\n\n[[extra.groups]]\ntitle = \"Communicatie\"\npages = [\n  \"publicaties/x.md\",\n  \"publicaties/y.md\",\n]\n+++\nIntro.\n";

    fn author() -> Author {
        Author {
            name: "A".into(),
            email: "a@kis.example".into(),
        }
    }

    #[test]
    fn adds_to_both_files_and_orders() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(content.join("dossiers")).unwrap();
        std::fs::create_dir_all(content.join("publicaties")).unwrap();
        std::fs::write(content.join("dossiers/corona.md"), DOSSIER).unwrap();
        let item = "+++\ntitle = \"Z\"\ndraft = true\n[extra]\nstatus = \"draft\"\n+++\n";
        std::fs::write(content.join("publicaties/z.md"), item).unwrap();
        let rules = TaxonomyRules::default();
        add(
            &content,
            &rules,
            "dossiers/corona.md",
            0,
            "publicaties/z.md",
            &file_version(item.as_bytes()),
            &author(),
        )
        .unwrap();
        let d = read(&content, "dossiers/corona.md").unwrap();
        assert_eq!(
            d.groups[0].pages,
            ["publicaties/x.md", "publicaties/y.md", "publicaties/z.md"]
        );
        let text = std::fs::read_to_string(content.join("publicaties/z.md")).unwrap();
        assert!(
            text.contains("dossiers = [\"dossiers/corona.md\"]"),
            "{text}"
        );
        assert!(std::fs::read_to_string(content.join("dossiers/corona.md"))
            .unwrap()
            .ends_with("+++\nIntro.\n"));

        move_item(
            &content,
            "dossiers/corona.md",
            &d.version,
            0,
            2,
            true,
            &author(),
        )
        .unwrap();
        let d2 = read(&content, "dossiers/corona.md").unwrap();
        assert_eq!(
            d2.groups[0].pages,
            ["publicaties/x.md", "publicaties/z.md", "publicaties/y.md"]
        );
        // The old version is a conflict; past the end is refused.
        assert!(matches!(
            move_item(
                &content,
                "dossiers/corona.md",
                &d.version,
                0,
                1,
                true,
                &author()
            ),
            Err(ReviewError::Conflict { .. })
        ));
        assert!(move_item(
            &content,
            "dossiers/corona.md",
            &d2.version,
            0,
            0,
            true,
            &author()
        )
        .is_err());
        assert!(add(
            &content,
            &rules,
            "dossiers/geen.md",
            0,
            "publicaties/z.md",
            "x",
            &author()
        )
        .is_err());
        let now = std::fs::read(content.join("publicaties/z.md")).unwrap();
        remove(
            &content,
            &rules,
            "dossiers/corona.md",
            "publicaties/z.md",
            &file_version(&now),
            &author(),
        )
        .unwrap();
        assert_eq!(
            read(&content, "dossiers/corona.md").unwrap().groups[0].pages,
            ["publicaties/x.md", "publicaties/y.md"]
        );
        let text = std::fs::read_to_string(content.join("publicaties/z.md")).unwrap();
        assert!(!text.contains("dossiers"), "{text}");
    }
}
