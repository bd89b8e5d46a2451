//! Any bytes as a Tanium Gateway `endpoints` answer, then the normalizer.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| tanium_gateway::fuzzing::gateway_endpoints_page(body));
