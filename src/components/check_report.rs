//! The report of a mail check: each step with its time, and for a failure the explanation, what
//! to do, and the server's own reply underneath.

use crate::api::trusted_certificates::TrustCertificate as TrustCertificateFn;
use crate::components::form::{action_error, error_text};
use crate::components::session::is_admin;
use crate::i18n::{t, tf, use_lang};
use crate::model::check::{CertificateView, CheckReport, Fix, Side, StepResult};
use crate::model::trusted_certificates::TrustInput;
use crate::model::Security;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// `on_fix`, when given, gets a button for a correction the server showed would work.
#[component]
pub fn CheckReportView(
    report: CheckReport,
    #[prop(optional)] success: Option<String>,
    #[prop(optional)] on_fix: Option<Callback<(Side, Fix)>>,
) -> impl IntoView {
    let lang = use_lang();
    let passed = report.passed();
    let two_sides =
        report.steps.iter().any(|s| s.side == Side::Incoming) && report.steps.iter().any(|s| s.side == Side::Outgoing);
    let steps = report.steps.clone();
    view! {
        <div class="check-report" class:passed=passed role="status" aria-live="polite">
            <ul class="report">
                {steps.into_iter().map(|step| view! { <StepLine step two_sides/> }).collect_view()}
            </ul>
            {report.messages.map(|n| view! { <p class="muted">{tf(lang, "report.messages", &[("n", &n.to_string())])}</p> })}
            {passed.then(|| success.map(|text| view! { <p class="form-ok">{text}</p> }))}
            {report.failure.map(|f| view! {
                <div class="form-error" role="alert">
                    <p class="reason"><strong>{t(lang, f.reason.text_key())}</strong></p>
                    <p class="advice">{t(lang, f.reason.advice_key())}</p>
                    {f.fix.zip(on_fix).map(|(fix, on_fix)| {
                        let security = if fix.security == Security::Ssl { "SSL" } else { "STARTTLS" };
                        let label = tf(lang, "report.fix", &[("port", &fix.port.to_string()), ("security", security)]);
                        let side = f.side;
                        view! {
                            <p><button type="button" class="button small" id="apply-fix" on:click=move |_| on_fix.run((side, fix))>{label}</button></p>
                        }
                    })}
                    {f.certificate.map(|c| {
                        let trusted = c.trusted_sha256.clone();
                        view! {
                            <p class="muted">{t(lang, "report.certificate")}</p>
                            <dl class="settings certificate">
                                <dt>{t(lang, "report.certificate_subject")}</dt><dd>{c.subject.clone()}</dd>
                                <dt>{t(lang, "report.certificate_issuer")}</dt><dd>{c.issuer.clone()}</dd>
                                <dt>{t(lang, "report.certificate_valid")}</dt><dd>{format!("{} — {}", c.valid_from, c.valid_until)}</dd>
                                <dt>"SHA-256"</dt><dd class="fingerprint" id="certificate-sha256">{c.sha256.clone()}</dd>
                                {trusted.map(|sha| view! {
                                    <dt>{t(lang, "report.certificate_trusted_sha256")}</dt>
                                    <dd class="fingerprint" id="certificate-trusted-sha256">{sha}</dd>
                                })}
                            </dl>
                            <TrustCertificate certificate=*c/>
                        }
                    })}
                    {f.server_reply.map(|reply| view! {
                        <p class="muted">{t(lang, "report.server_said")}</p>
                        <pre class="server-reply">{reply}</pre>
                    })}
                </div>
            })}
        </div>
    }
}

/// «Доверять этому сертификату» for the server that showed it: only for administrators, and for a
/// certificate naming another server only through a button that says so. The report sits inside
/// its page's form, so the button posts to the trust endpoint with `formaction` (without
/// JavaScript), or runs the action itself (with it).
#[component]
fn TrustCertificate(certificate: CertificateView) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let certificate = certificate.clone();
                Suspend::new(async move {
                    if is_admin().await {
                        view! { <TrustButton certificate/> }.into_any()
                    } else {
                        let lang = use_lang();
                        view! { <p class="muted">{t(lang, "report.trust_admin_only")}</p> }.into_any()
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn TrustButton(certificate: CertificateView) -> impl IntoView {
    let lang = use_lang();
    let trust = ServerAction::<TrustCertificateFn>::new();
    // A plain form comes back with `certificate_trusted=<fingerprint>` once it was trusted.
    let query = use_query_map();
    let sha256 = certificate.sha256.clone();
    let trusted_here = move || {
        trust.value().get().is_some_and(|r| r.is_ok())
            || query.with(|q| q.get("certificate_trusted").is_some_and(|v| v == sha256))
    };
    let server = format!("{}:{}", certificate.host_shown, certificate.port);
    let any_name = !certificate.names_host;
    let input = TrustInput {
        host: certificate.host.clone(),
        port: certificate.port.to_string(),
        sha256: certificate.sha256.clone(),
        any_name: any_name.then(|| "on".to_string()),
        proof: certificate.proof.clone(),
    };
    let label = if any_name {
        tf(lang, "report.trust_other_name", &[("host", &certificate.host_shown)])
    } else {
        t(lang, "report.trust").to_string()
    };
    let done = tf(lang, "report.trusted", &[("server", &server)]);
    let error = action_error(trust);
    let endpoint = <TrustCertificateFn as leptos::server_fn::ServerFn>::PATH;
    move || {
        if trusted_here() {
            return view! { <p class="form-ok" id="certificate-trusted" role="status">{done.clone()}</p> }.into_any();
        }
        let pressed = input.clone();
        view! {
            <div class="trust-certificate">
                <input type="hidden" name="certificate_host" value=input.host.clone()/>
                <input type="hidden" name="certificate_port" value=input.port.clone()/>
                <input type="hidden" name="certificate_sha256" value=input.sha256.clone()/>
                <input type="hidden" name="certificate_proof" value=input.proof.clone()/>
                <p class="muted">{t(lang, "report.trust_hint")}</p>
                <button
                    type="submit"
                    class="button small secondary"
                    id="trust-certificate"
                    formaction=endpoint
                    formmethod="post"
                    formnovalidate=true
                    name=any_name.then_some("certificate_any_name")
                    value=any_name.then_some("on")
                    disabled=move || trust.pending().get()
                    on:click=move |ev| {
                        ev.prevent_default();
                        trust.dispatch(TrustCertificateFn { input: pressed.clone() });
                    }
                >
                    {label.clone()}
                </button>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{error_text(lang, &e)}</p> })}
            </div>
        }
        .into_any()
    }
}

#[component]
fn StepLine(step: StepResult, two_sides: bool) -> impl IntoView {
    let lang = use_lang();
    let side = two_sides.then(|| match step.side {
        Side::Outgoing => t(lang, "report.outgoing"),
        Side::Incoming => t(lang, "report.incoming"),
    });
    view! {
        <li class=if step.ok { "ok" } else { "bad" }>
            <span class="mark" aria-hidden="true">{if step.ok { "✓" } else { "✗" }}</span>
            <span class="step-name">{side.map(|s| format!("{s}: "))}{t(lang, step.step.key())}</span>
            {step.detail.map(|d| view! { <span class="muted">{d}</span> })}
            <span class="time">{tf(lang, "report.millis", &[("n", &step.millis.to_string())])}</span>
        </li>
    }
}
