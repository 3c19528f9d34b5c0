//! The kiosk's HTTP client: [`Client`] sends one request per
//! [`Effect`](crate::state::Effect) and delivers each answer as a
//! [`Reply`] on a channel, then calls the wake callback (the app passes
//! `ctx.request_repaint()`), so the UI thread never blocks.
//!
//! # Why `ureq` on short-lived threads, not a tokio runtime
//!
//! The kiosk makes a handful of small request/response calls a minute and
//! holds no stream (it polls `/services`; it does not need the event
//! WebSocket). A blocking client on a worker thread per request is the
//! smallest thing that keeps the UI responsive: `ureq` (no TLS features,
//! plain HTTP on the hall LAN) pulls in far less than reqwest, and there is
//! no runtime to start, shut down or share with egui. A request is bounded
//! by [`ClientConfig::timeout`], so at most a few threads are ever alive.
//! `TODO(kiosk)`: enable ureq's `rustls` feature if a hall serves HTTPS.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use banli_core::guide::GuideView;
use banli_core::ids::TicketId;
use banli_core::wire::{
    ApiError, DeviceStatusReport, IssueTicketRequest, IssuedTicket, ServiceView, TicketView,
};
use serde::de::DeserializeOwned;

use crate::state::{ApiFailure, FeedbackRequest, FeedbackSettings, Recorded};

/// Where the server is and who we are.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://10.0.0.2:8400` (no trailing slash needed).
    pub server_url: String,
    /// The kiosk's device token.
    pub device_token: String,
    /// Longest wait for one request, connect to last byte.
    pub timeout: Duration,
}

/// One answer from the server.
#[derive(Debug, Clone)]
pub enum Reply {
    /// `GET /services`.
    Services(Result<Vec<ServiceView>, ApiFailure>),
    /// `GET /guide`.
    Guide(Result<GuideView, ApiFailure>),
    /// `POST /tickets`.
    Issued {
        /// The key it was sent with.
        idempotency_key: String,
        /// The ticket or why not.
        result: Result<IssuedTicket, ApiFailure>,
    },
    /// `GET /tickets/{id}` or `POST …/requeue`.
    Ticket {
        /// The query code used.
        code: String,
        /// Whether it was a re-queue.
        requeue: bool,
        /// The ticket or why not.
        result: Result<TicketView, ApiFailure>,
    },
    /// `POST /devices/status`.
    Reported(Result<(), ApiFailure>),
    /// `GET /cases/{case_no}/progress`.
    Case(Result<banli_core::case::CaseProgress, ApiFailure>),
    /// `GET /ratings/settings`.
    FeedbackSettings(Result<FeedbackSettings, ApiFailure>),
    /// `POST /ratings` or `/complaints`.
    Feedback {
        /// The key it was sent with.
        idempotency_key: String,
        /// Recorded, or why not.
        result: Result<Recorded, ApiFailure>,
    },
}

