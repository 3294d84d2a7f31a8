//! Recognitions (sheet Match-data, and the Camera sheet's `start/matchtemplate`): what the
//! device matched, polled with `GET match-data` and emptied with `DELETE match-data/{id}`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde_json::{Map, Value, json};

use super::biometric_data::{Capture, FACE_GROUPS, eye_group, face_group, timestamp_now};
use super::camera::CameraMode;
use super::logs::append_recognition;
use super::wire::{
    DEFAULT_PAGE_SIZE, Kind, Paging, Query, Reject, bad, check_fields, is_uid, json_answer,
    json_object, no_content, not_found, require_keys,
};
use super::{Ef45Sim, Store};

/// The Match-data sheet's state: the buffer of recognitions not yet deleted, and the card
/// subject a `start/matchtemplate` waits to compare.
#[derive(Default)]
pub(super) struct MatchBuffer {
    items: Vec<Map<String, Value>>,
    template: Option<(String, Map<String, Value>)>,
}

/// The match-data calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/match-data", get(listed))
        .route("/1.0/match-data/{encounter_id}", delete(remove))
        .route(
            "/1.0/camera/control/start/matchtemplate/{seq_uid}",
            post(start_match_template),
        )
}

impl Ef45Sim {
    /// A recognition of `user_uuid` (`""`: nobody matched) as the device reports it: one
    /// match-data item with `capture`'s images and templates, and a Recognition log
    /// (`Recog/BioOnly/IrisOk`, or `IrisFail` without a user) whose id the item's `log_id`
    /// gives. Returns the item's `encounter_id`.
    pub fn push_match(&self, user_uuid: &str, capture: &Capture) -> String {
        let mut store = self.store();
        let id = store.new_uid();
        push(&mut store, id, user_uuid, capture)
    }

    /// How many match-data items wait in the buffer.
    pub fn match_data_count(&self) -> usize {
        self.store().matches.items.len()
    }
}

/// In `Recog` mode, a capture is a recognition (called by [`Ef45Sim::capture`]). After a
/// `start/matchtemplate`, the capture is compared with the card subject's templates and the
/// item carries the request's `seq_uid` as its `encounter_id` (the fake's reading: the sheet
/// says only that "the result will be returned"); otherwise it is compared with the stored
/// subjects. Equal non-empty left or right templates match (the fake's synthetic rule).
pub(super) fn recognise(store: &mut Store, capture: &Capture) -> String {
    let left = capture.left_eye_template();
    let right = capture.right_eye_template();
    let matches = |subject: &Map<String, Value>| {
        [("left_eye_template", &left), ("right_eye_template", &right)]
            .iter()
            .any(|(key, template)| subject.get(*key).and_then(Value::as_str) == Some(template))
    };
    let (id, user) = match store.matches.template.take() {
        Some((seq_uid, subject)) => {
            let user = if matches(&subject) {
                subject["user_uuid"].as_str().unwrap_or_default().to_owned()
            } else {
                String::new()
            };
            (seq_uid, user)
        }
        None => {
            let user = store
                .subjects
                .iter()
                .find(|(_, subject)| matches(subject))
                .map(|(uuid, _)| uuid.clone())
                .unwrap_or_default();
            (store.new_uid(), user)
        }
    };
    push(store, id, &user, capture)
}

/// Stores one match-data item and its log; returns its `encounter_id`.
fn push(store: &mut Store, id: String, user_uuid: &str, capture: &Capture) -> String {
    let (info, additional) = if user_uuid.is_empty() {
        // The result keyword of the API Overview; the additional data of a failure is not
        // documented.
        ("Recog/BioOnly/IrisFail", "")
    } else {
        ("Recog/BioOnly/IrisOk", "Allowed")
    };
    let log_id = append_recognition(store, user_uuid, info, additional);
    let item = match_item(store, &id, user_uuid, log_id, capture);
    store.matches.items.push(item);
    id
}

