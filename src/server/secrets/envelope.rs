//! The envelope of a stored secret: XChaCha20-Poly1305, written `v1:<key id>:<base64 of nonce ‖
//! ciphertext>`, the associated data binding it to its tenant, account and field, so a ciphertext
//! copied to another row does not decrypt. A key set holds several keys; the first encrypts.

use super::Bound;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use zeroize::Zeroizing;

const VERSION: &str = "v1";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl Key {
    /// A fresh nonce ‖ the ciphertext of `message`, bound to `aad`.
    fn seal(&self, message: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: message, aad })
            .expect("XChaCha20-Poly1305 encryption does not fail for in-memory inputs");
        let mut body = nonce.to_vec();
        body.extend_from_slice(&ciphertext);
        body
    }

    /// The message of a body `seal` made with the same `aad`.
    fn open(&self, body: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        if body.len() <= NONCE_BYTES {
            return Err(SecretError::Malformed);
        }
        let (nonce, ciphertext) = body.split_at(NONCE_BYTES);
        let message = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad })
            .map_err(|_| SecretError::Tampered)?;
        Ok(Zeroizing::new(message))
    }
}

/// A set of keys. No `Debug` that could print them.
pub struct KeySet {
    keys: Vec<Key>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeySet({} keys, current {})", self.keys.len(), self.current_id())
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("malformed envelope")]
    Malformed,
    #[error("the key {0} is not loaded")]
    UnknownKey(String),
    #[error("the envelope does not open with its key and binding")]
    Tampered,
}

