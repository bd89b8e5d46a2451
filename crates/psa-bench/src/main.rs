//! Asset ingestion benchmark: the engine against a per-device path and a raw
//! `COPY`, on PostgreSQL, at several inventory sizes.
//!
//! ```text
//! cargo run --release -p psa-bench -- [--devices 10000,100000] [--batch 1000] [--naive-sample 2000]
//! ```
//!
//! Each size runs in a child process of its own (so its peak memory is its
//! own) on a fresh database; every phase of one size is measured in the same
//! run, and the results are reported as ratios. `DATABASE_URL` names the
//! server (default `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod reference;
mod rows;
mod synthetic;

use futures::stream;
use psa_ingest::contracts::NormalizedDevice;
use psa_ingest::contracts::{NormalizedScope, ScopeKind};
use psa_ingest::engine::assets::{AssetEngine, AssetEngineOptions, AssetSyncReport};
use psa_ingest::ports::{
    AssetStore as _, IntegrationStore, NewIntegration, ScopeLinkBy, ScopeMappingStore,
};
use psa_ingest::sources::SourceError;
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use psa_store::PsaStore;
use serde::{Deserialize, Serialize};
use std::process::Command;
use std::time::Instant;

/// Devices per page the synthetic source yields.
const PAGE: usize = 500;
const CHILD_ENV: &str = "PSA_BENCH_CHILD";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Args {
    devices: Vec<usize>,
    batch: usize,
    naive_sample: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        devices: vec![10_000, 100_000],
        batch: 1000,
        naive_sample: 2000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--devices" => {
                args.devices = value
                    .split(',')
                    .map(|v| v.trim().parse().expect("a number"))
                    .collect();
            }
            "--batch" => args.batch = value.parse().expect("a number"),
            "--naive-sample" => args.naive_sample = value.parse().expect("a number"),
            other => panic!("unknown flag {other}; use --devices, --batch, --naive-sample"),
        }
    }
    args
}

/// What one size measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SizeResult {
    devices: usize,
    cold_secs: f64,
    noop_secs: f64,
    noop_writes: u64,
    noop_rows_touched: i64,
    changed_secs: f64,
    changed_updated: u64,
    naive_devices: usize,
    naive_secs: f64,
    copy_secs: f64,
    peak_rss_kib: u64,
    cold_phases: Phases,
    noop_phases: Phases,
}

/// Where one engine phase spent its time, from the engine's own timings.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Phases {
    /// Waiting for the source (here: building the synthetic devices).
    source: f64,
    /// Validating, de-duplicating and routing snapshots.
    prepare: f64,
    /// Correlation queries (wall time; hashing runs meanwhile).
    correlate: f64,
    /// Hashing snapshots, overlapped with `correlate`.
    hash: f64,
    /// Batch writes.
    write: f64,
    /// Listing and retiring unseen devices after each complete walk.
    retire_unseen: f64,
    /// The engine's total minus all of the above but `hash`.
    other: f64,
}

impl Phases {
    fn of(timings: &psa_ingest::engine::assets::Timings) -> Self {
        let secs = |d: std::time::Duration| d.as_secs_f64();
        let store = secs(timings.store);
        Self {
            source: secs(timings.fetch),
            prepare: secs(timings.prepare),
            correlate: secs(timings.correlate),
            hash: secs(timings.hash),
            write: store - secs(timings.correlate) - secs(timings.retire_unseen),
            retire_unseen: secs(timings.retire_unseen),
            other: secs(timings.total) - secs(timings.fetch) - secs(timings.prepare) - store,
        }
    }
}

