//! Waiting for the result of an asynchronous enrollment.
//!
//! An asynchronous enrollment returns once the device accepted it; the result arrives later as
//! a callback to your server (`card_create.fcgi`, `face_create.fcgi`, the monitor's
//! `user_image`...). [`EnrollmentResults`] connects the two: the enrollment registers what it
//! waits for before it is sent, the callback router (or your own framework, through
//! [`EnrollmentResults::publish`]) hands every result callback over, and the application awaits
//! a [`PendingEnrollment`] with a timeout instead of correlating by hand.
//!
//! A result is matched by its [`ResultKey`]: the kind of enrollment and the user it is labelled
//! with, the only label the device echoes back (`user_id`). That is why an awaited enrollment
//! needs [`EnrollTarget::Return`](crate::EnrollTarget::Return) with a user id, and why one
//! user can have one pending enrollment of a kind at a time.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use biometric_core::{Bytes, Error, Result};
use tokio::sync::oneshot;

use super::{Callback, Notification, parse};
use crate::ids::UserId;

/// A boxed future, as [`ResultRelay`] returns them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a subscription resolves with: the first result published for its key.
pub type Waiter = BoxFuture<'static, Result<RawCallback>>;

/// The kinds of remote enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnrollKind {
    /// A face (`face_create.fcgi`, monitor `user_image`).
    Face,
    /// Fingerprints (`fingerprint_create.fcgi`, `template_create.fcgi`, monitor `template`).
    Fingerprint,
    /// A card (`card_create.fcgi`, monitor `card`).
    Card,
}

impl EnrollKind {
    fn as_str(self) -> &'static str {
        match self {
            EnrollKind::Face => "face",
            EnrollKind::Fingerprint => "fingerprint",
            EnrollKind::Card => "card",
        }
    }
}

/// Which pending enrollment a result answers: its kind and the user it is labelled with.
///
/// Its text form (`face/123`) names a channel on a message bus and parses back:
///
/// ```
/// use controlid_client::callbacks::{EnrollKind, ResultKey};
/// use controlid_client::UserId;
/// let key = ResultKey::new(EnrollKind::Card, UserId::new(7).unwrap());
/// assert_eq!(key.to_string(), "card/7");
/// assert_eq!("card/7".parse::<ResultKey>().unwrap(), key);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResultKey {
    /// The kind of enrollment.
    pub kind: EnrollKind,
    /// The user the result is labelled with.
    pub user_id: UserId,
}

impl ResultKey {
    /// The key of `kind` for `user_id`.
    pub fn new(kind: EnrollKind, user_id: UserId) -> Self {
        ResultKey { kind, user_id }
    }
}

impl fmt::Display for ResultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.as_str(), self.user_id)
    }
}

impl FromStr for ResultKey {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "result key",
                "must read `<face|fingerprint|card>/<user id>`",
            )
        };
        let (kind, user) = text.split_once('/').ok_or_else(bad)?;
        let kind = match kind {
            "face" => EnrollKind::Face,
            "fingerprint" => EnrollKind::Fingerprint,
            "card" => EnrollKind::Card,
            _ => return Err(bad()),
        };
        let user = user.parse::<i64>().map_err(|_| bad())?;
        Ok(ResultKey::new(kind, UserId::new(user)?))
    }
}

/// A callback as the device posted it: what a relay carries between replicas.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawCallback {
    /// The request path (`/card_create.fcgi`, `/api/notifications/user_image`).
    pub path: String,
    /// The query string, without `?`.
    pub query: String,
    /// The content type, if any.
    pub content_type: Option<String>,
    /// The body: a face, fingerprints or a template. Never printed.
    pub body: Bytes,
}

impl RawCallback {
    /// A callback from its parts.
    pub fn new(
        path: impl Into<String>,
        query: impl Into<String>,
        content_type: Option<String>,
        body: Bytes,
    ) -> Self {
        RawCallback {
            path: path.into(),
            query: query.into(),
            content_type,
            body,
        }
    }

    /// The typed callback ([`parse`]).
    pub fn parse(&self) -> Result<Callback> {
        parse(
            &self.path,
            &self.query,
            self.content_type.as_deref(),
            &self.body,
        )
    }
}

