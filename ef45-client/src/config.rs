//! Sheet Config: device settings by title and type, door status, relay.

use biometric_core::{Error, Method, Operation, RawResponse, Result, decode_raw, decode_unit};
use serde::{Deserialize, Deserializer};

use crate::client::Client;

/// The type of a setting, the `{type}` of `config/{title}/{type}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigKind {
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `string`.
    String,
}

impl ConfigKind {
    /// The text in the path.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigKind::Bool => "bool",
            ConfigKind::Int => "int",
            ConfigKind::Float => "float",
            ConfigKind::String => "string",
        }
    }
}

impl std::fmt::Display for ConfigKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A setting's value, typed by its [`ConfigKind`].
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A `bool` setting.
    Bool(bool),
    /// An `int` setting.
    Int(i64),
    /// A `float` setting.
    Float(f64),
    /// A `string` setting.
    String(String),
}

impl ConfigValue {
    /// The type this value is stored as.
    pub fn kind(&self) -> ConfigKind {
        match self {
            ConfigValue::Bool(_) => ConfigKind::Bool,
            ConfigValue::Int(_) => ConfigKind::Int,
            ConfigValue::Float(_) => ConfigKind::Float,
            ConfigValue::String(_) => ConfigKind::String,
        }
    }
}

/// The answer and the body of `config/{title}/{type}`: every type's field, the one of the
/// path's type meaningful (the sheet's example: `{"title": "umx.camera.recog.eitherEye",
/// "string": "", "int": 1, "float": -1, "bool": false}`).
#[derive(Deserialize)]
struct Setting {
    #[serde(rename = "bool")]
    boolean: Option<bool>,
    int: Option<i64>,
    float: Option<f64>,
    string: Option<String>,
}

fn decode_setting(raw: &RawResponse, kind: ConfigKind) -> Result<ConfigValue> {
    let setting: Setting = raw.json()?;
    let value = match kind {
        ConfigKind::Bool => setting.boolean.map(ConfigValue::Bool),
        ConfigKind::Int => setting.int.map(ConfigValue::Int),
        ConfigKind::Float => setting.float.map(ConfigValue::Float),
        ConfigKind::String => setting.string.map(ConfigValue::String),
    };
    value.ok_or_else(|| {
        raw.decode_error(
            Some(kind.as_str().to_owned()),
            format!("the answer has no `{kind}` value"),
        )
    })
}

/// The state of one door input (sheet Config, door status): 0 normal (enabled, stand-by),
/// 1 event occurred, 2 disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SensorState {
    /// 0: enabled and standing by.
    Normal,
    /// 1: an event occurred.
    Event,
    /// 2: disabled.
    Disabled,
    /// A value the sheet does not list, kept as sent.
    Unknown(i64),
}

impl SensorState {
    /// The state for the device's number.
    pub fn from_number(value: i64) -> Self {
        match value {
            0 => SensorState::Normal,
            1 => SensorState::Event,
            2 => SensorState::Disabled,
            other => SensorState::Unknown(other),
        }
    }
}

impl<'de> Deserialize<'de> for SensorState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer).map(SensorState::from_number)
    }
}

/// The door's inputs (`GET config/door-status`: `{"door_sensor": 2, "relay": 2, "tamper": 2,
/// "rte": 2}`). The sheet says to poll it to follow the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DoorStatus {
    /// The door sensor.
    pub door_sensor: SensorState,
    /// The relay.
    pub relay: SensorState,
    /// The tamper switch.
    pub tamper: SensorState,
    /// The request-to-exit input.
    pub rte: SensorState,
}

impl Client {
    /// Reads a setting (`GET config/{title}/{type}`), e.g. `umx.camera.recog.eitherEye` as
    /// [`ConfigKind::Int`]. The titles are listed in the vendor's "EF-45 SDK Configurations"
    /// table, which is not part of the API sheets. The answer's `title` echoes the request's
    /// and is not returned.
    ///
    /// ```no_run
    /// # async fn demo(device: ef45_client::Client) -> ef45_client::Result<()> {
    /// use ef45_client::{ConfigKind, ConfigValue};
    /// let value = device.config("umx.camera.recog.eitherEye", ConfigKind::Int).await?;
    /// assert!(matches!(value, ConfigValue::Int(_)));
    /// # Ok(()) }
    /// ```
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn config(&self, title: &str, kind: ConfigKind) -> Result<ConfigValue> {
        let op = Operation::with_decoder("ef45.config", Method::GET, "config/", decode_raw)
            .segment("title", title)
            .segment("type", kind);
        let raw = self.send(op).await?;
        decode_setting(&raw, kind)
    }

    /// Changes a setting (`PUT config/{title}/{type}`, 204), the type taken from the value.
    ///
    /// The body carries every type's field as the sheet's example does (`{"bool": false,
    /// "float": 0, "int": 1, "string": "", "title": ...}`), the value's own field set and the
    /// others at their zero value. The example's `title` is empty; this client sends the
    /// setting's title, which the sheet does not forbid.
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn set_config(&self, title: &str, value: &ConfigValue) -> Result<()> {
        let mut body = serde_json::json!({
            "bool": false, "float": 0, "int": 0, "string": "", "title": title,
        });
        body[value.kind().as_str()] = match value {
            ConfigValue::Bool(v) => serde_json::json!(v),
            ConfigValue::Int(v) => serde_json::json!(v),
            ConfigValue::Float(v) if v.is_finite() => serde_json::json!(v),
            ConfigValue::Float(_) => return Err(Error::invalid("float", "must be finite")),
            ConfigValue::String(v) => serde_json::json!(v),
        };
        let op = Operation::with_decoder("ef45.set_config", Method::PUT, "config/", decode_unit)
            .segment("title", title)
            .segment("type", value.kind())
            .json_body(&body)?
            // Sets the value: the same result however often it is sent.
            .idempotent(true);
        self.send(op).await
    }

    /// The door's inputs (`GET config/door-status`).
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    pub async fn door_status(&self) -> Result<DoorStatus> {
        let op = Operation::new("ef45.door_status", Method::GET, "config/door-status");
        self.send(op).await
    }

    /// Updates the relay config (`PUT config/relay[?forced=][&duration=]`, the duration in
    /// seconds; the sheet marks neither parameter required, so `None` leaves one out). The
    /// sheet: set `forced` when the relay is triggered automatically by a schedule. The answer
    /// is not documented: any 2xx is success.
    ///
    /// **Resent** after a failure that may go away: it writes the whole record (or sets a state),
    /// so writing it again leaves the same result.
    pub async fn set_relay(&self, forced: Option<bool>, duration_secs: Option<u32>) -> Result<()> {
        if forced.is_none() && duration_secs.is_none() {
            return Err(Error::invalid("forced", "or duration must be given"));
        }
        let op =
            Operation::with_decoder("ef45.set_relay", Method::PUT, "config/relay", decode_unit)
                .query_opt("forced", forced)
                .query_opt("duration", duration_secs)
                // Sets the relay's settings: the same result however often it is sent.
                .idempotent(true);
        self.send(op).await
    }
}
