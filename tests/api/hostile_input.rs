//! Bad input, everywhere: every server function gets a corpus of hostile values in each of its
//! fields, as a form post and as JSON. Never a 5xx, and a refused request changes nothing in the
//! database. A new server function must be listed here (the test fails otherwise).

use crate::support::forms::open_mail_tab;
use crate::support::{spawn_app, Browser, TestApp};
use pochta::model::error::AppError;
use std::collections::{BTreeMap, BTreeSet};

fn corpus() -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        " ",
        "a\0b",
        "Ромашка\r\nBcc: victim@example.com",
        "line\nbreak",
        "😀🚀",
        "\u{202E}gpj.exe",
        "-1",
        "0",
        "-9223372036854775808",
        "9223372036854775808",
        "99999999999999999999999",
        "1e309",
        "NaN",
        "почта.рф",
        "иван@почта.рф",
        "xn--80a1acny.xn--p1ai",
        "' OR 1=1 --",
        "Robert'); DROP TABLE users;--",
        "<script>alert(1)</script>",
        "127.0.0.1",
        "169.254.169.254",
        "[::1]",
        "localhost",
        "%",
        "_\\%",
        "true",
        "on",
        "admin",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    values.push("x".repeat(100_000));
    values.push("щ".repeat(100_000));
    values
}

/// Every server function with its fields, each given a plausible value; the corpus then goes
/// into one field at a time.
fn endpoints() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let account = vec![
        ("intent", "save"),
        ("id", "999999"),
        ("version", "1"),
        ("name", "Ящик"),
        ("address", "box@example.com"),
        ("password", "secret"),
        ("remember_password", "true"),
        ("use_for_sending", "true"),
        ("use_for_receiving", "true"),
        ("for_whom", "all"),
        ("sender_name", "Отдел"),
        ("mode", "manual"),
        ("initial_load_date", "2026-01-01"),
        ("smtp_host", "smtp.example.com"),
        ("smtp_port", "465"),
        ("smtp_security", "ssl"),
        ("smtp_login", "box@example.com"),
        ("incoming_protocol", "imap"),
        ("incoming_host", "imap.example.com"),
        ("incoming_port", "993"),
        ("incoming_security", "ssl"),
        ("incoming_login", "box@example.com"),
        ("same_credentials", "true"),
        ("incoming_password", ""),
        ("run_id", "hostile-run-0001"),
    ];
    vec![
        ("session", vec![]),
        ("sign_in", vec![("email", "anna@romashka.test"), ("password", "не тот пароль")]),
        (
            "first_run",
            vec![
                ("organisation", "Захват"),
                ("name", "X"),
                ("email", "x@example.com"),
                ("password", "длинный пароль"),
                ("password_again", "длинный пароль"),
            ],
        ),
        ("set_language", vec![("lang", "en")]),
        ("password_link_status", vec![("token", "no-such-token")]),
        (
            "set_password",
            vec![("token", "no-such-token"), ("password", "длинный пароль"), ("password_again", "длинный пароль")],
        ),
        ("users/list", vec![]),
        (
            "users/add",
            vec![("email", "new@romashka.test"), ("name", "Новый"), ("role", "user"), ("first_password", "link")],
        ),
        ("users/change_role", vec![("user", "999999"), ("role", "user")]),
        ("users/set_active", vec![("user", "999999"), ("active", "true")]),
        ("users/password_link", vec![("user", "999999")]),
        ("setup/firms", vec![]),
        (
            "setup/save_firm",
            vec![
                ("id", "999999"),
                ("version", "1"),
                ("name", "ООО Ромашка"),
                ("inn", "7707083893"),
                ("kpp", "773601001"),
                ("address", "Москва"),
                ("phone", "+7 495 000-00-00"),
                ("email", "info@romashka.test"),
            ],
        ),
        ("setup/delete_firm", vec![("id", "999999")]),
        ("setup/outlets", vec![]),
        (
            "setup/save_outlet",
            vec![
                ("id", "999999"),
                ("version", "1"),
                ("kind", "outlet"),
                ("name", "Точка"),
                ("firm", "1"),
                ("address", ""),
            ],
        ),
        ("setup/delete_outlet", vec![("id", "999999")]),
        ("setup/mail_tab_lock", vec![]),
        ("crm_email/mail_tab", vec![]),
        (
            "crm_email/submit",
            vec![
                ("intent", "save"),
                ("provider", "other"),
                ("smtp_host", "smtp.example.com"),
                ("use_ssl", "true"),
                ("smtp_port", "465"),
                ("login", "box@example.com"),
                ("password", "secret"),
                ("sender_name", "Ромашка"),
                ("sender_email", "box@example.com"),
                ("recipient", "boss@example.com"),
                ("version", "999"),
                ("run_id", "hostile-run-0002"),
            ],
        ),
        ("crm_email/settings", vec![]),
        ("time_zone/get", vec![]),
        ("time_zone/set", vec![("time_zone", "Asia/Vladivostok")]),
        (
            "notifications/journal",
            vec![("status", "failed"), ("before", ""), ("from", "2026-11-01"), ("to", "2026-11-30")],
        ),
        ("notifications/retry", vec![("id", "999999")]),
        ("notifications/cancel", vec![("id", "999999")]),
        ("notifications/keys", vec![]),
        ("notifications/create_key", vec![("name", "Ключ")]),
        ("notifications/key_shown_once", vec![]),
        ("notifications/revoke_key", vec![("id", "999999")]),
        ("notifications/health", vec![]),
        ("trusted_certificates/list", vec![]),
        (
            "trusted_certificates/trust",
            vec![
                ("certificate_host", "office.example.com"),
                ("certificate_port", "465"),
                ("certificate_sha256", "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"),
                ("certificate_any_name", "on"),
            ],
        ),
        ("trusted_certificates/forget", vec![("host", "office.example.com"), ("port", "465")]),
        ("accounts/list", vec![("q", "ящик"), ("sort", "name"), ("page", "0")]),
        ("accounts/get", vec![("id", "999999")]),
        ("accounts/kept", vec![("run", "hostile-run-0004")]),
        ("accounts/sign_in_offers", vec![]),
        ("accounts/submit", account),
        (
            "accounts/check",
            vec![("id", "999999"), ("password", "x"), ("incoming_password", ""), ("run_id", "hostile-run-0003")],
        ),
        ("accounts/delete", vec![("id", "999999")]),
        ("progress", vec![("run_id", "hostile-run-0001"), ("after", "-1")]),
        // Last: it signs the administrator out.
        ("sign_out", vec![]),
    ]
}

