//! «Войти через …» on the «Почта» tab, end to end on loopback: the app sends the browser to the
//! test authorization server (end2end/oauth-server.mjs, registered as «Microsoft»), takes the
//! code back with its PKCE verifier, and the tab's test letter, save and the outbox then sign in
//! to the real Postfix with the token. A state from elsewhere, another session, a refusal, another
//! address, a renewal refused — each is refused and explained; tokens appear in no answer and only
//! sealed in the database; two servers renewing at once renew once.

use crate::notifications::{configure_system_account, get, post, wait_for_status};
use crate::support::forms::{automatic_account, invited_user, mail_tab_form, manual_account, open_mail_tab, ticked};
use crate::support::mail_servers::{app_with_mail, wait_for_message, MailServers};
use crate::support::process::ServerProcess;
use crate::support::{unique, Browser, TestApp};
use pochta::model::accounts::{AccountInput, AccountListView, AccountOutcome, AccountView, KeptAccount};
use pochta::model::check::{CheckReport, Side};
use pochta::model::crm_email::{CrmEmailView, MailTabInput, MailTabOutcome, MailTabView};
use pochta::model::error::AppError;
use pochta::model::health::HealthWarning;
use pochta::model::oauth::{Provider, SignInOffers, SignInProblem, SignInView};
use pochta::model::{Invalid, Name, TenantId};
use pochta::server::notifications::api_keys;
use serde_json::{json, Value};

/// The test authorization server's address.
fn authorization_server() -> String {
    std::env::var("POCHTA_TEST_OAUTH_URL").expect("scripts/mail-servers.sh starts the authorization server")
}

fn oauth_port() -> u16 {
    std::env::var("POCHTA_TEST_OAUTH_PORT").unwrap().parse().unwrap()
}

/// The test authorization server registered as Microsoft (the test preset's provider), reached as
/// `localhost` through the egress guard like any provider: the registration file.
fn registration() -> String {
    let port = oauth_port();
    let file = std::env::temp_dir().join(format!("pochta-test-oauth-{}-{}.json", std::process::id(), unique("f")));
    let registration = json!({
        "microsoft": {
            "client_id": "pochta-test",
            "client_secret": "test-client-secret",
            "authorize_url": format!("https://localhost:{port}/authorize"),
            "token_url": format!("https://localhost:{port}/token"),
        },
        // Yandex's and Mail.ru's own scopes (no `openid`): no ID token, the address comes from
        // their user-info calls (the token in a header for Yandex, in the address for Mail.ru).
        "yandex": {
            "client_id": "pochta-test-yandex",
            "authorize_url": format!("https://localhost:{port}/authorize"),
            "token_url": format!("https://localhost:{port}/token"),
            "userinfo_url": format!("https://localhost:{port}/userinfo"),
        },
        "mailru": {
            "client_id": "pochta-test-mailru",
            "authorize_url": format!("https://localhost:{port}/authorize"),
            "token_url": format!("https://localhost:{port}/token"),
            "userinfo_url": format!("https://localhost:{port}/userinfo"),
        },
    });
    std::fs::write(&file, registration.to_string()).unwrap();
    file.display().to_string()
}

/// The app with that registration (and `more` operator settings).
async fn app_with_sign_in_and(mail: &MailServers, more: &[&str]) -> TestApp {
    let file = registration();
    let mut settings = vec!["--oauth-file", &file, "--public-url", "http://pochta.example"];
    settings.extend(more);
    app_with_mail(mail, &[oauth_port()], &settings).await
}

async fn app_with_sign_in(mail: &MailServers) -> TestApp {
    app_with_sign_in_and(mail, &[]).await
}

/// A client of the authorization server (trusting the test CA), following no redirects.
fn provider_client(mail: &MailServers) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&mail.ca_file).unwrap()).unwrap();
    reqwest::Client::builder().add_root_certificate(ca).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn control(mail: &MailServers, what: &str) -> Value {
    let url = format!("{}/test/{what}", authorization_server());
    let asks = what == "counts" || what.starts_with("issued");
    let request = if asks { provider_client(mail).get(url) } else { provider_client(mail).post(url) };
    request.send().await.unwrap().json().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").expect("a redirect").to_str().unwrap().to_string()
}

/// The tab's form for the test preset, alice's address, no password.
fn form(mail: &MailServers, intent: &str) -> MailTabInput {
    MailTabInput {
        intent: intent.into(),
        provider: "pochta-test".into(),
        password: String::new(),
        ..mail_tab_form(mail, 0, true)
    }
}

