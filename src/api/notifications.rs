//! The «Уведомления» page: administrators read «Журнал отправки», queue a letter again or cancel
//! it, and make and revoke the host application's API keys.

use crate::model::error::AppError;
use crate::model::notifications::{ApiKeyView, CreatedApiKey, JournalPage, NewApiKeyInput, RowInput};
use leptos::prelude::*;

/// A page of the journal; `status` empty for every status, `before` empty for the newest, `from`
/// and `to` (dates) empty for no bound.
#[server(endpoint = "notifications/journal")]
pub async fn journal(status: String, before: String, from: String, to: String) -> Result<JournalPage, AppError> {
    use crate::server::{notifications::journal, web};
    let admin = web::require_admin().await?;
    let status = match status.trim() {
        "" => None,
        name => Some(crate::model::notifications::OutboxStatus::from_name(name).ok_or(AppError::BadRequest)?),
    };
    let before = match before.trim() {
        "" => None,
        id => Some(id.parse::<i64>().map_err(|_| AppError::BadRequest)?),
    };
    let period = crate::model::notifications::JournalPeriod::parse(&from, &to).map_err(AppError::Invalid)?;
    journal::list(&web::state()?, &admin, status, before, period).await
}

#[server(endpoint = "notifications/retry")]
pub async fn retry_letter(#[server(flatten)] input: RowInput) -> Result<(), AppError> {
    use crate::server::{notifications::journal, web};
    let admin = web::require_admin().await?;
    journal::retry(&web::state()?, &admin, input).await
}

#[server(endpoint = "notifications/cancel")]
pub async fn cancel_letter(#[server(flatten)] input: RowInput) -> Result<(), AppError> {
    use crate::server::{notifications::journal, web};
    let admin = web::require_admin().await?;
    journal::cancel(&web::state()?, &admin, input).await
}

#[server(endpoint = "notifications/keys")]
pub async fn api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    use crate::server::{notifications::journal, web};
    let admin = web::require_admin().await?;
    journal::keys(&web::state()?, &admin).await
}

#[server(endpoint = "notifications/create_key")]
pub async fn create_api_key(#[server(flatten)] input: NewApiKeyInput) -> Result<CreatedApiKey, AppError> {
    use crate::server::{notifications::journal, web};
    let admin = web::require_admin().await?;
    let made = journal::create_key(&web::state()?, &admin, input).await?;
    if web::plain_form() {
        web::keep_shown_once(&made.key)?;
        web::redirect_plain_form("/notifications");
    }
    Ok(made)
}

/// The key a plain form (without JavaScript) just made, shown once on the page it returns to.
#[server(endpoint = "notifications/key_shown_once")]
pub async fn key_shown_once() -> Result<Option<String>, AppError> {
    use crate::server::web;
    web::require_admin().await?;
    web::take_shown_once()
}

#[server(endpoint = "notifications/revoke_key")]
pub async fn revoke_api_key(#[server(flatten)] input: RowInput) -> Result<(), AppError> {
    use crate::server::{notifications::journal, web};
    let admin = web::require_admin().await?;
    journal::revoke_key(&web::state()?, &admin, input).await
}

/// Warnings about the accounts notifications go through (failing, or a certificate about to
/// expire), for administrators; other users get none.
#[server(endpoint = "notifications/health")]
pub async fn account_health() -> Result<Vec<crate::model::health::HealthWarning>, AppError> {
    use crate::server::{notifications::health, web};
    let user = web::require_user().await?;
    if !user.is_admin() {
        return Ok(Vec::new());
    }
    health::warnings(&web::state()?, user.tenant, user.lang).await
}
