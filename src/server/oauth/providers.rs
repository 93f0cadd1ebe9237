//! The operator's registrations of Pochta with the providers (`--oauth-file`): for each, the
//! client id and secret it was given, and where that provider signs in — built in, or replaced in
//! the file (a Microsoft tenant, a test server). A provider the file does not name keeps the
//! password path only.

use crate::model::oauth::Provider;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// An HTTPS address, split as a connection needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// The path with its query, if any (`/common/oauth2/v2.0/token`).
    pub path: String,
}

impl Endpoint {
    /// Only `https://host[:port]/path`: tokens never travel unencrypted.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("https://").ok_or_else(|| format!("{url}: not an https:// address"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| format!("{url}: bad port"))?),
            None => (authority, 443),
        };
        if host.is_empty() || host.contains(['@', '[', ']']) || path.contains(['#', ' ']) {
            return Err(format!("{url}: not a plain https://host/path address"));
        }
        Ok(Self { host: host.to_ascii_lowercase(), port, path })
    }

    pub fn url(&self) -> String {
        match self.port {
            443 => format!("https://{}{}", self.host, self.path),
            port => format!("https://{}:{port}{}", self.host, self.path),
        }
    }

    /// The origin, for the page's `form-action` (the browser is sent there).
    pub fn origin(&self) -> String {
        match self.port {
            443 => format!("https://{}", self.host),
            port => format!("https://{}:{port}", self.host),
        }
    }
}

/// Pochta's registration with one provider.
pub struct ProviderSettings {
    pub client_id: String,
    /// Confidential web apps have one; the token requests carry it.
    pub client_secret: Option<SecretString>,
    pub authorize: Endpoint,
    pub token: Endpoint,
    /// Space-separated, as the authorization request carries them.
    pub scopes: String,
    /// More parameters of the authorization request (Google: `access_type=offline` for a
    /// refresh token).
    pub authorize_extra: Vec<(String, String)>,
    /// Where to ask who signed in, for a provider that returns no ID token (Yandex, Mail.ru),
    /// and how that call presents the token.
    pub userinfo: Option<(Endpoint, TokenIn)>,
}

/// How a user-info call presents the access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenIn {
    /// `Authorization: <word> <token>`: `OAuth` for Yandex, `Bearer` as OAuth 2.0 has it.
    Header(&'static str),
    /// The `access_token` parameter of the address (Mail.ru).
    Query,
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("client_id", &self.client_id)
            .field("authorize", &self.authorize.url())
            .field("token", &self.token.url())
            .finish_non_exhaustive()
    }
}

/// What the file says about one provider.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    /// Microsoft: the directory (tenant) that signs in: `common` (default), `organizations`,
    /// `consumers`, or a tenant id.
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    authorize_url: Option<String>,
    #[serde(default)]
    token_url: Option<String>,
    #[serde(default)]
    scopes: Option<String>,
    #[serde(default)]
    userinfo_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    microsoft: Option<FileEntry>,
    #[serde(default)]
    google: Option<FileEntry>,
    #[serde(default)]
    yandex: Option<FileEntry>,
    #[serde(default)]
    mailru: Option<FileEntry>,
}

/// Where each provider signs in, and the scopes mail needs there (with the address the
/// provider returns it for: `openid email`, or the provider's own identity scope).
fn defaults(provider: Provider, tenant: &str) -> (String, String, &'static str, Vec<(String, String)>) {
    match provider {
        Provider::Microsoft => (
            format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"),
            format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"),
            "openid email offline_access https://outlook.office.com/SMTP.Send \
             https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All",
            vec![],
        ),
        Provider::Google => (
            "https://accounts.google.com/o/oauth2/v2/auth".into(),
            "https://oauth2.googleapis.com/token".into(),
            "openid email https://mail.google.com/",
            vec![("access_type".into(), "offline".into()), ("prompt".into(), "consent".into())],
        ),
        Provider::Yandex => (
            "https://oauth.yandex.ru/authorize".into(),
            "https://oauth.yandex.ru/token".into(),
            "login:email mail:smtp mail:imap_full",
            vec![],
        ),
        Provider::Mailru => {
            ("https://oauth.mail.ru/login".into(), "https://oauth.mail.ru/token".into(), "userinfo mail.imap", vec![])
        }
    }
}

/// The configured providers, and the address they send the browser back to.
#[derive(Debug, Default)]
pub struct OAuthProviders {
    configured: HashMap<Provider, ProviderSettings>,
    /// `<public URL>/oauth/callback`, registered with every provider; `None` without
    /// `--public-url` (then no provider is offered).
    pub redirect_uri: Option<String>,
}

