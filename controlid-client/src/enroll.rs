//! Remote enrollment (`remote_enroll.fcgi`) of faces, fingerprints and cards, and its cancel.
//!
//! The request's rules live in the types: saving needs an existing user, so the id travels in
//! [`EnrollTarget::SaveToUser`]; automatic capture exists only on [`FaceEnroll`]; the panic
//! finger only on [`FingerprintEnroll`]; a synchronous call's result type follows its kind.

use std::time::Duration;

use biometric_core::{Error, Image, Method, Operation, RawResponse, Result, decode_unit};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::callbacks::{EnrollKind, EnrollmentResults, PendingEnrollment, ResultKey, lenient_i64};
use crate::client::Client;
use crate::ids::{CardValue, DeviceId, FingerType, UserId};
use crate::limits::TEXT;

/// How long a synchronous face enrollment may wait for the person.
pub const FACE_TIMEOUT: Duration = Duration::from_secs(40);
/// How long a synchronous card enrollment may wait for the card.
pub const CARD_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a synchronous fingerprint enrollment may wait (three touches).
pub const FINGERPRINT_TIMEOUT: Duration = Duration::from_secs(90);

/// What happens to an enrolled face, fingerprint or card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollTarget {
    /// Saved on the device for this existing user (`save: true`).
    ///
    /// Synchronously, the response still carries the result. Asynchronously, nothing comes
    /// back: `remote-enroll.txt` says an asynchronous face enrollment with `save: true` "does not
    /// generate image data return to the remote server" (read the picture afterwards with
    /// [`Client::user_image`]). For cards and fingerprints the text only says that a not-saved
    /// object "will be sent to the registered server"; it is silent on a saved one. So no
    /// `face_create.fcgi` payload is promised, and no card or fingerprint callback either.
    SaveToUser(UserId),
    /// Not saved: returned in the response (synchronous) or sent to your server (asynchronous),
    /// labelled with `user_id` when given (`save: false`).
    Return {
        /// The user the result is about, echoed back by the device.
        user_id: Option<UserId>,
    },
}

impl EnrollTarget {
    /// Not saved, not labelled.
    pub fn return_only() -> Self {
        EnrollTarget::Return { user_id: None }
    }

    /// Not saved, labelled with `user_id`.
    pub fn return_for(user_id: UserId) -> Self {
        EnrollTarget::Return {
            user_id: Some(user_id),
        }
    }
}

/// The options every kind shares.
#[derive(Debug, Clone)]
struct Common {
    client: Client,
    kind: &'static str,
    target: EnrollTarget,
    message: Option<String>,
    registration: Option<String>,
    timeout: Option<Duration>,
    /// A rule broken while configuring, reported by `send` before any I/O.
    problem: Option<Error>,
}

impl Common {
    fn new(client: &Client, kind: &'static str, target: EnrollTarget) -> Self {
        Common {
            client: client.clone(),
            kind,
            target,
            message: None,
            registration: None,
            timeout: None,
            problem: None,
        }
    }

    /// Keeps the first broken rule for `send`.
    fn note(&mut self, check: Result<()>) {
        if let (None, Err(problem)) = (&self.problem, check) {
            self.problem = Some(problem);
        }
    }

