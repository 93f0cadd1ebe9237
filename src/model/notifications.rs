//! A notification the host application hands over for delivery (`POST /api/v1/notifications`,
//! `pochta notify send`): parsed once here, every refused field named, so nothing is queued on
//! bad input. Its life in the outbox (status, attempts, the last failure) is told by
//! [`OutboxStatus`] and [`QueuedNotification`].

use super::text::one_line;
use super::time_zone::Moment;
use super::{Date, EmailAddress, FieldErrors, Invalid};
use serde::{Deserialize, Serialize};

/// At most this many recipients in one letter.
pub const RECIPIENTS_MAX: u16 = 50;
pub const SUBJECT_MAX: u16 = 250;
/// The plain text and the HTML body, each at most this many KiB.
pub const BODY_MAX_KIB: u16 = 256;
pub const IDEMPOTENCY_KEY_MAX: u16 = 128;

/// What arrives on the wire, before any check.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NotificationInput {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    #[serde(default)]
    pub html: Option<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
    /// The same key twice means the same notification: it is queued once.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A notification every part of which was accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub to: Vec<EmailAddress>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub reply_to: Option<EmailAddress>,
    pub idempotency_key: Option<IdempotencyKey>,
}

/// Printable ASCII without spaces, at most [`IDEMPOTENCY_KEY_MAX`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.is_empty() {
            return Err(Invalid::Required);
        }
        if raw.len() > usize::from(IDEMPOTENCY_KEY_MAX) {
            return Err(Invalid::TooLong(IDEMPOTENCY_KEY_MAX));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Invalid::LineBreak);
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn body(raw: &str, required: bool) -> Result<Option<String>, Invalid> {
    if raw.trim().is_empty() {
        return if required { Err(Invalid::Required) } else { Ok(None) };
    }
    if raw.len() > usize::from(BODY_MAX_KIB) * 1024 {
        return Err(Invalid::TooLarge(BODY_MAX_KIB));
    }
    // Line breaks and tabs belong in a body; other control characters (NUL above all) do not.
    if raw.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Invalid::LineBreak);
    }
    Ok(Some(raw.to_string()))
}

fn recipients(raw: &[String]) -> Result<Vec<EmailAddress>, Invalid> {
    if raw.is_empty() {
        return Err(Invalid::Required);
    }
    if raw.len() > usize::from(RECIPIENTS_MAX) {
        return Err(Invalid::TooMany(RECIPIENTS_MAX));
    }
    let mut parsed: Vec<EmailAddress> = Vec::with_capacity(raw.len());
    for address in raw {
        let address = EmailAddress::parse(address)?;
        if !parsed.contains(&address) {
            parsed.push(address);
        }
    }
    Ok(parsed)
}

impl Notification {
    pub fn parse(input: &NotificationInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let to = errors.check("to", recipients(&input.to));
        let subject = errors.check("subject", one_line(&input.subject, SUBJECT_MAX));
        let text = errors.check("text", body(&input.text, true));
        let html = errors.check("html", body(input.html.as_deref().unwrap_or_default(), false));
        let reply_to = match input.reply_to.as_deref().filter(|r| !r.trim().is_empty()) {
            Some(raw) => errors.check("reply_to", EmailAddress::parse(raw).map(Some)),
            None => Some(None),
        };
        let idempotency_key = match input.idempotency_key.as_deref() {
            Some(raw) => errors.check("idempotency_key", IdempotencyKey::parse(raw).map(Some)),
            None => Some(None),
        };
        match (to, subject, text, html, reply_to, idempotency_key) {
            (Some(to), Some(subject), Some(Some(text)), Some(html), Some(reply_to), Some(idempotency_key))
                if errors.is_empty() =>
            {
                Ok(Self { to, subject, text, html, reply_to, idempotency_key })
            }
            _ => Err(errors),
        }
    }
}

/// Where a notification is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Queued,
    Sending,
    Sent,
    Failed,
    Cancelled,
}

impl OutboxStatus {
    pub fn name(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Queued, Self::Sending, Self::Sent, Self::Failed, Self::Cancelled].into_iter().find(|s| s.name() == name)
    }
}

/// A notification as the host application sees it after queuing or when it asks again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedNotification {
    pub id: i64,
    pub status: OutboxStatus,
    pub message_id: String,
    pub attempts: i64,
    /// The last failure's reason (`model::check::Reason` name), its explanation in the asked
    /// language, and the server's own words.
    pub last_error: Option<String>,
    pub explanation: Option<String>,
    pub server_reply: Option<String>,
}

/// A key of the host application, as the «Уведомления» page lists it (never the key itself).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell it apart.
    pub prefix: String,
    pub created_at: Moment,
    pub revoked: bool,
}

/// «Создать ключ», as the form posts it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewApiKeyInput {
    pub name: String,
}

