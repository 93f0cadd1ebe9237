//! The outbox's transactions around sending, as few as a long queue allows: a tenant's letters
//! are claimed [`BATCH`] at a time (counted against their accounts' sending limits and with the
//! accounts read, all in one transaction), then each is sent and recorded on its own — so a
//! server stopped in the middle leaves at most the letter in flight to be sent twice, and the
//! rest of its batch is taken over, unsent, when their lease runs out. A delivery is recorded
//! while the next letter's envelope goes out ([`Pending`]), and written before its content.

use super::health::{self, Seen};
use super::outbox::{self, Sending, Via};
use crate::model::error::AppError;
use crate::model::TenantId;
use crate::server::db::accounts::AccountRow;
use crate::server::db::outbox::{Ending, OutboxRow};
use crate::server::db::{self, now_millis};
use crate::server::rate;
use crate::server::state::AppState;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Letters claimed in one transaction: on PostgreSQL a claim costs about as much as three
/// letters' records, so ten a claim spent a tenth of a long drain's time claiming. A server
/// stopped in the middle leaves the rest of its batch to wait out the lease, unsent.
pub const BATCH: i64 = 50;

/// What one claim took.
#[derive(Default)]
pub struct Batch {
    /// Letters to send in the order they were queued, each with the account it goes through as
    /// saved when claimed (`None`: the tenant has no such account).
    pub letters: Vec<(OutboxRow, Option<Arc<Sending>>)>,
    /// Some letters due were over their account's sending limit and wait for the next minute
    /// (and so does the rest of the tenant's queue: the next round finds it due then).
    pub postponed: bool,
}

/// How long a claim lasts: two attempts' time and half a minute. A batch stops taking letters
/// after one attempt's time (`drain`), so each letter started is recorded within its lease.
fn lease_ms(state: &AppState) -> i64 {
    2 * state.config.mail_total_timeout().as_millis() as i64 + 30_000
}

/// Claims the tenant's letters due longest, counts them against their accounts' sending limits
/// (postponing those over it) and reads those accounts, in one transaction.
pub async fn claim(state: &AppState, tenant: TenantId) -> Result<Batch, AppError> {
    let now = now_millis();
    let mut tx = state.db.write(tenant).await?;
    let mut claimed =
        db::outbox::claim(&mut tx, state.db.backend(), tenant, (now, now + lease_ms(state)), BATCH).await?;
    let mut batch = Batch::default();
    for via in [Via::Crm, Via::System] {
        let (through, rest): (Vec<_>, Vec<_>) =
            claimed.into_iter().partition(|letter| Via::from_name(&letter.via).unwrap_or(Via::Crm) == via);
        claimed = rest;
        if through.is_empty() {
            continue;
        }
        let limit = state.config.outbox_per_account_per_minute;
        let (allowed, wait_until) = rate::outbox_send(&mut tx, tenant, via.name(), through.len() as i64, limit).await?;
        let sending = outbox::sending(&mut tx, tenant, via).await?.map(Arc::new);
        for (i, letter) in through.into_iter().enumerate() {
            if (i as i64) < allowed {
                batch.letters.push((letter, sending.clone()));
            } else {
                let waits = Ending::Postponed { at: wait_until };
                db::outbox::finish(&mut tx, tenant, &letter, &waits).await?;
                tracing::info!(tenant = tenant.0, id = letter.id, "outbox: the account's sending limit is reached");
                batch.postponed = true;
            }
        }
    }
    tx.commit().await?;
    batch.letters.sort_by_key(|(letter, _)| letter.id);
    Ok(batch)
}

