//! SMTP through lettre's low-level connection, one step at a time, on a socket the egress guard
//! opened: resolve, connect, TLS (implicit or STARTTLS), greeting, login, and for a test letter
//! sender, recipient and data. Each step is timed and explained if it fails. A [`Session`] keeps
//! the connection past its login for letters one after another (the outbox's workers).

use super::login::{Login, Secret};
use super::report::{within, Recorder, StepFailure, StepObserver};
use super::smtp_text::{Content, Ended, Line};
use super::tls_failure;
use super::wire::ReadLimits;
use super::MailContext;
use crate::model::check::{CheckReport, Reason, Side, Step};
use crate::model::{EmailAddress, Security, ServerAddress};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailParameter};
use secrecy::ExposeSecret;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The name Pochta introduces itself with (EHLO): fixed, so no internal host name leaks.
const HELLO_NAME: &str = "pochta.localdomain";
const SIDE: Side = Side::Outgoing;

/// What to do once logged in.
pub enum Errand<'a> {
    /// Only log in (checking a sending account).
    Login,
    /// Send this letter: the envelope sender is the letter's sender, so a server that refuses
    /// that sender for this login says so here.
    Send(&'a Letter),
}

/// A ready-to-send letter.
pub struct Letter {
    pub envelope_from: EmailAddress,
    /// Every recipient; one refused means the letter goes to none (it stops before DATA).
    pub envelope_to: Vec<EmailAddress>,
    pub bytes: Vec<u8>,
}

/// Runs one SMTP errand within the overall time limit and reports every step.
pub async fn errand(
    ctx: &MailContext,
    server: &ServerAddress,
    login: &Login<'_>,
    errand: Errand<'_>,
    observer: Option<StepObserver>,
) -> CheckReport {
    let mut rec = Recorder::new(ctx.step_timeout, observer);
    let outcome = within(ctx.total_timeout, run(ctx, server, login, errand, &mut rec)).await;
    rec.finish(SIDE, outcome)
}

/// Runs the SMTP dialogue; every step lands in `rec`.
pub async fn run(
    ctx: &MailContext,
    server: &ServerAddress,
    login: &Login<'_>,
    errand: Errand<'_>,
    rec: &mut Recorder,
) -> Result<(), StepFailure> {
    dialogue(ctx, server, login, errand, rec).await.map_err(|f| super::with_fix(f, server))
}

async fn dialogue(
    ctx: &MailContext,
    server: &ServerAddress,
    login: &Login<'_>,
    errand: Errand<'_>,
    rec: &mut Recorder,
) -> Result<(), StepFailure> {
    let mut session = sign_in(ctx, server, login, false, rec).await?;
    if let Errand::Send(letter) = errand {
        transfer(&mut session, letter, std::future::ready(()), rec).await?;
    }
    session.quit().await;
    Ok(())
}

/// An SMTP connection past its login, for letters one after another (the outbox's workers keep
/// one open while a tenant's queue drains). Each letter is its own mail transaction.
pub struct Session {
    conn: AsyncSmtpConnection,
    /// The expiry of the certificate its server showed (Unix ms), if TLS was used.
    pub certificate_expires_at: Option<i64>,
    /// The server offers PIPELINING (RFC 2920): a letter's envelope goes in one write.
    pipelining: bool,
    /// Every reply to what was sent has been read: a failure in the middle of a pipelined
    /// envelope leaves some unread (and a server maybe waiting for content), so the connection
    /// is only closed, not said goodbye to.
    in_sync: bool,
    step_timeout: std::time::Duration,
    total_timeout: std::time::Duration,
}

impl Session {
    /// Connects and logs in within the overall time limit: the session, or the report of the
    /// step that failed.
    pub async fn open(ctx: &MailContext, server: &ServerAddress, login: &Login<'_>) -> Result<Self, CheckReport> {
        let mut rec = Recorder::new(ctx.step_timeout, None);
        match within(ctx.total_timeout, sign_in(ctx, server, login, true, &mut rec)).await {
            Ok(session) => Ok(session),
            Err(failure) => Err(rec.finish(SIDE, Err(super::with_fix(failure, server)))),
        }
    }

