//! The one error type shared by every client in the workspace.
//!
//! Every variant says whether the request may have reached the server, because that decides what
//! a caller can safely do next: an enrollment that *may* have been sent must not be blindly sent
//! again, one that certainly was not can be.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::redact;

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when talking to a biometric device or service.
///
/// Large payloads are boxed so that `Result<T>` stays small. Cloning is cheap (no payload is
/// copied), so one failure can be handed to every caller that waited on it (a shared login).
///
/// `Debug` and `Display` never print a secret or a whole body: raw bodies are shown truncated
/// with secret-looking JSON fields replaced (see [`crate::redact`]).
///
/// # One line says it all
/// `Display` is the same for every vendor: the operation, what the server or device said (its
/// reason, its code, the HTTP status), and whether the request was sent. An error that wraps
/// another prints it whole, so [`source`](StdError::source) goes on from the causes *below*
/// what was printed (the socket error under a timeout): a report that walks the chain
/// (`anyhow`'s `{:#}`) prints each fact once.
///
/// ```
/// use biometric_core::{ApiError, Error, StatusCode};
/// let refused = Error::from(
///     ApiError::new("controlid.remote_enroll", StatusCode::OK)
///         .with_code("3")
///         .with_message("Face exists"),
/// );
/// assert_eq!(
///     refused.to_string(),
///     "controlid.remote_enroll failed: Face exists (code 3, HTTP 200 OK); \
///      the request reached the server"
/// );
/// let login = Error::auth("the login request was refused", Some(refused));
/// assert!(login.to_string().starts_with(
///     "authentication failed: the login request was refused: controlid.remote_enroll failed: \
///      Face exists"
/// ));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input broke a rule of the API. **Nothing was sent.**
    #[non_exhaustive]
    InvalidRequest {
        /// The request field, in the caller's terms (`user_id`, `images[1].tags`...).
        field: Cow<'static, str>,
        /// The rule it broke, phrased to follow the field name ("must be positive").
        rule: Cow<'static, str>,
    },

    /// The exchange failed below HTTP: connect, TLS, timeout, reset.
    /// The request **may have reached the server** unless [`TransportError::is_connect`] is true.
    Transport(Box<TransportError>),

    /// The server answered with a non-success status or a vendor error body.
    /// The request **reached the server**.
    Api(Box<ApiError>),

    /// The server answered with success but the body is not what the vendor documents.
    /// The request **reached the server** and was probably acted on.
    Decode(Box<DecodeError>),

    /// Logging in or obtaining a token failed (bad credentials, unusable key, rejected refresh),
    /// or the server refused the renewed token too (the operation was then sent twice and
    /// refused both times, not acted on; its answer is the source). Otherwise the operation
    /// itself was **not sent**; the login request may have been.
    #[non_exhaustive]
    Auth {
        /// What failed, without any secret.
        message: Cow<'static, str>,
        /// The underlying failure (the login call's API or transport error), if any. `Display`
        /// prints it after the message.
        source: Option<Box<Error>>,
    },

    /// The server's version does not have this operation (a terminal's firmware older than the
    /// call, or a path it answers 404 for while the call exists in a later version).
    /// **Nothing was sent** when the client knew the version beforehand
    /// ([`UnsupportedError::status`] is `None`); after a 404 the request reached the server,
    /// which did not act on it.
    Unsupported(Box<UnsupportedError>),

    /// The response body was larger than the limit set for the operation; reading stopped there.
    /// The request **reached the server**.
    #[non_exhaustive]
    ResponseTooLarge {
        /// The operation whose answer was too large.
        operation: &'static str,
        /// The limit in bytes.
        limit: u64,
        /// The status of the oversized response.
        status: StatusCode,
    },
}

