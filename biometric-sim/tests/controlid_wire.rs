//! The Control iD fake on the wire, without the SDK's client.

use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[tokio::test]
async fn login_gives_a_session_that_every_command_needs() {
    let running = ControlIdSim::new(ControlIdConfig::new("admin", "pw"))
        .start()
        .await
        .unwrap();
    let base = running.base_url();
    let http = http();

    let refused = http
        .post(format!("{base}/login.fcgi"))
        .json(&json!({"login": "admin", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({"error": "Invalid user or password"})
    );

    let session = http
        .post(format!("{base}/login.fcgi"))
        .json(&json!({"login": "admin", "password": "pw"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["session"]
        .as_str()
        .unwrap()
        .to_owned();

    let without = http
        .post(format!("{base}/load_objects.fcgi"))
        .json(&json!({"object": "users"}))
        .send()
        .await
        .unwrap();
    let with = http
        .post(format!("{base}/load_objects.fcgi"))
        .query(&[("session", &session)])
        .json(&json!({"object": "users"}))
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 401);
    assert_eq!(with.status(), 200);
    assert_eq!(with.json::<Value>().await.unwrap(), json!({"users": []}));

    let check = http
        .post(format!("{base}/session_is_valid.fcgi"))
        .query(&[("session", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        check.json::<Value>().await.unwrap(),
        json!({"session_is_valid": false})
    );
}

#[tokio::test]
async fn monitor_values_must_be_strings_as_on_the_device() {
    let running = ControlIdSim::new(ControlIdConfig::default())
        .start()
        .await
        .unwrap();
    let base = running.base_url();
    let http = http();
    let login: Value = http
        .post(format!("{base}/login.fcgi"))
        .json(&json!({"login": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = login["session"].as_str().unwrap();

    let numbers = http
        .post(format!("{base}/set_configuration.fcgi"))
        .query(&[("session", session)])
        .json(&json!({"monitor": {"port": 8000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(numbers.status(), 400);
}
