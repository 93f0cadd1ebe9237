//! «Проверить настройки» on a saved account's page: asks for the passwords that are not stored,
//! and shows the report live while the check runs.

use crate::api::accounts::CheckAccount;
use crate::components::check_report::CheckReportView;
use crate::components::form::{action_error, Field, FormError, Submit};
use crate::components::live_report::{LiveReport, RunIdField};
use crate::i18n::{t, tr, use_lang};
use crate::model::accounts::AccountView;
use crate::model::error::AppError;
use leptos::prelude::*;

/// «Проверить настройки»: asks for the passwords that are not stored.
#[component]
pub fn CheckSettings(account: AccountView) -> impl IntoView {
    let lang = use_lang();
    let check = ServerAction::<CheckAccount>::new();
    let error = action_error(check);
    let needs_password = !account.has_password && (account.use_for_sending || account.connection.same_credentials);
    let needs_incoming =
        account.use_for_receiving && !account.connection.same_credentials && !account.has_incoming_password;
    let run_id = RwSignal::new(String::new());
    view! {
        <section class="panel" id="check-settings">
            <h2>{tr("accounts.check_title")}</h2>
            <p class="muted">{tr("accounts.check_lead")}</p>
            <ActionForm action=check attr:class="stack" attr:novalidate=true>
                <RunIdField run_id/>
                <input type="hidden" name="id" value=account.id.to_string()/>
                {needs_password.then(|| view! {
                    <Field name="password" id="check-password" label=tr("accounts.password_for_check") kind="password" autocomplete="off" hint=tr("accounts.password_not_stored") error/>
                })}
                {needs_incoming.then(|| view! {
                    <Field name="incoming_password" id="check-incoming-password" label=tr("accounts.incoming_password") kind="password" autocomplete="off" error/>
                })}
                <FormError error/>
                <Submit label=tr("accounts.check_settings") pending=check.pending() class="secondary"/>
            </ActionForm>
            <LiveReport run_id pending=check.pending()/>
            {move || match check.value().get() {
                Some(Ok(report)) => Some(view! { <CheckReportView report success=t(lang, "accounts.check_passed").to_string()/> }.into_any()),
                Some(Err(AppError::CheckFailed(report))) => Some(view! { <CheckReportView report/> }.into_any()),
                _ => None,
            }}
        </section>
    }
}
