//! Error statuses: 400 bodies, retried 503s, 408/500, health checks, and decoding any input.

use std::time::Duration;

use crate::common::*;
use bioid_client::{
    ClassCount, Client, Enrollment, Liveness, PhotoVerification, RetryPolicy, Search, StatusCode,
    TemplateStatus, Verification,
};
use proptest::prelude::*;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_400_carries_the_grpc_code_as_number_or_string() {
    for (body, code) in [
        (
            serde_json::json!({"code": 3, "message": "classId must be positive"}),
            "3",
        ),
        (
            serde_json::json!({"code": "InvalidArgument", "message": "classId must be positive"}),
            "InvalidArgument",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(&body))
            .mount(&server)
            .await;

        let err = client(&server)
            .verify(class(1), jpeg("x"))
            .send()
            .await
            .unwrap_err();

        let api = err.as_api().expect("an API error");
        assert_eq!(api.status, StatusCode::BAD_REQUEST);
        assert_eq!(api.code.as_deref(), Some(code));
        assert_eq!(api.message.as_deref(), Some("classId must be positive"));
        assert_eq!(api.body, serde_json::to_vec(&body).unwrap());
    }
}

fn retrying_client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_KEY)
        .http(|h| {
            h.retry(
                RetryPolicy::default()
                    .unprocessed_status(503)
                    .initial_backoff(Duration::from_millis(1))
                    .max_backoff(Duration::from_millis(5)),
            )
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_even_for_enroll() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(bws(200).set_body_json(
            serde_json::json!({"status": "SUCCEEDED", "performedAction": "NEW_TEMPLATE_CREATED"}),
        ))
        .with_priority(2)
        .mount(&server)
        .await;

    let response = retrying_client(&server)
        .enroll(class(1), [jpeg("x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.body.performed_action,
        Some(bioid_client::EnrollmentAction::NewTemplateCreated)
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn the_default_policy_retries_503() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(bws(200).set_body_json(serde_json::json!({"numberOfClasses": 1})))
        .with_priority(2)
        .mount(&server)
        .await;
    let default = Client::builder(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_KEY)
        .build()
        .unwrap();

    assert_eq!(
        default
            .class_count(["x"])
            .send()
            .await
            .unwrap()
            .body
            .number_of_classes,
        1
    );
}

/// The client as a caller builds it: the default retry policy, nothing turned off.
fn default_client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .client_credentials(CLIENT_ID, CLIENT_KEY)
        .build()
        .unwrap()
}

#[tokio::test]
async fn request_timeout_and_server_error_surface_as_api_errors() {
    for status in [408u16, 500] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string("upstream trouble"))
            .mount(&server)
            .await;

        // Under the DEFAULT retry policy: a test with retries off could not tell.
        let err = default_client(&server)
            .enroll(class(1), [jpeg("x")])
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::from_u16(status).unwrap()));
        assert_eq!(
            err.as_api().unwrap().message.as_deref(),
            Some("upstream trouble")
        );
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "enroll is not retried on {status}"
        );

        // The same client does retry: an idempotent call on the same status is sent again, so
        // the single enroll above is the policy's choice, not retries being off.
        default_client(&server)
            .verify(class(1), jpeg("x"))
            .send()
            .await
            .unwrap_err();
        let verifies = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.url.path().starts_with("/api/face/v1/verify/"))
            .count();
        assert!(verifies > 1, "verify retried on {status}: {verifies}");
    }
}

#[tokio::test]
async fn health_checks_need_no_token() {
    let server = MockServer::start().await;
    Mock::given(path("/livez"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Healthy"))
        .mount(&server)
        .await;
    Mock::given(path("/readyz"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Unhealthy"))
        .mount(&server)
        .await;
    let client = client(&server);

    let live = client.livez().send().await.unwrap().body;
    let ready = client.readyz().send().await.unwrap().body;

    assert!(live.healthy && live.detail == "Healthy");
    assert!(!ready.healthy && ready.detail == "Unhealthy");
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| !r.headers.contains_key("authorization"))
    );
    assert_eq!(
        requests.len(),
        2,
        "an unhealthy answer is an answer, not retried"
    );
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error_with_its_path() {
    let server = MockServer::start().await;
    Mock::given(header_exists("authorization"))
        .respond_with(bws(200).set_body_string(r#"{"status": "SUCCEEDED", "verified": "yes"}"#))
        .mount(&server)
        .await;

    let err = client(&server)
        .verify(class(1), jpeg("x"))
        .send()
        .await
        .unwrap_err();
    let bioid_client::Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path.as_deref(), Some("verified"));
}

/// Arbitrary JSON, biased to the field names BWS uses.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("status".to_owned()),
        Just("errors".to_owned()),
        Just("imageProperties".to_owned()),
        Just("performedAction".to_owned()),
        Just("templateStatus".to_owned()),
        Just("thumbnails".to_owned()),
        Just("image".to_owned()),
        Just("classId".to_owned()),
        Just("verificationLevel".to_owned()),
        Just("result".to_owned()),
        Just("matches".to_owned()),
        Just("faces".to_owned()),
        "[a-z]{1,6}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[A-Za-z0-9+/=_ ]{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn decoding_any_json_or_bytes_never_panics(value in json_value(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let text = serde_json::to_vec(&value).unwrap();
        for input in [&text[..], &bytes[..]] {
            let _ = serde_json::from_slice::<Enrollment>(input);
            let _ = serde_json::from_slice::<Verification>(input);
            let _ = serde_json::from_slice::<Search>(input);
            let _ = serde_json::from_slice::<Liveness>(input);
            let _ = serde_json::from_slice::<PhotoVerification>(input);
            let _ = serde_json::from_slice::<TemplateStatus>(input);
            let _ = serde_json::from_slice::<ClassCount>(input);
        }
    }
}
