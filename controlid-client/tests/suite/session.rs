//! Login, the session in the query string, re-login on 401/403, logout, session check.

use crate::common::*;
use controlid_client::{Client, Error, StatusCode};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn valid_for(server: &MockServer, session: &str) {
    Mock::given(path("/session_is_valid.fcgi"))
        .and(query_param("session", session))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"session_is_valid": true})),
        )
        .with_priority(10)
        .mount(server)
        .await;
}

#[tokio::test]
async fn logs_in_once_and_sends_the_session_in_the_query() {
    let server = MockServer::start().await;
    sessions(&server, &["abc+/=="]).await;
    valid_for(&server, "abc+/==").await;
    catch_all(&server).await;
    let device = client(&server);

    assert!(device.session_is_valid().await.unwrap());
    assert!(device.session_is_valid().await.unwrap());

    assert_eq!(requests_to(&server, "/login.fcgi").await.len(), 1);
    let check = &requests_to(&server, "/session_is_valid.fcgi").await[0];
    assert_eq!(
        check.url.query(),
        Some("session=abc%2B%2F%3D%3D"),
        "URL-encoded"
    );
    assert!(
        !check.headers.contains_key("expect"),
        "no Expect: 100-continue"
    );
}

#[tokio::test]
async fn a_401_or_403_logs_in_again_once_and_repeats_the_call() {
    for status in [401u16, 403] {
        let server = MockServer::start().await;
        sessions(&server, &["old", "new"]).await;
        Mock::given(path("/session_is_valid.fcgi"))
            .and(query_param("session", "old"))
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        valid_for(&server, "new").await;
        catch_all(&server).await;

        assert!(
            client(&server).session_is_valid().await.unwrap(),
            "{status}"
        );
        assert_eq!(
            requests_to(&server, "/login.fcgi").await.len(),
            2,
            "{status}"
        );
    }
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_with_the_device_message() {
    let server = MockServer::start().await;
    Mock::given(path("/login.fcgi"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "Invalid user or password"})),
        )
        .mount(&server)
        .await;

    let err = client(&server).session_is_valid().await.unwrap_err();

    let Error::Auth {
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        source.as_api().unwrap().message.as_deref(),
        Some("Invalid user or password")
    );
    assert!(!format!("{err:?} {err}").contains(PASSWORD));
}

#[tokio::test]
async fn logout_ends_the_session_and_the_next_call_logs_in_again() {
    let server = MockServer::start().await;
    sessions(&server, &["first", "second"]).await;
    valid_for(&server, "first").await;
    valid_for(&server, "second").await;
    Mock::given(method("POST"))
        .and(path("/logout.fcgi"))
        .and(query_param("session", "first"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let device = client(&server);

    device.logout().await.unwrap(); // no session yet: nothing sent
    device.login().await.unwrap();
    device.logout().await.unwrap();
    assert!(device.session_is_valid().await.unwrap());

    assert_eq!(requests_to(&server, "/login.fcgi").await.len(), 2);
}

#[tokio::test]
async fn logout_of_an_expired_session_is_not_an_error() {
    let server = MockServer::start().await;
    sessions(&server, &["gone"]).await;
    Mock::given(path("/logout.fcgi"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let device = client(&server);
    device.login().await.unwrap();

    device.logout().await.unwrap();
}

#[test]
fn credentials_are_required_and_never_printed() {
    let err = Client::builder("http://192.168.0.129").build().unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "credentials"),
        "{err}"
    );
    let device = Client::builder("http://192.168.0.129")
        .credentials("admin", PASSWORD)
        .build()
        .unwrap();
    assert!(!format!("{device:?}").contains(PASSWORD));
}

#[tokio::test]
async fn error_bodies_become_api_errors_with_the_vendor_message() {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    Mock::given(path("/session_is_valid.fcgi"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"error": "Invalid parameter"})),
        )
        .mount(&server)
        .await;

    let err = client(&server).session_is_valid().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        err.as_api().unwrap().message.as_deref(),
        Some("Invalid parameter")
    );
}

#[tokio::test]
async fn a_session_invalid_answer_logs_in_again_whatever_its_status() {
    let server = MockServer::start().await;
    sessions(&server, &["old", "new"]).await;
    Mock::given(path("/session_is_valid.fcgi"))
        .and(query_param("session", "old"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"error": "Invalid session"})),
        )
        .mount(&server)
        .await;
    valid_for(&server, "new").await;
    catch_all(&server).await;

    assert!(client(&server).session_is_valid().await.unwrap());
    assert_eq!(requests_to(&server, "/login.fcgi").await.len(), 2);
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Client>();
    check::<controlid_client::FaceEnroll>();
    check::<controlid_client::SyncEnroll<controlid_client::FingerprintEnrollment>>();
    check::<controlid_client::callbacks::Callback>();
    check::<controlid_client::MonitorConfig>();
    check::<controlid_client::EnrollFailure>();
}
