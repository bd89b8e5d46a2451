//! A large, deterministic dataset: the same seed gives the same records.

use super::records::{SimAgent, SimOrganization, SimRemediation};
use super::state::{SimState, blank_incident};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;

/// How much to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSpec {
    /// Organizations.
    pub organizations: usize,
    /// Agents, spread over the organizations.
    pub agents: usize,
    /// Incident reports, spread over the organizations.
    pub incidents: usize,
    /// The seed.
    pub seed: u64,
    /// How far back incidents' `updated_at` reach from the clock.
    pub history: TimeDelta,
}

impl Default for DatasetSpec {
    /// 20 organizations, 2,000 agents, 2,000 incidents over 30 days.
    fn default() -> Self {
        Self {
            organizations: 20,
            agents: 2_000,
            incidents: 2_000,
            seed: 42,
            history: TimeDelta::days(30),
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    /// Ids of the organizations created.
    pub organization_ids: Vec<u64>,
    /// Agents created.
    pub agents: usize,
    /// Incidents created.
    pub incidents: usize,
    /// The oldest incident `updated_at`.
    pub oldest_update: Option<DateTime<Utc>>,
    /// The newest incident `updated_at`.
    pub newest_update: Option<DateTime<Utc>>,
}

/// SplitMix64: tiny, fast, and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// A value by weight: `[(value, weight)]`.
    fn weighted<'a>(&mut self, items: &[(&'a str, u64)]) -> &'a str {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total);
        for (value, weight) in items {
            if roll < *weight {
                return value;
            }
            roll -= weight;
        }
        items[0].0
    }
}

const FIRST: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
];
const SECOND: &[&str] = &[
    "Dental",
    "Logistics",
    "Legal",
    "Holdings",
    "Foods",
    "Clinic",
    "Builders",
    "Partners",
];
const INDICATORS: &[&str] = &[
    "footholds",
    "monitored_files",
    "ransomware_canaries",
    "antivirus_detections",
    "process_detections",
    "mde_detections",
];
const ACTIONS: &[&str] = &[
    "Delete File",
    "Delete Scheduled Task",
    "Isolate Host",
    "Remove Registry Value",
];

