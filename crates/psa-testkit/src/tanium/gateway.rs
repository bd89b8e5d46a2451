//! The Gateway endpoint: reads `operationName` and `variables` (no GraphQL
//! engine) and answers from the shared state.

use crate::tanium::faults::{Api, Fault};
use crate::tanium::filter;
use crate::tanium::render;
use crate::tanium::state::{SimRequest, SimState};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Request, Respond, ResponseTemplate};

/// Answers Gateway requests.
pub(crate) struct GatewayResponder {
    pub(crate) state: Arc<Mutex<SimState>>,
}

impl Respond for GatewayResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().expect("simulator state lock");
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let operation = body
            .get("operationName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let variables = body.get("variables").cloned().unwrap_or(Value::Null);
        let at = state.now();
        state.requests.push(SimRequest {
            api: Api::Gateway,
            operation: operation.clone(),
            variables: variables.clone(),
            at,
        });

        let first = variables.get("first").and_then(Value::as_i64);
        let mut delay = None;
        if let Some(fault) = state.take_fault(Api::Gateway, &operation, first) {
            match fault_response(&fault, &operation) {
                FaultOutcome::Answer(response) => return response,
                FaultOutcome::Delay(d) => delay = Some(d),
            }
        }
        if let Some(refusal) = check_session(request, &state.token) {
            return refusal;
        }
        let response = match answer(&mut state, &operation, &variables) {
            Ok(data) => ResponseTemplate::new(200).set_body_json(json!({"data": data})),
            Err(message) => graphql_errors(&[message], &operation),
        };
        match delay {
            Some(delay) => response.set_delay(delay),
            None => response,
        }
    }
}

pub(crate) enum FaultOutcome {
    Answer(ResponseTemplate),
    Delay(Duration),
}

/// What a fault answers with (shared with the Asset API).
pub(crate) fn fault_response(fault: &Fault, operation: &str) -> FaultOutcome {
    match fault {
        Fault::Status { status, body } => FaultOutcome::Answer(ResponseTemplate::new(*status).set_body_string(body.clone())),
        Fault::LoginRedirect => FaultOutcome::Answer(
            ResponseTemplate::new(302).insert_header("Location", "/auth/login?redirect=%2Fplugin%2Fproducts%2Fgateway"),
        ),
        Fault::HtmlPage => FaultOutcome::Answer(ResponseTemplate::new(200).set_body_raw(
            "<!DOCTYPE html><html><head><title>Tanium Console - Sign In</title></head><body></body></html>",
            "text/html",
        )),
        Fault::GraphQlErrors(messages) => FaultOutcome::Answer(graphql_errors(messages, operation)),
        Fault::Slow(delay) | Fault::SlowAbovePageSize { delay, .. } => FaultOutcome::Delay(*delay),
    }
}

/// 401 unless the `session` header carries the token (`Authorization` is
/// refused, as Tanium does).
pub(crate) fn check_session(request: &Request, token: &str) -> Option<ResponseTemplate> {
    let session = request.headers.get("session").and_then(|v| v.to_str().ok());
    (session != Some(token)).then(|| ResponseTemplate::new(401).set_body_string("Unauthorized"))
}

fn graphql_errors(messages: &[String], operation: &str) -> ResponseTemplate {
    let field = match operation {
        "ComputerGroups" => "computerGroups",
        "Endpoints" => "endpoints",
        "EndpointIdChanges" => "endpointIdChanges",
        _ => "query",
    };
    let errors: Vec<Value> = messages
        .iter()
        .map(|m| json!({"message": m, "path": [field]}))
        .collect();
    ResponseTemplate::new(200).set_body_json(json!({"data": null, "errors": errors}))
}

fn answer(state: &mut SimState, operation: &str, variables: &Value) -> Result<Value, String> {
    let first = variables.get("first").and_then(Value::as_i64);
    let after = variables.get("after").and_then(Value::as_str);
    match operation {
        "ConnectionTest" => Ok(json!({
            "now": render::time(state.now()),
            "computerGroups": {"totalRecords": state.groups.len()},
        })),
        "ComputerGroups" => {
            let slice = state.page("computerGroups", first, after, |s| {
                Ok(s.groups.iter().map(|g| g.id.clone()).collect())
            })?;
            let edges: Vec<Value> = slice
                .entries
                .iter()
                .filter_map(|(cursor, id)| {
                    let group = state.groups.iter().find(|g| &g.id == id)?;
                    Some(json!({"cursor": cursor, "node": render::group(group)}))
                })
                .collect();
            Ok(
                json!({"computerGroups": connection(&edges, slice.has_next, slice.end_cursor.as_deref(), slice.total)}),
            )
        }
        "Endpoints" => {
            let filter = variables.get("filter").cloned().unwrap_or(Value::Null);
            let slice = state.page("endpoints", first, after, |s| {
                let mut ids = Vec::new();
                for endpoint in s.endpoints.iter().filter(|e| e.in_tds) {
                    if filter::matches(&filter, endpoint, &s.groups)? {
                        ids.push(endpoint.id.clone());
                    }
                }
                Ok(ids)
            })?;
            let edges: Vec<Value> = slice
                .entries
                .iter()
                .filter_map(|(cursor, id)| {
                    let endpoint = state.endpoint(id).filter(|e| e.in_tds)?;
                    Some(json!({"cursor": cursor, "node": render::endpoint(endpoint)}))
                })
                .collect();
            let mut connection = connection(
                &edges,
                slice.has_next,
                slice.end_cursor.as_deref(),
                slice.total,
            );
            connection["collectionInfo"] =
                json!({"active": false, "success": true, "contributedTotal": slice.total});
            Ok(json!({"endpoints": connection}))
        }
        "EndpointIdChanges" => {
            let after = variables
                .get("after")
                .and_then(Value::as_str)
                .ok_or("endpointIdChanges needs `after`")?;
            let after = DateTime::parse_from_rfc3339(after)
                .map_err(|e| format!("`after` is not an RFC 3339 time: {e}"))?
                .with_timezone(&Utc);
            let changes: Vec<Value> = state
                .id_changes
                .iter()
                .filter(|c| c.at > after)
                .map(|c| json!({"oldId": c.old_id, "newId": c.new_id}))
                .collect();
            Ok(
                json!({"endpointIdChanges": {"changes": changes, "before": render::time(state.now())}}),
            )
        }
        "" => Err("the request has no operationName".to_owned()),
        other => Err(format!("the simulator does not know operation {other:?}")),
    }
}

fn connection(edges: &[Value], has_next: bool, end_cursor: Option<&str>, total: usize) -> Value {
    json!({
        "edges": edges,
        "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": false, "endCursor": end_cursor},
        "totalRecords": total,
    })
}
