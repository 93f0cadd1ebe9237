//! Signing in with the mail provider: the authorization code flow with PKCE (RFC 7636) and a
//! `state` bound to the signed-in session, user and tenant; the tokens kept like passwords
//! (sealed to the tenant, the sign-in and the column), and an access token renewed shortly
//! before it expires, by one app server at a time, a rotated refresh token saved in the same
//! transaction. A refused renewal marks the sign-in «Требуется повторный вход».

pub mod providers;
pub mod tokens;

use super::credentials::{new_token, token_hash};
use super::db::oauth::SignInSecret;
use super::db::{self, now_millis, Db};
use super::mail::MailContext;
use super::secrets::{Secrets, SignInBinding};
use super::session::CurrentUser;
use crate::model::error::AppError;
use crate::model::oauth::{Provider, SignInProblem, SignInView};
use crate::model::{EmailAddress, TenantId, UserId};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use providers::OAuthProviders;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokens::TokenError;

/// How long the browser may stay at the provider before its return is refused (and the
/// sign-in purged, see `housekeeping`; the PostgreSQL purge policy says the same).
pub const SIGN_IN_TIME_MS: i64 = 15 * 60 * 1000;
/// A finished sign-in no account was saved with is purged, tokens and all, after this long
/// unused (the PostgreSQL purge policy says the same).
pub const UNSAVED_KEEP_MS: i64 = 24 * 3_600_000;
/// An access token is renewed this long before it expires (or, for a token that lasts less than
/// twice this, once half its life is over).
const RENEW_BEFORE_MS: i64 = 2 * 60 * 1000;
/// How long one app server holds a renewal before another may try.
const RENEWAL_HOLD_MS: i64 = 30_000;

/// What sign-ins need of the app: its database, keys, the providers and the egress guard.
#[derive(Clone, Copy)]
pub struct SignIns<'a> {
    pub db: &'a Db,
    pub secrets: &'a Secrets,
    pub providers: &'a OAuthProviders,
    pub mail: &'a MailContext,
}

fn problem(p: SignInProblem) -> AppError {
    AppError::SignIn(p)
}

fn seal(state: SignIns<'_>, tenant: TenantId, sign_in: i64, field: SignInSecret, secret: &SecretString) -> String {
    state.secrets.encrypt(secret, &SignInBinding { tenant, sign_in, field })
}

fn open(
    state: SignIns<'_>,
    tenant: TenantId,
    sign_in: i64,
    field: SignInSecret,
    envelope: &str,
) -> Result<SecretString, AppError> {
    state
        .secrets
        .decrypt(envelope, &SignInBinding { tenant, sign_in, field })
        .map_err(|e| super::fail::internal(&format!("oauth sign-in {sign_in} {}", field.column()), e))
}

