//! What the integration tests share, by concern: the app (`app`), a browser calling it
//! (`browser`), the real mail servers and scripted ones (`mail_servers`), and the app's forms
//! filled as tests start from them (`forms`).

pub mod app;
pub mod browser;
pub mod forms;
pub mod mail_servers;
pub mod process;

pub use app::{spawn_app, spawn_app_with, TestApp};
pub use browser::{browser_for, Browser};

/// The password every test user signs in to Pochta with.
/// `prefix` with a suffix no other test run uses (organisation names, letter subjects).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos())
}

pub const PASSWORD: &str = "очень надёжный пароль";