/// What a refused request must leave as it was: how many rows each kind has, and their versions.
async fn snapshot(app: &TestApp) -> BTreeMap<&'static str, (i64, i64)> {
    let mut seen = BTreeMap::new();
    for table in ["tenants", "users", "firms", "outlets", "email_accounts", "crm_email_settings"] {
        let version = if table == "tenants" { "0" } else { "version" };
        let row: (i64, i64) = sqlx::query_as(&format!("SELECT COUNT(*), COALESCE(SUM({version}), 0) FROM {table}"))
            .fetch_one(app.inspect())
            .await
            .unwrap();
        seen.insert(table, row);
    }
    seen
}

async fn post(browser: &Browser, endpoint: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = browser.client.post(browser.url(&format!("/api/{endpoint}"))).form(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn every_server_function_survives_hostile_values_and_a_refusal_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    open_mail_tab(&admin).await;
    let corpus = corpus();
    let endpoints = endpoints();
    let mut problems = Vec::new();
    for (endpoint, fields) in &endpoints {
        let mut before = snapshot(&app).await;
        for (field, _) in fields {
            for value in &corpus {
                let form: Vec<(&str, &str)> =
                    fields.iter().map(|(f, v)| if f == field { (*f, value.as_str()) } else { (*f, *v) }).collect();
                let (status, body) = post(&admin, endpoint, &form).await;
                let shown = value.chars().take(40).collect::<String>();
                if status >= 500 {
                    problems.push(format!("{endpoint} {field}={shown:?}: {status} {}", &body[..body.len().min(200)]));
                    continue;
                }
                if (200..300).contains(&status) {
                    before = snapshot(&app).await;
                    continue;
                }
                if serde_json::from_str::<AppError>(&body).is_err() {
                    problems
                        .push(format!("{endpoint} {field}={shown:?}: {status} is not a translatable error: {body}"));
                }
                let after = snapshot(&app).await;
                if after != before {
                    problems.push(format!(
                        "{endpoint} {field}={shown:?}: refused ({status}) but changed {before:?} → {after:?}"
                    ));
                    before = after;
                }
            }
        }
        // Still signed in, so the corpus reached the services rather than the sign-in check.
        let session: pochta::model::session::SessionInfo = admin.call("session", &[]).await.unwrap();
        if session.me.is_none() && *endpoint != "sign_out" {
            problems.push(format!("{endpoint}: the administrator was signed out"));
        }
        // The same fields as JSON, and bytes that are not UTF-8.
        let json: serde_json::Map<String, serde_json::Value> =
            fields.iter().map(|(f, v)| (f.to_string(), serde_json::Value::from(*v))).collect();
        for request in [
            admin.client.post(admin.url(&format!("/api/{endpoint}"))).json(&json),
            admin
                .client
                .post(admin.url(&format!("/api/{endpoint}")))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("{}=%FF%FE%00", fields.first().map_or("x", |(f, _)| f))),
        ] {
            let status = request.send().await.unwrap().status().as_u16();
            if status >= 500 {
                problems.push(format!("{endpoint}: {status} for JSON or non-UTF-8 input"));
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));

    // Every server function of the app is in the table above.
    let listed: BTreeSet<String> = endpoints.iter().map(|(e, _)| e.to_string()).collect();
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(missing.is_empty(), "server functions without hostile input: {missing:?}");
}
