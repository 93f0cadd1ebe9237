//! The top of the crate: the operator's command line and building the running web server. The
//! only module that sees every layer (the web server needs the app's routes); nothing imports it.

pub mod cli;
mod messages;
mod notify;
pub mod startup;

pub use startup::Application;
