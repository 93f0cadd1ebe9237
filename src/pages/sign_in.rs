//! «Вход»: e-mail and password. Works as a plain HTML form before the WASM has loaded.

use crate::api::session::{get_session, SignIn};
use crate::components::auth_card::AuthCard;
use crate::components::form::{action_error, Field, FormError, Submit};
use crate::components::navigation::go_to;
use crate::i18n::tr;
use crate::model::session::{AfterSignIn, SessionInfo};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionInfo { me: Some(_), .. }) => EitherOf3::A(view! { <Redirect path="/"/> }),
                    Ok(SessionInfo { first_run: true, .. }) => EitherOf3::B(view! { <Redirect path="/first-run"/> }),
                    _ => EitherOf3::C(view! { <SignInForm/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignInForm() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(AfterSignIn::Home)) => go_to("/"),
        Some(Ok(AfterSignIn::ChoosePassword(path))) => go_to(&path),
        _ => {}
    });
    view! {
        <AuthCard title=tr("sign_in.title")>
            <ActionForm action=action attr:class="stack" attr:novalidate=true attr:id="sign-in-form">
                <Field name="email" label=tr("field.email") kind="email" autocomplete="username" required=true error/>
                <Field name="password" label=tr("field.password") kind="password" autocomplete="current-password" required=true error/>
                <FormError error/>
                <Submit label=tr("sign_in.submit") pending=action.pending()/>
            </ActionForm>
        </AuthCard>
    }
}
