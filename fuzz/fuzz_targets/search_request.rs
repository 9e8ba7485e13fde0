//! Any bytes as the body of a search: JSON or not, a checked request or a
//! Meilisearch error in the 4xx range, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::search::SearchRequest;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Err(e) = SearchRequest::from_json(&body) {
        assert!((400..500).contains(&e.status), "{e:?}");
    }
});
