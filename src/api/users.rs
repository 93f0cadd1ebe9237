//! The users screen: administrators manage the users of their own tenant.

use crate::error::AppError;
use crate::model::{Role, UserId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub has_password: bool,
    pub is_me: bool,
}

/// What the administrator hands to a new user, shown once and never stored in clear.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Invitation {
    OneTimePassword {
        user: UserId,
        password: String,
    },
    /// A path on this site (`/set-password?token=…`); the page prefixes its own origin.
    Link {
        user: UserId,
        path: String,
    },
}

#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use crate::server::{members, web};
    let admin = web::require_admin().await?;
    members::list(&web::state()?.db, &admin).await
}

#[server(endpoint = "users/add")]
pub async fn add_user(
    email: String,
    name: String,
    role: String,
    first_password: String,
) -> Result<Invitation, AppError> {
    use crate::error::ensure_valid;
    use crate::model::{EmailAddress, FieldErrors, Invalid, Name};
    use crate::server::members::{self, FirstPassword};
    use crate::server::web;
    let admin = web::require_admin().await?;
    let mut errors = FieldErrors::new();
    let email = errors.check("email", EmailAddress::parse(&email));
    let name = errors.check("name", Name::parse(&name));
    let role = errors.check("role", Role::parse(&role));
    let first = errors.check(
        "first_password",
        match first_password.as_str() {
            "one_time" => Ok(FirstPassword::OneTime),
            "link" => Ok(FirstPassword::Link),
            _ => Err(Invalid::UnknownChoice),
        },
    );
    ensure_valid(errors)?;
    let (Some(email), Some(name), Some(role), Some(first)) = (email, name, role, first) else {
        return Err(AppError::Internal);
    };
    members::add(&web::state()?.db, &admin, &email, &name, role, first).await
}

#[server(endpoint = "users/change_role")]
pub async fn change_role(user: i64, role: String) -> Result<(), AppError> {
    use crate::server::{members, web};
    let admin = web::require_admin().await?;
    let role = Role::parse(&role).map_err(|p| AppError::field("role", p))?;
    members::change_role(&web::state()?.db, &admin, UserId(user), role).await
}

#[server(endpoint = "users/set_active")]
pub async fn set_user_active(user: i64, active: bool) -> Result<(), AppError> {
    use crate::server::{members, web};
    let admin = web::require_admin().await?;
    members::set_active(&web::state()?.db, &admin, UserId(user), active).await
}

#[server(endpoint = "users/password_link")]
pub async fn new_password_link(user: i64) -> Result<Invitation, AppError> {
    use crate::server::{members, web};
    let admin = web::require_admin().await?;
    members::new_link(&web::state()?.db, &admin, UserId(user)).await
}
