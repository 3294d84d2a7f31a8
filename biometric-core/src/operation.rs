//! Requests as plain data.
//!
//! An [`Operation`] describes one HTTP exchange and how to read its answer. It can be built and
//! inspected without a network (vendor crates unit-test their requests this way), and it is
//! cheap to replay: bodies are [`Bytes`], so a retry or a re-login replay copies no payload.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, Error, Result};
use crate::path::RequestPath;
use crate::redact;
use crate::retry::{RetryPolicy, RetryRules};
use crate::secret::{ExposeSecret, SecretString};
use crate::stream::StreamBody;

/// Turns a successful raw response into the operation's output.
///
/// A plain function pointer, not a boxed closure: decoders need no captured state (what they
/// need travels in the response), a pointer is `Copy + Send + Sync` for free, and an
/// `Operation` stays cheap to build and to clone for a replay.
pub type Decoder<T> = fn(RawResponse) -> Result<T>;

/// One HTTP exchange and how to read its answer.
///
/// The path is fixed text from the vendor crate plus caller values added with
/// [`segment`](Self::segment), each percent-encoded as one segment:
///
/// ```
/// use biometric_core::{Method, Operation};
///
/// let op = Operation::<()>::new("ef45.user.delete", Method::DELETE, "user")
///     .segment("uuid", "a/b c")
///     .idempotent(true);
/// assert_eq!(op.path(), "user/a%2Fb%20c");
///
/// // A value that would change the path's shape is refused before anything is sent.
/// let bad = Operation::<()>::new("ef45.user.delete", Method::DELETE, "user").segment("uuid", "..");
/// assert!(bad.validate().is_err());
///
/// // Trailing slashes are kept as the vendor writes them.
/// let token = Operation::<()>::new("apptenticate.token", Method::POST, "api/token/");
/// assert_eq!(token.path(), "api/token/");
/// ```
pub struct Operation<T> {
    name: &'static str,
    method: Method,
    path: RequestPath,
    query: Vec<(Cow<'static, str>, String)>,
    headers: HeaderMap,
    body: Body,
    idempotent: bool,
    authenticated: bool,
    /// Sent again after a token renewal when the server rejects the token.
    replay_after_renewal: bool,
    timeout: Option<Duration>,
    max_response_bytes: Option<u64>,
    retry: Option<RetryPolicy>,
    /// The vendor's rules for this operation, added to the engine's.
    rules: RetryRules,
    /// The caller's options for this one call: they win over everything else.
    call: RequestOptions,
    accepted: Vec<StatusCode>,
    decode: Decoder<T>,
}

impl<T: DeserializeOwned> Operation<T> {
    /// An operation whose success body is JSON decoded into `T`.
    ///
    /// `name` identifies it in errors and tracing (`vendor.operation`); `path` is the vendor's
    /// fixed path relative to the engine's base URL (no leading slash needed; a trailing slash is
    /// kept). Caller-supplied values never go into `path`: add them with
    /// [`segment`](Self::segment).
    pub fn new(name: &'static str, method: Method, path: &'static str) -> Self {
        Self::with_decoder(name, method, path, decode_json::<T>)
    }
}

impl<T> Operation<T> {
    /// An operation with a custom decoder (raw bytes, headers plus body, no body...).
    ///
    /// Only GET, HEAD and OPTIONS start out idempotent; anything else is sent at most once
    /// after it may have reached the server unless the vendor crate says
    /// [`idempotent(true)`](Self::idempotent): a `PUT` that takes over a device session is not.
    pub fn with_decoder(
        name: &'static str,
        method: Method,
        path: &'static str,
        decode: Decoder<T>,
    ) -> Self {
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        Operation {
            name,
            method,
            path: RequestPath::fixed(path),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Body::Empty,
            idempotent,
            authenticated: true,
            replay_after_renewal: true,
            timeout: None,
            max_response_bytes: None,
            retry: None,
            rules: RetryRules::default(),
            call: RequestOptions::default(),
            accepted: Vec::new(),
            decode,
        }
    }

