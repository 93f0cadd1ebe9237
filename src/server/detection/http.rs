//! Fetching an autoconfig file over HTTPS, through the egress guard: the address checked before
//! connecting, the certificate verified against the host name, redirects followed only to HTTPS
//! (each hop checked again), the body bounded.

use super::super::mail::{web, MailContext};
use http_body_util::Full;
use hyper::body::Bytes;
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
    let request = hyper::Request::get(path)
        .header(hyper::header::USER_AGENT, "Pochta autoconfig")
        .header(hyper::header::ACCEPT, "application/xml, text/xml")
        .body(Full::new(Bytes::new()))
        .map_err(|e| FetchFailure(e.to_string()))?;
    let answer = web::exchange(ctx, host, port, request, MAX_BODY).await.map_err(|e| FetchFailure(e.0))?;
    if answer.status.is_redirection() {
        let location = answer.headers.get(hyper::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        return Ok(Answer::Redirect(location.to_string()));
    }
    if answer.status != hyper::StatusCode::OK {
        return Err(FetchFailure(format!("HTTP {}", answer.status)));
    }
    String::from_utf8(answer.body.to_vec()).map(Answer::Body).map_err(|_| FetchFailure("not UTF-8".into()))
}
