//! The engine: a configured HTTP client plus a vendor's [`Auth`], executing [`Operation`]s.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::auth::{Auth, NoAuth, TokenCache};
use crate::error::{Error, Result, TransportError, TransportKind};
use crate::operation::Operation;
use crate::retry::RetryPolicy;
use crate::tls::{TlsOptions, ensure_crypto_provider};
use crate::transport::{Config, ErrorParser, Transport, default_error_parser};

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
        }
    }
}

impl<A: Auth> fmt::Debug for Engine<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("base_url", self.inner.transport.base_url())
            .field("auth", &std::any::type_name::<A>())
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
    /// On a response the auth scheme recognises as a rejected token, the token is renewed once
    /// (one renewal shared by all concurrent requests that saw the same token) and the operation
    /// is sent once more. The replay is safe even for a POST: the server refused the first one.
    pub async fn execute<T>(&self, operation: Operation<T>) -> Result<T> {
        let inner = &*self.inner;
        if !operation.is_authenticated() {
            return inner.transport.send(&operation).await;
        }
        let (token, generation) = inner.tokens.current(&inner.auth, &inner.transport).await?;
        let first = inner
            .transport
            .send_with(&operation, &|request| inner.auth.apply(&token, request))
            .await;
        match first {
            Err(Error::Api(api)) if inner.auth.is_rejection(&api) => {
                tracing::info!(
                    operation = operation.name(),
                    "token rejected: renewing once"
                );
                let (token, _) = inner
                    .tokens
                    .renew(&inner.auth, &inner.transport, generation)
                    .await?;
                inner
                    .transport
                    .send_with(&operation, &|request| inner.auth.apply(&token, request))
                    .await
            }
            other => other,
        }
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
    pub async fn forget_token(&self) -> Option<Arc<A::Token>> {
        self.inner.tokens.take().await
    }
}

/// Configures an [`Engine`]. Every setting has a sensible default.
#[derive(Debug)]
#[must_use = "call .build() to create the engine"]
pub struct EngineBuilder<A = NoAuth> {
    base_url: String,
    user_agent: Cow<'static, str>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    tls: TlsOptions,
    max_response_bytes: u64,
    sensitive_query: Vec<&'static str>,
    error_parser: ErrorParser,
    auth: A,
}

impl EngineBuilder<NoAuth> {
    /// A builder for `base_url` with default settings and no authentication.
    pub fn new(base_url: impl Into<String>) -> Self {
        EngineBuilder {
            base_url: base_url.into(),
            user_agent: Cow::Borrowed(concat!("biometric-core/", env!("CARGO_PKG_VERSION"))),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            tls: TlsOptions::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            sensitive_query: Vec::new(),
            error_parser: default_error_parser,
            auth: NoAuth,
        }
    }
}

impl<A: Auth> EngineBuilder<A> {
    /// Uses `auth` for authenticated operations.
    pub fn auth<B: Auth>(self, auth: B) -> EngineBuilder<B> {
        EngineBuilder {
            base_url: self.base_url,
            user_agent: self.user_agent,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            retry: self.retry,
            tls: self.tls,
            max_response_bytes: self.max_response_bytes,
            sensitive_query: self.sensitive_query,
            error_parser: self.error_parser,
            auth,
        }
    }

    /// The `User-Agent` header; vendor crates set `<crate>/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<Cow<'static, str>>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The default timeout of one attempt (operations may set their own).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time allowed to open a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy ([`RetryPolicy::disabled`] turns retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// TLS settings.
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// The default response body limit in bytes (operations may set their own).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// A query parameter whose value is redacted from logs (the auth scheme's own are added
    /// automatically).
    pub fn sensitive_query(mut self, name: &'static str) -> Self {
        self.sensitive_query.push(name);
        self
    }

    /// How error bodies are read into a vendor code and message.
    pub fn error_parser(mut self, parser: ErrorParser) -> Self {
        self.error_parser = parser;
        self
    }

    /// Builds the engine. Fails on a base URL that is not absolute `http(s)`, or a TLS setup the
    /// HTTP client rejects; performs no I/O.
    pub fn build(self) -> Result<Engine<A>> {
        let base_url = parse_base_url(&self.base_url)?;
        ensure_crypto_provider();
        let client = self
            .tls
            .apply(reqwest::Client::builder())
            .user_agent(self.user_agent.as_ref())
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| {
                Error::from(TransportError::new(
                    TransportKind::Setup,
                    "engine.build",
                    Some(Box::new(e.without_url())),
                ))
            })?;
        let mut sensitive_query = self.sensitive_query;
        sensitive_query.extend_from_slice(self.auth.sensitive_query());
        let transport = Transport::new(Config {
            client,
            base_url,
            timeout: self.timeout,
            retry: self.retry,
            max_response_bytes: self.max_response_bytes,
            sensitive_query,
            error_parser: self.error_parser,
        });
        Ok(Engine {
            inner: Arc::new(Inner {
                transport,
                auth: self.auth,
                tokens: TokenCache::new(),
            }),
        })
    }
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
