//! «Справочники ► Учетные записи электронной почты»: the list (search, sorting, pages), and one
//! page per account for creating, editing and «Проверить настройки».

mod check;
mod editor;
mod list;
mod page;

pub use list::AccountsPage;
pub use page::{AccountPage, NewAccountPage};
