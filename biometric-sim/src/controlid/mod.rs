//! A fake Control iD terminal, written from `remote-enroll.txt` and Control iD's notes.
//!
//! What it does:
//! - `login.fcgi` with the configured login and password gives a session (expiring after
//!   [`ControlIdConfig::session_ttl`], or at once with [`ControlIdSim::expire_sessions`]); every
//!   other command needs `?session=` (401 otherwise). `logout.fcgi`, `session_is_valid.fcgi`.
//! - Users through `create_objects`, `load_objects` (with `where`, `limit`, `offset`),
//!   `modify_objects`, `destroy_objects` on the `users` table.
//! - `remote_enroll.fcgi` for `face`, `biometry` and `card`. Synchronous calls answer after
//!   [`ControlIdConfig::capture_delay`] (the person at the device) with synthetic data: a JPEG
//!   face, three raw 8-bit grayscale fingerprints of `width * height` bytes, a card value of
//!   `12 * 2^32 + 30000 + user_id`. Asynchronous calls answer `{}` at once and, after the delay,
//!   send the result to your server (see "Asynchronous results"). Saving needs an existing user.
//!   [`ControlIdSim::face_exists_as`] makes the next face enrollment fail with `FACE_EXISTS`.
//! - `cancel_remote_enroll.fcgi` ends a capture in progress: a synchronous call then answers
//!   `{"success": false, "error": CANCEL_REASON, ...}`. **[`CANCEL_REASON`] (`"Canceled"`) is
//!   this fake's own text**: the documentation says a failure "contains the element error" but
//!   names no reason for a cancelled enrollment.
//! - Photos: `user_set_image` (a JPEG under 1 MB, else `{"success": false, "errors": [...]}`),
//!   `user_get_image`, `user_destroy_image`, `user_list_images`.
//! - `set_configuration` / `get_configuration` for the `monitor` section (values as strings).
//!
//! # Asynchronous results
//!
//! Only a not-saved result is sent ("If save is false, the object will be sent to the
//! registered server"; a saved face "does not generate image data return to the remote
//! server"): with `save: true` nothing is posted. With `save: false`, when a monitor is
//! configured, in this order:
//! 1. in an online mode ([`ControlIdConfig::online_mode`], on by default), the `*.fcgi` callback
//!    to `http://<hostname>:<port>/`: `card_create.fcgi`, `face_create.fcgi` (`face` as one
//!    object), `fingerprint_create.fcgi`, or with [`ControlIdConfig::extract_templates`]
//!    `template_create.fcgi` (binary body, sizes in the query). The documentation posts these
//!    to "the server configured on the device"; this fake uses the monitor's host and port;
//! 2. the monitor notification to `http://<hostname>:<port>/<path>/<name>`: `user_image`,
//!    `template` or `card`. **Its payload shape is not documented**; this fake sends the
//!    synchronous answer's fields without `success` (`user_id`, `device_id` and `user_image`,
//!    `finger_type` + `fingerprints`, or `card_value`).
//!
//! Each post is sent once (the documentation describes no resend); every asynchronous result
//! and the status each post got is recorded: [`ControlIdSim::async_results`].
//!
//! # Strictness
//!
//! It refuses, with HTTP 400 `{"error": "<reason>"}` (the status and texts are this fake's:
//! the documentation gives no error answer for a malformed command), what the documentation
//! rules out:
//! - a JSON command whose body is not sent as `Content-Type: application/json` (HTTP 415);
//! - an unknown key, in particular `message` in `remote_enroll.fcgi` (the field list's name is
//!   `msg`; the example that sends `message` contradicts it);
//! - a wrong JSON type: `type`, `msg`, `registration` strings; `user_id`, `countdown`
//!   integers; `save`, `sync`, `auto` booleans (`"true"` is a string, refused); `panic_finger`
//!   0 or 1; monitor values strings and only the documented monitor keys.
//!
//! Every accepted `remote_enroll.fcgi` body is recorded ([`ControlIdSim::enroll_requests`]),
//! for what it cannot judge (the on-screen text, a `countdown` without `auto`...).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use biometric_core::{Body, Engine, Method, Operation, RetryPolicy, decode_raw};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use crate::server::{Running, loopback, serve};

mod events;

pub use events::DeviceEvent;

/// The fake device's settings.
#[derive(Clone)]
pub struct ControlIdConfig {
    login: String,
    password: String,
    device_id: i64,
    session_ttl: Duration,
    capture_delay: Duration,
    online_mode: bool,
    extract_templates: bool,
}

