//! The BWS client: configuration, the request/response pair, and every operation.

use std::time::Duration;

use biometric_core::{
    Bytes, Engine, Error, HeaderValue, HttpConfig, Image, IntoSecret, MB, Method, Operation,
    RawResponse, RequestOptions, Result, RetryRules, SecretString, SizeLimit, StatusCode,
    TextLimit, header::HeaderName,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{BwsAuth, DEFAULT_TOKEN_LIFETIME, JwtAlgorithm, JwtSigner};
use crate::lists::{EnrollImages, Tags};
use crate::models::*;

/// The largest request BWS accepts: 50 MB.
pub const MAX_REQUEST_BYTES: SizeLimit = SizeLimit::at_most(50 * MB);
/// The default timeout of one call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The timeout of a search: BWS gives a search up to 10 minutes.
pub const SEARCH_TIMEOUT: Duration = Duration::from_secs(11 * 60);
/// The most characters in a tag, a `Reference-Number` or a client id.
///
/// BWS documents no length for any of them. This SDK refuses more than 1024 characters (and any
/// control character, and a blank value) because a longer one is almost certainly a mistake,
/// and tags travel in the URL of a class count and a reference number in a header, where
/// servers commonly refuse requests of more than a few kilobytes.
pub const MAX_TEXT_CHARS: usize = 1024;

/// Tags, reference numbers and client ids: see [`MAX_TEXT_CHARS`].
const TEXT: TextLimit = TextLimit::at_most(MAX_TEXT_CHARS);

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A BWS 3 client. Cheap to clone; clones share connections and the cached JWT.
///
/// ```no_run
/// # async fn demo() -> bioid_client::Result<()> {
/// use bioid_client::{ClassId, Client, Image};
///
/// let client = Client::builder("https://grpc.bws-eu.bioid.com")
///     .client_credentials("my-client-id", "c2VjcmV0LWtleQ==")
///     .build()?;
/// let image = Image::from_file("face.jpg").expect("readable");
/// let verification = client
///     .verify(ClassId::new(4711)?, image)
///     .reference_number("order-77")
///     .send()
///     .await?;
/// println!("verified: {} (job {:?})", verification.body.verified, verification.meta.job_id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    engine: Engine<BwsAuth>,
}

/// Configures a [`Client`].
#[derive(Debug)]
#[must_use = "call .build() to create the client"]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<(String, SecretString)>,
    token: Option<SecretString>,
    algorithm: JwtAlgorithm,
    lifetime: Duration,
    http: HttpConfig,
}

impl Client {
    /// Starts configuring a client for the BWS host shown in the portal
    /// (`https://grpc.bws-eu.bioid.com`, `-us`, `-sa`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            credentials: None,
            token: None,
            algorithm: JwtAlgorithm::default(),
            lifetime: DEFAULT_TOKEN_LIFETIME,
            http: HttpConfig::new(USER_AGENT).timeout(DEFAULT_TIMEOUT),
        }
    }
}

