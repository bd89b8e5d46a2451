//! The `assets` settings of an integration: what a complete walk may retire.
//!
//! | key | bounds | default | meaning |
//! | --- | --- | --- | --- |
//! | `assets.retire_guard_percent` | 1..=100 | 50 | a complete walk that would retire more than this share of a scope's live assets... |
//! | `assets.retire_guard_min` | 1..=1000000 | 20 | ...and at least this many, retires none |
//! | `assets.confirm_retirement` | bool | false | a person's confirmation: the next walk retires past the guard; cleared once used |

use crate::schedule::read_number;
use psa_ingest::engine::assets::RetirementGuard;
use psa_ingest::settings::{FieldError, SettingsError};
use serde_json::Value;

/// The `assets` settings of an integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetSettings {
    /// The retirement guard the device sync applies.
    pub retirement_guard: RetirementGuard,
}

impl AssetSettings {
    /// The settings key.
    pub const KEY: &'static str = "assets";
    /// The key, inside [`KEY`](Self::KEY), of a person's confirmation.
    pub const CONFIRM_RETIREMENT: &'static str = "confirm_retirement";

    /// Reads `assets` from an integration's settings (missing keys take
    /// their defaults); names every field that is wrong.
    pub fn from_settings(settings: &Value) -> Result<Self, SettingsError> {
        let section = settings.get(Self::KEY);
        let percent = read_number(
            section,
            "retire_guard_percent",
            "assets.retire_guard_percent",
            1,
            100,
            50,
        );
        let min = read_number(
            section,
            "retire_guard_min",
            "assets.retire_guard_min",
            1,
            1_000_000,
            20,
        );
        let confirmed = match section.and_then(|s| s.get(Self::CONFIRM_RETIREMENT)) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(FieldError::new(
                "assets.confirm_retirement",
                format!("must be true or false, got {other}"),
            )),
        };
        match (percent, min, confirmed) {
            (Ok(percent), Ok(min), Ok(confirmed)) => Ok(Self {
                retirement_guard: RetirementGuard {
                    max_percent: u8::try_from(percent).unwrap_or(100),
                    min_assets: min.unsigned_abs(),
                    confirmed,
                },
            }),
            (percent, min, confirmed) => Err(SettingsError::new(
                [percent.err(), min.err(), confirmed.err()]
                    .into_iter()
                    .flatten()
                    .collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_guard_comes_from_settings_with_defaults_and_bounds() {
        let defaults = AssetSettings::from_settings(&json!({})).unwrap();
        assert_eq!(defaults.retirement_guard, RetirementGuard::default());
        let set = AssetSettings::from_settings(&json!({"assets": {
            "retire_guard_percent": 10, "retire_guard_min": 5, "confirm_retirement": true
        }}))
        .unwrap();
        assert_eq!(
            set.retirement_guard,
            RetirementGuard {
                max_percent: 10,
                min_assets: 5,
                confirmed: true
            }
        );
        let bad = json!({"assets": {"retire_guard_percent": 0, "confirm_retirement": "yes"}});
        let error = AssetSettings::from_settings(&bad).unwrap_err();
        assert_eq!(
            error.fields(),
            ["assets.retire_guard_percent", "assets.confirm_retirement"]
        );
    }
}
