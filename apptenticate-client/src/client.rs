//! The Apptenticate client: configuration and every call.

use std::sync::Arc;
use std::time::Duration;

use biometric_core::{
    Body, Credentials, Engine, Error, ExposeSecret, HttpConfig, Image, ImageFormat, IntoSecret, MB,
    Method, Operation, Part, RequestOptions, Result, SecretString, SizeLimit, TextLimit,
};

use crate::auth::{DEFAULT_ACCESS_TOKEN_LIFETIME, TokenAuth};
use crate::models::{BiometricCheck, Device, DocumentType, IdentityCheck, Liveness};

/// The default image limit: the documentation's "must not exceed 2MB", read as 2 000 000 bytes
/// (the smaller of its two readings; the service may mean 2 MiB, 2 097 152 bytes: set
/// [`ClientBuilder::max_image_bytes`] if it accepts that).
pub const MAX_IMAGE_BYTES: u64 = 2 * MB;

/// The most characters in a username, a citizen id (`cedula`, `citizen_id`) or the configured
/// check path.
///
/// Apptenticate documents no length for any of them. This SDK refuses more than 1024
/// characters (and control characters, and blank values) because a longer one is almost
/// certainly a mistake: a citizen id is a short number, and the path goes into the URL, which
/// servers commonly refuse beyond a few kilobytes.
pub const MAX_TEXT_CHARS: usize = 1024;

/// Usernames, citizen ids and the check path: see [`MAX_TEXT_CHARS`].
const TEXT: TextLimit = TextLimit::at_most(MAX_TEXT_CHARS);

/// The v3 nationals check.
const NATIONALS_V3: &str = "api/v3/biometrics/nationals/";
/// The v3.2 nationals check ("SIB Plus").
const NATIONALS_V3_2: &str = "api/v3.2/biometrics/nationals/";
/// The v3 foreigners check.
const FOREIGNS_V3: &str = "api/v3/biometrics/foreigns/";
/// The v2 liveness check.
const LIVENESS_V2: &str = "api/v2/biometrics/liveness/";

/// How the service's Python example renders a `True` form value.
const TRUE: &str = "True";

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Query parameters whose values may be logged: the client sends none (credentials and tokens
/// travel in form bodies and the `Authorization` header).
const LOGGABLE_QUERY: &[&str] = &[];

/// The field named in errors about the configured citizen-ID check path.
const CHECK_PATH_FIELD: &str = "biometric_check_path";

/// An Apptenticate client. Cheap to clone; clones share connections and the token pair.
///
/// Logs in on first use (`POST api/token/`), refreshes the access token shortly before it
/// expires (`POST api/token/refresh/`), and on a 401 refreshes once and repeats the call once;
/// when the refresh token itself is rejected it logs in again. Concurrent calls share one
/// refresh or login.
///
/// ```no_run
/// # async fn demo() -> apptenticate_client::Result<()> {
/// use apptenticate_client::{Client, Device, Image};
///
/// let client = Client::builder("https://api.apptenticate.com")
///     .credentials("my-user", "my-password")
///     // Not public: the path your Apptenticate contract gives you.
///     .biometric_check_path("path/from/your/contract/")
///     .build()?;
/// let face = Image::from_file("face.jpg").expect("readable");
/// let check = client
///     .check_citizen("0102030405", face)
///     .return_id(true)
///     .device(Device::Android)
///     .send()
///     .await?;
/// println!("valid: {} (transaction {:?})", check.valid, check.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    engine: Engine<TokenAuth>,
    biometric_check_path: Option<Arc<CheckPath>>,
    max_image_bytes: SizeLimit,
}

/// The caller's citizen-ID check path, checked at `build()` and split into segments: it is the
/// caller's text, so each segment goes into the request path with `Operation::segment` (one
/// percent-encoded segment each), never formatted into the operation's fixed path.
#[derive(Debug, PartialEq, Eq)]
struct CheckPath {
    segments: Vec<String>,
    trailing_slash: bool,
}

/// Configures a [`Client`].
#[derive(Debug)]
#[must_use = "call .build() to create the client"]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    biometric_check_path: Option<String>,
    lifetime: Duration,
    max_image_bytes: u64,
    http: HttpConfig,
}

