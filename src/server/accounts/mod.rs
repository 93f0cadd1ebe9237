//! The directory «Учетные записи электронной почты»: who may see and change which account, and
//! the flows of its screens. An account is saved only after it passes its check; a stored
//! password goes only where it was saved for (see `stored_password`).

mod automatic;
mod check;
mod passwords;
mod save;
pub mod sign_in;
pub mod stored_password;
mod views;

pub use check::check;
pub use passwords::Typed;

use super::db::{self, accounts, accounts::AccountRow};
use super::detection;
use super::fail::on_foreign_key;
use super::oauth;
use super::progress::Progress;
use super::session::CurrentUser;
use super::state::AppState;
use super::time_zone;
use crate::model::accounts::{
    hidden_id, AccountInput, AccountIntent, AccountListView, AccountOutcome, AccountSort, AccountView, Basics,
    Connection, ForWhom, SetupMode,
};
use crate::model::error::{ensure_valid, AppError};
use crate::model::oauth::{SignInView, PASSWORD_INSTEAD_INTENT, SIGN_IN_INTENT};
use crate::model::{AccountId, FieldErrors, Invalid, ServerLogin};
use stored_password::Purpose;

pub const PAGE_SIZE: i64 = 50;

/// Whether `user` may change `account`: its owner, or an administrator for shared ones.
fn can_edit(user: &CurrentUser, account: &AccountRow) -> bool {
    match account.owner {
        Some(owner) => owner == user.id,
        None => user.is_admin(),
    }
}

/// An account `user` may see (shared, or their own); others do not exist for them.
async fn visible(state: &AppState, user: &CurrentUser, id: AccountId) -> Result<AccountRow, AppError> {
    let mut tx = state.db.read(user.tenant).await?;
    let account = accounts::get_visible(&mut tx, user.tenant, user.id, id).await?;
    tx.commit().await?;
    account.ok_or(AppError::NotFound)
}

/// Every server an account has settings for, with its login (the address when none is saved).
fn saved_connection(account: &AccountRow) -> Connection {
    let with_login = |server: &Option<crate::model::ServerAddress>, login: &Option<String>| {
        server
            .clone()
            .map(|server| ServerLogin { server, login: login.clone().unwrap_or_else(|| account.address.clone()) })
    };
    Connection {
        provider: account.provider.clone(),
        smtp: with_login(&account.smtp, &account.smtp_login),
        incoming: account.incoming_protocol.zip(with_login(&account.incoming, &account.incoming_login)),
        same_credentials: account.same_credentials,
    }
}

/// The servers an account actually uses: SMTP only when it sends, the incoming server only when
/// it receives. This is where its passwords go.
pub fn connection_in_use(account: &AccountRow) -> Connection {
    let mut connection = saved_connection(account);
    connection.smtp = connection.smtp.filter(|_| account.use_for_sending);
    connection.incoming = connection.incoming.filter(|_| account.use_for_receiving);
    connection
}

pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    search: Option<&str>,
    sort: AccountSort,
    page: u32,
) -> Result<AccountListView, AppError> {
    let order = match sort {
        AccountSort::Name => accounts::Order::Name,
        AccountSort::Sender => accounts::Order::Sender,
        AccountSort::Address => accounts::Order::Address,
        AccountSort::LastCheck => accounts::Order::LastCheck,
    };
    let offset = i64::from(page) * PAGE_SIZE;
    // The hot path of the directory: one statement (see `read_one`), more only for the accounts
    // that sign in with a provider.
    let mut tx = state.db.read_one(user.tenant).await?;
    let listed = accounts::list_visible(&mut tx, user.tenant, user.id, search, order, PAGE_SIZE + 1, offset).await?;
    let mut rows = listed.rows;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let mut views = Vec::with_capacity(rows.len());
    let zone = time_zone::stored(listed.time_zone);
    for row in rows {
        let sign_in = sign_in_of(&mut tx, &row).await?;
        views.push(views::row(zone, row, sign_in));
    }
    tx.commit().await?;
    Ok(AccountListView { rows: views, page, has_more, is_admin: user.is_admin(), system_id: listed.system_id })
}

pub async fn get(state: &AppState, user: &CurrentUser, id: AccountId) -> Result<AccountView, AppError> {
    let mut tx = state.db.read(user.tenant).await?;
    let account = accounts::get_visible(&mut tx, user.tenant, user.id, id).await?.ok_or(AppError::NotFound)?;
    let zone = time_zone::of_tenant(&mut tx, user.tenant).await?;
    let sign_in = sign_in_of(&mut tx, &account).await?;
    tx.commit().await?;
    Ok(views::account(user, zone, account, sign_in))
}

