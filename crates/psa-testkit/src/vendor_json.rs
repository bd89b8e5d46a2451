//! Arbitrary vendor JSON for property tests: documents shaped like what a
//! vendor might send (the field names a decoder looks for, nested records
//! and lists) with the values that break decoders (huge and negative
//! numbers, NUL bytes, odd timestamps, wrong types).

use proptest::prelude::*;
use serde_json::{Map, Value};

/// Text a vendor might put anywhere: timestamps in several shapes, numbers
/// as text, NUL bytes and control characters, markup, long strings.
pub fn vendor_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("2025-01-01T00:00:00Z".to_owned()),
        Just("2025-01-01T00:00:00.123456789+05:30".to_owned()),
        Just("3rd of May".to_owned()),
        Just("1e20".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("-1".to_owned()),
        Just("a\0b".to_owned()),
        Just("<script>x</script>".to_owned()),
        Just("é".repeat(300)),
        "\\PC{0,40}",
    ]
}

/// A JSON scalar with the values that break decoders.
pub fn vendor_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Value::Number),
        vendor_text().prop_map(Value::String),
    ]
}

/// A JSON document whose object keys come from `keys` (the fields a
/// decoder reads) or are arbitrary, nested up to a few levels.
pub fn vendor_json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => proptest::sample::select(keys).prop_map(str::to_owned),
        1 => "[a-z_]{1,12}",
    ];
    vendor_scalar().prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..10)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A JSON object (a record) with keys from `keys`.
pub fn vendor_record(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    proptest::collection::vec(
        (
            proptest::sample::select(keys).prop_map(str::to_owned),
            vendor_json(keys),
        ),
        0..16,
    )
    .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
}

/// `base` (a record the decoder accepts) with arbitrary fields from
/// `keys` laid over it: reaches past the decoder into the normalizer.
pub fn vendor_record_over(
    base: serde_json::Value,
    keys: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    vendor_record(keys).prop_map(move |overrides| {
        let mut record = base.clone();
        if let (Some(record), Value::Object(overrides)) = (record.as_object_mut(), overrides) {
            record.extend(overrides);
        }
        record
    })
}
