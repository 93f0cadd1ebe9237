//! «Доверять этому сертификату»: a company mail server with its own self-signed certificate (a
//! real Postfix and Dovecot on loopback, at office.pochta.test) is refused until an administrator
//! trusts that certificate for that host and port; then letters go through; a replaced
//! certificate is refused again, showing both fingerprints; the trust is one tenant's only.

use crate::support::forms::{invited_user, mail_tab_form, manual_account, open_mail_tab, receiving_only, saved};
use crate::support::mail_servers::{spawn_app_with_mail, wait_for_message, MailServers, OfficeCertificate};
use crate::support::{unique, Browser, TestApp};
use pochta::model::check::{CertificateView, CheckReport, Reason, Side, Step};
use pochta::model::crm_email::{MailTabInput, MailTabOutcome};
use pochta::model::error::AppError;
use pochta::model::trusted_certificates::TrustedView;
use pochta::model::Invalid;

const OFFICE: &str = "office.pochta.test";

async fn tenant(app: &TestApp, organisation: &str, email: &str) -> Browser {
    let admin = app.new_tenant(organisation, email).await;
    open_mail_tab(&admin).await;
    admin
}

/// A test letter from the «Почта» tab through the company server on `port`.
fn office_letter(mail: &MailServers, host: &str, port: u16, use_ssl: bool, organisation: &str) -> MailTabInput {
    let mut form = mail_tab_form(mail, port, use_ssl);
    form.smtp_host = host.into();
    form.sender_name = organisation.into();
    form
}

async fn send(admin: &Browser, form: &MailTabInput) -> Result<MailTabOutcome, AppError> {
    admin.submit("crm_email/submit", form).await
}

/// The failed check's reason and the certificate it showed; the login was never tried.
async fn refused(admin: &Browser, form: &MailTabInput) -> (Reason, CertificateView, CheckReport) {
    let report = match send(admin, form).await {
        Err(AppError::CheckFailed(report)) => report,
        other => panic!("expected a refused certificate, got {other:?}"),
    };
    assert!(!report.steps.iter().any(|s| s.step == Step::Login), "the password went nowhere: {report:?}");
    let failure = report.failure.clone().unwrap();
    (failure.reason, *failure.certificate.expect("the certificate is shown"), report)
}

async fn trust(admin: &Browser, certificate: &CertificateView, any_name: bool) -> Result<Vec<TrustedView>, AppError> {
    let port = certificate.port.to_string();
    let mut form = vec![
        ("certificate_host", certificate.host.as_str()),
        ("certificate_port", port.as_str()),
        ("certificate_sha256", certificate.sha256.as_str()),
        ("certificate_proof", certificate.proof.as_str()),
    ];
    if any_name {
        form.push(("certificate_any_name", "on"));
    }
    admin.submit("trusted_certificates/trust", &form).await
}

