//! Serde round trips of the normalized contracts and tolerance of unknown values.

use chrono::{TimeZone, Utc};
use psa_ingest::ProviderId;
use psa_ingest::contracts::{
    AgentStatus, DeviceLifecycle, DeviceRef, DeviceType, Hardware, IncidentSeverity,
    IncidentStatus, Indicator, NetworkInfo, NormalizedDevice, NormalizedIncident, NormalizedScope,
    OsInfo, ScopeKind, Software, UserInfo,
};
use serde_json::json;

fn device() -> NormalizedDevice {
    NormalizedDevice {
        provider: ProviderId::new("tanium").unwrap(),
        external_id: "42".into(),
        scope_id: "group-1".into(),
        lifecycle: DeviceLifecycle::Active,
        device_type: DeviceType::Server,
        name: "srv-01".into(),
        serial_number: Some("ABC123".into()),
        asset_tag: None,
        agent_status: AgentStatus::Online,
        last_seen_at: Some(Utc.with_ymd_and_hms(2026, 11, 1, 8, 30, 0).unwrap()),
        os: OsInfo {
            name: Some("Windows Server 2022".into()),
            version: None,
            platform: Some("Windows".into()),
        },
        hardware: Hardware {
            ram_bytes: Some(17_179_869_184),
            cpu_cores: Some(8),
            ..Hardware::default()
        },
        network: NetworkInfo {
            lan_ip: Some("10.0.0.5".into()),
            wan_ip: None,
            ip_addresses: vec!["10.0.0.5".into()],
            mac_addresses: vec!["00:11:22:33:44:55".into()],
        },
        users: UserInfo {
            current_user: Some("alice".into()),
            last_logged_in_user: Some("alice".into()),
        },
        installed_software: vec![Software {
            name: "7-Zip".into(),
            version: Some("23.01".into()),
        }],
        extra: serde_json::Map::new(),
    }
}

#[test]
fn device_round_trips_through_json() {
    let original = device();
    let text = serde_json::to_string(&original).unwrap();
    assert!(text.contains("\"device_type\":\"server\""), "{text}");
    let back: NormalizedDevice = serde_json::from_str(&text).unwrap();
    assert_eq!(back, original);
}

#[test]
fn unknown_enum_values_are_kept_not_rejected() {
    let mut value = serde_json::to_value(device()).unwrap();
    value["device_type"] = json!("printer");
    value["agent_status"] = json!("sleeping");
    value["lifecycle"] = json!("quarantined");
    let parsed: NormalizedDevice = serde_json::from_value(value).unwrap();
    assert_eq!(parsed.device_type, DeviceType::Other("printer".into()));
    assert_eq!(parsed.agent_status, AgentStatus::Other("sleeping".into()));
    assert_eq!(
        parsed.lifecycle,
        DeviceLifecycle::Other("quarantined".into())
    );
    // And they serialize back as sent.
    let again = serde_json::to_value(&parsed).unwrap();
    assert_eq!(again["device_type"], "printer");
}

#[test]
fn known_values_parse_case_insensitively() {
    assert_eq!(ScopeKind::parse("GROUP"), ScopeKind::Group);
    assert_eq!(
        IncidentSeverity::parse("Critical"),
        IncidentSeverity::Critical
    );
    assert_eq!(
        DeviceType::parse("network_device"),
        DeviceType::NetworkDevice
    );
    assert_eq!(
        "partner_dismissed".parse::<IncidentStatus>().unwrap(),
        IncidentStatus::PartnerDismissed
    );
    assert_eq!(
        IncidentStatus::Other("escalated".into()).to_string(),
        "escalated"
    );
}

#[test]
fn status_and_lifecycle_helpers() {
    assert!(IncidentStatus::Closed.is_closed());
    assert!(IncidentStatus::PartnerDismissed.is_closed());
    assert!(!IncidentStatus::Open.is_closed());
    assert!(!IncidentStatus::Other("closed-ish".into()).is_closed());
    assert!(DeviceLifecycle::Tombstoned.is_gone());
    assert!(!DeviceLifecycle::Offline.is_gone());
}

#[test]
fn scope_and_incident_round_trip() {
    let scope = NormalizedScope {
        provider: ProviderId::new("huntress").unwrap(),
        external_id: "7".into(),
        name: "Acme Corp".into(),
        kind: ScopeKind::Organization,
        parent: None,
        counts: Default::default(),
    };
    let text = serde_json::to_string(&scope).unwrap();
    assert!(
        !text.contains("parent"),
        "absent parent is not written: {text}"
    );
    assert_eq!(
        serde_json::from_str::<NormalizedScope>(&text).unwrap(),
        scope
    );

    let incident = NormalizedIncident {
        provider: ProviderId::new("huntress").unwrap(),
        external_id: "1001".into(),
        scope_id: Some("7".into()),
        device_ref: Some(DeviceRef {
            agent_id: Some("55".into()),
            hostname: Some("laptop01".into()),
            ip_addresses: vec!["10.1.2.3".into()],
            ..DeviceRef::default()
        }),
        severity: IncidentSeverity::Other("severe".into()),
        status: IncidentStatus::Open,
        subject: "LOW - Incident on laptop01 (Acme)".into(),
        summary: None,
        body: None,
        indicators: vec![Indicator {
            kind: "footholds".into(),
            count: Some(2),
        }],
        remediations: vec![],
        platform: Some("windows".into()),
        portal_url: None,
        sent_at: None,
        closed_at: None,
        updated_at: Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap(),
        raw: json!({"id": 1001}),
    };
    let back: NormalizedIncident =
        serde_json::from_str(&serde_json::to_string(&incident).unwrap()).unwrap();
    assert_eq!(back, incident);
}

#[test]
fn a_provider_id_in_a_payload_is_validated() {
    let mut value = serde_json::to_value(device()).unwrap();
    value["provider"] = json!("Not Valid");
    let err = serde_json::from_value::<NormalizedDevice>(value).unwrap_err();
    assert!(err.to_string().contains("invalid provider id"), "{err}");
}
