//! Decoding a GraphQL response: data, or the `errors` array named.

use crate::GatewayError;
use crate::error::GraphQlErrorDetail;
use serde::de::DeserializeOwned;

/// Decodes `{data, errors}`. An `errors` array wins over partial data; an
/// expired cursor is told apart so page walks can restart.
pub(crate) fn decode<D: DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<D, GatewayError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let response: graphql_client::Response<D> = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| GatewayError::Decode {
            operation,
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    if let Some(errors) = response.errors.filter(|errors| !errors.is_empty()) {
        if let Some(expired) = errors.iter().find(|e| is_cursor_expired(e)) {
            return Err(GatewayError::CursorExpired {
                operation,
                message: expired.message.clone(),
            });
        }
        let errors = errors
            .into_iter()
            .map(|e| GraphQlErrorDetail {
                path: e.path.filter(|p| !p.is_empty()).map(|path| {
                    path.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(".")
                }),
                message: e.message,
            })
            .collect();
        return Err(GatewayError::GraphQl { operation, errors });
    }
    response.data.ok_or_else(|| GatewayError::Decode {
        operation,
        path: "data".to_owned(),
        message: "the response has neither data nor errors".to_owned(),
    })
}

/// The Gateway's wording for an expired cursor is not documented: a message
/// or an error code that speaks of a cursor no longer valid counts.
fn is_cursor_expired(error: &graphql_client::Error) -> bool {
    let code = error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .and_then(|code| code.as_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if code.contains("cursor") {
        return true;
    }
    let message = error.message.to_ascii_lowercase();
    message.contains("cursor")
        && [
            "expired",
            "no longer valid",
            "not valid",
            "invalid",
            "not found",
            "unknown",
        ]
        .iter()
        .any(|hint| message.contains(hint))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Data {
        #[allow(dead_code)]
        now: chrono::DateTime<chrono::Utc>,
    }

    #[test]
    fn names_every_graphql_error_with_its_path() {
        let body = br#"{"data": null, "errors": [
            {"message": "not allowed", "path": ["endpoints", "edges", 3]},
            {"message": "other"}
        ]}"#;
        let Err(GatewayError::GraphQl { errors, .. }) = decode::<Data>("Op", body) else {
            panic!()
        };
        assert_eq!(errors[0].path.as_deref(), Some("endpoints.edges.3"));
        assert_eq!(errors[0].message, "not allowed");
        assert_eq!(errors[1].path, None);
    }

    #[test]
    fn tells_an_expired_cursor_apart() {
        let by_message =
            br#"{"errors": [{"message": "Cursor has expired, please restart the query"}]}"#;
        assert!(matches!(
            decode::<Data>("Op", by_message),
            Err(GatewayError::CursorExpired { .. })
        ));
        let by_code = br#"{"errors": [{"message": "bad request", "extensions": {"code": "CURSOR_EXPIRED"}}]}"#;
        assert!(matches!(
            decode::<Data>("Op", by_code),
            Err(GatewayError::CursorExpired { .. })
        ));
        let unrelated = br#"{"errors": [{"message": "field 'x' is invalid"}]}"#;
        assert!(matches!(
            decode::<Data>("Op", unrelated),
            Err(GatewayError::GraphQl { .. })
        ));
    }

    #[test]
    fn decode_errors_name_the_json_path() {
        let body = br#"{"data": {"now": "yesterday"}}"#;
        let Err(GatewayError::Decode { path, .. }) = decode::<Data>("Op", body) else {
            panic!()
        };
        assert_eq!(path, "data.now");
    }

    #[test]
    fn data_without_errors_is_returned() {
        let body = br#"{"data": {"now": "2024-06-01T12:00:00Z"}, "errors": []}"#;
        assert!(decode::<Data>("Op", body).is_ok());
    }
}
