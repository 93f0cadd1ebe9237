//! The users screen: administrators manage the users of their own tenant.

use crate::model::error::AppError;
use crate::model::users::{Invitation, NewUserInput, UserView};
use crate::model::UserId;
use leptos::prelude::*;

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use crate::server::{users, web};
    let admin = web::require_admin().await?;
    users::list(&web::state()?.db, &admin).await
}

#[server(endpoint = "users/add")]
pub async fn add_user(#[server(flatten)] input: NewUserInput) -> Result<Invitation, AppError> {
    use crate::server::{users, web};
    let admin = web::require_admin().await?;
    let state = web::state()?;
    users::add(&state.db, &state.hashing, &admin, &input.parse()?).await
}

#[server(endpoint = "users/change_role")]
pub async fn change_role(user: UserId, role: String) -> Result<(), AppError> {
    use crate::model::Role;
    use crate::server::{users, web};
    let admin = web::require_admin().await?;
    let role = Role::parse(&role).map_err(|p| AppError::field("role", p))?;
    let state = web::state()?;
    users::change_role(&state.db, &state.sessions, &admin, user, role).await
}

#[server(endpoint = "users/set_active")]
pub async fn set_user_active(user: UserId, active: bool) -> Result<(), AppError> {
    use crate::server::{users, web};
    let admin = web::require_admin().await?;
    let state = web::state()?;
    users::set_active(&state.db, &state.sessions, &admin, user, active).await
}

#[server(endpoint = "users/password_link")]
pub async fn new_password_link(user: UserId) -> Result<Invitation, AppError> {
    use crate::server::{users, web};
    let admin = web::require_admin().await?;
    users::new_link(&web::state()?.db, &admin, user).await
}
