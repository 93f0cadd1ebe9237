//! The passwords a check and a save use: the typed ones, or the stored ones where the rule of
//! `stored_password` lets them go. Problems are reported at the password fields.

use super::connection_in_use;
use super::stored_password::{source, Purpose, Routes, Source};
use crate::model::accounts::Connection;
use crate::model::FieldErrors;
use crate::server::db::accounts::{AccountRow, SecretField};
use crate::server::state::AppState;
use secrecy::SecretString;

/// What the user typed into the two password fields (`None`: left empty).
#[derive(Clone, Copy, Default)]
pub struct Typed<'a> {
    pub main: Option<&'a SecretString>,
    pub incoming: Option<&'a SecretString>,
}

/// The account's password and the incoming server's own one, for where they are needed.
#[derive(Default)]
pub struct Passwords {
    pub main: Option<SecretString>,
    pub incoming: Option<SecretString>,
}

/// The form field a password is typed into.
fn form_field(field: SecretField) -> &'static str {
    match field {
        SecretField::Main => "password",
        SecretField::Incoming => "incoming_password",
    }
}

/// The passwords for sending to the servers of `going_to`, given what was typed and what
/// `saved` (the account as stored, if it exists) holds.
pub fn choose(
    state: &AppState,
    typed: Typed<'_>,
    going_to: &Connection,
    saved: Option<&AccountRow>,
    purpose: Purpose,
    errors: &mut FieldErrors,
) -> Passwords {
    let now = Routes::of(going_to);
    let was = saved.map(|account| (account, Routes::of(&connection_in_use(account))));
    let mut pick = |field: SecretField, typed: Option<&SecretString>| {
        let (going, stored) = match field {
            SecretField::Main => (&now.main, was.as_ref().filter(|(a, _)| a.password.is_some()).map(|(_, r)| &r.main)),
            SecretField::Incoming => {
                (&now.incoming, was.as_ref().filter(|(a, _)| a.incoming_password.is_some()).map(|(_, r)| &r.incoming))
            }
        };
        match source(typed.is_some(), stored, going, purpose) {
            Ok(Source::NotNeeded) => None,
            Ok(Source::Typed) => typed.cloned(),
            Ok(Source::Stored) => {
                let account = was.as_ref().map(|(a, _)| *a)?;
                match state.secrets.open_stored(account, field) {
                    Ok(password) => password,
                    Err(e) => {
                        tracing::warn!(
                            tenant = account.tenant.0,
                            account = account.id.0,
                            "stored password unreadable: {e}"
                        );
                        errors.add(form_field(field), crate::model::Invalid::PasswordForCheck);
                        None
                    }
                }
            }
            Err(problem) => {
                errors.add(form_field(field), problem);
                None
            }
        }
    };
    let main = pick(SecretField::Main, typed.main);
    let incoming = pick(SecretField::Incoming, typed.incoming);
    Passwords { main, incoming }
}
