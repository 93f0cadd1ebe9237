//! The provider's token endpoint: the authorization code (with its PKCE verifier) or a refresh
//! token traded for tokens, over HTTPS through the egress guard, the answer bounded; and the
//! address the provider says signed in, from the ID token it returned.

use super::providers::{Endpoint, ProviderSettings, TokenIn};
use crate::server::mail::{web, MailContext};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http_body_util::Full;
use hyper::body::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// The most a token answer may hold.
const MAX_ANSWER: usize = 64 * 1024;
/// The whole exchange, connection included.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

/// What the token endpoint gave.
pub struct Tokens {
    pub access: SecretString,
    /// Absent when the provider keeps the old one (a refresh that does not rotate).
    pub refresh: Option<SecretString>,
    /// Seconds the access token lasts.
    pub expires_in: u64,
    /// The OpenID Connect ID token (who signed in), when the scopes asked for it.
    pub id_token: Option<String>,
}

#[derive(Debug)]
pub enum TokenError {
    /// The provider answered with an OAuth error (`invalid_grant`, …).
    Refused(String),
    /// No usable answer (unreachable, a time-out, not JSON): worth trying again later.
    Unreachable(String),
}

#[derive(Deserialize)]
struct Answer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    id_token: Option<String>,
    error: Option<String>,
}

/// Trades an authorization code for tokens.
pub async fn from_code(
    ctx: &MailContext,
    settings: &ProviderSettings,
    redirect_uri: &str,
    code: &str,
    verifier: &SecretString,
) -> Result<Tokens, TokenError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.expose_secret()),
    ];
    post(ctx, settings, &form).await
}

/// Trades a refresh token for a new access token (and, with providers that rotate them, a new
/// refresh token).
pub async fn refreshed(
    ctx: &MailContext,
    settings: &ProviderSettings,
    refresh_token: &SecretString,
) -> Result<Tokens, TokenError> {
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose_secret())];
    post(ctx, settings, &form).await
}

async fn post(ctx: &MailContext, settings: &ProviderSettings, form: &[(&str, &str)]) -> Result<Tokens, TokenError> {
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    fields.push(("client_id", &settings.client_id));
    if let Some(secret) = &settings.client_secret {
        fields.push(("client_secret", secret.expose_secret()));
    }
    let body = zeroize::Zeroizing::new(form_encode(&fields));
    let request = hyper::Request::post(&settings.token.path)
        .header(hyper::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(hyper::header::ACCEPT, "application/json")
        .header(hyper::header::USER_AGENT, "Pochta")
        .body(Full::new(Bytes::from(body.as_bytes().to_vec())))
        .map_err(|e| TokenError::Unreachable(e.to_string()))?;
    let (host, port) = (settings.token.host.as_str(), settings.token.port);
    let answer = tokio::time::timeout(TIME_LIMIT, web::exchange(ctx, host, port, request, MAX_ANSWER))
        .await
        .map_err(|_| TokenError::Unreachable("time-out".into()))?
        .map_err(|e| TokenError::Unreachable(e.0))?;
    let parsed: Answer = serde_json::from_slice(&answer.body)
        .map_err(|_| TokenError::Unreachable(format!("HTTP {}, not a token answer", answer.status)))?;
    if let Some(error) = parsed.error {
        return Err(TokenError::Refused(short_code(&error)));
    }
    let (true, Some(access)) = (answer.status.is_success(), parsed.access_token) else {
        return Err(TokenError::Unreachable(format!("HTTP {}, no access token", answer.status)));
    };
    // Some providers send the lifetime as a string; an absent one is taken as an hour.
    let expires_in = match parsed.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .unwrap_or(3600);
    Ok(Tokens {
        access: access.into(),
        refresh: parsed.refresh_token.filter(|r| !r.is_empty()).map(SecretString::from),
        expires_in,
        id_token: parsed.id_token,
    })
}

/// An error code as shown to a user: a provider's word, not arbitrary text.
pub fn short_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect()
}

