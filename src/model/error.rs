//! The one error type of every server function. It crosses to the browser, so it carries only
//! what a user may see: a reason to translate, field problems, a mail check's report. Internal
//! failures are logged on the server (see `server::fail`) and arrive here as `Internal`, without
//! their text.

use crate::model::check::CheckReport;
use crate::model::{FieldErrors, Invalid};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Some fields were refused; nothing was changed.
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("not signed in")]
    NotSignedIn,
    /// Signed in, but the role does not allow it (or the object belongs to someone else).
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Someone else saved the same thing first (optimistic locking).
    #[error("conflict")]
    Conflict,
    /// Wrong e-mail or password, or an unknown user: one message for both.
    #[error("bad credentials")]
    BadCredentials,
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Too many test letters, checks or detections in a short time.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// The «Почта» tab needs a firm and an outlet or warehouse first.
    #[error("mail tab locked")]
    MailTabLocked { missing_firm: bool, missing_outlet: bool },
    /// A row cannot be deleted while others refer to it.
    #[error("in use")]
    InUse,
    /// A state-changing request from another site (CSRF).
    #[error("cross-site request")]
    CrossSite,
    /// The database or another dependency is briefly unavailable; trying again will help.
    #[error("unavailable")]
    Unavailable,
    /// Too much is going on at once (a flood of sign-ins); trying again in a moment will help.
    #[error("busy")]
    Busy,
    /// A mail check failed: what was tried and what the server said. Nothing was saved.
    #[error("mail check failed")]
    CheckFailed(CheckReport),
    /// A set-password link that is unknown, used or expired.
    #[error("link expired")]
    LinkExpired,
    /// The first-run page after the first administrator exists.
    #[error("already set up")]
    AlreadySetUp,
    /// A notification for an account that is not set up yet (the «Почта» tab was never saved).
    #[error("notifications not configured")]
    NotificationsNotConfigured,
    /// Signing in with the mail provider gave no tokens (see `model::oauth`).
    #[error("provider sign-in")]
    SignIn(crate::model::oauth::SignInProblem),
    /// A malformed request (not something a form could produce).
    #[error("bad request")]
    BadRequest,
    #[error("internal error")]
    Internal,
}

impl AppError {
    pub fn field(field: &str, problem: Invalid) -> Self {
        AppError::Invalid(FieldErrors::single(field, problem))
    }

    /// The problem of one field, for showing it beside that field.
    pub fn field_problem(&self, field: &str) -> Option<Invalid> {
        match self {
            AppError::Invalid(errors) => errors.for_field(field),
            _ => None,
        }
    }

    /// The message key of the explanation shown above a form.
    pub fn key(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "error.invalid",
            AppError::NotSignedIn => "error.not_signed_in",
            AppError::Forbidden => "error.forbidden",
            AppError::NotFound => "error.not_found",
            AppError::Conflict => "error.conflict",
            AppError::BadCredentials => "error.bad_credentials",
            AppError::TooManyAttempts { .. } => "error.too_many_attempts",
            AppError::RateLimited { .. } => "error.rate_limited",
            AppError::MailTabLocked { .. } => "error.mail_tab_locked",
            AppError::InUse => "error.in_use",
            AppError::CrossSite => "error.cross_site",
            AppError::Unavailable => "error.unavailable",
            AppError::Busy => "error.busy",
            AppError::CheckFailed(_) => "error.check_failed",
            AppError::LinkExpired => "error.link_expired",
            AppError::AlreadySetUp => "error.already_set_up",
            AppError::NotificationsNotConfigured => "error.notifications_not_configured",
            AppError::SignIn(problem) => problem.key(),
            AppError::BadRequest => "error.bad_request",
            AppError::Internal => "error.internal",
        }
    }

    /// The HTTP status a server function answers with for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Invalid(_) | AppError::BadRequest => 400,
            AppError::NotSignedIn | AppError::BadCredentials => 401,
            AppError::Forbidden | AppError::CrossSite => 403,
            AppError::NotFound => 404,
            AppError::Conflict | AppError::InUse | AppError::AlreadySetUp | AppError::MailTabLocked { .. } => 409,
            AppError::NotificationsNotConfigured => 409,
            AppError::SignIn(_) => 422,
            AppError::LinkExpired => 410,
            AppError::CheckFailed(_) => 422,
            AppError::TooManyAttempts { .. } | AppError::RateLimited { .. } => 429,
            AppError::Internal => 500,
            AppError::Unavailable | AppError::Busy => 503,
        }
    }

    /// Every variant, so a test can prove each has a message in every language.
    pub fn examples() -> Vec<AppError> {
        vec![
            AppError::Invalid(FieldErrors::new()),
            AppError::NotSignedIn,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Conflict,
            AppError::BadCredentials,
            AppError::TooManyAttempts { retry_after_secs: 1 },
            AppError::RateLimited { retry_after_secs: 1 },
            AppError::MailTabLocked { missing_firm: true, missing_outlet: true },
            AppError::InUse,
            AppError::CrossSite,
            AppError::Unavailable,
            AppError::Busy,
            AppError::CheckFailed(CheckReport::default()),
            AppError::LinkExpired,
            AppError::AlreadySetUp,
            AppError::NotificationsNotConfigured,
            AppError::SignIn(crate::model::oauth::SignInProblem::NotOffered),
            AppError::SignIn(crate::model::oauth::SignInProblem::Expired),
            AppError::SignIn(crate::model::oauth::SignInProblem::Denied { error: "access_denied".into() }),
            AppError::SignIn(crate::model::oauth::SignInProblem::OtherIdentity {
                asked: "a@b.c".into(),
                signed_in: "d@b.c".into(),
            }),
            AppError::SignIn(crate::model::oauth::SignInProblem::ProviderUnreachable),
            AppError::SignIn(crate::model::oauth::SignInProblem::SignInAgain),
            AppError::BadRequest,
            AppError::Internal,
        ]
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request could not be decoded: not something the forms produce.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::BadRequest
            }
            // The browser could not reach the server, or the server could not answer.
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Unavailable,
            _ => AppError::Internal,
        }
    }
}

/// Turns field checks into the error of a whole form.
pub fn ensure_valid(errors: FieldErrors) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// The parsed value of a whole form: the field problems if there were any, else the value (which
/// every field being valid guarantees).
pub fn valid<T>(errors: FieldErrors, value: Option<T>) -> Result<T, AppError> {
    ensure_valid(errors)?;
    value.ok_or(AppError::Internal)
}
