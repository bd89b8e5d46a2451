//! Where incident tickets go: the settings a person fills in, and the
//! checked routing the engine uses.

use crate::ports::{Board, Category, Client, Priority, Status};
use crate::settings::{FieldError, SettingsError};
use crate::{BoardId, CategoryId, ClientId, PriorityId, StatusId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Severities that must have a priority.
pub const REQUIRED_SEVERITIES: [&str; 3] = ["low", "high", "critical"];

/// Poll interval bounds, in minutes.
pub const POLL_INTERVAL_MINUTES: (u32, u32) = (1, 60);
/// Backfill bounds, in days.
pub const BACKFILL_DAYS: (u32, u32) = (1, 30);

fn default_poll_interval() -> u32 {
    5
}

fn default_backfill() -> u32 {
    7
}

/// Incident-to-ticket settings of one integration, as stored under the
/// `incidents` key of its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentSettings {
    /// Board for tickets of mapped organizations (required).
    pub board_id: Option<BoardId>,
    /// Category (optional).
    pub category_id: Option<CategoryId>,
    /// Subcategory (optional; needs the category).
    pub subcategory_id: Option<CategoryId>,
    /// Client for incidents of unmapped organizations (required).
    pub fallback_client_id: Option<ClientId>,
    /// Triage board for incidents of unmapped organizations (required).
    pub fallback_board_id: Option<BoardId>,
    /// Priority per severity; `low`, `high` and `critical` are required.
    #[serde(default)]
    pub severity_priorities: BTreeMap<String, PriorityId>,
    /// Minutes between polls, 1 to 60.
    #[serde(default = "default_poll_interval")]
    pub poll_interval_minutes: u32,
    /// How far back the first poll reaches, 1 to 30 days.
    #[serde(default = "default_backfill")]
    pub backfill_days: u32,
    /// Close the ticket when the provider closes or dismisses the incident.
    #[serde(default)]
    pub auto_close: bool,
    /// The closed status auto-close moves tickets to (required with auto-close).
    pub closed_status_id: Option<StatusId>,
    /// Also turn the provider's escalations into tickets (Huntress), with
    /// the same routing; off by default. Read when the integration is
    /// connected: its `escalations` job is scheduled then.
    #[serde(default)]
    pub escalations: bool,
}

impl Default for IncidentSettings {
    fn default() -> Self {
        Self {
            board_id: None,
            category_id: None,
            subcategory_id: None,
            fallback_client_id: None,
            fallback_board_id: None,
            severity_priorities: BTreeMap::new(),
            poll_interval_minutes: default_poll_interval(),
            backfill_days: default_backfill(),
            auto_close: false,
            closed_status_id: None,
            escalations: false,
        }
    }
}

/// The tenant's catalog, to check settings against.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Clients.
    pub clients: Vec<Client>,
    /// Boards.
    pub boards: Vec<Board>,
    /// Statuses.
    pub statuses: Vec<Status>,
    /// Priorities.
    pub priorities: Vec<Priority>,
    /// Categories.
    pub categories: Vec<Category>,
}

/// A name that is not in the tenant's catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the tenant has no {kind} named {name:?} (it has: {})",
    known_list(known)
)]
pub struct NotInCatalog {
    /// What was looked for: `board`, `client`, `priority`, ...
    pub kind: &'static str,
    /// The name asked for.
    pub name: String,
    /// The names there are, to choose from.
    pub known: Vec<String>,
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    }
}

/// The one item whose name is `name`: an exact match, else the only match
/// ignoring case.
fn named<'a, T>(
    kind: &'static str,
    items: impl Iterator<Item = &'a T> + Clone,
    name_of: impl Fn(&T) -> &str,
    name: &str,
) -> Result<&'a T, NotInCatalog> {
    if let Some(exact) = items.clone().find(|item| name_of(item) == name) {
        return Ok(exact);
    }
    let mut folded = items
        .clone()
        .filter(|item| name_of(item).eq_ignore_ascii_case(name.trim()));
    match (folded.next(), folded.next()) {
        (Some(only), None) => Ok(only),
        _ => Err(NotInCatalog {
            kind,
            name: name.to_owned(),
            known: items.map(|item| name_of(item).to_owned()).collect(),
        }),
    }
}

