//! «Настройка»: the setup page with the tabs «Наши фирмы», «Торговые точки и склады», «Почта».
//! The «Почта» tab (see `crm_email`) is shown but closed until a firm and an outlet or warehouse
//! exist.

mod firms;
mod outlets;

pub use firms::FirmsTab;
pub use outlets::OutletsTab;

use crate::api::setup::get_mail_tab_lock;
use crate::components::navigation::on_current_path;
use crate::i18n::{t, tr, use_lang};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

/// Bumped by the tabs whenever a firm or an outlet is added or removed, so the lock of the
/// «Почта» tab is looked at again.
#[derive(Clone, Copy)]
pub struct SetupRevision(pub RwSignal<u32>);

impl SetupRevision {
    pub fn bump(self) {
        self.0.update(|n| *n += 1);
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let revision = RwSignal::new(0u32);
    provide_context(SetupRevision(revision));
    let lock = Resource::new(move || revision.get(), |_| get_mail_tab_lock());
    let lang = use_lang();
    view! {
        <h1>{tr("setup.title")}</h1>
        <nav class="tabs" aria-label=tr("setup.title")>
            <Tab href="/setup/firms" label=tr("setup.firms")/>
            <Tab href="/setup/outlets" label=tr("setup.outlets")/>
            <Transition fallback=move || view! { <span class="tab locked">{t(lang, "setup.mail")}</span> }>
                {move || Suspend::new(async move {
                    match lock.await {
                        Ok(l) if l.is_open() => Either::Left(view! { <Tab href="/setup/mail" label=tr("setup.mail")/> }),
                        // Still a link: it leads to why the tab is closed and to the tabs to fill.
                        _ => Either::Right(view! { <LockedTab/> }),
                    }
                })}
            </Transition>
        </nav>
        <section class="tab-body">
            <Outlet/>
        </section>
    }
}

#[component]
fn LockedTab() -> impl IntoView {
    let lang = use_lang();
    let current = on_current_path(|path| path == "/setup/mail");
    view! {
        <A href="/setup/mail" attr:class=move || if current() { "tab locked current" } else { "tab locked" } attr:id="mail-tab-locked" attr:title=t(lang, "error.mail_tab_locked")>
            <span aria-hidden="true">"🔒 "</span>
            {t(lang, "setup.mail")}
            <span class="visually-hidden">{t(lang, "setup.mail_closed")}</span>
        </A>
    }
}

#[component]
fn Tab(href: &'static str, label: &'static str) -> impl IntoView {
    let current = on_current_path(move |path| path == href);
    view! {
        <A href=href attr:class=move || if current() { "tab current" } else { "tab" }>{label}</A>
    }
}
