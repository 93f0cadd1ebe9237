//! The SMTP connection a tenant's drain keeps open from one letter to the next, for as long as
//! they go through the same account as it was saved then: one handshake and one login for many
//! letters, so a long queue drains at the speed of the mail server rather than of TLS. Never
//! shared between tenants (each drain has its own), at most [`LETTERS_PER_CONNECTION`] letters
//! and [`CONNECTION_AGE`] long, and closed when the tenant's queue is empty or waits for the
//! account's sending limit. A server with a lower limit of its own says so at a letter's MAIL
//! (a 4xx reply, often closing the connection): that letter goes on a new connection.

use crate::model::check::{CheckReport, Reason, Step};
use crate::model::ServerAddress;
use crate::server::db::accounts::AccountRow;
use crate::server::mail::login::Login;
use crate::server::mail::smtp::{Letter, Session};
use crate::server::mail::MailContext;
use std::future::Future;
use std::time::{Duration, Instant};

/// Letters sent on one connection before a new one is opened (Exim's default limit; Postfix has
/// none). Opening one costs a TLS handshake and a login — on the loopback Postfix about 50 ms,
/// as long as 25 letters take — and providers count connections too.
pub const LETTERS_PER_CONNECTION: u32 = 1000;
/// How long one connection is used for new letters (servers drop idle ones after a few minutes).
pub const CONNECTION_AGE: Duration = Duration::from_secs(240);
/// How often deliveries on one connection are written to the account's health: on one connection
/// nothing but the time of the last success can change (the same account, the same certificate),
/// so the first delivery is written and then one every so often, not every letter.
pub const HEALTH_EVERY: Duration = Duration::from_secs(10);

/// The connection kept by one drain, if any.
#[derive(Default)]
pub struct Kept(Option<Open>);

struct Open {
    /// The account (id, version) it is logged in for: a saved change opens a new connection.
    account: (i64, i64),
    session: Session,
    opened: Instant,
    letters: u32,
    /// When a delivery on it was last written to the account's health.
    health_written: Option<Instant>,
}

impl Kept {
    /// Sends `letter` on the kept connection if it belongs to `account` and is still young: the
    /// report, or `None` when a new connection is needed (none kept, another account's, too old,
    /// or closed or refused by the server at this letter's first command).
    /// `earlier` is awaited before the letter's content (see [`Session::send_after`]).
    pub async fn reuse(
        &mut self,
        account: &AccountRow,
        letter: &Letter,
        earlier: impl Future<Output = ()>,
    ) -> Option<CheckReport> {
        let mut open = self.0.take()?;
        let fits = open.account == (account.id.0, account.version)
            && open.letters < LETTERS_PER_CONNECTION
            && open.opened.elapsed() < CONNECTION_AGE;
        if !fits {
            open.session.quit().await;
            return None;
        }
        let report = open.session.send_after(letter, earlier).await;
        if report.failure.is_none() {
            open.letters += 1;
            self.0 = Some(open);
            return Some(report);
        }
        let again = closed_before_the_letter(&report);
        if again {
            tracing::debug!(letters = open.letters, "outbox: the kept connection takes no more letters");
        }
        open.session.quit().await;
        (!again).then_some(report)
    }

    /// Opens a new connection for `account`, sends `letter` on it and keeps it if that worked.
    pub async fn open_and_send(
        &mut self,
        ctx: &MailContext,
        server: &ServerAddress,
        login: &Login<'_>,
        account: &AccountRow,
        letter: &Letter,
    ) -> CheckReport {
        self.close().await;
        let mut session = match Session::open(ctx, server, login).await {
            Ok(session) => session,
            Err(report) => return report,
        };
        let report = session.send(letter).await;
        if report.failure.is_none() {
            let account = (account.id.0, account.version);
            self.0 = Some(Open { account, session, opened: Instant::now(), letters: 1, health_written: None });
        } else {
            session.quit().await;
        }
        report
    }

    /// Whether the last letter's delivery, on the kept connection, adds nothing to the account's
    /// health that was not written within [`HEALTH_EVERY`].
    pub fn health_known(&self) -> bool {
        self.0.as_ref().and_then(|open| open.health_written).is_some_and(|at| at.elapsed() < HEALTH_EVERY)
    }

    /// A delivery on the kept connection was written to the account's health.
    pub fn health_written(&mut self) {
        if let Some(open) = &mut self.0 {
            open.health_written = Some(Instant::now());
        }
    }

    pub async fn close(&mut self) {
        if let Some(open) = self.0.take() {
            open.session.quit().await;
        }
    }
}

/// The first command of the letter found the kept connection gone (dropped) or refused for now
/// (a 4xx reply: «421 closing», «451 too many messages on this connection»): nothing of the
/// letter reached the server, so it may go on a new connection. If that one refuses it too, the
/// refusal counts.
fn closed_before_the_letter(report: &CheckReport) -> bool {
    let Some(failure) = &report.failure else { return false };
    let at_sender = report.steps.last().is_some_and(|s| s.step == Step::Sender);
    let for_now = failure.server_reply.as_deref().is_some_and(|r| r.trim_start().starts_with('4'));
    at_sender && (failure.reason == Reason::ConnectionDropped || for_now)
}
