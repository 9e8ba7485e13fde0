//! Any file as a content file: front matter or an error naming what is
//! wrong, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::content::{split_front_matter, PageFrontMatter, SectionFrontMatter};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((front, _)) = split_front_matter(text) {
        let _ = PageFrontMatter::parse(front);
        let _ = SectionFrontMatter::parse(front);
    }
});
