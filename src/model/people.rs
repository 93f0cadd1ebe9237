//! Users of a tenant: roles, languages and the rules for the passwords they sign in with.

use super::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Tenant administrator: manages users, firms, the «Почта» tab and shared accounts.
    Admin,
    User,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "admin" => Ok(Role::Admin),
            "user" => Ok(Role::User),
            "" => Err(Invalid::Required),
            _ => Err(Invalid::UnknownChoice),
        }
    }
}

/// The language of the interface. Russian is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Unknown codes fall back to Russian rather than failing: a language is a preference.
    pub fn from_code(code: &str) -> Self {
        match code.trim() {
            "en" => Lang::En,
            _ => Lang::Ru,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }
}

/// A password chosen for signing in to Pochta (not a mail password). Length is what matters
/// (NIST SP 800-63B): at least 8 characters, no composition rules, at most 128 so hashing stays
/// bounded.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: u16 = 8;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let chars = raw.chars().count();
        if chars == 0 {
            Err(Invalid::Required)
        } else if chars < usize::from(Self::MIN) {
            Err(Invalid::PasswordTooShort(Self::MIN))
        } else if chars > Self::MAX {
            Err(Invalid::TooLong(Self::MAX as u16))
        } else {
            Ok(Self(raw.to_string()))
        }
    }

    /// Parses a password typed twice.
    pub fn parse_confirmed(raw: &str, repeated: &str) -> Result<Self, Invalid> {
        let password = Self::parse(raw)?;
        if raw == repeated {
            Ok(password)
        } else {
            Err(Invalid::PasswordsDiffer)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_not_composition() {
        assert!(NewPassword::parse("длинный пароль").is_ok());
        assert_eq!(NewPassword::parse("short").err(), Some(Invalid::PasswordTooShort(8)));
        assert_eq!(NewPassword::parse("").err(), Some(Invalid::Required));
        assert_eq!(NewPassword::parse(&"x".repeat(129)).err(), Some(Invalid::TooLong(128)));
        assert_eq!(NewPassword::parse_confirmed("abcdefgh", "abcdefgX").err(), Some(Invalid::PasswordsDiffer));
        assert!(NewPassword::parse_confirmed("abcdefgh", "abcdefgh").is_ok());
    }

    #[test]
    fn a_password_never_prints() {
        let p = NewPassword::parse("secret-value").unwrap();
        assert!(!format!("{p:?}").contains("secret"));
    }

    #[test]
    fn roles_and_languages_round_trip() {
        for r in [Role::Admin, Role::User] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert_eq!(Role::parse("root"), Err(Invalid::UnknownChoice));
        assert_eq!(Lang::from_code("en"), Lang::En);
        assert_eq!(Lang::from_code("de"), Lang::Ru);
        assert_eq!(Lang::Ru.other(), Lang::En);
    }
}