impl ClientBuilder {
    /// Signs JWTs with the portal's client id and base64 client key.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_key: impl IntoSecret,
    ) -> Self {
        self.credentials = Some((client_id.into(), client_key.into_secret()));
        self
    }

    /// Uses a ready-made token from the portal instead of signing JWTs.
    pub fn bearer_token(mut self, token: impl IntoSecret) -> Self {
        self.token = Some(token.into_secret());
        self
    }

    /// The JWT signing algorithm (HS512 by default).
    pub fn jwt_algorithm(mut self, algorithm: JwtAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// How long each signed JWT is valid (5 minutes by default); a new one is signed before
    /// the old one expires.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Timeouts, retries, TLS, body limit and `User-Agent` (see [`HttpConfig`]). The BWS
    /// defaults: 60 s per call (searches get 11 minutes), 3 attempts with 503 retried for every
    /// call (BWS documents it as "not processed, retry with backoff").
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = bioid_client::Client::builder("https://grpc.bws-eu.bioid.com")
    ///     .http(|h| h.timeout(Duration::from_secs(20)));
    /// # let _ = builder;
    /// ```
    pub fn http(mut self, configure: impl FnOnce(HttpConfig) -> HttpConfig) -> Self {
        self.http = configure(self.http);
        self
    }

    /// Checks the configuration (key decodes, URL is http(s)) and builds the client. No I/O.
    pub fn build(self) -> Result<Client> {
        let auth = match (self.credentials, self.token) {
            (Some((id, key)), None) => {
                TEXT.check("client_id", &id)?;
                BwsAuth::Signed(JwtSigner::new(id, &key, self.algorithm, self.lifetime)?)
            }
            (None, Some(token))
                if !biometric_core::ExposeSecret::expose_secret(&token).is_empty() =>
            {
                // Checked here, not at the first call: the token travels in a header.
                biometric_core::sensitive_header("Bearer ", &token).map_err(|_| {
                    Error::invalid("bearer_token", "must be visible ASCII (it is a header)")
                })?;
                BwsAuth::Ready(token)
            }
            (None, Some(_)) => return Err(Error::invalid("bearer_token", "must not be empty")),
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "credentials",
                    "give client credentials or a bearer token, not both",
                ));
            }
            (None, None) => {
                return Err(Error::invalid(
                    "credentials",
                    "client credentials or a bearer token are required",
                ));
            }
        };
        let engine = Engine::builder(self.base_url)
            .config(self.http)
            // BWS documents 503 as "transient, retry with backoff": the job was not run. A
            // vendor rule, so that no retry policy the caller sets can drop it.
            .retry_rules(RetryRules::new().unprocessed_status(503))
            .auth(auth)
            .build()?;
        Ok(Client { engine })
    }
}

/// What BWS says about a call besides its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// The job id BWS assigned (`jobid` header).
    pub job_id: Option<uuid::Uuid>,
    /// The BWS service version (`bws-version`).
    pub bws_version: Option<String>,
    /// The echoed `Reference-Number`.
    pub reference_number: Option<String>,
    /// When BWS received the request (`date`).
    pub date: Option<chrono::DateTime<chrono::Utc>>,
}

impl ResponseMeta {
    fn from_headers(raw: &RawResponse) -> Self {
        ResponseMeta {
            job_id: raw.header_str("jobid").and_then(|v| v.trim().parse().ok()),
            bws_version: raw.header_str("bws-version").map(str::to_owned),
            reference_number: raw.header_str("reference-number").map(str::to_owned),
            date: raw
                .header_str("date")
                .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
                .map(|d| d.with_timezone(&chrono::Utc)),
        }
    }
}

/// A typed answer and its metadata.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// The typed body.
    pub body: T,
    /// The response headers BWS documents.
    pub meta: ResponseMeta,
    raw: RawResponse,
}

impl<T> Response<T> {
    /// The body exactly as received.
    pub fn raw_body(&self) -> &Bytes {
        &self.raw.body
    }

    /// Consumes the response, returning the typed body.
    pub fn into_body(self) -> T {
        self.body
    }
}

impl<T: JobOutcome> Response<T> {
    /// `Ok(self)` when the job succeeded; otherwise an [`Error::Api`] with status 200, the first
    /// job error's code and message, and the raw body.
    ///
    /// BWS reports job failures (`FAULTED`, `ENROLLMENT_FAILED`) with HTTP 200; this turns them
    /// into errors for callers that want `?` to stop on them.
    pub fn into_succeeded(self) -> Result<Self> {
        if !self.body.is_failed() {
            return Ok(self);
        }
        let first = self.body.job_errors().first();
        let status = self.body.job_status().to_string();
        Err(self.raw.api_error(
            Some(first.map_or(status, |e| e.error_code.clone())),
            first.map(|e| e.message.clone()),
        ))
    }
}

/// One call, ready to send. Add a `Reference-Number` or a timeout, then `.send().await`.
///
/// Input problems found while building it are reported by `send`, before any I/O.
#[derive(Debug)]
#[must_use = "a request does nothing until .send().await"]
pub struct Request<T> {
    client: Client,
    operation: Result<Operation<Response<T>>>,
}

