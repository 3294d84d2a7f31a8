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

/// Turns a successful raw response into the operation's output.
pub type Decoder<T> = fn(RawResponse) -> Result<T>;

/// One HTTP exchange and how to read its answer.
///
/// ```
/// use biometric_core::{Method, Operation};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Version { version: String }
///
/// let op = Operation::<Version>::new("ef45.version", Method::GET, "version")
///     .idempotent(true)
///     .query("verbose", "1");
/// assert_eq!(op.path(), "version");
/// assert_eq!(op.query_pairs()[0].1, "1");
/// ```
pub struct Operation<T> {
    name: &'static str,
    method: Method,
    path: Cow<'static, str>,
    query: Vec<(Cow<'static, str>, String)>,
    headers: HeaderMap,
    body: Body,
    idempotent: bool,
    authenticated: bool,
    timeout: Option<Duration>,
    max_response_bytes: Option<u64>,
    accepted: Vec<StatusCode>,
    decode: Decoder<T>,
}

impl<T: DeserializeOwned> Operation<T> {
    /// An operation whose success body is JSON decoded into `T`.
    ///
    /// `name` identifies it in errors and tracing (`vendor.operation`); `path` is relative to the
    /// engine's base URL (no leading slash needed).
    pub fn new(name: &'static str, method: Method, path: impl Into<Cow<'static, str>>) -> Self {
        Self::with_decoder(name, method, path, decode_json::<T>)
    }
}

impl<T> Operation<T> {
    /// An operation with a custom decoder (raw bytes, headers plus body, no body...).
    pub fn with_decoder(
        name: &'static str,
        method: Method,
        path: impl Into<Cow<'static, str>>,
        decode: Decoder<T>,
    ) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Operation {
            name,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Body::Empty,
            idempotent,
            authenticated: true,
            timeout: None,
            max_response_bytes: None,
            accepted: Vec::new(),
            decode,
        }
    }

    /// Appends a query parameter (values are URL-encoded when the request is sent).
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

    /// Sets a request header.
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
    /// Defaults to true for GET, HEAD, PUT, DELETE and OPTIONS, false for POST and PATCH. Only
    /// idempotent operations are retried after the request may have reached the server.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends the operation without the engine's authentication (a login call, a health check).
    pub fn unauthenticated(mut self) -> Self {
        self.authenticated = false;
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

    /// The name used in errors and tracing.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, relative to the base URL.
    pub fn path(&self) -> &str {
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

    /// The per-operation timeout, if set.
    pub fn timeout_value(&self) -> Option<Duration> {
        self.timeout
    }

    /// The per-operation body limit, if set.
    pub fn max_response_bytes_value(&self) -> Option<u64> {
        self.max_response_bytes
    }

    pub(crate) fn decode(&self, response: RawResponse) -> Result<T> {
        (self.decode)(response)
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
            .field("path", &self.path)
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
            Body::Form(_) | Body::Multipart(_) => None,
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
#[derive(Debug, Clone)]
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
    /// Decodes the body as JSON into `T`, reporting the JSON path of a mismatch.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            self.decode_error(Some(path), err.into_inner().to_string())
        })
    }

    /// A decode error about this response, carrying its status and raw body.
    pub fn decode_error(&self, path: Option<String>, message: impl Into<String>) -> Error {
        DecodeError {
            operation: self.operation,
            status: Some(self.status),
            path,
            message: message.into(),
            body: self.body.clone(),
        }
        .into()
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
        RawResponse {
            operation: "test.op",
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
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
    fn post_is_not_idempotent_by_default_put_is() {
        let post = Operation::<()>::with_decoder("t", Method::POST, "x", decode_unit);
        let put = Operation::<()>::with_decoder("t", Method::PUT, "x", decode_unit);
        assert!(!post.is_idempotent());
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
