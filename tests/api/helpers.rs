//! `TestApp`: the real application, started in-process on a free loopback port with a fresh
//! database, and a browser-like client (cookies, no automatic redirects) per user.

use clap::Parser;
use pochta::error::AppError;
use pochta::server::config::Config;
use pochta::server::startup::Application;
use pochta::server::state::AppState;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

#[derive(Parser)]
struct TestCli {
    #[command(flatten)]
    config: Config,
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    /// Holds the database folder until the test ends.
    _data_dir: tempfile::TempDir,
}

/// Extra operator settings a test wants (each `--flag value`).
pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (address, state) = start(data_dir.path(), extra).await;
    TestApp { address, state, _data_dir: data_dir }
}

/// Another app server on the data folder of a running one (an update, a second instance).
pub async fn spawn_app_in(data_dir: &std::path::Path, extra: &[&str]) -> (String, AppState) {
    start(data_dir, extra).await
}

async fn start(data_dir: &std::path::Path, extra: &[&str]) -> (String, AppState) {
    let mut args = vec![
        "pochta-test".to_string(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let config = TestCli::parse_from(args).config;
    let app = Application::build(config).await.expect("the application starts");
    let address = format!("http://{}", app.local_addr());
    let state = app.state.clone();
    tokio::spawn(app.run());
    (address, state)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A browser for the app server at `address`.
pub fn browser_for(address: &str) -> Browser {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(jar).redirect(Policy::none()).build().expect("client");
    Browser { client, base: address.to_string() }
}

/// One browser: its own cookie jar, and it does not follow redirects so tests can see them.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        browser_for(&self.address)
    }

    /// Creates the first organisation and administrator through the first-run form; returns
    /// the administrator's signed-in browser.
    pub async fn first_run(&self, organisation: &str, email: &str, password: &str) -> Browser {
        let browser = self.browser();
        browser
            .call::<Value>(
                "first_run",
                &[
                    ("organisation", organisation),
                    ("name", "Анна Администратор"),
                    ("email", email),
                    ("password", password),
                    ("password_again", password),
                ],
            )
            .await
            .expect("first run succeeds");
        browser
    }

    /// Creates another tenant with its administrator (as the operator's CLI does), signed in.
    pub async fn new_tenant(&self, organisation: &str, email: &str, password: &str) -> Browser {
        use pochta::model::{EmailAddress, Lang, Name, NewPassword};
        use pochta::server::tenancy::{create_tenant, NewMember};
        let email_addr = EmailAddress::parse(email).unwrap();
        let name = Name::parse("Администратор").unwrap();
        let pw = NewPassword::parse(password).unwrap();
        let admin = NewMember { email: &email_addr, name: &name, lang: Lang::Ru, password: Some(&pw), temporary_password: false };
        create_tenant(&self.state.db, &Name::parse(organisation).unwrap(), admin, false).await.expect("tenant created");
        let browser = self.browser();
        browser.sign_in(email, password).await.expect("administrator signs in");
        browser
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function as the hydrated app does (form-encoded arguments, JSON answer).
    pub async fn call<T: DeserializeOwned>(&self, endpoint: &str, args: &[(&str, &str)]) -> Result<T, AppError> {
        let response = self
            .client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .form(args)
            .send()
            .await
            .expect("request sent");
        decode(response).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Value, AppError> {
        self.call("sign_in", &[("email", email), ("password", password)]).await
    }

    /// Submits a form as a browser without JavaScript does: form-encoded, `Accept: text/html`,
    /// with the page as `Referer`. Returns the response (a redirect).
    pub async fn submit_plain_form(&self, endpoint: &str, page: &str, args: &[(&str, &str)]) -> reqwest::Response {
        let mut headers = HeaderMap::new();
        headers.insert("accept", HeaderValue::from_static("text/html,application/xhtml+xml"));
        headers.insert("referer", HeaderValue::from_str(&self.url(page)).unwrap());
        headers.insert("origin", HeaderValue::from_str(&self.base).unwrap());
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .headers(headers)
            .form(args)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_page(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).header("accept", "text/html").send().await.expect("request sent")
    }
}

pub async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, AppError> {
    let ok = response.status().is_success();
    let body = response.text().await.expect("body");
    if ok {
        Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("unexpected answer {body}: {e}")))
    } else {
        Err(serde_json::from_str::<AppError>(&body).unwrap_or_else(|e| panic!("not an AppError: {body}: {e}")))
    }
}
