//! The device lock: `POST lock` gives a `lock_uid` that travels as `?lock_uid=` on every call.

use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use biometric_core::{
    ApiError, Auth, AuthRequest, Credentials, Error, ExposeSecret, Method, Operation, Result,
    SecretString, StatusCode, Transport, redact,
};
use serde::Deserialize;

use crate::error::ResponseCode;

/// Opens the lock with the caller's credentials (or with no body at all when there are none);
/// an answer with device code 1102 ("Unavailable accessToken!") is read as a lock no longer
/// valid (the crate's reading: the sheet gives only the code and its text).
#[derive(Debug)]
pub(crate) struct LockAuth {
    /// Replaced after a successful password change, so that a later re-lock uses the new one.
    pub(crate) credentials: RwLock<Option<Credentials>>,
    /// Set by `take_over`: the next lock is forced with `PUT lock`.
    pub(crate) force_next: AtomicBool,
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
        }
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
        _: Option<&SecretString>,
    ) -> Result<SecretString> {
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
        // the client sends no body rather than assuming that default itself.
        let op = match self.credentials() {
            Some(credentials) => op.json_body(&serde_json::json!({
                "id": credentials.login(),
                "passwd": credentials.password().expose_secret(),
            }))?,
            None => op,
        };
        match transport.send(&op).await {
            Ok(answer) => Ok(SecretString::from(answer.lock_uid)),
            Err(err) if err.status() == Some(StatusCode::BAD_REQUEST) => {
                let said = err
                    .as_api()
                    .and_then(|api| api.message.as_deref())
                    .map(redact::scrub_text)
                    .unwrap_or_default();
                Err(Error::auth(
                    format!("the device refused the id or password (HTTP 400): {said}"),
                    Some(err),
                ))
            }
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
