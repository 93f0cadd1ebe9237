//! The socket of every outbound connection. It holds the connection's place in the per-tenant and
//! overall limits for as long as it is open, and refuses to read more than a mail server
//! sensibly sends: a line longer than the protocol's limit, or more bytes in all. A hostile
//! server streaming without end costs a bounded amount of memory and is cut off at once.

use std::error::Error;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;

/// A socket that can be told to acknowledge what arrives at once rather than after the kernel's
/// delay (40 ms on Linux). Wanted right after a TLS handshake on an implicit-TLS port: the server
/// sends its session tickets, then its greeting; one that writes without TCP_NODELAY (Postfix's
/// smtpd on 465) holds the greeting until the tickets are acknowledged.
pub trait AckAtOnce {
    fn ack_at_once(&self);
}

impl AckAtOnce for TcpStream {
    fn ack_at_once(&self) {
        // Linux keeps this until the socket next sends; elsewhere the delay stays as it is.
        #[cfg(target_os = "linux")]
        let _ = self.set_quickack(true);
    }
}

impl<S: AckAtOnce> AckAtOnce for Capped<S> {
    fn ack_at_once(&self) {
        self.inner.ack_at_once();
    }
}

/// How much one connection may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Bytes without a line break.
    pub line: usize,
    /// Bytes in all.
    pub total: usize,
}

impl ReadLimits {
    /// SMTP and POP3 answers are short lines (RFC 5321 allows 512 bytes a reply line).
    pub const SHORT_ANSWERS: ReadLimits = ReadLimits { line: 64 * 1024, total: 1024 * 1024 };
    /// IMAP: a SEARCH answer lists every matching message on one line.
    pub const IMAP: ReadLimits = ReadLimits { line: 2 * 1024 * 1024, total: 4 * 1024 * 1024 };
    /// An autoconfig file over HTTPS (its body is bounded on its own too).
    pub const WEB: ReadLimits = ReadLimits { line: 256 * 1024, total: 1024 * 1024 };
}

/// What a reader gets when a server sent more than its limits allow.
#[derive(Debug)]
pub struct Overlong;

impl fmt::Display for Overlong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the server sent more than a mail server sends; the connection was closed")
    }
}

impl Error for Overlong {}

/// Whether `error` (or anything it was caused by) is [`Overlong`].
pub fn is_overlong(error: &(dyn Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<Overlong>().is_some() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if io.get_ref().is_some_and(|inner| inner.downcast_ref::<Overlong>().is_some()) {
                return true;
            }
        }
        current = e.source();
    }
    false
}

/// A stream that counts what it reads against [`ReadLimits`], and holds the connection's places
/// in the outbound limits until it is dropped.
#[derive(Debug)]
pub struct Capped<S> {
    inner: S,
    limits: ReadLimits,
    since_line_break: usize,
    total: usize,
    _places: Vec<OwnedSemaphorePermit>,
}

impl<S> Capped<S> {
    pub fn new(inner: S, limits: ReadLimits, places: Vec<OwnedSemaphorePermit>) -> Self {
        Self { inner, limits, since_line_break: 0, total: 0, _places: places }
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    pub fn limits(&self) -> ReadLimits {
        self.limits
    }

    fn count(&mut self, read: &[u8]) -> io::Result<()> {
        self.total += read.len();
        let mut longest = 0;
        for (i, segment) in read.split(|b| *b == b'\n').enumerate() {
            // The first piece goes on the line the last read left open.
            self.since_line_break = if i == 0 { self.since_line_break + segment.len() } else { segment.len() };
            longest = longest.max(self.since_line_break);
        }
        if self.total > self.limits.total || longest > self.limits.line {
            return Err(io::Error::new(io::ErrorKind::InvalidData, Overlong));
        }
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Capped<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => Poll::Ready(self.count(&buf.filled()[before..])),
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Capped<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    async fn read_all_lines(data: &'static [u8], limits: ReadLimits) -> io::Result<usize> {
        let (mut server, client) = tokio::io::duplex(1024);
        tokio::spawn(async move {
            let _ = server.write_all(data).await;
        });
        let mut lines = BufReader::new(Capped::new(client, limits, Vec::new())).lines();
        let mut n = 0;
        while lines.next_line().await?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    #[tokio::test]
    async fn ordinary_answers_pass_and_endless_ones_stop_at_the_limit() {
        let limits = ReadLimits { line: 16, total: 64 };
        assert_eq!(read_all_lines(b"220 hello\r\n250 ok\r\n", limits).await.unwrap(), 2);
        let long_line = read_all_lines(b"220 this line goes on and on and on\r\n", limits).await.unwrap_err();
        assert!(is_overlong(&long_line), "{long_line}");
        let too_much = read_all_lines(
            b"250 a\r\n250 b\r\n250 c\r\n250 d\r\n250 e\r\n250 f\r\n250 g\r\n250 h\r\n250 i\r\n250 j\r\n",
            limits,
        )
        .await
        .unwrap_err();
        assert!(is_overlong(&too_much));
        assert!(!is_overlong(&io::Error::other("refused")));
    }
}