/// «Войти через …» as the hydrated page sends it from `endpoint`'s form: the address of the
/// provider's page.
async fn leave_from<O>(admin: &Browser, endpoint: &str, form: &impl serde::Serialize, signing_in: O) -> String
where
    O: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let response = admin
        .client
        .post(admin.url(&format!("/api/{endpoint}")))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let to = location(&response);
    let outcome: O = response.json().await.unwrap();
    assert_eq!(outcome, signing_in);
    to
}

/// «Войти через Microsoft» on the tab.
async fn leave(admin: &Browser, form: &MailTabInput) -> String {
    leave_from(admin, "crm_email/submit", form, MailTabOutcome::SigningIn).await
}

/// The provider's page: it signs in at once and sends the browser back; the callback's path.
async fn at_provider(mail: &MailServers, authorize: &str) -> String {
    let response = provider_client(mail).get(authorize).send().await.unwrap();
    let back = location(&response);
    back.strip_prefix("http://pochta.example").expect("back to the registered address").to_string()
}

/// The browser arriving back at the app: the tab it is sent to, as loaded.
async fn back(admin: &Browser, callback: &str) -> MailTabView {
    let response = admin.get_page(callback).await;
    let tab = location(&response);
    let run = tab.strip_prefix("/setup/mail?run=").unwrap_or_else(|| panic!("back to the tab: {tab}"));
    admin.call("crm_email/mail_tab", &[("run", run)]).await.unwrap()
}

/// The tab's form for the mailbox `address` (sending as it).
fn form_as(mail: &MailServers, address: &str, intent: &str) -> MailTabInput {
    MailTabInput { login: address.into(), sender_email: address.into(), ..form(mail, intent) }
}

/// The access tokens the provider issues for `address` from now on last `seconds`.
async fn tokens_last(mail: &MailServers, address: &str, seconds: u32) {
    control(mail, &format!("access-ttl?email={address}&seconds={seconds}")).await;
}

/// The tab signed in as `address` and saved with that sign-in.
async fn signed_in_and_saved(admin: &Browser, mail: &MailServers, address: &str) -> SignInView {
    let authorize = leave(admin, &form_as(mail, address, "sign_in")).await;
    let sign_in = back(admin, &at_provider(mail, &authorize).await).await.sign_in.expect("signed in");
    let save = MailTabInput { sign_in: sign_in.id.to_string(), ..form_as(mail, address, "save") };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &save).await.expect("saved");
    sign_in
}

fn using(mail: &MailServers, intent: &str, sign_in: &SignInView) -> MailTabInput {
    MailTabInput { sign_in: sign_in.id.to_string(), ..form(mail, intent) }
}

/// A new tenant with its «Почта» tab open: its administrator's browser and address.
async fn tenant_and_admin(app: &TestApp, organisation: &str) -> (Browser, String) {
    let email = format!("{}@romashka.test", unique("admin"));
    let admin = app.new_tenant(organisation, &email).await;
    open_mail_tab(&admin).await;
    (admin, email)
}

async fn tenant(app: &TestApp, organisation: &str) -> Browser {
    tenant_and_admin(app, organisation).await.0
}

async fn column(app: &TestApp, sql: &str, id: i64) -> Option<String> {
    sqlx::query_scalar(sql).bind(id).fetch_one(app.inspect()).await.unwrap()
}

