//! The directory «Учетные записи электронной почты» on the wire: the list and one account as the
//! screens show them, where an account's settings came from, and what a submit led to.

mod form;

pub(crate) use form::{hidden_id, hidden_number, mail_password, ticked};
pub use form::{typed_password, AccountDraft, AccountInput, AccountIntent, Basics, ForWhom, SetupMode};

use super::check::{CheckReport, Method};
use super::error::AppError;
use super::oauth::SignInView;
use super::time_zone::Moment;
use super::{AccountId, Invalid, Protocol, Security, ServerLogin};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountRowView {
    pub id: AccountId,
    pub name: String,
    pub sender_name: String,
    pub address: String,
    pub is_system: bool,
    pub for_everyone: bool,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub configured: bool,
    pub last_check: LastCheckView,
    /// It signs in with the provider (no password): who, and whether it must sign in again.
    pub sign_in: Option<SignInView>,
}

/// When an account was last checked and how it went.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LastCheckView {
    pub at: Option<Moment>,
    pub ok: Option<bool>,
    /// The reason name of the last failed check (see `check::Reason::from_name`).
    pub reason: Option<String>,
}

/// The longest search text: longer than any name or address a list shows.
pub const SEARCH_MAX: u16 = 200;

/// What the list's search box holds: trimmed, `None` when empty, refused when longer than
/// anything it could find.
pub fn search_text(raw: &str) -> Result<Option<String>, Invalid> {
    let text = raw.trim();
    if text.chars().count() > usize::from(SEARCH_MAX) {
        return Err(Invalid::TooLong(SEARCH_MAX));
    }
    if text.chars().any(char::is_control) {
        return Err(Invalid::LineBreak);
    }
    Ok(Some(text.to_string()).filter(|t| !t.is_empty()))
}

/// How the list is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountSort {
    #[default]
    Name,
    Sender,
    Address,
    LastCheck,
}

impl AccountSort {
    pub fn code(self) -> &'static str {
        match self {
            AccountSort::Name => "name",
            AccountSort::Sender => "sender",
            AccountSort::Address => "address",
            AccountSort::LastCheck => "checked",
        }
    }

    /// An unknown or missing order is the default order: a sort is a preference, not input.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "sender" => AccountSort::Sender,
            "address" => AccountSort::Address,
            "checked" => AccountSort::LastCheck,
            _ => AccountSort::Name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountListView {
    pub rows: Vec<AccountRowView>,
    pub page: u32,
    pub has_more: bool,
    pub is_admin: bool,
    pub system_id: Option<AccountId>,
}

/// A server of an account as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerView {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub login: String,
}

impl From<&ServerLogin> for ServerView {
    fn from(s: &ServerLogin) -> Self {
        Self {
            host: s.server.host.unicode(),
            port: s.server.port.get(),
            security: s.server.security,
            login: s.login.clone(),
        }
    }
}

/// Where the settings shown in the form came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionSource {
    /// Found for the address by a detection method.
    Found(Method),
    /// Nothing was known: the recommended defaults.
    Defaults,
    /// The account's saved settings.
    Saved,
}

/// The connection settings of an account (found automatically, recommended, or saved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub provider: Option<String>,
    pub smtp: Option<ServerView>,
    pub incoming_protocol: Protocol,
    pub incoming: Option<ServerView>,
    pub same_credentials: bool,
    pub source: ConnectionSource,
}

/// Where an account lives and how to reach it, parsed: the servers it uses, each with its login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub provider: Option<String>,
    pub smtp: Option<ServerLogin>,
    pub incoming: Option<(Protocol, ServerLogin)>,
    /// The incoming server takes the account's password (always so for a receiving-only account).
    pub same_credentials: bool,
}

impl Connection {
    pub fn view(&self, source: ConnectionSource) -> ConnectionView {
        ConnectionView {
            provider: self.provider.clone(),
            smtp: self.smtp.as_ref().map(ServerView::from),
            incoming_protocol: self.incoming.as_ref().map_or(Protocol::Imap, |(p, _)| *p),
            incoming: self.incoming.as_ref().map(|(_, s)| ServerView::from(s)),
            same_credentials: self.same_credentials,
            source,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: AccountId,
    pub name: String,
    pub address: String,
    pub sender_name: String,
    pub is_system: bool,
    pub for_everyone: bool,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub initial_load_date: String,
    pub connection: ConnectionView,
    pub has_password: bool,
    pub has_incoming_password: bool,
    /// It signs in with the provider instead of a password.
    pub sign_in: Option<SignInView>,
    pub version: i64,
    pub last_check: LastCheckView,
    /// Whether the signed-in user may change it (its owner, or an administrator for shared ones).
    pub can_edit: bool,
}

/// A plain HTML form's «Создать», «Далее» or «Сохранить» that did not save, kept with its run for
/// the editor it returns to: what happened, and what was typed (never the passwords), so
/// nothing typed is lost without JavaScript either.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptAccount {
    pub outcome: Result<AccountOutcome, AppError>,
    pub typed: AccountInput,
    /// The sign-in with the provider the form carries (`typed.sign_in`), as the editor shows it.
    #[serde(default)]
    pub sign_in: Option<SignInView>,
}

impl KeptAccount {
    pub fn of(outcome: Result<AccountOutcome, AppError>, input: &AccountInput) -> Self {
        // Back without the sign-in, to type a password instead.
        let instead = outcome == Ok(AccountOutcome::PasswordInstead);
        let sign_in = if instead { String::new() } else { input.sign_in.clone() };
        Self {
            outcome,
            typed: AccountInput { password: String::new(), incoming_password: String::new(), sign_in, ..input.clone() },
            sign_in: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AccountOutcome {
    /// The account passed its check and was saved.
    Saved { id: AccountId, report: CheckReport },
    /// Continue by hand with these settings: after «Далее», or when automatic setup could not
    /// find the settings or they failed their check (then `report` says why), or when they name
    /// servers outside the address's domain, which get the password only once the user
    /// confirms them by creating the account with them (`confirm_hosts`, RFC 6186 §6).
    Manual {
        connection: ConnectionView,
        report: Option<CheckReport>,
        #[serde(default)]
        confirm_hosts: Vec<String>,
    },
    /// Back from the provider, signed in; «Создать» and «Сохранить» use it.
    SignedIn(SignInView),
    /// On the way to the provider (the browser is sent there).
    SigningIn,
    /// The form again, to sign in with a password instead.
    PasswordInstead,
}
