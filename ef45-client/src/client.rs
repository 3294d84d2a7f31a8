//! The EF-45 client: configuration and the session calls (sheet Common).

use std::sync::atomic::Ordering;

use biometric_core::chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use biometric_core::{
    Credentials, Engine, Error, ExposeSecret, HttpConfig, IntoSecret, Method, Operation,
    RequestOptions, Result, SecretString, decode_unit,
};
use tokio::io::AsyncWrite;

use crate::auth::{LockAuth, is_stale_lock, read_version, version_operation};
use crate::error::{failure_in_answer, parse_error_body};
use crate::support::{self, AppVersion};

/// Query parameters whose values may be logged. `lock_uid` is not one of them: it is logged as
/// `REDACTED`, like every value not listed here.
const LOGGABLE_QUERY: &[&str] = &[
    "page",
    "page_size",
    "pageSize",
    "subId",
    "order",
    "min",
    "max",
    "from",
    "count",
    "type",
    "forced",
    "duration",
    "operation",
    "sc_idx",
    "sd_type",
    "sd_date",
    "filename",
    "face_mode",
    "glasses_mode",
    "both_eye_mode",
    "either_eye_mode",
    "streaming_mode",
    "recog_mode",
];

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A client for one EF-45 terminal. Cheap to clone; clones share the lock.
///
/// The lock is opened on first use (`POST lock`) and its `lock_uid` travels as `?lock_uid=` on
/// every call. When the device answers that the lock is no longer valid (device code 1102,
/// "Unavailable accessToken!"), the client locks again once (one lock for all concurrent calls)
/// and repeats the call once. [`close`](Client::close) releases it.
///
/// ```no_run
/// # async fn demo() -> ef45_client::Result<()> {
/// use ef45_client::Client;
/// let device = Client::builder("http://10.0.0.7:9980")
///     .credentials("root", "my-password")
///     .build()?;
/// println!("application {}", device.version().await?);
/// device.lock().await?;
/// device.close().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    /// Private to this module: every call goes through [`Client::send`] or
    /// [`Client::download`], which refuse what the device's version cannot serve.
    engine: Engine<LockAuth>,
    /// The device clock's offset from UTC, when the application gave it.
    utc_offset: Option<FixedOffset>,
}

/// Configures a [`Client`].
#[derive(Debug)]
#[must_use = "call .build() to create the client"]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    http: HttpConfig,
    utc_offset: Option<FixedOffset>,
}

impl Client {
    /// Starts configuring a client for the device at `base_url`: `http://{host}:9980` (the
    /// device's port), or `https://...` (spec 1.3.20 and app 2.1.34 or later). The API's
    /// `/1.0/` is appended unless the URL already ends with it.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: None,
            http: HttpConfig::new(USER_AGENT),
            utc_offset: None,
        }
    }
}

impl ClientBuilder {
    /// The device login sent with `POST lock` as `{"id", "passwd"}` (spec 1.4.0, app 2.1.50 or
    /// later; the same login as the device's SSH and SFTP).
    ///
    /// Optional: without it, `POST lock` is sent without a body, which the sheet says the device
    /// takes as its factory default login (`root` / `cmi1003`). The client never sends that
    /// default itself; once the device password was changed, credentials are required.
    pub fn credentials(mut self, id: impl Into<String>, passwd: impl IntoSecret) -> Self {
        self.credentials = Some(Credentials::new(id, passwd));
        self
    }

    /// The offset from UTC the device's clock is set to. The device keeps its time without a
    /// zone (log timestamps, [`Client::set_device_time`]): it is the local time of wherever
    /// the device was set up, and the `Z` it writes after a log's time does not make it UTC.
    /// With the offset, [`Client::device_time_to_utc`] and [`Client::utc_to_device_time`]
    /// convert; without it they return `None` rather than guess.
    ///
    /// ```
    /// use ef45_client::chrono::FixedOffset;
    /// let seoul = FixedOffset::east_opt(9 * 3600).unwrap();
    /// let device = ef45_client::Client::builder("http://10.0.0.7:9980")
    ///     .device_utc_offset(seoul)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(device.device_utc_offset(), Some(seoul));
    /// ```
    pub fn device_utc_offset(mut self, offset: FixedOffset) -> Self {
        self.utc_offset = Some(offset);
        self
    }

