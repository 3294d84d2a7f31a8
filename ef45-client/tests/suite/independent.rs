//! Independent acceptance check of `ef45_client::Client`, written from the vendor documentation
//! alone (`vendor-docs/ef45/`: the v1.4.10 workbook `spec-v1.4.10-sheets.txt`, the ReDoc text
//! `rest-api-reference.txt`, `notes.md`) and the crate's public API. It does not use
//! `tests/common` nor the crate's simulator: the fake terminal below is written here, from the
//! sheets, and behaves as a terminal in the field does where a simulator may be kinder (device
//! codes under HTTP 200, a lock going stale in the middle of an upload, older applications that
//! lack paths, a page-size parameter the device does not read, the Database sheet's comma-less
//! answers).
//!
//! Every test asserts on what the fake received, not only on what the client returned. Where the
//! documentation is silent, the fake says so in a comment and accepts every reading.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use ef45_client::{
    BiometricText, CaptureEnrollment, CaptureError, CaptureModes, CaptureOutcome, Client,
    DatabaseFile, DeviceFailure, Error, Face, FaceSubId, FirmwareMode, FirmwareUpload, LogFilter,
    ManualCommand, NewUser, Progress, ResponseCode, RetryPolicy, Subject, UploadSource, UserInfo,
};
use futures_util::TryStreamExt;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The fake terminal
// ---------------------------------------------------------------------------------------------

/// Sheet Camera, GET camera example: `"serial_number":"EB0022A002929"`.
const SERIAL: &str = "EB0022A002929";
/// Sheet Biometric-data, DELETE URL example: an encounter id left in the buffer before we start.
const OLD_ID: &str = "5da3c96c-5d18-11e8-b8ae-503f98000288";
/// The capture the camera produces after our start.
const NEW_ID: &str = "7e1c2f00-5d19-11e8-829f-503f98000288";
/// Sheet Biometric-data: the five face groups of a capture item.
const FACE_GROUPS: [&str; 5] = [
    "iris_off_face",
    "far_off_face",
    "far_on_face",
    "near_off_face",
    "near_on_face",
];
/// Sheet Response_code row 47.
const STALE: (u32, &str) = (1102, "Unavailable accessToken!");

/// One request as the fake received it (path without `/1.0/`, percent-decoded).
#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    ctype: String,
    body: Vec<u8>,
}

impl Req {
    fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// An answer of the fake.
struct Reply {
    status: u16,
    ctype: Option<&'static str>,
    body: Vec<u8>,
}

impl Reply {
    fn json(value: Value) -> Self {
        Self {
            status: 200,
            ctype: Some("application/json"),
            body: value.to_string().into_bytes(),
        }
    }

    /// A body written verbatim (the sheets' malformed examples).
    fn raw(status: u16, text: &str) -> Self {
        Self {
            status,
            ctype: Some("application/json"),
            body: text.as_bytes().to_vec(),
        }
    }

    fn empty(status: u16) -> Self {
        Self {
            status,
            ctype: None,
            body: Vec::new(),
        }
    }

