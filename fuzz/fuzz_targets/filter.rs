//! Any text as a search filter, in both forms: a filter or an error, never
//! a panic or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::search::document::FILTERABLE;
use vindplaats::search::filter::parse_filter;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let _ = parse_filter(&serde_json::json!(text), FILTERABLE);
    let _ = parse_filter(&serde_json::json!([text, [text]]), FILTERABLE);
});
