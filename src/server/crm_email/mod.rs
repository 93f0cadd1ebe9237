//! CRM ► Уведомления ► Электронная почта, the «Почта» tab's service: reading the saved group,
//! the test letter («Отправить») and the save («Сохранить») that writes the group together with
//! its directory account. Administrators only, and only once the tab is open.

mod save;
pub mod sign_in;
mod test_letter;

pub use save::save;
pub use test_letter::send_test_letter;

use super::accounts::connection_in_use;
use super::accounts::stored_password::{source, Destination, Destinations, Purpose, Routes};
use super::db::{self, accounts, Tx};
use super::oauth;
use super::progress;
use super::session::Admin;
use super::setup::require_mail_tab_open;
use super::state::AppState;
use super::time_zone::{self, moment};
use crate::model::accounts::hidden_id;
use crate::model::crm_email::{
    CrmEmailView, KeptMailTab, MailTabDraft, MailTabInput, MailTabIntent, MailTabOutcome, MailTabView, ServiceChoice,
};
use crate::model::error::AppError;
use crate::model::{
    unicode_address, AccountId, Host, Invalid, Port, Protocol, ServerAddress, ServerLogin, TenantId, OTHER_SERVICE,
};

/// The tab, with the outcome of the plain HTML form run `run` (if it is this user's).
pub async fn load(state: &AppState, admin: &Admin, run: &str) -> Result<MailTabView, AppError> {
    let mut tx = state.db.read(admin.tenant).await?;
    require_mail_tab_open(&mut tx, admin.tenant).await?;
    let settings = view(&mut tx, state, admin.tenant).await?;
    tx.commit().await?;
    let kept: Option<KeptMailTab> =
        if run.is_empty() { None } else { progress::kept_outcome(&state.db, admin, run).await? };
    let kept_sign_in = kept.as_ref().and_then(|k| k.typed.as_ref()).and_then(|t| hidden_id(&t.sign_in).ok().flatten());
    let password_instead = kept.as_ref().is_some_and(|k| k.outcome == Ok(MailTabOutcome::PasswordInstead));
    let sign_in = match kept_sign_in {
        Some(id) => oauth::view(state.sign_ins(), admin.tenant, id).await?,
        None if password_instead => None,
        None => settings.as_ref().and_then(|s| s.sign_in.clone()),
    };
    let sign_in_offered = state.oauth.offered();
    Ok(MailTabView { services: state.presets.all().to_vec(), sign_in_offered, sign_in, settings, kept })
}

/// «Отправить» or «Сохранить», as the form's `intent` says.
pub async fn submit(
    state: &AppState,
    admin: &Admin,
    input: &MailTabInput,
    progress: Option<progress::Progress>,
) -> Result<MailTabOutcome, AppError> {
    match input.intent() {
        Some(MailTabIntent::SignIn) => return sign_in::leave(state, admin, input).await,
        Some(MailTabIntent::PasswordInstead) => return Ok(MailTabOutcome::PasswordInstead),
        _ => {}
    }
    let draft = input.parse()?;
    match draft.intent {
        MailTabIntent::Send => send_test_letter(state, admin, draft, progress).await,
        MailTabIntent::Save => save(state, admin, draft, progress).await,
        MailTabIntent::SignIn | MailTabIntent::PasswordInstead => Err(AppError::BadRequest),
    }
}

/// The group as «Настройки программы» shows it.
pub async fn settings_view(state: &AppState, admin: &Admin) -> Result<Option<CrmEmailView>, AppError> {
    let mut tx = state.db.read(admin.tenant).await?;
    let settings = view(&mut tx, state, admin.tenant).await?;
    tx.commit().await?;
    Ok(settings)
}

