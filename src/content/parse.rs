//! One content file read into a [`Page`] or a [`Section`]: front matter
//! typed, dates parsed (also from a `2020-06-01-name.md` file name), slug
//! and path made as Zola makes them. Placing it in the tree is
//! [`super::library`]'s job.

use std::path::Path;

use super::frontmatter::{
    parse_date, split_front_matter, FieldError, PageFrontMatter, ParsedDate, SectionFrontMatter,
};
use super::library::{Page, Section};
use super::problem::Problem;

/// A file read, before it is placed.
#[derive(Debug, Clone)]
pub(super) enum Parsed {
    Page(Box<Page>),
    Section(Box<Section>),
}

/// What reading one file gives: the page or section with its warnings, or
/// the one problem that kept it out.
pub(super) type ParseResult = Result<(Parsed, Vec<Problem>), Problem>;

/// The bytes of the file at `full`, or the problem reading it names.
pub(super) fn read_file(file: &Path, full: &Path) -> Result<Vec<u8>, Problem> {
    std::fs::read(full).map_err(|e| Problem::new(file, format!("cannot read: {e}")))
}

/// Parses the bytes of content file `rel` (`file` is its name in problems).
pub(super) fn parse_bytes(rel: &str, file: &Path, bytes: &[u8]) -> ParseResult {
    let raw = std::str::from_utf8(bytes).map_err(|e| {
        Problem::new(
            file,
            format!(
                "cannot read: not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    let (toml_text, body) =
        split_front_matter(raw).map_err(|e| Problem::new(file, e.to_string()))?;
    let to_problem = |e: FieldError| Problem::field(file, e.field, e.message);
    let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
    if is_section {
        let (meta, warnings) = SectionFrontMatter::parse(toml_text).map_err(to_problem)?;
        let dir = parent_dir(rel);
        let components: Vec<String> = dir
            .split('/')
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect();
        let path = if components.is_empty() {
            "/".to_string()
        } else {
            format!("/{}/", components.join("/"))
        };
        let section = Section {
            relative_path: rel.to_string(),
            file: file.to_path_buf(),
            meta,
            body: body.to_string(),
            path,
            components,
            assets: Vec::new(),
            pages: Vec::new(),
            ignored_pages: Vec::new(),
            subsections: Vec::new(),
            ancestors: Vec::new(),
        };
        return Ok((
            Parsed::Section(Box::new(section)),
            warnings.into_iter().map(to_problem).collect(),
        ));
    }

    let (meta, warnings) = PageFrontMatter::parse(toml_text).map_err(to_problem)?;
    let date = meta
        .date
        .as_ref()
        .map(parse_date)
        .transpose()
        .map_err(|e| Problem::field(file, "date", e.to_string()))?;
    let updated = meta
        .updated
        .as_ref()
        .map(parse_date)
        .transpose()
        .map_err(|e| Problem::field(file, "updated", e.to_string()))?;

    let is_bundle = rel == "index.md" || rel.ends_with("/index.md");
    let (dir, stem, colocated_path) = if is_bundle {
        let folder = parent_dir(rel);
        let folder = folder.trim_end_matches('/');
        let name = folder.rsplit('/').next().unwrap_or(folder).to_string();
        (parent_dir(folder), name, Some(format!("{folder}/")))
    } else {
        let name = rel
            .rsplit('/')
            .next()
            .unwrap_or(rel)
            .trim_end_matches(".md")
            .to_string();
        (parent_dir(rel), name, None)
    };
    // Zola takes a date from a `2020-06-01-name` file name when none is set.
    let (date, stem) = match split_dated_name(&stem) {
        Some((d, rest)) if date.is_none() => (Some(d), rest),
        Some((_, rest)) => (date, rest),
        None => (date, stem),
    };
    let slug = match &meta.slug {
        Some(s) => slug::slugify(s),
        None => slug::slugify(&stem),
    };
    let path = match &meta.path {
        Some(p) => {
            let trimmed = p.trim_matches('/');
            if trimmed.is_empty() {
                "/".to_string()
            } else {
                format!("/{trimmed}/")
            }
        }
        None => format!("/{dir}{slug}/"),
    };
    let components = path
        .split('/')
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect();
    let page = Page {
        relative_path: rel.to_string(),
        file: file.to_path_buf(),
        meta,
        date,
        updated,
        body: body.to_string(),
        slug,
        path,
        components,
        colocated_path,
        assets: Vec::new(),
        section: None,
        ancestors: Vec::new(),
        lower: None,
        higher: None,
    };
    Ok((
        Parsed::Page(Box::new(page)),
        warnings.into_iter().map(to_problem).collect(),
    ))
}

fn split_dated_name(stem: &str) -> Option<(ParsedDate, String)> {
    let (head, rest) = (stem.get(..10)?, stem.get(11..)?);
    let sep = stem.as_bytes().get(10)?;
    if (*sep != b'-' && *sep != b'_') || rest.is_empty() {
        return None;
    }
    let date = parse_date(&toml::Value::String(head.to_string())).ok()?;
    Some((date, rest.to_string()))
}

/// `a/b/x.md` → `a/b/`; `x.md` → ``.
pub(super) fn parent_dir(rel: &str) -> String {
    match rel.rfind('/') {
        Some(i) => rel[..=i].to_string(),
        None => String::new(),
    }
}
