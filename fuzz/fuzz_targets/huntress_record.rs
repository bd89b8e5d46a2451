//! Any JSON value as one Huntress record (incident report, agent), then the
//! normalizers. Bytes that are not JSON are skipped: `huntress_response`
//! covers them.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    if let Ok(raw) = serde_json::from_slice(body) {
        huntress::fuzzing::record(raw);
    }
});
