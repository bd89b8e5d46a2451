//! Test support (feature `test-util`): a fresh, migrated store per test on
//! each backend, so any crate's tests can run against real databases.
//!
//! - PostgreSQL: connects to `DATABASE_URL` (default
//!   `postgres://postgres@127.0.0.1:5432/postgres`), creates a database with
//!   a unique name (copied from a migrated template database kept on the
//!   server, `psa_test_tpl_<schema hash>`) and drops it (best effort) when
//!   the [`TestStore`] drops. Databases a killed test process left behind
//!   are dropped by a later test once they are an hour old.
//! - SQLite: a temporary file (WAL mode, like production use), removed on drop.
//!
//! Every store gets a freshly generated [`SecretKey`].
//!
//! ```no_run
//! use psa_ingest::ports::CatalogStore;
//! use psa_store::test_util::TestStore;
//!
//! // Defined once, run on both backends as `lists_clients::postgres` and
//! // `lists_clients::sqlite`.
//! async fn lists_clients(store: TestStore) {
//!     let demo = store.seed_demo_tenant("Demo").await.unwrap();
//!     assert_eq!(store.list_clients(demo.tenant).await.unwrap().len(), 3);
//! }
//!
//! psa_store::backend_tests!(lists_clients);
//! # fn main() {}
//! ```

use crate::{Backend, OpenOptions, PsaStore, SecretKey};
use sqlx::Connection as _;
use std::ops::Deref;
use std::path::PathBuf;

/// Environment variable naming the PostgreSQL server for tests.
pub const DATABASE_URL_ENV: &str = "DATABASE_URL";
/// The server used when `DATABASE_URL` is unset.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Both backends, for tests that loop over them.
pub const BACKENDS: [Backend; 2] = [Backend::Postgres, Backend::Sqlite];

/// A store on a database of its own, removed when this value drops.
/// Dereferences to [`PsaStore`].
#[derive(Debug)]
pub struct TestStore {
    store: PsaStore,
    key: SecretKey,
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    DropDatabase { admin_url: String, name: String },
    RemoveFile(PathBuf),
}

impl Deref for TestStore {
    type Target = PsaStore;
    fn deref(&self) -> &PsaStore {
        &self.store
    }
}

impl TestStore {
    /// The store.
    pub fn store(&self) -> &PsaStore {
        &self.store
    }

    /// The secret key the store was opened with.
    pub fn secret_key(&self) -> &SecretKey {
        &self.key
    }

    /// The URL of this store's database, to open a second handle on it (for
    /// example with other options). Contains whatever `DATABASE_URL` holds.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        self.cleanup.run();
    }
}

impl Cleanup {
    /// Best effort: a leftover only costs disk space.
    fn run(&self) {
        match self {
            Self::RemoveFile(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Self::DropDatabase { admin_url, name } => {
                // Drop may run inside or outside a runtime: use a thread with
                // its own. FORCE ends the store's remaining connections.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut conn)
                            .await
                            .ok()?;
                        conn.close().await.ok()
                    })
                });
                let _ = dropped.join();
            }
        }
    }
}

/// The PostgreSQL server tests use: `DATABASE_URL` or the default.
pub fn postgres_admin_url() -> String {
    std::env::var(DATABASE_URL_ENV).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// The same server URL with another database name (query string kept).
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// A fresh, migrated store on `backend`. Panics with a clear message when
/// the database cannot be set up (a test cannot go on without it).
pub async fn fresh_store(backend: Backend) -> TestStore {
    match backend {
        Backend::Postgres => fresh_postgres().await,
        Backend::Sqlite => fresh_sqlite().await,
    }
}

/// A fresh PostgreSQL database with the schema applied. It is copied from a
/// migrated template database (`psa_test_tpl_<schema hash>`, made once per
/// schema version) because running the migrations costs more than the copy.
pub async fn fresh_postgres() -> TestStore {
    let admin_url = postgres_admin_url();
    let name = format!("psa_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|err| {
        panic!("cannot reach PostgreSQL for tests (set {DATABASE_URL_ENV}; default {DEFAULT_POSTGRES_URL}): {err}")
    });
    let template = ensure_template(&mut admin, &admin_url).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
    )))
    .execute(&mut admin)
    .await
    .unwrap_or_else(|err| panic!("cannot create test database {name}: {err}"));
    let _ = admin.close().await;

    let cleanup = Cleanup::DropDatabase {
        admin_url: admin_url.clone(),
        name: name.clone(),
    };
    let url = with_database(&admin_url, &name);
    open_test_store(url, cleanup).await
}

