//! The worker's settings, from code or from the environment.

use std::time::Duration;

/// Why a worker could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WorkerConfigError {
    /// A variable holds a value out of bounds or of the wrong kind.
    #[error("{variable}: {message}")]
    Invalid {
        /// The variable.
        variable: String,
        /// What was wrong.
        message: String,
    },
    /// A transport variable names a transport nobody registered.
    #[error("{variable} names transport {name:?}, which is not registered (known: {known})")]
    UnknownTransport {
        /// The variable.
        variable: String,
        /// The name it holds.
        name: String,
        /// The registered names.
        known: String,
    },
}

/// How a worker runs.
///
/// | variable | default | bounds |
/// | --- | --- | --- |
/// | `PSA_WORKER_ID` | `<hostname>-<pid>` | not blank |
/// | `PSA_WORKER_TICK_SECONDS` | 5 | 1..=300 |
/// | `PSA_WORKER_LEASE_SECONDS` | 300 | 10..=3600 |
/// | `PSA_WORKER_MAX_JOBS` | 4 | 1..=64 |
/// | `PSA_WORKER_SHUTDOWN_GRACE_SECONDS` | 30 | 0..=3600 |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Names this worker in leases and logs; unique among running workers.
    pub id: String,
    /// How often the worker looks for due jobs.
    pub tick: Duration,
    /// How long a claim lasts unless renewed; a crashed worker's jobs are
    /// taken over this long after its last renewal. Renewed every third of it.
    pub lease: Duration,
    /// Jobs run at once.
    pub max_jobs: usize,
    /// On shutdown, how long running jobs may take to finish before they
    /// are stopped and their leases released.
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            id: default_id(),
            tick: Duration::from_secs(5),
            lease: Duration::from_secs(300),
            max_jobs: 4,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

fn default_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

impl WorkerConfig {
    /// Reads the `PSA_WORKER_*` variables; unset ones take their defaults.
    pub fn from_env() -> Result<Self, WorkerConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the settings through `env` (a variable's value, or `None`).
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, WorkerConfigError> {
        let defaults = Self::default();
        let seconds = |variable: &str, low: u64, high: u64, default: Duration| {
            number(env, variable, low, high).map(|n| n.map_or(default, Duration::from_secs))
        };
        let id = match env("PSA_WORKER_ID") {
            None => defaults.id,
            Some(id) if id.trim().is_empty() => {
                return Err(WorkerConfigError::Invalid {
                    variable: "PSA_WORKER_ID".into(),
                    message: "must not be blank".into(),
                });
            }
            Some(id) => id.trim().to_owned(),
        };
        Ok(Self {
            id,
            tick: seconds("PSA_WORKER_TICK_SECONDS", 1, 300, defaults.tick)?,
            lease: seconds("PSA_WORKER_LEASE_SECONDS", 10, 3600, defaults.lease)?,
            max_jobs: number(env, "PSA_WORKER_MAX_JOBS", 1, 64)?
                .map_or(defaults.max_jobs, |n| n as usize),
            shutdown_grace: seconds(
                "PSA_WORKER_SHUTDOWN_GRACE_SECONDS",
                0,
                3600,
                defaults.shutdown_grace,
            )?,
        })
    }
}

fn number(
    env: &dyn Fn(&str) -> Option<String>,
    variable: &str,
    low: u64,
    high: u64,
) -> Result<Option<u64>, WorkerConfigError> {
    let Some(raw) = env(variable) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (low..=high).contains(n))
        .map(Some)
        .ok_or_else(|| WorkerConfigError::Invalid {
            variable: variable.to_owned(),
            message: format!("must be a whole number from {low} to {high}, got {raw:?}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_variables_with_defaults_and_names_bad_ones() {
        let config = WorkerConfig::from_lookup(&|name| match name {
            "PSA_WORKER_ID" => Some(" w-1 ".into()),
            "PSA_WORKER_MAX_JOBS" => Some("8".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.id, "w-1");
        assert_eq!(config.max_jobs, 8);
        assert_eq!(config.lease, Duration::from_secs(300));
        assert_eq!(config.tick, Duration::from_secs(5));

        let error = WorkerConfig::from_lookup(&|name| {
            (name == "PSA_WORKER_LEASE_SECONDS").then(|| "5".to_owned())
        })
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "PSA_WORKER_LEASE_SECONDS: must be a whole number from 10 to 3600, got \"5\""
        );
        let blank = WorkerConfig::from_lookup(&|name| (name == "PSA_WORKER_ID").then(String::new));
        assert!(matches!(blank, Err(WorkerConfigError::Invalid { .. })));
        assert!(!WorkerConfig::default().id.is_empty());
    }
}
