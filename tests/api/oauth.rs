//! Signing in with the provider's access token (SASL XOAUTH2) at the real Postfix and Dovecot on
//! loopback, with tokens from the loopback authorization server (end2end/oauth-server.mjs) that
//! Dovecot checks against its signing key: a letter goes out over SMTP and is found over IMAP and
//! POP3 with a token; a token for another address, or one altered on the way, is refused at every
//! server and explained as a refused sign-in with the provider, never as a wrong password.

use crate::support::mail_servers::{count_messages, MailServers};
use crate::support::unique;
use pochta::model::check::{Reason, Side};
use pochta::model::{EmailAddress, Host, Port, Protocol, Security, ServerAddress};
use pochta::server::dns::Dns;
use pochta::server::mail::egress::Egress;
use pochta::server::mail::letters::{compose, Sender};
use pochta::server::mail::login::Login;
use pochta::server::mail::report::Recorder;
use pochta::server::mail::smtp::{self, Errand};
use pochta::server::mail::tls::TlsTrust;
use pochta::server::mail::{imap, MailContext};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// The loopback authorization server's token endpoint.
fn token_endpoint() -> String {
    let base = std::env::var("POCHTA_TEST_OAUTH_URL")
        .expect("POCHTA_TEST_OAUTH_URL is not set: scripts/mail-servers.sh starts the authorization server");
    format!("{base}/token")
}

/// An HTTPS client trusting the test CA (the authorization server's certificate is from it).
fn https(mail: &MailServers) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&mail.ca_file).unwrap()).unwrap();
    reqwest::Client::builder().add_root_certificate(ca).build().unwrap()
}

/// An access token the authorization server issues for `email`.
async fn token_for(mail: &MailServers, email: &str) -> SecretString {
    let answer: serde_json::Value = https(mail)
        .post(token_endpoint())
        .form(&[("grant_type", "password"), ("username", email), ("client_id", "pochta-test")])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().expect("an access token").to_string().into()
}

/// What the app builds at start, allowed to reach the test servers and trusting their CA.
fn mail_context(mail: &MailServers) -> MailContext {
    let dns = Dns::at(std::env::var("POCHTA_TEST_DNS").unwrap().parse().unwrap());
    let ports = [mail.smtp_starttls, mail.smtps, mail.imap, mail.imaps, mail.pop3, mail.pop3s];
    let allow: Vec<String> = ports.iter().map(|p| format!("localhost:{p}")).collect();
    let egress = Egress::new(Arc::new(dns), &allow, &ports).unwrap();
    MailContext {
        egress: Arc::new(egress),
        tls: Arc::new(TlsTrust::load(Some(std::path::Path::new(&mail.ca_file))).unwrap()),
        step_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(20),
        tenant: None,
        trusted: Arc::from([]),
    }
}

fn server(port: u16, security: Security) -> ServerAddress {
    ServerAddress { host: Host::parse("localhost").unwrap(), port: Port::new(port.into()).unwrap(), security }
}

async fn incoming(
    ctx: &MailContext,
    protocol: Protocol,
    at: &ServerAddress,
    login: &Login<'_>,
) -> Result<u32, pochta::server::mail::report::StepFailure> {
    let mut rec = Recorder::new(ctx.step_timeout, None);
    imap::check(ctx, protocol, at, login, None, &mut rec).await
}

#[tokio::test]
async fn a_letter_goes_out_with_the_providers_token_and_is_found_with_it_over_imap_and_pop3() {
    let mail = MailServers::from_env();
    let ctx = mail_context(&mail);
    let (alice, bob) = (mail.address("alice"), mail.address("bob"));
    let token = token_for(&mail, &alice).await;
    let login = Login::access_token(&alice, &token);

    let subject = unique("XOAUTH2");
    let from = EmailAddress::parse(&alice).unwrap();
    let letter = compose(
        &Sender { name: None, address: &from },
        &EmailAddress::parse(&bob).unwrap(),
        &subject,
        "Отправлено со входом через провайдера.".into(),
    )
    .unwrap();
    for at in [server(mail.smtps, Security::Ssl), server(mail.smtp_starttls, Security::StartTls)] {
        let report = smtp::errand(&ctx, &at, &login, Errand::Send(&letter), None).await;
        assert!(report.passed(), "{report:?}");
    }
    let mut found = 0;
    for _ in 0..100 {
        found = count_messages(&mail, "bob", &subject).await;
        if found == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found, 2, "both letters sent with the token arrive");

    // Bob reads his mailbox with his own token, over every incoming server.
    let bobs = token_for(&mail, &bob).await;
    let bob_login = Login::access_token(&bob, &bobs);
    for (protocol, at) in [
        (Protocol::Imap, server(mail.imaps, Security::Ssl)),
        (Protocol::Imap, server(mail.imap, Security::StartTls)),
        (Protocol::Pop3, server(mail.pop3s, Security::Ssl)),
        (Protocol::Pop3, server(mail.pop3, Security::StartTls)),
    ] {
        let messages =
            incoming(&ctx, protocol, &at, &bob_login).await.unwrap_or_else(|f| panic!("{protocol:?}: {f:?}"));
        assert!(messages >= 2, "{protocol:?} sees the letters: {messages}");
    }
}

#[tokio::test]
async fn a_token_for_another_address_or_an_altered_one_is_refused_and_explained() {
    let mail = MailServers::from_env();
    let ctx = mail_context(&mail);
    let alice = mail.address("alice");
    let bobs = token_for(&mail, &mail.address("bob")).await;
    // The same token with one letter inside its signature changed (not the last one, whose low
    // bits are padding a decoder may ignore).
    let alices = token_for(&mail, &alice).await;
    let mut altered: Vec<char> = alices.expose_secret().chars().collect();
    let at = altered.len() - 10;
    altered[at] = if altered[at] == 'A' { 'B' } else { 'A' };
    let altered: SecretString = altered.into_iter().collect::<String>().into();

    for token in [&bobs, &altered] {
        let login = Login::access_token(&alice, token);
        for at in [server(mail.smtps, Security::Ssl), server(mail.smtp_starttls, Security::StartTls)] {
            let report = smtp::errand(&ctx, &at, &login, Errand::Login, None).await;
            let failure = report.failure.expect("refused");
            assert_eq!((failure.side, failure.reason), (Side::Outgoing, Reason::TokenRefused), "{failure:?}");
            assert!(failure.server_reply.is_some_and(|r| r.starts_with("535")));
        }
        for (protocol, at) in
            [(Protocol::Imap, server(mail.imaps, Security::Ssl)), (Protocol::Pop3, server(mail.pop3s, Security::Ssl))]
        {
            let failure = incoming(&ctx, protocol, &at, &login).await.expect_err("refused");
            assert_eq!(failure.reason, Reason::TokenRefused, "{protocol:?}: {failure:?}");
        }
    }

    // The token is no password: as one, it opens nothing.
    let as_password = Login::password(&alice, &alices);
    let report = smtp::errand(&ctx, &server(mail.smtps, Security::Ssl), &as_password, Errand::Login, None).await;
    assert_eq!(report.failure.map(|f| f.reason), Some(Reason::WrongLoginOrPassword));
}
