//! A fake BioID Web Service 3, written from `bws-enroll.txt` and BioID's notes.
//!
//! # The synthetic face rule
//!
//! No face recognition runs here. An image's bytes say what it shows, so that tests and examples
//! get meaningful, deterministic answers:
//!
//! - every ASCII `FACE=<name>;` in the bytes is one face of the person `<name>`;
//!   no marker means no face, two markers mean two faces;
//! - `LIVE;` marks a live capture (a selfie), its absence a photo of a photo;
//! - `MOVE=<right|left|up|down>;` marks the direction the person moved.
//!
//! [`face_image`], [`photo_of`], [`moved_face_image`] and [`image_without_face`] build small
//! JPEG files carrying these markers in a comment segment. Two faces are "the same" when their
//! names are equal. Enrollment with no suitable face answers `ENROLLMENT_FAILED` with
//! `NoSuitableFaceImage`, as BWS does.
//!
//! # What else it checks (strictness)
//!
//! - Every `/api` call needs `Authorization: Bearer <JWT>` signed HS512 or HS256 with the
//!   configured key, carrying every claim BioID's samples set: `sub` = `iss` = the client id,
//!   `aud` = `BWS`, `iat`, `nbf` (not in the future) and `exp` (not past), with a lifetime
//!   `exp - iat` of at most [`MAX_TOKEN_LIFETIME_SECS`] (the samples' 5 minutes). Otherwise 401.
//!   Whether the real service refuses a longer lifetime is not documented: this fake holds
//!   clients to the documented one.
//! - A `POST` or `PUT` body must be sent as `Content-Type: application/json` (the documented
//!   content type); otherwise 415 (the status is this fake's choice: BWS documents none).
//! - Request bodies may hold only the documented camelCase keys, each of its documented type:
//!   `image` (base64 string) and `tags` (array of strings) in an ImageData; `images`, `tags`,
//!   `topMatches` (boolean) in a search; `liveImages`, `photo`, `disableLivenessDetection`
//!   (boolean); `video`. A misspelling (`top_matches`, `Tags`, `liveimages`) or a wrong type is
//!   HTTP 400 with `{"code": 3, "message": ...}` (gRPC INVALID_ARGUMENT).
//!
//! Successful answers carry `jobid`, `bws-version`, the echoed `reference-number` and `date`.
//! Template thumbnails are PNG images, as documented (`thumbnails[{enrolled, image (base64
//! PNG)}]`): a small grayscale PNG carrying the face marker in a `tEXt` chunk.
//!
//! # Fault injection
//!
//! [`BioIdSim::inject`] queues a [`Fault`] for the next API call (in order): HTTP 503, 408 or
//! 500; a 400 whose gRPC code is a string; a job that ends `FAULTED` or `CANCELLED` (HTTP 200);
//! an enrollment that fails with `NoFeatureVectors`. [`BioIdSim::fail_next`] queues statuses
//! (503 as BWS documents it).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::person::{Person, markers};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde_json::{Value, json};

use crate::server::{Running, loopback, serve};

/// The BWS version the fake reports.
pub const BWS_VERSION: &str = "3.0.0-sim";

/// The longest JWT lifetime (`exp - iat`) the fake accepts: the 5 minutes BioID's samples use.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = 5 * 60;

/// A failure the fake answers the next API call with. See [`BioIdSim::inject`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 503: "currently unavailable ... retry with a backoff".
    Unavailable,
    /// HTTP 408: "client application cancelled the request".
    RequestTimeout,
    /// HTTP 500: "server experienced some unexpected behaviour".
    ServerError,
    /// HTTP 400 whose body carries the gRPC code as a string
    /// (`{"code": "InvalidArgument", "message": ...}`): the docs leave the code's type open.
    BadRequestWithStringCode,
    /// HTTP 200 with `{"status": "FAULTED", "errors": [...]}`. The error code (`JobFaulted`)
    /// and message are this fake's own: no code for a faulted job is documented.
    JobFaulted,
    /// HTTP 200 with `{"status": "CANCELLED", "errors": [...]}`. The error code
    /// (`JobCancelled`) and message are this fake's own.
    JobCancelled,
    /// The next *enrollment* fails with the documented `NoFeatureVectors` (HTTP 200,
    /// `ENROLLMENT_FAILED`, a failed `FaceFeaturesAvailable` check). Other calls leave it queued.
    NoFeatureVectors,
    /// Any other HTTP status, answered with a short plain-text body.
    Status(StatusCode),
}

