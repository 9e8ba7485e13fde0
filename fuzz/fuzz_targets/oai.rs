//! Any bytes as an OAI-PMH response: parsing the page and normalising its
//! records must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::harvest::{normalise, oai};

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = oai::parse_page(data) {
        for record in &page.records {
            let _ = normalise::entry(record.to_entry(), "fuzz/oai");
        }
    }
});
