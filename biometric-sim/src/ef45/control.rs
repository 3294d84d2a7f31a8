//! Device control (sheet Control): the manual command, the card input screen, anti-passback
//! resets and the manual door mode.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::Ef45Sim;
use super::camera::CameraMode;
use super::wire::{
    Kind, Query, Reject, bad, check_fields, is_card, json_answer, json_object, no_body, no_content,
    user_not_found,
};

/// The Control sheet's state.
pub(super) struct ControlState {
    manual_command: bool,
    last_control: Option<Map<String, Value>>,
    card_reading: bool,
    tagged_card: Option<String>,
    door_operation: u8,
}

impl Default for ControlState {
    /// "Use manual command" on (the fake's choice: the device's default is not documented), no
    /// card input screen, door mode 2 ("no manual action (routine operation)"; the fake's choice
    /// of start value).
    fn default() -> Self {
        ControlState {
            manual_command: true,
            last_control: None,
            card_reading: false,
            tagged_card: None,
            door_operation: 2,
        }
    }
}

/// The Control calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/control", post(control))
        .route("/1.0/control/card/start", post(card_start))
        .route("/1.0/control/card/data", get(card_data))
        .route("/1.0/control/card/stop", post(card_stop))
        .route("/1.0/control/apb/clear/{user_uuid}", post(apb_clear))
        .route("/1.0/control/apb/clearall", post(apb_clear_all))
        .route("/1.0/control/manual", get(manual_get).post(manual_set))
}

impl Ef45Sim {
    /// Turns the device's "Use manual command" setting (Settings > Network > Server) on or off.
    /// Off, `POST control` answers the sheet's `{"success": false, "status": "Fail"}`.
    pub fn set_manual_command(&self, enabled: bool) {
        self.store().control.manual_command = enabled;
    }

    /// The body of the last `POST control` that passed the checks (answered with success or
    /// not), as sent.
    pub fn last_control(&self) -> Option<Value> {
        self.store().control.last_control.clone().map(Value::Object)
    }

    /// A card tagged on the device's reader, printed as the device prints cards (`65 D8 A1 BD`).
    /// `GET control/card/data` answers it while the card input screen is shown.
    ///
    /// # Panics
    ///
    /// If `card` is not upper-case hex bytes with one space between them.
    pub fn tag_card(&self, card: &str) {
        assert!(
            is_card(card),
            "a card is printed as upper-case hex bytes with one space, e.g. 65 D8 A1 BD"
        );
        self.store().control.tagged_card = Some(card.to_owned());
    }

    /// Whether the card input screen is shown (between `control/card/start` and `stop`).
    pub fn card_reading(&self) -> bool {
        self.store().control.card_reading
    }

    /// The manual door mode: 0 stay open, 1 stay closed, 2 no manual action, 3 open temporarily.
    pub fn door_operation(&self) -> u8 {
        self.store().control.door_operation
    }
}

/// The `POST control` body (the Control sheet's table). The example sends `""` for the `int`
/// keys (`wiegand_facility`, `wiegand_code`, `touch_enable_start`, `camera_init_position`,
/// `launcher_show`): an integer or `""` is accepted there.
const CONTROL_BODY: &[(&str, Kind)] = &[
    ("result", Kind::Bool),
    ("recog_start", Kind::Bool),
    ("wav_path", Kind::Text),
    ("uuid", Kind::Text),
    ("last_name", Kind::Text),
    ("card", Kind::Card),
    ("wiegand_facility", Kind::IntOrEmpty),
    ("wiegand_code", Kind::IntOrEmpty),
    ("wiegand_custom", Kind::Text),
    ("touch_enable_start", Kind::IntOrEmpty),
    ("camera_init_position", Kind::IntOrEmpty),
    ("launcher_show", Kind::IntOrEmpty),
];

