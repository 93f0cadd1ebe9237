//! The host application's API keys: made by an administrator (or the operator's CLI), shown once,
//! kept only as a SHA-256, scoped to one tenant, revocable. A request's key is turned into its
//! tenant here, before anything else of the request is looked at.

use crate::model::error::AppError;
use crate::model::{Name, TenantId, UserId};
use crate::server::credentials::{new_token, token_hash};
use crate::server::db::{self, Capability, Db};

/// Every key starts so, which tells a leaked one apart in a log or a repository scan.
const KEY_PREFIX: &str = "pochta_";
/// How much of a key a list shows to tell keys apart.
const SHOWN_CHARS: usize = 12;
/// Longer than any key this program makes: not even hashed.
const KEY_MAX: usize = 100;

/// A key just made: `key` is shown this once and stored nowhere.
pub struct NewApiKey {
    pub id: i64,
    pub key: String,
}

pub async fn create(db: &Db, tenant: TenantId, name: &Name, by: Option<UserId>) -> Result<NewApiKey, AppError> {
    let key = format!("{KEY_PREFIX}{}", new_token());
    let shown: String = key.chars().take(SHOWN_CHARS).collect();
    let mut tx = db.write(tenant).await?;
    let id = db::api_keys::insert(&mut tx, tenant, name.as_str(), &shown, &token_hash(&key), by).await?;
    db::audit::record(&mut tx, tenant, by, "create", "api_key", &format!("{id} {}", name.as_str())).await?;
    tx.commit().await?;
    Ok(NewApiKey { id, key })
}

pub async fn revoke(db: &Db, tenant: TenantId, id: i64, by: Option<UserId>) -> Result<(), AppError> {
    let mut tx = db.write(tenant).await?;
    if !db::api_keys::revoke(&mut tx, tenant, id).await? {
        return Err(AppError::NotFound);
    }
    db::audit::record(&mut tx, tenant, by, "revoke", "api_key", &id.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

/// The tenant a live key belongs to; `None` for an unknown, malformed or revoked key.
pub async fn tenant_of(db: &Db, key: &str) -> Result<Option<TenantId>, AppError> {
    if !key.starts_with(KEY_PREFIX) || key.len() > KEY_MAX {
        return Ok(None);
    }
    let hash = token_hash(key);
    let mut tx = db.lookup_read(Capability::ApiKey, &hash).await?;
    let row = db::api_keys::find_by_hash(&mut tx, &hash).await?;
    tx.commit().await?;
    Ok(row.filter(|r| r.revoked_at.is_none()).map(|r| TenantId(r.tenant_id)))
}
