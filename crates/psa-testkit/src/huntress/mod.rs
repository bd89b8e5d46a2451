//! A stateful Huntress REST API over real HTTP (wiremock), for tests.
//!
//! The simulator serves `GET /v1/account`, `/v1/organizations[/{id}]`,
//! `/v1/agents[/{id}]` and `/v1/incident_reports[/{id}]` in the vendor's
//! JSON shapes, with filters, sorting, `limit` (1 to 500) and offset-based
//! page tokens. Its state changes between polls through methods
//! ([`add_incident`](crate::huntress::HuntressSim::add_incident),
//! [`update_incident`](crate::huntress::HuntressSim::update_incident),
//! [`close_incident`](crate::huntress::HuntressSim::close_incident)...); every change is
//! stamped by a simulated clock that moves one second per change.
//!
//! Faithful parts: HTTP Basic auth (401 without a header, 403 for a wrong
//! credential), a strict sliding window (default 60 per 60 s) answering 429
//! with or without `Retry-After`, the list and single-record envelopes.
//! Injected parts: 5xx, slow answers, 429s ([`Fault`](crate::huntress::Fault)) and odd record shapes
//! ([`OddShape`](crate::huntress::OddShape)). It counts the requests it served and the 429s it sent.
//!
//! ```
//! use psa_testkit::huntress::{HuntressSim, NewIncident};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sim = HuntressSim::start().await;
//! let org = sim.add_organization("Acme Dental");
//! let agent = sim.add_agent(org, "ACME-WS01");
//! let incident = sim.add_incident(NewIncident::new(org, Some(agent)).severity("high"));
//! sim.close_incident(incident);
//! assert_eq!(sim.incident(incident).unwrap().status, "closed");
//! assert!(sim.uri().starts_with("http://127.0.0.1"));
//! # }
//! ```

mod dataset;
mod escalations;
mod faults;
mod records;
mod render;
mod routes;
mod state;
mod webhooks;

pub use dataset::{DatasetSpec, DatasetSummary};
pub use escalations::SimEscalation;
pub use faults::{Fault, RetryAfterMode, SimRateLimit};
pub use records::{
    NewIncident, OddShape, SimAccount, SimAgent, SimIncident, SimOrganization, SimRemediation,
};
pub use webhooks::{SignedDelivery, signing_secret};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use faults::{FaultRule, StrictWindow};
use routes::{SimRequest, handle};
use state::{SimState, blank_incident};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// How the simulator starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The accepted API key.
    pub api_key: String,
    /// The accepted API secret.
    pub api_secret: String,
    /// The account of the credentials.
    pub account: SimAccount,
    /// The server's rate limit; `None` for none.
    pub rate_limit: Option<SimRateLimit>,
    /// The simulated clock's start.
    pub start: DateTime<Utc>,
}

impl Default for SimConfig {
    /// Key `sim-key`, secret `sim-secret`, account 1 "Sim MSP" (subdomain
    /// `simmsp`), Huntress's limit (60 per 60 s, no `Retry-After`), clock at
    /// the present (so a first poll with the default backfill of seven days
    /// receives the seeded incidents).
    fn default() -> Self {
        Self {
            api_key: "sim-key".to_owned(),
            api_secret: "sim-secret".to_owned(),
            account: SimAccount::default(),
            rate_limit: Some(SimRateLimit::huntress()),
            // Whole seconds, as Huntress's timestamps are.
            start: DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_else(Utc::now),
        }
    }
}

/// The running simulator. Dropping it stops the server.
pub struct HuntressSim {
    server: MockServer,
    state: Arc<Mutex<SimState>>,
    config: SimConfig,
}

impl std::fmt::Debug for HuntressSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HuntressSim")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

/// The wiremock responder: every request goes through the shared state.
struct SimResponder {
    state: Arc<Mutex<SimState>>,
}

impl Respond for SimResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let origin = request.url.origin().ascii_serialization();
        let query = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let sim_request = SimRequest {
            method: request.method.as_str(),
            origin: &origin,
            path: request.url.path(),
            query,
            authorization,
        };
        let response = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            handle(&mut state, &sim_request, Instant::now())
        };
        let mut template =
            ResponseTemplate::new(response.status).set_body_raw(response.body, "application/json");
        if let Some(seconds) = response.retry_after {
            template = template.insert_header("Retry-After", seconds.to_string().as_str());
        }
        if let Some(delay) = response.delay {
            template = template.set_delay(delay);
        }
        template
    }
}

