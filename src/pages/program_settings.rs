//! «Настройки программы», with the group CRM ► Уведомления ► Электронная почта.

use crate::i18n::tr;
use leptos::prelude::*;

#[component]
pub fn ProgramSettingsPage() -> impl IntoView {
    view! {
        <h1>{tr("program_settings.title")}</h1>
        <section class="panel">
            <h2 class="breadcrumb">{tr("program_settings.crm_email_group")}</h2>
            <p class="empty">{tr("program_settings.not_set")}</p>
        </section>
    }
}
