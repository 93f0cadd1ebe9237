//! The web layer around every page and server function: security headers, the cross-site
//! check, and forms that work without JavaScript.

use crate::support::{spawn_app, spawn_app_with, PASSWORD};
use pochta::model::users::UserView;

#[tokio::test]
async fn pages_carry_security_headers_and_a_fresh_csp_nonce() {
    let app = spawn_app().await;
    let browser = app.browser();
    let response = browser.get_page("/sign-in").await;
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("'wasm-unsafe-eval'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let html = response.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration scripts carry this response's nonce");
    let second = browser.get_page("/sign-in").await.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert_ne!(second, csp, "every response has its own nonce");
}

/// The browser bundle as a release build leaves it (`cargo leptos build --release --precompress`):
/// each file beside its brotli and gzip copies. A browser gets the copy made at build time (no
/// compression per request), and revalidates it on every visit: the names carry no hash, so a
/// bundle kept from before an update would not match the pages of the new one.
#[tokio::test]
async fn the_bundle_is_served_precompressed_and_revalidated_so_an_update_is_never_mixed_with_an_old_bundle() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let wasm = b"\0asm the bundle, as built".repeat(100);
    let brotli = b"the brotli copy made at build time".to_vec();
    std::fs::write(pkg.join("pochta.wasm"), &wasm).unwrap();
    std::fs::write(pkg.join("pochta.wasm.br"), &brotli).unwrap();
    let app = spawn_app_with(&["--site-root", &site.path().display().to_string()]).await;
    let client = app.browser().client;
    let url = format!("{}/pkg/pochta.wasm", app.address);

    let compressed = client.get(&url).header("accept-encoding", "gzip, deflate, br, zstd").send().await.unwrap();
    assert_eq!(compressed.status(), 200);
    assert_eq!(compressed.headers()["content-encoding"], "br");
    assert_eq!(compressed.headers()["cache-control"], "no-cache", "kept, but asked about on every visit");
    let modified = compressed.headers()["last-modified"].clone();
    assert_eq!(compressed.bytes().await.unwrap().as_ref(), brotli.as_slice(), "the build's copy, not one made now");

    let plain = client.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.headers()["cache-control"], "no-cache");
    assert_eq!(plain.bytes().await.unwrap().as_ref(), wasm.as_slice());

    let unchanged = client.get(&url).header("if-modified-since", modified).send().await.unwrap();
    assert_eq!(unchanged.status(), 304, "an unchanged bundle is not sent again");
    assert_eq!(unchanged.headers()["cache-control"], "no-cache", "and the kept copy stays kept");
}

#[tokio::test]
async fn a_state_changing_request_from_another_site_is_refused() {
    let app = spawn_app().await;
    let admin = app.first_run("Ромашка", "anna@romashka.test").await;
    for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let response = admin
            .client
            .post(admin.url("/api/users/add"))
            .header(header, value)
            .form(&[("email", "mallory@evil.test"), ("name", "M"), ("role", "admin"), ("first_password", "link")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
    }
    let users: Vec<UserView> = admin.call("users/list", &[]).await.unwrap();
    assert_eq!(users.len(), 1, "nothing was added");
}

#[tokio::test]
async fn signing_in_works_as_a_plain_html_form() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    let browser = app.browser();

    // A wrong password: back to the page, which shows the error.
    let refused = browser
        .submit_plain_form("sign_in", "/sign-in", &[("email", "anna@romashka.test"), ("password", "nope")])
        .await;
    assert_eq!(refused.status(), 302);
    let location = refused.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("__err="));
    let page = browser.client.get(&location).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Неверная электронная почта или пароль."), "the error is rendered into the page");

    // The right password: redirected into the app with a session.
    let accepted = browser
        .submit_plain_form("sign_in", "/sign-in", &[("email", "anna@romashka.test"), ("password", PASSWORD)])
        .await;
    assert_eq!(accepted.status(), 302);
    assert_eq!(accepted.headers()["location"], "/");
    assert_eq!(browser.get_page("/setup/firms").await.status(), 200);
}

#[tokio::test]
async fn the_first_run_works_as_a_plain_html_form() {
    let app = spawn_app().await;
    let browser = app.browser();
    let bad = browser
        .submit_plain_form(
            "first_run",
            "/first-run",
            &[
                ("organisation", "Ромашка"),
                ("name", "Анна"),
                ("email", "anna"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    let location = bad.headers()["location"].to_str().unwrap().to_string();
    let page = browser.client.get(&location).header("accept", "text/html").send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Введите адрес в формате"), "the field error is shown");

    let good = browser
        .submit_plain_form(
            "first_run",
            "/first-run",
            &[
                ("organisation", "Ромашка"),
                ("name", "Анна"),
                ("email", "anna@romashka.test"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(good.headers()["location"], "/");
    assert_eq!(browser.get_page("/setup/firms").await.status(), 200);
}

#[tokio::test]
async fn unknown_pages_answer_404_and_internal_details_never_leak() {
    let app = spawn_app().await;
    let browser = app.browser();
    assert_eq!(browser.get_page("/no/such/page").await.status(), 404);
    // A malformed call gets a plain, translated error, not a parser message.
    let response = browser
        .client
        .post(browser.url("/api/users/change_role"))
        .form(&[("user", "not-a-number")])
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    let error: pochta::model::error::AppError = serde_json::from_str(&body).unwrap();
    assert_eq!(error, pochta::model::error::AppError::BadRequest);
}

#[tokio::test]
async fn errors_carry_their_http_status() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    let browser = app.browser();
    let status = |endpoint: &'static str, args: Vec<(&'static str, &'static str)>| {
        let request = browser.client.post(browser.url(&format!("/api/{endpoint}"))).form(&args);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("sign_in", vec![("email", "anna@romashka.test"), ("password", "wrong")]).await, 401);
    assert_eq!(status("sign_in", vec![("email", "anna"), ("password", "x")]).await, 400);
    assert_eq!(status("users/list", vec![]).await, 401);
    assert_eq!(
        status(
            "first_run",
            vec![
                ("organisation", "X"),
                ("name", "X"),
                ("email", "x@x.test"),
                ("password", PASSWORD),
                ("password_again", PASSWORD)
            ]
        )
        .await,
        409
    );
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_host_only_and_browsers_are_told_to_stay_on_https() {
    let app = spawn_app().await;
    app.first_run("Ромашка", "anna@romashka.test").await;
    let browser = app.browser();
    let response = browser
        .client
        .post(browser.url("/api/sign_in"))
        .header("x-forwarded-proto", "https")
        .form(&[("email", "anna@romashka.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let session = cookies.iter().find(|c| c.contains("pochta_session=")).expect("a session cookie");
    assert!(session.starts_with("__Host-pochta_session="), "{session}");
    assert!(session.contains("; Secure") && session.contains("Path=/") && !session.contains("Domain"), "{session}");
    assert!(response.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));

    // The prefixed cookie is what signs the browser in behind HTTPS.
    let token = session.split(';').next().unwrap().to_string();
    let page = browser
        .client
        .get(browser.url("/setup/firms"))
        .header("x-forwarded-proto", "https")
        .header("cookie", token)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    // Plain HTTP on loopback: no HSTS (it would lock a development machine to HTTPS).
    assert!(browser.get_page("/sign-in").await.headers().get("strict-transport-security").is_none());
}
