//! Strict tenant isolation: a user of tenant B, calling every server function with tenant A's
//! ids, is refused and changes nothing of A's.

use crate::support::forms::{add_firm, add_outlet};
use crate::support::{spawn_app, Browser, TestApp};
use pochta::model::accounts::{AccountListView, AccountView};
use pochta::model::check::ProgressEvent;
use pochta::model::error::AppError;
use pochta::model::session::SessionInfo;
use pochta::model::setup::{FirmView, OutletView};
use pochta::model::users::{Invitation, NewUserInput, UserView};
use pochta::model::{AccountId, FirmId, OutletId, Role, UserId};
use serde_json::Value;
use std::collections::BTreeSet;

/// What tenant A owns, by id.
pub struct TenantA {
    pub admin: Browser,
    pub user_id: UserId,
    pub firm_id: FirmId,
    pub outlet_id: OutletId,
    pub account_id: AccountId,
}

async fn tenant_a(app: &TestApp) -> TenantA {
    let admin = app.first_run("Тенант А", "admin@a.test").await;
    let form = NewUserInput {
        email: "user@a.test".into(),
        name: "Пользователь А".into(),
        role: "user".into(),
        first_password: "link".into(),
    };
    let Invitation::Link { user: user_id, .. } = admin.submit("users/add", &form).await.unwrap() else {
        panic!("a link was asked for")
    };
    let firm_id = add_firm(&admin, "Фирма А").await;
    let outlet_id = add_outlet(&admin, firm_id, "warehouse", "Склад А").await;
    // A's system account is created with the tenant.
    let list: AccountListView = admin.call("accounts/list", &[]).await.unwrap();
    let account_id = list.system_id.unwrap();
    TenantA { admin, user_id, firm_id, outlet_id, account_id }
}

/// Server functions that act only on the caller's own session or tenant and take no ids.
const OWN_SCOPE: &[&str] = &[
    "session",
    "sign_in",
    "sign_out",
    "first_run",
    "set_language",
    "password_link_status",
    "set_password",
    "users/list",
    "users/add",
    "setup/firms",
    "setup/outlets",
    "setup/mail_tab_lock",
    "crm_email/mail_tab",
    "crm_email/submit",
    "crm_email/settings",
    "time_zone/get",
    "time_zone/set",
    // Keyed by the caller's tenant and a host and port, never an id (trusted_certificates.rs
    // shows another tenant's forget finds nothing).
    "trusted_certificates/list",
    "trusted_certificates/trust",
    "trusted_certificates/forget",
    "accounts/list",
    // The journal and the keys of the caller's tenant; the ones taking ids are below.
    "notifications/journal",
    "notifications/keys",
    "notifications/create_key",
    "notifications/key_shown_once",
    // The health of the caller's tenant's accounts (notifications.rs: another tenant's is not seen).
    "notifications/health",
    // Runs are looked up by tenant and user (see "progress" below); the sign-in a kept form
    // names is shown only to the user who made it (server/accounts/sign_in.rs, `view`).
    "accounts/kept",
    // The operator's registrations with the providers: the same for every tenant.
    "accounts/sign_in_offers",
    // Covered below: runs are looked up by tenant and user, so another's id finds nothing.
    "progress",
];