#[tokio::test]
async fn a_company_servers_own_certificate_is_trusted_by_fingerprint_for_that_server_and_tenant_only() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let office = OfficeCertificate::take(&mail).await;
    let organisation = unique("Ромашка");
    let admin = tenant(&app, &organisation, "anna@romashka.test").await;
    let smtps = office_letter(&mail, OFFICE, mail.office_smtps, true, &organisation);
    let starttls = office_letter(&mail, OFFICE, mail.office_submission, false, &organisation);

    // Refused on both ports, the certificate shown — for STARTTLS too.
    let (reason, shown, _) = refused(&admin, &smtps).await;
    assert_eq!(reason, Reason::CertificateUntrusted);
    assert_eq!(shown.sha256, office.fingerprint("a"));
    assert_eq!((shown.host.as_str(), shown.port, shown.names_host), (OFFICE, mail.office_smtps, true));
    assert!(shown.subject.contains("Romashka") && shown.issuer.contains("Romashka"), "self-signed: {shown:?}");
    let (reason, shown_starttls, _) = refused(&admin, &starttls).await;
    assert_eq!(reason, Reason::CertificateUntrusted);
    assert_eq!(shown_starttls.sha256, office.fingerprint("a"));

    // Only a certificate a check of this company was shown can be trusted: not another one (a
    // report made up in a crafted link), not for another port, not with another company's proof.
    let forged = CertificateView { sha256: office.fingerprint("b"), ..shown.clone() };
    let elsewhere = CertificateView { port: mail.office_submission, ..shown.clone() };
    let unproven = CertificateView { proof: String::new(), ..shown.clone() };
    for made_up in [&forged, &elsewhere, &unproven] {
        let refusal = trust(&admin, made_up, false).await.unwrap_err();
        assert_eq!(refusal.field_problem("certificate_sha256"), Some(Invalid::CertificateNotShown), "{made_up:?}");
    }
    let stranger = tenant(&app, &unique("Незнакомец"), "ivan@stranger.test").await;
    let refusal = trust(&stranger, &shown, false).await.unwrap_err();
    assert_eq!(refusal.field_problem("certificate_sha256"), Some(Invalid::CertificateNotShown));
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM trusted_certificates").fetch_one(app.inspect()).await.unwrap();
    assert_eq!(stored, 0, "nothing trusted by any of these");

    // A user who is not an administrator may not trust it.
    let user = invited_user(&app, &admin, "boris@romashka.test", "user", crate::support::PASSWORD).await;
    assert!(matches!(trust(&user, &shown, false).await, Err(AppError::Forbidden)));

    // Trusted for implicit TLS: the letter goes through and arrives; STARTTLS (another port)
    // is still refused until trusted too.
    let list = trust(&admin, &shown, false).await.expect("trusted");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].host.as_str(), list[0].port), (OFFICE, mail.office_smtps));
    assert_eq!(list[0].trusted_by.as_deref(), Some("Администратор"));
    let report = match send(&admin, &smtps).await.expect("the letter is sent") {
        MailTabOutcome::TestLetterSent { report, .. } => report,
        other => panic!("{other:?}"),
    };
    assert!(report.passed(), "{report:?}");
    wait_for_message(&mail, "bob", &organisation).await;
    assert_eq!(refused(&admin, &starttls).await.0, Reason::CertificateUntrusted, "only for the port trusted");
    trust(&admin, &shown_starttls, false).await.expect("trusted");
    assert!(send(&admin, &starttls).await.is_ok(), "STARTTLS with the trusted certificate");

    // Who trusted what is in the audit log.
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'trust' AND object = 'trusted_certificate' AND details LIKE $1",
    )
    .bind(format!("{OFFICE}:{}%", mail.office_smtps))
    .fetch_one(app.inspect())
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Another company on the same deployment trusts nothing of it.
    let other = tenant(&app, &unique("Лютик"), "lena@lyutik.test").await;
    assert_eq!(refused(&other, &smtps).await.0, Reason::CertificateUntrusted);
    let listed: Vec<TrustedView> = other.call("trusted_certificates/list", &[]).await.unwrap();
    assert!(listed.is_empty());
    let port = mail.office_smtps.to_string();
    let forget = [("host", OFFICE), ("port", port.as_str())];
    assert_eq!(other.submit::<Vec<TrustedView>>("trusted_certificates/forget", &forget).await, Err(AppError::NotFound));
    let mine: Vec<TrustedView> = admin.call("trusted_certificates/list", &[]).await.unwrap();
    assert_eq!(mine.len(), 2, "another company cannot forget this one's trust");

    // The server's certificate is replaced: refused on both ports, with both fingerprints.
    office.show("b");
    for form in [&smtps, &starttls] {
        let (reason, shown, _) = refused(&admin, form).await;
        assert_eq!(reason, Reason::CertificateChanged);
        assert_eq!(shown.sha256, office.fingerprint("b"), "the new certificate");
        assert_eq!(shown.trusted_sha256, Some(office.fingerprint("a")), "and the one trusted");
    }
}