impl Client {
    /// Starts configuring a client for the service at `base_url`
    /// (`https://api.apptenticate.com`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: None,
            biometric_check_path: None,
            lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            max_image_bytes: MAX_IMAGE_BYTES,
            http: HttpConfig::new(USER_AGENT),
        }
    }
}

impl ClientBuilder {
    /// The account's username and password (required), sent as form fields to `api/token/`.
    /// [`build`](Self::build) refuses a blank username, one with a control character or longer
    /// than [`MAX_TEXT_CHARS`]; the password is sent as given.
    pub fn credentials(mut self, username: impl Into<String>, password: impl IntoSecret) -> Self {
        self.credentials = Some(Credentials::new(username, password));
        self
    }

    /// The path of the citizen-ID biometric check ([`Client::check_citizen`]), relative to the
    /// base URL: **the endpoint path your Apptenticate contract gives you.** The public
    /// documentation of this endpoint does not give its path, so the client does not guess one;
    /// without this setting, `check_citizen` fails with [`Error::InvalidRequest`] before sending.
    ///
    /// The path is sent as written, a trailing slash included (`contract/biometria/`); a leading
    /// slash is dropped, as the path is relative to the base URL. [`build`](Self::build) refuses
    /// with [`Error::InvalidRequest`] an empty path, an empty (`a//b`), `.` or `..` segment, a
    /// scheme, query or fragment (`?`, `#`), `%`, `\`, spaces and control characters, and a
    /// path longer than [`MAX_TEXT_CHARS`].
    pub fn biometric_check_path(mut self, path: impl Into<String>) -> Self {
        self.biometric_check_path = Some(path.into());
        self
    }

    /// How long an access token is assumed to last when it is not a JWT with an `exp` claim
    /// (5 minutes, as documented). A JWT's own claims win: its lifetime is `exp - iat`, counted
    /// from when the client received it (so a clock difference with the service does not
    /// matter). The client refreshes a fifth of the lifetime (at most 30 s) before expiry.
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The largest image sent, in bytes; a larger one is refused before any I/O naming its
    /// size. The documentation says an image "must not exceed 2MB" without saying which
    /// megabyte: the default, [`MAX_IMAGE_BYTES`], reads it as 2 000 000 bytes; use
    /// `2 * 1024 * 1024` if your contract means 2 MiB.
    pub fn max_image_bytes(mut self, bytes: u64) -> Self {
        self.max_image_bytes = bytes;
        self
    }

    /// Timeouts, retries, TLS, body limit and `User-Agent` (see [`HttpConfig`]). The
    /// Apptenticate defaults are the core's: 30 s per call (the documentation gives no
    /// answer time), the core's retry policy, platform TLS roots. Every Apptenticate call is a
    /// POST: whatever the policy, a call that may have reached the service is never sent again
    /// (only a connection that was never made is retried), except the one replay after a 401.
    ///
    /// ```
    /// use std::time::Duration;
    /// use apptenticate_client::RetryPolicy;
    /// let builder = apptenticate_client::Client::builder("https://api.apptenticate.com")
    ///     .http(|h| h.timeout(Duration::from_secs(10)).retry(RetryPolicy::disabled()));
    /// # let _ = builder;
    /// ```
    pub fn http(mut self, configure: impl FnOnce(HttpConfig) -> HttpConfig) -> Self {
        self.http = configure(self.http);
        self
    }

    /// Checks the configuration and builds the client. No I/O.
    pub fn build(self) -> Result<Client> {
        let credentials = self
            .credentials
            .ok_or_else(|| Error::invalid("credentials", "are required (username and password)"))?;
        if credentials.login().is_empty() {
            return Err(Error::invalid("username", "must not be empty"));
        }
        TEXT.check("username", credentials.login())?;
        if self.lifetime.is_zero() {
            return Err(Error::invalid("access_token_lifetime", "must be positive"));
        }
        let biometric_check_path = match self.biometric_check_path {
            Some(path) => Some(Arc::new(check_path(&path)?)),
            None => None,
        };
        let engine = Engine::builder(self.base_url)
            .config(self.http)
            .loggable_query(LOGGABLE_QUERY)
            .auth(TokenAuth {
                credentials,
                lifetime: self.lifetime,
            })
            .build()?;
        Ok(Client {
            engine,
            biometric_check_path,
            max_image_bytes: SizeLimit::at_most(self.max_image_bytes),
        })
    }
}

