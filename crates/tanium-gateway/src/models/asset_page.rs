use crate::models::AssetRecord;

/// One page of the Asset API.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetPage {
    /// The rows that could be read.
    pub assets: Vec<AssetRecord>,
    /// Rows that could not be read, with the reason (the page goes on without them).
    pub skipped: Vec<String>,
    /// Where the next page starts (`meta.nextAssetId`).
    pub next_asset_id: Option<u64>,
    /// Whether this is the last page (`meta.endOfReader`).
    pub end_of_reader: bool,
}
