//! CRM ► Уведомления ► Электронная почта: the setup page's «Почта» tab that fills it, and
//! «Настройки программы» that shows it.

mod mail_tab;
mod program_settings;

pub use mail_tab::MailTab;
pub use program_settings::ProgramSettingsPage;
