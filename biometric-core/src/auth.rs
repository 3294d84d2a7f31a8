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
}

/// The part of a request an [`Auth`] may change: the URL's query and the headers.
#[derive(Debug)]
pub struct AuthRequest<'a> {
    pub(crate) url: &'a mut Url,
    pub(crate) headers: &'a mut http::HeaderMap,
}

impl AuthRequest<'_> {
    /// Appends a query parameter holding a secret (URL-encoded). Logs never show it: only the
    /// query parameters the engine lists as loggable keep their values there.
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
/// let auth = StaticHeaderAuth::new("Ocp-Apim-Subscription-Key", "", &SecretString::from("k")).unwrap();
/// assert!(!format!("{auth:?}").contains("\"k\""));
/// assert!(StaticHeaderAuth::new("bad header", "", &SecretString::from("k")).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct StaticHeaderAuth {
    name: HeaderName,
    value: HeaderValue,
}

impl StaticHeaderAuth {
    /// `name: <prefix><secret>`, the value marked sensitive. Header names are case-insensitive:
    /// `Ocp-Apim-Subscription-Key` and `ocp-apim-subscription-key` are the same header.
    ///
    /// Fails with [`Error::InvalidRequest`] for a name that is not a valid header name, an empty
    /// secret, or a value that cannot travel in a header.
    pub fn new(name: &str, prefix: &str, secret: &SecretString) -> Result<Self> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::invalid("header_name", "must be a valid HTTP header name"))?;
        if secret.expose_secret().is_empty() {
            return Err(Error::invalid(name.to_string(), "must not be empty"));
        }
        Ok(StaticHeaderAuth {
            value: crate::secret::sensitive_header(prefix, secret)?,
            name,
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

    /// Never: a fixed key that was refused stays refused, so renewing it and replaying the
    /// request (a second enrollment POST) would gain nothing. The 401 is returned as it came.
    fn is_rejection(&self, _: &ApiError) -> bool {
        false
    }
}

/// The token an engine holds, with a generation number that tells a stale rejection from a
/// fresh one.
///
/// Two locks, so that a slow login never holds a caller that already has a usable token:
/// `state` (a short synchronous lock around plain data, never held across an await) and
/// `login` (held for the whole of one `acquire`, which makes logins single-flight).
///
/// Every login that ends, well or badly, bumps `attempts`. A caller that queued for `login`
/// compares the count it saw before queueing with the one it finds: if a login ended meanwhile,
/// it takes that login's outcome (the new token, or a clone of the same failure) instead of
/// logging in again. So twenty callers behind one failing login get one failure, not twenty
/// logins one after the other.
///
/// The previous token is cloned, never taken out, before `acquire` awaits: if the login fails or
/// its future is dropped midway, the state is exactly as it was (the refresh token to refresh
/// from, the device lock to release).
pub(crate) struct TokenCache<T> {
    state: std::sync::Mutex<State<T>>,
    login: Mutex<()>,
}

struct State<T> {
    token: Option<Arc<T>>,
    generation: u64,
    /// The server refused the current token (generation `generation`): it is kept for the next
    /// `acquire` (a refresh token to refresh from) but never sent again.
    refused: bool,
    attempts: u64,
    last_failure: Option<Error>,
}

/// A token and the generation it belongs to.
pub(crate) type Current<T> = (Arc<T>, u64);

/// What the state says a caller should do.
enum Next<T> {
    Use(Current<T>),
    Fail(Error),
    Login,
}

impl<T: Send + Sync + 'static> TokenCache<T> {
    pub(crate) fn new() -> Self {
        TokenCache {
            state: std::sync::Mutex::new(State {
                token: None,
                generation: 0,
                refused: false,
                attempts: 0,
                last_failure: None,
            }),
            login: Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State<T>> {
        // The lock guards plain data and is never held across a panic-prone call.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current token, acquiring one when there is none or it is no longer fresh.
    pub(crate) async fn current<A: Auth<Token = T>>(
        &self,
        auth: &A,
        transport: &Transport,
    ) -> Result<Current<T>> {
        let usable = |state: &State<T>| {
            state
                .token
                .as_ref()
                .filter(|token| !state.refused && auth.is_fresh(token))
                .map(|token| (token.clone(), state.generation))
        };
        self.get_or_login(auth, transport, usable).await
    }

    /// A token newer than generation `stale`: acquires one unless another request already did.
    /// Every request rejected with generation `stale` shares one login.
    pub(crate) async fn renew<A: Auth<Token = T>>(
        &self,
        auth: &A,
        transport: &Transport,
        stale: u64,
    ) -> Result<Current<T>> {
        let newer = |state: &State<T>| {
            state
                .token
                .as_ref()
                .filter(|_| state.generation != stale && !state.refused)
                .map(|token| (token.clone(), state.generation))
        };
        self.get_or_login(auth, transport, newer).await
    }

    async fn get_or_login<A: Auth<Token = T>>(
        &self,
        auth: &A,
        transport: &Transport,
        usable: impl Fn(&State<T>) -> Option<Current<T>>,
    ) -> Result<Current<T>> {
        let seen = {
            let state = self.state();
            if let Some(current) = usable(&state) {
                return Ok(current);
            }
            state.attempts
        };
        let _login = self.login.lock().await;
        let next = {
            let state = self.state();
            match usable(&state) {
                Some(current) => Next::Use(current),
                None => match &state.last_failure {
                    Some(failure) if state.attempts != seen => Next::Fail(failure.clone()),
                    _ => Next::Login,
                },
            }
        };
        match next {
            Next::Use(current) => Ok(current),
            Next::Fail(error) => Err(error),
            Next::Login => self.login(auth, transport).await,
        }
    }

    /// One `acquire`, with the login lock held by the caller. Cancellation-safe: nothing in the
    /// state changes until `acquire` has finished.
    async fn login<A: Auth<Token = T>>(
        &self,
        auth: &A,
        transport: &Transport,
    ) -> Result<Current<T>> {
        let previous = self.state().token.clone();
        let outcome = auth
            .acquire(transport, previous.as_deref())
            .await
            .map_err(into_auth_error);
        let mut state = self.state();
        state.attempts += 1;
        match outcome {
            Ok(token) => {
                let token = Arc::new(token);
                state.generation += 1;
                state.token = Some(token.clone());
                state.refused = false;
                state.last_failure = None;
                Ok((token, state.generation))
            }
            Err(error) => {
                state.last_failure = Some(error.clone());
                Err(error)
            }
        }
    }

    /// The server refused the token of `generation`: it is not sent again; the next caller logs
    /// in (with it as the previous token, so a refresh token can still be used). A newer token
    /// is left alone.
    pub(crate) fn refused(&self, generation: u64) {
        let mut state = self.state();
        if state.generation == generation {
            state.refused = true;
        }
    }

    /// Forgets the token (after a logout) and returns it.
    pub(crate) async fn take(&self) -> Option<Arc<T>> {
        // Wait for a login in flight, so that its token is the one handed back, not lost.
        let _login = self.login.lock().await;
        let mut state = self.state();
        state.generation += 1;
        state.token.take()
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
