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

/// «Отправить» or «Сохранить»: one form, its `intent` says which.
#[server(endpoint = "crm_email/submit")]
pub async fn submit_mail_tab(
    #[server(flatten)] input: MailTabInput,
    #[server(default)] run_id: String,
) -> Result<MailTabOutcome, AppError> {
    use crate::model::crm_email::KeptMailTab;
    use crate::server::progress::{self, Progress};
    use crate::server::{crm_email, setup, web};
    let admin = web::require_admin().await?;
    let state = web::state()?;
    setup::ensure_mail_tab_open(&state.db, &admin).await?;
    // A plain HTML form sends no run id: its outcome, refused or not, is kept under one made
    // here with what was typed, and the tab it returns to shows both.
    let plain = web::plain_form();
    let run_id = if plain { progress::new_run_id() } else { run_id };
    let progress = Progress::start(&state.db, &admin, &run_id);
    let outcome = crm_email::submit(&state, &admin, &input, progress).await;
    if plain {
        progress::keep_outcome(&state.db, &admin, &run_id, &KeptMailTab::of(outcome.clone(), &input)).await?;
        web::back_with_run(&run_id);
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
