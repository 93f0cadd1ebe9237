//! «Пользователи»: the administrator's list of the tenant's users, adding one with a one-time
//! password or a set-password link (shown once), changing roles, deactivating.

use crate::api::users::{list_users, AddUser, ChangeRole, NewPasswordLink, SetUserActive};
use crate::components::form::{action_error, describe_field, error_text, Field, FieldProblem, FormError, Submit};
use crate::i18n::{tr, use_lang};
use crate::model::users::{Invitation, UserView};
use crate::model::Role;
use leptos::prelude::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let new_link = ServerAction::<NewPasswordLink>::new();
    let users = Resource::new(
        move || (add.version().get(), change_role.version().get(), set_active.version().get()),
        |_| list_users(),
    );
    let lang = use_lang();
    let row_error = Signal::derive(move || {
        change_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| set_active.value().get().and_then(Result::err))
            .or_else(|| new_link.value().get().and_then(Result::err))
    });
    view! {
        <h1>{tr("users.title")}</h1>
        <FormError error=row_error/>
        <InvitationNotice invitation=Signal::derive(move || {
            new_link.value().get().and_then(Result::ok).or_else(|| add.value().get().and_then(Result::ok))
        })/>
        <Transition fallback=|| view! { <p class="loading">{tr("common.loading")}</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => view! { <UserTable users=list change_role set_active new_link/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                }
            })}
        </Transition>
        <AddUserForm action=add/>
    }
}

#[component]
fn UserTable(
    users: Vec<UserView>,
    change_role: ServerAction<ChangeRole>,
    set_active: ServerAction<SetUserActive>,
    new_link: ServerAction<NewPasswordLink>,
) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="grid" id="users-table">
                <thead>
                    <tr>
                        <th>{tr("users.name")}</th>
                        <th>{tr("field.email")}</th>
                        <th>{tr("users.role")}</th>
                        <th>{tr("users.state")}</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {users
                        .into_iter()
                        .map(|u| {
                            let id = u.id.0;
                            view! {
                                <tr class:inactive=!u.active>
                                    <td>{u.name.clone()}</td>
                                    <td>{u.email.clone()}</td>
                                    <td>
                                        <ActionForm action=change_role attr:class="inline">
                                            <input type="hidden" name="user" value=id.to_string()/>
                                            <select name="role" aria-label=tr("users.role") disabled=u.is_me>
                                                <option value="admin" selected=u.role == Role::Admin>{tr("role.admin")}</option>
                                                <option value="user" selected=u.role == Role::User>{tr("role.user")}</option>
                                            </select>
                                            {(!u.is_me).then(|| view! { <button type="submit" class="button small">{tr("common.apply")}</button> })}
                                        </ActionForm>
                                    </td>
                                    <td>
                                        {if !u.active {
                                            tr("users.inactive")
                                        } else if u.has_password {
                                            tr("users.active")
                                        } else {
                                            tr("users.no_password")
                                        }}
                                    </td>
                                    <td class="actions">
                                        {(!u.is_me).then(|| view! {
                                            <ActionForm action=set_active attr:class="inline">
                                                <input type="hidden" name="user" value=id.to_string()/>
                                                <input type="hidden" name="active" value=(!u.active).to_string()/>
                                                <button type="submit" class="button small secondary">
                                                    {if u.active { tr("users.deactivate") } else { tr("users.activate") }}
                                                </button>
                                            </ActionForm>
                                            <ActionForm action=new_link attr:class="inline">
                                                <input type="hidden" name="user" value=id.to_string()/>
                                                <button type="submit" class="button small secondary">{tr("users.new_link")}</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AddUserForm(action: ServerAction<AddUser>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section class="panel">
            <h2>{tr("users.add_title")}</h2>
            <ActionForm action=action attr:class="stack" attr:novalidate=true attr:id="add-user-form">
                <Field name="name" label=tr("field.person_name") required=true error/>
                <Field name="email" label=tr("field.email") kind="email" required=true error/>
                <div class="field">
                    <label for="field-role">{tr("users.role")}</label>
                    <select id="field-role" name="role" aria-describedby=describe_field("role", false, error)>
                        <option value="user">{tr("role.user")}</option>
                        <option value="admin">{tr("role.admin")}</option>
                    </select>
                    <FieldProblem name="role" error/>
                </div>
                <fieldset class="field">
                    <legend>{tr("users.first_password")}</legend>
                    <label class="choice">
                        <input type="radio" name="first_password" value="one_time" checked=true/>
                        {tr("users.one_time_password")}
                    </label>
                    <label class="choice">
                        <input type="radio" name="first_password" value="link"/>
                        {tr("users.set_password_link")}
                    </label>
                </fieldset>
                <FormError error/>
                <Submit label=tr("users.add") pending=action.pending()/>
            </ActionForm>
        </section>
    }
}

/// The one-time password or link of a user just added, shown once.
#[component]
fn InvitationNotice(#[prop(into)] invitation: Signal<Option<Invitation>>) -> impl IntoView {
    move || {
        invitation.get().map(|inv| {
            let (label, secret) = match inv {
                Invitation::OneTimePassword { password, .. } => (tr("users.one_time_password_is"), password),
                Invitation::Link { path, .. } => (tr("users.link_is"), format!("{}{path}", origin())),
            };
            view! {
                <div class="notice" role="status" id="invitation">
                    <p>{label}</p>
                    <p><code class="secret">{secret}</code></p>
                    <p class="muted">{tr("users.shown_once")}</p>
                </div>
            }
        })
    }
}

fn origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        window().location().origin().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}
