//! Pochta: the e-mail settings module of a multi-tenant business application.
//!
//! Layers, each importing only those below it (tests/layers.rs checks): `launch` (the binary's
//! CLI and web server) → `app` (shell, routes) → `pages` (one module per screen) → `components`
//! → `api` (server functions) → `server` (services, mail, ssr only) → `server::db` → `i18n` →
//! `model` (parsed values and wire types). A feature has one name in every layer: `accounts`,
//! `crm_email`, `setup`, `users`, `session`.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod launch;
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
