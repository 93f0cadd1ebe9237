//! Reusable pieces of the interface.

pub mod auth_card;
pub mod form;
