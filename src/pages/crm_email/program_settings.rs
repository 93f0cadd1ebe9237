//! «Настройки программы»: the group CRM ► Уведомления ► Электронная почта that the «Почта» tab
//! fills, the tenant's «Часовой пояс» and its «Доверенные сертификаты».

use crate::api::crm_email::crm_email_settings;
use crate::api::time_zone::{time_zone, SetTimeZone};
use crate::components::form::{
    action_error, describe_field, error_text, success_count, FieldProblem, FormError, Submit,
};
use crate::i18n::{t, tf, tr, use_lang};
use crate::model::crm_email::CrmEmailView;
use crate::model::time_zone::{TimeZone, TimeZoneView};
use crate::pages::trusted_certificates::TrustedCertificatesSection;
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
        <TimeZoneSection/>
        <TrustedCertificatesSection/>
    }
}

/// «Часовой пояс»: every time the tenant's users see is shown in it.
#[component]
fn TimeZoneSection() -> impl IntoView {
    let set = ServerAction::<SetTimeZone>::new();
    let saved = success_count(set);
    let zone = Resource::new(move || saved.get(), |_| time_zone());
    let lang = use_lang();
    view! {
        <section class="panel" id="time-zone">
            <h2>{tr("time_zone.title")}</h2>
            <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
                {move || Suspend::new(async move {
                    match zone.await {
                        Ok(view) => view! { <TimeZoneForm view set/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TimeZoneForm(view: TimeZoneView, set: ServerAction<SetTimeZone>) -> impl IntoView {
    let lang = use_lang();
    let error = action_error(set);
    let done = move || set.value().get().is_some_and(|r| r.is_ok());
    view! {
        <ActionForm action=set attr:class="stack" attr:id="time-zone-form">
            <div class="field">
                <label for="field-time_zone">{tr("time_zone.label")}</label>
                <select id="field-time_zone" name="time_zone" aria-describedby=describe_field("time_zone", true, error)>
                    {TimeZone::all()
                        .map(|zone| view! { <option value=zone.name() selected=zone == view.zone>{zone.label(lang)}</option> })
                        .collect_view()}
                </select>
                <p class="field-hint" id="field-time_zone-hint">
                    {tf(lang, "time_zone.hint", &[("now", &view.now.to_string())])}
                </p>
                <FieldProblem name="time_zone" error/>
            </div>
            <FormError error/>
            <div class="actions">
                <Submit label=tr("common.save") pending=set.pending()/>
            </div>
            {move || done().then(|| view! { <p class="form-ok" role="status" id="time-zone-saved">{t(lang, "time_zone.saved")}</p> })}
        </ActionForm>
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
            <dt>{tr("program_settings.updated")}</dt><dd>{s.updated_at.to_string()}</dd>
        </dl>
    }
}
