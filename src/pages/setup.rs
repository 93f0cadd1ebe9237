//! «Настройка»: the setup page with the tabs «Наши фирмы», «Торговые точки и склады», «Почта».

use crate::i18n::tr;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

#[component]
pub fn SetupPage() -> impl IntoView {
    view! {
        <h1>{tr("setup.title")}</h1>
        <nav class="tabs" aria-label=tr("setup.title")>
            <Tab href="/setup/firms" label=tr("setup.firms")/>
            <Tab href="/setup/outlets" label=tr("setup.outlets")/>
            <Tab href="/setup/mail" label=tr("setup.mail")/>
        </nav>
        <section class="tab-body">
            <Outlet/>
        </section>
    }
}

#[component]
fn Tab(href: &'static str, label: &'static str) -> impl IntoView {
    let location = use_location();
    let current = move || location.pathname.get() == href;
    view! {
        <A href=href attr:class=move || if current() { "tab current" } else { "tab" }>{label}</A>
    }
}

#[component]
pub fn FirmsTab() -> impl IntoView {
    view! { <p class="empty">{tr("setup.firms_empty")}</p> }
}

#[component]
pub fn OutletsTab() -> impl IntoView {
    view! { <p class="empty">{tr("setup.outlets_empty")}</p> }
}

#[component]
pub fn MailTab() -> impl IntoView {
    view! { <p class="empty">{tr("setup.mail_empty")}</p> }
}
