//! A fake Apptenticate service, written from `endpoint-biometria.txt` and Apptenticate's notes.
//!
//! # Tokens
//!
//! `POST /api/token/` (form fields `username`, `password`) answers `{"refresh", "access"}`;
//! `POST /api/token/refresh/` (form field `refresh`) answers `{"access"}`. Both need the trailing
//! slash, as Django routes them (without it: 404). Tokens are JWT-shaped (HS256, claims
//! `token_type`, `exp`, `iat`, `jti`, `user_id`, as djangorestframework-simplejwt issues them),
//! and the fake also remembers each one: a token it did not issue is refused whatever its
//! signature. The access token lives [`ApptenticateConfig::access_lifetime`] (5 minutes by
//! default, as documented), enforced to the millisecond from the fake's own record, while the
//! `exp` claim is rounded up to whole seconds: a sub-second lifetime exercises the 401 path.
//!
//! The documented failures: wrong credentials answer 401
//! `{"detail": "No active account found with the given credentials"}`; a bad or expired refresh
//! token 401 `{"detail": "Token is invalid or expired", "code": "token_not_valid"}`. A service
//! call without a valid access token answers 401 with simplejwt's standard bodies (the notes
//! document the status, not the body).
//!
//! # The checks and the synthetic face rule
//!
//! Each check is a strict `multipart/form-data` POST: the documented field names exactly (an
//! unknown or misspelled one such as the prose's `image` is a 400), files as file parts (with a
//! file name, as Django requires for an upload), JPEG by magic bytes, at most 2 MB (2 000 000
//! bytes). Any other content type is a 415.
//!
//! No recognition runs: an image shows the person named by an ASCII `FACE=<name>;` marker in its
//! bytes, and it is live when it also carries `LIVE;` ([`face_image`], [`photo_of`] and
//! [`image_without_face`] build such JPEGs). A citizen ID configured with
//! [`ApptenticateConfig::citizen`] is valid with an image that is byte for byte the configured
//! face or shows the same person.
//!
//! | endpoint | fields | answer |
//! |---|---|---|
//! | citizen-ID check, at [`ApptenticateConfig::biometric_check_path`] (the real path is not public) | `cedula`, file `imagen`, `id` = `True`/`False`, `dispositivo` = `IOS`/`ANDROID`/`DESKTOP` | `{valid, message, code}` plus `id` when `id=True` |
//! | `api/v3/biometrics/nationals/`, `api/v3.2/biometrics/nationals/` | `citizen_id`, file `selfie`, `return_id`, `device` | as the citizen-ID check |
//! | `api/v3/biometrics/foreigns/` | files `frontside`, `selfie`, `document_type` = `passport`/`identification_card`/`profile_image`, `return_id`, `device` | valid when both images show the same person |
//! | `api/v2/biometrics/liveness/` | file `selfie`, `return_id`, `device`, `details` | `{"data": {"api_response": {score, quality, liveness}}}` (`data.id` with `return_id`) |
//!
//! **The fake's own choices where the docs are silent** (the `code` list is not public, the
//! answers of the newer endpoints and the 2 MB refusal are not documented): `code` 0 for a valid
//! check, 1 for a face that does not match, 2 for an unknown citizen ID; a refused image answers
//! 400 `{"valid": false, "message": ..., "code": 400}`; a missing field 400
//! `{"<field>": ["This field is required."]}` (Django REST framework's shape); the liveness
//! scores are 0.95/0.9/0.95 for a live face, liveness 0.1 for a photo, quality 0.2 without a
//! face. `details` is accepted and adds nothing. Stricter than the real service is likely to be
//! (Django REST framework accepts JSON logins and ignores unknown fields), on purpose, so that a
//! client sending the wrong shape fails a test: the token endpoints answer 415 to anything but
//! a form, and an unknown field is refused with 400 `Unknown field.`. The 401 bodies carry
//! `detail` and `code` as the notes give them (simplejwt also sends a `messages` list there).
//!
//! # Fault injection
//!
//! [`ApptenticateSim::expire_access_tokens`], [`ApptenticateSim::revoke_refresh_tokens`] and
//! [`ApptenticateSim::fail_next`] (a status on the next checks); [`ApptenticateSim::stats`] counts
//! logins, refreshes and checks.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub use crate::bioid::{face_image, image_without_face, photo_of};
use crate::server::{Running, loopback, serve};

