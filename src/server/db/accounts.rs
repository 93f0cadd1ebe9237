//! The directory «Учетные записи электронной почты». Visibility: a user sees the tenant's shared
//! accounts (no owner) and their own personal ones, never another user's.

use super::{flag, now_millis, AnyQuery, Tx};
use crate::model::{AccountId, Date, Host, Port, Protocol, Security, ServerAddress, TenantId, UserId};
use sqlx::Row;

/// The name the predefined system account is created with (shown translated in the list).
pub const SYSTEM_ACCOUNT_NAME: &str = "Системная учетная запись";

/// Which stored password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretField {
    /// The account's password: SMTP, and the incoming server when it uses the same credentials.
    Main,
    /// A separate password of the incoming server.
    Incoming,
}

impl SecretField {
    pub fn column(self) -> &'static str {
        match self {
            SecretField::Main => "password",
            SecretField::Incoming => "incoming_password",
        }
    }
}

#[derive(Clone, Debug)]
pub struct AccountRow {
    pub id: AccountId,
    pub tenant: TenantId,
    pub name: String,
    pub address: String,
    pub sender_name: String,
    pub owner: Option<UserId>,
    pub is_system: bool,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub provider: Option<String>,
    pub smtp: Option<ServerAddress>,
    pub smtp_login: Option<String>,
    pub incoming_protocol: Option<Protocol>,
    pub incoming: Option<ServerAddress>,
    pub incoming_login: Option<String>,
    pub same_credentials: bool,
    pub initial_load_date: Option<Date>,
    pub password: Option<String>,
    pub incoming_password: Option<String>,
    /// Signs in with the provider (`oauth_sign_ins`) instead of a password.
    pub oauth_sign_in_id: Option<i64>,
    pub last_check_at: Option<i64>,
    pub last_check_ok: Option<bool>,
    pub last_check_reason: Option<String>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    tenant_id: i64,
    name: String,
    address: String,
    sender_name: String,
    owner_user_id: Option<i64>,
    is_system: i64,
    use_for_sending: i64,
    use_for_receiving: i64,
    provider: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<i64>,
    smtp_security: Option<String>,
    smtp_login: Option<String>,
    incoming_protocol: Option<String>,
    incoming_host: Option<String>,
    incoming_port: Option<i64>,
    incoming_security: Option<String>,
    incoming_login: Option<String>,
    same_credentials: i64,
    initial_load_date: Option<String>,
    password: Option<String>,
    incoming_password: Option<String>,
    oauth_sign_in_id: Option<i64>,
    last_check_at: Option<i64>,
    last_check_ok: Option<i64>,
    last_check_reason: Option<String>,
    version: i64,
}

fn server(host: Option<String>, port: Option<i64>, security: Option<String>) -> Option<ServerAddress> {
    Some(ServerAddress {
        host: Host::parse(&host?).ok()?,
        port: Port::new(u32::try_from(port?).ok()?).ok()?,
        security: Security::parse(&security?).ok()?,
    })
}