impl KeySet {
    /// Parses keys written as `id base64` (file lines) or `id:base64` (comma-separated).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for entry in text.split([',', '\n']).map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (id, encoded) =
                entry.split_once([' ', ':', '\t']).ok_or_else(|| "a key line needs an id and a key".to_string())?;
            let bytes = Zeroizing::new(
                STANDARD_NO_PAD
                    .decode(encoded.trim().trim_end_matches('='))
                    .map_err(|_| format!("key {id}: not base64"))?,
            );
            if bytes.len() != KEY_BYTES {
                return Err(format!("key {id}: must be {KEY_BYTES} bytes"));
            }
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(format!("key id {id:?}: letters, digits, - and _ only"));
            }
            if keys.iter().any(|k: &Key| k.id == id) {
                return Err(format!("key id {id} appears twice"));
            }
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| format!("key {id}: unusable"))?;
            keys.push(Key { id: id.to_string(), cipher });
        }
        if keys.is_empty() {
            return Err("no keys".into());
        }
        Ok(Self { keys })
    }

    /// A new random key as a file line (`id base64`).
    pub fn generate_line() -> String {
        let mut key = Zeroizing::new([0u8; KEY_BYTES]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        let mut id = [0u8; 4];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        format!("k{id} {}", STANDARD_NO_PAD.encode(key.as_ref()))
    }

    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    pub fn encrypt(&self, secret: &SecretString, binding: &impl Bound) -> String {
        let key = &self.keys[0];
        let body = key.seal(secret.expose_secret().as_bytes(), &binding.associated_data());
        format!("{VERSION}:{}:{}", key.id, STANDARD_NO_PAD.encode(body))
    }

    pub fn decrypt(&self, envelope: &str, binding: &impl Bound) -> Result<SecretString, SecretError> {
        let mut parts = envelope.splitn(3, ':');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SecretError::Malformed);
        };
        let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| SecretError::UnknownKey(id.to_string()))?;
        let body = STANDARD_NO_PAD.decode(body).map_err(|_| SecretError::Malformed)?;
        let plain = key.open(&body, &binding.associated_data())?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Tampered)?;
        Ok(SecretString::from(text))
    }

    /// A token vouching for `statement` (the AEAD tag of an empty message with the statement as
    /// associated data, under the current key): only a holder of the keys can make one.
    pub fn attest(&self, statement: &[u8]) -> String {
        let key = &self.keys[0];
        format!("{}:{}", key.id, URL_SAFE_NO_PAD.encode(key.seal(&[], statement)))
    }

    /// Whether `token` was made by [`KeySet::attest`] for exactly `statement` with a loaded key.
    pub fn attested(&self, token: &str, statement: &[u8]) -> bool {
        let Some((id, body)) = token.split_once(':') else { return false };
        let (Some(key), Ok(body)) = (self.keys.iter().find(|k| k.id == id), URL_SAFE_NO_PAD.decode(body)) else {
            return false;
        };
        key.open(&body, statement).is_ok_and(|message| message.is_empty())
    }

    /// The key id an envelope was made with.
    pub fn key_of(envelope: &str) -> Option<&str> {
        envelope.split(':').nth(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> KeySet {
        let lines: Vec<String> = (0..n).map(|_| KeySet::generate_line()).collect();
        KeySet::parse(&lines.join("\n")).unwrap()
    }

    use crate::model::{AccountId, TenantId};
    use crate::server::db::accounts::SecretField;
    use crate::server::db::oauth::SignInSecret;
    use crate::server::secrets::{Binding, SignInBinding};

    fn binding(account: i64) -> Binding {
        Binding { tenant: TenantId(7), account: AccountId(account), field: SecretField::Main }
    }

    #[test]
    fn an_attestation_vouches_for_its_statement_only_and_only_under_these_keys() {
        let s = keys(2);
        let token = s.attest(b"tenant=1|sha256=AB");
        assert!(s.attested(&token, b"tenant=1|sha256=AB"));
        assert!(!s.attested(&token, b"tenant=2|sha256=AB"), "another statement");
        assert!(!keys(1).attested(&token, b"tenant=1|sha256=AB"), "other keys");
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(!s.attested(&forged, b"tenant=1|sha256=AB"), "a changed tag");
        assert!(
            !s.attested("", b"") && !s.attested("x:", b"") && !s.attested(&format!("{}:AAAA", s.current_id()), b"")
        );
    }

    #[test]
    fn a_secret_round_trips_and_the_envelope_hides_it() {
        let s = keys(1);
        let envelope = s.encrypt(&SecretString::from("пароль приложения"), &binding(1));
        assert!(envelope.starts_with(&format!("v1:{}:", s.current_id())));
        assert!(!envelope.contains("пароль"));
        assert_eq!(s.decrypt(&envelope, &binding(1)).unwrap().expose_secret(), "пароль приложения");
        assert_ne!(
            envelope,
            s.encrypt(&SecretString::from("пароль приложения"), &binding(1)),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn an_envelope_moved_to_another_account_or_tenant_does_not_open() {
        let s = keys(1);
        let envelope = s.encrypt(&SecretString::from("secret"), &binding(1));
        assert_eq!(s.decrypt(&envelope, &binding(2)).unwrap_err(), SecretError::Tampered);
        let other_tenant = Binding { tenant: TenantId(8), ..binding(1) };
        assert_eq!(s.decrypt(&envelope, &other_tenant).unwrap_err(), SecretError::Tampered);
        let other_field = Binding { field: SecretField::Incoming, ..binding(1) };
        assert_eq!(s.decrypt(&envelope, &other_field).unwrap_err(), SecretError::Tampered);
    }

    #[test]
    fn a_sign_ins_token_opens_only_for_its_tenant_sign_in_and_column() {
        let s = keys(1);
        let bound = SignInBinding { tenant: TenantId(7), sign_in: 3, field: SignInSecret::RefreshToken };
        let envelope = s.encrypt(&SecretString::from("refresh"), &bound);
        assert_eq!(s.decrypt(&envelope, &bound).unwrap().expose_secret(), "refresh");
        for other in [
            SignInBinding { tenant: TenantId(8), ..bound },
            SignInBinding { sign_in: 4, ..bound },
            SignInBinding { field: SignInSecret::AccessToken, ..bound },
        ] {
            assert_eq!(s.decrypt(&envelope, &other).unwrap_err(), SecretError::Tampered);
        }
        // Nor does an account's password open as a sign-in's secret with the same numbers.
        let password = s.encrypt(&SecretString::from("pw"), &binding(3));
        assert_eq!(s.decrypt(&password, &bound).unwrap_err(), SecretError::Tampered);
    }

    #[test]
    fn old_keys_still_open_what_they_encrypted() {
        let old = keys(1);
        let envelope = old.encrypt(&SecretString::from("secret"), &binding(1));
        // A key set with a new current key and the old one behind it.
        let text = format!("{}\n", KeySet::generate_line());
        let rotated = KeySet { keys: KeySet::parse(&text).unwrap().keys.into_iter().chain(old.keys).collect() };
        assert_eq!(rotated.decrypt(&envelope, &binding(1)).unwrap().expose_secret(), "secret");
        assert_ne!(KeySet::key_of(&rotated.encrypt(&SecretString::from("x"), &binding(1))), KeySet::key_of(&envelope));
        let without_old = KeySet::parse(&text).unwrap();
        assert!(matches!(without_old.decrypt(&envelope, &binding(1)), Err(SecretError::UnknownKey(_))));
    }

    #[test]
    fn tampering_and_garbage_are_detected() {
        let s = keys(1);
        let envelope = s.encrypt(&SecretString::from("secret"), &binding(1));
        let mut flipped = envelope.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert!(s.decrypt(std::str::from_utf8(&flipped).unwrap(), &binding(1)).is_err());
        assert_eq!(s.decrypt("plain text password", &binding(1)).unwrap_err(), SecretError::Malformed);
        assert_eq!(s.decrypt("v1:x:", &binding(1)).unwrap_err(), SecretError::UnknownKey("x".into()));
    }

    #[test]
    fn key_files_are_validated() {
        assert!(KeySet::parse("").is_err());
        assert!(KeySet::parse("k1 c2hvcnQ").is_err(), "too short");
        let line = KeySet::generate_line();
        assert!(KeySet::parse(&format!("{line}\n{line}")).is_err(), "duplicate id");
        let comma = line.replacen(' ', ":", 1);
        assert!(KeySet::parse(&format!("{comma},{}", KeySet::generate_line().replacen(' ', ":", 1))).is_ok());
        assert!(!format!("{:?}", KeySet::parse(&line).unwrap()).contains(line.split(' ').nth(1).unwrap()));
    }
}