/// The path the fake serves the citizen-ID check on by default. **Not Apptenticate's**: the
/// public documentation does not give that path; configure the one your contract gives you.
pub const DEFAULT_BIOMETRIC_CHECK_PATH: &str = "sim/endpoint-biometria/";

/// The documented image limit: 2 MB, read as 2 000 000 bytes.
pub const MAX_IMAGE_BYTES: usize = 2_000_000;

/// The fake's account, token lifetimes, citizen register and endpoint path.
#[derive(Clone)]
pub struct ApptenticateConfig {
    username: String,
    password: String,
    access_lifetime: Duration,
    refresh_lifetime: Duration,
    biometric_check_path: String,
    citizens: BTreeMap<String, Vec<u8>>,
}

impl ApptenticateConfig {
    /// An account with the documented lifetimes (access 5 minutes; refresh 1 day, simplejwt's
    /// default, as Apptenticate does not say) and no citizens.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        ApptenticateConfig {
            username: username.into(),
            password: password.into(),
            access_lifetime: Duration::from_secs(5 * 60),
            refresh_lifetime: Duration::from_secs(24 * 60 * 60),
            biometric_check_path: DEFAULT_BIOMETRIC_CHECK_PATH.to_owned(),
            citizens: BTreeMap::new(),
        }
    }

    /// How long an access token is accepted (milliseconds are fine, for expiry tests).
    pub fn access_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_lifetime = lifetime;
        self
    }

    /// How long a refresh token is accepted.
    pub fn refresh_lifetime(mut self, lifetime: Duration) -> Self {
        self.refresh_lifetime = lifetime;
        self
    }

    /// Where the citizen-ID check is served (relative, e.g. `path/from/contract/`).
    pub fn biometric_check_path(mut self, path: impl Into<String>) -> Self {
        self.biometric_check_path = path.into().trim_start_matches('/').to_owned();
        self
    }

    /// Registers a citizen ID with the face that validates it.
    pub fn citizen(mut self, cedula: impl Into<String>, face: impl Into<Vec<u8>>) -> Self {
        self.citizens.insert(cedula.into(), face.into());
        self
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password (the fake's own, for demos).
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The path of the citizen-ID check, relative, with its trailing slash as configured.
    pub fn check_path(&self) -> &str {
        &self.biometric_check_path
    }
}

impl Default for ApptenticateConfig {
    /// `sim-user` / `sim-password`, citizen `0102030405` whose face is `face_image("0102030405")`.
    fn default() -> Self {
        ApptenticateConfig::new("sim-user", "sim-password")
            .citizen("0102030405", face_image("0102030405"))
    }
}

impl std::fmt::Debug for ApptenticateConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApptenticateConfig")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("access_lifetime", &self.access_lifetime)
            .field("refresh_lifetime", &self.refresh_lifetime)
            .field("biometric_check_path", &self.biometric_check_path)
            .field("citizens", &self.citizens.len())
            .finish()
    }
}

/// What the fake has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApptenticateStats {
    /// Successful logins (`api/token/`).
    pub logins: usize,
    /// Successful refreshes (`api/token/refresh/`).
    pub refreshes: usize,
    /// Refreshes refused with `token_not_valid`.
    pub refused_refreshes: usize,
    /// Check requests that passed authentication (whatever their outcome).
    pub checks: usize,
    /// Check requests refused with 401.
    pub unauthorized: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
}

struct Issued {
    kind: Kind,
    expires: Instant,
}

#[derive(Default)]
struct Store {
    tokens: HashMap<String, Issued>,
    next_jti: u64,
    next_transaction: i64,
    fail_next: Option<(StatusCode, usize)>,
    stats: ApptenticateStats,
}

