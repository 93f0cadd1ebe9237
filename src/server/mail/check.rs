//! Checking an account of the directory: a sending account sends a message to its own address
//! (or, for «Проверить настройки», logs in), a receiving account logs in to its incoming server
//! and counts its mail. One report covers both sides; the first failure ends it.

use super::imap;
use super::letters::{self, Sender};
use super::login::Login;
use super::report::{Recorder, StepFailure, StepObserver};
use super::smtp::{self, Errand};
use super::MailContext;
use crate::model::check::{CheckReport, Reason, Side};
use crate::model::time_zone::Moment;
use crate::model::{Date, EmailAddress, Lang, Protocol, SenderName, ServerAddress};

pub struct Outgoing<'a> {
    pub server: &'a ServerAddress,
    pub login: Login<'a>,
    /// Send a message to the account's own address (the check before saving), or only log in.
    pub send_to_self: bool,
}

pub struct Incoming<'a> {
    pub protocol: Protocol,
    pub server: &'a ServerAddress,
    pub login: Login<'a>,
    pub since: Option<Date>,
}

pub struct AccountCheck<'a> {
    pub lang: Lang,
    /// Now in the tenant's zone, for the check message.
    pub now: Moment,
    pub address: &'a EmailAddress,
    pub sender_name: Option<&'a SenderName>,
    pub outgoing: Option<Outgoing<'a>>,
    pub incoming: Option<Incoming<'a>>,
}

pub async fn run(ctx: &MailContext, check: &AccountCheck<'_>, observer: Option<StepObserver>) -> CheckReport {
    let mut rec = Recorder::new(ctx.step_timeout, observer);
    let outcome = tokio::time::timeout(ctx.total_timeout, sides(ctx, check, &mut rec)).await;
    let (side, outcome) = match outcome {
        Ok(Ok(())) => (Side::Outgoing, Ok(())),
        Ok(Err((side, failure))) => (side, Err(failure)),
        Err(_) => (Side::Outgoing, Err(StepFailure::new(Reason::Timeout))),
    };
    rec.finish(side, outcome)
}

async fn sides(ctx: &MailContext, check: &AccountCheck<'_>, rec: &mut Recorder) -> Result<(), (Side, StepFailure)> {
    if let Some(out) = &check.outgoing {
        let outcome = if out.send_to_self {
            let sender = Sender { name: check.sender_name, address: check.address };
            let letter = letters::account_check_letter(check.lang, &sender, check.now)
                .map_err(|e| (Side::Outgoing, super::internal_failure("composing the check message", e)))?;
            smtp::run(ctx, out.server, &out.login, Errand::Send(&letter), rec).await
        } else {
            smtp::run(ctx, out.server, &out.login, Errand::Login, rec).await
        };
        outcome.map_err(|f| (Side::Outgoing, f))?;
    }
    if let Some(inc) = &check.incoming {
        let messages = imap::check(ctx, inc.protocol, inc.server, &inc.login, inc.since, rec)
            .await
            .map_err(|f| (Side::Incoming, f))?;
        rec.set_messages(messages);
    }
    Ok(())
}
