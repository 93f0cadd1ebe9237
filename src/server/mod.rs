//! Server-only code, below the server functions: each feature's service (`accounts`,
//! `crm_email`, `setup`, `users`, `session`, `tenants`, `notifications`), the database (`db`),
//! talking to mail servers (`mail`, `detection`), and what every request needs (`state`, `web`).

pub mod accounts;
pub mod config;
pub mod credentials;
pub mod crm_email;
pub mod db;
pub mod detection;
pub mod dns;
pub mod fail;
pub mod housekeeping;
pub mod mail;
pub mod notifications;
pub mod oauth;
pub mod oauth_callback;
pub mod password_links;
pub mod presets;
pub mod progress;
pub mod rate;
pub mod secrets;
pub mod session;
pub mod setup;
pub mod state;
pub mod tenants;
pub mod time_zone;
pub mod trusted_certificates;
pub mod users;
pub mod web;
