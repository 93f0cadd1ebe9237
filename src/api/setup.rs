//! The setup page's directories «Наши фирмы» and «Торговые точки и склады», and whether the
//! «Почта» tab is open. Administrators only.

use crate::model::error::AppError;
use crate::model::setup::{FirmInput, FirmView, MailTabLock, OutletInput, OutletView};
use crate::model::{FirmId, OutletId};
use leptos::prelude::*;

#[server(endpoint = "setup/firms")]
pub async fn list_firms() -> Result<Vec<FirmView>, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::list_firms(&web::state()?.db, &admin).await
}

/// Creates (`id` empty or 0) or updates a firm.
#[server(endpoint = "setup/save_firm")]
pub async fn save_firm(#[server(flatten)] input: FirmInput) -> Result<FirmId, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::save_firm(&web::state()?.db, &admin, &input.parse()?).await
}

#[server(endpoint = "setup/delete_firm")]
pub async fn delete_firm(id: FirmId) -> Result<(), AppError> {
    use crate::server::db::setup::Directory;
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::delete(&web::state()?.db, &admin, Directory::Firms, id.0).await
}

#[server(endpoint = "setup/outlets")]
pub async fn list_outlets() -> Result<Vec<OutletView>, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::list_outlets(&web::state()?.db, &admin).await
}

/// Creates (`id` empty or 0) or updates an outlet or warehouse.
#[server(endpoint = "setup/save_outlet")]
pub async fn save_outlet(#[server(flatten)] input: OutletInput) -> Result<OutletId, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::save_outlet(&web::state()?.db, &admin, &input.parse()?).await
}

#[server(endpoint = "setup/delete_outlet")]
pub async fn delete_outlet(id: OutletId) -> Result<(), AppError> {
    use crate::server::db::setup::Directory;
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::delete(&web::state()?.db, &admin, Directory::Outlets, id.0).await
}

#[server(endpoint = "setup/mail_tab_lock")]
pub async fn get_mail_tab_lock() -> Result<MailTabLock, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::mail_tab_lock(&web::state()?.db, &admin).await
}
