//! The job schedule and its leases.

use crate::support::{at, integration};
use psa_ingest::TenantId;
use psa_ingest::ports::{
    Integration, IntegrationStore as _, RunFinish, RunKind, RunOutcome, ScheduleStore as _,
    StoreError, SyncRunStore as _,
};
use psa_store::test_util::TestStore;
use std::collections::HashSet;

async fn active(store: &TestStore, tenant: TenantId, provider: &str) -> Integration {
    let int = integration(store, tenant, provider).await;
    store
        .set_connection(tenant, int.id, true, Some(at(0)))
        .await
        .unwrap();
    int
}

async fn jobs_are_scheduled_listed_and_removed(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = active(&store, tenant, "tanium").await;
    store
        .ensure_job(
            tenant,
            int.id,
            &psa_ingest::ports::JobName::parse("devices"),
            at(10),
        )
        .await
        .unwrap();
    // Ensuring again keeps the time; setting replaces it.
    store
        .ensure_job(
            tenant,
            int.id,
            &psa_ingest::ports::JobName::parse("devices"),
            at(99),
        )
        .await
        .unwrap();
    store
        .set_job_due(
            tenant,
            int.id,
            &psa_ingest::ports::JobName::parse("incidents"),
            at(5),
        )
        .await
        .unwrap();
    store
        .set_job_due(
            tenant,
            int.id,
            &psa_ingest::ports::JobName::parse("incidents"),
            at(7),
        )
        .await
        .unwrap();

    let jobs = store.list_scheduled_jobs(tenant, int.id).await.unwrap();
    let due: Vec<_> = jobs
        .iter()
        .map(|j| (j.job.as_str(), j.next_due_at))
        .collect();
    assert_eq!(due, [("devices", at(10)), ("incidents", at(7))]);
    assert!(
        jobs.iter()
            .all(|j| j.lease_holder.is_none() && j.tenant == tenant)
    );

    assert_eq!(
        store.unschedule_integration(tenant, int.id).await.unwrap(),
        2
    );
    assert!(
        store
            .list_scheduled_jobs(tenant, int.id)
            .await
            .unwrap()
            .is_empty()
    );

    let blank = store
        .ensure_job(
            tenant,
            int.id,
            &psa_ingest::ports::JobName::parse(" "),
            at(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(blank, StoreError::InvalidInput { .. }), "{blank}");
}

async fn claims_take_due_jobs_of_active_integrations_earliest_first(store: TestStore) {
    let a = store.create_tenant("A").await.unwrap();
    let b = store.create_tenant("B").await.unwrap();
    let tanium = active(&store, a, "tanium").await;
    let huntress = active(&store, b, "huntress").await;
    let inactive = integration(&store, a, "tanium").await;
    store
        .ensure_job(
            a,
            tanium.id,
            &psa_ingest::ports::JobName::parse("devices"),
            at(20),
        )
        .await
        .unwrap();
    store
        .ensure_job(
            b,
            huntress.id,
            &psa_ingest::ports::JobName::parse("incidents"),
            at(10),
        )
        .await
        .unwrap();
    store
        .ensure_job(
            a,
            inactive.id,
            &psa_ingest::ports::JobName::parse("devices"),
            at(0),
        )
        .await
        .unwrap();
    store
        .ensure_job(
            a,
            tanium.id,
            &psa_ingest::ports::JobName::parse("later"),
            at(500),
        )
        .await
        .unwrap();

    let leases = store
        .claim_due_jobs("w1", at(100), at(160), 10)
        .await
        .unwrap();
    let claimed: Vec<_> = leases
        .iter()
        .map(|l| (l.tenant, l.provider.as_str(), l.job.as_str(), l.due_at))
        .collect();
    assert_eq!(
        claimed,
        [
            (b, "huntress", "incidents", at(10)),
            (a, "tanium", "devices", at(20))
        ]
    );
    assert!(
        leases
            .iter()
            .all(|l| l.holder == "w1" && l.expires_at == at(160) && l.taken_over_from.is_none())
    );

    // Leased jobs are not claimed again before the lease ends.
    assert!(
        store
            .claim_due_jobs("w2", at(110), at(170), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let listed = store.list_scheduled_jobs(a, tanium.id).await.unwrap();
    assert_eq!(listed[0].lease_holder.as_deref(), Some("w1"));
    assert_eq!(listed[0].lease_expires_at, Some(at(160)));

    // Renewing pushes the end; releasing sets the next due time.
    assert!(store.renew_lease(&leases[0], at(300)).await.unwrap());
    assert!(
        store
            .claim_due_jobs("w2", at(200), at(260), 10)
            .await
            .unwrap()
            .iter()
            .all(|l| l.job == "devices")
    );
    assert!(store.release_lease(&leases[0], at(400)).await.unwrap());
    let incidents = &store.list_scheduled_jobs(b, huntress.id).await.unwrap()[0];
    assert_eq!(
        (incidents.next_due_at, incidents.lease_holder.as_deref()),
        (at(400), None)
    );
    // The released lease's token is spent.
    assert!(!store.release_lease(&leases[0], at(1)).await.unwrap());
    assert!(!store.renew_lease(&leases[0], at(999)).await.unwrap());
}

async fn an_expired_lease_is_taken_over_and_the_old_holder_loses_it(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = active(&store, tenant, "tanium").await;
    store
        .ensure_job(
            tenant,
            int.id,
            &psa_ingest::ports::JobName::parse("devices"),
            at(0),
        )
        .await
        .unwrap();
    let first = store.claim_due_jobs("w1", at(1), at(31), 1).await.unwrap();
    assert_eq!(first.len(), 1);

    let taken = store.claim_due_jobs("w2", at(31), at(61), 1).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].taken_over_from.as_deref(), Some("w1"));
    assert_ne!(taken[0].token, first[0].token);

    assert!(!store.renew_lease(&first[0], at(90)).await.unwrap());
    assert!(!store.release_lease(&first[0], at(0)).await.unwrap());
    assert!(store.release_lease(&taken[0], at(100)).await.unwrap());
    let job = &store.list_scheduled_jobs(tenant, int.id).await.unwrap()[0];
    assert_eq!(job.next_due_at, at(100));
}

async fn concurrent_claimers_never_share_a_job(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    for _ in 0..10 {
        let int = active(&store, tenant, "tanium").await;
        for job in ["devices", "incidents"] {
            store
                .ensure_job(
                    tenant,
                    int.id,
                    &psa_ingest::ports::JobName::parse(job),
                    at(0),
                )
                .await
                .unwrap();
        }
    }
    let claimers: Vec<_> = (0..6)
        .map(|worker| {
            let store = store.store().clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let leases = store
                        .claim_due_jobs(&format!("w{worker}"), at(1), at(100), 2)
                        .await
                        .unwrap();
                    if leases.is_empty() {
                        return mine;
                    }
                    mine.extend(leases);
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().map(|l| (l.integration, l.job.clone())).collect();
    assert_eq!((all.len(), distinct.len()), (20, 20));
}

async fn claims_check_their_input(store: TestStore) {
    for (holder, limit, ends) in [("", 1, at(2)), ("w", -1, at(2)), ("w", 1, at(1))] {
        let error = store
            .claim_due_jobs(holder, at(1), ends, limit)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::InvalidInput { .. }), "{error}");
    }
}

async fn abandoned_runs_of_the_named_kinds_are_marked_failed(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = active(&store, tenant, "tanium").await;
    let devices = store
        .start_sync_run(
            tenant,
            int.id,
            &psa_ingest::ports::RunKind::parse("devices_full"),
            at(1),
        )
        .await
        .unwrap();
    let incidents = store
        .start_sync_run(
            tenant,
            int.id,
            &psa_ingest::ports::RunKind::parse("incidents"),
            at(2),
        )
        .await
        .unwrap();
    let done = store
        .start_sync_run(
            tenant,
            int.id,
            &psa_ingest::ports::RunKind::parse("scopes"),
            at(3),
        )
        .await
        .unwrap();
    store
        .finish_sync_run(
            tenant,
            done,
            RunFinish {
                outcome: RunOutcome::Succeeded,
                counts: serde_json::json!({}),
                requests_made: 1,
                error: None,
            },
        )
        .await
        .unwrap();

    let marked = store
        .abandon_sync_runs(
            tenant,
            int.id,
            &[RunKind::Scopes, RunKind::DevicesFull],
            RunOutcome::Failed,
            "worker lost",
        )
        .await
        .unwrap();
    assert_eq!(marked, 1);
    let runs = store.list_sync_runs(tenant, int.id, 10).await.unwrap();
    let outcome = |id| runs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(outcome(devices).outcome, RunOutcome::Failed);
    assert_eq!(outcome(devices).error.as_deref(), Some("worker lost"));
    assert!(outcome(devices).finished_at.is_some());
    assert_eq!(outcome(incidents).outcome, RunOutcome::Running);
    assert_eq!(outcome(done).outcome, RunOutcome::Succeeded);
}

psa_store::backend_tests!(
    jobs_are_scheduled_listed_and_removed,
    claims_take_due_jobs_of_active_integrations_earliest_first,
    an_expired_lease_is_taken_over_and_the_old_holder_loses_it,
    concurrent_claimers_never_share_a_job,
    claims_check_their_input,
    abandoned_runs_of_the_named_kinds_are_marked_failed
);
