//! What a check and a save sign in with: the typed passwords, the stored ones where the rule of
//! `stored_password` lets them go, or the account's sign-in with the provider, whose access token
//! goes under the same rule. Problems are reported at the password fields.

use super::connection_in_use;
use super::stored_password::{source, Destinations, Purpose, Routes, Source};
use crate::model::accounts::Connection;
use crate::model::error::{ensure_valid, AppError};
use crate::model::{EmailAddress, FieldErrors, Invalid};
use crate::server::db::accounts::{AccountRow, SecretField};
use crate::server::oauth;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use secrecy::SecretString;

/// How the account signs in to its servers.
pub enum Credentials {
    Passwords(Passwords),
    /// Its sign-in with the provider: the access token, for every server.
    SignIn {
        id: i64,
        token: SecretString,
    },
}

/// Every place the account's secrets go under `connection`, whichever of its two.
fn everywhere(connection: &Connection) -> Destinations {
    let routes = Routes::of(connection);
    routes.main.into_iter().chain(routes.incoming).collect()
}

/// What the form offers to sign in with.
#[derive(Clone, Copy)]
pub struct Offered<'a> {
    pub typed: Typed<'a>,
    /// A sign-in with the provider the form returned with.
    pub sign_in: Option<i64>,
    /// The address the account signs in as.
    pub address: &'a EmailAddress,
}

/// The credentials for the servers of `going_to`. A sign-in the user just made goes where the form
/// says, as a typed password does. The sign-in the account `saved` already has is used when the
/// form brings it back or nothing is typed — and its token, as a stored password, goes only where
/// it was saved to go. Typed passwords replace a sign-in when saved.
pub async fn credentials(
    state: &AppState,
    user: &CurrentUser,
    offered: Offered<'_>,
    going_to: &Connection,
    saved: Option<&AccountRow>,
    purpose: Purpose,
) -> Result<Credentials, AppError> {
    let linked = saved.and_then(|a| Some((a, a.oauth_sign_in_id?)));
    let nothing_typed = offered.typed.main.is_none() && offered.typed.incoming.is_none();
    match (offered.sign_in, linked) {
        (Some(id), linked) if linked.is_none_or(|(_, l)| l != id) => {
            return fresh_sign_in(state, user, id, offered.address).await;
        }
        (_, Some((account, id))) if offered.sign_in.is_some() || nothing_typed => {
            let saved_for = everywhere(&connection_in_use(account));
            match source(false, Some(&saved_for), &everywhere(going_to), purpose) {
                Ok(Source::NotNeeded) => return Ok(Credentials::Passwords(Passwords::default())),
                Ok(_) => {}
                Err(problem) => return Err(AppError::field("password", problem)),
            }
            let holder = oauth::Holder::Account;
            let token = oauth::token_for(state.sign_ins(), user.tenant, id, offered.address, holder).await?;
            return Ok(Credentials::SignIn { id, token });
        }
        _ => {}
    }
    let mut errors = FieldErrors::new();
    let passwords = choose(state, offered.typed, going_to, saved, purpose, &mut errors);
    ensure_valid(errors)?;
    Ok(Credentials::Passwords(passwords))
}

/// The credentials for automatic setup, which goes to servers found for the address: the
/// user's own sign-in, or the typed password.
pub async fn for_detected(
    state: &AppState,
    user: &CurrentUser,
    typed: Typed<'_>,
    sign_in: Option<i64>,
    address: &EmailAddress,
) -> Result<Credentials, AppError> {
    match (sign_in, typed.main) {
        (Some(id), _) => fresh_sign_in(state, user, id, address).await,
        (None, Some(password)) => {
            Ok(Credentials::Passwords(Passwords { main: Some(password.clone()), incoming: None }))
        }
        (None, None) => Err(AppError::field("password", Invalid::PasswordForCheck)),
    }
}

/// A sign-in the user made for this form (only theirs), as `address`.
async fn fresh_sign_in(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    address: &EmailAddress,
) -> Result<Credentials, AppError> {
    let holder = oauth::Holder::User(user.id);
    let token = oauth::token_for(state.sign_ins(), user.tenant, id, address, holder).await?;
    Ok(Credentials::SignIn { id, token })
}

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
fn choose(
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
