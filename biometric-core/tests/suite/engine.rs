//! The engine against a real local HTTP server: the request on the wire and every error variant.

use std::time::Duration;

use biometric_core::{
    Body, Engine, Error, Method, Operation, Part, RetryPolicy, StatusCode, TransportKind,
    decode_bytes, decode_unit,
};
use serde::Deserialize;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, PartialEq)]
struct Users {
    users: Vec<User>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct User {
    id: u64,
    name: String,
}

fn engine(server: &MockServer) -> Engine {
    Engine::builder(format!("{}/api/", server.uri()))
        .http(|h| h.user_agent("test-client/9.9"))
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

fn load_users() -> Operation<Users> {
    Operation::new("test.load_users", Method::POST, "load_objects.fcgi")
}

/// Answers 500 to anything no other mock matched, so a wrong request fails readably.
async fn catch_all(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_string("no mock matched this request"))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

#[tokio::test]
async fn sends_the_described_request_and_decodes_json() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/load_objects.fcgi"))
        .and(query_param("limit", "2"))
        .and(header("user-agent", "test-client/9.9"))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({"object": "users"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"users": [{"id": 1, "name": "Ana"}, {"id": 2, "name": "Bo"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let op = load_users()
        .query("limit", 2)
        .json_body(&serde_json::json!({"object": "users"}))
        .unwrap();
    let users = engine(&server).execute(op).await.unwrap();

    assert_eq!(users.users.len(), 2);
    assert_eq!(
        users.users[1],
        User {
            id: 2,
            name: "Bo".into()
        }
    );
}

#[tokio::test]
async fn path_segments_are_percent_encoded_under_the_base_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/subjects/a%20b%3Fc"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let op = Operation::with_decoder("t", Method::GET, "subjects/a b?c", decode_unit);
    engine(&server).execute(op).await.unwrap();
}

#[tokio::test]
async fn raw_form_and_multipart_bodies_reach_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let engine = engine(&server);

    let jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
    let raw = Operation::with_decoder("t.raw", Method::POST, "raw", decode_unit)
        .body(Body::bytes("application/octet-stream", jpeg.clone()));
    let form = Operation::with_decoder("t.form", Method::POST, "form", decode_unit)
        .body(Body::Form(vec![("username".into(), "ana maria".into())]));
    let multipart = Operation::with_decoder("t.multi", Method::POST, "multi", decode_unit).body(
        Body::Multipart(vec![
            Part::text("cedula", "0912345678"),
            Part::file("imagen", "face.jpg", "image/jpeg", jpeg.clone()),
        ]),
    );
    engine.execute(raw).await.unwrap();
    engine.execute(form).await.unwrap();
    engine.execute(multipart).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].body, jpeg);
    assert_eq!(
        requests[0].headers["content-type"],
        "application/octet-stream"
    );
    assert_eq!(requests[1].body, b"username=ana+maria");
    assert_eq!(
        requests[1].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let content_type = requests[2].headers["content-type"].to_str().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&requests[2].body);
    assert!(body.contains("name=\"cedula\"\r\n\r\n0912345678"), "{body}");
    assert!(
        body.contains("name=\"imagen\"; filename=\"face.jpg\""),
        "{body}"
    );
    assert!(body.contains("Content-Type: image/jpeg"), "{body}");
    assert!(
        requests.iter().all(|r| !r.headers.contains_key("expect")),
        "no Expect: 100-continue"
    );
}

#[tokio::test]
async fn connection_refused_is_a_connect_error_that_was_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);

    let engine = Engine::builder(format!("http://127.0.0.1:{port}/"))
        .http(|h| h.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let err = engine.execute(load_users()).await.unwrap_err();

    assert!(err.is_connect(), "{err:?}");
    assert!(err.is_unsent());
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
    let Error::Transport(transport) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(transport.kind(), TransportKind::Connect);
    assert!(
        std::error::Error::source(transport).is_some(),
        "the cause is kept"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out_per_operation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;

    let op = load_users().timeout(Duration::from_millis(50));
    let err = engine(&server).execute(op).await.unwrap_err();

    assert!(err.is_timeout(), "{err:?}");
    assert!(
        !err.is_unsent(),
        "a timed-out request may have reached the server"
    );
    assert_eq!(
        err.to_string(),
        "test.load_users: timed out; the request may have reached the server"
    );
}

#[tokio::test]
async fn not_found_keeps_status_body_and_vendor_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"code": 1100, "message": "User not found"})),
        )
        .mount(&server)
        .await;

    let err = engine(&server).execute(load_users()).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    let api = err.as_api().expect("an API error");
    assert_eq!(api.code.as_deref(), Some("1100"));
    assert_eq!(api.message.as_deref(), Some("User not found"));
    assert_eq!(
        &err.body().unwrap()[..],
        br#"{"code":1100,"message":"User not found"}"#
    );
    assert_eq!(
        err.to_string(),
        "test.load_users failed: User not found (code 1100, HTTP 404 Not Found); the request \
         reached the server"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn server_error_with_a_plain_text_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("Failed to extract face template"))
        .mount(&server)
        .await;

    let err = engine(&server).execute(load_users()).await.unwrap_err();

    let api = err.as_api().expect("an API error");
    assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        api.message.as_deref(),
        Some("Failed to extract face template")
    );
    assert_eq!(&api.body[..], b"Failed to extract face template");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn malformed_json_reports_the_path_and_raw_body() {
    let server = MockServer::start().await;
    let body = r#"{"users": [{"id": 1, "name": "Ana"}, {"id": "two", "name": "Bo"}]}"#;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;

    let err = engine(&server).execute(load_users()).await.unwrap_err();

    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path.as_deref(), Some("users[1].id"));
    assert_eq!(decode.status, Some(StatusCode::OK));
    assert_eq!(&decode.body[..], body.as_bytes());
    assert!(err.to_string().contains("at `users[1].id`"), "{err}");
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let server = MockServer::start().await;
    Mock::given(path("/api/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 1001]))
        .mount(&server)
        .await;
    Mock::given(path("/api/exact"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 1000]))
        .mount(&server)
        .await;
    let engine = engine(&server);

    let big =
        Operation::with_decoder("t.big", Method::GET, "big", decode_bytes).max_response_bytes(1000);
    let exact = Operation::with_decoder("t.exact", Method::GET, "exact", decode_bytes)
        .max_response_bytes(1000);

    let err = engine.execute(big).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                limit: 1000,
                status: StatusCode::OK,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(engine.execute(exact).await.unwrap().len(), 1000);
}

