//! The only place that matches on the backend: what SQLite and PostgreSQL do differently.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConn;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// Applies pending migrations; returns how many ran.
pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConn::Sqlite(c) => {
            use diesel::connection::SimpleConnection;
            // WAL lets readers proceed while one writer commits; it persists in the file.
            c.batch_execute("PRAGMA journal_mode = WAL;")?;
            c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| anyhow::anyhow!("sqlite migrations: {e}"))?.len()
        }
        DbConn::Pg(c) => {
            use diesel::connection::SimpleConnection;
            // Several servers may start at once on one database: migrate one at a time.
            c.batch_execute("SELECT pg_advisory_lock(7311001)")?;
            let result = c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len());
            c.batch_execute("SELECT pg_advisory_unlock(7311001)")?;
            result.map_err(|e| anyhow::anyhow!("postgresql migrations: {e}"))?
        }
    };
    Ok(applied)
}

/// Makes the current transaction a writer at once on SQLite. A SQLite transaction that starts
/// with a read and writes later cannot wait for the write lock when another writer committed
/// in between: it fails with "database is locked" instead of queueing. A no-op UPDATE as the
/// first statement takes the lock (waiting up to busy_timeout). PostgreSQL needs nothing.
pub fn claim_writer(c: &mut DbConn) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    match c {
        DbConn::Sqlite(s) => diesel::sql_query("UPDATE login_attempts SET id = id WHERE 0").execute(s).map(|_| ()),
        DbConn::Pg(_) => Ok(()),
    }
}
