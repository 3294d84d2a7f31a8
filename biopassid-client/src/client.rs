//! The client: configuration, the subscription key, and the four calls.

use std::time::Duration;

use biometric_core::{
    Engine, Error, ExposeSecret, HeaderValue, HttpConfig, IntoSecret, MB, Method, Operation,
    RequestOptions, Result, SecretString, SizeLimit, StaticHeaderAuth, StatusCode,
    header::CONTENT_TYPE,
};
use serde::de::DeserializeOwned;

use crate::models::{Deleted, Enrolled, PersonEnvelope, Verification};
use crate::person::{CustomId, Person, PersonBody};

/// The production host.
pub const PRODUCTION_URL: &str = "https://api.biopassid.com";
/// The homologation (test) host the documentation's examples use.
pub const HOMOLOGATION_URL: &str = "https://hml-api.biopassid.com";
/// The default timeout of one attempt of a call. BioPass ID documents no processing time.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default request-body limit: 10 MB (decimal), checked before sending.
///
/// BioPass ID documents no size limit. This is the SDK's guard against sending, say, a raw
/// camera frame per finger by mistake; a face and ten fingerprints as ordinary JPEGs stay far
/// below it. Change it with [`ClientBuilder::max_request_bytes`].
pub const DEFAULT_MAX_REQUEST_BYTES: u64 = 10 * MB;
/// The `Content-Type` of verify requests (the others send `application/json`).
///
/// The documentation's header example says `application/json`; its verify examples send
/// `application/json-patch+json` with the same JSON body (BioPass ID's notes say so). Verify
/// sends what its own examples send, the same rule the vendor-docs README applies to
/// Apptenticate's prose-versus-example contradiction, with exactly one `Content-Type` header.
pub const VERIFY_CONTENT_TYPE: &str = "application/json-patch+json";

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
/// The key header, spelled as the documentation spells it.
const KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";

/// Where the service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api.biopassid.com`.
    Production,
    /// `https://hml-api.biopassid.com`, the homologation (test) environment.
    Homologation,
    /// Any other base URL (a proxy, the simulator).
    Custom(String),
}

impl Environment {
    /// The base URL.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Production => PRODUCTION_URL,
            Environment::Homologation => HOMOLOGATION_URL,
            Environment::Custom(url) => url,
        }
    }
}

impl From<&str> for Environment {
    fn from(url: &str) -> Self {
        Environment::Custom(url.to_owned())
    }
}

impl From<String> for Environment {
    fn from(url: String) -> Self {
        Environment::Custom(url)
    }
}

/// A BioPass ID Multibiometrics client. Cheap to clone; clones share connections.
///
/// ```no_run
/// # async fn demo() -> biopassid_client::Result<()> {
/// use biopassid_client::{Client, CustomId, Environment, Finger, Image, Person};
///
/// let client = Client::builder(Environment::Homologation)
///     .subscription_key("my-api-key")
///     .build()?;
/// let face = Image::from_file("face.jpg").expect("readable");
/// let person = Person::new(CustomId::new("1234")?).face(face.clone());
/// let enrolled = client.enroll(&person).await?;
/// println!("BioPass ID {}", enrolled.biopass_id);
///
/// let check = client.verify(&Person::new(CustomId::new("1234")?).face(face)).await?;
/// println!("match: {}", check.matched);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    engine: Engine<StaticHeaderAuth>,
    max_request_bytes: u64,
}

/// Configures a [`Client`].
#[derive(Debug)]
#[must_use = "call .build() to create the client"]
pub struct ClientBuilder {
    environment: Environment,
    key: Option<SecretString>,
    max_request_bytes: u64,
    http: HttpConfig,
}

impl Client {
    /// Starts configuring a client for `environment` ([`Environment::Production`],
    /// [`Environment::Homologation`], or a URL).
    pub fn builder(environment: impl Into<Environment>) -> ClientBuilder {
        ClientBuilder {
            environment: environment.into(),
            key: None,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            http: HttpConfig::new(USER_AGENT).timeout(DEFAULT_TIMEOUT),
        }
    }
}

impl ClientBuilder {
    /// The subscription key (required), sent as `Ocp-Apim-Subscription-Key` on every call and
    /// never printed.
    pub fn subscription_key(mut self, key: impl IntoSecret) -> Self {
        self.key = Some(key.into_secret());
        self
    }

    /// The largest request body the client sends ([`DEFAULT_MAX_REQUEST_BYTES`] by default); a
    /// larger one is refused before any I/O with [`Error::InvalidRequest`] giving its size.
    pub fn max_request_bytes(mut self, limit: u64) -> Self {
        self.max_request_bytes = limit;
        self
    }