/// Splits a configured endpoint path into segments: relative (one leading `/` dropped), no
/// scheme, query or fragment, no empty, `.` or `..` segment; a trailing `/` is kept.
fn check_path(path: &str) -> Result<CheckPath> {
    let relative = path.strip_prefix('/').unwrap_or(path);
    if relative.is_empty() || relative == "/" {
        return Err(Error::invalid(CHECK_PATH_FIELD, "must not be empty"));
    }
    if relative.contains("://") || relative.contains(['?', '#', '\\', '%']) {
        return Err(Error::invalid(
            CHECK_PATH_FIELD,
            "must be a plain path relative to the base URL, without scheme, query, fragment, \
             backslash or percent-encoding",
        ));
    }
    if relative
        .chars()
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Error::invalid(
            CHECK_PATH_FIELD,
            "must not contain spaces or control characters",
        ));
    }
    TEXT.check(CHECK_PATH_FIELD, relative)?;
    let (body, trailing_slash) = match relative.strip_suffix('/') {
        Some(body) => (body, true),
        None => (relative, false),
    };
    let mut segments = Vec::new();
    for segment in body.split('/') {
        match segment {
            "" => {
                return Err(Error::invalid(
                    CHECK_PATH_FIELD,
                    "must not contain empty segments (`//`)",
                ));
            }
            "." | ".." => {
                return Err(Error::invalid(
                    CHECK_PATH_FIELD,
                    "must not contain `.` or `..` segments",
                ));
            }
            _ => segments.push(segment.to_owned()),
        }
    }
    Ok(CheckPath {
        segments,
        trailing_slash,
    })
}

/// A JPEG of at most `limit` bytes, as a file part; checked before anything is sent.
fn jpeg_part(
    field: &'static str,
    file_name: &'static str,
    image: &Image,
    limit: SizeLimit,
) -> Result<Part> {
    image.require(ImageFormat::Jpeg, field)?;
    limit.check(field, image.len())?;
    Ok(Part::file(
        field,
        file_name,
        "image/jpeg",
        image.bytes().clone(),
    ))
}

/// A citizen id: not blank, no control character, at most [`MAX_TEXT_CHARS`] characters.
fn text_field(field: &'static str, value: &str) -> Result<String> {
    TEXT.check(field, value)?;
    Ok(value.to_owned())
}

/// The optional form fields the checks share.
#[derive(Debug, Clone, Default)]
struct Fields {
    return_id: bool,
    device: Option<Device>,
}

impl Fields {
    fn push(&self, parts: &mut Vec<Part>, id_field: &'static str, device_field: &'static str) {
        if self.return_id {
            parts.push(Part::text(id_field, TRUE));
        }
        if let Some(device) = self.device {
            parts.push(Part::text(device_field, device.as_str()));
        }
    }
}

impl Client {
    /// Logs in now (otherwise the first call does). Fails with [`Error::Auth`] carrying the
    /// service's `detail` on wrong credentials. Sends nothing while the client holds a token
    /// that is still fresh; refreshes it (`api/token/refresh/`) when it is due.
    ///
    /// **Not resent** once it may have reached the service: each login issues a new token pair;
    /// only a refused connection is tried again.
    ///
    /// Errors: [`Error::Auth`] when the service refuses the credentials or its answer is not
    /// understood; [`Error::Transport`] when the service cannot be reached.
    pub async fn login(&self) -> Result<()> {
        self.engine.token().await.map(drop)
    }

    /// Forgets the token pair; the next call logs in again.
    pub async fn forget_tokens(&self) {
        self.engine.forget_token().await;
    }

