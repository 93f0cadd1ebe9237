//! HTTP concerns around the app: security headers with a per-request CSP nonce, the cross-origin
//! check that server functions lack, cookies, and reaching the request from a server function.

use super::session::{self, Admin, CurrentUser, SECURE_SESSION_COOKIE, SESSION_COOKIE};
use super::state::AppState;
use crate::i18n::LANG_COOKIE;
use crate::model::error::AppError;
use crate::model::Lang;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::request::Parts;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::ResponseOptions;
use rand::RngCore;
use std::net::{IpAddr, SocketAddr};

/// The nonce of this request's Content-Security-Policy, given to Leptos for its inline scripts.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Adds the security headers to every response. The CSP allows only this origin's scripts, the
/// nonce-tagged inline hydration scripts, and compiling the WASM (`'wasm-unsafe-eval'`).
pub async fn security_headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let https = state.config.secure_cookies || forwarded_https(request.headers());
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let nonce = URL_SAFE_NO_PAD.encode(bytes);
    request.extensions_mut().insert(CspNonce(nonce.clone()));

    // The bundle by where it is asked for: its 304 answers have no content type to tell by.
    let pkg = &*state.leptos_options.site_pkg_dir;
    let is_bundle =
        request.uri().path().strip_prefix('/').and_then(|p| p.strip_prefix(pkg)).is_some_and(|p| p.starts_with('/'));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Forms post to this origin only; «Войти через …» is sent on to a configured provider.
    let mut form_action = String::from("'self'");
    for origin in state.oauth.authorize_origins() {
        form_action.push(' ');
        form_action.push_str(&origin);
    }
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action {form_action}; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Same-origin referrers are kept: plain HTML forms are redirected back to their page by them.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if https {
        // Behind HTTPS only: on plain HTTP it would be ignored, and on a development machine
        // it would lock the browser to HTTPS.
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    // Pages and server-function answers carry a user's data: never cache them. The bundle may be
    // kept, but is asked about on every visit (`Last-Modified`, an unchanged one costs a 304): its
    // names carry no hash, and a bundle kept from before an update would not match the new pages.
    let policy = if is_bundle { "no-cache" } else { "no-store" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// Refuses state-changing requests that a browser sent on behalf of another site (CSRF):
/// `Sec-Fetch-Site` when the browser sends it, otherwise `Origin` against `Host`. Requests with
/// neither come from programs, not from a victim's browser, and pass.
pub async fn cross_origin_guard(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    if is_cross_origin(&request) {
        tracing::warn!(path = %request.uri().path(), "cross-origin request refused");
        let body = serde_json::to_string(&AppError::CrossSite).unwrap_or_default();
        return Response::builder()
            .status(StatusCode::FORBIDDEN)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap_or_else(|_| StatusCode::FORBIDDEN.into_response());
    }
    next.run(request).await
}

fn is_cross_origin(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none" is a navigation the user started (typed URL, bookmark).
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}

/// Gives server-function errors their HTTP status (server functions answer every error with
/// 500): 400 for refused input, 401, 403, 409, 429, 503 and so on, so logs, proxies and the
/// browser see what happened.
pub async fn error_status(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The app state, from the context of a server function or a page render.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| super::fail::internal("no AppState in context", "missing"))
}

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| super::fail::internal("no request Parts in context", "missing"))
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The signed-in user of this request, if any.
pub async fn optional_user() -> Result<Option<CurrentUser>, AppError> {
    user_of(&state()?, &parts()?).await
}

/// The signed-in user of a request's `parts`, if any (for handlers outside server functions).
pub async fn user_of(state: &AppState, parts: &Parts) -> Result<Option<CurrentUser>, AppError> {
    let Some(token) = cookie(parts, SECURE_SESSION_COOKIE).or_else(|| cookie(parts, SESSION_COOKIE)) else {
        return Ok(None);
    };
    session::session_user(&state.db, &state.sessions, &token).await
}

/// The signed-in user of this request; every protected server function starts here.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    optional_user().await?.ok_or(AppError::NotSignedIn)
}

/// A signed-in administrator: the capability every administrators-only function takes.
pub async fn require_admin() -> Result<Admin, AppError> {
    require_user().await?.admin()
}

