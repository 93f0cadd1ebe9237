//! The setup page's service: the small directories «Наши фирмы» and «Торговые точки и склады»
//! (administrators only), and the rule that opens the «Почта» tab.

use super::db::setup::{self as rows, Directory, DirectoryRow, FirmData, OutletData};
use super::db::{self, Db, Tx};
use super::fail::on_foreign_key;
use super::session::Admin;
use crate::model::error::AppError;
use crate::model::setup::{FirmDraft, FirmView, MailTabLock, OutletDraft, OutletKind, OutletView, Saving};
use crate::model::{EmailAddress, FirmId, Invalid, Kpp, OutletId, Phone, TenantId};

/// What the audit log calls a row of the directory.
fn audit_entity(directory: Directory) -> &'static str {
    match directory {
        Directory::Firms => "firm",
        Directory::Outlets => "outlet",
    }
}

pub async fn list_firms(db: &Db, admin: &Admin) -> Result<Vec<FirmView>, AppError> {
    let mut tx = db.read(admin.tenant).await?;
    let rows = rows::list_firms(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|f| FirmView {
            id: FirmId(f.id),
            name: f.name,
            inn: f.inn,
            kpp: f.kpp.unwrap_or_default(),
            address: f.address.unwrap_or_default(),
            phone: f.phone.unwrap_or_default(),
            email: f.email.unwrap_or_default(),
            version: f.version,
        })
        .collect())
}

pub async fn save_firm(db: &Db, admin: &Admin, draft: &FirmDraft) -> Result<FirmId, AppError> {
    let data = FirmData {
        name: draft.name.as_str(),
        inn: draft.inn.as_str(),
        kpp: draft.kpp.as_ref().map(Kpp::as_str),
        address: draft.address.as_deref(),
        phone: draft.phone.as_ref().map(Phone::as_str),
        email: draft.email.as_ref().map(EmailAddress::as_str),
    };
    let tx = db.write(admin.tenant).await?;
    save(tx, admin, draft.saving.map(|id| id.0), &data, draft.name.as_str()).await.map(FirmId)
}

pub async fn list_outlets(db: &Db, admin: &Admin) -> Result<Vec<OutletView>, AppError> {
    let mut tx = db.read(admin.tenant).await?;
    let rows = rows::list_outlets(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|o| OutletView {
            id: OutletId(o.id),
            kind: OutletKind::parse(&o.kind).unwrap_or(OutletKind::Outlet),
            name: o.name,
            firm_id: FirmId(o.firm_id),
            firm_name: o.firm_name,
            address: o.address.unwrap_or_default(),
            version: o.version,
        })
        .collect())
}

pub async fn save_outlet(db: &Db, admin: &Admin, draft: &OutletDraft) -> Result<OutletId, AppError> {
    let data = OutletData {
        kind: draft.kind.code(),
        name: draft.name.as_str(),
        firm: draft.firm,
        address: draft.address.as_deref(),
    };
    let mut tx = db.write(admin.tenant).await?;
    // The firm must be one of this tenant's: an id of another tenant's firm is "not chosen".
    if !rows::exists(&mut tx, admin.tenant, Directory::Firms, draft.firm.0).await? {
        return Err(AppError::field("firm", Invalid::UnknownChoice));
    }
    save(tx, admin, draft.saving.map(|id| id.0), &data, draft.name.as_str()).await.map(OutletId)
}

/// Writes a new row or a known one at its version, with an audit row, and commits.
async fn save<R: DirectoryRow>(
    mut tx: Tx,
    admin: &Admin,
    saving: Saving<i64>,
    row: &R,
    name: &str,
) -> Result<i64, AppError> {
    let (id, action) = match saving {
        Saving::New => (rows::insert(&mut tx, admin.tenant, row).await?, "create"),
        Saving::Existing { id, version } => {
            if !rows::update(&mut tx, admin.tenant, id, version, row).await? {
                // Someone changed it meanwhile, or it is gone.
                let exists = rows::exists(&mut tx, admin.tenant, R::DIRECTORY, id).await?;
                return Err(if exists { AppError::Conflict } else { AppError::NotFound });
            }
            (id, "update")
        }
    };
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), action, audit_entity(R::DIRECTORY), name).await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes a firm or an outlet; refused with [`AppError::InUse`] while something refers to it.
pub async fn delete(db: &Db, admin: &Admin, directory: Directory, id: i64) -> Result<(), AppError> {
    let mut tx = db.write(admin.tenant).await?;
    if !rows::delete(&mut tx, admin.tenant, directory, id).await.map_err(on_foreign_key())? {
        return Err(AppError::NotFound);
    }
    let entity = audit_entity(directory);
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "delete", entity, &id.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn mail_tab_lock(db: &Db, admin: &Admin) -> Result<MailTabLock, AppError> {
    let mut tx = db.read(admin.tenant).await?;
    let lock = lock_in(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(lock)
}

async fn lock_in(tx: &mut Tx, tenant: TenantId) -> Result<MailTabLock, AppError> {
    let (firm, outlet) = rows::present(tx, tenant).await?;
    Ok(MailTabLock { missing_firm: !firm, missing_outlet: !outlet })
}

/// Every «Почта» server function starts here: the tab stays closed until a firm and an outlet
/// or warehouse exist, whatever the browser shows.
pub async fn require_mail_tab_open(tx: &mut Tx, tenant: TenantId) -> Result<(), AppError> {
    let lock = lock_in(tx, tenant).await?;
    if lock.is_open() {
        Ok(())
    } else {
        Err(AppError::MailTabLocked { missing_firm: lock.missing_firm, missing_outlet: lock.missing_outlet })
    }
}

/// The same, in a transaction of its own, before a «Почта» form is even read.
pub async fn ensure_mail_tab_open(db: &Db, admin: &Admin) -> Result<(), AppError> {
    let mut tx = db.read(admin.tenant).await?;
    require_mail_tab_open(&mut tx, admin.tenant).await?;
    Ok(tx.commit().await?)
}
