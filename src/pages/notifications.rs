//! «Уведомления» (administrators): «Журнал отправки» — the letters the host application queued,
//! newest first, filtered by status with a plain GET form and paged by a link (both work without
//! JavaScript), with «Повторить» and «Отменить», kept current while open (with JavaScript) — and
//! «Ключи API» of the host application: made (the key shown once), listed by their first
//! characters, revoked.

use crate::api::notifications::{
    api_keys, journal, key_shown_once, CancelLetter, CreateApiKey, RetryLetter, RevokeApiKey,
};
use crate::components::form::{action_error, error_text, success_count, Field, FormError, Submit};
use crate::components::health_banner::HealthBanner;
use crate::i18n::{t, tr, use_lang};
use crate::model::error::AppError;
use crate::model::notifications::{ApiKeyView, JournalEntry, JournalPage, OutboxStatus};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const STATUSES: [OutboxStatus; 5] =
    [OutboxStatus::Queued, OutboxStatus::Sending, OutboxStatus::Sent, OutboxStatus::Failed, OutboxStatus::Cancelled];

fn status_key(status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Queued => "notifications.status.queued",
        OutboxStatus::Sending => "notifications.status.sending",
        OutboxStatus::Sent => "notifications.status.sent",
        OutboxStatus::Failed => "notifications.status.failed",
        OutboxStatus::Cancelled => "notifications.status.cancelled",
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    // Bumped each time the journal asks again; the banner follows it.
    let refreshed = RwSignal::new(0u32);
    view! {
        <h1>{tr("notifications.title")}</h1>
        <HealthBanner after=refreshed/>
        <Journal refreshed/>
        <Keys/>
    }
}

