//! The request handling: rate window, auth, faults, then the routes. Pure
//! over the state, so it is tested without HTTP.

use super::faults::{Fault, RetryAfterMode, take_fault};
use super::render;
use super::state::SimState;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A request as the handler sees it.
pub(crate) struct SimRequest<'a> {
    pub(crate) method: &'a str,
    /// Scheme, host and port, e.g. `http://127.0.0.1:4567`.
    pub(crate) origin: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) authorization: Option<&'a str>,
}

/// What to answer.
#[derive(Debug)]
pub(crate) struct SimResponse {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) retry_after: Option<u64>,
    pub(crate) delay: Option<Duration>,
}

impl SimResponse {
    fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: body.to_string(),
            retry_after: None,
            delay: None,
        }
    }

    fn error(status: u16, message: &str) -> Self {
        Self::json(status, &json!({ "error": message }))
    }
}

const MAX_LIMIT: usize = 500;
const DEFAULT_LIMIT: usize = 10;

pub(crate) fn handle(state: &mut SimState, request: &SimRequest<'_>, now: Instant) -> SimResponse {
    state.served += 1;
    state.log.push(match request.query.is_empty() {
        true => request.path.to_owned(),
        false => format!("{}?{}", request.path, encode_query(&request.query)),
    });

    if let Some(window) = &mut state.window
        && let Err(wait) = window.admit(now)
    {
        state.rate_limited += 1;
        let mut response = SimResponse::error(429, "Rate limit exceeded: 60 requests per minute");
        if window.limit.retry_after == RetryAfterMode::Seconds {
            response.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        return response;
    }

    match request.authorization {
        None => return SimResponse::error(401, "401 Unauthorized"),
        Some(header) if header != state.authorization => {
            return SimResponse::error(
                403,
                "There was an issue with your API credential or permissions.",
            );
        }
        Some(_) => {}
    }

    let mut delay = None;
    match take_fault(&mut state.faults, request.path) {
        Some(Fault::Status(status)) => {
            return SimResponse::error(status, "Internal Server Error (injected)");
        }
        Some(Fault::StatusWithBody(status, body)) => {
            return SimResponse {
                status,
                body,
                retry_after: None,
                delay: None,
            };
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            state.rate_limited += 1;
            let mut response = SimResponse::error(429, "Rate limit exceeded (injected)");
            response.retry_after = retry_after_secs;
            return response;
        }
        Some(Fault::Slow(wait)) => delay = Some(wait),
        None => {}
    }

    let mut response = route(state, request);
    response.delay = delay;
    response
}

fn route(state: &SimState, request: &SimRequest<'_>) -> SimResponse {
    if request.method != "GET" {
        return SimResponse::error(405, "405 Not Allowed");
    }
    let query: HashMap<&str, &str> = request
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let segments: Vec<&str> = request
        .path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .collect();
    let account_id = state.account.id;
    let result = match segments.as_slice() {
        ["v1", "account"] => Ok(json!({ "account": render::account(&state.account) })),
        ["v1", "organizations"] => list_organizations(state, request, &query),
        ["v1", "organizations", id] => one(id, |id| state.organizations.get(&id))
            .map(|org| json!({ "organization": render_organization(state, org) })),
        ["v1", "agents"] => list_agents(state, request, &query),
        ["v1", "agents", id] => one(id, |id| state.agents.get(&id))
            .map(|agent| json!({ "agent": render::agent(agent, account_id) })),
        ["v1", "incident_reports"] => list_incidents(state, request, &query),
        ["v1", "escalations"] => list_escalations(state, request, &query),
        ["v1", "incident_reports", id] => one(id, |id| state.incidents.get(&id))
            .map(|incident| json!({ "incident_report": render::incident(incident, account_id) })),
        _ => Err(SimResponse::error(404, "404 Not Found")),
    };
    match result {
        Ok(body) => SimResponse::json(200, &body),
        Err(response) => response,
    }
}

fn one<'s, T>(id: &str, find: impl FnOnce(u64) -> Option<&'s T>) -> Result<&'s T, SimResponse> {
    id.parse()
        .ok()
        .and_then(find)
        .ok_or_else(|| SimResponse::error(404, "404 Not Found"))
}

fn render_organization(state: &SimState, org: &super::records::SimOrganization) -> Value {
    let agents = state
        .agents
        .values()
        .filter(|a| a.organization_id == org.id)
        .count();
    let incidents = state
        .incidents
        .values()
        .filter(|i| i.organization_id == org.id)
        .count();
    render::organization(org, state.account.id, agents, incidents)
}

