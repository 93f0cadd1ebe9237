//! The tenant's time zone («Часовой пояс» in «Настройки программы») and moments shown in it. The
//! zones offered are a fixed list, so a stored zone is always one the server can convert with;
//! the conversion itself (the tz database) stays on the server, and a [`Moment`] travels with its
//! offset, so the browser needs no date library and formats exactly as the server did.

use super::{Date, Invalid, Lang};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The zones offered: IANA name, Russian and English label. The offsets in the labels are the
/// zones' standard ones (Berlin adds an hour in summer).
const ZONES: &[(&str, &str, &str)] = &[
    ("Europe/Kaliningrad", "Калининград (UTC+2)", "Kaliningrad (UTC+2)"),
    ("Europe/Moscow", "Москва (UTC+3)", "Moscow (UTC+3)"),
    ("Europe/Samara", "Самара (UTC+4)", "Samara (UTC+4)"),
    ("Asia/Yekaterinburg", "Екатеринбург (UTC+5)", "Yekaterinburg (UTC+5)"),
    ("Asia/Omsk", "Омск (UTC+6)", "Omsk (UTC+6)"),
    ("Asia/Novosibirsk", "Новосибирск (UTC+7)", "Novosibirsk (UTC+7)"),
    ("Asia/Krasnoyarsk", "Красноярск (UTC+7)", "Krasnoyarsk (UTC+7)"),
    ("Asia/Irkutsk", "Иркутск (UTC+8)", "Irkutsk (UTC+8)"),
    ("Asia/Yakutsk", "Якутск (UTC+9)", "Yakutsk (UTC+9)"),
    ("Asia/Vladivostok", "Владивосток (UTC+10)", "Vladivostok (UTC+10)"),
    ("Asia/Magadan", "Магадан (UTC+11)", "Magadan (UTC+11)"),
    ("Asia/Kamchatka", "Петропавловск-Камчатский (UTC+12)", "Petropavlovsk-Kamchatsky (UTC+12)"),
    ("Europe/Minsk", "Минск (UTC+3)", "Minsk (UTC+3)"),
    ("Asia/Almaty", "Алматы (UTC+5)", "Almaty (UTC+5)"),
    ("Asia/Tashkent", "Ташкент (UTC+5)", "Tashkent (UTC+5)"),
    ("Asia/Yerevan", "Ереван (UTC+4)", "Yerevan (UTC+4)"),
    ("Asia/Tbilisi", "Тбилиси (UTC+4)", "Tbilisi (UTC+4)"),
    ("Europe/Berlin", "Берлин (UTC+1, летом +2)", "Berlin (UTC+1, summer +2)"),
    ("UTC", "UTC", "UTC"),
];

/// A zone of [`TimeZone::all`], by its IANA name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(u8);

impl TimeZone {
    /// The default of every tenant.
    pub const MOSCOW: TimeZone = TimeZone(1);

    /// Every zone offered, west to east: Russia's eleven, its neighbours, and UTC.
    pub fn all() -> impl Iterator<Item = TimeZone> {
        (0..ZONES.len() as u8).map(TimeZone)
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Invalid::Required);
        }
        Self::all().find(|z| z.name() == name).ok_or(Invalid::UnknownChoice)
    }

    /// The IANA name, as stored.
    pub fn name(self) -> &'static str {
        ZONES[usize::from(self.0)].0
    }

    /// How the list names it: «Москва (UTC+3)».
    pub fn label(self, lang: Lang) -> &'static str {
        let (_, ru, en) = ZONES[usize::from(self.0)];
        match lang {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
}

impl TryFrom<String> for TimeZone {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, &'static str> {
        Self::parse(&raw).map_err(|_| "not an offered time zone")
    }
}

impl From<TimeZone> for String {
    fn from(zone: TimeZone) -> String {
        zone.name().to_string()
    }
}

/// A moment (milliseconds since the epoch) with the offset of the tenant's zone at that moment,
/// shown as local time: `30.11.2026 23:15`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub millis: i64,
    pub offset_minutes: i32,
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.millis.div_euclid(1000) + i64::from(self.offset_minutes) * 60;
        let date = Date::from_days_since_epoch(secs.div_euclid(86_400));
        let in_day = secs.rem_euclid(86_400);
        write!(f, "{:02}.{:02}.{:04} {:02}:{:02}", date.day, date.month, date.year, in_day / 3600, in_day % 3600 / 60)
    }
}

/// The tenant's zone and the zones it may choose, for «Настройки программы».
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeZoneView {
    pub zone: TimeZone,
    /// What the clock in that zone says now, to show the choice is right.
    pub now: Moment,
}

/// «Часовой пояс» as the form posts it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeZoneInput {
    pub time_zone: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_shown_in_its_offset() {
        // 2026-11-30 20:15:00 UTC.
        let millis = 1_796_069_700_000;
        assert_eq!(Moment { millis, offset_minutes: 0 }.to_string(), "30.11.2026 20:15");
        assert_eq!(Moment { millis, offset_minutes: 180 }.to_string(), "30.11.2026 23:15");
        assert_eq!(Moment { millis, offset_minutes: 600 }.to_string(), "01.12.2026 06:15");
        assert_eq!(Moment { millis, offset_minutes: -120 }.to_string(), "30.11.2026 18:15");
    }

    #[test]
    fn only_offered_zones_parse() {
        assert_eq!(TimeZone::parse(" Asia/Vladivostok ").map(TimeZone::name), Ok("Asia/Vladivostok"));
        assert_eq!(TimeZone::parse("Europe/Moscow"), Ok(TimeZone::MOSCOW));
        assert_eq!(TimeZone::parse("Mars/Olympus"), Err(Invalid::UnknownChoice));
        assert_eq!(TimeZone::parse(""), Err(Invalid::Required));
        assert!(TimeZone::all().any(|z| z == TimeZone::MOSCOW));
        assert_eq!(TimeZone::MOSCOW.label(Lang::Ru), "Москва (UTC+3)");
        let json = serde_json::to_string(&TimeZone::MOSCOW).unwrap();
        assert_eq!(json, "\"Europe/Moscow\"");
        assert!(serde_json::from_str::<TimeZone>("\"Mars/Olympus\"").is_err());
    }
}
