//! Server-only code: configuration, the database, authentication, HTTP hardening, the CLI.

pub mod auth;
pub mod autoconfig;
pub mod cli;
pub mod config;
pub mod db;
pub mod directory;
pub mod dns;
pub mod fail;
pub mod keys;
pub mod mail;
pub mod mail_tab;
pub mod members;
pub mod notify;
pub mod presets;
pub mod progress;
pub mod rate;
pub mod secrets;
pub mod setup;
pub mod startup;
pub mod state;
pub mod tenancy;
pub mod web;
