//! The device session: `login.fcgi` gives a token that travels as `?session=`.

use biometric_core::{
    ApiError, Auth, AuthRequest, Credentials, ExposeSecret, Method, Operation, Result,
    SecretString, StatusCode, Transport,
};
use serde::Deserialize;

/// Logs in with the caller's credentials; a 401 or 403 means the session expired.
#[derive(Debug)]
pub(crate) struct SessionAuth {
    pub(crate) credentials: Credentials,
}

#[derive(Deserialize)]
struct LoginAnswer {
    session: String,
}

impl Auth for SessionAuth {
    type Token = SecretString;

    async fn acquire(
        &self,
        transport: &Transport,
        _: Option<&SecretString>,
    ) -> Result<SecretString> {
        let body = serde_json::json!({
            "login": self.credentials.login(),
            "password": self.credentials.password().expose_secret(),
        });
        let op = Operation::<LoginAnswer>::new("controlid.login", Method::POST, "login.fcgi")
            .unauthenticated()
            .json_body(&body)?;
        Ok(SecretString::from(transport.send(&op).await?.session))
    }

    fn apply(&self, session: &SecretString, request: &mut AuthRequest<'_>) -> Result<()> {
        request.secret_query("session", session);
        Ok(())
    }

    /// Existing clients treat 401 and 403 as "session expired"; an error answer whose message
    /// says the session is invalid or expired means the same whatever its status.
    fn is_rejection(&self, error: &ApiError) -> bool {
        matches!(
            error.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) || error.message.as_deref().is_some_and(says_session_invalid)
    }
}

fn says_session_invalid(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("session") && (message.contains("invalid") || message.contains("expired"))
}

#[cfg(test)]
mod tests {
    use super::says_session_invalid;

    #[test]
    fn session_invalid_messages() {
        assert!(says_session_invalid("Invalid session"));
        assert!(says_session_invalid("session expired"));
        assert!(!says_session_invalid("Invalid user or password"));
        assert!(!says_session_invalid("session limit reached"));
    }
}
