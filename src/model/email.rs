//! E-mail addresses as people type them into forms: `user@mailserver`.

use super::{Host, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid mailbox address (dot-atom local part, host name domain). Quoted local
/// parts and address literals are valid in RFC 5321 but no mail service hands them out, and they
/// are the usual carriers of header injection, so they are refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EmailAddress(String);

const LOCAL_PART_MAX: usize = 64;
const ADDRESS_MAX: usize = 254;

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        if value.chars().any(char::is_control) {
            return Err(Invalid::LineBreak);
        }
        if value.len() > ADDRESS_MAX {
            return Err(Invalid::TooLong(ADDRESS_MAX as u16));
        }
        let (local, domain) = value.rsplit_once('@').ok_or(Invalid::EmailFormat)?;
        if !is_dot_atom(local) || local.len() > LOCAL_PART_MAX {
            return Err(Invalid::EmailFormat);
        }
        // A look-alike domain is said so; any other problem is the address's format.
        let domain = Host::parse(domain).map_err(|e| match e {
            Invalid::MixedScripts => e,
            _ => Invalid::EmailFormat,
        })?;
        if domain.is_ip() {
            return Err(Invalid::EmailFormat);
        }
        // Domains are case-insensitive; local parts formally are not, so they are kept as typed.
        Ok(Self(format!("{local}@{}", domain.as_str())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as people read it: `anna@почта.рф` for the stored `anna@xn--80a1acny.xn--p1ai`.
    pub fn unicode(&self) -> String {
        unicode_address(&self.0)
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or_default()
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }

    /// The form used to compare two addresses for "the same mailbox" (sign-in, duplicates).
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 5322 atext, and (RFC 6531) letters and digits of any alphabet: `иван@почта.рф`. Such an
/// address is sent only to servers offering SMTPUTF8.
fn is_atext(c: char) -> bool {
    c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn is_dot_atom(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// A stored address (ASCII domain) as people read it; anything unparsable is shown as it is.
pub fn unicode_address(stored: &str) -> String {
    match stored.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", super::idn::to_unicode(domain)),
        None => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted() {
        for ok in ["user@example.com", "first.last+tag@mail.example.ru", "o'neil@x.org", "a@b.co"] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn the_domain_is_lowercased_and_spaces_trimmed() {
        let a = EmailAddress::parse("  Ivan.Petrov@Yandex.RU ").unwrap();
        assert_eq!(a.as_str(), "Ivan.Petrov@yandex.ru");
        assert_eq!(a.domain(), "yandex.ru");
        assert_eq!(a.local_part(), "Ivan.Petrov");
        assert_eq!(a.normalized(), "ivan.petrov@yandex.ru");
    }

    #[test]
    fn cyrillic_domains_are_accepted_and_stored_in_their_ascii_form() {
        let a = EmailAddress::parse("Иван@ПОЧТА.РФ".replace("Иван", "ivan").as_str()).unwrap();
        assert_eq!(a.as_str(), "ivan@xn--80a1acny.xn--p1ai");
        assert_eq!(a.unicode(), "ivan@почта.рф");
        assert_eq!(EmailAddress::parse("info@пример.испытание").unwrap().unicode(), "info@пример.испытание");
        assert_eq!(EmailAddress::parse("info@pаypal.com"), Err(Invalid::MixedScripts), "a Cyrillic «а»");
        assert_eq!(unicode_address("anna@xn--80a1acny.xn--p1ai"), "anna@почта.рф");
    }

    #[test]
    fn letters_of_any_alphabet_before_the_at_are_accepted() {
        let a = EmailAddress::parse("иван.петров@почта.рф").unwrap();
        assert_eq!(a.as_str(), "иван.петров@xn--80a1acny.xn--p1ai");
        assert_eq!(a.unicode(), "иван.петров@почта.рф");
        assert_eq!(EmailAddress::parse("иван петров@почта.рф"), Err(Invalid::EmailFormat));
        assert_eq!(EmailAddress::parse("иван\u{200b}@почта.рф"), Err(Invalid::EmailFormat), "no invisible characters");
    }

    #[test]
    fn what_is_not_an_address_is_refused() {
        for bad in [
            "user",
            "user@",
            "@example.com",
            "user@@example.com",
            "us er@example.com",
            "user.@example.com",
            ".user@example.com",
            "a..b@example.com",
            "user@exa_mple.com",
            "user@-example.com",
            "user@[127.0.0.1]",
            "user@127.0.0.1",
            "\"q\"@example.com",
            "user@example..com",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(Invalid::EmailFormat), "{bad}");
        }
    }

    #[test]
    fn header_injection_is_refused() {
        assert_eq!(EmailAddress::parse("a@b.com\r\nBcc: c@d.com"), Err(Invalid::LineBreak));
        assert_eq!(EmailAddress::parse("a@b.com\n"), Ok(EmailAddress("a@b.com".into())));
        assert_eq!(EmailAddress::parse("a\n@b.com"), Err(Invalid::LineBreak));
    }

    #[test]
    fn empty_and_overlong_are_refused() {
        assert_eq!(EmailAddress::parse("  "), Err(Invalid::Required));
        let long = format!("{}@{}.com", "a".repeat(64), "b".repeat(200));
        assert_eq!(EmailAddress::parse(&long), Err(Invalid::TooLong(254)));
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long_local), Err(Invalid::EmailFormat));
    }
}
