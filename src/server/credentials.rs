//! The secrets people sign in with: argon2id hashes of their passwords, and the random tokens of
//! sessions and one-time links (stored only as their SHA-256).

use crate::model::error::AppError;
use argon2::password_hash::{Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// OWASP minimum for argon2id: 19 MiB of memory, 2 iterations, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// The working memory of argon2 runs, 19 MiB each: a run passes its buffer on to the next one
/// while others wait (a flood of sign-ins reuses a buffer per slot), and frees it when none
/// does, so an idle server does not hold it. Freed, it goes back to the system: a buffer this
/// large is a mapping of its own ([`return_large_allocations`]); left to glibc's own rule, a
/// freed buffer raised the size it maps on its own, later ones came from the heap and stayed,
/// and a flood of sign-ins grew the server by about 11 MiB per password checked.
#[derive(Clone)]
struct Memory {
    spare: Arc<Mutex<Vec<Vec<Block>>>>,
    /// The runs waiting for a slot ([`Hashing`]'s count).
    waiting: Arc<AtomicUsize>,
    /// Buffers allocated so far (for the tests).
    made: Arc<AtomicUsize>,
}

impl Memory {
    fn new(waiting: Arc<AtomicUsize>) -> Self {
        Self { spare: Arc::default(), waiting, made: Arc::default() }
    }

    fn spare(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        self.spare.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self) -> Vec<Block> {
        let spare = self.spare().pop();
        spare.unwrap_or_else(|| {
            self.made.fetch_add(1, Ordering::Relaxed);
            vec![Block::default(); params().block_count()]
        })
    }

    /// `work` in a buffer, kept afterwards for the next run if one waits, else freed.
    fn run<R>(&self, work: impl FnOnce(&mut [Block]) -> R) -> R {
        let mut buffer = self.take();
        let done = work(&mut buffer);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.spare().push(buffer);
        }
        done
    }
}

/// Makes every allocation of 1 MiB or more a mapping of its own, returned to the system when it
/// is freed, instead of glibc's default: a threshold that rises to the size of each large block
/// freed, after which blocks of that size come from the heap and its pages are kept. Called once
/// as the server starts.
pub fn return_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const ONE_MIB: libc::c_int = 1 << 20;
        // SAFETY: mallopt only changes the allocator's tuning; any value is valid to pass, and
        // glibc applies it under its own lock.
        let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, ONE_MIB) };
    }
}

/// argon2id of `password` with `salt` (its base64 form), `len` bytes, computed in `memory`.
fn compute_in(
    memory: &mut [Block],
    password: &[u8],
    salt: Salt<'_>,
    len: usize,
) -> argon2::password_hash::Result<Output> {
    let mut buffer = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut buffer)?;
    let argon = argon2();
    Output::init_with(len, |out| {
        argon.hash_password_into_with_memory(password, salt_bytes, out, &mut *memory).map_err(Into::into)
    })
}

/// The PHC string of `password` with `salt`, computed in `memory`.
fn hash_in(memory: &mut [Block], password: &[u8], salt: Salt<'_>) -> argon2::password_hash::Result<String> {
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params())?,
        salt: Some(salt),
        hash: Some(compute_in(memory, password, salt, Params::DEFAULT_OUTPUT_LEN)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches `stored`, computed in `memory` when `stored` has this server's
/// parameters (a hash made with other parameters is verified the ordinary way).
fn matches_in(memory: &mut [Block], password: &[u8], stored: &PasswordHash<'_>) -> bool {
    let ours = stored.algorithm == Algorithm::Argon2id.ident()
        && stored.version == Some(Version::V0x13.into())
        && ParamsString::try_from(&params()).is_ok_and(|p| p == stored.params);
    if !ours {
        return argon2().verify_password(password, stored).is_ok();
    }
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else { return false };
    // `Output`'s equality is constant-time.
    compute_in(memory, password, salt, expected.len()).is_ok_and(|computed| computed == expected)
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
    memory: Memory,
}

impl Hashing {
    /// `slots` hashes at a time (0: one per CPU), up to eight times as many waiting at most 2 s.
    pub fn new(slots: usize) -> Self {
        let slots = if slots == 0 { std::thread::available_parallelism().map_or(2, |n| n.get()) } else { slots };
        Self::with_limits(slots, slots * 8, Duration::from_secs(2))
    }

    pub fn with_limits(slots: usize, max_waiting: usize, max_wait: Duration) -> Self {
        let waiting = Arc::new(AtomicUsize::new(0));
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            memory: Memory::new(waiting.clone()),
            waiting,
            max_waiting,
            max_wait,
        }
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
        let memory = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            memory.run(|buffer| hash_in(buffer, password.as_bytes(), salt.as_salt()))
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
        let memory = self.memory.clone();
        let matched = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
            let Ok(parsed) = PasswordHash::new(&hash) else { return false };
            memory.run(|buffer| matches_in(buffer, password.as_bytes(), &parsed)) && known
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
    async fn hashes_in_reused_memory_are_ordinary_argon2id_hashes() {
        let hashing = Hashing::new(1);
        // Made here, checked by the argon2 crate's own verifier (and the other way round).
        let ours = hashing.hash("пароль").await.unwrap();
        assert!(argon2().verify_password("пароль".as_bytes(), &PasswordHash::new(&ours).unwrap()).is_ok());
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = argon2().hash_password("пароль".as_bytes(), &salt).unwrap().to_string();
        assert!(hashing.verify(Some(theirs.clone()), "пароль").await.unwrap());
        assert!(!hashing.verify(Some(theirs), "парол").await.unwrap());
        // A hash with other parameters (an older server's) still verifies.
        let older = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8 * 1024, 1, 1, None).unwrap());
        let old = older.hash_password("пароль".as_bytes(), &salt).unwrap().to_string();
        assert!(hashing.verify(Some(old.clone()), "пароль").await.unwrap());
        assert!(!hashing.verify(Some(old), "пароль!").await.unwrap());
        // Nobody waited: no buffer is held between runs.
        assert!(hashing.memory.spare().is_empty());
    }

    #[tokio::test]
    async fn a_buffer_passes_to_the_runs_waiting_and_is_freed_after_the_last() {
        let hashing = Hashing::with_limits(1, 10, Duration::from_secs(30));
        let first = hashing.slot().await.unwrap();
        // Four wait for the one slot: one buffer serves them all.
        let all = futures::future::join_all((0..4).map(|_| hashing.hash("пароль")));
        let release = async {
            while hashing.waiting.load(Ordering::SeqCst) < 4 {
                tokio::task::yield_now().await;
            }
            drop(first);
        };
        let (hashes, ()) = tokio::join!(all, release);
        assert!(hashes.iter().all(|h| h.is_ok()), "{hashes:?}");
        assert_eq!(hashing.memory.made.load(Ordering::Relaxed), 1, "one buffer, passed on");
        assert!(hashing.memory.spare().is_empty(), "the last run freed it");
        // One at a time, nobody waiting: each run has its own, and frees it.
        hashing.hash("пароль").await.unwrap();
        assert_eq!(hashing.memory.made.load(Ordering::Relaxed), 2);
        assert!(hashing.memory.spare().is_empty());
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
