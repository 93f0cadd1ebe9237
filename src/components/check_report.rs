//! The report of a mail check: each step with its time, and for a failure the explanation, what
//! to do, and the server's own reply underneath.

use crate::i18n::{t, tf, use_lang};
use crate::model::check::{CheckReport, Fix, Side, StepResult};
use crate::model::Security;
use leptos::prelude::*;

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
                    {f.certificate.map(|c| view! {
                        <p class="muted">{t(lang, "report.certificate")}</p>
                        <dl class="settings certificate">
                            <dt>{t(lang, "report.certificate_subject")}</dt><dd>{c.subject}</dd>
                            <dt>{t(lang, "report.certificate_issuer")}</dt><dd>{c.issuer}</dd>
                            <dt>{t(lang, "report.certificate_valid")}</dt><dd>{format!("{} — {}", c.valid_from, c.valid_until)}</dd>
                            <dt>"SHA-256"</dt><dd class="fingerprint">{c.sha256}</dd>
                        </dl>
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
