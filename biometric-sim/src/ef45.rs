//! A fake CMITECH EF-45 iris and face terminal, written from the vendor's specification workbook
//! (`spec-v1.4.10-sheets.txt`, one sheet per area), `rest-api-reference.txt` and the EF-45
//! notes (the path map and the envelopes). Everything is served under `/1.0/`, as the device does
//! on port 9980.
//!
//! # Session (sheet Common)
//!
//! | call | answer |
//! |---|---|
//! | `POST /1.0/lock`, body optional `{"id", "passwd"}` | `{"lock_uid": "<8-4-4-4-12>"}` |
//! | `PUT /1.0/lock` (force connect), same body | a new `lock_uid`; the previous one is stale |
//! | `DELETE /1.0/lock/{lock_uid}` | 204 |
//! | `GET /1.0/version` (no lock) | `{"version": "1.1.69"}` ([`Ef45Config::version`]) |
//! | `POST /1.0/lock/chpasswd` `{"id", "current passwd", "new passwd"}` | 204 |
//!
//! Without a body, `POST`/`PUT lock` use the factory credentials `root`/`cmi1003`, as the Common
//! sheet says; once the password was changed such a request fails. Wrong credentials answer
//! HTTP 400, as documented. Every other call needs `?lock_uid=` with the current lock.
//!
//! **Where the sheets are silent, the fake's own choices:**
//! - A missing, malformed or stale `lock_uid` answers **HTTP 401** ([`STALE_LOCK_STATUS`]) with
//!   the device code of the Response_code sheet: `{"status_code": 1102, "reason_phrase":
//!   "Unavailable accessToken!"}`. The sheets give the code and its text but no HTTP status.
//! - Error bodies use the two envelope fields the list calls document as "error code" and
//!   "error message": `{"status_code", "reason_phrase"}`; wrong credentials answer
//!   `{"status_code": 400, "reason_phrase": "Wrong ID or password"}`.
//! - One lock at a time: `POST lock` while another lock is current fails with HTTP 500 (the
//!   sheet's "failed to create lock"); `PUT lock` (documented as "force connect") takes over.
//! - `DELETE lock/{lock_uid}` and `lock/chpasswd` answer 204 (no answer is documented);
//!   `lock/chpasswd` needs no `lock_uid` (its URL example has none). The forced variant
//!   (`PUT lock/chpasswd`) is not served: the sheet does not say what "by force" skips.
//! - Every error carries an `x-sim-reason` header naming the breach, for whoever reads a failing
//!   test.
//!
//! # Strictness
//!
//! - A request body must be sent as `Content-Type: application/json` (415 otherwise) and be a
//!   JSON object with the documented keys only, each of the documented JSON type (400
//!   `{"status_code": 400, "reason_phrase": "BAD_REQUEST"}` otherwise, the Response_code sheet's
//!   text for "the parameter is not valid").
//! - Query parameters: `lock_uid` plus the ones the sheet lists for the call, nothing else (400).
//!   A device would probably ignore an unknown parameter; the fake refuses it so that a client
//!   sending `page_size` where the sheet says `pageSize` (or the reverse) fails a test instead
//!   of silently getting 50 rows.
//!
//! # Fault injection
//!
//! [`Ef45Sim::fail_next`] (an HTTP status), [`Ef45Sim::device_error_next`] (a device code such
//! as 1301), [`Ef45Sim::delay_next`] (a late answer) and [`Ef45Sim::expire_lock`] (the current
//! lock becomes stale, as after a take-over). Faults are answered before anything else, lock
//! calls included. [`Ef45Sim::stats`] counts the calls, locks, take-overs and stale refusals.

use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Map, Value, json};

use crate::server::{Running, loopback, serve};

/// The HTTP status the fake answers a missing or stale `lock_uid` with (the fake's choice: the
/// sheets give only the device code 1102).
pub const STALE_LOCK_STATUS: u16 = 401;

/// The device code of a stale or missing lock (Response_code sheet).
pub const STALE_LOCK_CODE: u16 = 1102;

