//! Opening stores from URLs.

use psa_store::test_util::postgres_admin_url;
use psa_store::{Backend, OpenError, OpenOptions, PsaStore};
use std::time::Duration;

#[tokio::test]
async fn unknown_scheme_and_bad_url_are_typed_errors() {
    let err = PsaStore::open("mysql://root@localhost/db")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OpenError::UnknownScheme { scheme } if scheme == "mysql"),
        "{err}"
    );
    assert!(err.to_string().contains("postgres://"), "{err}");
    let err = PsaStore::open("no-scheme-here").await.unwrap_err();
    assert!(matches!(err, OpenError::InvalidUrl { .. }), "{err}");
    assert_eq!(
        Backend::from_url("postgresql://h/db").unwrap(),
        Backend::Postgres
    );
    assert_eq!(
        Backend::from_url("sqlite::memory:").unwrap(),
        Backend::Sqlite
    );
}

#[tokio::test]
async fn unreachable_server_is_reported_without_the_password() {
    let options = OpenOptions::new().connect_timeout(Duration::from_millis(500));
    let err = PsaStore::open_with("postgres://user:hunter2@127.0.0.1:1/db", options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::Unreachable {
                backend: Backend::Postgres,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        !err.to_string().contains("hunter2") && !format!("{err:?}").contains("hunter2"),
        "{err:?}"
    );
}

#[tokio::test]
async fn sqlite_file_is_created_in_wal_mode_with_foreign_keys() {
    let dir =
        std::env::temp_dir().join(format!("psa-store-open-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("new.db");
    let store = PsaStore::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert!(path.exists());
    assert_eq!(store.backend(), Backend::Sqlite);
    let pool = store.sqlite_pool().unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'assets'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(tables, 1, "migrated");
    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn migrations_can_be_skipped_and_run_later() {
    let store = PsaStore::open_with("sqlite::memory:", OpenOptions::new().run_migrations(false))
        .await
        .unwrap();
    let pool = store.sqlite_pool().unwrap();
    let count =
        || sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master WHERE name = 'assets'");
    assert_eq!(count().fetch_one(pool).await.unwrap(), 0);
    store.migrate().await.unwrap();
    assert_eq!(count().fetch_one(pool).await.unwrap(), 1);
    let tenant = store.create_tenant("in memory").await.unwrap();
    assert_ne!(tenant.0, uuid::Uuid::nil());
}

#[tokio::test]
async fn postgres_url_opens_and_migrations_are_idempotent() {
    let store = psa_store::test_util::fresh_postgres().await;
    // A second open of the same database finds nothing to apply.
    let again = PsaStore::open(store.url()).await.unwrap();
    assert_eq!(again.backend(), Backend::Postgres);
    again.close().await;
    assert!(postgres_admin_url().starts_with("postgres"));
}
