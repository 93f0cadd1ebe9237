//! Stored mail passwords, encrypted (see `envelope`) under keys the operator gives in the
//! environment or in a key file (see `key_file`). A server with a key file follows it while it
//! runs: a changed file is read again, and so is the file when an envelope names a key not yet
//! loaded, so `pochta keys rotate` (see `rotation`) never breaks a running server.

mod envelope;
pub mod key_file;
pub mod rotation;

pub use envelope::{KeySet, SecretError};

use super::db::accounts::{AccountRow, SecretField};
use super::db::oauth::SignInSecret;
use crate::model::{AccountId, TenantId};
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// How often a server looks whether its key file changed.
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Where a secret belongs; the same three values must be given to decrypt it.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub tenant: TenantId,
    pub account: AccountId,
    pub field: SecretField,
}

/// What a secret is bound to: the associated data of its envelope, so a secret copied to another
/// tenant, row or column does not decrypt there.
pub trait Bound {
    fn associated_data(&self) -> Vec<u8>;
}

impl Bound for Binding {
    fn associated_data(&self) -> Vec<u8> {
        format!("pochta|tenant={}|account={}|field={}", self.tenant, self.account, self.field.column()).into_bytes()
    }
}

/// A secret of a sign-in with the mail provider (`oauth_sign_ins`): its PKCE verifier while the
/// browser is at the provider, then the tokens.
#[derive(Clone, Copy, Debug)]
pub struct SignInBinding {
    pub tenant: TenantId,
    pub sign_in: i64,
    pub field: SignInSecret,
}

impl Bound for SignInBinding {
    fn associated_data(&self) -> Vec<u8> {
        format!("pochta|tenant={}|oauth_sign_in={}|field={}", self.tenant, self.sign_in, self.field.column())
            .into_bytes()
    }
}

/// The file a server's keys come from, and when it was last looked at.
#[derive(Debug)]
struct Followed {
    path: PathBuf,
    /// When the file was last looked at, and its modification time then.
    seen: Mutex<(Instant, Option<SystemTime>)>,
}

/// The keys of a running server.
#[derive(Debug)]
pub struct Secrets {
    keys: RwLock<Arc<KeySet>>,
    file: Option<Followed>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Secrets {
    /// Keys that never change while the server runs (given in the environment).
    pub fn fixed(keys: KeySet) -> Self {
        Self { keys: RwLock::new(Arc::new(keys)), file: None }
    }

    /// Keys read from `path`, followed while the server runs.
    pub fn following(path: &Path, keys: KeySet) -> Self {
        let seen = Mutex::new((Instant::now(), modified(path)));
        Self { keys: RwLock::new(Arc::new(keys)), file: Some(Followed { path: path.to_path_buf(), seen }) }
    }

    /// Parses keys written as `id base64` (file lines) or `id:base64` (comma-separated).
    pub fn parse(text: &str) -> Result<Self, String> {
        KeySet::parse(text).map(Self::fixed)
    }

    /// A new random key as a file line (`id base64`).
    pub fn generate_line() -> String {
        KeySet::generate_line()
    }

    /// The key id an envelope was made with.
    pub fn key_of(envelope: &str) -> Option<&str> {
        KeySet::key_of(envelope)
    }

    /// The keys now, after reading the key file again if it changed (looked at every few
    /// seconds, or at once when `now` is set).
    fn keys(&self, now: bool) -> Arc<KeySet> {
        if let Some(file) = &self.file {
            let mut seen = file.seen.lock().unwrap_or_else(|e| e.into_inner());
            if now || seen.0.elapsed() >= LOOK_EVERY {
                let changed = modified(&file.path);
                let reread = now || changed != seen.1;
                *seen = (Instant::now(), changed);
                drop(seen);
                if reread {
                    self.reload(&file.path);
                }
            }
        }
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn reload(&self, path: &Path) {
        match key_file::read(path) {
            Ok(keys) => *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys),
            // A half-edited file must not take the keys away: keep the ones loaded.
            Err(e) => tracing::warn!(file = %path.display(), "the key file could not be read again: {e}"),
        }
    }

    pub fn current_id(&self) -> String {
        self.keys(false).current_id().to_string()
    }

    pub fn key_ids(&self) -> Vec<String> {
        self.keys(false).key_ids().into_iter().map(String::from).collect()
    }

    pub fn encrypt(&self, secret: &SecretString, binding: &impl Bound) -> String {
        self.keys(false).encrypt(secret, binding)
    }

    /// Decrypts an envelope; one made under a key this server has not loaded yet sends it to
    /// its key file first.
    pub fn decrypt(&self, envelope: &str, binding: &impl Bound) -> Result<SecretString, SecretError> {
        match self.keys(false).decrypt(envelope, binding) {
            Err(SecretError::UnknownKey(_)) if self.file.is_some() => self.keys(true).decrypt(envelope, binding),
            other => other,
        }
    }

    /// A token vouching that this deployment made `statement` (see [`KeySet::attest`]).
    pub fn attest(&self, statement: &str) -> String {
        self.keys(false).attest(statement.as_bytes())
    }

    /// Whether `token` vouches for `statement` under one of the loaded keys.
    pub fn attested(&self, token: &str, statement: &str) -> bool {
        self.keys(false).attested(token, statement.as_bytes())
    }

    /// Encrypts `secret` as an account's password `field`.
    pub fn seal(&self, tenant: TenantId, account: AccountId, field: SecretField, secret: &SecretString) -> String {
        self.encrypt(secret, &Binding { tenant, account, field })
    }

    /// An account's stored password `field`, decrypted; `None` when none is stored.
    pub fn open_stored(&self, account: &AccountRow, field: SecretField) -> Result<Option<SecretString>, SecretError> {
        let envelope = match field {
            SecretField::Main => &account.password,
            SecretField::Incoming => &account.incoming_password,
        };
        let binding = Binding { tenant: account.tenant, account: account.id, field };
        envelope.as_deref().map(|e| self.decrypt(e, &binding)).transpose()
    }
}
