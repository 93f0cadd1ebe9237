//! TLS for mail connections: the system's trusted authorities plus the operator's CA file,
//! certificates always verified against the host name the user typed (never the IP connected
//! to), the one certificate a tenant's administrator trusted for a host and port
//! («Доверенные сертификаты») accepted there by its fingerprint, STARTTLS through lettre held to
//! the same rules, and TLS failures sorted into reasons a person can act on.

use crate::model::check::{CertificateView, Reason};
use crate::model::trusted_certificates::{Fingerprint, TrustedCertificate};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
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

/// The standard verification, then the tenant's trusted certificate for this host and port (if
/// any), remembering which certificate it was shown, so a refusal can say whose it was.
#[derive(Debug)]
struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    trusted: Option<TrustedCertificate>,
    seen: Mutex<Option<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Verifier {
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
        let verdict = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        let (Err(refusal), Some(trusted)) = (&verdict, &self.trusted) else { return verdict };
        if fingerprint(end_entity) != trusted.sha256 {
            return Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure));
        }
        if trusted.any_name || names_host(end_entity, server_name) {
            return Ok(ServerCertVerified::assertion());
        }
        Err(match refusal {
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => refusal.clone(),
            _ => rustls::Error::InvalidCertificate(CertificateError::NotValidForName),
        })
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

impl Verifier {
    /// A refused handshake, with the certificate it was shown described for a person.
    fn refusal(&self, error: std::io::Error, host: &str, port: u16) -> TlsError {
        let seen = self.seen.lock().ok().and_then(|seen| seen.clone());
        let certificate = seen.as_ref().and_then(|der| certificate_summary(der));
        let changed = classify(&error) == Reason::CertificateChanged;
        let details = seen.as_ref().and_then(|der| certificate_view(der, host, port)).map(|mut view| {
            if changed {
                view.trusted_sha256 = self.trusted.as_ref().map(|t| t.sha256.to_string());
            }
            Box::new(view)
        });
        TlsError { error, certificate, details }
    }
}

/// The SHA-256 fingerprint of a DER certificate.
pub fn fingerprint(der: &[u8]) -> Fingerprint {
    use sha2::{Digest, Sha256};
    Fingerprint::of_digest(&Sha256::digest(der))
}

/// Whether the certificate names the host (its subject alternative names, as TLS checks them).
fn names_host(der: &CertificateDer<'_>, server_name: &ServerName<'_>) -> bool {
    ParsedCertificate::try_from(der).is_ok_and(|cert| rustls::client::verify_server_name(&cert, server_name).is_ok())
}

/// Subject, issuer, validity and SHA-256 fingerprint of a DER certificate shown by `host:port`.
pub fn certificate_view(der: &[u8], host: &str, port: u16) -> Option<CertificateView> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let day = |t: x509_parser::time::ASN1Time| {
        let d = t.to_datetime();
        format!("{:02}.{:02}.{:04}", d.day(), u8::from(d.month()), d.year())
    };
    let names_host = ServerName::try_from(host).is_ok_and(|name| names_host(&CertificateDer::from(der), &name));
    Some(CertificateView {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        valid_from: day(cert.validity().not_before),
        valid_until: day(cert.validity().not_after),
        sha256: fingerprint(der).to_string(),
        host: host.to_string(),
        host_shown: crate::model::Host::parse(host).map(|h| h.unicode()).unwrap_or_else(|_| host.to_string()),
        port,
        names_host,
        trusted_sha256: None,
        proof: String::new(),
    })
}

/// When a DER certificate stops being valid (Unix ms).
pub fn expires_at(der: &[u8]) -> Option<i64> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(cert.validity().not_after.timestamp().saturating_mul(1000))
}

/// When the server certificate of an established connection stops being valid (Unix ms).
pub fn peer_expires_at<S>(stream: &TlsStream<S>) -> Option<i64> {
    stream.get_ref().1.peer_certificates().and_then(|chain| chain.first()).and_then(|der| expires_at(der))
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
        let mut added = 0;
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {}: {e}", path.display()))?;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert = cert.map_err(|e| format!("bad certificate in {}: {e}", path.display()))?;
                roots.add(cert).map_err(|e| format!("unusable certificate in {}: {e}", path.display()))?;
                added += 1;
            }
            if added == 0 {
                return Err(format!("no certificate found in {}", path.display()));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(Self { roots: Arc::new(roots), provider })
    }

    /// The name to verify against and the verifier for one connection to `host`.
    fn verifier(
        &self,
        host: &str,
        trusted: Option<&TrustedCertificate>,
    ) -> Result<(ServerName<'static>, Arc<Verifier>), TlsError> {
        let fail = |error: std::io::Error| TlsError { error, certificate: None, details: None };
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| fail(std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())))?;
        let inner = WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone())
            .build()
            .map_err(|e| fail(std::io::Error::other(e.to_string())))?;
        Ok((name, Arc::new(Verifier { inner, trusted: trusted.cloned(), seen: Mutex::new(None) })))
    }

    /// Starts TLS on a connected socket, verifying the certificate against `host`, or against
    /// the certificate the tenant trusts for `host:port`.
    pub async fn wrap<S>(
        &self,
        tcp: S,
        host: &str,
        port: u16,
        trusted: Option<&TrustedCertificate>,
    ) -> Result<TlsStream<S>, TlsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let (name, verifier) = self.verifier(host, trusted)?;
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError { error: std::io::Error::other(e.to_string()), certificate: None, details: None })?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|error| verifier.refusal(error, host, port))
    }

    /// For lettre's STARTTLS upgrade: the handshake itself checks only that the server holds the
    /// key of the certificate it shows (lettre still verifies the handshake signatures); whether
    /// that certificate is to be trusted is decided by [`TlsTrust::verify_chain`] right after,
    /// before anything but EHLO is sent. So STARTTLS follows exactly the rules of implicit TLS,
    /// trusted certificates included, and its refusals show the certificate too.
    pub fn lettre_parameters(
        &self,
        host: &str,
    ) -> Result<lettre::transport::smtp::client::TlsParameters, lettre::transport::smtp::Error> {
        use lettre::transport::smtp::client::{CertificateStore, TlsParameters};
        TlsParameters::builder(host.to_string())
            .certificate_store(CertificateStore::None)
            .dangerous_accept_invalid_certs(true)
            .dangerous_accept_invalid_hostnames(true)
            .build_rustls()
    }

    /// Verifies a certificate chain a finished handshake was shown (end entity first), as
    /// [`TlsTrust::wrap`] does during its handshake. Gives the certificate's summary.
    pub fn verify_chain(
        &self,
        chain: &[Vec<u8>],
        host: &str,
        port: u16,
        trusted: Option<&TrustedCertificate>,
    ) -> Result<String, TlsError> {
        let (name, verifier) = self.verifier(host, trusted)?;
        let chain: Vec<CertificateDer<'_>> = chain.iter().map(|der| CertificateDer::from(der.as_slice())).collect();
        let verdict = match chain.split_first() {
            Some((end_entity, intermediates)) => {
                verifier.verify_server_cert(end_entity, intermediates, &name, &[], UnixTime::now())
            }
            None => Err(rustls::Error::NoCertificatesPresented),
        };
        match verdict {
            Ok(_) => Ok(chain.first().and_then(|der| certificate_summary(der)).unwrap_or_default()),
            Err(error) => {
                Err(verifier.refusal(std::io::Error::new(std::io::ErrorKind::InvalidData, error), host, port))
            }
        }
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
            // Only `Verifier` says this: not the certificate the administrator trusted.
            C::ApplicationVerificationFailure => Reason::CertificateChanged,
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
