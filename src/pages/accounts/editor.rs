//! Creating and editing an account. Automatic setup (recommended) finds the servers from the
//! address and checks them; manual setup fills recommended parameters on «Далее» for review.
//! Nothing is saved until the account passes its check. Where the operator registered Pochta with
//! the account's provider, «Войти через …» signs in with it instead of a password.

use crate::api::accounts::SubmitAccount;
use crate::components::check_report::CheckReportView;
use crate::components::form::{
    action_error_or, describe_field, on_success, CheckboxField, Field, FieldProblem, FormError, PasswordField,
    SelectField, Submit,
};
use crate::components::live_report::{LiveReport, RunIdField};
use crate::components::sign_in_with::SignInWith;
use crate::i18n::{t, tf, tr, use_lang};
use crate::model::accounts::{ticked, AccountInput, AccountOutcome, AccountView, ConnectionView, KeptAccount};
use crate::model::check::{CheckReport, Fix, Side};
use crate::model::error::AppError;
use crate::model::oauth::SignInOffers;
use crate::model::{Protocol, Security};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

const SECURITY_OPTIONS: &[(&str, &str)] = &[("ssl", "SSL/TLS"), ("starttls", "STARTTLS")];
const PROTOCOL_OPTIONS: &[(&str, &str)] = &[("imap", "IMAP"), ("pop3", "POP3")];

/// The connection fields as signals, filled from saved, detected or recommended settings.
#[derive(Clone, Copy)]
struct ConnectionFields {
    smtp_host: RwSignal<String>,
    smtp_port: RwSignal<String>,
    smtp_security: RwSignal<String>,
    smtp_login: RwSignal<String>,
    incoming_protocol: RwSignal<String>,
    incoming_host: RwSignal<String>,
    incoming_port: RwSignal<String>,
    incoming_security: RwSignal<String>,
    incoming_login: RwSignal<String>,
    same_credentials: RwSignal<bool>,
}

impl ConnectionFields {
    fn new(c: Option<&ConnectionView>) -> Self {
        let s = |f: fn(&ConnectionView) -> Option<String>| RwSignal::new(c.and_then(f).unwrap_or_default());
        Self {
            smtp_host: s(|c| c.smtp.as_ref().map(|s| s.host.clone())),
            smtp_port: s(|c| c.smtp.as_ref().map(|s| s.port.to_string())),
            smtp_security: RwSignal::new(
                c.and_then(|c| c.smtp.as_ref()).map_or(Security::Ssl, |s| s.security).as_str().to_string(),
            ),
            smtp_login: s(|c| c.smtp.as_ref().map(|s| s.login.clone())),
            incoming_protocol: RwSignal::new(c.map_or(Protocol::Imap, |c| c.incoming_protocol).as_str().to_string()),
            incoming_host: s(|c| c.incoming.as_ref().map(|s| s.host.clone())),
            incoming_port: s(|c| c.incoming.as_ref().map(|s| s.port.to_string())),
            incoming_security: RwSignal::new(
                c.and_then(|c| c.incoming.as_ref()).map_or(Security::Ssl, |s| s.security).as_str().to_string(),
            ),
            incoming_login: s(|c| c.incoming.as_ref().map(|s| s.login.clone())),
            same_credentials: RwSignal::new(c.is_none_or(|c| c.same_credentials)),
        }
    }

    /// The fields as typed into a form that came back refused (no JavaScript).
    fn typed(self, t: &AccountInput) {
        self.smtp_host.set(t.smtp_host.clone());
        self.smtp_port.set(t.smtp_port.clone());
        self.smtp_security.set(t.smtp_security.clone());
        self.smtp_login.set(t.smtp_login.clone());
        self.incoming_protocol.set(t.incoming_protocol.clone());
        self.incoming_host.set(t.incoming_host.clone());
        self.incoming_port.set(t.incoming_port.clone());
        self.incoming_security.set(t.incoming_security.clone());
        self.incoming_login.set(t.incoming_login.clone());
        self.same_credentials.set(ticked(&t.same_credentials));
    }

