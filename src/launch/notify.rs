//! The operator's commands for notifications: a tenant's API keys for the host application, and
//! queuing a notification by hand (it is sent by the running app servers' workers).

use super::messages::{explain, parse};
use super::startup::{build_state, open_database};
use crate::model::notifications::{Notification, NotificationInput};
use crate::model::{Name, TenantId};
use crate::server::config::Config;
use crate::server::notifications::{api_keys, outbox};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key for the host application of a tenant; it is printed once and stored only as a
    /// hash. The host application sends it as `Authorization: Bearer <key>`.
    Create {
        /// The tenant's id (see `tenant list`).
        #[arg(long)]
        tenant: i64,
        /// What the key is for, to tell keys apart.
        #[arg(long)]
        name: String,
    },
    /// Revoke a tenant's key: requests with it are refused from then on.
    Revoke {
        #[arg(long)]
        tenant: i64,
        /// The key's id (printed when it was made).
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum NotifyCommand {
    /// Queue a notification to clients through the account of CRM ► Уведомления ► Электронная
    /// почта; prints its id. The running app servers send it.
    Send {
        #[arg(long)]
        tenant: i64,
        /// A recipient (repeat for several).
        #[arg(long, required = true)]
        to: Vec<String>,
        #[arg(long)]
        subject: String,
        /// The text of the letter.
        #[arg(long)]
        text: String,
        /// The same key again queues nothing new.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
}

pub async fn api_key(config: Config, cmd: ApiKeyCommand) -> Result<(), String> {
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    match cmd {
        ApiKeyCommand::Create { tenant, name } => {
            let name = parse("name", Name::parse(&name))?;
            let made = api_keys::create(&db, TenantId(tenant), &name, None).await.map_err(explain)?;
            println!("key {} of tenant {tenant} (shown once, keep it secret):\n{}", made.id, made.key);
            Ok(())
        }
        ApiKeyCommand::Revoke { tenant, id } => {
            api_keys::revoke(&db, TenantId(tenant), id, None).await.map_err(explain)?;
            println!("key {id} of tenant {tenant} revoked");
            Ok(())
        }
    }
}

pub async fn notify(config: Config, cmd: NotifyCommand) -> Result<(), String> {
    let state = build_state(config).await.map_err(|e| e.to_string())?;
    let NotifyCommand::Send { tenant, to, subject, text, idempotency_key } = cmd;
    let input = NotificationInput { to, subject, text, idempotency_key, ..Default::default() };
    let notification = Notification::parse(&input).map_err(|e| explain(crate::model::error::AppError::Invalid(e)))?;
    let queued = outbox::enqueue(&state, TenantId(tenant), outbox::Via::Crm, &notification).await.map_err(explain)?;
    let verb = if queued.added { "queued" } else { "already queued (same idempotency key)" };
    println!("notification {} {verb}", queued.letter.id);
    Ok(())
}
