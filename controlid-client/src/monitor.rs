//! The monitor: where the device pushes notifications and asynchronous enrollment results.

use std::time::Duration;

use biometric_core::{Error, Method, Operation, RawResponse, Result, TextLimit, decode_unit};
use serde::Deserialize;
use serde_json::json;

use crate::client::Client;
use crate::limits::{MAX_HOSTNAME_CHARS, TEXT};

/// The monitor configuration: notifications go to `http://hostname:port/path/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MonitorConfig {
    /// Your server's host name or address, as the device can reach it.
    pub hostname: String,
    /// Its port.
    pub port: u16,
    /// The path prefix (`api/notifications`), without a leading slash.
    pub path: String,
    /// How long the device waits for your server.
    pub request_timeout: Duration,
    /// How often the device sends its `device_is_alive` heartbeat (`alive_interval`, in
    /// milliseconds on the wire; the device's default is 30 s). `None`: not sent, the device
    /// keeps its own value (or the device reported none).
    pub alive_interval: Option<Duration>,
    /// `enable_photo_upload`, as the device's text. The notes name the key but not its values,
    /// so it is sent exactly as given (every monitor value travels as a string). `None`: not
    /// sent (or the device reported none).
    pub enable_photo_upload: Option<String>,
    /// `inform_access_event_id`, as the device's text. The notes name the key but not its
    /// values, so it is sent exactly as given. `None`: not sent (or the device reported none).
    pub inform_access_event_id: Option<String>,
}

impl MonitorConfig {
    /// A configuration for `hostname:port/path`, with a 5 s request timeout.
    pub fn new(hostname: impl Into<String>, port: u16, path: impl Into<String>) -> Self {
        let path: String = path.into();
        MonitorConfig {
            hostname: hostname.into(),
            port,
            path: path.trim_start_matches('/').to_owned(),
            request_timeout: Duration::from_secs(5),
            alive_interval: None,
            enable_photo_upload: None,
            inform_access_event_id: None,
        }
    }

    /// Sets how often the device sends `device_is_alive` (whole milliseconds, at least 1).
    pub fn alive_interval(mut self, interval: Duration) -> Self {
        self.alive_interval = Some(interval);
        self
    }

    /// Sets `enable_photo_upload` to `value`, sent as written (the documentation does not list
    /// its values).
    pub fn enable_photo_upload(mut self, value: impl Into<String>) -> Self {
        self.enable_photo_upload = Some(value.into());
        self
    }

    /// Sets `inform_access_event_id` to `value`, sent as written (the documentation does not
    /// list its values).
    pub fn inform_access_event_id(mut self, value: impl Into<String>) -> Self {
        self.inform_access_event_id = Some(value.into());
        self
    }

    /// Sets how long the device waits for your server.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    fn check(&self) -> Result<()> {
        TextLimit::at_most(MAX_HOSTNAME_CHARS).check("monitor.hostname", &self.hostname)?;
        if self.hostname.contains(char::is_whitespace) {
            return Err(Error::invalid(
                "monitor.hostname",
                "must not contain spaces (the device builds a URL from it)",
            ));
        }
        TEXT.allow_blank().check("monitor.path", &self.path)?;
        if self.port == 0 {
            return Err(Error::invalid("monitor.port", "must be from 1 to 65535"));
        }
        if self.request_timeout.is_zero() {
            return Err(Error::invalid(
                "monitor.request_timeout",
                "must be positive",
            ));
        }
        if self
            .alive_interval
            .is_some_and(|i| i.as_millis() == 0 || i.subsec_nanos() % 1_000_000 != 0)
        {
            return Err(Error::invalid(
                "monitor.alive_interval",
                "must be a whole number of milliseconds, at least 1",
            ));
        }
        for (field, value) in [
            ("monitor.enable_photo_upload", &self.enable_photo_upload),
            (
                "monitor.inform_access_event_id",
                &self.inform_access_event_id,
            ),
        ] {
            if let Some(value) = value {
                TEXT.check(field, value)?;
            }
        }
        Ok(())
    }
}

/// The device sends every monitor value as a string.
#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    hostname: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    request_timeout: String,
    #[serde(default)]
    alive_interval: String,
    #[serde(default)]
    enable_photo_upload: String,
    #[serde(default)]
    inform_access_event_id: String,
}

