//! «Часовой пояс»: every time a tenant's users see — in the directory, in «Настройки программы»,
//! in the letters Pochta writes — is in the tenant's zone, Moscow unless an administrator chose
//! another; a user may not change it, and one tenant's choice leaves the others alone.

use crate::support::forms::{invited_user, mail_tab_form, open_mail_tab};
use crate::support::mail_servers::{spawn_app_with_mail, wait_for_message};
use crate::support::Browser;
use pochta::model::accounts::AccountListView;
use pochta::model::crm_email::{CrmEmailView, MailTabInput, MailTabOutcome};
use pochta::model::error::AppError;
use pochta::model::time_zone::{TimeZone, TimeZoneInput, TimeZoneView};
use pochta::model::Invalid;
use pochta::server::db::now_millis;
use pochta::server::time_zone::moment;

async fn set_zone(browser: &Browser, zone: &str) -> Result<TimeZoneView, AppError> {
    browser.submit("time_zone/set", &TimeZoneInput { time_zone: zone.into() }).await
}

async fn offsets(admin: &Browser) -> (i32, i32) {
    let settings: Option<CrmEmailView> = admin.call("crm_email/settings", &[]).await.unwrap();
    let list: AccountListView = admin.call("accounts/list", &[("q", "alice")]).await.unwrap();
    let checked = list.rows[0].last_check.at.expect("the save recorded its check");
    (settings.expect("saved").updated_at.offset_minutes, checked.offset_minutes)
}

#[tokio::test]
async fn times_are_shown_in_the_tenants_zone_which_only_its_administrator_changes() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    // The letter is found in a shared mailbox by the organisation's name.
    let organisation = format!("Ромашка-{}", now_millis());
    let admin = app.first_run(&organisation, "anna@romashka.test").await;
    open_mail_tab(&admin).await;
    let save = MailTabInput { intent: "save".into(), ..mail_tab_form(&mail, mail.smtps, true) };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &save).await.unwrap();

    // Moscow by default: UTC+3, in the settings group and in the directory.
    let zone: TimeZoneView = admin.call("time_zone/get", &[]).await.unwrap();
    assert_eq!(zone.zone, TimeZone::MOSCOW);
    assert_eq!(offsets(&admin).await, (180, 180));
    let page = admin.get_page("/program-settings").await.text().await.unwrap();
    assert!(!page.contains(" UTC<"), "no time is shown as UTC");

    // Vladivostok: UTC+10 everywhere, and in the test letter.
    let vladivostok = set_zone(&admin, "Asia/Vladivostok").await.unwrap();
    assert_eq!(vladivostok.now.offset_minutes, 600);
    assert_eq!(offsets(&admin).await, (600, 600));
    let zone = TimeZone::parse("Asia/Vladivostok").unwrap();
    let before = moment(zone, now_millis()).to_string();
    let letter = MailTabInput { intent: "send".into(), ..mail_tab_form(&mail, mail.smtps, true) };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &letter).await.unwrap();
    let after = moment(zone, now_millis()).to_string();
    let received = wait_for_message(&mail, "bob", &organisation).await;
    assert!(
        received.body.contains(&before) || received.body.contains(&after),
        "the letter says {before} or {after}: {}",
        received.body
    );

    // A zone not offered is refused at its field; nothing changes.
    let refused = set_zone(&admin, "Mars/Olympus").await.unwrap_err();
    assert_eq!(refused.field_problem("time_zone"), Some(Invalid::UnknownChoice));
    assert_eq!(offsets(&admin).await, (600, 600));

    // A user reads the zone but may not change it.
    let user = invited_user(&app, &admin, "boris@romashka.test", "user", "пароль бориса 2026").await;
    let seen: TimeZoneView = user.call("time_zone/get", &[]).await.unwrap();
    assert_eq!(seen.zone, zone);
    assert_eq!(set_zone(&user, "UTC").await.unwrap_err(), AppError::Forbidden);

    // Another tenant keeps Moscow.
    let other = app.new_tenant("Лютик", "lena@lutik.test").await;
    let theirs: TimeZoneView = other.call("time_zone/get", &[]).await.unwrap();
    assert_eq!(theirs.zone, TimeZone::MOSCOW);
}
