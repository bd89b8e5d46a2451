//! The demo seed used by tests and examples, as data: the backends insert
//! its [`SeedPlan`].

use psa_ingest::{BoardId, CategoryId, ClientId, PriorityId, StatusId, TenantId};

/// The ids of a seeded demo tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTenant {
    /// The tenant.
    pub tenant: TenantId,
    /// `Default` board (the tenant's default).
    pub default_board: DemoBoard,
    /// `Triage` board, where unmapped work lands.
    pub triage_board: DemoBoard,
    /// Critical, High, Medium, Low (order 1..4).
    pub priorities: DemoPriorities,
    /// "Acme Corp", "Globex", "Initech".
    pub clients: DemoClients,
    /// `Security` and its subcategory `Incident`.
    pub categories: DemoCategories,
}

/// A seeded board and its three statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoBoard {
    /// The board.
    pub id: BoardId,
    /// `New`: the default status.
    pub new: StatusId,
    /// `In Progress`.
    pub in_progress: StatusId,
    /// `Closed`: a closed status.
    pub closed: StatusId,
}

/// The seeded priorities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPriorities {
    /// `Critical` (order 1).
    pub critical: PriorityId,
    /// `High` (order 2).
    pub high: PriorityId,
    /// `Medium` (order 3).
    pub medium: PriorityId,
    /// `Low` (order 4).
    pub low: PriorityId,
}

/// The seeded clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoClients {
    /// "Acme Corp".
    pub acme: ClientId,
    /// "Globex".
    pub globex: ClientId,
    /// "Initech".
    pub initech: ClientId,
}

/// The seeded categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCategories {
    /// `Security`.
    pub security: CategoryId,
    /// `Incident`, a subcategory of `Security`.
    pub incident: CategoryId,
}

/// One status row to seed.
pub(crate) struct SeedStatus {
    pub(crate) id: StatusId,
    pub(crate) board: BoardId,
    pub(crate) name: &'static str,
    pub(crate) is_default: bool,
    pub(crate) is_closed: bool,
    pub(crate) order: i32,
}

/// Every row of the demo seed, built once and inserted by each backend.
pub(crate) struct SeedPlan<'a> {
    pub(crate) tenant: TenantId,
    pub(crate) tenant_name: &'a str,
    pub(crate) boards: Vec<(BoardId, &'static str, bool)>,
    pub(crate) statuses: Vec<SeedStatus>,
    pub(crate) priorities: Vec<(PriorityId, &'static str, i32)>,
    /// (id, name, parent)
    pub(crate) categories: Vec<(CategoryId, &'static str, Option<CategoryId>)>,
    pub(crate) clients: Vec<(ClientId, &'static str)>,
}

fn demo_board() -> DemoBoard {
    DemoBoard {
        id: BoardId::new(),
        new: StatusId::new(),
        in_progress: StatusId::new(),
        closed: StatusId::new(),
    }
}

impl DemoTenant {
    pub(crate) fn new() -> Self {
        Self {
            tenant: TenantId::new(),
            default_board: demo_board(),
            triage_board: demo_board(),
            priorities: DemoPriorities {
                critical: PriorityId::new(),
                high: PriorityId::new(),
                medium: PriorityId::new(),
                low: PriorityId::new(),
            },
            clients: DemoClients {
                acme: ClientId::new(),
                globex: ClientId::new(),
                initech: ClientId::new(),
            },
            categories: DemoCategories {
                security: CategoryId::new(),
                incident: CategoryId::new(),
            },
        }
    }

    pub(crate) fn plan<'a>(&self, tenant_name: &'a str) -> SeedPlan<'a> {
        let statuses = [&self.default_board, &self.triage_board]
            .into_iter()
            .flat_map(|b| {
                [
                    SeedStatus {
                        id: b.new,
                        board: b.id,
                        name: "New",
                        is_default: true,
                        is_closed: false,
                        order: 1,
                    },
                    SeedStatus {
                        id: b.in_progress,
                        board: b.id,
                        name: "In Progress",
                        is_default: false,
                        is_closed: false,
                        order: 2,
                    },
                    SeedStatus {
                        id: b.closed,
                        board: b.id,
                        name: "Closed",
                        is_default: false,
                        is_closed: true,
                        order: 3,
                    },
                ]
            })
            .collect();
        let p = &self.priorities;
        let c = &self.clients;
        SeedPlan {
            tenant: self.tenant,
            tenant_name,
            boards: vec![
                (self.default_board.id, "Default", true),
                (self.triage_board.id, "Triage", false),
            ],
            statuses,
            priorities: vec![
                (p.critical, "Critical", 1),
                (p.high, "High", 2),
                (p.medium, "Medium", 3),
                (p.low, "Low", 4),
            ],
            categories: vec![
                (self.categories.security, "Security", None),
                (
                    self.categories.incident,
                    "Incident",
                    Some(self.categories.security),
                ),
            ],
            clients: vec![
                (c.acme, "Acme Corp"),
                (c.globex, "Globex"),
                (c.initech, "Initech"),
            ],
        }
    }
}
