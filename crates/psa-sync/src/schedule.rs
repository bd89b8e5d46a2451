//! Which jobs an integration has and how often each runs.
//!
//! Intervals are integration settings, read when a job finishes to set its
//! next due time, so a changed interval takes effect after the next run:
//!
//! | key | bounds | default | meaning |
//! | --- | --- | --- | --- |
//! | `schedule.device_sync_minutes` | 5..=1440 | 60 | incremental device sync |
//! | `schedule.full_sync_hours` | 1..=168 | 24 | full walk of each scope (the job syncs scopes first), or the scope sync of a provider without devices |
//! | `schedule.after_mapping_seconds` | 0..=3600 | 60 | device sync after a person maps a scope or switches its asset sync on |
//! | `incidents.poll_interval_minutes` | 1..=60 | 5 | incident poll |
//! | `schedule.job_deadline_seconds` | 1..=86400 | 7200 | longest a job may run: past it the job stops, its run is recorded as failed, and the next run resumes |
//! | `schedule.max_pages_per_walk` | 1..=10000000 | 100000 | pages one scope's walk may read: a vendor that keeps handing out new cursors fails the walk instead of holding the lease forever |

use crate::SyncError;
use chrono::{DateTime, TimeDelta, Utc};
use psa_ingest::engine::incidents::{IncidentSettings, POLL_INTERVAL_MINUTES};
use psa_ingest::ports::{JobName, RunKind, Store};
use psa_ingest::settings::{FieldError, SettingsError};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::Capabilities;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A scheduled job of an integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    /// Device sync: incremental, or full (after a scope sync) when the last
    /// full walk is older than `full_sync_hours`.
    Devices,
    /// Incident poll.
    Incidents,
    /// Escalation poll (at the incident poll's interval).
    Escalations,
    /// Scope sync alone, for a provider with scopes but no devices.
    Scopes,
}

impl Job {
    /// Every job.
    pub const ALL: [Job; 4] = [Job::Devices, Job::Incidents, Job::Escalations, Job::Scopes];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Devices => "devices",
            Self::Incidents => "incidents",
            Self::Escalations => "escalations",
            Self::Scopes => "scopes",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|job| job.as_str() == name)
    }

    /// The name on the schedule.
    pub fn name(self) -> JobName {
        JobName::parse(self.as_str())
    }

    /// The job a name on the schedule names; `None` for one this version
    /// does not run.
    pub fn of(name: &JobName) -> Option<Self> {
        Self::parse(name.as_str())
    }

    /// The `sync_runs.kind` values this job records.
    pub fn run_kinds(self) -> &'static [RunKind] {
        const DEVICES: &[RunKind] = &[
            RunKind::Scopes,
            RunKind::DevicesFull,
            RunKind::DevicesIncremental,
        ];
        const INCIDENTS: &[RunKind] = &[RunKind::Incidents];
        const ESCALATIONS: &[RunKind] = &[RunKind::Escalations];
        const SCOPES: &[RunKind] = &[RunKind::Scopes];
        match self {
            Self::Devices => DEVICES,
            Self::Incidents => INCIDENTS,
            Self::Escalations => ESCALATIONS,
            Self::Scopes => SCOPES,
        }
    }

    /// The jobs of a provider with these capabilities.
    pub fn for_capabilities(capabilities: &Capabilities) -> Vec<Job> {
        let mut jobs = Vec::new();
        if capabilities.device_sync {
            jobs.push(Job::Devices);
        } else if capabilities.scope_sync {
            jobs.push(Job::Scopes);
        }
        if capabilities.incident_feed {
            jobs.push(Job::Incidents);
        }
        if capabilities.escalation_feed {
            jobs.push(Job::Escalations);
        }
        jobs
    }

    /// How long after a run starts the next one is due.
    pub fn interval(self, settings: &Value) -> Result<TimeDelta, SettingsError> {
        let schedule = ScheduleSettings::from_settings(settings)?;
        Ok(match self {
            Self::Devices => schedule.device_sync,
            Self::Scopes => schedule.full_sync,
            Self::Incidents | Self::Escalations => {
                // The incident settings own the interval's default and bounds.
                let minutes =
                    IncidentSettings::from_integration_settings(settings)?.poll_interval_minutes;
                let (low, high) = POLL_INTERVAL_MINUTES;
                if !(low..=high).contains(&minutes) {
                    return Err(SettingsError::new(vec![FieldError::new(
                        "incidents.poll_interval_minutes",
                        format!("must be a whole number from {low} to {high}, got {minutes}"),
                    )]));
                }
                TimeDelta::minutes(minutes.into())
            }
        })
    }
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `schedule` settings of an integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleSettings {
    /// Between incremental device syncs.
    pub device_sync: TimeDelta,
    /// Between full device walks of a scope.
    pub full_sync: TimeDelta,
    /// How soon after a person maps a scope (or switches its asset sync on)
    /// the device sync runs, so the assets appear without waiting for the
    /// interval.
    pub after_mapping: TimeDelta,
    /// Longest a job may run before it is stopped.
    pub job_deadline: TimeDelta,
    /// Pages one scope's walk may read.
    pub max_pages_per_walk: u64,
}

impl ScheduleSettings {
    /// The settings key.
    pub const KEY: &'static str = "schedule";