    /// The citizen-ID biometric check (`endpoint-biometria`): does this face belong to the
    /// citizen with this ID, according to the electoral court service?
    ///
    /// A multipart POST to the path set with [`ClientBuilder::biometric_check_path`] with
    /// `cedula` (text) and `imagen` (the JPEG, at most 2 MB, file name `imagen.jpg`,
    /// `image/jpeg`), plus `id=True` with [`return_id`](CitizenCheckRequest::return_id) and
    /// `dispositivo` with [`device`](CitizenCheckRequest::device).
    ///
    /// **Field names:** the page's prose calls the file `image` and the device `device`, but
    /// its runnable Python example sends `imagen` and `dispositivo`; the client sends what the
    /// example sends.
    ///
    /// The image is checked before sending: not a JPEG (by its magic bytes) or over 2 MB gives
    /// [`Error::InvalidRequest`] with the size found; so is the `cedula`: not blank, no control
    /// character, at most [`MAX_TEXT_CHARS`] characters.
    pub fn check_citizen(&self, cedula: impl IntoSecret, image: Image) -> CitizenCheckRequest<'_> {
        CitizenCheckRequest {
            client: self,
            cedula: cedula.into_secret(),
            image,
            fields: Fields::default(),
            options: None,
        }
    }

    /// The v3 nationals check (`api/v3/biometrics/nationals/`): `citizen_id` and `selfie`
    /// (JPEG, at most 2 MB). [`sib_plus`](NationalsRequest::sib_plus) uses the v3.2 "SIB Plus"
    /// variant.
    pub fn check_national(
        &self,
        citizen_id: impl IntoSecret,
        selfie: Image,
    ) -> NationalsRequest<'_> {
        NationalsRequest {
            client: self,
            citizen_id: citizen_id.into_secret(),
            selfie,
            sib_plus: false,
            fields: Fields::default(),
            options: None,
        }
    }

    /// The v3 foreigners check (`api/v3/biometrics/foreigns/`): `frontside` (the document's
    /// front side), `selfie` and `document_type`. Both images must be JPEGs of at most 2 MB
    /// (the notes state the rule for the selfie and say the same rules apply throughout).
    pub fn check_foreigner(
        &self,
        frontside: Image,
        selfie: Image,
        document_type: DocumentType,
    ) -> ForeignersRequest<'_> {
        ForeignersRequest {
            client: self,
            frontside,
            selfie,
            document_type,
            fields: Fields::default(),
            options: None,
        }
    }

    /// The v2 liveness check (`api/v2/biometrics/liveness/`): `selfie` (JPEG, at most 2 MB).
    /// The answer's `data.api_response` holds `score`, `quality` and `liveness`; the documented
    /// rule (quality or liveness under 0.5 is rejected) is reported by
    /// [`ApiResponse::meets_documented_rule`](crate::ApiResponse::meets_documented_rule), not
    /// turned into an error.
    pub fn check_liveness(&self, selfie: Image) -> LivenessRequest<'_> {
        LivenessRequest {
            client: self,
            selfie,
            details: false,
            fields: Fields::default(),
            options: None,
        }
    }

    /// A clone of this client (same tokens, same connections) whose every call gets `options`:
    /// a longer timeout, another retry policy, extra headers, a body limit. For one call only,
    /// use the request's `options` ([`CitizenCheckRequest::options`]...).
    ///
    /// ```no_run
    /// # async fn demo(client: apptenticate_client::Client) -> apptenticate_client::Result<()> {
    /// use std::time::Duration;
    /// use apptenticate_client::RequestOptions;
    /// let patient = client.with_options(RequestOptions::new().timeout(Duration::from_secs(90)));
    /// patient.login().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client {
            engine: self.engine.with_options(options),
            biometric_check_path: self.biometric_check_path.clone(),
            max_image_bytes: self.max_image_bytes,
        }
    }

    /// Sends an operation with the client's authentication (for calls this crate does not
    /// wrap).
    ///
    /// **Resent** as the operation says: after a failure that may go away (a timeout, a 5xx, a
    /// refused connection) when it is marked [`Operation::idempotent`], otherwise only when
    /// the request certainly did not reach the service (a refused connection). A 401 is
    /// answered by one token refresh (or login) and one replay.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when a path value is refused;
    /// [`Error::Api`] for a non-success status; [`Error::Auth`] when the login or the token
    /// refresh is refused, or the service refuses the renewed token too.
    pub async fn execute<T>(&self, operation: Operation<T>) -> Result<T> {
        self.engine.execute(operation).await
    }

    /// Sends one of this crate's operations with a request's own options, if any.
    async fn send<T>(
        &self,
        operation: Operation<T>,
        options: Option<&RequestOptions>,
    ) -> Result<T> {
        let operation = match options {
            Some(options) => operation.with_options(options),
            None => operation,
        };
        self.engine.execute(operation).await
    }
}

