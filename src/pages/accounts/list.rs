//! The list of the directory: search, sorting by column, pages, and deleting from a row.

use crate::api::accounts::{list_accounts, DeleteAccount};
use crate::components::form::{action_error, error_text, success_count, ConfirmDelete, FormError};
use crate::components::health_banner::HealthBanner;
use crate::i18n::{t, tf, tr, use_lang};
use crate::model::accounts::{AccountListView, AccountRowView, AccountSort, LastCheckView};
use crate::model::check::Reason;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

#[component]
pub fn AccountsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let sort = move || AccountSort::parse(&query.read().get("sort").unwrap_or_default());
    let page = move || query.read().get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    let delete = ServerAction::<DeleteAccount>::new();
    let deleted = success_count(delete);
    let list = Resource::new(
        move || (q(), sort(), page(), deleted.get()),
        |(q, sort, page, _)| list_accounts(q, sort.code().to_string(), page),
    );
    let lang = use_lang();
    let saved = move || query.read().get("saved").is_some();
    view! {
        <h1>{tr("accounts.title")}</h1>
        <HealthBanner/>
        {move || saved().then(|| view! { <p class="form-ok" role="status" id="account-saved">{t(lang, "accounts.saved")}</p> })}
        <FormError error=action_error(delete)/>
        <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(view) => view! { <Toolbar list=view.clone() q=q()/> <AccountTable list=view sort=sort() q=q() delete/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Toolbar(list: AccountListView, q: String) -> impl IntoView {
    view! {
        <div class="toolbar">
            <A href="/directories/email-accounts/new" attr:class="button">{tr("common.create")}</A>
            {list.is_admin.then(|| list.system_id.map(|id| view! {
                <A href=format!("/directories/email-accounts/{id}") attr:class="button secondary" attr:id="configure-system">
                    {tr("accounts.configure_system")}
                </A>
            }))}
            <Form method="GET" action="" attr:class="search" attr:role="search">
                <input type="search" name="q" value=q aria-label=tr("accounts.search") placeholder=tr("accounts.search")/>
                <button type="submit" class="button secondary">{tr("accounts.find")}</button>
            </Form>
        </div>
    }
}

#[component]
fn AccountTable(
    list: AccountListView,
    sort: AccountSort,
    q: String,
    delete: ServerAction<DeleteAccount>,
) -> impl IntoView {
    let lang = use_lang();
    if list.rows.is_empty() && !q.trim().is_empty() {
        return view! {
            <p class="empty" id="accounts-not-found">
                {t(lang, "accounts.not_found")} " "
                <A href="/directories/email-accounts" attr:id="clear-search">{t(lang, "accounts.clear_search")}</A>
            </p>
        }
        .into_any();
    }
    if list.rows.is_empty() {
        return view! { <p class="empty">{t(lang, "accounts.empty")}</p> }.into_any();
    }
    let header = {
        let q = q.clone();
        move |by: AccountSort, key: &'static str| {
            let href = format!("?sort={}&q={}", by.code(), encode(&q));
            view! {
                <th aria-sort=(by == sort).then_some("ascending")>
                    <A href=href>{t(lang, key)}{(by == sort).then_some(" ▾")}</A>
                </th>
            }
        }
    };
    let pages = (list.page > 0 || list.has_more).then(|| {
        let previous =
            (list.page > 0).then(|| format!("?sort={}&q={}&page={}", sort.code(), encode(&q), list.page - 1));
        let next = list.has_more.then(|| format!("?sort={}&q={}&page={}", sort.code(), encode(&q), list.page + 1));
        view! {
            <nav class="pages">
                {previous.map(|href| view! { <A href=href>{t(lang, "accounts.previous")}</A> })}
                <span>{format!("{}", list.page + 1)}</span>
                {next.map(|href| view! { <A href=href>{t(lang, "accounts.next")}</A> })}
            </nav>
        }
    });
    let is_admin = list.is_admin;
    view! {
        <div class="table-scroll">
            <table class="grid" id="accounts-table">
                <thead>
                    <tr>
                        {header(AccountSort::Name, "accounts.name")}
                        {header(AccountSort::Sender, "accounts.sender_name")}
                        {header(AccountSort::Address, "accounts.address")}
                        <th>{t(lang, "accounts.for_whom")}</th>
                        <th>{t(lang, "accounts.use")}</th>
                        {header(AccountSort::LastCheck, "accounts.last_check")}
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {list.rows.into_iter().map(|row| view! { <Row row is_admin delete/> }).collect_view()}
                </tbody>
            </table>
        </div>
        {pages}
    }
    .into_any()
}

#[component]
fn Row(row: AccountRowView, is_admin: bool, delete: ServerAction<DeleteAccount>) -> impl IntoView {
    let lang = use_lang();
    let can_delete = !row.is_system && (is_admin || !row.for_everyone);
    let name = if row.is_system { t(lang, "accounts.system_name").to_string() } else { row.name.clone() };
    let usage = [(row.use_for_sending, "accounts.sending"), (row.use_for_receiving, "accounts.receiving")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, key)| t(lang, key))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <tr class:system=row.is_system>
            <td>
                <A href=format!("/directories/email-accounts/{}", row.id)>{name}</A>
                {row.is_system.then(|| view! { " " <span class="badge system">{t(lang, "accounts.system_badge")}</span> })}
                {(row.is_system && !row.configured).then(|| view! { " " <span class="badge bad">{t(lang, "accounts.not_configured")}</span> })}
                {row.sign_in.as_ref().map(|s| {
                    let provider = t(lang, s.provider.name_key());
                    if s.needs_sign_in {
                        view! { " " <span class="badge bad">{tf(lang, "accounts.sign_in_again_badge", &[("provider", provider)])}</span> }.into_any()
                    } else {
                        view! { " " <span class="badge">{tf(lang, "accounts.signed_in_badge", &[("provider", provider)])}</span> }.into_any()
                    }
                })}
            </td>
            <td>{row.sender_name.clone()}</td>
            <td>{row.address.clone()}</td>
            <td>{if row.for_everyone { t(lang, "accounts.for_everyone") } else { t(lang, "accounts.only_me") }}</td>
            <td>{usage}</td>
            <td><LastCheck check=row.last_check.clone()/></td>
            <td class="actions">
                {can_delete.then(|| view! {
                    <ActionForm action=delete attr:class="inline">
                        <input type="hidden" name="id" value=row.id.to_string()/>
                        <ConfirmDelete label=t(lang, "common.delete") question=t(lang, "accounts.confirm_delete") pending=delete.pending() small=true/>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

/// When the account was last checked, and how it went.
#[component]
pub fn LastCheck(check: LastCheckView) -> impl IntoView {
    let lang = use_lang();
    let LastCheckView { at, ok, reason } = check;
    match (at, ok) {
        (Some(at), Some(true)) => view! {
            <span class="badge ok">{t(lang, "accounts.check_ok")}</span> " " <span class="muted">{at.to_string()}</span>
        }
        .into_any(),
        (Some(at), _) => {
            let why = reason
                .as_deref()
                .and_then(Reason::from_name)
                .map(|r| t(lang, r.text_key()))
                .unwrap_or_else(|| t(lang, "accounts.check_failed"));
            view! { <span class="badge bad" title=why>{why}</span> " " <span class="muted">{at.to_string()}</span> }
                .into_any()
        }
        _ => view! { <span class="muted">{t(lang, "accounts.never_checked")}</span> }.into_any(),
    }
}

/// Percent-encodes a search text for a link.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
