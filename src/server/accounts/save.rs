//! Saving an account that passed its check: its settings, its passwords (stored or forgotten as
//! the user chose), the passed check and an audit row, in one transaction.

use super::passwords::{Credentials, Passwords};
use crate::model::accounts::{Basics, Connection, ForWhom};
use crate::model::error::AppError;
use crate::model::{AccountId, TenantId};
use crate::server::db::accounts::{self, AccountData, AccountRow, SecretField};
use crate::server::db::{self, account_secrets, Tx};
use crate::server::fail::on_unique;
use crate::server::notifications;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;

/// Writes a new account, or `existing` if it still has `version`.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    existing: Option<&AccountRow>,
    version: i64,
    basics: &Basics,
    connection: &Connection,
    credentials: &Credentials,
) -> Result<AccountId, AppError> {
    let is_system = existing.is_some_and(|a| a.is_system);
    let for_everyone = is_system || basics.for_whom == ForWhom::Everyone;
    let name = if is_system {
        accounts::SYSTEM_ACCOUNT_NAME.to_string()
    } else {
        basics.name.as_ref().map_or_else(|| basics.address.unicode(), |n| n.as_str().to_string())
    };
    let data = AccountData {
        name: &name,
        address: basics.address.as_str(),
        sender_name: basics.sender_name.as_str(),
        owner: if for_everyone { None } else { Some(user.id) },
        use_for_sending: basics.use_for_sending,
        use_for_receiving: basics.use_for_receiving,
        provider: connection.provider.as_deref(),
        smtp: connection.smtp.as_ref().map(|s| &s.server),
        smtp_login: connection.smtp.as_ref().map(|s| s.login.as_str()),
        incoming_protocol: connection.incoming.as_ref().map(|(p, _)| *p),
        incoming: connection.incoming.as_ref().map(|(_, s)| &s.server),
        incoming_login: connection.incoming.as_ref().map(|(_, s)| s.login.as_str()),
        same_credentials: connection.same_credentials,
        initial_load_date: basics.initial_load_date,
    };
    let mut tx = state.db.write(user.tenant).await?;
    let id = match existing {
        Some(account) => {
            let updated = accounts::update(&mut tx, user.tenant, account.id, version, &data)
                .await
                .map_err(on_unique("address"))?;
            if !updated {
                return Err(AppError::Conflict);
            }
            account.id
        }
        None => accounts::insert(&mut tx, user.tenant, &data).await.map_err(on_unique("address"))?,
    };
    match credentials {
        // Typed passwords replace a sign-in with the provider.
        Credentials::Passwords(passwords) => {
            store_passwords(state, &mut tx, user.tenant, id, basics.remember_password, passwords).await?;
            account_secrets::set_sign_in(&mut tx, user.tenant, id, None).await?;
        }
        Credentials::SignIn { id: sign_in, .. } => {
            account_secrets::set_sign_in(&mut tx, user.tenant, id, Some(*sign_in)).await?;
        }
    }
    accounts::record_check(&mut tx, user.tenant, id, true, None).await?;
    let resumed = notifications::outbox::account_saved(&mut tx, user.tenant, id).await?;
    let action = if existing.is_some() { "update" } else { "create" };
    let details = format!("{} {}", basics.address, if for_everyone { "shared" } else { "personal" });
    db::audit::record(&mut tx, user.tenant, Some(user.id), action, "email_account", &details).await?;
    tx.commit().await?;
    if resumed > 0 {
        state.outbox_queued.notify_one();
    }
    Ok(id)
}

/// «Запомнить пароль»: encrypt what the check used; otherwise forget every stored one. A main
/// password not needed by this account's servers keeps what is stored; the incoming password
/// is cleared when the incoming server takes the same credentials.
async fn store_passwords(
    state: &AppState,
    tx: &mut Tx,
    tenant: TenantId,
    id: AccountId,
    remember: bool,
    passwords: &Passwords,
) -> Result<(), AppError> {
    for (field, secret) in [(SecretField::Main, &passwords.main), (SecretField::Incoming, &passwords.incoming)] {
        let envelope = match (remember, secret) {
            (true, Some(secret)) => Some(state.secrets.seal(tenant, id, field, secret)),
            (true, None) if field == SecretField::Incoming => None,
            (true, None) => continue,
            (false, _) => None,
        };
        account_secrets::set_secret(tx, tenant, id, field, envelope.as_deref()).await?;
    }
    Ok(())
}
