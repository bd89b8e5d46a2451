//! The Asset REST API endpoint: `GET ...assets?limit=N&minimumAssetId=M`.

use crate::tanium::faults::Api;
use crate::tanium::gateway::{FaultOutcome, check_session, fault_response};
use crate::tanium::render;
use crate::tanium::state::{SimRequest, SimState};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};
use wiremock::{Request, Respond, ResponseTemplate};

/// Rows per page when `limit` is not sent.
const DEFAULT_LIMIT: usize = 100;

/// Answers Asset API requests. Every endpoint is there, aged out of TDS or not.
pub(crate) struct AssetApiResponder {
    pub(crate) state: Arc<Mutex<SimState>>,
}

impl Respond for AssetApiResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().expect("simulator state lock");
        let params: Map<String, Value> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        let at = state.now();
        state.requests.push(SimRequest {
            api: Api::AssetApi,
            operation: "assets".to_owned(),
            variables: Value::Object(params.clone()),
            at,
        });
        let param = |name: &str| {
            params
                .get(name)
                .and_then(Value::as_str)
                .and_then(|v| v.parse::<u64>().ok())
        };
        let limit = param("limit").map_or(DEFAULT_LIMIT, |l| l as usize).max(1);
        let minimum = param("minimumAssetId").unwrap_or(1);

        let mut delay = None;
        if let Some(fault) = state.take_fault(Api::AssetApi, "assets", Some(limit as i64)) {
            match fault_response(&fault, "assets") {
                FaultOutcome::Answer(response) => return response,
                FaultOutcome::Delay(d) => delay = Some(d),
            }
        }
        if let Some(refusal) = check_session(request, &state.token) {
            return refusal;
        }
        let mut rows: Vec<_> = state
            .endpoints
            .iter()
            .filter(|e| e.asset_id >= minimum)
            .collect();
        rows.sort_by_key(|e| e.asset_id);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = rows.last().map(|e| e.asset_id + 1);
        let body = json!({
            "data": rows.iter().map(|e| render::asset(e)).collect::<Vec<_>>(),
            "meta": {"nextAssetId": next, "endOfReader": !more},
        });
        let response = ResponseTemplate::new(200).set_body_json(body);
        match delay {
            Some(delay) => response.set_delay(delay),
            None => response,
        }
    }
}
