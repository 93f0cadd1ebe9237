//! Signing in with the mail provider (OAuth 2.0; the mail servers then take the provider's access
//! token with XOAUTH2): the providers, and a sign-in as the «Почта» tab shows it. Tokens never
//! appear here: they stay on the server.

use serde::{Deserialize, Serialize};

/// The providers Pochta signs in with, as a preset names them (`oauth` in the presets) and the
/// operator configures them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Microsoft,
    Google,
    Yandex,
    Mailru,
}

impl Provider {
    pub const ALL: [Provider; 4] = [Provider::Microsoft, Provider::Google, Provider::Yandex, Provider::Mailru];

    /// The stable id: in the presets, the operator's configuration and the database.
    pub fn id(self) -> &'static str {
        match self {
            Provider::Microsoft => "microsoft",
            Provider::Google => "google",
            Provider::Yandex => "yandex",
            Provider::Mailru => "mailru",
        }
    }

    pub fn from_id(id: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The catalog key of its name as the button says it («Войти через Яндекс»).
    pub fn name_key(self) -> &'static str {
        match self {
            Provider::Microsoft => "oauth.provider.microsoft",
            Provider::Google => "oauth.provider.google",
            Provider::Yandex => "oauth.provider.yandex",
            Provider::Mailru => "oauth.provider.mailru",
        }
    }
}

/// A finished sign-in with the provider, as the «Почта» tab shows it: who signed in, where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignInView {
    /// The sign-in's id; the form sends it back so «Отправить» and «Сохранить» use it.
    pub id: i64,
    pub provider: Provider,
    /// The address the provider says signed in.
    pub identity: String,
    /// The provider refused to renew the access: «Требуется повторный вход».
    pub needs_sign_in: bool,
}

/// The `intent` of the button «Войти через …» in the forms that have it.
pub const SIGN_IN_INTENT: &str = "sign_in";
/// The `intent` of «Ввести пароль приложения вместо входа»: the form comes back without its
/// sign-in (a plain form; the app just clears it).
pub const PASSWORD_INSTEAD_INTENT: &str = "password_instead";

/// Which provider «Войти через …» signs an account in with: its service's (the preset detection or
/// the saved account named), else the one of its address's domain — of those the operator
/// registered Pochta with.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignInOffers {
    /// A service (preset id) and its provider.
    pub services: Vec<(String, Provider)>,
    /// A mail domain and its provider.
    pub domains: Vec<(String, Provider)>,
}

impl SignInOffers {
    pub fn for_account(&self, service: &str, address: &str) -> Option<Provider> {
        let by_service = self.services.iter().find(|(id, _)| id == service.trim()).map(|(_, p)| *p);
        by_service.or_else(|| {
            let domain = address.trim().rsplit_once('@')?.1.to_lowercase();
            self.domains.iter().find(|(d, _)| *d == domain).map(|(_, p)| *p)
        })
    }
}

/// Why a sign-in with the provider did not give Pochta its tokens, in terms a user can act on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SignInProblem {
    /// The operator has not registered Pochta with this provider: the app password path only.
    NotOffered,
    /// The sign-in took too long, was already used, or was started in another session.
    Expired,
    /// The provider said no; its error code (`access_denied`, `consent_required`, …), explained
    /// by `oauth.error.<code>` when known.
    Denied { error: String },
    /// The provider signed in another address than the form's login.
    OtherIdentity { asked: String, signed_in: String },
    /// The provider's sign-in server did not answer (or not as one).
    ProviderUnreachable,
    /// The provider refused to renew the access: «Требуется повторный вход».
    SignInAgain,
}

impl SignInProblem {
    /// The catalog key of its explanation.
    pub fn key(&self) -> &'static str {
        match self {
            SignInProblem::NotOffered => "oauth.problem.not_offered",
            SignInProblem::Expired => "oauth.problem.expired",
            SignInProblem::Denied { .. } => "oauth.problem.denied",
            SignInProblem::OtherIdentity { .. } => "oauth.problem.other_identity",
            SignInProblem::ProviderUnreachable => "oauth.problem.unreachable",
            SignInProblem::SignInAgain => "oauth.problem.sign_in_again",
        }
    }
}

/// Provider error codes with an explanation of their own, and its catalog key; others are shown
/// as the provider sent them.
pub const EXPLAINED_ERRORS: &[(&str, &str)] = &[
    ("access_denied", "oauth.error.access_denied"),
    ("consent_required", "oauth.error.consent_required"),
    ("interaction_required", "oauth.error.interaction_required"),
    ("invalid_client", "oauth.error.invalid_client"),
    ("invalid_grant", "oauth.error.invalid_grant"),
    ("invalid_scope", "oauth.error.invalid_scope"),
    ("unauthorized_client", "oauth.error.unauthorized_client"),
    ("temporarily_unavailable", "oauth.error.temporarily_unavailable"),
];

/// The catalog key explaining a provider's error code, if it has one.
pub fn error_key(code: &str) -> Option<&'static str> {
    EXPLAINED_ERRORS.iter().find(|(c, _)| *c == code).map(|(_, key)| *key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_signs_in_with_its_services_provider_else_its_domains() {
        let offers = SignInOffers {
            services: vec![("microsoft365".into(), Provider::Microsoft)],
            domains: vec![("gmail.com".into(), Provider::Google), ("outlook.com".into(), Provider::Microsoft)],
        };
        assert_eq!(offers.for_account("microsoft365", "anna@romashka.ru"), Some(Provider::Microsoft));
        assert_eq!(offers.for_account("", " Anna@GMail.com "), Some(Provider::Google));
        assert_eq!(offers.for_account("yandex", "anna@romashka.ru"), None);
        assert_eq!(offers.for_account("", "not an address"), None);
    }

    #[test]
    fn ids_round_trip_and_serde_uses_them() {
        for p in Provider::ALL {
            assert_eq!(Provider::from_id(p.id()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.id()));
        }
        assert_eq!(Provider::from_id("outlook"), None);
    }
}
