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
//! # Records (sheets Subject, User_info, Face, User, Card)
//!
//! | call | answer |
//! |---|---|
//! | `GET subjects[?page=&page_size=]`, `GET subjects/{user_uuid}`, `GET subjects/count`, `GET subjects/record-version` (8976) | list envelope / object / `{"count"}` / `{"record_version"}` |
//! | `POST subjects`, `PUT`/`DELETE subjects/{user_uuid}` | 201 / 204 / 204, no body |
//! | `PUT subjects/is-exist/template` (a Subject body) | `{"duplicate_uuid"}` |
//! | `GET user-info[?page=&pageSize=]`, `GET user-info/card/{card}`, `GET`/`PUT`/`DELETE user-info/uuid/{user_uuid}`, `POST user-info`, `PUT user-info/schedule` | list / object / 204 / 201 / 200 |
//! | `GET faces[?page=&pageSize=]`, `GET faces/{user_uuid}[?subId=]`, `POST faces`, `PUT faces/{user_uuid}?subId=`, `DELETE faces/{user_uuid}[?subId=]` | list / list or object / 201 / 204 / 204 |
//! | `POST user` (subject + `faces` + user-info + up to 8 `cards`), `DELETE user/{user_uuid}`, `PUT user/delete-users` `{"list": [int]}` | 201 / 204 / 204 |
//! | `GET cards/{user_uuid}`, `POST cards`, `DELETE cards/{user_uuid}` | `{"user_uuid", "cards"}` / 201 / 204 |
//!
//! Lists use the notes' envelope `{"status_code": 200, "reason_phrase": "OK", "items", "page",
//! "page_size", "has_more", "total"}`, 50 rows by default; without `page` every item is
//! answered (`page` 1, `page_size` the item count: the fake's choice). The page-size parameter
//! is `page_size` on subjects (and logs), `pageSize` on user-info and faces, as the sheets' URLs
//! write it. Keys are spelled as the sheets spell them (`indivisual`,
//! `three_out_status_access_allowd`, `face_LED_state`). Where a sheet's example disagrees with
//! its table, both are accepted: the Subject example's `"wiegand_custom": ""` and `null`
//! strings, the User_info example's `three_out_access_allowed`. Only the identifying keys are
//! required (`user_uuid`, a subject's `last_name`, a face's `sub_id`): the User_info example
//! itself omits a key its table marks required. Records are listed in `user_uuid` order (string
//! order). A key never sent is answered with the sheet's default (record version 8976, Wiegand
//! -1) or an empty value.
//!
//! Cards are bytes printed as upper-case hex with one space (`65 D8 A1 BD`); anything else
//! (lower case, no spaces, `0x`) is refused with 400 in bodies and in `user-info/card/{card}`:
//! the device's answer to a bad card is not documented, the refusal is the fake's. At most 8
//! cards per user (400 beyond). Faces have `sub_id` 0 to 5. **Fake's own answers:** an unknown
//! user is 404 with the device code `{"status_code": 1100, "reason_phrase": "User not found!"}`;
//! a record created twice is 409; a duplication check without a duplicate answers
//! `{"duplicate_uuid": ""}` (the synthetic rule: a stored subject with the same non-empty eye
//! template is a duplicate); `DELETE faces/{user_uuid}` without `subId` deletes all the user's
//! faces; `POST user` answers 201 and `delete-users` 204 (undocumented).
//!
//! # Logs (sheet Log)
//!
//! The fake starts with 7 log items, ids 68 to 74 (`total: 7`, as in the sheet's example): 68
//! and 69 are the sheet's example items verbatim, the rest generated (event types in turn, 37
//! minutes apart, users `111`/`112`); [`Ef45Sim::add_logs`] appends more. Served:
//! `GET logs?page=&page_size=&order=desc` (`asc`/`desc`), `logs/from/to?page=&page_size=&min=&max=`,
//! `logs/from/count?from=&count=`, `logs/from/to/type?page=&min=&max=&type=` (50 a page, fixed),
//! `logs/from/date/{yyyy[-mm[-dd]]}`, `logs/fromto/[{eventtype}/]{from}/{to}`,
//! `logs/count`, `logs/count/[{eventtype}/]{from}/{to}` (`{"count"}`), `logs/{id}`;
//! `DELETE logs?min=&max=` (both required), `DELETE logs/{id}`, `DELETE logs/db` (204).
//! Period bounds are `yyyy-mm-dd` (meaning 00:00, as the sheet insists) or
//! `yyyy-mm-ddThh:mm:ssZ`, both inclusive; event types must be one of the sheet's six
//! ([`EVENT_TYPES`]). **Fake's own:** an unknown log id is 404 `NOT_FOUND`; the bounds'
//! inclusiveness is not documented.
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

