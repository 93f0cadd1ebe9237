//! The directory «Учетные записи электронной почты»: who may see and change which account, the
//! rule that an account is saved only after it passes its check, passwords stored or asked for,
//! automatic setup falling back to manual setup with what was found.

use super::auth::CurrentUser;
use super::autoconfig::{self, Detected, Found};
use super::db::accounts::{self, AccountData, AccountRow, Order, SecretField};
use super::db::{self, Tx};
use super::fail::{is_foreign_key_violation, is_unique_violation};
use super::mail::check::{self, AccountCheck, Incoming, Outgoing};
use super::progress::Progress;
use super::secrets::Binding;
use super::state::AppState;
use crate::api::accounts::{
    AccountListView, AccountOutcome, AccountRowView, AccountSort, AccountView, ConnectionView, ServerView,
};
use crate::error::{ensure_valid, AppError};
use crate::mail_check::CheckReport;
use crate::model::text::one_line;
use crate::model::{
    coherent_security, AccountId, Date, EmailAddress, FieldErrors, Host, Invalid, Name, Port, Protocol, Security,
    SenderName, ServerAddress, TenantId,
};
use secrecy::{ExposeSecret, SecretString};

pub const PAGE_SIZE: i64 = 50;
const LOGIN_MAX: u16 = 254;

/// The account form as submitted.
pub struct AccountForm<'a> {
    pub id: i64,
    pub version: i64,
    pub name: &'a str,
    pub address: &'a str,
    pub password: SecretString,
    pub remember_password: bool,
    pub use_for_sending: bool,
    pub use_for_receiving: bool,
    pub for_whom: &'a str,
    pub sender_name: &'a str,
    pub mode: &'a str,
    pub initial_load_date: &'a str,
    pub smtp_host: &'a str,
    pub smtp_port: &'a str,
    pub smtp_security: &'a str,
    pub smtp_login: &'a str,
    pub incoming_protocol: &'a str,
    pub incoming_host: &'a str,
    pub incoming_port: &'a str,
    pub incoming_security: &'a str,
    pub incoming_login: &'a str,
    pub same_credentials: bool,
    pub incoming_password: SecretString,
}

/// Where an account lives and how to reach it, parsed.
#[derive(Clone, Debug, PartialEq)]
struct Connection {
    provider: Option<String>,
    smtp: Option<Found>,
    incoming: Option<(Protocol, Found)>,
    same_credentials: bool,
}

impl Connection {
    fn from_detected(d: Detected) -> Self {
        Self { provider: d.provider, smtp: d.smtp, incoming: d.incoming, same_credentials: true }
    }

    fn view(&self, source: &str) -> ConnectionView {
        let server = |f: &Found| ServerView {
            host: f.server.host.to_string(),
            port: f.server.port.get(),
            security: f.server.security,
            login: f.login.clone(),
        };
        ConnectionView {
            provider: self.provider.clone(),
            smtp: self.smtp.as_ref().map(server),
            incoming_protocol: self.incoming.as_ref().map_or(Protocol::Imap, |(p, _)| *p),
            incoming: self.incoming.as_ref().map(|(_, f)| server(f)),
            same_credentials: self.same_credentials,
            source: source.to_string(),
        }
    }

    fn of(account: &AccountRow) -> Self {
        let found = |server: &Option<ServerAddress>, login: &Option<String>| {
            server
                .clone()
                .map(|server| Found { server, login: login.clone().unwrap_or_else(|| account.address.clone()) })
        };
        Self {
            provider: account.provider.clone(),
            smtp: found(&account.smtp, &account.smtp_login),
            incoming: account.incoming_protocol.zip(found(&account.incoming, &account.incoming_login)),
            same_credentials: account.same_credentials,
        }
    }
}

/// The fields every mode has in common, parsed.
struct Basics {
    name: Option<Name>,
    address: EmailAddress,
    sender_name: SenderName,
    use_for_sending: bool,
    use_for_receiving: bool,
    for_everyone: bool,
    remember: bool,
    initial_load_date: Option<Date>,
}

