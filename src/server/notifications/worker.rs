//! The outbox's workers, in every app server. They look for tenants with letters due and, for at
//! most `--outbox-tenants-at-once` tenants at a time (one letter after another within a tenant,
//! so one tenant's broken server never holds up another's mail), claim letters (a few at a
//! time: `claims`), send each through the tenant's account and record how it went:
//! - sent;
//! - tried again later after a passing failure (a 4xx reply, no connection, no answer), each
//!   delay twice the last (`--outbox-retry-seconds` first, at most an hour) and spread at random;
//! - failed at once after a lasting one (a 5xx reply: an unknown recipient, a refused sender, a
//!   wrong password), or when the next try would come after the time to give up.
//!
//! A claim is a lease: a letter whose server stopped while sending it is due again when the lease
//! runs out and is sent with the same Message-ID, so a duplicate is recognisably the same letter.

use super::claims::{self, Pending};
use super::connection::Kept;
use super::health::Seen;
use super::outbox::{Sending, Unsendable};
use crate::model::check::{Failure, Reason};
use crate::model::error::AppError;
use crate::model::oauth::SignInProblem;
use crate::model::{EmailAddress, SenderName, TenantId};
use crate::server::db::accounts::{AccountRow, SecretField};
use crate::server::db::outbox::{Ending, OutboxRow};
use crate::server::db::{self, now_millis, Capability};
use crate::server::mail::letters::{self, Sender};
use crate::server::mail::login::Credential;
use crate::server::oauth;
use crate::server::state::AppState;
use crate::server::trusted_certificates;
use rand::Rng;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How often the outbox is looked at when nothing woke the workers (a letter queued by another
/// server, a retry coming due).
const POLL: Duration = Duration::from_secs(1);
/// Tenants looked up per round.
const TENANTS_PER_ROUND: i64 = 64;
const LONGEST_DELAY_MS: i64 = 3_600_000;

/// Runs for as long as the server does (not started with `--outbox-tenants-at-once 0`).
pub async fn run(state: AppState) {
    let working: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let slots = Arc::new(Semaphore::new(state.config.outbox_tenants_at_once.max(1)));
    loop {
        match due_tenants(&state).await {
            Ok(tenants) => {
                for tenant in tenants {
                    let Some(turn) = Turn::take(&working, tenant) else { continue };
                    let Ok(slot) = slots.clone().acquire_owned().await else { return };
                    let state = state.clone();
                    tokio::spawn(async move {
                        drain(&state, TenantId(tenant)).await;
                        drop((turn, slot));
                    });
                }
            }
            Err(e) => tracing::warn!(error = ?e, "outbox: looking for letters due"),
        }
        tokio::select! {
            _ = state.outbox_queued.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// A tenant being drained by this server; given back when dropped, even if the drain panicked.
struct Turn {
    working: Arc<Mutex<HashSet<i64>>>,
    tenant: i64,
}

impl Turn {
    fn take(working: &Arc<Mutex<HashSet<i64>>>, tenant: i64) -> Option<Self> {
        let fresh = working.lock().unwrap_or_else(|e| e.into_inner()).insert(tenant);
        fresh.then(|| Turn { working: working.clone(), tenant })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.working.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.tenant);
    }
}

async fn due_tenants(state: &AppState) -> Result<Vec<i64>, crate::model::error::AppError> {
    let mut tx = state.db.lookup_read(Capability::OutboxScan, "on").await?;
    let tenants = db::outbox::due_tenants(&mut tx, now_millis(), TENANTS_PER_ROUND).await?;
    tx.commit().await?;
    Ok(tenants)
}

/// Sends the tenant's due letters one after another until none is left, on one SMTP connection
/// for as long as they go through the same account.
async fn drain(state: &AppState, tenant: TenantId) {
    let (mut kept, mut pending) = (Kept::default(), Pending::default());
    drain_on(state, tenant, &mut kept, &mut pending).await;
    pending.wait().await;
    kept.close().await;
}

async fn drain_on(state: &AppState, tenant: TenantId, kept: &mut Kept, pending: &mut Pending) {
    loop {
        pending.wait().await;
        let batch = match claims::claim(state, tenant).await {
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(tenant = tenant.0, error = ?e, "outbox: claiming letters");
                return;
            }
        };
        if batch.letters.is_empty() {
            return;
        }
        let claimed = Instant::now();
        let mut held: Vec<&str> = Vec::new();
        for (i, (letter, sending)) in batch.letters.iter().enumerate() {
            // A letter started later might not be recorded within its lease: it waits for the
            // next claim, with the rest of the batch.
            if claimed.elapsed() > state.config.mail_total_timeout() {
                pending.wait().await;
                let rest: Vec<&OutboxRow> = batch.letters[i..].iter().map(|(letter, _)| letter).collect();
                if let Err(e) = claims::release(state, tenant, &rest).await {
                    tracing::warn!(tenant = tenant.0, error = ?e, "outbox: giving back letters not tried");
                }
                break;
            }
            if held.contains(&letter.via.as_str()) {
                continue;
            }
            let Some(hold) = send_one(state, tenant, letter, sending.as_ref(), (kept, pending)).await else { continue };
            // Its account is failing: the rest of the tenant's letters through it wait with it.
            let rest: Vec<&OutboxRow> =
                batch.letters[i + 1..].iter().map(|(later, _)| later).filter(|later| later.via == letter.via).collect();
            let why = (hold.reason.as_str(), hold.reply.as_deref());
            match claims::hold(state, tenant, (&letter.via, hold.until), why, &rest).await {
                Ok(count) => tracing::info!(tenant = tenant.0, via = letter.via, count, "outbox: letters held"),
                Err(e) => tracing::warn!(tenant = tenant.0, error = ?e, "outbox: holding letters"),
            }
            held.push(&letter.via);
        }
        if batch.postponed {
            return;
        }
    }
}

/// The tenant's letters through an account that failed in a way waiting may mend wait until
/// `until` (the circuit breaker), for this reason.
struct Hold {
    until: i64,
    reason: String,
    reply: Option<String>,
}

/// Tries `letter` and records how it went: a delivery in the background while the next letter
/// goes out (`pending`), a failure at once; a [`Hold`] when its account failed in a way that
/// waiting may mend, so its other letters should wait too.
async fn send_one(
    state: &AppState,
    tenant: TenantId,
    letter: &OutboxRow,
    sending: Option<&Arc<Sending>>,
    (kept, pending): (&mut Kept, &mut Pending),
) -> Option<Hold> {
    let outcome = match sending {
        Some(sending) => deliver(state, tenant, letter, sending, (kept, &mut *pending)).await,
        None => Err(Problem::unsendable(Unsendable::AccountNotConfigured)),
    };
    pending.wait().await;
    let now = now_millis();
    let problem = match (outcome, sending) {
        (Ok(certificate_expires_at), Some(sending)) => {
            let health = (!kept.health_known()).then_some(certificate_expires_at);
            if health.is_some() {
                kept.health_written();
            }
            *pending = claims::record_delivery(state, tenant, letter, now, (sending, health));
            tracing::info!(
                tenant = tenant.0,
                id = letter.id,
                attempt = letter.attempts,
                outcome = "sent",
                "outbox letter"
            );
            return None;
        }
        (Ok(_), None) => return None,
        (Err(problem), _) => problem,
    };
    let base = state.config.outbox_retry_seconds;
    let retry_at = now.saturating_add(retry_delay_ms(base, letter.attempts));
    let (reason, reply) = (problem.reason.as_str(), problem.reply.as_deref());
    let ending = if problem.lasting || retry_at > letter.give_up_at {
        Ending::Failed { reason, reply }
    } else {
        Ending::Retry { at: retry_at, reason, reply }
    };
    let seen = problem.account_fault.then_some(Seen::Failed { reason });
    let health = sending.map(|s| &s.account).zip(seen);
    let failures = match claims::record(state, tenant, letter, &ending, health).await {
        Ok(recorded) => {
            if !recorded.mine {
                tracing::warn!(tenant = tenant.0, id = letter.id, "outbox: the claim ran out before it was recorded");
            }
            recorded.failures
        }
        Err(e) => {
            tracing::warn!(tenant = tenant.0, id = letter.id, error = ?e, "outbox: recording an attempt");
            0
        }
    };
    let (name, hold) = match ending {
        // Held as long as the account's failures in a row say (each run doubling the wait), and
        // at least as long as this letter waits.
        Ending::Retry { at, reason, reply } if failures > 0 => {
            let until = at.max(now.saturating_add(retry_delay_ms(base, failures)));
            ("retry", Some(Hold { until, reason: reason.to_string(), reply: reply.map(String::from) }))
        }
        Ending::Retry { .. } => ("retry", None),
        _ => ("failed", None),
    };
    tracing::info!(tenant = tenant.0, id = letter.id, attempt = letter.attempts, outcome = name, "outbox letter");
    hold
}

/// Why an attempt did not deliver, whether trying again could help, and whether it tells about
/// the account (its health) rather than about this letter.
struct Problem {
    reason: String,
    reply: Option<String>,
    lasting: bool,
    account_fault: bool,
}

impl Problem {
    fn unsendable(why: Unsendable) -> Self {
        Self { reason: why.name().to_string(), reply: None, lasting: true, account_fault: true }
    }

    fn internal(what: &str, error: impl std::fmt::Debug) -> Self {
        tracing::error!(?error, "outbox: {what}");
        Self { reason: Reason::ServerRejected.name().to_string(), reply: None, lasting: false, account_fault: false }
    }

    fn of(failure: Failure) -> Self {
        let lasting = lasting(&failure);
        let account_fault = !about_the_letter(failure.reason);
        Self { reason: failure.reason.name().to_string(), reply: failure.server_reply, lasting, account_fault }
    }
}

/// Failures caused by this letter (its recipients, its size), which say nothing about whether
/// the account works.
fn about_the_letter(reason: Reason) -> bool {
    matches!(
        reason,
        Reason::RecipientRejected | Reason::MailboxUnavailable | Reason::MessageTooLarge | Reason::SmtpUtf8NotOffered
    )
}

/// A 5xx reply will be the same next time; a 4xx one says to come back later. Without a reply,
/// what the server lacks stays lacking, while a connection, a name or a time-out may recover.
fn lasting(failure: &Failure) -> bool {
    match failure.server_reply.as_deref().and_then(|r| r.trim_start().chars().next()) {
        Some('5') => true,
        Some('4') => false,
        _ => matches!(
            failure.reason,
            Reason::AuthNotOffered | Reason::SmtpUtf8NotOffered | Reason::StartTlsNotOffered | Reason::MessageTooLarge
        ),
    }
}

/// `base` doubled for every attempt after the first, at most an hour, spread by ±50%.
fn retry_delay_ms(base_secs: u64, attempt: i64) -> i64 {
    let doublings = attempt.saturating_sub(1).clamp(0, 20) as u32;
    let delay = (base_secs.saturating_mul(1000) as i64).saturating_mul(1 << doublings).min(LONGEST_DELAY_MS);
    (delay as f64 * rand::thread_rng().gen_range(0.5..1.5)) as i64
}

/// Sends `letter`; the record of the letter before (`pending`) is written by its DATA.
async fn deliver(
    state: &AppState,
    tenant: TenantId,
    letter: &OutboxRow,
    sending: &Sending,
    (kept, pending): (&mut Kept, &mut Pending),
) -> Result<Option<i64>, Problem> {
    let Sending { account, name: from_name, from } = sending;
    let server = account.smtp.clone().ok_or(Problem::unsendable(Unsendable::AccountNotConfigured))?;
    let to: Vec<EmailAddress> = letter.recipients.lines().filter_map(|a| EmailAddress::parse(a).ok()).collect();
    let reply_to = letter.reply_to.as_deref().and_then(|a| EmailAddress::parse(a).ok());
    let sender_name = SenderName::parse(from_name).ok();
    let sender = Sender { name: sender_name.as_ref(), address: from };
    let composed = letters::notification(
        &sender,
        &letters::Notification {
            to: &to,
            reply_to: reply_to.as_ref(),
            subject: &letter.subject,
            text: &letter.text_body,
            html: letter.html_body.as_deref(),
            message_id: &letter.message_id,
        },
    )
    .map_err(|e| Problem::internal("composing", e))?;
    let report = match kept.reuse(account, &composed, pending.wait()).await {
        Some(report) => report,
        None => {
            pending.wait().await;
            let login_user = account.smtp_login.clone().unwrap_or_else(|| account.address.clone());
            let credential = credential(state, tenant, account).await?;
            let mail = trusted_certificates::mail_for(state, tenant)
                .await
                .map_err(|e| Problem::internal("trusted certificates", e))?;
            kept.open_and_send(&mail, &server, &credential.login(&login_user), account, &composed).await
        }
    };
    match report.failure {
        None => Ok(report.certificate_expires_at),
        Some(failure) => Err(Problem::of(failure)),
    }
}

/// What the account signs in with: its stored password, or a current access token of its sign-in
/// with the provider. A refused renewal waits for an administrator to sign in again (retried
/// until the letter's time runs out); an unreachable provider is a passing failure.
async fn credential(state: &AppState, tenant: TenantId, account: &AccountRow) -> Result<Credential, Problem> {
    let Some(id) = account.oauth_sign_in_id else {
        let password =
            state.secrets.open_stored(account, SecretField::Main).map_err(|e| Problem::internal("password", e))?;
        return password.map(Credential::Password).ok_or(Problem::unsendable(Unsendable::PasswordNotStored));
    };
    match oauth::access_token(state.sign_ins(), tenant, id, oauth::Holder::Account).await {
        Ok((_, token)) => Ok(Credential::AccessToken(token)),
        Err(AppError::SignIn(SignInProblem::SignInAgain | SignInProblem::NotOffered)) => {
            Err(Problem { lasting: false, ..Problem::unsendable(Unsendable::SignInRequired) })
        }
        Err(AppError::SignIn(SignInProblem::ProviderUnreachable)) => Err(Problem {
            reason: Reason::Unreachable.name().to_string(),
            reply: None,
            lasting: false,
            account_fault: true,
        }),
        Err(e) => Err(Problem::internal("access token", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::check::Side;

    fn failure(reason: Reason, reply: Option<&str>) -> Failure {
        Failure { side: Side::Outgoing, reason, server_reply: reply.map(String::from), fix: None, certificate: None }
    }

    #[test]
    fn a_5xx_reply_is_lasting_and_a_4xx_one_passes() {
        assert!(lasting(&failure(Reason::RecipientRejected, Some("550 5.1.1 User unknown"))));
        assert!(!lasting(&failure(Reason::ServerRejected, Some("451 4.3.0 Try again later"))));
        assert!(!lasting(&failure(Reason::Unreachable, None)));
        assert!(!lasting(&failure(Reason::Timeout, None)));
        assert!(lasting(&failure(Reason::AuthNotOffered, None)));
    }

    #[test]
    fn retries_double_within_their_spread_and_stop_growing_at_an_hour() {
        for _ in 0..100 {
            let first = retry_delay_ms(30, 1);
            assert!((15_000..45_000).contains(&first), "{first}");
            let third = retry_delay_ms(30, 3);
            assert!((60_000..180_000).contains(&third), "{third}");
            let late = retry_delay_ms(30, 40);
            assert!((1_800_000..5_400_000).contains(&late), "{late}");
        }
    }
}