impl Error {
    /// A caller-input error naming the field and the rule it broke.
    ///
    /// ```
    /// let err = biometric_core::Error::invalid("class_id", "must be positive");
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid request: `class_id` must be positive; nothing was sent"
    /// );
    /// ```
    pub fn invalid(
        field: impl Into<Cow<'static, str>>,
        rule: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error::InvalidRequest {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// An authentication failure with an optional cause.
    pub fn auth(message: impl Into<Cow<'static, str>>, source: Option<Error>) -> Self {
        Error::Auth {
            message: message.into(),
            source: source.map(Box::new),
        }
    }

    /// The server's version lacks `operation`: it `needs` something the server does not have
    /// (`found`).
    ///
    /// ```
    /// let err = biometric_core::Error::unsupported(
    ///     "ef45.log_count_between",
    ///     "application 2.1.47 or later",
    ///     "application 2.1.40",
    /// );
    /// assert_eq!(
    ///     err.to_string(),
    ///     "ef45.log_count_between is not supported by this server: it needs application 2.1.47 \
    ///      or later, the server has application 2.1.40; nothing was sent"
    /// );
    /// assert!(err.is_unsupported() && err.is_unsent());
    /// ```
    pub fn unsupported(
        operation: &'static str,
        needs: impl Into<Cow<'static, str>>,
        found: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error::Unsupported(Box::new(UnsupportedError {
            operation,
            needs: needs.into(),
            found: found.into(),
            status: None,
        }))
    }

    /// Like [`unsupported`](Self::unsupported), for a server that answered `status` (a 404 for
    /// a path its version lacks): the request reached it.
    pub fn unsupported_answer(
        operation: &'static str,
        needs: impl Into<Cow<'static, str>>,
        found: impl Into<Cow<'static, str>>,
        status: StatusCode,
    ) -> Self {
        Error::Unsupported(Box::new(UnsupportedError {
            operation,
            needs: needs.into(),
            found: found.into(),
            status: Some(status),
        }))
    }

    /// True when the server's version lacks the operation ([`Error::Unsupported`]).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Error::Unsupported(_))
    }

    /// A deadline of a call made of several exchanges (a vendor's polling helper) elapsed: a
    /// [`TransportKind::Timeout`] transport error for `operation`, with no source.
    pub fn deadline(operation: &'static str) -> Self {
        Error::Transport(Box::new(TransportError::new(
            TransportKind::Timeout,
            operation,
            None,
        )))
    }

    /// A failure of the writer a download streams into: what [`crate::Engine::download`]
    /// reports when its sink fails (a [`TransportKind::Io`] error naming `operation`, with
    /// `error` as its source), for an adapter that finishes writing after the download returned.
    pub fn writer(operation: &'static str, error: std::io::Error) -> Self {
        TransportError::new(TransportKind::Io, operation, Some(Arc::new(error))).into()
    }

    /// The HTTP status, when the server answered (API, decode and oversized-body errors).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode(decode) => decode.status,
            Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::Unsupported(unsupported) => unsupported.status,
            Error::Auth {
                source: Some(source),
                ..
            } => source.status(),
            _ => None,
        }
    }

    /// The raw response body of an API or decode error, exactly as the server sent it.
    pub fn body(&self) -> Option<&Bytes> {
        match self {
            Error::Api(api) => Some(&api.body),
            Error::Decode(decode) => Some(&decode.body),
            Error::Auth {
                source: Some(source),
                ..
            } => source.body(),
            _ => None,
        }
    }

    /// True when the failure was a timeout (connect, or the whole exchange).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(t) if t.kind == TransportKind::Timeout)
    }

    /// True when the connection could not be made: the request certainly did not reach the server.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport(t) if t.is_connect())
    }

    /// True when the request certainly did not reach the server, so sending it again cannot
    /// repeat a side effect.
    pub fn is_unsent(&self) -> bool {
        match self {
            Error::InvalidRequest { .. } => true,
            Error::Transport(transport) => transport.is_unsent(),
            _ => self.refused_unsent(),
        }
    }

    /// An [`Error::Unsupported`] found before sending (not from a 404 answer).
    fn refused_unsent(&self) -> bool {
        matches!(self, Error::Unsupported(unsupported) if unsupported.status.is_none())
    }

    /// True for failures that may go away when the same request is tried again later:
    /// transport failures except a failed TLS handshake or client setup, `408`, `429` and `5xx`
    /// statuses except `501`.
    ///
    /// Whether a retry is *safe* is another question: see [`crate::RetryPolicy`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(t) => !matches!(t.kind, TransportKind::Tls | TransportKind::Setup),
            Error::Api(api) => is_transient_status(api.status),
            _ => false,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The server's answer behind this error: the API error itself, or the one an
    /// authentication failure carries (a refused login, a renewed token refused too).
    fn server_answer(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::Auth {
                source: Some(source),
                ..
            } => source.server_answer(),
            _ => None,
        }
    }

    /// What the server or device said, in its own words (a vendor's message or reason), when
    /// it said something: the same accessor for every vendor, whatever the error's shape.
    ///
    /// ```
    /// use biometric_core::{ApiError, Error, StatusCode};
    /// let refused = Error::from(
    ///     ApiError::new("controlid.remote_enroll", StatusCode::OK)
    ///         .with_code("3")
    ///         .with_message("Face exists"),
    /// );
    /// assert_eq!(refused.reason(), Some("Face exists"));
    /// assert_eq!(refused.code(), Some("3"));
    /// assert_eq!(refused.status(), Some(StatusCode::OK));
    /// ```
    pub fn reason(&self) -> Option<&str> {
        self.server_answer()?.message.as_deref()
    }

    /// The vendor's code (a device code such as EF-45's `1102`, a service's error code), when
    /// the server gave one.
    pub fn code(&self) -> Option<&str> {
        self.server_answer()?.code.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { field, rule } => {
                write!(f, "invalid request: `{field}` {rule}; nothing was sent")
            }
            Error::Transport(transport) => transport.fmt(f),
            Error::Api(api) => api.fmt(f),
            Error::Decode(decode) => decode.fmt(f),
            Error::Auth { message, source } => {
                write!(f, "authentication failed: {message}")?;
                match source {
                    Some(source) => write!(f, ": {source}"),
                    None => Ok(()),
                }
            }
            Error::Unsupported(unsupported) => unsupported.fmt(f),
            Error::ResponseTooLarge {
                operation,
                limit,
                status,
            } => write!(
                f,
                "{operation}: the response body exceeds the limit of {limit} bytes (HTTP \
                 {status}); the request reached the server"
            ),
        }
    }
}

