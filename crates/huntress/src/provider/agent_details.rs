//! Host details for an incident's device: host name, serial number, OS,
//! addresses and last callback, read from the incident's agent.
//!
//! An incident report names its agent but carries no host facts. Requests
//! are the scarce resource (60 per minute per account), so each walk of the
//! feed (a cycle) reads every agent it needs at most once, by the cheaper of
//! two ways, chosen per organization:
//!
//! - **single gets**: `GET /v1/agents/{id}`, one request per agent;
//! - **a listing**: `GET /v1/agents?organization_id=..&limit=500`, one
//!   request per 500 agents of the organization (`agents_count` of its
//!   record), whatever the number needed.
//!
//! The walk notes the agents (and their incident's organization) of every
//! page it walks down, before it yields anything, so the choice sees the
//! whole cycle: an organization is listed when that costs fewer requests
//! than getting its agents still unknown, else the page's agents are got
//! one by one. An incident without an organization is always a single get.
//!
//! The organizations' sizes come from one walk of `GET
//! /v1/organizations?limit=500`, at most once per cycle and only when
//! listing could save two requests or more (assuming an organization fits
//! in one page); otherwise single gets win anyway. An organization whose
//! size is unknown is estimated at one page (most have under 500 agents).
//!
//! Once an organization was listed, its agents are never read again that
//! cycle: an agent its listing did not return (or one first met after the
//! listing, which only a restarted walk can do) is left without details.
//! Memory is the facts of the agents the cycle needs, never whole listings.
//!
//! A failed read (get, listing or sizes) logs a warning and leaves the
//! details empty; it never stops the feed, and a failed listing is not
//! replaced by single gets, so an outage costs one request per
//! organization rather than one per agent.

use crate::HuntressApi;
use crate::models::{Agent, AgentId, OrganizationId};
use crate::requests::{ListAgents, ListOrganizations, MAX_PAGE_SIZE};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use psa_ingest::contracts::DeviceRef;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the feed keeps of an agent: its host facts only.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HostFacts {
    hostname: Option<String>,
    serial_number: Option<String>,
    os: Option<String>,
    ip_addresses: Vec<String>,
    last_callback_at: Option<DateTime<Utc>>,
}

impl HostFacts {
    pub(crate) fn of(agent: &Agent) -> Self {
        let present = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        Self {
            hostname: present(&agent.hostname),
            serial_number: present(&agent.serial_number),
            os: present(&agent.os),
            ip_addresses: [present(&agent.ipv4_address), present(&agent.external_ip)]
                .into_iter()
                .flatten()
                .collect(),
            last_callback_at: agent.last_callback_at,
        }
    }

    /// Copies the facts onto a device reference, keeping what the report
    /// gave where the agent has nothing.
    pub(crate) fn apply(&self, device: &mut DeviceRef) {
        if self.hostname.is_some() {
            device.hostname.clone_from(&self.hostname);
        }
        device.serial_number = self.serial_number.clone().or(device.serial_number.take());
        device.os = self.os.clone().or(device.os.take());
        device.ip_addresses.clone_from(&self.ip_addresses);
        device.last_seen_at = self.last_callback_at.or(device.last_seen_at);
    }
}

/// The agents of one cycle: those still to read, and those read.
#[derive(Debug, Default)]
pub(crate) struct AgentLookups {
    /// Agents named by the cycle's incidents and not read yet, with the
    /// organization of the incident that named them first.
    pending: HashMap<AgentId, Option<OrganizationId>>,
    /// Agents read this cycle (`None`: missing, or the read failed).
    known: HashMap<AgentId, Option<HostFacts>>,
    /// Organizations listed this cycle, even if the listing failed.
    listed: HashSet<OrganizationId>,
    /// Agents per organization, once read this cycle.
    sizes: Option<HashMap<OrganizationId, u64>>,
}

impl AgentLookups {
    /// Notes an agent an incident of the cycle names, to weigh the choice.
    pub(crate) fn note(&mut self, organization: Option<OrganizationId>, agent: AgentId) {
        if self.known.contains_key(&agent) || self.pending.contains_key(&agent) {
            return;
        }
        match organization {
            // Its organization's listing is spent for this cycle.
            Some(org) if self.listed.contains(&org) => {
                self.known.insert(agent, None);
            }
            _ => {
                self.pending.insert(agent, organization);
            }
        }
    }

