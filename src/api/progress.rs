//! The live report of a running check or detection: the browser polls this while its request
//! runs (short polling, so it works behind any reverse proxy and on any app instance).

use crate::model::check::ProgressEvent;
use crate::model::error::AppError;
use leptos::prelude::*;

/// The events of run `run_id` numbered above `after` (-1 for all).
#[server(endpoint = "progress")]
pub async fn check_progress(run_id: String, after: i64) -> Result<Vec<(i64, ProgressEvent)>, AppError> {
    use crate::server::{progress, web};
    let user = web::require_user().await?;
    progress::events(&web::state()?.db, &user, &run_id, after).await
}
