//! The changes an editor makes to one publication, applied to its front
//! matter with toml_edit and written atomically after the version check.

use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, Item, TableLike};

use super::{check_version, file_version, git, lock, Author, ReviewError};
use crate::content::{split_front_matter, write_atomic, FieldError};
use crate::harvest::store::summary_of;
use crate::model::{parse_extra, PublicationExtra, Status, TaxonomyRules};

/// The longest title, summary and rejection reason, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_REASON_CHARS: usize = 1_000;
/// The most terms of one taxonomy on an item.
pub const MAX_TERMS: usize = 20;

/// A field that upstream can change under an editor's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagField {
    Title,
    Description,
}

impl FlagField {
    pub fn parse(s: &str) -> Option<FlagField> {
        match s {
            "title" => Some(FlagField::Title),
            "description" => Some(FlagField::Description),
            _ => None,
        }
    }

    /// The key of the field, as review notes start with it.
    pub fn key(self) -> &'static str {
        match self {
            FlagField::Title => "title",
            FlagField::Description => "description",
        }
    }
}

/// What the editor sets on the item page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edit {
    pub title: String,
    pub description: String,
    pub types: Vec<String>,
    pub themes: Vec<String>,
    pub programmalijnen: Vec<String>,
}

/// Terms added to a selection at once (bulk tag); the type replaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    pub themes: Vec<String>,
    pub programmalijnen: Vec<String>,
    pub kind: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Publish it; with no themes chosen, the suggested ones are taken.
    Approve,
    /// Turn it down for good: a re-harvest keeps it rejected.
    Reject {
        reason: String,
    },
    Edit(Edit),
    Tag(Tag),
    /// For a flagged field: keep the value shown, or take upstream's.
    Keep {
        field: FlagField,
        upstream: bool,
    },
    /// Add `dossiers/<x>.md` to the item's own list (the dossier's list is
    /// [`super::dossier`]'s).
    InDossier {
        dossier: String,
    },
    /// Take `dossiers/<x>.md` out of the item's own list.
    OutOfDossier {
        dossier: String,
    },
}

impl Change {
    /// A few words for the commit message.
    fn describe(&self) -> &'static str {
        match self {
            Change::Approve => "goedgekeurd",
            Change::Reject { .. } => "afgewezen",
            Change::Edit(_) => "bewerkt",
            Change::Tag(_) => "getagd",
            Change::Keep { .. } => "wijziging van de bron beoordeeld",
            Change::InDossier { .. } => "aan dossier toegevoegd",
            Change::OutOfDossier { .. } => "uit dossier gehaald",
        }
    }
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub relative_path: String,
    /// The file's version after the change.
    pub version: String,
    /// The git commit, when the content is in a repository.
    pub commit: Option<String>,
}

/// A publication's file read for a change.
pub(crate) struct Opened {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub doc: DocumentMut,
    pub body: String,
    pub extra: PublicationExtra,
}