use std::collections::{BTreeMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
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
    subjects: BTreeMap<String, Map<String, Value>>,
    user_info: BTreeMap<String, Map<String, Value>>,
    faces: BTreeMap<(String, i64), Map<String, Value>>,
    cards: BTreeMap<String, BTreeMap<i64, Map<String, Value>>>,
    logs: BTreeMap<i64, Value>,
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
            subjects: BTreeMap::new(),
            user_info: BTreeMap::new(),
            faces: BTreeMap::new(),
            cards: BTreeMap::new(),
            logs: (68..=74).map(|id| (id, generated_log(id))).collect(),
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
            .route("/1.0/subjects", get(subjects_list).post(subject_create))
            .route("/1.0/subjects/count", get(subjects_count))
            .route("/1.0/subjects/record-version", get(record_version))
            .route("/1.0/subjects/is-exist/template", put(subject_is_exist))
            .route(
                "/1.0/subjects/{user_uuid}",
                get(subject_get).put(subject_update).delete(subject_delete),
            )
            .route("/1.0/user-info", get(user_info_list).post(user_info_create))
            .route("/1.0/user-info/card/{card}", get(user_info_by_card))
            .route("/1.0/user-info/schedule", put(user_info_schedule))
            .route(
                "/1.0/user-info/uuid/{user_uuid}",
                get(user_info_get)
                    .put(user_info_update)
                    .delete(user_info_delete),
            )
            .route("/1.0/faces", get(faces_list).post(face_create))
            .route(
                "/1.0/faces/{user_uuid}",
                get(faces_of_user).put(face_update).delete(face_delete),
            )
            .route("/1.0/user", post(user_create))
            .route("/1.0/user/delete-users", put(users_delete))
            .route("/1.0/user/{user_uuid}", delete(user_delete))
            .route("/1.0/cards", post(cards_create))
            .route(
                "/1.0/cards/{user_uuid}",
                get(cards_get).delete(cards_delete),
            )
            .route("/1.0/logs", get(logs_list).delete(logs_delete_range))
            .route("/1.0/logs/count", get(logs_count))
            .route("/1.0/logs/count/{from}/{to}", get(logs_count_period))
            .route("/1.0/logs/count/{event}/{from}/{to}", get(logs_count_type))
            .route("/1.0/logs/db", delete(logs_delete_all))
            .route("/1.0/logs/from/to", get(logs_from_to))
            .route("/1.0/logs/from/to/type", get(logs_by_type))
            .route("/1.0/logs/from/count", get(logs_from_count))
            .route("/1.0/logs/from/date/{date}", get(logs_from_date))
            .route("/1.0/logs/fromto/{from}/{to}", get(logs_fromto))
            .route(
                "/1.0/logs/fromto/{event}/{from}/{to}",
                get(logs_fromto_type),
            )
            .route("/1.0/logs/{id}", get(log_get).delete(log_delete))
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

    /// How many subjects are stored.
    pub fn subject_count(&self) -> usize {
        self.store().subjects.len()
    }

    /// How many faces are stored (all users, all sub ids).
    pub fn face_count(&self) -> usize {
        self.store().faces.len()
    }

    /// The cards stored for `user_uuid` (card sheet and user-info), as the device prints them.
    pub fn cards_of(&self, user_uuid: &str) -> Vec<String> {
        let store = self.store();
        let mut cards: Vec<String> = store
            .user_info
            .get(user_uuid)
            .and_then(|info| info.get("card"))
            .and_then(Value::as_str)
            .filter(|card| !card.is_empty())
            .map(str::to_owned)
            .into_iter()
            .collect();
        if let Some(list) = store.cards.get(user_uuid) {
            cards.extend(
                list.values()
                    .filter_map(|c| c.get("card").and_then(Value::as_str).map(str::to_owned)),
            );
        }
        cards
    }

    /// Appends `count` generated log items (ids after the last, 37 minutes apart; see the
    /// module's Logs section).
    pub fn add_logs(&self, count: usize) {
        let mut store = self.store();
        let next = store.logs.keys().next_back().map_or(1, |last| last + 1);
        for id in next..next + count as i64 {
            store.logs.insert(id, generated_log(id));
        }
    }

    /// How many log items are stored.
    pub fn log_count(&self) -> usize {
        self.store().logs.len()
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
    /// A field whose sheets disagree (an `int` in the table, a string in the example): an
    /// integer, a string or `null`.
    IntOrStr,
    /// A card: `""` (none) or bytes as upper-case hex with one space (`65 D8 A1 BD`).
    Card,
    /// A face `sub_id`: an integer from 0 to 5.
    SubId,
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
            Kind::IntOrStr => value.is_i64() || value.is_string() || value.is_null(),
            Kind::Card => value.as_str().is_some_and(|c| c.is_empty() || is_card(c)),
            Kind::SubId => value.as_i64().is_some_and(|n| (0..=5).contains(&n)),
        };
        if !ok {
            return Err(bad(format!("{at}.{key} must be {kind:?}, found {value}")));
        }
    }
    Ok(())
}