    fn body(&self, sync: bool, extra: Map<String, Value>) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), json!(self.kind));
        match self.target {
            EnrollTarget::SaveToUser(user) => {
                body.insert("user_id".into(), json!(user.get()));
                body.insert("save".into(), json!(true));
            }
            EnrollTarget::Return { user_id } => {
                if let Some(user) = user_id {
                    body.insert("user_id".into(), json!(user.get()));
                }
                body.insert("save".into(), json!(false));
            }
        }
        if let Some(registration) = &self.registration {
            body.insert("registration".into(), json!(registration));
        }
        if let Some(message) = &self.message {
            // The field list says `msg`; one example sends `message`. The field list (and the
            // vendor's own Python client) win.
            body.insert("msg".into(), json!(message));
        }
        body.insert("sync".into(), json!(sync));
        body.extend(extra);
        Value::Object(body)
    }

    fn operation<T>(
        &self,
        sync: bool,
        extra: Map<String, Value>,
        decode: fn(RawResponse) -> Result<T>,
        default_timeout: Duration,
    ) -> Result<Operation<T>> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        let name = if sync {
            "controlid.remote_enroll"
        } else {
            "controlid.remote_enroll_async"
        };
        let timeout = self.timeout.unwrap_or(default_timeout);
        Operation::with_decoder(name, Method::POST, "remote_enroll.fcgi", decode)
            .timeout(timeout)
            .json_body(&self.body(sync, extra))
    }

    /// The synchronous form: waits for the person, decodes the typed result.
    fn sync<T>(
        &self,
        extra: Map<String, Value>,
        decode: fn(RawResponse) -> Result<T>,
        timeout: Duration,
    ) -> SyncEnroll<T> {
        SyncEnroll {
            client: self.client.clone(),
            operation: self.operation(true, extra, decode, timeout),
        }
    }

    /// What the asynchronous result will be matched by: the kind and the labelled user. A
    /// saved enrollment sends no result, an unlabelled one cannot be told apart.
    fn result_key(&self, kind: EnrollKind) -> Result<ResultKey> {
        match self.target {
            EnrollTarget::Return {
                user_id: Some(user),
            } => Ok(ResultKey::new(kind, user)),
            EnrollTarget::Return { user_id: None } => Err(Error::invalid(
                "user_id",
                "is needed to match the device's result to this enrollment: use \
                 EnrollTarget::return_for(user)",
            )),
            EnrollTarget::SaveToUser(_) => Err(Error::invalid(
                "target",
                "must be EnrollTarget::Return for an asynchronous enrollment: one saved on the \
                 device sends no result back (remote-enroll.txt advises against it); use \
                 .sync() to save and get the result",
            )),
        }
    }

    /// The asynchronous form: checks that a result can come back (a labelled, unsaved
    /// enrollment; a monitor configured on the device), starts waiting for it, then sends.
    async fn send_async(
        &self,
        kind: EnrollKind,
        extra: Map<String, Value>,
        results: &EnrollmentResults,
    ) -> Result<PendingEnrollment> {
        let op = self.operation(
            false,
            extra,
            decode_accepted,
            crate::client::DEFAULT_TIMEOUT,
        )?;
        let key = self.result_key(kind)?;
        if self.client.monitor_config().await?.is_none() {
            return Err(Error::invalid(
                "monitor",
                "is not configured on the device, so an asynchronous result has nowhere to \
                 go: set it with Client::set_monitor_config first",
            ));
        }
        // Waiting starts before the device can post: a quick person is not missed. A send that
        // fails drops the pending enrollment, which frees its key.
        let pending = results.subscribe(key).await?;
        self.client.engine.execute(op).await?;
        Ok(pending)
    }
}

/// A broken rule, kept until `send` reports it.
fn problem(field: &'static str, rule: &str) -> Error {
    Error::invalid(field, rule.to_owned())
}

macro_rules! common_setters {
    () => {
        /// The text shown on the device's screen during enrollment (the device's default when
        /// not set or empty). No control character, at most
        /// [`MAX_TEXT_CHARS`](crate::MAX_TEXT_CHARS) characters, or `send` fails with
        /// [`Error::InvalidRequest`] before anything is sent.
        pub fn message(mut self, message: impl Into<String>) -> Self {
            let message = message.into();
            self.common.note(TEXT.allow_blank().check("msg", &message));
            self.common.message = Some(message);
            self
        }

        /// The registration number of the person being enrolled: not blank, no control
        /// character, at most [`MAX_TEXT_CHARS`](crate::MAX_TEXT_CHARS) characters (checked by
        /// `send`, before anything is sent).
        pub fn registration(mut self, registration: impl Into<String>) -> Self {
            let registration = registration.into();
            self.common.note(TEXT.check("registration", &registration));
            self.common.registration = Some(registration);
            self
        }

        /// Overrides the timeout (synchronous calls wait for a person; see the kind's default).
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.common.timeout = Some(timeout);
            self
        }

        /// Per-call settings for this enrollment only ([`biometric_core::RequestOptions`]:
        /// timeout, retry policy, extra headers), winning over the client's and the kind's.
        pub fn options(mut self, options: biometric_core::RequestOptions) -> Self {
            self.common.client = self.common.client.with_options(options);
            self
        }
    };
}

