//! «Торговые точки и склады»: each belongs to one of the tenant's firms.

use super::SetupRevision;
use crate::api::setup::{list_firms, list_outlets, DeleteOutlet, SaveOutlet};
use crate::components::form::{
    action_error, describe_field, error_text, on_success, success_count, ConfirmDelete, Field, FieldProblem, FormError,
    Submit,
};
use crate::i18n::{t, tr, use_lang};
use crate::model::setup::{FirmView, OutletKind, OutletView};
use crate::model::{FirmId, OutletId};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn OutletsTab() -> impl IntoView {
    let save = ServerAction::<SaveOutlet>::new();
    let delete = ServerAction::<DeleteOutlet>::new();
    let saved = success_count(save);
    let deleted = success_count(delete);
    let revision = expect_context::<SetupRevision>();
    let navigate = use_navigate();
    on_success(save, move |_| {
        revision.bump();
        navigate("/setup/outlets", Default::default());
    });
    on_success(delete, move |_| revision.bump());
    let data = Resource::new(
        move || (saved.get(), deleted.get()),
        |_| async move { Ok::<_, crate::model::error::AppError>((list_outlets().await?, list_firms().await?)) },
    );
    let query = use_query_map();
    let editing = Memo::new(move |_| query.read().get("edit").and_then(|v| v.parse::<i64>().ok()).map(OutletId));
    let lang = use_lang();
    view! {
        <FormError error=action_error(delete)/>
        <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((outlets, firms)) => {
                        let edited = editing.get().and_then(|id| outlets.iter().find(|o| o.id == id).cloned());
                        view! {
                            <OutletList outlets delete/>
                            {if firms.is_empty() {
                                view! {
                                    <p class="notice">
                                        {tr("outlets.need_firm")} " " <A href="/setup/firms">{tr("setup.firms")}</A>
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! { <OutletForm outlet=edited firms save/> }.into_any()
                            }}
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OutletList(outlets: Vec<OutletView>, delete: ServerAction<DeleteOutlet>) -> impl IntoView {
    if outlets.is_empty() {
        return view! { <p class="empty">{tr("setup.outlets_empty")}</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="grid" id="outlets-table">
                <thead>
                    <tr>
                        <th>{tr("outlets.kind")}</th>
                        <th>{tr("outlets.name")}</th>
                        <th>{tr("outlets.firm")}</th>
                        <th>{tr("firms.address")}</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {outlets
                        .into_iter()
                        .map(|o| view! {
                            <tr>
                                <td>{tr(o.kind.key())}</td>
                                <td>{o.name.clone()}</td>
                                <td>{o.firm_name.clone()}</td>
                                <td>{o.address.clone()}</td>
                                <td class="actions">
                                    <A href=format!("/setup/outlets?edit={}", o.id) attr:class="button small secondary">{tr("common.edit")}</A>
                                    <ActionForm action=delete attr:class="inline">
                                        <input type="hidden" name="id" value=o.id.to_string()/>
                                        <ConfirmDelete label=tr("common.delete") question=tr("outlets.confirm_delete") pending=delete.pending() small=true/>
                                    </ActionForm>
                                </td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn OutletForm(outlet: Option<OutletView>, firms: Vec<FirmView>, save: ServerAction<SaveOutlet>) -> impl IntoView {
    let error = action_error(save);
    let lang = use_lang();
    let title = if outlet.is_some() { t(lang, "outlets.edit_title") } else { t(lang, "outlets.add_title") };
    let editing = outlet.is_some();
    let (id, version, kind, name, firm, address) = match outlet {
        Some(o) => (o.id, o.version, o.kind, o.name, o.firm_id, o.address),
        None => (
            OutletId(0),
            0,
            OutletKind::Outlet,
            String::new(),
            firms.first().map_or(FirmId(0), |f| f.id),
            String::new(),
        ),
    };
    view! {
        <section class="panel">
            <h2>{title}</h2>
            <ActionForm action=save attr:class="stack" attr:novalidate=true attr:id="outlet-form">
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="version" value=version.to_string()/>
                <div class="row">
                    <div class="field">
                        <label for="field-kind">{tr("outlets.kind")}</label>
                        <select id="field-kind" name="kind" aria-describedby=describe_field("kind", false, error)>
                            {[OutletKind::Outlet, OutletKind::Warehouse]
                                .into_iter()
                                .map(|k| view! { <option value=k.code() selected=k == kind>{tr(k.key())}</option> })
                                .collect_view()}
                        </select>
                        <FieldProblem name="kind" error/>
                    </div>
                    <div class="field">
                        <label for="field-firm">{tr("outlets.firm")}</label>
                        <select id="field-firm" name="firm" aria-describedby=describe_field("firm", false, error)>
                            {firms
                                .into_iter()
                                .map(|f| view! { <option value=f.id.to_string() selected=f.id == firm>{f.name}</option> })
                                .collect_view()}
                        </select>
                        <FieldProblem name="firm" error/>
                    </div>
                </div>
                <Field name="name" label=tr("outlets.name") value=name required=true error/>
                <Field name="address" label=tr("firms.address") value=address error/>
                <FormError error/>
                <div class="actions">
                    <Submit label=tr("common.save") pending=save.pending()/>
                    {editing.then(|| view! { <A href="/setup/outlets" attr:class="button secondary">{tr("common.cancel")}</A> })}
                </div>
            </ActionForm>
        </section>
    }
}
