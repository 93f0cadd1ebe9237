//! The bottom layer, shared by the browser and the server: values parsed once at the boundary so
//! the rest of the code only ever sees valid ones, and the wire types of every feature (inputs,
//! views, outcomes, the one error type). Pure code: no I/O, imports nothing above it.

pub mod accounts;
mod calendar;
pub mod check;
pub mod crm_email;
mod email;
pub mod error;
pub mod health;
mod idn;
mod invalid;
pub mod notifications;
pub mod oauth;
mod people;
mod requisites;
mod server;
mod services;
pub mod session;
pub mod setup;
pub mod text;
pub mod time_zone;
pub mod trusted_certificates;
pub mod users;

pub use calendar::Date;
pub use email::{unicode_address, EmailAddress};
pub use invalid::{FieldError, FieldErrors, Invalid};
pub use people::{Lang, NewPassword, Role};
pub use requisites::{Inn, Kpp, Phone};
pub use server::{coherent_security, Host, Port, Protocol, Security, ServerAddress, ServerLogin};
pub use services::{MailService, ServerPreset, Texts, APP_PASSWORD_GUIDE, OTHER_SERVICE};
pub use text::{Name, SenderName};

/// Identifiers are plain integers in the database; the newtypes keep a firm's id from being
/// passed where an account's is expected.
macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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
