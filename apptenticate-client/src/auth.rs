//! Apptenticate authentication: an access/refresh token pair from `api/token/`, refreshed with
//! `api/token/refresh/`, and a new login when the refresh token is rejected.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use biometric_core::{
    Auth, AuthRequest, Body, Credentials, Error, ExposeSecret, Method, Operation, RawResponse,
    Result, SecretString, StatusCode, Transport,
};
use serde::Deserialize;

/// How long an access token lasts, as the Apptenticate docs state: 5 minutes.
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The longest time before expiry at which the client refreshes: 30 seconds (less for short
/// lifetimes: a fifth of the lifetime).
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// The path of the login endpoint (`POST`, form fields `username`, `password`).
pub(crate) const TOKEN_PATH: &str = "api/token/";
/// The path of the refresh endpoint (`POST`, form field `refresh`).
pub(crate) const REFRESH_PATH: &str = "api/token/refresh/";

/// The `code` the service puts in a 401 body when a token is invalid or expired.
const TOKEN_NOT_VALID: &str = "token_not_valid";

/// Logs in with the caller's credentials and keeps the token pair fresh.
pub(crate) struct TokenAuth {
    pub(crate) credentials: Credentials,
    /// How long an access token is assumed to last when it is not a JWT with an `exp` claim.
    pub(crate) lifetime: Duration,
}

/// An access and a refresh token, and when to stop using the access token.
pub(crate) struct TokenPair {
    access: SecretString,
    refresh: SecretString,
    /// When the access token should be replaced (shortly before it expires).
    renew_at: SystemTime,
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access", &"[REDACTED]")
            .field("refresh", &"[REDACTED]")
            .field("renew_at", &self.renew_at)
            .finish()
    }
}

impl fmt::Debug for TokenAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAuth")
            .field("credentials", &self.credentials)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

#[derive(Deserialize)]
struct LoginAnswer {
    refresh: String,
    access: String,
}

#[derive(Deserialize)]
struct RefreshAnswer {
    access: String,
    /// Not documented: a service that rotates refresh tokens sends a new one here.
    #[serde(default)]
    refresh: Option<String>,
}

/// An access token travels in the `Authorization` header: one that cannot (a line break, a
/// byte above 0x7F) is an answer the client does not understand, refused when it arrives
/// rather than at the next call as if the caller had sent something wrong.
fn check_access(raw: &RawResponse, access: &str) -> Result<()> {
    if access.is_empty() || !access.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(raw.decode_error(
            Some("access".to_owned()),
            "the access token is empty or not visible ASCII (it travels in a header)",
        ));
    }
    Ok(())
}

fn decode_login(raw: RawResponse) -> Result<LoginAnswer> {
    let answer: LoginAnswer = raw.json()?;
    check_access(&raw, &answer.access)?;
    Ok(answer)
}

fn decode_refresh(raw: RawResponse) -> Result<RefreshAnswer> {
    let answer: RefreshAnswer = raw.json()?;
    check_access(&raw, &answer.access)?;
    Ok(answer)
}

impl TokenAuth {
    async fn login(&self, transport: &Transport) -> Result<TokenPair> {
        let op =
            Operation::with_decoder("apptenticate.token", Method::POST, TOKEN_PATH, decode_login)
                .unauthenticated()
                .body(Body::Form(vec![
                    ("username".into(), self.credentials.login().to_owned()),
                    (
                        "password".into(),
                        self.credentials.password().expose_secret().to_owned(),
                    ),
                ]));
        let answer = transport
            .send(&op)
            .await
            .map_err(|err| refused("login", err))?;
        Ok(self.pair(answer.access, answer.refresh, SystemTime::now()))
    }

