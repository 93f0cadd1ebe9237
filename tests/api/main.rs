//! Integration tests: the real server on a free port with a fresh database, driven over HTTP as a
//! browser would. `support` holds what they share; each other module is one feature.

mod support;

mod accounts;
mod crm_email;
mod detection;
mod first_run;
mod floods;
mod held_letters;
mod hostile_input;
mod hostile_servers;
mod housekeeping;
mod instances;
mod isolation;
mod kept_connection;
mod killed;
mod logs;
mod notifications;
mod oauth;
mod oauth_sign_in;
mod outbox_scale;
mod rls;
mod schema;
mod secrets;
mod setup;
mod sign_in;
mod stored_password;
mod time_zone;
mod trusted_certificates;
mod users;
mod web;
