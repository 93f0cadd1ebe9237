//! Reusable pieces of the interface, used by several screens.

pub mod auth_card;
pub mod check_report;
pub mod error_text;
pub mod form;
pub mod health_banner;
pub mod language_switch;
pub mod live_report;
pub mod navigation;
pub mod session;
pub mod sign_in_with;