impl<T> Request<T> {
    fn new(client: &Client, operation: Result<Operation<Response<T>>>) -> Self {
        Request {
            client: client.clone(),
            operation,
        }
    }

    /// Sends a `Reference-Number` header: stored in BWS bookkeeping and echoed in the response.
    ///
    /// It travels in a header, so it must be visible ASCII (spaces allowed), not blank, and at
    /// most [`MAX_TEXT_CHARS`] characters; otherwise `send` fails with [`Error::InvalidRequest`]
    /// before anything is sent.
    pub fn reference_number(mut self, reference: impl AsRef<str>) -> Self {
        let reference = reference.as_ref();
        self.operation = self.operation.and_then(|op| {
            TEXT.check("reference_number", reference)?;
            // `HeaderValue` takes bytes above 0x7F too; a header should be ASCII (RFC 9110).
            if !reference.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
                return Err(Error::invalid(
                    "reference_number",
                    "must be visible ASCII (it is a header)",
                ));
            }
            let value = HeaderValue::from_str(reference)
                .map_err(|_| Error::invalid("reference_number", "must be visible ASCII"))?;
            Ok(op.header(HeaderName::from_static("reference-number"), value))
        });
        self
    }

    /// A timeout for this call only.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.operation = self.operation.map(|op| op.timeout(timeout));
        self
    }

    /// Per-call settings (timeout, retry policy, extra headers, body limit) for this call only.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.operation = self.operation.map(|op| op.with_options(&options));
        self
    }

    /// The operation as data, for inspection (tests, logging).
    pub fn operation(&self) -> std::result::Result<&Operation<Response<T>>, &Error> {
        self.operation.as_ref()
    }

    /// Sends the call.
    ///
    /// Whether it is sent again after a failure depends on the call: see the [`Client`] method
    /// that built it. A 503 is resent for every call but the health checks (for which it is an
    /// answer), BWS documenting it as "not processed".
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) for an input problem found while
    /// building the request (see the building method) or a refused
    /// [`reference_number`](Self::reference_number). A 401 that survives one re-signed JWT is an
    /// [`Error::Auth`]; other non-success statuses are [`Error::Api`] with the gRPC code and
    /// message from the body.
    pub async fn send(self) -> Result<Response<T>> {
        let operation = self.operation?;
        self.client.execute(operation).await
    }
}