/// Card bytes as the device prints them: two upper-case hex digits per byte, one space between.
fn is_card(text: &str) -> bool {
    text.split(' ')
        .all(|b| b.len() == 2 && b.bytes().all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F')))
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

/// The Subject sheet's fields and types. `wiegand_custom` is an `int` in the tables but `""` in
/// the create example; `left_image_path`/`right_image_path` are `int` in the list table and
/// `String` elsewhere: both readings are accepted.
const SUBJECT: &[(&str, Kind)] = &[
    ("user_uuid", Kind::Str),
    ("record_version", Kind::Int),
    ("last_name", Kind::Str),
    ("access_allowed", Kind::Bool),
    ("first_name", Kind::Str),
    ("match_until", Kind::Str),
    ("wiegand_facility", Kind::Int),
    ("wiegand_site", Kind::Int),
    ("wiegand_code", Kind::Int),
    ("wiegand_custom", Kind::IntOrStr),
    ("left_eye_template", Kind::Str),
    ("right_eye_template", Kind::Str),
    ("left_image_path", Kind::IntOrStr),
    ("right_image_path", Kind::IntOrStr),
];

/// What a subject answers for a key never sent: the sheet's defaults (record version 8976,
/// Wiegand -1), otherwise empty.
fn subject_defaults() -> Value {
    json!({
        "user_uuid": "", "record_version": RECORD_VERSION, "last_name": "",
        "access_allowed": true, "first_name": null, "match_until": null,
        "wiegand_facility": -1, "wiegand_site": -1, "wiegand_code": -1, "wiegand_custom": -1,
        "left_eye_template": "", "right_eye_template": "",
        "left_image_path": "", "right_image_path": ""
    })
}

/// The User_info sheet's fields (`indivisual` and `three_out_status_access_allowd` spelled as
/// the sheet spells them). The create example sends `three_out_access_allowed: ""` instead of
/// the table's `three_out_status_access_allowd`; the fake accepts that key on `user-info` calls
/// (an integer is stored under the table's name, `""` is dropped).
const USER_INFO: &[(&str, Kind)] = &[
    ("user_uuid", Kind::Str),
    ("card", Kind::Card),
    ("pin", Kind::Str),
    ("admin", Kind::Int),
    ("group_index", Kind::Int),
    ("by_pass_card", Kind::Int),
    ("indivisual", Kind::Int),
    ("three_out_status", Kind::Int),
    ("three_out_status_access_allowd", Kind::Int),
    ("job_code", Kind::Int),
    ("time_schedule_code", Kind::Int),
    ("apb_status", Kind::Int),
    ("message", Kind::Str),
];

/// The create example's spelling of `three_out_status_access_allowd`.
const EXAMPLE_THREE_OUT: &str = "three_out_access_allowed";

fn user_info_defaults() -> Value {
    json!({
        "user_uuid": "", "card": "", "pin": "", "admin": 0, "group_index": 0,
        "by_pass_card": 0, "indivisual": 0, "three_out_status": 0,
        "three_out_status_access_allowd": 0, "job_code": 0, "time_schedule_code": -1,
        "apb_status": 0, "message": ""
    })
}

/// The Face sheet's fields.
const FACE: &[(&str, Kind)] = &[
    ("user_uuid", Kind::Str),
    ("sub_id", Kind::SubId),
    ("face_eye_width", Kind::Int),
    ("face_feature_size", Kind::Int),
    ("face_frontal_score", Kind::Double),
    ("face_left_eye_x", Kind::Int),
    ("face_right_eye_x", Kind::Int),
    ("face_roll", Kind::Double),
    ("face_score", Kind::Double),
    ("face_LED_state", Kind::Int),
    ("face_feature", Kind::Str),
];

fn face_defaults() -> Value {
    json!({
        "user_uuid": "", "sub_id": 0, "face_eye_width": 0, "face_feature_size": 0,
        "face_frontal_score": 0.0, "face_left_eye_x": 0, "face_right_eye_x": 0,
        "face_roll": 0.0, "face_score": 0.0, "face_LED_state": 0, "face_feature": ""
    })
}

/// A card of the Card sheet's `cards` array.
const CARD_ITEM: &[(&str, Kind)] = &[
    ("sub_id", Kind::Int),
    ("card", Kind::Card),
    ("remarks", Kind::Str),
];

/// The most cards a user may have (User and Card sheets).
pub const MAX_CARDS: usize = 8;

/// `defaults` with the stored keys over it: every documented key, as stored when sent.
fn answer(defaults: Value, stored: &Map<String, Value>) -> Value {
    let mut out = defaults;
    if let Value::Object(out) = &mut out {
        for (key, value) in stored {
            if out.contains_key(key) {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

/// Paging as asked: `page` (none = the whole list) and the page size under `size_name`.
struct Paging {
    page: Option<i64>,
    size: i64,
}

/// The default page size (Subject sheet: 50 rows).
pub const DEFAULT_PAGE_SIZE: i64 = 50;

impl Paging {
    fn parse(query: &Query, size_name: &str) -> Result<Paging, Reject> {
        Ok(Paging {
            page: query.int("page", 1..=i64::from(i32::MAX))?,
            size: query
                .int(size_name, 1..=i64::from(i32::MAX))?
                .unwrap_or(DEFAULT_PAGE_SIZE),
        })
    }

    /// The list envelope of the notes. Without `page`: every item, `page` 1, `page_size` the
    /// number of items (the fake's choice; the sheets show only paged answers).
    fn envelope(&self, items: Vec<Value>) -> Response {
        let total = items.len() as i64;
        let (items, page, size, has_more) = match self.page {
            None => (items, 1, total, false),
            Some(page) => {
                let start = (page - 1).saturating_mul(self.size);
                let items: Vec<Value> = items
                    .into_iter()
                    .skip(usize::try_from(start).unwrap_or(usize::MAX))
                    .take(usize::try_from(self.size).unwrap_or(usize::MAX))
                    .collect();
                let has_more = start.saturating_add(self.size) < total;
                (items, page, self.size, has_more)
            }
        };
        axum::Json(json!({
            "status_code": 200, "reason_phrase": "OK", "items": items,
            "page": page, "page_size": size, "has_more": has_more, "total": total
        }))
        .into_response()
    }
}

fn user_not_found(what: &str) -> Reject {
    Reject::new(
        StatusCode::NOT_FOUND,
        1100,
        "User not found!",
        format!("{what} not found"),
    )
}

/// A record created twice: 409 (the fake's choice; the sheets give no answer).
fn conflict(what: &str) -> Reject {
    Reject::new(
        StatusCode::CONFLICT,
        409,
        "CONFLICT",
        format!("{what} already exists"),
    )
}

fn created() -> Response {
    StatusCode::CREATED.into_response()
}

/// A subject body: documented keys and types, `user_uuid` and `last_name` present (the
/// sheet's required columns).
fn subject_body(map: &Map<String, Value>, at: &str) -> Result<String, Reject> {
    check_fields(map, SUBJECT, at)?;
    let uuid = required_string(map, "user_uuid", at)?.to_owned();
    if !map.get("last_name").is_some_and(Value::is_string) {
        return Err(bad(format!("{at}.last_name is required (a string)")));
    }
    Ok(uuid)
}

async fn subjects_list(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "page_size"])?, "page_size")?;
    let items = sim
        .store()
        .subjects
        .values()
        .map(|s| answer(subject_defaults(), s))
        .collect();
    Ok(paging.envelope(items))
}

async fn subjects_count(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(axum::Json(json!({"count": sim.store().subjects.len()})).into_response())
}

async fn subject_get(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let store = sim.store();
    let subject = store
        .subjects
        .get(&uuid)
        .ok_or_else(|| user_not_found("subject"))?;
    Ok(axum::Json(answer(subject_defaults(), subject)).into_response())
}

async fn subject_create(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    let uuid = subject_body(&map, "subject")?;
    let mut store = sim.store();
    if store.subjects.contains_key(&uuid) {
        return Err(conflict("subject"));
    }
    store.subjects.insert(uuid, map);
    Ok(created())
}

async fn subject_update(
    State(sim): State<Ef45Sim>,
    Path(path_uuid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    let uuid = subject_body(&map, "subject")?;
    if uuid != path_uuid {
        return Err(bad("user_uuid in the body differs from the path"));
    }
    let mut store = sim.store();
    let subject = store
        .subjects
        .get_mut(&uuid)
        .ok_or_else(|| user_not_found("subject"))?;
    *subject = map;
    Ok(no_content())
}

async fn subject_delete(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    sim.store()
        .subjects
        .remove(&uuid)
        .ok_or_else(|| user_not_found("subject"))?;
    Ok(no_content())
}

/// Duplication check. The synthetic rule: a stored subject is a duplicate when it has the same
/// non-empty (trimmed) left or right eye template. None: `{"duplicate_uuid": ""}` (the fake's
/// choice; the sheet shows only a found duplicate).
async fn subject_is_exist(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    subject_body(&map, "subject")?;
    let template = |m: &Map<String, Value>, key: &str| {
        m.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let sent: Vec<String> = ["left_eye_template", "right_eye_template"]
        .iter()
        .filter_map(|k| template(&map, k))
        .collect();
    let store = sim.store();
    let duplicate = store
        .subjects
        .iter()
        .find(|(_, s)| {
            ["left_eye_template", "right_eye_template"]
                .iter()
                .filter_map(|k| template(s, k))
                .any(|t| sent.contains(&t))
        })
        .map(|(uuid, _)| uuid.clone())
        .unwrap_or_default();
    Ok(axum::Json(json!({"duplicate_uuid": duplicate})).into_response())
}

// ---------------------------------------------------------------------------------------------
// User info (sheet User_info)

/// A user-info body: documented keys and types, `user_uuid` present. The sheet marks every key
/// required but its own example omits one: only `user_uuid` is required here.
fn user_info_body(mut map: Map<String, Value>) -> Result<(String, Map<String, Value>), Reject> {
    let mut fields = USER_INFO.to_vec();
    fields.push((EXAMPLE_THREE_OUT, Kind::IntOrStr));
    check_fields(&map, &fields, "user-info")?;
    let uuid = required_string(&map, "user_uuid", "user-info")?.to_owned();
    if let Some(value) = map.remove(EXAMPLE_THREE_OUT)
        && value.is_i64()
        && !map.contains_key("three_out_status_access_allowd")
    {
        map.insert("three_out_status_access_allowd".into(), value);
    }
    Ok((uuid, map))
}

async fn user_info_list(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "pageSize"])?, "pageSize")?;
    let items = sim
        .store()
        .user_info
        .values()
        .map(|u| answer(user_info_defaults(), u))
        .collect();
    Ok(paging.envelope(items))
}

/// By card: the user-info whose `card` is this one, or the owner of this card in the Card
/// sheet's list. A card not printed as the device prints it is a 400 (the fake's choice).
async fn user_info_by_card(
    State(sim): State<Ef45Sim>,
    Path(card): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    if !is_card(&card) {
        return Err(bad(format!(
            "card {card:?} is not upper-case hex bytes with one space"
        )));
    }
    let store = sim.store();
    let owner = store
        .user_info
        .iter()
        .find(|(_, u)| u.get("card").and_then(Value::as_str) == Some(card.as_str()))
        .map(|(uuid, _)| uuid.clone())
        .or_else(|| {
            store
                .cards
                .iter()
                .find(|(_, cards)| {
                    cards
                        .values()
                        .any(|c| c.get("card").and_then(Value::as_str) == Some(card.as_str()))
                })
                .map(|(uuid, _)| uuid.clone())
        })
        .ok_or_else(|| user_not_found("card"))?;
    let info = store
        .user_info
        .get(&owner)
        .ok_or_else(|| user_not_found("user-info of the card's owner"))?;
    Ok(axum::Json(answer(user_info_defaults(), info)).into_response())
}

async fn user_info_get(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let store = sim.store();
    let info = store
        .user_info
        .get(&uuid)
        .ok_or_else(|| user_not_found("user-info"))?;
    Ok(axum::Json(answer(user_info_defaults(), info)).into_response())
}

async fn user_info_create(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let (uuid, map) = user_info_body(json_object(&headers, &body)?)?;
    let mut store = sim.store();
    if store.user_info.contains_key(&uuid) {
        return Err(conflict("user-info"));
    }
    store.user_info.insert(uuid, map);
    Ok(created())
}

async fn user_info_update(
    State(sim): State<Ef45Sim>,
    Path(path_uuid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let (uuid, map) = user_info_body(json_object(&headers, &body)?)?;
    if uuid != path_uuid {
        return Err(bad("user_uuid in the body differs from the path"));
    }
    let mut store = sim.store();
    let info = store
        .user_info
        .get_mut(&uuid)
        .ok_or_else(|| user_not_found("user-info"))?;
    *info = map;
    Ok(no_content())
}

async fn user_info_delete(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    sim.store()
        .user_info
        .remove(&uuid)
        .ok_or_else(|| user_not_found("user-info"))?;
    Ok(no_content())
}

/// `{"size", "users": [{"id", "time_schedule_code"}]}` -> 200 without a body (the sheet's
/// "200 HTTP_OK"). `size` is not compared with the array (the sheet's example says 1 and sends
/// two users); ids without user-info are skipped (the fake's choice).
async fn user_info_schedule(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    let rest: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| *k != "users")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    check_fields(&rest, &[("size", Kind::Int)], "schedule")?;
    let Some(Value::Array(list)) = map.get("users") else {
        return Err(bad("schedule.users is required (an array)"));
    };
    let mut changes = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("schedule.users[{i}]");
        let item = item
            .as_object()
            .ok_or_else(|| bad(format!("{at} must be an object")))?;
        check_fields(
            item,
            &[("id", Kind::Str), ("time_schedule_code", Kind::Int)],
            &at,
        )?;
        let id = required_string(item, "id", &at)?.to_owned();
        let code = item
            .get("time_schedule_code")
            .cloned()
            .ok_or_else(|| bad(format!("{at}.time_schedule_code is required")))?;
        changes.push((id, code));
    }
    let mut store = sim.store();
    for (id, code) in changes {
        if let Some(info) = store.user_info.get_mut(&id) {
            info.insert("time_schedule_code".into(), code);
        }
    }
    Ok(StatusCode::OK.into_response())
}

// ---------------------------------------------------------------------------------------------
// Faces (sheet Face)

fn face_body(map: &Map<String, Value>, fields: &[(&str, Kind)], at: &str) -> Result<i64, Reject> {
    check_fields(map, fields, at)?;
    map.get("sub_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad(format!("{at}.sub_id is required (0 to 5)")))
}

async fn faces_list(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "pageSize"])?, "pageSize")?;
    let items = sim
        .store()
        .faces
        .values()
        .map(|f| answer(face_defaults(), f))
        .collect();
    Ok(paging.envelope(items))
}