impl Fault {
    /// An HTTP-level fault, answered before the handler runs.
    fn status(&self) -> Option<StatusCode> {
        match self {
            Fault::Unavailable => Some(StatusCode::SERVICE_UNAVAILABLE),
            Fault::RequestTimeout => Some(StatusCode::REQUEST_TIMEOUT),
            Fault::ServerError => Some(StatusCode::INTERNAL_SERVER_ERROR),
            Fault::BadRequestWithStringCode => Some(StatusCode::BAD_REQUEST),
            Fault::Status(status) => Some(*status),
            _ => None,
        }
    }
}

/// The fake's credentials.
#[derive(Clone)]
pub struct BioIdConfig {
    client_id: String,
    key: Vec<u8>,
}

impl BioIdConfig {
    /// A client id and the raw key bytes (clients get them base64-encoded).
    pub fn new(client_id: impl Into<String>, key: impl Into<Vec<u8>>) -> Self {
        BioIdConfig {
            client_id: client_id.into(),
            key: key.into(),
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The key as the BWS portal shows it: standard base64.
    pub fn client_key_base64(&self) -> String {
        biometric_core::base64::encode(&self.key)
    }
}

impl Default for BioIdConfig {
    /// `sim-client` with the key `sim-secret-key-please-change`.
    fn default() -> Self {
        BioIdConfig::new("sim-client", b"sim-secret-key-please-change".to_vec())
    }
}

impl std::fmt::Debug for BioIdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BioIdConfig")
            .field("client_id", &self.client_id)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// A stored template.
struct Template {
    person: String,
    tags: BTreeSet<String>,
    thumbnails: Vec<Vec<u8>>,
    enrolled: String,
}

#[derive(Default)]
struct Store {
    templates: BTreeMap<u64, Template>,
    faults: VecDeque<Fault>,
    jobs: u64,
}

/// The fake service and its state. Clones share the state.
#[derive(Clone)]
pub struct BioIdSim {
    config: Arc<BioIdConfig>,
    store: Arc<Mutex<Store>>,
}

impl std::fmt::Debug for BioIdSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BioIdSim")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl BioIdSim {
    /// A fake with no templates.
    pub fn new(config: BioIdConfig) -> Self {
        BioIdSim {
            config: Arc::new(config),
            store: Arc::default(),
        }
    }

    /// Serves the fake on a free loopback port.
    pub async fn start(&self) -> std::io::Result<Running> {
        serve(self.router(), loopback()).await
    }

    /// The fake's routes, to serve or to merge into a bigger router.
    pub fn router(&self) -> Router {
        let api = Router::new()
            .route("/api/face/v1/enroll/{class_id}", post(enroll))
            .route("/api/face/v1/verify/{class_id}", post(verify))
            .route("/api/face/v1/search", post(search))
            .route("/api/face/v1/template/{class_id}/tags", put(set_tags))
            .route(
                "/api/face/v1/template/status/{class_id}",
                get(template_status_handler),
            )
            .route("/api/face/v1/template/{class_id}", delete(delete_template))
            .route("/api/face/v1/classcount", get(class_count))
            .route("/api/v1/livenessdetection", post(liveness))
            .route("/api/v1/photoverify", post(photo_verify))
            .route("/api/v1/videolivenessdetection", post(video_liveness))
            .route_layer(middleware::from_fn_with_state(self.clone(), guard));
        Router::new()
            .route("/livez", get(|| async { "Healthy" }))
            .route("/readyz", get(|| async { "Healthy" }))
            .merge(api)
            // BWS accepts requests up to 50 MB.
            .layer(axum::extract::DefaultBodyLimit::max(50 * 1000 * 1000))
            .with_state(self.clone())
    }

    /// The next `count` API calls answer HTTP `status` (the same call on every simulator):
    /// 503, the transient failure BWS documents, 408 and 500 with their documented meanings,
    /// any other status with a short text.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code: a mistake in the test.
    pub fn fail_next(&self, status: u16, count: usize) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        let fault = match status {
            StatusCode::SERVICE_UNAVAILABLE => Fault::Unavailable,
            StatusCode::REQUEST_TIMEOUT => Fault::RequestTimeout,
            StatusCode::INTERNAL_SERVER_ERROR => Fault::ServerError,
            other => Fault::Status(other),
        };
        let mut store = self.store();
        for _ in 0..count {
            store.faults.push_back(fault.clone());
        }
    }

