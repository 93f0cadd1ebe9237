//! The egress guard: the only way Pochta opens a connection to a host a user typed. It resolves
//! the name, refuses addresses that are not on the public internet (unless the operator
//! allow-listed that `host:port`), and connects to the address it checked — never resolving
//! again, so DNS cannot swap in an internal address between the check and the connection.

use super::public_address::is_public;
use super::wire::{Capped, ReadLimits};
use crate::model::{Host, Port, TenantId};
use futures::future::BoxFuture;
use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Looks up host names. Injected so tests can answer with any address without DNS.
pub trait Resolver: Send + Sync {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>>;
}

/// Why the guard did not connect. `Blocked` and `Unreachable` read the same to users, so checks
/// cannot be used to map which internal hosts and ports exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The name does not resolve.
    NotFound,
    /// The port is not a mail port, or an address is not public and not allow-listed.
    Blocked,
    /// Every checked address refused or did not answer.
    Unreachable,
    Timeout,
    /// The tenant (or the whole server) already has as many connections open as it may.
    TooMany,
}

/// How many outbound connections may be open at once: in all, and per tenant, so one tenant's
/// detections and checks cannot take every socket.
pub struct Outbound {
    all: Arc<Semaphore>,
    per_tenant: usize,
    tenants: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

impl Outbound {
    pub fn new(all: usize, per_tenant: usize) -> Self {
        Self { all: Arc::new(Semaphore::new(all.max(1))), per_tenant: per_tenant.max(1), tenants: Mutex::default() }
    }

    /// Places for one more connection of `tenant` (none given: only the overall limit), taken at
    /// once or refused.
    fn places(&self, tenant: Option<TenantId>) -> Result<Vec<OwnedSemaphorePermit>, Refusal> {
        let mut places = Vec::with_capacity(2);
        if let Some(tenant) = tenant {
            let semaphore = {
                let mut tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
                // Forget tenants with nothing open, so the map does not grow with every tenant.
                if tenants.len() > 1024 {
                    let per_tenant = self.per_tenant;
                    tenants.retain(|_, s| s.available_permits() < per_tenant);
                }
                tenants.entry(tenant).or_insert_with(|| Arc::new(Semaphore::new(self.per_tenant))).clone()
            };
            places.push(semaphore.try_acquire_owned().map_err(|_| Refusal::TooMany)?);
        }
        places.push(self.all.clone().try_acquire_owned().map_err(|_| Refusal::TooMany)?);
        Ok(places)
    }
}

/// An address that passed the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vetted {
    pub host: Host,
    pub addresses: Vec<SocketAddr>,
}

pub struct Egress {
    resolver: Arc<dyn Resolver>,
    outbound: Outbound,
    /// `host:port` pairs (host lower-case) that may be private or loopback, each for the
    /// tenants named (`None`: every tenant).
    allow: HashMap<(String, u16), Option<HashSet<TenantId>>>,
    /// Ports of mail servers.
    ports: HashSet<u16>,
    /// Ports of web servers (autoconfig files over HTTPS).
    web_ports: HashSet<u16>,
}

