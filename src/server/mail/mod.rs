//! Talking to mail servers: the egress guard, TLS, SMTP (lettre), IMAP (async-imap), POP3, the
//! table of failure explanations, and the check report every conversation fills in.

pub mod check;
pub mod egress;
pub mod explain;
pub mod imap;
pub mod letters;
pub mod login;
pub mod pop3;
pub mod public_address;
pub mod report;
pub mod smtp;
mod smtp_text;
pub mod tls;
pub mod web;
pub mod wire;

use crate::model::check::{Reason, Side, Step};
use crate::model::trusted_certificates::TrustedCertificate;
use crate::model::{ServerAddress, TenantId};
use egress::{Egress, Refusal, Vetted};
use report::{Recorder, StepFailure};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use wire::{AckAtOnce, Capped, ReadLimits};

/// A connection as the egress guard hands it over.
pub type Wire = Capped<TcpStream>;

/// What every mail conversation needs; built once at start from the operator's configuration,
/// then given the tenant a conversation is for (its connections count against that tenant).
#[derive(Clone)]
pub struct MailContext {
    pub egress: Arc<Egress>,
    pub tls: Arc<tls::TlsTrust>,
    pub step_timeout: Duration,
    pub total_timeout: Duration,
    pub tenant: Option<TenantId>,
    /// The tenant's «Доверенные сертификаты» (see `server::trusted_certificates::mail_for`).
    pub trusted: Arc<[TrustedCertificate]>,
}

impl MailContext {
    /// The same, with connections counted against `tenant`.
    pub fn for_tenant(&self, tenant: TenantId) -> MailContext {
        MailContext { tenant: Some(tenant), trusted: Arc::from([]), ..self.clone() }
    }

    /// The same, also trusting these certificates (the tenant's).
    pub fn trusting(self, trusted: Vec<TrustedCertificate>) -> MailContext {
        MailContext { trusted: Arc::from(trusted), ..self }
    }

    /// The certificate the tenant trusts for `host:port`, if any.
    fn trusted_for(&self, host: &str, port: u16) -> Option<&TrustedCertificate> {
        self.trusted.iter().find(|t| t.host.as_str() == host && t.port.get() == port)
    }

    /// TLS on a connected socket, as `tls::TlsTrust::wrap` with the tenant's trust for the server;
    /// what the server sends next is acknowledged at once (see [`AckAtOnce`]).
    pub async fn wrap_tls<S>(&self, tcp: S, host: &str, port: u16) -> Result<TlsStream<S>, tls::TlsError>
    where
        S: AsyncRead + AsyncWrite + Unpin + AckAtOnce,
    {
        let tls = self.tls.wrap(tcp, host, port, self.trusted_for(host, port)).await?;
        tls.get_ref().0.ack_at_once();
        Ok(tls)
    }

    /// The check after lettre's STARTTLS, as `tls::TlsTrust::verify_chain` with the tenant's
    /// trust for the server.
    pub fn verify_chain(&self, chain: &[Vec<u8>], host: &str, port: u16) -> Result<String, tls::TlsError> {
        self.tls.verify_chain(chain, host, port, self.trusted_for(host, port))
    }

    /// Connects to a vetted server for this context's tenant.
    pub async fn open(
        &self,
        vetted: &Vetted,
        timeout: Duration,
        limits: ReadLimits,
    ) -> Result<(Wire, SocketAddr), Refusal> {
        self.egress.connect(vetted, timeout, limits, self.tenant).await
    }
}

/// The first two steps of every conversation: resolve through the egress guard, connect to the
/// address it checked.
pub async fn connect(
    ctx: &MailContext,
    server: &ServerAddress,
    side: Side,
    limits: ReadLimits,
    rec: &mut Recorder,
) -> Result<(Wire, Vetted, SocketAddr), StepFailure> {
    let vetted = rec
        .run(side, Step::Resolve, ctx.egress.vet(&server.host, server.port, ctx.tenant), refusal, |v| {
            v.addresses.first().map(|a| a.ip().to_string())
        })
        .await?;
    let (tcp, address) = rec
        .run(side, Step::Connect, ctx.open(&vetted, rec.step_timeout(), limits), refusal, |(_, a)| Some(a.to_string()))
        .await?;
    Ok((tcp, vetted, address))
}

