//! The running simulator and the methods tests drive it with.

use crate::tanium::asset_api::AssetApiResponder;
use crate::tanium::clock::SimClock;
use crate::tanium::faults::FaultRule;
use crate::tanium::gateway::GatewayResponder;
use crate::tanium::inventory::{GroupSpec, Inventory, SimEndpoint, SimGroup};
use crate::tanium::state::{RecordedIdChange, SimRequest, SimState};
use chrono::TimeDelta;
use std::sync::{Arc, Mutex, MutexGuard};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

/// The Gateway's path.
pub const GATEWAY_PATH: &str = "/plugin/products/gateway/graphql";
/// The Asset API's path.
pub const ASSET_API_PATH: &str = "/plugin/products/asset/v1/assets";
/// The token the simulator accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "token-simulator-0123456789abcdef";

/// Configures a [`TaniumSim`].
#[derive(Debug, Clone)]
pub struct TaniumSimBuilder {
    token: String,
    clock: SimClock,
    cursor_ttl: TimeDelta,
}

impl Default for TaniumSimBuilder {
    fn default() -> Self {
        Self {
            token: DEFAULT_TOKEN.to_owned(),
            clock: SimClock::starting_now(),
            cursor_ttl: TimeDelta::minutes(5),
        }
    }
}

impl TaniumSimBuilder {
    /// The API token accepted in the `session` header.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// The clock (default: stopped at the current time).
    pub fn clock(mut self, clock: SimClock) -> Self {
        self.clock = clock;
        self
    }

    /// How long a cursor collection lives after its last use (default 5 minutes).
    pub fn cursor_ttl(mut self, ttl: TimeDelta) -> Self {
        self.cursor_ttl = ttl;
        self
    }

