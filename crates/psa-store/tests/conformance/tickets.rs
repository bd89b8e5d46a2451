use crate::support::{at, device, integration, new_ticket, note, write};
use psa_ingest::ports::{AssetBatch, AssetStore as _, StoreError, TicketStore as _};
use psa_ingest::{AssetId, BoardId, ClientId, StatusId, TicketId};
use psa_store::test_util::TestStore;
use serde_json::json;

async fn tickets_get_consecutive_numbers_and_default_status(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;
    let mut first = new_ticket(&demo, "First");
    first.attributes = json!({ "origin": "test" });
    let first = store
        .create_ticket(tenant, first, &[note("one"), note("two")])
        .await
        .unwrap();
    let second = store
        .create_ticket(tenant, new_ticket(&demo, "Second"), &[])
        .await
        .unwrap();
    assert_eq!((first.ticket_number, second.ticket_number), (1, 2));
    assert_eq!(first.status_id, demo.default_board.new);
    assert_eq!(first.closed_at, None);
    assert_eq!(first.attributes, json!({ "origin": "test" }));
    assert_eq!(first.priority_id, Some(demo.priorities.high));

    assert_eq!(
        store.get_ticket(tenant, first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.get_ticket(tenant, TicketId::new()).await.unwrap(),
        None
    );
    let listed = store.list_tickets(tenant).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        ["First", "Second"]
    );

    let comments = store.list_comments(tenant, first.id).await.unwrap();
    assert_eq!(
        comments.iter().map(|c| c.note.as_str()).collect::<Vec<_>>(),
        ["one", "two"]
    );
    assert!(
        comments
            .iter()
            .all(|c| c.is_internal && c.is_system_generated && c.ticket_id == first.id)
    );
    store
        .add_comment(tenant, first.id, note("three"))
        .await
        .unwrap();
    assert_eq!(
        store
            .list_comments(tenant, first.id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .note,
        "three"
    );
    let missing = store
        .add_comment(tenant, TicketId::new(), note("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                entity: "ticket",
                ..
            }
        ),
        "{missing}"
    );
}

async fn closed_status_sets_and_reopening_clears_closed_at(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;
    let mut closed_from_start = new_ticket(&demo, "Done");
    closed_from_start.status_id = Some(demo.default_board.closed);
    let done = store
        .create_ticket(tenant, closed_from_start, &[])
        .await
        .unwrap();
    assert_eq!(done.closed_at, Some(done.entered_at));

    let open = store
        .create_ticket(tenant, new_ticket(&demo, "Open"), &[])
        .await
        .unwrap();
    store
        .set_ticket_status(tenant, open.id, demo.default_board.closed)
        .await
        .unwrap();
    let closed = store.get_ticket(tenant, open.id).await.unwrap().unwrap();
    assert!(closed.closed_at.is_some());
    assert_eq!(closed.status_id, demo.default_board.closed);
    store
        .set_ticket_status(tenant, open.id, demo.default_board.in_progress)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_ticket(tenant, open.id)
            .await
            .unwrap()
            .unwrap()
            .closed_at,
        None
    );

    let other_board = store
        .set_ticket_status(tenant, open.id, demo.triage_board.closed)
        .await
        .unwrap_err();
    assert!(
        matches!(other_board, StoreError::InvalidInput { .. }),
        "{other_board}"
    );
    let missing = store
        .set_ticket_status(tenant, TicketId::new(), demo.default_board.closed)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
}

async fn bad_tickets_are_refused_without_using_a_number(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;

    let mut wrong_status = new_ticket(&demo, "x");
    wrong_status.status_id = Some(demo.triage_board.new);
    assert!(matches!(
        store.create_ticket(tenant, wrong_status, &[]).await,
        Err(StoreError::InvalidInput { .. })
    ));
    let mut no_board = new_ticket(&demo, "x");
    no_board.board_id = BoardId::new();
    assert!(matches!(
        store.create_ticket(tenant, no_board, &[]).await,
        Err(StoreError::InvalidInput { .. })
    ));
    let mut unknown_status = new_ticket(&demo, "x");
    unknown_status.status_id = Some(StatusId::new());
    assert!(matches!(
        store.create_ticket(tenant, unknown_status, &[]).await,
        Err(StoreError::InvalidInput { .. })
    ));
    // Fails after the number was taken (foreign key on the client): rolled back.
    let mut no_client = new_ticket(&demo, "x");
    no_client.client_id = ClientId::new();
    let err = store
        .create_ticket(tenant, no_client, &[])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MissingReference { .. }), "{err}");

    let made = store
        .create_ticket(tenant, new_ticket(&demo, "ok"), &[])
        .await
        .unwrap();
    assert_eq!(made.ticket_number, 1, "failed creates leave no gap");
    assert_eq!(store.list_tickets(tenant).await.unwrap().len(), 1);
}

/// A source reference names the external record, not the ticket: two
/// integrations of one provider may report the same id (their alert rows
/// keep one ticket per incident per integration).
async fn a_source_reference_may_repeat(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;
    let mut ticket = new_ticket(&demo, "Incident");
    ticket.source = Some("huntress".into());
    ticket.source_reference = Some("inc-1".into());
    store
        .create_ticket(tenant, ticket.clone(), &[])
        .await
        .unwrap();
    store
        .create_ticket(tenant, ticket.clone(), &[])
        .await
        .unwrap();
    ticket.source = Some("other".into());
    store
        .create_ticket(tenant, ticket.clone(), &[])
        .await
        .unwrap();
    ticket.source_reference = None;
    store
        .create_ticket(tenant, ticket.clone(), &[])
        .await
        .unwrap();
    store.create_ticket(tenant, ticket, &[]).await.unwrap();
    let numbers: Vec<_> = store
        .list_tickets(tenant)
        .await
        .unwrap()
        .iter()
        .map(|t| t.ticket_number)
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
}

async fn assets_are_associated_once(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;
    let int = integration(&store, tenant, "tanium").await;
    let asset = AssetId::new();
    let creates = vec![write(
        asset,
        demo.clients.acme,
        device("tanium", "d1", "g"),
        "h",
    )];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();
    let ticket = store
        .create_ticket(tenant, new_ticket(&demo, "t"), &[])
        .await
        .unwrap();

    store
        .associate_asset(tenant, ticket.id, asset)
        .await
        .unwrap();
    store
        .associate_asset(tenant, ticket.id, asset)
        .await
        .unwrap();
    assert_eq!(
        store.ticket_assets(tenant, ticket.id).await.unwrap(),
        [asset]
    );

    let no_asset = store
        .associate_asset(tenant, ticket.id, AssetId::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            no_asset,
            StoreError::NotFound {
                entity: "asset",
                ..
            }
        ),
        "{no_asset}"
    );
    let no_ticket = store
        .associate_asset(tenant, TicketId::new(), asset)
        .await
        .unwrap_err();
    assert!(
        matches!(
            no_ticket,
            StoreError::NotFound {
                entity: "ticket",
                ..
            }
        ),
        "{no_ticket}"
    );
}

psa_store::backend_tests!(
    tickets_get_consecutive_numbers_and_default_status,
    closed_status_sets_and_reopening_clears_closed_at,
    bad_tickets_are_refused_without_using_a_number,
    a_source_reference_may_repeat,
    assets_are_associated_once,
);
