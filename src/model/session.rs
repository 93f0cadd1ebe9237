//! Signing in on the wire: who is signed in, where the browser goes after signing in, and the
//! first-run form that creates the organisation and its administrator.

use super::error::{valid, AppError};
use super::{EmailAddress, FieldErrors, Name, NewPassword, Role};
use serde::{Deserialize, Serialize};

/// Who is signed in, as the layout needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub tenant_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub me: Option<Me>,
    /// No user exists yet: the first-run page creates the organisation and its administrator.
    pub first_run: bool,
}

/// Where the browser goes after signing in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AfterSignIn {
    Home,
    /// Signed in with a one-time password: choose a new one on this page first.
    ChoosePassword(String),
}

/// The first-run form.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FirstRunInput {
    pub organisation: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub password_again: String,
}

impl std::fmt::Debug for FirstRunInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstRunInput").field("organisation", &self.organisation).finish_non_exhaustive()
    }
}

/// The organisation and its administrator, parsed.
pub struct FirstRunDraft {
    pub organisation: Name,
    pub name: Name,
    pub email: EmailAddress,
    pub password: NewPassword,
}

impl FirstRunInput {
    pub fn parse(&self) -> Result<FirstRunDraft, AppError> {
        let mut errors = FieldErrors::new();
        let organisation = errors.check("organisation", Name::parse(&self.organisation));
        let name = errors.check("name", Name::parse(&self.name));
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let password = errors.check("password", NewPassword::parse_confirmed(&self.password, &self.password_again));
        let draft =
            (|| Some(FirstRunDraft { organisation: organisation?, name: name?, email: email?, password: password? }))();
        valid(errors, draft)
    }
}