/// The causes below what `Display` printed: an authentication failure prints the error it
/// wraps, so its chain goes on from that error's own cause.
impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Transport(transport) => transport.source(),
            Error::Auth {
                source: Some(source),
                ..
            } => source.source(),
            _ => None,
        }
    }
}

/// Statuses that usually mean "try again later".
pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || (status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED)
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The TCP connection could not be made: nothing was sent.
    Connect,
    /// The TLS handshake failed (the server's certificate was refused, no common protocol):
    /// nothing was sent. Permanent until the TLS settings or the server change, so never retried.
    Tls,
    /// The exchange did not finish within its timeout.
    Timeout,
    /// The request could not be written or the response could not be read.
    Io,
    /// The response did not make sense at the HTTP level (or redirect loop).
    Protocol,
    /// The HTTP client could not be configured (bad certificate, TLS setup).
    Setup,
}

/// A failure below HTTP. The cause is kept as [`source`](StdError::source), without the URL
/// (which may carry a session id in its query).
#[derive(Debug, Clone)]
pub struct TransportError {
    kind: TransportKind,
    operation: &'static str,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl TransportError {
    pub(crate) fn new(
        kind: TransportKind,
        operation: &'static str,
        source: Option<Arc<dyn StdError + Send + Sync>>,
    ) -> Self {
        TransportError {
            kind,
            operation,
            source,
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportKind {
        self.kind
    }

    /// The operation that failed (`"controlid.login"`...).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// True when the connection could not be made (TCP or TLS): the request certainly did not
    /// reach the server.
    pub fn is_connect(&self) -> bool {
        matches!(self.kind, TransportKind::Connect | TransportKind::Tls)
    }

    /// True when the request certainly did not reach the server: the connection could not be
    /// made, or the HTTP client could not be set up to send it.
    pub fn is_unsent(&self) -> bool {
        self.is_connect() || self.kind == TransportKind::Setup
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportKind::Connect => "could not connect",
            TransportKind::Tls => "TLS handshake failed (certificate refused?)",
            TransportKind::Timeout => "timed out",
            TransportKind::Io => "connection failed mid-exchange",
            TransportKind::Protocol => "HTTP protocol error",
            TransportKind::Setup => "HTTP client setup failed",
        };
        let sent = if self.is_unsent() {
            "nothing was sent"
        } else {
            "the request may have reached the server"
        };
        write!(f, "{}: {what}; {sent}", self.operation)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// A non-success answer from the server, with everything it said.
///
/// `Debug` shows the body truncated and with secret-looking JSON fields replaced; the exact bytes
/// stay available in [`body`](Self::body).
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that failed.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: StatusCode,
    /// The vendor's error code, when its error body has one.
    pub code: Option<String>,
    /// The vendor's error message, when its error body has one.
    pub message: Option<String>,
    /// The response headers.
    pub headers: HeaderMap,
    /// The raw response body.
    pub body: Bytes,
}

impl ApiError {
    /// An API error for `operation` answered with `status`, without code, message, headers or
    /// body (add them with the `with_*` methods).
    pub fn new(operation: &'static str, status: StatusCode) -> Self {
        ApiError {
            operation,
            status,
            code: None,
            message: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Sets the vendor's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the vendor's error message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the response headers.
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the raw body.
    pub fn with_body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scrubbed = |text: &Option<String>| text.as_deref().map(redact::text_preview);
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("code", &scrubbed(&self.code))
            .field("message", &scrubbed(&self.message))
            .field("headers", &redact::Headers(&self.headers))
            .field("body", &redact::Body(&self.body))
            .finish()
    }
}

impl fmt::Display for ApiError {
    /// `operation failed: reason (code, HTTP status); the request reached the server`, with
    /// long token-like runs elided from the vendor's reason and code and each cut at
    /// [`redact::PREVIEW_CHARS`] characters ([`redact::text_preview`]): a message may echo what
    /// was sent, or be a megabyte long.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.operation)?;
        if let Some(message) = &self.message {
            write!(f, ": {}", redact::text_preview(message))?;
        }
        f.write_str(" (")?;
        // A vendor whose reason is its code (Control iD's `FACE_EXISTS`) says it once.
        if let Some(code) = self
            .code
            .as_ref()
            .filter(|code| self.message != Some(code.to_string()))
        {
            write!(f, "code {}, ", redact::text_preview(code))?;
        }
        write!(f, "HTTP {}); the request reached the server", self.status)
    }
}

impl StdError for ApiError {}

/// A success answer whose body does not match the vendor's documentation.
///
/// `Debug` shows the body truncated and redacted like [`ApiError`]'s.
#[derive(Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation whose answer could not be read.
    pub operation: &'static str,
    /// The HTTP status, when there was a response.
    pub status: Option<StatusCode>,
    /// Where in the JSON document reading failed (`users[3].id`), when known.
    pub path: Option<String>,
    /// What was wrong, with quoted values from the body elided (see [`crate::redact`]).
    pub message: String,
    /// The raw body.
    pub body: Bytes,
}

impl DecodeError {
    /// A decode failure for `operation` with `message`, no path and no body.
    pub fn new(operation: &'static str, message: impl Into<String>) -> Self {
        DecodeError {
            operation,
            status: None,
            path: None,
            message: message.into(),
            body: Bytes::new(),
        }
    }

