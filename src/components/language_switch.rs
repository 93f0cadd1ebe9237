//! Switching between Russian and English: a plain form, so it works before the WASM loads; once
//! hydrated, the page reloads in the new language.

use super::navigation::reload_page;
use crate::api::session::SetLanguage;
use crate::i18n::{tr, use_lang};
use crate::model::Lang;
use leptos::prelude::*;

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let lang = use_lang();
    let action = ServerAction::<SetLanguage>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            reload_page();
        }
    });
    let other = lang.other();
    view! {
        <ActionForm action=action attr:class="langswitch">
            <input type="hidden" name="lang" value=other.code()/>
            <button type="submit" class="link-button" lang=other.code() title=tr("nav.switch_language")>
                {match other {
                    Lang::Ru => "Русский",
                    Lang::En => "English",
                }}
            </button>
        </ActionForm>
    }
}