/// The factory credentials (Common sheet): `root` / `cmi1003`.
pub const FACTORY_ID: &str = "root";
/// The factory password (Common sheet).
pub const FACTORY_PASSWORD: &str = "cmi1003";

/// The device's account and what it reports.
#[derive(Clone)]
pub struct Ef45Config {
    id: String,
    password: String,
    version: String,
}

impl Ef45Config {
    /// A device whose REST id and password are `id` / `password`.
    pub fn new(id: impl Into<String>, password: impl Into<String>) -> Self {
        Ef45Config {
            id: id.into(),
            password: password.into(),
            version: "1.1.69".into(),
        }
    }

    /// The application version `GET version` answers (default `1.1.69`, the sheet's example).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The REST id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The REST password the device starts with.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl Default for Ef45Config {
    /// The factory credentials `root` / `cmi1003`.
    fn default() -> Self {
        Ef45Config::new(FACTORY_ID, FACTORY_PASSWORD)
    }
}

impl std::fmt::Debug for Ef45Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ef45Config")
            .field("id", &self.id)
            .field("password", &"[REDACTED]")
            .field("version", &self.version)
            .finish()
    }
}

/// What the fake has counted since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ef45Stats {
    /// Requests that reached the fake.
    pub calls: usize,
    /// Locks opened with `POST lock`.
    pub locks: usize,
    /// Locks taken over with `PUT lock`.
    pub takeovers: usize,
    /// Locks closed with `DELETE lock/{lock_uid}`.
    pub unlocks: usize,
    /// Calls refused for a missing or stale `lock_uid`.
    pub stale_refusals: usize,
}

/// An injected answer.
#[derive(Debug, Clone)]
enum Fault {
    Status(StatusCode),
    Device(StatusCode, u16),
}

struct Store {
    password: String,
    lock: Option<String>,
    uid_keys: std::collections::hash_map::RandomState,
    uid_counter: u64,
    faults: VecDeque<Fault>,
    delay: Option<(usize, Duration)>,
    stats: Ef45Stats,
}

/// The fake device and its state. Clones share the state.
#[derive(Clone)]
pub struct Ef45Sim {
    config: Arc<Ef45Config>,
    store: Arc<Mutex<Store>>,
}

