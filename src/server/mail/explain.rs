//! The table of known mail-server answers: which reply at which step means what for the user.
//! Providers word the same problem differently; the enhanced status code (RFC 3463) and a few
//! phrases tell them apart. The raw reply is always kept and shown under the explanation.

use crate::model::check::{Reason, Step};

/// What a negative reply at a step means. `reply` is the full text, e.g. `535 5.7.8 Error: …`.
pub fn smtp_reply(step: Step, reply: &str) -> Reason {
    let text = reply.to_ascii_lowercase();
    let has = |needle: &str| text.contains(needle);

    // Provider-specific wordings first: they are the most precise.
    if has("5.7.9") || has("application-specific password") || has("parol prilozheniya") || has("application password")
    {
        return Reason::AppPasswordRequired;
    }
    if has("5.7.139") || has("5.7.30") || has("smtpclientauthentication") || has("basic authentication is disabled") {
        return Reason::PasswordLoginDisabled;
    }
    // Yandex answers a disabled "mail programs" access or a missing app password this way.
    if has("does not have access rights to this service") {
        return Reason::AppPasswordRequired;
    }
    if has("5.7.60") || has("sendasdenied") || has("not owned by") || has("sender address rejected") {
        return Reason::SenderNotOwned;
    }
    if has("5.3.4") || reply.starts_with("552") || has("message size exceeds") || has("too large") {
        return Reason::MessageTooLarge;
    }
    match step {
        Step::Login
            if reply.starts_with("535") || reply.starts_with("534") || has("5.7.8") || has("authentication failed") =>
        {
            Reason::WrongLoginOrPassword
        }
        Step::Login if reply.starts_with("530") || reply.starts_with("538") => Reason::StartTlsNotOffered,
        Step::Sender if reply.starts_with("553") || reply.starts_with("550") || has("5.7.1") => Reason::SenderNotOwned,
        Step::Recipient => Reason::RecipientRejected,
        _ => Reason::ServerRejected,
    }
}

/// What an IMAP `NO`/`BAD` answer or a POP3 `-ERR` at login means.
pub fn incoming_login_reply(reply: &str) -> Reason {
    let text = reply.to_ascii_lowercase();
    if text.contains("application-specific password")
        || text.contains("app password")
        || text.contains("parol prilozheniya")
    {
        Reason::AppPasswordRequired
    } else if text.contains("imap is disabled")
        || text.contains("pop3 is disabled")
        || text.contains("access rights")
        || text.contains("not enabled")
    {
        Reason::MailboxUnavailable
    } else {
        Reason::WrongLoginOrPassword
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_passwords_are_recognised_in_every_wording() {
        for reply in [
            "535 5.7.8 Error: authentication failed: authentication failure",
            "535-5.7.8 Username and Password not accepted. For more information, go to",
            "535 Authentication credentials invalid",
        ] {
            assert_eq!(smtp_reply(Step::Login, reply), Reason::WrongLoginOrPassword, "{reply}");
        }
    }

    #[test]
    fn providers_that_need_an_app_password_are_told_apart() {
        assert_eq!(
            smtp_reply(Step::Login, "534-5.7.9 Application-specific password required."),
            Reason::AppPasswordRequired
        );
        assert_eq!(
            smtp_reply(
                Step::Login,
                "535 5.7.8 Error: authentication failed: This user does not have access rights to this service"
            ),
            Reason::AppPasswordRequired
        );
        assert_eq!(smtp_reply(Step::Login, "535 5.7.0 NEOBHODIM parol prilozheniya"), Reason::AppPasswordRequired);
    }

    #[test]
    fn microsoft_refusing_passwords_is_recognised() {
        assert_eq!(
            smtp_reply(
                Step::Login,
                "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
            ),
            Reason::PasswordLoginDisabled
        );
        assert_eq!(
            smtp_reply(Step::Login, "550 5.7.30 Basic authentication is not supported for Client Submission."),
            Reason::PasswordLoginDisabled
        );
    }

    #[test]
    fn a_sender_the_login_may_not_use_is_recognised() {
        for reply in [
            "553 5.7.1 <boss@corp.example>: Sender address rejected: not owned by user anna@corp.example",
            "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
            "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied",
            "553 5.7.1 Sender address rejected: not owned by auth user.",
        ] {
            assert_eq!(smtp_reply(Step::Sender, reply), Reason::SenderNotOwned, "{reply}");
        }
    }

    #[test]
    fn recipients_and_sizes() {
        assert_eq!(
            smtp_reply(Step::Recipient, "550 5.1.1 <x@y.example>: Recipient address rejected: User unknown"),
            Reason::RecipientRejected
        );
        assert_eq!(smtp_reply(Step::Data, "552 5.3.4 Message size exceeds fixed limit"), Reason::MessageTooLarge);
        assert_eq!(smtp_reply(Step::Data, "451 4.3.0 Temporary failure"), Reason::ServerRejected);
    }

    #[test]
    fn incoming_logins() {
        assert_eq!(
            incoming_login_reply("NO [AUTHENTICATIONFAILED] Authentication failed."),
            Reason::WrongLoginOrPassword
        );
        assert_eq!(
            incoming_login_reply("-ERR [AUTH] Application-specific password required"),
            Reason::AppPasswordRequired
        );
        assert_eq!(incoming_login_reply("NO [ALERT] IMAP is disabled for this account"), Reason::MailboxUnavailable);
    }
}
