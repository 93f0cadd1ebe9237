//! Finding connection settings from an e-mail address: the mail-service presets, then the
//! ISPDB-format provider files shipped with the app; and, when nothing is known, the
//! recommended defaults that suit most servers (smtp.<domain> 465 SSL, imap.<domain> 993 SSL,
//! the full address as login).

pub mod detect;
pub mod http;
pub mod ispdb;
pub mod probe;

use super::presets::Presets;
use crate::model::accounts::{Connection, ConnectionSource};
use crate::model::check::Method;
use crate::model::{EmailAddress, Host, Port, Protocol, Security, ServerAddress, ServerLogin};
use ispdb::{fill, ProviderConfig, ServerEntry, SocketType};
use std::collections::HashMap;
use std::sync::OnceLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/ispdb.rs"));
}

/// What was found for an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The method that found them; `None`: nothing was known, these are the recommended defaults.
    pub source: Option<Method>,
    /// The preset's id when a mail service was recognised.
    pub provider: Option<String>,
    pub smtp: Option<ServerLogin>,
    pub incoming: Option<(Protocol, ServerLogin)>,
}

impl Detected {
    /// Where the settings came from, as the form shows it.
    pub fn source(&self) -> ConnectionSource {
        self.source.map_or(ConnectionSource::Defaults, ConnectionSource::Found)
    }

    /// The settings as an account's connection (one password for both servers).
    pub fn into_connection(self) -> Connection {
        Connection { provider: self.provider, smtp: self.smtp, incoming: self.incoming, same_credentials: true }
    }
}

/// The shipped ISPDB files, parsed once, by domain.
pub(crate) fn ispdb_by_domain() -> &'static HashMap<String, ProviderConfig> {
    static INDEX: OnceLock<HashMap<String, ProviderConfig>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = HashMap::new();
        for (name, xml) in embedded::FILES {
            match ispdb::parse(xml) {
                Ok(config) => {
                    for domain in config.domains.clone() {
                        index.entry(domain).or_insert_with(|| config.clone());
                    }
                    index.entry(name.to_ascii_lowercase()).or_insert(config);
                }
                Err(e) => tracing::warn!(file = name, "unusable ISPDB file: {e}"),
            }
        }
        index
    })
}

pub fn shipped_files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}

fn security(socket: SocketType) -> Option<Security> {
    match socket {
        SocketType::Ssl => Some(Security::Ssl),
        SocketType::StartTls => Some(Security::StartTls),
        // Passwords never travel in clear text: such servers are not offered.
        SocketType::Plain => None,
    }
}

/// The best usable server of a kind: implicit TLS before STARTTLS, plain never.
fn best(entries: &[ServerEntry], kind: &str, address: &EmailAddress) -> Option<ServerLogin> {
    let mut usable: Vec<(&ServerEntry, Security)> =
        entries.iter().filter(|e| e.kind == kind).filter_map(|e| security(e.socket_type).map(|s| (e, s))).collect();
    usable.sort_by_key(|(_, s)| *s != Security::Ssl);
    usable.into_iter().find_map(|(e, s)| {
        Some(ServerLogin {
            server: ServerAddress {
                host: Host::parse(&fill(&e.host, address)).ok()?,
                port: Port::new(u32::from(e.port)).ok()?,
                security: s,
            },
            login: fill(&e.username, address),
        })
    })
}

pub(crate) fn from_config(
    config: &ProviderConfig,
    address: &EmailAddress,
) -> (Option<ServerLogin>, Option<(Protocol, ServerLogin)>) {
    let smtp = best(&config.outgoing, "smtp", address);
    let incoming = best(&config.incoming, "imap", address)
        .map(|f| (Protocol::Imap, f))
        .or_else(|| best(&config.incoming, "pop3", address).map(|f| (Protocol::Pop3, f)));
    (smtp, incoming)
}

