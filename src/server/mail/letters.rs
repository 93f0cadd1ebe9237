//! The letters Pochta writes by itself: the test letter, the check message an account sends to
//! itself, the «обновление завершено» notification. Headers are encoded by lettre; names and
//! addresses are already one-line values (CR/LF refused by the model types).

use super::smtp::Letter;
use crate::i18n::{t, tf};
use crate::model::time_zone::Moment;
use crate::model::{EmailAddress, Lang, SenderName};
use lettre::message::{header::ContentType, Mailbox, Message, MultiPart};

pub struct Sender<'a> {
    pub name: Option<&'a SenderName>,
    pub address: &'a EmailAddress,
}

/// A plain-text letter from `from` to `to`.
pub fn compose(from: &Sender<'_>, to: &EmailAddress, subject: &str, body: String) -> Result<Letter, String> {
    let from_address: lettre::Address = from.address.as_str().parse().map_err(|e| format!("sender: {e}"))?;
    let to_address: lettre::Address = to.as_str().parse().map_err(|e| format!("recipient: {e}"))?;
    let message = Message::builder()
        .from(Mailbox::new(from.name.map(|n| n.as_str().to_string()), from_address))
        .to(Mailbox::new(None, to_address))
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())?;
    Ok(Letter { envelope_from: from.address.clone(), envelope_to: vec![to.clone()], bytes: message.formatted() })
}

/// A notification the host application queued: to every recipient, its text and, if given, its
/// HTML as the alternative, with the Message-ID it was queued with (the same on every attempt, so
/// a letter sent twice after a crash is recognisably one).
pub struct Notification<'a> {
    pub to: &'a [EmailAddress],
    pub reply_to: Option<&'a EmailAddress>,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
    pub message_id: &'a str,
}

pub fn notification(from: &Sender<'_>, n: &Notification<'_>) -> Result<Letter, String> {
    let mailbox = |a: &EmailAddress| a.as_str().parse::<lettre::Address>().map(|a| Mailbox::new(None, a));
    let from_address: lettre::Address = from.address.as_str().parse().map_err(|e| format!("sender: {e}"))?;
    let mut builder = Message::builder()
        .from(Mailbox::new(from.name.map(|n| n.as_str().to_string()), from_address))
        .subject(n.subject)
        .message_id(Some(n.message_id.to_string()));
    for to in n.to {
        builder = builder.to(mailbox(to).map_err(|e| format!("recipient: {e}"))?);
    }
    if let Some(reply_to) = n.reply_to {
        builder = builder.reply_to(mailbox(reply_to).map_err(|e| format!("reply-to: {e}"))?);
    }
    let message = match n.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(n.text.to_string(), html.to_string())),
        None => builder.header(ContentType::TEXT_PLAIN).body(n.text.to_string()),
    }
    .map_err(|e| e.to_string())?;
    Ok(Letter { envelope_from: from.address.clone(), envelope_to: n.to.to_vec(), bytes: message.formatted() })
}

/// «Отправить» on the «Почта» tab.
pub fn test_letter(
    lang: Lang,
    from: &Sender<'_>,
    to: &EmailAddress,
    tenant: &str,
    now: Moment,
) -> Result<Letter, String> {
    let body = tf(lang, "letter.test_body", &[("tenant", tenant), ("time", &now.to_string())]);
    compose(from, to, t(lang, "letter.test_subject"), body)
}

/// The message a sending account sends to its own address when it is saved or checked.
pub fn account_check_letter(lang: Lang, from: &Sender<'_>, now: Moment) -> Result<Letter, String> {
    let body = tf(lang, "letter.check_body", &[("time", &now.to_string())]);
    compose(from, from.address, t(lang, "letter.check_subject"), body)
}

/// «Обновление завершено» for a tenant's administrator: its subject and text, queued in the
/// outbox like any notification.
pub fn update_completed(lang: Lang, version: &str, now: Moment) -> (String, String) {
    let subject = tf(lang, "letter.update_subject", &[("version", version)]);
    (subject, tf(lang, "letter.update_body", &[("version", version), ("time", &now.to_string())]))
}

/// To an administrator: an account notifications go through failed `failures` letters in a row
/// since `since`, the last one for the reason explained.
pub fn account_failing(lang: Lang, address: &str, failures: i64, since: Moment, reason: &str) -> (String, String) {
    let subject = tf(lang, "letter.failing_subject", &[("address", address)]);
    let body = tf(
        lang,
        "letter.failing_body",
        &[("address", address), ("failures", &failures.to_string()), ("since", &since.to_string()), ("reason", reason)],
    );
    (subject, body)
}

/// To an administrator: the certificate the server of an account showed expires at `expires`.
pub fn certificate_expiring(lang: Lang, server: &str, address: &str, expires: Moment) -> (String, String) {
    let subject = tf(lang, "letter.certificate_subject", &[("server", server)]);
    let body = tf(
        lang,
        "letter.certificate_body",
        &[("server", server), ("address", address), ("expires", &expires.to_string())],
    );
    (subject, body)
}
