//! `GET /v1/account`: the account the credentials belong to.

use crate::models::loose;
use crate::models::{AccountId, AccountStatus};
use serde::{Deserialize, Serialize};

/// The Huntress account of the API credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Account id.
    pub id: AccountId,
    /// Display name.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub name: Option<String>,
    /// Portal subdomain: the portal is `https://<subdomain>.huntress.io`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub subdomain: Option<String>,
    /// Enabled or disabled.
    #[serde(default)]
    pub status: Option<AccountStatus>,
}
