//! One operation over HTTP: URL, body, timeout, body limit, error mapping, retries, tracing.
//! Authentication is layered on top by [`crate::Engine`].

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue};
use tracing::{Instrument, field};
use url::Url;

use crate::auth::AuthRequest;
use crate::error::{ApiError, Error, Result, TransportError, TransportKind};
use crate::operation::{Body, Operation, RawResponse};
use crate::retry::RetryPolicy;
use crate::secret::redact_url;

/// Reads a vendor's error body into `(code, message)`.
pub type ErrorParser = fn(&RawResponse) -> (Option<String>, Option<String>);

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
    pub(crate) sensitive_query: Vec<&'static str>,
    pub(crate) error_parser: ErrorParser,
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
        self.send_with(operation, &|_| Ok(())).await
    }

    /// Sends `operation`, decorating each attempt with `authorize`, retrying as the policy allows.
    pub(crate) async fn send_with<T>(
        &self,
        op: &Operation<T>,
        authorize: Authorize<'_>,
    ) -> Result<T> {
        let policy = &self.inner.retry;
        let started = tokio::time::Instant::now();
        let mut attempt = 1;
        loop {
            let error = match self.attempt(op, authorize, attempt).await {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            if !policy.should_retry(&error, op.is_idempotent(), attempt) {
                return Err(error);
            }
            let wait = policy.backoff(attempt, &error);
            if started.elapsed() + wait > policy.elapsed_cap() {
                tracing::debug!(
                    operation = op.name(),
                    ?wait,
                    "no retry: the total-time cap would be exceeded"
                );
                return Err(error);
            }
            tracing::warn!(operation = op.name(), attempt, ?wait, error = %error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt: build, send, read within the limit, decode, all within the timeout.
    async fn attempt<T>(
        &self,
        op: &Operation<T>,
        authorize: Authorize<'_>,
        attempt: u32,
    ) -> Result<T> {
        let mut url = self.url_for(op)?;
        let mut headers = op.headers().clone();
        authorize(&mut AuthRequest {
            url: &mut url,
            headers: &mut headers,
        })?;

        let span = tracing::info_span!(
            "biometric.request",
            operation = op.name(),
            method = %op.method(),
            url = %redact_url(&url, &self.inner.sensitive_query),
            attempt,
            status = field::Empty,
        );
        let timeout = op.timeout_value().unwrap_or(self.inner.timeout);
        let exchange = self.exchange(op, url, headers);
        async move {
            let started = tokio::time::Instant::now();
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

    async fn exchange<T>(&self, op: &Operation<T>, url: Url, headers: HeaderMap) -> Result<T> {
        let request = self
            .inner
            .client
            .request(op.method().clone(), url)
            .headers(headers);
        let response = with_body(request, op.body_ref())?
            .send()
            .await
            .map_err(|e| transport_error(op.name(), e))?;
        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        let limit = op
            .max_response_bytes_value()
            .unwrap_or(self.inner.max_response_bytes);
        let headers = response.headers().clone();
        let body = read_limited(response, limit, op.name()).await?;
        let raw = RawResponse {
            operation: op.name(),
            status,
            headers,
            body,
        };
        if op.accepts(status) {
            op.decode(raw)
        } else {
            Err(self.api_error(raw))
        }
    }

    fn api_error(&self, raw: RawResponse) -> Error {
        let (code, message) = (self.inner.error_parser)(&raw);
        ApiError {
            operation: raw.operation,
            status: raw.status,
            code,
            message,
            headers: raw.headers,
            body: raw.body,
        }
        .into()
    }

    /// The base URL plus the operation's path segments (each percent-encoded) and query.
    fn url_for<T>(&self, op: &Operation<T>) -> Result<Url> {
        let mut url = self.inner.base_url.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|_| Error::invalid("base_url", "must be a hierarchical http(s) URL"))?;
            segments.pop_if_empty();
            segments.extend(op.path().split('/').filter(|s| !s.is_empty()));
        }
        if !op.query_pairs().is_empty() {
            url.query_pairs_mut().extend_pairs(
                op.query_pairs()
                    .iter()
                    .map(|(k, v)| (k.as_ref(), v.as_str())),
            );
        }
        Ok(url)
    }
}

fn with_body(request: reqwest::RequestBuilder, body: &Body) -> Result<reqwest::RequestBuilder> {
    Ok(match body {
        Body::Empty => request,
        Body::Json(data) => request
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(data.clone()),
        Body::Bytes { content_type, data } => request
            .header(CONTENT_TYPE, content_type.clone())
            .body(data.clone()),
        Body::Form(fields) => request.form(fields),
        Body::Multipart(parts) => request.multipart(multipart_form(parts)?),
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

/// Reads the body, refusing more than `limit` bytes. A single-chunk body is not copied.
async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
    op: &'static str,
) -> Result<Bytes> {
    let status = response.status();
    let too_large = || Error::ResponseTooLarge { limit, status };
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(op, e))? {
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
    let kind = if err.is_connect() {
        TransportKind::Connect
    } else if err.is_timeout() {
        TransportKind::Timeout
    } else if err.is_builder() {
        TransportKind::Setup
    } else if err.is_redirect() || err.is_decode() {
        TransportKind::Protocol
    } else {
        TransportKind::Io
    };
    TransportError::new(kind, op, Some(Box::new(err.without_url()))).into()
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