/// Sends requests; answers arrive on the receiver given by [`Client::new`].
#[derive(Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    agent: ureq::Agent,
    replies: Sender<Reply>,
    /// Called after each reply is sent: wakes the UI.
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Client {
    /// A client and the channel its answers come on.
    pub fn new(config: ClientConfig, wake: Arc<dyn Fn() + Send + Sync>) -> (Self, Receiver<Reply>) {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let (tx, rx) = channel();
        (
            Client {
                config: Arc::new(config),
                agent,
                replies: tx,
                wake,
            },
            rx,
        )
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/api/v1{path}",
            self.config.server_url.trim_end_matches('/')
        )
    }

    /// Runs `job` on its own thread and delivers its reply.
    fn spawn(&self, job: impl FnOnce(&Client) -> Reply + Send + 'static) {
        let this = self.clone();
        let spawned = std::thread::Builder::new()
            .name("kiosk-http".to_owned())
            .spawn(move || {
                let reply = job(&this);
                // The app is gone when the receiver is: nothing to do.
                if this.replies.send(reply).is_ok() {
                    (this.wake)();
                }
            });
        if let Err(e) = spawned {
            // Out of threads: answer as if the server did not.
            let _ = self
                .replies
                .send(Reply::Reported(Err(ApiFailure::Unreachable(e.to_string()))));
        }
    }

    /// `GET /services` → [`Reply::Services`].
    pub fn fetch_services(&self) {
        self.spawn(|c| Reply::Services(c.get_services()));
    }

    /// `GET /guide` → [`Reply::Guide`].
    pub fn fetch_guide(&self) {
        self.spawn(|c| Reply::Guide(c.get_guide()));
    }

    /// `POST /tickets` → [`Reply::Issued`].
    pub fn issue(&self, idempotency_key: String, request: IssueTicketRequest) {
        self.spawn(move |c| {
            let result = c.post_ticket(&idempotency_key, &request);
            Reply::Issued {
                idempotency_key,
                result,
            }
        });
    }

    /// `GET /tickets/{id}?code=` → [`Reply::Ticket`].
    pub fn fetch_ticket(&self, id: TicketId, code: String) {
        self.spawn(move |c| {
            let result = c.get_ticket(id, &code);
            Reply::Ticket {
                code,
                requeue: false,
                result,
            }
        });
    }

    /// `POST /tickets/{id}/requeue?code=` → [`Reply::Ticket`].
    pub fn requeue(&self, id: TicketId, code: String) {
        self.spawn(move |c| {
            let result = c.post_requeue(id, &code);
            Reply::Ticket {
                code,
                requeue: true,
                result,
            }
        });
    }

    /// `GET /cases/{case_no}/progress` → [`Reply::Case`].
    pub fn fetch_case(&self, case_no: String, password: String) {
        self.spawn(move |c| Reply::Case(c.get_case(&case_no, &password)));
    }

    /// `POST /devices/status` → [`Reply::Reported`].
    pub fn report(&self, report: DeviceStatusReport) {
        self.spawn(move |c| Reply::Reported(c.post_status(&report)));
    }

    /// `GET /ratings/settings` → [`Reply::FeedbackSettings`].
    pub fn fetch_feedback_settings(&self) {
        self.spawn(|c| Reply::FeedbackSettings(c.get_feedback_settings()));
    }

    /// `POST /ratings` or `/complaints` → [`Reply::Feedback`].
    pub fn send_feedback(&self, idempotency_key: String, request: FeedbackRequest) {
        self.spawn(move |c| {
            let result = c.post_feedback(&idempotency_key, &request);
            Reply::Feedback {
                idempotency_key,
                result,
            }
        });
    }

    // Blocking calls, public so an end-to-end test can drive the state
    // with the real server and no threads.

    /// `GET /services`, blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn get_services(&self) -> Result<Vec<ServiceView>, ApiFailure> {
        let r = self
            .agent
            .get(self.url("/services"))
            .header("Authorization", &self.bearer())
            .call();
        answer(r)
    }

    /// `GET /guide`, blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn get_guide(&self) -> Result<GuideView, ApiFailure> {
        answer(self.agent.get(self.url("/guide")).call())
    }

    /// `POST /tickets`, blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn post_ticket(
        &self,
        idempotency_key: &str,
        request: &IssueTicketRequest,
    ) -> Result<IssuedTicket, ApiFailure> {
        let r = self
            .agent
            .post(self.url("/tickets"))
            .header("Authorization", &self.bearer())
            .header("Idempotency-Key", idempotency_key)
            .send_json(request);
        answer(r)
    }

    /// `GET /tickets/{id}?code=`, blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn get_ticket(&self, id: TicketId, code: &str) -> Result<TicketView, ApiFailure> {
        let r = self
            .agent
            .get(self.url(&format!("/tickets/{id}")))
            .query("code", code)
            .call();
        answer(r)
    }

    /// `POST /tickets/{id}/requeue?code=`, blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn post_requeue(&self, id: TicketId, code: &str) -> Result<TicketView, ApiFailure> {
        let r = self
            .agent
            .post(self.url(&format!("/tickets/{id}/requeue")))
            .query("code", code)
            .header("Authorization", &self.bearer())
            .send_empty();
        answer(r)
    }

    /// `GET /cases/{case_no}/progress?password=`, blocking. The case
    /// number comes from the keypad (digits only).
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn get_case(
        &self,
        case_no: &str,
        password: &str,
    ) -> Result<banli_core::case::CaseProgress, ApiFailure> {
        let r = self
            .agent
            .get(self.url(&format!("/cases/{case_no}/progress")))
            .query("password", password)
            .call();
        answer(r)
    }

    /// `POST /devices/status`, blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn post_status(&self, report: &DeviceStatusReport) -> Result<(), ApiFailure> {
        let r = self
            .agent
            .post(self.url("/devices/status"))
            .header("Authorization", &self.bearer())
            .send_json(report);
        match r {
            Ok(resp) if resp.status().is_success() => Ok(()),
            other => answer::<serde_json::Value>(other).map(|_| ()),
        }
    }

    /// `GET /ratings/settings`, blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn get_feedback_settings(&self) -> Result<FeedbackSettings, ApiFailure> {
        answer(self.agent.get(self.url("/ratings/settings")).call())
    }

    /// `POST /ratings` or `/complaints` as the kiosk (its token makes the
    /// channel 自助终端), blocking.
    ///
    /// # Errors
    ///
    /// [`ApiFailure`]: no answer, or the server's refusal.
    pub fn post_feedback(
        &self,
        idempotency_key: &str,
        request: &FeedbackRequest,
    ) -> Result<Recorded, ApiFailure> {
        let (path, body) = match request {
            FeedbackRequest::Rate(b) => ("/ratings", serde_json::to_value(b)),
            FeedbackRequest::Complain(b) => ("/complaints", serde_json::to_value(b)),
        };
        let body = body.map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
        let r = self
            .agent
            .post(self.url(path))
            .header("Authorization", &self.bearer())
            .header("Idempotency-Key", idempotency_key)
            .send_json(&body);
        answer(r)
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.config.device_token)
    }
}

/// A response as the state wants it: 2xx parsed; 4xx the server's
/// [`ApiError`]; anything else (no answer, 5xx, garbage) unreachable.
fn answer<T: DeserializeOwned>(
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<T, ApiFailure> {
    let mut resp = r.map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let status = resp.status();
    if status.is_success() {
        return resp
            .body_mut()
            .read_json::<T>()
            .map_err(|e| ApiFailure::Unreachable(format!("bad answer: {e}")));
    }
    if status.is_client_error() {
        return match resp.body_mut().read_json::<ApiError>() {
            Ok(e) => Err(ApiFailure::Rejected(e)),
            Err(_) => Err(ApiFailure::Rejected(ApiError {
                code: format!("http_{}", status.as_u16()),
                message: format!("the server answered {status}"),
                message_zh: format!("服务器拒绝请求（{}）", status.as_u16()),
                fields: Vec::new(),
            })),
        };
    }
    Err(ApiFailure::Unreachable(format!(
        "the server answered {status}"
    )))
}
