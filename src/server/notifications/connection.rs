//! The SMTP connection a tenant's drain keeps open from one letter to the next, for as long as
//! they go through the same account as it was saved then: one handshake and one login for many
//! letters, so a long queue drains at the speed of the mail server rather than of TLS. Never
//! shared between tenants (each drain has its own), at most [`LETTERS_PER_CONNECTION`] letters
//! and [`CONNECTION_AGE`] long (providers limit both), and closed when the tenant's queue is
//! empty or waits for the account's sending limit.

use crate::model::check::{CheckReport, Reason, Step};
use crate::model::ServerAddress;
use crate::server::db::accounts::AccountRow;
use crate::server::mail::login::Login;
use crate::server::mail::smtp::{Letter, Session};
use crate::server::mail::MailContext;
use std::time::{Duration, Instant};

/// Letters sent on one connection before a new one is opened.
pub const LETTERS_PER_CONNECTION: u32 = 50;
/// How long one connection is used for new letters.
pub const CONNECTION_AGE: Duration = Duration::from_secs(60);

/// The connection kept by one drain, if any.
#[derive(Default)]
pub struct Kept(Option<Open>);

struct Open {
    /// The account (id, version) it is logged in for: a saved change opens a new connection.
    account: (i64, i64),
    session: Session,
    opened: Instant,
    letters: u32,
}

impl Kept {
    /// Sends `letter` on the kept connection if it belongs to `account` and is still young: the
    /// report, or `None` when a new connection is needed (none kept, another account's, too old,
    /// or closed by the server since the last letter, before this one was begun).
    pub async fn reuse(&mut self, account: &AccountRow, letter: &Letter) -> Option<CheckReport> {
        let mut open = self.0.take()?;
        let fits = open.account == (account.id.0, account.version)
            && open.letters < LETTERS_PER_CONNECTION
            && open.opened.elapsed() < CONNECTION_AGE;
        if !fits {
            open.session.quit().await;
            return None;
        }
        let report = open.session.send(letter).await;
        if report.failure.is_none() {
            open.letters += 1;
            self.0 = Some(open);
            return Some(report);
        }
        if closed_before_the_letter(&report) {
            tracing::debug!(letters = open.letters, "outbox: the kept connection was closed by the server");
            return None;
        }
        open.session.quit().await;
        Some(report)
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
            self.0 = Some(Open { account, session, opened: Instant::now(), letters: 1 });
        } else {
            session.quit().await;
        }
        report
    }

    pub async fn close(&mut self) {
        if let Some(open) = self.0.take() {
            open.session.quit().await;
        }
    }
}

/// The first command of the letter found the connection gone (dropped, or the server's 421
/// «closing»): nothing of the letter reached the server, so it may go on a new connection.
fn closed_before_the_letter(report: &CheckReport) -> bool {
    let Some(failure) = &report.failure else { return false };
    let at_sender = report.steps.last().is_some_and(|s| s.step == Step::Sender);
    let closing = failure.server_reply.as_deref().is_some_and(|r| r.trim_start().starts_with("421"));
    at_sender && (failure.reason == Reason::ConnectionDropped || closing)
}