/// All faces of a user (list envelope) or, with `subId`, one face (an object).
async fn faces_of_user(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["subId"])?;
    let sub_id = query.int("subId", 0..=5)?;
    let store = sim.store();
    if let Some(sub_id) = sub_id {
        let face = store
            .faces
            .get(&(uuid, sub_id))
            .ok_or_else(|| user_not_found("face"))?;
        return Ok(axum::Json(answer(face_defaults(), face)).into_response());
    }
    let items: Vec<Value> = store
        .faces
        .iter()
        .filter(|((owner, _), _)| *owner == uuid)
        .map(|(_, f)| answer(face_defaults(), f))
        .collect();
    if items.is_empty() {
        return Err(user_not_found("face"));
    }
    Ok(Paging {
        page: None,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items))
}

async fn face_create(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    let sub_id = face_body(&map, FACE, "face")?;
    let uuid = required_string(&map, "user_uuid", "face")?.to_owned();
    let mut store = sim.store();
    if store.faces.contains_key(&(uuid.clone(), sub_id)) {
        return Err(conflict("face"));
    }
    store.faces.insert((uuid, sub_id), map);
    Ok(created())
}

/// Update by sub id: `subId` required in the query; the body's `user_uuid`/`sub_id` must agree.
async fn face_update(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["subId"])?;
    let sub_id = query
        .int("subId", 0..=5)?
        .ok_or_else(|| bad("subId is required on a face update"))?;
    let map = json_object(&headers, &body)?;
    let body_sub_id = face_body(&map, FACE, "face")?;
    if required_string(&map, "user_uuid", "face")? != uuid || body_sub_id != sub_id {
        return Err(bad(
            "user_uuid/sub_id in the body differ from the path/subId",
        ));
    }
    let mut store = sim.store();
    let face = store
        .faces
        .get_mut(&(uuid, sub_id))
        .ok_or_else(|| user_not_found("face"))?;
    *face = map;
    Ok(no_content())
}