#[tokio::test]
async fn an_administrator_signs_in_with_the_provider_sends_a_test_letter_saves_and_notifications_go_out() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in(&mail).await;
    let admin = tenant(&app, "ООО «Провайдер»").await;

    // The form as it was left is back, signed in, without any password.
    let mut leaving = form(&mail, "sign_in");
    leaving.sender_name = "Магазин у провайдера".into();
    let authorize = leave(&admin, &leaving).await;
    assert!(authorize.starts_with(&format!("https://localhost:{}/authorize?", oauth_port())), "{authorize}");
    for part in ["code_challenge_method=S256", "code_challenge=", "state=", "login_hint=alice%40pochta.test"] {
        assert!(authorize.contains(part), "{part} in {authorize}");
    }
    let tab = back(&admin, &at_provider(&mail, &authorize).await).await;
    let sign_in = tab.sign_in.clone().expect("signed in");
    assert_eq!((sign_in.provider, sign_in.identity.as_str()), (Provider::Microsoft, "alice@pochta.test"));
    assert_eq!(tab.sign_in_offered, [Provider::Microsoft, Provider::Yandex, Provider::Mailru]);
    let typed = tab.kept.as_ref().and_then(|k| k.typed.clone()).expect("the form comes back");
    assert_eq!((typed.sender_name.as_str(), typed.sign_in), ("Магазин у провайдера", sign_in.id.to_string()));

    let subject_marker = unique("oauth-test-letter");
    let mut letter = using(&mail, "send", &sign_in);
    letter.sender_name = subject_marker.clone();
    let sent: MailTabOutcome = admin.submit("crm_email/submit", &letter).await.expect("the test letter goes out");
    assert!(matches!(sent, MailTabOutcome::TestLetterSent { .. }), "{sent:?}");
    wait_for_message(&mail, "bob", &subject_marker).await;

    let saved: MailTabOutcome = admin.submit("crm_email/submit", &using(&mail, "save", &sign_in)).await.unwrap();
    assert!(matches!(saved, MailTabOutcome::Saved { .. }), "{saved:?}");
    let settings: CrmEmailView = admin.call::<Option<CrmEmailView>>("crm_email/settings", &[]).await.unwrap().unwrap();
    assert_eq!(settings.sign_in.as_ref().map(|s| s.id), Some(sign_in.id));
    assert!(!settings.has_password);

    // Tokens only sealed in the database, and in no answer.
    for sql in [
        "SELECT refresh_token FROM oauth_sign_ins WHERE id = $1",
        "SELECT access_token FROM oauth_sign_ins WHERE id = $1",
    ] {
        let stored = column(&app, sql, sign_in.id).await.expect("stored");
        assert!(stored.starts_with("v1:") && !stored.contains("eyJ"), "{stored}");
    }
    let page = admin.get_page("/setup/mail").await.text().await.unwrap();
    assert!(!page.contains("eyJ") && !page.contains("refresh_token"));

    // The outbox sends through the saved account with the token.
    let tenant: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE name = 'ООО «Провайдер»'")
        .fetch_one(app.inspect())
        .await
        .unwrap();
    let key = api_keys::create(&app.state.db, TenantId(tenant), &Name::parse("CRM").unwrap(), None).await.unwrap();
    let subject = unique("oauth-notification");
    let (code, queued) =
        post(&app, &key.key, "ru", &json!({"to": [mail.address("bob")], "subject": subject, "text": "Готово."})).await;
    assert_eq!(code, 202, "{queued}");
    wait_for_status(&app, &key.key, queued["id"].as_i64().unwrap(), "sent").await;
    wait_for_message(&mail, "bob", &subject).await;
}

#[tokio::test]
async fn a_return_with_a_strange_state_another_sessions_or_a_refusal_signs_nobody_in() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in(&mail).await;
    let (admin, email) = tenant_and_admin(&app, "ООО «Чужие ключи»").await;
    let other_tenant = tenant(&app, "ООО «Соседи»").await;
    // The same administrator signed in in another browser: another session.
    let other_session = app.browser();
    other_session.sign_in(&email, crate::support::PASSWORD).await.unwrap();

    let expired = |tab: MailTabView| match tab.kept.map(|k| (k.outcome, k.typed.is_some())) {
        Some((Err(AppError::SignIn(problem)), typed)) => (problem, typed),
        other => panic!("expected a refused sign-in, got {other:?}"),
    };

    // A state the app never made.
    let callback = at_provider(&mail, &leave(&admin, &form(&mail, "sign_in")).await).await;
    let (path, query) = callback.split_once('?').unwrap();
    let forged: String = query
        .split('&')
        .map(|p| if p.starts_with("state=") { "state=forged-state-value".to_string() } else { p.to_string() })
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(expired(back(&admin, &format!("{path}?{forged}")).await), (SignInProblem::Expired, false));
    // The real one, brought back by another tenant's administrator: not theirs to find.
    assert_eq!(expired(back(&other_tenant, &callback).await), (SignInProblem::Expired, false));
    // Brought back in another session of the same administrator: refused, and spent by it.
    assert_eq!(expired(back(&other_session, &callback).await), (SignInProblem::Expired, false));
    assert_eq!(expired(back(&admin, &callback).await), (SignInProblem::Expired, false));

    // A code brought back with another sign-in's state: its PKCE verifier does not match.
    let first = at_provider(&mail, &leave(&admin, &form(&mail, "sign_in")).await).await;
    let second = at_provider(&mail, &leave(&admin, &form(&mail, "sign_in")).await).await;
    let code_of = |c: &str| c.split(['?', '&']).find(|p| p.starts_with("code=")).unwrap().to_string();
    let state_of = |c: &str| c.split(['?', '&']).find(|p| p.starts_with("state=")).unwrap().to_string();
    let swapped = format!("/oauth/callback?{}&{}", code_of(&first), state_of(&second));
    let (problem, typed) = expired(back(&admin, &swapped).await);
    assert!(matches!(problem, SignInProblem::Denied { .. }), "{problem:?}");
    assert!(typed, "the form comes back");

    // The user declined at the provider.
    let declined = at_provider(&mail, &leave(&admin, &form(&mail, "sign_in")).await).await;
    let refusal = format!("/oauth/callback?error=access_denied&{}", state_of(&declined));
    assert_eq!(expired(back(&admin, &refusal).await), (SignInProblem::Denied { error: "access_denied".into() }, true));

    // Signed in at the provider as someone else than the form's login.
    let authorize = leave(&admin, &form(&mail, "sign_in")).await.replace("login_hint=alice", "login_hint=bob");
    let (problem, _) = expired(back(&admin, &at_provider(&mail, &authorize).await).await);
    assert_eq!(
        problem,
        SignInProblem::OtherIdentity { asked: "alice@pochta.test".into(), signed_in: "bob@pochta.test".into() }
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_sign_ins WHERE status = 'ok'")
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(rows, 0, "none of these signed anybody in");
}