impl std::fmt::Debug for Ef45Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ef45Sim")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Ef45Sim {
    /// A device with no lock and no records.
    pub fn new(config: Ef45Config) -> Self {
        let store = Store {
            password: config.password.clone(),
            lock: None,
            uid_keys: Default::default(),
            uid_counter: 0,
            faults: VecDeque::new(),
            delay: None,
            stats: Ef45Stats::default(),
        };
        Ef45Sim {
            config: Arc::new(config),
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Serves the fake on a free loopback port.
    pub async fn start(&self) -> std::io::Result<Running> {
        serve(self.router(), loopback()).await
    }

    /// The fake's routes, to serve or to merge into a bigger router.
    pub fn router(&self) -> Router {
        let locked = Router::new()
            .route("/1.0/subjects/record-version", get(record_version))
            .route_layer(middleware::from_fn_with_state(self.clone(), require_lock));
        Router::new()
            .route("/1.0/lock", post(lock_open).put(lock_take_over))
            .route("/1.0/lock/chpasswd", post(change_password))
            .route("/1.0/lock/{lock_uid}", delete(unlock))
            .route("/1.0/version", get(version))
            .merge(locked)
            .fallback(unknown_path)
            .layer(middleware::from_fn_with_state(self.clone(), faults))
            // No limit is documented; biometric data is about 5 MB.
            .layer(axum::extract::DefaultBodyLimit::max(50 * 1000 * 1000))
            .with_state(self.clone())
    }

    /// The next `count` calls answer `status` with `{"status_code": status, "reason_phrase":
    /// <its reason>}`, before any other check and without acting.
    pub fn fail_next(&self, status: u16, count: usize) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        let mut store = self.store();
        store
            .faults
            .extend(std::iter::repeat_n(Fault::Status(status), count));
    }

    /// The next call answers HTTP `status` with the device code `code` of the Response_code
    /// sheet (1100, 1101, 1102, 1200, 1301) and its text, without acting.
    pub fn device_error_next(&self, status: u16, code: u16) {
        let status = StatusCode::from_u16(status).expect("a valid HTTP status");
        self.store().faults.push_back(Fault::Device(status, code));
    }

    /// The next `count` calls wait `delay` before being handled.
    pub fn delay_next(&self, count: usize, delay: Duration) {
        self.store().delay = Some((count, delay));
    }

    /// The current lock becomes stale, as when the device drops it or another client takes
    /// over: calls with it answer 1102 and `POST lock` opens a new one.
    pub fn expire_lock(&self) {
        self.store().lock = None;
    }

    /// The current `lock_uid`, if a lock is open.
    pub fn current_lock(&self) -> Option<String> {
        self.store().lock.clone()
    }

    /// What the fake has counted.
    pub fn stats(&self) -> Ef45Stats {
        self.store().stats
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock would be a bug in this fake; keep serving anyway.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store {
    /// A fresh `lock_uid` in the device's 8-4-4-4-12 form (time-based like the sheets' examples,
    /// unpredictable across fakes).
    fn new_uid(&mut self) -> String {
        self.uid_counter += 1;
        let a = self.uid_keys.hash_one(self.uid_counter);
        let b = self.uid_keys.hash_one(!self.uid_counter);
        format!(
            "{:08x}-{:04x}-11e8-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            0x8000 | (b & 0x3fff),
            (b >> 16) & 0xffff_ffff_ffff
        )
    }
}

/// The device's texts for its own codes (Response_code sheet).
pub fn device_code_text(code: u16) -> Option<&'static str> {
    Some(match code {
        1100 => "User not found!",
        1101 => "Incorrect information",
        1102 => "Unavailable accessToken!",
        1200 => "Unknown Device!",
        1301 => "Permission denied!",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Plumbing: faults, lock, errors, bodies, queries

async fn faults(State(sim): State<Ef45Sim>, request: Request, next: Next) -> Response {
    let (delay, fault) = {
        let mut store = sim.store();
        store.stats.calls += 1;
        let delay = match &mut store.delay {
            Some((count, delay)) if *count > 0 => {
                *count -= 1;
                Some(*delay)
            }
            _ => None,
        };
        (delay, store.faults.pop_front())
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::Status(status)) => Reject::new(
            status,
            u32::from(status.as_u16()),
            status.canonical_reason().unwrap_or("error"),
            "injected fault",
        )
        .into_response(),
        Some(Fault::Device(status, code)) => Reject::new(
            status,
            u32::from(code),
            device_code_text(code).unwrap_or("error"),
            "injected device code",
        )
        .into_response(),
        None => next.run(request).await,
    }
}

async fn require_lock(State(sim): State<Ef45Sim>, request: Request, next: Next) -> Response {
    let sent = request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "lock_uid")
            .map(|(_, value)| value.into_owned())
    });
    {
        let mut store = sim.store();
        let current = store.lock.clone();
        match (sent, current) {
            (Some(sent), Some(current)) if sent == current => {}
            (sent, _) => {
                store.stats.stale_refusals += 1;
                let why = match sent {
                    None => "no lock_uid query parameter",
                    Some(s) if !is_uid(&s) => "lock_uid is not 8-4-4-4-12 hex",
                    Some(_) => "lock_uid is not the current lock",
                };
                return stale(why).into_response();
            }
        }
    }
    next.run(request).await
}

fn is_uid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn unknown_path() -> Reject {
    Reject::new(
        StatusCode::NOT_FOUND,
        404,
        "NOT_FOUND",
        "no such path on the device",
    )
}

/// A refusal: the HTTP status, the device's `status_code`/`reason_phrase` and the fake's reason.
#[derive(Debug)]
struct Reject {
    status: StatusCode,
    code: u32,
    text: &'static str,
    reason: String,
}