impl Catalog {
    /// Reads the tenant's catalog.
    pub async fn load<S: crate::ports::CatalogStore + ?Sized>(
        store: &S,
        tenant: crate::TenantId,
    ) -> crate::ports::StoreResult<Self> {
        Ok(Self {
            clients: store.list_clients(tenant).await?,
            boards: store.list_boards(tenant).await?,
            statuses: store.list_statuses(tenant).await?,
            priorities: store.list_priorities(tenant).await?,
            categories: store.list_categories(tenant).await?,
        })
    }

    /// The client named `name`.
    pub fn client(&self, name: &str) -> Result<&Client, NotInCatalog> {
        named("client", self.clients.iter(), |c| &c.name, name)
    }

    /// The board named `name`.
    pub fn board(&self, name: &str) -> Result<&Board, NotInCatalog> {
        named("board", self.boards.iter(), |b| &b.name, name)
    }

    /// The status named `name` of `board`.
    pub fn status(&self, board: BoardId, name: &str) -> Result<&Status, NotInCatalog> {
        let of_board = self.statuses.iter().filter(move |s| s.board_id == board);
        named("status on that board", of_board, |s| &s.name, name)
    }

    /// The priority named `name`.
    pub fn priority(&self, name: &str) -> Result<&Priority, NotInCatalog> {
        named("priority", self.priorities.iter(), |p| &p.name, name)
    }

    /// The top-level category named `name`.
    pub fn category(&self, name: &str) -> Result<&Category, NotInCatalog> {
        let top = self.categories.iter().filter(|c| c.parent.is_none());
        named("category", top, |c| &c.name, name)
    }

    /// The subcategory named `name` of `parent`.
    pub fn subcategory(&self, parent: CategoryId, name: &str) -> Result<&Category, NotInCatalog> {
        let children = self
            .categories
            .iter()
            .filter(move |c| c.parent == Some(parent));
        named("subcategory of that category", children, |c| &c.name, name)
    }
}

/// Checked settings: everything the engine needs to route a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRouting {
    /// Board for mapped organizations.
    pub board_id: BoardId,
    /// Category.
    pub category_id: Option<CategoryId>,
    /// Subcategory.
    pub subcategory_id: Option<CategoryId>,
    /// Fallback client.
    pub fallback_client_id: ClientId,
    /// Fallback triage board.
    pub fallback_board_id: BoardId,
    /// Priority per severity (lowercase).
    pub severity_priorities: BTreeMap<String, PriorityId>,
    /// Closed status for auto-close; `None` when auto-close is off.
    pub auto_close_status: Option<StatusId>,
    /// Backfill of the first poll, in days.
    pub backfill_days: u32,
}

impl IncidentSettings {
    /// Reads the settings from an integration's settings (`incidents` key);
    /// absent means all defaults.
    pub fn from_integration_settings(settings: &serde_json::Value) -> Result<Self, SettingsError> {
        match settings.get("incidents") {
            None | Some(serde_json::Value::Null) => Ok(Self::default()),
            Some(value) => serde_json::from_value(value.clone())
                .map_err(|e| SettingsError::new(vec![FieldError::new("incidents", e.to_string())])),
        }
    }

    /// Checks the values that need no catalog (the poll interval and the
    /// backfill in range), for an edit of settings that may not be complete
    /// yet; [`routing`](Self::routing) checks them too.
    pub fn check_ranges(&self) -> Result<(), SettingsError> {
        SettingsError::check(self.range_errors())
    }