fn parse_basics(
    form: &AccountForm<'_>,
    user: &CurrentUser,
    existing: Option<&AccountRow>,
    errors: &mut FieldErrors,
) -> Option<Basics> {
    let is_system = existing.is_some_and(|a| a.is_system);
    let address = errors.check("address", EmailAddress::parse(form.address));
    let name =
        if form.name.trim().is_empty() { Some(None) } else { errors.check("name", Name::parse(form.name)).map(Some) };
    let sender_name = if form.sender_name.trim().is_empty() && !form.use_for_sending {
        address.as_ref().and_then(|a| SenderName::parse(a.local_part()).ok())
    } else {
        errors.check("sender_name", SenderName::parse(form.sender_name))
    };
    if !form.use_for_sending && !form.use_for_receiving {
        errors.add("use_for_sending", Invalid::UseForNothing);
    }
    let for_everyone = is_system || form.for_whom == "all";
    if for_everyone && !user.is_admin() {
        errors.add("for_whom", Invalid::SharedAccountsAdminOnly);
    }
    // The system account sends on its own: it must keep its password.
    if is_system && !form.remember_password {
        errors.add("remember_password", Invalid::PasswordRequiredForAutomaticUse);
    }
    let initial_load_date = if form.initial_load_date.trim().is_empty() {
        Some(None)
    } else {
        errors.check("initial_load_date", Date::parse(form.initial_load_date)).map(Some)
    };
    Some(Basics {
        name: name?,
        address: address?,
        sender_name: sender_name?,
        use_for_sending: form.use_for_sending,
        use_for_receiving: form.use_for_receiving,
        for_everyone,
        remember: form.remember_password,
        initial_load_date: initial_load_date?,
    })
}

fn parse_server(
    errors: &mut FieldErrors,
    prefix: &str,
    protocol: Protocol,
    host: &str,
    port: &str,
    security: &str,
    login: &str,
) -> Option<Found> {
    let host = errors.check(&format!("{prefix}_host"), Host::parse(host));
    let port = errors.check(&format!("{prefix}_port"), Port::parse(port));
    let security = errors.check(&format!("{prefix}_security"), Security::parse(security));
    if let (Some(port), Some(security)) = (port, security) {
        errors.check(&format!("{prefix}_security"), coherent_security(protocol, port, security));
    }
    let login = errors.check(&format!("{prefix}_login"), one_line(login, LOGIN_MAX));
    Some(Found { server: ServerAddress { host: host?, port: port?, security: security? }, login: login? })
}

fn parse_connection(form: &AccountForm<'_>, basics: &Basics, errors: &mut FieldErrors) -> Option<Connection> {
    let smtp = if basics.use_for_sending {
        Some(parse_server(
            errors,
            "smtp",
            Protocol::Smtp,
            form.smtp_host,
            form.smtp_port,
            form.smtp_security,
            form.smtp_login,
        )?)
    } else {
        None
    };
    let incoming = if basics.use_for_receiving {
        let protocol = errors.check("incoming_protocol", Protocol::parse_incoming(form.incoming_protocol));
        let found = parse_server(
            errors,
            "incoming",
            protocol.unwrap_or(Protocol::Imap),
            form.incoming_host,
            form.incoming_port,
            form.incoming_security,
            form.incoming_login,
        );
        Some((protocol?, found?))
    } else {
        None
    };
    Some(Connection {
        provider: None,
        smtp,
        incoming,
        same_credentials: form.same_credentials || !basics.use_for_sending,
    })
}

fn empty(secret: &SecretString) -> bool {
    secret.expose_secret().is_empty()
}

/// The passwords a check will use: typed ones, or stored ones only for the very servers and
/// logins they were saved for.
struct Passwords {
    main: Option<SecretString>,
    incoming: Option<SecretString>,
}

