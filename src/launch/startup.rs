//! Building the running application from a configuration: database, migrations, routes,
//! middleware, listener. Tests build it the same way on a free port.

use crate::app::{shell, App};
use crate::server::config::Config;
use crate::server::credentials::Hashing;
use crate::server::db::{Backend, Db};
use crate::server::dns::Dns;
use crate::server::mail::egress::{Egress, Outbound};
use crate::server::mail::tls::TlsTrust;
use crate::server::mail::MailContext;
use crate::server::oauth::providers::OAuthProviders;
use crate::server::presets::Presets;
use crate::server::secrets::{key_file, Secrets};
use crate::server::session::SessionCache;
use crate::server::state::{AppState, StateParts};
use crate::server::web::{cross_origin_guard, error_status, provide_request_context, security_headers};
use axum::{middleware, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

pub struct Application {
    listener: TcpListener,
    router: Router,
    pub state: AppState,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("{0}")]
    Setup(String),
}

/// Opens the database and brings its schema up to date (as the owner, if a separate migration
/// URL is given).
pub async fn open_database(config: &Config) -> Result<Db, StartError> {
    if let Some(owner_url) = &config.migration_database_url {
        let owner = Db::connect(owner_url, Some(1)).await?;
        owner.migrate().await?;
        owner.pool().close().await;
    }
    let db = Db::connect(&config.database_url(), config.db_connections).await?;
    if config.migration_database_url.is_none() {
        db.migrate().await?;
    }
    Ok(db)
}

pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    let db = open_database(&config).await?;
    let secrets = load_secrets(&config, db.backend())?;
    let presets = Presets::load(config.presets_file.as_deref()).map_err(StartError::Setup)?;
    let oauth =
        OAuthProviders::load(config.oauth_file.as_deref(), config.public_url.as_deref()).map_err(StartError::Setup)?;
    let dns = match config.dns_server {
        Some(server) => Dns::at(server),
        None => Dns::system(&config.resolv_conf),
    };
    let mail = mail_context(&config, &dns)?;
    let leptos_options = LeptosOptions::builder()
        .output_name("pochta")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    let hashing = Hashing::new(config.password_hashing_slots);
    let sessions = Arc::new(SessionCache::new(Duration::from_secs(config.session_cache_seconds)));
    Ok(AppState::new(StateParts {
        leptos_options,
        db,
        hashing,
        sessions,
        config: Arc::new(config),
        secrets: Arc::new(secrets),
        presets: Arc::new(presets),
        mail,
        dns,
        outbox_queued: Arc::default(),
        oauth: Arc::new(oauth),
    }))
}

/// The keys for stored passwords: given by the operator, or for the SQLite default a key file
/// created on first start. Several app servers on PostgreSQL must share keys, so there a missing
/// key is an error rather than a new local key.
pub fn load_secrets(config: &Config, backend: Backend) -> Result<Secrets, StartError> {
    if let Some(keys) = &config.secret_keys {
        return Secrets::parse(keys).map_err(|e| StartError::Setup(format!("POCHTA_SECRET_KEYS: {e}")));
    }
    let path = config.secret_keys_file.clone().unwrap_or_else(|| config.data_dir.join("secret-keys"));
    if backend == Backend::Postgres && !path.exists() {
        return Err(StartError::Setup(format!(
            "no secret keys: with PostgreSQL set POCHTA_SECRET_KEYS or POCHTA_SECRET_KEYS_FILE (the same for every app server); \
             `pochta keys generate` prints a new key line ({} does not exist)",
            path.display()
        )));
    }
    let (keys, created) = key_file::load_or_create(&path).map_err(StartError::Setup)?;
    if created {
        tracing::warn!(
            "a new secret key was written to {}: back it up together with the database; without it stored mail passwords cannot be read",
            path.display()
        );
    }
    Ok(Secrets::following(&path, keys))
}

/// The egress guard resolves through the same asynchronous DNS as detection.
pub fn mail_context(config: &Config, dns: &Dns) -> Result<MailContext, StartError> {
    let egress = Egress::new(Arc::new(dns.clone()), &config.egress_allow, &config.egress_ports)
        .map_err(StartError::Setup)?
        .with_web_port(config.autoconfig_https_port)
        .with_outbound(Outbound::new(config.outbound_connections, config.outbound_connections_per_tenant));
    let tls = TlsTrust::load(config.ca_file.as_deref()).map_err(StartError::Setup)?;
    Ok(MailContext {
        egress: Arc::new(egress),
        tls: Arc::new(tls),
        step_timeout: config.mail_step_timeout(),
        total_timeout: config.mail_total_timeout(),
        tenant: None,
        trusted: Arc::from([]),
    })
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartError> {
        crate::server::credentials::return_large_allocations();
        let listen = config.listen;
        let state = build_state(config).await?;
        let listener = TcpListener::bind(listen).await.map_err(|e| StartError::Listen(listen, e))?;
        let router = router(state.clone());
        // After an update, tell each tenant's administrators (in the background: sending mail
        // must not delay serving).
        let notifying = state.clone();
        tokio::spawn(async move {
            match crate::server::notifications::update::after_start(&notifying, env!("CARGO_PKG_VERSION")).await {
                Ok(outcomes) => {
                    for (tenant, outcome) in outcomes {
                        tracing::info!(tenant = tenant.0, ?outcome, "update notification");
                    }
                }
                Err(e) => tracing::error!(error = %e, "update notification"),
            }
        });
        let interval = Duration::from_secs(state.config.purge_interval_secs);
        tokio::spawn(crate::server::housekeeping::run(state.db.clone(), interval));
        tokio::spawn(state.db.clone().checkpoints());
        if state.config.outbox_tenants_at_once > 0 {
            tokio::spawn(crate::server::notifications::worker::run(state.clone()));
        }
        Ok(Self { listener, router, state })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| self.state.config.listen)
    }

    pub async fn run(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

/// All routes: the pages, the server functions under `/api`, the built assets, and the
/// middleware every response passes through.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_request_context(state.clone())
    };
    // The bundle from its own file service: Leptos' file handler passes on only the encoding
    // asked for, so a browser's "is my copy still current?" was always answered with the file.
    let options = &state.leptos_options;
    let bundle = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    Router::new()
        .merge(crate::server::notifications::http::routes())
        .merge(crate::server::oauth_callback::routes())
        .nest_service(
            &format!("/{}", options.site_pkg_dir),
            ServeDir::new(bundle).precompressed_br().precompressed_gzip(),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(middleware::from_fn(error_status))
        .layer(middleware::from_fn(cross_origin_guard))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        // Pages and answers are compressed as they go out, at a quick level (the default is
        // brotli's slowest); the bundle is compressed once at build time (`--precompress`) and
        // served as such, which this layer leaves alone.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .with_state(state)
}

/// Resolves when the operator asks the server to stop (Ctrl-C, SIGTERM). A signal that cannot be
/// listened for never stops the server: before, a failed registration counted as the signal, and
/// a server in a process whose first runtime had ended stopped accepting at once.
async fn shutdown_signal() {
    let ctrl_c = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                if s.recv().await.is_none() {
                    tracing::warn!("SIGTERM can no longer be received");
                    std::future::pending::<()>().await
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
