//! Any bytes as a partner's web page: feed discovery never panics, and
//! gives at most `MAX_LINKS` http(s) URLs without fragments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::submission::discover::{feed_links, is_html, MAX_LINKS};

fuzz_target!(|data: &[u8]| {
    let _ = is_html(None, data);
    let page = url::Url::parse("https://partner.example/nl/").expect("a URL");
    let html = String::from_utf8_lossy(data);
    let links = feed_links(&html, &page);
    assert!(links.len() <= MAX_LINKS);
    for link in links {
        assert!(matches!(link.scheme(), "http" | "https"), "{link}");
        assert!(link.fragment().is_none(), "{link}");
    }
});
