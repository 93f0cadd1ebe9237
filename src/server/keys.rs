//! Rotating the keys of stored passwords: a new key goes first in the key file, and every stored
//! password is re-encrypted under it. The old key stays in the file, so app servers that have
//! not restarted yet still read everything; it can be removed once all have.

use super::db::accounts::{self, SecretField};
use super::db::Db;
use super::secrets::{write_private, Binding, Secrets};
use crate::model::error::AppError;
use std::path::Path;

/// Adds a fresh key at the top of the key file. Returns the new key's id.
pub fn add_key_to_file(path: &Path) -> Result<String, String> {
    let current = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let line = Secrets::generate_line();
    let id = line.split(' ').next().unwrap_or_default().to_string();
    let (comments, keys): (Vec<&str>, Vec<&str>) = current.lines().partition(|l| l.trim_start().starts_with('#'));
    let mut text = comments.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&line);
    text.push('\n');
    for key in keys.iter().filter(|l| !l.trim().is_empty()) {
        text.push_str(key);
        text.push('\n');
    }
    write_private(path, &text)?;
    Ok(id)
}

/// Re-encrypts every stored password that is not yet under the current key, tenant by tenant,
/// each tenant in one transaction. Returns how many were re-encrypted.
pub async fn reencrypt_all(db: &Db, secrets: &Secrets) -> Result<usize, AppError> {
    let mut changed = 0;
    for tenant in db.tenant_ids().await? {
        let mut tx = db.write(tenant).await?;
        for (account, smtp, incoming) in accounts::envelopes(&mut tx, tenant).await? {
            for (field, envelope) in [(SecretField::Main, smtp), (SecretField::Incoming, incoming)] {
                let Some(envelope) = envelope else { continue };
                if Secrets::key_of(&envelope) == Some(secrets.current_id()) {
                    continue;
                }
                let binding = Binding { tenant, account, field };
                let plain = secrets.decrypt(&envelope, &binding).map_err(|e| {
                    super::fail::internal(&format!("tenant {tenant} account {account}: cannot decrypt"), e)
                })?;
                let fresh = secrets.encrypt(&plain, &binding);
                accounts::set_secret(&mut tx, tenant, account, field, Some(&fresh)).await?;
                changed += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(changed)
}
