use crate::support::{at, integration};
use chrono::TimeDelta;
use psa_ingest::ports::{
    Pipeline, QuarantineEntry, QuarantineFilter, QuarantineStore as _, RetryBackoff, StoreError,
};
use psa_store::test_util::TestStore;
use serde_json::json;

fn entry(pipeline: Pipeline, id: &str, error: &str) -> QuarantineEntry {
    QuarantineEntry {
        pipeline,
        record_id: id.into(),
        payload: json!({ "id": id, "n": 1 }),
        error: error.into(),
    }
}

const BACKOFF: RetryBackoff = RetryBackoff {
    first: TimeDelta::minutes(5),
    max: TimeDelta::hours(1),
};

async fn a_failing_record_is_kept_and_each_failure_pushes_its_retry_back(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = integration(&store, tenant, "huntress").await;

    let first = store
        .quarantine_record(
            tenant,
            int.id,
            entry(Pipeline::Incidents, "7", "bad"),
            BACKOFF,
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(first.attempts, 1);
    assert_eq!(first.integration_id, int.id);
    assert_eq!(
        (first.first_failed_at, first.last_failed_at),
        (at(0), at(0))
    );
    assert_eq!(first.next_retry_at, at(300));
    assert_eq!(first.payload, json!({ "id": "7", "n": 1 }));

    let mut again = entry(Pipeline::Incidents, "7", "worse");
    again.payload = json!({ "id": "7", "n": 2 });
    let second = store
        .quarantine_record(tenant, int.id, again, BACKOFF, at(400))
        .await
        .unwrap();
    assert_eq!(second.attempts, 2);
    assert_eq!(second.first_failed_at, at(0), "kept");
    assert_eq!(second.last_failed_at, at(400));
    assert_eq!(second.next_retry_at, at(400 + 600), "doubled");
    assert_eq!(
        (second.error.as_str(), &second.payload["n"]),
        ("worse", &json!(2))
    );
    for _ in 0..6 {
        store
            .quarantine_record(
                tenant,
                int.id,
                entry(Pipeline::Incidents, "7", "x"),
                BACKOFF,
                at(500),
            )
            .await
            .unwrap();
    }
    let capped = &store
        .list_quarantined(tenant, int.id, QuarantineFilter::default(), 10)
        .await
        .unwrap()[0];
    assert_eq!(capped.attempts, 8);
    assert_eq!(capped.next_retry_at, at(500 + 3600), "capped");
    assert_eq!(store.count_quarantined(tenant, int.id).await.unwrap(), 1);
}

async fn records_are_listed_by_pipeline_and_due_time_then_released_or_requeued(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = integration(&store, tenant, "tanium").await;
    let other = integration(&store, tenant, "tanium").await;
    for (pipeline, id, now) in [
        (Pipeline::Devices, "d1", at(100)),
        (Pipeline::Devices, "d2", at(0)),
        (Pipeline::Incidents, "i1", at(50)),
    ] {
        store
            .quarantine_record(tenant, int.id, entry(pipeline, id, "e"), BACKOFF, now)
            .await
            .unwrap();
    }
    store
        .quarantine_record(
            tenant,
            other.id,
            entry(Pipeline::Devices, "d9", "e"),
            BACKOFF,
            at(0),
        )
        .await
        .unwrap();

    let ids = |records: Vec<psa_ingest::ports::QuarantinedRecord>| -> Vec<String> {
        records.into_iter().map(|r| r.record_id).collect()
    };
    let all = store
        .list_quarantined(tenant, int.id, QuarantineFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(ids(all), ["d2", "i1", "d1"], "the longest due first");
    let devices_due = store
        .list_quarantined(
            tenant,
            int.id,
            QuarantineFilter {
                pipeline: Some(Pipeline::Devices),
                due_at: Some(at(350)),
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(ids(devices_due), ["d2"]);
    let limited = store
        .list_quarantined(tenant, int.id, QuarantineFilter::default(), 1)
        .await
        .unwrap();
    assert_eq!(limited.len(), 1);
    let mut held = store
        .quarantined_ids(tenant, int.id, Pipeline::Devices)
        .await
        .unwrap();
    held.sort();
    assert_eq!(held, ["d1", "d2"]);

    let requeued = store
        .requeue_quarantined(tenant, int.id, Some(Pipeline::Devices), at(10))
        .await
        .unwrap();
    assert_eq!(requeued, 2);
    let due = store
        .list_quarantined(
            tenant,
            int.id,
            QuarantineFilter {
                pipeline: None,
                due_at: Some(at(10)),
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(ids(due).len(), 2, "both devices due, the incident not");

    let released = store
        .release_quarantined(
            tenant,
            int.id,
            Pipeline::Devices,
            &["d1".into(), "i1".into(), "nope".into()],
        )
        .await
        .unwrap();
    assert_eq!(released, 1, "only d1 is a quarantined device");
    assert_eq!(store.count_quarantined(tenant, int.id).await.unwrap(), 2);
    assert_eq!(store.count_quarantined(tenant, other.id).await.unwrap(), 1);
    assert_eq!(
        store
            .release_quarantined(tenant, int.id, Pipeline::Devices, &[])
            .await
            .unwrap(),
        0
    );

    // Another tenant sees and changes nothing.
    let stranger = store.create_tenant("U").await.unwrap();
    assert_eq!(store.count_quarantined(stranger, int.id).await.unwrap(), 0);
    assert_eq!(
        store
            .requeue_quarantined(stranger, int.id, None, at(0))
            .await
            .unwrap(),
        0
    );
}

async fn vendor_text_is_stored_and_bad_calls_are_refused(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = integration(&store, tenant, "huntress").await;
    let record = store
        .quarantine_record(
            tenant,
            int.id,
            QuarantineEntry {
                pipeline: Pipeline::Incidents,
                record_id: "a\0b".into(),
                payload: json!({ "summary": "nul\0here", "n": u64::MAX }),
                error: "refused\0".into(),
            },
            BACKOFF,
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(record.record_id, "ab");
    assert_eq!(record.payload["summary"], "nulhere");
    assert_eq!(record.payload["n"], json!(u64::MAX));
    assert_eq!(record.error, "refused");
    assert_eq!(
        store
            .release_quarantined(tenant, int.id, Pipeline::Incidents, &["a\0b".into()])
            .await
            .unwrap(),
        1,
        "released under the same storable id"
    );

    let empty = store
        .quarantine_record(
            tenant,
            int.id,
            entry(Pipeline::Devices, "", "e"),
            BACKOFF,
            at(0),
        )
        .await
        .unwrap_err();
    assert!(matches!(empty, StoreError::InvalidInput { .. }), "{empty}");
    let negative = store
        .list_quarantined(tenant, int.id, QuarantineFilter::default(), -1)
        .await
        .unwrap_err();
    assert!(
        matches!(negative, StoreError::InvalidInput { .. }),
        "{negative}"
    );
    let unknown = store
        .quarantine_record(
            tenant,
            psa_ingest::IntegrationId::new(),
            entry(Pipeline::Devices, "d", "e"),
            BACKOFF,
            at(0),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::MissingReference { .. }),
        "{unknown}"
    );
}

psa_store::backend_tests!(
    a_failing_record_is_kept_and_each_failure_pushes_its_retry_back,
    records_are_listed_by_pipeline_and_due_time_then_released_or_requeued,
    vendor_text_is_stored_and_bad_calls_are_refused,
);