    /// Appends one path segment holding a caller value (`field` names it in the error).
    ///
    /// The value is percent-encoded as a single segment (a `/` inside it stays inside it). An
    /// empty, `.` or `..` value would change which resource the path names, so it makes the
    /// operation invalid: sending it fails with [`Error::InvalidRequest`] before any I/O.
    pub fn segment(mut self, field: &'static str, value: impl fmt::Display) -> Self {
        self.path.push_value(field, value.to_string(), false);
        self
    }

    /// Like [`segment`](Self::segment) for a secret value (an EF-45 `lock_uid`): it is replaced
    /// by `REDACTED` in logs and in `Debug`.
    pub fn secret_segment(mut self, field: &'static str, value: &SecretString) -> Self {
        self.path
            .push_value(field, value.expose_secret().to_owned(), true);
        self
    }

    /// Appends more fixed path text after a segment (`template/{id}` then `tags`). A trailing
    /// slash in `path` is kept.
    pub fn literal(mut self, path: &'static str) -> Self {
        self.path.push_fixed(path);
        self
    }

    /// Ends the path with a slash (for a vendor whose paths end in `/` after a value).
    pub fn trailing_slash(mut self) -> Self {
        self.path.trailing_slash = true;
        self
    }

    /// Appends a query parameter (values are URL-encoded when the request is sent).
    ///
    /// Query values are left out of logs unless the engine lists the parameter as loggable
    /// ([`crate::EngineBuilder::loggable_query`]).
    pub fn query(mut self, name: impl Into<Cow<'static, str>>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Appends a query parameter when `value` is `Some`.
    pub fn query_opt(
        self,
        name: impl Into<Cow<'static, str>>,
        value: Option<impl ToString>,
    ) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Sets a request header. A `Content-Type` set here replaces the body's default one.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sends `value` serialized as JSON.
    ///
    /// Serialization of the SDK's own request types cannot fail; a failure here (a map with
    /// non-string keys in caller data) is reported as an invalid request.
    pub fn json_body(mut self, value: &impl Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| Error::invalid("body", format!("cannot be serialized as JSON: {e}")))?;
        self.body = Body::Json(Bytes::from(bytes));
        Ok(self)
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Whether sending this operation twice has the same effect as sending it once.
    ///
    /// Defaults to true for GET, HEAD and OPTIONS only. Only idempotent operations are retried
    /// after the request may have reached the server, so each vendor operation states this
    /// explicitly for any other method.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends the operation without the engine's authentication (a login call, a health check).
    pub fn unauthenticated(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// Not sent again when the server rejects the token: the rejection is returned (and the next
    /// operation renews the token). For a step of a multi-call sequence that lives in the
    /// server's session, such as a unit of an upload: a new session may not hold what the old
    /// one had received, so repeating the step in it would continue a sequence that is gone.
    pub fn no_replay_after_renewal(mut self) -> Self {
        self.replay_after_renewal = false;
        self
    }

    /// A timeout for this operation only, for each attempt, overriding the engine's default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A response body limit for this operation only, overriding the engine's default.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// The vendor's retry rules for this operation, added to the engine's (see
    /// [`RetryRules`]): no caller setting removes them.
    pub fn retry_rules(mut self, rules: RetryRules) -> Self {
        self.rules = self.rules.with(&rules);
        self
    }

    /// A retry budget for this operation only, overriding the engine's (the vendor's
    /// [`RetryRules`] still apply).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Applies a caller's options to this one call. They win over the operation's own settings
    /// and over options set on the client ([`crate::Engine::with_options`]); of two calls to
    /// this method, the later wins.
    pub fn with_options(mut self, options: &RequestOptions) -> Self {
        self.call.merge(options);
        self
    }

    /// Applies a client's options: over the operation's own settings, under the call's.
    pub(crate) fn with_client_options(mut self, options: &RequestOptions) -> Self {
        if let Some(timeout) = options.timeout {
            self.timeout = Some(timeout);
        }
        if let Some(limit) = options.max_response_bytes {
            self.max_response_bytes = Some(limit);
        }
        if let Some(retry) = &options.retry {
            self.retry = Some(retry.clone());
        }
        for (name, value) in &options.headers {
            self.headers.insert(name.clone(), value.clone());
        }
        self
    }

    /// Hands responses with `status` to the decoder instead of turning them into an API error
    /// (a 404 that means "no template", a 204 that means "no frame yet").
    pub fn accept_status(mut self, status: StatusCode) -> Self {
        self.accepted.push(status);
        self
    }

    /// Whether a response with `status` goes to the decoder.
    pub fn accepts(&self, status: StatusCode) -> bool {
        status.is_success() || self.accepted.contains(&status)
    }

    /// Checks what can be checked without a network: the path's caller values. The engine calls
    /// this before anything is sent (and before any login).
    pub fn validate(&self) -> Result<()> {
        self.path.validate()?;
        if let Body::Multipart(parts) = &self.body {
            parts.iter().try_for_each(Part::validate)?;
        }
        if self.headers.contains_key(CONTENT_TYPE)
            && matches!(self.body, Body::Form(_) | Body::Multipart(_))
        {
            return Err(Error::invalid(
                "content-type",
                "is set by a form or multipart body and cannot be overridden",
            ));
        }
        Ok(())
    }

    /// The name used in errors and tracing.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path relative to the base URL, percent-encoded as it will be sent (secret segments
    /// included: use it in tests, not in logs).
    pub fn path(&self) -> String {
        self.path.render(false)
    }

    pub(crate) fn request_path(&self) -> &RequestPath {
        &self.path
    }

    /// The query parameters, in order.
    pub fn query_pairs(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
    }

    /// The extra headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body_ref(&self) -> &Body {
        &self.body
    }

    /// Whether the operation may be sent more than once.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Whether the engine's authentication is applied.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Whether the operation is sent again after a token renewal (see
    /// [`no_replay_after_renewal`](Self::no_replay_after_renewal)).
    pub fn replays_after_renewal(&self) -> bool {
        self.replay_after_renewal
    }

    /// The timeout of each attempt, if this call or operation sets one.
    pub fn timeout_value(&self) -> Option<Duration> {
        self.call.timeout.or(self.timeout)
    }

    /// The body limit, if this call or operation sets one.
    pub fn max_response_bytes_value(&self) -> Option<u64> {
        self.call.max_response_bytes.or(self.max_response_bytes)
    }

    /// The retry policy, if this call or operation sets one.
    pub fn retry_value(&self) -> Option<&RetryPolicy> {
        self.call.retry.as_ref().or(self.retry.as_ref())
    }

    /// The vendor's retry rules of this operation (the engine's are added when it is sent).
    pub fn retry_rules_value(&self) -> &RetryRules {
        &self.rules
    }

    /// The headers to send: the operation's, with this call's extra headers over them.
    pub(crate) fn effective_headers(&self) -> HeaderMap {
        let mut headers = self.headers.clone();
        for (name, value) in &self.call.headers {
            headers.insert(name.clone(), value.clone());
        }
        headers
    }

    pub(crate) fn decode(&self, response: RawResponse) -> Result<T> {
        (self.decode)(response)
    }
}

/// Settings a caller applies to one call (or to every call of a client clone): the AWS SDK's
/// `customize()`, async-stripe's request strategy.
///
/// ```
/// use std::time::Duration;
/// use biometric_core::{HeaderValue, RequestOptions, RetryPolicy, header::HeaderName};
///
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(120))
///     .retry(RetryPolicy::disabled())
///     .header(HeaderName::from_static("x-request-id"), HeaderValue::from_static("order-77"));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Replaces the timeout of each attempt.
    pub timeout: Option<Duration>,
    /// Replaces the retry policy.
    pub retry: Option<RetryPolicy>,
    /// Replaces the response body limit.
    pub max_response_bytes: Option<u64>,
    /// Extra headers (replacing same-named ones the operation sets).
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// The timeout of each attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The response body limit in bytes.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// An extra header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Takes every setting `newer` has.
    fn merge(&mut self, newer: &RequestOptions) {
        self.timeout = newer.timeout.or(self.timeout);
        self.max_response_bytes = newer.max_response_bytes.or(self.max_response_bytes);
        if newer.retry.is_some() {
            self.retry = newer.retry.clone();
        }
        self.headers.extend(newer.headers.iter().cloned());
    }
}