    fn range_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let (low, high) = POLL_INTERVAL_MINUTES;
        if !(low..=high).contains(&self.poll_interval_minutes) {
            errors.push(FieldError::new(
                "poll_interval_minutes",
                format!("must be between {low} and {high}"),
            ));
        }
        let (low, high) = BACKFILL_DAYS;
        if !(low..=high).contains(&self.backfill_days) {
            errors.push(FieldError::new(
                "backfill_days",
                format!("must be between {low} and {high}"),
            ));
        }
        errors
    }

    /// Checks the settings against the tenant's catalog and returns the
    /// routing, or every problem found (missing required fields first).
    pub fn routing(&self, catalog: &Catalog) -> Result<IncidentRouting, SettingsError> {
        let mut errors = Vec::new();
        let board = |field: &str, id: Option<BoardId>, errors: &mut Vec<FieldError>| match id {
            None => {
                errors.push(FieldError::new(field, "is required"));
                None
            }
            Some(id) if !catalog.boards.iter().any(|b| b.id == id) => {
                errors.push(FieldError::new(
                    field,
                    format!("names board {id}, which does not exist"),
                ));
                None
            }
            Some(id) => Some(id),
        };
        let board_id = board("board_id", self.board_id, &mut errors);
        let fallback_board_id = board("fallback_board_id", self.fallback_board_id, &mut errors);
        let fallback_client_id = match self.fallback_client_id {
            None => {
                errors.push(FieldError::new("fallback_client_id", "is required"));
                None
            }
            Some(id) if !catalog.clients.iter().any(|c| c.id == id) => {
                errors.push(FieldError::new(
                    "fallback_client_id",
                    format!("names client {id}, which does not exist"),
                ));
                None
            }
            Some(id) => Some(id),
        };
        let mut severity_priorities = BTreeMap::new();
        for (severity, priority) in &self.severity_priorities {
            if catalog.priorities.iter().any(|p| p.id == *priority) {
                severity_priorities.insert(severity.to_lowercase(), *priority);
            } else {
                errors.push(FieldError::new(
                    format!("severity_priorities.{severity}"),
                    format!("names priority {priority}, which does not exist"),
                ));
            }
        }
        let missing: Vec<&str> = REQUIRED_SEVERITIES
            .into_iter()
            .filter(|s| {
                !self
                    .severity_priorities
                    .keys()
                    .any(|k| k.eq_ignore_ascii_case(s))
            })
            .collect();
        if !missing.is_empty() {
            errors.push(FieldError::new(
                "severity_priorities",
                format!("needs a priority for {}", missing.join(", ")),
            ));
        }
        for (field, id) in [
            ("category_id", self.category_id),
            ("subcategory_id", self.subcategory_id),
        ] {
            if let Some(id) = id
                && !catalog.categories.iter().any(|c| c.id == id)
            {
                errors.push(FieldError::new(
                    field,
                    format!("names category {id}, which does not exist"),
                ));
            }
        }
        if self.subcategory_id.is_some() && self.category_id.is_none() {
            errors.push(FieldError::new("subcategory_id", "needs category_id"));
        }
        errors.extend(self.range_errors());
        let auto_close_status = match (self.auto_close, self.closed_status_id) {
            (false, _) => None,
            (true, None) => {
                errors.push(FieldError::new(
                    "closed_status_id",
                    "is required when auto_close is on",
                ));
                None
            }
            (true, Some(id)) => match catalog.statuses.iter().find(|s| s.id == id) {
                Some(status) if status.is_closed => Some(id),
                Some(status) => {
                    errors.push(FieldError::new(
                        "closed_status_id",
                        format!("status {} is not a closed status", status.name),
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new(
                        "closed_status_id",
                        format!("names status {id}, which does not exist"),
                    ));
                    None
                }
            },
        };
        SettingsError::check(errors)?;
        Ok(IncidentRouting {
            board_id: board_id.expect("checked"),
            category_id: self.category_id,
            subcategory_id: self.subcategory_id,
            fallback_client_id: fallback_client_id.expect("checked"),
            fallback_board_id: fallback_board_id.expect("checked"),
            severity_priorities,
            auto_close_status,
            backfill_days: self.backfill_days,
        })
    }
}