/// `POST control`: at least one key ("At lease one parameter should be included"). Answers
/// `{"success": true, "status": "Success"}` (the success text is the fake's; the sheet shows
/// only `{"success": false, "status": "Fail"}`, which the fake answers when "Use manual
/// command" is off).
async fn control(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    check_fields(&map, CONTROL_BODY, "control")?;
    if map.is_empty() {
        return Err(bad("control needs at least one parameter"));
    }
    let mut store = sim.store();
    store.control.last_control = Some(map);
    Ok(json_answer(if store.control.manual_command {
        json!({"success": true, "status": "Success"})
    } else {
        json!({"success": false, "status": "Fail"})
    }))
}

/// `POST control/card/start`: shows the card input screen. Answers 204: the sheet documents no
/// answer. The camera mode must be `Slave` first, as the sheet says; otherwise the fake answers
/// 409 (the device's answer is not documented).
async fn card_start(State(sim): State<Ef45Sim>, uri: Uri, body: Bytes) -> Result<Response, Reject> {
    no_body(&body, "control/card/start")?;
    Query::parse(&uri, &[])?;
    let mut store = sim.store();
    if store.camera.mode != CameraMode::Slave {
        return Err(Reject::new(
            StatusCode::CONFLICT,
            409,
            "CONFLICT",
            "set the camera mode to Slave before control/card/start",
        ));
    }
    store.control.card_reading = true;
    Ok(no_content())
}

/// `GET control/card/data`: `{"card": "65 D8 A1 BD"}`. **Not documented, the fake's choice:**
/// before a card is tagged, or while the card input screen is not shown, the answer is
/// `{"card": ""}`.
async fn card_data(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let store = sim.store();
    let card = match (&store.control.tagged_card, store.control.card_reading) {
        (Some(card), true) => card.clone(),
        _ => String::new(),
    };
    Ok(json_answer(json!({ "card": card })))
}

/// `POST control/card/stop`: hides the card input screen and forgets the tagged card (the
/// fake's reading). Answers 204: the sheet documents no answer.
async fn card_stop(State(sim): State<Ef45Sim>, uri: Uri, body: Bytes) -> Result<Response, Reject> {
    no_body(&body, "control/card/stop")?;
    Query::parse(&uri, &[])?;
    let mut store = sim.store();
    store.control.card_reading = false;
    store.control.tagged_card = None;
    Ok(no_content())
}

/// `POST control/apb/clear/{user_uuid}`: the user's `apb_status` becomes 1 (CLEAR). A user
/// without user-info is 1100; the answer, undocumented, is 204.
async fn apb_clear(
    State(sim): State<Ef45Sim>,
    Path(uuid): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Reject> {
    no_body(&body, "control/apb/clear")?;
    Query::parse(&uri, &[])?;
    let mut store = sim.store();
    let info = store
        .user_info
        .get_mut(&uuid)
        .ok_or_else(|| user_not_found("user-info"))?;
    info.insert("apb_status".into(), json!(1));
    Ok(no_content())
}

/// `POST control/apb/clearall`: every user's `apb_status` becomes 1 (CLEAR); 204.
async fn apb_clear_all(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Reject> {
    no_body(&body, "control/apb/clearall")?;
    Query::parse(&uri, &[])?;
    for info in sim.store().user_info.values_mut() {
        info.insert("apb_status".into(), json!(1));
    }
    Ok(no_content())
}

/// `GET control/manual`: `{"operation": n}`.
async fn manual_get(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let operation = sim.store().control.door_operation;
    Ok(json_answer(json!({ "operation": operation })))
}

/// `POST control/manual?operation=` (required, 0 to 3). Answers 204: the sheet documents no
/// answer.
async fn manual_set(State(sim): State<Ef45Sim>, uri: Uri, body: Bytes) -> Result<Response, Reject> {
    no_body(&body, "control/manual")?;
    let query = Query::parse(&uri, &["operation"])?;
    let operation = query
        .int("operation", 0..=3)?
        .ok_or_else(|| bad("operation is required (0 to 3)"))?;
    sim.store().control.door_operation = u8::try_from(operation).unwrap_or_default();
    Ok(no_content())
}
