//! Sheet Common: the lock, its renewal, release and takeover, version, password change; sheet
//! Response_code through the error parser.

use crate::common::*;
use biometric_core::{Method, Operation};
use ef45_client::{Client, DeviceFailure, Error, ResponseCode, RetryPolicy, StatusCode};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An authenticated call with no typed wrapper yet in this test: what matters is the lock.
fn probe() -> Operation<serde_json::Value> {
    Operation::new("ef45.probe", Method::GET, "subjects/count")
}

async fn count_for(server: &MockServer, lock: &str) {
    Mock::given(method("GET"))
        .and(path("/1.0/subjects/count"))
        .and(query_param("lock_uid", lock))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"count": 34})))
        .with_priority(10)
        .mount(server)
        .await;
}

#[tokio::test]
async fn locks_once_with_the_sheet_body_and_sends_lock_uid_on_every_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1.0/lock"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("common_lock_answer.json")),
        )
        .mount(&server)
        .await;
    count_for(&server, LOCK).await;
    catch_all(&server).await;
    let device = client(&server);

    device.execute(probe()).await.unwrap();
    device.execute(probe()).await.unwrap();

    let locks = requests_to(&server, "/1.0/lock").await;
    assert_eq!(locks.len(), 1);
    assert_eq!(body_json(&locks[0]), fixture_json("common_lock_body.json"));
    for call in calls(&server).await {
        assert_eq!(query(&call), with_lock(&[]));
    }
}

#[tokio::test]
async fn without_credentials_the_lock_is_requested_without_a_body() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK]).await;
    count_for(&server, LOCK).await;
    catch_all(&server).await;
    let device = Client::builder(server.uri())
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();

    device.execute(probe()).await.unwrap();

    let lock = &requests_to(&server, "/1.0/lock").await[0];
    assert!(lock.body.is_empty(), "no default credentials are assumed");
}

#[tokio::test]
async fn a_stale_lock_locks_again_once_and_replays_the_call_once() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK, LOCK2]).await;
    Mock::given(path("/1.0/subjects/count"))
        .and(query_param("lock_uid", LOCK))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"status_code": 1102, "reason_phrase": "Unavailable accessToken!"}),
        ))
        .mount(&server)
        .await;
    count_for(&server, LOCK2).await;
    catch_all(&server).await;

    let answer = client(&server).execute(probe()).await.unwrap();

    assert_eq!(answer["count"], 34);
    assert_eq!(requests_to(&server, "/1.0/lock").await.len(), 2);
    assert_eq!(requests_to(&server, "/1.0/subjects/count").await.len(), 2);
}

#[tokio::test]
async fn a_lock_still_stale_after_one_renewal_is_returned_not_looped() {
    // The documented text without a code counts as well.
    let server = MockServer::start().await;
    locks(&server, &[LOCK, LOCK2]).await;
    Mock::given(path("/1.0/subjects/count"))
        .respond_with(ResponseTemplate::new(403).set_body_string("Unavailable accessToken!"))
        .mount(&server)
        .await;

    let err = client(&server).execute(probe()).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(requests_to(&server, "/1.0/lock").await.len(), 2);
    assert_eq!(requests_to(&server, "/1.0/subjects/count").await.len(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_with_the_device_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1.0/lock"))
        .respond_with(
            ResponseTemplate::new(400).set_body_string("HTTPServerResponse::HTTP_BAD_REQUEST"),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;

    let err = client(&server).execute(probe()).await.unwrap_err();

    let Error::Auth {
        message,
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(message, "the device refused the id or password");
    // The device's own words are in the one line the application prints.
    assert!(
        err.to_string()
            .contains("the device refused the id or password: ef45.lock failed: HTTPServerResponse::HTTP_BAD_REQUEST"),
        "{err}"
    );
    assert_eq!(source.status(), Some(StatusCode::BAD_REQUEST));
    assert!(
        calls(&server).await.is_empty(),
        "the call itself was not sent"
    );
    assert!(!format!("{err:?} {err}").contains(PASSWD));
}

#[tokio::test]
async fn a_lock_the_device_cannot_create_is_an_auth_error_too() {
    let server = MockServer::start().await;
    Mock::given(path("/1.0/lock"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;

    let err = client(&server).lock().await.unwrap_err();

    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
}

#[tokio::test]
async fn close_deletes_the_lock_by_path_and_the_next_call_locks_again() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK, LOCK2]).await;
    count_for(&server, LOCK2).await;
    Mock::given(method("DELETE"))
        .and(path(format!("/1.0/lock/{LOCK}")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let device = client(&server);

    device.close().await.unwrap(); // no lock yet: nothing sent
    device.lock().await.unwrap();
    device.close().await.unwrap();
    device.execute(probe()).await.unwrap();

    let delete = &requests_to(&server, &format!("/1.0/lock/{LOCK}")).await[0];
    assert_eq!(
        delete.url.query(),
        None,
        "the lock travels in the path only"
    );
    assert_eq!(requests_to(&server, "/1.0/lock").await.len(), 2);
}

#[tokio::test]
async fn closing_a_lock_the_device_already_dropped_is_not_an_error() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK]).await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"status_code": 1102, "reason_phrase": "Unavailable accessToken!"}),
        ))
        .mount(&server)
        .await;
    let device = client(&server);
    device.lock().await.unwrap();

    device.close().await.unwrap();
}

#[tokio::test]
async fn take_over_puts_the_lock_once_even_under_a_retrying_policy() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/1.0/lock"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let device = Client::builder(server.uri())
        .credentials(ID, PASSWD)
        .http(|h| h.retry(RetryPolicy::default().max_attempts(4)))
        .build()
        .unwrap();

    let err = device.take_over().await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        requests_to(&server, "/1.0/lock").await.len(),
        1,
        "PUT lock is not idempotent"
    );
}