fn main() {
    let args = parse_args();
    if let Ok(devices) = std::env::var(CHILD_ENV) {
        let devices: usize = devices.parse().expect("child size");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let result = runtime.block_on(run_size(devices, &args));
        println!("{}", serde_json::to_string(&result).unwrap());
        return;
    }
    let mut results = Vec::new();
    for &devices in &args.devices {
        eprintln!("running {devices} devices...");
        let output = Command::new(std::env::current_exe().unwrap())
            .args(std::env::args().skip(1))
            .env(CHILD_ENV, devices.to_string())
            .output()
            .expect("spawn the benchmark child");
        assert!(
            output.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = String::from_utf8(output.stdout).unwrap();
        results.push(serde_json::from_str::<SizeResult>(line.trim()).expect("child result"));
    }
    report(&args, &results);
}

fn rate(n: usize, secs: f64) -> f64 {
    n as f64 / secs
}

fn report(args: &Args, results: &[SizeResult]) {
    println!(
        "batch size {}, naive path sampled on {} devices\n",
        args.batch, args.naive_sample
    );
    println!(
        "| devices | cold ingest | no-op resync | 10% changed | per-device path | COPY | peak RSS |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in results {
        println!(
            "| {} | {:.2} s ({:.0}/s) | {:.2} s, {} writes | {:.2} s ({} updated) | {:.0}/s | {:.2} s ({:.0}/s) | {:.1} MiB |",
            r.devices,
            r.cold_secs,
            rate(r.devices, r.cold_secs),
            r.noop_secs,
            r.noop_writes + r.noop_rows_touched as u64,
            r.changed_secs,
            r.changed_updated,
            rate(r.naive_devices, r.naive_secs),
            r.copy_secs,
            rate(r.devices, r.copy_secs),
            r.peak_rss_kib as f64 / 1024.0,
        );
    }
    println!(
        "\n| devices | cold vs per-device (target >= 20x) | cold vs COPY (target >= 0.33) | cold / no-op (target >= 5x) |"
    );
    println!("| ---: | ---: | ---: | ---: |");
    for r in results {
        let cold = rate(r.devices, r.cold_secs);
        println!(
            "| {} | {:.1}x | {:.2} | {:.1}x |",
            r.devices,
            cold / rate(r.naive_devices, r.naive_secs),
            cold / rate(r.devices, r.copy_secs),
            r.cold_secs / r.noop_secs,
        );
    }
    println!(
        "\n| devices | phase | source | prepare | correlate (hashing within) | write | retire unseen | other |"
    );
    println!("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in results {
        for (name, p) in [("cold", r.cold_phases), ("no-op", r.noop_phases)] {
            println!(
                "| {} | {name} | {:.2} s | {:.2} s | {:.2} s ({:.2} s) | {:.2} s | {:.2} s | {:.2} s |",
                r.devices,
                p.source,
                p.prepare,
                p.correlate,
                p.hash,
                p.write,
                p.retire_unseen,
                p.other
            );
        }
    }
    if let (Some(small), Some(large)) = (results.first(), results.last())
        && results.len() > 1
    {
        println!(
            "\npeak RSS at {} devices is {:.2}x that at {} (target <= 1.5x)",
            large.devices,
            large.peak_rss_kib as f64 / small.peak_rss_kib as f64,
            small.devices
        );
    }
}

/// Peak resident memory of this process so far (Linux `VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Fixture {
    tenant: TenantId,
    client: psa_ingest::ClientId,
    integration: IntegrationId,
}

async fn fixture(store: &PsaStore, provider: &ProviderId) -> Fixture {
    let demo = store.seed_demo_tenant("Bench MSP").await.unwrap();
    let integration = store
        .create_integration(
            demo.tenant,
            NewIntegration {
                provider: provider.clone(),
                instance_url: None,
                settings: serde_json::json!({}),
            },
        )
        .await
        .unwrap()
        .id;
    let scopes: Vec<NormalizedScope> = (0..synthetic::SCOPES)
        .map(|i| NormalizedScope {
            provider: provider.clone(),
            external_id: synthetic::scope_id(i),
            name: format!("Group {i}"),
            kind: ScopeKind::Group,
            parent: None,
            counts: Default::default(),
        })
        .collect();
    store
        .upsert_scopes(demo.tenant, integration, &scopes)
        .await
        .unwrap();
    for scope in &scopes {
        store
            .link_scope(
                demo.tenant,
                integration,
                &scope.external_id,
                Some(demo.clients.acme),
                ScopeLinkBy::User,
            )
            .await
            .unwrap();
    }
    Fixture {
        tenant: demo.tenant,
        client: demo.clients.acme,
        integration,
    }
}

