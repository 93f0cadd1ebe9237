//! An account row as the directory's screens show it: a list row, or the whole account with the
//! settings it was saved with. Passwords appear only as "stored or not", a sign-in with the
//! provider as who signed in where.

use super::{can_edit, saved_connection};
use crate::model::accounts::{AccountRowView, AccountView, ConnectionSource, LastCheckView};
use crate::model::oauth::SignInView;
use crate::model::time_zone::TimeZone;
use crate::model::unicode_address;
use crate::server::db::accounts::AccountRow;
use crate::server::session::CurrentUser;
use crate::server::time_zone::moment;

/// The last check, its time in the tenant's zone.
fn last_check(zone: TimeZone, a: &AccountRow) -> LastCheckView {
    LastCheckView {
        at: a.last_check_at.map(|at| moment(zone, at)),
        ok: a.last_check_ok,
        reason: a.last_check_reason.clone(),
    }
}

pub fn row(zone: TimeZone, a: AccountRow, sign_in: Option<SignInView>) -> AccountRowView {
    AccountRowView {
        sign_in,
        id: a.id,
        configured: a.smtp.is_some() || a.incoming.is_some(),
        last_check: last_check(zone, &a),
        for_everyone: a.owner.is_none(),
        name: a.name,
        sender_name: a.sender_name,
        address: unicode_address(&a.address),
        is_system: a.is_system,
        use_for_sending: a.use_for_sending,
        use_for_receiving: a.use_for_receiving,
    }
}

pub fn account(user: &CurrentUser, zone: TimeZone, a: AccountRow, sign_in: Option<SignInView>) -> AccountView {
    AccountView {
        sign_in,
        id: a.id,
        can_edit: can_edit(user, &a),
        connection: saved_connection(&a).view(ConnectionSource::Saved),
        last_check: last_check(zone, &a),
        for_everyone: a.owner.is_none(),
        initial_load_date: a.initial_load_date.map(|d| d.to_string()).unwrap_or_default(),
        has_password: a.password.is_some(),
        has_incoming_password: a.incoming_password.is_some(),
        name: a.name,
        address: unicode_address(&a.address),
        sender_name: a.sender_name,
        is_system: a.is_system,
        use_for_sending: a.use_for_sending,
        use_for_receiving: a.use_for_receiving,
        version: a.version,
    }
}