/// The fake service and its state. Clones share the state.
#[derive(Clone)]
pub struct ApptenticateSim {
    config: Arc<ApptenticateConfig>,
    store: Arc<Mutex<Store>>,
}

impl std::fmt::Debug for ApptenticateSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApptenticateSim")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ApptenticateSim {
    /// A fake with `config`.
    pub fn new(config: ApptenticateConfig) -> Self {
        ApptenticateSim {
            config: Arc::new(config),
            store: Arc::default(),
        }
    }

    /// Serves the fake on a free loopback port.
    pub async fn start(&self) -> std::io::Result<Running> {
        serve(self.router(), loopback()).await
    }

    /// The fake's routes.
    pub fn router(&self) -> Router {
        let check = format!("/{}", self.config.biometric_check_path);
        let api = Router::new()
            .route(&check, post(citizen_check))
            .route("/api/v3/biometrics/nationals/", post(nationals))
            .route("/api/v3.2/biometrics/nationals/", post(nationals))
            .route("/api/v3/biometrics/foreigns/", post(foreigns))
            .route("/api/v2/biometrics/liveness/", post(liveness))
            .route_layer(middleware::from_fn_with_state(self.clone(), guard));
        Router::new()
            .route("/api/token/", post(token))
            .route("/api/token/refresh/", post(refresh))
            .merge(api)
            .fallback(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"detail": "Not found."})),
                )
            })
            // Room above the 2 MB image limit, so that the fake answers an oversized image itself.
            .layer(axum::extract::DefaultBodyLimit::max(8 * MAX_IMAGE_BYTES))
            .with_state(self.clone())
    }

    /// Makes every access token issued so far invalid now (the next call sees a 401).
    pub fn expire_access_tokens(&self) {
        self.store().tokens.retain(|_, t| t.kind != Kind::Access);
    }

    /// Makes every refresh token issued so far invalid (the next refresh sees `token_not_valid`).
    pub fn revoke_refresh_tokens(&self) {
        self.store().tokens.retain(|_, t| t.kind != Kind::Refresh);
    }

    /// The next `count` authenticated check requests answer HTTP `status` (the same call on
    /// every simulator), with `{"detail": "Simulated failure."}`.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code: a mistake in the test.
    pub fn fail_next(&self, status: u16, count: usize) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        self.store().fail_next = Some((status, count));
    }

    /// What the fake has seen so far.
    pub fn stats(&self) -> ApptenticateStats {
        self.store().stats
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn issue(&self, kind: Kind) -> String {
        let lifetime = match kind {
            Kind::Access => self.config.access_lifetime,
            Kind::Refresh => self.config.refresh_lifetime,
        };
        let mut store = self.store();
        store.next_jti += 1;
        let jti = format!("sim-{:016x}", store.next_jti);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let claims = json!({
            "token_type": if kind == Kind::Access { "access" } else { "refresh" },
            "exp": (now + lifetime).as_secs_f64().ceil() as u64,
            "iat": now.as_secs(),
            "jti": jti,
            "user_id": 1,
        });
        let key = jsonwebtoken::EncodingKey::from_secret(b"apptenticate-sim-signing-key");
        let token = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key)
            .unwrap_or_else(|_| jti.clone());
        store.tokens.insert(
            token.clone(),
            Issued {
                kind,
                expires: Instant::now() + lifetime,
            },
        );
        token
    }

    /// Whether `token` is a live token of `kind` this fake issued.
    fn valid(&self, token: &str, kind: Kind) -> bool {
        let store = self.store();
        store
            .tokens
            .get(token)
            .is_some_and(|t| t.kind == kind && Instant::now() < t.expires)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A refusal: a status and a JSON body.
struct Reject {
    status: StatusCode,
    body: Value,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        answer(self.status, self.body)
    }
}

fn reject(status: StatusCode, body: Value) -> Reject {
    Reject { status, body }
}

fn required(field: &str) -> Reject {
    reject(
        StatusCode::BAD_REQUEST,
        json!({ field: ["This field is required."] }),
    )
}

