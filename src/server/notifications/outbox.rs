//! Queuing a notification, and telling the host application where it is. A letter is queued only
//! when the tenant has an account to send it through; the Message-ID is fixed here, so every
//! attempt sends the same one.

use crate::i18n::t;
use crate::model::check::Reason;
use crate::model::error::AppError;
use crate::model::notifications::{Notification, OutboxStatus, QueuedNotification};
use crate::model::{AccountId, EmailAddress, Lang, TenantId};
use crate::server::credentials::new_token;
use crate::server::db::accounts::AccountRow;
use crate::server::db::{self, now_millis, outbox::NewLetter, outbox::OutboxRow, Tx};
use crate::server::rate;
use crate::server::state::AppState;

/// The account a notification goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// CRM ► Уведомления ► Электронная почта: notifications to clients.
    Crm,
    /// The tenant's system account: the program's own notifications.
    System,
}

impl Via {
    pub fn name(self) -> &'static str {
        match self {
            Via::Crm => "crm",
            Via::System => "system",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Via::Crm, Via::System].into_iter().find(|v| v.name() == name)
    }
}

/// Why a letter could not even be tried: stored as its last reason, beside the mail check's
/// reasons (`model::check::Reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsendable {
    AccountNotConfigured,
    PasswordNotStored,
    /// The account signs in with the provider, which refused to renew the access.
    SignInRequired,
}

impl Unsendable {
    pub fn name(self) -> &'static str {
        match self {
            Unsendable::AccountNotConfigured => "account_not_configured",
            Unsendable::PasswordNotStored => "password_not_stored",
            Unsendable::SignInRequired => "sign_in_required",
        }
    }

    fn text_key(name: &str) -> Option<&'static str> {
        match name {
            "account_not_configured" => Some("outbox.reason.account_not_configured"),
            "password_not_stored" => Some("outbox.reason.password_not_stored"),
            "sign_in_required" => Some("outbox.reason.sign_in_required"),
            _ => None,
        }
    }
}

/// A stored reason in plain words, in `lang`.
pub fn explanation(lang: Lang, reason: &str) -> String {
    let key = Reason::from_name(reason).map(Reason::text_key).or_else(|| Unsendable::text_key(reason));
    key.map_or_else(|| reason.to_string(), |key| t(lang, key).to_string())
}

/// The account `via` sends through, with the sender's name and address its letters carry (the
/// CRM setting's for `Crm`, the account's own for `System`), each row read once.
pub struct Sending {
    pub account: AccountRow,
    pub name: String,
    pub from: EmailAddress,
}

pub async fn sending(tx: &mut Tx, tenant: TenantId, via: Via) -> Result<Option<Sending>, sqlx::Error> {
    let (account, name, address) = match via {
        Via::Crm => {
            let Some(crm) = db::crm_email::get(tx, tenant).await? else { return Ok(None) };
            (db::accounts::find_by_id(tx, tenant, AccountId(crm.account_id)).await?, crm.sender_name, crm.sender_email)
        }
        Via::System => {
            let Some(account) = db::accounts::system_account(tx, tenant).await? else { return Ok(None) };
            let (name, address) = (account.sender_name.clone(), account.address.clone());
            (Some(account), name, address)
        }
    };
    let from = EmailAddress::parse(&address).ok();
    Ok(account.zip(from).map(|(account, from)| Sending { account, name, from }))
}

/// An account of the tenant passed its check and is being saved (a new password, a new sign-in
/// with the provider): the letters held behind its failures through whichever of the tenant's
/// notification accounts it is are due at once, in the save's transaction, instead of waiting
/// out the hold. Gives how many; the caller wakes the workers once it commits.
pub async fn account_saved(tx: &mut Tx, tenant: TenantId, account: AccountId) -> Result<u64, sqlx::Error> {
    let mut resumed = 0;
    for via in [Via::Crm, Via::System] {
        if sending(tx, tenant, via).await?.is_some_and(|s| s.account.id == account) {
            resumed += db::outbox::resume(tx, tenant, via.name(), now_millis()).await?;
        }
    }
    Ok(resumed)
}

/// The queued letter as stored, and whether this call queued it (`false`: its idempotency key
/// was used before, and that letter is the answer).
pub struct Queued {
    pub letter: OutboxRow,
    pub added: bool,
}

/// When a letter queued at `now` is given up if still not delivered.
pub fn give_up_at(state: &AppState, now: i64) -> i64 {
    now.saturating_add((state.config.outbox_give_up_hours as i64).saturating_mul(3_600_000))
}

/// Queues a letter (a program's, the operator's from the command line, or the host
/// application's once counted: [`enqueue_from_host`]).
pub async fn enqueue(state: &AppState, tenant: TenantId, via: Via, n: &Notification) -> Result<Queued, AppError> {
    let mut tx = state.db.write(tenant).await?;
    let queued = enqueue_in(&mut tx, state, tenant, via, n).await?;
    tx.commit().await?;
    if queued.added {
        state.outbox_queued.notify_one();
    }
    Ok(queued)
}

/// Queues a letter the host application handed in through the CRM account, once counted against
/// the tenant's per-minute limit.
pub async fn enqueue_from_host(state: &AppState, tenant: TenantId, n: &Notification) -> Result<Queued, AppError> {
    rate::notification(&state.db, tenant, state.config.notifications_per_tenant_per_minute).await?;
    enqueue(state, tenant, Via::Crm, n).await
}

/// Queues a letter within a transaction of the caller's (the workers are woken by the poll).
pub async fn enqueue_in(
    tx: &mut Tx,
    state: &AppState,
    tenant: TenantId,
    via: Via,
    n: &Notification,
) -> Result<Queued, AppError> {
    let now = now_millis();
    let give_up_at = give_up_at(state, now);
    let sending = sending(tx, tenant, via).await?.filter(|s| s.account.smtp.is_some());
    let from = sending.ok_or(AppError::NotificationsNotConfigured)?.from;
    let domain = from.as_str().rsplit_once('@').map(|(_, d)| d).unwrap_or("pochta.localdomain");
    let message_id = format!("<{}@{domain}>", new_token());
    let recipients = n.to.iter().map(EmailAddress::as_str).collect::<Vec<_>>().join("\n");
    let letter = NewLetter {
        via: via.name(),
        idempotency_key: n.idempotency_key.as_ref().map(|k| k.as_str()),
        recipients: &recipients,
        subject: &n.subject,
        text_body: &n.text,
        html_body: n.html.as_deref(),
        reply_to: n.reply_to.as_ref().map(EmailAddress::as_str),
        message_id: &message_id,
        now,
        give_up_at,
    };
    let (letter, added) = db::outbox::insert(tx, tenant, &letter).await?;
    Ok(Queued { letter, added })
}

/// Where the tenant's letter `id` is, its last failure explained in `lang`.
pub async fn status(state: &AppState, tenant: TenantId, id: i64, lang: Lang) -> Result<QueuedNotification, AppError> {
    let mut tx = state.db.read(tenant).await?;
    let row = db::outbox::get(&mut tx, tenant, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(view(&row, lang))
}

/// A letter as the host application reads it, its last failure explained in `lang`.
pub fn view(row: &OutboxRow, lang: Lang) -> QueuedNotification {
    QueuedNotification {
        id: row.id,
        status: OutboxStatus::from_name(&row.status).unwrap_or(OutboxStatus::Queued),
        message_id: row.message_id.clone(),
        attempts: row.attempts,
        last_error: row.last_reason.clone(),
        explanation: row.last_reason.as_deref().map(|r| explanation(lang, r)),
        server_reply: row.last_reply.clone(),
    }
}
