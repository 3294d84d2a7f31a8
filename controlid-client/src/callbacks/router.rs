//! An axum router that receives the device's callbacks.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request};
use axum::http::{StatusCode, header::CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use biometric_core::{ExposeSecret, SecretString};
use futures_util::StreamExt;
use tokio::sync::Semaphore;

use super::{Callback, EnrollmentResults, RawCallback, parse_or_keep};

/// The body limit of [`router`]: 2 MB, as Control iD's own sample server uses (a
/// `template_create.fcgi` body or an `access_photo` fits well within it).
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1000 * 1000;

/// A router for every path the device posts to (`/card_create.fcgi`, `/face_create.fcgi`,
/// `/fingerprint_create.fcgi`, `/template_create.fcgi`, `<monitor path>/<notification>`...).
///
/// Each callback is parsed and handed to `handler`, once per request.
///
/// # What the device sees, and what the application must do
///
/// | case | answer |
/// |---|---|
/// | the handler returned `Ok` | `200` with `{}` (the documented reply: "200 with an empty body or `{}`") |
/// | the handler returned `Err` | `500` with the text `handler failed` (the error itself is only logged) |
/// | a body that does not parse | handed to the handler as [`Callback::Malformed`] (the body kept whole), then `400` with the decode error (`500` if the handler failed) |
/// | past the body limit | `413` |
/// | anything but `POST` | `405` |
///
/// The vendor documentation describes only the success reply. It does **not** say that the
/// device sends a callback again after an error answer or a timeout (the monitor's
/// `request_timeout` is how long it waits; no retry is described anywhere), so this router
/// assumes it does not: **a callback whose handler fails is lost** as far as the device is
/// concerned. To lose nothing, make the handler store what it needs durably (database, queue,
/// file) *before* returning `Ok`, and keep that store idempotent on `(device_id, user_id)`
/// in case a device does resend. After a failure, fetch the data another way: a saved face
/// with `user_get_image.fcgi` ([`crate::Client::user_image`]), users and cards with
/// `load_objects.fcgi`; an unsaved capture has to be enrolled again.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use controlid_client::callbacks::{Callback, router};
///
/// let app = router(|callback: Callback| async move {
///     println!("device says: {callback:?}");
///     Ok::<(), std::io::Error>(())
/// });
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8000").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
pub fn router<H, F, E>(handler: H) -> Router
where
    H: Fn(Callback) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    router_with(RouterConfig::default(), handler)
}

/// [`router`] with another body limit in bytes.
pub fn router_with_limit<H, F, E>(handler: H, body_limit: usize) -> Router
where
    H: Fn(Callback) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    router_with(RouterConfig::default().body_limit(body_limit), handler)
}

/// Limits and access control of a callback [`router_with`].
///
/// | setting | default | what the device sees when it applies |
/// |---|---|---|
/// | [`body_limit`](Self::body_limit) | [`DEFAULT_BODY_LIMIT`] | `413` |
/// | [`max_in_flight`](Self::max_in_flight) | [`DEFAULT_MAX_IN_FLIGHT`] callbacks handled at once | `503` (not handled: as with a failed handler, the device is not documented to send it again) |
/// | [`allow_device`](Self::allow_device) | any address | `403` for other addresses |
/// | [`path_token`](Self::path_token) | none | `404` for paths that do not start with `/<token>/` |
///
/// **Setting them on the device.** The address allow-list needs nothing on the device: list
/// the terminals' IP addresses, and serve the router with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that it can see them (without it,
/// every request is refused with `403`, never let through). The path token is a secret prefix:
/// configure the device's monitor with `path` = `<token>/api/notifications` (see
/// [`crate::MonitorConfig`]); notifications then arrive at `/<token>/api/notifications/<name>`
/// and the router strips the prefix before parsing. Asynchronous enrollment results go to
/// `/<endpoint>.fcgi` at the root of the configured server, where the documentation gives the
/// device no path to add; with a token set, also configure the server address the device uses
/// for them behind a reverse proxy that adds the prefix, or rely on the address allow-list.
#[derive(Clone)]
pub struct RouterConfig {
    body_limit: usize,
    max_in_flight: usize,
    allowed: Vec<IpAddr>,
    path_token: Option<SecretString>,
    results: Option<EnrollmentResults>,
}

/// How many callbacks the router hands to the application at once by default.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            body_limit: DEFAULT_BODY_LIMIT,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            allowed: Vec::new(),
            path_token: None,
            results: None,
        }
    }
}

impl RouterConfig {
    /// The largest body read, in bytes; a larger one is refused with `413` without being held.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How many callbacks may be read and handled at once (at least 1); past it the device is
    /// answered `503` at once. With the body limit, this bounds the router's memory:
    /// `max_in_flight * body_limit`.
    pub fn max_in_flight(mut self, callbacks: usize) -> Self {
        self.max_in_flight = callbacks.max(1);
        self
    }

    /// Accepts callbacks from `address` (call once per device). With no address listed, any
    /// address is accepted.
    pub fn allow_device(mut self, address: IpAddr) -> Self {
        self.allowed.push(address);
        self
    }

    /// Requires every path to start with `/<token>/` (a secret shared with the device's
    /// configuration; see the table above for how to set it).
    pub fn path_token(mut self, token: impl biometric_core::IntoSecret) -> Self {
        self.path_token = Some(token.into_secret());
        self
    }