impl<T> std::future::IntoFuture for Request<T>
where
    T: Send + 'static,
{
    type Output = Result<Response<T>>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    /// `request.await` is `request.send().await`.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

fn decode<T: DeserializeOwned>(raw: RawResponse) -> Result<Response<T>> {
    let body = raw.json()?;
    Ok(Response {
        body,
        meta: ResponseMeta::from_headers(&raw),
        raw,
    })
}

/// The gRPC status NOT_FOUND, as a number and as its names.
const GRPC_NOT_FOUND: [&str; 3] = ["5", "NotFound", "NOT_FOUND"];

/// A 404 is "no template" only when its body says so. BWS documents 404 as "no template" and
/// describes its error body (for 400) as a JSON object with the gRPC error code, a number or a
/// string, and a message; the 404 body itself is not described. The reading implemented: the
/// code must be gRPC NOT_FOUND (`5`, `NotFound` or `NOT_FOUND`), the status a gRPC gateway
/// maps to 404. Any other 404 (a wrong base path, a proxy's HTML page, another code) is an
/// [`Error::Api`] with the status and the raw body.
fn no_template(raw: &RawResponse) -> Result<bool> {
    if raw.status != StatusCode::NOT_FOUND {
        return Ok(false);
    }
    let (code, _) = biometric_core::default_error_parser(raw);
    if code.is_some_and(|code| GRPC_NOT_FOUND.contains(&code.as_str())) {
        return Ok(true);
    }
    Err(api_error(raw))
}

/// An [`Error::Api`] from a response the decoder refuses.
fn api_error(raw: &RawResponse) -> Error {
    let (code, message) = biometric_core::default_error_parser(raw);
    raw.api_error(code, message)
}

fn decode_template_lookup<T: DeserializeOwned>(
    raw: RawResponse,
) -> Result<Response<TemplateLookup<T>>> {
    let body = if no_template(&raw)? {
        TemplateLookup::NoTemplate
    } else {
        TemplateLookup::Found(raw.json()?)
    };
    Ok(Response {
        body,
        meta: ResponseMeta::from_headers(&raw),
        raw,
    })
}

fn decode_template_done(raw: RawResponse) -> Result<Response<TemplateLookup<()>>> {
    let body = if no_template(&raw)? {
        TemplateLookup::NoTemplate
    } else {
        TemplateLookup::Found(())
    };
    Ok(Response {
        body,
        meta: ResponseMeta::from_headers(&raw),
        raw,
    })
}

fn decode_health(raw: RawResponse) -> Result<Response<Health>> {
    let body = Health {
        healthy: raw.status.is_success(),
        detail: String::from_utf8_lossy(&raw.body).trim().to_owned(),
    };
    Ok(Response {
        body,
        meta: ResponseMeta::from_headers(&raw),
        raw,
    })
}

/// A POST of `body` as JSON, refused before any I/O when it exceeds the 50 MB request limit.
fn json_post<T: DeserializeOwned>(
    name: &'static str,
    path: &'static str,
    body: &impl Serialize,
) -> Result<Operation<Response<T>>> {
    let op = Operation::with_decoder(name, Method::POST, path, decode::<T>).json_body(body)?;
    MAX_REQUEST_BYTES.check("request body", op.body_ref().len().unwrap_or(0))?;
    Ok(op)
}

/// A zero-byte image would be sent as `""`: refused before sending instead. BWS documents no
/// image format, so nothing else about the bytes is checked here.
fn require_image(field: impl Into<std::borrow::Cow<'static, str>>, image: &Image) -> Result<()> {
    if image.is_empty() {
        return Err(Error::invalid(
            field,
            "must not be empty (a zero-byte image)",
        ));
    }
    Ok(())
}

/// Refuses images whose base64 alone exceeds the 50 MB request limit before the body is built:
/// a 100 MB image would otherwise be encoded and serialized (some 270 MB) only to be refused.
fn check_image_bytes<'a>(images: impl IntoIterator<Item = &'a Image>) -> Result<()> {
    let base64: u64 = images
        .into_iter()
        .map(|image| (image.len() as u64).div_ceil(3) * 4)
        .sum();
    if MAX_REQUEST_BYTES.allows(base64) {
        return Ok(());
    }
    Err(Error::invalid(
        "request body",
        format!("must be at most 50 MB (its images alone are {base64} bytes as base64)"),
    ))
}

/// Each image not empty, each tag checked ([`MAX_TEXT_CHARS`]); fields named `field[i]` and
/// `field[i].tags`.
fn check_enroll_images(field: &str, images: &[EnrollImage]) -> Result<()> {
    for (i, image) in images.iter().enumerate() {
        require_image(format!("{field}[{i}]"), &image.image)?;
        check_tags(format!("{field}[{i}].tags"), &image.tags)?;
    }
    check_image_bytes(images.iter().map(|image| &image.image))
}

fn check_tags(field: String, tags: &[String]) -> Result<()> {
    tags.iter()
        .try_for_each(|tag| TEXT.check(field.clone(), tag))
}

fn require_images(
    field: &'static str,
    count: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<()> {
    if range.contains(&count) {
        return Ok(());
    }
    let rule = if range.start() == range.end() {
        format!(
            "must hold exactly {} image(s) (found {count})",
            range.start()
        )
    } else {
        format!(
            "must hold {} to {} images (found {count})",
            range.start(),
            range.end()
        )
    };
    Err(Error::invalid(field, rule))
}

/// The input of [`Client::search`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SearchQuery {
    images: Vec<EnrollImage>,
    tags: Vec<String>,
    top_matches: bool,
}

impl SearchQuery {
    /// Searches for the faces on `images` (at least one).
    pub fn new<I: IntoIterator<Item = Image>>(images: I) -> Self {
        SearchQuery {
            images: images.into_iter().map(EnrollImage::new).collect(),
            tags: Vec::new(),
            top_matches: false,
        }
    }

