//! The search request and response in Meilisearch's shape (the body of
//! `POST /indexes/{uid}/search`). Parsing checks every parameter and
//! names the one at fault, with Meilisearch's codes ([`super::error`]).

use serde_json::{Map, Value};

use super::document::{FILTERABLE, SEARCHABLE, SORTABLE};
use super::error::{Code, SearchError};
use super::filter::{parse_filter, Filter};

/// The longest query accepted, in characters. A reader types a few words;
/// a pasted page is refused rather than searched for seconds.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// At most this many words of a query are searched (Meilisearch uses the
/// first 10 and drops the rest silently; here more is a 400).
pub const MAX_QUERY_WORDS: usize = 10;
/// Longer words are searched as they are, without typos or compound
/// splitting (both cost per letter; "arbeidsmarktdiscriminatie" has 25).
pub const MAX_WORD_CHARS: usize = 64;
/// A search's time budget (Meilisearch's `searchCutoffMs`, 1,500 ms by
/// default): past it, ranking stops and the best hits found so far are the
/// answer. Totals and facets are counted in full before ranking starts.
pub const SEARCH_CUTOFF: std::time::Duration = std::time::Duration::from_millis(1_500);
/// At most this many hits can be paged through (Meilisearch's
/// `maxTotalHits` default).
pub const MAX_TOTAL_HITS: usize = 1_000;
/// The longest filter expression (all strings of the array form together).
pub const MAX_FILTER_CHARS: usize = 10_000;
/// Conditions and `IN` values of one filter, together.
pub const MAX_FILTER_TERMS: usize = 1_000;
/// `cropMarker`, `highlightPreTag`, `highlightPostTag`: copied into every
/// field of every hit, so short.
pub const MAX_TAG_CHARS: usize = 100;
/// Entries of `facets`, `attributesToRetrieve`, `attributesToHighlight`,
/// `attributesToCrop` and `attributesToSearchOn`.
pub const MAX_LIST: usize = 100;
/// Sort rules of one request.
pub const MAX_SORT_RULES: usize = 10;
/// Queries of one `multi-search` request.
pub const MAX_MULTI_SEARCH_QUERIES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchingStrategy {
    /// Every word must match; if nothing does, the last words are dropped
    /// one by one (Meilisearch's default).
    Last,
    /// Every word must match.
    All,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub attribute: String,
    pub descending: bool,
}

/// A checked search request.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub q: String,
    pub offset: usize,
    pub limit: usize,
    /// Set when the request paged with `page`/`hitsPerPage`: the response
    /// then counts exactly.
    pub page: Option<(usize, usize)>,
    pub filter: Option<Filter>,
    pub facets: Vec<String>,
    pub sort: Vec<SortKey>,
    /// `None`: every attribute.
    pub attributes_to_retrieve: Option<Vec<String>>,
    pub attributes_to_highlight: Vec<String>,
    /// Attribute and its own crop length, if it gave one.
    pub attributes_to_crop: Vec<(String, Option<usize>)>,
    pub crop_length: usize,
    pub crop_marker: String,
    pub highlight_pre_tag: String,
    pub highlight_post_tag: String,
    pub matching_strategy: MatchingStrategy,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: String::new(),
            offset: 0,
            limit: 20,
            page: None,
            filter: None,
            facets: Vec::new(),
            sort: Vec::new(),
            attributes_to_retrieve: None,
            attributes_to_highlight: Vec::new(),
            attributes_to_crop: Vec::new(),
            crop_length: 10,
            crop_marker: "…".into(),
            highlight_pre_tag: "<em>".into(),
            highlight_post_tag: "</em>".into(),
            matching_strategy: MatchingStrategy::Last,
        }
    }
}

