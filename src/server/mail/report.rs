//! Recording a check as it runs: each step timed and bounded by a timeout, and the first failure
//! turned into a report entry with its reason and the server's own words.

use crate::model::check::{CertificateView, CheckReport, Failure, Reason, Side, Step, StepResult};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Called with every step as soon as it has finished (the live report).
pub type StepObserver = Arc<dyn Fn(&StepResult) + Send + Sync>;

pub struct Recorder {
    report: CheckReport,
    step_timeout: Duration,
    observer: Option<StepObserver>,
}

/// A step that failed: why, and what the server said if it said anything.
#[derive(Debug)]
pub struct StepFailure {
    pub reason: Reason,
    pub server_reply: Option<String>,
    /// A correction the server itself showed would work (see `mail::with_fix`).
    pub fix: Option<crate::model::check::Fix>,
    /// The certificate a refused TLS handshake was shown.
    pub certificate: Option<Box<CertificateView>>,
}

impl StepFailure {
    pub fn new(reason: Reason) -> Self {
        Self { reason, server_reply: None, fix: None, certificate: None }
    }

    pub fn with_reply(reason: Reason, reply: impl Into<String>) -> Self {
        Self { reason, server_reply: Some(reply.into()), fix: None, certificate: None }
    }
}

/// `work` within `limit` (a whole conversation's); running out of time is a [`Reason::Timeout`].
pub async fn within<T>(limit: Duration, work: impl Future<Output = Result<T, StepFailure>>) -> Result<T, StepFailure> {
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| Err(StepFailure::new(Reason::Timeout)))
}

impl Recorder {
    pub fn new(step_timeout: Duration, observer: Option<StepObserver>) -> Self {
        Self { report: CheckReport::default(), step_timeout, observer }
    }

    pub fn step_timeout(&self) -> Duration {
        self.step_timeout
    }

    /// Runs one step within the step timeout. `classify` turns the step's own error into a
    /// failure; running out of time is a [`Reason::Timeout`]. `detail` describes success.
    pub async fn run<T, E>(
        &mut self,
        side: Side,
        step: Step,
        work: impl Future<Output = Result<T, E>>,
        classify: impl FnOnce(E) -> StepFailure,
        detail: impl FnOnce(&T) -> Option<String>,
    ) -> Result<T, StepFailure> {
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.step_timeout, work).await;
        let millis = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
        match outcome {
            Ok(Ok(value)) => {
                let text = detail(&value);
                self.push(StepResult { side, step, ok: true, millis, detail: text });
                Ok(value)
            }
            Ok(Err(error)) => {
                let failure = classify(error);
                self.push(StepResult { side, step, ok: false, millis, detail: None });
                Err(failure)
            }
            Err(_) => {
                self.push(StepResult { side, step, ok: false, millis, detail: None });
                Err(StepFailure::new(Reason::Timeout))
            }
        }
    }

    /// Records a step that failed before it could start (e.g. STARTTLS not offered).
    pub fn fail_now(&mut self, side: Side, step: Step, failure: StepFailure) -> StepFailure {
        self.push(StepResult { side, step, ok: false, millis: 0, detail: None });
        failure
    }

    fn push(&mut self, result: StepResult) {
        if let Some(observer) = &self.observer {
            observer(&result);
        }
        self.report.steps.push(result);
    }

    /// The expiry of the certificate a TLS step was shown (Unix ms).
    pub fn saw_certificate(&mut self, expires_at: Option<i64>) {
        self.report.certificate_expires_at = expires_at;
    }

    pub fn certificate_expires_at(&self) -> Option<i64> {
        self.report.certificate_expires_at
    }

    pub fn set_messages(&mut self, count: u32) {
        self.report.messages = Some(count);
    }

    /// Ends the check: with `Err`, the failure is recorded for the side it happened on.
    pub fn finish(mut self, side: Side, outcome: Result<(), StepFailure>) -> CheckReport {
        if let Err(f) = outcome {
            self.report.failure = Some(Failure {
                side,
                reason: f.reason,
                server_reply: f.server_reply.map(clean_reply),
                fix: f.fix,
                certificate: f.certificate,
            });
        }
        self.report
    }

    pub fn into_report(self) -> CheckReport {
        self.report
    }
}

/// Server replies are shown to users: keep them short and printable.
fn clean_reply(reply: String) -> String {
    let printable: String = reply.chars().map(|c| if c.is_control() && c != '\n' { ' ' } else { c }).collect();
    let trimmed = printable.trim();
    if trimmed.chars().count() > 500 {
        format!("{}…", trimmed.chars().take(500).collect::<String>())
    } else {
        trimmed.to_string()
    }
}
