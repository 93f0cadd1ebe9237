//! The setup page's small directories «Наши фирмы» and «Торговые точки и склады» on the wire, and
//! whether the «Почта» tab is open.

use super::accounts::hidden_number;
use super::error::{valid, AppError};
use super::text::optional_line;
use super::{EmailAddress, FieldErrors, FirmId, Inn, Invalid, Kpp, Name, OutletId, Phone};
use serde::{Deserialize, Serialize};

const ADDRESS_MAX: u16 = 300;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FirmView {
    pub id: FirmId,
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

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "outlet" => Ok(OutletKind::Outlet),
            "warehouse" => Ok(OutletKind::Warehouse),
            "" => Err(Invalid::Required),
            _ => Err(Invalid::UnknownChoice),
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
    pub id: OutletId,
    pub kind: OutletKind,
    pub name: String,
    pub firm_id: FirmId,
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

/// Which row of a small directory a save writes: a new one, or a known one at the version the
/// form was loaded with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saving<Id> {
    New,
    Existing { id: Id, version: i64 },
}

impl<Id> Saving<Id> {
    pub fn map<T>(self, f: impl FnOnce(Id) -> T) -> Saving<T> {
        match self {
            Saving::New => Saving::New,
            Saving::Existing { id, version } => Saving::Existing { id: f(id), version },
        }
    }
}

fn saving<Id>(id: &str, version: &str, make: fn(i64) -> Id) -> Result<Saving<Id>, AppError> {
    Ok(match hidden_number(id)? {
        id if id > 0 => Saving::Existing { id: make(id), version: hidden_number(version)? },
        _ => Saving::New,
    })
}

fn optional<T>(raw: &str, parse: impl Fn(&str) -> Result<T, Invalid>) -> Result<Option<T>, Invalid> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

/// The firm form, named as the form names its fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FirmInput {
    pub id: String,
    pub version: String,
    pub name: String,
    pub inn: String,
    pub kpp: String,
    pub address: String,
    pub phone: String,
    pub email: String,
}

/// A firm, parsed.
#[derive(Debug)]
pub struct FirmDraft {
    pub saving: Saving<FirmId>,
    pub name: Name,
    pub inn: Inn,
    pub kpp: Option<Kpp>,
    pub address: Option<String>,
    pub phone: Option<Phone>,
    pub email: Option<EmailAddress>,
}

impl FirmInput {
    pub fn parse(&self) -> Result<FirmDraft, AppError> {
        let saving = saving(&self.id, &self.version, FirmId)?;
        let mut errors = FieldErrors::new();
        let name = errors.check("name", Name::parse(&self.name));
        let inn = errors.check("inn", Inn::parse(&self.inn));
        let kpp = errors.check("kpp", optional(&self.kpp, Kpp::parse));
        let address = errors.check("address", optional_line(&self.address, ADDRESS_MAX));
        let phone = errors.check("phone", optional(&self.phone, Phone::parse));
        let email = errors.check("email", optional(&self.email, EmailAddress::parse));
        let draft = (|| {
            Some(FirmDraft {
                saving,
                name: name?,
                inn: inn?,
                kpp: kpp?,
                address: address?,
                phone: phone?,
                email: email?,
            })
        })();
        valid(errors, draft)
    }
}

/// The outlet or warehouse form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutletInput {
    pub id: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub firm: String,
    pub address: String,
}

/// An outlet or warehouse, parsed.
#[derive(Debug)]
pub struct OutletDraft {
    pub saving: Saving<OutletId>,
    pub kind: OutletKind,
    pub name: Name,
    pub firm: FirmId,
    pub address: Option<String>,
}

impl OutletInput {
    pub fn parse(&self) -> Result<OutletDraft, AppError> {
        let saving = saving(&self.id, &self.version, OutletId)?;
        let mut errors = FieldErrors::new();
        let kind = errors.check("kind", OutletKind::parse(&self.kind));
        let name = errors.check("name", Name::parse(&self.name));
        let address = errors.check("address", optional_line(&self.address, ADDRESS_MAX));
        let firm = match self.firm.trim().parse::<i64>() {
            Ok(id) if id > 0 => Some(FirmId(id)),
            _ => errors.check("firm", Err(Invalid::Required)),
        };
        let draft = (|| Some(OutletDraft { saving, kind: kind?, name: name?, firm: firm?, address: address? }))();
        valid(errors, draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_firm_form_parses_and_reports_every_problem() {
        let input = FirmInput {
            name: "ООО Ромашка".into(),
            inn: "7707083893".into(),
            email: "info@romashka.ru".into(),
            ..FirmInput::default()
        };
        let draft = input.parse().unwrap();
        assert_eq!(draft.saving, Saving::New);
        assert!(draft.kpp.is_none() && draft.email.is_some());
        let bad = FirmInput { name: String::new(), inn: "123".into(), phone: "abc".into(), ..input.clone() };
        let Err(AppError::Invalid(errors)) = bad.parse() else { panic!("refused") };
        assert_eq!(errors.0.len(), 3);
        let edit = FirmInput { id: "4".into(), version: "2".into(), ..input };
        assert_eq!(edit.parse().unwrap().saving, Saving::Existing { id: FirmId(4), version: 2 });
    }

    #[test]
    fn an_outlet_needs_a_firm_and_a_known_kind() {
        let input = OutletInput { kind: "shop".into(), name: "Склад".into(), ..OutletInput::default() };
        let Err(AppError::Invalid(errors)) = input.parse() else { panic!("refused") };
        assert_eq!(errors.for_field("kind"), Some(Invalid::UnknownChoice));
        assert_eq!(errors.for_field("firm"), Some(Invalid::Required));
    }
}
