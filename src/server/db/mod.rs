//! The database: one pool for SQLite or PostgreSQL behind sqlx's `Any` driver, and transactions
//! that carry their tenant. Queries are written once for both: `$1` placeholders, integers for
//! ids, flags and timestamps (milliseconds), text for the rest.
//!
//! Every tenant-scoped read or write goes through [`Db::read`] or [`Db::write`] with a tenant id;
//! on PostgreSQL that also sets `app.tenant_id` for row-level security, a second fence behind the
//! `tenant_id = $1` every query carries.

pub mod account_secrets;
pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod crm_email;
pub mod health;
pub mod meta;
mod migrations;
pub mod oauth;
pub mod outbox;
pub mod password_links;
pub mod rates;
pub mod sessions;
pub mod setup;
pub mod tenants;
pub mod throttle;
pub mod trusted_certificates;
pub mod users;

use crate::model::error::AppError;
use crate::model::TenantId;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A transaction of the app. On SQLite a write transaction also holds this process's turn to
/// write, so writers queue here in order instead of retrying against SQLite's lock; a read of
/// one statement ([`Db::read_one`]) is no transaction there at all.
pub struct Tx {
    inner: Inner,
    _turn: Option<OwnedMutexGuard<()>>,
}

enum Inner {
    Write(sqlx::Transaction<'static, sqlx::Any>),
    /// [`Db::read`], [`Db::lookup_read`]: `READ ONLY` on PostgreSQL, so a write in it fails
    /// there, and ended without waiting (see [`Tx::commit`]).
    Read(sqlx::Transaction<'static, sqlx::Any>),
    /// A connection in autocommit: each statement its own snapshot.
    Statement(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        match &self.inner {
            Inner::Write(tx) | Inner::Read(tx) => tx,
            Inner::Statement(conn) => conn,
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.inner {
            Inner::Write(tx) | Inner::Read(tx) => tx,
            Inner::Statement(conn) => conn,
        }
    }
}

impl Tx {
    fn without_turn(inner: Inner) -> Self {
        Self { inner, _turn: None }
    }

    /// Commits a write. A read is ended without a round trip of its own: its rollback (all a
    /// read-only transaction's end does) is queued and goes with the check every connection
    /// gets as it returns to the pool.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.inner {
            Inner::Write(tx) => tx.commit().await,
            Inner::Read(tx) => {
                drop(tx);
                Ok(())
            }
            Inner::Statement(_) => Ok(()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: this process's writers take turns here.
    writer: Arc<Mutex<()>>,
}

impl Db {
    /// A pool of at most `max_connections`, or the backend's default (see `--db-connections`).
    pub async fn connect(url: &str, max_connections: Option<u32>) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration("DATABASE_URL must start with sqlite: or postgres:".into()));
        };
        if backend == Backend::Sqlite {
            create_sqlite_folder(url);
        }
        let options = AnyConnectOptions::from_str(url)?;
        let max_connections = max_connections.unwrap_or(match backend {
            Backend::Postgres => 16,
            Backend::Sqlite => 2 * std::thread::available_parallelism().map_or(2, |n| n.get() as u32),
        });
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // A connection used in the last few seconds is taken as it is; one idle longer is
            // pinged first (the server may have closed it). sqlx's default pings before every
            // use: a round trip more per transaction.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    Ok(meta.idle_for < Duration::from_secs(5) || sqlx::Connection::ping(conn).await.is_ok())
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; the busy timeout makes a
                        // second writer wait instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        // Checkpoints run on their own task (Db::checkpoints), not in whichever
                        // request's commit happens to fill the log.
                        conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self { pool, backend, writer: Arc::default() })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        migrations::run(&self.pool, self.backend).await
    }

    /// Every tenant's id, for jobs that visit each one (the update notification, key rotation).
    pub async fn tenant_ids(&self) -> Result<Vec<TenantId>, AppError> {
        let mut tx = self.lookup(Capability::TenantScan, "on").await?;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tenants ORDER BY id").fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Copies SQLite's write-ahead log into the database every second, off the request path;
    /// runs for as long as the server does (nothing to do on PostgreSQL).
    pub async fn checkpoints(self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        loop {
            ticks.tick().await;
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.pool).await {
                tracing::warn!(%e, "checkpoint");
            }
        }
    }

    /// A transaction for reading one tenant's rows.
    pub async fn read(&self, tenant: TenantId) -> Result<Tx, AppError> {
        Ok(self.begin(false, Some(("app.tenant_id", &tenant.0.to_string()))).await?)
    }

    /// A read of one tenant's rows in a single statement: on SQLite the statement alone (it sees
    /// one snapshot by itself; BEGIN and COMMIT would be two more trips to the connection's
    /// thread), on PostgreSQL a transaction that carries the tenant for row-level security.
    /// Statements after the first see the database as it is then, not as the first saw it.
    pub async fn read_one(&self, tenant: TenantId) -> Result<Tx, AppError> {
        match self.backend {
            Backend::Sqlite => Ok(Tx::without_turn(Inner::Statement(self.pool.acquire().await?))),
            Backend::Postgres => self.read(tenant).await,
        }
    }