impl ControlIdConfig {
    /// A device whose web login is `login` / `password`.
    pub fn new(login: impl Into<String>, password: impl Into<String>) -> Self {
        ControlIdConfig {
            login: login.into(),
            password: password.into(),
            device_id: 935107,
            session_ttl: Duration::from_secs(600),
            capture_delay: Duration::from_millis(150),
            online_mode: true,
            extract_templates: false,
        }
    }

    /// Whether the device is in an online mode, so asynchronous results also go to the
    /// `*_create.fcgi` callbacks (on by default). Off: only the monitor notifications.
    pub fn online_mode(mut self, online: bool) -> Self {
        self.online_mode = online;
        self
    }

    /// Whether the device extracts fingerprint templates, so an asynchronous fingerprint
    /// result goes to `template_create.fcgi` instead of `fingerprint_create.fcgi` (off by
    /// default).
    pub fn extract_templates(mut self, extract: bool) -> Self {
        self.extract_templates = extract;
        self
    }

    /// How long a session lasts (10 minutes by default).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }

    /// How long "the person at the device" takes (150 ms by default).
    pub fn capture_delay(mut self, delay: Duration) -> Self {
        self.capture_delay = delay;
        self
    }

    /// The login.
    pub fn login(&self) -> &str {
        &self.login
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The device id it reports.
    pub fn device_id(&self) -> i64 {
        self.device_id
    }

    /// The device id it reports (default 935107; deployed devices have ids beyond 32 bits,
    /// such as 4408801109264246).
    pub fn with_device_id(mut self, device_id: i64) -> Self {
        self.device_id = device_id;
        self
    }
}

impl Default for ControlIdConfig {
    /// The factory default web login, `admin` / `admin`.
    fn default() -> Self {
        ControlIdConfig::new("admin", "admin")
    }
}

impl std::fmt::Debug for ControlIdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlIdConfig")
            .field("login", &self.login)
            .field("password", &"[REDACTED]")
            .field("session_ttl", &self.session_ttl)
            .field("capture_delay", &self.capture_delay)
            .finish()
    }
}

#[derive(Default)]
pub(crate) struct Device {
    sessions: BTreeMap<String, Instant>,
    session_counter: u64,
    users: BTreeMap<i64, Map<String, Value>>,
    next_user_id: i64,
    photos: BTreeMap<i64, Vec<u8>>,
    cards: BTreeMap<i64, u64>,
    fingerprints: BTreeMap<i64, usize>,
    pub(crate) monitor: Map<String, Value>,
    /// The last `access_logs` id raised.
    pub(crate) access_log_id: i64,
    /// Injected failures: the status and how many calls are left to answer with it.
    fail_next: Option<(StatusCode, usize)>,
    face_exists_as: Option<i64>,
    /// How many asynchronous results are still to be lost instead of posted.
    lose_results: usize,
    enroll_requests: Vec<Value>,
    async_results: Vec<AsyncResult>,
}

/// An asynchronous enrollment that finished, and what the fake sent for it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AsyncResult {
    /// `face`, `biometry` or `card`.
    pub kind: String,
    /// Whether it was saved on the device (then nothing is sent).
    pub save: bool,
    /// Each post, in order: the request path (with its query) and the HTTP status your server
    /// answered (`None` when it could not be reached).
    pub posts: Vec<(String, Option<u16>)>,
}

/// The fake device and its state. Clones share the state.
#[derive(Clone)]
pub struct ControlIdSim {
    config: Arc<ControlIdConfig>,
    device: Arc<Mutex<Device>>,
    cancel: Arc<Notify>,
    finished: Arc<Notify>,
}

