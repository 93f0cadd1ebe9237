//! Checking an incoming server: IMAP through async-imap (login, INBOX selected, messages counted
//! since the initial load date) or POP3 through [`super::pop3`] (login, STAT), on a socket the
//! egress guard opened, with STARTTLS/STLS or implicit TLS.

use super::explain::incoming_login_reply;
use super::login::{Login, Secret};
use super::pop3::{Pop3, Pop3Error};
use super::report::{Recorder, StepFailure};
use super::wire::{Capped, ReadLimits};
use super::{connect, silent_greeting, start_tls, tls_failure, MailContext, Wire};
use crate::model::check::{Reason, Side, Step};
use crate::model::{Date, Protocol, Security, ServerAddress};
use async_imap::imap_proto::{Response, Status};
use secrecy::{ExposeSecret, SecretString};
use tokio_rustls::client::TlsStream;

const SIDE: Side = Side::Incoming;

/// Logs in to the incoming server and returns how many messages the mailbox holds (since
/// `since`, for IMAP; POP3 has no dates and counts all).
pub async fn check(
    ctx: &MailContext,
    protocol: Protocol,
    server: &ServerAddress,
    login: &Login<'_>,
    since: Option<Date>,
    rec: &mut Recorder,
) -> Result<u32, StepFailure> {
    let outcome = match protocol {
        Protocol::Pop3 => pop3(ctx, server, login, rec).await,
        _ => imap(ctx, server, login, since, rec).await,
    };
    outcome.map_err(|f| super::with_fix(f, server))
}

fn imap_failure(error: async_imap::error::Error) -> StepFailure {
    use async_imap::error::Error as E;
    match error {
        E::No(text) | E::Bad(text) => StepFailure::with_reply(incoming_login_reply(&text), text),
        E::Io(e) if super::wire::is_overlong(&e) => StepFailure::new(Reason::ReplyTooLong),
        E::Io(e) if e.get_ref().is_some() => tls_failure(&e),
        E::Io(e) => StepFailure::with_reply(Reason::ConnectionDropped, e.to_string()),
        E::ConnectionLost => StepFailure::new(Reason::ConnectionDropped),
        other => StepFailure::with_reply(Reason::ServerRejected, other.to_string()),
    }
}

/// Reads the IMAP greeting; a `BYE` or nothing at all is a refusal.
async fn imap_greeting<S>(client: &mut async_imap::Client<S>) -> Result<(), StepFailure>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(response)) => match response.parsed() {
            Response::Data { status: Status::Bye, information, .. } => Err(StepFailure::with_reply(
                Reason::ServerRejected,
                information.as_deref().unwrap_or("BYE").to_string(),
            )),
            _ => Ok(()),
        },
        Ok(None) => Err(StepFailure::new(Reason::ConnectionDropped)),
        Err(e) if e.get_ref().is_some() => Err(tls_failure(&e)),
        Err(e) => Err(StepFailure::with_reply(Reason::ConnectionDropped, e.to_string())),
    }
}

