//! Error shapes (plain text and JSON), 401, what is never sent again, and what is refused before
//! any I/O.

use crate::common::*;
use biopassid_client::{
    BioPassIdFailure, Client, CustomId, Error, FailureKind, Image, Person, StatusCode, WebSdkCode,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn face_only(custom_id: &str) -> Person {
    Person::new(id(custom_id)).face(jpeg("face"))
}

async fn answer(server: &MockServer, status: u16, body: &str) {
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(body.as_bytes().to_vec(), "text/plain; charset=utf-8"),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_plain_text_400_is_an_api_error_with_the_text_verbatim() {
    let server = MockServer::start().await;
    answer(&server, 400, "Invalid JSON format").await;

    let err = client(&server).enroll(&face_only("1")).await.unwrap_err();

    let api = err.as_api().expect("an API error");
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.message.as_deref(), Some("Invalid JSON format"));
    assert_eq!(&api.body[..], b"Invalid JSON format");
    let failure = BioPassIdFailure::from_error(&err).unwrap();
    assert_eq!(failure.kind, FailureKind::InvalidJsonFormat);
    assert_eq!(failure.operation, "biopassid.enroll");
    assert_eq!(WebSdkCode::from_error(&err), None);
}

#[tokio::test]
async fn failed_to_extract_face_template_is_classified() {
    let server = MockServer::start().await;
    answer(&server, 400, "Failed to extract face template\n").await;

    let err = client(&server).verify(&face_only("1")).await.unwrap_err();

    let failure = BioPassIdFailure::from_error(&err).unwrap();
    assert_eq!(failure.kind, FailureKind::FaceTemplateNotExtracted);
    assert_eq!(failure.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        failure.message.as_deref(),
        Some("Failed to extract face template")
    );
    assert!(err.to_string().contains("Failed to extract face template"));
}

#[tokio::test]
async fn a_json_error_body_gives_its_message() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(serde_json::json!({"Message": "Person not found"})),
        )
        .mount(&server)
        .await;

    let err = client(&server).update(&face_only("9")).await.unwrap_err();
    let failure = BioPassIdFailure::from_error(&err).unwrap();
    assert_eq!(failure.kind, FailureKind::CustomIdNotFound);
    assert_eq!(failure.message.as_deref(), Some("Person not found"));
    assert_eq!(failure.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_duplicate_custom_id_on_enroll_is_typed() {
    let server = MockServer::start().await;
    answer(&server, 400, "CustomID already exists").await;

    let err = client(&server).enroll(&face_only("1")).await.unwrap_err();
    assert_eq!(
        BioPassIdFailure::from_error(&err).unwrap().kind,
        FailureKind::CustomIdAlreadyExists
    );
    assert_eq!(
        WebSdkCode::from_error(&err),
        Some(WebSdkCode::CustomIdAlreadyExists)
    );
    assert_eq!(
        WebSdkCode::CustomIdAlreadyExists.as_str(),
        "enroll/customid_already_exists"
    );
}

#[tokio::test]
async fn a_401_is_an_auth_error_sent_once_even_with_the_default_retry_policy() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/multibiometrics/enroll"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Access denied"))
        .expect(1)
        .mount(&server)
        .await;

    let err = default_client(&server)
        .enroll(&face_only("1"))
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(BioPassIdFailure::from_error(&err), None);
}

#[tokio::test]
async fn no_call_is_sent_again_after_it_reached_the_service_under_the_default_policy() {
    for status in [500, 502, 503, 504, 429, 408] {
        let server = MockServer::start().await;
        answer(&server, status, "busy").await;
        let client = default_client(&server);

        let errors = [
            client.enroll(&face_only("1")).await.unwrap_err(),
            client.verify(&face_only("1")).await.unwrap_err(),
            client.update(&face_only("1")).await.unwrap_err(),
            client.delete(&id("1")).await.unwrap_err(),
        ];

        for err in &errors {
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        }
        let sent = server.received_requests().await.unwrap();
        let methods: Vec<String> = sent.iter().map(|r| r.method.to_string()).collect();
        assert_eq!(
            methods,
            ["POST", "POST", "PUT", "DELETE"],
            "each call sent once on {status}"
        );
    }
}

