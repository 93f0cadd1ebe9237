//! The outbox (`outbox`): notifications waiting for, in, or done with delivery. A claim is the
//! row's `attempts` number: a worker marks only the attempt it claimed, so a claim another server
//! took over after its lease ran out is never marked twice.

use super::{Backend, Db, Tx};
use crate::model::error::AppError;
use crate::model::TenantId;

const COLUMNS: &str =
    "id, tenant_id, via, recipients, subject, text_body, html_body, reply_to, message_id, status, attempts, \
                       next_attempt_at, give_up_at, last_reason, last_reply, created_at, sent_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub tenant_id: i64,
    pub via: String,
    /// One address per line.
    pub recipients: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: Option<String>,
    pub reply_to: Option<String>,
    pub message_id: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub give_up_at: i64,
    pub last_reason: Option<String>,
    pub last_reply: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

pub struct NewLetter<'a> {
    pub via: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub recipients: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: Option<&'a str>,
    pub reply_to: Option<&'a str>,
    pub message_id: &'a str,
    pub now: i64,
    pub give_up_at: i64,
}

/// Queues a letter and gives it back as stored. With an idempotency key the tenant used before,
/// nothing is added and the earlier letter is given; the flag says whether this call added it.
pub async fn insert(tx: &mut Tx, tenant: TenantId, letter: &NewLetter<'_>) -> Result<(OutboxRow, bool), sqlx::Error> {
    let inserted: Option<OutboxRow> = sqlx::query_as(&format!(
        "INSERT INTO outbox (tenant_id, via, idempotency_key, recipients, subject, text_body, html_body, reply_to, message_id, \
         status, attempts, next_attempt_at, give_up_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $11, $10) \
         ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind(tenant.0)
    .bind(letter.via)
    .bind(letter.idempotency_key)
    .bind(letter.recipients)
    .bind(letter.subject)
    .bind(letter.text_body)
    .bind(letter.html_body)
    .bind(letter.reply_to)
    .bind(letter.message_id)
    .bind(letter.now)
    .bind(letter.give_up_at)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = inserted {
        return Ok((row, true));
    }
    let earlier =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM outbox WHERE tenant_id = $1 AND idempotency_key = $2"))
            .bind(tenant.0)
            .bind(letter.idempotency_key)
            .fetch_one(&mut **tx)
            .await?;
    Ok((earlier, false))
}

pub async fn get(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<Option<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM outbox WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Tenants with a letter due at `$1` (queued, or sending with its lease run out), at most `$2`,
/// those waiting longest first. Reads only the letters still to send (the index `outbox_due`).
pub const DUE_TENANTS: &str =
    "SELECT tenant_id FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 \
     GROUP BY tenant_id ORDER BY MIN(next_attempt_at) LIMIT $2";

/// See [`DUE_TENANTS`]. Needs the outbox-scan capability on PostgreSQL.
pub async fn due_tenants(tx: &mut Tx, now: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(DUE_TENANTS).bind(now).bind(limit).fetch_all(&mut **tx).await
}

/// Takes tenant `$1`'s letters due longest at `$2`, at most `$4`: `sending`, one more attempt,
/// leased until `$3`; as many entries of the index `outbox_due`, however many letters wait. On
/// PostgreSQL letters another server is claiming are skipped, not waited for; SQLite has one
/// writer, so its claim is atomic anyway.
pub fn claim_sql(backend: Backend) -> String {
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    format!(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = $3 \
         WHERE id IN (SELECT id FROM outbox WHERE tenant_id = $1 AND status IN ('queued', 'sending') AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $4 {lock}) RETURNING {COLUMNS}"
    )
}

/// See [`claim_sql`]; the letters in no particular order.
pub async fn claim(
    tx: &mut Tx,
    backend: Backend,
    tenant: TenantId,
    (now, lease_until): (i64, i64),
    most: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&claim_sql(backend)).bind(tenant.0).bind(now).bind(lease_until).bind(most).fetch_all(&mut **tx).await
}

/// How a claimed attempt ended.
pub enum Ending<'a> {
    Sent {
        at: i64,
    },
    /// Tried again at `at`.
    Retry {
        at: i64,
        reason: &'a str,
        reply: Option<&'a str>,
    },
    Failed {
        reason: &'a str,
        reply: Option<&'a str>,
    },
    /// Not tried (the account's sending limit): waits until `at`, and the claim is no attempt.
    Postponed {
        at: i64,
    },
}

/// Which claim a record is for: the letter's id, its attempt and that attempt's lease, as the
/// claim returned them. The lease is redundant with the attempt (only a claim sets it on a letter
/// being sent) but pins the row in every index the planner may choose: without statistics (a
/// table filled since the last ANALYZE) PostgreSQL chose `outbox_due` and walked the tenant's
/// whole queue for each record, a thousand letters more for every thousand waiting.
pub const FINISH: &str =
    "UPDATE outbox SET status = $5, next_attempt_at = COALESCE($6, next_attempt_at), sent_at = $7, \
     last_reason = COALESCE($8, last_reason), last_reply = CASE WHEN $8 IS NULL THEN last_reply ELSE $9 END, \
     attempts = attempts - $10 \
     WHERE tenant_id = $1 AND id = $2 AND attempts = $3 AND next_attempt_at = $4 AND status = 'sending'";

/// Records how the claimed attempt `claimed` ended; `false` when that claim is no longer this
/// worker's (its lease ran out and another server took the letter over).
pub async fn finish(
    tx: &mut Tx,
    tenant: TenantId,
    claimed: &OutboxRow,
    ending: &Ending<'_>,
) -> Result<bool, sqlx::Error> {
    let (status, next, sent_at, reason, reply, not_tried) = match *ending {
        Ending::Sent { at } => ("sent", None, Some(at), None, None, 0),
        Ending::Retry { at, reason, reply } => ("queued", Some(at), None, Some(reason), reply, 0),
        Ending::Failed { reason, reply } => ("failed", None, None, Some(reason), reply, 0),
        Ending::Postponed { at } => ("queued", Some(at), None, None, None, 1),
    };
    let affected = sqlx::query(FINISH)
        .bind(tenant.0)
        .bind(claimed.id)
        .bind(claimed.attempts)
        .bind(claimed.next_attempt_at)
        .bind(status)
        .bind(next)
        .bind(sent_at)
        .bind(reason)
        .bind(reply)
        .bind(not_tried)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(affected == 1)
}

/// Records that the claimed attempt `claimed` delivered its letter at `at`, alone (no account
/// health with it), as [`finish`] does with [`Ending::Sent`]; `false` when the claim is no longer
/// this worker's. On PostgreSQL in one round trip (the function of migration 15, which sets the
/// tenant for itself and matches the claim as [`FINISH`] does) instead of a transaction's three:
/// it is written once per letter sent.
pub async fn record_sent(db: &Db, tenant: TenantId, claimed: &OutboxRow, at: i64) -> Result<bool, AppError> {
    match db.backend() {
        Backend::Postgres => Ok(sqlx::query_scalar("SELECT pochta_outbox_sent($1, $2, $3, $4, $5)")
            .bind(tenant.0)
            .bind(claimed.id)
            .bind(claimed.attempts)
            .bind(claimed.next_attempt_at)
            .bind(at)
            .fetch_one(db.pool())
            .await?),
        Backend::Sqlite => {
            let mut tx = db.write(tenant).await?;
            let mine = finish(&mut tx, tenant, claimed, &Ending::Sent { at }).await?;
            tx.commit().await?;
            Ok(mine)
        }
    }
}

/// The circuit breaker: the tenant's letters queued through `via` and due by `until` wait until
/// then, with the failure of their account that holds them (`reason`, `reply`); those whose time
/// to give up comes first fail now, for that failure. Gives how many it touched. Walks the
/// index `outbox_due`, so only the tenant's letters still to send are read.
pub async fn hold(
    tx: &mut Tx,
    tenant: TenantId,
    via: &str,
    until: i64,
    (reason, reply): (&str, Option<&str>),
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = CASE WHEN give_up_at < $3 THEN 'failed' ELSE 'queued' END, \
         next_attempt_at = $3, last_reason = $4, last_reply = $5 \
         WHERE tenant_id = $1 AND status IN ('queued', 'sending') AND status = 'queued' AND next_attempt_at <= $3 \
         AND via = $2",
    )
    .bind(tenant.0)
    .bind(via)
    .bind(until)
    .bind(reason)
    .bind(reply)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The account behind `via` works again: the tenant's letters through it that wait for a later
/// try (held behind its failures, or each retrying) are due at `now`.
pub async fn resume(tx: &mut Tx, tenant: TenantId, via: &str, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE outbox SET next_attempt_at = $3 \
         WHERE tenant_id = $1 AND status IN ('queued', 'sending') AND status = 'queued' AND next_attempt_at > $3 \
         AND via = $2 AND last_reason IS NOT NULL",
    )
    .bind(tenant.0)
    .bind(via)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// «Журнал отправки»: the tenant's letters newest first, with `status` only if given, older than
/// letter `before` if given, queued within `period` (Unix ms, `[from, to)`, either end open).
/// Each walks an index: the period's ends become id bounds through `outbox_by_time` (ids grow
/// with the time of queuing), so a page costs the same with a million rows.
pub async fn journal(
    tx: &mut Tx,
    tenant: TenantId,
    status: Option<&str>,
    before: Option<i64>,
    period: (Option<i64>, Option<i64>),
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let (from, to) = period;
    let lowest = match from {
        Some(at) => first_queued_since(tx, tenant, at).await?.unwrap_or(i64::MAX),
        None => 0,
    };
    let above = match to {
        Some(at) => first_queued_since(tx, tenant, at).await?.unwrap_or(i64::MAX),
        None => i64::MAX,
    };
    let by_status = if status.is_some() { "AND status = $3" } else { "AND $3 IS NULL" };
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE tenant_id = $1 AND id < $2 AND id >= $5 \
         AND created_at >= $6 AND created_at < $7 {by_status} ORDER BY id DESC LIMIT $4"
    ))
    .bind(tenant.0)
    .bind(before.unwrap_or(i64::MAX).min(above))
    .bind(status)
    .bind(limit)
    .bind(lowest)
    .bind(from.unwrap_or(i64::MIN))
    .bind(to.unwrap_or(i64::MAX))
    .fetch_all(&mut **tx)
    .await
}

