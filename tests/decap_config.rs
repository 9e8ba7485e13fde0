//! The editors' CMS (`static/admin/config.yml`, Decap CMS and Sveltia CMS)
//! and the content model cannot drift apart: every collection is a kind of
//! the model, every field a field of its typed struct (and every field of
//! the struct a field of the collection), select options are the enums'
//! variants and `config.toml`'s taxonomy, and a field is required in the CMS
//! exactly when leaving it out makes the model's own rules complain.
//!
//! The check builds a front matter from the widget tree, a sample value per
//! widget, and loads it with the model (`Collection::load`), once whole and
//! once without each field.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use common::project_dir;
use serde::de::{self, DeserializeOwned, Visitor};
use serde_yaml_ng::Value as Yaml;
use vindplaats::content::{PageFrontMatter, SectionFrontMatter, SiteConfig};
use vindplaats::model::{
    Collection, DatePrecision, DossierExtra, DossierGroup, EpisodeExtra, KennisatelierExtra, Kind,
    LoadOptions, PartnerExtra, PodcastSeriesExtra, PortalProjectExtra, PublicationExtra,
    QuestionExtra, Status, TaxonomyRules, ThemeKind, ThemePageExtra,
};

// ---- the names serde knows of a struct or an enum ----

/// A deserializer that only records the field names (or variant names)
/// serde asks it for, then stops.
struct Introspect<'a>(&'a mut Vec<&'static str>);