#[tokio::test]
async fn take_over_forces_a_new_lock_with_put_and_uses_it() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK]).await;
    Mock::given(method("PUT"))
        .and(path("/1.0/lock"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"lock_uid": LOCK2})),
        )
        .mount(&server)
        .await;
    count_for(&server, LOCK2).await;
    catch_all(&server).await;
    let device = client(&server);
    device.lock().await.unwrap();

    device.take_over().await.unwrap();
    device.execute(probe()).await.unwrap();

    let lock_calls = requests_to(&server, "/1.0/lock").await;
    let methods: Vec<_> = lock_calls.iter().map(|r| r.method.to_string()).collect();
    assert_eq!(methods, ["POST", "PUT"]);
    assert_eq!(
        body_json(&lock_calls[1]),
        fixture_json("common_lock_body.json")
    );
}

#[tokio::test]
async fn version_needs_no_lock() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/1.0/version"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("common_version_answer.json")),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;

    assert_eq!(client(&server).version().await.unwrap(), "1.1.69");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.query(), None);
}

#[tokio::test]
async fn change_password_sends_the_keys_with_spaces_and_the_next_lock_uses_the_new_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/1.0/lock/chpasswd"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    locks(&server, &[LOCK]).await;
    catch_all(&server).await;
    let device = client(&server);

    device.change_password(PASSWD, "cmi1004").await.unwrap();
    device.lock().await.unwrap();

    let change = &requests_to(&server, "/1.0/lock/chpasswd").await[0];
    assert_eq!(body_json(change), fixture_json("common_chpasswd_body.json"));
    assert_eq!(
        change.url.query(),
        None,
        "the sheet's example has no lock_uid"
    );
    let lock = &requests_to(&server, "/1.0/lock").await[0];
    assert_eq!(
        body_json(lock),
        serde_json::json!({"id": ID, "passwd": "cmi1004"})
    );
}

#[tokio::test]
async fn a_forced_password_change_is_a_put_sent_once_even_when_retries_are_on() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/1.0/lock/chpasswd"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    catch_all(&server).await;
    // Retries on: a 503 is retried for idempotent calls, so one request proves this one is not.
    let device = Client::builder(server.uri())
        .credentials(ID, PASSWD)
        .http(|h| {
            h.retry(
                ef45_client::RetryPolicy::default()
                    .max_attempts(3)
                    .initial_backoff(std::time::Duration::from_millis(1)),
            )
        })
        .build()
        .unwrap();

    let err = device
        .force_change_password(PASSWD, "cmi1004")
        .await
        .unwrap_err();

    assert_eq!(
        err.status(),
        Some(ef45_client::StatusCode::SERVICE_UNAVAILABLE)
    );
    let sent = requests_to(&server, "/1.0/lock/chpasswd").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        body_json(&sent[0]),
        fixture_json("common_chpasswd_body.json")
    );
}

#[tokio::test]
async fn change_password_without_credentials_is_refused_before_io() {
    let server = MockServer::start().await;
    let device = Client::builder(server.uri()).build().unwrap();

    let err = device.change_password("a", "b").await.unwrap_err();

    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "id"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn device_codes_are_typed_from_api_errors() {
    let server = MockServer::start().await;
    locks(&server, &[LOCK]).await;
    Mock::given(path("/1.0/subjects/count"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            serde_json::json!({"status_code": 1100, "reason_phrase": "User not found!"}),
        ))
        .mount(&server)
        .await;

    let err = client(&server).execute(probe()).await.unwrap_err();

    let failure = DeviceFailure::from_error(&err).unwrap();
    assert_eq!(failure.status, StatusCode::NOT_FOUND);
    assert_eq!(failure.code, Some(ResponseCode::UserNotFound));
    assert_eq!(failure.reason.as_deref(), Some("User not found!"));
    assert_eq!(
        requests_to(&server, "/1.0/lock").await.len(),
        1,
        "1100 is not a stale lock"
    );
}

#[test]
fn every_documented_code_round_trips() {
    for (code, message) in [
        (1100, "User not found!"),
        (1101, "Incorrect information"),
        (1102, "Unavailable accessToken!"),
        (1200, "Unknown Device!"),
        (1301, "Permission denied!"),
    ] {
        let typed = ResponseCode::from_code(code);
        assert!(!typed.is_unknown());
        assert_eq!((typed.code(), typed.message()), (code, message));
    }
    assert_eq!(
        ResponseCode::from_code(400),
        ResponseCode::Http(StatusCode::BAD_REQUEST)
    );
    assert!(ResponseCode::from_code(1103).is_unknown());
}

#[test]
fn https_urls_are_accepted_and_credentials_never_printed() {
    let device = Client::builder("https://10.0.0.7:9980")
        .credentials(ID, PASSWD)
        .build()
        .unwrap();
    assert!(!format!("{device:?}").contains(PASSWD));
    let err = Client::builder("10.0.0.7").build().unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Client>();
    check::<DeviceFailure>();
    check::<ResponseCode>();
    check::<ef45_client::LogEntry>();
    check::<ef45_client::LogFilter>();
    check::<ef45_client::ManualCommand>();
    check::<ef45_client::ConfigValue>();
    check::<ef45_client::DoorStatus>();
    check::<ef45_client::UserSchedule>();
    check::<ef45_client::ScheduleInfo>();
    check::<ef45_client::SpecialDay>();
    check::<ef45_client::ScheduleType>();
    check::<ef45_client::BiometricData>();
    check::<ef45_client::MatchData>();
    check::<ef45_client::MatchEvent>();
    check::<ef45_client::Preview>();
    check::<ef45_client::CaptureOutcome>();
    check::<ef45_client::CameraSettings>();
}
