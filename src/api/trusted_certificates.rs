//! «Доверенные сертификаты»: administrators trust a company mail server's own certificate for one
//! host and port (from a check report), list what is trusted and forget it.

use crate::model::error::AppError;
use crate::model::trusted_certificates::{ForgetInput, TrustInput, TrustedView};
use leptos::prelude::*;

#[server(endpoint = "trusted_certificates/list")]
pub async fn trusted_certificates() -> Result<Vec<TrustedView>, AppError> {
    use crate::server::{trusted_certificates, web};
    let admin = web::require_admin().await?;
    trusted_certificates::list(&web::state()?, &admin).await
}

#[server(endpoint = "trusted_certificates/trust")]
pub async fn trust_certificate(#[server(flatten)] input: TrustInput) -> Result<Vec<TrustedView>, AppError> {
    use crate::server::{trusted_certificates, web};
    let admin = web::require_admin().await?;
    let (views, trusted) = trusted_certificates::trust(&web::state()?, &admin, input).await?;
    if web::plain_form() {
        web::back_with("certificate_trusted", trusted.as_str());
    }
    Ok(views)
}

#[server(endpoint = "trusted_certificates/forget")]
pub async fn forget_certificate(#[server(flatten)] input: ForgetInput) -> Result<Vec<TrustedView>, AppError> {
    use crate::server::{trusted_certificates, web};
    let admin = web::require_admin().await?;
    trusted_certificates::forget(&web::state()?, &admin, input).await
}
