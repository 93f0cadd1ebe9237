//! Integration tests: the real server on a free port with a fresh database, driven over HTTP as a
//! browser would.

mod helpers;

mod mail_servers;

mod accounts;
mod detection;
mod first_run;
mod instances;
mod isolation;
mod mail_tab;
mod rls;
mod secrets;
mod setup;
mod sign_in;
mod users;
mod web;