impl Reject {
    fn new(status: StatusCode, code: u32, text: &'static str, reason: impl Into<String>) -> Self {
        Reject {
            status,
            code,
            text,
            reason: reason.into(),
        }
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(json!({"status_code": self.code, "reason_phrase": self.text})),
        )
            .into_response();
        let reason: String = self
            .reason
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control())
            .collect();
        if let Ok(value) = HeaderValue::from_str(&reason) {
            response.headers_mut().insert("x-sim-reason", value);
        }
        response
    }
}

/// 400 BAD_REQUEST, with why.
fn bad(reason: impl Into<String>) -> Reject {
    Reject::new(StatusCode::BAD_REQUEST, 400, "BAD_REQUEST", reason)
}

fn stale(reason: &str) -> Reject {
    Reject::new(
        StatusCode::from_u16(STALE_LOCK_STATUS).expect("a valid status"),
        u32::from(STALE_LOCK_CODE),
        "Unavailable accessToken!",
        reason,
    )
}

fn wrong_credentials() -> Reject {
    Reject::new(
        StatusCode::BAD_REQUEST,
        400,
        "Wrong ID or password",
        "wrong id or passwd",
    )
}

/// The body as a JSON object: one `Content-Type: application/json` (415 otherwise), valid JSON
/// (400), an object (400).
fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Reject> {
    let values: Vec<_> = headers.get_all(header::CONTENT_TYPE).iter().collect();
    let media = match values.as_slice() {
        [one] => one
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
        _ => String::new(),
    };
    if media != "application/json" {
        return Err(Reject::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "the body must be sent as one Content-Type: application/json ({} header(s))",
                values.len()
            ),
        ));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad("the body must be a JSON object")),
        Err(e) => Err(bad(format!("the body is not JSON: {e}"))),
    }
}

/// The JSON types of the sheets' "Data type" column, as the fake checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `String`: a string or `null` (the sheets' examples send `null` for unset strings).
    Str,
    /// `int`: an integer.
    Int,
    /// `double`: any number.
    Double,
    /// `boolean`.
    Bool,
}

/// Checks `map` against `fields` (every key known, each of its type). `at` names the object.
fn check_fields(map: &Map<String, Value>, fields: &[(&str, Kind)], at: &str) -> Result<(), Reject> {
    for (key, value) in map {
        let Some((_, kind)) = fields.iter().find(|(name, _)| name == key) else {
            return Err(bad(format!("unknown key {at}.{key}")));
        };
        let ok = match kind {
            Kind::Str => value.is_string() || value.is_null(),
            Kind::Int => value.is_i64() || value.is_u64(),
            Kind::Double => value.is_number(),
            Kind::Bool => value.is_boolean(),
        };
        if !ok {
            return Err(bad(format!("{at}.{key} must be {kind:?}, found {value}")));
        }
    }
    Ok(())
}

fn required_string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a str, Reject> {
    match map.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text),
        _ => Err(bad(format!("{at}.{key} is required (a non-empty string)"))),
    }
}

