//! The «Почта» tab: reading the settings, sending a real test letter, and saving the program
//! setting group together with its directory account in one transaction.

use super::auth::CurrentUser;
use super::db::accounts::{self, AccountData, SecretField};
use super::db::{self, settings, Tx};
use super::mail::letters::{self, Sender};
use super::mail::report::{Recorder, StepObserver};
use super::mail::smtp::{self, Errand, Login};
use super::progress::Progress;
use super::secrets::Binding;
use super::setup::require_mail_tab_open;
use super::state::AppState;
use crate::api::mail_tab::{CrmEmailView, MailTabOutcome, MailTabView};
use crate::error::{ensure_valid, AppError};
use crate::mail_check::{CheckReport, Reason, Side};
use crate::model::{
    coherent_security, EmailAddress, FieldErrors, Host, Invalid, Port, Protocol, Security, SenderName, ServerAddress,
    TenantId, OTHER_SERVICE,
};
use secrecy::{ExposeSecret, SecretString};

/// The tab's form as submitted.
pub struct MailTabForm<'a> {
    pub provider: &'a str,
    pub smtp_host: &'a str,
    pub use_ssl: bool,
    pub smtp_port: &'a str,
    pub login: &'a str,
    pub password: SecretString,
    pub sender_name: &'a str,
    pub sender_email: &'a str,
    pub recipient: &'a str,
}

/// The form, parsed: every value valid, the SMTP server taken from the preset unless «Другой».
struct MailSettings {
    provider: String,
    smtp: ServerAddress,
    login: EmailAddress,
    /// `None`: the field was left empty (keep the stored password).
    password: Option<SecretString>,
    sender_name: SenderName,
    sender_email: EmailAddress,
    recipient: Option<EmailAddress>,
}

fn parse(state: &AppState, form: MailTabForm<'_>, recipient_required: bool) -> Result<MailSettings, AppError> {
    let mut errors = FieldErrors::new();
    let smtp = if form.provider == OTHER_SERVICE {
        let host = errors.check("smtp_host", Host::parse(form.smtp_host));
        let port = errors.check("smtp_port", Port::parse(form.smtp_port));
        let security = Security::from_use_ssl(form.use_ssl);
        if let Some(port) = port {
            errors.check("smtp_security", coherent_security(Protocol::Smtp, port, security));
        }
        host.zip(port).map(|(host, port)| ServerAddress { host, port, security })
    } else {
        match state.presets.get(form.provider) {
            None => {
                errors.add("provider", Invalid::UnknownChoice);
                None
            }
            Some(service) => match &service.smtp {
                None => {
                    errors.add("provider", Invalid::PresetNotConfigured);
                    None
                }
                Some(p) => Host::parse(&p.host)
                    .ok()
                    .zip(Port::new(u32::from(p.port)).ok())
                    .map(|(host, port)| ServerAddress { host, port, security: p.security }),
            },
        }
    };
    let login = errors.check("login", EmailAddress::parse(form.login));
    let sender_name = errors.check("sender_name", SenderName::parse(form.sender_name));
    let sender_email = errors.check("sender_email", EmailAddress::parse(form.sender_email));
    let recipient = if recipient_required || !form.recipient.trim().is_empty() {
        errors.check("recipient", EmailAddress::parse(form.recipient)).map(Some)
    } else {
        Some(None)
    };
    let password = if form.password.expose_secret().is_empty() { None } else { Some(form.password) };
    if password.as_ref().is_some_and(|p| p.expose_secret().chars().any(|c| c == '\r' || c == '\n')) {
        errors.add("password", Invalid::LineBreak);
    }
    ensure_valid(errors)?;
    match (smtp, login, sender_name, sender_email, recipient) {
        (Some(smtp), Some(login), Some(sender_name), Some(sender_email), Some(recipient)) => Ok(MailSettings {
            provider: form.provider.to_string(),
            smtp,
            login,
            password,
            sender_name,
            sender_email,
            recipient,
        }),
        _ => Err(AppError::Internal),
    }
}