/// The body is biometric data: only its length is shown.
impl fmt::Debug for RawCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawCallback")
            .field("path", &biometric_core::redact::cut(&self.path))
            .field("query", &biometric_core::redact::text_preview(&self.query))
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Callback {
    /// The pending enrollment this callback is the result of: the `*_create.fcgi` callbacks
    /// and the monitor's `user_image`, `template` and `card` notifications that name a user.
    pub fn result_key(&self) -> Option<ResultKey> {
        let (kind, user) = match self {
            Callback::CardCreated(card) => (EnrollKind::Card, card.user_id),
            Callback::FaceCreated(face) => (EnrollKind::Face, face.user_id),
            Callback::FingerprintCreated(prints) => (EnrollKind::Fingerprint, prints.user_id),
            Callback::TemplatesCreated(templates) => (EnrollKind::Fingerprint, templates.user_id),
            Callback::Notification(Notification::UserImage(n)) => (EnrollKind::Face, n.user_id?),
            Callback::Notification(Notification::Template(n)) => {
                (EnrollKind::Fingerprint, n.user_id?)
            }
            Callback::Notification(Notification::Card(n)) => (EnrollKind::Card, n.user_id?),
            _ => return None,
        };
        // 0 is the device's "no user": not a label.
        (user.get() > 0).then(|| ResultKey::new(kind, user))
    }
}

/// Carries results from the replica that received a callback to the one waiting for it.
///
/// [`EnrollmentResults::in_process`] is the implementation for one process; implement this
/// over a message bus for several replicas.
///
/// # Several replicas
///
/// Behind a load balancer the device's callback may reach another replica than the one that
/// started the enrollment. The matching then needs a message bus between replicas: implement
/// [`ResultRelay`] over the one you run (Redis pub/sub, NATS...) and build the results with
/// [`EnrollmentResults::with_relay`]. The relay carries [`RawCallback`]s (text and bytes, easy
/// to put on any bus) under the key's text form (`face/123`), and the waiting replica parses
/// the callback itself:
///
/// ```
/// use controlid_client::callbacks::{BoxFuture, RawCallback, ResultKey, ResultRelay, Waiter};
/// use controlid_client::Result;
///
/// /// A relay over a bus: `subscribe` listens on the key's channel, `publish` posts to it.
/// struct BusRelay { /* a Redis or NATS client */ }
///
/// impl ResultRelay for BusRelay {
///     fn subscribe(&self, key: ResultKey) -> BoxFuture<'_, Result<Waiter>> {
///         Box::pin(async move {
///             let channel = format!("controlid/{key}");
///             // SUBSCRIBE to `channel` here and return a future of its first message,
///             // decoded back into a RawCallback.
///             # let _ = channel;
///             let first_message: Waiter = Box::pin(std::future::pending());
///             Ok(first_message)
///         })
///     }
///     fn publish(&self, key: ResultKey, callback: RawCallback) -> BoxFuture<'_, ()> {
///         Box::pin(async move {
///             // PUBLISH the callback's path, query, content type and body on
///             // `controlid/{key}`.
///             # let _ = (key, callback);
///         })
///     }
/// }
/// ```
pub trait ResultRelay: Send + Sync + 'static {
    /// Starts listening for `key`'s result and resolves once listening, so that a result
    /// posted right after the enrollment is sent is not missed. The [`Waiter`] resolves with
    /// the first result published for `key`.
    fn subscribe(&self, key: ResultKey) -> BoxFuture<'_, Result<Waiter>>;

    /// Hands over a result callback this replica received. A result nobody waits for (a
    /// second post of the same result, one that came after its waiter gave up) is dropped.
    fn publish(&self, key: ResultKey, callback: RawCallback) -> BoxFuture<'_, ()>;
}

/// The in-process relay: a map from keys to the enrollments waiting on them.
#[derive(Default)]
struct InProcess {
    waiting: Mutex<HashMap<ResultKey, oneshot::Sender<RawCallback>>>,
}