impl<'de> de::Deserializer<'de> for Introspect<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct or an enum"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend(fields);
        Err(de::Error::custom("introspected"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend(variants);
        Err(de::Error::custom("introspected"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map identifier ignored_any
    }
}

/// Every field name of a struct (as serde spells it), or every variant of
/// an enum.
fn names_of<T: DeserializeOwned>() -> BTreeSet<String> {
    let mut names = Vec::new();
    let _ = T::deserialize(Introspect(&mut names));
    assert!(
        !names.is_empty(),
        "{} has no names",
        std::any::type_name::<T>()
    );
    names.into_iter().map(String::from).collect()
}

// ---- the config as a tree of widgets ----

#[derive(Debug, Clone)]
struct Widget {
    name: String,
    widget: String,
    /// Decap's default is required.
    required: bool,
    multiple: bool,
    /// Option values (the `value` of `{label, value}` options).
    options: Vec<String>,
    labels: Vec<String>,
    default: Option<Yaml>,
    fields: Vec<Widget>,
    collection: Option<String>,
    value_field: Option<String>,
    value_type: Option<String>,
}

fn text(y: &Yaml, key: &str) -> Option<String> {
    y.get(key).and_then(Yaml::as_str).map(String::from)
}

fn widget(y: &Yaml) -> Widget {
    let options: Vec<&Yaml> = y
        .get("options")
        .and_then(Yaml::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let value = |o: &Yaml| match o {
        Yaml::String(s) => s.clone(),
        other => text(other, "value").expect("an option has a value"),
    };
    let label = |o: &Yaml| match o {
        Yaml::String(s) => s.clone(),
        other => text(other, "label").expect("an option has a label"),
    };
    Widget {
        name: text(y, "name").expect("every field has a name"),
        widget: text(y, "widget").unwrap_or_else(|| "string".into()),
        required: y.get("required").and_then(Yaml::as_bool).unwrap_or(true),
        multiple: y.get("multiple").and_then(Yaml::as_bool).unwrap_or(false),
        options: options.iter().map(|o| value(o)).collect(),
        labels: options.iter().map(|o| label(o)).collect(),
        default: y.get("default").cloned(),
        fields: fields(y),
        collection: text(y, "collection"),
        value_field: text(y, "value_field"),
        value_type: text(y, "value_type"),
    }
}

fn fields(y: &Yaml) -> Vec<Widget> {
    let mut out: Vec<Widget> = y
        .get("fields")
        .and_then(Yaml::as_sequence)
        .map(|s| s.iter().map(widget).collect())
        .unwrap_or_default();
    if let Some(single) = y.get("field") {
        out.push(widget(single));
    }
    out
}

/// What a collection's file is in the model.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    Page(Kind),
    /// `content/podcasts/<series>/_index.md`.
    Series,
    /// Any other `_index.md`.
    Section,
}

struct Target {
    /// The collection (and file) name, for messages.
    name: String,
    /// Relative to `content/`; a folder collection's sample file.
    file: String,
    model: Model,
    fields: Vec<Widget>,
}

fn model_of(relative: &str) -> Model {
    let parts: Vec<&str> = relative.split('/').collect();
    match parts.as_slice() {
        ["podcasts", _, "_index.md"] => Model::Series,
        [.., "_index.md"] => Model::Section,
        _ => Model::Page(Kind::of(relative)),
    }
}

fn config() -> Yaml {
    let text = fs::read_to_string(project_dir().join("static/admin/config.yml")).unwrap();
    serde_yaml_ng::from_str(&text).expect("config.yml is YAML")
}

/// Folder collections (name → folder under content/).
fn folders(config: &Yaml) -> BTreeMap<String, String> {
    collections(config)
        .iter()
        .filter_map(|c| {
            let folder = text(c, "folder")?;
            Some((
                text(c, "name").unwrap(),
                folder
                    .strip_prefix("content/")
                    .expect("folders are in content/")
                    .to_string(),
            ))
        })
        .collect()
}

fn collections(config: &Yaml) -> Vec<Yaml> {
    config
        .get("collections")
        .and_then(Yaml::as_sequence)
        .expect("collections")
        .clone()
}

fn targets(config: &Yaml) -> Vec<Target> {
    let mut out = Vec::new();
    for c in collections(config) {
        let name = text(&c, "name").unwrap();
        if let Some(folder) = text(&c, "folder") {
            let folder = folder.strip_prefix("content/").unwrap().to_string();
            let file = format!("{folder}/decap-voorbeeld.md");
            out.push(Target {
                name,
                model: model_of(&file),
                file,
                fields: fields(&c),
            });
        } else {
            for f in c.get("files").and_then(Yaml::as_sequence).unwrap() {
                let path = text(f, "file").unwrap();
                let file = path.strip_prefix("content/").unwrap().to_string();
                out.push(Target {
                    name: format!("{name}/{}", text(f, "name").unwrap()),
                    model: model_of(&file),
                    file,
                    fields: fields(f),
                });
            }
        }
    }
    out
}

// ---- what the model says ----

struct ModelFacts {
    rules: TaxonomyRules,
    config: SiteConfig,
}

fn model() -> ModelFacts {
    let config = SiteConfig::load(&project_dir().join("config.toml")).unwrap();
    let rules = TaxonomyRules::from_extra(&config.extra).unwrap();
    ModelFacts { rules, config }
}

/// The field names of `[extra]` for a file of this model, and of the
/// structs nested in it (by the extra field that holds them).
fn extra_names(model: Model) -> Option<BTreeSet<String>> {
    Some(match model {
        Model::Page(Kind::Publication) => names_of::<PublicationExtra>(),
        Model::Page(Kind::Episode) => names_of::<EpisodeExtra>(),
        Model::Page(Kind::Dossier) => names_of::<DossierExtra>(),
        Model::Page(Kind::Question) => names_of::<QuestionExtra>(),
        Model::Page(Kind::Kennisatelier) => names_of::<KennisatelierExtra>(),
        Model::Page(Kind::PortalProject) => names_of::<PortalProjectExtra>(),
        Model::Page(Kind::ThemePage) => names_of::<ThemePageExtra>(),
        Model::Page(Kind::Partner) => names_of::<PartnerExtra>(),
        Model::Series => names_of::<PodcastSeriesExtra>(),
        Model::Page(Kind::Other) | Model::Section => return None,
    })
}

fn nested_names(model: Model, field: &str) -> Option<BTreeSet<String>> {
    match (model, field) {
        (Model::Page(Kind::Dossier), "groups") => Some(names_of::<DossierGroup>()),
        _ => None,
    }
}

/// The options a select must offer, by its path.
fn expected_options(model: &ModelFacts, path: &str) -> Option<Vec<String>> {
    let themes = || model.rules.themes.iter().map(|t| t.name.clone()).collect();
    let lines = || -> Vec<String> {
        model
            .rules
            .themes
            .iter()
            .flat_map(|t| t.programmalijnen.clone())
            .collect()
    };
    let sorted = |set: BTreeSet<String>| set.into_iter().collect::<Vec<_>>();
    Some(match path {
        "extra.status" => sorted(names_of::<Status>()),
        "extra.date_precision" => sorted(names_of::<DatePrecision>()),
        "extra.kind" => sorted(names_of::<ThemeKind>()),
        "taxonomies.thema" | "extra.parent" => themes(),
        "taxonomies.programmalijn" => lines(),
        "taxonomies.type" => model.rules.types.keys().cloned().collect(),
        "extra.term" => {
            let mut all: Vec<String> = themes();
            all.extend(lines());
            all
        }
        // QuestionExtra::question_kind's two kinds (src/model/types.rs).
        "extra.question_kind" => vec!["eenduidige vraag".into(), "vraag met uitzoekwerk".into()],
        _ => return None,
    })
}

// ---- sample front matter from the widgets ----

const STUB: &str = "stub";
const STUB_PARTNER: &str = "Stubpartner";
const SAMPLE_DATE: &str = "2020-06-01";

fn sample(w: &Widget, path: &str, folders: &BTreeMap<String, String>) -> Option<toml::Value> {
    use toml::Value as T;
    let one = |v: T| if w.multiple { T::Array(vec![v]) } else { v };
    let yaml_to_toml = |y: &Yaml| -> T {
        match y {
            Yaml::Bool(b) => T::Boolean(*b),
            Yaml::Number(n) => n
                .as_i64()
                .map(T::Integer)
                .unwrap_or_else(|| T::Float(n.as_f64().unwrap())),
            Yaml::String(s) => T::String(s.clone()),
            other => panic!("{path}: default {other:?} not understood"),
        }
    };
    Some(match w.widget.as_str() {
        "hidden" => return None,
        _ if path == "taxonomies.jaar" => T::Array(vec![T::String(SAMPLE_DATE[..4].into())]),
        "string" | "text" | "markdown" => T::String("Voorbeeld".into()),
        "boolean" => w
            .default
            .as_ref()
            .map(yaml_to_toml)
            .unwrap_or(T::Boolean(false)),
        "number" if w.value_type.as_deref() == Some("float") => T::Float(1.5),
        "number" => T::Integer(1),
        "datetime" => T::String(SAMPLE_DATE.into()),
        "file" | "image" => T::String("/audio/voorbeeld.mp3".into()),
        "select" => one(w
            .default
            .as_ref()
            .map(yaml_to_toml)
            .unwrap_or_else(|| T::String(w.options.first().expect("options").clone()))),
        "relation" => {
            let target = w.collection.as_ref().expect("relation has a collection");
            let folder = folders
                .get(target)
                .unwrap_or_else(|| panic!("{path}: no folder collection {target}"));
            let value_field = w.value_field.as_deref().expect("value_field");
            let value = if value_field == "extra.name" {
                assert_eq!(folder, "partners", "{path}: extra.name is a partner's");
                STUB_PARTNER.to_string()
            } else {
                assert_eq!(
                    value_field,
                    format!("{folder}/{{{{slug}}}}.md"),
                    "{path}: a content path is <folder>/<slug>.md"
                );
                format!("{folder}/{STUB}.md")
            };
            one(T::String(value))
        }
        "object" => T::Table(table(&w.fields, path, folders)),
        "list" if w.fields.len() > 1 || w.fields.iter().any(|f| f.widget == "object") => {
            T::Array(vec![T::Table(table(&w.fields, path, folders))])
        }
        "list" => match w.fields.first() {
            Some(f) => T::Array(vec![sample(f, path, folders)?]),
            None => T::Array(vec![T::String("Voorbeeld".into())]),
        },
        other => panic!("{path}: widget {other} has no sample; teach the test"),
    })
}

fn table(widgets: &[Widget], prefix: &str, folders: &BTreeMap<String, String>) -> toml::Table {
    widgets
        .iter()
        .filter(|w| w.name != "body" || !prefix.is_empty())
        .filter_map(|w| {
            let path = join(prefix, &w.name);
            sample(w, &path, folders).map(|v| (w.name.clone(), v))
        })
        .collect()
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Removes the field at `path` (through tables and arrays of tables).
fn remove(value: &mut toml::Table, path: &[&str]) {
    match path {
        [] => {}
        [last] => {
            value.remove(*last);
        }
        [first, rest @ ..] => match value.get_mut(*first) {
            Some(toml::Value::Table(t)) => remove(t, rest),
            Some(toml::Value::Array(items)) => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        remove(t, rest);
                    }
                }
            }
            _ => {}
        },
    }
}