fn resolve_passwords(
    state: &AppState,
    form: &AccountForm<'_>,
    connection: &Connection,
    existing: Option<&AccountRow>,
    errors: &mut FieldErrors,
) -> Passwords {
    let stored = |field: SecretField, same_server: bool| -> Result<Option<SecretString>, Invalid> {
        let Some(account) = existing else { return Ok(None) };
        let envelope = match field {
            SecretField::Main => &account.password,
            SecretField::Incoming => &account.incoming_password,
        };
        match envelope {
            Some(_) if !same_server => Err(Invalid::PasswordRequiredAfterServerChange),
            Some(envelope) => {
                let binding = Binding { tenant: account.tenant.0, account: account.id.0, field: field.column() };
                Ok(state.secrets.decrypt(envelope, &binding).ok())
            }
            None => Ok(None),
        }
    };
    let before = existing.map(Connection::of);
    let same_smtp = before.as_ref().is_some_and(|b| b.smtp == connection.smtp);
    let same_incoming = before.as_ref().is_some_and(|b| b.incoming == connection.incoming);
    let needs_main = connection.smtp.is_some() || (connection.incoming.is_some() && connection.same_credentials);
    let needs_incoming = connection.incoming.is_some() && !connection.same_credentials;

    let main = if !needs_main {
        None
    } else if !empty(&form.password) {
        Some(form.password.clone())
    } else {
        // A stored password goes only to the servers it was saved for.
        let unchanged = (connection.smtp.is_none() || same_smtp)
            && (connection.incoming.is_none() || !connection.same_credentials || same_incoming);
        match stored(SecretField::Main, unchanged) {
            Ok(Some(p)) => Some(p),
            Ok(None) => {
                errors.add("password", Invalid::PasswordForCheck);
                None
            }
            Err(problem) => {
                errors.add("password", problem);
                None
            }
        }
    };
    let incoming = if !needs_incoming {
        None
    } else if !empty(&form.incoming_password) {
        Some(form.incoming_password.clone())
    } else {
        match stored(SecretField::Incoming, same_incoming) {
            Ok(Some(p)) => Some(p),
            Ok(None) => {
                errors.add("incoming_password", Invalid::PasswordForCheck);
                None
            }
            Err(problem) => {
                errors.add("incoming_password", problem);
                None
            }
        }
    };
    Passwords { main, incoming }
}

/// Whether `user` may change `account`: its owner, or an administrator for shared ones.
fn can_edit(user: &CurrentUser, account: &AccountRow) -> bool {
    match account.owner {
        Some(owner) => owner == user.id,
        None => user.is_admin(),
    }
}

async fn visible(state: &AppState, user: &CurrentUser, id: i64) -> Result<AccountRow, AppError> {
    let mut tx = state.db.read(user.tenant).await?;
    let account = accounts::get_visible(&mut tx, user.tenant, user.id, AccountId(id)).await?;
    tx.commit().await?;
    account.ok_or(AppError::NotFound)
}

fn row_view(a: AccountRow) -> AccountRowView {
    AccountRowView {
        id: a.id.0,
        configured: a.smtp.is_some() || a.incoming.is_some(),
        name: a.name,
        sender_name: a.sender_name,
        address: a.address,
        is_system: a.is_system,
        for_everyone: a.owner.is_none(),
        use_for_sending: a.use_for_sending,
        use_for_receiving: a.use_for_receiving,
        last_check_at: a.last_check_at,
        last_check_ok: a.last_check_ok,
        last_check_reason: a.last_check_reason,
    }
}

pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    search: &str,
    sort: AccountSort,
    page: u32,
) -> Result<AccountListView, AppError> {
    let order = match sort {
        AccountSort::Name => Order::Name,
        AccountSort::Sender => Order::Sender,
        AccountSort::Address => Order::Address,
        AccountSort::LastCheck => Order::LastCheck,
    };
    let search = Some(search.trim()).filter(|s| !s.is_empty());
    let mut tx = state.db.read(user.tenant).await?;
    let mut rows = accounts::list_visible(
        &mut tx,
        user.tenant,
        user.id,
        search,
        order,
        PAGE_SIZE + 1,
        i64::from(page) * PAGE_SIZE,
    )
    .await?;
    let system_id = accounts::system_account(&mut tx, user.tenant).await?.map(|a| a.id.0);
    tx.commit().await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(AccountListView {
        rows: rows.into_iter().map(row_view).collect(),
        page,
        has_more,
        is_admin: user.is_admin(),
        system_id,
    })
}

