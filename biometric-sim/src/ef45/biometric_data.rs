//! Enrolment captures (sheet Biometric-data): what a capture in `Slave` mode produces, polled
//! with `GET biometric-data[/ver1|/ver2]` and emptied with `DELETE biometric-data/{id}`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{delete, get};
use serde_json::{Map, Value, json};

use super::camera::{CameraMode, CameraStart};
use super::config::ConfigValue;
use super::match_data::recognise;
use super::records::RECORD_VERSION;
use super::wire::{DEFAULT_PAGE_SIZE, Paging, Query, Reject, bad, is_uid, no_content, not_found};
use super::{Ef45Sim, Store, synthetic};

/// A person presenting at the camera. The fake does not recognise anyone: the templates and
/// features a capture gives are generated from the person's name, so two captures of the same
/// name give equal templates (and a subject enrolled with them is found as a duplicate or a
/// match), and different names give different ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    person: String,
    image_bytes: usize,
}

/// The size of each generated image unless [`Capture::image_bytes`] says otherwise.
pub const DEFAULT_IMAGE_BYTES: usize = 1024;

impl Capture {
    /// A capture of `person` with images of [`DEFAULT_IMAGE_BYTES`] bytes each.
    pub fn of(person: impl Into<String>) -> Self {
        Capture {
            person: person.into(),
            image_bytes: DEFAULT_IMAGE_BYTES,
        }
    }

    /// Each image's size in bytes before base64 (an enrolment capture with the four biometric
    /// modes carries seven images: 700 000 bytes each make an answer of about 6.5 MB, the
    /// sheet's "about 5MB" with margin).
    pub fn image_bytes(mut self, bytes: usize) -> Self {
        self.image_bytes = bytes;
        self
    }

    /// The left iris template this capture gives (base64), e.g. to enrol a subject with it.
    pub fn left_eye_template(&self) -> String {
        synthetic::template(&format!("{}/left_eye", self.person))
    }

    /// The right iris template this capture gives (base64).
    pub fn right_eye_template(&self) -> String {
        synthetic::template(&format!("{}/right_eye", self.person))
    }

    /// The face feature (base64) of the face group `group` (`iris_off_face`, `far_off_face`,
    /// `far_on_face`, `near_off_face`, `near_on_face`).
    pub fn face_feature(&self, group: &str) -> String {
        synthetic::template(&format!("{}/{group}", self.person))
    }

    pub(super) fn image(&self, name: &str) -> String {
        synthetic::image(&format!("{}/{name}", self.person), self.image_bytes)
    }
}

/// The five face groups of the Biometric-data and Match-data sheets, and whether each is taken
/// with the IR LED on (`_on_`) and whether it is captured for the eye modes (`iris_off_face`)
/// or with glasses (`near_`).
pub(super) const FACE_GROUPS: [&str; 5] = [
    "iris_off_face",
    "far_off_face",
    "far_on_face",
    "near_off_face",
    "near_on_face",
];

/// Whether the start flags capture `group` (the fake's reading of the sheet's remarks: the iris
/// face with an eye mode, the far faces with `face_mode`, the near faces, "face with glasses",
/// with `glasses_mode`).
pub(super) fn group_captured(flags: &CameraStart, group: &str) -> bool {
    match group {
        "iris_off_face" => flags.eyes(),
        "far_off_face" | "far_on_face" => flags.face_mode,
        _ => flags.glasses_mode,
    }
}

/// The face fields of `group`, filled when captured (zero and empty otherwise). With
/// `duplicate`, the group also carries `<group>_duplicate_uuid` (Biometric-data only).
pub(super) fn face_group(
    item: &mut Map<String, Value>,
    capture: &Capture,
    group: &str,
    captured: bool,
    duplicate: Option<String>,
) {
    let led = i64::from(group.contains("_on_"));
    let (image, feature) = if captured {
        (capture.image(group), capture.face_feature(group))
    } else {
        (String::new(), String::new())
    };
    let size = if captured {
        synthetic::TEMPLATE_BYTES
    } else {
        0
    };
    let number = |x: f64| if captured { json!(x) } else { json!(0.0) };
    let whole = |x: i64| if captured { json!(x) } else { json!(0) };
    let fields = [
        ("", json!(image)),
        ("_eye_width", whole(120)),
        ("_feature", json!(feature)),
        ("_feature_size", json!(size)),
        ("_frontal_score", number(0.93)),
        ("_LED_state", json!(led)),
        ("_left_eye_x", whole(290)),
        ("_right_eye_x", whole(410)),
        ("_roll", number(0.5)),
        ("_score", number(0.91)),
    ];
    for (suffix, value) in fields {
        item.insert(format!("{group}{suffix}"), value);
    }
    if let Some(uuid) = duplicate {
        item.insert(format!("{group}_duplicate_uuid"), json!(uuid));
    }
}