    /// Sends one letter (sender, recipients, data) within the overall time limit; the report
    /// of its steps. After a failure the connection is in an unknown state: quit it.
    pub async fn send(&mut self, letter: &Letter) -> CheckReport {
        self.send_after(letter, std::future::ready(())).await
    }

    /// The same, waiting for `earlier` once the server is ready for the content (DATA answered)
    /// and before sending it: what must be done before the server may accept this letter (the
    /// outbox records the letter before it meanwhile, so at most one letter is ever sent and not
    /// recorded).
    pub async fn send_after(&mut self, letter: &Letter, earlier: impl Future<Output = ()>) -> CheckReport {
        let mut rec = Recorder::new(self.step_timeout, None);
        let outcome = within(self.total_timeout, transfer(self, letter, earlier, &mut rec)).await;
        let mut report = rec.finish(SIDE, outcome);
        report.certificate_expires_at = self.certificate_expires_at;
        report
    }

    /// Says goodbye, waiting at most one step's time for the answer (or only closes the
    /// connection, when replies are still unread).
    pub async fn quit(mut self) {
        if self.in_sync {
            let _ = tokio::time::timeout(self.step_timeout, self.conn.quit()).await;
        }
    }
}

/// Connect, TLS (implicit or STARTTLS), greeting and login; for letters one after another
/// (`many`), also whether the server offers PIPELINING.
async fn sign_in(
    ctx: &MailContext,
    server: &ServerAddress,
    login: &Login<'_>,
    many: bool,
    rec: &mut Recorder,
) -> Result<Session, StepFailure> {
    let hello = ClientId::Domain(HELLO_NAME.to_string());
    let host = server.host.as_str().to_string();

    let (tcp, vetted, address) = super::connect(ctx, server, SIDE, ReadLimits::SHORT_ANSWERS, rec).await?;

    let mut conn = match server.security {
        Security::Ssl => {
            let stream = super::start_tls(ctx, tcp, server, SIDE, rec).await?;
            greet(rec, stream, address, &hello).await?
        }
        Security::StartTls => {
            let mut conn = match greet(rec, tcp, address, &hello).await {
                Ok(conn) => conn,
                Err(f) => return Err(super::silent_greeting(ctx, &vetted, server, f).await),
            };
            if !conn.server_info().supports_feature(Extension::StartTls) {
                return Err(rec.fail_now(SIDE, Step::Tls, StepFailure::new(Reason::StartTlsNotOffered)));
            }
            let parameters =
                ctx.tls.lettre_parameters(&host).map_err(|e| super::internal_failure("TLS parameters", e))?;
            // The handshake, then the certificate's check, before the login goes anywhere.
            let upgrade = async {
                conn.starttls(parameters, &hello).await.map_err(|e| tls_failure(&e))?;
                let chain = conn.certificate_chain().map_err(|e| tls_failure(&e))?;
                let summary = ctx.verify_chain(&chain, &host, server.port.get()).map_err(|e| tls_failure(&e))?;
                Ok::<_, StepFailure>((summary, chain.first().and_then(|der| super::tls::expires_at(der))))
            };
            let (_, expires_at) = rec
                .run(SIDE, Step::Tls, upgrade, |f| f, |(certificate, _)| Some(format!("STARTTLS · {certificate}")))
                .await?;
            rec.saw_certificate(expires_at);
            conn
        }
    };

    let pipelining = many && offers_pipelining(&mut conn, rec).await?;
    match login.secret {
        Secret::Password(password) => {
            let mechanisms = [Mechanism::Plain, Mechanism::Login];
            if conn.server_info().get_auth_mechanism(&mechanisms).is_none() {
                return Err(rec.fail_now(SIDE, Step::Login, StepFailure::new(Reason::AuthNotOffered)));
            }
            let credentials = Credentials::new(login.user.to_string(), password.expose_secret().to_string());
            rec.run(SIDE, Step::Login, conn.auth(&mechanisms, &credentials), smtp_failure(Step::Login), |_| {
                Some(login.user.to_string())
            })
            .await?;
        }
        Secret::AccessToken(_) => {
            if !conn.server_info().supports_auth_mechanism(Mechanism::Xoauth2) {
                return Err(rec.fail_now(SIDE, Step::Login, StepFailure::new(Reason::Xoauth2NotOffered)));
            }
            let Some(response) = login.xoauth2() else {
                return Err(rec.fail_now(SIDE, Step::Login, StepFailure::new(Reason::TokenRefused)));
            };
            rec.run(SIDE, Step::Login, xoauth2(&mut conn, &response), |f| f, |_| Some(login.user.to_string())).await?;
        }
    }
    let (step_timeout, total_timeout) = (ctx.step_timeout, ctx.total_timeout);
    let certificate_expires_at = rec.certificate_expires_at();
    Ok(Session { conn, certificate_expires_at, pipelining, in_sync: true, step_timeout, total_timeout })
}

