//! Any text as a partner's date: never a panic, and what is read comes
//! back the same when written as known and read again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vindplaats::harvest::date;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(d) = date::parse(text) {
        let again = date::parse(&d.as_known()).expect("a written date reads back");
        assert_eq!(again, d);
    }
});