    /// Queues `fault` for the next API call (faults are answered in the order queued).
    pub fn inject(&self, fault: Fault) {
        self.store().faults.push_back(fault);
    }

    /// How many injected faults are still queued.
    pub fn pending_faults(&self) -> usize {
        self.store().faults.len()
    }

    /// A queued job fault (`FAULTED`, `CANCELLED`; `NoFeatureVectors` too when `enrolling`),
    /// taken from the front of the queue.
    fn job_fault(&self, enrolling: bool) -> Option<Fault> {
        let mut store = self.store();
        let front = store.faults.front()?;
        let take = match front {
            Fault::JobFaulted | Fault::JobCancelled => true,
            Fault::NoFeatureVectors => enrolling,
            _ => false,
        };
        if take { store.faults.pop_front() } else { None }
    }

    /// How many templates are stored.
    pub fn template_count(&self) -> usize {
        self.store().templates.len()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock would be a bug in this fake; keep serving anyway.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic images

/// A live selfie of `person` ([`Person::face`](crate::person::Person::face)).
pub fn face_image(person: &str) -> Vec<u8> {
    Person::new(person).face()
}

/// A photo of `person` (an ID card picture): one face, not live
/// ([`Person::photo`](crate::person::Person::photo)).
pub fn photo_of(person: &str) -> Vec<u8> {
    Person::new(person).photo()
}

/// A live image of `person` after moving in `direction` (`right`, `left`, `up`, `down`).
pub fn moved_face_image(person: &str, direction: &str) -> Vec<u8> {
    Person::new(person).moved_face(direction)
}

pub use crate::person::image_without_face;

/// The thumbnail the fake stores for an enrolled face of `person`: an 8x8 grayscale PNG (a
/// valid file: signature, IHDR, a `tEXt` chunk `Comment` = `FACE=<person>;`, IDAT with an
/// uncompressed deflate block, IEND).
pub fn png_thumbnail(person: &str) -> Vec<u8> {
    const SIZE: u32 = 8;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(format!("FACE={person};").as_bytes());
    png_chunk(&mut png, b"tEXt", &text);
    // Each row: filter byte 0, then the pixels (a gradient).
    let raw: Vec<u8> = (0..SIZE)
        .flat_map(|y| std::iter::once(0).chain((0..SIZE).map(move |x| ((x + y) * 16) as u8)))
        .collect();
    let mut zlib = vec![0x78, 0x01, 0x01]; // zlib header, one final stored block
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

fn png_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// The body of a job that ended `FAULTED` or `CANCELLED` (HTTP 200; the error codes and
/// messages are this fake's own, none is documented).
fn failed_job(fault: &Fault) -> Response {
    let (status, code, message) = match fault {
        Fault::JobCancelled => (
            "CANCELLED",
            "JobCancelled",
            "The job was cancelled (injected).",
        ),
        _ => ("FAULTED", "JobFaulted", "The job faulted (injected)."),
    };
    axum::Json(json!({"status": status, "errors": [{"errorCode": code, "message": message}]}))
        .into_response()
}

/// The people on an image, one entry a face.
fn faces(image: &[u8]) -> Vec<String> {
    markers(image, "FACE=")
}

fn is_live(image: &[u8]) -> bool {
    image.windows(5).any(|w| w == b"LIVE;")
}

fn movement(image: &[u8]) -> Option<String> {
    markers(image, "MOVE=").into_iter().next()
}

/// The one person on an image, if it shows exactly one face.
fn single_face(image: &[u8]) -> Option<String> {
    let mut people = faces(image);
    (people.len() == 1).then(|| people.remove(0))
}

fn image_properties(image: &[u8]) -> Value {
    let people = faces(image);
    let live = if is_live(image) { 0.92 } else { 0.08 };
    let face_list: Vec<Value> = people
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let offset = 200.0 * i as f64;
            json!({
                "leftEye": {"x": 140.0 + offset, "y": 160.0},
                "rightEye": {"x": 220.0 + offset, "y": 160.0},
                "textureLivenessScore": live,
                "motionLivenessScore": live,
                "movementDirection": 0.0
            })
        })
        .collect();
    let found = if people.is_empty() { 0.0 } else { 1.0 };
    let single = if people.len() == 1 { 1.0 } else { 0.0 };
    json!({
        "rotated": 0,
        "faces": face_list,
        "qualityScore": if people.len() == 1 { 0.9 } else { 0.0 },
        "qualityAssessments": [
            {"check": "FaceFound", "score": found, "message": if found > 0.0 { "A face was found." } else { "No face found." }},
            {"check": "SingleFaceOnImage", "score": single, "message": if single > 0.0 { "Exactly one face." } else { "Not exactly one face." }}
        ],
        "frameNumber": 0
    })
}

// ---------------------------------------------------------------------------------------------
// Plumbing: auth, failures, documented headers, errors

async fn guard(State(sim): State<BioIdSim>, request: Request, next: Next) -> Response {
    let http_fault = {
        let mut store = sim.store();
        match store.faults.front().and_then(Fault::status) {
            Some(_) => store.faults.pop_front(),
            None => None,
        }
    };
    if let Some(fault) = http_fault {
        return match fault {
            Fault::BadRequestWithStringCode => (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({"code": "InvalidArgument", "message": "injected invalid argument"}),
                ),
            )
                .into_response(),
            Fault::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request cancelled by the client",
            )
                .into_response(),
            Fault::ServerError => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
            }
            Fault::Status(status) => (status, "injected failure").into_response(),
            _ => (
                StatusCode::SERVICE_UNAVAILABLE,
                "service temporarily unavailable",
            )
                .into_response(),
        };
    }
    if !authorized(&sim.config, request.headers()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let has_body = matches!(
        *request.method(),
        axum::http::Method::POST | axum::http::Method::PUT
    );
    let is_json = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if has_body && !is_json {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            axum::Json(json!({"code": 3, "message": "Content-Type must be application/json"})),
        )
            .into_response();
    }
    let reference = request.headers().get("reference-number").cloned();
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let job = {
            let mut store = sim.store();
            store.jobs += 1;
            store.jobs
        };
        let headers = response.headers_mut();
        let job_id = format!("00000000-0000-4000-8000-{job:012}");
        headers.insert("jobid", HeaderValue::from_str(&job_id).expect("ASCII"));
        headers.insert("bws-version", HeaderValue::from_static(BWS_VERSION));
        let date = chrono::Utc::now()
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        headers.insert("date", HeaderValue::from_str(&date).expect("ASCII"));
        if let Some(reference) = reference {
            headers.insert("reference-number", reference);
        }
    }
    response
}