/// Whether the server offers PIPELINING, by saying hello once more (before the login, which a
/// new hello must not undo): lettre keeps only the extensions it uses itself.
async fn offers_pipelining(conn: &mut AsyncSmtpConnection, rec: &mut Recorder) -> Result<bool, StepFailure> {
    let hello = format!("EHLO {HELLO_NAME}");
    let reply =
        rec.run(SIDE, Step::Greeting, conn.command(Line(&hello)), smtp_failure(Step::Greeting), |_| None).await?;
    let offered = reply
        .message()
        .any(|line| line.split_whitespace().next().is_some_and(|word| word.eq_ignore_ascii_case("PIPELINING")));
    Ok(offered)
}

/// `AUTH XOAUTH2` with the initial response. lettre's own XOAUTH2 cannot answer the challenge a
/// server sends when it refuses the token (base64 JSON with the reasons, RFC 7628 §3.2.2), which
/// leaves the exchange open: here the challenge gets the empty line it asks for, and the
/// server's final refusal is the error.
async fn xoauth2(conn: &mut AsyncSmtpConnection, response: &secrecy::SecretString) -> Result<(), StepFailure> {
    // A refused login is a refused token here; a time-out or a dropped connection stays what it is.
    let refused = |e| {
        let failure = smtp_failure(Step::Login)(e);
        match failure.reason {
            Reason::WrongLoginOrPassword | Reason::AppPasswordRequired | Reason::PasswordLoginDisabled => {
                StepFailure { reason: Reason::TokenRefused, ..failure }
            }
            _ => failure,
        }
    };
    let command = zeroize::Zeroizing::new(format!("AUTH XOAUTH2 {}", response.expose_secret()));
    let mut reply = conn.command(Line(&command)).await.map_err(refused)?;
    if reply.has_code(334) {
        reply = conn.command(Line("")).await.map_err(refused)?;
    }
    if reply.has_code(235) {
        Ok(())
    } else {
        Err(StepFailure::with_reply(Reason::TokenRefused, reply_text(&reply)))
    }
}

/// The greeting, on a socket connected (and for implicit TLS, encrypted) to `peer`.
async fn greet<S>(
    rec: &mut Recorder,
    stream: S,
    peer: SocketAddr,
    hello: &ClientId,
) -> Result<AsyncSmtpConnection, StepFailure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + Sync + std::fmt::Debug + 'static,
{
    let stream = Box::new(Socket { inner: stream, peer });
    let greeted = AsyncSmtpConnection::connect_with_transport(stream, hello);
    rec.run(SIDE, Step::Greeting, greeted, smtp_failure(Step::Greeting), greeting).await
}

