//! Everything the simulated server knows, behind one lock.

use super::faults::{FaultRule, StrictWindow};
use super::records::{SimAccount, SimAgent, SimIncident, SimOrganization};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{BTreeMap, VecDeque};

#[derive(Debug)]
pub(crate) struct SimState {
    pub(crate) account: SimAccount,
    /// The exact `Authorization` header that is accepted.
    pub(crate) authorization: String,
    /// The simulated clock that stamps every change.
    pub(crate) clock: DateTime<Utc>,
    pub(crate) organizations: BTreeMap<u64, SimOrganization>,
    pub(crate) agents: BTreeMap<u64, SimAgent>,
    pub(crate) incidents: BTreeMap<u64, SimIncident>,
    pub(crate) escalations: BTreeMap<u64, super::escalations::SimEscalation>,
    pub(crate) window: Option<StrictWindow>,
    pub(crate) faults: VecDeque<FaultRule>,
    pub(crate) served: u64,
    pub(crate) rate_limited: u64,
    /// Path and query of every request, in arrival order.
    pub(crate) log: Vec<String>,
}

impl SimState {
    pub(crate) fn new(
        account: SimAccount,
        authorization: String,
        clock: DateTime<Utc>,
        window: Option<StrictWindow>,
    ) -> Self {
        Self {
            account,
            authorization,
            clock,
            organizations: BTreeMap::new(),
            agents: BTreeMap::new(),
            incidents: BTreeMap::new(),
            escalations: BTreeMap::new(),
            window,
            faults: VecDeque::new(),
            served: 0,
            rate_limited: 0,
            log: Vec::new(),
        }
    }

    /// The current time, then the clock moves one second on, so every change
    /// has its own `updated_at`.
    pub(crate) fn tick(&mut self) -> DateTime<Utc> {
        let at = self.clock;
        self.clock += TimeDelta::seconds(1);
        at
    }

    pub(crate) fn next_organization_id(&self) -> u64 {
        self.organizations.keys().next_back().map_or(1, |id| id + 1)
    }

    pub(crate) fn next_agent_id(&self) -> u64 {
        self.agents.keys().next_back().map_or(1, |id| id + 1)
    }

    pub(crate) fn next_incident_id(&self) -> u64 {
        self.incidents.keys().next_back().map_or(1, |id| id + 1)
    }

    /// The generated subject: `LOW - Incident on laptop01 (Acme)`.
    pub(crate) fn subject(
        &self,
        severity: &str,
        organization_id: u64,
        agent_id: Option<u64>,
    ) -> String {
        let org = self
            .organizations
            .get(&organization_id)
            .map_or("Unknown", |o| o.name.as_str());
        let host = agent_id
            .and_then(|id| self.agents.get(&id))
            .map_or("Microsoft 365", |a| a.hostname.as_str());
        format!("{} - Incident on {host} ({org})", severity.to_uppercase())
    }

    pub(crate) fn add_incident(&mut self, mut incident: SimIncident) -> u64 {
        let id = self.next_incident_id();
        incident.id = id;
        self.incidents.insert(id, incident);
        id
    }
}

/// A blank incident to fill in.
pub(crate) fn blank_incident(at: DateTime<Utc>) -> SimIncident {
    SimIncident {
        id: 0,
        organization_id: 0,
        agent_id: None,
        subject: String::new(),
        summary: String::new(),
        body: String::new(),
        severity: "low".to_owned(),
        status: "sent".to_owned(),
        platform: "windows".to_owned(),
        indicator_types: Vec::new(),
        indicator_counts: BTreeMap::new(),
        remediations: Vec::new(),
        created_at: at,
        sent_at: Some(at),
        closed_at: None,
        status_updated_at: at,
        updated_at: at,
        odd_shape: None,
    }
}