/// A sort key: a number or a text, then the id as a tie-break.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Number(i64, u64),
    Text(String, u64),
}

struct Paging {
    limit: usize,
    offset: usize,
    sort_field: String,
    descending: bool,
}

fn paging(query: &HashMap<&str, &str>, sort_fields: &[&str]) -> Result<Paging, SimResponse> {
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| SimResponse::error(400, "limit does not have a valid value"))?,
    };
    let offset = match query.get("page_token") {
        None => 0,
        Some(token) => {
            decode_token(token).ok_or_else(|| SimResponse::error(400, "page_token is invalid"))?
        }
    };
    let sort_field = query.get("sort_field").copied().unwrap_or("id");
    if !sort_fields.contains(&sort_field) {
        return Err(SimResponse::error(
            400,
            "sort_field does not have a valid value",
        ));
    }
    let descending = match query.get("sort_direction").copied().unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        _ => {
            return Err(SimResponse::error(
                400,
                "sort_direction does not have a valid value",
            ));
        }
    };
    Ok(Paging {
        limit,
        offset,
        sort_field: sort_field.to_owned(),
        descending,
    })
}

/// Sorts, slices and wraps rows in the list envelope.
fn page<T>(
    mut rows: Vec<(SortKey, &T)>,
    paging: &Paging,
    plural: &str,
    request: &SimRequest<'_>,
    render: impl Fn(&T) -> Value,
) -> Value {
    if paging.descending {
        rows.sort_by(|a, b| Reverse(&a.0).cmp(&Reverse(&b.0)));
    } else {
        rows.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let end = (paging.offset + paging.limit).min(rows.len());
    let records: Vec<Value> = rows
        .get(paging.offset..end)
        .unwrap_or_default()
        .iter()
        .map(|(_, row)| render(row))
        .collect();
    let mut pagination = serde_json::Map::new();
    if end < rows.len() {
        let token = encode_token(end);
        let mut query: Vec<(String, String)> = request
            .query
            .iter()
            .filter(|(k, _)| k != "page_token")
            .cloned()
            .collect();
        query.push(("page_token".to_owned(), token.clone()));
        pagination.insert("next_page_token".to_owned(), json!(token));
        pagination.insert(
            "next_page_url".to_owned(),
            json!(format!(
                "{}{}?{}",
                request.origin,
                request.path,
                encode_query(&query)
            )),
        );
    }
    json!({ plural: records, "pagination": pagination })
}

fn filter_u64(query: &HashMap<&str, &str>, name: &str) -> Result<Option<u64>, SimResponse> {
    query
        .get(name)
        .map(|text| {
            text.parse()
                .map_err(|_| SimResponse::error(400, &format!("{name} is invalid")))
        })
        .transpose()
}

fn filter_enum<'q>(
    query: &HashMap<&str, &'q str>,
    name: &str,
    allowed: &[&str],
) -> Result<Option<&'q str>, SimResponse> {
    match query.get(name) {
        Some(value) if !allowed.contains(value) => Err(SimResponse::error(
            400,
            &format!("{name} does not have a valid value"),
        )),
        other => Ok(other.copied()),
    }
}

fn list_organizations(
    state: &SimState,
    request: &SimRequest<'_>,
    query: &HashMap<&str, &str>,
) -> Result<Value, SimResponse> {
    let paging = paging(query, &["id", "created_at", "updated_at", "name", "key"])?;
    let rows = state
        .organizations
        .values()
        .filter(|o| query.get("name").is_none_or(|name| o.name == *name))
        .filter(|o| query.get("key").is_none_or(|key| o.key == *key))
        .map(|o| {
            let key = match paging.sort_field.as_str() {
                "created_at" => SortKey::Number(o.created_at.timestamp(), o.id),
                "updated_at" => SortKey::Number(o.updated_at.timestamp(), o.id),
                "name" => SortKey::Text(o.name.clone(), o.id),
                "key" => SortKey::Text(o.key.clone(), o.id),
                _ => SortKey::Number(o.id as i64, o.id),
            };
            (key, o)
        })
        .collect();
    Ok(page(rows, &paging, "organizations", request, |o| {
        render_organization(state, o)
    }))
}

