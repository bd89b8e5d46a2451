//! Organizations the scope source had to skip, kept where callers can see
//! and report them.
//!
//! A scope sync stops at the first error in its stream, and an organization
//! that cannot be decoded would come back every sync. So the scope source
//! skips it instead of yielding an error, logs it (`tracing` warn, raw JSON
//! at debug), and keeps it here. (Undecodable incident reports are not
//! skipped: the feed yields them and the incident engine quarantines them.)

use crate::UndecodableRecord;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A shared log of skipped records: a total and the most recent ones.
/// Clones share the log.
#[derive(Debug, Clone, Default)]
pub struct SkippedRecords {
    inner: Arc<Mutex<Log>>,
}

#[derive(Debug, Default)]
struct Log {
    total: u64,
    recent: VecDeque<UndecodableRecord>,
    /// A wider log that sees every record this one does.
    parent: Option<SkippedRecords>,
}

impl SkippedRecords {
    /// How many recent records are kept (older ones only count).
    pub const KEPT: usize = 100;

    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log of its own (e.g. one connection's) that also records into
    /// this one.
    pub fn child(&self) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Log {
                parent: Some(self.clone()),
                ..Log::default()
            })),
        }
    }

    /// Records skipped so far.
    pub fn total(&self) -> u64 {
        self.lock().total
    }

    /// The most recent skipped records, oldest first, with their raw JSON.
    pub fn recent(&self) -> Vec<UndecodableRecord> {
        self.lock().recent.iter().cloned().collect()
    }

    pub(crate) fn record(&self, record: UndecodableRecord) {
        tracing::warn!(resource = record.resource, id = ?record.id, json_path = %record.json_path, message = %record.message, "skipped a Huntress record that cannot be used");
        tracing::debug!(raw = %record.raw, "the skipped Huntress record");
        self.store(record);
    }

    /// Keeps a record here and in the parents.
    fn store(&self, record: UndecodableRecord) {
        let parent = {
            let mut log = self.lock();
            log.total += 1;
            if log.recent.len() == Self::KEPT {
                log.recent.pop_front();
            }
            log.recent.push_back(record.clone());
            log.parent.clone()
        };
        if let Some(parent) = parent {
            parent.store(record);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_bounded_tail_and_a_total() {
        let log = SkippedRecords::new();
        let shared = log.clone();
        for index in 0..(SkippedRecords::KEPT + 5) {
            log.record(UndecodableRecord {
                resource: "organization",
                index,
                id: None,
                json_path: "name".into(),
                message: "bad".into(),
                raw: serde_json::Value::Null,
            });
        }
        assert_eq!(shared.total(), (SkippedRecords::KEPT + 5) as u64);
        let recent = shared.recent();
        assert_eq!(recent.len(), SkippedRecords::KEPT);
        assert_eq!(recent[0].index, 5);
    }

    #[test]
    fn a_child_counts_its_own_and_feeds_its_parent() {
        let provider = SkippedRecords::new();
        let first = provider.child();
        let second = provider.child();
        let record = |index| UndecodableRecord {
            resource: "incident_report",
            index,
            id: None,
            json_path: "id".into(),
            message: "bad".into(),
            raw: serde_json::Value::Null,
        };
        first.record(record(0));
        first.record(record(1));
        second.record(record(2));
        assert_eq!((first.total(), second.total(), provider.total()), (2, 1, 3));
        assert_eq!(provider.recent().len(), 3);
    }
}
