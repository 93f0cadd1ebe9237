//! Automatic detection from an address alone. Six methods in priority order — the presets, an
//! autoconfig file on the domain, the shipped ISPDB files, the provider behind the MX records,
//! RFC 6186 SRV records, probing likely hosts — all started at once under one time budget. The
//! best answer wins as soon as every method ranked above it has finished without one; the
//! others are then dropped (cancelled). Each method reports when it ends, for the live report.

use super::super::dns::Dns;
use super::super::mail::MailContext;
use super::super::presets::Presets;
use super::ispdb::{self, ProviderConfig};
use super::{from_config, from_preset, from_service, ispdb_by_domain, probe, Detected, ServerLogin};
use crate::model::check::{Method, MethodResult};
use crate::model::{EmailAddress, Host, Port, Protocol, Security, ServerAddress};
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub type MethodObserver = Arc<dyn Fn(&MethodResult) + Send + Sync>;

/// What detection needs from the running app.
pub struct Detector<'a> {
    pub presets: &'a Presets,
    /// Connections count against the tenant the detection is for.
    pub mail: MailContext,
    pub dns: &'a Dns,
    /// The port of autoconfig servers (443; tests point it elsewhere).
    pub https_port: u16,
    pub budget: Duration,
}

/// The outcome: the winning settings, which method found them, and every method's result.
pub struct Outcome {
    pub found: Option<(Method, Detected)>,
    pub methods: Vec<MethodResult>,
    pub millis: u32,
}

struct Answer {
    found: Option<Detected>,
    detail: Option<String>,
}

impl Answer {
    fn none(detail: impl Into<String>) -> Self {
        Self { found: None, detail: Some(detail.into()) }
    }
}