/// A face enrollment being configured. See [`Client::remote_enroll_face`].
#[derive(Debug, Clone)]
#[must_use = "call .sync().send().await or .send(&results).await"]
pub struct FaceEnroll {
    common: Common,
    auto: Option<AutoCapture>,
}

/// How automatic capture was asked for.
#[derive(Debug, Clone, Copy)]
enum AutoCapture {
    /// `auto: true` alone: the device's configured countdown (factory default 5 s).
    DeviceCountdown,
    /// `auto: true` with `countdown` in whole seconds.
    Countdown(u64),
}

impl FaceEnroll {
    common_setters!();

    /// Captures automatically once the face is centred, after a countdown (whole seconds,
    /// at least one; the device's factory default is 5 s). Without it, the person confirms on
    /// the screen.
    pub fn auto_capture(mut self, countdown: Duration) -> Self {
        let seconds = countdown.as_secs();
        if seconds == 0 || countdown.subsec_nanos() != 0 {
            self.common.note(Err(problem(
                "countdown",
                "must be a whole number of seconds, at least 1",
            )));
        }
        self.auto = Some(AutoCapture::Countdown(seconds));
        self
    }

    /// Captures automatically once the face is centred, after the device's own countdown
    /// (`auto: true` without `countdown`; the factory default is 5 s).
    pub fn auto_capture_with_device_countdown(mut self) -> Self {
        self.auto = Some(AutoCapture::DeviceCountdown);
        self
    }

    fn extra(&self) -> Map<String, Value> {
        let mut extra = Map::new();
        match self.auto {
            None => {}
            Some(AutoCapture::DeviceCountdown) => {
                extra.insert("auto".into(), json!(true));
            }
            Some(AutoCapture::Countdown(seconds)) => {
                extra.insert("auto".into(), json!(true));
                extra.insert("countdown".into(), json!(seconds));
            }
        }
        extra
    }

    /// Waits for the result in the response (up to [`FACE_TIMEOUT`] by default).
    pub fn sync(self) -> SyncEnroll<FaceEnrollment> {
        self.common.sync(self.extra(), decode_face, FACE_TIMEOUT)
    }

    /// Starts the enrollment asynchronously and returns once the device accepted it, with the
    /// [`PendingEnrollment`] that `results` resolves when the device posts the result (the
    /// monitor's `user_image` notification, or `face_create.fcgi` in an online mode, whichever
    /// comes first).
    ///
    /// Refused before the enrollment is sent ([`Error::InvalidRequest`]): a target other than
    /// [`EnrollTarget::return_for`] (a saved face sends nothing back; an unlabelled one cannot
    /// be matched), a user with a face enrollment already waiting, a device without a monitor
    /// (read with one `get_configuration.fcgi` call). A refusal in the device's answer
    /// (`success: false`, `error`) is an [`Error::Api`], as for [`SyncEnroll::send`]. A refused
    /// login, or a session the device refuses again after one re-login, is an [`Error::Auth`].
    ///
    /// **Not resent** once it may have reached the device: the person may already be in front
    /// of it. (The monitor read before it is resent after a failure that may go away.)
    ///
    /// ```no_run
    /// # async fn demo(device: controlid_client::Client) -> controlid_client::Result<()> {
    /// use std::time::Duration;
    /// use controlid_client::callbacks::{Callback, EnrollmentResults, RouterConfig, router_with};
    /// use controlid_client::{EnrollTarget, UserId};
    ///
    /// let results = EnrollmentResults::in_process();
    /// // Serve this router at the monitor's address (see Client::set_monitor_config).
    /// let app = router_with(RouterConfig::default().results(&results), |_: Callback| async {
    ///     Ok::<(), std::io::Error>(())
    /// });
    /// let pending = device
    ///     .remote_enroll_face(EnrollTarget::return_for(UserId::new(42)?))
    ///     .send(&results)
    ///     .await?;
    /// match pending.wait(Duration::from_secs(60)).await? {
    ///     Callback::FaceCreated(face) => println!("{} picture(s)", face.faces.len()),
    ///     other => println!("result: {other:?}"),
    /// }
    /// # drop(app); Ok(()) }
    /// ```
    pub async fn send(self, results: &EnrollmentResults) -> Result<PendingEnrollment> {
        self.common
            .send_async(EnrollKind::Face, self.extra(), results)
            .await
    }
}

