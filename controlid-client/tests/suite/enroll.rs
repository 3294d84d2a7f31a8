//! Remote enrollment on the wire: every parameter, typed results, failures, validation.

use std::time::Duration;

use crate::common::*;
use controlid_client::callbacks::{EnrollKind, ResultKey};
use controlid_client::{
    CardValue, EnrollFailure, EnrollTarget, EnrollmentResults, Error, FingerType, ImageFormat,
    RetryPolicy, SyncEnroll, UserId,
};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn device(answer: ResponseTemplate, expected_body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    sessions(&server, &["sess"]).await;
    Mock::given(method("POST"))
        .and(path("/remote_enroll.fcgi"))
        .and(query_param("session", "sess"))
        .and(body_json(expected_body))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    server
}

fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json")
}

#[tokio::test]
async fn synchronous_face_enrollment_with_every_face_parameter() {
    let server = device(
        json("enroll_face_sync.json"),
        serde_json::json!({
            "type": "face", "user_id": 123, "save": true, "sync": true,
            "auto": true, "countdown": 3, "msg": "Olhe para a camera", "registration": "E-1"
        }),
    )
    .await;

    let face = client(&server)
        .remote_enroll_face(EnrollTarget::SaveToUser(user(123)))
        .message("Olhe para a camera")
        .registration("E-1")
        .auto_capture(Duration::from_secs(3))
        .sync()
        .send()
        .await
        .unwrap();

    assert_eq!(face.user_id, user(123));
    assert_eq!(face.device_id.0, 935107);
    assert_eq!(face.image.format(), ImageFormat::Jpeg);
}

#[tokio::test]
async fn synchronous_card_enrollment() {
    let server = device(
        json("enroll_card_sync.json"),
        serde_json::json!({"type": "card", "user_id": 123, "save": true, "sync": true}),
    )
    .await;

    let card = client(&server)
        .remote_enroll_card(EnrollTarget::SaveToUser(user(123)))
        .sync()
        .send()
        .await
        .unwrap();

    assert_eq!(card.card_value, CardValue::from_parts(12, 34567));
}

#[tokio::test]
async fn synchronous_fingerprints_returned_not_saved_raw_and_jpeg() {
    let server = device(
        json("enroll_biometry_sync.json"),
        serde_json::json!({"type": "biometry", "save": false, "sync": true, "panic_finger": 1}),
    )
    .await;

    let prints = client(&server)
        .remote_enroll_fingerprint(EnrollTarget::return_only())
        .panic_finger(true)
        .sync()
        .send()
        .await
        .unwrap();

    assert_eq!(prints.finger_type, FingerType::Normal);
    assert_eq!(
        prints.fingerprints[0].image.format(),
        ImageFormat::Gray8 {
            width: 4,
            height: 3
        }
    );
    let bitmap = prints.fingerprints[0].image.as_gray_bitmap().unwrap();
    assert_eq!(&bitmap.to_pgm()[..10], b"P5\n4 3\n255");
    assert_eq!(prints.fingerprints[1].image.format(), ImageFormat::Jpeg);
}

#[tokio::test]
async fn a_device_refusal_is_an_error_with_the_reason_and_match() {
    let server = device(
        json("enroll_face_exists.json"),
        serde_json::json!({"type": "face", "user_id": 5, "save": true, "sync": true}),
    )
    .await;

    let err = client(&server)
        .remote_enroll_face(EnrollTarget::SaveToUser(user(5)))
        .sync()
        .send()
        .await
        .unwrap_err();

    let failure = EnrollFailure::from_error(&err).expect("an enrollment failure");
    assert!(failure.is_face_exists());
    assert_eq!(failure.match_user_id, Some(user(77)));
    assert_eq!(err.as_api().unwrap().code.as_deref(), Some("FACE_EXISTS"));
}

