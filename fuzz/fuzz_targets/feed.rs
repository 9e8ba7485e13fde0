//! Any bytes as a fetched feed: parsing, normalising every entry and
//! serialising what the store would write must never panic, and the text
//! written for Markdown must never hold an unescaped '<'.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::harvest::normalise;
use vindplaats::harvest::store::{body_of, fields_of};

fuzz_target!(|data: &[u8]| {
    let Ok(feed) = vindplaats::harvest::parse_feed(data, None, "https://partner.example/feed/")
    else {
        return;
    };
    for entry in feed.entries {
        let Ok(item) = normalise::entry(entry, "fuzz/feed") else {
            continue;
        };
        let fields = fields_of(&item);
        toml::to_string(&fields).expect("harvest fields serialise as TOML");
        let body = body_of(item.abstract_html.as_deref());
        let bare_lt = body
            .char_indices()
            .any(|(i, c)| c == '<' && !body[..i].ends_with('\\'));
        assert!(!bare_lt, "an unescaped '<' in {body:?}");
        for url in [&item.link, &item.pdf, &item.image].into_iter().flatten() {
            assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
        }
    }
});
