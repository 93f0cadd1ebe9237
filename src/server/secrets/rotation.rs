//! Re-encrypting every stored password under the current key (`pochta keys rotate`, after the
//! new key went first in the key file). Each password is replaced only if it is still the one
//! read, so a password saved meanwhile is never reverted; running servers with a key file pick
//! up the new key by themselves (see the module above).

use super::{Binding, Secrets};
use crate::model::error::AppError;
use crate::server::db::accounts::{self, SecretField};
use crate::server::db::Db;
use crate::server::fail::internal;

/// Re-encrypts every stored password that is not yet under the current key, tenant by tenant,
/// each tenant in one transaction. Returns how many were re-encrypted.
pub async fn reencrypt_all(db: &Db, secrets: &Secrets) -> Result<usize, AppError> {
    let current = secrets.current_id();
    let mut changed = 0;
    for tenant in db.tenant_ids().await? {
        let mut tx = db.write(tenant).await?;
        for (account, smtp, incoming) in accounts::envelopes(&mut tx, tenant).await? {
            for (field, envelope) in [(SecretField::Main, smtp), (SecretField::Incoming, incoming)] {
                let Some(envelope) = envelope else { continue };
                if Secrets::key_of(&envelope) == Some(current.as_str()) {
                    continue;
                }
                let binding = Binding { tenant, account, field };
                let plain = secrets
                    .decrypt(&envelope, &binding)
                    .map_err(|e| internal(&format!("tenant {tenant} account {account}: cannot decrypt"), e))?;
                let fresh = secrets.encrypt(&plain, &binding);
                if accounts::replace_secret(&mut tx, tenant, account, field, &envelope, &fresh).await? {
                    changed += 1;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(changed)
}