fn authorized(config: &BioIdConfig, headers: &HeaderMap) -> bool {
    /// Every claim BioID's samples set is required.
    #[derive(serde::Deserialize)]
    struct Claims {
        sub: String,
        iss: String,
        iat: i64,
        #[allow(dead_code)]
        nbf: i64,
        exp: i64,
    }
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return false;
    };
    if !matches!(
        header.alg,
        jsonwebtoken::Algorithm::HS512 | jsonwebtoken::Algorithm::HS256
    ) {
        return false;
    }
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&["BWS"]);
    validation.set_required_spec_claims(&["exp", "nbf", "aud", "sub", "iss"]);
    validation.validate_nbf = true;
    let key = jsonwebtoken::DecodingKey::from_secret(&config.key);
    match jsonwebtoken::decode::<Claims>(token, &key, &validation) {
        Ok(data) => {
            let claims = data.claims;
            claims.sub == config.client_id
                && claims.iss == config.client_id
                && claims.exp - claims.iat <= MAX_TOKEN_LIFETIME_SECS
                && claims.iat <= chrono::Utc::now().timestamp() + 60
        }
        Err(_) => false,
    }
}

/// An error answer: a status and a gRPC-style `{code, message}` body.
struct Reject {
    status: StatusCode,
    code: u8,
    message: String,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "message": self.message});
        (self.status, axum::Json(body)).into_response()
    }
}