/// The device answers `get_configuration.fcgi` with a monitor at `hostname`, `port`.
async fn monitor_at(server: &MockServer, hostname: &str, port: &str) {
    Mock::given(method("POST"))
        .and(path("/get_configuration.fcgi"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "monitor": {"hostname": hostname, "port": port, "path": "api/notifications",
                        "request_timeout": "5000"}
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn asynchronous_enrollment_returns_a_pending_result_once_the_device_accepts() {
    let server = device(
        ResponseTemplate::new(200).set_body_json(serde_json::json!({})),
        serde_json::json!({"type": "biometry", "user_id": 9, "save": false, "sync": false, "panic_finger": 0}),
    )
    .await;
    monitor_at(&server, "10.0.0.2", "8000").await;
    let results = EnrollmentResults::in_process();

    let pending = client(&server)
        .remote_enroll_fingerprint(EnrollTarget::return_for(user(9)))
        .send(&results)
        .await
        .unwrap();

    assert_eq!(
        pending.key(),
        ResultKey::new(EnrollKind::Fingerprint, user(9))
    );
}

#[tokio::test]
async fn an_asynchronous_refusal_is_an_error_like_the_synchronous_one() {
    let server = device(
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"success": false, "error": "Device busy"})),
        serde_json::json!({"type": "card", "user_id": 4, "save": false, "sync": false}),
    )
    .await;
    monitor_at(&server, "10.0.0.2", "8000").await;
    let results = EnrollmentResults::in_process();

    let err = client(&server)
        .remote_enroll_card(EnrollTarget::return_for(user(4)))
        .send(&results)
        .await
        .unwrap_err();

    let failure = EnrollFailure::from_error(&err).expect("an enrollment failure");
    assert_eq!(failure.reason, "Device busy");
    assert_eq!(err.as_api().unwrap().code.as_deref(), Some("Device busy"));
}

#[tokio::test]
async fn an_asynchronous_error_without_success_is_a_refusal_too() {
    let server = device(
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"error": "No monitor"})),
        serde_json::json!({"type": "face", "user_id": 3, "save": false, "sync": false}),
    )
    .await;
    monitor_at(&server, "10.0.0.2", "8000").await;

    let err = client(&server)
        .remote_enroll_face(EnrollTarget::return_for(user(3)))
        .send(&EnrollmentResults::in_process())
        .await
        .unwrap_err();
    assert_eq!(
        EnrollFailure::from_error(&err).unwrap().reason,
        "No monitor"
    );
}

/// An asynchronous enrollment whose result could not come back is refused before it is sent:
/// saved on the device (nothing is posted), unlabelled (nothing to match), no monitor.
#[tokio::test]
async fn an_asynchronous_enrollment_without_a_way_back_is_refused_before_sending() {
    let server = MockServer::start().await;
    sessions(&server, &["sess"]).await;
    monitor_at(&server, "", "").await;
    catch_all(&server).await;
    let device = client(&server);
    let results = EnrollmentResults::in_process();

    let saved = device
        .remote_enroll_face(EnrollTarget::SaveToUser(user(1)))
        .send(&results)
        .await
        .unwrap_err();
    assert!(
        matches!(saved, Error::InvalidRequest { ref field, .. } if field == "target"),
        "{saved}"
    );
    let unlabelled = device
        .remote_enroll_card(EnrollTarget::return_only())
        .send(&results)
        .await
        .unwrap_err();
    assert!(
        matches!(unlabelled, Error::InvalidRequest { ref field, .. } if field == "user_id"),
        "{unlabelled}"
    );
    let no_monitor = device
        .remote_enroll_card(EnrollTarget::return_for(user(1)))
        .send(&results)
        .await
        .unwrap_err();
    assert!(
        matches!(no_monitor, Error::InvalidRequest { ref field, .. } if field == "monitor"),
        "{no_monitor}"
    );
    assert!(
        device.monitor_config().await.unwrap().is_none(),
        "an empty monitor reads as none"
    );

    let enrollments = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/remote_enroll.fcgi")
        .count();
    assert_eq!(enrollments, 0, "nothing was sent");
}