/// A key just made: shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub id: i64,
    pub name: String,
    pub key: String,
}

/// A button on one row («Отозвать», «Повторить», «Отменить»), as the form posts it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RowInput {
    pub id: String,
}

impl RowInput {
    pub fn parse(&self) -> Result<i64, Invalid> {
        self.id.trim().parse().map_err(|_| Invalid::UnknownChoice)
    }
}

/// One letter in «Журнал отправки»: who, what and how it went, never its body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: i64,
    pub created_at: Moment,
    pub sent_at: Option<Moment>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub explanation: Option<String>,
    pub server_reply: Option<String>,
}

/// A page of the journal, newest first; `older` continues it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalPage {
    pub entries: Vec<JournalEntry>,
    pub older: Option<i64>,
}

/// «Журнал отправки»'s period: letters queued from the start of day `from` to the end of day
/// `to` (either may be open), in the tenant's time zone; dates as `<input type="date">` sends them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JournalPeriod {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl JournalPeriod {
    pub fn parse(from: &str, to: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut date = |field: &str, raw: &str| match raw.trim() {
            "" => Some(None),
            raw => errors.check(field, Date::parse(raw).map(Some)),
        };
        let (from, to) = (date("from", from), date("to", to));
        match (from, to) {
            (Some(Some(from)), Some(Some(to))) if to < from => Err(FieldErrors::single("to", Invalid::PeriodReversed)),
            (Some(from), Some(to)) => Ok(Self { from, to }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_may_be_open_at_either_end_but_not_reversed() {
        assert_eq!(JournalPeriod::parse("", "").unwrap(), JournalPeriod::default());
        let period = JournalPeriod::parse("2026-11-01", "").unwrap();
        assert_eq!((period.from.map(|d| d.to_string()), period.to), (Some("2026-11-01".into()), None));
        assert!(JournalPeriod::parse("2026-11-30", "2026-11-30").is_ok(), "one day");
        let reversed = JournalPeriod::parse("2026-12-01", "2026-11-30").unwrap_err();
        assert_eq!(reversed.for_field("to"), Some(Invalid::PeriodReversed));
        let bad = JournalPeriod::parse("01.11.2026", "2026-13-01").unwrap_err();
        assert_eq!(
            (bad.for_field("from"), bad.for_field("to")),
            (Some(Invalid::DateFormat), Some(Invalid::DateFormat))
        );
    }

    fn input() -> NotificationInput {
        NotificationInput {
            to: vec!["client@example.com".into()],
            subject: "Заказ готов".into(),
            text: "Здравствуйте!\nВаш заказ готов.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_plain_notification_is_accepted() {
        let n = Notification::parse(&input()).unwrap();
        assert_eq!(n.to[0].as_str(), "client@example.com");
        assert_eq!(n.html, None);
        assert_eq!(n.idempotency_key, None);
    }

    #[test]
    fn every_refused_field_is_named_at_once() {
        let bad = NotificationInput {
            to: vec!["not an address".into()],
            subject: "two\nlines".into(),
            text: " ".into(),
            html: Some("x".repeat(usize::from(BODY_MAX_KIB) * 1024 + 1)),
            reply_to: Some("nobody".into()),
            idempotency_key: Some("with space".into()),
        };
        let errors = Notification::parse(&bad).unwrap_err();
        assert_eq!(errors.for_field("to"), Some(Invalid::EmailFormat));
        assert_eq!(errors.for_field("subject"), Some(Invalid::LineBreak));
        assert_eq!(errors.for_field("text"), Some(Invalid::Required));
        assert_eq!(errors.for_field("html"), Some(Invalid::TooLarge(BODY_MAX_KIB)));
        assert_eq!(errors.for_field("reply_to"), Some(Invalid::EmailFormat));
        assert_eq!(errors.for_field("idempotency_key"), Some(Invalid::LineBreak));
    }

    #[test]
    fn recipients_are_bounded_and_counted_once() {
        let mut many = input();
        many.to = (0..=RECIPIENTS_MAX).map(|i| format!("c{i}@example.com")).collect();
        assert_eq!(Notification::parse(&many).unwrap_err().for_field("to"), Some(Invalid::TooMany(RECIPIENTS_MAX)));
        let mut twice = input();
        twice.to = vec!["a@example.com".into(), " a@example.com".into()];
        assert_eq!(Notification::parse(&twice).unwrap().to.len(), 1);
        let mut none = input();
        none.to = vec![];
        assert_eq!(Notification::parse(&none).unwrap_err().for_field("to"), Some(Invalid::Required));
    }

    #[test]
    fn a_body_keeps_its_lines_but_not_other_control_characters() {
        let mut nul = input();
        nul.text = "a\u{0}b".into();
        assert_eq!(Notification::parse(&nul).unwrap_err().for_field("text"), Some(Invalid::LineBreak));
    }
}
