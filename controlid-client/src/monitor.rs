//! The monitor: where the device pushes notifications and asynchronous enrollment results.

use std::time::Duration;

use biometric_core::{DecodeError, Error, Method, Operation, Result, decode_unit};
use serde::Deserialize;
use serde_json::json;

use crate::client::Client;

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
        }
    }

    /// Sets how long the device waits for your server.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    fn check(&self) -> Result<()> {
        if self.hostname.trim().is_empty() {
            return Err(Error::invalid("monitor.hostname", "must not be empty"));
        }
        if self.port == 0 {
            return Err(Error::invalid("monitor.port", "must be from 1 to 65535"));
        }
        if self.request_timeout.is_zero() {
            return Err(Error::invalid(
                "monitor.request_timeout",
                "must be positive",
            ));
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
}

impl Client {
    /// Reads the monitor configuration.
    pub async fn monitor_config(&self) -> Result<MonitorConfig> {
        #[derive(Deserialize)]
        struct Answer {
            monitor: Wire,
        }
        let op = Operation::<Answer>::new(
            "controlid.get_configuration",
            Method::POST,
            "get_configuration.fcgi",
        )
        .idempotent(true)
        .json_body(&json!({"monitor": ["hostname", "port", "path", "request_timeout"]}))?;
        let wire = self.engine.execute(op).await?.monitor;
        let number = |field: &str, text: &str| -> Result<u64> {
            if text.is_empty() {
                return Ok(0);
            }
            text.parse().map_err(|_| {
                DecodeError::new(
                    "controlid.get_configuration",
                    format!("monitor.{field} {text:?} is not a number"),
                )
                .into()
            })
        };
        Ok(MonitorConfig {
            port: u16::try_from(number("port", &wire.port)?).unwrap_or(0),
            request_timeout: Duration::from_millis(number(
                "request_timeout",
                &wire.request_timeout,
            )?),
            hostname: wire.hostname,
            path: wire.path,
        })
    }

    /// Sets the monitor configuration, so that asynchronous enrollment results and
    /// notifications reach your server.
    pub async fn set_monitor_config(&self, config: &MonitorConfig) -> Result<()> {
        config.check()?;
        let body = json!({"monitor": {
            "hostname": config.hostname,
            "port": config.port.to_string(),
            "path": config.path,
            "request_timeout": config.request_timeout.as_millis().to_string(),
        }});
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