    /// Timeouts, retries, TLS, body limit and `User-Agent` (see [`HttpConfig`]). The BioPass ID
    /// defaults: [`DEFAULT_TIMEOUT`] per attempt and the core's default
    /// [`RetryPolicy`](crate::RetryPolicy) (the documentation names no status as "not
    /// processed, retry"). None of the four calls is sent again once it may have reached the
    /// service (see the crate documentation): only failures before that point are retried, and
    /// answers with a status you declare with
    /// [`RetryPolicy::unprocessed_status`](crate::RetryPolicy::unprocessed_status).
    ///
    /// ```
    /// use std::time::Duration;
    /// use biopassid_client::{Client, Environment};
    /// let builder = Client::builder(Environment::Homologation)
    ///     .http(|h| h.timeout(Duration::from_secs(20)));
    /// # let _ = builder;
    /// ```
    pub fn http(mut self, configure: impl FnOnce(HttpConfig) -> HttpConfig) -> Self {
        self.http = configure(self.http);
        self
    }

    /// Checks the configuration (key present and sendable in a header, URL http(s)) and builds
    /// the client. No I/O.
    pub fn build(self) -> Result<Client> {
        let key = self.key.ok_or_else(|| {
            Error::invalid(
                "subscription_key",
                "is required (Ocp-Apim-Subscription-Key)",
            )
        })?;
        if key.expose_secret().trim().is_empty() {
            return Err(Error::invalid("subscription_key", "must not be empty"));
        }
        // The key travels as a header value, which is text in visible ASCII; `http` would also
        // take bytes 0x80-0xFF, sent as opaque bytes that the service would not read as typed.
        if !key.expose_secret().bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid("subscription_key", "must be visible ASCII"));
        }
        let auth = StaticHeaderAuth::new(KEY_HEADER, "", &key)
            .map_err(|_| Error::invalid("subscription_key", "must be visible ASCII"))?;
        // No query parameters in this API, so nothing is added to the log allow-list. The key's
        // 401 is returned as it came (the static key is never replayed) and mapped in `send`.
        let engine = Engine::builder(self.environment.base_url())
            .config(self.http)
            .auth(auth)
            .build()?;
        Ok(Client {
            engine,
            max_request_bytes: self.max_request_bytes,
        })
    }
}

