//! Any query string as an OAI-PMH request to the provider: an answer or an
//! OAI error, never a panic; any text as a resumption token is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::publish::oai::token::TokenKey;
use vindplaats::publish::oai::Repository;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(text.as_bytes())
        .take(32)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let key = TokenKey::from_bytes([7; 32]);
    let repository = Repository::empty("http://127.0.0.1/oai", key.clone());
    let xml = repository.answer(&pairs, chrono::Utc::now());
    assert!(xml.starts_with("<?xml") && xml.ends_with("</OAI-PMH>\n"));
    assert!(key.open(&text, 0).is_err());
});