pub async fn get(state: &AppState, user: &CurrentUser, id: i64) -> Result<AccountView, AppError> {
    let a = visible(state, user, id).await?;
    let connection = Connection::of(&a).view("saved");
    Ok(AccountView {
        id: a.id.0,
        can_edit: can_edit(user, &a),
        name: a.name,
        address: a.address,
        sender_name: a.sender_name,
        is_system: a.is_system,
        for_everyone: a.owner.is_none(),
        use_for_sending: a.use_for_sending,
        use_for_receiving: a.use_for_receiving,
        initial_load_date: a.initial_load_date.map(|d| d.to_string()).unwrap_or_default(),
        connection,
        has_password: a.password.is_some(),
        has_incoming_password: a.incoming_password.is_some(),
        version: a.version,
        last_check_at: a.last_check_at,
        last_check_ok: a.last_check_ok,
        last_check_reason: a.last_check_reason,
    })
}

/// «Создать», «Далее», «Сохранить».
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    intent: &str,
    form: AccountForm<'_>,
    progress: Option<Progress>,
) -> Result<AccountOutcome, AppError> {
    let existing = if form.id == 0 { None } else { Some(visible(state, user, form.id).await?) };
    if let Some(account) = &existing {
        if !can_edit(user, account) {
            return Err(AppError::Forbidden);
        }
    }
    let mut errors = FieldErrors::new();
    let basics = parse_basics(&form, user, existing.as_ref(), &mut errors);

    if intent == "next" {
        // «Далее»: the recommended parameters for the address, to review by hand.
        ensure_valid(errors)?;
        let basics = basics.ok_or(AppError::Internal)?;
        let found = autoconfig::recommended(&state.presets, &basics.address);
        let source = found.source_name();
        return Ok(AccountOutcome::Manual { connection: Connection::from_detected(found).view(source), report: None });
    }

    let automatic = existing.is_none() && form.mode != "manual";
    if automatic {
        ensure_valid(errors)?;
        let basics = basics.ok_or(AppError::Internal)?;
        return automatic_setup(state, user, &form, basics, progress).await;
    }

    let connection = basics.as_ref().and_then(|b| parse_connection(&form, b, &mut errors));
    let passwords = connection.as_ref().map(|c| resolve_passwords(state, &form, c, existing.as_ref(), &mut errors));
    ensure_valid(errors)?;
    let (Some(basics), Some(connection), Some(passwords)) = (basics, connection, passwords) else {
        return Err(AppError::Internal);
    };
    let report = run_check(state, user, &basics, &connection, &passwords, progress.as_ref()).await?;
    if !report.passed() {
        return Err(AppError::CheckFailed(report));
    }
    let id = save(state, user, &form, existing.as_ref(), &basics, &connection, &passwords).await?;
    Ok(AccountOutcome::Saved { id: id.0, report })
}

/// Automatic setup: settings found from the address are checked; when nothing is found or the
/// check fails, the user continues by hand with what was found.
async fn automatic_setup(
    state: &AppState,
    user: &CurrentUser,
    form: &AccountForm<'_>,
    basics: Basics,
    progress: Option<Progress>,
) -> Result<AccountOutcome, AppError> {
    if empty(&form.password) {
        return Err(AppError::field("password", Invalid::PasswordForCheck));
    }
    super::rate::mail_operation(&state.db, user).await?;
    let outcome = state.detector().detect(&basics.address, progress.as_ref().map(Progress::methods)).await;
    let Some((_, found)) = outcome.found else {
        let defaults = autoconfig::recommended(&state.presets, &basics.address);
        let source = defaults.source_name();
        return Ok(AccountOutcome::Manual {
            connection: Connection::from_detected(defaults).view(source),
            report: None,
        });
    };
    let source = found.source_name();
    let mut connection = Connection::from_detected(found);
    if !basics.use_for_sending {
        connection.smtp = None;
    }
    if !basics.use_for_receiving {
        connection.incoming = None;
    }
    let incomplete = (basics.use_for_sending && connection.smtp.is_none())
        || (basics.use_for_receiving && connection.incoming.is_none());
    if incomplete {
        return Ok(AccountOutcome::Manual { connection: connection.view(source), report: None });
    }
    let passwords = Passwords { main: Some(form.password.clone()), incoming: None };
    let report = run_check(state, user, &basics, &connection, &passwords, progress.as_ref()).await?;
    if !report.passed() {
        return Ok(AccountOutcome::Manual { connection: connection.view(source), report: Some(report) });
    }
    let id = save(state, user, form, None, &basics, &connection, &passwords).await?;
    Ok(AccountOutcome::Saved { id: id.0, report })
}

