//! «Справочники ► Учетные записи электронной почты».

use crate::i18n::tr;
use leptos::prelude::*;

#[component]
pub fn AccountsPage() -> impl IntoView {
    view! {
        <h1>{tr("accounts.title")}</h1>
        <p class="empty">{tr("accounts.empty")}</p>
    }
}
