//! The Control iD fake on the wire, without the SDK's client.

use biometric_sim::controlid::{ControlIdConfig, ControlIdSim};
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    biometric_core::ensure_crypto_provider();
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

// ---------------------------------------------------------------------------------------------
// Strictness: what the device's documentation rules out is refused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use biometric_sim::controlid::CANCEL_REASON;

/// A fake started with a short capture, and a logged-in session.
async fn device(config: ControlIdConfig) -> (ControlIdSim, biometric_sim::Running, String) {
    let sim = ControlIdSim::new(config.capture_delay(Duration::from_millis(1)));
    let running = sim.start().await.unwrap();
    let login: Value = http()
        .post(format!("{}/login.fcgi", running.base_url()))
        .json(&json!({"login": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = login["session"].as_str().unwrap().to_owned();
    (sim, running, session)
}

async fn command(
    running: &biometric_sim::Running,
    session: &str,
    name: &str,
    body: Value,
) -> (u16, Value) {
    let response = http()
        .post(format!("{}/{name}", running.base_url()))
        .query(&[("session", session)])
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_prose_only_message_key_is_refused_and_msg_is_accepted() {
    let (sim, running, session) = device(ControlIdConfig::default()).await;

    // A client that follows the contradicting example (`message`) fails here.
    let (status, body) = command(
        &running,
        &session,
        "remote_enroll.fcgi",
        json!({"type": "card", "save": false, "sync": false, "message": "Hi"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("`msg`"), "{body}");

    let (status, _) = command(
        &running,
        &session,
        "remote_enroll.fcgi",
        json!({"type": "card", "save": false, "sync": false, "msg": "Hi"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        sim.enroll_requests(),
        [json!({"type": "card", "save": false, "sync": false, "msg": "Hi"})]
    );
}

#[tokio::test]
async fn wrong_types_and_unknown_keys_are_refused() {
    let (sim, running, session) = device(ControlIdConfig::default()).await;
    for (bad, field) in [
        (json!({"countdown": "three", "auto": true}), "countdown"),
        (json!({"auto": "yes"}), "auto"),
        (json!({"sync": "true"}), "sync"),
        (json!({"save": "false"}), "save"),
        (json!({"panic_finger": 7}), "panic_finger"),
        (json!({"panic_finger": true}), "panic_finger"),
        (json!({"user_id": "12"}), "user_id"),
        (json!({"msg": 5}), "msg"),
        (json!({"countdown": 0, "auto": true}), "countdown"),
        (json!({"autoCapture": true}), "autoCapture"),
    ] {
        let mut body = json!({"type": "face", "sync": false});
        body.as_object_mut()
            .unwrap()
            .extend(bad.as_object().unwrap().clone());
        let (status, answer) = command(&running, &session, "remote_enroll.fcgi", body).await;
        assert_eq!(status, 400, "{bad}");
        assert!(
            answer["error"].as_str().unwrap().contains(field),
            "{bad}: {answer}"
        );
    }
    let (status, _) = command(
        &running,
        &session,
        "remote_enroll.fcgi",
        json!({"type": "fingerprint"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(sim.enroll_requests().is_empty(), "nothing was accepted");
}

#[tokio::test]
async fn a_json_command_with_another_content_type_is_refused() {
    let (sim, running, session) = device(ControlIdConfig::default()).await;
    let body = r#"{"type": "card", "save": false, "sync": false}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = http()
            .post(format!("{}/remote_enroll.fcgi", running.base_url()))
            .query(&[("session", &session)])
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
    }
    let charset = http()
        .post(format!("{}/remote_enroll.fcgi", running.base_url()))
        .query(&[("session", &session)])
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(charset.status(), 200);
    assert_eq!(sim.enroll_requests().len(), 1);
}

#[tokio::test]
async fn other_commands_refuse_unknown_keys_too() {
    let (_sim, running, session) = device(ControlIdConfig::default()).await;
    for (name, body) in [
        ("cancel_remote_enroll.fcgi", json!({"now": true})),
        ("load_objects.fcgi", json!({"object": "users", "limits": 5})),
        (
            "create_objects.fcgi",
            json!({"object": "users", "value": []}),
        ),
        ("set_configuration.fcgi", json!({"monitor": {"host": "x"}})),
        (
            "set_configuration.fcgi",
            json!({"monitor": {"alive_interval": 30000}}),
        ),
        (
            "get_configuration.fcgi",
            json!({"monitor": ["hostname", "hostnam"]}),
        ),
        ("user_destroy_image.fcgi", json!({"user": 1})),
    ] {
        let (status, answer) = command(&running, &session, name, body.clone()).await;
        assert_eq!(status, 400, "{name} {body}: {answer}");
    }
    let login = http()
        .post(format!("{}/login.fcgi", running.base_url()))
        .json(&json!({"user": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 400);
    let (status, _) = command(
        &running,
        &session,
        "set_configuration.fcgi",
        json!({"monitor": {"alive_interval": "30000", "enable_photo_upload": "1", "inform_access_event_id": "1"}}),
    )
    .await;
    assert_eq!(status, 200, "the documented monitor keys are accepted");
}

#[tokio::test]
async fn a_cancelled_synchronous_enrollment_answers_the_fakes_own_reason() {
    let sim = ControlIdSim::new(ControlIdConfig::default().capture_delay(Duration::from_secs(600)));
    let running = sim.start().await.unwrap();
    let base = running.base_url().to_owned();
    let login: Value = http()
        .post(format!("{base}/login.fcgi"))
        .json(&json!({"login": "admin", "password": "admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = login["session"].as_str().unwrap().to_owned();
    let enrolling = {
        let (base, session) = (base.clone(), session.clone());
        tokio::spawn(async move {
            http()
                .post(format!("{base}/remote_enroll.fcgi"))
                .query(&[("session", &session)])
                .json(&json!({"type": "card", "save": false, "sync": true}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    // The capture is recorded once accepted; cancel until the enrollment returns.
    let answer = loop {
        if enrolling.is_finished() {
            break enrolling.await.unwrap();
        }
        if !sim.enroll_requests().is_empty() {
            command(&running, &session, "cancel_remote_enroll.fcgi", json!({})).await;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(answer["success"], false);
    assert_eq!(answer["error"], CANCEL_REASON);
}

// ---------------------------------------------------------------------------------------------
// Asynchronous results: where they go, what they carry.

#[derive(Debug, Clone)]
struct Received {
    path_and_query: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Your server: records every request and answers `status`.
async fn server(status: u16) -> (u16, Arc<Mutex<Vec<Received>>>, biometric_sim::Running) {
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let sink = sink.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            sink.lock().unwrap().push(Received {
                path_and_query: parts.uri.path_and_query().unwrap().to_string(),
                content_type: parts
                    .headers
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_owned()),
                body: body.to_vec(),
            });
            (axum::http::StatusCode::from_u16(status).unwrap(), "{}")
        }
    });
    let running = biometric_sim::serve(app, biometric_sim::loopback())
        .await
        .unwrap();
    (running.address().port(), received, running)
}

async fn monitor(running: &biometric_sim::Running, session: &str, port: u16, path: &str) {
    let (status, _) = command(
        running,
        session,
        "set_configuration.fcgi",
        json!({"monitor": {"hostname": "127.0.0.1", "port": port.to_string(), "path": path}}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn async_results_go_to_the_callback_and_to_the_monitor_path() {
    let (sim, running, session) = device(ControlIdConfig::default()).await;
    let (port, received, _server) = server(200).await;
    monitor(&running, &session, port, "api/notifications").await;

    let (status, answer) = command(
        &running,
        &session,
        "remote_enroll.fcgi",
        json!({"type": "face", "user_id": 4, "save": false, "sync": false}),
    )
    .await;
    assert_eq!((status, answer), (200, json!({})));
    let results = sim.wait_for_async_results(1).await;

    assert_eq!(
        results[0].posts,
        [
            ("/face_create.fcgi".to_owned(), Some(200)),
            ("/api/notifications/user_image".to_owned(), Some(200))
        ]
    );
    let received = received.lock().unwrap().clone();
    let paths: Vec<&str> = received.iter().map(|r| r.path_and_query.as_str()).collect();
    assert_eq!(
        paths,
        ["/face_create.fcgi", "/api/notifications/user_image"]
    );
    let face: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(face["user_id"], 4);
    assert!(face["face"]["image"].is_string() && face.get("success").is_none());
    let notification: Value = serde_json::from_slice(&received[1].body).unwrap();
    assert!(notification["user_image"].is_string());
    assert!(
        received
            .iter()
            .all(|r| r.content_type.as_deref() == Some("application/json"))
    );
}

#[tokio::test]
async fn an_async_enrollment_saved_on_the_device_sends_nothing() {
    let (sim, running, session) = device(ControlIdConfig::default()).await;
    let (port, received, _server) = server(200).await;
    monitor(&running, &session, port, "api/notifications").await;
    let (_, created) = command(
        &running,
        &session,
        "create_objects.fcgi",
        json!({"object": "users", "values": [{"name": "Di"}]}),
    )
    .await;
    let user = created["ids"][0].as_i64().unwrap();

    for kind in ["face", "card", "biometry"] {
        let (status, _) = command(
            &running,
            &session,
            "remote_enroll.fcgi",
            json!({"type": kind, "user_id": user, "save": true, "sync": false}),
        )
        .await;
        assert_eq!(status, 200);
    }
    let results = sim.wait_for_async_results(3).await;

    assert!(
        results.iter().all(|r| r.save && r.posts.is_empty()),
        "{results:?}"
    );
    assert!(received.lock().unwrap().is_empty());
    assert!(sim.has_photo(user) && sim.card_of(user).is_some());
}

#[tokio::test]
async fn template_create_when_the_device_extracts_templates() {
    let (sim, running, session) = device(ControlIdConfig::default().extract_templates(true)).await;
    let (port, received, _server) = server(200).await;
    monitor(&running, &session, port, "/hooks/").await;

    command(
        &running,
        &session,
        "remote_enroll.fcgi",
        json!({"type": "biometry", "user_id": 9, "save": false, "sync": false, "panic_finger": 1}),
    )
    .await;
    sim.wait_for_async_results(1).await;

    let received = received.lock().unwrap().clone();
    let template = biometric_sim::controlid::synthetic_template(9);
    assert_eq!(
        received[0].path_and_query,
        format!(
            "/template_create.fcgi?card_id=&device_id=935107&finger_type=1&size0={}&temp_num=1&user_id=9",
            template.len()
        )
    );
    assert_eq!(
        received[0].content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(received[0].body, template);
    assert_eq!(received[1].path_and_query, "/hooks/template");
}

#[tokio::test]
async fn offline_only_the_monitor_hears_and_a_refused_post_is_not_sent_again() {
    let (sim, running, session) = device(ControlIdConfig::default().online_mode(false)).await;
    let (port, received, _server) = server(500).await;
    monitor(&running, &session, port, "api/notifications").await;

    command(
        &running,
        &session,
        "remote_enroll.fcgi",
        json!({"type": "card", "user_id": 3, "save": false, "sync": false}),
    )
    .await;
    let results = sim.wait_for_async_results(1).await;

    assert_eq!(
        results[0].posts,
        [("/api/notifications/card".to_owned(), Some(500))]
    );
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "sent once, not again after the 500");
    let card: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(card["user_id"], 3);
    assert_eq!(
        card["card_value"],
        biometric_sim::controlid::synthetic_card(3)
    );
}
