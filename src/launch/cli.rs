//! The operator's command line: serve, migrate, create tenants and users.

use super::messages::{explain, parse};
use super::startup::{open_database, Application};
use crate::model::{EmailAddress, Lang, Name, NewPassword, Role, TenantId};
use crate::server::config::Config;
use crate::server::credentials::Hashing;
use crate::server::tenants::{self, NewMember};
use clap::{Parser, Subcommand};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "pochta", version, about = "Pochta: e-mail settings for a multi-tenant business application")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default when no command is given). Applies migrations first.
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage tenants (the companies sharing this deployment).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage users of a tenant.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the keys that encrypt stored mail passwords.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Mail settings from autoconfig files and automatic detection.
    #[command(subcommand)]
    Autoconfig(AutoconfigCommand),
    /// API keys of a tenant's host application (for `POST /api/v1/notifications`).
    #[command(subcommand)]
    ApiKey(super::notify::ApiKeyCommand),
    /// Notifications to clients.
    #[command(subcommand)]
    Notify(super::notify::NotifyCommand),
}

#[derive(Subcommand)]
enum AutoconfigCommand {
    /// Print the servers of an ISPDB-format (Thunderbird autoconfig) file as JSON: type, host,
    /// port, socket type and username template of each.
    Parse {
        /// The XML file.
        file: std::path::PathBuf,
    },
    /// Detect the settings of an address as the app does (presets, autoconfig, ISPDB, MX, SRV,
    /// probing), printing each method as it finishes, then the result as JSON.
    Detect {
        /// The e-mail address.
        address: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print a new key line (`id base64`) for POCHTA_SECRET_KEYS or a key file.
    Generate,
    /// Put a new key first in the key file and re-encrypt every stored password under it; app
    /// servers using the file follow it while they run. With POCHTA_SECRET_KEYS instead of a
    /// file: first give every app server the new key (after the current one) and restart them,
    /// then run this with the new key first. Old keys stay usable until you remove them.
    Rotate,
    /// List the loaded key ids (the first encrypts).
    List,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant with its system e-mail account and its first administrator.
    Create {
        /// The organisation's name.
        #[arg(long)]
        name: String,
        /// The administrator's e-mail (their sign-in name).
        #[arg(long)]
        admin_email: String,
        /// The administrator's full name.
        #[arg(long)]
        admin_name: String,
        /// Read the administrator's password from the first line of standard input. Without it a
        /// one-time password is printed, and signing in with it leads to choosing a new one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List tenants with their ids.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user to a tenant.
    Create {
        /// The tenant's id (see `tenant list`).
        #[arg(long)]
        tenant: i64,
        /// The user's e-mail (their sign-in name).
        #[arg(long)]
        email: String,
        /// The user's full name.
        #[arg(long)]
        name: String,
        /// `admin` manages users, the «Почта» tab and shared accounts; `user` does not.
        #[arg(long, value_parser = ["admin", "user"])]
        role: String,
        /// Read the password from the first line of standard input instead of printing a
        /// one-time password.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => {
            open_database(&cli.config).await.map(|_| println!("migrations applied")).map_err(|e| e.to_string())
        }
        Command::Tenant(cmd) => tenant(cli.config, cmd).await,
        Command::User(cmd) => user(cli.config, cmd).await,
        Command::Keys(cmd) => keys(cli.config, cmd).await,
        Command::Autoconfig(cmd) => autoconfig(cli.config, cmd).await,
        Command::ApiKey(cmd) => super::notify::api_key(cli.config, cmd).await,
        Command::Notify(cmd) => super::notify::notify(cli.config, cmd).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Libraries whose detailed logging writes what they send, passwords too (async-imap logs each
/// IMAP command, LOGIN included): their events never reach the log, whatever RUST_LOG says.
const SENDS_SECRETS: &[&str] = &["async_imap", "imap_proto"];

fn init_logging() {
    use tracing_subscriber::filter::{filter_fn, FilterExt};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let wanted = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let safe = filter_fn(|meta| !SENDS_SECRETS.iter().any(|target| meta.target().starts_with(target)));
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(wanted.and(safe));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

async fn serve(config: Config) -> Result<(), String> {
    let app = Application::build(config).await.map_err(|e| e.to_string())?;
    tracing::info!("Pochta is listening on http://{}", app.local_addr());
    app.run().await.map_err(|e| e.to_string())
}

/// A password from standard input, or a fresh one-time password to print.
fn initial_password(from_stdin: bool) -> Result<(NewPassword, Option<String>), String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
        let password = NewPassword::parse(line.trim_end_matches(['\r', '\n']))
            .map_err(|p| format!("password refused: {}", crate::i18n::invalid_text(Lang::En, p)))?;
        Ok((password, None))
    } else {
        let one_time = crate::server::credentials::new_token()[..16].to_string();
        let password = NewPassword::parse(&one_time).map_err(|_| "cannot generate a password".to_string())?;
        Ok((password, Some(one_time)))
    }
}

async fn tenant(config: Config, cmd: TenantCommand) -> Result<(), String> {
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    match cmd {
        TenantCommand::Create { name, admin_email, admin_name, password_stdin } => {
            let name = parse("name", Name::parse(&name))?;
            let email = parse("admin-email", EmailAddress::parse(&admin_email))?;
            let admin_name = parse("admin-name", Name::parse(&admin_name))?;
            let (password, one_time) = initial_password(password_stdin)?;
            let admin = NewMember {
                email: &email,
                name: &admin_name,
                lang: Lang::Ru,
                password: Some(&password),
                temporary_password: one_time.is_some(),
            };
            let hashing = Hashing::new(0);
            let (tenant, user) = tenants::create_tenant(&db, &hashing, &name, admin, false).await.map_err(explain)?;
            println!("tenant {} created; administrator {} (user {})", tenant.0, email, user.0);
            if let Some(p) = one_time {
                println!("one-time password (shown once): {p}");
            }
            Ok(())
        }
        TenantCommand::List => {
            for tenant in db.tenant_ids().await.map_err(explain)? {
                let mut tx = db.read(tenant).await.map_err(explain)?;
                let name = crate::server::db::tenants::name(&mut tx, tenant)
                    .await
                    .map_err(|e| e.to_string())?
                    .unwrap_or_default();
                tx.commit().await.map_err(|e| e.to_string())?;
                println!("{tenant}\t{name}");
            }
            Ok(())
        }
    }
}

async fn user(config: Config, cmd: UserCommand) -> Result<(), String> {
    let db = open_database(&config).await.map_err(|e| e.to_string())?;
    let UserCommand::Create { tenant, email, name, role, password_stdin } = cmd;
    let email = parse("email", EmailAddress::parse(&email))?;
    let name = parse("name", Name::parse(&name))?;
    let role = parse("role", Role::parse(&role))?;
    let mut tx = db.read(TenantId(tenant)).await.map_err(explain)?;
    let exists =
        crate::server::db::tenants::name(&mut tx, TenantId(tenant)).await.map_err(|e| e.to_string())?.is_some();
    tx.commit().await.map_err(|e| e.to_string())?;
    if !exists {
        return Err(format!("there is no tenant {tenant} (see `pochta tenant list`)"));
    }
    let (password, one_time) = initial_password(password_stdin)?;
    let member = NewMember {
        email: &email,
        name: &name,
        lang: Lang::Ru,
        password: Some(&password),
        temporary_password: one_time.is_some(),
    };
    let user =
        tenants::add_member(&db, &Hashing::new(0), TenantId(tenant), None, member, role).await.map_err(explain)?;
    println!("user {} created in tenant {tenant}", user.0);
    if let Some(p) = one_time {
        println!("one-time password (shown once): {p}");
    }
    Ok(())
}

async fn keys(config: Config, cmd: KeysCommand) -> Result<(), String> {
    use super::startup::load_secrets;
    match cmd {
        KeysCommand::Generate => {
            println!("{}", crate::server::secrets::Secrets::generate_line());
            Ok(())
        }
        KeysCommand::List => {
            let db = open_database(&config).await.map_err(|e| e.to_string())?;
            let secrets = load_secrets(&config, db.backend()).map_err(|e| e.to_string())?;
            for (i, id) in secrets.key_ids().iter().enumerate() {
                println!("{id}{}", if i == 0 { "\tcurrent" } else { "" });
            }
            Ok(())
        }
        KeysCommand::Rotate => {
            let db = open_database(&config).await.map_err(|e| e.to_string())?;
            if config.secret_keys.is_none() {
                let path = config.secret_keys_file.clone().unwrap_or_else(|| config.data_dir.join("secret-keys"));
                let id = crate::server::secrets::key_file::add_key_first(&path)?;
                println!("new key {id} added to {}", path.display());
            }
            let secrets = load_secrets(&config, db.backend()).map_err(|e| e.to_string())?;
            let changed = crate::server::secrets::rotation::reencrypt_all(&db, &secrets).await.map_err(explain)?;
            println!("{changed} stored passwords re-encrypted under key {}", secrets.current_id());
            if config.secret_keys.is_none() {
                println!("app servers using this key file take the new key within seconds, without a restart");
            } else {
                println!(
                    "give every app server the same POCHTA_SECRET_KEYS (new key first) and restart it; \
                     they must all have had the new key (in any place) before this command ran"
                );
            }
            println!("older keys can be removed once no app server uses them to encrypt");
            Ok(())
        }
    }
}

async fn autoconfig(config: Config, cmd: AutoconfigCommand) -> Result<(), String> {
    match cmd {
        AutoconfigCommand::Parse { file } => {
            let xml = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let parsed =
                crate::server::detection::ispdb::parse(&xml).map_err(|e| format!("{}: {e}", file.display()))?;
            let servers: Vec<_> = parsed.incoming.iter().chain(&parsed.outgoing).collect();
            println!("{}", serde_json::to_string_pretty(&servers).map_err(|e| e.to_string())?);
            Ok(())
        }
        AutoconfigCommand::Detect { address } => {
            let address = parse("address", EmailAddress::parse(&address))?;
            let presets =
                crate::server::presets::Presets::load(config.presets_file.as_deref()).map_err(|e| e.to_string())?;
            let dns = match config.dns_server {
                Some(server) => crate::server::dns::Dns::at(server),
                None => crate::server::dns::Dns::system(&config.resolv_conf),
            };
            let mail = super::startup::mail_context(&config, &dns).map_err(|e| e.to_string())?;
            let detector = crate::server::detection::detect::Detector {
                presets: &presets,
                mail: mail.clone(),
                dns: &dns,
                https_port: config.autoconfig_https_port,
                budget: config.detection_budget(),
            };
            let print: crate::server::detection::detect::MethodObserver = std::sync::Arc::new(|m| {
                let detail = m.detail.as_deref().unwrap_or_default();
                println!(
                    "{:>6} ms  {:<10} {}  {detail}",
                    m.millis,
                    format!("{:?}", m.method),
                    if m.found { "found" } else { "-" }
                );
            });
            let outcome = detector.detect(&address, Some(print)).await;
            println!("finished in {} ms", outcome.millis);
            match outcome.found {
                Some((method, found)) => {
                    let server = |f: &crate::model::ServerLogin| serde_json::json!({"host": f.server.host.as_str(), "port": f.server.port.get(), "security": f.server.security.as_str(), "login": f.login});
                    let result = serde_json::json!({
                        "method": format!("{method:?}"),
                        "provider": found.provider,
                        "smtp": found.smtp.as_ref().map(server),
                        "incoming": found.incoming.as_ref().map(|(p, f)| serde_json::json!({"protocol": p.as_str(), "server": server(f)})),
                    });
                    println!("{}", serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?);
                    Ok(())
                }
                None => Err("no settings found; set the account up by hand".into()),
            }
        }
    }
}