    /// `Ok(None)` when the service rejected the refresh token (`token_not_valid`).
    async fn refresh(
        &self,
        transport: &Transport,
        previous: &TokenPair,
    ) -> Result<Option<TokenPair>> {
        let op = Operation::with_decoder(
            "apptenticate.token_refresh",
            Method::POST,
            REFRESH_PATH,
            decode_refresh,
        )
        .unauthenticated()
        .body(Body::Form(vec![(
            "refresh".into(),
            previous.refresh.expose_secret().to_owned(),
        )]));
        match transport.send(&op).await {
            Ok(answer) => {
                let refresh = match answer.refresh {
                    Some(rotated) => rotated,
                    None => previous.refresh.expose_secret().to_owned(),
                };
                Ok(Some(self.pair(answer.access, refresh, SystemTime::now())))
            }
            Err(Error::Api(api))
                if api.status == StatusCode::UNAUTHORIZED
                    && api.code.as_deref() == Some(TOKEN_NOT_VALID) =>
            {
                // The engine's tracing already records the renewal; the fallback is a login.
                Ok(None)
            }
            Err(err) => Err(refused("token refresh", err)),
        }
    }

    fn pair(&self, access: String, refresh: String, now: SystemTime) -> TokenPair {
        let renew_at = renew_time(&access, self.lifetime, now);
        TokenPair {
            access: SecretString::from(access),
            refresh: SecretString::from(refresh),
            renew_at,
        }
    }
}

/// A refused login or refresh: `Error::Auth` carrying the service's answer (its `detail` is the
/// reason its `Display` prints); a transport failure stays what it is (it may be retried).
fn refused(what: &'static str, err: Error) -> Error {
    match &err {
        Error::Api(_) => Error::auth(format!("the {what} was refused"), Some(err)),
        Error::Decode(_) => Error::auth(format!("the {what} answer was not understood"), Some(err)),
        _ => err,
    }
}

/// When to replace an access token received at `now`: a fifth of its lifetime (at most 30 s)
/// before it ends.
///
/// - A JWT with `exp` and `iat`: the lifetime is `exp - iat`, counted from `now`, so that a
///   difference between the service's clock and ours does not matter (`exp <= iat`: due at once).
/// - A JWT with `exp` only: until `exp` by our clock; when that has already passed (a clock
///   difference), as an opaque token.
/// - Anything else: `lifetime` (the configured one) from `now`.
///
/// Times beyond what the platform's clock can hold (a service's `exp` of `1e300`, a caller's
/// `Duration::MAX`) do not overflow: such a token is renewed in a century.
fn renew_time(access: &str, lifetime: Duration, now: SystemTime) -> SystemTime {
    let lifetime = match jwt_times(access) {
        Some((exp, Some(iat))) => exp.saturating_sub(iat),
        Some((exp, None)) => UNIX_EPOCH
            .checked_add(exp)
            .and_then(|end| end.duration_since(now).ok())
            .filter(|left| !left.is_zero())
            .unwrap_or(lifetime),
        None => lifetime,
    };
    let margin = (lifetime / 5).min(MAX_REFRESH_MARGIN);
    now.checked_add(lifetime - margin)
        .or_else(|| now.checked_add(A_CENTURY))
        .unwrap_or(now)
}

