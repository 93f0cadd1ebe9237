//! «Войти через …» where a form may sign in with the mail provider (the «Почта» tab, the account
//! editor): who is signed in, or the button (recommended) with the app password as the
//! alternative. The button sends the form with `intent=sign_in`; signed in, another one goes back
//! to the password.

use crate::i18n::{t, tf, use_lang};
use crate::model::oauth::{Provider, SignInView, PASSWORD_INSTEAD_INTENT, SIGN_IN_INTENT};
use leptos::prelude::*;

/// «Войти через …» for a service whose provider the operator registered Pochta with: who is signed
/// in, or the button (recommended) with the app password as the alternative below it.
#[component]
pub fn SignInWith(
    provider: Signal<Option<Provider>>,
    sign_in: RwSignal<Option<SignInView>>,
    signed_in: Signal<Option<SignInView>>,
    /// The catalog key saying what uses the sign-in on this page.
    signed_in_text: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        let provider = provider.get()?;
        let name = t(lang, provider.name_key());
        let status = match (signed_in.get(), sign_in.get()) {
            (Some(s), _) => Some(
                view! {
                    <p class="form-ok" role="status" id="signed-in">
                        {tf(lang, signed_in_text, &[("provider", name), ("identity", &s.identity)])}
                    </p>
                }
                .into_any(),
            ),
            (None, Some(s)) if s.needs_sign_in && s.provider == provider => Some(
                view! {
                    <p class="notice" role="alert" id="sign-in-again">
                        {tf(lang, "oauth.needs_sign_in", &[("provider", name), ("identity", &s.identity)])}
                    </p>
                }
                .into_any(),
            ),
            _ => None,
        };
        let signed = signed_in.get().is_some();
        Some(view! {
            <div class="field sign-in-with" id="sign-in-with">
                {status}
                <button
                    type="submit"
                    class=if signed { "button secondary" } else { "button" }
                    name="intent"
                    value=SIGN_IN_INTENT
                    id="sign-in-button"
                    disabled=move || pending.get()
                >
                    {tf(lang, "oauth.sign_in_with", &[("provider", name)])}
                </button>
                {(!signed).then(|| view! {
                    <p class="field-hint">{tf(lang, "oauth.recommended", &[("provider", name)])}</p>
                    <p class="field-hint">{t(lang, "oauth.or_password")}</p>
                })}
                // The app clears the sign-in here; a plain form comes back without it.
                {signed.then(|| view! {
                    <button
                        type="submit"
                        class="button secondary"
                        name="intent"
                        value=PASSWORD_INSTEAD_INTENT
                        id="password-instead"
                        disabled=move || pending.get()
                        on:click=move |ev| {
                            ev.prevent_default();
                            sign_in.set(None);
                        }
                    >
                        {tf(lang, "oauth.password_instead", &[("provider", name)])}
                    </button>
                })}
            </div>
        })
    }
}