/// Delete one face (`subId`) or, without it (since spec 1.4.10), all faces of the user.
async fn face_delete(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["subId"])?;
    let sub_id = query.int("subId", 0..=5)?;
    let mut store = sim.store();
    let before = store.faces.len();
    store
        .faces
        .retain(|(owner, sub), _| !(*owner == uuid && sub_id.is_none_or(|s| s == *sub)));
    if store.faces.len() == before {
        return Err(user_not_found("face"));
    }
    Ok(no_content())
}

// ---------------------------------------------------------------------------------------------
// User and cards (sheets User, Card)

/// A `cards` array: at most 8 objects `{sub_id, card, remarks}`, `card` required, `sub_id`s
/// distinct (the fake's reading: a card is stored under its `sub_id`).
fn card_items(value: &Value, at: &str) -> Result<BTreeMap<i64, Map<String, Value>>, Reject> {
    let list = value
        .as_array()
        .ok_or_else(|| bad(format!("{at} must be an array")))?;
    if list.len() > MAX_CARDS {
        return Err(bad(format!("{at}: at most {MAX_CARDS} cards per user")));
    }
    let mut cards = BTreeMap::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("{at}[{i}]");
        let item = item
            .as_object()
            .ok_or_else(|| bad(format!("{at} must be an object")))?;
        check_fields(item, CARD_ITEM, &at)?;
        let sub_id = item
            .get("sub_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad(format!("{at}.sub_id is required")))?;
        required_string(item, "card", &at)?;
        if cards.insert(sub_id, item.clone()).is_some() {
            return Err(bad(format!("{at}: sub_id {sub_id} given twice")));
        }
    }
    Ok(cards)
}