impl Egress {
    /// `allow` entries are `host:port` (for every tenant) or `host:port@tenant-id` (for that
    /// tenant only; name several tenants with several entries).
    pub fn new(resolver: Arc<dyn Resolver>, allow: &[String], ports: &[u16]) -> Result<Self, String> {
        let mut allowed: HashMap<(String, u16), Option<HashSet<TenantId>>> = HashMap::new();
        for entry in allow.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let (place, tenant) = match entry.rsplit_once('@') {
                Some((place, tenant)) => {
                    let id =
                        tenant.parse::<i64>().map_err(|_| format!("allow-list entry with a bad tenant: {entry}"))?;
                    (place, Some(TenantId(id)))
                }
                None => (entry, None),
            };
            let (host, port) =
                place.rsplit_once(':').ok_or_else(|| format!("allow-list entry without a port: {entry}"))?;
            let host = Host::parse(host).map_err(|_| format!("allow-list entry with a bad host: {entry}"))?;
            let port = Port::parse(port).map_err(|_| format!("allow-list entry with a bad port: {entry}"))?;
            let tenants =
                allowed.entry((host.as_str().to_string(), port.get())).or_insert_with(|| Some(HashSet::new()));
            match (tenant, tenants.as_mut()) {
                (Some(tenant), Some(scoped)) => {
                    scoped.insert(tenant);
                }
                (None, _) => *tenants = None,
                (Some(_), None) => {}
            }
        }
        Ok(Self {
            resolver,
            outbound: Outbound::new(256, 32),
            allow: allowed,
            ports: ports.iter().copied().collect(),
            web_ports: HashSet::from([443]),
        })
    }

    /// Sets how many connections may be open at once, in all and per tenant.
    pub fn with_outbound(mut self, outbound: Outbound) -> Self {
        self.outbound = outbound;
        self
    }

    /// Also allows this web port (an operator's or a test's autoconfig server).
    pub fn with_web_port(mut self, port: u16) -> Self {
        self.web_ports.insert(port);
        self
    }

    fn allow_listed(&self, host: &Host, port: Port, tenant: Option<TenantId>) -> bool {
        match self.allow.get(&(host.as_str().to_string(), port.get())) {
            Some(None) => true,
            Some(Some(tenants)) => tenant.is_some_and(|t| tenants.contains(&t)),
            None => false,
        }
    }

    /// Resolves and checks a mail server's address for `tenant`; nothing is connected.
    pub async fn vet(&self, host: &Host, port: Port, tenant: Option<TenantId>) -> Result<Vetted, Refusal> {
        self.vet_among(host, port, tenant, &self.ports).await
    }

    /// Resolves and checks a web server's address (autoconfig over HTTPS).
    pub async fn vet_web(&self, host: &Host, port: Port, tenant: Option<TenantId>) -> Result<Vetted, Refusal> {
        self.vet_among(host, port, tenant, &self.web_ports).await
    }

    async fn vet_among(
        &self,
        host: &Host,
        port: Port,
        tenant: Option<TenantId>,
        ports: &HashSet<u16>,
    ) -> Result<Vetted, Refusal> {
        let allow_listed = self.allow_listed(host, port, tenant);
        if !allow_listed && !ports.contains(&port.get()) {
            return Err(Refusal::Blocked);
        }
        let ips = match host.as_str().parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => self.resolver.resolve(host.as_str()).await.map_err(|_| Refusal::NotFound)?,
        };
        if ips.is_empty() {
            return Err(Refusal::NotFound);
        }
        // Every address must pass, not just the first: the connection may use any of them.
        if !allow_listed && ips.iter().any(|ip| !is_public(*ip)) {
            return Err(Refusal::Blocked);
        }
        let addresses = ips.into_iter().map(|ip| SocketAddr::new(ip, port.get())).collect();
        Ok(Vetted { host: host.clone(), addresses })
    }

    /// Connects to a vetted destination for `tenant`, trying its addresses in order within
    /// `timeout` each; what is read from it is held to `limits`.
    pub async fn connect(
        &self,
        vetted: &Vetted,
        timeout: Duration,
        limits: ReadLimits,
        tenant: Option<TenantId>,
    ) -> Result<(Capped<TcpStream>, SocketAddr), Refusal> {
        let places = self.outbound.places(tenant)?;
        let mut timed_out = false;
        for address in &vetted.addresses {
            match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    return Ok((Capped::new(stream, limits, places), *address));
                }
                Ok(Err(_)) => {}
                Err(_) => timed_out = true,
            }
        }
        Err(if timed_out { Refusal::Timeout } else { Refusal::Unreachable })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Answers every name with fixed addresses and counts how often it was asked.
    struct FixedResolver(Vec<IpAddr>, AtomicUsize);

    impl Resolver for FixedResolver {
        fn resolve<'a>(&'a self, _host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
            self.1.fetch_add(1, Ordering::SeqCst);
            let answer = self.0.clone();
            Box::pin(async move { Ok(answer) })
        }
    }

    fn egress(answer: &[&str], allow: &[&str]) -> Egress {
        let ips = answer.iter().map(|a| a.parse().unwrap()).collect();
        let allow: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
        Egress::new(
            Arc::new(FixedResolver(ips, AtomicUsize::new(0))),
            &allow,
            &[25, 465, 587, 2525, 143, 993, 110, 995],
        )
        .unwrap()
    }

    fn host(h: &str) -> Host {
        Host::parse(h).unwrap()
    }

    fn port(p: u32) -> Port {
        Port::new(p).unwrap()
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused_before_connecting() {
        let guard = egress(&["10.0.0.5"], &[]);
        assert_eq!(guard.vet(&host("smtp.evil.example"), port(587), None).await, Err(Refusal::Blocked));
        let guard = egress(&["8.8.8.8", "127.0.0.1"], &[]);
        assert_eq!(
            guard.vet(&host("mixed.example"), port(465), None).await,
            Err(Refusal::Blocked),
            "one bad address is enough"
        );
        let guard = egress(&["169.254.169.254"], &[]);
        assert_eq!(guard.vet(&host("metadata.example"), port(25), None).await, Err(Refusal::Blocked));
    }

    #[tokio::test]
    async fn ip_literals_are_checked_without_dns() {
        let guard = egress(&[], &[]);
        assert_eq!(guard.vet(&host("127.0.0.1"), port(465), None).await, Err(Refusal::Blocked));
        assert_eq!(guard.vet(&host("::1"), port(465), None).await, Err(Refusal::Blocked));
        let vetted = guard.vet(&host("8.8.8.8"), port(465), None).await.unwrap();
        assert_eq!(vetted.addresses, vec!["8.8.8.8:465".parse().unwrap()]);
    }

    #[tokio::test]
    async fn only_mail_ports_are_allowed() {
        let guard = egress(&["8.8.8.8"], &[]);
        assert!(guard.vet(&host("smtp.example.com"), port(587), None).await.is_ok());
        for p in [22, 80, 443, 3306, 6379, 11211] {
            assert_eq!(guard.vet(&host("smtp.example.com"), port(p), None).await, Err(Refusal::Blocked), "port {p}");
        }
    }

    #[tokio::test]
    async fn the_operator_allow_list_admits_exactly_its_host_and_port() {
        let guard = egress(&["127.0.0.1"], &["mail.corp.local:10587", "127.0.0.1:10465"]);
        assert!(guard.vet(&host("mail.corp.local"), port(10587), None).await.is_ok());
        assert!(guard.vet(&host("127.0.0.1"), port(10465), None).await.is_ok());
        assert_eq!(guard.vet(&host("mail.corp.local"), port(10465), None).await, Err(Refusal::Blocked));
        assert_eq!(guard.vet(&host("other.corp.local"), port(10587), None).await, Err(Refusal::Blocked));
    }

    #[tokio::test]
    async fn web_ports_are_separate_from_mail_ports() {
        let guard = egress(&["8.8.8.8"], &[]);
        assert!(guard.vet_web(&host("autoconfig.example.com"), port(443), None).await.is_ok());
        assert_eq!(guard.vet_web(&host("autoconfig.example.com"), port(465), None).await, Err(Refusal::Blocked));
        assert_eq!(guard.vet(&host("smtp.example.com"), port(443), None).await, Err(Refusal::Blocked));
    }

    #[tokio::test]
    async fn a_name_without_addresses_is_not_found() {
        let guard = egress(&[], &[]);
        assert_eq!(guard.vet(&host("nowhere.example"), port(465), None).await, Err(Refusal::NotFound));
    }

    #[tokio::test]
    async fn an_allow_list_entry_may_be_for_some_tenants_only() {
        let guard = egress(&["10.0.0.5"], &["mail.corp.local:465@3", "mail.corp.local:465@4", "shared.local:993"]);
        let corp = host("mail.corp.local");
        assert!(guard.vet(&corp, port(465), Some(TenantId(3))).await.is_ok());
        assert!(guard.vet(&corp, port(465), Some(TenantId(4))).await.is_ok());
        assert_eq!(guard.vet(&corp, port(465), Some(TenantId(5))).await, Err(Refusal::Blocked));
        assert_eq!(guard.vet(&corp, port(465), None).await, Err(Refusal::Blocked), "no tenant: not a tenant's server");
        assert!(guard.vet(&host("shared.local"), port(993), Some(TenantId(5))).await.is_ok());
        assert!(Egress::new(Arc::new(FixedResolver(vec![], AtomicUsize::new(0))), &["h:25@x".into()], &[25]).is_err());
    }

    #[test]
    fn bad_allow_list_entries_are_reported() {
        let r: Arc<dyn Resolver> = Arc::new(FixedResolver(vec![], AtomicUsize::new(0)));
        assert!(Egress::new(r.clone(), &["no-port".into()], &[25]).is_err());
        assert!(Egress::new(r.clone(), &["host:99999".into()], &[25]).is_err());
        assert!(Egress::new(r, &["[::1]:2525".into(), "".into()], &[25]).is_ok());
    }
}