#[tokio::test]
async fn an_expiring_access_is_renewed_once_across_servers_and_a_refused_renewal_asks_to_sign_in_again() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in(&mail).await;
    let admin = tenant(&app, "ООО «Продление»").await;
    // carol's tokens last four seconds: renewed once half of that is over.
    let carol = mail.address("carol");
    tokens_last(&mail, &carol, 4).await;
    let half_a_life = std::time::Duration::from_millis(2100);
    let authorize = leave(&admin, &form_as(&mail, &carol, "sign_in")).await;
    let tab = back(&admin, &at_provider(&mail, &authorize).await).await;
    let sign_in = tab.sign_in.expect("signed in");
    let refresh_before = column(&app, "SELECT refresh_token FROM oauth_sign_ins WHERE id = $1", sign_in.id).await;
    tokio::time::sleep(half_a_life).await;

    // Two app servers send a test letter at once: one renews, the other waits for it. The
    // provider takes each refresh token once, so a second renewal would have failed.
    let (second, _) = app.another_instance_with(&[]).await;
    let renewals_before = control(&mail, "counts").await["refresh_token"].as_i64().unwrap_or(0);
    let letter = MailTabInput { sign_in: sign_in.id.to_string(), ..form_as(&mail, &carol, "send") };
    let elsewhere = admin.at(&second);
    let (a, b) = tokio::join!(
        admin.submit::<MailTabOutcome>("crm_email/submit", &letter),
        elsewhere.submit::<MailTabOutcome>("crm_email/submit", &letter)
    );
    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    let renewals = control(&mail, "counts").await["refresh_token"].as_i64().unwrap_or(0) - renewals_before;
    assert_eq!(renewals, 1, "one renewal for both");
    let refresh_after = column(&app, "SELECT refresh_token FROM oauth_sign_ins WHERE id = $1", sign_in.id).await;
    assert_ne!(refresh_before, refresh_after, "the rotated refresh token was saved");

    // Consent withdrawn: the next renewal is refused; nothing is sent and the tab says why.
    control(&mail, &format!("revoke?email={carol}")).await;
    tokio::time::sleep(half_a_life).await;
    let refused = admin.submit::<MailTabOutcome>("crm_email/submit", &letter).await;
    assert_eq!(refused, Err(AppError::SignIn(SignInProblem::SignInAgain)));
    let status = column(&app, "SELECT status FROM oauth_sign_ins WHERE id = $1", sign_in.id).await;
    assert_eq!(status.as_deref(), Some("needs_sign_in"));
    let tokens = column(&app, "SELECT refresh_token FROM oauth_sign_ins WHERE id = $1", sign_in.id).await;
    assert_eq!(tokens, None, "the refused tokens are dropped");
    tokens_last(&mail, &carol, 3600).await;
}