    /// Only searches templates carrying these tags.
    pub fn tags(mut self, tags: impl Tags) -> Self {
        self.tags.extend(tags.into_tags());
        self
    }

    /// Returns only the best matches.
    pub fn top_matches(mut self, top: bool) -> Self {
        self.top_matches = top;
        self
    }
}

/// The input of [`Client::liveness`]: one image (passive), two (active), or two with the
/// direction the person was asked to move (challenge-response).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LivenessInput {
    /// One image: passive liveness detection.
    Passive(Image),
    /// Two images taken a moment apart: active liveness detection.
    Active(Image, Image),
    /// Two images, the second taken after asking the person to move in `direction`.
    Challenge {
        /// Before the move.
        first: Image,
        /// After the move.
        second: Image,
        /// The requested direction (sent as the second image's tag).
        direction: Direction,
    },
}

/// The input of [`Client::photo_verify`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PhotoVerifyQuery {
    live_images: Vec<Image>,
    photo: Image,
    disable_liveness_detection: bool,
}

impl PhotoVerifyQuery {
    /// Compares one or two live images with an ID `photo`.
    pub fn new<I: IntoIterator<Item = Image>>(live_images: I, photo: Image) -> Self {
        PhotoVerifyQuery {
            live_images: live_images.into_iter().collect(),
            photo,
            disable_liveness_detection: false,
        }
    }

    /// Skips the liveness check (the response's `live` is then false).
    pub fn disable_liveness_detection(mut self) -> Self {
        self.disable_liveness_detection = true;
        self
    }
}