const KNOWN: &[&str] = &[
    "q",
    "offset",
    "limit",
    "page",
    "hitsPerPage",
    "filter",
    "facets",
    "sort",
    "attributesToRetrieve",
    "attributesToHighlight",
    "attributesToCrop",
    "cropLength",
    "cropMarker",
    "highlightPreTag",
    "highlightPostTag",
    "matchingStrategy",
    "showMatchesPosition",
    "showRankingScore",
    "showRankingScoreDetails",
    "attributesToSearchOn",
    "indexUid",
];

/// The switches of `KNOWN` that change nothing here (no match positions or
/// ranking scores are returned), checked to be booleans all the same.
const FLAGS: &[&str] = &[
    "showMatchesPosition",
    "showRankingScore",
    "showRankingScoreDetails",
];

fn code_for(field: &str) -> Code {
    match field {
        "q" => Code::InvalidSearchQ,
        "offset" => Code::InvalidSearchOffset,
        "limit" => Code::InvalidSearchLimit,
        "page" => Code::InvalidSearchPage,
        "hitsPerPage" => Code::InvalidSearchHitsPerPage,
        "filter" => Code::InvalidSearchFilter,
        "facets" => Code::InvalidSearchFacets,
        "sort" => Code::InvalidSearchSort,
        "attributesToRetrieve" => Code::InvalidSearchAttributesToRetrieve,
        "attributesToHighlight" => Code::InvalidSearchAttributesToHighlight,
        "attributesToCrop" => Code::InvalidSearchAttributesToCrop,
        "cropLength" => Code::InvalidSearchCropLength,
        "cropMarker" => Code::InvalidSearchCropMarker,
        "highlightPreTag" => Code::InvalidSearchHighlightPreTag,
        "highlightPostTag" => Code::InvalidSearchHighlightPostTag,
        "matchingStrategy" => Code::InvalidSearchMatchingStrategy,
        "attributesToSearchOn" => Code::InvalidSearchAttributesToSearchOn,
        "showMatchesPosition" => Code::InvalidSearchShowMatchesPosition,
        "showRankingScore" => Code::InvalidSearchShowRankingScore,
        "showRankingScoreDetails" => Code::InvalidSearchShowRankingScoreDetails,
        _ => Code::BadRequest,
    }
}

fn wrong_type(field: &str, expected: &str, found: &Value) -> SearchError {
    let found_kind = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.as_i64().is_some_and(|n| n < 0) => "a negative integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    SearchError::new(
        code_for(field),
        format!("Invalid value type at `.{field}`: expected {expected}, but found {found_kind}: `{found}`"),
    )
}

fn positive(field: &str, value: &Value) -> Result<usize, SearchError> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| wrong_type(field, "a positive integer", value))
}

fn string(field: &str, value: &Value) -> Result<String, SearchError> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| wrong_type(field, "a string", value))
}

