//! TLS for mail connections: the system's trusted authorities plus the operator's CA file,
//! certificates always verified against the host name the user typed (never the IP connected
//! to), and TLS failures sorted into reasons a person can act on.

use crate::mail_check::Reason;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use std::error::Error as StdError;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

pub struct TlsTrust {
    config: Arc<ClientConfig>,
    /// The operator's extra authorities, also handed to lettre for STARTTLS.
    extra_roots: Vec<CertificateDer<'static>>,
}

impl TlsTrust {
    pub fn load(ca_file: Option<&Path>) -> Result<Self, String> {
        let mut roots = RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        let mut extra_roots = Vec::new();
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert = cert.map_err(|e| format!("bad certificate in {}: {e}", path.display()))?;
                roots.add(cert.clone()).map_err(|e| format!("unusable certificate in {}: {e}", path.display()))?;
                extra_roots.push(cert);
            }
            if extra_roots.is_empty() {
                return Err(format!("no certificate found in {}", path.display()));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self { config: Arc::new(config), extra_roots })
    }

    /// Starts TLS on a connected socket, verifying the certificate against `host`.
    pub async fn wrap(&self, tcp: TcpStream, host: &str) -> Result<TlsStream<TcpStream>, std::io::Error> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        TlsConnector::from(self.config.clone()).connect(name, tcp).await
    }

    /// The same trust for lettre's STARTTLS upgrade.
    pub fn lettre_parameters(&self, host: &str) -> Result<lettre::transport::smtp::client::TlsParameters, lettre::transport::smtp::Error> {
        use lettre::transport::smtp::client::{Certificate, TlsParameters};
        let mut builder = TlsParameters::builder(host.to_string());
        for der in &self.extra_roots {
            builder = builder.add_root_certificate(Certificate::from_der(der.to_vec())?);
        }
        builder.build_rustls()
    }
}

/// The protocol version and cipher of an established connection, for the report.
pub fn describe(stream: &TlsStream<TcpStream>) -> String {
    let (_, session) = stream.get_ref();
    let version = session.protocol_version().map(|v| format!("{v:?}").replace("TLSv1_", "TLS 1.")).unwrap_or_default();
    let suite = session.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite())).unwrap_or_default();
    format!("{version} {suite}").trim().to_string()
}

/// Finds the rustls error in an error chain (tokio-rustls and lettre wrap it in io::Error).
fn rustls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current: Option<&'a (dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(r) = inner.downcast_ref::<rustls::Error>() {
                    return Some(r);
                }
            }
        }
        current = e.source();
    }
    None
}

/// Why a TLS handshake failed, in terms of what the user can do about it.
pub fn classify(error: &(dyn StdError + 'static)) -> Reason {
    use rustls::CertificateError as C;
    match rustls_error(error) {
        Some(rustls::Error::InvalidCertificate(cert)) => match cert {
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => Reason::CertificateExpired,
            C::NotValidForName | C::NotValidForNameContext { .. } => Reason::CertificateWrongHost,
            _ => Reason::CertificateUntrusted,
        },
        // The server answered in plain text where a TLS record was expected: a plain-text port.
        Some(rustls::Error::InvalidMessage(_)) | Some(rustls::Error::InappropriateMessage { .. }) => Reason::SslOnStartTlsPort,
        Some(_) => Reason::TlsFailed,
        None => {
            let text = error.to_string().to_ascii_lowercase();
            if text.contains("corrupt message") || text.contains("invalid content type") {
                Reason::SslOnStartTlsPort
            } else if text.contains("unexpected eof") || text.contains("connection reset") || text.contains("broken pipe") {
                Reason::ConnectionDropped
            } else {
                Reason::TlsFailed
            }
        }
    }
}

/// A short, user-readable version of a TLS failure to keep under the explanation.
pub fn describe_failure(error: &(dyn StdError + 'static)) -> String {
    match rustls_error(error) {
        Some(e) => e.to_string(),
        None => error.to_string(),
    }
}