/// The address the request came from: the last one a trusted proxy wrote into the operator's
/// header (`--client-address-header`), else the connection's.
pub fn client_address(state: &AppState) -> Result<IpAddr, AppError> {
    let parts = parts()?;
    let from_proxy = state.config.client_address_header.as_deref().and_then(|name| {
        let value = parts.headers.get_all(name).iter().next_back()?.to_str().ok()?;
        value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
    });
    let connection = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    from_proxy.or(connection).ok_or_else(|| super::fail::internal("no client address", "missing"))
}

fn served_over_https(parts: &Parts, state: &AppState) -> bool {
    state.config.secure_cookies || forwarded_https(&parts.headers)
}

/// A reverse proxy in front says the browser used HTTPS.
fn forwarded_https(headers: &http::HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

fn add_cookie(name: &str, value: &str, max_age_secs: i64, http_only: bool) -> Result<(), AppError> {
    let parts = parts()?;
    let state = state()?;
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if served_over_https(&parts, &state) {
        cookie.push_str("; Secure");
    }
    let response =
        use_context::<ResponseOptions>().ok_or_else(|| super::fail::internal("no ResponseOptions", "missing"))?;
    let value = HeaderValue::from_str(&cookie).map_err(|e| super::fail::internal("bad cookie", e))?;
    response.append_header(header::SET_COOKIE, value);
    Ok(())
}

pub fn set_session_cookie(token: &str) -> Result<(), AppError> {
    let name = if served_over_https(&parts()?, &state()?) { SECURE_SESSION_COOKIE } else { SESSION_COOKIE };
    add_cookie(name, token, session::SESSION_TTL_MS / 1000, true)
}

pub fn clear_session_cookie() -> Result<(), AppError> {
    if served_over_https(&parts()?, &state()?) {
        add_cookie(SECURE_SESSION_COOKIE, "", 0, true)?;
    }
    add_cookie(SESSION_COOKIE, "", 0, true)
}

/// The cookie that carries a secret shown once (a new API key) across the redirect of a plain
/// form, to the page that shows it.
const SHOWN_ONCE_COOKIE: &str = "pochta_shown_once";

/// After a plain form (no JavaScript) made a secret to show once: this browser alone keeps it for
/// a minute (HttpOnly), and the page it is sent back to shows it and clears it
/// ([`take_shown_once`]). Nothing more is kept on the server.
pub fn keep_shown_once(secret: &str) -> Result<(), AppError> {
    add_cookie(SHOWN_ONCE_COOKIE, secret, 60, true)
}

/// The secret a plain form left to show, cleared as it is taken.
pub fn take_shown_once() -> Result<Option<String>, AppError> {
    let Some(secret) = cookie(&parts()?, SHOWN_ONCE_COOKIE).filter(|s| !s.is_empty()) else { return Ok(None) };
    add_cookie(SHOWN_ONCE_COOKIE, "", 0, true)?;
    Ok(Some(secret))
}

/// The language cookie is what pages are rendered in; it follows the user's saved choice.
pub fn set_lang_cookie(lang: Lang) -> Result<(), AppError> {
    add_cookie(LANG_COOKIE, lang.code(), 400 * 24 * 3600, false)
}

/// The language of the page being rendered: the cookie, else Russian.
pub fn request_lang() -> Lang {
    use_context::<Parts>().and_then(|p| cookie(&p, LANG_COOKIE)).map(|c| Lang::from_code(&c)).unwrap_or_default()
}

/// Whether the request is a plain HTML form post (no WASM yet): it accepts HTML, not the server
/// function's answer.
pub fn plain_form() -> bool {
    use_context::<Parts>()
        .and_then(|p| p.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(|a| a.contains("text/html")))
        .unwrap_or(false)
}

/// After a plain HTML form succeeded, sends the browser to `path`. The hydrated app navigates by
/// itself and must get the server function's answer instead of a redirect.
pub fn redirect_plain_form(path: &str) {
    if plain_form() {
        leptos_axum::redirect(path);
    }
}

/// Sends the browser to another site (a mail provider's sign-in): a plain HTML form by a
/// redirect, the hydrated app by the header its router follows.
pub fn redirect_away(url: &str) {
    leptos_axum::redirect(url);
}

/// After a plain HTML form, sends the browser back to the page it came from with `run=<id>`, where
/// the page shows the outcome kept under that run. Only the Referer's path and query are used, so
/// the redirect never leaves this site. An error an earlier plain form left in the query
/// (server_fn's `__err` and `__path`) is dropped: the page would show it instead of this outcome.
pub fn back_with_run(run_id: &str) {
    leptos_axum::redirect(&with_param(&referer(), "run", run_id, &["__err", "__path"]));
}

/// After a plain HTML form, sends the browser back to the page it came from with `name=value`
/// (an ASCII value the server chose), keeping what the page showed (an earlier form's report).
pub fn back_with(name: &str, value: &str) {
    leptos_axum::redirect(&with_param(&referer(), name, value, &[]));
}

fn referer() -> String {
    use_context::<Parts>()
        .and_then(|p| p.headers.get(header::REFERER).and_then(|v| v.to_str().ok()).map(str::to_string))
        .unwrap_or_default()
}

/// `referer`'s path and query, its `name` parameter replaced by `value`, the `drop` ones removed.
fn with_param(referer: &str, name: &str, value: &str, drop: &[&str]) -> String {
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |at| &after_scheme[at..]);
    let path = if path.starts_with("//") { "/" } else { path };
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let key = |p: &str| p.split_once('=').map_or(p, |(k, _)| k).to_string();
    let stale = |p: &&str| p.is_empty() || key(p) == name || drop.contains(&key(p).as_str());
    let mut params: Vec<&str> = query.split('&').filter(|p| !stale(p)).collect();
    let param = format!("{name}={value}");
    params.push(&param);
    format!("{path}?{}", params.join("&"))
}

