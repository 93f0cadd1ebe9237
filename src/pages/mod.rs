//! One module per screen.

pub mod accounts;
pub mod first_run;
pub mod not_found;
pub mod program_settings;
pub mod set_password;
pub mod setup;
pub mod sign_in;
pub mod users;
