//! «Доверенные сертификаты» in «Настройки программы»: the company mail servers whose own
//! certificate an administrator trusted (from a check report), with who did it and when, and
//! «Больше не доверять». Shown to administrators only.

use crate::api::trusted_certificates::{trusted_certificates, ForgetCertificate};
use crate::components::form::{error_text, success_count, Submit};
use crate::i18n::{t, tf, tr, use_lang};
use crate::model::error::AppError;
use crate::model::trusted_certificates::TrustedView;
use leptos::prelude::*;

#[component]
pub fn TrustedCertificatesSection() -> impl IntoView {
    let forget = ServerAction::<ForgetCertificate>::new();
    let forgotten = success_count(forget);
    let list = Resource::new(move || forgotten.get(), |_| trusted_certificates());
    let lang = use_lang();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Err(AppError::Forbidden) => ().into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> }.into_any(),
                    Ok(list) => view! {
                        <section class="panel" id="trusted-certificates">
                            <h2>{tr("trusted_certificates.title")}</h2>
                            <p class="muted">{tr("trusted_certificates.lead")}</p>
                            {if list.is_empty() {
                                view! { <p class="empty">{t(lang, "trusted_certificates.none")}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="trusted-certificates">
                                        {list.into_iter().map(|c| view! { <Trusted c forget/> }).collect_view()}
                                    </ul>
                                }
                                .into_any()
                            }}
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Trusted(c: TrustedView, forget: ServerAction<ForgetCertificate>) -> impl IntoView {
    let lang = use_lang();
    let server = format!("{}:{}", c.host, c.port);
    let at = c.trusted_at.to_string();
    // The user may have been removed since; then only when.
    let when = match &c.trusted_by {
        Some(by) => tf(lang, "trusted_certificates.when_by", &[("at", &at), ("by", by)]),
        None => tf(lang, "trusted_certificates.when", &[("at", &at)]),
    };
    view! {
        <li>
            <p><strong class="trusted-server">{server}</strong></p>
            <p class="fingerprint">"SHA-256 "{c.sha256.to_string()}</p>
            {c.any_name.then(|| view! { <p class="muted">{t(lang, "trusted_certificates.any_name")}</p> })}
            <p class="muted">{when}</p>
            <ActionForm action=forget attr:class="inline">
                <input type="hidden" name="host" value=c.host_ascii.clone()/>
                <input type="hidden" name="port" value=c.port.to_string()/>
                <Submit label=tr("trusted_certificates.forget") pending=forget.pending() class="small secondary"/>
            </ActionForm>
        </li>
    }
}