impl Client {
    /// A clone of this client (same connections, same token) whose every call gets `options`
    /// (timeout, retry budget, extra headers, body limit), overriding the client's settings;
    /// the options of one call ([`Request::options`]) win over these. BWS's own retry rule
    /// (503 = not processed) stays.
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client {
            engine: self.engine.with_options(options),
        }
    }

    /// Sends an operation with the client's authentication, for a call this crate does not
    /// wrap: paths relative to the base URL, caller values through [`Operation::segment`]. A
    /// 401 that survives one re-signed JWT is an [`Error::Auth`].
    ///
    /// **Resent** as the operation says: after a failure that may go away (a timeout, a 5xx, a
    /// refused connection) when it is marked [`Operation::idempotent`], otherwise only after a
    /// refused connection or a 503 (BWS's "not processed").
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when a path value is refused;
    /// [`Error::Api`] for a non-success status; [`Error::Auth`] on a 401 that one re-signed JWT
    /// does not cure (at once with a ready-made token).
    pub async fn execute<O>(&self, operation: Operation<O>) -> Result<O> {
        self.engine.execute(operation).await.map_err(|err| {
            if err.status() == Some(StatusCode::UNAUTHORIZED) && matches!(err, Error::Api(_)) {
                Error::auth("BWS refused the credentials", Some(err))
            } else {
                err
            }
        })
    }

    /// Enrolls (creates or updates) the template of `class_id` from `images`, each optionally
    /// tagged. An empty list asks for the template's status and upgrades an old one.
    ///
    /// A job failure (`ENROLLMENT_FAILED` with `NoSuitableFaceImage`...) is a successful call:
    /// look at [`Enrollment::performed_action`] or use [`Response::into_succeeded`].
    ///
    /// **Not resent** once it may have reached the service, except after a 503 (BWS answers it
    /// only for a job it did not run): it changes the template, and a second request would
    /// enroll the same images again.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when an image is empty, a
    /// tag is blank, has a control character or is longer than [`MAX_TEXT_CHARS`], or the request
    /// is over 50 MB ([`MAX_REQUEST_BYTES`]); [`Error::Api`] when BWS refuses (a job failure is
    /// not one: see above); [`Error::Auth`] on a 401 that one re-signed JWT does not cure (at once
    /// with a ready-made token).
    pub fn enroll(&self, class_id: ClassId, images: impl EnrollImages) -> Request<Enrollment> {
        let images = images.into_enroll_images();
        let body: Vec<ImageData<'_>> = images.iter().map(ImageData::from).collect();
        let op = check_enroll_images("images", &images).and_then(|()| {
            json_post("bioid.enroll", "api/face/v1/enroll", &body)
                .map(|op| op.segment("class_id", class_id))
        });
        Request::new(self, op)
    }

    /// Verifies that the face on `image` belongs to `class_id`.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// changes nothing on the service.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when `image` is empty or
    /// the request is over 50 MB; [`Error::Api`] when BWS refuses; [`Error::Auth`] on a 401 that
    /// one re-signed JWT does not cure (at once with a ready-made token).
    pub fn verify(&self, class_id: ClassId, image: Image) -> Request<Verification> {
        let op = require_image("image", &image)
            .and_then(|()| check_image_bytes([&image]))
            .and_then(|()| {
                json_post(
                    "bioid.verify",
                    "api/face/v1/verify",
                    &ImageData::from(&image),
                )
                .map(|op| op.segment("class_id", class_id).idempotent(true))
            });
        Request::new(self, op)
    }

    /// Searches the stored templates for the faces on the query's images. Waits up to
    /// [`SEARCH_TIMEOUT`].
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// changes nothing on the service.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when the query has no
    /// image, an image is empty, a tag is blank, has a control character or is longer than
    /// [`MAX_TEXT_CHARS`], or the request is over 50 MB; [`Error::Api`] when BWS refuses;
    /// [`Error::Auth`] on a 401 that one re-signed JWT does not cure (at once with a ready-made
    /// token).
    pub fn search(&self, query: SearchQuery) -> Request<Search> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            images: Vec<ImageData<'a>>,
            tags: &'a [String],
            top_matches: bool,
        }
        let op = require_images("images", query.images.len(), 1..=usize::MAX)
            .and_then(|()| check_enroll_images("images", &query.images))
            .and_then(|()| check_tags("tags".to_owned(), &query.tags))
            .and_then(|()| {
                let wire = Wire {
                    images: query.images.iter().map(ImageData::from).collect(),
                    tags: &query.tags,
                    top_matches: query.top_matches,
                };
                json_post("bioid.search", "api/face/v1/search", &wire)
                    .map(|op| op.idempotent(true).timeout(SEARCH_TIMEOUT))
            });
        Request::new(self, op)
    }

    /// Replaces the tags of `class_id`'s template; [`TemplateLookup::NoTemplate`] when there is
    /// none.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// replaces the whole tag set, so a second request leaves the same tags.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when a tag is blank, has a
    /// control character or is longer than [`MAX_TEXT_CHARS`]; [`Error::Api`] when BWS refuses (a
    /// 404 without gRPC NOT_FOUND included); [`Error::Auth`] on a 401 that one re-signed JWT does
    /// not cure (at once with a ready-made token).
    pub fn set_template_tags(
        &self,
        class_id: ClassId,
        tags: impl Tags,
    ) -> Request<TemplateLookup<()>> {
        let tags = tags.into_tags();
        // Replacing the tag set with the same set twice leaves the same tags: idempotent.
        let op = check_tags("tags".to_owned(), &tags).and_then(|()| {
            Operation::with_decoder(
                "bioid.set_template_tags",
                Method::PUT,
                "api/face/v1/template",
                decode_template_done,
            )
            .segment("class_id", class_id)
            .literal("tags")
            .idempotent(true)
            .accept_status(StatusCode::NOT_FOUND)
            .json_body(&tags)
        });
        Request::new(self, op)
    }

    /// The status of `class_id`'s template, without thumbnails; [`TemplateLookup::NoTemplate`]
    /// when there is none.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors, from `send`: [`Error::Api`] when BWS refuses (a 404 without gRPC NOT_FOUND
    /// included); [`Error::Auth`] on a 401 that one re-signed JWT does not cure (at once with a
    /// ready-made token).
    pub fn template_status(&self, class_id: ClassId) -> Request<TemplateLookup<TemplateStatus>> {
        self.template_status_inner(class_id, false)
    }

    /// The status of `class_id`'s template with its enrolled thumbnails;
    /// [`TemplateLookup::NoTemplate`] when there is none.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors, from `send`: [`Error::Api`] when BWS refuses (a 404 without gRPC NOT_FOUND
    /// included); [`Error::Auth`] on a 401 that one re-signed JWT does not cure (at once with a
    /// ready-made token).
    pub fn template_status_with_thumbnails(
        &self,
        class_id: ClassId,
    ) -> Request<TemplateLookup<TemplateStatus>> {
        self.template_status_inner(class_id, true)
    }

    fn template_status_inner(
        &self,
        class_id: ClassId,
        thumbnails: bool,
    ) -> Request<TemplateLookup<TemplateStatus>> {
        let op = Operation::with_decoder(
            "bioid.template_status",
            Method::GET,
            "api/face/v1/template/status",
            decode_template_lookup::<TemplateStatus>,
        )
        .segment("class_id", class_id)
        .accept_status(StatusCode::NOT_FOUND)
        .query_opt("downloadThumbnails", thumbnails.then_some("true"));
        Request::new(self, Ok(op))
    }

    /// Deletes `class_id`'s template; [`TemplateLookup::NoTemplate`] when there is none.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): a
    /// second delete leaves the same end state. After a lost answer, the resend finds no
    /// template, so the call can return [`TemplateLookup::NoTemplate`] although it deleted one.
    ///
    /// Errors, from `send`: [`Error::Api`] when BWS refuses (a 404 without gRPC NOT_FOUND
    /// included); [`Error::Auth`] on a 401 that one re-signed JWT does not cure (at once with a
    /// ready-made token).
    pub fn delete_template(&self, class_id: ClassId) -> Request<TemplateLookup<()>> {
        let op = Operation::with_decoder(
            "bioid.delete_template",
            Method::DELETE,
            "api/face/v1/template",
            decode_template_done,
        )
        .segment("class_id", class_id)
        // A second delete finds no template (404, read as `NoTemplate`): the same end state.
        .idempotent(true)
        .accept_status(StatusCode::NOT_FOUND);
        Request::new(self, Ok(op))
    }

    /// How many classes carry all of `tags`.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when a tag is blank, has a
    /// control character or is longer than [`MAX_TEXT_CHARS`]; [`Error::Api`] when BWS refuses;
    /// [`Error::Auth`] on a 401 that one re-signed JWT does not cure (at once with a ready-made
    /// token).
    pub fn class_count(&self, tags: impl Tags) -> Request<ClassCount> {
        let tags = tags.into_tags();
        let op = check_tags("tags".to_owned(), &tags).map(|()| {
            tags.into_iter().fold(
                Operation::with_decoder(
                    "bioid.class_count",
                    Method::GET,
                    "api/face/v1/classcount",
                    decode::<ClassCount>,
                ),
                |op, tag| op.query("tags", tag),
            )
        });
        Request::new(self, op)
    }

    /// Liveness detection: passive (one image), active (two) or challenge-response.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// changes nothing on the service.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when an image is empty or
    /// the request is over 50 MB; [`Error::Api`] when BWS refuses; [`Error::Auth`] on a 401 that
    /// one re-signed JWT does not cure (at once with a ready-made token).
    pub fn liveness(&self, input: LivenessInput) -> Request<Liveness> {
        let challenge_tag;
        let (images, tags): (Vec<&Image>, &[String]) = match &input {
            LivenessInput::Passive(image) => (vec![image], &[]),
            LivenessInput::Active(first, second) => (vec![first, second], &[]),
            LivenessInput::Challenge {
                first,
                second,
                direction,
            } => {
                challenge_tag = [direction.tag().to_owned()];
                (vec![first, second], &challenge_tag)
            }
        };
        // The challenge tag travels on the second image only; the type admits no other place.
        let live_images: Vec<ImageData<'_>> = images
            .iter()
            .enumerate()
            .map(|(i, image)| ImageData {
                image,
                tags: if i == 1 { tags } else { &[] },
            })
            .collect();
        let op = images
            .iter()
            .enumerate()
            .try_for_each(|(i, image)| require_image(format!("live_images[{i}]"), image))
            .and_then(|()| check_image_bytes(images.iter().copied()))
            .and_then(|()| {
                let body = serde_json::json!({ "liveImages": live_images });
                json_post("bioid.liveness", "api/v1/livenessdetection", &body)
            })
            .map(|op| op.idempotent(true));
        Request::new(self, op)
    }

    /// Verifies one or two live images against an ID photo, with liveness detection unless
    /// turned off.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// changes nothing on the service.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when there are not one or
    /// two live images, an image or the photo is empty, or the request is over 50 MB;
    /// [`Error::Api`] when BWS refuses; [`Error::Auth`] on a 401 that one re-signed JWT does not
    /// cure (at once with a ready-made token).
    pub fn photo_verify(&self, query: PhotoVerifyQuery) -> Request<PhotoVerification> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            live_images: Vec<ImageData<'a>>,
            photo: &'a Image,
            disable_liveness_detection: bool,
        }
        let op = require_images("live_images", query.live_images.len(), 1..=2)
            .and_then(|()| {
                query
                    .live_images
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, image)| require_image(format!("live_images[{i}]"), image))
            })
            .and_then(|()| require_image("photo", &query.photo))
            .and_then(|()| check_image_bytes(query.live_images.iter().chain([&query.photo])))
            .and_then(|()| {
                let wire = Wire {
                    live_images: query.live_images.iter().map(ImageData::from).collect(),
                    photo: &query.photo,
                    disable_liveness_detection: query.disable_liveness_detection,
                };
                json_post("bioid.photo_verify", "api/v1/photoverify", &wire)
                    .map(|op| op.idempotent(true))
            });
        Request::new(self, op)
    }

    /// Liveness detection on a short video (its bytes, base64 on the wire).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// changes nothing on the service.
    ///
    /// Errors, from `send`: [`Error::InvalidRequest`] (before any I/O) when the video is empty or
    /// the request is over 50 MB; [`Error::Api`] when BWS refuses; [`Error::Auth`] on a 401 that
    /// one re-signed JWT does not cure (at once with a ready-made token).
    pub fn video_liveness(&self, video: impl Into<Bytes>) -> Request<Liveness> {
        let video: Bytes = video.into();
        let base64_len = (video.len() as u64).div_ceil(3) * 4;
        let op = if video.is_empty() {
            Err(Error::invalid("video", "must not be empty"))
        } else if !MAX_REQUEST_BYTES.allows(base64_len) {
            Err(Error::invalid(
                "request body",
                format!("must be at most 50 MB (the video alone is {base64_len} bytes as base64)"),
            ))
        } else {
            let body = serde_json::json!({ "video": biometric_core::base64::encode(&video) });
            json_post(
                "bioid.video_liveness",
                "api/v1/videolivenessdetection",
                &body,
            )
            .map(|op| op.idempotent(true))
        };
        Request::new(self, op)
    }

    /// `GET /livez`: whether the service runs (no authentication). A 503 is an answer
    /// (`healthy: false`), not an error.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx other than 503, a refused
    /// connection): it only reads.
    ///
    /// Errors, from `send`: [`Error::Api`] for another non-success status (a 401, though no
    /// credentials are sent, is an [`Error::Auth`] as for every call).
    pub fn livez(&self) -> Request<Health> {
        self.health("bioid.livez", "livez")
    }

    /// `GET /readyz`: whether the service accepts work (no authentication). A 503 is an answer
    /// (`healthy: false`), not an error.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx other than 503, a refused
    /// connection): it only reads.
    ///
    /// Errors, from `send`: [`Error::Api`] for another non-success status (a 401, though no
    /// credentials are sent, is an [`Error::Auth`] as for every call).
    pub fn readyz(&self) -> Request<Health> {
        self.health("bioid.readyz", "readyz")
    }

    fn health(&self, name: &'static str, path: &'static str) -> Request<Health> {
        let op = Operation::with_decoder(name, Method::GET, path, decode_health)
            .unauthenticated()
            .accept_status(StatusCode::SERVICE_UNAVAILABLE);
        Request::new(self, Ok(op))
    }
}
