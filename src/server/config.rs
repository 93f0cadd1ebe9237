//! Operator configuration: command-line options with environment fallbacks. Nothing here is
//! editable from the web interface.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Folder for the SQLite database and the generated secret key (created on first start).
    #[arg(long, env = "POCHTA_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Database to use: `sqlite://path/to/file.db` or `postgres://user:pass@host/db`.
    /// Default: an SQLite file `pochta.db` in the data folder.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// PostgreSQL only: the database owner's URL, used to apply migrations at start, while the
    /// app itself connects with DATABASE_URL as a non-owner member of the role `pochta_app`
    /// (so row-level security always applies). Default: DATABASE_URL.
    #[arg(long, env = "POCHTA_MIGRATION_DATABASE_URL", hide_env_values = true)]
    pub migration_database_url: Option<String>,

    /// Address and port the web server listens on.
    #[arg(long, env = "POCHTA_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Folder with the built site (`pkg/` with the WASM, JS and CSS), as cargo-leptos writes it.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Keys for encrypting stored mail passwords: a file with one `key-id base64-key` per line,
    /// the first being the one new secrets are encrypted with. Default: `secret-keys` in the data
    /// folder, generated on first start.
    #[arg(long, env = "POCHTA_SECRET_KEYS_FILE")]
    pub secret_keys_file: Option<PathBuf>,

    /// The same keys given directly (`id:base64key,id:base64key`), instead of a file.
    #[arg(long, env = "POCHTA_SECRET_KEYS", hide_env_values = true)]
    pub secret_keys: Option<String>,

    /// Mail servers on private or loopback addresses that may be contacted anyway, as
    /// `host:port` separated by commas (company servers on an internal network); `host:port@3`
    /// allows it for tenant 3 only (repeat the entry for more tenants).
    #[arg(long, env = "POCHTA_EGRESS_ALLOW", value_delimiter = ',')]
    pub egress_allow: Vec<String>,

    /// Ports that outgoing mail connections may use.
    #[arg(long, env = "POCHTA_EGRESS_PORTS", value_delimiter = ',', default_value = "25,465,587,2525,143,993,110,995")]
    pub egress_ports: Vec<u16>,

    /// A PEM file with extra certificate authorities trusted for mail servers (a company CA).
    #[arg(long, env = "POCHTA_CA_FILE")]
    pub ca_file: Option<PathBuf>,

    /// A JSON file with mail-service presets that replaces or extends the built-in ones
    /// (e.g. the Tradesoft servers). Read at start.
    #[arg(long, env = "POCHTA_PRESETS_FILE")]
    pub presets_file: Option<PathBuf>,

    /// A JSON file registering Pochta with the mail providers for «Войти через …» (OAuth 2.0):
    /// `{"microsoft": {"client_id": "…", "client_secret": "…", "tenant": "organizations"},
    /// "google": {…}, "yandex": {…}, "mailru": {…}}`; `authorize_url`, `token_url`,
    /// `userinfo_url` and `scopes` replace the built-in ones. Needs --public-url; the redirect URI to register with each
    /// provider is `<public URL>/oauth/callback`. Providers not named keep app passwords only.
    #[arg(long, env = "POCHTA_OAUTH_FILE")]
    pub oauth_file: Option<PathBuf>,

    /// The address users open Pochta at (`https://crm.example.com`), for the providers to send
    /// the browser back to after signing in.
    #[arg(long, env = "POCHTA_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The resolver configuration DNS look-ups follow (name servers; `/etc/hosts` is read too).
    #[arg(long, env = "POCHTA_RESOLV_CONF", default_value = "/etc/resolv.conf")]
    pub resolv_conf: PathBuf,

    /// A DNS server (`ip:port`) for every look-up of mail hosts, MX and SRV records, instead
    /// of the resolv.conf ones.
    #[arg(long, env = "POCHTA_DNS_SERVER")]
    pub dns_server: Option<std::net::SocketAddr>,

    /// The port autoconfig files are fetched from over HTTPS (`https://autoconfig.<domain>`).
    #[arg(long, env = "POCHTA_AUTOCONFIG_HTTPS_PORT", default_value_t = 443)]
    pub autoconfig_https_port: u16,

    /// Time in seconds automatic detection may take in all (its methods run in parallel).
    #[arg(long = "detection-budget", env = "POCHTA_DETECTION_BUDGET", default_value_t = 8)]
    pub detection_budget_secs: u64,

    /// Limit in seconds for each step of a mail dialogue (connect, TLS, one command).
    #[arg(long = "mail-step-timeout", env = "POCHTA_MAIL_STEP_TIMEOUT", default_value_t = 10)]
    pub mail_step_timeout_secs: u64,

    /// Limit in seconds for a whole mail check.
    #[arg(long = "mail-total-timeout", env = "POCHTA_MAIL_TOTAL_TIMEOUT", default_value_t = 30)]
    pub mail_total_timeout_secs: u64,

    /// Mark cookies `Secure` even when no proxy reports HTTPS (always set it behind HTTPS).
    #[arg(long, env = "POCHTA_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Sign-in attempts one client address may make per minute, whatever the e-mails.
    #[arg(long, env = "POCHTA_SIGN_IN_PER_ADDRESS", default_value_t = 60)]
    pub sign_in_per_address: i64,

    /// Passwords this instance hashes at once (argon2id, 19 MiB each); more sign-ins wait
    /// briefly or are told the service is busy. 0: one per CPU.
    #[arg(long, env = "POCHTA_PASSWORD_HASHING_SLOTS", default_value_t = 0)]
    pub password_hashing_slots: usize,

    /// The header a trusted reverse proxy puts the client's address in (its last value counts),
    /// e.g. `X-Forwarded-For`. Without it, the address of the connection counts.
    #[arg(long, env = "POCHTA_CLIENT_ADDRESS_HEADER")]
    pub client_address_header: Option<String>,

    /// Seconds between purges of expired sessions, links, sign-in failures and live reports.
    #[arg(long = "purge-interval", env = "POCHTA_PURGE_INTERVAL", default_value_t = 600)]
    pub purge_interval_secs: u64,

    /// Connections to mail (and autoconfig) servers this instance may have open at once.
    #[arg(long, env = "POCHTA_OUTBOUND_CONNECTIONS", default_value_t = 256)]
    pub outbound_connections: usize,

    /// Of those, how many one tenant's checks, test letters and detections may hold.
    #[arg(long, env = "POCHTA_OUTBOUND_CONNECTIONS_PER_TENANT", default_value_t = 32)]
    pub outbound_connections_per_tenant: usize,

    /// Checks, test letters and automatic setups one user may start per minute.
    #[arg(long, env = "POCHTA_MAIL_OPERATIONS_PER_USER", default_value_t = 20)]
    pub mail_operations_per_user: i64,

    /// The same for all users of one tenant together.
    #[arg(long, env = "POCHTA_MAIL_OPERATIONS_PER_TENANT", default_value_t = 60)]
    pub mail_operations_per_tenant: i64,

    /// Seconds a valid session is remembered without asking the database again: the longest a
    /// sign-out, deactivation or role change on another instance takes to reach this one.
    #[arg(long, env = "POCHTA_SESSION_CACHE_SECONDS", default_value_t = 5)]
    pub session_cache_seconds: u64,

    /// Maximum database connections of this instance; by default 16 on PostgreSQL, and on
    /// SQLite two per CPU (each SQLite connection is a thread, and its readers run side by side
    /// only as far as there are CPUs: more of them only take turns).
    #[arg(long, env = "POCHTA_DB_CONNECTIONS")]
    pub db_connections: Option<u32>,

    /// Seconds before a notification that failed for a passing reason (a 4xx reply, a connection
    /// error, a time-out) is tried again; doubled after every attempt (at most an hour apart),
    /// with a random spread so that many letters do not all come back at once.
    #[arg(long, env = "POCHTA_OUTBOX_RETRY_SECONDS", default_value_t = 30)]
    pub outbox_retry_seconds: u64,

    /// Hours after queuing when a notification still not delivered is given up (failed).
    #[arg(long, env = "POCHTA_OUTBOX_GIVE_UP_HOURS", default_value_t = 48)]
    pub outbox_give_up_hours: u64,

    /// Tenants whose notifications this instance sends at the same time (one letter after the
    /// other within a tenant, so one tenant's broken server holds one of these, not all). With 0
    /// this instance sends none and only serves; other instances' workers send them.
    #[arg(long, env = "POCHTA_OUTBOX_TENANTS_AT_ONCE", default_value_t = 8)]
    pub outbox_tenants_at_once: usize,

    /// Notifications one account may send per minute (across all app servers); the rest wait
    /// for the next minute. Providers refuse, or lock the account, beyond their own limits.
    #[arg(long, env = "POCHTA_OUTBOX_PER_ACCOUNT_PER_MINUTE", default_value_t = 30)]
    pub outbox_per_account_per_minute: i64,

    /// Notifications one tenant's host application may queue per minute through the API (across
    /// all app servers); beyond it the API answers 429 with `Retry-After`.
    #[arg(long, env = "POCHTA_NOTIFICATIONS_PER_TENANT_PER_MINUTE", default_value_t = 600)]
    pub notifications_per_tenant_per_minute: i64,
}

impl Config {
    pub fn mail_limits(&self) -> super::rate::MailLimits {
        super::rate::MailLimits { per_user: self.mail_operations_per_user, per_tenant: self.mail_operations_per_tenant }
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("pochta.db").display()),
        }
    }

    pub fn mail_step_timeout(&self) -> Duration {
        Duration::from_secs(self.mail_step_timeout_secs.max(1))
    }

    pub fn detection_budget(&self) -> Duration {
        Duration::from_secs(self.detection_budget_secs.max(1))
    }

    pub fn mail_total_timeout(&self) -> Duration {
        Duration::from_secs(self.mail_total_timeout_secs.max(1))
    }
}