/// Any number; identifies the template lock among advisory locks.
const TEMPLATE_LOCK: i64 = 0x7073_615f_7470_6c00;

/// The name of the migrated template for the current migrations, creating
/// it (and dropping templates of older schemas) when missing. Serialized
/// across test processes by an advisory lock.
async fn ensure_template(admin: &mut sqlx::PgConnection, admin_url: &str) -> String {
    // FNV-1a over the migrations' versions and checksums: stable across builds.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in crate::postgres::dialect::MIGRATOR.iter() {
        for byte in migration
            .version
            .to_le_bytes()
            .iter()
            .chain(migration.checksum.iter())
        {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let template = format!("psa_test_tpl_{hash:016x}");
    let fail = |what: &str, err: &dyn std::fmt::Display| -> ! {
        panic!("test template {template}: {what}: {err}")
    };

    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut *admin)
        .await
        .unwrap_or_else(|e| fail("lock", &e));
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&template)
            .fetch_one(&mut *admin)
            .await
            .unwrap_or_else(|e| fail("look up", &e));
    if !exists {
        // Built under another name and renamed once migrated, so a failed
        // build never leaves a broken template behind.
        let building = format!("{template}_building");
        for sql in [
            format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"),
            format!("CREATE DATABASE \"{building}\""),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *admin)
                .await
                .unwrap_or_else(|e| fail("create", &e));
        }
        let store = PsaStore::open_with(
            &with_database(admin_url, &building),
            OpenOptions::new().max_connections(1),
        )
        .await
        .unwrap_or_else(|e| fail("migrate", &e));
        store.close().await;
        let old: Vec<String> =
            sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'psa\\_test\\_tpl\\_%' AND datname <> $1 AND datname <> $2")
                .bind(&template)
                .bind(&building)
                .fetch_all(&mut *admin)
                .await
                .unwrap_or_else(|e| fail("list old templates", &e));
        let mut statements: Vec<String> = old
            .iter()
            .map(|db| format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .collect();
        statements.push(format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{template}\""
        ));
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *admin)
                .await
                .unwrap_or_else(|e| fail("install", &e));
        }
    }
    drop_abandoned_databases(admin).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut *admin)
        .await
        .unwrap_or_else(|e| fail("unlock", &e));
    template
}

/// A fresh SQLite file with the schema applied.
pub async fn fresh_sqlite() -> TestStore {
    let path = std::env::temp_dir().join(format!(
        "psa-store-test-{}.db",
        uuid::Uuid::now_v7().simple()
    ));
    let url = format!("sqlite://{}", path.display());
    open_test_store(url, Cleanup::RemoveFile(path)).await
}

async fn open_test_store(url: String, cleanup: Cleanup) -> TestStore {
    let key = SecretKey::generate();
    let options = OpenOptions::new()
        .max_connections(8)
        .secret_key(key.clone());
    match PsaStore::open_with(&url, options).await {
        Ok(store) => TestStore {
            store,
            key,
            url,
            cleanup,
        },
        Err(err) => {
            cleanup.run();
            panic!("cannot open test store: {err}")
        }
    }
}

/// How old an unused test database must be to count as abandoned.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Drops test databases that a killed test process left behind: unused, and
/// created (per the UUID v7 in their name) over an hour ago. Best effort.
async fn drop_abandoned_databases(admin: &mut sqlx::PgConnection) {
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT datname::text FROM pg_database d WHERE datname ~ '^psa_test_[0-9a-f]{32}$' \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
    )
    .fetch_all(&mut *admin)
    .await
    else {
        return;
    };
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    for name in names {
        let created_ms = u128::from_str_radix(&name["psa_test_".len().."psa_test_".len() + 12], 16)
            .unwrap_or(u128::MAX);
        if created_ms.saturating_add(ABANDONED_AFTER.as_millis()) < now_ms {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// Runs each named `async fn(TestStore)` on both backends, as the tests
/// `<name>::postgres` and `<name>::sqlite` (multi-threaded tokio runtime).
/// The calling crate needs `tokio` (features `macros`, `rt-multi-thread`).
#[macro_export]
macro_rules! backend_tests {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$test($crate::test_util::fresh_store($crate::Backend::Postgres).await).await;
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$test($crate::test_util::fresh_store($crate::Backend::Sqlite).await).await;
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced_and_query_kept() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}
