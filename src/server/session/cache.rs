//! Valid sessions remembered for a few seconds, so a signed-in request need not ask the database
//! who it is. Signing out, deactivation and a role change take effect at once on the instance
//! that made them, and on every other instance once its remembered entry is older than the
//! bound (`--session-cache-seconds`, 5 by default; 0 turns remembering off).

use super::CurrentUser;
use crate::model::{TenantId, UserId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many sessions are remembered; beyond it the stale ones go, then all.
const MAX_ENTRIES: usize = 100_000;

pub struct SessionCache {
    bound: Duration,
    entries: Mutex<HashMap<String, (CurrentUser, Instant)>>,
}

impl SessionCache {
    pub fn new(bound: Duration) -> Self {
        Self { bound, entries: Mutex::default() }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (CurrentUser, Instant)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The user of a session token's hash, if it was looked up less than the bound ago.
    pub fn get(&self, token_hash: &str) -> Option<CurrentUser> {
        let entries = self.entries();
        let (user, at) = entries.get(token_hash)?;
        (at.elapsed() < self.bound).then(|| user.clone())
    }

    pub fn put(&self, user: &CurrentUser) {
        if self.bound.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES {
            let bound = self.bound;
            entries.retain(|_, (_, at)| at.elapsed() < bound);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(user.token_hash.clone(), (user.clone(), Instant::now()));
    }

    pub fn forget(&self, token_hash: &str) {
        self.entries().remove(token_hash);
    }

    /// Every remembered session of a user (deactivated, role changed, password set).
    pub fn forget_user(&self, tenant: TenantId, user: UserId) {
        self.entries().retain(|_, (u, _)| !(u.tenant == tenant && u.id == user));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lang, Role};

    fn user(id: i64, token: &str) -> CurrentUser {
        CurrentUser {
            id: UserId(id),
            tenant: TenantId(1),
            role: Role::Admin,
            email: "a@b.test".into(),
            name: "A".into(),
            lang: Lang::Ru,
            token_hash: token.into(),
        }
    }

    #[test]
    fn a_session_is_remembered_within_the_bound_and_forgotten_on_demand() {
        let cache = SessionCache::new(Duration::from_secs(60));
        cache.put(&user(1, "one"));
        cache.put(&user(1, "two"));
        cache.put(&user(2, "three"));
        assert_eq!(cache.get("one").map(|u| u.id), Some(UserId(1)));
        cache.forget("one");
        assert!(cache.get("one").is_none());
        cache.forget_user(TenantId(1), UserId(1));
        assert!(cache.get("two").is_none());
        assert!(cache.get("three").is_some());
        let off = SessionCache::new(Duration::ZERO);
        off.put(&user(1, "one"));
        assert!(off.get("one").is_none());
        let brief = SessionCache::new(Duration::from_millis(1));
        brief.put(&user(1, "one"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(brief.get("one").is_none(), "older than the bound: asked again");
    }
}
