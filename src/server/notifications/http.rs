//! The host application's door: `POST /api/v1/notifications` queues a letter (202, or 200 when
//! its idempotency key was used before), `GET /api/v1/notifications/{id}` tells where it is.
//! Every call carries a tenant's API key (`Authorization: Bearer pochta_…`); answers are JSON,
//! errors name each refused field in the language of `Accept-Language` (Russian by default).

use super::api_keys;
use super::outbox;
use crate::i18n::{invalid_text, t, tf};
use crate::model::error::AppError;
use crate::model::notifications::{Notification, NotificationInput, QueuedNotification};
use crate::model::{Lang, TenantId};
use crate::server::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

/// A request body larger than this is refused with 413, and read no further: room for both
/// bodies at their limit (`model::notifications::BODY_MAX_KIB`) with JSON's escaping.
const BODY_LIMIT: usize = 1 << 20;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/notifications", post(enqueue)).route("/api/v1/notifications/{id}", get(status))
}

async fn enqueue(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let lang = lang(&headers);
    // The key first: a request without a valid one is not even read.
    let tenant = match authenticate(&state, &headers).await {
        Ok(tenant) => tenant,
        Err(refusal) => return refusal.answer(lang),
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT) {
        return Refusal::TooLarge.answer(lang);
    }
    // A body without a length stops being read at the limit.
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Refusal::TooLarge.answer(lang);
    };
    let Ok(input) = serde_json::from_slice::<NotificationInput>(&body) else {
        return Refusal::App(AppError::BadRequest).answer(lang);
    };
    let notification = match Notification::parse(&input) {
        Ok(n) => n,
        Err(fields) => return Refusal::App(AppError::Invalid(fields)).answer(lang),
    };
    match outbox::enqueue_from_host(&state, tenant, &notification).await {
        Ok(queued) => {
            let code = if queued.added { StatusCode::ACCEPTED } else { StatusCode::OK };
            let location = format!("/api/v1/notifications/{}", queued.letter.id);
            (code, [(header::LOCATION, location)], Json(outbox::view(&queued.letter, lang))).into_response()
        }
        Err(e) => Refusal::App(e).answer(lang),
    }
}

async fn status(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let lang = lang(&headers);
    let tenant = match authenticate(&state, &headers).await {
        Ok(tenant) => tenant,
        Err(refusal) => return refusal.answer(lang),
    };
    // Another tenant's letter is "not found", exactly like one that does not exist.
    let Ok(id) = id.parse::<i64>() else { return Refusal::App(AppError::NotFound).answer(lang) };
    match outbox::status(&state, tenant, id, lang).await {
        Ok(view) => Json::<QueuedNotification>(view).into_response(),
        Err(e) => Refusal::App(e).answer(lang),
    }
}

fn lang(headers: &HeaderMap) -> Lang {
    let accepted = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let first = accepted.split([',', ';', '-']).next().unwrap_or_default();
    Lang::from_code(&first.to_ascii_lowercase())
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<TenantId, Refusal> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(Refusal::App(AppError::NotSignedIn))?;
    match api_keys::tenant_of(&state.db, key).await {
        Ok(Some(tenant)) => Ok(tenant),
        Ok(None) => Err(Refusal::App(AppError::NotSignedIn)),
        Err(e) => Err(Refusal::App(e)),
    }
}

enum Refusal {
    App(AppError),
    /// A body over the limit (413).
    TooLarge,
}

impl Refusal {
    /// `{"error": code, "message": text, "fields": {field: text}}`.
    fn answer(self, lang: Lang) -> Response {
        let retry_after = match &self {
            Refusal::App(AppError::RateLimited { retry_after_secs }) => Some(*retry_after_secs),
            _ => None,
        };
        let (status, code, message, fields) = match self {
            Refusal::App(error) => {
                let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let fields: Map<String, Value> = match &error {
                    AppError::Invalid(errors) => {
                        errors.0.iter().map(|e| (e.field.clone(), Value::from(invalid_text(lang, e.problem)))).collect()
                    }
                    _ => Map::new(),
                };
                let code = error.key().trim_start_matches("error.");
                let message = match error {
                    // Here "not signed in" means the key: say so, not "sign in".
                    AppError::NotSignedIn => t(lang, "api.key_refused").to_string(),
                    AppError::RateLimited { retry_after_secs } => {
                        tf(lang, "api.rate_limited", &[("n", &retry_after_secs.to_string())])
                    }
                    _ => t(lang, error.key()).to_string(),
                };
                (status, code.to_string(), message, fields)
            }
            Refusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large".to_string(),
                t(lang, "error.too_large").to_string(),
                Map::new(),
            ),
        };
        let mut response =
            (status, Json(json!({ "error": code, "message": message, "fields": fields }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}
