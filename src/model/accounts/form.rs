//! The account form as submitted (every field text, as a plain HTML form sends it) and the draft
//! it parses into: every value valid, the choices as enums. Who may do what with the draft is
//! decided by the service, not here.

use super::Connection;
use crate::model::error::{valid, AppError};
use crate::model::text::one_line;
use crate::model::{
    AccountId, Date, EmailAddress, FieldErrors, Invalid, Name, Protocol, Security, SenderName, ServerAddress,
    ServerLogin,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The fields of the account editor, named as the form names them.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountInput {
    /// `create`, `next` («Далее») or `save`.
    pub intent: String,
    /// Empty or `0` for a new account.
    pub id: String,
    pub version: String,
    pub name: String,
    pub address: String,
    pub password: String,
    pub remember_password: String,
    pub use_for_sending: String,
    pub use_for_receiving: String,
    /// `all` or `me`.
    pub for_whom: String,
    pub sender_name: String,
    /// `auto` or `manual`.
    pub mode: String,
    pub initial_load_date: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_security: String,
    pub smtp_login: String,
    pub incoming_protocol: String,
    pub incoming_host: String,
    pub incoming_port: String,
    pub incoming_security: String,
    pub incoming_login: String,
    pub same_credentials: String,
    pub incoming_password: String,
    /// The service the servers came from (a preset id, as detection or the saved account named
    /// it): «Войти через …» signs in with its provider.
    pub provider: String,
    /// A sign-in with the provider the form returned with (its id): used instead of a password.
    pub sign_in: String,
}

impl fmt::Debug for AccountInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountInput")
            .field("intent", &self.intent)
            .field("id", &self.id)
            .field("address", &self.address)
            .field("password", &"[REDACTED]")
            .field("incoming_password", &"[REDACTED]")
            .field("sign_in", &self.sign_in)
            .finish_non_exhaustive()
    }
}

/// Which button sent the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountIntent {
    /// «Создать»: automatic setup, or manual setup with the servers given.
    Create,
    /// «Далее»: the recommended servers for the address, to review by hand.
    Next,
    /// «Сохранить» of a saved account.
    Save,
}

/// How a new account's servers are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupMode {
    /// Detected from the address (recommended).
    Automatic,
    /// Typed by the user; a saved account is always edited by hand.
    Manual,
}

/// «Для всех» or «Только для меня».
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForWhom {
    Everyone,
    OnlyMe,
}

/// The fields every mode has, parsed.
#[derive(Debug)]
pub struct Basics {
    /// Empty: the address names the account.
    pub name: Option<Name>,
    pub address: EmailAddress,
    pub sender_name: SenderName,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub for_whom: ForWhom,
    pub remember_password: bool,
    pub initial_load_date: Option<Date>,
}

/// The account form, parsed.
#[derive(Debug)]
pub struct AccountDraft {
    pub intent: AccountIntent,
    /// `None`: a new account.
    pub id: Option<AccountId>,
    pub version: i64,
    pub mode: SetupMode,
    pub basics: Basics,
    /// The servers typed by hand: present in manual setup, except for «Далее».
    pub connection: Option<Connection>,
    /// `None`: left empty (keep or ask for the stored one).
    pub password: Option<SecretString>,
    pub incoming_password: Option<SecretString>,
    /// Signs in with this sign-in with the provider instead of passwords.
    pub sign_in: Option<i64>,
}

/// A ticked checkbox sends `true` (or `on` without a value attribute); an unticked one nothing.
pub(crate) fn ticked(raw: &str) -> bool {
    matches!(raw.trim(), "true" | "on")
}

/// A hidden number the page wrote; anything else did not come from the form.
pub(crate) fn hidden_number(raw: &str) -> Result<i64, AppError> {
    match raw.trim() {
        "" => Ok(0),
        value => value.parse().map_err(|_| AppError::BadRequest),
    }
}

/// A hidden id the page wrote (a saved row's, a sign-in's); empty or `0`: none.
pub(crate) fn hidden_id(raw: &str) -> Result<Option<i64>, AppError> {
    Ok(Some(hidden_number(raw)?).filter(|id| *id > 0))
}