/// A fingerprint enrollment being configured. See [`Client::remote_enroll_fingerprint`].
#[derive(Debug, Clone)]
#[must_use = "call .sync().send().await or .send(&results).await"]
pub struct FingerprintEnroll {
    common: Common,
    panic_finger: bool,
}

impl FingerprintEnroll {
    common_setters!();

    /// Enrolls the panic finger (opens the door and raises a silent alarm).
    pub fn panic_finger(mut self, panic: bool) -> Self {
        self.panic_finger = panic;
        self
    }

    fn extra(&self) -> Map<String, Value> {
        let mut extra = Map::new();
        extra.insert("panic_finger".into(), json!(u8::from(self.panic_finger)));
        extra
    }

    /// Waits for the result in the response (up to [`FINGERPRINT_TIMEOUT`] by default).
    pub fn sync(self) -> SyncEnroll<FingerprintEnrollment> {
        self.common
            .sync(self.extra(), decode_fingerprint, FINGERPRINT_TIMEOUT)
    }

    /// Starts the enrollment asynchronously, like [`FaceEnroll::send`]; the result is
    /// `fingerprint_create.fcgi`, `template_create.fcgi` when the device extracts templates,
    /// or the monitor's `template` notification, whichever comes first.
    ///
    /// **Not resent** once it may have reached the device: the person may already have a
    /// finger on the reader, and a second request would start another enrollment.
    ///
    /// Errors (as for [`FaceEnroll::send`]): [`Error::InvalidRequest`] (before the enrollment is
    /// sent) for a target other than [`EnrollTarget::return_for`], a fingerprint enrollment
    /// already waiting for this user, a device without a monitor, or a message or registration
    /// that breaks its rule; [`Error::Api`] when the device refuses; [`Error::Auth`] when the
    /// login is refused, or the device refuses the session again after one re-login.
    pub async fn send(self, results: &EnrollmentResults) -> Result<PendingEnrollment> {
        self.common
            .send_async(EnrollKind::Fingerprint, self.extra(), results)
            .await
    }
}

/// A card enrollment being configured. See [`Client::remote_enroll_card`].
#[derive(Debug, Clone)]
#[must_use = "call .sync().send().await or .send(&results).await"]
pub struct CardEnroll {
    common: Common,
}

impl CardEnroll {
    common_setters!();

    /// Waits for the card in the response (up to [`CARD_TIMEOUT`] by default).
    pub fn sync(self) -> SyncEnroll<CardEnrollment> {
        self.common.sync(Map::new(), decode_card, CARD_TIMEOUT)
    }

    /// Starts the enrollment asynchronously, like [`FaceEnroll::send`]; the result is
    /// `card_create.fcgi` or the monitor's `card` notification, whichever comes first.
    ///
    /// **Not resent** once it may have reached the device: the person may already be holding
    /// the card to it, and a second request would start another enrollment.
    ///
    /// Errors (as for [`FaceEnroll::send`]): [`Error::InvalidRequest`] (before the enrollment is
    /// sent) for a target other than [`EnrollTarget::return_for`], a card enrollment already
    /// waiting for this user, a device without a monitor, or a message or registration that breaks
    /// its rule; [`Error::Api`] when the device refuses; [`Error::Auth`] when the login is
    /// refused, or the device refuses the session again after one re-login.
    pub async fn send(self, results: &EnrollmentResults) -> Result<PendingEnrollment> {
        self.common
            .send_async(EnrollKind::Card, Map::new(), results)
            .await
    }
}

