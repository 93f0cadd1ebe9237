//! The words for an error of the app, as shown above a form: its catalog text, with the numbers,
//! the missing tabs, or the provider's own error code filled in.

use crate::i18n::{t, tf};
use crate::model::error::AppError;
use crate::model::oauth::{error_key, SignInProblem};
use crate::model::Lang;

/// The plain-language message for an error shown above a form.
pub fn error_text(lang: Lang, error: &AppError) -> String {
    match error {
        AppError::TooManyAttempts { retry_after_secs } => {
            tf(lang, "error.too_many_attempts", &[("n", &retry_after_secs.to_string())])
        }
        AppError::RateLimited { retry_after_secs } => {
            tf(lang, "error.rate_limited", &[("n", &retry_after_secs.to_string())])
        }
        AppError::MailTabLocked { missing_firm, missing_outlet } => {
            let mut text = t(lang, "error.mail_tab_locked").to_string();
            if *missing_firm {
                text.push(' ');
                text.push_str(t(lang, "mail_tab.missing_firm"));
            }
            if *missing_outlet {
                text.push(' ');
                text.push_str(t(lang, "mail_tab.missing_outlet"));
            }
            text
        }
        AppError::SignIn(problem) => sign_in_problem_text(lang, problem),
        other => t(lang, other.key()).to_string(),
    }
}

fn sign_in_problem_text(lang: Lang, problem: &SignInProblem) -> String {
    match problem {
        SignInProblem::Denied { error } => {
            let explanation = match error_key(error) {
                Some(key) => t(lang, key).to_string(),
                None => tf(lang, "oauth.error.other", &[("code", error)]),
            };
            tf(lang, "oauth.problem.denied", &[("explanation", &explanation)])
        }
        SignInProblem::OtherIdentity { asked, signed_in } => {
            tf(lang, "oauth.problem.other_identity", &[("asked", asked), ("signed_in", signed_in)])
        }
        other => t(lang, other.key()).to_string(),
    }
}
