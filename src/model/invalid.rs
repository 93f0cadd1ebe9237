//! Why a value typed by a user was refused. Each reason is shown at its field, in the user's
//! language (see `i18n`), so it is a small closed enum rather than a free-form string.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Invalid {
    Required,
    TooLong(u16),
    LineBreak,
    EmailFormat,
    HostFormat,
    /// A label mixing Latin, Cyrillic or Greek letters: a look-alike.
    MixedScripts,
    HostWithScheme,
    PortNotNumber,
    PortRange,
    SslOnStartTlsPort(u16),
    StartTlsOnSslPort(u16),
    InnDigits,
    InnLength,
    InnChecksum,
    KppFormat,
    PhoneFormat,
    PasswordTooShort(u16),
    PasswordsDiffer,
    DateFormat,
    UnknownChoice,
    AlreadyExists,
    PresetNotConfigured,
    PasswordRequiredForAutomaticUse,
    PasswordRequiredAfterServerChange,
    PasswordForCheck,
    SharedAccountsAdminOnly,
    UseForNothing,
    NameTooShort,
    /// Not a SHA-256 fingerprint (64 hexadecimal digits).
    FingerprintFormat,
    /// A certificate to trust that no recent check of this tenant was shown.
    CertificateNotShown,
    /// More items than allowed (recipients of one letter).
    TooMany(u16),
    /// A text larger than allowed, in KiB (a letter's body).
    TooLarge(u16),
    /// A period that ends before it starts.
    PeriodReversed,
}

impl Invalid {
    /// The message key in the catalogs under `src/i18n/`.
    pub fn key(self) -> &'static str {
        match self {
            Invalid::Required => "invalid.required",
            Invalid::TooLong(_) => "invalid.too_long",
            Invalid::LineBreak => "invalid.line_break",
            Invalid::EmailFormat => "invalid.email_format",
            Invalid::HostFormat => "invalid.host_format",
            Invalid::MixedScripts => "invalid.mixed_scripts",
            Invalid::HostWithScheme => "invalid.host_with_scheme",
            Invalid::PortNotNumber => "invalid.port_not_number",
            Invalid::PortRange => "invalid.port_range",
            Invalid::SslOnStartTlsPort(_) => "invalid.ssl_on_starttls_port",
            Invalid::StartTlsOnSslPort(_) => "invalid.starttls_on_ssl_port",
            Invalid::InnDigits => "invalid.inn_digits",
            Invalid::InnLength => "invalid.inn_length",
            Invalid::InnChecksum => "invalid.inn_checksum",
            Invalid::KppFormat => "invalid.kpp_format",
            Invalid::PhoneFormat => "invalid.phone_format",
            Invalid::PasswordTooShort(_) => "invalid.password_too_short",
            Invalid::PasswordsDiffer => "invalid.passwords_differ",
            Invalid::DateFormat => "invalid.date_format",
            Invalid::UnknownChoice => "invalid.unknown_choice",
            Invalid::AlreadyExists => "invalid.already_exists",
            Invalid::PresetNotConfigured => "invalid.preset_not_configured",
            Invalid::PasswordRequiredForAutomaticUse => "invalid.password_required_automatic",
            Invalid::PasswordRequiredAfterServerChange => "invalid.password_required_server_change",
            Invalid::PasswordForCheck => "invalid.password_for_check",
            Invalid::SharedAccountsAdminOnly => "invalid.shared_admin_only",
            Invalid::UseForNothing => "invalid.use_for_nothing",
            Invalid::NameTooShort => "invalid.name_too_short",
            Invalid::FingerprintFormat => "invalid.fingerprint_format",
            Invalid::CertificateNotShown => "invalid.certificate_not_shown",
            Invalid::TooMany(_) => "invalid.too_many",
            Invalid::TooLarge(_) => "invalid.too_large",
            Invalid::PeriodReversed => "invalid.period_reversed",
        }
    }

    /// The number a message mentions (`{n}`), if any.
    pub fn number(self) -> Option<u16> {
        match self {
            Invalid::TooLong(n)
            | Invalid::SslOnStartTlsPort(n)
            | Invalid::StartTlsOnSslPort(n)
            | Invalid::PasswordTooShort(n)
            | Invalid::TooMany(n)
            | Invalid::TooLarge(n) => Some(n),
            _ => None,
        }
    }

    /// Every variant, so a test can prove each has a message in every language.
    pub const ALL: &'static [Invalid] = &[
        Invalid::Required,
        Invalid::TooLong(1),
        Invalid::LineBreak,
        Invalid::EmailFormat,
        Invalid::HostFormat,
        Invalid::MixedScripts,
        Invalid::HostWithScheme,
        Invalid::PortNotNumber,
        Invalid::PortRange,
        Invalid::SslOnStartTlsPort(587),
        Invalid::StartTlsOnSslPort(465),
        Invalid::InnDigits,
        Invalid::InnLength,
        Invalid::InnChecksum,
        Invalid::KppFormat,
        Invalid::PhoneFormat,
        Invalid::PasswordTooShort(8),
        Invalid::PasswordsDiffer,
        Invalid::DateFormat,
        Invalid::UnknownChoice,
        Invalid::AlreadyExists,
        Invalid::PresetNotConfigured,
        Invalid::PasswordRequiredForAutomaticUse,
        Invalid::PasswordRequiredAfterServerChange,
        Invalid::PasswordForCheck,
        Invalid::SharedAccountsAdminOnly,
        Invalid::UseForNothing,
        Invalid::NameTooShort,
        Invalid::FingerprintFormat,
        Invalid::CertificateNotShown,
        Invalid::TooMany(50),
        Invalid::TooLarge(256),
        Invalid::PeriodReversed,
    ];
}

/// A refused value and the form field it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub problem: Invalid,
}

/// Every refused field of one submitted form. Collected, not short-circuited, so the user sees
/// all problems at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, problem: Invalid) {
        self.0.push(FieldError { field: field.to_string(), problem });
    }

    /// Parses one field, recording the problem and returning `None` when it is refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn for_field(&self, field: &str) -> Option<Invalid> {
        self.0.iter().find(|e| e.field == field).map(|e| e.problem)
    }

    pub fn single(field: &str, problem: Invalid) -> Self {
        let mut errors = Self::new();
        errors.add(field, problem);
        errors
    }
}