    /// A device code (sheet Response_code) in the body, under the given HTTP status.
    fn code(status: u16, code: u32, phrase: &str) -> Self {
        Self::raw(
            status,
            &format!(r#"{{"status_code":{code},"reason_phrase":"{phrase}"}}"#),
        )
    }

    fn stale(status: u16) -> Self {
        Self::code(status, STALE.0, STALE.1)
    }

    fn into_response(self) -> Response {
        let mut builder = axum::http::Response::builder().status(self.status);
        if let Some(ctype) = self.ctype {
            builder = builder.header(header::CONTENT_TYPE, ctype);
        }
        builder.body(Body::from(self.body)).expect("fake response")
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Plan {
    /// The camera produces a usable capture on the second poll after the start.
    #[default]
    Good,
    /// The capture comes with `error_message` set.
    Unusable,
    /// No capture ever comes.
    Never,
}

/// A firmware or database unit the device executed.
#[derive(Clone, Debug)]
struct Unit {
    lock: String,
    step: String,
    data: Vec<u8>,
}

/// What the terminal holds, and everything it received.
#[derive(Default)]
struct Device {
    log: Vec<Req>,
    lock: Option<String>,
    locks: Vec<String>,
    lock_bodies: Vec<Vec<u8>>,
    /// HTTP status under which a stale lock is refused with 1102.
    stale_http: u16,
    counters: HashMap<String, u32>,
    /// Rules of the sheets the client broke, as seen by the fake.
    violations: Vec<String>,
    subjects: BTreeMap<String, Value>,
    posted_subjects: Vec<Value>,
    posted_faces: Vec<Value>,
    posted_users: Vec<Value>,
    user_info_list: Vec<Value>,
    face_list: Vec<Value>,
    camera_mode: String,
    audio: bool,
    running: bool,
    polls_running: u32,
    camera_posts: Vec<Value>,
    buffer: Vec<Value>,
    plan: Plan,
    saved_files: Vec<(String, Value)>,
    fw: Vec<u8>,
    fw_image: Option<Vec<u8>>,
    fw_units: Vec<Unit>,
    db_files: HashMap<String, Vec<u8>>,
    db_parts: HashMap<String, Vec<(&'static str, Vec<u8>)>>,
    /// Per database file: decoded bytes so far, base64 characters so far.
    db_up: HashMap<String, (Vec<u8>, usize)>,
    db_done: HashMap<String, Vec<u8>>,
    db_units: Vec<Unit>,
}

impl Device {
    fn bump(&mut self, key: &str) -> u32 {
        let counter = self.counters.entry(key.to_string()).or_default();
        *counter += 1;
        *counter
    }

    fn count(&self, method: &str, path: &str) -> usize {
        self.log
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .count()
    }

    fn hits(&self, method: &str, path: &str) -> Vec<&Req> {
        self.log
            .iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    fn position(&self, method: &str, path: &str) -> Option<usize> {
        self.log
            .iter()
            .position(|r| r.method == method && r.path == path)
    }

    fn violate(&mut self, text: String) {
        self.violations.push(text);
    }
}

type Hook = Box<dyn Fn(&mut Device, &Req) -> Option<Reply> + Send + Sync>;

/// The fake EF-45: an application version, paths it lacks, and a hook run before its own rules.
struct Fake {
    version: String,
    lacks: Vec<String>,
    hook: Option<Hook>,
    dev: Mutex<Device>,
}

impl Fake {
    fn new(version: &str) -> Self {
        let device = Device {
            stale_http: 200,
            camera_mode: "Recog".into(),
            audio: true,
            ..Device::default()
        };
        Self {
            version: version.into(),
            lacks: Vec::new(),
            hook: None,
            dev: Mutex::new(device),
        }
    }

    fn hook(
        mut self,
        hook: impl Fn(&mut Device, &Req) -> Option<Reply> + Send + Sync + 'static,
    ) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// A path (and everything under it) the terminal answers with a bare 404.
    fn lacking(mut self, path: &str) -> Self {
        self.lacks.push(path.into());
        self
    }

    fn with(self, setup: impl FnOnce(&mut Device)) -> Self {
        setup(&mut self.dev.lock().unwrap());
        self
    }

    fn dev(&self) -> MutexGuard<'_, Device> {
        self.dev.lock().unwrap()
    }

    fn answer(&self, req: Req) -> Reply {
        let mut dev = self.dev.lock().unwrap();
        dev.log.push(req.clone());
        if let Some(hook) = &self.hook
            && let Some(reply) = hook(&mut dev, &req)
        {
            return reply;
        }
        self.route(&mut dev, &req)
    }

    /// Whether this application version has the call (sheet Revision_History, and the
    /// Biometric-data sheet's own version remarks).
    fn serves(&self, method: &str, path: &str, req: &Req) -> bool {
        let needs = if path == "control/manual" {
            Some((2, 0, 92)) // v1.3.8
        } else if method == "PUT" && path == "user/delete-users" {
            Some((2, 1, 7)) // v1.3.9
        } else if path == "logs/count" || path.starts_with("logs/from/date/") {
            Some((2, 1, 20)) // v1.3.12
        } else if path.starts_with("logs/fromto/") || path.starts_with("logs/count/") {
            Some((2, 1, 47)) // v1.3.21
        } else if path == "lock/chpasswd" {
            Some((2, 1, 50)) // v1.4.0
        } else if path.starts_with("database")
            && (path.ends_with("/EyeLockFull") || path.ends_with("/EyeLockPart"))
        {
            Some((2, 1, 58)) // v1.4.2
        } else if path == "subjects/count" {
            Some((2, 1, 66)) // v1.4.3
        } else if path == "logs/from/to/type" {
            Some((2, 2, 30)) // v1.4.8
        } else if method == "DELETE" && path.starts_with("faces/") && req.q("subId").is_none() {
            Some((2, 2, 41)) // v1.4.10
        } else if path == "biometric-data/ver1" {
            Some((1, 2, 34))
        } else if path == "biometric-data/ver2" {
            Some((2, 0, 73)) // v1.4.21
        } else {
            None
        };
        let version = parse_version(&self.version);
        if needs.is_some_and(|needs| version < needs) {
            return false;
        }
        // "<original endpoint - up to App version 1.2.33>"
        !(method == "GET" && path == "biometric-data" && version > (1, 2, 33))
    }

    fn route(&self, dev: &mut Device, req: &Req) -> Reply {
        let (m, p) = (req.method.as_str(), req.path.as_str());
        // Sheet Common: `version` and the lock calls take no lock_uid.
        if m == "GET" && p == "version" {
            return Reply::json(json!({ "version": self.version }));
        }
        if p == "lock" && (m == "POST" || m == "PUT") {
            return self.lock(dev, req);
        }
        if m == "DELETE"
            && let Some(uid) = p.strip_prefix("lock/")
        {
            if dev.lock.as_deref() == Some(uid) {
                dev.lock = None;
            }
            return Reply::empty(200); // Not documented.
        }
        if self
            .lacks
            .iter()
            .any(|l| p == l.as_str() || p.starts_with(&format!("{l}/")))
        {
            return Reply::empty(404);
        }
        if !self.serves(m, p, req) {
            // Response_code 404 "The server cannot find the requested URL", no device code.
            return Reply::empty(404);
        }
        // notes.md: "Every other call takes the query parameter lock_uid". A lock that is not
        // the current one is refused with 1102 and the call is not executed.
        let given = req.q("lock_uid");
        if given.is_none() || given != dev.lock.as_deref() {
            return Reply::stale(dev.stale_http);
        }
        if let Some(reply) = exact_route(dev, req) {
            return reply;
        }
        let segs: Vec<&str> = p.split('/').collect();
        match (m, segs.as_slice()) {
            ("GET", ["subjects", id]) => match dev.subjects.get(*id) {
                Some(subject) => Reply::json(subject.clone()),
                None => Reply::code(200, 1100, "User not found!"),
            },
            ("DELETE", ["subjects", id]) => {
                dev.subjects.remove(*id);
                Reply::empty(204)
            }
            ("GET", ["user-info", "uuid", _]) => Reply::code(200, 1100, "User not found!"),
            ("DELETE", ["faces", _]) => Reply::empty(204),
            ("DELETE", ["user", _]) => Reply::empty(200),
            ("DELETE", ["biometric-data", "delete-file"]) => Reply::empty(200),
            ("DELETE", ["biometric-data", id]) => {
                dev.buffer.retain(|c| c["encounter_id"] != *id);
                Reply::empty(204) // The answer is not documented.
            }
            (_, ["database", ..]) => database(dev, req, &segs),
            _ => Reply::empty(404),
        }
    }

    fn lock(&self, dev: &mut Device, req: &Req) -> Reply {
        dev.lock_bodies.push(req.body.clone());
        // Sheet Common, block 2 (v1.4.0, app 2.1.50): the body may carry credentials; "Wrong ID
        // or password: HTTP_BAD_REQUEST". Before 2.1.50 the device knows no credentials; what it
        // does with a body is not documented: the tests only record it.
        if parse_version(&self.version) >= (2, 1, 50) && !req.body.is_empty() {
            let body = req.json();
            if body["id"] != "root" || body["passwd"] != "cmi1003" {
                return Reply::raw(400, "HTTPServerResponse::HTTP_BAD_REQUEST");
            }
        }
        // One session at a time: a new lock (POST, or PUT "Force connect") replaces the current
        // one, whose uid then answers 1102. (The sheet does not say what POST does while another
        // lock is held; this fake lets it through.)
        let uid = format!("{:08x}-ed1e-11e6-9822-503f98000109", dev.locks.len() + 1);
        dev.locks.push(uid.clone());
        dev.lock = Some(uid.clone());
        Reply::json(json!({ "lock_uid": uid }))
    }
}

/// Calls with a fixed path, behind a valid lock.
fn exact_route(dev: &mut Device, req: &Req) -> Option<Reply> {
    let reply = match (req.method.as_str(), req.path.as_str()) {
        ("POST" | "PUT", "lock/chpasswd") => Reply::empty(200),
        ("GET", "subjects") => {
            let items: Vec<Value> = dev.subjects.values().cloned().collect();
            Reply::json(list(&items, req, "page_size"))
        }
        ("GET", "subjects/record-version") => Reply::json(json!({ "record_version": 8976 })),
        ("GET", "subjects/count") => Reply::json(json!({ "count": dev.subjects.len() })),
        // Sheet Subject gives only the duplicate's answer ({"duplicate_uuid":"111"}); what the
        // device answers when there is no duplicate is not documented: an empty uuid here.
        ("PUT", "subjects/is-exist/template") => Reply::json(json!({ "duplicate_uuid": "" })),
        ("POST", "subjects") => {
            let body = req.json();
            dev.posted_subjects.push(body.clone());
            if let Some(id) = body["user_uuid"].as_str() {
                dev.subjects.insert(id.to_string(), body.clone());
            }
            Reply::empty(201) // "http/1.1 201 Created"
        }
        ("GET", "user-info") => {
            let items = dev.user_info_list.clone();
            Reply::json(list(&items, req, other_page_size_name(req)))
        }
        ("GET", "faces") => {
            let items = dev.face_list.clone();
            Reply::json(list(&items, req, other_page_size_name(req)))
        }
        ("POST", "faces") => {
            let body = req.json();
            check_face(dev, &body, "POST faces");
            dev.posted_faces.push(body);
            Reply::empty(201)
        }
        ("POST", "user") => {
            let body = req.json();
            for face in body["faces"].as_array().cloned().unwrap_or_default() {
                check_face(dev, &face, "POST user, faces[]");
            }
            if let Some(id) = body["user_uuid"].as_str() {
                dev.subjects.insert(id.to_string(), body.clone());
            }
            dev.posted_users.push(body);
            Reply::empty(201) // Not documented.
        }
        ("PUT", "user/delete-users") => Reply::empty(200),
        ("GET", "logs/count") => Reply::json(json!({ "count": 7 })),
        ("DELETE", "logs") => {
            // "URL logs?min={from_id}&max={to_id} (both required)".
            if req.q("min").is_none() || req.q("max").is_none() {
                dev.violate("DELETE logs without both min and max (sheet Log: required)".into());
                Reply::empty(400)
            } else {
                Reply::empty(204)
            }
        }
        ("DELETE", "logs/db") => Reply::empty(200),
        ("GET", "control/manual") => Reply::json(json!({ "operation": 2 })),
        // Sheet Control: the only answer printed is the refusal.
        ("POST", "control") => Reply::json(json!({ "success": false, "status": "Fail" })),
        ("GET", "camera") => Reply::json(json!({
            "serial_number": SERIAL, "camera_mode": dev.camera_mode, "audio_enabled": dev.audio
        })),
        ("POST", "camera") => {
            let body = req.json();
            dev.camera_posts.push(body.clone());
            if body["serial_number"].as_str().is_none() {
                dev.violate("POST camera without serial_number (sheet Camera: required)".into());
            }
            match body["camera_mode"].as_str() {
                Some(mode @ ("Slave" | "Recog" | "Enrol")) => {
                    dev.camera_mode = mode.to_string();
                    if let Some(audio) = body["audio_enabled"].as_bool() {
                        dev.audio = audio;
                    }
                    Reply::json(json!({ "success": true, "status": "Success set mode" }))
                }
                _ => Reply::json(json!({ "success": false, "status": "Fail" })),
            }
        }
        ("POST", "camera/control/start") => {
            let modes = [
                "face_mode",
                "glasses_mode",
                "both_eye_mode",
                "either_eye_mode",
            ];
            if dev.camera_mode != "Slave" {
                Reply::json(json!({
                    "success": false, "status": "Please first chagne mode to Slave(Enrollment)"
                }))
            } else if !modes.iter().any(|mode| req.q(mode) == Some("true")) {
                Reply::json(json!({ "success": false, "status": "Unknown start mode" }))
            } else {
                dev.running = true;
                dev.polls_running = 0;
                Reply::json(json!({ "success": true, "status": "Started camera" }))
            }
        }
        ("POST", "camera/control/stop") => {
            dev.running = false;
            Reply::json(json!({ "success": true, "status": "Stopped camera" }))
        }
        ("GET", "biometric-data" | "biometric-data/ver1" | "biometric-data/ver2") => {
            if dev.running {
                dev.polls_running += 1;
                if dev.polls_running >= 2 && dev.plan != Plan::Never {
                    let error = if dev.plan == Plan::Unusable {
                        "Capture failed"
                    } else {
                        ""
                    };
                    dev.buffer.push(capture(NEW_ID, "NEW", error));
                    // "Camera will stop automatically when capture and data transmission are
                    // completed".
                    dev.running = false;
                }
            }
            let n = dev.buffer.len();
            Reply::json(envelope(dev.buffer.clone(), 1, n, false, n))
        }
        ("PUT", "biometric-data/save-file") => {
            let body = req.json();
            let name = req.q("filename").unwrap_or_default().to_string();
            let text = body["file"].as_str().unwrap_or_default();
            // The table types size as int, the example quotes it ("5744"): both are read.
            let size = body["size"]
                .as_u64()
                .or_else(|| body["size"].as_str().and_then(|s| s.parse().ok()));
            match unb64(text.as_bytes()) {
                None => {
                    dev.violate("save-file: file is not base64 (sheet: \"jason (base64)\")".into())
                }
                Some(data) if size != Some(data.len() as u64) => dev.violate(format!(
                    "save-file: size {size:?} is not the \"byte array size of file\" ({} bytes)",
                    data.len()
                )),
                Some(_) => {}
            }
            dev.saved_files.push((name, body));
            Reply::empty(200) // Not documented.
        }
        ("POST" | "PUT", "update/start" | "update/continuous" | "update/done") => {
            firmware(dev, req)
        }
        _ => return None,
    };
    Some(reply)
}

/// Sheet Firmware. "When requested [update/start], the previous incomplete firmware data
/// transmission will be aborted and the firmware data will be deleted"; continuous units are
/// appended "in order"; done carries the last unit, answers `{"file":"Upload success"}`, and the
/// device then upgrades and reboots (the lock is gone).
fn firmware(dev: &mut Device, req: &Req) -> Reply {
    let step = req.path.trim_start_matches("update/").to_string();
    let lock = req.q("lock_uid").unwrap_or_default().to_string();
    let data = if step == "start" {
        Vec::new()
    } else {
        match unit_body(dev, req) {
            Some(data) => data,
            None => return Reply::empty(400),
        }
    };
    dev.fw_units.push(Unit {
        lock,
        step: step.clone(),
        data: data.clone(),
    });
    match step.as_str() {
        "start" => {
            dev.fw.clear();
            Reply::empty(200) // Not documented.
        }
        "continuous" => {
            dev.fw.extend_from_slice(&data);
            Reply::empty(200) // Not documented.
        }
        _ => {
            dev.fw.extend_from_slice(&data);
            dev.fw_image = Some(std::mem::take(&mut dev.fw));
            dev.lock = None;
            Reply::json(json!({ "file": "Upload success" }))
        }
    }
}

/// The unit body of an upload. The sheets say only "encoded with Base64"; the README reads it as
/// the unit's base64 text sent as `text/plain`, which is what this fake accepts.
fn unit_body(dev: &mut Device, req: &Req) -> Option<Vec<u8>> {
    if !req.ctype.starts_with("text/plain") {
        dev.violate(format!(
            "{} {}: unit sent as `{}`, not text/plain (the README's reading)",
            req.method, req.path, req.ctype
        ));
    }
    let data = unb64(&req.body);
    if data.is_none() {
        dev.violate(format!(
            "{} {}: a unit of {} bytes that is not padded standard base64 text",
            req.method,
            req.path,
            req.body.len()
        ));
    }
    data
}

/// Sheets Database and Database (eyelock).
fn database(dev: &mut Device, req: &Req, segs: &[&str]) -> Reply {
    let mut segs = segs.to_vec();
    let file = match segs.last() {
        Some(&"EyeLockFull") => "EyeLockFull",
        Some(&"EyeLockPart") => "EyeLockPart",
        _ => "Main",
    };
    if file != "Main" {
        segs.pop();
    }
    let lock = req.q("lock_uid").unwrap_or_default().to_string();
    match (req.method.as_str(), &segs[1..]) {
        ("GET", []) => {
            let data = dev.db_files.get(file).cloned().unwrap_or_default();
            Reply::raw(
                200,
                &format!(r#"{{"file":"{}","size":{}}}"#, b64(&data), data.len()),
            )
        }
        // Printed exactly as in both sheets, comma missing.
        ("GET", ["size"]) => Reply::raw(200, r#"{"size":44915712,"status":"""file":""}"#),
        ("GET", ["partial", index]) => {
            let parts = dev.db_parts.get(file).cloned().unwrap_or_default();
            match index
                .parse::<usize>()
                .ok()
                .and_then(|i| parts.get(i).cloned())
            {
                // Printed as in the sheets: `"status":"start""file":...`, comma missing.
                Some((status, part)) => Reply::raw(
                    200,
                    &format!(
                        r#"{{"size":{},"status":"{}""file":"{}"}}"#,
                        part.len(),
                        status,
                        b64(&part)
                    ),
                ),
                // What the device answers past its last part is not documented.
                None => Reply::empty(400),
            }
        }
        ("POST", ["start"]) => {
            // The Database sheets say nothing of a second start; this fake reads it as the
            // Firmware sheet's start (drop what was received).
            dev.db_up.insert(file.into(), (Vec::new(), 0));
            dev.db_units.push(Unit {
                lock,
                step: "start".into(),
                data: Vec::new(),
            });
            Reply::empty(200)
        }
        ("POST", ["continuous", size]) | ("POST", ["done", size, _]) => {
            let done = segs[1] == "done";
            let Some(data) = unit_body(dev, req) else {
                return Reply::empty(400);
            };
            // "The partial data chunk whose size is specified in strSize": the sheet does not say
            // whether strSize counts the chunk's bytes or its base64 text; either is accepted.
            let str_size = size.parse::<usize>().ok();
            if str_size != Some(data.len()) && str_size != Some(req.body.len()) {
                dev.violate(format!(
                    "{}: strSize {size} matches neither the unit's {} bytes nor its {} base64 characters",
                    req.path,
                    data.len(),
                    req.body.len()
                ));
            }
            let text_len = req.body.len();
            let entry = dev.db_up.entry(file.into()).or_default();
            entry.0.extend_from_slice(&data);
            entry.1 += text_len;
            let (so_far, text_so_far) = (entry.0.clone(), entry.1);
            dev.db_units.push(Unit {
                lock,
                step: if done {
                    "done".into()
                } else {
                    "continuous".into()
                },
                data,
            });
            if done {
                let total = segs[3].parse::<usize>().ok();
                if total != Some(so_far.len()) && total != Some(text_so_far) {
                    dev.violate(format!(
                        "{}: strTotalSize {} matches neither the {} bytes received nor their {} base64 characters",
                        req.path,
                        segs[3],
                        so_far.len(),
                        text_so_far
                    ));
                }
                dev.db_done.insert(file.into(), so_far);
                dev.db_up.remove(file);
                if file == "Main" {
                    // "After storing the uploaded database as a file, the device will be
                    // restarted." (The eyelock sheet mentions no restart.)
                    dev.lock = None;
                }
            }
            Reply::empty(200)
        }
        _ => Reply::empty(404),
    }
}

/// "face_feature_size ... Template size" beside "face_feature ... Template(base64)" (sheet
/// Biometric-data; the Face and User sheets give no remark). The sheets do not say whether the
/// size counts the template's bytes or its base64 text: either is accepted, anything else is not.
fn check_face(dev: &mut Device, face: &Value, what: &str) {
    let text = face["face_feature"].as_str().unwrap_or_default();
    let size = face["face_feature_size"].as_u64();
    match unb64(text.as_bytes()) {
        None => dev.violate(format!("{what}: face_feature is not base64")),
        Some(data) => {
            if size != Some(data.len() as u64) && size != Some(text.len() as u64) {
                dev.violate(format!(
                    "{what}: face_feature_size {size:?} does not match face_feature ({} bytes, {} base64 characters)",
                    data.len(),
                    text.len()
                ));
            }
        }
    }
}

/// The size parameter the device reads on user-info and faces: the OTHER name than the one the
/// client sent (the sheets' URLs write `pageSize`, their tables and the ReDoc page `page_size`).
fn other_page_size_name(req: &Req) -> &'static str {
    if req.q("pageSize").is_some() {
        "page_size"
    } else {
        "pageSize"
    }
}

/// The list envelope, paged as the sheets describe: no `page` = the whole list; default 50 rows.
fn list(items: &[Value], req: &Req, size_name: &str) -> Value {
    let total = items.len();
    match req.q("page").and_then(|p| p.parse::<usize>().ok()) {
        None => envelope(items.to_vec(), 1, total, false, total),
        Some(page) => {
            let page = page.max(1);
            let size = req
                .q(size_name)
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|s| *s > 0)
                .unwrap_or(50);
            let start = ((page - 1) * size).min(total);
            let end = (start + size).min(total);
            envelope(items[start..end].to_vec(), page, size, end < total, total)
        }
    }
}

fn envelope(items: Vec<Value>, page: usize, page_size: usize, more: bool, total: usize) -> Value {
    json!({
        "status_code": 200, "reason_phrase": "OK", "items": items,
        "page": page, "page_size": page_size, "has_more": more, "total": total
    })
}

/// A capture item with every field of sheet Biometric-data; templates and features are the
/// base64 of readable text tagged with `tag`.
fn capture(encounter_id: &str, tag: &str, error_message: &str) -> Value {
    let image = b64(&tiny_bmp());
    let mut m = serde_json::Map::new();
    let mut put = |key: &str, value: Value| {
        m.insert(key.to_string(), value);
    };
    put("encounter_id", json!(encounter_id));
    put("timestamp", json!("2018-05-21T16:59:46Z"));
    put("serial_number", json!(SERIAL));
    for eye in ["left_eye", "right_eye"] {
        put(eye, json!(image));
        put(&format!("{eye}_duplicate_uuid"), json!(""));
        put(
            &format!("{eye}_enrol_template"),
            json!(b64(format!("{tag}-{eye}-template").as_bytes())),
        );
        put(&format!("{eye}_usable_iris_area"), json!(82.5));
        put(&format!("{eye}_quality_score"), json!(91.0));
        put(&format!("{eye}_quality_ok"), json!(true));
    }
    for group in FACE_GROUPS {
        let feature = format!("{tag}-{group}-feature");
        put(group, json!(image));
        put(&format!("{group}_duplicate_uuid"), json!(""));
        put(&format!("{group}_eye_width"), json!(64));
        put(&format!("{group}_feature"), json!(b64(feature.as_bytes())));
        put(&format!("{group}_feature_size"), json!(feature.len()));
        put(&format!("{group}_frontal_score"), json!(0.93));
        put(
            &format!("{group}_LED_state"),
            json!(i32::from(group.ends_with("on_face"))),
        );
        put(&format!("{group}_left_eye_x"), json!(300));
        put(&format!("{group}_right_eye_x"), json!(364));
        put(&format!("{group}_roll"), json!(0.5));
        put(&format!("{group}_score"), json!(0.97));
    }
    put("error_message", json!(error_message));
    put("bodyTemperature", json!(""));
    put("alarm", json!(""));
    put("mask", json!(""));
    for key in [
        "leftIrisDiameter",
        "leftPupilDiameter",
        "rightIrisDiameter",
        "rightPupilDiameter",
    ] {
        put(key, json!(0));
    }
    put("record_version", json!(8976));
    Value::Object(m)
}

/// The template and feature texts of a capture item.
fn capture_payloads(item: &Value) -> Vec<String> {
    item.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.ends_with("_template") || k.ends_with("_feature"))
                .filter_map(|(_, v)| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn tiny_bmp() -> Vec<u8> {
    let mut image = b"BM".to_vec();
    image.extend_from_slice(&[0u8; 62]);
    image
}

/// Sheet Subject, "Retrieve subject list": note `left_image_path` / `right_image_path` typed int.
fn subject_item(id: &str) -> Value {
    json!({
        "user_uuid": id, "record_version": 8976, "last_name": "david", "access_allowed": true,
        "first_name": "", "match_until": "", "wiegand_facility": -1, "wiegand_site": -1,
        "wiegand_code": -1, "wiegand_custom": -1, "left_eye_template": b64(b"left"),
        "right_eye_template": b64(b"right"), "left_image_path": 0, "right_image_path": 0
    })
}

/// Sheet User_info, list item (the table's spellings).
fn user_info_item(id: &str) -> Value {
    json!({
        "user_uuid": id, "card": "", "pin": "", "admin": 0, "group_index": 0, "by_pass_card": 0,
        "indivisual": 0, "three_out_status": 0, "three_out_status_access_allowd": 0,
        "job_code": 0, "time_schedule_code": -1, "apb_status": 0, "message": ""
    })
}

/// Sheet Face, list item.
fn face_item(id: &str) -> Value {
    json!({
        "user_uuid": id, "sub_id": 0, "face_eye_width": 64, "face_feature_size": 4,
        "face_frontal_score": 0.93, "face_left_eye_x": 300, "face_right_eye_x": 364,
        "face_roll": 0.5, "face_score": 0.97, "face_LED_state": 0, "face_feature": b64(b"FACE")
    })
}

async fn handle(
    AxState(fake): AxState<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = match uri.path().strip_prefix("/1.0/") {
        Some(rest) => percent_decode(rest, false),
        None => format!("!not under /1.0/: {}", uri.path()),
    };
    let query = uri.query().map(parse_query).unwrap_or_default();
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let req = Req {
        method: method.as_str().to_string(),
        path,
        query,
        ctype,
        body: body.to_vec(),
    };
    fake.answer(req).into_response()
}

/// Starts the fake on 127.0.0.1 and returns it with the client's base URL.
async fn serve(fake: Fake) -> (Arc<Fake>, String) {
    let fake = Arc::new(fake);
    let app = axum::Router::<Arc<Fake>>::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::clone(&fake));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("fake terminal");
    });
    (fake, format!("http://{addr}"))
}

// ---------------------------------------------------------------------------------------------
// Small helpers (self-contained: base64, percent-decoding, data)
// ---------------------------------------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Strict standard base64 with padding; `None` for anything else (whitespace included).
fn unb64(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let chunks = text.len() / 4;
    let mut out = Vec::with_capacity(chunks * 3);
    for (i, chunk) in text.chunks(4).enumerate() {
        let last = i + 1 == chunks;
        let mut v = [0u32; 4];
        let mut pad = 0;
        for (j, &c) in chunk.iter().enumerate() {
            if c == b'=' {
                if !last || j < 2 {
                    return None;
                }
                pad += 1;
                continue;
            }
            if pad > 0 {
                return None;
            }
            v[j] = u32::from(match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            });
        }
        let n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    Some(out)
}

fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if plus_is_space && b[i] == b'+' {
            b' '
        } else {
            b[i]
        });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(kv, true), String::new()),
        })
        .collect()
}