/// One match-data item with every field of the sheet, the left template under the sheet's
/// spelling `left_eye__iris_template` (two underscores) and the right one under
/// `right_eye_iris_template`. A recognition fills every group (the fake's choice: no start
/// flags apply in `Recog` mode). The sheet marks the eye quality fields "x" without saying
/// what it means; they are sent filled.
fn match_item(
    store: &Store,
    id: &str,
    user_uuid: &str,
    log_id: i64,
    capture: &Capture,
) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("encounter_id".into(), json!(id));
    item.insert("timestamp".into(), json!(timestamp_now()));
    item.insert("serial_number".into(), json!(store.camera.serial_number));
    item.insert("uuid".into(), json!(user_uuid));
    item.insert("log_id".into(), json!(log_id));
    eye_group(
        &mut item,
        capture,
        "left_eye",
        "left_eye__iris_template",
        true,
    );
    eye_group(
        &mut item,
        capture,
        "right_eye",
        "right_eye_iris_template",
        true,
    );
    for group in FACE_GROUPS {
        face_group(&mut item, capture, group, true, None);
    }
    item
}

/// `GET match-data`: the list envelope of the buffer.
async fn listed(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let items = sim
        .store()
        .matches
        .items
        .iter()
        .cloned()
        .map(Value::Object)
        .collect();
    Ok(Paging {
        page: None,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items))
}

/// `DELETE match-data/{encounter_id}` (8-4-4-4-12): 204; a malformed id is a 400 and an
/// unknown one a 404 (the fake's answers).
async fn remove(
    State(sim): State<Ef45Sim>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    if !is_uid(&id) {
        return Err(bad(format!("encounter_id {id:?} is not 8-4-4-4-12")));
    }
    let mut store = sim.store();
    let before = store.matches.items.len();
    store
        .matches
        .items
        .retain(|item| item["encounter_id"] != json!(id));
    if store.matches.items.len() == before {
        return Err(not_found("no match data with this encounter_id"));
    }
    Ok(no_content())
}

/// The Subject keys `start/matchtemplate` takes (the Camera sheet's table: the Subject sheet's
/// keys without the image paths), each marked required. The example sends `"wiegand_custom":
/// ""` for the table's `int`, as the Subject sheet's own example does: both are accepted.
const MATCH_SUBJECT: &[(&str, Kind)] = &[
    ("user_uuid", Kind::Text),
    ("record_version", Kind::Int),
    ("last_name", Kind::Text),
    ("access_allowed", Kind::Bool),
    ("first_name", Kind::Text),
    ("match_until", Kind::Text),
    ("wiegand_facility", Kind::Int),
    ("wiegand_site", Kind::Int),
    ("wiegand_code", Kind::Int),
    ("wiegand_custom", Kind::IntOrEmpty),
    ("left_eye_template", Kind::Text),
    ("right_eye_template", Kind::Text),
];

/// `POST camera/control/start/matchtemplate/{seq_uid}` with a Subject body (the template "read
/// from the card") -> the sheet's `{"success": true, "status": "Started matching template"}`.
/// The sheet's steps switch the camera to `Recog` first: in another mode the fake answers
/// `{"success": false, "status": "Please first change mode to Recog"}` (its own text; the
/// sheet gives none). `seq_uid` must be 8-4-4-4-12 (400). The next capture is compared with
/// this subject (see [`recognise`]); a second request replaces the first.
async fn start_match_template(
    State(sim): State<Ef45Sim>,
    Path(seq_uid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    if !is_uid(&seq_uid) {
        return Err(bad(format!("seq_uid {seq_uid:?} is not 8-4-4-4-12")));
    }
    let map = json_object(&headers, &body)?;
    let at = "matchtemplate";
    check_fields(&map, MATCH_SUBJECT, at)?;
    let keys: Vec<&str> = MATCH_SUBJECT.iter().map(|(name, _)| *name).collect();
    require_keys(&map, &keys, at)?;
    let mut store = sim.store();
    if store.camera.mode != CameraMode::Recog {
        return Ok(json_answer(
            json!({"success": false, "status": "Please first change mode to Recog"}),
        ));
    }
    store.matches.template = Some((seq_uid, map));
    Ok(json_answer(
        json!({"success": true, "status": "Started matching template"}),
    ))
}
