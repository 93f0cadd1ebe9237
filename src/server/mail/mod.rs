//! Talking to mail servers: the egress guard, TLS, SMTP (lettre), IMAP (async-imap), POP3, the
//! table of failure explanations, and the check report every conversation fills in.

pub mod egress;
pub mod explain;
pub mod letters;
pub mod report;
pub mod smtp;
pub mod tls;

use crate::mail_check::Reason;
use egress::{Egress, Vetted};
use report::StepFailure;
use std::sync::Arc;
use std::time::Duration;

/// What every mail conversation needs; built once at start from the operator's configuration.
#[derive(Clone)]
pub struct MailContext {
    pub egress: Arc<Egress>,
    pub tls: Arc<tls::TlsTrust>,
    pub step_timeout: Duration,
    pub total_timeout: Duration,
}

/// Whether a server that stayed silent on a plain connection answers a TLS handshake instead:
/// the sign that STARTTLS was chosen for an implicit-TLS port.
pub async fn speaks_tls(ctx: &MailContext, vetted: &Vetted, host: &str) -> bool {
    let probe_timeout = ctx.step_timeout.min(Duration::from_secs(3));
    let Ok((tcp, _)) = ctx.egress.connect(vetted, probe_timeout).await else { return false };
    match tokio::time::timeout(probe_timeout, ctx.tls.wrap(tcp, host)).await {
        Ok(Ok(_)) => true,
        // A certificate problem still proves the port speaks TLS.
        Ok(Err(e)) => matches!(
            tls::classify(&e),
            Reason::CertificateUntrusted | Reason::CertificateExpired | Reason::CertificateWrongHost
        ),
        Err(_) => false,
    }
}

/// Something on our side that should not fail (an address lettre refuses after our parser
/// accepted it): logged, and shown as a refusal by the server rather than a crash.
pub fn internal_failure(context: &str, error: impl std::fmt::Display) -> StepFailure {
    tracing::error!(%error, "mail: {context}");
    StepFailure::new(Reason::ServerRejected)
}
