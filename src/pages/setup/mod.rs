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
                        _ => Either::Right(view! {
                            <span class="tab locked" aria-disabled="true" title=t(lang, "error.mail_tab_locked") id="mail-tab-locked">
                                {t(lang, "setup.mail")}
                            </span>
                        }),
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
fn Tab(href: &'static str, label: &'static str) -> impl IntoView {
    let current = on_current_path(move |path| path == href);
    view! {
        <A href=href attr:class=move || if current() { "tab current" } else { "tab" }>{label}</A>
    }
}
