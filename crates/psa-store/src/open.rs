//! Opening a store from a database URL.

use crate::SecretKey;
use crate::backend::Backend;
use crate::db::{Db, Keys, Pools};
use crate::store::PsaStore;
#[cfg(feature = "postgres")]
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
#[cfg(feature = "sqlite")]
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::str::FromStr as _;
use std::time::Duration;

impl Backend {
    /// The backend a database URL names, from its scheme.
    pub fn from_url(url: &str) -> Result<Self, OpenError> {
        let Some((scheme, _)) = url.split_once(':') else {
            return Err(OpenError::InvalidUrl {
                message:
                    "expected a URL such as postgres://host/db, sqlite://path or sqlite::memory:"
                        .into(),
            });
        };
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Ok(Self::Postgres),
            "sqlite" => Ok(Self::Sqlite),
            _ => Err(OpenError::UnknownScheme {
                scheme: scheme.to_owned(),
            }),
        }
    }
}

/// Why a store could not be opened. Messages never include the URL (it may
/// hold a password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// psa-store was built without this backend's feature.
    #[error("this build has no {backend} backend: enable psa-store's `{}` feature", backend.feature())]
    NotBuilt {
        /// The backend the URL names.
        backend: Backend,
    },
    /// The URL's scheme names no supported database.
    #[error(
        "unsupported database URL scheme {scheme:?}: use postgres://, postgresql://, sqlite://PATH or sqlite::memory:"
    )]
    UnknownScheme {
        /// The scheme found.
        scheme: String,
    },
    /// The URL could not be parsed.
    #[error("invalid database URL: {message}")]
    InvalidUrl {
        /// What was wrong.
        message: String,
    },
    /// The server could not be reached or the file could not be opened.
    #[error("cannot connect to {backend}: {source}")]
    Unreachable {
        /// The backend.
        backend: Backend,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Applying the schema migrations failed.
    #[error("migrating the {backend} schema failed: {source}")]
    Migrate {
        /// The backend.
        backend: Backend,
        /// The migrator's error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
}

/// How to open a store. The defaults suit a service: migrations run, ten
/// connections, ten seconds to connect, no secret key (secret calls then
/// fail with [`StoreError::Secret`](psa_ingest::ports::StoreError::Secret)).
///
/// ```
/// use psa_store::{OpenOptions, SecretKey};
/// use std::time::Duration;
/// let options = OpenOptions::new()
///     .run_migrations(false)
///     .max_connections(4)
///     .connect_timeout(Duration::from_secs(2))
///     .secret_key(SecretKey::generate());
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct OpenOptions {
    run_migrations: bool,
    max_connections: u32,
    connect_timeout: Duration,
    secret_key: Option<SecretKey>,
    previous_keys: Vec<SecretKey>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self {
            run_migrations: true,
            max_connections: 10,
            connect_timeout: Duration::from_secs(10),
            secret_key: None,
            previous_keys: Vec::new(),
        }
    }

    /// Whether to apply pending migrations on open (default true).
    pub fn run_migrations(mut self, run: bool) -> Self {
        self.run_migrations = run;
        self
    }

    /// Pool size (default 10, at least 1).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How long to wait for a connection before giving up (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The key that encrypts secrets at rest.
    pub fn secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// A key secrets may still be sealed with (the one before a rotation):
    /// read, never written with. See [`PsaStore::rotate_secrets`].
    pub fn previous_secret_key(mut self, key: SecretKey) -> Self {
        self.previous_keys.push(key);
        self
    }
}

impl PsaStore {
    /// Opens a store with [`OpenOptions::new`]: see [`PsaStore::open_with`].
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        Self::open_with(url, OpenOptions::new()).await
    }

    /// Opens a store on the database the URL names and, unless told not to,
    /// applies pending migrations.
    ///
    /// - `postgres://…` / `postgresql://…`: a PostgreSQL pool.
    /// - `sqlite://path` (or `sqlite:path`): a SQLite file, created if
    ///   missing, in WAL mode with foreign keys on.
    /// - `sqlite::memory:`: a private in-memory database that lives as long
    ///   as the store (one shared-cache database across the pool's
    ///   connections; a reader holding a table blocks writers to it, so
    ///   prefer a file for concurrent use).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), psa_store::OpenError> {
    /// use psa_store::{OpenOptions, PsaStore, SecretKey};
    /// let path = "data/psa.db";
    /// let key = SecretKey::load_or_create_file(SecretKey::key_file_beside(path)).expect("key file");
    /// let store = PsaStore::open_with(&format!("sqlite://{path}"), OpenOptions::new().secret_key(key)).await?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub async fn open_with(url: &str, options: OpenOptions) -> Result<Self, OpenError> {
        let backend = Backend::from_url(url)?;
        let keys = Keys {
            current: options.secret_key.clone(),
            previous: options.previous_keys.clone(),
        };
        let pools = match backend {
            #[cfg(feature = "postgres")]
            Backend::Postgres => Pools::Postgres(Db {
                pool: connect_postgres(url, &options).await?,
                fence: None,
                keys,
            }),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => Pools::Sqlite(Db {
                pool: connect_sqlite(url, &options).await?,
                fence: None,
                keys,
            }),
            #[allow(unreachable_patterns)]
            backend => return Err(OpenError::NotBuilt { backend }),
        };
        let store = Self::from_pools(pools);
        if options.run_migrations {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies pending migrations of this store's backend.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        let result = match self.pools() {
            #[cfg(feature = "postgres")]
            Pools::Postgres(db) => crate::postgres::dialect::MIGRATOR.run(&db.pool).await,
            #[cfg(feature = "sqlite")]
            Pools::Sqlite(db) => crate::sqlite::dialect::MIGRATOR.run(&db.pool).await,
        };
        result.map_err(|source| OpenError::Migrate {
            backend: self.backend(),
            source,
        })
    }
}

fn invalid_url(err: &sqlx::Error) -> OpenError {
    OpenError::InvalidUrl {
        message: err.to_string(),
    }
}

#[cfg(feature = "postgres")]
async fn connect_postgres(url: &str, options: &OpenOptions) -> Result<sqlx::PgPool, OpenError> {
    let connect = PgConnectOptions::from_str(url).map_err(|e| invalid_url(&e))?;
    PgPoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.connect_timeout)
        .connect_with(connect)
        .await
        .map_err(|source| OpenError::Unreachable {
            backend: Backend::Postgres,
            source,
        })
}

#[cfg(feature = "sqlite")]
async fn connect_sqlite(url: &str, options: &OpenOptions) -> Result<sqlx::SqlitePool, OpenError> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut connect = SqliteConnectOptions::from_str(url)
        .map_err(|e| invalid_url(&e))?
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(options.connect_timeout);
    if !in_memory {
        connect = connect.journal_mode(SqliteJournalMode::Wal);
    }
    let mut pool = SqlitePoolOptions::new()
        .max_connections(options.max_connections)
        .acquire_timeout(options.connect_timeout);
    if in_memory {
        // The database lives only while a connection is open: keep one.
        pool = pool
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    pool.connect_with(connect)
        .await
        .map_err(|source| OpenError::Unreachable {
            backend: Backend::Sqlite,
            source,
        })
}
