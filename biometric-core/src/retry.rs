//! When and how long to wait before sending a request again.
//!
//! The rule, from google-cloud-rust and smithy-rs: retry only what is safe. An operation is tried
//! again when the failure is transient **and** either the operation is idempotent or the request
//! certainly did not reach the server (connection refused). An enrollment POST that timed out is
//! never sent twice behind the caller's back.

use std::time::Duration;

use http::{HeaderMap, StatusCode, header::RETRY_AFTER};

use crate::error::{Error, TransportKind};

/// What a service states about its answers, which decides what may be sent again: statuses it
/// sends only for requests it did not act on, statuses that are or are not worth retrying.
///
/// These are the **vendor's** rules: a vendor crate sets them once for its engine
/// ([`crate::EngineBuilder::retry_rules`]) or on one operation
/// ([`crate::Operation::retry_rules`]), and no caller setting removes them. The caller's
/// [`RetryPolicy`] sets the budget (attempts, backoff, total time) and may add rules of its
/// own, never drop these (the AWS SDK's split between retry config and classifiers).
///
/// ```
/// use biometric_core::RetryRules;
/// // BioID: "503 = the request was not processed, retry with backoff".
/// let rules = RetryRules::new().unprocessed_status(503);
/// # let _ = rules;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryRules {
    extra_transient: Vec<StatusCode>,
    not_transient: Vec<StatusCode>,
    unprocessed: Vec<StatusCode>,
}

impl RetryRules {
    /// No rule beyond the defaults (408, 429 and 5xx but 501 are transient; only idempotent
    /// operations, and requests that never left, are sent again).
    pub fn new() -> Self {
        RetryRules::default()
    }

    /// Treats `status` as transient for this service, in addition to 408, 429 and 5xx.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999): a programming error.
    pub fn transient_status(mut self, status: u16) -> Self {
        self.extra_transient.push(status_code(status));
        self
    }

    /// Treats `status` as final for this service even though it is usually transient
    /// (a service whose 500 means "your input crashed us"). Final wins over transient.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999): a programming error.
    pub fn final_status(mut self, status: u16) -> Self {
        self.not_transient.push(status_code(status));
        self
    }

    /// Declares that the service answers `status` only for requests it did not act on, so that
    /// such a response is retried even for a non-idempotent operation (BioID documents its 503
    /// this way). The status is also treated as transient.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999): a programming error.
    pub fn unprocessed_status(mut self, status: u16) -> Self {
        let status = status_code(status);
        self.unprocessed.push(status);
        self.extra_transient.push(status);
        self
    }

    /// These rules with `other`'s added.
    pub(crate) fn with(&self, other: &RetryRules) -> RetryRules {
        let mut merged = self.clone();
        merged.extra_transient.extend(&other.extra_transient);
        merged.not_transient.extend(&other.not_transient);
        merged.unprocessed.extend(&other.unprocessed);
        merged
    }

    fn is_transient(&self, status: StatusCode) -> bool {
        if self.not_transient.contains(&status) {
            return false;
        }
        self.extra_transient.contains(&status) || crate::error::is_transient_status(status)
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).expect("valid HTTP status")
}

/// The caller's retry budget: exponential backoff with full jitter, capped by attempts and by
/// total time.
///
/// What may be sent again is not the policy's to decide alone: an operation that is not
/// idempotent is never sent again once it may have reached the server, and the vendor crate's
/// [`RetryRules`] (statuses its service documents as transient or as "not processed") always
/// apply. Replacing the policy (`.http(|h| h.retry(..))`, `RequestOptions::retry`) changes the
/// budget and may add rules, never removes the vendor's.
///
/// ```
/// use std::time::Duration;
/// use biometric_core::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .max_elapsed(Duration::from_secs(20))
///     .transient_status(409); // a caller whose service's 409 means "busy, try again"
/// assert_eq!(policy.attempts(), 5);
/// let never = RetryPolicy::disabled();
/// assert_eq!(never.attempts(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    rules: RetryRules,
}

impl Default for RetryPolicy {
    /// Three attempts, 200 ms first backoff doubling up to 5 s, 30 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
            rules: RetryRules::default(),
        }
    }
}

impl RetryPolicy {
    /// A policy that sends every request exactly once.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The most attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the second attempt; it doubles for each further attempt.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest single backoff (before jitter).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No new attempt starts once this much time has passed since the first one began, and no
    /// wait (including a server's `Retry-After`) is allowed to run past it.
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// Adds a status the caller knows to be transient (see [`RetryRules::transient_status`]).
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999): a programming error.
    pub fn transient_status(mut self, status: u16) -> Self {
        self.rules = self.rules.transient_status(status);
        self
    }

    /// Adds a status the caller knows to be final (see [`RetryRules::final_status`]).
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999): a programming error.
    pub fn final_status(mut self, status: u16) -> Self {
        self.rules = self.rules.final_status(status);
        self
    }

    /// Adds a status the caller knows the service sends only for requests it did not act on
    /// (see [`RetryRules::unprocessed_status`]).
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999): a programming error.
    pub fn unprocessed_status(mut self, status: u16) -> Self {
        self.rules = self.rules.unprocessed_status(status);
        self
    }

    /// The attempt cap.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The total-time cap.
    pub fn elapsed_cap(&self) -> Duration {
        self.max_elapsed
    }

    /// Whether `error` after `attempt` (1-based) of an operation may be retried, under the
    /// vendor's `rules` and the caller's own.
    pub(crate) fn should_retry(
        &self,
        error: &Error,
        idempotent: bool,
        attempt: u32,
        rules: &RetryRules,
    ) -> bool {
        if attempt >= self.max_attempts {
            return false;
        }
        let rules = rules.with(&self.rules);
        match error {
            // Refused or unreachable: nothing was sent, so even a POST may go again.
            Error::Transport(t) if t.kind() == TransportKind::Connect => true,
            // A refused certificate is refused again: permanent until the settings change.
            Error::Transport(t) if t.kind() == TransportKind::Tls => false,
            Error::Transport(_) => idempotent,
            Error::Api(api) => {
                rules.is_transient(api.status)
                    && (idempotent || rules.unprocessed.contains(&api.status))
            }
            _ => false,
        }
    }

    /// The wait before attempt `attempt + 1`: the server's `Retry-After` when it gave one,
    /// otherwise `initial * 2^(attempt-1)` capped at `max_backoff`, with full jitter.
    pub(crate) fn backoff(&self, attempt: u32, error: &Error) -> Duration {
        if let Some(wait) = error.as_api().and_then(|api| retry_after(&api.headers)) {
            return wait;
        }
        let exponent = attempt.saturating_sub(1).min(20);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        // Full jitter (AWS architecture blog): spreads clients that failed together.
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Reads `Retry-After` as delay-seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn retry_after_seconds_and_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a past date means now"
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_stays_under_the_cap() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300));
        let err = Error::invalid("x", "y");
        for attempt in 1..30 {
            assert!(policy.backoff(attempt, &err) <= Duration::from_millis(300));
        }
    }
}
