//! «Почта»: choose the mail service, check the servers with a real test letter («Отправить»),
//! and save («Сохранить») into CRM ► Уведомления ► Электронная почта and the accounts directory.

use crate::api::crm_email::{load_mail_tab, SubmitMailTab};
use crate::components::check_report::CheckReportView;
use crate::components::form::{
    action_error_or, describe_field, error_text, on_success, CheckboxField, Field, FieldProblem, FormError,
    PasswordField, Submit,
};
use crate::components::health_banner::HealthBanner;
use crate::components::live_report::{LiveReport, RunIdField};
use crate::components::sign_in_with::SignInWith;
use crate::i18n::{t, tf, tr, use_lang};
use crate::model::accounts::ticked;
use crate::model::check::{Fix, Side};
use crate::model::crm_email::{MailTabIntent, MailTabOutcome, MailTabView};
use crate::model::error::AppError;
use crate::model::{MailService, Security, APP_PASSWORD_GUIDE, OTHER_SERVICE};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn MailTab() -> impl IntoView {
    let submit = ServerAction::<SubmitMailTab>::new();
    // Reload after a save only: after a test letter the form keeps what the user typed.
    let saved = RwSignal::new(0u32);
    on_success(submit, move |outcome| {
        if matches!(outcome, MailTabOutcome::Saved { .. }) {
            saved.update(|n| *n += 1);
        }
    });
    // After a plain HTML form the server sends the browser back with `run=…`: its outcome.
    let query = use_query_map();
    let run = move || query.read().get("run").unwrap_or_default();
    let data = Resource::new(move || (saved.get(), run()), |(_, run)| load_mail_tab(run));
    let lang = use_lang();
    view! {
        <HealthBanner after=saved/>
        <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <MailForm data=view submit/> }.into_any(),
                    Err(AppError::MailTabLocked { missing_firm, missing_outlet }) => {
                        view! { <Locked missing_firm missing_outlet/> }.into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Why the tab is closed, with the way to open it.
#[component]
fn Locked(missing_firm: bool, missing_outlet: bool) -> impl IntoView {
    view! {
        <div class="notice" id="mail-tab-lock">
            <p>{tr("error.mail_tab_locked")}</p>
            <ul>
                {missing_firm.then(|| view! { <li><A href="/setup/firms">{tr("mail_tab.missing_firm")}</A></li> })}
                {missing_outlet.then(|| view! { <li><A href="/setup/outlets">{tr("mail_tab.missing_outlet")}</A></li> })}
            </ul>
        </div>
    }
}

#[component]
fn MailForm(data: MailTabView, submit: ServerAction<SubmitMailTab>) -> impl IntoView {
    let lang = use_lang();
    // After a refused plain HTML form: its error, and what was typed (the form starts from it).
    let kept = data.kept.clone().map(|k| k.outcome);
    let typed = data.kept.as_ref().and_then(|k| k.typed.clone());
    let error = action_error_or(submit, kept.clone().and_then(Result::err));
    let services = StoredValue::new(data.services.clone());
    let saved = data.settings.clone();
    let version = saved.as_ref().map_or(0, |s| s.version);
    let has_password = saved.as_ref().is_some_and(|s| s.has_password);
    let start = |typed_value: Option<&String>, saved_value: Option<String>| {
        typed_value.cloned().or(saved_value).unwrap_or_default()
    };

    let provider = RwSignal::new(
        typed
            .as_ref()
            .map(|t| t.provider.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| saved.as_ref().map_or_else(|| OTHER_SERVICE.to_string(), |s| s.provider.clone())),
    );
    let host = RwSignal::new(start(typed.as_ref().map(|t| &t.smtp_host), saved.as_ref().map(|s| s.smtp_host.clone())));
    let port =
        RwSignal::new(start(typed.as_ref().map(|t| &t.smtp_port), saved.as_ref().map(|s| s.smtp_port.to_string())));
    let ssl = RwSignal::new(match &typed {
        Some(t) => ticked(&t.use_ssl),
        None => saved.as_ref().is_none_or(|s| s.use_ssl),
    });
    let service = move || services.with_value(|all| all.iter().find(|s| s.id == provider.get()).cloned());
    let is_preset = Signal::derive(move || provider.get() != OTHER_SERVICE);
    // «Войти через …»: the chosen service's provider, if the operator registered Pochta with it;
    // the sign-in the form uses, while it is that provider's.
    let offered = StoredValue::new(data.sign_in_offered.clone());
    let sign_in_provider =
        Signal::derive(move || service().and_then(|s| s.oauth).filter(|p| offered.with_value(|o| o.contains(p))));
    let sign_in = RwSignal::new(data.sign_in.clone());
    let signed_in = Signal::derive(move || {
        sign_in.get().filter(|s| !s.needs_sign_in && Some(s.provider) == sign_in_provider.get())
    });

    // Choosing a service fills its server; only «Другой» leaves the fields to the user.
    let choose = move |id: String| {
        if let Some(smtp) = services.with_value(|all| all.iter().find(|s| s.id == id).and_then(|s| s.smtp.clone())) {
            host.set(smtp.host);
            port.set(smtp.port.to_string());
            ssl.set(smtp.security == Security::Ssl);
        } else if id != OTHER_SERVICE {
            host.set(String::new());
            port.set(String::new());
        }
        provider.set(id);
    };

    let run_id = RwSignal::new(String::new());
    // The server's own correction of a port/security mismatch, in one click.
    let apply_fix = Callback::new(move |(_, fix): (Side, Fix)| {
        provider.set(OTHER_SERVICE.to_string());
        port.set(fix.port.to_string());
        ssl.set(fix.security == Security::Ssl);
    });

    let pending = submit.pending();
    let running = move |intent: MailTabIntent| {
        Signal::derive(move || pending.get() && submit.input().get().is_some_and(|i| i.input.intent() == Some(intent)))
    };
    let login = start(typed.as_ref().map(|t| &t.login), saved.as_ref().map(|s| s.login.clone()));
    let sender_name = start(typed.as_ref().map(|t| &t.sender_name), saved.as_ref().map(|s| s.sender_name.clone()));
    let sender_email = start(typed.as_ref().map(|t| &t.sender_email), saved.as_ref().map(|s| s.sender_email.clone()));
    let recipient = start(typed.as_ref().map(|t| &t.recipient), saved.as_ref().map(|s| s.test_recipient.clone()));

    view! {
        <ActionForm action=submit attr:class="stack" attr:novalidate=true attr:id="mail-form">
            <input type="hidden" name="version" value=version.to_string()/>
            <input type="hidden" name="sign_in" value=move || signed_in.get().map(|s| s.id.to_string()).unwrap_or_default()/>
            <RunIdField run_id/>
            <div class="field">
                <label for="field-provider">{tr("mail_tab.service")}</label>
                // The list follows the form's state, so a fix that switches to «Другой» is what gets sent.
                <select
                    id="field-provider"
                    name="provider"
                    aria-describedby=describe_field("provider", false, error)
                    prop:value=move || provider.get()
                    on:change=move |ev| choose(event_target_value(&ev))
                >
                    {services
                        .get_value()
                        .into_iter()
                        .map(|s| {
                            let selected = s.id == provider.get_untracked();
                            view! { <option value=s.id.clone() selected=selected>{s.name}</option> }
                        })
                        .collect_view()}
                    <option value=OTHER_SERVICE selected=provider.get_untracked() == OTHER_SERVICE>{tr("mail_tab.other")}</option>
                </select>
                <FieldProblem name="provider" error/>
                {move || service().and_then(|s| s.notice.map(|n| view! { <p class="notice">{n.get(lang).to_string()}</p> }))}
                {move || service().filter(|s| s.smtp.is_none()).map(|_| view! { <p class="notice">{tr("mail_tab.preset_without_servers")}</p> })}
            </div>
            <div class="row">
                <Field name="smtp_host" label=tr("mail_tab.smtp_host") value=host readonly=is_preset required=true error/>
                <Field name="smtp_port" label=tr("mail_tab.port") kind="number" value=port readonly=is_preset required=true error/>
            </div>
            <CheckboxField
                name="use_ssl"
                label=tr("mail_tab.use_ssl")
                value=ssl
                disabled=is_preset
                hint=tr("mail_tab.ssl_hint")
                problem_of="smtp_security"
                error
            />
            <Field name="login" label=tr("mail_tab.login") kind="email" value=login autocomplete="off" required=true error/>
            <SignInWith provider=sign_in_provider sign_in signed_in signed_in_text="oauth.signed_in" pending/>
            <div hidden=move || signed_in.get().is_some()>
                <PasswordField name="password" label=tr("mail_tab.password") stored=has_password error/>
                <PasswordHint service=Signal::derive(service)/>
            </div>
            <Field name="sender_name" label=tr("mail_tab.sender_name") value=sender_name required=true error/>
            <Field name="sender_email" label=tr("mail_tab.sender_email") kind="email" value=sender_email required=true error/>
            <Field name="recipient" label=tr("mail_tab.recipient") kind="email" value=recipient hint=tr("mail_tab.recipient_hint") error/>
            <FormError error/>
            <div class="actions">
                <Submit
                    label=tr("mail_tab.send")
                    name="intent"
                    value=MailTabIntent::Send.code()
                    class="secondary"
                    pending
                    busy=running(MailTabIntent::Send)
                />
                <Submit label=tr("common.save") name="intent" value=MailTabIntent::Save.code() pending busy=running(MailTabIntent::Save)/>
            </div>
            <LiveReport run_id pending/>
            <Outcome submit kept apply_fix/>
        </ActionForm>
    }
}

/// The provider's password requirements, shown as soon as the service is chosen.
#[component]
fn PasswordHint(#[prop(into)] service: Signal<Option<MailService>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        let service = service.get();
        let hint = service.as_ref().map(|s| s.password_hint.get(lang).to_string()).filter(|h| !h.is_empty());
        let guide = service.and_then(|s| s.guide_url).unwrap_or_else(|| APP_PASSWORD_GUIDE.to_string());
        view! {
            <div class="field-hint password-hint" id="password-hint">
                {hint.map(|h| view! { <p>{h}</p> })}
                <p>
                    <a href=guide target="_blank" rel="noopener noreferrer">{t(lang, "mail_tab.app_password_guide")}</a>
                </p>
            </div>
        }
    }
}

/// What the last «Отправить» or «Сохранить» did.
#[component]
fn Outcome(
    submit: ServerAction<SubmitMailTab>,
    /// The outcome of a plain HTML form, until the form is used again.
    kept: Option<Result<MailTabOutcome, AppError>>,
    apply_fix: Callback<(Side, Fix)>,
) -> impl IntoView {
    let lang = use_lang();
    move || match submit.value().get().or_else(|| kept.clone()) {
        Some(Ok(MailTabOutcome::TestLetterSent { report, recipient })) => {
            let success = tf(lang, "mail_tab.sent", &[("recipient", &recipient)]);
            view! { <CheckReportView report success/> }.into_any()
        }
        Some(Ok(MailTabOutcome::Saved { .. })) => view! {
            <div class="form-ok" role="status" id="mail-saved">
                <p>{t(lang, "mail_tab.saved")}</p>
                <p>
                    <A href="/program-settings">{t(lang, "program_settings.crm_email_group")}</A>
                    " · "
                    <A href="/directories/email-accounts">{t(lang, "accounts.title")}</A>
                </p>
            </div>
        }
        .into_any(),
        Some(Err(AppError::CheckFailed(report))) => view! { <CheckReportView report on_fix=apply_fix/> }.into_any(),
        // Signed in: the form says so above; on the way to the provider: nothing to show.
        _ => ().into_any(),
    }
}
