//! A run's counts read back as the report its job wrote, instead of JSON
//! looked up by key.

use super::run::JobKind;
use super::sync::JobReport;
use psa_ingest::ports::SyncRun;
use serde_json::Value;

/// What a recorded run counted: its job's report, and what every run adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCounts {
    /// The report of the run's job; `None` for a kind this version does not
    /// know (written by a newer one) or a run still going.
    pub report: Option<JobReport>,
    /// Records the connection could not read and skipped.
    pub records_skipped: u64,
    /// The integration's records in quarantine when the run ended.
    pub in_quarantine: u64,
}

impl RunCounts {
    /// Reads a run's counts by its kind. A stored report that does not
    /// decode is an error naming the field; fields an older version did not
    /// write read as zero or empty.
    pub fn of(run: &SyncRun) -> Result<Self, serde_json::Error> {
        let number = |key: &str| run.counts.get(key).and_then(Value::as_u64).unwrap_or(0);
        let counts = || run.counts.clone();
        let report = match (JobKind::parse(run.kind.as_str()), run.counts.is_object()) {
            (_, false) | (None, _) => None,
            (Some(JobKind::Scopes), true) => {
                Some(JobReport::Scopes(serde_json::from_value(counts())?))
            }
            (Some(JobKind::DevicesFull | JobKind::DevicesIncremental), true) => {
                Some(JobReport::Devices(serde_json::from_value(counts())?))
            }
            (Some(JobKind::Incidents | JobKind::Escalations), true) => {
                Some(JobReport::Incidents(serde_json::from_value(counts())?))
            }
        };
        Ok(Self {
            report,
            records_skipped: number("records_skipped"),
            in_quarantine: number("in_quarantine"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use psa_ingest::ports::RunOutcome;
    use psa_ingest::{IntegrationId, SyncRunId};
    use serde_json::json;

    fn run(kind: &str, counts: Value) -> SyncRun {
        SyncRun {
            id: SyncRunId::new(),
            integration_id: IntegrationId::new(),
            kind: psa_ingest::ports::RunKind::parse(kind),
            started_at: Utc::now(),
            finished_at: Some(Utc::now()),
            outcome: RunOutcome::Succeeded,
            counts,
            requests_made: 3,
            error: None,
        }
    }

    #[test]
    fn counts_an_older_version_wrote_read_with_zeros() {
        let counts = RunCounts::of(&run(
            "incidents",
            json!({"received": 4, "records_skipped": 1}),
        ))
        .unwrap();
        let Some(JobReport::Incidents(report)) = counts.report else {
            panic!("{counts:?}");
        };
        assert_eq!((report.received, report.tickets_created), (4, 0));
        assert_eq!((counts.records_skipped, counts.in_quarantine), (1, 0));
    }

    #[test]
    fn an_unknown_kind_or_a_bad_field_is_told_apart() {
        let newer = RunCounts::of(&run("remote_actions", json!({"received": 1}))).unwrap();
        assert_eq!(newer.report, None);
        let bad = RunCounts::of(&run("scopes", json!({"discovered": "many"}))).unwrap_err();
        assert!(bad.to_string().contains("invalid type"), "{bad}");
    }
}