    /// Sets the status of the response that could not be read.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the JSON path of the failure.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets the raw body.
    pub fn with_body(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("path", &self.path.as_deref().map(redact::cut))
            .field("message", &redact::text_preview(&self.message))
            .field("body", &redact::Body(&self.body))
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: unexpected response", self.operation)?;
        // The path is made of the body's keys: as long as the server likes.
        if let Some(path) = &self.path {
            write!(f, " at `{}`", redact::cut(path))?;
        }
        write!(f, ": {}", redact::text_preview(&self.message))?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        f.write_str("; the server answered and may have acted on the request")
    }
}

impl StdError for DecodeError {}

impl From<DecodeError> for Error {
    fn from(err: DecodeError) -> Self {
        Error::Decode(Box::new(err))
    }
}

impl From<ApiError> for Error {
    fn from(err: ApiError) -> Self {
        Error::Api(Box::new(err))
    }
}

/// An operation the server's version does not have (see [`Error::Unsupported`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnsupportedError {
    /// The operation refused.
    pub operation: &'static str,
    /// What the operation needs, in the vendor's terms ("application 2.1.47 or later").
    pub needs: Cow<'static, str>,
    /// What the server has ("application 2.1.40").
    pub found: Cow<'static, str>,
    /// `None` when the client refused the call before sending it; the status when the server
    /// answered that it lacks the path (404).
    pub status: Option<StatusCode>,
}

impl fmt::Display for UnsupportedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not supported by this server: it needs {}, the server has {}",
            self.operation, self.needs, self.found
        )?;
        match self.status {
            None => f.write_str("; nothing was sent"),
            Some(status) => write!(
                f,
                "; the server answered HTTP {status} and did not act on it"
            ),
        }
    }
}

impl StdError for UnsupportedError {}

impl From<TransportError> for Error {
    fn from(err: TransportError) -> Self {
        Error::Transport(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_stays_small() {
        assert!(
            std::mem::size_of::<Error>() <= 48,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn transient_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_transient_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 404, 501] {
            assert!(
                !is_transient_status(StatusCode::from_u16(s).unwrap()),
                "{s}"
            );
        }
    }
}
