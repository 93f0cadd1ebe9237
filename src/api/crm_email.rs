//! CRM ► Уведомления ► Электронная почта: the «Почта» tab (presets, the test letter «Отправить»,
//! the save «Сохранить» into the setting and the directory account) and «Настройки программы».
//! Administrators only; the tab's functions only once the tab is open.

use crate::model::crm_email::{CrmEmailView, MailTabInput, MailTabOutcome, MailTabView};
use crate::model::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "crm_email/mail_tab")]
pub async fn load_mail_tab() -> Result<MailTabView, AppError> {
    use crate::server::{crm_email, web};
    let admin = web::require_admin().await?;
    crm_email::load(&web::state()?, &admin).await
}

/// «Отправить» or «Сохранить»: one form, its `intent` says which.
#[server(endpoint = "crm_email/submit")]
pub async fn submit_mail_tab(
    #[server(flatten)] input: MailTabInput,
    #[server(default)] run_id: String,
) -> Result<MailTabOutcome, AppError> {
    use crate::model::crm_email::MailTabIntent;
    use crate::server::{crm_email, progress::Progress, setup, web};
    let admin = web::require_admin().await?;
    let state = web::state()?;
    setup::ensure_mail_tab_open(&state.db, &admin).await?;
    let draft = input.parse()?;
    let progress = Progress::start(&state.db, &admin, &run_id);
    match draft.intent {
        MailTabIntent::Send => crm_email::send_test_letter(&state, &admin, draft, progress).await,
        MailTabIntent::Save => crm_email::save(&state, &admin, draft, progress).await,
    }
}

/// The group as «Настройки программы» shows it.
#[server(endpoint = "crm_email/settings")]
pub async fn crm_email_settings() -> Result<Option<CrmEmailView>, AppError> {
    use crate::server::{crm_email, web};
    let admin = web::require_admin().await?;
    crm_email::settings_view(&web::state()?, &admin).await
}
