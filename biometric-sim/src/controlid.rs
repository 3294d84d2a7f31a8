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
//!   `12 * 2^32 + 30000 + user_id`. Asynchronous calls answer `{}` at once and POST the result to
//!   `http://<monitor hostname>:<monitor port>/<card|fingerprint|face>_create.fcgi` after the
//!   delay. Saving needs an existing user. [`ControlIdSim::face_exists_as`] makes the next face
//!   enrollment fail with `FACE_EXISTS`.
//! - `cancel_remote_enroll.fcgi` ends a capture in progress (it answers `{"success": false,
//!   "error": "Canceled"}`).
//! - Photos: `user_set_image` (a JPEG under 1 MB, else `{"success": false, "errors": [...]}`),
//!   `user_get_image`, `user_destroy_image`, `user_list_images`.
//! - `set_configuration` / `get_configuration` for the `monitor` section (values as strings).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use biometric_core::{Body, Engine, Method, Operation, RetryPolicy, decode_unit};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use crate::server::{Running, loopback, serve};

/// The fake device's settings.
#[derive(Clone)]
pub struct ControlIdConfig {
    login: String,
    password: String,
    device_id: i64,
    session_ttl: Duration,
    capture_delay: Duration,
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
        }
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
struct Device {
    sessions: BTreeMap<String, Instant>,
    session_counter: u64,
    users: BTreeMap<i64, Map<String, Value>>,
    next_user_id: i64,
    photos: BTreeMap<i64, Vec<u8>>,
    cards: BTreeMap<i64, u64>,
    fingerprints: BTreeMap<i64, usize>,
    monitor: Map<String, Value>,
    face_exists_as: Option<i64>,
}

/// The fake device and its state. Clones share the state.
#[derive(Clone)]
pub struct ControlIdSim {
    config: Arc<ControlIdConfig>,
    device: Arc<Mutex<Device>>,
    cancel: Arc<Notify>,
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
            .layer(axum::extract::DefaultBodyLimit::max(2 * 1000 * 1000))
            .with_state(self.clone())
    }

    /// Ends every session, as a device restart or a timeout would.
    pub fn expire_sessions(&self) {
        self.device().sessions.clear();
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

    fn device(&self) -> MutexGuard<'_, Device> {
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
) -> Result<(i64, Value), Reject> {
    let body = authorized(sim, query, body)?;
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
    let (id, body) = user_by_id(&sim, &query, &body)?;
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
    let (id, _) = user_by_id(&sim, &query, &body)?;
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
            _ = sim.cancel.notified() => ok(json!({"success": false, "error": "Canceled"})),
        }
    } else {
        let sim = sim.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(sim.config.capture_delay) => {
                    let result = capture(&sim, &enrollment);
                    post_result(&sim, &enrollment.kind, result).await;
                }
                _ = sim.cancel.notified() => {}
            }
        });
        ok(json!({}))
    }
}

fn read_enrollment(sim: &ControlIdSim, body: &Value) -> Result<Enrollment, Reject> {
    let kind = body.get("type").and_then(Value::as_str).unwrap_or_default();
    if !matches!(kind, "face" | "biometry" | "card") {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "type must be card, face or biometry",
        ));
    }
    let save = body.get("save").and_then(Value::as_bool).unwrap_or(false);
    let user_id = body.get("user_id").and_then(Value::as_i64);
    if save {
        let exists = user_id.is_some_and(|id| sim.device().users.contains_key(&id));
        if !exists {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "user_id must name an existing user when save is true",
            ));
        }
    }
    Ok(Enrollment {
        kind: kind.to_owned(),
        user_id: user_id.unwrap_or(0),
        save,
        sync: body.get("sync").and_then(Value::as_bool).unwrap_or(false),
        panic_finger: body
            .get("panic_finger")
            .and_then(Value::as_i64)
            .unwrap_or(0),
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

/// Sends an asynchronous result to the server the monitor names, as the device does in online
/// mode (`card_create.fcgi`, `fingerprint_create.fcgi`, `face_create.fcgi`).
async fn post_result(sim: &ControlIdSim, kind: &str, mut result: Value) {
    let (host, port) = {
        let device = sim.device();
        let text = |key: &str| {
            device
                .monitor
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        (text("hostname"), text("port"))
    };
    let (Some(host), Some(port)) = (host, port) else {
        eprintln!("biometric-sim (controlid): no monitor configured; the {kind} result is dropped");
        return;
    };
    let endpoint = match kind {
        "face" => {
            // The callback carries the picture under `face`, not `user_image`.
            if let Some(image) = result.as_object_mut().and_then(|r| r.remove("user_image")) {
                result["face"] = json!({"image": image, "width": 300, "height": 300});
            }
            "face_create.fcgi"
        }
        "biometry" => "fingerprint_create.fcgi",
        _ => "card_create.fcgi",
    };
    if let Some(fields) = result.as_object_mut() {
        fields.remove("success");
    }
    let Ok(engine) = Engine::builder(format!("http://{host}:{port}/"))
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
    else {
        eprintln!("biometric-sim (controlid): monitor address {host}:{port} is not usable");
        return;
    };
    let bytes = serde_json::to_vec(&result).unwrap_or_default();
    let op = Operation::with_decoder(
        "controlid_sim.callback",
        Method::POST,
        endpoint,
        decode_unit,
    )
    .unauthenticated()
    .body(Body::Json(bytes.into()));
    if let Err(error) = engine.execute(op).await {
        eprintln!("biometric-sim (controlid): posting {endpoint} failed: {error}");
    }
}

async fn cancel_remote_enroll(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
) -> Response {
    if !sim.session_ok(query.as_deref()) {
        return unauthorized().into_response();
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

async fn set_configuration(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let body = authorized(&sim, &query, &body)?;
    let monitor = body
        .get("monitor")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if monitor.values().any(|v| !v.is_string()) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "configuration values must be strings",
        ));
    }
    sim.device().monitor.extend(monitor);
    Ok(ok(json!({})))
}

async fn get_configuration(
    State(sim): State<ControlIdSim>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, Reject> {
    let body = authorized(&sim, &query, &body)?;
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
