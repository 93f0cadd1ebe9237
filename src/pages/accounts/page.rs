//! The pages of one account: a new one, and a saved one with its last check, «Проверить
//! настройки» and deletion (never of the system account). A user who may not change a shared
//! account sees it read-only.

use super::check::CheckSettings;
use super::editor::AccountEditor;
use super::list::LastCheck;
use crate::api::accounts::{get_account, kept_editor, offered_sign_ins, DeleteAccount};
use crate::components::form::{action_error, error_text, on_success, ConfirmDelete, FormError};
use crate::components::session::is_admin;
use crate::i18n::{t, tr, use_lang};
use crate::model::accounts::{AccountView, KeptAccount, ServerView};
use crate::model::error::AppError;
use crate::model::oauth::SignInOffers;
use crate::model::{AccountId, Security};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

#[component]
pub fn NewAccountPage() -> impl IntoView {
    let query = use_query_map();
    let manual = query.read_untracked().get("mode").as_deref() == Some("manual");
    let kept = kept_resource(query);
    let offers = offers_resource();
    view! {
        <h1>{tr("accounts.new_title")}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let is_admin = is_admin().await;
                let kept = kept.await;
                let offers = offers.await.unwrap_or_default();
                view! { <AccountEditor account=None is_admin manual kept offers/> }
            })}
        </Suspense>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || AccountId(params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0));
    let account = Resource::new(id, get_account);
    let kept = kept_resource(use_query_map());
    let offers = offers_resource();
    let lang = use_lang();
    view! {
        <Suspense fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
            {move || Suspend::new(async move {
                let is_admin = is_admin().await;
                let kept = kept.await;
                let offers = offers.await.unwrap_or_default();
                match account.await {
                    Ok(account) => view! {
                        <h1>{if account.is_system { t(lang, "accounts.system_name").to_string() } else { account.name.clone() }}</h1>
                        <p class="muted">
                            {t(lang, "accounts.last_check")} ": "
                            <LastCheck check=account.last_check.clone()/>
                        </p>
                        {if account.can_edit {
                            view! { <AccountEditor account=Some(account.clone()) is_admin manual=true kept offers=offers.clone()/> }.into_any()
                        } else {
                            view! { <ReadOnly account=account.clone()/> }.into_any()
                        }}
                        <CheckSettings account=account.clone()/>
                        {(account.can_edit && !account.is_system).then(|| view! { <DeleteSection id=account.id/> })}
                    }
                    .into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The providers «Войти через …» may sign accounts in with.
fn offers_resource() -> Resource<Result<SignInOffers, AppError>> {
    Resource::new(|| (), |_| offered_sign_ins())
}

/// After a plain HTML form of the editor, what it did and what was typed (`run=` in the address).
fn kept_resource(query: Memo<ParamsMap>) -> Resource<Option<KeptAccount>> {
    let run = move || query.read().get("run").unwrap_or_default();
    Resource::new(run, |run| async move {
        if run.is_empty() {
            None
        } else {
            kept_editor(run).await.ok().flatten()
        }
    })
}

/// What a user sees of a shared account they may not change.
#[component]
fn ReadOnly(account: AccountView) -> impl IntoView {
    let lang = use_lang();
    let server = |s: &Option<ServerView>| {
        s.as_ref()
            .map(|s| {
                format!("{}:{} ({})", s.host, s.port, if s.security == Security::Ssl { "SSL/TLS" } else { "STARTTLS" })
            })
            .unwrap_or_default()
    };
    view! {
        <section class="panel">
            <p class="muted">{t(lang, "accounts.read_only")}</p>
            <dl class="settings">
                <dt>{t(lang, "accounts.address")}</dt><dd>{account.address.clone()}</dd>
                <dt>{t(lang, "mail_tab.sender_name")}</dt><dd>{account.sender_name.clone()}</dd>
                <dt>{t(lang, "accounts.outgoing")}</dt><dd>{server(&account.connection.smtp)}</dd>
                <dt>{t(lang, "accounts.incoming")}</dt><dd>{server(&account.connection.incoming)}</dd>
            </dl>
        </section>
    }
}

#[component]
fn DeleteSection(id: AccountId) -> impl IntoView {
    let lang = use_lang();
    let delete = ServerAction::<DeleteAccount>::new();
    let navigate = use_navigate();
    on_success(delete, move |_| navigate("/directories/email-accounts", Default::default()));
    view! {
        <section class="panel">
            <ActionForm action=delete attr:class="inline">
                <input type="hidden" name="id" value=id.to_string()/>
                <FormError error=action_error(delete)/>
                <ConfirmDelete label=t(lang, "accounts.delete") question=t(lang, "accounts.confirm_delete") pending=delete.pending()/>
            </ActionForm>
        </section>
    }
}