async fn imap(
    ctx: &MailContext,
    server: &ServerAddress,
    login: &Login<'_>,
    since: Option<Date>,
    rec: &mut Recorder,
) -> Result<u32, StepFailure> {
    let host = server.host.as_str();
    let (tcp, vetted, _) = connect(ctx, server, SIDE, ReadLimits::IMAP, rec).await?;
    let tls: Capped<TlsStream<Wire>> = match server.security {
        Security::Ssl => start_tls(ctx, tcp, server, SIDE, rec).await?,
        Security::StartTls => {
            let mut plain = async_imap::Client::new(tcp);
            if let Err(f) = rec.run(SIDE, Step::Greeting, imap_greeting(&mut plain), |f| f, |_| None).await {
                return Err(silent_greeting(ctx, &vetted, server, f).await);
            }
            let upgrade = async {
                plain.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| match e {
                    async_imap::error::Error::No(t) | async_imap::error::Error::Bad(t) => {
                        StepFailure::with_reply(Reason::StartTlsNotOffered, t)
                    }
                    other => imap_failure(other),
                })?;
                ctx.wrap_tls(plain.into_inner(), host, server.port.get()).await.map_err(|e| tls_failure(&e))
            };
            let tls = rec
                .run(SIDE, Step::Tls, upgrade, |f| f, |s| Some(format!("STARTTLS {}", super::tls::describe(s))))
                .await?;
            Capped::new(tls, ReadLimits::IMAP, Vec::new())
        }
    };
    let mut client = async_imap::Client::new(tls);
    if server.security == Security::Ssl {
        rec.run(SIDE, Step::Greeting, imap_greeting(&mut client), |f| f, |_| None).await?;
    }
    let mut session = match login.secret {
        Secret::Password(password) => {
            let signed_in = async { client.login(login.user, password.expose_secret()).await.map_err(|(e, _)| e) };
            rec.run(SIDE, Step::Login, signed_in, imap_failure, |_| Some(login.user.to_string())).await?
        }
        Secret::AccessToken(_) => {
            let Some(response) = login.xoauth2() else {
                return Err(rec.fail_now(SIDE, Step::Login, StepFailure::new(Reason::TokenRefused)));
            };
            let signed_in = async {
                client.authenticate("XOAUTH2", Xoauth2 { response: Some(response) }).await.map_err(|(e, _)| e)
            };
            rec.run(SIDE, Step::Login, signed_in, token_failure(imap_failure), |_| Some(login.user.to_string())).await?
        }
    };
    let count = async {
        let mailbox = session.select("INBOX").await?;
        match since {
            Some(date) => Ok(session.search(format!("SINCE {}", date.imap())).await?.len() as u32),
            None => Ok(mailbox.exists),
        }
    };
    let messages = rec
        .run(
            SIDE,
            Step::Mailbox,
            count,
            |e| {
                let f = imap_failure(e);
                if f.reason == Reason::WrongLoginOrPassword {
                    StepFailure { reason: Reason::MailboxUnavailable, ..f }
                } else {
                    f
                }
            },
            |n| Some(format!("INBOX: {n}")),
        )
        .await?;
    let _ = tokio::time::timeout(rec.step_timeout(), session.logout()).await;
    Ok(messages)
}

/// The XOAUTH2 exchange as async-imap drives it: the initial response to the server's first
/// (empty) challenge; to a second one — the server's reasons for refusing the token, base64 JSON
/// — the empty answer RFC 7628 asks for, after which the server says `NO`.
struct Xoauth2 {
    /// Already base64, as async-imap encodes what `process` returns once more: decoded here,
    /// so the server sees it encoded once.
    response: Option<SecretString>,
}

impl async_imap::Authenticator for Xoauth2 {
    type Response = zeroize::Zeroizing<Vec<u8>>;

    fn process(&mut self, _challenge: &[u8]) -> Self::Response {
        use base64::Engine;
        let raw = match self.response.take() {
            Some(encoded) => {
                base64::engine::general_purpose::STANDARD.decode(encoded.expose_secret()).unwrap_or_default()
            }
            None => Vec::new(),
        };
        zeroize::Zeroizing::new(raw)
    }
}

/// A refused login, when it signed in with a token, is a refused token, or XOAUTH2 not offered
/// when the server says it does not know the mechanism; a time-out or a dropped connection stays
/// what it is.
fn token_failure<E>(explain: impl Fn(E) -> StepFailure) -> impl Fn(E) -> StepFailure {
    move |error| {
        let failure = explain(error);
        let reply = failure.server_reply.as_deref().unwrap_or_default().to_ascii_lowercase();
        let reason = if reply.contains("unsupported authentication mechanism") || reply.contains("[cannot]") {
            Reason::Xoauth2NotOffered
        } else {
            match failure.reason {
                Reason::WrongLoginOrPassword | Reason::AppPasswordRequired => Reason::TokenRefused,
                other => other,
            }
        };
        StepFailure { reason, ..failure }
    }
}

