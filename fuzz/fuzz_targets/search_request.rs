//! Any bytes as the body of a search: JSON or not, a checked request or a
//! Meilisearch error of type `invalid_request` (a 4xx), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::search::{ErrorType, SearchRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Err(e) = SearchRequest::from_json(&body) {
        assert_eq!(e.code.kind(), ErrorType::InvalidRequest, "{e:?}");
    }
});
