//! One module per screen, named as the screen's feature: `setup` (the setup page and its
//! directories), `crm_email` (the «Почта» tab and «Настройки программы»), `accounts` (the
//! directory of e-mail accounts), `users`, `notifications` (the sending log and API keys), `trusted_certificates` (a section of «Настройки программы»), and the pages before signing in.

pub mod accounts;
pub mod crm_email;
pub mod first_run;
pub mod not_found;
pub mod notifications;
pub mod set_password;
pub mod setup;
pub mod sign_in;
pub mod trusted_certificates;
pub mod users;
