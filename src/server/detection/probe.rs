//! Probing likely hosts on the standard ports: does a server answer there, in the expected
//! protocol, and does it offer implicit TLS (with a valid certificate) or STARTTLS? Only
//! greetings and capabilities are read (EHLO, CAPABILITY, CAPA); no password is ever sent.

use super::super::mail::wire::ReadLimits;
use super::super::mail::MailContext;
use crate::model::{Host, Port, Protocol, Security, ServerAddress};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The hosts worth trying for a protocol, most likely first.
pub fn candidates(protocol: Protocol, domain: &str, mx: Option<&str>) -> Vec<String> {
    let prefixes: &[&str] = match protocol {
        Protocol::Smtp => &["smtp", "mail"],
        Protocol::Imap => &["imap", "mail"],
        Protocol::Pop3 => &["pop", "pop3", "mail"],
    };
    let mut hosts: Vec<String> = prefixes.iter().map(|p| format!("{p}.{domain}")).collect();
    hosts.push(domain.to_string());
    if let Some(mx) = mx {
        hosts.push(mx.to_string());
    }
    hosts.dedup();
    hosts
}

/// Whether `host` answers `protocol` on `port` with `security`, within `timeout`.
pub async fn answers(
    ctx: &MailContext,
    protocol: Protocol,
    host: &str,
    port: u16,
    security: Security,
    timeout: Duration,
) -> bool {
    tokio::time::timeout(timeout, talk(ctx, protocol, host, port, security)).await.unwrap_or(false)
}

async fn talk(ctx: &MailContext, protocol: Protocol, host: &str, port: u16, security: Security) -> bool {
    let (Ok(parsed), Ok(port)) = (Host::parse(host), Port::new(u32::from(port))) else { return false };
    let Ok(vetted) = ctx.egress.vet(&parsed, port, ctx.tenant).await else { return false };
    let Ok((tcp, _)) = ctx.open(&vetted, ctx.step_timeout, ReadLimits::SHORT_ANSWERS).await else { return false };
    match security {
        Security::Ssl => match ctx.wrap_tls(tcp, parsed.as_str(), port.get()).await {
            Ok(tls) => greets(protocol, tls, false).await,
            Err(_) => false,
        },
        Security::StartTls => greets(protocol, tcp, true).await,
    }
}

/// Reads the greeting and, for a plain connection, asks whether STARTTLS is offered.
async fn greets<S: AsyncRead + AsyncWrite + Unpin>(protocol: Protocol, stream: S, needs_starttls: bool) -> bool {
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    if !read_line(&mut stream, &mut line).await {
        return false;
    }
    match protocol {
        Protocol::Smtp => {
            // Multi-line greetings end with "220 ".
            while line.starts_with("220-") {
                if !read_line(&mut stream, &mut line).await {
                    return false;
                }
            }
            if !line.starts_with("220") {
                return false;
            }
            if !needs_starttls {
                return true;
            }
            if stream.get_mut().write_all(b"EHLO pochta.localdomain\r\n").await.is_err() {
                return false;
            }
            let mut starttls = false;
            loop {
                if !read_line(&mut stream, &mut line).await || !line.starts_with("250") {
                    return false;
                }
                starttls |= line.get(4..).unwrap_or_default().trim().eq_ignore_ascii_case("STARTTLS");
                if line.starts_with("250 ") {
                    break;
                }
            }
            let _ = stream.get_mut().write_all(b"QUIT\r\n").await;
            starttls
        }
        Protocol::Imap => {
            if !line.starts_with("* OK") {
                return false;
            }
            if !needs_starttls {
                return true;
            }
            if line.to_ascii_uppercase().contains("STARTTLS") {
                return true;
            }
            if stream.get_mut().write_all(b"p1 CAPABILITY\r\n").await.is_err() {
                return false;
            }
            let mut starttls = false;
            loop {
                if !read_line(&mut stream, &mut line).await {
                    return false;
                }
                starttls |= line.starts_with("* CAPABILITY") && line.to_ascii_uppercase().contains("STARTTLS");
                if line.starts_with("p1 ") {
                    return starttls;
                }
            }
        }
        Protocol::Pop3 => {
            if !line.starts_with("+OK") {
                return false;
            }
            if !needs_starttls {
                return true;
            }
            if stream.get_mut().write_all(b"CAPA\r\n").await.is_err()
                || !read_line(&mut stream, &mut line).await
                || !line.starts_with("+OK")
            {
                return false;
            }
            let mut stls = false;
            loop {
                if !read_line(&mut stream, &mut line).await {
                    return false;
                }
                let capability = line.trim_end();
                if capability == "." {
                    return stls;
                }
                stls |= capability.eq_ignore_ascii_case("STLS");
            }
        }
    }
}

