//! Host details for an incident's device, from `GET /v1/agents/{id}`.
//!
//! An incident report names its agent but carries no host facts. When asked
//! for, the feed looks each agent up once per walk and fills the device's
//! host name, serial number, OS, addresses and last callback. This costs one
//! request per distinct agent per walk (so a steady-state cycle costs one
//! more request per agent in the overlap); a failed lookup leaves the
//! details empty and never stops the feed.

use crate::HuntressApi;
use crate::models::{Agent, AgentId};
use psa_ingest::contracts::DeviceRef;
use std::collections::HashMap;

/// Agents looked up in one walk, by id (`None`: missing or failed).
#[derive(Debug, Default)]
pub(crate) struct AgentLookups {
    known: HashMap<AgentId, Option<Agent>>,
}

impl AgentLookups {
    /// Agents remembered at most; past this the memory starts over, so a
    /// walk of any size stays bounded.
    const MAX_KNOWN: usize = 1_000;

    pub(crate) async fn fill(&mut self, api: &dyn HuntressApi, device: &mut DeviceRef) {
        let Some(id) = device
            .agent_id
            .as_deref()
            .and_then(|id| id.parse::<AgentId>().ok())
        else {
            return;
        };
        if !self.known.contains_key(&id) {
            let agent = match api.get_agent(id).await {
                Ok(agent) => agent,
                Err(error) => {
                    tracing::warn!(agent = %id, %error, "could not read the Huntress agent of an incident; host details left empty");
                    None
                }
            };
            if self.known.len() >= Self::MAX_KNOWN {
                self.known.clear();
            }
            self.known.insert(id, agent);
        }
        if let Some(Some(agent)) = self.known.get(&id) {
            apply(agent, device);
        }
    }
}

/// Copies an agent's host facts onto a device reference.
pub(crate) fn apply(agent: &Agent, device: &mut DeviceRef) {
    let present = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    if let Some(hostname) = present(&agent.hostname) {
        device.hostname = Some(hostname);
    }
    device.serial_number = present(&agent.serial_number).or(device.serial_number.take());
    device.os = present(&agent.os).or(device.os.take());
    device.ip_addresses = [present(&agent.ipv4_address), present(&agent.external_ip)]
        .into_iter()
        .flatten()
        .collect();
    device.last_seen_at = agent.last_callback_at.or(device.last_seen_at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HuntressError;
    use crate::MockHuntressApi;

    #[tokio::test]
    async fn each_agent_is_read_once_and_failures_leave_details_empty() {
        let mut mock = MockHuntressApi::new();
        mock.expect_get_agent()
            .withf(|id| *id == AgentId(1))
            .times(1)
            .returning(|id| {
                Ok(Some(Agent {
                    id,
                    hostname: Some("ACME-WS01".into()),
                    serial_number: Some("SN1".into()),
                    os: Some("Windows 11 Pro".into()),
                    ipv4_address: Some("10.0.0.5".into()),
                    external_ip: Some("198.51.100.7".into()),
                    last_callback_at: Some("2025-01-01T00:00:00Z".parse().unwrap()),
                    ..Agent::default()
                }))
            });
        mock.expect_get_agent()
            .withf(|id| *id == AgentId(2))
            .times(1)
            .returning(|_| {
                Err(HuntressError::Api {
                    status: 400,
                    path: "/v1/agents/2".into(),
                    body: String::new(),
                })
            });
        let mut lookups = AgentLookups::default();
        for _ in 0..2 {
            let mut device = DeviceRef {
                agent_id: Some("1".into()),
                hostname: Some("from-subject".into()),
                ..DeviceRef::default()
            };
            lookups.fill(&mock, &mut device).await;
            assert_eq!(device.hostname.as_deref(), Some("ACME-WS01"));
            assert_eq!(device.ip_addresses, ["10.0.0.5", "198.51.100.7"]);
            assert_eq!(device.os.as_deref(), Some("Windows 11 Pro"));
            assert!(device.last_seen_at.is_some());
        }
        let mut failing = DeviceRef {
            agent_id: Some("2".into()),
            hostname: Some("kept".into()),
            ..DeviceRef::default()
        };
        lookups.fill(&mock, &mut failing).await;
        lookups.fill(&mock, &mut failing).await;
        assert_eq!(failing.hostname.as_deref(), Some("kept"));
        assert!(failing.ip_addresses.is_empty());
    }
}
