//! Russian company requisites used by «Наши фирмы»: INN (with its check digits), KPP, phone.

use super::Invalid;
use serde::{Deserialize, Serialize};

/// ИНН: 10 digits for an organisation, 12 for an individual entrepreneur, with check digits
/// computed as the Federal Tax Service prescribes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inn(String);

const INN10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_FIRST: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_SECOND: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

fn check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 11 % 10
}

impl Inn {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value: String = raw.trim().chars().filter(|c| *c != ' ').collect();
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        if !value.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::InnDigits);
        }
        let d: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
        let valid = match d.len() {
            10 => check_digit(&d[..9], &INN10) == d[9],
            12 => check_digit(&d[..10], &INN12_FIRST) == d[10] && check_digit(&d[..11], &INN12_SECOND) == d[11],
            _ => return Err(Invalid::InnLength),
        };
        if valid {
            Ok(Self(value))
        } else {
            Err(Invalid::InnChecksum)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// КПП: 9 characters, `NNNNPPNNN` where `PP` are digits or capital Latin letters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kpp(String);

impl Kpp {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim().to_ascii_uppercase();
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        let b = value.as_bytes();
        let ok = b.len() == 9
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4..6].iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            && b[6..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(value))
        } else {
            Err(Invalid::KppFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number as written on a business card: digits with `+ ( ) -` and spaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        let allowed = value.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if allowed && (5..=15).contains(&digits) && !value.chars().skip(1).any(|c| c == '+') {
            Ok(Self(value.to_string()))
        } else {
            Err(Invalid::PhoneFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_inns_of_organisations_and_entrepreneurs_pass() {
        assert_eq!(Inn::parse("7707083893").unwrap().as_str(), "7707083893");
        assert_eq!(Inn::parse(" 500100732259 ").unwrap().as_str(), "500100732259");
        assert!(Inn::parse("7707 083 893").is_ok());
    }

    #[test]
    fn a_mistyped_inn_fails_its_check_digits() {
        assert_eq!(Inn::parse("7707083894"), Err(Invalid::InnChecksum));
        assert_eq!(Inn::parse("500100732258"), Err(Invalid::InnChecksum));
        assert_eq!(Inn::parse("500100732249"), Err(Invalid::InnChecksum));
        assert_eq!(Inn::parse("77070838"), Err(Invalid::InnLength));
        assert_eq!(Inn::parse("77070838931"), Err(Invalid::InnLength));
        assert_eq!(Inn::parse("77070838a3"), Err(Invalid::InnDigits));
        assert_eq!(Inn::parse(""), Err(Invalid::Required));
    }

    #[test]
    fn kpp_has_nine_characters_with_an_optional_letter_code() {
        assert!(Kpp::parse("773601001").is_ok());
        assert_eq!(Kpp::parse("7736af001").unwrap().as_str(), "7736AF001");
        assert_eq!(Kpp::parse("77360100"), Err(Invalid::KppFormat));
        assert_eq!(Kpp::parse("7736Ж1001"), Err(Invalid::KppFormat));
        assert_eq!(Kpp::parse("A73601001"), Err(Invalid::KppFormat));
    }

    #[test]
    fn phones_are_digits_with_punctuation() {
        assert!(Phone::parse("+7 (495) 123-45-67").is_ok());
        assert!(Phone::parse("8 800 555 35 35").is_ok());
        assert_eq!(Phone::parse("call me"), Err(Invalid::PhoneFormat));
        assert_eq!(Phone::parse("123"), Err(Invalid::PhoneFormat));
        assert_eq!(Phone::parse("7+123456"), Err(Invalid::PhoneFormat));
    }
}