/// Makes the app state and the CSP nonce available to pages and server functions.
pub fn provide_request_context(state: AppState) {
    if let Some(nonce) = use_context::<Parts>().and_then(|p| p.extensions.get::<CspNonce>().cloned()) {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    provide_context(state);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method("POST").uri("/api/x");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn same_origin_requests_pass() {
        assert!(!is_cross_origin(&post(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_origin(&post(&[("origin", "http://app.example"), ("host", "app.example")])));
        assert!(!is_cross_origin(&post(&[("origin", "https://App.Example:8443"), ("host", "app.example:8443")])));
        // A program (curl, a test client) sends neither header.
        assert!(!is_cross_origin(&post(&[("host", "app.example")])));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(is_cross_origin(&post(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_origin(&post(&[("sec-fetch-site", "same-site")])));
        assert!(is_cross_origin(&post(&[("origin", "https://evil.example"), ("host", "app.example")])));
        assert!(is_cross_origin(&post(&[("origin", "null"), ("host", "app.example")])));
        assert!(is_cross_origin(&post(&[("origin", "https://app.example.evil.example"), ("host", "app.example")])));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let (parts, _) = Request::builder()
            .header("cookie", "a=1; pochta_session=tok; lang=en")
            .body(Body::empty())
            .unwrap()
            .into_parts();
        assert_eq!(cookie(&parts, "pochta_session").as_deref(), Some("tok"));
        assert_eq!(cookie(&parts, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&parts, "missing"), None);
    }

    #[test]
    fn the_way_back_stays_on_this_site_and_names_the_run() {
        assert_eq!(with_param("http://127.0.0.1:3000/setup/mail", "run", "r1", &[]), "/setup/mail?run=r1");
        assert_eq!(with_param("https://x.ru/setup/mail?run=old&tab=1", "run", "r2", &[]), "/setup/mail?tab=1&run=r2");
        assert_eq!(with_param("", "run", "r3", &[]), "/?run=r3");
        assert_eq!(with_param("https://evil.example", "run", "r4", &[]), "/?run=r4");
        assert_eq!(with_param("https://x.ru//evil.example/", "run", "r5", &[]), "/?run=r5");
        assert_eq!(
            with_param(
                "http://x.ru/setup/mail?__path=%2Fapi%2Fx&__err=e30&certificate_trusted=AB",
                "run",
                "r6",
                &["__err", "__path"]
            ),
            "/setup/mail?certificate_trusted=AB&run=r6",
            "an earlier form's error gives way to this form's outcome"
        );
    }
}
