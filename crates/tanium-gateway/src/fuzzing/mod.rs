//! Entry points for the fuzz targets in `fuzz/` and the property tests:
//! vendor bytes through the decoders and the normalizer. Each returns
//! nothing; the contract under test is "an error or a record, never a
//! panic". Not part of the supported API (feature `fuzzing`).

#[cfg(test)]
mod properties;

use crate::models::AssetRecord;
use crate::normalize::Normalizer;
use crate::requests::asset_page::parse_page;
use crate::requests::graphql_response::decode;
use crate::requests::operations::{endpoint_page, endpoints};
use chrono::{TimeDelta, Utc};

fn normalizer() -> Normalizer {
    Normalizer::new(TimeDelta::minutes(10))
}

/// A Gateway `endpoints` response: decoded, turned into a page, and every
/// endpoint normalized into a device snapshot.
pub fn gateway_endpoints_page(body: &[u8]) {
    if let Ok(endpoints::ResponseData {
        endpoints: Some(connection),
    }) = decode::<endpoints::ResponseData>("Endpoints", body)
    {
        let normalizer = normalizer();
        for endpoint in endpoint_page(connection).items {
            let _ = normalizer.device(&endpoint, "1", Utc::now());
        }
    }
}

/// An Asset API page: parsed, and every row that reads normalized.
pub fn asset_api_page(body: &[u8]) {
    if let Ok(page) = parse_page(body) {
        let normalizer = normalizer();
        for record in &page.assets {
            let _ = normalizer.asset_device(record, "1");
        }
    }
}

/// One Asset API row given as JSON: read and normalized.
pub fn asset_api_row(row: &serde_json::Value) {
    if let Ok(record) = AssetRecord::from_json(row) {
        let _ = normalizer().asset_device(&record, "1");
    }
}
