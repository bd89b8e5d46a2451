//! Typed Huntress ids: an organization id cannot be passed where an agent id
//! is expected.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

macro_rules! huntress_id {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        ///
        /// Serialized as a JSON number; decoded from a number or a numeric string.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                Self(id)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.trim().parse().map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_id(deserializer).map(Self)
            }
        }
    )+};
}

huntress_id! {
    /// A Huntress account id.
    AccountId,
    /// A Huntress organization id.
    OrganizationId,
    /// A Huntress agent id.
    AgentId,
    /// A Huntress incident report id.
    IncidentReportId,
}

fn deserialize_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    match &value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| D::Error::custom(format!("invalid id {n}"))),
        serde_json::Value::String(text) => text
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("invalid id {text:?}"))),
        other => Err(D::Error::custom(format!(
            "expected an id, found {}",
            crate::models::loose::kind(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_decode_from_numbers_and_strings() {
        assert_eq!(serde_json::from_str::<AgentId>("12").unwrap(), AgentId(12));
        assert_eq!(
            serde_json::from_str::<AgentId>("\"12\"").unwrap(),
            AgentId(12)
        );
        assert!(serde_json::from_str::<AgentId>("{}").is_err());
        assert!(serde_json::from_str::<AgentId>("-1").is_err());
        assert_eq!(serde_json::to_string(&AgentId(12)).unwrap(), "12");
    }
}
