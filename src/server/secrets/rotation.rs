//! Re-encrypting every stored password (and every sign-in's tokens) under the current key (`pochta keys rotate`, after the
//! new key went first in the key file). Each password is replaced only if it is still the one
//! read, so a password saved meanwhile is never reverted; running servers with a key file pick
//! up the new key by themselves (see the module above).

use super::{Binding, Bound, Secrets, SignInBinding};
use crate::model::error::AppError;
use crate::server::db::account_secrets;
use crate::server::db::accounts::SecretField;
use crate::server::db::oauth;
use crate::server::db::Db;
use crate::server::fail::internal;

/// Re-encrypts every stored password (and sign-in token) that is not yet under the current key,
/// tenant by tenant, each tenant in one transaction. Returns how many were re-encrypted.
pub async fn reencrypt_all(db: &Db, secrets: &Secrets) -> Result<usize, AppError> {
    let mut changed = 0;
    for tenant in db.tenant_ids().await? {
        let mut tx = db.write(tenant).await?;
        for (account, smtp, incoming) in account_secrets::envelopes(&mut tx, tenant).await? {
            for (field, envelope) in [(SecretField::Main, smtp), (SecretField::Incoming, incoming)] {
                let Some(envelope) = envelope else { continue };
                let Some(fresh) = fresh(secrets, &envelope, &Binding { tenant, account, field })? else { continue };
                if account_secrets::replace_secret(&mut tx, tenant, account, field, &envelope, &fresh).await? {
                    changed += 1;
                }
            }
        }
        for (sign_in, field, envelope) in oauth::envelopes(&mut tx, tenant).await? {
            let Some(fresh) = fresh(secrets, &envelope, &SignInBinding { tenant, sign_in, field })? else { continue };
            if oauth::replace_secret(&mut tx, tenant, sign_in, field, &envelope, &fresh).await? {
                changed += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(changed)
}

/// The envelope sealed again under the current key; `None` when it already is.
fn fresh(
    secrets: &Secrets,
    envelope: &str,
    binding: &(impl Bound + std::fmt::Debug),
) -> Result<Option<String>, AppError> {
    if Secrets::key_of(envelope) == Some(secrets.current_id().as_str()) {
        return Ok(None);
    }
    let plain = secrets.decrypt(envelope, binding).map_err(|e| internal(&format!("{binding:?}: cannot decrypt"), e))?;
    Ok(Some(secrets.encrypt(&plain, binding)))
}
