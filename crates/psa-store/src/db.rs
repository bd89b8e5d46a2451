//! What every store call works with: a backend's pool, the fence of a
//! job's store, and the secret keys. The port implementations in
//! `queries/` are written once against [`Db`] and compiled for each pool.

use crate::SecretKey;
use crate::backend::Backend;
use psa_ingest::ports::{Fence, StoreError, StoreResult};
use std::sync::Arc;
use uuid::Uuid;

/// A pool with the fence and the keys of one store.
#[derive(Clone)]
pub(crate) struct Db<P> {
    /// The backend's connection pool.
    pub(crate) pool: P,
    /// Set on a job's view of the store: every write checks it in its own
    /// transaction.
    pub(crate) fence: Option<Arc<Fence>>,
    /// The keys secrets are sealed and opened with.
    pub(crate) keys: Keys,
}

/// The store of the backend in use.
#[derive(Clone)]
pub(crate) enum Pools {
    #[cfg(feature = "postgres")]
    Postgres(Db<sqlx::PgPool>),
    #[cfg(feature = "sqlite")]
    Sqlite(Db<sqlx::SqlitePool>),
}

impl Pools {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub(crate) fn keys_mut(&mut self) -> &mut Keys {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(db) => &mut db.keys,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(db) => &mut db.keys,
        }
    }

    pub(crate) fn keys(&self) -> &Keys {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(db) => &db.keys,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(db) => &db.keys,
        }
    }

    /// The same store, with every write fenced by `fence`.
    pub(crate) fn fenced(&self, fence: Fence) -> Self {
        let fence = Some(Arc::new(fence));
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(db) => Self::Postgres(Db {
                fence,
                ..db.clone()
            }),
            #[cfg(feature = "sqlite")]
            Self::Sqlite(db) => Self::Sqlite(Db {
                fence,
                ..db.clone()
            }),
        }
    }

    pub(crate) fn fence(&self) -> Option<&Fence> {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(db) => db.fence.as_deref(),
            #[cfg(feature = "sqlite")]
            Self::Sqlite(db) => db.fence.as_deref(),
        }
    }
}

/// The key new secrets are sealed with, and the keys of a rotation still
/// under way (read, never written with).
#[derive(Clone, Default)]
pub(crate) struct Keys {
    pub(crate) current: Option<SecretKey>,
    pub(crate) previous: Vec<SecretKey>,
}

impl Keys {
    /// The key to seal with.
    pub(crate) fn current(&self) -> StoreResult<&SecretKey> {
        self.current.as_ref().ok_or_else(|| StoreError::Secret {
            message: "no secret key configured: open the store with OpenOptions::secret_key \
                      (e.g. SecretKey::from_env(), which reads PSA_SECRET_KEY)"
                .into(),
        })
    }

    /// The keys a secret may be sealed with: the current one first.
    pub(crate) fn readers(&self) -> StoreResult<Vec<&SecretKey>> {
        let mut keys = vec![self.current()?];
        keys.extend(self.previous.iter());
        Ok(keys)
    }
}

/// Anything stored as a uuid: the typed ids and plain uuids.
pub(crate) trait AnyId: Copy {
    /// The uuid.
    fn uuid(&self) -> Uuid;
}

impl AnyId for Uuid {
    fn uuid(&self) -> Uuid {
        *self
    }
}

macro_rules! any_id {
    ($($name:ident),+) => {$(
        impl AnyId for psa_ingest::$name {
            fn uuid(&self) -> Uuid {
                self.0
            }
        }
    )+};
}

any_id!(
    TenantId,
    IntegrationId,
    ClientId,
    AssetId,
    TicketId,
    BoardId,
    StatusId,
    PriorityId,
    CategoryId,
    AlertId,
    SyncRunId
);

/// Runs `$body` with `$db` bound to the store of the backend in use: the
/// same code, compiled once per backend.
macro_rules! on_db {
    ($pools:expr, $db:ident => $body:expr) => {
        match $pools {
            #[cfg(feature = "postgres")]
            $crate::db::Pools::Postgres($db) => $body,
            #[cfg(feature = "sqlite")]
            $crate::db::Pools::Sqlite($db) => $body,
        }
    };
}
pub(crate) use on_db;
