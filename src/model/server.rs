//! A mail server as an administrator describes it: host, port and connection security.

use super::{FieldErrors, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// A host name (`smtp.example.com`, `smtp.почта.рф`) or an IP address. Kept in its ASCII form
/// (punycode, lower-cased), which DNS, TLS and SMTP get; no scheme, path or port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Host(String);

impl Host {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim().trim_end_matches('.');
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        if value.chars().any(char::is_control) {
            return Err(Invalid::LineBreak);
        }
        // People paste what their provider's help page shows: "smtps://smtp.x.ru:465".
        if value.contains("://") || value.contains('/') {
            return Err(Invalid::HostWithScheme);
        }
        let unbracketed = value.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(Self(ip.to_string()));
        }
        if value.contains(':') {
            return Err(Invalid::HostWithScheme);
        }
        let lower = super::idn::to_ascii(value)?;
        if lower.len() > 253 || !lower.split('.').all(is_label) {
            return Err(Invalid::HostFormat);
        }
        // "1.2.3" is not a name and not an address: refuse rather than let the resolver guess.
        if lower.split('.').next_back().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
            return Err(Invalid::HostFormat);
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as people read it: `почта.рф` for the stored `xn--80a1acny.xn--p1ai`.
    pub fn unicode(&self) -> String {
        super::idn::to_unicode(&self.0)
    }

    pub fn is_ip(&self) -> bool {
        self.0.parse::<IpAddr>().is_ok()
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A TCP port, 1–65535.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Port(u16);

impl Port {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        let number: u32 = value.parse().map_err(|_| Invalid::PortNotNumber)?;
        Self::new(number)
    }

    pub fn new(number: u32) -> Result<Self, Invalid> {
        match u16::try_from(number) {
            Ok(n) if n > 0 => Ok(Self(n)),
            _ => Err(Invalid::PortRange),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How the connection is protected. There is deliberately no "none" and no "opportunistic":
/// a mail password must never cross the network in clear text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Security {
    /// TLS from the first byte («SSL»): SMTP 465, IMAP 993, POP3 995.
    Ssl,
    /// Plain connection upgraded with STARTTLS / STLS, which must succeed: SMTP 587, IMAP 143, POP3 110.
    StartTls,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Ssl => "ssl",
            Security::StartTls => "starttls",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "ssl" => Ok(Security::Ssl),
            "starttls" => Ok(Security::StartTls),
            "" => Err(Invalid::Required),
            _ => Err(Invalid::UnknownChoice),
        }
    }

    /// The «Использовать SSL» checkbox of the «Почта» tab.
    pub fn from_use_ssl(use_ssl: bool) -> Self {
        if use_ssl {
            Security::Ssl
        } else {
            Security::StartTls
        }
    }
}

/// Which protocol a port belongs to, for the port/security coherence rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Protocol {
    Smtp,
    Imap,
    Pop3,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
        }
    }

    pub fn parse_incoming(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "imap" => Ok(Protocol::Imap),
            "pop3" => Ok(Protocol::Pop3),
            "" => Err(Invalid::Required),
            _ => Err(Invalid::UnknownChoice),
        }
    }

    /// The port a server of this protocol normally listens on with the given security.
    pub fn standard_port(self, security: Security) -> u16 {
        match (self, security) {
            (Protocol::Smtp, Security::Ssl) => 465,
            (Protocol::Smtp, Security::StartTls) => 587,
            (Protocol::Imap, Security::Ssl) => 993,
            (Protocol::Imap, Security::StartTls) => 143,
            (Protocol::Pop3, Security::Ssl) => 995,
            (Protocol::Pop3, Security::StartTls) => 110,
        }
    }

    /// The security a well-known port implies, if it implies one.
    pub fn security_of_standard_port(self, port: Port) -> Option<Security> {
        match (self, port.get()) {
            (Protocol::Smtp, 465) | (Protocol::Imap, 993) | (Protocol::Pop3, 995) => Some(Security::Ssl),
            (Protocol::Smtp, 25 | 587 | 2525) | (Protocol::Imap, 143) | (Protocol::Pop3, 110) => {
                Some(Security::StartTls)
            }
            _ => None,
        }
    }
}

/// Refuses a security setting that contradicts a well-known port (SSL on 587, STARTTLS on 465):
/// the connection would hang or fail with a cryptic TLS error, so it is explained at the field.
/// Non-standard ports are the administrator's call.
pub fn coherent_security(protocol: Protocol, port: Port, security: Security) -> Result<(), Invalid> {
    match protocol.security_of_standard_port(port) {
        Some(Security::StartTls) if security == Security::Ssl => Err(Invalid::SslOnStartTlsPort(port.get())),
        Some(Security::Ssl) if security == Security::StartTls => Err(Invalid::StartTlsOnSslPort(port.get())),
        _ => Ok(()),
    }
}

/// Where a mail server is and how to talk to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerAddress {
    pub host: Host,
    pub port: Port,
    pub security: Security,
}

