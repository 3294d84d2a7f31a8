//! The camera (sheet Camera): its settings, the device time, start and stop.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Ef45Sim;
use super::wire::{
    Kind, Query, Reject, bad, check_fields, json_answer, json_object, no_body, require_keys,
};

/// The camera mode, as the Camera sheet spells it on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraMode {
    /// `"Slave"`: enrolment mode, driven by the host (the mode `camera/control/start` needs).
    Slave,
    /// `"Recog"`: recognition mode.
    Recog,
    /// `"Enrol"`: "Use Mode" in the sheet's words.
    Enrol,
}

impl CameraMode {
    /// The wire spelling: `Slave`, `Recog` or `Enrol`.
    pub fn as_str(self) -> &'static str {
        match self {
            CameraMode::Slave => "Slave",
            CameraMode::Recog => "Recog",
            CameraMode::Enrol => "Enrol",
        }
    }

    fn parse(text: &str) -> Option<CameraMode> {
        [CameraMode::Slave, CameraMode::Recog, CameraMode::Enrol]
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }
}

/// The flags of an accepted `camera/control/start` (each `false` when not sent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CameraStart {
    /// `face_mode`: face without glasses.
    pub face_mode: bool,
    /// `glasses_mode`: face with glasses.
    pub glasses_mode: bool,
    /// `both_eye_mode`.
    pub both_eye_mode: bool,
    /// `either_eye_mode`.
    pub either_eye_mode: bool,
    /// `streaming_mode`: the face at full resolution.
    pub streaming_mode: bool,
    /// `recog_mode`: the recognition camera settings instead of the enrolment ones.
    pub recog_mode: bool,
}

impl CameraStart {
    /// Whether an eye mode (both or either) was asked.
    pub fn eyes(&self) -> bool {
        self.both_eye_mode || self.either_eye_mode
    }
}

/// The Camera sheet's state.
pub(super) struct CameraState {
    pub(super) serial_number: String,
    pub(super) mode: CameraMode,
    audio_enabled: bool,
    /// The flags of the running capture, until it stops or completes.
    pub(super) running: Option<CameraStart>,
    device_time: Option<chrono::NaiveDateTime>,
}

impl Default for CameraState {
    /// The sheet's GET example: `{"serial_number": "EB0022A002929", "camera_mode": "Recog",
    /// "audio_enabled": true}`, camera stopped.
    fn default() -> Self {
        CameraState {
            serial_number: "EB0022A002929".into(),
            mode: CameraMode::Recog,
            audio_enabled: true,
            running: None,
            device_time: None,
        }
    }
}

/// The Camera calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/camera", get(settings_get).post(settings_set))
        .route(
            "/1.0/camera/control/setDeviceTime/{device_time}",
            post(set_device_time),
        )
        .route("/1.0/camera/control/start", post(start))
        .route("/1.0/camera/control/stop", post(stop))
}

impl Ef45Sim {
    /// The camera mode now.
    pub fn camera_mode(&self) -> CameraMode {
        self.store().camera.mode
    }

    /// Sets the camera mode, as an operator at the device would.
    pub fn set_camera_mode(&self, mode: CameraMode) {
        self.store().camera.mode = mode;
    }

    /// The flags of the running capture: `Some` from an accepted `camera/control/start` until
    /// `stop` or a completed capture.
    pub fn camera_running(&self) -> Option<CameraStart> {
        self.store().camera.running
    }

    /// The device time last set with `camera/control/setDeviceTime`.
    pub fn device_time(&self) -> Option<chrono::NaiveDateTime> {
        self.store().camera.device_time
    }
}

/// `{"success", "status"}`, the camera calls' answer.
fn outcome(success: bool, status: &str) -> Response {
    json_answer(json!({"success": success, "status": status}))
}

/// `GET camera`: `{serial_number, camera_mode, audio_enabled}`.
async fn settings_get(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let store = sim.store();
    let camera = &store.camera;
    Ok(json_answer(json!({
        "serial_number": camera.serial_number, "camera_mode": camera.mode.as_str(),
        "audio_enabled": camera.audio_enabled
    })))
}

const SETTINGS_BODY: &[(&str, Kind)] = &[
    ("serial_number", Kind::Text),
    ("camera_mode", Kind::Text),
    ("audio_enabled", Kind::Bool),
];