fn page_text(front: &toml::Table) -> String {
    format!(
        "+++\n{}+++\n\nVoorbeeldtekst.\n",
        toml::to_string(front).unwrap()
    )
}

/// Every field path of the widget tree (not hidden ones, not the body),
/// with whether the CMS requires it.
fn paths(widgets: &[Widget], prefix: &str, out: &mut Vec<(String, bool)>) {
    for w in widgets {
        if w.widget == "hidden" || (prefix.is_empty() && w.name == "body") {
            continue;
        }
        let path = join(prefix, &w.name);
        out.push((path.clone(), w.required));
        paths(&w.fields, &path, out);
    }
}

/// A small site: the shipped config, and the pages the samples point at.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        project_dir().join("config.toml"),
        dir.path().join("config.toml"),
    )
    .unwrap();
    let m = model();
    let theme = &m.rules.themes[0];
    let taxonomies = format!(
        "[taxonomies]\nthema = [\"{}\"]\nprogrammalijn = [\"{}\"]\ntype = [\"{}\"]\npartner = [\"{STUB_PARTNER}\"]\njaar = [\"{}\"]\n",
        theme.name,
        theme.programmalijnen[0],
        m.rules.types.keys().next().unwrap(),
        &SAMPLE_DATE[..4]
    );
    // Undated, with the samples' terms: a sample without a date makes two
    // undated pages of a term, which the model reports.
    let stubs = [
        (
            "publicaties/stub.md".to_string(),
            format!("+++\ntitle = \"Stub\"\n{taxonomies}[extra]\nstatus = \"published\"\n+++\n"),
        ),
        (
            "portaalprojecten/stub.md".into(),
            "+++\ntitle = \"Stub\"\n+++\n".into(),
        ),
        (
            "dossiers/stub.md".into(),
            "+++\ntitle = \"Stub\"\n[extra]\nstatus = \"published\"\n+++\n".into(),
        ),
        (
            "partners/stub.md".into(),
            format!("+++\ntitle = \"Stub\"\n[extra]\nname = \"{STUB_PARTNER}\"\n+++\n"),
        ),
    ];
    for (path, text) in stubs {
        let full = dir.path().join("content").join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }
    dir
}

