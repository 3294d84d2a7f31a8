//! The device lock: `POST lock` gives a `lock_uid` that travels as `?lock_uid=` on every call.

use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use biometric_core::{
    ApiError, Auth, AuthRequest, Credentials, Error, ExposeSecret, Method, Operation, Result,
    SecretString, StatusCode, Transport,
};
use serde::Deserialize;

use crate::error::ResponseCode;
use crate::support::{AppVersion, BASIC_AUTH_SINCE};

/// Opens the lock with the caller's credentials (or with no body at all when there are none);
/// an answer with device code 1102 ("Unavailable accessToken!") is read as a lock no longer
/// valid (the crate's reading: the sheet gives only the code and its text).
#[derive(Debug)]
pub(crate) struct LockAuth {
    /// Replaced after a successful password change, so that a later re-lock uses the new one.
    pub(crate) credentials: RwLock<Option<Credentials>>,
    /// Set by `take_over`: the next lock is forced with `PUT lock`.
    pub(crate) force_next: AtomicBool,
    /// The device's application version as read by `GET version`: `None` until read, then the
    /// parsed version (`Some(None)` when its text is not one). Read again at every renewed lock
    /// (a firmware upgrade reboots the device, which drops the lock).
    version: RwLock<Option<Option<AppVersion>>>,
}

#[derive(Deserialize)]
struct LockAnswer {
    lock_uid: String,
}

impl LockAuth {
    pub(crate) fn new(credentials: Option<Credentials>) -> Self {
        LockAuth {
            credentials: RwLock::new(credentials),
            force_next: AtomicBool::new(false),
            version: RwLock::new(None),
        }
    }

    /// The version read for this session, if it was read.
    pub(crate) fn version(&self) -> Option<Option<AppVersion>> {
        *self
            .version
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn set_version(&self, version: Option<AppVersion>) {
        *self
            .version
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(version);
    }

    /// The version to lock with: the one read for this client unless this lock renews a stale
    /// one (`renewing`), in which case the device may have been upgraded and is asked again.
    async fn session_version(
        &self,
        transport: &Transport,
        renewing: bool,
    ) -> Result<Option<AppVersion>> {
        if let (false, Some(known)) = (renewing, self.version()) {
            return Ok(known);
        }
        let version = read_version(transport).await?;
        self.set_version(version);
        Ok(version)
    }

    pub(crate) fn credentials(&self) -> Option<Credentials> {
        self.credentials
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) fn set_password(&self, password: SecretString) {
        let mut guard = self
            .credentials
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(current) = guard.as_ref() {
            *guard = Some(Credentials::new(
                current.login(),
                password.expose_secret().to_owned(),
            ));
        }
    }
}

impl Auth for LockAuth {
    type Token = SecretString;

    async fn acquire(
        &self,
        transport: &Transport,
        previous: Option<&SecretString>,
    ) -> Result<SecretString> {
        let version = self.session_version(transport, previous.is_some()).await?;
        let force = self.force_next.swap(false, Ordering::SeqCst);
        let op = if force {
            // Takes the lock from whichever client holds it: sending it twice could take it
            // from a client that locked in between, so it is never repeated.
            Operation::<LockAnswer>::new("ef45.take_over", Method::PUT, "lock").idempotent(false)
        } else {
            Operation::<LockAnswer>::new("ef45.lock", Method::POST, "lock")
        }
        .unauthenticated();
        // Without credentials the sheet says the device assumes its factory default login;
        // the client sends no body rather than assuming that default itself. A device older
        // than basic authentication (spec 1.4.0, app 2.1.50) takes no body at all.
        let op = match self.credentials() {
            Some(_) if version.is_some_and(|v| v < BASIC_AUTH_SINCE) => {
                tracing::warn!(
                    version = %version.unwrap_or(BASIC_AUTH_SINCE),
                    "the device's application predates basic authentication (2.1.50): \
                     locking without the credentials"
                );
                op
            }
            Some(credentials) => op.json_body(&serde_json::json!({
                "id": credentials.login(),
                "passwd": credentials.password().expose_secret(),
            }))?,
            None => op,
        };
        match transport.send(&op).await {
            Ok(answer) => Ok(SecretString::from(answer.lock_uid)),
            Err(err) if err.status() == Some(StatusCode::BAD_REQUEST) => Err(Error::auth(
                "the device refused the id or password",
                Some(err),
            )),
            Err(err) => Err(err),
        }
    }

    fn apply(&self, lock_uid: &SecretString, request: &mut AuthRequest<'_>) -> Result<()> {
        request.secret_query("lock_uid", lock_uid);
        Ok(())
    }

    /// Device code 1102 ("Unavailable accessToken!"), whatever the HTTP status, or the
    /// documented message text without a code. The sheets document no HTTP status for it.
    fn is_rejection(&self, error: &ApiError) -> bool {
        is_stale_lock(error)
    }
}

/// `GET version` (no lock): the parsed version, `None` when its text is not a version or the
/// device answers the call with an error or an unreadable answer (the call is in the first
/// sheet, so that would be a device this crate cannot place; nothing is refused then). A
/// transport failure is returned.
pub(crate) async fn read_version(transport: &Transport) -> Result<Option<AppVersion>> {
    match transport.send(&version_operation()).await {
        Ok(answer) => {
            let parsed = AppVersion::parse(&answer.version);
            if parsed.is_none() {
                tracing::warn!("the device's application version is not numbers like 2.1.47");
            }
            Ok(parsed)
        }
        Err(error @ (Error::Api(_) | Error::Decode(_))) => {
            tracing::warn!(%error, "GET version failed: no call is refused by version");
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// `{"version": "1.1.69"}`.
#[derive(Deserialize)]
pub(crate) struct VersionAnswer {
    pub(crate) version: String,
}

/// `GET version`, sent without a lock.
pub(crate) fn version_operation() -> Operation<VersionAnswer> {
    Operation::new("ef45.version", Method::GET, "version").unauthenticated()
}

pub(crate) fn is_stale_lock(error: &ApiError) -> bool {
    let by_code = error
        .code
        .as_deref()
        .and_then(|code| code.trim().parse::<u32>().ok())
        .is_some_and(|code| ResponseCode::from_code(code) == ResponseCode::UnavailableAccessToken);
    by_code
        || error
            .message
            .as_deref()
            .is_some_and(|m| m.trim() == ResponseCode::UnavailableAccessToken.message())
}