/// A synchronous enrollment, ready to send.
#[derive(Debug)]
#[must_use = "a request does nothing until .send().await"]
pub struct SyncEnroll<T> {
    client: Client,
    operation: Result<Operation<T>>,
}

impl<T> SyncEnroll<T> {
    /// Overrides how long to wait for the person (the kind's default otherwise).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.operation = self.operation.map(|op| op.timeout(timeout));
        self
    }

    /// Per-call settings for this enrollment only ([`biometric_core::RequestOptions`]:
    /// timeout, retry policy, extra headers), winning over the client's and the kind's.
    pub fn options(mut self, options: biometric_core::RequestOptions) -> Self {
        self.client = self.client.with_options(options);
        self
    }

    /// The operation as data, for inspection.
    pub fn operation(&self) -> std::result::Result<&Operation<T>, &Error> {
        self.operation.as_ref()
    }

    /// Sends the enrollment and waits for the person. A failure reported by the device
    /// (`success: false`) is an [`Error::Api`]; read it with [`crate::EnrollFailure::from_error`].
    ///
    /// **Not resent** once it may have reached the device: the person may already be in front
    /// of it, and a second request would start another enrollment (a timeout included: the
    /// device may still be waiting for the person; end it with
    /// [`Client::cancel_remote_enroll`]).
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when a setter's rule was broken (a
    /// message or registration with a control character or too long, a blank registration, a
    /// countdown that is not a whole number of seconds); [`Error::Api`] when the device refuses
    /// (`FACE_EXISTS`...); a timeout ([`Error::is_timeout`]) when the person did not finish in
    /// time; [`Error::Auth`] when the login is refused, or the device refuses the session again
    /// after one re-login.
    pub async fn send(self) -> Result<T> {
        self.client.engine.execute(self.operation?).await
    }
}

/// A face enrolled synchronously.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaceEnrollment {
    /// The user (as sent, or 0 when none was given).
    pub user_id: UserId,
    /// The device.
    pub device_id: DeviceId,
    /// The captured face (JPEG).
    pub image: Image,
}

/// A card read synchronously.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CardEnrollment {
    /// The user (as sent, or 0 when none was given).
    pub user_id: UserId,
    /// The device.
    pub device_id: DeviceId,
    /// The card's value.
    pub card_value: CardValue,
}

/// Fingerprints enrolled synchronously.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FingerprintEnrollment {
    /// The user (as sent, or 0 when none was given).
    pub user_id: UserId,
    /// The device.
    pub device_id: DeviceId,
    /// Normal or panic finger.
    pub finger_type: FingerType,
    /// One image per capture step.
    pub fingerprints: Vec<FingerprintImage>,
}

/// One fingerprint capture: raw 8-bit grayscale (`width * height` bytes) or JPEG, told apart by
/// content (the documentation says raw, its examples show JPEG).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FingerprintImage {
    /// The image; [`Image::as_gray_bitmap`] gives the raw bitmap (and PGM) when it is one.
    pub image: Image,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

#[derive(Deserialize)]
pub(crate) struct WireFingerprint {
    #[serde(with = "biometric_core::base64")]
    image: Vec<u8>,
    width: u32,
    height: u32,
}

impl From<WireFingerprint> for FingerprintImage {
    fn from(wire: WireFingerprint) -> Self {
        FingerprintImage {
            image: Image::from_bytes_with_dimensions(wire.image, wire.width, wire.height),
            width: wire.width,
            height: wire.height,
        }
    }
}

/// The asynchronous answer: the device accepted. A refusal (`success: false`, an `error`: "if
/// the registration fails, the return contains the element error") never reaches the
/// decoders here: the client's answer check ([`crate::error`]) turns it into an
/// [`Error::Api`] for every call, sync and async alike.
fn decode_accepted(raw: RawResponse) -> Result<()> {
    decode_unit(raw)
}

