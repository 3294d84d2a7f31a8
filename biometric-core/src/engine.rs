//! The engine: a configured HTTP client plus a vendor's [`Auth`], executing [`Operation`]s.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWrite;
use tokio::time::Instant;
use url::Url;

use crate::auth::{Auth, AuthRequest, NoAuth, TokenCache};
use crate::error::{Error, Result, TransportError, TransportKind};
use crate::operation::{Operation, RequestOptions};
use crate::retry::{RetryPolicy, RetryRules};
use crate::tls::{TlsOptions, ensure_crypto_provider};
use crate::transport::{AnswerCheck, Config, ErrorParser, Transport, default_error_parser};

/// The default timeout of one attempt of an operation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default response body limit: 64 MiB (a 5 MB biometric-data answer fits many times over).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Executes operations against one base URL with one authentication scheme.
///
/// Cheap to clone (an `Arc` inside): clones share the connection pool and the token, so a
/// re-login done for one clone serves them all.
///
/// ```no_run
/// # async fn demo() -> biometric_core::Result<()> {
/// use biometric_core::{Engine, Method, Operation};
///
/// #[derive(serde::Deserialize)]
/// struct Version { version: String }
///
/// let engine = Engine::builder("http://192.168.0.50:9980/1.0/").build()?;
/// let version = engine
///     .execute(Operation::<Version>::new("ef45.version", Method::GET, "version"))
///     .await?;
/// println!("firmware {}", version.version);
/// # Ok(()) }
/// ```
pub struct Engine<A: Auth = NoAuth> {
    inner: Arc<Inner<A>>,
    /// The caller's per-request options applied to every operation of this clone.
    options: Option<Arc<RequestOptions>>,
}

struct Inner<A: Auth> {
    transport: Transport,
    auth: A,
    tokens: TokenCache<A::Token>,
}

impl<A: Auth> Clone for Engine<A> {
    fn clone(&self) -> Self {
        Engine {
            inner: self.inner.clone(),
            options: self.options.clone(),
        }
    }
}

impl<A: Auth> fmt::Debug for Engine<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("base_url", self.inner.transport.base_url())
            .field("auth", &std::any::type_name::<A>())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Engine<NoAuth> {
    /// Starts configuring an engine for `base_url` (`http://` or `https://`).
    pub fn builder(base_url: impl Into<String>) -> EngineBuilder<NoAuth> {
        EngineBuilder::new(base_url)
    }
}

impl<A: Auth> Engine<A> {
    /// Sends `operation` (authenticated unless it says otherwise) and decodes its answer.
    ///
    /// The operation is validated first ([`Operation::validate`]): an invalid one fails with
    /// [`Error::InvalidRequest`] before any I/O, login included. On a response the auth scheme
    /// recognises as a rejected token, the token is renewed once (one renewal shared by all
    /// concurrent requests that saw the same token) and the operation is sent once more. The
    /// replay is safe even for a POST: the server refused the first one (an operation marked
    /// [`Operation::no_replay_after_renewal`] is not replayed: its rejection is returned).
    /// Retries of the first
    /// send and of the replay share one total-time cap.
    pub async fn execute<T>(&self, operation: Operation<T>) -> Result<T> {
        let op = self.prepare(operation)?;
        let started = Instant::now();
        let transport = &self.inner.transport;
        let Some((token, generation)) = self.session(&op).await? else {
            return transport.send_with(&op, &|_| Ok(()), started).await;
        };
        match transport
            .send_with(&op, &self.authorize(&token), started)
            .await
        {
            Err(Error::Api(api)) if self.inner.auth.is_rejection(&api) => {
                self.inner.tokens.refused(generation);
                if !op.replays_after_renewal() {
                    return Err(Error::Api(api));
                }
                let (token, generation) = self.renew(&op, generation).await?;
                let replay = transport
                    .send_with(&op, &self.authorize(&token), started)
                    .await;
                self.after_replay(replay, generation)
            }
            other => other,
        }
    }

