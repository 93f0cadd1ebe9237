//! Checking an account: before it is saved (a test message to itself, a login to its incoming
//! server) and on «Проверить настройки» (logins only, with the saved settings). Typed passwords
//! are used for the check and forgotten unless the account is saved with them.

use super::passwords::{self, Credentials, Typed};
use super::stored_password::Purpose;
use super::{can_edit, connection_in_use, visible};
use crate::model::accounts::{Basics, Connection};
use crate::model::check::CheckReport;
use crate::model::error::AppError;
use crate::model::{AccountId, Date, EmailAddress, Invalid, SenderName};
use crate::server::db::accounts;
use crate::server::mail::check::{self, AccountCheck, Incoming, Outgoing};
use crate::server::mail::login::{Login, Secret};
use crate::server::progress::Progress;
use crate::server::rate;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::server::time_zone;
use crate::server::trusted_certificates;
use secrecy::SecretString;

/// Whose mailbox is checked, and how.
pub struct Target<'a> {
    pub address: &'a EmailAddress,
    pub sender_name: Option<&'a SenderName>,
    pub since: Option<Date>,
    /// Send a message to the account's own address (before saving), or only log in.
    pub send_to_self: bool,
}

impl<'a> Target<'a> {
    pub fn of_draft(basics: &'a Basics) -> Self {
        Self {
            address: &basics.address,
            sender_name: Some(&basics.sender_name),
            since: basics.initial_load_date,
            send_to_self: true,
        }
    }
}

/// Runs the check of `connection` with `credentials` (counted against the rate limits).
pub async fn run(
    state: &AppState,
    user: &CurrentUser,
    target: &Target<'_>,
    connection: &Connection,
    credentials: &Credentials,
    progress: Option<&Progress>,
) -> Result<CheckReport, AppError> {
    rate::mail_operation(&state.db, state.config.mail_limits(), user.tenant, user.id).await?;
    let now = {
        let mut tx = state.db.read(user.tenant).await?;
        let now = time_zone::now(&mut tx, user.tenant).await?;
        tx.commit().await?;
        now
    };
    let empty = SecretString::from(String::new());
    let (main, incoming) = match credentials {
        Credentials::Passwords(passwords) => {
            let main = passwords.main.as_ref().unwrap_or(&empty);
            (Secret::Password(main), Secret::Password(passwords.incoming.as_ref().unwrap_or(main)))
        }
        Credentials::SignIn { token, .. } => (Secret::AccessToken(token), Secret::AccessToken(token)),
    };
    let check = AccountCheck {
        lang: user.lang,
        now,
        address: target.address,
        sender_name: target.sender_name,
        outgoing: connection.smtp.as_ref().map(|s| Outgoing {
            server: &s.server,
            login: Login { user: &s.login, secret: main },
            send_to_self: target.send_to_self,
        }),
        incoming: connection.incoming.as_ref().map(|(protocol, s)| Incoming {
            protocol: *protocol,
            server: &s.server,
            login: Login { user: &s.login, secret: incoming },
            since: target.since,
        }),
    };
    let mail = trusted_certificates::mail_for(state, user.tenant).await?;
    let report = check::run(&mail, &check, progress.map(Progress::steps)).await;
    Ok(trusted_certificates::vouched(state, user.tenant, report))
}

/// «Проверить настройки»: the saved settings, checked again (SMTP login, incoming login and
/// mailbox); the result is recorded as the account's last check.
pub async fn check(
    state: &AppState,
    user: &CurrentUser,
    id: AccountId,
    typed: Typed<'_>,
    progress: Option<Progress>,
) -> Result<CheckReport, AppError> {
    let account = visible(state, user, id).await?;
    let connection = connection_in_use(&account);
    if connection.smtp.is_none() && connection.incoming.is_none() {
        return Err(AppError::field("smtp_host", Invalid::Required));
    }
    let address = EmailAddress::parse(&account.address).map_err(|_| AppError::Internal)?;
    let offered = passwords::Offered { typed, sign_in: None, address: &address };
    let credentials = passwords::credentials(state, user, offered, &connection, Some(&account), Purpose::Use).await?;
    let sender_name = SenderName::parse(&account.sender_name).ok();
    let target = Target {
        address: &address,
        sender_name: sender_name.as_ref(),
        since: account.initial_load_date,
        send_to_self: false,
    };
    let report = run(state, user, &target, &connection, &credentials, progress.as_ref()).await?;
    // Only who may change the account records its last check (a user trying a shared account
    // with a password of their own must not mark it failed for everyone).
    if can_edit(user, &account) {
        let mut tx = state.db.write(user.tenant).await?;
        let reason = report.failure.as_ref().map(|f| f.reason.name());
        accounts::record_check(&mut tx, user.tenant, account.id, report.passed(), reason).await?;
        tx.commit().await?;
    }
    if report.passed() {
        Ok(report)
    } else {
        Err(AppError::CheckFailed(report))
    }
}