async fn view(tx: &mut Tx, state: &AppState, tenant: TenantId) -> Result<Option<CrmEmailView>, AppError> {
    let Some(row) = db::crm_email::get(tx, tenant).await? else { return Ok(None) };
    let account = accounts::find_by_id(tx, tenant, AccountId(row.account_id)).await?;
    let zone = time_zone::of_tenant(tx, tenant).await?;
    // A service the operator has since removed keeps its id as its name.
    let provider_name = (row.provider != OTHER_SERVICE)
        .then(|| state.presets.get(&row.provider).map_or_else(|| row.provider.clone(), |s| s.name.clone()));
    Ok(Some(CrmEmailView {
        provider: row.provider,
        provider_name,
        smtp_host: Host::parse(&row.smtp_host).map_or(row.smtp_host, |h| h.unicode()),
        smtp_port: u16::try_from(row.smtp_port).unwrap_or_default(),
        use_ssl: row.use_ssl != 0,
        login: unicode_address(&row.login),
        has_password: account.as_ref().is_some_and(|a| a.password.is_some()),
        sign_in: match account.as_ref().and_then(|a| a.oauth_sign_in_id) {
            Some(id) => oauth::view_in(tx, tenant, id).await?,
            None => None,
        },
        sender_name: row.sender_name,
        sender_email: unicode_address(&row.sender_email),
        test_recipient: row.test_recipient.as_deref().map(unicode_address).unwrap_or_default(),
        account_id: AccountId(row.account_id),
        account_name: account.map(|a| a.name).unwrap_or_default(),
        updated_at: moment(zone, row.updated_at),
        version: row.version,
    }))
}

/// The SMTP server the draft names: a preset's, or the one typed for «Другой».
fn smtp_server(state: &AppState, draft: &MailTabDraft) -> Result<ServerAddress, AppError> {
    let id = match &draft.service {
        ServiceChoice::Other(server) => return Ok(server.clone()),
        ServiceChoice::Preset(id) => id,
    };
    let service = state.presets.get(id).ok_or_else(|| AppError::field("provider", Invalid::UnknownChoice))?;
    let preset = service.smtp.as_ref().ok_or_else(|| AppError::field("provider", Invalid::PresetNotConfigured))?;
    let host = Host::parse(&preset.host).map_err(|_| AppError::Internal)?;
    let port = Port::new(u32::from(preset.port)).map_err(|_| AppError::Internal)?;
    Ok(ServerAddress { host, port, security: preset.security })
}

/// The service id stored with the group.
fn provider_id(draft: &MailTabDraft) -> &str {
    match &draft.service {
        ServiceChoice::Preset(id) => id,
        ServiceChoice::Other(_) => OTHER_SERVICE,
    }
}

/// Where the test letter's password goes: the SMTP server with the tab's login.
fn smtp_destination(smtp: &ServerAddress, draft: &MailTabDraft) -> Destinations {
    let to = ServerLogin { server: smtp.clone(), login: draft.login.to_string() };
    Destinations::from([Destination::new(Protocol::Smtp, &to)])
}

/// The access token of the form's sign-in `id`, going `to` these servers: the administrator's own
/// new sign-in, or the one the `saved` account signs in with — whose token, like a stored
/// password, goes only where it was saved to go.
async fn sign_in_token(
    state: &AppState,
    admin: &Admin,
    id: i64,
    draft: &MailTabDraft,
    saved: Option<&accounts::AccountRow>,
    to: &Destinations,
    purpose: Purpose,
) -> Result<secrecy::SecretString, AppError> {
    let holder = match saved.filter(|a| a.oauth_sign_in_id == Some(id)) {
        Some(account) => {
            let saved_for = Routes::of(&connection_in_use(account)).main;
            source(false, Some(&saved_for), to, purpose).map_err(|problem| AppError::field("password", problem))?;
            oauth::Holder::Account
        }
        None => oauth::Holder::User(admin.id),
    };
    oauth::token_for(state.sign_ins(), admin.tenant, id, &draft.login, holder).await
}

/// Where a saved account's password was saved to go (`None`: none is stored).
fn stored_routes(account: &accounts::AccountRow) -> Option<Destinations> {
    account.password.is_some().then(|| Routes::of(&connection_in_use(account)).main)
}