    fn fill(self, c: &ConnectionView) {
        if let Some(smtp) = &c.smtp {
            self.smtp_host.set(smtp.host.clone());
            self.smtp_port.set(smtp.port.to_string());
            self.smtp_security.set(smtp.security.as_str().to_string());
            self.smtp_login.set(smtp.login.clone());
        }
        self.incoming_protocol.set(c.incoming_protocol.as_str().to_string());
        if let Some(incoming) = &c.incoming {
            self.incoming_host.set(incoming.host.clone());
            self.incoming_port.set(incoming.port.to_string());
            self.incoming_security.set(incoming.security.as_str().to_string());
            self.incoming_login.set(incoming.login.clone());
        }
        self.same_credentials.set(c.same_credentials);
    }
}

/// `kept`: what a plain HTML form of this editor did and what was typed, when it came back
/// without saving (no JavaScript); the editor starts from it.
#[component]
pub fn AccountEditor(
    account: Option<AccountView>,
    is_admin: bool,
    manual: bool,
    kept: Option<KeptAccount>,
    offers: SignInOffers,
) -> impl IntoView {
    let lang = use_lang();
    let submit = ServerAction::<SubmitAccount>::new();
    let error = action_error_or(submit, kept.as_ref().and_then(|k| k.outcome.clone().err()));
    let typed = kept.as_ref().map(|k| k.typed.clone());
    let editing = account.is_some();
    let is_system = account.as_ref().is_some_and(|a| a.is_system);
    let has_password = account.as_ref().is_some_and(|a| a.has_password);
    let has_incoming_password = account.as_ref().is_some_and(|a| a.has_incoming_password);

    let typed_manual = typed.as_ref().is_some_and(|t| t.mode == "manual");
    let mode = RwSignal::new(if editing || manual || typed_manual { "manual" } else { "auto" }.to_string());
    let show_servers = RwSignal::new(editing || typed_manual);
    let fields = ConnectionFields::new(account.as_ref().map(|a| &a.connection));
    // The service the servers came from (detection or the saved account named it).
    let service = RwSignal::new(match &typed {
        Some(typed) => typed.provider.clone(),
        None => account.as_ref().and_then(|a| a.connection.provider.clone()).unwrap_or_default(),
    });
    let sending = RwSignal::new(account.as_ref().is_none_or(|a| a.use_for_sending));
    let receiving = RwSignal::new(account.as_ref().is_some_and(|a| a.use_for_receiving));
    let remember = RwSignal::new(account.as_ref().is_none_or(|a| a.has_password || a.is_system));
    if let Some(typed) = &typed {
        fields.typed(typed);
        sending.set(ticked(&typed.use_for_sending));
        receiving.set(ticked(&typed.use_for_receiving));
        remember.set(ticked(&typed.remember_password));
    }
    // Why automatic setup handed over to manual setup: a failed check, servers to confirm, or
    // nothing found.
    let automatic_stopped: RwSignal<Option<(Option<CheckReport>, Vec<String>)>> = RwSignal::new(None);

    let run_id = RwSignal::new(String::new());
    let apply_fix = Callback::new(move |(side, fix): (Side, Fix)| {
        let (port, security) = match side {
            Side::Outgoing => (fields.smtp_port, fields.smtp_security),
            Side::Incoming => (fields.incoming_port, fields.incoming_security),
        };
        port.set(fix.port.to_string());
        security.set(fix.security.as_str().to_string());
    });
    let by_hand = move |connection: &ConnectionView, report: &Option<CheckReport>, confirm_hosts: &Vec<String>| {
        fields.fill(connection);
        service.set(connection.provider.clone().unwrap_or_default());
        mode.set("manual".into());
        show_servers.set(true);
        automatic_stopped.set(Some((report.clone(), confirm_hosts.clone())));
    };
    if let Some(Ok(AccountOutcome::Manual { connection, report, confirm_hosts })) = kept.as_ref().map(|k| &k.outcome) {
        by_hand(connection, report, confirm_hosts);
    }
    let navigate = use_navigate();
    on_success(submit, move |outcome| match outcome {
        AccountOutcome::Saved { .. } => navigate("/directories/email-accounts?saved=1", Default::default()),
        AccountOutcome::Manual { connection, report, confirm_hosts } => by_hand(connection, report, confirm_hosts),
        AccountOutcome::SignedIn(_) | AccountOutcome::SigningIn | AccountOutcome::PasswordInstead => {}
    });

    let is_manual = Signal::derive(move || mode.get() == "manual");
    let a = account.clone();
    let as_typed = typed.clone();
    // A field's start: as typed into a refused form, else as saved.
    let value = move |saved: fn(&AccountView) -> String, typed: fn(&AccountInput) -> String| {
        as_typed.as_ref().map(typed).or_else(|| a.as_ref().map(saved)).unwrap_or_default()
    };
    let for_everyone = match &typed {
        Some(typed) => typed.for_whom == "all",
        None => account.as_ref().map_or(is_admin, |a| a.for_everyone),
    };
    let pending = submit.pending();

    // «Войти через …»: the provider of the account's service, else of its address's domain; the
    // sign-in the form uses (just made, or the account's own), while it is that provider's.
    let address = RwSignal::new(value(|a| a.address.clone(), |t| t.address.clone()));
    let sign_in_provider = Signal::derive(move || offers.for_account(&service.get(), &address.get()));
    let password_instead = kept.as_ref().is_some_and(|k| k.outcome == Ok(AccountOutcome::PasswordInstead));
    let kept_sign_in = kept.as_ref().and_then(|k| k.sign_in.clone());
    let saved_sign_in = account.as_ref().and_then(|a| a.sign_in.clone()).filter(|_| !password_instead);
    let sign_in = RwSignal::new(kept_sign_in.or(saved_sign_in));
    let signed_in = Signal::derive(move || {
        sign_in.get().filter(|s| !s.needs_sign_in && Some(s.provider) == sign_in_provider.get())
    });

    view! {
        <ActionForm action=submit attr:class="stack" attr:novalidate=true attr:id="account-form">
            <RunIdField run_id/>
            <input type="hidden" name="id" value=account.as_ref().map_or(0, |a| a.id.0).to_string()/>
            <input type="hidden" name="version" value=account.as_ref().map_or(0, |a| a.version).to_string()/>
            <div on:input=move |ev| address.set(event_target_value(&ev))>
                <Field name="address" label=tr("accounts.address") kind="email" value=address.get_untracked() required=true error/>
            </div>
            {editing.then(|| (!is_system).then(|| view! { <Field name="name" label=tr("accounts.name") value=value(|a| a.name.clone(), |t| t.name.clone()) error/> }))}
            <input type="hidden" name="provider" value=move || service.get()/>
            <input type="hidden" name="sign_in" value=move || signed_in.get().map(|s| s.id.to_string()).unwrap_or_default()/>
            <SignInWith provider=sign_in_provider sign_in signed_in signed_in_text="accounts.signed_in" pending/>
            <div hidden=move || signed_in.get().is_some()>
                <PasswordField name="password" label=tr("field.password") stored=has_password error/>
                <CheckboxField
                    name="remember_password"
                    label=tr("accounts.remember_password")
                    value=remember
                    hint=if is_system { tr("accounts.remember_required") } else { tr("accounts.remember_hint") }
                    error
                />
            </div>
            <fieldset class="field">
                <legend>{tr("accounts.use_as")}</legend>
                <CheckboxField name="use_for_sending" label=tr("accounts.for_sending") value=sending error/>
                <CheckboxField name="use_for_receiving" label=tr("accounts.for_receiving") value=receiving error/>
            </fieldset>
            {(!is_system).then(|| view! {
                <fieldset class="field" id="field-for_whom" aria-describedby=describe_field("for_whom", !is_admin, error)>
                    <legend>{tr("accounts.for_whom")}</legend>
                    <label class="choice">
                        <input type="radio" name="for_whom" value="all" checked=for_everyone disabled=!is_admin/>
                        {tr("accounts.for_everyone")}
                    </label>
                    <label class="choice">
                        <input type="radio" name="for_whom" value="me" checked=!for_everyone/>
                        {tr("accounts.only_me")}
                    </label>
                    {(!is_admin).then(|| view! { <p class="field-hint" id="field-for_whom-hint">{tr("accounts.shared_admin_only")}</p> })}
                    <FieldProblem name="for_whom" error/>
                </fieldset>
            })}
            {is_system.then(|| view! { <input type="hidden" name="for_whom" value="all"/> })}
            <Field name="sender_name" label=tr("mail_tab.sender_name") value=value(|a| a.sender_name.clone(), |t| t.sender_name.clone()) hint=tr("accounts.sender_name_hint") error/>

            {(!editing).then(|| view! {
                <fieldset class="field">
                    <legend>{tr("accounts.setup_mode")}</legend>
                    <label class="choice">
                        <input type="radio" name="mode" value="auto" checked=!is_manual.get_untracked() prop:checked=move || !is_manual.get() on:change=move |_| mode.set("auto".into())/>
                        {tr("accounts.mode_auto")}
                    </label>
                    <label class="choice">
                        <input type="radio" name="mode" value="manual" checked=is_manual.get_untracked() prop:checked=move || is_manual.get() on:change=move |_| mode.set("manual".into())/>
                        {tr("accounts.mode_manual")}
                    </label>
                </fieldset>
            })}
            {editing.then(|| view! { <input type="hidden" name="mode" value="manual"/> })}

            <Show when=move || is_manual.get()>
                <Field
                    name="initial_load_date"
                    label=tr("accounts.initial_load_date")
                    kind="date"
                    value=value(|a| a.initial_load_date.clone(), |t| t.initial_load_date.clone())
                    hint=tr("accounts.initial_load_date_hint")
                    error
                />
            </Show>

            {move || automatic_stopped.get().map(|(report, confirm_hosts)| {
                let why = if !confirm_hosts.is_empty() {
                    tf(lang, "accounts.automatic_confirm", &[("hosts", &confirm_hosts.join(", "))])
                } else if report.is_some() {
                    t(lang, "accounts.automatic_failed").to_string()
                } else {
                    t(lang, "accounts.automatic_not_found").to_string()
                };
                view! {
                    <div class="notice" id="automatic-stopped">
                        <p>{why}</p>
                        {report.map(|report| view! { <CheckReportView report on_fix=apply_fix/> })}
                    </div>
                }
            })}

            <Show when=move || show_servers.get() || (manual && !editing)>
                <Show when=move || sending.get()>
                    <fieldset class="panel servers" id="smtp-settings">
                        <legend>{tr("accounts.outgoing")}</legend>
                        <div class="row">
                            <Field name="smtp_host" label=tr("mail_tab.smtp_host") value=fields.smtp_host error/>
                            <Field name="smtp_port" label=tr("mail_tab.port") kind="number" value=fields.smtp_port error/>
                            <SelectField name="smtp_security" label=tr("accounts.security") options=SECURITY_OPTIONS value=fields.smtp_security error/>
                        </div>
                        <Field name="smtp_login" label=tr("accounts.login") value=fields.smtp_login error/>
                    </fieldset>
                </Show>
                <Show when=move || receiving.get()>
                    <fieldset class="panel servers" id="incoming-settings">
                        <legend>{tr("accounts.incoming")}</legend>
                        <div class="row">
                            <SelectField name="incoming_protocol" label=tr("accounts.protocol") options=PROTOCOL_OPTIONS value=fields.incoming_protocol error/>
                            <Field name="incoming_host" label=tr("accounts.incoming_host") value=fields.incoming_host error/>
                            <Field name="incoming_port" label=tr("mail_tab.port") kind="number" value=fields.incoming_port error/>
                            <SelectField name="incoming_security" label=tr("accounts.security") options=SECURITY_OPTIONS value=fields.incoming_security error/>
                        </div>
                        <Field name="incoming_login" label=tr("accounts.login") value=fields.incoming_login error/>
                        <Show when=move || sending.get()>
                            <CheckboxField name="same_credentials" label=tr("accounts.same_credentials") value=fields.same_credentials error/>
                            <Show when=move || !fields.same_credentials.get()>
                                <PasswordField name="incoming_password" label=tr("accounts.incoming_password") stored=has_incoming_password error/>
                            </Show>
                        </Show>
                    </fieldset>
                </Show>
            </Show>

            <FormError error/>
            <LiveReport run_id pending/>
            <div class="actions">
                {if editing {
                    view! { <Submit label=tr("common.save") name="intent" value="save" pending/> }.into_any()
                } else {
                    view! {
                        <Show when=move || is_manual.get()>
                            <Submit label=tr("accounts.next") name="intent" value="next" class="secondary" pending/>
                        </Show>
                        <Show when=move || !is_manual.get() || show_servers.get() || manual>
                            <Submit label=tr("common.create") name="intent" value="create" pending/>
                        </Show>
                    }
                    .into_any()
                }}
            </div>
            {move || match submit.value().get() {
                Some(Err(AppError::CheckFailed(report))) => Some(view! { <CheckReportView report on_fix=apply_fix/> }),
                _ => None,
            }}
        </ActionForm>
    }
}
