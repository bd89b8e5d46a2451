//! Sensor values: Tanium reports a failed sensor as data
//! (`"Error: No inventory has been collected"`, `"TSE-Error: ..."`) or as a
//! placeholder (`"[no results]"`). All of them mean "no value".

/// Placeholders Tanium writes where a sensor has nothing to say.
const PLACEHOLDERS: &[&str] = &[
    "[no results]",
    "[current result unavailable]",
    "[results currently unavailable]",
    "unknown",
    "n/a",
];

/// The value trimmed, or `None` for an empty value, a sensor error
/// (`Error: ...`, `TSE-Error: ...`) or a placeholder.
///
/// ```
/// use tanium_gateway::normalize::sensor_value;
///
/// assert_eq!(sensor_value(" alice "), Some("alice"));
/// assert_eq!(sensor_value("Error: No inventory has been collected"), None);
/// assert_eq!(sensor_value("TSE-Error: Sensor timed out"), None);
/// assert_eq!(sensor_value("[no results]"), None);
/// ```
pub fn sensor_value(value: &str) -> Option<&str> {
    let value = value.trim();
    if value.is_empty() || is_sensor_error(value) {
        return None;
    }
    if PLACEHOLDERS.iter().any(|p| value.eq_ignore_ascii_case(p)) {
        return None;
    }
    Some(value)
}

/// True for `Error: ...` and `TSE-Error: ...` (any case).
pub fn is_sensor_error(value: &str) -> bool {
    let value = value.trim_start();
    ["error:", "tse-error:"].iter().any(|prefix| {
        value
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    })
}

/// [`sensor_value`] for an optional string, owned.
pub fn clean(value: Option<&str>) -> Option<String> {
    value.and_then(sensor_value).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_placeholders_are_missing() {
        for missing in [
            "",
            "   ",
            "Error: x",
            "error: x",
            "TSE-Error: timeout",
            "  TSE-ERROR: x",
            "[no results]",
            "N/A",
        ] {
            assert_eq!(sensor_value(missing), None, "{missing:?}");
        }
        for kept in ["Errors Inc.", "alice", "Dell Inc."] {
            assert_eq!(sensor_value(kept), Some(kept));
        }
        assert_eq!(clean(Some(" x ")), Some("x".to_owned()));
        assert_eq!(clean(None), None);
    }
}