/// The first of the tenant's letters queued at or after `at`.
async fn first_queued_since(tx: &mut Tx, tenant: TenantId, at: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM outbox WHERE tenant_id = $1 AND created_at >= $2 ORDER BY created_at, id LIMIT 1",
    )
    .bind(tenant.0)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await
}

/// «Повторить»: a failed or cancelled letter queued again, due now, with a new time to give up.
pub async fn retry(tx: &mut Tx, tenant: TenantId, id: i64, now: i64, give_up_at: i64) -> Result<bool, sqlx::Error> {
    let affected = sqlx::query(
        "UPDATE outbox SET status = 'queued', next_attempt_at = $3, give_up_at = $4 \
         WHERE tenant_id = $1 AND id = $2 AND status IN ('failed', 'cancelled')",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(now)
    .bind(give_up_at)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(affected == 1)
}

/// «Отменить»: a letter still waiting is not sent. One being sent right now cannot be stopped.
pub async fn cancel(tx: &mut Tx, tenant: TenantId, id: i64) -> Result<bool, sqlx::Error> {
    let affected =
        sqlx::query("UPDATE outbox SET status = 'cancelled' WHERE tenant_id = $1 AND id = $2 AND status = 'queued'")
            .bind(tenant.0)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    Ok(affected == 1)
}