    /// A replay refused like the first send: the renewed token is not sent again either, and
    /// the caller gets an authentication failure carrying the server's answer.
    fn after_replay<R>(&self, replay: Result<R>, generation: u64) -> Result<R> {
        match replay {
            Err(Error::Api(api)) if self.inner.auth.is_rejection(&api) => {
                self.inner.tokens.refused(generation);
                Err(Error::auth(
                    "the server refused the renewed credentials too",
                    Some(Error::Api(api)),
                ))
            }
            other => other,
        }
    }

    /// Sends `operation` and writes its success body to `sink` chunk by chunk, never holding it
    /// whole (a database dump, a firmware image). Returns the number of bytes written.
    ///
    /// The body limit does not apply to the streamed body (the sink decides what it keeps); it
    /// still bounds an error body. The operation's timeout covers the whole transfer, so give a
    /// large download a generous one. A failure after the first byte was written is not
    /// retried: the sink holds a partial body, and the caller decides what to do with it.
    ///
    /// ```no_run
    /// # async fn demo() -> biometric_core::Result<()> {
    /// use std::time::Duration;
    /// use biometric_core::{Engine, Method, Operation, decode_unit};
    ///
    /// let engine = Engine::builder("http://127.0.0.1:9980/1.0/").build()?;
    /// let mut file = tokio::fs::File::create("database.b64").await.expect("writable");
    /// let op = Operation::with_decoder("ef45.database", Method::GET, "database", decode_unit)
    ///     .timeout(Duration::from_secs(600));
    /// let bytes = engine.download(op, &mut file).await?;
    /// println!("{bytes} bytes");
    /// # Ok(()) }
    /// ```
    pub async fn download<T, W>(&self, operation: Operation<T>, sink: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let op = self.prepare(operation)?;
        let started = Instant::now();
        let transport = &self.inner.transport;
        let Some((token, generation)) = self.session(&op).await? else {
            return transport.stream_with(&op, &|_| Ok(()), started, sink).await;
        };
        match transport
            .stream_with(&op, &self.authorize(&token), started, sink)
            .await
        {
            Err(Error::Api(api)) if self.inner.auth.is_rejection(&api) => {
                self.inner.tokens.refused(generation);
                if !op.replays_after_renewal() {
                    return Err(Error::Api(api));
                }
                let (token, generation) = self.renew(&op, generation).await?;
                let replay = transport
                    .stream_with(&op, &self.authorize(&token), started, sink)
                    .await;
                self.after_replay(replay, generation)
            }
            other => other,
        }
    }

    /// A clone of this engine whose every operation gets `options` (the caller's timeout, retry
    /// policy, headers, body limit), overriding the operations' own settings. Options given to
    /// one call ([`Operation::with_options`]) win over these.
    pub fn with_options(&self, options: RequestOptions) -> Self {
        Engine {
            inner: self.inner.clone(),
            options: Some(Arc::new(options)),
        }
    }

    fn prepare<T>(&self, operation: Operation<T>) -> Result<Operation<T>> {
        operation.validate()?;
        Ok(match &self.options {
            Some(options) => operation.with_client_options(options),
            None => operation,
        })
    }

    /// The token an authenticated operation is sent with (logging in first when needed), or
    /// `None` for an unauthenticated one.
    async fn session<T>(&self, op: &Operation<T>) -> Result<Option<(Arc<A::Token>, u64)>> {
        if !op.is_authenticated() {
            return Ok(None);
        }
        let inner = &*self.inner;
        Ok(Some(
            inner.tokens.current(&inner.auth, &inner.transport).await?,
        ))
    }

    /// A token newer than generation `stale`, after the server rejected that one.
    async fn renew<T>(&self, op: &Operation<T>, stale: u64) -> Result<(Arc<A::Token>, u64)> {
        tracing::info!(operation = op.name(), "token rejected: renewing once");
        let inner = &*self.inner;
        inner
            .tokens
            .renew(&inner.auth, &inner.transport, stale)
            .await
    }

