//! A small POP3 client (RFC 1939, STLS from RFC 2595) — just what a check needs: greeting, STLS,
//! USER/PASS or AUTH XOAUTH2 (RFC 5034), STAT, QUIT. The crates on crates.io for POP3 are unmaintained or synchronous, and
//! this is few lines with every answer bounded in length.

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// Longest line accepted from a server (RFC 1939 allows 512 octets; servers stretch it).
const MAX_LINE: usize = 4096;

#[derive(Debug)]
pub enum Pop3Error {
    Io(io::Error),
    /// The server answered `-ERR …`; the text is its explanation.
    Negative(String),
    /// Not a POP3 answer at all.
    Protocol(String),
}

impl std::fmt::Display for Pop3Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pop3Error::Io(e) => write!(f, "{e}"),
            Pop3Error::Negative(text) => write!(f, "-ERR {text}"),
            Pop3Error::Protocol(text) => write!(f, "not a POP3 answer: {text}"),
        }
    }
}

impl From<io::Error> for Pop3Error {
    fn from(e: io::Error) -> Self {
        Pop3Error::Io(e)
    }
}

pub struct Pop3<S> {
    stream: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Pop3<S> {
    /// Reads the greeting: the server must start with `+OK`.
    pub async fn connect(stream: S) -> Result<(Self, String), Pop3Error> {
        let mut client = Self { stream: BufReader::new(stream) };
        let greeting = client.answer().await?;
        Ok((client, greeting))
    }

    /// Continues on a socket upgraded with `STLS` (the server does not greet again).
    pub fn resume(stream: S) -> Self {
        Self { stream: BufReader::new(stream) }
    }

    /// The socket, for wrapping it in TLS after `STLS`.
    pub fn into_inner(self) -> S {
        self.stream.into_inner()
    }

    async fn line(&mut self) -> Result<String, Pop3Error> {
        let mut buf = Vec::new();
        loop {
            let available = self.stream.fill_buf().await?;
            if available.is_empty() {
                return Err(Pop3Error::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed")));
            }
            let (take, done) = match available.iter().position(|b| *b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            buf.extend_from_slice(&available[..take]);
            self.stream.consume(take);
            if buf.len() > MAX_LINE {
                return Err(Pop3Error::Protocol("answer too long".into()));
            }
            if done {
                let text = String::from_utf8_lossy(&buf);
                return Ok(text.trim_end_matches(['\r', '\n']).to_string());
            }
        }
    }

    /// One status line: `+OK text` gives the text, `-ERR text` an error.
    async fn answer(&mut self) -> Result<String, Pop3Error> {
        let line = self.line().await?;
        Self::status(line)
    }

    fn status(line: String) -> Result<String, Pop3Error> {
        if let Some(rest) = line.strip_prefix("+OK") {
            Ok(rest.trim().to_string())
        } else if let Some(rest) = line.strip_prefix("-ERR") {
            Err(Pop3Error::Negative(rest.trim().to_string()))
        } else {
            Err(Pop3Error::Protocol(line.chars().take(200).collect()))
        }
    }

    async fn command(&mut self, command: &str) -> Result<String, Pop3Error> {
        self.send(command).await?;
        self.answer().await
    }

    async fn send(&mut self, command: &str) -> Result<(), Pop3Error> {
        if command.contains(['\r', '\n']) {
            return Err(Pop3Error::Protocol("line break in a command".into()));
        }
        let stream = self.stream.get_mut();
        stream.write_all(command.as_bytes()).await?;
        stream.write_all(b"\r\n").await?;
        stream.flush().await?;
        Ok(())
    }

    /// Asks to start TLS; afterwards the caller wraps [`Pop3::into_inner`] in TLS.
    pub async fn stls(&mut self) -> Result<(), Pop3Error> {
        self.command("STLS").await.map(|_| ())
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Result<(), Pop3Error> {
        self.command(&format!("USER {user}")).await?;
        self.command(&format!("PASS {password}")).await.map(|_| ())
    }

    /// `AUTH XOAUTH2` with the initial response (already base64). A server refusing the token
    /// first sends its reasons as a challenge (`+ <base64 JSON>`); the empty answer RFC 7628 asks
    /// for brings its `-ERR`.
    pub async fn xoauth2(&mut self, response: &str) -> Result<(), Pop3Error> {
        let command = zeroize::Zeroizing::new(format!("AUTH XOAUTH2 {response}"));
        self.send(&command).await?;
        let line = self.line().await?;
        if line == "+" || line.starts_with("+ ") {
            self.send("").await?;
            return self.answer().await.map(|_| ());
        }
        Self::status(line).map(|_| ())
    }

    /// `STAT`: how many messages the mailbox holds and their total size in octets.
    pub async fn stat(&mut self) -> Result<(u32, u64), Pop3Error> {
        let text = self.command("STAT").await?;
        let mut parts = text.split_whitespace();
        let count = parts.next().and_then(|n| n.parse().ok());
        let size = parts.next().and_then(|n| n.parse().ok());
        match (count, size) {
            (Some(count), Some(size)) => Ok((count, size)),
            _ => Err(Pop3Error::Protocol(format!("STAT answer {text:?}"))),
        }
    }

    pub async fn quit(&mut self) -> Result<(), Pop3Error> {
        self.command("QUIT").await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{duplex, AsyncReadExt};

    /// A scripted server: sends `greeting`, then for each command line it reads, the next answer.
    fn server(
        greeting: &'static str,
        answers: Vec<&'static str>,
    ) -> (tokio::io::DuplexStream, tokio::task::JoinHandle<Vec<String>>) {
        let (client, mut server) = duplex(8192);
        let handle = tokio::spawn(async move {
            let mut received = Vec::new();
            server.write_all(greeting.as_bytes()).await.unwrap();
            let mut answers = answers.into_iter();
            let mut buf = Vec::new();
            let mut byte = [0u8; 1];
            loop {
                match server.read(&mut byte).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => buf.push(byte[0]),
                }
                if buf.ends_with(b"\r\n") {
                    received.push(String::from_utf8_lossy(&buf[..buf.len() - 2]).to_string());
                    buf.clear();
                    match answers.next() {
                        Some(a) => server.write_all(a.as_bytes()).await.unwrap(),
                        None => break,
                    }
                }
            }
            received
        });
        (client, handle)
    }

    #[tokio::test]
    async fn logs_in_and_counts_messages() {
        let (stream, handle) =
            server("+OK Dovecot ready.\r\n", vec!["+OK\r\n", "+OK Logged in.\r\n", "+OK 3 1342\r\n", "+OK Bye\r\n"]);
        let (mut pop, greeting) = Pop3::connect(stream).await.unwrap();
        assert_eq!(greeting, "Dovecot ready.");
        pop.login("anna@example.com", "pass word with spaces").await.unwrap();
        assert_eq!(pop.stat().await.unwrap(), (3, 1342));
        pop.quit().await.unwrap();
        drop(pop);
        let sent = handle.await.unwrap();
        assert_eq!(sent, ["USER anna@example.com", "PASS pass word with spaces", "STAT", "QUIT"]);
    }

    #[tokio::test]
    async fn a_refused_password_carries_the_servers_words() {
        let (stream, _handle) = server("+OK ready\r\n", vec!["+OK\r\n", "-ERR [AUTH] Authentication failed.\r\n"]);
        let (mut pop, _) = Pop3::connect(stream).await.unwrap();
        match pop.login("a@b.c", "wrong").await {
            Err(Pop3Error::Negative(text)) => assert_eq!(text, "[AUTH] Authentication failed."),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn something_that_is_not_pop3_is_refused() {
        let (stream, _handle) = server("220 smtp.example.com ESMTP\r\n", vec![]);
        assert!(matches!(Pop3::connect(stream).await, Err(Pop3Error::Protocol(_))));
        let (stream, _handle) = server("-ERR go away\r\n", vec![]);
        assert!(matches!(Pop3::connect(stream).await, Err(Pop3Error::Negative(_))));
    }

    #[tokio::test]
    async fn endless_lines_and_closed_connections_end_the_conversation() {
        let long: &'static str = Box::leak(format!("+OK {}", "x".repeat(10_000)).into_boxed_str());
        let (stream, _handle) = server(long, vec![]);
        assert!(matches!(Pop3::connect(stream).await, Err(Pop3Error::Protocol(_))));
        let (client, server) = duplex(64);
        drop(server);
        assert!(matches!(Pop3::connect(client).await, Err(Pop3Error::Io(_))));
    }

    #[tokio::test]
    async fn stls_and_a_malformed_stat() {
        let (stream, _handle) = server("+OK\r\n", vec!["+OK Begin TLS negotiation now.\r\n"]);
        let (mut pop, _) = Pop3::connect(stream).await.unwrap();
        pop.stls().await.unwrap();
        let (stream, _handle) = server("+OK\r\n", vec!["+OK many\r\n"]);
        let (mut pop, _) = Pop3::connect(stream).await.unwrap();
        assert!(matches!(pop.stat().await, Err(Pop3Error::Protocol(_))));
    }

    #[tokio::test]
    async fn xoauth2_signs_in_and_a_refusal_ends_with_the_servers_words() {
        let (stream, handle) = server("+OK\r\n", vec!["+OK Logged in.\r\n"]);
        let (mut pop, _) = Pop3::connect(stream).await.unwrap();
        pop.xoauth2("dXNlcj1h").await.unwrap();
        drop(pop);
        assert_eq!(handle.await.unwrap(), ["AUTH XOAUTH2 dXNlcj1h"]);

        // The reasons come as a challenge; the client answers it with an empty line.
        let (stream, handle) =
            server("+OK\r\n", vec!["+ eyJzdGF0dXMiOiI0MDEifQ==\r\n", "-ERR [AUTH] Authentication failed.\r\n"]);
        let (mut pop, _) = Pop3::connect(stream).await.unwrap();
        match pop.xoauth2("dXNlcj1h").await {
            Err(Pop3Error::Negative(text)) => assert_eq!(text, "[AUTH] Authentication failed."),
            other => panic!("{other:?}"),
        }
        drop(pop);
        assert_eq!(handle.await.unwrap(), ["AUTH XOAUTH2 dXNlcj1h", ""]);
    }

    #[tokio::test]
    async fn no_command_carries_a_line_break() {
        let (stream, _handle) = server("+OK\r\n", vec!["+OK\r\n"]);
        let (mut pop, _) = Pop3::connect(stream).await.unwrap();
        assert!(matches!(pop.login("a\r\nDELE 1", "x").await, Err(Pop3Error::Protocol(_))));
    }
}