    /// Hands every asynchronous enrollment result to `results`, where the enrollment that
    /// waits for it picks it up ([`PendingEnrollment`](super::PendingEnrollment)), before the
    /// handler sees it as usual.
    pub fn results(mut self, results: &EnrollmentResults) -> Self {
        self.results = Some(results.clone());
        self
    }
}

impl std::fmt::Debug for RouterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouterConfig")
            .field("body_limit", &self.body_limit)
            .field("max_in_flight", &self.max_in_flight)
            .field("allowed", &self.allowed)
            .field("path_token", &self.path_token.as_ref().map(|_| "REDACTED"))
            .field("results", &self.results.is_some())
            .finish()
    }
}

/// [`router`] with limits and access control.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use std::net::SocketAddr;
/// use controlid_client::callbacks::{Callback, RouterConfig, router_with};
///
/// let config = RouterConfig::default()
///     .allow_device("192.168.0.129".parse().unwrap())
///     .path_token("k3y-in-the-monitor-path")
///     .max_in_flight(16);
/// let app = router_with(config, |callback: Callback| async move {
///     println!("device says: {callback:?}");
///     Ok::<(), std::io::Error>(())
/// });
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8000").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
/// # }
/// ```
pub fn router_with<H, F, E>(config: RouterConfig, handler: H) -> Router
where
    H: Fn(Callback) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    let handler = Arc::new(handler);
    let gate = Arc::new(Semaphore::new(config.max_in_flight));
    let config = Arc::new(config);
    Router::new().fallback(move |request: Request| {
        let (handler, gate, config) = (handler.clone(), gate.clone(), config.clone());
        async move {
            if let Some(refusal) = refuse(&config, &request) {
                return drained(request, config.body_limit, refusal).await;
            }
            // Taken before the body is read: at most `max_in_flight` bodies are held.
            let Ok(_permit) = gate.try_acquire() else {
                tracing::warn!(
                    "callback refused: {} already in flight",
                    config.max_in_flight
                );
                let busy = StatusCode::SERVICE_UNAVAILABLE.into_response();
                return drained(request, config.body_limit, busy).await;
            };
            receive(&*handler, request, &config).await
        }
    })
}

/// `answer`, after reading and discarding the request's body (up to `limit` bytes, one chunk at a
/// time): a device still sending when the connection closes would see a reset, not the status.
async fn drained(request: Request, limit: usize, answer: Response) -> Response {
    let mut body = request.into_body().into_data_stream();
    let mut read = 0;
    while let Some(Ok(chunk)) = body.next().await {
        read += chunk.len();
        if read > limit {
            break;
        }
    }
    answer
}

/// The access-control answer for `request`, if it is refused.
fn refuse(config: &RouterConfig, request: &Request) -> Option<Response> {
    if !config.allowed.is_empty() {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        match peer {
            Some(ip) if config.allowed.contains(&ip) => {}
            Some(ip) => {
                tracing::warn!(%ip, "callback refused: address not allowed");
                return Some(StatusCode::FORBIDDEN.into_response());
            }
            None => {
                tracing::error!(
                    "callback refused: an address allow-list is set but the router cannot see \
                     peers; serve it with into_make_service_with_connect_info::<SocketAddr>()"
                );
                return Some(StatusCode::FORBIDDEN.into_response());
            }
        }
    }
    if let Some(token) = &config.path_token
        && strip_token(request.uri().path(), token).is_none()
    {
        return Some(StatusCode::NOT_FOUND.into_response());
    }
    None
}

/// The path after `/<token>`, when it starts with it.
fn strip_token<'p>(path: &'p str, token: &SecretString) -> Option<&'p str> {
    let rest = path
        .strip_prefix('/')?
        .strip_prefix(token.expose_secret())?;
    rest.starts_with('/').then_some(rest)
}

async fn receive<H, F, E>(handler: &H, request: Request, config: &RouterConfig) -> Response
where
    H: Fn(Callback) -> F,
    F: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let body_limit = config.body_limit;
    if request.method() != axum::http::Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Reading stops at the limit: an oversized body is never held whole.
    let body: Bytes = match axum::body::to_bytes(body, body_limit).await {
        Ok(body) => body,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let path = match &config.path_token {
        Some(token) => strip_token(parts.uri.path(), token).unwrap_or_default(),
        None => parts.uri.path(),
    };
    let query = parts.uri.query().unwrap_or_default();
    let callback = parse_or_keep(path, query, content_type.as_deref(), &body);
    if let Some(results) = &config.results {
        let raw = RawCallback::new(path, query, content_type.clone(), body.clone());
        if let Some(key) = results.publish(&callback, raw).await {
            tracing::debug!(%key, "enrollment result handed over");
        }
    }
    // A body that does not decode still reaches the handler, whole; the device hears 400.
    let malformed = match &callback {
        Callback::Malformed { error, .. } => {
            tracing::warn!(path, %error, "malformed callback from the device");
            Some(error.clone())
        }
        _ => None,
    };
    match handler(callback).await {
        Ok(()) => match malformed {
            Some(error) => (StatusCode::BAD_REQUEST, error).into_response(),
            None => (StatusCode::OK, [(CONTENT_TYPE, "application/json")], "{}").into_response(),
        },
        Err(error) => {
            // The device is not documented to send it again: the application must have stored
            // it before failing, or enroll again.
            tracing::error!(path, %error, "callback handler failed: the device is not documented to resend it");
            (StatusCode::INTERNAL_SERVER_ERROR, "handler failed").into_response()
        }
    }
}