fn parse_version(text: &str) -> (u32, u32, u32) {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// Deterministic pseudo-random bytes (xorshift).
fn bytes(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect()
}

fn client(url: &str) -> Client {
    Client::builder(url)
        .build()
        .unwrap_or_else(|e| panic!("building the client: {e}"))
}

/// A safety net only: every test here should finish in well under a second.
async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("the client waited 10 s on the fake: it is waiting for something the terminal never sends")
}

fn ok<T, E: std::fmt::Display>(result: Result<T, E>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn err_of<T>(result: ef45_client::Result<T>, what: &str) -> Error {
    match result {
        Ok(_) => panic!("{what}: the client returned Ok for an answer the device refused"),
        Err(err) => err,
    }
}

/// A device code must come back as `Error::Api` carrying the code and the device's text.
fn assert_device_code(err: &Error, http: u16, code: &str, text: &str, what: &str) {
    let api = err.as_api().unwrap_or_else(|| {
        panic!("{what}: a device code in the body (sheet Response_code) must be Error::Api, not decoded as data; got: {err}")
    });
    assert_eq!(
        api.status.as_u16(),
        http,
        "{what}: HTTP status of the refusal"
    );
    assert_eq!(
        api.code.as_deref(),
        Some(code),
        "{what}: device code (sheet Response_code)"
    );
    assert!(
        api.message.as_deref().unwrap_or_default().contains(text),
        "{what}: the device's text {text:?} must be kept, got {:?}",
        api.message
    );
    assert!(
        DeviceFailure::from_error(err).is_some_and(|f| f.code.is_some()),
        "{what}: DeviceFailure::from_error must give the typed code"
    );
}

/// A call the device's application version cannot serve: refused with Error::Unsupported naming
/// the version needed and the device's.
fn assert_refused_for_version<T>(
    result: ef45_client::Result<T>,
    what: &str,
    needs: &str,
    found: &str,
) {
    let err = match result {
        Ok(_) => panic!("{what}: must be refused on application {found} (needs {needs}), got Ok"),
        Err(err) => err,
    };
    assert!(
        err.is_unsupported(),
        "{what}: expected Error::Unsupported on application {found}, got: {err}"
    );
    match &err {
        Error::Unsupported(u) => {
            assert!(
                u.needs.contains(needs),
                "{what}: `needs` must name {needs}, got {:?}",
                u.needs
            );
            assert!(
                u.found.contains(found),
                "{what}: `found` must name {found}, got {:?}",
                u.found
            );
            assert!(
                u.status.is_none(),
                "{what}: refused before any I/O, so no HTTP status: {:?}",
                u.status
            );
        }
        other => panic!("{what}: expected Error::Unsupported, got {other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(needs) && text.contains(found),
        "{what}: the error's text must name the version needed ({needs}) and the device's ({found}): {text}"
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Device codes in the body
// ---------------------------------------------------------------------------------------------

/// Sheet Response_code (1100 "User not found!") and the camera/control answers
/// (`{"success":false,"status":"Please first chagne mode to Slave(Enrollment)"}`, Control
/// `{"success":false,"status":"Fail"}`). The workbook ties no HTTP status to a device code, so
/// they come here under 200 and under 400. A code other than 1102 must not re-lock.
#[tokio::test]
async fn device_codes_in_the_body_are_typed_errors_and_never_data() {
    let fake = Fake::new("2.2.41").hook(|dev, req| {
        if req.q("lock_uid") != dev.lock.as_deref() {
            return None;
        }
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "user-info/uuid/nobody") => Some(Reply::code(400, 1100, "User not found!")),
            // A list call refused: never an empty list.
            ("GET", "faces") => Some(Reply::code(200, 1100, "User not found!")),
            _ => None,
        }
    });
    let (fake, url) = serve(fake).await;
    let device = client(&url);
    ok(within(device.lock()).await, "POST lock");

    let err = err_of(
        within(device.subject("nobody")).await,
        "GET subjects/nobody",
    );
    assert_device_code(
        &err,
        200,
        "1100",
        "User not found!",
        "GET subjects/nobody (HTTP 200)",
    );

    let err = err_of(
        within(device.user_info("nobody")).await,
        "GET user-info/uuid/nobody",
    );
    assert_device_code(
        &err,
        400,
        "1100",
        "User not found!",
        "GET user-info/uuid/nobody (HTTP 400)",
    );

    let err = err_of(within(device.faces()).await, "GET faces");
    assert_device_code(
        &err,
        200,
        "1100",
        "User not found!",
        "GET faces refused: not an empty list",
    );

    // Camera sheet: "Make sure that the camera mode is set to "Slave" before starting camera";
    // the fake's camera is in "Recog".
    let err = err_of(
        within(device.start_camera(CaptureModes::new().face())).await,
        "camera start",
    );
    let api = err
        .as_api()
        .unwrap_or_else(|| panic!("camera start: success:false must be Error::Api, got {err}"));
    assert!(
        api.message
            .as_deref()
            .unwrap_or_default()
            .contains("Please first chagne mode to Slave(Enrollment)"),
        "camera start: the device's status text must be kept, got {:?}",
        api.message
    );

    let err = err_of(
        within(device.control(&ManualCommand::new().recog_start(true))).await,
        "POST control",
    );
    let api = err
        .as_api()
        .unwrap_or_else(|| panic!("POST control: success:false must be Error::Api, got {err}"));
    assert!(
        api.message.as_deref().unwrap_or_default().contains("Fail"),
        "POST control: status \"Fail\" must be kept, got {:?}",
        api.message
    );

    let dev = fake.dev();
    assert_eq!(
        dev.locks.len(),
        1,
        "only 1102 means a stale lock: 1100 and success:false must not re-lock"
    );
    for (method, path) in [
        ("GET", "subjects/nobody"),
        ("GET", "user-info/uuid/nobody"),
        ("GET", "faces"),
        ("POST", "camera/control/start"),
        ("POST", "control"),
    ] {
        assert_eq!(
            dev.count(method, path),
            1,
            "{method} {path}: a refusal is an answer, sent once"
        );
    }
}

/// Sheet Response_code 1102 "Unavailable accessToken!": the lock is no longer valid and the call
/// was not executed. The client locks again once (shared by concurrent calls) and sends the call
/// once more, even a create; a second 1102 is returned as the typed failure, without a loop.
#[tokio::test]
async fn stale_lock_1102_relocks_once_and_resends_the_unexecuted_call() {
    let fake = Fake::new("2.2.41").hook(|_, req| {
        (req.path == "subjects/count").then(|| Reply::stale(200)) // a device that never accepts it
    });
    let (fake, url) = serve(fake).await;
    let device = client(&url);
    ok(within(device.lock()).await, "POST lock");

    // A. Under HTTP 200, on a read.
    fake.dev().lock = None; // the lock timed out
    assert_eq!(
        ok(
            within(device.record_version()).await,
            "record_version after 1102"
        ),
        8976
    );
    {
        let dev = fake.dev();
        assert_eq!(dev.locks.len(), 2, "one new lock after 1102");
        let hits = dev.hits("GET", "subjects/record-version");
        assert_eq!(hits.len(), 2, "sent, refused with 1102, sent again once");
        assert_eq!(hits[0].q("lock_uid"), Some(dev.locks[0].as_str()));
        assert_eq!(
            hits[1].q("lock_uid"),
            Some(dev.locks[1].as_str()),
            "the resend carries the new lock_uid"
        );
    }

    // B. Under HTTP 400, on a create: 1102 means it was not executed, so it is sent again.
    {
        let mut dev = fake.dev();
        dev.lock = None;
        dev.stale_http = 400;
    }
    let subject = Subject::new("2001", "Lee").templates(
        BiometricText::new(b64(b"left-template")),
        BiometricText::new(b64(b"right-template")),
    );
    ok(
        within(device.create_subject(&subject)).await,
        "POST subjects after 1102 under HTTP 400",
    );
    {
        let mut dev = fake.dev();
        dev.stale_http = 200;
        assert_eq!(dev.locks.len(), 3, "one new lock after 1102 under HTTP 400");
        assert_eq!(
            dev.count("POST", "subjects"),
            2,
            "refused with 1102 (not executed), then sent once more"
        );
        assert_eq!(
            dev.posted_subjects.len(),
            1,
            "the device executed the create exactly once"
        );
        assert!(dev.subjects.contains_key("2001"));
    }

    // C. A device that answers 1102 again after the new lock: one re-lock, one resend, no loop.
    let err = err_of(
        within(device.subject_count()).await,
        "GET subjects/count, always 1102",
    );
    let code = DeviceFailure::from_error(&err).and_then(|f| f.code);
    assert!(
        matches!(code, Some(ResponseCode::UnavailableAccessToken)),
        "a second 1102 must come back as ResponseCode::UnavailableAccessToken; got {err}"
    );
    {
        let dev = fake.dev();
        assert_eq!(
            dev.count("GET", "subjects/count"),
            2,
            "1102 is followed by exactly one resend"
        );
        assert_eq!(dev.locks.len(), 4, "exactly one re-lock for that call");
    }

    // D. Four concurrent calls refused together: one shared re-lock. (This fake holds one lock
    // at a time, as PUT lock "Force connect" suggests: a lock per call would refuse the others.)
    fake.dev().lock = None;
    let (a, b, c, d) = within(async {
        tokio::join!(
            device.record_version(),
            device.record_version(),
            device.record_version(),
            device.record_version()
        )
    })
    .await;
    for result in [a, b, c, d] {
        assert_eq!(ok(result, "concurrent record_version after 1102"), 8976);
    }
    assert_eq!(
        fake.dev().locks.len(),
        5,
        "concurrent calls refused with 1102 share one new lock"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. A lock going stale in the middle of an upload
// ---------------------------------------------------------------------------------------------

/// Sheet Firmware: update/start ("the previous incomplete firmware data transmission will be
/// aborted"), update/continuous for every unit "in order except the last data unit", update/done
/// with the last unit; PUT = forced. The lock goes stale on the second unit (1102, not
/// executed): no unit of the lost run may reach the new lock, the upload restarts from
/// update/start, the device ends up with exactly the file, and the progress restarts.
#[tokio::test]
async fn firmware_upload_restarts_from_update_start_in_the_new_lock() {
    const UNIT: usize = 3000;
    const TOTAL: usize = 10_000;
    let file = bytes(TOTAL, 1);
    let fake = Fake::new("2.2.41").hook(|dev, req| {
        if req.path == "update/continuous"
            && dev.locks.len() == 1
            && dev.bump("continuous in the first lock") == 2
        {
            dev.lock = None; // another client forced a lock, or ours timed out
            return Some(Reply::stale(200));
        }
        None
    });
    let (fake, url) = serve(fake).await;
    let device = client(&url);
    let progress = Arc::new(Mutex::new(Vec::<(u64, u64, u32)>::new()));
    let seen = Arc::clone(&progress);
    let options = FirmwareUpload::new()
        .mode(FirmwareMode::Forced)
        .unit_size(UNIT)
        .on_progress(move |p: Progress| seen.lock().unwrap().push((p.sent, p.total, p.restart)));
    let report = ok(
        within(device.upload_firmware_from(UploadSource::bytes(file.clone()), options)).await,
        "firmware upload with a lock lost on unit 1",
    );

    let dev = fake.dev();
    assert!(
        dev.violations.is_empty(),
        "rules broken: {:#?}",
        dev.violations
    );
    assert!(
        dev.locks.len() >= 2,
        "the client must lock again after 1102"
    );
    let (first, second) = (dev.locks[0].clone(), dev.locks[1].clone());
    let in_first = dev
        .log
        .iter()
        .filter(|r| r.path.starts_with("update/") && r.q("lock_uid") == Some(first.as_str()))
        .count();
    assert_eq!(
        in_first, 3,
        "first lock: start, unit 0, unit 1 (refused); nothing more with a stale lock"
    );
    assert!(
        dev.log
            .iter()
            .filter(|r| r.path.starts_with("update/"))
            .all(|r| r.method == "PUT"),
        "sheet Firmware: \"PUT method for force upgrade\" on start, continuous and done alike"
    );

    let run: Vec<&Unit> = dev.fw_units.iter().filter(|u| u.lock == second).collect();
    let steps: Vec<&str> = run.iter().map(|u| u.step.as_str()).collect();
    assert_eq!(
        steps.first(),
        Some(&"start"),
        "in the new lock the first firmware call is update/start, not a replayed unit: {steps:?}"
    );
    assert_eq!(
        steps.last(),
        Some(&"done"),
        "the last unit goes to update/done: {steps:?}"
    );
    assert_eq!(
        steps.iter().filter(|s| **s == "start").count(),
        1,
        "one start per run: {steps:?}"
    );
    assert!(
        steps[1..steps.len() - 1].iter().all(|s| *s == "continuous"),
        "between start and done, only update/continuous: {steps:?}"
    );
    assert!(
        run.iter().all(|u| u.data.len() <= UNIT),
        "units of at most unit_size({UNIT}) bytes"
    );
    let received: Vec<u8> = run.iter().flat_map(|u| u.data.iter().copied()).collect();
    assert!(
        received == file,
        "the new lock received {} bytes, not exactly the file's {TOTAL} in order",
        received.len()
    );
    assert_eq!(
        dev.fw_image.as_deref(),
        Some(file.as_slice()),
        "the device's firmware image is exactly the file"
    );

    assert_eq!(report.restarts, 1, "UploadReport::restarts");
    assert_eq!(report.bytes, TOTAL as u64, "UploadReport::bytes");
    let events = progress.lock().unwrap().clone();
    let first_restarted = events
        .iter()
        .position(|e| e.2 == 1)
        .expect("Progress::restart must show the restart");
    assert!(
        events[..first_restarted]
            .iter()
            .all(|e| e.2 == 0 && e.0 < TOTAL as u64),
        "before the restart: {events:?}"
    );
    assert!(
        events[first_restarted].0 <= UNIT as u64,
        "after the restart `sent` counts from the first unit again: {events:?}"
    );
    assert!(
        events[first_restarted..]
            .windows(2)
            .all(|w| w[0].0 <= w[1].0),
        "progress within a run never goes back: {events:?}"
    );
    assert_eq!(
        events.last().map(|e| (e.0, e.2)),
        Some((TOTAL as u64, 1)),
        "ends at the whole file, restart 1: {events:?}"
    );
}

/// Sheet Database: database/start, database/continuous/{strSize}, database/done/{strSize}/
/// {strTotalSize}; "After storing the uploaded database as a file, the device will be
/// restarted." The lock goes stale on the second unit; the upload restarts from start in the new
/// lock, the device ends up with exactly the file, and the call after done locks again.
#[tokio::test]
async fn database_upload_restarts_after_1102_and_survives_the_restart_after_done() {
    // The sheet's example unit: continuous/786432.
    const TOTAL: usize = 2 * 786_432 + 5_000;
    let data = bytes(TOTAL, 2);
    let fake = Fake::new("2.2.41").hook(|dev, req| {
        if req.path.starts_with("database/continuous/")
            && dev.locks.len() == 1
            && dev.bump("database unit in the first lock") == 2
        {
            dev.lock = None;
            return Some(Reply::stale(200));
        }
        None
    });
    let (fake, url) = serve(fake).await;
    let device = client(&url);
    let mut events: Vec<(u64, u32)> = Vec::new();
    let report = ok(
        within(device.upload_database_from(
            DatabaseFile::Main,
            UploadSource::bytes(data.clone()),
            |p: Progress| events.push((p.sent, p.restart)),
        ))
        .await,
        "database upload with a lock lost on unit 1",
    );
    assert_eq!(report.restarts, 1, "UploadReport::restarts");
    assert_eq!(report.bytes, TOTAL as u64, "UploadReport::bytes");

    {
        let dev = fake.dev();
        assert!(
            dev.violations.is_empty(),
            "rules broken: {:#?}",
            dev.violations
        );
        let (first, second) = (dev.locks[0].clone(), dev.locks[1].clone());
        let in_first = dev
            .log
            .iter()
            .filter(|r| {
                ["database/start", "database/continuous/", "database/done/"]
                    .iter()
                    .any(|p| r.path.starts_with(p))
                    && r.q("lock_uid") == Some(first.as_str())
            })
            .count();
        assert_eq!(
            in_first, 3,
            "first lock: start, unit 0, unit 1 (refused); nothing more with a stale lock"
        );
        let run: Vec<&Unit> = dev.db_units.iter().filter(|u| u.lock == second).collect();
        let steps: Vec<&str> = run.iter().map(|u| u.step.as_str()).collect();
        assert_eq!(
            steps.first(),
            Some(&"start"),
            "in the new lock the upload starts again with database/start: {steps:?}"
        );
        assert_eq!(steps.last(), Some(&"done"), "{steps:?}");
        assert_eq!(
            steps.iter().filter(|s| **s == "start").count(),
            1,
            "{steps:?}"
        );
        let received: Vec<u8> = run.iter().flat_map(|u| u.data.iter().copied()).collect();
        assert!(
            received == data,
            "the new lock received {} bytes, not exactly the file's {TOTAL} in order",
            received.len()
        );
        assert_eq!(
            dev.db_done.get("Main").map(Vec::len),
            Some(TOTAL),
            "the stored database"
        );
        assert!(
            dev.db_done.get("Main").is_some_and(|d| *d == data),
            "the stored database is exactly the file"
        );
    }
    let first_restarted = events
        .iter()
        .position(|e| e.1 == 1)
        .expect("Progress::restart must show the restart");
    assert!(
        events[first_restarted].0 <= 786_432,
        "after the restart `sent` counts from the first unit again: {events:?}"
    );
    assert_eq!(
        events.last().copied(),
        Some((TOTAL as u64, 1)),
        "{events:?}"
    );

    // The device restarted after done: its lock is gone, the next call must still work.
    assert_eq!(
        ok(
            within(device.record_version()).await,
            "the first call after the restart"
        ),
        8976
    );
    let dev = fake.dev();
    let done_lock = dev
        .log
        .iter()
        .rev()
        .find(|r| r.path.starts_with("database/done/"))
        .and_then(|r| r.q("lock_uid"))
        .map(str::to_string);
    let last = dev
        .hits("GET", "subjects/record-version")
        .last()
        .and_then(|r| r.q("lock_uid"))
        .map(str::to_string);
    assert!(
        last.is_some() && last != done_lock,
        "after the restart the call is made in a new lock"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Older firmware
// ---------------------------------------------------------------------------------------------

/// Sheet Revision_History on application 2.1.40: `lock` with a body and `lock/chpasswd` came
/// with v1.4.0 (app 2.1.50), the eyelock sheet with 2.1.58, `subjects/count` 2.1.66,
/// `logs/from/to/type` 2.2.30, `DELETE faces/{uuid}` without subId 2.2.41. Those are refused
/// before anything is sent to them; `logs/count` (2.1.20) and `control/manual` (2.0.92) exist.
#[tokio::test]
async fn application_2_1_40_locks_without_body_and_refuses_later_calls_before_sending() {
    let (fake, url) = serve(Fake::new("2.1.40")).await;
    let device = Client::builder(&url)
        .credentials("root", "cmi1003")
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    ok(within(device.lock()).await, "POST lock on 2.1.40");

    assert_refused_for_version(
        within(device.subject_count()).await,
        "GET subjects/count",
        "2.1.66",
        "2.1.40",
    );
    assert_refused_for_version(
        within(device.change_password("cmi1003", "cmi1004")).await,
        "POST lock/chpasswd",
        "2.1.50",
        "2.1.40",
    );
    assert_refused_for_version(
        within(device.delete_faces("1001")).await,
        "DELETE faces/1001 without subId",
        "2.2.41",
        "2.1.40",
    );
    assert_refused_for_version(
        within(device.logs_by_type_page(&LogFilter::new(), 1)).await,
        "GET logs/from/to/type",
        "2.2.30",
        "2.1.40",
    );
    assert_refused_for_version(
        within(device.database_size(DatabaseFile::EyeLockFull)).await,
        "GET database/size/EyeLockFull",
        "2.1.58",
        "2.1.40",
    );

    assert_eq!(
        ok(
            within(device.log_count()).await,
            "GET logs/count exists since 2.1.20"
        ),
        7
    );
    ok(
        within(device.door_mode()).await,
        "GET control/manual exists since 2.0.92",
    );
    assert_eq!(
        ok(
            within(device.record_version()).await,
            "GET subjects/record-version"
        ),
        8976
    );

    {
        let dev = fake.dev();
        for path in [
            "subjects/count",
            "lock/chpasswd",
            "faces/1001",
            "logs/from/to/type",
            "database/size/EyeLockFull",
        ] {
            let sent = dev.log.iter().filter(|r| r.path == path).count();
            assert_eq!(
                sent, 0,
                "{path}: refused by the client, so never sent to a 2.1.40 device"
            );
        }
        assert_eq!(dev.count("GET", "logs/count"), 1);
        assert_eq!(dev.count("GET", "control/manual"), 1);
        assert!(!dev.lock_bodies.is_empty());
        assert!(
            dev.lock_bodies.iter().all(Vec::is_empty),
            "sheet Common: the {{\"id\",\"passwd\"}} body came with v1.4.0 (app 2.1.50): POST lock to 2.1.40 carries none, even with credentials set; got {:?}",
            dev.lock_bodies
                .iter()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .collect::<Vec<_>>()
        );
    }

    // Contrast, so that the assertion above can fail: on 2.2.41 the credentials are sent.
    let (modern, url) = serve(Fake::new("2.2.41")).await;
    let device = Client::builder(&url)
        .credentials("root", "cmi1003")
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    ok(
        within(device.lock()).await,
        "POST lock on 2.2.41 with credentials",
    );
    let dev = modern.dev();
    let body: Value = serde_json::from_slice(&dev.lock_bodies[0]).unwrap_or(Value::Null);
    assert_eq!(
        body,
        json!({"id": "root", "passwd": "cmi1003"}),
        "sheet Common block 2: Body Example {{\"id\":\"root\",\"passwd\":\"cmi1003\"}}"
    );
}

/// Application 1.1.69 (the Common sheet's `GET version` example): `control/manual` (2.0.92),
/// `user/delete-users` (2.1.7), `logs/count` (2.1.20) and `subjects/count` (2.1.66) are refused
/// before sending. The fake also lacks `database/size` (Database sheet, spec v1.2, no application
/// version) and answers it 404 with no device code: that is Unsupported too, sent once.
#[tokio::test]
async fn application_1_1_69_refuses_later_calls_and_reads_a_bare_404_as_unsupported() {
    let fake = Fake::new("1.1.69").lacking("database/size").with(|dev| {
        dev.subjects.insert("111".into(), subject_item("111"));
    });
    let (fake, url) = serve(fake).await;
    let device = Client::builder(&url)
        .credentials("root", "cmi1003")
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));

    assert_refused_for_version(
        within(device.door_mode()).await,
        "GET control/manual",
        "2.0.92",
        "1.1.69",
    );
    assert_refused_for_version(
        within(device.delete_users(&[1, 2])).await,
        "PUT user/delete-users",
        "2.1.7",
        "1.1.69",
    );
    assert_refused_for_version(
        within(device.log_count()).await,
        "GET logs/count",
        "2.1.20",
        "1.1.69",
    );
    assert_refused_for_version(
        within(device.subject_count()).await,
        "GET subjects/count",
        "2.1.66",
        "1.1.69",
    );

    let subjects = ok(
        within(device.subjects()).await,
        "GET subjects exists on 1.1.69",
    );
    assert_eq!(subjects.len(), 1);
    assert_eq!(
        ok(
            within(device.record_version()).await,
            "GET subjects/record-version"
        ),
        8976
    );

    let err = err_of(
        within(device.database_size(DatabaseFile::Main)).await,
        "GET database/size (404)",
    );
    assert!(
        err.is_unsupported(),
        "a bare 404 to a call that addresses no record is Unsupported; got {err}"
    );
    if let Error::Unsupported(u) = &err {
        assert_eq!(
            u.status.map(|s| s.as_u16()),
            Some(404),
            "Unsupported from the device's 404 keeps the status"
        );
    }

    let dev = fake.dev();
    for path in [
        "control/manual",
        "user/delete-users",
        "logs/count",
        "subjects/count",
    ] {
        let sent = dev.log.iter().filter(|r| r.path == path).count();
        assert_eq!(sent, 0, "{path}: never sent to a 1.1.69 device");
    }
    assert_eq!(
        dev.count("GET", "database/size"),
        1,
        "the 404 is an answer: sent once"
    );
    assert!(
        dev.lock_bodies.iter().all(Vec::is_empty),
        "no lock body before 2.1.50"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Size fields beside payloads
// ---------------------------------------------------------------------------------------------

/// face_feature_size beside face_feature (sheets User and Face; "Template size" in sheet
/// Biometric-data) and save-file's `size` ("byte array size of file") match their payloads.
#[tokio::test]
async fn size_fields_sent_beside_payloads_match_the_payloads() {
    let (fake, url) = serve(Fake::new("2.2.41")).await;
    let device = client(&url);

    let feature = bytes(1234, 3);
    let subject = Subject::new("3001", "Park").templates(
        BiometricText::new(b64(b"left")),
        BiometricText::new(b64(b"right")),
    );
    let user = NewUser::new(subject, UserInfo::new("3001")).face(Face::new(
        "3001",
        FaceSubId::Color,
        BiometricText::new(b64(&feature)),
    ));
    ok(within(device.enroll_user(&user)).await, "POST user");

    let other_feature = bytes(701, 4);
    ok(
        within(device.create_face(&Face::new(
            "3001",
            FaceSubId::Color,
            BiometricText::new(b64(&other_feature)),
        )))
        .await,
        "POST faces",
    );

    // Sheet Biometric-data: pc_enroll_logo.png, "Max file size: 768kB"; the example's size 5744.
    let logo_name = "/usr/local/share/CMITECH/gui/logo/pc_enroll_logo.png";
    let mut logo = b"\x89PNG\r\n\x1a\n".to_vec();
    logo.extend(bytes(5744 - 8, 5));
    ok(
        within(device.save_file(logo_name, &logo)).await,
        "PUT biometric-data/save-file",
    );

    let dev = fake.dev();
    assert!(
        dev.violations.is_empty(),
        "size rules broken: {:#?}",
        dev.violations
    );
    assert_eq!(dev.count("POST", "user"), 1);
    let faces = dev.posted_users[0]["faces"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(faces.len(), 1, "POST user carries the face");
    assert_eq!(
        faces[0]["face_feature"]
            .as_str()
            .and_then(|t| unb64(t.as_bytes())),
        Some(feature.clone()),
        "POST user: face_feature is the feature"
    );
    assert!(
        faces[0]["face_feature_size"].is_u64(),
        "POST user: face_feature_size (int, required) is sent"
    );

    assert_eq!(dev.posted_faces.len(), 1);
    let face = &dev.posted_faces[0];
    assert_eq!(
        face["face_feature"]
            .as_str()
            .and_then(|t| unb64(t.as_bytes())),
        Some(other_feature)
    );
    assert!(
        face["face_feature_size"].is_u64(),
        "POST faces: face_feature_size is sent"
    );

    assert_eq!(dev.saved_files.len(), 1);
    let (name, body) = &dev.saved_files[0];
    assert_eq!(name, logo_name, "save-file ?filename=");
    assert_eq!(
        body["file"].as_str().and_then(|t| unb64(t.as_bytes())),
        Some(logo),
        "save-file: file is the data"
    );
    assert_eq!(
        body["size"]
            .as_u64()
            .or_else(|| body["size"].as_str().and_then(|s| s.parse().ok())),
        Some(5744),
        "save-file: size is the \"byte array size of file\""
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Idempotency
// ---------------------------------------------------------------------------------------------

/// A 503 (Response_code SERVICE_UNAVAILABLE) may hide an executed call. Creates (POST user,
/// POST subjects, POST faces) and deletes by selection (DELETE logs?min&max, DELETE logs/db
/// delete whatever matches when they run) must not be resent; reads are.
#[tokio::test]
async fn creates_and_deletes_by_selection_are_not_resent_after_503_but_reads_are() {
    let fake = Fake::new("2.2.41").hook(|dev, req| {
        let key = format!("{} {}", req.method, req.path);
        match key.as_str() {
            "POST user" | "DELETE logs" | "DELETE logs/db" | "POST subjects" | "POST faces" => {
                Some(Reply::empty(503))
            }
            "GET subjects/record-version" | "GET subjects" => {
                (dev.bump(&key) == 1).then(|| Reply::empty(503))
            }
            _ => None,
        }
    });
    let (fake, url) = serve(fake).await;
    let device = Client::builder(&url)
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .max_attempts(4)
                    .initial_backoff(Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));

    let subject = || {
        Subject::new("4001", "Choi").templates(
            BiometricText::new(b64(b"left")),
            BiometricText::new(b64(b"right")),
        )
    };
    let face = || {
        Face::new(
            "4001",
            FaceSubId::Color,
            BiometricText::new(b64(b"feature")),
        )
    };
    let user = NewUser::new(subject(), UserInfo::new("4001")).face(face());

    assert!(
        within(device.enroll_user(&user)).await.is_err(),
        "POST user answered 503"
    );
    assert!(
        within(device.delete_logs(1..=100)).await.is_err(),
        "DELETE logs answered 503"
    );
    assert!(
        within(device.delete_all_logs()).await.is_err(),
        "DELETE logs/db answered 503"
    );
    assert!(
        within(device.create_subject(&subject())).await.is_err(),
        "POST subjects answered 503"
    );
    assert!(
        within(device.create_face(&face())).await.is_err(),
        "POST faces answered 503"
    );
    assert_eq!(
        ok(
            within(device.record_version()).await,
            "a read after one 503"
        ),
        8976
    );
    ok(within(device.subjects()).await, "a list read after one 503");

    let dev = fake.dev();
    for (method, path) in [
        ("POST", "user"),
        ("DELETE", "logs"),
        ("DELETE", "logs/db"),
        ("POST", "subjects"),
        ("POST", "faces"),
    ] {
        assert_eq!(
            dev.count(method, path),
            1,
            "{method} {path}: not idempotent, must not be resent after a 503"
        );
    }
    let delete = dev.hits("DELETE", "logs");
    assert_eq!(
        (delete[0].q("min"), delete[0].q("max")),
        (Some("1"), Some("100")),
        "DELETE logs?min=&max= (both required)"
    );
    assert_eq!(
        dev.count("GET", "subjects/record-version"),
        2,
        "a read is resent after a 503"
    );
    assert_eq!(
        dev.count("GET", "subjects"),
        2,
        "a list read is resent after a 503"
    );
    assert_eq!(dev.locks.len(), 1, "a 503 is not a stale lock");
}

// ---------------------------------------------------------------------------------------------
// 6. Enrolment by capture
// ---------------------------------------------------------------------------------------------

/// Runs `enroll_by_capture` on a terminal whose camera is in "Recog" and whose biometric-data
/// buffer already holds an old capture (OLD_ID).
async fn enrol_by_capture(
    plan: Plan,
    old_undeletable: bool,
    timeout: Duration,
) -> (Arc<Fake>, Result<CaptureOutcome, CaptureError>) {
    let mut fake = Fake::new("2.2.41").with(|dev| {
        dev.plan = plan;
        dev.buffer.push(capture(OLD_ID, "OLD", ""));
    });
    if old_undeletable {
        fake = fake.hook(|_, req| {
            let old = format!("biometric-data/{OLD_ID}");
            (req.method == "DELETE" && req.path == old).then(|| Reply::empty(500))
        });
    }
    let (fake, url) = serve(fake).await;
    let device = client(&url);
    let options = CaptureEnrollment::new()
        .poll_interval(Duration::from_millis(20))
        .timeout(timeout);
    let result = within(device.enroll_by_capture(Subject::new("1001", "Kim"), options)).await;
    (fake, result)
}

fn outcome_name(result: &Result<CaptureOutcome, CaptureError>) -> String {
    match result {
        Ok(CaptureOutcome::Enrolled { .. }) => "Enrolled".into(),
        Ok(CaptureOutcome::Duplicate { .. }) => "Duplicate".into(),
        Ok(_) => "another outcome".into(),
        Err(err) => format!("error: {err}"),
    }
}

/// What every exit path must leave: the camera in the mode it was found in ("Recog", audio on),
/// and nothing created from the old capture.
fn assert_camera_restored_and_old_capture_unused(dev: &Device, scenario: &str) {
    assert_eq!(
        dev.camera_mode, "Recog",
        "{scenario}: the camera was found in 'Recog' (sheet Camera) and must be put back; POST camera bodies: {:?}",
        dev.camera_posts
    );
    assert!(
        dev.audio,
        "{scenario}: audio_enabled was true and must stay so: {:?}",
        dev.camera_posts
    );
    let old = capture_payloads(&capture(OLD_ID, "OLD", ""));
    for posted in dev
        .posted_subjects
        .iter()
        .chain(&dev.posted_faces)
        .chain(&dev.posted_users)
    {
        let text = posted.to_string();
        assert!(
            !old.iter().any(|payload| text.contains(payload.as_str())),
            "{scenario}: a record was created from the capture left in the buffer before the start: {text}"
        );
    }
}

fn buffer_ids(dev: &Device) -> Vec<String> {
    dev.buffer
        .iter()
        .map(|c| c["encounter_id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Sheet Camera, camera/control/start: "Make sure that the camera mode is set to "Slave" before
/// starting camera. Before request: Retrieve data list by using biometric-data(GET) -> Delete
/// data list by using biometric-data(DELETE)"; sheet Biometric-data: "Delete buffer right after
/// receiving biometric data".
#[tokio::test]
async fn enroll_by_capture_enrols_the_new_capture_restores_the_camera_and_empties_the_buffer() {
    let (fake, result) = enrol_by_capture(Plan::Good, false, Duration::from_millis(1500)).await;
    assert!(
        matches!(result, Ok(CaptureOutcome::Enrolled { .. })),
        "a usable capture and no duplicate: expected Enrolled, got {}",
        outcome_name(&result)
    );
    let dev = fake.dev();
    assert!(
        dev.violations.is_empty(),
        "rules broken: {:#?}",
        dev.violations
    );
    assert_camera_restored_and_old_capture_unused(&dev, "success");
    assert!(
        dev.buffer.is_empty(),
        "success: the buffer must be emptied, still holds {:?}",
        buffer_ids(&dev)
    );
    let delete_old = dev.position("DELETE", &format!("biometric-data/{OLD_ID}"));
    let start = dev.position("POST", "camera/control/start");
    assert!(
        delete_old.is_some() && start.is_some() && delete_old < start,
        "the old capture is deleted before the camera starts (sheet Camera, 'Before request')"
    );

    let new = capture(NEW_ID, "NEW", "");
    let subject = dev
        .subjects
        .get("1001")
        .expect("the subject 1001 was created on the device");
    assert_eq!(
        subject["left_eye_template"], new["left_eye_enrol_template"],
        "left template from the new capture"
    );
    assert_eq!(
        subject["right_eye_template"], new["right_eye_enrol_template"],
        "right template from the new capture"
    );
    let new_features: Vec<String> = FACE_GROUPS
        .iter()
        .filter_map(|g| new[format!("{g}_feature")].as_str().map(str::to_string))
        .collect();
    let faces: Vec<Value> = dev
        .posted_faces
        .iter()
        .cloned()
        .chain(
            dev.posted_users
                .iter()
                .flat_map(|u| u["faces"].as_array().cloned().unwrap_or_default()),
        )
        .collect();
    assert!(
        !faces.is_empty(),
        "face records are created from the capture"
    );
    for face in &faces {
        assert_eq!(
            face["user_uuid"].as_str().unwrap_or("1001"),
            "1001",
            "face record for the new user: {face}"
        );
        let feature = face["face_feature"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            new_features.contains(&feature),
            "face feature not from the new capture: {face}"
        );
    }
}

/// Sheet Biometric-data: an item with `error_message` set is not usable. No record may be
/// created from it; it is deleted, the old capture too, and the camera put back.
#[tokio::test]
async fn enroll_by_capture_on_an_unusable_capture_creates_nothing_and_cleans_up() {
    let (fake, result) = enrol_by_capture(Plan::Unusable, false, Duration::from_millis(1500)).await;
    assert!(
        !matches!(result, Ok(CaptureOutcome::Enrolled { .. })),
        "a capture with error_message set must not be enrolled"
    );
    let dev = fake.dev();
    assert!(
        dev.violations.is_empty(),
        "rules broken: {:#?}",
        dev.violations
    );
    assert_camera_restored_and_old_capture_unused(&dev, "unusable capture");
    assert!(
        dev.posted_subjects.is_empty()
            && dev.posted_faces.is_empty()
            && dev.posted_users.is_empty(),
        "unusable capture: nothing may be created on the device"
    );
    assert!(
        dev.buffer.is_empty(),
        "unusable capture: the buffer must be emptied, still holds {:?}",
        buffer_ids(&dev)
    );
}

/// No capture ever comes: the enrolment times out, and still empties the buffer of the old
/// capture and puts the camera back; the camera is stopped or reported left running.
#[tokio::test]
async fn enroll_by_capture_timeout_restores_the_camera_and_empties_the_buffer() {
    let (fake, result) = enrol_by_capture(Plan::Never, false, Duration::from_millis(250)).await;
    assert!(
        !matches!(result, Ok(CaptureOutcome::Enrolled { .. })),
        "nothing was captured: got {}",
        outcome_name(&result)
    );
    let dev = fake.dev();
    assert_camera_restored_and_old_capture_unused(&dev, "timeout");
    assert!(
        dev.posted_subjects.is_empty()
            && dev.posted_faces.is_empty()
            && dev.posted_users.is_empty(),
        "timeout: nothing may be created"
    );
    assert!(
        dev.buffer.is_empty(),
        "timeout: the buffer must be emptied, still holds {:?}",
        buffer_ids(&dev)
    );
    let reported_running = matches!(&result, Err(e) if e.left.camera_running);
    assert!(
        !dev.running || reported_running,
        "timeout: the camera is still running and the error does not say so (LeftOnDevice::camera_running)"
    );
}

/// The old capture cannot be deleted (HTTP 500): whatever the client then does, it must never
/// take it for the new one, and must put the camera back.
#[tokio::test]
async fn enroll_by_capture_never_takes_an_old_capture_it_could_not_delete() {
    let (fake, result) = enrol_by_capture(Plan::Good, true, Duration::from_millis(1500)).await;
    let dev = fake.dev();
    assert_camera_restored_and_old_capture_unused(&dev, "undeletable old capture");
    if matches!(result, Ok(CaptureOutcome::Enrolled { .. })) {
        let new = capture(NEW_ID, "NEW", "");
        let subject = dev
            .subjects
            .get("1001")
            .expect("Enrolled, so subject 1001 exists");
        assert_eq!(
            subject["left_eye_template"], new["left_eye_enrol_template"],
            "enrolled from the new capture"
        );
    }
    assert_eq!(
        buffer_ids(&dev),
        vec![OLD_ID.to_string()],
        "only the undeletable old capture may remain in the buffer (outcome: {})",
        outcome_name(&result)
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Paging
// ---------------------------------------------------------------------------------------------

/// Sheets User_info and Face: the URLs write `pageSize`, the tables and the ReDoc page
/// `page_size`; "default = 50rows". The fake reads the name the client did NOT send, so it
/// answers 50 per page whatever size was asked. The streams must still yield every item once.
#[tokio::test]
async fn user_info_and_face_streams_are_whole_when_the_device_ignores_the_page_size() {
    const N: usize = 120;
    let fake = Fake::new("2.2.41").with(|dev| {
        dev.user_info_list = (0..N)
            .map(|i| user_info_item(&format!("u{i:03}")))
            .collect();
        dev.face_list = (0..N).map(|i| face_item(&format!("f{i:03}"))).collect();
    });
    let (fake, url) = serve(fake).await;
    let device = client(&url);

    let infos: Vec<UserInfo> = ok(
        within(device.user_infos_stream(Some(20)).try_collect()).await,
        "user-info stream",
    );
    let mut got: Vec<String> = infos.iter().map(|u| u.user_uuid.to_string()).collect();
    got.sort();
    let expected: Vec<String> = (0..N).map(|i| format!("u{i:03}")).collect();
    assert_eq!(
        got.len(),
        N,
        "user-info stream: every item exactly once (no duplicate, no gap)"
    );
    assert_eq!(got, expected, "user-info stream: every item exactly once");

    let faces: Vec<Face> = ok(
        within(device.faces_stream(Some(20)).try_collect()).await,
        "faces stream",
    );
    let mut got: Vec<String> = faces.iter().map(|f| f.user_uuid.to_string()).collect();
    got.sort();
    let expected: Vec<String> = (0..N).map(|i| format!("f{i:03}")).collect();
    assert_eq!(
        got.len(),
        N,
        "faces stream: every item exactly once (no duplicate, no gap)"
    );
    assert_eq!(got, expected, "faces stream: every item exactly once");

    let dev = fake.dev();
    for path in ["user-info", "faces"] {
        let pages: Vec<&Req> = dev.hits("GET", path);
        assert!(
            pages.iter().all(|r| r.q("page").is_some()),
            "{path}: the stream asks page by page"
        );
        assert!(
            pages.len() >= 3,
            "{path}: 120 items at the device's 50 per page are three pages"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 8. The Database sheets' answers as printed
// ---------------------------------------------------------------------------------------------

/// Sheets Database and Database (eyelock), printed examples: size
/// `{"size":44915712,"status":"""file":""}`, whole download `{"file":...,"size":19456}`, parts
/// `{"size":10485760,"status":"start""file":"..."}` ... `"continuous"` ... `"done"` (the remark
/// spells it "continous"): index 0, 1, ... until "done".
#[tokio::test]
async fn database_answers_are_read_as_the_sheets_print_them() {
    let main = bytes(19_456, 6);
    let parts_main = [bytes(30, 7), bytes(30, 8), bytes(10, 9)];
    let parts_eyelock = [bytes(24, 10), bytes(24, 11), bytes(5, 12)];
    let fake = Fake::new("2.2.41").with(|dev| {
        dev.db_files.insert("Main".into(), main.clone());
        dev.db_parts.insert(
            "Main".into(),
            vec![
                ("start", parts_main[0].clone()),
                ("continuous", parts_main[1].clone()),
                ("done", parts_main[2].clone()),
            ],
        );
        dev.db_parts.insert(
            "EyeLockFull".into(),
            vec![
                ("start", parts_eyelock[0].clone()),
                ("continous", parts_eyelock[1].clone()),
                ("done", parts_eyelock[2].clone()),
            ],
        );
    });
    let (fake, url) = serve(fake).await;
    let device = client(&url);

    assert_eq!(
        ok(
            within(device.database_size(DatabaseFile::Main)).await,
            "database/size as printed"
        ),
        44_915_712
    );
    assert_eq!(
        ok(
            within(device.database_size(DatabaseFile::EyeLockFull)).await,
            "database/size/EyeLockFull as printed"
        ),
        44_915_712
    );

    let mut whole: Vec<u8> = Vec::new();
    let n = ok(
        within(device.download_database(DatabaseFile::Main, &mut whole)).await,
        "GET database",
    );
    assert!(whole == main, "GET database: the decoded file");
    assert_eq!(n, main.len() as u64);

    let mut sink: Vec<u8> = Vec::new();
    let n = ok(
        within(device.download_database_parts(DatabaseFile::Main, &mut sink, |_| {})).await,
        "GET database/partial/{index}, comma-less answers",
    );
    assert!(sink == parts_main.concat(), "parts joined in order");
    assert_eq!(n, 70);

    let mut sink: Vec<u8> = Vec::new();
    ok(
        within(device.download_database_parts(DatabaseFile::EyeLockFull, &mut sink, |_| {})).await,
        "GET database/partial/{index}/EyeLockFull with \"continous\"",
    );
    assert!(
        sink == parts_eyelock.concat(),
        "eyelock parts joined in order"
    );

    let dev = fake.dev();
    let asked = |suffix: &str| -> Vec<String> {
        dev.log
            .iter()
            .filter(|r| r.path.starts_with("database/partial/") && r.path.ends_with(suffix))
            .map(|r| r.path.clone())
            .collect()
    };
    assert_eq!(
        asked(""),
        [
            "database/partial/0",
            "database/partial/1",
            "database/partial/2",
            "database/partial/0/EyeLockFull",
            "database/partial/1/EyeLockFull",
            "database/partial/2/EyeLockFull"
        ],
        "\"Increase index parameter by 1 until getting \"done\"\": index 0, 1, 2 and nothing after done"
    );
}
