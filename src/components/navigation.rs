//! Where the page is and leaving it: the current path for marking links, and a full load (after
//! signing in or out, after switching the language), so everything is rendered anew for the new
//! session or language.

/// Goes to `path` with a full load.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Loads the current page again.
pub fn reload_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().reload();
    }
}

/// Whether the page's path passes `test`, for marking the current link. On the server this is
/// the request's path, a plain string: the router's location memos belong to the component that
/// asked for them, and a component inside a `Suspend` can be torn down by the server's second
/// pass while its attributes are still being resolved (a panic that lost the response). In the
/// browser it follows client-side navigation.
pub fn on_current_path(
    test: impl Fn(&str) -> bool + Send + Sync + 'static,
) -> impl Fn() -> bool + Send + Sync + 'static {
    #[cfg(feature = "ssr")]
    {
        let path = leptos::prelude::use_context::<http::request::Parts>()
            .map(|parts| parts.uri.path().to_string())
            .unwrap_or_default();
        move || test(&path)
    }
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::prelude::With;
        let location = leptos_router::hooks::use_location();
        move || location.pathname.with(|path| test(path))
    }
}
