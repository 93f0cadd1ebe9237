//! The application shell: the HTML document, the routes, and the layout of signed-in pages.

use crate::api::session::{get_session, SignOut};
use crate::components::language_switch::LanguageSwitch;
use crate::components::navigation::{go_to, on_current_path};
use crate::components::session::SessionResource;
use crate::i18n::tr;
use crate::model::session::{Me, SessionInfo};
use crate::model::{Lang, Role};
use crate::pages;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// The HTML document around the app (rendered on the server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = page_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The language pages are rendered in: the cookie on the server, and in the browser what the
/// server wrote into `<html lang>`, so both render the same texts.
fn page_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        crate::server::web::request_lang()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .map(|code| Lang::from_code(&code))
            .unwrap_or_default()
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(page_lang());
    let page = || SsrMode::Async;
    view! {
        <Stylesheet id="leptos" href="/pkg/pochta.css"/>
        <Title text=tr("app.title")/>
        <Router>
            <Routes fallback=pages::not_found::NotFound>
                <Route path=path!("/sign-in") view=pages::sign_in::SignInPage ssr=page()/>
                <Route path=path!("/first-run") view=pages::first_run::FirstRunPage ssr=page()/>
                <Route path=path!("/set-password") view=pages::set_password::SetPasswordPage ssr=page()/>
                <ParentRoute path=path!("") view=SignedInLayout ssr=page()>
                    <Route path=path!("") view=|| view! { <Redirect path="/setup/firms"/> } ssr=page()/>
                    <ParentRoute path=path!("setup") view=pages::setup::SetupPage ssr=page()>
                        <Route path=path!("") view=|| view! { <Redirect path="/setup/firms"/> } ssr=page()/>
                        <Route path=path!("firms") view=pages::setup::FirmsTab ssr=page()/>
                        <Route path=path!("outlets") view=pages::setup::OutletsTab ssr=page()/>
                        <Route path=path!("mail") view=pages::crm_email::MailTab ssr=page()/>
                    </ParentRoute>
                    <Route path=path!("program-settings") view=pages::crm_email::ProgramSettingsPage ssr=page()/>
                    <Route path=path!("directories/email-accounts") view=pages::accounts::AccountsPage ssr=page()/>
                    <Route path=path!("directories/email-accounts/new") view=pages::accounts::NewAccountPage ssr=page()/>
                    <Route path=path!("directories/email-accounts/:id") view=pages::accounts::AccountPage ssr=page()/>
                    <Route path=path!("users") view=pages::users::UsersPage ssr=page()/>
                    <Route path=path!("notifications") view=pages::notifications::NotificationsPage ssr=page()/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Pages of a signed-in user: header with navigation, language and sign-out, then the page.
/// Without a session it sends the browser to sign in (or to the first run on a new deployment).
///
/// The page (`Outlet`) stays outside the `Suspend`: the server runs a `Suspend` twice, and a page
/// created inside it would create its resources twice, out of step with the browser.
#[component]
fn SignedInLayout() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    provide_context(SessionResource(session));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionInfo { me: Some(me), .. }) => EitherOf3::A(view! { <Header me/> }),
                    Ok(SessionInfo { first_run: true, .. }) => EitherOf3::B(view! { <Redirect path="/first-run"/> }),
                    _ => EitherOf3::C(view! { <Redirect path="/sign-in"/> }),
                }
            })}
        </Suspense>
        <main class="page">
            <Outlet/>
        </main>
    }
}

#[component]
fn Header(me: Me) -> impl IntoView {
    let is_admin = me.role == Role::Admin;
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-name">"Pochta"</span>
                <span class="tenant-name">{me.tenant_name.clone()}</span>
            </div>
            <nav class="mainnav" aria-label=tr("nav.label")>
                <NavLink href="/setup/firms" prefix="/setup" label=tr("nav.setup")/>
                <NavLink href="/program-settings" prefix="/program-settings" label=tr("nav.program_settings")/>
                <NavLink href="/directories/email-accounts" prefix="/directories" label=tr("nav.email_accounts")/>
                {is_admin.then(|| view! { <NavLink href="/users" prefix="/users" label=tr("nav.users")/> })}
                {is_admin.then(|| view! { <NavLink href="/notifications" prefix="/notifications" label=tr("nav.notifications")/> })}
            </nav>
            <div class="account">
                <span class="who" title=me.email.clone()>{me.name.clone()}</span>
                <LanguageSwitch/>
                <SignOutButton/>
            </div>
        </header>
    }
}

#[component]
fn NavLink(href: &'static str, prefix: &'static str, label: &'static str) -> impl IntoView {
    let current = on_current_path(move |path| path.starts_with(prefix));
    view! {
        <A href=href attr:class=move || if current() { "navlink current" } else { "navlink" }>
            {label}
        </A>
    }
}

#[component]
fn SignOutButton() -> impl IntoView {
    let action = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go_to("/sign-in");
        }
    });
    view! {
        <ActionForm action=action attr:class="signout">
            <button type="submit" class="link-button">{tr("nav.sign_out")}</button>
        </ActionForm>
    }
}