#[tokio::test]
async fn a_certificate_naming_another_server_is_trusted_only_when_that_is_accepted_too() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let _office = OfficeCertificate::take(&mail).await;
    let organisation = unique("Ромашка");
    let admin = tenant(&app, &organisation, "anna@romashka.test").await;
    // The same server, named `localhost`: its certificate names office.pochta.test.
    for (port, use_ssl) in [(mail.office_smtps, true), (mail.office_submission, false)] {
        let form = office_letter(&mail, "localhost", port, use_ssl, &organisation);
        let (reason, shown, _) = refused(&admin, &form).await;
        assert_eq!(reason, Reason::CertificateUntrusted);
        assert!(!shown.names_host, "{shown:?}");

        trust(&admin, &shown, false).await.expect("trusted for its name only");
        assert_eq!(refused(&admin, &form).await.0, Reason::CertificateWrongHost, "port {port}");
        let list = trust(&admin, &shown, true).await.expect("trusted for any name");
        assert!(list.iter().find(|t| t.port == port).unwrap().any_name);
        assert!(send(&admin, &form).await.is_ok(), "the name mismatch was accepted explicitly (port {port})");
    }
}

#[tokio::test]
async fn the_directory_trusts_a_company_imap_server_and_a_plain_form_can_trust_and_forget() {
    let (app, mail) = spawn_app_with_mail(&[]).await;
    let admin = tenant(&app, &unique("Ромашка"), "anna@romashka.test").await;
    // Dovecot shows the company's self-signed certificate to office.pochta.test (SNI).
    let mut account = receiving_only(manual_account(&mail, "carol"), "imap", mail.imaps, "ssl");
    account.incoming_host = OFFICE.into();
    let report = match admin.submit_account(&account).await {
        Err(AppError::CheckFailed(report)) => report,
        other => panic!("expected a refused certificate, got {other:?}"),
    };
    let failure = report.failure.unwrap();
    assert_eq!((failure.side, failure.reason), (Side::Incoming, Reason::CertificateUntrusted));
    let shown = failure.certificate.unwrap();
    assert_eq!(shown.port, mail.imaps);
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM email_accounts WHERE address LIKE 'carol@%'")
        .fetch_one(app.inspect())
        .await
        .unwrap();
    assert_eq!(accounts, 0, "not saved before its check passes");

    // Without JavaScript: the button posts the report's fields and comes back to the page.
    let port = shown.port.to_string();
    let back = admin
        .submit_plain_form(
            "trusted_certificates/trust",
            "/directories/email-accounts/new?run=r1",
            &[
                ("certificate_host", shown.host.as_str()),
                ("certificate_port", &port),
                ("certificate_sha256", &shown.sha256.to_lowercase()),
                ("certificate_proof", &shown.proof),
            ],
        )
        .await;
    assert!(back.status().is_redirection(), "{}", back.status());
    let location = back.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/directories/email-accounts/new?run=r1&certificate_trusted={}", shown.sha256));
    saved(&admin.submit_account(&account).await.expect("the check passes, the account is saved"));

    // A fingerprint that is not one is refused at its field.
    let bad = admin
        .submit::<Vec<TrustedView>>(
            "trusted_certificates/trust",
            &[("certificate_host", OFFICE), ("certificate_port", "993"), ("certificate_sha256", "12:34")],
        )
        .await
        .unwrap_err();
    assert_eq!(bad.field_problem("certificate_sha256"), Some(Invalid::FingerprintFormat));

    // «Больше не доверять»: gone, audited, and the server is refused again.
    let left: Vec<TrustedView> = admin
        .submit("trusted_certificates/forget", &[("host", OFFICE), ("port", port.as_str())])
        .await
        .expect("forgotten");
    assert!(left.is_empty());
    let forgotten: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'forget' AND object = 'trusted_certificate'")
            .fetch_one(app.inspect())
            .await
            .unwrap();
    assert_eq!(forgotten, 1);
    let mut another = account.clone();
    another.name = "Ещё один ящик".into();
    assert!(matches!(admin.submit_account(&another).await, Err(AppError::CheckFailed(_))));
}
