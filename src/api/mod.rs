//! Server functions: each checks who is asking, parses the input into model types, calls a
//! service in `server`, and maps the outcome. Nothing else happens here.

pub mod accounts;
pub mod mail_tab;
pub mod progress;
pub mod session;
pub mod setup;
pub mod users;
