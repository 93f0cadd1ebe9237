//! Fetching an autoconfig file over HTTPS, through the egress guard: the address checked before
//! connecting, the certificate verified against the host name, redirects followed only to HTTPS
//! (each hop checked again), the body bounded.

use super::super::mail::wire::ReadLimits;
use super::super::mail::MailContext;
use crate::model::{Host, Port};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::time::Duration;

const MAX_BODY: usize = 256 * 1024;
const MAX_REDIRECTS: usize = 3;

/// Why a fetch gave nothing usable (only for the progress report; the method just "found nothing").
#[derive(Debug)]
pub struct FetchFailure(pub String);

/// GETs `https://host:port/path` and returns the body if the answer was 200.
pub async fn get(
    ctx: &MailContext,
    host: &str,
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result<String, FetchFailure> {
    let (mut host, mut port, mut path) = (host.to_string(), port, path.to_string());
    for _ in 0..=MAX_REDIRECTS {
        let response = tokio::time::timeout(timeout, once(ctx, &host, port, &path))
            .await
            .map_err(|_| FetchFailure("timeout".into()))??;
        match response {
            Answer::Body(body) => return Ok(body),
            Answer::Redirect(location) => {
                let Some(rest) = location.strip_prefix("https://") else {
                    return Err(FetchFailure(format!("redirect to a non-HTTPS address: {location}")));
                };
                let (authority, rest) =
                    rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
                let (h, p) = authority
                    .rsplit_once(':')
                    .map_or((authority.to_string(), 443), |(h, p)| (h.to_string(), p.parse().unwrap_or(0)));
                host = h;
                port = p;
                path = rest;
            }
        }
    }
    Err(FetchFailure("too many redirects".into()))
}

enum Answer {
    Body(String),
    Redirect(String),
}

async fn once(ctx: &MailContext, host: &str, port: u16, path: &str) -> Result<Answer, FetchFailure> {
    let parsed_host = Host::parse(host).map_err(|_| FetchFailure(format!("bad host {host}")))?;
    let parsed_port = Port::new(u32::from(port)).map_err(|_| FetchFailure(format!("bad port {port}")))?;
    let vetted =
        ctx.egress.vet_web(&parsed_host, parsed_port, ctx.tenant).await.map_err(|r| FetchFailure(format!("{r:?}")))?;
    let (tcp, _) =
        ctx.open(&vetted, ctx.step_timeout, ReadLimits::WEB).await.map_err(|r| FetchFailure(format!("{r:?}")))?;
    // A web server: no mail server's trusted certificate applies.
    let tls = ctx
        .tls
        .wrap(tcp, parsed_host.as_str(), port, None)
        .await
        .map_err(|e| FetchFailure(super::super::mail::tls::describe_failure(&e)))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| FetchFailure(e.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let authority = if port == 443 { parsed_host.to_string() } else { format!("{parsed_host}:{port}") };
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::USER_AGENT, "Pochta autoconfig")
        .header(hyper::header::ACCEPT, "application/xml, text/xml")
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchFailure(e.to_string()))?;
    let response = sender.send_request(request).await.map_err(|e| FetchFailure(e.to_string()))?;
    let status = response.status();
    if status.is_redirection() {
        let location =
            response.headers().get(hyper::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        return Ok(Answer::Redirect(location.to_string()));
    }
    if status != hyper::StatusCode::OK {
        return Err(FetchFailure(format!("HTTP {status}")));
    }
    let body = Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| FetchFailure(e.to_string()))?
        .to_bytes();
    String::from_utf8(body.to_vec()).map(Answer::Body).map_err(|_| FetchFailure("not UTF-8".into()))
}
