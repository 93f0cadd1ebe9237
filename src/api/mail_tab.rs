//! The «Почта» tab: presets, the test letter («Отправить») and the save («Сохранить») that writes
//! both CRM ► Уведомления ► Электронная почта and the directory account. Administrators only,
//! and only once the tab is open (a firm and an outlet or warehouse exist).

use crate::error::AppError;
use crate::mail_check::CheckReport;
use crate::model::MailService;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The saved group «CRM ► Уведомления ► Электронная почта». Never carries the password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrmEmailView {
    pub provider: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub use_ssl: bool,
    pub login: String,
    pub has_password: bool,
    pub sender_name: String,
    pub sender_email: String,
    pub test_recipient: String,
    pub account_id: i64,
    pub account_name: String,
    pub updated_at: i64,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailTabView {
    pub services: Vec<MailService>,
    pub settings: Option<CrmEmailView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MailTabOutcome {
    /// The test letter was accepted by the server; nothing was saved.
    TestLetterSent { report: CheckReport, recipient: String },
    /// Both places were written; the new version of the settings.
    Saved { version: i64 },
}

#[server(endpoint = "mail_tab/load")]
pub async fn load_mail_tab() -> Result<MailTabView, AppError> {
    use crate::server::{mail_tab, web};
    let admin = web::require_admin().await?;
    mail_tab::load(&web::state()?, &admin).await
}

/// «Отправить» (`intent=send`) or «Сохранить» (`intent=save`): one form, two buttons.
#[server(endpoint = "mail_tab/submit")]
#[allow(clippy::too_many_arguments)]
pub async fn submit_mail_tab(
    intent: String,
    provider: String,
    #[server(default)] smtp_host: String,
    #[server(default)] use_ssl: bool,
    #[server(default)] smtp_port: String,
    login: String,
    #[server(default)] password: String,
    sender_name: String,
    sender_email: String,
    #[server(default)] recipient: String,
    #[server(default)] version: i64,
    #[server(default)] run_id: String,
) -> Result<MailTabOutcome, AppError> {
    use crate::server::{mail_tab, progress::Progress, web};
    let admin = web::require_admin().await?;
    let state = web::state()?;
    let form = mail_tab::MailTabForm {
        provider: &provider,
        smtp_host: &smtp_host,
        use_ssl,
        smtp_port: &smtp_port,
        login: &login,
        password: secrecy::SecretString::from(password),
        sender_name: &sender_name,
        sender_email: &sender_email,
        recipient: &recipient,
    };
    match intent.as_str() {
        "send" => mail_tab::send_test_letter(&state, &admin, form, Progress::start(&state.db, &admin, &run_id)).await,
        "save" => mail_tab::save(&state, &admin, form, version).await,
        _ => Err(AppError::BadRequest),
    }
}

/// The group as «Настройки программы» shows it.
#[server(endpoint = "program_settings/crm_email")]
pub async fn crm_email_settings() -> Result<Option<CrmEmailView>, AppError> {
    use crate::server::{mail_tab, web};
    let admin = web::require_admin().await?;
    mail_tab::settings_view(&web::state()?, &admin).await
}
