//! The search API's errors as a table, in the manner of Meilisearch's
//! `make_error_codes!`: each [`Code`] declares once its name, its error
//! type and its documentation link, and [`SearchError`] is a code with a
//! message, in Meilisearch's JSON format. Which HTTP status a code gets is
//! decided in `serve` alone: the engine knows no HTTP.

use serde_json::Value;

/// Meilisearch's `type` of an error: whose fault it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// The request was wrong; another request may succeed.
    InvalidRequest,
    /// Something broke inside.
    Internal,
    /// The system cannot answer now (too busy).
    System,
}

impl ErrorType {
    pub fn name(self) -> &'static str {
        match self {
            ErrorType::InvalidRequest => "invalid_request",
            ErrorType::Internal => "internal",
            ErrorType::System => "system",
        }
    }
}

/// Where every code's documentation lives: Meilisearch's, for its codes
/// and ours alike (ours follow its naming).
const DOCS: &str = "https://docs.meilisearch.com/errors#";

macro_rules! error_codes {
    ($($code:ident = $name:literal, $kind:ident;)*) => {
        /// An error code of the search API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($code,)*
        }

        impl Code {
            /// Every code, in the table's order.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// The code as the API sends it (`code` in the body).
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$code => $name,)*
                }
            }

            /// Whose fault it is (`type` in the body).
            pub fn kind(self) -> ErrorType {
                match self {
                    $(Code::$code => ErrorType::$kind,)*
                }
            }
        }
    };
}

error_codes! {
    // The request as a whole.
    BadRequest = "bad_request", InvalidRequest;
    IndexNotFound = "index_not_found", InvalidRequest;
    // One parameter of a search, named after it.
    InvalidSearchQ = "invalid_search_q", InvalidRequest;
    InvalidSearchOffset = "invalid_search_offset", InvalidRequest;
    InvalidSearchLimit = "invalid_search_limit", InvalidRequest;
    InvalidSearchPage = "invalid_search_page", InvalidRequest;
    InvalidSearchHitsPerPage = "invalid_search_hits_per_page", InvalidRequest;
    InvalidSearchFilter = "invalid_search_filter", InvalidRequest;
    InvalidSearchFacets = "invalid_search_facets", InvalidRequest;
    InvalidSearchSort = "invalid_search_sort", InvalidRequest;
    InvalidSearchAttributesToRetrieve = "invalid_search_attributes_to_retrieve", InvalidRequest;
    InvalidSearchAttributesToHighlight = "invalid_search_attributes_to_highlight", InvalidRequest;
    InvalidSearchAttributesToCrop = "invalid_search_attributes_to_crop", InvalidRequest;
    InvalidSearchCropLength = "invalid_search_crop_length", InvalidRequest;
    InvalidSearchCropMarker = "invalid_search_crop_marker", InvalidRequest;
    InvalidSearchHighlightPreTag = "invalid_search_highlight_pre_tag", InvalidRequest;
    InvalidSearchHighlightPostTag = "invalid_search_highlight_post_tag", InvalidRequest;
    InvalidSearchMatchingStrategy = "invalid_search_matching_strategy", InvalidRequest;
    InvalidSearchAttributesToSearchOn = "invalid_search_attributes_to_search_on", InvalidRequest;
    InvalidSearchShowMatchesPosition = "invalid_search_show_matches_position", InvalidRequest;
    InvalidSearchShowRankingScore = "invalid_search_show_ranking_score", InvalidRequest;
    InvalidSearchShowRankingScoreDetails = "invalid_search_show_ranking_score_details", InvalidRequest;
    // The HTTP request around a search (raised by `serve`).
    NotFound = "not_found", InvalidRequest;
    MethodNotAllowed = "method_not_allowed", InvalidRequest;
    PayloadTooLarge = "payload_too_large", InvalidRequest;
    InvalidContentType = "invalid_content_type", InvalidRequest;
    MissingPayload = "missing_payload", InvalidRequest;
    MalformedPayload = "malformed_payload", InvalidRequest;
    MissingIndexUid = "missing_index_uid", InvalidRequest;
    TooManySearchRequests = "too_many_search_requests", System;
    // Inside the engine.
    Internal = "internal", Internal;
}

impl Code {
    /// Where the code is explained.
    pub fn link(self) -> String {
        format!("{DOCS}{}", self.name())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A code compares equal to its name.
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// An error in Meilisearch's format: a code and a message for the reader.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SearchError {
    pub code: Code,
    pub message: String,
}

impl SearchError {
    pub fn new(code: Code, message: impl Into<String>) -> SearchError {
        SearchError {
            code,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> SearchError {
        SearchError::new(Code::Internal, message)
    }

    pub fn index_not_found(uid: &str) -> SearchError {
        SearchError::new(Code::IndexNotFound, format!("Index `{uid}` not found."))
    }

    /// The JSON body Meilisearch sends with an error.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "message": self.message,
            "code": self.code.name(),
            "type": self.code.kind().name(),
            "link": self.code.link(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_name() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }

    #[test]
    fn the_body_is_meilisearchs() {
        let e = SearchError::new(Code::InvalidSearchLimit, "te veel");
        assert_eq!(
            e.to_json().to_string(),
            r#"{"message":"te veel","code":"invalid_search_limit","type":"invalid_request","link":"https://docs.meilisearch.com/errors#invalid_search_limit"}"#
        );
    }
}
