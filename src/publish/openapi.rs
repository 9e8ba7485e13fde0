//! The OpenAPI 3.1 description of the content API, `api/v1/openapi.json`.
//! Its schemas are strict (`unevaluatedProperties: false`): the suite checks
//! every generated file against them, so a field added to a view without
//! a word here fails the build's tests.

use serde_json::{json, Value};

use super::api::{KIND_LISTS, PER_PAGE};

/// The schema name for each path template's answer.
pub const LIST_SCHEMA: &str = "SummaryList";
pub const SERIES_LIST_SCHEMA: &str = "SeriesList";
pub const ITEM_SCHEMA: &str = "Item";
pub const INDEX_SCHEMA: &str = "Index";
pub const ERROR_SCHEMA: &str = "Error";

fn nullable(kind: &str) -> Value {
    json!({"type": [kind, "null"]})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn refs() -> Value {
    json!({"type": "array", "items": reference("Ref")})
}

fn ok(schema: &str, description: &str) -> Value {
    json!({
        "200": {
            "description": description,
            "headers": {
                "ETag": {"schema": {"type": "string"}},
                "Last-Modified": {"schema": {"type": "string"}}
            },
            "content": {"application/json": {"schema": reference(schema)}}
        },
        "304": {"description": "Not modified since the ETag in If-None-Match."},
        "404": {
            "description": "No such list, page or item.",
            "content": {"application/json": {"schema": reference(ERROR_SCHEMA)}}
        }
    })
}

fn page_parameter() -> Value {
    json!({"name": "page", "in": "path", "required": true,
           "description": "The page, from 1.",
           "schema": {"type": "integer", "minimum": 1}})
}

/// The whole description; `base_url` is the site's.
pub fn description(base_url: &str) -> Value {
    let lists: Vec<&str> = KIND_LISTS.iter().map(|(name, _)| *name).collect();
    let kinds = json!([
        "publication",
        "episode",
        "dossier",
        "question",
        "kennisatelier",
        "portaalproject",
        "partner",
        "theme"
    ]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "De centrale vindplaats: content-API",
            "version": "1.0.0",
            "description": "De gepubliceerde collectie van het Kennisplatform Inclusief Samenleven als JSON: publicaties, podcasts, dossiers, vragen, kennisateliers, portaalprojecten, partners en thema's. Alleen gepubliceerde items; lijsten tonen hoogstens 100 items per pagina. Statische bestanden: elke GET geeft `Access-Control-Allow-Origin: *`, een ETag en Last-Modified.",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"}
        },
        "servers": [{"url": base_url.trim_end_matches('/')}],
        "paths": {
            "/api/v1/index.json": {"get": {
                "summary": "Ingang: alle lijsten en filters",
                "operationId": "index",
                "responses": ok(INDEX_SCHEMA, "The lists and filtered lists.")
            }},
            "/api/v1/{list}/page/{page}.json": {"get": {
                "summary": "Een lijst per soort, nieuwste eerst",
                "operationId": "list",
                "parameters": [
                    {"name": "list", "in": "path", "required": true,
                     "schema": {"type": "string", "enum": lists}},
                    page_parameter()
                ],
                "responses": ok(LIST_SCHEMA, "One page of the list.")
            }},
            "/api/v1/series/page/{page}.json": {"get": {
                "summary": "Podcastreeksen met hun afleveringen",
                "operationId": "series",
                "parameters": [page_parameter()],
                "responses": ok(SERIES_LIST_SCHEMA, "One page of podcast series.")
            }},
            "/api/v1/publications/{facet}/{slug}/page/{page}.json": {"get": {
                "summary": "Publicaties per thema, programmalijn, partner, type of jaar",
                "operationId": "filteredPublications",
                "parameters": [
                    {"name": "facet", "in": "path", "required": true,
                     "schema": {"type": "string", "enum": ["thema", "programmalijn", "partner", "type", "jaar"]}},
                    {"name": "slug", "in": "path", "required": true,
                     "description": "The term as a slug, as in the site's own URLs (`/thema/<slug>/`).",
                     "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"}},
                    page_parameter()
                ],
                "responses": ok(LIST_SCHEMA, "One page of the term's publications.")
            }},
            "/api/v1/items/{id}.json": {"get": {
                "summary": "Eén item met alle velden die de pagina toont",
                "operationId": "item",
                "parameters": [
                    {"name": "id", "in": "path", "required": true,
                     "description": "The stable id: the page's path with `/` as `-` (`publicaties-de-stilte-voorbij`).",
                     "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}}
                ],
                "responses": ok(ITEM_SCHEMA, "The item.")
            }}
        },
        "components": {"schemas": schemas(&kinds)}
    })
}