    /// Puts `token` on each attempt.
    fn authorize<'t>(
        &'t self,
        token: &'t A::Token,
    ) -> impl Fn(&mut AuthRequest<'_>) -> Result<()> + Send + Sync + 't {
        move |request| self.inner.auth.apply(token, request)
    }

    /// The transport, for sending operations without authentication.
    pub fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The auth scheme.
    pub fn auth(&self) -> &A {
        &self.inner.auth
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        self.inner.transport.base_url()
    }

    /// The current token, logging in first if there is none. Use it for calls that need the
    /// token itself (a logout sends the session it ends).
    pub async fn token(&self) -> Result<Arc<A::Token>> {
        let inner = &*self.inner;
        Ok(inner.tokens.current(&inner.auth, &inner.transport).await?.0)
    }

    /// Forgets the current token and returns it; the next authenticated call logs in again.
    /// Waits for a login in progress, so that its token is returned rather than lost.
    pub async fn forget_token(&self) -> Option<Arc<A::Token>> {
        self.inner.tokens.take().await
    }
}

/// The transport settings every vendor client shares: timeouts, retries, TLS, body limit and
/// `User-Agent`.
///
/// Each vendor's client builder starts from its own defaults (a Control iD terminal answers in
/// 15 s, a BioID search may take 10 minutes) and hands them to the caller through one method,
/// `http`, so these settings are documented here once:
///
/// ```
/// use std::time::Duration;
/// use biometric_core::{HttpConfig, RetryPolicy};
///
/// // What a vendor builder's `.http(|h| ...)` closure receives and returns.
/// let tune = |h: HttpConfig| {
///     h.timeout(Duration::from_secs(5))
///         .connect_timeout(Duration::from_secs(2))
///         .retry(RetryPolicy::default().max_attempts(5))
///         .user_agent("my-gate/2.1")
/// };
/// let config = tune(HttpConfig::new("vendor-client/0.1.0"));
/// assert_eq!(config.timeout_value(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
pub struct HttpConfig {
    user_agent: Cow<'static, str>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    tls: TlsOptions,
    max_response_bytes: u64,
}

