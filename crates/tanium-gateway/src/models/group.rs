use serde::{Deserialize, Serialize};

psa_ingest::open_enum! {
    /// How a computer group selects its members.
    pub enum ComputerGroupType {
        /// Members match a filter expression.
        Standard => "STANDARD",
        /// Members were picked by hand.
        Manual => "MANUAL",
    }
}

/// A Tanium computer group: the scope a PSA client maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputerGroup {
    /// Group id.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Standard (filter) or manual.
    pub group_type: Option<ComputerGroupType>,
    /// Whether the group grants management rights.
    pub management_rights_enabled: Option<bool>,
    /// Whether the group's filter is on.
    pub filter_enabled: Option<bool>,
    /// The filter expression, for standard groups.
    pub expression: Option<String>,
}