/// Suggests a priority per severity by case-insensitive priority name:
/// critical takes `Critical` or else `Urgent`, high takes `High`, low takes
/// `Medium` or else `Low`. Severities without a match are left out.
pub fn prefill_severity_priorities(priorities: &[Priority]) -> BTreeMap<String, PriorityId> {
    let find = |names: &[&str]| {
        names.iter().find_map(|name| {
            priorities
                .iter()
                .find(|p| p.name.trim().eq_ignore_ascii_case(name))
                .map(|p| p.id)
        })
    };
    [
        ("critical", &["Critical", "Urgent"][..]),
        ("high", &["High"][..]),
        ("low", &["Medium", "Low"][..]),
    ]
    .into_iter()
    .filter_map(|(severity, names)| find(names).map(|id| (severity.to_owned(), id)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priority(name: &str, order: i32) -> Priority {
        Priority {
            id: PriorityId::new(),
            name: name.to_owned(),
            order_number: order,
        }
    }

    #[test]
    fn prefill_matches_names_case_insensitively_with_fallbacks() {
        let urgent = priority("URGENT", 1);
        let high = priority("high", 2);
        let low = priority("Low", 4);
        let map = prefill_severity_priorities(&[urgent.clone(), high.clone(), low.clone()]);
        assert_eq!(
            map.get("critical"),
            Some(&urgent.id),
            "Urgent stands in for Critical"
        );
        assert_eq!(map.get("high"), Some(&high.id));
        assert_eq!(map.get("low"), Some(&low.id), "Low stands in for Medium");

        let medium = priority("Medium", 3);
        let map = prefill_severity_priorities(&[medium.clone(), low]);
        assert_eq!(
            map.get("low"),
            Some(&medium.id),
            "Medium is preferred for low"
        );
        assert!(!map.contains_key("critical") && !map.contains_key("high"));
    }

    #[test]
    fn missing_required_fields_are_all_named() {
        let err = IncidentSettings::default()
            .routing(&Catalog::default())
            .unwrap_err();
        assert_eq!(
            err.fields(),
            vec![
                "board_id",
                "fallback_board_id",
                "fallback_client_id",
                "severity_priorities"
            ]
        );
        assert!(
            err.to_string()
                .contains("needs a priority for low, high, critical"),
            "{err}"
        );
    }

    #[test]
    fn bounds_and_closed_status_are_checked() {
        let board = Board {
            id: BoardId::new(),
            name: "Security".into(),
            is_default: true,
        };
        let open = Status {
            id: StatusId::new(),
            board_id: board.id,
            name: "New".into(),
            is_default: true,
            is_closed: false,
        };
        let client = Client {
            id: ClientId::new(),
            name: "Fallback".into(),
            is_inactive: false,
        };
        let priorities = vec![
            priority("Critical", 1),
            priority("High", 2),
            priority("Low", 3),
        ];
        let catalog = Catalog {
            clients: vec![client.clone()],
            boards: vec![board.clone()],
            statuses: vec![open.clone()],
            priorities: priorities.clone(),
            categories: vec![],
        };
        let mut settings = IncidentSettings {
            escalations: false,
            board_id: Some(board.id),
            fallback_client_id: Some(client.id),
            fallback_board_id: Some(board.id),
            severity_priorities: prefill_severity_priorities(&priorities),
            poll_interval_minutes: 61,
            backfill_days: 0,
            auto_close: true,
            closed_status_id: Some(open.id),
            ..IncidentSettings::default()
        };
        // Routing by name: exact, or the only match ignoring case; a miss
        // names what there is.
        assert_eq!(catalog.board("security").unwrap().id, board.id);
        assert_eq!(catalog.priority("High").unwrap().order_number, 2);
        assert_eq!(catalog.status(board.id, "New").unwrap().id, open.id);
        let missing = catalog.board("Triage").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "the tenant has no board named \"Triage\" (it has: Security)"
        );
        assert_eq!(
            catalog.category("Security").unwrap_err().to_string(),
            "the tenant has no category named \"Security\" (it has: none)"
        );
        assert!(catalog.status(BoardId::new(), "New").is_err());

        let err = settings.routing(&catalog).unwrap_err();
        assert_eq!(
            err.fields(),
            vec!["poll_interval_minutes", "backfill_days", "closed_status_id"]
        );
        assert!(err.to_string().contains("is not a closed status"), "{err}");

        settings.poll_interval_minutes = 5;
        settings.backfill_days = 7;
        settings.auto_close = false;
        let routing = settings.routing(&catalog).unwrap();
        assert_eq!(routing.auto_close_status, None);
        assert_eq!(routing.severity_priorities.len(), 3);
    }

    #[test]
    fn settings_parse_from_the_integration_json_with_defaults() {
        let parsed = IncidentSettings::from_integration_settings(
            &serde_json::json!({"incidents": {"auto_close": true}}),
        )
        .unwrap();
        assert_eq!(parsed.poll_interval_minutes, 5);
        assert_eq!(parsed.backfill_days, 7);
        assert!(parsed.auto_close);
        let err = IncidentSettings::from_integration_settings(
            &serde_json::json!({"incidents": {"backfill_days": "x"}}),
        )
        .unwrap_err();
        assert_eq!(err.fields(), vec!["incidents"]);
    }
}