pub async fn load(state: &AppState, admin: &CurrentUser) -> Result<MailTabView, AppError> {
    admin.require_admin()?;
    let mut tx = state.db.read(admin.tenant).await?;
    require_mail_tab_open(&mut tx, admin.tenant).await?;
    let settings = view(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(MailTabView { services: state.presets.all().to_vec(), settings })
}

pub async fn settings_view(state: &AppState, admin: &CurrentUser) -> Result<Option<CrmEmailView>, AppError> {
    admin.require_admin()?;
    let mut tx = state.db.read(admin.tenant).await?;
    let settings = view(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(settings)
}

async fn view(tx: &mut Tx, tenant: TenantId) -> Result<Option<CrmEmailView>, AppError> {
    let Some(row) = settings::get(tx, tenant).await? else { return Ok(None) };
    let account = accounts::find_by_id(tx, tenant, crate::model::AccountId(row.account_id)).await?;
    Ok(Some(CrmEmailView {
        provider: row.provider,
        smtp_host: row.smtp_host,
        smtp_port: u16::try_from(row.smtp_port).unwrap_or_default(),
        use_ssl: row.use_ssl != 0,
        login: row.login,
        has_password: account.as_ref().is_some_and(|a| a.password.is_some()),
        sender_name: row.sender_name,
        sender_email: row.sender_email,
        test_recipient: row.test_recipient.unwrap_or_default(),
        account_id: row.account_id,
        account_name: account.map(|a| a.name).unwrap_or_default(),
        updated_at: row.updated_at,
        version: row.version,
    }))
}

/// The stored password of the saved settings, but only for the very server and login it was
/// saved for: a changed host must never receive it.
async fn stored_password(
    state: &AppState,
    tenant: TenantId,
    settings: &MailSettings,
) -> Result<Option<SecretString>, AppError> {
    let mut tx = state.db.read(tenant).await?;
    let Some(row) = settings::get(&mut tx, tenant).await? else { return Ok(None) };
    let account = accounts::find_by_id(&mut tx, tenant, crate::model::AccountId(row.account_id)).await?;
    tx.commit().await?;
    let Some(account) = account else { return Ok(None) };
    let same_server = account.smtp.as_ref() == Some(&settings.smtp)
        && account.smtp_login.as_deref().map(str::to_lowercase) == Some(settings.login.normalized());
    match (&account.password, same_server) {
        (Some(envelope), true) => {
            let binding = Binding { tenant: tenant.0, account: account.id.0, field: SecretField::Main.column() };
            let password =
                state.secrets.decrypt(envelope, &binding).map_err(|e| super::fail::internal("stored password", e))?;
            Ok(Some(password))
        }
        (Some(_), false) => Err(AppError::field("password", Invalid::PasswordRequiredAfterServerChange)),
        (None, _) => Ok(None),
    }
}

/// «Отправить»: a real letter to «Email получателя» from «Email отправителя». Nothing is saved.
pub async fn send_test_letter(
    state: &AppState,
    admin: &CurrentUser,
    form: MailTabForm<'_>,
    progress: Option<Progress>,
) -> Result<MailTabOutcome, AppError> {
    admin.require_admin()?;
    let tenant_name = {
        let mut tx = state.db.read(admin.tenant).await?;
        require_mail_tab_open(&mut tx, admin.tenant).await?;
        let name = db::tenants::name(&mut tx, admin.tenant).await?.unwrap_or_default();
        tx.commit().await?;
        name
    };
    let settings = parse(state, form, true)?;
    super::rate::mail_operation(&state.db, admin).await?;
    let password = match settings.password.clone() {
        Some(p) => p,
        None => stored_password(state, admin.tenant, &settings)
            .await?
            .ok_or_else(|| AppError::field("password", Invalid::Required))?,
    };
    let recipient = settings.recipient.clone().ok_or(AppError::Internal)?;
    let sender = Sender { name: Some(&settings.sender_name), address: &settings.sender_email };
    let letter = letters::test_letter(admin.lang, &sender, &recipient, &tenant_name, db::now_millis())
        .map_err(|e| super::fail::internal("composing the test letter", e))?;
    let login = Login { user: settings.login.as_str(), password: &password };
    let report = run_smtp(state, &settings.smtp, &login, Errand::Send(&letter), progress.map(|p| p.steps())).await;
    tracing::info!(tenant = admin.tenant.0, passed = report.passed(), "test letter");
    if report.passed() {
        Ok(MailTabOutcome::TestLetterSent { report, recipient: recipient.to_string() })
    } else {
        Err(AppError::CheckFailed(report))
    }
}

/// Runs one SMTP errand within the overall time limit and returns its report.
pub async fn run_smtp(
    state: &AppState,
    server: &ServerAddress,
    login: &Login<'_>,
    errand: Errand<'_>,
    observer: Option<StepObserver>,
) -> CheckReport {
    let mut rec = Recorder::new(state.mail.step_timeout, observer);
    let outcome =
        tokio::time::timeout(state.mail.total_timeout, smtp::run(&state.mail, server, login, errand, &mut rec)).await;
    let outcome = outcome.unwrap_or_else(|_| Err(super::mail::report::StepFailure::new(Reason::Timeout)));
    rec.finish(Side::Outgoing, outcome)
}

/// «Сохранить»: the setting group and the directory account for that address («для всех», for
/// sending) with an audit row, in one transaction: either both places change or neither does.
/// `version` is the settings' version the form was loaded with; a newer one means another
/// administrator saved meanwhile.
pub async fn save(
    state: &AppState,
    admin: &CurrentUser,
    form: MailTabForm<'_>,
    version: i64,
) -> Result<MailTabOutcome, AppError> {
    admin.require_admin()?;
    let settings = parse(state, form, false)?;
    let mut tx = state.db.write(admin.tenant).await?;
    require_mail_tab_open(&mut tx, admin.tenant).await?;
    let current = settings::get(&mut tx, admin.tenant).await?;
    if current.as_ref().map_or(0, |c| c.version) != version {
        return Err(AppError::Conflict);
    }

    let existing = accounts::find_shared_by_address(&mut tx, admin.tenant, &settings.login.normalized()).await?;
    let server_changed = existing.as_ref().is_some_and(|a| {
        a.smtp.as_ref() != Some(&settings.smtp)
            || a.smtp_login.as_deref().map(str::to_lowercase) != Some(settings.login.normalized())
    });
    let has_stored = existing.as_ref().is_some_and(|a| a.password.is_some());
    if settings.password.is_none() {
        // The program sends notifications on its own, so it needs the password stored.
        if !has_stored {
            return Err(AppError::field("password", Invalid::PasswordRequiredForAutomaticUse));
        }
        if server_changed {
            return Err(AppError::field("password", Invalid::PasswordRequiredAfterServerChange));
        }
    }

    let data = AccountData {
        name: existing.as_ref().map_or(settings.login.as_str(), |a| a.name.as_str()),
        address: settings.login.as_str(),
        sender_name: settings.sender_name.as_str(),
        owner: None,
        use_for_sending: true,
        use_for_receiving: existing.as_ref().is_some_and(|a| a.use_for_receiving),
        provider: Some(&settings.provider),
        smtp: Some(&settings.smtp),
        smtp_login: Some(settings.login.as_str()),
        incoming_protocol: existing.as_ref().and_then(|a| a.incoming_protocol),
        incoming: existing.as_ref().and_then(|a| a.incoming.as_ref()),
        incoming_login: existing.as_ref().and_then(|a| a.incoming_login.as_deref()),
        same_credentials: existing.as_ref().is_none_or(|a| a.same_credentials),
        initial_load_date: existing.as_ref().and_then(|a| a.initial_load_date),
    };
    let account = match &existing {
        Some(a) => {
            if !accounts::update(&mut tx, admin.tenant, a.id, a.version, &data).await? {
                return Err(AppError::Conflict);
            }
            a.id
        }
        None => accounts::insert(&mut tx, admin.tenant, &data).await.map_err(|e| {
            if super::fail::is_unique_violation(&e) {
                AppError::Conflict
            } else {
                e.into()
            }
        })?,
    };
    if let Some(password) = &settings.password {
        let binding = Binding { tenant: admin.tenant.0, account: account.0, field: SecretField::Main.column() };
        let envelope = state.secrets.encrypt(password, &binding);
        accounts::set_secret(&mut tx, admin.tenant, account, SecretField::Main, Some(&envelope)).await?;
    }

    let group = settings::CrmEmailData {
        account,
        provider: &settings.provider,
        smtp_host: settings.smtp.host.as_str(),
        smtp_port: settings.smtp.port.get(),
        use_ssl: settings.smtp.security == Security::Ssl,
        login: settings.login.as_str(),
        sender_name: settings.sender_name.as_str(),
        sender_email: settings.sender_email.as_str(),
        test_recipient: settings.recipient.as_ref().map(EmailAddress::as_str),
    };
    let Some(new_version) = settings::save(&mut tx, admin.tenant, admin.id, version, &group).await? else {
        return Err(AppError::Conflict);
    };
    let details = format!(
        "provider={} smtp={}:{} {} login={} sender={} account={}{}",
        settings.provider,
        settings.smtp.host,
        settings.smtp.port,
        settings.smtp.security.as_str(),
        settings.login,
        settings.sender_email,
        account,
        if settings.password.is_some() { " password=changed" } else { "" }
    );
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "save", "crm_email_settings", &details).await?;
    tx.commit().await?;
    Ok(MailTabOutcome::Saved { version: new_version })
}
