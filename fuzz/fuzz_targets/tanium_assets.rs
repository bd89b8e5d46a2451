//! Any bytes as a Tanium Asset API page, and any JSON value as one of its
//! rows, then the normalizer.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    tanium_gateway::fuzzing::asset_api_page(body);
    if let Ok(row) = serde_json::from_slice(body) {
        tanium_gateway::fuzzing::asset_api_row(&row);
    }
});
