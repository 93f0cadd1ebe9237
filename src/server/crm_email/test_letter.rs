//! «Отправить»: a real letter from «Email отправителя» to «Email получателя» with the tab's
//! settings as typed. Nothing is saved; a stored password is used only for the very server and
//! login it was saved for; a sign-in with the provider only for the address it signed in.

use super::sign_in::token_for;
use super::{login, smtp_destination, smtp_server, stored_routes};
use crate::model::crm_email::{MailTabDraft, MailTabOutcome};
use crate::model::error::AppError;
use crate::model::{AccountId, Invalid, ServerAddress, TenantId};
use crate::server::accounts::stored_password::{source, Purpose, Source};
use crate::server::db::{self, accounts, accounts::SecretField};
use crate::server::mail::letters::{self, Sender};
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
    let secret = match (draft.sign_in, draft.password.clone()) {
        (Some(id), _) => token_for(state, admin.tenant, id, &draft.login).await?,
        (None, Some(typed)) => typed,
        (None, None) => stored_password(state, admin.tenant, &smtp, &draft).await?,
    };
    let sender = Sender { name: Some(&draft.sender_name), address: &draft.sender_email };
    let letter = letters::test_letter(admin.lang, &sender, &recipient, &tenant_name, now)
        .map_err(|e| crate::server::fail::internal("composing the test letter", e))?;
    let login = login(&draft, &secret);
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

/// The saved group's stored password, if the rule lets it go to `smtp` with the typed login.
async fn stored_password(
    state: &AppState,
    tenant: TenantId,
    smtp: &ServerAddress,
    draft: &MailTabDraft,
) -> Result<SecretString, AppError> {
    let mut tx = state.db.read(tenant).await?;
    let saved = match db::crm_email::get(&mut tx, tenant).await? {
        Some(row) => accounts::find_by_id(&mut tx, tenant, AccountId(row.account_id)).await?,
        None => None,
    };
    tx.commit().await?;
    let saved_for = saved.as_ref().and_then(stored_routes);
    let refused = |problem| AppError::field("password", problem);
    match source(false, saved_for.as_ref(), &smtp_destination(smtp, draft), Purpose::Use) {
        Ok(Source::Stored) => {
            let account = saved.as_ref().ok_or(AppError::Internal)?;
            let password = state.secrets.open_stored(account, SecretField::Main);
            password.map_err(|e| crate::server::fail::internal("stored password", e))?.ok_or(AppError::Internal)
        }
        Err(Invalid::PasswordForCheck) => Err(refused(Invalid::Required)),
        Err(problem) => Err(refused(problem)),
        Ok(_) => Err(AppError::Internal),
    }
}
