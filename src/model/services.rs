//! Mail services («Почтовый сервис»): presets that fill in server settings and tell the user,
//! before they type a password, what the provider requires.

use super::{Lang, Security};
use serde::{Deserialize, Serialize};

/// One server of a service, as in the presets file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerPreset {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// A text in both interface languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Texts {
    pub ru: String,
    pub en: String,
}

impl Texts {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailService {
    /// Stable id stored with settings: `google`, `mailru`, `outlook`, `rambler`, `tradesoft`, `yandex`.
    pub id: String,
    /// As shown in the list («Google», «Mail.ru»…).
    pub name: String,
    /// `None` until known (Tradesoft publishes none: the operator's presets file sets them).
    #[serde(default)]
    pub smtp: Option<ServerPreset>,
    #[serde(default)]
    pub imap: Option<ServerPreset>,
    #[serde(default)]
    pub pop3: Option<ServerPreset>,
    /// Mail domains served by this provider, for recognising an address.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Ends of the MX host names of domains this provider hosts (a company domain on Google
    /// Workspace has MX `aspmx.l.google.com`): recognising the provider behind a domain.
    #[serde(default)]
    pub mx: Vec<String>,
    /// What to know about passwords before typing one (app password, access to enable).
    #[serde(default)]
    pub password_hint: Texts,
    /// The provider's guide to app passwords.
    #[serde(default)]
    pub guide_url: Option<String>,
    /// A warning about the provider (e.g. passwords no longer accepted).
    #[serde(default)]
    pub notice: Option<Texts>,
    /// The provider its users sign in with (OAuth), offered when the operator registered Pochta
    /// with it.
    #[serde(default)]
    pub oauth: Option<super::oauth::Provider>,
}

/// The «Другой» choice: the user enters the servers.
pub const OTHER_SERVICE: &str = "other";

/// The general guide to app passwords shown at the password field (from the product's documentation).
pub const APP_PASSWORD_GUIDE: &str = "https://product-doc.tradesoft.ru/email/index.htm";