/// One mail transaction: the envelope sender is the letter's sender, so a server that refuses
/// that sender for this login says so here. On a server offering PIPELINING the sender, the
/// recipients and DATA go in one write and their replies are read in turn.
async fn transfer(
    session: &mut Session,
    letter: &Letter,
    earlier: impl Future<Output = ()>,
    rec: &mut Recorder,
) -> Result<(), StepFailure> {
    let Session { conn, pipelining, in_sync, .. } = session;
    let from = lettre_address(&letter.envelope_from)?;
    // An address with letters outside ASCII (`иван@…`) goes only to a server offering SMTPUTF8.
    let mut parameters = Vec::new();
    let all_ascii = std::iter::once(&letter.envelope_from).chain(&letter.envelope_to).all(|a| a.as_str().is_ascii());
    if !all_ascii {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(rec.fail_now(SIDE, Step::Sender, StepFailure::new(Reason::SmtpUtf8NotOffered)));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    let mut envelope =
        vec![(Step::Sender, Mail::new(Some(from), parameters).to_string(), letter.envelope_from.unicode())];
    for recipient in &letter.envelope_to {
        let to = Rcpt::new(lettre_address(recipient)?, vec![]).to_string();
        envelope.push((Step::Recipient, to, recipient.to_string()));
    }
    let data = Data.to_string();
    // All at once: the first reply comes to the whole write, the others are read after it.
    let together = pipelining
        .then(|| envelope.iter().map(|(_, command, _)| command.as_str()).chain([data.as_str()]).collect::<String>());
    *in_sync = together.is_none();
    for (i, (step, command, shown)) in envelope.iter().enumerate() {
        let reply = async {
            match &together {
                Some(all) if i == 0 => conn.command(Ended(all)).await,
                Some(_) => conn.read_response().await,
                None => conn.command(Ended(command)).await,
            }
        };
        rec.run(SIDE, *step, reply, smtp_failure(*step), |_| Some(shown.clone())).await?;
    }
    let bytes = letter.bytes.as_slice();
    let content = async {
        match together {
            Some(_) => conn.read_response().await?,
            None => conn.command(Data).await?,
        };
        // The server takes the letter only at the end of its content.
        earlier.await;
        match std::str::from_utf8(bytes) {
            Ok(text) => conn.command(Content(text)).await,
            Err(_) => conn.message(bytes).await,
        }
    };
    rec.run(SIDE, Step::Data, content, smtp_failure(Step::Data), |r| Some(reply_text(r))).await?;
    *in_sync = true;
    Ok(())
}

fn lettre_address(address: &EmailAddress) -> Result<lettre::Address, StepFailure> {
    address.as_str().parse().map_err(|e| super::internal_failure("address", e))
}

fn greeting(conn: &AsyncSmtpConnection) -> Option<String> {
    Some(conn.server_info().name().to_string())
}

fn reply_text(response: &lettre::transport::smtp::response::Response) -> String {
    format!("{} {}", response.code(), response.message().collect::<Vec<_>>().join(" "))
}

/// Explains a lettre error at `step`: a server reply by the table in `explain`, a TLS error by
/// its kind, a closed connection as dropped.
fn smtp_failure(step: Step) -> impl FnOnce(lettre::transport::smtp::Error) -> StepFailure {
    move |error| {
        if super::wire::is_overlong(&error) {
            return StepFailure::new(Reason::ReplyTooLong);
        }
        if let Some(code) = error.status() {
            let text = std::error::Error::source(&error).map(|s| s.to_string()).unwrap_or_default();
            let reply = format!("{code} {text}");
            return StepFailure::with_reply(super::explain::smtp_reply(step, &reply), reply);
        }
        if error.is_tls() {
            return tls_failure(&error);
        }
        let text = error.to_string();
        if error.is_timeout() {
            StepFailure::new(Reason::Timeout)
        } else if text.contains("network error")
            || text.contains("incomplete response")
            || text.contains("Connection error")
        {
            StepFailure::with_reply(Reason::ConnectionDropped, text)
        } else {
            StepFailure::with_reply(Reason::ServerRejected, text)
        }
    }
}

/// A socket (plain, or with TLS that Pochta already started) as lettre wants it.
#[derive(Debug)]
struct Socket<S> {
    inner: S,
    peer: SocketAddr,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + Sync + std::fmt::Debug> AsyncTokioStream for Socket<S> {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Socket<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Socket<S> {
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