/// `POST user`: the subject's keys, the user-info's keys, `faces` (each a Face without
/// `user_uuid`) and `cards` (up to 8), in one body. Answers 201 without a body (not documented;
/// the notes' rule for creations).
async fn user_create(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let mut map = json_object(&headers, &body)?;
    let faces_value = map.remove("faces");
    let cards_value = map.remove("cards");
    let fields: Vec<(&str, Kind)> = SUBJECT
        .iter()
        .chain(USER_INFO.iter().skip(1))
        .copied()
        .collect();
    check_fields(&map, &fields, "user")?;
    let uuid = subject_body(
        &map.iter()
            .filter(|(k, _)| SUBJECT.iter().any(|(n, _)| n == k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        "user",
    )?;
    let mut faces = BTreeMap::new();
    if let Some(value) = &faces_value {
        let list = value
            .as_array()
            .ok_or_else(|| bad("user.faces must be an array"))?;
        for (i, item) in list.iter().enumerate() {
            let at = format!("user.faces[{i}]");
            let mut face = item
                .as_object()
                .ok_or_else(|| bad(format!("{at} must be an object")))?
                .clone();
            let sub_id = face_body(&face, &FACE[1..], &at)?;
            face.insert("user_uuid".into(), json!(uuid));
            if faces.insert(sub_id, face).is_some() {
                return Err(bad(format!("{at}: sub_id {sub_id} given twice")));
            }
        }
    }
    let cards = match &cards_value {
        Some(value) => card_items(value, "user.cards")?,
        None => BTreeMap::new(),
    };
    let subject: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| SUBJECT.iter().any(|(n, _)| n == k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut info: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| USER_INFO.iter().any(|(n, _)| n == k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    info.insert("user_uuid".into(), json!(uuid));
    let mut store = sim.store();
    if store.subjects.contains_key(&uuid) || store.user_info.contains_key(&uuid) {
        return Err(conflict("user"));
    }
    store.subjects.insert(uuid.clone(), subject);
    store.user_info.insert(uuid.clone(), info);
    for (sub_id, face) in faces {
        store.faces.insert((uuid.clone(), sub_id), face);
    }
    if !cards.is_empty() {
        store.cards.insert(uuid, cards);
    }
    Ok(created())
}

/// Removes everything stored for `uuid`; whether anything was.
fn remove_user(store: &mut Store, uuid: &str) -> bool {
    let mut found = store.subjects.remove(uuid).is_some();
    found |= store.user_info.remove(uuid).is_some();
    found |= store.cards.remove(uuid).is_some();
    let before = store.faces.len();
    store.faces.retain(|(owner, _), _| owner != uuid);
    found | (store.faces.len() != before)
}

async fn user_delete(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    if remove_user(&mut sim.store(), &uuid) {
        Ok(no_content())
    } else {
        Err(user_not_found("user"))
    }
}

/// `PUT user/delete-users` `{"list": [1, 2, 3]}` (integers, as the sheet types them; `null`
/// deletes nothing). Each number is the `user_uuid` written in decimal; unknown ones are
/// skipped. Answers 204 (not documented).
async fn users_delete(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    if let Some(key) = map.keys().find(|k| *k != "list") {
        return Err(bad(format!("unknown key delete-users.{key}")));
    }
    let uuids: Vec<String> = match map.get("list") {
        None => return Err(bad("delete-users.list is required (an array or null)")),
        Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|n| {
                n.as_i64()
                    .map(|n| n.to_string())
                    .ok_or_else(|| bad("delete-users.list holds integers"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("delete-users.list must be an array of integers")),
    };
    let mut store = sim.store();
    for uuid in uuids {
        remove_user(&mut store, &uuid);
    }
    Ok(no_content())
}

async fn cards_get(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let store = sim.store();
    let cards = store
        .cards
        .get(&uuid)
        .ok_or_else(|| user_not_found("cards"))?;
    let list: Vec<&Map<String, Value>> = cards.values().collect();
    Ok(axum::Json(json!({"user_uuid": uuid, "cards": list})).into_response())
}

/// `POST cards` `{"user_uuid", "cards": [...]}`: cards are stored under their `sub_id`
/// (replacing one with the same `sub_id`); more than 8 for the user is a 400.
async fn cards_create(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    if let Some(key) = map.keys().find(|k| *k != "user_uuid" && *k != "cards") {
        return Err(bad(format!("unknown key cards.{key}")));
    }
    let uuid = required_string(&map, "user_uuid", "cards")?.to_owned();
    let cards = card_items(
        map.get("cards")
            .ok_or_else(|| bad("cards.cards is required"))?,
        "cards.cards",
    )?;
    let mut store = sim.store();
    let mut merged = store.cards.get(&uuid).cloned().unwrap_or_default();
    merged.extend(cards);
    if merged.len() > MAX_CARDS {
        return Err(bad(format!("at most {MAX_CARDS} cards per user")));
    }
    store.cards.insert(uuid, merged);
    Ok(created())
}

async fn cards_delete(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    sim.store()
        .cards
        .remove(&uuid)
        .ok_or_else(|| user_not_found("cards"))?;
    Ok(no_content())
}

// ---------------------------------------------------------------------------------------------
// Logs (sheet Log)

/// The event types the Log sheet names.
pub const EVENT_TYPES: [&str; 6] = [
    "General",
    "InitInfo",
    "Recognition",
    "UserDataByPC",
    "UserData",
    "CardsData",
];

/// The log item with id `id`: ids 68 and 69 are the Log sheet's example items verbatim; the
/// others are generated (event types in turn, 37 minutes apart from 2018-05-28T14:26:26Z,
/// users `111`/`112`).
fn generated_log(id: i64) -> Value {
    match id {
        68 => {
            return json!({"id":68,"event_type":"Recognition","timestamp":"2018-05-28T14:26:26Z","user_uuid":"111","info":"Recog/BioOnly/IrisOk","additional_data":"Allowed","matched_faceimage_data":""});
        }
        69 => {
            return json!({"id":69,"event_type":"UserData","timestamp":"2018-05-28T14:45:57Z","user_uuid":"111","info":"DeleteUsers","additional_data":"Success","matched_faceimage_data":""});
        }
        _ => {}
    }
    let start = chrono::NaiveDate::from_ymd_opt(2018, 5, 28)
        .and_then(|d| d.and_hms_opt(14, 26, 26))
        .expect("a valid date");
    let at = start + chrono::Duration::minutes(37 * (id - 68).max(0));
    let event = EVENT_TYPES[usize::try_from(id.rem_euclid(6)).unwrap_or(0)];
    let (info, additional) = match event {
        "Recognition" => ("In/Bio-Card/IrisOk", "Allowed"),
        "UserDataByPC" => ("InsertSubject", "Success"),
        "UserData" => ("DeleteUsers", "Success"),
        "CardsData" => ("InsertCards", "Success"),
        "InitInfo" => ("Boot", ""),
        _ => ("Settings", ""),
    };
    json!({
        "id": id, "event_type": event, "timestamp": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "user_uuid": if id % 2 == 0 { "111" } else { "112" }, "info": info,
        "additional_data": additional, "matched_faceimage_data": ""
    })
}

fn log_time(item: &Value) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(item["timestamp"].as_str()?, "%Y-%m-%dT%H:%M:%SZ").ok()
}

/// The Log sheet's timestamp: `yyyy-mm-dd` (meaning 00:00) or `yyyy-mm-ddThh:mm:ssZ`.
fn period_bound(text: &str) -> Result<chrono::NaiveDateTime, Reject> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ")
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or_else(|| bad(format!("{text:?} is not yyyy-mm-dd[Thh:mm:ssZ]")))
}

fn event_type(text: &str) -> Result<&str, Reject> {
    if EVENT_TYPES.contains(&text) {
        Ok(text)
    } else {
        Err(bad(format!("unknown event type {text:?}")))
    }
}

/// The stored logs passing `keep`, in id order.
fn logs_where(sim: &Ef45Sim, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
    sim.store()
        .logs
        .values()
        .filter(|item| keep(item))
        .cloned()
        .collect()
}

/// `GET logs?page=&page_size=&order=desc` (`order` is `asc` or `desc`).
async fn logs_list(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["page", "page_size", "order"])?;
    let paging = Paging::parse(&query, "page_size")?;
    let mut items = logs_where(&sim, |_| true);
    match query.get("order") {
        None | Some("asc") => {}
        Some("desc") => items.reverse(),
        Some(other) => return Err(bad(format!("order={other} is not asc or desc"))),
    }
    Ok(paging.envelope(items))
}

fn id_range(query: &Query, required: bool) -> Result<(i64, i64), Reject> {
    let min = query.int("min", 0..=i64::MAX)?;
    let max = query.int("max", 0..=i64::MAX)?;
    if required && (min.is_none() || max.is_none()) {
        return Err(bad("min and max are both required"));
    }
    Ok((min.unwrap_or(0), max.unwrap_or(i64::MAX)))
}

/// `GET logs/from/to?page=&page_size=&min=&max=` (ids inclusive).
async fn logs_from_to(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["page", "page_size", "min", "max"])?;
    let paging = Paging::parse(&query, "page_size")?;
    let (min, max) = id_range(&query, false)?;
    let items = logs_where(&sim, |l| {
        l["id"].as_i64().is_some_and(|id| id >= min && id <= max)
    });
    Ok(paging.envelope(items))
}

/// `GET logs/from/count?from=&count=`: `count` logs from id `from` (both required here).
async fn logs_from_count(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["from", "count"])?;
    let (Some(from), Some(count)) = (
        query.int("from", 0..=i64::MAX)?,
        query.int("count", 0..=i64::MAX)?,
    ) else {
        return Err(bad("from and count are both required"));
    };
    let mut items = logs_where(&sim, |l| l["id"].as_i64().is_some_and(|id| id >= from));
    items.truncate(usize::try_from(count).unwrap_or(usize::MAX));
    Ok(Paging {
        page: None,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items))
}

/// `GET logs/from/to/type?page=&min=&max=&type=`: 50 a page, fixed; each parameter optional.
async fn logs_by_type(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let query = Query::parse(&uri, &["page", "min", "max", "type"])?;
    let page = query.int("page", 1..=i64::from(i32::MAX))?;
    let (min, max) = id_range(&query, false)?;
    let kind = query.get("type").map(event_type).transpose()?;
    let items = logs_where(&sim, |l| {
        l["id"].as_i64().is_some_and(|id| id >= min && id <= max)
            && kind.is_none_or(|k| l["event_type"] == k)
    });
    Ok(Paging {
        page,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items))
}

/// `GET logs/from/date/{date}`: from `yyyy`, `yyyy-mm` or `yyyy-mm-dd` until now.
async fn logs_from_date(
    State(sim): State<Ef45Sim>,
    Path(date): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "page_size"])?, "page_size")?;
    let full = match date.len() {
        4 => format!("{date}-01-01"),
        7 => format!("{date}-01"),
        _ => date.clone(),
    };
    let from = chrono::NaiveDate::parse_from_str(&full, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| bad(format!("{date:?} is not yyyy, yyyy-mm or yyyy-mm-dd")))?;
    let items = logs_where(&sim, |l| log_time(l).is_some_and(|t| t >= from));
    Ok(paging.envelope(items))
}

