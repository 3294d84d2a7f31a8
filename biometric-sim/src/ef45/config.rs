//! The device settings (sheet Config): typed settings by title, the door status and the relay.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::{get, put};
use serde_json::{Map, Value, json};

use super::Ef45Sim;
use super::wire::{
    Kind, Query, Reject, bad, check_fields, json_answer, json_object, no_body, no_content,
    not_found,
};

/// A device setting's value, of one of the four types the Config sheet's `{type}` names.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// `bool`.
    Bool(bool),
    /// `float`.
    Float(f64),
    /// `int`.
    Int(i64),
    /// `string`.
    String(String),
}

impl ConfigValue {
    /// The `{type}` path segment of this value: `bool`, `float`, `int` or `string`.
    pub fn type_name(&self) -> &'static str {
        match self {
            ConfigValue::Bool(_) => "bool",
            ConfigValue::Float(_) => "float",
            ConfigValue::Int(_) => "int",
            ConfigValue::String(_) => "string",
        }
    }
}

/// One of the door status values (Config sheet, "Door status return values").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorState {
    /// 0: normal (enabled, stand-by).
    Normal,
    /// 1: event occurred.
    Event,
    /// 2: disabled.
    Disabled,
}

impl DoorState {
    /// The number the device answers: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            DoorState::Normal => 0,
            DoorState::Event => 1,
            DoorState::Disabled => 2,
        }
    }
}

/// What `GET config/door-status` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorStatus {
    /// `door_sensor`.
    pub door_sensor: DoorState,
    /// `relay`.
    pub relay: DoorState,
    /// `tamper`.
    pub tamper: DoorState,
    /// `rte` (request to exit).
    pub rte: DoorState,
}

impl Default for DoorStatus {
    /// The sheet's example: everything disabled (`{"door_sensor":2,"relay":2,"tamper":2,"rte":2}`).
    fn default() -> Self {
        DoorStatus {
            door_sensor: DoorState::Disabled,
            relay: DoorState::Disabled,
            tamper: DoorState::Disabled,
            rte: DoorState::Disabled,
        }
    }
}

/// The query of the last `PUT config/relay` (each parameter as sent; both are optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayCall {
    /// `forced`.
    pub forced: Option<bool>,
    /// `duration`, in seconds.
    pub duration: Option<u32>,
}

/// The Config sheet's state.
pub(super) struct ConfigState {
    values: BTreeMap<String, ConfigValue>,
    door: DoorStatus,
    last_relay: Option<RelayCall>,
}

impl Default for ConfigState {
    /// The titles the sheets name, seeded: `umx.camera.recog.eitherEye` = 1 (the Config GET
    /// example), `launcher.device.door.relay` = 1 (the Config PUT example's value),
    /// `umx.camera.enrol.MinimumUsableIrisArea` = 2 and `launcher.network.diameter` = 0. The
    /// last two are named by the API Overview and Biometric-data sheets without a default: the
    /// values (and the `int` type of `launcher.network.diameter`, which the sheet says is "set
    /// to 1") are the fake's.
    fn default() -> Self {
        let values = [
            ("umx.camera.recog.eitherEye", 1),
            ("launcher.device.door.relay", 1),
            ("umx.camera.enrol.MinimumUsableIrisArea", 2),
            ("launcher.network.diameter", 0),
        ]
        .into_iter()
        .map(|(title, value)| (title.to_owned(), ConfigValue::Int(value)))
        .collect();
        ConfigState {
            values,
            door: DoorStatus::default(),
            last_relay: None,
        }
    }
}

impl ConfigState {
    /// The value of `title`, if stored.
    pub(super) fn value(&self, title: &str) -> Option<&ConfigValue> {
        self.values.get(title)
    }
}

/// The ranges the sheets document for a title (API Overview: `MinimumUsableIrisArea` 0 to 4).
const INT_RANGES: &[(&str, std::ops::RangeInclusive<i64>)] =
    &[("umx.camera.enrol.MinimumUsableIrisArea", 0..=4)];

/// The Config calls (all need the lock).
pub(super) fn routes() -> Router<Ef45Sim> {
    Router::new()
        .route("/1.0/config/door-status", get(door_status))
        .route("/1.0/config/relay", put(relay))
        .route(
            "/1.0/config/{title}/{type}",
            get(config_get).put(config_put),
        )
}

impl Ef45Sim {
    /// The value stored for the setting `title`, if any.
    pub fn config_value(&self, title: &str) -> Option<ConfigValue> {
        self.store().config.values.get(title).cloned()
    }

    /// Stores `value` for `title` (a new title, or a new value and type for a known one).
    pub fn set_config(&self, title: impl Into<String>, value: ConfigValue) {
        self.store().config.values.insert(title.into(), value);
    }

    /// What `GET config/door-status` answers from now on.
    pub fn set_door_status(&self, status: DoorStatus) {
        self.store().config.door = status;
    }

    /// What `GET config/door-status` answers now.
    pub fn door_status(&self) -> DoorStatus {
        self.store().config.door
    }

    /// The query of the last accepted `PUT config/relay`, if any.
    pub fn last_relay(&self) -> Option<RelayCall> {
        self.store().config.last_relay
    }
}

