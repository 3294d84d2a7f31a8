//! The monitor configuration, whose values travel as strings.

use std::time::Duration;

use crate::common::*;
use controlid_client::{Error, MonitorConfig};
use wiremock::matchers::{body_json, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn set_and_read_back_the_monitor() {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    Mock::given(path("/set_configuration.fcgi"))
        .and(body_json(serde_json::json!({"monitor": {
            "hostname": "192.168.0.20", "port": "8000", "path": "api/notifications", "request_timeout": "5000"
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/get_configuration.fcgi"))
        .and(body_json(serde_json::json!({"monitor": [
            "hostname", "port", "path", "request_timeout",
            "alive_interval", "enable_photo_upload", "inform_access_event_id"
        ]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"monitor": {
            "hostname": "192.168.0.20", "port": "8000", "path": "api/notifications", "request_timeout": "5000"
        }})))
        .mount(&server)
        .await;
    catch_all(&server).await;
    let device = client(&server);

    let config = MonitorConfig::new("192.168.0.20", 8000, "/api/notifications");
    device.set_monitor_config(&config).await.unwrap();
    let read = device.monitor_config().await.unwrap().expect("configured");

    assert_eq!(read, config);
    assert_eq!(read.request_timeout, Duration::from_secs(5));
}

#[tokio::test]
async fn the_other_documented_monitor_keys_travel_as_strings() {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    let monitor = serde_json::json!({
        "hostname": "10.0.0.5", "port": "8080", "path": "api/notifications",
        "request_timeout": "3000", "alive_interval": "60000",
        "enable_photo_upload": "1", "inform_access_event_id": "1"
    });
    Mock::given(path("/set_configuration.fcgi"))
        .and(body_json(serde_json::json!({ "monitor": monitor })))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/get_configuration.fcgi"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "monitor": monitor })),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;
    let device = client(&server);

    let config = MonitorConfig::new("10.0.0.5", 8080, "api/notifications")
        .request_timeout(Duration::from_secs(3))
        .alive_interval(Duration::from_secs(60))
        .enable_photo_upload("1")
        .inform_access_event_id("1");
    device.set_monitor_config(&config).await.unwrap();
    let read = device.monitor_config().await.unwrap().expect("configured");

    assert_eq!(read, config);
    assert_eq!(read.alive_interval, Some(Duration::from_secs(60)));
    assert_eq!(read.enable_photo_upload.as_deref(), Some("1"));
}

#[tokio::test]
async fn a_non_numeric_port_from_the_device_is_a_decode_error() {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    Mock::given(path("/get_configuration.fcgi"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"monitor": {"port": "eighty"}})),
        )
        .mount(&server)
        .await;

    let err = client(&server).monitor_config().await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn invalid_configurations_are_refused_before_any_io() {
    let server = MockServer::start().await;
    let device = client(&server);
    for (config, field) in [
        (MonitorConfig::new("", 8000, "x"), "monitor.hostname"),
        (MonitorConfig::new("host", 0, "x"), "monitor.port"),
        (
            MonitorConfig::new("host", 80, "x").request_timeout(Duration::ZERO),
            "monitor.request_timeout",
        ),
        (
            MonitorConfig::new("host", 80, "x").alive_interval(Duration::from_micros(1500)),
            "monitor.alive_interval",
        ),
        (
            MonitorConfig::new("host", 80, "x").enable_photo_upload(" "),
            "monitor.enable_photo_upload",
        ),
    ] {
        let err = device.set_monitor_config(&config).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field: f, .. } if f == field),
            "{err}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}
