use psa_ingest::ports::{CatalogStore as _, StoreError};
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

psa_store::backend_tests!(demo_seed_lists_back, clients_are_created_and_listed_by_name);
