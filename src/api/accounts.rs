//! The directory «Учетные записи электронной почты»: list, create (automatically or by hand),
//! edit, «Проверить настройки», delete. Users see shared accounts and their own; administrators
//! create and change shared ones and the system account.

use crate::error::AppError;
use crate::mail_check::CheckReport;
use crate::model::{Protocol, Security};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountRowView {
    pub id: i64,
    pub name: String,
    pub sender_name: String,
    pub address: String,
    pub is_system: bool,
    pub for_everyone: bool,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub configured: bool,
    pub last_check_at: Option<i64>,
    pub last_check_ok: Option<bool>,
    /// The reason name of the last failed check (see `mail_check::Reason::from_name`).
    pub last_check_reason: Option<String>,
}

/// How the list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountSort {
    #[default]
    Name,
    Sender,
    Address,
    LastCheck,
}

impl AccountSort {
    pub fn code(self) -> &'static str {
        match self {
            AccountSort::Name => "name",
            AccountSort::Sender => "sender",
            AccountSort::Address => "address",
            AccountSort::LastCheck => "checked",
        }
    }

    pub fn parse(raw: &str) -> Self {
        match raw {
            "sender" => AccountSort::Sender,
            "address" => AccountSort::Address,
            "checked" => AccountSort::LastCheck,
            _ => AccountSort::Name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountListView {
    pub rows: Vec<AccountRowView>,
    pub page: u32,
    pub has_more: bool,
    pub is_admin: bool,
    pub system_id: Option<i64>,
}

/// A server of an account as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerView {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub login: String,
}

/// The connection settings of an account (found automatically, recommended, or saved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub provider: Option<String>,
    pub smtp: Option<ServerView>,
    pub incoming_protocol: Protocol,
    pub incoming: Option<ServerView>,
    pub same_credentials: bool,
    /// Where they came from: `preset`, `autoconfig`, `ispdb`, `mx`, `srv`, `probe`, `defaults`,
    /// or `saved`.
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub sender_name: String,
    pub is_system: bool,
    pub for_everyone: bool,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub initial_load_date: String,
    pub connection: ConnectionView,
    pub has_password: bool,
    pub has_incoming_password: bool,
    pub version: i64,
    pub last_check_at: Option<i64>,
    pub last_check_ok: Option<bool>,
    pub last_check_reason: Option<String>,
    /// Whether the signed-in user may change it (its owner, or an administrator for shared ones).
    pub can_edit: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccountOutcome {
    /// The account passed its check and was saved.
    Saved { id: i64, report: CheckReport },
    /// Continue by hand with these settings: after «Далее», or when automatic setup could not
    /// find the settings or they failed their check (then `report` says why).
    Manual { connection: ConnectionView, report: Option<CheckReport> },
}

#[server(endpoint = "accounts/list")]
pub async fn list_accounts(
    #[server(default)] q: String,
    #[server(default)] sort: String,
    #[server(default)] page: u32,
) -> Result<AccountListView, AppError> {
    use crate::server::{directory, web};
    let user = web::require_user().await?;
    directory::list(&web::state()?, &user, &q, AccountSort::parse(&sort), page).await
}

#[server(endpoint = "accounts/get")]
pub async fn get_account(id: i64) -> Result<AccountView, AppError> {
    use crate::server::{directory, web};
    let user = web::require_user().await?;
    directory::get(&web::state()?, &user, id).await
}

/// «Создать» (`intent=create`, automatic or manual), «Далее» (`intent=next`), «Сохранить»
/// (`intent=save`). `id` 0 creates.
#[server(endpoint = "accounts/submit")]
#[allow(clippy::too_many_arguments)]
pub async fn submit_account(
    intent: String,
    #[server(default)] id: i64,
    #[server(default)] version: i64,
    #[server(default)] name: String,
    address: String,
    #[server(default)] password: String,
    #[server(default)] remember_password: bool,
    #[server(default)] use_for_sending: bool,
    #[server(default)] use_for_receiving: bool,
    #[server(default)] for_whom: String,
    #[server(default)] sender_name: String,
    #[server(default)] mode: String,
    #[server(default)] initial_load_date: String,
    #[server(default)] smtp_host: String,
    #[server(default)] smtp_port: String,
    #[server(default)] smtp_security: String,
    #[server(default)] smtp_login: String,
    #[server(default)] incoming_protocol: String,
    #[server(default)] incoming_host: String,
    #[server(default)] incoming_port: String,
    #[server(default)] incoming_security: String,
    #[server(default)] incoming_login: String,
    #[server(default)] same_credentials: bool,
    #[server(default)] incoming_password: String,
    #[server(default)] run_id: String,
) -> Result<AccountOutcome, AppError> {
    use crate::server::directory::{self, AccountForm};
    use crate::server::{progress::Progress, web};
    let user = web::require_user().await?;
    let form = AccountForm {
        id,
        version,
        name: &name,
        address: &address,
        password: secrecy::SecretString::from(password),
        remember_password,
        use_for_sending,
        use_for_receiving,
        for_whom: &for_whom,
        sender_name: &sender_name,
        mode: &mode,
        initial_load_date: &initial_load_date,
        smtp_host: &smtp_host,
        smtp_port: &smtp_port,
        smtp_security: &smtp_security,
        smtp_login: &smtp_login,
        incoming_protocol: &incoming_protocol,
        incoming_host: &incoming_host,
        incoming_port: &incoming_port,
        incoming_security: &incoming_security,
        incoming_login: &incoming_login,
        same_credentials,
        incoming_password: secrecy::SecretString::from(incoming_password),
    };
    let state = web::state()?;
    let progress = Progress::start(&state.db, &user, &run_id);
    directory::submit(&state, &user, &intent, form, progress).await
}

/// «Проверить настройки»: checks a saved account without changing it; the passwords are asked
/// for when none is stored, and forgotten afterwards.
#[server(endpoint = "accounts/check")]
pub async fn check_account(
    id: i64,
    #[server(default)] password: String,
    #[server(default)] incoming_password: String,
    #[server(default)] run_id: String,
) -> Result<CheckReport, AppError> {
    use crate::server::{directory, progress::Progress, web};
    let user = web::require_user().await?;
    let state = web::state()?;
    let password = secrecy::SecretString::from(password);
    let incoming_password = secrecy::SecretString::from(incoming_password);
    let progress = Progress::start(&state.db, &user, &run_id);
    directory::check(&state, &user, id, password, incoming_password, progress).await
}

#[server(endpoint = "accounts/delete")]
pub async fn delete_account(id: i64) -> Result<(), AppError> {
    use crate::server::{directory, web};
    let user = web::require_user().await?;
    directory::delete(&web::state()?, &user, id).await
}
