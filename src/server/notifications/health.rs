//! Account health: what the outbox's attempts show about the accounts they go through — failures
//! in a row (of the account's own making, not a refused recipient), the last success, and the
//! expiry of the certificate its server showed. When an account starts failing
//! ([`FAILURES_TO_WARN`] in a row) or its certificate comes within two weeks of expiring, the
//! tenant's administrators are told once (at the first failure when only a person can mend it:
//! the provider wants someone to sign in again), through the system account and never through an
//! account that is failing itself; «Почта», the directory and «Журнал отправки» show a banner for
//! as long as it lasts ([`warnings`]).

use super::outbox::{self, explanation, Unsendable, Via};
use crate::model::error::AppError;
use crate::model::health::{self, HealthWarning, FAILURES_TO_WARN};
use crate::model::notifications::{IdempotencyKey, Notification};
use crate::model::{EmailAddress, Host, Lang, TenantId};
use crate::server::credentials::token_hash;
use crate::server::db::accounts::AccountRow;
use crate::server::db::{self, now_millis, users, Tx};
use crate::server::mail::letters;
use crate::server::state::AppState;
use crate::server::time_zone::{self, moment};

/// What one attempt through an account showed about it.
pub enum Seen<'a> {
    /// Delivered; the server's certificate valid until then (Unix ms), if TLS was used.
    Delivered { certificate_expires_at: Option<i64> },
    /// Not delivered, for this reason (`model::check::Reason` or `outbox::Unsendable`).
    Failed { reason: &'a str },
}

/// What the administrators are told.
enum Tell<'a> {
    Failing {
        failures: i64,
        since: i64,
        reason: &'a str,
    },
    /// Once per certificate: the accounts on the same server (the CRM one and the system one,
    /// often) share it, and are told of together.
    CertificateExpiring {
        expires_at: i64,
        server: &'a Host,
    },
}

/// What recording an attempt did.
pub struct Recorded {
    /// A letter to the administrators was queued (wake the workers once the transaction is
    /// committed).
    pub told: bool,
    /// The account's failures in a row, this attempt's included (0 after a delivery).
    pub failures: i64,
    /// A delivery ended a run of failures.
    pub recovered: bool,
}

/// Records in `tx` what an attempt through `account` showed, telling the administrators if it
/// made the account newly failing or its certificate newly close to expiring.
pub async fn record(
    tx: &mut Tx,
    state: &AppState,
    tenant: TenantId,
    account: &AccountRow,
    seen: &Seen<'_>,
) -> Result<Recorded, AppError> {
    let now = now_millis();
    let (mut failures, mut recovered) = (0, false);
    let tell = match *seen {
        Seen::Failed { reason } => {
            let (count, since) = db::health::failed(tx, tenant, account.id, account.version, now, reason).await?;
            failures = count;
            // Once per run of failures: when the count reaches the threshold, or at once when only
            // a person can mend it (the provider wants someone to sign in again). The letter's
            // key names the run, so it is queued only once.
            let tell = failures == FAILURES_TO_WARN || (needs_a_person(reason) && failures < FAILURES_TO_WARN);
            (tell && !account.is_system).then_some(Tell::Failing { failures, since, reason })
        }
        Seen::Delivered { certificate_expires_at } => {
            recovered = db::health::recovered(tx, tenant, account.id).await?;
            let told =
                db::health::succeeded(tx, tenant, account.id, account.version, now, certificate_expires_at).await?;
            match certificate_expires_at {
                Some(expires_at) if health::certificate_expiring(expires_at, now) && told != Some(expires_at) => {
                    db::health::certificate_told(tx, tenant, account.id, expires_at).await?;
                    account.smtp.as_ref().map(|smtp| Tell::CertificateExpiring { expires_at, server: &smtp.host })
                }
                _ => None,
            }
        }
    };
    let told = match &tell {
        Some(tell) => tell_administrators(tx, state, tenant, account, tell).await?,
        None => false,
    };
    Ok(Recorded { told, failures, recovered })
}

/// A failure no retry mends: the provider refused to renew the access until someone signs in.
fn needs_a_person(reason: &str) -> bool {
    reason == Unsendable::SignInRequired.name()
}

/// Queues one letter per active administrator, in their language, through the system account;
/// `false` when there is none to send it (the banner still shows).
async fn tell_administrators(
    tx: &mut Tx,
    state: &AppState,
    tenant: TenantId,
    account: &AccountRow,
    tell: &Tell<'_>,
) -> Result<bool, AppError> {
    let admins = users::active_admins(tx, tenant).await?;
    let zone = time_zone::of_tenant(tx, tenant).await?;
    let address = crate::model::unicode_address(&account.address);
    let mut queued = false;
    for admin in &admins {
        let Ok(to) = EmailAddress::parse(&admin.email) else { continue };
        let (subject, text, key) = match *tell {
            Tell::Failing { failures, since, reason } => {
                let (subject, text) = letters::account_failing(
                    admin.lang,
                    &address,
                    failures,
                    moment(zone, since),
                    &explanation(admin.lang, reason),
                );
                (subject, text, format!("health-{}-failing-{since}-user-{}", account.id, admin.id.0))
            }
            Tell::CertificateExpiring { expires_at, server } => {
                let expires = moment(zone, expires_at);
                let (subject, text) = letters::certificate_expiring(admin.lang, &server.unicode(), &address, expires);
                let server = &token_hash(&server.to_string())[..16];
                (subject, text, format!("health-certificate-{server}-{expires_at}-user-{}", admin.id.0))
            }
        };
        let key = IdempotencyKey::parse(&key).map_err(|_| AppError::Internal)?;
        let letter =
            Notification { to: vec![to], subject, text, html: None, reply_to: None, idempotency_key: Some(key) };
        match outbox::enqueue_in(tx, state, tenant, Via::System, &letter).await {
            Ok(done) => queued |= done.added,
            Err(AppError::NotificationsNotConfigured) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    Ok(queued)
}

/// The warnings for the accounts notifications go through (CRM ► Уведомления ► Электронная
/// почта, then the system account), about what was seen since each was last saved.
pub async fn warnings(state: &AppState, tenant: TenantId, lang: Lang) -> Result<Vec<HealthWarning>, AppError> {
    let mut tx = state.db.read(tenant).await?;
    let zone = time_zone::of_tenant(&mut tx, tenant).await?;
    let mut seen = Vec::new();
    let mut warnings = Vec::new();
    for via in [Via::Crm, Via::System] {
        let Some(account) = outbox::sending(&mut tx, tenant, via).await?.map(|s| s.account) else { continue };
        if seen.contains(&account.id) {
            continue;
        }
        seen.push(account.id);
        let Some(row) = db::health::get(&mut tx, tenant, account.id).await? else { continue };
        if row.account_version != account.version {
            continue;
        }
        let address = crate::model::unicode_address(&account.address);
        let last_reason = row.last_reason.as_deref().unwrap_or_default();
        if health::failing(row.consecutive_failures) || (row.consecutive_failures > 0 && needs_a_person(last_reason)) {
            warnings.push(HealthWarning::Failing {
                address: address.clone(),
                failures: row.consecutive_failures,
                since: moment(zone, row.failing_since.unwrap_or_default()),
                explanation: row.last_reason.as_deref().map(|r| explanation(lang, r)).unwrap_or_default(),
            });
        }
        if let Some(expires_at) =
            row.certificate_expires_at.filter(|at| health::certificate_expiring(*at, now_millis()))
        {
            warnings.push(HealthWarning::CertificateExpiring { address, expires: moment(zone, expires_at) });
        }
    }
    tx.commit().await?;
    Ok(warnings)
}