/// `application/x-www-form-urlencoded`, also the query of the authorization address.
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The address the provider's user-info call names for the holder of `access` (Yandex:
/// `default_email`, Mail.ru: `email`), when it returns no ID token.
pub async fn userinfo_identity(
    ctx: &MailContext,
    endpoint: &Endpoint,
    token_in: TokenIn,
    access: &SecretString,
) -> Result<Option<String>, TokenError> {
    let request = match token_in {
        TokenIn::Header(word) => {
            let authorization = zeroize::Zeroizing::new(format!("{word} {}", access.expose_secret()));
            hyper::Request::get(&endpoint.path).header(hyper::header::AUTHORIZATION, authorization.as_str())
        }
        TokenIn::Query => {
            let joiner = if endpoint.path.contains('?') { '&' } else { '?' };
            let query = zeroize::Zeroizing::new(form_encode(&[("access_token", access.expose_secret())]));
            let path = zeroize::Zeroizing::new(format!("{}{joiner}{}", endpoint.path, query.as_str()));
            hyper::Request::get(path.as_str())
        }
    };
    let request = request
        .header(hyper::header::ACCEPT, "application/json")
        .header(hyper::header::USER_AGENT, "Pochta")
        .body(Full::new(Bytes::new()))
        .map_err(|e| TokenError::Unreachable(e.to_string()))?;
    let answer =
        tokio::time::timeout(TIME_LIMIT, web::exchange(ctx, &endpoint.host, endpoint.port, request, MAX_ANSWER))
            .await
            .map_err(|_| TokenError::Unreachable("time-out".into()))?
            .map_err(|e| TokenError::Unreachable(e.0))?;
    if !answer.status.is_success() {
        return Err(TokenError::Unreachable(format!("user info: HTTP {}", answer.status)));
    }
    Ok(address_in(&answer.body))
}

/// The address a user-info answer names.
fn address_in(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Info {
        default_email: Option<String>,
        email: Option<String>,
    }
    let info: Info = serde_json::from_slice(body).ok()?;
    info.default_email.or(info.email).filter(|e| e.contains('@')).map(|e| e.trim().to_lowercase())
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    aud: serde_json::Value,
    email: Option<String>,
    preferred_username: Option<String>,
}

/// The address an ID token names, if it was issued to `client_id`. The token came straight from
/// the token endpoint over verified TLS, which OpenID Connect accepts in place of checking its
/// signature (Core 1.0, 3.1.3.7).
pub fn identity(id_token: &str, client_id: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?).ok()?;
    let for_us = match &claims.aud {
        serde_json::Value::String(aud) => aud == client_id,
        serde_json::Value::Array(auds) => auds.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !for_us {
        return None;
    }
    claims.email.or(claims.preferred_username).filter(|e| e.contains('@')).map(|e| e.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &str) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2lnbmF0dXJl", URL_SAFE_NO_PAD.encode(claims))
    }

    #[test]
    fn the_identity_is_the_email_of_a_token_issued_to_us() {
        assert_eq!(
            identity(&token(r#"{"aud":"app","email":"Anna@Romashka.ru"}"#), "app").as_deref(),
            Some("anna@romashka.ru")
        );
        assert_eq!(
            identity(&token(r#"{"aud":["x","app"],"preferred_username":"anna@corp.example"}"#), "app").as_deref(),
            Some("anna@corp.example")
        );
        // Issued to another application, or naming no address.
        assert_eq!(identity(&token(r#"{"aud":"other","email":"anna@romashka.ru"}"#), "app"), None);
        assert_eq!(identity(&token(r#"{"aud":"app","preferred_username":"anna"}"#), "app"), None);
        assert_eq!(identity("not a token", "app"), None);
        assert_eq!(
            address_in(br#"{"login":"anna","default_email":"Anna@Yandex.ru"}"#).as_deref(),
            Some("anna@yandex.ru")
        );
        assert_eq!(address_in(br#"{"login":"anna"}"#), None);
    }

    #[test]
    fn form_encoding_escapes_everything_but_the_unreserved() {
        assert_eq!(
            form_encode(&[("redirect_uri", "https://crm.example/oauth/callback"), ("scope", "openid email")]),
            "redirect_uri=https%3A%2F%2Fcrm.example%2Foauth%2Fcallback&scope=openid%20email"
        );
        assert_eq!(form_encode(&[("login_hint", "почта@x.y")]), "login_hint=%D0%BF%D0%BE%D1%87%D1%82%D0%B0%40x.y");
        assert_eq!(short_code("invalid_grant\r\n<script>"), "invalid_grantscript");
    }
}
