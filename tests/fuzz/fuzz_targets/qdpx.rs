//! Any bytes given to the .qdpx reader: an error is fine, a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = weft::refi::import::Limits {
        entries: 1000,
        unpacked_bytes: 16 << 20,
    };
    let _ = weft::refi::import::read_qdpx_bytes(std::path::Path::new("fuzz.qdpx"), data, limits);
    // The XML reader alone, on the same bytes as text.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = weft::refi::import::parse_xml(text);
    }
});
