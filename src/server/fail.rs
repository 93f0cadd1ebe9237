//! Turning internal failures into what a user may see. The full error is logged here, once; the
//! user gets `Internal` or `Unavailable` without any database or library text.

use crate::model::error::AppError;
use crate::model::Invalid;
use sqlx::error::ErrorKind;
use std::fmt::Display;

/// Logs an unexpected failure and hides it from the user.
pub fn internal(context: &str, error: impl Display) -> AppError {
    tracing::error!(%error, "{context}");
    AppError::Internal
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_transient(&error) {
            tracing::warn!(%error, "database unavailable");
            AppError::Unavailable
        } else {
            internal("database error", error)
        }
    }
}

/// Errors that go away by themselves: the database restarting, a full pool, a busy SQLite file.
pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite: 5 SQLITE_BUSY and its extended codes, 6 SQLITE_LOCKED. PostgreSQL: class 08 connection exceptions,
            // 57P0x shutdown, 40001/40P01 serialization failure and deadlock.
            matches!(code.as_ref(), "5" | "6" | "262" | "517" | "773" | "40001" | "40P01" | "57P01" | "57P02" | "57P03")
                || code.starts_with("08")
        }
        _ => false,
    }
}

/// A constraint of the database refused a row: the caller's answer for that, any other error
/// as usual. For use in `map_err`.
pub fn on_violation(kind: ErrorKind, answer: AppError) -> impl FnOnce(sqlx::Error) -> AppError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.kind() == kind => answer,
        _ => error.into(),
    }
}

/// A duplicate (unique key) is shown at `field` as «already exists».
pub fn on_unique(field: &'static str) -> impl FnOnce(sqlx::Error) -> AppError {
    on_violation(ErrorKind::UniqueViolation, AppError::field(field, Invalid::AlreadyExists))
}

/// A row still referred to by others (a foreign key refused the delete) is [`AppError::InUse`].
pub fn on_foreign_key() -> impl FnOnce(sqlx::Error) -> AppError {
    on_violation(ErrorKind::ForeignKeyViolation, AppError::InUse)
}
