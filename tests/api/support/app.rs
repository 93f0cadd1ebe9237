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
    /// The operator settings this app was started with (database included), for more instances.
    args: Vec<String>,
    /// A connection that sees every row (on PostgreSQL a superuser, past row-level security), for
    /// tests that check what is really in the database.
    inspect: sqlx::AnyPool,
    pub backend: pochta::server::db::Backend,
    /// Holds the database folder until the test ends.
    _data_dir: tempfile::TempDir,
}

/// Which database the tests run on: `POCHTA_TEST_DATABASE=postgres` (with the server of
/// scripts/postgres.sh) or SQLite (the default).
fn on_postgres() -> bool {
    std::env::var("POCHTA_TEST_DATABASE").as_deref() == Ok("postgres")
}

/// A fresh database for one test app: its settings and a connection that sees everything.
async fn fresh_database(data_dir: &std::path::Path) -> (Vec<String>, sqlx::AnyPool) {
    sqlx::any::install_default_drivers();
    if !on_postgres() {
        let url = format!("sqlite://{}?mode=rwc", data_dir.join("pochta.db").display());
        return (vec!["--database-url".into(), url.clone()], sqlx::AnyPool::connect_lazy(&url).unwrap());
    }
    let env = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| panic!("{name}: start scripts/postgres.sh (make test does)"))
    };
    let admin = env("POCHTA_TEST_PG_ADMIN_URL");
    let port = env("POCHTA_TEST_PG_PORT");
    let name =
        format!("t_{}", pochta::server::auth::new_token().to_lowercase().replace(['-', '_'], "")[..20].to_string());
    let mut conn =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.expect("the test PostgreSQL answers");
    sqlx::query(&format!("CREATE DATABASE {name} OWNER {}", env("POCHTA_TEST_PG_OWNER")))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = |user: &str| format!("postgres://{user}@127.0.0.1:{port}/{name}");
    let args = vec![
        "--database-url".into(),
        url(&env("POCHTA_TEST_PG_APP")),
        "--migration-database-url".into(),
        url(&env("POCHTA_TEST_PG_OWNER")),
        "--secret-keys".into(),
        pochta::server::secrets::Secrets::generate_line().replacen(' ', ":", 1),
    ];
    (args, sqlx::AnyPool::connect_lazy(&url("postgres")).unwrap())
}

/// Extra operator settings a test wants (each `--flag value`).
pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (mut args, inspect) = fresh_database(data_dir.path()).await;
    args.extend(["--data-dir".into(), data_dir.path().display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let (address, state) = start(&args).await;
    let backend = state.db.backend();
    TestApp { address, state, args, inspect, backend, _data_dir: data_dir }
}

impl TestApp {
    /// Another app server on the same database and data folder (an update, a second instance).
    pub async fn another_instance(&self) -> (String, AppState) {
        start(&self.args).await
    }

    /// A connection that sees every row, for checking what is really stored.
    pub fn inspect(&self) -> &sqlx::AnyPool {
        &self.inspect
    }

    /// The settings for running the operator's CLI on this app's database (keys left out: a
    /// test gives its own).
    pub fn cli_settings(&self) -> Vec<String> {
        let mut settings = Vec::new();
        let mut args = self.args.iter();
        while let Some(arg) = args.next() {
            if arg == "--secret-keys" {
                args.next();
            } else {
                settings.push(arg.clone());
            }
        }
        settings
    }

    /// The keys given to the app (PostgreSQL), as `id:base64`.
    pub fn secret_keys(&self) -> Option<&str> {
        self.args.iter().position(|a| a == "--secret-keys").map(|i| self.args[i + 1].as_str())
    }
}

async fn start(settings: &[String]) -> (String, AppState) {
    let mut args = vec!["pochta-test".to_string(), "--listen".into(), "127.0.0.1:0".into()];
    args.extend(settings.iter().cloned());
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
/// A clone is another tab of the same browser.
#[derive(Clone)]
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
        let admin = NewMember {
            email: &email_addr,
            name: &name,
            lang: Lang::Ru,
            password: Some(&pw),
            temporary_password: false,
        };
        create_tenant(&self.state.db, &Name::parse(organisation).unwrap(), admin, false).await.expect("tenant created");
        let browser = self.browser();
        browser.sign_in(email, password).await.expect("administrator signs in");
        browser
    }
}

impl Browser {
    /// The same browser (same cookies) talking to another app server, as behind a load balancer.
    pub fn at(&self, address: &str) -> Browser {
        Browser { client: self.client.clone(), base: address.to_string() }
    }

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