/// The problems the model finds in `relative` (under content/).
fn problems_of(site: &Path, relative: &str, text: &str) -> Vec<String> {
    let file = site.join("content").join(relative);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, text).unwrap();
    let collection = Collection::load(
        site,
        &LoadOptions {
            include_drafts: true,
            ..Default::default()
        },
    )
    .unwrap();
    fs::remove_file(&file).unwrap();
    let prefix = format!("content/{relative}");
    collection
        .library
        .problems
        .iter()
        .map(ToString::to_string)
        .filter(|p| p.starts_with(&prefix))
        .collect()
}

// ---- the checks ----

#[test]
fn the_cms_saves_zola_front_matter_through_the_editorial_workflow() {
    let config = config();
    assert_eq!(
        text(&config["backend"], "name").as_deref(),
        Some("git-gateway")
    );
    assert_eq!(
        text(&config, "publish_mode").as_deref(),
        Some("editorial_workflow")
    );
    assert_eq!(
        text(&config, "media_folder").as_deref(),
        Some("static/audio")
    );
    assert_eq!(text(&config, "public_folder").as_deref(), Some("/audio"));
    for c in collections(&config) {
        let name = text(&c, "name").unwrap();
        assert_eq!(
            text(&c, "format").as_deref(),
            Some("toml-frontmatter"),
            "{name}"
        );
        assert_eq!(
            text(&c, "frontmatter_delimiter").as_deref(),
            Some("+++"),
            "{name}"
        );
        if c.get("folder").is_some() {
            assert_eq!(text(&c, "extension").as_deref(), Some("md"), "{name}");
        }
    }
    let admin = fs::read_to_string(project_dir().join("static/admin/index.html")).unwrap();
    assert!(admin.contains("decap-cms"), "index.html loads Decap CMS");
}

