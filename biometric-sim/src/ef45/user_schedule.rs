//! A user's validity period (sheet User-schedule).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::Ef45Sim;
use super::wire::{
    Kind, Query, Reject, bad, check_fields, conflict, created, json_answer, json_object,
    no_content, not_found, require_keys, required_string,
};

/// The User-schedule calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route(
            "/1.0/user-schedule",
            post(schedule_create).put(schedule_update),
        )
        .route(
            "/1.0/user-schedule/uuid/{uuid}",
            get(schedule_get).delete(schedule_delete),
        )
}

impl Ef45Sim {
    /// The schedule stored for `uuid`, as `GET user-schedule/uuid/{uuid}` answers it.
    pub fn user_schedule(&self, uuid: &str) -> Option<Value> {
        self.store().user_schedules.get(uuid).map(schedule_answer)
    }
}

/// The sheet's keys and types. `sc_idx` is the only key not marked required.
const USER_SCHEDULE: &[(&str, Kind)] = &[
    ("uuid", Kind::Text),
    ("from_time", Kind::Text),
    ("to_time", Kind::Text),
    ("used", Kind::Int),
    ("sc_idx", Kind::Int),
];

/// `sc_idx` when it was not sent: -1 ("disabled"; the fake's reading of the sheet's first
/// value).
const NO_GROUP: i64 = -1;

/// The sheet's `yyyyMMDDHHmm`: twelve digits making a real date and time (`201905211400`).
pub(super) fn is_minute_stamp(text: &str) -> bool {
    text.len() == 12
        && text.bytes().all(|b| b.is_ascii_digit())
        && chrono::NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M").is_ok()
}

/// The sheet's group index: -1 (disabled) or 1 to 999999.
pub(super) fn is_group_index(n: i64) -> bool {
    n == NO_GROUP || (1..=999_999).contains(&n)
}

/// A checked body: every required key, each of its type and form. Returns the `uuid`.
fn schedule_body(map: &Map<String, Value>) -> Result<String, Reject> {
    let at = "user-schedule";
    check_fields(map, USER_SCHEDULE, at)?;
    require_keys(map, &["uuid", "from_time", "to_time", "used"], at)?;
    for key in ["from_time", "to_time"] {
        let text = map[key].as_str().unwrap_or_default();
        if !is_minute_stamp(text) {
            return Err(bad(format!("{at}.{key} {text:?} is not yyyyMMddHHmm")));
        }
    }
    if !matches!(map["used"].as_i64(), Some(0 | 1)) {
        return Err(bad(format!("{at}.used must be 0 or 1")));
    }
    if let Some(n) = map.get("sc_idx").and_then(Value::as_i64)
        && !is_group_index(n)
    {
        return Err(bad(format!("{at}.sc_idx {n} is not -1 or 1..=999999")));
    }
    Ok(required_string(map, "uuid", at)?.to_owned())
}

fn schedule_answer(stored: &Map<String, Value>) -> Value {
    json!({
        "uuid": stored["uuid"], "from_time": stored["from_time"], "to_time": stored["to_time"],
        "used": stored["used"], "sc_idx": stored.get("sc_idx").cloned().unwrap_or(json!(NO_GROUP))
    })
}

fn no_schedule(uuid: &str) -> Reject {
    not_found(format!("no user schedule for {uuid}"))
}

/// `GET user-schedule/uuid/{uuid}`: `{uuid, from_time, to_time, used, sc_idx}`; none stored is
/// a 404 (not documented).
async fn schedule_get(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let answer = sim.user_schedule(&uuid).ok_or_else(|| no_schedule(&uuid))?;
    Ok(json_answer(answer))
}

/// `POST user-schedule`: 201 (the notes' rule for creations); a second schedule for the same
/// user is a 409 (the fake's choice, like the other records).
async fn schedule_create(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    let uuid = schedule_body(&map)?;
    let mut store = sim.store();
    if store.user_schedules.contains_key(&uuid) {
        return Err(conflict("user schedule"));
    }
    store.user_schedules.insert(uuid, map);
    Ok(created())
}

/// `PUT user-schedule`: replaces the user's schedule; 204 (the notes' rule for updates); a user
/// without one is a 404 (not documented).
async fn schedule_update(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    let uuid = schedule_body(&map)?;
    let mut store = sim.store();
    let stored = store
        .user_schedules
        .get_mut(&uuid)
        .ok_or_else(|| no_schedule(&uuid))?;
    *stored = map;
    Ok(no_content())
}

/// `DELETE user-schedule/uuid/{uuid}`: 204; none stored is a 404.
async fn schedule_delete(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    sim.store()
        .user_schedules
        .remove(&uuid)
        .ok_or_else(|| no_schedule(&uuid))?;
    Ok(no_content())
}