    /// Reads the agents of a page about to be yielded (`(organization,
    /// agent)` of each incident that names one), each by the cheaper way.
    pub(crate) async fn resolve(
        &mut self,
        api: &dyn HuntressApi,
        page: &[(Option<OrganizationId>, AgentId)],
    ) {
        for (organization, agent) in page {
            self.note(*organization, *agent);
        }
        let mut wanted: BTreeMap<Option<OrganizationId>, Vec<AgentId>> = BTreeMap::new();
        for (_, agent) in page {
            if let Some(organization) = self.pending.get(agent) {
                let agents = wanted.entry(*organization).or_default();
                if !agents.contains(agent) {
                    agents.push(*agent);
                }
            }
        }
        if wanted.is_empty() {
            return;
        }
        // Agents still to read in the whole cycle, per organization.
        let mut needed: HashMap<OrganizationId, u64> = HashMap::new();
        for organization in self.pending.values().flatten() {
            *needed.entry(*organization).or_default() += 1;
        }
        if self.sizes.is_none() {
            let could_save: u64 = wanted
                .keys()
                .flatten()
                .map(|org| needed[org].saturating_sub(1))
                .sum();
            if could_save >= 2 {
                self.sizes = Some(read_sizes(api).await);
            }
        }
        for (organization, agents) in wanted {
            match organization {
                Some(org)
                    if self
                        .listing_cost(org)
                        .is_some_and(|cost| cost < needed[&org]) =>
                {
                    self.list(api, org).await;
                }
                _ => {
                    for agent in agents {
                        self.get(api, agent).await;
                    }
                }
            }
        }
    }

    /// The host facts of an agent read this cycle.
    pub(crate) fn facts(&self, agent: AgentId) -> Option<&HostFacts> {
        self.known.get(&agent).and_then(Option::as_ref)
    }

    /// Requests to list an organization's agents; `None` while the sizes
    /// were not read (single gets are then the cheaper way).
    fn listing_cost(&self, organization: OrganizationId) -> Option<u64> {
        let agents = self.sizes.as_ref()?.get(&organization).copied();
        Some(agents.map_or(1, |n| n.div_ceil(u64::from(MAX_PAGE_SIZE)).max(1)))
    }

    async fn get(&mut self, api: &dyn HuntressApi, agent: AgentId) {
        let facts = match api.get_agent(agent).await {
            Ok(found) => found.as_ref().map(HostFacts::of),
            Err(error) => {
                tracing::warn!(agent = %agent, %error, "could not read the Huntress agent of an incident; host details left empty");
                None
            }
        };
        self.pending.remove(&agent);
        self.known.insert(agent, facts);
    }

