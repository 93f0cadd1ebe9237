//! TLS for mail connections: the system's trusted authorities plus the operator's CA file,
//! certificates always verified against the host name the user typed (never the IP connected
//! to), and TLS failures sorted into reasons a person can act on.

use crate::model::check::{CertificateView, Reason};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::error::Error as StdError;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

pub struct TlsTrust {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    /// The operator's extra authorities, also handed to lettre for STARTTLS.
    extra_roots: Vec<CertificateDer<'static>>,
}

/// A failed handshake, with the certificate the server presented (if it got that far).
#[derive(Debug)]
pub struct TlsError {
    pub error: std::io::Error,
    pub certificate: Option<String>,
    /// The same certificate, for a person to compare.
    pub details: Option<Box<CertificateView>>,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.certificate {
            Some(certificate) => write!(f, "{}; {certificate}", describe_failure(&self.error)),
            None => write!(f, "{}", describe_failure(&self.error)),
        }
    }
}

impl StdError for TlsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.error)
    }
}

/// The standard verification, remembering which certificate it was shown, so a refusal can say
/// whose certificate it was.
#[derive(Debug)]
struct Remembering {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Option<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Remembering {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.clone().into_owned());
        }
        self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Subject, issuer, validity and SHA-256 fingerprint of a DER certificate.
pub fn certificate_view(der: &[u8]) -> Option<CertificateView> {
    use sha2::{Digest, Sha256};
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let day = |t: x509_parser::time::ASN1Time| {
        let d = t.to_datetime();
        format!("{:02}.{:02}.{:04}", d.day(), u8::from(d.month()), d.year())
    };
    let sha256 = Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
    Some(CertificateView {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        valid_from: day(cert.validity().not_before),
        valid_until: day(cert.validity().not_after),
        sha256,
    })
}

/// `CN=mail.example.com, issued by CN=R11, valid until 2027-01-31` from a DER certificate.
pub fn certificate_summary(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let until = cert.validity().not_after.to_rfc2822().unwrap_or_default();
    Some(format!("{}, issued by {}, valid until {until}", cert.subject(), cert.issuer()))
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
        Ok(Self { roots: Arc::new(roots), provider, extra_roots })
    }

    /// Starts TLS on a connected socket, verifying the certificate against `host`.
    pub async fn wrap<S>(&self, tcp: S, host: &str) -> Result<TlsStream<S>, TlsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let fail = |error: std::io::Error| TlsError { error, certificate: None, details: None };
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| fail(std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())))?;
        let inner = WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone())
            .build()
            .map_err(|e| fail(std::io::Error::other(e.to_string())))?;
        let verifier = Arc::new(Remembering { inner, seen: Mutex::new(None) });
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| fail(std::io::Error::other(e.to_string())))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|error| {
            let seen = verifier.seen.lock().ok().and_then(|seen| seen.clone());
            let certificate = seen.as_ref().and_then(|der| certificate_summary(der));
            let details = seen.as_ref().and_then(|der| certificate_view(der)).map(Box::new);
            TlsError { error, certificate, details }
        })
    }

    /// The same trust for lettre's STARTTLS upgrade.
    pub fn lettre_parameters(
        &self,
        host: &str,
    ) -> Result<lettre::transport::smtp::client::TlsParameters, lettre::transport::smtp::Error> {
        use lettre::transport::smtp::client::{Certificate, TlsParameters};
        let mut builder = TlsParameters::builder(host.to_string());
        for der in &self.extra_roots {
            builder = builder.add_root_certificate(Certificate::from_der(der.to_vec())?);
        }
        builder.build_rustls()
    }
}

/// The protocol version and the server's certificate of an established connection.
pub fn describe<S>(stream: &TlsStream<S>) -> String {
    let (_, session) = stream.get_ref();
    let version = session.protocol_version().map(|v| format!("{v:?}").replace("TLSv1_", "TLS 1.")).unwrap_or_default();
    let certificate =
        session.peer_certificates().and_then(|chain| chain.first()).and_then(|der| certificate_summary(der));
    match certificate {
        Some(certificate) => format!("{version} · {certificate}"),
        None => version,
    }
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
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
                Reason::CertificateExpired
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => Reason::CertificateWrongHost,
            _ => Reason::CertificateUntrusted,
        },
        // The server answered in plain text where a TLS record was expected: a plain-text port.
        Some(rustls::Error::InvalidMessage(_)) | Some(rustls::Error::InappropriateMessage { .. }) => {
            Reason::SslOnStartTlsPort
        }
        Some(_) => Reason::TlsFailed,
        None => {
            let text = error.to_string().to_ascii_lowercase();
            if text.contains("corrupt message") || text.contains("invalid content type") {
                Reason::SslOnStartTlsPort
            } else if text.contains("unexpected eof")
                || text.contains("connection reset")
                || text.contains("broken pipe")
            {
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
