//! The auth hook: how a vendor crate logs in, decorates requests and recovers from an expired
//! session, with the single-flight re-login the core guarantees.
//!
//! The five services authenticate five ways (a session id in the query string, a lock UUID in the
//! query string, a locally signed JWT, a static key header, an access/refresh token pair). What
//! they share is the life cycle, which the core owns:
//!
//! 1. before the first authenticated request, [`Auth::acquire`] obtains a token;
//! 2. every request is decorated with it by [`Auth::apply`];
//! 3. a response that [`Auth::is_rejection`] recognises causes **one** new
//!    [`acquire`](Auth::acquire) (shared by every request that saw the same stale token) and
//!    **one** replay of the request.

use std::future::Future;
use std::sync::Arc;

use http::header::{HeaderName, HeaderValue};
use tokio::sync::Mutex;
use url::Url;

use crate::error::{ApiError, Error, Result};
use crate::secret::{ExposeSecret, SecretString};
use crate::transport::Transport;

/// A vendor's authentication scheme.
///
/// ```
/// use biometric_core::{ApiError, Auth, AuthRequest, Result, SecretString, Transport};
///
/// /// A service whose every call carries `?key=...`.
/// struct QueryKey(SecretString);
///
/// impl Auth for QueryKey {
///     type Token = ();
///     async fn acquire(&self, _: &Transport, _: Option<&()>) -> Result<()> {
///         Ok(())
///     }
///     fn apply(&self, _: &(), request: &mut AuthRequest<'_>) -> Result<()> {
///         request.secret_query("key", &self.0);
///         Ok(())
///     }
///     fn sensitive_query(&self) -> &'static [&'static str] {
///         &["key"]
///     }
/// }
/// ```
pub trait Auth: Send + Sync + 'static {
    /// What a login produces (a session id, a JWT with its expiry, a token pair...).
    type Token: Send + Sync + 'static;

    /// Obtains a fresh token, sending any login request through `transport` (which applies
    /// retries and timeouts but no authentication). `previous` is the token being replaced, if
    /// any: a refresh-token scheme refreshes from it, others ignore it.
    ///
    /// The core never runs two `acquire`s at once for one engine.
    fn acquire(
        &self,
        transport: &Transport,
        previous: Option<&Self::Token>,
    ) -> impl Future<Output = Result<Self::Token>> + Send;

    /// Whether a cached token can still be used without asking the server (a JWT before its
    /// expiry). Defaults to true: the server says when it is not, through a rejection.
    fn is_fresh(&self, _token: &Self::Token) -> bool {
        true
    }

    /// Puts the token on a request.
    fn apply(&self, token: &Self::Token, request: &mut AuthRequest<'_>) -> Result<()>;

    /// Whether an error answer means "your token is no longer valid". Defaults to HTTP 401.
    fn is_rejection(&self, error: &ApiError) -> bool {
        error.status == http::StatusCode::UNAUTHORIZED
    }

    /// Query parameters this scheme puts secrets in, to be redacted from logs.
    fn sensitive_query(&self) -> &'static [&'static str] {
        &[]
    }
}

/// The part of a request an [`Auth`] may change: the URL's query and the headers.
#[derive(Debug)]
pub struct AuthRequest<'a> {
    pub(crate) url: &'a mut Url,
    pub(crate) headers: &'a mut http::HeaderMap,
}

impl AuthRequest<'_> {
    /// Appends a query parameter holding a secret (URL-encoded; name it in
    /// [`Auth::sensitive_query`] so that logs redact it).
    pub fn secret_query(&mut self, name: &str, secret: &SecretString) {
        self.url
            .query_pairs_mut()
            .append_pair(name, secret.expose_secret());
    }

    /// Sets a header; mark secret values [sensitive](HeaderValue::set_sensitive)
    /// (see [`crate::sensitive_header`]).
    pub fn header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    /// Sets `Authorization: Bearer <token>`, marked sensitive.
    pub fn bearer(&mut self, token: &SecretString) -> Result<()> {
        let value = crate::secret::sensitive_header("Bearer ", token)?;
        self.headers.insert(http::header::AUTHORIZATION, value);
        Ok(())
    }
}