impl std::fmt::Debug for ControlIdSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlIdSim")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ControlIdSim {
    /// A device with no users.
    pub fn new(config: ControlIdConfig) -> Self {
        let device = Device {
            next_user_id: 1,
            ..Device::default()
        };
        ControlIdSim {
            config: Arc::new(config),
            device: Arc::new(Mutex::new(device)),
            cancel: Arc::default(),
            finished: Arc::default(),
        }
    }

    /// Serves the fake on a free loopback port.
    pub async fn start(&self) -> std::io::Result<Running> {
        serve(self.router(), loopback()).await
    }

    /// The fake's routes.
    pub fn router(&self) -> Router {
        let post_routes = [
            (
                "/login.fcgi",
                post(login) as axum::routing::MethodRouter<ControlIdSim>,
            ),
            ("/logout.fcgi", post(logout)),
            ("/session_is_valid.fcgi", post(session_is_valid)),
            ("/create_objects.fcgi", post(create_objects)),
            ("/load_objects.fcgi", post(load_objects)),
            ("/modify_objects.fcgi", post(modify_objects)),
            ("/destroy_objects.fcgi", post(destroy_objects)),
            ("/remote_enroll.fcgi", post(remote_enroll)),
            ("/cancel_remote_enroll.fcgi", post(cancel_remote_enroll)),
            ("/user_set_image.fcgi", post(user_set_image)),
            ("/user_destroy_image.fcgi", post(user_destroy_image)),
            ("/user_list_images.fcgi", post(user_list_images)),
            ("/set_configuration.fcgi", post(set_configuration)),
            ("/get_configuration.fcgi", post(get_configuration)),
            ("/user_get_image.fcgi", get(user_get_image)),
        ];
        post_routes
            .into_iter()
            .fold(Router::new(), |router, (path, route)| {
                router.route(path, route)
            })
            .layer(axum::middleware::from_fn(json_commands_only))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                injected_failures,
            ))
            .layer(axum::extract::DefaultBodyLimit::max(2 * 1000 * 1000))
            .with_state(self.clone())
    }

    /// Every `remote_enroll.fcgi` body the fake accepted, in order.
    pub fn enroll_requests(&self) -> Vec<Value> {
        self.device().enroll_requests.clone()
    }

    /// The asynchronous enrollments finished so far, with what was posted for each.
    pub fn async_results(&self) -> Vec<AsyncResult> {
        self.device().async_results.clone()
    }

    /// Waits until `count` asynchronous enrollments have finished (their posts answered or
    /// failed), then returns them all. No timing: it wakes when the fake records one.
    pub async fn wait_for_async_results(&self, count: usize) -> Vec<AsyncResult> {
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            let results = self.async_results();
            if results.len() >= count {
                return results;
            }
            finished.await;
        }
    }

    /// The next `count` commands (login included) answer HTTP `status` with
    /// `{"error": "injected failure"}`, before anything else and without acting (the same call
    /// on every simulator).
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code: a mistake in the test.
    pub fn fail_next(&self, status: u16, count: usize) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        self.device().fail_next = Some((status, count));
    }

    /// Ends every session, as a device restart or a timeout would.
    pub fn expire_sessions(&self) {
        self.device().sessions.clear();
    }

    /// The next `count` asynchronous results are never posted (the device's post lost on the
    /// way): an application waiting for one sees its timeout. Recorded in
    /// [`async_results`](Self::async_results) with no post.
    pub fn lose_next_results(&self, count: usize) {
        self.device().lose_results = count;
    }

    /// The next face enrollment fails with `FACE_EXISTS`, matching `user_id`.
    pub fn face_exists_as(&self, user_id: i64) {
        self.device().face_exists_as = Some(user_id);
    }

    /// How many users are stored.
    pub fn user_count(&self) -> usize {
        self.device().users.len()
    }

    /// The card saved for `user_id`, if any.
    pub fn card_of(&self, user_id: i64) -> Option<u64> {
        self.device().cards.get(&user_id).copied()
    }

    /// Whether `user_id` has a photo.
    pub fn has_photo(&self, user_id: i64) -> bool {
        self.device().photos.contains_key(&user_id)
    }

    /// How many sessions were opened so far.
    pub fn logins(&self) -> u64 {
        self.device().session_counter
    }

    pub(crate) fn device(&self) -> MutexGuard<'_, Device> {
        self.device
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn session_ok(&self, query: Option<&str>) -> bool {
        let Some(session) = query_value(query, "session") else {
            return false;
        };
        let mut device = self.device();
        match device.sessions.get(&session) {
            Some(started) if started.elapsed() < self.config.session_ttl => true,
            Some(_) => {
                device.sessions.remove(&session);
                false
            }
            None => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic captures

/// The face the fake captures for `user_id`: a small JPEG stream.
pub fn synthetic_face(user_id: i64) -> Vec<u8> {
    let text = format!("controlid sim face of user {user_id}");
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xFE];
    jpeg.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(text.as_bytes());
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

/// Width and height of the fake's fingerprint images.
pub const FINGERPRINT_SIZE: (u32, u32) = (64, 48);

/// One raw 8-bit grayscale fingerprint image (ridges as a ring pattern), `width * height` bytes.
pub fn synthetic_fingerprint(step: u32) -> Vec<u8> {
    let (width, height) = FINGERPRINT_SIZE;
    (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .map(|(x, y)| {
            let dx = x as i64 - width as i64 / 2;
            let dy = y as i64 - height as i64 / 2 + step as i64;
            if ((dx * dx + dy * dy) / 12) % 2 == 0 {
                40
            } else {
                215
            }
        })
        .collect()
}

/// The card value the fake reads for `user_id`.
pub fn synthetic_card(user_id: i64) -> u64 {
    12 * (1u64 << 32) + 30_000 + user_id.unsigned_abs()
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// An error answer in the device's `{"error": "..."}` shape.
struct Reject {
    status: StatusCode,
    message: String,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({"error": self.message}))).into_response()
    }
}

fn error(status: StatusCode, message: &str) -> Reject {
    Reject {
        status,
        message: message.to_owned(),
    }
}

fn unauthorized() -> Reject {
    error(StatusCode::UNAUTHORIZED, "Invalid session")
}

fn ok(body: Value) -> Response {
    axum::Json(body).into_response()
}

fn parse(body: &Bytes) -> Result<Value, Reject> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|_| error(StatusCode::BAD_REQUEST, "Invalid JSON"))
}

