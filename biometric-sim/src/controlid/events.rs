//! Events the fake device raises to the monitor, in the shapes deployed devices post: an access
//! at the door (a `dao` notification inserting an `access_logs` row, every value a string), a
//! door, a turnstile event, an access photo, a USB drive routine. Each notification carries the
//! device's `device_id` and `time` (Unix seconds) at its top level.
//!
//! The monitor address is the one set with `set_configuration` (`hostname`, `port`, `path`);
//! each notification goes to `http://hostname:port/<path>/<name>`, once (no resend is
//! documented).

use biometric_core::Body;
use serde_json::{Value, json};

use super::{ControlIdSim, Post, send_post, synthetic_face};

/// Something that happens at the device and that it reports to the monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// Someone presented at the device: an `access_logs` row inserted (`dao`), with the access
    /// API's event code (`7` granted, `6` denied, `3` not identified...).
    Access {
        /// The person identified; `None` for nobody (sent as `"0"`).
        user_id: Option<i64>,
        /// The access API's event code.
        event: i64,
        /// The portal (door).
        portal_id: i64,
        /// The recognition confidence (newer firmware's `confidence`).
        confidence: i64,
    },
    /// A door opened or closed (`door`).
    Door {
        /// The door.
        id: i64,
        /// Whether it is open now.
        open: bool,
    },
    /// A turnstile event (`catra_event`).
    Turnstile {
        /// The event's type code.
        kind: i64,
        /// The event's name.
        name: String,
    },
    /// The photo taken at an access (`access_photo`, a base64 JPEG).
    AccessPhoto {
        /// The person identified, or `None`.
        user_id: Option<i64>,
        /// The access API's event code.
        event: i64,
    },
    /// A routine on a USB drive plugged into the device (`usb_drive`).
    UsbDrive {
        /// The device's text.
        event: String,
    },
}

impl DeviceEvent {
    /// Access granted to `user_id` at portal 1.
    pub fn access_granted(user_id: i64) -> Self {
        DeviceEvent::Access {
            user_id: Some(user_id),
            event: 7,
            portal_id: 1,
            confidence: 1009,
        }
    }

    /// Someone the device did not identify, at portal 1.
    pub fn not_identified() -> Self {
        DeviceEvent::Access {
            user_id: None,
            event: 3,
            portal_id: 1,
            confidence: 0,
        }
    }

    /// The notification's name (the last path segment).
    fn name(&self) -> &'static str {
        match self {
            DeviceEvent::Access { .. } => "dao",
            DeviceEvent::Door { .. } => "door",
            DeviceEvent::Turnstile { .. } => "catra_event",
            DeviceEvent::AccessPhoto { .. } => "access_photo",
            DeviceEvent::UsbDrive { .. } => "usb_drive",
        }
    }
}

impl ControlIdSim {
    /// Raises `event`: posts its notification to the monitor and returns the path posted to
    /// and the status your server answered (`None` when it could not be reached). Returns
    /// `None` when no monitor is configured (nothing is sent, as on a device).
    pub async fn raise(&self, event: DeviceEvent) -> Option<(String, Option<u16>)> {
        let (host, port, path, log_id) = {
            let mut device = self.device();
            let text = |key: &str| {
                device
                    .monitor
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let (host, port, path) = (text("hostname")?, text("port")?, text("path"));
            device.access_log_id += 1;
            (host, port, path, device.access_log_id)
        };
        let body = self.notification_body(&event, log_id);
        let prefix = path.unwrap_or_default();
        let prefix = prefix.trim_matches('/');
        let post = Post {
            base_path: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
            endpoint: event.name(),
            query: Vec::new(),
            body: Body::Json(serde_json::to_vec(&body).unwrap_or_default().into()),
        };
        Some(send_post(&host, &port, post).await)
    }

    /// The body deployed devices post for `event`: numbers inside `dao` values as strings, the
    /// top-level `device_id` and `time` as numbers.
    fn notification_body(&self, event: &DeviceEvent, log_id: i64) -> Value {
        let device_id = self.config.device_id;
        let now = chrono::Utc::now().timestamp();
        let mut body = match event {
            DeviceEvent::Access {
                user_id,
                event,
                portal_id,
                confidence,
            } => json!({"object_changes": [{
                "object": "access_logs",
                "type": "inserted",
                "values": {
                    "id": log_id.to_string(),
                    "time": now.to_string(),
                    "event": event.to_string(),
                    "device_id": device_id.to_string(),
                    "identifier_id": "0",
                    "user_id": user_id.unwrap_or(0).to_string(),
                    "portal_id": portal_id.to_string(),
                    "identification_rule_id": "0",
                    "card_value": "0",
                    "qrcode_value": "",
                    "pin_value": "",
                    "confidence": confidence.to_string(),
                    "mask": "0",
                    "log_type_id": "-1",
                }
            }]}),
            DeviceEvent::Door { id, open } => json!({"door": {"id": id, "open": open}}),
            DeviceEvent::Turnstile { kind, name } => json!({"event": {
                "type": kind, "name": name, "time": now, "uuid": format!("sim-{log_id}")
            }}),
            DeviceEvent::AccessPhoto { user_id, event } => json!({
                "portal_id": 1,
                "identifier_id": 0,
                "event": event,
                "user_id": user_id.unwrap_or(0),
                "access_photo": biometric_core::base64::encode(&synthetic_face(
                    user_id.unwrap_or(0)
                )),
            }),
            DeviceEvent::UsbDrive { event } => json!({"usb_drive": {"event": event}}),
        };
        body["device_id"] = json!(device_id);
        body["time"] = json!(now);
        body
    }
}
