//! The program setting *CRM ► Уведомления ► Электронная почта* on the wire: what the «Почта» tab
//! and «Настройки программы» show, the tab's form (one form, two buttons) and its draft.

use super::accounts::{hidden_id, hidden_number, mail_password, ticked};
use super::check::CheckReport;
use super::error::{valid, AppError};
use super::oauth::{Provider, SignInView, PASSWORD_INSTEAD_INTENT, SIGN_IN_INTENT};
use super::time_zone::Moment;
use super::{
    AccountId, EmailAddress, FieldErrors, MailService, Protocol, Security, SenderName, ServerAddress, OTHER_SERVICE,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The saved group «CRM ► Уведомления ► Электронная почта». Never carries the password.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrmEmailView {
    /// The mail service's id (`yandex`, `other`, …).
    pub provider: String,
    /// The service's name as the list of services shows it; `None` for «Другой».
    pub provider_name: Option<String>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub use_ssl: bool,
    pub login: String,
    pub has_password: bool,
    pub sender_name: String,
    pub sender_email: String,
    pub test_recipient: String,
    pub account_id: AccountId,
    pub account_name: String,
    /// The account signs in with the provider instead of a password.
    pub sign_in: Option<SignInView>,
    pub updated_at: Moment,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailTabView {
    pub services: Vec<MailService>,
    /// The providers the operator registered Pochta with («Войти через …»).
    pub sign_in_offered: Vec<Provider>,
    /// The sign-in the form starts with: the one it came back from the provider with (or was
    /// refused with), else the saved account's.
    pub sign_in: Option<SignInView>,
    pub settings: Option<CrmEmailView>,
    /// What the last «Отправить» or «Сохранить» did, after a plain HTML form (no JavaScript).
    pub kept: Option<KeptMailTab>,
}

/// A plain HTML form's «Отправить» or «Сохранить», kept with its run for the page it returns to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptMailTab {
    pub outcome: Result<MailTabOutcome, AppError>,
    /// When it was refused: what was typed, without the password, so nothing typed is lost.
    pub typed: Option<MailTabInput>,
}

impl KeptMailTab {
    pub fn of(outcome: Result<MailTabOutcome, AppError>, input: &MailTabInput) -> Self {
        let instead = outcome == Ok(MailTabOutcome::PasswordInstead);
        // Back without the sign-in, to type a password instead.
        let sign_in = if instead { String::new() } else { input.sign_in.clone() };
        let typed =
            (outcome.is_err() || instead).then(|| MailTabInput { password: String::new(), sign_in, ..input.clone() });
        Self { outcome, typed }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MailTabOutcome {
    /// The test letter was accepted by the server; nothing was saved.
    TestLetterSent { report: CheckReport, recipient: String },
    /// Both places were written; the new version of the settings.
    Saved { version: i64 },
    /// Back from the provider, signed in; «Отправить» and «Сохранить» use it.
    SignedIn(SignInView),
    /// On the way to the provider (the browser is sent there).
    SigningIn,
    /// The form again, to sign in with an app password instead.
    PasswordInstead,
}

/// The «Почта» tab's form, named as the form names its fields.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailTabInput {
    /// `send` («Отправить») or `save` («Сохранить»).
    pub intent: String,
    pub provider: String,
    pub smtp_host: String,
    pub use_ssl: String,
    pub smtp_port: String,
    pub login: String,
    pub password: String,
    pub sender_name: String,
    pub sender_email: String,
    pub recipient: String,
    /// The settings' version the form was loaded with (0: never saved).
    pub version: String,
    /// The sign-in with the provider the form uses instead of a password (its id), if any.
    pub sign_in: String,
}

impl fmt::Debug for MailTabInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailTabInput")
            .field("intent", &self.intent)
            .field("provider", &self.provider)
            .field("login", &self.login)
            .field("password", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// Which button sent the tab's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailTabIntent {
    /// «Отправить»: a real test letter; nothing is saved.
    Send,
    /// «Сохранить».
    Save,
    /// «Войти через …»: off to the chosen service's provider.
    SignIn,
    /// Back to the form with an app password instead of the sign-in.
    PasswordInstead,
}

impl MailTabIntent {
    pub fn code(self) -> &'static str {
        match self {
            MailTabIntent::Send => "send",
            MailTabIntent::Save => "save",
            MailTabIntent::SignIn => SIGN_IN_INTENT,
            MailTabIntent::PasswordInstead => PASSWORD_INSTEAD_INTENT,
        }
    }
}

/// The chosen mail service: a preset names its server, «Другой» brings its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceChoice {
    Preset(String),
    Other(ServerAddress),
}

/// The tab's form, parsed.
#[derive(Debug)]
pub struct MailTabDraft {
    pub intent: MailTabIntent,
    pub service: ServiceChoice,
    pub login: EmailAddress,
    /// `None`: left empty (keep the stored password).
    pub password: Option<SecretString>,
    pub sender_name: SenderName,
    pub sender_email: EmailAddress,
    /// Required to send a test letter; kept with the settings when given.
    pub recipient: Option<EmailAddress>,
    pub version: i64,
    /// Signs in with this sign-in instead of a password.
    pub sign_in: Option<i64>,
}

impl MailTabInput {
    pub fn intent(&self) -> Option<MailTabIntent> {
        match self.intent.trim() {
            "send" => Some(MailTabIntent::Send),
            "save" => Some(MailTabIntent::Save),
            SIGN_IN_INTENT => Some(MailTabIntent::SignIn),
            PASSWORD_INSTEAD_INTENT => Some(MailTabIntent::PasswordInstead),
            _ => None,
        }
    }