#[tokio::test]
async fn the_tokens_appear_in_no_log_answer_or_kept_outcome_even_at_trace_level() {
    let mail = MailServers::from_env();
    let file = registration();
    let env =
        [("RUST_LOG", "trace"), ("POCHTA_OAUTH_FILE", file.as_str()), ("POCHTA_PUBLIC_URL", "http://pochta.example")];
    let server = ServerProcess::start(&mail, &[oauth_port()], &env, true).await;
    let admin = &server.browser;
    admin.first_run("Ромашка", &format!("{}@romashka.test", unique("admin"))).await;
    open_mail_tab(admin).await;
    let dave = mail.address("dave");
    let authorize = leave(admin, &form_as(&mail, &dave, "sign_in")).await;
    let tab = back(admin, &at_provider(&mail, &authorize).await).await;
    let sign_in = tab.sign_in.clone().expect("signed in");
    let letter = MailTabInput { sign_in: sign_in.id.to_string(), ..form_as(&mail, &dave, "send") };
    let sent: MailTabOutcome = admin.submit("crm_email/submit", &letter).await.unwrap();
    assert!(matches!(sent, MailTabOutcome::TestLetterSent { .. }));

    let issued = control(&mail, &format!("issued?email={dave}")).await;
    let tokens: Vec<&str> = ["access_token", "refresh_token"].iter().map(|k| issued[k].as_str().unwrap()).collect();
    let log = server.log_text();
    assert!(log.contains("TRACE"), "the log is at trace level");
    let page = admin.get_page("/setup/mail").await.text().await.unwrap();
    let answers = format!("{page}{}", serde_json::to_string(&tab).unwrap());
    let db = sqlx::AnyPool::connect(&server.database_url()).await.unwrap();
    let kept: Vec<String> = sqlx::query_scalar("SELECT event FROM check_events").fetch_all(&db).await.unwrap();
    for token in tokens {
        assert!(!log.contains(token), "a token in the log");
        assert!(!answers.contains(token), "a token in an answer");
        assert!(kept.iter().all(|k| !k.contains(token)), "a token in a kept outcome");
    }
}

#[tokio::test]
async fn providers_without_an_id_token_name_the_address_through_their_user_info() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in(&mail).await;
    let admin = tenant(&app, "ООО «Яндекс- и Mail.ru-клиент»").await;
    let services = [
        ("pochta-test-yandex", Provider::Yandex, "scope=login%3Aemail%20mail%3Asmtp"),
        ("pochta-test-mailru", Provider::Mailru, "scope=userinfo%20mail.imap"),
    ];
    for (service, provider, scopes) in services {
        let with = |intent: &str| MailTabInput { provider: service.into(), ..form(&mail, intent) };
        let authorize = leave(&admin, &with("sign_in")).await;
        assert!(authorize.contains(scopes), "the provider's own scopes: {authorize}");
        let tab = back(&admin, &at_provider(&mail, &authorize).await).await;
        let sign_in = tab.sign_in.expect("signed in through the user-info answer");
        assert_eq!((sign_in.provider, sign_in.identity.as_str()), (provider, "alice@pochta.test"));
        let letter = MailTabInput { sign_in: sign_in.id.to_string(), ..with("send") };
        let sent: MailTabOutcome = admin.submit("crm_email/submit", &letter).await.expect("sent with the token");
        assert!(matches!(sent, MailTabOutcome::TestLetterSent { .. }), "{sent:?}");
    }
}