impl ServerAddress {
    /// Parses a server typed into a form as `{prefix}_host`, `{prefix}_port` and a security
    /// choice; problems go to those fields (a port/security mismatch to `{prefix}_security`).
    pub fn parse_fields(
        errors: &mut FieldErrors,
        prefix: &str,
        protocol: Protocol,
        host: &str,
        port: &str,
        security: Result<Security, Invalid>,
    ) -> Option<Self> {
        let host = errors.check(&format!("{prefix}_host"), Host::parse(host));
        let port = errors.check(&format!("{prefix}_port"), Port::parse(port));
        let security = errors.check(&format!("{prefix}_security"), security);
        if let (Some(port), Some(security)) = (port, security) {
            errors.check(&format!("{prefix}_security"), coherent_security(protocol, port, security));
        }
        Some(Self { host: host?, port: port?, security: security? })
    }
}

/// A server together with the login an account uses there: the unit a password is sent to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerLogin {
    pub server: ServerAddress,
    pub login: String,
}

impl ServerLogin {
    /// The longest login accepted (an address is at most 254 characters).
    pub const LOGIN_MAX: u16 = 254;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_addresses_are_accepted() {
        assert_eq!(Host::parse(" SMTP.Yandex.ru. ").unwrap().as_str(), "smtp.yandex.ru");
        assert_eq!(Host::parse("localhost").unwrap().as_str(), "localhost");
        assert!(Host::parse("127.0.0.1").unwrap().is_ip());
        assert_eq!(Host::parse("[::1]").unwrap().as_str(), "::1");
        assert!(Host::parse("mail-1.example.com").is_ok());
    }

    #[test]
    fn a_url_or_a_port_in_the_host_field_is_explained() {
        assert_eq!(Host::parse("smtps://smtp.mail.ru"), Err(Invalid::HostWithScheme));
        assert_eq!(Host::parse("smtp.mail.ru:465"), Err(Invalid::HostWithScheme));
        assert_eq!(Host::parse("smtp.mail.ru/path"), Err(Invalid::HostWithScheme));
    }

    #[test]
    fn malformed_hosts_are_refused() {
        for bad in ["-a.com", "a-.com", "a..com", "a_b.com", "1.2.3", "smtp server.ru", "почта..рф", "☃\u{200d}.com"]
        {
            assert_eq!(Host::parse(bad), Err(Invalid::HostFormat), "{bad}");
        }
        // Internationalised names are names, kept in their ASCII form.
        assert_eq!(Host::parse("ñ.com").unwrap().as_str(), "xn--ida.com");
        assert_eq!(Host::parse("SMTP.Почта.РФ").unwrap().as_str(), "smtp.xn--80a1acny.xn--p1ai");
        assert_eq!(Host::parse("smtp.xn--80a1acny.xn--p1ai").unwrap().unicode(), "smtp.почта.рф");
        assert_eq!(Host::parse("smtp.pоchta.ru"), Err(Invalid::MixedScripts), "a Cyrillic «о»");
        assert_eq!(Host::parse(""), Err(Invalid::Required));
        assert_eq!(Host::parse("a\r\nb"), Err(Invalid::LineBreak));
    }

    #[test]
    fn ports_are_numbers_in_range() {
        assert_eq!(Port::parse(" 465 ").unwrap().get(), 465);
        assert_eq!(Port::parse("0"), Err(Invalid::PortRange));
        assert_eq!(Port::parse("65536"), Err(Invalid::PortRange));
        assert_eq!(Port::parse("4x"), Err(Invalid::PortNotNumber));
        assert_eq!(Port::parse("-1"), Err(Invalid::PortNotNumber));
        assert_eq!(Port::parse(""), Err(Invalid::Required));
    }

    #[test]
    fn security_must_match_a_well_known_port() {
        let p = |n| Port::new(n).unwrap();
        assert_eq!(coherent_security(Protocol::Smtp, p(465), Security::Ssl), Ok(()));
        assert_eq!(coherent_security(Protocol::Smtp, p(587), Security::StartTls), Ok(()));
        assert_eq!(coherent_security(Protocol::Smtp, p(587), Security::Ssl), Err(Invalid::SslOnStartTlsPort(587)));
        assert_eq!(coherent_security(Protocol::Smtp, p(465), Security::StartTls), Err(Invalid::StartTlsOnSslPort(465)));
        assert_eq!(coherent_security(Protocol::Imap, p(143), Security::Ssl), Err(Invalid::SslOnStartTlsPort(143)));
        assert_eq!(coherent_security(Protocol::Pop3, p(995), Security::StartTls), Err(Invalid::StartTlsOnSslPort(995)));
        // A port the administrator chose is theirs to decide.
        assert_eq!(coherent_security(Protocol::Smtp, p(10465), Security::StartTls), Ok(()));
        assert_eq!(coherent_security(Protocol::Smtp, p(10465), Security::Ssl), Ok(()));
    }

    #[test]
    fn standard_ports_follow_security() {
        assert_eq!(Protocol::Smtp.standard_port(Security::Ssl), 465);
        assert_eq!(Protocol::Imap.standard_port(Security::StartTls), 143);
        assert_eq!(Protocol::Pop3.standard_port(Security::Ssl), 995);
        assert_eq!(Security::from_use_ssl(false), Security::StartTls);
        assert_eq!(Security::parse("starttls"), Ok(Security::StartTls));
        assert_eq!(Security::parse("tls"), Err(Invalid::UnknownChoice));
    }
}
