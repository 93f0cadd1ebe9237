//! DNS for every look-up Pochta makes: detection (MX and SRV records) and every host name the
//! egress guard resolves. Asynchronous and cancellable (hickory), so a name server that never
//! answers costs a time-out, never a thread. The system's configuration (`/etc/resolv.conf`,
//! `/etc/hosts`) by default; tests and operators may name one DNS server instead.

use super::mail::egress::Resolver;
use futures::future::BoxFuture;
use hickory_resolver::config::{NameServerConfigGroup, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::system_conf::parse_resolv_conf;
use hickory_resolver::TokioResolver;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
}

/// An SRV record: where a service of a domain lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub priority: u16,
    pub weight: u16,
    pub host: String,
    pub port: u16,
}

fn options() -> ResolverOpts {
    let mut options = ResolverOpts::default();
    options.timeout = Duration::from_secs(2);
    options.attempts = 1;
    options
}

impl Dns {
    /// The resolvers of a resolv.conf file (the system's is `/etc/resolv.conf`), with the
    /// hosts file; when the file is unreadable, a name server on this machine.
    pub fn system(resolv_conf: &Path) -> Self {
        let parsed = std::fs::read(resolv_conf).ok().and_then(|text| parse_resolv_conf(text).ok());
        let config = parsed.map_or_else(
            || {
                tracing::warn!(file = %resolv_conf.display(), "no usable resolver configuration; asking 127.0.0.1");
                let group = NameServerConfigGroup::from_ips_clear(&[IpAddr::from([127, 0, 0, 1])], 53, true);
                ResolverConfig::from_parts(None, vec![], group)
            },
            |(config, _)| config,
        );
        let mut opts = options();
        opts.use_hosts_file = ResolveHosts::Always;
        let resolver =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default()).with_options(opts).build();
        Self { resolver }
    }

    /// One DNS server (for tests, or an operator's own resolver).
    pub fn at(server: SocketAddr) -> Self {
        let group = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
        let config = ResolverConfig::from_parts(None, vec![], group);
        let mut opts = options();
        opts.use_hosts_file = ResolveHosts::Never;
        let resolver =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default()).with_options(opts).build();
        Self { resolver }
    }

    /// Mail exchangers of a domain, most preferred first (lowercase, without the final dot).
    pub async fn mx(&self, domain: &str) -> Vec<String> {
        let Ok(lookup) = self.resolver.mx_lookup(format!("{domain}.")).await else { return Vec::new() };
        let mut records: Vec<(u16, String)> = lookup
            .iter()
            .map(|mx| (mx.preference(), mx.exchange().to_ascii().trim_end_matches('.').to_ascii_lowercase()))
            .collect();
        records.sort();
        records.into_iter().map(|(_, host)| host).filter(|h| !h.is_empty()).collect()
    }

    /// SRV records of a name such as `_submissions._tcp.example.com`, best first; a target of
    /// "." (service not offered) is left out.
    pub async fn srv(&self, name: &str) -> Vec<Service> {
        let Ok(lookup) = self.resolver.srv_lookup(format!("{name}.")).await else { return Vec::new() };
        let mut records: Vec<Service> = lookup
            .iter()
            .map(|r| Service {
                priority: r.priority(),
                weight: r.weight(),
                host: r.target().to_ascii().trim_end_matches('.').to_ascii_lowercase(),
                port: r.port(),
            })
            .filter(|s| !s.host.is_empty() && s.port != 0)
            .collect();
        records.sort_by_key(|s| (s.priority, std::cmp::Reverse(s.weight)));
        records
    }
}

impl Resolver for Dns {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let lookup = self
                .resolver
                .lookup_ip(format!("{host}."))
                .await
                .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e.to_string()))?;
            Ok(lookup.iter().collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_hosts_file_answers_before_any_name_server() {
        // A resolv.conf naming a server that does not exist: /etc/hosts still knows localhost.
        let conf = std::env::temp_dir().join(format!("pochta-resolv-{}.conf", std::process::id()));
        std::fs::write(&conf, "nameserver 127.0.0.9\n").unwrap();
        let dns = Dns::system(&conf);
        let addresses = dns.resolve("localhost").await.unwrap();
        assert!(addresses.iter().any(|a| a.is_loopback()), "{addresses:?}");
        let _ = std::fs::remove_file(conf);
    }
}
