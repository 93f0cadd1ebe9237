//! CRM ► Уведомления ► Электронная почта: the «Почта» tab (presets, the test letter «Отправить»,
//! the save «Сохранить» into the setting and the directory account) and «Настройки программы».
//! Administrators only; the tab's functions only once the tab is open.

use crate::model::crm_email::{CrmEmailView, MailTabInput, MailTabOutcome, MailTabView};
use crate::model::error::AppError;
use leptos::prelude::*;

/// The tab; `run` names a plain HTML form's run whose outcome the page shows.
#[server(endpoint = "crm_email/mail_tab")]
pub async fn load_mail_tab(#[server(default)] run: String) -> Result<MailTabView, AppError> {
    use crate::server::{crm_email, web};
    let admin = web::require_admin().await?;
    crm_email::load(&web::state()?, &admin, &run).await
}

/// «Отправить», «Сохранить» or «Войти через …»: one form, its `intent` says which.
#[server(endpoint = "crm_email/submit")]
pub async fn submit_mail_tab(
    #[server(flatten)] input: MailTabInput,
    #[server(default)] run_id: String,
) -> Result<MailTabOutcome, AppError> {
    use crate::model::crm_email::KeptMailTab;
    use crate::server::progress::{FormRun, Progress};
    use crate::server::{crm_email, setup, web};
    let admin = web::require_admin().await?;
    let state = web::state()?;
    setup::ensure_mail_tab_open(&state.db, &admin).await?;
    let run = FormRun::of(run_id);
    let outcome = crm_email::submit(&state, &admin, &input, Progress::start(&state.db, &admin, &run.id)).await;
    // Refused or not, a plain form's outcome returns to the tab with what was typed (unless the
    // browser is on its way to the provider to sign in).
    if !matches!(outcome, Ok(MailTabOutcome::SigningIn)) {
        run.keep_for_page(&state.db, &admin, &KeptMailTab::of(outcome.clone(), &input)).await?;
    }
    outcome
}

/// The group as «Настройки программы» shows it.
#[server(endpoint = "crm_email/settings")]
pub async fn crm_email_settings() -> Result<Option<CrmEmailView>, AppError> {
    use crate::server::{crm_email, web};
    let admin = web::require_admin().await?;
    crm_email::settings_view(&web::state()?, &admin).await
}
