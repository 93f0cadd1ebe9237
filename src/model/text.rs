//! Single-line text typed into a form: trimmed, without control characters, bounded in length.

use super::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Trims and checks one line of text. Control characters (CR and LF above all, which would let a
/// value break out of a mail header or a log line) are refused, not silently removed.
pub fn one_line(raw: &str, max_chars: u16) -> Result<String, Invalid> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Invalid::Required);
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::LineBreak);
    }
    if value.chars().count() > usize::from(max_chars) {
        return Err(Invalid::TooLong(max_chars));
    }
    Ok(value.to_string())
}

/// Like [`one_line`], but an empty value is allowed and becomes `None`.
pub fn optional_line(raw: &str, max_chars: u16) -> Result<Option<String>, Invalid> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        one_line(raw, max_chars).map(Some)
    }
}

/// A name shown to people: a firm, an outlet, an account, a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name(String);

impl Name {
    pub const MAX: u16 = 200;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        one_line(raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The display name in a letter's «From» header («Имя отправителя»). Encoded by lettre when the
/// letter is built; here it only has to be one line of reasonable length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderName(String);

impl SenderName {
    pub const MAX: u16 = 100;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        one_line(raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(one_line("  Ромашка  ", 10).unwrap(), "Ромашка");
        assert_eq!(one_line("   ", 10), Err(Invalid::Required));
        assert_eq!(one_line("abcdefghijk", 10), Err(Invalid::TooLong(10)));
        // Ten Cyrillic letters are ten characters, not twenty bytes.
        assert!(one_line("оооооооооо", 10).is_ok());
    }

    #[test]
    fn a_line_break_is_refused_not_removed() {
        assert_eq!(SenderName::parse("Shop\r\nBcc: victim@example.com"), Err(Invalid::LineBreak));
        assert_eq!(Name::parse("a\tb"), Err(Invalid::LineBreak));
        assert_eq!(SenderName::parse("ООО «Ромашка»").unwrap().as_str(), "ООО «Ромашка»");
    }

    #[test]
    fn optional_text_may_be_empty() {
        assert_eq!(optional_line("  ", 5), Ok(None));
        assert_eq!(optional_line(" x ", 5), Ok(Some("x".into())));
    }
}