impl<T> fmt::Debug for Operation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Query values and headers may carry secrets: print their names only.
        let query: Vec<&str> = self.query.iter().map(|(k, _)| k.as_ref()).collect();
        let headers: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Operation")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("path", &self.path.render(true))
            .field("query", &query)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("idempotent", &self.idempotent)
            .field("authenticated", &self.authenticated)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A request body. Payloads are [`Bytes`]: cloning one for a retry copies nothing.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A serialized JSON document (`Content-Type: application/json`).
    Json(Bytes),
    /// Raw bytes with their content type (an image upload, a firmware unit).
    Bytes {
        /// The `Content-Type` to send.
        content_type: HeaderValue,
        /// The payload.
        data: Bytes,
    },
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(Cow<'static, str>, String)>),
    /// `multipart/form-data` parts.
    Multipart(Vec<Part>),
    /// Bytes read chunk by chunk from a file or a reader while they are sent (a firmware image).
    Stream(StreamBody),
}

impl Body {
    /// Raw bytes with a content type.
    pub fn bytes(content_type: &'static str, data: impl Into<Bytes>) -> Self {
        Body::Bytes {
            content_type: HeaderValue::from_static(content_type),
            data: data.into(),
        }
    }

    /// The number of payload bytes, where known without encoding (JSON and raw bytes).
    pub fn len(&self) -> Option<usize> {
        match self {
            Body::Empty => Some(0),
            Body::Json(data) | Body::Bytes { data, .. } => Some(data.len()),
            Body::Stream(stream) => stream.length().map(|len| len as usize),
            Body::Form(_) | Body::Multipart(_) => None,
        }
    }