/// The query parameters: `lock_uid` and the `allowed` names, each at most once (400 otherwise).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(uri: &Uri, allowed: &[&str]) -> Result<Query, Reject> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            if name != "lock_uid" && !allowed.contains(&name.as_ref()) {
                return Err(bad(format!(
                    "unknown query parameter {name} (this call takes {allowed:?})"
                )));
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                return Err(bad(format!("query parameter {name} given twice")));
            }
            pairs.push((name.into_owned(), value.into_owned()));
        }
        Ok(Query(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// An integer parameter within `range`.
    fn int(&self, name: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, Reject> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .map(Some)
                .ok_or_else(|| bad(format!("{name}={text} is not an integer in {range:?}"))),
        }
    }
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

// ---------------------------------------------------------------------------------------------
// Session (sheet Common)

const LOCK_BODY: &[(&str, Kind)] = &[("id", Kind::Str), ("passwd", Kind::Str)];

/// Checks the optional `{"id", "passwd"}` body (none = the factory credentials).
fn check_credentials(sim: &Ef45Sim, headers: &HeaderMap, body: &Bytes) -> Result<(), Reject> {
    let (id, passwd) = if body.is_empty() {
        (FACTORY_ID.to_owned(), FACTORY_PASSWORD.to_owned())
    } else {
        let map = json_object(headers, body)?;
        check_fields(&map, LOCK_BODY, "lock")?;
        let id = required_string(&map, "id", "lock")?.to_owned();
        let passwd = required_string(&map, "passwd", "lock")?.to_owned();
        (id, passwd)
    };
    let store = sim.store();
    if id == sim.config.id && passwd == store.password {
        Ok(())
    } else {
        Err(wrong_credentials())
    }
}

async fn lock_open(State(sim): State<Ef45Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reject) = check_credentials(&sim, &headers, &body) {
        return reject.into_response();
    }
    let mut store = sim.store();
    if store.lock.is_some() {
        return Reject::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "INTERNAL_SERVER_ERROR",
            "another lock is current: take it over with PUT lock",
        )
        .into_response();
    }
    let uid = store.new_uid();
    store.lock = Some(uid.clone());
    store.stats.locks += 1;
    axum::Json(json!({"lock_uid": uid})).into_response()
}

async fn lock_take_over(State(sim): State<Ef45Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reject) = check_credentials(&sim, &headers, &body) {
        return reject.into_response();
    }
    let mut store = sim.store();
    let uid = store.new_uid();
    store.lock = Some(uid.clone());
    store.stats.takeovers += 1;
    axum::Json(json!({"lock_uid": uid})).into_response()
}

async fn unlock(State(sim): State<Ef45Sim>, Path(uid): Path<String>) -> Response {
    let mut store = sim.store();
    if store.lock.as_deref() == Some(uid.as_str()) {
        store.lock = None;
        store.stats.unlocks += 1;
        no_content()
    } else {
        store.stats.stale_refusals += 1;
        stale("lock_uid in the path is not the current lock").into_response()
    }
}

async fn version(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(axum::Json(json!({"version": sim.config.version})).into_response())
}

const CHPASSWD_BODY: &[(&str, Kind)] = &[
    ("id", Kind::Str),
    ("current passwd", Kind::Str),
    ("new passwd", Kind::Str),
];

async fn change_password(
    State(sim): State<Ef45Sim>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let map = json_object(&headers, &body)?;
    check_fields(&map, CHPASSWD_BODY, "chpasswd")?;
    let id = required_string(&map, "id", "chpasswd")?;
    let current = required_string(&map, "current passwd", "chpasswd")?;
    let new = required_string(&map, "new passwd", "chpasswd")?;
    let mut store = sim.store();
    if id != sim.config.id || current != store.password {
        return Err(wrong_credentials());
    }
    store.password = new.to_owned();
    Ok(no_content())
}

// ---------------------------------------------------------------------------------------------
// Subjects (sheet Subject)

/// The record version the Subject sheet gives ("fixed unless the algorithm is changed").
pub const RECORD_VERSION: i64 = 8976;

async fn record_version(uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(axum::Json(json!({"record_version": RECORD_VERSION})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_uids_have_the_documented_form_and_differ() {
        let sim = Ef45Sim::new(Ef45Config::default());
        let mut store = sim.store();
        let a = store.new_uid();
        let b = store.new_uid();
        assert!(is_uid(&a), "{a}");
        assert!(is_uid(&b), "{b}");
        assert_ne!(a, b);
        assert!(!is_uid("13dbb896-ed1e-11e6-9822-503f9800010"));
        assert!(is_uid("13dbb896-ed1e-11e6-9822-503f98000109"));
    }

    #[test]
    fn the_password_never_reaches_debug() {
        let text = format!("{:?}", Ef45Config::new("root", "s3cret-pass"));
        assert!(!text.contains("s3cret-pass"), "{text}");
    }
}