    /// Starts the simulator with `inventory`.
    pub async fn start(self, inventory: Inventory) -> TaniumSim {
        let state = Arc::new(Mutex::new(SimState::new(
            self.token,
            self.clock,
            self.cursor_ttl,
            inventory,
        )));
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(GATEWAY_PATH))
            .respond_with(GatewayResponder {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(ASSET_API_PATH))
            .respond_with(AssetApiResponder {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        TaniumSim { server, state }
    }

    /// Starts the simulator with generated groups (see [`Inventory::generate`]),
    /// times relative to the builder's clock.
    pub async fn start_generated(self, groups: &[GroupSpec]) -> TaniumSim {
        let inventory = Inventory::generate(groups, self.clock.now());
        self.start(inventory).await
    }
}

/// A stateful Tanium server over real HTTP: the Gateway (GraphQL) at
/// [`gateway_url`](Self::gateway_url) and the Asset API at
/// [`asset_api_url`](Self::asset_api_url).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use psa_testkit::tanium::{GroupSpec, TaniumSim};
///
/// let sim = TaniumSim::builder().start_generated(&[GroupSpec::new("1", "Acme", 10)]).await;
/// assert!(sim.gateway_url().ends_with("/plugin/products/gateway/graphql"));
/// assert_eq!(sim.group_members("1").len(), 10);
/// sim.remove_endpoint("1000");
/// assert_eq!(sim.group_members("1").len(), 9);
/// # }
/// ```
#[derive(Debug)]
pub struct TaniumSim {
    server: MockServer,
    state: Arc<Mutex<SimState>>,
}

impl TaniumSim {
    /// Configures a simulator.
    pub fn builder() -> TaniumSimBuilder {
        TaniumSimBuilder::default()
    }

    /// Starts a simulator with default settings and `inventory`.
    pub async fn start(inventory: Inventory) -> Self {
        Self::builder().start(inventory).await
    }

    fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().expect("simulator state lock")
    }

    /// The server root, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The Gateway URL.
    pub fn gateway_url(&self) -> String {
        format!("{}{GATEWAY_PATH}", self.server.uri())
    }

    /// The Asset API URL.
    pub fn asset_api_url(&self) -> String {
        format!("{}{ASSET_API_PATH}", self.server.uri())
    }

    /// The accepted API token.
    pub fn token(&self) -> String {
        self.state().token.clone()
    }

    /// The simulator's clock (shared: advancing it moves the simulator's time).
    pub fn clock(&self) -> SimClock {
        self.state().clock.clone()
    }

    // ---- the estate ----

    /// Adds a computer group.
    pub fn add_group(&self, group: SimGroup) {
        self.state().groups.push(group);
    }

    /// Removes a computer group (its endpoints stay, without the membership).
    pub fn remove_group(&self, group_id: &str) -> bool {
        let mut state = self.state();
        let before = state.groups.len();
        state.groups.retain(|g| g.id != group_id);
        for endpoint in &mut state.endpoints {
            endpoint.groups.remove(group_id);
        }
        state.groups.len() != before
    }

    /// Adds an endpoint.
    pub fn add_endpoint(&self, endpoint: SimEndpoint) {
        self.state().endpoints.push(endpoint);
    }

    /// Removes an endpoint from the Gateway and the Asset API.
    pub fn remove_endpoint(&self, id: &str) -> Option<SimEndpoint> {
        let mut state = self.state();
        let index = state.endpoints.iter().position(|e| e.id == id)?;
        Some(state.endpoints.remove(index))
    }

    /// Changes an endpoint in place; `false` when there is no such endpoint.
    /// Set `last_seen` to the clock's time for the change to show in an
    /// incremental (`UPDATED_AFTER`) walk, or use [`touch_endpoint`](Self::touch_endpoint).
    pub fn modify_endpoint(&self, id: &str, change: impl FnOnce(&mut SimEndpoint)) -> bool {
        let mut state = self.state();
        match state.endpoint_mut(id) {
            Some(endpoint) => {
                change(endpoint);
                true
            }
            None => false,
        }
    }

    /// Marks an endpoint as just seen (`eidLastSeen` = the clock's time).
    pub fn touch_endpoint(&self, id: &str) -> bool {
        let now = self.clock().now();
        self.modify_endpoint(id, |e| e.last_seen = now)
    }

    /// Gives an endpoint a new id and records the change for
    /// `endpointIdChanges` at the clock's time.
    pub fn change_endpoint_id(&self, old_id: &str, new_id: &str) -> bool {
        let mut state = self.state();
        let at = state.now();
        let Some(endpoint) = state.endpoint_mut(old_id) else {
            return false;
        };
        endpoint.id = new_id.to_owned();
        state.id_changes.push(RecordedIdChange {
            at,
            old_id: old_id.to_owned(),
            new_id: new_id.to_owned(),
        });
        true
    }

    /// Moves an endpoint from one group to another.
    pub fn move_endpoint(&self, id: &str, from_group: &str, to_group: &str) -> bool {
        self.modify_endpoint(id, |e| {
            e.groups.remove(from_group);
            e.groups.insert(to_group.to_owned());
        })
    }

    /// Drops an endpoint from the Gateway's data service; it stays in the Asset API.
    pub fn age_out_of_tds(&self, id: &str) -> bool {
        self.modify_endpoint(id, |e| e.in_tds = false)
    }

    /// A copy of one endpoint.
    pub fn endpoint(&self, id: &str) -> Option<SimEndpoint> {
        self.state().endpoint(id).cloned()
    }

    /// A copy of every endpoint.
    pub fn endpoints(&self) -> Vec<SimEndpoint> {
        self.state().endpoints.clone()
    }

    /// A copy of every group.
    pub fn groups(&self) -> Vec<SimGroup> {
        self.state().groups.clone()
    }

    /// Ids of the endpoints of a group that the Gateway serves.
    pub fn group_members(&self, group_id: &str) -> Vec<String> {
        self.state()
            .endpoints
            .iter()
            .filter(|e| e.in_tds && e.groups.contains(group_id))
            .map(|e| e.id.clone())
            .collect()
    }

    // ---- paging and faults ----

    /// Expires every cursor handed out so far: the next page asked with one
    /// of them gets the expired-cursor GraphQL error. (Advancing the clock
    /// past the cursor TTL does the same.)
    pub fn expire_cursors(&self) {
        self.state().expire_cursors();
    }

    /// Adds a fault; faults are checked in the order added.
    pub fn inject(&self, rule: FaultRule) {
        self.state().faults.push(rule);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    // ---- what happened ----

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<SimRequest> {
        self.state().requests.clone()
    }

    /// How many requests of an operation arrived (`assets` for the Asset API).
    pub fn request_count(&self, operation: &str) -> usize {
        self.state()
            .requests
            .iter()
            .filter(|r| r.operation == operation)
            .count()
    }
}
