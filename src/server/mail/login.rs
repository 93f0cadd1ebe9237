//! What a mail conversation signs in with: the login and either a password or the provider's
//! access token (SASL XOAUTH2, the form Microsoft, Google, Yandex and Mail.ru take for SMTP, IMAP
//! and POP3). The token is a secret like the password: it goes only into the one line that
//! carries it, base64-encoded, and lives in zeroed memory.

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

/// The secret half of a login.
#[derive(Clone, Copy)]
pub enum Secret<'a> {
    Password(&'a SecretString),
    /// An OAuth 2.0 access token, sent with XOAUTH2.
    AccessToken(&'a SecretString),
}

#[derive(Clone, Copy)]
pub struct Login<'a> {
    pub user: &'a str,
    pub secret: Secret<'a>,
}

impl<'a> Login<'a> {
    pub fn password(user: &'a str, password: &'a SecretString) -> Self {
        Self { user, secret: Secret::Password(password) }
    }

    pub fn access_token(user: &'a str, token: &'a SecretString) -> Self {
        Self { user, secret: Secret::AccessToken(token) }
    }

    /// The XOAUTH2 initial response, base64-encoded (`user=…^Aauth=Bearer …^A^A`), for a login
    /// with an access token; `None` for a password, or when the user or the token holds a
    /// control character that would change the message's meaning.
    pub fn xoauth2(&self) -> Option<SecretString> {
        let Secret::AccessToken(token) = self.secret else { return None };
        let token = token.expose_secret();
        if self.user.chars().chain(token.chars()).any(|c| c.is_control()) {
            return None;
        }
        let raw = zeroize::Zeroizing::new(format!("user={}\x01auth=Bearer {token}\x01\x01", self.user));
        Some(base64::engine::general_purpose::STANDARD.encode(raw.as_bytes()).into())
    }
}

/// A secret as it is held until a conversation uses it: a password or an access token.
pub enum Credential {
    Password(SecretString),
    AccessToken(SecretString),
}

impl Credential {
    /// It, as `user` signs in with it.
    pub fn login<'a>(&'a self, user: &'a str) -> Login<'a> {
        Login { user, secret: self.secret() }
    }

    fn secret(&self) -> Secret<'_> {
        match self {
            Credential::Password(password) => Secret::Password(password),
            Credential::AccessToken(token) => Secret::AccessToken(token),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xoauth2_response_is_rfc_shaped_and_refuses_smuggled_separators() {
        let token: SecretString = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg".into();
        let encoded = Login::access_token("someuser@example.com", &token).xoauth2().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.expose_secret()).unwrap();
        assert_eq!(
            decoded,
            b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
        );

        let password: SecretString = "secret".into();
        assert!(Login::password("someuser@example.com", &password).xoauth2().is_none());
        let smuggled: SecretString = "abc\x01auth=Bearer other".into();
        assert!(Login::access_token("someuser@example.com", &smuggled).xoauth2().is_none());
        assert!(Login::access_token("a@b.c\r\nQUIT", &token).xoauth2().is_none());
    }
}