impl InProcess {
    fn waiting(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ResultKey, oneshot::Sender<RawCallback>>> {
        // A panic while holding the lock leaves the map consistent (single inserts/removes).
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ResultRelay for InProcess {
    fn subscribe(&self, key: ResultKey) -> BoxFuture<'_, Result<Waiter>> {
        let subscribed = {
            let mut waiting = self.waiting();
            match waiting.get(&key) {
                // A waiter that gave up (its pending enrollment dropped) frees its key.
                Some(sender) if !sender.is_closed() => Err(Error::invalid(
                    "user_id",
                    format!(
                        "already has a {} enrollment waiting for its result: one at a time \
                         per user and kind, or the results could not be told apart",
                        key.kind.as_str()
                    ),
                )),
                _ => {
                    let (sender, receiver) = oneshot::channel();
                    waiting.insert(key, sender);
                    Ok(receiver)
                }
            }
        };
        Box::pin(async move {
            let receiver = subscribed?;
            let waiter: Waiter = Box::pin(async move {
                receiver
                    .await
                    .map_err(|_| Error::deadline("controlid.remote_enroll_async"))
            });
            Ok(waiter)
        })
    }

    fn publish(&self, key: ResultKey, callback: RawCallback) -> BoxFuture<'_, ()> {
        if let Some(sender) = self.waiting().remove(&key) {
            // A waiter that gave up just now is the same as none.
            let _ = sender.send(callback);
        }
        Box::pin(async {})
    }
}

/// Where asynchronous enrollment results meet the enrollments waiting for them. Cheap to
/// clone: one per application, given to the callback router
/// ([`RouterConfig::results`](crate::callbacks::RouterConfig::results)) and to each
/// asynchronous enrollment's `send`.
#[derive(Clone)]
pub struct EnrollmentResults {
    relay: Arc<dyn ResultRelay>,
}

impl fmt::Debug for EnrollmentResults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollmentResults").finish_non_exhaustive()
    }
}

impl Default for EnrollmentResults {
    fn default() -> Self {
        EnrollmentResults::in_process()
    }
}

impl EnrollmentResults {
    /// Results matched within this process: the router and the enrollments share it.
    pub fn in_process() -> Self {
        EnrollmentResults::with_relay(InProcess::default())
    }

    /// Results carried by `relay` (a message bus between replicas).
    pub fn with_relay(relay: impl ResultRelay) -> Self {
        EnrollmentResults {
            relay: Arc::new(relay),
        }
    }

    /// Hands over a callback the device posted, when it is an enrollment's result: what the
    /// router does for every callback it receives; call it yourself when you serve the
    /// callbacks with another framework. Returns the key it was published under, if any.
    pub async fn publish(&self, callback: &Callback, raw: RawCallback) -> Option<ResultKey> {
        let key = callback.result_key()?;
        self.relay.publish(key, raw).await;
        Some(key)
    }

    pub(crate) async fn subscribe(&self, key: ResultKey) -> Result<PendingEnrollment> {
        let waiter = self.relay.subscribe(key).await?;
        Ok(PendingEnrollment { key, waiter })
    }
}

/// An asynchronous enrollment the device accepted, whose result has not arrived yet.
///
/// Dropping it gives up: a result that arrives later is dropped (the router still hands it to
/// your handler).
#[must_use = "the result arrives through .wait(timeout).await"]
pub struct PendingEnrollment {
    key: ResultKey,
    waiter: Waiter,
}