/// A citizen-ID biometric check being prepared; [`send`](Self::send) sends it.
#[must_use = "call .send() to send the check"]
pub struct CitizenCheckRequest<'a> {
    client: &'a Client,
    /// Personal data: kept out of `Debug`.
    cedula: SecretString,
    image: Image,
    fields: Fields,
    options: Option<RequestOptions>,
}

/// The citizen's id number is personal data (the core redacts `cedula` fields): not shown.
impl std::fmt::Debug for CitizenCheckRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenCheckRequest")
            .field("client", &self.client)
            .field("cedula", &biometric_core::REDACTED)
            .field("image", &self.image)
            .field("fields", &self.fields)
            .field("options", &self.options)
            .finish()
    }
}

impl CitizenCheckRequest<'_> {
    /// Asks for the transaction id in the answer (`id=True`).
    pub fn return_id(mut self, return_id: bool) -> Self {
        self.fields.return_id = return_id;
        self
    }

    /// The device type, which improves the liveness test if that service is contracted
    /// (`dispositivo`).
    pub fn device(mut self, device: Device) -> Self {
        self.fields.device = Some(device);
        self
    }

    /// Per-call settings (timeout, retry policy, extra headers, body limit) for this call only.
    /// They win over the options of a client made with [`Client::with_options`].
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Sends the check. `valid: false` in the answer is a successful call.
    ///
    /// **Not resent** once it may have reached the service: each check is a transaction there
    /// (the answer's `id`), and a second request would be another. A 401 is not such a
    /// failure: the token is refreshed (or the client logs in again) and the check sent once
    /// more, as the service did not act on it.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when no check path is set
    /// ([`ClientBuilder::biometric_check_path`]), the `cedula` is blank, has a control character
    /// or is longer than [`MAX_TEXT_CHARS`], or the image is empty, not a JPEG (by its magic
    /// bytes) or over the client's image limit ([`MAX_IMAGE_BYTES`] by default); [`Error::Api`]
    /// when the service refuses; [`Error::Auth`] when the login or the token refresh is refused,
    /// or the service refuses the renewed token too.
    pub async fn send(self) -> Result<BiometricCheck> {
        let path = self.client.biometric_check_path.as_deref().ok_or_else(|| {
            Error::invalid(
                CHECK_PATH_FIELD,
                "is not in the public documentation: set the endpoint path your Apptenticate \
                 contract gives you with ClientBuilder::biometric_check_path",
            )
        })?;
        let mut parts = vec![
            Part::text("cedula", text_field("cedula", self.cedula.expose_secret())?),
            jpeg_part(
                "imagen",
                "imagen.jpg",
                &self.image,
                self.client.max_image_bytes,
            )?,
        ];
        self.fields.push(&mut parts, "id", "dispositivo");
        // The path is the caller's: no fixed text, one segment per configured segment.
        let mut op =
            Operation::<BiometricCheck>::new("apptenticate.biometric_check", Method::POST, "");
        for segment in &path.segments {
            op = op.segment(CHECK_PATH_FIELD, segment);
        }
        if path.trailing_slash {
            op = op.trailing_slash();
        }
        let op = op.body(Body::Multipart(parts));
        self.client.send(op, self.options.as_ref()).await
    }
}

/// A v3 nationals check being prepared; [`send`](Self::send) sends it.
#[must_use = "call .send() to send the check"]
pub struct NationalsRequest<'a> {
    client: &'a Client,
    /// Personal data: kept out of `Debug`.
    citizen_id: SecretString,
    selfie: Image,
    sib_plus: bool,
    fields: Fields,
    options: Option<RequestOptions>,
}

