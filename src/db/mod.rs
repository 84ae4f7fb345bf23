//! Storage: one diesel `MultiConnection` over SQLite and PostgreSQL, the backend chosen from the
//! URL scheme (never by trial), an r2d2 pool, and `Db::run` to keep blocking calls off the
//! async workers.

pub mod backend;
pub mod copy;
pub mod schema;

use std::time::Duration;

use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::Connection;

use crate::error::AppError;

pub use backend::Backend;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

/// The backend type of `DbConn`, for boxed expressions.
pub type DbBackend = <DbConn as Connection>::Backend;

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// Path of the SQLite file (`sqlite://data/liaison.db` → `data/liaison.db`).
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("DATABASE_URL 'sqlite://' needs a file path, e.g. sqlite://data/liaison.db".into());
            }
            Ok(Self::Sqlite(path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_string()))
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite:// (embedded) or postgres:// (PostgreSQL); got '{}'",
                redact(url)
            ))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password hidden, for logs and messages.
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("sqlite://{p}"),
            Self::Postgres(u) => redact(u),
        }
    }
}

/// Hides the password of `scheme://user:password@host/...`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

pub struct DbManager {
    url: DatabaseUrl,
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        let r = match &self.url {
            DatabaseUrl::Sqlite(path) => diesel::SqliteConnection::establish(path).map(DbConn::Sqlite),
            DatabaseUrl::Postgres(url) => diesel::PgConnection::establish(url).map(DbConn::Pg),
        };
        r.map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

/// Per-connection SQLite settings: foreign keys are off by default in SQLite, and a busy
/// timeout makes concurrent writers queue instead of failing at once.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        use diesel::connection::SimpleConnection;
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute("PRAGMA busy_timeout = 15000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

pub type DbPool = Pool<DbManager>;
pub type PooledConn = PooledConnection<DbManager>;

/// The shared handle to the database.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    url: DatabaseUrl,
}

impl Db {
    /// Connects (failing fast with the real cause when the database is unreachable).
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Self> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| anyhow::anyhow!("cannot create database folder {}: {e}", dir.display()))?;
                }
            }
        }
        // Establish one connection directly first: r2d2 would hide the cause behind a timeout.
        DbManager { url: url.clone() }
            .connect()
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", url.display()))?;
        let pool = Self::builder(pool_size).build(DbManager { url: url.clone() })?;
        Ok(Self { pool, url: url.clone() })
    }

    /// A pool that does not connect until first used (health checks against a dead database).
    pub fn connect_lazily(url: &DatabaseUrl, pool_size: u32) -> Self {
        let pool = Self::builder(pool_size).build_unchecked(DbManager { url: url.clone() });
        Self { pool, url: url.clone() }
    }

    fn builder(pool_size: u32) -> diesel::r2d2::Builder<DbManager> {
        Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            // No ping per checkout (a round trip per query on PostgreSQL); a connection that
            // failed is dropped through `has_broken` instead.
            .test_on_check_out(false)
            .connection_customizer(Box::new(SqlitePragmas))
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// A connection of its own, outside the pool, with the same settings (for the mail worker,
    /// which must record each send at once instead of queueing behind the requests).
    pub fn dedicated(&self) -> Result<DbConn, AppError> {
        let mut conn = DbManager { url: self.url.clone() }
            .connect()
            .map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
        SqlitePragmas.on_acquire(&mut conn).map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
        Ok(conn)
    }

    /// Runs blocking database work on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| AppError::Unavailable(format!("database: {e}")))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| AppError::internal(format!("database task failed: {e}")))?
    }

    /// Like `run`, with a short wait for a connection: used by /healthz.
    pub async fn ping(&self, timeout: Duration) -> Result<(), String> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get_timeout(timeout).map_err(|e| e.to_string())?;
            conn.ping().map(|_| ()).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// Gets a connection synchronously (CLI commands and migrations).
    pub fn get(&self) -> Result<PooledConn, AppError> {
        self.pool.get().map_err(|e| AppError::Unavailable(format!("database: {e}")))
    }

    /// Applies the embedded migrations of this backend.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.get().map_err(|e| anyhow::anyhow!("{e}"))?;
        backend::run_migrations(&mut conn)
    }
}

/// A transaction that will write: on SQLite it takes the write lock first (see
/// `backend::claim_writer`), so concurrent writers queue instead of failing.
pub fn write_transaction<T, E, F>(c: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    #[allow(clippy::disallowed_methods)] // the one place that opens a transaction
    c.transaction(|c| {
        backend::claim_writer(c)?;
        f(c)
    })
}

diesel::define_sql_function! {
    /// SQL `LOWER`, the same on both backends: for case-insensitive search.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Current UTC time truncated to microseconds, the precision both backends store.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    let t = chrono::Utc::now().naive_utc();
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// .cargo/config.toml builds SQLite with the query-planner stability guarantee, without
    /// which every statement with a bound LIMIT is planned again on every execution.
    #[test]
    fn sqlite_is_built_with_a_stable_query_planner() {
        use diesel::sql_types::Integer;
        use diesel::{Connection, QueryableByName, RunQueryDsl};
        #[derive(QueryableByName)]
        struct Used {
            #[diesel(sql_type = Integer)]
            used: i32,
        }
        let mut c = diesel::SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        let row: Used = diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
            .get_result(&mut c)
            .expect("compile option query");
        assert_eq!(row.used, 1, "SQLite was built without SQLITE_ENABLE_QPSG (see .cargo/config.toml)");
    }

    #[test]
    fn url_scheme_picks_backend_and_refuses_others() {
        assert_eq!(DatabaseUrl::parse("sqlite://data/x.db"), Ok(DatabaseUrl::Sqlite("data/x.db".into())));
        assert_eq!(DatabaseUrl::parse("sqlite:///tmp/x.db"), Ok(DatabaseUrl::Sqlite("/tmp/x.db".into())));
        assert_eq!(DatabaseUrl::parse("postgres://u@h/db").map(|u| u.backend()), Ok(Backend::Postgres));
        assert_eq!(DatabaseUrl::parse("postgresql://u@h/db").map(|u| u.backend()), Ok(Backend::Postgres));
        let err = DatabaseUrl::parse("mysql://root:hunter2@h/db").unwrap_err();
        assert!(err.contains("must start with sqlite://"), "{err}");
        assert!(!err.contains("hunter2"), "password leaked: {err}");
        assert!(DatabaseUrl::parse("data/liaison.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("postgres:/oops").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