/// Gives back claimed letters not tried (a batch that ran long): due again at once, their claim
/// no attempt.
pub async fn release(state: &AppState, tenant: TenantId, letters: &[&OutboxRow]) -> Result<(), AppError> {
    let mut tx = state.db.write(tenant).await?;
    let now = Ending::Postponed { at: now_millis() };
    for letter in letters {
        db::outbox::finish(&mut tx, tenant, letter, &now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How recording an attempt went.
pub struct Recorded {
    /// `false` when the claim was no longer this server's (its lease ran out).
    pub mine: bool,
    /// The account's failures in a row after this attempt (0 when not recorded or delivered).
    pub failures: i64,
}

/// Records how an attempt ended and, in the same transaction, what it showed about the account
/// it went through. If the account's health cannot be recorded, the ending still is: a letter
/// not marked sent would be sent again.
pub async fn record(
    state: &AppState,
    tenant: TenantId,
    letter: &OutboxRow,
    ending: &Ending<'_>,
    health: Option<(&AccountRow, Seen<'_>)>,
) -> Result<Recorded, AppError> {
    match record_in_one(state, tenant, letter, ending, health).await {
        Ok(recorded) => Ok(recorded),
        Err(e) => {
            tracing::warn!(tenant = tenant.0, id = letter.id, error = ?e, "outbox: recording the account's health");
            record_in_one(state, tenant, letter, ending, None).await
        }
    }
}

async fn record_in_one(
    state: &AppState,
    tenant: TenantId,
    letter: &OutboxRow,
    ending: &Ending<'_>,
    health: Option<(&AccountRow, Seen<'_>)>,
) -> Result<Recorded, AppError> {
    let mut tx = state.db.write(tenant).await?;
    let mine = db::outbox::finish(&mut tx, tenant, letter, ending).await?;
    let seen = match health {
        Some((account, seen)) => health::record(&mut tx, state, tenant, account, &seen).await?,
        None => health::Recorded { told: false, failures: 0, recovered: false },
    };
    if seen.recovered {
        let resumed = db::outbox::resume(&mut tx, tenant, &letter.via, now_millis()).await?;
        tracing::info!(tenant = tenant.0, via = letter.via, resumed, "outbox: the account works again");
    }
    tx.commit().await?;
    // Letters let go, or one to the administrators queued: the workers look again.
    if seen.recovered || seen.told {
        state.outbox_queued.notify_one();
    }
    Ok(Recorded { mine, failures: seen.failures })
}

/// A delivered letter's record, written while the next letter's envelope goes out; awaited
/// before that letter's content (`smtp::Session::send_after`) and before anything else is recorded,
/// so a server stopped at any moment leaves at most one letter sent and not recorded.
#[derive(Default)]
pub struct Pending(Option<JoinHandle<()>>);

impl Pending {
    /// Waits until the record is written (at once when there is none).
    pub async fn wait(&mut self) {
        if let Some(writing) = &mut self.0 {
            if let Err(e) = writing.await {
                tracing::error!(error = ?e, "outbox: recording a delivery");
            }
            self.0 = None;
        }
    }
}

/// Records in the background that `letter` was delivered at `at` through `sending`, with what it
/// showed of the account's health when `certificate` is given (the server's certificate expiry,
/// if any): `None` when this connection's health is written already.
pub fn record_delivery(
    state: &AppState,
    tenant: TenantId,
    letter: &OutboxRow,
    at: i64,
    (sending, certificate): (&Arc<Sending>, Option<Option<i64>>),
) -> Pending {
    let (state, letter, sending) = (state.clone(), letter.clone(), sending.clone());
    Pending(Some(tokio::spawn(async move {
        let mine = match certificate {
            None => db::outbox::record_sent(&state.db, tenant, &letter, at).await,
            Some(expires) => {
                let health = (&sending.account, Seen::Delivered { certificate_expires_at: expires });
                record(&state, tenant, &letter, &Ending::Sent { at }, Some(health)).await.map(|recorded| recorded.mine)
            }
        };
        match mine {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(tenant = tenant.0, id = letter.id, "outbox: the claim ran out before it was recorded")
            }
            Err(e) => tracing::warn!(tenant = tenant.0, id = letter.id, error = ?e, "outbox: recording a delivery"),
        }
    })))
}

/// The circuit breaker: the account behind `via` failed in a way that waiting may mend, so the
/// tenant's other letters through it are not tried one by one against it: the claimed ones not
/// started (`rest`, no attempt counted) and those queued and due by `until` wait until then, with
/// that failure as their reason (or fail, if they would be given up by then).
pub async fn hold(
    state: &AppState,
    tenant: TenantId,
    (via, until): (&str, i64),
    why: (&str, Option<&str>),
    rest: &[&OutboxRow],
) -> Result<u64, AppError> {
    let mut tx = state.db.write(tenant).await?;
    let waits = Ending::Postponed { at: until };
    for letter in rest {
        db::outbox::finish(&mut tx, tenant, letter, &waits).await?;
    }
    let held = db::outbox::hold(&mut tx, tenant, via, until, why).await?;
    tx.commit().await?;
    Ok(held)
}