/// The reason a cancelled synchronous enrollment answers with. Not from the documentation,
/// which names no reason for a cancel: this fake's own text.
pub const CANCEL_REASON: &str = "Canceled";

/// Refuses a JSON command whose body is not declared `application/json` (the notes: every
/// command is a UTF-8 JSON body with that content type, except the raw image upload). The 415
/// status is this fake's choice: the device's answer is not documented.
/// Answers an injected failure ([`ControlIdSim::fail_next`]) before anything else.
async fn injected_failures(
    State(sim): State<ControlIdSim>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let injected = {
        let mut device = sim.device();
        match device.fail_next.filter(|(_, left)| *left > 0) {
            Some((status, left)) => {
                device.fail_next = Some((status, left - 1));
                Some(status)
            }
            None => None,
        }
    };
    match injected {
        Some(status) => error(status, "injected failure").into_response(),
        None => next.run(request).await,
    }
}

async fn json_commands_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.uri().path() == "/user_set_image.fcgi"
        || request.method() != axum::http::Method::POST
    {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 2 * 1000 * 1000).await else {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let is_json = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if !bytes.is_empty() && !is_json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        )
        .into_response();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// The JSON type a documented key must have.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    Bool,
    Object,
    Array,
    /// An array or an object (a `where` filter, `order`).
    Any,
}

impl Kind {
    fn accepts(self, value: &Value) -> bool {
        match self {
            Kind::Str => value.is_string(),
            Kind::Int => value.is_i64() || value.is_u64(),
            Kind::Bool => value.is_boolean(),
            Kind::Object => value.is_object(),
            Kind::Array => value.is_array(),
            Kind::Any => true,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::Int => "an integer",
            Kind::Bool => "a boolean",
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::Any => "a value",
        }
    }
}

/// The body must be an object holding only the documented keys, each of its documented type.
fn documented<'a>(
    body: &'a Value,
    command: &str,
    keys: &[(&str, Kind)],
) -> Result<&'a Map<String, Value>, Reject> {
    let fields = body.as_object().ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("{command}: the body must be a JSON object"),
        )
    })?;
    for (key, value) in fields {
        let Some((_, kind)) = keys.iter().find(|(k, _)| k == key) else {
            let hint = if key == "message" && keys.iter().any(|(k, _)| *k == "msg") {
                " (the documented field is `msg`)"
            } else {
                ""
            };
            return Err(error(
                StatusCode::BAD_REQUEST,
                &format!("{command}: unknown parameter `{key}`{hint}"),
            ));
        };
        if !kind.accepts(value) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                &format!("{command}: `{key}` must be {}", kind.name()),
            ));
        }
    }
    Ok(fields)
}

/// The session check, then the JSON body.
fn authorized(sim: &ControlIdSim, query: &Option<String>, body: &Bytes) -> Result<Value, Reject> {
    if !sim.session_ok(query.as_deref()) {
        return Err(unauthorized());
    }
    parse(body)
}

fn users_only(body: &Value) -> Result<(), Reject> {
    match body.get("object").and_then(Value::as_str) {
        Some("users") => Ok(()),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "only the users table is simulated",
        )),
    }
}

/// The session check, the `users` table, and the id in `where` (modify and destroy).
fn user_by_id(
    sim: &ControlIdSim,
    query: &Option<String>,
    body: &Bytes,
    command: &str,
    keys: &[(&str, Kind)],
) -> Result<(i64, Value), Reject> {
    let body = authorized(sim, query, body)?;
    documented(&body, command, keys)?;
    users_only(&body)?;
    let id = where_id(&body)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "where.users.id is required"))?;
    Ok((id, body))
}

/// `{"users": {"id": n}}` (the filter nests under the table name).
fn where_id(body: &Value) -> Option<i64> {
    body.get("where")?.get("users")?.get("id")?.as_i64()
}

// ---------------------------------------------------------------------------------------------
// Session