    /// Whether the body can be sent again for a retry (everything but a reader stream).
    pub fn is_replayable(&self) -> bool {
        match self {
            Body::Stream(stream) => stream.is_replayable(),
            _ => true,
        }
    }

    /// True for [`Body::Empty`].
    pub fn is_empty(&self) -> bool {
        matches!(self, Body::Empty)
    }

    /// The JSON document, for inspection in tests.
    pub fn as_json(&self) -> Option<serde_json::Value> {
        match self {
            Body::Json(data) => serde_json::from_slice(data).ok(),
            _ => None,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies hold biometric data and passwords: print sizes, never content.
        match self {
            Body::Empty => f.write_str("Empty"),
            Body::Json(data) => write!(f, "Json({} bytes)", data.len()),
            Body::Bytes { content_type, data } => {
                write!(f, "Bytes({content_type:?}, {} bytes)", data.len())
            }
            Body::Form(fields) => {
                let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_ref()).collect();
                write!(f, "Form({names:?})")
            }
            Body::Multipart(parts) => f.debug_tuple("Multipart").field(parts).finish(),
            Body::Stream(stream) => f.debug_tuple("Stream").field(stream).finish(),
        }
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Clone)]
pub struct Part {
    pub(crate) name: Cow<'static, str>,
    pub(crate) data: Bytes,
    pub(crate) file_name: Option<Cow<'static, str>>,
    pub(crate) content_type: Option<&'static str>,
}

impl Part {
    /// A text field.
    pub fn text(name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        let value: String = value.into();
        Part {
            name: name.into(),
            data: Bytes::from(value),
            file_name: None,
            content_type: None,
        }
    }