/// The gRPC status INVALID_ARGUMENT (3), as BWS answers a bad argument with HTTP 400.
fn bad_request(message: impl Into<String>) -> Reject {
    Reject {
        status: StatusCode::BAD_REQUEST,
        code: 3,
        message: message.into(),
    }
}

/// The gRPC status NOT_FOUND (5).
fn no_template(class_id: u64) -> Reject {
    let message = format!("no template for class {class_id}");
    Reject {
        status: StatusCode::NOT_FOUND,
        code: 5,
        message,
    }
}

fn parse_json(body: &Bytes) -> Result<Value, Reject> {
    serde_json::from_slice(body).map_err(|e| bad_request(format!("invalid JSON: {e}")))
}

fn parse_class(raw: &str) -> Result<u64, Reject> {
    match raw.parse::<u64>() {
        Ok(id) if id > 0 && id <= i64::MAX as u64 => Ok(id),
        _ => Err(bad_request("classId must be a positive 64-bit number")),
    }
}

/// The JSON type a documented key must have.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Bool,
    Array,
    StrArray,
}

impl Kind {
    fn accepts(self, value: &Value) -> bool {
        match self {
            Kind::Str => value.is_string(),
            Kind::Bool => value.is_boolean(),
            Kind::Array => value.is_array(),
            Kind::StrArray => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::Bool => "a boolean",
            Kind::Array => "an array",
            Kind::StrArray => "an array of strings",
        }
    }
}

/// `value` must be an object with only the documented keys (camelCase, case-sensitive), each of
/// its documented type.
fn documented(value: &Value, what: &str, keys: &[(&str, Kind)]) -> Result<(), Reject> {
    let fields = value
        .as_object()
        .ok_or_else(|| bad_request(format!("{what} must be a JSON object")))?;
    for (key, value) in fields {
        let Some((_, kind)) = keys.iter().find(|(k, _)| k == key) else {
            return Err(bad_request(format!("{what}: unknown field `{key}`")));
        };
        if !kind.accepts(value) {
            return Err(bad_request(format!(
                "{what}: `{key}` must be {}",
                kind.name()
            )));
        }
    }
    Ok(())
}

/// An image's bytes and its tags.
type TaggedImage = (Vec<u8>, Vec<String>);

/// `{"image": base64, "tags"?: [...]}` into bytes and tags.
fn image_data(value: &Value) -> Result<TaggedImage, Reject> {
    documented(
        value,
        "ImageData",
        &[("image", Kind::Str), ("tags", Kind::StrArray)],
    )?;
    let image = value
        .get("image")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_request("image is required"))?;
    let bytes = decode_base64(image)?;
    Ok((bytes, strings(value, "tags")))
}