#[test]
fn every_kind_has_a_collection_and_every_collection_is_a_kind() {
    let config = config();
    let targets = targets(&config);
    let kinds: Vec<Model> = targets.iter().map(|t| t.model).collect();
    for kind in [
        Kind::Publication,
        Kind::Episode,
        Kind::Dossier,
        Kind::Question,
        Kind::Kennisatelier,
        Kind::PortalProject,
        Kind::ThemePage,
        Kind::Partner,
    ] {
        assert!(
            kinds.contains(&Model::Page(kind)),
            "no collection for {kind:?}"
        );
    }
    // Every folder collection holds one kind, not the catch-all.
    for (name, folder) in folders(&config) {
        let kind = Kind::of(&format!("{folder}/x.md"));
        assert_ne!(
            kind,
            Kind::Other,
            "{name}: {folder} is no kind of the model"
        );
    }
    // Each podcast series: its _index.md and a folder for its episodes.
    let content = project_dir().join("content");
    let folder_set: BTreeSet<String> = folders(&config).into_values().collect();
    let files: BTreeSet<String> = targets.iter().map(|t| t.file.clone()).collect();
    for series in fs::read_dir(content.join("podcasts")).unwrap() {
        let series = series.unwrap();
        if !series.file_type().unwrap().is_dir() {
            continue;
        }
        let name = series.file_name().to_string_lossy().into_owned();
        assert!(
            files.contains(&format!("podcasts/{name}/_index.md")),
            "series {name} has no entry in podcastreeksen"
        );
        assert!(
            folder_set.contains(&format!("podcasts/{name}")),
            "series {name} has no episode collection"
        );
    }
    // Every fixed page (the model's catch-all kind) can be edited.
    for entry in walkdir::WalkDir::new(&content) {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(&content)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if entry.file_type().is_file()
            && rel.ends_with(".md")
            && model_of(&rel) == Model::Page(Kind::Other)
        {
            assert!(files.contains(&rel), "{rel} is in no files collection");
        }
    }
    for t in &targets {
        assert!(
            t.file.ends_with("decap-voorbeeld.md") || content.join(&t.file).is_file(),
            "{}: {} does not exist",
            t.name,
            t.file
        );
    }
}