#[tokio::test]
async fn a_user_of_another_tenant_is_refused_every_server_function_with_tenant_a_ids() {
    let app = spawn_app().await;
    let a = tenant_a(&app).await;
    let b_admin = app.new_tenant("Тенант Б", "admin@b.test").await;
    let b_firm = add_firm(&b_admin, "Фирма Б").await.to_string();
    let a_user = a.user_id.to_string();
    let a_firm = a.firm_id.to_string();
    let a_outlet = a.outlet_id.to_string();
    let a_account = a.account_id.to_string();
    let (a_letter, a_key) = letter_and_key_of(&app, &a).await;
    let (a_letter, a_key) = (a_letter.to_string(), a_key.to_string());

    let with_a_ids: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("users/change_role", vec![("user", &a_user), ("role", "admin")]),
        ("users/set_active", vec![("user", &a_user), ("active", "false")]),
        ("users/password_link", vec![("user", &a_user)]),
        (
            "setup/save_firm",
            vec![
                ("id", &a_firm),
                ("version", "1"),
                ("name", "Захват"),
                ("inn", "7707083893"),
                ("kpp", ""),
                ("address", ""),
                ("phone", ""),
                ("email", ""),
            ],
        ),
        ("setup/delete_firm", vec![("id", &a_firm)]),
        (
            "setup/save_outlet",
            vec![
                ("id", &a_outlet),
                ("version", "1"),
                ("kind", "outlet"),
                ("name", "Захват"),
                ("firm", &b_firm),
                ("address", ""),
            ],
        ),
        ("setup/delete_outlet", vec![("id", &a_outlet)]),
        ("accounts/get", vec![("id", &a_account)]),
        ("notifications/retry", vec![("id", &a_letter)]),
        ("notifications/cancel", vec![("id", &a_letter)]),
        ("notifications/revoke_key", vec![("id", &a_key)]),
        ("accounts/check", vec![("id", &a_account), ("password", "x")]),
        ("accounts/delete", vec![("id", &a_account)]),
        (
            "accounts/submit",
            vec![
                ("intent", "save"),
                ("id", &a_account),
                ("version", "1"),
                ("address", "x@b.test"),
                ("password", "x"),
                ("use_for_sending", "true"),
                ("for_whom", "all"),
                ("sender_name", "X"),
                ("mode", "manual"),
                ("smtp_host", "smtp.b.test"),
                ("smtp_port", "465"),
                ("smtp_security", "ssl"),
                ("smtp_login", "x@b.test"),
            ],
        ),
    ];
    for (endpoint, args) in &with_a_ids {
        let outcome = b_admin.call::<Value>(endpoint, args).await;
        assert!(
            matches!(outcome, Err(AppError::NotFound) | Err(AppError::Forbidden)),
            "{endpoint} with tenant A's ids must be refused, got {outcome:?}"
        );
    }

    // A's live report of a check (refused at once: a loopback address nobody allowed) is A's alone.
    let run = "run-of-tenant-a-0001";
    // The outcome (a failed check, nothing saved) is the directory tests' business.
    let _ = a
        .admin
        .call::<Value>(
            "accounts/submit",
            &[
                ("intent", "save"),
                ("address", "box@a.test"),
                ("password", "x"),
                ("use_for_sending", "true"),
                ("for_whom", "all"),
                ("sender_name", "A"),
                ("mode", "manual"),
                ("smtp_host", "127.0.0.1"),
                ("smtp_port", "465"),
                ("smtp_security", "ssl"),
                ("smtp_login", "box@a.test"),
                ("run_id", run),
            ],
        )
        .await;
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen =
            a.admin.call::<Vec<(i64, ProgressEvent)>>("progress", &[("run_id", run), ("after", "-1")]).await.unwrap();
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!seen.is_empty(), "A sees the steps of its own check");
    let stolen: Vec<(i64, ProgressEvent)> =
        b_admin.call("progress", &[("run_id", run), ("after", "-1")]).await.unwrap();
    assert!(stolen.is_empty(), "B sees nothing of A's run: {stolen:?}");
    let other_user: Vec<(i64, ProgressEvent)> =
        a_user_browser(&app, &a).await.call("progress", &[("run_id", run), ("after", "-1")]).await.unwrap();
    assert!(other_user.is_empty(), "another user of A sees nothing of the administrator's run");

    // Lists show only B's own rows.
    let firms: Vec<FirmView> = b_admin.call("setup/firms", &[]).await.unwrap();
    assert_eq!(firms.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["Фирма Б"]);
    let outlets: Vec<OutletView> = b_admin.call("setup/outlets", &[]).await.unwrap();
    assert!(outlets.is_empty());
    let accounts: AccountListView = b_admin.call("accounts/list", &[]).await.unwrap();
    assert_eq!(accounts.rows.len(), 1, "B sees only its own system account");
    assert_ne!(accounts.system_id, Some(a.account_id));
    let users: Vec<UserView> = b_admin.call("users/list", &[]).await.unwrap();
    assert!(users.iter().all(|u| u.email.ends_with("@b.test")), "{users:?}");
    let session: SessionInfo = b_admin.call("session", &[]).await.unwrap();
    assert_eq!(session.me.unwrap().tenant_name, "Тенант Б");

    // Nothing of A changed.
    let a_users: Vec<UserView> = a.admin.call("users/list", &[]).await.unwrap();
    let user = a_users.iter().find(|u| u.id == a.user_id).unwrap();
    assert_eq!((user.role, user.active), (Role::User, true));
    let a_firms: Vec<FirmView> = a.admin.call("setup/firms", &[]).await.unwrap();
    assert_eq!(a_firms[0].name, "Фирма А");
    let a_outlets: Vec<OutletView> = a.admin.call("setup/outlets", &[]).await.unwrap();
    assert_eq!(a_outlets[0].name, "Склад А");
    let a_account: AccountView = a.admin.call("accounts/get", &[("id", &a.account_id.to_string())]).await.unwrap();
    assert_eq!(a_account.version, 1, "A's system account untouched");

    // Every server function of the app is covered above: a new one must be added here.
    let covered: BTreeSet<String> =
        with_a_ids.iter().map(|(e, _)| e.to_string()).chain(OWN_SCOPE.iter().map(|e| e.to_string())).collect();
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let uncovered: Vec<_> = registered.difference(&covered).collect();
    assert!(uncovered.is_empty(), "server functions without an isolation check: {uncovered:?}");
}

