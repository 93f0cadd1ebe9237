//! «Наши фирмы»: the tenant's own companies (name, INN, KPP, address, phone, e-mail).

use super::SetupRevision;
use crate::api::setup::{list_firms, DeleteFirm, SaveFirm};
use crate::components::form::{
    action_error, error_text, on_success, success_count, ConfirmDelete, Field, FormError, Submit,
};
use crate::i18n::{t, tr, use_lang};
use crate::model::setup::FirmView;
use crate::model::FirmId;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn FirmsTab() -> impl IntoView {
    let save = ServerAction::<SaveFirm>::new();
    let delete = ServerAction::<DeleteFirm>::new();
    let saved = success_count(save);
    let deleted = success_count(delete);
    let revision = expect_context::<SetupRevision>();
    let navigate = use_navigate();
    on_success(save, move |_| {
        revision.bump();
        navigate("/setup/firms", Default::default());
    });
    on_success(delete, move |_| revision.bump());
    let firms = Resource::new(move || (saved.get(), deleted.get()), |_| list_firms());
    let query = use_query_map();
    let editing = Memo::new(move |_| query.read().get("edit").and_then(|v| v.parse::<i64>().ok()).map(FirmId));
    let lang = use_lang();
    view! {
        <FormError error=action_error(delete)/>
        <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
            {move || Suspend::new(async move {
                match firms.await {
                    Ok(list) => {
                        let edited = editing.get().and_then(|id| list.iter().find(|f| f.id == id).cloned());
                        view! {
                            <FirmList firms=list delete/>
                            <FirmForm firm=edited save/>
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
fn FirmList(firms: Vec<FirmView>, delete: ServerAction<DeleteFirm>) -> impl IntoView {
    if firms.is_empty() {
        return view! { <p class="empty">{tr("setup.firms_empty")}</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="grid" id="firms-table">
                <thead>
                    <tr>
                        <th>{tr("firms.name")}</th>
                        <th>{tr("firms.inn")}</th>
                        <th>{tr("firms.kpp")}</th>
                        <th>{tr("firms.phone")}</th>
                        <th>{tr("field.email")}</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {firms
                        .into_iter()
                        .map(|f| view! {
                            <tr>
                                <td>{f.name.clone()}</td>
                                <td>{f.inn.clone()}</td>
                                <td>{f.kpp.clone()}</td>
                                <td>{f.phone.clone()}</td>
                                <td>{f.email.clone()}</td>
                                <td class="actions">
                                    <A href=format!("/setup/firms?edit={}", f.id) attr:class="button small secondary">{tr("common.edit")}</A>
                                    <ActionForm action=delete attr:class="inline">
                                        <input type="hidden" name="id" value=f.id.to_string()/>
                                        <ConfirmDelete label=tr("common.delete") question=tr("firms.confirm_delete") pending=delete.pending() small=true/>
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
fn FirmForm(firm: Option<FirmView>, save: ServerAction<SaveFirm>) -> impl IntoView {
    let error = action_error(save);
    let lang = use_lang();
    let title = if firm.is_some() { t(lang, "firms.edit_title") } else { t(lang, "firms.add_title") };
    let f = firm.clone().unwrap_or_default();
    view! {
        <section class="panel">
            <h2>{title}</h2>
            <ActionForm action=save attr:class="stack" attr:novalidate=true attr:id="firm-form">
                <input type="hidden" name="id" value=f.id.to_string()/>
                <input type="hidden" name="version" value=f.version.to_string()/>
                <Field name="name" label=tr("firms.name") value=f.name required=true error/>
                <div class="row">
                    <Field name="inn" label=tr("firms.inn") value=f.inn required=true hint=tr("firms.inn_hint") error/>
                    <Field name="kpp" label=tr("firms.kpp") value=f.kpp error/>
                </div>
                <Field name="address" label=tr("firms.address") value=f.address error/>
                <div class="row">
                    <Field name="phone" label=tr("firms.phone") kind="tel" value=f.phone error/>
                    <Field name="email" label=tr("field.email") kind="email" value=f.email error/>
                </div>
                <FormError error/>
                <div class="actions">
                    <Submit label=tr("common.save") pending=save.pending()/>
                    {firm.is_some().then(|| view! { <A href="/setup/firms" attr:class="button secondary">{tr("common.cancel")}</A> })}
                </div>
            </ActionForm>
        </section>
    }
}