pub(crate) fn generate(state: &mut SimState, spec: &DatasetSpec) -> DatasetSummary {
    let mut rng = Rng(spec.seed);
    let now = state.clock;
    let mut organization_ids = Vec::with_capacity(spec.organizations);
    for n in 0..spec.organizations {
        let id = state.next_organization_id();
        let name = format!("{} {} {:02}", rng.pick(FIRST), rng.pick(SECOND), n + 1);
        let key = format!("org{:02}", n + 1);
        let created_at = now - TimeDelta::days(400) + TimeDelta::hours(n as i64);
        state.organizations.insert(
            id,
            SimOrganization {
                id,
                name,
                key,
                created_at,
                updated_at: created_at,
                undecodable: false,
                billable_identities: 0,
            },
        );
        organization_ids.push(id);
    }
    if organization_ids.is_empty() {
        return DatasetSummary {
            organization_ids,
            agents: 0,
            incidents: 0,
            oldest_update: None,
            newest_update: None,
        };
    }

    let mut agents_by_org: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for n in 0..spec.agents {
        let id = state.next_agent_id();
        let organization_id = organization_ids[rng.below(organization_ids.len() as u64) as usize];
        let platform = rng.weighted(&[("windows", 80), ("darwin", 15), ("linux", 5)]);
        let os = match platform {
            "windows" => rng.pick(&[
                "Windows 11 Pro",
                "Windows 10 Pro",
                "Windows Server 2022 Standard",
            ]),
            "darwin" => "macOS 14.5",
            _ => "Ubuntu 22.04",
        };
        let created_at = now - TimeDelta::days(300) + TimeDelta::minutes(n as i64);
        let last_callback_at = now - TimeDelta::minutes(rng.below(60 * 24 * 10) as i64);
        state.agents.insert(
            id,
            SimAgent {
                id,
                organization_id,
                hostname: format!(
                    "ORG{organization_id:02}-{}{:04}",
                    if os.contains("Server") { "SRV" } else { "WS" },
                    n + 1
                ),
                platform: platform.to_owned(),
                os: os.to_owned(),
                serial_number: format!("SN{:08X}", rng.next() as u32),
                ipv4_address: format!(
                    "10.{}.{}.{}",
                    organization_id,
                    rng.below(250),
                    1 + rng.below(250)
                ),
                external_ip: format!("198.51.100.{}", organization_id),
                mac_addresses: vec![format!(
                    "00:16:3e:{:02x}:{:02x}:{:02x}",
                    organization_id,
                    (n >> 8) & 0xff,
                    n & 0xff
                )],
                version: "0.13.42".to_owned(),
                created_at,
                updated_at: last_callback_at,
                last_callback_at,
            },
        );
        agents_by_org.entry(organization_id).or_default().push(id);
    }

    let history_secs = spec.history.num_seconds().max(1) as u64;
    let (mut oldest, mut newest): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    for _ in 0..spec.incidents {
        let organization_id = organization_ids[rng.below(organization_ids.len() as u64) as usize];
        let org_agents = agents_by_org
            .get(&organization_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let identity = org_agents.is_empty() || rng.below(10) == 0;
        let agent_id = if identity {
            None
        } else {
            Some(org_agents[rng.below(org_agents.len() as u64) as usize])
        };
        let updated_at = now - TimeDelta::seconds(1 + rng.below(history_secs) as i64);
        let sent_at = updated_at - TimeDelta::seconds(rng.below(2 * 86_400) as i64);
        let severity = rng.weighted(&[("low", 60), ("high", 30), ("critical", 10)]);
        let status = rng.weighted(&[
            ("sent", 60),
            ("closed", 25),
            ("dismissed", 10),
            ("auto_remediating", 5),
        ]);
        let platform = match agent_id.and_then(|id| state.agents.get(&id)) {
            Some(agent) => agent.platform.clone(),
            None => "microsoft_365".to_owned(),
        };
        let mut incident = blank_incident(sent_at);
        incident.organization_id = organization_id;
        incident.agent_id = agent_id;
        incident.subject = state.subject(severity, organization_id, agent_id);
        incident.summary = format!(
            "Huntress detected {} on this host.",
            rng.pick(INDICATORS).replace('_', " ")
        );
        incident.body = format!("<p>{}</p>", incident.summary);
        severity.clone_into(&mut incident.severity);
        status.clone_into(&mut incident.status);
        incident.platform = platform;
        let kinds = 1 + rng.below(2) as usize;
        for _ in 0..kinds {
            let kind = if identity {
                "managed_identity"
            } else {
                rng.pick(INDICATORS)
            };
            if !incident.indicator_types.iter().any(|k| k == kind) {
                incident.indicator_types.push(kind.to_owned());
                incident
                    .indicator_counts
                    .insert(kind.to_owned(), 1 + rng.below(4));
            }
        }
        for r in 0..rng.below(4) {
            incident.remediations.push(SimRemediation {
                id: r + 1,
                kind: rng.pick(&["assisted", "manual", "containment"]).to_owned(),
                action: rng.pick(ACTIONS).to_owned(),
                parameters: vec![(
                    "path".to_owned(),
                    format!("c:\\users\\public\\payload{r}.exe"),
                )],
                status: rng
                    .pick(&["unapproved", "approved", "completed"])
                    .to_owned(),
            });
        }
        incident.status_updated_at = updated_at;
        incident.updated_at = updated_at;
        if status == "closed" {
            incident.closed_at = Some(updated_at);
        }
        oldest = Some(oldest.map_or(updated_at, |o| o.min(updated_at)));
        newest = Some(newest.map_or(updated_at, |n| n.max(updated_at)));
        state.add_incident(incident);
    }
    DatasetSummary {
        organization_ids,
        agents: spec.agents,
        incidents: spec.incidents,
        oldest_update: oldest,
        newest_update: newest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::huntress::records::SimAccount;

    fn fresh() -> SimState {
        SimState::new(
            SimAccount::default(),
            String::new(),
            "2025-06-01T00:00:00Z".parse().unwrap(),
            None,
        )
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let spec = DatasetSpec {
            organizations: 3,
            agents: 30,
            incidents: 50,
            ..DatasetSpec::default()
        };
        let (mut a, mut b) = (fresh(), fresh());
        assert_eq!(generate(&mut a, &spec), generate(&mut b, &spec));
        assert_eq!(a.incidents, b.incidents);
        assert_eq!(a.agents, b.agents);
        let other = DatasetSpec { seed: 7, ..spec };
        let mut c = fresh();
        generate(&mut c, &other);
        assert_ne!(a.incidents, c.incidents);
    }

    #[test]
    fn incidents_are_in_the_past_and_reference_their_organization() {
        let mut state = fresh();
        let summary = generate(
            &mut state,
            &DatasetSpec {
                organizations: 4,
                agents: 40,
                incidents: 200,
                ..DatasetSpec::default()
            },
        );
        assert!(summary.newest_update.unwrap() < state.clock);
        for incident in state.incidents.values() {
            assert!(summary.organization_ids.contains(&incident.organization_id));
            if let Some(agent) = incident.agent_id {
                assert_eq!(
                    state.agents[&agent].organization_id,
                    incident.organization_id
                );
            }
        }
    }
}