async fn run_check(
    state: &AppState,
    user: &CurrentUser,
    basics: &Basics,
    connection: &Connection,
    passwords: &Passwords,
    progress: Option<&Progress>,
) -> Result<CheckReport, AppError> {
    super::rate::mail_operation(&state.db, user).await?;
    let main = passwords.main.clone().unwrap_or_else(|| SecretString::from(String::new()));
    let incoming_password = passwords.incoming.clone().unwrap_or_else(|| main.clone());
    let check = AccountCheck {
        lang: user.lang,
        address: &basics.address,
        sender_name: Some(&basics.sender_name),
        outgoing: connection.smtp.as_ref().map(|f| Outgoing {
            server: &f.server,
            login: &f.login,
            password: &main,
            send_to_self: true,
        }),
        incoming: connection.incoming.as_ref().map(|(protocol, f)| Incoming {
            protocol: *protocol,
            server: &f.server,
            login: &f.login,
            password: &incoming_password,
            since: basics.initial_load_date,
        }),
    };
    Ok(check::run(&state.mail, &check, progress.map(Progress::steps)).await)
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    form: &AccountForm<'_>,
    existing: Option<&AccountRow>,
    basics: &Basics,
    connection: &Connection,
    passwords: &Passwords,
) -> Result<AccountId, AppError> {
    let is_system = existing.is_some_and(|a| a.is_system);
    let name = if is_system {
        accounts::SYSTEM_ACCOUNT_NAME.to_string()
    } else {
        basics.name.as_ref().map_or_else(|| basics.address.to_string(), |n| n.as_str().to_string())
    };
    let owner = if basics.for_everyone { None } else { Some(user.id) };
    let data = AccountData {
        name: &name,
        address: basics.address.as_str(),
        sender_name: basics.sender_name.as_str(),
        owner,
        use_for_sending: basics.use_for_sending,
        use_for_receiving: basics.use_for_receiving,
        provider: connection.provider.as_deref(),
        smtp: connection.smtp.as_ref().map(|f| &f.server),
        smtp_login: connection.smtp.as_ref().map(|f| f.login.as_str()),
        incoming_protocol: connection.incoming.as_ref().map(|(p, _)| *p),
        incoming: connection.incoming.as_ref().map(|(_, f)| &f.server),
        incoming_login: connection.incoming.as_ref().map(|(_, f)| f.login.as_str()),
        same_credentials: connection.same_credentials,
        initial_load_date: basics.initial_load_date,
    };
    let mut tx = state.db.write(user.tenant).await?;
    let id = match existing {
        Some(account) => {
            let updated = accounts::update(&mut tx, user.tenant, account.id, form.version, &data)
                .await
                .map_err(duplicate_address)?;
            if !updated {
                return Err(AppError::Conflict);
            }
            account.id
        }
        None => accounts::insert(&mut tx, user.tenant, &data).await.map_err(duplicate_address)?,
    };
    store_passwords(state, &mut tx, user.tenant, id, basics.remember, passwords).await?;
    accounts::record_check(&mut tx, user.tenant, id, true, None).await?;
    let action = if existing.is_some() { "update" } else { "create" };
    let details = format!("{} {}", basics.address, if basics.for_everyone { "shared" } else { "personal" });
    db::audit::record(&mut tx, user.tenant, Some(user.id), action, "email_account", &details).await?;
    tx.commit().await?;
    Ok(id)
}

fn duplicate_address(e: sqlx::Error) -> AppError {
    if is_unique_violation(&e) {
        AppError::field("address", Invalid::AlreadyExists)
    } else {
        e.into()
    }
}

