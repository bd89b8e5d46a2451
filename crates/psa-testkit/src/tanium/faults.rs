//! Faults a test can inject into the simulator's answers.

use std::time::Duration;

/// A failure the simulator answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// An HTTP status with a text body, e.g. 502, or 500
    /// `"Failed to initialize request"`, or 401/403.
    Status {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// A 302 redirect to the console's login page (expired or non-API token).
    LoginRedirect,
    /// The console's HTML login page with HTTP 200.
    HtmlPage,
    /// HTTP 200 with a GraphQL `errors` array of these messages.
    GraphQlErrors(Vec<String>),
    /// The normal answer, sent after `delay`.
    Slow(Duration),
    /// The normal answer, sent after `delay` when the request asks for more
    /// than `page_size` records (`first`): a page too big for a slow node.
    SlowAbovePageSize {
        /// Largest page answered quickly.
        page_size: u32,
        /// Delay of larger pages.
        delay: Duration,
    },
}

impl Fault {
    /// HTTP `status` with a short body.
    pub fn status(status: u16) -> Self {
        let body = match status {
            500 => "Failed to initialize request",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "error",
        };
        Self::Status {
            status,
            body: body.to_owned(),
        }
    }

    /// One GraphQL error.
    pub fn graphql_error(message: impl Into<String>) -> Self {
        Self::GraphQlErrors(vec![message.into()])
    }
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    /// Every Gateway request.
    Gateway,
    /// Gateway requests of one operation (`ConnectionTest`, `ComputerGroups`,
    /// `Endpoints`, `EndpointIdChanges`).
    Operation(String),
    /// Asset API requests.
    AssetApi,
    /// Every request.
    Everything,
}

/// A fault, the requests it targets, and how many times it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// The requests it applies to.
    pub target: FaultTarget,
    /// How many more times it fires; `None` means until cleared.
    pub remaining: Option<u32>,
}

impl FaultRule {
    /// A fault on every Gateway request, until cleared.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            target: FaultTarget::Gateway,
            remaining: None,
        }
    }

    /// Only for one Gateway operation.
    pub fn on_operation(mut self, operation: impl Into<String>) -> Self {
        self.target = FaultTarget::Operation(operation.into());
        self
    }

    /// Only for the Asset API.
    pub fn on_asset_api(mut self) -> Self {
        self.target = FaultTarget::AssetApi;
        self
    }

    /// For every request.
    pub fn everywhere(mut self) -> Self {
        self.target = FaultTarget::Everything;
        self
    }

    /// Fires `times` times, then stops.
    pub fn times(mut self, times: u32) -> Self {
        self.remaining = Some(times);
        self
    }

    /// Fires once.
    pub fn once(self) -> Self {
        self.times(1)
    }

    pub(crate) fn applies(&self, api: Api, operation: &str, first: Option<i64>) -> bool {
        let target = match &self.target {
            FaultTarget::Gateway => api == Api::Gateway,
            FaultTarget::Operation(name) => api == Api::Gateway && name == operation,
            FaultTarget::AssetApi => api == Api::AssetApi,
            FaultTarget::Everything => true,
        };
        let condition = match self.fault {
            Fault::SlowAbovePageSize { page_size, .. } => {
                first.is_some_and(|f| f > i64::from(page_size))
            }
            _ => true,
        };
        target && condition && self.remaining != Some(0)
    }
}

/// Which API a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// The Gateway (GraphQL).
    Gateway,
    /// The Asset REST API.
    AssetApi,
}