fn bad_field(field: &str, message: impl Into<String>) -> Reject {
    reject(StatusCode::BAD_REQUEST, json!({ field: [message.into()] }))
}

fn refused_image(message: &str) -> Reject {
    reject(
        StatusCode::BAD_REQUEST,
        json!({"valid": false, "message": message, "code": 400}),
    )
}

fn token_not_valid() -> Reject {
    reject(
        StatusCode::UNAUTHORIZED,
        json!({"detail": "Token is invalid or expired", "code": "token_not_valid"}),
    )
}

fn unsupported(headers: &HeaderMap) -> Reject {
    let found = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    reject(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        json!({"detail": format!("Unsupported media type \"{found}\" in request.")}),
    )
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// Parses a form body with exactly the `wanted` fields.
fn form_fields(
    headers: &HeaderMap,
    body: &Bytes,
    wanted: &[&str],
) -> Result<BTreeMap<String, String>, Reject> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().map(str::trim) == Some("application/x-www-form-urlencoded")
        });
    if !form {
        return Err(unsupported(headers));
    }
    let mut fields = BTreeMap::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        if !wanted.contains(&key.as_ref()) {
            return Err(bad_field(&key, "Unknown field."));
        }
        if fields.insert(key.to_string(), value.to_string()).is_some() {
            return Err(bad_field(&key, "Sent more than once."));
        }
    }
    for name in wanted {
        if fields.get(*name).is_none_or(|v| v.is_empty()) {
            return Err(required(name));
        }
    }
    Ok(fields)
}

async fn token(State(sim): State<ApptenticateSim>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match form_fields(&headers, &body, &["username", "password"]) {
        Ok(fields) => fields,
        Err(refusal) => return refusal.into_response(),
    };
    if fields["username"] != sim.config.username || fields["password"] != sim.config.password {
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({"detail": "No active account found with the given credentials"}),
        );
    }
    let refresh = sim.issue(Kind::Refresh);
    let access = sim.issue(Kind::Access);
    sim.store().stats.logins += 1;
    answer(
        StatusCode::OK,
        json!({"refresh": refresh, "access": access}),
    )
}

async fn refresh(State(sim): State<ApptenticateSim>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match form_fields(&headers, &body, &["refresh"]) {
        Ok(fields) => fields,
        Err(refusal) => return refusal.into_response(),
    };
    if !sim.valid(&fields["refresh"], Kind::Refresh) {
        sim.store().stats.refused_refreshes += 1;
        return token_not_valid().into_response();
    }
    let access = sim.issue(Kind::Access);
    sim.store().stats.refreshes += 1;
    answer(StatusCode::OK, json!({"access": access}))
}

/// Every check needs `Authorization: Bearer <live access token>`.
async fn guard(State(sim): State<ApptenticateSim>, request: Request, next: Next) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let refusal = match bearer.as_deref().map(|v| v.strip_prefix("Bearer ")) {
        None => Some(json!({"detail": "Authentication credentials were not provided."})),
        Some(Some(token)) if sim.valid(token, Kind::Access) => None,
        Some(_) => Some(json!({
            "detail": "Given token not valid for any token type",
            "code": "token_not_valid",
        })),
    };
    if let Some(body) = refusal {
        sim.store().stats.unauthorized += 1;
        return answer(StatusCode::UNAUTHORIZED, body);
    }
    {
        let mut store = sim.store();
        store.stats.checks += 1;
        if let Some((status, left)) = store.fail_next.filter(|(_, left)| *left > 0) {
            store.fail_next = Some((status, left - 1));
            return answer(status, json!({"detail": "Simulated failure."}));
        }
    }
    next.run(request).await
}

// ---------------------------------------------------------------------------------------------
// Multipart uploads

struct FilePart {
    data: Bytes,
}

#[derive(Default)]
struct Upload {
    texts: BTreeMap<String, String>,
    files: BTreeMap<String, FilePart>,
}

