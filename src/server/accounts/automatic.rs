//! Automatic setup: the settings found from the address are checked with the typed password;
//! when nothing is found, or it is incomplete, or the check fails, the user continues by hand
//! with what was found.

use super::check::{self, Target};
use super::passwords::Passwords;
use super::save;
use crate::model::accounts::{AccountOutcome, Basics};
use crate::model::error::AppError;
use crate::model::Invalid;
use crate::server::detection;
use crate::server::progress::Progress;
use crate::server::rate;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use secrecy::SecretString;

pub async fn setup(
    state: &AppState,
    user: &CurrentUser,
    basics: &Basics,
    password: Option<&SecretString>,
    progress: Option<Progress>,
) -> Result<AccountOutcome, AppError> {
    let password = password.ok_or_else(|| AppError::field("password", Invalid::PasswordForCheck))?;
    rate::mail_operation(&state.db, user).await?;
    let outcome = state.detector(user.tenant).detect(&basics.address, progress.as_ref().map(Progress::methods)).await;
    let Some((_, found)) = outcome.found else {
        let defaults = detection::recommended(&state.presets, &basics.address);
        let source = defaults.source();
        return Ok(AccountOutcome::Manual { connection: defaults.into_connection().view(source), report: None });
    };
    let source = found.source();
    let mut connection = found.into_connection();
    if !basics.use_for_sending {
        connection.smtp = None;
    }
    if !basics.use_for_receiving {
        connection.incoming = None;
    }
    let incomplete = (basics.use_for_sending && connection.smtp.is_none())
        || (basics.use_for_receiving && connection.incoming.is_none());
    if incomplete {
        return Ok(AccountOutcome::Manual { connection: connection.view(source), report: None });
    }
    let passwords = Passwords { main: Some(password.clone()), incoming: None };
    let report = check::run(state, user, &Target::of_draft(basics), &connection, &passwords, progress.as_ref()).await?;
    if !report.passed() {
        return Ok(AccountOutcome::Manual { connection: connection.view(source), report: Some(report) });
    }
    let id = save::save(state, user, None, 0, basics, &connection, &passwords).await?;
    Ok(AccountOutcome::Saved { id, report })
}