impl fmt::Debug for PendingEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingEnrollment")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl PendingEnrollment {
    /// What the enrollment waits for.
    pub fn key(&self) -> ResultKey {
        self.key
    }

    /// Waits up to `timeout` for the result: the first callback the device posted for this
    /// enrollment (`FaceCreated` or the `user_image` notification for a face, whichever came
    /// first; `CardCreated` or `card`; `FingerprintCreated`, `TemplatesCreated` or
    /// `template`).
    ///
    /// A timeout is a [`TransportKind::Timeout`](biometric_core::TransportKind::Timeout) error
    /// ([`Error::is_timeout`]): the person may not have come to the device, or the callback
    /// did not reach your server (check the monitor's address and your router). The
    /// enrollment may still be running on the device:
    /// [`Client::cancel_remote_enroll`](crate::Client::cancel_remote_enroll) ends it.
    pub async fn wait(self, timeout: Duration) -> Result<Callback> {
        match tokio::time::timeout(timeout, self.waiter).await {
            Ok(raw) => raw?.parse(),
            Err(_) => Err(Error::deadline("controlid.remote_enroll_async")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(user: i64) -> ResultKey {
        ResultKey::new(EnrollKind::Card, UserId::new(user).unwrap())
    }

    fn card(user: i64) -> (Callback, RawCallback) {
        let body = format!(r#"{{"user_id": {user}, "card_value": 5, "device_id": 1}}"#);
        let raw = RawCallback::new("/card_create.fcgi", "", None, Bytes::from(body));
        (raw.parse().unwrap(), raw)
    }

    #[tokio::test]
    async fn a_result_reaches_the_enrollment_waiting_for_its_key_only() {
        let results = EnrollmentResults::in_process();
        let seven = results.subscribe(key(7)).await.unwrap();
        let eight = results.subscribe(key(8)).await.unwrap();

        let (callback, raw) = card(7);
        assert_eq!(results.publish(&callback, raw).await, Some(key(7)));

        let got = seven.wait(Duration::from_secs(1)).await.unwrap();
        assert!(
            matches!(got, Callback::CardCreated(ref c) if c.user_id.get() == 7),
            "{got:?}"
        );
        let err = eight.wait(Duration::from_millis(10)).await.unwrap_err();
        assert!(err.is_timeout(), "{err}");
    }

    #[tokio::test]
    async fn one_pending_enrollment_per_key_and_a_dropped_one_frees_it() {
        let results = EnrollmentResults::in_process();
        let first = results.subscribe(key(7)).await.unwrap();
        let second = results.subscribe(key(7)).await.unwrap_err();
        assert!(
            matches!(second, Error::InvalidRequest { ref field, .. } if field == "user_id"),
            "{second}"
        );
        drop(first);
        let third = results.subscribe(key(7)).await.unwrap();
        let (callback, raw) = card(7);
        results.publish(&callback, raw).await;
        third.wait(Duration::from_secs(1)).await.unwrap();
    }

    #[tokio::test]
    async fn a_second_post_of_a_result_and_one_nobody_waits_for_are_dropped() {
        let results = EnrollmentResults::in_process();
        let (callback, raw) = card(9);
        // Nobody waits: dropped, and a later waiter does not get a stale result.
        results.publish(&callback, raw.clone()).await;
        let pending = results.subscribe(key(9)).await.unwrap();
        results.publish(&callback, raw.clone()).await;
        results.publish(&callback, raw).await;
        pending.wait(Duration::from_secs(1)).await.unwrap();
        let late = results.subscribe(key(9)).await.unwrap();
        assert!(
            late.wait(Duration::from_millis(10))
                .await
                .unwrap_err()
                .is_timeout()
        );
    }

    #[test]
    fn only_enrollment_results_have_a_key() {
        let notification = parse(
            "/api/notifications/user_image",
            "",
            Some("application/json"),
            br#"{"user_id": 3, "device_id": 1, "user_image": "AAAA"}"#,
        )
        .unwrap();
        assert_eq!(
            notification.result_key(),
            Some(ResultKey::new(EnrollKind::Face, UserId::new(3).unwrap()))
        );
        let alive = parse(
            "/api/notifications/device_is_alive",
            "",
            Some("application/json"),
            br#"{"access_logs": 1, "device_id": 1}"#,
        )
        .unwrap();
        assert_eq!(alive.result_key(), None);
        let unlabelled = card(0).0;
        assert_eq!(unlabelled.result_key(), None, "user 0 is no label");
    }

    #[test]
    fn the_body_never_reaches_debug() {
        let raw = RawCallback::new(
            "/face_create.fcgi",
            "",
            None,
            Bytes::from_static(b"FACEBYTES"),
        );
        let shown = format!("{raw:?}");
        assert!(
            !shown.contains("FACEBYTES") && shown.contains("body_len: 9"),
            "{shown}"
        );
    }
}
