//! «Доверенные сертификаты»: a company mail server's own (self-signed) certificate that an
//! administrator chose to trust for one host and port in their tenant, by its SHA-256
//! fingerprint, as Thunderbird's certificate exception does. Any other certificate at that host
//! and port is still verified as usual, and refused as «изменился» if it is not valid either.

use super::error::{valid, AppError};
use super::time_zone::Moment;
use super::{FieldErrors, Host, Invalid, Port};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A SHA-256 certificate fingerprint, kept as `AB:CD:…` (32 pairs, upper case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Accepts the pairs with or without colons or spaces, in either case.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let hex: String = raw.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
        if hex.is_empty() {
            return Err(Invalid::Required);
        }
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Invalid::FingerprintFormat);
        }
        Ok(Self::of_hex(&hex.to_ascii_uppercase()))
    }

    /// The fingerprint of raw digest bytes.
    pub fn of_digest(digest: &[u8]) -> Self {
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        Self::of_hex(&hex)
    }

    fn of_hex(hex: &str) -> Self {
        let pairs: Vec<&str> =
            hex.as_bytes().chunks(2).map(|pair| std::str::from_utf8(pair).unwrap_or_default()).collect();
        Self(pairs.join(":"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, &'static str> {
        Self::parse(&raw).map_err(|_| "not a SHA-256 fingerprint")
    }
}

impl From<Fingerprint> for String {
    fn from(fingerprint: Fingerprint) -> String {
        fingerprint.0
    }
}

/// One trusted certificate: what the TLS step compares with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedCertificate {
    pub host: Host,
    pub port: Port,
    pub sha256: Fingerprint,
    /// The administrator also accepted that the certificate names another server.
    pub any_name: bool,
}

/// «Доверять этому сертификату», as a check report posts it. The report sits inside the form of
/// its page, so the names carry a prefix no form field of those pages has.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrustInput {
    #[serde(rename = "certificate_host")]
    pub host: String,
    #[serde(rename = "certificate_port")]
    pub port: String,
    #[serde(rename = "certificate_sha256")]
    pub sha256: String,
    /// Sent only by the button that says the certificate names another server: the
    /// administrator accepts that too.
    #[serde(rename = "certificate_any_name", default)]
    pub any_name: Option<String>,
    /// The report's `CertificateView::proof`.
    #[serde(rename = "certificate_proof", default)]
    pub proof: String,
}

impl TrustInput {
    /// Parsed, or the problem of each field.
    pub fn parse(&self) -> Result<TrustedCertificate, AppError> {
        let mut errors = FieldErrors::new();
        let host = errors.check("certificate_host", Host::parse(&self.host));
        let port = errors.check("certificate_port", Port::parse(&self.port));
        let sha256 = errors.check("certificate_sha256", Fingerprint::parse(&self.sha256));
        let trusted = (|| {
            Some(TrustedCertificate { host: host?, port: port?, sha256: sha256?, any_name: self.any_name.is_some() })
        })();
        valid(errors, trusted)
    }
}

/// A trusted certificate as «Настройки программы» lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrustedView {
    /// The host in Unicode, as people read it.
    pub host: String,
    /// The stored (ASCII) host, for removing it.
    pub host_ascii: String,
    pub port: u16,
    pub sha256: Fingerprint,
    pub any_name: bool,
    pub trusted_at: Moment,
    pub trusted_by: Option<String>,
}

/// «Больше не доверять», as the form posts it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ForgetInput {
    pub host: String,
    pub port: String,
}

impl ForgetInput {
    /// The server whose trusted certificate is to be forgotten, or the problem of each field.
    pub fn parse(&self) -> Result<(Host, Port), AppError> {
        let mut errors = FieldErrors::new();
        let host = errors.check("host", Host::parse(&self.host));
        let port = errors.check("port", Port::parse(&self.port));
        valid(errors, host.zip(port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_read_as_people_copy_them() {
        let plain = "ab".repeat(32);
        let parsed = Fingerprint::parse(&plain).unwrap();
        assert_eq!(parsed.as_str(), ["AB"; 32].join(":"));
        assert_eq!(Fingerprint::parse(&parsed.as_str().to_lowercase()).unwrap(), parsed);
        assert_eq!(Fingerprint::parse(&["ab"; 32].join(" ")).unwrap(), parsed);
        assert_eq!(Fingerprint::of_digest(&[0xAB; 32]), parsed);
        assert_eq!(Fingerprint::parse(""), Err(Invalid::Required));
        assert_eq!(Fingerprint::parse(&"ab".repeat(20)), Err(Invalid::FingerprintFormat), "SHA-1 length");
        assert_eq!(Fingerprint::parse(&"zz".repeat(32)), Err(Invalid::FingerprintFormat));
    }

    #[test]
    fn a_trust_request_is_checked_field_by_field() {
        let input = TrustInput {
            host: "почта.рф".into(),
            port: "465".into(),
            sha256: "AB".repeat(32),
            ..TrustInput::default()
        };
        let trusted = input.parse().unwrap();
        assert_eq!(trusted.host.as_str(), "xn--80a1acny.xn--p1ai");
        assert!(!trusted.any_name);
        let bad = TrustInput { host: "a b".into(), port: "0".into(), sha256: "x".into(), ..TrustInput::default() };
        let Err(AppError::Invalid(errors)) = bad.parse() else { panic!("refused") };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["certificate_host", "certificate_port", "certificate_sha256"]);
    }
}
