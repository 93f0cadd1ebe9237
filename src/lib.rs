//! Pochta: the e-mail settings module of a multi-tenant business application.
//!
//! Shared by the browser and the server: `model` (parsed values), `error`, `mail_check` (check
//! reports), `i18n`, `api` (server functions), `app`/`pages`/`components` (the interface).
//! Server only: `server` (database, authentication, mail, configuration, CLI).

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod i18n;
pub mod mail_check;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Lets browser tests (and curious people) see that the page is interactive.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
