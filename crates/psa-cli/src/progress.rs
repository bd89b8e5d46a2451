//! Progress of sync runs for a person watching: a bar per running run on a
//! terminal (`indicatif`), and one plain line per finished run either way.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use psa_integrations::ingest::IntegrationId;
use psa_integrations::sync::jobs::JobKind;
use psa_integrations::sync::{ProgressEvent, SyncEvent, SyncEventKind, SyncSubscriber};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A [`SyncSubscriber`] that shows each run's progress on stderr: a bar
/// (when the total is known) or a spinner with counts, redrawn in place on
/// a terminal; when the run ends, one line with its outcome, time and
/// counts (the only output when stderr is not a terminal).
///
/// ```no_run
/// # fn demo(worker: psa_integrations::sync::WorkerBuilder<psa_integrations::store::PsaStore>,
/// #         tanium: psa_integrations::ingest::IntegrationId) {
/// use psa_cli::progress::ProgressBars;
/// use psa_integrations::sync::jobs::JobKind;
/// use std::sync::Arc;
/// let bars = ProgressBars::new().label(tanium, "tanium").expect(JobKind::DevicesFull, 82);
/// let worker = worker.subscriber(Arc::new(bars));
/// # }
/// ```
pub struct ProgressBars {
    multi: MultiProgress,
    labels: HashMap<IntegrationId, String>,
    expected: HashMap<JobKind, u64>,
    running: Mutex<HashMap<(IntegrationId, JobKind), Run>>,
}

struct Run {
    bar: ProgressBar,
    label: String,
    done: Option<(u64, &'static str)>,
    requests: u64,
    tickets: u64,
    since: Instant,
}

impl Default for ProgressBars {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressBars {
    /// Bars on stderr.
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::new(),
            labels: HashMap::new(),
            expected: HashMap::new(),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Names an integration's runs (by default, its id).
    pub fn label(mut self, integration: IntegrationId, label: impl Into<String>) -> Self {
        self.labels.insert(integration, label.into());
        self
    }

    /// How many records a run of `kind` is expected to handle, for a bar
    /// instead of a spinner.
    pub fn expect(mut self, kind: JobKind, total: u64) -> Self {
        self.expected.insert(kind, total);
        self
    }

    /// Removes what is still drawn (a run that ended without its last event).
    pub fn clear(&self) {
        let _ = self.multi.clear();
    }

    fn start(&self, event: &SyncEvent) -> Run {
        let label = format!(
            "{:<9}{:<20}",
            self.labels
                .get(&event.integration)
                .cloned()
                .unwrap_or_else(|| event.integration.to_string()),
            event.kind.as_str()
        );
        let bar = match self.expected.get(&event.kind) {
            Some(&total) => ProgressBar::new(total).with_style(
                ProgressStyle::with_template("  {prefix} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("#>."),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("  {prefix} {spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        let bar = self.multi.add(bar.with_prefix(label.clone()));
        bar.enable_steady_tick(Duration::from_millis(120));
        Run {
            bar,
            label,
            done: None,
            requests: 0,
            tickets: 0,
            since: Instant::now(),
        }
    }

    fn line(&self, text: &str) {
        if self.multi.is_hidden() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{text}");
            }
        } else {
            let _ = self.multi.println(text);
        }
    }
}

impl Run {
    /// What the run's events have told so far.
    fn counts(&self) -> String {
        let mut parts = Vec::new();
        if let Some((done, unit)) = self.done {
            parts.push(format!("{done} {unit}"));
        }
        if self.requests > 0 {
            parts.push(format!("{} requests", self.requests));
        }
        if self.tickets > 0 {
            parts.push(format!("{} tickets created", self.tickets));
        }
        parts.join(", ")
    }
}

impl SyncSubscriber for ProgressBars {
    fn on_event(&self, event: &SyncEvent) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let key = (event.integration, event.kind);
        match &event.what {
            SyncEventKind::Started { .. } => {
                running.insert(key, self.start(event));
            }
            SyncEventKind::Progress(progress) => {
                let Some(run) = running.get_mut(&key) else {
                    return;
                };
                match progress {
                    ProgressEvent::RequestsMade { total } => run.requests = *total,
                    ProgressEvent::DevicesWritten { total, .. } => {
                        run.done = Some((*total, "devices"));
                        run.bar.set_position(*total);
                    }
                    ProgressEvent::IncidentProcessed { total, .. } => {
                        run.done = Some((*total, "incidents"));
                        run.bar.set_position(*total);
                    }
                    ProgressEvent::TicketCreated { .. } => run.tickets += 1,
                    _ => return,
                }
                run.bar.set_message(run.counts());
            }
            SyncEventKind::Finished { outcome, error, .. } => {
                let Some(run) = running.remove(&key) else {
                    return;
                };
                run.bar.finish_and_clear();
                let mut text = format!(
                    "  {}{:<16}{:>6.1} s  {}",
                    run.label,
                    outcome.as_str(),
                    run.since.elapsed().as_secs_f64(),
                    run.counts()
                );
                if let Some(error) = error {
                    text.push_str(&format!("  error: {error}"));
                }
                self.line(text.trim_end());
            }
            _ => {}
        }
    }
}