impl HttpConfig {
    /// The defaults ([`DEFAULT_TIMEOUT`], [`DEFAULT_CONNECT_TIMEOUT`], [`RetryPolicy::default`],
    /// platform TLS roots, [`DEFAULT_MAX_RESPONSE_BYTES`]) with `user_agent`.
    pub fn new(user_agent: impl Into<Cow<'static, str>>) -> Self {
        HttpConfig {
            user_agent: user_agent.into(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            tls: TlsOptions::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The `User-Agent` header (vendor clients set `<crate>/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<Cow<'static, str>>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The timeout of one attempt of a call, from sending to a decoded answer (calls that wait
    /// for a person or move large payloads set their own).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy ([`RetryPolicy::disabled`] turns retries off). Whatever the policy, a
    /// call that is not idempotent is not sent again once it may have reached the server.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// TLS settings (a device's self-signed certificate, pinning).
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// The default response body limit in bytes.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The timeout of one attempt.
    pub fn timeout_value(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }
}

/// Configures an [`Engine`]. Every setting has a sensible default.
#[derive(Debug)]
#[must_use = "call .build() to create the engine"]
pub struct EngineBuilder<A = NoAuth> {
    base_url: String,
    http: HttpConfig,
    loggable_query: Vec<&'static str>,
    error_parser: ErrorParser,
    answer_check: Option<AnswerCheck>,
    rules: RetryRules,
    auth: A,
}

impl EngineBuilder<NoAuth> {
    /// A builder for `base_url` with default settings and no authentication.
    pub fn new(base_url: impl Into<String>) -> Self {
        EngineBuilder {
            base_url: base_url.into(),
            http: HttpConfig::new(concat!("biometric-core/", env!("CARGO_PKG_VERSION"))),
            loggable_query: Vec::new(),
            error_parser: default_error_parser,
            answer_check: None,
            rules: RetryRules::default(),
            auth: NoAuth,
        }
    }
}

impl<A: Auth> EngineBuilder<A> {
    /// Uses `auth` for authenticated operations.
    pub fn auth<B: Auth>(self, auth: B) -> EngineBuilder<B> {
        EngineBuilder {
            base_url: self.base_url,
            http: self.http,
            loggable_query: self.loggable_query,
            error_parser: self.error_parser,
            answer_check: self.answer_check,
            rules: self.rules,
            auth,
        }
    }

    /// Replaces the transport settings.
    pub fn config(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Adjusts the transport settings.
    pub fn http(mut self, configure: impl FnOnce(HttpConfig) -> HttpConfig) -> Self {
        self.http = configure(self.http);
        self
    }

    /// Query parameters whose values may appear in logs (paging, ranges). Every other query
    /// value, the auth scheme's included, is logged as `REDACTED`.
    pub fn loggable_query(mut self, names: &[&'static str]) -> Self {
        self.loggable_query.extend_from_slice(names);
        self
    }

    /// How error bodies are read into a vendor code and message.
    pub fn error_parser(mut self, parser: ErrorParser) -> Self {
        self.error_parser = parser;
        self
    }

    /// How a vendor reports a failure inside an answer whose HTTP status says success (a
    /// terminal's device code under HTTP 200). Checked on every accepted answer of every
    /// operation before it is decoded (and on the start of a streamed one), so a new operation
    /// cannot forget it; a failure found becomes an [`Error::Api`], which the auth scheme may
    /// read as a rejected token (renewal and one replay) like any other.
    pub fn answer_check(mut self, check: AnswerCheck) -> Self {
        self.answer_check = Some(check);
        self
    }

    /// The vendor's retry rules (statuses its service documents as transient, final or "not
    /// processed"), applied to every operation whatever retry policy the caller sets: the
    /// caller's policy is the budget, these say what is safe to send again.
    pub fn retry_rules(mut self, rules: RetryRules) -> Self {
        self.rules = rules;
        self
    }

    /// Builds the engine. Fails on a base URL that is not absolute `http(s)`, or a TLS setup the
    /// HTTP client rejects; performs no I/O.
    pub fn build(self) -> Result<Engine<A>> {
        let base_url = parse_base_url(&self.base_url)?;
        ensure_crypto_provider();
        let http = self.http;
        let client = http
            .tls
            .apply(reqwest::Client::builder())
            .user_agent(http.user_agent.as_ref())
            .connect_timeout(http.connect_timeout)
            .redirect(same_origin_redirects())
            .build()
            .map_err(|e| {
                Error::from(TransportError::new(
                    TransportKind::Setup,
                    "engine.build",
                    Some(Arc::new(e.without_url())),
                ))
            })?;
        let transport = Transport::new(Config {
            client,
            base_url,
            timeout: http.timeout,
            retry: http.retry,
            max_response_bytes: http.max_response_bytes,
            loggable_query: self.loggable_query,
            error_parser: self.error_parser,
            answer_check: self.answer_check,
            rules: self.rules,
        });
        Ok(Engine {
            inner: Arc::new(Inner {
                transport,
                auth: self.auth,
                tokens: TokenCache::new(),
            }),
            options: None,
        })
    }
}

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// Follows a redirect only to the same scheme, host and port, at most [`MAX_REDIRECTS`] times.
///
/// A redirect elsewhere is answered to the caller as the 3xx it is ([`Error::Api`] with the
/// `Location` header): following it would hand the auth scheme's secrets to another host
/// (reqwest drops `Authorization` across hosts, but not a vendor's own key header, and a
/// session or lock id may ride in the query string the server echoes).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

fn parse_base_url(text: &str) -> Result<Url> {
    let rule = "must be an absolute http:// or https:// URL";
    let mut url = Url::parse(text.trim()).map_err(|_| Error::invalid("base_url", rule))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::invalid("base_url", rule));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(
            "base_url",
            "must not have a query or fragment",
        ));
    }
    // Treat the base as a directory: `http://h:9980/1.0` and `http://h:9980/1.0/` mean the same.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            parse_base_url("http://h:9980/1.0").unwrap().as_str(),
            "http://h:9980/1.0/"
        );
        for bad in ["", "192.168.0.1", "ftp://h/", "http://h/?x=1", "mailto:a@b"] {
            let err = parse_base_url(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidRequest { ref field, .. } if field == "base_url"),
                "{bad}: {err}"
            );
        }
    }
}
