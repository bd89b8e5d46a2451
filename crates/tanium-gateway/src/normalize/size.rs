//! Sizes as Tanium writes them: `"16384 MB"`, `"15.9 GB"`, `"512000 MB"`.

/// Bytes in a size string with a unit (B, KB, MB, GB, TB, PB; `KiB`-style
/// too; binary multiples, as Tanium's sensors use). A value without a unit,
/// negative, or a sensor error gives `None`: no unit is guessed.
///
/// ```
/// use tanium_gateway::normalize::parse_size;
///
/// assert_eq!(parse_size("16384 MB"), Some(16384 * 1024 * 1024));
/// assert_eq!(parse_size("15.9 GB"), Some(17_072_495_002));
/// assert_eq!(parse_size("Error: no disk"), None);
/// ```
pub fn parse_size(value: &str) -> Option<u64> {
    let value = crate::normalize::sensor_value(value)?;
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number = number.trim().replace(',', ".");
    let amount: f64 = number.parse().ok()?;
    if !amount.is_finite() || amount < 0.0 {
        return None;
    }
    let exponent = match unit.trim().to_ascii_lowercase().as_str() {
        "b" | "bytes" | "byte" => 0,
        "k" | "kb" | "kib" => 1,
        "m" | "mb" | "mib" => 2,
        "g" | "gb" | "gib" => 3,
        "t" | "tb" | "tib" => 4,
        "p" | "pb" | "pib" => 5,
        _ => return None,
    };
    let bytes = amount * 1024f64.powi(exponent);
    // Rounded: "15.9 GB" is an approximation anyway.
    (bytes < u64::MAX as f64).then(|| bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn parses_real_world_values() {
        let cases: &[(&str, Option<u64>)] = &[
            ("16384 MB", Some(16384 * MIB)),
            ("512000 MB", Some(512_000 * MIB)),
            (
                "15.9 GB",
                Some((15.9 * 1024.0 * 1024.0 * 1024.0_f64).round() as u64),
            ),
            (
                "475,8 GB",
                Some((475.8 * 1024.0 * 1024.0 * 1024.0_f64).round() as u64),
            ),
            ("8GB", Some(8 * 1024 * MIB)),
            ("1 TB", Some(1024 * 1024 * MIB)),
            ("2048 KiB", Some(2 * MIB)),
            ("100 B", Some(100)),
            ("16384", None),
            ("-1 GB", None),
            ("12 parsecs", None),
            ("Error: No inventory", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_size(text), *expected, "{text:?}");
        }
    }
}