/// The citizen's id number is personal data (the core redacts `cedula` fields): not shown.
impl std::fmt::Debug for NationalsRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalsRequest")
            .field("client", &self.client)
            .field("citizen_id", &biometric_core::REDACTED)
            .field("selfie", &self.selfie)
            .field("sib_plus", &self.sib_plus)
            .field("fields", &self.fields)
            .field("options", &self.options)
            .finish()
    }
}

impl NationalsRequest<'_> {
    /// Uses the v3.2 "SIB Plus" variant (`api/v3.2/biometrics/nationals/`).
    pub fn sib_plus(mut self, sib_plus: bool) -> Self {
        self.sib_plus = sib_plus;
        self
    }

    /// Asks for the transaction id (`return_id=True`; the notes name the field without its
    /// value, so the citizen-ID check's `True` is sent).
    pub fn return_id(mut self, return_id: bool) -> Self {
        self.fields.return_id = return_id;
        self
    }

    /// The device type (`device`).
    pub fn device(mut self, device: Device) -> Self {
        self.fields.device = Some(device);
        self
    }

    /// Per-call settings (timeout, retry policy, extra headers, body limit) for this call only.
    /// They win over the options of a client made with [`Client::with_options`].
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Sends the check.
    ///
    /// **Not resent** once it may have reached the service: each check is a transaction there
    /// (the answer's `id`), and a second request would be another. A 401 is not such a
    /// failure: the token is refreshed (or the client logs in again) and the check sent once
    /// more, as the service did not act on it.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when the `citizen_id` is blank, has a
    /// control character or is longer than [`MAX_TEXT_CHARS`], or the selfie is empty, not a JPEG
    /// (by its magic bytes) or over the client's image limit ([`MAX_IMAGE_BYTES`] by default);
    /// [`Error::Api`] when the service refuses; [`Error::Auth`] when the login or the token
    /// refresh is refused, or the service refuses the renewed token too.
    pub async fn send(self) -> Result<IdentityCheck> {
        let mut parts = vec![
            Part::text(
                "citizen_id",
                text_field("citizen_id", self.citizen_id.expose_secret())?,
            ),
            jpeg_part(
                "selfie",
                "selfie.jpg",
                &self.selfie,
                self.client.max_image_bytes,
            )?,
        ];
        self.fields.push(&mut parts, "return_id", "device");
        let (name, path) = if self.sib_plus {
            ("apptenticate.nationals_v3_2", NATIONALS_V3_2)
        } else {
            ("apptenticate.nationals_v3", NATIONALS_V3)
        };
        let op = Operation::with_decoder(name, Method::POST, path, IdentityCheck::decode)
            .body(Body::Multipart(parts));
        self.client.send(op, self.options.as_ref()).await
    }
}

/// A v3 foreigners check being prepared; [`send`](Self::send) sends it.
#[derive(Debug)]
#[must_use = "call .send() to send the check"]
pub struct ForeignersRequest<'a> {
    client: &'a Client,
    frontside: Image,
    selfie: Image,
    document_type: DocumentType,
    fields: Fields,
    options: Option<RequestOptions>,
}