#[test]
fn a_synchronous_enrollment_takes_a_timeout_and_options_like_every_call() {
    let device = controlid_client::Client::builder("http://127.0.0.1:9")
        .credentials("admin", "admin")
        .build()
        .unwrap();
    let request = device
        .remote_enroll_card(EnrollTarget::return_only())
        .sync()
        .timeout(Duration::from_secs(7))
        .options(controlid_client::RequestOptions::new().timeout(Duration::from_secs(9)));
    assert_eq!(timeout_of(&request), Duration::from_secs(7));
}

#[tokio::test]
async fn automatic_capture_with_the_device_countdown_sends_auto_alone() {
    let server = device(
        json("enroll_face_sync.json"),
        serde_json::json!({"type": "face", "user_id": 123, "save": true, "sync": true, "auto": true}),
    )
    .await;

    client(&server)
        .remote_enroll_face(EnrollTarget::SaveToUser(user(123)))
        .auto_capture_with_device_countdown()
        .sync()
        .send()
        .await
        .unwrap();
}

fn timeout_of<T>(request: &SyncEnroll<T>) -> Duration {
    request.operation().unwrap().timeout_value().unwrap()
}

#[test]
fn synchronous_calls_wait_for_a_person() {
    let device = controlid_client::Client::builder("http://192.168.0.129")
        .credentials("a", "b")
        .build()
        .unwrap();
    let target = EnrollTarget::SaveToUser(user(1));

    assert_eq!(
        timeout_of(&device.remote_enroll_face(target).sync()),
        Duration::from_secs(40)
    );
    assert_eq!(
        timeout_of(&device.remote_enroll_card(target).sync()),
        Duration::from_secs(60)
    );
    assert_eq!(
        timeout_of(&device.remote_enroll_fingerprint(target).sync()),
        Duration::from_secs(90)
    );
    let custom = device
        .remote_enroll_face(target)
        .timeout(Duration::from_secs(10))
        .sync();
    assert_eq!(timeout_of(&custom), Duration::from_secs(10));
    assert!(
        !custom.operation().unwrap().is_idempotent(),
        "an enrollment is never retried blindly"
    );
}

#[tokio::test]
async fn broken_rules_are_reported_before_any_io() {
    let server = MockServer::start().await;
    let device = client(&server);
    let target = EnrollTarget::SaveToUser(user(1));

    assert!(matches!(UserId::new(0), Err(Error::InvalidRequest { .. })));
    let cases = [
        (
            device
                .remote_enroll_face(target)
                .auto_capture(Duration::ZERO)
                .sync()
                .send()
                .await
                .map(drop),
            "countdown",
        ),
        (
            device
                .remote_enroll_face(target)
                .auto_capture(Duration::from_millis(1500))
                .send(&EnrollmentResults::in_process())
                .await
                .map(drop),
            "countdown",
        ),
        (
            device
                .remote_enroll_card(target)
                .message("line\nbreak")
                .send(&EnrollmentResults::in_process())
                .await
                .map(drop),
            "msg",
        ),
        (
            device
                .remote_enroll_fingerprint(target)
                .registration(" ")
                .send(&EnrollmentResults::in_process())
                .await
                .map(drop),
            "registration",
        ),
    ];
    for (result, field) in cases {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field: f, .. } if f == field),
            "{field}: {err}"
        );
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "not even a login"
    );
}

#[tokio::test]
async fn an_enrollment_is_not_retried_after_a_503() {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    Mock::given(path("/remote_enroll.fcgi"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let device = controlid_client::Client::builder(server.uri())
        .credentials(LOGIN, PASSWORD)
        .http(|h| h.retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1))))
        .build()
        .unwrap();

    assert!(
        device
            .remote_enroll_card(EnrollTarget::return_only())
            .sync()
            .send()
            .await
            .is_err()
    );
    assert_eq!(requests_to(&server, "/remote_enroll.fcgi").await.len(), 1);
}

#[tokio::test]
async fn cancel_posts_an_empty_object() {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    Mock::given(method("POST"))
        .and(path("/cancel_remote_enroll.fcgi"))
        .and(query_param("session", "s"))
        .and(body_json(serde_json::json!({})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    client(&server).cancel_remote_enroll().await.unwrap();
}