impl From<Raw> for AccountRow {
    fn from(r: Raw) -> Self {
        Self {
            id: AccountId(r.id),
            tenant: TenantId(r.tenant_id),
            name: r.name,
            address: r.address,
            sender_name: r.sender_name,
            owner: r.owner_user_id.map(UserId),
            is_system: r.is_system != 0,
            use_for_sending: r.use_for_sending != 0,
            use_for_receiving: r.use_for_receiving != 0,
            provider: r.provider,
            smtp: server(r.smtp_host, r.smtp_port, r.smtp_security),
            smtp_login: r.smtp_login,
            incoming_protocol: r.incoming_protocol.and_then(|p| Protocol::parse_incoming(&p).ok()),
            incoming: server(r.incoming_host, r.incoming_port, r.incoming_security),
            incoming_login: r.incoming_login,
            same_credentials: r.same_credentials != 0,
            initial_load_date: r.initial_load_date.and_then(|d| Date::parse(&d).ok()),
            password: r.password,
            incoming_password: r.incoming_password,
            oauth_sign_in_id: r.oauth_sign_in_id,
            last_check_at: r.last_check_at,
            last_check_ok: r.last_check_ok.map(|v| v != 0),
            last_check_reason: r.last_check_reason,
            version: r.version,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, name, address, sender_name, owner_user_id, is_system, use_for_sending, \
     use_for_receiving, provider, smtp_host, smtp_port, smtp_security, smtp_login, incoming_protocol, incoming_host, \
     incoming_port, incoming_security, incoming_login, same_credentials, initial_load_date, password, \
     incoming_password, oauth_sign_in_id, last_check_at, last_check_ok, last_check_reason, version";

/// The column a list is ordered by (after the system account, which always comes first).
#[derive(Clone, Copy, Debug)]
pub enum Order {
    Name,
    Sender,
    Address,
    /// Most recently checked first; never checked last.
    LastCheck,
}

impl Order {
    fn sql(self) -> &'static str {
        match self {
            Order::Name => "LOWER(name), id",
            Order::Sender => "LOWER(sender_name), LOWER(name), id",
            Order::Address => "address_key, id",
            Order::LastCheck => "COALESCE(last_check_at, 0) DESC, LOWER(name), id",
        }
    }
}

/// A page of the list, with what it is shown with.
pub struct ListPage {
    pub rows: Vec<AccountRow>,
    /// The tenant's stored time zone.
    pub time_zone: Option<String>,
    pub system_id: Option<AccountId>,
}

#[derive(sqlx::FromRow)]
struct ListRaw {
    #[sqlx(flatten)]
    row: Raw,
    tenant_time_zone: Option<String>,
    system_id: Option<i64>,
}

/// One page of the accounts `viewer` may see, optionally filtered by a search text (name,
/// sender name, address), with the tenant's time zone and system account: in one statement
/// (their sub-selects run once), unless the page is empty.
pub async fn list_visible(
    tx: &mut Tx,
    tenant: TenantId,
    viewer: UserId,
    search: Option<&str>,
    order: Order,
    limit: i64,
    offset: i64,
) -> Result<ListPage, sqlx::Error> {
    let pattern =
        search.map(|s| format!("%{}%", s.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT time_zone FROM tenants WHERE id = $1) AS tenant_time_zone, \
         (SELECT id FROM email_accounts WHERE tenant_id = $1 AND is_system = 1) AS system_id \
         FROM email_accounts WHERE tenant_id = $1 AND (owner_user_id IS NULL OR owner_user_id = $2) \
         AND ($3 IS NULL OR LOWER(name) LIKE $3 ESCAPE '\\' OR LOWER(sender_name) LIKE $3 ESCAPE '\\' OR address_key LIKE $3 ESCAPE '\\') \
         ORDER BY is_system DESC, {} LIMIT $4 OFFSET $5",
        order.sql()
    );
    let raws: Vec<ListRaw> = sqlx::query_as(&sql)
        .bind(tenant.0)
        .bind(viewer.0)
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **tx)
        .await?;
    let Some(first) = raws.first() else {
        let time_zone = super::tenants::time_zone(tx, tenant).await?;
        let system_id = system_account(tx, tenant).await?.map(|a| a.id);
        return Ok(ListPage { rows: Vec::new(), time_zone, system_id });
    };
    let (time_zone, system_id) = (first.tenant_time_zone.clone(), first.system_id.map(AccountId));
    let rows = raws.into_iter().map(|r| AccountRow::from(r.row)).collect();
    Ok(ListPage { rows, time_zone, system_id })
}

/// One account, if `viewer` may see it.
pub async fn get_visible(
    tx: &mut Tx,
    tenant: TenantId,
    viewer: UserId,
    id: AccountId,
) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM email_accounts WHERE tenant_id = $1 AND id = $2 AND (owner_user_id IS NULL OR owner_user_id = $3)"
    );
    let row: Option<Raw> =
        sqlx::query_as(&sql).bind(tenant.0).bind(id.0).bind(viewer.0).fetch_optional(&mut **tx).await?;
    Ok(row.map(AccountRow::from))
}

/// One account regardless of who may see it (for server-side use after authorisation).
pub async fn find_by_id(tx: &mut Tx, tenant: TenantId, id: AccountId) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM email_accounts WHERE tenant_id = $1 AND id = $2");
    let row: Option<Raw> = sqlx::query_as(&sql).bind(tenant.0).bind(id.0).fetch_optional(&mut **tx).await?;
    Ok(row.map(AccountRow::from))
}

pub async fn system_account(tx: &mut Tx, tenant: TenantId) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM email_accounts WHERE tenant_id = $1 AND is_system = 1");
    let row: Option<Raw> = sqlx::query_as(&sql).bind(tenant.0).fetch_optional(&mut **tx).await?;
    Ok(row.map(AccountRow::from))
}

/// The shared (or system) account for a mailbox address.
pub async fn find_shared_by_address(
    tx: &mut Tx,
    tenant: TenantId,
    address_key: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM email_accounts WHERE tenant_id = $1 AND address_key = $2 AND owner_user_id IS NULL"
    );
    let row: Option<Raw> = sqlx::query_as(&sql).bind(tenant.0).bind(address_key).fetch_optional(&mut **tx).await?;
    Ok(row.map(AccountRow::from))
}