/// The eye fields of `eye` (`left_eye`, `right_eye`) with the template under `template_key`.
pub(super) fn eye_group(
    item: &mut Map<String, Value>,
    capture: &Capture,
    eye: &str,
    template_key: &str,
    captured: bool,
) {
    let template = match (captured, eye) {
        (false, _) => String::new(),
        (true, "left_eye") => capture.left_eye_template(),
        (true, _) => capture.right_eye_template(),
    };
    let image = if captured {
        capture.image(eye)
    } else {
        String::new()
    };
    item.insert(eye.to_owned(), json!(image));
    item.insert(template_key.to_owned(), json!(template));
    item.insert(
        format!("{eye}_usable_iris_area"),
        json!(if captured { 78.5 } else { 0.0 }),
    );
    item.insert(
        format!("{eye}_quality_score"),
        json!(if captured { 87.0 } else { 0.0 }),
    );
    item.insert(format!("{eye}_quality_ok"), json!(captured));
}

/// The device's timestamp form (`2018-05-21T16:59:46Z`), now.
pub(super) fn timestamp_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The stored subject whose `key` template equals `template`, if any.
fn subject_with(store: &Store, key: &str, template: &str) -> String {
    store
        .subjects
        .iter()
        .find(|(_, s)| !template.is_empty() && s.get(key).and_then(Value::as_str) == Some(template))
        .map(|(uuid, _)| uuid.clone())
        .unwrap_or_default()
}

/// The stored face whose `face_feature` equals `feature`, if any.
fn face_with(store: &Store, feature: &str) -> String {
    store
        .faces
        .iter()
        .find(|(_, f)| {
            !feature.is_empty() && f.get("face_feature").and_then(Value::as_str) == Some(feature)
        })
        .map(|((uuid, _), _)| uuid.clone())
        .unwrap_or_default()
}

/// One biometric-data item, with every field of the sheet but `record_version` (added by the
/// revised endpoints). The `*_duplicate_uuid` fields name a stored subject (face) with the same
/// template (feature): the fake's synthetic duplication rule. `bodyTemperature`, `alarm` and
/// `mask` are `""` (their values are not documented); the diameters are present only while
/// `launcher.network.diameter` is 1, as the sheet's requirement says.
fn enrolment_item(store: &mut Store, capture: &Capture, flags: &CameraStart) -> Map<String, Value> {
    let mut item = Map::new();
    item.insert("encounter_id".into(), json!(store.new_uid()));
    item.insert("timestamp".into(), json!(timestamp_now()));
    item.insert(
        "serial_number".into(),
        json!(store.camera.serial_number.clone()),
    );
    for (eye, key) in [
        ("left_eye", "left_eye_enrol_template"),
        ("right_eye", "right_eye_enrol_template"),
    ] {
        eye_group(&mut item, capture, eye, key, flags.eyes());
        let template = item[key].as_str().unwrap_or_default().to_owned();
        let duplicate = subject_with(store, &format!("{eye}_template"), &template);
        item.insert(format!("{eye}_duplicate_uuid"), json!(duplicate));
    }
    for group in FACE_GROUPS {
        let captured = group_captured(flags, group);
        let feature = if captured {
            capture.face_feature(group)
        } else {
            String::new()
        };
        let duplicate = face_with(store, &feature);
        face_group(&mut item, capture, group, captured, Some(duplicate));
    }
    for key in ["error_message", "bodyTemperature", "alarm", "mask"] {
        item.insert(key.into(), json!(""));
    }
    if store.config.value("launcher.network.diameter") == Some(&ConfigValue::Int(1)) {
        let eyes = flags.eyes();
        for (key, pixels) in [
            ("leftIrisDiameter", 230),
            ("leftPupilDiameter", 80),
            ("rightIrisDiameter", 228),
            ("rightPupilDiameter", 78),
        ] {
            item.insert(key.into(), json!(if eyes { pixels } else { 0 }));
        }
    }
    item
}

/// The Biometric-data sheet's state: the buffer of captures not yet deleted.
#[derive(Default)]
pub(super) struct BiometricBuffer {
    items: Vec<Map<String, Value>>,
}

