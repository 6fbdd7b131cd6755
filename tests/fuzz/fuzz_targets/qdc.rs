//! Any bytes given to the .qdc codebook reader: an error is fine, a panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = weft::refi::import::parse_qdc(std::path::Path::new("fuzz.qdc"), data);
});
