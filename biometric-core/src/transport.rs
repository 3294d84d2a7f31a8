//! One operation over HTTP: URL, body, timeout, body limit, error mapping, retries, tracing.
//! Authentication is layered on top by [`crate::Engine`].

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tracing::{Instrument, Span, field};
use url::Url;

use crate::auth::AuthRequest;
use crate::error::{ApiError, Error, Result, TransportError, TransportKind};
use crate::operation::{Body, Operation, RawResponse};
use crate::retry::{RetryPolicy, RetryRules};
use crate::secret::redact_url;

/// Reads a vendor's error body into `(code, message)`.
///
/// A plain function pointer for the same reasons as [`crate::Decoder`]: it needs no state.
pub type ErrorParser = fn(&RawResponse) -> (Option<String>, Option<String>);

/// Finds a vendor failure reported inside an answer whose HTTP status the operation accepts (a
/// terminal that answers `{"status_code": 1102, ...}` or `{"success": false, ...}` under HTTP
/// 200): `Some((code, message))` turns the answer into an [`Error::Api`] before the operation's
/// decoder sees it, `None` lets it through.
///
/// Set once per engine ([`crate::EngineBuilder::answer_check`]), so that every operation of a
/// vendor is checked, including one written later or sent through a client's raw `execute`. It
/// runs on whole bodies and on the start of streamed ones (see [`ANSWER_CHECK_PREFIX`]).
pub type AnswerCheck = fn(&RawResponse) -> Option<(Option<String>, Option<String>)>;

/// How much of a streamed success body is held back and shown to the engine's
/// [`AnswerCheck`] before the first byte reaches the sink: a failure inside an answer is a
/// short JSON document, so a body that ends within this many bytes is checked whole, and a
/// longer one is streamed as it comes.
pub const ANSWER_CHECK_PREFIX: usize = 8 * 1024;

/// Decorates a request just before it is sent (the engine's authentication).
pub(crate) type Authorize<'a> = &'a (dyn Fn(&mut AuthRequest<'_>) -> Result<()> + Send + Sync);

/// Sends operations without authentication; shared by an [`crate::Engine`] and handed to
/// [`crate::Auth::acquire`] for login calls. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Transport {
    inner: Arc<Config>,
}

#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) client: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: u64,
    pub(crate) loggable_query: Vec<&'static str>,
    pub(crate) error_parser: ErrorParser,
    pub(crate) answer_check: Option<AnswerCheck>,
    /// The vendor's retry rules, which the caller's policy never replaces.
    pub(crate) rules: RetryRules,
}

/// The retry state of one call: which attempt this is, and the policy and deadline it runs under.
struct Retries<'a> {
    policy: &'a RetryPolicy,
    rules: RetryRules,
    idempotent: bool,
    replayable_body: bool,
    started: Instant,
    attempt: u32,
}

impl<'a> Retries<'a> {
    fn new<T>(op: &'a Operation<T>, config: &'a Config, started: Instant) -> Self {
        Retries {
            policy: op.retry_value().unwrap_or(&config.retry),
            rules: config.rules.with(op.retry_rules_value()),
            idempotent: op.is_idempotent(),
            replayable_body: op.body_ref().is_replayable(),
            started,
            attempt: 1,
        }
    }

    /// After a failed attempt: waits the backoff and returns `Ok` when another attempt may run,
    /// or gives the error back. `replayable` is false when this attempt cannot be repeated at all
    /// (a download that already wrote to its sink).
    async fn wait_or_give_up<T>(
        &mut self,
        op: &Operation<T>,
        error: Error,
        replayable: bool,
    ) -> Result<()> {
        let allowed = replayable
            && self.replayable_body
            && self
                .policy
                .should_retry(&error, self.idempotent, self.attempt, &self.rules);
        if !allowed {
            return Err(error);
        }
        let wait = self.policy.backoff(self.attempt, &error);
        if self.started.elapsed() + wait > self.policy.elapsed_cap() {
            tracing::debug!(
                operation = op.name(),
                ?wait,
                "no retry: the total-time cap would be exceeded"
            );
            return Err(error);
        }
        tracing::warn!(operation = op.name(), attempt = self.attempt, ?wait, error = %error, "retrying");
        tokio::time::sleep(wait).await;
        self.attempt += 1;
        Ok(())
    }
}

impl Transport {
    pub(crate) fn new(config: Config) -> Self {
        Transport {
            inner: Arc::new(config),
        }
    }

    /// The base URL operations' paths are joined to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// Sends `operation` without authentication, with retries.
    pub async fn send<T>(&self, operation: &Operation<T>) -> Result<T> {
        operation.validate()?;
        self.send_with(operation, &|_| Ok(()), Instant::now()).await
    }