fn decode_face(raw: RawResponse) -> Result<FaceEnrollment> {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(deserialize_with = "lenient_i64")]
        user_id: i64,
        #[serde(deserialize_with = "lenient_i64")]
        device_id: i64,
        #[serde(with = "biometric_core::base64")]
        user_image: Vec<u8>,
    }
    let wire: Wire = raw.json()?;
    Ok(FaceEnrollment {
        user_id: UserId::from_device(wire.user_id),
        device_id: DeviceId(wire.device_id),
        image: Image::from_bytes(wire.user_image),
    })
}

fn decode_card(raw: RawResponse) -> Result<CardEnrollment> {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(deserialize_with = "lenient_i64")]
        user_id: i64,
        #[serde(deserialize_with = "lenient_i64")]
        device_id: i64,
        #[serde(deserialize_with = "lenient_i64")]
        card_value: i64,
    }
    let wire: Wire = raw.json()?;
    Ok(CardEnrollment {
        user_id: UserId::from_device(wire.user_id),
        device_id: DeviceId(wire.device_id),
        card_value: CardValue(u64::try_from(wire.card_value).map_err(|_| {
            raw.decode_error(Some("card_value".into()), "is negative, not a card value")
        })?),
    })
}

fn decode_fingerprint(raw: RawResponse) -> Result<FingerprintEnrollment> {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(deserialize_with = "lenient_i64")]
        user_id: i64,
        #[serde(deserialize_with = "lenient_i64")]
        device_id: i64,
        #[serde(default, deserialize_with = "lenient_i64")]
        finger_type: i64,
        #[serde(default)]
        fingerprints: Vec<WireFingerprint>,
    }
    let wire: Wire = raw.json()?;
    Ok(FingerprintEnrollment {
        user_id: UserId::from_device(wire.user_id),
        device_id: DeviceId(wire.device_id),
        finger_type: FingerType::from_wire(wire.finger_type),
        fingerprints: wire.fingerprints.into_iter().map(Into::into).collect(),
    })
}

impl Client {
    /// Starts configuring a remote face enrollment.
    ///
    /// ```no_run
    /// # async fn demo(device: controlid_client::Client) -> controlid_client::Result<()> {
    /// use std::time::Duration;
    /// use controlid_client::{EnrollTarget, UserId};
    /// let face = device
    ///     .remote_enroll_face(EnrollTarget::SaveToUser(UserId::new(123)?))
    ///     .auto_capture(Duration::from_secs(3))
    ///     .sync()
    ///     .send()
    ///     .await?;
    /// println!("{} bytes of {:?}", face.image.len(), face.image.format());
    /// # Ok(()) }
    /// ```
    pub fn remote_enroll_face(&self, target: EnrollTarget) -> FaceEnroll {
        FaceEnroll {
            common: Common::new(self, "face", target),
            auto: None,
        }
    }

    /// Starts configuring a remote fingerprint enrollment (`type: biometry`).
    pub fn remote_enroll_fingerprint(&self, target: EnrollTarget) -> FingerprintEnroll {
        FingerprintEnroll {
            common: Common::new(self, "biometry", target),
            panic_finger: false,
        }
    }

    /// Starts configuring a remote card enrollment.
    pub fn remote_enroll_card(&self, target: EnrollTarget) -> CardEnroll {
        CardEnroll {
            common: Common::new(self, "card", target),
        }
    }

    /// Cancels the remote enrollment in progress, if any.
    ///
    /// **Not resent** once it may have reached the device: a resend after a lost answer could
    /// cancel an enrollment started in between.
    ///
    /// Errors: [`Error::Api`] when the device refuses; [`Error::Auth`] when the login is refused,
    /// or the device refuses the session again after one re-login.
    pub async fn cancel_remote_enroll(&self) -> Result<()> {
        let op = Operation::with_decoder(
            "controlid.cancel_remote_enroll",
            Method::POST,
            "cancel_remote_enroll.fcgi",
            decode_unit,
        )
        .json_body(&json!({}))?;
        self.engine.execute(op).await
    }
}