/// A typed mail password: empty means "not typed"; a line break could smuggle a protocol command.
pub(crate) fn mail_password(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<SecretString> {
    if raw.is_empty() {
        return None;
    }
    if raw.contains(['\r', '\n', '\0']) {
        errors.add(field, Invalid::LineBreak);
        return None;
    }
    Some(SecretString::from(raw.to_string()))
}

/// A password typed where it is only asked for (a check): empty means "not typed".
pub fn typed_password(raw: &str) -> Option<SecretString> {
    (!raw.is_empty()).then(|| SecretString::from(raw.to_string()))
}

impl AccountInput {
    /// «Войти через …»: the address to sign in as; nothing else is needed yet (the rest of the
    /// form is kept for the return).
    pub fn sign_in_request(&self) -> Result<EmailAddress, AppError> {
        EmailAddress::parse(&self.address).map_err(|problem| AppError::field("address", problem))
    }

    pub fn parse(&self) -> Result<AccountDraft, AppError> {
        let intent = match self.intent.trim() {
            "create" => AccountIntent::Create,
            "next" => AccountIntent::Next,
            "save" => AccountIntent::Save,
            _ => return Err(AppError::BadRequest),
        };
        let id = hidden_id(&self.id)?.map(AccountId);
        let version = hidden_number(&self.version)?;
        let mut errors = FieldErrors::new();
        let mode = match (id, self.mode.trim()) {
            (Some(_), _) | (None, "manual") => Some(SetupMode::Manual),
            (None, "auto" | "") => Some(SetupMode::Automatic),
            (None, _) => errors.check("mode", Err(Invalid::UnknownChoice)),
        };
        let basics = self.basics(&mut errors);
        let connection = match (mode, intent) {
            (Some(SetupMode::Manual), AccountIntent::Create | AccountIntent::Save) => {
                self.connection(&mut errors).map(Some)
            }
            _ => Some(None),
        };
        let sign_in = hidden_id(&self.sign_in)?;
        // Signed in with the provider, no password is needed (a typed one is ignored).
        let (password, incoming_password) = match sign_in {
            Some(_) => (None, None),
            None => (
                mail_password(&mut errors, "password", &self.password),
                mail_password(&mut errors, "incoming_password", &self.incoming_password),
            ),
        };
        let draft = (|| {
            Some(AccountDraft {
                intent,
                id,
                version,
                mode: mode?,
                basics: basics?,
                connection: connection?,
                password,
                incoming_password,
                sign_in,
            })
        })();
        valid(errors, draft)
    }

    fn basics(&self, errors: &mut FieldErrors) -> Option<Basics> {
        let use_for_sending = ticked(&self.use_for_sending);
        let use_for_receiving = ticked(&self.use_for_receiving);
        let address = errors.check("address", EmailAddress::parse(&self.address));
        let name = match self.name.trim() {
            "" => Some(None),
            _ => errors.check("name", Name::parse(&self.name)).map(Some),
        };
        // An account that only receives needs no sender name: its address's local part serves.
        let sender_name = if self.sender_name.trim().is_empty() && !use_for_sending {
            address.as_ref().and_then(|a| SenderName::parse(a.local_part()).ok())
        } else {
            errors.check("sender_name", SenderName::parse(&self.sender_name))
        };
        if !use_for_sending && !use_for_receiving {
            errors.add("use_for_sending", Invalid::UseForNothing);
        }
        let for_whom = match self.for_whom.trim() {
            "all" => Some(ForWhom::Everyone),
            // Nothing is shared unless asked for.
            "me" | "" => Some(ForWhom::OnlyMe),
            _ => errors.check("for_whom", Err(Invalid::UnknownChoice)),
        };
        let initial_load_date = match self.initial_load_date.trim() {
            "" => Some(None),
            _ => errors.check("initial_load_date", Date::parse(&self.initial_load_date)).map(Some),
        };
        Some(Basics {
            name: name?,
            address: address?,
            sender_name: sender_name?,
            use_for_sending,
            use_for_receiving,
            for_whom: for_whom?,
            remember_password: ticked(&self.remember_password),
            initial_load_date: initial_load_date?,
        })
    }

    fn connection(&self, errors: &mut FieldErrors) -> Option<Connection> {
        let (use_for_sending, use_for_receiving) = (ticked(&self.use_for_sending), ticked(&self.use_for_receiving));
        let smtp = if use_for_sending {
            let server = ServerAddress::parse_fields(
                errors,
                "smtp",
                Protocol::Smtp,
                &self.smtp_host,
                &self.smtp_port,
                Security::parse(&self.smtp_security),
            );
            let login = errors.check("smtp_login", one_line(&self.smtp_login, ServerLogin::LOGIN_MAX));
            Some(ServerLogin { server: server?, login: login? })
        } else {
            None
        };
        let incoming = if use_for_receiving {
            let protocol = errors.check("incoming_protocol", Protocol::parse_incoming(&self.incoming_protocol));
            let server = ServerAddress::parse_fields(
                errors,
                "incoming",
                protocol.unwrap_or(Protocol::Imap),
                &self.incoming_host,
                &self.incoming_port,
                Security::parse(&self.incoming_security),
            );
            let login = errors.check("incoming_login", one_line(&self.incoming_login, ServerLogin::LOGIN_MAX));
            Some((protocol?, ServerLogin { server: server?, login: login? }))
        } else {
            None
        };
        Some(Connection {
            provider: None,
            smtp,
            incoming,
            same_credentials: ticked(&self.same_credentials) || !use_for_sending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldErrors;

    fn manual() -> AccountInput {
        AccountInput {
            intent: "create".into(),
            address: "anna@romashka.ru".into(),
            password: "secret".into(),
            use_for_sending: "true".into(),
            for_whom: "all".into(),
            sender_name: "Анна".into(),
            mode: "manual".into(),
            smtp_host: "smtp.romashka.ru".into(),
            smtp_port: "465".into(),
            smtp_security: "ssl".into(),
            smtp_login: "anna@romashka.ru".into(),
            ..AccountInput::default()
        }
    }

    fn problems(input: &AccountInput) -> FieldErrors {
        match input.parse() {
            Err(AppError::Invalid(errors)) => errors,
            other => panic!("expected field problems, got {other:?}"),
        }
    }

    #[test]
    fn a_manual_form_parses_into_a_draft() {
        let draft = manual().parse().unwrap();
        assert_eq!((draft.intent, draft.mode, draft.id), (AccountIntent::Create, SetupMode::Manual, None));
        assert_eq!(draft.basics.for_whom, ForWhom::Everyone);
        let connection = draft.connection.unwrap();
        assert_eq!(connection.smtp.unwrap().server.port.get(), 465);
        assert!(connection.incoming.is_none());
        assert!(draft.password.is_some() && draft.incoming_password.is_none());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let input = AccountInput {
            address: "not an address".into(),
            smtp_port: "587".into(),
            smtp_login: String::new(),
            for_whom: "everybody".into(),
            password: "a\r\nRSET".into(),
            ..manual()
        };
        let errors = problems(&input);
        assert_eq!(errors.for_field("address"), Some(Invalid::EmailFormat));
        assert_eq!(errors.for_field("smtp_security"), Some(Invalid::SslOnStartTlsPort(587)));
        assert_eq!(errors.for_field("smtp_login"), Some(Invalid::Required));
        assert_eq!(errors.for_field("for_whom"), Some(Invalid::UnknownChoice));
        assert_eq!(errors.for_field("password"), Some(Invalid::LineBreak));
    }

    #[test]
    fn a_saved_account_is_always_edited_by_hand_and_next_skips_the_servers() {
        let saved = AccountInput { intent: "save".into(), id: "7".into(), mode: "auto".into(), ..manual() };
        let draft = saved.parse().unwrap();
        assert_eq!((draft.id, draft.mode), (Some(AccountId(7)), SetupMode::Manual));
        let next = AccountInput { intent: "next".into(), smtp_host: String::new(), ..manual() };
        assert!(next.parse().unwrap().connection.is_none());
        let automatic = AccountInput { mode: "auto".into(), smtp_host: String::new(), ..manual() };
        assert_eq!(automatic.parse().unwrap().mode, SetupMode::Automatic);
    }

    #[test]
    fn receiving_only_uses_the_same_credentials_and_needs_no_sender_name() {
        let input = AccountInput {
            use_for_sending: String::new(),
            use_for_receiving: "true".into(),
            sender_name: String::new(),
            incoming_protocol: "pop3".into(),
            incoming_host: "pop.romashka.ru".into(),
            incoming_port: "995".into(),
            incoming_security: "ssl".into(),
            incoming_login: "anna".into(),
            ..manual()
        };
        let draft = input.parse().unwrap();
        assert_eq!(draft.basics.sender_name.as_str(), "anna");
        assert!(draft.connection.unwrap().same_credentials);
    }

    #[test]
    fn what_no_form_sends_is_a_bad_request() {
        assert_eq!(AccountInput { intent: "delete".into(), ..manual() }.parse().unwrap_err(), AppError::BadRequest);
        assert_eq!(AccountInput { id: "x".into(), ..manual() }.parse().unwrap_err(), AppError::BadRequest);
        assert_eq!(problems(&AccountInput { use_for_sending: String::new(), ..manual() }).0.len(), 1);
        assert_eq!(AccountInput { sign_in: "x".into(), ..manual() }.parse().unwrap_err(), AppError::BadRequest);
    }

    #[test]
    fn a_sign_in_replaces_the_passwords() {
        let draft = AccountInput { sign_in: "7".into(), incoming_password: "x".into(), ..manual() }.parse().unwrap();
        assert_eq!((draft.sign_in, draft.password.is_none(), draft.incoming_password.is_none()), (Some(7), true, true));
    }
}
