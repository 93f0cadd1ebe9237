//! Choosing a password through a one-time link (a new user, a reset, or after signing in with a
//! one-time password).

use crate::api::session::{password_link_status, SetPassword};
use crate::components::auth_card::AuthCard;
use crate::components::form::{action_error, Field, FormError, Submit};
use crate::components::navigation::go_to;
use crate::i18n::tr;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let status = Resource::new(token, password_link_status);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(true) => Either::Left(view! { <SetPasswordForm token=token()/> }),
                    _ => Either::Right(view! {
                        <AuthCard title=tr("set_password.title")>
                            <p class="form-error" role="alert">{tr("error.link_expired")}</p>
                            <p><A href="/sign-in">{tr("set_password.to_sign_in")}</A></p>
                        </AuthCard>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SetPasswordForm(token: String) -> impl IntoView {
    let action = ServerAction::<SetPassword>::new();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go_to("/");
        }
    });
    view! {
        <AuthCard title=tr("set_password.title")>
            <ActionForm action=action attr:class="stack" attr:novalidate=true>
                <input type="hidden" name="token" value=token/>
                <Field name="password" label=tr("field.new_password") kind="password" autocomplete="new-password" required=true hint=tr("field.password_hint") error/>
                <Field name="password_again" label=tr("field.password_again") kind="password" autocomplete="new-password" required=true error/>
                <FormError error/>
                <Submit label=tr("set_password.submit") pending=action.pending()/>
            </ActionForm>
        </AuthCard>
    }
}