impl Detector<'_> {
    pub async fn detect(&self, address: &EmailAddress, observer: Option<MethodObserver>) -> Outcome {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + self.budget;
        let mut running: FuturesUnordered<BoxFuture<'_, (Method, Answer, u32)>> = FuturesUnordered::new();
        for method in Method::ALL {
            let method = *method;
            running.push(Box::pin(async move {
                let t = Instant::now();
                let answer = self.run(method, address).await;
                (method, answer, t.elapsed().as_millis().min(u128::from(u32::MAX)) as u32)
            }));
        }
        let mut finished: Vec<Option<Option<Detected>>> = vec![None; Method::ALL.len()];
        let mut methods = Vec::new();
        let winner = loop {
            let next = tokio::time::timeout_at(deadline, running.next()).await;
            match next {
                Ok(Some((method, answer, millis))) => {
                    let result = MethodResult { method, found: answer.found.is_some(), millis, detail: answer.detail };
                    if let Some(observer) = &observer {
                        observer(&result);
                    }
                    methods.push(result);
                    finished[index(method)] = Some(answer.found);
                    if let Some(winner) = decided(&finished) {
                        break Some(winner);
                    }
                }
                // Every method finished, or the budget ran out: the best of what is known.
                Ok(None) | Err(_) => break best_so_far(&finished),
            }
        };
        drop(running);
        Outcome { found: winner, methods, millis: started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32 }
    }

    async fn run(&self, method: Method, address: &EmailAddress) -> Answer {
        let domain = address.domain();
        match method {
            Method::Preset => match from_preset(self.presets, address) {
                Some(found) => Answer { detail: found.provider.clone(), found: Some(found) },
                None => Answer::none(domain),
            },
            Method::Ispdb => match ispdb_by_domain().get(domain) {
                Some(config) => self.answer_from(config, address, Method::Ispdb, &config.id),
                None => Answer::none(domain),
            },
            Method::Autoconfig => self.autoconfig(address).await,
            Method::Mx => self.mx(address).await,
            Method::Srv => self.srv(address).await,
            Method::Probe => self.probe(address).await,
        }
    }

    fn answer_from(&self, config: &ProviderConfig, address: &EmailAddress, source: Method, detail: &str) -> Answer {
        let (smtp, incoming) = from_config(config, address);
        if smtp.is_none() && incoming.is_none() {
            return Answer::none(detail);
        }
        Answer {
            found: Some(Detected { source: Some(source), provider: None, smtp, incoming }),
            detail: Some(detail.to_string()),
        }
    }

    /// `https://autoconfig.<domain>/mail/config-v1.1.xml` and the domain's `.well-known` file,
    /// both at once; the first in that order that gives a usable file wins.
    async fn autoconfig(&self, address: &EmailAddress) -> Answer {
        let domain = address.domain();
        let query = format!("?emailaddress={}", address.as_str().replace('@', "%40").replace('+', "%2B"));
        let tries = [
            (format!("autoconfig.{domain}"), format!("/mail/config-v1.1.xml{query}")),
            (domain.to_string(), "/.well-known/autoconfig/mail/config-v1.1.xml".to_string()),
        ];
        let timeout = self.budget.min(Duration::from_secs(5));
        let fetches =
            tries.iter().map(|(host, path)| super::http::get(&self.mail, host, self.https_port, path, timeout));
        let results = futures::future::join_all(fetches).await;
        for ((host, path), result) in tries.iter().zip(results) {
            if let Ok(xml) = result {
                if let Ok(config) = ispdb::parse(&xml) {
                    let url = format!("https://{host}{}", path.split('?').next().unwrap_or_default());
                    let answer = self.answer_from(&config, address, Method::Autoconfig, &url);
                    if answer.found.is_some() {
                        return answer;
                    }
                }
            }
        }
        Answer::none(format!("autoconfig.{domain}"))
    }

    /// The provider behind the domain's mail exchangers: a preset that hosts it, or the ISPDB
    /// file of the MX host's own domain.
    async fn mx(&self, address: &EmailAddress) -> Answer {
        let hosts = self.dns.mx(address.domain()).await;
        for host in &hosts {
            if let Some(service) = self.presets.for_mx(host) {
                if let Some(mut found) = from_service(service, address) {
                    found.source = Some(Method::Mx);
                    return Answer { found: Some(found), detail: Some(format!("{host} → {}", service.name)) };
                }
            }
            let labels: Vec<&str> = host.split('.').collect();
            for take in [2, 3] {
                if labels.len() >= take {
                    let base = labels[labels.len() - take..].join(".");
                    if let Some(config) = ispdb_by_domain().get(&base) {
                        let answer = self.answer_from(config, address, Method::Mx, &format!("{host} → {}", config.id));
                        if answer.found.is_some() {
                            return answer;
                        }
                    }
                }
            }
        }
        Answer::none(hosts.first().cloned().unwrap_or_else(|| "no MX".into()))
    }

    /// RFC 6186: `_submissions._tcp`, `_submission._tcp`, `_imaps._tcp`, `_imap._tcp`,
    /// `_pop3s._tcp`, `_pop3._tcp`, looked up at once.
    async fn srv(&self, address: &EmailAddress) -> Answer {
        let domain = address.domain();
        let names = [
            ("_submissions._tcp", Protocol::Smtp, Security::Ssl),
            ("_submission._tcp", Protocol::Smtp, Security::StartTls),
            ("_imaps._tcp", Protocol::Imap, Security::Ssl),
            ("_imap._tcp", Protocol::Imap, Security::StartTls),
            ("_pop3s._tcp", Protocol::Pop3, Security::Ssl),
            ("_pop3._tcp", Protocol::Pop3, Security::StartTls),
        ];
        let queries: Vec<String> = names.iter().map(|(name, _, _)| format!("{name}.{domain}")).collect();
        let records = futures::future::join_all(queries.iter().map(|q| self.dns.srv(q))).await;
        let first = |protocol: Protocol| {
            names.iter().zip(&records).filter(|((_, p, _), _)| *p == protocol).find_map(|((_, _, security), found)| {
                let record = found.first()?;
                Some(ServerLogin {
                    server: ServerAddress {
                        host: Host::parse(&record.host).ok()?,
                        port: Port::new(u32::from(record.port)).ok()?,
                        security: *security,
                    },
                    login: address.to_string(),
                })
            })
        };
        let smtp = first(Protocol::Smtp);
        let incoming = first(Protocol::Imap)
            .map(|f| (Protocol::Imap, f))
            .or_else(|| first(Protocol::Pop3).map(|f| (Protocol::Pop3, f)));
        if smtp.is_none() && incoming.is_none() {
            return Answer::none(format!("_submissions._tcp.{domain}"));
        }
        let detail = smtp.as_ref().map(|f| format!("{}:{}", f.server.host, f.server.port));
        Answer { found: Some(Detected { source: Some(Method::Srv), provider: None, smtp, incoming }), detail }
    }

    /// Likely hosts on the standard ports, all at once.
    async fn probe(&self, address: &EmailAddress) -> Answer {
        let domain = address.domain();
        let mx = self.dns.mx(domain).await;
        let timeout = self.budget.min(Duration::from_secs(4));
        let mx = mx.first().map(String::as_str);
        let hosts = [Protocol::Smtp, Protocol::Imap, Protocol::Pop3].map(|p| probe::candidates(p, domain, mx));
        let (smtp, imap, pop3) = tokio::join!(
            probe::first_answering(&self.mail, Protocol::Smtp, &hosts[0], timeout),
            probe::first_answering(&self.mail, Protocol::Imap, &hosts[1], timeout),
            probe::first_answering(&self.mail, Protocol::Pop3, &hosts[2], timeout),
        );
        let found = |server: ServerAddress| ServerLogin { server, login: address.to_string() };
        let smtp = smtp.map(found);
        let incoming = imap.map(|s| (Protocol::Imap, found(s))).or_else(|| pop3.map(|s| (Protocol::Pop3, found(s))));
        if smtp.is_none() && incoming.is_none() {
            return Answer::none(format!("smtp.{domain}"));
        }
        let detail =
            smtp.as_ref().map(|f| format!("{}:{} {}", f.server.host, f.server.port, f.server.security.as_str()));
        Answer { found: Some(Detected { source: Some(Method::Probe), provider: None, smtp, incoming }), detail }
    }
}