/// A letter waiting in tenant A's outbox (queued as the host application's would be, with the
/// account A's administrator has) and a key A's administrator made: their ids.
async fn letter_and_key_of(app: &TestApp, a: &TenantA) -> (i64, i64) {
    use pochta::server::db::outbox::{insert, NewLetter};
    let made: pochta::model::notifications::CreatedApiKey =
        a.admin.call("notifications/create_key", &[("name", "Магазин А")]).await.unwrap();
    let tenant: i64 = sqlx::query_scalar("SELECT tenant_id FROM api_keys WHERE id = $1")
        .bind(made.id)
        .fetch_one(app.inspect())
        .await
        .unwrap();
    let tenant = pochta::model::TenantId(tenant);
    let mut tx = app.state.db.write(tenant).await.unwrap();
    let far = i64::MAX / 2;
    let letter = NewLetter {
        via: "crm",
        idempotency_key: None,
        recipients: "client@a.test",
        subject: "Письмо А",
        text_body: "Текст",
        html_body: None,
        reply_to: None,
        message_id: "<a@a.test>",
        now: far,
        give_up_at: far,
    };
    let id = insert(&mut tx, tenant, &letter).await.unwrap().0.id;
    tx.commit().await.unwrap();
    (id, made.id)
}

/// Tenant A's ordinary user, signed in through a set-password link.
async fn a_user_browser(app: &TestApp, a: &TenantA) -> Browser {
    let link: Invitation = a.admin.call("users/password_link", &[("user", &a.user_id.to_string())]).await.unwrap();
    let Invitation::Link { path, .. } = link else { panic!("a link") };
    let token = path.split("token=").nth(1).unwrap().to_string();
    let user = app.browser();
    let password = "пароль пользователя";
    user.call::<()>("set_password", &[("token", &token), ("password", password), ("password_again", password)])
        .await
        .unwrap();
    user
}

#[tokio::test]
async fn an_ordinary_user_is_refused_what_only_administrators_may_do() {
    let app = spawn_app().await;
    let a = tenant_a(&app).await;
    let user = a_user_browser(&app, &a).await;
    for (endpoint, args) in [
        ("users/list", vec![]),
        ("users/add", vec![("email", "x@a.test"), ("name", "X"), ("role", "admin"), ("first_password", "link")]),
        ("users/change_role", vec![("user", "1"), ("role", "user")]),
        ("users/set_active", vec![("user", "1"), ("active", "false")]),
        ("users/password_link", vec![("user", "1")]),
        ("setup/firms", vec![]),
        ("setup/delete_firm", vec![("id", "1")]),
        ("setup/mail_tab_lock", vec![]),
        ("crm_email/mail_tab", vec![]),
        ("crm_email/settings", vec![]),
        ("time_zone/set", vec![("time_zone", "UTC")]),
        ("notifications/journal", vec![("status", ""), ("before", ""), ("from", ""), ("to", "")]),
        ("notifications/retry", vec![("id", "1")]),
        ("notifications/cancel", vec![("id", "1")]),
        ("notifications/keys", vec![]),
        ("notifications/create_key", vec![("name", "Ключ")]),
        ("notifications/key_shown_once", vec![]),
        ("notifications/revoke_key", vec![("id", "1")]),
        ("trusted_certificates/list", vec![]),
        (
            "trusted_certificates/trust",
            vec![
                ("certificate_host", "office.a.test"),
                ("certificate_port", "465"),
                ("certificate_sha256", "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"),
            ],
        ),
        ("trusted_certificates/forget", vec![("host", "office.a.test"), ("port", "465")]),
        (
            "crm_email/submit",
            vec![
                ("intent", "save"),
                ("provider", "google"),
                ("login", "a@gmail.com"),
                ("sender_name", "A"),
                ("sender_email", "a@gmail.com"),
            ],
        ),
    ] {
        assert_eq!(user.call::<Value>(endpoint, &args).await.unwrap_err(), AppError::Forbidden, "{endpoint}");
    }
}

#[tokio::test]
async fn two_users_of_a_tenant_with_the_same_run_id_each_see_their_own_live_report() {
    let app = spawn_app().await;
    let a = tenant_a(&app).await;
    let user = a_user_browser(&app, &a).await;
    let run = "the-same-run-0001";
    // Each checks a server on a loopback address nobody allowed: refused at once, one step each.
    for (browser, address) in [(&a.admin, "admin-box@a.test"), (&user, "user-box@a.test")] {
        let form = [
            ("intent", "create"),
            ("address", address),
            ("password", "x"),
            ("use_for_sending", "true"),
            ("for_whom", "me"),
            ("sender_name", "A"),
            ("mode", "manual"),
            ("smtp_host", "127.0.0.1"),
            ("smtp_port", "465"),
            ("smtp_security", "ssl"),
            ("smtp_login", address),
            ("run_id", run),
        ];
        let _ = browser.call::<Value>("accounts/submit", &form).await;
    }
    for browser in [&a.admin, &user] {
        let mut seen = Vec::new();
        for _ in 0..50 {
            seen = browser
                .call::<Vec<(i64, ProgressEvent)>>("progress", &[("run_id", run), ("after", "-1")])
                .await
                .unwrap();
            if !seen.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(!seen.is_empty(), "each user sees the steps of their own check");
    }
}