/// The biometric-data calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/biometric-data", get(original))
        .route("/1.0/biometric-data/ver1", get(revised))
        .route("/1.0/biometric-data/ver2", get(revised))
        .route("/1.0/biometric-data/{encounter_id}", delete(remove))
}

impl Ef45Sim {
    /// A person presents at the camera. With the camera started in `Slave` mode, the capture
    /// completes: one biometric-data item (the start's modes decide which images and templates
    /// it carries), and the camera stops ("Camera will stop automatically when capture and data
    /// transmission are completed"). In `Recog` mode, the device recognises: one match-data
    /// item (the stored subject with an equal template, or the card subject of a pending
    /// `start/matchtemplate`) and a Recognition log. Returns the item's `encounter_id`, or
    /// `None` when nothing was captured (`Slave` mode without a start, or `Enrol` mode: the
    /// sheets do not describe captures in "Use Mode").
    pub fn capture(&self, capture: &Capture) -> Option<String> {
        let mut store = self.store();
        match store.camera.mode {
            CameraMode::Slave => {}
            CameraMode::Recog => return Some(recognise(&mut store, capture)),
            CameraMode::Enrol => return None,
        }
        let flags = store.camera.running.take()?;
        let item = enrolment_item(&mut store, capture, &flags);
        let id = item["encounter_id"].as_str().unwrap_or_default().to_owned();
        store.biometric.items.push(item);
        Some(id)
    }

    /// A person standing at the camera until the returned task is aborted: whenever the camera
    /// is started in `Slave` mode they are captured, and while it is in `Recog` mode they are
    /// recognised every `recognition_every` (as someone walking up to the door again and
    /// again). The state is checked every 20 ms.
    pub fn attend_camera(
        &self,
        capture: Capture,
        recognition_every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let sim = self.clone();
        tokio::spawn(async move {
            let tick = std::time::Duration::from_millis(20);
            let mut since_recognition = std::time::Duration::ZERO;
            loop {
                tokio::time::sleep(tick).await;
                let (running, mode) = {
                    let store = sim.store();
                    (store.camera.running.is_some(), store.camera.mode)
                };
                match mode {
                    CameraMode::Slave if running => {
                        sim.capture(&capture);
                    }
                    CameraMode::Recog => {
                        since_recognition += tick;
                        if since_recognition >= recognition_every {
                            since_recognition = std::time::Duration::ZERO;
                            sim.capture(&capture);
                        }
                    }
                    _ => {}
                }
            }
        })
    }

    /// A capture left in the buffer by an earlier enrolment that never deleted it (a client
    /// that crashed): one biometric-data item with the eyes and the face, whatever the camera's
    /// state. Returns its `encounter_id`.
    pub fn leave_capture(&self, capture: &Capture) -> String {
        let everything = CameraStart {
            face_mode: true,
            glasses_mode: false,
            both_eye_mode: true,
            either_eye_mode: false,
            streaming_mode: false,
            recog_mode: false,
        };
        let mut store = self.store();
        let item = enrolment_item(&mut store, capture, &everything);
        let id = item["encounter_id"].as_str().unwrap_or_default().to_owned();
        store.biometric.items.push(item);
        id
    }

    /// How many biometric-data items wait in the buffer.
    pub fn biometric_data_count(&self) -> usize {
        self.store().biometric.items.len()
    }
}

fn listed(sim: &Ef45Sim, with_record_version: bool) -> Response {
    let items = sim
        .store()
        .biometric
        .items
        .iter()
        .map(|item| {
            let mut item = item.clone();
            if with_record_version {
                item.insert("record_version".into(), json!(RECORD_VERSION));
            }
            Value::Object(item)
        })
        .collect();
    Paging {
        page: None,
        size: DEFAULT_PAGE_SIZE,
    }
    .envelope(items)
}

/// `GET biometric-data` (the original endpoint, up to app 1.2.33): items without
/// `record_version` ("it works only in the revised endpoint").
async fn original(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(listed(&sim, false))
}

/// `GET biometric-data/ver1` and `/ver2`: items with `record_version`. Ver2 "added server match
/// key both on network and USB connection", but the sheet lists no field for it: both answer
/// the same.
async fn revised(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    Ok(listed(&sim, true))
}

/// `DELETE biometric-data/{encounter_id}`: 204; an id not in the 8-4-4-4-12 form is a 400 and
/// an unknown one a 404 (the fake's answers).
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
    let before = store.biometric.items.len();
    store
        .biometric
        .items
        .retain(|item| item["encounter_id"] != json!(id));
    if store.biometric.items.len() == before {
        return Err(not_found("no biometric data with this encounter_id"));
    }
    Ok(no_content())
}