/// Full walks of every scope, as a provider would stream them.
async fn walk(
    store: &PsaStore,
    f: &Fixture,
    provider: &ProviderId,
    devices: usize,
    revision: u32,
    batch: usize,
) -> AssetSyncReport {
    let engine = AssetEngine::new(
        store,
        f.tenant,
        f.integration,
        provider.clone(),
        AssetEngineOptions {
            batch_size: batch,
            ..AssetEngineOptions::default()
        },
    )
    .await
    .unwrap();
    let mut total = AssetSyncReport::default();
    for scope in 0..synthetic::SCOPES {
        let ids: Vec<usize> = (scope..devices).step_by(synthetic::SCOPES).collect();
        let pages = stream::iter(ids.chunks(PAGE).map(|chunk| {
            Ok::<Vec<NormalizedDevice>, SourceError>(
                chunk
                    .iter()
                    .map(|&i| synthetic::device(provider, i, revision))
                    .collect(),
            )
        }));
        let report = engine
            .ingest(pages, Some(&synthetic::scope_id(scope)))
            .await
            .unwrap();
        assert!(report.failed.is_empty(), "{:?}", report.failed.first());
        total.merge(report);
    }
    // The device sync's status step (Tanium's rule: seen within an hour),
    // included so the no-op run shows it writes nothing either.
    let started = std::time::Instant::now();
    let now = chrono::Utc::now();
    total.agent_status_changed += store
        .refresh_agent_status(
            f.tenant,
            f.integration,
            now - chrono::TimeDelta::hours(1),
            now,
        )
        .await
        .unwrap();
    total.timings.store += started.elapsed();
    total.timings.total += started.elapsed();
    total
}

async fn run_size(devices: usize, args: &Args) -> SizeResult {
    let provider = ProviderId::new("tanium").unwrap();
    let store = psa_store::test_util::fresh_postgres().await;
    let pool = store.postgres_pool().expect("a PostgreSQL store").clone();
    let f = fixture(&store, &provider).await;

    let started = Instant::now();
    let cold = walk(&store, &f, &provider, devices, 0, args.batch).await;
    let cold_secs = started.elapsed().as_secs_f64();
    assert_eq!(cold.created as usize, devices);

    let noop_started_at = chrono::Utc::now();
    let started = Instant::now();
    let noop = walk(&store, &f, &provider, devices, 0, args.batch).await;
    let noop_secs = started.elapsed().as_secs_f64();
    assert_eq!(noop.unchanged as usize, devices);
    let noop_rows_touched: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM assets WHERE updated_at >= $1) \
              + (SELECT COUNT(*) FROM tenant_external_entity_mappings WHERE last_synced_at >= $1)",
    )
    .bind(noop_started_at)
    .fetch_one(&pool)
    .await
    .unwrap();

    let started = Instant::now();
    let changed = walk(&store, &f, &provider, devices, 1, args.batch).await;
    let changed_secs = started.elapsed().as_secs_f64();
    let peak_rss_kib = peak_rss_kib();

    let naive_devices = devices.min(args.naive_sample);
    let naive_target = fixture(&store, &provider).await;
    let target = reference::Target {
        tenant: naive_target.tenant.0,
        client: naive_target.client.0,
        integration: naive_target.integration.0,
    };
    let started = Instant::now();
    reference::per_device(
        &pool,
        &target,
        (0..naive_devices).map(|i| synthetic::device(&provider, i, 0)),
    )
    .await;
    let naive_secs = started.elapsed().as_secs_f64();

    let copy_target = fixture(&store, &provider).await;
    let target = reference::Target {
        tenant: copy_target.tenant.0,
        client: copy_target.client.0,
        integration: copy_target.integration.0,
    };
    let started = Instant::now();
    reference::copy(
        &pool,
        &target,
        (0..devices).map(|i| synthetic::device(&provider, i, 0)),
    )
    .await;
    let copy_secs = started.elapsed().as_secs_f64();

    SizeResult {
        devices,
        cold_secs,
        noop_secs,
        noop_writes: noop.writes(),
        noop_rows_touched,
        changed_secs,
        changed_updated: changed.updated,
        naive_devices,
        naive_secs,
        copy_secs,
        peak_rss_kib,
        cold_phases: Phases::of(&cold.timings),
        noop_phases: Phases::of(&noop.timings),
    }
}