/// The settings of a mail service's preset, for an address.
pub(crate) fn from_service(service: &crate::model::MailService, address: &EmailAddress) -> Option<Detected> {
    let found = |p: &Option<crate::model::ServerPreset>| {
        p.as_ref().and_then(|p| {
            Some(ServerLogin {
                server: ServerAddress {
                    host: Host::parse(&p.host).ok()?,
                    port: Port::new(u32::from(p.port)).ok()?,
                    security: p.security,
                },
                login: address.to_string(),
            })
        })
    };
    let smtp = found(&service.smtp);
    let incoming =
        found(&service.imap).map(|f| (Protocol::Imap, f)).or_else(|| found(&service.pop3).map(|f| (Protocol::Pop3, f)));
    (smtp.is_some() || incoming.is_some()).then_some(Detected {
        source: Some(Method::Preset),
        provider: Some(service.id.clone()),
        smtp,
        incoming,
    })
}

pub(crate) fn from_preset(presets: &Presets, address: &EmailAddress) -> Option<Detected> {
    from_service(presets.for_domain(address.domain())?, address)
}

/// Settings known without asking the network: presets first, then the shipped ISPDB files.
pub fn detect_known(presets: &Presets, address: &EmailAddress) -> Option<Detected> {
    if let Some(found) = from_preset(presets, address) {
        return Some(found);
    }
    let config = ispdb_by_domain().get(address.domain())?;
    let (smtp, incoming) = from_config(config, address);
    (smtp.is_some() || incoming.is_some()).then_some(Detected {
        source: Some(Method::Ispdb),
        provider: None,
        smtp,
        incoming,
    })
}

/// What «Далее» fills in for manual setup: the known settings, or the recommended defaults.
pub fn recommended(presets: &Presets, address: &EmailAddress) -> Detected {
    if let Some(known) = detect_known(presets, address) {
        return known;
    }
    let domain = address.domain();
    let server = |prefix: &str, port: u32| {
        Host::parse(&format!("{prefix}.{domain}")).ok().map(|host| ServerLogin {
            server: ServerAddress { host, port: Port::new(port).expect("a standard port"), security: Security::Ssl },
            login: address.to_string(),
        })
    };
    Detected {
        source: None,
        provider: None,
        smtp: server("smtp", 465),
        incoming: server("imap", 993).map(|f| (Protocol::Imap, f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(a: &str) -> EmailAddress {
        EmailAddress::parse(a).unwrap()
    }

    #[test]
    fn a_preset_domain_is_recognised_first() {
        let presets = Presets::load(None).unwrap();
        let found = detect_known(&presets, &address("ivan@yandex.ru")).unwrap();
        assert_eq!(found.source, Some(Method::Preset));
        assert_eq!(found.provider.as_deref(), Some("yandex"));
        assert_eq!(found.smtp.unwrap().server.host.as_str(), "smtp.yandex.ru");
        let (protocol, imap) = found.incoming.unwrap();
        assert_eq!((protocol, imap.server.port.get()), (Protocol::Imap, 993));
    }

    #[test]
    fn the_shipped_ispdb_files_answer_for_other_providers() {
        let presets = Presets::load(None).unwrap();
        let found = detect_known(&presets, &address("someone@gmx.net")).unwrap();
        assert_eq!(found.source, Some(Method::Ispdb));
        let smtp = found.smtp.unwrap();
        assert!(smtp.server.host.as_str().contains("gmx"), "{smtp:?}");
        assert_ne!(smtp.server.security, Security::StartTls, "implicit TLS preferred when offered");
    }

    #[test]
    fn unknown_domains_get_the_recommended_defaults() {
        let presets = Presets::load(None).unwrap();
        assert!(detect_known(&presets, &address("a@company-nobody-knows.example")).is_none());
        let defaults = recommended(&presets, &address("a@company-nobody-knows.example"));
        assert_eq!(defaults.source, None);
        let smtp = defaults.smtp.unwrap();
        assert_eq!(
            (smtp.server.host.as_str(), smtp.server.port.get(), smtp.server.security),
            ("smtp.company-nobody-knows.example", 465, Security::Ssl)
        );
        assert_eq!(smtp.login, "a@company-nobody-knows.example");
        let (protocol, imap) = defaults.incoming.unwrap();
        assert_eq!(
            (protocol, imap.server.host.as_str(), imap.server.port.get()),
            (Protocol::Imap, "imap.company-nobody-knows.example", 993)
        );
    }

    #[test]
    fn every_shipped_file_parses() {
        for (name, xml) in shipped_files() {
            ispdb::parse(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(shipped_files().len() >= 100);
    }
}
