//! PostgreSQL: the connection pool and the numbered migrations.
//!
//! Migrations are the SQL files in `migrations/`, compiled in. `migrate`
//! applies every pending one in one transaction, under an advisory lock so
//! that several nodes migrating at once do it once, and records each in
//! `schema_version`. `serve` refuses a database that is not at the version it
//! was built for.

use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

/// One numbered migration.
struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, in order. Never edit one that has shipped: add the next.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts_credits_payments",
        sql: include_str!("../migrations/0001_accounts_credits_payments.sql"),
    },
    Migration {
        version: 2,
        name: "quotes",
        sql: include_str!("../migrations/0002_quotes.sql"),
    },
    Migration {
        version: 3,
        name: "jobs",
        sql: include_str!("../migrations/0003_jobs.sql"),
    },
    Migration {
        version: 4,
        name: "account_deletion",
        sql: include_str!("../migrations/0004_account_deletion.sql"),
    },
];

/// The schema version this build expects.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// An arbitrary constant naming the migration lock among advisory locks.
const MIGRATION_LOCK: i64 = 0x4c69_6b65_6e65_7373;

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("LIKENESS_CLOUD_DATABASE_URL is not a PostgreSQL connection string: {0}")]
    BadUrl(tokio_postgres::Error),
    #[error("could not build the connection pool: {0}")]
    Pool(String),
    #[error("could not reach PostgreSQL: {0}")]
    Connect(#[from] deadpool_postgres::PoolError),
    #[error("PostgreSQL refused a statement: {0}")]
    Query(#[from] tokio_postgres::Error),
    #[error(
        "the database is at schema version {found}, but this build expects {expected}: \
         run `likeness-cloud migrate` (or use a newer build)"
    )]
    WrongVersion { found: i32, expected: i32 },
}

/// A pool of up to `max_size` connections to `url`
/// (`postgresql://user@host:port/dbname`). Connects lazily.
pub fn pool(url: &str, max_size: usize) -> Result<Pool, DbError> {
    let config = tokio_postgres::Config::from_str(url).map_err(DbError::BadUrl)?;
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .map_err(|e| DbError::Pool(e.to_string()))
}

/// Apply every pending migration in one transaction; return the versions
/// applied (empty when the database was current).
pub async fn migrate(pool: &Pool) -> Result<Vec<i32>, DbError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let current = current_version(&*tx).await?;
    if current > latest_version() {
        return Err(DbError::WrongVersion {
            found: current,
            expected: latest_version(),
        });
    }
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        tx.batch_execute(migration.sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
            &[&migration.version, &migration.name],
        )
        .await?;
        applied.push(migration.version);
    }
    tx.commit().await?;
    Ok(applied)
}

/// Fail unless the database is exactly at [`latest_version`].
pub async fn check_version(pool: &Pool) -> Result<(), DbError> {
    let client = pool.get().await?;
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?
        .get(0);
    let found = if exists {
        current_version(&**client).await?
    } else {
        0
    };
    if found != latest_version() {
        return Err(DbError::WrongVersion {
            found,
            expected: latest_version(),
        });
    }
    Ok(())
}

async fn current_version(client: &impl tokio_postgres::GenericClient) -> Result<i32, DbError> {
    let row = client
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await?;
    Ok(row.get(0))
}