    /// Sends `operation`, decorating each attempt with `authorize`, retrying as the policy allows
    /// within the total-time cap counted from `started` (one deadline per call, replays
    /// included).
    pub(crate) async fn send_with<T>(
        &self,
        op: &Operation<T>,
        authorize: Authorize<'_>,
        started: Instant,
    ) -> Result<T> {
        let mut retries = Retries::new(op, &self.inner, started);
        loop {
            let error = match self.decode_once(op, authorize, retries.attempt).await {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            retries.wait_or_give_up(op, error, true).await?;
        }
    }

    /// Sends `operation` and writes a success body to `sink` chunk by chunk, never holding it
    /// whole. Returns the number of bytes written. Error bodies are read within the body limit
    /// and become [`Error::Api`] as usual; a failure after the first byte was written is not
    /// retried (the sink holds a partial body).
    pub(crate) async fn stream_with<T, W>(
        &self,
        op: &Operation<T>,
        authorize: Authorize<'_>,
        started: Instant,
        sink: &mut W,
    ) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let mut retries = Retries::new(op, &self.inner, started);
        loop {
            let mut wrote = false;
            let attempt = self.stream_once(op, authorize, retries.attempt, sink, &mut wrote);
            let error = match attempt.await {
                Ok(total) => return Ok(total),
                Err(error) => error,
            };
            retries.wait_or_give_up(op, error, !wrote).await?;
        }
    }

    /// One attempt that reads the whole body and decodes it.
    async fn decode_once<T>(
        &self,
        op: &Operation<T>,
        authorize: Authorize<'_>,
        attempt: u32,
    ) -> Result<T> {
        let (url, headers) = self.prepare(op, authorize)?;
        let span = self.span(op, attempt, &url);
        let exchange = async {
            let response = self.start(op, url, headers).await?;
            let raw = self.read(op, response).await?;
            if !op.accepts(raw.status) {
                return Err(self.api_error(raw));
            }
            match self.failure_inside(&raw) {
                Some(failure) => Err(failure),
                None => op.decode(raw),
            }
        };
        self.timed(op, span, exchange).await
    }

