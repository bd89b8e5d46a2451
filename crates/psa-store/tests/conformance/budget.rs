use chrono::{SubsecRound as _, TimeDelta, Utc};
use psa_ingest::ports::{BudgetLimit, RequestBudgetStore as _, SlotRequest, UNFINISHED_SLOT_GRACE};
use psa_store::test_util::TestStore;
use std::sync::Arc;

const LIMIT: BudgetLimit = BudgetLimit {
    max_requests: 3,
    window: TimeDelta::seconds(60),
};

async fn a_budget_hands_out_slots_within_its_window(store: TestStore) {
    let tenant = store.create_tenant("A").await.unwrap();
    let other = store.create_tenant("B").await.unwrap();
    // Both databases keep microseconds.
    let t0 = Utc::now().trunc_subsecs(6);
    let mut slots = Vec::new();
    for n in 0..3 {
        match store
            .take_request_slot(tenant, "acct", LIMIT, t0 + TimeDelta::seconds(n))
            .await
            .unwrap()
        {
            SlotRequest::Taken(slot) => slots.push(slot),
            full => panic!("slot {n}: {full:?}"),
        }
    }
    // Full: three unfinished slots count until their window and the grace.
    let full = store
        .take_request_slot(tenant, "acct", LIMIT, t0 + TimeDelta::seconds(3))
        .await
        .unwrap();
    assert_eq!(
        full,
        SlotRequest::FullUntil(t0 + LIMIT.window + UNFINISHED_SLOT_GRACE)
    );
    // Another tenant's budget of the same account key is its own.
    assert!(matches!(
        store
            .take_request_slot(other, "acct", LIMIT, t0)
            .await
            .unwrap(),
        SlotRequest::Taken(_)
    ));

    // A finished slot counts one window from its answer.
    let answered = t0 + TimeDelta::seconds(5);
    store
        .finish_request_slot(tenant, "acct", slots[1], answered)
        .await
        .unwrap();
    let full = store
        .take_request_slot(tenant, "acct", LIMIT, t0 + TimeDelta::seconds(6))
        .await
        .unwrap();
    assert_eq!(full, SlotRequest::FullUntil(answered + LIMIT.window));
    let later = answered + LIMIT.window + TimeDelta::seconds(1);
    assert!(matches!(
        store
            .take_request_slot(tenant, "acct", LIMIT, later)
            .await
            .unwrap(),
        SlotRequest::Taken(_)
    ));

    // After a 429 nobody gets a slot before the pause ends; a shorter pause
    // does not shorten it.
    let until = later + TimeDelta::seconds(30);
    store.pause_requests(tenant, "fresh", until).await.unwrap();
    store.pause_requests(tenant, "fresh", later).await.unwrap();
    assert_eq!(
        store
            .take_request_slot(tenant, "fresh", LIMIT, later)
            .await
            .unwrap(),
        SlotRequest::FullUntil(until)
    );
    assert!(matches!(
        store
            .take_request_slot(tenant, "fresh", LIMIT, until + TimeDelta::seconds(1))
            .await
            .unwrap(),
        SlotRequest::Taken(_)
    ));
}

async fn concurrent_takers_never_exceed_the_limit(store: TestStore) {
    let tenant = store.create_tenant("A").await.unwrap();
    let store = Arc::new(store.store().clone());
    let now = Utc::now();
    let limit = BudgetLimit {
        max_requests: 5,
        window: TimeDelta::seconds(60),
    };
    let takers: Vec<_> = (0..12)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .take_request_slot(tenant, "acct", limit, now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut taken = 0;
    for taker in takers {
        if matches!(taker.await.unwrap(), SlotRequest::Taken(_)) {
            taken += 1;
        }
    }
    assert_eq!(taken, 5);
}

psa_store::backend_tests!(
    a_budget_hands_out_slots_within_its_window,
    concurrent_takers_never_exceed_the_limit,
);