    /// Timeouts, retries, TLS, body limit and `User-Agent` (see [`HttpConfig`]). The EF-45
    /// defaults are the core's: the sheets document no timeout. A device on `https://` usually
    /// has a self-signed certificate: add it with [`biometric_core::TlsOptions`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = ef45_client::Client::builder("http://10.0.0.7:9980")
    ///     .http(|h| h.timeout(Duration::from_secs(5)));
    /// # let _ = builder;
    /// ```
    pub fn http(mut self, configure: impl FnOnce(HttpConfig) -> HttpConfig) -> Self {
        self.http = configure(self.http);
        self
    }

    /// Checks the configuration and builds the client. No I/O.
    pub fn build(self) -> Result<Client> {
        if let Some(credentials) = &self.credentials
            && credentials.login().is_empty()
        {
            return Err(Error::invalid("id", "must not be empty"));
        }
        let engine = Engine::builder(api_url(&self.base_url))
            .config(self.http)
            .loggable_query(LOGGABLE_QUERY)
            .error_parser(parse_error_body)
            .answer_check(failure_in_answer)
            .auth(LockAuth::new(self.credentials))
            .build()?;
        Ok(Client {
            engine,
            utc_offset: self.utc_offset,
        })
    }
}

/// `http://h:9980` -> `http://h:9980/1.0/`; a URL already ending in `/1.0` is kept.
fn api_url(base_url: &str) -> String {
    let trimmed = base_url.trim().trim_end_matches('/');
    if trimmed.ends_with("/1.0") {
        format!("{trimmed}/")
    } else {
        format!("{trimmed}/1.0/")
    }
}

impl Client {
    /// Opens the lock now (otherwise the first call does). Sheet Common: a successful lock
    /// empties the device's match-data buffer. Fails with [`Error::Auth`] when the
    /// device refuses the id or password (HTTP 400; the device's text is in the message and the
    /// source) or cannot create a lock (HTTP 500, as the source).
    pub async fn lock(&self) -> Result<()> {
        self.engine.token().await.map(drop)
    }

    /// Takes the lock from whichever client holds it (`PUT lock`, "force connect"), with the
    /// same credentials as a normal lock. The lock this client held, if any, is forgotten
    /// without being released (the forced lock replaces it on the device).
    ///
    /// Never repeated once it may have reached the device: a second `PUT lock` could take the
    /// lock from a client that locked in between. If other calls of this client lock at the same
    /// moment, whichever lock is made first is the forced one.
    pub async fn take_over(&self) -> Result<()> {
        let _ = self.engine.forget_token().await;
        self.engine.auth().force_next.store(true, Ordering::SeqCst);
        let result = self.engine.token().await.map(drop);
        self.engine.auth().force_next.store(false, Ordering::SeqCst);
        result
    }

    /// Releases the lock on the device (`DELETE lock/{lock_uid}`) and forgets it; the next call
    /// locks again. Does nothing when there is no lock; a lock the device already dropped
    /// (device code 1102) counts as released.
    pub async fn close(&self) -> Result<()> {
        let Some(lock_uid) = self.engine.forget_token().await else {
            return Ok(());
        };
        // Sent with the forgotten lock in its path, not through the engine's auth (which would
        // lock again). Releasing the same lock twice leaves the device in the same state.
        let op = Operation::with_decoder("ef45.unlock", Method::DELETE, "lock/", decode_unit)
            .unauthenticated()
            .secret_segment("lock_uid", &lock_uid)
            .idempotent(true);
        match self.engine.transport().send(&op).await {
            Err(Error::Api(api)) if is_stale_lock(&api) => Ok(()),
            other => other,
        }
    }

    /// The device's application version (`GET version`, sent without a lock): `"1.1.69"`, as
    /// the device writes it. Always asks the device; see [`app_version`](Self::app_version)
    /// for the version this client works with.
    pub async fn version(&self) -> Result<String> {
        Ok(self
            .engine
            .transport()
            .send(&version_operation())
            .await?
            .version)
    }