async fn login(State(sim): State<ControlIdSim>, body: Bytes) -> Result<Response, Reject> {
    let body = parse(&body)?;
    documented(
        &body,
        "login",
        &[("login", Kind::Str), ("password", Kind::Str)],
    )?;
    let login = body.get("login").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    if login != Some(sim.config.login.as_str()) || password != Some(sim.config.password.as_str()) {
        return Err(error(StatusCode::UNAUTHORIZED, "Invalid user or password"));
    }
    let mut device = sim.device();
    device.session_counter += 1;
    let session = format!(
        "sim{:08x}{:04x}",
        device.session_counter * 2_654_435_761 % 0xFFFF_FFFF,
        device.session_counter
    );
    device.sessions.insert(session.clone(), Instant::now());
    Ok(ok(json!({"session": session})))
}

async fn logout(State(sim): State<ControlIdSim>, RawQuery(query): RawQuery) -> Response {
    if !sim.session_ok(query.as_deref()) {
        return unauthorized().into_response();
    }
    if let Some(session) = query_value(query.as_deref(), "session") {
        sim.device().sessions.remove(&session);
    }
    StatusCode::OK.into_response()
}

async fn session_is_valid(State(sim): State<ControlIdSim>, RawQuery(query): RawQuery) -> Response {
    ok(json!({"session_is_valid": sim.session_ok(query.as_deref())}))
}

// ---------------------------------------------------------------------------------------------
// Users (objects API)

async fn create_objects(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let body = authorized(&sim, &query, &body)?;
    documented(
        &body,
        "create_objects",
        &[("object", Kind::Str), ("values", Kind::Array)],
    )?;
    users_only(&body)?;
    let values = body
        .get("values")
        .and_then(Value::as_array)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "values is required"))?;
    let mut device = sim.device();
    let mut ids = Vec::new();
    for value in values {
        let mut user = value
            .as_object()
            .cloned()
            .ok_or_else(|| error(StatusCode::BAD_REQUEST, "each value must be an object"))?;
        if user
            .get("name")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(error(StatusCode::BAD_REQUEST, "name is required"));
        }
        let id = match user.get("id").and_then(Value::as_i64) {
            Some(id) if device.users.contains_key(&id) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "UNIQUE constraint failed: users.id",
                ));
            }
            Some(id) => id,
            None => device.next_user_id,
        };
        device.next_user_id = device.next_user_id.max(id + 1);
        user.insert("id".into(), json!(id));
        user.entry("registration").or_insert(json!(""));
        device.users.insert(id, user);
        ids.push(id);
    }
    Ok(ok(json!({"ids": ids})))
}

async fn load_objects(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let body = authorized(&sim, &query, &body)?;
    documented(
        &body,
        "load_objects",
        &[
            ("object", Kind::Str),
            ("fields", Kind::Array),
            ("limit", Kind::Int),
            ("offset", Kind::Int),
            ("order", Kind::Any),
            ("where", Kind::Object),
        ],
    )?;
    users_only(&body)?;
    let offset = body.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
    let limit = body
        .get("limit")
        .and_then(Value::as_u64)
        .map_or(usize::MAX, |l| l as usize);
    let filter = where_id(&body);
    let device = sim.device();
    let users: Vec<&Map<String, Value>> = device
        .users
        .iter()
        .filter(|(id, _)| filter.is_none_or(|wanted| wanted == **id))
        .map(|(_, user)| user)
        .skip(offset)
        .take(limit)
        .collect();
    Ok(ok(json!({"users": users})))
}

async fn modify_objects(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let (id, body) = user_by_id(
        &sim,
        &query,
        &body,
        "modify_objects",
        &[
            ("object", Kind::Str),
            ("values", Kind::Object),
            ("where", Kind::Object),
        ],
    )?;
    let values = body
        .get("values")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut device = sim.device();
    let changes = match device.users.get_mut(&id) {
        Some(user) => {
            user.extend(values.into_iter().filter(|(k, _)| k != "id"));
            1
        }
        None => 0,
    };
    Ok(ok(json!({"changes": changes})))
}

async fn destroy_objects(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let (id, _) = user_by_id(
        &sim,
        &query,
        &body,
        "destroy_objects",
        &[("object", Kind::Str), ("where", Kind::Object)],
    )?;
    let mut device = sim.device();
    let changes = usize::from(device.users.remove(&id).is_some());
    device.photos.remove(&id);
    device.cards.remove(&id);
    device.fingerprints.remove(&id);
    Ok(ok(json!({"changes": changes})))
}

// ---------------------------------------------------------------------------------------------
// Remote enrollment

/// A validated remote enrollment request.
struct Enrollment {
    kind: String,
    user_id: i64,
    save: bool,
    sync: bool,
    panic_finger: i64,
}

