//! Reading an Asset API page: the rows that read, and a reason for each
//! row that does not.

use crate::GatewayError;
use crate::models::asset_record::text;
use crate::models::{AssetPage, AssetRecord};
use serde_json::Value;

/// The operation named in errors.
pub(crate) const OPERATION: &str = "Asset API assets";

pub(crate) fn parse_page(body: &[u8]) -> Result<AssetPage, GatewayError> {
    let decode_error = |path: &str, message: String| GatewayError::Decode {
        operation: OPERATION,
        path: path.to_owned(),
        message,
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        decode_error(
            ".",
            format!("{e}; body starts {:?}", psa_http::excerpt(body)),
        )
    })?;
    let rows = match value.get("data") {
        Some(Value::Array(rows)) => rows.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err(decode_error("data", "expected a list of assets".to_owned())),
    };
    let mut assets = Vec::with_capacity(rows.len());
    let mut skipped = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match AssetRecord::from_json(row) {
            Ok(record) => assets.push(record),
            Err(reason) => {
                tracing::warn!(index, %reason, "skipping an unreadable Asset API row");
                skipped.push(format!("data[{index}]: {reason}"));
            }
        }
    }
    let meta = value.get("meta");
    let next_asset_id = text(meta.and_then(|m| m.get("nextAssetId"))).and_then(|t| t.parse().ok());
    let end_of_reader = meta
        .and_then(|m| m.get("endOfReader"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(AssetPage {
        assets,
        skipped,
        next_asset_id,
        end_of_reader,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_meta_and_skips_bad_rows() {
        let body = br#"{"data": [{"id": 1, "computer_name": "a"}, {"nope": true}],
                        "meta": {"nextAssetId": "2", "endOfReader": false}}"#;
        let page = parse_page(body).unwrap();
        assert_eq!(page.assets.len(), 1);
        assert_eq!(page.skipped.len(), 1);
        assert!(page.skipped[0].starts_with("data[1]"));
        assert_eq!(page.next_asset_id, Some(2));
        assert!(!page.end_of_reader);
    }

    #[test]
    fn a_non_list_data_is_a_decode_error() {
        let error = parse_page(br#"{"data": {"id": 1}}"#).unwrap_err();
        assert!(matches!(error, GatewayError::Decode { ref path, .. } if path == "data"));
    }
}