#[component]
fn Journal(refreshed: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let param = move |name: &'static str| query.with(|q| q.get(name).unwrap_or_default());
    let (status, before) = (move || param("status"), move || param("before"));
    let (from, to) = (move || param("from"), move || param("to"));
    let retry = ServerAction::<RetryLetter>::new();
    let cancel = ServerAction::<CancelLetter>::new();
    let (retried, cancelled) = (success_count(retry), success_count(cancel));
    let page = Resource::new(
        move || (status(), before(), from(), to(), retried.get(), cancelled.get(), refreshed.get()),
        |(status, before, from, to, ..)| journal(status, before, from, to),
    );
    keep_current(page, refreshed, move || query.with_untracked(|q| q.get("before").is_none()));
    let row_error = Signal::derive(move || {
        retry.value().get().and_then(Result::err).or_else(|| cancel.value().get().and_then(Result::err))
    });
    view! {
        <section class="panel" id="journal">
            <h2>{tr("notifications.journal")}</h2>
            <form method="get" class="inline" id="journal-filter">
                <label for="journal-status">{tr("notifications.status")}" "</label>
                <select id="journal-status" name="status">
                    <option value="">{tr("notifications.status.any")}</option>
                    {STATUSES
                        .iter()
                        .map(|s| {
                            let selected = move || status() == s.name();
                            view! { <option value=s.name() selected=selected>{tr(status_key(*s))}</option> }
                        })
                        .collect_view()}
                </select>
                " "
                <label for="journal-from">{tr("notifications.from")}" "</label>
                <input type="date" id="journal-from" name="from" value=from/>
                " "
                <label for="journal-to">{tr("notifications.to_date")}" "</label>
                <input type="date" id="journal-to" name="to" value=to/>
                " "
                <button type="submit" class="button small secondary">{tr("common.apply")}</button>
            </form>
            <FormError error=row_error/>
            <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                        Ok(page) if page.entries.is_empty() => {
                            let filtered = [status(), before(), from(), to()].iter().any(|v| !v.is_empty());
                            let text = if filtered { "notifications.journal_none_found" } else { "notifications.journal_empty" };
                            view! { <p class="empty">{t(lang, text)}</p> }.into_any()
                        }
                        Ok(page) => {
                            let older = page.older.map(|id| {
                                // The same filter, further back.
                                let filter = [("status", status()), ("from", from()), ("to", to())]
                                    .into_iter()
                                    .filter(|(_, value)| !value.is_empty())
                                    .map(|(name, value)| format!("{name}={value}&"))
                                    .collect::<String>();
                                let href = format!("/notifications?{filter}before={id}");
                                view! { <p><a href=href id="journal-older">{t(lang, "notifications.older")}</a></p> }
                            });
                            view! {
                                <div class="table-scroll">
                                    <table class="grid" id="journal-table">
                                        <thead>
                                            <tr>
                                                <th>{tr("notifications.when")}</th>
                                                <th>{tr("notifications.to")}</th>
                                                <th>{tr("notifications.subject")}</th>
                                                <th>{tr("notifications.status")}</th>
                                                <th></th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {page.entries.into_iter().map(|e| view! { <Letter e retry cancel/> }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {older}
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// How often the journal asks again while the administrator watches it (with JavaScript).
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Keeps the journal current without a reload: every [`REFRESH_EVERY`] the newest page is asked
/// again (new letters appear, waiting ones change), an older page only while a letter on it is
/// still on its way; never while the browser's tab is hidden. Bumps `refreshed`.
fn keep_current(
    page: Resource<Result<JournalPage, AppError>>,
    refreshed: RwSignal<u32>,
    newest: impl Fn() -> bool + Copy + 'static,
) {
    Effect::new(move |_| {
        let tick = move || {
            let waiting = page.with_untracked(|p| {
                p.as_ref().and_then(|p| p.as_ref().ok()).is_some_and(|p| {
                    p.entries.iter().any(|e| matches!(e.status, OutboxStatus::Queued | OutboxStatus::Sending))
                })
            });
            if !document().hidden() && (newest() || waiting) {
                refreshed.try_update(|n| *n += 1);
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, REFRESH_EVERY) {
            on_cleanup(move || handle.clear());
        }
    });
}

#[component]
fn Letter(e: JournalEntry, retry: ServerAction<RetryLetter>, cancel: ServerAction<CancelLetter>) -> impl IntoView {
    let lang = use_lang();
    let (retry_id, cancel_id) = (e.id.to_string(), e.id.to_string());
    let attempts = format!("{}: {}", t(lang, "notifications.attempts"), e.attempts);
    let can_retry = matches!(e.status, OutboxStatus::Failed | OutboxStatus::Cancelled);
    let can_cancel = e.status == OutboxStatus::Queued;
    view! {
        <tr class=format!("letter {}", e.status.name())>
            <td>{e.created_at.to_string()}</td>
            <td>{e.recipients.join(", ")}</td>
            <td>{e.subject}</td>
            <td>
                <span class=format!("badge {}", e.status.name())>{t(lang, status_key(e.status))}</span>
                <p class="muted">{attempts}</p>
                {e.explanation.map(|text| view! { <p class="reason">{text}</p> })}
                {e.server_reply.map(|reply| view! { <p class="muted server-reply">{reply}</p> })}
            </td>
            <td class="actions">
                {can_retry.then(|| view! {
                    <ActionForm action=retry attr:class="inline">
                        <input type="hidden" name="id" value=retry_id/>
                        <Submit label=tr("notifications.retry") pending=retry.pending() class="small secondary"/>
                    </ActionForm>
                })}
                {can_cancel.then(|| view! {
                    <ActionForm action=cancel attr:class="inline">
                        <input type="hidden" name="id" value=cancel_id/>
                        <Submit label=tr("notifications.cancel") pending=cancel.pending() class="small secondary"/>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
fn Keys() -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let (created, revoked) = (success_count(create), success_count(revoke));
    let keys = Resource::new(move || (created.get(), revoked.get()), |_| api_keys());
    let error = action_error(create);
    let revoke_error = action_error(revoke);
    // Made here (with JavaScript), or by a plain form that came back to this page.
    let after_plain_form = Resource::new(|| (), |_| key_shown_once());
    let new_key = move || {
        let made_here = create.value().get().and_then(Result::ok).map(|made| made.key);
        Suspend::new(async move {
            let after_plain_form = after_plain_form.await.ok().flatten();
            made_here.or(after_plain_form).map(|key| {
                view! {
                    <div class="notice" role="status" id="new-api-key">
                        <p>{t(lang, "notifications.key_is")}</p>
                        <p><code class="secret">{key}</code></p>
                        <p class="muted">{t(lang, "notifications.key_shown_once")}</p>
                    </div>
                }
            })
        })
    };
    view! {
        <section class="panel" id="api-keys">
            <h2>{tr("notifications.keys")}</h2>
            <p class="muted">{tr("notifications.keys_lead")}</p>
            <Transition fallback=|| ()>{new_key}</Transition>
            <FormError error=revoke_error/>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match keys.await {
                        Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                        Ok(list) if list.is_empty() => {
                            view! { <p class="empty">{t(lang, "notifications.no_keys")}</p> }.into_any()
                        }
                        Ok(list) => view! {
                            <ul class="api-keys">{list.into_iter().map(|k| view! { <Key k revoke/> }).collect_view()}</ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=create attr:class="stack" attr:novalidate=true attr:id="new-key-form">
                <Field name="name" label=tr("notifications.key_name") required=true error/>
                <FormError error/>
                <Submit label=tr("notifications.create_key") pending=create.pending()/>
            </ActionForm>
        </section>
    }
}

#[component]
fn Key(k: ApiKeyView, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let lang = use_lang();
    let state = if k.revoked { t(lang, "notifications.key_revoked") } else { "" };
    view! {
        <li class:inactive=k.revoked>
            <strong>{k.name}</strong>" "<code>{format!("{}…", k.prefix)}</code>" "
            <span class="muted">{k.created_at.to_string()}" "{state}</span>
            {(!k.revoked).then(|| view! {
                <ActionForm action=revoke attr:class="inline">
                    <input type="hidden" name="id" value=k.id.to_string()/>
                    <Submit label=tr("notifications.revoke") pending=revoke.pending() class="small secondary"/>
                </ActionForm>
            })}
        </li>
    }
}
