use psa_ingest::ports::{CatalogStore as _, NewStatus, StoreError, TicketStore as _};
use psa_store::test_util::TestStore;

async fn demo_seed_lists_back(store: TestStore) {
    let demo = store.seed_demo_tenant("Demo MSP").await.unwrap();
    let tenant = demo.tenant;

    let clients = store.list_clients(tenant).await.unwrap();
    assert_eq!(
        clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Acme Corp", "Globex", "Initech"]
    );
    assert_eq!(clients[0].id, demo.clients.acme);
    assert!(clients.iter().all(|c| !c.is_inactive));

    let boards = store.list_boards(tenant).await.unwrap();
    assert_eq!(
        boards
            .iter()
            .map(|b| (b.name.as_str(), b.is_default))
            .collect::<Vec<_>>(),
        [("Default", true), ("Triage", false)]
    );

    let statuses = store.list_statuses(tenant).await.unwrap();
    assert_eq!(statuses.len(), 6);
    for board in [demo.default_board, demo.triage_board] {
        let of_board: Vec<_> = statuses.iter().filter(|s| s.board_id == board.id).collect();
        let names: Vec<_> = of_board
            .iter()
            .map(|s| (s.name.as_str(), s.is_default, s.is_closed))
            .collect();
        assert_eq!(
            names,
            [
                ("New", true, false),
                ("In Progress", false, false),
                ("Closed", false, true)
            ]
        );
        assert_eq!(
            of_board.iter().map(|s| s.id).collect::<Vec<_>>(),
            [board.new, board.in_progress, board.closed]
        );
    }

    let priorities = store.list_priorities(tenant).await.unwrap();
    assert_eq!(
        priorities
            .iter()
            .map(|p| (p.name.as_str(), p.order_number))
            .collect::<Vec<_>>(),
        [("Critical", 1), ("High", 2), ("Medium", 3), ("Low", 4)]
    );
    assert_eq!(priorities[0].id, demo.priorities.critical);

    let categories = store.list_categories(tenant).await.unwrap();
    let incident = categories.iter().find(|c| c.name == "Incident").unwrap();
    assert_eq!(incident.id, demo.categories.incident);
    assert_eq!(incident.parent, Some(demo.categories.security));
}

async fn clients_are_created_and_listed_by_name(store: TestStore) {
    let tenant = store.create_tenant("Plain").await.unwrap();
    assert!(store.list_clients(tenant).await.unwrap().is_empty());
    assert!(store.list_boards(tenant).await.unwrap().is_empty());
    let zulu = store.create_client(tenant, "zulu Ltd").await.unwrap();
    let alpha = store.create_client(tenant, "Alpha Inc").await.unwrap();
    assert_eq!(store.list_clients(tenant).await.unwrap(), [alpha, zulu]);

    let empty = store.create_client(tenant, "  ").await.unwrap_err();
    assert!(matches!(empty, StoreError::InvalidInput { .. }), "{empty}");
}

/// A real tenant, set up without the demo seed, can route tickets.
async fn a_tenant_sets_up_its_own_catalog(store: TestStore) {
    let tenant = store.create_tenant("Real MSP").await.unwrap();
    let board = store.create_board(tenant, "Security", true).await.unwrap();
    assert!(board.is_default);
    let open = store
        .create_status(
            tenant,
            board.id,
            NewStatus::open("Open", 1).default_for_new(),
        )
        .await
        .unwrap();
    let done = store
        .create_status(tenant, board.id, NewStatus::closed("Done", 2))
        .await
        .unwrap();
    let urgent = store.create_priority(tenant, "Urgent", 1).await.unwrap();
    let security = store
        .create_category(tenant, "Security", None, Some(board.id))
        .await
        .unwrap();
    let incident = store
        .create_category(tenant, "Incident", Some(security.id), Some(board.id))
        .await
        .unwrap();
    let client = store.create_client(tenant, "Client A").await.unwrap();

    assert_eq!(
        store.list_boards(tenant).await.unwrap(),
        std::slice::from_ref(&board)
    );
    assert_eq!(
        store.list_statuses(tenant).await.unwrap(),
        [open.clone(), done]
    );
    assert_eq!(
        store.list_priorities(tenant).await.unwrap(),
        std::slice::from_ref(&urgent)
    );
    assert_eq!(incident.parent, Some(security.id));
    assert_eq!(store.list_categories(tenant).await.unwrap().len(), 2);

    // The board's default status is what a new ticket gets.
    let demo_like = psa_ingest::ports::NewTicket {
        client_id: client.id,
        board_id: board.id,
        priority_id: Some(urgent.id),
        category_id: Some(security.id),
        subcategory_id: Some(incident.id),
        ..new_ticket_template()
    };
    let ticket = store.create_ticket(tenant, demo_like, &[]).await.unwrap();
    assert_eq!(ticket.status_id, open.id);

    // A second default board, a blank name or another tenant's board is refused.
    let second = store.create_board(tenant, "Other", true).await.unwrap_err();
    assert!(matches!(second, StoreError::Conflict { .. }), "{second}");
    let blank = store.create_priority(tenant, " ", 2).await.unwrap_err();
    assert!(matches!(blank, StoreError::InvalidInput { .. }), "{blank}");
    let elsewhere = store.create_tenant("Elsewhere").await.unwrap();
    let foreign = store
        .create_status(elsewhere, board.id, NewStatus::open("Open", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(foreign, StoreError::MissingReference { .. }),
        "{foreign}"
    );
}

fn new_ticket_template() -> psa_ingest::ports::NewTicket {
    psa_ingest::ports::NewTicket {
        title: "Routed".into(),
        description: "Body".into(),
        client_id: psa_ingest::ClientId::new(),
        board_id: psa_ingest::BoardId::new(),
        status_id: None,
        priority_id: None,
        category_id: None,
        subcategory_id: None,
        source: None,
        source_reference: None,
        attributes: serde_json::json!({}),
    }
}

/// Tenants are listed and found by their exact name.
async fn tenants_are_listed_and_found_by_name(store: TestStore) {
    let before = store.list_tenants().await.unwrap().len();
    let a = store.create_tenant("Tenant A").await.unwrap();
    let b = store.create_tenant("Tenant B").await.unwrap();
    let tenants = store.list_tenants().await.unwrap();
    assert_eq!(tenants.len(), before + 2);
    assert!(tenants.iter().any(|t| t.id == a && t.name == "Tenant A"));
    assert_eq!(
        store.find_tenant("Tenant B").await.unwrap().map(|t| t.id),
        Some(b)
    );
    assert_eq!(store.find_tenant("tenant b").await.unwrap(), None);
}

psa_store::backend_tests!(
    demo_seed_lists_back,
    clients_are_created_and_listed_by_name,
    a_tenant_sets_up_its_own_catalog,
    tenants_are_listed_and_found_by_name,
);