/// The fields one endpoint takes.
struct Fields {
    texts: &'static [&'static str],
    optional_texts: &'static [&'static str],
    files: &'static [&'static str],
}

async fn upload(request: Request, fields: &Fields) -> Result<Upload, Reject> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return Err(unsupported(request.headers()));
    }
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| reject(StatusCode::BAD_REQUEST, json!({"detail": e.body_text()})))?;
    let mut upload = Upload::default();
    let malformed = |e: axum::extract::multipart::MultipartError| {
        reject(
            StatusCode::BAD_REQUEST,
            json!({"detail": format!("Multipart form parse error - {}", e.body_text())}),
        )
    };
    while let Some(field) = form.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_owned();
        let known = fields.texts.contains(&name.as_str())
            || fields.optional_texts.contains(&name.as_str())
            || fields.files.contains(&name.as_str());
        if !known {
            return Err(bad_field(&name, "Unknown field."));
        }
        if upload.texts.contains_key(&name) || upload.files.contains_key(&name) {
            return Err(bad_field(&name, "Sent more than once."));
        }
        // Django files an uploaded part (one with a file name) under FILES, the others under POST.
        if field.file_name().is_some() {
            let data = field.bytes().await.map_err(malformed)?;
            upload.files.insert(name, FilePart { data });
        } else {
            let text = field.text().await.map_err(malformed)?;
            upload.texts.insert(name, text);
        }
    }
    for name in fields.texts {
        if upload.texts.get(*name).is_none_or(|v| v.is_empty()) {
            return Err(required(name));
        }
    }
    for name in fields.files {
        match upload.files.get(*name) {
            None => return Err(required(name)),
            Some(file) if file.data.len() > MAX_IMAGE_BYTES => {
                return Err(refused_image("The image must not exceed 2MB"));
            }
            Some(file) if !file.data.starts_with(&[0xFF, 0xD8, 0xFF]) => {
                return Err(refused_image("The image must be a .jpg file"));
            }
            Some(_) => {}
        }
    }
    // A field sent as text where a file is expected (or the reverse) is missing where it counts.
    for name in fields.optional_texts {
        if upload.files.contains_key(*name) {
            return Err(bad_field(name, "Must be a text field."));
        }
    }
    Ok(upload)
}