/// Creates the tenant's predefined system account, not yet configured.
pub async fn insert_system(tx: &mut Tx, tenant: TenantId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_accounts (tenant_id, name, is_system, use_for_sending, created_at, updated_at) \
         VALUES ($1, $2, 1, 1, $3, $3)",
    )
    .bind(tenant.0)
    .bind(SYSTEM_ACCOUNT_NAME)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The settings of an account that a save writes (passwords are written separately).
pub struct AccountData<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub sender_name: &'a str,
    pub owner: Option<UserId>,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub provider: Option<&'a str>,
    pub smtp: Option<&'a ServerAddress>,
    pub smtp_login: Option<&'a str>,
    pub incoming_protocol: Option<Protocol>,
    pub incoming: Option<&'a ServerAddress>,
    pub incoming_login: Option<&'a str>,
    pub same_credentials: bool,
    pub initial_load_date: Option<Date>,
}

/// Binds an account's columns from `name` to `initial_load_date`, in the order both the insert
/// and the update list them.
fn bind_data<'q>(query: AnyQuery<'q>, a: &AccountData<'q>) -> AnyQuery<'q> {
    query
        .bind(a.name)
        .bind(a.address)
        .bind(a.address.to_lowercase())
        .bind(a.sender_name)
        .bind(a.owner.map(|u| u.0))
        .bind(flag(a.use_for_sending))
        .bind(flag(a.use_for_receiving))
        .bind(a.provider)
        .bind(host(a.smtp))
        .bind(port(a.smtp))
        .bind(security(a.smtp))
        .bind(a.smtp_login)
        .bind(a.incoming_protocol.map(Protocol::as_str))
        .bind(host(a.incoming))
        .bind(port(a.incoming))
        .bind(security(a.incoming))
        .bind(a.incoming_login)
        .bind(flag(a.same_credentials))
        .bind(a.initial_load_date.map(|d| d.to_string()))
}

fn host(s: Option<&ServerAddress>) -> Option<String> {
    s.map(|s| s.host.as_str().to_string())
}

fn port(s: Option<&ServerAddress>) -> Option<i64> {
    s.map(|s| i64::from(s.port.get()))
}

fn security(s: Option<&ServerAddress>) -> Option<&'static str> {
    s.map(|s| s.security.as_str())
}

pub async fn insert(tx: &mut Tx, tenant: TenantId, a: &AccountData<'_>) -> Result<AccountId, sqlx::Error> {
    let now = now_millis();
    let query = sqlx::query(
        "INSERT INTO email_accounts (tenant_id, name, address, address_key, sender_name, owner_user_id, use_for_sending, \
         use_for_receiving, provider, smtp_host, smtp_port, smtp_security, smtp_login, incoming_protocol, incoming_host, \
         incoming_port, incoming_security, incoming_login, same_credentials, initial_load_date, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21) RETURNING id",
    )
    .bind(tenant.0);
    let row = bind_data(query, a).bind(now).fetch_one(&mut **tx).await?;
    Ok(AccountId(row.try_get(0)?))
}

/// Updates an account if it still has `version` (optimistic locking); `false` otherwise.
pub async fn update(
    tx: &mut Tx,
    tenant: TenantId,
    id: AccountId,
    version: i64,
    a: &AccountData<'_>,
) -> Result<bool, sqlx::Error> {
    let query = sqlx::query(
        "UPDATE email_accounts SET name = $4, address = $5, address_key = $6, sender_name = $7, owner_user_id = $8, \
         use_for_sending = $9, use_for_receiving = $10, provider = $11, smtp_host = $12, smtp_port = $13, smtp_security = $14, \
         smtp_login = $15, incoming_protocol = $16, incoming_host = $17, incoming_port = $18, incoming_security = $19, \
         incoming_login = $20, same_credentials = $21, initial_load_date = $22, updated_at = $23, version = version + 1 \
         WHERE tenant_id = $1 AND id = $2 AND version = $3",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(version);
    let done = bind_data(query, a).bind(now_millis()).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// Records the outcome of a check: when, whether it passed, and the reason if not.
pub async fn record_check(
    tx: &mut Tx,
    tenant: TenantId,
    id: AccountId,
    ok: bool,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_accounts SET last_check_at = $3, last_check_ok = $4, last_check_reason = $5 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .bind(now_millis())
        .bind(flag(ok))
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes an account; the system account never (the query leaves it alone).
pub async fn delete(tx: &mut Tx, tenant: TenantId, id: AccountId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM email_accounts WHERE tenant_id = $1 AND id = $2 AND is_system = 0")
        .bind(tenant.0)
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