/// Starts signing `login` in with `provider` for `user`; `form` is what the form held (JSON, no
/// password), given back when the browser returns. The address to send the browser to.
pub async fn start(
    state: SignIns<'_>,
    user: &CurrentUser,
    provider: Provider,
    login: &EmailAddress,
    form: &str,
) -> Result<String, AppError> {
    let (Some(settings), Some(redirect_uri)) = (state.providers.get(provider), state.providers.redirect_uri.as_deref())
    else {
        return Err(problem(SignInProblem::NotOffered));
    };
    let state_value = new_token();
    let verifier = SecretString::from(new_token());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose_secret().as_bytes()));
    let mut tx = state.db.write(user.tenant).await?;
    let pending = db::oauth::Pending {
        user: user.id,
        provider,
        login_hint: login.as_str(),
        form,
        state_hash: &token_hash(&state_value),
        session_hash: &user.token_hash,
    };
    let id = db::oauth::start(&mut tx, user.tenant, &pending).await?;
    let sealed = seal(state, user.tenant, id, SignInSecret::Verifier, &verifier);
    db::oauth::set_secret(&mut tx, user.tenant, id, SignInSecret::Verifier, &sealed).await?;
    tx.commit().await?;

    let mut query = vec![
        ("response_type", "code"),
        ("client_id", settings.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", settings.scopes.as_str()),
        ("state", state_value.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("login_hint", login.as_str()),
    ];
    query.extend(settings.authorize_extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let url = settings.authorize.url();
    let joiner = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{joiner}{}", tokens::form_encode(&query)))
}

/// What the provider sent the browser back with.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// The browser came back from the provider: the form it left with (when its sign-in was found),
/// and the sign-in, or why there is none.
pub async fn finish(
    state: SignIns<'_>,
    user: &CurrentUser,
    callback: &Callback,
) -> (Option<String>, Result<SignInView, AppError>) {
    let Some(state_value) = callback.state.as_deref().filter(|s| s.len() <= 256) else {
        return (None, Err(problem(SignInProblem::Expired)));
    };
    let taken = async {
        let mut tx = state.db.write(user.tenant).await?;
        let since = now_millis() - SIGN_IN_TIME_MS;
        let row =
            db::oauth::take_pending(&mut tx, user.tenant, &token_hash(state_value), &user.token_hash, user.id, since)
                .await?;
        tx.commit().await?;
        Ok::<_, AppError>(row)
    };
    let row = match taken.await {
        Ok(Some(row)) => row,
        Ok(None) => return (None, Err(problem(SignInProblem::Expired))),
        Err(e) => return (None, Err(e)),
    };
    let form = Some(row.form.clone());
    (form, signed_in(state, user, &row, callback).await)
}

async fn signed_in(
    state: SignIns<'_>,
    user: &CurrentUser,
    row: &db::oauth::SignInRow,
    callback: &Callback,
) -> Result<SignInView, AppError> {
    if let Some(error) = &callback.error {
        return Err(problem(SignInProblem::Denied { error: tokens::short_code(error) }));
    }
    let provider = row.provider().ok_or(AppError::Internal)?;
    let (Some(settings), Some(redirect_uri)) = (state.providers.get(provider), state.providers.redirect_uri.as_deref())
    else {
        return Err(problem(SignInProblem::NotOffered));
    };
    let (Some(code), Some(verifier)) = (callback.code.as_deref(), row.verifier.as_deref()) else {
        return Err(problem(SignInProblem::Expired));
    };
    let verifier = open(state, user.tenant, row.id, SignInSecret::Verifier, verifier)?;
    let ctx = state.mail.for_tenant(user.tenant);
    let tokens = tokens::from_code(&ctx, settings, redirect_uri, code, &verifier).await.map_err(token_problem)?;
    let identity = match (tokens.id_token.as_deref(), &settings.userinfo) {
        (Some(id_token), _) => tokens::identity(id_token, &settings.client_id),
        (None, Some((endpoint, token_in))) => {
            tokens::userinfo_identity(&ctx, endpoint, *token_in, &tokens.access).await.map_err(token_problem)?
        }
        (None, None) => None,
    };
    let Some(identity) = identity else {
        tracing::warn!(provider = provider.id(), "the provider's answer named no address");
        return Err(problem(SignInProblem::Denied { error: "no_identity".into() }));
    };
    if !identity.eq_ignore_ascii_case(&row.login_hint) {
        return Err(problem(SignInProblem::OtherIdentity { asked: row.login_hint.clone(), signed_in: identity }));
    }
    let mut tx = state.db.write(user.tenant).await?;
    let access = seal(state, user.tenant, row.id, SignInSecret::AccessToken, &tokens.access);
    db::oauth::set_secret(&mut tx, user.tenant, row.id, SignInSecret::AccessToken, &access).await?;
    if let Some(refresh) = &tokens.refresh {
        let refresh = seal(state, user.tenant, row.id, SignInSecret::RefreshToken, refresh);
        db::oauth::set_secret(&mut tx, user.tenant, row.id, SignInSecret::RefreshToken, &refresh).await?;
    }
    db::oauth::signed_in(&mut tx, user.tenant, row.id, &identity, expires_at(tokens.expires_in)).await?;
    tx.commit().await?;
    Ok(SignInView { id: row.id, provider, identity, needs_sign_in: false })
}

fn expires_at(expires_in: u64) -> i64 {
    now_millis().saturating_add(i64::try_from(expires_in.min(365 * 86_400)).unwrap_or(3600) * 1000)
}

fn token_problem(error: TokenError) -> AppError {
    match error {
        TokenError::Refused(code) => problem(SignInProblem::Denied { error: code }),
        TokenError::Unreachable(why) => {
            tracing::warn!(%why, "the provider's token endpoint gave no answer");
            problem(SignInProblem::ProviderUnreachable)
        }
    }
}

/// A finished sign-in of the tenant, as the forms show it.
pub async fn view(state: SignIns<'_>, tenant: TenantId, id: i64) -> Result<Option<SignInView>, AppError> {
    let mut tx = state.db.read(tenant).await?;
    let view = view_in(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(view)
}

/// The same, in a transaction already open.
pub async fn view_in(tx: &mut db::Tx, tenant: TenantId, id: i64) -> Result<Option<SignInView>, AppError> {
    Ok(db::oauth::get(tx, tenant, id).await?.as_ref().and_then(view_of))
}

/// A finished sign-in as the pages show it.
pub fn view_of(row: &db::oauth::SignInRow) -> Option<SignInView> {
    Some(SignInView {
        id: row.id,
        provider: row.provider()?,
        identity: row.identity.clone()?,
        needs_sign_in: row.status == "needs_sign_in",
    })
}

/// Who uses a sign-in's token.
#[derive(Clone, Copy)]
pub enum Holder {
    /// A form brought the sign-in: it must be this user's own.
    User(UserId),
    /// An account it is saved with; the caller has checked that its token may go where it is
    /// about to (as a stored password would).
    Account,
}

/// A usable access token of the tenant's sign-in `id`, which must have signed in as `login`.
pub async fn token_for(
    state: SignIns<'_>,
    tenant: TenantId,
    id: i64,
    login: &EmailAddress,
    holder: Holder,
) -> Result<SecretString, AppError> {
    let (identity, token) = access_token(state, tenant, id, holder).await.map_err(|e| match e {
        // An id from a form that is not this tenant's finished sign-in, or another user's.
        AppError::NotFound => problem(SignInProblem::Expired),
        other => other,
    })?;
    if !identity.eq_ignore_ascii_case(login.as_str()) {
        return Err(problem(SignInProblem::OtherIdentity { asked: login.unicode(), signed_in: identity }));
    }
    Ok(token)
}

/// A usable access token of sign-in `id` and the address it signs in as: the stored one while
/// it lasts, else renewed (by this server, or by the one already renewing it).
pub async fn access_token(
    state: SignIns<'_>,
    tenant: TenantId,
    id: i64,
    holder: Holder,
) -> Result<(String, SecretString), AppError> {
    // The expiry first seen: a token renewed by another server while this one waited is used
    // even if it, too, expires soon (a provider may hand out short-lived tokens).
    let mut first_seen = None;
    // Longer than one renewal may take (its token request's time limit).
    let deadline = tokio::time::Instant::now() + tokens::TIME_LIMIT + Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        let mut tx = state.db.read(tenant).await?;
        let row = db::oauth::get(&mut tx, tenant, id).await?.ok_or(AppError::NotFound)?;
        drop(tx);
        if matches!(holder, Holder::User(user) if user.0 != row.user_id) {
            return Err(AppError::NotFound);
        }
        if row.status == "needs_sign_in" {
            return Err(problem(SignInProblem::SignInAgain));
        }
        let identity = row.identity.clone().ok_or(AppError::Internal)?;
        let now = now_millis();
        let expires_at = row.access_expires_at.unwrap_or(0);
        let renewed_meanwhile = first_seen.is_some_and(|seen| expires_at > seen && expires_at > now);
        first_seen.get_or_insert(expires_at);
        let margin = RENEW_BEFORE_MS.min((expires_at - row.updated_at) / 2);
        if let (Some(access), true) = (&row.access_token, expires_at - now > margin || renewed_meanwhile) {
            return Ok((identity, open(state, tenant, id, SignInSecret::AccessToken, access)?));
        }
        let mut tx = state.db.write(tenant).await?;
        let mine = db::oauth::take_renewal(&mut tx, tenant, id, now, RENEWAL_HOLD_MS).await?;
        // Taken: the row as it is now, in case another server renewed it (and rotated the
        // refresh token) since it was read above; then that renewal is used instead.
        let current = if mine { db::oauth::get(&mut tx, tenant, id).await? } else { None };
        let renewed_by_another = current.as_ref().is_some_and(|c| c.access_expires_at != row.access_expires_at);
        if renewed_by_another {
            db::oauth::release_renewal(&mut tx, tenant, id).await?;
        }
        tx.commit().await?;
        match current {
            Some(current) if !renewed_by_another => {
                return renew(state, tenant, &current).await.map(|access| (identity, access));
            }
            Some(_) => continue,
            None => {}
        }
        // Another server renews it: its result is in the row shortly.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(problem(SignInProblem::ProviderUnreachable))
}

async fn renew(state: SignIns<'_>, tenant: TenantId, row: &db::oauth::SignInRow) -> Result<SecretString, AppError> {
    let provider = row.provider().ok_or(AppError::Internal)?;
    let settings = state.providers.get(provider).ok_or(problem(SignInProblem::NotOffered))?;
    let Some(refresh) = row.refresh_token.as_deref() else {
        return refused(state, tenant, row.id).await;
    };
    let refresh = open(state, tenant, row.id, SignInSecret::RefreshToken, refresh)?;
    let ctx = state.mail.for_tenant(tenant);
    match tokens::refreshed(&ctx, settings, &refresh).await {
        Ok(tokens) => {
            let mut tx = state.db.write(tenant).await?;
            let access = seal(state, tenant, row.id, SignInSecret::AccessToken, &tokens.access);
            db::oauth::set_secret(&mut tx, tenant, row.id, SignInSecret::AccessToken, &access).await?;
            // A rotated refresh token replaces the old one in the same transaction: the old one
            // no longer works at the provider.
            if let Some(rotated) = &tokens.refresh {
                let rotated = seal(state, tenant, row.id, SignInSecret::RefreshToken, rotated);
                db::oauth::set_secret(&mut tx, tenant, row.id, SignInSecret::RefreshToken, &rotated).await?;
            }
            db::oauth::renewed(&mut tx, tenant, row.id, expires_at(tokens.expires_in)).await?;
            tx.commit().await?;
            Ok(tokens.access)
        }
        Err(TokenError::Refused(code)) => {
            tracing::warn!(sign_in = row.id, %code, "the provider refused to renew the access");
            refused(state, tenant, row.id).await
        }
        Err(TokenError::Unreachable(why)) => {
            tracing::warn!(sign_in = row.id, %why, "the provider's token endpoint gave no answer");
            let mut tx = state.db.write(tenant).await?;
            db::oauth::release_renewal(&mut tx, tenant, row.id).await?;
            tx.commit().await?;
            Err(problem(SignInProblem::ProviderUnreachable))
        }
    }
}

async fn refused(state: SignIns<'_>, tenant: TenantId, id: i64) -> Result<SecretString, AppError> {
    let mut tx = state.db.write(tenant).await?;
    db::oauth::needs_sign_in(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Err(problem(SignInProblem::SignInAgain))
}
