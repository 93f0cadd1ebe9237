//! Account health as «Почта», the directory and «Журнал отправки» warn about it: an account the
//! outbox sends through that failed [`FAILURES_TO_WARN`] letters in a row, or whose server's
//! certificate expires within [`CERTIFICATE_WARNING_DAYS`] days.

use super::time_zone::Moment;
use serde::{Deserialize, Serialize};

/// Failures in a row (of the account's own making: not a refused recipient) before the
/// administrators are warned.
pub const FAILURES_TO_WARN: i64 = 3;
/// A certificate expiring within this many days is warned about.
pub const CERTIFICATE_WARNING_DAYS: i64 = 14;
const DAY_MS: i64 = 86_400_000;

/// Whether `failures` in a row call for a warning.
pub fn failing(failures: i64) -> bool {
    failures >= FAILURES_TO_WARN
}

/// Whether a certificate valid until `expires_at` calls for a warning at `now` (both Unix ms).
pub fn certificate_expiring(expires_at: i64, now: i64) -> bool {
    expires_at <= now.saturating_add(CERTIFICATE_WARNING_DAYS * DAY_MS)
}

/// One warning about an account, for its banner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum HealthWarning {
    /// The account failed `failures` letters in a row since `since`; the last failure explained.
    Failing { address: String, failures: i64, since: Moment, explanation: String },
    /// The certificate its server showed expires at `expires`.
    CertificateExpiring { address: String, expires: Moment },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_takes_three_failures_in_a_row() {
        assert!(!failing(0));
        assert!(!failing(2));
        assert!(failing(3));
        assert!(failing(40));
    }

    #[test]
    fn a_certificate_is_warned_about_from_fourteen_days_before_it_expires() {
        let now = 1_796_069_700_000;
        assert!(!certificate_expiring(now + 15 * DAY_MS, now));
        assert!(certificate_expiring(now + 14 * DAY_MS, now));
        assert!(certificate_expiring(now + 1, now));
        assert!(certificate_expiring(now - DAY_MS, now), "an expired one still");
    }
}
