//! The schema rules, read from the databases' catalogs.

use psa_store::Backend;
use psa_store::test_util::fresh_store;
use sqlx::Row as _;
use std::collections::BTreeMap;

/// sqlx's own bookkeeping table: not tenant data, never distributed.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// Every primary key starts with `tenant`; every unique index and foreign key
/// (both sides) includes it. This is what lets Citus distribute by tenant.
#[tokio::test]
async fn every_key_and_foreign_key_includes_tenant() {
    let store = fresh_store(Backend::Postgres).await;
    let pool = store.postgres_pool().unwrap();

    let primary_keys = sqlx::query(
        "SELECT c.relname::text AS tbl, a.attname::text AS first_column \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0] \
         WHERE i.indisprimary AND n.nspname = 'public' AND c.relname <> $1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(pool)
    .await
    .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> $1 ORDER BY 1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        primary_keys.len(),
        tables.len(),
        "every table has a primary key"
    );
    for row in &primary_keys {
        let (table, first): (String, String) = (row.get("tbl"), row.get("first_column"));
        assert_eq!(
            first, "tenant",
            "primary key of {table} must start with tenant"
        );
    }

    let unique_without_tenant: Vec<String> = sqlx::query_scalar(
        "SELECT ic.relname::text FROM pg_index i \
         JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE i.indisunique AND n.nspname = 'public' AND c.relname <> $1 \
           AND NOT EXISTS (SELECT 1 FROM pg_attribute a \
                           WHERE a.attrelid = c.oid AND a.attname = 'tenant' AND a.attnum = ANY(i.indkey))",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        unique_without_tenant.is_empty(),
        "unique indexes without tenant: {unique_without_tenant:?}"
    );

    let foreign_keys_without_tenant: Vec<String> = sqlx::query_scalar(
        "SELECT con.conname::text FROM pg_constraint con \
         JOIN pg_namespace n ON n.oid = con.connamespace \
         WHERE con.contype = 'f' AND n.nspname = 'public' \
           AND (NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.conrelid \
                              AND a.attname = 'tenant' AND a.attnum = ANY(con.conkey)) \
             OR NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = con.confrelid \
                              AND a.attname = 'tenant' AND a.attnum = ANY(con.confkey)))",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        foreign_keys_without_tenant.is_empty(),
        "foreign keys without tenant: {foreign_keys_without_tenant:?}"
    );
    let foreign_keys: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_constraint WHERE contype = 'f'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(
        foreign_keys > 20,
        "the check saw the foreign keys ({foreign_keys})"
    );
}

/// The two migration folders describe the same tables and columns.
#[tokio::test]
async fn postgres_and_sqlite_schemas_are_in_step() {
    let pg = fresh_store(Backend::Postgres).await;
    let sqlite = fresh_store(Backend::Sqlite).await;

    let pg_columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> $1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(pg.postgres_pool().unwrap())
    .await
    .unwrap();
    let sqlite_columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name <> ?1 AND m.name NOT LIKE 'sqlite_%'",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(sqlite.sqlite_pool().unwrap())
    .await
    .unwrap();
    let by_table = |columns: Vec<(String, String)>| {
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (table, column) in columns {
            tables.entry(table).or_default().push(column);
        }
        tables.values_mut().for_each(|c| c.sort());
        tables
    };
    let (pg_tables, sqlite_tables) = (by_table(pg_columns), by_table(sqlite_columns));
    assert_eq!(pg_tables, sqlite_tables);
    for table in [
        "tenants",
        "clients",
        "boards",
        "statuses",
        "priorities",
        "categories",
        "tickets",
        "comments",
        "asset_associations",
        "assets",
        "workstation_assets",
        "server_assets",
        "rmm_integrations",
        "rmm_organization_mappings",
        "rmm_alerts",
        "tenant_external_entity_mappings",
        "secrets",
        "sync_runs",
        "ticket_number_counters",
    ] {
        assert!(pg_tables.contains_key(table), "missing table {table}");
    }
}