/// The strings of the array `value[key]` (none when absent).
fn strings<C: FromIterator<String>>(value: &Value, key: &str) -> C {
    let items = value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    items
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn decode_base64(text: &str) -> Result<Vec<u8>, Reject> {
    biometric_core::base64::decode(text).map_err(|_| bad_request("image is not valid base64"))
}

fn template_status(class_id: u64, template: &Template, thumbnails: bool) -> Value {
    let mut status = json!({
        "classId": class_id,
        "available": true,
        "enrolled": template.enrolled,
        "tags": template.tags,
        "encoderVersion": 5,
        "featureVectors": template.thumbnails.len(),
        "thumbnailsStored": template.thumbnails.len(),
        "thumbnails": []
    });
    if thumbnails {
        // Documented as base64 PNG: the stored thumbnails are PNG files.
        status["thumbnails"] = template
            .thumbnails
            .iter()
            .map(|t| json!({"enrolled": template.enrolled, "image": biometric_core::base64::encode(t)}))
            .collect();
    }
    status
}

// ---------------------------------------------------------------------------------------------
// Handlers

async fn enroll(
    State(sim): State<BioIdSim>,
    Path(class_id): Path<String>,
    body: Bytes,
) -> Result<Response, Reject> {
    let class_id = parse_class(&class_id)?;
    let body = parse_json(&body)?;
    let items = body
        .as_array()
        .ok_or_else(|| bad_request("the body must be an array of images"))?;
    let images = items
        .iter()
        .map(image_data)
        .collect::<Result<Vec<_>, _>>()?;
    let mut properties: Vec<Value> = images
        .iter()
        .map(|(bytes, _)| image_properties(bytes))
        .collect();
    match sim.job_fault(true) {
        Some(Fault::NoFeatureVectors) => {
            for property in &mut properties {
                property["qualityAssessments"]
                    .as_array_mut()
                    .expect("an array")
                    .push(json!({"check": "FaceFeaturesAvailable", "score": 0.0, "message": "No face features could be extracted (injected)."}));
            }
            return Ok(axum::Json(json!({
                "status": "SUCCEEDED",
                "errors": [{"errorCode": "NoFeatureVectors", "message": "No feature vectors could be extracted (injected)."}],
                "imageProperties": properties,
                "performedAction": "ENROLLMENT_FAILED",
                "enrolledImages": 0
            }))
            .into_response());
        }
        Some(fault) => return Ok(failed_job(&fault)),
        None => {}
    }
    let suitable: Vec<(&Vec<u8>, String, &Vec<String>)> = images
        .iter()
        .filter_map(|(bytes, tags)| single_face(bytes).map(|person| (bytes, person, tags)))
        .collect();

    let mut store = sim.store();
    if !images.is_empty() && suitable.is_empty() {
        return Ok(axum::Json(json!({
                "status": "SUCCEEDED",
                "errors": [{"errorCode": "NoSuitableFaceImage", "message": "No suitable face image was found on any of the images."}],
                "imageProperties": properties,
                "performedAction": "ENROLLMENT_FAILED",
                "enrolledImages": 0
            }))
            .into_response());
    }
    let action = match (store.templates.contains_key(&class_id), suitable.is_empty()) {
        (_, true) => "NONE",
        (true, false) => "TEMPLATE_UPDATED",
        (false, false) => "NEW_TEMPLATE_CREATED",
    };
    if let Some((_, person, _)) = suitable.first() {
        let enrolled = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let template = store.templates.entry(class_id).or_insert_with(|| Template {
            person: person.clone(),
            tags: BTreeSet::new(),
            thumbnails: Vec::new(),
            enrolled: enrolled.clone(),
        });
        template.enrolled = enrolled;
        for (_, person, tags) in &suitable {
            template.thumbnails.push(png_thumbnail(person));
            template.tags.extend(tags.iter().cloned());
        }
    }
    let status = store
        .templates
        .get(&class_id)
        .map(|t| template_status(class_id, t, false))
        .unwrap_or_else(|| json!({"classId": class_id, "available": false}));
    Ok(axum::Json(json!({
        "status": "SUCCEEDED",
        "errors": [],
        "imageProperties": properties,
        "performedAction": action,
        "enrolledImages": suitable.len(),
        "templateStatus": status
    }))
    .into_response())
}

async fn verify(
    State(sim): State<BioIdSim>,
    Path(class_id): Path<String>,
    body: Bytes,
) -> Result<Response, Reject> {
    let class_id = parse_class(&class_id)?;
    let (image, _) = image_data(&parse_json(&body)?)?;
    if let Some(fault) = sim.job_fault(false) {
        return Ok(failed_job(&fault));
    }
    let store = sim.store();
    let template = store
        .templates
        .get(&class_id)
        .ok_or_else(|| no_template(class_id))?;
    let (verified, score, errors) = match single_face(&image) {
        Some(person) if person == template.person => (true, 0.95, json!([])),
        Some(_) => (false, 0.05, json!([])),
        None => (
            false,
            0.0,
            json!([{"errorCode": "NoSuitableFaceImage", "message": "No single face on the image."}]),
        ),
    };
    Ok(axum::Json(json!({
        "status": "SUCCEEDED",
        "errors": errors,
        "imageProperties": image_properties(&image),
        "verified": verified,
        "score": score
    }))
    .into_response())
}

async fn search(State(sim): State<BioIdSim>, body: Bytes) -> Result<Response, Reject> {
    let body = parse_json(&body)?;
    documented(
        &body,
        "search",
        &[
            ("images", Kind::Array),
            ("tags", Kind::StrArray),
            ("topMatches", Kind::Bool),
        ],
    )?;
    let images = body
        .get("images")
        .and_then(Value::as_array)
        .filter(|images| !images.is_empty())
        .ok_or_else(|| bad_request("at least one image is required"))?
        .iter()
        .map(image_data)
        .collect::<Result<Vec<_>, _>>()?;
    let tags: BTreeSet<String> = strings(&body, "tags");
    let top = body
        .get("topMatches")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(fault) = sim.job_fault(false) {
        return Ok(failed_job(&fault));
    }
    let store = sim.store();
    let result: Vec<Value> = images
        .iter()
        .map(|(image, _)| {
            let person = single_face(image);
            let mut matches: Vec<Value> = store
                .templates
                .iter()
                .filter(|(_, t)| tags.is_subset(&t.tags) && Some(&t.person) == person.as_ref())
                .map(|(id, _)| json!({"classId": id, "score": 0.95}))
                .collect();
            if top {
                matches.truncate(1);
            }
            json!({"matches": matches})
        })
        .collect();
    let properties: Vec<Value> = images
        .iter()
        .map(|(image, _)| image_properties(image))
        .collect();
    Ok(axum::Json(json!({"status": "SUCCEEDED", "errors": [], "imageProperties": properties, "result": result}))
            .into_response())
}

async fn set_tags(
    State(sim): State<BioIdSim>,
    Path(class_id): Path<String>,
    body: Bytes,
) -> Result<Response, Reject> {
    let class_id = parse_class(&class_id)?;
    let tags: Vec<String> = serde_json::from_slice(&body)
        .map_err(|_| bad_request("the body must be an array of strings"))?;
    let mut store = sim.store();
    let template = store
        .templates
        .get_mut(&class_id)
        .ok_or_else(|| no_template(class_id))?;
    template.tags = tags.into_iter().collect();
    Ok(StatusCode::OK.into_response())
}

async fn template_status_handler(
    State(sim): State<BioIdSim>,
    Path(class_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Reject> {
    let class_id = parse_class(&class_id)?;
    let thumbnails = query_values(query.as_deref(), "downloadThumbnails")
        .iter()
        .any(|v| v == "true");
    let store = sim.store();
    let template = store
        .templates
        .get(&class_id)
        .ok_or_else(|| no_template(class_id))?;
    Ok(axum::Json(template_status(class_id, template, thumbnails)).into_response())
}

async fn delete_template(
    State(sim): State<BioIdSim>,
    Path(class_id): Path<String>,
) -> Result<Response, Reject> {
    let class_id = parse_class(&class_id)?;
    match sim.store().templates.remove(&class_id) {
        Some(_) => Ok(StatusCode::OK.into_response()),
        None => Err(no_template(class_id)),
    }
}

async fn class_count(State(sim): State<BioIdSim>, RawQuery(query): RawQuery) -> Response {
    let tags: BTreeSet<String> = query_values(query.as_deref(), "tags").into_iter().collect();
    let count = sim
        .store()
        .templates
        .values()
        .filter(|t| tags.is_subset(&t.tags))
        .count();
    axum::Json(json!({"numberOfClasses": count})).into_response()
}

fn query_values(query: Option<&str>, name: &str) -> Vec<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// Liveness of one image (passive), two (active), or two with a direction tag on the second.
fn judge_liveness(images: &[TaggedImage]) -> bool {
    let all_live = images
        .iter()
        .all(|(image, _)| is_live(image) && single_face(image).is_some());
    match images {
        [_] => all_live,
        [(first, _), (second, tags)] => {
            let moved = first != second;
            let challenge_met = match tags.first() {
                Some(direction) => movement(second).as_deref() == Some(direction.as_str()),
                None => true,
            };
            all_live && moved && challenge_met
        }
        _ => false,
    }
}

fn live_images(body: &Value) -> Result<Vec<TaggedImage>, Reject> {
    let images = body
        .get("liveImages")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_request("liveImages is required"))?
        .iter()
        .map(image_data)
        .collect::<Result<Vec<_>, _>>()?;
    if !(1..=2).contains(&images.len()) {
        return Err(bad_request("liveImages must hold one or two images"));
    }
    if !images[0].1.is_empty() {
        return Err(bad_request(
            "tags are only allowed on the second live image",
        ));
    }
    Ok(images)
}

async fn liveness(State(sim): State<BioIdSim>, body: Bytes) -> Result<Response, Reject> {
    let body = parse_json(&body)?;
    documented(&body, "livenessdetection", &[("liveImages", Kind::Array)])?;
    let images = live_images(&body)?;
    if let Some(fault) = sim.job_fault(false) {
        return Ok(failed_job(&fault));
    }
    let live = judge_liveness(&images);
    let properties: Vec<Value> = images
        .iter()
        .map(|(image, _)| image_properties(image))
        .collect();
    Ok(axum::Json(json!({
        "status": "SUCCEEDED",
        "errors": [],
        "imageProperties": properties,
        "live": live,
        "livenessScore": if live { 0.92 } else { 0.08 }
    }))
    .into_response())
}

async fn photo_verify(State(sim): State<BioIdSim>, body: Bytes) -> Result<Response, Reject> {
    let body = parse_json(&body)?;
    documented(
        &body,
        "photoverify",
        &[
            ("liveImages", Kind::Array),
            ("photo", Kind::Str),
            ("disableLivenessDetection", Kind::Bool),
        ],
    )?;
    let images = live_images(&body)?;
    if let Some(fault) = sim.job_fault(false) {
        return Ok(failed_job(&fault));
    }
    let photo = decode_base64(
        body.get("photo")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_request("photo is required"))?,
    )?;
    let skip_liveness = body
        .get("disableLivenessDetection")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let same = match (single_face(&photo), single_face(&images[0].0)) {
        (Some(on_photo), Some(live)) => on_photo == live,
        _ => false,
    };
    let live = !skip_liveness && judge_liveness(&images);
    let properties: Vec<Value> = images
        .iter()
        .map(|(image, _)| image_properties(image))
        .collect();
    Ok(axum::Json(json!({
        "status": "SUCCEEDED",
        "errors": [],
        "imageProperties": properties,
        "photoProperties": image_properties(&photo),
        "verificationLevel": if same { "LEVEL_5" } else { "NOT_RECOGNIZED" },
        "verificationScore": if same { 0.99 } else { 0.05 },
        "live": live,
        "livenessScore": if live { 0.92 } else { 0.0 }
    }))
    .into_response())
}

async fn video_liveness(State(sim): State<BioIdSim>, body: Bytes) -> Result<Response, Reject> {
    let body = parse_json(&body)?;
    documented(&body, "videolivenessdetection", &[("video", Kind::Str)])?;
    if let Some(fault) = sim.job_fault(false) {
        return Ok(failed_job(&fault));
    }
    let video = decode_base64(
        body.get("video")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_request("video is required"))?,
    )?;
    let live = is_live(&video) && !faces(&video).is_empty();
    Ok(axum::Json(json!({
        "status": "SUCCEEDED",
        "errors": [],
        "imageProperties": [],
        "live": live,
        "livenessScore": if live { 0.9 } else { 0.1 }
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_follow_the_documented_rule() {
        assert_eq!(faces(&face_image("ana")), ["ana"]);
        assert!(is_live(&face_image("ana")));
        assert!(!is_live(&photo_of("ana")));
        assert_eq!(
            movement(&moved_face_image("ana", "left")).as_deref(),
            Some("left")
        );
        assert!(faces(&image_without_face()).is_empty());
        assert_eq!(&face_image("ana")[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    }

    #[test]
    fn png_checksums_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082, "the CRC every PNG ends with");
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let png = png_thumbnail("ana");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(
            &png[png.len() - 8..],
            &[b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]
        );
        assert_eq!(faces(&png), ["ana"]);
    }
}