impl HuntressSim {
    /// Starts with [`SimConfig::default`] and no data.
    pub async fn start() -> Self {
        Self::start_with(SimConfig::default()).await
    }

    /// Starts with `config` and no data.
    pub async fn start_with(config: SimConfig) -> Self {
        let authorization = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", config.api_key, config.api_secret))
        );
        let state = Arc::new(Mutex::new(SimState::new(
            config.account.clone(),
            authorization,
            config.start,
            config.rate_limit.map(StrictWindow::new),
        )));
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(SimResponder {
                state: Arc::clone(&state),
            })
            .mount(&server)
            .await;
        Self {
            server,
            state,
            config,
        }
    }

    fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The base URL (no `/v1`), e.g. `http://127.0.0.1:41234`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The underlying wiremock server (e.g. for `received_requests`).
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The accepted API key.
    pub fn api_key(&self) -> &str {
        &self.config.api_key
    }

    /// The accepted API secret.
    pub fn api_secret(&self) -> &str {
        &self.config.api_secret
    }

    /// The account served by `GET /v1/account`.
    pub fn account(&self) -> SimAccount {
        self.state().account.clone()
    }

    // --- clock ---

    /// The simulated clock (the `updated_at` of the next change).
    pub fn now(&self) -> DateTime<Utc> {
        self.state().clock
    }

    /// Moves the simulated clock on.
    pub fn advance(&self, by: TimeDelta) {
        self.state().clock += by;
    }

    // --- data ---

    /// Adds an organization (key derived from the name); returns its id.
    pub fn add_organization(&self, name: &str) -> u64 {
        let mut state = self.state();
        let id = state.next_organization_id();
        let at = state.tick();
        let key: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase();
        state.organizations.insert(
            id,
            SimOrganization {
                id,
                name: name.to_owned(),
                key,
                created_at: at,
                updated_at: at,
                undecodable: false,
                billable_identities: 0,
            },
        );
        id
    }

    /// Sets how many identities an organization is billed for; false if it
    /// does not exist.
    pub fn set_billable_identities(&self, id: u64, count: u64) -> bool {
        let mut state = self.state();
        let at = state.tick();
        state
            .organizations
            .get_mut(&id)
            .map(|org| {
                org.billable_identities = count;
                org.updated_at = at;
            })
            .is_some()
    }

    /// Renames an organization; false if it does not exist.
    pub fn rename_organization(&self, id: u64, name: &str) -> bool {
        let mut state = self.state();
        let at = state.tick();
        state
            .organizations
            .get_mut(&id)
            .map(|org| {
                name.clone_into(&mut org.name);
                org.updated_at = at;
            })
            .is_some()
    }

    /// Serves an organization with a `name` no client can decode (or stops).
    pub fn set_organization_undecodable(&self, id: u64, undecodable: bool) -> bool {
        self.state()
            .organizations
            .get_mut(&id)
            .map(|org| org.undecodable = undecodable)
            .is_some()
    }

    /// Adds a Windows agent to an organization; returns its id.
    pub fn add_agent(&self, organization_id: u64, hostname: &str) -> u64 {
        let mut state = self.state();
        let id = state.next_agent_id();
        let at = state.tick();
        state.agents.insert(
            id,
            SimAgent {
                id,
                organization_id,
                hostname: hostname.to_owned(),
                platform: "windows".to_owned(),
                os: "Windows 11 Pro".to_owned(),
                serial_number: format!("SN{id:08}"),
                ipv4_address: format!("10.0.{}.{}", id / 250, 1 + id % 250),
                external_ip: "198.51.100.1".to_owned(),
                mac_addresses: vec![format!(
                    "00:16:3e:00:{:02x}:{:02x}",
                    (id >> 8) & 0xff,
                    id & 0xff
                )],
                version: "0.13.42".to_owned(),
                created_at: at,
                updated_at: at,
                last_callback_at: at,
            },
        );
        id
    }

    /// Adds an incident, sent now; returns its id. The subject is generated
    /// as Huntress does: `LOW - Incident on <host> (<organization>)`.
    pub fn add_incident(&self, new: NewIncident) -> u64 {
        let mut state = self.state();
        let at = state.tick();
        let mut incident = blank_incident(at);
        incident.subject = state.subject(&new.severity, new.organization_id, new.agent_id);
        incident.summary = "Huntress detected a malicious scheduled task on this host.".to_owned();
        incident.body = format!("<p>{}</p>", incident.summary);
        incident.organization_id = new.organization_id;
        incident.agent_id = new.agent_id;
        incident.severity = new.severity;
        incident.platform = new.platform;
        incident.indicator_counts = new
            .indicator_types
            .iter()
            .map(|kind| (kind.clone(), 1))
            .collect();
        incident.indicator_types = new.indicator_types;
        incident.remediations = new.remediations;
        if new.status == "closed" {
            incident.closed_at = Some(at);
        }
        incident.status = new.status;
        state.add_incident(incident)
    }

    /// Changes an incident and stamps `updated_at` with the clock; false if
    /// it does not exist.
    pub fn update_incident(&self, id: u64, change: impl FnOnce(&mut SimIncident)) -> bool {
        let mut state = self.state();
        if !state.incidents.contains_key(&id) {
            return false;
        }
        let at = state.tick();
        let incident = state.incidents.get_mut(&id).expect("checked above");
        let status = incident.status.clone();
        change(incident);
        if incident.status != status {
            incident.status_updated_at = at;
        }
        incident.updated_at = at;
        true
    }

    /// Sets an incident's status (stamping `status_updated_at`,
    /// `updated_at`, and `closed_at` for `closed`).
    pub fn set_incident_status(&self, id: u64, status: &str) -> bool {
        let closed_at = (status == "closed").then(|| self.now());
        self.update_incident(id, |incident| {
            status.clone_into(&mut incident.status);
            if closed_at.is_some() {
                incident.closed_at = closed_at;
            }
        })
    }

    /// Closes an incident.
    pub fn close_incident(&self, id: u64) -> bool {
        self.set_incident_status(id, "closed")
    }

    /// Serves an incident in an odd shape (or normally again with `None`),
    /// without changing its `updated_at`.
    pub fn set_odd_shape(&self, id: u64, shape: Option<OddShape>) -> bool {
        self.state()
            .incidents
            .get_mut(&id)
            .map(|incident| incident.odd_shape = shape)
            .is_some()
    }

    /// One incident as the simulator holds it.
    pub fn incident(&self, id: u64) -> Option<SimIncident> {
        self.state().incidents.get(&id).cloned()
    }

    /// Every incident, by id.
    pub fn incidents(&self) -> Vec<SimIncident> {
        self.state().incidents.values().cloned().collect()
    }

    /// Every organization, by id.
    pub fn organizations(&self) -> Vec<SimOrganization> {
        self.state().organizations.values().cloned().collect()
    }

    /// How many agents there are.
    pub fn agent_count(&self) -> usize {
        self.state().agents.len()
    }

    /// One agent as the simulator holds it.
    pub fn agent(&self, id: u64) -> Option<SimAgent> {
        self.state().agents.get(&id).cloned()
    }

    /// Generates a large deterministic dataset (see [`DatasetSpec`]). The
    /// incidents' `updated_at` lie before the clock, so later changes are
    /// newer than all of them.
    pub fn generate(&self, spec: &DatasetSpec) -> DatasetSummary {
        dataset::generate(&mut self.state(), spec)
    }

    // --- faults and limits ---

    /// Replaces the server's rate limit (`None`: no limit). The window starts
    /// empty.
    pub fn set_rate_limit(&self, limit: Option<SimRateLimit>) {
        self.state().window = limit.map(StrictWindow::new);
    }

    /// Injects `fault` into the next `times` requests (after the rate window
    /// and the auth check).
    pub fn inject(&self, fault: Fault, times: u32) {
        self.inject_rule(fault, None, times);
    }

    /// Injects `fault` into the next `times` requests whose path starts with
    /// `path_prefix` (e.g. `/v1/incident_reports`).
    pub fn inject_on(&self, path_prefix: &str, fault: Fault, times: u32) {
        self.inject_rule(fault, Some(path_prefix.to_owned()), times);
    }

    fn inject_rule(&self, fault: Fault, path_prefix: Option<String>, times: u32) {
        if times > 0 {
            self.state().faults.push_back(FaultRule {
                fault,
                path_prefix,
                remaining: times,
            });
        }
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    // --- counters ---

    /// Requests received, whatever the answer.
    pub fn requests_served(&self) -> u64 {
        self.state().served
    }

    /// 429 answers sent (rate window and injected).
    pub fn rate_limited(&self) -> u64 {
        self.state().rate_limited
    }

    /// Path and query of every request received, in order.
    pub fn request_log(&self) -> Vec<String> {
        self.state().log.clone()
    }

    /// Zeroes the counters and the request log.
    pub fn reset_counters(&self) {
        let mut state = self.state();
        state.served = 0;
        state.rate_limited = 0;
        state.log.clear();
    }
}