#[test]
fn the_fields_are_the_fields_of_the_model() {
    let config = config();
    let m = model();
    let folders = folders(&config);
    let taxonomies: BTreeSet<String> = m.config.taxonomies.iter().map(|t| t.name.clone()).collect();
    for t in targets(&config) {
        let at = |what: &str| format!("{} ({}): {what}", t.name, t.file);
        let front = table(&t.fields, "", &folders);
        // Zola's keys only: unknown ones are warnings (pages) or problems
        // (sections) of the front-matter parser.
        let toml_text = toml::to_string(&front).unwrap();
        match t.model {
            Model::Page(_) => {
                let (_, warnings) = PageFrontMatter::parse(&toml_text).unwrap();
                assert!(warnings.is_empty(), "{}", at(&format!("{warnings:?}")));
            }
            Model::Series | Model::Section => {
                let (_, problems) = SectionFrontMatter::parse(&toml_text).unwrap();
                assert!(problems.is_empty(), "{}", at(&format!("{problems:?}")));
            }
        }
        // Every taxonomy of config.toml, no other.
        if let Some(tax) = t.fields.iter().find(|w| w.name == "taxonomies") {
            let names: BTreeSet<String> = tax.fields.iter().map(|w| w.name.clone()).collect();
            assert_eq!(names, taxonomies, "{}", at("taxonomies"));
        }
        // [extra]: exactly the typed struct's fields, hidden ones included.
        let extra = t.fields.iter().find(|w| w.name == "extra");
        match (extra_names(t.model), extra) {
            (Some(expected), Some(extra)) => {
                let names: BTreeSet<String> = extra.fields.iter().map(|w| w.name.clone()).collect();
                assert_eq!(names, expected, "{}", at("extra"));
                for nested in extra.fields.iter().filter(|w| !w.fields.is_empty()) {
                    let expected = nested_names(t.model, &nested.name).unwrap_or_else(|| {
                        panic!(
                            "{}",
                            at(&format!("no model struct for extra.{}", nested.name))
                        )
                    });
                    let names: BTreeSet<String> =
                        nested.fields.iter().map(|w| w.name.clone()).collect();
                    assert_eq!(names, expected, "{}", at(&nested.name));
                }
            }
            (Some(_), None) => panic!("{}", at("no extra object")),
            (None, Some(_)) => panic!("{}", at("this kind has no [extra]")),
            (None, None) => {}
        }
    }
}

#[test]
fn select_options_are_the_enums_and_the_taxonomy() {
    let config = config();
    let m = model();
    fn selects(widgets: &[Widget], prefix: &str, out: &mut Vec<(String, Widget)>) {
        for w in widgets {
            let path = join(prefix, &w.name);
            if w.widget == "select" {
                out.push((path.clone(), w.clone()));
            }
            selects(&w.fields, &path, out);
        }
    }
    let mut seen = 0;
    for t in targets(&config) {
        let mut found = Vec::new();
        selects(&t.fields, "", &mut found);
        for (path, w) in found {
            let expected = expected_options(&m, &path).unwrap_or_else(|| {
                panic!("{}: {path}: a select the test knows no source for", t.name)
            });
            let (mut got, mut want) = (w.options.clone(), expected.clone());
            got.sort();
            want.sort();
            assert_eq!(got, want, "{}: {path}", t.name);
            if path == "taxonomies.type" {
                let labels: Vec<String> =
                    w.options.iter().map(|o| m.rules.types[o].clone()).collect();
                assert_eq!(
                    w.labels, labels,
                    "{}: {path}: the labels of config.toml",
                    t.name
                );
            }
            if let Some(Yaml::String(default)) = &w.default {
                assert!(w.options.contains(default), "{}: {path}: default", t.name);
            }
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} selects");
}

#[test]
fn samples_load_cleanly_and_required_fields_are_what_the_rules_require() {
    let config = config();
    let folders = folders(&config);
    let site = site();
    for t in targets(&config) {
        let front = table(&t.fields, "", &folders);
        let problems = problems_of(site.path(), &t.file, &page_text(&front));
        assert!(
            problems.is_empty(),
            "{}: a page with every field has problems: {problems:?}\n{}",
            t.name,
            page_text(&front)
        );
        let mut all = Vec::new();
        paths(&t.fields, "", &mut all);
        for (path, required) in all {
            let mut without = front.clone();
            let parts: Vec<&str> = path.split('.').collect();
            remove(&mut without, &parts);
            let problems = problems_of(site.path(), &t.file, &page_text(&without));
            // The CMS makes the file name from the title, so it asks for one;
            // Zola and the model accept a page without.
            if path == "title" {
                assert!(required, "{}: title makes the slug", t.name);
                assert!(problems.is_empty(), "{}: {problems:?}", t.name);
                continue;
            }
            assert_eq!(
                required,
                !problems.is_empty(),
                "{}: {path} is {} in the CMS, but without it the model finds {problems:?}",
                t.name,
                if required { "required" } else { "optional" },
            );
        }
    }
}