/// Every monitor key the notes document, in the order they are asked for.
const MONITOR_KEYS: [&str; 7] = [
    "hostname",
    "port",
    "path",
    "request_timeout",
    "alive_interval",
    "enable_photo_upload",
    "inform_access_event_id",
];

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// `get_configuration.fcgi`'s answer: every value a string, the numbers parsed here.
fn decode_monitor(raw: RawResponse) -> Result<Option<MonitorConfig>> {
    #[derive(Deserialize)]
    struct Answer {
        monitor: Wire,
    }
    let wire = raw.json::<Answer>()?.monitor;
    let number = |field: &str, text: &str| -> Result<u64> {
        if text.is_empty() {
            return Ok(0);
        }
        text.parse().map_err(|_| {
            raw.decode_error(
                Some(format!("monitor.{field}")),
                format!("{text:?} is not a number"),
            )
        })
    };
    let port = number("port", &wire.port)?;
    let port = u16::try_from(port).map_err(|_| {
        raw.decode_error(
            Some("monitor.port".to_owned()),
            format!("{port} is not a port"),
        )
    })?;
    if wire.hostname.trim().is_empty() || port == 0 {
        return Ok(None);
    }
    Ok(Some(MonitorConfig {
        port,
        request_timeout: Duration::from_millis(number("request_timeout", &wire.request_timeout)?),
        alive_interval: non_empty(wire.alive_interval)
            .map(|text| number("alive_interval", &text).map(Duration::from_millis))
            .transpose()?,
        enable_photo_upload: non_empty(wire.enable_photo_upload),
        inform_access_event_id: non_empty(wire.inform_access_event_id),
        hostname: wire.hostname,
        path: wire.path,
    }))
}

impl Client {
    /// Reads the monitor configuration: `None` when no monitor is configured (the device
    /// answers an empty host name or port), so notifications and asynchronous enrollment
    /// results have nowhere to go.
    ///
    /// A value the device sends that is not a number where one is due (`port`,
    /// `request_timeout`, `alive_interval`), or a port beyond 65535, is an [`Error::Decode`]
    /// naming the key and carrying the device's body.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// only reads.
    ///
    /// Errors: [`Error::Decode`] as above; [`Error::Api`] when the device refuses; [`Error::Auth`]
    /// when the login is refused, or the device refuses the session again after one re-login.
    pub async fn monitor_config(&self) -> Result<Option<MonitorConfig>> {
        let op = Operation::with_decoder(
            "controlid.get_configuration",
            Method::POST,
            "get_configuration.fcgi",
            decode_monitor,
        )
        .idempotent(true)
        .json_body(&json!({ "monitor": MONITOR_KEYS }))?;
        self.engine.execute(op).await
    }

    /// Sets the monitor configuration, so that asynchronous enrollment results and
    /// notifications reach your server.
    ///
    /// Checked before anything is sent ([`Error::InvalidRequest`] naming the field): the
    /// hostname not blank, without spaces or control characters, at most
    /// [`MAX_HOSTNAME_CHARS`](crate::MAX_HOSTNAME_CHARS) characters; the path and the two
    /// free-form values without control characters and at most
    /// [`MAX_TEXT_CHARS`](crate::MAX_TEXT_CHARS) characters (a value, when given, not blank);
    /// a port from 1; a positive request timeout; a whole-millisecond alive interval.
    ///
    /// **Resent** after a failure that may go away (a timeout, a 5xx, a refused connection): it
    /// sets the same values each time, so a second request leaves the device as the first did.
    ///
    /// Errors: [`Error::InvalidRequest`] as above; [`Error::Api`] when the device refuses;
    /// [`Error::Auth`] when the login is refused, or the device refuses the session again after
    /// one re-login.
    pub async fn set_monitor_config(&self, config: &MonitorConfig) -> Result<()> {
        config.check()?;
        let mut monitor = serde_json::Map::new();
        monitor.insert("hostname".into(), json!(config.hostname));
        monitor.insert("port".into(), json!(config.port.to_string()));
        monitor.insert("path".into(), json!(config.path));
        monitor.insert(
            "request_timeout".into(),
            json!(config.request_timeout.as_millis().to_string()),
        );
        if let Some(interval) = config.alive_interval {
            monitor.insert(
                "alive_interval".into(),
                json!(interval.as_millis().to_string()),
            );
        }
        if let Some(value) = &config.enable_photo_upload {
            monitor.insert("enable_photo_upload".into(), json!(value));
        }
        if let Some(value) = &config.inform_access_event_id {
            monitor.insert("inform_access_event_id".into(), json!(value));
        }
        let body = json!({ "monitor": monitor });
        let op = Operation::with_decoder(
            "controlid.set_configuration",
            Method::POST,
            "set_configuration.fcgi",
            decode_unit,
        )
        .idempotent(true)
        .json_body(&body)?;
        self.engine.execute(op).await
    }
}
