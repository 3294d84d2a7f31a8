//! The `lock_uid` and the password never reach Debug, Display, errors or tracing output.
//!
//! Alone in its own test binary: a thread-scoped tracing subscriber only sees callsites reliably
//! when no other test registers them concurrently.

use hostile_input::logs::capture;

use crate::common::*;
use biometric_core::{Method, Operation};
use ef45_client::Client;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "current_thread")]
async fn the_lock_and_the_password_never_reach_debug_errors_or_logs() {
    let (captured, _guard) = capture();

    let server = MockServer::start().await;
    locks(&server, &[LOCK, LOCK2]).await;
    // The first answer says the lock is stale and echoes it back; the replay fails plainly.
    Mock::given(path("/1.0/subjects/count"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "status_code": 1102,
            "reason_phrase": format!("Unavailable accessToken! {LOCK}"),
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/1.0/subjects/count"))
        .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
            "status_code": 1100,
            "reason_phrase": format!("User not found! {LOCK2}"),
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/1.0/lock/chpasswd"))
        .respond_with(ResponseTemplate::new(400).set_body_string("wrong password"))
        .mount(&server)
        .await;
    // The forced change's refusal echoes the body it was sent.
    Mock::given(method("PUT"))
        .and(path("/1.0/lock/chpasswd"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "status_code": 1101,
            "reason_phrase": "Incorrect information",
            "current passwd": PASSWD,
            "new passwd": "new-secret-pw",
        })))
        .mount(&server)
        .await;

    let builder = Client::builder(server.uri()).credentials(ID, PASSWD);
    let builder_debug = format!("{builder:?}");
    let device = builder.build().unwrap();
    let op = Operation::<serde_json::Value>::new("ef45.probe", Method::GET, "subjects/count");
    let err = device.execute(op).await.unwrap_err();
    let chpasswd = device
        .change_password(PASSWD, "new-secret-pw")
        .await
        .unwrap_err();
    let forced = device
        .force_change_password(PASSWD, "new-secret-pw")
        .await
        .unwrap_err();
    let client_debug = format!("{device:?}");
    device.close().await.unwrap();

    // They really were sent...
    assert_eq!(requests_to(&server, "/1.0/lock").await.len(), 2);
    assert_eq!(
        requests_to(&server, &format!("/1.0/lock/{LOCK2}"))
            .await
            .len(),
        1
    );
    // ...and appear nowhere else.
    let logs = captured.text();
    assert!(
        logs.contains("REDACTED"),
        "the lock is logged redacted: {logs}"
    );
    for (what, text) in [
        ("logs", logs),
        ("builder", builder_debug),
        ("client", client_debug),
        ("error", format!("{err:?} {err}")),
        ("chpasswd error", format!("{chpasswd:?} {chpasswd}")),
        ("forced chpasswd error", format!("{forced:?} {forced}")),
    ] {
        for secret in [LOCK, LOCK2, PASSWD, "new-secret-pw"] {
            assert!(!text.contains(secret), "{what} shows {secret}: {text}");
        }
    }
}