/// The TLS step: the handshake on a connected socket, verified against the host name. What is
/// read inside is held to the same limits as the socket.
pub async fn start_tls<S>(
    ctx: &MailContext,
    tcp: Capped<S>,
    server: &ServerAddress,
    side: Side,
    rec: &mut Recorder,
) -> Result<Capped<TlsStream<Capped<S>>>, StepFailure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + AckAtOnce,
{
    let limits = tcp.limits();
    let (host, port) = (server.host.as_str(), server.port.get());
    let handshake = ctx.wrap_tls(tcp, host, port);
    let tls = rec.run(side, Step::Tls, handshake, |e| tls_failure(&e), |s| Some(tls::describe(s))).await?;
    rec.saw_certificate(tls::peer_expires_at(&tls));
    Ok(Capped::new(tls, limits, Vec::new()))
}

/// A greeting that never came on a plain connection: a TLS-only port if it answers TLS.
pub async fn silent_greeting(
    ctx: &MailContext,
    vetted: &Vetted,
    server: &ServerAddress,
    failure: StepFailure,
) -> StepFailure {
    if failure.reason == Reason::Timeout && speaks_tls(ctx, vetted, server).await {
        StepFailure::new(Reason::StartTlsOnSslPort)
    } else {
        failure
    }
}

pub fn refusal(refusal: Refusal) -> StepFailure {
    StepFailure::new(match refusal {
        Refusal::NotFound => Reason::HostNotFound,
        Refusal::Blocked | Refusal::Unreachable => Reason::Unreachable,
        Refusal::Timeout => Reason::Timeout,
        Refusal::TooMany => Reason::TooManyConnections,
    })
}

pub fn tls_failure(error: &(dyn std::error::Error + 'static)) -> StepFailure {
    if wire::is_overlong(error) {
        return StepFailure::new(Reason::ReplyTooLong);
    }
    let (text, certificate) = match error.downcast_ref::<tls::TlsError>() {
        Some(tls_error) => (tls_error.to_string(), tls_error.details.clone()),
        None => (tls::describe_failure(error), None),
    };
    StepFailure { certificate, ..StepFailure::with_reply(tls::classify(error), text) }
}

/// For a security setting that contradicts what the server speaks on its port, the fix: the
/// other mode on the same port (the server showed it speaks that one).
pub fn with_fix(mut failure: StepFailure, server: &ServerAddress) -> StepFailure {
    failure.fix = match failure.reason {
        Reason::SslOnStartTlsPort => {
            Some(crate::model::check::Fix { port: server.port.get(), security: crate::model::Security::StartTls })
        }
        Reason::StartTlsOnSslPort => {
            Some(crate::model::check::Fix { port: server.port.get(), security: crate::model::Security::Ssl })
        }
        _ => None,
    };
    failure
}

/// Whether a server that stayed silent on a plain connection answers a TLS handshake instead:
/// the sign that STARTTLS was chosen for an implicit-TLS port.
pub async fn speaks_tls(ctx: &MailContext, vetted: &Vetted, server: &ServerAddress) -> bool {
    let probe_timeout = ctx.step_timeout.min(Duration::from_secs(3));
    let Ok((tcp, _)) = ctx.open(vetted, probe_timeout, ReadLimits::SHORT_ANSWERS).await else { return false };
    match tokio::time::timeout(probe_timeout, ctx.wrap_tls(tcp, server.host.as_str(), server.port.get())).await {
        Ok(Ok(_)) => true,
        // A certificate problem still proves the port speaks TLS.
        Ok(Err(e)) => matches!(
            tls::classify(&e),
            Reason::CertificateUntrusted
                | Reason::CertificateExpired
                | Reason::CertificateWrongHost
                | Reason::CertificateChanged
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
