//! «Отправить»: a real letter from «Email отправителя» to «Email получателя» with the tab's
//! settings as typed. Nothing is saved; a stored password is used only for the very server and
//! login it was saved for; a sign-in with the provider only for the address it signed in.

use super::{sign_in_token, smtp_destination, smtp_server, stored_routes};
use crate::model::crm_email::{MailTabDraft, MailTabOutcome};
use crate::model::error::AppError;
use crate::model::{AccountId, Invalid, TenantId};
use crate::server::accounts::stored_password::{source, Destinations, Purpose, Source};
use crate::server::db::{self, accounts, accounts::SecretField};
use crate::server::mail::letters::{self, Sender};
use crate::server::mail::login::Credential;
use crate::server::mail::smtp::{self, Errand};
use crate::server::progress::Progress;
use crate::server::rate;
use crate::server::session::Admin;
use crate::server::setup::require_mail_tab_open;
use crate::server::state::AppState;
use crate::server::time_zone;
use crate::server::trusted_certificates;
use secrecy::SecretString;

pub async fn send_test_letter(
    state: &AppState,
    admin: &Admin,
    draft: MailTabDraft,
    progress: Option<Progress>,
) -> Result<MailTabOutcome, AppError> {
    let (tenant_name, now) = {
        let mut tx = state.db.read(admin.tenant).await?;
        require_mail_tab_open(&mut tx, admin.tenant).await?;
        let name = db::tenants::name(&mut tx, admin.tenant).await?.unwrap_or_default();
        let now = time_zone::now(&mut tx, admin.tenant).await?;
        tx.commit().await?;
        (name, now)
    };
    let smtp = smtp_server(state, &draft)?;
    let recipient = draft.recipient.clone().ok_or_else(|| AppError::field("recipient", Invalid::Required))?;
    rate::mail_operation(&state.db, state.config.mail_limits(), admin.tenant, admin.id).await?;
    let saved = saved_account(state, admin.tenant).await?;
    let to = smtp_destination(&smtp, &draft);
    let credential = match (draft.sign_in, draft.password.clone()) {
        (Some(id), _) => {
            Credential::AccessToken(sign_in_token(state, admin, id, &draft, saved.as_ref(), &to, Purpose::Use).await?)
        }
        (None, Some(typed)) => Credential::Password(typed),
        (None, None) => Credential::Password(stored_password(state, saved.as_ref(), &to)?),
    };
    let sender = Sender { name: Some(&draft.sender_name), address: &draft.sender_email };
    let letter = letters::test_letter(admin.lang, &sender, &recipient, &tenant_name, now)
        .map_err(|e| crate::server::fail::internal("composing the test letter", e))?;
    let login = credential.login(draft.login.as_str());
    let observer = progress.map(|p| p.steps());
    let mail = trusted_certificates::mail_for(state, admin.tenant).await?;
    let report = smtp::errand(&mail, &smtp, &login, Errand::Send(&letter), observer).await;
    let report = trusted_certificates::vouched(state, admin.tenant, report);
    tracing::info!(tenant = admin.tenant.0, passed = report.passed(), "test letter");
    if report.passed() {
        Ok(MailTabOutcome::TestLetterSent { report, recipient: recipient.unicode() })
    } else {
        Err(AppError::CheckFailed(report))
    }
}

/// The account the saved group sends through.
async fn saved_account(state: &AppState, tenant: TenantId) -> Result<Option<accounts::AccountRow>, AppError> {
    let mut tx = state.db.read(tenant).await?;
    let saved = match db::crm_email::get(&mut tx, tenant).await? {
        Some(row) => accounts::find_by_id(&mut tx, tenant, AccountId(row.account_id)).await?,
        None => None,
    };
    tx.commit().await?;
    Ok(saved)
}

/// The `saved` account's stored password, if the rule lets it go `to` the typed server and login.
fn stored_password(
    state: &AppState,
    saved: Option<&accounts::AccountRow>,
    to: &Destinations,
) -> Result<SecretString, AppError> {
    let saved_for = saved.and_then(stored_routes);
    let refused = |problem| AppError::field("password", problem);
    match source(false, saved_for.as_ref(), to, Purpose::Use) {
        Ok(Source::Stored) => {
            let account = saved.ok_or(AppError::Internal)?;
            let password = state.secrets.open_stored(account, SecretField::Main);
            password.map_err(|e| crate::server::fail::internal("stored password", e))?.ok_or(AppError::Internal)
        }
        Err(Invalid::PasswordForCheck) => Err(refused(Invalid::Required)),
        Err(problem) => Err(refused(problem)),
        Ok(_) => Err(AppError::Internal),
    }
}
