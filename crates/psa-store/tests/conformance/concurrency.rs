//! Races: ticket numbers, settings compare-and-set, one ticket per alert.

use crate::alerts::alert;
use crate::support::{integration, new_ticket};
use psa_ingest::ports::{AlertStore as _, IntegrationStore as _, StoreError, TicketStore as _};
use psa_store::test_util::TestStore;
use serde_json::json;

async fn concurrent_creates_get_distinct_consecutive_numbers(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (store, demo) = (store.store().clone(), demo.clone());
            tokio::spawn(async move {
                store
                    .create_ticket(demo.tenant, new_ticket(&demo, &format!("t{i}")), &[])
                    .await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().unwrap().ticket_number);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<i64>>());
}

async fn racing_cursor_writers_have_exactly_one_winner(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let int = integration(&store, tenant, "huntress").await;
    for round in 0..5_i64 {
        let writers: Vec<_> = (0..2)
            .map(|writer| {
                let store = store.store().clone();
                tokio::spawn(async move {
                    store
                        .update_settings(
                            tenant,
                            int.id,
                            round,
                            json!({ "cursor": format!("{round}-{writer}") }),
                        )
                        .await
                })
            })
            .collect();
        let mut results = Vec::new();
        for writer in writers {
            results.push(writer.await.unwrap());
        }
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
            .count();
        assert_eq!((wins, conflicts), (1, 1), "round {round}: {results:?}");
        let stored = store
            .get_integration(tenant, int.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.settings_version, round + 1);
    }
}

async fn racing_alert_ticket_creators_make_one_ticket(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let int = integration(&store, demo.tenant, "huntress").await;
    let stored = store
        .upsert_alert(demo.tenant, int.id, alert("inc-1"))
        .await
        .unwrap()
        .alert;
    let mut ticket = new_ticket(&demo, "Incident");
    ticket.source = Some("huntress".into());
    ticket.source_reference = Some("inc-1".into());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, ticket) = (store.store().clone(), ticket.clone());
            tokio::spawn(async move {
                store
                    .create_alert_ticket(demo.tenant, stored.id, ticket, &[])
                    .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap().unwrap());
    }
    assert_eq!(
        results.iter().filter(|r| r.created).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().all(|r| r.ticket_id == results[0].ticket_id));
    let tickets = store.list_tickets(demo.tenant).await.unwrap();
    assert_eq!(
        tickets.iter().map(|t| t.ticket_number).collect::<Vec<_>>(),
        [1]
    );
}

psa_store::backend_tests!(
    concurrent_creates_get_distinct_consecutive_numbers,
    racing_cursor_writers_have_exactly_one_winner,
    racing_alert_ticket_creators_make_one_ticket,
);