    /// The application version this client works with, read with `GET version` once per lock
    /// (the first call of a session reads it, and a renewed lock reads it again: a firmware
    /// upgrade reboots the device). `None` when the device's text is not numbers like `2.1.47`:
    /// nothing is then refused by version.
    ///
    /// Calls that sheet Revision_History dates after the device's version are refused before
    /// any I/O with [`Error::Unsupported`] naming the call, the version it needs and the
    /// device's; a 404 without a device code to such a call says the same. Older devices are
    /// also locked the way they expect (no `{"id", "passwd"}` body before 2.1.50).
    pub async fn app_version(&self) -> Result<Option<AppVersion>> {
        if let Some(known) = self.engine.auth().version() {
            return Ok(known);
        }
        let version = read_version(self.engine.transport()).await?;
        self.engine.auth().set_version(version);
        Ok(version)
    }

    /// Changes the device password of the configured id (`POST lock/chpasswd` with the keys
    /// `id`, `current passwd` and `new passwd`; spec 1.4.0 or later). On success the client uses
    /// the new password for its next lock.
    ///
    /// Needs [`ClientBuilder::credentials`] (the id to change); the sheet's example sends no
    /// `lock_uid`, so none is sent. The answer on success and on a wrong current password is
    /// not documented: any 2xx is success, anything else an error.
    ///
    /// **Not resent** once it may have reached the device: if the first change went through, a
    /// second with the old current password would fail and hide that success.
    pub async fn change_password(
        &self,
        current: impl IntoSecret,
        new: impl IntoSecret,
    ) -> Result<()> {
        self.send_password_change(Method::POST, current.into_secret(), new.into_secret())
            .await
    }

    /// The sheet's "change password by force" (`PUT lock/chpasswd`, same body as
    /// [`change_password`](Self::change_password)). The sheet does not say what "by force"
    /// overrides (the current password is still a required key); use it where the device
    /// refuses the normal change. Never repeated once it may have reached the device.
    ///
    /// **Not resent** once it may have reached the device: if the first change went through, a
    /// second with the old current password would fail and hide that success.
    pub async fn force_change_password(
        &self,
        current: impl IntoSecret,
        new: impl IntoSecret,
    ) -> Result<()> {
        self.send_password_change(Method::PUT, current.into_secret(), new.into_secret())
            .await
    }

    async fn send_password_change(
        &self,
        method: Method,
        current: SecretString,
        new: SecretString,
    ) -> Result<()> {
        let Some(credentials) = self.engine.auth().credentials() else {
            return Err(Error::invalid(
                "id",
                "is needed to change a password: set .credentials(..) on the builder",
            ));
        };
        if new.expose_secret().is_empty() {
            return Err(Error::invalid("new passwd", "must not be empty"));
        }
        let op =
            Operation::with_decoder("ef45.change_password", method, "lock/chpasswd", decode_unit)
                .unauthenticated()
                .json_body(&serde_json::json!({
                    "id": credentials.login(),
                    "current passwd": current.expose_secret(),
                    "new passwd": new.expose_secret(),
                }))?
                // A password change is never repeated: if the first one went through, a repeat with
                // the old current password would fail and hide that success.
                .idempotent(false);
        self.send(op).await?;
        self.engine.auth().set_password(new);
        Ok(())
    }