/// No authentication (health checks, a device with auth turned off).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Auth for NoAuth {
    type Token = ();

    async fn acquire(&self, _: &Transport, _: Option<&()>) -> Result<()> {
        Ok(())
    }

    fn apply(&self, _: &(), _: &mut AuthRequest<'_>) -> Result<()> {
        Ok(())
    }
}

/// One fixed secret header on every request: a subscription key, a ready-made bearer token.
///
/// ```
/// use biometric_core::{SecretString, StaticHeaderAuth};
/// let auth = StaticHeaderAuth::new("ocp-apim-subscription-key", "", &SecretString::from("k")).unwrap();
/// assert!(!format!("{auth:?}").contains("\"k\""));
/// ```
#[derive(Debug, Clone)]
pub struct StaticHeaderAuth {
    name: HeaderName,
    value: HeaderValue,
}

impl StaticHeaderAuth {
    /// `name: <prefix><secret>`, the value marked sensitive.
    pub fn new(name: &'static str, prefix: &str, secret: &SecretString) -> Result<Self> {
        if secret.expose_secret().is_empty() {
            return Err(Error::invalid(name, "must not be empty"));
        }
        Ok(StaticHeaderAuth {
            name: HeaderName::from_static(name),
            value: crate::secret::sensitive_header(prefix, secret)?,
        })
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &SecretString) -> Result<Self> {
        Self::new("authorization", "Bearer ", token)
    }
}

impl Auth for StaticHeaderAuth {
    type Token = ();

    async fn acquire(&self, _: &Transport, _: Option<&()>) -> Result<()> {
        Ok(())
    }

    fn apply(&self, _: &(), request: &mut AuthRequest<'_>) -> Result<()> {
        request.header(self.name.clone(), self.value.clone());
        Ok(())
    }
}

/// The token an engine holds, with a generation number that tells a stale rejection from a
/// fresh one.
pub(crate) struct TokenCache<T> {
    slot: Mutex<Slot<T>>,
}

struct Slot<T> {
    token: Option<Arc<T>>,
    generation: u64,
}

/// A token and the generation it belongs to.
pub(crate) type Current<T> = (Arc<T>, u64);

impl<T: Send + Sync + 'static> TokenCache<T> {
    pub(crate) fn new() -> Self {
        TokenCache {
            slot: Mutex::new(Slot {
                token: None,
                generation: 0,
            }),
        }
    }

    /// The current token, acquiring one when there is none or it is no longer fresh.
    pub(crate) async fn current<A: Auth<Token = T>>(
        &self,
        auth: &A,
        transport: &Transport,
    ) -> Result<Current<T>> {
        let mut slot = self.slot.lock().await;
        if let Some(token) = &slot.token
            && auth.is_fresh(token)
        {
            return Ok((token.clone(), slot.generation));
        }
        Self::replace(&mut slot, auth, transport).await
    }

    /// A token newer than generation `stale`: acquires one unless another request already did.
    ///
    /// Holding the lock across `acquire` is what makes the re-login single-flight: every request
    /// that was rejected with generation `stale` waits here and then finds the new token.
    pub(crate) async fn renew<A: Auth<Token = T>>(
        &self,
        auth: &A,
        transport: &Transport,
        stale: u64,
    ) -> Result<Current<T>> {
        let mut slot = self.slot.lock().await;
        if slot.generation != stale
            && let Some(token) = &slot.token
        {
            return Ok((token.clone(), slot.generation));
        }
        Self::replace(&mut slot, auth, transport).await
    }

    /// Forgets the token (after a logout) and returns it.
    pub(crate) async fn take(&self) -> Option<Arc<T>> {
        let mut slot = self.slot.lock().await;
        slot.generation += 1;
        slot.token.take()
    }

    async fn replace<A: Auth<Token = T>>(
        slot: &mut Slot<T>,
        auth: &A,
        transport: &Transport,
    ) -> Result<Current<T>> {
        let previous = slot.token.take();
        let token = Arc::new(
            auth.acquire(transport, previous.as_deref())
                .await
                .map_err(into_auth_error)?,
        );
        slot.generation += 1;
        slot.token = Some(token.clone());
        Ok((token, slot.generation))
    }
}

/// A login that the server refused is an authentication failure; a login that could not reach
/// the server stays a transport error (it is retryable and says so).
fn into_auth_error(err: Error) -> Error {
    match err {
        Error::Api(_) | Error::Decode(_) => Error::auth("the login request was refused", Some(err)),
        other => other,
    }
}