/// `{type}`: one of the four the sheet lists.
fn type_name(text: &str) -> Result<&str, Reject> {
    match text {
        "bool" | "float" | "int" | "string" => Ok(text),
        _ => Err(bad(format!(
            "config type {text:?} is not bool, float, int or string"
        ))),
    }
}

/// The GET answer: every field, the title's own one holding its value and the others the
/// sheet example's unused values (`""`, `-1`, `false`; `int`'s `-1` is the fake's, by analogy
/// with `float`).
fn config_answer(title: &str, value: &ConfigValue) -> Value {
    let mut answer = json!({"title": title, "string": "", "int": -1, "float": -1, "bool": false});
    let (key, stored) = match value {
        ConfigValue::Bool(b) => ("bool", json!(b)),
        ConfigValue::Float(f) => ("float", json!(f)),
        ConfigValue::Int(i) => ("int", json!(i)),
        ConfigValue::String(s) => ("string", json!(s)),
    };
    answer[key] = stored;
    answer
}

/// `GET config/{title}/{type}`. An unknown title is a 404 and a title asked with another type
/// than its own a 400: the device's answers are not documented (nor is the SDK Configurations
/// table of titles the sheet refers to).
async fn config_get(
    State(sim): State<Ef45Sim>,
    Path((title, kind)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let kind = type_name(&kind)?;
    let store = sim.store();
    let value = store
        .config
        .values
        .get(&title)
        .ok_or_else(|| not_found(format!("no setting titled {title:?}")))?;
    if value.type_name() != kind {
        return Err(bad(format!(
            "{title} is a {} setting, asked as {kind}",
            value.type_name()
        )));
    }
    Ok(json_answer(config_answer(&title, value)))
}

/// The PUT body's keys and types (the Config sheet's table).
const CONFIG_BODY: &[(&str, Kind)] = &[
    ("title", Kind::Text),
    ("bool", Kind::Bool),
    ("float", Kind::Double),
    ("int", Kind::Int),
    ("string", Kind::Text),
];

/// The value a PUT body gives for `kind`: the key named by the type is required; the others may
/// be sent (the sheet's example sends all five) and are not stored. `title` is `""` (as in the
/// example) or the path's title.
fn put_value(map: &Map<String, Value>, title: &str, kind: &str) -> Result<ConfigValue, Reject> {
    check_fields(map, CONFIG_BODY, "config")?;
    match map.get("title").and_then(Value::as_str) {
        None | Some("") => {}
        Some(t) if t == title => {}
        Some(other) => return Err(bad(format!("body title {other:?} differs from the path"))),
    }
    let sent = map
        .get(kind)
        .ok_or_else(|| bad(format!("config.{kind} is required for a {kind} setting")))?;
    let value = match kind {
        "bool" => ConfigValue::Bool(sent.as_bool().unwrap_or_default()),
        "float" => ConfigValue::Float(sent.as_f64().unwrap_or_default()),
        "int" => ConfigValue::Int(sent.as_i64().unwrap_or_default()),
        _ => ConfigValue::String(sent.as_str().unwrap_or_default().to_owned()),
    };
    if let (ConfigValue::Int(n), Some((_, range))) =
        (&value, INT_RANGES.iter().find(|(t, _)| *t == title))
        && !range.contains(n)
    {
        return Err(bad(format!("{title} takes {range:?}, found {n}")));
    }
    Ok(value)
}

/// `PUT config/{title}/{type}`: 204, as documented. A title the fake does not know is created
/// (the list of titles is not in the sheets); a known title keeps its type (400 otherwise).
async fn config_put(
    State(sim): State<Ef45Sim>,
    Path((title, kind)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let kind = type_name(&kind)?;
    let value = put_value(&json_object(&headers, &body)?, &title, kind)?;
    let mut store = sim.store();
    if let Some(old) = store.config.values.get(&title)
        && old.type_name() != kind
    {
        return Err(bad(format!(
            "{title} is a {} setting, written as {kind}",
            old.type_name()
        )));
    }
    store.config.values.insert(title, value);
    Ok(no_content())
}

/// `GET config/door-status`: `{door_sensor, relay, tamper, rte}`, each 0, 1 or 2.
async fn door_status(State(sim): State<Ef45Sim>, uri: Uri) -> Result<Response, Reject> {
    Query::parse(&uri, &[])?;
    let door = sim.store().config.door;
    Ok(json_answer(json!({
        "door_sensor": door.door_sensor.code(), "relay": door.relay.code(),
        "tamper": door.tamper.code(), "rte": door.rte.code()
    })))
}

/// `PUT config/relay?forced=&duration=`: query only, both optional (the sheet marks neither
/// required), `forced` `true`/`false`, `duration` whole seconds. Answers 204: the sheet
/// documents no answer.
async fn relay(State(sim): State<Ef45Sim>, uri: Uri, body: Bytes) -> Result<Response, Reject> {
    no_body(&body, "config/relay")?;
    let query = Query::parse(&uri, &["forced", "duration"])?;
    let forced = match query.get("forced") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => return Err(bad(format!("forced={other} is not true or false"))),
    };
    let duration = query
        .int("duration", 0..=i64::from(u32::MAX))?
        .map(|d| u32::try_from(d).unwrap_or(u32::MAX));
    sim.store().config.last_relay = Some(RelayCall { forced, duration });
    Ok(no_content())
}
