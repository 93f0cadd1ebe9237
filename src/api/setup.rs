//! The setup page's directories «Наши фирмы» and «Торговые точки и склады», and whether the
//! «Почта» tab is open. Administrators only.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirmView {
    pub id: i64,
    pub name: String,
    pub inn: String,
    pub kpp: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub version: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutletKind {
    Outlet,
    Warehouse,
}

impl OutletKind {
    pub fn code(self) -> &'static str {
        match self {
            OutletKind::Outlet => "outlet",
            OutletKind::Warehouse => "warehouse",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, crate::model::Invalid> {
        match raw.trim() {
            "outlet" => Ok(OutletKind::Outlet),
            "warehouse" => Ok(OutletKind::Warehouse),
            "" => Err(crate::model::Invalid::Required),
            _ => Err(crate::model::Invalid::UnknownChoice),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            OutletKind::Outlet => "outlets.kind_outlet",
            OutletKind::Warehouse => "outlets.kind_warehouse",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutletView {
    pub id: i64,
    pub kind: OutletKind,
    pub name: String,
    pub firm_id: i64,
    pub firm_name: String,
    pub address: String,
    pub version: i64,
}

/// What the «Почта» tab still waits for; both `false`: the tab is open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailTabLock {
    pub missing_firm: bool,
    pub missing_outlet: bool,
}

impl MailTabLock {
    pub fn is_open(self) -> bool {
        !self.missing_firm && !self.missing_outlet
    }
}

#[server(endpoint = "setup/firms")]
pub async fn list_firms() -> Result<Vec<FirmView>, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::list_firms(&web::state()?.db, &admin).await
}

/// Creates (`id` 0) or updates a firm.
#[server(endpoint = "setup/save_firm")]
pub async fn save_firm(
    id: i64,
    version: i64,
    name: String,
    inn: String,
    kpp: String,
    address: String,
    phone: String,
    email: String,
) -> Result<i64, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    let firm = setup::FirmInput::parse(&name, &inn, &kpp, &address, &phone, &email)?;
    setup::save_firm(&web::state()?.db, &admin, id, version, &firm).await
}

#[server(endpoint = "setup/delete_firm")]
pub async fn delete_firm(id: i64) -> Result<(), AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::delete_firm(&web::state()?.db, &admin, id).await
}

#[server(endpoint = "setup/outlets")]
pub async fn list_outlets() -> Result<Vec<OutletView>, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::list_outlets(&web::state()?.db, &admin).await
}

/// Creates (`id` 0) or updates an outlet or warehouse.
#[server(endpoint = "setup/save_outlet")]
pub async fn save_outlet(
    id: i64,
    version: i64,
    kind: String,
    name: String,
    firm: i64,
    address: String,
) -> Result<i64, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    let outlet = setup::OutletInput::parse(&kind, &name, firm, &address)?;
    setup::save_outlet(&web::state()?.db, &admin, id, version, &outlet).await
}

#[server(endpoint = "setup/delete_outlet")]
pub async fn delete_outlet(id: i64) -> Result<(), AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::delete_outlet(&web::state()?.db, &admin, id).await
}

#[server(endpoint = "setup/mail_tab_lock")]
pub async fn get_mail_tab_lock() -> Result<MailTabLock, AppError> {
    use crate::server::{setup, web};
    let admin = web::require_admin().await?;
    setup::mail_tab_lock(&web::state()?.db, &admin).await
}