    /// Reads `schedule` from an integration's settings (missing keys take
    /// their defaults); names every field out of bounds.
    pub fn from_settings(settings: &Value) -> Result<Self, SettingsError> {
        let section = settings.get(Self::KEY);
        let device = read_number(
            section,
            "device_sync_minutes",
            "schedule.device_sync_minutes",
            5,
            1440,
            60,
        );
        let full = read_number(
            section,
            "full_sync_hours",
            "schedule.full_sync_hours",
            1,
            168,
            24,
        );
        let after_mapping = read_number(
            section,
            "after_mapping_seconds",
            "schedule.after_mapping_seconds",
            0,
            3600,
            60,
        );
        let deadline = read_number(
            section,
            "job_deadline_seconds",
            "schedule.job_deadline_seconds",
            1,
            86_400,
            7_200,
        );
        let max_pages = read_number(
            section,
            "max_pages_per_walk",
            "schedule.max_pages_per_walk",
            1,
            10_000_000,
            100_000,
        );
        match (device, full, after_mapping, deadline, max_pages) {
            (Ok(device), Ok(full), Ok(after_mapping), Ok(deadline), Ok(max_pages)) => Ok(Self {
                device_sync: TimeDelta::minutes(device),
                full_sync: TimeDelta::hours(full),
                after_mapping: TimeDelta::seconds(after_mapping),
                job_deadline: TimeDelta::seconds(deadline),
                max_pages_per_walk: max_pages.unsigned_abs(),
            }),
            (device, full, after_mapping, deadline, max_pages) => Err(SettingsError::new(
                [
                    device.err(),
                    full.err(),
                    after_mapping.err(),
                    deadline.err(),
                    max_pages.err(),
                ]
                .into_iter()
                .flatten()
                .collect(),
            )),
        }
    }
}

pub(crate) fn read_number(
    section: Option<&Value>,
    key: &str,
    path: &str,
    low: i64,
    high: i64,
    default: i64,
) -> Result<i64, FieldError> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_i64()
            .filter(|n| (low..=high).contains(n))
            .ok_or_else(|| {
                FieldError::new(
                    path,
                    format!("must be a whole number from {low} to {high}, got {value}"),
                )
            }),
    }
}

/// Puts the integration's jobs on the schedule, due at `due_at` (jobs
/// already scheduled keep their time).
pub(crate) async fn ensure_jobs<S: Store + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    capabilities: &Capabilities,
    settings: &Value,
    due_at: DateTime<Utc>,
) -> Result<(), SyncError> {
    // Escalations become tickets only where a person turned them on.
    let escalations = IncidentSettings::from_integration_settings(settings)
        .map(|incidents| incidents.escalations)
        .unwrap_or(false);
    for job in Job::for_capabilities(capabilities) {
        if job == Job::Escalations && !escalations {
            continue;
        }
        // Connecting has just synced the scopes: the scope job is due one
        // interval later, not at once.
        let due = if job == Job::Scopes {
            due_at + job.interval(settings).unwrap_or(TimeDelta::hours(24))
        } else {
            due_at
        };
        store
            .ensure_job(tenant, integration, &job.name(), due)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intervals_come_from_settings_with_defaults_and_bounds() {
        let defaults = json!({});
        assert_eq!(
            Job::Devices.interval(&defaults).unwrap(),
            TimeDelta::hours(1)
        );
        assert_eq!(Job::Scopes.interval(&defaults).unwrap(), TimeDelta::days(1));
        assert_eq!(
            Job::Incidents.interval(&defaults).unwrap(),
            TimeDelta::minutes(5)
        );
        let custom = json!({
            "schedule": {"device_sync_minutes": 15, "full_sync_hours": 6},
            "incidents": {"poll_interval_minutes": 2},
        });
        assert_eq!(
            Job::Devices.interval(&custom).unwrap(),
            TimeDelta::minutes(15)
        );
        assert_eq!(Job::Scopes.interval(&custom).unwrap(), TimeDelta::hours(6));
        assert_eq!(
            Job::Incidents.interval(&custom).unwrap(),
            TimeDelta::minutes(2)
        );

        let bad = json!({"schedule": {"device_sync_minutes": 1, "full_sync_hours": "x"}});
        let error = ScheduleSettings::from_settings(&bad).unwrap_err();
        assert_eq!(
            error.fields(),
            ["schedule.device_sync_minutes", "schedule.full_sync_hours"]
        );
        let poll = json!({"incidents": {"poll_interval_minutes": 61}});
        assert_eq!(
            Job::Incidents.interval(&poll).unwrap_err().fields(),
            ["incidents.poll_interval_minutes"]
        );
    }

    #[test]
    fn jobs_follow_capabilities_and_names_round_trip() {
        let both = Capabilities {
            scope_sync: true,
            device_sync: true,
            incident_feed: true,
            ..Capabilities::default()
        };
        assert_eq!(Job::for_capabilities(&both), [Job::Devices, Job::Incidents]);
        let scopes_only = Capabilities {
            scope_sync: true,
            ..Capabilities::default()
        };
        assert_eq!(Job::for_capabilities(&scopes_only), [Job::Scopes]);
        for job in Job::ALL {
            assert_eq!(Job::parse(job.as_str()), Some(job));
        }
        assert_eq!(Job::parse("nope"), None);
    }
}
