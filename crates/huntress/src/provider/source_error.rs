//! Client errors as the engines see them.

use crate::HuntressError;
use psa_ingest::sources::SourceError;

impl From<HuntressError> for SourceError {
    /// 401/403 become [`SourceError::Authentication`]; rate limits, 5xx,
    /// timeouts and network errors become [`SourceError::Transient`]; the
    /// rest, including an undecodable record (its
    /// [`UndecodableRecord`](crate::UndecodableRecord) is the error's source,
    /// raw JSON included), become [`SourceError::Provider`].
    fn from(error: HuntressError) -> Self {
        match error {
            HuntressError::Authentication { .. } => SourceError::Authentication {
                message: format!(
                    "{error}; check the api_key and api_secret and that the key may read this account"
                ),
            },
            HuntressError::Undecodable(record) => SourceError::Provider {
                message: record.to_string(),
                source: Some(record),
            },
            error if error.is_transient() => SourceError::Transient {
                message: error.to_string(),
                source: Some(Box::new(error)),
            },
            error => SourceError::Provider {
                message: error.to_string(),
                source: Some(Box::new(error)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UndecodableRecord;

    #[test]
    fn errors_map_to_their_kind() {
        let auth = HuntressError::Authentication {
            status: 403,
            path: "/v1/account".into(),
            body: "{}".into(),
        };
        assert!(matches!(
            SourceError::from(auth),
            SourceError::Authentication { .. }
        ));
        let server = HuntressError::Server {
            status: 502,
            path: "/".into(),
            attempts: 4,
            body: String::new(),
        };
        assert!(SourceError::from(server).is_transient());
        let record = UndecodableRecord {
            resource: "incident_report",
            index: 3,
            id: Some("9".into()),
            json_path: "updated_at".into(),
            message: "invalid timestamp".into(),
            raw: serde_json::json!({"id": 9}),
        };
        let error = SourceError::from(HuntressError::Undecodable(Box::new(record.clone())));
        let SourceError::Provider {
            source: Some(source),
            ..
        } = error
        else {
            panic!("not a provider error")
        };
        assert_eq!(source.downcast_ref::<UndecodableRecord>(), Some(&record));
    }
}
