//! The centred card of the pages shown before signing in.

use super::language_switch::LanguageSwitch;
use leptos::prelude::*;

#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="auth">
            <div class="auth-card">
                <div class="auth-top">
                    <span class="brand-name">"Pochta"</span>
                    <LanguageSwitch/>
                </div>
                <h1>{title}</h1>
                {children()}
            </div>
        </main>
    }
}