    /// «Войти через …»: the chosen service and the login to sign in as; nothing else is needed
    /// yet (the rest of the form is kept for the return).
    pub fn sign_in_request(&self) -> Result<(String, EmailAddress), AppError> {
        let mut errors = FieldErrors::new();
        let service = match self.provider.trim() {
            "" | OTHER_SERVICE => errors.check("provider", Err(super::Invalid::UnknownChoice)),
            preset => Some(preset.to_string()),
        };
        let login = errors.check("login", EmailAddress::parse(&self.login));
        valid(errors, service.zip(login))
    }

    pub fn parse(&self) -> Result<MailTabDraft, AppError> {
        let intent = self.intent().ok_or(AppError::BadRequest)?;
        let version = hidden_number(&self.version)?;
        let sign_in = hidden_id(&self.sign_in)?;
        let mut errors = FieldErrors::new();
        let service = match self.provider.trim() {
            OTHER_SERVICE => ServerAddress::parse_fields(
                &mut errors,
                "smtp",
                Protocol::Smtp,
                &self.smtp_host,
                &self.smtp_port,
                Ok(Security::from_use_ssl(ticked(&self.use_ssl))),
            )
            .map(ServiceChoice::Other),
            "" => errors.check("provider", Err(super::Invalid::Required)),
            preset => Some(ServiceChoice::Preset(preset.to_string())),
        };
        let login = errors.check("login", EmailAddress::parse(&self.login));
        let sender_name = errors.check("sender_name", SenderName::parse(&self.sender_name));
        let sender_email = errors.check("sender_email", EmailAddress::parse(&self.sender_email));
        let recipient = if intent == MailTabIntent::Send || !self.recipient.trim().is_empty() {
            errors.check("recipient", EmailAddress::parse(&self.recipient)).map(Some)
        } else {
            Some(None)
        };
        // Signed in with the provider, no password is needed (a typed one is ignored).
        let password = match sign_in {
            Some(_) => None,
            None => mail_password(&mut errors, "password", &self.password),
        };
        let draft = (|| {
            Some(MailTabDraft {
                intent,
                service: service?,
                login: login?,
                password,
                sender_name: sender_name?,
                sender_email: sender_email?,
                recipient: recipient?,
                version,
                sign_in,
            })
        })();
        valid(errors, draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Invalid;

    fn form() -> MailTabInput {
        MailTabInput {
            intent: "send".into(),
            provider: OTHER_SERVICE.into(),
            smtp_host: "smtp.romashka.ru".into(),
            use_ssl: "true".into(),
            smtp_port: "465".into(),
            login: "anna@romashka.ru".into(),
            password: "secret".into(),
            sender_name: "Ромашка".into(),
            sender_email: "anna@romashka.ru".into(),
            recipient: "boris@romashka.ru".into(),
            version: "3".into(),
            sign_in: String::new(),
        }
    }

    #[test]
    fn the_form_parses_into_a_draft() {
        let draft = form().parse().unwrap();
        assert_eq!(draft.intent, MailTabIntent::Send);
        assert!(matches!(draft.service, ServiceChoice::Other(ref s) if s.security == Security::Ssl));
        assert_eq!(draft.version, 3);
        let preset = MailTabInput { provider: "yandex".into(), smtp_host: String::new(), ..form() };
        assert_eq!(preset.parse().unwrap().service, ServiceChoice::Preset("yandex".into()));
    }

    #[test]
    fn a_test_letter_needs_a_recipient_and_a_save_does_not() {
        let send = MailTabInput { recipient: String::new(), ..form() };
        let Err(AppError::Invalid(errors)) = send.parse() else { panic!("a recipient is required") };
        assert_eq!(errors.for_field("recipient"), Some(Invalid::Required));
        let save = MailTabInput { intent: "save".into(), recipient: String::new(), ..form() };
        assert!(save.parse().unwrap().recipient.is_none());
    }

    #[test]
    fn a_sign_in_replaces_the_password_and_needs_only_a_service_and_a_login() {
        let signed_in = MailTabInput { sign_in: "12".into(), password: "ignored".into(), ..form() };
        let draft = signed_in.parse().unwrap();
        assert_eq!((draft.sign_in, draft.password.is_none()), (Some(12), true));
        assert_eq!(MailTabInput { sign_in: "x".into(), ..form() }.parse().unwrap_err(), AppError::BadRequest);

        let leaving = MailTabInput {
            intent: "sign_in".into(),
            provider: "outlook".into(),
            sender_name: String::new(),
            sender_email: String::new(),
            ..form()
        };
        assert_eq!(leaving.intent(), Some(MailTabIntent::SignIn));
        let (service, login) = leaving.sign_in_request().unwrap();
        assert_eq!((service.as_str(), login.as_str()), ("outlook", "anna@romashka.ru"));
        let Err(AppError::Invalid(errors)) =
            MailTabInput { provider: OTHER_SERVICE.into(), login: "x".into(), ..leaving }.sign_in_request()
        else {
            panic!("refused")
        };
        assert!(errors.for_field("provider").is_some() && errors.for_field("login").is_some());
    }

    #[test]
    fn ssl_on_the_starttls_port_is_explained_at_the_field() {
        let Err(AppError::Invalid(errors)) = MailTabInput { smtp_port: "587".into(), ..form() }.parse() else {
            panic!("refused")
        };
        assert_eq!(errors.for_field("smtp_security"), Some(Invalid::SslOnStartTlsPort(587)));
        assert_eq!(MailTabInput { intent: "post".into(), ..form() }.parse().unwrap_err(), AppError::BadRequest);
    }
}