impl OAuthProviders {
    /// Reads the operator's file; without one, no provider is configured.
    pub fn load(file: Option<&Path>, public_url: Option<&str>) -> Result<Self, String> {
        let Some(path) = file else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let redirect_uri = public_url.map(|u| format!("{}/oauth/callback", u.trim_end_matches('/')));
        if redirect_uri.is_none() {
            return Err(format!("{}: providers need --public-url (the address users open Pochta at)", path.display()));
        }
        Self::parse(&text, redirect_uri).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn parse(text: &str, redirect_uri: Option<String>) -> Result<Self, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let entries = [
            (Provider::Microsoft, file.microsoft),
            (Provider::Google, file.google),
            (Provider::Yandex, file.yandex),
            (Provider::Mailru, file.mailru),
        ];
        let mut configured = HashMap::new();
        for (provider, entry) in entries {
            let Some(entry) = entry else { continue };
            if entry.client_id.trim().is_empty() {
                return Err(format!("{}: client_id is empty", provider.id()));
            }
            let (authorize, token, scopes, authorize_extra) =
                defaults(provider, entry.tenant.as_deref().unwrap_or("common"));
            let endpoint = |given: Option<String>, default: String| {
                Endpoint::parse(&given.unwrap_or(default)).map_err(|e| format!("{}: {e}", provider.id()))
            };
            let userinfo = match (provider, entry.userinfo_url) {
                (Provider::Yandex, given) => Some((
                    endpoint(given, "https://login.yandex.ru/info?format=json".into())?,
                    TokenIn::Header("OAuth"),
                )),
                (Provider::Mailru, given) => {
                    Some((endpoint(given, "https://oauth.mail.ru/userinfo".into())?, TokenIn::Query))
                }
                (_, Some(given)) => Some((endpoint(Some(given), String::new())?, TokenIn::Header("Bearer"))),
                (_, None) => None,
            };
            configured.insert(
                provider,
                ProviderSettings {
                    client_id: entry.client_id,
                    client_secret: entry.client_secret.filter(|s| !s.is_empty()).map(SecretString::from),
                    authorize: endpoint(entry.authorize_url, authorize)?,
                    token: endpoint(entry.token_url, token)?,
                    scopes: entry.scopes.unwrap_or_else(|| scopes.to_string()),
                    authorize_extra,
                    userinfo,
                },
            );
        }
        Ok(Self { configured, redirect_uri })
    }

    pub fn get(&self, provider: Provider) -> Option<&ProviderSettings> {
        self.redirect_uri.as_ref().and(self.configured.get(&provider))
    }

    /// The providers users may sign in with, in the order of `Provider::ALL`.
    pub fn offered(&self) -> Vec<Provider> {
        Provider::ALL.into_iter().filter(|p| self.get(*p).is_some()).collect()
    }

    /// The origins the browser is sent to for signing in (the page's `form-action`).
    pub fn authorize_origins(&self) -> Vec<String> {
        self.offered().into_iter().filter_map(|p| self.get(p)).map(|s| s.authorize.origin()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_only_and_split_for_a_connection() {
        let e = Endpoint::parse("https://Login.Example.com:8443/t/oauth2/token?x=1").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.path.as_str()), ("login.example.com", 8443, "/t/oauth2/token?x=1"));
        assert_eq!(e.url(), "https://login.example.com:8443/t/oauth2/token?x=1");
        assert_eq!(Endpoint::parse("https://oauth.yandex.ru").unwrap().url(), "https://oauth.yandex.ru/");
        for bad in
            ["http://oauth.yandex.ru/token", "https://user@host/x", "https://host:port/x", "https:///x", "ftp://x"]
        {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_file_names_providers_with_built_in_endpoints_and_overrides() {
        let text = r#"{"microsoft": {"client_id": "app-1", "client_secret": "s", "tenant": "organizations"},
                       "google": {"client_id": "app-2", "token_url": "https://127.0.0.1:9443/token"}}"#;
        let providers = OAuthProviders::parse(text, Some("https://crm.example.com/oauth/callback".into())).unwrap();
        assert_eq!(providers.offered(), [Provider::Microsoft, Provider::Google]);
        let microsoft = providers.get(Provider::Microsoft).unwrap();
        assert_eq!(microsoft.token.url(), "https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
        assert!(microsoft.scopes.contains("offline_access") && microsoft.scopes.contains("SMTP.Send"));
        let google = providers.get(Provider::Google).unwrap();
        assert_eq!((google.token.host.as_str(), google.token.port), ("127.0.0.1", 9443));
        assert!(google.client_secret.is_none());
        assert!(google.authorize_extra.contains(&("access_type".into(), "offline".into())));
        assert!(providers.get(Provider::Yandex).is_none());
        assert!(microsoft.userinfo.is_none(), "the ID token names the address");
        // Yandex names it only through its user-info call, with its own header word.
        let yandex =
            OAuthProviders::parse(r#"{"yandex": {"client_id": "x"}}"#, Some("https://c/oauth/callback".into()));
        let (info, word) = yandex.unwrap().get(Provider::Yandex).unwrap().userinfo.clone().unwrap();
        assert_eq!((info.url().as_str(), word), ("https://login.yandex.ru/info?format=json", TokenIn::Header("OAuth")));
        // Mail.ru through its own, the token in the address.
        let mailru =
            OAuthProviders::parse(r#"{"mailru": {"client_id": "x"}}"#, Some("https://c/oauth/callback".into()));
        let (info, way) = mailru.unwrap().get(Provider::Mailru).unwrap().userinfo.clone().unwrap();
        assert_eq!((info.url().as_str(), way), ("https://oauth.mail.ru/userinfo", TokenIn::Query));

        assert!(OAuthProviders::parse(r#"{"outlook": {"client_id": "x"}}"#, None).is_err());
        assert!(OAuthProviders::parse(r#"{"google": {"client_id": " "}}"#, None).is_err());
        assert!(OAuthProviders::parse(r#"{"google": {"client_id": "x", "token_url": "http://x/t"}}"#, None).is_err());
        // Without the address to come back to, nothing is offered.
        let unreachable = OAuthProviders::parse(r#"{"google": {"client_id": "x"}}"#, None).unwrap();
        assert!(unreachable.offered().is_empty());
    }
}