fn pop3_failure(step: Step) -> impl Fn(Pop3Error) -> StepFailure {
    move |error| match error {
        Pop3Error::Negative(text) if step == Step::Login => {
            StepFailure::with_reply(incoming_login_reply(&text), format!("-ERR {text}"))
        }
        Pop3Error::Negative(text) if step == Step::Tls => {
            StepFailure::with_reply(Reason::StartTlsNotOffered, format!("-ERR {text}"))
        }
        Pop3Error::Negative(text) if step == Step::Mailbox => {
            StepFailure::with_reply(Reason::MailboxUnavailable, format!("-ERR {text}"))
        }
        Pop3Error::Negative(text) => StepFailure::with_reply(Reason::ServerRejected, format!("-ERR {text}")),
        Pop3Error::Io(e) if super::wire::is_overlong(&e) => StepFailure::new(Reason::ReplyTooLong),
        Pop3Error::Io(e) if e.get_ref().is_some() => tls_failure(&e),
        Pop3Error::Io(e) => StepFailure::with_reply(Reason::ConnectionDropped, e.to_string()),
        Pop3Error::Protocol(text) => StepFailure::with_reply(Reason::ServerRejected, text),
    }
}

async fn pop3(
    ctx: &MailContext,
    server: &ServerAddress,
    login: &Login<'_>,
    rec: &mut Recorder,
) -> Result<u32, StepFailure> {
    let host = server.host.as_str();
    let (tcp, vetted, _) = connect(ctx, server, SIDE, ReadLimits::SHORT_ANSWERS, rec).await?;
    let tls = match server.security {
        Security::Ssl => start_tls(ctx, tcp, server, SIDE, rec).await?,
        Security::StartTls => {
            let greeted = rec
                .run(SIDE, Step::Greeting, Pop3::connect(tcp), pop3_failure(Step::Greeting), |(_, g)| Some(g.clone()))
                .await;
            let (mut plain, _) = match greeted {
                Ok(greeted) => greeted,
                Err(f) => return Err(silent_greeting(ctx, &vetted, server, f).await),
            };
            let upgrade = async {
                plain.stls().await.map_err(pop3_failure(Step::Tls))?;
                ctx.wrap_tls(plain.into_inner(), host, server.port.get()).await.map_err(|e| tls_failure(&e))
            };
            let tls =
                rec.run(SIDE, Step::Tls, upgrade, |f| f, |s| Some(format!("STLS {}", super::tls::describe(s)))).await?;
            Capped::new(tls, ReadLimits::SHORT_ANSWERS, Vec::new())
        }
    };
    let mut client = if server.security == Security::Ssl {
        rec.run(SIDE, Step::Greeting, Pop3::connect(tls), pop3_failure(Step::Greeting), |(_, g)| Some(g.clone()))
            .await?
            .0
    } else {
        // After STLS the server does not greet again.
        Pop3::resume(tls)
    };
    match login.secret {
        Secret::Password(password) => {
            let signed_in = client.login(login.user, password.expose_secret());
            rec.run(SIDE, Step::Login, signed_in, pop3_failure(Step::Login), |_| Some(login.user.to_string())).await?;
        }
        Secret::AccessToken(_) => {
            let Some(response) = login.xoauth2() else {
                return Err(rec.fail_now(SIDE, Step::Login, StepFailure::new(Reason::TokenRefused)));
            };
            let signed_in = client.xoauth2(response.expose_secret());
            let refused = token_failure(pop3_failure(Step::Login));
            rec.run(SIDE, Step::Login, signed_in, refused, |_| Some(login.user.to_string())).await?;
        }
    }
    let (messages, _) = rec
        .run(SIDE, Step::Mailbox, client.stat(), pop3_failure(Step::Mailbox), |(n, _)| Some(format!("STAT: {n}")))
        .await?;
    let _ = tokio::time::timeout(rec.step_timeout(), client.quit()).await;
    Ok(messages)
}