    /// One attempt that streams a success body into `sink`; `wrote` tells whether it started.
    async fn stream_once<T, W>(
        &self,
        op: &Operation<T>,
        authorize: Authorize<'_>,
        attempt: u32,
        sink: &mut W,
        wrote: &mut bool,
    ) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let (url, headers) = self.prepare(op, authorize)?;
        let span = self.span(op, attempt, &url);
        let exchange = async {
            let mut response = self.start(op, url, headers).await?;
            if !op.accepts(response.status()) {
                let raw = self.read(op, response).await?;
                return Err(self.api_error(raw));
            }
            let mut total = 0u64;
            if let Some(prefix) = self.checked_prefix(op, &mut response).await? {
                *wrote = true;
                sink.write_all(&prefix)
                    .await
                    .map_err(|e| sink_error(op.name(), e))?;
                total += prefix.len() as u64;
            }
            while let Some(chunk) = next_chunk(&mut response, op.name()).await? {
                *wrote = true;
                sink.write_all(&chunk)
                    .await
                    .map_err(|e| sink_error(op.name(), e))?;
                total += chunk.len() as u64;
            }
            sink.flush().await.map_err(|e| sink_error(op.name(), e))?;
            Ok(total)
        };
        self.timed(op, span, exchange).await
    }

    /// The vendor failure inside an accepted answer, if the engine has an [`AnswerCheck`] and
    /// it finds one.
    fn failure_inside(&self, raw: &RawResponse) -> Option<Error> {
        let check = self.inner.answer_check?;
        let (code, message) = check(raw)?;
        Some(raw.api_error(code, message))
    }

    /// With an [`AnswerCheck`]: reads up to [`ANSWER_CHECK_PREFIX`] bytes of a streamed success
    /// body before anything reaches the sink. A body that ends within them is checked whole and
    /// its failure returned (nothing written, so the call can be replayed); otherwise the bytes
    /// read are returned for the sink. Without a check: `None`, nothing read.
    async fn checked_prefix<T>(
        &self,
        op: &Operation<T>,
        response: &mut reqwest::Response,
    ) -> Result<Option<Bytes>> {
        if self.inner.answer_check.is_none() {
            return Ok(None);
        }
        let mut prefix = BytesMut::new();
        while prefix.len() < ANSWER_CHECK_PREFIX {
            match next_chunk(response, op.name()).await? {
                Some(chunk) => prefix.extend_from_slice(&chunk),
                None => {
                    let raw = RawResponse::new(
                        op.name(),
                        response.status(),
                        response.headers().clone(),
                        prefix.freeze(),
                    );
                    return match self.failure_inside(&raw) {
                        Some(failure) => Err(failure),
                        None => Ok(Some(raw.body)),
                    };
                }
            }
        }
        Ok(Some(prefix.freeze()))
    }

    /// The URL and headers of one attempt, authorized.
    fn prepare<T>(&self, op: &Operation<T>, authorize: Authorize<'_>) -> Result<(Url, HeaderMap)> {
        let mut url = self.url_for(op);
        let mut headers = op.effective_headers();
        authorize(&mut AuthRequest {
            url: &mut url,
            headers: &mut headers,
        })?;
        Ok((url, headers))
    }

    /// Runs one attempt's exchange inside its span and its timeout.
    async fn timed<T, R>(
        &self,
        op: &Operation<T>,
        span: Span,
        exchange: impl Future<Output = Result<R>>,
    ) -> Result<R> {
        let timeout = op.timeout_value().unwrap_or(self.inner.timeout);
        async move {
            // For the log line only: the std clock, which (unlike tokio's with `test-util`)
            // takes no lock.
            let started = std::time::Instant::now();
            let result = match tokio::time::timeout(timeout, exchange).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::new(TransportKind::Timeout, op.name(), None).into()),
            };
            match &result {
                Ok(_) => tracing::debug!(elapsed = ?started.elapsed(), "completed"),
                Err(error) => tracing::debug!(elapsed = ?started.elapsed(), %error, "failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    /// The attempt's span. Its URL shows secret path segments as `REDACTED` and only the query
    /// values the engine lists as loggable; it is only formatted when the span is enabled.
    fn span<T>(&self, op: &Operation<T>, attempt: u32, url: &Url) -> Span {
        let log_url = LogUrl {
            transport: self,
            url,
            path: op.request_path(),
        };
        tracing::info_span!(
            "biometric.request",
            operation = op.name(),
            method = %op.method(),
            url = %log_url,
            attempt,
            status = field::Empty,
        )
    }

    async fn start<T>(
        &self,
        op: &Operation<T>,
        url: Url,
        headers: HeaderMap,
    ) -> Result<reqwest::Response> {
        let explicit_type = headers.contains_key(CONTENT_TYPE);
        let request = self
            .inner
            .client
            .request(op.method().clone(), url)
            .headers(headers);
        let response = with_body(request, op, explicit_type)?
            .send()
            .await
            .map_err(|e| transport_error(op.name(), e))?;
        Span::current().record("status", response.status().as_u16());
        Ok(response)
    }

    async fn read<T>(&self, op: &Operation<T>, response: reqwest::Response) -> Result<RawResponse> {
        let limit = op
            .max_response_bytes_value()
            .unwrap_or(self.inner.max_response_bytes);
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_limited(response, limit, op.name()).await?;
        Ok(RawResponse::new(op.name(), status, headers, body))
    }

    fn api_error(&self, raw: RawResponse) -> Error {
        let (code, message) = (self.inner.error_parser)(&raw);
        let mut error = ApiError::new(raw.operation, raw.status)
            .with_headers(raw.headers)
            .with_body(raw.body);
        error.code = code;
        error.message = message;
        error.into()
    }

    /// The base URL (a directory) plus the operation's encoded path and its query.
    fn url_for<T>(&self, op: &Operation<T>) -> Url {
        let base = &self.inner.base_url;
        let mut url = base.clone();
        let path = op.request_path().render(false);
        if !path.is_empty() {
            url.set_path(&format!("{}{path}", base.path()));
        }
        if !op.query_pairs().is_empty() {
            url.query_pairs_mut().extend_pairs(
                op.query_pairs()
                    .iter()
                    .map(|(k, v)| (k.as_ref(), v.as_str())),
            );
        }
        url
    }
}

/// The URL of a request as it may appear in logs (built only when a span is recorded): secret
/// path segments replaced, and only loggable query values kept (so the auth scheme's query
/// secrets, which are never loggable, show as `REDACTED`).
struct LogUrl<'a> {
    transport: &'a Transport,
    url: &'a Url,
    path: &'a crate::path::RequestPath,
}

impl std::fmt::Display for LogUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut url = self.url.clone();
        let base = self.transport.inner.base_url.path();
        url.set_path(&format!("{base}{}", self.path.render(true)));
        f.write_str(&redact_url(&url, &self.transport.inner.loggable_query))
    }
}

