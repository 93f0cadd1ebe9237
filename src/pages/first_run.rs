//! The first run of a new deployment: create the organisation and its administrator. Gone once
//! any user exists.

use crate::api::session::{get_session, FirstRun};
use crate::components::auth_card::AuthCard;
use crate::components::form::{action_error, Field, FormError, Submit};
use crate::components::navigation::go_to;
use crate::i18n::tr;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn FirstRunPage() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(info) if info.first_run => Either::Left(view! { <FirstRunForm/> }),
                    _ => Either::Right(view! { <Redirect path="/"/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FirstRunForm() -> impl IntoView {
    let action = ServerAction::<FirstRun>::new();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go_to("/");
        }
    });
    view! {
        <AuthCard title=tr("first_run.title")>
            <p class="lead">{tr("first_run.lead")}</p>
            <ActionForm action=action attr:class="stack" attr:novalidate=true attr:id="first-run-form">
                <Field name="organisation" label=tr("first_run.organisation") autocomplete="organization" required=true error/>
                <Field name="name" label=tr("field.person_name") autocomplete="name" required=true error/>
                <Field name="email" label=tr("field.email") kind="email" autocomplete="username" required=true error/>
                <Field name="password" label=tr("field.new_password") kind="password" autocomplete="new-password" required=true hint=tr("field.password_hint") error/>
                <Field name="password_again" label=tr("field.password_again") kind="password" autocomplete="new-password" required=true error/>
                <FormError error/>
                <Submit label=tr("first_run.submit") pending=action.pending()/>
            </ActionForm>
        </AuthCard>
    }
}
