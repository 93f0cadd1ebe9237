//! A browser-like client per user (cookies, no automatic redirects) calling the app's server
//! functions as the hydrated page does, or posting forms as a page without JavaScript does.

use pochta::model::error::AppError;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

/// A browser for the app server at `address`.
pub fn browser_for(address: &str) -> Browser {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    // A request that gets no answer fails its test instead of holding the whole run.
    let client = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .expect("client");
    Browser { client, base: address.to_string() }
}

/// One browser: its own cookie jar, and it does not follow redirects so tests can see them.
/// A clone is another tab of the same browser.
#[derive(Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

/// A form of the app with the live report's run id beside it.
#[derive(Serialize)]
struct WithRun<'a, F: Serialize> {
    #[serde(flatten)]
    form: &'a F,
    run_id: &'a str,
}

impl Browser {
    /// The same browser (same cookies) talking to another app server, as behind a load balancer.
    pub fn at(&self, address: &str) -> Browser {
        Browser { client: self.client.clone(), base: address.to_string() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function as the hydrated app does (form-encoded arguments, JSON answer).
    pub async fn call<T: DeserializeOwned>(&self, endpoint: &str, args: &[(&str, &str)]) -> Result<T, AppError> {
        self.submit(endpoint, args).await
    }

    /// Submits a form (one of the model's input structs, or name–value pairs) to a server function.
    pub async fn submit<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        form: &(impl Serialize + ?Sized),
    ) -> Result<T, AppError> {
        let response = self
            .client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request sent");
        decode(response).await
    }

    /// Submits a form with a live report under `run_id`.
    pub async fn submit_with_run<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        form: &impl Serialize,
        run_id: &str,
    ) -> Result<T, AppError> {
        self.submit(endpoint, &WithRun { form, run_id }).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<serde_json::Value, AppError> {
        self.call("sign_in", &[("email", email), ("password", password)]).await
    }

    /// Submits a form as a browser without JavaScript does: form-encoded, `Accept: text/html`,
    /// with the page as `Referer`. Returns the response (a redirect).
    pub async fn submit_plain_form(&self, endpoint: &str, page: &str, args: &[(&str, &str)]) -> reqwest::Response {
        let mut headers = HeaderMap::new();
        headers.insert("accept", HeaderValue::from_static("text/html,application/xhtml+xml"));
        headers.insert("referer", HeaderValue::from_str(&self.url(page)).unwrap());
        headers.insert("origin", HeaderValue::from_str(&self.base).unwrap());
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .headers(headers)
            .form(args)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_page(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).header("accept", "text/html").send().await.expect("request sent")
    }
}

pub async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, AppError> {
    let ok = response.status().is_success();
    let body = response.text().await.expect("body");
    if ok {
        Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("unexpected answer {body}: {e}")))
    } else {
        Err(serde_json::from_str::<AppError>(&body).unwrap_or_else(|e| panic!("not an AppError: {body}: {e}")))
    }
}