impl Client {
    /// A clone of this client whose every call gets `options` (timeout, retry policy, response
    /// body limit, extra headers), overriding the client's settings. Clones share connections.
    /// Whatever the options, a call is not sent again once it may have reached the service
    /// (see [`ClientBuilder::http`]).
    ///
    /// ```no_run
    /// # async fn demo(client: biopassid_client::Client, person: biopassid_client::Person)
    /// # -> biopassid_client::Result<()> {
    /// use std::time::Duration;
    /// use biopassid_client::RequestOptions;
    /// let patient = client.with_options(RequestOptions::new().timeout(Duration::from_secs(90)));
    /// patient.enroll(&person).await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client {
            engine: self.engine.with_options(options),
            max_request_bytes: self.max_request_bytes,
        }
    }

    /// `POST /multibiometrics/enroll`: registers a person with at least one face or finger.
    ///
    /// **Not resent** once it may have reached the service: it stores the person, and a
    /// second request would find the `CustomID` taken and fail, hiding that the first stored it.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when the person has no image, an image
    /// is empty, a finger is given twice, or the body is over the client's limit
    /// ([`ClientBuilder::max_request_bytes`]); [`Error::Api`] when the service refuses (read it
    /// with [`BioPassIdFailure::from_error`](crate::BioPassIdFailure::from_error); a taken
    /// `CustomID` is kind [`CustomIdAlreadyExists`](crate::FailureKind::CustomIdAlreadyExists));
    /// [`Error::Auth`] when the subscription key is refused (401, never replayed).
    pub async fn enroll(&self, person: &Person) -> Result<Enrolled> {
        let op = self.person_call(
            "biopassid.enroll",
            Method::POST,
            "multibiometrics/enroll",
            person,
            None,
        )?;
        self.send(op).await
    }

    /// `PUT /multibiometrics/update`: replaces images of an enrolled person (same body as enroll).
    ///
    /// **Not resent** once it may have reached the service: the documentation does not say
    /// whether update is idempotent (a repeated update may be logged twice).
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when the person has no image, an image
    /// is empty, a finger is given twice, or the body is over the client's limit
    /// ([`ClientBuilder::max_request_bytes`]); [`Error::Api`] when the service refuses (read it
    /// with [`BioPassIdFailure::from_error`](crate::BioPassIdFailure::from_error));
    /// [`Error::Auth`] when the subscription key is refused (401, never replayed).
    pub async fn update(&self, person: &Person) -> Result<Enrolled> {
        let op = self.person_call(
            "biopassid.update",
            Method::PUT,
            "multibiometrics/update",
            person,
            None,
        )?;
        self.send(op).await
    }

    /// `POST /multibiometrics/verify`: whether the images belong to the enrolled person, with
    /// the face result and the fingers that did not match (including enrolled fingers not
    /// sent). Sent as [`VERIFY_CONTENT_TYPE`].
    ///
    /// **Not resent** once it may have reached the service: a verification has an effect
    /// there (the service may log it), and a second would be another.
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when the person has no image, an image
    /// is empty, a finger is given twice, or the body is over the client's limit
    /// ([`ClientBuilder::max_request_bytes`]); [`Error::Api`] when the service refuses (read it
    /// with [`BioPassIdFailure::from_error`](crate::BioPassIdFailure::from_error));
    /// [`Error::Auth`] when the subscription key is refused (401, never replayed).
    pub async fn verify(&self, person: &Person) -> Result<Verification> {
        let op = self.person_call(
            "biopassid.verify",
            Method::POST,
            "multibiometrics/verify",
            person,
            Some(VERIFY_CONTENT_TYPE),
        )?;
        self.send(op).await
    }

    /// `DELETE /multibiometrics/delete` with the body `{"Person": {"CustomID": ..}}`.
    ///
    /// **Not resent** once it may have reached the service: the documentation does not say
    /// whether deleting twice is harmless, and a second delete may well be an error that hides
    /// that the first one deleted the person.
    ///
    /// Errors: [`Error::Api`] when the service refuses (read it with
    /// [`BioPassIdFailure::from_error`](crate::BioPassIdFailure::from_error));
    /// [`Error::Auth`] when the subscription key is refused (401, never replayed).
    pub async fn delete(&self, custom_id: &CustomId) -> Result<Deleted> {
        let op = Operation::with_decoder(
            "biopassid.delete",
            Method::DELETE,
            "multibiometrics/delete",
            decode_person::<Deleted>,
        )
        .idempotent(false)
        .json_body(&PersonBody::id_only(custom_id))?;
        self.send(op).await
    }

    fn person_call<T: DeserializeOwned>(
        &self,
        name: &'static str,
        method: Method,
        path: &'static str,
        person: &Person,
        content_type: Option<&'static str>,
    ) -> Result<Operation<T>> {
        person.validate()?;
        // Refused from the images' size before a 100 MB image is encoded only to be refused.
        let images = person.base64_len();
        if images > self.max_request_bytes {
            return Err(Error::invalid(
                "request body",
                format!(
                    "must be at most {} bytes (its images alone are {images} bytes as base64)",
                    self.max_request_bytes
                ),
            ));
        }
        let op = Operation::with_decoder(name, method, path, decode_person::<T>)
            .idempotent(false)
            .json_body(&PersonBody::images(person))?;
        let size = op.body_ref().len().unwrap_or_default();
        SizeLimit::at_most(self.max_request_bytes).check("request body", size)?;
        Ok(match content_type {
            // An explicit Content-Type replaces the JSON default: exactly one is sent.
            Some(content_type) => op.header(CONTENT_TYPE, HeaderValue::from_static(content_type)),
            None => op,
        })
    }

    /// Sends an operation with the subscription key, for a call this crate does not wrap:
    /// paths relative to the base URL, caller values through [`Operation::segment`]. A 401
    /// (missing or wrong key) is an [`Error::Auth`].
    ///
    /// **Resent** as the operation says: after a failure that may go away (a timeout, a 5xx, a
    /// refused connection) when it is marked [`Operation::idempotent`], otherwise only when
    /// the request certainly did not reach the service (a refused connection).
    ///
    /// Errors: [`Error::InvalidRequest`] (before any I/O) when a path value is refused;
    /// [`Error::Api`] for a non-success status; [`Error::Auth`] when the subscription key is
    /// refused (401, never replayed).
    pub async fn execute<T>(&self, operation: Operation<T>) -> Result<T> {
        self.send(operation).await
    }

    /// Sends a call; a 401 (missing or wrong key) becomes [`Error::Auth`].
    async fn send<T>(&self, op: Operation<T>) -> Result<T> {
        self.engine.execute(op).await.map_err(|err| {
            if matches!(&err, Error::Api(api) if api.status == StatusCode::UNAUTHORIZED) {
                Error::auth("BioPass ID refused the subscription key", Some(err))
            } else {
                err
            }
        })
    }
}

fn decode_person<T: DeserializeOwned>(raw: biometric_core::RawResponse) -> Result<T> {
    Ok(raw.json::<PersonEnvelope<T>>()?.person)
}
