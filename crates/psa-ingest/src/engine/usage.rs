//! The usage report: what each vendor counts per scope (Huntress agents and
//! billable identities per organization, Tanium endpoints per group),
//! snapshotted daily with the client each scope belongs to, and the change
//! since the last snapshot, for reconciling against the PSA's agreements.

use crate::contracts::NormalizedScope;
use crate::ports::{AssetStore, ScopeMappingStore, StoreResult, UsageCount, UsageStore};
use crate::{ClientId, IntegrationId, TenantId};
use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The metric a device integration counts: live devices per mapped scope.
pub const ENDPOINTS: &str = "endpoints";

/// How far back a report looks for the previous snapshot.
pub const LOOKBACK: TimeDelta = TimeDelta::days(62);

/// One line of the report: a scope's latest count of one metric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLine {
    /// The scope's external id.
    pub scope: String,
    /// Its name.
    pub scope_name: String,
    /// The client it is mapped to (`None`: unmapped, nobody to bill).
    pub client_id: Option<ClientId>,
    /// The metric.
    pub metric: String,
    /// The latest count.
    pub value: u64,
    /// The day of the latest count.
    pub day: NaiveDate,
    /// The count of the snapshot before, and its day (`None`: the first).
    pub previous: Option<(NaiveDate, u64)>,
}

impl UsageLine {
    /// The change since the previous snapshot (the whole count for a first).
    pub fn change(&self) -> i128 {
        i128::from(self.value) - i128::from(self.previous.map_or(0, |(_, v)| v))
    }
}

/// The report from stored counts: per scope and metric, the latest day's
/// count and the one of the latest day before it. Sorted by scope name,
/// scope, metric.
pub fn report(counts: &[UsageCount]) -> Vec<UsageLine> {
    let mut by_key: BTreeMap<(&str, &str), Vec<&UsageCount>> = BTreeMap::new();
    for count in counts {
        by_key
            .entry((count.scope.as_str(), count.metric.as_str()))
            .or_default()
            .push(count);
    }
    let mut lines: Vec<UsageLine> = by_key
        .into_values()
        .filter_map(|mut days| {
            days.sort_by_key(|c| std::cmp::Reverse(c.day));
            let latest = days.first()?;
            Some(UsageLine {
                scope: latest.scope.clone(),
                scope_name: latest.scope_name.clone(),
                client_id: latest.client_id,
                metric: latest.metric.clone(),
                value: latest.value,
                day: latest.day,
                previous: days.get(1).map(|c| (c.day, c.value)),
            })
        })
        .collect();
    lines.sort_by(|a, b| {
        (a.scope_name.to_lowercase(), &a.scope, &a.metric).cmp(&(
            b.scope_name.to_lowercase(),
            &b.scope,
            &b.metric,
        ))
    });
    lines
}

/// The integration's report as of `today` (looking back [`LOOKBACK`]).
pub async fn usage_report<S: UsageStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    today: NaiveDate,
) -> StoreResult<Vec<UsageLine>> {
    let counts = store
        .list_usage(tenant, integration, today - LOOKBACK)
        .await?;
    Ok(report(&counts))
}

/// Records the provider's counts of the scopes a scope sync listed, with
/// each scope's client as mapped now, as `day`'s snapshot.
pub async fn record_scope_counts<S>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    scopes: &[NormalizedScope],
    day: NaiveDate,
) -> StoreResult<usize>
where
    S: UsageStore + ScopeMappingStore + ?Sized,
{
    if scopes.iter().all(|s| s.counts.is_empty()) {
        return Ok(0);
    }
    let clients: HashMap<String, Option<ClientId>> = store
        .list_scope_mappings(tenant, integration)
        .await?
        .into_iter()
        .map(|m| (m.external_id, m.client_id))
        .collect();
    let counts: Vec<UsageCount> = scopes
        .iter()
        .flat_map(|scope| {
            let client_id = clients.get(&scope.external_id).copied().flatten();
            scope.counts.iter().map(move |(metric, value)| UsageCount {
                day,
                scope: scope.external_id.clone(),
                scope_name: scope.name.clone(),
                client_id,
                metric: metric.clone(),
                value: *value,
            })
        })
        .collect();
    store.record_usage(tenant, integration, &counts).await?;
    Ok(counts.len())
}

/// Records the live devices of each mapped scope (counted in the store in
/// one query) as
/// `day`'s [`ENDPOINTS`] snapshot.
pub async fn record_device_counts<S>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    day: NaiveDate,
) -> StoreResult<usize>
where
    S: UsageStore + ScopeMappingStore + AssetStore + ?Sized,
{
    let devices: HashMap<String, u64> = store
        .count_scope_devices(tenant, integration)
        .await?
        .into_iter()
        .collect();
    let counts: Vec<UsageCount> = store
        .list_scope_mappings(tenant, integration)
        .await?
        .into_iter()
        .filter(|mapping| mapping.client_id.is_some())
        .map(|mapping| UsageCount {
            day,
            value: devices.get(&mapping.external_id).copied().unwrap_or(0),
            scope: mapping.external_id,
            scope_name: mapping.name,
            client_id: mapping.client_id,
            metric: ENDPOINTS.to_owned(),
        })
        .collect();
    store.record_usage(tenant, integration, &counts).await?;
    Ok(counts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(day: u32, scope: &str, metric: &str, value: u64) -> UsageCount {
        UsageCount {
            day: NaiveDate::from_ymd_opt(2026, 12, day).unwrap(),
            scope: scope.into(),
            scope_name: format!("Org {scope}"),
            client_id: None,
            metric: metric.into(),
            value,
        }
    }

    #[test]
    fn each_line_is_the_latest_count_with_the_one_before() {
        let lines = report(&[
            count(1, "1", "agents", 10),
            count(3, "1", "agents", 12),
            count(2, "1", "agents", 11),
            count(3, "2", "agents", 4),
            count(1, "1", "billable_identities", 30),
        ]);
        let got: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l.scope.as_str(),
                    l.metric.as_str(),
                    l.value,
                    l.previous.map(|p| p.1),
                    l.change(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("1", "agents", 12, Some(11), 1),
                ("1", "billable_identities", 30, None, 30),
                ("2", "agents", 4, None, 4),
            ]
        );
    }
}