/// `POST camera` `{serial_number, camera_mode, audio_enabled}` -> the sheet's `{"success":
/// true, "status": "Success set mode"}`. `serial_number` and `camera_mode` are required (as
/// marked), `audio_enabled` is not. **Fake's own:** a `serial_number` other than the device's
/// is a 400 (the sheet is silent; its example sends the device's own). A mode change stops a
/// running capture and, as the sheet's remark says, deletes the preview.
async fn settings_set(
    State(sim): State<Ef45Sim>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let map = json_object(&headers, &body)?;
    let at = "camera";
    check_fields(&map, SETTINGS_BODY, at)?;
    require_keys(&map, &["serial_number", "camera_mode"], at)?;
    let mode_text = map["camera_mode"].as_str().unwrap_or_default();
    let mode = CameraMode::parse(mode_text).ok_or_else(|| {
        bad(format!(
            "camera.camera_mode {mode_text:?} is not Slave, Recog or Enrol"
        ))
    })?;
    let mut store = sim.store();
    if map["serial_number"].as_str() != Some(store.camera.serial_number.as_str()) {
        return Err(bad("camera.serial_number is not the device's"));
    }
    if let Some(audio) = map.get("audio_enabled").and_then(Value::as_bool) {
        store.camera.audio_enabled = audio;
    }
    if store.camera.mode != mode {
        store.camera.running = None;
    }
    store.camera.mode = mode;
    Ok(outcome(true, "Success set mode"))
}

/// The sheet's `MMddHHmmyyyy.ss` (24-hour, as its example `051814412018.41` shows; the
/// reference's `MMddhhmmyyy.ss` and "2:20:30 PM" are typos): a real date and time.
fn device_time(text: &str) -> Option<chrono::NaiveDateTime> {
    let shaped = text.len() == 15
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 12 {
                b == b'.'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(text, "%m%d%H%M%Y.%S").ok()
}

/// `POST camera/control/setDeviceTime/{MMddHHmmyyyy.ss}` -> the sheet's `{"success": true,
/// "status": ""}`; a malformed or impossible time is a 400 (the fake's).
async fn set_device_time(
    State(sim): State<Ef45Sim>,
    Path(text): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Response, Reject> {
    no_body(&body, "camera/control/setDeviceTime")?;
    Query::parse(&uri, &[])?;
    let time =
        device_time(&text).ok_or_else(|| bad(format!("{text:?} is not a real MMddHHmmyyyy.ss")))?;
    sim.store().camera.device_time = Some(time);
    Ok(outcome(true, ""))
}

/// A `true`/`false` query flag (absent: `false`).
fn flag(query: &Query, name: &str) -> Result<bool, Reject> {
    match query.get(name) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(bad(format!("{name}={other} is not true or false"))),
    }
}

/// `POST camera/control/start?face_mode=&glasses_mode=&both_eye_mode=&either_eye_mode=
/// [&streaming_mode=][&recog_mode=]`: the sheet's three answers, `{"success": true, "status":
/// "Started camera"}`, `{"success": false, "status": "Please first chagne mode to
/// Slave(Enrollment)"}` (its spelling) when the camera mode is not `Slave`, and `{"success":
/// false, "status": "Unknown start mode"}` when none of the four biometric modes is `true`.
/// All three are HTTP 200 (the sheet gives no status). A flag that is not `true`/`false` is a
/// 400. Starting a running camera restarts it with the new flags (the fake's choice).
async fn start(State(sim): State<Ef45Sim>, uri: Uri, body: Bytes) -> Result<Response, Reject> {
    no_body(&body, "camera/control/start")?;
    let query = Query::parse(
        &uri,
        &[
            "face_mode",
            "glasses_mode",
            "both_eye_mode",
            "either_eye_mode",
            "streaming_mode",
            "recog_mode",
        ],
    )?;
    let flags = CameraStart {
        face_mode: flag(&query, "face_mode")?,
        glasses_mode: flag(&query, "glasses_mode")?,
        both_eye_mode: flag(&query, "both_eye_mode")?,
        either_eye_mode: flag(&query, "either_eye_mode")?,
        streaming_mode: flag(&query, "streaming_mode")?,
        recog_mode: flag(&query, "recog_mode")?,
    };
    let mut store = sim.store();
    if store.camera.mode != CameraMode::Slave {
        return Ok(outcome(
            false,
            "Please first chagne mode to Slave(Enrollment)",
        ));
    }
    if !(flags.eyes() || flags.face_mode || flags.glasses_mode) {
        return Ok(outcome(false, "Unknown start mode"));
    }
    store.camera.running = Some(flags);
    Ok(outcome(true, "Started camera"))
}

/// `POST camera/control/stop` -> the sheet's `{"success": true, "status": "Stopped camera"}`
/// (also when the camera was not running: the fake's choice).
async fn stop(State(sim): State<Ef45Sim>, uri: Uri, body: Bytes) -> Result<Response, Reject> {
    no_body(&body, "camera/control/stop")?;
    Query::parse(&uri, &[])?;
    sim.store().camera.running = None;
    Ok(outcome(true, "Stopped camera"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_times_are_month_day_hour_minute_year_dot_seconds() {
        let example = device_time("051814412018.41").unwrap();
        assert_eq!(example.to_string(), "2018-05-18 14:41:41");
        assert!(device_time("052014402018.30").is_some());
        for bad in [
            "133014402018.30",
            "022914402019.00",
            "052024402018.30",
            "052014602018.30",
            "05201440201830",
            "0520144018.30",
            "052014402018:30",
            "+52014402018.30",
        ] {
            assert!(device_time(bad).is_none(), "{bad}");
        }
    }
}
