//! Descriptors of the providers this workspace ships. The provider crates
//! return these from [`Provider::descriptor`](crate::Provider::descriptor), so
//! a service can list them without linking the clients.

use crate::{Capabilities, Category, ProviderDescriptor};
use psa_ingest::ProviderId;

fn id(value: &str) -> ProviderId {
    ProviderId::new(value).expect("built-in provider ids are valid")
}

/// Tanium: endpoint management through the Tanium Gateway.
pub fn tanium() -> ProviderDescriptor {
    ProviderDescriptor {
        id: id("tanium"),
        title: "Tanium".to_owned(),
        description: "Discover Tanium computer groups, map them to clients and sync endpoint inventory into assets."
            .to_owned(),
        category: Category::Rmm,
        capabilities: Capabilities {
            connection: true,
            scope_sync: true,
            device_sync: true,
            incident_feed: false,
            escalation_feed: false,
            remote_actions: false,
        },
        requires_enterprise: true,
        feature_flag: None,
    }
}

/// Huntress: SOC-reviewed incident reports become tickets.
pub fn huntress() -> ProviderDescriptor {
    ProviderDescriptor {
        id: id("huntress"),
        title: "Huntress".to_owned(),
        description: "Map Huntress organizations to clients and turn SOC-reviewed incident reports into tickets."
            .to_owned(),
        category: Category::Security,
        capabilities: Capabilities {
            connection: true,
            scope_sync: true,
            device_sync: false,
            incident_feed: true,
            escalation_feed: true,
            remote_actions: false,
        },
        requires_enterprise: true,
        feature_flag: None,
    }
}

/// Every built-in descriptor.
pub fn descriptors() -> Vec<ProviderDescriptor> {
    vec![tanium(), huntress()]
}