    /// Lists an organization's agents and keeps those the cycle needs;
    /// stops as soon as it has them all.
    async fn list(&mut self, api: &dyn HuntressApi, organization: OrganizationId) {
        self.listed.insert(organization);
        let mut wanted: HashSet<AgentId> = self
            .pending
            .iter()
            .filter(|(_, org)| **org == Some(organization))
            .map(|(agent, _)| *agent)
            .collect();
        self.pending.retain(|_, org| *org != Some(organization));
        let mut pages = ListAgents::new(api)
            .organization_id(organization)
            .limit(MAX_PAGE_SIZE)
            .pages();
        while !wanted.is_empty()
            && let Some(page) = pages.next().await
        {
            match page {
                Ok(page) => {
                    for agent in &page.items {
                        if wanted.remove(&agent.id) {
                            self.known.insert(agent.id, Some(HostFacts::of(agent)));
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(organization = %organization, %error, "could not list the Huntress agents of an organization; host details of its incidents left empty");
                    break;
                }
            }
        }
        for agent in wanted {
            self.known.insert(agent, None);
        }
    }
}

/// `agents_count` of every organization, from one walk of the list; on a
/// failure, what was read so far (the rest is estimated).
async fn read_sizes(api: &dyn HuntressApi) -> HashMap<OrganizationId, u64> {
    let mut sizes = HashMap::new();
    let mut pages = ListOrganizations::new(api).limit(MAX_PAGE_SIZE).pages();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => sizes.extend(
                page.items
                    .iter()
                    .filter_map(|org| Some((org.id, org.agents_count?))),
            ),
            Err(error) => {
                tracing::warn!(%error, "could not read the Huntress organizations' agent counts; estimating one page each");
                break;
            }
        }
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Organization;
    use crate::{HuntressError, MockHuntressApi, Page};
    use mockall::predicate::eq;

    fn agent(id: u64, org: u64) -> Agent {
        Agent {
            id: AgentId(id),
            organization_id: Some(OrganizationId(org)),
            hostname: Some(format!("HOST-{id}")),
            serial_number: Some(format!("SN{id}")),
            os: Some("Windows 11 Pro".into()),
            ipv4_address: Some(format!("10.0.0.{id}")),
            external_ip: Some("198.51.100.7".into()),
            last_callback_at: Some("2025-01-01T00:00:00Z".parse().unwrap()),
            ..Agent::default()
        }
    }

    fn organization(id: u64, agents: u64) -> Organization {
        Organization {
            id: OrganizationId(id),
            agents_count: Some(agents),
            ..Organization::default()
        }
    }

    fn refs(pairs: &[(u64, u64)]) -> Vec<(Option<OrganizationId>, AgentId)> {
        pairs
            .iter()
            .map(|(org, agent)| (Some(OrganizationId(*org)), AgentId(*agent)))
            .collect()
    }

    fn server_error(path: &str) -> HuntressError {
        HuntressError::Server {
            status: 503,
            path: path.into(),
            attempts: 4,
            body: String::new(),
        }
    }

    #[tokio::test]
    async fn few_agents_are_got_one_by_one_and_each_once() {
        let mut mock = MockHuntressApi::new();
        for id in [1, 2] {
            mock.expect_get_agent()
                .with(eq(AgentId(id)))
                .times(1)
                .returning(|id| Ok(Some(agent(id.0, 7))));
        }
        // Two agents of one organization: listing could save one request at
        // best, which reading the sizes would cost.
        mock.expect_list_organizations().never();
        mock.expect_list_agents().never();
        let mut lookups = AgentLookups::default();
        let page = refs(&[(7, 1), (7, 2), (7, 1)]);
        lookups.resolve(&mock, &page).await;
        lookups.resolve(&mock, &page).await;
        let mut device = DeviceRef {
            hostname: Some("from-subject".into()),
            ..DeviceRef::default()
        };
        lookups.facts(AgentId(2)).unwrap().apply(&mut device);
        assert_eq!(device.hostname.as_deref(), Some("HOST-2"));
        assert_eq!(device.os.as_deref(), Some("Windows 11 Pro"));
        assert_eq!(device.serial_number.as_deref(), Some("SN2"));
        assert_eq!(device.ip_addresses, ["10.0.0.2", "198.51.100.7"]);
        assert!(device.last_seen_at.is_some());
    }

    #[tokio::test]
    async fn many_agents_of_an_organization_are_listed_once_for_the_whole_cycle() {
        let mut mock = MockHuntressApi::new();
        mock.expect_list_organizations()
            .withf(|q| q.limit == Some(500) && q.page_token.is_none())
            .times(1)
            .returning(|_| {
                Ok(Page::new(vec![
                    organization(7, 600),
                    organization(8, 9_000),
                ]))
            });
        // Organization 7: 600 agents, two pages, both needed (agent 3 is on
        // the second).
        mock.expect_list_agents()
            .withf(|q| {
                q.organization_id == Some(OrganizationId(7))
                    && q.limit == Some(500)
                    && q.page_token.is_none()
            })
            .times(1)
            .returning(|_| {
                Ok(Page::new(vec![agent(1, 7), agent(2, 7), agent(99, 7)])
                    .with_next_page_token("p2"))
            });
        mock.expect_list_agents()
            .withf(|q| {
                q.organization_id == Some(OrganizationId(7))
                    && q.page_token.as_deref() == Some("p2")
            })
            .times(1)
            .returning(|_| Ok(Page::new(vec![agent(3, 7)])));
        // Organization 8: 9,000 agents is 18 pages; its 3 agents are got.
        for id in [11, 12, 13] {
            mock.expect_get_agent()
                .with(eq(AgentId(id)))
                .times(1)
                .returning(|id| Ok(Some(agent(id.0, 8))));
        }
        let mut lookups = AgentLookups::default();
        // The walk noted every page before yielding the first.
        for (org, id) in [(7, 1), (7, 2), (7, 3), (7, 4), (8, 11), (8, 12), (8, 13)] {
            lookups.note(Some(OrganizationId(org)), AgentId(id));
        }
        lookups.resolve(&mock, &refs(&[(7, 1), (8, 11)])).await;
        // Later pages: the listing kept what they need; agent 4 was not in
        // it and is not read again.
        lookups
            .resolve(&mock, &refs(&[(7, 2), (7, 3), (7, 4), (8, 12), (8, 13)]))
            .await;
        for id in [1, 2, 3, 11, 12, 13] {
            assert_eq!(
                lookups.facts(AgentId(id)).unwrap().hostname.as_deref(),
                Some(format!("HOST-{id}").as_str())
            );
        }
        assert!(lookups.facts(AgentId(4)).is_none());
        assert!(lookups.facts(AgentId(99)).is_none(), "not kept: not needed");
        // An agent met after its organization was listed is not read.
        lookups.resolve(&mock, &refs(&[(7, 5)])).await;
        assert!(lookups.facts(AgentId(5)).is_none());
    }

    #[tokio::test]
    async fn a_failed_listing_leaves_details_empty_without_more_requests() {
        let mut mock = MockHuntressApi::new();
        // The sizes cannot be read: one page each is the estimate.
        mock.expect_list_organizations()
            .times(1)
            .returning(|_| Err(server_error("/v1/organizations")));
        mock.expect_list_agents()
            .times(1)
            .returning(|_| Err(server_error("/v1/agents")));
        mock.expect_get_agent().never();
        let mut lookups = AgentLookups::default();
        let page = refs(&[(7, 1), (7, 2), (7, 3)]);
        lookups.resolve(&mock, &page).await;
        lookups.resolve(&mock, &page).await;
        assert!((1..=3).all(|id| lookups.facts(AgentId(id)).is_none()));
    }

    #[tokio::test]
    async fn a_failed_or_missing_get_leaves_details_empty_once() {
        let mut mock = MockHuntressApi::new();
        mock.expect_get_agent()
            .with(eq(AgentId(1)))
            .times(1)
            .returning(|_| Err(server_error("/v1/agents/1")));
        mock.expect_get_agent()
            .with(eq(AgentId(2)))
            .times(1)
            .returning(|_| Ok(None));
        // Without an organization an agent can only be got.
        mock.expect_get_agent()
            .with(eq(AgentId(3)))
            .times(1)
            .returning(|id| Ok(Some(agent(id.0, 7))));
        let mut lookups = AgentLookups::default();
        let page = [
            (Some(OrganizationId(7)), AgentId(1)),
            (Some(OrganizationId(8)), AgentId(2)),
            (None, AgentId(3)),
        ];
        lookups.resolve(&mock, &page).await;
        lookups.resolve(&mock, &page).await;
        assert!(lookups.facts(AgentId(1)).is_none());
        assert!(lookups.facts(AgentId(2)).is_none());
        assert!(lookups.facts(AgentId(3)).is_some());
    }

    #[test]
    fn facts_keep_what_the_report_gave_where_the_agent_has_nothing() {
        let facts = HostFacts::of(&Agent {
            id: AgentId(1),
            hostname: Some(" ".into()),
            ..Agent::default()
        });
        let mut device = DeviceRef {
            hostname: Some("from-subject".into()),
            serial_number: Some("kept".into()),
            ..DeviceRef::default()
        };
        facts.apply(&mut device);
        assert_eq!(device.hostname.as_deref(), Some("from-subject"));
        assert_eq!(device.serial_number.as_deref(), Some("kept"));
        assert!(device.ip_addresses.is_empty());
    }
}
