//! The setup page's small directories, and the rule that opens the «Почта» tab.

use super::auth::CurrentUser;
use super::db::{self, firms, Db, Tx};
use super::fail::is_foreign_key_violation;
use crate::api::setup::{FirmView, MailTabLock, OutletKind, OutletView};
use crate::error::{ensure_valid, AppError};
use crate::model::text::optional_line;
use crate::model::{EmailAddress, FieldErrors, FirmId, Inn, Kpp, Name, OutletId, Phone, TenantId};

const ADDRESS_MAX: u16 = 300;

/// A firm as typed, parsed field by field.
pub struct FirmInput {
    name: Name,
    inn: Inn,
    kpp: Option<Kpp>,
    address: Option<String>,
    phone: Option<Phone>,
    email: Option<EmailAddress>,
}

impl FirmInput {
    pub fn parse(name: &str, inn: &str, kpp: &str, address: &str, phone: &str, email: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", Name::parse(name));
        let inn = errors.check("inn", Inn::parse(inn));
        let kpp = errors.check("kpp", optional(kpp, Kpp::parse));
        let address = errors.check("address", optional_line(address, ADDRESS_MAX));
        let phone = errors.check("phone", optional(phone, Phone::parse));
        let email = errors.check("email", optional(email, EmailAddress::parse));
        ensure_valid(errors)?;
        match (name, inn, kpp, address, phone, email) {
            (Some(name), Some(inn), Some(kpp), Some(address), Some(phone), Some(email)) => {
                Ok(Self { name, inn, kpp, address, phone, email })
            }
            _ => Err(AppError::Internal),
        }
    }
}

fn optional<T>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, crate::model::Invalid>,
) -> Result<Option<T>, crate::model::Invalid> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

pub struct OutletInput {
    kind: OutletKind,
    name: Name,
    firm: FirmId,
    address: Option<String>,
}

impl OutletInput {
    pub fn parse(kind: &str, name: &str, firm: i64, address: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let kind = errors.check("kind", OutletKind::parse(kind));
        let name = errors.check("name", Name::parse(name));
        let address = errors.check("address", optional_line(address, ADDRESS_MAX));
        if firm <= 0 {
            errors.add("firm", crate::model::Invalid::Required);
        }
        ensure_valid(errors)?;
        match (kind, name, address) {
            (Some(kind), Some(name), Some(address)) => Ok(Self { kind, name, firm: FirmId(firm), address }),
            _ => Err(AppError::Internal),
        }
    }
}

pub async fn list_firms(db: &Db, admin: &CurrentUser) -> Result<Vec<FirmView>, AppError> {
    admin.require_admin()?;
    let mut tx = db.read(admin.tenant).await?;
    let rows = firms::list(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|f| FirmView {
            id: f.id,
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

pub async fn save_firm(
    db: &Db,
    admin: &CurrentUser,
    id: i64,
    version: i64,
    input: &FirmInput,
) -> Result<i64, AppError> {
    admin.require_admin()?;
    let data = firms::FirmData {
        name: input.name.as_str(),
        inn: input.inn.as_str(),
        kpp: input.kpp.as_ref().map(Kpp::as_str),
        address: input.address.as_deref(),
        phone: input.phone.as_ref().map(Phone::as_str),
        email: input.email.as_ref().map(EmailAddress::as_str),
    };
    let mut tx = db.write(admin.tenant).await?;
    let saved = if id == 0 {
        firms::insert(&mut tx, admin.tenant, &data).await?
    } else {
        let id = FirmId(id);
        if !firms::update(&mut tx, admin.tenant, id, version, &data).await? {
            return Err(changed_or_gone(firms::exists(&mut tx, admin.tenant, id).await?));
        }
        id
    };
    db::audit::record(
        &mut tx,
        admin.tenant,
        Some(admin.id),
        if id == 0 { "create" } else { "update" },
        "firm",
        input.name.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(saved.0)
}

fn changed_or_gone(exists: bool) -> AppError {
    if exists {
        AppError::Conflict
    } else {
        AppError::NotFound
    }
}

/// Refused with [`AppError::InUse`] while an outlet, warehouse or anything else refers to it.
pub async fn delete_firm(db: &Db, admin: &CurrentUser, id: i64) -> Result<(), AppError> {
    admin.require_admin()?;
    let mut tx = db.write(admin.tenant).await?;
    match firms::delete(&mut tx, admin.tenant, FirmId(id)).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound),
        Err(e) if is_foreign_key_violation(&e) => return Err(AppError::InUse),
        Err(e) => return Err(e.into()),
    }
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "delete", "firm", &id.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_outlets(db: &Db, admin: &CurrentUser) -> Result<Vec<OutletView>, AppError> {
    admin.require_admin()?;
    let mut tx = db.read(admin.tenant).await?;
    let rows = firms::list_outlets(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|o| OutletView {
            id: o.id,
            kind: OutletKind::parse(&o.kind).unwrap_or(OutletKind::Outlet),
            name: o.name,
            firm_id: o.firm_id,
            firm_name: o.firm_name,
            address: o.address.unwrap_or_default(),
            version: o.version,
        })
        .collect())
}

pub async fn save_outlet(
    db: &Db,
    admin: &CurrentUser,
    id: i64,
    version: i64,
    input: &OutletInput,
) -> Result<i64, AppError> {
    admin.require_admin()?;
    let data = firms::OutletData {
        kind: input.kind.code(),
        name: input.name.as_str(),
        firm: input.firm,
        address: input.address.as_deref(),
    };
    let mut tx = db.write(admin.tenant).await?;
    // The firm must be one of this tenant's: an id of another tenant's firm is "not chosen".
    if !firms::exists(&mut tx, admin.tenant, input.firm).await? {
        return Err(AppError::field("firm", crate::model::Invalid::UnknownChoice));
    }
    let saved = if id == 0 {
        firms::insert_outlet(&mut tx, admin.tenant, &data).await?
    } else {
        let id = OutletId(id);
        if !firms::update_outlet(&mut tx, admin.tenant, id, version, &data).await? {
            return Err(changed_or_gone(firms::outlet_exists(&mut tx, admin.tenant, id).await?));
        }
        id
    };
    db::audit::record(
        &mut tx,
        admin.tenant,
        Some(admin.id),
        if id == 0 { "create" } else { "update" },
        "outlet",
        input.name.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(saved.0)
}

pub async fn delete_outlet(db: &Db, admin: &CurrentUser, id: i64) -> Result<(), AppError> {
    admin.require_admin()?;
    let mut tx = db.write(admin.tenant).await?;
    match firms::delete_outlet(&mut tx, admin.tenant, OutletId(id)).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound),
        Err(e) if is_foreign_key_violation(&e) => return Err(AppError::InUse),
        Err(e) => return Err(e.into()),
    }
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "delete", "outlet", &id.to_string()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn mail_tab_lock(db: &Db, admin: &CurrentUser) -> Result<MailTabLock, AppError> {
    admin.require_admin()?;
    let mut tx = db.read(admin.tenant).await?;
    let lock = lock_in(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(lock)
}

pub async fn lock_in(tx: &mut Tx, tenant: TenantId) -> Result<MailTabLock, AppError> {
    let (firms, outlets) = firms::counts(tx, tenant).await?;
    Ok(MailTabLock { missing_firm: firms == 0, missing_outlet: outlets == 0 })
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