#[tokio::test]
async fn letters_wait_while_the_provider_refuses_to_renew_are_explained_and_go_out_after_a_new_sign_in() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in_and(&mail, &["--outbox-retry-seconds", "1"]).await;
    // The administrator reads frank's mailbox; the system account sends from bob's.
    let admin = app.new_tenant("ООО «Отозванный доступ»", &mail.address("frank")).await;
    open_mail_tab(&admin).await;
    let system_sender = unique("Pochta Отозванный доступ");
    configure_system_account(&admin, &mail, &system_sender).await;
    // erin's tokens last four seconds, so the outbox must renew them.
    let erin = mail.address("erin");
    tokens_last(&mail, &erin, 4).await;
    let first = signed_in_and_saved(&admin, &mail, &erin).await;
    let tenant_id: i64 = sqlx::query_scalar("SELECT id FROM tenants WHERE name = 'ООО «Отозванный доступ»'")
        .fetch_one(app.inspect())
        .await
        .unwrap();
    let key = api_keys::create(&app.state.db, TenantId(tenant_id), &Name::parse("CRM").unwrap(), None).await.unwrap();

    // Consent withdrawn: the letter is held and tried again, each time explained.
    control(&mail, &format!("revoke?email={erin}")).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let subject = unique("held-by-sign-in");
    let (_, queued) =
        post(&app, &key.key, "ru", &json!({"to": [mail.address("bob")], "subject": subject, "text": "Т."})).await;
    let id = queued["id"].as_i64().unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let held = loop {
        let (_, view) = get(&app, &key.key, id).await;
        // The third attempt recorded: while it is being made the letter shows as sending.
        if view["attempts"].as_i64().unwrap_or(0) >= 3 && view["status"] != "sending" {
            break view;
        }
        assert!(tokio::time::Instant::now() < deadline, "not tried three times: {view}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(held["status"], "queued", "held, not failed: {held}");
    assert_eq!(held["last_error"], "sign_in_required", "{held}");
    assert!(held["explanation"].as_str().unwrap().contains("Требуется повторный вход"), "{held}");
    let warnings: Vec<HealthWarning> = admin.call("notifications/health", &[]).await.unwrap();
    assert!(
        warnings.iter().any(|w| matches!(w, HealthWarning::Failing { address, explanation, .. }
            if address == &erin && explanation.contains("повторный вход"))),
        "{warnings:?}"
    );
    // Only a person can mend it: the administrator was told at the first refusal, not after three.
    let told = wait_for_message(&mail, "frank", &system_sender).await;
    assert!(told.subject.contains("не отправляет уведомления"), "{told:?}");
    assert!(told.body.contains("Неудачных попыток подряд: 1") && told.body.contains("Войдите"), "{told:?}");

    // An administrator signs in again and saves: the held letter goes out on its next attempt.
    tokens_last(&mail, &erin, 3600).await;
    let again = back(&admin, &at_provider(&mail, &leave(&admin, &form_as(&mail, &erin, "sign_in")).await).await)
        .await
        .sign_in
        .unwrap();
    let settings: CrmEmailView = admin.call::<Option<CrmEmailView>>("crm_email/settings", &[]).await.unwrap().unwrap();
    let resave = MailTabInput {
        sign_in: again.id.to_string(),
        version: settings.version.to_string(),
        ..form_as(&mail, &erin, "save")
    };
    let _: MailTabOutcome = admin.submit("crm_email/submit", &resave).await.expect("saved again");
    wait_for_status(&app, &key.key, id, "sent").await;
    wait_for_message(&mail, "bob", &subject).await;
    assert_eq!(sign_ins_with_id(&app, first.id).await, 0, "the replaced sign-in and its tokens are gone");
}

async fn sign_ins_with_id(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM oauth_sign_ins WHERE id = $1")
        .bind(id)
        .fetch_one(app.inspect())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_directory_checks_and_keeps_an_account_signed_in_on_the_tab_and_its_token_goes_nowhere_else() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in(&mail).await;
    let admin = tenant(&app, "ООО «Справочник с входом»").await;
    // dave's tokens last four seconds: the directory's checks renew them as they need.
    let dave = mail.address("dave");
    tokens_last(&mail, &dave, 4).await;
    let sign_in = signed_in_and_saved(&admin, &mail, &dave).await;
    let settings: CrmEmailView = admin.call::<Option<CrmEmailView>>("crm_email/settings", &[]).await.unwrap().unwrap();
    let id = settings.account_id;
    let get_account = || async { admin.call::<AccountView>("accounts/get", &[("id", &id.to_string())]).await.unwrap() };

    // The directory shows how the account signs in, and has no password to ask for.
    let view = get_account().await;
    let shown = view.sign_in.as_ref().map(|s| (s.provider, s.identity.as_str(), s.needs_sign_in));
    assert_eq!(shown, Some((Provider::Microsoft, dave.as_str(), false)));
    assert!(!view.has_password);
    let listed: AccountListView = admin.call("accounts/list", &[]).await.unwrap();
    let row = listed.rows.iter().find(|r| r.id == id).expect("listed");
    assert_eq!(row.sign_in.as_ref().map(|s| s.needs_sign_in), Some(false));

    // «Проверить настройки» signs in with the token.
    let checked: Result<CheckReport, AppError> = admin.call("accounts/check", &[("id", &id.to_string())]).await;
    assert!(checked.as_ref().is_ok_and(CheckReport::passed), "{checked:?}");

    // Saved again from the editor, unchanged: checked with the token, still signed in.
    let unchanged = AccountInput {
        intent: "save".into(),
        id: id.to_string(),
        version: view.version.to_string(),
        name: view.name.clone(),
        address: dave.clone(),
        sender_name: view.sender_name.clone(),
        use_for_sending: ticked(true),
        for_whom: "all".into(),
        mode: "manual".into(),
        smtp_host: "localhost".into(),
        smtp_port: mail.smtps.to_string(),
        smtp_security: "ssl".into(),
        smtp_login: dave.clone(),
        remember_password: ticked(true),
        same_credentials: ticked(true),
        ..AccountInput::default()
    };
    let resaved = admin.submit_account(&unchanged).await;
    assert!(matches!(resaved, Ok(AccountOutcome::Saved { .. })), "{resaved:?}");
    let linked = column(&app, "SELECT CAST(oauth_sign_in_id AS TEXT) FROM email_accounts WHERE id = $1", id.0).await;
    assert_eq!(linked, Some(sign_in.id.to_string()), "still signs in with the provider");

    // Pointed at another server without a password: the token stays where it was saved for.
    let renewals_before = control(&mail, "counts").await["refresh_token"].as_i64().unwrap_or(0);
    let elsewhere = AccountInput {
        version: get_account().await.version.to_string(),
        smtp_port: mail.smtp_starttls.to_string(),
        smtp_security: "starttls".into(),
        ..unchanged.clone()
    };
    let refused = admin.submit_account(&elsewhere).await.unwrap_err();
    assert_eq!(refused.field_problem("password"), Some(Invalid::PasswordRequiredAfterServerChange), "{refused:?}");
    let renewals = control(&mail, "counts").await["refresh_token"].as_i64().unwrap_or(0) - renewals_before;
    assert_eq!(renewals, 0, "no token was even fetched for it");

    // Consent withdrawn: the check asks to sign in again, and the directory says so.
    control(&mail, &format!("revoke?email={dave}")).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let refused: Result<CheckReport, AppError> = admin.call("accounts/check", &[("id", &id.to_string())]).await;
    assert_eq!(refused, Err(AppError::SignIn(SignInProblem::SignInAgain)));
    assert_eq!(get_account().await.sign_in.map(|s| s.needs_sign_in), Some(true));
    let listed: AccountListView = admin.call("accounts/list", &[]).await.unwrap();
    let row = listed.rows.iter().find(|r| r.id == id).expect("listed");
    assert_eq!(row.sign_in.as_ref().map(|s| s.needs_sign_in), Some(true));
    tokens_last(&mail, &dave, 3600).await;
}

#[tokio::test]
async fn another_administrator_cannot_take_someones_sign_in_elsewhere() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in(&mail).await;
    let anna = tenant(&app, "ООО «Два администратора»").await;
    let vera_email = format!("{}@romashka.test", unique("vera"));
    let vera = invited_user(&app, &anna, &vera_email, "admin", "пароль веры 2026").await;
    let sign_in =
        back(&anna, &at_provider(&mail, &leave(&anna, &form(&mail, "sign_in")).await).await).await.sign_in.unwrap();

    // Anna's sign-in, not saved anywhere yet, is hers alone: its id in Vera's form signs nobody in.
    let borrowed = vera.submit::<MailTabOutcome>("crm_email/submit", &using(&mail, "send", &sign_in)).await;
    assert_eq!(borrowed, Err(AppError::SignIn(SignInProblem::Expired)));

    // Saved, it serves the settings: Vera's test letter goes through the saved server…
    let _: MailTabOutcome = anna.submit("crm_email/submit", &using(&mail, "save", &sign_in)).await.expect("saved");
    let settings: CrmEmailView = vera.call::<Option<CrmEmailView>>("crm_email/settings", &[]).await.unwrap().unwrap();
    let saved = MailTabInput { version: settings.version.to_string(), ..using(&mail, "send", &sign_in) };
    let sent = vera.submit::<MailTabOutcome>("crm_email/submit", &saved).await;
    assert!(matches!(sent, Ok(MailTabOutcome::TestLetterSent { .. })), "{sent:?}");
    // …but its token goes to no other server without someone signing in again.
    let elsewhere = MailTabInput {
        sign_in: sign_in.id.to_string(),
        password: String::new(),
        version: settings.version.to_string(),
        ..mail_tab_form(&mail, mail.smtp_starttls, false)
    };
    let refused = vera.submit::<MailTabOutcome>("crm_email/submit", &elsewhere).await.unwrap_err();
    assert_eq!(refused.field_problem("password"), Some(Invalid::PasswordRequiredAfterServerChange), "{refused:?}");
    let saving = MailTabInput { intent: "save".into(), ..elsewhere };
    let refused = vera.submit::<MailTabOutcome>("crm_email/submit", &saving).await.unwrap_err();
    assert_eq!(refused.field_problem("password"), Some(Invalid::PasswordRequiredAfterServerChange), "{refused:?}");
}