fn schemas(kinds: &Value) -> Value {
    let mut all = serde_json::Map::new();
    all.insert("Error".into(), schema_error());
    all.insert("DateView".into(), schema_date_view());
    all.insert("Terms".into(), schema_terms());
    all.insert("Ref".into(), schema_ref());
    all.insert("SummaryFields".into(), schema_summary_fields(kinds));
    all.insert("Summary".into(), schema_summary());
    all.insert("Document".into(), schema_document());
    all.insert("Series".into(), schema_series());
    all.insert("Item".into(), schema_item());
    all.insert("Links".into(), schema_links());
    all.insert("Meta".into(), schema_meta());
    all.insert("SummaryList".into(), schema_summary_list());
    all.insert("SeriesList".into(), schema_series_list());
    all.insert("Index".into(), schema_index());
    all.insert("IndexEntry".into(), schema_index_entry());
    Value::Object(all)
}

fn schema_error() -> Value {
    json!({
        "type": "object",
        "required": ["message", "code"],
        "properties": {"message": {"type": "string"}, "code": {"type": "string"}},
        "additionalProperties": false
    })
}

fn schema_date_view() -> Value {
    json!({
        "type": "object",
        "required": ["value", "precision"],
        "properties": {
            "value": {"type": "string", "pattern": "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"},
            "precision": {"enum": ["day", "month", "year"]}
        },
        "additionalProperties": false
    })
}

fn schema_terms() -> Value {
    json!({
        "type": "object",
        "required": ["thema", "programmalijn", "type", "partner", "jaar"],
        "properties": {
            "thema": strings(), "programmalijn": strings(), "type": strings(),
            "partner": strings(), "jaar": strings()
        },
        "additionalProperties": false
    })
}

fn schema_ref() -> Value {
    json!({
        "type": "object",
        "required": ["id", "title", "url"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "api_url": {"type": "string", "format": "uri"}
        },
        "additionalProperties": false
    })
}

