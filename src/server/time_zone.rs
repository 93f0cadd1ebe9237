//! «Часовой пояс» of «Настройки программы»: the tenant's zone (Europe/Moscow unless an
//! administrator chose another) and moments converted into it with the tz database, which stays
//! on the server.

use super::db::{self, Tx};
use super::session::{Admin, CurrentUser};
use super::state::AppState;
use crate::model::error::AppError;
use crate::model::time_zone::{Moment, TimeZone, TimeZoneInput, TimeZoneView};
use crate::model::{Date, TenantId};
use chrono::{Offset, TimeZone as _};

/// The tenant's zone. A stored name the list no longer offers falls back to Moscow.
pub async fn of_tenant(tx: &mut Tx, tenant: TenantId) -> Result<TimeZone, AppError> {
    Ok(stored(db::tenants::time_zone(tx, tenant).await?))
}

/// The zone of a stored name (read along with something else), as [`of_tenant`].
pub fn stored(name: Option<String>) -> TimeZone {
    name.and_then(|name| TimeZone::parse(&name).ok()).unwrap_or(TimeZone::MOSCOW)
}

/// `millis` with the offset `zone` had at that moment (daylight saving included).
pub fn moment(zone: TimeZone, millis: i64) -> Moment {
    let tz: chrono_tz::Tz = zone.name().parse().unwrap_or(chrono_tz::Europe::Moscow);
    let offset_minutes = chrono::DateTime::from_timestamp_millis(millis)
        .map(|utc| tz.offset_from_utc_datetime(&utc.naive_utc()).fix().local_minus_utc() / 60)
        .unwrap_or(0);
    Moment { millis, offset_minutes }
}

/// When day `date` starts in `zone` (Unix ms). A midnight a clock change skips starts the day at
/// UTC midnight instead (a few hours off, on one day in some zones' years).
pub fn day_start(zone: TimeZone, date: Date) -> i64 {
    let tz: chrono_tz::Tz = zone.name().parse().unwrap_or(chrono_tz::Europe::Moscow);
    chrono::NaiveDate::from_ymd_opt(date.year, u32::from(date.month), u32::from(date.day))
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .and_then(|midnight| tz.from_local_datetime(&midnight).earliest())
        .map(|start| start.timestamp_millis())
        .unwrap_or_else(|| date.days_since_epoch() * 86_400_000)
}

/// Now, in the tenant's zone (for letters).
pub async fn now(tx: &mut Tx, tenant: TenantId) -> Result<Moment, AppError> {
    Ok(moment(of_tenant(tx, tenant).await?, db::now_millis()))
}

pub async fn view(state: &AppState, user: &CurrentUser) -> Result<TimeZoneView, AppError> {
    let mut tx = state.db.read(user.tenant).await?;
    let zone = of_tenant(&mut tx, user.tenant).await?;
    tx.commit().await?;
    Ok(shown(zone))
}

/// An administrator's choice, with an audit row.
pub async fn set(state: &AppState, admin: &Admin, input: TimeZoneInput) -> Result<TimeZoneView, AppError> {
    let zone = TimeZone::parse(&input.time_zone).map_err(|problem| AppError::field("time_zone", problem))?;
    let mut tx = state.db.write(admin.tenant).await?;
    db::tenants::set_time_zone(&mut tx, admin.tenant, zone.name()).await?;
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "save", "time_zone", zone.name()).await?;
    tx.commit().await?;
    Ok(shown(zone))
}

/// The zone with what its clock says now.
fn shown(zone: TimeZone) -> TimeZoneView {
    TimeZoneView { zone, now: moment(zone, db::now_millis()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_take_the_zones_offset_at_that_moment() {
        // 2026-11-30 20:15 UTC, and 2026-07-01 12:00 UTC.
        let (winter, summer) = (1_796_069_700_000, 1_782_907_200_000);
        assert_eq!(moment(TimeZone::MOSCOW, winter).to_string(), "30.11.2026 23:15");
        let vladivostok = TimeZone::parse("Asia/Vladivostok").unwrap();
        assert_eq!(moment(vladivostok, winter).to_string(), "01.12.2026 06:15");
        let berlin = TimeZone::parse("Europe/Berlin").unwrap();
        assert_eq!(moment(berlin, winter).offset_minutes, 60);
        assert_eq!(moment(berlin, summer).offset_minutes, 120, "summer time");
        assert_eq!(moment(TimeZone::parse("UTC").unwrap(), summer).to_string(), "01.07.2026 12:00");
    }

    #[test]
    fn a_day_starts_at_midnight_in_the_zone() {
        let day = Date::parse("2026-12-01").unwrap();
        // 2026-11-30 21:00 UTC is midnight in Moscow (UTC+3), 14:00 in Vladivostok (UTC+10).
        assert_eq!(day_start(TimeZone::MOSCOW, day), 1_796_072_400_000);
        assert_eq!(day_start(TimeZone::parse("Asia/Vladivostok").unwrap(), day), 1_796_047_200_000);
        assert_eq!(day_start(TimeZone::parse("UTC").unwrap(), day.next()), 1_796_169_600_000);
    }

    #[test]
    fn every_offered_zone_is_known_to_the_tz_database() {
        for zone in TimeZone::all() {
            assert!(zone.name().parse::<chrono_tz::Tz>().is_ok(), "{}", zone.name());
        }
    }
}
