use crate::support::{at, integration};
use psa_ingest::SyncRunId;
use psa_ingest::ports::{RunFinish, RunOutcome, StoreError, SyncRunStore as _};
use psa_store::test_util::TestStore;
use serde_json::json;

async fn runs_are_recorded_and_listed_newest_first(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = integration(&store, tenant, "tanium").await;
    let old = store
        .start_sync_run(
            tenant,
            int.id,
            &psa_ingest::ports::RunKind::parse("devices_full"),
            at(1),
        )
        .await
        .unwrap();
    let new = store
        .start_sync_run(
            tenant,
            int.id,
            &psa_ingest::ports::RunKind::parse("scopes"),
            at(2),
        )
        .await
        .unwrap();
    store
        .finish_sync_run(
            tenant,
            old,
            RunFinish {
                outcome: RunOutcome::PartiallyFailed,
                counts: json!({ "created": 3, "failed": 1 }),
                requests_made: 7,
                error: Some("1 device failed".into()),
            },
        )
        .await
        .unwrap();

    let runs = store.list_sync_runs(tenant, int.id, 10).await.unwrap();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [new, old]);
    assert_eq!(runs[0].outcome, RunOutcome::Running);
    assert_eq!(runs[0].finished_at, None);
    assert_eq!(runs[1].kind, "devices_full");
    assert_eq!(runs[1].started_at, at(1));
    assert_eq!(runs[1].outcome, RunOutcome::PartiallyFailed);
    assert_eq!(runs[1].counts, json!({ "created": 3, "failed": 1 }));
    assert_eq!(
        (runs[1].requests_made, runs[1].error.as_deref()),
        (7, Some("1 device failed"))
    );
    assert!(runs[1].finished_at.is_some());

    assert_eq!(
        store.list_sync_runs(tenant, int.id, 1).await.unwrap().len(),
        1
    );
    let negative = store.list_sync_runs(tenant, int.id, -1).await.unwrap_err();
    assert!(
        matches!(negative, StoreError::InvalidInput { .. }),
        "{negative}"
    );
    let finish = RunFinish {
        outcome: RunOutcome::Failed,
        counts: json!({}),
        requests_made: 0,
        error: None,
    };
    let missing = store
        .finish_sync_run(tenant, SyncRunId::new(), finish)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
}

psa_store::backend_tests!(runs_are_recorded_and_listed_newest_first);
