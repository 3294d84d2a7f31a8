//! The records (sheets Subject, User_info, Face, User, Card).

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde_json::{Map, Value, json};

use super::wire::{
    DEFAULT_PAGE_SIZE, Kind, Paging, Query, Reject, answer, bad, check_fields, conflict, created,
    is_card, json_object, no_content, required_string, user_not_found,
};
use super::{Ef45Sim, Store};

/// The record calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
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
}

impl Ef45Sim {
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
