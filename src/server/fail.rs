//! Turning internal failures into what a user may see. The full error is logged here, once; the
//! user gets `Internal` or `Unavailable` without any database or library text.

use crate::error::AppError;
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

/// A unique constraint refused the row: a duplicate the caller turns into a field message.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// A foreign key refused a delete: the row is still referred to.
pub fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}