/// The farthest renewal time used when a lifetime does not fit the platform's clock.
const A_CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `exp` and `iat` of a JWT, read without checking its signature (the service checks it; the
/// client only wants to know when to refresh). `None` for anything that is not a JWT with a
/// numeric `exp`.
fn jwt_times(token: &str) -> Option<(Duration, Option<Duration>)> {
    #[derive(Deserialize)]
    struct Claims {
        exp: f64,
        #[serde(default)]
        iat: Option<f64>,
    }
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = decode_base64url(payload)?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    // `try_`: a service's `exp` of 1e300 must not panic `Duration::from_secs_f64`.
    let seconds = |v: f64| Duration::try_from_secs_f64(v).ok();
    Some((seconds(claims.exp)?, claims.iat.and_then(seconds)))
}

/// JWT segments are base64url without padding; the core's codec is standard base64, so the
/// alphabet is mapped and the padding restored first.
fn decode_base64url(segment: &str) -> Option<Vec<u8>> {
    if segment.contains(['+', '/', '=']) {
        return None;
    }
    let mut standard: String = segment
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    biometric_core::base64::decode(&standard).ok()
}

impl Auth for TokenAuth {
    type Token = TokenPair;

    /// Refreshes from `previous` when there is one; logs in when there is none or when the
    /// service rejects the refresh token.
    async fn acquire(
        &self,
        transport: &Transport,
        previous: Option<&TokenPair>,
    ) -> Result<TokenPair> {
        if let Some(previous) = previous
            && let Some(pair) = self.refresh(transport, previous).await?
        {
            return Ok(pair);
        }
        self.login(transport).await
    }

    fn is_fresh(&self, token: &TokenPair) -> bool {
        SystemTime::now() < token.renew_at
    }

    fn apply(&self, token: &TokenPair, request: &mut AuthRequest<'_>) -> Result<()> {
        request.bearer(&token.access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let encode = |s: &str| {
            biometric_core::base64::encode(s.as_bytes())
                .trim_end_matches('=')
                .replace('+', "-")
                .replace('/', "_")
        };
        format!(
            "{}.{}.sig",
            encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            encode(payload)
        )
    }

    #[test]
    fn a_jwt_is_renewed_a_fifth_of_its_lifetime_before_exp_at_most_30_s() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let five_min =
            jwt(r#"{"token_type":"access","exp":1300,"iat":1000,"jti":"x","user_id":1}"#);
        assert_eq!(
            renew_time(&five_min, Duration::from_secs(1), now),
            UNIX_EPOCH + Duration::from_secs(1270)
        );
        let ten_s = jwt(r#"{"exp":1010,"iat":1000}"#);
        assert_eq!(
            renew_time(&ten_s, DEFAULT_ACCESS_TOKEN_LIFETIME, now),
            UNIX_EPOCH + Duration::from_secs(1008)
        );
    }

    #[test]
    fn a_jwt_lifetime_counts_from_receipt_whatever_the_services_clock() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        // The service's clock is an hour behind ours: the token still lasts its 5 minutes.
        let behind = jwt(r#"{"exp":6700,"iat":6400}"#);
        assert_eq!(
            renew_time(&behind, Duration::from_secs(1), now),
            now + Duration::from_secs(270)
        );
        // exp == iat: due at once.
        let due = jwt(r#"{"exp":6400,"iat":6400}"#);
        assert_eq!(renew_time(&due, DEFAULT_ACCESS_TOKEN_LIFETIME, now), now);
        // exp only, already past by our clock: the configured lifetime.
        let past = jwt(r#"{"exp":6700}"#);
        assert_eq!(
            renew_time(&past, DEFAULT_ACCESS_TOKEN_LIFETIME, now),
            now + Duration::from_secs(270)
        );
        let ahead = jwt(r#"{"exp":10100}"#);
        assert_eq!(
            renew_time(&ahead, DEFAULT_ACCESS_TOKEN_LIFETIME, now),
            now + Duration::from_secs(80)
        );
    }

    #[test]
    fn an_opaque_token_is_renewed_from_its_issue_time() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(
            renew_time("opaque-token", DEFAULT_ACCESS_TOKEN_LIFETIME, now),
            UNIX_EPOCH + Duration::from_secs(1270)
        );
        // Not JWTs: wrong number of segments, payload not JSON, no exp.
        for token in ["a.b", "a.b.c.d", &jwt("not json"), &jwt(r#"{"iat":1}"#)] {
            assert!(jwt_times(token).is_none(), "{token}");
        }
    }

    #[test]
    fn debug_never_shows_tokens() {
        let auth = TokenAuth {
            credentials: Credentials::new("user", "pa55word"),
            lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
        };
        let pair = auth.pair("acc3ss".into(), "refr3sh".into(), SystemTime::now());
        let text = format!("{auth:?} {pair:?}");
        for secret in ["pa55word", "acc3ss", "refr3sh"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}