    /// A file field.
    pub fn file(
        name: impl Into<Cow<'static, str>>,
        file_name: impl Into<Cow<'static, str>>,
        content_type: &'static str,
        data: impl Into<Bytes>,
    ) -> Self {
        Part {
            name: name.into(),
            data: data.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type),
        }
    }

    /// The field name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The payload.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// The file name of a file part.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// A file name goes into the part's headers as written (reqwest escapes a CR or LF with a
    /// backslash but keeps it, which no server reads as an escape): a control character there
    /// would let a caller's file name add headers to the part.
    fn validate(&self) -> Result<()> {
        match &self.file_name {
            Some(name) if name.chars().any(char::is_control) => Err(Error::invalid(
                format!("{}.file_name", self.name),
                "must not contain control characters",
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

/// A response as received: status, headers and the whole body (read within the body limit).
///
/// `Debug` shows the body truncated and redacted (see [`crate::redact`]).
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The operation it answers.
    pub operation: &'static str,
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// A response to `operation` (for decoder tests and custom transports).
    pub fn new(
        operation: &'static str,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        RawResponse {
            operation,
            status,
            headers,
            body,
        }
    }

    /// Decodes the body as JSON into `T`, reporting the JSON path of a mismatch.
    ///
    /// serde's messages quote the offending value; the quoted text is elided from the error's
    /// message when it is long or sits under a secret-looking field (the raw body keeps it).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            let message = redact::decode_message(&path, &err.into_inner().to_string());
            self.decode_error(Some(path), message)
        })
    }

    /// A decode error about this response, carrying its status and raw body.
    pub fn decode_error(&self, path: Option<String>, message: impl Into<String>) -> Error {
        let mut error = DecodeError::new(self.operation, message)
            .with_status(self.status)
            .with_body(self.body.clone());
        error.path = path;
        error.into()
    }

    /// An API error about this response (a vendor failure inside a 2xx answer), carrying its
    /// status, headers and raw body.
    pub fn api_error(&self, code: Option<String>, message: Option<String>) -> Error {
        let mut error = crate::ApiError::new(self.operation, self.status)
            .with_headers(self.headers.clone())
            .with_body(self.body.clone());
        error.code = code;
        error.message = message;
        error.into()
    }

    /// A header value as text, if present and visible ASCII.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Type` header, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("headers", &redact::Headers(&self.headers))
            .field("body", &redact::Body(&self.body))
            .finish()
    }
}

/// Decodes a JSON body into `T` (the default decoder).
pub fn decode_json<T: DeserializeOwned>(response: RawResponse) -> Result<T> {
    response.json()
}

/// Accepts any success body and returns nothing (204 answers, "no body" answers).
pub fn decode_unit(_: RawResponse) -> Result<()> {
    Ok(())
}

/// Returns the body bytes as they came (an image download).
pub fn decode_bytes(response: RawResponse) -> Result<Bytes> {
    Ok(response.body)
}

/// Returns the whole response (a decoder that needs headers does its own reading).
pub fn decode_raw(response: RawResponse) -> Result<RawResponse> {
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Users {
        users: Vec<User>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct User {
        id: u64,
    }

    fn raw(body: &'static str) -> RawResponse {
        RawResponse::new(
            "test.op",
            StatusCode::OK,
            HeaderMap::new(),
            Bytes::from_static(body.as_bytes()),
        )
    }

    #[test]
    fn json_mismatch_reports_the_path_and_keeps_the_body() {
        let err = raw(r#"{"users":[{"id":1},{"id":"x"}]}"#)
            .json::<Users>()
            .unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(decode.path.as_deref(), Some("users[1].id"));
        assert_eq!(&decode.body[..], br#"{"users":[{"id":1},{"id":"x"}]}"#);
    }

    #[test]
    fn only_safe_methods_are_idempotent_by_default() {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            let op = Operation::<()>::with_decoder("t", method.clone(), "x", decode_unit);
            assert!(!op.is_idempotent(), "{method}");
        }
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            let op = Operation::<()>::with_decoder("t", method.clone(), "x", decode_unit);
            assert!(op.is_idempotent(), "{method}");
        }
        let put =
            Operation::<()>::with_decoder("t", Method::PUT, "x", decode_unit).idempotent(true);
        assert!(put.is_idempotent());
    }

    #[test]
    fn debug_hides_query_values_and_body_content() {
        let op = Operation::<()>::with_decoder("t", Method::POST, "x", decode_unit)
            .query("session", "s3cr3t-session")
            .json_body(&serde_json::json!({"password": "hunter2"}))
            .unwrap();
        let text = format!("{op:?}");
        assert!(
            !text.contains("s3cr3t-session") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(text.contains("session"));
    }
}
