//! «Сохранить» on the «Почта» tab: first a check (an SMTP login with the settings as typed, no
//! letter; seed 000: an account that did not pass its check is not saved), then the setting group
//! and the directory account for the login's address («для всех», for sending) with the passed
//! check and an audit row, in one transaction: either both places change or neither does. The
//! program sends on its own, so the password must end up stored.

use super::{provider_id, sign_in_token, smtp_server, stored_routes};
use crate::model::accounts::Connection;
use crate::model::crm_email::{MailTabDraft, MailTabOutcome};
use crate::model::error::AppError;
use crate::model::{EmailAddress, Invalid, Security, ServerAddress, ServerLogin};
use crate::server::accounts::connection_in_use;
use crate::server::accounts::stored_password::{source, Purpose, Routes};
use crate::server::db::accounts::{self, AccountData, AccountRow, SecretField};
use crate::server::db::{self, account_secrets, crm_email::CrmEmailData, Tx};
use crate::server::fail::{internal, on_violation};
use crate::server::mail::login::{Credential, Login};
use crate::server::mail::smtp::{self, Errand};
use crate::server::notifications;
use crate::server::progress::Progress;
use crate::server::rate;
use crate::server::session::Admin;
use crate::server::setup::require_mail_tab_open;
use crate::server::state::AppState;
use crate::server::trusted_certificates;
use secrecy::SecretString;
use sqlx::error::ErrorKind;

/// `draft.version` is the settings' version the form was loaded with; a newer one means another
/// administrator saved meanwhile.
pub async fn save(
    state: &AppState,
    admin: &Admin,
    draft: MailTabDraft,
    progress: Option<Progress>,
) -> Result<MailTabOutcome, AppError> {
    let smtp = smtp_server(state, &draft)?;
    let provider = provider_id(&draft);
    let checked = {
        let mut tx = state.db.read(admin.tenant).await?;
        let existing = existing_account(&mut tx, admin, &draft, &smtp).await?;
        tx.commit().await?;
        existing
    };
    let credential = match (draft.sign_in, &draft.password, &checked) {
        (Some(id), _, _) => {
            let to = Routes::of(&after_save(checked.as_ref(), &draft, &smtp)).main;
            let token = sign_in_token(state, admin, id, &draft, checked.as_ref(), &to, Purpose::Save).await?;
            Credential::AccessToken(token)
        }
        (None, Some(typed), _) => Credential::Password(typed.clone()),
        (None, None, Some(account)) => Credential::Password(stored_password(state, account)?),
        (None, None, None) => return Err(AppError::field("password", Invalid::Required)),
    };
    check(state, admin, &smtp, &credential.login(draft.login.as_str()), progress).await?;

    let mut tx = state.db.write(admin.tenant).await?;
    let existing = existing_account(&mut tx, admin, &draft, &smtp).await?;
    // The account changed while the check ran: what was checked is not what would be saved.
    if existing.as_ref().map(|a| (a.id, a.version)) != checked.as_ref().map(|a| (a.id, a.version)) {
        return Err(AppError::Conflict);
    }
    let name = existing.as_ref().map_or_else(|| draft.login.unicode(), |a| a.name.clone());
    let data = AccountData {
        name: &name,
        address: draft.login.as_str(),
        sender_name: draft.sender_name.as_str(),
        owner: None,
        use_for_sending: true,
        use_for_receiving: existing.as_ref().is_some_and(|a| a.use_for_receiving),
        provider: Some(provider),
        smtp: Some(&smtp),
        smtp_login: Some(draft.login.as_str()),
        incoming_protocol: existing.as_ref().and_then(|a| a.incoming_protocol),
        incoming: existing.as_ref().and_then(|a| a.incoming.as_ref()),
        incoming_login: existing.as_ref().and_then(|a| a.incoming_login.as_deref()),
        same_credentials: existing.as_ref().is_none_or(|a| a.same_credentials),
        initial_load_date: existing.as_ref().and_then(|a| a.initial_load_date),
    };
    let account = match &existing {
        Some(a) => {
            if !accounts::update(&mut tx, admin.tenant, a.id, a.version, &data).await? {
                return Err(AppError::Conflict);
            }
            a.id
        }
        // Another administrator created the account for this address meanwhile.
        None => accounts::insert(&mut tx, admin.tenant, &data)
            .await
            .map_err(on_violation(ErrorKind::UniqueViolation, AppError::Conflict))?,
    };
    if let Some(id) = draft.sign_in {
        // Signs in with the provider from now on; a stored password is dropped.
        account_secrets::set_sign_in(&mut tx, admin.tenant, account, Some(id)).await?;
    } else if let Some(password) = &draft.password {
        let envelope = state.secrets.seal(admin.tenant, account, SecretField::Main, password);
        account_secrets::set_secret(&mut tx, admin.tenant, account, SecretField::Main, Some(&envelope)).await?;
        account_secrets::set_sign_in(&mut tx, admin.tenant, account, None).await?;
    }
    accounts::record_check(&mut tx, admin.tenant, account, true, None).await?;

    let group = CrmEmailData {
        account,
        provider,
        smtp_host: smtp.host.as_str(),
        smtp_port: smtp.port.get(),
        use_ssl: smtp.security == Security::Ssl,
        login: draft.login.as_str(),
        sender_name: draft.sender_name.as_str(),
        sender_email: draft.sender_email.as_str(),
        test_recipient: draft.recipient.as_ref().map(EmailAddress::as_str),
    };
    let Some(new_version) = db::crm_email::save(&mut tx, admin.tenant, admin.id, draft.version, &group).await? else {
        return Err(AppError::Conflict);
    };
    let details = format!(
        "provider={provider} smtp={}:{} {} login={} sender={} account={account}{}",
        smtp.host,
        smtp.port,
        smtp.security.as_str(),
        draft.login,
        draft.sender_email,
        match (draft.sign_in, &draft.password) {
            (Some(id), _) => format!(" oauth_sign_in={id}"),
            (None, Some(_)) => " password=changed".to_string(),
            (None, None) => String::new(),
        }
    );
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "save", "crm_email_settings", &details).await?;
    let resumed = notifications::outbox::account_saved(&mut tx, admin.tenant, account).await?;
    tx.commit().await?;
    if resumed > 0 {
        state.outbox_queued.notify_one();
    }
    Ok(MailTabOutcome::Saved { version: new_version })
}