/// Adds the body. An explicit Content-Type (`explicit_type`) wins over the body's default: one
/// header only.
fn with_body<T>(
    request: reqwest::RequestBuilder,
    op: &Operation<T>,
    explicit_type: bool,
) -> Result<reqwest::RequestBuilder> {
    let typed = |request: reqwest::RequestBuilder, default: HeaderValue| {
        if explicit_type {
            request
        } else {
            request.header(CONTENT_TYPE, default)
        }
    };
    Ok(match op.body_ref() {
        Body::Empty => request,
        Body::Json(data) => {
            typed(request, HeaderValue::from_static("application/json")).body(data.clone())
        }
        Body::Bytes { content_type, data } => {
            typed(request, content_type.clone()).body(data.clone())
        }
        Body::Form(fields) => request.form(fields),
        Body::Multipart(parts) => request.multipart(multipart_form(parts)?),
        Body::Stream(stream) => {
            let request = typed(request, stream.content_type().clone());
            let request = match stream.length() {
                Some(length) => request.header(http::header::CONTENT_LENGTH, length),
                None => request,
            };
            request.body(reqwest::Body::wrap_stream(stream.open()?))
        }
    })
}

fn multipart_form(parts: &[crate::operation::Part]) -> Result<reqwest::multipart::Form> {
    parts
        .iter()
        .try_fold(reqwest::multipart::Form::new(), |form, part| {
            let name: Cow<'static, str> = part.name.clone();
            let mut body = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::from(part.data.clone()),
                part.data.len() as u64,
            );
            if let Some(file_name) = &part.file_name {
                body = body.file_name(file_name.clone());
            }
            if let Some(mime) = part.content_type {
                body = body.mime_str(mime).map_err(|_| {
                    Error::invalid(format!("{}.content_type", part.name), "must be a MIME type")
                })?;
            }
            Ok(form.part(name, body))
        })
}

async fn next_chunk(response: &mut reqwest::Response, op: &'static str) -> Result<Option<Bytes>> {
    response.chunk().await.map_err(|e| transport_error(op, e))
}

fn sink_error(op: &'static str, err: std::io::Error) -> Error {
    Error::writer(op, err)
}

/// Reads the body, refusing more than `limit` bytes. A single-chunk body is not copied.
async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
    op: &'static str,
) -> Result<Bytes> {
    let status = response.status();
    let too_large = || Error::ResponseTooLarge {
        operation: op,
        limit,
        status,
    };
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = next_chunk(&mut response, op).await? {
        total += chunk.len() as u64;
        if total > limit {
            return Err(too_large());
        }
        match (&first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                let capacity = response.content_length().unwrap_or(total).min(limit) as usize;
                let mut buffer = BytesMut::with_capacity(capacity.max(total as usize));
                buffer.extend_from_slice(head);
                buffer.extend_from_slice(&chunk);
                rest = Some(buffer);
            }
            (Some(_), Some(buffer)) => buffer.extend_from_slice(&chunk),
        }
    }
    Ok(match (first, rest) {
        (_, Some(buffer)) => buffer.freeze(),
        (Some(head), None) => head,
        (None, None) => Bytes::new(),
    })
}

/// Classifies a reqwest failure, dropping the URL (its query may hold a session id).
pub(crate) fn transport_error(op: &'static str, err: reqwest::Error) -> Error {
    let kind = if err.is_connect() && is_tls_failure(&err) {
        TransportKind::Tls
    } else if err.is_connect() {
        TransportKind::Connect
    } else if err.is_timeout() {
        TransportKind::Timeout
    } else if err.is_builder() {
        TransportKind::Setup
    } else if err.is_redirect() {
        TransportKind::Protocol
    } else {
        // Includes reqwest's "decode" kind, which is a failure while reading the body: a reset
        // or a body cut short is the connection failing mid-exchange.
        TransportKind::Io
    };
    TransportError::new(kind, op, Some(Arc::new(err.without_url()))).into()
}

/// Whether a rustls error (a refused certificate, a failed handshake) is somewhere in the cause
/// chain. `io::Error` hides the error it wraps from `source()`, so it is unwrapped by hand.
fn is_tls_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(error) = current {
        if error.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && is_tls_failure(inner)
        {
            return true;
        }
        current = error.source();
    }
    false
}

/// The default error-body reader: JSON with a common code/message field, or short plain text.
pub fn default_error_parser(raw: &RawResponse) -> (Option<String>, Option<String>) {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&raw.body) {
        let text = |keys: &[&str]| {
            keys.iter().find_map(|k| match map.get(*k)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let code = text(&["code", "errorCode", "error_code", "Code"]);
        let message = text(&[
            "message",
            "error",
            "detail",
            "Message",
            "reason_phrase",
            "title",
        ]);
        return (code, message);
    }
    let text = String::from_utf8_lossy(&raw.body);
    let text = text.trim();
    let looks_like_text = !text.is_empty() && text.len() <= 500 && !text.starts_with('<');
    (None, looks_like_text.then(|| text.to_owned()))
}
