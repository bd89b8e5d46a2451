//! `psa`, the operator's command line over the PSA integration crates: for
//! someone with a database and vendor credentials who wants to try the
//! crates against a real Tanium or Huntress account, or run the worker.
//!
//! ```text
//! psa tenant create "Acme MSP" --demo        # prints the tenant's id
//! export PSA_TENANT="Acme MSP"
//! psa integration add tanium --setting gateway_url=https://acme-api.cloud.tanium.com/plugin/products/gateway/graphql
//! TANIUM_API_TOKEN=... psa connect <integration id>
//! psa mappings <id>; psa map <id> <group id> "Acme Corp"
//! psa sync <id> --devices; psa assets; psa runs <id>
//! psa worker                                  # every tenant, until SIGINT or SIGTERM
//! ```
//!
//! The database is `--database` or `DATABASE_URL` (default
//! `sqlite://psa.db`, its secret key in `psa.db.key` beside it; PostgreSQL
//! reads the key from `PSA_SECRET_KEY` or `PSA_SECRET_KEY_FILE`). Every
//! listing prints a table, or JSON with `--json`. Exit codes: 0 done, 1
//! failed, 2 bad usage or configuration (the message names what to fix;
//! nothing was changed). `docs/cli.md` in the workspace has every command.
//!
//! The library half holds what the examples share with the command line:
//! [`progress::ProgressBars`], a progress display for sync runs.

mod args;
mod commands;
mod context;
mod error;
mod output;
pub mod progress;

use clap::Parser;
use std::process::ExitCode;

/// Runs `psa` with the process's arguments and returns its exit code: what
/// the binary's `main` does.
pub async fn main() -> ExitCode {
    init_logging();
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version exit 0, bad usage 2 (clap's codes).
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output::error_line(&error);
            ExitCode::from(error.exit_code())
        }
    }
}

/// Logs to stderr through `tracing-subscriber`, filtered by `RUST_LOG`
/// (default: warnings).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