/// The account's sign-in with the provider, if it signs in with one (few do: one read each).
async fn sign_in_of(tx: &mut db::Tx, account: &AccountRow) -> Result<Option<SignInView>, AppError> {
    match account.oauth_sign_in_id {
        Some(id) => oauth::view_in(tx, account.tenant, id).await,
        None => Ok(None),
    }
}

/// What only the service can judge about a draft: shared accounts are an administrator's, and
/// the system account sends on its own, so it keeps its password.
fn check_rights(user: &CurrentUser, existing: Option<&AccountRow>, basics: &Basics) -> Result<(), AppError> {
    let is_system = existing.is_some_and(|a| a.is_system);
    let mut errors = FieldErrors::new();
    if (is_system || basics.for_whom == ForWhom::Everyone) && !user.is_admin() {
        errors.add("for_whom", Invalid::SharedAccountsAdminOnly);
    }
    if is_system && !basics.remember_password {
        errors.add("remember_password", Invalid::PasswordRequiredForAutomaticUse);
    }
    ensure_valid(errors)
}

/// «Создать», «Далее», «Сохранить», «Войти через …», as the form's `intent` says.
pub async fn submit(
    state: &AppState,
    user: &CurrentUser,
    input: &AccountInput,
    progress: Option<Progress>,
) -> Result<AccountOutcome, AppError> {
    let existing = match hidden_id(&input.id)? {
        Some(id) => Some(visible(state, user, AccountId(id)).await?),
        None => None,
    };
    if existing.as_ref().is_some_and(|account| !can_edit(user, account)) {
        return Err(AppError::Forbidden);
    }
    match input.intent.trim() {
        SIGN_IN_INTENT => return sign_in::leave(state, user, input).await,
        PASSWORD_INSTEAD_INTENT => return Ok(AccountOutcome::PasswordInstead),
        _ => {}
    }
    let draft = input.parse()?;
    check_rights(user, existing.as_ref(), &draft.basics)?;
    if draft.intent == AccountIntent::Next {
        // «Далее»: the recommended parameters for the address, to review by hand.
        let found = detection::recommended(&state.presets, &draft.basics.address);
        let source = found.source();
        let connection = found.into_connection().view(source);
        return Ok(AccountOutcome::Manual { connection, report: None, confirm_hosts: Vec::new() });
    }
    let typed = passwords::Typed { main: draft.password.as_ref(), incoming: draft.incoming_password.as_ref() };
    let Some(connection) = draft.connection.as_ref().filter(|_| draft.mode == SetupMode::Manual) else {
        let credentials = passwords::for_detected(state, user, typed, draft.sign_in, &draft.basics.address).await?;
        return automatic::setup(state, user, &draft.basics, &credentials, progress).await;
    };
    let offered = passwords::Offered { typed, sign_in: draft.sign_in, address: &draft.basics.address };
    let credentials =
        passwords::credentials(state, user, offered, connection, existing.as_ref(), Purpose::Save).await?;
    let target = check::Target::of_draft(&draft.basics);
    let report = check::run(state, user, &target, connection, &credentials, progress.as_ref()).await?;
    if !report.passed() {
        return Err(AppError::CheckFailed(report));
    }
    let id = save::save(state, user, existing.as_ref(), draft.version, &draft.basics, connection, &credentials).await?;
    Ok(AccountOutcome::Saved { id, report })
}

/// Deletes an account (never the system account; not while the CRM settings use it).
pub async fn delete(state: &AppState, user: &CurrentUser, id: AccountId) -> Result<(), AppError> {
    let account = visible(state, user, id).await?;
    if account.is_system || !can_edit(user, &account) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.write(user.tenant).await?;
    if !accounts::delete(&mut tx, user.tenant, account.id).await.map_err(on_foreign_key())? {
        return Err(AppError::NotFound);
    }
    if let Some(sign_in) = account.oauth_sign_in_id {
        db::oauth::delete_unused(&mut tx, user.tenant, sign_in).await?;
    }
    db::audit::record(&mut tx, user.tenant, Some(user.id), "delete", "email_account", &account.address).await?;
    tx.commit().await?;
    Ok(())
}
