//! One HTTPS exchange with a web server through the egress guard — autoconfig files for
//! detection, the providers' token endpoints for OAuth: the address checked before connecting,
//! the certificate verified against the host name, the answer's body bounded.

use super::wire::ReadLimits;
use super::MailContext;
use crate::model::{Host, Port};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// Why an exchange gave no answer; short, for logs and progress reports (never a secret: the
/// request is not part of it).
#[derive(Debug)]
pub struct WebFailure(pub String);

/// A web server's answer: status, headers and the body (at most the limit asked for).
pub struct WebAnswer {
    pub status: hyper::StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

/// Sends `request` (its URI only the path and query) to `https://host:port` and reads the answer,
/// at most `max_body` bytes of body. The `Host` header is set here.
pub async fn exchange(
    ctx: &MailContext,
    host: &str,
    port: u16,
    mut request: hyper::Request<Full<Bytes>>,
    max_body: usize,
) -> Result<WebAnswer, WebFailure> {
    let parsed_host = Host::parse(host).map_err(|_| WebFailure(format!("bad host {host}")))?;
    let parsed_port = Port::new(u32::from(port)).map_err(|_| WebFailure(format!("bad port {port}")))?;
    let vetted =
        ctx.egress.vet_web(&parsed_host, parsed_port, ctx.tenant).await.map_err(|r| WebFailure(format!("{r:?}")))?;
    let (tcp, _) =
        ctx.open(&vetted, ctx.step_timeout, ReadLimits::WEB).await.map_err(|r| WebFailure(format!("{r:?}")))?;
    // A web server: no mail server's trusted certificate applies.
    let tls = ctx
        .tls
        .wrap(tcp, parsed_host.as_str(), port, None)
        .await
        .map_err(|e| WebFailure(super::tls::describe_failure(&e)))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| WebFailure(e.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let authority = if port == 443 { parsed_host.to_string() } else { format!("{parsed_host}:{port}") };
    let authority = hyper::header::HeaderValue::from_str(&authority).map_err(|e| WebFailure(e.to_string()))?;
    request.headers_mut().insert(hyper::header::HOST, authority);
    let response = sender.send_request(request).await.map_err(|e| WebFailure(e.to_string()))?;
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, max_body).collect().await.map_err(|e| WebFailure(e.to_string()))?.to_bytes();
    Ok(WebAnswer { status: parts.status, headers: parts.headers, body })
}