/// The shared account the save would write (none yet: a new one), after the checks that need no
/// connection: the tab is open, nobody saved since the form was loaded, and without a typed
/// password a stored one may go to this server with this login.
async fn existing_account(
    tx: &mut Tx,
    admin: &Admin,
    draft: &MailTabDraft,
    smtp: &ServerAddress,
) -> Result<Option<AccountRow>, AppError> {
    require_mail_tab_open(tx, admin.tenant).await?;
    let current = db::crm_email::get(tx, admin.tenant).await?;
    if current.as_ref().map_or(0, |c| c.version) != draft.version {
        return Err(AppError::Conflict);
    }
    let existing = accounts::find_shared_by_address(tx, admin.tenant, &draft.login.normalized()).await?;
    // Without a typed password or a sign-in with the provider, the stored password must be
    // allowed to go where the save points.
    if draft.password.is_none() && draft.sign_in.is_none() {
        let after = after_save(existing.as_ref(), draft, smtp);
        let saved_for = existing.as_ref().and_then(stored_routes);
        source(false, saved_for.as_ref(), &Routes::of(&after).main, Purpose::Save).map_err(|problem| {
            // Nothing stored: the program could not send on its own.
            let problem = match problem {
                Invalid::PasswordForCheck => Invalid::PasswordRequiredForAutomaticUse,
                other => other,
            };
            AppError::field("password", problem)
        })?;
    }
    Ok(existing)
}

/// The servers the account uses after the save: this SMTP server and login, its incoming server
/// kept.
fn after_save(existing: Option<&AccountRow>, draft: &MailTabDraft, smtp: &ServerAddress) -> Connection {
    let mut after = existing.map(connection_in_use).unwrap_or(Connection {
        provider: None,
        smtp: None,
        incoming: None,
        same_credentials: true,
    });
    after.smtp = Some(ServerLogin { server: smtp.clone(), login: draft.login.to_string() });
    after
}

/// The account's stored password, which the rule above let go to this server.
fn stored_password(state: &AppState, account: &AccountRow) -> Result<SecretString, AppError> {
    let password = state.secrets.open_stored(account, SecretField::Main).map_err(|e| internal("stored password", e))?;
    password.ok_or(AppError::field("password", Invalid::PasswordRequiredForAutomaticUse))
}

/// An SMTP login with the settings to be saved (counted against the rate limits). A refusal
/// carries the report, explained at the field it points at.
async fn check(
    state: &AppState,
    admin: &Admin,
    smtp: &ServerAddress,
    login: &Login<'_>,
    progress: Option<Progress>,
) -> Result<(), AppError> {
    rate::mail_operation(&state.db, state.config.mail_limits(), admin.tenant, admin.id).await?;
    let mail = trusted_certificates::mail_for(state, admin.tenant).await?;
    let report = smtp::errand(&mail, smtp, login, Errand::Login, progress.map(|p| p.steps())).await;
    let report = trusted_certificates::vouched(state, admin.tenant, report);
    tracing::info!(tenant = admin.tenant.0, passed = report.passed(), "mail tab save check");
    if report.passed() {
        Ok(())
    } else {
        Err(AppError::CheckFailed(report))
    }
}
