use chrono::NaiveDate;
use psa_ingest::ports::{CatalogStore as _, UsageCount, UsageStore as _};
use psa_store::test_util::TestStore;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn count(d: u32, scope: &str, metric: &str, value: u64) -> UsageCount {
    UsageCount {
        day: day(d),
        scope: scope.into(),
        scope_name: format!("Org {scope}"),
        client_id: None,
        metric: metric.into(),
        value,
    }
}

async fn usage_counts_are_kept_per_day_and_the_latest_of_a_day_wins(store: TestStore) {
    let tenant = store.create_tenant("A").await.unwrap();
    let other = store.create_tenant("B").await.unwrap();
    let mine = crate::support::integration(&store, tenant, "huntress")
        .await
        .id;
    let theirs = crate::support::integration(&store, other, "huntress")
        .await
        .id;
    let client = store.create_client(tenant, "Acme").await.unwrap().id;

    store
        .record_usage(
            tenant,
            mine,
            &[
                count(1, "7", "agents", 10),
                count(1, "7", "billable_identities", 3),
            ],
        )
        .await
        .unwrap();
    // Later the same day: replaced, with the client mapped since.
    let mapped = UsageCount {
        client_id: Some(client),
        scope_name: "Acme Org".into(),
        ..count(1, "7", "agents", 11)
    };
    store
        .record_usage(tenant, mine, std::slice::from_ref(&mapped))
        .await
        .unwrap();
    // A huge vendor number is kept as the largest the store holds.
    store
        .record_usage(tenant, mine, &[count(2, "7", "agents", u64::MAX)])
        .await
        .unwrap();
    store
        .record_usage(other, theirs, &[count(1, "7", "agents", 99)])
        .await
        .unwrap();
    store.record_usage(tenant, mine, &[]).await.unwrap();

    let all = store.list_usage(tenant, mine, day(1)).await.unwrap();
    assert_eq!(
        all,
        [
            mapped,
            count(1, "7", "billable_identities", 3),
            count(2, "7", "agents", i64::MAX as u64),
        ]
    );
    let since_two = store.list_usage(tenant, mine, day(2)).await.unwrap();
    assert_eq!(since_two.len(), 1);
    // Another tenant's counts stay its own.
    assert_eq!(
        store.list_usage(other, theirs, day(1)).await.unwrap().len(),
        1
    );
    assert!(
        store
            .list_usage(tenant, theirs, day(1))
            .await
            .unwrap()
            .is_empty()
    );
}

psa_store::backend_tests!(usage_counts_are_kept_per_day_and_the_latest_of_a_day_wins);
