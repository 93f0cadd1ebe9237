//! `TestApp`: the real application, started in-process on a free loopback port with a fresh
//! database (SQLite, or PostgreSQL with `POCHTA_TEST_DATABASE=postgres`), and tenants in it.

use super::browser::{browser_for, Browser};
use super::PASSWORD;
use clap::Parser;
use pochta::launch::Application;
use pochta::server::config::Config;
use pochta::server::state::AppState;

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
    let name = format!("t_{}", &pochta::server::credentials::new_token().to_lowercase().replace(['-', '_'], "")[..20]);
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
    if extra.contains(&"--secret-keys-file") {
        // The test gives a key file (on PostgreSQL too): no keys on the command line then.
        if let Some(at) = args.iter().position(|a| a == "--secret-keys") {
            args.drain(at..at + 2);
        }
    }
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

    /// Another instance on the same database, with these settings instead of the first's.
    pub async fn another_instance_with(&self, settings: &[&str]) -> (String, AppState) {
        let mut args = self.args.clone();
        for pair in settings.chunks(2) {
            if let Some(at) = args.iter().position(|a| a == pair[0]) {
                args.drain(at..at + 2);
            }
            args.extend(pair.iter().map(|s| s.to_string()));
        }
        start(&args).await
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

impl TestApp {
    pub fn browser(&self) -> Browser {
        browser_for(&self.address)
    }

    /// Creates the first organisation and administrator (signing in with [`PASSWORD`]) through the
    /// first-run form; returns the administrator's signed-in browser.
    pub async fn first_run(&self, organisation: &str, email: &str) -> Browser {
        let browser = self.browser();
        browser.first_run(organisation, email).await;
        browser
    }

    /// Creates another tenant with its administrator (as the operator's CLI does), signed in.
    pub async fn new_tenant(&self, organisation: &str, email: &str) -> Browser {
        use pochta::model::{EmailAddress, Lang, Name, NewPassword};
        use pochta::server::tenants::{create_tenant, NewMember};
        let email_addr = EmailAddress::parse(email).unwrap();
        let name = Name::parse("Администратор").unwrap();
        let pw = NewPassword::parse(PASSWORD).unwrap();
        let admin = NewMember {
            email: &email_addr,
            name: &name,
            lang: Lang::Ru,
            password: Some(&pw),
            temporary_password: false,
        };
        let organisation = Name::parse(organisation).unwrap();
        create_tenant(&self.state.db, &self.state.hashing, &organisation, admin, false).await.expect("tenant created");
        let browser = self.browser();
        browser.sign_in(email, PASSWORD).await.expect("administrator signs in");
        browser
    }
}
