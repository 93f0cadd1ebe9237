//! What every request handler can reach: the database, the operator's configuration, the
//! secret keys, the mail-service presets and the mail context (egress guard, TLS trust).

use super::config::Config;
use super::credentials::Hashing;
use super::db::Db;
use super::dns::Dns;
use super::mail::MailContext;
use super::presets::Presets;
use super::secrets::Secrets;
use super::session::SessionCache;
use crate::model::TenantId;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Cloned for every request (into its context, for each server function that asks): one
/// reference count, not a copy of each part.
#[derive(Clone)]
pub struct AppState(Arc<StateParts>);

impl AppState {
    pub fn new(parts: StateParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = StateParts;

    fn deref(&self) -> &StateParts {
        &self.0
    }
}

pub struct StateParts {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub secrets: Arc<Secrets>,
    pub presets: Arc<Presets>,
    pub mail: MailContext,
    pub dns: Dns,
    /// Bounds password hashing (sign-in floods).
    pub hashing: Hashing,
    /// Sessions remembered for a few seconds.
    pub sessions: Arc<SessionCache>,
    /// Wakes this instance's outbox workers when a notification is queued here.
    pub outbox_queued: Arc<tokio::sync::Notify>,
    /// The providers users may sign in with (`--oauth-file`).
    pub oauth: Arc<super::oauth::providers::OAuthProviders>,
}

impl StateParts {
    /// What signing in with the mail providers needs.
    pub fn sign_ins(&self) -> super::oauth::SignIns<'_> {
        super::oauth::SignIns { db: &self.db, secrets: &self.secrets, providers: &self.oauth, mail: &self.mail }
    }

    /// Automatic detection as the operator configured it, for `tenant`.
    pub fn detector(&self, tenant: TenantId) -> super::detection::detect::Detector<'_> {
        super::detection::detect::Detector {
            presets: &self.presets,
            mail: self.mail.for_tenant(tenant),
            dns: &self.dns,
            https_port: self.config.autoconfig_https_port,
            budget: self.config.detection_budget(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
