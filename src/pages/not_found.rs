//! The page for addresses that lead nowhere.

use crate::i18n::tr;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="page narrow">
            <h1>{tr("not_found.title")}</h1>
            <p>{tr("not_found.text")}</p>
            <p><A href="/">{tr("not_found.home")}</A></p>
        </main>
    }
}
