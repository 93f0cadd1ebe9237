//! The users screen on the wire: the tenant's users as the administrator sees them, the form that
//! adds one, and what the new user is handed.

use super::error::{valid, AppError};
use super::{EmailAddress, FieldErrors, Invalid, Name, Role, UserId};
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

/// How a new user gets their first password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstPassword {
    /// A generated password, shown once; signing in with it leads to choosing a new one.
    OneTime,
    /// A set-password link, shown once.
    Link,
}

/// The form that adds a user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserInput {
    pub email: String,
    pub name: String,
    /// `admin` or `user`.
    pub role: String,
    /// `one_time` or `link`.
    pub first_password: String,
}

/// A user to add, parsed.
#[derive(Debug)]
pub struct NewUserDraft {
    pub email: EmailAddress,
    pub name: Name,
    pub role: Role,
    pub first_password: FirstPassword,
}

impl NewUserInput {
    pub fn parse(&self) -> Result<NewUserDraft, AppError> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let name = errors.check("name", Name::parse(&self.name));
        let role = errors.check("role", Role::parse(&self.role));
        let first_password = errors.check(
            "first_password",
            match self.first_password.trim() {
                "one_time" => Ok(FirstPassword::OneTime),
                "link" => Ok(FirstPassword::Link),
                _ => Err(Invalid::UnknownChoice),
            },
        );
        let draft =
            (|| Some(NewUserDraft { email: email?, name: name?, role: role?, first_password: first_password? }))();
        valid(errors, draft)
    }
}