fn index(method: Method) -> usize {
    Method::ALL.iter().position(|m| *m == method).unwrap_or(0)
}

/// The winner, if known: the first method (in priority order) that found something, provided
/// every method before it has finished empty-handed.
fn decided(finished: &[Option<Option<Detected>>]) -> Option<(Method, Detected)> {
    for (i, state) in finished.iter().enumerate() {
        match state {
            None => return None,
            Some(None) => continue,
            Some(Some(found)) => return Some((Method::ALL[i], found.clone())),
        }
    }
    None
}

/// When time is up: the best answer among the methods that did finish.
fn best_so_far(finished: &[Option<Option<Detected>>]) -> Option<(Method, Detected)> {
    finished.iter().enumerate().find_map(|(i, state)| state.clone().flatten().map(|found| (Method::ALL[i], found)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(host: &str) -> Option<Detected> {
        Some(Detected {
            source: Some(Method::Probe),
            provider: None,
            smtp: Some(ServerLogin {
                server: ServerAddress {
                    host: Host::parse(host).unwrap(),
                    port: Port::new(465).unwrap(),
                    security: Security::Ssl,
                },
                login: "a@b.c".into(),
            }),
            incoming: None,
        })
    }

    #[test]
    fn a_lower_method_waits_for_every_higher_one() {
        // SRV (index 4) found something, but autoconfig (index 1) is still running.
        let mut state = vec![Some(None), None, Some(None), Some(None), Some(found("srv.example")), None];
        assert!(decided(&state).is_none());
        state[1] = Some(None);
        let (method, _) = decided(&state).unwrap();
        assert_eq!(method, Method::Srv, "probing, still running, ranks lower and does not matter");
    }

    #[test]
    fn a_higher_method_wins_over_a_lower_one_that_finished_first() {
        let state = vec![Some(None), Some(found("autoconfig.example")), None, None, Some(found("srv.example")), None];
        assert_eq!(decided(&state).unwrap().0, Method::Autoconfig);
    }

    #[test]
    fn out_of_time_the_best_finished_answer_counts() {
        let state = vec![Some(None), None, Some(None), None, None, Some(found("smtp.example"))];
        assert_eq!(best_so_far(&state).unwrap().0, Method::Probe);
        assert!(best_so_far(&[Some(None), None, None, None, None, None]).is_none());
    }
}
