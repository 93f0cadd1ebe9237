//! Live progress of a check or a detection: each step is written to the database as it
//! finishes, so the browser, polling any app instance, sees it at once instead of waiting for
//! the slowest step. Writing happens on a separate task; the check never waits for it.

use super::db::{now_millis, Db};
use super::detection::detect::MethodObserver;
use super::mail::report::StepObserver;
use super::session::CurrentUser;
use crate::model::check::ProgressEvent;
use crate::model::error::AppError;
use crate::model::{TenantId, UserId};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Events are kept this long (then purged, see `housekeeping`); the browser only polls while its
/// request runs.
pub const KEEP_MS: i64 = 10 * 60 * 1000;

/// Where a run's events go. Cloning shares the run.
#[derive(Clone)]
pub struct Progress {
    sender: mpsc::UnboundedSender<ProgressEvent>,
}

/// A run id as the browser makes it: 8–64 letters, digits and dashes.
fn valid(run_id: &str) -> bool {
    (8..=64).contains(&run_id.len()) && run_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl Progress {
    /// Starts recording the run `run_id` of `user`; `None` when the browser asked for no live
    /// report (no JavaScript) or sent an unusable id.
    pub fn start(db: &Db, user: &CurrentUser, run_id: &str) -> Option<Self> {
        if !valid(run_id) {
            return None;
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write(db.clone(), user.tenant, user.id, run_id.to_string(), receiver));
        Some(Self { sender })
    }

    pub fn steps(&self) -> StepObserver {
        let sender = self.sender.clone();
        Arc::new(move |step| {
            let _ = sender.send(ProgressEvent::Step(step.clone()));
        })
    }

    pub fn methods(&self) -> MethodObserver {
        let sender = self.sender.clone();
        Arc::new(move |method| {
            let _ = sender.send(ProgressEvent::Method(method.clone()));
        })
    }
}

async fn write(
    db: Db,
    tenant: TenantId,
    user: UserId,
    run_id: String,
    mut events: mpsc::UnboundedReceiver<ProgressEvent>,
) {
    let mut seq: i64 = 0;
    while let Some(event) = events.recv().await {
        let json = serde_json::to_string(&event).unwrap_or_default();
        if store(&db, tenant, user, &run_id, seq, &json).await.is_err() {
            // Progress is a courtesy: the check itself goes on and returns its report.
            tracing::warn!(tenant = tenant.0, "a progress event could not be stored");
        }
        seq += 1;
    }
}

/// Writes one row of a run: an event (`seq` from 0) or its kept outcome ([`OUTCOME_SEQ`]).
async fn store(db: &Db, tenant: TenantId, user: UserId, run_id: &str, seq: i64, json: &str) -> Result<(), AppError> {
    let mut tx = db.write(tenant).await?;
    sqlx::query(
        "INSERT INTO check_events (tenant_id, user_id, run_id, seq, at, event) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(user.0)
    .bind(run_id)
    .bind(seq)
    .bind(now_millis())
    .bind(json)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The run of a form's action: the id the browser made, or, for a plain HTML form (which sends
/// none and sees its outcome only on the page it is sent back to), one made here.
pub struct FormRun {
    pub id: String,
    plain: bool,
}

impl FormRun {
    pub fn of(browser_id: String) -> Self {
        let plain = super::web::plain_form();
        let id = if plain { new_run_id() } else { browser_id };
        Self { id, plain }
    }

    /// For a plain HTML form: keeps `kept` with the run and sends the browser back to its page
    /// with `run=`, where the page shows it. The app got the answer itself: nothing to do then.
    pub async fn keep_for_page<T: serde::Serialize>(
        &self,
        db: &Db,
        user: &CurrentUser,
        kept: &T,
    ) -> Result<(), AppError> {
        if self.plain {
            keep_outcome(db, user, &self.id, kept).await?;
            super::web::back_with_run(&self.id);
        }
        Ok(())
    }
}

/// Keeps `kept` for `user`'s next page under a new run id (a page reached by a redirect the app
/// did not start, such as the return from a mail provider); the id, for the page's `run=`.
pub async fn keep_for_next_page<T: serde::Serialize>(
    db: &Db,
    user: &CurrentUser,
    kept: &T,
) -> Result<String, AppError> {
    let id = new_run_id();
    keep_outcome(db, user, &id, kept).await?;
    Ok(id)
}

/// A run id for a plain HTML form, which sends none.
fn new_run_id() -> String {
    use rand::Rng;
    let bytes: [u8; 12] = rand::thread_rng().gen();
    format!("form-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The number the outcome of a run is kept under, before its first event.
const OUTCOME_SEQ: i64 = -1;

/// Keeps the outcome of a plain HTML form's run for the page the browser is sent back to (purged
/// with the run's events).
async fn keep_outcome<T: serde::Serialize>(
    db: &Db,
    user: &CurrentUser,
    run_id: &str,
    outcome: &T,
) -> Result<(), AppError> {
    let json = serde_json::to_string(outcome).map_err(|e| crate::server::fail::internal("keeping an outcome", e))?;
    store(db, user.tenant, user.id, run_id, OUTCOME_SEQ, &json).await
}

/// The outcome `user`'s run `run_id` kept, if any (another user's run finds nothing).
pub async fn kept_outcome<T: serde::de::DeserializeOwned>(
    db: &Db,
    user: &CurrentUser,
    run_id: &str,
) -> Result<Option<T>, AppError> {
    if !valid(run_id) {
        return Ok(None);
    }
    let mut tx = db.read(user.tenant).await?;
    let json: Option<String> = sqlx::query_scalar(
        "SELECT event FROM check_events WHERE tenant_id = $1 AND user_id = $2 AND run_id = $3 AND seq = $4",
    )
    .bind(user.tenant.0)
    .bind(user.id.0)
    .bind(run_id)
    .bind(OUTCOME_SEQ)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// The events of `user`'s run after number `after` (exclusive), with their numbers.
pub async fn events(
    db: &Db,
    user: &CurrentUser,
    run_id: &str,
    after: i64,
) -> Result<Vec<(i64, ProgressEvent)>, AppError> {
    if !valid(run_id) {
        return Err(AppError::BadRequest);
    }
    let mut tx = db.read(user.tenant).await?;
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, event FROM check_events WHERE tenant_id = $1 AND user_id = $2 AND run_id = $3 AND seq > $4 ORDER BY seq",
    )
    .bind(user.tenant.0)
    .bind(user.id.0)
    .bind(run_id)
    .bind(after)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows.into_iter().filter_map(|(seq, json)| serde_json::from_str(&json).ok().map(|e| (seq, e))).collect())
}
