//! Sign-ins with the mail provider (`oauth_sign_ins`, see the migration 0012): the request while
//! the browser is at the provider, then who signed in and the tokens (envelopes). Tenant-scoped
//! like every query; a state works once.

use super::{now_millis, Tx};
use crate::model::oauth::Provider;
use crate::model::{TenantId, UserId};

/// A sign-in as stored (the secrets still sealed).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SignInRow {
    pub id: i64,
    pub user_id: i64,
    pub provider: String,
    pub login_hint: String,
    pub form: String,
    pub status: String,
    pub identity: Option<String>,
    pub verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub access_token: Option<String>,
    pub access_expires_at: Option<i64>,
    /// When the row last changed; for a usable sign-in, when its access token was issued.
    pub updated_at: i64,
}

impl SignInRow {
    pub fn provider(&self) -> Option<Provider> {
        Provider::from_id(&self.provider)
    }
}

const COLUMNS: &str = "id, user_id, provider, login_hint, form, status, identity, verifier, refresh_token, \
                       access_token, access_expires_at, updated_at";

/// What a new sign-in starts with.
pub struct Pending<'a> {
    pub user: UserId,
    pub provider: Provider,
    pub login_hint: &'a str,
    pub form: &'a str,
    pub state_hash: &'a str,
    pub session_hash: &'a str,
}

/// A sign-in leaving for the provider; its id (the verifier is sealed to it, then [`set_secret`]).
pub async fn start(tx: &mut Tx, tenant: TenantId, pending: &Pending<'_>) -> Result<i64, sqlx::Error> {
    let now = now_millis();
    sqlx::query_scalar(
        "INSERT INTO oauth_sign_ins (tenant_id, user_id, provider, login_hint, form, started_at, state_hash, \
         session_hash, status, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $6) RETURNING id",
    )
    .bind(tenant.0)
    .bind(pending.user.0)
    .bind(pending.provider.id())
    .bind(pending.login_hint)
    .bind(pending.form)
    .bind(now)
    .bind(pending.state_hash)
    .bind(pending.session_hash)
    .fetch_one(&mut **tx)
    .await
}

/// The sealed secrets of a sign-in, each in its column (the name goes into the SQL text and into
/// the envelope's binding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInSecret {
    /// The PKCE verifier, while the browser is at the provider.
    Verifier,
    RefreshToken,
    AccessToken,
}

impl SignInSecret {
    pub fn column(self) -> &'static str {
        match self {
            SignInSecret::Verifier => "verifier",
            SignInSecret::RefreshToken => "refresh_token",
            SignInSecret::AccessToken => "access_token",
        }
    }
}