impl Upload {
    fn file(&self, name: &str) -> &[u8] {
        self.files
            .get(name)
            .map(|f| &f.data[..])
            .unwrap_or_default()
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    /// A `True`/`False` flag as Python's `requests` renders it; absent is false.
    fn flag(&self, name: &str) -> Result<bool, Reject> {
        match self.text(name) {
            None | Some("False") => Ok(false),
            Some("True") => Ok(true),
            Some(_) => Err(bad_field(name, "Must be True or False.")),
        }
    }

    fn device(&self, name: &str) -> Result<(), Reject> {
        match self.text(name) {
            None | Some("IOS" | "ANDROID" | "DESKTOP") => Ok(()),
            Some(other) => Err(bad_field(
                name,
                format!("\"{other}\" is not a valid choice (IOS, ANDROID, DESKTOP)."),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks

fn face_of(image: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(image);
    let mut names = text.match_indices("FACE=").filter_map(|(at, _)| {
        let rest = &text[at + 5..];
        Some(rest[..rest.find(';')?].to_owned())
    });
    let first = names.next()?;
    names.next().is_none().then_some(first)
}

fn is_live(image: &[u8]) -> bool {
    image.windows(5).any(|w| w == b"LIVE;")
}

fn verdict(sim: &ApptenticateSim, cedula: &str, image: &[u8], with_id: bool) -> Response {
    let (valid, message, code) = match sim.config.citizens.get(cedula) {
        None => (false, Some("Citizen ID not found"), 2),
        Some(face)
            if face == image || (face_of(image).is_some() && face_of(image) == face_of(face)) =>
        {
            (true, None, 0)
        }
        Some(_) => (false, Some("The face does not match the citizen ID"), 1),
    };
    let mut body = json!({"valid": valid, "message": message, "code": code});
    if with_id {
        body["id"] = json!(sim.transaction());
    }
    answer(StatusCode::OK, body)
}

impl ApptenticateSim {
    fn transaction(&self) -> i64 {
        let mut store = self.store();
        store.next_transaction += 1;
        1000 + store.next_transaction
    }
}

async fn citizen_check(State(sim): State<ApptenticateSim>, request: Request) -> Response {
    const FIELDS: Fields = Fields {
        texts: &["cedula"],
        optional_texts: &["id", "dispositivo"],
        files: &["imagen"],
    };
    let result = async {
        let upload = upload(request, &FIELDS).await?;
        let with_id = upload.flag("id")?;
        upload.device("dispositivo")?;
        Ok::<_, Reject>(verdict(
            &sim,
            upload.text("cedula").unwrap_or_default(),
            upload.file("imagen"),
            with_id,
        ))
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

async fn nationals(State(sim): State<ApptenticateSim>, request: Request) -> Response {
    const FIELDS: Fields = Fields {
        texts: &["citizen_id"],
        optional_texts: &["return_id", "device"],
        files: &["selfie"],
    };
    let result = async {
        let upload = upload(request, &FIELDS).await?;
        let with_id = upload.flag("return_id")?;
        upload.device("device")?;
        Ok::<_, Reject>(verdict(
            &sim,
            upload.text("citizen_id").unwrap_or_default(),
            upload.file("selfie"),
            with_id,
        ))
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

async fn foreigns(State(sim): State<ApptenticateSim>, request: Request) -> Response {
    const FIELDS: Fields = Fields {
        texts: &["document_type"],
        optional_texts: &["return_id", "device"],
        files: &["frontside", "selfie"],
    };
    let result = async {
        let upload = upload(request, &FIELDS).await?;
        let with_id = upload.flag("return_id")?;
        upload.device("device")?;
        match upload.text("document_type") {
            Some("passport" | "identification_card" | "profile_image") => {}
            Some(other) => {
                return Err(bad_field(
                    "document_type",
                    format!("\"{other}\" is not a valid choice."),
                ));
            }
            None => return Err(required("document_type")),
        }
        let document = face_of(upload.file("frontside"));
        let selfie = face_of(upload.file("selfie"));
        let (valid, message, code) = match (document, selfie) {
            (Some(a), Some(b)) if a == b => (true, None, 0),
            _ => (false, Some("The face does not match the document"), 1),
        };
        let mut body = json!({"valid": valid, "message": message, "code": code});
        if with_id {
            body["id"] = json!(sim.transaction());
        }
        Ok(answer(StatusCode::OK, body))
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

async fn liveness(State(sim): State<ApptenticateSim>, request: Request) -> Response {
    const FIELDS: Fields = Fields {
        texts: &[],
        optional_texts: &["return_id", "device", "details"],
        files: &["selfie"],
    };
    let result = async {
        let upload = upload(request, &FIELDS).await?;
        let with_id = upload.flag("return_id")?;
        upload.flag("details")?;
        upload.device("device")?;
        let selfie = upload.file("selfie");
        let scores = match (face_of(selfie).is_some(), is_live(selfie)) {
            (true, true) => json!({"score": 0.95, "quality": 0.9, "liveness": 0.95}),
            (true, false) => json!({"score": 0.1, "quality": 0.9, "liveness": 0.1}),
            (false, _) => json!({"score": 0.0, "quality": 0.2, "liveness": 0.0}),
        };
        let mut data = json!({"api_response": scores});
        if with_id {
            data["id"] = json!(sim.transaction());
        }
        Ok::<_, Reject>(answer(StatusCode::OK, json!({"data": data})))
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_face_per_image_or_none() {
        assert_eq!(face_of(&face_image("ana")).as_deref(), Some("ana"));
        assert_eq!(face_of(&photo_of("ana")).as_deref(), Some("ana"));
        assert_eq!(face_of(&image_without_face()), None);
        assert!(is_live(&face_image("ana")) && !is_live(&photo_of("ana")));
    }
}