/// «Запомнить пароль»: encrypt what was used for the check; otherwise forget every stored one.
async fn store_passwords(
    state: &AppState,
    tx: &mut Tx,
    tenant: TenantId,
    id: AccountId,
    remember: bool,
    passwords: &Passwords,
) -> Result<(), AppError> {
    for (field, secret) in [(SecretField::Main, &passwords.main), (SecretField::Incoming, &passwords.incoming)] {
        let envelope = match (remember, secret) {
            (true, Some(secret)) => {
                Some(state.secrets.encrypt(secret, &Binding { tenant: tenant.0, account: id.0, field: field.column() }))
            }
            (true, None) if field == SecretField::Incoming => None,
            (true, None) => continue,
            (false, _) => None,
        };
        accounts::set_secret(tx, tenant, id, field, envelope.as_deref()).await?;
    }
    Ok(())
}

/// «Проверить настройки»: the saved settings, checked again (SMTP login, incoming login and
/// mailbox); typed passwords are used once and forgotten. The result is recorded.
pub async fn check(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    password: SecretString,
    incoming_password: SecretString,
    progress: Option<Progress>,
) -> Result<CheckReport, AppError> {
    let account = visible(state, user, id).await?;
    let connection = Connection::of(&account);
    if connection.smtp.is_none() && connection.incoming.is_none() {
        return Err(AppError::field("smtp_host", Invalid::Required));
    }
    let stored = |field: SecretField, envelope: &Option<String>| {
        envelope.as_ref().and_then(|e| {
            state
                .secrets
                .decrypt(e, &Binding { tenant: account.tenant.0, account: account.id.0, field: field.column() })
                .ok()
        })
    };
    let mut errors = FieldErrors::new();
    let main = if !empty(&password) { Some(password) } else { stored(SecretField::Main, &account.password) };
    let needs_main = account.use_for_sending || account.same_credentials;
    if needs_main && main.is_none() {
        errors.add("password", Invalid::PasswordForCheck);
    }
    let separate = account.use_for_receiving && !account.same_credentials;
    let incoming = if !empty(&incoming_password) {
        Some(incoming_password)
    } else {
        stored(SecretField::Incoming, &account.incoming_password)
    };
    if separate && incoming.is_none() {
        errors.add("incoming_password", Invalid::PasswordForCheck);
    }
    ensure_valid(errors)?;
    super::rate::mail_operation(&state.db, user).await?;
    let address = EmailAddress::parse(&account.address).map_err(|_| AppError::Internal)?;
    let sender_name = SenderName::parse(&account.sender_name).ok();
    let main = main.unwrap_or_else(|| SecretString::from(String::new()));
    let incoming_password = if separate { incoming.unwrap_or_else(|| main.clone()) } else { main.clone() };
    let check = AccountCheck {
        lang: user.lang,
        address: &address,
        sender_name: sender_name.as_ref(),
        outgoing: connection.smtp.as_ref().filter(|_| account.use_for_sending).map(|f| Outgoing {
            server: &f.server,
            login: &f.login,
            password: &main,
            send_to_self: false,
        }),
        incoming: connection.incoming.as_ref().filter(|_| account.use_for_receiving).map(|(protocol, f)| Incoming {
            protocol: *protocol,
            server: &f.server,
            login: &f.login,
            password: &incoming_password,
            since: account.initial_load_date,
        }),
    };
    let report = check::run(&state.mail, &check, progress.as_ref().map(Progress::steps)).await;
    let mut tx = state.db.write(user.tenant).await?;
    let reason = report.failure.as_ref().map(|f| f.reason.name());
    accounts::record_check(&mut tx, user.tenant, account.id, report.passed(), reason).await?;
    tx.commit().await?;
    if report.passed() {
        Ok(report)
    } else {
        Err(AppError::CheckFailed(report))
    }
}

/// Deletes an account (never the system account; not while the CRM settings use it).
pub async fn delete(state: &AppState, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let account = visible(state, user, id).await?;
    if account.is_system || !can_edit(user, &account) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.write(user.tenant).await?;
    match accounts::delete(&mut tx, user.tenant, account.id).await {
        Ok(true) => {}
        Ok(false) => return Err(AppError::NotFound),
        Err(e) if is_foreign_key_violation(&e) => return Err(AppError::InUse),
        Err(e) => return Err(e.into()),
    }
    db::audit::record(&mut tx, user.tenant, Some(user.id), "delete", "email_account", &account.address).await?;
    tx.commit().await?;
    Ok(())
}