/// The parameters `remote-enroll.txt` lists, with their types.
const ENROLL_KEYS: [(&str, Kind); 9] = [
    ("type", Kind::Str),
    ("user_id", Kind::Int),
    ("save", Kind::Bool),
    ("panic_finger", Kind::Int),
    ("registration", Kind::Str),
    ("msg", Kind::Str),
    ("sync", Kind::Bool),
    ("auto", Kind::Bool),
    ("countdown", Kind::Int),
];

async fn remote_enroll(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let enrollment =
        match authorized(&sim, &query, &body).and_then(|body| read_enrollment(&sim, &body)) {
            Ok(enrollment) => enrollment,
            Err(reject) => return reject.into_response(),
        };
    if enrollment.sync {
        // The person at the device takes a moment; a cancel ends the wait.
        tokio::select! {
            _ = tokio::time::sleep(sim.config.capture_delay) => ok(capture(&sim, &enrollment)),
            _ = sim.cancel.notified() => ok(json!({
                "success": false,
                "error": CANCEL_REASON,
                "user_id": enrollment.user_id,
                "device_id": sim.config.device_id
            })),
        }
    } else {
        let sim = sim.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(sim.config.capture_delay) => {
                    let result = capture(&sim, &enrollment);
                    let lost = {
                        let mut device = sim.device();
                        let lost = device.lose_results > 0;
                        device.lose_results = device.lose_results.saturating_sub(1);
                        lost
                    };
                    let posts = if enrollment.save || lost {
                        // Documented: a saved enrollment sends no data to the server.
                        Vec::new()
                    } else {
                        post_result(&sim, &enrollment, result).await
                    };
                    sim.device().async_results.push(AsyncResult {
                        kind: enrollment.kind.clone(),
                        save: enrollment.save,
                        posts,
                    });
                    sim.finished.notify_waiters();
                }
                _ = sim.cancel.notified() => {}
            }
        });
        ok(json!({}))
    }
}

fn read_enrollment(sim: &ControlIdSim, body: &Value) -> Result<Enrollment, Reject> {
    let fields = documented(body, "remote_enroll", &ENROLL_KEYS)?;
    let kind = fields
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !matches!(kind, "face" | "biometry" | "card") {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "type must be card, face or biometry",
        ));
    }
    let panic_finger = fields
        .get("panic_finger")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if !matches!(panic_finger, 0 | 1) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "panic_finger must be 0 or 1",
        ));
    }
    if fields
        .get("countdown")
        .and_then(Value::as_i64)
        .is_some_and(|seconds| seconds < 1)
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "countdown must be a positive number of seconds",
        ));
    }
    let save = fields.get("save").and_then(Value::as_bool).unwrap_or(false);
    let user_id = fields.get("user_id").and_then(Value::as_i64);
    if save {
        let exists = user_id.is_some_and(|id| sim.device().users.contains_key(&id));
        if !exists {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "user_id must name an existing user when save is true",
            ));
        }
    }
    sim.device().enroll_requests.push(body.clone());
    Ok(Enrollment {
        kind: kind.to_owned(),
        user_id: user_id.unwrap_or(0),
        save,
        sync: fields.get("sync").and_then(Value::as_bool).unwrap_or(false),
        panic_finger,
    })
}

/// What the person did at the device, as the answer documents it (saved when asked).
fn capture(sim: &ControlIdSim, enrollment: &Enrollment) -> Value {
    let device_id = sim.config.device_id;
    let user_id = enrollment.user_id;
    let mut device = sim.device();
    match enrollment.kind.as_str() {
        "face" => {
            if let Some(existing) = device.face_exists_as.take() {
                return json!({"success": false, "error": "FACE_EXISTS", "match_user_id": existing, "user_id": user_id, "device_id": device_id});
            }
            let face = synthetic_face(user_id);
            if enrollment.save {
                device.photos.insert(user_id, face.clone());
            }
            json!({"success": true, "user_id": user_id, "device_id": device_id, "user_image": biometric_core::base64::encode(&face)})
        }
        "biometry" => {
            let (width, height) = FINGERPRINT_SIZE;
            let prints: Vec<Value> = (0..3)
                .map(|step| json!({"image": biometric_core::base64::encode(&synthetic_fingerprint(step)), "width": width, "height": height}))
                .collect();
            if enrollment.save {
                *device.fingerprints.entry(user_id).or_default() += 1;
            }
            json!({"success": true, "user_id": user_id, "device_id": device_id, "finger_type": enrollment.panic_finger, "fingerprints": prints})
        }
        _ => {
            let card = synthetic_card(user_id);
            if enrollment.save {
                device.cards.insert(user_id, card);
            }
            json!({"success": true, "user_id": user_id, "device_id": device_id, "card_value": card})
        }
    }
}

