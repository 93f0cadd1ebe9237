//! Internationalised domain names (`почта.рф`): the ASCII form (punycode, UTS 46 / IDNA 2008)
//! is what is stored and what DNS, TLS name checks and SMTP get; people see the Unicode form. A
//! label mixing Latin, Cyrillic or Greek letters (a Latin «a» among Cyrillic ones) is refused: it
//! is how look-alike domains are made.

use super::Invalid;

/// The ASCII form of a host name as typed (Unicode or ASCII, any case), lower-cased.
pub fn to_ascii(name: &str) -> Result<String, Invalid> {
    let ascii = if name.is_ascii() {
        name.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii_strict(name).map_err(|_| Invalid::HostFormat)?
    };
    // Punycode typed as such is decoded and judged like Unicode typed.
    if has_punycode(&ascii) {
        let (unicode, decoded) = idna::domain_to_unicode(&ascii);
        decoded.map_err(|_| Invalid::HostFormat)?;
        if unicode.split('.').any(mixes_scripts) {
            return Err(Invalid::MixedScripts);
        }
    }
    Ok(ascii)
}

/// The Unicode form of a stored (ASCII) name, for people to read.
pub fn to_unicode(ascii: &str) -> String {
    if !has_punycode(ascii) {
        return ascii.to_string();
    }
    match idna::domain_to_unicode(ascii) {
        (unicode, Ok(())) => unicode,
        _ => ascii.to_string(),
    }
}

/// Whether an ASCII name has a punycode (`xn--`) label.
fn has_punycode(ascii: &str) -> bool {
    ascii.split('.').any(|label| label.starts_with("xn--"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
}

fn script(c: char) -> Option<Script> {
    match c {
        'a'..='z' | 'A'..='Z' => Some(Script::Latin),
        '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}' => {
            Some(Script::Cyrillic)
        }
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Some(Script::Greek),
        _ => None,
    }
}

/// Whether a label has letters of more than one of the confusable scripts.
fn mixes_scripts(label: &str) -> bool {
    let mut seen = None;
    for s in label.chars().filter_map(script) {
        match seen {
            None => seen = Some(s),
            Some(first) if first != s => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_names_become_punycode_and_back() {
        assert_eq!(to_ascii("почта.рф").unwrap(), "xn--80a1acny.xn--p1ai");
        assert_eq!(to_ascii("ПОЧТА.РФ").unwrap(), "xn--80a1acny.xn--p1ai");
        assert_eq!(to_ascii("пример.испытание").unwrap(), "xn--e1afmkfd.xn--80akhbyknj4f");
        assert_eq!(to_ascii("smtp.магазин.рф").unwrap(), "smtp.xn--80aairftm.xn--p1ai");
        assert_eq!(to_unicode("xn--80a1acny.xn--p1ai"), "почта.рф");
        assert_eq!(to_unicode("smtp.yandex.ru"), "smtp.yandex.ru");
        // Already punycode: kept, and judged by what it decodes to.
        assert_eq!(to_ascii("xn--80a1acny.xn--p1ai").unwrap(), "xn--80a1acny.xn--p1ai");
    }

    #[test]
    fn look_alikes_mixing_scripts_are_refused() {
        // A Latin «a» inside a Cyrillic label, and a Cyrillic «а» inside a Latin one.
        assert_eq!(to_ascii("пoчта.рф"), Err(Invalid::MixedScripts));
        assert_eq!(to_ascii("pаypal.com"), Err(Invalid::MixedScripts));
        let disguised = to_ascii_unchecked("pаypal.com");
        assert_eq!(to_ascii(&disguised), Err(Invalid::MixedScripts), "typed as punycode too");
        // Different scripts in different labels are fine; digits and hyphens belong to none.
        assert!(to_ascii("mail.почта.рф").is_ok());
        assert!(to_ascii("почта-24.рф").is_ok());
    }

    fn to_ascii_unchecked(name: &str) -> String {
        idna::domain_to_ascii(name).unwrap()
    }
}