pub(crate) fn open(content_dir: &Path, relative_path: &str) -> Result<Opened, ReviewError> {
    let path = content_dir.join(relative_path);
    let invalid = |field: &str, message: String| ReviewError::Invalid {
        path: path.clone(),
        field: field.to_string(),
        message,
    };
    let bytes = std::fs::read(&path).map_err(|source| ReviewError::Read {
        path: path.clone(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid("file", "not UTF-8".into()))?;
    let (front, body) =
        split_front_matter(text).map_err(|e| invalid("front matter", e.to_string()))?;
    let doc: DocumentMut = front
        .parse()
        .map_err(|e: toml_edit::TomlError| invalid("front matter", e.message().to_string()))?;
    let table: toml::Table =
        toml::from_str(front).map_err(|e| invalid("front matter", e.message().to_string()))?;
    let extra = match table.get("extra").and_then(|e| e.as_table()) {
        Some(extra) => {
            parse_extra::<PublicationExtra>(extra).map_err(|e| invalid(&e.field, e.message))?
        }
        None => PublicationExtra::default(),
    };
    let body = body.to_string();
    Ok(Opened {
        path,
        bytes,
        doc,
        body,
        extra,
    })
}

pub(crate) fn render(doc: &DocumentMut, body: &str) -> String {
    let mut front = doc.to_string();
    if !front.ends_with('\n') {
        front.push('\n');
    }
    format!("+++\n{front}+++\n{body}")
}

/// Applies `changes` to the publication at `relative_path` (from the
/// content folder) if its version is still `expected`; writes it; commits
/// it as `author` when the content is in git.
pub fn apply(
    content_dir: &Path,
    rules: &TaxonomyRules,
    relative_path: &str,
    expected: &str,
    changes: &[Change],
    author: &Author,
) -> Result<Applied, ReviewError> {
    let site_dir = content_dir.parent().unwrap_or(content_dir);
    let _lock = lock(site_dir)?;
    let mut opened = open(content_dir, relative_path)?;
    check_version(&opened.path, &opened.bytes, expected)?;
    for change in changes {
        change_doc(&mut opened, rules, change)?;
    }
    let text = render(&opened.doc, &opened.body);
    // What was written must read back as a publication.
    let check =
        parse_written(&text).map_err(|FieldError { field, message }| ReviewError::Invalid {
            path: opened.path.clone(),
            field,
            message,
        })?;
    let _ = check;
    write_atomic(&opened.path, text.as_bytes())?;
    let title = opened
        .doc
        .get("title")
        .and_then(|t| t.as_str())
        .unwrap_or(relative_path)
        .to_string();
    let what = changes.last().map_or("bewerkt", Change::describe);
    let message = format!("Beheer: {} {what}", short(&title));
    let commit = git::commit(content_dir, &[opened.path.clone()], &message, author)?;
    Ok(Applied {
        relative_path: relative_path.to_string(),
        version: file_version(text.as_bytes()),
        commit,
    })
}

fn short(title: &str) -> String {
    let t: String = title.chars().take(60).collect();
    if t.chars().count() < title.chars().count() {
        format!("\"{t}…\"")
    } else {
        format!("\"{t}\"")
    }
}

fn parse_written(text: &str) -> Result<PublicationExtra, FieldError> {
    let (front, _) =
        split_front_matter(text).map_err(|e| FieldError::new("front matter", e.to_string()))?;
    let table: toml::Table =
        toml::from_str(front).map_err(|e| FieldError::new("front matter", e.message()))?;
    match table.get("extra").and_then(|e| e.as_table()) {
        Some(extra) => parse_extra::<PublicationExtra>(extra),
        None => Ok(PublicationExtra::default()),
    }
}

fn refused(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::Refused {
        field: field.to_string(),
        message: message.into(),
    }
}

/// One line of text from a form: trimmed, control characters refused.
pub fn clean_line(field: &str, text: &str, max: usize) -> Result<String, ReviewError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(refused(field, format!("langer dan {max} tekens")));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(refused(field, "bevat een stuurteken of regeleinde"));
    }
    Ok(text.to_string())
}

