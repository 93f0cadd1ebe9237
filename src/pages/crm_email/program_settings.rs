//! «Настройки программы», with the group CRM ► Уведомления ► Электронная почта that the «Почта»
//! tab fills.

use crate::api::crm_email::crm_email_settings;
use crate::components::form::error_text;
use crate::i18n::{t, tr, use_lang};
use crate::model::crm_email::CrmEmailView;
use crate::model::format_timestamp;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn ProgramSettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| crm_email_settings());
    let lang = use_lang();
    view! {
        <h1>{tr("program_settings.title")}</h1>
        <section class="panel" id="crm-email-settings">
            <h2 class="breadcrumb">{tr("program_settings.crm_email_group")}</h2>
            <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(Some(s)) => view! { <Group s/> }.into_any(),
                        Ok(None) => view! {
                            <p class="empty">{t(lang, "program_settings.not_set")}</p>
                            <p><A href="/setup/mail">{t(lang, "program_settings.to_mail_tab")}</A></p>
                        }
                        .into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Group(s: CrmEmailView) -> impl IntoView {
    let lang = use_lang();
    let yes_no = |b: bool| if b { t(lang, "common.yes") } else { t(lang, "common.no") };
    view! {
        <dl class="settings">
            <dt>{tr("mail_tab.service")}</dt>
            <dd id="crm-service">{s.provider_name.clone().unwrap_or_else(|| t(lang, "mail_tab.other").to_string())}</dd>
            <dt>{tr("mail_tab.smtp_host")}</dt><dd>{s.smtp_host.clone()}</dd>
            <dt>{tr("mail_tab.port")}</dt><dd>{s.smtp_port.to_string()}</dd>
            <dt>{tr("mail_tab.use_ssl")}</dt><dd>{yes_no(s.use_ssl)}</dd>
            <dt>{tr("mail_tab.login")}</dt><dd>{s.login.clone()}</dd>
            <dt>{tr("mail_tab.password")}</dt>
            <dd>{if s.has_password { t(lang, "program_settings.password_stored") } else { t(lang, "program_settings.password_missing") }}</dd>
            <dt>{tr("mail_tab.sender_name")}</dt><dd>{s.sender_name.clone()}</dd>
            <dt>{tr("mail_tab.sender_email")}</dt><dd>{s.sender_email.clone()}</dd>
            <dt>{tr("mail_tab.recipient")}</dt><dd>{s.test_recipient.clone()}</dd>
            <dt>{tr("program_settings.account")}</dt>
            <dd><A href=format!("/directories/email-accounts/{}", s.account_id) attr:id="crm-account">{s.account_name.clone()}</A></dd>
            <dt>{tr("program_settings.updated")}</dt><dd>{format_timestamp(s.updated_at)}</dd>
        </dl>
    }
}