/// The logs of a period (both bounds inclusive; a date means its 00:00), of one event type.
fn period(sim: &Ef45Sim, event: Option<&str>, from: &str, to: &str) -> Result<Vec<Value>, Reject> {
    let event = event.map(event_type).transpose()?;
    let (from, to) = (period_bound(from)?, period_bound(to)?);
    Ok(logs_where(sim, |l| {
        log_time(l).is_some_and(|t| t >= from && t <= to)
            && event.is_none_or(|e| l["event_type"] == e)
    }))
}

async fn logs_fromto(
    State(sim): State<Ef45Sim>,
    Path((from, to)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "page_size"])?, "page_size")?;
    Ok(paging.envelope(period(&sim, None, &from, &to)?))
}

async fn logs_fromto_type(
    State(sim): State<Ef45Sim>,
    Path((event, from, to)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    let paging = Paging::parse(&Query::parse(&uri, &["page", "page_size"])?, "page_size")?;
    Ok(paging.envelope(period(&sim, Some(&event), &from, &to)?))
}

async fn logs_count(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(axum::Json(json!({"count": sim.store().logs.len()})).into_response())
}

async fn logs_count_period(
    State(sim): State<Ef45Sim>,
    Path((from, to)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let count = period(&sim, None, &from, &to)?.len();
    Ok(axum::Json(json!({"count": count})).into_response())
}

async fn logs_count_type(
    State(sim): State<Ef45Sim>,
    Path((event, from, to)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let count = period(&sim, Some(&event), &from, &to)?.len();
    Ok(axum::Json(json!({"count": count})).into_response())
}

fn log_id(text: &str) -> Result<i64, Reject> {
    text.parse()
        .map_err(|_| bad(format!("log id {text:?} is not an integer")))
}

fn log_not_found() -> Reject {
    Reject::new(
        StatusCode::NOT_FOUND,
        404,
        "NOT_FOUND",
        "no log with this id",
    )
}

async fn log_get(
    State(sim): State<Ef45Sim>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let id = log_id(&id)?;
    let item = sim
        .store()
        .logs
        .get(&id)
        .cloned()
        .ok_or_else(log_not_found)?;
    Ok(axum::Json(item).into_response())
}

async fn log_delete(
    State(sim): State<Ef45Sim>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let id = log_id(&id)?;
    sim.store().logs.remove(&id).ok_or_else(log_not_found)?;
    Ok(no_content())
}

/// `DELETE logs?min=&max=` (both required, ids inclusive).
async fn logs_delete_range(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    let (min, max) = id_range(&Query::parse(&uri, &["min", "max"])?, true)?;
    sim.store().logs.retain(|id, _| *id < min || *id > max);
    Ok(no_content())
}

/// `DELETE logs/db`: every log (204; no answer is documented).
async fn logs_delete_all(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    sim.store().logs.clear();
    Ok(no_content())
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
    fn cards_are_upper_case_hex_with_one_space() {
        assert!(is_card("65 D8 A1 BD"));
        assert!(is_card("00"));
        for bad in [
            "65 d8 a1 bd",
            "65D8A1BD",
            "65  D8",
            " 65",
            "65 ",
            "6",
            "65 G8",
            "",
        ] {
            assert!(!is_card(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_password_never_reaches_debug() {
        let text = format!("{:?}", Ef45Config::new("root", "s3cret-pass"));
        assert!(!text.contains("s3cret-pass"), "{text}");
    }
}