fn strings(field: &str, value: &Value) -> Result<Vec<String>, SearchError> {
    let Value::Array(items) = value else {
        return Err(wrong_type(field, "an array", value));
    };
    let most = if field == "sort" {
        MAX_SORT_RULES
    } else {
        MAX_LIST
    };
    if items.len() > most {
        return Err(SearchError::new(
            code_for(field),
            format!(
                "Invalid value at `.{field}`: {} entries given; at most {most} are accepted.",
                items.len()
            ),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str().map(str::to_string).ok_or_else(|| {
                wrong_type(&format!("{field}[{i}]"), "a string", v).with_code(code_for(field))
            })
        })
        .collect()
}

/// A marker or tag: a string of at most [`MAX_TAG_CHARS`].
fn tag(field: &str, value: &Value) -> Result<String, SearchError> {
    let text = string(field, value)?;
    let chars = text.chars().count();
    if chars > MAX_TAG_CHARS {
        return Err(SearchError::new(
            code_for(field),
            format!("Invalid value at `.{field}`: {chars} characters; at most {MAX_TAG_CHARS} are accepted."),
        ));
    }
    Ok(text)
}

/// The characters of a filter in either form (other values count 0: the
/// parser names their type).
fn filter_chars(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.chars().count(),
                Value::Array(inner) => inner
                    .iter()
                    .map(|v| v.as_str().map_or(0, |s| s.chars().count()))
                    .sum(),
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

/// Conditions and `IN` values of a filter, counted without recursion.
fn count_terms(filter: &Filter) -> usize {
    let mut count = 0;
    let mut stack = vec![filter];
    while let Some(f) = stack.pop() {
        match f {
            Filter::And(items) | Filter::Or(items) => stack.extend(items),
            Filter::Not(inner) => stack.push(inner),
            Filter::Condition { test, .. } => {
                count += match test {
                    super::filter::Test::In(values) => values.len().max(1),
                    _ => 1,
                }
            }
        }
    }
    count
}

impl SearchError {
    fn with_code(mut self, code: Code) -> SearchError {
        self.code = code;
        self
    }
}

/// Attributes a request may name for retrieval and formatting.
fn displayed(attribute: &str) -> bool {
    attribute == "*" || !attribute.starts_with('_')
}

impl SearchRequest {
    /// Checks a request body (already parsed as JSON).
    /// Whether the answer shows `attribute`: retrieved, highlighted or
    /// cropped.
    pub fn uses(&self, attribute: &str) -> bool {
        self.attributes_to_retrieve
            .as_ref()
            .is_none_or(|list| list.iter().any(|a| a == attribute))
            || self.attributes_to_highlight.iter().any(|a| a == attribute)
            || self.attributes_to_crop.iter().any(|(a, _)| a == attribute)
    }

    pub fn from_json(body: &Value) -> Result<SearchRequest, SearchError> {
        let Value::Object(map) = body else {
            return Err(SearchError::new(
                Code::BadRequest,
                format!("Invalid value type: expected an object, but found {body}"),
            ));
        };
        let mut request = SearchRequest::default();
        for key in map.keys() {
            if !KNOWN.contains(&key.as_str()) {
                let expected: Vec<String> = KNOWN.iter().map(|k| format!("`{k}`")).collect();
                return Err(SearchError::new(
                    Code::BadRequest,
                    format!(
                        "Unknown field `{key}`: expected one of {}",
                        expected.join(", ")
                    ),
                ));
            }
        }
        let get = |k: &str| map.get(k).filter(|v| !v.is_null());
        // Accepted and not acted on, but of the type Meilisearch checks.
        for flag in FLAGS {
            if let Some(v) = get(flag).filter(|v| !v.is_boolean()) {
                return Err(wrong_type(flag, "a boolean", v));
            }
        }
        if let Some(q) = get("q") {
            request.q = string("q", q)?;
            if request.q.chars().count() > MAX_QUERY_CHARS {
                return Err(SearchError::new(
                    Code::InvalidSearchQ,
                    format!(
                        "The query `q` is {} characters long; at most {MAX_QUERY_CHARS} are searched. Use a few words.",
                        request.q.chars().count()
                    ),
                ));
            }
            let words = super::analysis::words(&request.q).len();
            if words > MAX_QUERY_WORDS {
                return Err(SearchError::new(
                    Code::InvalidSearchQ,
                    format!(
                        "The query `q` has {words} words; at most {MAX_QUERY_WORDS} are searched. Use fewer words."
                    ),
                ));
            }
        }
        if let Some(v) = get("offset") {
            request.offset = positive("offset", v)?;
        }
        if let Some(v) = get("limit") {
            request.limit = positive("limit", v)?;
        }
        let page = get("page").map(|v| positive("page", v)).transpose()?;
        let per_page = get("hitsPerPage")
            .map(|v| positive("hitsPerPage", v))
            .transpose()?;
        if page.is_some() || per_page.is_some() {
            let page = page.unwrap_or(1);
            let per_page = per_page.unwrap_or(20);
            request.page = Some((page, per_page));
            request.offset = page.saturating_sub(1).saturating_mul(per_page);
            request.limit = if page == 0 { 0 } else { per_page };
        }
        request.limit = request
            .limit
            .min(MAX_TOTAL_HITS.saturating_sub(request.offset));
        if let Some(v) = get("filter") {
            let chars = filter_chars(v);
            if chars > MAX_FILTER_CHARS {
                return Err(SearchError::new(
                    Code::InvalidSearchFilter,
                    format!("The filter is {chars} characters long; at most {MAX_FILTER_CHARS} are accepted."),
                ));
            }
            request.filter = parse_filter(v, FILTERABLE)
                .map_err(|e| SearchError::new(Code::InvalidSearchFilter, e.0))?;
            let terms = request.filter.as_ref().map(count_terms).unwrap_or(0);
            if terms > MAX_FILTER_TERMS {
                return Err(SearchError::new(
                    Code::InvalidSearchFilter,
                    format!("The filter has {terms} conditions and `IN` values; at most {MAX_FILTER_TERMS} are accepted."),
                ));
            }
        }
        if let Some(v) = get("facets") {
            request.facets = strings("facets", v)?;
            for facet in &request.facets {
                if facet != "*" && !FILTERABLE.contains(&facet.as_str()) {
                    let available: Vec<String> =
                        FILTERABLE.iter().map(|a| format!("`{a}`")).collect();
                    return Err(SearchError::new(
                        Code::InvalidSearchFacets,
                        format!(
                            "Invalid facet distribution: Attribute `{facet}` is not filterable. Available filterable attributes are: {}.",
                            available.join(", ")
                        ),
                    ));
                }
            }
            if request.facets.iter().any(|f| f == "*") {
                request.facets = FILTERABLE.iter().map(|f| f.to_string()).collect();
            }
        }
        if let Some(v) = get("sort") {
            for (i, key) in strings("sort", v)?.into_iter().enumerate() {
                let (attribute, direction) = key.rsplit_once(':').ok_or_else(|| {
                    SearchError::new(
                        Code::InvalidSearchSort,
                        format!("Invalid value at `.sort[{i}]`: `{key}` is not a valid sort rule. Use `attribute:asc` or `attribute:desc`."),
                    )
                })?;
                if !SORTABLE.contains(&attribute) {
                    let available: Vec<String> =
                        SORTABLE.iter().map(|a| format!("`{a}`")).collect();
                    return Err(SearchError::new(
                        Code::InvalidSearchSort,
                        format!(
                            "Attribute `{attribute}` is not sortable. Available sortable attributes are: {}.",
                            available.join(", ")
                        ),
                    ));
                }
                let descending = match direction {
                    "asc" => false,
                    "desc" => true,
                    _ => {
                        return Err(SearchError::new(
                            Code::InvalidSearchSort,
                            format!(
                            "Invalid value at `.sort[{i}]`: `{direction}` is not `asc` or `desc`."
                        ),
                        ))
                    }
                };
                request.sort.push(SortKey {
                    attribute: attribute.to_string(),
                    descending,
                });
            }
        }
        if let Some(v) = get("attributesToRetrieve") {
            let list = strings("attributesToRetrieve", v)?;
            if !list.iter().any(|a| a == "*") {
                request.attributes_to_retrieve = Some(list);
            }
        }
        if let Some(v) = get("attributesToHighlight") {
            request.attributes_to_highlight = expand(strings("attributesToHighlight", v)?);
        }
        if let Some(v) = get("attributesToCrop") {
            for entry in strings("attributesToCrop", v)? {
                match entry.rsplit_once(':') {
                    Some((attribute, n)) => {
                        let n = n.parse::<usize>().map_err(|_| {
                            SearchError::new(
                                Code::InvalidSearchAttributesToCrop,
                                format!("Invalid value at `.attributesToCrop`: `{entry}`: the crop length after `:` must be a positive integer."),
                            )
                        })?;
                        request
                            .attributes_to_crop
                            .push((attribute.to_string(), Some(n)));
                    }
                    None => {
                        for attribute in expand(vec![entry]) {
                            request.attributes_to_crop.push((attribute, None));
                        }
                    }
                }
            }
        }
        if let Some(v) = get("cropLength") {
            request.crop_length = positive("cropLength", v)?;
        }
        if let Some(v) = get("cropMarker") {
            request.crop_marker = tag("cropMarker", v)?;
        }
        if let Some(v) = get("highlightPreTag") {
            request.highlight_pre_tag = tag("highlightPreTag", v)?;
        }
        if let Some(v) = get("highlightPostTag") {
            request.highlight_post_tag = tag("highlightPostTag", v)?;
        }
        if let Some(v) = get("matchingStrategy") {
            request.matching_strategy = match v.as_str() {
                Some("last") => MatchingStrategy::Last,
                Some("all") => MatchingStrategy::All,
                // Without word frequencies to drop by, "frequency" drops from the end too.
                Some("frequency") => MatchingStrategy::Last,
                _ => {
                    return Err(SearchError::new(
                        Code::InvalidSearchMatchingStrategy,
                        format!("Unknown value `{v}` at `.matchingStrategy`: expected one of `last`, `all`, `frequency`"),
                    ))
                }
            };
        }
        if let Some(v) = get("attributesToSearchOn") {
            for attribute in strings("attributesToSearchOn", v)? {
                if attribute != "*" && !SEARCHABLE.contains(&attribute.as_str()) {
                    return Err(SearchError::new(
                        Code::InvalidSearchAttributesToSearchOn,
                        format!("Attribute `{attribute}` is not searchable. Available searchable attributes are: `title`, `summary`, `body`."),
                    ));
                }
            }
        }
        for attribute in request
            .attributes_to_highlight
            .iter()
            .chain(request.attributes_to_crop.iter().map(|(a, _)| a))
        {
            if !displayed(attribute) {
                return Err(SearchError::new(
                    Code::InvalidSearchAttributesToHighlight,
                    format!("Attribute `{attribute}` cannot be formatted."),
                ));
            }
        }
        Ok(request)
    }
}

/// `["*"]` means every searchable attribute.
fn expand(list: Vec<String>) -> Vec<String> {
    if list.iter().any(|a| a == "*") {
        SEARCHABLE.iter().map(|a| a.to_string()).collect()
    } else {
        list
    }
}

/// A search answer, serialised in Meilisearch's shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResponse {
    pub hits: Vec<Map<String, Value>>,
    pub query: String,
    pub processing_time_ms: u64,
    pub limit: usize,
    pub offset: usize,
    pub page: Option<(usize, usize)>,
    /// Documents that match (exact, counted).
    pub total: usize,
    /// Facet → value → count, values in alphabetical order.
    pub facet_distribution: Option<Map<String, Value>>,
    /// Facet → {min, max} for numeric facets.
    pub facet_stats: Option<Map<String, Value>>,
}

impl SearchResponse {
    pub fn to_json(&self) -> Value {
        self.clone().into_json()
    }

    /// The response as JSON, without copying the hits.
    pub fn into_json(self) -> Value {
        let mut out = Map::new();
        out.insert(
            "hits".into(),
            Value::Array(self.hits.into_iter().map(Value::Object).collect()),
        );
        out.insert("query".into(), Value::String(self.query));
        out.insert(
            "processingTimeMs".into(),
            Value::from(self.processing_time_ms),
        );
        match self.page {
            Some((page, per_page)) => {
                out.insert("hitsPerPage".into(), Value::from(per_page));
                out.insert("page".into(), Value::from(page));
                let pages = if per_page == 0 {
                    0
                } else {
                    self.total.min(MAX_TOTAL_HITS).div_ceil(per_page)
                };
                out.insert("totalPages".into(), Value::from(pages));
                out.insert("totalHits".into(), Value::from(self.total));
            }
            None => {
                out.insert("limit".into(), Value::from(self.limit));
                out.insert("offset".into(), Value::from(self.offset));
                out.insert("estimatedTotalHits".into(), Value::from(self.total));
            }
        }
        if let Some(d) = self.facet_distribution {
            out.insert("facetDistribution".into(), Value::Object(d));
            out.insert(
                "facetStats".into(),
                Value::Object(self.facet_stats.unwrap_or_default()),
            );
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            "\\PC{0,12}".prop_map(Value::String),
            Just(json!("type = rapport")),
            Just(json!("date:desc")),
            Just(json!("*")),
            Just(json!("title:5")),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::vec((field(), inner), 0..8)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(KNOWN).prop_map(String::from),
            "\\PC{0,8}",
        ]
    }

    proptest! {
        // The fuzz target `search_request` runs the same with coverage.
        #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn any_json_is_a_request_or_a_meilisearch_error(
            pairs in proptest::collection::vec((field(), json_value()), 0..12)
        ) {
            let body = Value::Object(pairs.into_iter().collect());
            match SearchRequest::from_json(&body) {
                Ok(request) => {
                    prop_assert!(request.limit <= MAX_TOTAL_HITS);
                    prop_assert!(request.crop_marker.chars().count() <= MAX_TAG_CHARS);
                    prop_assert!(request.sort.len() <= MAX_SORT_RULES);
                }
                Err(e) => {
                    prop_assert_eq!(e.code.kind(), crate::search::ErrorType::InvalidRequest);
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }

    use serde_json::json;

    fn err(body: Value) -> SearchError {
        SearchRequest::from_json(&body).unwrap_err()
    }

    #[test]
    fn defaults_match_meilisearch() {
        let r = SearchRequest::from_json(&json!({"q": "wijk"})).unwrap();
        assert_eq!((r.offset, r.limit, r.crop_length), (0, 20, 10));
        assert_eq!(r.matching_strategy, MatchingStrategy::Last);
    }

    #[test]
    fn bad_parameters_get_meilisearch_codes() {
        assert_eq!(err(json!({"offset": -1})).code, "invalid_search_offset");
        assert!(err(json!({"offset": -1})).message.contains("negative"));
        assert_eq!(err(json!({"limit": "tien"})).code, "invalid_search_limit");
        assert_eq!(
            err(json!({"facets": ["kleur"]})).code,
            "invalid_search_facets"
        );
        assert_eq!(
            err(json!({"sort": ["title:asc"]})).code,
            "invalid_search_sort"
        );
        assert_eq!(
            err(json!({"sort": ["date:omhoog"]})).code,
            "invalid_search_sort"
        );
        assert_eq!(
            err(json!({"q": "x".repeat(10_000)})).code,
            "invalid_search_q"
        );
        assert_eq!(
            err(json!({"filter": "thema = \"x"})).code,
            "invalid_search_filter"
        );
        assert_eq!(err(json!({"onbekend": 1})).code, "bad_request");
        assert_eq!(err(json!([1])).code, "bad_request");
        assert_eq!(
            err(json!({"matchingStrategy": "soms"})).code,
            "invalid_search_matching_strategy"
        );
        assert_eq!(
            err(json!({"showRankingScore": "ja"})).code,
            "invalid_search_show_ranking_score"
        );
        assert_eq!(
            err(json!({"showMatchesPosition": 1})).code,
            "invalid_search_show_matches_position"
        );
        assert_eq!(
            err(json!({"showRankingScoreDetails": []})).code,
            "invalid_search_show_ranking_score_details"
        );
        assert!(SearchRequest::from_json(&json!({"showRankingScore": true})).is_ok());
        let e = err(json!({"offset": -1}));
        assert_eq!(
            e.to_json()["link"],
            "https://docs.meilisearch.com/errors#invalid_search_offset"
        );
    }

    #[test]
    fn pages_become_offsets() {
        let r = SearchRequest::from_json(&json!({"page": 3, "hitsPerPage": 10})).unwrap();
        assert_eq!((r.offset, r.limit, r.page), (20, 10, Some((3, 10))));
        let response = SearchResponse {
            page: r.page,
            total: 45,
            ..Default::default()
        };
        assert_eq!(response.to_json()["totalPages"], 5);
    }
}
