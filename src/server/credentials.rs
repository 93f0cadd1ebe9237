//! The secrets people sign in with: argon2id hashes of their passwords, and the random tokens of
//! sessions and one-time links (stored only as their SHA-256).

use crate::model::error::AppError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

fn argon2() -> Argon2<'static> {
    // OWASP minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Bounds the password hashing of one app server: each argon2 run takes 19 MiB and tens of
/// milliseconds of a core, so an anonymous flood of sign-ins must not start them all at once.
/// A few run at a time; a few more may wait briefly; the rest are told the service is busy.
#[derive(Clone)]
pub struct Hashing {
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    max_wait: Duration,
}

impl Hashing {
    /// `slots` hashes at a time (0: one per CPU), up to eight times as many waiting at most 2 s.
    pub fn new(slots: usize) -> Self {
        let slots = if slots == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { slots };
        Self::with_limits(slots, slots * 8, Duration::from_secs(2))
    }

    pub fn with_limits(slots: usize, max_waiting: usize, max_wait: Duration) -> Self {
        Self { slots: Arc::new(Semaphore::new(slots)), waiting: Arc::default(), max_waiting, max_wait }
    }

    async fn slot(&self) -> Result<OwnedSemaphorePermit, AppError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Busy);
        }
        let permit = tokio::time::timeout(self.max_wait, self.slots.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match permit {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy),
        }
    }

    /// Hashes a password off the async threads.
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let slot = self.slot().await?;
        let password = zeroize::Zeroizing::new(password.to_string());
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await
        .map_err(|e| super::fail::internal("hashing task failed", e))?
        .map_err(|e| super::fail::internal("hashing failed", e))
    }

    /// Whether `password` matches `hash`; `None` (no such user) never matches but costs the same.
    pub async fn verify(&self, hash: Option<String>, password: &str) -> Result<bool, AppError> {
        let slot = self.slot().await?;
        let password = zeroize::Zeroizing::new(password.to_string());
        let known = hash.is_some();
        let matched = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
            let Ok(parsed) = PasswordHash::new(&hash) else { return false };
            argon2().verify_password(password.as_bytes(), &parsed).is_ok() && known
        })
        .await;
        Ok(matched.unwrap_or(false))
    }
}

/// A hash of nothing anyone knows, verified when the user does not exist so that an unknown
/// e-mail takes as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2().hash_password(b"no user has this password", &salt).map(|h| h.to_string()).unwrap_or_default()
    })
}

/// A new random token (256 bits), for sessions and one-time links.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores instead of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hashing = Hashing::new(0);
        let hash = hashing.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hashing.verify(Some(hash.clone()), "correct horse").await.unwrap());
        assert!(!hashing.verify(Some(hash), "wrong horse").await.unwrap());
        assert!(!hashing.verify(None, "no user has this password").await.unwrap());
    }

    #[tokio::test]
    async fn hashing_beyond_the_slots_and_the_queue_is_told_busy() {
        // One at a time, one more may wait: of five at once, at least three are refused.
        let hashing = Hashing::with_limits(1, 1, Duration::from_secs(30));
        let all = futures::future::join_all((0..5).map(|_| hashing.hash("пароль"))).await;
        let busy = all.iter().filter(|r| matches!(r, Err(AppError::Busy))).count();
        assert!(busy >= 3 && all.iter().filter(|r| r.is_ok()).count() >= 1, "{all:?}");
        // A waiter gives up after the time limit rather than queueing forever.
        let slow = Hashing::with_limits(1, 10, Duration::from_millis(1));
        let all = futures::future::join_all((0..3).map(|_| slow.hash("пароль"))).await;
        assert!(all.iter().any(|r| matches!(r, Err(AppError::Busy))), "{all:?}");
    }
}
