//! Integration tests: the real server on a free port with a fresh database, driven over HTTP as a
//! browser would.

mod helpers;

mod first_run;
mod isolation;
mod sign_in;
mod users;
mod web;
