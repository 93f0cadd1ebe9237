//! What an account signs in with, in `email_accounts`: its sealed passwords (set, replaced when
//! keys rotate, listed for that) or its sign-in with the provider (`oauth_sign_ins`).

use super::accounts::SecretField;
use super::{oauth, Tx};
use crate::model::{AccountId, TenantId};

/// Stores (or, with `None`, forgets) an encrypted password.
pub async fn set_secret(
    tx: &mut Tx,
    tenant: TenantId,
    id: AccountId,
    field: SecretField,
    envelope: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sql = format!("UPDATE email_accounts SET {} = $3 WHERE tenant_id = $1 AND id = $2", field.column());
    sqlx::query(&sql).bind(tenant.0).bind(id.0).bind(envelope).execute(&mut **tx).await?;
    Ok(())
}

/// Makes the account sign in with the provider's sign-in `sign_in` (its passwords dropped, the
/// sign-in marked saved), or with `None`, by password again. A sign-in it stops using that no
/// other account uses is deleted, its tokens with it.
pub async fn set_sign_in(
    tx: &mut Tx,
    tenant: TenantId,
    id: AccountId,
    sign_in: Option<i64>,
) -> Result<(), sqlx::Error> {
    let previous: Option<i64> =
        sqlx::query_scalar("SELECT oauth_sign_in_id FROM email_accounts WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .flatten();
    let sql = match sign_in {
        Some(_) => {
            "UPDATE email_accounts SET oauth_sign_in_id = $3, password = NULL, incoming_password = NULL \
                    WHERE tenant_id = $1 AND id = $2"
        }
        None => "UPDATE email_accounts SET oauth_sign_in_id = $3 WHERE tenant_id = $1 AND id = $2",
    };
    sqlx::query(sql).bind(tenant.0).bind(id.0).bind(sign_in).execute(&mut **tx).await?;
    if let Some(sign_in) = sign_in {
        oauth::saved(tx, tenant, sign_in).await?;
    }
    match previous {
        Some(previous) if Some(previous) != sign_in => oauth::delete_unused(tx, tenant, previous).await,
        _ => Ok(()),
    }
}

/// Replaces a stored envelope only if it is still `old` (a password saved meanwhile stays).
pub async fn replace_secret(
    tx: &mut Tx,
    tenant: TenantId,
    id: AccountId,
    field: SecretField,
    old: &str,
    new: &str,
) -> Result<bool, sqlx::Error> {
    let column = field.column();
    let sql = format!("UPDATE email_accounts SET {column} = $4 WHERE tenant_id = $1 AND id = $2 AND {column} = $3");
    let done = sqlx::query(&sql).bind(tenant.0).bind(id.0).bind(old).bind(new).execute(&mut **tx).await?;
    Ok(done.rows_affected() == 1)
}

/// Every stored envelope of a tenant, for re-encryption under a new key.
pub async fn envelopes(
    tx: &mut Tx,
    tenant: TenantId,
) -> Result<Vec<(AccountId, Option<String>, Option<String>)>, sqlx::Error> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT id, password, incoming_password FROM email_accounts \
         WHERE tenant_id = $1 AND (password IS NOT NULL OR incoming_password IS NOT NULL) ORDER BY id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(id, s, i)| (AccountId(id), s, i)).collect())
}