fn list_agents(
    state: &SimState,
    request: &SimRequest<'_>,
    query: &HashMap<&str, &str>,
) -> Result<Value, SimResponse> {
    let paging = paging(query, &["id", "created_at", "updated_at"])?;
    let organization_id = filter_u64(query, "organization_id")?;
    let platform = filter_enum(query, "platform", &["windows", "darwin", "linux"])?;
    let rows = state
        .agents
        .values()
        .filter(|a| organization_id.is_none_or(|id| a.organization_id == id))
        .filter(|a| platform.is_none_or(|p| a.platform == p))
        .filter(|a| query.get("hostname").is_none_or(|h| a.hostname == *h))
        .filter(|a| query.get("os").is_none_or(|os| a.os == *os))
        .filter(|a| query.get("version").is_none_or(|v| a.version == *v))
        .map(|a| {
            let key = match paging.sort_field.as_str() {
                "created_at" => SortKey::Number(a.created_at.timestamp(), a.id),
                "updated_at" => SortKey::Number(a.updated_at.timestamp(), a.id),
                _ => SortKey::Number(a.id as i64, a.id),
            };
            (key, a)
        })
        .collect();
    let account_id = state.account.id;
    Ok(page(rows, &paging, "agents", request, |a| {
        render::agent(a, account_id)
    }))
}

const STATUSES: &[&str] = &[
    "sent",
    "closed",
    "dismissed",
    "auto_remediating",
    "deleting",
    "partner_dismissed",
];
const SEVERITIES: &[&str] = &["low", "high", "critical"];
const PLATFORMS: &[&str] = &[
    "windows",
    "darwin",
    "microsoft_365",
    "google",
    "linux",
    "email_security",
    "other",
];
const INDICATOR_TYPES: &[&str] = &[
    "footholds",
    "monitored_files",
    "ransomware_canaries",
    "antivirus_detections",
    "process_detections",
    "managed_identity",
    "mde_detections",
    "siem_detections",
    "favicon_detections",
    "behavioral_detections",
    "email_security_detections",
    "app_control",
    "ai_misuse",
];

fn list_incidents(
    state: &SimState,
    request: &SimRequest<'_>,
    query: &HashMap<&str, &str>,
) -> Result<Value, SimResponse> {
    let paging = paging(query, &["id", "created_at", "updated_at"])?;
    let status = filter_enum(query, "status", STATUSES)?;
    let severity = filter_enum(query, "severity", SEVERITIES)?;
    let platform = filter_enum(query, "platform", PLATFORMS)?;
    let indicator_type = filter_enum(query, "indicator_type", INDICATOR_TYPES)?;
    let organization_id = filter_u64(query, "organization_id")?;
    let agent_id = filter_u64(query, "agent_id")?;
    let rows = state
        .incidents
        .values()
        .filter(|i| status.is_none_or(|s| i.status == s))
        .filter(|i| severity.is_none_or(|s| i.severity == s))
        .filter(|i| platform.is_none_or(|p| i.platform == p))
        .filter(|i| indicator_type.is_none_or(|t| i.indicator_types.iter().any(|x| x == t)))
        .filter(|i| organization_id.is_none_or(|id| i.organization_id == id))
        .filter(|i| agent_id.is_none_or(|id| i.agent_id == Some(id)))
        .map(|i| {
            let key = match paging.sort_field.as_str() {
                "created_at" => SortKey::Number(i.created_at.timestamp(), i.id),
                "updated_at" => SortKey::Number(i.updated_at.timestamp(), i.id),
                _ => SortKey::Number(i.id as i64, i.id),
            };
            (key, i)
        })
        .collect();
    let account_id = state.account.id;
    Ok(page(rows, &paging, "incident_reports", request, |i| {
        render::incident(i, account_id)
    }))
}

fn list_escalations(
    state: &SimState,
    request: &SimRequest<'_>,
    query: &HashMap<&str, &str>,
) -> Result<Value, SimResponse> {
    let paging = paging(query, &["id", "created_at", "updated_at"])?;
    let rows = state
        .escalations
        .values()
        .map(|e| {
            let key = match paging.sort_field.as_str() {
                "created_at" => SortKey::Number(e.created_at.timestamp(), e.id),
                "updated_at" => SortKey::Number(e.updated_at.timestamp(), e.id),
                _ => SortKey::Number(e.id as i64, e.id),
            };
            (key, e)
        })
        .collect();
    let names = |id: u64| {
        state
            .organizations
            .get(&id)
            .map_or_else(String::new, |o| o.name.clone())
    };
    let account = (state.account.id, state.account.name.as_str());
    Ok(page(rows, &paging, "escalations", request, |e| {
        super::escalations::render(e, &names, account)
    }))
}

/// Offset-based page tokens: the hardest kind for a poller, since rows
/// shift between pages when the data changes.
fn encode_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset={offset}"))
}

fn decode_token(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("offset=")?
        .parse()
        .ok()
}

fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::huntress::records::SimAccount;
    use crate::huntress::state::blank_incident;
    use chrono::{TimeDelta, Utc};

    fn state() -> SimState {
        let mut state = SimState::new(SimAccount::default(), "Basic ok".into(), Utc::now(), None);
        for n in 0..25 {
            let at = state.tick();
            let mut incident = blank_incident(at);
            incident.organization_id = 1 + n % 2;
            incident.updated_at = at - TimeDelta::seconds(n as i64 * 10);
            state.add_incident(incident);
        }
        state
    }

    fn get(state: &mut SimState, path: &str, query: &[(&str, &str)]) -> SimResponse {
        let query = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let request = SimRequest {
            method: "GET",
            origin: "http://sim",
            path,
            query,
            authorization: Some("Basic ok"),
        };
        handle(state, &request, Instant::now())
    }

    fn body(response: &SimResponse) -> Value {
        serde_json::from_str(&response.body).unwrap()
    }

    #[test]
    fn pages_follow_tokens_in_sort_order() {
        let mut state = state();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![
                ("limit", "10"),
                ("sort_field", "updated_at"),
                ("sort_direction", "desc"),
            ];
            if let Some(token) = &token {
                query.push(("page_token", token));
            }
            let answer = body(&get(&mut state, "/v1/incident_reports", &query));
            seen.extend(
                answer["incident_reports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_u64().unwrap()),
            );
            match answer["pagination"]["next_page_token"].as_str() {
                Some(next) => token = Some(next.to_owned()),
                None => break,
            }
        }
        // Incident n was updated 10 n seconds before its creation tick, so
        // the newest first is id 1, 2, 3...
        assert_eq!(seen, (1..=25).collect::<Vec<_>>());
        assert_eq!(state.served, 3);
    }

    #[test]
    fn filters_and_validation() {
        let mut state = state();
        let answer = body(&get(
            &mut state,
            "/v1/incident_reports",
            &[("organization_id", "2"), ("limit", "500")],
        ));
        assert_eq!(answer["incident_reports"].as_array().unwrap().len(), 12);
        assert_eq!(
            get(&mut state, "/v1/incident_reports", &[("limit", "501")]).status,
            400
        );
        assert_eq!(
            get(&mut state, "/v1/incident_reports", &[("status", "open")]).status,
            400
        );
        assert_eq!(
            get(&mut state, "/v1/incident_reports", &[("page_token", "zzz")]).status,
            400
        );
        assert_eq!(get(&mut state, "/v1/incident_reports/999", &[]).status, 404);
        assert_eq!(
            body(&get(&mut state, "/v1/incident_reports/3", &[]))["incident_report"]["id"],
            3
        );
    }

    #[test]
    fn credentials_are_checked() {
        let mut state = state();
        let request = SimRequest {
            method: "GET",
            origin: "http://sim",
            path: "/v1/account",
            query: vec![],
            authorization: None,
        };
        assert_eq!(handle(&mut state, &request, Instant::now()).status, 401);
        let request = SimRequest {
            authorization: Some("Basic nope"),
            ..request
        };
        assert_eq!(handle(&mut state, &request, Instant::now()).status, 403);
    }

    #[test]
    fn agents_list_by_organization_in_pages_of_500_and_organizations_count_them() {
        let mut state = state();
        crate::huntress::dataset::generate(
            &mut state,
            &crate::huntress::DatasetSpec {
                organizations: 2,
                agents: 1_200,
                incidents: 0,
                ..crate::huntress::DatasetSpec::default()
            },
        );
        let org = state.organizations.keys().next_back().copied().unwrap();
        let in_org = state
            .agents
            .values()
            .filter(|a| a.organization_id == org)
            .count();
        assert!(in_org > 500, "{in_org} agents need two pages");
        let org_text = org.to_string();
        let record = body(&get(&mut state, &format!("/v1/organizations/{org}"), &[]));
        assert_eq!(record["organization"]["agents_count"], in_org);
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("organization_id", org_text.as_str()), ("limit", "500")];
            if let Some(token) = &token {
                query.push(("page_token", token));
            }
            let answer = body(&get(&mut state, "/v1/agents", &query));
            let agents = answer["agents"].as_array().unwrap();
            assert!(agents.len() <= 500);
            seen.extend(agents.iter().map(|a| {
                assert_eq!(a["organization_id"], org);
                a["id"].as_u64().unwrap()
            }));
            match answer["pagination"]["next_page_token"].as_str() {
                Some(next) => token = Some(next.to_owned()),
                None => break,
            }
        }
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), in_org);
    }

    #[test]
    fn tokens_round_trip() {
        assert_eq!(decode_token(&encode_token(500)), Some(500));
        assert_eq!(decode_token("bm9wZQ"), None);
    }
}