/// Text that may have line breaks (a summary, a reason).
pub fn clean_text(field: &str, text: &str, max: usize) -> Result<String, ReviewError> {
    let text = text.trim().replace("\r\n", "\n");
    if text.chars().count() > max {
        return Err(refused(field, format!("langer dan {max} tekens")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(refused(field, "bevat een stuurteken"));
    }
    Ok(text)
}

/// Terms checked against the taxonomy rules, in order, without repeats.
fn checked_terms(
    field: &str,
    terms: &[String],
    known: impl Fn(&str) -> bool,
) -> Result<Vec<String>, ReviewError> {
    if terms.len() > MAX_TERMS {
        return Err(refused(field, format!("meer dan {MAX_TERMS} termen")));
    }
    let mut out: Vec<String> = Vec::new();
    for term in terms {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        if !known(term) {
            return Err(refused(
                field,
                format!(
                    "'{}' is geen bekende term",
                    term.chars().take(100).collect::<String>()
                ),
            ));
        }
        if !out.iter().any(|t| t == term) {
            out.push(term.to_string());
        }
    }
    Ok(out)
}

fn taxonomies(doc: &mut DocumentMut) -> Result<&mut dyn TableLike, ReviewError> {
    doc.as_table_mut()
        .entry("taxonomies")
        .or_insert_with(|| Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| refused("taxonomies", "is geen tabel"))
}

fn extra_table(doc: &mut DocumentMut) -> Result<&mut dyn TableLike, ReviewError> {
    doc.as_table_mut()
        .entry("extra")
        .or_insert_with(|| Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| refused("extra", "is geen tabel"))
}

fn string_list(values: &[String]) -> Item {
    toml_edit::value(Array::from_iter(values.iter().map(String::as_str)))
}

fn terms_of(doc: &DocumentMut, taxonomy: &str) -> Vec<String> {
    doc.get("taxonomies")
        .and_then(|t| t.as_table_like())
        .and_then(|t| t.get(taxonomy))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn set_terms(doc: &mut DocumentMut, taxonomy: &str, terms: &[String]) -> Result<(), ReviewError> {
    let table = taxonomies(doc)?;
    if terms.is_empty() {
        table.remove(taxonomy);
    } else {
        table.insert(taxonomy, string_list(terms));
    }
    Ok(())
}

/// Drops the review notes of `field` (all when `None`); the flag goes when
/// no note is left.
fn clear_notes(extra: &mut dyn TableLike, notes: &[String], field: Option<FlagField>) {
    let left: Vec<String> = match field {
        None => Vec::new(),
        Some(f) => notes
            .iter()
            .filter(|n| !n.starts_with(&format!("{}:", f.key())))
            .cloned()
            .collect(),
    };
    if left.is_empty() {
        extra.remove("review");
        extra.remove("review_notes");
    } else {
        extra.insert("review_notes", string_list(&left));
    }
}

pub(crate) fn change_doc(
    opened: &mut Opened,
    rules: &TaxonomyRules,
    change: &Change,
) -> Result<(), ReviewError> {
    let notes = opened.extra.review_notes.clone();
    let doc = &mut opened.doc;
    match change {
        Change::Approve => {
            // The chosen terms, or else the valid suggestions; old theme
            // names in either are written as the current ones.
            let suggested = rules.modernise(
                &opened.extra.suggested_themes,
                &opened.extra.suggested_programmalijnen,
            );
            let before = (terms_of(doc, "thema"), terms_of(doc, "programmalijn"));
            let (mut themes, mut lines) = before.clone();
            if themes.is_empty() {
                themes = suggested
                    .themes
                    .into_iter()
                    .filter(|t| rules.is_theme(t))
                    .collect();
            }
            if lines.is_empty() {
                lines = suggested
                    .programmalijnen
                    .into_iter()
                    .filter(|t| rules.is_programmalijn(t))
                    .collect();
            }
            let now = rules.modernise(&themes, &lines);
            if (&now.themes, &now.programmalijnen) != (&before.0, &before.1) {
                set_terms(doc, "thema", &now.themes)?;
                set_terms(doc, "programmalijn", &now.programmalijnen)?;
            }
            doc.as_table_mut().insert("draft", toml_edit::value(false));
            let extra = extra_table(doc)?;
            extra.insert("status", toml_edit::value("published"));
            extra.remove("rejection_reason");
            clear_notes(extra, &notes, None);
            opened.extra.status = Status::Published;
        }
        Change::Reject { reason } => {
            let reason = clean_text("reden", reason, MAX_REASON_CHARS)?;
            if reason.is_empty() {
                return Err(refused("reden", "geef een reden voor de afwijzing"));
            }
            doc.as_table_mut().insert("draft", toml_edit::value(true));
            let extra = extra_table(doc)?;
            extra.insert("status", toml_edit::value("rejected"));
            extra.insert("rejection_reason", toml_edit::value(reason));
            clear_notes(extra, &notes, None);
            opened.extra.status = Status::Rejected;
        }
        Change::Edit(edit) => {
            let title = clean_line("titel", &edit.title, MAX_TITLE_CHARS)?;
            if title.is_empty() {
                return Err(refused("titel", "een titel is nodig"));
            }
            let description = clean_text("samenvatting", &edit.description, MAX_DESCRIPTION_CHARS)?;
            let types = checked_terms("type", &edit.types, |t| rules.types.contains_key(t))?;
            let current = rules.modernise(&edit.themes, &edit.programmalijnen);
            let themes = checked_terms("thema", &current.themes, |t| rules.is_theme(t))?;
            let lines = checked_terms("programmalijn", &current.programmalijnen, |t| {
                rules.is_programmalijn(t)
            })?;
            doc.as_table_mut().insert("title", toml_edit::value(title));
            if description.is_empty() {
                doc.as_table_mut().remove("description");
            } else {
                doc.as_table_mut()
                    .insert("description", toml_edit::value(description));
            }
            set_terms(doc, "type", &types)?;
            set_terms(doc, "thema", &themes)?;
            set_terms(doc, "programmalijn", &lines)?;
        }
        Change::Tag(tag) => {
            let current = rules.modernise(&tag.themes, &tag.programmalijnen);
            let themes = checked_terms("thema", &current.themes, |t| rules.is_theme(t))?;
            let lines = checked_terms("programmalijn", &current.programmalijnen, |t| {
                rules.is_programmalijn(t)
            })?;
            for (taxonomy, add) in [("thema", themes), ("programmalijn", lines)] {
                if add.is_empty() {
                    continue;
                }
                let mut terms = terms_of(doc, taxonomy);
                for t in add {
                    if !terms.contains(&t) {
                        terms.push(t);
                    }
                }
                if terms.len() > MAX_TERMS {
                    return Err(refused(taxonomy, format!("meer dan {MAX_TERMS} termen")));
                }
                set_terms(doc, taxonomy, &terms)?;
            }
            if let Some(kind) = &tag.kind {
                let kinds = checked_terms("type", std::slice::from_ref(kind), |t| {
                    rules.types.contains_key(t)
                })?;
                set_terms(doc, "type", &kinds)?;
            }
        }
        Change::Keep { field, upstream } => {
            let harvest = opened.extra.harvest.clone().unwrap_or_default();
            if *upstream {
                match field {
                    FlagField::Title => {
                        let title = harvest
                            .upstream_title
                            .filter(|t| !t.trim().is_empty())
                            .ok_or_else(|| refused("titel", "de bron gaf geen titel"))?;
                        doc.as_table_mut().insert("title", toml_edit::value(title));
                    }
                    FlagField::Description => {
                        let summary = summary_of(harvest.abstract_text.as_deref().unwrap_or(""));
                        doc.as_table_mut()
                            .insert("description", toml_edit::value(summary));
                    }
                }
            }
            let extra = extra_table(doc)?;
            clear_notes(extra, &notes, Some(*field));
        }
        Change::OutOfDossier { dossier } => {
            let list: Vec<String> = opened
                .extra
                .dossiers
                .iter()
                .filter(|d| *d != dossier)
                .cloned()
                .collect();
            let extra = extra_table(doc)?;
            if list.is_empty() {
                extra.remove("dossiers");
            } else {
                extra.insert("dossiers", string_list(&list));
            }
            opened.extra.dossiers = list;
        }
        Change::InDossier { dossier } => {
            let mut list = opened.extra.dossiers.clone();
            if !list.contains(dossier) {
                list.push(dossier.clone());
            }
            let extra = extra_table(doc)?;
            extra.insert("dossiers", string_list(&list));
            opened.extra.dossiers = list;
        }
    }
    Ok(())
}

/// What upstream says of a flagged field now, beside what the page shows.
pub fn flagged_values(
    content_dir: &Path,
    relative_path: &str,
) -> Result<Vec<(FlagField, String, String)>, ReviewError> {
    let opened = open(content_dir, relative_path)?;
    let harvest = opened.extra.harvest.clone().unwrap_or_default();
    let shown = |key: &str| {
        opened
            .doc
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut out = Vec::new();
    for field in [FlagField::Title, FlagField::Description] {
        let flagged = opened
            .extra
            .review_notes
            .iter()
            .any(|n| n.starts_with(&format!("{}:", field.key())));
        if !flagged {
            continue;
        }
        let upstream = match field {
            FlagField::Title => harvest.upstream_title.clone().unwrap_or_default(),
            FlagField::Description => summary_of(harvest.abstract_text.as_deref().unwrap_or("")),
        };
        out.push((field, shown(field.key()), upstream));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::Theme;

    pub(crate) fn rules() -> TaxonomyRules {
        TaxonomyRules {
            themes: vec![Theme {
                name: "Gelijke kansen".into(),
                number: 2,
                programmalijnen: vec!["Werk".into()],
            }],
            types: [("rapport".to_string(), "Rapport".to_string())].into(),
            ..Default::default()
        }
        .with_legacy(&[])
    }

    fn author() -> Author {
        Author {
            name: "Anna de Vries".into(),
            email: "anna@kis.example".into(),
        }
    }

    const DRAFT: &str = "+++\n# Een opmerking die blijft.\ntitle = \"Oud\"\ndescription = \"Samenvatting\"\ndraft = true\n\n[taxonomies]\npartner = [\"Movisie\"]\n\n[extra]\nstatus = \"draft\"\nreview = true\nreview_notes = [\"title: upstream now \\\"Nieuw\\\" (was \\\"Oud\\\"); the page shows the old one\", \"description: upstream abstract changed\"]\nsuggested_themes = [\"Gelijke kansen\", \"Onbekend\"]\n\n[extra.harvest]\nsource = \"movisie/feed\"\nupstream_title = \"Nieuw\"\nabstract = \"<p>Nieuwe samenvatting.</p>\"\n+++\nTekst blijft.\n";

    fn site() -> (tempfile::TempDir, PathBuf, String) {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(content.join("publicaties")).unwrap();
        std::fs::write(content.join("publicaties/a.md"), DRAFT).unwrap();
        let version = file_version(DRAFT.as_bytes());
        (dir, content, version)
    }

    fn read(content: &Path) -> String {
        std::fs::read_to_string(content.join("publicaties/a.md")).unwrap()
    }

    #[test]
    fn approve_takes_valid_suggestions_and_keeps_the_rest_of_the_file() {
        let (_dir, content, version) = site();
        let applied = apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &version,
            &[Change::Approve],
            &author(),
        )
        .unwrap();
        let text = read(&content);
        assert!(text.contains("# Een opmerking die blijft."), "{text}");
        assert!(text.ends_with("+++\nTekst blijft.\n"), "{text}");
        assert!(
            text.contains("draft = false") && text.contains("status = \"published\""),
            "{text}"
        );
        assert!(text.contains("thema = [\"Gelijke kansen\"]"), "{text}");
        assert!(!text.contains("review"), "{text}");
        assert_eq!(applied.version, file_version(text.as_bytes()));
        assert!(applied.commit.is_none(), "no git here");
    }

    #[test]
    fn approving_or_tagging_writes_current_names_for_old_ones() {
        use crate::model::{ThemeKind, ThemePageExtra};
        let page = ThemePageExtra {
            kind: ThemeKind::Programmalijn,
            term: "Werk".into(),
            legacy: vec!["Arbeidsmarkt".into()],
            ..Default::default()
        };
        let rules = rules().with_legacy([&page]);
        let (_dir, content, _) = site();
        let old = DRAFT.replace(
            "partner = [\"Movisie\"]",
            "partner = [\"Movisie\"]\nthema = [\"arbeidsmarkt\"]",
        );
        std::fs::write(content.join("publicaties/a.md"), &old).unwrap();
        let applied = apply(
            &content,
            &rules,
            "publicaties/a.md",
            &file_version(old.as_bytes()),
            &[Change::Approve],
            &author(),
        )
        .unwrap();
        let text = read(&content);
        assert!(text.contains("thema = [\"Gelijke kansen\"]"), "{text}");
        assert!(text.contains("programmalijn = [\"Werk\"]"), "{text}");
        assert!(!text.contains("arbeidsmarkt\""), "{text}");

        apply(
            &content,
            &rules,
            "publicaties/a.md",
            &applied.version,
            &[Change::Tag(Tag {
                themes: vec!["Arbeidsmarkt".into()],
                ..Default::default()
            })],
            &author(),
        )
        .unwrap();
        let text = read(&content);
        assert!(text.contains("programmalijn = [\"Werk\"]"), "{text}");
        assert!(!text.contains("Arbeidsmarkt"), "{text}");
    }

    #[test]
    fn a_stale_version_is_a_conflict_and_changes_nothing() {
        let (_dir, content, version) = site();
        apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &version,
            &[Change::Reject {
                reason: "Dubbel".into(),
            }],
            &author(),
        )
        .unwrap();
        let after_first = read(&content);
        let second = apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &version,
            &[Change::Approve],
            &author(),
        );
        assert!(
            matches!(second, Err(ReviewError::Conflict { .. })),
            "{second:?}"
        );
        assert_eq!(read(&content), after_first);
        assert!(
            after_first.contains("status = \"rejected\"")
                && after_first.contains("rejection_reason = \"Dubbel\"")
        );
    }

    #[test]
    fn edits_are_checked_against_the_taxonomy() {
        let (_dir, content, version) = site();
        let edit = |themes: &[&str]| {
            Change::Edit(Edit {
                title: "Nieuwe titel <script>".into(),
                description: "Regel een\nRegel twee".into(),
                types: vec!["rapport".into()],
                themes: themes.iter().map(|s| s.to_string()).collect(),
                programmalijnen: vec!["Werk".into()],
            })
        };
        let err = apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &version,
            &[edit(&["Verzonnen"])],
            &author(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("thema: 'Verzonnen'"), "{err}");
        assert_eq!(read(&content), DRAFT);
        apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &version,
            &[edit(&["Gelijke kansen"])],
            &author(),
        )
        .unwrap();
        let text = read(&content);
        assert!(
            text.contains("title = \"Nieuwe titel <script>\""),
            "stored as text: {text}"
        );
        assert!(
            text.contains("programmalijn = [\"Werk\"]") && text.contains("type = [\"rapport\"]"),
            "{text}"
        );
        let bad = Change::Edit(Edit {
            title: "a\u{0}b".into(),
            ..Default::default()
        });
        let v = file_version(text.as_bytes());
        assert!(apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &v,
            &[bad],
            &author()
        )
        .is_err());
    }

    #[test]
    fn keeping_a_flagged_field_clears_its_note_only() {
        let (_dir, content, version) = site();
        let flagged = flagged_values(&content, "publicaties/a.md").unwrap();
        assert_eq!(flagged.len(), 2);
        assert_eq!(flagged[0], (FlagField::Title, "Oud".into(), "Nieuw".into()));
        let applied = apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &version,
            &[Change::Keep {
                field: FlagField::Title,
                upstream: true,
            }],
            &author(),
        )
        .unwrap();
        let text = read(&content);
        assert!(text.contains("title = \"Nieuw\""), "{text}");
        assert!(
            text.contains("review = true") && text.contains("description: upstream"),
            "{text}"
        );
        apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &applied.version,
            &[Change::Keep {
                field: FlagField::Description,
                upstream: false,
            }],
            &author(),
        )
        .unwrap();
        let text = read(&content);
        assert!(!text.contains("review"), "{text}");
        assert!(text.contains("description = \"Samenvatting\""), "{text}");
    }

    #[test]
    fn bulk_tags_add_terms() {
        let (_dir, content, version) = site();
        let tag = Change::Tag(Tag {
            themes: vec!["Gelijke kansen".into()],
            programmalijnen: vec![],
            kind: Some("rapport".into()),
        });
        let a = apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &version,
            std::slice::from_ref(&tag),
            &author(),
        )
        .unwrap();
        apply(
            &content,
            &rules(),
            "publicaties/a.md",
            &a.version,
            &[tag],
            &author(),
        )
        .unwrap();
        let text = read(&content);
        assert!(
            text.contains("thema = [\"Gelijke kansen\"]"),
            "once: {text}"
        );
    }
}