/// The synthetic fingerprint template the fake "extracts": not a real template format.
pub fn synthetic_template(user_id: i64) -> Vec<u8> {
    format!("controlid sim template of user {user_id}").into_bytes()
}

/// One post to your server.
pub(crate) struct Post {
    /// Appended to `http://hostname:port/` (the monitor's `path` included for notifications).
    pub(crate) base_path: String,
    pub(crate) endpoint: &'static str,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Body,
}

/// Sends a not-saved asynchronous result to your server, as the module docs describe, and
/// returns what each post got.
async fn post_result(
    sim: &ControlIdSim,
    enrollment: &Enrollment,
    result: Value,
) -> Vec<(String, Option<u16>)> {
    let (host, port, path) = {
        let device = sim.device();
        let text = |key: &str| {
            device
                .monitor
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        (text("hostname"), text("port"), text("path"))
    };
    let (Some(host), Some(port)) = (host, port) else {
        eprintln!(
            "biometric-sim (controlid): no monitor configured; the {} result is dropped",
            enrollment.kind
        );
        return Vec::new();
    };
    let mut fields = result.as_object().cloned().unwrap_or_default();
    fields.remove("success");
    let json_body =
        |value: &Value| Body::Json(serde_json::to_vec(value).unwrap_or_default().into());
    let mut posts = Vec::new();
    if sim.config.online_mode {
        let mut callback = fields.clone();
        let (endpoint, body, query) = match enrollment.kind.as_str() {
            "face" => {
                // The callback carries the picture under `face` (one object, as in the example).
                if let Some(image) = callback.remove("user_image") {
                    callback.insert(
                        "face".into(),
                        json!({"image": image, "width": 300, "height": 300}),
                    );
                }
                (
                    "face_create.fcgi",
                    json_body(&Value::Object(callback)),
                    Vec::new(),
                )
            }
            "biometry" if sim.config.extract_templates => {
                let template = synthetic_template(enrollment.user_id);
                let query = vec![
                    ("card_id", String::new()),
                    ("device_id", sim.config.device_id.to_string()),
                    ("finger_type", enrollment.panic_finger.to_string()),
                    ("size0", template.len().to_string()),
                    ("temp_num", "1".to_owned()),
                    ("user_id", enrollment.user_id.to_string()),
                ];
                (
                    "template_create.fcgi",
                    Body::bytes("application/octet-stream", template),
                    query,
                )
            }
            "biometry" => (
                "fingerprint_create.fcgi",
                json_body(&Value::Object(callback)),
                Vec::new(),
            ),
            _ => (
                "card_create.fcgi",
                json_body(&Value::Object(callback)),
                Vec::new(),
            ),
        };
        posts.push(Post {
            base_path: String::new(),
            endpoint,
            query,
            body,
        });
    }
    let name = match enrollment.kind.as_str() {
        "face" => "user_image",
        "biometry" => "template",
        _ => "card",
    };
    let prefix = path.unwrap_or_default();
    let prefix = prefix.trim_matches('/');
    posts.push(Post {
        base_path: if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        },
        endpoint: name,
        query: Vec::new(),
        body: json_body(&Value::Object(fields)),
    });
    let mut outcomes = Vec::new();
    for post in posts {
        outcomes.push(send_post(&host, &port, post).await);
    }
    outcomes
}

/// Posts once (no resend: none is documented) and reports the path and status.
pub(crate) async fn send_post(host: &str, port: &str, post: Post) -> (String, Option<u16>) {
    let mut shown = format!("/{}{}", post.base_path, post.endpoint);
    if !post.query.is_empty() {
        let query: Vec<String> = post.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        shown = format!("{shown}?{}", query.join("&"));
    }
    // The configured path lives in the base URL; the operation's path is a fixed name.
    let Ok(engine) = Engine::builder(format!("http://{host}:{port}/{}", post.base_path))
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
    else {
        eprintln!("biometric-sim (controlid): monitor address {host}:{port} is not usable");
        return (shown, None);
    };
    let op = post.query.into_iter().fold(
        Operation::with_decoder(
            "controlid_sim.callback",
            Method::POST,
            post.endpoint,
            decode_raw,
        )
        .unauthenticated()
        .body(post.body),
        |op, (name, value)| op.query(name, value),
    );
    let op = op
        .accept_status(StatusCode::BAD_REQUEST)
        .accept_status(StatusCode::INTERNAL_SERVER_ERROR);
    match engine.execute(op).await {
        Ok(raw) => (shown, Some(raw.status.as_u16())),
        Err(error) => {
            eprintln!("biometric-sim (controlid): posting {shown} failed: {error}");
            (shown, error.status().map(|s| s.as_u16()))
        }
    }
}

