//! What every request handler can reach: the database, the operator's configuration, the
//! secret keys, the mail-service presets and the mail context (egress guard, TLS trust).

use super::config::Config;
use super::db::Db;
use super::mail::MailContext;
use super::presets::Presets;
use super::secrets::Secrets;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub secrets: Arc<Secrets>,
    pub presets: Arc<Presets>,
    pub mail: MailContext,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
