//! Any bytes as a partner's submission, form-encoded and as JSON: an answer
//! and never a panic, and an accepted form keeps every limit and holds no
//! line breaks or other control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::submission::form::limits;
use vindplaats::submission::{parse_form_urlencoded, parse_json};

fuzz_target!(|data: &[u8]| {
    for form in [parse_form_urlencoded(data), parse_json(data)]
        .into_iter()
        .flatten()
    {
        assert!(form.organisation.chars().count() <= limits::ORGANISATION);
        assert!(form.email.chars().count() <= limits::EMAIL);
        for url in [&form.homepage, &form.source] {
            assert!(url.chars().count() <= limits::URL);
            assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
        }
        for text in [&form.organisation, &form.email, &form.homepage, &form.source] {
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }
});
