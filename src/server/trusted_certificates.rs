//! «Доверенные сертификаты»: an administrator trusts a company mail server's own certificate for
//! one host and port of their tenant (from a check report that showed it), sees the list and
//! forgets one. Every mail conversation of the tenant gets the list (`mail_for`); nothing else
//! ever trusts it. Only a certificate a check of the same tenant was shown within the hour can be
//! trusted (the report carries the server's proof), so a made-up report in a crafted link cannot
//! plant one. Each change leaves an audit row.

use super::db::{self, Tx};
use super::mail::MailContext;
use super::session::Admin;
use super::state::AppState;
use super::time_zone;
use crate::model::check::CheckReport;
use crate::model::error::AppError;
use crate::model::trusted_certificates::{Fingerprint, ForgetInput, TrustInput, TrustedCertificate, TrustedView};
use crate::model::{Invalid, TenantId};

/// How long a check report's certificate can be trusted from it.
const PROOF_VALID_SECS: i64 = 3600;

/// What a proof vouches for: this tenant's check was shown this certificate there, until then.
fn statement(tenant: TenantId, host: &str, port: u16, sha256: &str, until: i64) -> String {
    format!("pochta|shown-certificate|tenant={tenant}|host={host}|port={port}|sha256={sha256}|until={until}")
}

/// The report, its certificate (if it shows one) vouched for as shown to `tenant` (see
/// `CertificateView::proof`). Every check whose report can offer «Доверять этому сертификату»
/// passes its report through here.
pub fn vouched(state: &AppState, tenant: TenantId, mut report: CheckReport) -> CheckReport {
    if let Some(c) = report.failure.as_mut().and_then(|f| f.certificate.as_mut()) {
        let until = db::now_millis() / 1000 + PROOF_VALID_SECS;
        let token = state.secrets.attest(&statement(tenant, &c.host, c.port, &c.sha256, until));
        c.proof = format!("{until}.{token}");
    }
    report
}

/// Whether `proof` vouches that a check of `tenant` was shown `certificate` recently.
fn shown(state: &AppState, tenant: TenantId, certificate: &TrustedCertificate, proof: &str) -> bool {
    let Some((until, token)) = proof.split_once('.') else { return false };
    let Ok(until) = until.parse::<i64>() else { return false };
    let (host, port, sha256) = (certificate.host.as_str(), certificate.port.get(), certificate.sha256.as_str());
    until >= db::now_millis() / 1000 && state.secrets.attested(token, &statement(tenant, host, port, sha256, until))
}

/// The tenant's trusted certificates, as the TLS step compares with them.
pub async fn of_tenant(tx: &mut Tx, tenant: TenantId) -> Result<Vec<TrustedCertificate>, AppError> {
    let rows = db::trusted_certificates::list(tx, tenant).await?;
    Ok(rows.iter().filter_map(|row| row.certificate()).collect())
}

/// The mail context for a conversation of `tenant`: its connections counted against it, its
/// trusted certificates honoured.
pub async fn mail_for(state: &AppState, tenant: TenantId) -> Result<MailContext, AppError> {
    let mut tx = state.db.read(tenant).await?;
    let trusted = of_tenant(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(state.mail.for_tenant(tenant).trusting(trusted))
}

pub async fn list(state: &AppState, admin: &Admin) -> Result<Vec<TrustedView>, AppError> {
    let mut tx = state.db.read(admin.tenant).await?;
    let views = views(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(views)
}

/// «Доверять этому сертификату»: the fingerprint the administrator was shown, for that server.
/// Gives the list and the fingerprint now trusted.
pub async fn trust(
    state: &AppState,
    admin: &Admin,
    input: TrustInput,
) -> Result<(Vec<TrustedView>, Fingerprint), AppError> {
    let certificate = input.parse()?;
    if !shown(state, admin.tenant, &certificate, &input.proof) {
        return Err(AppError::field("certificate_sha256", Invalid::CertificateNotShown));
    }
    let mut tx = state.db.write(admin.tenant).await?;
    db::trusted_certificates::put(&mut tx, admin.tenant, admin.id, &certificate).await?;
    let any_name = if certificate.any_name { ", any name" } else { "" };
    let details = format!("{}:{} {}{any_name}", certificate.host, certificate.port, certificate.sha256);
    db::audit::record(&mut tx, admin.tenant, Some(admin.id), "trust", "trusted_certificate", &details).await?;
    let views = views(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    tracing::info!(tenant = admin.tenant.0, host = %certificate.host, port = certificate.port.get(), "certificate trusted");
    Ok((views, certificate.sha256))
}

/// «Больше не доверять».
pub async fn forget(state: &AppState, admin: &Admin, input: ForgetInput) -> Result<Vec<TrustedView>, AppError> {
    let (host, port) = input.parse()?;
    let mut tx = state.db.write(admin.tenant).await?;
    if !db::trusted_certificates::delete(&mut tx, admin.tenant, &host, port).await? {
        return Err(AppError::NotFound);
    }
    db::audit::record(
        &mut tx,
        admin.tenant,
        Some(admin.id),
        "forget",
        "trusted_certificate",
        &format!("{host}:{port}"),
    )
    .await?;
    let views = views(&mut tx, admin.tenant).await?;
    tx.commit().await?;
    Ok(views)
}

async fn views(tx: &mut Tx, tenant: TenantId) -> Result<Vec<TrustedView>, AppError> {
    let zone = time_zone::of_tenant(tx, tenant).await?;
    let rows = db::trusted_certificates::list(tx, tenant).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let certificate = row.certificate()?;
            Some(TrustedView {
                host: certificate.host.unicode(),
                host_ascii: certificate.host.as_str().to_string(),
                port: certificate.port.get(),
                sha256: certificate.sha256,
                any_name: certificate.any_name,
                trusted_at: time_zone::moment(zone, row.trusted_at),
                trusted_by: row.trusted_by,
            })
        })
        .collect())
}
