//! Records a source had to skip, kept where callers can see and report them.
//!
//! The engines stop a cycle at the first error in a source's stream, and a
//! record that cannot be decoded would come back at the same place every
//! cycle, stalling the feed for good. So the sources skip such a record
//! instead of yielding an error, log it (`tracing` warn, raw JSON at debug),
//! and keep it here.

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
}

impl SkippedRecords {
    /// How many recent records are kept (older ones only count).
    pub const KEPT: usize = 100;

    /// An empty log.
    pub fn new() -> Self {
        Self::default()
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
        let mut log = self.lock();
        log.total += 1;
        if log.recent.len() == Self::KEPT {
            log.recent.pop_front();
        }
        log.recent.push_back(record);
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
}
