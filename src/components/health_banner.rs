//! The banner «Почта», the directory and «Журнал отправки» show while an account notifications go
//! through is failing or its server's certificate is about to expire (`server::notifications::health`).

use crate::api::notifications::account_health;
use crate::i18n::{t, tf, use_lang};
use crate::model::health::HealthWarning;
use crate::model::Lang;
use leptos::prelude::*;

/// `after` (if given) asks again when it changes: after a save that may have mended the account.
#[component]
pub fn HealthBanner(#[prop(optional, into)] after: Option<Signal<u32>>) -> impl IntoView {
    let lang = use_lang();
    let warnings = Resource::new(move || after.map(|a| a.get()), |_| account_health());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let warnings = warnings.await.unwrap_or_default();
                (!warnings.is_empty()).then(|| view! {
                    <div class="notice health" role="alert" id="account-health">
                        {warnings.into_iter().map(|w| warning(lang, w)).collect_view()}
                    </div>
                })
            })}
        </Transition>
    }
}

fn warning(lang: Lang, warning: HealthWarning) -> AnyView {
    match warning {
        HealthWarning::Failing { address, failures, since, explanation } => {
            let failures = failures.to_string();
            let since = since.to_string();
            let headline =
                tf(lang, "health.failing", &[("address", &address), ("since", &since), ("failures", &failures)]);
            let reason =
                (!explanation.is_empty()).then(|| tf(lang, "health.failing_reason", &[("reason", &explanation)]));
            view! {
                <div class="health-failing">
                    <p><strong>{headline}</strong></p>
                    {reason.map(|r| view! { <p>{r}</p> })}
                    <p>{t(lang, "health.failing_fix")}</p>
                </div>
            }
            .into_any()
        }
        HealthWarning::CertificateExpiring { address, expires } => {
            let text = tf(lang, "health.certificate", &[("address", &address), ("expires", &expires.to_string())]);
            view! { <p class="health-certificate"><strong>{text}</strong></p> }.into_any()
        }
    }
}