/// The account editor after the return from the provider: what it is kept to show.
async fn back_in_editor(browser: &Browser, callback: &str) -> KeptAccount {
    let response = browser.get_page(callback).await;
    let page = location(&response);
    let run = page.split_once("?run=").unwrap_or_else(|| panic!("back to the editor: {page}")).1;
    assert!(page.starts_with("/directories/email-accounts/"), "{page}");
    browser.call::<Option<KeptAccount>>("accounts/kept", &[("run", run)]).await.unwrap().expect("kept")
}

#[tokio::test]
async fn the_account_editor_signs_in_with_the_provider_and_the_check_and_save_use_it() {
    let mail = MailServers::from_env();
    let app = app_with_sign_in(&mail).await;
    let (admin, _) = tenant_and_admin(&app, "ООО «Редактор с входом»").await;
    let frank = mail.address("frank");
    let offers: SignInOffers = admin.call("accounts/sign_in_offers", &[]).await.unwrap();
    assert_eq!(offers.for_account("", &frank), Some(Provider::Microsoft), "the test domain's service");

    // Automatic setup, «Войти через Microsoft» instead of a password: the form comes back signed in.
    let automatic =
        AccountInput { intent: "sign_in".into(), password: String::new(), ..automatic_account(&mail, "frank") };
    let authorize = leave_from(&admin, "accounts/submit", &automatic, AccountOutcome::SigningIn).await;
    assert!(authorize.contains("login_hint=frank%40pochta.test"), "{authorize}");
    let kept = back_in_editor(&admin, &at_provider(&mail, &authorize).await).await;
    let sign_in = kept.sign_in.clone().expect("signed in");
    assert_eq!((sign_in.provider, sign_in.identity.as_str()), (Provider::Microsoft, frank.as_str()));
    assert_eq!(kept.outcome, Ok(AccountOutcome::SignedIn(sign_in.clone())));
    assert_eq!((kept.typed.sender_name.as_str(), kept.typed.sign_in.clone()), ("Отдел продаж", sign_in.id.to_string()));

    // «Создать»: the servers found for the address are checked with the token — a letter to itself
    // over SMTP, a login over IMAP — and the account saved signing in with the provider.
    let created = admin.submit_account(&AccountInput { intent: "create".into(), ..kept.typed.clone() }).await;
    let Ok(AccountOutcome::Saved { id, report }) = created else { panic!("not saved: {created:?}") };
    assert!(report.steps.iter().any(|s| s.side == Side::Incoming), "the incoming server was checked: {report:?}");
    let view: AccountView = admin.call("accounts/get", &[("id", &id.to_string())]).await.unwrap();
    assert_eq!(view.sign_in.map(|s| s.id), Some(sign_in.id));
    assert!(!view.has_password);
    let checked: Result<CheckReport, AppError> = admin.call("accounts/check", &[("id", &id.to_string())]).await;
    assert!(checked.as_ref().is_ok_and(CheckReport::passed), "{checked:?}");

    // Another user of the company cannot bring that sign-in in a form of their own.
    let user =
        invited_user(&app, &admin, &format!("{}@romashka.test", unique("user")), "user", "пароль пользователя").await;
    let borrowed = AccountInput {
        intent: "create".into(),
        for_whom: "me".into(),
        sign_in: sign_in.id.to_string(),
        password: String::new(),
        ..manual_account(&mail, "frank")
    };
    assert_eq!(user.submit_account(&borrowed).await, Err(AppError::SignIn(SignInProblem::Expired)));

    // Deleted, the account takes its sign-in and tokens with it.
    admin.call::<()>("accounts/delete", &[("id", &id.to_string())]).await.unwrap();
    assert_eq!(sign_ins_with_id(&app, sign_in.id).await, 0);
}
