//! Values shared by the browser and the server, each parsed once at the boundary so the rest of
//! the code only ever sees valid ones. Pure code: no I/O, unit-tested in place.

mod calendar;
mod email;
mod invalid;
mod people;
mod requisites;
mod server;
mod services;
pub mod text;

pub use calendar::{format_timestamp, Date};
pub use email::EmailAddress;
pub use invalid::{FieldError, FieldErrors, Invalid};
pub use people::{Lang, NewPassword, Role};
pub use requisites::{Inn, Kpp, Phone};
pub use server::{coherent_security, Host, Port, Protocol, Security, ServerAddress};
pub use services::{MailService, ServerPreset, Texts, APP_PASSWORD_GUIDE, OTHER_SERVICE};
pub use text::{Name, SenderName};

/// Identifiers are plain integers in the database; the newtypes keep a firm's id from being
/// passed where an account's is expected.
macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

id_type!(TenantId, UserId, FirmId, OutletId, AccountId);