    /// A clone of this client (same lock, same connections) whose every call gets `options`:
    /// a longer timeout, another retry policy, extra headers.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> ef45_client::Result<()> {
    /// use std::time::Duration;
    /// use biometric_core::RequestOptions;
    /// let patient = device.with_options(RequestOptions::new().timeout(Duration::from_secs(60)));
    /// patient.lock().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client {
            engine: self.engine.with_options(options),
            utc_offset: self.utc_offset,
        }
    }

    /// The device clock's offset from UTC, as given to
    /// [`ClientBuilder::device_utc_offset`].
    pub fn device_utc_offset(&self) -> Option<FixedOffset> {
        self.utc_offset
    }

    /// A time as the device's clock reads it (a log's
    /// [`timestamp`](crate::LogEntry::timestamp)), in UTC; `None` when no offset was given
    /// ([`ClientBuilder::device_utc_offset`]).
    ///
    /// ```
    /// use ef45_client::chrono::{FixedOffset, NaiveDate};
    /// let device = ef45_client::Client::builder("http://10.0.0.7:9980")
    ///     .device_utc_offset(FixedOffset::east_opt(9 * 3600).unwrap())
    ///     .build()
    ///     .unwrap();
    /// let logged = NaiveDate::from_ymd_opt(2018, 5, 28).unwrap().and_hms_opt(14, 26, 26).unwrap();
    /// let utc = device.device_time_to_utc(logged).unwrap();
    /// assert_eq!(utc.to_rfc3339(), "2018-05-28T05:26:26+00:00");
    /// assert_eq!(device.utc_to_device_time(utc), Some(logged));
    /// ```
    pub fn device_time_to_utc(&self, device_time: NaiveDateTime) -> Option<DateTime<Utc>> {
        let local = device_time.and_local_timezone(self.utc_offset?).single()?;
        Some(local.with_timezone(&Utc))
    }

    /// A UTC moment as the device's clock reads it (for [`LogTime`](crate::LogTime) bounds and
    /// [`Client::set_device_time`]); `None` when no offset was given.
    pub fn utc_to_device_time(&self, at: DateTime<Utc>) -> Option<NaiveDateTime> {
        Some(at.with_timezone(&self.utc_offset?).naive_local())
    }

    /// Sends an operation with the lock (for calls this crate does not wrap yet). Build it with
    /// paths relative to `/1.0/` and caller values through [`Operation::segment`]. Its answer
    /// is checked for a device code like every call's (see [`Client`]).
    pub async fn execute<T>(&self, operation: Operation<T>) -> Result<T> {
        self.send(operation).await
    }

    /// Every call of this crate: refused before any I/O when the device's version cannot serve
    /// it, then run by the engine (lock, device-code check, one re-lock and replay on 1102,
    /// retries as the operation allows); a 404 from a path the device lacks becomes
    /// [`Error::Unsupported`].
    pub(crate) async fn send<T>(&self, operation: Operation<T>) -> Result<T> {
        let version = self.check_supported(&operation).await?;
        let path = operation.path();
        // Boxed: the engine's exchange is several KiB of state, which every caller's future
        // (and every future of a flow made of many calls) would otherwise carry inline. One
        // allocation per call costs nothing beside the HTTP round trip.
        let result = Box::pin(self.engine.execute(operation)).await;
        result.map_err(|error| support::path_missing(error, &path, version))
    }

    /// [`send`](Self::send) for an answer streamed into `sink`.
    pub(crate) async fn download<T, W>(&self, operation: Operation<T>, sink: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send + ?Sized,
    {
        let version = self.check_supported(&operation).await?;
        let path = operation.path();
        let result = Box::pin(self.engine.download(operation, sink)).await;
        result.map_err(|error| support::path_missing(error, &path, version))
    }

    /// Validates `operation` and, when a revision added it, compares the device's version with
    /// the one it needs. Returns the version for the error of a later 404.
    async fn check_supported<T>(&self, operation: &Operation<T>) -> Result<Option<AppVersion>> {
        operation.validate()?;
        let path = operation.path();
        if support::requirement(operation.name(), &path).is_none() {
            return Ok(self.engine.auth().version().flatten());
        }
        // Boxed: read once per lock, it would otherwise add its size to every call's future.
        let version = Box::pin(self.app_version()).await?;
        support::check(operation.name(), &path, version)?;
        Ok(version)
    }

    /// Forgets the lock without releasing it: the next call locks again (a transfer restarting
    /// after its lock went stale).
    pub(crate) async fn drop_lock(&self) {
        let _ = self.engine.forget_token().await;
    }
}

#[cfg(test)]
mod tests {
    use super::api_url;

    #[test]
    fn the_api_version_is_appended_once() {
        for (given, want) in [
            ("http://10.0.0.7:9980", "http://10.0.0.7:9980/1.0/"),
            ("http://10.0.0.7:9980/", "http://10.0.0.7:9980/1.0/"),
            (
                "https://ef45.local:9980/1.0",
                "https://ef45.local:9980/1.0/",
            ),
            ("http://10.0.0.7:9980/1.0/", "http://10.0.0.7:9980/1.0/"),
        ] {
            assert_eq!(api_url(given), want);
        }
    }
}