/// Stores a sealed secret in one of the secret columns.
pub async fn set_secret(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    secret: SignInSecret,
    envelope: &str,
) -> Result<(), sqlx::Error> {
    let column = secret.column();
    sqlx::query(&format!("UPDATE oauth_sign_ins SET {column} = $3 WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant.0)
        .bind(id)
        .bind(envelope)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A pending sign-in with what its return is checked against.
#[derive(sqlx::FromRow)]
struct PendingRow {
    #[sqlx(flatten)]
    row: SignInRow,
    session_hash: Option<String>,
    started_at: i64,
}

/// The pending sign-in of this state, if it was started by this user in this session after
/// `since`. Found or refused, it is spent: the state, the session and the verifier are cleared in
/// the same transaction, so a state works once.
pub async fn take_pending(
    tx: &mut Tx,
    tenant: TenantId,
    state_hash: &str,
    session_hash: &str,
    user: UserId,
    since: i64,
) -> Result<Option<SignInRow>, sqlx::Error> {
    let found: Option<PendingRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, session_hash, started_at FROM oauth_sign_ins \
         WHERE tenant_id = $1 AND state_hash = $2 AND status = 'pending'"
    ))
    .bind(tenant.0)
    .bind(state_hash)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(PendingRow { row, session_hash: started_session, started_at }) = found else { return Ok(None) };
    let id = row.id;
    sqlx::query(
        "UPDATE oauth_sign_ins SET state_hash = NULL, session_hash = NULL, verifier = NULL, updated_at = $3 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    let same = started_session.as_deref() == Some(session_hash) && row.user_id == user.0 && started_at >= since;
    Ok(same.then_some(row))
}

/// The provider signed `identity` in: the sign-in is usable (its tokens set with [`set_secret`]).
pub async fn signed_in(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    identity: &str,
    access_expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE oauth_sign_ins SET status = 'ok', identity = $3, access_expires_at = $4, updated_at = $5 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(identity)
    .bind(access_expires_at)
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A finished sign-in of the tenant (pending ones are not found).
pub async fn get(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<Option<SignInRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM oauth_sign_ins WHERE tenant_id = $1 AND id = $2 AND status <> 'pending'"
    ))
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Takes the renewal of a sign-in's access for `hold_ms` unless another server holds it: whether
/// this one may renew now.
pub async fn take_renewal(tx: &mut Tx, tenant: TenantId, id: i64, now: i64, hold_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE oauth_sign_ins SET refreshing_until = $3 \
         WHERE tenant_id = $1 AND id = $2 AND status = 'ok' AND (refreshing_until IS NULL OR refreshing_until < $4)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(now + hold_ms)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The renewal's outcome: new tokens stored (with [`set_secret`] in the same transaction), and
/// the renewal released.
pub async fn renewed(tx: &mut Tx, tenant: TenantId, id: i64, access_expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE oauth_sign_ins SET access_expires_at = $3, refreshing_until = NULL, updated_at = $4 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(access_expires_at)
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The provider refused to renew: «Требуется повторный вход»; the tokens are dropped.
pub async fn needs_sign_in(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE oauth_sign_ins SET status = 'needs_sign_in', refresh_token = NULL, access_token = NULL, \
         refreshing_until = NULL, updated_at = $3 WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(now_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Releases a renewal that failed for a passing reason (the provider unreachable).
pub async fn release_renewal(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE oauth_sign_ins SET refreshing_until = NULL WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A sign-in's id with its verifier, refresh and access token envelopes.
type SealedRow = (i64, Option<String>, Option<String>, Option<String>);

/// Every sealed secret of the tenant's sign-ins: (sign-in, column, envelope), for re-encrypting
/// them under a new key.
pub async fn envelopes(tx: &mut Tx, tenant: TenantId) -> Result<Vec<(i64, SignInSecret, String)>, sqlx::Error> {
    let rows: Vec<SealedRow> = sqlx::query_as(
        "SELECT id, verifier, refresh_token, access_token FROM oauth_sign_ins WHERE tenant_id = $1 ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for (id, verifier, refresh, access) in rows {
        let sealed = [
            (SignInSecret::Verifier, verifier),
            (SignInSecret::RefreshToken, refresh),
            (SignInSecret::AccessToken, access),
        ];
        for (secret, envelope) in sealed {
            if let Some(envelope) = envelope {
                out.push((id, secret, envelope));
            }
        }
    }
    Ok(out)
}

/// Replaces a sealed secret only if it is still `old` (a token renewed meanwhile stays).
pub async fn replace_secret(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    secret: SignInSecret,
    old: &str,
    new: &str,
) -> Result<bool, sqlx::Error> {
    let column = secret.column();
    let sql = format!("UPDATE oauth_sign_ins SET {column} = $4 WHERE tenant_id = $1 AND id = $2 AND {column} = $3");
    let done = sqlx::query(&sql).bind(tenant.0).bind(id).bind(old).bind(new).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// An account was saved with the sign-in: housekeeping leaves it alone from now on.
pub async fn saved(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE oauth_sign_ins SET saved = 1 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes the sign-in, with its tokens, unless an account still uses it.
pub async fn delete_unused(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM oauth_sign_ins WHERE tenant_id = $1 AND id = $2 \
         AND NOT EXISTS (SELECT 1 FROM email_accounts WHERE tenant_id = $1 AND oauth_sign_in_id = $2)",
    )
    .bind(tenant.0)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
