//! Server-only code: configuration, the database, authentication, HTTP hardening, the CLI.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod fail;
pub mod keys;
pub mod mail;
pub mod mail_tab;
pub mod members;
pub mod presets;
pub mod secrets;
pub mod setup;
pub mod startup;
pub mod state;
pub mod tenancy;
pub mod web;
