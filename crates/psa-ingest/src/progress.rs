//! Progress of a running pipeline, reported as it happens (for progress bars
//! and live status), not only in the report at the end.

use std::fmt;
use std::sync::Arc;

/// One step of a running pipeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProgressEvent {
    /// The provider has answered this many requests (pages) so far in this run.
    RequestsMade {
        /// Requests so far.
        total: u64,
    },
    /// A batch of device snapshots was written.
    DevicesWritten {
        /// Snapshots in this batch.
        batch: u64,
        /// Snapshots handled so far in this run.
        total: u64,
    },
    /// An incident was processed.
    IncidentProcessed {
        /// The provider's incident id.
        external_id: String,
        /// Incidents processed so far in this run.
        total: u64,
    },
    /// A ticket was created for an incident.
    TicketCreated {
        /// The provider's incident id.
        external_id: String,
    },
}

/// A progress callback.
type Callback = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// Where a pipeline reports its progress: a callback, or nowhere (the
/// default). Cheap to clone.
#[derive(Clone, Default)]
pub struct Progress(Option<Callback>);

impl Progress {
    /// Reports to `callback`. It runs on the pipeline's task, so it should be
    /// quick (send to a channel, bump a counter).
    pub fn new(callback: impl Fn(&ProgressEvent) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(callback)))
    }

    /// Reports an event.
    pub fn emit(&self, event: &ProgressEvent) {
        if let Some(callback) = &self.0 {
            callback(event);
        }
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(callback)"
        } else {
            "Progress(none)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn events_reach_the_callback_and_none_drops_them() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let progress = Progress::new(move |event| sink.lock().unwrap().push(event.clone()));
        progress.emit(&ProgressEvent::RequestsMade { total: 2 });
        Progress::default().emit(&ProgressEvent::RequestsMade { total: 9 });
        assert_eq!(
            *seen.lock().unwrap(),
            [ProgressEvent::RequestsMade { total: 2 }]
        );
    }
}