    /// A transaction for changing one tenant's rows. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of one failing when
    /// it upgrades a read lock.
    pub async fn write(&self, tenant: TenantId) -> Result<Tx, AppError> {
        Ok(self.begin(true, Some(("app.tenant_id", &tenant.0.to_string()))).await?)
    }

    /// A write transaction not bound to a tenant: creating tenants, sessions, sign-in throttling.
    pub async fn write_global(&self) -> Result<Tx, AppError> {
        Ok(self.begin(true, None).await?)
    }

    /// A write transaction for counters that a crash may lose (rate limits): on PostgreSQL its
    /// commit does not wait for the disk, so a counter row many requests update (one tenant's)
    /// is locked only for the update itself, not for a disk flush each.
    pub async fn write_counters(&self) -> Result<Tx, AppError> {
        Ok(self.begin(true, Some(("synchronous_commit", "off"))).await?)
    }

    /// A transaction (`write`: SQLite's write lock taken at once) with `setting` set for it alone
    /// on PostgreSQL: in the same round trip as `BEGIN` when its value is a plain word or number
    /// (a tenant's id, a key's hex hash), else bound in a statement of its own.
    async fn begin(&self, write: bool, setting: Option<(&str, &str)>) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite if write => {
                let turn = self.writer.clone().lock_owned().await;
                let inner = Inner::Write(self.pool.begin_with("BEGIN IMMEDIATE").await?);
                Ok(Tx { inner, _turn: Some(turn) })
            }
            Backend::Sqlite => Ok(Tx::without_turn(Inner::Read(self.pool.begin().await?))),
            Backend::Postgres => {
                let (begin, kind): (_, fn(_) -> Inner) =
                    if write { ("BEGIN", Inner::Write) } else { ("BEGIN READ ONLY", Inner::Read) };
                match setting {
                    Some((name, value)) if is_plain(name) && is_plain(value) => {
                        let begin = format!("{begin}; SELECT set_config('{name}', '{value}', true)");
                        Ok(Tx::without_turn(kind(self.pool.begin_with(begin).await?)))
                    }
                    _ => {
                        let mut tx = Tx::without_turn(kind(self.pool.begin_with(begin).await?));
                        if let Some((name, value)) = setting {
                            self.set_local(&mut tx, name, value).await?;
                        }
                        Ok(tx)
                    }
                }
            }
        }
    }

    async fn scope(&self, tx: &mut Tx, tenant: TenantId) -> Result<(), sqlx::Error> {
        self.set_local(tx, "app.tenant_id", &tenant.0.to_string()).await
    }

    /// Enters a tenant in the middle of a transaction that found it (sign-in, session lookup).
    pub async fn enter_tenant(&self, tx: &mut Tx, tenant: TenantId) -> Result<(), AppError> {
        Ok(self.scope(tx, tenant).await?)
    }

    /// A transaction that may see one row found by a secret key before any tenant is known
    /// (a session token hash, a sign-in e-mail, a password link). On PostgreSQL the key is the
    /// capability the row-level security policies check for these look-ups.
    pub async fn lookup(&self, capability: Capability, key: &str) -> Result<Tx, AppError> {
        Ok(self.begin(true, Some((capability.setting(), key))).await?)
    }

    /// The same for a look-up that only reads (a session): no write lock on SQLite.
    pub async fn lookup_read(&self, capability: Capability, key: &str) -> Result<Tx, AppError> {
        Ok(self.begin(false, Some((capability.setting(), key))).await?)
    }

    async fn set_local(&self, tx: &mut Tx, name: &str, value: &str) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT set_config($1, $2, true)").bind(name).bind(value).execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// The pre-tenant look-ups, each allowed to see only the row matching its key.
#[derive(Clone, Copy, Debug)]
pub enum Capability {
    Session,
    SignIn,
    PasswordLink,
    /// Jobs that visit every tenant (and creating one): the list of tenants, nothing of theirs.
    TenantScan,
    /// The purge of expired rows: those of every tenant, and nothing still alive.
    Purge,
    /// The host application's API key, by its hash.
    ApiKey,
    /// The outbox workers: letters due of every tenant, nothing else.
    OutboxScan,
}

impl Capability {
    fn setting(self) -> &'static str {
        match self {
            Capability::Session => "app.session",
            Capability::SignIn => "app.sign_in",
            Capability::PasswordLink => "app.password_link",
            Capability::TenantScan => "app.tenant_scan",
            Capability::Purge => "app.purge",
            Capability::ApiKey => "app.api_key",
            Capability::OutboxScan => "app.outbox_scan",
        }
    }
}

/// Whether `text` can stand in an SQL string literal as it is: letters, digits, `_` and `.` only
/// (no quote, no backslash, whatever the server's string settings).
fn is_plain(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

fn create_sqlite_folder(url: &str) {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

/// Milliseconds since the epoch: every timestamp column.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// A statement with its arguments, as the record modules build them up.
pub type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Flags are stored as 0/1 integers: the `Any` driver has no boolean that works on both backends.
pub fn flag(value: bool) -> i64 {
    i64::from(value)
}
