//! Reusable pieces of the interface.

pub mod auth_card;
pub mod check_report;
pub mod form;
pub mod live_report;