#[tokio::test]
async fn engine_wide_body_limit_applies_to_every_operation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0u8; 64]))
        .mount(&server)
        .await;
    let engine = Engine::builder(server.uri())
        .http(|h| h.max_response_bytes(63))
        .build()
        .unwrap();

    let err = engine
        .execute(Operation::with_decoder("t", Method::GET, "x", decode_bytes))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 63, .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_base_urls_are_refused_before_any_io() {
    for url in ["192.168.0.129", "ftp://device/", "http://device/?session=x"] {
        let err = Engine::builder(url).build().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field, .. } if field == "base_url"),
            "{url}: {err}"
        );
        assert!(err.is_unsent());
    }
}

#[tokio::test]
async fn an_accepted_status_reaches_the_decoder() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404).set_body_string("no template"))
        .mount(&server)
        .await;
    fn found(raw: biometric_core::RawResponse) -> biometric_core::Result<bool> {
        Ok(raw.status != StatusCode::NOT_FOUND)
    }
    let engine = engine(&server);

    let lenient = Operation::with_decoder("t.delete", Method::DELETE, "t/1", found)
        .accept_status(StatusCode::NOT_FOUND);
    assert!(!engine.execute(lenient).await.unwrap());

    let strict = Operation::with_decoder("t.delete", Method::DELETE, "t/1", found);
    assert_eq!(
        engine.execute(strict).await.unwrap_err().status(),
        Some(StatusCode::NOT_FOUND)
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
    check::<Engine<biometric_core::StaticHeaderAuth>>();
    check::<Operation<Users>>();
    check::<Error>();
    check::<biometric_core::Image>();
    check::<biometric_core::Template>();
    check::<biometric_core::GrayBitmap>();
    check::<biometric_core::Credentials>();
    check::<biometric_core::RetryPolicy>();
    check::<biometric_core::TlsOptions>();
    check::<biometric_core::Transport>();
}
