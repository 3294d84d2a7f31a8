//! The Control iD client: configuration and session calls.

use std::time::Duration;

use biometric_core::{
    Credentials, Engine, ExposeSecret, HttpConfig, IntoSecret, Method, Operation, RequestOptions,
    Result, StatusCode, decode_unit,
};
use serde::Deserialize;

use crate::auth::SessionAuth;
use crate::error::{failure_in_answer, parse_error_body};

/// The default timeout of a call that does not wait for a person.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Query parameters whose values may be logged; the session never is.
const LOGGABLE_QUERY: &[&str] = &[];

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A client for one Control iD terminal. Cheap to clone; clones share the session.
///
/// The session is opened on first use (`login.fcgi`) and travels as `?session=`; when the device
/// answers 401 or 403, the client logs in again once (one login for all concurrent calls) and
/// repeats the call once.
///
/// ```no_run
/// # async fn demo() -> controlid_client::Result<()> {
/// use controlid_client::Client;
/// let device = Client::builder("http://192.168.0.129")
///     .credentials("admin", "my-password")
///     .build()?;
/// println!("session valid: {}", device.session_is_valid().await?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) engine: Engine<SessionAuth>,
}

/// Configures a [`Client`].
#[derive(Debug)]
#[must_use = "call .build() to create the client"]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    http: HttpConfig,
}

impl Client {
    /// Starts configuring a client for the device at `base_url` (`http://192.168.0.129`, or
    /// `https://...` when the device has HTTPS on).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: None,
            http: HttpConfig::new(USER_AGENT).timeout(DEFAULT_TIMEOUT),
        }
    }
}

impl ClientBuilder {
    /// The web login of the device (required: the factory default admin/admin is not assumed).
    pub fn credentials(mut self, login: impl Into<String>, password: impl IntoSecret) -> Self {
        self.credentials = Some(Credentials::new(login, password));
        self
    }

    /// Timeouts, retries, TLS, body limit and `User-Agent` (see [`HttpConfig`]). The Control iD
    /// defaults: 15 s for calls that do not wait for a person (synchronous enrollments have their
    /// own, longer timeouts), the core's retry policy (enrollments are never retried once they
    /// may have reached the device), platform TLS roots (a device with HTTPS on uses a
    /// self-signed certificate: add it with [`biometric_core::TlsOptions`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = controlid_client::Client::builder("http://192.168.0.129")
    ///     .http(|h| h.timeout(Duration::from_secs(5)));
    /// # let _ = builder;
    /// ```
    pub fn http(mut self, configure: impl FnOnce(HttpConfig) -> HttpConfig) -> Self {
        self.http = configure(self.http);
        self
    }

    /// Checks the configuration and builds the client. No I/O.
    pub fn build(self) -> Result<Client> {
        let credentials = self.credentials.ok_or_else(|| {
            biometric_core::Error::invalid(
                "credentials",
                "are required (the device's web login and password)",
            )
        })?;
        // The login goes into a JSON body: not blank, no control character, bounded like the
        // other caller texts (the documentation gives no rule). The password is sent as given:
        // only the device knows which passwords it accepts.
        crate::limits::TEXT.check("login", credentials.login())?;
        let engine = Engine::builder(self.base_url)
            .config(self.http)
            .loggable_query(LOGGABLE_QUERY)
            .error_parser(parse_error_body)
            .answer_check(failure_in_answer)
            .auth(SessionAuth { credentials })
            .build()?;
        Ok(Client { engine })
    }
}

impl Client {
    /// Logs in now (otherwise the first call does). Fails with [`crate::Error::Auth`] on wrong
    /// credentials. Sends nothing when the client already holds a session.
    ///
    /// **Not resent** once it may have reached the device: each login opens a new session on
    /// the device; only a refused connection is tried again.
    ///
    /// Errors: [`Error::Auth`](crate::Error::Auth) when the device refuses the login (wrong
    /// credentials, an answer without a session); [`Error::Transport`](crate::Error::Transport)
    /// when the device cannot be reached.
    pub async fn login(&self) -> Result<()> {
        self.engine.token().await.map(drop)
    }

    /// Ends the session on the device and forgets it; the next call logs in again. Does
    /// nothing when there is no session; a session the device already dropped counts as ended.
    ///
    /// **Not resent** once it may have reached the device: the client has already forgotten
    /// the session, and one the device did not end expires on its own. It is sent with the
    /// old session, never with a new login, so there is no re-login either.
    ///
    /// Errors: [`Error::Api`](crate::Error::Api) when the device answers another error than
    /// 401 or 403 (those count as success); [`Error::Transport`](crate::Error::Transport)
    /// when the device cannot be reached. Never [`Error::Auth`](crate::Error::Auth).
    pub async fn logout(&self) -> Result<()> {
        let Some(session) = self.engine.forget_token().await else {
            return Ok(());
        };
        // Sent with the forgotten session, not through the engine's auth (which would log in).
        let op =
            Operation::with_decoder("controlid.logout", Method::POST, "logout.fcgi", decode_unit)
                .unauthenticated()
                .query("session", session.expose_secret());
        match self.engine.transport().send(&op).await {
            Err(err)
                if matches!(
                    err.status(),
                    Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                ) =>
            {
                Ok(())
            }
            other => other,
        }
    }

    /// Asks the device whether the current session is still valid (logging in first if there is
    /// no session yet).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads, although it is a POST.
    ///
    /// Errors: [`Error::Auth`](crate::Error::Auth) when the login is refused, or the device
    /// refuses the session again after one re-login; [`Error::Api`](crate::Error::Api) for
    /// another refusal.
    pub async fn session_is_valid(&self) -> Result<bool> {
        #[derive(Deserialize)]
        struct Answer {
            session_is_valid: bool,
        }
        // Asking twice changes nothing on the device.
        let op = Operation::<Answer>::new(
            "controlid.session_is_valid",
            Method::POST,
            "session_is_valid.fcgi",
        )
        .idempotent(true);
        Ok(self.engine.execute(op).await?.session_is_valid)
    }

    /// A clone of this client (same session, same connections) whose every call gets `options`:
    /// a longer timeout, another retry policy, extra headers.
    ///
    /// ```no_run
    /// # async fn demo(device: controlid_client::Client) -> controlid_client::Result<()> {
    /// use std::time::Duration;
    /// use biometric_core::RequestOptions;
    /// let patient = device.with_options(RequestOptions::new().timeout(Duration::from_secs(60)));
    /// patient.session_is_valid().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client {
            engine: self.engine.with_options(options),
        }
    }

    /// Sends an operation on the session (for calls this crate does not wrap yet).
    ///
    /// **Resent** as the operation says: after a failure that may go away (a timeout, a 5xx, a
    /// refused connection) when it is marked [`Operation::idempotent`], otherwise only when
    /// the request certainly did not reach the device (a refused connection).
    ///
    /// Errors: [`Error::InvalidRequest`](crate::Error::InvalidRequest) (before any I/O) when a
    /// path value is refused; [`Error::Api`](crate::Error::Api) when the device refuses,
    /// including a refusal inside a success answer (`success: false`, `error`);
    /// [`Error::Auth`](crate::Error::Auth) when the login is refused, or the device refuses the
    /// session again after one re-login (a refused session is renewed and the call sent once
    /// more, safe even for a POST: the device did not act on it).
    pub async fn execute<T>(&self, operation: Operation<T>) -> Result<T> {
        self.engine.execute(operation).await
    }
}