#[tokio::test]
async fn a_timed_out_enroll_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(enrolled_body("1"))
                .set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .subscription_key(KEY)
        .http(|h| h.timeout(std::time::Duration::from_millis(100)))
        .build()
        .unwrap();

    let err = client.enroll(&face_only("1")).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_is_refused_before_any_io() {
    let server = MockServer::start().await;
    let client = client(&server);

    let no_image = client.enroll(&Person::new(id("1"))).await.unwrap_err();
    assert!(
        matches!(&no_image, Error::InvalidRequest { field, .. } if field == "person"),
        "{no_image}"
    );
    assert_eq!(
        WebSdkCode::from_error(&no_image),
        Some(WebSdkCode::FaceOrFingersNeeded)
    );
    assert!(no_image.is_unsent());

    let blank = CustomId::new(" ").unwrap_err();
    assert_eq!(
        WebSdkCode::from_error(&blank),
        Some(WebSdkCode::InvalidCustomId)
    );

    let twice = Person::new(id("1"))
        .finger(finger(3), jpeg("a"))
        .finger(finger(3), jpeg("b"));
    let err = client.verify(&twice).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "Finger-3"),
        "{err}"
    );

    let empty = Image::from_bytes(Vec::new());
    let err = client
        .update(&Person::new(id("1")).finger(finger(1), empty))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, rule, .. }
            if field == "Finger-1" && rule.starts_with("is empty")),
        "{err}"
    );

    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The documentation asks for "fingerprint images in the format of a base64 string" without
/// naming a format: WSQ and BMP (what fingerprint readers produce) reach the service as sent.
#[tokio::test]
async fn wsq_and_bmp_fingerprints_are_sent_as_they_are() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/multibiometrics/update"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "Person": {"ClientID": "c", "CustomID": "1", "BioPassID": "1648"}
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let wsq = vec![0xFF, 0xA0, 0xFF, 0xA8, 0x00, 0x02, 0x01, 0x02];
    let mut bmp = b"BM".to_vec();
    bmp.resize(70, 7);

    client
        .update(
            &Person::new(id("1"))
                .finger(finger(1), Image::from_bytes(wsq.clone()))
                .finger(finger(2), Image::from_bytes(bmp.clone())),
        )
        .await
        .unwrap();

    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    let fingers = &sent["Person"]["Fingers"];
    assert_eq!(fingers[0]["Finger-1"], biometric_core::base64::encode(&wsq));
    assert_eq!(fingers[1]["Finger-2"], biometric_core::base64::encode(&bmp));
}

#[tokio::test]
async fn the_request_size_guard_is_configurable_and_gives_the_size() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(enrolled_body("1")))
        .mount(&server)
        .await;
    let big = Person::new(id("1")).face(Image::from_bytes({
        let mut data = vec![0xff, 0xd8, 0xff, 0xe0];
        data.resize(3000, 7);
        data
    }));
    // {"Person":{"CustomID":"1","Face":[{"Face-1":"<4000 base64 chars>"}]}}
    let body_len = 4000 + r#"{"Person":{"CustomID":"1","Face":[{"Face-1":""}]}}"#.len();

    let small_limit = |limit| {
        Client::builder(server.uri())
            .subscription_key(KEY)
            .max_request_bytes(limit)
            .build()
            .unwrap()
    };
    let err = small_limit(body_len as u64 - 1)
        .enroll(&big)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "request body"),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!("found {body_len} bytes")),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());

    small_limit(body_len as u64).enroll(&big).await.unwrap();
    // The default (10 MB) lets an ordinary person through.
    default_client(&server).enroll(&big).await.unwrap();
}

#[tokio::test]
async fn a_client_needs_a_usable_key() {
    let missing = Client::builder("http://127.0.0.1:9").build().unwrap_err();
    assert!(matches!(&missing, Error::InvalidRequest { field, .. } if field == "subscription_key"));
    let empty = Client::builder("http://127.0.0.1:9")
        .subscription_key("")
        .build()
        .unwrap_err();
    assert!(matches!(&empty, Error::InvalidRequest { field, .. } if field == "subscription_key"));
    let not_ascii = Client::builder("http://127.0.0.1:9")
        .subscription_key("clé")
        .build()
        .unwrap_err();
    assert!(!not_ascii.to_string().contains("clé"), "{not_ascii}");
}

/// Two refusals the documentation does not list, seen from the service: typed, with its text.
#[tokio::test]
async fn undocumented_refusals_have_kinds_and_keep_the_service_text() {
    use biopassid_client::{BioPassIdFailure, FailureKind};
    for (path_, text, kind) in [
        (
            "/multibiometrics/enroll",
            "Fingerprint template not extracted",
            FailureKind::FingerprintTemplateNotExtracted,
        ),
        (
            "/multibiometrics/verify",
            "CustomID not found",
            FailureKind::CustomIdNotFound,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(path(path_))
            .respond_with(ResponseTemplate::new(400).set_body_string(text))
            .mount(&server)
            .await;
        let client = client(&server);
        let person = Person::new(id("1")).finger(finger(1), jpeg("a"));
        let err = if path_.ends_with("enroll") {
            client.enroll(&person).await.unwrap_err()
        } else {
            client.verify(&person).await.unwrap_err()
        };
        let failure = BioPassIdFailure::from_error(&err).unwrap();
        assert_eq!(failure.kind, kind, "{text}");
        assert_eq!(failure.message.as_deref(), Some(text));
    }
}