impl ForeignersRequest<'_> {
    /// Asks for the transaction id (`return_id=True`).
    pub fn return_id(mut self, return_id: bool) -> Self {
        self.fields.return_id = return_id;
        self
    }

    /// The device type (`device`).
    pub fn device(mut self, device: Device) -> Self {
        self.fields.device = Some(device);
        self
    }

    /// Per-call settings (timeout, retry policy, extra headers, body limit) for this call only.
    /// They win over the options of a client made with [`Client::with_options`].
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Sends the check.
    ///
    /// **Not resent** once it may have reached the service: each check is a transaction there
    /// (the answer's `id`), and a second request would be another. A 401 is not such a
    /// failure: the token is refreshed (or the client logs in again) and the check sent once
    /// more, as the service did not act on it.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when the front side or the selfie is
    /// empty, not a JPEG (by its magic bytes) or over the client's image limit
    /// ([`MAX_IMAGE_BYTES`] by default); [`Error::Api`] when the service refuses; [`Error::Auth`]
    /// when the login or the token refresh is refused, or the service refuses the renewed token
    /// too.
    pub async fn send(self) -> Result<IdentityCheck> {
        let mut parts = vec![
            jpeg_part(
                "frontside",
                "frontside.jpg",
                &self.frontside,
                self.client.max_image_bytes,
            )?,
            jpeg_part(
                "selfie",
                "selfie.jpg",
                &self.selfie,
                self.client.max_image_bytes,
            )?,
            Part::text("document_type", self.document_type.as_str()),
        ];
        self.fields.push(&mut parts, "return_id", "device");
        let op = Operation::with_decoder(
            "apptenticate.foreigns_v3",
            Method::POST,
            FOREIGNS_V3,
            IdentityCheck::decode,
        )
        .body(Body::Multipart(parts));
        self.client.send(op, self.options.as_ref()).await
    }
}

/// A v2 liveness check being prepared; [`send`](Self::send) sends it.
#[derive(Debug)]
#[must_use = "call .send() to send the check"]
pub struct LivenessRequest<'a> {
    client: &'a Client,
    selfie: Image,
    details: bool,
    fields: Fields,
    options: Option<RequestOptions>,
}

impl LivenessRequest<'_> {
    /// Asks for the transaction id (`return_id=True`).
    pub fn return_id(mut self, return_id: bool) -> Self {
        self.fields.return_id = return_id;
        self
    }

    /// The device type (`device`).
    pub fn device(mut self, device: Device) -> Self {
        self.fields.device = Some(device);
        self
    }

    /// Per-call settings (timeout, retry policy, extra headers, body limit) for this call only.
    /// They win over the options of a client made with [`Client::with_options`].
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Asks for details (`details=True`). The notes name the field but not its value or what
    /// the details contain: they are in [`Liveness::raw`](crate::Liveness::raw).
    pub fn details(mut self, details: bool) -> Self {
        self.details = details;
        self
    }

    /// Sends the check.
    ///
    /// **Not resent** once it may have reached the service: each check is a transaction there
    /// (the answer's `id`), and a second request would be another. A 401 is not such a
    /// failure: the token is refreshed (or the client logs in again) and the check sent once
    /// more, as the service did not act on it.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when the selfie is empty, not a JPEG (by
    /// its magic bytes) or over the client's image limit ([`MAX_IMAGE_BYTES`] by default);
    /// [`Error::Api`] when the service refuses; [`Error::Auth`] when the login or the token
    /// refresh is refused, or the service refuses the renewed token too.
    pub async fn send(self) -> Result<Liveness> {
        let mut parts = vec![jpeg_part(
            "selfie",
            "selfie.jpg",
            &self.selfie,
            self.client.max_image_bytes,
        )?];
        self.fields.push(&mut parts, "return_id", "device");
        if self.details {
            parts.push(Part::text("details", TRUE));
        }
        let op = Operation::with_decoder(
            "apptenticate.liveness_v2",
            Method::POST,
            LIVENESS_V2,
            Liveness::decode,
        )
        .body(Body::Multipart(parts));
        self.client.send(op, self.options.as_ref()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_paths_are_split_into_segments() {
        let split = |path: &str| check_path(path).unwrap();
        assert_eq!(
            split("/api/x/"),
            CheckPath {
                segments: vec!["api".into(), "x".into()],
                trailing_slash: true,
            }
        );
        assert_eq!(
            split("contract/check"),
            CheckPath {
                segments: vec!["contract".into(), "check".into()],
                trailing_slash: false,
            }
        );
        for bad in [
            "",
            "/",
            "//",
            "a//b",
            "a/b//",
            "https://h/x",
            "a/?q=1",
            "a/../b",
            "a/./b",
            "./a",
            "..",
            "a b",
            "a#f",
            "a%2Fb",
            "a\\b",
        ] {
            let err = check_path(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidRequest { field, .. } if field == CHECK_PATH_FIELD),
                "{bad:?}: {err}"
            );
        }
    }
}
