//! «Часовой пояс» of «Настройки программы»: the tenant's time zone, in which every time is shown.
//! Every signed-in user reads it; administrators set it.

use crate::model::error::AppError;
use crate::model::time_zone::{TimeZoneInput, TimeZoneView};
use leptos::prelude::*;

#[server(endpoint = "time_zone/get")]
pub async fn time_zone() -> Result<TimeZoneView, AppError> {
    use crate::server::{time_zone, web};
    let user = web::require_user().await?;
    time_zone::view(&web::state()?, &user).await
}

#[server(endpoint = "time_zone/set")]
pub async fn set_time_zone(#[server(flatten)] input: TimeZoneInput) -> Result<TimeZoneView, AppError> {
    use crate::server::{time_zone, web};
    let admin = web::require_admin().await?;
    time_zone::set(&web::state()?, &admin, input).await
}
