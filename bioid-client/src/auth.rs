//! BWS authentication: a JWT signed locally from the client id and key, or a ready-made token.

use std::fmt;
use std::time::Duration;

use biometric_core::{
    ApiError, Auth, AuthRequest, Error, ExposeSecret, Result, SecretSlice, SecretString,
    StatusCode, Transport,
};
use serde::Serialize;

/// The HMAC algorithm that signs the JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum JwtAlgorithm {
    /// HMAC-SHA512, as BWS's documentation signs (the default).
    #[default]
    Hs512,
    /// HMAC-SHA256, as one of BioID's own tools signs.
    Hs256,
}

impl JwtAlgorithm {
    fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            JwtAlgorithm::Hs512 => jsonwebtoken::Algorithm::HS512,
            JwtAlgorithm::Hs256 => jsonwebtoken::Algorithm::HS256,
        }
    }
}

/// The default JWT lifetime: five minutes, as BioID's samples use.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// How requests are authorised.
pub(crate) enum BwsAuth {
    /// Sign our own JWTs.
    Signed(JwtSigner),
    /// A token issued by the BWS portal, used as is.
    Ready(SecretString),
}

pub(crate) struct JwtSigner {
    client_id: String,
    key: SecretSlice<u8>,
    algorithm: JwtAlgorithm,
    lifetime: Duration,
}

/// A bearer token and, for a signed one, when to sign the next.
pub(crate) struct BearerToken {
    value: SecretString,
    renew_at: Option<i64>,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
}

impl JwtSigner {
    /// Checks the key here, so that a bad key fails at build time, not at the first call.
    pub(crate) fn new(
        client_id: String,
        key_base64: &SecretString,
        algorithm: JwtAlgorithm,
        lifetime: Duration,
    ) -> Result<Self> {
        if client_id.trim().is_empty() {
            return Err(Error::invalid("client_id", "must not be empty"));
        }
        let key = biometric_core::base64::decode(key_base64.expose_secret())
            .map_err(|_| Error::invalid("client_key", "must be standard base64"))?;
        if key.is_empty() {
            return Err(Error::invalid("client_key", "must not be empty"));
        }
        if lifetime < Duration::from_secs(10) {
            return Err(Error::invalid(
                "token_lifetime",
                "must be at least 10 seconds",
            ));
        }
        Ok(JwtSigner {
            client_id,
            key: SecretSlice::from(key),
            algorithm,
            lifetime,
        })
    }

    fn sign(&self, now: i64) -> Result<BearerToken> {
        // Saturating: a caller's `Duration::MAX` lifetime must not overflow (and panic).
        let lifetime = i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: &self.client_id,
            iss: &self.client_id,
            aud: "BWS",
            iat: now,
            nbf: now,
            exp: now.saturating_add(lifetime),
        };
        let header = jsonwebtoken::Header::new(self.algorithm.to_jsonwebtoken());
        let key = jsonwebtoken::EncodingKey::from_secret(self.key.expose_secret());
        let token = jsonwebtoken::encode(&header, &claims, &key)
            .map_err(|_| Error::auth("the JWT could not be signed", None))?;
        // Sign the next one before this one can expire in flight.
        let margin = (lifetime / 5).clamp(2, 30);
        Ok(BearerToken {
            value: SecretString::from(token),
            renew_at: Some(now.saturating_add(lifetime - margin)),
        })
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Auth for BwsAuth {
    type Token = BearerToken;

    async fn acquire(&self, _: &Transport, _: Option<&BearerToken>) -> Result<BearerToken> {
        match self {
            BwsAuth::Signed(signer) => signer.sign(now()),
            BwsAuth::Ready(token) => Ok(BearerToken {
                value: token.clone(),
                renew_at: None,
            }),
        }
    }

    fn is_fresh(&self, token: &BearerToken) -> bool {
        token.renew_at.is_none_or(|at| now() < at)
    }

    fn apply(&self, token: &BearerToken, request: &mut AuthRequest<'_>) -> Result<()> {
        request.bearer(&token.value)
    }

    /// A fresh signature can cure a 401 (clock skew, an expired token); a fixed token cannot.
    fn is_rejection(&self, error: &ApiError) -> bool {
        matches!(self, BwsAuth::Signed(_)) && error.status == StatusCode::UNAUTHORIZED
    }
}

impl fmt::Debug for BwsAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BwsAuth::Signed(signer) => f
                .debug_struct("SignedJwt")
                .field("client_id", &signer.client_id)
                .field("key", &"[REDACTED]")
                .field("algorithm", &signer.algorithm)
                .field("lifetime", &signer.lifetime)
                .finish(),
            BwsAuth::Ready(_) => f.write_str("ReadyToken([REDACTED])"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(key: &str) -> Result<JwtSigner> {
        JwtSigner::new(
            "client".into(),
            &SecretString::from(key),
            JwtAlgorithm::Hs512,
            DEFAULT_TOKEN_LIFETIME,
        )
    }

    #[test]
    fn bad_keys_fail_at_build_time() {
        assert!(
            matches!(signer("not base64!"), Err(Error::InvalidRequest { ref field, .. }) if field == "client_key")
        );
        assert!(
            matches!(signer(""), Err(Error::InvalidRequest { ref field, .. }) if field == "client_key")
        );
        assert!(signer("c2VjcmV0").is_ok());
    }

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        let token = signer("c2VjcmV0").unwrap().sign(1_000).unwrap();
        assert_eq!(token.renew_at, Some(1_000 + 300 - 30));
    }
}
