//! Any bytes as a Huntress answer body: every list and one-record decoder,
//! then the normalizers.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| huntress::fuzzing::response_body(body));