fn schema_summary_fields(kinds: &Value) -> Value {
    json!({
        "type": "object",
        "required": ["id", "kind", "title", "url", "api_url", "summary", "date", "updated", "taxonomies"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
            "kind": {"enum": kinds.clone()},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "api_url": {"type": "string", "format": "uri"},
            "summary": nullable("string"),
            "date": {"oneOf": [reference("DateView"), {"type": "null"}]},
            "updated": {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "taxonomies": reference("Terms")
        }
    })
}

fn schema_summary() -> Value {
    json!({
        "allOf": [reference("SummaryFields")],
        "unevaluatedProperties": false
    })
}

fn schema_document() -> Value {
    json!({
        "allOf": [reference("SummaryFields")],
        "required": ["authors", "body_html"],
        "properties": {
            "authors": strings(),
            "body_html": {"type": "string"},
            "publication": {
                "type": "object",
                "required": ["type_labels", "pdf", "link", "doi", "language", "licence", "scholarly",
                             "withdrawn", "asker", "project", "related", "dossiers", "source"],
                "properties": {
                    "type_labels": strings(),
                    "pdf": nullable("string"), "link": nullable("string"),
                    "doi": nullable("string"), "language": nullable("string"),
                    "licence": nullable("string"), "scholarly": {"type": "boolean"},
                    "withdrawn": {"type": "boolean"}, "asker": nullable("string"),
                    "project": {"oneOf": [reference("Ref"), {"type": "null"}]},
                    "related": refs(), "dossiers": refs(), "source": nullable("string")
                },
                "additionalProperties": false
            },
            "episode": {
                "type": "object",
                "required": ["series", "number", "guests", "audio", "audio_type", "duration"],
                "properties": {
                    "series": {"oneOf": [reference("Ref"), {"type": "null"}]},
                    "number": {"type": ["integer", "null"], "minimum": 0},
                    "guests": strings(), "audio": nullable("string"),
                    "audio_type": nullable("string"), "duration": nullable("string")
                },
                "additionalProperties": false
            },
            "dossier": {
                "type": "object",
                "required": ["groups",],
                "properties": {"groups": {"type": "array", "items": {
                    "type": "object",
                    "required": ["title", "intro", "items"],
                    "properties": {"title": {"type": "string"}, "intro": nullable("string"), "items": refs()},
                    "additionalProperties": false
                }}},
                "additionalProperties": false
            },
            "question": {
                "type": "object",
                "required": ["asker", "question_kind", "explanation", "related"],
                "properties": {"asker": nullable("string"), "question_kind": nullable("string"), "explanation": nullable("string"), "related": refs()},
                "additionalProperties": false
            },
            "kennisatelier": {
                "type": "object",
                "required": ["related",],
                "properties": {"related": refs()},
                "additionalProperties": false
            },
            "portaalproject": {
                "type": "object",
                "required": ["asker", "question", "progress", "products"],
                "properties": {"asker": nullable("string"), "question": nullable("string"),
                               "progress": nullable("string"), "products": refs()},
                "additionalProperties": false
            },
            "partner": {
                "type": "object",
                "required": ["name", "homepage", "publications_api_url"],
                "properties": {"name": {"type": "string"}, "homepage": nullable("string"),
                               "publications_api_url": {"type": "string", "format": "uri"}},
                "additionalProperties": false
            },
            "theme": {
                "type": "object",
                "required": ["theme_kind", "term", "number", "parent", "programmalijnen", "legacy", "publications_api_url"],
                "properties": {
                    "theme_kind": {"enum": ["thema", "programmalijn"]},
                    "term": {"type": "string"},
                    "number": {"type": "integer", "minimum": 0},
                    "parent": nullable("string"),
                    "programmalijnen": {"type": "array", "items": {
                        "type": "object",
                        "required": ["name", "page", "publications_api_url"],
                        "properties": {
                            "name": {"type": "string"},
                            "page": {"oneOf": [reference("Ref"), {"type": "null"}]},
                            "publications_api_url": {"type": "string", "format": "uri"}
                        },
                        "additionalProperties": false
                    }},
                    "legacy": strings(),
                    "publications_api_url": {"type": "string", "format": "uri"}
                },
                "additionalProperties": false
            }
        },
        "unevaluatedProperties": false
    })
}

fn schema_series() -> Value {
    json!({
        "type": "object",
        "required": ["id", "kind", "title", "url", "api_url", "summary", "episodes"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
            "kind": {"const": "series"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "api_url": {"type": "string", "format": "uri"},
            "summary": nullable("string"),
            "episodes": refs()
        },
        "additionalProperties": false
    })
}

fn schema_item() -> Value {
    json!({"oneOf": [reference("Document"), reference("Series")]})
}

fn schema_links() -> Value {
    json!({
        "type": "object",
        "required": ["self", "first", "prev", "next", "last"],
        "properties": {
            "self": {"type": "string", "format": "uri"},
            "first": {"type": "string", "format": "uri"},
            "prev": {"type": ["string", "null"], "format": "uri"},
            "next": {"type": ["string", "null"], "format": "uri"},
            "last": {"type": "string", "format": "uri"}
        },
        "additionalProperties": false
    })
}

fn schema_meta() -> Value {
    json!({
        "type": "object",
        "required": ["total", "page", "pages", "per_page"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "per_page": {"const": PER_PAGE}
        },
        "additionalProperties": false
    })
}

fn schema_summary_list() -> Value {
    json!({
        "type": "object",
        "required": ["data", "links", "meta"],
        "properties": {
            "data": {"type": "array", "maxItems": PER_PAGE, "items": reference("Summary")},
            "links": reference("Links"),
            "meta": reference("Meta")
        },
        "additionalProperties": false
    })
}

fn schema_series_list() -> Value {
    json!({
        "type": "object",
        "required": ["data", "links", "meta"],
        "properties": {
            "data": {"type": "array", "maxItems": PER_PAGE, "items": reference("Series")},
            "links": reference("Links"),
            "meta": reference("Meta")
        },
        "additionalProperties": false
    })
}

fn schema_index() -> Value {
    json!({
        "type": "object",
        "required": ["title", "openapi", "lists", "filters"],
        "properties": {
            "title": {"type": "string"},
            "openapi": {"type": "string", "format": "uri"},
            "lists": {"type": "array", "items": reference("IndexEntry")},
            "filters": {"type": "array", "items": reference("IndexEntry")}
        },
        "additionalProperties": false
    })
}

fn schema_index_entry() -> Value {
    json!({
        "type": "object",
        "required": ["name", "url"],
        "properties": {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
        "additionalProperties": false
    })
}

/// The schema name that files at `path` (relative to the output folder)
/// answer with, by the description's path templates.
pub fn schema_for(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("api/v1/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["index.json"] => Some(INDEX_SCHEMA),
        ["404.json"] => Some(ERROR_SCHEMA),
        ["openapi.json"] => None,
        ["items", file] if file.ends_with(".json") => Some(ITEM_SCHEMA),
        ["series", "page", n] if is_page(n) => Some(SERIES_LIST_SCHEMA),
        [list, "page", n] if is_page(n) && KIND_LISTS.iter().any(|(l, _)| l == list) => {
            Some(LIST_SCHEMA)
        }
        ["publications", facet, _, "page", n]
            if is_page(n)
                && ["thema", "programmalijn", "partner", "type", "jaar"].contains(facet) =>
        {
            Some(LIST_SCHEMA)
        }
        _ => None,
    }
}

fn is_page(file: &str) -> bool {
    file.strip_suffix(".json")
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}