async fn cancel_remote_enroll(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    // "This request has no parameters": an empty body or `{}`.
    if let Err(reject) = authorized(&sim, &query, &body)
        .and_then(|body| documented(&body, "cancel_remote_enroll", &[]).map(drop))
    {
        return reject.into_response();
    }
    sim.cancel.notify_waiters();
    StatusCode::OK.into_response()
}

// ---------------------------------------------------------------------------------------------
// Photos

async fn user_set_image(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    if !sim.session_ok(query.as_deref()) {
        return unauthorized().into_response();
    }
    let Some(user_id) =
        query_value(query.as_deref(), "user_id").and_then(|v| v.parse::<i64>().ok())
    else {
        return error(StatusCode::BAD_REQUEST, "user_id is required").into_response();
    };
    let rejection = |code: i64, message: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"success": false, "errors": [{"code": code, "message": message}]})),
        )
            .into_response()
    };
    if body.len() >= 1_000_000 {
        return rejection(1, "Image too large");
    }
    if !body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return rejection(2, "Face not detected");
    }
    let mut device = sim.device();
    if !device.users.contains_key(&user_id) {
        return error(StatusCode::BAD_REQUEST, "user not found").into_response();
    }
    device.photos.insert(user_id, body.to_vec());
    ok(json!({"user_id": user_id, "success": true, "scores": {
        "bounds_width": 259, "horizontal_center_offset": 19, "vertical_center_offset": -26,
        "center_pose_quality": 1000, "sharpness_quality": 998
    }}))
}

async fn user_get_image(State(sim): State<ControlIdSim>, RawQuery(query): RawQuery) -> Response {
    if !sim.session_ok(query.as_deref()) {
        return unauthorized().into_response();
    }
    let user_id = query_value(query.as_deref(), "user_id")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    match sim.device().photos.get(&user_id) {
        Some(photo) => ([("content-type", "image/jpeg")], photo.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "user has no image").into_response(),
    }
}

async fn user_destroy_image(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let body = authorized(&sim, &query, &body)?;
    documented(&body, "user_destroy_image", &[("user_id", Kind::Int)])?;
    let user_id = body
        .get("user_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "user_id is required"))?;
    sim.device().photos.remove(&user_id);
    Ok(ok(json!({})))
}

async fn user_list_images(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    authorized(&sim, &query, &body)?;
    let ids: Vec<i64> = sim.device().photos.keys().copied().collect();
    Ok(ok(json!({"user_ids": ids})))
}

// ---------------------------------------------------------------------------------------------
// Configuration (monitor section)

/// The monitor keys the notes document.
const MONITOR_KEYS: [&str; 7] = [
    "request_timeout",
    "hostname",
    "port",
    "path",
    "alive_interval",
    "enable_photo_upload",
    "inform_access_event_id",
];

async fn set_configuration(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let body = authorized(&sim, &query, &body)?;
    // Other configuration sections exist on the device but are not simulated.
    documented(&body, "set_configuration", &[("monitor", Kind::Object)])?;
    let monitor = body
        .get("monitor")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let keys: Vec<(&str, Kind)> = MONITOR_KEYS.iter().map(|k| (*k, Kind::Str)).collect();
    documented(
        &Value::Object(monitor.clone()),
        "set_configuration.monitor",
        &keys,
    )
    .map_err(|reject| Reject {
        message: format!("{} (configuration values must be strings)", reject.message),
        ..reject
    })?;
    sim.device().monitor.extend(monitor);
    Ok(ok(json!({})))
}

async fn get_configuration(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let body = authorized(&sim, &query, &body)?;
    documented(&body, "get_configuration", &[("monitor", Kind::Array)])?;
    if let Some(unknown) = body["monitor"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|key| !key.as_str().is_some_and(|key| MONITOR_KEYS.contains(&key)))
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            &format!("get_configuration: unknown monitor key {unknown}"),
        ));
    }
    let wanted: Vec<String> = body
        .get("monitor")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let device = sim.device();
    let monitor: Map<String, Value> = wanted
        .into_iter()
        .map(|key| {
            let value = device.monitor.get(&key).cloned().unwrap_or(json!(""));
            (key, value)
        })
        .collect();
    Ok(ok(json!({"monitor": monitor})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_captures_have_the_documented_shapes() {
        let (width, height) = FINGERPRINT_SIZE;
        assert_eq!(synthetic_fingerprint(0).len(), (width * height) as usize);
        assert_eq!(&synthetic_face(1)[..2], &[0xFF, 0xD8]);
        assert_eq!(synthetic_card(5) >> 32, 12);
    }
}
