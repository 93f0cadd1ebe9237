//! Calendar dates without a date library: the browser bundle stays small and the server and the
//! browser format a date identically (hydration compares the two). Moments: `time_zone`.

use super::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date, e.g. «Дата начальной загрузки». Stored and exchanged as `YYYY-MM-DD`
/// (what `<input type="date">` submits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        let mut parts = value.splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Invalid::DateFormat);
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(Invalid::DateFormat);
        }
        let year: i32 = y.parse().map_err(|_| Invalid::DateFormat)?;
        let month: u8 = m.parse().map_err(|_| Invalid::DateFormat)?;
        let day: u8 = d.parse().map_err(|_| Invalid::DateFormat)?;
        if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month)
        {
            return Err(Invalid::DateFormat);
        }
        Ok(Self { year, month, day })
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(self) -> i64 {
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day after.
    pub fn next(self) -> Self {
        Self::from_days_since_epoch(self.days_since_epoch() + 1)
    }

    pub fn from_days_since_epoch(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// IMAP's date format for SEARCH SINCE: `1-Feb-2026`.
    pub fn imap(self) -> String {
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        format!("{}-{}-{}", self.day, MONTHS[usize::from(self.month - 1)], self.year)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_as_date_inputs_submit_them() {
        let d = Date::parse("2026-02-28").unwrap();
        assert_eq!((d.year, d.month, d.day), (2026, 2, 28));
        assert_eq!(d.to_string(), "2026-02-28");
        assert_eq!(Date::parse("2026-02-29"), Err(Invalid::DateFormat));
        assert!(Date::parse("2024-02-29").is_ok());
        assert_eq!(Date::parse("28.02.2026"), Err(Invalid::DateFormat));
        assert_eq!(Date::parse("2026-13-01"), Err(Invalid::DateFormat));
        assert_eq!(Date::parse(""), Err(Invalid::Required));
    }

    #[test]
    fn days_round_trip_through_the_epoch() {
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert_eq!(Date::parse("2000-03-01").unwrap().days_since_epoch(), 11_017);
        for days in [0, 59, 60, 11_016, 20_000, 20_779, 40_000] {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
    }

    #[test]
    fn imap_dates_are_formatted() {
        assert_eq!(Date::parse("2026-02-01").unwrap().imap(), "1-Feb-2026");
    }
}
