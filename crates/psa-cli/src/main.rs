//! `psa`, the operator's command line: see the `psa_cli` crate.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    psa_cli::main().await
}