/// One line of an answer; `false` at the end of the stream or for an endless line.
async fn read_line<S: AsyncRead + Unpin>(stream: &mut BufReader<S>, line: &mut String) -> bool {
    line.clear();
    stream.read_line(line).await.ok().filter(|n| *n > 0 && *n < 4096).is_some()
}

/// The first server that answers, trying the candidates in order, each with implicit TLS first;
/// all probes run at once and the earliest in that order among those that answered wins.
pub async fn first_answering(
    ctx: &MailContext,
    protocol: Protocol,
    hosts: &[String],
    timeout: Duration,
) -> Option<ServerAddress> {
    let options: Vec<(String, Security)> =
        hosts.iter().flat_map(|h| [(h.clone(), Security::Ssl), (h.clone(), Security::StartTls)]).collect();
    let probes = options
        .iter()
        .map(|(host, security)| answers(ctx, protocol, host, protocol.standard_port(*security), *security, timeout));
    let results = futures::future::join_all(probes).await;
    options.into_iter().zip(results).find(|(_, ok)| *ok).and_then(|((host, security), _)| {
        Some(ServerAddress {
            host: Host::parse(&host).ok()?,
            port: Port::new(u32::from(protocol.standard_port(security))).ok()?,
            security,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likely_hosts_come_in_a_sensible_order() {
        assert_eq!(
            candidates(Protocol::Smtp, "firma.ru", Some("mx.firma.ru")),
            ["smtp.firma.ru", "mail.firma.ru", "firma.ru", "mx.firma.ru"]
        );
        assert_eq!(
            candidates(Protocol::Pop3, "firma.ru", None),
            ["pop.firma.ru", "pop3.firma.ru", "mail.firma.ru", "firma.ru"]
        );
    }

    async fn serve(script: &'static [u8]) -> tokio::io::DuplexStream {
        let (client, mut server) = tokio::io::duplex(4096);
        tokio::spawn(async move {
            let _ = server.write_all(script).await;
            let mut sink = [0u8; 256];
            use tokio::io::AsyncReadExt;
            while let Ok(n) = server.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        });
        client
    }

    #[tokio::test]
    async fn greetings_and_capabilities_decide() {
        let smtp = b"220-mail ESMTP\r\n220 ready\r\n250-mail\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n";
        assert!(greets(Protocol::Smtp, serve(smtp).await, true).await);
        let smtp_without = b"220 ready\r\n250-mail\r\n250 AUTH PLAIN\r\n";
        assert!(!greets(Protocol::Smtp, serve(smtp_without).await, true).await, "no STARTTLS offered");
        assert!(greets(Protocol::Imap, serve(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n").await, true).await);
        assert!(
            greets(
                Protocol::Imap,
                serve(b"* OK ready\r\n* CAPABILITY IMAP4rev1 STARTTLS\r\np1 OK done\r\n").await,
                true
            )
            .await
        );
        assert!(greets(Protocol::Pop3, serve(b"+OK ready\r\n+OK capa\r\nUSER\r\nSTLS\r\n.\r\n").await, true).await);
        assert!(!greets(Protocol::Pop3, serve(b"* OK this is IMAP\r\n").await, false).await, "the wrong protocol");
        let (closed, server) = tokio::io::duplex(64);
        drop(server);
        assert!(!greets(Protocol::Smtp, closed, false).await, "closed without a greeting");
        let silent =
            tokio::time::timeout(Duration::from_millis(200), greets(Protocol::Smtp, serve(b"").await, false)).await;
        assert!(silent.is_err(), "silence is left to the caller's timeout");
    }
}
